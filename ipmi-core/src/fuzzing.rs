//! Entry points of the ipmi-core fuzz targets (`fuzz/fuzz_targets/`) and
//! of their stable replays (`tests/hostile_records.rs`, `tests/hostile_sdr.rs`):
//! each takes any bytes and panics only on a broken invariant. Behind the
//! `fuzzing` feature; not an API, hidden from the documentation.

use std::collections::HashSet;

use crate::cmd::{GetSensorReading, SensorReading};
use crate::reader::fru::FruRead;
use crate::reader::sel::{SelRange, SelRead, RECORD_LEN};
use crate::reader::{ReadMachine, Step};
use crate::record::event_text::event_description;
use crate::record::fru::{FruImage, FruInventory};
use crate::record::sdr::{split_records, Record, Sdr};
use crate::record::sel::SelRecord;
use crate::record::Checksums;
use crate::sensor::{entity_name, sensor_type_name, state_names};
use crate::walk::SdrRepository;
use crate::{Command, CompletionCode, Response, Target};

/// A fuzz entry point.
pub type Entry = fn(&[u8]);

/// The target names with their entry points (corpus directories in `fuzz/corpus/`).
pub const TARGETS: &[(&str, Entry)] = &[
    ("fru_image", fru_image),
    ("sel_record", sel_record),
    ("fru_read", fru_read),
    ("sel_read", sel_read),
    ("sdr_records", sdr_records),
    ("sensor_reading", sensor_reading),
];

fn emit(inv: &FruInventory) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    inv.emit(&mut out).ok().map(|_| out)
}

/// A FRU image, checked and with checksums ignored: decoding never panics,
/// every field renders, and a decoded inventory re-emits to an image that
/// decodes and re-emits to the same bytes.
pub fn fru_image(data: &[u8]) {
    for checks in [Checksums::Verify, Checksums::Ignore] {
        let Ok(img) = FruImage::parse_with(data, checks) else {
            continue;
        };
        if let Some(Ok(b)) = &img.board {
            for f in [&b.manufacturer, &b.product_name, &b.serial_number]
                .into_iter()
                .chain(&b.custom)
            {
                let _ = (f.to_text(), f.to_text_in(b.language));
            }
        }
        let Ok(inv) = img.into_inventory() else {
            continue;
        };
        let Some(first) = emit(&inv) else {
            continue;
        };
        let again = FruImage::parse(&first)
            .and_then(FruImage::into_inventory)
            .unwrap_or_else(|e| panic!("re-emitted image does not decode: {e}"));
        assert_eq!(emit(&again).as_ref(), Some(&first), "emit is not stable");
    }
}

/// A SEL record: the input as is (an error unless 16 bytes) and its first
/// 16 bytes padded: what decodes re-emits to the same bytes.
pub fn sel_record(data: &[u8]) {
    let _ = SelRecord::parse(data);
    let mut b = [0u8; RECORD_LEN];
    let n = data.len().min(RECORD_LEN);
    b[..n].copy_from_slice(&data[..n]);
    let r = SelRecord::parse(&b).expect("every 16 bytes are a record");
    let mut out = Vec::new();
    r.emit(&mut out);
    assert_eq!(out, b);
    if let Some(e) = r.system_event() {
        let _ = (
            event_description(e),
            e.trigger_reading(),
            e.trigger_threshold(),
        );
    }
}

/// Answers built from `data`: completion code, length, bytes.
struct Answers<'a>(&'a [u8]);

impl Answers<'_> {
    fn next(&mut self, netfn: crate::NetFn, cmd: u8) -> Option<Response> {
        let (&cc, rest) = self.0.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let len = usize::from(len % 40).min(rest.len());
        let (d, rest) = rest.split_at(len);
        self.0 = rest;
        Some(Response {
            netfn: netfn.response(),
            cmd,
            // Mostly success, so the machines get far.
            completion: CompletionCode(if cc < 0x80 { 0 } else { cc }),
            data: d.to_vec(),
        })
    }
}

