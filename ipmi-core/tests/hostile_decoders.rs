//! What a hostile BMC can put in a response never panics the command
//! layer and never decodes into a success it is not: every decoder of
//! `ipmi_core::cmd` under every completion code and data of every length
//! up to past its need, answers to other commands, and the LAN message
//! framing under every single-byte change (always caught) and truncation
//! (caught unless the cut lands on a byte that happens to checksum: the
//! 8-bit checksums cannot do better) (IPMI 2.0 §5.2, §13.8).

use ipmi_core::cmd::boot::{BootParam, GetSystemBootOptions, SetSystemBootOptions};
use ipmi_core::cmd::channel::{
    AccessSet, CipherSuiteRecord, GetChannelAccess, GetChannelCipherSuites, GetChannelInfo,
};
use ipmi_core::cmd::chassis_ops::{
    ChassisIdentify, GetPohCounter, GetSystemRestartCause, SetPowerRestorePolicy,
};
use ipmi_core::cmd::dcmi::{GetDcmiCapabilities, GetMcIdString, GetPowerReading};
use ipmi_core::cmd::lan_config::{GetLanConfig, LanParam, SetLanConfig};
use ipmi_core::cmd::mc::{
    GetBmcGlobalEnables, GetDeviceGuid, GetSelfTestResults, GetSystemGuid, Guid, GuidEncoding,
};
use ipmi_core::cmd::session_info::{GetSessionInfo, SessionSelector};
use ipmi_core::cmd::sysinfo::{
    assemble_string, string_set_count, GetSystemInfoParameters, SetSystemInfoParameters,
};
use ipmi_core::cmd::user::{
    GetUserAccess, GetUserName, PasswordOp, PrivilegeLimit, SetUserAccess, SetUserName,
    SetUserPassword,
};
use ipmi_core::cmd::watchdog::{GetWatchdogTimer, ResetWatchdogTimer, SetWatchdogTimer};
use ipmi_core::cmd::{
    ChassisControl, CloseSession, ColdReset, GetChannelAuthCapabilities, GetChassisStatus,
    GetDeviceId, PowerAction, Raw, SetSessionPrivilegeLevel, WarmReset,
};
use ipmi_core::wire::lan_message::{checksum, LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::{
    Command, CommandError, CompletionCode, ErrorClass, Failure, NetFn, PrivilegeLevel, Request,
    Response, Target,
};

mod common;

use common::Rng;

/// Checks `cmd`'s decoder against every completion code and data lengths
/// 0..=need+4, with random data and with the wrong NetFn and command.
fn hostile<C: Command>(cmd: &C, need: usize, rng: &mut Rng) -> usize {
    let mut decoded = 0;
    for cc in 0..=255u8 {
        for len in 0..=need + 4 {
            let data = rng.bytes(len);
            let r = Response {
                netfn: cmd.netfn().response(),
                cmd: cmd.cmd(),
                completion: CompletionCode(cc),
                data: data.clone(),
            };
            match cmd.decode(&r) {
                Ok(_) => {
                    assert_eq!(cc, 0, "{}: decoded code {cc:#x}", cmd.name());
                    assert!(len >= need, "{}: decoded {len} bytes", cmd.name());
                    decoded += 1;
                }
                Err(CommandError::Completion { code, .. }) => assert_eq!(code.0, cc),
                Err(CommandError::ShortResponse { need: n, got, .. }) => {
                    assert_eq!((cc, n, got), (0, need, len), "{}", cmd.name());
                }
                Err(e @ CommandError::InvalidField { .. }) => {
                    assert_eq!(cc, 0, "{e}");
                    assert_eq!(e.class(), ErrorClass::Protocol);
                }
                Err(e) => panic!("{}: {e}", cmd.name()),
            }
            // The same bytes as the answer to another command or NetFn.
            for (netfn, c) in [
                (cmd.netfn(), cmd.cmd()),
                (NetFn(cmd.netfn().0 ^ 2).response(), cmd.cmd()),
                (cmd.netfn().response(), cmd.cmd() ^ 1),
            ] {
                let other = Response {
                    netfn,
                    cmd: c,
                    ..r.clone()
                };
                let Err(e) = cmd.decode(&other) else {
                    panic!("{}: decoded another command's answer", cmd.name());
                };
                assert!(matches!(e, CommandError::Mismatch { .. }), "{e}");
                assert_eq!(e.class(), ErrorClass::Protocol);
                assert!(e.to_string().starts_with(cmd.name()));
            }
        }
    }
    decoded
}

#[test]
fn every_decoder_under_every_completion_code_and_length() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    assert!(hostile(&GetDeviceId, 11, &mut rng) > 0);
    assert!(hostile(&ColdReset, 0, &mut rng) > 0);
    assert!(hostile(&WarmReset, 0, &mut rng) > 0);
    assert!(hostile(&GetChassisStatus, 3, &mut rng) > 0);
    assert!(hostile(&ChassisControl(PowerAction::Cycle), 0, &mut rng) > 0);
    let caps = GetChannelAuthCapabilities {
        channel: 0x0e,
        privilege: PrivilegeLevel::Administrator,
        ipmi_v2: true,
    };
    assert!(hostile(&caps, 8, &mut rng) > 0);
    assert!(
        hostile(
            &SetSessionPrivilegeLevel(PrivilegeLevel::Operator),
            1,
            &mut rng
        ) > 0
    );
    assert!(hostile(&CloseSession { session_id: 7 }, 0, &mut rng) > 0);
    sdr_and_sensor_decoders(&mut rng);
}

