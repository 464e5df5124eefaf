//! `--json`: one JSON object on one line of standard output per invocation,
//! success or failure. The shapes are documented in README-cli.md and are
//! kept stable: fields may be added, never renamed or removed.

use serde::Serialize;

use ipmi_core::cmd::ChassisStatus;

use crate::actions::{DeviceInfo, Outcome};
use crate::exit::CliError;
use crate::output::chassis::LAST_POWER_EVENT_WORDS;
use crate::output::Names;

/// `mc info`
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

fn on_off(s: &ChassisStatus) -> &'static str {
    if s.power_on() {
        "on"
    } else {
        "off"
    }
}

/// An error: on standard output with `--json` (the message also goes to
/// standard error).
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ErrorObject {
    /// The message, as on standard error without the "ipmirs: " prefix.
    pub error: String,
    /// "bmc", "protocol", "timeout", "usage", "io" or "interrupted".
    pub kind: &'static str,
    /// The process exit code (1, 2 or 3; 130 or 143 when interrupted).
    pub exit_code: u8,
    /// The session step it stalled in, when known, e.g. "Open Session".
    pub stage: Option<String>,
    /// The BMC's completion code, for refusals only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_code: Option<u8>,
}

impl ErrorObject {
    /// From a CLI error.
    pub fn new(e: &CliError) -> Self {
        ErrorObject {
            error: e.to_string(),
            kind: e.kind(),
            exit_code: e.exit_code(),
            stage: e.stage().map(str::to_string),
            completion_code: e.completion_code().map(|c| c.0),
        }
    }
}

/// The JSON line (with its newline) for a successful outcome.
pub fn outcome(outcome: &Outcome, names: Option<&Names>) -> Vec<u8> {
    match outcome {
        Outcome::DeviceId(id) => line(&McInfo::new(id, names.expect("mc info needs the names"))),
        Outcome::Reset(kind) => line(&Reset { reset: kind.word() }),
        Outcome::ChassisStatus(s) => line(&Chassis::new(s)),
        Outcome::PowerStatus(s) => line(&Power { power: on_off(s) }),
        Outcome::PowerControl(a) => line(&PowerControl {
            power_control: a.word(),
        }),
        Outcome::Raw(r) => line(&RawAnswer {
            completion_code: r.completion.0,
            data: &r.data,
        }),
    }
}

/// `mc reset cold|warm`
#[derive(Serialize)]
struct Reset {
    reset: &'static str,
}

/// `chassis power status`
#[derive(Serialize)]
struct Power {
    power: &'static str,
}

/// `chassis power on|off|cycle|reset|diag|soft`
#[derive(Serialize)]
struct PowerControl {
    power_control: &'static str,
}

/// `raw`
#[derive(Serialize)]
struct RawAnswer<'a> {
    completion_code: u8,
    data: &'a [u8],
}

/// The JSON line (with its newline) for an error.
pub fn error(e: &CliError) -> Vec<u8> {
    line(&ErrorObject::new(e))
}

/// Serializes in declaration order, on one line.
fn line<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec(v).expect("plain data serializes");
    out.push(b'\n');
    out
}
