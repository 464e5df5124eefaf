//! Every request a responder must read back parses into the command that
//! encoded it, and malformed request data is refused rather than guessed:
//! the client and the virtual BMC share one byte layout per command
//! (IPMI 2.0 §22, §23, §27, §28; DCMI 1.5 §6).

use ipmi_core::cmd::boot::{
    set_boot_flags_sequence, BootDevice, BootFlags, GetSystemBootOptions, SetSystemBootOptions,
};
use ipmi_core::cmd::channel::{
    AccessSet, GetChannelAccess, GetChannelCipherSuites, GetChannelInfo,
};
use ipmi_core::cmd::chassis_ops::{ChassisIdentify, SetPowerRestorePolicy};
use ipmi_core::cmd::dcmi::{GetDcmiCapabilities, GetMcIdString, GetPowerReading};
use ipmi_core::cmd::lan_config::{set_lan_sequence, GetLanConfig, LanParam, SetLanConfig};
use ipmi_core::cmd::session_info::{GetSessionInfo, SessionSelector};
use ipmi_core::cmd::sysinfo::{string_sets, GetSystemInfoParameters, SetSystemInfoParameters};
use ipmi_core::cmd::user::{
    GetUserAccess, GetUserName, Password, PasswordOp, SetUserAccess, SetUserName, SetUserPassword,
};
use ipmi_core::cmd::watchdog::SetWatchdogTimer;
use ipmi_core::Command;

/// `cmd`'s request data parses back into `cmd`, and every strict prefix
/// of it is refused (each layout here has a fixed or self-described length).
fn round_trip<C, F>(cmd: &C, parse: F)
where
    C: Command + PartialEq + std::fmt::Debug,
    F: Fn(&[u8]) -> Option<C>,
{
    let data = cmd.request().data;
    assert_eq!(
        parse(&data).as_ref(),
        Some(cmd),
        "{} {data:02x?}",
        cmd.name()
    );
    for n in 0..data.len() {
        assert!(
            parse(&data[..n]).is_none(),
            "{}: prefix {n} accepted",
            cmd.name()
        );
    }
}

#[test]
fn chassis_and_boot() {
    for c in set_boot_flags_sequence(BootFlags::boot_once(BootDevice::Pxe)) {
        round_trip(&c, SetSystemBootOptions::parse_request);
    }
    round_trip(
        &GetSystemBootOptions::new(5),
        GetSystemBootOptions::parse_request,
    );
    for p in [
        None,
        Some("always-on"),
        Some("previous"),
        Some("always-off"),
    ] {
        let c = SetPowerRestorePolicy::from_word(p.unwrap_or("list")).unwrap();
        round_trip(&c, SetPowerRestorePolicy::parse_request);
    }
    // Identify's bytes are all optional: each form reads back.
    for c in [
        ChassisIdentify::default(),
        ChassisIdentify {
            interval: Some(30),
            force: false,
        },
        ChassisIdentify {
            interval: Some(0),
            force: true,
        },
    ] {
        assert_eq!(ChassisIdentify::parse_request(&c.request().data), c);
    }
}

#[test]
fn mc_watchdog_sysinfo() {
    round_trip(&SetWatchdogTimer::off(), SetWatchdogTimer::parse_request);
    round_trip(
        &GetSystemInfoParameters::new(1, 2),
        GetSystemInfoParameters::parse_request,
    );
    for data in string_sets(0, b"ipmirs firmware 1.2.3 (build 42)", 4) {
        let c = SetSystemInfoParameters { param: 1, data };
        assert_eq!(
            SetSystemInfoParameters::parse_request(&c.request().data),
            Some(c)
        );
    }
    assert_eq!(SetSystemInfoParameters::parse_request(&[]), None);
}

#[test]
fn dcmi() {
    round_trip(
        &GetDcmiCapabilities { selector: 1 },
        GetDcmiCapabilities::parse_request,
    );
    round_trip(&GetPowerReading::default(), GetPowerReading::parse_request);
    round_trip(
        &GetPowerReading {
            rolling_period: Some(0x41),
        },
        GetPowerReading::parse_request,
    );
    round_trip(
        &GetMcIdString {
            offset: 16,
            count: 7,
        },
        GetMcIdString::parse_request,
    );
    // Without the group extension byte it is not a DCMI request.
    assert_eq!(GetMcIdString::parse_request(&[0xdd, 0, 16]), None);
}

#[test]
fn lan_users_channels_sessions() {
    round_trip(&GetLanConfig::new(1, 3), GetLanConfig::parse_request);
    let params = vec![
        LanParam::IpAddress([10, 0, 0, 9].into()),
        LanParam::SubnetMask([255, 255, 0, 0].into()),
        LanParam::DefaultGatewayIp([10, 0, 0, 1].into()),
        LanParam::VlanId(Some(100)),
    ];
    for c in set_lan_sequence(1, params) {
        round_trip(&c, SetLanConfig::parse_request);
    }
    round_trip(
        &GetUserAccess {
            channel: 1,
            user_id: 3,
        },
        GetUserAccess::parse_request,
    );
    round_trip(&GetUserName { user_id: 3 }, GetUserName::parse_request);
    let name = SetUserName::new(3, "operator").unwrap();
    assert_eq!(
        SetUserName::parse_request(&name.request().data),
        Some((3, "operator".to_string()))
    );
    let access = SetUserAccess {
        channel: 1,
        user_id: 3,
        change_bits: true,
        callback_only: false,
        link_auth: true,
        ipmi_messaging: true,
        privilege_limit: ipmi_core::PrivilegeLevel::Operator.into(),
        session_limit: None,
    };
    round_trip(&access, SetUserAccess::parse_request);
    for twenty in [false, true] {
        let pw = Password::new(b"hunter2", twenty).unwrap();
        for op in [
            PasswordOp::Set(pw.clone()),
            PasswordOp::Test(pw.clone()),
            PasswordOp::EnableUser,
            PasswordOp::DisableUser,
        ] {
            round_trip(
                &SetUserPassword { user_id: 3, op },
                SetUserPassword::parse_request,
            );
        }
    }
    round_trip(
        &GetChannelInfo { channel: 1 },
        GetChannelInfo::parse_request,
    );
    for which in [AccessSet::Volatile, AccessSet::NonVolatile] {
        round_trip(
            &GetChannelAccess { channel: 1, which },
            GetChannelAccess::parse_request,
        );
    }
    assert_eq!(GetChannelAccess::parse_request(&[1, 0xc0]), None);
    round_trip(
        &GetChannelCipherSuites::records(0x0e, 2),
        GetChannelCipherSuites::parse_request,
    );
    for s in [
        SessionSelector::Current,
        SessionSelector::Index(5),
        SessionSelector::Handle(0x81),
        SessionSelector::Id(0xdead_beef),
    ] {
        round_trip(&GetSessionInfo(s), GetSessionInfo::parse_request);
    }
    assert_eq!(GetSessionInfo::parse_request(&[0x40]), None);
}
