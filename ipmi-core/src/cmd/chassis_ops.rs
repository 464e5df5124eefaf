//! The other chassis commands: Chassis Identify (IPMI 2.0 §28.5), Set
//! Power Restore Policy (§28.8), Get System Restart Cause (§28.11), Get
//! POH Counter (§28.14).

use std::fmt;

use super::chassis::PowerRestorePolicy;
use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Chassis Identify (NetFn Chassis, cmd 0x04; IPMI 2.0 §28.5). ipmitool
/// prints "Chassis identify interval: " then "default (15 seconds)" (no
/// argument), "indefinite" (force), "off" (0) or "N seconds".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChassisIdentify {
    /// Interval in seconds; `None` sends no data (the BMC's default, 15 s).
    pub interval: Option<u8>,
    /// Force identify on indefinitely (byte 2 bit 0, optional).
    pub force: bool,
}

impl ChassisIdentify {
    /// Parses request data as a responder receives it: (interval, force),
    /// `None` interval meaning the default.
    pub fn parse_request(data: &[u8]) -> Self {
        Self {
            interval: data.first().copied(),
            force: data.get(1).is_some_and(|b| b & 1 != 0),
        }
    }
}

impl Command for ChassisIdentify {
    type Output = ();
    ident!("Chassis Identify", NetFn::CHASSIS, 0x04);
    fn encode(&self, out: &mut Vec<u8>) {
        if self.force {
            out.extend_from_slice(&[self.interval.unwrap_or(0), 1]);
        } else if let Some(i) = self.interval {
            out.push(i);
        }
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// Set Power Restore Policy (NetFn Chassis, cmd 0x06; IPMI 2.0 §28.8).
/// ipmitool prints "Set chassis power restore policy to WORD", or for
/// `list` "Supported chassis power policy:  " and the supported words, each
/// followed by a space except the last, in the order always-off always-on previous.
/// `None` (or [`PowerRestorePolicy::Unknown`]) sends 3, "no change":
/// only the supported-policies answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetPowerRestorePolicy(pub Option<PowerRestorePolicy>);

impl SetPowerRestorePolicy {
    /// From ipmitool's `chassis policy` words: `list` or a policy's
    /// [`PowerRestorePolicy::name`] (always-on, previous, always-off).
    pub fn from_word(word: &str) -> Result<Self, String> {
        use PowerRestorePolicy::*;
        if word == "list" {
            return Ok(Self(None));
        }
        [AlwaysOn, Previous, AlwaysOff]
            .into_iter()
            .find(|p| p.name() == word)
            .map(|p| Self(Some(p)))
            .ok_or_else(|| format!("Invalid chassis policy: {word}"))
    }

    /// Parses the request byte as a responder receives it (3 = no change).
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        match data {
            [0] => Some(Self(Some(PowerRestorePolicy::AlwaysOff))),
            [1] => Some(Self(Some(PowerRestorePolicy::Previous))),
            [2] => Some(Self(Some(PowerRestorePolicy::AlwaysOn))),
            [3] => Some(Self(None)),
            _ => None,
        }
    }
}

/// The supported-policies bitmap Set Power Restore Policy answers (IPMI 2.0 §28.8, table 28-9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SupportedPolicies(pub u8);

impl SupportedPolicies {
    /// Bit 0: always-off supported.
    pub fn always_off(self) -> bool {
        self.0 & 1 != 0
    }
    /// Bit 1: previous supported.
    pub fn previous(self) -> bool {
        self.0 & 2 != 0
    }
    /// Bit 2: always-on supported.
    pub fn always_on(self) -> bool {
        self.0 & 4 != 0
    }
}

impl Command for SetPowerRestorePolicy {
    type Output = SupportedPolicies;
    ident!("Set Power Restore Policy", NetFn::CHASSIS, 0x06);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(match self.0 {
            Some(PowerRestorePolicy::AlwaysOff) => 0,
            Some(PowerRestorePolicy::Previous) => 1,
            Some(PowerRestorePolicy::AlwaysOn) => 2,
            Some(PowerRestorePolicy::Unknown) | None => 3,
        });
    }
    fn decode(&self, response: &Response) -> Result<SupportedPolicies, CommandError> {
        let d = expect_data(self, response, 1)?;
        Ok(SupportedPolicies(d[0] & 7))
    }
}

/// Get System Restart Cause (NetFn Chassis, cmd 0x07; IPMI 2.0 §28.11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSystemRestartCause;

/// The restart cause, byte 1 bits 3:0 (IPMI 2.0 table 28-11). Display
/// gives ipmitool's words after "System restart cause: ".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RestartCause(pub u8);

impl fmt::Display for RestartCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 & 0x0f {
            0x0 => "unknown",
            0x1 => "chassis power control command",
            0x2 => "reset via pushbutton",
            0x3 => "power-up via pushbutton",
            0x4 => "watchdog expired",
            0x5 => "OEM",
            0x6 => "power-up due to always-restore power policy",
            0x7 => "power-up due to restore-previous power policy",
            0x8 => "reset via PEF",
            0x9 => "power-cycle via PEF",
            0xa => "soft reset",
            0xb => "power-up via RTC wakeup",
            _ => "Unknown value",
        })
    }
}

