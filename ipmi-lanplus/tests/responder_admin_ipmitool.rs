//! ipmitool 1.8.19 and FreeIPMI (clients nobody here wrote) against the
//! responder's simulated BMC over loopback UDP, for issue 14's admin
//! commands: every state-changing command is changed with one client and
//! read back with ipmitool (or FreeIPMI where it shows the state), and the
//! user table `user set` changes is the one the next session's handshake checks.

use std::time::Duration;

use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User};
use ipmirs_test_support::program::{freeipmi_lan, ipmitool_lanplus, Run};
use ipmirs_test_support::responder::BackgroundServer;

const LIMIT: Duration = Duration::from_secs(30);

fn config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(16))
        .user(User::new("user", "userpw", PrivilegeLevel::User))
        .cipher_suites([3, 17])
}

/// ipmitool over lanplus at privilege `level`.
fn ipmitool_as(port: &str, user: &str, password: &str, level: &str, args: &[&str]) -> Run {
    ipmitool_lanplus(port, user, password, &["-L", level], args, LIMIT)
}

/// FreeIPMI `program ... -I 3 args...` as admin.
fn freeipmi(program: &str, port: &str, args: &[&str]) -> Run {
    freeipmi_lan(program, port, args, LIMIT)
}

fn succeeded(r: &Run) -> bool {
    r.code == Some(0)
}

fn ok_stdout(r: &Run, what: &str) -> String {
    r.assert_ok(what);
    r.stdout.clone()
}

fn has(text: &str, lines: &[&str], what: &str) {
    for line in lines {
        assert!(text.contains(line), "{what} lacks {line:?}:\n{text}");
    }
}

/// The value after `label` on the line that starts with it (trimmed).
fn value<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim())
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
}

