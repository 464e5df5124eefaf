//! The `chassis` family and ipmitool's `power` shortcut: `chassis status`
//! (Get Chassis Status, IPMI 2.0 §28.2) and `chassis power ...` (Chassis
//! Control, §28.3), as ipmitool 1.8.19 prints them.

mod admin;

use std::ffi::OsString;
use std::fmt::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use ipmi_core::cmd::boot::BootFlags;
use ipmi_core::cmd::chassis_ops::{ChassisIdentify, SetPowerRestorePolicy};
use ipmi_core::cmd::{ChassisControl, ChassisStatus, GetChassisStatus, PowerAction};
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;

use super::{decode_alone, unimplemented, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::output::json::line as json_line;

/// The family's first words.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Chassis: status, power status|on|off|cycle|reset|diag|soft
    Chassis {
        #[command(subcommand)]
        command: ChassisCommand,
    },
    /// Shortcut for `chassis power ...`
    Power {
        /// status, on (up), off (down), cycle, reset, diag or soft (acpi)
        #[arg(value_enum)]
        action: PowerWord,
    },
}

/// `chassis ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum ChassisCommand {
    /// Get Chassis Status: power state, faults, policy, front panel
    Status,
    /// Power status, or a Chassis Control action
    Power {
        /// status, on (up), off (down), cycle, reset, diag or soft (acpi)
        #[arg(value_enum)]
        action: PowerWord,
    },
    /// Set the power restore policy, or list the supported ones
    Policy {
        /// list, always-on, previous or always-off
        word: String,
    },
    /// Get System Restart Cause
    #[command(name = "restart_cause")]
    RestartCause,
    /// Get POH Counter: power-on hours
    Poh,
    /// Chassis Identify: SECONDS (0 turns it off), force, or the BMC's default
    Identify {
        /// SECONDS or force
        arg: Option<String>,
    },
    /// Get Self Test Results
    Selftest,
    /// Boot once from DEVICE: Set System Boot Options, boot flags
    Bootdev {
        /// none, pxe, disk, safe, diag, cdrom, bios or floppy (also force_...)
        #[arg(value_name = "DEVICE")]
        boot_device: String,
        /// clear-cmos=yes, or options=WORD[,WORD...] (persistent, efiboot, ...)
        option: Option<String>,
    },
    /// Get System Boot Options: `bootparam get N`
    Bootparam {
        /// get
        #[arg(value_parser = ["get"])]
        op: String,
        /// The parameter number (0 set in progress, 4 boot info acknowledge, 5 boot flags)
        #[arg(value_parser = crate::numbers::parse_byte)]
        param: u8,
    },
    /// Another `chassis` word (ipmitool's setbootparam, ...).
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

/// The word after `chassis power` (ipmitool's, with its synonyms).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerWord {
    /// Show whether the system power is on
    Status,
    /// Power up
    #[value(alias = "up")]
    On,
    /// Hard power down
    #[value(alias = "down")]
    Off,
    /// Power cycle
    Cycle,
    /// Hard reset
    Reset,
    /// Pulse a diagnostic interrupt (NMI)
    Diag,
    /// Soft (ACPI) shutdown
    #[value(alias = "acpi")]
    Soft,
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        match self {
            Words::Chassis {
                command: ChassisCommand::Status,
            } => Ok(Action::Status),
            Words::Chassis {
                command: ChassisCommand::Power { action },
            }
            | Words::Power { action } => Ok(power_action(*action)),
            Words::Chassis {
                command: ChassisCommand::Other(words),
            } => Err(unimplemented::sub_word("chassis", words)),
            Words::Chassis { command } => admin::action(command),
        }
    }
}

fn power_action(word: PowerWord) -> Action {
    match word {
        PowerWord::Status => Action::PowerStatus,
        PowerWord::On => Action::PowerControl(PowerAction::Up),
        PowerWord::Off => Action::PowerControl(PowerAction::Down),
        PowerWord::Cycle => Action::PowerControl(PowerAction::Cycle),
        PowerWord::Reset => Action::PowerControl(PowerAction::HardReset),
        PowerWord::Diag => Action::PowerControl(PowerAction::Diag),
        PowerWord::Soft => Action::PowerControl(PowerAction::Soft),
    }
}

/// What `chassis` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `chassis status`
    Status,
    /// `chassis power status`
    PowerStatus,
    /// `chassis power on|off|cycle|reset|diag|soft`
    PowerControl(PowerAction),
    /// `chassis policy ...`
    Policy(SetPowerRestorePolicy),
    /// `chassis restart_cause`
    RestartCause,
    /// `chassis poh`
    Poh,
    /// `chassis identify [SECONDS|force]`
    Identify(ChassisIdentify),
    /// `chassis selftest`
    Selftest,
    /// `chassis bootdev DEVICE [...]`: the word given and the flags.
    Bootdev(String, BootFlags),
    /// `chassis bootparam get N`
    Bootparam(u8),
}

