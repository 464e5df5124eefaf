//! The BMC watchdog timer: Reset Watchdog Timer (IPMI 2.0 §27.5), Set
//! Watchdog Timer (§27.6), Get Watchdog Timer (§27.7).

use std::fmt;

use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Timer use, bits 2:0 of byte 1 (IPMI 2.0 table 27-6). Display gives
/// ipmitool's `watchdog get` words ("Reserved" for 0, 6, 7); [`TimerUse::word`]
/// its `watchdog set` words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimerUse(pub u8);

impl TimerUse {
    /// BIOS FRB2.
    pub const FRB2: TimerUse = TimerUse(1);
    /// BIOS/POST.
    pub const POST: TimerUse = TimerUse(2);
    /// OS load.
    pub const OS_LOAD: TimerUse = TimerUse(3);
    /// SMS/OS.
    pub const SMS_OS: TimerUse = TimerUse(4);
    /// OEM.
    pub const OEM: TimerUse = TimerUse(5);

    /// ipmitool's `watchdog set timer_use=` word, `None` for 6 and 7.
    pub fn word(self) -> Option<&'static str> {
        ["none", "frb2", "post", "osload", "sms", "oem"]
            .get(usize::from(self.0 & 7))
            .copied()
    }
}

impl fmt::Display for TimerUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 & 7 {
            1 => "BIOS FRB2",
            2 => "BIOS/POST",
            3 => "OS Load",
            4 => "SMS/OS",
            5 => "OEM",
            _ => "Reserved",
        })
    }
}

/// Timeout action, bits 2:0 of byte 2 (IPMI 2.0 table 27-6). Display gives
/// ipmitool's words: "No action", "Hard Reset", "Power Down", "Power Cycle", "Reserved".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeoutAction(pub u8);

impl fmt::Display for TimeoutAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 & 7 {
            0 => "No action",
            1 => "Hard Reset",
            2 => "Power Down",
            3 => "Power Cycle",
            _ => "Reserved",
        })
    }
}

/// Pre-timeout interrupt, bits 6:4 of byte 2 (IPMI 2.0 table 27-6).
/// Display gives ipmitool's words: "None", "SMI", "NMI/Diagnostic", "Messaging", "Reserved".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PreTimeoutInterrupt(pub u8);

impl fmt::Display for PreTimeoutInterrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 & 7 {
            0 => "None",
            1 => "SMI",
            2 => "NMI/Diagnostic",
            3 => "Messaging",
            _ => "Reserved",
        })
    }
}

/// The watchdog state as Get Watchdog Timer reports it (IPMI 2.0 §27.7,
/// table 27-7). ipmitool's labels: "Watchdog Timer Use:     ", "Watchdog
/// Timer Is:      " (Started/Running, Stopped), "Watchdog Timer Logging: "
/// (On/Off), "Watchdog Timer Action:  ", "Pre-timeout interrupt:  ",
/// "Pre-timeout interval:   N seconds", "Timer Expiration Flags: ",
/// "Initial Countdown:      N.N sec", "Present Countdown:      N.N sec".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WatchdogTimer {
    /// Byte 1 as received: bit 7 don't log, bit 6 running, bits 2:0 use.
    pub use_byte: u8,
    /// Byte 2 as received: bits 6:4 pre-timeout interrupt, 2:0 action.
    pub actions_byte: u8,
    /// Pre-timeout interval, seconds.
    pub pre_timeout: u8,
    /// Timer use expiration flags (bit n = use n expired).
    pub expiration_flags: u8,
    /// Initial countdown, 100 ms units.
    pub initial_countdown: u16,
    /// Present countdown, 100 ms units; `None` when the answer stops
    /// after the initial countdown, as OpenIPMI's `ipmi_sim` 2.0.33 does
    /// (it sends 6 data bytes and ipmitool then prints whatever its buffer held).
    pub present_countdown: Option<u16>,
}

impl WatchdogTimer {
    /// The timer use.
    pub fn timer_use(&self) -> TimerUse {
        TimerUse(self.use_byte & 7)
    }
    /// The timer is running.
    pub fn running(&self) -> bool {
        self.use_byte & 0x40 != 0
    }
    /// Expiration logging is on (bit 7 clear).
    pub fn logging(&self) -> bool {
        self.use_byte & 0x80 == 0
    }
    /// The timeout action.
    pub fn action(&self) -> TimeoutAction {
        TimeoutAction(self.actions_byte & 7)
    }
    /// The pre-timeout interrupt.
    pub fn pre_timeout_interrupt(&self) -> PreTimeoutInterrupt {
        PreTimeoutInterrupt((self.actions_byte >> 4) & 7)
    }
    /// The timer uses whose expiration flag is set, bit 0 first.
    pub fn expired(&self) -> impl Iterator<Item = TimerUse> + '_ {
        (0..8)
            .filter(|b| self.expiration_flags & (1 << b) != 0)
            .map(TimerUse)
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.use_byte,
            self.actions_byte,
            self.pre_timeout,
            self.expiration_flags,
        ]);
        out.extend_from_slice(&self.initial_countdown.to_le_bytes());
        if let Some(p) = self.present_countdown {
            out.extend_from_slice(&p.to_le_bytes());
        }
    }
}

/// Get Watchdog Timer (NetFn App, cmd 0x25; IPMI 2.0 §27.7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetWatchdogTimer;

impl Command for GetWatchdogTimer {
    type Output = WatchdogTimer;
    ident!("Get Watchdog Timer", NetFn::APP, 0x25);
    fn decode(&self, response: &Response) -> Result<WatchdogTimer, CommandError> {
        let d = expect_data(self, response, 6)?;
        Ok(WatchdogTimer {
            use_byte: d[0],
            actions_byte: d[1],
            pre_timeout: d[2],
            expiration_flags: d[3],
            initial_countdown: u16::from_le_bytes([d[4], d[5]]),
            present_countdown: d.get(6..8).map(|p| u16::from_le_bytes([p[0], p[1]])),
        })
    }
}

