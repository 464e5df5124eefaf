//! SDR repository commands: Get SDR Repository Info, Reserve SDR
//! Repository, Get SDR (IPMI 2.0 §33.9–§33.12) and their device-SDR twins
//! Get Device SDR Info, Reserve Device SDR Repository, Get Device SDR
//! (§35.2–§35.4). Request and response encoders live here too, so the
//! responder (virtual BMC) serves exactly what the client decodes.

use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// A record store read under a reservation with the same request layout
/// (reservation ID, record ID, offset, count) and response (next record
/// ID, bytes): the SDR repository (IPMI 2.0 §33.11–§33.12), device SDRs
/// (§35.3–§35.4) and the SEL (Reserve SEL / Get SEL Entry, §31.4–§31.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordStore {
    /// The NetFn of the store's commands.
    pub netfn: NetFn,
    /// The Reserve command number.
    pub reserve_cmd: u8,
    /// The Get command number.
    pub get_cmd: u8,
    /// The Reserve command's name.
    pub reserve_name: &'static str,
    /// The Get command's name.
    pub get_name: &'static str,
    /// Fixed record length (SEL: 16), or `None` when a 5-byte SDR header gives it.
    pub fixed_len: Option<u8>,
}

impl RecordStore {
    /// The SDR repository: Reserve 0Ah/22h, Get SDR 0Ah/23h (IPMI 2.0 §33).
    pub const SDR_REPOSITORY: RecordStore = RecordStore {
        netfn: NetFn::STORAGE,
        reserve_cmd: 0x22,
        get_cmd: 0x23,
        reserve_name: "Reserve SDR Repository",
        get_name: "Get SDR",
        fixed_len: None,
    };
    /// A controller's device SDRs: Reserve 04h/22h, Get Device SDR 04h/21h (IPMI 2.0 §35).
    pub const DEVICE_SDR: RecordStore = RecordStore {
        netfn: NetFn::SENSOR_EVENT,
        reserve_cmd: 0x22,
        get_cmd: 0x21,
        reserve_name: "Reserve Device SDR Repository",
        get_name: "Get Device SDR",
        fixed_len: None,
    };
    /// The SEL: Reserve SEL 0Ah/42h, Get SEL Entry 0Ah/43h, 16-byte records (IPMI 2.0 §31).
    pub const SEL: RecordStore = RecordStore {
        netfn: NetFn::STORAGE,
        reserve_cmd: 0x42,
        get_cmd: 0x43,
        reserve_name: "Reserve SEL",
        get_name: "Get SEL Entry",
        fixed_len: Some(crate::record::sel::SEL_RECORD_LEN as u8),
    };
}

/// Get SDR Repository Info (NetFn Storage, cmd 20h; IPMI 2.0 §33.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSdrRepositoryInfo;

/// The Get SDR Repository Info response (IPMI 2.0 §33.9, table 33-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SdrRepositoryInfo {
    /// SDR version (51h for IPMI 1.5/2.0).
    pub version: u8,
    /// Number of records in the repository.
    pub record_count: u16,
    /// Free space in bytes (FFFEh: 64 KB − 2 or more, FFFFh: unspecified).
    pub free_space: u16,
    /// Most recent addition timestamp (seconds since 1970, BMC clock).
    pub last_addition: u32,
    /// Most recent erase timestamp.
    pub last_erase: u32,
    /// Operation support flags (overflow, update modes, delete, partial add, reserve, get allocation).
    pub operation_support: u8,
}

impl SdrRepositoryInfo {
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.version);
        out.extend_from_slice(&self.record_count.to_le_bytes());
        out.extend_from_slice(&self.free_space.to_le_bytes());
        out.extend_from_slice(&self.last_addition.to_le_bytes());
        out.extend_from_slice(&self.last_erase.to_le_bytes());
        out.push(self.operation_support);
    }
    /// True when Reserve SDR Repository is supported (operation support bit 1).
    pub fn supports_reserve(&self) -> bool {
        self.operation_support & 0x02 != 0
    }
    /// True when an add failed for lack of space (bit 7).
    pub fn overflow(&self) -> bool {
        self.operation_support & 0x80 != 0
    }
    /// Update modes (bits 6:5): 0 unspecified, 1 non-modal, 2 modal, 3 both.
    pub fn update_modes(&self) -> u8 {
        (self.operation_support >> 5) & 3
    }
    /// Delete SDR supported (bit 3).
    pub fn supports_delete(&self) -> bool {
        self.operation_support & 0x08 != 0
    }
    /// Partial Add SDR supported (bit 2).
    pub fn supports_partial_add(&self) -> bool {
        self.operation_support & 0x04 != 0
    }
    /// Get SDR Repository Allocation Info supported (bit 0).
    pub fn supports_allocation_info(&self) -> bool {
        self.operation_support & 0x01 != 0
    }
}

