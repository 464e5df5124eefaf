//! The BMC's SDR repository as `sel elist` and `fru print` need it: every
//! record, read once through the walk's record fetch engine (IPMI 2.0
//! §33.12: Get SDR in whole or in parts under a reservation), driven
//! through the family's [`Exchanger`]. Records that do not decode are
//! skipped, as ipmitool skips them.

use std::collections::HashSet;

use ipmi_core::cmd::{GetSdr, RecordStore};
use ipmi_core::reader::ReadError;
use ipmi_core::record::sdr::Record;
use ipmi_core::walk::{FetchError, FetchStep, RecordFetch};

use super::{ActionError, Exchanger};

/// Records read before the walk gives up (an SDR repository holds at most
/// 0xFFFE; a BMC's is far smaller).
const MAX_RECORDS: usize = 4096;

fn fetch_error<E>(e: FetchError) -> ActionError<E> {
    match e {
        FetchError::Command { source, .. } => ActionError::Command(source),
        _ => ActionError::Read(ReadError::Stalled {
            what: "Get SDR",
            at: 0,
            why: "the record could not be read",
        }),
    }
}

/// Walks the repository from the first record to FFFFh; a repeated
/// record ID or more than [`MAX_RECORDS`] is an error.
pub fn read_records<E>(x: &mut Exchanger<'_, E>) -> Result<Vec<Record>, ActionError<E>> {
    let mut fetch = RecordFetch::new(RecordStore::SDR_REPOSITORY, x.target());
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    let mut id = 0u16;
    while id != GetSdr::END_OF_LIST {
        if !seen.insert(id) || seen.len() > MAX_RECORDS {
            return Err(ActionError::Read(ReadError::Loop {
                what: "Get SDR",
                id,
            }));
        }
        fetch.start(id);
        let (next, data) = loop {
            match fetch.step().map_err(fetch_error)? {
                FetchStep::Record { next, data } => break (next, data),
                FetchStep::Send(request) => {
                    let response = x.exchange(&request)?;
                    fetch.feed(&response).map_err(fetch_error)?;
                }
            }
        };
        // Records that do not decode name no event (ipmitool skips them too).
        if let Ok(r) = Record::parse(&data) {
            records.push(r);
        }
        id = next;
    }
    Ok(records)
}
