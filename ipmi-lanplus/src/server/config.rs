//! What a responder serves: the user table, the offered cipher suites, the
//! BMC's GUID and key, limits and timers (IPMI 2.0 §6.9, §13.14, §22.15),
//! plus the parsers behind `ipmirs serve` flags.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use ipmi_core::PrivilegeLevel;
use zeroize::Zeroizing;

use super::quirks::Quirks;
use crate::config::{MAX_KEY, MAX_USERNAME};
use crate::crypto::suite::CipherSuite;

/// UDP port `ipmirs serve` listens on by default; the standard port
/// ([`crate::RMCP_PORT`], 623) needs root (IPMI 2.0 §13.1.2).
pub const DEFAULT_SERVE_PORT: u16 = 6230;
/// How long a session may stay silent before it is closed (IPMI 2.0 §6.12.15).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a half-open session (Open Session to RAKP 3) may stay silent (IPMI 2.0 §13.14).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Default per-user limit of concurrent sessions (IPMI 2.0 §22.27 "session limit").
pub const DEFAULT_USER_SESSION_LIMIT: usize = 8;
/// Default size of the session table: sessions of all users, half-open ones included (IPMI 2.0 §6.12.15).
pub const DEFAULT_MAX_SESSIONS: usize = 32;
/// Cipher suites offered by default: every implemented one but 0 (IPMI 2.0 §22.15.2).
pub const DEFAULT_CIPHER_SUITES: [u8; 6] = [1, 2, 3, 15, 16, 17];
/// Default LAN channel number (IPMI 2.0 §6.3: channel 1 is the usual primary LAN).
pub const DEFAULT_CHANNEL: u8 = 1;
/// Default system GUID answered in RAKP 2 and Get System GUID (IPMI 2.0 §13.21, §22.14).
pub const DEFAULT_GUID: [u8; 16] = [
    0x69, 0x70, 0x6d, 0x69, 0x72, 0x73, 0x2d, 0x73, 0x69, 0x6d, 0x42, 0x4d, 0x43, 0x00, 0x00, 0x01,
];

/// A configuration value that cannot be used, with what was wrong (IPMI 2.0 §13.14).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A `name:password[:priv]` user specification did not parse.
    #[error("invalid user '{spec}': {reason}")]
    User {
        /// The name part (never the password).
        spec: String,
        /// What was wrong.
        reason: String,
    },
    /// A cipher suite is unknown or not implemented by ipmirs.
    #[error("cipher suite {0} is not supported (use 0-3 or 15-17)")]
    UnsupportedSuite(u8),
    /// A cipher suite list did not parse.
    #[error("invalid cipher suite list '{0}' (expected numbers separated by commas, e.g. 3,17)")]
    SuiteList(String),
    /// A listen address did not parse.
    #[error("invalid listen address '{0}' (expected ADDR[:PORT[-PORT]])")]
    Listen(String),
    /// Any other unusable value.
    #[error("{0}")]
    Invalid(String),
}