#[test]
fn chassis_boot_identify_policy_restart_cause() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let it = |args: &[&str]| ipmitool_as(&port, "admin", "secret", "ADMINISTRATOR", args);

    // A boot device that sticks, one-shot and persistent.
    let set = ok_stdout(&it(&["chassis", "bootdev", "pxe"]), "bootdev pxe");
    assert_eq!(set.trim(), "Set Boot Device to pxe");
    let p5 = ok_stdout(&it(&["chassis", "bootparam", "get", "5"]), "bootparam 5");
    has(
        &p5,
        &[
            "Boot parameter data: 8004000000",
            "   - Boot Flag Valid",
            "   - Options apply to only next boot",
            "   - Boot Device Selector : Force PXE",
        ],
        "bootparam get 5 after bootdev pxe",
    );
    let p0 = ok_stdout(&it(&["chassis", "bootparam", "get", "0"]), "bootparam 0");
    has(&p0, &[" Set In Progress : set complete"], "bootparam get 0");
    // The first restart consumes the one-shot flags, as the BIOS would.
    ok_stdout(&it(&["chassis", "power", "on"]), "power on");
    let p5 = ok_stdout(&it(&["chassis", "bootparam", "get", "5"]), "bootparam 5");
    has(
        &p5,
        &["Boot parameter data: 0004000000", "   - Boot Flag Invalid"],
        "after power on",
    );
    ok_stdout(
        &it(&["chassis", "bootdev", "disk", "options=persistent"]),
        "bootdev disk persistent",
    );
    ok_stdout(&it(&["chassis", "power", "cycle"]), "power cycle");
    let p5 = ok_stdout(&it(&["chassis", "bootparam", "get", "5"]), "bootparam 5");
    has(
        &p5,
        &[
            "Boot parameter data: c008000000",
            "   - Options apply to all future boots",
            "   - Boot Device Selector : Force Boot from default Hard-Drive",
        ],
        "persistent flags after power cycle",
    );
    // Set in progress twice is refused with 81h until set complete.
    ok_stdout(
        &it(&["raw", "0x00", "0x08", "0x00", "0x01"]),
        "set in progress",
    );
    let again = it(&["raw", "0x00", "0x08", "0x00", "0x01"]);
    assert!(!succeeded(&again), "second set in progress accepted");
    assert!(again.stderr.contains("rsp=0x81"), "{}", again.output());
    let p0 = ok_stdout(&it(&["chassis", "bootparam", "get", "0"]), "bootparam 0");
    has(&p0, &[" Set In Progress : set in progress"], "locked");
    ok_stdout(
        &it(&["raw", "0x00", "0x08", "0x00", "0x00"]),
        "set complete",
    );

    // Restart cause follows the power command.
    let cause = ok_stdout(&it(&["chassis", "restart_cause"]), "restart_cause");
    assert_eq!(
        cause.trim(),
        "System restart cause: chassis power control command"
    );

    // Identify: ipmitool sets it, FreeIPMI shows it in Get Chassis Status.
    let id = ok_stdout(&it(&["chassis", "identify", "10"]), "identify 10");
    assert_eq!(id.trim(), "Chassis identify interval: 10 seconds");
    let status = ok_stdout(
        &freeipmi("ipmi-chassis", &port, &["--get-chassis-status"]),
        "ipmi-chassis",
    );
    assert_eq!(value(&status, "Chassis Identify state"), "Timed on");
    let id = ok_stdout(&it(&["chassis", "identify", "force"]), "identify force");
    assert_eq!(id.trim(), "Chassis identify interval: indefinite");
    let status = ok_stdout(
        &freeipmi("ipmi-chassis", &port, &["--get-chassis-status"]),
        "ipmi-chassis",
    );
    assert_eq!(value(&status, "Chassis Identify state"), "Indefinite on");
    ok_stdout(&it(&["chassis", "identify", "0"]), "identify 0");
    let status = ok_stdout(
        &freeipmi("ipmi-chassis", &port, &["--get-chassis-status"]),
        "ipmi-chassis",
    );
    assert_eq!(value(&status, "Chassis Identify state"), "off");

    // Power restore policy: set, listed, read back.
    let list = ok_stdout(&it(&["chassis", "policy", "list"]), "policy list");
    assert_eq!(
        list.trim_end(),
        "Supported chassis power policy:  always-off always-on previous"
    );
    let set = ok_stdout(&it(&["chassis", "policy", "always-on"]), "policy always-on");
    assert_eq!(set.trim(), "Set chassis power restore policy to always-on");
    let status = ok_stdout(&it(&["chassis", "status"]), "chassis status");
    assert_eq!(value(&status, "Power Restore Policy"), "always-on");
    assert_eq!(value(&status, "System Power"), "on");
    let status = ok_stdout(
        &freeipmi("ipmi-chassis", &port, &["--get-chassis-status"]),
        "ipmi-chassis",
    );
    assert_eq!(value(&status, "Power restore policy"), "Always on");

    // POH counter: the virtual clock started at the first request, less than a minute ago.
    let poh = ok_stdout(&it(&["chassis", "poh"]), "poh");
    assert_eq!(poh.trim(), "POH Counter  : 0 days, 0 hours, 0 minutes");
    let selftest = ok_stdout(&it(&["mc", "selftest"]), "mc selftest");
    assert_eq!(selftest.trim(), "Selftest: passed");
}

