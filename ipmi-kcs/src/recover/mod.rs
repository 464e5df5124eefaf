//! The incident's remedies, automated (`ipmirs recover`): from a
//! [`diagnose`](crate::diagnose) report, end stuck IPMI tool processes,
//! cold reset the BMC (IPMI 2.0 §20.2) in-band through `/dev/ipmi0`,
//! unload the kernel driver and reset over KCS (IPMI 2.0 §9), or out of
//! band; after each reset, probe Get Device ID (§20.1) until the BMC
//! answers or the reset budget ends.
//!
//! Every effect goes through a small trait ([`Signals`], [`Modules`],
//! [`Paths`] to the BMC, [`Clock`], [`Confirm`]), so that the steps run
//! against fake `/proc` and `/sys` trees in tests; [`system`] has the real
//! ones. Each step is reported to the caller as it ends ([`StepReport`]):
//! facts and one-line sentences; the CLI renders them.
//!
//! Truthful: a reset is reported as sent only when the request was
//! written, and as accepted only when the BMC answered it.

mod modules;
mod processes;
mod steps;
pub mod system;

use std::io;
use std::time::{Duration, Instant};

use crate::diagnose::{ProbeAnswer, ProbeFailure, Report, System, ToolProcess};

pub use modules::{device_holders, unload_order, Holder, UnloadError, DRIVER_MODULES};
pub use processes::parent_chain;
pub use steps::run;

/// What recover may do, and its budgets.
#[derive(Clone, Debug)]
pub struct Options {
    /// Plan only: report what each step would do, change nothing.
    pub dry_run: bool,
    /// Terminate the stuck IPMI tool processes (SIGTERM, then SIGKILL).
    pub kill_stuck: bool,
    /// Unload the kernel driver when it is the problem, then reset over KCS.
    pub unload_driver: bool,
    /// Between SIGTERM and SIGKILL (default 3 s).
    pub grace: Duration,
    /// Deadline of each request: the resets and each probe (default 2 s).
    pub request_timeout: Duration,
    /// How long each reset step probes for the BMC to answer again (default 60 s).
    pub reset_budget: Duration,
    /// Between two probes (default 1 s).
    pub probe_interval: Duration,
    /// Deadline of each module unload (default 10 s).
    pub unload_timeout: Duration,
    /// This process: it and its ancestors are never signalled.
    pub self_pid: u32,
    /// The out-of-band BMC (`-H`), when given; `None`: say what to run elsewhere.
    pub out_of_band: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            kill_stuck: false,
            unload_driver: false,
            grace: Duration::from_secs(3),
            request_timeout: Duration::from_secs(2),
            reset_budget: Duration::from_secs(60),
            probe_interval: Duration::from_secs(1),
            unload_timeout: Duration::from_secs(10),
            self_pid: std::process::id(),
            out_of_band: None,
        }
    }
}

/// The steps, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// 1: the triage.
    Diagnose,
    /// 2: the stuck IPMI tool processes.
    StuckProcesses,
    /// 3: Cold Reset through `/dev/ipmi0`.
    InBandReset,
    /// 3: Get Device ID through `/dev/ipmi0` until it answers.
    InBandProbe,
    /// 4: unload ipmi_devintf, ipmi_si, acpi_ipmi.
    UnloadDriver,
    /// 4: Cold Reset over the KCS ports.
    KcsReset,
    /// 4: Get Device ID over KCS until it answers.
    KcsProbe,
    /// 4: how to bring the driver back (or why not yet).
    DriverBack,
    /// 5: Cold Reset over RMCP+ (`-H`), or the command to run elsewhere.
    OutOfBandReset,
    /// 5: Get Device ID over RMCP+ until it answers.
    OutOfBandProbe,
    /// The end: does the BMC answer?
    Result,
}

impl Step {
    /// The step's name in reports: `diagnose`, `stuck-processes`, ...
    pub fn key(self) -> &'static str {
        match self {
            Step::Diagnose => "diagnose",
            Step::StuckProcesses => "stuck-processes",
            Step::InBandReset => "in-band-reset",
            Step::InBandProbe => "in-band-probe",
            Step::UnloadDriver => "unload-driver",
            Step::KcsReset => "kcs-reset",
            Step::KcsProbe => "kcs-probe",
            Step::DriverBack => "driver-back",
            Step::OutOfBandReset => "out-of-band-reset",
            Step::OutOfBandProbe => "out-of-band-probe",
            Step::Result => "result",
        }
    }
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// It did what it says (or, for a probe, the BMC answered).
    Done,
    /// Facts only, nothing changed (a list, a hint, a healthy verdict).
    Info,
    /// `--dry-run`: what it would do.
    Planned,
    /// Not run: not needed, not asked for (a flag), or not confirmed.
    Skipped,
    /// Not run: a precondition failed (not root, module in use, no KCS interface).
    Refused,
    /// Tried and failed (no answer before the deadline, ...).
    Failed,
}

impl Status {
    /// `done`, `info`, `planned`, `skipped`, `refused` or `failed`.
    pub fn key(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Info => "info",
            Status::Planned => "planned",
            Status::Skipped => "skipped",
            Status::Refused => "refused",
            Status::Failed => "failed",
        }
    }
}

