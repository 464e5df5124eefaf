//! Replays every ipmitool 1.8.19 capture of `tests/data/ipmitool/` (CASE.args,
//! CASE.stdout, CASE.rc, optional CASE.emu) with ipmirs on a fresh ipmi_sim
//! of the same identity: standard output must be the captured bytes and the
//! exit status ipmitool's, except where ipmirs deliberately differs (listed
//! in [`expectation`], each with its reason).

use ipmirs_test_support::ipmisim;

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipmisim::{IpmiSim, SimOptions};

/// One capture.
struct Case {
    name: String,
    args: Vec<String>,
    stdout: Vec<u8>,
    stderr: String,
    rc: i32,
    emu: Option<String>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ipmitool")
}

fn load_cases() -> Vec<Case> {
    let dir = data_dir();
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("args") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}")));
        let args: Vec<String> = String::from_utf8(read("args").unwrap())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let stdout = read("stdout").unwrap_or_else(|e| panic!("{name}.stdout: {e}"));
        let stderr = String::from_utf8_lossy(&read("stderr").unwrap_or_default()).into_owned();
        let rc: i32 = String::from_utf8(read("rc").unwrap())
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let emu = read("emu").ok().map(|b| String::from_utf8(b).unwrap());
        cases.push(Case {
            name,
            args,
            stdout,
            stderr,
            rc,
            emu,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// What ipmirs must do for a case.
#[derive(Debug)]
enum Expect {
    /// ipmitool's stdout and exit status.
    Same,
    /// Empty stdout and this exit code; ipmitool differs for the reason given.
    Differ { code: i32, why: &'static str },
}

fn expectation(c: &Case) -> Expect {
    match c.name.as_str() {
        "mc_reset_cold" | "user_mc_reset_cold" => Expect::Differ {
            code: 1,
            why:
                "ipmitool does not wait for the Cold Reset answer and claims success; \
                  ipmi_sim refuses it (0xC1 admin, 0xD4 user), as the raw_*cold_reset captures show",
        },
        "frozen_bmc" => Expect::Differ {
            code: 3,
            why: "no answer before the deadline exits 3 (ipmitool: 1)",
        },
        // ipmitool's argument errors ("Given data \"08\" is invalid.", "Not
        // enough parameters given.", "Invalid chassis power command: ...").
        _ if c.rc != 0 && c.stdout.is_empty() && is_usage_message(&c.stderr) => Expect::Differ {
            code: 2,
            why: "usage errors exit 2 (ipmitool: 1)",
        },
        _ => Expect::Same,
    }
}

fn is_usage_message(stderr: &str) -> bool {
    let first = stderr
        .lines()
        .find(|l| !l.starts_with("Get HPM.x Capabilities"))
        .unwrap_or("");
    (first.starts_with("Given ") && first.ends_with(" is invalid."))
        || first.starts_with("Not enough parameters given.")
        || first.starts_with("Invalid chassis power command")
        || first.starts_with("Invalid command: ")
        || first.contains("invalid option")
}

#[test]
fn captured_ipmitool_outputs_are_reproduced() {
    let cases = load_cases();
    assert!(
        cases.len() >= 20,
        "only {} captures found in {}",
        cases.len(),
        data_dir().display()
    );
    let default_emu = std::fs::read_to_string(data_dir().join("default.emu")).expect("default.emu");

    // One simulator per identity; the frozen case gets its own.
    let mut by_emu: BTreeMap<String, Vec<&Case>> = BTreeMap::new();
    for c in &cases {
        if c.name != "frozen_bmc" {
            by_emu
                .entry(c.emu.clone().unwrap_or_else(|| default_emu.clone()))
                .or_default()
                .push(c);
        }
    }
    let mut checked = 0;
    for (emu, group) in by_emu {
        let sim = IpmiSim::start_with_emu(SimOptions::default(), &emu);
        for c in group {
            check(c, &sim);
            checked += 1;
        }
    }
    if let Some(c) = cases.iter().find(|c| c.name == "frozen_bmc") {
        let sim = IpmiSim::start_with_emu(
            SimOptions::default(),
            c.emu.as_deref().unwrap_or(&default_emu),
        );
        sim.freeze();
        let r = check(c, &sim);
        // Same -N 1 -R 1 as the capture: two tries of a second each.
        assert!(
            r.elapsed < Duration::from_secs(3),
            "frozen_bmc took {:?}",
            r.elapsed
        );
        checked += 1;
    }
    assert_eq!(checked, cases.len());
}

fn check(c: &Case, sim: &IpmiSim) -> common::Run {
    let port = sim.port().to_string();
    let args: Vec<String> = c.args.iter().map(|a| a.replace("${PORT}", &port)).collect();
    let r = common::ipmirs(&args, &[]);
    assert!(!r.stderr.contains("panicked"), "{}: {}", c.name, r.stderr);
    match expectation(c) {
        Expect::Same => {
            assert_eq!(
                r.stdout_str(),
                String::from_utf8_lossy(&c.stdout),
                "{}: stdout differs from the capture\n--- ipmirs stderr ---\n{}",
                c.name,
                r.stderr
            );
            assert_eq!(r.stdout, c.stdout, "{}: bytes differ", c.name);
            assert_eq!(
                r.code, c.rc,
                "{}: exit status\n--- ipmirs stderr ---\n{}",
                c.name, r.stderr
            );
        }
        Expect::Differ { code, why } => {
            assert_eq!(
                r.code, code,
                "{} ({why}): exit status\n--- ipmirs stderr ---\n{}",
                c.name, r.stderr
            );
            assert!(
                r.stdout.is_empty(),
                "{} ({why}): stdout {:?}",
                c.name,
                r.stdout_str()
            );
        }
    }
    if r.code != 0 {
        assert!(
            r.messages().starts_with("ipmirs: ") && r.messages().len() > 12,
            "{}: message {:?}",
            c.name,
            r.stderr
        );
    }
    r
}
