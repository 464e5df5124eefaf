//! Tests of the families: the requests and ipmitool's wording of failures
//! over a scripted transport, and the renderers against ipmitool 1.8.19's
//! captured output.

use std::collections::VecDeque;

use ipmi_core::cmd::{ChassisStatus, GetChassisStatus, GetDeviceId, PowerAction, Raw, RawResponse};
use ipmi_core::{
    Command, CommandError, CompletionCode, Deadline, ErrorClass, Failure, NetFn, Request, Response,
    Target, Transport,
};

use super::mc::{DeviceInfo, Names, ResetKind};
use super::*;
use crate::manufacturers;

/// The outcomes under the names these tests were written with.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Old {
    DeviceId(DeviceInfo),
    Reset(ResetKind),
    ChassisStatus(ChassisStatus),
    PowerStatus(ChassisStatus),
    PowerControl(PowerAction),
    Raw(RawResponse),
}

impl Old {
    fn real(&self) -> Outcome {
        match self.clone() {
            Old::DeviceId(i) => Outcome::Mc(mc::Outcome::DeviceId(i)),
            Old::Reset(k) => Outcome::Mc(mc::Outcome::Reset(k)),
            Old::ChassisStatus(s) => Outcome::Chassis(chassis::Outcome::Status(s)),
            Old::PowerStatus(s) => Outcome::Chassis(chassis::Outcome::PowerStatus(s)),
            Old::PowerControl(a) => Outcome::Chassis(chassis::Outcome::PowerControl(a)),
            Old::Raw(r) => Outcome::Raw(r),
        }
    }
}

impl PartialEq<Old> for Outcome {
    fn eq(&self, other: &Old) -> bool {
        *self == other.real()
    }
}

/// ipmitool's text of an outcome; `mc info` with these names.
fn text(o: &Old, names: Option<&Names>) -> Vec<u8> {
    match o {
        Old::DeviceId(info) => {
            let n = names.expect("mc info needs the names");
            mc::device_id(info, &n.manufacturer, &n.product)
        }
        other => other.real().render(false, &[]).bytes,
    }
}

/// The `--json` lines.
mod json {
    use super::*;

    pub fn outcome(o: &Old, names: Option<&Names>) -> Vec<u8> {
        match o {
            Old::DeviceId(info) => {
                crate::output::json::line(&mc::McInfo::new(info, names.expect("names")))
            }
            other => other.real().render(true, &[]).bytes,
        }
    }

    pub fn error(e: &crate::exit::CliError) -> Vec<u8> {
        crate::output::json::error(e)
    }
}

