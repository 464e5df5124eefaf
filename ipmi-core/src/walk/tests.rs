//! Walks against a scripted in-memory BMC: whole reads, 0xCA shrink,
//! silent truncation, 0xC5 re-reserve, loops, bounds, deadlines, cache.

use std::time::{Duration, Instant};

use super::fetch;
use super::*;
use crate::cmd::{GetSdr, RecordStore, SdrChunk, SdrRepositoryInfo};
use crate::record::sdr::tests::{hex, IPMISIM1};
use crate::record::sdr::{IdString, Record, Sdr};
use crate::{
    CommandError, CompletionCode, Deadline, ErrorClass, Failure, NetFn, Request, Response, Target,
    Transport,
};

#[derive(Debug, thiserror::Error)]
enum TestError {
    #[error("timed out")]
    Timeout,
    #[error(transparent)]
    Cmd(#[from] CommandError),
}

impl Failure for TestError {
    fn class(&self) -> ErrorClass {
        match self {
            TestError::Timeout => ErrorClass::Timeout,
            TestError::Cmd(e) => e.class(),
        }
    }
}

/// A BMC serving `records` with scripted quirks.
struct Bmc {
    records: Vec<Vec<u8>>,
    /// Answer 0xCA to reads of more than this many bytes (0xFF included).
    max_read: usize,
    /// Answer 0xCA to counts past the record's end (other than FFh).
    strict_count: bool,
    /// Silently return at most this many record bytes.
    truncate_to: usize,
    /// Cancel the reservation before these Get numbers (1-based).
    cancel_at: Vec<u32>,
    /// The last record's next ID points back to the first.
    loops: bool,
    /// Time out on this exchange number (1-based).
    timeout_at: Option<u32>,
    /// Answer this completion code to this exchange number.
    refuse_at: Option<(u32, u8)>,
    info: SdrRepositoryInfo,
    reservation: u16,
    gets: u32,
    exchanges: u32,
    deadline: Deadline,
    requests: Vec<Request>,
}

impl Bmc {
    fn new(records: Vec<Vec<u8>>, deadline: Deadline) -> Bmc {
        Bmc {
            info: SdrRepositoryInfo {
                version: 0x51,
                record_count: records.len() as u16,
                free_space: 1000,
                last_addition: 100,
                last_erase: 50,
                operation_support: 0x22,
            },
            records,
            max_read: 255,
            strict_count: false,
            truncate_to: 255,
            cancel_at: Vec::new(),
            loops: false,
            timeout_at: None,
            refuse_at: None,
            reservation: 0,
            gets: 0,
            exchanges: 0,
            deadline,
            requests: Vec::new(),
        }
    }

