//! From findings to a verdict: healthy or not, the one-line headline, the
//! next steps in order, and the exit code (0 healthy, 1 not).

use ipmi_core::ErrorClass;

use super::report::{ProbeFailure, ProbeVia, Report, ToolProcess};

/// The step that brings a hung BMC back when nothing in-band reaches it.
pub const OUT_OF_BAND_RESET: &str =
    "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold";

/// The kernel's own brake on kipmi's busy-waiting (module parameter of
/// `ipmi_si`, kernel `drivers/char/ipmi/ipmi_si_intf.c`; 0 = unlimited).
pub const LIMIT_KIPMI: &str =
    "limit kipmi's busy-waiting meanwhile: echo 100 > /sys/module/ipmi_si/parameters/kipmid_max_busy_us";

/// The verdict on a [`Report`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// True when in-band IPMI works and nothing is stuck or spinning.
    pub healthy: bool,
    /// One line: what is wrong, or that all is well.
    pub headline: String,
    /// What to do, in order.
    pub next_steps: Vec<String>,
    /// The facts behind the verdict.
    pub findings: Vec<String>,
}

impl Verdict {
    /// The process exit code: 0 healthy, 1 not.
    pub fn exit_code(&self) -> i32 {
        if self.healthy {
            0
        } else {
            1
        }
    }
}

