//! Walking reservable record stores over any [`Transport`](crate::Transport):
//! the reservation + partial-read engine ([`RecordReader`]) shared by the
//! SDR repository, device SDRs and the SEL, the SDR repository walks, and
//! the SDR cache (IPMI 2.0 §33.12, §35.3, §31.5).

mod error;
mod reader;
mod repository;
mod sdr;

pub use error::WalkError;
pub use reader::{ReadStats, RecordReader};
pub use repository::{SdrCache, SdrRepository};
pub use sdr::{read_device_sdrs, read_sdr_repository, refresh_sdr_cache, WalkLimits};

#[cfg(test)]
mod tests;
