//! A software model of the BMC side of a KCS interface (IPMI 2.0 §9.15,
//! the BMC's half of figures 9-6 to 9-8), with faults to inject, and a
//! driver that runs a [`KcsTransfer`] against it on a virtual clock.
//!
//! Test support: the codec's tests, the blocking client's tests and the
//! CLI's tests use it instead of real ports. Time is passed in by the
//! caller, so a BMC that "hangs for 5 s" costs no real time.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipmi_core::Response;

use super::codec::{Action, KcsTransfer, TransferStats};
use super::error::KcsError;
use super::ports::KcsPorts;
use super::status::{State, GET_STATUS_ABORT, READ, WRITE_END, WRITE_START};

/// Faults and timing of a [`KcsModel`]. Byte numbers count request bytes
/// from 1 (NetFn/LUN is byte 1), as the codec's errors do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// How long the BMC takes to take a byte the host wrote (IBF set meanwhile).
    pub ibf_latency: Duration,
    /// How long the BMC works on a request before the first response byte.
    pub response_latency: Duration,
    /// The BMC never takes request byte N: IBF stays set after it.
    pub freeze_at_byte: Option<usize>,
    /// The BMC never takes the WRITE_START control code.
    pub freeze_at_start: bool,
    /// The BMC never produces a response: OBF is never set in the read phase.
    pub never_respond: bool,
    /// After request byte N the BMC enters ERROR state with this interface
    /// status code (e.g. 0x06, length error).
    pub error_at_byte: Option<(usize, u8)>,
    /// How many transfers `error_at_byte` hits (0 = every one).
    pub error_times: u32,
    /// After request byte N the BMC drops to IDLE in the middle of the write.
    pub idle_at_byte: Option<usize>,
    /// The BMC takes the last request byte but never leaves WRITE state.
    pub stay_in_write: bool,
    /// The BMC never sends the dummy byte that ends the read phase.
    pub no_dummy: bool,
    /// The BMC stays in ERROR state after GET_STATUS/ABORT (the error exit fails).
    pub abort_fails: bool,
    /// A stale byte sits in Data_Out (OBF set) before the first transfer.
    pub stale_obf: bool,
}

/// Answers a request (KCS bytes) with a response (KCS bytes).
pub type Responder = Box<dyn FnMut(&[u8]) -> Vec<u8> + Send>;

/// The answers of QEMU's `ipmi-bmc-sim`, as seen through `/dev/ipmi0`
/// (TESTBED.md): Get Device ID (device id 0x20, IPMI 2.0, manufacturer 0),
/// Get Chassis Status (power on), Cold Reset; 0xC1 for anything else.
pub fn qemu_like_responder(request: &[u8]) -> Vec<u8> {
    let netfn = request.first().map_or(0, |b| b >> 2);
    let cmd = request.get(1).copied().unwrap_or(0);
    let head = [(netfn | 1) << 2, cmd];
    let body: &[u8] = match (netfn, cmd) {
        (0x06, 0x01) => &[
            0x00, 0x20, 0x00, 0x00, 0x00, 0x02, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
        ],
        (0x06, 0x02) => &[0x00],
        (0x00, 0x01) => &[0x00, 0x61, 0x00, 0x00],
        _ => &[0xc1],
    };
    head.iter().chain(body).copied().collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reg {
    Command,
    Data,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Abort {
    None,
    AwaitZero,
    AwaitRead,
}

/// The BMC side of a KCS interface: the four registers and the BMC's
/// handshake, driven by the host's port accesses at caller-given instants.
pub struct KcsModel {
    /// The faults in force; may be changed between transfers.
    pub faults: Faults,
    state: State,
    ibf: bool,
    obf: bool,
    cd: bool,
    data_out: u8,
    pending: Option<(Reg, u8)>,
    pending_frozen: bool,
    hung: bool,
    take_at: Option<Instant>,
    request: Vec<u8>,
    write_bytes: usize,
    last_next: bool,
    response: VecDeque<u8>,
    response_at: Option<Instant>,
    abort: Abort,
    error_code: u8,
    error_hits: u32,
    responder: Responder,
    /// WRITE_START control codes taken (transfers begun).
    pub transfers: u32,
    /// GET_STATUS/ABORT control codes taken (error exits).
    pub aborts: u32,
    /// Requests received completely, in order.
    pub requests: Vec<Vec<u8>>,
    /// Host port accesses seen (status reads included).
    pub accesses: u64,
}

impl fmt::Debug for KcsModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KcsModel")
            .field("state", &self.state)
            .field("ibf", &self.ibf)
            .field("obf", &self.obf)
            .field("transfers", &self.transfers)
            .field("aborts", &self.aborts)
            .finish_non_exhaustive()
    }
}