#[test]
fn mc_watchdog_sysinfo_guid_enables() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let it = |args: &[&str]| ipmitool_as(&port, "admin", "secret", "ADMINISTRATOR", args);

    let refused = it(&["mc", "watchdog", "reset"]);
    assert!(!succeeded(&refused), "reset of an unset watchdog accepted");
    assert!(
        refused
            .output()
            .contains("Attempt to reset uninitialized watchdog"),
        "{}",
        refused.output()
    );
    // Set: SMS/OS use, power down on expiry, 60.0 s countdown.
    ok_stdout(
        &it(&[
            "raw", "0x06", "0x24", "0x04", "0x02", "0x00", "0x00", "0x58", "0x02",
        ]),
        "set watchdog",
    );
    let get = ok_stdout(&it(&["mc", "watchdog", "get"]), "watchdog get");
    has(
        &get,
        &[
            "Watchdog Timer Is:      Stopped",
            "Watchdog Timer Action:  Power Down (0x02)",
            "Initial Countdown:      60.0 sec",
            "Present Countdown:      60.0 sec",
        ],
        "watchdog after set",
    );
    let reset = ok_stdout(&it(&["mc", "watchdog", "reset"]), "watchdog reset");
    assert_eq!(
        reset.trim(),
        "IPMI Watchdog Timer Reset -  countdown restarted!"
    );
    let get = ok_stdout(&it(&["mc", "watchdog", "get"]), "watchdog get");
    has(
        &get,
        &["Watchdog Timer Is:      Started/Running"],
        "running",
    );
    let present: f64 = value(&get, "Present Countdown")
        .trim_end_matches(" sec")
        .parse()
        .unwrap();
    assert!((0.0..=60.0).contains(&present), "{get}");
    let off = ok_stdout(&it(&["mc", "watchdog", "off"]), "watchdog off");
    assert_eq!(
        off.trim(),
        "Watchdog Timer Shutoff successful -- timer stopped"
    );
    let get = ok_stdout(&it(&["mc", "watchdog", "get"]), "watchdog get");
    has(
        &get,
        &[
            "Watchdog Timer Is:      Stopped",
            "Watchdog Timer Action:  No action (0x00)",
            "Initial Countdown:      300.0 sec",
        ],
        "watchdog after off",
    );
    // Expiry: power on, a 0.1 s countdown that powers down; the next
    // request after it has certainly elapsed sees the chassis off.
    ok_stdout(&it(&["chassis", "power", "on"]), "power on");
    ok_stdout(
        &it(&[
            "raw", "0x06", "0x24", "0x04", "0x02", "0x00", "0x00", "0x01", "0x00",
        ]),
        "set watchdog 0.1 s",
    );
    ok_stdout(&it(&["mc", "watchdog", "reset"]), "watchdog reset");
    std::thread::sleep(Duration::from_millis(300));
    let power = ok_stdout(&it(&["chassis", "power", "status"]), "power status");
    assert_eq!(power.trim(), "Chassis Power is off");
    let get = ok_stdout(&it(&["mc", "watchdog", "get"]), "watchdog get");
    has(
        &get,
        &[
            "Timer Expiration Flags: (0x10)",
            "                        * SMS/OS",
            "Present Countdown:      0.0 sec",
        ],
        "expired",
    );

    // System info: read, set with ipmitool and with FreeIPMI, read back.
    let fw = ok_stdout(
        &it(&["mc", "getsysinfo", "system_fw_version"]),
        "getsysinfo",
    );
    assert_eq!(fw.trim(), "ipmirs-sim 1.0");
    ok_stdout(
        &it(&["mc", "setsysinfo", "system_name", "rack7-node3"]),
        "setsysinfo",
    );
    let name = ok_stdout(&it(&["mc", "getsysinfo", "system_name"]), "getsysinfo");
    assert_eq!(name.trim(), "rack7-node3");
    ok_stdout(
        &freeipmi(
            "bmc-device",
            &port,
            &["--set-system-name=a-much-longer-hostname.example.org"],
        ),
        "bmc-device --set-system-name",
    );
    let name = ok_stdout(&it(&["mc", "getsysinfo", "system_name"]), "getsysinfo");
    assert_eq!(name.trim(), "a-much-longer-hostname.example.org");
    let info = ok_stdout(
        &freeipmi("bmc-info", &port, &["--get-system-info"]),
        "bmc-info --get-system-info",
    );
    assert_eq!(
        value(&info, "System Name"),
        "a-much-longer-hostname.example.org"
    );
    assert_eq!(value(&info, "System Firmware Version"), "ipmirs-sim 1.0");

    let guid = ok_stdout(&it(&["mc", "guid"]), "mc guid");
    assert_eq!(
        value(&guid, "System GUID"),
        "69706d69-7273-2d73-696d-424d43000001"
    );
    let enables = ok_stdout(&it(&["mc", "getenables"]), "getenables");
    has(
        &enables,
        &[
            "Event Message Buffer                     : enabled",
            "System Event Logging                     : enabled",
            "Receive Message Queue Interrupt          : disabled",
        ],
        "getenables",
    );
}

