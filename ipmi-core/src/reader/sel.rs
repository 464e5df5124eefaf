//! Reading the SEL (IPMI 2.0 §31): Get SEL Info, then Get SEL Entry along
//! the next-record links from the first entry to 0xFFFF. Each record is
//! fetched by the engine the SDR walks use ([`RecordFetch`] on
//! [`RecordStore::SEL`]): whole while the BMC allows, else in shrinking
//! parts under a reservation, re-reserving on 0xC5. A repeated record ID
//! is a loop and an error.
//!
//! `Last(n)` avoids walking the whole log when it can: the spec offers
//! "get last entry" (ID 0xFFFF) but no link backwards, so the reader gets
//! the last and the first entry, takes the average ID step between them
//! over the entry count (1 on most BMCs, 16 where IDs are offsets), and
//! walks forward from the ID n-1 steps before the last. The guess is only
//! accepted when that walk reaches the end with at least n records; when
//! it finds fewer (gaps, deletions) or its start does not exist (0xCB), it
//! starts twice as far back, up to four times, then walks the whole log.
//! Round trips: n + 3 on a gapless log instead of the log's size; the
//! result is always the true last n.

use std::collections::HashSet;

use super::{ReadError, ReadMachine, Step};
use crate::cmd::sel::{GetSelInfo, SelInfo, FIRST_ENTRY, LAST_ENTRY};
use crate::cmd::RecordStore;
use crate::walk::{FetchError, FetchStep, RecordFetch};
use crate::{Command, CompletionCode, Response, Target};

/// Every SEL record is 16 bytes (IPMI 2.0 §32).
pub use crate::record::sel::SEL_RECORD_LEN as RECORD_LEN;

/// One SEL record as read (record ID in bytes 0–1, LS first).
pub type RawSelRecord = [u8; RECORD_LEN];

/// Guessed starts tried for `Last(n)` before walking the whole log.
const MAX_TAILS: u8 = 4;

const WHAT: &str = "Get SEL Entry";

/// Which entries to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelRange {
    /// The whole log.
    All,
    /// The first n entries.
    First(usize),
    /// The last n entries.
    Last(usize),
    /// The one entry with this record ID (`sel get`); [`FIRST_ENTRY`] and
    /// [`LAST_ENTRY`] ask for the first and the last.
    One(u16),
}

/// What the record being fetched is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// Part of a forward walk (`tail`: a guessed start for `Last`).
    Walk { tail: bool },
    /// The last entry, for `Last`.
    ProbeLast,
    /// The first entry, for `Last`.
    ProbeFirst,
}

/// The machine reading SEL records.
#[derive(Clone, Debug)]
pub struct SelRead {
    target: Target,
    range: SelRange,
    info: Option<SelInfo>,
    purpose: Purpose,
    want: u16,
    fetch: RecordFetch,
    fetching: bool,
    last_id: u16,
    first_id: u16,
    step: usize,
    back: usize,
    tails: u8,
    records: Vec<RawSelRecord>,
    seen: HashSet<u16>,
    done: bool,
}

fn record_id(r: &RawSelRecord) -> u16 {
    u16::from_le_bytes([r[0], r[1]])
}

impl SelRead {
    /// Reads `range` from the SEL of the controller at `target`.
    pub fn new(target: Target, range: SelRange) -> Self {
        SelRead {
            target,
            range,
            info: None,
            purpose: Purpose::Walk { tail: false },
            want: FIRST_ENTRY,
            fetch: RecordFetch::new(RecordStore::SEL, target),
            fetching: false,
            last_id: 0,
            first_id: 0,
            step: 1,
            back: 0,
            tails: 0,
            records: Vec::new(),
            seen: HashSet::new(),
            done: false,
        }
    }

    /// The SEL info read first.
    pub fn info(&self) -> Option<SelInfo> {
        self.info
    }

    fn walk_from_first(&mut self) {
        self.purpose = Purpose::Walk { tail: false };
        self.want = FIRST_ENTRY;
        self.records.clear();
        self.seen.clear();
    }

    /// The n of `Last(n)`.
    fn n(&self) -> usize {
        match self.range {
            SelRange::Last(n) => n,
            _ => 0,
        }
    }

    /// Walks forward from the guessed ID `back` IDs before the last one.
    fn try_tail(&mut self) {
        self.purpose = Purpose::Walk { tail: true };
        self.want = self.last_id - self.back as u16;
        self.records.clear();
        self.seen.clear();
    }

    /// The tail walk found fewer than n records (gaps, deletions) or its
    /// start does not exist: start twice as far back, a few times, then
    /// walk the whole log.
    fn tail_too_short(&mut self) {
        self.tails += 1;
        self.back = self.back * 2 + self.step;
        let span = usize::from(self.last_id - self.first_id);
        if self.tails > MAX_TAILS || self.back >= span {
            self.walk_from_first();
        } else {
            self.try_tail();
        }
    }

