//! System Event Log device commands (NetFn Storage; IPMI 2.0 §31.2–§31.11):
//! info, allocation, delete, clear and time. Reserve SEL and Get SEL
//! Entry are [`Reserve`](super::Reserve) and [`GetSdr`] on
//! [`RecordStore::SEL`](super::RecordStore::SEL).

use super::sdr_repository::{GetSdr, SdrRepositoryInfo};
use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Record ID asking Get SEL Entry for the first entry (IPMI 2.0 §31.5).
pub const FIRST_ENTRY: u16 = 0x0000;
/// Record ID asking Get SEL Entry for the last entry; as a "next record
/// ID" it means there is no further entry (IPMI 2.0 §31.5).
pub const LAST_ENTRY: u16 = GetSdr::END_OF_LIST;

fn le16(d: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([d[at], d[at + 1]])
}

fn le32(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}

/// Get SEL Info (NetFn Storage, cmd 0x40; IPMI 2.0 §31.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSelInfo;

/// The Get SEL Info response (IPMI 2.0 §31.2, table 31-2): the same 14
/// bytes as Get SDR Repository Info's (§33.9) — version, entries, free
/// bytes, last addition, last erase, operation support with the same bits
/// (7 overflow, 3 delete, 2 partial add, 1 reserve, 0 allocation info) —
/// so one type decodes and encodes both.
pub type SelInfo = SdrRepositoryInfo;

impl Command for GetSelInfo {
    type Output = SelInfo;
    ident!("Get SEL Info", NetFn::STORAGE, 0x40);
    fn decode(&self, response: &Response) -> Result<SelInfo, CommandError> {
        SdrRepositoryInfo::decode_body(self, response)
    }
}

/// Get SEL Allocation Info (NetFn Storage, cmd 0x41; IPMI 2.0 §31.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSelAllocationInfo;

/// The Get SEL Allocation Info response (IPMI 2.0 §31.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SelAllocation {
    /// Number of possible allocation units.
    pub units: u16,
    /// Allocation unit size in bytes (0: unspecified).
    pub unit_size: u16,
    /// Number of free allocation units.
    pub free_units: u16,
    /// Largest free block in allocation units.
    pub largest_free: u16,
    /// Maximum record size in allocation units.
    pub max_record: u8,
}

impl Command for GetSelAllocationInfo {
    type Output = SelAllocation;
    ident!("Get SEL Allocation Info", NetFn::STORAGE, 0x41);
    fn decode(&self, response: &Response) -> Result<SelAllocation, CommandError> {
        let d = expect_data(self, response, 9)?;
        Ok(SelAllocation {
            units: le16(d, 0),
            unit_size: le16(d, 2),
            free_units: le16(d, 4),
            largest_free: le16(d, 6),
            max_record: d[8],
        })
    }
}

// Reserve SEL (0Ah/42h, IPMI 2.0 §31.4) and Get SEL Entry (0Ah/43h,
// §31.5) share the SDR repository's layout: they are
// `Reserve(RecordStore::SEL)` and `GetSdr { store: RecordStore::SEL, .. }`
// in `sdr_repository.rs`, one definition for the client and the responder.

/// Delete SEL Entry (NetFn Storage, cmd 0x46; IPMI 2.0 §31.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeleteSelEntry {
    /// Reservation ID from Reserve SEL (`Reserve(RecordStore::SEL)`).
    pub reservation: u16,
    /// The record to delete.
    pub record_id: u16,
}

impl Command for DeleteSelEntry {
    /// The ID of the record deleted.
    type Output = u16;
    ident!("Delete SEL Entry", NetFn::STORAGE, 0x46);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.reservation.to_le_bytes());
        out.extend_from_slice(&self.record_id.to_le_bytes());
    }
    fn decode(&self, response: &Response) -> Result<u16, CommandError> {
        Ok(le16(expect_data(self, response, 2)?, 0))
    }
}

/// What Clear SEL asks (IPMI 2.0 §31.9, byte 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClearAction {
    /// 0xAA: initiate erase.
    Initiate,
    /// 0x00: get erasure status.
    GetStatus,
}

/// Clear SEL (NetFn Storage, cmd 0x47; IPMI 2.0 §31.9): reservation,
/// 'C' 'L' 'R', then initiate or get status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClearSel {
    /// Reservation ID from Reserve SEL (`Reserve(RecordStore::SEL)`).
    pub reservation: u16,
    /// Initiate or poll.
    pub action: ClearAction,
}

