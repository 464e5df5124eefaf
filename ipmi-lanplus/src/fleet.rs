//! One command on many BMCs at once (tokio): a concurrency limit (the
//! fan-out), a deadline per host, and results streamed as each host
//! finishes, in one process.
//!
//! ```
//! use std::time::Duration;
//! use ipmi_core::cmd::GetChassisStatus;
//! use ipmi_lanplus::fleet::{self, Options};
//! use ipmi_lanplus::ClientConfig;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let list = "bmc1,bmc2:6230,10.0.0.7";
//! # let vbmcs = ipmirs_test_support::responder::BackgroundServer::start_many(ipmi_lanplus::server::ServerConfig::new().user(ipmi_lanplus::server::User::new("admin", "secret", ipmi_core::PrivilegeLevel::Administrator)), 2, 1);
//! # let joined = vbmcs.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",");
//! # let list = joined.as_str();
//! let shared = ClientConfig::new("admin", "secret");
//! let hosts: Vec<fleet::Host> = fleet::parse_host_list(list)?
//!     .iter()
//!     .map(|spec| spec.to_host(&shared, 623))
//!     .collect();
//! let options = Options::default().fanout(64).timeout(Duration::from_secs(5));
//! // Inside tokio; from a program that is not async: fleet::run_blocking.
//! let summary = fleet::run_async(hosts, &options, GetChassisStatus, |r| match &r.result {
//!     Ok(status) => println!("{}: Chassis Power is {}", r.label, if status.power_on() { "on" } else { "off" }),
//!     Err(e) => eprintln!("{}: {e}", r.label),
//! })
//! .await;
//! # assert_eq!((summary.ok, summary.hosts), (2, 2));
//! # Ok(())
//! # }
//! ```
//!
//! Each host gets its own [`AsyncClient`] (its own UDP socket and
//! session), opened when a slot of the fan-out is free and closed after its
//! result was handed out; at most `fanout` sessions exist at once, so
//! memory is bounded by the fan-out, not by the number of hosts (about
//! 10 KiB per session in flight, see `BENCHMARKS.md`). A host's deadline
//! starts when its slot does: name resolution, session, command. Close
//! Session comes after the result, within what is left of the deadline (at
//! least 250 ms, at most 2 s), and is skipped when the BMC did not answer.
//! The results arrive in the order the hosts finish, each with the host's
//! index in the input.
//!
//! The command line's `-H h1,h2,...`, `--hosts-file` and `--fanout N` map
//! onto [`parse_host_list`], [`parse_hosts_file`] and [`Options::fanout`].

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipmi_core::deadline::{CLOSE_MAX, CLOSE_MIN};
use ipmi_core::transport::AsyncTransport;
use ipmi_core::{Command, Deadline, DEFAULT_TIMEOUT};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use zeroize::Zeroizing;

use crate::{AsyncClient, ClientConfig, Error};

/// Default number of hosts worked on at once.
pub const DEFAULT_FANOUT: usize = 64;

/// One BMC to talk to, with its own credentials.
#[derive(Clone, Debug)]
pub struct Host {
    /// What its result is labelled with, e.g. `bmc1` or `10.0.0.5:6230`.
    pub label: String,
    /// Name or IP address literal.
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// User, password, cipher suite... (the timeout is [`Options::timeout`]).
    pub config: ClientConfig,
}

impl Host {
    /// A host labelled `host` (with `:port` when it is not 623).
    pub fn new(host: impl Into<String>, port: u16, config: ClientConfig) -> Host {
        let host = host.into();
        Host {
            label: label(&host, (port != crate::RMCP_PORT).then_some(port)),
            host,
            port,
            config,
        }
    }
}

/// How a fleet run proceeds.
#[derive(Clone, Debug)]
pub struct Options {
    /// Hosts worked on at once (at least 1).
    pub fanout: usize,
    /// Deadline of each host, from the moment it gets a slot.
    pub timeout: Duration,
}

