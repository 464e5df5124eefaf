//! The `local` interface: the BMC of this machine through the Linux IPMI
//! driver's device file (`/dev/ipmi0`), with `ipmi_kcs::devintf::LinuxClient`.
//!
//! There is no session: "opening" opens the device file, "closing" closes
//! it. Every exchange still ends by the invocation's deadline: the client
//! waits for the kernel's answer with poll(2) bounded by it, so a wedged
//! BMC costs `--timeout` and exit 3, never a process stuck in the driver.
//!
//! The device is opened through an [`Opener`], so that the connector (and
//! the whole flow of `app::run` over it) is unit-tested with a scripted
//! transport that fails with the library's own errors.

use std::path::PathBuf;
use std::time::Duration;

use ipmi_core::{CompletionCode, Deadline, Target, Transport};
use ipmi_kcs::devintf::{error::completion_hint, Error, LinuxClient};

use super::Connector;

/// Which local IPMI device: `-d N` or `--device PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceChoice {
    /// Interface N: `/dev/ipmiN`, else `/dev/ipmi/N`, else `/dev/ipmidev/N`
    /// (ipmitool's order); 0 when neither option is given.
    Number(u32),
    /// This device file (`--device`).
    Path(PathBuf),
}

impl std::fmt::Display for DeviceChoice {
    /// `/dev/ipmi0` for a number (the first file tried), else the path.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceChoice::Number(n) => write!(f, "/dev/ipmi{n}"),
            DeviceChoice::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Everything the local (in-band, `/dev/ipmiN`) interface needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSettings {
    /// The device.
    pub device: DeviceChoice,
    /// Where requests go: the BMC, or a controller behind it (`-b`/`-t`).
    pub target: Target,
    /// Options of the lan interface that were given and do not apply
    /// in-band (ignored, like ipmitool ignores them; said with `-v`).
    pub ignored: Vec<&'static str>,
}

/// Opens the device and makes the client the connector uses.
pub trait Opener {
    /// The open client.
    type Client: Transport<Error = Error>;

    /// Opens `device`; typed commands go to `target`, and calls without a
    /// deadline of their own get `timeout`.
    fn open(
        &mut self,
        device: &DeviceChoice,
        target: Target,
        timeout: Duration,
    ) -> Result<Self::Client, Error>;

    /// One line about the open client, for `-v`.
    fn describe(&self, _client: &Self::Client) -> Option<String> {
        None
    }

    /// Counters of the client, for `-vv`.
    fn statistics(&self, _client: &Self::Client) -> Option<String> {
        None
    }
}

/// The real thing: `ipmi_kcs::devintf::LinuxClient` on a device file.
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelDevice;

impl Opener for KernelDevice {
    type Client = LinuxClient;

    fn open(
        &mut self,
        device: &DeviceChoice,
        target: Target,
        timeout: Duration,
    ) -> Result<LinuxClient, Error> {
        let client = match device {
            DeviceChoice::Number(n) => LinuxClient::open_number(*n)?,
            DeviceChoice::Path(p) => LinuxClient::open_path(p)?,
        };
        Ok(client.with_timeout(timeout).with_target(target))
    }

    fn describe(&self, client: &LinuxClient) -> Option<String> {
        Some(format!(
            "in-band through {} (the kernel's IPMI driver)",
            client.path().display()
        ))
    }

    fn statistics(&self, client: &LinuxClient) -> Option<String> {
        let s = client.stats();
        Some(format!(
            "requests: {} sent, {} answered, {} timed out; {} late answers and {} unsolicited messages dropped",
            s.sent, s.answered, s.timeouts, s.stale, s.unsolicited
        ))
    }
}

/// Opens the local IPMI device.
pub struct LocalConnector<O: Opener = KernelDevice> {
    settings: LocalSettings,
    timeout: Duration,
    opener: O,
}

impl LocalConnector<KernelDevice> {
    /// For these settings; `timeout` is the invocation's overall budget.
    pub fn new(settings: LocalSettings, timeout: Duration) -> Self {
        Self::with_opener(settings, timeout, KernelDevice)
    }
}

impl<O: Opener> LocalConnector<O> {
    /// With another way to open the device (tests).
    pub fn with_opener(settings: LocalSettings, timeout: Duration, opener: O) -> Self {
        LocalConnector {
            settings,
            timeout,
            opener,
        }
    }
}

impl<O: Opener> Connector for LocalConnector<O> {
    type Session = O::Client;

    fn peer(&self) -> String {
        self.settings.device.to_string()
    }

    fn opened(&self) -> &'static str {
        "device"
    }

    fn abandon_note(&self) -> &'static str {
        "the BMC stopped answering: closing the device (the kernel forgets the pending request)"
    }

    fn open_context(&self) -> String {
        "cannot open the local IPMI device".to_string()
    }

    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    fn open(&mut self, deadline: Deadline) -> Result<O::Client, Error> {
        // Opening a device file does not wait for the BMC; the deadline
        // bounds the exchanges.
        let _ = deadline;
        self.opener
            .open(&self.settings.device, self.settings.target, self.timeout)
    }

    fn close(&mut self, session: O::Client, _deadline: Deadline) -> Result<(), Error> {
        // Closing the descriptor: the kernel forgets requests still pending
        // for it, nothing is sent.
        drop(session);
        Ok(())
    }

    fn stage(&self, error: &Error) -> Option<String> {
        // Named like the lan interface names a request that got no answer.
        match error {
            Error::Timeout { request, .. } => Some(format!(
                "request netfn {} cmd 0x{:02x}",
                request.netfn, request.cmd
            )),
            _ => None,
        }
    }

    fn completion_note(&self, code: CompletionCode, _target: Target) -> Option<String> {
        match code.0 {
            // Send Message status codes: the bridging note of
            // `actions::completion_message` says what they mean.
            0x80..=0x83 => None,
            _ => completion_hint(code).map(str::to_string),
        }
    }

    fn describe(&self, session: &O::Client) -> Option<String> {
        self.opener.describe(session)
    }

    fn statistics(&self, session: &O::Client) -> Option<String> {
        self.opener.statistics(session)
    }
}

#[cfg(test)]
mod tests;
