//! `diagnose`'s report and verdict as text for people and as one JSON
//! object for programs (the library keeps facts and verdict; the words
//! and the layout are the CLI's).

use std::fmt::Write as _;

use ipmi_kcs::diagnose::{human_age, verdict, ProbeVia, ProcessKind, Report, ToolProcess};
use serde::Serialize;

/// Tool processes listed one by one in the text output.
const TEXT_TOOL_LINES: usize = 5;

/// Writes `lines` under a 16-column field name (the name on the first line only).
pub fn field(o: &mut String, name: &str, lines: &[String]) {
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(o, "{:<16} {l}", if i == 0 { name } else { "" });
    }
}

/// One process as a line: pid, age, state, redacted command, where it waits.
pub fn process_line(t: &ToolProcess) -> String {
    format!(
        "pid {} {} {} {}{}{}",
        t.pid,
        human_age(t.age_secs),
        t.state,
        t.command,
        t.wchan
            .as_ref()
            .map(|w| format!(" [{w}]"))
            .unwrap_or_default(),
        if t.kind == ProcessKind::Session {
            " (interactive session)"
        } else {
            ""
        }
    )
}

/// The report and its verdict as text, one section per line group.
pub fn render_text(r: &Report) -> String {
    let v = verdict(r);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "IPMI in-band health: {} (exit {})",
        if v.healthy { "HEALTHY" } else { "NOT HEALTHY" },
        v.exit_code()
    );
    let _ = writeln!(o, "  {}", v.headline);
    if !v.next_steps.is_empty() {
        let _ = writeln!(o, "\nNext steps:");
        for (i, s) in v.next_steps.iter().enumerate() {
            let _ = writeln!(o, "  {}. {s}", i + 1);
        }
    }
    if !v.findings.is_empty() {
        let _ = writeln!(o, "\nFindings:");
        for f in &v.findings {
            let _ = writeln!(o, "  - {f}");
        }
    }
    let _ = writeln!(o);

    let modules = if r.modules.is_empty() {
        vec!["(no IPMI module loaded)".to_string()]
    } else {
        r.modules
            .iter()
            .map(|m| {
                let mut s = format!("{} ({}", m.name, m.state);
                if let Some(n) = m.refcount {
                    let _ = write!(s, ", refs {n}");
                }
                if !m.used_by.is_empty() {
                    let _ = write!(s, ", used by {}", m.used_by.join(", "));
                }
                s + ")"
            })
            .collect()
    };
    field(&mut o, "Kernel modules", &modules);

    let d = &r.device;
    let mut dev = format!(
        "{}: {}",
        d.path,
        if d.exists { "present" } else { "missing" }
    );
    if let Some(m) = d.major {
        let _ = write!(dev, ", char major {m}");
    }
    match d.registered_major {
        Some(m) => {
            let _ = write!(dev, " (ipmidev registered as {m})");
        }
        None => dev.push_str(" (no ipmidev in /proc/devices)"),
    }
    field(&mut o, "Device file", &[dev]);

    let threads = if r.kernel_threads.is_empty() {
        vec!["(none)".to_string()]
    } else {
        r.kernel_threads
            .iter()
            .map(|t| {
                format!(
                    "{} pid {} state {}: {:.1} % CPU over {:.2} s",
                    t.name,
                    t.pid,
                    t.state,
                    t.cpu_percent,
                    r.sample.as_secs_f64()
                )
            })
            .collect()
    };
    field(&mut o, "kipmi threads", &threads);

    let mut tools = Vec::new();
    if r.tools.is_empty() {
        tools.push("(none running)".to_string());
    } else {
        let stuck = r.stuck_tools().count();
        let states: Vec<String> = r
            .tool_states()
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let mut head = format!(
            "{} process(es), {stuck} running for over {}; states {}",
            r.tools.len(),
            human_age(r.stuck_after.as_secs_f64()),
            states.join(", ")
        );
        if let Some((w, n)) = r.tool_wait_channels().first() {
            let _ = write!(head, "; most wait in {w} ({n})");
        }
        tools.push(head);
        process_lines(&mut tools, &r.tools);
    }
    field(&mut o, "IPMI tools", &tools);
    let mut daemons = Vec::new();
    if r.daemons.is_empty() {
        daemons.push("(none running)".to_string());
    } else {
        daemons.push(format!(
            "{} process(es), long-running by design (never counted as stuck)",
            r.daemons.len()
        ));
        process_lines(&mut daemons, &r.daemons);
    }
    field(&mut o, "IPMI daemons", &daemons);

    let mut probes = Vec::new();
    for p in &r.probes {
        let ms = p.elapsed.as_millis();
        probes.push(match &p.result {
            Ok(a) => format!(
                "{}: Get Device ID answered in {ms} ms: device id 0x{:02x}, IPMI {}.{}, firmware {}, manufacturer {}, product 0x{:04x}",
                a.path, a.device_id, a.ipmi_version.0, a.ipmi_version.1, a.firmware, a.manufacturer_id, a.product_id
            ),
            Err(f) => format!("{}: failed after {ms} ms ({}): {}", f.path, f.class.name(), f.message),
        });
    }
    for s in &r.skipped {
        let name = match s.via {
            ProbeVia::DeviceFile => "device file",
            ProbeVia::Kcs => "KCS",
        };
        probes.push(format!("{name}: not probed: {}", s.reason));
    }
    field(&mut o, "Probes", &probes);
    if let Some((a, src)) = &r.kcs_address {
        field(&mut o, "KCS address", &[format!("{a} ({src})")]);
    }
    if let Some(l) = r.load_average {
        field(
            &mut o,
            "Load average",
            &[format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2])],
        );
    }
    if !r.notes.is_empty() {
        field(&mut o, "Not readable", &r.notes);
    }
    o
}

