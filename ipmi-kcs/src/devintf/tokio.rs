//! The tokio driver of an [`Exchange`]: the same steps as
//! [`LinuxClient`](super::LinuxClient), its waits readiness-based on the
//! device descriptor through [`AsyncFd`] (epoll), with no thread per request.

use std::path::Path;
use std::time::{Duration, Instant};

use ipmi_core::{AsyncTransport, Deadline, Request, Response, Target};
use tokio::io::unix::AsyncFd;

use super::codec::MsgIds;
use super::error::Error;
use super::exchange::{Exchange, Step};
use super::sys::{register_readable, Device};
use super::{Stats, DEFAULT_TIMEOUT};

/// An async in-band client on `/dev/ipmi0`, implementing [`AsyncTransport`].
///
/// Create it inside a tokio runtime with IO and time enabled
/// (`Builder::enable_all`): the descriptor is registered with the runtime's
/// reactor and deadlines use its timer.
#[derive(Debug)]
pub struct AsyncLinuxClient {
    fd: AsyncFd<Device>,
    ids: MsgIds,
    timeout: Duration,
    target: Target,
    stats: Stats,
}

impl AsyncLinuxClient {
    /// Opens interface 0: `/dev/ipmi0`, else `/dev/ipmi/0`, else `/dev/ipmidev/0`.
    pub fn open() -> Result<AsyncLinuxClient, Error> {
        Self::open_number(0)
    }

    /// Opens interface `n` (`/dev/ipmiN`, `/dev/ipmi/N`, `/dev/ipmidev/N`).
    pub fn open_number(n: u32) -> Result<AsyncLinuxClient, Error> {
        Self::from_device(Device::open_number(n)?)
    }

    /// Opens the device file at `path`.
    pub fn open_path(path: impl AsRef<Path>) -> Result<AsyncLinuxClient, Error> {
        Self::from_device(Device::open_path(path)?)
    }

    /// Registers an already open device with the current runtime's reactor.
    pub fn from_device(device: Device) -> Result<AsyncLinuxClient, Error> {
        let path = device.path().to_path_buf();
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::Io {
                path,
                op: "register with the tokio reactor",
                source: std::io::Error::other("not called from inside a tokio runtime"),
            });
        }
        let fd = register_readable(device).map_err(|source| Error::Io {
            path,
            op: "register with the tokio reactor",
            source,
        })?;
        Ok(AsyncLinuxClient {
            fd,
            ids: MsgIds::default(),
            timeout: DEFAULT_TIMEOUT,
            target: Target::bmc(),
            stats: Stats::default(),
        })
    }

    /// Sets the time budget of operations run without an explicit deadline.
    pub fn with_timeout(mut self, timeout: Duration) -> AsyncLinuxClient {
        self.timeout = timeout;
        self
    }

    /// Sets the target of typed commands (the BMC, or a bridged controller, IPMI 2.0 §6.12).
    pub fn with_target(mut self, target: Target) -> AsyncLinuxClient {
        self.target = target;
        self
    }

    /// The time budget of operations run without an explicit deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The device file in use.
    pub fn path(&self) -> &Path {
        self.fd.get_ref().path()
    }

    /// What this client has sent, received and dropped so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    async fn exchange_inner(
        &mut self,
        request: &Request,
        deadline: Deadline,
    ) -> Result<Response, Error> {
        let mut ex = Exchange::new(request, deadline, self.ids.next_id())?;
        let result = self.drive(&mut ex, request).await;
        self.stats += ex.stats();
        result
    }

    async fn drive(&mut self, ex: &mut Exchange, request: &Request) -> Result<Response, Error> {
        loop {
            match ex.poll(Instant::now()) {
                // The send ioctl only queues the request in the kernel: it does not wait for the BMC.
                Step::Send { msgid, timing } => self.fd.get_ref().send(request, msgid, timing)?,
                Step::Receive => ex.received(self.fd.get_ref().receive()?),
                // Readiness is cleared before the next drain, so a message
                // queued after it re-arms the edge-triggered registration.
                Step::Wait(until) => {
                    match tokio::time::timeout_at(until.into(), self.fd.readable()).await {
                        // The deadline: the exchange drains once more, then times out.
                        Err(_elapsed) => {}
                        Ok(Ok(mut guard)) => guard.clear_ready(),
                        Ok(Err(source)) => {
                            return Err(Error::Io {
                                path: self.path().to_path_buf(),
                                op: "wait for readiness",
                                source,
                            })
                        }
                    }
                }
                Step::Done(result) => return result.map_err(|f| f.into_error(ex.request())),
            }
        }
    }
}

impl AsyncTransport for AsyncLinuxClient {
    type Error = Error;

    fn exchange(
        &mut self,
        request: &Request,
        deadline: Deadline,
    ) -> impl std::future::Future<Output = Result<Response, Error>> + Send {
        self.exchange_inner(request, deadline)
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}
