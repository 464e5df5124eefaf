//! What `ipmirs` does where ipmitool is no reference: deadlines, exit
//! codes, refused credentials, session hygiene, argument errors, `--json`.

use ipmirs_test_support::ipmisim;

mod common;

use std::time::Duration;

use common::relay::Relay;
use common::{active_sessions, args, cat, ipmirs, ipmitool, lanplus};
use ipmisim::IpmiSim;

/// A hung BMC: `--timeout 1` ends the invocation with exit 3 by the
/// deadline, and says which step got no answer. The deadline expires
/// because the frozen ipmi_sim holds every answer; the upper bounds are
/// 5x the deadline (process start and exit under a loaded debug build),
/// still far below the 10 s default deadline they would otherwise meet.
#[test]
fn frozen_bmc_times_out_with_exit_3() {
    let sim = IpmiSim::start();
    sim.freeze();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let r = ipmirs(&cat(&base, &["--timeout", "1", "mc", "info"]), &[]);
    r.expect_code(3);
    assert!(r.elapsed < Duration::from_secs(5), "took {:?}", r.elapsed);
    // A deadline never fires early, whatever the load.
    assert!(
        r.elapsed >= Duration::from_millis(900),
        "gave up early: {:?}",
        r.elapsed
    );
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("no answer to Get Channel Authentication Capabilities"),
        "{}",
        r.stderr
    );

    // The same with --json: the error object names the stage.
    let r = ipmirs(
        &cat(
            &base,
            &["--timeout", "0.5", "--json", "chassis", "power", "status"],
        ),
        &[],
    );
    r.expect_code(3);
    assert!(
        r.elapsed < Duration::from_millis(2500),
        "took {:?}",
        r.elapsed
    );
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("one JSON object");
    assert_eq!(v["kind"], "timeout");
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["stage"], "Get Channel Authentication Capabilities");

    // Fractional -N with retries still ends by the overall deadline.
    let r = ipmirs(
        &cat(
            &base,
            &["-N", "0.2", "-R", "2", "--timeout", "0.8", "mc", "info"],
        ),
        &[],
    );
    r.expect_code(3);
    assert!(r.elapsed < Duration::from_secs(4), "took {:?}", r.elapsed);

    // Thawed, the same BMC answers again.
    sim.thaw();
    ipmirs(&cat(&base, &["mc", "info"]), &[]).expect_code(0);
}

#[test]
fn wrong_password_is_rejected_with_exit_1() {
    let sim = IpmiSim::start();
    let r = ipmirs(
        &lanplus_cmd(sim.port(), "admin", "not-the-password", &["mc", "info"]),
        &[],
    );
    r.expect_code(1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("password rejected"), "{}", r.stderr);
    // An unknown user is refused by the BMC itself.
    let r = ipmirs(
        &lanplus_cmd(sim.port(), "nobody", "secret", &["mc", "info"]),
        &[],
    );
    r.expect_code(1);
    assert!(r.stderr.contains("unauthorized name"), "{}", r.stderr);
    // A failed login leaves no session behind.
    assert_eq!(active_sessions(sim.port()), 1);
}

fn lanplus_cmd(port: u16, user: &str, password: &str, command: &[&str]) -> Vec<String> {
    cat(&lanplus(port, user, password, 3), command)
}

/// 30 invocations in a row all succeed and every one closes its session:
/// afterwards the BMC has only the session that asks (Get Session Info).
/// The detector itself is checked with ipmitool's Cold Reset, which leaves
/// its session open.
#[test]
fn no_session_leak_over_30_invocations() {
    let sim = IpmiSim::start();
    let command = lanplus_cmd(sim.port(), "admin", "secret", &["mc", "info"]);
    for i in 0..30 {
        let r = ipmirs(&command, &[]);
        assert_eq!(r.code, 0, "invocation {i}: {}", r.stderr);
    }
    assert_eq!(
        active_sessions(sim.port()),
        1,
        "sessions left open by ipmirs"
    );
    for command in [
        &["chassis", "status"][..],
        &["raw", "6", "1"],
        &["mc", "reset", "warm"],
        &["chassis", "power", "on"],
    ] {
        ipmirs(&lanplus_cmd(sim.port(), "admin", "secret", command), &[]);
    }
    assert_eq!(
        active_sessions(sim.port()),
        1,
        "sessions left open by ipmirs"
    );
    // Control: ipmitool does not close after a Cold Reset; the count shows it.
    ipmitool(&lanplus_cmd(
        sim.port(),
        "admin",
        "secret",
        &["mc", "reset", "cold"],
    ))
    .expect_code(0);
    assert_eq!(
        active_sessions(sim.port()),
        2,
        "the leak detector did not see ipmitool's open session"
    );
}

