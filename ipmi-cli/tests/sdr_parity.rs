//! `ipmirs sdr` / `ipmirs sensor` against live `ipmitool -I lanplus` 1.8.19
//! on the sensor bed (ipmi_sim, 63 SDRs, a satellite controller at 0x30
//! read by bridging): standard output byte-identical for every form, in
//! the same run. Where ipmitool exits 0 although sensors could not be read
//! (Fan 4 Rear, PSU2 Temp, Sat No Sensor answer 0xCC; Pump Speed's reading
//! factors are refused), ipmirs names each on standard error and exits 1.

use ipmirs_test_support::ipmisim;

mod common;

use common::{cat, ipmirs, ipmitool, lanplus};
use ipmisim::IpmiSim;

/// The forms compared, with the exit codes of ipmitool and ipmirs. ipmirs
/// exits 1 where a sensor could not be read (Fan 4 Rear, PSU2 Temp and
/// Sat No Sensor answer 0xCC; Pump Speed's reading factors are refused),
/// where `sensor reading` has no value for a sensor ipmitool skips
/// silently, and for an unknown sensor type name; ipmitool exits 0.
const FORMS: &[(&[&str], i32, i32)] = &[
    (&["sdr"], 0, 1),
    (&["sdr", "list"], 0, 1),
    (&["sdr", "elist"], 0, 1),
    (&["sdr", "list", "all"], 0, 1),
    (&["sdr", "elist", "all"], 0, 1),
    (&["sdr", "list", "full"], 0, 1),
    (&["sdr", "elist", "full"], 0, 1),
    (&["sdr", "list", "compact"], 0, 0),
    (&["sdr", "elist", "compact"], 0, 0),
    (&["sdr", "list", "event"], 0, 0),
    (&["sdr", "elist", "event"], 0, 0),
    (&["sdr", "list", "mcloc"], 0, 0),
    (&["sdr", "elist", "mcloc"], 0, 0),
    (&["sdr", "list", "fru"], 0, 0),
    (&["sdr", "elist", "fru"], 0, 0),
    (&["sdr", "list", "generic"], 0, 0),
    (&["sdr", "elist", "generic"], 0, 0),
    (&["sdr", "type"], 0, 0),
    (&["sdr", "type", "list"], 0, 0),
    (&["sdr", "type", "Temperature"], 0, 1),
    (&["sdr", "type", "Fan"], 0, 1),
    (&["sdr", "type", "Power Supply"], 0, 0),
    (&["sdr", "type", "0x07"], 0, 0),
    (&["sdr", "type", "0x23"], 0, 0),
    (&["sdr", "type", "Watchdog 2"], 0, 1),
    (&["sdr", "entity", "3"], 0, 0),
    (&["sdr", "entity", "3.2"], 0, 0),
    (&["sdr", "entity", "7"], 0, 1),
    (&["sdr", "entity", "11.1"], 0, 1),
    (&["sdr", "entity", "99"], 0, 0),
    (&["sensor"], 0, 1),
    (&["sensor", "list"], 0, 1),
    (
        &[
            "sensor",
            "reading",
            "CPU1 Temp",
            "Outside Temp",
            "Delta Temp",
            "PSU2 Temp",
            "Spare Temp",
            "Sat 12V",
            "PS2 Status",
            "Pump Speed",
        ],
        0,
        1,
    ),
    (&["sensor", "reading", "No Such Sensor"], 1, 1),
    (
        &[
            "sdr",
            "get",
            "CPU1 Temp",
            "CPU2 Temp",
            "Outside Temp",
            "Delta Temp",
            "Vbat",
            "CPU1 VCore",
            "Air Flow",
            "Inlet Humidity",
            "Spare Temp",
            "LUN1 Temp",
            "Sat Temp",
        ],
        0,
        0,
    ),
    (
        &["sdr", "get", "PSU2 Temp", "Pump Speed", "Sat No Sensor"],
        0,
        1,
    ),
    (
        &[
            "sdr",
            "get",
            "PS2 Status",
            "CPU2 Status",
            "PS Redundancy",
            "CPU Throttle",
            "Watchdog",
        ],
        0,
        0,
    ),
    (&["sdr", "get", "No Such Sensor"], 0, 1),
    (
        &["sdr", "get", "Sim BMC", "Sat MC", "Corrupt FRU", "Watchdog"],
        0,
        0,
    ),
    (
        &[
            "sensor",
            "get",
            "CPU1 Temp",
            "DIMM Temp",
            "Ambient Temp",
            "Outside Temp",
            "Delta Temp",
            "Vbat",
            "Fan 3",
            "Air Flow",
            "LUN1 Temp",
            "Sat Temp",
            "Sat 12V",
            "PS2 Status",
            "CPU2 Status",
            "Watchdog",
        ],
        0,
        0,
    ),
    (
        &[
            "sensor",
            "get",
            "Pump Speed",
            "PSU2 Temp",
            "Spare Temp",
            "Sat No Sensor",
        ],
        1,
        1,
    ),
    (&["sensor", "get", "No Such Sensor"], 1, 1),
    (&["-c", "sdr", "list"], 0, 1),
    (&["-c", "sdr", "elist", "all"], 0, 1),
    (&["-c", "sensor", "list"], 0, 1),
    (
        &[
            "-c",
            "sensor",
            "reading",
            "CPU1 Temp",
            "Sat 12V",
            "PS2 Status",
        ],
        0,
        0,
    ),
];