/// One line per process (the first [`TEXT_TOOL_LINES`]), then how many more.
fn process_lines(lines: &mut Vec<String>, processes: &[ToolProcess]) {
    for t in processes.iter().take(TEXT_TOOL_LINES) {
        lines.push(process_line(t));
    }
    if processes.len() > TEXT_TOOL_LINES {
        lines.push(format!(
            "... and {} more",
            processes.len() - TEXT_TOOL_LINES
        ));
    }
}

// ------------------------------------------------------------------ JSON

/// The `--json` object (field order is the output's).
#[derive(Serialize)]
struct Doc<'a> {
    healthy: bool,
    exit_code: i32,
    headline: String,
    next_steps: Vec<String>,
    findings: Vec<String>,
    modules: Vec<ModuleJson<'a>>,
    device: DeviceJson<'a>,
    kernel_threads: Vec<ThreadJson<'a>>,
    sample_ms: u128,
    tools: ToolsJson<'a>,
    daemons: DaemonsJson<'a>,
    probes: Vec<ProbeJson<'a>>,
    skipped_probes: Vec<SkippedJson<'a>>,
    kcs_address: Option<KcsJson<'a>>,
    load_average: Option<[f64; 3]>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct ModuleJson<'a> {
    name: &'a str,
    state: &'a str,
    refcount: Option<u32>,
    used_by: &'a [String],
}

#[derive(Serialize)]
struct DeviceJson<'a> {
    path: &'a str,
    exists: bool,
    major: Option<u32>,
    registered_major: Option<u32>,
}

#[derive(Serialize)]
struct ThreadJson<'a> {
    pid: u32,
    name: &'a str,
    state: String,
    cpu_percent: f64,
    spinning: bool,
}

#[derive(Serialize)]
struct ToolsJson<'a> {
    count: usize,
    stuck: usize,
    stuck_after_s: f64,
    processes: Vec<ProcessJson<'a>>,
}

#[derive(Serialize)]
struct DaemonsJson<'a> {
    count: usize,
    processes: Vec<ProcessJson<'a>>,
}

/// One process in `--json` (also `recover`'s process list).
#[derive(Serialize)]
pub struct ProcessJson<'a> {
    pid: u32,
    tool: &'a str,
    kind: &'static str,
    command: &'a str,
    state: String,
    age_s: f64,
    stuck: bool,
    wchan: Option<&'a str>,
}

