//! Unit tests of the parent module.

use super::*;
use ipmi_core::PrivilegeLevel;
use ipmi_core::{ErrorClass, Failure, Transport};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

fn settings() -> LanSettings {
    LanSettings {
        host: "127.0.0.1".into(),
        port: 623,
        username: b"admin".to_vec(),
        password: b"secret".to_vec().into(),
        password_source: PasswordSource::Option,
        kg: None,
        privilege: PrivilegeLevel::Operator,
        cipher_suite: Some(3),
        per_try_timeout: None,
        retries: Some(2),
        allow_insecure: false,
        target: ipmi_core::Target::bmc(),
    }
}

#[test]
fn config_carries_the_options() {
    let connector = LanConnector::new(settings(), Duration::from_secs(5));
    let c = connector.config();
    assert_eq!(c.username, b"admin");
    assert_eq!(c.password.as_slice(), b"secret");
    assert_eq!(c.privilege, PrivilegeLevel::Operator);
    assert_eq!(c.cipher_suite, Some(3));
    assert_eq!(c.timeout, Duration::from_secs(5));
    assert_eq!(c.retries, Some(2));
    assert_eq!(c.per_try_timeout, None);
    assert!(c.kg.is_none());
    assert!(c.target.is_bmc());
    assert!(c.validate().is_ok());
    let mut s = settings();
    s.target = ipmi_core::Target::ipmb(6, 0x2c);
    let connector = LanConnector::new(s, Duration::from_secs(5));
    let c = connector.config();
    assert_eq!(c.target, ipmi_core::Target::ipmb(6, 0x2c));
    // Without -C, -N, -R: the library's defaults (negotiated suite,
    // adaptive per-try timeout, tries until the deadline), which
    // ipmi-lanplus's ipmisim_loss test runs through 30 % loss.
    let mut s = settings();
    (s.cipher_suite, s.per_try_timeout, s.retries) = (None, None, None);
    let connector = LanConnector::new(s, Duration::from_secs(15));
    let c = connector.config();
    let d = ClientConfig::new("admin", "secret");
    assert_eq!(
        (c.cipher_suite, c.per_try_timeout, c.retries),
        (d.cipher_suite, d.per_try_timeout, d.retries)
    );
    assert_eq!(
        (c.cipher_suite, c.per_try_timeout, c.retries),
        (None, None, None)
    );
    assert!(!c.reconnect, "one command per process: never re-sent");
}

#[test]
fn suite_zero_needs_allow_insecure() {
    let mut s = settings();
    s.cipher_suite = Some(0);
    let e = LanConnector::new(s.clone(), Duration::from_secs(5))
        .validate()
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    s.allow_insecure = true;
    assert!(LanConnector::new(s, Duration::from_secs(5))
        .validate()
        .is_ok());
}

#[test]
fn too_long_credentials_are_usage_errors() {
    let mut s = settings();
    s.password = vec![b'x'; 21].into();
    assert_eq!(
        LanConnector::new(s, Duration::from_secs(5))
            .validate()
            .unwrap_err()
            .class(),
        ErrorClass::Usage
    );
    let mut s = settings();
    s.username = vec![b'x'; 17];
    assert_eq!(
        LanConnector::new(s, Duration::from_secs(5))
            .validate()
            .unwrap_err()
            .class(),
        ErrorClass::Usage
    );
}

#[test]
fn a_failed_password_check_says_when_none_was_given() {
    let rakp2 = Error::Rakp2Mismatch;
    let hint = no_password_hint(PasswordSource::Empty, &rakp2).expect("a hint");
    assert!(hint.starts_with("no password was given"), "{hint}");
    assert!(hint.contains("-a") && hint.contains("-E") && hint.contains("-f FILE"));
    // A password that was given and is wrong: no hint.
    for source in [
        PasswordSource::Option,
        PasswordSource::Prompt,
        PasswordSource::Env,
    ] {
        assert_eq!(no_password_hint(source, &rakp2), None);
    }
    // Another failure with the empty password: no hint either.
    let later = Error::Rakp4Mismatch;
    assert_eq!(no_password_hint(PasswordSource::Empty, &later), None);
}

#[test]
fn stages_of_errors() {
    let t = Error::Timeout {
        stage: Stage::OpenSession,
        tries: 3,
    };
    assert_eq!(stage_of(&t), Some(Stage::OpenSession));
    assert_eq!(stage_of(&Error::Rakp2Mismatch), Some(Stage::Rakp2));
    assert_eq!(stage_of(&Error::Config("x".into())), None);
    assert_eq!(
        LanConnector::new(settings(), Duration::from_secs(1))
            .stage(&t)
            .as_deref(),
        Some("Open Session")
    );
}

