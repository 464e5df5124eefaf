//! `chassis policy|restart_cause|poh|identify|selftest|bootdev|bootparam`:
//! the requests (IPMI 2.0 §28.5, §28.8, §28.11, §28.12-13, §28.14, §20.4)
//! and ipmitool 1.8.19's text, plus `--json`.
//!
//! `bootdev` sends core's [`set_boot_flags_sequence`]: a refused
//! set-in-progress (parameter 0 unsupported) skips the in-progress steps,
//! a refused boot-info acknowledge or commit write is tolerated (both are
//! optional, as ipmitool has it), a refused boot flags write is the error
//! (exit 1), and "set complete" is still sent after it.
//! `bootparam get N` prints parameters 0, 4 and 5 typed, others as the
//! generic lines with their data in hex (ipmitool decodes 1-3, 6, 7 too).

use std::fmt::Write;

use ipmi_core::cmd::boot::{
    set_boot_flags_sequence, BootDevice, BootFlags, BootOptions, BootParam, GetSystemBootOptions,
};
use ipmi_core::cmd::chassis_ops::{
    ChassisIdentify, GetPohCounter, GetSystemRestartCause, PohCounter, SetPowerRestorePolicy,
    SupportedPolicies, SystemRestartCause,
};
use ipmi_core::cmd::mc::{GetSelfTestResults, SelfTestResult};
use ipmi_core::cmd::PowerRestorePolicy;
use ipmi_core::{Command, CommandError, Request, Response, Target};
use serde::Serialize;

use super::super::mc::admin::SelftestJson;
use super::super::{ActionError, Exchanger};
use super::{Action, ChassisCommand};
use crate::exit::CliError;
use crate::output::json::line as json_line;

/// The action of an admin word.
pub fn action(command: &ChassisCommand) -> Result<Action, CliError> {
    Ok(match command {
        ChassisCommand::Policy { word } => {
            Action::Policy(SetPowerRestorePolicy::from_word(word).map_err(|e| {
                CliError::Usage(format!("{e} (list, always-on, previous or always-off)"))
            })?)
        }
        ChassisCommand::RestartCause => Action::RestartCause,
        ChassisCommand::Poh => Action::Poh,
        ChassisCommand::Selftest => Action::Selftest,
        ChassisCommand::Identify { arg } => Action::Identify(match arg.as_deref() {
            None => ChassisIdentify::default(),
            Some("force") => ChassisIdentify {
                interval: None,
                force: true,
            },
            Some(n) => ChassisIdentify {
                interval: Some(crate::numbers::parse_u8(n).map_err(|e| {
                    CliError::Usage(format!(
                        "identify: invalid interval {n:?} ({e}); give 0-255 seconds or force"
                    ))
                })?),
                force: false,
            },
        }),
        ChassisCommand::Bootdev {
            boot_device: device,
            option,
        } => {
            let dev: BootDevice = device.parse().map_err(|_| {
                CliError::Usage(format!(
                    "'{device}' is no boot device (none, pxe, disk, safe, diag, cdrom, bios, floppy)"
                ))
            })?;
            let mut flags = BootFlags::default();
            let words = match option.as_deref() {
                None | Some("clear-cmos=no") => "",
                Some("clear-cmos=yes") | Some("clear-cmos") => "clear-cmos",
                Some(o) => o.strip_prefix("options=").ok_or_else(|| {
                    CliError::Usage(format!(
                        "bootdev takes clear-cmos=yes|no or options=WORD[,WORD...], not {o:?}"
                    ))
                })?,
            };
            for w in words.split(',').filter(|w| !w.is_empty()) {
                if !flags.apply_option(w) {
                    let known: Vec<&str> = ipmi_core::cmd::boot::BOOT_OPTIONS
                        .iter()
                        .map(|o| o.0)
                        .collect();
                    return Err(CliError::Usage(format!(
                        "unknown bootdev option '{w}' (one of {})",
                        known.join(", ")
                    )));
                }
            }
            flags.set_device(dev);
            flags.0[0] |= 0x80;
            Action::Bootdev(device.clone(), flags)
        }
        ChassisCommand::Bootparam { param, .. } => Action::Bootparam(*param),
        ChassisCommand::Status | ChassisCommand::Power { .. } | ChassisCommand::Other(_) => {
            unreachable!("handled by the chassis family")
        }
    })
}

/// The (first) request of an admin action.
pub fn request(action: &Action, target: Target) -> Request {
    match action {
        Action::Policy(p) => p.request_to(target),
        Action::RestartCause => GetSystemRestartCause.request_to(target),
        Action::Poh => GetPohCounter.request_to(target),
        Action::Identify(i) => i.request_to(target),
        Action::Selftest => GetSelfTestResults.request_to(target),
        Action::Bootparam(n) => GetSystemBootOptions::new(*n).request_to(target),
        Action::Bootdev(_, flags) => set_boot_flags_sequence(*flags)[0].request_to(target),
        _ => unreachable!("not an admin action"),
    }
}

