//! The way to one BMC: an RMCP+ session (remote targets) or `/dev/ipmi0`
//! (the local BMC), behind one `execute`.

use std::time::Duration;

use ipmi_core::{
    AsyncTransport, Command, CommandError, CompletionCode, Deadline, ErrorClass, Failure, Request,
    Response,
};
use ipmi_kcs::devintf::AsyncLinuxClient;
use ipmi_lanplus::config::DEFAULT_KEEPALIVE;
use ipmi_lanplus::{AsyncClient, ClientConfig};

use crate::config::{Module, DEFAULT_TIMEOUT};

/// The RMCP port (IPMI 2.0 §13.1.2); the core gets a shared constant
/// with issue 11, this one should then go.
const RMCP_PORT: u16 = 623;

/// Which BMC a scrape is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// The local BMC, in-band (`/metrics`).
    Local,
    /// A remote BMC, `HOST[:PORT]` as given in `/ipmi?target=`.
    Remote(String),
}

/// An open way to a BMC.
#[derive(Debug)]
pub enum Link {
    /// An RMCP+ session (IPMI 2.0 §13), kept across scrapes.
    Lan(Box<AsyncClient>),
    /// The Linux IPMI device (in-band system interface, IPMI 2.0 §9).
    Local(AsyncLinuxClient),
}

/// A failed exchange, from either transport.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// RMCP+.
    #[error(transparent)]
    Lan(#[from] ipmi_lanplus::Error),
    /// `/dev/ipmi0`.
    #[error(transparent)]
    Local(#[from] ipmi_kcs::devintf::Error),
    /// An answer that did not decode (multi-exchange reads decode themselves).
    #[error(transparent)]
    Command(#[from] CommandError),
}

impl LinkError {
    /// The completion code, when the BMC refused the command with one.
    pub fn completion_code(&self) -> Option<CompletionCode> {
        let command = match self {
            LinkError::Lan(ipmi_lanplus::Error::Command(c)) => c,
            LinkError::Local(ipmi_kcs::devintf::Error::Command(c)) => c,
            LinkError::Command(c) => c,
            _ => return None,
        };
        match command {
            CommandError::Completion { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Nothing (valid) arrived before the deadline.
    pub fn is_timeout(&self) -> bool {
        self.class() == ErrorClass::Timeout
    }

    /// Whether the link is in doubt after this (no answer, broken
    /// transport) rather than the BMC having refused one command.
    pub fn breaks_session(&self) -> bool {
        self.class() != ErrorClass::Bmc
    }
}

impl Failure for LinkError {
    fn class(&self) -> ErrorClass {
        match self {
            LinkError::Lan(e) => e.class(),
            LinkError::Local(e) => e.class(),
            LinkError::Command(e) => e.class(),
        }
    }
}

/// Raw exchanges, for the multi-exchange reads of ipmi-core (SDR walk,
/// SEL read) and bridged requests (IPMI 2.0 §6.12).
impl AsyncTransport for Link {
    type Error = LinkError;

    async fn exchange(
        &mut self,
        request: &Request,
        deadline: Deadline,
    ) -> Result<Response, LinkError> {
        match self {
            Link::Lan(c) => Ok(c.exchange(request, deadline).await?),
            Link::Local(c) => Ok(c.exchange(request, deadline).await?),
        }
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(DEFAULT_TIMEOUT)
    }
}

impl Link {
    /// Opens the link to `target` with `module`'s credentials, by `deadline`.
    pub async fn open(
        target: &Target,
        module: &Module,
        deadline: Deadline,
    ) -> Result<Link, LinkError> {
        let timeout = module.timeout().unwrap_or(DEFAULT_TIMEOUT);
        match target {
            Target::Local => Ok(Link::Local(AsyncLinuxClient::open()?.with_timeout(timeout))),
            Target::Remote(spec) => {
                let (host, port) = split_host_port(spec);
                let config = ClientConfig::new(module.user.as_bytes(), module.pass.as_bytes())
                    .privilege(module.privilege_level())
                    .timeout(timeout)
                    .keepalive(Some(DEFAULT_KEEPALIVE));
                let client = AsyncClient::connect_by((host, port), config, deadline).await?;
                Ok(Link::Lan(Box::new(client)))
            }
        }
    }

    /// Runs `cmd`, finishing by `deadline`.
    pub async fn execute<C: Command + Sync>(
        &mut self,
        cmd: &C,
        deadline: Deadline,
    ) -> Result<C::Output, LinkError> {
        match self {
            Link::Lan(c) => Ok(c.execute_by(cmd, deadline).await?),
            Link::Local(c) => Ok(c.execute_by(cmd, deadline).await?),
        }
    }

    /// Sends an RMCP+ keepalive if one is due, bounded by `limit`; false
    /// when the session did not survive it.
    pub async fn keep_alive(&mut self, limit: Duration) -> bool {
        match self {
            Link::Lan(c) => matches!(
                tokio::time::timeout(limit, c.keepalive_if_due()).await,
                Ok(Ok(_))
            ),
            Link::Local(_) => true,
        }
    }

    /// Closes an RMCP+ session (IPMI 2.0 §22.19), bounded by `limit`.
    pub async fn close(self, limit: Duration) {
        if let Link::Lan(c) = self {
            let _ = (*c).close_by(Deadline::from_now(limit)).await;
        }
    }
}

/// `HOST:PORT`, `[V6]:PORT`, or a bare host (port 623, IPMI 2.0 §13.1.2),
/// as the Go exporter splits targets.
pub fn split_host_port(spec: &str) -> (&str, u16) {
    if let Some(rest) = spec.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            if let Some(port) = tail.strip_prefix(':').and_then(|p| p.parse().ok()) {
                return (host, port);
            }
            if tail.is_empty() {
                return (host, RMCP_PORT);
            }
        }
        return (spec, RMCP_PORT);
    }
    match spec.split_once(':') {
        Some((host, port)) if !port.contains(':') => match port.parse() {
            Ok(p) => (host, p),
            Err(_) => (spec, RMCP_PORT),
        },
        _ => (spec, RMCP_PORT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_like_the_exporter() {
        assert_eq!(split_host_port("10.0.0.1"), ("10.0.0.1", 623));
        assert_eq!(split_host_port("10.0.0.1:6230"), ("10.0.0.1", 6230));
        assert_eq!(split_host_port("bmc.example:623"), ("bmc.example", 623));
        assert_eq!(split_host_port("[::1]:6230"), ("::1", 6230));
        assert_eq!(split_host_port("[::1]"), ("::1", 623));
        assert_eq!(split_host_port("fe80::1"), ("fe80::1", 623));
    }
}
