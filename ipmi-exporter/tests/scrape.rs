//! Scrapes of real peers over loopback: the ipmirs responder (virtual
//! BMC) and OpenIPMI's ipmi_sim, whose labels and values are checked
//! against FreeIPMI's own output read by the exporter's rules.

mod common;

use std::time::Duration;

use common::{assert_up, get, parse, scrape, value, Running};
use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User};
use ipmirs_test_support::ipmisim::IpmiSim;
use ipmirs_test_support::program::run;
use ipmirs_test_support::responder::BackgroundServer;

const LIMIT: Duration = Duration::from_secs(30);

/// The ipmirs responder with user admin/secret.
fn responder() -> BackgroundServer {
    BackgroundServer::start(ServerConfig::new().user(User::new(
        "admin",
        "secret",
        PrivilegeLevel::Administrator,
    )))
}

fn config(extra: &str) -> String {
    format!(
        "modules:\n  default:\n    user: admin\n    pass: secret\n    privilege: admin\n    collectors: [bmc, chassis]\n{extra}"
    )
}

#[test]
fn responder_scrape_is_complete_and_reuses_one_session() {
    let bmc = responder();
    let exporter = Running::start(&config(
        "  wrongpw:\n    user: admin\n    pass: nope\n    collectors: [chassis, bmc, sel]\n",
    ));
    let target = format!("/ipmi?target=127.0.0.1:{}", bmc.port());
    for _ in 0..3 {
        let b = &scrape(&exporter.url(&target), "10");
        assert_up(b, &[("bmc", 1.0), ("chassis", 1.0)]);
        // The responder: firmware 1.00, manufacturer 0, power off, no
        // faults; it keeps the system info strings, empty until set (a
        // set 0 of length 0 is the empty label, docs/exporter-rules.md).
        assert_eq!(
            value(
                b,
                "ipmi_bmc_info",
                &[
                    ("firmware_revision", "1.00"),
                    ("manufacturer_id", "0"),
                    ("system_firmware_version", ""),
                    ("bmc_url", "N/A"),
                ]
            ),
            Some(1.0),
            "{b}"
        );
        assert_eq!(value(b, "ipmi_chassis_power_state", &[]), Some(0.0), "{b}");
        assert_eq!(
            value(b, "ipmi_chassis_drive_fault_state", &[]),
            Some(1.0),
            "{b}"
        );
        assert_eq!(
            value(b, "ipmi_chassis_cooling_fault_state", &[]),
            Some(1.0),
            "{b}"
        );
        let duration = value(b, "ipmi_scrape_duration_seconds", &[]).expect(b);
        assert!(duration > 0.0 && duration < 10.0, "{duration}");
        // Exactly these series: nothing invented for other collectors.
        let names: Vec<String> = parse(b).into_iter().map(|s| s.name).collect();
        assert_eq!(names.len(), 7, "{b}");
        // Help and type as the exporter writes them.
        assert!(
            b.contains("# HELP ipmi_chassis_power_state Current power state (1=on, 0=off).\n"),
            "{b}"
        );
        assert!(b.contains("# TYPE ipmi_up gauge\n"), "{b}");
    }
    // Three scrapes, two collectors each, one session.
    let log = bmc.log();
    let opened = log.iter().filter(|l| l.contains(" opened: ")).count();
    assert_eq!(opened, 1, "{log:#?}");

    // A refused login: every collector down, nothing else; not a 5xx.
    let b = scrape(&exporter.url(&format!("{target}&module=wrongpw")), "10");
    assert_up(&b, &[("chassis", 0.0), ("bmc", 0.0), ("sel", 0.0)]);
    assert_eq!(parse(&b).len(), 4, "{b}");

    // The self-metrics count the open session.
    let m = get(&exporter.url("/metrics"), Some("5"));
    assert_eq!(
        value(&m.body, "ipmirs_exporter_open_sessions", &[]),
        Some(1.0),
        "{}",
        m.body
    );
    assert_eq!(
        value(
            &m.body,
            "ipmirs_exporter_collection_duration_seconds_count",
            &[("collector", "chassis")]
        ),
        // Three scrapes, the refused one, and this /metrics' own (local) one.
        Some(5.0),
        "{}",
        m.body
    );
}

/// The value of a `Label : value` line of FreeIPMI's output, if there is one.
fn line<'a>(output: &'a str, label: &str) -> Option<&'a str> {
    output.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == label).then(|| v.trim())
    })
}

/// The value of a `Label : value` line that must be there.
fn field<'a>(output: &'a str, label: &str) -> &'a str {
    line(output, label).unwrap_or_else(|| panic!("no {label:?} in\n{output}"))
}

/// The exporter keeps the leading digits and dots of versions.
fn leading_version(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect()
}

