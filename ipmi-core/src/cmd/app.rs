//! Application commands on the BMC itself: Get Device ID (IPMI 2.0
//! §20.1), Cold Reset (§20.2), Warm Reset (§20.3).

use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Get Device ID (NetFn App, cmd 0x01; IPMI 2.0 §20.1): `mc info`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetDeviceId;

/// The decoded Get Device ID response (IPMI 2.0 §20.1, table 20-2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeviceId {
    /// Device ID (byte 2).
    pub device_id: u8,
    /// Device revision, binary (byte 3 bits 3:0).
    pub device_revision: u8,
    /// The device provides Device SDRs (byte 3 bit 7).
    pub provides_device_sdrs: bool,
    /// Device available: false while a firmware/SDR update or self
    /// initialization is in progress (byte 4 bit 7 clear = available).
    pub device_available: bool,
    /// Major firmware revision, binary (byte 4 bits 6:0).
    pub firmware_major: u8,
    /// Minor firmware revision, BCD as received (byte 5).
    pub firmware_minor: u8,
    /// IPMI version, BCD: low nibble major, high nibble minor (byte 6).
    pub ipmi_version: u8,
    /// Additional device support bits (byte 7): 0 sensor, 1 SDR repository,
    /// 2 SEL, 3 FRU inventory, 4 IPMB event receiver, 5 IPMB event
    /// generator, 6 bridge, 7 chassis.
    pub additional_support: u8,
    /// Manufacturer ID, IANA enterprise number (20 bits).
    pub manufacturer_id: u32,
    /// Product ID.
    pub product_id: u16,
    /// Auxiliary firmware revision, when the BMC sends it (bytes 12..15).
    pub aux_firmware: Option<[u8; 4]>,
}

impl Default for DeviceId {
    /// A plain IPMI 2.0 BMC (the simulated BMC's identity): device 0x20
    /// rev 1, available, firmware 1.00, chassis device, manufacturer 0,
    /// product 0x0001, auxiliary firmware 00 00 00 00.
    fn default() -> Self {
        DeviceId {
            device_id: 0x20,
            device_revision: 1,
            provides_device_sdrs: false,
            device_available: true,
            firmware_major: 1,
            firmware_minor: 0x00,
            ipmi_version: 0x02,
            additional_support: 0x80,
            manufacturer_id: 0,
            product_id: 0x0001,
            aux_firmware: Some([0; 4]),
        }
    }
}

impl DeviceId {
    /// The Get Device ID response data after the completion code, as
    /// [`GetDeviceId`] decodes it (IPMI 2.0 §20.1, table 20-2).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.device_id);
        out.push((self.device_revision & 0x0f) | if self.provides_device_sdrs { 0x80 } else { 0 });
        out.push((self.firmware_major & 0x7f) | if self.device_available { 0 } else { 0x80 });
        out.push(self.firmware_minor);
        out.push(self.ipmi_version);
        out.push(self.additional_support);
        out.extend_from_slice(&(self.manufacturer_id & 0x0f_ffff).to_le_bytes()[..3]);
        out.extend_from_slice(&self.product_id.to_le_bytes());
        if let Some(aux) = self.aux_firmware {
            out.extend_from_slice(&aux);
        }
    }

    /// Names of the additional-support bits, in the order ipmitool lists them.
    pub const SUPPORT_NAMES: [&'static str; 8] = [
        "Sensor Device",
        "SDR Repository Device",
        "SEL Device",
        "FRU Inventory Device",
        "IPMB Event Receiver",
        "IPMB Event Generator",
        "Bridge",
        "Chassis Device",
    ];

    /// IPMI version as (major, minor).
    pub fn ipmi_version_parts(&self) -> (u8, u8) {
        (self.ipmi_version & 0x0f, self.ipmi_version >> 4)
    }

    /// Names of the additional device support bits that are set, bit 0 first.
    pub fn supported(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..8)
            .filter(|b| self.additional_support & (1 << b) != 0)
            .map(|b| Self::SUPPORT_NAMES[b])
    }
}

impl Command for GetDeviceId {
    type Output = DeviceId;

    fn name(&self) -> &'static str {
        "Get Device ID"
    }
    fn netfn(&self) -> NetFn {
        NetFn::APP
    }
    fn cmd(&self) -> u8 {
        0x01
    }
    fn decode(&self, response: &Response) -> Result<DeviceId, CommandError> {
        let d = expect_data(self, response, 11)?;
        Ok(DeviceId {
            device_id: d[0],
            device_revision: d[1] & 0x0f,
            provides_device_sdrs: d[1] & 0x80 != 0,
            device_available: d[2] & 0x80 == 0,
            firmware_major: d[2] & 0x7f,
            firmware_minor: d[3],
            ipmi_version: d[4],
            additional_support: d[5],
            manufacturer_id: u32::from_le_bytes([d[6], d[7], d[8] & 0x0f, 0]),
            product_id: u16::from_le_bytes([d[9], d[10]]),
            aux_firmware: d.get(11..15).map(|a| [a[0], a[1], a[2], a[3]]),
        })
    }
}

