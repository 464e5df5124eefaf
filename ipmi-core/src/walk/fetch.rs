//! The reservation + partial-read engine as a sans-IO machine: fetches one
//! record of a [`RecordStore`] at a time — whole (count FFh) while the BMC
//! allows, else a header read then chunks whose size shrinks on 0xCA /
//! 0xC7–0xC9 or short answers — re-reserving and restarting the record on
//! 0xC5 (IPMI 2.0 §33.11, §33.12, §31.4, §31.5). It says which request to
//! send and is fed the response; [`RecordReader`](super::RecordReader)
//! and the SEL reader ([`SelRead`](crate::reader::sel::SelRead)) drive it.

use crate::cmd::{GetSdr, RecordStore, Reserve, SdrChunk};
use crate::record::sdr::{SdrError, SdrHeader, HEADER_LEN};
use crate::{Command, CommandError, CompletionCode, Request, Response, Target};

/// Reservations taken for one record before giving up.
pub(crate) const MAX_RESERVATIONS_PER_RECORD: u32 = 8;
/// Chunk sizes of partial reads, largest first: after a 0xCA the next
/// smaller one is tried (32 fits every transport's message size; 16 is
/// what many BMCs allow).
pub(crate) const CHUNK_LADDER: [u8; 7] = [32, 24, 16, 8, 4, 2, 1];
/// Refusals of a first partial read longer than the header before the
/// engine reads bare headers first (some BMCs refuse counts past a
/// record's end).
const MAX_SPAN_REFUSALS: u8 = 2;

/// What the engine wants next.
#[derive(Debug)]
pub enum FetchStep {
    /// Send this request and feed back its response.
    Send(Request),
    /// The record is read: the next record's ID (FFFFh after the last) and its bytes.
    Record {
        /// The next record's ID.
        next: u16,
        /// The record's bytes.
        data: Vec<u8>,
    },
}

/// Why a record could not be fetched, and where (the record and offset).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The BMC refused (a completion code the engine does not handle) or answered malformed data.
    #[error("record 0x{record_id:04x}, offset {offset}: {source}")]
    Command {
        /// The record being read.
        record_id: u16,
        /// The offset being read.
        offset: u8,
        /// The decoding error.
        source: CommandError,
    },
    /// A record's header is malformed.
    #[error(transparent)]
    Record(#[from] SdrError),
    /// The reservation kept being cancelled (0xC5) while reading a record.
    #[error("record 0x{record_id:04x}: reservation cancelled {attempts} times in a row")]
    ReservationLost {
        /// The record being read.
        record_id: u16,
        /// Reservations taken for it.
        attempts: u32,
    },
    /// The BMC answered a read with no data, or could not return even one byte.
    #[error("record 0x{record_id:04x}, offset {offset}: the BMC returns no data")]
    Stalled {
        /// The record being read.
        record_id: u16,
        /// The offset being read.
        offset: u8,
    },
}

impl FetchError {
    /// The completion code when the BMC refused the read with one the engine does not handle.
    pub fn completion(&self) -> Option<CompletionCode> {
        match self {
            FetchError::Command {
                source: CommandError::Completion { code, .. },
                ..
            } => Some(*code),
            _ => None,
        }
    }
}

/// Where the engine is in the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No record asked for ([`RecordFetch::start`] not called, or the record returned).
    Idle,
    /// (Re)start the record: a whole read, or a reservation and a first partial read.
    Top,
    /// The reservation was cancelled (0xC5): reserve again, then restart the record.
    Reserve,
    /// A reservation is asked; `then_first` skips the restart checks.
    Reserving { then_first: bool },
    /// The first partial read is next.
    First,
    /// A whole-record read is asked.
    Whole,
    /// The first partial read is asked.
    FirstAsked {
        first: u8,
        head_len: u8,
        spanning: bool,
    },
    /// The rest of the record is next.
    Rest,
    /// A following chunk is asked.
    RestAsked { offset: u8, want: u8 },
    /// The record is complete.
    Done,
}

/// The outcome of one Get: data, or a completion code the engine handles.
enum Got {
    Data(SdrChunk),
    Code(CompletionCode),
}

/// The engine for one store on one controller, keeping the reservation,
/// the chunk size and whether whole-record reads work across records.
#[derive(Clone, Debug)]
pub struct RecordFetch {
    store: RecordStore,
    target: Target,
    reservation: Option<u16>,
    whole_reads: bool,
    span_refusals: u8,
    chunk: u8,
    reservations: u32,
    record_id: u16,
    attempts: u32,
    phase: Phase,
    next: u16,
    len: usize,
    data: Vec<u8>,
}

