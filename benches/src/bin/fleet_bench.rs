//! `chassis power status` (or more commands per session) on many BMCs
//! through `ipmi_lanplus::fleet`: the ipmirs side of the fleet comparison
//! until the `ipmirs` command line takes `-H h1,h2,...`.
//!
//! ```text
//! fleet_bench --hosts 127.0.0.1:7000-7999 [--fanout 64] [--timeout SECONDS]
//!             [--user admin] [--password secret] [--suite 17]
//!             [--commands K] [--hold]
//! ```
//!
//! Prints one line of `key=value` figures on standard output: hosts, ok,
//! wall_ms, p50_ms / p99_ms / max_ms (per-host session + commands). With
//! `--hold`, every host's session is opened at once (fan-out = number of
//! hosts) and held until all are open: `rss_before_kib`, `rss_held_kib`
//! and `bytes_per_session` (resident memory per open session) are added.
//! Exit 0 when every host succeeded.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipmi_core::cmd::GetChassisStatus;
use ipmi_core::transport::AsyncTransport;
use ipmi_lanplus::fleet::{self, Options};
use ipmi_lanplus::ClientConfig;

struct Args {
    hosts: String,
    fanout: usize,
    timeout: Duration,
    user: String,
    password: String,
    suite: u8,
    commands: usize,
    hold: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        hosts: String::new(),
        fanout: 64,
        timeout: Duration::from_secs(10),
        user: "admin".into(),
        password: "secret".into(),
        suite: 17,
        commands: 1,
        hold: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--hold" {
            a.hold = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--hosts" => a.hosts = value,
            "--fanout" => a.fanout = num(&value)? as usize,
            "--timeout" => a.timeout = Duration::from_secs_f64(num(&value)?),
            "--user" => a.user = value,
            "--password" => a.password = value,
            "--suite" => a.suite = num(&value)? as u8,
            "--commands" => a.commands = (num(&value)? as usize).max(1),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.hosts.is_empty() {
        return Err("--hosts is required".into());
    }
    Ok(a)
}

/// Resident set size of this process, from /proc/self/status.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fleet_bench: {e}");
            return ExitCode::from(2);
        }
    };
    let shared =
        ClientConfig::new(args.user.as_bytes(), args.password.as_bytes()).cipher_suite(args.suite);
    let hosts: Vec<fleet::Host> = match fleet::parse_host_list(&args.hosts) {
        Ok(specs) => specs.iter().map(|s| s.to_host(&shared, 623)).collect(),
        Err(e) => {
            eprintln!("fleet_bench: {e}");
            return ExitCode::from(2);
        }
    };
    let n = hosts.len();
    let fanout = if args.hold { n } else { args.fanout };
    let options = Options::default().fanout(fanout).timeout(args.timeout);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let commands = args.commands;
    // --hold: every job waits here once its session is open.
    let all_open = Arc::new(tokio::sync::Barrier::new(n + 1));
    let hold = args.hold;
    let rss_before = rss_kib();
    let t0 = Instant::now();
    let (latencies, failures, rss_held) = runtime.block_on(async {
        let barrier = all_open.clone();
        let mut results = fleet::run_with(hosts, &options, move |client, deadline| {
            let barrier = barrier.clone();
            Box::pin(async move {
                if hold {
                    // Bounded: a host that failed to connect never arrives.
                    let until = tokio::time::Instant::from_std(deadline.instant());
                    let _ = tokio::time::timeout_at(until, barrier.wait()).await;
                }
                let mut on = false;
                for _ in 0..commands {
                    on = client
                        .execute_by(&GetChassisStatus, deadline)
                        .await?
                        .power_on();
                }
                Ok(on)
            })
        });
        let mut rss_held = 0;
        if hold
            && tokio::time::timeout(options.timeout, all_open.wait())
                .await
                .is_ok()
        {
            rss_held = rss_kib();
        }
        let mut latencies = Vec::with_capacity(n);
        let mut failures = Vec::new();
        while let Some(r) = results.next().await {
            match r.result {
                Ok(_) => latencies.push(r.elapsed),
                Err(e) => failures.push(format!("{}: {e}", r.label)),
            }
        }
        (latencies, failures, rss_held)
    });
    let wall = t0.elapsed();
    let mut sorted = latencies.clone();
    sorted.sort();
    let pct = |p: f64| -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[i].as_secs_f64() * 1e3
    };
    let mut line = format!(
        "hosts={n} ok={} wall_ms={:.3} p50_ms={:.3} p99_ms={:.3} max_ms={:.3}",
        latencies.len(),
        wall.as_secs_f64() * 1e3,
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    if hold {
        let per = (rss_held.saturating_sub(rss_before) * 1024) / n.max(1) as u64;
        line += &format!(
            " rss_before_kib={rss_before} rss_held_kib={rss_held} bytes_per_session={per}"
        );
    }
    println!("{line}");
    for f in failures.iter().take(5) {
        eprintln!("fleet_bench: {f}");
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
