//! The report rendered as text and JSON, over the fake machines of the
//! library's tests (ipmi-kcs/tests/diagnose_proc.rs checks the facts and
//! the verdict of the same scenes; these check the words and the shape).

use super::*;
use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{self, Options, ProbeFailure};
use ipmirs_test_support::fakeroot::{
    self, qemu_answer, timeout, FakeMachine, FakeProbe, SECRET_FORMS,
};
use serde_json::Value;

fn run(m: &FakeMachine, p: &mut FakeProbe) -> Report {
    let options = Options {
        self_pid: None,
        ..Options::default()
    };
    diagnose::run(m, p, &options)
}

/// The JSON line parsed (it must be one value).
fn json(r: &Report) -> Value {
    let line = render_json(r);
    assert!(!line.contains('\n'), "{line}");
    serde_json::from_str(&line).unwrap()
}

#[test]
fn healthy() {
    let m = FakeMachine::new("cli-healthy");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let text = render_text(&r);
    assert!(
        text.starts_with("IPMI in-band health: HEALTHY (exit 0)\n"),
        "{text}"
    );
    assert!(
        text.contains("/dev/ipmi0: present (ipmidev registered as 239)"),
        "{text}"
    );
    assert!(
        text.contains("kipmi0 pid 812 state S: 0.0 % CPU over 0.20 s"),
        "{text}"
    );
    let j = json(&r);
    assert_eq!(j["healthy"], true);
    assert_eq!(j["exit_code"], 0);
    assert_eq!(j["modules"].as_array().unwrap().len(), 3);
    assert_eq!(j["device"]["registered_major"], 239);
    assert_eq!(j["probes"][0]["via"], "device-file");
    assert_eq!(j["probes"][0]["answer"]["device_id"], 32);
    assert_eq!(j["probes"][0]["answer"]["ipmi_version"], "2.0");
    assert_eq!(j["kcs_address"]["data_port"], 3234);
}

