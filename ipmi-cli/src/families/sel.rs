//! The `sel` family: the System Event Log (IPMI 2.0 §31) as ipmitool
//! 1.8.19 prints it — `info` (Get SEL Info, §31.2, and Get SEL Allocation
//! Info, §31.3, when offered), `list [first N | last N]` (Get SEL Entry
//! along the links, §31.5; `last N` without walking the whole log),
//! `time get|set`, `clear` and `delete ID...`. Times are local, honouring
//! `TZ`, as ipmitool's. `elist` names events by the SDRs ([`names`]).

use std::fmt::Write;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::cmd::sel::{GetSelAllocationInfo, GetSelInfo, GetSelTime, SelAllocation, SelInfo, SetSelTime};
use ipmi_core::reader::sel::{RawSelRecord, SelRange, SelRead};
use ipmi_core::reader::sel_change::{SelClear, SelDelete};
use ipmi_core::record::event_text::event_description;
use ipmi_core::record::sel::{SelBody, SelRecord, SelTime, SystemEvent};
use ipmi_core::sensor::names::sensor_type_name;
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;

mod names;

use names::{Named, Sensors};

use super::{decode_alone, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::numbers::parse_unsigned;
use crate::output::json::line as json_line;
use crate::output::localtime;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// System Event Log: info, list [first N|last N], time get|set, clear, delete ID...
    Sel {
        /// (none: info, as ipmitool)
        #[command(subcommand)]
        command: Option<SelCommand>,
    },
}

/// `sel ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SelCommand {
    /// Get SEL Info (and allocation info when offered)
    Info,
    /// The entries: all, `first N` or `last N`
    List {
        /// first N | last N
        range: Vec<String>,
    },
    /// The entries with sensor names and readings from the SDRs
    Elist {
        /// first N | last N
        range: Vec<String>,
    },
    /// The SEL clock: get, or set "MM/DD/YYYY HH:MM:SS" (local time) or now
    Time {
        /// get | set
        words: Vec<String>,
    },
    /// Clear the SEL
    Clear,
    /// Delete entries by record ID
    Delete {
        /// Record IDs (decimal or 0x hex)
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

/// What `sel` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `sel info`.
    Info,
    /// `sel list ...` (`elist` when extended: names from the SDRs).
    List {
        /// Which entries.
        range: SelRange,
        /// `elist`.
        extended: bool,
        /// `-c`: comma-separated.
        csv: bool,
    },
    /// `sel time get`.
    TimeGet,
    /// `sel time set`: seconds since 1970.
    TimeSet(u32),
    /// `sel clear`.
    Clear,
    /// `sel delete ID...`.
    Delete(Vec<u16>),
}

fn usage(text: impl Into<String>) -> CliError {
    CliError::Usage(text.into())
}

fn count(word: Option<&String>) -> Result<usize, CliError> {
    let w = word.ok_or_else(|| usage("sel list first|last takes a count"))?;
    match parse_unsigned(w, 0xffff) {
        Ok(n) if n > 0 => Ok(n as usize),
        _ => Err(usage(format!("'{w}' is no entry count (1-65535)"))),
    }
}

/// This machine's clock as a SEL time (`sel time set now`).
fn now_utc() -> Result<u32, CliError> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u32::try_from(d.as_secs()).ok())
        .ok_or_else(|| usage("this machine's clock is outside the SEL's range (1970-2106)"))
}

