//! Issue 14: the admin commands against live `ipmitool -I lanplus` 1.8.19
//! on the same ipmi_sim (the peer that implements them): standard output
//! byte-identical and the same exit status; state-changing commands are
//! read back with ipmitool. Known, documented differences are checked as
//! such (ipmitool's 12-row `getciphers` truncation, the bytes it invents
//! for ipmi_sim's short Get Watchdog Timer answer, `getsysinfo` claiming
//! success for a refused command).

use ipmirs_test_support::ipmisim;

mod common;

use common::{assert_same, both, cat, ipmirs, ipmitool, lanplus};
use ipmisim::IpmiSim;

/// Commands compared byte for byte on ipmi_sim.
const SAME: &[&[&str]] = &[
    &["channel", "info"],
    &["channel", "info", "1"],
    &["channel", "getaccess", "1"],
    &["channel", "getaccess", "1", "2"],
    &["channel", "getaccess", "1", "4"],
    // Refused by ipmi_sim over RMCP+ (D5h): both exit 1, nothing on stdout.
    &["channel", "authcap", "1", "4"],
    &["session", "info", "active"],
    &["session", "info", "all"],
    &["user", "list"],
    &["user", "list", "1"],
    &["user", "summary"],
    &["user", "summary", "1"],
    &["lan", "print"],
    &["lan", "print", "1"],
    &["mc", "getenables"],
    &["mc", "guid"],
    &["mc", "watchdog", "off"],
    // ipmi_sim has no self test (C1h): both exit 1, nothing on stdout.
    &["mc", "selftest"],
    // ipmi_sim refuses these chassis commands (C1h/CCh): both exit 1 with
    // nothing on stdout. Their answers are proven on the virtual BMC
    // (tests/admin_vbmc.rs).
    &["chassis", "policy", "list"],
    &["chassis", "policy", "always-on"],
    &["chassis", "restart_cause"],
    &["chassis", "poh"],
    &["chassis", "identify"],
    &["chassis", "identify", "5"],
    &["chassis", "identify", "force"],
    &["chassis", "selftest"],
    &["chassis", "bootparam", "get", "0"],
    // ipmi_sim keeps boot flags through the fixture's chassis hook.
    &["chassis", "bootparam", "get", "5"],
    // ipmi_sim has no DCMI (C1h).
    &["dcmi", "discover"],
    &["dcmi", "get_mc_id_string"],
];

#[test]
fn admin_commands_match_ipmitool_on_ipmi_sim() {
    let sim = IpmiSim::start();
    for command in SAME {
        let (mine, theirs) = both(sim.port(), command);
        assert_same(command, &mine, &theirs);
        if mine.code != 0 {
            assert!(mine.messages().starts_with("ipmirs: "), "{}", mine.stderr);
        }
    }
}

/// ipmitool 1.8.19 keeps at most 12 cipher suite records; ipmi_sim lists
/// more. ipmirs prints them all: ipmitool's output is a strict prefix.
#[test]
fn getciphers_lists_every_suite_where_ipmitool_stops_at_twelve() {
    let sim = IpmiSim::start();
    for command in [
        &["channel", "getciphers", "ipmi", "1"][..],
        &["channel", "getciphers", "ipmi"],
    ] {
        let (mine, theirs) = both(sim.port(), command);
        mine.expect_code(0);
        theirs.expect_code(0);
        let ours = mine.stdout_str();
        let reference = theirs.stdout_str();
        assert_eq!(reference.lines().count(), 13, "{reference}");
        assert!(ours.starts_with(&reference), "{ours}\n---\n{reference}");
        assert!(ours.lines().count() > 13, "{ours}");
        // Every further row has the same layout as ipmitool's rows.
        for row in ours.lines().skip(13) {
            assert_eq!(
                row.len(),
                reference.lines().nth(1).unwrap().len(),
                "{row:?}"
            );
        }
    }
}

/// ipmi_sim answers Get Watchdog Timer with 6 bytes (no present
/// countdown): ipmitool prints whatever its buffer held on the last line,
/// ipmirs says the value is missing. Every other line is identical.
#[test]
fn watchdog_get_matches_but_for_the_missing_countdown() {
    let sim = IpmiSim::start();
    let command = &["mc", "watchdog", "get"];
    let (mine, theirs) = both(sim.port(), command);
    mine.expect_code(0);
    theirs.expect_code(0);
    let ours = mine.stdout_str();
    let reference = theirs.stdout_str();
    let cut = |s: &str| s.lines().take(8).collect::<Vec<_>>().join("\n");
    assert_eq!(cut(&ours), cut(&reference));
    assert_eq!(ours.lines().count(), 9, "{ours}");
    assert_eq!(
        ours.lines().last(),
        Some("Present Countdown:      not in the answer")
    );
}

