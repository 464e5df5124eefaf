//! Our own client against the simulated BMC on a virtual network
//! (ipmirs_test_support::inmemory), for each of issue 14's commands: typed
//! ipmi-core commands change the state and read it back, and virtual time
//! (never the wall clock) drives the POH counter, identify, the watchdog and
//! the DCMI power readings, so the figures are exact.

use std::net::Ipv4Addr;
use std::time::Duration;

use ipmi_core::cmd::boot::{
    set_boot_flags_sequence, BootDevice, BootFlags, BootParam, GetSystemBootOptions, SetInProgress,
    SetSystemBootOptions,
};
use ipmi_core::cmd::channel::{
    AccessSet, CipherSuiteRecord, GetChannelAccess, GetChannelCipherSuites, GetChannelInfo,
};
use ipmi_core::cmd::chassis_ops::{
    ChassisIdentify, GetPohCounter, GetSystemRestartCause, SetPowerRestorePolicy,
};
use ipmi_core::cmd::dcmi::{GetDcmiCapabilities, GetMcIdString, GetPowerReading, SetMcIdString};
use ipmi_core::cmd::lan_config::{set_lan_sequence, GetLanConfig, LanParam, SetLanConfig};
use ipmi_core::cmd::mc::{GetBmcGlobalEnables, GetDeviceGuid, GetSelfTestResults, GetSystemGuid};
use ipmi_core::cmd::session_info::{GetSessionInfo, SessionSelector};
use ipmi_core::cmd::sysinfo::{
    assemble_string, string_sets, GetSystemInfoParameters, SetSystemInfoParameters,
};
use ipmi_core::cmd::user::{
    GetUserAccess, GetUserName, Password, PasswordOp, PrivilegeLimit, SetUserAccess, SetUserName,
    SetUserPassword,
};
use ipmi_core::cmd::watchdog::{
    GetWatchdogTimer, PreTimeoutInterrupt, ResetWatchdogTimer, SetWatchdogTimer, TimeoutAction,
    TimerUse,
};
use ipmi_core::cmd::{ChassisControl, GetChassisStatus, PowerAction, PowerRestorePolicy};
use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User, DEFAULT_GUID};
use ipmi_lanplus::ClientConfig;
use ipmirs_test_support::inmemory::{cc, Link, Net};

const SECOND: Duration = Duration::from_secs(1);

fn net() -> (Net, usize) {
    let config = ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator))
        .user(User::new("user", "userpw", PrivilegeLevel::User))
        .idle_timeout(Duration::from_secs(24 * 3600));
    let mut net = Net::new(config, Link::perfect(), 14);
    let c = net.add_client(ClientConfig::new("admin", "secret"));
    net.connect(c, SECOND).unwrap();
    (net, c)
}