/// A transport answering from a script, recording the requests.
pub struct Scripted {
    pub answers: VecDeque<Result<Response, MockError>>,
    pub requests: Vec<Request>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum MockError {
    #[error("no answer to request before the deadline (4 tries)")]
    Timeout,
    #[error("{0}")]
    Command(#[from] CommandError),
}

impl Failure for MockError {
    fn class(&self) -> ErrorClass {
        match self {
            MockError::Timeout => ErrorClass::Timeout,
            MockError::Command(c) => c.class(),
        }
    }
}

impl Transport for Scripted {
    type Error = MockError;
    fn exchange(&mut self, request: &Request, _deadline: Deadline) -> Result<Response, MockError> {
        self.requests.push(request.clone());
        self.answers.pop_front().expect("scripted answer")
    }
    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(Duration::from_secs(1))
    }
}

pub fn answer(netfn: NetFn, cmd: u8, cc: u8, data: &[u8]) -> Result<Response, MockError> {
    Ok(Response {
        netfn: netfn.response(),
        cmd,
        completion: CompletionCode(cc),
        data: data.to_vec(),
    })
}

pub fn go(
    action: &Action,
    answers: Vec<Result<Response, MockError>>,
) -> (Result<Outcome, CliError>, Vec<Request>) {
    let mut t = Scripted {
        answers: answers.into(),
        requests: vec![],
    };
    let mut traced = 0;
    let r = perform(
        &mut t,
        action,
        Deadline::from_now(Duration::from_secs(1)),
        &mut |_, _| traced += 1,
    )
    .map_err(|e| {
        describe(action, Target::bmc(), e, |_| {
            Some("request netfn 0x06 cmd 0x01".to_string())
        })
    })
    .and_then(|o| check_completion(action, Target::bmc(), &o).map(|()| o));
    assert_eq!(traced, t.requests.len());
    (r, t.requests)
}

#[test]
fn requests_are_the_core_commands() {
    let (r, reqs) = go(
        &Action::Chassis(crate::families::chassis::Action::PowerControl(
            PowerAction::Soft,
        )),
        vec![answer(NetFn::CHASSIS, 2, 0, &[])],
    );
    assert_eq!(r.unwrap(), Old::PowerControl(PowerAction::Soft).real());
    assert_eq!(
        (reqs[0].netfn, reqs[0].cmd, reqs[0].data.as_slice()),
        (NetFn::CHASSIS, 2, &[5u8][..])
    );
    let (r, reqs) = go(
        &Action::Mc(crate::families::mc::Action::Reset(ResetKind::Warm)),
        vec![answer(NetFn::APP, 3, 0, &[])],
    );
    assert_eq!(r.unwrap(), Old::Reset(ResetKind::Warm).real());
    assert_eq!((reqs[0].netfn, reqs[0].cmd), (NetFn::APP, 3));
    let raw = Action::Raw(Raw {
        netfn: NetFn(0x2e),
        cmd: 0x10,
        data: vec![1, 2],
    });
    let (r, reqs) = go(&raw, vec![answer(NetFn(0x2e), 0x10, 0, &[9])]);
    assert_eq!(
        r.unwrap(),
        Old::Raw(RawResponse {
            completion: CompletionCode(0),
            data: vec![9]
        })
    );
    assert_eq!(
        (reqs[0].netfn, reqs[0].cmd, reqs[0].data.as_slice()),
        (NetFn(0x2e), 0x10, &[1u8, 2][..])
    );
}

#[test]
fn refused_cold_reset_is_an_error_not_a_success() {
    let (r, _) = go(
        &Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold)),
        vec![answer(NetFn::APP, 2, 0xd4, &[])],
    );
    let e = r.unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert_eq!(
        e.to_string(),
        "MC reset command failed: Insufficient privilege level (0xd4)"
    );
    assert_eq!(e.completion_code(), Some(CompletionCode(0xd4)));
}

#[test]
fn ipmitool_wording_of_refusals() {
    let cases: Vec<(Action, NetFn, u8, u8, &str)> = vec![
        (Action::Mc(crate::families::mc::Action::Info), NetFn::APP, 1, 0xc1, "Get Device ID command failed: Invalid command (0xc1)"),
        (Action::Mc(crate::families::mc::Action::Reset(ResetKind::Warm)), NetFn::APP, 3, 0xc1, "MC reset command failed: Invalid command (0xc1)"),
        (Action::Chassis(crate::families::chassis::Action::Status), NetFn::CHASSIS, 1, 0xd4, "Error sending Chassis Status command: Insufficient privilege level (0xd4)"),
        (Action::Chassis(crate::families::chassis::Action::PowerStatus), NetFn::CHASSIS, 1, 0xc1, "Get Chassis Power Status failed: Invalid command (0xc1)"),
        (
            Action::Chassis(crate::families::chassis::Action::PowerControl(PowerAction::Up)),
            NetFn::CHASSIS,
            2,
            0xd4,
            "Set Chassis Power Control to Up/On failed: Insufficient privilege level (0xd4)",
        ),
        (
            Action::Raw(Raw { netfn: NetFn(6), cmd: 3, data: vec![] }),
            NetFn(6),
            3,
            0xc1,
            "Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0x3 rsp=0xc1): Invalid command",
        ),
        (
            Action::Raw(Raw { netfn: NetFn(0x30), cmd: 0xab, data: vec![] }),
            NetFn(0x30),
            0xab,
            0x81,
            "Unable to send RAW command (channel=0x0 netfn=0x30 lun=0x0 cmd=0xab rsp=0x81): Unknown (0x81)",
        ),
        (Action::Mc(crate::families::mc::Action::Info), NetFn::APP, 1, 0x81, "Get Device ID command failed: Unknown (0x81)"),
    ];
    for (action, netfn, cmd, cc, want) in cases {
        let (r, _) = go(&action, vec![answer(netfn, cmd, cc, &[])]);
        let e = r.unwrap_err();
        assert_eq!(e.to_string(), want);
        assert_eq!(e.exit_code(), 1);
    }
}

