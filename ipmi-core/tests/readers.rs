//! The FRU and SEL readers against a scripted in-memory BMC: chunks shrink
//! on 0xCA and short answers, word-addressed FRU devices, reservations
//! cancelled (0xC5), links that loop, `last N` without a full walk, and a
//! deadline that expires because the scripted BMC's clock says so (each
//! exchange costs one simulated second; no real time is involved).

use std::time::{Duration, Instant};

use ipmi_core::reader::fru::FruRead;
use ipmi_core::reader::sel::{RawSelRecord, SelRange, SelRead};
use ipmi_core::reader::sel_change::{SelClear, SelDelete};
use ipmi_core::reader::{run, ReadError, ReaderError};
use ipmi_core::{
    CommandError, CompletionCode, Deadline, ErrorClass, Failure, NetFn, Request, Response, Target,
    Transport,
};

#[derive(Debug, thiserror::Error)]
enum SimError {
    #[error("timed out at the deadline after {0} exchanges")]
    Timeout(usize),
    #[error(transparent)]
    Command(#[from] CommandError),
}

impl Failure for SimError {
    fn class(&self) -> ErrorClass {
        match self {
            SimError::Timeout(_) => ErrorClass::Timeout,
            SimError::Command(e) => e.class(),
        }
    }
}

/// A scripted BMC with a FRU device and a SEL.
struct Bmc {
    start: Instant,
    exchanges: usize,
    fru: Vec<u8>,
    by_words: bool,
    /// Largest read answered; larger ones get 0xCA (or are cut short).
    max_read: usize,
    /// Cut reads short instead of answering 0xCA.
    short: bool,
    sel: Vec<RawSelRecord>,
    /// Override of a record's next link: (index, next ID).
    bad_link: Option<(usize, u16)>,
    reservation: u16,
    /// Cancel the reservation at these exchange numbers.
    cancel_at: Vec<usize>,
    last_supported: bool,
    cleared: bool,
    log: Vec<(u8, Vec<u8>)>,
}

impl Bmc {
    fn new() -> Self {
        Bmc {
            start: Instant::now(),
            exchanges: 0,
            fru: (0..=255u8).cycle().take(700).collect(),
            by_words: false,
            max_read: 1000,
            short: false,
            sel: (0..20).map(|i| record(1 + i as u16, i as u8)).collect(),
            bad_link: None,
            reservation: 0,
            cancel_at: Vec::new(),
            last_supported: true,
            cleared: false,
            log: Vec::new(),
        }
    }

