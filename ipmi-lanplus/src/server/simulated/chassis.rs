//! The chassis family of the simulated BMC: Get Chassis Status, Chassis
//! Control, Chassis Identify, Set Power Restore Policy, Get System Restart
//! Cause, Get POH Counter and the system boot options (IPMI 2.0 §28).

use std::time::{Duration, Instant};

use ipmi_core::cmd::boot::{
    BootFlags, BootOptions, BootParam, GetSystemBootOptions, SetInProgress, SetSystemBootOptions,
};
use ipmi_core::cmd::chassis_ops::{
    ChassisIdentify, PohCounter, RestartCause, SetPowerRestorePolicy, SystemRestartCause,
};
use ipmi_core::cmd::{ChassisStatus, PowerRestorePolicy};
use ipmi_core::CompletionCode;

use super::{encoded, Answer, SimulatedBmc};

/// Get Chassis Status "last power event" bit: last power-on was an IPMI command (IPMI 2.0 §28.2).
const LAST_EVENT_IPMI_ON: u8 = 0x10;
/// Misc chassis state bit 6: identify state is reported in bits 5:4 (IPMI 2.0 table 28-3).
const IDENTIFY_SUPPORTED: u8 = 0x40;
/// Chassis Identify without data: 15 seconds (IPMI 2.0 §28.5).
const DEFAULT_IDENTIFY: Duration = Duration::from_secs(15);
/// Restart causes used here (IPMI 2.0 table 28-11).
const CAUSE_POWER_COMMAND: u8 = 0x1;
pub(super) const CAUSE_WATCHDOG: u8 = 0x4;
/// Set System Boot Options: parameter not supported (IPMI 2.0 §28.12).
const CC_PARAM_UNSUPPORTED: CompletionCode = CompletionCode(0x80);
/// Set System Boot Options: set in progress while not complete (IPMI 2.0 §28.12).
const CC_SET_IN_PROGRESS: CompletionCode = CompletionCode(0x81);
/// Chassis Control while off: not supported in present state (IPMI 2.0 §5.2).
const CC_NOT_IN_PRESENT_STATE: CompletionCode = CompletionCode(0xd5);

/// The identify light (IPMI 2.0 §28.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Identify {
    Off,
    Until(Instant),
    Forced,
}

/// Chassis state besides the power bit, all driven by `now`.
#[derive(Clone, Debug)]
pub(super) struct Chassis {
    pub(super) last_power_event: u8,
    pub(super) policy: PowerRestorePolicy,
    pub(super) restart_cause: u8,
    pub(super) identify: Identify,
    /// Powered-on time before `on_since`.
    pub(super) on_before: Duration,
    /// When power last went on, while it is on.
    pub(super) on_since: Option<Instant>,
    pub(super) boot_progress: SetInProgress,
    pub(super) boot_ack: u8,
    pub(super) boot_flags: BootFlags,
}

impl Default for Chassis {
    fn default() -> Self {
        Chassis {
            last_power_event: 0,
            policy: PowerRestorePolicy::Previous,
            restart_cause: 0,
            identify: Identify::Off,
            on_before: Duration::ZERO,
            on_since: None,
            boot_progress: SetInProgress::Complete,
            boot_ack: 0,
            boot_flags: BootFlags::default(),
        }
    }
}

impl SimulatedBmc {
    /// Switches power at `at`, keeping the POH counter (IPMI 2.0 §28.14).
    pub(super) fn set_power(&mut self, on: bool, at: Instant) {
        if on && !self.power_on {
            self.chassis.on_since = Some(at);
        } else if !on && self.power_on {
            if let Some(since) = self.chassis.on_since.take() {
                self.chassis.on_before += at.saturating_duration_since(since);
            }
        }
        self.power_on = on;
    }

    /// The system restarts (power up, cycle, reset): records `cause` and,
    /// acting as the BIOS, consumes one-shot boot flags (IPMI 2.0 §28.11, table 28-14).
    pub(super) fn restart(&mut self, cause: u8, at: Instant) {
        self.set_power(true, at);
        self.chassis.restart_cause = cause;
        let flags = &mut self.chassis.boot_flags;
        if flags.valid() && !flags.persistent() {
            flags.0[0] &= !0x80;
        }
    }

    pub(super) fn chassis_status(&self, now: Instant) -> Answer {
        let policy = match self.chassis.policy {
            PowerRestorePolicy::AlwaysOff => 0,
            PowerRestorePolicy::Previous => 1,
            PowerRestorePolicy::AlwaysOn => 2,
            PowerRestorePolicy::Unknown => 3,
        };
        let identify = match self.chassis.identify {
            Identify::Until(t) if now < t => 1,
            Identify::Forced => 2,
            _ => 0,
        };
        let status = ChassisStatus {
            current_power_state: u8::from(self.power_on) | policy << 5,
            last_power_event: self.chassis.last_power_event,
            misc_state: IDENTIFY_SUPPORTED | identify << 4,
            front_panel: None,
        };
        encoded(|out| status.encode(out))
    }

