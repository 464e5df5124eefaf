//! `ipmi_lanplus::fleet` against 1000 virtual BMCs served by one `Server`
//! on a range of 1000 loopback ports, plus 10 frozen ones (bound by a
//! second `Server` that never runs: datagrams queue, nothing answers).
//! `chassis power status` everywhere with a fan-out of 64: every live BMC
//! answers, every frozen one ends with a timeout at its deadline, and
//! results stream out while the run goes on.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{GetChassisStatus, GetDeviceId};
use ipmi_core::transport::AsyncTransport;
use ipmi_core::{ErrorClass, Failure, PrivilegeLevel};
use ipmi_lanplus::fleet::{self, Host, Options};
use ipmi_lanplus::server::{Server, ServerConfig, SimulatedBmc, User};
use ipmi_lanplus::{ClientConfig, Error};

const LIVE: usize = 1000;
const FROZEN: usize = 10;
const HOST_TIMEOUT: Duration = Duration::from_millis(1500);

fn server_config() -> ServerConfig {
    ServerConfig::new().user(User::new("admin", "secret", PrivilegeLevel::Administrator))
}

/// A background runtime serving `count` BMCs on consecutive loopback
/// ports (the first free range found, bounded tries) and binding `FROZEN`
/// more that are never served. Returns both address lists and a stopper.
fn start_servers(
    count: usize,
) -> (
    Vec<SocketAddr>,
    Vec<SocketAddr>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (tx, rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let start = 20_000 + (std::process::id() as usize % 40) * 250;
            let mut server = None;
            for attempt in 0..20 {
                let base = 10_000 + (start + attempt * 1_250) % 20_000;
                let listen: Vec<SocketAddr> = (0..count)
                    .map(|i| SocketAddr::from(([127, 0, 0, 1], (base + i) as u16)))
                    .collect();
                if let Ok(s) =
                    Server::bind(&listen, &server_config(), |_, _| SimulatedBmc::default()).await
                {
                    server = Some(s.tasks(1));
                    break;
                }
            }
            let server = server.expect("no free range of 1000 loopback ports in 20 tries");
            let any: Vec<SocketAddr> = vec!["127.0.0.1:0".parse().unwrap(); FROZEN];
            let frozen = Server::bind(&any, &server_config(), |_, _| SimulatedBmc::default())
                .await
                .unwrap();
            tx.send((server.local_addrs(), frozen.local_addrs()))
                .unwrap();
            server
                .run(async move {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            drop(frozen);
        });
    });
    let (live, frozen) = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    (live, frozen, stop_tx)
}

#[test]
fn chassis_power_status_on_a_thousand_bmcs_with_ten_frozen() {
    let (live, frozen, _stop) = start_servers(LIVE);
    let ports = (live[0].port(), live[LIVE - 1].port());
    assert_eq!(ports.1 - ports.0, LIVE as u16 - 1);
    // The -H form of the range, then the frozen ones spread among them.
    let shared = ClientConfig::new("admin", "secret");
    let mut hosts: Vec<Host> =
        fleet::parse_host_list(&format!("127.0.0.1:{}-{}", ports.0, ports.1))
            .unwrap()
            .iter()
            .map(|s| s.to_host(&shared, 623))
            .collect();
    for (k, addr) in frozen.iter().enumerate() {
        let at = 50 + k * 95;
        hosts.insert(
            at,
            Host::new(addr.ip().to_string(), addr.port(), shared.clone()),
        );
    }
    let frozen_labels: Vec<String> = frozen.iter().map(|a| a.to_string()).collect();
    let options = Options::default().fanout(64).timeout(HOST_TIMEOUT);

    let t0 = Instant::now();
    let mut arrivals = Vec::new();
    let summary = fleet::run_blocking(hosts, &options, GetChassisStatus, |r| {
        arrivals.push((t0.elapsed(), r));
    })
    .unwrap();
    let total = t0.elapsed();
    eprintln!(
        "{} hosts in {total:?}: first result after {:?}",
        summary.hosts, arrivals[0].0
    );

    assert_eq!((summary.hosts, summary.ok), (LIVE + FROZEN, LIVE));
    let mut seen = vec![false; LIVE + FROZEN];
    for (_, r) in &arrivals {
        assert!(
            !std::mem::replace(&mut seen[r.index], true),
            "one result per host"
        );
        if frozen_labels.contains(&r.label) {
            let e = r.result.as_ref().unwrap_err();
            assert_eq!(e.class(), ErrorClass::Timeout, "{}: {e}", r.label);
            assert!(matches!(e, Error::Timeout { .. }));
            assert!(
                r.elapsed >= HOST_TIMEOUT && r.elapsed < HOST_TIMEOUT + Duration::from_millis(300),
                "{}: timed out after {:?}",
                r.label,
                r.elapsed
            );
        } else {
            let status = r
                .result
                .as_ref()
                .unwrap_or_else(|e| panic!("{}: {e}", r.label));
            assert!(!status.power_on());
        }
    }
    // Streamed: the first result came long before the run ended, and the
    // live hosts did not wait for the frozen ones.
    assert!(
        arrivals[0].0 < total / 4,
        "first after {:?} of {total:?}",
        arrivals[0].0
    );
    let last_live = arrivals
        .iter()
        .rev()
        .find(|(_, r)| r.result.is_ok())
        .unwrap();
    assert!(
        last_live.1.started + last_live.1.elapsed <= total,
        "results are handed out as hosts finish"
    );
    let finished: Vec<Duration> = arrivals
        .iter()
        .map(|(_, r)| r.started + r.elapsed)
        .collect();
    assert!(
        finished
            .windows(2)
            .filter(|w| w[0] > w[1] + Duration::from_millis(50))
            .count()
            == 0,
        "results come out in the order hosts finish"
    );
}

#[test]
fn run_with_a_job_of_several_commands_and_per_host_credentials() {
    let (live, _frozen, _stop) = start_servers(20);
    let good = ClientConfig::new("admin", "secret");
    let bad = ClientConfig::new("admin", "wrong");
    let hosts: Vec<Host> = live[..20]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let config = if i % 5 == 4 {
                bad.clone()
            } else {
                good.clone()
            };
            Host::new(a.ip().to_string(), a.port(), config)
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let results = rt.block_on(async {
        let mut results = fleet::run_with(hosts, &Options::default().fanout(4), |c, deadline| {
            Box::pin(async move {
                let id = c.execute_by(&GetDeviceId, deadline).await?;
                let on = c.execute_by(&GetChassisStatus, deadline).await?.power_on();
                Ok((id.device_id, on))
            })
        });
        let mut v = Vec::new();
        while let Some(r) = results.next().await {
            v.push(r);
        }
        v
    });
    assert_eq!(results.len(), 20);
    for r in results {
        match (r.index % 5 == 4, &r.result) {
            (false, Ok(out)) => assert_eq!(*out, (0x20, false)),
            (true, Err(e)) => assert_eq!(e.class(), ErrorClass::Bmc, "{e}"),
            (_, other) => panic!("{}: {other:?}", r.label),
        }
    }
}
