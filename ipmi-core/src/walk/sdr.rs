//! SDR walks: the BMC's SDR repository and a controller's device SDRs,
//! each bounded in records and run under the caller's deadline (IPMI 2.0
//! §33.12, §35.3).

use super::all::{AllStep, ReadAll};
use super::{FetchError, RecordFetch, RecordReader, SdrCache, SdrRepository, WalkError};
use crate::cmd::{GetDeviceSdrInfo, GetSdrRepositoryInfo, RecordStore};
use crate::{AsyncTransport, Command, Deadline, Target, Transport};

/// Bounds of a walk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkLimits {
    /// Records read before the walk gives up; `None`: the count the store
    /// reports plus [`WalkLimits::SLACK`] (records may be added meanwhile).
    pub max_records: Option<usize>,
}

impl WalkLimits {
    /// Records beyond the reported count a walk still accepts.
    pub const SLACK: usize = 64;

    /// The bound for a store that reports `count` records.
    fn for_count(self, count: u16) -> usize {
        self.max_records
            .unwrap_or(usize::from(count) + WalkLimits::SLACK)
    }
}

/// Reads the BMC's SDR repository: Get SDR Repository Info, then the walk
/// (IPMI 2.0 §33.9, §33.12). Returns the cache form (repository and keys).
pub fn read_sdr_repository<T: Transport>(
    transport: &mut T,
    limits: WalkLimits,
    deadline: Deadline,
) -> Result<SdrCache, WalkError<T::Error>> {
    refresh_sdr_cache(transport, None, limits, deadline).map(|(c, _)| c)
}

/// Returns `cache` when Get SDR Repository Info says the repository has
/// not changed (one command), else walks it again. The flag says whether
/// a walk happened.
pub fn refresh_sdr_cache<T: Transport>(
    transport: &mut T,
    cache: Option<SdrCache>,
    limits: WalkLimits,
    deadline: Deadline,
) -> Result<(SdrCache, bool), WalkError<T::Error>> {
    let target = transport.default_target();
    let mut reader = RecordReader::new(transport, RecordStore::SDR_REPOSITORY, target);
    let info = reader.run(&GetSdrRepositoryInfo, 0, 0, deadline)?;
    if let Some(c) = cache.filter(|c| c.matches(&info)) {
        return Ok((c, false));
    }
    let records = reader.read_all(limits.for_count(info.record_count), deadline)?;
    Ok((SdrCache::new(&info, records), true))
}

/// Reads the device SDRs of the controller at `target` (a satellite an MC
/// locator names, or the BMC): Get Device SDR Info, then the walk with
/// Reserve Device SDR Repository / Get Device SDR (IPMI 2.0 §35.2–§35.4).
pub fn read_device_sdrs<T: Transport>(
    transport: &mut T,
    target: Target,
    limits: WalkLimits,
    deadline: Deadline,
) -> Result<SdrRepository, WalkError<T::Error>> {
    let mut reader = RecordReader::new(transport, RecordStore::DEVICE_SDR, target);
    let info = reader.run(&GetDeviceSdrInfo { sdr_count: true }, 0, 0, deadline)?;
    Ok(SdrRepository {
        records: reader.read_all(limits.for_count(u16::from(info.count)), deadline)?,
    })
}

/// [`refresh_sdr_cache`] over an async transport: Get SDR Repository Info
/// (one command when `cache` still matches), else the [`ReadAll`] walk,
/// every exchange ending by `deadline` (IPMI 2.0 §33.9, §33.12).
pub async fn refresh_sdr_cache_async<T: AsyncTransport>(
    transport: &mut T,
    cache: Option<SdrCache>,
    limits: WalkLimits,
    deadline: Deadline,
) -> Result<(SdrCache, bool), WalkError<T::Error>> {
    let target = transport.default_target();
    let info_cmd = GetSdrRepositoryInfo;
    let response = transport
        .exchange(&info_cmd.request_to(target), deadline)
        .await
        .map_err(|source| WalkError::Exchange {
            command: info_cmd.name(),
            record_id: 0,
            offset: 0,
            source,
        })?;
    let info = info_cmd.decode(&response).map_err(|source| {
        WalkError::Fetch(FetchError::Command {
            record_id: 0,
            offset: 0,
            source,
        })
    })?;
    if let Some(c) = cache.filter(|c| c.matches(&info)) {
        return Ok((c, false));
    }
    let mut fetch = RecordFetch::new(RecordStore::SDR_REPOSITORY, target);
    let mut all = ReadAll::new(&mut fetch, limits.for_count(info.record_count));
    let records = loop {
        match all.step()? {
            AllStep::Done(records) => break records,
            AllStep::Send(request) => {
                let response = transport
                    .exchange(&request, deadline)
                    .await
                    .map_err(|source| all.exchange_error(source))?;
                all.feed(&response)?;
            }
        }
    };
    Ok((SdrCache::new(&info, records), true))
}