/// The Get System Restart Cause response (IPMI 2.0 §28.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SystemRestartCause {
    /// The cause.
    pub cause: RestartCause,
    /// The channel the restart request arrived on.
    pub channel: u8,
}

impl SystemRestartCause {
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.cause.0 & 0x0f, self.channel & 0x0f]);
    }
}

impl Command for GetSystemRestartCause {
    type Output = SystemRestartCause;
    ident!("Get System Restart Cause", NetFn::CHASSIS, 0x07);
    fn decode(&self, response: &Response) -> Result<SystemRestartCause, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(SystemRestartCause {
            cause: RestartCause(d[0] & 0x0f),
            channel: d[1] & 0x0f,
        })
    }
}

/// Get POH Counter (NetFn Chassis, cmd 0x0F; IPMI 2.0 §28.14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetPohCounter;

/// The power-on hours counter (IPMI 2.0 §28.14). ipmitool prints
/// "POH Counter  : D days, H hours, M minutes" (minutes only when a count
/// is under 60 minutes), see [`PohCounter::days_hours_minutes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PohCounter {
    /// Minutes per count.
    pub minutes_per_count: u8,
    /// Counter reading.
    pub count: u32,
}

impl PohCounter {
    /// Total minutes powered on.
    pub fn minutes(&self) -> u64 {
        u64::from(self.count) * u64::from(self.minutes_per_count)
    }
    /// (days, hours, minutes) of the total.
    pub fn days_hours_minutes(&self) -> (u64, u64, u64) {
        let m = self.minutes();
        (m / 1440, m % 1440 / 60, m % 60)
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.minutes_per_count);
        out.extend_from_slice(&self.count.to_le_bytes());
    }
}

impl Command for GetPohCounter {
    type Output = PohCounter;
    ident!("Get POH Counter", NetFn::CHASSIS, 0x0f);
    fn decode(&self, response: &Response) -> Result<PohCounter, CommandError> {
        let d = expect_data(self, response, 5)?;
        Ok(PohCounter {
            minutes_per_count: d[0],
            count: u32::from_le_bytes([d[1], d[2], d[3], d[4]]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn identify_forms() {
        assert_eq!(ChassisIdentify::default().request().data, [] as [u8; 0]);
        let i = ChassisIdentify {
            interval: Some(30),
            force: false,
        };
        assert_eq!(i.request().data, [30]);
        let f = ChassisIdentify {
            interval: None,
            force: true,
        };
        assert_eq!(f.request().data, [0, 1]);
        assert_eq!(
            ChassisIdentify::parse_request(&[0, 1]),
            ChassisIdentify {
                interval: Some(0),
                force: true
            }
        );
        assert_eq!(
            ChassisIdentify::parse_request(&[]),
            ChassisIdentify::default()
        );
    }

    #[test]
    fn policy_list_and_set() {
        let l = SetPowerRestorePolicy::from_word("list").unwrap();
        assert_eq!(l.request().data, [3]);
        assert_eq!(SetPowerRestorePolicy::parse_request(&[3]), Some(l));
        let s = l.decode(&ok(&l, &[0x07])).unwrap();
        assert!(s.always_off() && s.previous() && s.always_on());
        let s = l.decode(&ok(&l, &[0xfa])).unwrap();
        assert_eq!(s, SupportedPolicies(2));
        for (word, byte) in [("always-off", 0), ("previous", 1), ("always-on", 2)] {
            let p = SetPowerRestorePolicy::from_word(word).unwrap();
            assert_eq!(p.request().data, [byte]);
            assert_eq!(SetPowerRestorePolicy::parse_request(&[byte]), Some(p));
        }
        assert!(SetPowerRestorePolicy::from_word("sometimes").is_err());
        assert!(SetPowerRestorePolicy::from_word("unknown").is_err());
        assert_eq!(SetPowerRestorePolicy::parse_request(&[4]), None);
    }

    #[test]
    fn restart_cause_and_poh() {
        let c = GetSystemRestartCause;
        let r = c.decode(&ok(&c, &[0xf1, 0x01])).unwrap();
        assert_eq!(r.cause.to_string(), "chassis power control command");
        assert_eq!(r.channel, 1);
        assert_eq!(RestartCause(0xc).to_string(), "Unknown value");
        let mut out = Vec::new();
        r.encode(&mut out);
        assert_eq!(out, [1, 1]);

        let p = GetPohCounter;
        // 60 minutes per count, 0x000003e9 = 1001 counts: 41 days 17 hours.
        let poh = p.decode(&ok(&p, &[60, 0xe9, 0x03, 0, 0])).unwrap();
        assert_eq!(poh.days_hours_minutes(), (41, 17, 0));
        let mut out = Vec::new();
        poh.encode(&mut out);
        assert_eq!(out, [60, 0xe9, 0x03, 0, 0]);
        assert!(p.decode(&ok(&p, &[1, 2, 3, 4])).is_err());
    }
}
