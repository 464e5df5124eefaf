//! A real Prometheus (Debian's `prometheus`) on loopback scrapes two
//! exporters through the multi-target relabelling with two `hashmod`
//! shards (docs/prometheus.md), in front of two responder BMCs; the series
//! are read back through Prometheus' HTTP API.

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Running;
use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User};
use ipmirs_test_support::responder::BackgroundServer;

/// How long Prometheus may take to start and scrape every target twice:
/// it needs ~1-3 s on an idle machine; 90 s leaves room for a loaded one.
const PROMETHEUS_LIMIT: Duration = Duration::from_secs(90);

struct Prometheus {
    child: Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shard_job(shard: usize, exporter: &Running, targets: &[String]) -> String {
    let targets = targets
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"  - job_name: ipmi-shard-{shard}
    scrape_interval: 1s
    scrape_timeout: 1s
    metrics_path: /ipmi
    params:
      module: [default]
    static_configs:
      - targets: [{targets}]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        modulus: 2
        target_label: __tmp_shard
        action: hashmod
      - source_labels: [__tmp_shard]
        regex: "{shard}"
        action: keep
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {exporter}
"#,
        exporter = exporter.addr
    )
}

fn start_prometheus(config: &str) -> Prometheus {
    let dir = std::env::temp_dir().join(format!("ipmi-exporter-prometheus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_path = dir.join("prometheus.yml");
    std::fs::write(&config_path, config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus (Debian package prometheus, scripts/setup.sh) runs");
    Prometheus { child, dir, port }
}

/// `ipmi_up` series as (job, instance, collector) → value, from the query API.
fn ipmi_up(prometheus: &Prometheus) -> Option<BTreeMap<(String, String, String), String>> {
    let url = format!(
        "http://127.0.0.1:{}/api/v1/query?query=ipmi_up",
        prometheus.port
    );
    let body = ureq::get(&url)
        .timeout(Duration::from_secs(5))
        .call()
        .ok()?
        .into_string()
        .ok()?;
    let json: serde_json::Value = serde_json::from_str(&body).ok()?;
    let mut out = BTreeMap::new();
    for r in json["data"]["result"].as_array()? {
        let m = &r["metric"];
        let key = (
            m["job"].as_str()?.to_string(),
            m["instance"].as_str()?.to_string(),
            m["collector"].as_str()?.to_string(),
        );
        out.insert(key, r["value"][1].as_str()?.to_string());
    }
    Some(out)
}

#[test]
fn prometheus_scrapes_two_shards_through_the_relabel_config() {
    let bmcs = BackgroundServer::start_many(
        ServerConfig::new().user(User::new("admin", "secret", PrivilegeLevel::Administrator)),
        2,
        1,
    );
    let targets: Vec<String> = bmcs.addrs.iter().map(|a| a.to_string()).collect();
    let config =
        "modules:\n  default:\n    user: admin\n    pass: secret\n    collectors: [bmc, chassis]\n";
    let exporters = [Running::start(config), Running::start(config)];
    let prometheus_config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{}{}",
        shard_job(0, &exporters[0], &targets),
        shard_job(1, &exporters[1], &targets)
    );
    let prometheus = start_prometheus(&prometheus_config);

    let end = Instant::now() + PROMETHEUS_LIMIT;
    let series = loop {
        if let Some(s) = ipmi_up(&prometheus) {
            if s.len() == 2 * targets.len() && s.values().all(|v| v == "1") {
                break s;
            }
        }
        assert!(
            Instant::now() < end,
            "Prometheus did not get ipmi_up 1 for every target and collector: {:?}",
            ipmi_up(&prometheus)
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    // Every BMC in exactly one shard, under its own address as instance.
    for target in &targets {
        let jobs: Vec<&String> = series
            .keys()
            .filter(|(_, instance, c)| instance == target && c == "chassis")
            .map(|(job, _, _)| job)
            .collect();
        assert_eq!(jobs.len(), 1, "{target}: {series:?}");
    }
    for (job, _, collector) in series.keys() {
        assert!(job.starts_with("ipmi-shard-"), "{job}");
        assert!(collector == "bmc" || collector == "chassis", "{collector}");
    }
}
