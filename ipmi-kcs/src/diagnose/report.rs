//! The triage's findings as plain structs (no serde): what `ipmirs
//! diagnose` prints as text or JSON.

use std::time::Duration;

use ipmi_core::ErrorClass;

use super::kind::ProcessKind;
use crate::kcs::KcsAddress;

/// One IPMI kernel module, from `/proc/modules` (kernel `kernel/module/procfs.c`)
/// or, when built in, `/sys/module/NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Module name (`ipmi_si`).
    pub name: String,
    /// `Live`, `Loading`, `Unloading`, or `built-in`.
    pub state: String,
    /// Reference count, when known.
    pub refcount: Option<u32>,
    /// Modules that use it.
    pub used_by: Vec<String>,
}

/// The IPMI device file (`ipmi_devintf`, kernel `drivers/char/ipmi/ipmi_devintf.c`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceFile {
    /// The path looked at (`/dev/ipmi0`).
    pub path: String,
    /// Whether it exists.
    pub exists: bool,
    /// Its major number if it is a character device.
    pub major: Option<u32>,
    /// The `ipmidev` major in `/proc/devices` (the driver registered).
    pub registered_major: Option<u32>,
}

/// A `kipmi*` kernel thread (`ipmi_si`'s polling thread) and its CPU share.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelThread {
    /// Its pid.
    pub pid: u32,
    /// Its name (`kipmi0`).
    pub name: String,
    /// Its state letter at the second sample.
    pub state: char,
    /// Share of one CPU over the sample, in percent.
    pub cpu_percent: f64,
}

/// A process of an IPMI tool or daemon (ipmitool, FreeIPMI's tools, ipmiutil, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct ToolProcess {
    /// Its pid.
    pub pid: u32,
    /// The tool's name (argv\[0\]'s base name, else the kernel's comm).
    pub tool: String,
    /// One-shot command, interactive session or daemon.
    pub kind: ProcessKind,
    /// Its command line, space-joined, secrets redacted ([`super::redact()`]).
    pub command: String,
    /// Its state letter (R running, S sleeping, D uninterruptible, ...).
    pub state: char,
    /// How long it has been running, in seconds.
    pub age_secs: f64,
    /// Its start time after boot in clock ticks (`/proc/PID/stat` field
    /// 22): with the pid, what tells it from a later process that reuses the pid.
    pub start_ticks: u64,
    /// Where it sleeps in the kernel (`/proc/PID/wchan`), when readable.
    pub wchan: Option<String>,
}

impl ToolProcess {
    /// Whether it may be stuck: a one-shot command, at least `stuck_after`
    /// old, and blocked (sleeping `S`, in uninterruptible wait `D`, or
    /// stopped `T`/`t`; not running, not a zombie). Never a daemon or a session.
    pub fn is_stuck(&self, stuck_after: Duration) -> bool {
        self.kind == ProcessKind::Command
            && self.age_secs >= stuck_after.as_secs_f64()
            && matches!(self.state, 'S' | 'D' | 'T' | 't')
    }
}

/// How a probe reached the BMC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProbeVia {
    /// Through the kernel driver's `/dev/ipmi0`.
    DeviceFile,
    /// Directly over the KCS ports (only when `ipmi_si` is not loaded).
    Kcs,
}

impl ProbeVia {
    /// `device-file` or `kcs`.
    pub fn key(self) -> &'static str {
        match self {
            ProbeVia::DeviceFile => "device-file",
            ProbeVia::Kcs => "kcs",
        }
    }
}

/// What Get Device ID (IPMI 2.0 §20.1) answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeAnswer {
    /// The path used, e.g. `/dev/ipmi0` or `KCS I/O ports 0xca2/0xca3 (ioperm)`.
    pub path: String,
    /// Device ID.
    pub device_id: u8,
    /// IPMI version (major, minor).
    pub ipmi_version: (u8, u8),
    /// Manufacturer ID (IANA).
    pub manufacturer_id: u32,
    /// Product ID.
    pub product_id: u16,
    /// Firmware revision as `major.minor` (minor in BCD, printed as hex).
    pub firmware: String,
}

/// Why a probe failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeFailure {
    /// The path tried.
    pub path: String,
    /// The failure's class (timeout, io, ...).
    pub class: ErrorClass,
    /// The transport's message.
    pub message: String,
}

/// One probe and its result.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeOutcome {
    /// How it went.
    pub via: ProbeVia,
    /// Wall time it took.
    pub elapsed: Duration,
    /// The answer, or why there is none.
    pub result: Result<ProbeAnswer, ProbeFailure>,
}

/// A probe not run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSkipped {
    /// Which probe.
    pub via: ProbeVia,
    /// Why it was not run.
    pub reason: String,
}

/// Everything the triage found.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// IPMI modules loaded or built in.
    pub modules: Vec<Module>,
    /// The device file.
    pub device: DeviceFile,
    /// `kipmi*` threads.
    pub kernel_threads: Vec<KernelThread>,
    /// Length of the CPU sample.
    pub sample: Duration,
    /// IPMI tool processes: one-shot commands and sessions (see `stuck_after`).
    pub tools: Vec<ToolProcess>,
    /// IPMI daemons: long-running by design, never stuck.
    pub daemons: Vec<ToolProcess>,
    /// Age from which a tool process counts as stuck.
    pub stuck_after: Duration,
    /// Share of one CPU from which a kipmi thread counts as spinning.
    pub spin_percent: f64,
    /// The KCS address considered, and where it came from.
    pub kcs_address: Option<(KcsAddress, String)>,
    /// The deadline each probe had.
    pub probe_timeout: Duration,
    /// Probes run.
    pub probes: Vec<ProbeOutcome>,
    /// Probes not run.
    pub skipped: Vec<ProbeSkipped>,
    /// 1, 5, 15 minute load averages.
    pub load_average: Option<[f64; 3]>,
    /// What could not be read.
    pub notes: Vec<String>,
}

impl Report {
    /// The module named `name`, if loaded or built in.
    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The probe that went `via`, if it ran.
    pub fn probe(&self, via: ProbeVia) -> Option<&ProbeOutcome> {
        self.probes.iter().find(|p| p.via == via)
    }

    /// Tool processes that may be stuck ([`ToolProcess::is_stuck`]).
    pub fn stuck_tools(&self) -> impl Iterator<Item = &ToolProcess> {
        let limit = self.stuck_after;
        self.tools.iter().filter(move |t| t.is_stuck(limit))
    }

    /// The tool processes' state letters and how many are in each, most first.
    pub fn tool_states(&self) -> Vec<(char, usize)> {
        super::histogram(self.tools.iter(), |t| t.state)
    }

    /// Where the tool processes wait in the kernel (`wchan`) and how many, most first.
    pub fn tool_wait_channels(&self) -> Vec<(String, usize)> {
        super::histogram(self.tools.iter().filter_map(|t| t.wchan.clone()), |w| {
            w.clone()
        })
    }

    /// kipmi threads at or above `spin_percent`.
    pub fn spinning_threads(&self) -> impl Iterator<Item = &KernelThread> {
        let limit = self.spin_percent;
        self.kernel_threads
            .iter()
            .filter(move |t| t.cpu_percent >= limit)
    }
}