    fn get(&mut self, d: &[u8]) -> Result<Vec<u8>, u8> {
        let g = GetSdr::parse_request(RecordStore::SDR_REPOSITORY, d).ok_or(0xC7u8)?;
        self.gets += 1;
        if self.cancel_at.contains(&self.gets) {
            self.reservation += 1;
        }
        if g.offset != 0 && g.reservation != self.reservation {
            return Err(0xC5);
        }
        if g.offset == 0 && g.reservation != 0 && g.reservation != self.reservation {
            return Err(0xC5);
        }
        let idx = if g.record_id == 0 {
            0
        } else {
            self.records
                .iter()
                .position(|r| u16::from_le_bytes([r[0], r[1]]) == g.record_id)
                .ok_or(0xCBu8)?
        };
        let rec = &self.records[idx];
        let count = if g.count == 0xFF {
            rec.len()
        } else {
            usize::from(g.count)
        };
        if count > self.max_read
            || (self.strict_count && g.count != 0xFF && usize::from(g.offset) + count > rec.len())
        {
            return Err(0xCA);
        }
        let start = usize::from(g.offset).min(rec.len());
        let end = (start + count).min(rec.len()).min(start + self.truncate_to);
        let next = match self.records.get(idx + 1) {
            Some(n) => u16::from_le_bytes([n[0], n[1]]),
            None if self.loops => u16::from_le_bytes([self.records[0][0], self.records[0][1]]),
            None => 0xFFFF,
        };
        let mut out = Vec::new();
        SdrChunk {
            next_record_id: next,
            data: rec[start..end].to_vec(),
        }
        .encode(&mut out);
        Ok(out)
    }
}

impl Transport for Bmc {
    type Error = TestError;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, TestError> {
        assert_eq!(
            deadline, self.deadline,
            "every request runs under the caller's deadline"
        );
        self.exchanges += 1;
        self.requests.push(request.clone());
        if self.timeout_at == Some(self.exchanges) {
            return Err(TestError::Timeout);
        }
        let result = match (request.netfn, request.cmd) {
            _ if self.refuse_at.map(|r| r.0) == Some(self.exchanges) => {
                Err(self.refuse_at.unwrap().1)
            }
            (NetFn::STORAGE, 0x20) | (NetFn::SENSOR_EVENT, 0x20) => {
                let mut d = Vec::new();
                self.info.encode(&mut d);
                Ok(d)
            }
            (_, 0x22) | (NetFn::STORAGE, 0x42) => {
                self.reservation = self.reservation.wrapping_add(1).max(1);
                Ok(self.reservation.to_le_bytes().to_vec())
            }
            (NetFn::STORAGE, 0x23 | 0x43) | (NetFn::SENSOR_EVENT, 0x21) => self.get(&request.data),
            _ => Err(0xC1),
        };
        let (cc, data) = match result {
            Ok(d) => (0, d),
            Err(cc) => (cc, Vec::new()),
        };
        Ok(Response {
            netfn: request.netfn.response(),
            cmd: request.cmd,
            completion: CompletionCode(cc),
            data,
        })
    }

    fn default_deadline(&self) -> Deadline {
        self.deadline
    }
}

fn deadline() -> Deadline {
    Deadline::after(Instant::now(), Duration::from_secs(3600))
}

/// The ipmisim1 records plus full records with 16-byte names (64 bytes
/// each), so partial reads take several chunks.
fn records() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = IPMISIM1.iter().map(|h| hex(h)).collect();
    let base = Record::parse(&out[2]).unwrap();
    for k in 0..4u16 {
        let mut r = base.clone();
        r.record_id = 0x10 + k;
        if let Sdr::Full(f) = &mut r.body {
            f.id = IdString::latin1(&format!("Long sensor n{k:03}"));
        }
        let mut b = Vec::new();
        r.emit(&mut b);
        assert_eq!(b.len(), 64);
        out.push(b);
    }
    out
}

#[test]
fn whole_reads_cost_one_exchange_per_record() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    let cache = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap();
    assert_eq!(cache.repository.records, records());
    assert_eq!(bmc.exchanges, 1 + 10);
    assert_eq!(cache.record_count, 10);
}

#[test]
fn cca_shrinks_the_chunk_and_partial_reads_reassemble() {
    for max_read in [40, 16, 7, 5] {
        let d = deadline();
        let mut bmc = Bmc::new(records(), d);
        bmc.max_read = max_read;
        let cache = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap();
        assert_eq!(cache.repository.records, records(), "max_read {max_read}");
        // Whole read refused once, then header + chunks per record.
        // The chunk settles on the largest ladder step the BMC accepts.
        let settled = usize::from(
            fetch::CHUNK_LADDER
                .into_iter()
                .find(|&c| usize::from(c) <= max_read)
                .unwrap(),
        );
        let chunks: u32 = records()
            .iter()
            .map(|r| (r.len() - 5).div_ceil(settled) as u32 + 1)
            .sum();
        // Info, refused whole read, reserve, refused ladder steps.
        let most = 1 + 1 + 1 + chunks + fetch::CHUNK_LADDER.len() as u32;
        assert!(
            bmc.exchanges <= most,
            "{max_read}: {} > {most}",
            bmc.exchanges
        );
    }
}

#[test]
fn a_bmc_refusing_whole_reads_of_long_records_costs_one_read_per_32_bytes() {
    // ipmi_sim's behaviour: FFh works for records that fit, else 0xCA.
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.max_read = 32;
    let cache = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap();
    assert_eq!(cache.repository.records, records());
    // Info; records 1-2 whole; record 3 refused whole, reserve; then each
    // record in ceil(len / 32) reads (the first read spans the header).
    let reads: u32 = records()[2..]
        .iter()
        .map(|r| r.len().div_ceil(32) as u32)
        .sum();
    assert_eq!(bmc.exchanges, 1 + 2 + 2 + reads);
}

