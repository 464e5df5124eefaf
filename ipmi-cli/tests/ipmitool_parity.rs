//! `ipmirs` against live `ipmitool -I lanplus` 1.8.19 on the same ipmi_sim:
//! standard output must be byte-identical and the exit status the same, for
//! every command, with cipher suites 0, 1, 2 and 3. Where ipmitool reports
//! success for a refused command (Cold Reset), ipmirs must not.

use ipmirs_test_support::ipmisim;

mod common;

use common::{cat, ipmirs, ipmitool, lanplus};
use ipmisim::IpmiSim;

/// Commands compared on every suite, in order.
const COMMANDS: &[&[&str]] = &[
    &["mc", "info"],
    &["chassis", "status"],
    &["chassis", "power", "status"],
    &["power", "status"],
    &["chassis", "power", "on"],
    &["chassis", "power", "off"],
    &["chassis", "power", "cycle"],
    &["chassis", "power", "reset"],
    &["chassis", "power", "soft"],
    &["chassis", "power", "up"],
    &["chassis", "power", "down"],
    // Refused by ipmi_sim with 0xCC: both exit 1 with nothing on stdout.
    &["chassis", "power", "diag"],
    &["raw", "0x06", "0x01"],
    &["raw", "6", "1"],
    &["raw", "Application", "01"],
    // Read FRU Data, 32 bytes: a multi-line answer.
    &["raw", "0x0a", "0x11", "0", "0", "0", "32"],
    // Refused by ipmi_sim: both print nothing on stdout and exit 1.
    &["raw", "0x06", "0x03"],
    &["mc", "reset", "warm"],
];

fn parity_on_suite(suite: u8) {
    let sim = IpmiSim::start();
    let reference = lanplus(sim.port(), "admin", "secret", suite);
    let mut ours = reference.clone();
    if suite == 0 {
        ours.push("--allow-insecure".into());
    }
    for command in COMMANDS {
        let before = sim.chassis_requests().len();
        let theirs = ipmitool(&cat(&reference, command));
        let between = sim.chassis_requests().len();
        let mine = ipmirs(&cat(&ours, command), &[]);
        let after = sim.chassis_requests().len();
        // What reached the BMC's chassis is the same for both clients.
        assert_eq!(
            after - between,
            between - before,
            "suite {suite}, `{}`: chassis requests",
            command.join(" ")
        );
        if command.starts_with(&["chassis", "power"]) && !matches!(command[2], "status" | "diag") {
            assert!(
                after > between,
                "suite {suite}, `{}` did not reach the chassis",
                command.join(" ")
            );
        }
        assert!(
            !mine.stderr.contains("panicked"),
            "{}: {}",
            mine.line,
            mine.stderr
        );
        assert_eq!(
            mine.stdout_str(),
            theirs.stdout_str(),
            "suite {suite}, `{}`: stdout differs\n--- ipmirs stderr ---\n{}\n--- ipmitool stderr ---\n{}",
            command.join(" "),
            mine.stderr,
            theirs.stderr
        );
        assert_eq!(
            mine.stdout,
            theirs.stdout,
            "suite {suite}, `{}`: bytes differ",
            command.join(" ")
        );
        assert_eq!(
            mine.code,
            theirs.code,
            "suite {suite}, `{}`: exit status differs\n--- ipmirs stderr ---\n{}",
            command.join(" "),
            mine.stderr
        );
        if mine.code != 0 {
            assert!(
                mine.messages().starts_with("ipmirs: "),
                "{}: {}",
                mine.line,
                mine.stderr
            );
        }
    }
}

#[test]
fn parity_suite_0() {
    parity_on_suite(0);
}

#[test]
fn parity_suite_1() {
    parity_on_suite(1);
}

#[test]
fn parity_suite_2() {
    parity_on_suite(2);
}

#[test]
fn parity_suite_3() {
    parity_on_suite(3);
}

/// With the simulated power really switching, each step reads the state the
/// previous step left: ipmitool, then ipmirs, both see the same.
#[test]
fn parity_while_power_changes() {
    let sim = IpmiSim::start();
    sim.track_power(true);
    let reference = lanplus(sim.port(), "oper", "operpw", 3);
    let ours = cat(&reference, &["-L", "OPERATOR"]);
    let reference = cat(&reference, &["-L", "OPERATOR"]);
    for command in [
        &["chassis", "power", "status"][..],
        &["chassis", "power", "on"],
        &["chassis", "power", "status"],
        &["chassis", "status"],
        &["chassis", "power", "off"],
        &["chassis", "power", "status"],
    ] {
        let theirs = ipmitool(&cat(&reference, command));
        let mine = ipmirs(&cat(&ours, command), &[]);
        mine.expect_code(theirs.code);
        assert_eq!(
            mine.stdout_str(),
            theirs.stdout_str(),
            "`{}`",
            command.join(" ")
        );
    }
    assert!(!sim.is_powered_on());
    assert_eq!(
        sim.chassis_requests(),
        ["power 1", "power 1", "power 0", "power 0"]
    );
}

