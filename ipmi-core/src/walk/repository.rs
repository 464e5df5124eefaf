//! A read SDR repository as bytes: ipmitool's `sdr dump` file format (each
//! record's 5-byte header and body back to back), and a cache keyed by the
//! repository's most recent addition/erase timestamps (IPMI 2.0 §33.9).

use crate::cmd::SdrRepositoryInfo;
use crate::record::sdr::{split_records, Record, SdrError};

/// The raw records of a repository, in walk order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SdrRepository {
    /// Each record's bytes (header and body).
    pub records: Vec<Vec<u8>>,
}

impl SdrRepository {
    /// A repository of typed records, each emitted (for the responder).
    pub fn from_records(records: &[Record]) -> SdrRepository {
        SdrRepository {
            records: records
                .iter()
                .map(|r| {
                    let mut out = Vec::new();
                    r.emit(&mut out);
                    out
                })
                .collect(),
        }
    }

    /// ipmitool's `sdr dump` bytes: the records concatenated.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.records.concat()
    }

    /// Reads an `sdr dump` file's bytes (what ipmitool's `-S FILE` loads).
    pub fn from_bytes(bytes: &[u8]) -> Result<SdrRepository, SdrError> {
        Ok(SdrRepository {
            records: split_records(bytes)
                .map(|r| r.map(<[u8]>::to_vec))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The decoded records; a malformed one is an error naming it.
    pub fn decode(&self) -> impl Iterator<Item = Result<Record, SdrError>> + '_ {
        self.records.iter().map(|r| Record::parse(r))
    }
}

/// A repository with what identifies its version: the most recent
/// addition and erase timestamps and the record count of Get SDR
/// Repository Info.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdrCache {
    /// Most recent addition timestamp when read.
    pub last_addition: u32,
    /// Most recent erase timestamp when read.
    pub last_erase: u32,
    /// Record count when read.
    pub record_count: u16,
    /// The records.
    pub repository: SdrRepository,
}

/// The first bytes of a saved cache.
const CACHE_MAGIC: &[u8; 8] = b"IPMIRSC1";

impl SdrCache {
    /// The cache of `records`, read after Get SDR Repository Info said `info`.
    pub(crate) fn new(info: &SdrRepositoryInfo, records: Vec<Vec<u8>>) -> SdrCache {
        SdrCache {
            last_addition: info.last_addition,
            last_erase: info.last_erase,
            record_count: info.record_count,
            repository: SdrRepository { records },
        }
    }

    /// True when `info` describes the repository this cache holds.
    pub fn matches(&self, info: &SdrRepositoryInfo) -> bool {
        (self.last_addition, self.last_erase, self.record_count)
            == (info.last_addition, info.last_erase, info.record_count)
    }

    /// The cache as bytes: magic, the three keys, then the `sdr dump` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = CACHE_MAGIC.to_vec();
        out.extend_from_slice(&self.last_addition.to_le_bytes());
        out.extend_from_slice(&self.last_erase.to_le_bytes());
        out.extend_from_slice(&self.record_count.to_le_bytes());
        out.extend_from_slice(&self.repository.to_bytes());
        out
    }

    /// Reads [`SdrCache::to_bytes`] output; `None` when it is not a cache
    /// file or a record in it is malformed.
    pub fn from_bytes(bytes: &[u8]) -> Option<SdrCache> {
        let rest = bytes.strip_prefix(CACHE_MAGIC)?;
        let keys = rest.get(..10)?;
        Some(SdrCache {
            last_addition: u32::from_le_bytes(keys[0..4].try_into().ok()?),
            last_erase: u32::from_le_bytes(keys[4..8].try_into().ok()?),
            record_count: u16::from_le_bytes([keys[8], keys[9]]),
            repository: SdrRepository::from_bytes(&rest[10..]).ok()?,
        })
    }
}