impl Command for GetSdrRepositoryInfo {
    type Output = SdrRepositoryInfo;
    ident!("Get SDR Repository Info", NetFn::STORAGE, 0x20);
    fn decode(&self, response: &Response) -> Result<SdrRepositoryInfo, CommandError> {
        SdrRepositoryInfo::decode_body(self, response)
    }
}

impl SdrRepositoryInfo {
    /// Decodes the 14 data bytes answering `cmd` (Get SDR Repository Info
    /// §33.9 or Get SEL Info §31.2, which share them).
    pub(crate) fn decode_body<C: Command>(
        cmd: &C,
        response: &Response,
    ) -> Result<SdrRepositoryInfo, CommandError> {
        let d = expect_data(cmd, response, 14)?;
        let u16_at = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
        Ok(SdrRepositoryInfo {
            version: d[0],
            record_count: u16_at(1),
            free_space: u16_at(3),
            last_addition: u32_at(5),
            last_erase: u32_at(9),
            operation_support: d[13],
        })
    }
}

/// Get Device SDR Info (NetFn Sensor/Event, cmd 20h; IPMI 2.0 §35.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetDeviceSdrInfo {
    /// True: count device SDRs; false: count sensors (request byte 1 bit 0).
    pub sdr_count: bool,
}

/// The Get Device SDR Info response (IPMI 2.0 §35.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeviceSdrInfo {
    /// Number of sensors or SDRs (LUN given by the request's LUN).
    pub count: u8,
    /// Flags: bit 7 dynamic sensor population, bits 3:0 LUNs with sensors.
    pub flags: u8,
    /// Sensor population change indicator (present for dynamic population).
    pub population_change: Option<u32>,
}

impl DeviceSdrInfo {
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.count);
        out.push(self.flags);
        if let Some(p) = self.population_change {
            out.extend_from_slice(&p.to_le_bytes());
        }
    }
}

impl GetDeviceSdrInfo {
    /// Decodes a request's data (for the responder); no byte means a sensor count.
    pub fn parse_request(data: &[u8]) -> Self {
        GetDeviceSdrInfo {
            sdr_count: data.first().is_some_and(|b| b & 1 != 0),
        }
    }
}

impl Command for GetDeviceSdrInfo {
    type Output = DeviceSdrInfo;
    ident!("Get Device SDR Info", NetFn::SENSOR_EVENT, 0x20);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.sdr_count));
    }
    fn decode(&self, response: &Response) -> Result<DeviceSdrInfo, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(DeviceSdrInfo {
            count: d[0],
            flags: d[1],
            population_change: d
                .get(2..6)
                .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]])),
        })
    }
}

/// Reserve a [`RecordStore`]: Reserve SDR Repository (0Ah/22h, IPMI 2.0
/// §33.11), Reserve Device SDR Repository (04h/22h, §35.4) or Reserve SEL
/// (0Ah/42h, §31.4); the output is the reservation ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reserve(pub RecordStore);

impl Reserve {
    /// The response data bytes for reservation `id` (for the responder).
    pub fn encode_response(id: u16, out: &mut Vec<u8>) {
        out.extend_from_slice(&id.to_le_bytes());
    }
}

impl Command for Reserve {
    type Output = u16;
    fn name(&self) -> &'static str {
        self.0.reserve_name
    }
    fn netfn(&self) -> NetFn {
        self.0.netfn
    }
    fn cmd(&self) -> u8 {
        self.0.reserve_cmd
    }
    fn decode(&self, response: &Response) -> Result<u16, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(u16::from_le_bytes([d[0], d[1]]))
    }
}

/// Get SDR (0Ah/23h, IPMI 2.0 §33.12), Get Device SDR (04h/21h, §35.3) or
/// Get SEL Entry (0Ah/43h, §31.5): `count` bytes of record `record_id`
/// from `offset`; `count` FFh reads the whole record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSdr {
    /// Which store.
    pub store: RecordStore,
    /// Reservation ID (0 is accepted for reads at offset 0).
    pub reservation: u16,
    /// Record ID (0000h = first record).
    pub record_id: u16,
    /// Offset into the record.
    pub offset: u8,
    /// Bytes to read; [`GetSdr::WHOLE_RECORD`] for all.
    pub count: u8,
}

/// A Get SDR response: the next record's ID (FFFFh after the last) and the
/// bytes read (IPMI 2.0 §33.12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdrChunk {
    /// The ID of the record after this one; FFFFh at the end.
    pub next_record_id: u16,
    /// The record bytes read.
    pub data: Vec<u8>,
}

impl SdrChunk {
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.next_record_id.to_le_bytes());
        out.extend_from_slice(&self.data);
    }
}

