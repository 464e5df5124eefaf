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

/// The forms compared, and whether one of the sensors they read cannot be
/// read (ipmirs then exits 1, ipmitool 0).
const FORMS: &[(&[&str], bool)] = &[
    (&["sdr", "list"], true),
    (&["sdr", "elist"], true),
    (&["sdr", "list", "all"], true),
    (&["sdr", "elist", "all"], true),
    (&["sdr", "list", "full"], true),
    (&["sdr", "elist", "full"], true),
    (&["sdr", "list", "compact"], false),
    (&["sdr", "elist", "compact"], false),
    (&["sdr", "list", "event"], false),
    (&["sdr", "elist", "event"], false),
    (&["sdr", "list", "mcloc"], false),
    (&["sdr", "elist", "mcloc"], false),
    (&["sdr", "list", "fru"], false),
    (&["sdr", "elist", "fru"], false),
    (&["sdr", "list", "generic"], false),
    (&["sdr", "elist", "generic"], false),
    (&["sensor", "list"], true),
    (&["-c", "sdr", "list"], true),
    (&["-c", "sdr", "elist", "all"], true),
    (&["-c", "sensor", "list"], true),
];

#[test]
fn sdr_and_sensor_forms_equal_live_ipmitool() {
    let sim = IpmiSim::start_sensor_bed();
    let base = lanplus(sim.port(), "admin", "secret", 3);
    let mut differences = Vec::new();
    for (form, unreadable) in FORMS {
        let theirs = ipmitool(&cat(&base, form));
        let mine = ipmirs(&cat(&base, form), &[]);
        let shown = form.join(" ");
        assert!(!mine.stderr.contains("panicked"), "{shown}: {}", mine.stderr);
        assert_eq!(theirs.code, 0, "ipmitool {shown}: {}", theirs.stderr);
        assert!(!theirs.stdout.is_empty(), "ipmitool {shown} printed nothing");
        if mine.stdout != theirs.stdout {
            let first = mine
                .stdout_str()
                .lines()
                .zip(theirs.stdout_str().lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("ipmirs:   {a:?}\nipmitool: {b:?}"))
                .unwrap_or_else(|| "one output is longer".into());
            differences.push(format!("`{shown}`:\n{first}\n{}", mine.stderr));
        }
        let want = if *unreadable { 1 } else { 0 };
        if mine.code != want {
            differences.push(format!(
                "`{shown}`: exit {} (want {want})\n{}",
                mine.code, mine.stderr
            ));
        }
        if *unreadable {
            assert!(
                mine.stderr.contains("sensor 'Fan 4 Rear'")
                    || !String::from_utf8_lossy(&mine.stdout).contains("Fan 4 Rear"),
                "{shown}: {}",
                mine.stderr
            );
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}