#[test]
fn dcmi_and_lan_configuration() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let it = |args: &[&str]| ipmitool_as(&port, "admin", "secret", "ADMINISTRATOR", args);

    let first = ok_stdout(&it(&["dcmi", "power", "reading"]), "power reading");
    // The samples are one a second: after 1.5 s the reading has moved.
    std::thread::sleep(Duration::from_millis(1500));
    let second = ok_stdout(&it(&["dcmi", "power", "reading"]), "power reading");
    let watts = |t: &str, label: &str| -> u32 {
        value(t, label)
            .trim_end_matches(" Watts")
            .trim()
            .parse()
            .unwrap()
    };
    let (c1, c2) = (
        watts(&first, "Instantaneous power reading"),
        watts(&second, "Instantaneous power reading"),
    );
    assert_ne!(c1, c2, "power reading did not move:\n{first}\n{second}");
    assert!(
        watts(&second, "Maximum during sampling period")
            > watts(&second, "Minimum during sampling period"),
        "{second}"
    );
    let stats = ok_stdout(
        &freeipmi("ipmi-dcmi", &port, &["--get-system-power-statistics"]),
        "ipmi-dcmi power statistics",
    );
    has(
        &stats,
        &["Power Measurement                    : Active"],
        "ipmi-dcmi",
    );
    let caps = ok_stdout(
        &freeipmi("ipmi-dcmi", &port, &["--get-dcmi-capability-info"]),
        "ipmi-dcmi capabilities",
    );
    has(
        &caps,
        &[
            "DCMI Specification Conformance                     : 1.5",
            "Power Management / Monitoring Support              : Available",
            "Primary LAN Out-of-band Channel Number             : 1",
        ],
        "ipmi-dcmi capabilities",
    );
    let discover = ok_stdout(&it(&["dcmi", "discover"]), "dcmi discover");
    has(
        &discover,
        &[
            "Power management available",
            "Primary LAN channel number: 1 is available",
        ],
        "dcmi discover",
    );
    let id = ok_stdout(&it(&["dcmi", "get_mc_id_string"]), "get_mc_id_string");
    assert_eq!(
        id.trim(),
        "Get Management Controller Identifier String: ipmirs-sim"
    );
    ok_stdout(
        &it(&["dcmi", "set_mc_id_string", "rack7-bmc"]),
        "set_mc_id_string",
    );
    let id = ok_stdout(&it(&["dcmi", "get_mc_id_string"]), "get_mc_id_string");
    assert_eq!(
        id.trim(),
        "Get Management Controller Identifier String: rack7-bmc"
    );
    ok_stdout(
        &freeipmi(
            "ipmi-dcmi",
            &port,
            &["--set-management-controller-identifier-string=freeipmi-named-bmc"],
        ),
        "ipmi-dcmi set id",
    );
    let id = ok_stdout(&it(&["dcmi", "get_mc_id_string"]), "get_mc_id_string");
    assert_eq!(
        id.trim(),
        "Get Management Controller Identifier String: freeipmi-named-bmc"
    );

    // LAN configuration: set with ipmitool, read back with both clients.
    for args in [
        &["lan", "set", "1", "ipaddr", "192.168.7.20"][..],
        &["lan", "set", "1", "netmask", "255.255.0.0"],
        &["lan", "set", "1", "defgw", "ipaddr", "192.168.0.1"],
        &["lan", "set", "1", "vlan", "id", "42"],
        &["lan", "set", "1", "ipsrc", "dhcp"],
    ] {
        ok_stdout(&it(args), &args.join(" "));
    }
    let print = ok_stdout(&it(&["lan", "print", "1"]), "lan print");
    assert_eq!(value(&print, "IP Address Source"), "DHCP Address");
    assert_eq!(value(&print, "IP Address      "), "192.168.7.20");
    assert_eq!(value(&print, "Subnet Mask"), "255.255.0.0");
    assert_eq!(value(&print, "Default Gateway IP"), "192.168.0.1");
    assert_eq!(value(&print, "802.1q VLAN ID"), "42");
    assert_eq!(value(&print, "Set in Progress"), "Set Complete");
    // The suites this responder offers (config()).
    assert_eq!(value(&print, "RMCP+ Cipher Suites"), "3,17");
    assert_eq!(value(&print, "Cipher Suite Priv Max"), "aaXXXXXXXXXXXXX");
    // RMCP+ only: no IPMI 1.5 authentication type, as channel authcap says.
    assert_eq!(value(&print, "Auth Type Support"), "");
    let conf = ok_stdout(
        &freeipmi("bmc-config", &port, &["--checkout", "-S", "Lan_Conf"]),
        "bmc-config Lan_Conf",
    );
    let field = |name: &str| {
        conf.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(str::trim))
            .unwrap_or_else(|| panic!("no {name}:\n{conf}"))
            .to_string()
    };
    assert_eq!(field("IP_Address_Source"), "Use_DHCP");
    assert_eq!(field("IP_Address "), "192.168.7.20");
    assert_eq!(field("Subnet_Mask"), "255.255.0.0");
    // Read-only parameter: the cipher suite list (82h).
    let ro = it(&["raw", "0x0c", "0x01", "0x01", "0x17", "0x00", "0x03"]);
    assert!(
        !succeeded(&ro) && ro.stderr.contains("rsp=0x82"),
        "{}",
        ro.output()
    );
}