#[test]
fn bridged_refusals_name_the_channel_and_the_failed_delivery() {
    let raw = Action::Raw(Raw {
        netfn: NetFn(6),
        cmd: 1,
        data: vec![],
    });
    let far = Target::ipmb(6, 0x40);
    // ipmitool's words first, then what the code means.
    assert_eq!(
        completion_message(&raw, far, CompletionCode(0x83)),
        "Unable to send RAW command (channel=0x6 netfn=0x6 lun=0x0 cmd=0x1 rsp=0x83): Unknown (0x83) \
         [the BMC could not deliver the bridged request to IPMB address 0x40 on channel 6: \
         NAK on write, no controller answers at that address]"
    );
    assert_eq!(
        completion_message(
            &Action::Mc(crate::families::mc::Action::Info),
            far,
            CompletionCode(0xd3)
        ),
        "Get Device ID command failed: Destination unavailable (0xd3) [the BMC could not deliver \
         the bridged request to IPMB address 0x40 on channel 6: destination unavailable]"
    );
    // The target's own refusals are worded as without bridging.
    assert_eq!(
        completion_message(&raw, Target::ipmb(0, 0x30), CompletionCode(0xc1)),
        "Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0x1 rsp=0xc1): Invalid command"
    );
    assert_eq!(
        completion_message(
            &Action::Mc(crate::families::mc::Action::Info),
            Target::bmc(),
            CompletionCode(0x83)
        ),
        "Get Device ID command failed: Unknown (0x83)"
    );
    assert_eq!(
        raw.context(Target::ipmb(1, 0x30)),
        "Unable to send RAW command (channel=0x1 netfn=0x6 lun=0x0 cmd=0x1)"
    );
}

#[test]
fn transport_failures_keep_class_and_stage() {
    let (r, _) = go(
        &Action::Mc(crate::families::mc::Action::Info),
        vec![Err(MockError::Timeout)],
    );
    let e = r.unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert_eq!(e.stage(), Some("request netfn 0x06 cmd 0x01"));
    assert!(
        e.to_string()
            .starts_with("Get Device ID command failed: no answer"),
        "{e}"
    );
    let (r, _) = go(
        &Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold)),
        vec![Err(MockError::Timeout)],
    );
    assert!(r.unwrap_err().to_string().contains("may have been reset"));
}

#[test]
fn malformed_answers_are_protocol_errors() {
    let (r, _) = go(
        &Action::Mc(crate::families::mc::Action::Info),
        vec![answer(NetFn::APP, 1, 0, &[1, 2, 3])],
    );
    let e = r.unwrap_err();
    assert_eq!((e.class(), e.exit_code()), (ErrorClass::Protocol, 1));
    assert!(e.to_string().contains("too short"), "{e}");
    let (r, _) = go(
        &Action::Chassis(crate::families::chassis::Action::Status),
        vec![answer(NetFn::APP, 1, 0, &[1, 2, 3])],
    );
    assert_eq!(r.unwrap_err().class(), ErrorClass::Protocol);
}

/// ipmitool 1.8.19's captured standard output (tests/data/ipmitool/, see FORMATS.md there).
macro_rules! captured {
    ($name:literal) => {
        include_str!(concat!("../../tests/data/ipmitool/", $name, ".stdout"))
    };
}

