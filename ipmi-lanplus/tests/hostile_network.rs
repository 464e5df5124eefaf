//! A hostile network between our blocking client and a BMC, both ipmi_sim
//! and our responder (its tokio `Server`), through the seeded loopback
//! proxy of `ipmirs_test_support::proxy`: 30 % loss both ways, duplicated and
//! reordered datagrams, corrupted datagrams. Every command must come back
//! with its own, right answer within its deadline; corrupted session
//! datagrams must be dropped by the integrity check, never believed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{GetChassisStatus, GetDeviceId, Raw};
use ipmi_core::{Deadline, ErrorClass, Failure, NetFn, PrivilegeLevel, Transport};
use ipmi_lanplus::client::Stats;
use ipmi_lanplus::server::cipher_suites::{self, CipherSuitesRequest};
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{Client, ClientConfig};
use ipmirs_test_support::ipmisim;
use ipmirs_test_support::proxy;
use ipmirs_test_support::responder::BackgroundServer;
use ipmisim::IpmiSim;
use proxy::{Faults, Proxy};

/// Which BMC is behind the proxy: what its answers must be.
#[derive(Clone, Debug)]
enum Bmc {
    /// Our responder: `SimulatedBmc` defaults, these suites on channel 1.
    Ours(ServerConfig),
    /// ipmi_sim with the fixture's FRU 0 holding bytes 0x00..=0x1f.
    Sim,
}

fn responder_config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(64))
        .cipher_suites([3, 17])
        .max_sessions(64)
}

fn client(suite: u8, per_try: Duration) -> ClientConfig {
    ClientConfig::new("admin", "secret")
        .cipher_suite(suite)
        .allow_insecure(suite == 0)
        .retries(per_try, 30)
        .timeout(Duration::from_secs(10))
}

/// Runs `n` commands of three kinds in turn, each with a distinct answer
/// known in advance, and checks every answer: Get Device ID, Get Chassis
/// Status, and a raw request whose answer depends on its data (Get Channel
/// Cipher Suites list index on our responder, Read FRU Data offset on
/// ipmi_sim), so that an answer taken for another request shows.
fn commands(c: &mut Client, bmc: &Bmc, n: usize, salt: usize) -> Result<(), String> {
    for i in 0..n {
        let what = format!("command {i}");
        let err = |e: ipmi_lanplus::Error| format!("{what}: {e} (class {:?})", e.class());
        match i % 3 {
            0 => {
                let id = c.execute(&GetDeviceId).map_err(err)?;
                let got = (id.device_id, id.manufacturer_id, id.product_id);
                let want = match bmc {
                    Bmc::Ours(_) => (0x20, 0, 1),
                    Bmc::Sim => (0x00, 0x1291, 0x0f02),
                };
                if got != want {
                    return Err(format!("{what}: Get Device ID answered {got:?}"));
                }
            }
            1 => {
                let s = c.execute(&GetChassisStatus).map_err(err)?;
                if s.power_on() || s.last_power_event & 0xe0 != 0 {
                    return Err(format!("{what}: Get Chassis Status answered {s:?}"));
                }
            }
            _ => {
                let k = (i / 3 + salt) % 4;
                let (raw, want) = match bmc {
                    Bmc::Ours(config) => {
                        let req = CipherSuitesRequest {
                            channel: 0x0e,
                            payload_type: 0,
                            by_suite: k % 2 == 0,
                            list_index: (k / 2) as u8,
                        };
                        let mut data = Vec::new();
                        req.encode(&mut data);
                        let want =
                            cipher_suites::response_data(&req, config.channel, &config.suites());
                        let raw = Raw {
                            netfn: NetFn::APP,
                            cmd: cipher_suites::CMD_GET_CHANNEL_CIPHER_SUITES,
                            data,
                        };
                        (raw, want)
                    }
                    Bmc::Sim => {
                        let (off, len) = (k as u8 * 5, 3 + k as u8);
                        let raw = Raw {
                            netfn: NetFn::STORAGE,
                            cmd: 0x11,
                            data: vec![0, off, 0, len],
                        };
                        let mut want = vec![len];
                        want.extend(off..off + len);
                        (raw, want)
                    }
                };
                let r = c.execute(&raw).map_err(err)?;
                if r.completion.0 != 0 || r.data != want {
                    return Err(format!(
                        "{what}: raw {:?} answered {:?} {:02x?}, expected {want:02x?}",
                        raw.data, r.completion, r.data
                    ));
                }
            }
        }
    }
    Ok(())
}

