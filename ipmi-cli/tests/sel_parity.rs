//! Issue 13: `ipmirs sel` against live `ipmitool -I lanplus` 1.8.19 on the
//! sensor bed (500 SEL entries, IDs 1–0x1F6 without 0x80/0x81; pre-init,
//! unspecified, threshold, discrete and OEM records): standard output
//! byte-identical and the same exit status. Timestamps are controlled by
//! the bed's `sel.20` (ipmi_sim keeps the records' own times), and both
//! tools print them in TZ=UTC. Changes (clear, delete, time set) run on a
//! fresh bed each and are read back with ipmitool.

use ipmirs_test_support::ipmisim;

mod common;

use common::{assert_same, both, cat, ipmirs, ipmitool, lanplus};
use ipmisim::IpmiSim;

/// Both tools print times in UTC (set before any tool runs; every test of
/// this file sets the same value).
fn utc() {
    std::env::set_var("TZ", "UTC");
}

/// Forms compared byte for byte.
const SAME: &[&[&str]] = &[
    &["sel", "info"],
    &["sel", "list"],
    &["sel", "list", "first", "5"],
    &["sel", "list", "last", "5"],
    &["sel", "list", "last", "40"],
    &["sel", "elist", "first", "5"],
    &["sel", "elist", "last", "5"],
    &["-c", "sel", "list"],
    &["-c", "sel", "elist", "first", "40"],
];

#[test]
fn sel_forms_match_ipmitool_on_the_sensor_bed() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    for command in SAME {
        let (mine, theirs) = both(sim.port(), command);
        theirs.expect_code(0);
        assert_same(command, &mine, &theirs);
        assert!(mine.stdout.len() > 200, "{}", mine.stdout_str());
        eprintln!(
            "{}: {} lines",
            command.join(" "),
            mine.stdout_str().lines().count()
        );
    }
}

/// The bed's INTRUSION sensor (#0x44) has a 6-bit packed ID string;
/// ipmitool 1.8.19 prints its 7 packed bytes raw, ipmirs the decoded name
/// (bed README, FORMATS.md).
const INTRUSION_PACKED: &[u8] = b"\xa9K\xcb\xf5\x9c\xbe.";

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// `sel elist` on all 500 entries: byte-identical but for the 6-bit name.
#[test]
fn sel_elist_matches_ipmitool_but_decodes_packed_names() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let (mine, theirs) = both(sim.port(), &["sel", "elist"]);
    theirs.expect_code(0);
    mine.expect_code(0);
    assert!(theirs
        .stdout
        .windows(INTRUSION_PACKED.len())
        .any(|w| w == INTRUSION_PACKED));
    let expected = replace(&theirs.stdout, INTRUSION_PACKED, b"INTRUSION");
    assert_eq!(mine.stdout_str(), String::from_utf8_lossy(&expected));
    assert_eq!(mine.stdout_str().lines().count(), 500);
}

fn ipmitool_on(sim: &IpmiSim, command: &[&str]) -> String {
    let run = ipmitool(&cat(&lanplus(sim.port(), "admin", "secret", 3), command));
    run.expect_code(0);
    run.stdout_str()
}

fn ipmirs_on(sim: &IpmiSim, command: &[&str]) -> common::Run {
    ipmirs(
        &cat(&lanplus(sim.port(), "admin", "secret", 3), command),
        &[],
    )
}

#[test]
fn sel_delete_is_seen_by_ipmitool() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let mine = ipmirs_on(&sim, &["sel", "delete", "5", "0x10"]);
    mine.expect_code(0);
    assert_eq!(mine.stdout_str(), "Deleted entry 5\nDeleted entry 16\n");
    let info = ipmitool_on(&sim, &["sel", "info"]);
    assert!(info.contains("Entries          : 498\n"), "{info}");
    let list = ipmitool_on(&sim, &["sel", "list", "first", "16"]);
    let ids: Vec<&str> = list
        .lines()
        .map(|l| l.split('|').next().unwrap().trim())
        .collect();
    assert!(!ids.contains(&"5") && !ids.contains(&"10"), "{list}");
    assert!(
        ids.contains(&"4") && ids.contains(&"6") && ids.contains(&"11"),
        "{list}"
    );
    // A record that is gone: refused, exit 1, nothing on stdout.
    let again = ipmirs_on(&sim, &["sel", "delete", "5"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(again.stdout_str(), "");
}

#[test]
fn sel_clear_is_seen_by_ipmitool() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let mine = ipmirs_on(&sim, &["sel", "clear"]);
    mine.expect_code(0);
    assert_eq!(
        mine.stdout_str(),
        "Clearing SEL.  Please allow a few seconds to erase.\n"
    );
    let info = ipmitool_on(&sim, &["sel", "info"]);
    assert!(info.contains("Entries          : 0\n"), "{info}");
    // The empty log: both print nothing on stdout.
    let (mine, theirs) = both(sim.port(), &["sel", "list"]);
    assert_same(&["sel", "list"], &mine, &theirs);
}

