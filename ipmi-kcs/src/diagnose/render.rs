//! The report as text for people and as JSON for programs (one line, no
//! serde: a small writer over the plain structs).

use std::fmt::Write as _;

use super::kind::ProcessKind;
use super::report::{ProbeVia, Report, ToolProcess};
use super::verdict::{human_age, verdict};

/// Tool processes listed one by one in the text output.
const TEXT_TOOL_LINES: usize = 5;

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
    let field = |o: &mut String, name: &str, lines: Vec<String>| {
        for (i, l) in lines.iter().enumerate() {
            let _ = writeln!(o, "{:<16} {l}", if i == 0 { name } else { "" });
        }
    };

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
    field(&mut o, "Kernel modules", modules);

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
    field(&mut o, "Device file", vec![dev]);

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
    field(&mut o, "kipmi threads", threads);

    let mut tools = Vec::new();
    if r.tools.is_empty() {
        tools.push("(none running)".to_string());
    } else {
        let stuck = r.stuck_tools().count();
        let states = super::histogram(r.tools.iter(), |t| t.state);
        let states: Vec<String> = states.iter().map(|(s, n)| format!("{s} {n}")).collect();
        let mut head = format!(
            "{} process(es), {stuck} running for over {}; states {}",
            r.tools.len(),
            human_age(r.stuck_after.as_secs_f64()),
            states.join(", ")
        );
        let wchans = super::histogram(r.tools.iter().filter_map(|t| t.wchan.clone()), |w| {
            w.clone()
        });
        if let Some((w, n)) = wchans.first() {
            let _ = write!(head, "; most wait in {w} ({n})");
        }
        tools.push(head);
        process_lines(&mut tools, &r.tools);
    }
    field(&mut o, "IPMI tools", tools);
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
    field(&mut o, "IPMI daemons", daemons);

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
    field(&mut o, "Probes", probes);
    if let Some((a, src)) = &r.kcs_address {
        field(&mut o, "KCS address", vec![format!("{a} ({src})")]);
    }
    if let Some(l) = r.load_average {
        field(
            &mut o,
            "Load average",
            vec![format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2])],
        );
    }
    if !r.notes.is_empty() {
        field(&mut o, "Not readable", r.notes.clone());
    }
    o
}

/// One line per process (the first [`TEXT_TOOL_LINES`]), then how many more.
fn process_lines(lines: &mut Vec<String>, processes: &[ToolProcess]) {
    for t in processes.iter().take(TEXT_TOOL_LINES) {
        lines.push(format!(
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
        ));
    }
    if processes.len() > TEXT_TOOL_LINES {
        lines.push(format!(
            "... and {} more",
            processes.len() - TEXT_TOOL_LINES
        ));
    }
}

/// A JSON value, written compactly.
enum J {
    Null,
    Bool(bool),
    Num(f64),
    Int(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

fn s(v: impl Into<String>) -> J {
    J::Str(v.into())
}

fn opt_int(v: Option<u32>) -> J {
    v.map_or(J::Null, |n| J::Int(i64::from(n)))
}

impl J {
    fn write(&self, o: &mut String) {
        match self {
            J::Null => o.push_str("null"),
            J::Bool(b) => o.push_str(if *b { "true" } else { "false" }),
            J::Num(x) if x.is_finite() => {
                let _ = write!(o, "{x}");
            }
            J::Num(_) => o.push_str("null"),
            J::Int(n) => {
                let _ = write!(o, "{n}");
            }
            J::Str(t) => {
                o.push('"');
                for c in t.chars() {
                    match c {
                        '"' => o.push_str("\\\""),
                        '\\' => o.push_str("\\\\"),
                        '\n' => o.push_str("\\n"),
                        '\r' => o.push_str("\\r"),
                        '\t' => o.push_str("\\t"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(o, "\\u{:04x}", c as u32);
                        }
                        c => o.push(c),
                    }
                }
                o.push('"');
            }
            J::Arr(items) => {
                o.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    it.write(o);
                }
                o.push(']');
            }
            J::Obj(fields) => {
                o.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    J::Str((*k).to_string()).write(o);
                    o.push(':');
                    v.write(o);
                }
                o.push('}');
            }
        }
    }
}

