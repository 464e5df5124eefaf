//! The reservation + partial-read engine: reads one record of a
//! [`RecordStore`] at a time — whole (count FFh) while the BMC allows,
//! else a header read then chunks whose size shrinks on 0xCA or short
//! answers — re-reserving and restarting the record on 0xC5 (IPMI 2.0
//! §33.11, §33.12).

use std::collections::HashSet;

use super::WalkError;
use crate::cmd::{GetSdr, RecordStore, Reserve, SdrChunk};
use crate::record::sdr::{SdrHeader, HEADER_LEN};
use crate::{Command, CommandError, CompletionCode, Deadline, Target, Transport};

/// Reservations taken for one record before giving up.
const MAX_RESERVATIONS_PER_RECORD: u32 = 8;
/// Chunk sizes of partial reads, largest first: after a 0xCA the next
/// smaller one is tried (32 fits every transport's message size; 16 is
/// what many BMCs allow).
pub(crate) const CHUNK_LADDER: [u8; 7] = [32, 24, 16, 8, 4, 2, 1];

/// What a reader has spent so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Request/response exchanges.
    pub exchanges: u32,
    /// Reservations taken.
    pub reservations: u32,
}

/// Reads records of one store on one controller, keeping the reservation,
/// the chunk size and whether whole-record reads work across records.
pub struct RecordReader<'t, T: Transport> {
    transport: &'t mut T,
    store: RecordStore,
    target: Target,
    reservation: Option<u16>,
    whole_reads: bool,
    span_refusals: u8,
    chunk: u8,
    stats: ReadStats,
}

/// Refusals of a first partial read longer than the header before the
/// reader reads bare headers first (some BMCs refuse counts past a
/// record's end).
const MAX_SPAN_REFUSALS: u8 = 2;

/// The outcome of one Get: data, or a completion code the engine handles.
enum Got {
    Data(SdrChunk),
    Code(CompletionCode),
}

impl<'t, T: Transport> RecordReader<'t, T> {
    /// A reader of `store` on `target` (the BMC: `transport.default_target()`).
    pub fn new(transport: &'t mut T, store: RecordStore, target: Target) -> Self {
        RecordReader {
            transport,
            store,
            target,
            reservation: None,
            whole_reads: true,
            span_refusals: 0,
            chunk: CHUNK_LADDER[0],
            stats: ReadStats::default(),
        }
    }

    /// Exchanges and reservations spent so far.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// The transport, for other commands between reads.
    pub fn transport(&mut self) -> &mut T {
        self.transport
    }

    /// Runs `cmd` at the reader's target, mapping failures to where they happened.
    pub fn run<C: Command>(
        &mut self,
        cmd: &C,
        record_id: u16,
        offset: u8,
        deadline: Deadline,
    ) -> Result<C::Output, WalkError<T::Error>> {
        self.stats.exchanges += 1;
        let response = self
            .transport
            .exchange(&cmd.request_to(self.target), deadline)
            .map_err(|source| WalkError::Exchange {
                command: cmd.name(),
                record_id,
                offset,
                source,
            })?;
        cmd.decode(&response).map_err(|source| WalkError::Command {
            record_id,
            offset,
            source,
        })
    }

    fn reserve(&mut self, record_id: u16, deadline: Deadline) -> Result<u16, WalkError<T::Error>> {
        self.stats.reservations += 1;
        let id = self.run(&Reserve(self.store), record_id, 0, deadline)?;
        self.reservation = Some(id);
        Ok(id)
    }

    fn get(
        &mut self,
        record_id: u16,
        offset: u8,
        count: u8,
        deadline: Deadline,
    ) -> Result<Got, WalkError<T::Error>> {
        let cmd = GetSdr {
            store: self.store,
            reservation: self.reservation.unwrap_or(0),
            record_id,
            offset,
            count,
        };
        match self.run(&cmd, record_id, offset, deadline) {
            Ok(chunk) => Ok(Got::Data(chunk)),
            Err(WalkError::Command {
                source: CommandError::Completion { code, .. },
                ..
            }) if matches!(code.0, 0xC5 | 0xCA | 0xC7 | 0xC8 | 0xC9 | 0xCC) => Ok(Got::Code(code)),
            Err(e) => Err(e),
        }
    }

    fn record_len(&self, head: &[u8]) -> Result<usize, WalkError<T::Error>> {
        match self.store.fixed_len {
            Some(n) => Ok(usize::from(n)),
            None => Ok(SdrHeader::parse(head)?.record_len()),
        }
    }

    /// Reads every record from the first until next ID FFFFh, refusing a
    /// repeated record ID (a looping store) and more than `limit` records.
    pub fn read_all(
        &mut self,
        limit: usize,
        deadline: Deadline,
    ) -> Result<Vec<Vec<u8>>, WalkError<T::Error>> {
        let mut records = Vec::new();
        let mut seen = HashSet::new();
        let mut id = 0u16;
        while id != GetSdr::END_OF_LIST {
            if records.len() >= limit {
                return Err(WalkError::TooManyRecords { limit });
            }
            let (next, data) = self.read(id, deadline)?;
            // The first record is asked as 0000h: take the ID it carries.
            let key = if id == 0 {
                u16::from_le_bytes([data[0], data[1]])
            } else {
                id
            };
            if !seen.insert(key) || seen.contains(&next) {
                return Err(WalkError::Loop {
                    record_id: if seen.contains(&next) { next } else { key },
                });
            }
            records.push(data);
            id = next;
        }
        Ok(records)
    }