impl<'a> ProcessJson<'a> {
    /// `t`, stuck or not by `stuck_after`.
    pub fn new(t: &'a ToolProcess, stuck_after: std::time::Duration) -> Self {
        ProcessJson {
            pid: t.pid,
            tool: &t.tool,
            kind: t.kind.key(),
            command: &t.command,
            state: t.state.to_string(),
            age_s: (t.age_secs * 10.0).round() / 10.0,
            stuck: t.is_stuck(stuck_after),
            wchan: t.wchan.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct ProbeJson<'a> {
    via: &'static str,
    elapsed_ms: u128,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<AnswerJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<FailureJson<'a>>,
}

#[derive(Serialize)]
struct AnswerJson<'a> {
    path: &'a str,
    device_id: u8,
    ipmi_version: String,
    manufacturer_id: u32,
    product_id: u16,
    firmware: &'a str,
}

#[derive(Serialize)]
struct FailureJson<'a> {
    path: &'a str,
    class: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct SkippedJson<'a> {
    via: &'static str,
    reason: &'a str,
}

#[derive(Serialize)]
struct KcsJson<'a> {
    data_port: u16,
    status_port: u16,
    source: &'a str,
}

fn processes(list: &[ToolProcess], stuck_after: std::time::Duration) -> Vec<ProcessJson<'_>> {
    list.iter()
        .map(|t| ProcessJson::new(t, stuck_after))
        .collect()
}

/// The report and its verdict as one line of JSON (no trailing newline).
pub fn render_json(r: &Report) -> String {
    let v = verdict(r);
    let doc = Doc {
        healthy: v.healthy,
        exit_code: v.exit_code(),
        headline: v.headline.clone(),
        next_steps: v.next_steps.clone(),
        findings: v.findings.clone(),
        modules: r
            .modules
            .iter()
            .map(|m| ModuleJson {
                name: &m.name,
                state: &m.state,
                refcount: m.refcount,
                used_by: &m.used_by,
            })
            .collect(),
        device: DeviceJson {
            path: &r.device.path,
            exists: r.device.exists,
            major: r.device.major,
            registered_major: r.device.registered_major,
        },
        kernel_threads: r
            .kernel_threads
            .iter()
            .map(|t| ThreadJson {
                pid: t.pid,
                name: &t.name,
                state: t.state.to_string(),
                cpu_percent: t.cpu_percent,
                spinning: t.cpu_percent >= r.spin_percent,
            })
            .collect(),
        sample_ms: r.sample.as_millis(),
        tools: ToolsJson {
            count: r.tools.len(),
            stuck: r.stuck_tools().count(),
            stuck_after_s: r.stuck_after.as_secs_f64(),
            processes: processes(&r.tools, r.stuck_after),
        },
        daemons: DaemonsJson {
            count: r.daemons.len(),
            processes: processes(&r.daemons, r.stuck_after),
        },
        probes: r
            .probes
            .iter()
            .map(|p| ProbeJson {
                via: p.via.key(),
                elapsed_ms: p.elapsed.as_millis(),
                ok: p.result.is_ok(),
                answer: p.result.as_ref().ok().map(|a| AnswerJson {
                    path: &a.path,
                    device_id: a.device_id,
                    ipmi_version: format!("{}.{}", a.ipmi_version.0, a.ipmi_version.1),
                    manufacturer_id: a.manufacturer_id,
                    product_id: a.product_id,
                    firmware: &a.firmware,
                }),
                error: p.result.as_ref().err().map(|e| FailureJson {
                    path: &e.path,
                    class: e.class.name(),
                    message: &e.message,
                }),
            })
            .collect(),
        skipped_probes: r
            .skipped
            .iter()
            .map(|k| SkippedJson {
                via: k.via.key(),
                reason: &k.reason,
            })
            .collect(),
        kcs_address: r.kcs_address.as_ref().map(|(a, src)| KcsJson {
            data_port: a.data_port(),
            status_port: a.status_port(),
            source: src,
        }),
        load_average: r.load_average,
        notes: &r.notes,
    };
    serde_json::to_string(&doc).expect("plain data serializes")
}

#[cfg(test)]
mod tests;
