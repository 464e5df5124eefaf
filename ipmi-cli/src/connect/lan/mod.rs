//! The `lan` interface: an RMCP+ session through the library's blocking
//! [`Client`], with the invocation's interrupt flag (set by
//! [`crate::signals`]) in its configuration, so that a signal stops a wait
//! within [`ipmi_lanplus::blocking::INTERRUPT_POLL`] and the session is
//! still closed (issue #6): an interrupted call returns
//! [`Error::Interrupted`] and leaves the session open, and
//! [`Client::close_by`] ignores the flag (its deadline bounds it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ipmi_core::Deadline;
use ipmi_lanplus::{Client, ClientConfig, Error, Stage};

use std::time::Duration;

use ipmi_core::{PrivilegeLevel, Target};

use super::Connector;
use crate::credentials::{PasswordSource, Secret};

/// Everything a LAN session needs.
#[derive(Clone, PartialEq, Eq)]
pub struct LanSettings {
    /// Host name or address.
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// User name bytes (empty = null user).
    pub username: Vec<u8>,
    /// Password bytes.
    pub password: Secret,
    /// Where the password came from.
    pub password_source: PasswordSource,
    /// BMC key, when one that is not all zero was given.
    pub kg: Option<Secret>,
    /// Requested privilege level.
    pub privilege: PrivilegeLevel,
    /// Pinned cipher suite.
    pub cipher_suite: Option<u8>,
    /// `-N`
    pub per_try_timeout: Option<Duration>,
    /// `-R`
    pub retries: Option<u32>,
    /// `--allow-insecure`
    pub allow_insecure: bool,
    /// Where requests go: the BMC, or a controller behind it (`-b`/`-t`).
    pub target: Target,
}

impl std::fmt::Debug for LanSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &String::from_utf8_lossy(&self.username))
            .field("password", &"<redacted>")
            .field("password_source", &self.password_source)
            .field("kg", &self.kg.as_ref().map(|_| "<redacted>"))
            .field("privilege", &self.privilege)
            .field("cipher_suite", &self.cipher_suite)
            .field("per_try_timeout", &self.per_try_timeout)
            .field("retries", &self.retries)
            .field("allow_insecure", &self.allow_insecure)
            .field("target", &self.target)
            .finish()
    }
}

/// What a RAKP 2 failure adds when no password was given (issue 10.4):
/// the empty password was used because standard input is no terminal.
pub fn no_password_hint(source: PasswordSource, error: &Error) -> Option<String> {
    (source == PasswordSource::Empty && stage_of(error) == Some(Stage::Rakp2)).then(|| {
        "no password was given, so the empty password was tried: give it with -E \
         ($IPMI_PASSWORD or $IPMITOOL_PASSWORD), -f FILE, -P PASSWORD, or -a to be asked"
            .to_string()
    })
}

/// Opens RMCP+ sessions with the configured BMC.
pub struct LanConnector {
    host: String,
    port: u16,
    password_source: PasswordSource,
    /// Built once from the settings; each open takes a copy (its secrets
    /// are zeroized copies too).
    config: ClientConfig,
    interrupt: Option<Arc<AtomicBool>>,
}

impl LanConnector {
    /// For these settings; `timeout` is the invocation's overall budget.
    /// No transparent reconnection: one command per process, and a re-sent
    /// request must never run twice.
    pub fn new(settings: LanSettings, timeout: std::time::Duration) -> Self {
        let LanSettings {
            host,
            port,
            username,
            password,
            password_source,
            kg,
            privilege,
            cipher_suite,
            per_try_timeout,
            retries,
            allow_insecure,
            target,
        } = settings;
        let mut c = ClientConfig::new(username, Vec::new())
            .privilege(privilege)
            .timeout(timeout)
            .allow_insecure(allow_insecure)
            .target(target)
            .reconnect(false);
        // Moved in as they are: no plain copy of a secret.
        c.password = password;
        c.kg = kg;
        if let Some(id) = cipher_suite {
            c = c.cipher_suite(id);
        }
        // -N and -R exactly as given; each left out keeps the library's
        // default (adaptive per-try timeout, tries until the deadline).
        c.per_try_timeout = per_try_timeout;
        c.retries = retries;
        LanConnector {
            host,
            port,
            password_source,
            config: c,
            interrupt: None,
        }
    }

    /// Stops waiting (and reports an interruption) once `flag` is set.
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.config = self.config.interrupt(flag.clone());
        self.interrupt = Some(flag);
        self
    }

    /// The library configuration for these settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

impl Connector for LanConnector {
    type Session = Client;

    fn peer(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn validate(&self) -> Result<(), Error> {
        self.config.validate()
    }

    /// Resolves the host (bounded by `deadline`), then opens a session
    /// (IPMI 2.0 §13.14) by `deadline`.
    fn open(&mut self, deadline: Deadline) -> Result<Client, Error> {
        Client::connect_host(&self.host, self.port, self.config.clone(), deadline)
    }

    /// Closes the session (IPMI 2.0 §22.19), waiting for the answer until
    /// `deadline`. Not interruptible.
    fn close(&mut self, session: Client, deadline: Deadline) -> Result<(), Error> {
        session.close_by(deadline)
    }

    fn open_hint(&self, error: &Error) -> Option<String> {
        no_password_hint(self.password_source, error)
    }

    fn stage(&self, error: &Error) -> Option<String> {
        stage_of(error).map(|s| s.to_string())
    }

    fn signal(&self) -> Option<i32> {
        let flag = self.interrupt.as_ref()?;
        flag.load(Ordering::SeqCst)
            .then(|| crate::signals::received().unwrap_or(libc::SIGINT))
    }

    fn describe(&self, session: &Client) -> Option<String> {
        let suite = match session.session().negotiation() {
            Some(n) => n.to_string(),
            None => "cipher suite ?".into(),
        };
        let privilege = session
            .session()
            .privilege()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "?".into());
        Some(format!(
            "RMCP+ session with {}: {suite}; privilege {privilege}",
            self.peer()
        ))
    }

    fn statistics(&self, session: &Client) -> Option<String> {
        let s = session.session().stats();
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
mod tests;
