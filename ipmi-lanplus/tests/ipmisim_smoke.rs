//! The ipmi_sim fixture itself, checked with the reference client `ipmitool`
//! (which therefore has to be installed: `bash scripts/setup.sh`).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ipmirs_test_support::ipmisim;
use ipmisim::{IpmiSim, SimOptions, SimUser};

/// `ipmitool -I lanplus -H 127.0.0.1 -p PORT -U user -P pass -C 3 [extra...] args...`
fn ipmitool(sim: &IpmiSim, user: &str, pass: &str, extra: &[&str], args: &[&str]) -> Output {
    let port = sim.port().to_string();
    let mut cmd = Command::new("ipmitool");
    cmd.args([
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        user,
        "-P",
        pass,
        "-C",
        "3",
    ]);
    cmd.args(extra).args(args);
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run ipmitool (install it: bash scripts/setup.sh): {e}"),
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn admin(sim: &IpmiSim, extra: &[&str], args: &[&str]) -> Output {
    ipmitool(sim, "admin", "secret", extra, args)
}

#[test]
fn ipmitool_mc_info_works() {
    let sim = IpmiSim::start();
    assert_eq!(sim.addr().to_string(), format!("127.0.0.1:{}", sim.port()));
    let out = admin(&sim, &[], &["mc", "info"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Manufacturer ID           : 4753\n"),
        "{}",
        text(&out)
    );
    assert!(
        stdout.contains("Product ID                : 3842 (0x0f02)\n"),
        "{}",
        text(&out)
    );
}

#[test]
fn freeze_makes_ipmitool_fail_and_thaw_revives_it() {
    let sim = IpmiSim::start();
    let fast = ["-N", "1", "-R", "1"];
    sim.freeze();
    let t0 = Instant::now();
    let out = admin(&sim, &fast, &["mc", "info"]);
    let took = t0.elapsed();
    sim.thaw();
    assert!(
        !out.status.success(),
        "ipmitool succeeded against a frozen BMC:\n{}",
        text(&out)
    );
    assert!(
        took >= Duration::from_millis(900),
        "gave up after {took:?}: did it reach the BMC at all?"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Unable to establish IPMI v2 / RMCP+ session"),
        "{}",
        text(&out)
    );
    let out = admin(&sim, &fast, &["mc", "info"]);
    assert!(out.status.success(), "after thaw:\n{}", text(&out));
}

#[test]
fn operator_and_user_accounts_and_privilege_checks() {
    let sim = IpmiSim::start();
    let out = ipmitool(
        &sim,
        "oper",
        "operpw",
        &["-L", "OPERATOR"],
        &["chassis", "power", "status"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = ipmitool(
        &sim,
        "user",
        "userpw",
        &["-L", "USER"],
        &["chassis", "power", "status"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Chassis Power is off\n"
    );
    // A USER session may not control the chassis: 0xD4.
    let out = ipmitool(
        &sim,
        "user",
        "userpw",
        &["-L", "USER"],
        &["chassis", "power", "off"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Insufficient privilege level"),
        "{}",
        text(&out)
    );
    assert!(
        sim.chassis_requests().is_empty(),
        "{:?}",
        sim.chassis_requests()
    );
    // Wrong password and unknown user are refused.
    assert!(!ipmitool(&sim, "admin", "wrong", &[], &["mc", "info"])
        .status
        .success());
    assert!(!ipmitool(&sim, "nobody", "secret", &[], &["mc", "info"])
        .status
        .success());
}

#[test]
fn chassis_control_is_accepted_and_power_tracking_is_optional() {
    let sim = IpmiSim::start();
    // Default: accepted, power stays off (the reference test bed's behaviour).
    let out = admin(&sim, &[], &["chassis", "power", "on"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Chassis Power Control: Up/On\n"
    );
    assert!(!sim.is_powered_on());
    assert_eq!(sim.chassis_requests(), ["power 1"]);

    sim.track_power(true);
    let out = admin(&sim, &[], &["chassis", "power", "on"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(sim.is_powered_on());
    let out = admin(&sim, &[], &["chassis", "power", "status"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Chassis Power is on\n",
        "{}",
        text(&out)
    );
    let out = admin(&sim, &[], &["chassis", "power", "soft"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!sim.is_powered_on());
    let out = admin(&sim, &[], &["chassis", "power", "reset"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        sim.chassis_requests(),
        ["power 1", "power 1", "shutdown 1", "reset 1"]
    );

    sim.track_power(false);
    sim.set_power(true);
    let out = admin(&sim, &[], &["chassis", "power", "off"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        sim.is_powered_on(),
        "not tracking: the power must not change"
    );
}

#[test]
fn custom_users_replace_the_default_ones() {
    let sim = IpmiSim::start_with(SimOptions {
        users: vec![SimUser::new(
            5,
            "ops15characters",
            "pw-with-19-chars-xy",
            "operator",
            4,
        )],
    });
    let out = ipmitool(
        &sim,
        "ops15characters",
        "pw-with-19-chars-xy",
        &["-L", "OPERATOR"],
        &["mc", "info"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !admin(&sim, &[], &["mc", "info"]).status.success(),
        "admin must not exist here"
    );
}

#[test]
fn two_simulators_are_independent_and_drop_cleans_up() {
    let a = IpmiSim::start();
    let b = IpmiSim::start();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.state_dir(), b.state_dir());
    a.freeze();
    let out = admin(&b, &["-N", "1", "-R", "1"], &["chassis", "power", "status"]);
    assert!(
        out.status.success(),
        "b must not be affected by freezing a:\n{}",
        text(&out)
    );
    let (pid, dir) = (a.pid(), a.state_dir().to_path_buf());
    drop(a); // frozen: Drop must still get rid of it
    assert!(!dir.exists(), "{} left behind", dir.display());
    // The child has been reaped: its pid no longer names our ipmi_sim.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&cmdline).contains(&dir.display().to_string()),
        "ipmi_sim {pid} still running"
    );
}
