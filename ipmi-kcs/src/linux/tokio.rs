//! The tokio client: the same exchange as [`LinuxClient`](super::LinuxClient),
//! readiness-based on the device descriptor through
//! [`AsyncFd`] (epoll), with no thread per request.

use std::path::Path;
use std::time::{Duration, Instant};

use ipmi_core::{AsyncTransport, Deadline, Request, Response, Target};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::codec::{check_request, kernel_timing, MsgIds};
use super::error::{Error, RequestInfo};
use super::sys::Device;
use super::{drain, Stats, DEFAULT_TIMEOUT};

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
        // SAFETY: `Device` owns its `File` privately and never closes or
        // replaces it, so `as_raw_fd()` returns the same open descriptor for
        // as long as the `AsyncFd` owns the `Device`.
        #[allow(unsafe_code)]
        let registered = unsafe { AsyncFd::register_with_interest(device, Interest::READABLE) };
        let fd = registered.map_err(|e| Error::Io {
            path,
            op: "register with the tokio reactor",
            source: e.into_parts().1,
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
        // The send ioctl only queues the request in the kernel: it does not wait for the BMC.
        self.fd
            .get_ref()
            .send(request, msgid, kernel_timing(deadline.remaining(start)))?;
        self.stats.sent += 1;
        loop {
            // Drain everything queued. Readiness was cleared before this
            // drain (below), so a message queued after it re-arms the
            // edge-triggered registration and `readable()` sees it.
            if let Some(response) = drain(self.fd.get_ref(), msgid, request, &mut self.stats)? {
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
            let ready =
                tokio::time::timeout_at(deadline.instant().into(), self.fd.readable()).await;
            match ready {
                // The deadline: drain once more, then report the timeout.
                Err(_elapsed) => continue,
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
