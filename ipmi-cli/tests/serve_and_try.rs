//! `ipmirs serve` as a child process, driven by live `ipmitool` 1.8.19 and
//! by `ipmirs` itself; stopped by SIGINT and SIGTERM. `ipmirs try` against
//! what ipmitool prints for the same virtual BMC.

mod common;

use std::time::{Duration, Instant};

use common::serve::Serve;
use common::{args, cat, ipmirs, ipmitool, lanplus};

/// ipmitool's words, over RMCP+ with cipher suite 17.
fn ipmitool_17(port: u16, user: &str, password: &str, command: &[&str]) -> common::Run {
    let r = ipmitool(&cat(&lanplus(port, user, password, 17), command));
    assert!(!r.stderr.contains("panicked"));
    r
}

#[test]
fn serve_answers_ipmitool_and_ipmirs_and_stops_on_sigint() {
    let mut bmc = Serve::start(&["--user", "admin:secret"]);
    let port = bmc.port;
    let start = bmc.log();
    assert_eq!(
        start,
        format!(
            "ipmirs serve: virtual BMC on 127.0.0.1:{port} (users: admin; cipher suites 1,2,3,15,16,17)\n"
        ),
        "the password must not show"
    );

    let status = |r: common::Run| {
        r.expect_code(0);
        r.stdout_str()
    };
    assert_eq!(
        status(ipmitool_17(
            port,
            "admin",
            "secret",
            &["chassis", "power", "status"]
        )),
        "Chassis Power is off\n"
    );
    assert_eq!(
        status(ipmitool_17(
            port,
            "admin",
            "secret",
            &["chassis", "power", "on"]
        )),
        "Chassis Power Control: Up/On\n"
    );
    // The state changed, for ipmitool and for ipmirs.
    assert_eq!(
        status(ipmitool_17(
            port,
            "admin",
            "secret",
            &["chassis", "power", "status"]
        )),
        "Chassis Power is on\n"
    );
    let ours = lanplus(port, "admin", "secret", 17);
    assert_eq!(
        status(ipmirs(&cat(&ours, &["chassis", "power", "status"]), &[])),
        "Chassis Power is on\n"
    );
    // ipmirs switches it off; ipmitool sees it.
    assert_eq!(
        status(ipmirs(&cat(&ours, &["power", "off"]), &[])),
        "Chassis Power Control: Down/Off\n"
    );
    assert_eq!(
        status(ipmitool_17(
            port,
            "admin",
            "secret",
            &["chassis", "power", "status"]
        )),
        "Chassis Power is off\n"
    );
    // Byte-identical mc info, also with the fallback suite 3.
    for suite in [17, 3] {
        let theirs = ipmitool(&cat(
            &lanplus(port, "admin", "secret", suite),
            &["mc", "info"],
        ));
        theirs.expect_code(0);
        let mine = ipmirs(
            &cat(&lanplus(port, "admin", "secret", suite), &["mc", "info"]),
            &[],
        );
        mine.expect_code(0);
        assert_eq!(mine.stdout, theirs.stdout, "suite {suite}");
    }
    // A wrong password is refused by the virtual BMC and logged.
    ipmirs(
        &cat(&lanplus(port, "admin", "wrong", 17), &["mc", "info"]),
        &[],
    )
    .expect_code(1);

    let (code, took) = bmc.stop_with(libc::SIGINT, Duration::from_secs(2));
    assert_eq!(code, Some(0), "{}", bmc.log());
    assert!(took < Duration::from_secs(2));
    let log = bmc.log();
    let prefix = format!("ipmirs serve: 127.0.0.1:{port}: session 0x");
    let opened = log
        .lines()
        .filter(|l| l.starts_with(&prefix) && l.contains(" opened: user \"admin\" from 127.0.0.1:"))
        .count();
    let closed = log
        .lines()
        .filter(|l| l.starts_with(&prefix) && l.ends_with(" closed"))
        .count();
    // ipmitool: 4 chassis + 2 mc info; ipmirs: 2 chassis + 2 mc info.
    assert_eq!((opened, closed), (10, 10), "{log}");
    assert!(log.contains("cipher suite 17, privilege USER"), "{log}");
    assert!(log.contains("cipher suite 3, privilege USER"), "{log}");
    assert!(log.contains("privilege set to ADMINISTRATOR"), "{log}");
    assert!(
        log.contains("RAKP 3 from 127.0.0.1:") && log.contains("(user \"admin\") refused"),
        "the wrong password is logged: {log}"
    );
    assert!(!log.contains("secret"), "{log}");
    assert!(log.ends_with("ipmirs serve: SIGINT: stopped\n"), "{log}");
}

