//! The management controller family of the simulated BMC: Get Self Test
//! Results, Get Device GUID, Get BMC Global Enables, the watchdog timer and
//! the system info parameters (IPMI 2.0 §20.4, §20.8, §22.2, §22.14a/b, §27).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ipmi_core::cmd::mc::{GlobalEnables, Guid, SelfTestResult};
use ipmi_core::cmd::sysinfo::{
    string_sets, GetSystemInfoParameters, SetSystemInfoParameters, SystemInfoParam,
};
use ipmi_core::cmd::watchdog::{SetWatchdogTimer, WatchdogTimer, CC_WATCHDOG_UNINITIALIZED};
use ipmi_core::CompletionCode;

use super::chassis::CAUSE_WATCHDOG;
use super::{encoded, Answer, SimulatedBmc};

/// Global enables answered: event message buffer and system event logging (IPMI 2.0 table 22-2).
const GLOBAL_ENABLES: u8 = 0x0c;
/// System info parameter revision (IPMI 2.0 §22.14b).
const SYSINFO_REVISION: u8 = 0x11;
/// System info parameter: not supported (IPMI 2.0 §22.14b).
const CC_PARAM_UNSUPPORTED: CompletionCode = CompletionCode(0x80);
/// Set System Info Parameters: set in progress while in progress (IPMI 2.0 §22.14a).
const CC_SET_IN_PROGRESS: CompletionCode = CompletionCode(0x81);
/// String system info parameters kept: firmware version, system name,
/// primary OS name, OS name (IPMI 2.0 table 22-16a).
const STRING_PARAMS: std::ops::RangeInclusive<u8> = 1..=4;
/// Sets kept per string parameter (ipmitool writes at most 4).
const MAX_SETS: usize = 16;
/// Watchdog countdown unit (IPMI 2.0 §27.6).
const TICK: Duration = Duration::from_millis(100);

/// The watchdog timer (IPMI 2.0 §27): configured by Set, started by Reset,
/// counting down from `started` in 100 ms ticks.
#[derive(Clone, Debug, Default)]
pub(super) struct Watchdog {
    config: Option<SetWatchdogTimer>,
    started: Option<Instant>,
    /// Countdown left while stopped (100 ms units).
    stopped_at: u16,
    expiration_flags: u8,
}

impl Watchdog {
    fn remaining(&self, now: Instant) -> u16 {
        match (self.started, &self.config) {
            (Some(t), Some(c)) => {
                let ticks = now.saturating_duration_since(t).as_millis() / TICK.as_millis();
                c.countdown
                    .saturating_sub(ticks.try_into().unwrap_or(u16::MAX))
            }
            _ => self.stopped_at,
        }
    }

    /// When a running timer expires.
    fn deadline(&self) -> Option<Instant> {
        Some(self.started? + TICK * u32::from(self.config.as_ref()?.countdown))
    }
}

/// The string parameters a fresh BMC reports (IPMI 2.0 table 22-16a).
pub(super) fn default_sysinfo() -> BTreeMap<u8, Vec<Vec<u8>>> {
    BTreeMap::from([
        (1, string_sets(0, b"ipmirs-sim 1.0", MAX_SETS)),
        (2, string_sets(0, b"ipmirs-sim", MAX_SETS)),
    ])
}

impl SimulatedBmc {
    pub(super) fn self_test(&self) -> Answer {
        let r = SelfTestResult {
            code: 0x55,
            detail: 0,
        };
        encoded(|out| r.encode(out))
    }

    pub(super) fn device_guid(&self) -> Answer {
        encoded(|out| Guid(self.device_guid).encode(out))
    }

    pub(super) fn global_enables(&self) -> Answer {
        encoded(|out| GlobalEnables(GLOBAL_ENABLES).encode(out))
    }

    /// Runs the watchdog up to `now`: on expiry it stops, sets its use's
    /// expiration flag and takes its action at the expiry instant
    /// (1 hard reset, 2 power down, 3 power cycle) (IPMI 2.0 §27.6, §27.7).
    pub(super) fn run_watchdog(&mut self, now: Instant) {
        let Some(at) = self.watchdog.deadline().filter(|&d| d <= now) else {
            return;
        };
        let Some(config) = self.watchdog.config else {
            return;
        };
        self.watchdog.started = None;
        self.watchdog.stopped_at = 0;
        self.watchdog.expiration_flags |= 1 << (config.timer_use.0 & 7);
        match config.action.0 {
            1 | 3 if self.power_on => self.restart(CAUSE_WATCHDOG, at),
            2 => self.set_power(false, at),
            _ => {}
        }
    }

