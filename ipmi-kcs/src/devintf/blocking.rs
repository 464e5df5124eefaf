//! The blocking driver of an [`Exchange`]: its send and receive steps are
//! the ioctls, its waits poll(2).

use std::path::Path;
use std::time::{Duration, Instant};

use ipmi_core::{Deadline, Request, Response, Target, Transport};

use super::codec::MsgIds;
use super::error::Error;
use super::exchange::{Exchange, Step};
use super::sys::Device;
use super::{Stats, DEFAULT_TIMEOUT};

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

    fn drive(&mut self, ex: &mut Exchange, request: &Request) -> Result<Response, Error> {
        loop {
            match ex.poll(Instant::now()) {
                Step::Send { msgid, timing } => self.device.send(request, msgid, timing)?,
                Step::Receive => ex.received(self.device.receive()?),
                Step::Wait(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    self.device.wait_readable(left)?;
                }
                Step::Done(result) => return result.map_err(|f| f.into_error(ex.request())),
            }
        }
    }
}

impl Transport for LinuxClient {
    type Error = Error;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        let mut ex = Exchange::new(request, deadline, self.ids.next_id())?;
        let result = self.drive(&mut ex, request);
        self.stats += ex.stats();
        result
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}
