//! What a client needs to open an RMCP+ session: credentials, privilege,
//! cipher suite, retry policy and the default deadline (IPMI 2.0 §13.14).

use std::time::Duration;

use ipmi_core::{PrivilegeLevel, Target};
use zeroize::Zeroizing;

use crate::crypto::suite::CipherSuite;
use crate::Error;

/// Longest user name RAKP 1 can carry (IPMI 2.0 §13.20).
pub const MAX_USERNAME: usize = 16;
/// Longest password (Kuid) and BMC key (Kg) (IPMI 2.0 §13.31).
pub const MAX_KEY: usize = 20;
/// The session inactivity timeout assumed of a BMC: 60 s, the usual
/// default (IPMI 2.0 §6.12.15).
pub const DEFAULT_BMC_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// A keepalive interval that suits [`DEFAULT_BMC_IDLE_TIMEOUT`]: half of it.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(30);

/// Suites offered in turn, without `-C`, to a BMC that does not answer Get
/// Channel Cipher Suites (IPMI 2.0 §22.15.2): the strongest, then the one
/// every BMC supports.
pub const FALLBACK_SUITES: [u8; 2] = [17, 3];
/// Suites picked without `-C`, strongest first, from those a BMC lists or
/// answers Open Session with (IPMI 2.0 §22.15.2): 15 and 16 (no
/// confidentiality) only when asked for by ID; 0 only with `allow_insecure`.
pub const PREFERRED_SUITES: [u8; 4] = [17, 3, 2, 1];

/// Configuration of an RMCP+ client session.
///
/// ```
/// use std::time::Duration;
/// use ipmi_core::PrivilegeLevel;
/// use ipmi_lanplus::ClientConfig;
///
/// let config = ClientConfig::new("operator", "secret")
///     .privilege(PrivilegeLevel::Operator) // default: Administrator
///     .cipher_suite(17)                    // default: negotiated (17, 3, 2, 1)
///     .timeout(Duration::from_secs(5));    // each call's budget
/// assert!(!format!("{config:?}").contains("secret"), "Debug never shows the password");
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    /// User name, at most 16 bytes; empty for the null user.
    pub username: Vec<u8>,
    /// Password (Kuid), at most 20 bytes.
    pub password: Zeroizing<Vec<u8>>,
    /// BMC key (Kg), at most 20 bytes; `None` uses the password.
    pub kg: Option<Zeroizing<Vec<u8>>>,
    /// Privilege level to request (default ADMINISTRATOR).
    pub privilege: PrivilegeLevel,
    /// Cipher suite ID, which the BMC must then honour; `None` (the
    /// default) asks the BMC for its suites first and picks the strongest
    /// both support (see [`crate::client::Negotiation`]).
    pub cipher_suite: Option<u8>,
    /// Allow cipher suite 0 (no authentication, no integrity, no encryption).
    pub allow_insecure: bool,
    /// Time to wait for an answer to a datagram before resending it, the
    /// same for every try; `None` (the default): adapted to the round
    /// trips measured in the session (RFC 6298, between 200 ms and 1 s).
    pub per_try_timeout: Option<Duration>,
    /// How many times a datagram is resent before its step fails; `None`
    /// (the default): resent until the operation's deadline.
    pub retries: Option<u32>,
    /// Deadline budget of an operation that is given none.
    pub timeout: Duration,
    /// Where commands go by default (the BMC, or a bridged controller).
    pub target: Target,
    /// Keep an idle session alive: when nothing was heard from the BMC in
    /// the session for this long, a keepalive request is sent (see
    /// [`crate::client::Connection`]). `None` (the default): no keepalive.
    pub keepalive: Option<Duration>,
    /// How long the BMC keeps a silent session before it drops it (its
    /// session inactivity timeout, IPMI 2.0 §6.12.15; 60 s by default). A
    /// session silent for 9/10 of this is presumed dropped and opened anew
    /// before the next request.
    pub bmc_idle_timeout: Duration,
    /// Re-establish the session, once per request and inside its deadline,
    /// when the BMC dropped it (default `true`); see
    /// [`crate::client::Connection`] for how a dropped session is detected.
    pub reconnect: bool,
    /// When set (e.g. by a SIGINT handler), a waiting call of the blocking
    /// [`crate::Client`] returns [`crate::Error::Interrupted`] within 50 ms,
    /// leaving the session open so that it can still be closed.
    pub interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("username", &String::from_utf8_lossy(&self.username))
            .field("password", &"<redacted>")
            .field("kg", &self.kg.as_ref().map(|_| "<redacted>"))
            .field("privilege", &self.privilege)
            .field("cipher_suite", &self.cipher_suite)
            .field("allow_insecure", &self.allow_insecure)
            .field("per_try_timeout", &self.per_try_timeout)
            .field("retries", &self.retries)
            .field("timeout", &self.timeout)
            .field("target", &self.target)
            .field("keepalive", &self.keepalive)
            .field("bmc_idle_timeout", &self.bmc_idle_timeout)
            .field("reconnect", &self.reconnect)
            .field("interrupt", &self.interrupt.is_some())
            .finish()
    }
}