    fn answer(&mut self, r: &Request) -> (u8, Vec<u8>) {
        let d = &r.data;
        match (r.netfn, r.cmd) {
            (NetFn::STORAGE, 0x10) => {
                let mut out = (self.fru.len() as u16).to_le_bytes().to_vec();
                out.push(u8::from(self.by_words));
                (0, out)
            }
            (NetFn::STORAGE, 0x11) => {
                let unit = if self.by_words { 2 } else { 1 };
                let off = usize::from(u16::from_le_bytes([d[1], d[2]])) * unit;
                let mut len = usize::from(d[3]) * unit;
                if len > self.max_read {
                    if !self.short {
                        return (0xca, vec![]);
                    }
                    len = self.max_read;
                }
                let end = (off + len).min(self.fru.len());
                let bytes = &self.fru[off.min(end)..end];
                let mut out = vec![(bytes.len() / unit) as u8];
                out.extend_from_slice(bytes);
                (0, out)
            }
            (NetFn::STORAGE, 0x40) => {
                let mut out = vec![0x51];
                out.extend_from_slice(&(self.sel.len() as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0x10, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0a]);
                (0, out)
            }
            (NetFn::STORAGE, 0x42) => {
                self.reservation += 1;
                (0, self.reservation.to_le_bytes().to_vec())
            }
            (NetFn::STORAGE, 0x43) => {
                let res = u16::from_le_bytes([d[0], d[1]]);
                let id = u16::from_le_bytes([d[2], d[3]]);
                let (off, count) = (usize::from(d[4]), d[5]);
                let partial = !(off == 0 && count == 0xff);
                if partial && res != self.reservation {
                    return (0xc5, vec![]);
                }
                let len = if partial { usize::from(count) } else { 16 };
                if len + 2 > self.max_read + 2 && !self.short || (!partial && self.max_read < 16) {
                    return (0xca, vec![]);
                }
                let idx = match id {
                    0 => Some(0),
                    0xffff if self.last_supported => self.sel.len().checked_sub(1),
                    _ => self
                        .sel
                        .iter()
                        .position(|r| u16::from_le_bytes([r[0], r[1]]) == id),
                };
                let Some(idx) = idx else {
                    return (0xcb, vec![]);
                };
                let next = match self.bad_link {
                    Some((i, n)) if i == idx => n,
                    _ => self
                        .sel
                        .get(idx + 1)
                        .map_or(0xffff, |r| u16::from_le_bytes([r[0], r[1]])),
                };
                let mut out = next.to_le_bytes().to_vec();
                let end = (off + len.min(self.max_read)).min(16);
                out.extend_from_slice(&self.sel[idx][off.min(end)..end]);
                (0, out)
            }
            (NetFn::STORAGE, 0x46) => {
                let res = u16::from_le_bytes([d[0], d[1]]);
                if res != self.reservation {
                    return (0xc5, vec![]);
                }
                (0, d[2..4].to_vec())
            }
            (NetFn::STORAGE, 0x47) => {
                let res = u16::from_le_bytes([d[0], d[1]]);
                if res != self.reservation || &d[2..5] != b"CLR" {
                    return (0xc5, vec![]);
                }
                if d[5] == 0xaa {
                    self.cleared = true;
                    return (0, vec![0x00]);
                }
                (0, vec![u8::from(self.cleared)])
            }
            _ => (0xc1, vec![]),
        }
    }
}

impl Transport for Bmc {
    type Error = SimError;