impl Default for Options {
    /// 64 at once, 10 s per host.
    fn default() -> Self {
        Options {
            fanout: DEFAULT_FANOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl Options {
    /// Sets the fan-out (0 counts as 1).
    pub fn fanout(mut self, fanout: usize) -> Self {
        self.fanout = fanout.max(1);
        self
    }

    /// Sets the per-host deadline.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The outcome of one host.
#[derive(Debug)]
pub struct HostResult<T> {
    /// The host's position in the input.
    pub index: usize,
    /// [`Host::label`].
    pub label: String,
    /// The command's output, or the error (see `ipmi_core::Failure::class`
    /// for its class: BMC refusal, protocol, timeout, usage, I/O).
    pub result: Result<T, Error>,
    /// When the host got its slot, since the run started.
    pub started: Duration,
    /// From the host's slot to its result (session and command).
    pub elapsed: Duration,
}

/// A job's future: borrows the host's client, gives the job's output.
pub type JobFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The results of a run, as the hosts finish. Dropping it stops the run:
/// hosts not started yet are not started.
#[derive(Debug)]
pub struct Results<T> {
    rx: mpsc::Receiver<HostResult<T>>,
}

impl<T> Results<T> {
    /// The next host's result; `None` once every host has reported.
    pub async fn next(&mut self) -> Option<HostResult<T>> {
        self.rx.recv().await
    }
}

/// Counts of a finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Hosts that reported.
    pub hosts: usize,
    /// Of them, how many succeeded.
    pub ok: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// Runs `command` on every host; must be called inside a tokio runtime
/// (it spawns the hosts' tasks). See [`run_with`].
pub fn run<C>(hosts: Vec<Host>, options: &Options, command: C) -> Results<C::Output>
where
    C: Command + Send + Sync + 'static,
    C::Output: Send + 'static,
{
    let command = Arc::new(command);
    run_with(hosts, options, move |client, deadline| {
        let command = command.clone();
        Box::pin(async move { client.execute_by(&*command, deadline).await })
    })
}

/// Runs `job` on every host, at most `options.fanout` at once: each host
/// gets a session (opened within its deadline), then `job(client,
/// deadline)`, which must pass the deadline on to every call it makes.
/// Results come out of the returned [`Results`] as hosts finish. Must be
/// called inside a tokio runtime. A job that panics loses its host's result.
pub fn run_with<T, F>(hosts: Vec<Host>, options: &Options, job: F) -> Results<T>
where
    T: Send + 'static,
    F: for<'a> Fn(&'a mut AsyncClient, Deadline) -> JobFuture<'a, T> + Send + Sync + 'static,
{
    let fanout = options.fanout.max(1);
    let timeout = options.timeout;
    let (tx, rx) = mpsc::channel(fanout);
    let job = Arc::new(job);
    tokio::spawn(async move {
        let t0 = Instant::now();
        let slots = Arc::new(Semaphore::new(fanout));
        let mut tasks = JoinSet::new();
        for (index, host) in hosts.into_iter().enumerate() {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            if tx.is_closed() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            let (tx, job) = (tx.clone(), job.clone());
            tasks.spawn(async move {
                let started = t0.elapsed();
                let start = Instant::now();
                let deadline = Deadline::after(start, timeout);
                let mut config = host.config;
                config.timeout = timeout;
                let connected =
                    AsyncClient::connect_host(&host.host, host.port, config, deadline).await;
                let (result, client) = match connected {
                    Ok(mut client) => (job(&mut client, deadline).await, Some(client)),
                    Err(e) => (Err(e), None),
                };
                let answered = !matches!(result, Err(Error::Timeout { .. }));
                let _ = tx
                    .send(HostResult {
                        index,
                        label: host.label,
                        result,
                        started,
                        elapsed: start.elapsed(),
                    })
                    .await;
                if let (Some(client), true) = (client, answered) {
                    let left = deadline.remaining(Instant::now());
                    let _ = client
                        .close_by(Deadline::from_now(left.clamp(CLOSE_MIN, CLOSE_MAX)))
                        .await;
                }
                drop(slot);
            });
        }
        while tasks.join_next().await.is_some() {}
    });
    Results { rx }
}

/// Runs `command` on every host, calling `on_result` as each host
/// finishes: the entry point for a caller already inside a tokio runtime
/// (for one that is not, [`run_blocking`]).
pub async fn run_async<C>(
    hosts: Vec<Host>,
    options: &Options,
    command: C,
    mut on_result: impl FnMut(HostResult<C::Output>),
) -> Summary
where
    C: Command + Send + Sync + 'static,
    C::Output: Send + 'static,
{
    let t0 = Instant::now();
    let mut results = run(hosts, options, command);
    let mut summary = Summary::default();
    while let Some(r) = results.next().await {
        summary.hosts += 1;
        summary.ok += usize::from(r.result.is_ok());
        on_result(r);
    }
    Summary {
        elapsed: t0.elapsed(),
        ..summary
    }
}

/// Runs `command` on every host from a new single-threaded tokio runtime,
/// calling `on_result` as each host finishes (for a program that is not
/// async, e.g. the command line). Called from inside a tokio runtime it
/// returns an error ([`std::io::ErrorKind::Unsupported`]) and runs
/// nothing: a runtime cannot block on another; use [`run_async`] there.
pub fn run_blocking<C>(
    hosts: Vec<Host>,
    options: &Options,
    command: C,
    on_result: impl FnMut(HostResult<C::Output>),
) -> std::io::Result<Summary>
where
    C: Command + Send + Sync + 'static,
    C::Output: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "fleet::run_blocking called inside a tokio runtime: use fleet::run_async(...).await",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(run_async(hosts, options, command, on_result)))
}

// ----- host lists ------------------------------------------------------------

/// A host as written in a host list or hosts file, before the shared
/// configuration is applied.
#[derive(Clone)]
pub struct HostSpec {
    /// Name or IP address literal (IPv6 without brackets).
    pub host: String,
    /// The port, when given.
    pub port: Option<u16>,
    /// A user of its own, when given (hosts file).
    pub username: Option<Vec<u8>>,
    /// A password of its own, when given (hosts file).
    pub password: Option<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for HostSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSpec")
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "username",
                &self.username.as_deref().map(String::from_utf8_lossy),
            )
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl HostSpec {
    /// The host with `shared` as configuration, its own user and password
    /// (if any) replacing the shared ones; `default_port` when none is given.
    pub fn to_host(&self, shared: &ClientConfig, default_port: u16) -> Host {
        let mut config = shared.clone();
        if let Some(u) = &self.username {
            config.username = u.clone();
        }
        if let Some(p) = &self.password {
            config.password = p.clone();
        }
        let port = self.port.unwrap_or(default_port);
        Host {
            label: label(&self.host, self.port),
            host: self.host.clone(),
            port,
            config,
        }
    }
}

/// A host list or hosts file that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses `-H`'s list: hosts separated by commas, each `HOST`,
/// `HOST:PORT` or `HOST:PORT-PORT` (one host per port), IPv6 as `[ADDR]`
/// or `[ADDR]:PORT` (a bare IPv6 address takes no port).
pub fn parse_host_list(list: &str) -> Result<Vec<HostSpec>, ParseError> {
    let mut out = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(ParseError(format!("empty host in list '{list}'")));
        }
        push_hosts(item, None, None, &mut out).map_err(ParseError)?;
    }
    Ok(out)
}