/// ipmi_sim refuses Cold Reset (0xC1 for an administrator). ipmitool does
/// not wait for the answer and claims success; ipmirs reports the refusal.
#[test]
fn cold_reset_refusal_is_reported() {
    let sim = IpmiSim::start();
    let reference = lanplus(sim.port(), "admin", "secret", 3);
    let theirs = ipmitool(&cat(&reference, &["mc", "reset", "cold"]));
    assert_eq!(
        (theirs.code, theirs.stdout_str().as_str()),
        (0, "Sent cold reset command to MC\n")
    );

    let mine = ipmirs(&cat(&reference, &["mc", "reset", "cold"]), &[]);
    mine.expect_code(1);
    assert_eq!(mine.stdout_str(), "");
    // The -P warning first, then the refusal.
    assert_eq!(
        mine.stderr,
        format!(
            "{}ipmirs: MC reset command failed: Invalid command (0xc1)\n",
            common::PASSWORD_OPTION_WARNING
        )
    );
}

/// A USER-level session may not reset the BMC (0xD4).
#[test]
fn cold_reset_as_user_is_refused_with_d4() {
    let sim = IpmiSim::start();
    let reference = cat(&lanplus(sim.port(), "user", "userpw", 3), &["-L", "USER"]);
    let theirs = ipmitool(&cat(&reference, &["mc", "reset", "cold"]));
    assert_eq!(
        (theirs.code, theirs.stdout_str().as_str()),
        (0, "Sent cold reset command to MC\n")
    );

    let mine = ipmirs(&cat(&reference, &["mc", "reset", "cold"]), &[]);
    mine.expect_code(1);
    assert!(
        !mine.stdout_str().contains("Sent cold reset"),
        "{}",
        mine.stdout_str()
    );
    assert_eq!(mine.stdout_str(), "");
    assert!(
        mine.stderr.contains("Insufficient privilege level"),
        "{}",
        mine.stderr
    );
    assert!(mine.stderr.contains("0xd4"), "{}", mine.stderr);

    // Chassis Control needs OPERATOR: same refusal, ipmitool's wording.
    let theirs = ipmitool(&cat(&reference, &["chassis", "power", "on"]));
    let mine = ipmirs(&cat(&reference, &["chassis", "power", "on"]), &[]);
    mine.expect_code(theirs.code);
    assert_eq!(mine.stdout, theirs.stdout);
    assert_eq!(
        mine.messages(),
        "ipmirs: Set Chassis Power Control to Up/On failed: Insufficient privilege level (0xd4)\n"
    );
    assert!(theirs
        .stderr
        .contains("Set Chassis Power Control to Up/On failed: Insufficient privilege level\n"));
    assert!(sim.chassis_requests().is_empty());
}

/// The environment carries the credentials (no secret in argv), and the
/// interface word is optional: all forms print what ipmitool prints.
#[test]
fn credentials_from_the_environment_and_command_forms() {
    let sim = IpmiSim::start();
    let port = sim.port().to_string();
    let reference = ipmitool(&cat(
        &lanplus(sim.port(), "admin", "secret", 3),
        &["mc", "info"],
    ));
    reference.expect_code(0);
    let base = common::args(&["-H", "127.0.0.1", "-p", &port, "-C", "3"]);

    let env_only = [("IPMI_USER", "admin"), ("IPMI_PASSWORD", "secret")];
    for form in [&["mc", "info"][..], &["lan", "mc", "info"]] {
        let r = ipmirs(&cat(&base, form), &env_only);
        r.expect_code(0);
        assert_eq!(r.stdout, reference.stdout, "{}", r.line);
    }
    // `lan` before the options, and the options after the command words.
    let r = ipmirs(
        &cat(
            &common::args(&["lan"]),
            &["-H", "127.0.0.1", "-p", &port, "-C", "3", "mc", "info"],
        ),
        &env_only,
    );
    r.expect_code(0);
    assert_eq!(r.stdout, reference.stdout);
    let r = ipmirs(
        &common::args(&["mc", "info", "-H", "127.0.0.1", "-p", &port, "-C", "3"]),
        &env_only,
    );
    r.expect_code(0);
    assert_eq!(r.stdout, reference.stdout);

    // -E reads IPMI_PASSWORD (or IPMITOOL_PASSWORD first, like ipmitool).
    let r = ipmirs(
        &cat(&base, &["-U", "admin", "-E", "mc", "info"]),
        &[("IPMI_PASSWORD", "secret")],
    );
    r.expect_code(0);
    assert_eq!(r.stdout, reference.stdout);
    let r = ipmirs(
        &cat(&base, &["-U", "admin", "-E", "mc", "info"]),
        &[("IPMITOOL_PASSWORD", "secret"), ("IPMI_PASSWORD", "wrong")],
    );
    r.expect_code(0);
    // -U wins over IPMI_USER.
    let r = ipmirs(
        &cat(&base, &["-U", "admin", "mc", "info"]),
        &[("IPMI_USER", "nobody"), ("IPMI_PASSWORD", "secret")],
    );
    r.expect_code(0);
    // The environment is really used: a wrong IPMI_PASSWORD fails.
    let r = ipmirs(
        &cat(&base, &["mc", "info"]),
        &[("IPMI_USER", "admin"), ("IPMI_PASSWORD", "wrong")],
    );
    r.expect_code(1);

    // -f: the first line of a file.
    let file = sim.state_dir().join("password.txt");
    std::fs::write(&file, "secret\nnot this line\n").unwrap();
    let r = ipmirs(
        &cat(
            &base,
            &["-U", "admin", "-f", file.to_str().unwrap(), "mc", "info"],
        ),
        &[],
    );
    r.expect_code(0);
    assert_eq!(r.stdout, reference.stdout);
}