#[test]
fn sel_time_set_is_read_back_by_ipmitool() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let mine = ipmirs_on(&sim, &["sel", "time", "set", "06/15/2030 12:34:56"]);
    mine.expect_code(0);
    let theirs = ipmitool_on(&sim, &["sel", "time", "get"]);
    // The BMC's clock runs on: the minute is enough (generous, see below).
    assert!(theirs.starts_with("06/15/30 12:3"), "{theirs}");
    let (mine, theirs) = both(sim.port(), &["sel", "time", "get"]);
    mine.expect_code(0);
    // Both read the running clock a moment apart: equal up to the seconds.
    assert_eq!(mine.stdout_str()[..14], theirs.stdout_str()[..14]);
}

/// `sel` alone is `sel info` (as ipmitool); `time set now` sets this
/// machine's clock (read back by ipmitool: the same day, generous for a
/// slow machine).
#[test]
fn sel_alone_and_time_set_now() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let (mine, theirs) = both(sim.port(), &["sel"]);
    assert_same(&["sel"], &mine, &theirs);
    assert!(mine.stdout_str().starts_with("SEL Information\n"));
    ipmirs_on(&sim, &["sel", "time", "set", "now"]).expect_code(0);
    let theirs = ipmitool_on(&sim, &["sel", "time", "get"]);
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (y, m, d) = civil(secs / 86400);
    let date = format!("{m:02}/{d:02}/{:02}", y % 100);
    // Around midnight the day may have turned between set and read.
    let (y2, m2, d2) = civil(secs / 86400 - 1);
    let yesterday = format!("{m2:02}/{d2:02}/{:02}", y2 % 100);
    assert!(
        theirs.starts_with(&date) || theirs.starts_with(&yesterday),
        "{theirs} vs {date}"
    );
}

/// Days since 1970-01-01 as (year, month, day) in the proleptic Gregorian
/// calendar (H. Hinnant's civil_from_days).
fn civil(days: u64) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `--json`: one line, the entries with their decoded fields and (elist)
/// the sensor's name and reading.
#[test]
fn json_forms_are_one_line_of_records() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let run = ipmirs_on(&sim, &["--json", "sel", "elist", "first", "5"]);
    run.expect_code(0);
    let out = run.stdout_str();
    assert_eq!(out.lines().count(), 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let entries = v["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0]["id"], 1);
    assert_eq!(entries[0]["sensor"]["name"], "CPU2 Temp");
    assert_eq!(
        entries[0]["sensor"]["reading"],
        "Reading 84 > Threshold 80 degrees C"
    );
    let run = ipmirs_on(&sim, &["--json", "sel", "info"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout_str()).expect("JSON");
    assert_eq!(v["info"]["record_count"], 500);
}

/// `sel list last 5` reads from the end: a handful of Get SEL Entry
/// requests (netfn 0x0a cmd 0x43), not the 500 of a whole walk (`-vv`
/// traces every request).
#[test]
fn last_n_does_not_walk_the_whole_log() {
    let sim = IpmiSim::start_sensor_bed();
    let count = |command: &[&str]| {
        let mut line = vec!["-vv"];
        line.extend_from_slice(command);
        let run = ipmirs_on(&sim, &line);
        run.expect_code(0);
        run.stderr.matches("request netfn 0x0a cmd 0x43").count()
    };
    let last = count(&["sel", "list", "last", "5"]);
    let all = count(&["sel", "list"]);
    assert!(all >= 500, "{all}");
    assert!(last <= 5 + 4, "sel list last 5 asked {last} Get SEL Entry");
}

#[test]
fn bad_sel_words_exit_2() {
    for bad in [
        &["sel", "list", "first"][..],
        &["sel", "list", "last", "x"],
        &["sel", "list", "middle", "3"],
        &["sel", "time", "set", "13/40/2024 00:00:00"],
        &["sel", "delete", "0x10000"],
    ] {
        let run = ipmirs(&cat(&lanplus(1, "admin", "secret", 3), bad), &[]);
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
    }
}
