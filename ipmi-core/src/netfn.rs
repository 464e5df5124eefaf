//! Network function codes (IPMI 2.0 §5.1, table 5-1).

use std::fmt;

/// A network function code (6 bits); even values are requests, odd values
/// the matching responses (IPMI 2.0 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NetFn(pub u8);

impl NetFn {
    /// Chassis requests (IPMI 2.0 §28).
    pub const CHASSIS: NetFn = NetFn(0x00);
    /// Bridge requests (ICMB).
    pub const BRIDGE: NetFn = NetFn(0x02);
    /// Sensor/Event requests (IPMI 2.0 §29).
    pub const SENSOR_EVENT: NetFn = NetFn(0x04);
    /// Application requests (IPMI 2.0 §20).
    pub const APP: NetFn = NetFn(0x06);
    /// Firmware transfer requests.
    pub const FIRMWARE: NetFn = NetFn(0x08);
    /// Non-volatile storage requests (IPMI 2.0 §31).
    pub const STORAGE: NetFn = NetFn(0x0A);
    /// Media-specific configuration and control (IPMI 2.0 §23).
    pub const TRANSPORT: NetFn = NetFn(0x0C);

    /// The response NetFn of this request NetFn (request | 1).
    pub fn response(self) -> NetFn {
        NetFn(self.0 | 1)
    }

    /// The request NetFn of this response NetFn (clears bit 0).
    pub fn request(self) -> NetFn {
        NetFn(self.0 & !1)
    }

    /// True for an even (request) NetFn.
    pub fn is_request(self) -> bool {
        self.0 & 1 == 0
    }
}

impl fmt::Display for NetFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02x}", self.0)
    }
}
