//! `recover`'s steps on fake /proc and /sys trees (test-support's
//! `fakeroot`) with fake signals, modules, BMC paths, clock and
//! confirmation: what each step does, what it refuses, and that nothing
//! happens that was not asked for (healthy, --dry-run, no terminal).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{self, ProbeAnswer, ProbeFailure, Report};
use ipmi_kcs::recover::{
    self, Bmc, Clock, Confirm, Confirmation, Effects, Modules, Options, Path, Paths, ProcessFate,
    ResetFailure, Signal, Signals, Status, Step, StepReport, UnloadError,
};
use ipmirs_test_support::fakeroot::{self, qemu_answer, timeout, FakeMachine, FakeProbe};

// ---------------------------------------------------------------- fakes

/// Virtual time: sleeping and waiting for the BMC advance it.
#[derive(Clone)]
struct FakeClock {
    base: Instant,
    offset: Rc<Cell<Duration>>,
}

impl FakeClock {
    fn new() -> FakeClock {
        FakeClock {
            base: Instant::now(),
            offset: Rc::new(Cell::new(Duration::ZERO)),
        }
    }
    fn advance(&self, d: Duration) {
        self.offset.set(self.offset.get() + d);
    }
    fn elapsed(&self) -> Duration {
        self.offset.get()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.base + self.offset.get()
    }
    fn sleep(&mut self, d: Duration) {
        self.advance(d);
    }
}

/// How a fake process takes a signal.
#[derive(Clone, Copy, PartialEq)]
enum Takes {
    /// Ends on SIGTERM.
    Term,
    /// Ignores SIGTERM, ends on SIGKILL.
    Kill,
    /// Blocked in the kernel (D): ends on nothing.
    Nothing,
}

/// Signals that act on the fake tree: an ended process's /proc dir goes.
struct FakeSignals<'a> {
    m: &'a FakeMachine,
    takes: HashMap<u32, Takes>,
    sent: Vec<(u32, Signal)>,
}

impl Signals for FakeSignals<'_> {
    fn send(&mut self, pid: u32, signal: Signal) -> io::Result<()> {
        self.sent.push((pid, signal));
        let takes = self.takes.get(&pid).copied().unwrap_or(Takes::Term);
        let ends = match signal {
            Signal::Term => takes == Takes::Term,
            Signal::Kill => takes != Takes::Nothing,
        };
        if ends {
            let _ = std::fs::remove_dir_all(self.m.dir.join(format!("proc/{pid}")));
        }
        Ok(())
    }
}

#[derive(Default)]
struct FakeModules {
    refuse: HashMap<String, UnloadError>,
    unloaded: Vec<String>,
}

impl Modules for FakeModules {
    fn unload(&mut self, name: &str, _timeout: Duration) -> Result<(), UnloadError> {
        if let Some(e) = self.refuse.get(name) {
            return Err(e.clone());
        }
        self.unloaded.push(name.to_string());
        Ok(())
    }
}

/// One way to the BMC as scripted.
#[derive(Clone)]
struct Script {
    open: Result<(), ProbeFailure>,
    reset: Result<(), ResetFailure>,
    /// Get Device ID answers from this probe on (1-based); `None`: never.
    answers_from: Option<u32>,
    /// Time each failing request takes.
    takes: Duration,
}

impl Script {
    fn frozen(path: &str) -> Script {
        Script {
            open: Ok(()),
            reset: Err(ResetFailure::of_exchange(timeout(path))),
            answers_from: None,
            takes: Duration::from_secs(2),
        }
    }
    fn recovers(from: u32) -> Script {
        Script {
            open: Ok(()),
            reset: Ok(()),
            answers_from: Some(from),
            takes: Duration::from_secs(2),
        }
    }
}

struct FakeBmc {
    script: Script,
    path: &'static str,
    clock: FakeClock,
    log: Rc<RefCell<Vec<String>>>,
    probes: u32,
}