/// One session: connect through `addr`, `n` checked commands, close
/// within 3 s (a timeout is tolerated from ipmi_sim only: it forgets a
/// closed session at once, so when its answer to Close Session is lost,
/// the copies get none). Returns the client's counters before the close.
fn session(
    addr: SocketAddr,
    config: ClientConfig,
    bmc: &Bmc,
    n: usize,
    salt: usize,
) -> Result<Stats, String> {
    let t0 = Instant::now();
    let mut c = Client::connect(addr, config)
        .map_err(|e| format!("connect: {e} (class {:?})", e.class()))?;
    commands(&mut c, bmc, n, salt)?;
    let stats = c.session().stats();
    let close = c.close_by(Deadline::from_now(Duration::from_secs(3)));
    match (close, bmc) {
        (Ok(()), _) => {}
        (Err(e), Bmc::Sim) if e.class() == ErrorClass::Timeout => {}
        (Err(e), _) => return Err(format!("close: {e}")),
    }
    assert!(t0.elapsed() < Duration::from_secs(30), "a session overran");
    Ok(stats)
}

/// Runs `f(0..n)` on `n` threads at once; returns the results in order.
fn parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let f = &f;
                s.spawn(move || f(i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// How many sessions at once, commands each, and the client's per-try timeout.
struct Load(usize, usize, Duration);

/// `sessions` sessions at once through a proxy with `faults`, each with
/// `n` commands; all must succeed. Returns the summed client counters.
fn run(
    upstream: SocketAddr,
    bmc: &Bmc,
    suites: &[u8],
    faults: Faults,
    seed: u64,
    Load(sessions, n, per_try): Load,
) -> (Stats, proxy::ProxyStats) {
    let proxy = Proxy::start(upstream, faults, seed);
    let t0 = Instant::now();
    let results = parallel(sessions, |i| {
        let suite = suites[i % suites.len()];
        session(proxy.addr(), client(suite, per_try), bmc, n, i)
            .map_err(|e| format!("session {i} (suite {suite}): {e}"))
    });
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let pstats = proxy.stats();
    assert!(
        failures.is_empty(),
        "{} of {sessions} sessions failed: {failures:#?}\nproxy: {pstats:?}",
        failures.len()
    );
    let mut total = Stats::default();
    for s in results.into_iter().flatten() {
        total.sent += s.sent;
        total.received += s.received;
        total.dropped += s.dropped;
        total.retransmits += s.retransmits;
    }
    eprintln!(
        "{sessions} sessions x {n} commands in {:?}: client {total:?}, proxy {pstats:?}",
        t0.elapsed()
    );
    (total, pstats)
}

#[test]
fn thirty_percent_loss_both_ways_against_the_responder() {
    let config = responder_config();
    let server = BackgroundServer::start(config.clone());
    let (stats, proxy) = run(
        server.addr(),
        &Bmc::Ours(config),
        &[3, 17],
        Faults::lossy(0.3),
        0x1055,
        Load(20, 6, Duration::from_millis(100)),
    );
    assert!(
        proxy.dropped > 50 && stats.retransmits > 20,
        "{proxy:?} {stats:?}"
    );
}

#[test]
fn thirty_percent_loss_both_ways_against_ipmi_sim() {
    let sim = IpmiSim::start();
    let (stats, proxy) = run(
        sim.addr(),
        &Bmc::Sim,
        &[3, 1, 2, 0],
        Faults::lossy(0.3),
        0x51A,
        Load(20, 6, Duration::from_millis(100)),
    );
    assert!(
        proxy.dropped > 50 && stats.retransmits > 20,
        "{proxy:?} {stats:?}"
    );
}

/// Copies that arrive twice and up to 120 ms late, while the client
/// resends after 50 ms: answers to earlier tries and earlier requests keep
/// arriving during later requests, and must all be told apart.
fn chaos() -> Faults {
    Faults::chaotic(0.3, Duration::from_millis(120))
}

#[test]
fn duplicated_and_reordered_datagrams_never_give_another_requests_answer_responder() {
    let config = responder_config();
    let server = BackgroundServer::start(config.clone());
    let (stats, proxy) = run(
        server.addr(),
        &Bmc::Ours(config),
        &[17, 3],
        chaos(),
        0xD0B,
        Load(8, 15, Duration::from_millis(50)),
    );
    assert!(proxy.duplicated > 30, "{proxy:?}");
    assert!(
        stats.dropped > 10,
        "stale and doubled answers were dropped: {stats:?}"
    );
}

#[test]
fn duplicated_and_reordered_datagrams_never_give_another_requests_answer_ipmi_sim() {
    let sim = IpmiSim::start();
    let (stats, proxy) = run(
        sim.addr(),
        &Bmc::Sim,
        &[3, 2],
        chaos(),
        0xD0C,
        Load(8, 15, Duration::from_millis(50)),
    );
    assert!(proxy.duplicated > 30, "{proxy:?}");
    assert!(
        stats.dropped > 10,
        "stale and doubled answers were dropped: {stats:?}"
    );
}

#[test]
fn corrupted_session_datagrams_fail_the_integrity_check_responder() {
    let config = responder_config();
    let server = BackgroundServer::start(config.clone());
    let (stats, proxy) = run(
        server.addr(),
        &Bmc::Ours(config),
        &[3, 17],
        Faults::corrupting(0.3, true),
        0xC0C,
        Load(8, 9, Duration::from_millis(100)),
    );
    assert!(proxy.corrupted.0 > 5 && proxy.corrupted.1 > 5, "{proxy:?}");
    // Every corrupted answer is dropped (those to Close Session are not
    // in the counters, taken before the close).
    assert!(
        stats.dropped > 0 && stats.dropped + 8 >= proxy.corrupted.1,
        "corrupted answers were dropped: {stats:?} {proxy:?}"
    );
}

#[test]
fn corrupted_session_datagrams_fail_the_integrity_check_ipmi_sim() {
    let sim = IpmiSim::start();
    let (stats, proxy) = run(
        sim.addr(),
        &Bmc::Sim,
        &[3],
        Faults::corrupting(0.3, true),
        0xC0D,
        Load(8, 9, Duration::from_millis(100)),
    );
    assert!(proxy.corrupted.0 > 5 && proxy.corrupted.1 > 5, "{proxy:?}");
    // Every corrupted answer is dropped (those to Close Session are not
    // in the counters, taken before the close).
    assert!(
        stats.dropped > 0 && stats.dropped + 8 >= proxy.corrupted.1,
        "corrupted answers were dropped: {stats:?} {proxy:?}"
    );
}

/// Corruption of every kind of datagram, the unauthenticated handshake
/// included: a connect may then fail (a changed RAKP 2 cannot be told from
/// a wrong password), but only with a clear error inside its deadline, and
/// a session that opens gives right answers.
#[test]
fn corrupted_handshakes_end_in_a_clear_error_or_a_good_session() {
    let config = responder_config();
    let server = BackgroundServer::start(config.clone());
    let proxy = Proxy::start(server.addr(), Faults::corrupting(0.2, false), 0xBAD);
    let bmc = Bmc::Ours(config);
    let outcomes = parallel(16, |i| {
        let t0 = Instant::now();
        let config =
            client([3, 17][i % 2], Duration::from_millis(50)).timeout(Duration::from_secs(2));
        let r = session(proxy.addr(), config, &bmc, 6, i);
        (r, t0.elapsed())
    });
    let mut ok = 0;
    for (i, (r, elapsed)) in outcomes.iter().enumerate() {
        assert!(
            *elapsed < Duration::from_secs(6),
            "session {i} took {elapsed:?}"
        );
        match r {
            Ok(_) => ok += 1,
            Err(e) => assert!(
                e.starts_with("connect:")
                    && ["Bmc", "Protocol", "Timeout"]
                        .iter()
                        .any(|c| e.contains(&format!("class {c}"))),
                "session {i}: {e}"
            ),
        }
    }
    let p = proxy.stats();
    assert!(p.corrupted.0 + p.corrupted.1 > 20, "{p:?}");
    assert!(ok > 0, "no session got through: {outcomes:?}");
    eprintln!("{ok} of 16 sessions opened under corruption; proxy {p:?}");
}

/// ipmi_sim answers a copy of a RAKP 3 inside the session it activated,
/// protected with the session keys. When the first RAKP 4 is lost, that
/// protected RAKP 4 completes the handshake: no new Open Session.
#[test]
fn lost_rakp4_from_ipmi_sim_is_recovered_without_starting_over() {
    use ipmi_lanplus::packet::{classify, Datagram};
    use ipmi_lanplus::wire::session_v20::PayloadType;
    use std::net::UdpSocket;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let sim = IpmiSim::start();
    for suite in [0u8, 3] {
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(sim.addr()).unwrap();
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(2))).unwrap();
        }
        let addr = front.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let types = Arc::new(Mutex::new(Vec::new()));
        let (st, seen) = (stop.clone(), types.clone());
        let relay = std::thread::spawn(move || {
            let (mut client, mut dropped) = (None, false);
            let mut buf = [0u8; 2048];
            let kind = |d: &[u8]| match classify(d) {
                Ok(Datagram::V20 { header, .. }) => Some(header.payload_type),
                _ => None,
            };
            while !st.load(Ordering::Relaxed) {
                if let Ok((n, from)) = front.recv_from(&mut buf) {
                    client = Some(from);
                    seen.lock().unwrap().push(kind(&buf[..n]));
                    let _ = back.send(&buf[..n]);
                }
                if let (Ok(n), Some(to)) = (back.recv(&mut buf), client) {
                    if kind(&buf[..n]) == Some(PayloadType::Rakp4) && !dropped {
                        dropped = true;
                        continue;
                    }
                    let _ = front.send_to(&buf[..n], to);
                }
            }
        });
        let config = client(suite, Duration::from_millis(100));
        let mut c = Client::connect(addr, config).unwrap_or_else(|e| panic!("suite {suite}: {e}"));
        assert_eq!(c.execute(&GetDeviceId).unwrap().manufacturer_id, 0x1291);
        c.close().unwrap();
        stop.store(true, Ordering::Relaxed);
        relay.join().unwrap();
        let types = types.lock().unwrap();
        let count = |t| types.iter().filter(|k| **k == Some(t)).count();
        assert_eq!(count(PayloadType::OpenSessionRequest), 1, "{types:?}");
        assert_eq!(count(PayloadType::Rakp3), 2, "{types:?}");
    }
}
