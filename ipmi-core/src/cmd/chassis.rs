//! Chassis commands: Get Chassis Status (IPMI 2.0 §28.2) and Chassis
//! Control (§28.3).

use std::fmt;
use std::str::FromStr;

use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Get Chassis Status (NetFn Chassis, cmd 0x01; IPMI 2.0 §28.2).
///
/// ```
/// use ipmi_core::cmd::GetChassisStatus;
/// use ipmi_core::{Command, CompletionCode, NetFn, Response};
///
/// let request = GetChassisStatus.request();
/// assert_eq!((request.netfn, request.cmd), (NetFn::CHASSIS, 0x01));
/// // Power on, restore policy "previous" (bits 6:5 = 01), nothing else set.
/// let answer = Response {
///     netfn: NetFn::CHASSIS.response(),
///     cmd: 0x01,
///     completion: CompletionCode::SUCCESS,
///     data: vec![0x21, 0x00, 0x00],
/// };
/// let status = GetChassisStatus.decode(&answer)?;
/// assert!(status.power_on());
/// # Ok::<(), ipmi_core::CommandError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetChassisStatus;

/// Power restore policy (IPMI 2.0 §28.2, byte 1 bits 6:5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PowerRestorePolicy {
    /// Chassis stays powered off after AC returns.
    AlwaysOff,
    /// Power is restored to the state it was in.
    Previous,
    /// Chassis always powers up after AC returns.
    AlwaysOn,
    /// Unknown (0b11).
    Unknown,
}

impl PowerRestorePolicy {
    /// ipmitool's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::AlwaysOff => "always-off",
            Self::Previous => "previous",
            Self::AlwaysOn => "always-on",
            Self::Unknown => "unknown",
        }
    }
}

/// The decoded Get Chassis Status response (IPMI 2.0 §28.2, table 28-3).
/// The raw bytes are kept so that every bit can be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChassisStatus {
    /// Current power state byte (byte 2).
    pub current_power_state: u8,
    /// Last power event byte (byte 3).
    pub last_power_event: u8,
    /// Miscellaneous chassis state byte (byte 4).
    pub misc_state: u8,
    /// Front panel button capabilities (byte 5, optional).
    pub front_panel: Option<u8>,
}

impl ChassisStatus {
    /// System power is on.
    pub fn power_on(&self) -> bool {
        self.current_power_state & 0x01 != 0
    }
    /// Power overload.
    pub fn power_overload(&self) -> bool {
        self.current_power_state & 0x02 != 0
    }
    /// Power interlock active.
    pub fn power_interlock(&self) -> bool {
        self.current_power_state & 0x04 != 0
    }
    /// Main power fault.
    pub fn main_power_fault(&self) -> bool {
        self.current_power_state & 0x08 != 0
    }
    /// Power control fault.
    pub fn power_control_fault(&self) -> bool {
        self.current_power_state & 0x10 != 0
    }
    /// Power restore policy.
    pub fn restore_policy(&self) -> PowerRestorePolicy {
        match (self.current_power_state >> 5) & 3 {
            0 => PowerRestorePolicy::AlwaysOff,
            1 => PowerRestorePolicy::Previous,
            2 => PowerRestorePolicy::AlwaysOn,
            _ => PowerRestorePolicy::Unknown,
        }
    }
    /// Chassis intrusion active.
    pub fn intrusion(&self) -> bool {
        self.misc_state & 0x01 != 0
    }
    /// Front panel lockout active.
    pub fn front_panel_lockout(&self) -> bool {
        self.misc_state & 0x02 != 0
    }
    /// Drive fault.
    pub fn drive_fault(&self) -> bool {
        self.misc_state & 0x04 != 0
    }
    /// Cooling/fan fault.
    pub fn cooling_fault(&self) -> bool {
        self.misc_state & 0x08 != 0
    }
    /// Chassis identify state (misc byte bits 5:4; 0 off, 1 timed on, 2
    /// indefinite on), when bit 6 says the BMC reports it.
    pub fn identify_state(&self) -> Option<u8> {
        (self.misc_state & 0x40 != 0).then_some((self.misc_state >> 4) & 3)
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.current_power_state,
            self.last_power_event,
            self.misc_state,
        ]);
        out.extend(self.front_panel);
    }
}