impl GetSdr {
    /// "Bytes to read" value meaning the entire record.
    pub const WHOLE_RECORD: u8 = 0xFF;
    /// The record ID that ends the list (IPMI 2.0 §33.12).
    pub const END_OF_LIST: u16 = 0xFFFF;

    /// Reads the whole record `record_id` of `store` (offset 0, count FFh,
    /// no reservation needed; IPMI 2.0 §33.12, §31.5).
    pub fn whole(store: RecordStore, record_id: u16) -> Self {
        GetSdr {
            store,
            reservation: 0,
            record_id,
            offset: 0,
            count: GetSdr::WHOLE_RECORD,
        }
    }

    /// Decodes a request's data bytes (for the responder); `None` when not 6 bytes.
    pub fn parse_request(store: RecordStore, data: &[u8]) -> Option<GetSdr> {
        let d: &[u8; 6] = data.try_into().ok()?;
        Some(GetSdr {
            store,
            reservation: u16::from_le_bytes([d[0], d[1]]),
            record_id: u16::from_le_bytes([d[2], d[3]]),
            offset: d[4],
            count: d[5],
        })
    }
}

impl Command for GetSdr {
    type Output = SdrChunk;
    fn name(&self) -> &'static str {
        self.store.get_name
    }
    fn netfn(&self) -> NetFn {
        self.store.netfn
    }
    fn cmd(&self) -> u8 {
        self.store.get_cmd
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.reservation.to_le_bytes());
        out.extend_from_slice(&self.record_id.to_le_bytes());
        out.push(self.offset);
        out.push(self.count);
    }
    fn decode(&self, response: &Response) -> Result<SdrChunk, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(SdrChunk {
            next_record_id: u16::from_le_bytes([d[0], d[1]]),
            data: d[2..].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::support::ok;

    #[test]
    fn repository_info_round_trips() {
        let info = SdrRepositoryInfo {
            version: 0x51,
            record_count: 42,
            free_space: 0xfffe,
            last_addition: 0x6a0b_1c2d,
            last_erase: 7,
            operation_support: 0x2a,
        };
        let mut data = Vec::new();
        info.encode(&mut data);
        assert_eq!(data.len(), 14);
        let got = GetSdrRepositoryInfo
            .decode(&ok(&GetSdrRepositoryInfo, &data))
            .unwrap();
        assert_eq!(got, info);
        assert!(got.supports_reserve() && got.supports_delete() && !got.overflow());
        assert_eq!((got.update_modes(), got.supports_partial_add()), (1, false));
        assert!(!got.supports_allocation_info());
    }

    #[test]
    fn get_sdr_request_bytes_and_store_numbers() {
        let g = GetSdr {
            store: RecordStore::SDR_REPOSITORY,
            reservation: 0x1234,
            record_id: 0x0102,
            offset: 5,
            count: 16,
        };
        let r = g.request();
        assert_eq!((r.netfn, r.cmd), (NetFn::STORAGE, 0x23));
        assert_eq!(r.data, [0x34, 0x12, 0x02, 0x01, 5, 16]);
        assert_eq!(
            GetSdr::parse_request(RecordStore::SDR_REPOSITORY, &r.data),
            Some(g)
        );
        let dev = GetSdr {
            store: RecordStore::DEVICE_SDR,
            ..g
        };
        assert_eq!((dev.netfn(), dev.cmd()), (NetFn::SENSOR_EVENT, 0x21));
        let res = Reserve(RecordStore::DEVICE_SDR);
        assert_eq!((res.netfn(), res.cmd()), (NetFn::SENSOR_EVENT, 0x22));
        let chunk = SdrChunk {
            next_record_id: 0xffff,
            data: vec![1, 0, 0x51, 0x12, 0],
        };
        let mut d = Vec::new();
        chunk.encode(&mut d);
        assert_eq!(g.decode(&ok(&g, &d)).unwrap(), chunk);
    }

    #[test]
    fn device_sdr_info_with_and_without_change_indicator() {
        for info in [
            DeviceSdrInfo {
                count: 3,
                flags: 0x01,
                population_change: None,
            },
            DeviceSdrInfo {
                count: 9,
                flags: 0x81,
                population_change: Some(0xdead_beef),
            },
        ] {
            let mut d = Vec::new();
            info.encode(&mut d);
            let c = GetDeviceSdrInfo { sdr_count: true };
            assert_eq!(c.request().data, [1]);
            assert_eq!(GetDeviceSdrInfo::parse_request(&c.request().data), c);
            assert!(!GetDeviceSdrInfo::parse_request(&[]).sdr_count);
            assert_eq!(c.decode(&ok(&c, &d)).unwrap(), info);
        }
    }
}