impl RecordFetch {
    /// An engine reading `store` on `target`.
    pub fn new(store: RecordStore, target: Target) -> Self {
        RecordFetch {
            store,
            target,
            reservation: None,
            whole_reads: true,
            span_refusals: 0,
            chunk: CHUNK_LADDER[0],
            reservations: 0,
            record_id: 0,
            attempts: 0,
            phase: Phase::Idle,
            next: 0,
            len: 0,
            data: Vec::new(),
        }
    }

    /// Starts fetching record `record_id` (0000h = first, FFFFh = last).
    pub fn start(&mut self, record_id: u16) {
        self.record_id = record_id;
        self.attempts = 0;
        self.data.clear();
        self.phase = Phase::Top;
    }

    /// Reservations taken so far, over all records.
    pub fn reservations(&self) -> u32 {
        self.reservations
    }

    /// The command last asked for and the offset it asked about (for errors).
    pub fn position(&self) -> (&'static str, u8) {
        match self.phase {
            Phase::Reserving { .. } => (self.store.reserve_name, 0),
            Phase::RestAsked { offset, .. } => (self.store.get_name, offset),
            _ => (self.store.get_name, 0),
        }
    }

    fn get(&self, offset: u8, count: u8) -> Request {
        GetSdr {
            store: self.store,
            reservation: self.reservation.unwrap_or(0),
            record_id: self.record_id,
            offset,
            count,
        }
        .request_to(self.target)
    }

    fn reserve(&mut self, then_first: bool) -> Request {
        self.attempts += 1;
        self.phase = Phase::Reserving { then_first };
        Reserve(self.store).request_to(self.target)
    }

    fn record_len(&self, head: &[u8]) -> Result<usize, FetchError> {
        match self.store.fixed_len {
            Some(n) => Ok(usize::from(n)),
            None => Ok(SdrHeader::parse(head)?.record_len()),
        }
    }

    fn refused(&self, offset: u8, code: CompletionCode) -> FetchError {
        FetchError::Command {
            record_id: self.record_id,
            offset,
            source: CommandError::Completion {
                command: self.store.get_name,
                code,
            },
        }
    }

    /// The next request, or the record once complete.
    pub fn step(&mut self) -> Result<FetchStep, FetchError> {
        loop {
            match self.phase {
                Phase::Top => {
                    if self.attempts >= MAX_RESERVATIONS_PER_RECORD {
                        return Err(FetchError::ReservationLost {
                            record_id: self.record_id,
                            attempts: self.attempts,
                        });
                    }
                    if self.whole_reads {
                        self.phase = Phase::Whole;
                        return Ok(FetchStep::Send(self.get(0, GetSdr::WHOLE_RECORD)));
                    }
                    if self.reservation.is_none() {
                        return Ok(FetchStep::Send(self.reserve(true)));
                    }
                    self.phase = Phase::First;
                }
                Phase::Reserve => return Ok(FetchStep::Send(self.reserve(false))),
                Phase::First => {
                    // The first read takes the header and, while the BMC allows a
                    // count past a short record's end, a whole chunk with it.
                    // Fixed-length records (SEL) need no header to know their length.
                    let (head_len, first, spanning) = match self.store.fixed_len {
                        Some(n) => (1, self.chunk.min(n), false),
                        None => {
                            let head = HEADER_LEN as u8;
                            let spanning =
                                self.span_refusals < MAX_SPAN_REFUSALS && self.chunk > head;
                            (head, if spanning { self.chunk } else { head }, spanning)
                        }
                    };
                    self.phase = Phase::FirstAsked {
                        first,
                        head_len,
                        spanning,
                    };
                    return Ok(FetchStep::Send(self.get(0, first)));
                }
                Phase::Rest => {
                    if self.data.len() >= self.len {
                        self.phase = Phase::Done;
                        continue;
                    }
                    // Records are at most 5 + 255 bytes; offsets fit a byte except
                    // past 255, which no SDR reaches with a valid header.
                    let offset =
                        u8::try_from(self.data.len()).map_err(|_| FetchError::Stalled {
                            record_id: self.record_id,
                            offset: 0xff,
                        })?;
                    let want = self
                        .chunk
                        .min(u8::try_from(self.len - self.data.len()).unwrap_or(u8::MAX));
                    self.phase = Phase::RestAsked { offset, want };
                    return Ok(FetchStep::Send(self.get(offset, want)));
                }
                Phase::Done => {
                    self.phase = Phase::Idle;
                    return Ok(FetchStep::Record {
                        next: self.next,
                        data: std::mem::take(&mut self.data),
                    });
                }
                // Waiting for a response, or nothing asked: the record is not there.
                _ => {
                    return Err(FetchError::Stalled {
                        record_id: self.record_id,
                        offset: self.position().1,
                    })
                }
            }
        }
    }