/// One entry of the user table (IPMI 2.0 §6.9, §22.26–§22.30).
#[derive(Clone)]
pub struct User {
    /// User name, at most 16 bytes; empty for the null user.
    pub name: Vec<u8>,
    /// Password (Kuid), at most 20 bytes.
    pub password: Zeroizing<Vec<u8>>,
    /// Highest privilege level the user may reach on this channel (IPMI 2.0 §6.8).
    pub privilege: PrivilegeLevel,
    /// How many sessions of this user may exist at once, half-open ones included.
    pub session_limit: usize,
    /// Enabled (Set User Password enable/disable) (IPMI 2.0 §22.30).
    pub enabled: bool,
    /// IPMI messaging allowed on the channel (IPMI 2.0 §22.26).
    pub ipmi_messaging: bool,
    /// Link authentication enabled (IPMI 2.0 §22.26).
    pub link_auth: bool,
    /// Restricted to callback (IPMI 2.0 §22.26).
    pub callback_only: bool,
    /// Privilege limit 0Fh, "no access" (IPMI 2.0 §22.26).
    pub no_access: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &String::from_utf8_lossy(&self.name))
            .field("password", &"<redacted>")
            .field("privilege", &self.privilege)
            .field("session_limit", &self.session_limit)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl User {
    /// A user with the default session limit (IPMI 2.0 §6.9).
    pub fn new(
        name: impl Into<Vec<u8>>,
        password: impl Into<Vec<u8>>,
        privilege: PrivilegeLevel,
    ) -> Self {
        User {
            name: name.into(),
            password: Zeroizing::new(password.into()),
            privilege,
            session_limit: DEFAULT_USER_SESSION_LIMIT,
            enabled: true,
            ipmi_messaging: true,
            link_auth: false,
            callback_only: false,
            no_access: false,
        }
    }

    /// An unused user-table slot: no name, disabled, no access (IPMI 2.0 §22.26).
    pub fn empty_slot() -> Self {
        User {
            enabled: false,
            ipmi_messaging: false,
            no_access: true,
            ..User::new("", "", PrivilegeLevel::User)
        }
    }

    /// Whether this entry may open a session: enabled, IPMI messaging on,
    /// some access (IPMI 2.0 §6.9, §22.26).
    pub fn may_open_session(&self) -> bool {
        self.enabled && self.ipmi_messaging && !self.no_access
    }

    /// Sets how many concurrent sessions the user may hold (IPMI 2.0 §22.27).
    pub fn session_limit(mut self, limit: usize) -> Self {
        self.session_limit = limit;
        self
    }

    /// Checks the name and password lengths RAKP can carry (IPMI 2.0 §13.20, §13.31).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |reason: String| ConfigError::User {
            spec: String::from_utf8_lossy(&self.name).into_owned(),
            reason,
        };
        if self.name.len() > MAX_USERNAME {
            return Err(err(format!(
                "name is {} bytes; at most {MAX_USERNAME}",
                self.name.len()
            )));
        }
        if self.password.len() > MAX_KEY {
            return Err(err(format!(
                "password is {} bytes; at most {MAX_KEY}",
                self.password.len()
            )));
        }
        Ok(())
    }
}

impl FromStr for User {
    type Err = ConfigError;

    /// Parses `name:password[:priv]` (IPMI 2.0 §6.8 levels; default ADMINISTRATOR).
    ///
    /// The name ends at the first `:`. The last `:`-separated field is the
    /// privilege when it names one (`callback`, `user`, `operator`,
    /// `admin[istrator]`, `oem` or 1–5, any case); otherwise the whole rest
    /// is the password. So a password containing `:` works, and one that
    /// itself ends in `:user` must be followed by an explicit `:PRIV`.
    fn from_str(spec: &str) -> Result<Self, ConfigError> {
        let Some((name, rest)) = spec.split_once(':') else {
            return Err(ConfigError::User {
                spec: spec.to_string(),
                reason: "expected NAME:PASSWORD[:PRIVILEGE]".into(),
            });
        };
        let (password, privilege) = match rest.rsplit_once(':') {
            Some((password, last)) => match last.parse::<PrivilegeLevel>() {
                Ok(p) => (password, p),
                Err(_) => (rest, PrivilegeLevel::Administrator),
            },
            None => (rest, PrivilegeLevel::Administrator),
        };
        let user = User::new(name, password, privilege);
        user.validate()?;
        Ok(user)
    }
}

