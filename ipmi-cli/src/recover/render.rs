//! `recover`'s step reports as text (one line per step, details below,
//! in diagnose's 16-column layout) and as JSON (one object per step).

use std::fmt::Write as _;

use ipmi_kcs::recover::{ProcessFate, ProcessOutcome, Status, StepReport};
use serde::Serialize;

use crate::diagnose::render::{process_line, ProcessJson};

/// What happened to a process, in words.
fn fate_text(f: &ProcessFate) -> String {
    match f {
        ProcessFate::Listed => "left alone".into(),
        ProcessFate::Ended { signal } => format!("ended ({signal})"),
        ProcessFate::Survived { state } => format!(
            "still there after SIGKILL (state {state}{})",
            if *state == 'D' {
                ": blocked in the kernel, it ends when its call returns"
            } else {
                ""
            }
        ),
        ProcessFate::Gone => "gone before it was signalled".into(),
        ProcessFate::Reused => "left alone: its pid now belongs to another process".into(),
        ProcessFate::OwnAncestor => "left alone: it runs this ipmirs".into(),
        ProcessFate::SignalFailed { error } => format!("not signalled: {error}"),
    }
}

/// One step as text: `STEP  STATUS  summary`, then its processes and details.
pub fn text(s: &StepReport) -> String {
    let mut o = String::new();
    let status = match s.status {
        Status::Planned => "would",
        st => st.key(),
    };
    let _ = writeln!(o, "{:<18} {:<8} {}", s.step.key(), status, s.summary);
    for p in &s.processes {
        let _ = writeln!(
            o,
            "{:<27} {}: {}",
            "",
            process_line(&p.process),
            fate_text(&p.fate)
        );
    }
    for d in &s.details {
        let _ = writeln!(o, "{:<27} {d}", "");
    }
    o
}

#[derive(Serialize)]
struct ProcessOut<'a> {
    #[serde(flatten)]
    process: ProcessJson<'a>,
    fate: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<&'static str>,
    text: String,
}

#[derive(Serialize)]
struct AnswerOut<'a> {
    path: &'a str,
    device_id: u8,
    firmware: &'a str,
    manufacturer_id: u32,
    product_id: u16,
}

#[derive(Serialize)]
struct StepOut<'a> {
    step: &'static str,
    status: &'static str,
    summary: &'a str,
    details: &'a [String],
    processes: Vec<ProcessOut<'a>>,
    answer: Option<AnswerOut<'a>>,
    elapsed_ms: u128,
}

fn fate_key(f: &ProcessFate) -> &'static str {
    match f {
        ProcessFate::Listed => "listed",
        ProcessFate::Ended { .. } => "ended",
        ProcessFate::Survived { .. } => "survived",
        ProcessFate::Gone => "gone",
        ProcessFate::Reused => "pid-reused",
        ProcessFate::OwnAncestor => "own-ancestor",
        ProcessFate::SignalFailed { .. } => "signal-failed",
    }
}

fn process_out(p: &ProcessOutcome) -> ProcessOut<'_> {
    ProcessOut {
        // Every process listed here was stuck when diagnose looked.
        process: ProcessJson::new(&p.process, std::time::Duration::ZERO),
        fate: fate_key(&p.fate),
        signal: match &p.fate {
            ProcessFate::Ended { signal } => Some(signal),
            _ => None,
        },
        text: fate_text(&p.fate),
    }
}

/// One step as one JSON line.
pub fn json_line(s: &StepReport) -> String {
    let out = StepOut {
        step: s.step.key(),
        status: s.status.key(),
        summary: &s.summary,
        details: &s.details,
        processes: s.processes.iter().map(process_out).collect(),
        answer: s.answer.as_ref().map(|a| AnswerOut {
            path: &a.path,
            device_id: a.device_id,
            firmware: &a.firmware,
            manufacturer_id: a.manufacturer_id,
            product_id: a.product_id,
        }),
        elapsed_ms: s.elapsed.as_millis(),
    };
    let mut line = serde_json::to_string(&out).expect("plain data serializes");
    line.push('\n');
    line
}