#[test]
fn ipmi_sim_scrape_matches_freeipmi_read_by_the_exporters_rules() {
    let sim = IpmiSim::start();
    sim.set_power(true);
    let exporter = Running::start(&config(
        "  withdcmi:\n    user: admin\n    pass: secret\n    privilege: admin\n    collectors: [bmc, chassis, dcmi, sm-lan-mode]\n",
    ));
    let url = format!("/ipmi?target=127.0.0.1:{}&module=withdcmi", sim.port());
    let b = &scrape(&exporter.url(&url), "10");
    assert_up(b, &[("bmc", 1.0), ("chassis", 1.0)]);

    let host = format!("127.0.0.1:{}", sim.port());
    let freeipmi = |program: &str, extra: &[&str]| {
        let mut args = vec![
            "-h",
            &host,
            "-u",
            "admin",
            "-p",
            "secret",
            "-D",
            "LAN_2_0",
            "-l",
            "ADMIN",
            "-W",
            "opensesspriv",
        ];
        args.extend_from_slice(extra);
        run(program, &args, LIMIT)
    };
    // Plain bmc-info, as the exporter runs it. Its system info lines are
    // used only when it succeeded; missing ones are `N/A`.
    let full = freeipmi("bmc-info", &[]);
    let info = full.stdout.clone();
    let ok = full.code == Some(0);
    let revision = leading_version(field(&info, "Firmware Revision"));
    let system_firmware = line(&info, "System Firmware Version")
        .filter(|_| ok)
        .map_or("N/A".to_string(), leading_version);
    let bmc_url = line(&info, "BMC URL").filter(|_| ok).unwrap_or("N/A");
    // bmc-info prints `NAME (NUMBER)` when it knows the number; the
    // number is what ipmirs has without an IANA table (listed difference).
    let manufacturer = field(&info, "Manufacturer ID");
    let number = manufacturer
        .rsplit_once('(')
        .map_or(manufacturer, |(_, n)| n.trim_end_matches(')'));
    assert_eq!(
        value(
            b,
            "ipmi_bmc_info",
            &[
                ("firmware_revision", &revision),
                ("manufacturer_id", number),
                ("system_firmware_version", &system_firmware),
                ("bmc_url", bmc_url),
            ]
        ),
        Some(1.0),
        "bmc-info:\n{info}\nexporter:\n{b}"
    );

    // ipmi-dcmi as the exporter runs it: a failure is `ipmi_up 0`; "Power
    // Measurement : Not Available" is up without the metric.
    let dcmi = freeipmi("ipmi-dcmi", &["--get-system-power-statistics"]);
    let (dcmi_up, watts) = if dcmi.code == Some(0) {
        let active = field(&dcmi.stdout, "Power Measurement") == "Active";
        let watts = active.then(|| {
            let text = field(&dcmi.stdout, "Current Power");
            text.trim_end_matches("Watts")
                .trim()
                .parse::<f64>()
                .unwrap()
        });
        (1.0, watts)
    } else {
        (0.0, None)
    };
    assert_up(b, &[("dcmi", dcmi_up)]);
    assert_eq!(
        value(b, "ipmi_dcmi_power_consumption_watts", &[]),
        watts,
        "ipmi-dcmi:\n{}{}\nexporter:\n{b}",
        dcmi.stdout,
        dcmi.stderr
    );

    // ipmi-raw as the exporter runs it: exactly `rcvd: CMD CC MODE` with
    // MODE 00, 01 or 02 is up with that value, anything else down.
    let raw = freeipmi("ipmi-raw", &["0x0", "0x30", "0x70", "0x0c", "0"]);
    let octets: Vec<&str> = raw
        .stdout
        .trim()
        .strip_prefix("rcvd: ")
        .map(|o| o.split(' ').collect())
        .unwrap_or_default();
    let mode = match octets.as_slice() {
        [_, _, m @ ("00" | "01" | "02")] if raw.code == Some(0) => Some(m.parse::<f64>().unwrap()),
        _ => None,
    };
    assert_up(
        b,
        &[("sm-lan-mode", if mode.is_some() { 1.0 } else { 0.0 })],
    );
    assert_eq!(
        value(b, "ipmi_config_lan_mode", &[]),
        mode,
        "ipmi-raw: {}{}\nexporter:\n{b}",
        raw.stdout,
        raw.stderr
    );

    let chassis = freeipmi("ipmi-chassis", &["--get-chassis-status"]);
    chassis.assert_ok("ipmi-chassis");
    let chassis = chassis.stdout.clone();
    let flag = |label: &str, when: &str| {
        if field(&chassis, label) == when {
            1.0
        } else {
            0.0
        }
    };
    assert_eq!(
        value(b, "ipmi_chassis_power_state", &[]),
        Some(flag("System Power", "on")),
        "{chassis}\n{b}"
    );
    assert_eq!(
        value(b, "ipmi_chassis_power_state", &[]),
        Some(1.0),
        "power was set on"
    );
    assert_eq!(
        value(b, "ipmi_chassis_drive_fault_state", &[]),
        Some(flag("Drive Fault", "false")),
        "{chassis}\n{b}"
    );
    assert_eq!(
        value(b, "ipmi_chassis_cooling_fault_state", &[]),
        Some(flag("Cooling/fan fault", "false")),
        "{chassis}\n{b}"
    );
}

