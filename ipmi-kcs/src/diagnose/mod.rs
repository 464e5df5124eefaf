//! In-band health triage (`ipmirs diagnose`): which IPMI kernel modules
//! are loaded, whether `/dev/ipmi0` exists, whether `kipmi*` threads spin,
//! how many IPMI tool processes are stuck (daemons apart, command lines
//! redacted), and whether the BMC answers Get
//! Device ID (IPMI 2.0 §20.1) through `/dev/ipmi0` or, with the driver
//! absent, directly over KCS (IPMI 2.0 §9). [`verdict()`] turns the
//! [`Report`] into a verdict with the next step and an exit code. Facts
//! and verdict only: the CLI renders them (text and JSON).
//!
//! Every file is read through [`System`] (a root directory: `/`, or a fake
//! tree in tests) and every probe through [`Probe`], so it all runs
//! against fakes.
//!
//! ```no_run
//! use ipmi_kcs::diagnose::{self, Options, RootFs, SystemProbe};
//!
//! let report = diagnose::run(&RootFs::real(), &mut SystemProbe::default(), &Options::default());
//! let verdict = diagnose::verdict(&report);
//! println!("{}", verdict.headline);
//! std::process::exit(verdict.exit_code());
//! ```

mod cmdline;
mod kind;
pub mod procfs;
mod redact;
pub mod report;
pub mod system;
pub mod verdict;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{DeviceId, GetDeviceId};
use ipmi_core::{Deadline, Failure, Transport};

use crate::kcs::{
    port_owner, resolve_address, AddressSource, Backend, KcsAddress, KcsClient, KcsOptions,
};

pub use kind::{ProcessKind, IPMI_DAEMONS};
pub use redact::{redact, REDACTED};
pub use report::{
    DeviceFile, KernelThread, Module, ProbeAnswer, ProbeFailure, ProbeOutcome, ProbeSkipped,
    ProbeVia, Report, ToolProcess,
};
pub use system::{RootFs, System, USER_HZ};
pub use verdict::{human_age, verdict, Verdict};

/// The command names counted as IPMI tools: ipmitool, FreeIPMI's tools,
/// ipmiutil, Supermicro's ipmicfg, and ipmirs itself ([`IPMI_DAEMONS`]
/// are IPMI programs too; [`ProcessKind`] tells what each one is doing).
pub const IPMI_TOOLS: &[&str] = &[
    "ipmitool",
    "bmc-watchdog",
    "ipmiutil",
    "ipmicfg",
    "ipmirs",
    "bmc-info",
    "bmc-config",
    "bmc-device",
    "ipmi-sensors",
    "ipmi-sensors-config",
    "ipmi-sel",
    "ipmi-fru",
    "ipmi-raw",
    "ipmi-chassis",
    "ipmi-chassis-config",
    "ipmi-config",
    "ipmi-dcmi",
    "ipmi-oem",
    "ipmi-pef-config",
    "ipmi-pet",
    "ipmi-locate",
    "ipmi-ping",
    "ipmiping",
    "ipmipower",
    "ipmiconsole",
    "ipmimonitoring",
    "ipmidetect",
];

/// The IPMI kernel modules reported (kernel `drivers/char/ipmi/`, `drivers/acpi/acpi_ipmi.c`).
pub const IPMI_MODULES: &[&str] = &[
    "ipmi_msghandler",
    "ipmi_devintf",
    "ipmi_si",
    "ipmi_ssif",
    "ipmi_watchdog",
    "ipmi_poweroff",
    "ipmi_ipmb",
    "acpi_ipmi",
];

/// What the triage does and its thresholds.
#[derive(Clone, Debug)]
pub struct Options {
    /// Length of the CPU sample of the kipmi threads (default 200 ms).
    pub sample: Duration,
    /// Age from which an IPMI tool process counts as stuck (default 30 s).
    pub stuck_after: Duration,
    /// Share of one CPU, in percent, from which a kipmi thread spins
    /// (default 25: an idle kipmi thread uses about none).
    pub spin_percent: f64,
    /// Deadline of each probe (default 2 s).
    pub probe_timeout: Duration,
    /// Probe through the device file when it exists.
    pub probe_device_file: bool,
    /// Probe over KCS when the kernel driver does not own the ports.
    pub probe_kcs: bool,
    /// The KCS address (`None`: SMBIOS type 38, else 0xCA2).
    pub kcs_address: Option<KcsAddress>,
    /// The device file (default `/dev/ipmi0`).
    pub device_path: String,
    /// At most this many processes are looked at.
    pub max_processes: usize,
    /// This process (left out of the tool list).
    pub self_pid: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sample: Duration::from_millis(200),
            stuck_after: Duration::from_secs(30),
            spin_percent: 25.0,
            probe_timeout: Duration::from_secs(2),
            probe_device_file: true,
            probe_kcs: true,
            kcs_address: None,
            device_path: "/dev/ipmi0".into(),
            max_processes: 100_000,
            self_pid: Some(std::process::id()),
        }
    }
}