/// A UDP relay to `bmc` whose client-to-BMC direction can be shut:
/// the BMC then hears nothing (a BMC frozen mid-session, as seen by
/// the client). Counts the datagrams from the client.
struct Gate {
    addr: std::net::SocketAddr,
    open: Arc<AtomicBool>,
    from_client: Arc<std::sync::atomic::AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Gate {
    fn to(bmc: std::net::SocketAddr) -> Gate {
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(bmc).unwrap();
        for s in [&front, &back] {
            s.set_nonblocking(true).unwrap();
        }
        let addr = front.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let from_client = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (o, n, st) = (open.clone(), from_client.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut client = None;
            while !st.load(Ordering::SeqCst) {
                let mut idle = true;
                if let Ok((len, from)) = front.recv_from(&mut buf) {
                    idle = false;
                    client = Some(from);
                    n.fetch_add(1, Ordering::SeqCst);
                    if o.load(Ordering::SeqCst) {
                        let _ = back.send(&buf[..len]);
                    }
                }
                if let (Ok(len), Some(c)) = (back.recv(&mut buf), client) {
                    idle = false;
                    let _ = front.send_to(&buf[..len], c);
                }
                if idle {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        Gate {
            addr,
            open,
            from_client,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn admin() -> ClientConfig {
    ClientConfig::new("admin", "admin").timeout(Duration::from_secs(5))
}

/// Sets `flag` after `after`, from another thread (as a signal would).
fn raise_after(flag: &Arc<AtomicBool>, after: Duration) -> std::thread::JoinHandle<()> {
    let flag = flag.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        flag.store(true, Ordering::SeqCst);
    })
}

/// A session as the connector opens one: no reconnection, the flag.
fn open(
    peer: std::net::SocketAddr,
    config: ClientConfig,
    deadline: Deadline,
    interrupt: Option<Arc<AtomicBool>>,
) -> Result<Client, Error> {
    let config = config.reconnect(false);
    let config = match interrupt {
        Some(flag) => config.interrupt(flag),
        None => config,
    };
    Client::connect_by(peer, config, deadline)
}

#[test]
fn an_interrupt_stops_the_handshake_early() {
    // A peer that never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let peer = silent.local_addr().unwrap();
    // Set before: nothing is even sent.
    let flag = Arc::new(AtomicBool::new(true));
    let deadline = Deadline::from_now(Duration::from_secs(5));
    let e = open(peer, admin(), deadline, Some(flag)).unwrap_err();
    assert!(matches!(e, Error::Interrupted), "{e:?}");
    let mut buf = [0u8; 64];
    assert!(silent.recv(&mut buf).is_err(), "a datagram was sent");
    // Set while waiting for Get Channel Authentication Capabilities:
    // the wait ends within INTERRUPT_POLL, not at the 5 s deadline.
    let flag = Arc::new(AtomicBool::new(false));
    let raiser = raise_after(&flag, Duration::from_millis(100));
    let t0 = Instant::now();
    let deadline = Deadline::from_now(Duration::from_secs(5));
    let e = open(peer, admin(), deadline, Some(flag)).unwrap_err();
    let took = t0.elapsed();
    raiser.join().unwrap();
    assert!(matches!(e, Error::Interrupted), "{e:?}");
    // Expected: 100 ms plus at most one INTERRUPT_POLL; the bound is
    // over 5x that and still far below the 5 s deadline.
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_secs(1),
        "{took:?}"
    );
    assert_eq!(e.class(), ErrorClass::Io);
    // Without a flag the same wait runs to the deadline.
    let t0 = Instant::now();
    let e = open(
        peer,
        admin(),
        Deadline::from_now(Duration::from_millis(300)),
        None,
    )
    .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Timeout, "{e}");
    assert!(t0.elapsed() >= Duration::from_millis(300));
}

/// The virtual BMC stops hearing the client after the handshake; an
/// interrupt ends the request's wait, and the session is still closed
/// (the BMC logs it) once the BMC hears again.
#[test]
fn an_interrupt_mid_request_leaves_the_session_closable() {
    use crate::plan::default_serve_user;
    use crate::serve::BackgroundBmc;
    use ipmi_core::cmd::GetDeviceId;
    use ipmi_core::Command;
    use ipmi_lanplus::server::ServerConfig;

    let bmc = BackgroundBmc::start(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig::new().user(default_serve_user()),
        Duration::from_secs(5),
    )
    .unwrap();
    let gate = Gate::to(bmc.addr());
    let flag = Arc::new(AtomicBool::new(false));
    let mut s = open(
        gate.addr,
        admin(),
        Deadline::from_now(Duration::from_secs(5)),
        Some(flag.clone()),
    )
    .unwrap();
    assert!(s.session().is_active());
    gate.open.store(false, Ordering::SeqCst);
    let before = gate.from_client.load(Ordering::SeqCst);

    let raiser = raise_after(&flag, Duration::from_millis(150));
    let t0 = Instant::now();
    let e = s
        .exchange(
            &GetDeviceId.request(),
            Deadline::from_now(Duration::from_secs(5)),
        )
        .unwrap_err();
    let took = t0.elapsed();
    raiser.join().unwrap();
    assert!(matches!(e, Error::Interrupted), "{e:?}");
    // Expected: 150 ms plus at most one INTERRUPT_POLL; the bound is
    // 5x that and still far below the 5 s deadline.
    assert!(took < Duration::from_secs(1), "{took:?}");
    // The request went out (and was swallowed); the session is intact.
    assert!(gate.from_client.load(Ordering::SeqCst) > before);
    assert!(s.session().is_active());

    // Closing ignores the flag: Close Session goes out and is answered.
    gate.open.store(true, Ordering::SeqCst);
    let sent = gate.from_client.load(Ordering::SeqCst);
    s.close_by(Deadline::from_now(Duration::from_secs(1)))
        .unwrap();
    assert!(gate.from_client.load(Ordering::SeqCst) > sent);
    let events = bmc.stop();
    assert!(
        events.iter().any(|e| e.ends_with(" closed")),
        "no session closed: {events:?}"
    );
}

#[test]
fn ipv6_peer_is_bracketed() {
    let mut s = settings();
    s.host = "::1".into();
    assert_eq!(
        LanConnector::new(s, Duration::from_secs(1)).peer(),
        "[::1]:623"
    );
}