/// ipmi_sim with a satellite management controller at IPMB address 0x30
/// (channel 0) besides the BMC at 0x20; nothing answers at 0x40.
const SATELLITE_EMU: &str = "\
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_add 0x30 0 no-device-sdrs 0x31 2 3 0x05 0x157 0x28
mc_enable 0x30
mc_enable 0x20
";

/// Bridging (`-b CHANNEL -t ADDRESS`): ipmirs prints what ipmitool prints,
/// and it is the satellite that answers, not the BMC.
#[test]
fn bridged_commands_match_ipmitool() {
    let sim = IpmiSim::start_with_emu(ipmisim::SimOptions::default(), SATELLITE_EMU);
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let bmc_info = ipmitool(&cat(&base, &["mc", "info"]));
    bmc_info.expect_code(0);
    for command in [
        &["-b", "0", "-t", "0x30", "mc", "info"][..],
        &["-b", "0", "-t", "0x30", "raw", "0x06", "0x01"],
        // -t alone is channel 0; numbers in any of ipmitool's forms.
        &["-t", "48", "mc", "info"],
        &["-t", "0x30", "raw", "Application", "1"],
        // The satellite refuses what it does not implement.
        &["-b", "0", "-t", "0x30", "chassis", "power", "status"],
        &["-b", "0", "-t", "0x30", "raw", "6", "3"],
        // Nobody at 0x40: the BMC answers Send Message with 0x83.
        &["-b", "0", "-t", "0x40", "mc", "info"],
        &["-b", "0", "-t", "0x40", "raw", "6", "1"],
        // The BMC's own address on channel 0: no bridging at all.
        &["-b", "0", "-t", "0x20", "mc", "info"],
    ] {
        let theirs = ipmitool(&cat(&base, command));
        let mine = ipmirs(&cat(&base, command), &[]);
        let line = command.join(" ");
        assert_eq!(
            mine.stdout_str(),
            theirs.stdout_str(),
            "`{line}`: stdout differs\n--- ipmirs stderr ---\n{}\n--- ipmitool stderr ---\n{}",
            mine.stderr,
            theirs.stderr
        );
        assert_eq!(mine.code, theirs.code, "`{line}`: {}", mine.stderr);
        if mine.code != 0 {
            // ipmitool's words for the refusal, prefixed.
            let first = theirs.stderr.lines().last().unwrap_or_default();
            assert!(
                mine.messages().starts_with(&format!("ipmirs: {first}")),
                "`{line}`:\n{}\nvs\n{}",
                mine.stderr,
                theirs.stderr
            );
        }
        let bridged = command.contains(&"0x30") || command.contains(&"48");
        if bridged && mine.code == 0 {
            assert_ne!(mine.stdout, bmc_info.stdout, "`{line}` reached the BMC");
            let out = mine.stdout_str();
            assert!(
                out.contains("Manufacturer ID           : 343")
                    || out.starts_with(" 00 01 02 03 02 05 57 01 00 28"),
                "`{line}`: not the satellite's answer:\n{out}"
            );
        }
        if command.contains(&"0x20") {
            assert_eq!(mine.stdout, bmc_info.stdout);
        }
    }
    // What ipmitool does not say: the BMC could not deliver it.
    let mine = ipmirs(&cat(&base, &["-t", "0x40", "raw", "6", "1"]), &[]);
    mine.expect_code(1);
    assert!(
        mine.stderr
            .contains("could not deliver the bridged request to IPMB address 0x40 on channel 0"),
        "{}",
        mine.stderr
    );
}
