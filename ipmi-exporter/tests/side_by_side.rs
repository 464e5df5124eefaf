//! Side by side with the Go exporter itself (Debian's
//! `prometheus-ipmi-exporter` 1.6.1, FreeIPMI mode) on the same ipmi_sim:
//! the same series and values, except for the differences listed in
//! docs/exporter-rules.md, which are asserted here one by one.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{get, parse, Running, Series};
use ipmirs_test_support::ipmisim::IpmiSim;

/// How long the Go exporter may take to start listening: ~50 ms idle,
/// 30 s for a loaded machine.
const START_LIMIT: Duration = Duration::from_secs(30);

/// Both exporters' configuration: the Go one forks FreeIPMI, which needs
/// the workaround flag for ipmi_sim; ipmi-exporter ignores it (warning).
const CONFIG: &str = "modules:\n  default:\n    user: admin\n    pass: secret\n    privilege: admin\n    driver: LAN_2_0\n    workaround_flags: [opensesspriv]\n    collectors: [bmc, chassis, dcmi, sm-lan-mode]\n";

struct GoExporter {
    child: Child,
    port: u16,
    config: std::path::PathBuf,
}

impl Drop for GoExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}

fn start_go_exporter() -> GoExporter {
    start_go_exporter_with(CONFIG)
}

fn start_go_exporter_with(yaml: &str) -> GoExporter {
    let config = std::env::temp_dir().join(format!(
        "go-ipmi-exporter-{}-{}.yml",
        std::process::id(),
        yaml.len()
    ));
    std::fs::write(&config, yaml).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("prometheus-ipmi-exporter")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus-ipmi-exporter (Debian package, scripts/setup.sh) runs");
    let go = GoExporter {
        child,
        port,
        config,
    };
    let end = Instant::now() + START_LIMIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < end,
            "the Go exporter did not start listening"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    go
}

/// Series keyed by name and labels, without the scrape duration (a time).
fn keyed(body: &str) -> BTreeMap<(String, BTreeMap<String, String>), f64> {
    parse(body)
        .into_iter()
        .filter(|s: &Series| s.name != "ipmi_scrape_duration_seconds")
        .map(|s| ((s.name, s.labels), s.value))
        .collect()
}

#[test]
fn same_series_as_the_go_exporter_but_for_the_listed_differences() {
    let sim = IpmiSim::start();
    sim.set_power(true);
    let go = start_go_exporter();
    let ours = Running::start(CONFIG);
    let path = format!("/ipmi?target=127.0.0.1:{}", sim.port());
    let theirs = get(&format!("http://127.0.0.1:{}{path}", go.port), Some("10"));
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    let mine = get(&ours.url(&path), Some("10"));
    assert_eq!(mine.status, 200, "{}", mine.body);
    let (mut theirs, mut mine) = (keyed(&theirs.body), keyed(&mine.body));

    // 1. manufacturer_id: FreeIPMI's `NAME (NUMBER)`, ipmirs the number
    //    (no IANA name table in the library yet).
    // 2. bmc_url: a label newer than Debian's 1.6.1 (upstream has it).
    let info = |m: &mut BTreeMap<(String, BTreeMap<String, String>), f64>| {
        let key = m
            .keys()
            .find(|(n, _)| n == "ipmi_bmc_info")
            .cloned()
            .expect("ipmi_bmc_info");
        let value = m.remove(&key).unwrap();
        (key.1, value)
    };
    let (mut their_info, their_value) = info(&mut theirs);
    let (mut my_info, my_value) = info(&mut mine);
    assert_eq!(their_value, my_value);
    let their_mfr = their_info.remove("manufacturer_id").unwrap();
    let my_mfr = my_info.remove("manufacturer_id").unwrap();
    assert!(
        their_mfr.ends_with(&format!("({my_mfr})")),
        "{their_mfr} / {my_mfr}"
    );
    assert_eq!(my_info.remove("bmc_url").as_deref(), Some("N/A"));
    assert_eq!(their_info, my_info);

    // 3. The drive and cooling fault series are newer than 1.6.1 too.
    for name in [
        "ipmi_chassis_drive_fault_state",
        "ipmi_chassis_cooling_fault_state",
    ] {
        assert_eq!(
            mine.remove(&(name.to_string(), BTreeMap::new())),
            Some(1.0),
            "{name}"
        );
    }

    // Everything else: the same series with the same values.
    assert_eq!(theirs, mine);
    assert!(theirs.len() >= 5, "{theirs:?}");
}

/// The sensor bed's sensors and SEL through both exporters. The Go
/// exporter panics on sensor names that are not UTF-8 (FreeIPMI prints
/// 6-bit packed and BCD plus ID strings as raw bytes): those four sensors
/// are excluded for both.
const SENSOR_CONFIG: &str = "modules:\n  default:\n    user: admin\n    pass: secret\n    privilege: admin\n    driver: LAN_2_0\n    workaround_flags: [opensesspriv]\n    collectors: [ipmi, sel]\n    exclude_sensor_ids: [13, 18, 20, 37]\n";

#[test]
fn sensors_and_sel_side_by_side_on_the_sensor_bed() {
    let sim = IpmiSim::start_sensor_bed();
    let go = start_go_exporter_with(SENSOR_CONFIG);
    let ours = Running::start(SENSOR_CONFIG);
    let path = format!("/ipmi?target=127.0.0.1:{}", sim.port());
    let theirs = get(&format!("http://127.0.0.1:{}{path}", go.port), Some("30"));
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    let mine = get(&ours.url(&path), Some("30"));
    assert_eq!(mine.status, 200, "{}", mine.body);
    common::promtool_check(&mine.body);
    let (theirs, mut mine) = (keyed(&theirs.body), keyed(&mine.body));
    // The listed differences (docs/exporter-rules.md): ipmirs reads the
    // satellite's sensors by bridging (58, 59, 61 at 0x30) and the sensor
    // at owner LUN 1 (32); FreeIPMI, as the Go exporter runs it, does not.
    let extra = ["32", "58", "59", "61"];
    let before = mine.len();
    mine.retain(|(_, labels), _| !extra.contains(&labels.get("id").map_or("", String::as_str)));
    assert_eq!(before - mine.len(), 8, "two series for each of {extra:?}");
    assert!(mine.len() > 50, "{mine:?}");
    let mut differ = Vec::new();
    for (k, v) in &theirs {
        match mine.get(k) {
            Some(m) if m == v || (m.is_nan() && v.is_nan()) => {}
            Some(m) => differ.push(format!("value {k:?}: theirs {v}, mine {m}")),
            None => differ.push(format!("only theirs {k:?} = {v}")),
        }
    }
    for (k, m) in &mine {
        if !theirs.contains_key(k) {
            differ.push(format!("only mine {k:?} = {m}"));
        }
    }
    for d in &differ {
        eprintln!("{d}");
    }
    assert!(differ.is_empty(), "{} differences", differ.len());
}