impl Action {
    /// Runs the action: one exchange, the set sequence for `bootdev`.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        match self {
            Action::Bootdev(word, flags) => admin::bootdev(x, word, *flags),
            _ => x.one(self.request(x.target()), |r| self.decode(r)),
        }
    }

    /// One exchange, but for `bootdev`.
    pub fn one_exchange(&self) -> bool {
        !matches!(self, Action::Bootdev(..))
    }

    /// The request for `target`.
    pub fn request(&self, target: Target) -> Request {
        match self {
            Action::Status | Action::PowerStatus => GetChassisStatus.request_to(target),
            Action::PowerControl(a) => ChassisControl(*a).request_to(target),
            other => admin::request(other, target),
        }
    }

    /// Decodes the response to [`Action::request`].
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        Ok(match self {
            Action::Status => Outcome::Status(GetChassisStatus.decode(response)?),
            Action::PowerStatus => Outcome::PowerStatus(GetChassisStatus.decode(response)?),
            Action::PowerControl(a) => {
                ChassisControl(*a).decode(response)?;
                Outcome::PowerControl(*a)
            }
            Action::Bootdev(..) => decode_alone(response, "chassis bootdev", |x| self.run(x))?,
            other => admin::decode(other, response)?,
        })
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        match self {
            Action::Status => "Error sending Chassis Status command".into(),
            Action::PowerStatus => "Unable to get Chassis Power Status".into(),
            Action::PowerControl(a) => {
                format!("Unable to set Chassis Power Control to {}", a.description())
            }
            other => admin::context(other),
        }
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, _target: Target, _code: CompletionCode, text: &str) -> String {
        match self {
            Action::Status => format!("Error sending Chassis Status command: {text}"),
            Action::PowerStatus => format!("Get Chassis Power Status failed: {text}"),
            Action::PowerControl(a) => {
                format!(
                    "Set Chassis Power Control to {} failed: {text}",
                    a.description()
                )
            }
            other => admin::refused(other, text),
        }
    }
}

/// What `chassis` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `chassis status`
    Status(ChassisStatus),
    /// `chassis power status`: the status bytes (only bit 0 is printed).
    PowerStatus(ChassisStatus),
    /// `chassis power <action>` was accepted.
    PowerControl(PowerAction),
    /// The admin words' outcomes.
    Admin(admin::Outcome),
}

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(match (self, json) {
            (Outcome::Status(s), false) => status(s),
            (Outcome::Status(s), true) => json_line(&Chassis::new(s)),
            (Outcome::PowerStatus(s), false) => power_status(s),
            (Outcome::PowerStatus(s), true) => json_line(&Power { power: on_off(s) }),
            (Outcome::PowerControl(a), false) => power_control(*a),
            (Outcome::PowerControl(a), true) => json_line(&PowerControl {
                power_control: a.word(),
            }),
            (Outcome::Admin(o), false) => o.text(),
            (Outcome::Admin(o), true) => o.json(),
        })
    }

    /// `chassis` answers are errors only by their completion code, checked when decoding.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}

/// `chassis status`.
pub fn status(s: &ChassisStatus) -> Vec<u8> {
    let mut o = String::with_capacity(512);
    let flag = |b: bool, yes: &'static str, no: &'static str| if b { yes } else { no };
    // Writing into a String cannot fail.
    let _ = (|| -> std::fmt::Result {
        writeln!(
            o,
            "System Power         : {}",
            flag(s.power_on(), "on", "off")
        )?;
        writeln!(
            o,
            "Power Overload       : {}",
            flag(s.power_overload(), "true", "false")
        )?;
        writeln!(
            o,
            "Power Interlock      : {}",
            flag(s.power_interlock(), "active", "inactive")
        )?;
        writeln!(
            o,
            "Main Power Fault     : {}",
            flag(s.main_power_fault(), "true", "false")
        )?;
        writeln!(
            o,
            "Power Control Fault  : {}",
            flag(s.power_control_fault(), "true", "false")
        )?;
        writeln!(o, "Power Restore Policy : {}", s.restore_policy().name())?;
        o.push_str("Last Power Event     : ");
        for (bit, word) in LAST_POWER_EVENT_WORDS.iter().enumerate() {
            if s.last_power_event & (1 << bit) != 0 {
                o.push_str(word);
            }
        }
        o.push('\n');
        writeln!(
            o,
            "Chassis Intrusion    : {}",
            flag(s.intrusion(), "active", "inactive")
        )?;
        writeln!(
            o,
            "Front-Panel Lockout  : {}",
            flag(s.front_panel_lockout(), "active", "inactive")
        )?;
        writeln!(
            o,
            "Drive Fault          : {}",
            flag(s.drive_fault(), "true", "false")
        )?;
        writeln!(
            o,
            "Cooling/Fan Fault    : {}",
            flag(s.cooling_fault(), "true", "false")
        )?;
        match s.front_panel {
            None => {}
            Some(0) => writeln!(o, "Front Panel Control  : none")?,
            Some(fp) => {
                let allowed = |m: u8| flag(fp & m != 0, "allowed", "not allowed");
                let disabled = |m: u8| flag(fp & m != 0, "true", "false");
                writeln!(o, "Sleep Button Disable : {}", allowed(0x80))?;
                writeln!(o, "Diag Button Disable  : {}", allowed(0x40))?;
                writeln!(o, "Reset Button Disable : {}", allowed(0x20))?;
                writeln!(o, "Power Button Disable : {}", allowed(0x10))?;
                writeln!(o, "Sleep Button Disabled: {}", disabled(0x08))?;
                writeln!(o, "Diag Button Disabled : {}", disabled(0x04))?;
                writeln!(o, "Reset Button Disabled: {}", disabled(0x02))?;
                writeln!(o, "Power Button Disabled: {}", disabled(0x01))?;
            }
        }
        Ok(())
    })();
    o.into_bytes()
}

