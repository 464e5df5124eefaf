//! The `mc` family (`bmc` is ipmitool's other name for it): `mc info` (Get
//! Device ID, IPMI 2.0 §20.1) and `mc reset cold|warm` (§20.2, §20.3), as
//! ipmitool 1.8.19 prints them.

pub(crate) mod admin;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use ipmi_core::cmd::mc::{
    GetBmcGlobalEnables, GetSelfTestResults, GetSystemGuid, GlobalEnables, Guid, SelfTestResult,
};
use ipmi_core::cmd::sysinfo::{
    assemble_string, string_set_count, GetSystemInfoParameters, SYSINFO_PARAMS,
};
use ipmi_core::cmd::watchdog::{
    GetWatchdogTimer, ResetWatchdogTimer, CC_WATCHDOG_UNINITIALIZED, SetWatchdogTimer, WatchdogTimer,
};
use ipmi_core::cmd::{ColdReset, DeviceId, GetDeviceId, WarmReset};
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;

use super::{decode_alone, unimplemented, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::manufacturers;
use crate::output::json::line as json_line;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Management controller: info, reset cold|warm
    #[command(alias = "bmc")]
    Mc {
        #[command(subcommand)]
        command: McCommand,
    },
}

/// `mc ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum McCommand {
    /// Get Device ID: identity and firmware of the BMC
    Info,
    /// Reset the BMC: cold or warm
    Reset {
        /// cold or warm
        #[arg(value_enum)]
        kind: ResetKind,
    },
    /// Get System GUID, decoded as ipmitool detects its byte order
    Guid,
    /// Get Self Test Results
    Selftest,
    /// The watchdog timer: get, reset or off
    Watchdog {
        /// get, reset or off
        #[arg(value_enum)]
        op: WatchdogWord,
    },
    /// Get BMC Global Enables
    Getenables,
    /// Get System Info Parameters: system_fw_version, system_name,
    /// primary_os_name, os_name, delloem_os_version or delloem_url
    Getsysinfo {
        /// The parameter's name
        #[arg(value_name = "ARGUMENT")]
        name: String,
    },
    /// Another `mc` word (ipmitool's setenables, setsysinfo, ...).
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

/// Which reset.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetKind {
    /// Cold Reset (NetFn App, cmd 0x02)
    Cold,
    /// Warm Reset (NetFn App, cmd 0x03)
    Warm,
}

impl ResetKind {
    /// The word ipmitool prints.
    pub fn word(self) -> &'static str {
        match self {
            ResetKind::Cold => "cold",
            ResetKind::Warm => "warm",
        }
    }
}

/// `mc watchdog ...`
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchdogWord {
    /// Get Watchdog Timer
    Get,
    /// Reset Watchdog Timer (restart the countdown)
    Reset,
    /// Stop the timer (Set Watchdog Timer, as ipmitool sends it)
    Off,
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Mc { command } = self;
        match command {
            McCommand::Info => Ok(Action::Info),
            McCommand::Guid => Ok(Action::Guid),
            McCommand::Selftest => Ok(Action::Selftest),
            McCommand::Watchdog { op } => Ok(Action::Watchdog(*op)),
            McCommand::Getenables => Ok(Action::Getenables),
            McCommand::Getsysinfo { name } => SYSINFO_PARAMS
                .iter()
                .find(|(_, w)| w == name)
                .map(|(p, _)| Action::Getsysinfo(*p))
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "'{name}' is no system info parameter (one of {})",
                        SYSINFO_PARAMS.map(|(_, w)| w).join(", ")
                    ))
                }),
            McCommand::Reset { kind } => Ok(Action::Reset(*kind)),
            McCommand::Other(words) => Err(unimplemented::sub_word("mc", words)),
        }
    }
}

/// What `mc` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `mc info`
    Info,
    /// `mc reset cold|warm`
    Reset(ResetKind),
    /// `mc guid`
    Guid,
    /// `mc selftest`
    Selftest,
    /// `mc watchdog get|reset|off`
    Watchdog(WatchdogWord),
    /// `mc getenables`
    Getenables,
    /// `mc getsysinfo NAME`: the parameter number.
    Getsysinfo(u8),
}

/// Sets of a string parameter ipmitool reads at most (2 for the Dell URL).
fn max_sets(param: u8) -> u8 {
    if param == 0xde {
        2
    } else {
        4
    }
}