/// Get Device ID data of the captured identities (from their `mc_add` lines;
/// `mc_info`'s is also the captured `raw 0x06 0x01` answer).
const MC_INFO: [u8; 15] = [
    0x00, 0x03, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 0, 0, 0, 0,
];
const MC_INFO_INTEL: [u8; 15] = [
    0x20, 0x85, 0x12, 0x34, 0x02, 0xff, 0x57, 0x01, 0x00, 0x28, 0x00, 0, 0, 0, 0,
];
const MC_INFO_DELL: [u8; 15] = [
    0x20, 0x01, 0x03, 0x30, 0x02, 0xbf, 0xa2, 0x02, 0x00, 0x00, 0x01, 0, 0, 0, 0,
];
const MC_INFO_UNKNOWN: [u8; 15] = [
    0x81, 0x0f, 0x7f, 0x0a, 0x02, 0x80, 0xfe, 0xff, 0x0f, 0xff, 0xff, 0, 0, 0, 0,
];
const MC_INFO_ZERO: [u8; 15] = [0x00, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

fn device(data: &[u8]) -> DeviceInfo {
    let r = Response {
        netfn: NetFn::APP.response(),
        cmd: 1,
        completion: CompletionCode(0),
        data: data.to_vec(),
    };
    DeviceInfo::new(GetDeviceId.decode(&r).unwrap(), data.to_vec())
}

fn chassis(data: &[u8]) -> ChassisStatus {
    GetChassisStatus
        .decode(&Response {
            netfn: NetFn::CHASSIS.response(),
            cmd: 1,
            completion: CompletionCode(0),
            data: data.to_vec(),
        })
        .unwrap()
}

/// Names as `mc info` finds them on this machine (the captures were made
/// with the system registry; the built-in table agrees for these IDs).
fn names(info: &DeviceInfo) -> Names {
    Names::lookup(
        info.manufacturer_id(),
        info.id.product_id,
        &manufacturers::registry_paths(None),
    )
}

fn mc_info_text(data: &[u8]) -> String {
    let info = device(data);
    String::from_utf8(text(&Old::DeviceId(info.clone()), Some(&names(&info)))).unwrap()
}

fn text_of(o: &Old) -> String {
    String::from_utf8(text(o, None)).unwrap()
}

fn raw(d: &[u8]) -> String {
    text_of(&Old::Raw(RawResponse {
        completion: CompletionCode(0),
        data: d.to_vec(),
    }))
}

#[test]
fn mc_info_matches_the_captures() {
    assert_eq!(mc_info_text(&MC_INFO), captured!("mc_info"));
    assert_eq!(mc_info_text(&MC_INFO_INTEL), captured!("mc_info_intel"));
    assert_eq!(mc_info_text(&MC_INFO_DELL), captured!("mc_info_dell"));
    assert_eq!(
        mc_info_text(&MC_INFO_UNKNOWN),
        captured!("mc_info_unknown_mfr")
    );
    assert_eq!(mc_info_text(&MC_INFO_ZERO), captured!("mc_info_zero"));
}

#[test]
fn mc_info_beyond_the_captures() {
    // 11 bytes: no aux lines; device unavailable; IPMI 1.5 (ipmitool's source formats).
    let t = mc_info_text(&[
        0x20, 0x81, 0xc9, 0x0a, 0x51, 0x00, 0x57, 0x01, 0x00, 0x28, 0x00,
    ]);
    let want = "Device ID                 : 32\nDevice Revision           : 1\n\
Firmware Revision         : 73.0a\nIPMI Version              : 1.5\nManufacturer ID           : 343\n\
Manufacturer Name         : Intel Corporation\nProduct ID                : 40 (0x0028)\n\
Product Name              : S5000PAL\nDevice Available          : no\nProvides Device SDRs      : yes\n\
Additional Device Support :\n";
    assert_eq!(t, want);
    // 16 bytes: ipmitool prints the aux lines only for exactly 15.
    let mut sixteen = MC_INFO.to_vec();
    sixteen.push(0x55);
    assert_eq!(
        mc_info_text(&sixteen),
        captured!("mc_info").split("Aux Firmware").next().unwrap()
    );
    // Reserved manufacturer bits 23:20 are printed, not masked (FORMATS.md: f00157).
    let mut reserved = MC_INFO_INTEL;
    reserved[8] = 0xf0;
    let t = mc_info_text(&reserved);
    assert!(t.contains("Manufacturer ID           : 15728983\nManufacturer Name         : Unknown (0xF00157)\n"), "{t}");
    assert!(
        t.contains("Product Name              : Unknown (0x28)\n"),
        "{t}"
    );
    // A Supermicro board ipmitool knows by name (checked live with ipmitool 1.8.19).
    let mut smc = MC_INFO;
    smc[6..11].copy_from_slice(&[0x7c, 0x2a, 0x00, 0x02, 0x00]);
    assert!(mc_info_text(&smc).contains("Product Name              : C2SLM-OC012\n"));
}

#[test]
fn chassis_outputs_match_the_captures() {
    assert_eq!(
        text_of(&Old::ChassisStatus(chassis(&[0, 0, 0]))),
        captured!("chassis_status")
    );
    assert_eq!(
        text_of(&Old::PowerStatus(chassis(&[0, 0, 0]))),
        captured!("chassis_power_status")
    );
    assert_eq!(
        text_of(&Old::PowerControl(PowerAction::Up)),
        captured!("chassis_power_on")
    );
    assert_eq!(
        text_of(&Old::PowerControl(PowerAction::Down)),
        captured!("chassis_power_off")
    );
    assert_eq!(
        text_of(&Old::PowerControl(PowerAction::Cycle)),
        captured!("chassis_power_cycle")
    );
    assert_eq!(
        text_of(&Old::PowerControl(PowerAction::HardReset)),
        captured!("chassis_power_reset")
    );
    assert_eq!(
        text_of(&Old::PowerControl(PowerAction::Soft)),
        captured!("chassis_power_soft")
    );
    assert_eq!(
        text_of(&Old::PowerControl(PowerAction::Diag)),
        "Chassis Power Control: Diag\n"
    );
    assert_eq!(
        text_of(&Old::PowerStatus(chassis(&[0x41, 0, 0]))),
        "Chassis Power is on\n"
    );
    // What ipmitool claims after a Cold Reset; ipmirs prints it only when accepted.
    assert_eq!(
        text_of(&Old::Reset(ResetKind::Cold)),
        captured!("mc_reset_cold")
    );
    assert_eq!(
        text_of(&Old::Reset(ResetKind::Warm)),
        "Sent warm reset command to MC\n"
    );
}

#[test]
fn chassis_status_bits_and_front_panel() {
    let t = text_of(&Old::ChassisStatus(chassis(&[0x7f, 0x1f, 0x0f, 0xa5])));
    let want = "System Power         : on\nPower Overload       : true\nPower Interlock      : active\n\
Main Power Fault     : true\nPower Control Fault  : true\nPower Restore Policy : unknown\n\
Last Power Event     : ac-failed overload interlock fault command\nChassis Intrusion    : active\n\
Front-Panel Lockout  : active\nDrive Fault          : true\nCooling/Fan Fault    : true\n\
Sleep Button Disable : allowed\nDiag Button Disable  : not allowed\nReset Button Disable : allowed\n\
Power Button Disable : not allowed\nSleep Button Disabled: false\nDiag Button Disabled : true\n\
Reset Button Disabled: false\nPower Button Disabled: true\n";
    assert_eq!(t, want);
    let t = text_of(&Old::ChassisStatus(chassis(&[0x21, 0x01, 0x00, 0x00])));
    assert!(
        t.contains("Power Restore Policy : previous\nLast Power Event     : ac-failed \n"),
        "{t}"
    );
    assert!(
        t.ends_with("Cooling/Fan Fault    : false\nFront Panel Control  : none\n"),
        "{t}"
    );
    let t = text_of(&Old::ChassisStatus(chassis(&[0x40, 0x10, 0x00])));
    assert!(
        t.contains("Power Restore Policy : always-on\nLast Power Event     : command\n"),
        "{t}"
    );
}

#[test]
fn raw_matches_the_captures() {
    assert_eq!(raw(&MC_INFO), captured!("raw_get_device_id"));
    assert_eq!(raw(&MC_INFO), captured!("raw_netfn_name"));
    assert_eq!(raw(&[0, 0, 0]), captured!("raw_chassis_status"));
    assert_eq!(raw(&[]), captured!("raw_chassis_control_empty"));
    let fru = |n: u8| std::iter::once(n).chain(0..n).collect::<Vec<u8>>();
    assert_eq!(raw(&fru(15)), captured!("raw_read_fru_15"));
    assert_eq!(raw(&fru(32)), captured!("raw_read_fru_32"));
}

#[test]
fn json_shapes() {
    let info = device(&MC_INFO);
    let j = String::from_utf8(json::outcome(
        &Old::DeviceId(info.clone()),
        Some(&names(&info)),
    ))
    .unwrap();
    assert_eq!(
        j,
        "{\"device_id\":0,\"device_revision\":3,\"firmware_revision\":\"9.08\",\"ipmi_version\":\"2.0\",\
\"manufacturer_id\":4753,\"manufacturer_name\":\"MontaVista Software, Inc.\",\"product_id\":3842,\
\"product_name\":null,\"device_available\":true,\"provides_device_sdrs\":false,\
\"additional_device_support\":[\"Sensor Device\",\"SDR Repository Device\",\"SEL Device\",\"FRU Inventory Device\",\
\"IPMB Event Receiver\",\"Chassis Device\"],\"aux_firmware_revision\":[0,0,0,0]}\n"
    );
    let info = device(&MC_INFO_INTEL);
    let v: serde_json::Value = serde_json::from_slice(&json::outcome(
        &Old::DeviceId(info.clone()),
        Some(&names(&info)),
    ))
    .unwrap();
    assert_eq!(v["product_name"], "S5000PAL");
    assert_eq!(v["firmware_revision"], "18.34");
    let j = String::from_utf8(json::outcome(
        &Old::ChassisStatus(chassis(&[0x21, 0x11, 0x00])),
        None,
    ))
    .unwrap();
    assert_eq!(
        j,
        "{\"power\":\"on\",\"power_overload\":false,\"power_interlock\":false,\"main_power_fault\":false,\
\"power_control_fault\":false,\"power_restore_policy\":\"previous\",\"last_power_event\":[\"ac-failed\",\"command\"],\
\"chassis_intrusion\":false,\"front_panel_lockout\":false,\"drive_fault\":false,\"cooling_fan_fault\":false,\
\"front_panel\":null}\n"
    );
    let j = String::from_utf8(json::outcome(
        &Old::Raw(RawResponse {
            completion: CompletionCode(0),
            data: vec![1, 255],
        }),
        None,
    ))
    .unwrap();
    assert_eq!(j, "{\"completion_code\":0,\"data\":[1,255]}\n");
    let e = crate::exit::CliError::Usage("bad".into());
    assert_eq!(
        String::from_utf8(json::error(&e)).unwrap(),
        "{\"error\":\"bad\",\"kind\":\"usage\",\"exit_code\":2,\"stage\":null}\n"
    );
    let e = crate::exit::CliError::Completion {
        message: "m".into(),
        code: CompletionCode(0xd4),
    };
    assert_eq!(
        String::from_utf8(json::error(&e)).unwrap(),
        "{\"error\":\"m\",\"kind\":\"bmc\",\"exit_code\":1,\"stage\":null,\"completion_code\":212}\n"
    );
}

#[test]
fn names_known_and_unknown() {
    let none = [std::path::PathBuf::from("/nonexistent/ipmirs")];
    let n = Names::lookup(10876, 0x0002, &none);
    assert!(n.manufacturer_known && n.product_known);
    assert_eq!(n.product, "C2SLM-OC012");
    let n = Names::lookup(0, 0, &none);
    assert_eq!(n.manufacturer, b"Unknown");
    assert!(!n.manufacturer_known);
    let n = Names::lookup(12345, 7, &none);
    assert!(!n.manufacturer_known && !n.product_known);
    assert_eq!(
        (n.manufacturer.as_slice(), n.product.as_str()),
        (&b"Unknown (0x3039)"[..], "Unknown (0x07)")
    );
}