impl Bmc for FakeBmc {
    fn cold_reset(&mut self, t: Duration) -> Result<(), ResetFailure> {
        self.log.borrow_mut().push(format!("reset {}", self.path));
        if self.script.reset.is_err() {
            self.clock.advance(t);
        }
        self.script.reset.clone()
    }
    fn get_device_id(&mut self, t: Duration) -> Result<ProbeAnswer, ProbeFailure> {
        self.probes += 1;
        self.log.borrow_mut().push(format!("probe {}", self.path));
        match self.script.answers_from {
            Some(n) if self.probes >= n => Ok(qemu_answer(self.path)),
            _ => {
                self.clock.advance(t.min(self.script.takes));
                Err(timeout(self.path))
            }
        }
    }
}

struct FakePaths {
    scripts: HashMap<Path, Script>,
    clock: FakeClock,
    log: Rc<RefCell<Vec<String>>>,
}

impl Paths for FakePaths {
    fn open(&mut self, path: Path) -> Result<Box<dyn Bmc + '_>, ProbeFailure> {
        let script = self
            .scripts
            .get(&path)
            .unwrap_or_else(|| panic!("{path:?} opened, not scripted"))
            .clone();
        self.log.borrow_mut().push(format!("open {path:?}"));
        script.open.clone()?;
        let name = match path {
            Path::DeviceFile => "/dev/ipmi0",
            Path::Kcs => "KCS I/O ports 0xca2/0xca3 (ioperm)",
            Path::OutOfBand => "bmc.example",
        };
        Ok(Box::new(FakeBmc {
            script,
            path: name,
            clock: self.clock.clone(),
            log: self.log.clone(),
            probes: 0,
        }))
    }
}

struct FakeConfirm(Confirmation, Vec<String>);

impl Confirm for FakeConfirm {
    fn confirm(&mut self, q: &str) -> Confirmation {
        self.1.push(q.to_string());
        self.0
    }
}

/// One run and everything it did.
struct Run {
    steps: Vec<StepReport>,
    exit: i32,
    sent: Vec<(u32, Signal)>,
    unloaded: Vec<String>,
    bmc: Vec<String>,
    asked: Vec<String>,
    virtual_time: Duration,
}

impl Run {
    fn step(&self, step: Step) -> &StepReport {
        self.steps
            .iter()
            .find(|s| s.step == step)
            .unwrap_or_else(|| panic!("no {step:?} in {:#?}", self.steps))
    }
    fn keys(&self) -> Vec<(&'static str, &'static str)> {
        self.steps
            .iter()
            .map(|s| (s.step.key(), s.status.key()))
            .collect()
    }
}

struct Bed {
    takes: HashMap<u32, Takes>,
    refuse: HashMap<String, UnloadError>,
    scripts: HashMap<Path, Script>,
    confirm: Confirmation,
}

impl Default for Bed {
    fn default() -> Self {
        Bed {
            takes: HashMap::new(),
            refuse: HashMap::new(),
            scripts: HashMap::new(),
            confirm: Confirmation::Yes,
        }
    }
}

fn diagnose_options(self_pid: u32) -> diagnose::Options {
    diagnose::Options {
        self_pid: Some(self_pid),
        stuck_after: Duration::from_secs(300),
        ..diagnose::Options::default()
    }
}

fn report(m: &FakeMachine, probe: &mut FakeProbe) -> Report {
    diagnose::run(m, probe, &diagnose_options(9999))
}

fn go(m: &FakeMachine, report: Report, options: &Options, bed: Bed) -> Run {
    let clock = FakeClock::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut signals = FakeSignals {
        m,
        takes: bed.takes,
        sent: Vec::new(),
    };
    let mut modules = FakeModules {
        refuse: bed.refuse,
        unloaded: Vec::new(),
    };
    let mut paths = FakePaths {
        scripts: bed.scripts,
        clock: clock.clone(),
        log: log.clone(),
    };
    let mut confirm = FakeConfirm(bed.confirm, Vec::new());
    let mut c = clock.clone();
    let mut fx = Effects {
        sys: m,
        signals: &mut signals,
        modules: &mut modules,
        paths: &mut paths,
        clock: &mut c,
        confirm: &mut confirm,
    };
    let mut steps = Vec::new();
    let outcome = recover::run(&mut fx, report, options, &mut |s| steps.push(s.clone()));
    let bmc = log.borrow().clone();
    Run {
        steps,
        exit: outcome.exit_code(),
        sent: signals.sent,
        unloaded: modules.unloaded,
        bmc,
        asked: confirm.1,
        virtual_time: clock.elapsed(),
    }
}

