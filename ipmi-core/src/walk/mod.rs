//! Walking reservable record stores: the sans-IO reservation +
//! partial-read engine ([`RecordFetch`]) shared by the SDR repository,
//! device SDRs and the SEL reader, its blocking driver ([`RecordReader`])
//! over any [`Transport`](crate::Transport), the SDR repository walks, and
//! the SDR cache (IPMI 2.0 §33.12, §35.3, §31.5).

mod all;
mod error;
mod fetch;
mod reader;
mod repository;
mod sdr;

pub use all::{AllStep, ReadAll};
pub use error::WalkError;
pub(crate) use fetch::MAX_RESERVATIONS_PER_RECORD;
pub use fetch::{FetchError, FetchStep, RecordFetch};
pub use reader::{ReadStats, RecordReader};
pub use repository::{SdrCache, SdrRepository};
pub use sdr::{
    read_device_sdrs, read_sdr_repository, refresh_sdr_cache, refresh_sdr_cache_async, WalkLimits,
};

#[cfg(test)]
mod tests;
