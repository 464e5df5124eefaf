//! The in-band triage against fake /proc trees in a temp dir and fake
//! probes (test-support's `fakeroot`): healthy, driver absent, kipmi
//! spinning, 200 stuck ipmitool processes, daemons, secrets. Checks the
//! facts, the verdict and the exit code; the CLI's tests check how they
//! are rendered (ipmi-cli/src/diagnose/render/tests.rs).

use std::fs;
use std::time::Duration;

use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{self, Options, ProbeFailure, ProbeVia, ProcessKind, Report};
use ipmi_kcs::kcs::KcsAddress;
use ipmirs_test_support::fakeroot::{
    self, qemu_answer, timeout, FakeMachine, FakeProbe, SECRET_FORMS,
};

fn options() -> Options {
    Options {
        self_pid: None,
        ..Options::default()
    }
}

fn run(m: &FakeMachine, p: &mut FakeProbe) -> Report {
    diagnose::run(m, p, &options())
}

// ---------------------------------------------------------------- the four states

#[test]
fn healthy() {
    let m = FakeMachine::new("healthy");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(
        r.modules
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["ipmi_si", "ipmi_devintf", "ipmi_msghandler"]
    );
    assert!(r.device.exists);
    assert_eq!(r.device.registered_major, Some(239));
    assert_eq!(r.kernel_threads.len(), 1);
    assert_eq!(r.kernel_threads[0].cpu_percent, 0.0);
    assert!(r.tools.is_empty());
    // KCS is not probed: the driver owns the ports.
    assert_eq!(p.asked.len(), 1);
    assert_eq!(p.asked[0].0, ProbeVia::DeviceFile);
    assert_eq!(p.asked[0].2, Duration::from_secs(2));
    assert!(r
        .skipped
        .iter()
        .any(|s| s.via == ProbeVia::Kcs && s.reason.contains("ipmi_si module is loaded")));

    let v = diagnose::verdict(&r);
    assert!(v.healthy, "{v:?}");
    assert_eq!(v.exit_code(), 0);
    assert!(
        v.headline
            .starts_with("healthy: the BMC answers in-band (Get Device ID through /dev/ipmi0"),
        "{}",
        v.headline
    );
    assert!(v.next_steps.is_empty());
}