    fn got_record(&mut self, rec: RawSelRecord, next: u16) -> Result<(), ReadError> {
        let id = record_id(&rec);
        match self.purpose {
            Purpose::ProbeLast => {
                self.last_id = id;
                if self.range == SelRange::Last(1) {
                    self.records.push(rec);
                    self.done = true;
                } else {
                    self.purpose = Purpose::ProbeFirst;
                    self.want = FIRST_ENTRY;
                }
                Ok(())
            }
            Purpose::ProbeFirst => {
                self.first_id = id;
                let entries = usize::from(self.info.map_or(0, |i| i.record_count));
                let span = usize::from(self.last_id).saturating_sub(usize::from(id));
                // The average ID step over the log (1 on most BMCs).
                self.step = (span / entries.saturating_sub(1).max(1)).max(1);
                self.back = self.n().saturating_sub(1) * self.step;
                if self.back < span {
                    self.try_tail();
                    Ok(())
                } else {
                    // The guess reaches the start: walk from this first record.
                    self.walk_from_first();
                    self.got_record(rec, next)
                }
            }
            Purpose::Walk { tail } => {
                if !self.seen.insert(id) || self.seen.contains(&next) {
                    return Err(ReadError::Loop {
                        what: WHAT,
                        id: if self.seen.contains(&next) { next } else { id },
                    });
                }
                self.records.push(rec);
                match self.range {
                    SelRange::First(n) if self.records.len() >= n => self.done = true,
                    SelRange::One(_) => self.done = true,
                    SelRange::Last(n) if self.records.len() > n => {
                        let extra = self.records.len() - n;
                        self.records.drain(..extra);
                    }
                    _ => {}
                }
                if next == LAST_ENTRY {
                    let short = matches!(self.range, SelRange::Last(n) if self.records.len() < n);
                    if tail && short {
                        self.tail_too_short();
                    } else {
                        self.done = true;
                    }
                } else {
                    self.want = next;
                }
                Ok(())
            }
        }
    }

    /// The engine's failure in the reader's terms, where it stalled.
    fn fetch_error(&self, e: FetchError) -> ReadError {
        let why = match e {
            FetchError::Command { source, .. } => return ReadError::Command(source),
            FetchError::ReservationLost { .. } => "reservation keeps being cancelled",
            FetchError::Stalled { .. } => "BMC returned no record bytes",
            _ => "malformed record",
        };
        ReadError::Stalled {
            what: WHAT,
            at: u32::from(self.want),
            why,
        }
    }
}

impl ReadMachine for SelRead {
    type Output = Vec<RawSelRecord>;

    fn position(&self) -> (&'static str, u32) {
        if self.info.is_none() {
            return ("Get SEL Info", 0);
        }
        (self.fetch.position().0, u32::from(self.want))
    }

    fn step(&mut self) -> Result<Step<Vec<RawSelRecord>>, ReadError> {
        if self.info.is_none() {
            return Ok(Step::Send(GetSelInfo.request_to(self.target)));
        }
        loop {
            if self.done {
                return Ok(Step::Done(std::mem::take(&mut self.records)));
            }
            if !self.fetching {
                self.fetch.start(self.want);
                self.fetching = true;
            }
            match self.fetch.step().map_err(|e| self.fetch_error(e))? {
                FetchStep::Send(request) => return Ok(Step::Send(request)),
                FetchStep::Record { next, data } => {
                    self.fetching = false;
                    let rec: RawSelRecord = data
                        .get(..RECORD_LEN)
                        .and_then(|d| d.try_into().ok())
                        .ok_or(ReadError::Stalled {
                            what: WHAT,
                            at: u32::from(self.want),
                            why: "short record",
                        })?;
                    self.got_record(rec, next)?;
                }
            }
        }
    }

    fn feed(&mut self, response: &Response) -> Result<(), ReadError> {
        if self.info.is_none() {
            let info = GetSelInfo.decode(response)?;
            self.info = Some(info);
            let entries = usize::from(info.record_count);
            match self.range {
                _ if entries == 0 => self.done = true,
                SelRange::First(0) | SelRange::Last(0) => self.done = true,
                SelRange::Last(n) if n < entries => {
                    self.purpose = Purpose::ProbeLast;
                    self.want = LAST_ENTRY;
                }
                SelRange::One(id) => {
                    self.walk_from_first();
                    self.want = id;
                }
                _ => self.walk_from_first(),
            }
            return Ok(());
        }
        match self.fetch.feed(response) {
            Ok(()) => Ok(()),
            Err(e) if e.completion() == Some(CompletionCode(0xcb)) => {
                // No such record ID.
                self.fetching = false;
                match self.purpose {
                    // The guessed start does not exist: start further back.
                    Purpose::Walk { tail: true } => self.tail_too_short(),
                    Purpose::ProbeLast => self.walk_from_first(),
                    _ => return Err(self.fetch_error(e)),
                }
                Ok(())
            }
            Err(e) => Err(self.fetch_error(e)),
        }
    }
}
