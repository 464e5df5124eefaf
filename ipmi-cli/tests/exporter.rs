//! `ipmirs exporter`: started with the Go exporter's flag names in front
//! of ipmi_sim, scraped once through `/ipmi?target=`, stopped by SIGTERM
//! (exit 0) and by SIGINT with the ipmirs-style aliases.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ipmirs_test_support::ipmisim::IpmiSim;

/// The module of the Go exporter's example config, for ipmi_sim's admin user.
const CONFIG: &str = "modules:\n  default:\n    user: admin\n    pass: secret\n    privilege: admin\n    collectors: [bmc, chassis, ipmi, sel]\n";

/// Starts the exporter; returns it and its address from the start line.
fn start(config: &std::path::Path, flags: [&str; 2]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipmirs"))
        .arg("exporter")
        .arg(flags[0])
        .arg(config)
        .arg(flags[1])
        .arg("127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("ipmirs exporter: listening on ")
        .unwrap_or_else(|| panic!("start line: {line:?}"))
        .to_string();
    (child, addr)
}

fn stop(mut child: Child, signal: libc::c_int) {
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(rc, 0);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn exporter_scrapes_a_bmc_and_stops_on_sigterm_and_sigint() {
    let sim = IpmiSim::start_sensor_bed();
    let config = std::env::temp_dir().join(format!("ipmirs-exporter-{}.yml", std::process::id()));
    std::fs::write(&config, CONFIG).unwrap();

    let (child, addr) = start(&config, ["--config.file", "--web.listen-address"]);
    // Generous (the exchange takes milliseconds): a busy 2-core machine.
    let body = ureq::get(&format!("{addr}/ipmi?target=127.0.0.1:{}", sim.port()))
        .set("X-Prometheus-Scrape-Timeout-Seconds", "20")
        .timeout(Duration::from_secs(60))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    for collector in ["bmc", "chassis", "ipmi", "sel"] {
        assert!(
            body.contains(&format!("ipmi_up{{collector=\"{collector}\"}} 1")),
            "{collector}:\n{body}"
        );
    }
    assert!(body.contains("ipmi_sel_logs_count "), "{body}");
    let missing = ureq::get(&format!("{addr}/ipmi")).call();
    assert!(matches!(missing, Err(ureq::Error::Status(400, _))));
    stop(child, libc::SIGTERM);

    let (child, addr) = start(&config, ["--config", "--listen"]);
    let landing = ureq::get(&addr).call().unwrap().into_string().unwrap();
    assert!(landing.contains("IPMI Exporter"), "{landing}");
    stop(child, libc::SIGINT);
    let _ = std::fs::remove_file(&config);
}
