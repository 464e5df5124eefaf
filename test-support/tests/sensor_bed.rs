//! The sensor bed (`beds/sensors`) comes up and ipmitool reads it: every
//! SDR is walked, the satellite's sensors are read by bridging, and the
//! output is the one the reference captures were taken from.

use std::fs;
use std::path::Path;
use std::time::Duration;

use ipmirs_test_support::ipmisim::{IpmiSim, SENSOR_BED_DIR};

/// ipmitool needs about 0.2 s for the whole walk on loopback; 60 s only
/// bounds a stuck run (ipmitool's own retries give up long before that).
const LIMIT: Duration = Duration::from_secs(60);

/// A capture, invalid UTF-8 replaced as `program::run` does (ipmitool
/// prints the 6-bit packed ID strings as raw bytes).
fn capture(name: &str) -> String {
    let path = Path::new(SENSOR_BED_DIR).join("ipmitool").join(name);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn ipmitool_sdr_list_walks_the_whole_bed() {
    let sim = IpmiSim::start_sensor_bed();
    let run = sim.ipmitool(&["sdr", "list"], LIMIT);
    run.assert_ok("ipmitool sdr list");
    let lines = run.stdout.lines().count();
    assert!(lines >= 40, "only {lines} sensors listed:\n{}", run.stdout);
    // Owned by the satellite controller 0x30: read by bridging.
    assert!(
        run.stdout
            .contains("Sat Temp         | 50 degrees C      | ok"),
        "{}",
        run.stdout
    );
    // An SDR without a sensor behind it: Get Sensor Reading answers 0xCC.
    assert!(
        run.stdout
            .contains("PSU2 Temp        | no reading        | ns"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout,
        capture("sdr_list.stdout"),
        "the bed drifted from its captures"
    );
}

#[test]
fn ipmitool_reads_the_persisted_sel_and_every_fru() {
    let sim = IpmiSim::start_sensor_bed();
    let info = sim.ipmitool(&["sel", "info"], LIMIT);
    info.assert_ok("ipmitool sel info");
    assert!(
        info.stdout.contains("Entries          : 500\n"),
        "{}",
        info.stdout
    );
    let all = sim.ipmitool(&["sdr", "elist", "all"], LIMIT);
    all.assert_ok("ipmitool sdr elist all");
    assert_eq!(all.stdout, capture("sdr_elist_all.stdout"));
    // FRU data does not depend on the time zone except the dates: compare
    // the device titles only.
    let fru = sim.ipmitool(&["fru", "print"], LIMIT);
    fru.assert_ok("ipmitool fru print");
    let titles = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("FRU Device Description"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(titles(&fru.stdout), titles(&capture("fru_print.stdout")));
    assert_eq!(titles(&fru.stdout).len(), 6, "{}", fru.stdout);
}