#[test]
fn idle_session_is_closed_and_reopened_when_needed() {
    let bmc = responder();
    let exporter = Running::start_with(&config(""), |o| o.idle_close = Duration::from_millis(300));
    let target = exporter.url(&format!("/ipmi?target=127.0.0.1:{}", bmc.port()));
    assert_up(&scrape(&target, "10"), &[("bmc", 1.0), ("chassis", 1.0)]);
    // Closed with Close Session once idle (bounded wait: 20 s, far above
    // the 300 ms idle limit plus a 150 ms maintenance tick).
    assert!(
        bmc.wait_for_log("closed", Duration::from_secs(20)),
        "{:#?}",
        bmc.log()
    );
    let m = get(&exporter.url("/metrics"), Some("5"));
    assert_eq!(
        value(&m.body, "ipmirs_exporter_open_sessions", &[]),
        Some(0.0),
        "{}",
        m.body
    );
    let closed = bmc.log().iter().filter(|l| l.ends_with(" closed")).count();
    assert_eq!(closed, 1, "{:#?}", bmc.log());
    // The next scrape opens a new one.
    assert_up(&scrape(&target, "10"), &[("bmc", 1.0), ("chassis", 1.0)]);
    let opened = bmc.log().iter().filter(|l| l.contains(" opened: ")).count();
    assert_eq!(opened, 2, "{:#?}", bmc.log());
}

#[test]
fn ipmi_sim_watchdog_as_set() {
    let sim = IpmiSim::start();
    // Set Watchdog Timer (IPMI 2.0 §27.6): use SMS/OS, stopped, don't
    // log; no action, no pre-timeout interrupt (ipmi_sim refuses actions
    // and interrupts with CCh); initial countdown 300 × 100 ms.
    sim.ipmitool(
        &[
            "raw", "0x06", "0x24", "0x84", "0x00", "0x00", "0x00", "0x2c", "0x01",
        ],
        LIMIT,
    )
    .assert_ok("Set Watchdog Timer");
    let reference = sim.ipmitool(&["mc", "watchdog", "get"], LIMIT);
    reference.assert_ok("ipmitool mc watchdog get");
    let r = &reference.stdout;
    for line in [
        "SMS/OS (0x84)",
        "Stopped",
        "Logging: Off",
        "No action (0x00)",
        "30.0 sec",
    ] {
        assert!(r.contains(line), "{line:?} in\n{r}");
    }

    let exporter = Running::start(&config(
        "  wd:\n    user: admin\n    pass: secret\n    collectors: [bmc-watchdog]\n",
    ));
    let b = &scrape(
        &exporter.url(&format!("/ipmi?target=127.0.0.1:{}&module=wd", sim.port())),
        "10",
    );
    assert_up(b, &[("bmc-watchdog", 1.0)]);
    let v = |name: &str, labels: &[(&str, &str)]| value(b, name, labels);
    assert_eq!(v("ipmi_bmc_watchdog_timer_state", &[]), Some(0.0), "{b}");
    assert_eq!(v("ipmi_bmc_watchdog_logging_state", &[]), Some(0.0), "{b}");
    for (use_, on) in [
        ("BIOS FRB2", 0.0),
        ("BIOS POST", 0.0),
        ("OS LOAD", 0.0),
        ("SMS/OS", 1.0),
        ("OEM", 0.0),
    ] {
        let got = v("ipmi_bmc_watchdog_timer_use_state", &[("name", use_)]);
        assert_eq!(got, Some(on), "{use_}\n{b}");
    }
    for (action, on) in [
        ("None", 1.0),
        ("Hard Reset", 0.0),
        ("Power Down", 0.0),
        ("Power Cycle", 0.0),
    ] {
        let got = v(
            "ipmi_bmc_watchdog_timeout_action_state",
            &[("action", action)],
        );
        assert_eq!(got, Some(on), "{action}\n{b}");
    }
    for (interrupt, on) in [
        ("None", 1.0),
        ("SMI", 0.0),
        ("NMI / Diagnostic Interrupt", 0.0),
        ("Messaging Interrupt", 0.0),
    ] {
        let labels = [("interrupt", interrupt)];
        let got = v("ipmi_bmc_watchdog_pretimeout_interrupt_state", &labels);
        assert_eq!(got, Some(on), "{interrupt}\n{b}");
    }
    assert_eq!(
        v("ipmi_bmc_watchdog_pretimeout_interval_seconds", &[]),
        Some(0.0),
        "{b}"
    );
    assert_eq!(
        v("ipmi_bmc_watchdog_initial_countdown_seconds", &[]),
        Some(30.0),
        "{b}"
    );
    // ipmi_sim leaves the present countdown out of its answer.
    assert_eq!(
        v("ipmi_bmc_watchdog_current_countdown_seconds", &[]),
        Some(0.0),
        "{b}"
    );
    let help = "# HELP ipmi_bmc_watchdog_current_countdown_seconds Watchdog initial countdown in seconds.\n";
    assert!(b.contains(help), "{b}");
}
