//! Entry points of the record fuzz targets (`fuzz/fuzz_targets/fru_*`,
//! `sel_*`) and of their stable replay (`tests/hostile_records.rs`): each
//! takes any bytes and panics only on a broken invariant.

use std::collections::HashSet;

use crate::reader::fru::FruRead;
use crate::reader::sel::{SelRange, SelRead, RECORD_LEN};
use crate::reader::{ReadMachine, Step};
use crate::record::event_text::event_description;
use crate::record::fru::{FruImage, FruInventory};
use crate::record::sel::SelRecord;
use crate::record::Checksums;
use crate::{CompletionCode, Response, Target};

/// A fuzz entry point.
pub type Entry = fn(&[u8]);

/// The target names with their entry points (corpus directories in `fuzz/corpus/`).
pub const TARGETS: &[(&str, Entry)] = &[
    ("fru_image", fru_image),
    ("sel_record", sel_record),
    ("fru_read", fru_read),
    ("sel_read", sel_read),
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