/// `mc watchdog reset` of a never-set timer: ipmi_sim refuses (80h), both
/// exit 1 with nothing on stdout; after `watchdog off` set it, both reset it.
#[test]
fn watchdog_reset_refused_then_accepted() {
    let sim = IpmiSim::start();
    let (mine, theirs) = both(sim.port(), &["mc", "watchdog", "reset"]);
    assert_same(&["mc", "watchdog", "reset"], &mine, &theirs);
    assert!(
        mine.messages().contains("uninitialized watchdog"),
        "{}",
        mine.stderr
    );
    let (off, _) = both(sim.port(), &["mc", "watchdog", "off"]);
    off.expect_code(0);
    let (mine, theirs) = both(sim.port(), &["mc", "watchdog", "reset"]);
    assert_same(&["mc", "watchdog", "reset"], &mine, &theirs);
}

/// ipmi_sim has no system info parameters (C1h): ipmitool prints an empty
/// line and exits 0; ipmirs prints nothing and exits 1.
#[test]
fn getsysinfo_refused_is_an_error() {
    let sim = IpmiSim::start();
    let (mine, theirs) = both(sim.port(), &["mc", "getsysinfo", "system_name"]);
    theirs.expect_code(0);
    assert_eq!(theirs.stdout, b"\n");
    mine.expect_code(1);
    assert!(mine.stdout.is_empty());
    assert!(mine.messages().starts_with("ipmirs: "), "{}", mine.stderr);
}

