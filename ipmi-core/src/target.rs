//! Who a request is for: the BMC itself, or a controller behind it reached
//! by bridging (IPMI 2.0 §6.12, Send Message §22.7).

/// The BMC's own IPMB slave address (IPMI 2.0 §5.5).
pub const BMC_SLAVE_ADDR: u8 = 0x20;

/// The destination of a request: channel, IPMB slave address and LUN.
///
/// [`Target::bmc`] addresses the BMC directly; any other slave address is
/// reached by bridging over `channel` (ipmitool's `-b CHANNEL -t ADDRESS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Target {
    /// Channel the target controller sits on (0 = primary IPMB).
    pub channel: u8,
    /// The target's IPMB slave address (0x20 = the BMC).
    pub slave_addr: u8,
    /// Logical unit number within the target (0..=3).
    pub lun: u8,
}

impl Target {
    /// The BMC itself, LUN 0.
    pub const fn bmc() -> Self {
        Target {
            channel: 0,
            slave_addr: BMC_SLAVE_ADDR,
            lun: 0,
        }
    }

    /// A controller at `slave_addr` on `channel`, reached by bridging.
    pub const fn ipmb(channel: u8, slave_addr: u8) -> Self {
        Target {
            channel,
            slave_addr,
            lun: 0,
        }
    }

    /// True when the request goes to the BMC directly (no bridging).
    pub fn is_bmc(&self) -> bool {
        self.slave_addr == BMC_SLAVE_ADDR && self.channel == 0
    }
}

impl Default for Target {
    fn default() -> Self {
        Self::bmc()
    }
}