/// A duration in seconds as people say it: `45 s`, `12 min`, `2 h 03 min`, `3 d 04 h`.
pub fn human_age(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=119 => format!("{s} s"),
        120..=3599 => format!("{} min", s / 60),
        3600..=86_399 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {:02} h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn short_failure(f: &ProbeFailure, timeout_secs: Option<f64>) -> String {
    match (f.class, timeout_secs) {
        (ErrorClass::Timeout, Some(s)) => format!("no answer within {s:.1} s"),
        (ErrorClass::Timeout, None) => "no answer before the deadline".into(),
        _ => {
            let first = f.message.split(": ").take(3).collect::<Vec<_>>().join(": ");
            if first.len() > 160 {
                format!(
                    "{}...",
                    &first[..first.char_indices().nth(157).map_or(first.len(), |c| c.0)]
                )
            } else {
                first
            }
        }
    }
}

fn kill_step(stuck: &[&ToolProcess]) -> String {
    let mut names: Vec<&str> = stuck.iter().map(|t| t.tool.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if stuck.len() <= 10 {
        let pids: Vec<String> = stuck.iter().map(|t| t.pid.to_string()).collect();
        format!("kill the stuck processes: kill {}", pids.join(" "))
    } else {
        format!(
            "kill the {} stuck processes: pkill -x {}",
            stuck.len(),
            names.join(" ; pkill -x ")
        )
    }
}

const DEADLINE_STEP: &str =
    "find what starts them (cron, a monitoring agent) and give every call a deadline: \
     ipmirs bounds each request; ipmitool needs `timeout 30 ipmitool ...`";

/// Judges a report: whether in-band IPMI is healthy, and what to do next.
pub fn verdict(r: &Report) -> Verdict {
    let si = r.module("ipmi_si").is_some();
    let devintf = r.module("ipmi_devintf").is_some();
    let dev_probe = r.probe(ProbeVia::DeviceFile);
    let kcs_probe = r.probe(ProbeVia::Kcs);
    let spinning: Vec<_> = r.spinning_threads().collect();
    let stuck: Vec<&ToolProcess> = r.stuck_tools().collect();
    let kcs_addr = r
        .kcs_address
        .as_ref()
        .map(|(a, _)| a.to_string())
        .unwrap_or_else(|| "0xca2/0xca3".into());

    let mut findings = Vec::new();
    for t in &spinning {
        findings.push(format!(
            "{} (pid {}) is spinning at {:.0} % CPU",
            t.name, t.pid, t.cpu_percent
        ));
    }
    if let Some(oldest) = stuck.first() {
        let states = super::histogram(stuck.iter(), |t| t.state);
        let states: Vec<String> = states.iter().map(|(s, n)| format!("{s} {n}")).collect();
        findings.push(format!(
            "{} IPMI tool process(es) running for over {} (oldest {}: pid {} `{}`; states {})",
            stuck.len(),
            human_age(r.stuck_after.as_secs_f64()),
            human_age(oldest.age_secs),
            oldest.pid,
            oldest.command,
            states.join(", ")
        ));
    }
    for p in &r.probes {
        if let Err(f) = &p.result {
            findings.push(format!("Get Device ID via {}: {}", f.path, f.message));
        }
    }
    if let Some(l) = r.load_average {
        if l[0] >= 20.0 {
            findings.push(format!("load average {:.1} {:.1} {:.1}", l[0], l[1], l[2]));
        }
    }

    let timeout_secs = |_: &super::report::ProbeOutcome| Some(r.probe_timeout.as_secs_f64());
    let mut steps: Vec<String> = Vec::new();
    let (mut healthy, mut headline);
    match dev_probe.map(|p| (p, &p.result)) {
        Some((p, Ok(a))) => {
            healthy = true;
            headline = format!(
                "healthy: the BMC answers in-band (Get Device ID through {} in {} ms: device id 0x{:02x}, IPMI {}.{})",
                a.path,
                p.elapsed.as_millis(),
                a.device_id,
                a.ipmi_version.0,
                a.ipmi_version.1
            );
        }
        Some((p, Err(f))) => {
            healthy = false;
            headline = format!(
                "the BMC does not answer in-band (Get Device ID through {}: {})",
                f.path,
                short_failure(f, timeout_secs(p))
            );
            steps.push(OUT_OF_BAND_RESET.into());
            if !spinning.is_empty() {
                steps.push(LIMIT_KIPMI.into());
            }
            if si {
                // Every open /dev/ipmi0 holds a reference on ipmi_si: rmmod
                // fails (EAGAIN) until the stuck processes are gone.
                let first = if stuck.is_empty() {
                    String::new()
                } else {
                    format!(
                        "first {} (while they hold /dev/ipmi0 open, rmmod ipmi_si fails with \
                         `Resource temporarily unavailable`), then ",
                        kill_step(&stuck)
                    )
                };
                steps.push(format!(
                    "if the BMC cannot be reached out of band: {first}rmmod ipmi_si, then reset it directly over KCS \
                     with `ipmirs kcs mc reset cold` (ports {kcs_addr}), then modprobe ipmi_si"
                ));
            }
            if !stuck.is_empty() {
                steps.push(format!("once the BMC answers, {}", kill_step(&stuck)));
                steps.push(DEADLINE_STEP.into());
            }
        }
        None => {
            healthy = false;
            if !si {
                match kcs_probe.map(|p| (p, &p.result)) {
                    Some((_, Ok(a))) => {
                        headline = format!(
                            "ipmi_si is not loaded, so there is no /dev/ipmi0; the BMC answers directly over KCS \
                             ({}: device id 0x{:02x}, IPMI {}.{})",
                            a.path, a.device_id, a.ipmi_version.0, a.ipmi_version.1
                        );
                        steps.push(
                            "load the IPMI drivers: modprobe ipmi_msghandler ipmi_devintf ipmi_si"
                                .into(),
                        );
                    }
                    Some((p, Err(f))) => {
                        headline = format!(
                            "no in-band path: ipmi_si is not loaded and the BMC does not answer over KCS either \
                             ({}: {})",
                            f.path,
                            short_failure(f, timeout_secs(p))
                        );
                        if f.class == ErrorClass::Timeout || f.class == ErrorClass::Protocol {
                            steps.push(OUT_OF_BAND_RESET.into());
                            steps.push(
                                "then load the IPMI drivers: modprobe ipmi_msghandler ipmi_devintf ipmi_si"
                                    .into(),
                            );
                        } else {
                            steps.push(
                                "load the IPMI drivers, which find the BMC's interface from ACPI/SMBIOS: \
                                 modprobe ipmi_msghandler ipmi_devintf ipmi_si"
                                    .into(),
                            );
                            steps.push(format!(
                                "if the BMC's KCS interface is not at {kcs_addr}, give its address: ipmirs kcs --kcs-addr ADDR mc info"
                            ));
                            steps.push(format!("if it still does not answer, {OUT_OF_BAND_RESET}"));
                        }
                    }
                    None => {
                        headline =
                            "ipmi_si is not loaded, so there is no /dev/ipmi0 for in-band tools"
                                .into();
                        steps.push(
                            "load the IPMI drivers: modprobe ipmi_msghandler ipmi_devintf ipmi_si"
                                .into(),
                        );
                    }
                }
            } else if !devintf {
                headline =
                    "ipmi_devintf is not loaded, so there is no /dev/ipmi0 for in-band tools"
                        .into();
                steps.push("load it: modprobe ipmi_devintf".into());
            } else if !r.device.exists {
                match r.device.registered_major {
                    Some(m) => {
                        headline = format!(
                            "the IPMI drivers are loaded but {} is missing",
                            r.device.path
                        );
                        steps.push(format!(
                            "create it: mknod {} c {m} 0 (or: udevadm trigger)",
                            r.device.path
                        ));
                    }
                    None => {
                        headline = "ipmi_si is loaded but registered no IPMI interface".into();
                        steps.push("see why: dmesg | grep -i ipmi".into());
                    }
                }
            } else {
                healthy = true;
                headline = format!(
                    "the IPMI drivers are loaded and {} exists (the BMC was not probed)",
                    r.device.path
                );
            }
        }
    }

    if healthy && !spinning.is_empty() {
        healthy = false;
        let t = spinning[0];
        headline = format!(
            "{} is spinning at {:.0} % CPU although the BMC answers: the kernel driver busy-polls a slow KCS interface",
            t.name, t.cpu_percent
        );
        steps.push(LIMIT_KIPMI.into());
        steps.push("if it keeps spinning, reset the BMC: ipmirs local mc reset cold".into());
    }
    if healthy && !stuck.is_empty() {
        healthy = false;
        headline = format!(
            "{} IPMI tool process(es) are stuck although the BMC answers now (leftovers of an earlier hang)",
            stuck.len()
        );
        steps.push(kill_step(&stuck));
        steps.push(DEADLINE_STEP.into());
    }
    Verdict {
        healthy,
        headline,
        next_steps: steps,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(human_age(45.2), "45 s");
        assert_eq!(human_age(725.0), "12 min");
        assert_eq!(human_age(7380.0), "2 h 03 min");
        assert_eq!(human_age(3.0 * 86400.0 + 4.0 * 3600.0), "3 d 04 h");
        assert_eq!(human_age(-3.0), "0 s");
    }
}
