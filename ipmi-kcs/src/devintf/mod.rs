//! In-band IPMI through the Linux IPMI driver's character device
//! `/dev/ipmi0` (`ipmi_devintf`; kernel ABI in uapi `linux/ipmi.h`,
//! `drivers/char/ipmi/ipmi_devintf.c`; IPMI 2.0 §5 messages).
//!
//! One exchange is the sans-IO [`Exchange`] (it says what to do: send,
//! receive, wait; it is fed the messages and `now`); [`LinuxClient`]
//! drives it with blocking calls and poll(2), `AsyncLinuxClient` (feature
//! `tokio`) with the tokio reactor.
//!
//! Every exchange carries a deadline enforced here, in the process: the
//! request is queued with `IPMICTL_SEND_COMMAND_SETTIME` (retries derived
//! from the time left, see [`codec::kernel_timing`]), the answer is awaited
//! with poll(2) (or epoll through tokio) bounded by the deadline and taken
//! with `IPMICTL_RECEIVE_MSG_TRUNC`. Each request has its own msgid; a late
//! answer to a request that already timed out is recognized by its msgid
//! and dropped, never returned as the answer to a later request.
//!
//! The kernel does not bound requests to the BMC itself: the message
//! handler neither times nor retries system-interface requests, and the
//! KCS driver waits about 5 s per step and restarts up to ten times before
//! giving up, so without a deadline of its own a caller can block for a
//! long time on a wedged BMC.
//!
//! ```no_run
//! # #[cfg(feature = "tokio")] mod demo {
//! use std::time::Duration;
//! use ipmi_core::{cmd::GetChassisStatus, AsyncTransport, Deadline, Target};
//! use ipmi_kcs::devintf::AsyncLinuxClient;
//!
//! # async fn demo() -> Result<(), ipmi_kcs::devintf::Error> {
//! // Inside a tokio runtime with IO and time enabled.
//! let mut bmc = AsyncLinuxClient::open()?.with_timeout(Duration::from_secs(3));
//! let status = bmc.execute(&GetChassisStatus).await?;
//! println!("power on: {}", status.power_on());
//! // A controller behind the BMC, bridged over IPMB channel 0 (IPMI 2.0 §6.12).
//! let mut sat = AsyncLinuxClient::open()?.with_target(Target::ipmb(0, 0x40));
//! let id = sat.execute_by(&ipmi_core::cmd::GetDeviceId, Deadline::from_now(Duration::from_secs(5))).await?;
//! println!("satellite device id {:#04x}", id.device_id);
//! # Ok(()) } }
//! ```

pub mod abi;
mod blocking;
pub mod codec;
pub mod error;
mod exchange;
mod sys;
#[cfg(feature = "tokio")]
mod tokio;

use std::ops::AddAssign;

pub use blocking::LinuxClient;
pub use error::{Error, RequestInfo};
pub use exchange::{Exchange, Finished, Step};
pub use sys::{device_candidates, Device};
#[cfg(feature = "tokio")]
pub use tokio::AsyncLinuxClient;

/// The time budget of an operation run without an explicit deadline (the
/// same as the LAN client's).
pub use ipmi_core::DEFAULT_TIMEOUT;

/// Counters of one client, for diagnostics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests handed to the kernel.
    pub sent: u64,
    /// Requests answered.
    pub answered: u64,
    /// Exchanges that ended at their deadline.
    pub timeouts: u64,
    /// Late answers to earlier requests, dropped.
    pub stale: u64,
    /// Events and other messages nobody asked for, dropped.
    pub unsolicited: u64,
}

impl AddAssign for Stats {
    /// Adds the counts of one exchange to a client's.
    fn add_assign(&mut self, o: Stats) {
        self.sent += o.sent;
        self.answered += o.answered;
        self.timeouts += o.timeouts;
        self.stale += o.stale;
        self.unsolicited += o.unsolicited;
    }
}