#[test]
fn suite_0_needs_allow_insecure() {
    let sim = IpmiSim::start();
    let base = lanplus(sim.port(), "admin", "secret", 0);
    let r = ipmirs(&cat(&base, &["mc", "info"]), &[]);
    r.expect_code(2);
    assert!(r.stderr.contains("--allow-insecure"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    ipmirs(&cat(&base, &["--allow-insecure", "mc", "info"]), &[]).expect_code(0);
}

#[test]
fn bad_arguments_exit_2_without_panic() {
    let bad: &[&[&str]] = &[
        &["raw", "0x100", "1"],
        &["raw", "0x40", "1"],
        &["raw", "6", "zz"],
        &["raw", "6", "1", "08"],
        &["raw", "6", "1", "256"],
        &["raw", "6", "1", "-1"],
        &["raw", "6"],
        &["raw"],
        &["raw", "6", "1", "0x"],
        &["frobnicate"],
        &["mc"],
        &["mc", "setenables"],
        &["mc", "reset"],
        &["mc", "watchdog", "bite"],
        &["mc", "getsysinfo", "nope"],
        &["chassis", "bootdev", "usb"],
        &["chassis", "bootdev", "pxe", "options=turbo"],
        &["chassis", "identify", "300"],
        &["chassis", "policy", "sometimes"],
        &["chassis", "bootparam", "set", "5"],
        &["user", "set", "name", "0", "x"],
        &["user", "set", "name", "2", "a-name-longer-than-16"],
        &["user", "set", "password", "2", "0123456789abcdefghijk"],
        &["user", "priv", "2", "9"],
        &["channel", "authcap", "1", "7"],
        &["channel", "getciphers", "tcp"],
        &["session", "info", "some"],
        &["lan", "set", "1", "ipaddr", "300.1.1.1"],
        &["lan", "set", "1", "access", "on"],
        &["dcmi", "power", "limit"],
        &["chassis", "power", "bounce"],
        &["-L", "ROOT", "mc", "info"],
        &["-C", "1000", "mc", "info"],
        &["-p", "99999", "mc", "info"],
        &["--timeout", "0", "mc", "info"],
        &["-N", "-1", "mc", "info"],
        &["-y", "abc", "mc", "info"],
        &["-P", "a", "-E", "mc", "info"],
        &["-I", "lan", "mc", "info"],
        &["-I", "imb", "mc", "info"],
        // Bridging that ipmitool would silently send to the BMC itself, or
        // that IPMB cannot carry.
        &["-b", "6", "mc", "info"],
        &["-t", "0", "mc", "info"],
        &["-t", "0x83", "mc", "info"],
        &["-b", "16", "-t", "0x82", "mc", "info"],
        &["-t", "0x100", "mc", "info"],
        &["-E", "mc", "info"],
        &["-f", "/nonexistent/ipmirs-password", "mc", "info"],
        &[],
    ];
    for a in bad {
        // Host given so that only the argument is at fault; port 9 (discard)
        // is never reached because every line is refused before any I/O.
        let line = cat(&args(&["-H", "127.0.0.1", "-p", "9"]), a);
        let r = ipmirs(&line, &[]);
        r.expect_code(2);
        assert!(!r.stderr.is_empty(), "`{}` gave no message", r.line);
        assert!(r.stdout.is_empty(), "`{}` printed on stdout", r.line);
    }
    // --json turns argument errors into a JSON object too.
    let r = ipmirs(&args(&["--json", "-H", "127.0.0.1", "raw", "6", "zz"]), &[]);
    r.expect_code(2);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON error object");
    assert_eq!(v["kind"], "usage");
    assert_eq!(v["exit_code"], 2);
}

/// What `kcs` refuses before touching any I/O port (the ports themselves,
/// with and without the kernel driver, are in tests/local_qemu.rs; unit
/// tests drive the whole flow over the software KCS BMC).
#[test]
fn kcs_refusals_exit_2_before_any_port_access() {
    for (a, what) in [
        (
            &["-t", "0x2c", "kcs", "mc", "info"][..],
            "bridging (-b/-t) is not possible over kcs",
        ),
        (
            &["-I", "kcs", "-b", "0", "-t", "0x40", "chassis", "status"],
            "IPMB address 0x40 on channel 0 needs Send Message: use `local`",
        ),
        (
            &["-H", "bmc.invalid", "kcs", "mc", "reset", "cold"],
            "names a remote BMC, but the interface is kcs",
        ),
        (
            &["-d", "0", "kcs", "mc", "info"],
            "the kcs interface uses the KCS ports without the driver",
        ),
        (
            &["--kcs-addr", "0x1ffff", "kcs", "mc", "info"],
            "not a 16-bit number",
        ),
        (
            &["--kcs-backend", "mmio", "kcs", "mc", "info"],
            "--kcs-backend",
        ),
        (
            &["--kcs-addr", "0xca2", "mc", "info"],
            "--kcs-addr is an option of the kcs interface, but the interface is local",
        ),
        (
            &["-H", "bmc.invalid", "--kcs-force", "mc", "info"],
            "--kcs-force is an option of the kcs interface, but the interface is lan",
        ),
        (
            &["-I", "open", "kcs", "mc", "info"],
            "conflicting interfaces",
        ),
    ] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "{}", r.stdout_str());
        assert!(r.stderr.contains(what), "{}: {}", r.line, r.stderr);
    }
    // --json: the refusal as one object.
    let r = ipmirs(&args(&["--json", "-t", "0x40", "kcs", "mc", "info"]), &[]);
    r.expect_code(2);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON error object");
    assert_eq!(
        (v["kind"].as_str(), v["exit_code"].as_i64()),
        (Some("usage"), Some(2))
    );
}

