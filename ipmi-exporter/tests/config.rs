//! The configuration schema: the Go exporter's example files load, unknown
//! keys and bad values are rejected, defaults are the exporter's.

use std::time::Duration;

use ipmi_core::PrivilegeLevel;
use ipmi_exporter::collector::CollectorName::{self, *};
use ipmi_exporter::Config;

fn fixture(name: &str) -> Config {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Config::load(Some(path.as_ref())).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_exporters_remote_example_loads() {
    let c = fixture("ipmi_remote.yml");
    assert_eq!(
        c.modules.keys().collect::<Vec<_>>(),
        ["dcmi", "default", "thatspecialhost"]
    );
    let d = &c.modules["default"];
    assert_eq!(
        (d.user.as_str(), d.pass.as_str()),
        ("default_user", "example_pw")
    );
    assert_eq!(d.privilege, Some(PrivilegeLevel::User));
    assert_eq!(d.timeout(), Some(Duration::from_secs(10)));
    assert_eq!(d.collectors, [Bmc, Ipmi, Chassis]);
    assert_eq!(d.exclude_sensor_ids, [2, 29, 32, 50, 52, 55]);
    assert_eq!(
        c.modules["dcmi"].privilege_level(),
        PrivilegeLevel::Administrator
    );
    assert_eq!(c.modules["dcmi"].collectors, [Dcmi]);
    let special = &c.modules["thatspecialhost"];
    assert_eq!(special.collectors, [Ipmi, Sel]);
    assert_eq!(special.workaround_flags, ["discretereading"]);
    assert_eq!(special.custom_args["ipmi"], ["--bridge-sensors"]);
    let warning = c
        .ignored_options()
        .expect("FreeIPMI-only options are reported");
    assert!(
        warning.contains(
            "thatspecialhost: driver (IPMI 1.5; RMCP+ is used), workaround_flags, custom_args"
        ),
        "{warning}"
    );
    assert!(!warning.contains("default:"), "{warning}");
}

#[test]
fn the_exporters_local_examples_load() {
    let c = fixture("ipmi_local.yml");
    let d = &c.modules["default"];
    assert_eq!(d.collectors, [Bmc, Ipmi, Dcmi, Chassis, Sel, SelEvents]);
    assert_eq!(d.sel_events.len(), 1);
    assert_eq!(d.sel_events[0].name, "correctable_memory_error");
    assert!(d.sel_events[0]
        .regex
        .is_match("Correctable memory error ; Event Data3 = 34h"));
    assert!(!d.sel_events[0].regex.is_match("Uncorrectable ECC"));
    assert_eq!(
        d.privilege_level(),
        PrivilegeLevel::Operator,
        "FreeIPMI's default"
    );
    assert_eq!(d.timeout(), None);
    assert!(c.ignored_options().is_none());

    let sudo = fixture("ipmi_local_sudo.yml");
    let d = &sudo.modules["default"];
    assert_eq!(d.collectors, [Ipmi, Sel]);
    assert_eq!(d.collector_cmd["sel"], "/usr/bin/sudo");
    let warning = sudo.ignored_options().unwrap();
    assert!(
        warning.contains("default: collector_cmd, custom_args"),
        "{warning}"
    );
}

#[test]
fn defaults_are_the_exporters() {
    let c = Config::parse("modules:\n  default:\n    user: u\n").unwrap();
    let d = &c.modules["default"];
    assert_eq!(d.collectors, CollectorName::DEFAULT);
    assert_eq!(d.collectors, [Ipmi, Dcmi, Bmc, Chassis]);
    assert_eq!(d.pass, "");
    // No default module: /metrics uses the built-in defaults.
    let empty = Config::parse("modules: {}\n").unwrap();
    assert_eq!(empty.local_module().collectors, [Ipmi, Dcmi, Bmc, Chassis]);
    // An empty file (or only comments) is an empty configuration.
    assert!(Config::parse("").unwrap().modules.is_empty());
    assert!(Config::parse("# nothing\n").unwrap().modules.is_empty());
    // Every collector name the exporter knows.
    let all = Config::parse(
        "modules:\n  m:\n    collectors: [bmc, bmc-watchdog, ipmi, chassis, dcmi, sel, sel-events, sm-lan-mode]\n",
    )
    .unwrap();
    assert_eq!(
        all.modules["m"].collectors,
        [
            Bmc,
            BmcWatchdog,
            Ipmi,
            Chassis,
            Dcmi,
            Sel,
            SelEvents,
            SmLanMode
        ]
    );
    // Unknown keys inside a sel_events entry pass, as in the Go exporter.
    let sel = Config::parse(
        "modules:\n  m:\n    sel_events:\n    - name: x\n      regex: a\n      extra: 1\n",
    )
    .unwrap();
    assert_eq!(sel.modules["m"].sel_events[0].name, "x");
    // An explicit empty list stays empty.
    let none = Config::parse("modules:\n  m:\n    collectors: []\n").unwrap();
    assert!(none.modules["m"].collectors.is_empty());
}

#[test]
fn bad_configs_are_rejected_with_the_reason() {
    for (yaml, needle) in [
        ("modulez: {}\n", "modulez"),
        ("modules:\n  m:\n    usr: x\n", "usr"),
        (
            "modules:\n  m:\n    collectors: [ipmi, sensors]\n",
            "sensors",
        ),
        ("modules:\n  m:\n    privilege: root\n", "root"),
        ("modules:\n  m:\n    timeout: -5\n", "timeout"),
        (
            "modules:\n  m:\n    sel_events:\n    - name: x\n      regex: \"(\"\n",
            "regex",
        ),
        (
            "modules:\n  m:\n    exclude_sensor_ids: [one]\n",
            "exclude_sensor_ids",
        ),
        ("modules: [\n", "invalid"),
    ] {
        let e = Config::parse(yaml)
            .err()
            .unwrap_or_else(|| panic!("accepted {yaml:?}"));
        let text = e.to_string();
        assert!(text.contains(needle), "{yaml:?}: {text}");
    }
}
