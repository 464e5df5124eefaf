//! The KCS transfer as a sans-IO state machine (IPMI 2.0 §9.15, figures
//! 9-6 write phase, 9-7 read phase, 9-8 error exit).
//!
//! [`KcsTransfer`] never touches a port or a clock. The driver asks it what
//! to do with [`KcsTransfer::poll`] and hands it `now`; it answers with an
//! [`Action`]: read the status register, read Data_Out, write the command or
//! data register, wait until an instant, or done. Register values read are
//! fed back with [`KcsTransfer::status`] and [`KcsTransfer::data`]. A write
//! counts as performed when `poll` is next called.
//!
//! Every wait (IBF clear, OBF set) is bounded by the request's [`Deadline`]
//! and by [`KcsConfig::wait_limit`]; a wait that runs out of its limit, a
//! BMC in an unexpected state or in ERROR state starts the error exit
//! (GET_STATUS/ABORT) and, after it, a retry of the whole transfer, at most
//! [`KcsConfig::max_error_exits`] times. A passed deadline ends the
//! transfer at once with [`KcsError::Timeout`] naming the step that waited.

use std::time::{Duration, Instant};

use ipmi_core::{Deadline, Request, Response};

use super::error::{KcsError, Phase, Problem, ProblemKind};
use super::message::{decode_response, encode_request, MAX_MESSAGE_LEN};
use super::status::{State, Status, GET_STATUS_ABORT, READ, WRITE_END, WRITE_START};

/// Tuning of one KCS transfer: wait limits, retries and the polling
/// back-off (IPMI 2.0 §9.15 leaves the timing to the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KcsConfig {
    /// Longest time one IBF/OBF wait may take before the error exit (Linux: 5 s).
    pub wait_limit: Duration,
    /// Error exits (each followed by a retry of the transfer) before giving up.
    pub max_error_exits: u32,
    /// Status polls of a wait answered at once, before sleeping starts.
    pub spin_polls: u32,
    /// The first sleep between status polls; it doubles on each poll.
    pub first_sleep: Duration,
    /// The longest sleep between status polls.
    pub max_sleep: Duration,
    /// How long to wait for the dummy byte that ends the read phase and the
    /// error exit; a BMC that never sends it is accepted (as Linux does).
    pub dummy_wait: Duration,
    /// Longest request, in bytes (NetFn/LUN, command, data).
    pub max_request_len: usize,
    /// Longest response, in bytes (NetFn/LUN, command, completion code, data).
    pub max_response_len: usize,
}

impl Default for KcsConfig {
    /// 5 s per wait, 3 error exits, 16 immediate polls then sleeps from
    /// 10 µs doubling up to 1 ms, 2 ms for the dummy byte, 272-byte messages.
    fn default() -> Self {
        KcsConfig {
            wait_limit: Duration::from_secs(5),
            max_error_exits: 3,
            spin_polls: 16,
            first_sleep: Duration::from_micros(10),
            max_sleep: Duration::from_millis(1),
            dummy_wait: Duration::from_millis(2),
            max_request_len: MAX_MESSAGE_LEN,
            max_response_len: MAX_MESSAGE_LEN,
        }
    }
}

/// What the driver must do next for a [`KcsTransfer`] (IPMI 2.0 §9.15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read the status register and feed it to [`KcsTransfer::status`].
    ReadStatus,
    /// Read Data_Out and feed it to [`KcsTransfer::data`].
    ReadData,
    /// Write this byte to the command register.
    WriteCommand(u8),
    /// Write this byte to the Data_In register.
    WriteData(u8),
    /// Nothing to do before this instant: sleep, then poll again.
    Wait(Instant),
    /// The transfer is over.
    Done(Result<Response, KcsError>),
}

