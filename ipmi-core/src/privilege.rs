//! Session privilege levels (IPMI 2.0 §6.8, §22.13).

use std::fmt;
use std::str::FromStr;

/// A channel/session privilege level (IPMI 2.0 §6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum PrivilegeLevel {
    /// Callback: only what a callback connection may do.
    Callback = 1,
    /// User: read-only commands.
    User = 2,
    /// Operator: everything but configuration changes (e.g. Chassis Control).
    Operator = 3,
    /// Administrator: everything, including resets and configuration.
    Administrator = 4,
    /// OEM proprietary level.
    Oem = 5,
}

impl PrivilegeLevel {
    /// Decodes the low nibble of a privilege byte; 0 and 6..=15 are not levels.
    pub fn from_u8(v: u8) -> Option<Self> {
        match v & 0x0f {
            1 => Some(Self::Callback),
            2 => Some(Self::User),
            3 => Some(Self::Operator),
            4 => Some(Self::Administrator),
            5 => Some(Self::Oem),
            _ => None,
        }
    }

    /// The ipmitool spelling (`-L` argument and output).
    pub fn name(self) -> &'static str {
        match self {
            Self::Callback => "CALLBACK",
            Self::User => "USER",
            Self::Operator => "OPERATOR",
            Self::Administrator => "ADMINISTRATOR",
            Self::Oem => "OEM",
        }
    }
}

impl fmt::Display for PrivilegeLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A privilege name that is not one of ipmitool's `-L` words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid privilege level '{0}' (expected CALLBACK, USER, OPERATOR, ADMINISTRATOR or OEM)")]
pub struct ParsePrivilegeError(pub String);

impl FromStr for PrivilegeLevel {
    type Err = ParsePrivilegeError;

    /// Accepts ipmitool's words case-insensitively, plus `ADMIN` and the numbers 1..=5.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "CALLBACK" | "1" => Ok(Self::Callback),
            "USER" | "2" => Ok(Self::User),
            "OPERATOR" | "3" => Ok(Self::Operator),
            "ADMINISTRATOR" | "ADMIN" | "4" => Ok(Self::Administrator),
            "OEM" | "5" => Ok(Self::Oem),
            _ => Err(ParsePrivilegeError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        assert_eq!(
            "administrator".parse::<PrivilegeLevel>().unwrap(),
            PrivilegeLevel::Administrator
        );
        assert_eq!(
            "USER".parse::<PrivilegeLevel>().unwrap(),
            PrivilegeLevel::User
        );
        assert!("root".parse::<PrivilegeLevel>().is_err());
        assert!(PrivilegeLevel::Operator > PrivilegeLevel::User);
        assert_eq!(
            PrivilegeLevel::from_u8(0x14),
            Some(PrivilegeLevel::Administrator)
        );
        assert_eq!(PrivilegeLevel::from_u8(0), None);
    }
}
