//! The `lan` interface: an RMCP+ session through the library's blocking
//! [`Client`], with the invocation's interrupt flag (set by
//! [`crate::signals`]) in its configuration, so that a signal stops a wait
//! within [`ipmi_lanplus::blocking::INTERRUPT_POLL`] and the session is
//! still closed (issue #6): an interrupted call returns
//! [`LanError::Interrupted`] and leaves the session open, and
//! [`LanSession::close_by`] ignores the flag (its deadline bounds it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ipmi_core::{
    CommandError, Deadline, ErrorClass, Failure, Request, Response, Target, Transport,
};
use ipmi_lanplus::client::{Session, Stats};
use ipmi_lanplus::{CipherSuite, Client, ClientConfig, Error, Stage};

use crate::app::Connector;
use crate::invocation::LanSettings;

/// An error of the lan interface: the session's, or an interruption.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LanError {
    /// The session failed (with the step it stalled in).
    #[error(transparent)]
    Session(Error),
    /// The interrupt flag was set (SIGINT or SIGTERM) while waiting.
    #[error("interrupted")]
    Interrupted,
}

impl From<Error> for LanError {
    fn from(e: Error) -> Self {
        match e {
            Error::Interrupted => LanError::Interrupted,
            e => LanError::Session(e),
        }
    }
}

impl From<std::io::Error> for LanError {
    fn from(e: std::io::Error) -> Self {
        LanError::Session(e.into())
    }
}

impl From<CommandError> for LanError {
    fn from(e: CommandError) -> Self {
        LanError::Session(e.into())
    }
}

impl Failure for LanError {
    fn class(&self) -> ErrorClass {
        match self {
            LanError::Session(e) => e.class(),
            // Neither the BMC's fault nor the protocol's: the local side
            // stopped. The CLI reports it as an interruption (exit 128 + N).
            LanError::Interrupted => ErrorClass::Io,
        }
    }
}

/// One RMCP+ session with one BMC.
#[derive(Debug)]
pub struct LanSession {
    client: Client,
}

/// The configuration a CLI session uses: the interrupt flag, and no
/// transparent reconnection (one command per process: a re-sent request
/// must never run twice).
fn cli_config(config: ClientConfig, interrupt: Option<Arc<AtomicBool>>) -> ClientConfig {
    let config = config.reconnect(false);
    match interrupt {
        Some(flag) => config.interrupt(flag),
        None => config,
    }
}

impl LanSession {
    /// Resolves `host` (bounded by `deadline`), then opens a session
    /// (IPMI 2.0 §13.14) by `deadline`, giving up early with
    /// [`LanError::Interrupted`] once `interrupt` is set.
    pub fn connect(
        host: &str,
        port: u16,
        config: ClientConfig,
        deadline: Deadline,
        interrupt: Option<Arc<AtomicBool>>,
    ) -> Result<LanSession, LanError> {
        let config = cli_config(config, interrupt);
        let client = Client::connect_host(host, port, config, deadline)?;
        Ok(LanSession { client })
    }

    /// Opens a session with the BMC at `peer`.
    #[cfg(test)]
    pub fn open(
        peer: std::net::SocketAddr,
        config: ClientConfig,
        deadline: Deadline,
        interrupt: Option<Arc<AtomicBool>>,
    ) -> Result<LanSession, LanError> {
        let config = cli_config(config, interrupt);
        let client = Client::connect_by(peer, config, deadline)?;
        Ok(LanSession { client })
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.client.suite()
    }

    /// The session's counters.
    pub fn stats(&self) -> Stats {
        self.client.session().stats()
    }

    /// The underlying state machine.
    pub fn session(&self) -> &Session {
        self.client.session()
    }

    /// Closes the session (IPMI 2.0 §22.19), abandoning a pending request,
    /// waiting for the answer until `deadline`. Not interruptible.
    pub fn close_by(self, deadline: Deadline) -> Result<(), LanError> {
        Ok(self.client.close_by(deadline)?)
    }
}

impl Transport for LanSession {
    type Error = LanError;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, LanError> {
        Ok(self.client.exchange(request, deadline)?)
    }

    fn default_deadline(&self) -> Deadline {
        self.client.default_deadline()
    }

    fn default_target(&self) -> Target {
        self.client.default_target()
    }
}

/// Opens RMCP+ sessions with the configured BMC.
pub struct LanConnector {
    settings: LanSettings,
    timeout: std::time::Duration,
    interrupt: Option<Arc<AtomicBool>>,
}

impl LanConnector {
    /// For these settings; `timeout` is the invocation's overall budget.
    pub fn new(settings: LanSettings, timeout: std::time::Duration) -> Self {
        LanConnector {
            settings,
            timeout,
            interrupt: None,
        }
    }

    /// Stops waiting (and reports an interruption) once `flag` is set.
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// The library configuration for these settings.
    pub fn config(&self) -> ClientConfig {
        let s = &self.settings;
        let mut c = ClientConfig::new(s.username.clone(), s.password.clone())
            .privilege(s.privilege)
            .timeout(self.timeout)
            .allow_insecure(s.allow_insecure)
            .target(s.target);
        if let Some(id) = s.cipher_suite {
            c = c.cipher_suite(id);
        }
        if let Some(kg) = &s.kg {
            c = c.kg(kg.clone());
        }
        if s.per_try_timeout.is_some() || s.retries.is_some() {
            let per_try = s.per_try_timeout.unwrap_or(c.per_try_timeout);
            let retries = s.retries.unwrap_or(c.retries);
            c = c.retries(per_try, retries);
        }
        c
    }
}