/// `user set name`, `user priv`, `user set password`, `user enable`,
/// `user disable` by ipmirs, each read back with ipmitool: its `user list`
/// shows the name and limit, and the new password opens a session.
#[test]
fn user_changes_are_read_back_by_ipmitool() {
    let sim = IpmiSim::start();
    let a = lanplus(sim.port(), "admin", "secret", 3);
    let row = |id: usize| {
        let list = ipmitool(&cat(&a, &["user", "list", "1"]));
        list.expect_code(0);
        list.stdout_str().lines().nth(id).unwrap().to_string()
    };
    let before = row(6);
    assert!(before.starts_with("6                    "), "{before:?}");

    let r = ipmirs(&cat(&a, &["user", "set", "name", "6", "carol"]), &[]);
    r.expect_code(0);
    assert!(r.stdout.is_empty());
    assert!(row(6).starts_with("6   carol            "), "{}", row(6));

    let r = ipmirs(&cat(&a, &["user", "priv", "6", "3", "1"]), &[]);
    r.expect_code(0);
    assert_eq!(
        r.stdout_str(),
        "Set Privilege Level command successful (user 6)\n"
    );
    assert!(row(6).ends_with("OPERATOR"), "{}", row(6));

    let r = ipmirs(
        &cat(&a, &["-vv", "user", "set", "password", "6", "c4rol-pw"]),
        &[],
    );
    r.expect_code(0);
    assert_eq!(
        r.stdout_str(),
        "Set User Password command successful (user 6)\n"
    );
    // -vv shows the request, never the password.
    assert!(r.stderr.contains("cmd 0x47 data [06 02]"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("c4rol") && !r.stderr.contains("63 34 72"),
        "{}",
        r.stderr
    );
    ipmirs(&cat(&a, &["user", "enable", "6"]), &[]).expect_code(0);
    let carol = cat(
        &lanplus(sim.port(), "carol", "c4rol-pw", 3),
        &["-L", "OPERATOR", "chassis", "power", "status"],
    );
    ipmitool(&carol).expect_code(0);

    // 20-byte storage (IPMI 2.0 §22.30: user ID byte bit 7). ipmi_sim
    // accepts it as it accepts ipmitool's, but then opens no session with
    // it (for either client), so the request itself is what is checked.
    let long = "0123456789abcdefghij";
    let r = ipmirs(
        &cat(&a, &["-vv", "user", "set", "password", "6", long, "20"]),
        &[],
    );
    r.expect_code(0);
    assert!(r.stderr.contains("cmd 0x47 data [86 02]"), "{}", r.stderr);
    let theirs = ipmitool(&cat(&a, &["user", "set", "password", "6", long, "20"]));
    assert_eq!(r.stdout, theirs.stdout);
    ipmirs(&cat(&a, &["user", "set", "password", "6", "c4rol-pw"]), &[]).expect_code(0);
    ipmitool(&carol).expect_code(0);

    // A missing password with no terminal: a clear error, nothing sent.
    let r = ipmirs(&cat(&a, &["user", "set", "password", "6"]), &[]);
    r.expect_code(2);
    assert!(r.messages().contains("no PASSWORD given"), "{}", r.stderr);
    // Too long for its storage: refused before anything is sent.
    let r = ipmirs(&cat(&a, &["user", "set", "password", "6", long, "16"]), &[]);
    r.expect_code(2);
    assert!(!r.stderr.contains(long), "{}", r.stderr);

    // Same output as ipmitool for the changed table.
    let (mine, theirs) = both(sim.port(), &["user", "list", "1"]);
    assert_same(&["user", "list", "1"], &mine, &theirs);
    let (mine, theirs) = both(sim.port(), &["channel", "getaccess", "1", "6"]);
    assert_same(&["channel", "getaccess", "1", "6"], &mine, &theirs);
}

/// Every new command answers `--json` with one JSON line.
#[test]
fn json_lines() {
    let sim = IpmiSim::start();
    let a = lanplus(sim.port(), "admin", "secret", 3);
    for command in [
        &["channel", "info"][..],
        &["channel", "getaccess", "1", "2"],
        &["channel", "getciphers", "ipmi", "1"],
        &["session", "info", "all"],
        &["user", "list", "1"],
        &["user", "summary"],
        &["mc", "guid"],
        &["lan", "print"],
        &["lan", "print", "1"],
        &["mc", "getenables"],
        &["mc", "watchdog", "get"],
        &["lan", "print", "1"],
    ] {
        let r = ipmirs(&cat(&cat(&a, &["--json"]), command), &[]);
        r.expect_code(0);
        let text = r.stdout_str();
        assert_eq!(text.lines().count(), 1, "{command:?}: {text}");
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{command:?}: {e}: {text}"));
        assert!(v.is_object(), "{command:?}: {text}");
    }
}

/// `lan set` by ipmirs (inside the set-in-progress lock), read back with
/// ipmitool's `lan print`; then both print the same.
#[test]
fn lan_set_is_read_back_by_ipmitool() {
    let sim = IpmiSim::start();
    let a = lanplus(sim.port(), "admin", "secret", 3);
    let line = |label: &str| {
        let r = ipmitool(&cat(&a, &["lan", "print", "1"]));
        r.expect_code(0);
        r.stdout_str()
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in {}", r.stdout_str()))
            .to_string()
    };
    for (words, said, label, value) in [
        (
            &["ipaddr", "10.1.2.3"][..],
            "Setting LAN IP Address to 10.1.2.3\n",
            "IP Address   ",
            "10.1.2.3",
        ),
        (
            &["netmask", "255.255.240.0"],
            "Setting LAN Subnet Mask to 255.255.240.0\n",
            "Subnet Mask",
            "255.255.240.0",
        ),
        (
            &["defgw", "ipaddr", "10.1.0.254"],
            "Setting LAN Default Gateway IP to 10.1.0.254\n",
            "Default Gateway IP",
            "10.1.0.254",
        ),
        (
            &["ipsrc", "static"],
            "",
            "IP Address Source",
            "Static Address",
        ),
        (&["ipsrc", "dhcp"], "", "IP Address Source", "DHCP Address"),
    ] {
        let r = ipmirs(&cat(&cat(&a, &["lan", "set", "1"]), words), &[]);
        r.expect_code(0);
        assert_eq!(r.stdout_str(), said, "{words:?}");
        assert!(
            line(label).ends_with(&format!(": {value}")),
            "{}",
            line(label)
        );
    }
    // The lock was given back: parameter 0 reads "Set Complete".
    assert!(line("Set in Progress").ends_with(": Set Complete"));
    let (mine, theirs) = both(sim.port(), &["lan", "print", "1"]);
    assert_same(&["lan", "print", "1"], &mine, &theirs);
    // Bad input: a clear usage error, nothing sent.
    let r = ipmirs(&cat(&a, &["lan", "set", "1", "ipaddr", "10.1.2"]), &[]);
    r.expect_code(2);
    assert!(r.messages().contains("invalid IP address"), "{}", r.stderr);
}

/// ipmi_sim has no DCMI: ipmitool prints a stray newline for `dcmi power
/// reading`; ipmirs prints nothing and says the BMC does not implement DCMI.
#[test]
fn a_bmc_without_dcmi_is_said_so() {
    let sim = IpmiSim::start();
    let (mine, theirs) = both(sim.port(), &["dcmi", "power", "reading"]);
    theirs.expect_code(1);
    mine.expect_code(1);
    assert!(mine.stdout.is_empty());
    assert!(
        mine.messages().contains("does not implement DCMI"),
        "{}",
        mine.stderr
    );
}

/// `chassis bootdev` reaches ipmi_sim's chassis (its hook logs `set boot
/// DEVICE`) exactly as ipmitool's does, with the same output; then both
/// read the same boot flags back.
#[test]
fn bootdev_reaches_ipmi_sims_chassis_like_ipmitools() {
    let sim = IpmiSim::start();
    for command in [
        &["chassis", "bootdev", "pxe"][..],
        &["chassis", "bootdev", "cdrom", "options=persistent"],
        &["chassis", "bootdev", "bios", "clear-cmos=yes"],
    ] {
        let a = lanplus(sim.port(), "admin", "secret", 3);
        let before = sim.chassis_requests().len();
        let theirs = ipmitool(&cat(&a, command));
        let between = sim.chassis_requests();
        let mine = ipmirs(&cat(&a, command), &[]);
        let after = sim.chassis_requests();
        assert_same(command, &mine, &theirs);
        mine.expect_code(0);
        assert_eq!(
            after.len() - between.len(),
            between.len() - before,
            "{command:?}"
        );
        assert_eq!(after[between.len()..], between[before..], "{command:?}");
        assert!(
            after[between.len()..]
                .iter()
                .any(|r| r.starts_with("boot ")),
            "{command:?}: {after:?}"
        );
    }
    let (mine, theirs) = both(sim.port(), &["chassis", "bootparam", "get", "5"]);
    assert_same(&["chassis", "bootparam", "get", "5"], &mine, &theirs);
}