impl Action {
    /// Runs the action: one exchange, several sets for `getsysinfo`.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        let Action::Getsysinfo(param) = *self else {
            return x.one(self.request(x.target()), |r| self.decode(r));
        };
        let mut sets: Vec<Vec<u8>> = Vec::new();
        let mut last = max_sets(param);
        let mut set = 0u8;
        while set < last {
            let answer = x.ask(&GetSystemInfoParameters::new(param, set))?;
            if set == 0 {
                if let Some(n) = string_set_count(&answer.data) {
                    last = last.min(n as u8);
                }
            }
            sets.push(answer.data);
            set += 1;
        }
        Ok(Outcome::SysInfo(assemble_string(&sets)))
    }

    /// One exchange, but for `getsysinfo`.
    pub fn one_exchange(&self) -> bool {
        !matches!(self, Action::Getsysinfo(_))
    }

    /// The request for `target`.
    pub fn request(&self, target: Target) -> Request {
        match self {
            Action::Info => GetDeviceId.request_to(target),
            Action::Reset(ResetKind::Cold) => ColdReset.request_to(target),
            Action::Reset(ResetKind::Warm) => WarmReset.request_to(target),
            Action::Guid => GetSystemGuid.request_to(target),
            Action::Selftest => GetSelfTestResults.request_to(target),
            Action::Watchdog(WatchdogWord::Get) => GetWatchdogTimer.request_to(target),
            Action::Watchdog(WatchdogWord::Reset) => ResetWatchdogTimer.request_to(target),
            Action::Watchdog(WatchdogWord::Off) => SetWatchdogTimer::off().request_to(target),
            Action::Getenables => GetBmcGlobalEnables.request_to(target),
            Action::Getsysinfo(param) => {
                GetSystemInfoParameters::new(*param, 0).request_to(target)
            }
        }
    }

    /// Decodes the response to [`Action::request`].
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        Ok(match self {
            Action::Info => Outcome::DeviceId(DeviceInfo::new(
                GetDeviceId.decode(response)?,
                response.data.clone(),
            )),
            Action::Reset(kind) => {
                match kind {
                    ResetKind::Cold => ColdReset.decode(response)?,
                    ResetKind::Warm => WarmReset.decode(response)?,
                };
                Outcome::Reset(*kind)
            }
            Action::Guid => Outcome::Guid(GetSystemGuid.decode(response)?),
            Action::Selftest => Outcome::Selftest(GetSelfTestResults.decode(response)?),
            Action::Watchdog(WatchdogWord::Get) => {
                Outcome::Watchdog(GetWatchdogTimer.decode(response)?)
            }
            Action::Watchdog(op) => {
                match op {
                    WatchdogWord::Reset => ResetWatchdogTimer.decode(response)?,
                    _ => SetWatchdogTimer::off().decode(response)?,
                };
                Outcome::WatchdogDone(*op)
            }
            Action::Getenables => Outcome::Enables(GetBmcGlobalEnables.decode(response)?),
            Action::Getsysinfo(_) => {
                return decode_alone(response, "mc getsysinfo", |x| self.run(x))
            }
        })
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        match self {
            Action::Info => "Get Device ID command failed".into(),
            Action::Reset(_) => "MC reset command failed".into(),
            Action::Guid => "Get System GUID command failed".into(),
            Action::Selftest => "No response from devices".into(),
            Action::Watchdog(WatchdogWord::Get) => "Get Watchdog Timer command failed".into(),
            Action::Watchdog(WatchdogWord::Reset) => "Reset Watchdog Timer command failed".into(),
            Action::Watchdog(WatchdogWord::Off) => "Watchdog Timer Shutoff command failed".into(),
            Action::Getenables => "Get Global Enables command failed".into(),
            Action::Getsysinfo(_) => "mc getsysinfo command failed".into(),
        }
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, _target: Target, _code: CompletionCode, text: &str) -> String {
        match self {
            Action::Info => format!("Get Device ID command failed: {text}"),
            Action::Reset(_) => format!("MC reset command failed: {text}"),
            Action::Selftest => format!("Bad response: ({text})"),
            Action::Watchdog(WatchdogWord::Reset) if _code.0 == CC_WATCHDOG_UNINITIALIZED => {
                "Reset Watchdog Timer command failed: Attempt to reset uninitialized watchdog (0x80)"
                    .into()
            }
            Action::Getsysinfo(_) if _code.0 == 0x80 => {
                "mc getsysinfo: parameter not supported".into()
            }
            other => format!("{}: {text}", other.context(_target)),
        }
    }
}

