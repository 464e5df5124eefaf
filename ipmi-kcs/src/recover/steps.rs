//! The steps in order, each reported as it ends: diagnose, stuck
//! processes, in-band reset and probe, driver unload, KCS reset and
//! probe, how to bring the driver back, out of band, the result.

use std::time::{Duration, Instant};

use ipmi_core::ErrorClass;

use super::modules::{device_holders, unload_order, UnloadError};
use super::processes::terminate;
use super::{
    Bmc, Clock, Confirmation, Effects, Options, Outcome, Path, ProcessFate, ProcessOutcome, Status,
    Step, StepReport,
};
use crate::diagnose::{verdict, ProbeAnswer, ProbeFailure, ProbeVia, Report};

/// The modules `modprobe` brings back when recover did not unload any.
const DRIVER_LOAD: &str = "modprobe ipmi_msghandler ipmi_devintf ipmi_si";

/// Emits step reports, timing each from the previous one.
struct Reporter<'a> {
    emit: &'a mut dyn FnMut(&StepReport),
    since: Instant,
}

impl Reporter<'_> {
    fn step(&mut self, clock: &dyn Clock, step: Step, status: Status, summary: String) {
        self.full(clock, step, status, summary, Vec::new(), Vec::new(), None);
    }

    #[allow(clippy::too_many_arguments)]
    fn full(
        &mut self,
        clock: &dyn Clock,
        step: Step,
        status: Status,
        summary: String,
        details: Vec<String>,
        processes: Vec<ProcessOutcome>,
        answer: Option<ProbeAnswer>,
    ) {
        let now = clock.now();
        (self.emit)(&StepReport {
            step,
            status,
            summary,
            details,
            processes,
            answer,
            elapsed: now.saturating_duration_since(self.since),
        });
        self.since = now;
    }

    fn restart(&mut self, clock: &dyn Clock) {
        self.since = clock.now();
    }
}

/// The answer diagnose already got, if any (device file first).
fn answer_in(report: &Report) -> Option<ProbeAnswer> {
    [ProbeVia::DeviceFile, ProbeVia::Kcs]
        .iter()
        .find_map(|via| report.probe(*via).and_then(|p| p.result.as_ref().ok()))
        .cloned()
}

fn path_name(path: Path) -> &'static str {
    match path {
        Path::DeviceFile => "/dev/ipmi0",
        Path::Kcs => "the KCS ports",
        Path::OutOfBand => "RMCP+",
    }
}

/// Asks; `Err(summary)` of a skipped step when not confirmed.
fn ask(fx: &mut Effects, question: &str) -> Result<(), String> {
    match fx.confirm.confirm(question) {
        Confirmation::Yes => Ok(()),
        Confirmation::No => Err("not confirmed: skipped".into()),
        Confirmation::NoTerminal => Err(
            "not confirmed: skipped (no terminal to ask on; give --yes to run destructive steps unattended)"
                .into(),
        ),
    }
}

/// Get Device ID through `bmc` until it answers or `budget` ends.
fn probe_until(
    bmc: &mut dyn Bmc,
    clock: &mut dyn Clock,
    options: &Options,
) -> (Result<ProbeAnswer, ProbeFailure>, u32, Duration) {
    let start = clock.now();
    let mut tries = 0;
    loop {
        let spent = clock.now().duration_since(start);
        let left = options.reset_budget.saturating_sub(spent);
        let timeout = options
            .request_timeout
            .min(left)
            .max(Duration::from_millis(100));
        tries += 1;
        let result = bmc.get_device_id(timeout);
        let spent = clock.now().duration_since(start);
        if result.is_ok() || spent >= options.reset_budget {
            return (result, tries, spent);
        }
        clock.sleep(
            options
                .probe_interval
                .min(options.reset_budget.saturating_sub(spent)),
        );
    }
}

