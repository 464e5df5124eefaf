//! `recover`'s out-of-band step against real peers on loopback (the
//! responder of `ipmirs serve`, and OpenIPMI's ipmi_sim frozen, then
//! thawed), with the in-band side on a fake frozen machine; and the
//! rendering of each step as text and as one JSON object.

use super::*;
use crate::credentials::TestEnv;
use crate::plan::{plan, Plan};
use clap::Parser;
use ipmi_kcs::diagnose::{Report, ToolProcess};
use ipmi_kcs::recover::{Modules, Signal, Signals, Status, Step, StepReport, UnloadError};
use ipmirs_test_support::fakeroot::{self, timeout, FakeMachine, FakeProbe};
use std::time::Instant;

/// Nothing here may signal or unload: no --kill-stuck, no --unload-driver.
struct Forbidden;

impl Signals for Forbidden {
    fn send(&mut self, pid: u32, _: Signal) -> std::io::Result<()> {
        panic!("signalled {pid}")
    }
}

impl Modules for Forbidden {
    fn unload(&mut self, name: &str, _: Duration) -> Result<(), UnloadError> {
        panic!("unloaded {name}")
    }
}

/// A frozen in-band BMC: drivers loaded, /dev/ipmi0 (a plain file here,
/// so opening it fails: nothing is sent in-band), the probe timing out.
fn frozen_machine(name: &str) -> (FakeMachine, Report) {
    let m = FakeMachine::new(name);
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    let mut probe = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let options = diagnose::Options {
        self_pid: None,
        ..diagnose::Options::default()
    };
    let report = diagnose::run(&m, &mut probe, &options);
    (m, report)
}

/// `ipmirs recover ARGS` resolved.
fn settings(args: &[&str]) -> RecoverSettings {
    let cli =
        crate::args::Cli::try_parse_from(std::iter::once("ipmirs").chain(args.iter().copied()))
            .unwrap();
    match plan(&cli, &TestEnv::default()) {
        Ok(Plan::Recover(s)) => s,
        other => panic!("{other:?}"),
    }
}