fn sel_range(words: &[String]) -> Result<SelRange, CliError> {
    Ok(match words.first().map(String::as_str) {
        None => SelRange::All,
        Some("first") if words.len() == 2 => SelRange::First(count(words.get(1))?),
        Some("last") if words.len() == 2 => SelRange::Last(count(words.get(1))?),
        Some(w) => return Err(usage(format!("sel list takes first N or last N, not '{w}'"))),
    })
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Sel { command } = self;
        let Some(command) = command else {
            return Ok(Action::Info);
        };
        Ok(match command {
            SelCommand::Info => Action::Info,
            SelCommand::List { range } => Action::List {
                range: sel_range(range)?,
                extended: false,
                csv: false,
            },
            SelCommand::Elist { range } => Action::List {
                range: sel_range(range)?,
                extended: true,
                csv: false,
            },
            SelCommand::Time { words } => match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                ["get"] => Action::TimeGet,
                ["set", now] if now.eq_ignore_ascii_case("now") => Action::TimeSet(now_utc()?),
                ["set", when] => Action::TimeSet(localtime::parse_local(when).ok_or_else(|| {
                    usage(format!("'{when}' is no time (\"MM/DD/YYYY HH:MM:SS\", local time)"))
                })?),
                _ => return Err(usage("sel time takes get, or set \"MM/DD/YYYY HH:MM:SS\"")),
            },
            SelCommand::Clear => Action::Clear,
            SelCommand::Delete { ids } => Action::Delete(
                ids.iter()
                    .map(|id| {
                        parse_unsigned(id, 0xffff)
                            .map(|v| v as u16)
                            .map_err(|_| usage(format!("Given SEL ID '{id}' is invalid.")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

impl Action {
    /// The same action printing CSV where ipmitool has it (`-c`).
    pub fn with_csv(self) -> Action {
        match self {
            Action::List { range, extended, .. } => Action::List {
                range,
                extended,
                csv: true,
            },
            other => other,
        }
    }

    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        let target = x.target();
        Ok(match self {
            Action::Info => {
                let info = x.ask(&GetSelInfo)?;
                let allocation = if info.supports_allocation_info() {
                    Some(x.ask(&GetSelAllocationInfo)?)
                } else {
                    None
                };
                Outcome::Info(info, allocation)
            }
            Action::List {
                range,
                extended,
                csv,
            } => {
                let raw = x.drive(SelRead::new(target, *range))?;
                let mut entries: Vec<Entry> = raw.iter().map(Entry::new).collect();
                if *extended && entries.iter().any(|e| e.event().is_some()) {
                    let sensors = Sensors::read(x)?;
                    for e in &mut entries {
                        if let Entry::Record(r, named) = e {
                            if let SelBody::System(event) = &r.body {
                                *named = sensors.find(event).map(|rec| Named::new(rec, event));
                            }
                        }
                    }
                }
                Outcome::List(entries, *csv)
            }
            Action::TimeGet => Outcome::Time(x.ask(&GetSelTime)?),
            Action::TimeSet(time) => {
                x.ask(&SetSelTime { time: *time })?;
                Outcome::Quiet
            }
            Action::Clear => {
                x.drive(SelClear::new(target))?;
                Outcome::Cleared
            }
            Action::Delete(ids) => {
                let mut deleted = Vec::new();
                for id in ids {
                    deleted.push(x.drive(SelDelete::new(target, *id))?);
                }
                Outcome::Deleted(deleted)
            }
        })
    }

    /// `time get` and `time set` are one exchange.
    pub fn one_exchange(&self) -> bool {
        matches!(self, Action::TimeGet | Action::TimeSet(_))
    }

    /// The (first) request for `target`.
    pub fn request(&self, target: Target) -> Request {
        match self {
            Action::TimeGet => GetSelTime.request_to(target),
            Action::TimeSet(time) => SetSelTime { time: *time }.request_to(target),
            _ => GetSelInfo.request_to(target),
        }
    }

    /// Decodes the answer of a one-exchange action.
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        decode_alone(response, "sel", |x| self.run(x))
    }

    fn what(&self) -> &'static str {
        match self {
            Action::Info => "Get SEL Info command failed",
            Action::List { .. } => "Get SEL Entry command failed",
            Action::TimeGet => "Get SEL Time command failed",
            Action::TimeSet(_) => "Set SEL Time command failed",
            Action::Clear => "Unable to clear SEL",
            Action::Delete(_) => "Unable to delete entry",
        }
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        self.what().into()
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, _target: Target, _code: CompletionCode, text: &str) -> String {
        format!("{}: {text}", self.what())
    }
}

/// One SEL entry as read: decoded, or the bytes that did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A decoded record, with its sensor's name for `elist`.
    Record(SelRecord, Option<Named>),
    /// A record that did not decode (record ID, why).
    Bad(u16, String),
}

impl Entry {
    fn new(raw: &RawSelRecord) -> Self {
        match SelRecord::parse(raw) {
            Ok(r) => Entry::Record(r, None),
            Err(e) => Entry::Bad(u16::from_le_bytes([raw[0], raw[1]]), e.to_string()),
        }
    }

    fn event(&self) -> Option<&SystemEvent> {
        match self {
            Entry::Record(r, _) => r.system_event(),
            Entry::Bad(..) => None,
        }
    }
}

/// What `sel` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// SEL info and allocation info.
    Info(SelInfo, Option<SelAllocation>),
    /// The entries read (and whether as CSV).
    List(Vec<Entry>, bool),
    /// The SEL clock.
    Time(u32),
    /// Done, nothing to say.
    Quiet,
    /// Clear initiated.
    Cleared,
    /// The deleted record IDs.
    Deleted(Vec<u16>),
}

/// ipmitool's date/time for SEL info's last add and erase times.
fn info_time(t: u32) -> String {
    if t == 0 || t == 0xffff_ffff {
        "Not Available".into()
    } else {
        localtime::numeric(t)
    }
}

fn info_text(o: &mut String, info: &SelInfo, alloc: &Option<SelAllocation>) {
    let v = info.version;
    let known = if v == 0x51 || v == 0x02 { "v1.5, v2 compliant" } else { "Unknown" };
    let _ = writeln!(o, "SEL Information");
    let _ = writeln!(o, "Version          : {}.{} ({known})", v & 0xf, v >> 4);
    let (entries, free) = (u32::from(info.record_count), u32::from(info.free_space));
    let _ = writeln!(o, "Entries          : {entries}");
    let more = if free == 0xffff { "or more" } else { "" };
    let _ = writeln!(o, "Free Space       : {free} bytes {more}");
    let total = free + entries * 16;
    if total >= 0xffff {
        let _ = writeln!(o, "Percent Used     : unknown");
    } else {
        let pct = if entries == 0 { 0 } else { entries * 16 * 100 / total };
        let _ = writeln!(o, "Percent Used     : {pct}%");
    }
    let _ = writeln!(o, "Last Add Time    : {}", info_time(info.last_addition));
    let _ = writeln!(o, "Last Del Time    : {}", info_time(info.last_erase));
    let _ = writeln!(o, "Overflow         : {}", info.overflow());
    let _ = write!(o, "Supported Cmds   : ");
    let ops = info.operation_support;
    if ops & 0x0f == 0 {
        let _ = write!(o, "None");
    }
    for (bit, name) in [(8, "'Delete' "), (4, "'Partial Add' "), (2, "'Reserve' "), (1, "'Get Alloc Info' ")] {
        if ops & bit != 0 {
            o.push_str(name);
        }
    }
    o.push('\n');
    if let Some(a) = alloc {
        let _ = writeln!(o, "# of Alloc Units : {}", a.units);
        let _ = writeln!(o, "Alloc Unit Size  : {}", a.unit_size);
        let _ = writeln!(o, "# Free Units     : {}", a.free_units);
        let _ = writeln!(o, "Largest Free Blk : {}", a.largest_free);
        let _ = writeln!(o, "Max Record Size  : {}", a.max_record);
    }
}

/// The column separators of `sel list`: ipmitool's text or its `-c` CSV.
#[derive(Clone, Copy)]
struct Sep {
    /// Between columns.
    col: &'static str,
    /// After the record ID.
    id: &'static str,
    /// Around the pre-init timestamp: before and after it.
    pre: (&'static str, &'static str),
    /// The date and time columns of a record without a timestamp.
    no_time: &'static str,
}

impl Sep {
    const TEXT: Sep = Sep {
        col: " | ",
        id: " | ",
        pre: (" |", "| "),
        no_time: "",
    };
    const CSV: Sep = Sep {
        col: ",",
        id: ",",
        pre: (",", ","),
        no_time: ",,",
    };
}

/// The date and time columns of a timestamped record.
fn when(o: &mut String, raw: u32, sep: Sep) {
    match SelTime::from_raw(raw) {
        SelTime::PreInit(t) => {
            let _ = write!(o, " Pre-Init {}{t:010}{}", sep.pre.0, sep.pre.1);
        }
        SelTime::Unspecified => {
            let _ = write!(o, "Unspecified{0}Unspecified{0}", sep.col);
        }
        SelTime::Unix(t) => {
            let _ = write!(o, "{0}{1}{2}{1}", localtime::date(t), sep.col, localtime::time(t));
        }
    }
}

fn hex(o: &mut String, bytes: &[u8]) {
    bytes.iter().for_each(|b| {
        let _ = write!(o, "{b:02x}");
    });
}

/// One `sel list` line, as ipmitool 1.8.19 prints it.
fn list_line(o: &mut String, r: &SelRecord, named: Option<&Named>, sep: Sep) {
    if sep.id == "," {
        let _ = write!(o, "{:x},", r.id);
    } else {
        let _ = write!(o, "{:4x} | ", r.id);
    }
    match &r.body {
        SelBody::System(e) => {
            when(o, e.timestamp, sep);
            o.push_str(sensor_type_name(e.sensor_type));
            match named {
                Some(n) => {
                    let _ = write!(o, " {}", n.name);
                }
                None if e.sensor_number != 0 => {
                    let _ = write!(o, " #0x{:02x}", e.sensor_number);
                }
                None => {}
            }
            let desc = event_description(e).unwrap_or("");
            let _ = write!(o, "{0}{desc}{0}{1}", sep.col, e.direction());
            if let Some(reading) = named.and_then(|n| n.reading.as_ref()) {
                let _ = write!(o, "{}{reading}", sep.col);
            }
        }
        SelBody::OemTimestamped {
            timestamp,
            manufacturer,
            data,
        } => {
            when(o, *timestamp, sep);
            let _ = write!(o, "OEM record {:02x}{1}{manufacturer:06x}{1}", r.record_type, sep.col);
            hex(o, data);
        }
        SelBody::Bytes(bytes) => {
            let _ = write!(o, "{}OEM record {:02x}{}", sep.no_time, r.record_type, sep.col);
            hex(o, bytes);
        }
    }
    o.push('\n');
}

#[derive(Serialize)]
struct InfoJson<'a> {
    info: &'a SelInfo,
    allocation: &'a Option<SelAllocation>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum EntryJson<'a> {
    Record {
        #[serde(flatten)]
        record: &'a SelRecord,
        sensor: &'a Option<Named>,
    },
    Bad { id: u16, error: &'a str },
}

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        if json {
            return Rendered::bytes(match self {
                Outcome::Info(info, allocation) => json_line(&InfoJson { info, allocation }),
                Outcome::List(entries, _) => json_line(&serde_json::json!({
                    "entries": entries.iter().map(|e| match e {
                        Entry::Record(record, sensor) => EntryJson::Record { record, sensor },
                        Entry::Bad(id, error) => EntryJson::Bad { id: *id, error },
                    }).collect::<Vec<_>>()
                })),
                Outcome::Time(t) => json_line(&serde_json::json!({ "time": t })),
                Outcome::Quiet => json_line(&serde_json::json!({ "ok": true })),
                Outcome::Cleared => json_line(&serde_json::json!({ "cleared": true })),
                Outcome::Deleted(ids) => json_line(&serde_json::json!({ "deleted": ids })),
            });
        }
        let mut o = String::new();
        let mut note = None;
        match self {
            Outcome::Info(info, alloc) => info_text(&mut o, info, alloc),
            Outcome::List(entries, csv) => {
                let sep = if *csv { Sep::CSV } else { Sep::TEXT };
                for e in entries {
                    match e {
                        Entry::Record(r, named) => list_line(&mut o, r, named.as_ref(), sep),
                        Entry::Bad(id, why) => note = Some(format!("SEL entry 0x{id:04x}: {why}")),
                    }
                }
            }
            Outcome::Time(t) => {
                let _ = writeln!(o, "{}", localtime::numeric(*t));
            }
            Outcome::Quiet => {}
            Outcome::Cleared => o.push_str("Clearing SEL.  Please allow a few seconds to erase.\n"),
            Outcome::Deleted(ids) => ids.iter().for_each(|id| {
                let _ = writeln!(o, "Deleted entry {id}");
            }),
        }
        Rendered {
            bytes: o.into_bytes(),
            note,
        }
    }

    /// No completion code makes an answer an error here.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}
