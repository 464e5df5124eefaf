//! What `ipmirs` does where ipmitool is no reference: deadlines, exit
//! codes, refused credentials, session hygiene, argument errors, `--json`.

#[path = "../../ipmi-lanplus/tests/support/ipmisim.rs"]
mod ipmisim;

mod common;

use std::time::Duration;

use common::{active_sessions, args, cat, ipmirs, ipmitool, lanplus};
use ipmisim::IpmiSim;

/// A hung BMC: `--timeout 1` ends the invocation with exit 3 well before
/// 2 s, and says which step got no answer.
#[test]
fn frozen_bmc_times_out_with_exit_3() {
    let sim = IpmiSim::start();
    sim.freeze();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let r = ipmirs(&cat(&base, &["--timeout", "1", "mc", "info"]), &[]);
    r.expect_code(3);
    assert!(
        r.elapsed < Duration::from_millis(1800),
        "took {:?}",
        r.elapsed
    );
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
        r.elapsed < Duration::from_millis(1300),
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
    assert!(
        r.elapsed < Duration::from_millis(1600),
        "took {:?}",
        r.elapsed
    );

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
        &["mc", "selftest"],
        &["mc", "reset"],
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

#[test]
fn kcs_is_not_implemented_yet() {
    for a in [
        &["kcs", "mc", "info"][..],
        &["-I", "kcs", "chassis", "status"],
        // Bridging does not make it any more implemented.
        &["-t", "0x2c", "kcs", "mc", "info"],
    ] {
        let r = ipmirs(&args(a), &[]);
        r.expect_code(2);
        assert!(
            r.stderr.contains("kcs interface is not implemented yet"),
            "{}: {}",
            r.line,
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

/// A UDP relay between ipmirs and the simulator that forwards the first
/// `limit` datagrams from the client and swallows the rest: a BMC that
/// stops answering in the middle of a session.
struct Relay {
    port: u16,
    from_client: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Relay {
    fn start(bmc: std::net::SocketAddr, limit: usize) -> Relay {
        use std::net::UdpSocket;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(bmc).unwrap();
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        }
        let port = front.local_addr().unwrap().port();
        let client = Arc::new(Mutex::new(None));
        let from_client = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (front2, back2) = (front.try_clone().unwrap(), back.try_clone().unwrap());
        let (client2, count, stop1, stop2) = (
            client.clone(),
            from_client.clone(),
            stop.clone(),
            stop.clone(),
        );
        let up = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop1.load(Ordering::Relaxed) {
                if let Ok((n, from)) = front.recv_from(&mut buf) {
                    *client2.lock().unwrap() = Some(from);
                    if count.fetch_add(1, Ordering::SeqCst) < limit {
                        let _ = back.send(&buf[..n]);
                    }
                }
            }
        });
        let down = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop2.load(Ordering::Relaxed) {
                if let Ok(n) = back2.recv(&mut buf) {
                    if let Some(c) = *client.lock().unwrap() {
                        let _ = front2.send_to(&buf[..n], c);
                    }
                }
            }
        });
        Relay {
            port,
            from_client,
            stop,
            threads: vec![up, down],
        }
    }

    fn datagrams_from_client(&self) -> usize {
        self.from_client.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The BMC stops answering after the session is open: exit 3 by the
/// deadline, the message names the request that got no answer, and ipmirs
/// does not wait for Close Session on top of it.
#[test]
fn bmc_stalling_mid_session_times_out_at_the_request() {
    let sim = IpmiSim::start();
    // How many datagrams a whole `mc info` takes: handshake, command, close.
    let all = Relay::start(sim.addr(), usize::MAX);
    ipmirs(
        &lanplus_cmd(all.port, "admin", "secret", &["mc", "info"]),
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
            relay.port,
            "admin",
            "secret",
            &["--timeout", "1", "--json", "mc", "info"],
        ),
        &[],
    );
    r.expect_code(3);
    assert!(
        r.elapsed < Duration::from_millis(1500),
        "took {:?}",
        r.elapsed
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