/// `-P` puts the password in argv, but a script that captures `2>&1`
/// must not get a warning in its output (issue 10.4): with standard error
/// not a terminal there is none (tests/drop_in.rs shows it on a terminal);
/// -E, -f and IPMI_PASSWORD get none either way.
#[test]
fn password_option_is_quiet_in_scripts() {
    let sim = IpmiSim::start();
    let port = sim.port().to_string();
    let base = args(&["-H", "127.0.0.1", "-p", &port, "-U", "admin", "-C", "3"]);
    let with_p = ipmirs(
        &cat(&base, &["-P", "secret", "chassis", "power", "status"]),
        &[],
    );
    with_p.expect_code(0);
    assert_eq!(with_p.stderr, "");
    let with_env = ipmirs(
        &cat(&base, &["chassis", "power", "status"]),
        &[("IPMI_PASSWORD", "secret")],
    );
    with_env.expect_code(0);
    assert_eq!(with_env.stderr, "");
    assert_eq!(with_p.stdout, with_env.stdout);
    let with_e = ipmirs(
        &cat(&base, &["-E", "chassis", "power", "status"]),
        &[("IPMITOOL_PASSWORD", "secret")],
    );
    with_e.expect_code(0);
    assert_eq!(with_e.stderr, "");
    // Also when -P is ignored (named local interface).
    let r = ipmirs(&args(&["local", "-P", "x", "-d", "97", "mc", "info"]), &[]);
    r.expect_code(1);
    assert!(
        r.stderr
            .starts_with("ipmirs: cannot open the local IPMI device"),
        "{}",
        r.stderr
    );
}

/// A fake /proc tree for `diagnose --root`: the IPMI drivers loaded but no
/// /dev/ipmi0, and three ipmitool processes hung for hours.
fn fake_machine(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ipmirs-cli-diag-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    file("proc/uptime", "20000.00 39000.00\n");
    file("proc/loadavg", "193.10 190.20 180.30 1/1200 9999\n");
    file(
        "proc/modules",
        "ipmi_si 86016 3 - Live 0x0\nipmi_devintf 20480 0 - Live 0x0\n\
         ipmi_msghandler 122880 2 ipmi_devintf,ipmi_si, Live 0x0\n",
    );
    file("proc/devices", "Character devices:\n  1 mem\n239 ipmidev\n");
    std::fs::create_dir_all(dir.join("dev")).unwrap();
    for pid in [4001, 4002, 4003] {
        file(
            &format!("proc/{pid}/stat"),
            &format!(
                "{pid} (ipmitool) D 1 0 0 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 100 \
                 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
            ),
        );
        file(
            &format!("proc/{pid}/cmdline"),
            "/usr/bin/ipmitool\0mc\0info\0",
        );
        file(&format!("proc/{pid}/wchan"), "ipmi_msg_wait");
    }
    dir
}

