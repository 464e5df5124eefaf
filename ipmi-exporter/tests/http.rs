//! The endpoints' status codes and bodies, as the Go exporter answers.

mod common;

use common::{get, request, Running};

const CONFIG: &str =
    "modules:\n  lab:\n    user: admin\n    pass: secret\n    collectors: [chassis]\n";

#[test]
fn ipmi_without_target_or_with_an_unknown_module_is_400() {
    let exporter = Running::start(CONFIG);
    for path in ["/ipmi", "/ipmi?target=", "/ipmi?module=lab"] {
        let a = get(&exporter.url(path), None);
        assert_eq!(a.status, 400, "{path}");
        assert_eq!(a.body, "'target' parameter must be specified\n", "{path}");
        assert!(
            a.content_type.starts_with("text/plain"),
            "{}",
            a.content_type
        );
    }
    let a = get(&exporter.url("/ipmi?target=127.0.0.1&module=nope"), None);
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "Unknown module \"nope\"\n")
    );
    // No module parameter means `default`, which this config lacks.
    let a = get(&exporter.url("/ipmi?target=127.0.0.1"), None);
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "Unknown module \"default\"\n")
    );
}

#[test]
fn reload_takes_post_only_and_keeps_the_old_config_on_error() {
    let exporter = Running::start(CONFIG);
    let a = get(&exporter.url("/-/reload"), None);
    assert_eq!(a.status, 405);
    assert_eq!(a.allow.as_deref(), Some("POST"));
    assert_eq!(a.body, "Only POST requests allowed\n");

    // A new module appears after a reload.
    std::fs::write(
        &exporter.config_path,
        format!("{CONFIG}  other:\n    collectors: []\n"),
    )
    .unwrap();
    assert_eq!(
        get(&exporter.url("/ipmi?target=127.0.0.1&module=other"), None).status,
        400
    );
    let a = request("POST", &exporter.url("/-/reload"), None);
    assert_eq!((a.status, a.body.as_str()), (200, ""));
    let a = get(&exporter.url("/ipmi?target=127.0.0.1&module=other"), None);
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.body.contains("ipmi_scrape_duration_seconds"),
        "{}",
        a.body
    );

    // A broken file: 500, and the modules loaded before still answer.
    std::fs::write(&exporter.config_path, "modules:\n  other:\n    bogus: 1\n").unwrap();
    let a = request("POST", &exporter.url("/-/reload"), None);
    assert_eq!(a.status, 500);
    assert!(
        a.body.starts_with("failed to reload config: "),
        "{}",
        a.body
    );
    assert!(a.body.contains("bogus"), "{}", a.body);
    assert_eq!(
        get(&exporter.url("/ipmi?target=127.0.0.1&module=other"), None).status,
        200
    );
}

#[test]
fn scrape_endpoints_take_any_method() {
    let exporter = Running::start(CONFIG);
    let a = request("POST", &exporter.url("/ipmi"), None);
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "'target' parameter must be specified\n")
    );
    let a = request("POST", &exporter.url("/metrics"), Some("5"));
    assert_eq!(a.status, 200);
    assert!(
        a.body.contains("ipmi_scrape_duration_seconds"),
        "{}",
        a.body
    );
}

#[test]
fn landing_page_on_every_other_path() {
    let exporter = Running::start(CONFIG);
    for path in ["/", "/config", "/anything/else"] {
        let a = get(&exporter.url(path), None);
        assert_eq!(a.status, 200, "{path}");
        assert!(
            a.content_type.starts_with("text/html"),
            "{}",
            a.content_type
        );
        assert!(
            a.body.contains("<title>IPMI Exporter</title>"),
            "{}",
            a.body
        );
        assert!(a.body.contains("action=\"/ipmi\""), "{}", a.body);
    }
}

#[test]
fn local_metrics_answer_with_self_metrics() {
    // /dev/ipmi0 may or may not exist here: either way the default
    // collectors are all reported, and the self-metrics are there.
    let exporter = Running::start(CONFIG);
    let a = get(&exporter.url("/metrics"), Some("5"));
    assert_eq!(a.status, 200);
    assert!(
        a.content_type.starts_with("application/openmetrics-text"),
        "{}",
        a.content_type
    );
    for c in ["ipmi", "dcmi", "bmc", "chassis"] {
        assert!(
            common::value(&a.body, "ipmi_up", &[("collector", c)]).is_some(),
            "{c}:\n{}",
            a.body
        );
    }
    for name in [
        "ipmirs_exporter_collections_in_flight",
        "ipmirs_exporter_open_sessions",
    ] {
        assert_eq!(
            common::value(&a.body, name, &[]),
            Some(0.0),
            "{name}:\n{}",
            a.body
        );
    }
    common::promtool_check(&a.body);
}