/// Decodes a one-exchange admin action's answer.
pub fn decode(action: &Action, response: &Response) -> Result<super::Outcome, CommandError> {
    Ok(super::Outcome::Admin(match action {
        Action::Policy(p) => Outcome::Policy(p.0, p.decode(response)?),
        Action::RestartCause => Outcome::RestartCause(GetSystemRestartCause.decode(response)?),
        Action::Poh => Outcome::Poh(GetPohCounter.decode(response)?),
        Action::Identify(i) => {
            i.decode(response)?;
            Outcome::Identify(*i)
        }
        Action::Selftest => Outcome::Selftest(GetSelfTestResults.decode(response)?),
        Action::Bootparam(n) => {
            Outcome::Bootparam(GetSystemBootOptions::new(*n).decode(response)?)
        }
        _ => unreachable!("not a one-exchange admin action"),
    }))
}

/// `chassis bootdev`: the set sequence (see the module doc).
pub fn bootdev<E>(
    x: &mut Exchanger<'_, E>,
    word: &str,
    flags: BootFlags,
) -> Result<super::Outcome, ActionError<E>> {
    let [start, ack, set, commit, complete] = set_boot_flags_sequence(flags);
    let target = x.target();
    let in_progress = x
        .exchange(&start.request_to(target))?
        .completion
        .is_success();
    // Optional: a BMC may refuse clearing the acknowledge bits.
    x.exchange(&ack.request_to(target))?;
    let written = x.exchange(&set.request_to(target));
    if in_progress {
        if matches!(&written, Ok(r) if r.completion.is_success()) {
            // Optional (IPMI 2.0 table 28-14): a refusal is fine.
            x.exchange(&commit.request_to(target))?;
        }
        x.exchange(&complete.request_to(target))?;
    }
    set.decode(&written?).map_err(ActionError::Command)?;
    Ok(super::Outcome::Admin(Outcome::Bootdev(
        word.to_string(),
        flags,
    )))
}

/// ipmitool's words when no answer came.
pub fn context(action: &Action) -> String {
    match action {
        Action::Policy(_) => "Error in Power Restore Policy command".into(),
        Action::RestartCause => "Unable to get Chassis Restart Cause".into(),
        Action::Poh => "Unable to get Chassis Power-On-Hours".into(),
        Action::Identify(_) => "Unable to set Chassis Identify".into(),
        Action::Selftest => "Error sending Get Self Test command".into(),
        Action::Bootparam(n) => format!("Error Getting Chassis Boot Parameter {n}"),
        Action::Bootdev(..) => "Error setting Chassis Boot Parameter 5".into(),
        _ => String::new(),
    }
}

/// ipmitool's line for a refusal; `text` names the code.
pub fn refused(action: &Action, text: &str) -> String {
    match action {
        Action::Policy(_) => format!("Power Restore Policy command failed: {text}"),
        Action::RestartCause => format!("Get Chassis Restart Cause failed: {text}"),
        Action::Poh => format!("Get Chassis Power-On-Hours failed: {text}"),
        Action::Identify(i) if i.force => format!(
            "Set Chassis Identify failed: {text} (the chassis may not support Force Identify On)"
        ),
        Action::Identify(_) => format!("Set Chassis Identify failed: {text}"),
        Action::Selftest => format!("Error sending Get Self Test command: {text}"),
        Action::Bootparam(n) => format!("Get Chassis Boot Parameter {n} failed: {text}"),
        Action::Bootdev(..) => format!("Error setting Chassis Boot Parameter 5: {text}"),
        _ => text.to_string(),
    }
}

/// What an admin word got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `chassis policy`: what was asked (`None`: list) and the supported policies.
    Policy(Option<PowerRestorePolicy>, SupportedPolicies),
    /// `chassis restart_cause`
    RestartCause(SystemRestartCause),
    /// `chassis poh`
    Poh(PohCounter),
    /// `chassis identify` was accepted.
    Identify(ChassisIdentify),
    /// `chassis selftest`
    Selftest(SelfTestResult),
    /// `chassis bootdev` was accepted: the word given and the flags.
    Bootdev(String, BootFlags),
    /// `chassis bootparam get N`
    Bootparam(BootOptions),
}

/// ipmitool's `chassis selftest` words for the 57h failure bits, bit 0 first.
const BROKEN_DEVICE: [&str; 8] = [
    "firmware corrupted",
    "boot block corrupted",
    "FRU Internal Use Area corrupted",
    "SDR Repository empty",
    "IPMB not responding",
    "cannot access BMC FRU",
    "cannot access SDR Repository",
    "cannot access SEL Device",
];