/// `recover --root`: the plan for another machine's tree (--root implies
/// --dry-run: nothing there is this machine's to signal or unload).
#[test]
fn recover_plans_from_the_tree_of_root() {
    let dir = fake_machine("recover");
    let root = dir.to_str().unwrap();
    let r = ipmirs(
        &args(&["recover", "--root", root, "--kill-stuck", "--unload-driver"]),
        &[],
    );
    r.expect_code(1);
    let out = r.stdout_str();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(
            "diagnose           info     the IPMI drivers are loaded but /dev/ipmi0 is missing"
        ),
        "{out}"
    );
    assert!(
        out.contains("stuck-processes    would    would end 3 stuck IPMI tool process(es) by pid (SIGTERM, then SIGKILL after 3 s)\n"),
        "{out}"
    );
    assert_eq!(
        out.matches(" D /usr/bin/ipmitool mc info [ipmi_msg_wait]: left alone\n")
            .count(),
        3,
        "{out}"
    );
    assert!(
        out.contains("in-band-reset      skipped  not possible: /dev/ipmi0 does not exist\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "unload-driver      would    would unload ipmi_devintf, ipmi_si (in this order)"
        ),
        "{out}"
    );
    assert!(
        lines.last().unwrap().starts_with(
            "result             failed   dry run, nothing changed: the BMC does not answer"
        ),
        "{out}"
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // Nothing to wait for in a fake tree; the bound only catches a hang.
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);

    // --json: one object per step, in order.
    let r = ipmirs(&args(&["recover", "--json", "--root", root]), &[]);
    r.expect_code(1);
    let steps: Vec<serde_json::Value> = r
        .stdout_str()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["step"].as_str()).collect();
    assert_eq!(
        names,
        [
            "diagnose",
            "stuck-processes",
            "in-band-reset",
            "unload-driver",
            "kcs-reset",
            "out-of-band-reset",
            "result"
        ]
    );
    assert_eq!(steps[1]["status"], "skipped", "no --kill-stuck");
    assert_eq!(steps[1]["processes"][0]["fate"], "listed");
    std::fs::remove_dir_all(&dir).unwrap();

    // The lan options belong to -H.
    let r = ipmirs(&args(&["recover", "-U", "admin"]), &[]);
    r.expect_code(2);
    assert!(r.stderr.contains("-U without -H"), "{}", r.stderr);
}

