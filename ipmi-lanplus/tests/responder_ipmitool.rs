//! ipmitool (a client nobody here wrote) against the responder over
//! loopback UDP: cipher suites 3 and 17, automatic suite choice through Get
//! Channel Cipher Suites, the commands of `ipmitool mc`/`chassis`/`raw`,
//! refused credentials, privileges and the session limit. Output is
//! compared with what the same ipmitool prints against ipmi_sim.

use std::collections::BTreeSet;
use std::time::Duration;

use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{Client, ClientConfig, Error, Stage};
use ipmirs_test_support::ipmisim;
use ipmirs_test_support::program::{ipmitool_lanplus, Run};
use ipmirs_test_support::responder::BackgroundServer;

const LIMIT: Duration = Duration::from_secs(30);

fn config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(16))
        .user(User::new("user", "userpw", PrivilegeLevel::User))
        .cipher_suites([1, 2, 3, 17])
}

/// `ipmitool -I lanplus -H 127.0.0.1 -p PORT -U user -P password [-C suite] args...`
fn ipmitool(port: &str, user: &str, password: &str, suite: Option<u8>, args: &[&str]) -> Run {
    let suite_s = suite.map(|s| s.to_string());
    let options: Vec<&str> = suite_s.iter().flat_map(|s| ["-C", s.as_str()]).collect();
    ipmitool_lanplus(port, user, password, &options, args, LIMIT)
}

/// The labels of `Label : value` lines (the part before the colon).
fn labels(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, _)| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

/// The commands of the issue, with their expected output, for one suite.
fn command_set(port: &str, suite: Option<u8>) {
    let it = |args: &[&str]| ipmitool(port, "admin", "secret", suite, args);
    let info = it(&["mc", "info"]);
    info.assert_ok("mc info");
    for line in [
        "Device ID                 : 32",
        "Firmware Revision         : 1.00",
        "IPMI Version              : 2.0",
    ] {
        assert!(
            info.stdout.contains(line),
            "mc info lacks {line:?}:\n{}",
            info.stdout
        );
    }
    let status = it(&["chassis", "power", "status"]);
    assert_eq!(
        status.assert_ok("power status").stdout.trim(),
        "Chassis Power is off"
    );
    let on = it(&["chassis", "power", "on"]);
    assert_eq!(
        on.assert_ok("power on").stdout.trim(),
        "Chassis Power Control: Up/On"
    );
    let status = it(&["chassis", "power", "status"]);
    assert_eq!(
        status.assert_ok("power status").stdout.trim(),
        "Chassis Power is on"
    );
    let raw = it(&["raw", "0x06", "0x01"]);
    assert_eq!(
        raw.assert_ok("raw 6 1").stdout.trim(),
        // additional device support 0x8f: chassis, FRU inventory, SEL, SDR
        // repository and sensor device (the virtual BMC serves all five)
        "20 01 01 00 02 8f 00 00 00 01 00 00 00 00 00"
    );
    let reset = it(&["mc", "reset", "cold"]);
    assert_eq!(
        reset.assert_ok("mc reset cold").stdout.trim(),
        "Sent cold reset command to MC"
    );
    let off = it(&["chassis", "power", "off"]);
    assert_eq!(
        off.assert_ok("power off").stdout.trim(),
        "Chassis Power Control: Down/Off"
    );
}

#[test]
fn ipmitool_suite_3_and_17() {
    for suite in [3u8, 17] {
        let server = BackgroundServer::start(config());
        command_set(&server.port(), Some(suite));
        let log = server.log();
        assert!(
            log.iter()
                .any(|l| l.contains(&format!("cipher suite {suite}, privilege USER"))),
            "suite {suite} not used: {log:#?}"
        );
        assert!(
            log.iter()
                .any(|l| l.contains("privilege set to ADMINISTRATOR")),
            "{log:#?}"
        );
    }
}

#[test]
fn ipmitool_without_c_negotiates_17_at_once() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let r = ipmitool(
        &port,
        "admin",
        "secret",
        None,
        &["-v", "chassis", "power", "status"],
    );
    r.assert_ok("power status without -C");
    assert!(
        r.stderr.contains("Using best available cipher suite 17"),
        "{r:#?}"
    );
    assert!(
        r.elapsed < Duration::from_secs(3),
        "took {:?}: Get Channel Cipher Suites not answered?",
        r.elapsed
    );
    assert!(server.log().iter().any(|l| l.contains("cipher suite 17")));
    // And the whole command set, each run well under 3 s.
    command_set(&port, None);
    // With 17 not offered, ipmitool picks 3 from the list.
    let server = BackgroundServer::start(config().cipher_suites([2, 3]));
    let r = ipmitool(
        &server.port(),
        "admin",
        "secret",
        None,
        &["-v", "mc", "info"],
    );
    r.assert_ok("mc info, suites 2,3");
    assert!(
        r.stderr.contains("Using best available cipher suite 3"),
        "{r:#?}"
    );
    assert!(r.elapsed < Duration::from_secs(3), "took {:?}", r.elapsed);
}