/// Everything a [`super::Responder`] needs besides its handler (IPMI 2.0 §13.14).
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The user table, searched in order (IPMI 2.0 §13.20 name lookup).
    pub users: Vec<User>,
    /// Cipher suite IDs offered, in the order Get Channel Cipher Suites lists them (IPMI 2.0 §22.15).
    pub cipher_suites: Vec<u8>,
    /// The managed system GUID sent in RAKP 2 (IPMI 2.0 §13.21), in wire order.
    pub guid: [u8; 16],
    /// BMC key Kg (IPMI 2.0 §13.31); `None` or all zeros: SIK is keyed by the user password.
    pub kg: Option<Zeroizing<Vec<u8>>>,
    /// The LAN channel number reported by the channel commands (IPMI 2.0 §6.3).
    pub channel: u8,
    /// Channel privilege limit: no session goes above it (IPMI 2.0 §6.8).
    pub channel_privilege_limit: PrivilegeLevel,
    /// Silence after which an active session is closed (IPMI 2.0 §6.12.15).
    pub idle_timeout: Duration,
    /// Silence after which a half-open session is dropped; also how long a
    /// closed or refused session still answers retransmissions.
    pub handshake_timeout: Duration,
    /// Largest number of sessions, half-open ones included (Open Session answers 01h beyond).
    pub max_sessions: usize,
    /// Deviations from the specification to show, for tests (none by default).
    pub quirks: Quirks,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            users: Vec::new(),
            cipher_suites: DEFAULT_CIPHER_SUITES.to_vec(),
            guid: DEFAULT_GUID,
            kg: None,
            channel: DEFAULT_CHANNEL,
            channel_privilege_limit: PrivilegeLevel::Administrator,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            max_sessions: DEFAULT_MAX_SESSIONS,
            quirks: Quirks::default(),
        }
    }
}

impl ServerConfig {
    /// No users, suites 1–3 and 15–17, 60 s idle and 20 s handshake timeouts (IPMI 2.0 §13.14).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user to the table (IPMI 2.0 §6.9).
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// Sets the offered cipher suite IDs (IPMI 2.0 §22.15.2).
    pub fn cipher_suites(mut self, ids: impl Into<Vec<u8>>) -> Self {
        self.cipher_suites = ids.into();
        self
    }

    /// Sets the managed system GUID (IPMI 2.0 §13.21).
    pub fn guid(mut self, guid: [u8; 16]) -> Self {
        self.guid = guid;
        self
    }

    /// Sets the BMC key Kg (IPMI 2.0 §13.31).
    pub fn kg(mut self, kg: impl Into<Vec<u8>>) -> Self {
        self.kg = Some(Zeroizing::new(kg.into()));
        self
    }

    /// Sets the idle timeout of active sessions (IPMI 2.0 §6.12.15).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets the silence allowed between handshake messages (IPMI 2.0 §13.14).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Shows these deviations from the specification (see [`Quirks`]).
    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Sets the size of the session table (IPMI 2.0 §6.12.15).
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max;
        self
    }

    /// The offered suites, in configured order (IPMI 2.0 §22.15.2); call [`Self::validate`] first.
    pub fn suites(&self) -> Vec<CipherSuite> {
        self.cipher_suites
            .iter()
            .filter_map(|&id| CipherSuite::from_id(id))
            .filter(|s| s.is_supported())
            .collect()
    }

    /// The key SIK is derived with: Kg when set and non-zero, else `None` (IPMI 2.0 §13.31).
    pub fn nonzero_kg(&self) -> Option<&[u8]> {
        self.kg
            .as_deref()
            .map(|k| &k[..])
            .filter(|k| k.iter().any(|&b| b != 0))
    }

    /// Checks users, suites, key length and limits (IPMI 2.0 §13.14).
    pub fn validate(&self) -> Result<(), ConfigError> {
        for u in &self.users {
            u.validate()?;
        }
        if self.cipher_suites.is_empty() {
            return Err(ConfigError::Invalid("no cipher suite is offered".into()));
        }
        for &id in &self.cipher_suites {
            if !CipherSuite::from_id(id).is_some_and(|s| s.is_supported()) {
                return Err(ConfigError::UnsupportedSuite(id));
            }
        }
        if let Some(kg) = &self.kg {
            if kg.len() > MAX_KEY {
                return Err(ConfigError::Invalid(format!(
                    "BMC key (Kg) is {} bytes; at most {MAX_KEY}",
                    kg.len()
                )));
            }
        }
        if self.channel > 0x0f || self.channel == 0x0e {
            return Err(ConfigError::Invalid(format!(
                "channel {} is not a LAN channel number",
                self.channel
            )));
        }
        if let Some(id) = self.quirks.open_session_suite {
            if !CipherSuite::from_id(id).is_some_and(|s| s.is_supported()) {
                return Err(ConfigError::UnsupportedSuite(id));
            }
        }
        if self.max_sessions == 0 {
            return Err(ConfigError::Invalid(
                "the session table must hold at least one session".into(),
            ));
        }
        if self.idle_timeout.is_zero() || self.handshake_timeout.is_zero() {
            return Err(ConfigError::Invalid(
                "timeouts must be greater than zero".into(),
            ));
        }
        Ok(())
    }

    /// The configuration of endpoint `index` of a multi-BMC server: the same,
    /// with `index` added (little-endian) to the GUID's last 4 bytes so that
    /// every endpoint has its own GUID (IPMI 2.0 §13.21).
    pub fn for_endpoint(&self, index: usize) -> ServerConfig {
        let mut c = self.clone();
        let mut tail = [0u8; 4];
        tail.copy_from_slice(&c.guid[12..]);
        let v = u32::from_le_bytes(tail).wrapping_add(index as u32);
        c.guid[12..].copy_from_slice(&v.to_le_bytes());
        c
    }
}