/// The report and its verdict as one line of JSON (no trailing newline).
pub fn render_json(r: &Report) -> String {
    let v = verdict(r);
    let strings = |v: &[String]| J::Arr(v.iter().map(|x| s(x.clone())).collect());
    let modules = r
        .modules
        .iter()
        .map(|m| {
            J::Obj(vec![
                ("name", s(&m.name)),
                ("state", s(&m.state)),
                ("refcount", opt_int(m.refcount)),
                ("used_by", strings(&m.used_by)),
            ])
        })
        .collect();
    let threads = r
        .kernel_threads
        .iter()
        .map(|t| {
            J::Obj(vec![
                ("pid", J::Int(i64::from(t.pid))),
                ("name", s(&t.name)),
                ("state", s(t.state.to_string())),
                ("cpu_percent", J::Num(t.cpu_percent)),
                ("spinning", J::Bool(t.cpu_percent >= r.spin_percent)),
            ])
        })
        .collect();
    let limit = r.stuck_after.as_secs_f64();
    let procs = |list: &[ToolProcess]| {
        list.iter()
            .map(|t| {
                J::Obj(vec![
                    ("pid", J::Int(i64::from(t.pid))),
                    ("tool", s(&t.tool)),
                    ("kind", s(t.kind.key())),
                    ("command", s(&t.command)),
                    ("state", s(t.state.to_string())),
                    ("age_s", J::Num((t.age_secs * 10.0).round() / 10.0)),
                    ("stuck", J::Bool(t.is_stuck(r.stuck_after))),
                    ("wchan", t.wchan.as_ref().map_or(J::Null, s)),
                ])
            })
            .collect()
    };
    let probes = r
        .probes
        .iter()
        .map(|p| {
            let mut f = vec![
                ("via", s(p.via.key())),
                ("elapsed_ms", J::Int(p.elapsed.as_millis() as i64)),
                ("ok", J::Bool(p.result.is_ok())),
            ];
            match &p.result {
                Ok(a) => f.push((
                    "answer",
                    J::Obj(vec![
                        ("path", s(&a.path)),
                        ("device_id", J::Int(i64::from(a.device_id))),
                        (
                            "ipmi_version",
                            s(format!("{}.{}", a.ipmi_version.0, a.ipmi_version.1)),
                        ),
                        ("manufacturer_id", J::Int(i64::from(a.manufacturer_id))),
                        ("product_id", J::Int(i64::from(a.product_id))),
                        ("firmware", s(&a.firmware)),
                    ]),
                )),
                Err(e) => f.push((
                    "error",
                    J::Obj(vec![
                        ("path", s(&e.path)),
                        ("class", s(e.class.name())),
                        ("message", s(&e.message)),
                    ]),
                )),
            }
            J::Obj(f)
        })
        .collect();
    let skipped = r
        .skipped
        .iter()
        .map(|k| J::Obj(vec![("via", s(k.via.key())), ("reason", s(&k.reason))]))
        .collect();
    let kcs = r.kcs_address.as_ref().map_or(J::Null, |(a, src)| {
        J::Obj(vec![
            ("data_port", J::Int(i64::from(a.data_port()))),
            ("status_port", J::Int(i64::from(a.status_port()))),
            ("source", s(src)),
        ])
    });
    let doc = J::Obj(vec![
        ("healthy", J::Bool(v.healthy)),
        ("exit_code", J::Int(i64::from(v.exit_code()))),
        ("headline", s(&v.headline)),
        ("next_steps", strings(&v.next_steps)),
        ("findings", strings(&v.findings)),
        ("modules", J::Arr(modules)),
        (
            "device",
            J::Obj(vec![
                ("path", s(&r.device.path)),
                ("exists", J::Bool(r.device.exists)),
                ("major", opt_int(r.device.major)),
                ("registered_major", opt_int(r.device.registered_major)),
            ]),
        ),
        ("kernel_threads", J::Arr(threads)),
        ("sample_ms", J::Int(r.sample.as_millis() as i64)),
        (
            "tools",
            J::Obj(vec![
                ("count", J::Int(r.tools.len() as i64)),
                ("stuck", J::Int(r.stuck_tools().count() as i64)),
                ("stuck_after_s", J::Num(limit)),
                ("processes", J::Arr(procs(&r.tools))),
            ]),
        ),
        (
            "daemons",
            J::Obj(vec![
                ("count", J::Int(r.daemons.len() as i64)),
                ("processes", J::Arr(procs(&r.daemons))),
            ]),
        ),
        ("probes", J::Arr(probes)),
        ("skipped_probes", J::Arr(skipped)),
        ("kcs_address", kcs),
        (
            "load_average",
            r.load_average
                .map_or(J::Null, |l| J::Arr(l.iter().map(|x| J::Num(*x)).collect())),
        ),
        ("notes", strings(&r.notes)),
    ]);
    let mut o = String::new();
    doc.write(&mut o);
    o
}
