//! The client's `tracing` output (issue 16) with a TRACE subscriber: a
//! full session against the virtual BMC, a wrong password, and a BMC that
//! never answers (a bound socket nobody reads: the deadline must expire).
//! Never a secret in any of it.

use std::io::Write;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipmi_core::cmd::GetDeviceId;
use ipmi_core::{Deadline, PrivilegeLevel, Transport};
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{Client, ClientConfig, Error};
use ipmirs_test_support::responder::BackgroundServer;

const PASSWORD: &str = "pw-9f3c1e";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with a TRACE subscriber on this thread; returns what it logged.
fn traced(f: impl FnOnce()) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

fn bmc() -> BackgroundServer {
    BackgroundServer::start(ServerConfig::new().user(User::new(
        "admin",
        PASSWORD,
        PrivilegeLevel::Administrator,
    )))
}

#[test]
fn a_full_session_logs_each_step_and_request_in_its_spans() {
    let server = bmc();
    let log = traced(|| {
        let mut c = Client::connect(server.addr(), ClientConfig::new("admin", PASSWORD)).unwrap();
        c.execute(&GetDeviceId).unwrap();
        c.close().unwrap();
    });
    for needle in [
        "handshake step stage=Get Channel Authentication Capabilities",
        "handshake step stage=Open Session",
        "handshake step stage=RAKP 1 (waiting for RAKP 2)",
        "handshake step stage=RAKP 3 (waiting for RAKP 4)",
        "session active suite=17",
        "ipmi_request{netfn=0x6 cmd=0x1 rq_seq=",
        "ipmi_request{netfn=0x6 cmd=0x3c rq_seq=", // Close Session
        "bmc_session_id=0x",
        &format!("host=\"{}\"", server.addr()),
    ] {
        assert!(log.contains(needle), "{needle:?} missing:\n{log}");
    }
    assert!(!log.contains(PASSWORD), "{log}");
}

#[test]
fn a_wrong_password_is_logged_at_the_rakp_2_check() {
    let server = bmc();
    let log = traced(|| {
        let e = Client::connect(server.addr(), ClientConfig::new("admin", "wrong-pw")).unwrap_err();
        assert!(matches!(e, Error::Rakp2Mismatch), "{e}");
    });
    assert!(log.contains("handshake step stage=RAKP 1"), "{log}");
    assert!(
        log.contains("DEBUG") && log.contains("failed error=RAKP 2"),
        "{log}"
    );
    assert!(
        !log.contains("wrong-pw") && !log.contains(PASSWORD),
        "{log}"
    );
}

#[test]
fn a_silent_bmc_logs_retransmissions_then_the_deadline() {
    // Bound, never read: every datagram is lost, so the deadline expires.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let log = traced(|| {
        let mut config = ClientConfig::new("admin", PASSWORD);
        config.per_try_timeout = Some(Duration::from_millis(50));
        let deadline = Deadline::from_now(Duration::from_millis(400));
        let e = Client::connect_by(silent.local_addr().unwrap(), config, deadline).unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e}");
    });
    assert!(
        log.contains("retransmitted stage=Get Channel Authentication Capabilities"),
        "{log}"
    );
    assert!(
        log.contains("INFO") && log.contains("deadline expired"),
        "{log}"
    );
}

#[test]
fn tampered_session_replies_are_dropped_with_a_warning() {
    use ipmirs_test_support::proxy::{Faults, Proxy};
    let server = bmc();
    // Every reply inside the session gets one byte changed: its integrity
    // code cannot verify, so none is accepted and the deadline expires.
    let proxy = Proxy::start_asymmetric(
        server.addr(),
        Faults::none(),
        Faults::corrupting(1.0, true),
        7,
    );
    let log = traced(|| {
        let mut config = ClientConfig::new("admin", PASSWORD);
        config.per_try_timeout = Some(Duration::from_millis(50));
        let deadline = Deadline::from_now(Duration::from_millis(600));
        let e = Client::connect_by(proxy.addr(), config, deadline).unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e}");
    });
    assert!(
        log.contains("WARN")
            && log.contains("dropped datagram reason=\"integrity or decryption check failed\""),
        "{log}"
    );
    assert!(!log.contains(PASSWORD), "{log}");
}