/// A reset and the probes after it through `path`; returns the answer if
/// the BMC answered.
fn reset_and_probe(
    fx: &mut Effects,
    out: &mut Reporter,
    options: &Options,
    path: Path,
    (reset_step, probe_step): (Step, Step),
    shown: &str,
) -> Option<ProbeAnswer> {
    let mut bmc = match fx.paths.open(path) {
        Ok(b) => b,
        Err(e) => {
            let status = if e.class == ErrorClass::Timeout {
                Status::Failed
            } else {
                Status::Refused
            };
            out.step(
                fx.clock,
                reset_step,
                status,
                format!(
                    "Cold Reset not sent through {shown}: cannot open it: {}{}",
                    e.message,
                    next_after(path)
                ),
            );
            return None;
        }
    };
    let timeout = options.request_timeout;
    let sent = match bmc.cold_reset(timeout) {
        Ok(()) => {
            out.step(
                fx.clock,
                reset_step,
                Status::Done,
                format!("Cold Reset sent through {shown}; the BMC accepted it"),
            );
            true
        }
        Err(e) if !e.maybe_sent => {
            out.step(
                fx.clock,
                reset_step,
                Status::Refused,
                format!(
                    "Cold Reset not sent through {shown}: {}{}",
                    e.failure.message,
                    next_after(path)
                ),
            );
            false
        }
        Err(e) if e.failure.class == ErrorClass::Timeout => {
            out.step(
                fx.clock,
                reset_step,
                Status::Failed,
                format!(
                    "Cold Reset through {shown} not acknowledged within {:.1} s (the BMC may not have received it): {}",
                    timeout.as_secs_f64(),
                    e.failure.message
                ),
            );
            true
        }
        Err(e) => {
            let what = if e.failure.class == ErrorClass::Bmc {
                "refused by the BMC"
            } else {
                "failed"
            };
            out.step(
                fx.clock,
                reset_step,
                Status::Failed,
                format!("Cold Reset through {shown} {what}: {}", e.failure.message),
            );
            true
        }
    };
    if !sent {
        return None;
    }
    let (result, tries, spent) = probe_until(bmc.as_mut(), fx.clock, options);
    drop(bmc);
    match result {
        Ok(answer) => {
            out.full(
                fx.clock,
                probe_step,
                Status::Done,
                format!(
                    "the BMC answers through {shown} {:.1} s after the Cold Reset request (Get Device ID: device id 0x{:02x}, firmware {})",
                    spent.as_secs_f64(),
                    answer.device_id,
                    answer.firmware
                ),
                Vec::new(),
                Vec::new(),
                Some(answer.clone()),
            );
            Some(answer)
        }
        Err(e) => {
            out.step(
                fx.clock,
                probe_step,
                Status::Failed,
                format!(
                    "no answer through {shown} within the reset budget of {:.0} s after the Cold Reset request ({tries} Get Device ID probe(s); last: {})",
                    options.reset_budget.as_secs_f64(),
                    e.message
                ),
            );
            None
        }
    }
}

/// A reset step through `path`: planned under `--dry-run`, skipped when
/// not confirmed, else the reset and the probes.
fn attempt(
    fx: &mut Effects,
    out: &mut Reporter,
    options: &Options,
    path: Path,
    steps: (Step, Step),
    shown: &str,
) -> Option<ProbeAnswer> {
    if options.dry_run {
        out.step(
            fx.clock,
            steps.0,
            Status::Planned,
            format!(
                "would send Cold Reset through {shown} (deadline {:.1} s), then probe Get Device ID for up to {:.0} s",
                options.request_timeout.as_secs_f64(),
                options.reset_budget.as_secs_f64()
            ),
        );
        None
    } else if let Err(why) = ask(fx, &format!("Cold reset the BMC through {shown}?")) {
        out.step(fx.clock, steps.0, Status::Skipped, why);
        None
    } else {
        reset_and_probe(fx, out, options, path, steps, shown)
    }
}

