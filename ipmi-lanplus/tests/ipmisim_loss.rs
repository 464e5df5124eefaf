//! Loss with the defaults users get (issue 10.5): 200 commands through a
//! seeded loopback proxy that drops 30 % of the datagrams each way and
//! duplicates 10 %, in front of `ipmi_sim`, each with the configuration
//! `ipmirs --timeout 15 -U admin -P secret chassis status` builds: no
//! `-C` (negotiated), no `-N` (adaptive per-try timeout), no `-R` (tries
//! until the deadline), no transparent reconnection (ipmi-cli's
//! `connect::lan::LanConnector::new`; its unit test
//! `config_carries_the_options` checks that these stay the defaults).
//! At least 99 % must succeed.
//!
//! ipmi_sim allocates a session for every Open Session Request that
//! reaches it (a retransmitted or duplicated one too) and frees one the
//! console never used only after 30 s, from a pool of 63. At 30 % loss
//! each way and 10 % duplication, that is about 0.6 sessions per command
//! left behind by no fault of the console (ipmitool leaves as many). So
//! that the test measures retransmission, not that pool, and still takes
//! well under a minute, the 200 commands go to four simulators, 50 each,
//! 5 at a time (one proxy per worker, so that the fates are seeded).

use std::time::{Duration, Instant};

use ipmi_core::cmd::GetChassisStatus;
use ipmi_core::{Deadline, Transport};
use ipmi_lanplus::{Client, ClientConfig};
use ipmirs_test_support::ipmisim::IpmiSim;
use ipmirs_test_support::proxy::{Faults, Proxy};

const COMMANDS: usize = 200;
/// Simulators, each with its own proxy and COMMANDS / SIMS commands.
const SIMS: usize = 4;
/// Commands in flight per simulator.
const AT_ONCE: usize = 5;
/// `--timeout 15`.
const BUDGET: Duration = Duration::from_secs(15);
/// ipmi-cli's close budget: what is left of the deadline, 250 ms to 2 s.
const CLOSE_MIN: Duration = Duration::from_millis(250);
const CLOSE_MAX: Duration = Duration::from_secs(2);

/// The library configuration the CLI builds without -C, -N, -R.
fn cli_defaults() -> ClientConfig {
    ClientConfig::new("admin", "secret")
        .timeout(BUDGET)
        .reconnect(false)
}

/// One CLI invocation: connect and command by the deadline, then close.
fn command(bmc: std::net::SocketAddr) -> Result<Duration, String> {
    let t0 = Instant::now();
    let deadline = Deadline::from_now(BUDGET);
    let mut c = Client::connect_by(bmc, cli_defaults(), deadline).map_err(|e| e.to_string())?;
    let r = c.execute_by(&GetChassisStatus, deadline);
    let took = t0.elapsed();
    let budget = deadline
        .remaining(Instant::now())
        .clamp(CLOSE_MIN, CLOSE_MAX);
    let _ = c.close_by(Deadline::from_now(budget));
    r.map(|_| took).map_err(|e| e.to_string())
}

/// Runs the commands: `AT_ONCE` workers per simulator, each with its own
/// proxy (seeded with the worker's number) and `COMMANDS / SIMS /
/// AT_ONCE` commands one after the other. A worker's flows are numbered in
/// the order of its commands, so every datagram meets the same fate in
/// every run, however the workers interleave. Returns the times of the
/// successful commands and the errors of the others.
fn run(sims: &[IpmiSim], faults: Faults) -> (Vec<Duration>, Vec<String>) {
    let mut workers = Vec::new();
    for (s, sim) in sims.iter().enumerate() {
        for w in 0..AT_ONCE {
            let seed = (s * AT_ONCE + w) as u64;
            let proxy = Proxy::start(sim.addr(), faults, seed);
            workers.push(std::thread::spawn(move || {
                let mut out = (Vec::new(), Vec::new(), proxy.stats());
                for _ in 0..COMMANDS / SIMS / AT_ONCE {
                    match command(proxy.addr()) {
                        Ok(t) => out.0.push(t),
                        Err(e) => out.1.push(e),
                    }
                }
                out.2 = proxy.stats();
                out
            }));
        }
    }
    let (mut ok, mut failed, mut dropped) = (Vec::new(), Vec::new(), (0, 0));
    for w in workers {
        let (o, f, stats) = w.join().unwrap();
        ok.extend(o);
        failed.extend(f);
        dropped.0 += stats.dropped;
        dropped.1 += stats.received;
    }
    eprintln!("proxies dropped {} of {} datagrams", dropped.0, dropped.1);
    ok.sort();
    (ok, failed)
}

fn percentile(times: &[Duration], p: usize) -> Duration {
    times[(times.len() * p / 100).min(times.len() - 1)]
}

#[test]
fn cli_defaults_get_99_percent_through_30_percent_loss() {
    let faults = Faults {
        loss: 0.3,
        duplicate: 0.1,
        ..Faults::none()
    };
    let sims: Vec<IpmiSim> = (0..SIMS).map(|_| IpmiSim::start()).collect();
    let t0 = Instant::now();
    let (ok, failed) = run(&sims, faults);
    eprintln!(
        "{} of {COMMANDS} succeeded in {:?}; median {:?}, 90th {:?}, slowest {:?}; failures: {failed:#?}",
        ok.len(),
        t0.elapsed(),
        percentile(&ok, 50),
        percentile(&ok, 90),
        ok.last(),
    );
    assert!(ok.len() * 100 >= COMMANDS * 99, "{failed:#?}");
}