impl Command for ClearSel {
    /// True once erasure has completed (progress nibble 1).
    type Output = bool;
    ident!("Clear SEL", NetFn::STORAGE, 0x47);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.reservation.to_le_bytes());
        out.extend_from_slice(b"CLR");
        out.push(match self.action {
            ClearAction::Initiate => 0xAA,
            ClearAction::GetStatus => 0x00,
        });
    }
    fn decode(&self, response: &Response) -> Result<bool, CommandError> {
        Ok(expect_data(self, response, 1)?[0] & 0x0f == 1)
    }
}

/// Get SEL Time (NetFn Storage, cmd 0x48; IPMI 2.0 §31.10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSelTime;

impl Command for GetSelTime {
    /// Seconds since 1970-01-01 UTC (or since init, below 0x20000000).
    type Output = u32;
    ident!("Get SEL Time", NetFn::STORAGE, 0x48);
    fn decode(&self, response: &Response) -> Result<u32, CommandError> {
        Ok(le32(expect_data(self, response, 4)?, 0))
    }
}

/// Set SEL Time (NetFn Storage, cmd 0x49; IPMI 2.0 §31.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetSelTime {
    /// Seconds since 1970-01-01 UTC.
    pub time: u32,
}

impl Command for SetSelTime {
    type Output = ();
    ident!("Set SEL Time", NetFn::STORAGE, 0x49);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.time.to_le_bytes());
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::{RecordStore, Reserve};
    use crate::CompletionCode;

    fn answer(cmd: u8, data: &[u8]) -> Response {
        Response {
            netfn: NetFn::STORAGE.response(),
            cmd,
            completion: CompletionCode::SUCCESS,
            data: data.to_vec(),
        }
    }

    #[test]
    fn info_round_trip() {
        // ipmi_sim's answer on a bed with 3 entries (version 0x51, 0x0a support).
        let bytes = [
            0x51, 0x03, 0x00, 0xd0, 0x07, 0x12, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0a,
        ];
        let info = GetSelInfo.decode(&answer(0x40, &bytes)).unwrap();
        assert_eq!(
            (info.record_count, info.free_space, info.last_addition),
            (3, 2000, 18)
        );
        assert!(info.supports_delete() && info.supports_reserve());
        assert!(!info.overflow() && !info.supports_allocation_info());
        let mut out = Vec::new();
        info.encode(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn requests() {
        let e = GetSdr {
            store: RecordStore::SEL,
            reservation: 0x1234,
            record_id: LAST_ENTRY,
            offset: 5,
            count: 11,
        };
        assert_eq!(e.request().data, [0x34, 0x12, 0xff, 0xff, 5, 11]);
        assert_eq!((e.request().netfn, e.request().cmd), (NetFn::STORAGE, 0x43));
        assert_eq!(
            GetSdr::whole(RecordStore::SEL, 7).request().data,
            [0, 0, 7, 0, 0, 0xff]
        );
        let got = e.decode(&answer(0x43, &[0x02, 0x00, 1, 2, 3])).unwrap();
        assert_eq!((got.next_record_id, got.data), (2, vec![1, 2, 3]));
        let c = ClearSel {
            reservation: 0x0102,
            action: ClearAction::Initiate,
        };
        assert_eq!(c.request().data, [2, 1, b'C', b'L', b'R', 0xaa]);
        assert_eq!(c.decode(&answer(0x47, &[0x01])), Ok(true));
        assert_eq!(c.decode(&answer(0x47, &[0x00])), Ok(false));
        let d = DeleteSelEntry {
            reservation: 1,
            record_id: 0x0203,
        };
        assert_eq!(d.request().data, [1, 0, 3, 2]);
        assert_eq!(SetSelTime { time: 0x01020304 }.request().data, [4, 3, 2, 1]);
        assert_eq!(
            GetSelTime.decode(&answer(0x48, &[4, 3, 2, 1])),
            Ok(0x01020304)
        );
        let reserve = Reserve(RecordStore::SEL);
        assert_eq!(reserve.cmd(), 0x42);
        assert_eq!(reserve.decode(&answer(0x42, &[0x34, 0x12])), Ok(0x1234));
        let a = GetSelAllocationInfo
            .decode(&answer(0x41, &[0x20, 0, 0x10, 0, 0x1f, 0, 0x1f, 0, 1]))
            .unwrap();
        assert_eq!(
            (a.units, a.unit_size, a.free_units, a.max_record),
            (32, 16, 31, 1)
        );
    }
}
