//! Changing the SEL (IPMI 2.0 §31.8, §31.9): Clear SEL (reserve, initiate,
//! poll the erasure status) and Delete SEL Entry, each re-reserving when
//! the reservation is cancelled (0xC5).

use super::{answers, ReadError, ReadMachine, Step};
use crate::cmd::sel::{ClearAction, ClearSel, DeleteSelEntry};
use crate::cmd::{RecordStore, Reserve};
use crate::walk::MAX_RESERVATIONS_PER_RECORD;
use crate::{Command, CompletionCode, Response, Target};

/// Reserve SEL.
const RESERVE: Reserve = Reserve(RecordStore::SEL);

/// Polls of Clear SEL's erasure status before reporting it still running.
pub const MAX_CLEAR_POLLS: u8 = 32;

/// The machine clearing the SEL (IPMI 2.0 §31.9): reserve, initiate, poll
/// the erasure status; re-reserves on 0xC5. Output: erasure completed.
#[derive(Clone, Debug)]
pub struct SelClear {
    target: Target,
    reservation: Option<u16>,
    reserves: u32,
    initiated: bool,
    polls: u8,
    completed: bool,
}

impl SelClear {
    /// Clears the SEL of the controller at `target`.
    pub fn new(target: Target) -> Self {
        SelClear {
            target,
            reservation: None,
            reserves: 0,
            initiated: false,
            polls: 0,
            completed: false,
        }
    }

    fn command(&self) -> ClearSel {
        ClearSel {
            reservation: self.reservation.unwrap_or(0),
            action: if self.initiated {
                ClearAction::GetStatus
            } else {
                ClearAction::Initiate
            },
        }
    }
}

impl ReadMachine for SelClear {
    type Output = bool;

    fn position(&self) -> (&'static str, u32) {
        match self.reservation {
            None => ("Reserve SEL", 0),
            Some(_) => ("Clear SEL", u32::from(self.polls)),
        }
    }

    fn step(&mut self) -> Result<Step<bool>, ReadError> {
        if self.completed || self.polls >= MAX_CLEAR_POLLS {
            return Ok(Step::Done(self.completed));
        }
        if self.reservation.is_none() {
            if self.reserves >= MAX_RESERVATIONS_PER_RECORD {
                return Err(ReadError::Stalled {
                    what: "Clear SEL",
                    at: 0,
                    why: "reservation keeps being cancelled",
                });
            }
            return Ok(Step::Send(RESERVE.request_to(self.target)));
        }
        Ok(Step::Send(self.command().request_to(self.target)))
    }

    fn feed(&mut self, response: &Response) -> Result<(), ReadError> {
        if self.reservation.is_none() {
            self.reservation = Some(RESERVE.decode(response)?);
            self.reserves += 1;
            return Ok(());
        }
        let cmd = self.command();
        if answers(&cmd, response) && response.completion == CompletionCode(0xc5) {
            self.reservation = None;
            return Ok(());
        }
        self.completed = cmd.decode(response)?;
        if self.initiated {
            self.polls += 1;
        }
        self.initiated = true;
        Ok(())
    }
}

/// The machine deleting one SEL entry (IPMI 2.0 §31.8): reserve, delete;
/// re-reserves on 0xC5. Output: the deleted record's ID.
#[derive(Clone, Debug)]
pub struct SelDelete {
    target: Target,
    record_id: u16,
    reservation: Option<u16>,
    reserves: u32,
    deleted: Option<u16>,
}

impl SelDelete {
    /// Deletes `record_id` from the SEL of the controller at `target`.
    pub fn new(target: Target, record_id: u16) -> Self {
        SelDelete {
            target,
            record_id,
            reservation: None,
            reserves: 0,
            deleted: None,
        }
    }
}

impl ReadMachine for SelDelete {
    type Output = u16;

    fn position(&self) -> (&'static str, u32) {
        match self.reservation {
            None => ("Reserve SEL", u32::from(self.record_id)),
            Some(_) => ("Delete SEL Entry", u32::from(self.record_id)),
        }
    }

    fn step(&mut self) -> Result<Step<u16>, ReadError> {
        if let Some(id) = self.deleted {
            return Ok(Step::Done(id));
        }
        match self.reservation {
            None if self.reserves >= MAX_RESERVATIONS_PER_RECORD => Err(ReadError::Stalled {
                what: "Delete SEL Entry",
                at: u32::from(self.record_id),
                why: "reservation keeps being cancelled",
            }),
            None => Ok(Step::Send(RESERVE.request_to(self.target))),
            Some(reservation) => Ok(Step::Send(
                DeleteSelEntry {
                    reservation,
                    record_id: self.record_id,
                }
                .request_to(self.target),
            )),
        }
    }

    fn feed(&mut self, response: &Response) -> Result<(), ReadError> {
        let Some(reservation) = self.reservation else {
            self.reservation = Some(RESERVE.decode(response)?);
            self.reserves += 1;
            return Ok(());
        };
        let cmd = DeleteSelEntry {
            reservation,
            record_id: self.record_id,
        };
        if answers(&cmd, response) && response.completion == CompletionCode(0xc5) {
            self.reservation = None;
            return Ok(());
        }
        self.deleted = Some(cmd.decode(response)?);
        Ok(())
    }
}