#[test]
fn a_bmc_refusing_counts_past_the_end_still_walks() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.max_read = 20;
    bmc.strict_count = true;
    let cache = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap();
    assert_eq!(cache.repository.records, records());
    assert!(bmc.exchanges < 70, "{}", bmc.exchanges);
}

#[test]
fn silent_truncation_is_detected_and_followed() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.truncate_to = 10;
    let cache = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap();
    assert_eq!(cache.repository.records, records());
}

#[test]
fn cancelled_reservation_re_reserves_and_restarts_the_record() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.max_read = 16;
    bmc.cancel_at = vec![4, 9, 20];
    let cache = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap();
    assert_eq!(cache.repository.records, records());
    let reserves = bmc.requests.iter().filter(|r| r.cmd == 0x22).count();
    assert_eq!(reserves, 4);

    let mut bmc = Bmc::new(records(), d);
    bmc.max_read = 16;
    bmc.cancel_at = (1..1000).collect();
    let e = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap_err();
    assert!(
        matches!(
            e,
            WalkError::Fetch(FetchError::ReservationLost { record_id: 0, .. })
        ),
        "{e}"
    );
    assert!(bmc.exchanges < 40);
}

#[test]
fn loops_and_runaway_repositories_end() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.loops = true;
    let e = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap_err();
    assert!(matches!(e, WalkError::Loop { record_id: 1 }), "{e}");
    assert_eq!(bmc.exchanges, 1 + 10);

    let mut bmc = Bmc::new(records(), d);
    let limits = WalkLimits {
        max_records: Some(4),
    };
    let e = read_sdr_repository(&mut bmc, limits, d).unwrap_err();
    assert!(matches!(e, WalkError::TooManyRecords { limit: 4 }), "{e}");
    assert_eq!(bmc.exchanges, 5);
}

#[test]
fn a_timeout_names_the_command_and_record() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.timeout_at = Some(4);
    let e = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Timeout);
    assert_eq!(
        e.to_string(),
        "Get SDR (record 0x0003, offset 0): timed out"
    );
}

#[test]
fn a_refused_read_is_an_error_naming_the_code() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.refuse_at = Some((3, 0xCB));
    let e = read_sdr_repository(&mut bmc, WalkLimits::default(), d).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Bmc);
    assert_eq!(
        e.to_string(),
        "record 0x0002, offset 0: Get SDR: the BMC answered with completion code 0xcb \
         (Requested sensor, data, or record not found)"
    );
}

#[test]
fn cache_costs_one_command_until_the_repository_changes() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    let (cache, walked) = refresh_sdr_cache(&mut bmc, None, WalkLimits::default(), d).unwrap();
    assert!(walked);
    let saved = cache.to_bytes();
    let loaded = SdrCache::from_bytes(&saved).unwrap();
    assert_eq!(loaded, cache);
    bmc.exchanges = 0;
    let (again, walked) =
        refresh_sdr_cache(&mut bmc, Some(loaded.clone()), WalkLimits::default(), d).unwrap();
    assert!(!walked);
    assert_eq!(bmc.exchanges, 1);
    assert_eq!(again, cache);
    bmc.info.last_addition += 1;
    let (_, walked) = refresh_sdr_cache(&mut bmc, Some(loaded), WalkLimits::default(), d).unwrap();
    assert!(walked);
    assert!(SdrCache::from_bytes(b"not a cache").is_none());
}

#[test]
fn dump_bytes_round_trip_like_ipmitool_sdr_dump() {
    let repo = SdrRepository { records: records() };
    let bytes = repo.to_bytes();
    assert_eq!(bytes.len(), records().iter().map(Vec::len).sum::<usize>());
    assert_eq!(SdrRepository::from_bytes(&bytes).unwrap(), repo);
    assert_eq!(repo.decode().filter(Result::is_ok).count(), 10);
    let typed: Vec<Record> = repo.decode().collect::<Result<_, _>>().unwrap();
    assert_eq!(SdrRepository::from_records(&typed), repo);
    let e = SdrRepository::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    assert_eq!(e.record_id, Some(0x13));
}