/// Asks the BMC for its Device ID (IPMI 2.0 §20.1) one way, within `timeout`.
pub trait Probe {
    /// One Get Device ID `via` the device file or KCS at `kcs_address`.
    fn get_device_id(
        &mut self,
        via: ProbeVia,
        device_path: &str,
        kcs_address: KcsAddress,
        timeout: Duration,
    ) -> Result<ProbeAnswer, ProbeFailure>;
}

/// The real probes: [`crate::devintf::LinuxClient`] on the device file, and
/// [`KcsClient`] on the ports (which re-checks that `ipmi_si` is absent).
#[derive(Clone, Debug)]
pub struct SystemProbe {
    /// Where `/dev`, `/proc` and `/sys` are.
    pub root: PathBuf,
    /// The KCS port backend.
    pub backend: Backend,
}

impl Default for SystemProbe {
    fn default() -> Self {
        SystemProbe {
            root: PathBuf::from("/"),
            backend: Backend::Auto,
        }
    }
}

/// A probe answer from a decoded Get Device ID.
pub fn answer_of(path: String, id: &DeviceId) -> ProbeAnswer {
    ProbeAnswer {
        path,
        device_id: id.device_id,
        ipmi_version: id.ipmi_version_parts(),
        manufacturer_id: id.manufacturer_id,
        product_id: id.product_id,
        firmware: format!("{}.{:02x}", id.firmware_major, id.firmware_minor),
    }
}

fn failure<E: Failure>(path: String, e: &E) -> ProbeFailure {
    ProbeFailure {
        path,
        class: e.class(),
        message: e.to_string(),
    }
}

impl Probe for SystemProbe {
    fn get_device_id(
        &mut self,
        via: ProbeVia,
        device_path: &str,
        kcs_address: KcsAddress,
        timeout: Duration,
    ) -> Result<ProbeAnswer, ProbeFailure> {
        let deadline = Deadline::from_now(timeout);
        match via {
            ProbeVia::DeviceFile => {
                #[cfg(target_os = "linux")]
                {
                    use crate::devintf::LinuxClient;
                    let path = self.root.join(device_path.trim_start_matches('/'));
                    let shown = path.display().to_string();
                    let mut client =
                        LinuxClient::open_path(&path).map_err(|e| failure(shown.clone(), &e))?;
                    let id = client
                        .execute_by(&GetDeviceId, deadline)
                        .map_err(|e| failure(shown.clone(), &e))?;
                    Ok(answer_of(shown, &id))
                }
                #[cfg(not(target_os = "linux"))]
                {
                    Err(ProbeFailure {
                        path: device_path.to_string(),
                        class: ipmi_core::ErrorClass::Usage,
                        message: "the IPMI device file exists only on Linux".into(),
                    })
                }
            }
            ProbeVia::Kcs => {
                let options = KcsOptions {
                    address: Some(kcs_address),
                    backend: self.backend,
                    root: self.root.clone(),
                    timeout,
                    ..KcsOptions::default()
                };
                let shown = format!("KCS {kcs_address}");
                let mut client =
                    KcsClient::open(&options).map_err(|e| failure(shown.clone(), &e))?;
                let shown = format!("KCS {}", client.describe());
                let id = client
                    .execute_by(&GetDeviceId, deadline)
                    .map_err(|e| failure(shown.clone(), &e))?;
                Ok(answer_of(shown, &id))
            }
        }
    }
}

/// Is `name` (argv\[0\]'s base name or a 15-byte kernel comm) an IPMI
/// tool or daemon?
fn tool_name(argv0: Option<&str>, comm: &str) -> Option<String> {
    let mut names = IPMI_TOOLS.iter().chain(IPMI_DAEMONS);
    if let Some(a) = argv0 {
        let base = cmdline::base_name(a);
        if let Some(t) = names.clone().find(|t| **t == base) {
            return Some(t.to_string());
        }
    }
    if let Some(t) = names.clone().find(|t| **t == comm) {
        return Some(t.to_string());
    }
    // The kernel keeps 15 bytes of the name: `ipmi-sensors-co`.
    if comm.len() == 15 {
        if let Some(t) = names.find(|t| t.starts_with(comm)) {
            return Some(t.to_string());
        }
    }
    None
}

