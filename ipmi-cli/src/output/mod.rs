//! What `ipmirs` prints on standard output: ipmitool 1.8.19's text, byte
//! for byte ([`mc`], [`chassis`], [`raw`]), or one JSON object ([`json`]).

pub mod chassis;
pub mod json;
pub mod mc;
pub mod raw;

use crate::actions::Outcome;
use crate::manufacturers;

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
    pub fn lookup(manufacturer: u32, product: u16, registries: &[std::path::PathBuf]) -> Names {
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

/// ipmitool's standard output for a successful outcome. `names` is needed
/// for [`Outcome::DeviceId`] only.
pub fn text(outcome: &Outcome, names: Option<&Names>) -> Vec<u8> {
    match outcome {
        Outcome::DeviceId(info) => {
            let n = names.expect("mc info needs the names");
            mc::device_id(info, &n.manufacturer, &n.product)
        }
        Outcome::Reset(kind) => mc::reset(*kind),
        Outcome::ChassisStatus(s) => chassis::status(s),
        Outcome::PowerStatus(s) => chassis::power_status(s),
        Outcome::PowerControl(a) => chassis::power_control(*a),
        Outcome::Raw(r) => raw::response(&r.data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::DeviceInfo;
    use crate::args::ResetKind;
    use ipmi_core::cmd::{ChassisStatus, GetChassisStatus, GetDeviceId, PowerAction, RawResponse};
    use ipmi_core::{Command, CompletionCode, NetFn, Response};

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
        String::from_utf8(text(&Outcome::DeviceId(info.clone()), Some(&names(&info)))).unwrap()
    }

    fn text_of(o: &Outcome) -> String {
        String::from_utf8(text(o, None)).unwrap()
    }

    fn raw(d: &[u8]) -> String {
        text_of(&Outcome::Raw(RawResponse {
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
            text_of(&Outcome::ChassisStatus(chassis(&[0, 0, 0]))),
            captured!("chassis_status")
        );
        assert_eq!(
            text_of(&Outcome::PowerStatus(chassis(&[0, 0, 0]))),
            captured!("chassis_power_status")
        );
        assert_eq!(
            text_of(&Outcome::PowerControl(PowerAction::Up)),
            captured!("chassis_power_on")
        );
        assert_eq!(
            text_of(&Outcome::PowerControl(PowerAction::Down)),
            captured!("chassis_power_off")
        );
        assert_eq!(
            text_of(&Outcome::PowerControl(PowerAction::Cycle)),
            captured!("chassis_power_cycle")
        );
        assert_eq!(
            text_of(&Outcome::PowerControl(PowerAction::HardReset)),
            captured!("chassis_power_reset")
        );
        assert_eq!(
            text_of(&Outcome::PowerControl(PowerAction::Soft)),
            captured!("chassis_power_soft")
        );
        assert_eq!(
            text_of(&Outcome::PowerControl(PowerAction::Diag)),
            "Chassis Power Control: Diag\n"
        );
        assert_eq!(
            text_of(&Outcome::PowerStatus(chassis(&[0x41, 0, 0]))),
            "Chassis Power is on\n"
        );
        // What ipmitool claims after a Cold Reset; ipmirs prints it only when accepted.
        assert_eq!(
            text_of(&Outcome::Reset(ResetKind::Cold)),
            captured!("mc_reset_cold")
        );
        assert_eq!(
            text_of(&Outcome::Reset(ResetKind::Warm)),
            "Sent warm reset command to MC\n"
        );
    }

    #[test]
    fn chassis_status_bits_and_front_panel() {
        let t = text_of(&Outcome::ChassisStatus(chassis(&[0x7f, 0x1f, 0x0f, 0xa5])));
        let want = "System Power         : on\nPower Overload       : true\nPower Interlock      : active\n\
Main Power Fault     : true\nPower Control Fault  : true\nPower Restore Policy : unknown\n\
Last Power Event     : ac-failed overload interlock fault command\nChassis Intrusion    : active\n\
Front-Panel Lockout  : active\nDrive Fault          : true\nCooling/Fan Fault    : true\n\
Sleep Button Disable : allowed\nDiag Button Disable  : not allowed\nReset Button Disable : allowed\n\
Power Button Disable : not allowed\nSleep Button Disabled: false\nDiag Button Disabled : true\n\
Reset Button Disabled: false\nPower Button Disabled: true\n";
        assert_eq!(t, want);
        let t = text_of(&Outcome::ChassisStatus(chassis(&[0x21, 0x01, 0x00, 0x00])));
        assert!(
            t.contains("Power Restore Policy : previous\nLast Power Event     : ac-failed \n"),
            "{t}"
        );
        assert!(
            t.ends_with("Cooling/Fan Fault    : false\nFront Panel Control  : none\n"),
            "{t}"
        );
        let t = text_of(&Outcome::ChassisStatus(chassis(&[0x40, 0x10, 0x00])));
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
            &Outcome::DeviceId(info.clone()),
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
            &Outcome::DeviceId(info.clone()),
            Some(&names(&info)),
        ))
        .unwrap();
        assert_eq!(v["product_name"], "S5000PAL");
        assert_eq!(v["firmware_revision"], "18.34");
        let j = String::from_utf8(json::outcome(
            &Outcome::ChassisStatus(chassis(&[0x21, 0x11, 0x00])),
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
            &Outcome::Raw(RawResponse {
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
}