#[test]
fn driver_absent_kcs_answers() {
    let m = FakeMachine::new("absent");
    let mut p = FakeProbe {
        kcs: Some(Ok(qemu_answer("KCS I/O ports 0xca2/0xca3 (ioperm)"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert!(r.modules.is_empty());
    assert!(!r.device.exists);
    assert_eq!(r.device.registered_major, None);
    assert!(r.kernel_threads.is_empty());
    assert_eq!(p.asked.len(), 1);
    assert_eq!(p.asked[0].0, ProbeVia::Kcs);
    assert_eq!(p.asked[0].1, KcsAddress::STANDARD);
    let v = diagnose::verdict(&r);
    assert!(!v.healthy);
    assert_eq!(v.exit_code(), 1);
    assert!(
        v.headline.starts_with(
            "ipmi_si is not loaded, so there is no /dev/ipmi0; the BMC answers directly over KCS"
        ),
        "{}",
        v.headline
    );
    assert_eq!(
        v.next_steps,
        ["load the IPMI drivers: modprobe ipmi_msghandler ipmi_devintf ipmi_si"]
    );

    // Nothing answers over KCS either (no interface at the address).
    let mut p = FakeProbe {
        kcs: Some(Err(ProbeFailure {
            path: "KCS 0xca2/0xca3".into(),
            class: ErrorClass::Io,
            message: "KCS interface at 0xca2/0xca3: no KCS interface answers: the status register reads 0xff".into(),
        })),
        ..FakeProbe::default()
    };
    let v = diagnose::verdict(&run(&m, &mut p));
    assert!(
        v.headline.starts_with(
            "no in-band path: ipmi_si is not loaded and the BMC does not answer over KCS either"
        ),
        "{}",
        v.headline
    );
    assert!(
        v.next_steps[0].starts_with("load the IPMI drivers"),
        "{v:?}"
    );
    assert!(v.next_steps[1].contains("--kcs-addr"), "{v:?}");
    // A hung BMC behind KCS: reset out of band first.
    let mut p = FakeProbe {
        kcs: Some(Err(timeout("KCS I/O ports 0xca2/0xca3 (ioperm)"))),
        ..FakeProbe::default()
    };
    let v = diagnose::verdict(&run(&m, &mut p));
    assert_eq!(
        v.next_steps[0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
}

#[test]
fn kipmi_spinning() {
    let m = FakeMachine::new("spin");
    m.ipmi_loaded();
    // 19 of 20 ticks in 200 ms: 95 % of a CPU.
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'R', 1019, 300, true),
    );
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(r.kernel_threads[0].cpu_percent, 95.0);
    assert_eq!(r.kernel_threads[0].state, 'R');
    assert_eq!(r.sample, Duration::from_millis(200));
    let v = diagnose::verdict(&r);
    assert!(!v.healthy);
    assert!(
        v.headline
            .starts_with("kipmi0 is spinning at 95 % CPU although the BMC answers"),
        "{}",
        v.headline
    );
    assert!(v.next_steps[0].contains("kipmid_max_busy_us"), "{v:?}");
    assert!(
        v.findings
            .contains(&"kipmi0 (pid 812) is spinning at 95 % CPU".to_string()),
        "{v:?}"
    );

    // The incident: spinning and the BMC does not answer.
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'R', 1039, 300, true),
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let v = diagnose::verdict(&r);
    assert!(
        v.headline.starts_with(
            "the BMC does not answer in-band (Get Device ID through /dev/ipmi0: no answer within"
        ),
        "{}",
        v.headline
    );
    assert_eq!(
        v.next_steps[0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
    assert!(v.next_steps[1].contains("kipmid_max_busy_us"), "{v:?}");
    assert!(
        v.next_steps[2].contains(
            "rmmod ipmi_si, then reset it directly over KCS with `ipmirs kcs mc reset cold`"
        ),
        "{v:?}"
    );
}

#[test]
fn two_hundred_stuck_ipmitools() {
    let m = FakeMachine::new("stuck");
    fakeroot::two_hundred_stuck(&m);
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(r.tools.len(), 202);
    assert_eq!(r.stuck_tools().count(), 200);
    // Oldest first.
    assert_eq!(r.tools[0].pid, 2000);
    assert!((r.tools[0].age_secs - 1000.0).abs() < 0.01);
    assert_eq!(r.tools[0].command, "/usr/bin/ipmitool mc info");
    assert_eq!(r.tools[0].wchan.as_deref(), Some("ipmi_ioctl"));
    assert!(r.tools.iter().any(|t| t.tool == "ipmi-sensors-config"));
    assert_eq!(r.load_average, Some([193.02, 190.11, 150.4]));

    let v = diagnose::verdict(&r);
    assert!(!v.healthy);
    assert_eq!(v.headline, "the BMC does not answer in-band (Get Device ID through /dev/ipmi0: no answer within 2.0 s)");
    assert_eq!(
        v.next_steps[0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
    assert!(
        v.next_steps
            .iter()
            .any(|s| s == "once the BMC answers, kill the 200 stuck processes: pkill -x ipmitool"),
        "{v:?}"
    );
    assert!(
        v.next_steps
            .iter()
            .any(|s| s.contains("timeout 30 ipmitool")),
        "{v:?}"
    );
    assert!(
        v.next_steps[2].starts_with("if the BMC cannot be reached out of band: first kill the 200 stuck processes: pkill -x ipmitool (while they hold /dev/ipmi0 open, rmmod ipmi_si fails"),
        "{v:?}"
    );
    assert!(
        v.findings.iter().any(|f| f.starts_with("200 IPMI tool process(es) running for over 30 s (oldest 16 min: pid 2000 `/usr/bin/ipmitool mc info`; states S 180, D 20)")),
        "{v:?}"
    );
    assert!(
        v.findings
            .iter()
            .any(|f| f == "load average 193.0 190.1 150.4"),
        "{v:?}"
    );

    // The BMC answers again, but the leftovers are still there.
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let v = diagnose::verdict(&run(&m, &mut p));
    assert!(!v.healthy);
    assert!(
        v.headline
            .starts_with("200 IPMI tool process(es) are stuck although the BMC answers now"),
        "{}",
        v.headline
    );
}

#[test]
fn partial_drivers_and_missing_files() {
    // ipmi_si without ipmi_devintf.
    let m = FakeMachine::new("partial");
    m.file(
        "proc/modules",
        "ipmi_si 1 0 - Live 0x0\nipmi_msghandler 1 1 ipmi_si, Live 0x0\n",
    );
    let mut p = FakeProbe::default();
    let v = diagnose::verdict(&run(&m, &mut p));
    assert!(
        v.headline.starts_with("ipmi_devintf is not loaded"),
        "{}",
        v.headline
    );
    assert_eq!(v.next_steps, ["load it: modprobe ipmi_devintf"]);
    // Drivers loaded, device registered, node missing.
    m.file("proc/modules", "ipmi_si 1 0 - Live 0x0\nipmi_devintf 1 0 - Live 0x0\nipmi_msghandler 1 2 ipmi_si,ipmi_devintf, Live 0x0\n");
    m.file("proc/devices", "Character devices:\n241 ipmidev\n");
    let v = diagnose::verdict(&run(&m, &mut p));
    assert_eq!(
        v.next_steps,
        ["create it: mknod /dev/ipmi0 c 241 0 (or: udevadm trigger)"]
    );
    // No /proc at all: notes, no panic, KCS not probed (cannot tell).
    let empty = FakeMachine::new("empty");
    fs::remove_dir_all(empty.dir.join("proc")).unwrap();
    let r = run(&empty, &mut FakeProbe::default());
    assert!(
        r.notes.iter().any(|n| n.starts_with("/proc/modules")),
        "{:?}",
        r.notes
    );
    assert!(r
        .skipped
        .iter()
        .any(|s| s.via == ProbeVia::Kcs && s.reason.starts_with("cannot tell")));
}

// ---------------------------------------------------------------- daemons and secrets (issue 18)

/// Every daemon form, hours old and asleep like a hung tool: listed under
/// "IPMI daemons", never stuck; the one-shot commands next to them count
/// only when old and blocked.
#[test]
fn daemons_are_never_stuck_tools() {
    let m = FakeMachine::new("daemons");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    fakeroot::daemons(&m, Some("do_epoll_wait"));
    // Sessions: long by design too, listed with the tools, never stuck.
    // One-shot commands: old and blocked (stuck), young, running, zombie, one-shot bmc-watchdog.
    fakeroot::sessions_and_commands(&m);
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let mut pids: Vec<u32> = r.daemons.iter().map(|d| d.pid).collect();
    pids.sort_unstable();
    assert_eq!(pids, (5001..=5010).collect::<Vec<_>>());
    assert!(r.daemons.iter().all(|d| d.kind == ProcessKind::Daemon));
    assert!(r.daemons.iter().all(|d| !d.is_stuck(r.stuck_after)));
    assert_eq!(
        r.daemons.iter().find(|d| d.pid == 5004).unwrap().tool,
        "prometheus-ipmi-exporter"
    );
    let mut tools: Vec<(u32, ProcessKind)> = r.tools.iter().map(|t| (t.pid, t.kind)).collect();
    tools.sort_unstable_by_key(|t| t.0);
    use ProcessKind::{Command, Session};
    assert_eq!(
        tools,
        [
            (5100, Session),
            (5101, Session),
            (5200, Command),
            (5201, Command),
            (5202, Command),
            (5203, Command),
            (5204, Command),
        ]
    );
    let stuck: Vec<u32> = r.stuck_tools().map(|t| t.pid).collect();
    assert_eq!(stuck, [5200, 5204]);

    let v = diagnose::verdict(&r);
    assert!(
        v.headline
            .starts_with("2 IPMI tool process(es) are stuck although the BMC answers now"),
        "{}",
        v.headline
    );
    assert_eq!(v.next_steps[0], "kill the stuck processes: kill 5200 5204");

    // Only daemons running and the BMC answering: healthy.
    let m = FakeMachine::new("daemons-only");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    fakeroot::daemons(&m, None);
    let r = run(&m, &mut p);
    assert!(r.tools.is_empty());
    let v = diagnose::verdict(&r);
    assert!(v.healthy, "{v:?}");
}

/// Every secret a command line can carry, hung for 16 min (stuck): the
/// report and the verdict show none of them.
#[test]
fn command_lines_never_show_secrets() {
    let m = FakeMachine::new("secrets");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    fakeroot::secrets(&m);
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(r.tools.len(), SECRET_FORMS.len());
    assert_eq!(r.stuck_tools().count(), SECRET_FORMS.len());
    for (t, (_, _, shown)) in r.tools.iter().zip(SECRET_FORMS) {
        assert!(t.command.contains(shown), "{} lacks {shown}", t.command);
    }
    assert_eq!(
        r.daemons[0].command,
        "ipmirs serve --listen 127.0.0.1:46001 --user a:***:ADMINISTRATOR --user=op:***:operator"
    );
    let v = diagnose::verdict(&r);
    let everything = format!("{v:?}\n{r:?}");
    for n in 1..=17 {
        let secret = format!("Secret{n:02}");
        assert!(
            !everything.contains(&secret),
            "{secret} shown:\n{everything}"
        );
    }
    assert!(!everything.contains("Secret:17"), "{everything}");
    // The oldest stuck command is named in the findings, redacted.
    assert!(
        v.findings.iter().any(|f| f
            .contains("(oldest 16 min: pid 6000 `ipmitool -I lanplus -H h -U u -P *** mc info`")),
        "{v:?}"
    );
}
