//! FreeIPMI (a second client nobody here wrote: bmc-info, ipmipower,
//! ipmi-raw) against the responder over loopback UDP, cipher suites 3 and
//! 17 with `-D LAN_2_0`.
//!
//! No `-W` workaround is needed: unlike ipmi_sim, the responder grants in
//! the Open Session Response the privilege FreeIPMI asks for, so FreeIPMI's
//! check passes without `-W opensesspriv` (which is also accepted, below).
//! Plain `bmc-info` (without `--get-device-id`) works too, but FreeIPMI
//! 1.6 prints stale fields for every channel answered with completion code
//! CCh (the responder has only its LAN channel), so it is not compared here.

use std::time::Duration;

use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{Client, ClientConfig};
use ipmirs_test_support::program::{run, Run};
use ipmirs_test_support::responder::BackgroundServer;

const LIMIT: Duration = Duration::from_secs(30);

fn config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(16))
        .cipher_suites([3, 17])
}

/// `program -h 127.0.0.1:PORT -u user -p password -D LAN_2_0 -I suite args...`
fn freeipmi(
    program: &str,
    port: &str,
    user: &str,
    password: &str,
    suite: u8,
    args: &[&str],
) -> Run {
    let host = format!("127.0.0.1:{port}");
    let suite = suite.to_string();
    let mut v = vec![
        "-h", &host, "-u", user, "-p", password, "-D", "LAN_2_0", "-I", &suite,
    ];
    v.extend_from_slice(args);
    run(program, &v, LIMIT)
}

#[test]
fn freeipmi_suites_3_and_17() {
    for suite in [3u8, 17] {
        let server = BackgroundServer::start(config());
        let port = server.port();
        let f =
            |program: &str, args: &[&str]| freeipmi(program, &port, "admin", "secret", suite, args);
        let info = f("bmc-info", &["--get-device-id"]);
        info.assert_ok("bmc-info");
        for line in [
            "Device ID             : 32",
            "Firmware Revision     : 1.00",
            "IPMI Version          : 2.0",
            "Chassis Device        : supported",
        ] {
            assert!(
                info.stdout.contains(line),
                "suite {suite}: bmc-info lacks {line:?}:\n{}",
                info.stdout
            );
        }
        assert_eq!(
            f("ipmipower", &["--stat"])
                .assert_ok("ipmipower --stat")
                .stdout
                .trim(),
            "127.0.0.1: off"
        );
        assert_eq!(
            f("ipmipower", &["--on"])
                .assert_ok("ipmipower --on")
                .stdout
                .trim(),
            "127.0.0.1: ok"
        );
        assert_eq!(f("ipmipower", &["--stat"]).stdout.trim(), "127.0.0.1: on");
        let raw = f("ipmi-raw", &["0", "0x06", "0x01"]);
        assert_eq!(
            raw.assert_ok("ipmi-raw").stdout.trim(),
            // 0x8f: chassis, FRU inventory, SEL, SDR repository, sensor device
            "rcvd: 01 00 20 01 01 00 02 8F 00 00 00 01 00 00 00 00 00"
        );
        let self_test = f("ipmi-raw", &["0", "0x06", "0x04"]);
        assert_eq!(
            self_test.assert_ok("self test").stdout.trim(),
            "rcvd: 04 00 55 00"
        );
        let reset = f("ipmi-raw", &["0", "0x06", "0x02"]);
        assert_eq!(reset.assert_ok("cold reset").stdout.trim(), "rcvd: 02 00");
        let unknown = f("ipmi-raw", &["0", "0x2e", "0x99"]);
        assert_eq!(unknown.stdout.trim(), "rcvd: 99 C1", "{unknown:#?}");
        let with_workaround = f("bmc-info", &["-W", "opensesspriv", "--get-device-id"]);
        with_workaround.assert_ok("bmc-info -W opensesspriv");
        let log = server.log();
        assert!(
            log.iter()
                .any(|l| l.contains(&format!("cipher suite {suite},"))),
            "{log:#?}"
        );
    }
}

#[test]
fn freeipmi_refusals() {
    let server = BackgroundServer::start(config());
    let port = server.port();
    let wrong = freeipmi(
        "bmc-info",
        &port,
        "admin",
        "wrong",
        17,
        &["--get-device-id"],
    );
    assert_ne!(wrong.code, Some(0));
    assert!(wrong.stderr.contains("password invalid"), "{wrong:#?}");
    let unknown = freeipmi(
        "bmc-info",
        &port,
        "nosuch",
        "secret",
        17,
        &["--get-device-id"],
    );
    assert_ne!(unknown.code, Some(0));
    assert!(unknown.stderr.contains("username invalid"), "{unknown:#?}");
    // A USER-limited session cannot switch power.
    let server =
        BackgroundServer::start(config().user(User::new("user", "userpw", PrivilegeLevel::User)));
    let port = server.port();
    let r = freeipmi(
        "ipmipower",
        &port,
        "user",
        "userpw",
        17,
        &["-l", "USER", "--on"],
    );
    assert_ne!(r.stdout.trim(), "127.0.0.1: ok", "{r:#?}");
    let r = freeipmi(
        "ipmi-raw",
        &port,
        "user",
        "userpw",
        17,
        &["-l", "USER", "0", "0x00", "0x02", "0x01"],
    );
    assert_eq!(r.stdout.trim(), "rcvd: 02 D4", "{r:#?}");
}

#[test]
fn freeipmi_at_the_session_limit_sees_bmc_busy() {
    let server = BackgroundServer::start(
        ServerConfig::new()
            .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(1)),
    );
    let port = server.port();
    let held = Client::connect(
        server.addr(),
        ClientConfig::new("admin", "secret").cipher_suite(3),
    )
    .unwrap();
    let r = freeipmi("ipmipower", &port, "admin", "secret", 17, &["--stat"]);
    assert_eq!(r.stdout.trim(), "127.0.0.1: BMC busy", "{r:#?}");
    let r = freeipmi(
        "bmc-info",
        &port,
        "admin",
        "secret",
        17,
        &["--get-device-id"],
    );
    assert_ne!(r.code, Some(0));
    assert!(r.stderr.contains("BMC busy"), "{r:#?}");
    held.close().unwrap();
    freeipmi(
        "bmc-info",
        &port,
        "admin",
        "secret",
        17,
        &["--get-device-id"],
    )
    .assert_ok("after close");
}