/// Parses a hosts file: one host per line, `HOST[:PORT[-PORT]] [USER
/// [PASSWORD]]` separated by blanks (a user or password of its own replaces
/// the shared one; neither may contain a blank); empty lines and lines
/// starting with `#` are skipped.
pub fn parse_hosts_file(text: &str) -> Result<Vec<HostSpec>, ParseError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let host = words.next().unwrap_or_default();
        let user = words.next().map(|u| u.as_bytes().to_vec());
        let password = words.next().map(|p| Zeroizing::new(p.as_bytes().to_vec()));
        if words.next().is_some() {
            return Err(ParseError(format!(
                "hosts file line {}: expected HOST[:PORT] [USER [PASSWORD]]",
                n + 1
            )));
        }
        push_hosts(host, user, password, &mut out)
            .map_err(|e| ParseError(format!("hosts file line {}: {e}", n + 1)))?;
    }
    Ok(out)
}

fn push_hosts(
    item: &str,
    username: Option<Vec<u8>>,
    password: Option<Zeroizing<Vec<u8>>>,
    out: &mut Vec<HostSpec>,
) -> Result<(), String> {
    let (host, ports) = split_host_port(item)?;
    let ports: Vec<Option<u16>> = match ports {
        None => vec![None],
        Some((a, b)) => (a..=b).map(Some).collect(),
    };
    for port in ports {
        out.push(HostSpec {
            host: host.to_string(),
            port,
            username: username.clone(),
            password: password.clone(),
        });
    }
    Ok(())
}

