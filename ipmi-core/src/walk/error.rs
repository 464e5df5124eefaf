//! Why a walk stopped, and where (IPMI 2.0 §33.12).

use crate::record::sdr::SdrError;
use crate::{CommandError, ErrorClass, Failure};

/// A walk's failure: which command, record and offset it stalled at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalkError<E: Failure> {
    /// The transport failed (timeout, I/O, session) during `command`.
    #[error("{command} (record 0x{record_id:04x}, offset {offset}): {source}")]
    Exchange {
        /// The command name.
        command: &'static str,
        /// The record being read.
        record_id: u16,
        /// The offset being read.
        offset: u8,
        /// The transport's error.
        source: E,
    },
    /// The BMC refused or answered malformed data.
    #[error("record 0x{record_id:04x}, offset {offset}: {source}")]
    Command {
        /// The record being read.
        record_id: u16,
        /// The offset being read.
        offset: u8,
        /// The decoding error (completion code, short response...).
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
    /// A record ID came back a second time: the repository loops.
    #[error("record 0x{record_id:04x} seen twice: the record list loops")]
    Loop {
        /// The repeated ID.
        record_id: u16,
    },
    /// More records than the walk's bound.
    #[error("more than {limit} records: giving up")]
    TooManyRecords {
        /// The bound.
        limit: usize,
    },
}

impl<E: Failure> Failure for WalkError<E> {
    fn class(&self) -> ErrorClass {
        match self {
            WalkError::Exchange { source, .. } => source.class(),
            WalkError::Command { source, .. } => source.class(),
            _ => ErrorClass::Protocol,
        }
    }
}