impl ClientConfig {
    /// A configuration with the defaults: ADMINISTRATOR, the cipher suite
    /// negotiated, adaptive per-try timeouts, retries until the deadline,
    /// 10 s deadline.
    pub fn new(username: impl Into<Vec<u8>>, password: impl Into<Vec<u8>>) -> Self {
        ClientConfig {
            username: username.into(),
            password: Zeroizing::new(password.into()),
            kg: None,
            privilege: PrivilegeLevel::Administrator,
            cipher_suite: None,
            allow_insecure: false,
            per_try_timeout: None,
            retries: None,
            timeout: ipmi_core::DEFAULT_TIMEOUT,
            target: Target::bmc(),
            keepalive: None,
            bmc_idle_timeout: DEFAULT_BMC_IDLE_TIMEOUT,
            reconnect: true,
            interrupt: None,
        }
    }

    /// Sets the privilege level.
    pub fn privilege(mut self, level: PrivilegeLevel) -> Self {
        self.privilege = level;
        self
    }

    /// Pins the cipher suite.
    pub fn cipher_suite(mut self, id: u8) -> Self {
        self.cipher_suite = Some(id);
        self
    }

    /// Sets the BMC key Kg.
    pub fn kg(mut self, kg: impl Into<Vec<u8>>) -> Self {
        self.kg = Some(Zeroizing::new(kg.into()));
        self
    }

    /// Sets the default deadline budget.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets a fixed per-try timeout and retry count (ipmitool's `-N`, `-R`).
    pub fn retries(mut self, per_try: Duration, retries: u32) -> Self {
        self.per_try_timeout = Some(per_try);
        self.retries = Some(retries);
        self
    }

    /// Allows cipher suite 0.
    pub fn allow_insecure(mut self, allow: bool) -> Self {
        self.allow_insecure = allow;
        self
    }

    /// Sets the default target.
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// Sends a keepalive after `every` of silence (`None`: never); e.g.
    /// `Some(DEFAULT_KEEPALIVE)`, half the usual BMC idle timeout.
    pub fn keepalive(mut self, every: Option<Duration>) -> Self {
        self.keepalive = every;
        self
    }

    /// Sets how long the BMC keeps a silent session (default 60 s).
    pub fn bmc_idle_timeout(mut self, timeout: Duration) -> Self {
        self.bmc_idle_timeout = timeout;
        self
    }

    /// Sets the interrupt flag a waiting blocking call watches.
    pub fn interrupt(mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// Whether a session the BMC dropped is re-established (default `true`).
    pub fn reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// The suites to offer in order when the BMC did not list its own: the
    /// pinned one, or 17 then 3.
    pub fn suites_to_offer(&self) -> Result<Vec<CipherSuite>, Error> {
        let ids: Vec<u8> = match self.cipher_suite {
            Some(id) => vec![id],
            None => FALLBACK_SUITES.to_vec(),
        };
        ids.into_iter()
            .map(|id| {
                let suite = CipherSuite::from_id(id)
                    .filter(|s| s.is_supported())
                    .ok_or_else(|| Error::Config(format!("cipher suite {id} is not supported (use 0-3 or 15-17)")))?;
                if id == 0 && !self.allow_insecure {
                    return Err(Error::Config(
                        "cipher suite 0 has no authentication, integrity or encryption; pass --allow-insecure to use it"
                            .into(),
                    ));
                }
                Ok(suite)
            })
            .collect()
    }

    /// Checks lengths and the cipher suite before any datagram is sent.
    pub fn validate(&self) -> Result<(), Error> {
        if self.username.len() > MAX_USERNAME {
            return Err(Error::Config(format!(
                "user name is {} bytes; at most {MAX_USERNAME}",
                self.username.len()
            )));
        }
        if self.password.len() > MAX_KEY {
            return Err(Error::Config(format!(
                "password is {} bytes; at most {MAX_KEY}",
                self.password.len()
            )));
        }
        if let Some(kg) = &self.kg {
            if kg.len() > MAX_KEY {
                return Err(Error::Config(format!(
                    "BMC key (Kg) is {} bytes; at most {MAX_KEY}",
                    kg.len()
                )));
            }
        }
        if self.keepalive.is_some_and(|k| k.is_zero()) || self.bmc_idle_timeout.is_zero() {
            return Err(Error::Config(
                "keepalive interval and BMC idle timeout must be greater than zero".into(),
            ));
        }
        if self.per_try_timeout.is_some_and(|d| d.is_zero()) {
            return Err(Error::Config(
                "per-try timeout must be greater than zero".into(),
            ));
        }
        self.suites_to_offer().map(|_| ())
    }
}