    fn got(&self, response: &Response, offset: u8) -> Result<Got, FetchError> {
        let cmd = GetSdr {
            store: self.store,
            reservation: 0,
            record_id: self.record_id,
            offset,
            count: 0,
        };
        match cmd.decode(response) {
            Ok(chunk) => Ok(Got::Data(chunk)),
            Err(CommandError::Completion { code, .. })
                if matches!(code.0, 0xC5 | 0xCA | 0xC7 | 0xC8 | 0xC9 | 0xCC) =>
            {
                Ok(Got::Code(code))
            }
            Err(source) => Err(FetchError::Command {
                record_id: self.record_id,
                offset,
                source,
            }),
        }
    }

    /// Feeds the response to the last request.
    pub fn feed(&mut self, response: &Response) -> Result<(), FetchError> {
        match self.phase {
            Phase::Reserving { then_first } => {
                let id =
                    Reserve(self.store)
                        .decode(response)
                        .map_err(|source| FetchError::Command {
                            record_id: self.record_id,
                            offset: 0,
                            source,
                        })?;
                self.reservation = Some(id);
                self.reservations += 1;
                self.phase = if then_first { Phase::First } else { Phase::Top };
            }
            Phase::Whole => match self.got(response, 0)? {
                Got::Data(c) => {
                    let head_len = self.store.fixed_len.map_or(HEADER_LEN, usize::from);
                    if c.data.len() >= head_len {
                        let len = self.record_len(&c.data)?;
                        if c.data.len() >= len {
                            self.data = c.data;
                            self.data.truncate(len);
                            self.next = c.next_record_id;
                            self.phase = Phase::Done;
                            return Ok(());
                        }
                    }
                    // Truncated: this BMC cannot answer whole records.
                    self.whole_reads = false;
                    self.phase = Phase::Top;
                }
                Got::Code(CompletionCode(0xC5)) => self.phase = Phase::Reserve,
                Got::Code(_) => {
                    self.whole_reads = false;
                    self.phase = Phase::Top;
                }
            },
            Phase::FirstAsked {
                first,
                head_len,
                spanning,
            } => match self.got(response, 0)? {
                Got::Data(c) if c.data.len() >= usize::from(head_len) => {
                    self.next = c.next_record_id;
                    self.data = c.data;
                    self.len = self.record_len(&self.data)?;
                    if self.data.len() < self.len.min(usize::from(first)) {
                        // A truncating BMC: read no more than it gives.
                        self.chunk = self.chunk.min(self.data.len() as u8);
                    }
                    self.data.truncate(self.len);
                    self.phase = Phase::Rest;
                }
                Got::Code(CompletionCode(0xC5)) => self.phase = Phase::Reserve,
                Got::Code(code) if first > head_len && matches!(code.0, 0xC7..=0xCA) => {
                    // Too long for the BMC, or past the record's end: both
                    // shrink the chunk; the second refusal stops spanning.
                    self.span_refusals += u8::from(spanning);
                    self.chunk = CHUNK_LADDER.into_iter().find(|&c| c < first).unwrap_or(1);
                    self.phase = Phase::Top;
                }
                Got::Code(code) => return Err(self.refused(0, code)),
                Got::Data(_) => {
                    return Err(FetchError::Stalled {
                        record_id: self.record_id,
                        offset: 0,
                    })
                }
            },
            Phase::RestAsked { offset, want } => match self.got(response, offset)? {
                Got::Data(c) if c.data.is_empty() => {
                    return Err(FetchError::Stalled {
                        record_id: self.record_id,
                        offset,
                    })
                }
                Got::Data(c) => {
                    if c.data.len() < usize::from(want) {
                        // A truncating BMC: read no more than it gives.
                        self.chunk = c.data.len() as u8;
                    }
                    let take = c.data.len().min(usize::from(want));
                    self.data.extend_from_slice(&c.data[..take]);
                    self.phase = Phase::Rest;
                }
                Got::Code(CompletionCode(0xC5)) => self.phase = Phase::Reserve,
                Got::Code(code) if want > 1 && matches!(code.0, 0xC7..=0xCA) => {
                    self.chunk = CHUNK_LADDER.into_iter().find(|&c| c < want).unwrap_or(1);
                    self.phase = Phase::Rest;
                }
                Got::Code(code) => return Err(self.refused(offset, code)),
            },
            _ => {
                return Err(FetchError::Stalled {
                    record_id: self.record_id,
                    offset: 0,
                })
            }
        }
        Ok(())
    }
}
