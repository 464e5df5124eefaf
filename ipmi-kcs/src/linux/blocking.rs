//! The blocking client: send with `IPMICTL_SEND_COMMAND_SETTIME`, then
//! poll(2) and receive until the answer with our msgid arrives or the
//! deadline passes.

use std::path::Path;
use std::time::{Duration, Instant};

use ipmi_core::{Deadline, Request, Response, Target, Transport};

use super::codec::{check_request, kernel_timing, MsgIds};
use super::error::{Error, RequestInfo};
use super::sys::Device;
use super::{drain, Stats, DEFAULT_TIMEOUT};

/// A blocking in-band client on `/dev/ipmi0` (kernel `ipmi_devintf`),
/// implementing [`Transport`]: every exchange ends by its deadline.
#[derive(Debug)]
pub struct LinuxClient {
    device: Device,
    ids: MsgIds,
    timeout: Duration,
    target: Target,
    stats: Stats,
}

impl LinuxClient {
    /// Opens interface 0: `/dev/ipmi0`, else `/dev/ipmi/0`, else `/dev/ipmidev/0`.
    pub fn open() -> Result<LinuxClient, Error> {
        Self::open_number(0)
    }

    /// Opens interface `n` (`/dev/ipmiN`, `/dev/ipmi/N`, `/dev/ipmidev/N`).
    pub fn open_number(n: u32) -> Result<LinuxClient, Error> {
        Ok(Self::from_device(Device::open_number(n)?))
    }

    /// Opens the device file at `path`.
    pub fn open_path(path: impl AsRef<Path>) -> Result<LinuxClient, Error> {
        Ok(Self::from_device(Device::open_path(path)?))
    }

    /// Wraps an already open device.
    pub fn from_device(device: Device) -> LinuxClient {
        LinuxClient {
            device,
            ids: MsgIds::default(),
            timeout: DEFAULT_TIMEOUT,
            target: Target::bmc(),
            stats: Stats::default(),
        }
    }

    /// Sets the time budget of operations run without an explicit deadline.
    pub fn with_timeout(mut self, timeout: Duration) -> LinuxClient {
        self.timeout = timeout;
        self
    }

    /// Sets the target of typed commands (the BMC, or a bridged controller, IPMI 2.0 §6.12).
    pub fn with_target(mut self, target: Target) -> LinuxClient {
        self.target = target;
        self
    }

    /// The time budget of operations run without an explicit deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The device file in use.
    pub fn path(&self) -> &Path {
        self.device.path()
    }

    /// What this client has sent, received and dropped so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }
}

impl Transport for LinuxClient {
    type Error = Error;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        check_request(request)?;
        let start = Instant::now();
        if deadline.is_expired(start) {
            self.stats.timeouts += 1;
            return Err(Error::Timeout {
                request: RequestInfo::of(request),
                waited: Duration::ZERO,
            });
        }
        let msgid = self.ids.next_id();
        self.device
            .send(request, msgid, kernel_timing(deadline.remaining(start)))?;
        self.stats.sent += 1;
        loop {
            if let Some(response) = drain(&self.device, msgid, request, &mut self.stats)? {
                return Ok(response);
            }
            let now = Instant::now();
            if deadline.is_expired(now) {
                self.stats.timeouts += 1;
                return Err(Error::Timeout {
                    request: RequestInfo::of(request),
                    waited: now.duration_since(start),
                });
            }
            self.device.wait_readable(deadline.remaining(now))?;
        }
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}