/// Counters of one transfer, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferStats {
    /// Status register reads fed.
    pub status_reads: u64,
    /// Data_Out reads fed.
    pub data_reads: u64,
    /// Register writes handed out.
    pub writes: u64,
    /// `Wait` actions handed out (sleeps of the driver).
    pub waits: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    WaitIdle,
    AfterStart,
    AfterByte(usize),
    AfterEnd,
    ReadIbf,
    ReadObf,
    Dummy,
    AbortClearObf,
    AfterAbort,
    AbortAfterZero,
    AbortObf,
    AbortAfterRead,
    AbortDummy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reg {
    Command,
    Data,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// Clear OBF, then do this write.
    DiscardThen(Reg, u8, Stage),
    /// Error exit: discard and look at the status again.
    DiscardAgain,
    Response,
    Dummy,
    InterfaceStatus,
    AbortDummy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Next {
    Status,
    Data(Use),
    Write(Reg, u8, Stage),
    Sleep(Instant),
    Done(Result<Response, KcsError>),
}

/// One KCS request/response transfer, driven by the caller (IPMI 2.0 §9.15).
#[derive(Clone, Debug)]
pub struct KcsTransfer {
    request: Request,
    bytes: Vec<u8>,
    config: KcsConfig,
    deadline: Deadline,
    started: Instant,
    stage: Stage,
    next: Next,
    wait_since: Instant,
    polls: u32,
    last_status: Status,
    checked_presence: bool,
    response: Vec<u8>,
    error_exits: u32,
    attempts: u32,
    first: Option<Problem>,
    interface_status: Option<u8>,
    stats: TransferStats,
}

impl KcsTransfer {
    /// Starts a transfer of `request` that must end by `deadline`; fails at
    /// once for requests KCS cannot carry (bridged, response NetFn, too long).
    pub fn new(
        request: &Request,
        deadline: Deadline,
        config: KcsConfig,
        now: Instant,
    ) -> Result<KcsTransfer, KcsError> {
        let bytes = encode_request(request, config.max_request_len)?;
        Ok(KcsTransfer {
            request: request.clone(),
            bytes,
            config,
            deadline,
            started: now,
            stage: Stage::WaitIdle,
            next: Next::Status,
            wait_since: now,
            polls: 0,
            last_status: Status(0),
            checked_presence: false,
            response: Vec::new(),
            error_exits: 0,
            attempts: 1,
            first: None,
            interface_status: None,
            stats: TransferStats::default(),
        })
    }

    /// The request's bytes as they go over KCS (IPMI 2.0 §9.2).
    pub fn request_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Error exits run so far (IPMI 2.0 §9.15).
    pub fn error_exits(&self) -> u32 {
        self.error_exits
    }

    /// Transfers started so far: 1 plus the retries after error exits.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Counters of the transfer so far.
    pub fn stats(&self) -> TransferStats {
        self.stats
    }

    /// True once [`poll`](Self::poll) returns [`Action::Done`].
    pub fn is_done(&self) -> bool {
        matches!(self.next, Next::Done(_))
    }

    /// What to do next at `now`. A returned write counts as performed when
    /// `poll` is next called; a read must be fed back before that.
    pub fn poll(&mut self, now: Instant) -> Action {
        match self.next {
            Next::Status => Action::ReadStatus,
            Next::Data(_) => Action::ReadData,
            Next::Write(reg, value, then) => {
                self.enter(then, now);
                self.next = Next::Status;
                self.stats.writes += 1;
                match reg {
                    Reg::Command => Action::WriteCommand(value),
                    Reg::Data => Action::WriteData(value),
                }
            }
            Next::Sleep(at) if now >= at => {
                self.next = Next::Status;
                Action::ReadStatus
            }
            Next::Sleep(at) => {
                self.stats.waits += 1;
                Action::Wait(at)
            }
            Next::Done(ref result) => Action::Done(result.clone()),
        }
    }

    /// Feeds the status register value read for [`Action::ReadStatus`].
    /// Ignored when no status read is pending.
    pub fn status(&mut self, value: u8, now: Instant) {
        if self.next != Next::Status {
            return;
        }
        self.stats.status_reads += 1;
        let s = Status(value);
        self.last_status = s;
        if !self.checked_presence {
            self.checked_presence = true;
            if value == 0xff {
                return self.finish(Err(KcsError::NoInterface));
            }
        }
        self.evaluate(s, now);
    }

    /// Feeds the Data_Out value read for [`Action::ReadData`]. Ignored when
    /// no data read is pending.
    pub fn data(&mut self, value: u8, now: Instant) {
        let Next::Data(usage) = self.next else {
            return;
        };
        self.stats.data_reads += 1;
        match usage {
            Use::DiscardThen(reg, v, then) => self.next = Next::Write(reg, v, then),
            Use::DiscardAgain => self.schedule(now, self.wait_end()),
            Use::Response => {
                self.response.push(value);
                self.next = Next::Write(Reg::Data, READ, Stage::ReadIbf);
            }
            Use::Dummy => self.complete(),
            Use::InterfaceStatus => {
                self.interface_status = Some(value);
                self.next = Next::Write(Reg::Data, READ, Stage::AbortAfterRead);
            }
            Use::AbortDummy => self.restart(now),
        }
    }

    fn evaluate(&mut self, s: Status, now: Instant) {
        match self.stage {
            Stage::WaitIdle
            | Stage::AfterStart
            | Stage::AfterByte(_)
            | Stage::AfterEnd
            | Stage::AfterAbort => {
                if s.ibf() {
                    return self.stall(ProblemKind::IbfStuck, now);
                }
                let expected = match self.stage {
                    Stage::WaitIdle => Some(State::Idle),
                    Stage::AfterAbort => None,
                    _ => Some(State::Write),
                };
                if let Some(expected) = expected {
                    if s.state() != expected {
                        return self.problem(ProblemKind::UnexpectedState { expected }, now);
                    }
                }
                let (reg, value, then) = self.write_after();
                self.next = if s.obf() {
                    Next::Data(Use::DiscardThen(reg, value, then))
                } else {
                    Next::Write(reg, value, then)
                };
            }
            Stage::ReadIbf => {
                if s.ibf() {
                    return self.stall(ProblemKind::IbfStuck, now);
                }
                match s.state() {
                    State::Read => {
                        self.enter(Stage::ReadObf, now);
                        self.evaluate(s, now)
                    }
                    State::Idle => {
                        self.enter(Stage::Dummy, now);
                        self.evaluate(s, now)
                    }
                    _ => self.problem(
                        ProblemKind::UnexpectedState {
                            expected: State::Read,
                        },
                        now,
                    ),
                }
            }
            Stage::ReadObf => {
                if s.state() != State::Read {
                    self.problem(
                        ProblemKind::UnexpectedState {
                            expected: State::Read,
                        },
                        now,
                    )
                } else if !s.obf() {
                    self.stall(ProblemKind::ObfNeverSet, now)
                } else if self.response.len() >= self.config.max_response_len {
                    self.problem(
                        ProblemKind::ResponseTooLong {
                            max: self.config.max_response_len,
                        },
                        now,
                    )
                } else {
                    self.next = Next::Data(Use::Response);
                }
            }
            Stage::Dummy | Stage::AbortDummy => {
                let usage = if self.stage == Stage::Dummy {
                    Use::Dummy
                } else {
                    Use::AbortDummy
                };
                let end = (self.wait_since + self.config.dummy_wait).min(self.deadline.instant());
                if s.obf() {
                    self.next = Next::Data(usage);
                } else if now >= end {
                    // No dummy byte: accepted, as the Linux driver does.
                    match usage {
                        Use::Dummy => self.complete(),
                        _ => self.restart(now),
                    }
                } else {
                    self.schedule(now, end);
                }
            }
            Stage::AbortClearObf => {
                if !s.obf() {
                    self.next = Next::Write(Reg::Command, GET_STATUS_ABORT, Stage::AfterAbort);
                } else if self.deadline.is_expired(now) {
                    self.timeout(ProblemKind::ObfStuck, now);
                } else if now.saturating_duration_since(self.wait_since) >= self.config.wait_limit {
                    self.problem(ProblemKind::ObfStuck, now);
                } else {
                    self.next = Next::Data(Use::DiscardAgain);
                }
            }
            Stage::AbortAfterZero => {
                if s.ibf() {
                    self.stall(ProblemKind::IbfStuck, now)
                } else if s.state() != State::Read {
                    self.problem(
                        ProblemKind::UnexpectedState {
                            expected: State::Read,
                        },
                        now,
                    )
                } else {
                    self.enter(Stage::AbortObf, now);
                    self.evaluate(s, now)
                }
            }
            Stage::AbortObf => {
                if s.state() != State::Read {
                    self.problem(
                        ProblemKind::UnexpectedState {
                            expected: State::Read,
                        },
                        now,
                    )
                } else if !s.obf() {
                    self.stall(ProblemKind::ObfNeverSet, now)
                } else {
                    self.next = Next::Data(Use::InterfaceStatus);
                }
            }
            Stage::AbortAfterRead => {
                if s.ibf() {
                    self.stall(ProblemKind::IbfStuck, now)
                } else if s.state() != State::Idle {
                    self.problem(
                        ProblemKind::UnexpectedState {
                            expected: State::Idle,
                        },
                        now,
                    )
                } else {
                    self.enter(Stage::AbortDummy, now);
                    self.evaluate(s, now)
                }
            }
        }
    }

    /// The write that follows a satisfied IBF wait in the write phase and
    /// after GET_STATUS/ABORT, and the stage after it.
    fn write_after(&self) -> (Reg, u8, Stage) {
        let n = self.bytes.len();
        let byte = |i: usize| self.bytes.get(i).copied().unwrap_or(0);
        match self.stage {
            Stage::WaitIdle => (Reg::Command, WRITE_START, Stage::AfterStart),
            Stage::AfterStart => (Reg::Data, byte(0), Stage::AfterByte(0)),
            Stage::AfterByte(i) if i + 2 < n => (Reg::Data, byte(i + 1), Stage::AfterByte(i + 1)),
            Stage::AfterByte(_) => (Reg::Command, WRITE_END, Stage::AfterEnd),
            Stage::AfterEnd => (Reg::Data, byte(n - 1), Stage::ReadIbf),
            // After GET_STATUS/ABORT: ask for the status byte.
            _ => (Reg::Data, 0x00, Stage::AbortAfterZero),
        }
    }

    fn phase(&self) -> Phase {
        let n = self.bytes.len();
        match self.stage {
            Stage::WaitIdle => Phase::BeforeWriteStart,
            Stage::AfterStart => Phase::AfterWriteStart,
            Stage::AfterByte(i) => Phase::AfterByte { byte: i + 1, of: n },
            Stage::AfterEnd => Phase::AfterWriteEnd,
            Stage::ReadIbf if self.response.is_empty() => Phase::AfterByte { byte: n, of: n },
            Stage::ReadIbf | Stage::ReadObf | Stage::Dummy => Phase::Response {
                byte: self.response.len() + 1,
            },
            Stage::AbortClearObf => Phase::AbortClearObf,
            Stage::AfterAbort => Phase::AfterAbort,
            Stage::AbortAfterZero => Phase::AbortStatusRequest,
            Stage::AbortObf => Phase::AbortStatusByte,
            Stage::AbortAfterRead | Stage::AbortDummy => Phase::AbortIdle,
        }
    }

    fn enter(&mut self, stage: Stage, now: Instant) {
        self.stage = stage;
        self.wait_since = now;
        self.polls = 0;
    }

    fn wait_end(&self) -> Instant {
        (self.wait_since + self.config.wait_limit).min(self.deadline.instant())
    }

    /// The awaited condition does not hold yet.
    fn stall(&mut self, kind: ProblemKind, now: Instant) {
        if self.deadline.is_expired(now) {
            return self.timeout(kind, now);
        }
        if now.saturating_duration_since(self.wait_since) >= self.config.wait_limit {
            return self.problem(kind, now);
        }
        self.schedule(now, self.wait_end());
    }

    /// Next status poll: at once for the first polls of a wait, then after
    /// a sleep doubling from `first_sleep` up to `max_sleep`, never past `end`.
    fn schedule(&mut self, now: Instant, end: Instant) {
        self.polls = self.polls.saturating_add(1);
        if self.polls <= self.config.spin_polls {
            self.next = Next::Status;
            return;
        }
        let doublings = (self.polls - self.config.spin_polls - 1).min(20);
        let sleep = self
            .config
            .first_sleep
            .saturating_mul(1u32 << doublings)
            .min(self.config.max_sleep);
        let at = now.checked_add(sleep).unwrap_or(end).min(end);
        self.next = if at <= now {
            Next::Status
        } else {
            Next::Sleep(at)
        };
    }

    fn problem_here(&self, kind: ProblemKind, now: Instant) -> Problem {
        Problem {
            phase: self.phase(),
            kind,
            status: self.last_status,
            waited: now.saturating_duration_since(self.wait_since),
        }
    }

    /// A step failed: run the error exit and retry, or give up.
    fn problem(&mut self, kind: ProblemKind, now: Instant) {
        let p = self.problem_here(kind, now);
        let first = *self.first.get_or_insert(p);
        if self.error_exits >= self.config.max_error_exits {
            return self.finish(Err(KcsError::Failed {
                first: Box::new(first),
                last: Box::new(p),
                error_exits: self.error_exits,
                interface_status: self.interface_status,
            }));
        }
        self.error_exits += 1;
        self.interface_status = None;
        self.enter(Stage::AbortClearObf, now);
        self.next = Next::Status;
    }

    fn timeout(&mut self, kind: ProblemKind, now: Instant) {
        let problem = self.problem_here(kind, now);
        self.finish(Err(KcsError::Timeout {
            problem: Box::new(problem),
            first: self.first.map(Box::new),
            error_exits: self.error_exits,
            elapsed: now.saturating_duration_since(self.started),
        }));
    }

    /// The error exit is over: start the transfer again.
    fn restart(&mut self, now: Instant) {
        self.response.clear();
        self.attempts += 1;
        self.enter(Stage::WaitIdle, now);
        self.next = Next::Status;
    }

    fn complete(&mut self) {
        let result = decode_response(&self.response, &self.request);
        self.finish(result);
    }

    fn finish(&mut self, result: Result<Response, KcsError>) {
        self.next = Next::Done(result);
    }
}