impl KcsModel {
    /// A healthy BMC answering like QEMU's `ipmi-bmc-sim` ([`qemu_like_responder`]).
    pub fn new() -> KcsModel {
        Self::with_responder(Box::new(qemu_like_responder))
    }

    /// A BMC with these faults answering like QEMU's `ipmi-bmc-sim`.
    pub fn with_faults(faults: Faults) -> KcsModel {
        let mut m = Self::new();
        m.obf = faults.stale_obf;
        m.data_out = if faults.stale_obf { 0xaa } else { 0 };
        m.faults = faults;
        m
    }

    /// A healthy BMC answering with `responder`.
    pub fn with_responder(responder: Responder) -> KcsModel {
        KcsModel {
            faults: Faults::default(),
            state: State::Idle,
            ibf: false,
            obf: false,
            cd: false,
            data_out: 0,
            pending: None,
            pending_frozen: false,
            hung: false,
            take_at: None,
            request: Vec::new(),
            write_bytes: 0,
            last_next: false,
            response: VecDeque::new(),
            response_at: None,
            abort: Abort::None,
            error_code: 0,
            error_hits: 0,
            responder,
            transfers: 0,
            aborts: 0,
            requests: Vec::new(),
            accesses: 0,
        }
    }

    /// The status register at `now` (IPMI 2.0 §9.7).
    pub fn read_status(&mut self, now: Instant) -> u8 {
        self.tick(now);
        let state = match self.state {
            State::Idle => 0u8,
            State::Read => 1,
            State::Write => 2,
            State::Error => 3,
        };
        state << 6 | u8::from(self.cd) << 3 | u8::from(self.ibf) << 1 | u8::from(self.obf)
    }

    /// Data_Out at `now`; clears OBF.
    pub fn read_data(&mut self, now: Instant) -> u8 {
        self.tick(now);
        self.obf = false;
        self.data_out
    }

    /// The host writes the command register at `now`.
    pub fn write_command(&mut self, value: u8, now: Instant) {
        self.tick(now);
        self.cd = true;
        let frozen = value == WRITE_START && self.faults.freeze_at_start;
        self.put(Reg::Command, value, frozen, now);
    }

    /// The host writes Data_In at `now`.
    pub fn write_data(&mut self, value: u8, now: Instant) {
        self.tick(now);
        self.cd = false;
        let mut frozen = false;
        if self.abort == Abort::None && self.state == State::Write {
            self.write_bytes += 1;
            frozen = self.faults.freeze_at_byte == Some(self.write_bytes);
        }
        self.put(Reg::Data, value, frozen, now);
    }

    fn put(&mut self, reg: Reg, value: u8, frozen: bool, now: Instant) {
        // Once hung, the BMC takes nothing any more.
        self.hung |= frozen;
        self.pending = Some((reg, value));
        self.pending_frozen = self.hung;
        self.ibf = true;
        self.take_at = Some(now + self.faults.ibf_latency);
    }

    /// Lets the BMC run up to `now`: take the pending byte, produce the response.
    fn tick(&mut self, now: Instant) {
        self.accesses += 1;
        if let (Some((reg, value)), Some(at)) = (self.pending, self.take_at) {
            if !self.pending_frozen && now >= at {
                self.pending = None;
                self.take_at = None;
                self.ibf = false;
                match reg {
                    Reg::Command => self.command(value, now),
                    Reg::Data => self.data(value, now),
                }
            }
        }
        if let Some(at) = self.response_at {
            if now >= at && !self.obf {
                self.response_at = None;
                self.next_response_byte();
            }
        }
    }

    fn error(&mut self, code: u8) {
        self.state = State::Error;
        self.error_code = code;
        self.response.clear();
        self.response_at = None;
    }

    fn command(&mut self, value: u8, _now: Instant) {
        match value {
            WRITE_START => {
                self.transfers += 1;
                self.state = State::Write;
                self.request.clear();
                self.write_bytes = 0;
                self.last_next = false;
                self.response.clear();
                self.response_at = None;
                self.abort = Abort::None;
                self.error_code = 0;
            }
            WRITE_END if self.state == State::Write => self.last_next = true,
            GET_STATUS_ABORT => {
                self.aborts += 1;
                self.response.clear();
                self.response_at = None;
                if self.faults.abort_fails {
                    self.state = State::Error;
                } else {
                    self.state = State::Write;
                    self.abort = Abort::AwaitZero;
                    if self.error_code == 0 {
                        self.error_code = 0x01;
                    }
                }
            }
            _ => self.error(0x02),
        }
    }