/// Runs the steps on the fake machine with the out-of-band path of `s`.
fn go(m: &FakeMachine, report: Report, s: &RecoverSettings) -> (u8, String, Duration) {
    let options = recover::Options {
        reset_budget: s.reset_budget,
        out_of_band: s
            .lan
            .as_ref()
            .map(|l| LanConnector::new(l.clone(), Duration::from_secs(2)).peer()),
        self_pid: 1,
        ..recover::Options::default()
    };
    let mut paths = CliPaths {
        system: SystemPaths {
            root: m.dir.clone(),
            ..SystemPaths::default()
        },
        lan: s.lan.clone(),
    };
    let mut fx = Effects {
        sys: m,
        signals: &mut Forbidden,
        modules: &mut Forbidden,
        paths: &mut paths,
        clock: &mut SystemClock,
        confirm: &mut TerminalConfirm { yes: true },
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let t0 = Instant::now();
    let code = run_steps(
        &mut fx,
        report,
        &options,
        s.diagnose.json,
        &mut Streams {
            out: &mut out,
            err: &mut err,
        },
    );
    (code, String::from_utf8(out).unwrap(), t0.elapsed())
}

fn steps(json: &str) -> Vec<serde_json::Value> {
    json.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn step<'a>(all: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    all.iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no {name} in {all:?}"))
}

#[test]
fn out_of_band_reset_against_ipmirs_serve() {
    use ipmi_lanplus::server::ServerConfig;
    use ipmirs_test_support::responder::BackgroundServer;
    let server =
        BackgroundServer::start(ServerConfig::new().user(crate::plan::default_serve_user()));
    let port = server.port();
    let s = settings(&[
        "--json",
        "recover",
        "-H",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "admin",
        "-P",
        "admin",
        "--timeout",
        "20",
    ]);
    let (m, report) = frozen_machine("cli-rec-serve");
    let (code, out, took) = go(&m, report, &s);
    let all = steps(&out);
    assert_eq!(code, 0, "{out}");
    // In-band: /dev/ipmi0 cannot be opened, so no reset is claimed there.
    let inband = step(&all, "in-band-reset");
    assert_eq!(inband["status"], "refused", "{inband}");
    assert!(
        inband["summary"]
            .as_str()
            .unwrap()
            .starts_with("Cold Reset not sent through /dev/ipmi0: "),
        "{inband}"
    );
    let oob = step(&all, "out-of-band-reset");
    assert_eq!(oob["status"], "done", "{out}");
    assert_eq!(
        oob["summary"],
        format!("Cold Reset sent through 127.0.0.1:{port} (RMCP+); the BMC accepted it")
    );
    let probe = step(&all, "out-of-band-probe");
    assert_eq!(probe["status"], "done", "{out}");
    assert_eq!(
        probe["answer"]["path"],
        format!("127.0.0.1:{port}"),
        "{probe}"
    );
    assert_eq!(step(&all, "result")["status"], "done");
    // One session for the Cold Reset, one for the probe that answered,
    // each closed.
    // (The responder logs the last close a moment after answering it.)
    let counts = || {
        let log = server.log();
        let opened = log.iter().filter(|l| l.contains(" opened: user")).count();
        let closed = log.iter().filter(|l| l.ends_with(" closed")).count();
        (opened, closed)
    };
    let t0 = Instant::now();
    while counts() != (2, 2) && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(counts(), (2, 2), "{:?}", server.log());
    // Two sessions and a probe on loopback: well under the 20 s budget.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn out_of_band_against_ipmi_sim_frozen_then_thawed() {
    use ipmirs_test_support::ipmisim::IpmiSim;
    let sim = IpmiSim::start();
    let port = sim.port().to_string();
    let s = settings(&[
        "--json",
        "recover",
        "-H",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "admin",
        "-P",
        "secret",
        "-C",
        "3",
        "--timeout",
        "30",
    ]);
    // Frozen: no session opens, so nothing is sent; said so within the
    // 2 s request deadline (10 s bound: 5x, for a loaded machine).
    sim.freeze();
    let (m, report) = frozen_machine("cli-rec-sim");
    let (code, out, took) = go(&m, report.clone(), &s);
    sim.thaw();
    let all = steps(&out);
    assert_eq!(code, 1, "{out}");
    let oob = step(&all, "out-of-band-reset");
    assert_eq!(oob["status"], "refused", "{out}");
    assert!(
        oob["summary"].as_str().unwrap().starts_with(&format!(
            "Cold Reset not sent through 127.0.0.1:{port} (RMCP+): cannot open a session: "
        )),
        "{oob}"
    );
    assert!(all.iter().all(|s| s["step"] != "out-of-band-probe"));
    assert_eq!(step(&all, "result")["status"], "failed");
    assert!(took < Duration::from_secs(10), "{took:?}");

    // Thawed: ipmi_sim refuses Cold Reset (0xC1, it does not implement
    // it), which is said as such, never as sent; Get Device ID answers.
    let (code, out, _) = go(&m, report, &s);
    let all = steps(&out);
    assert_eq!(code, 0, "{out}\n{}", sim.log());
    let oob = step(&all, "out-of-band-reset");
    assert_eq!(oob["status"], "failed", "{out}");
    assert_eq!(
        oob["summary"],
        format!(
            "Cold Reset through 127.0.0.1:{port} (RMCP+) refused by the BMC: Cold Reset: the BMC answered \
             with completion code 0xc1 (Invalid command)"
        )
    );
    let probe = step(&all, "out-of-band-probe");
    assert_eq!(probe["answer"]["manufacturer_id"], 4753, "{probe}");
}

#[test]
fn steps_render_as_text_and_one_json_object_each() {
    let process = |pid: u32, state: char| ToolProcess {
        pid,
        tool: "ipmitool".into(),
        kind: ipmi_kcs::diagnose::ProcessKind::Command,
        command: "ipmitool -P *** mc info".into(),
        state,
        age_secs: 1000.0,
        start_ticks: 100,
        wchan: Some("ipmi_ioctl".into()),
    };
    use ipmi_kcs::recover::{ProcessFate, ProcessOutcome};
    let report = StepReport {
        step: Step::StuckProcesses,
        status: Status::Failed,
        summary: "ended 1 of 2 stuck IPMI tool process(es); the others are left (see each)".into(),
        details: vec![],
        processes: vec![
            ProcessOutcome {
                process: process(2000, 'S'),
                fate: ProcessFate::Ended { signal: "SIGKILL" },
            },
            ProcessOutcome {
                process: process(2001, 'D'),
                fate: ProcessFate::Survived { state: 'D' },
            },
        ],
        answer: None,
        elapsed: Duration::from_millis(3200),
    };
    assert_eq!(
        render::text(&report),
        "stuck-processes    failed   ended 1 of 2 stuck IPMI tool process(es); the others are left (see each)\n\
         \x20                           pid 2000 16 min S ipmitool -P *** mc info [ipmi_ioctl]: ended (SIGKILL)\n\
         \x20                           pid 2001 16 min D ipmitool -P *** mc info [ipmi_ioctl]: still there after SIGKILL (state D: blocked in the kernel, it ends when its call returns)\n"
    );
    let line = render::json_line(&report);
    assert!(line.ends_with("}\n") && line.lines().count() == 1, "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["step"], "stuck-processes");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["elapsed_ms"], 3200);
    assert_eq!(v["processes"][0]["pid"], 2000);
    assert_eq!(v["processes"][0]["fate"], "ended");
    assert_eq!(v["processes"][0]["signal"], "SIGKILL");
    assert_eq!(v["processes"][0]["command"], "ipmitool -P *** mc info");
    assert_eq!(v["processes"][1]["fate"], "survived");
    assert!(v["processes"][1].get("signal").is_none());
    let planned = StepReport {
        status: Status::Planned,
        processes: vec![],
        summary: "would end 2 stuck IPMI tool process(es) by pid".into(),
        ..report
    };
    assert!(render::text(&planned).starts_with("stuck-processes    would    would end 2"));
}

#[test]
fn recover_refuses_options_that_are_not_its_own() {
    let cli = |args: &[&str]| {
        crate::args::Cli::try_parse_from(std::iter::once("ipmirs").chain(args.iter().copied()))
            .unwrap()
    };
    let err = |args: &[&str]| match plan(&cli(args), &TestEnv::default()) {
        Err(e) => e.to_string(),
        Ok(p) => panic!("{p:?}"),
    };
    assert!(err(&["recover", "-U", "admin"]).contains("-U without -H"));
    assert!(err(&["recover", "-c"])
        .starts_with("recover: the option -c belongs to the client commands"));
    assert!(err(&["recover", "-H", "a,b"]).contains("names one BMC"));
    let s = settings(&["recover", "--root", "/tmp", "--kill-stuck"]);
    assert!(s.dry_run, "--root implies --dry-run");
    assert_eq!(s.stuck_after, Duration::from_secs(300));
    assert_eq!(s.reset_budget, Duration::from_secs(120));
    let s = settings(&["recover", "--stuck-after", "2", "--timeout", "7", "--yes"]);
    assert_eq!(
        (s.stuck_after, s.reset_budget, s.yes),
        (Duration::from_secs(2), Duration::from_secs(7), true)
    );
    assert!(s.lan.is_none());
}