/// A Get Device ID answer: decoded by the command layer, plus what ipmitool
/// prints that the decoded form does not keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The decoded answer.
    pub id: DeviceId,
    /// The response data bytes as received.
    pub data: Vec<u8>,
}

impl DeviceInfo {
    /// From the response data (at least 11 bytes, as the decoder checked).
    pub fn new(id: DeviceId, data: Vec<u8>) -> Self {
        DeviceInfo { id, data }
    }

    /// The manufacturer ID as ipmitool prints it: all 24 bits of bytes 6..9,
    /// reserved bits 23:20 included (the decoded ID keeps 20).
    pub fn manufacturer_id(&self) -> u32 {
        match self.data.get(6..9) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], 0]),
            None => self.id.manufacturer_id,
        }
    }

    /// The auxiliary firmware bytes, shown by ipmitool only when the answer
    /// has exactly 15 data bytes.
    pub fn aux_firmware(&self) -> Option<[u8; 4]> {
        if self.data.len() == 15 {
            self.id.aux_firmware
        } else {
            None
        }
    }
}

/// What `mc` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `mc info`
    DeviceId(DeviceInfo),
    /// `mc reset ...` was accepted.
    Reset(ResetKind),
    /// `mc guid`
    Guid(Guid),
    /// `mc selftest`
    Selftest(SelfTestResult),
    /// `mc watchdog get`
    Watchdog(WatchdogTimer),
    /// `mc watchdog reset|off` was accepted.
    WatchdogDone(WatchdogWord),
    /// `mc getenables`
    Enables(GlobalEnables),
    /// `mc getsysinfo`: the string.
    SysInfo(String),
}

impl Outcome {
    /// ipmitool's text or the JSON line; `mc info` looks the names up.
    pub fn render(&self, json: bool, registries: &[PathBuf]) -> Rendered {
        match self {
            Outcome::DeviceId(info) => {
                let names = Names::lookup(info.manufacturer_id(), info.id.product_id, registries);
                let bytes = if json {
                    json_line(&McInfo::new(info, &names))
                } else {
                    device_id(info, &names.manufacturer, &names.product)
                };
                Rendered {
                    bytes,
                    note: Some(format!("manufacturer name from {:?}", names.source)),
                }
            }
            Outcome::Reset(kind) if json => {
                Rendered::bytes(json_line(&Reset { reset: kind.word() }))
            }
            Outcome::Reset(kind) => Rendered::bytes(reset(*kind)),
            other => Rendered::bytes(if json {
                admin::json(other)
            } else {
                admin::text(other, unix_now())
            }),
        }
    }

    /// `mc` answers are errors only by their completion code, checked when decoding.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}

/// The names `mc info` prints, looked up only when it needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// Manufacturer name as ipmitool prints it (raw registry bytes).
    pub manufacturer: Vec<u8>,
    /// False when ipmitool has no name: a miss ("Unknown (0x..)"), or the
    /// IDs that mean none (0 "Unknown", 0xFFFFF "Unspecified").
    pub manufacturer_known: bool,
    /// Product name as ipmitool prints it.
    pub product: String,
    /// False when the name is ipmitool's "Unknown (0x..)" for a miss.
    pub product_known: bool,
    /// Where the manufacturer name came from.
    pub source: manufacturers::NameSource,
}

impl Names {
    /// Looks both names up (reads the registry file).
    pub fn lookup(manufacturer: u32, product: u16, registries: &[PathBuf]) -> Names {
        let (name, source) = manufacturers::manufacturer_name(manufacturer, registries);
        let manufacturer_known = !matches!(manufacturer, 0 | 0x0f_ffff)
            && name != manufacturers::unknown(manufacturer).as_bytes();
        let product_name = manufacturers::product_name(manufacturer, product);
        let product_known = product_name != manufacturers::unknown(product as u32);
        Names {
            manufacturer: name,
            manufacturer_known,
            product: product_name,
            product_known,
            source,
        }
    }
}

