//! The KCS status register and control codes (IPMI 2.0 §9.7, §9.10,
//! tables 9-1 to 9-4): state bits S1:S0, IBF, OBF, C/D#, SMS_ATN.

use std::fmt;

/// KCS control code GET_STATUS/ABORT, written to the command register
/// (IPMI 2.0 §9.10, table 9-3).
pub const GET_STATUS_ABORT: u8 = 0x60;
/// KCS control code WRITE_START, written to the command register (IPMI 2.0 §9.10).
pub const WRITE_START: u8 = 0x61;
/// KCS control code WRITE_END, written to the command register before the
/// last request byte (IPMI 2.0 §9.10).
pub const WRITE_END: u8 = 0x62;
/// KCS control code READ, written to the **data** register to ask for the
/// next response byte (IPMI 2.0 §9.10).
pub const READ: u8 = 0x68;

/// The interface state in status bits 7:6 (IPMI 2.0 §9.7, table 9-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// 00: idle, no transfer in progress.
    Idle,
    /// 01: the BMC is sending the response.
    Read,
    /// 10: the BMC is receiving the request.
    Write,
    /// 11: the BMC detected an error; the host must run the error exit.
    Error,
}

impl State {
    /// The specification's upper-case name (`IDLE`, `READ`, `WRITE`, `ERROR`).
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "IDLE",
            State::Read => "READ",
            State::Write => "WRITE",
            State::Error => "ERROR",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value read from the KCS status register (IPMI 2.0 §9.7, table 9-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Status(pub u8);

impl Status {
    /// Bit 0, OBF: a byte waits in Data_Out (IPMI 2.0 §9.7).
    pub const OBF: u8 = 0x01;
    /// Bit 1, IBF: the BMC has not yet taken the byte the host wrote (IPMI 2.0 §9.7).
    pub const IBF: u8 = 0x02;
    /// Bit 2, SMS_ATN: the BMC has messages or events for system software (IPMI 2.0 §9.7).
    pub const SMS_ATN: u8 = 0x04;
    /// Bit 3, C/D#: the last host write went to the command register (IPMI 2.0 §9.7).
    pub const CD: u8 = 0x08;

    /// The state bits 7:6 (IPMI 2.0 §9.7, table 9-2).
    pub fn state(self) -> State {
        match self.0 >> 6 {
            0 => State::Idle,
            1 => State::Read,
            2 => State::Write,
            _ => State::Error,
        }
    }

    /// OBF: a byte is waiting in Data_Out.
    pub fn obf(self) -> bool {
        self.0 & Self::OBF != 0
    }

    /// IBF: the BMC has not yet taken the last byte written by the host.
    pub fn ibf(self) -> bool {
        self.0 & Self::IBF != 0
    }

    /// SMS_ATN: the BMC has something for system software (Get Message Flags).
    pub fn sms_atn(self) -> bool {
        self.0 & Self::SMS_ATN != 0
    }

    /// C/D#: the last host write was to the command register.
    pub fn command_last(self) -> bool {
        self.0 & Self::CD != 0
    }
}

impl fmt::Display for Status {
    /// `0x82 (WRITE, IBF)`: the raw value, the state and the flags that are set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02x} ({}", self.0, self.state())?;
        for (bit, name) in [
            (Self::IBF, "IBF"),
            (Self::OBF, "OBF"),
            (Self::SMS_ATN, "SMS_ATN"),
            (Self::CD, "C/D"),
        ] {
            if self.0 & bit != 0 {
                write!(f, ", {name}")?;
            }
        }
        f.write_str(")")
    }
}

/// The name of a KCS interface status code, the byte the error exit reads
/// back after GET_STATUS/ABORT (IPMI 2.0 §9.11, table 9-5).
pub fn interface_status_name(code: u8) -> &'static str {
    match code {
        0x00 => "no error",
        0x01 => "aborted by command",
        0x02 => "illegal control code",
        0x06 => "length error",
        0xc0..=0xfe => "OEM error",
        0xff => "unspecified error",
        _ => "reserved code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_text() {
        let s = Status(0x82);
        assert_eq!(s.state(), State::Write);
        assert!(s.ibf() && !s.obf());
        assert_eq!(s.to_string(), "0x82 (WRITE, IBF)");
        assert_eq!(Status(0x41).to_string(), "0x41 (READ, OBF)");
        assert_eq!(Status(0x00).state(), State::Idle);
        assert_eq!(Status(0xc0).state(), State::Error);
        assert!(Status(0x0c).sms_atn() && Status(0x0c).command_last());
        assert_eq!(interface_status_name(0x06), "length error");
        assert_eq!(interface_status_name(0xc5), "OEM error");
        assert_eq!(interface_status_name(0x03), "reserved code");
    }
}