#[test]
fn ipmitool_prints_what_it_prints_against_ipmi_sim() {
    let sim = ipmisim::IpmiSim::start();
    let sim_port = sim.port().to_string();
    let server = BackgroundServer::start(config());
    let ours_port = server.port();
    for args in [
        &["mc", "info"][..],
        &["chassis", "power", "status"],
        &["raw", "0x06", "0x01"],
        &["mc", "reset", "cold"],
    ] {
        let theirs = ipmitool(&sim_port, "admin", "secret", Some(3), args);
        let ours = ipmitool(&ours_port, "admin", "secret", Some(3), args);
        assert_eq!(
            theirs.code, ours.code,
            "{args:?}: exit codes\n{theirs:#?}\n{ours:#?}"
        );
        match args[0] {
            "mc" if args[1] == "info" => {
                assert_eq!(labels(&theirs.stdout), labels(&ours.stdout), "{args:?}")
            }
            "raw" => assert_eq!(
                theirs.stdout.split_whitespace().count(),
                ours.stdout.split_whitespace().count(),
                "{args:?}: Get Device ID lengths\n{}\n{}",
                theirs.stdout,
                ours.stdout
            ),
            _ => assert_eq!(theirs.stdout, ours.stdout, "{args:?}"),
        }
    }
}

#[test]
fn ipmitool_refused_credentials() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    for suite in [3u8, 17] {
        let wrong = ipmitool(&port, "admin", "wrong", Some(suite), &["-v", "mc", "info"]);
        assert_ne!(wrong.code, Some(0), "{wrong:#?}");
        assert!(
            wrong.stderr.contains("RAKP 2 HMAC is invalid"),
            "{wrong:#?}"
        );
        assert!(
            wrong
                .stderr
                .contains("Unable to establish IPMI v2 / RMCP+ session"),
            "{wrong:#?}"
        );
        let unknown = ipmitool(
            &port,
            "nosuch",
            "secret",
            Some(suite),
            &["-v", "mc", "info"],
        );
        assert_ne!(unknown.code, Some(0), "{unknown:#?}");
        assert!(
            unknown
                .stderr
                .contains("RAKP 2 message indicates an error : unauthorized name"),
            "{unknown:#?}"
        );
        // A USER-limited account asking for ipmitool's default ADMINISTRATOR.
        let above = ipmitool(&port, "user", "userpw", Some(suite), &["-v", "mc", "info"]);
        assert_ne!(above.code, Some(0));
        assert!(
            above
                .stderr
                .contains("RAKP 2 message indicates an error : unauthorized role requested"),
            "{above:#?}"
        );
    }
    let log = server.log();
    assert!(
        log.iter().any(|l| l.contains("unauthorized name (0x0d)")),
        "{log:#?}"
    );
}

#[test]
fn ipmitool_user_privilege_is_enforced() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let as_user = |args: &[&str]| {
        let mut v = vec!["-L", "USER"];
        v.extend_from_slice(args);
        ipmitool(&port, "user", "userpw", Some(17), &v)
    };
    as_user(&["chassis", "power", "status"]).assert_ok("status as USER");
    let on = as_user(&["chassis", "power", "on"]);
    assert_eq!(on.code, Some(1));
    assert!(
        on.stderr.contains("Insufficient privilege level"),
        "{on:#?}"
    );
    let reset = as_user(&["raw", "0x06", "0x02"]);
    assert_eq!(reset.code, Some(1));
    assert!(
        reset
            .stderr
            .contains("rsp=0xd4): Insufficient privilege level"),
        "{reset:#?}"
    );
    let unknown = as_user(&["raw", "0x2e", "0x99"]);
    assert!(
        unknown.stderr.contains("rsp=0xc1): Invalid command"),
        "{unknown:#?}"
    );
    assert_eq!(
        as_user(&["chassis", "power", "status"]).stdout.trim(),
        "Chassis Power is off"
    );
}

#[test]
fn ipmitool_refused_at_the_session_limit() {
    let server = BackgroundServer::start(
        ServerConfig::new()
            .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(2)),
    );
    let port = server.port();
    let ours = || {
        ClientConfig::new("admin", "secret")
            .cipher_suite(17)
            .timeout(Duration::from_secs(5))
    };
    let a = Client::connect(server.addr(), ours()).unwrap();
    let b = Client::connect(server.addr(), ours()).unwrap();
    let r = ipmitool(&port, "admin", "secret", Some(17), &["-v", "mc", "info"]);
    assert_ne!(r.code, Some(0), "{r:#?}");
    assert!(
        r.stderr
            .contains("RAKP 2 message indicates an error : insufficient resources for session"),
        "{r:#?}"
    );
    match Client::connect(server.addr(), ours()) {
        Err(Error::Rejected {
            stage: Stage::Rakp2,
            status,
        }) => assert_eq!(status.0, 0x01),
        other => panic!("{other:?}"),
    }
    a.close().unwrap();
    ipmitool(&port, "admin", "secret", Some(17), &["mc", "info"]).assert_ok("after a close");
    b.close().unwrap();
}