fn identify_words(i: &ChassisIdentify) -> String {
    match (i.interval, i.force) {
        (_, true) => "indefinite".into(),
        (None, false) => "default (15 seconds)".into(),
        (Some(0), false) => "off".into(),
        (Some(n), false) => format!("{n} seconds"),
    }
}

fn poh_words(p: &PohCounter) -> String {
    let (d, h, m) = p.days_hours_minutes();
    if p.minutes_per_count < 60 {
        format!("{d} days, {h} hours, {m} minutes")
    } else {
        format!("{d} days, {h} hours")
    }
}

fn supported(s: SupportedPolicies) -> Vec<&'static str> {
    let mut v = Vec::new();
    if s.always_off() {
        v.push("always-off");
    }
    if s.always_on() {
        v.push("always-on");
    }
    if s.previous() {
        v.push("previous");
    }
    v
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// `bootparam get 5`'s lines of the boot flags.
fn boot_flags(o: &mut String, f: &BootFlags) -> std::fmt::Result {
    let line = |o: &mut String, on: bool, text: &str| {
        if on {
            o.push_str("   - ");
            o.push_str(text);
            o.push('\n');
        }
    };
    let pick = |b: bool, yes: &'static str, no: &'static str| if b { yes } else { no };
    o.push_str(" Boot Flags :\n");
    writeln!(
        o,
        "   - {}",
        pick(f.valid(), "Boot Flag Valid", "Boot Flag Invalid")
    )?;
    writeln!(
        o,
        "   - {}",
        pick(
            f.persistent(),
            "Options apply to all future boots",
            "Options apply to only next boot"
        )
    )?;
    writeln!(
        o,
        "   - {}",
        pick(
            f.efi(),
            "BIOS EFI boot ",
            "BIOS PC Compatible (legacy) boot "
        )
    )?;
    line(o, f.clear_cmos(), "CMOS Clear");
    line(o, f.lock_keyboard(), "Lock Keyboard");
    writeln!(o, "   - Boot Device Selector : {}", f.device())?;
    line(o, f.screen_blank(), "Screen blank");
    line(o, f.lockout_reset(), "Lock out Reset buttons");
    line(
        o,
        f.lockout_power(),
        "Lock out (power off/sleep request) via Power Button",
    );
    let verbosity = match f.verbosity() {
        0 => "System Default",
        1 => "Request Quiet Display",
        2 => "Request Verbose Display",
        _ => "Flag error",
    };
    writeln!(o, "   - BIOS verbosity : {verbosity}")?;
    line(o, f.force_progress_traps(), "Force progress event traps");
    line(o, f.password_bypass(), "User password bypass");
    line(o, f.lockout_sleep(), "Lock Out Sleep Button");
    let redirect = match f.console_redirection() {
        0 => "Console redirection occurs per BIOS configuration setting (default)",
        1 => "Suppress (skip) console redirection if enabled",
        2 => "Request console redirection be enabled",
        _ => "Flag error",
    };
    writeln!(o, "   - Console Redirection control : {redirect}")?;
    line(o, f.bios_shared_mode(), "BIOS Shared Mode Override");
    let mux = match f.bios_mux() {
        0 => "BIOS uses recommended setting of the mux at the end of POST",
        1 => "Requests BIOS to force mux to BMC at conclusion of POST/start of OS boot",
        2 => "Requests BIOS to force mux to system at conclusion of POST/start of OS boot",
        _ => "Flag error",
    };
    writeln!(o, "   - BIOS Mux Control Override : {mux}")
}

/// The acknowledge bits, most significant first, with ipmitool's lines (IPMI 2.0 table 28-14).
const ACK_LINES: [(u8, &str); 5] = [
    (0x10, "    - OEM has handled boot info"),
    (0x08, "    - SMS has handled boot info"),
    (0x04, "    - OS // service partition has handled boot info"),
    (0x02, "    - OS Loader has handled boot info"),
    (0x01, "    - BIOS/POST has handled boot info"),
];

