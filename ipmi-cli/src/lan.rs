//! The `lan` interface: an RMCP+ session through `ipmi_lanplus`'s blocking
//! [`Client`].

use ipmi_core::Deadline;
use ipmi_lanplus::{Client, ClientConfig, Error, Stage};

use crate::app::Connector;
use crate::invocation::LanSettings;

/// Opens RMCP+ sessions with the configured BMC.
pub struct LanConnector {
    settings: LanSettings,
    timeout: std::time::Duration,
}

impl LanConnector {
    /// For these settings; `timeout` is the invocation's overall budget.
    pub fn new(settings: LanSettings, timeout: std::time::Duration) -> Self {
        LanConnector { settings, timeout }
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
    type Session = Client;

    fn peer(&self) -> String {
        if self.settings.host.contains(':') {
            format!("[{}]:{}", self.settings.host, self.settings.port)
        } else {
            format!("{}:{}", self.settings.host, self.settings.port)
        }
    }

    fn validate(&self) -> Result<(), Error> {
        self.config().validate()
    }

    fn open(&mut self, deadline: Deadline) -> Result<Client, Error> {
        Client::connect_host(
            &self.settings.host,
            self.settings.port,
            self.config(),
            deadline,
        )
    }

    fn close(&mut self, session: Client, deadline: Deadline) -> Result<(), Error> {
        session.close_by(deadline)
    }

    fn stage(&self, error: &Error) -> Option<String> {
        stage_of(error).map(|s| s.to_string())
    }

    fn describe(&self, session: &Client) -> Option<String> {
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
mod tests {
    use super::*;
    use crate::invocation::PasswordSource;
    use ipmi_core::{ErrorClass, Failure, PrivilegeLevel};
    use std::time::Duration;

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
                .stage(&t)
                .as_deref(),
            Some("Open Session")
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