/// ipmitool's words for the last-power-event bits 0..=4, each with the
/// trailing space it prints (but the last).
pub const LAST_POWER_EVENT_WORDS: [&str; 5] =
    ["ac-failed ", "overload ", "interlock ", "fault ", "command"];

/// `chassis power status`.
pub fn power_status(s: &ChassisStatus) -> Vec<u8> {
    format!(
        "Chassis Power is {}\n",
        if s.power_on() { "on" } else { "off" }
    )
    .into_bytes()
}

/// `chassis power on|off|...`, printed only once the BMC accepted it.
pub fn power_control(a: PowerAction) -> Vec<u8> {
    format!("Chassis Power Control: {}\n", a.description()).into_bytes()
}

fn on_off(s: &ChassisStatus) -> &'static str {
    if s.power_on() {
        "on"
    } else {
        "off"
    }
}

/// `chassis status`
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Chassis {
    /// "on" or "off".
    pub power: &'static str,
    pub power_overload: bool,
    pub power_interlock: bool,
    pub main_power_fault: bool,
    pub power_control_fault: bool,
    /// "always-off", "previous", "always-on" or "unknown".
    pub power_restore_policy: &'static str,
    /// Any of "ac-failed", "overload", "interlock", "fault", "command".
    pub last_power_event: Vec<&'static str>,
    pub chassis_intrusion: bool,
    pub front_panel_lockout: bool,
    pub drive_fault: bool,
    pub cooling_fan_fault: bool,
    /// The optional front panel byte, `null` when not sent.
    pub front_panel: Option<FrontPanel>,
}

/// Front panel button capabilities (optional byte of Get Chassis Status).
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct FrontPanel {
    pub sleep_button_disable_allowed: bool,
    pub diag_button_disable_allowed: bool,
    pub reset_button_disable_allowed: bool,
    pub power_button_disable_allowed: bool,
    pub sleep_button_disabled: bool,
    pub diag_button_disabled: bool,
    pub reset_button_disabled: bool,
    pub power_button_disabled: bool,
}

impl Chassis {
    /// From the decoded answer.
    pub fn new(s: &ChassisStatus) -> Self {
        Chassis {
            power: on_off(s),
            power_overload: s.power_overload(),
            power_interlock: s.power_interlock(),
            main_power_fault: s.main_power_fault(),
            power_control_fault: s.power_control_fault(),
            power_restore_policy: s.restore_policy().name(),
            last_power_event: LAST_POWER_EVENT_WORDS
                .iter()
                .enumerate()
                .filter(|(bit, _)| s.last_power_event & (1 << bit) != 0)
                .map(|(_, w)| w.trim_end())
                .collect(),
            chassis_intrusion: s.intrusion(),
            front_panel_lockout: s.front_panel_lockout(),
            drive_fault: s.drive_fault(),
            cooling_fan_fault: s.cooling_fault(),
            front_panel: s.front_panel.map(|fp| FrontPanel {
                sleep_button_disable_allowed: fp & 0x80 != 0,
                diag_button_disable_allowed: fp & 0x40 != 0,
                reset_button_disable_allowed: fp & 0x20 != 0,
                power_button_disable_allowed: fp & 0x10 != 0,
                sleep_button_disabled: fp & 0x08 != 0,
                diag_button_disabled: fp & 0x04 != 0,
                reset_button_disabled: fp & 0x02 != 0,
                power_button_disabled: fp & 0x01 != 0,
            }),
        }
    }
}

/// `chassis power status --json`
#[derive(Serialize)]
struct Power {
    power: &'static str,
}

/// `chassis power on|off|cycle|reset|diag|soft --json`
#[derive(Serialize)]
struct PowerControl {
    power_control: &'static str,
}