/// Drives `machine` with answers from `data`; returns its output, if any.
fn drive<M: ReadMachine>(mut machine: M, data: &[u8]) -> Option<M::Output> {
    let mut answers = Answers(data);
    // Each answer consumes two input bytes at least.
    for _ in 0..=data.len() / 2 + 1 {
        match machine.step() {
            Ok(Step::Done(out)) => return Some(out),
            Ok(Step::Send(request)) => {
                let response = answers.next(request.netfn, request.cmd)?;
                if machine.feed(&response).is_err() {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    None
}

/// The FRU reader fed arbitrary answers: it ends without panicking and
/// returns at most the 64 KiB a device can announce.
pub fn fru_read(data: &[u8]) {
    let chunk = data.first().copied().unwrap_or(32);
    let machine = FruRead::new(Target::bmc(), 0).with_chunk(chunk);
    if let Some(bytes) = drive(machine, data.get(1..).unwrap_or_default()) {
        assert!(bytes.len() <= usize::from(u16::MAX));
    }
}

/// The SEL reader fed arbitrary answers: it ends without panicking, never
/// returns more than asked, and never the same record ID twice.
pub fn sel_read(data: &[u8]) {
    let pick = data.first().copied().unwrap_or(0);
    let n = usize::from(pick >> 2);
    let range = match pick & 3 {
        0 => SelRange::All,
        3 => SelRange::One(u16::from(pick >> 2)),
        1 => SelRange::First(n),
        _ => SelRange::Last(n),
    };
    if let Some(records) = drive(
        SelRead::new(Target::bmc(), range),
        data.get(1..).unwrap_or_default(),
    ) {
        let most = match range {
            SelRange::First(n) | SelRange::Last(n) => n,
            SelRange::One(_) => 1,
            SelRange::All => usize::MAX,
        };
        assert!(records.len() <= most);
        let mut ids = HashSet::new();
        for r in &records {
            assert!(ids.insert([r[0], r[1]]), "record ID returned twice");
        }
    }
}

/// SDR decoding: one record (decoded, emitted, decoded again to the same
/// value), a dump of records, the names and conversions a record leads to.
pub fn sdr_records(data: &[u8]) {
    if let Ok(rec) = Record::parse(data) {
        let mut out = Vec::new();
        rec.emit(&mut out);
        let again = Record::parse(&out).expect("an emitted record decodes");
        assert_eq!(again, rec, "emit/parse round trip");
        touch(&rec);
    }
    for r in split_records(data) {
        match r {
            Ok(bytes) => {
                if let Ok(rec) = Record::parse(bytes) {
                    touch(&rec);
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    if let Ok(repo) = SdrRepository::from_bytes(data) {
        assert_eq!(repo.to_bytes(), data, "a dump is its records back to back");
    }
}

/// Everything a printer asks of a record, for every raw byte.
fn touch(rec: &Record) {
    let _ = (
        rec.body
            .id_string()
            .map(|i| (i.text(), i.ipmitool_bytes().len())),
        rec.body.sensor_key(),
    );
    if let Some(c) = rec.body.sensor_common() {
        let _ = (
            sensor_type_name(c.sensor_type),
            entity_name(c.entity.id),
            c.units.text(),
            c.readable_thresholds().word(),
        );
        for states in [0u16, 0x7fff, 0x0155] {
            let _ = state_names(c.sensor_type, c.event_type, states);
        }
    }
    if let Sdr::Full(f) = &rec.body {
        // The edges of every format and the record's own raw values.
        let own = [f.nominal, f.sensor_min, f.sensor_max, f.hysteresis_positive];
        for raw in [0, 1, 0x7f, 0x80, 0xfe, 0xff]
            .into_iter()
            .chain(own)
            .chain(f.thresholds)
        {
            if let Some(v) = f.value(raw) {
                let _ = (
                    v.number(2),
                    f.conversion.delta(raw),
                    f.conversion.to_raw(v.value),
                );
            }
        }
        let _ = f.conversion.tolerance_value();
    }
    if let Sdr::Compact(c) = &rec.body {
        for i in 0..=c.sharing.count {
            let _ = c.sharing.suffix(i);
        }
    }
}

/// Get Sensor Reading's decoder and accessors on any response body
/// (completion code first).
pub fn sensor_reading(data: &[u8]) {
    let Some((&cc, body)) = data.split_first() else {
        return;
    };
    let cmd = GetSensorReading(0);
    let r = Response {
        netfn: cmd.netfn().response(),
        cmd: cmd.cmd(),
        completion: CompletionCode(cc),
        data: body.to_vec(),
    };
    if let Ok(s) = cmd.decode(&r) {
        let s: SensorReading = s;
        let _ = (
            s.valid_raw(),
            s.threshold_status().word(),
            s.discrete_states(),
        );
        let mut out = Vec::new();
        s.encode(&mut out);
        assert_eq!(
            out,
            body[..out.len()],
            "encode gives back the decoded bytes"
        );
    }
}
