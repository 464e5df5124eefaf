//! The exporter on a background thread (its own runtime, 127.0.0.1:0),
//! a blocking HTTP client, and an exposition reader.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use ipmi_exporter::{Exporter, Options};

/// How long any one HTTP request of a test may take at most (a bound, not
/// a measurement: scrapes answer within their own deadlines).
pub const HTTP_LIMIT: Duration = Duration::from_secs(30);

/// A running exporter; stopped (sessions closed) on drop.
pub struct Running {
    pub addr: SocketAddr,
    pub config_path: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// Starts the exporter with `yaml` as its configuration file.
    pub fn start(yaml: &str) -> Running {
        Running::start_with(yaml, |_| {})
    }

    /// Starts the exporter with `yaml`, options adjusted by `adjust`.
    pub fn start_with(yaml: &str, adjust: impl FnOnce(&mut Options)) -> Running {
        static N: AtomicUsize = AtomicUsize::new(0);
        let config_path = std::env::temp_dir().join(format!(
            "ipmi-exporter-test-{}-{}.yml",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&config_path, yaml).unwrap();
        let mut options = Options::new(&config_path, "127.0.0.1:0");
        options.deadline_offset = Duration::from_millis(500);
        adjust(&mut options);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let exporter = Exporter::bind(options).await.expect("exporter binds");
                addr_tx.send(exporter.local_addr().unwrap()).unwrap();
                exporter
                    .serve(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("exporter serves");
            });
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("exporter did not start");
        Running {
            addr,
            config_path,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.config_path);
    }
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub allow: Option<String>,
    pub body: String,
}

/// One request; `scrape_timeout` sets Prometheus' timeout header.
pub fn request(method: &str, url: &str, scrape_timeout: Option<&str>) -> Answer {
    let mut req = ureq::request(method, url).timeout(HTTP_LIMIT);
    if let Some(t) = scrape_timeout {
        req = req.set("X-Prometheus-Scrape-Timeout-Seconds", t);
    }
    let resp = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    Answer {
        status: resp.status(),
        content_type: resp.header("content-type").unwrap_or_default().to_string(),
        allow: resp.header("allow").map(str::to_string),
        body: resp.into_string().unwrap(),
    }
}

/// GET.
pub fn get(url: &str, scrape_timeout: Option<&str>) -> Answer {
    request("GET", url, scrape_timeout)
}

/// One series of an exposition.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The series of an exposition (no escapes in the label values used here).
pub fn parse(body: &str) -> Vec<Series> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let (head, value) = line.rsplit_once(' ').expect("name and value");
            let (name, labels) = match head.split_once('{') {
                Some((n, rest)) => {
                    let inner = rest.strip_suffix('}').expect("closing brace");
                    let labels = inner
                        .split("\",")
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            let (k, v) = p.split_once("=\"").expect("label");
                            (k.to_string(), v.trim_end_matches('"').to_string())
                        })
                        .collect();
                    (n.to_string(), labels)
                }
                None => (head.to_string(), BTreeMap::new()),
            };
            Series {
                name,
                labels,
                value: value.parse().expect("value"),
            }
        })
        .collect()
}

/// The value of `name` with exactly `labels`.
pub fn value(body: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    parse(body)
        .into_iter()
        .find(|s| s.name == name && s.labels == want)
        .map(|s| s.value)
}

/// `promtool check metrics` on `body`; panics with its output when it complains.
pub fn promtool_check(body: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus, scripts/setup.sh) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // The Go exporter's own name `ipmi_sel_logs_count` draws promtool's
    // naming lint; kept for compatibility (docs/exporter-rules.md).
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let only_known_lint = text.lines().filter(|l| !l.trim().is_empty()).all(|l| {
        l.starts_with("ipmi_sel_logs_count non-histogram and non-summary metrics should not have \"_count\" suffix")
    });
    assert!(
        out.status.success() || only_known_lint,
        "promtool check metrics failed:\n{}{}\n--- exposition:\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scrape with Prometheus' timeout header that must answer 200 with an
/// exposition promtool accepts; its body.
pub fn scrape(url: &str, scrape_timeout: &str) -> String {
    let a = get(url, Some(scrape_timeout));
    assert_eq!(a.status, 200, "{url}: {}", a.body);
    promtool_check(&a.body);
    a.body
}

/// Asserts `ipmi_up{collector}` for each `(collector, value)`.
pub fn assert_up(body: &str, want: &[(&str, f64)]) {
    for (collector, up) in want {
        assert_eq!(
            value(body, "ipmi_up", &[("collector", collector)]),
            Some(*up),
            "ipmi_up{{collector={collector:?}}}:\n{body}"
        );
    }
}