    /// Reads record `record_id` (0000h = first): returns the next record's
    /// ID (FFFFh after the last) and the record's bytes.
    pub fn read(
        &mut self,
        record_id: u16,
        deadline: Deadline,
    ) -> Result<(u16, Vec<u8>), WalkError<T::Error>> {
        let mut attempts = 0;
        'record: loop {
            if attempts >= MAX_RESERVATIONS_PER_RECORD {
                return Err(WalkError::ReservationLost {
                    record_id,
                    attempts,
                });
            }
            if self.whole_reads {
                match self.get(record_id, 0, GetSdr::WHOLE_RECORD, deadline)? {
                    Got::Data(c) => {
                        let head_len = self.store.fixed_len.map_or(HEADER_LEN, usize::from);
                        if c.data.len() >= head_len {
                            let len = self.record_len(&c.data)?;
                            if c.data.len() >= len {
                                let mut data = c.data;
                                data.truncate(len);
                                return Ok((c.next_record_id, data));
                            }
                        }
                        // Truncated: this BMC cannot answer whole records.
                        self.whole_reads = false;
                    }
                    Got::Code(CompletionCode(0xC5)) => {
                        attempts += 1;
                        self.reserve(record_id, deadline)?;
                        continue 'record;
                    }
                    Got::Code(_) => self.whole_reads = false,
                }
            }
            if self.reservation.is_none() {
                attempts += 1;
                self.reserve(record_id, deadline)?;
            }
            // The first read takes the header and, while the BMC allows a
            // count past a short record's end, a whole chunk with it.
            // Fixed-length records (SEL) need no header to know their length.
            let (head_len, first, spanning) = match self.store.fixed_len {
                Some(n) => (1, self.chunk.min(n), false),
                None => {
                    let head = HEADER_LEN as u8;
                    let spanning = self.span_refusals < MAX_SPAN_REFUSALS && self.chunk > head;
                    (head, if spanning { self.chunk } else { head }, spanning)
                }
            };
            let (next, mut data) = match self.get(record_id, 0, first, deadline)? {
                Got::Data(c) if c.data.len() >= usize::from(head_len) => (c.next_record_id, c.data),
                Got::Code(CompletionCode(0xC5)) => {
                    attempts += 1;
                    self.reserve(record_id, deadline)?;
                    continue 'record;
                }
                Got::Code(code) if first > head_len && matches!(code.0, 0xC7..=0xCA) => {
                    // Too long for the BMC, or past the record's end: both
                    // shrink the chunk; the second refusal stops spanning.
                    self.span_refusals += u8::from(spanning);
                    self.chunk = CHUNK_LADDER.into_iter().find(|&c| c < first).unwrap_or(1);
                    continue 'record;
                }
                Got::Code(code) => {
                    return Err(WalkError::Command {
                        record_id,
                        offset: 0,
                        source: CommandError::Completion {
                            command: self.store.get_name,
                            code,
                        },
                    })
                }
                Got::Data(_) => {
                    return Err(WalkError::Stalled {
                        record_id,
                        offset: 0,
                    })
                }
            };
            let len = self.record_len(&data)?;
            if data.len() < len.min(usize::from(first)) {
                // A truncating BMC: read no more than it gives.
                self.chunk = self.chunk.min(data.len() as u8);
            }
            data.truncate(len);
            while data.len() < len {
                // Records are at most 5 + 255 bytes; offsets fit a byte except
                // past 255, which no SDR reaches with a valid header.
                let offset = u8::try_from(data.len()).map_err(|_| WalkError::Stalled {
                    record_id,
                    offset: 0xff,
                })?;
                let want = self
                    .chunk
                    .min(u8::try_from(len - data.len()).unwrap_or(u8::MAX));
                match self.get(record_id, offset, want, deadline)? {
                    Got::Data(c) if c.data.is_empty() => {
                        return Err(WalkError::Stalled { record_id, offset })
                    }
                    Got::Data(c) => {
                        if c.data.len() < usize::from(want) {
                            // A truncating BMC: read no more than it gives.
                            self.chunk = c.data.len() as u8;
                        }
                        let take = c.data.len().min(usize::from(want));
                        data.extend_from_slice(&c.data[..take]);
                    }
                    Got::Code(CompletionCode(0xC5)) => {
                        attempts += 1;
                        self.reserve(record_id, deadline)?;
                        continue 'record;
                    }
                    Got::Code(code) if want > 1 && matches!(code.0, 0xC7..=0xCA) => {
                        self.chunk = CHUNK_LADDER.into_iter().find(|&c| c < want).unwrap_or(1);
                    }
                    Got::Code(code) => {
                        return Err(WalkError::Command {
                            record_id,
                            offset,
                            source: CommandError::Completion {
                                command: self.store.get_name,
                                code,
                            },
                        })
                    }
                }
            }
            return Ok((next, data));
        }
    }
}