/// Collects the report: modules, device file, kipmi CPU over
/// `options.sample`, tool processes, and the probes.
pub fn run(sys: &dyn System, probe: &mut dyn Probe, options: &Options) -> Report {
    let mut notes = Vec::new();

    // Modules.
    let mut modules = Vec::new();
    match sys.read_text("/proc/modules") {
        Ok(text) => {
            for m in procfs::parse_modules(&text) {
                if IPMI_MODULES.contains(&m.name.as_str()) {
                    modules.push(Module {
                        name: m.name,
                        state: m.state,
                        refcount: m.refcount,
                        used_by: m.used_by,
                    });
                }
            }
        }
        Err(e) => notes.push(format!("/proc/modules: {e}")),
    }
    for name in IPMI_MODULES {
        if !modules.iter().any(|m| m.name == *name) && sys.exists(&format!("/sys/module/{name}")) {
            // In /sys/module but not /proc/modules: built into the kernel.
            if sys.exists("/proc/modules") {
                modules.push(Module {
                    name: name.to_string(),
                    state: "built-in".into(),
                    refcount: None,
                    used_by: Vec::new(),
                });
            }
        }
    }

    // Device file.
    let registered_major = sys
        .read_text("/proc/devices")
        .ok()
        .and_then(|t| procfs::char_major(&t, "ipmidev"));
    let device = DeviceFile {
        path: options.device_path.clone(),
        exists: sys.exists(&options.device_path),
        major: sys.char_major(&options.device_path),
        registered_major,
    };

    // Processes: first sample.
    let uptime = sys
        .read_text("/proc/uptime")
        .ok()
        .and_then(|t| procfs::parse_uptime(&t));
    let hz = sys.clk_tck().max(1) as f64;
    let mut pids: Vec<u32> = match sys.list("/proc") {
        Ok(names) => names.iter().filter_map(|n| n.parse().ok()).collect(),
        Err(e) => {
            notes.push(format!("/proc: {e}"));
            Vec::new()
        }
    };
    pids.sort_unstable();
    if pids.len() > options.max_processes {
        notes.push(format!(
            "{} processes; looked at the first {}",
            pids.len(),
            options.max_processes
        ));
        pids.truncate(options.max_processes);
    }
    let mut kthreads: Vec<(procfs::ProcStat, u64)> = Vec::new();
    let mut tools = Vec::new();
    let mut daemons = Vec::new();
    for pid in pids {
        if Some(pid) == options.self_pid {
            continue;
        }
        let Some(stat) = sys
            .read_text(&format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|t| procfs::parse_stat(&t))
        else {
            continue; // gone meanwhile
        };
        if stat.comm.starts_with("kipmi") {
            let ticks = stat.utime + stat.stime;
            kthreads.push((stat, ticks));
            continue;
        }
        let argv = sys
            .read(&format!("/proc/{pid}/cmdline"))
            .map(|b| procfs::parse_cmdline(&b))
            .unwrap_or_default();
        let Some(tool) = tool_name(argv.first().map(String::as_str), &stat.comm) else {
            continue;
        };
        let age_secs = uptime
            .map(|u| (u - stat.starttime as f64 / hz).max(0.0))
            .unwrap_or(0.0);
        let wchan = sys
            .read_text(&format!("/proc/{pid}/wchan"))
            .ok()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty() && w != "0");
        let kind = kind::kind_of(&tool, &argv);
        let process = ToolProcess {
            pid,
            tool,
            kind,
            command: if argv.is_empty() {
                stat.comm.clone()
            } else {
                redact(&argv).join(" ")
            },
            state: stat.state,
            age_secs,
            start_ticks: stat.starttime,
            wchan,
        };
        match kind {
            ProcessKind::Daemon => daemons.push(process),
            ProcessKind::Command | ProcessKind::Session => tools.push(process),
        }
    }
    if uptime.is_none() && !(tools.is_empty() && daemons.is_empty()) {
        notes.push("/proc/uptime unreadable: process ages unknown".into());
    }

    // Second sample of the kipmi threads.
    let mut kernel_threads = Vec::new();
    let mut sample = Duration::ZERO;
    if !kthreads.is_empty() {
        sample = sys.pause(options.sample);
        let secs = sample.as_secs_f64().max(1e-3);
        for (first, ticks0) in kthreads {
            let second = sys
                .read_text(&format!("/proc/{}/stat", first.pid))
                .ok()
                .and_then(|t| procfs::parse_stat(&t));
            let (state, ticks1) = match &second {
                Some(s) => (s.state, s.utime + s.stime),
                None => (first.state, ticks0),
            };
            let cpu = (ticks1.saturating_sub(ticks0) as f64 / hz) / secs * 100.0;
            kernel_threads.push(KernelThread {
                pid: first.pid,
                name: first.comm,
                state,
                cpu_percent: (cpu * 10.0).round() / 10.0,
            });
        }
    }

    // Probes.
    let (address, source) = resolve_address(options.kcs_address, sys);
    let source_text = match source {
        AddressSource::Given => "given".to_string(),
        AddressSource::Smbios => "SMBIOS type 38".to_string(),
        AddressSource::Standard(why) => format!("standard address ({why})"),
    };
    let mut probes = Vec::new();
    let mut skipped = Vec::new();
    if !options.probe_device_file {
        skipped.push(ProbeSkipped {
            via: ProbeVia::DeviceFile,
            reason: "not asked for".into(),
        });
    } else if !device.exists {
        skipped.push(ProbeSkipped {
            via: ProbeVia::DeviceFile,
            reason: format!("{} does not exist", options.device_path),
        });
    } else {
        let t0 = Instant::now();
        let result = probe.get_device_id(
            ProbeVia::DeviceFile,
            &options.device_path,
            address,
            options.probe_timeout,
        );
        probes.push(ProbeOutcome {
            via: ProbeVia::DeviceFile,
            elapsed: t0.elapsed(),
            result,
        });
    }
    let kcs_skip = if !options.probe_kcs {
        Some("not asked for".to_string())
    } else {
        match port_owner(sys, address) {
            Ok(None) => None,
            Ok(Some(owner)) => Some(format!("the kernel driver owns the ports: {owner}")),
            Err(e) => Some(format!("cannot tell whether ipmi_si owns the ports: {e}")),
        }
    };
    match kcs_skip {
        Some(reason) => skipped.push(ProbeSkipped {
            via: ProbeVia::Kcs,
            reason,
        }),
        None => {
            let t0 = Instant::now();
            let result = probe.get_device_id(
                ProbeVia::Kcs,
                &options.device_path,
                address,
                options.probe_timeout,
            );
            probes.push(ProbeOutcome {
                via: ProbeVia::Kcs,
                elapsed: t0.elapsed(),
                result,
            });
        }
    }

    let load_average = sys
        .read_text("/proc/loadavg")
        .ok()
        .and_then(|t| procfs::parse_loadavg(&t));

    for list in [&mut tools, &mut daemons] {
        list.sort_by(|a, b| b.age_secs.total_cmp(&a.age_secs).then(a.pid.cmp(&b.pid)));
    }
    Report {
        modules,
        device,
        kernel_threads,
        sample,
        tools,
        daemons,
        stuck_after: options.stuck_after,
        spin_percent: options.spin_percent,
        kcs_address: Some((address, source_text)),
        probe_timeout: options.probe_timeout,
        probes,
        skipped,
        load_average,
        notes,
    }
}