/// What to try after `path` failed.
fn next_after(path: Path) -> &'static str {
    match path {
        Path::DeviceFile => "; next: the KCS ports without the driver (--unload-driver) or out of band (-H)",
        Path::Kcs => "; next: reset the BMC out of band (-H BMC, or from another machine)",
        Path::OutOfBand => "; next: check the BMC's address and credentials, or power-cycle the machine (the BMC's standby power)",
    }
}

/// Runs the steps from `report` (the triage, already done); each step's
/// report goes to `emit` as it ends.
pub fn run(
    fx: &mut Effects,
    report: Report,
    options: &Options,
    emit: &mut dyn FnMut(&StepReport),
) -> Outcome {
    let mut out = Reporter {
        emit,
        since: fx.clock.now(),
    };
    let v = verdict(&report);
    let mut answered = answer_in(&report);

    // 1. Diagnose.
    if v.healthy {
        out.step(fx.clock, Step::Diagnose, Status::Info, v.headline.clone());
        out.step(
            fx.clock,
            Step::Result,
            Status::Done,
            "healthy: the BMC answers in-band and nothing is stuck; nothing to recover, nothing changed"
                .into(),
        );
        return Outcome { report, answered };
    }
    out.full(
        fx.clock,
        Step::Diagnose,
        Status::Info,
        v.headline.clone(),
        v.findings.clone(),
        Vec::new(),
        None,
    );

    // 2. Stuck processes.
    out.restart(fx.clock);
    let stuck: Vec<_> = report.stuck_tools().cloned().collect();
    let listed = |fate: ProcessFate| -> Vec<ProcessOutcome> {
        stuck
            .iter()
            .map(|p| ProcessOutcome {
                process: p.clone(),
                fate: fate.clone(),
            })
            .collect()
    };
    let n = stuck.len();
    let how = format!(
        "SIGTERM, then SIGKILL after {:.0} s",
        options.grace.as_secs_f64()
    );
    if n == 0 {
        out.step(
            fx.clock,
            Step::StuckProcesses,
            Status::Info,
            format!(
                "no IPMI tool process is stuck (none older than {:.0} s and blocked)",
                report.stuck_after.as_secs_f64()
            ),
        );
    } else if !options.kill_stuck {
        out.full(
            fx.clock,
            Step::StuckProcesses,
            Status::Skipped,
            format!("{n} stuck IPMI tool process(es), left alone: give --kill-stuck to end them ({how})"),
            Vec::new(),
            listed(ProcessFate::Listed),
            None,
        );
    } else if options.dry_run {
        out.full(
            fx.clock,
            Step::StuckProcesses,
            Status::Planned,
            format!("would end {n} stuck IPMI tool process(es) by pid ({how})"),
            Vec::new(),
            listed(ProcessFate::Listed),
            None,
        );
    } else if let Err(why) = ask(
        fx,
        &format!("End {n} stuck IPMI tool process(es) by pid ({how})?"),
    ) {
        out.full(
            fx.clock,
            Step::StuckProcesses,
            Status::Skipped,
            why,
            Vec::new(),
            listed(ProcessFate::Listed),
            None,
        );
    } else {
        out.restart(fx.clock);
        let fates = terminate(fx.sys, fx.signals, fx.clock, &stuck, options);
        let ended = fates
            .iter()
            .filter(|f| matches!(f.fate, ProcessFate::Ended { .. } | ProcessFate::Gone))
            .count();
        let (status, summary) = if ended == n {
            (
                Status::Done,
                format!("ended {n} stuck IPMI tool process(es)"),
            )
        } else {
            (
                Status::Failed,
                format!(
                    "ended {ended} of {n} stuck IPMI tool process(es); the others are left (see each)"
                ),
            )
        };
        out.full(
            fx.clock,
            Step::StuckProcesses,
            status,
            summary,
            Vec::new(),
            fates,
            None,
        );
    }

    // 3. Cold reset in-band, then probe.
    out.restart(fx.clock);
    let device = report.device.path.clone();
    if answered.is_some() {
        out.step(
            fx.clock,
            Step::InBandReset,
            Status::Skipped,
            "not needed: the BMC answers".into(),
        );
    } else if !report.device.exists {
        out.step(
            fx.clock,
            Step::InBandReset,
            Status::Skipped,
            format!("not possible: {device} does not exist"),
        );
    } else {
        answered = attempt(
            fx,
            &mut out,
            options,
            Path::DeviceFile,
            (Step::InBandReset, Step::InBandProbe),
            &device,
        );
    }

    // 4. The driver out of the way, then KCS.
    out.restart(fx.clock);
    let si = report.module("ipmi_si");
    let mut unloaded: Vec<String> = Vec::new();
    let mut driver_gone = si.is_none();
    if answered.is_some() {
        out.step(
            fx.clock,
            Step::UnloadDriver,
            Status::Skipped,
            "not needed: the BMC answers".into(),
        );
    } else if si.is_none() {
        out.step(
            fx.clock,
            Step::UnloadDriver,
            Status::Skipped,
            "not needed: ipmi_si is not loaded".into(),
        );
    } else if si.is_some_and(|m| m.state == "built-in") {
        out.step(
            fx.clock,
            Step::UnloadDriver,
            Status::Refused,
            "ipmi_si is built into the kernel and cannot be unloaded; next: reset the BMC out of band (-H)"
                .into(),
        );
    } else {
        let order = unload_order(&report.modules);
        let list = order.join(", ");
        if !options.unload_driver {
            out.step(
                fx.clock,
                Step::UnloadDriver,
                Status::Skipped,
                format!(
                    "the kernel driver is in the way of a reset over KCS: give --unload-driver to unload {list} \
                     and reset over the KCS ports"
                ),
            );
        } else if options.dry_run {
            out.step(
                fx.clock,
                Step::UnloadDriver,
                Status::Planned,
                format!(
                    "would unload {list} (in this order), then send Cold Reset over the KCS ports"
                ),
            );
            driver_gone = true;
        } else if let Err(why) = ask(
            fx,
            &format!("Unload {list} (in this order) to reset the BMC over its KCS ports?"),
        ) {
            out.step(fx.clock, Step::UnloadDriver, Status::Skipped, why);
        } else {
            let holders = device_holders(fx.sys, &device);
            let held: Vec<String> = holders
                .iter()
                .map(|h| format!("pid {} {}", h.pid, h.command))
                .collect();
            if !holders.is_empty() {
                out.full(
                    fx.clock,
                    Step::UnloadDriver,
                    Status::Refused,
                    format!(
                        "ipmi_devintf is in use: {} process(es) hold {device} open; next: end them \
                         (--kill-stuck ends stuck IPMI tools) and run recover again",
                        holders.len()
                    ),
                    held,
                    Vec::new(),
                    None,
                );
            } else {
                let mut failure = None;
                for name in &order {
                    match fx.modules.unload(name, options.unload_timeout) {
                        Ok(()) | Err(UnloadError::NotLoaded(_)) => unloaded.push(name.clone()),
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                match failure {
                    None => {
                        driver_gone = true;
                        out.step(
                            fx.clock,
                            Step::UnloadDriver,
                            Status::Done,
                            format!("unloaded {}", unloaded.join(", ")),
                        );
                    }
                    Some(e) => {
                        let (status, next) = match &e {
                            UnloadError::InUse(_) => (
                                Status::Refused,
                                "next: end what uses it (see the holders) and run recover again",
                            ),
                            UnloadError::NotPermitted(_) => {
                                (Status::Refused, "next: run recover as root")
                            }
                            _ => (
                                Status::Failed,
                                "next: reset the BMC out of band (-H), or reboot",
                            ),
                        };
                        let holders = device_holders(fx.sys, &device)
                            .iter()
                            .map(|h| format!("pid {} {}", h.pid, h.command))
                            .collect();
                        let done = if unloaded.is_empty() {
                            String::new()
                        } else {
                            format!(" (unloaded before it: {})", unloaded.join(", "))
                        };
                        out.full(
                            fx.clock,
                            Step::UnloadDriver,
                            status,
                            format!("{e}{done}; {next}"),
                            holders,
                            Vec::new(),
                            None,
                        );
                    }
                }
            }
        }
    }

    out.restart(fx.clock);
    let kcs = report
        .kcs_address
        .as_ref()
        .map(|(a, _)| format!("the KCS ports {a}"))
        .unwrap_or_else(|| "the KCS ports".into());
    if answered.is_some() {
        out.step(
            fx.clock,
            Step::KcsReset,
            Status::Skipped,
            "not needed: the BMC answers".into(),
        );
    } else if !driver_gone {
        out.step(
            fx.clock,
            Step::KcsReset,
            Status::Skipped,
            "not possible while ipmi_si owns the KCS ports".into(),
        );
    } else {
        answered = attempt(
            fx,
            &mut out,
            options,
            Path::Kcs,
            (Step::KcsReset, Step::KcsProbe),
            &kcs,
        );
    }

    // How to bring the driver back, when it is not loaded.
    if driver_gone && !options.dry_run {
        out.restart(fx.clock);
        let load = if unloaded.is_empty() {
            DRIVER_LOAD.to_string()
        } else {
            let mut back: Vec<&str> = unloaded.iter().map(String::as_str).rev().collect();
            back.sort_by_key(|m| match *m {
                "ipmi_si" => 0,
                "ipmi_devintf" => 1,
                _ => 2,
            });
            format!("modprobe -a {}", back.join(" "))
        };
        let (status, summary) = if answered.is_some() {
            (
                Status::Info,
                format!("the BMC answers: bring the driver back with `{load}`"),
            )
        } else {
            (
                Status::Info,
                format!(
                    "do not load ipmi_si while the BMC does not answer (it would hang in D state probing it); \
                     once `ipmirs kcs mc info` answers, bring the driver back with `{load}`"
                ),
            )
        };
        out.step(fx.clock, Step::DriverBack, status, summary);
    }

    // 5. Out of band.
    out.restart(fx.clock);
    if answered.is_some() {
        out.step(
            fx.clock,
            Step::OutOfBandReset,
            Status::Skipped,
            "not needed: the BMC answers".into(),
        );
    } else {
        match &options.out_of_band {
            None => out.full(
                fx.clock,
                Step::OutOfBandReset,
                Status::Skipped,
                "no -H given: reset the BMC out of band from a machine that reaches its LAN port:"
                    .into(),
                vec!["ipmirs -H <bmc-address> -U <user> -E lan mc reset cold".into()],
                Vec::new(),
                None,
            ),
            Some(host) => {
                let shown = format!("{host} ({})", path_name(Path::OutOfBand));
                answered = attempt(
                    fx,
                    &mut out,
                    options,
                    Path::OutOfBand,
                    (Step::OutOfBandReset, Step::OutOfBandProbe),
                    &shown,
                );
            }
        }
    }

    out.restart(fx.clock);
    let dry = if options.dry_run {
        "dry run, nothing changed: "
    } else {
        ""
    };
    match &answered {
        Some(a) => out.full(
            fx.clock,
            Step::Result,
            Status::Done,
            format!(
                "{dry}the BMC answers (Get Device ID through {}: device id 0x{:02x}, firmware {})",
                a.path, a.device_id, a.firmware
            ),
            Vec::new(),
            Vec::new(),
            Some(a.clone()),
        ),
        None => out.step(
            fx.clock,
            Step::Result,
            Status::Failed,
            format!(
                "{dry}the BMC does not answer; {}",
                v.next_steps
                    .first()
                    .map_or("reset it out of band", String::as_str)
            ),
        ),
    }
    Outcome { report, answered }
}