#[test]
fn sdr_and_sensor_forms_equal_live_ipmitool() {
    let sim = IpmiSim::start_sensor_bed();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let mut differences = Vec::new();
    for (form, their_code, my_code) in FORMS {
        let theirs = ipmitool(&cat(&base, form));
        let mine = ipmirs(&cat(&base, form), &[]);
        let shown = form.join(" ");
        assert!(
            !mine.stderr.contains("panicked"),
            "{shown}: {}",
            mine.stderr
        );
        assert_eq!(
            theirs.code, *their_code,
            "ipmitool {shown}: {}",
            theirs.stderr
        );
        if mine.stdout != theirs.stdout {
            differences.push(format!(
                "`{shown}`:\n{}\n{}",
                first_difference(&mine.stdout_str(), &theirs.stdout_str()),
                mine.stderr
            ));
        }
        if mine.code != *my_code {
            differences.push(format!(
                "`{shown}`: exit {} (want {my_code})\n{}",
                mine.code, mine.stderr
            ));
        }
        if *my_code != 0 && mine.code == *my_code {
            assert!(
                mine.messages().starts_with("ipmirs: "),
                "{shown}: {}",
                mine.stderr
            );
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

/// `sdr get` of a generic device locator of device type 04h: ipmitool
/// looks the type's name up by `type << 8 | modifier` in a table keyed by
/// type alone and prints "Unknown (0x400)"; ipmirs names it by IPMI 2.0
/// table 43-12 ("LM75 Temperature Sensor"). Every other line is equal.
#[test]
fn sdr_get_names_device_types_where_ipmitool_does_not() {
    let sim = IpmiSim::start_sensor_bed();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let form = cat(&base, &["sdr", "get", "LM75 Sensor"]);
    let theirs = ipmitool(&form).stdout_str();
    let mine = ipmirs(&form, &[]);
    assert_eq!(mine.code, 0, "{}", mine.stderr);
    let line = "Device Type.Modifier   : 4h.0h (";
    assert!(
        theirs.contains(&format!("{line}Unknown (0x400))\n")),
        "{theirs}"
    );
    assert_eq!(
        mine.stdout_str(),
        theirs.replace("Unknown (0x400)", "LM75 Temperature Sensor")
    );
}

fn first_difference(mine: &str, theirs: &str) -> String {
    mine.lines()
        .zip(theirs.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("ipmirs:   {a:?}\nipmitool: {b:?}"))
        .unwrap_or_else(|| format!("lengths {} and {}", mine.len(), theirs.len()))
}

/// `sdr info`: the same lines but "Most recent Addition", where ipmitool
/// 1.8.19 prints "NA" although the BMC answers 2024-01-01 00:00:00 UTC
/// (the bed's fixed time); ipmirs prints that date.
#[test]
fn sdr_info_equals_ipmitool_but_for_its_missing_date() {
    let sim = IpmiSim::start_sensor_bed();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let theirs = ipmitool(&cat(&base, &["sdr", "info"]));
    let mine = ipmirs(&cat(&base, &["sdr", "info"]), &[]);
    assert_eq!((theirs.code, mine.code), (0, 0), "{}", mine.stderr);
    let want = theirs.stdout_str().replace(
        "Most recent Addition                : NA",
        "Most recent Addition                : 01/01/2024 00:00:00",
    );
    assert_ne!(want, theirs.stdout_str(), "ipmitool's line changed");
    assert_eq!(mine.stdout_str(), want);
}

/// `sdr dump FILE` writes the same bytes as ipmitool's, and `-S FILE`
/// lists from it as ipmitool does.
#[test]
fn sdr_dump_file_equals_ipmitools() {
    let sim = IpmiSim::start_sensor_bed();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let dir = std::env::temp_dir().join(format!("ipmirs-sdr-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("ipmitool.sdr"), dir.join("ipmirs.sdr"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let theirs = ipmitool(&cat(&base, &["sdr", "dump", a]));
    let mine = ipmirs(&cat(&base, &["sdr", "dump", b]), &[]);
    assert_eq!((theirs.code, mine.code), (0, 0), "{}", mine.stderr);
    assert_eq!(mine.stdout_str(), theirs.stdout_str().replace(a, b));
    assert_eq!(std::fs::read(b).unwrap(), std::fs::read(a).unwrap());
    for form in [&["sdr", "elist", "all"][..], &["sensor", "list"]] {
        let theirs = ipmitool(&cat(&cat(&base, &["-S", a]), form));
        let mine = ipmirs(&cat(&cat(&base, &["-S", b]), form), &[]);
        assert_eq!(theirs.code, 0, "{}", theirs.stderr);
        assert_eq!(mine.code, 1, "{}", mine.stderr);
        assert_eq!(
            mine.stdout_str(),
            theirs.stdout_str(),
            "-S {}",
            form.join(" ")
        );
    }
    let missing = ipmirs(&cat(&base, &["-S", "/nonexistent/sdr", "sdr", "list"]), &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("/nonexistent/sdr"),
        "{}",
        missing.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The values `ipmirs --json sdr list all` reads equal what FreeIPMI's
/// `ipmi-sensors --bridge-sensors` reads from the same BMC in the same run
/// (`%.2f`, by record ID); where FreeIPMI has no reading, neither has ipmirs.
#[test]
fn values_equal_live_freeipmi_ipmi_sensors() {
    let sim = IpmiSim::start_sensor_bed();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let mine = ipmirs(&cat(&base, &["--json", "sdr", "list", "all"]), &[]);
    assert_eq!(mine.code, 1, "{}", mine.stderr);
    let listing: serde_json::Value = serde_json::from_slice(&mine.stdout).unwrap();
    // With --json the thresholds are read too (CPU1 Temp: 5 10 15 80 90 100).
    let cpu1 = &listing["sensors"][2];
    assert_eq!(cpu1["name"], "CPU1 Temp");
    assert_eq!(
        cpu1["thresholds"],
        serde_json::json!({"lnr": 5.0, "lcr": 10.0, "lnc": 15.0, "unc": 80.0, "ucr": 90.0, "unr": 100.0})
    );
    assert_eq!(
        (cpu1["value"].as_f64(), cpu1["status"].as_str()),
        (Some(45.0), Some("ok"))
    );
    let cache = std::env::temp_dir().join(format!("ipmirs-sdr-freeipmi-{}", std::process::id()));
    std::fs::create_dir_all(&cache).unwrap();
    let out = std::process::Command::new("ipmi-sensors")
        .args(["-h", &format!("127.0.0.1:{}", sim.port())])
        .args([
            "-u", "admin", "-p", "secret", "-D", "LAN_2_0", "-l", "ADMIN",
        ])
        .args(["-W", "opensesspriv", "--quiet-cache", "--bridge-sensors"])
        .arg(format!("--sdr-cache-directory={}", cache.display()))
        .output()
        .expect("ipmi-sensors (FreeIPMI) runs");
    let _ = std::fs::remove_dir_all(&cache);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut compared = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let id: u64 = cols[0].parse().unwrap();
        let entry = listing["sensors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["record_id"].as_u64() == Some(id))
            .unwrap_or_else(|| panic!("record {id} not in ipmirs' listing: {line}"));
        match (cols[3], entry["value"].as_f64()) {
            ("N/A", None) => {}
            (r, Some(v)) => {
                assert_eq!(format!("{v:.2}"), r, "{line}");
                compared += 1;
            }
            (r, v) => panic!("{line}: FreeIPMI reads {r}, ipmirs {v:?}"),
        }
    }
    assert!(
        compared >= 25,
        "{compared} values compared\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