/// What happened to one stuck process.
#[derive(Clone, Debug, PartialEq)]
pub enum ProcessFate {
    /// Listed, left alone (no `--kill-stuck`, not confirmed, or `--dry-run`).
    Listed,
    /// Ended after `signal` (`SIGTERM` or `SIGKILL`).
    Ended {
        /// The last signal sent.
        signal: &'static str,
    },
    /// Still there after SIGKILL (state letter: `D` waits in the kernel).
    Survived {
        /// Its state at the last look.
        state: char,
    },
    /// Gone before it was signalled.
    Gone,
    /// Left alone: the pid now belongs to another process (start time changed).
    Reused,
    /// Left alone: an ancestor of this process.
    OwnAncestor,
    /// The signal was refused (e.g. not ours and not root).
    SignalFailed {
        /// errno's text.
        error: String,
    },
}

/// One stuck process and its fate.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessOutcome {
    /// The process as diagnose saw it (command line redacted).
    pub process: ToolProcess,
    /// What happened to it.
    pub fate: ProcessFate,
}

/// One step's report, given to the caller as soon as the step ends.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// Which step.
    pub step: Step,
    /// How it ended.
    pub status: Status,
    /// One line: what was done or found, and when refused, the next step.
    pub summary: String,
    /// More lines (holders of the device, modules unloaded, commands to run).
    pub details: Vec<String>,
    /// The stuck processes ([`Step::StuckProcesses`] only).
    pub processes: Vec<ProcessOutcome>,
    /// The BMC's answer, for a probe that got one.
    pub answer: Option<ProbeAnswer>,
    /// Wall time of the step.
    pub elapsed: Duration,
}

/// What the whole run found.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The triage it started from.
    pub report: Report,
    /// Whether the BMC answered Get Device ID at the end, and how.
    pub answered: Option<ProbeAnswer>,
}

impl Outcome {
    /// The process exit code: 0 when the BMC answers at the end, 1 when not.
    pub fn exit_code(&self) -> i32 {
        if self.answered.is_some() {
            0
        } else {
            1
        }
    }
}

/// A signal recover sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: ask to end.
    Term,
    /// SIGKILL: end now.
    Kill,
}

impl Signal {
    /// `SIGTERM` or `SIGKILL`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "SIGTERM",
            Signal::Kill => "SIGKILL",
        }
    }
}

/// Sends signals to processes by pid.
pub trait Signals {
    /// kill(2) `pid` with `signal`.
    fn send(&mut self, pid: u32, signal: Signal) -> io::Result<()>;
}

/// Unloads kernel modules.
pub trait Modules {
    /// Unloads `name` without waiting for its users, within `timeout`.
    fn unload(&mut self, name: &str, timeout: Duration) -> Result<(), UnloadError>;
}

/// The three ways to the BMC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// The kernel driver's `/dev/ipmi0`.
    DeviceFile,
    /// The KCS ports, without the driver.
    Kcs,
    /// RMCP+ from this machine to the BMC's LAN address (`-H`).
    OutOfBand,
}

/// Why a Cold Reset did not go through, and whether it may have reached the BMC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetFailure {
    /// What failed.
    pub failure: ProbeFailure,
    /// False when it certainly was not sent (no session, the device
    /// refused the request); true when it may have reached the BMC (no
    /// answer before the deadline) or did (a completion code).
    pub maybe_sent: bool,
}

impl ResetFailure {
    /// A failure of an exchange: sent, or maybe sent, unless the request
    /// never left (a usage or I/O error before anything was written).
    pub fn of_exchange(failure: ProbeFailure) -> ResetFailure {
        let maybe_sent = matches!(
            failure.class,
            ipmi_core::ErrorClass::Timeout
                | ipmi_core::ErrorClass::Bmc
                | ipmi_core::ErrorClass::Protocol
        );
        ResetFailure {
            failure,
            maybe_sent,
        }
    }
}

/// One way to the BMC, open: Cold Reset and Get Device ID, each within a timeout.
pub trait Bmc {
    /// Cold Reset (IPMI 2.0 §20.2); `Ok` only when the BMC accepted it.
    fn cold_reset(&mut self, timeout: Duration) -> Result<(), ResetFailure>;
    /// Get Device ID (IPMI 2.0 §20.1).
    fn get_device_id(&mut self, timeout: Duration) -> Result<ProbeAnswer, ProbeFailure>;
}

/// Opens a way to the BMC.
pub trait Paths {
    /// Opens `path` (the device file, the KCS ports, an RMCP+ peer).
    fn open(&mut self, path: Path) -> Result<Box<dyn Bmc + '_>, ProbeFailure>;
}

/// Time, so that tests need not wait.
pub trait Clock {
    /// Now.
    fn now(&self) -> Instant;
    /// Waits `d`.
    fn sleep(&mut self, d: Duration);
}

/// The answer to "do it?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Go ahead.
    Yes,
    /// The user said no.
    No,
    /// Nobody to ask (not on a terminal, no `--yes`).
    NoTerminal,
}

/// Asks before each destructive step.
pub trait Confirm {
    /// Asks `question` (one line; yes or no).
    fn confirm(&mut self, question: &str) -> Confirmation;
}

/// Everything recover acts through.
pub struct Effects<'a> {
    /// Reads `/proc`, `/sys`, `/dev`.
    pub sys: &'a dyn System,
    /// Sends signals.
    pub signals: &'a mut dyn Signals,
    /// Unloads modules.
    pub modules: &'a mut dyn Modules,
    /// Opens ways to the BMC.
    pub paths: &'a mut dyn Paths,
    /// Time.
    pub clock: &'a mut dyn Clock,
    /// Asks.
    pub confirm: &'a mut dyn Confirm,
}