#[test]
fn power_reading_moves_with_virtual_time() {
    let (mut net, c) = net();
    let r = net.execute(c, &GetPowerReading::default(), SECOND).unwrap();
    assert_eq!(
        (r.current, r.minimum, r.maximum, r.average),
        (200, 200, 200, 200)
    );
    assert_eq!((r.period_ms, r.timestamp), (0, 1_767_225_600));
    assert!(r.active());
    net.advance(10 * SECOND);
    let r = net.execute(c, &GetPowerReading::default(), SECOND).unwrap();
    // Samples 200..=210 W, one a second.
    assert_eq!(
        (r.current, r.minimum, r.maximum, r.average),
        (210, 200, 210, 205)
    );
    assert_eq!((r.period_ms, r.timestamp), (10_000, 1_767_225_610));
    let rolling = GetPowerReading {
        rolling_period: Some(1),
    };
    assert_eq!(cc(net.execute(c, &rolling, SECOND)), 0x80);
    let caps = net
        .execute(c, &GetDcmiCapabilities { selector: 1 }, SECOND)
        .unwrap();
    assert_eq!((caps.major, caps.minor, caps.data.len()), (1, 5, 3));
    let id = |net: &mut Net| {
        let first = net
            .execute(
                c,
                &GetMcIdString {
                    offset: 0,
                    count: 16,
                },
                SECOND,
            )
            .unwrap();
        let mut bytes = first.bytes.clone();
        for chunk in GetMcIdString::chunks(first.total).skip(1) {
            bytes.extend(net.execute(c, &chunk, SECOND).unwrap().bytes);
        }
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(id(&mut net), "ipmirs-sim");
    let name = b"a-management-controller-name\0";
    for (i, chunk) in name.chunks(16).enumerate() {
        let set = SetMcIdString {
            offset: (i * 16) as u8,
            bytes: chunk.to_vec(),
        };
        let last = net.execute(c, &set, SECOND).unwrap();
        assert_eq!(usize::from(last), i * 16 + chunk.len() - 1);
    }
    assert_eq!(id(&mut net), "a-management-controller-name");
}

#[test]
fn chassis_state_boot_flags_identify_policy_poh() {
    let (mut net, c) = net();
    for req in set_boot_flags_sequence(BootFlags::boot_once(BootDevice::Pxe)) {
        net.execute(c, &req, SECOND).unwrap();
    }
    let flags = |net: &mut Net| match net
        .execute(c, &GetSystemBootOptions::new(5), SECOND)
        .unwrap()
        .param()
    {
        Some(BootParam::BootFlags(f)) => f,
        other => panic!("{other:?}"),
    };
    let f = flags(&mut net);
    assert!(f.valid() && !f.persistent());
    assert_eq!(f.device(), BootDevice::Pxe);
    // Set in progress twice: 81h; unsupported parameter: 80h.
    let lock = SetSystemBootOptions::new(BootParam::SetInProgress(SetInProgress::InProgress));
    net.execute(c, &lock, SECOND).unwrap();
    assert_eq!(cc(net.execute(c, &lock, SECOND)), 0x81);
    let unlock = SetSystemBootOptions::new(BootParam::SetInProgress(SetInProgress::Complete));
    net.execute(c, &unlock, SECOND).unwrap();
    let other = SetSystemBootOptions::new(BootParam::Other(3, vec![0]));
    assert_eq!(cc(net.execute(c, &other, SECOND)), 0x80);
    assert_eq!(
        cc(net.execute(c, &GetSystemBootOptions::new(7), SECOND)),
        0x80
    );

    // Power on: restart cause, one-shot flags consumed, POH counting.
    let cause = |net: &mut Net| {
        net.execute(c, &GetSystemRestartCause, SECOND)
            .unwrap()
            .cause
            .0
    };
    assert_eq!(cause(&mut net), 0);
    net.execute(c, &ChassisControl(PowerAction::Up), SECOND)
        .unwrap();
    assert_eq!(cause(&mut net), 1);
    assert!(!flags(&mut net).valid());
    net.advance(Duration::from_secs(2 * 3600 + 5 * 60));
    let poh = net.execute(c, &GetPohCounter, SECOND).unwrap();
    assert_eq!((poh.minutes(), poh.days_hours_minutes()), (125, (0, 2, 5)));
    net.execute(c, &ChassisControl(PowerAction::Down), SECOND)
        .unwrap();
    net.advance(Duration::from_secs(3600));
    assert_eq!(
        net.execute(c, &GetPohCounter, SECOND).unwrap().minutes(),
        125
    );

    // Identify: timed, expiring with virtual time; forced; off.
    let identify = |net: &mut Net| {
        net.execute(c, &GetChassisStatus, SECOND)
            .unwrap()
            .identify_state()
    };
    assert_eq!(identify(&mut net), Some(0));
    let ten = ChassisIdentify {
        interval: Some(10),
        force: false,
    };
    net.execute(c, &ten, SECOND).unwrap();
    assert_eq!(identify(&mut net), Some(1));
    net.advance(11 * SECOND);
    assert_eq!(identify(&mut net), Some(0));
    let force = ChassisIdentify {
        interval: None,
        force: true,
    };
    net.execute(c, &force, SECOND).unwrap();
    net.advance(3600 * SECOND);
    assert_eq!(identify(&mut net), Some(2));

    // Restore policy.
    let set = SetPowerRestorePolicy(Some(PowerRestorePolicy::AlwaysOn));
    let supported = net.execute(c, &set, SECOND).unwrap();
    assert!(supported.always_on() && supported.always_off() && supported.previous());
    let status = net.execute(c, &GetChassisStatus, SECOND).unwrap();
    assert_eq!(status.restore_policy(), PowerRestorePolicy::AlwaysOn);
    assert!(!status.power_on());
}

#[test]
fn watchdog_counts_down_and_resets_the_system() {
    let (mut net, c) = net();
    assert_eq!(cc(net.execute(c, &ResetWatchdogTimer, SECOND)), 0x80);
    net.execute(c, &ChassisControl(PowerAction::Up), SECOND)
        .unwrap();
    let set = SetWatchdogTimer {
        timer_use: TimerUse::SMS_OS,
        dont_stop: false,
        dont_log: false,
        action: TimeoutAction(1),
        pre_timeout_interrupt: PreTimeoutInterrupt(0),
        pre_timeout: 0,
        clear_flags: 0,
        countdown: 100,
    };
    net.execute(c, &set, SECOND).unwrap();
    let w = net.execute(c, &GetWatchdogTimer, SECOND).unwrap();
    assert!(!w.running());
    assert_eq!((w.initial_countdown, w.present_countdown), (100, Some(100)));
    net.execute(c, &ResetWatchdogTimer, SECOND).unwrap();
    net.advance(4 * SECOND);
    let w = net.execute(c, &GetWatchdogTimer, SECOND).unwrap();
    assert!(w.running());
    // 4 s and the round trip's few virtual milliseconds: 6.0 s left.
    assert_eq!(w.present_countdown, Some(60));
    net.advance(7 * SECOND);
    let w = net.execute(c, &GetWatchdogTimer, SECOND).unwrap();
    assert!(!w.running());
    assert_eq!((w.expiration_flags, w.present_countdown), (0x10, Some(0)));
    let cause = net.execute(c, &GetSystemRestartCause, SECOND).unwrap();
    assert_eq!(cause.cause.0, 4, "watchdog expired");
    assert!(net
        .execute(c, &GetChassisStatus, SECOND)
        .unwrap()
        .power_on());
    // A cold reset of the controller stops and forgets the watchdog.
    net.execute(c, &ResetWatchdogTimer, SECOND).unwrap();
    net.execute(c, &ipmi_core::cmd::ColdReset, SECOND).unwrap();
    assert_eq!(cc(net.execute(c, &ResetWatchdogTimer, SECOND)), 0x80);
    net.execute(c, &set, SECOND).unwrap();
    // Off clears the flag it names.
    net.execute(c, &SetWatchdogTimer::off(), SECOND).unwrap();
    let w = net.execute(c, &GetWatchdogTimer, SECOND).unwrap();
    assert_eq!((w.expiration_flags, w.initial_countdown), (0, 3000));
}

#[test]
fn mc_identity_sysinfo_and_lan_configuration() {
    let (mut net, c) = net();
    assert!(net
        .execute(c, &GetSelfTestResults, SECOND)
        .unwrap()
        .passed());
    assert_eq!(
        net.execute(c, &GetSystemGuid, SECOND).unwrap().0,
        DEFAULT_GUID
    );
    assert_eq!(
        net.execute(c, &GetDeviceGuid, SECOND).unwrap().0,
        DEFAULT_GUID
    );
    assert_eq!(
        net.execute(c, &GetBmcGlobalEnables, SECOND).unwrap().0,
        0x0c
    );

    let read = |net: &mut Net, param: u8| {
        let first = net
            .execute(c, &GetSystemInfoParameters::new(param, 0), SECOND)
            .unwrap()
            .data;
        let count = ipmi_core::cmd::sysinfo::string_set_count(&first).unwrap();
        let mut sets = vec![first];
        for set in 1..count {
            let req = GetSystemInfoParameters::new(param, set as u8);
            sets.push(net.execute(c, &req, SECOND).unwrap().data);
        }
        assemble_string(&sets)
    };
    assert_eq!(read(&mut net, 1), "ipmirs-sim 1.0");
    let name = "node-17.rack-3.example.org";
    for set in string_sets(0, name.as_bytes(), 4) {
        let req = SetSystemInfoParameters {
            param: 2,
            data: set,
        };
        net.execute(c, &req, SECOND).unwrap();
    }
    assert_eq!(read(&mut net, 2), name);
    assert_eq!(
        cc(net.execute(c, &GetSystemInfoParameters::new(0xe4, 0), SECOND)),
        0x80
    );
    let lock = SetSystemInfoParameters {
        param: 0,
        data: vec![1],
    };
    net.execute(c, &lock, SECOND).unwrap();
    assert_eq!(cc(net.execute(c, &lock, SECOND)), 0x81);
    let progress = net.execute(c, &GetSystemInfoParameters::new(0, 0), SECOND);
    assert_eq!(progress.unwrap().data, [1]);
    let done = SetSystemInfoParameters {
        param: 0,
        data: vec![0],
    };
    net.execute(c, &done, SECOND).unwrap();

    let address = Ipv4Addr::new(192, 168, 40, 9);
    for req in set_lan_sequence(
        1,
        vec![LanParam::IpAddress(address), LanParam::VlanId(Some(7))],
    ) {
        net.execute(c, &req, SECOND).unwrap();
    }
    let get = |net: &mut Net, p: u8| {
        net.execute(c, &GetLanConfig::new(1, p), SECOND)
            .unwrap()
            .param()
    };
    assert_eq!(get(&mut net, 3), Some(LanParam::IpAddress(address)));
    assert_eq!(get(&mut net, 20), Some(LanParam::VlanId(Some(7))));
    assert_eq!(
        get(&mut net, 0),
        Some(LanParam::SetInProgress(SetInProgress::Complete))
    );
    let lock = SetLanConfig {
        channel: 1,
        param: LanParam::SetInProgress(SetInProgress::InProgress),
    };
    net.execute(c, &lock, SECOND).unwrap();
    assert_eq!(cc(net.execute(c, &lock, SECOND)), 0x81);
    let read_only = SetLanConfig {
        channel: 1,
        param: LanParam::CipherSuites(vec![3]),
    };
    assert_eq!(cc(net.execute(c, &read_only, SECOND)), 0x82);
    assert_eq!(
        cc(net.execute(c, &GetLanConfig::new(1, 0x60), SECOND)),
        0x80
    );
    assert_eq!(cc(net.execute(c, &GetLanConfig::new(5, 3), SECOND)), 0xcc);
}

#[test]
fn users_changed_by_commands_gate_the_handshake() {
    let (mut net, c) = net();
    let set_password = |id: u8, pw: &[u8]| SetUserPassword {
        user_id: id,
        op: PasswordOp::Set(Password::new(pw, false).unwrap()),
    };
    net.execute(c, &SetUserName::new(3, "dave").unwrap(), SECOND)
        .unwrap();
    net.execute(c, &set_password(3, b"first-pw"), SECOND)
        .unwrap();
    let grant = SetUserAccess {
        channel: 1,
        user_id: 3,
        change_bits: true,
        callback_only: false,
        link_auth: false,
        ipmi_messaging: true,
        privilege_limit: PrivilegeLimit(4),
        session_limit: None,
    };
    net.execute(c, &grant, SECOND).unwrap();
    let enable = SetUserPassword {
        user_id: 3,
        op: PasswordOp::EnableUser,
    };
    net.execute(c, &enable, SECOND).unwrap();
    let access = net
        .execute(
            c,
            &GetUserAccess {
                channel: 1,
                user_id: 3,
            },
            SECOND,
        )
        .unwrap();
    assert_eq!(access.privilege_limit, PrivilegeLimit(4));
    assert_eq!((access.enable_status, access.enabled_user_ids), (0x40, 3));
    assert!(access.ipmi_messaging);
    assert_eq!(
        net.execute(c, &GetUserName { user_id: 3 }, SECOND).unwrap(),
        "dave"
    );

    let login = |net: &mut Net, pw: &str| {
        let d = net.add_client(ClientConfig::new("dave", pw));
        net.connect(d, SECOND)
    };
    login(&mut net, "first-pw").unwrap();
    net.execute(c, &set_password(3, b"second-pw"), SECOND)
        .unwrap();
    assert!(
        login(&mut net, "first-pw").is_err(),
        "old password accepted"
    );
    login(&mut net, "second-pw").unwrap();
    let test = SetUserPassword {
        user_id: 3,
        op: PasswordOp::Test(Password::new(b"nope", false).unwrap()),
    };
    assert_eq!(cc(net.execute(c, &test, SECOND)), 0x80);
    let disable = SetUserPassword {
        user_id: 3,
        op: PasswordOp::DisableUser,
    };
    net.execute(c, &disable, SECOND).unwrap();
    assert!(
        login(&mut net, "second-pw").is_err(),
        "disabled user logged in"
    );

    // USER level: D4h for the admin commands of the family.
    let u = net.add_client(ClientConfig::new("user", "userpw").privilege(PrivilegeLevel::User));
    net.connect(u, SECOND).unwrap();
    let boot = SetSystemBootOptions::new(BootParam::SetInProgress(SetInProgress::Complete));
    assert_eq!(cc(net.execute(u, &boot, SECOND)), 0xd4);
    assert_eq!(
        cc(net.execute(u, &SetUserName::new(4, "x").unwrap(), SECOND)),
        0xd4
    );
    assert_eq!(
        cc(net.execute(u, &GetUserName { user_id: 1 }, SECOND)),
        0xd4
    );
    assert_eq!(cc(net.execute(u, &SetWatchdogTimer::off(), SECOND)), 0xd4);
    net.execute(u, &GetChassisStatus, SECOND).unwrap();
    net.execute(u, &GetPowerReading::default(), SECOND).unwrap();

    // Channel and session views.
    let info = net
        .execute(c, &GetChannelInfo { channel: 0x0e }, SECOND)
        .unwrap();
    assert_eq!(
        (info.channel, info.medium.0, info.active_sessions),
        (1, 4, 4)
    );
    let access = net
        .execute(
            c,
            &GetChannelAccess {
                channel: 1,
                which: AccessSet::Volatile,
            },
            SECOND,
        )
        .unwrap();
    assert_eq!(
        (access.access_mode, access.privilege_limit),
        (2, PrivilegeLimit(4))
    );
    let mut list = Vec::new();
    for index in 0..4 {
        let chunk = net
            .execute(c, &GetChannelCipherSuites::records(1, index), SECOND)
            .unwrap();
        list.extend_from_slice(&chunk.data);
        if !chunk.more() {
            break;
        }
    }
    let ids: Vec<u8> = CipherSuiteRecord::parse_list(&list)
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [1, 2, 3, 15, 16, 17]);
    let me = net
        .execute(c, &GetSessionInfo(SessionSelector::Current), SECOND)
        .unwrap();
    let detail = me.detail.unwrap();
    assert_eq!((detail.user_id, detail.privilege), (1, PrivilegeLimit(4)));
    assert_eq!(me.active_count, 4);
    // admin, dave twice (disabling keeps open sessions), user.
    let mut users: Vec<u8> = (1..=4)
        .map(|i| {
            let s = net.execute(c, &GetSessionInfo(SessionSelector::Index(i)), SECOND);
            s.unwrap().detail.unwrap().user_id
        })
        .collect();
    users.sort_unstable();
    assert_eq!(users, [1, 2, 3, 3]);
    // An index past the active sessions: handle 00h and the counts only
    // (what ipmi_sim answers; ipmitool's `session info all` walks on).
    let empty = net
        .execute(c, &GetSessionInfo(SessionSelector::Index(9)), SECOND)
        .unwrap();
    assert_eq!(
        (empty.handle, empty.active_count, empty.detail),
        (0, 4, None)
    );
    assert_eq!(
        cc(net.execute(c, &GetSessionInfo(SessionSelector::Handle(9)), SECOND)),
        0xcc
    );
}

/// The responder-owned commands with arbitrary data: an answer each (the
/// session survives), never a panic, and the table never grows past 63 IDs.
#[test]
fn arbitrary_user_and_session_requests() {
    let (mut net, c) = net();
    let mut seed = 0x9e37_79b9_u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8
    };
    for round in 0..2000usize {
        let cmd = [0x3d, 0x41, 0x43, 0x44, 0x45, 0x46, 0x47][round % 7];
        let len = usize::from(next() % 24);
        let data = (0..len).map(|_| next()).collect();
        let raw = ipmi_core::cmd::Raw {
            netfn: ipmi_core::NetFn::APP,
            cmd,
            data,
        };
        let r = net.execute(c, &raw, SECOND).unwrap();
        assert_ne!(r.completion, ipmi_core::CompletionCode::INVALID_COMMAND);
    }
    let access = net
        .execute(
            c,
            &GetUserAccess {
                channel: 1,
                user_id: 1,
            },
            SECOND,
        )
        .unwrap();
    assert!(usize::from(access.max_user_ids) <= 63);
    assert!(net.responder.config().users.len() <= 63);
}
