//! A hung BMC (ipmi_sim stopped with SIGSTOP): 50 concurrent scrapes each
//! answer by their deadline with `ipmi_up 0`, share one collection, and
//! after SIGCONT the next scrape is complete again.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{assert_up, get, promtool_check, scrape, value, Running};
use ipmirs_test_support::ipmisim::IpmiSim;

const SCRAPES: usize = 50;

/// Prometheus' timeout header; with the test exporter's 0.5 s offset the
/// scrape deadline is 2 s.
const HEADER: &str = "2.5";
const DEADLINE: Duration = Duration::from_secs(2);

/// What an answer may take beyond the deadline: rendering a few series
/// and one loopback HTTP exchange take ~1-20 ms; with 50 client threads
/// on a busy 2-core machine perhaps 100-200 ms. One second is more than
/// 5x that, and still far below what a stuck scrape would take (it would
/// wait for the BMC forever).
const MARGIN: Duration = Duration::from_secs(1);

#[test]
fn frozen_bmc_answers_on_time_with_one_collection_then_recovers() {
    let sim = IpmiSim::start();
    let exporter = Running::start(
        "modules:\n  default:\n    user: admin\n    pass: secret\n    privilege: admin\n    collectors: [bmc, chassis]\n",
    );
    let url = exporter.url(&format!("/ipmi?target=127.0.0.1:{}", sim.port()));

    // Warm: a session is open, and the BMC answers.
    assert_up(&scrape(&url, "10"), &[("bmc", 1.0), ("chassis", 1.0)]);

    let fds_before = open_fds();
    sim.freeze();
    let metrics_url = exporter.url("/metrics");
    let storm_over = Arc::new(AtomicBool::new(false));
    // Samples the in-flight gauge while the scrapes wait (bounded: stops
    // when they are done, at most 200 polls).
    let monitor = {
        let storm_over = storm_over.clone();
        let metrics_url = metrics_url.clone();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            for _ in 0..200 {
                if storm_over.load(Ordering::Relaxed) {
                    break;
                }
                let m = get(&metrics_url, Some("5"));
                seen.push(
                    value(&m.body, "ipmirs_exporter_collections_in_flight", &[]).expect(&m.body),
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            seen
        })
    };
    let scrapes: Vec<_> = (0..SCRAPES)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let a = get(&url, Some(HEADER));
                (start.elapsed(), a)
            })
        })
        .collect();
    let answers: Vec<_> = scrapes.into_iter().map(|t| t.join().unwrap()).collect();
    storm_over.store(true, Ordering::Relaxed);
    let in_flight = monitor.join().unwrap();

    for (took, a) in &answers {
        assert_eq!(a.status, 200);
        assert!(*took < DEADLINE + MARGIN, "a scrape took {took:?}");
        assert_up(&a.body, &[("bmc", 0.0), ("chassis", 0.0)]);
        assert_eq!(
            value(&a.body, "ipmi_chassis_power_state", &[]),
            None,
            "{}",
            a.body
        );
    }
    promtool_check(&answers[0].1.body);
    assert!(!in_flight.is_empty());
    assert!(
        in_flight.iter().all(|&n| n <= 1.0),
        "in flight: {in_flight:?}"
    );
    assert!(
        in_flight.contains(&1.0),
        "the collection was never seen running: {in_flight:?}"
    );
    let slowest = answers.iter().map(|(t, _)| *t).max().unwrap();
    eprintln!("frozen BMC: {SCRAPES} scrapes, slowest answer {slowest:?} (deadline {DEADLINE:?})");

    // One collection for the 50 scrapes: bmc ran into the deadline,
    // chassis was never reached.
    let m = get(&metrics_url, Some("5"));
    for c in ["bmc", "chassis"] {
        assert_eq!(
            value(
                &m.body,
                "ipmirs_exporter_deadline_hits_total",
                &[("collector", c)]
            ),
            Some(1.0),
            "{}",
            m.body
        );
    }
    // The session to the hung BMC was given up.
    assert_eq!(
        value(&m.body, "ipmirs_exporter_open_sessions", &[]),
        Some(0.0),
        "{}",
        m.body
    );

    // No pile of sockets: the storm's connections close and the hung
    // session was dropped (bounded wait: the server notices closed HTTP
    // connections asynchronously).
    let mut fds_after = open_fds();
    for _ in 0..100 {
        if fds_after <= fds_before {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        fds_after = open_fds();
    }
    assert!(
        fds_after <= fds_before,
        "open descriptors {fds_before} before, {fds_after} after"
    );

    sim.thaw();
    let after = scrape(&url, "10");
    assert_up(&after, &[("bmc", 1.0), ("chassis", 1.0)]);
    assert!(
        value(&after, "ipmi_chassis_power_state", &[]).is_some(),
        "{after}"
    );
}

/// This process's open file descriptors (the exporter runs in it).
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}
