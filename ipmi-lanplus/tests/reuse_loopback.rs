//! Session reuse over real sockets: the blocking and tokio clients against
//! the responder's tokio `Server` with a 300 ms idle timeout on loopback,
//! and the keepalive and probe against OpenIPMI's ipmi_sim.

use std::time::{Duration, Instant};

use ipmi_core::cmd::{GetDeviceId, Raw};
use ipmi_core::transport::AsyncTransport;
use ipmi_core::{NetFn, PrivilegeLevel, Transport};
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{AsyncClient, Client, ClientConfig};
use ipmirs_test_support::ipmisim;
use ipmirs_test_support::responder::BackgroundServer;

const BMC_IDLE: Duration = Duration::from_millis(300);

fn server() -> BackgroundServer {
    BackgroundServer::start(
        ServerConfig::new()
            .user(User::new("admin", "secret", PrivilegeLevel::Administrator))
            .idle_timeout(BMC_IDLE),
    )
}

fn config() -> ClientConfig {
    ClientConfig::new("admin", "secret")
        .retries(Duration::from_millis(100), 6)
        .timeout(Duration::from_secs(3))
}

fn count(server: &BackgroundServer, needle: &str) -> usize {
    server.log().iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn blocking_keepalives_between_calls_keep_the_session() {
    let server = server();
    let mut c = Client::connect(
        server.addr(),
        config().keepalive(Some(Duration::from_millis(100))),
    )
    .unwrap();
    c.execute(&GetDeviceId).unwrap();
    // Every pause is longer than the keepalive interval (so each call
    // finds one due, however slow the machine) and far shorter than the
    // BMC's 300 ms idle timeout (190 ms of margin for a late wake-up).
    let mut kept = 0;
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(110));
        kept += usize::from(c.keepalive_if_due().unwrap());
    }
    assert_eq!(kept, 10, "one keepalive per pause");
    c.execute(&GetDeviceId).unwrap();
    assert_eq!(c.connection().stats().reconnects, 0);
    assert_eq!(count(&server, "expired"), 0, "{:#?}", server.log());
    assert_eq!(count(&server, "opened"), 1);
}

#[test]
fn blocking_client_replaces_a_session_left_silent_before_sending() {
    let server = server();
    let mut c = Client::connect(server.addr(), config().bmc_idle_timeout(BMC_IDLE)).unwrap();
    c.execute(&GetDeviceId).unwrap();
    assert!(server.wait_for_log("expired (idle timeout)", Duration::from_secs(3)));
    c.execute(&GetDeviceId).unwrap();
    // No try was lost on the dead session: the new one sent every
    // datagram once.
    assert_eq!(c.session().stats().retransmits, 0);
    let s = c.connection().stats();
    assert_eq!((s.reconnects_before_sending, s.probes_sent), (1, 0));
    assert_eq!(count(&server, "opened"), 2);
}

#[test]
fn blocking_client_finds_a_dropped_session_by_probes() {
    let server = server();
    let mut c = Client::connect(server.addr(), config()).unwrap();
    c.execute(&GetDeviceId).unwrap();
    assert!(server.wait_for_log("expired (idle timeout)", Duration::from_secs(3)));
    let t0 = Instant::now();
    c.execute(&GetDeviceId).unwrap();
    let took = t0.elapsed();
    // Tries at 0, 100 and 200 ms (the fixed per-try timeout), probes after
    // the last two, then a handshake: about 200 ms, never less. The upper
    // bound (10 times that) only catches waiting out the 3 s deadline.
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(2),
        "{took:?}"
    );
    let s = c.connection().stats();
    assert_eq!(
        (s.reconnects, s.reconnects_before_sending, s.probes_answered),
        (1, 0, 2)
    );
    c.close().unwrap();
    assert!(server.wait_for_log(" closed", Duration::from_secs(2)));
}

#[test]
fn async_keep_alive_runs_while_awaited_and_yields_to_requests() {
    let server = server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = config().keepalive(Some(Duration::from_millis(100)));
        let mut c = AsyncClient::connect(server.addr(), config).await.unwrap();
        for _ in 0..3 {
            // Idle for 500 ms (longer than the BMC keeps a silent session).
            tokio::select! {
                r = c.keep_alive() => panic!("keep_alive ended: {r:?}"),
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            c.execute(&GetDeviceId).await.unwrap();
        }
        let s = c.connection().stats();
        assert!((10..=16).contains(&s.keepalives), "{s:?}");
        assert_eq!((s.reconnects, s.keepalives_failed), (0, 0));
        c.close().await.unwrap();
    });
    assert_eq!(count(&server, "expired"), 0, "{:#?}", server.log());
}

#[test]
fn ipmi_sim_answers_the_keepalive_and_the_probes() {
    let sim = ipmisim::IpmiSim::start();
    let config = ClientConfig::new("admin", "secret")
        .cipher_suite(3)
        .retries(Duration::from_millis(100), 6)
        .keepalive(Some(Duration::from_millis(50)));
    let mut c = Client::connect(sim.addr(), config).unwrap();
    std::thread::sleep(Duration::from_millis(60));
    assert!(
        c.keepalive_if_due().unwrap(),
        "Set Session Privilege Level (no change)"
    );
    // Another session closes ours (IPMI 2.0 §22.19): ipmi_sim forgets it,
    // and the probes tell.
    let ours = c.session().bmc_session_id().unwrap();
    let mut admin = Client::connect(
        sim.addr(),
        ClientConfig::new("admin", "secret").cipher_suite(3),
    )
    .unwrap();
    let closed = admin
        .execute(&Raw {
            netfn: NetFn::APP,
            cmd: 0x3c,
            data: ours.to_le_bytes().to_vec(),
        })
        .unwrap();
    assert_eq!(closed.completion.0, 0, "Close Session: {closed:?}");
    c.execute(&GetDeviceId).unwrap();
    let s = c.connection().stats();
    assert_eq!(
        (s.keepalives, s.reconnects, s.probes_answered),
        (1, 1, 2),
        "{s:?}"
    );
    admin.close().unwrap();
    c.close().unwrap();
}