    fn exchange(&mut self, r: &Request, deadline: Deadline) -> Result<Response, SimError> {
        self.exchanges += 1;
        // The simulated clock: one second per exchange.
        let now = self.start + Duration::from_secs(self.exchanges as u64);
        if deadline.is_expired(now) {
            return Err(SimError::Timeout(self.exchanges));
        }
        if self.cancel_at.contains(&self.exchanges) {
            self.reservation += 1;
        }
        let (cc, data) = self.answer(r);
        self.log.push((r.cmd, r.data.clone()));
        Ok(Response {
            netfn: r.netfn.response(),
            cmd: r.cmd,
            completion: CompletionCode(cc),
            data,
        })
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::after(self.start, Duration::from_secs(1_000_000))
    }
}

/// A system event record with ID `id` and a distinguishing byte.
fn record(id: u16, tag: u8) -> RawSelRecord {
    let mut r = [0u8; 16];
    r[..2].copy_from_slice(&id.to_le_bytes());
    r[2] = 0x02;
    r[15] = tag;
    r
}

fn far(bmc: &Bmc) -> Deadline {
    bmc.default_deadline()
}

#[test]
fn fru_reads_whole_device_in_few_chunks() {
    let mut bmc = Bmc::new();
    let d = far(&bmc);
    let data = run(&mut bmc, FruRead::new(Target::bmc(), 0), d).unwrap();
    assert_eq!(data, bmc.fru);
    // Area info + ceil(700 / 128) reads.
    assert_eq!(bmc.exchanges, 1 + 6);
}

#[test]
fn fru_chunk_halves_on_0xca() {
    let mut bmc = Bmc::new();
    bmc.max_read = 20;
    let d = far(&bmc);
    let data = run(&mut bmc, FruRead::new(Target::bmc(), 0), d).unwrap();
    assert_eq!(data, bmc.fru);
    // 128 -> 64 -> 32 -> 16 refused three times, then 16-byte reads.
    let refused = bmc
        .log
        .iter()
        .filter(|(c, d)| *c == 0x11 && d[3] > 20)
        .count();
    assert_eq!(refused, 3);
    assert!(bmc
        .log
        .iter()
        .filter(|(c, _)| *c == 0x11)
        .all(|(_, d)| d[3] <= 128));
}

#[test]
fn fru_short_answers_set_the_chunk() {
    let mut bmc = Bmc::new();
    bmc.max_read = 24;
    bmc.short = true;
    let d = far(&bmc);
    let data = run(&mut bmc, FruRead::new(Target::bmc(), 0), d).unwrap();
    assert_eq!(data, bmc.fru);
    // Area info, then 24-byte reads (the first asked 128 and got 24).
    assert_eq!(bmc.exchanges, 1 + 700usize.div_ceil(24));
}

#[test]
fn fru_word_access_counts_in_words() {
    let mut bmc = Bmc::new();
    bmc.by_words = true;
    bmc.fru.truncate(302);
    let d = far(&bmc);
    let data = run(&mut bmc, FruRead::new(Target::bmc(), 0).with_chunk(64), d).unwrap();
    assert_eq!(data, bmc.fru);
    let reads: Vec<_> = bmc.log.iter().filter(|(c, _)| *c == 0x11).collect();
    // Offsets in words: 0, 32, 64...; counts in words.
    assert_eq!(reads[1].1[1..4], [32, 0, 32]);
}

#[test]
fn fru_size_bound_and_refusal_errors() {
    let mut bmc = Bmc::new();
    let d = far(&bmc);
    let e = run(&mut bmc, FruRead::new(Target::bmc(), 0).with_limit(512), d).unwrap_err();
    assert!(
        matches!(e, ReaderError::Read(ReadError::TooLarge { size: 700, .. })),
        "{e}"
    );
    let mut bmc = Bmc::new();
    bmc.max_read = 0;
    let e = run(&mut bmc, FruRead::new(Target::bmc(), 0), d).unwrap_err();
    assert!(e.to_string().contains("no progress at 0"), "{e}");
    assert_eq!(e.class(), ErrorClass::Protocol);
}

#[test]
fn fru_deadline_stops_the_read() {
    let mut bmc = Bmc::new();
    bmc.max_read = 8;
    // The scripted clock passes this deadline at the fifth exchange.
    let d = Deadline::after(bmc.start, Duration::from_millis(4_500));
    let e = run(&mut bmc, FruRead::new(Target::bmc(), 0), d).unwrap_err();
    assert!(
        matches!(
            e,
            ReaderError::Transport {
                source: SimError::Timeout(5),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.class(), ErrorClass::Timeout);
    // Where it stalled: the 16-byte read at offset 0 after three refusals.
    assert!(
        e.to_string().starts_with("Read FRU Data (at 0): timed out"),
        "{e}"
    );
}

fn ids(records: &[RawSelRecord]) -> Vec<u16> {
    records
        .iter()
        .map(|r| u16::from_le_bytes([r[0], r[1]]))
        .collect()
}

#[test]
fn sel_walks_whole_records() {
    let mut bmc = Bmc::new();
    let d = far(&bmc);
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::All), d).unwrap();
    assert_eq!(recs, bmc.sel);
    assert_eq!(bmc.exchanges, 1 + 20);
    let first = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::First(3)), d).unwrap();
    assert_eq!(ids(&first), [1, 2, 3]);
    let one = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::One(7)), d).unwrap();
    assert_eq!(ids(&one), [7]);
    let e = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::One(99)), d).unwrap_err();
    assert!(e.to_string().contains("0xcb"), "{e}");
}

#[test]
fn sel_partial_reads_and_reservation_cancelled() {
    let mut bmc = Bmc::new();
    bmc.max_read = 5;
    // Reservations cancelled in the middle of records.
    bmc.cancel_at = vec![6, 30];
    let d = far(&bmc);
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::All), d).unwrap();
    assert_eq!(recs, bmc.sel);
    let reserves = bmc.log.iter().filter(|(c, _)| *c == 0x42).count();
    assert_eq!(reserves, 3);
    // The SDR walk's engine: one whole read refused, then 16 and 8 refused
    // once each (chunk ladder); the 4 that worked is kept for every later
    // record and across re-reservations.
    let gets: Vec<u8> = bmc
        .log
        .iter()
        .filter(|(c, _)| *c == 0x43)
        .map(|(_, d)| d[5])
        .collect();
    assert_eq!(gets.iter().filter(|&&n| n == 0xff).count(), 1, "{gets:?}");
    assert_eq!(
        gets.iter().filter(|&&n| n != 0xff && n > 5).count(),
        2,
        "{gets:?}"
    );
}