fn options() -> Options {
    Options {
        self_pid: 9999,
        ..Options::default()
    }
}

/// The frozen BMC of the incident: drivers loaded, kipmi0, /dev/ipmi0 held
/// open by three `ipmitool mc info` (1000 s old, blocked), the device-file
/// probe timing out; this process (9999) runs under a shell (400).
fn frozen(name: &str) -> (FakeMachine, Report) {
    let m = FakeMachine::new(name);
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    for pid in [2000, 2001, 2002] {
        m.process(
            pid,
            "ipmitool",
            'S',
            "ipmitool -P Secret mc info",
            3,
            9000 * 100,
        );
        m.file(&format!("proc/{pid}/wchan"), "ipmi_ioctl");
        hold_device(&m, pid);
    }
    m.file(
        "proc/9999/stat",
        &FakeMachine::stat_line_with_parent(9999, 400, "ipmirs", 'R', 1, 9_999 * 100, false),
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = report(&m, &mut p);
    (m, r)
}

/// `pid` has /dev/ipmi0 open as fd 3.
fn hold_device(m: &FakeMachine, pid: u32) {
    let fd = m.dir.join(format!("proc/{pid}/fd"));
    std::fs::create_dir_all(&fd).unwrap();
    std::os::unix::fs::symlink("/dev/ipmi0", fd.join("3")).unwrap();
}

// ---------------------------------------------------------------- step 1

#[test]
fn healthy_changes_nothing() {
    let m = FakeMachine::new("rec-healthy");
    m.ipmi_loaded();
    fakeroot::kipmi_idle(&m);
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = report(&m, &mut p);
    let o = Options {
        kill_stuck: true,
        unload_driver: true,
        ..options()
    };
    let run = go(&m, r, &o, Bed::default());
    assert_eq!(run.keys(), [("diagnose", "info"), ("result", "done")]);
    assert!(run.step(Step::Result).summary.contains("nothing changed"));
    assert_eq!(run.exit, 0);
    assert!(run.sent.is_empty() && run.unloaded.is_empty() && run.bmc.is_empty());
    assert!(run.asked.is_empty());
}

// ---------------------------------------------------------------- --dry-run

#[test]
fn dry_run_plans_every_step_and_touches_nothing() {
    let (m, r) = frozen("rec-dry");
    let o = Options {
        dry_run: true,
        kill_stuck: true,
        unload_driver: true,
        out_of_band: Some("bmc.example".into()),
        ..options()
    };
    let run = go(&m, r, &o, Bed::default());
    assert_eq!(
        run.keys(),
        [
            ("diagnose", "info"),
            ("stuck-processes", "planned"),
            ("in-band-reset", "planned"),
            ("unload-driver", "planned"),
            ("kcs-reset", "planned"),
            ("out-of-band-reset", "planned"),
            ("result", "failed"),
        ]
    );
    assert_eq!(run.exit, 1, "the BMC does not answer");
    assert!(run.sent.is_empty() && run.unloaded.is_empty() && run.bmc.is_empty());
    assert!(run.asked.is_empty());
    let s = run.step(Step::StuckProcesses);
    assert_eq!(s.processes.len(), 3);
    assert!(s
        .processes
        .iter()
        .all(|p| p.fate == ProcessFate::Listed && p.process.command == "ipmitool -P *** mc info"));
    assert!(
        run.step(Step::UnloadDriver)
            .summary
            .starts_with("would unload ipmi_devintf, ipmi_si (in this order)"),
        "{:?}",
        run.step(Step::UnloadDriver)
    );
    assert!(run
        .step(Step::Result)
        .summary
        .starts_with("dry run, nothing changed: "));
}

// ---------------------------------------------------------------- step 2

#[test]
fn stuck_processes_end_by_pid_with_term_then_kill() {
    let (m, r) = frozen("rec-kill");
    // 2003: in D, ends on nothing. 2004: reused pid (another process
    // started after the triage). 2005: our own parent. All stuck.
    for pid in [2003, 2004, 2005] {
        m.process(pid, "ipmitool", 'D', "ipmitool mc info", 3, 9000 * 100);
    }
    m.file(
        "proc/9999/stat",
        &FakeMachine::stat_line_with_parent(9999, 2005, "ipmirs", 'R', 1, 9_999 * 100, false),
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r2 = report(&m, &mut p);
    drop(r);
    assert_eq!(r2.stuck_tools().count(), 6);
    m.process(2004, "bash", 'S', "bash", 0, 9_999 * 100); // the pid, reused
    let mut takes = HashMap::new();
    takes.insert(2001, Takes::Kill);
    takes.insert(2003, Takes::Nothing);
    let o = Options {
        kill_stuck: true,
        ..options()
    };
    let run = go(
        &m,
        r2,
        &o,
        Bed {
            takes,
            scripts: HashMap::from([(Path::DeviceFile, Script::frozen("/dev/ipmi0"))]),
            ..Bed::default()
        },
    );
    let s = run.step(Step::StuckProcesses);
    assert_eq!(s.status, Status::Failed, "{s:?}");
    assert!(s.summary.starts_with("ended 3 of 6"), "{}", s.summary);
    let fate = |pid: u32| {
        s.processes
            .iter()
            .find(|p| p.process.pid == pid)
            .unwrap()
            .fate
            .clone()
    };
    assert_eq!(fate(2000), ProcessFate::Ended { signal: "SIGTERM" });
    assert_eq!(fate(2001), ProcessFate::Ended { signal: "SIGKILL" });
    assert_eq!(fate(2002), ProcessFate::Ended { signal: "SIGTERM" });
    assert_eq!(fate(2003), ProcessFate::Survived { state: 'D' });
    assert_eq!(fate(2004), ProcessFate::Reused);
    assert_eq!(fate(2005), ProcessFate::OwnAncestor);
    // By pid, TERM to all live ones first, KILL only to the survivors;
    // never the reused pid, never our parent.
    let mut sent = run.sent.clone();
    sent.sort_by_key(|(pid, s)| (*s == Signal::Kill, *pid));
    assert_eq!(
        sent,
        [
            (2000, Signal::Term),
            (2001, Signal::Term),
            (2002, Signal::Term),
            (2003, Signal::Term),
            (2001, Signal::Kill),
            (2003, Signal::Kill),
        ]
    );
    // Two grace periods at most (3 s each), on the virtual clock, then
    // the in-band reset's 2 s and its 60 s budget.
    assert!(
        run.virtual_time >= Duration::from_secs(60),
        "{:?}",
        run.virtual_time
    );
}

#[test]
fn stuck_processes_are_only_listed_without_kill_stuck() {
    let (m, r) = frozen("rec-list");
    let run = go(
        &m,
        r,
        &Options {
            reset_budget: Duration::from_secs(10),
            ..options()
        },
        Bed {
            scripts: HashMap::from([(Path::DeviceFile, Script::frozen("/dev/ipmi0"))]),
            ..Bed::default()
        },
    );
    let s = run.step(Step::StuckProcesses);
    assert_eq!(s.status, Status::Skipped);
    assert!(s.summary.contains("give --kill-stuck"), "{}", s.summary);
    assert_eq!(s.processes.len(), 3);
    assert!(run.sent.is_empty());
}

// ---------------------------------------------------------------- step 3

#[test]
fn in_band_reset_then_probe_until_it_answers() {
    let (m, r) = frozen("rec-inband");
    let run = go(
        &m,
        r,
        &options(),
        Bed {
            scripts: HashMap::from([(Path::DeviceFile, Script::recovers(3))]),
            ..Bed::default()
        },
    );
    assert_eq!(run.step(Step::InBandReset).status, Status::Done);
    assert_eq!(
        run.step(Step::InBandReset).summary,
        "Cold Reset sent through /dev/ipmi0; the BMC accepted it"
    );
    let p = run.step(Step::InBandProbe);
    assert_eq!(p.status, Status::Done, "{p:?}");
    assert_eq!(p.answer.as_ref().unwrap().path, "/dev/ipmi0");
    assert_eq!(
        run.bmc,
        [
            "open DeviceFile",
            "reset /dev/ipmi0",
            "probe /dev/ipmi0",
            "probe /dev/ipmi0",
            "probe /dev/ipmi0"
        ]
    );
    for later in [Step::UnloadDriver, Step::KcsReset, Step::OutOfBandReset] {
        assert_eq!(run.step(later).status, Status::Skipped);
    }
    assert_eq!(run.exit, 0);
    assert_eq!(
        run.asked,
        ["Cold reset the BMC through /dev/ipmi0?"],
        "asked before the reset"
    );
}

#[test]
fn a_frozen_bmc_gets_no_claim_and_the_budget_bounds_the_probes() {
    let (m, r) = frozen("rec-frozen");
    let o = Options {
        reset_budget: Duration::from_secs(10),
        ..options()
    };
    let run = go(
        &m,
        r,
        &o,
        Bed {
            scripts: HashMap::from([(Path::DeviceFile, Script::frozen("/dev/ipmi0"))]),
            ..Bed::default()
        },
    );
    let s = run.step(Step::InBandReset);
    assert_eq!(s.status, Status::Failed);
    assert!(
        s.summary.starts_with(
            "Cold Reset through /dev/ipmi0 not acknowledged within 2.0 s (the BMC may not have received it): "
        ),
        "{}",
        s.summary
    );
    let p = run.step(Step::InBandProbe);
    assert_eq!(p.status, Status::Failed);
    // 2 s per probe + 1 s between: 4 probes in the 10 s budget.
    assert!(
        p.summary
            .contains("within the reset budget of 10 s after the Cold Reset request (4 Get Device ID probe(s)"),
        "{}",
        p.summary
    );
    // Step 4 not asked for: the next step is named.
    assert!(run
        .step(Step::UnloadDriver)
        .summary
        .contains("give --unload-driver to unload ipmi_devintf, ipmi_si"));
    let oob = run.step(Step::OutOfBandReset);
    assert_eq!(
        oob.details,
        ["ipmirs -H <bmc-address> -U <user> -E lan mc reset cold"]
    );
    assert_eq!(run.step(Step::Result).status, Status::Failed);
    assert_eq!(run.exit, 1);
}

#[test]
fn cannot_open_the_device_means_not_sent() {
    let (m, r) = frozen("rec-eacces");
    let mut refused = Script::frozen("/dev/ipmi0");
    refused.open = Err(ProbeFailure {
        path: "/dev/ipmi0".into(),
        class: ErrorClass::Io,
        message: "/dev/ipmi0: permission denied: run as root".into(),
    });
    let run = go(
        &m,
        r,
        &options(),
        Bed {
            scripts: HashMap::from([(Path::DeviceFile, refused)]),
            ..Bed::default()
        },
    );
    let s = run.step(Step::InBandReset);
    assert_eq!(s.status, Status::Refused);
    assert!(s.summary.starts_with("Cold Reset not sent through /dev/ipmi0: cannot open it: /dev/ipmi0: permission denied: run as root; next: "), "{}", s.summary);
    assert!(run.steps.iter().all(|s| s.step != Step::InBandProbe));
}

// ---------------------------------------------------------------- step 4

#[test]
fn unload_is_refused_while_the_device_is_held() {
    let (m, r) = frozen("rec-held");
    let o = Options {
        unload_driver: true,
        reset_budget: Duration::from_secs(4),
        ..options()
    };
    let run = go(
        &m,
        r,
        &o,
        Bed {
            scripts: HashMap::from([(Path::DeviceFile, Script::frozen("/dev/ipmi0"))]),
            ..Bed::default()
        },
    );
    let s = run.step(Step::UnloadDriver);
    assert_eq!(s.status, Status::Refused, "{s:?}");
    assert!(s.summary.starts_with("ipmi_devintf is in use: 3 process(es) hold /dev/ipmi0 open; next: end them (--kill-stuck"), "{}", s.summary);
    assert_eq!(
        s.details,
        [
            "pid 2000 ipmitool -P *** mc info",
            "pid 2001 ipmitool -P *** mc info",
            "pid 2002 ipmitool -P *** mc info"
        ]
    );
    assert!(run.unloaded.is_empty());
    assert_eq!(run.step(Step::KcsReset).status, Status::Skipped);
}

#[test]
fn kill_unload_then_kcs_reset_of_a_frozen_bmc_is_reported_as_failing() {
    let (m, r) = frozen("rec-unload");
    // acpi_ipmi too: three modules, users first.
    m.file(
        "proc/modules",
        "acpi_ipmi 20480 0 - Live 0x0\nipmi_si 86016 0 - Live 0x0\nipmi_devintf 20480 0 - Live 0x0\n\
         ipmi_msghandler 122880 3 ipmi_devintf,ipmi_si,acpi_ipmi, Live 0x0\n",
    );
    let r = {
        drop(r);
        let mut p = FakeProbe {
            device_file: Some(Err(timeout("/dev/ipmi0"))),
            ..FakeProbe::default()
        };
        report(&m, &mut p)
    };
    let o = Options {
        kill_stuck: true,
        unload_driver: true,
        reset_budget: Duration::from_secs(6),
        ..options()
    };
    let run = go(
        &m,
        r,
        &o,
        Bed {
            scripts: HashMap::from([
                (Path::DeviceFile, Script::frozen("/dev/ipmi0")),
                (Path::Kcs, Script::frozen("KCS")),
            ]),
            ..Bed::default()
        },
    );
    assert_eq!(run.step(Step::StuckProcesses).status, Status::Done);
    assert_eq!(run.unloaded, ["ipmi_devintf", "ipmi_si", "acpi_ipmi"]);
    assert_eq!(
        run.step(Step::UnloadDriver).summary,
        "unloaded ipmi_devintf, ipmi_si, acpi_ipmi"
    );
    let k = run.step(Step::KcsReset);
    assert_eq!(k.status, Status::Failed);
    assert!(
        k.summary.starts_with(
            "Cold Reset through the KCS ports 0xca2/0xca3 not acknowledged within 2.0 s"
        ),
        "{}",
        k.summary
    );
    assert_eq!(run.step(Step::KcsProbe).status, Status::Failed);
    let back = run.step(Step::DriverBack);
    assert!(
        back.summary
            .starts_with("do not load ipmi_si while the BMC does not answer")
            && back
                .summary
                .ends_with("`modprobe -a ipmi_si ipmi_devintf acpi_ipmi`"),
        "{}",
        back.summary
    );
    assert_eq!(run.exit, 1);
    assert_eq!(run.asked.len(), 4, "{:?}", run.asked);
}

#[test]
fn refusals_name_the_next_step() {
    // Not root: the kernel refuses the unload.
    let (m, r) = frozen("rec-noroot");
    for pid in [2000, 2001, 2002] {
        let _ = std::fs::remove_dir_all(m.dir.join(format!("proc/{pid}/fd")));
    }
    let o = Options {
        unload_driver: true,
        reset_budget: Duration::from_secs(2),
        ..options()
    };
    let run = go(
        &m,
        r,
        &o,
        Bed {
            refuse: HashMap::from([(
                "ipmi_devintf".to_string(),
                UnloadError::NotPermitted("ipmi_devintf".into()),
            )]),
            scripts: HashMap::from([(Path::DeviceFile, Script::frozen("/dev/ipmi0"))]),
            ..Bed::default()
        },
    );
    let s = run.step(Step::UnloadDriver);
    assert_eq!(s.status, Status::Refused);
    assert_eq!(
        s.summary,
        "not allowed to unload ipmi_devintf: run as root; next: run recover as root"
    );

    // No KCS interface at the address: the driver is gone, nothing answers there.
    let m = FakeMachine::new("rec-nokcs");
    let mut p = FakeProbe {
        kcs: Some(Err(ProbeFailure {
            path: "KCS 0xca2/0xca3".into(),
            class: ErrorClass::Io,
            message: "no KCS interface answers: the status register reads 0xff".into(),
        })),
        ..FakeProbe::default()
    };
    let r = report(&m, &mut p);
    let mut none = Script::frozen("KCS");
    none.open = Err(ProbeFailure {
        path: "KCS 0xca2/0xca3".into(),
        class: ErrorClass::Io,
        message: "no KCS interface answers: the status register reads 0xff".into(),
    });
    let run = go(
        &m,
        r,
        &options(),
        Bed {
            scripts: HashMap::from([(Path::Kcs, none)]),
            ..Bed::default()
        },
    );
    assert_eq!(
        run.step(Step::UnloadDriver).summary,
        "not needed: ipmi_si is not loaded"
    );
    let k = run.step(Step::KcsReset);
    assert_eq!(k.status, Status::Refused);
    assert!(
        k.summary.contains("no KCS interface answers")
            && k.summary.contains("next: reset the BMC out of band"),
        "{}",
        k.summary
    );
}

#[test]
fn driver_absent_and_bmc_answering_over_kcs_says_how_to_load_it() {
    let m = FakeMachine::new("rec-thawed");
    let mut p = FakeProbe {
        kcs: Some(Ok(qemu_answer("KCS I/O ports 0xca2/0xca3 (ioperm)"))),
        ..FakeProbe::default()
    };
    let r = report(&m, &mut p);
    let run = go(&m, r, &options(), Bed::default());
    assert_eq!(run.exit, 0);
    assert!(run.bmc.is_empty(), "no reset when it answers");
    assert_eq!(
        run.step(Step::DriverBack).summary,
        "the BMC answers: bring the driver back with `modprobe ipmi_msghandler ipmi_devintf ipmi_si`"
    );
    assert!(run
        .step(Step::Result)
        .summary
        .starts_with("the BMC answers (Get Device ID through KCS I/O ports"));
}

// ---------------------------------------------------------------- step 5 and confirmation

#[test]
fn out_of_band_reset_with_dash_h() {
    let (m, r) = frozen("rec-oob");
    let o = Options {
        out_of_band: Some("bmc.example".into()),
        reset_budget: Duration::from_secs(4),
        ..options()
    };
    let run = go(
        &m,
        r,
        &o,
        Bed {
            scripts: HashMap::from([
                (Path::DeviceFile, Script::frozen("/dev/ipmi0")),
                (Path::OutOfBand, Script::recovers(2)),
            ]),
            ..Bed::default()
        },
    );
    assert_eq!(
        run.step(Step::OutOfBandReset).summary,
        "Cold Reset sent through bmc.example (RMCP+); the BMC accepted it"
    );
    assert_eq!(run.step(Step::OutOfBandProbe).status, Status::Done);
    assert_eq!(run.exit, 0);
}

#[test]
fn without_a_terminal_destructive_steps_are_skipped() {
    let (m, r) = frozen("rec-notty");
    let o = Options {
        kill_stuck: true,
        unload_driver: true,
        out_of_band: Some("bmc.example".into()),
        ..options()
    };
    let run = go(
        &m,
        r,
        &o,
        Bed {
            confirm: Confirmation::NoTerminal,
            ..Bed::default()
        },
    );
    for step in [
        Step::StuckProcesses,
        Step::InBandReset,
        Step::UnloadDriver,
        Step::OutOfBandReset,
    ] {
        let s = run.step(step);
        assert_eq!(s.status, Status::Skipped, "{s:?}");
        assert!(s.summary.contains("give --yes"), "{s:?}");
    }
    assert!(run.sent.is_empty() && run.unloaded.is_empty() && run.bmc.is_empty());
    assert_eq!(run.exit, 1);
}

#[test]
fn unload_order_puts_users_first() {
    use ipmi_kcs::diagnose::Module;
    let module = |name: &str, used_by: &[&str]| Module {
        name: name.into(),
        state: "Live".into(),
        refcount: Some(0),
        used_by: used_by.iter().map(|s| s.to_string()).collect(),
    };
    // The usual order: none of the three uses another.
    let mods = [
        module("ipmi_si", &[]),
        module("acpi_ipmi", &[]),
        module("ipmi_devintf", &[]),
        module("ipmi_msghandler", &["ipmi_si", "ipmi_devintf", "acpi_ipmi"]),
    ];
    assert_eq!(
        recover::unload_order(&mods),
        ["ipmi_devintf", "ipmi_si", "acpi_ipmi"]
    );
    // A made-up dependency (acpi_ipmi uses ipmi_devintf): the user goes first.
    let mods = [
        module("ipmi_devintf", &["acpi_ipmi"]),
        module("ipmi_si", &[]),
        module("acpi_ipmi", &[]),
    ];
    assert_eq!(
        recover::unload_order(&mods),
        ["ipmi_si", "acpi_ipmi", "ipmi_devintf"]
    );
    let mut built_in = module("ipmi_si", &[]);
    built_in.state = "built-in".into();
    assert_eq!(recover::unload_order(&[built_in]), Vec::<String>::new());
}
