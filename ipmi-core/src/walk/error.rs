//! Why a walk stopped, and where (IPMI 2.0 §33.12).

use super::FetchError;
use crate::{ErrorClass, Failure};

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
    /// Reading one record failed (refusal, malformed data, reservation
    /// lost, no data), naming the record and offset.
    #[error(transparent)]
    Fetch(#[from] FetchError),
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
            WalkError::Fetch(FetchError::Command { source, .. }) => source.class(),
            _ => ErrorClass::Protocol,
        }
    }
}