/// The SDR repository and sensor commands (IPMI 2.0 §33, §35).
fn sdr_and_sensor_decoders(rng: &mut Rng) {
    use ipmi_core::cmd::{
        GetDeviceSdrInfo, GetSdr, GetSdrRepositoryInfo, GetSensorEvents, GetSensorHysteresis,
        GetSensorReading, GetSensorReadingFactors, GetSensorThresholds, RecordStore, Reserve,
    };
    let get = |store| GetSdr {
        store,
        reservation: 1,
        record_id: 2,
        offset: 0,
        count: 0xff,
    };
    assert!(hostile(&GetSdrRepositoryInfo, 14, rng) > 0);
    assert!(hostile(&GetDeviceSdrInfo { sdr_count: true }, 2, rng) > 0);
    for store in [
        RecordStore::SDR_REPOSITORY,
        RecordStore::DEVICE_SDR,
        RecordStore::SEL,
    ] {
        assert!(hostile(&Reserve(store), 2, rng) > 0);
        assert!(hostile(&get(store), 2, rng) > 0);
    }
    assert!(hostile(&GetSensorReading(0xbe), 2, rng) > 0);
    assert!(hostile(&GetSensorThresholds(1), 7, rng) > 0);
    assert!(hostile(&GetSensorHysteresis(1), 2, rng) > 0);
    for status in [false, true] {
        assert!(hostile(&GetSensorEvents { number: 1, status }, 1, rng) > 0);
    }
    assert!(
        hostile(
            &GetSensorReadingFactors {
                number: 1,
                reading: 0
            },
            7,
            rng
        ) > 0
    );
}

#[test]
fn every_admin_decoder_under_every_completion_code_and_length() {
    let mut rng = Rng(0x5EED_AD31);
    let r = &mut rng;
    // Chassis (IPMI 2.0 §28).
    assert!(hostile(&GetSystemBootOptions::new(5), 2, r) > 0);
    let set = SetSystemBootOptions::new(BootParam::Other(3, vec![0x1f]));
    assert!(hostile(&set, 0, r) > 0);
    assert!(hostile(&ChassisIdentify::default(), 0, r) > 0);
    assert!(hostile(&SetPowerRestorePolicy(None), 1, r) > 0);
    assert!(hostile(&GetSystemRestartCause, 2, r) > 0);
    assert!(hostile(&GetPohCounter, 5, r) > 0);
    // MC and watchdog (§20, §22, §27).
    assert!(hostile(&GetDeviceGuid, 16, r) > 0);
    assert!(hostile(&GetSystemGuid, 16, r) > 0);
    assert!(hostile(&GetSelfTestResults, 2, r) > 0);
    assert!(hostile(&GetBmcGlobalEnables, 1, r) > 0);
    assert!(hostile(&GetWatchdogTimer, 6, r) > 0);
    assert!(hostile(&ResetWatchdogTimer, 0, r) > 0);
    assert!(hostile(&SetWatchdogTimer::off(), 0, r) > 0);
    assert!(hostile(&GetSystemInfoParameters::new(1, 0), 1, r) > 0);
    let set = SetSystemInfoParameters {
        param: 2,
        data: vec![0, 0, 1, b'x'],
    };
    assert!(hostile(&set, 0, r) > 0);
    // DCMI: random data almost never starts with the group extension DCh,
    // so successes are rare here; the valid answers are unit-tested.
    hostile(&GetDcmiCapabilities { selector: 1 }, 4, r);
    hostile(&GetPowerReading::default(), 18, r);
    hostile(
        &GetMcIdString {
            offset: 0,
            count: 16,
        },
        2,
        r,
    );
    // LAN, users, channels, sessions (§22, §23).
    assert!(hostile(&GetLanConfig::new(1, 3), 1, r) > 0);
    let set = SetLanConfig {
        channel: 1,
        param: LanParam::VlanPriority(3),
    };
    assert!(hostile(&set, 0, r) > 0);
    let ua = GetUserAccess {
        channel: 1,
        user_id: 2,
    };
    assert!(hostile(&ua, 4, r) > 0);
    let sa = SetUserAccess {
        channel: 1,
        user_id: 2,
        change_bits: false,
        callback_only: false,
        link_auth: false,
        ipmi_messaging: false,
        privilege_limit: PrivilegeLimit(4),
        session_limit: None,
    };
    assert!(hostile(&sa, 0, r) > 0);
    assert!(hostile(&GetUserName { user_id: 2 }, 16, r) > 0);
    assert!(hostile(&SetUserName::new(2, "admin").unwrap(), 0, r) > 0);
    let pw = SetUserPassword {
        user_id: 2,
        op: PasswordOp::EnableUser,
    };
    assert!(hostile(&pw, 0, r) > 0);
    assert!(hostile(&GetChannelInfo { channel: 0x0e }, 9, r) > 0);
    let access = GetChannelAccess {
        channel: 1,
        which: AccessSet::Volatile,
    };
    assert!(hostile(&access, 2, r) > 0);
    assert!(hostile(&GetChannelCipherSuites::records(0x0e, 0), 1, r) > 0);
    for s in [
        SessionSelector::Current,
        SessionSelector::Index(1),
        SessionSelector::Handle(1),
        SessionSelector::Id(1),
    ] {
        assert!(hostile(&GetSessionInfo(s), 3, r) > 0);
    }
}