/// First and last port of a host item.
type PortRange = (u16, u16);

/// `host`, `host:p`, `host:p-q`, `[v6]`, `[v6]:p`, `[v6]:p-q`, bare `v6`.
fn split_host_port(item: &str) -> Result<(&str, Option<PortRange>), String> {
    let bad = || format!("invalid host '{item}' (expected HOST[:PORT[-PORT]])");
    let (host, rest) = if let Some(inner) = item.strip_prefix('[') {
        let (h, rest) = inner.split_once(']').ok_or_else(bad)?;
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad());
        }
        let rest = match rest {
            "" => None,
            r => Some(r.strip_prefix(':').ok_or_else(bad)?),
        };
        (h, rest)
    } else if item.parse::<IpAddr>().is_ok_and(|a| a.is_ipv6()) {
        (item, None)
    } else {
        match item.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (item, None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    let Some(rest) = rest else {
        return Ok((host, None));
    };
    let port = |s: &str| s.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad);
    let range = match rest.split_once('-') {
        Some((a, b)) => (port(a)?, port(b)?),
        None => {
            let p = port(rest)?;
            (p, p)
        }
    };
    if range.0 > range.1 {
        return Err(format!("invalid port range in '{item}'"));
    }
    Ok((host, Some(range)))
}

fn label(host: &str, port: Option<u16>) -> String {
    match port {
        None => host.to_string(),
        Some(p) if host.contains(':') => format!("[{host}]:{p}"),
        Some(p) => format!("{host}:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn run_blocking_inside_a_runtime_is_an_error_not_a_panic() {
        let hosts = vec![Host::new("127.0.0.1", 9, ClientConfig::new("u", "p"))];
        let mut called = false;
        let e = run_blocking(
            hosts,
            &Options::default(),
            ipmi_core::cmd::GetDeviceId,
            |_| called = true,
        )
        .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
        assert!(e.to_string().contains("run_async"), "{e}");
        assert!(!called, "nothing ran");
    }

    fn hosts(list: &str) -> Vec<(String, Option<u16>)> {
        parse_host_list(list)
            .unwrap()
            .into_iter()
            .map(|h| (h.host, h.port))
            .collect()
    }

    #[test]
    fn host_lists() {
        assert_eq!(
            hosts("bmc1, bmc2:6230,10.0.0.1,[::1]:624,::1,[fe80::1]"),
            vec![
                ("bmc1".into(), None),
                ("bmc2".into(), Some(6230)),
                ("10.0.0.1".into(), None),
                ("::1".into(), Some(624)),
                ("::1".into(), None),
                ("fe80::1".into(), None),
            ]
        );
        let r = hosts("127.0.0.1:7000-7002");
        assert_eq!(r.len(), 3);
        assert_eq!(r[2], ("127.0.0.1".into(), Some(7002)));
        for bad in [
            "", "a,,b", "a:", "a:0", "a:70000", "a:9-8", "[::1", "[x]:1", "a:1:2", ":5",
        ] {
            assert!(parse_host_list(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hosts_files_and_per_host_credentials() {
        let text = "# BMCs\n\nbmc1\nbmc2:6230 op\n  [::1]:7000-7001 admin s3cret  \n";
        let specs = parse_hosts_file(text).unwrap();
        assert_eq!(specs.len(), 4);
        let shared = ClientConfig::new("admin", "secret");
        let h: Vec<Host> = specs.iter().map(|s| s.to_host(&shared, 623)).collect();
        assert_eq!(
            (h[0].label.as_str(), h[0].port, &h[0].config.username[..]),
            ("bmc1", 623, &b"admin"[..])
        );
        assert_eq!(
            (h[1].label.as_str(), &h[1].config.username[..]),
            ("bmc2:6230", &b"op"[..])
        );
        assert_eq!(&h[1].config.password[..], b"secret", "shared password");
        assert_eq!((h[3].label.as_str(), h[3].port), ("[::1]:7001", 7001));
        assert_eq!(&h[3].config.password[..], b"s3cret");
        assert!(!format!("{:?}", specs[2]).contains("s3cret"));
        let e = parse_hosts_file("ok\nbmc a b c\n").unwrap_err();
        assert!(e.0.contains("line 2"), "{e}");
    }
}
