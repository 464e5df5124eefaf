//! The one error of the record decoders and encoders: which area or
//! record, where, and what is wrong with it.

use std::fmt;

/// What is wrong with a record or area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A checksum does not sum to zero.
    BadChecksum,
    /// A length points past the end of the data.
    PastEnd,
    /// The end-of-fields marker (0xC1) is missing.
    MissingEndMarker,
    /// The multi-record list ends without a record flagged end of list.
    MissingEndOfList,
    /// A format version this decoder does not know.
    BadVersion(u8),
    /// A value too large for its field when encoding.
    TooLong,
    /// A character the field's encoding cannot hold.
    BadCharacter,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BadChecksum => f.write_str("bad checksum"),
            Problem::PastEnd => f.write_str("length runs past the end of the data"),
            Problem::MissingEndMarker => f.write_str("missing end-of-fields marker (0xC1)"),
            Problem::MissingEndOfList => f.write_str("no record flagged end of list"),
            Problem::BadVersion(v) => write!(f, "unknown format version 0x{v:02x}"),
            Problem::TooLong => f.write_str("too long for its length field"),
            Problem::BadCharacter => f.write_str("character not encodable"),
        }
    }
}

/// A record or FRU area that could not be decoded or encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{area}: {problem} (at byte {offset})")]
pub struct RecordError {
    /// The area or record, e.g. "FRU board info area".
    pub area: &'static str,
    /// Byte offset of the problem within the image or record.
    pub offset: usize,
    /// What is wrong.
    pub problem: Problem,
}

impl RecordError {
    /// An error in `area` at `offset`.
    pub fn new(area: &'static str, offset: usize, problem: Problem) -> Self {
        RecordError {
            area,
            offset,
            problem,
        }
    }
}

impl crate::Failure for RecordError {
    fn class(&self) -> crate::ErrorClass {
        crate::ErrorClass::Protocol
    }
}

/// True when `bytes` sum to zero modulo 256 (the FRU and SEL zero checksum).
pub fn sums_to_zero(bytes: &[u8]) -> bool {
    crate::wire::lan_message::checksum(bytes) == 0
}

/// Whether decoding checks checksums. `Ignore` decodes what a corrupt
/// image still holds (ipmitool prints such areas); lengths and bounds are
/// checked either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksums {
    /// A bad checksum is an error.
    Verify,
    /// Checksums are not looked at.
    Ignore,
}

impl Checksums {
    /// True when `bytes` pass: they sum to zero, or checks are off.
    pub fn pass(self, bytes: &[u8]) -> bool {
        self == Checksums::Ignore || sums_to_zero(bytes)
    }
}