#[test]
fn diagnose_reads_the_tree_of_root() {
    let dir = fake_machine("missing-dev");
    let root = dir.to_str().unwrap();
    let r = ipmirs(&args(&["diagnose", "--root", root]), &[]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(
        out.starts_with("IPMI in-band health: NOT HEALTHY (exit 1)\n"),
        "{out}"
    );
    assert!(
        out.contains("the IPMI drivers are loaded but /dev/ipmi0 is missing"),
        "{out}"
    );
    assert!(out.contains("mknod /dev/ipmi0 c 239 0"), "{out}");
    assert!(
        out.contains("3 IPMI tool process(es) running for over 30 s"),
        "{out}"
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // Nothing to wait for in a fake tree (no probe: asserted below on the
    // JSON); the bound only catches a hang, 5x the 2 s probe deadline.
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);

    let r = ipmirs(&args(&["diagnose", "--json", "--root", root]), &[]);
    r.expect_code(1);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("one JSON object");
    assert_eq!(
        (v["healthy"].as_bool(), v["exit_code"].as_i64()),
        (Some(false), Some(1))
    );
    assert_eq!(v["tools"]["stuck"], 3);
    assert_eq!(v["tools"]["processes"][0]["wchan"], "ipmi_msg_wait");
    assert_eq!(v["device"]["registered_major"], 239);
    // Under --root the KCS ports (this machine's) are never probed.
    assert_eq!(v["probes"].as_array().map(Vec::len), Some(0));
    let skipped: Vec<&str> = v["skipped_probes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["via"].as_str())
        .collect();
    assert_eq!(skipped, ["device-file", "kcs"]);
    std::fs::remove_dir_all(&dir).unwrap();

    // Client options other than its own are refused.
    for a in [
        &["diagnose", "-H", "bmc.invalid"][..],
        &["diagnose", "--kcs-force"],
        &["-d", "1", "diagnose"],
    ] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(2);
        assert!(
            r.stderr.starts_with("ipmirs: diagnose: the option"),
            "{}",
            r.stderr
        );
    }
}

/// The local interface as far as it goes without an IPMI device on this
/// machine (the real kernel is in tests/local_qemu.rs): device files that
/// cannot exist, and a file that is not an IPMI device.
#[test]
fn local_interface_without_a_device() {
    for (a, tried) in [
        (
            &["-d", "97", "mc", "info"][..],
            "tried /dev/ipmi97, /dev/ipmi/97, /dev/ipmidev/97",
        ),
        (
            &["-I", "open", "-d", "0x61", "chassis", "status"],
            "tried /dev/ipmi97, /dev/ipmi/97, /dev/ipmidev/97",
        ),
        (
            &[
                "local",
                "--device",
                "/nonexistent/ipmirs/ipmi0",
                "raw",
                "6",
                "1",
            ],
            "tried /nonexistent/ipmirs/ipmi0",
        ),
    ] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(1);
        assert!(r.stdout.is_empty(), "{}", r.stdout_str());
        assert!(
            r.stderr.starts_with(&format!(
                "ipmirs: cannot open the local IPMI device: no IPMI device file ({tried})"
            )),
            "{}: {}",
            r.line,
            r.stderr
        );
        assert!(
            r.stderr
                .contains("modprobe ipmi_msghandler ipmi_devintf ipmi_si"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("lan mc reset cold"), "{}", r.stderr);
    }
    // /dev/null opens but knows no IPMI ioctl: a usage error.
    let r = ipmirs(&args(&["--device", "/dev/null", "mc", "info"]), &[]);
    r.expect_code(2);
    assert!(r.stderr.contains("not an IPMI device file"), "{}", r.stderr);
    // --json: one object, kind io.
    let r = ipmirs(&args(&["--json", "-d", "97", "mc", "info"]), &[]);
    r.expect_code(1);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON error object");
    assert_eq!(v["kind"], "io");
    assert_eq!(v["exit_code"], 1);
}

#[test]
fn local_refusals_exit_2_before_any_io() {
    for (a, what) in [
        (
            &["-H", "bmc.invalid", "local", "mc", "reset", "cold"][..],
            "names a remote BMC, but the interface is local",
        ),
        (
            &["-I", "open", "-H", "bmc.invalid", "chassis", "power", "off"],
            "names a remote BMC, but the interface is local",
        ),
        (
            &["-U", "admin", "-P", "pw", "chassis", "power", "off"],
            "are options of the lan interface, but no -H was given",
        ),
        (
            &["-H", "bmc.invalid", "-d", "1", "mc", "info"],
            "a local IPMI device, but the interface is lan",
        ),
        (&["-b", "6", "mc", "info"], "-b 6 needs -t ADDRESS"),
        (&["-t", "0x41", "local", "mc", "info"], "not an IPMB"),
        (
            &["-d", "1", "--device", "/dev/ipmi1", "mc", "info"],
            "cannot be used with",
        ),
        (&["serve", "-d", "1"], "-d belongs to the client commands"),
    ] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "{}", r.stdout_str());
        assert!(r.stderr.contains(what), "{}: {}", r.line, r.stderr);
    }
}

#[test]
fn help_and_version_exit_0() {
    for a in [
        &["--help"][..],
        &["-h"],
        &["mc", "--help"],
        &["raw", "--help"],
    ] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(0);
        assert!(r.stdout_str().contains("Usage"), "{}", r.stdout_str());
    }
    for a in [&["-V"][..], &["--version"]] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(0);
        assert!(r.stdout_str().starts_with("ipmirs "), "{}", r.stdout_str());
    }
}