#[test]
fn driver_absent_kcs_answers() {
    let m = FakeMachine::new("cli-absent");
    let mut p = FakeProbe {
        kcs: Some(Ok(qemu_answer("KCS I/O ports 0xca2/0xca3 (ioperm)"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let text = render_text(&r);
    assert!(text.contains("(no IPMI module loaded)"), "{text}");
    assert!(
        text.contains("device file: not probed: /dev/ipmi0 does not exist"),
        "{text}"
    );
    assert!(text.contains("0xca2/0xca3 (standard address ("), "{text}");
    let j = json(&r);
    assert_eq!(j["exit_code"], 1);
    assert_eq!(j["probes"][0]["via"], "kcs");
    assert_eq!(j["skipped_probes"][0]["via"], "device-file");
}

#[test]
fn kipmi_spinning_and_silent() {
    let m = FakeMachine::new("cli-spin");
    m.ipmi_loaded();
    // 39 ticks in 200 ms: kipmi0 spins.
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'R', 1039, 300, true),
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let j = json(&r);
    assert_eq!(j["kernel_threads"][0]["spinning"], true);
    assert_eq!(j["probes"][0]["error"]["class"], "timeout");
}

#[test]
fn two_hundred_stuck_ipmitools() {
    let m = FakeMachine::new("cli-stuck");
    fakeroot::two_hundred_stuck(&m);
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let text = render_text(&r);
    assert!(text.contains("202 process(es), 200 running for over 30 s; states S 182, D 20; most wait in ipmi_ioctl (200)"), "{text}");
    assert!(text.contains("... and 197 more"), "{text}");
    assert!(
        text.contains("Load average     193.02 190.11 150.40"),
        "{text}"
    );
    let j = json(&r);
    assert_eq!(j["tools"]["count"], 202);
    assert_eq!(j["tools"]["stuck"], 200);
    assert_eq!(j["tools"]["processes"].as_array().unwrap().len(), 202);
    assert_eq!(j["tools"]["processes"][0]["state"], "D");
}

#[test]
fn partial_drivers_and_missing_files() {
    // No /proc at all: the renderers still render.
    let empty = FakeMachine::new("cli-empty");
    std::fs::remove_dir_all(empty.dir.join("proc")).unwrap();
    let r = run(&empty, &mut FakeProbe::default());
    let _ = json(&r);
    let text = render_text(&r);
    assert!(text.contains("Not readable     /proc/modules"), "{text}");
}

#[test]
fn daemons_are_never_stuck_tools() {
    let m = FakeMachine::new("cli-daemons");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    fakeroot::daemons(&m, Some("do_epoll_wait"));
    fakeroot::sessions_and_commands(&m);
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let text = render_text(&r);
    assert!(
        text.contains(
            "IPMI daemons     10 process(es), long-running by design (never counted as stuck)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("pid 5001 2 h 45 min S /usr/bin/ipmirs serve --listen 127.0.0.1:46001 [do_epoll_wait]\n"),
        "{text}"
    );
    assert!(
        text.contains("ipmitool -I lanplus -H h sol activate (interactive session)"),
        "{text}"
    );
    assert!(
        text.contains("7 process(es), 2 running for over 30 s"),
        "{text}"
    );
    let j = json(&r);
    assert_eq!(j["tools"]["count"], 7);
    assert_eq!(j["tools"]["stuck"], 2);
    assert_eq!(j["daemons"]["count"], 10);
    let d = j["daemons"]["processes"].as_array().unwrap();
    assert_eq!(d.len(), 10);
    for p in d {
        assert_eq!(p["kind"], "daemon");
        assert_eq!(p["stuck"], false);
    }
    let tools = j["tools"]["processes"].as_array().unwrap();
    assert_eq!(tools.len(), 7);
    assert_eq!(tools.iter().filter(|t| t["kind"] == "session").count(), 2);

    // Only daemons running and the BMC answering.
    let m = FakeMachine::new("cli-daemons-only");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    fakeroot::daemons(&m, None);
    let text = render_text(&run(&m, &mut p));
    assert!(text.contains("IPMI tools       (none running)\n"), "{text}");
}

#[test]
fn command_lines_never_show_secrets() {
    let m = FakeMachine::new("cli-secrets");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    fakeroot::secrets(&m);
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let text = render_text(&r);
    let line = render_json(&r);
    let everything = format!("{text}\n{line}");
    for n in 1..=17 {
        let secret = format!("Secret{n:02}");
        assert!(
            !everything.contains(&secret),
            "{secret} shown:\n{everything}"
        );
    }
    assert!(!everything.contains("Secret:17"), "{everything}");
    assert!(
        text.contains("pid 6001 16 min S ipmitool -H h -P*** mc info\n"),
        "{text}"
    );
    let j = json(&r);
    let procs = j["tools"]["processes"].as_array().unwrap();
    for (p, (_, _, shown)) in procs.iter().zip(SECRET_FORMS) {
        assert!(p["command"].as_str().unwrap().contains(shown), "{p}");
    }
    assert_eq!(
        j["daemons"]["processes"][0]["command"],
        "ipmirs serve --listen 127.0.0.1:46001 --user a:***:ADMINISTRATOR --user=op:***:operator"
    );
}

#[test]
fn a_failed_probe_names_its_class() {
    let m = FakeMachine::new("cli-io");
    let mut p = FakeProbe {
        kcs: Some(Err(ProbeFailure {
            path: "KCS 0xca2/0xca3".into(),
            class: ErrorClass::Io,
            message: "no KCS interface answers".into(),
        })),
        ..FakeProbe::default()
    };
    let text = render_text(&run(&m, &mut p));
    let line = text
        .lines()
        .find(|l| l.contains("KCS 0xca2/0xca3: failed after "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.ends_with(" ms (io): no KCS interface answers"),
        "{text}"
    );
}