#[test]
fn users_channels_sessions() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let it = |args: &[&str]| ipmitool_as(&port, "admin", "secret", "ADMINISTRATOR", args);

    for args in [
        &["user", "set", "name", "3", "carol"][..],
        &["user", "set", "password", "3", "Rainy-Day7"],
        &["user", "enable", "3"],
        &["user", "priv", "3", "4", "1"],
        &["channel", "setaccess", "1", "3", "ipmi=on"],
    ] {
        ok_stdout(&it(args), &args.join(" "));
    }
    let list = ok_stdout(&it(&["user", "list", "1"]), "user list");
    assert!(
        list.lines()
            .any(|l| l == "3   carol            true    false      true       ADMINISTRATOR"),
        "{list}"
    );
    // bmc-config exits 1 here because the User section also reads SOL
    // settings and the simulated BMC has no SOL (C1h); the user fields it
    // printed are what is checked.
    let conf = freeipmi("bmc-config", &port, &["--checkout", "-S", "User3"]).stdout;
    for (key, want) in [
        ("Username", "carol"),
        ("Enable_User", "Yes"),
        ("Lan_Enable_IPMI_Msgs", "Yes"),
        ("Lan_Privilege_Limit", "Administrator"),
    ] {
        let got = conf
            .lines()
            .find_map(|l| l.trim().strip_prefix(key).map(str::trim))
            .unwrap_or_else(|| panic!("no {key}:\n{conf}"));
        assert_eq!(got, want, "{key}:\n{conf}");
    }
    let summary = ok_stdout(&it(&["user", "summary", "1"]), "user summary");
    assert_eq!(value(&summary, "Enabled User Count"), "3");
    // The new user opens a session with the new password.
    let carol = |pw: &str| ipmitool_as(&port, "carol", pw, "ADMINISTRATOR", &["mc", "selftest"]);
    ok_stdout(&carol("Rainy-Day7"), "carol's session");
    ok_stdout(
        &it(&["user", "set", "password", "3", "Other-Pass9"]),
        "new password",
    );
    assert!(
        !succeeded(&carol("Rainy-Day7")),
        "old password still accepted"
    );
    ok_stdout(&carol("Other-Pass9"), "carol with the new password");
    // A 20-byte stored password works too.
    ok_stdout(
        &it(&["user", "set", "password", "3", "abcdefghijklmnopqr", "20"]),
        "20-byte password",
    );
    ok_stdout(
        &carol("abcdefghijklmnopqr"),
        "carol with a 20-byte password",
    );
    ok_stdout(&it(&["user", "disable", "3"]), "user disable");
    assert!(
        !succeeded(&carol("abcdefghijklmnopqr")),
        "disabled user opened a session"
    );
    ok_stdout(&it(&["user", "enable", "3"]), "user enable");
    ok_stdout(&it(&["user", "priv", "3", "2", "1"]), "user priv USER");
    let list = ok_stdout(&it(&["user", "list", "1"]), "user list");
    assert!(
        list.lines()
            .any(|l| l == "3   carol            true    false      true       USER"),
        "{list}"
    );
    // At USER level the admin commands are refused with D4h.
    let user = |args: &[&str]| ipmitool_as(&port, "carol", "abcdefghijklmnopqr", "USER", args);
    ok_stdout(&user(&["chassis", "status"]), "chassis status as USER");
    // ipmitool exits 0 after a refused bootdev (its bug); the refusal is in its output.
    let bootdev = user(&["chassis", "bootdev", "pxe"]);
    assert!(
        bootdev
            .stderr
            .contains("Set Chassis Boot Parameter 5 failed: Insufficient privilege level"),
        "{}",
        bootdev.output()
    );
    for args in [
        &["user", "set", "name", "5", "mallory"][..],
        &["lan", "set", "1", "ipaddr", "10.9.9.9"],
        &["raw", "0x06", "0x22"],
    ] {
        let r = user(args);
        assert!(!succeeded(&r), "{args:?} accepted at USER: {}", r.output());
    }
    let raw = user(&["raw", "0x06", "0x47", "0x03", "0x00"]);
    assert!(raw.stderr.contains("rsp=0xd4"), "{}", raw.output());
    let list = ok_stdout(&it(&["user", "list", "1"]), "user list");
    assert!(!list.contains("mallory"), "{list}");

    let caps = ok_stdout(&it(&["channel", "authcap", "1", "4"]), "channel authcap");
    // Unused (disabled, nameless) user slots are no null users.
    has(
        &caps,
        &[
            "Non-null user names exist  : yes",
            "Null user names exist      : no",
            "Anonymous login enabled    : no",
            "Channel supports IPMI v2.0 : yes",
        ],
        "channel authcap",
    );
    let info = ok_stdout(&it(&["channel", "info", "1"]), "channel info");
    has(
        &info,
        &[
            "  Channel Medium Type   : 802.3 LAN",
            "  Session Support       : multi-session",
            "    Access Mode         : always available",
        ],
        "channel info",
    );
    let access = ok_stdout(&it(&["channel", "getaccess", "1", "3"]), "getaccess");
    has(
        &access,
        &[
            "User Name            : carol",
            "IPMI Messaging       : enabled",
            "Privilege Level      : USER",
            "Enable Status        : enabled",
        ],
        "channel getaccess",
    );
    let ciphers = ok_stdout(&it(&["channel", "getciphers", "ipmi", "1"]), "getciphers");
    has(
        &ciphers,
        &[
            "3    N/A     hmac_sha1       hmac_sha1_96    aes_cbc_128",
            "17   N/A     hmac_sha256     sha256_128      aes_cbc_128",
        ],
        "getciphers",
    );
    let session = ok_stdout(&it(&["session", "info", "active"]), "session info");
    assert_eq!(value(&session, "user id"), "1");
    assert_eq!(value(&session, "privilege level"), "ADMINISTRATOR");
    assert_eq!(value(&session, "console ip"), "127.0.0.1");
    assert_eq!(value(&session, "session type"), "IPMIv2/RMCP+");
}
