//! The blocking driver of the reservation + partial-read engine
//! ([`RecordFetch`]): reads records of a [`RecordStore`] over a
//! [`Transport`], and whole stores with a loop guard (IPMI 2.0 §33.12).

use super::all::{AllStep, ReadAll};
use super::fetch::{FetchError, FetchStep, RecordFetch};
use super::WalkError;
use crate::cmd::RecordStore;
use crate::{Command, Deadline, Target, Transport};

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
    target: Target,
    fetch: RecordFetch,
    exchanges: u32,
}

impl<'t, T: Transport> RecordReader<'t, T> {
    /// A reader of `store` on `target` (the BMC: `transport.default_target()`).
    pub fn new(transport: &'t mut T, store: RecordStore, target: Target) -> Self {
        RecordReader {
            transport,
            target,
            fetch: RecordFetch::new(store, target),
            exchanges: 0,
        }
    }

    /// Exchanges and reservations spent so far.
    pub fn stats(&self) -> ReadStats {
        ReadStats {
            exchanges: self.exchanges,
            reservations: self.fetch.reservations(),
        }
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
        self.exchanges += 1;
        let response = self
            .transport
            .exchange(&cmd.request_to(self.target), deadline)
            .map_err(|source| WalkError::Exchange {
                command: cmd.name(),
                record_id,
                offset,
                source,
            })?;
        cmd.decode(&response).map_err(|source| {
            WalkError::Fetch(FetchError::Command {
                record_id,
                offset,
                source,
            })
        })
    }

    /// Reads every record from the first until next ID FFFFh, refusing a
    /// repeated record ID (a looping store) and more than `limit` records
    /// (the [`ReadAll`] machine).
    pub fn read_all(
        &mut self,
        limit: usize,
        deadline: Deadline,
    ) -> Result<Vec<Vec<u8>>, WalkError<T::Error>> {
        let mut all = ReadAll::new(&mut self.fetch, limit);
        loop {
            match all.step()? {
                AllStep::Done(records) => return Ok(records),
                AllStep::Send(request) => {
                    self.exchanges += 1;
                    let response = self
                        .transport
                        .exchange(&request, deadline)
                        .map_err(|source| all.exchange_error(source))?;
                    all.feed(&response)?;
                }
            }
        }
    }

    /// Reads record `record_id` (0000h = first): returns the next record's
    /// ID (FFFFh after the last) and the record's bytes.
    pub fn read(
        &mut self,
        record_id: u16,
        deadline: Deadline,
    ) -> Result<(u16, Vec<u8>), WalkError<T::Error>> {
        self.fetch.start(record_id);
        loop {
            match self.fetch.step()? {
                FetchStep::Record { next, data } => return Ok((next, data)),
                FetchStep::Send(request) => {
                    self.exchanges += 1;
                    let response =
                        self.transport
                            .exchange(&request, deadline)
                            .map_err(|source| {
                                let (command, offset) = self.fetch.position();
                                WalkError::Exchange {
                                    command,
                                    record_id,
                                    offset,
                                    source,
                                }
                            })?;
                    self.fetch.feed(&response)?;
                }
            }
        }
    }
}
