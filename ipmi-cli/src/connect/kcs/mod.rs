//! The `kcs` interface: this machine's BMC through its KCS system
//! interface (IPMI 2.0 §9) by direct port I/O, without the kernel driver,
//! with `ipmi_kcs::kcs::KcsClient`. For when `/dev/ipmi0` is gone (`rmmod
//! ipmi_si`) or stuck, and the BMC still has to be asked or reset
//! in-band (`ipmirs kcs mc reset cold`).
//!
//! There is no session: "opening" finds the address (`--kcs-addr`, else
//! SMBIOS type 38, else 0xCA2), checks that the kernel's `ipmi_si` does not
//! own the ports (unless `--kcs-force`) and takes them (`ioperm` or
//! `/dev/port`); "closing" gives them back. Every transfer ends by the
//! invocation's deadline; a BMC that stops mid-transfer is named by the
//! KCS phase and byte it stopped at.
//!
//! The ports are reached through a [`PortOpener`], so that the connector
//! and the whole flow of `app::run` over it are unit-tested against the
//! software KCS BMC of `ipmi_kcs::kcs::model`.

use std::path::PathBuf;
use std::time::Duration;

use ipmi_core::{
    CommandError, Deadline, ErrorClass, Failure, NetFn, Request, Response, Target, Transport,
};
use ipmi_kcs::kcs::{AddressSource, Backend, Error, KcsAddress, KcsClient, KcsOptions};

use super::Connector;

/// Everything the kcs interface (direct port I/O, no kernel driver) needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KcsSettings {
    /// `--kcs-addr`; `None`: SMBIOS type 38, else 0xCA2.
    pub address: Option<KcsAddress>,
    /// `--kcs-backend`; `Auto` without it.
    pub backend: Backend,
    /// `--kcs-force`: use the ports even while ipmi_si owns them.
    pub force: bool,
    /// Where `/proc`, `/sys` and `/dev` are read to find the address and
    /// the ports' owner (`/`; unit tests use a fake tree).
    pub root: PathBuf,
    /// Options of the lan interface that were given and do not apply
    /// (ignored, like ipmitool ignores them in-band; said with `-v`).
    pub ignored: Vec<&'static str>,
}

/// Takes the ports and makes the client.
pub trait PortOpener {
    /// Opens the interface `settings` name; calls without a deadline of
    /// their own get `timeout`.
    fn open(&mut self, settings: &KcsSettings, timeout: Duration) -> Result<KcsClient, Error>;
}

/// The real thing: `KcsClient::open` on this machine's ports.
#[derive(Clone, Copy, Debug, Default)]
pub struct MachinePorts;

impl PortOpener for MachinePorts {
    fn open(&mut self, settings: &KcsSettings, timeout: Duration) -> Result<KcsClient, Error> {
        KcsClient::open(&KcsOptions {
            address: settings.address,
            backend: settings.backend,
            force: settings.force,
            root: settings.root.clone(),
            timeout,
            ..KcsOptions::default()
        })
    }
}

/// A failure of the kcs interface, with the request it stopped (for the
/// `stage` of `--json`, as `local` names it).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct KcsFailure {
    /// The request's NetFn and command, when a transfer failed.
    pub request: Option<(NetFn, u8)>,
    /// The library's error.
    #[source]
    pub error: Error,
}

impl From<CommandError> for KcsFailure {
    fn from(e: CommandError) -> Self {
        KcsFailure {
            request: None,
            error: e.into(),
        }
    }
}

impl From<Error> for KcsFailure {
    fn from(error: Error) -> Self {
        KcsFailure {
            request: None,
            error,
        }
    }
}

impl Failure for KcsFailure {
    fn class(&self) -> ErrorClass {
        self.error.class()
    }
}

/// The open interface: a [`KcsClient`] that remembers the request a
/// failure belongs to.
#[derive(Debug)]
pub struct KcsSession {
    client: KcsClient,
}

impl KcsSession {
    /// The client.
    pub fn client(&self) -> &KcsClient {
        &self.client
    }
}

impl Transport for KcsSession {
    type Error = KcsFailure;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, KcsFailure> {
        self.client
            .exchange(request, deadline)
            .map_err(|error| KcsFailure {
                request: Some((request.netfn, request.cmd)),
                error,
            })
    }

    fn default_deadline(&self) -> Deadline {
        self.client.default_deadline()
    }

    fn default_target(&self) -> Target {
        self.client.default_target()
    }
}

/// Opens the KCS interface.
pub struct KcsConnector<O: PortOpener = MachinePorts> {
    settings: KcsSettings,
    timeout: Duration,
    opener: O,
}

impl KcsConnector<MachinePorts> {
    /// For these settings; `timeout` is the invocation's overall budget.
    pub fn new(settings: KcsSettings, timeout: Duration) -> Self {
        Self::with_opener(settings, timeout, MachinePorts)
    }
}

impl<O: PortOpener> KcsConnector<O> {
    /// With another way to reach the ports (tests).
    pub fn with_opener(settings: KcsSettings, timeout: Duration, opener: O) -> Self {
        KcsConnector {
            settings,
            timeout,
            opener,
        }
    }
}

/// Where the address came from, for `-v`.
fn source_text(source: &AddressSource) -> String {
    match source {
        AddressSource::Given => "--kcs-addr".into(),
        AddressSource::Smbios => "SMBIOS type 38".into(),
        AddressSource::Standard(why) => format!("the standard address ({why})"),
    }
}

impl<O: PortOpener> Connector for KcsConnector<O> {
    type Session = KcsSession;

    fn peer(&self) -> String {
        match self.settings.address {
            Some(a) => format!("KCS {a}"),
            None => "KCS".into(),
        }
    }

    fn opened(&self) -> &'static str {
        "KCS interface"
    }

    fn abandon_note(&self) -> &'static str {
        "the BMC stopped answering over KCS: giving the ports back (the next transfer starts \
         from whatever state the interface is in)"
    }

    fn open_context(&self) -> String {
        "cannot use the KCS interface".to_string()
    }

    fn validate(&self) -> Result<(), KcsFailure> {
        Ok(())
    }

    fn open(&mut self, _deadline: Deadline) -> Result<KcsSession, KcsFailure> {
        // Taking the ports does not wait for the BMC; the deadline bounds
        // the transfers.
        let client = self.opener.open(&self.settings, self.timeout)?;
        Ok(KcsSession { client })
    }

    fn close(&mut self, session: KcsSession, _deadline: Deadline) -> Result<(), KcsFailure> {
        // Dropping the client gives the ports back (ioperm off, or the
        // /dev/port descriptor closed); nothing is sent.
        drop(session);
        Ok(())
    }

    fn stage(&self, failure: &KcsFailure) -> Option<String> {
        // Named like `local` names a request that got no answer.
        match failure.request {
            Some((netfn, cmd)) if failure.class() == ErrorClass::Timeout => {
                Some(format!("request netfn {netfn} cmd 0x{cmd:02x}"))
            }
            _ => None,
        }
    }

    fn describe(&self, session: &KcsSession) -> Option<String> {
        let c = session.client();
        Some(format!(
            "KCS interface at {} (address from {}) through {}",
            c.address(),
            source_text(c.address_source()),
            c.describe()
        ))
    }

    fn statistics(&self, session: &KcsSession) -> Option<String> {
        let s = session.client().stats();
        Some(format!(
            "KCS transfers: {} started, {} answered, {} failed; {} error exits, {} status reads, {} sleeps",
            s.transfers, s.answered, s.failed, s.error_exits, s.status_reads, s.sleeps
        ))
    }
}

#[cfg(test)]
mod tests;