#[test]
fn typed_parameter_parsers_never_panic() {
    let mut rng = Rng(0xC0FF_EE11);
    for selector in 0..=255u8 {
        for len in 0..24 {
            let d = rng.bytes(len);
            if let Some(p) = BootParam::parse(selector, &d) {
                let mut out = Vec::new();
                p.encode_data(&mut out);
                assert_eq!(p.selector(), selector & 0x7f);
            }
            if let Some(p) = LanParam::parse(selector, &d) {
                let mut out = Vec::new();
                p.encode_data(&mut out);
                assert_eq!(p.selector(), selector);
            }
            let _ = SetSystemBootOptions::parse_request(&d);
            let _ = SetLanConfig::parse_request(&d);
            let _ = SetUserPassword::parse_request(&d);
            let _ = SetUserAccess::parse_request(&d);
            let _ = SetUserName::parse_request(&d);
            let _ = SetWatchdogTimer::parse_request(&d);
            let _ = GetChannelCipherSuites::parse_request(&d);
            let _ = CipherSuiteRecord::parse_list(&d);
            let _ = (
                GetSystemBootOptions::parse_request(&d),
                GetLanConfig::parse_request(&d),
                GetSystemInfoParameters::parse_request(&d),
                SetSystemInfoParameters::parse_request(&d),
                GetUserAccess::parse_request(&d),
                GetUserName::parse_request(&d),
                GetChannelInfo::parse_request(&d),
                GetChannelAccess::parse_request(&d),
                GetSessionInfo::parse_request(&d),
                GetDcmiCapabilities::parse_request(&d),
                GetPowerReading::parse_request(&d),
                GetMcIdString::parse_request(&d),
                SetPowerRestorePolicy::parse_request(&d),
                ChassisIdentify::parse_request(&d),
            );

            let _ = (
                string_set_count(&d),
                assemble_string(&[d.clone(), d.clone()]),
            );
        }
    }
    for _ in 0..10_000 {
        let g = Guid(rng.bytes(16).try_into().unwrap());
        let _ = g.detect(rng.next() as i64);
        for e in [
            GuidEncoding::Ipmi,
            GuidEncoding::Rfc4122,
            GuidEncoding::Smbios,
        ] {
            let f = g.fields(e);
            assert_eq!(f.to_string().len(), 36);
            let _ = f.unix_time();
        }
    }
}

#[test]
fn fru_and_sel_decoders_under_every_completion_code_and_length() {
    use ipmi_core::cmd::{fru, sel, GetSdr, RecordStore, Reserve};
    let mut rng = Rng(0xF00D);
    assert!(hostile(&fru::GetFruInventoryAreaInfo { device_id: 0 }, 3, &mut rng) > 0);
    let read = fru::ReadFruData {
        device_id: 0,
        offset: 0,
        count: 2,
    };
    // Random count bytes rarely match the bytes after them: refused as
    // InvalidField, which `hostile` accepts.
    hostile(&read, 1, &mut rng);
    let write = fru::WriteFruData {
        device_id: 0,
        offset: 0,
        data: vec![1],
    };
    assert!(hostile(&write, 1, &mut rng) > 0);
    assert!(hostile(&sel::GetSelInfo, 14, &mut rng) > 0);
    assert!(hostile(&sel::GetSelAllocationInfo, 9, &mut rng) > 0);
    assert!(hostile(&Reserve(RecordStore::SEL), 2, &mut rng) > 0);
    assert!(hostile(&GetSdr::whole(RecordStore::SEL, 0), 2, &mut rng) > 0);
    assert!(
        hostile(
            &sel::DeleteSelEntry {
                reservation: 1,
                record_id: 2
            },
            2,
            &mut rng
        ) > 0
    );
    let clear = sel::ClearSel {
        reservation: 1,
        action: sel::ClearAction::GetStatus,
    };
    assert!(hostile(&clear, 1, &mut rng) > 0);
    assert!(hostile(&sel::GetSelTime, 4, &mut rng) > 0);
    assert!(hostile(&sel::SetSelTime { time: 0 }, 0, &mut rng) > 0);
}