impl Command for GetChassisStatus {
    type Output = ChassisStatus;

    fn name(&self) -> &'static str {
        "Get Chassis Status"
    }
    fn netfn(&self) -> NetFn {
        NetFn::CHASSIS
    }
    fn cmd(&self) -> u8 {
        0x01
    }
    fn decode(&self, response: &Response) -> Result<ChassisStatus, CommandError> {
        let d = expect_data(self, response, 3)?;
        Ok(ChassisStatus {
            current_power_state: d[0],
            last_power_event: d[1],
            misc_state: d[2],
            front_panel: d.get(3).copied(),
        })
    }
}

/// Chassis Control actions (IPMI 2.0 §28.3, table 28-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum PowerAction {
    /// Hard power down (`chassis power off`).
    Down = 0,
    /// Power up (`chassis power on`).
    Up = 1,
    /// Power cycle (`chassis power cycle`).
    Cycle = 2,
    /// Hard reset (`chassis power reset`).
    HardReset = 3,
    /// Pulse diagnostic interrupt (`chassis power diag`).
    Diag = 4,
    /// Soft (ACPI) shutdown (`chassis power soft`).
    Soft = 5,
}

impl PowerAction {
    /// The ipmitool sub-command word.
    pub fn word(self) -> &'static str {
        match self {
            Self::Down => "off",
            Self::Up => "on",
            Self::Cycle => "cycle",
            Self::HardReset => "reset",
            Self::Diag => "diag",
            Self::Soft => "soft",
        }
    }

    /// ipmitool's description, printed after "Chassis Power Control: ".
    pub fn description(self) -> &'static str {
        match self {
            Self::Down => "Down/Off",
            Self::Up => "Up/On",
            Self::Cycle => "Cycle",
            Self::HardReset => "Reset",
            Self::Diag => "Diag",
            Self::Soft => "Soft",
        }
    }
}

impl fmt::Display for PowerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl FromStr for PowerAction {
    type Err = String;

    /// ipmitool's words: off/down, on/up, cycle, reset, diag, soft.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "off" | "down" => Ok(Self::Down),
            "on" | "up" => Ok(Self::Up),
            "cycle" => Ok(Self::Cycle),
            "reset" => Ok(Self::HardReset),
            "diag" => Ok(Self::Diag),
            "soft" => Ok(Self::Soft),
            _ => Err(format!("invalid chassis power action '{s}'")),
        }
    }
}

/// Chassis Control (NetFn Chassis, cmd 0x02; IPMI 2.0 §28.3).
///
/// ```
/// use ipmi_core::cmd::{ChassisControl, PowerAction};
/// use ipmi_core::Command;
///
/// let action: PowerAction = "cycle".parse()?; // ipmitool's words
/// let request = ChassisControl(action).request();
/// assert_eq!((request.cmd, request.data.as_slice()), (0x02, &[0x02][..]));
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChassisControl(pub PowerAction);

impl Command for ChassisControl {
    type Output = ();

    fn name(&self) -> &'static str {
        "Chassis Control"
    }
    fn netfn(&self) -> NetFn {
        NetFn::CHASSIS
    }
    fn cmd(&self) -> u8 {
        0x02
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.0 as u8);
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompletionCode;

    #[test]
    fn status_bits() {
        let r = Response {
            netfn: NetFn::CHASSIS.response(),
            cmd: 1,
            completion: CompletionCode::SUCCESS,
            data: vec![0x41, 0x10, 0x09],
        };
        let s = GetChassisStatus.decode(&r).unwrap();
        assert!(s.power_on());
        assert!(!s.power_overload());
        assert_eq!(s.restore_policy(), PowerRestorePolicy::AlwaysOn);
        assert!(s.intrusion());
        assert!(s.cooling_fault());
        assert!(!s.drive_fault());
        assert_eq!(s.front_panel, None);
    }

    #[test]
    fn control_encodes_action() {
        for (word, byte) in [
            ("off", 0),
            ("on", 1),
            ("cycle", 2),
            ("reset", 3),
            ("diag", 4),
            ("soft", 5),
        ] {
            let a: PowerAction = word.parse().unwrap();
            assert_eq!(ChassisControl(a).request().data, [byte]);
            assert_eq!(a.word(), word);
        }
        assert!("bounce".parse::<PowerAction>().is_err());
    }
}