#[test]
fn sel_loop_is_an_error() {
    let mut bmc = Bmc::new();
    bmc.bad_link = Some((5, 3));
    let d = far(&bmc);
    let e = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::All), d).unwrap_err();
    assert!(
        matches!(e, ReaderError::Read(ReadError::Loop { id: 3, .. })),
        "{e}"
    );
    assert!(bmc.exchanges <= 1 + 6);
}

#[test]
fn sel_last_n_without_full_walk() {
    let mut bmc = Bmc::new();
    let d = far(&bmc);
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::Last(3)), d).unwrap();
    assert_eq!(ids(&recs), [18, 19, 20]);
    // Info, last, first, then the three.
    assert_eq!(bmc.exchanges, 3 + 3);

    // IDs spaced by 16 (record offsets as IDs): still found.
    let mut bmc = Bmc::new();
    bmc.sel = (0..20)
        .map(|i| record(16 * i as u16 + 16, i as u8))
        .collect();
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::Last(2)), d).unwrap();
    assert_eq!(ids(&recs), [304, 320]);
    assert_eq!(bmc.exchanges, 3 + 2);
    let one = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::Last(1)), d).unwrap();
    assert_eq!(ids(&one), [320]);
}

#[test]
fn sel_last_n_falls_back_to_full_walk() {
    // A deleted entry near the end: the guessed start (18) is gone (0xCB),
    // so the reader starts further back (14) instead of walking it all.
    let mut bmc = Bmc::new();
    bmc.sel.remove(17);
    bmc.sel.push(record(21, 99));
    let d = far(&bmc);
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::Last(4)), d).unwrap();
    assert_eq!(ids(&recs), [17, 19, 20, 21]);
    assert_eq!(bmc.exchanges, 3 + 1 + 7);
    // Uneven IDs (3 apart, then 1): the average step (2) guesses 53, then
    // 45 and 29, none of which exists (0xCB): the whole log is walked.
    let mut bmc = Bmc::new();
    bmc.sel = (0..20).map(|i| record(3 * i as u16 + 1, i as u8)).collect();
    bmc.sel.push(record(59, 20));
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::Last(4)), d).unwrap();
    assert_eq!(ids(&recs), [52, 55, 58, 59]);
    assert_eq!(bmc.exchanges, 3 + 3 + 21);
    // No "last entry" support (0xCB): full walk.
    let mut bmc = Bmc::new();
    bmc.last_supported = false;
    let recs = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::Last(2)), d).unwrap();
    assert_eq!(ids(&recs), [19, 20]);
    assert_eq!(bmc.exchanges, 1 + 1 + 20);
}

#[test]
fn sel_deadline_and_clear_and_delete() {
    let mut bmc = Bmc::new();
    let d = Deadline::after(bmc.start, Duration::from_millis(7_500));
    let e = run(&mut bmc, SelRead::new(Target::bmc(), SelRange::All), d).unwrap_err();
    assert!(
        matches!(
            e,
            ReaderError::Transport {
                source: SimError::Timeout(8),
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().starts_with("Get SEL Entry (at 7): timed out"),
        "{e}"
    );

    let mut bmc = Bmc::new();
    let d = far(&bmc);
    bmc.cancel_at = vec![2];
    assert!(run(&mut bmc, SelClear::new(Target::bmc()), d).unwrap());
    let cmds: Vec<u8> = bmc.log.iter().map(|(c, _)| *c).collect();
    assert_eq!(cmds, [0x42, 0x47, 0x42, 0x47, 0x47]);
    let mut bmc = Bmc::new();
    assert_eq!(
        run(&mut bmc, SelDelete::new(Target::bmc(), 0x0102), d).unwrap(),
        0x0102
    );
}

#[test]
fn empty_sel_is_one_exchange() {
    let mut bmc = Bmc::new();
    bmc.sel.clear();
    let d = far(&bmc);
    assert!(run(&mut bmc, SelRead::new(Target::bmc(), SelRange::All), d)
        .unwrap()
        .is_empty());
    assert_eq!(bmc.exchanges, 1);
}