#[test]
fn raw_keeps_any_code_but_never_another_commands_answer() {
    let raw = Raw {
        netfn: NetFn::APP,
        cmd: 0x38,
        data: vec![0x8e, 0x04],
    };
    let mut rng = Rng(7);
    for cc in 0..=255u8 {
        let data = rng.bytes(usize::from(cc) % 40);
        let r = Response {
            netfn: NetFn::APP.response(),
            cmd: 0x38,
            completion: CompletionCode(cc),
            data: data.clone(),
        };
        let out = raw.decode(&r).unwrap();
        assert_eq!((out.completion.0, out.data), (cc, data));
        let other = Response {
            cmd: 0x39,
            ..r.clone()
        };
        assert!(matches!(
            raw.decode(&other),
            Err(CommandError::Mismatch { .. })
        ));
    }
}

#[test]
fn invalid_privilege_levels_are_refused() {
    for level in 0..=255u8 {
        let r = Response {
            netfn: NetFn::APP.response(),
            cmd: 0x3b,
            completion: CompletionCode::SUCCESS,
            data: vec![level],
        };
        let got = SetSessionPrivilegeLevel(PrivilegeLevel::User).decode(&r);
        match PrivilegeLevel::from_u8(level) {
            Some(p) => assert_eq!(got, Ok(p)),
            None => assert!(matches!(got, Err(CommandError::InvalidField { .. }))),
        }
    }
}

#[test]
fn every_completion_code_has_words() {
    for cc in 0..=255u8 {
        let c = CompletionCode(cc);
        let text = c.to_string();
        assert!(!text.is_empty());
        assert_eq!(c.description().is_some(), !text.starts_with("Unknown ("));
    }
}

fn framed(body: &[u8], seq: u8) -> Vec<u8> {
    let request = Request {
        target: Target::ipmb(0, 0x20),
        netfn: NetFn::CHASSIS,
        cmd: 0x02,
        data: body.to_vec(),
    };
    let mut out = Vec::new();
    LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, seq).emit(&mut out);
    out
}

#[test]
fn every_single_byte_change_and_truncation_of_a_message_is_caught() {
    let mut rng = Rng(11);
    let (mut truncations, mut truncations_accepted) = (0, 0);
    for len in 0..40 {
        let good = framed(&rng.bytes(len), len as u8);
        let m = LanMessage::parse(&good).unwrap();
        assert_eq!(m.body.len(), len);
        for i in 0..good.len() {
            for x in 1..=255u8 {
                let mut bad = good.clone();
                bad[i] ^= x;
                assert!(
                    LanMessage::parse(&bad).is_err(),
                    "byte {i} ^ {x:#x} of a {len}-byte body accepted"
                );
            }
        }
        // A cut message parses only when its new last byte happens to be
        // the checksum of what precedes it (about 1 in 256): a shorter
        // message, never the original one.
        for n in 0..good.len() {
            if let Ok(cut) = LanMessage::parse(&good[..n]) {
                assert!(cut.body.len() < len, "cut at {n}");
                truncations_accepted += 1;
            }
            truncations += 1;
        }
    }
    assert!(
        truncations_accepted * 50 < truncations,
        "{truncations_accepted} of {truncations} cuts parsed"
    );
}

#[test]
fn random_buffers_never_panic_and_what_parses_re_emits() {
    let mut rng = Rng(0xDEAD_BEEF);
    let mut parsed = 0;
    for i in 0..200_000 {
        let len = (rng.next() % 48) as usize;
        let mut b = rng.bytes(len);
        if i % 2 == 0 && b.len() >= 7 {
            // Make both checksums right so framing parses; the rest is random.
            b[2] = checksum(&b[..2]);
            let last = b.len() - 1;
            b[last] = checksum(&b[3..last]);
        }
        if let Ok(m) = LanMessage::parse(&b) {
            parsed += 1;
            let mut out = Vec::new();
            m.emit(&mut out);
            assert_eq!(out, b);
            match m.to_response() {
                Some(r) => assert_eq!(Some(r.completion.0), m.body.first().copied()),
                None => assert!(m.body.is_empty()),
            }
        }
    }
    assert!(parsed > 50_000, "{parsed}");
}
