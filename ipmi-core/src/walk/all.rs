//! Reading a whole store as a sans-IO machine around [`RecordFetch`]: from
//! the first record until next ID FFFFh, refusing a repeated record ID (a
//! looping store) and more records than a bound (IPMI 2.0 §33.12). The
//! blocking [`RecordReader::read_all`](super::RecordReader::read_all) and
//! the async [`refresh_sdr_cache_async`](super::refresh_sdr_cache_async)
//! both drive it.

use std::collections::HashSet;

use super::fetch::{FetchError, FetchStep, RecordFetch};
use super::WalkError;
use crate::cmd::GetSdr;
use crate::{Failure, Request, Response};

/// What a whole-store read wants next.
#[derive(Debug)]
pub enum AllStep {
    /// Send this request and feed back its response.
    Send(Request),
    /// Every record is read, in walk order.
    Done(Vec<Vec<u8>>),
}

/// Reads every record of the store its [`RecordFetch`] reads.
#[derive(Debug)]
pub struct ReadAll<'f> {
    fetch: &'f mut RecordFetch,
    limit: usize,
    records: Vec<Vec<u8>>,
    seen: HashSet<u16>,
    id: u16,
    started: bool,
}

impl<'f> ReadAll<'f> {
    /// A read of at most `limit` records through `fetch` (which keeps its
    /// reservation and chunk size for later reads).
    pub fn new(fetch: &'f mut RecordFetch, limit: usize) -> Self {
        ReadAll {
            fetch,
            limit,
            records: Vec::new(),
            seen: HashSet::new(),
            id: 0,
            started: false,
        }
    }

    /// The next request, or the records once the end (FFFFh) is reached.
    pub fn step<E: Failure>(&mut self) -> Result<AllStep, WalkError<E>> {
        loop {
            if !self.started {
                if self.id == GetSdr::END_OF_LIST {
                    return Ok(AllStep::Done(std::mem::take(&mut self.records)));
                }
                if self.records.len() >= self.limit {
                    return Err(WalkError::TooManyRecords { limit: self.limit });
                }
                self.fetch.start(self.id);
                self.started = true;
            }
            match self.fetch.step()? {
                FetchStep::Send(request) => return Ok(AllStep::Send(request)),
                FetchStep::Record { next, data } => {
                    self.started = false;
                    self.accept(next, data)?;
                }
            }
        }
    }

    /// Feeds the response to the last request.
    pub fn feed(&mut self, response: &Response) -> Result<(), FetchError> {
        self.fetch.feed(response)
    }

    /// The command last asked for, the record and the offset (for errors).
    pub fn position(&self) -> (&'static str, u16, u8) {
        let (command, offset) = self.fetch.position();
        (command, self.id, offset)
    }

    /// The transport's failure of the last request, naming where it was.
    pub fn exchange_error<E: Failure>(&self, source: E) -> WalkError<E> {
        let (command, record_id, offset) = self.position();
        WalkError::Exchange {
            command,
            record_id,
            offset,
            source,
        }
    }

    fn accept<E: Failure>(&mut self, next: u16, data: Vec<u8>) -> Result<(), WalkError<E>> {
        // The first record is asked as 0000h: take the ID it carries.
        let key = match (self.id, data.get(..2)) {
            (0, Some(b)) => u16::from_le_bytes([b[0], b[1]]),
            _ => self.id,
        };
        if !self.seen.insert(key) {
            return Err(WalkError::Loop { record_id: key });
        }
        if self.seen.contains(&next) {
            return Err(WalkError::Loop { record_id: next });
        }
        self.records.push(data);
        self.id = next;
        Ok(())
    }
}
