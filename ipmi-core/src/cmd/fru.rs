//! FRU inventory device commands: Get FRU Inventory Area Info, Read FRU
//! Data and Write FRU Data (NetFn Storage; IPMI 2.0 §34.1–§34.3).

use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Get FRU Inventory Area Info (NetFn Storage, cmd 0x10; IPMI 2.0 §34.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetFruInventoryAreaInfo {
    /// FRU device ID (0 = the controller's own FRU data).
    pub device_id: u8,
}

/// The size of a FRU device and how it is addressed (IPMI 2.0 §34.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FruAreaInfo {
    /// Area size in bytes (even when accessed by words).
    pub size: u16,
    /// True when the device is accessed by 16-bit words: offsets and counts
    /// of Read/Write FRU Data are then in words.
    pub by_words: bool,
}

impl FruAreaInfo {
    /// Appends the response data (size LS first, access byte): the responder's form.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.size.to_le_bytes());
        out.push(u8::from(self.by_words));
    }
}

impl Command for GetFruInventoryAreaInfo {
    type Output = FruAreaInfo;

    ident!("Get FRU Inventory Area Info", NetFn::STORAGE, 0x10);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.device_id);
    }
    fn decode(&self, response: &Response) -> Result<FruAreaInfo, CommandError> {
        let d = expect_data(self, response, 3)?;
        Ok(FruAreaInfo {
            size: u16::from_le_bytes([d[0], d[1]]),
            by_words: d[2] & 1 != 0,
        })
    }
}

/// Read FRU Data (NetFn Storage, cmd 0x11; IPMI 2.0 §34.2). Offset and
/// count are in the device's access unit (bytes or words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadFruData {
    /// FRU device ID.
    pub device_id: u8,
    /// Offset to read from (bytes or words).
    pub offset: u16,
    /// How many units to read.
    pub count: u8,
}

impl ReadFruData {
    /// Appends the response data for `data` read from a device (count in
    /// words when `by_words`, then the bytes): the responder's form.
    pub fn emit_response(data: &[u8], by_words: bool, out: &mut Vec<u8>) {
        let count = if by_words { data.len() / 2 } else { data.len() };
        out.push(count.min(255) as u8);
        out.extend_from_slice(data);
    }
}

impl Command for ReadFruData {
    /// The data bytes returned (their count byte checked against them).
    type Output = Vec<u8>;

    ident!("Read FRU Data", NetFn::STORAGE, 0x11);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.device_id);
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.push(self.count);
    }
    fn decode(&self, response: &Response) -> Result<Vec<u8>, CommandError> {
        let d = expect_data(self, response, 1)?;
        let count = usize::from(d[0]);
        let data = &d[1..];
        // The count is in bytes or words; the bytes that follow must cover it
        // in bytes at least, and never exceed twice it (words).
        if data.len() < count || data.len() > count * 2 {
            return Err(CommandError::InvalidField {
                command: self.name(),
                field: "count returned",
                value: u32::from(d[0]),
            });
        }
        Ok(data.to_vec())
    }
}

/// Write FRU Data (NetFn Storage, cmd 0x12; IPMI 2.0 §34.3). Library only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFruData {
    /// FRU device ID.
    pub device_id: u8,
    /// Offset to write at (bytes or words).
    pub offset: u16,
    /// The bytes to write.
    pub data: Vec<u8>,
}

impl Command for WriteFruData {
    /// The count written, in the device's access unit.
    type Output = u8;

    ident!("Write FRU Data", NetFn::STORAGE, 0x12);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.device_id);
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.data);
    }
    fn decode(&self, response: &Response) -> Result<u8, CommandError> {
        Ok(expect_data(self, response, 1)?[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompletionCode;

    fn answer(netfn: NetFn, cmd: u8, data: &[u8]) -> Response {
        Response {
            netfn: netfn.response(),
            cmd,
            completion: CompletionCode::SUCCESS,
            data: data.to_vec(),
        }
    }

    #[test]
    fn area_info_round_trip() {
        let cmd = GetFruInventoryAreaInfo { device_id: 3 };
        assert_eq!(cmd.request().data, [3]);
        let info = FruAreaInfo {
            size: 0x0400,
            by_words: true,
        };
        let mut out = Vec::new();
        info.emit(&mut out);
        assert_eq!(out, [0x00, 0x04, 0x01]);
        assert_eq!(cmd.decode(&answer(NetFn::STORAGE, 0x10, &out)), Ok(info));
    }

    #[test]
    fn read_checks_count() {
        let cmd = ReadFruData {
            device_id: 0,
            offset: 0x0102,
            count: 4,
        };
        assert_eq!(cmd.request().data, [0, 0x02, 0x01, 4]);
        let mut out = Vec::new();
        ReadFruData::emit_response(&[0xaa, 0xbb], false, &mut out);
        assert_eq!(out, [2, 0xaa, 0xbb]);
        let ok = answer(NetFn::STORAGE, 0x11, &out);
        assert_eq!(cmd.decode(&ok).unwrap(), [0xaa, 0xbb]);
        out.clear();
        ReadFruData::emit_response(&[1, 2, 3, 4], true, &mut out);
        assert_eq!(out, [2, 1, 2, 3, 4]);
        let lying = answer(NetFn::STORAGE, 0x11, &[3, 0xaa]);
        assert!(matches!(
            cmd.decode(&lying),
            Err(CommandError::InvalidField { .. })
        ));
        let w = WriteFruData {
            device_id: 1,
            offset: 8,
            data: vec![1, 2],
        };
        assert_eq!(w.request().data, [1, 8, 0, 1, 2]);
        assert_eq!(w.decode(&answer(NetFn::STORAGE, 0x12, &[2])), Ok(2));
    }
}