/// Parses a cipher suite list such as `3,17` or `0, 1, 2` (IPMI 2.0 §22.15.2).
pub fn parse_cipher_suites(list: &str) -> Result<Vec<u8>, ConfigError> {
    let mut ids = Vec::new();
    for part in list.split(',') {
        let id: u8 = part
            .trim()
            .parse()
            .map_err(|_| ConfigError::SuiteList(list.to_string()))?;
        if !CipherSuite::from_id(id).is_some_and(|s| s.is_supported()) {
            return Err(ConfigError::UnsupportedSuite(id));
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Parses `ADDR[:PORT[-PORT]]` into one address per port (port default
/// [`DEFAULT_SERVE_PORT`]; IPv6 as `[::1]:6230-6239`) (IPMI 2.0 §13.1.2).
pub fn parse_listen(spec: &str) -> Result<Vec<SocketAddr>, ConfigError> {
    let bad = || ConfigError::Listen(spec.to_string());
    let spec_t = spec.trim();
    let (host, ports) = if let Some(rest) = spec_t.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        match after {
            "" => (host, None),
            a => (host, Some(a.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else if spec_t.matches(':').count() > 1 {
        (spec_t, None) // bare IPv6 address
    } else {
        match spec_t.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (spec_t, None),
        }
    };
    let ip: IpAddr = if host.is_empty() || host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse().map_err(|_| bad())?
    };
    let (first, last) = match ports {
        None => (DEFAULT_SERVE_PORT, DEFAULT_SERVE_PORT),
        Some(p) => match p.split_once('-') {
            Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
            None => {
                let v: u16 = p.parse().map_err(|_| bad())?;
                (v, v)
            }
        },
    };
    if last < first || (first == 0 && last != 0) {
        return Err(bad());
    }
    Ok((first..=last)
        .map(|port| SocketAddr::new(ip, port))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_specs() {
        let u: User = "admin:secret".parse().unwrap();
        assert_eq!(
            (u.name.as_slice(), u.password.as_slice()),
            (&b"admin"[..], &b"secret"[..])
        );
        assert_eq!(u.privilege, PrivilegeLevel::Administrator);
        let u: User = "op:pw:operator".parse().unwrap();
        assert_eq!(
            (u.password.as_slice(), u.privilege),
            (&b"pw"[..], PrivilegeLevel::Operator)
        );
        let u: User = "bob:pa:ss:USER".parse().unwrap();
        assert_eq!(
            (u.password.as_slice(), u.privilege),
            (&b"pa:ss"[..], PrivilegeLevel::User)
        );
        let u: User = "bob:pa:ss".parse().unwrap();
        assert_eq!(
            (u.password.as_slice(), u.privilege),
            (&b"pa:ss"[..], PrivilegeLevel::Administrator)
        );
        let u: User = "cb:x:1".parse().unwrap();
        assert_eq!(u.privilege, PrivilegeLevel::Callback);
        let u: User = ":nullpw:user".parse().unwrap();
        assert!(u.name.is_empty());
        let u: User = "anon:".parse().unwrap();
        assert!(u.password.is_empty());
        assert!("nopassword".parse::<User>().is_err());
        assert!("seventeen_chars_x:pw".parse::<User>().is_err());
        assert!("a:123456789012345678901".parse::<User>().is_err());
        assert!("a:12345678901234567890".parse::<User>().is_ok());
        // The password never appears in errors or Debug.
        let e = "seventeen_chars_x:hunter2"
            .parse::<User>()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(!format!("{:?}", "a:hunter2".parse::<User>().unwrap()).contains("hunter2"));
    }

    #[test]
    fn suite_lists() {
        assert_eq!(parse_cipher_suites("3,17").unwrap(), [3, 17]);
        assert_eq!(
            parse_cipher_suites(" 0, 1 ,2,3,17,3").unwrap(),
            [0, 1, 2, 3, 17]
        );
        assert_eq!(
            parse_cipher_suites("8"),
            Err(ConfigError::UnsupportedSuite(8))
        );
        assert!(matches!(
            parse_cipher_suites("3;17"),
            Err(ConfigError::SuiteList(_))
        ));
        assert!(matches!(
            parse_cipher_suites(""),
            Err(ConfigError::SuiteList(_))
        ));
    }

    #[test]
    fn listen_specs() {
        let v4 = |s: &str| parse_listen(s).unwrap();
        assert_eq!(v4("127.0.0.1"), ["127.0.0.1:6230".parse().unwrap()]);
        assert_eq!(v4("127.0.0.1:9001"), ["127.0.0.1:9001".parse().unwrap()]);
        let r = v4("0.0.0.0:7000-7002");
        assert_eq!(r.len(), 3);
        assert_eq!(r[2], "0.0.0.0:7002".parse().unwrap());
        assert_eq!(v4("localhost:1"), ["127.0.0.1:1".parse().unwrap()]);
        assert_eq!(v4("[::1]:623"), ["[::1]:623".parse().unwrap()]);
        assert_eq!(v4("::1"), ["[::1]:6230".parse().unwrap()]);
        assert_eq!(v4("[::1]"), ["[::1]:6230".parse().unwrap()]);
        assert_eq!(v4("127.0.0.1:0"), ["127.0.0.1:0".parse().unwrap()]);
        for bad in [
            "127.0.0.1:7002-7000",
            "nohost:1",
            "1.2.3.4:x",
            "[::1",
            "1.2.3.4:0-5",
            "1.2.3.4:70000",
        ] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_validation_and_endpoints() {
        let c = ServerConfig::new().user(User::new("a", "b", PrivilegeLevel::User));
        c.validate().unwrap();
        assert_eq!(
            c.suites().iter().map(|s| s.id).collect::<Vec<_>>(),
            DEFAULT_CIPHER_SUITES
        );
        assert!(c.clone().cipher_suites([4]).validate().is_err());
        assert!(c.clone().cipher_suites([]).validate().is_err());
        assert!(c.clone().kg([1u8; 21]).validate().is_err());
        assert!(c.clone().max_sessions(0).validate().is_err());
        assert_eq!(c.clone().kg([0u8; 20]).nonzero_kg(), None);
        assert_eq!(c.clone().kg([0, 1]).nonzero_kg(), Some(&[0u8, 1][..]));
        let e0 = c.for_endpoint(0);
        let e1 = c.for_endpoint(1);
        assert_eq!(e0.guid, c.guid);
        assert_ne!(e1.guid, e0.guid);
        assert_eq!(e1.guid[..12], e0.guid[..12]);
    }
}
