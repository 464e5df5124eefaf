//! Completion codes (IPMI 2.0 §5.2, table 5-2).

use std::fmt;

/// The first byte of every IPMI response (IPMI 2.0 §5.2). Unknown codes are
/// kept as numbers; standard ones carry ipmitool's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CompletionCode(pub u8);

impl CompletionCode {
    /// 0x00: command completed normally.
    pub const SUCCESS: Self = Self(0x00);
    /// 0xC0: node busy.
    pub const NODE_BUSY: Self = Self(0xC0);
    /// 0xC1: invalid (unsupported) command.
    pub const INVALID_COMMAND: Self = Self(0xC1);
    /// 0xC3: timeout while processing (also synthesized by Linux for bridged requests).
    pub const TIMEOUT: Self = Self(0xC3);
    /// 0xC7: request data length invalid.
    pub const REQUEST_LENGTH_INVALID: Self = Self(0xC7);
    /// 0xCC: invalid data field in request.
    pub const INVALID_DATA_FIELD: Self = Self(0xCC);
    /// 0xCF: cannot execute duplicated request.
    pub const DUPLICATE_REQUEST: Self = Self(0xCF);
    /// 0xD4: insufficient privilege level.
    pub const INSUFFICIENT_PRIVILEGE: Self = Self(0xD4);
    /// 0xFF: unspecified error.
    pub const UNSPECIFIED: Self = Self(0xFF);

    /// True for 0x00.
    pub fn is_success(self) -> bool {
        self.0 == 0
    }

    /// ipmitool's wording for a standard code (0x00, 0xC0–0xD6, 0xFF), else `None`.
    pub fn description(self) -> Option<&'static str> {
        Some(match self.0 {
            0x00 => "Command completed normally",
            0xc0 => "Node busy",
            0xc1 => "Invalid command",
            0xc2 => "Invalid command on LUN",
            0xc3 => "Timeout",
            0xc4 => "Out of space",
            0xc5 => "Reservation cancelled or invalid",
            0xc6 => "Request data truncated",
            0xc7 => "Request data length invalid",
            0xc8 => "Request data field length limit exceeded",
            0xc9 => "Parameter out of range",
            0xca => "Cannot return number of requested data bytes",
            0xcb => "Requested sensor, data, or record not found",
            0xcc => "Invalid data field in request",
            0xcd => "Command illegal for specified sensor or record type",
            0xce => "Command response could not be provided",
            0xcf => "Cannot execute duplicated request",
            0xd0 => "SDR Repository in update mode",
            0xd1 => "Device firmware in update mode",
            0xd2 => "BMC initialization in progress",
            0xd3 => "Destination unavailable",
            0xd4 => "Insufficient privilege level",
            0xd5 => "Command not supported in present state",
            0xd6 => "Cannot execute command, command disabled",
            0xff => "Unspecified error",
            _ => return None,
        })
    }
}

impl fmt::Display for CompletionCode {
    /// `Invalid command` for known codes, `Unknown (0x12)` otherwise (ipmitool's form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => f.write_str(d),
            None => write!(f, "Unknown (0x{:02X})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        assert_eq!(CompletionCode(0xc1).to_string(), "Invalid command");
        assert_eq!(
            CompletionCode(0xd4).to_string(),
            "Insufficient privilege level"
        );
        assert_eq!(CompletionCode(0x81).to_string(), "Unknown (0x81)");
        assert!(CompletionCode(0).is_success());
        for c in 0xc0..=0xd6u8 {
            assert!(CompletionCode(c).description().is_some(), "{c:#x}");
        }
    }
}