    pub(super) fn set_watchdog(&mut self, data: &[u8], now: Instant) -> Answer {
        let Some(set) = SetWatchdogTimer::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let w = &mut self.watchdog;
        let running = w.started.is_some();
        w.expiration_flags &= !set.clear_flags;
        w.config = Some(set);
        w.stopped_at = set.countdown;
        // "Don't stop" keeps a running timer going from the new countdown.
        w.started = (running && set.dont_stop).then_some(now);
        (CompletionCode::SUCCESS, vec![])
    }

    pub(super) fn reset_watchdog(&mut self, now: Instant) -> Answer {
        if self.watchdog.config.is_none() {
            return (CompletionCode(CC_WATCHDOG_UNINITIALIZED), vec![]);
        }
        self.watchdog.started = Some(now);
        (CompletionCode::SUCCESS, vec![])
    }

    pub(super) fn get_watchdog(&self, now: Instant) -> Answer {
        let w = &self.watchdog;
        let c = w.config.unwrap_or_else(SetWatchdogTimer::off);
        let timer = WatchdogTimer {
            use_byte: (c.timer_use.0 & 7)
                | if w.started.is_some() { 0x40 } else { 0 }
                | if c.dont_log { 0x80 } else { 0 },
            actions_byte: (c.action.0 & 7) | (c.pre_timeout_interrupt.0 & 7) << 4,
            pre_timeout: c.pre_timeout,
            expiration_flags: w.expiration_flags,
            initial_countdown: c.countdown,
            present_countdown: Some(if w.config.is_some() {
                w.remaining(now)
            } else {
                c.countdown
            }),
        };
        encoded(|out| timer.encode(out))
    }

    /// Get System Info Parameters (IPMI 2.0 §22.14b): parameter 0 and the string parameters.
    pub(super) fn get_sysinfo(&self, data: &[u8]) -> Answer {
        let Some(req) = GetSystemInfoParameters::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let data = if req.revision_only {
            vec![]
        } else if req.param == 0 {
            vec![self.sysinfo_progress]
        } else {
            let Some(sets) = self.sysinfo.get(&req.param) else {
                return (CC_PARAM_UNSUPPORTED, vec![]);
            };
            let Some(set) = sets.get(usize::from(req.set)) else {
                return (CompletionCode::INVALID_DATA_FIELD, vec![]);
            };
            set.clone()
        };
        let p = SystemInfoParam {
            revision: SYSINFO_REVISION,
            data,
        };
        encoded(|out| p.encode(out))
    }

    /// Set System Info Parameters (IPMI 2.0 §22.14a): writing set 0 of a
    /// string parameter starts a new string; later sets extend it.
    pub(super) fn set_sysinfo(&mut self, data: &[u8]) -> Answer {
        let Some(req) = SetSystemInfoParameters::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        if req.param == 0 {
            return match req.data[..] {
                // A second "set in progress" is 81h (IPMI 2.0 table 22-16a parameter 0).
                [1] if self.sysinfo_progress == 1 => (CC_SET_IN_PROGRESS, vec![]),
                [b] if b & 3 != 3 => {
                    self.sysinfo_progress = if b & 3 == 1 { 1 } else { 0 };
                    (CompletionCode::SUCCESS, vec![])
                }
                _ => (CompletionCode::INVALID_DATA_FIELD, vec![]),
            };
        }
        if !STRING_PARAMS.contains(&req.param) {
            return (CC_PARAM_UNSUPPORTED, vec![]);
        }
        let Some(&set) = req.data.first() else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let set = usize::from(set);
        if set >= MAX_SETS || (set == 0 && req.data.len() < 3) {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        }
        let sets = self.sysinfo.entry(req.param).or_default();
        if set == 0 {
            sets.clear();
        }
        if sets.len() < set {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        }
        sets.truncate(set);
        sets.push(req.data);
        (CompletionCode::SUCCESS, vec![])
    }
}
