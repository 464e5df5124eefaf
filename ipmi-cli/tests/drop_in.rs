//! Issue 10.4, drop-in details for people who script ipmitool: the `-P`
//! warning only on a terminal, the password prompt, the empty password in
//! scripts, one line for ipmitool commands not implemented yet, and
//! ipmitool's `-c`, `-o`, `-m`, `-l`.

use ipmirs_test_support::ipmisim;

mod common;

use common::pty::ipmirs_on_a_terminal;
use common::{args, cat, ipmirs, ipmitool, lanplus, PASSWORD_OPTION_WARNING};
use ipmisim::IpmiSim;

fn lan_without_password(port: u16) -> Vec<String> {
    args(&[
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        "admin",
        "-C",
        "3",
    ])
}

/// No password given and standard input a terminal: `Password: ` without
/// echo, like ipmitool, and the typed password opens the session.
#[test]
fn a_terminal_is_asked_for_the_password_without_echo() {
    let sim = IpmiSim::start();
    let line = cat(
        &lan_without_password(sim.port()),
        &["chassis", "power", "status"],
    );
    let r = ipmirs_on_a_terminal(&line, Some(("Password: ", "secret\n")));
    assert_eq!(r.code, 0, "{}", r.screen);
    assert!(r.screen.starts_with("Password: "), "{}", r.screen);
    assert!(r.screen.contains("Chassis Power is off"), "{}", r.screen);
    assert!(!r.screen.contains("secret"), "echoed: {}", r.screen);
    // -a asks too; a wrong answer is refused like a wrong -P (and no hint
    // about a missing password: one was given).
    let forced = cat(&line, &["-a"]);
    let r = ipmirs_on_a_terminal(&forced, Some(("Password: ", "wrong\n")));
    assert_eq!(r.code, 1, "{}", r.screen);
    assert!(r.screen.contains("password rejected"), "{}", r.screen);
    assert!(!r.screen.contains("no password was given"), "{}", r.screen);
}

/// `-P` on a terminal: the warning about the process list; in a script
/// (standard error a pipe) not a word of it.
#[test]
fn the_password_option_warns_on_a_terminal_only() {
    let sim = IpmiSim::start();
    let line = cat(
        &lanplus(sim.port(), "admin", "secret", 3),
        &["chassis", "power", "status"],
    );
    let r = ipmirs_on_a_terminal(&line, None);
    assert_eq!(r.code, 0, "{}", r.screen);
    let warning = PASSWORD_OPTION_WARNING.trim_end();
    assert!(r.screen.contains(warning), "{}", r.screen);
    assert!(r.screen.contains("Chassis Power is off"), "{}", r.screen);
    let piped = ipmirs(&line, &[]);
    piped.expect_code(0);
    assert_eq!(piped.stderr, "");
}

/// No password and no terminal (cron, a script): the empty password, and
/// when the BMC's RAKP 2 does not verify, the error says so and how to give one.
#[test]
fn no_password_in_a_script_says_how_to_give_one() {
    let sim = IpmiSim::start();
    let r = ipmirs(
        &cat(&lan_without_password(sim.port()), &["mc", "info"]),
        &[],
    );
    r.expect_code(1);
    assert!(r.stdout.is_empty());
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("no password was given"), "{}", r.stderr);
    assert!(
        r.stderr.contains("-E") && r.stderr.contains("-a"),
        "{}",
        r.stderr
    );
    // -a without a terminal cannot ask: a usage error, nothing sent.
    let r = ipmirs(
        &cat(&lan_without_password(sim.port()), &["-a", "mc", "info"]),
        &[],
    );
    r.expect_code(2);
    assert!(
        r.stderr.contains("cannot read the password"),
        "{}",
        r.stderr
    );
}

/// ipmitool commands ipmirs has not yet: one line, exit 2, no clap
/// suggestions; `lan print` is ipmitool's lan command, not the interface.
#[test]
fn ipmitool_commands_not_implemented_get_one_line() {
    for (line, said) in [
        (&["event", "1"][..], "'event'"),
        (
            &["-H", "127.0.0.1", "-p", "9", "sol", "activate"],
            "'sol activate'",
        ),
        (&["pef", "list"], "'pef list'"),
        (
            &["-H", "127.0.0.1", "-p", "9", "lan", "stats", "get", "1"],
            "'lan stats'",
        ),
        (&["lan", "alert", "print"], "'lan alert'"),
        (&["gendev"], "'gendev'"),
        (&["sdr", "fill", "sensors"], "'sdr fill'"),
        (&["sensor", "thresh"], "'sensor thresh'"),
        (&["nm", "discover"], "'nm discover'"),
        (&["chassis", "setbootparam", "5"], "'chassis setbootparam'"),
        (&["mc", "setenables", "oem0=on"], "'mc setenables'"),
        (&["--json", "pef"], "'pef'"),
    ] {
        let r = ipmirs(&args(line), &[]);
        r.expect_code(2);
        assert_eq!(
            r.stderr,
            format!("ipmirs: {said} is not implemented yet\n"),
            "{}",
            r.line
        );
        if line[0] == "--json" {
            let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON error");
            assert_eq!(v["kind"], "usage");
        } else {
            assert!(r.stdout.is_empty(), "{}", r.line);
        }
    }
    // A typo is no ipmitool command: said so, with no unrelated suggestion.
    let r = ipmirs(&args(&["user2"]), &[]);
    r.expect_code(2);
    assert!(
        r.stderr
            .starts_with("ipmirs: 'user2' is not an ipmirs command"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("serve"), "{}", r.stderr);
}

/// ipmitool's -c is accepted (these commands print the same with it, as
/// ipmitool's do); -o, -m and -l are refused with one line naming the option.
#[test]
fn ipmitool_output_and_session_options() {
    let sim = IpmiSim::start();
    let base = cat(&lanplus(sim.port(), "admin", "secret", 3), &["-c"]);
    for command in [
        &["mc", "info"][..],
        &["chassis", "status"],
        &["chassis", "power", "status"],
        &["raw", "6", "1"],
    ] {
        let line = cat(&base, command);
        let ours = ipmirs(&line, &[]);
        ours.expect_code(0);
        let theirs = ipmitool(&line);
        theirs.expect_code(0);
        assert_eq!(ours.stdout_str(), theirs.stdout_str(), "{}", ours.line);
    }
    for (option, value) in [("-o", "supermicro"), ("-m", "0x82"), ("-l", "1")] {
        let r = ipmirs(&cat(&base, &[option, value, "mc", "info"]), &[]);
        r.expect_code(2);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("ipmirs: {option} {value}: ")),
            "{}",
            r.stderr
        );
    }
}