impl Outcome {
    /// ipmitool's text.
    pub fn text(&self) -> Vec<u8> {
        let mut o = String::new();
        // Writing into a String cannot fail.
        let _ = (|| -> std::fmt::Result {
            match self {
                Outcome::Policy(None, s) => writeln!(
                    o,
                    "Supported chassis power policy:  {}",
                    supported(*s).join(" ")
                )?,
                Outcome::Policy(Some(p), _) => {
                    writeln!(o, "Set chassis power restore policy to {}", p.name())?
                }
                Outcome::RestartCause(c) => writeln!(o, "System restart cause: {}", c.cause)?,
                Outcome::Poh(p) => writeln!(o, "POH Counter  : {}", poh_words(p))?,
                Outcome::Identify(i) => {
                    writeln!(o, "Chassis identify interval: {}", identify_words(i))?
                }
                Outcome::Selftest(r) => {
                    o.push_str("Self Test Results    : ");
                    match r.code {
                        0x55 => o.push_str("passed\n"),
                        0x56 => o.push_str("not implemented\n"),
                        0x57 => {
                            o.push_str("device error\n");
                            for (bit, word) in BROKEN_DEVICE.iter().enumerate() {
                                if r.detail & (1 << bit) != 0 {
                                    writeln!(o, "                       [{word}]")?;
                                }
                            }
                        }
                        0x58 => writeln!(o, "Fatal hardware error: {:02x}h", r.detail)?,
                        c => writeln!(o, "Device-specific failure {c:02x}h:{:02x}h", r.detail)?,
                    }
                }
                Outcome::Bootdev(word, _) => writeln!(o, "Set Boot Device to {word}")?,
                Outcome::Bootparam(b) => {
                    writeln!(o, "Boot parameter version: {}", b.version)?;
                    let state = if b.invalid {
                        "invalid/locked"
                    } else {
                        "valid/unlocked"
                    };
                    writeln!(o, "Boot parameter {} is {state}", b.selector)?;
                    writeln!(o, "Boot parameter data: {}", hex(&b.data))?;
                    match b.param() {
                        Some(BootParam::SetInProgress(s)) => {
                            writeln!(o, " Set In Progress : {s}")?
                        }
                        Some(BootParam::BootInfoAck { bits, .. }) => {
                            o.push_str(" Boot Info Acknowledge :\n");
                            if bits & 0x1f == 0 {
                                o.push_str("     No flag set\n");
                            }
                            for (m, line) in ACK_LINES {
                                if bits & m != 0 {
                                    writeln!(o, "{line}")?;
                                }
                            }
                        }
                        Some(BootParam::BootFlags(f)) => boot_flags(&mut o, &f)?,
                        Some(BootParam::Other(..)) | None => {}
                    }
                }
            }
            Ok(())
        })();
        o.into_bytes()
    }

    /// The JSON line.
    pub fn json(&self) -> Vec<u8> {
        match self {
            Outcome::Policy(asked, s) => json_line(&PolicyJson {
                set: asked.map(|p| p.name()),
                supported: supported(*s),
            }),
            Outcome::RestartCause(c) => json_line(&RestartJson {
                restart_cause: c.cause.to_string(),
                code: c.cause.0,
                channel: c.channel,
            }),
            Outcome::Poh(p) => json_line(&PohJson {
                minutes_per_count: p.minutes_per_count,
                count: p.count,
                minutes: p.minutes(),
            }),
            Outcome::Identify(i) => json_line(&IdentifyJson {
                identify: identify_words(i),
            }),
            Outcome::Selftest(r) => json_line(&SelftestJson::new(r)),
            Outcome::Bootdev(word, f) => json_line(&BootdevJson {
                boot_device: word,
                flags: hex(&f.0),
            }),
            Outcome::Bootparam(b) => {
                let flags = match b.param() {
                    Some(BootParam::BootFlags(f)) => Some(f),
                    _ => None,
                };
                json_line(&BootparamJson {
                    parameter: b.selector,
                    version: b.version,
                    valid: !b.invalid,
                    data: hex(&b.data),
                    set_in_progress: match b.param() {
                        Some(BootParam::SetInProgress(s)) => Some(s.to_string()),
                        _ => None,
                    },
                    boot_device: flags.map(|f| f.device().to_string()),
                    persistent: flags.map(|f| f.persistent()),
                    efi: flags.map(|f| f.efi()),
                })
            }
        }
    }
}

#[derive(Serialize)]
struct PolicyJson {
    /// `null` for `list`.
    set: Option<&'static str>,
    supported: Vec<&'static str>,
}

#[derive(Serialize)]
struct RestartJson {
    restart_cause: String,
    code: u8,
    channel: u8,
}

#[derive(Serialize)]
struct PohJson {
    minutes_per_count: u8,
    count: u32,
    minutes: u64,
}

#[derive(Serialize)]
struct IdentifyJson {
    identify: String,
}

#[derive(Serialize)]
struct BootdevJson<'a> {
    boot_device: &'a str,
    /// The five boot flag bytes sent, hex.
    flags: String,
}

#[derive(Serialize)]
struct BootparamJson {
    parameter: u8,
    version: u8,
    valid: bool,
    data: String,
    set_in_progress: Option<String>,
    boot_device: Option<String>,
    persistent: Option<bool>,
    efi: Option<bool>,
}