/// Cold Reset (NetFn App, cmd 0x02; IPMI 2.0 §20.2): `mc reset cold`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColdReset;

impl Command for ColdReset {
    type Output = ();

    fn name(&self) -> &'static str {
        "Cold Reset"
    }
    fn netfn(&self) -> NetFn {
        NetFn::APP
    }
    fn cmd(&self) -> u8 {
        0x02
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// Warm Reset (NetFn App, cmd 0x03; IPMI 2.0 §20.3): `mc reset warm`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WarmReset;

impl Command for WarmReset {
    type Output = ();

    fn name(&self) -> &'static str {
        "Warm Reset"
    }
    fn netfn(&self) -> NetFn {
        NetFn::APP
    }
    fn cmd(&self) -> u8 {
        0x03
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompletionCode;

    fn resp(cmd: u8, cc: u8, data: &[u8]) -> Response {
        Response {
            netfn: NetFn::APP.response(),
            cmd,
            completion: CompletionCode(cc),
            data: data.to_vec(),
        }
    }

    #[test]
    fn device_id_fields() {
        // ipmi_sim's default identity from TESTBED.md: id 0, rev 9, fw 8.9f, IPMI 2.0? (bytes crafted here)
        let r = resp(
            1,
            0,
            &[
                0x00, 0x89, 0x08, 0x9f, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f,
            ],
        );
        let id = GetDeviceId.decode(&r).unwrap();
        assert_eq!(id.device_id, 0);
        assert_eq!(id.device_revision, 9);
        assert!(id.provides_device_sdrs);
        assert!(id.device_available);
        assert_eq!(id.firmware_major, 8);
        assert_eq!(id.firmware_minor, 0x9f);
        assert_eq!(id.ipmi_version_parts(), (2, 0));
        assert_eq!(id.manufacturer_id, 0x1291);
        assert_eq!(id.product_id, 0x0f02);
        assert_eq!(id.aux_firmware, None);
        let names: Vec<_> = id.supported().collect();
        assert_eq!(
            names,
            [
                "Sensor Device",
                "SDR Repository Device",
                "SEL Device",
                "FRU Inventory Device",
                "IPMB Event Receiver",
                "Chassis Device"
            ]
        );
    }

    #[test]
    fn device_id_aux_and_unavailable() {
        let r = resp(
            1,
            0,
            &[1, 2, 0x83, 4, 0x51, 0, 0xff, 0xff, 0xff, 0, 0, 9, 8, 7, 6],
        );
        let id = GetDeviceId.decode(&r).unwrap();
        assert!(!id.device_available);
        assert_eq!(id.firmware_major, 3);
        assert_eq!(id.manufacturer_id, 0x0fffff);
        assert_eq!(id.aux_firmware, Some([9, 8, 7, 6]));
        assert_eq!(id.ipmi_version_parts(), (1, 5));
    }

    #[test]
    fn device_id_round_trips() {
        let id = DeviceId {
            aux_firmware: Some([1, 2, 3, 4]),
            manufacturer_id: 0x1291,
            ..Default::default()
        };
        let mut data = Vec::new();
        id.encode(&mut data);
        let d = GetDeviceId.decode(&resp(1, 0, &data)).unwrap();
        assert_eq!(
            (d.device_id, d.manufacturer_id, d.product_id),
            (0x20, 0x1291, 1)
        );
        assert_eq!(d.ipmi_version_parts(), (2, 0));
        assert_eq!(d.aux_firmware, Some([1, 2, 3, 4]));
        assert!(d.device_available);
        assert_eq!(d, id);
        let busy = DeviceId {
            device_available: false,
            aux_firmware: None,
            ..id
        };
        data.clear();
        busy.encode(&mut data);
        assert_eq!(GetDeviceId.decode(&resp(1, 0, &data)).unwrap(), busy);
    }

    #[test]
    fn errors() {
        let short = resp(1, 0, &[1, 2, 3]);
        assert!(matches!(
            GetDeviceId.decode(&short),
            Err(CommandError::ShortResponse {
                need: 11,
                got: 3,
                ..
            })
        ));
        let refused = resp(2, 0xd4, &[]);
        assert!(matches!(
            ColdReset.decode(&refused),
            Err(CommandError::Completion {
                code: CompletionCode(0xd4),
                ..
            })
        ));
        assert!(matches!(
            ColdReset.decode(&resp(3, 0, &[])),
            Err(CommandError::Mismatch { .. })
        ));
        assert_eq!(WarmReset.decode(&resp(3, 0, &[])), Ok(()));
    }
}