/// Counts of the values of `key` over `items`, most frequent first (ties by value).
pub(crate) fn histogram<T, K: Ord + Clone + std::hash::Hash>(
    items: impl Iterator<Item = T>,
    key: impl Fn(&T) -> K,
) -> Vec<(K, usize)> {
    let mut counts: HashMap<K, usize> = HashMap::new();
    for i in items {
        *counts.entry(key(&i)).or_default() += 1;
    }
    let mut v: Vec<(K, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names() {
        assert_eq!(
            tool_name(Some("/usr/bin/ipmitool"), "ipmitool").as_deref(),
            Some("ipmitool")
        );
        assert_eq!(
            tool_name(None, "ipmi-sensors-co").as_deref(),
            Some("ipmi-sensors-config")
        );
        assert_eq!(tool_name(Some("bash"), "bash"), None);
        assert_eq!(
            tool_name(None, "prometheus-ipm").as_deref(),
            None,
            "14 bytes is a whole name"
        );
        assert_eq!(
            tool_name(None, "prometheus-ipmi").as_deref(),
            Some("prometheus-ipmi-exporter")
        );
        assert_eq!(
            tool_name(Some("ipmi_sim"), "ipmi_sim").as_deref(),
            Some("ipmi_sim")
        );
        assert_eq!(
            tool_name(Some("python3"), "ipmitool").as_deref(),
            Some("ipmitool")
        );
        let h = histogram(["S", "D", "S"].iter(), |s| s.to_string());
        assert_eq!(h, [("S".to_string(), 2), ("D".to_string(), 1)]);
    }
}
