//! One `/dev/ipmi0` request/response exchange as a sans-IO state machine,
//! the same shape as the KCS transfer ([`crate::kcs::KcsTransfer`]).
//!
//! [`Exchange`] never makes a system call or reads the clock. The driver
//! asks it what to do with [`Exchange::poll`], handing it `now`; it answers
//! with a [`Step`]: queue the request with the send ioctl, take one message
//! off the descriptor's queue with the receive ioctl (fed back with
//! [`Exchange::received`]), wait until the descriptor is readable or an
//! instant, or done. A send counts as performed when `poll` is next called.
//!
//! The deadline is enforced here: the kernel's own retries are derived
//! from the time left ([`kernel_timing`]), and once the queue is empty at
//! the deadline the exchange ends with [`Error::Timeout`]. Each exchange
//! has its own msgid; a late answer to an earlier one is dropped
//! ([`classify`]), never returned.

use std::time::{Duration, Instant};

use ipmi_core::{Deadline, Request, Response};

use super::codec::{check_request, classify, kernel_timing, Disposition, KernelTiming, Received};
use super::error::{Error, RequestInfo};
use super::Stats;

/// What the driver must do next for an [`Exchange`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Queue the request under `msgid` with `IPMICTL_SEND_COMMAND_SETTIME`
    /// and these kernel retry settings, then poll again.
    Send {
        /// The exchange's message id.
        msgid: i64,
        /// Retries and per-try time for the kernel.
        timing: KernelTiming,
    },
    /// Take one message with `IPMICTL_RECEIVE_MSG_TRUNC` and feed it (or
    /// `None`: the queue is empty) to [`Exchange::received`].
    Receive,
    /// Wait until the descriptor is readable or this instant, then poll again.
    Wait(Instant),
    /// The exchange is over.
    Done(Result<Response, Finished>),
}

/// How an exchange ended without an answer (turned into an [`Error`] by
/// [`Finished::into_error`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    /// The deadline passed with no answer, after waiting this long.
    Timeout(Duration),
    /// The answer came but is unusable, for this reason.
    Malformed(String),
}

impl Finished {
    /// The transport error for `request`.
    pub fn into_error(self, request: RequestInfo) -> Error {
        match self {
            Finished::Timeout(waited) => Error::Timeout { request, waited },
            Finished::Malformed(reason) => Error::MalformedReply { request, reason },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Start,
    Sending,
    Receiving,
    /// The queue was found empty: wait, or time out.
    Empty,
    Waiting,
    Done(Result<Response, Finished>),
}

/// One request/response exchange on the device, driven by the caller.
#[derive(Clone, Debug)]
pub struct Exchange {
    request: RequestInfo,
    deadline: Deadline,
    msgid: i64,
    start: Option<Instant>,
    state: State,
    stats: Stats,
}

impl Exchange {
    /// An exchange of `request` under `msgid`, ending by `deadline`; refused
    /// at once (before any system call) when the driver would refuse it.
    pub fn new(request: &Request, deadline: Deadline, msgid: i64) -> Result<Exchange, Error> {
        check_request(request)?;
        Ok(Exchange {
            request: RequestInfo::of(request),
            deadline,
            msgid,
            start: None,
            state: State::Start,
            stats: Stats::default(),
        })
    }

    /// What this exchange sent, received, dropped and timed out.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The request it is about (for errors).
    pub fn request(&self) -> RequestInfo {
        self.request
    }

    /// What to do next at `now`.
    pub fn poll(&mut self, now: Instant) -> Step {
        let start = *self.start.get_or_insert(now);
        match &self.state {
            State::Start => {
                if self.deadline.is_expired(now) {
                    return self.finish(Err(Finished::Timeout(Duration::ZERO)));
                }
                self.state = State::Sending;
                Step::Send {
                    msgid: self.msgid,
                    timing: kernel_timing(self.deadline.remaining(now)),
                }
            }
            State::Sending => {
                self.stats.sent += 1;
                self.state = State::Receiving;
                Step::Receive
            }
            State::Receiving => Step::Receive,
            State::Empty => {
                if self.deadline.is_expired(now) {
                    return self.finish(Err(Finished::Timeout(now.duration_since(start))));
                }
                self.state = State::Waiting;
                Step::Wait(self.deadline.instant())
            }
            State::Waiting => {
                // Woken (readable, or the deadline): drain once more.
                self.state = State::Receiving;
                Step::Receive
            }
            State::Done(result) => Step::Done(result.clone()),
        }
    }

    /// Feeds what the receive ioctl returned (`None`: the queue was empty).
    pub fn received(&mut self, message: Option<Received>) {
        if self.state != State::Receiving {
            return;
        }
        let Some(msg) = message else {
            self.state = State::Empty;
            return;
        };
        match classify(self.msgid, &msg) {
            Disposition::Answer(response) => {
                self.stats.answered += 1;
                self.state = State::Done(Ok(response));
            }
            Disposition::Stale { .. } => self.stats.stale += 1,
            Disposition::Unsolicited { .. } => self.stats.unsolicited += 1,
            Disposition::Malformed(reason) => {
                self.state = State::Done(Err(Finished::Malformed(reason)))
            }
        }
    }

    fn finish(&mut self, result: Result<Response, Finished>) -> Step {
        if matches!(result, Err(Finished::Timeout(_))) {
            self.stats.timeouts += 1;
        }
        self.state = State::Done(result.clone());
        Step::Done(result)
    }
}

#[cfg(test)]
mod tests;