    pub(super) fn chassis_control(&mut self, data: &[u8], now: Instant) -> CompletionCode {
        let [action] = *data else {
            return CompletionCode::REQUEST_LENGTH_INVALID;
        };
        match action & 0x0f {
            0 | 5 => self.set_power(false, now),
            1 => {
                self.restart(CAUSE_POWER_COMMAND, now);
                self.chassis.last_power_event = LAST_EVENT_IPMI_ON;
            }
            2..=4 if !self.power_on => return CC_NOT_IN_PRESENT_STATE,
            2..=4 => {
                self.restart(CAUSE_POWER_COMMAND, now);
                self.chassis.last_power_event = LAST_EVENT_IPMI_ON;
            }
            _ => return CompletionCode::INVALID_DATA_FIELD,
        }
        self.power_actions += 1;
        CompletionCode::SUCCESS
    }

    pub(super) fn chassis_identify(&mut self, data: &[u8], now: Instant) -> Answer {
        if data.len() > 2 {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        }
        let req = ChassisIdentify::parse_request(data);
        self.chassis.identify = match (req.force, req.interval) {
            (true, _) => Identify::Forced,
            (false, None) => Identify::Until(now + DEFAULT_IDENTIFY),
            (false, Some(0)) => Identify::Off,
            (false, Some(s)) => Identify::Until(now + Duration::from_secs(s.into())),
        };
        (CompletionCode::SUCCESS, vec![])
    }

    pub(super) fn power_restore_policy(&mut self, data: &[u8]) -> Answer {
        let Some(SetPowerRestorePolicy(policy)) = SetPowerRestorePolicy::parse_request(data) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        if let Some(p) = policy {
            self.chassis.policy = p;
        }
        // All three policies are supported (table 28-9).
        (CompletionCode::SUCCESS, vec![0x07])
    }

    pub(super) fn restart_cause(&self, channel: u8) -> Answer {
        let cause = SystemRestartCause {
            cause: RestartCause(self.chassis.restart_cause),
            channel,
        };
        encoded(|out| cause.encode(out))
    }

    /// Whole minutes powered on up to `now` (IPMI 2.0 §28.14).
    pub(super) fn poh(&self, now: Instant) -> Answer {
        let on = self.chassis.on_before
            + self
                .chassis
                .on_since
                .map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        let poh = PohCounter {
            minutes_per_count: 1,
            count: u32::try_from(on.as_secs() / 60).unwrap_or(u32::MAX),
        };
        encoded(|out| poh.encode(out))
    }

    /// Set System Boot Options (IPMI 2.0 §28.12): parameters 0, 4 and 5.
    /// Writes take effect at once (no rollback); "set in progress" while
    /// already in progress is 81h; commit write completes the set.
    pub(super) fn set_boot_options(&mut self, data: &[u8]) -> Answer {
        let Some(req) = SetSystemBootOptions::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let c = &mut self.chassis;
        match req.param {
            BootParam::SetInProgress(SetInProgress::InProgress)
                if c.boot_progress == SetInProgress::InProgress =>
            {
                return (CC_SET_IN_PROGRESS, vec![]);
            }
            BootParam::SetInProgress(SetInProgress::CommitWrite) => {
                c.boot_progress = SetInProgress::Complete
            }
            BootParam::SetInProgress(SetInProgress::Reserved) => {
                return (CompletionCode::INVALID_DATA_FIELD, vec![])
            }
            BootParam::SetInProgress(s) => c.boot_progress = s,
            BootParam::BootInfoAck { mask, bits } => {
                c.boot_ack = (c.boot_ack & !mask) | (bits & mask);
            }
            BootParam::BootFlags(f) => c.boot_flags = f,
            BootParam::Other(..) => return (CC_PARAM_UNSUPPORTED, vec![]),
        }
        (CompletionCode::SUCCESS, vec![])
    }

    /// Get System Boot Options (IPMI 2.0 §28.13): parameters 0, 4 and 5.
    pub(super) fn get_boot_options(&self, data: &[u8]) -> Answer {
        let Some(req) = GetSystemBootOptions::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let c = &self.chassis;
        let param = match req.param {
            0 => BootParam::SetInProgress(c.boot_progress),
            4 => BootParam::BootInfoAck {
                mask: 0,
                bits: c.boot_ack,
            },
            5 => BootParam::BootFlags(c.boot_flags),
            _ => return (CC_PARAM_UNSUPPORTED, vec![]),
        };
        let mut data = Vec::new();
        param.encode_data(&mut data);
        let options = BootOptions {
            version: 1,
            invalid: false,
            selector: req.param,
            data,
        };
        encoded(|out| options.encode(out))
    }
}