#[test]
fn serve_stops_on_sigterm_and_offers_suite_0_only_when_listed() {
    let mut bmc = Serve::start(&["--user", "op:operpw:operator", "--cipher-suites", "0,3"]);
    let log = bmc.log();
    assert!(
        log.contains("(users: op (OPERATOR); cipher suites 0,3)"),
        "{log}"
    );
    assert!(log.contains("warning: cipher suite 0 is offered"), "{log}");
    // Suite 17 is not offered: ipmitool is refused.
    let r = ipmitool_17(bmc.port, "op", "operpw", &["chassis", "power", "status"]);
    assert_ne!(r.code, 0);
    // An OPERATOR may not reset the BMC (0xD4 from the virtual BMC).
    let ours = cat(&lanplus(bmc.port, "op", "operpw", 3), &["-L", "OPERATOR"]);
    let r = ipmirs(&cat(&ours, &["mc", "reset", "cold"]), &[]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("Insufficient privilege level (0xd4)"),
        "{}",
        r.stderr
    );
    let (code, _) = bmc.stop_with(libc::SIGTERM, Duration::from_secs(2));
    assert_eq!(code, Some(0), "{}", bmc.log());
    assert!(
        bmc.log().ends_with("ipmirs serve: SIGTERM: stopped\n"),
        "{}",
        bmc.log()
    );
}

#[test]
fn serve_refuses_bad_flags_with_exit_2() {
    let t0 = Instant::now();
    for (bad, what) in [
        (&["--listen", "127.0.0.1:notaport"][..], "--listen"),
        (&["--listen", "example.com:6230"], "--listen"),
        (&["--listen", "0.0.0.0:6230"], "not a loopback address"),
        (&["--user", "admin"], "--user: invalid user 'admin'"),
        (&["--user", "admin:123456789012345678901"], "at most 20"),
        (&["--cipher-suites", "5"], "--cipher-suites"),
        (&["--cipher-suites", "3;17"], "--cipher-suites"),
        (&["--cipher-suites", ""], "--cipher-suites"),
        (&["--idle-timeout", "0"], "--idle-timeout"),
        (&["--idle-timeout", "soon"], "--idle-timeout"),
        (&["-H", "127.0.0.1"], "-H belongs to the client commands"),
        (
            &["-U", "admin", "-P", "x"],
            "-U, -P belong to the client commands",
        ),
        (&["mc", "info"], "unexpected argument"),
        (&["--bogus"], "--bogus"),
    ] {
        let r = ipmirs(&cat(&args(&["serve"]), bad), &[]);
        r.expect_code(2);
        assert!(r.stderr.starts_with("ipmirs: "), "{}: {}", r.line, r.stderr);
        assert!(r.stderr.contains(what), "{}: {}", r.line, r.stderr);
        assert!(r.stdout.is_empty(), "{}", r.line);
    }
    // No refusal waits for anything: 14 process starts, a bound against a
    // hang only (about 0.5 s expected on a loaded 2-core machine).
    assert!(t0.elapsed() < Duration::from_secs(30));
}

#[test]
fn try_prints_what_ipmitool_prints_for_the_same_bmc() {
    let r = ipmirs(&args(&["try"]), &[]);
    r.expect_code(0);
    let first = r.stderr.lines().next().unwrap_or_default().to_string();
    assert!(
        first.starts_with("ipmirs try: virtual BMC on 127.0.0.1:")
            && first.ends_with(
                "; running 'mc info', 'chassis power status' and 'sdr list' over RMCP+ (cipher suite 17)"
            ),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    // Three commands with its own BMC on loopback: about 0.1 s expected; 10 s
    // catches a wait on a deadline (the default is 10 s per command).
    assert!(r.elapsed < Duration::from_secs(10), "took {:?}", r.elapsed);

    // The same identity, served by `ipmirs serve` with its built-in user,
    // read by ipmitool.
    let bmc = Serve::start(&[]);
    assert!(
        bmc.log()
            .contains("user admin, password admin (built-in default"),
        "{}",
        bmc.log()
    );
    let mut reference = ipmitool_17(bmc.port, "admin", "admin", &["mc", "info"]);
    reference.expect_code(0);
    let power = ipmitool_17(bmc.port, "admin", "admin", &["chassis", "power", "status"]);
    power.expect_code(0);
    reference.stdout.extend_from_slice(&power.stdout);
    // Power off, within the BMC's first minute: every reading is fixed.
    let sdr = ipmitool_17(bmc.port, "admin", "admin", &["sdr", "list"]);
    sdr.expect_code(0);
    reference.stdout.extend_from_slice(&sdr.stdout);
    assert_eq!(
        r.stdout_str(),
        reference.stdout_str(),
        "ipmirs try vs ipmitool against ipmirs serve"
    );
    let out = r.stdout_str();
    for label in [
        "Device ID",
        "Device Revision",
        "Firmware Revision",
        "IPMI Version",
        "Manufacturer ID",
        "Manufacturer Name",
        "Product ID",
        "Product Name",
        "Device Available",
        "Provides Device SDRs",
        "Additional Device Support",
    ] {
        assert!(out.contains(&format!("{label:<26}:")), "{label}: {out}");
    }
    assert!(out.contains("\nChassis Power is off\nCPU Temp "), "{out}");
    assert!(
        out.contains("\nFAN1             | no reading        | ns\n"),
        "{out}"
    );
}

#[test]
fn try_refuses_client_options() {
    for bad in [&["-H", "127.0.0.1"][..], &["-C", "3"], &["-U", "admin"]] {
        let r = ipmirs(&cat(&args(&["try"]), bad), &[]);
        r.expect_code(2);
        assert!(
            r.stderr.starts_with("ipmirs: try: the option"),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
}