#[test]
fn device_sdrs_go_to_the_satellite_with_device_commands() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.max_read = 16;
    let sat = Target::ipmb(0, 0x30);
    let repo = read_device_sdrs(&mut bmc, sat, WalkLimits::default(), d).unwrap();
    assert_eq!(repo.records, records());
    assert!(bmc
        .requests
        .iter()
        .all(|r| r.target == sat && r.netfn == NetFn::SENSOR_EVENT));
    assert_eq!(bmc.requests[0].cmd, 0x20);
    assert!(bmc.requests.iter().any(|r| r.cmd == 0x21));
}

#[test]
fn the_same_engine_reads_the_sel() {
    // 16-byte SEL entries (IPMI 2.0 §32.1), IDs 0x0010, 0x0020, ...
    let entries: Vec<Vec<u8>> = (1..=5u8)
        .map(|k| {
            let mut e = vec![k << 4, 0, 0x02];
            e.extend((0..13).map(|b| b ^ k));
            e
        })
        .collect();
    let d = deadline();
    for max_read in [255, 8] {
        let mut bmc = Bmc::new(entries.clone(), d);
        bmc.max_read = max_read;
        let mut reader = RecordReader::new(&mut bmc, RecordStore::SEL, Target::bmc());
        let got = reader.read_all(100, d).unwrap();
        assert_eq!(got, entries, "max_read {max_read}");
        assert!(bmc
            .requests
            .iter()
            .all(|r| r.netfn == NetFn::STORAGE && matches!(r.cmd, 0x42 | 0x43)));
    }
}

impl crate::AsyncTransport for Bmc {
    type Error = TestError;

    fn exchange(
        &mut self,
        request: &Request,
        deadline: Deadline,
    ) -> impl std::future::Future<Output = Result<Response, TestError>> + Send {
        std::future::ready(Transport::exchange(self, request, deadline))
    }

    fn default_deadline(&self) -> Deadline {
        self.deadline
    }
}

/// Polls a future whose transport answers at once (the scripted BMC):
/// it finishes on the first poll, so no executor is needed.
fn ready<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("the scripted BMC answers at once"),
    }
}

#[test]
fn the_async_walk_reads_what_the_blocking_walk_reads_and_honours_the_cache() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    let (blocking, _) = refresh_sdr_cache(&mut bmc, None, WalkLimits::default(), d).unwrap();
    let spent = bmc.exchanges;
    bmc.exchanges = 0;
    let (cache, walked) = ready(refresh_sdr_cache_async(
        &mut bmc,
        None,
        WalkLimits::default(),
        d,
    ))
    .unwrap();
    assert!(walked);
    assert_eq!(cache, blocking);
    assert_eq!(bmc.exchanges, spent);
    bmc.exchanges = 0;
    let (again, walked) = ready(refresh_sdr_cache_async(
        &mut bmc,
        Some(cache.clone()),
        WalkLimits::default(),
        d,
    ))
    .unwrap();
    assert!(!walked);
    assert_eq!(bmc.exchanges, 1);
    assert_eq!(again, cache);
}

#[test]
fn the_async_walk_ends_loops_and_names_where_it_timed_out() {
    let d = deadline();
    let mut bmc = Bmc::new(records(), d);
    bmc.loops = true;
    let e = ready(refresh_sdr_cache_async(
        &mut bmc,
        None,
        WalkLimits::default(),
        d,
    ))
    .unwrap_err();
    assert!(matches!(e, WalkError::Loop { record_id: 1 }), "{e}");

    let mut bmc = Bmc::new(records(), d);
    bmc.timeout_at = Some(3);
    let e = ready(refresh_sdr_cache_async(
        &mut bmc,
        None,
        WalkLimits::default(),
        d,
    ))
    .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Timeout);
    assert!(
        matches!(e, WalkError::Exchange { record_id, .. } if record_id != 0),
        "{e}"
    );
}