    fn data(&mut self, value: u8, now: Instant) {
        match self.abort {
            Abort::AwaitZero => {
                self.state = State::Read;
                self.data_out = self.error_code;
                self.obf = true;
                self.abort = Abort::AwaitRead;
                return;
            }
            Abort::AwaitRead => {
                self.abort = Abort::None;
                if value == READ {
                    self.state = State::Idle;
                    self.error_code = 0;
                    if !self.faults.no_dummy {
                        self.data_out = 0;
                        self.obf = true;
                    }
                } else {
                    self.error(0x02);
                }
                return;
            }
            Abort::None => {}
        }
        match self.state {
            State::Write => {
                self.request.push(value);
                let n = self.write_bytes;
                if let Some((at, code)) = self.faults.error_at_byte {
                    let hits_left =
                        self.faults.error_times == 0 || self.error_hits < self.faults.error_times;
                    if at == n && hits_left {
                        self.error_hits += 1;
                        return self.error(code);
                    }
                }
                if self.faults.idle_at_byte == Some(n) {
                    self.state = State::Idle;
                    return;
                }
                if self.last_next && self.faults.stay_in_write {
                    self.last_next = false;
                } else if self.last_next {
                    self.last_next = false;
                    self.state = State::Read;
                    self.requests.push(self.request.clone());
                    let response = (self.responder)(&self.request);
                    self.response = response.into();
                    if !self.faults.never_respond {
                        self.response_at = Some(now + self.faults.response_latency);
                    }
                }
            }
            State::Read if value == READ => {
                if self.response.is_empty() {
                    self.state = State::Idle;
                    if !self.faults.no_dummy {
                        self.data_out = 0;
                        self.obf = true;
                    }
                } else {
                    self.next_response_byte();
                }
            }
            _ => self.error(0x02),
        }
    }

    fn next_response_byte(&mut self) {
        if let Some(b) = self.response.pop_front() {
            self.data_out = b;
            self.obf = true;
        }
    }
}

impl Default for KcsModel {
    fn default() -> Self {
        Self::new()
    }
}

/// The outcome of [`drive_virtual`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Driven {
    /// What the transfer ended with.
    pub result: Result<Response, KcsError>,
    /// Virtual time from start to the end of the transfer.
    pub elapsed: Duration,
    /// Actions executed.
    pub actions: u64,
    /// The transfer's counters.
    pub stats: TransferStats,
}

/// Runs `transfer` against `model` on a virtual clock starting at `start`:
/// each port access costs `io_cost`, each `Wait` jumps the clock. `None`
/// if the transfer is not done after `max_actions` actions (a livelock).
pub fn drive_virtual(
    transfer: &mut KcsTransfer,
    model: &mut KcsModel,
    start: Instant,
    io_cost: Duration,
    max_actions: u64,
) -> Option<Driven> {
    let mut now = start;
    for actions in 0..max_actions {
        match transfer.poll(now) {
            Action::ReadStatus => {
                now += io_cost;
                let v = model.read_status(now);
                transfer.status(v, now);
            }
            Action::ReadData => {
                now += io_cost;
                let v = model.read_data(now);
                transfer.data(v, now);
            }
            Action::WriteCommand(v) => {
                now += io_cost;
                model.write_command(v, now);
            }
            Action::WriteData(v) => {
                now += io_cost;
                model.write_data(v, now);
            }
            Action::Wait(at) => now = now.max(at),
            Action::Done(result) => {
                return Some(Driven {
                    result,
                    elapsed: now - start,
                    actions,
                    stats: transfer.stats(),
                })
            }
        }
    }
    None
}

/// A [`KcsModel`] behind real ports, for the blocking client's tests: each
/// access is stamped with `Instant::now()`. Clones share the model.
#[derive(Clone, Debug)]
pub struct SharedModel(pub Arc<Mutex<KcsModel>>);

impl SharedModel {
    /// Wraps `model`.
    pub fn new(model: KcsModel) -> SharedModel {
        SharedModel(Arc::new(Mutex::new(model)))
    }

    fn with<T>(&self, f: impl FnOnce(&mut KcsModel) -> T) -> T {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

impl KcsPorts for SharedModel {
    fn read_status(&mut self) -> io::Result<u8> {
        Ok(self.with(|m| m.read_status(Instant::now())))
    }
    fn read_data(&mut self) -> io::Result<u8> {
        Ok(self.with(|m| m.read_data(Instant::now())))
    }
    fn write_command(&mut self, value: u8) -> io::Result<()> {
        self.with(|m| m.write_command(value, Instant::now()));
        Ok(())
    }
    fn write_data(&mut self, value: u8) -> io::Result<()> {
        self.with(|m| m.write_data(value, Instant::now()));
        Ok(())
    }
    fn describe(&self) -> String {
        "a software KCS model".into()
    }
}