/// Reset Watchdog Timer (NetFn App, cmd 0x22; IPMI 2.0 §27.5). Completion
/// code 80h means "Attempt to reset uninitialized watchdog" (ipmitool's words).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResetWatchdogTimer;

/// Completion code of Reset Watchdog Timer on an uninitialized timer (IPMI 2.0 §27.5).
pub const CC_WATCHDOG_UNINITIALIZED: u8 = 0x80;

impl Command for ResetWatchdogTimer {
    type Output = ();
    ident!("Reset Watchdog Timer", NetFn::APP, 0x22);
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// Set Watchdog Timer (NetFn App, cmd 0x24; IPMI 2.0 §27.6, table 27-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetWatchdogTimer {
    /// Timer use.
    pub timer_use: TimerUse,
    /// Byte 1 bit 6: don't stop a running timer (set restarts it).
    pub dont_stop: bool,
    /// Byte 1 bit 7: don't log the expiration.
    pub dont_log: bool,
    /// Timeout action.
    pub action: TimeoutAction,
    /// Pre-timeout interrupt.
    pub pre_timeout_interrupt: PreTimeoutInterrupt,
    /// Pre-timeout interval, seconds.
    pub pre_timeout: u8,
    /// Expiration flags to clear (bit n = use n).
    pub clear_flags: u8,
    /// Initial countdown, 100 ms units.
    pub countdown: u16,
}

impl SetWatchdogTimer {
    /// What `mc watchdog off` sends (ipmitool): SMS/OS use, stopped, no
    /// action, no pre-timeout, clear the SMS/OS flag, 300.0 s countdown.
    pub fn off() -> Self {
        Self {
            timer_use: TimerUse::SMS_OS,
            dont_stop: false,
            dont_log: false,
            action: TimeoutAction(0),
            pre_timeout_interrupt: PreTimeoutInterrupt(0),
            pre_timeout: 0,
            clear_flags: 0x10,
            countdown: 3000,
        }
    }

    /// Parses request data as a responder receives it; `None` unless 6 bytes.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [u, a, p, c, lo, hi] = *data else {
            return None;
        };
        Some(Self {
            timer_use: TimerUse(u & 7),
            dont_stop: u & 0x40 != 0,
            dont_log: u & 0x80 != 0,
            action: TimeoutAction(a & 7),
            pre_timeout_interrupt: PreTimeoutInterrupt((a >> 4) & 7),
            pre_timeout: p,
            clear_flags: c,
            countdown: u16::from_le_bytes([lo, hi]),
        })
    }
}

impl Command for SetWatchdogTimer {
    type Output = ();
    ident!("Set Watchdog Timer", NetFn::APP, 0x24);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(
            (self.timer_use.0 & 7)
                | if self.dont_stop { 0x40 } else { 0 }
                | if self.dont_log { 0x80 } else { 0 },
        );
        out.push((self.action.0 & 7) | ((self.pre_timeout_interrupt.0 & 7) << 4));
        out.push(self.pre_timeout);
        out.push(self.clear_flags);
        out.extend_from_slice(&self.countdown.to_le_bytes());
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn off_matches_ipmitool_bytes() {
        let off = SetWatchdogTimer::off();
        let data = off.request().data;
        assert_eq!(data, [0x04, 0x00, 0x00, 0x10, 0xb8, 0x0b]);
        assert_eq!(SetWatchdogTimer::parse_request(&data), Some(off));
        assert_eq!(SetWatchdogTimer::parse_request(&data[..5]), None);
    }

    #[test]
    fn get_decodes_and_reencodes() {
        let c = GetWatchdogTimer;
        let raw = [0x44, 0x31, 0x05, 0x12, 0x58, 0x02, 0x2c, 0x01];
        let w = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!(w.timer_use().to_string(), "SMS/OS");
        assert!(w.running() && w.logging());
        assert_eq!(w.action().to_string(), "Hard Reset");
        assert_eq!(w.pre_timeout_interrupt().to_string(), "Messaging");
        assert_eq!(w.pre_timeout, 5);
        let expired: Vec<String> = w.expired().map(|u| u.to_string()).collect();
        assert_eq!(expired, ["BIOS FRB2", "SMS/OS"]);
        assert_eq!((w.initial_countdown, w.present_countdown), (600, Some(300)));
        let mut out = Vec::new();
        w.encode(&mut out);
        assert_eq!(out, raw);
        assert_eq!(TimerUse(0).word(), Some("none"));
        assert_eq!(TimerUse(6).word(), None);
        assert_eq!(TimerUse(7).to_string(), "Reserved");
        assert!(c.decode(&ok(&c, &raw[..5])).is_err());
    }

    #[test]
    fn ipmi_sim_short_answer() {
        // `ipmitool raw 6 0x25` against ipmi_sim 2.0.33: 6 data bytes.
        let c = GetWatchdogTimer;
        let w = c.decode(&ok(&c, &[0, 0, 0, 0, 0, 0])).unwrap();
        assert_eq!(w.timer_use().to_string(), "Reserved");
        assert!(!w.running() && w.logging());
        assert_eq!(w.action().to_string(), "No action");
        assert_eq!(w.pre_timeout_interrupt().to_string(), "None");
        assert_eq!((w.initial_countdown, w.present_countdown), (0, None));
        let mut out = Vec::new();
        w.encode(&mut out);
        assert_eq!(out, [0; 6]);
    }
}