impl Connector for LanConnector {
    type Session = LanSession;

    fn peer(&self) -> String {
        if self.settings.host.contains(':') {
            format!("[{}]:{}", self.settings.host, self.settings.port)
        } else {
            format!("{}:{}", self.settings.host, self.settings.port)
        }
    }

    fn validate(&self) -> Result<(), LanError> {
        Ok(self.config().validate()?)
    }

    fn open(&mut self, deadline: Deadline) -> Result<LanSession, LanError> {
        LanSession::connect(
            &self.settings.host,
            self.settings.port,
            self.config(),
            deadline,
            self.interrupt.clone(),
        )
    }

    fn close(&mut self, session: LanSession, deadline: Deadline) -> Result<(), LanError> {
        session.close_by(deadline)
    }

    fn stage(&self, error: &LanError) -> Option<String> {
        match error {
            LanError::Session(e) => stage_of(e).map(|s| s.to_string()),
            LanError::Interrupted => None,
        }
    }

    fn signal(&self) -> Option<i32> {
        let flag = self.interrupt.as_ref()?;
        flag.load(Ordering::SeqCst)
            .then(|| crate::signals::received().unwrap_or(libc::SIGINT))
    }

    fn describe(&self, session: &LanSession) -> Option<String> {
        let suite = session
            .suite()
            .map(|s| s.id.to_string())
            .unwrap_or_else(|| "?".into());
        let privilege = session
            .session()
            .privilege()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "?".into());
        Some(format!(
            "RMCP+ session with {}: cipher suite {suite}, privilege {privilege}",
            self.peer()
        ))
    }

    fn statistics(&self, session: &LanSession) -> Option<String> {
        let s = session.stats();
        Some(format!(
            "datagrams: {} sent ({} resent), {} received, {} dropped",
            s.sent, s.retransmits, s.received, s.dropped
        ))
    }
}

/// The session step an error belongs to, when the error says.
pub fn stage_of(error: &Error) -> Option<Stage> {
    error.stage()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invocation::PasswordSource;
    use ipmi_core::PrivilegeLevel;
    use ipmi_lanplus::blocking::INTERRUPT_POLL;
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    fn settings() -> LanSettings {
        LanSettings {
            host: "127.0.0.1".into(),
            port: 623,
            username: b"admin".to_vec(),
            password: b"secret".to_vec(),
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
        let c = LanConnector::new(settings(), Duration::from_secs(5)).config();
        assert_eq!(c.username, b"admin");
        assert_eq!(c.password.as_slice(), b"secret");
        assert_eq!(c.privilege, PrivilegeLevel::Operator);
        assert_eq!(c.cipher_suite, Some(3));
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.retries, 2);
        assert_eq!(c.per_try_timeout, ClientConfig::new("", "").per_try_timeout);
        assert!(c.kg.is_none());
        assert!(c.target.is_bmc());
        assert!(c.validate().is_ok());
        let mut s = settings();
        s.target = ipmi_core::Target::ipmb(6, 0x2c);
        let c = LanConnector::new(s, Duration::from_secs(5)).config();
        assert_eq!(c.target, ipmi_core::Target::ipmb(6, 0x2c));
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
        s.password = vec![b'x'; 21];
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
                .stage(&LanError::Session(t.clone()))
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

    #[test]
    fn an_interrupt_stops_the_handshake_early() {
        // A peer that never answers.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        silent.set_nonblocking(true).unwrap();
        let peer = silent.local_addr().unwrap();
        // Set before: nothing is even sent.
        let flag = Arc::new(AtomicBool::new(true));
        let deadline = Deadline::from_now(Duration::from_secs(5));
        let e = LanSession::open(peer, admin(), deadline, Some(flag)).unwrap_err();
        assert!(matches!(e, LanError::Interrupted), "{e:?}");
        let mut buf = [0u8; 64];
        assert!(silent.recv(&mut buf).is_err(), "a datagram was sent");
        // Set while waiting for Get Channel Authentication Capabilities:
        // the wait ends within INTERRUPT_POLL, not at the 5 s deadline.
        let flag = Arc::new(AtomicBool::new(false));
        let raiser = raise_after(&flag, Duration::from_millis(100));
        let t0 = Instant::now();
        let deadline = Deadline::from_now(Duration::from_secs(5));
        let e = LanSession::open(peer, admin(), deadline, Some(flag)).unwrap_err();
        let took = t0.elapsed();
        raiser.join().unwrap();
        assert!(matches!(e, LanError::Interrupted), "{e:?}");
        assert!(
            took >= Duration::from_millis(100)
                && took < Duration::from_millis(100) + 3 * INTERRUPT_POLL,
            "{took:?}"
        );
        assert_eq!(e.class(), ErrorClass::Io);
        // Without a flag the same wait runs to the deadline.
        let t0 = Instant::now();
        let e = LanSession::open(
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
        use crate::invocation::default_serve_user;
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
        let mut s = LanSession::open(
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
        assert!(matches!(e, LanError::Interrupted), "{e:?}");
        assert!(
            took < Duration::from_millis(150) + 3 * INTERRUPT_POLL,
            "{took:?}"
        );
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
}