/// `mc info`: the Get Device ID answer with the looked-up names.
pub fn device_id(info: &DeviceInfo, manufacturer: &[u8], product: &str) -> Vec<u8> {
    let id = &info.id;
    let mut o = Vec::with_capacity(640);
    let (major, minor) = id.ipmi_version_parts();
    let pid = id.product_id.to_le_bytes();
    // Writing into a Vec cannot fail.
    let _ = (|| -> std::io::Result<()> {
        writeln!(o, "Device ID                 : {}", id.device_id)?;
        writeln!(o, "Device Revision           : {}", id.device_revision)?;
        writeln!(
            o,
            "Firmware Revision         : {}.{:02x}",
            id.firmware_major, id.firmware_minor
        )?;
        writeln!(o, "IPMI Version              : {major:x}.{minor:x}")?;
        writeln!(o, "Manufacturer ID           : {}", info.manufacturer_id())?;
        o.write_all(b"Manufacturer Name         : ")?;
        o.write_all(manufacturer)?;
        o.write_all(b"\n")?;
        writeln!(
            o,
            "Product ID                : {} (0x{:02x}{:02x})",
            id.product_id, pid[1], pid[0]
        )?;
        writeln!(o, "Product Name              : {product}")?;
        writeln!(
            o,
            "Device Available          : {}",
            yes_no(id.device_available)
        )?;
        writeln!(
            o,
            "Provides Device SDRs      : {}",
            yes_no(id.provides_device_sdrs)
        )?;
        writeln!(o, "Additional Device Support :")?;
        for name in id.supported() {
            writeln!(o, "    {name}")?;
        }
        if let Some(aux) = info.aux_firmware() {
            writeln!(o, "Aux Firmware Rev Info     : ")?;
            for b in aux {
                writeln!(o, "    0x{b:02x}")?;
            }
        }
        Ok(())
    })();
    o
}

/// `mc reset cold|warm`, printed only once the BMC accepted it.
pub fn reset(kind: ResetKind) -> Vec<u8> {
    format!("Sent {} reset command to MC\n", kind.word()).into_bytes()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `mc info --json`
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct McInfo {
    pub device_id: u8,
    pub device_revision: u8,
    /// ipmitool's text: major (decimal) "." minor (two hex digits), e.g. "8.09".
    pub firmware_revision: String,
    /// "major.minor", e.g. "2.0".
    pub ipmi_version: String,
    /// As ipmitool prints it (24 bits as sent).
    pub manufacturer_id: u32,
    /// `null` when neither the registry nor the built-in table knows it.
    pub manufacturer_name: Option<String>,
    pub product_id: u16,
    /// `null` when ipmitool's product table does not know it.
    pub product_name: Option<String>,
    pub device_available: bool,
    pub provides_device_sdrs: bool,
    pub additional_device_support: Vec<&'static str>,
    /// The four auxiliary firmware revision bytes, `null` when not sent
    /// (or when the answer is not exactly 15 bytes long, as ipmitool).
    pub aux_firmware_revision: Option<[u8; 4]>,
}

impl McInfo {
    /// From the decoded answer and the looked-up names.
    pub fn new(info: &DeviceInfo, names: &Names) -> Self {
        let id = &info.id;
        let (major, minor) = id.ipmi_version_parts();
        McInfo {
            device_id: id.device_id,
            device_revision: id.device_revision,
            firmware_revision: format!("{}.{:02x}", id.firmware_major, id.firmware_minor),
            ipmi_version: format!("{major:x}.{minor:x}"),
            manufacturer_id: info.manufacturer_id(),
            manufacturer_name: names
                .manufacturer_known
                .then(|| String::from_utf8_lossy(&names.manufacturer).into_owned()),
            product_id: id.product_id,
            product_name: names.product_known.then(|| names.product.clone()),
            device_available: id.device_available,
            provides_device_sdrs: id.provides_device_sdrs,
            additional_device_support: id.supported().collect(),
            aux_firmware_revision: info.aux_firmware(),
        }
    }
}

/// `mc reset cold|warm --json`
#[derive(Serialize)]
struct Reset {
    reset: &'static str,
}

/// Seconds since the Unix epoch now (for the GUID's plausible years).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