#[test]
fn json_objects() {
    let sim = IpmiSim::start();
    let base = cat(&lanplus(sim.port(), "admin", "secret", 3), &["--json"]);
    let get = |command: &[&str], code: i32| -> serde_json::Value {
        let r = ipmirs(&cat(&base, command), &[]);
        r.expect_code(code);
        assert_eq!(
            r.stdout.iter().filter(|&&b| b == b'\n').count(),
            1,
            "one line: {}",
            r.stdout_str()
        );
        serde_json::from_slice(&r.stdout).expect("one JSON object")
    };
    let info = get(&["mc", "info"], 0);
    assert_eq!(info["manufacturer_id"], 4753);
    assert_eq!(info["manufacturer_name"], "MontaVista Software, Inc.");
    assert_eq!(info["product_id"], 0x0f02);
    assert_eq!(info["ipmi_version"], "2.0");
    assert_eq!(info["firmware_revision"], "9.08");
    assert_eq!(info["device_available"], true);
    assert_eq!(
        get(&["chassis", "power", "status"], 0),
        serde_json::json!({ "power": "off" })
    );
    assert_eq!(
        get(&["chassis", "power", "on"], 0),
        serde_json::json!({ "power_control": "on" })
    );
    assert_eq!(
        get(&["chassis", "status"], 0)["power_restore_policy"],
        "always-off"
    );
    let raw = get(&["raw", "0x06", "0x01"], 0);
    assert_eq!(raw["completion_code"], 0);
    assert_eq!(raw["data"].as_array().unwrap().len(), 15);
    let refused = get(&["mc", "reset", "warm"], 1);
    assert_eq!(refused["kind"], "bmc");
    assert_eq!(refused["completion_code"], 0xc1);
    assert_eq!(refused["exit_code"], 1);
}

/// `-v` explains on stderr and never shows the password.
#[test]
fn verbose_goes_to_stderr_without_secrets() {
    let sim = IpmiSim::start();
    let r = ipmirs(
        &cat(
            &lanplus(sim.port(), "admin", "secret", 3),
            &["-vv", "chassis", "power", "status"],
        ),
        &[],
    );
    r.expect_code(0);
    assert_eq!(r.stdout_str(), "Chassis Power is off\n");
    assert!(r.stderr.contains("session opened"), "{}", r.stderr);
    assert!(r.stderr.contains("session closed"), "{}", r.stderr);
    assert!(!r.stderr.contains("secret"), "{}", r.stderr);
    // No password at all: a note, and the BMC refuses the empty password.
    let port = sim.port().to_string();
    let r = ipmirs(
        &args(&[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "admin",
            "-C",
            "3",
            "-v",
            "mc",
            "info",
        ]),
        &[],
    );
    r.expect_code(1);
    assert!(r.stderr.contains("empty password"), "{}", r.stderr);
}

/// The BMC stops answering after the session is open: exit 3 by the
/// deadline, the message names the request that got no answer, and ipmirs
/// does not wait for Close Session on top of it (said with -v: a fact, not
/// a time). The relay drops every later datagram, so the deadline must
/// expire; the time bound is 5x the deadline and only catches a hang.
#[test]
fn bmc_stalling_mid_session_times_out_at_the_request() {
    let sim = IpmiSim::start();
    // How many datagrams a whole `mc info` takes: handshake, command, close.
    let all = Relay::start(sim.addr(), usize::MAX);
    ipmirs(
        &lanplus_cmd(all.port(), "admin", "secret", &["mc", "info"]),
        &[],
    )
    .expect_code(0);
    let total = all.datagrams_from_client();
    drop(all);
    assert!(total >= 4, "{total} datagrams for a whole mc info");

    // Forward the handshake only.
    let relay = Relay::start(sim.addr(), total - 2);
    let r = ipmirs(
        &lanplus_cmd(
            relay.port(),
            "admin",
            "secret",
            &["--timeout", "1", "--json", "-v", "mc", "info"],
        ),
        &[],
    );
    r.expect_code(3);
    assert!(r.elapsed < Duration::from_secs(5), "took {:?}", r.elapsed);
    assert!(
        r.stderr
            .contains("the BMC stopped answering: not waiting for Close Session"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Get Device ID command failed: no answer to request netfn 0x06 cmd 0x01"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("one JSON object");
    assert_eq!(v["stage"], "request netfn 0x06 cmd 0x01");
    assert_eq!(v["kind"], "timeout");
}
