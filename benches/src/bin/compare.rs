//! The comparison runner behind `scripts/bench.sh`: ipmirs against
//! ipmitool (and FreeIPMI's ipmipower) on the same BMCs in one run, figures
//! with ratios and the goal beside each, written to `BENCHMARKS.md` with a
//! chart of the fleet sweep (`benches/fleet-sweep.svg`).
//!
//! 1. One command with a fresh session, whole processes: `ipmirs` against
//!    `ipmitool` on OpenIPMI's ipmi_sim (cipher suite 3, which both
//!    speak there): wall time, CPU (user + system, from wait4) and peak
//!    memory (ru_maxrss), medians of paired runs.
//!    1b. `ipmirs mc info` against `ipmirs raw 6 1` (the same request
//!    without the manufacturer's name from the IANA registry).
//! 2. One command in an open session through the library against a bare
//!    UDP round trip (ASF presence ping and pong) to the same responder.
//! 3. `chassis power status` on 10, 100 and 1000 virtual BMCs (`ipmirs
//!    serve` on a port range, in its own process): the fleet library
//!    (`fleet_bench`, fan-out 64) against ipmitool under `xargs -P 64` and
//!    `ipmipower` (its own fan-out, 64 by default); plus CPU per extra
//!    command in a session and resident memory per open session.
//! 4. Time to fail against a frozen BMC (ipmi_sim stopped with SIGSTOP):
//!    `ipmirs --timeout 1` against ipmitool's defaults.
//! 5. One Prometheus scrape of the sensor bed through `ipmirs exporter`
//!    against Debian's `prometheus-ipmi-exporter` (same config and
//!    collectors): wall, exporter CPU with its children, forks
//!    (`compare exporter` runs it alone).
//!
//! 5. `sdr list` on the sensor bed (ipmi_sim, 63 SDRs, a bridged
//!    satellite), fresh session: ipmirs against ipmitool and FreeIPMI's
//!    `ipmi-sensors`, each without and with its SDR cache (`-S FILE` for
//!    ipmirs and ipmitool, FreeIPMI's cache directory): wall, CPU, and
//!    round trips counted by a UDP proxy in front of the simulator.
//! 6. `sel elist` on the sensor bed's 500-entry SEL (ipmirs against
//!    ipmitool and FreeIPMI's `ipmi-sel`, cold SDR cache) and `fru print`
//!    (ipmirs against ipmitool): wall, CPU and round trips (datagrams
//!    through a counting proxy, halved). `compare sel-fru` runs it alone.
//!
//! Also reads criterion's estimates (`cargo bench -p ipmirs-benches`, run
//! first by scripts/bench.sh) for protect + unprotect and the handshake.
//! Every child runs under a time limit; the whole run takes about two
//! minutes on a 2-core machine, most of it ipmitool.

use ipmirs_test_support::ipmisim;

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ipmi_core::cmd::GetChassisStatus;
use ipmi_core::Transport;
use ipmi_lanplus::{Client, ClientConfig};

/// Runs per contender of `sdr list` on the sensor bed (scenario 5).
const SDR_RUNS: usize = 5;
/// Paired fresh-session runs per contender (scenario 1).
const FRESH_RUNS: usize = 15;
/// Interleaved pairs of `mc info` and `raw 6 1` (scenario 1b).
const MC_INFO_RUNS: usize = 21;
/// Commands timed in an open session, and bare round trips (scenario 2).
const ROUND_TRIPS: usize = 3000;
/// Fleet sizes of the sweep (scenario 3).
const SWEEP: [usize; 3] = [10, 100, 1000];
/// Runs of the fleet library per size (the median is kept).
const FLEET_RUNS: usize = 3;
/// Virtual BMCs served.
const BMCS: usize = 1000;
const USER: &str = "admin";
const PASSWORD: &str = "secret";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

// ----- running children --------------------------------------------------------

/// What a child process cost.
#[derive(Clone, Debug, Default)]
struct Run {
    wall: Duration,
    cpu: Duration,
    maxrss_kib: u64,
    code: Option<i32>,
    stdout: String,
}

/// Runs `cmd` to completion (killed after `limit`), measuring wall time
/// around spawn and wait4, and the CPU time and peak RSS wait4 reports
/// for it and the children it waited for.
fn measure(cmd: &mut Command, stdin: Option<&Path>, limit: Duration) -> Run {
    let out_path = std::env::temp_dir().join(format!("ipmirs-compare-{}.out", std::process::id()));
    let out = File::create(&out_path).expect("temp file");
    cmd.stdout(Stdio::from(out));
    if std::env::var_os("COMPARE_STDERR").is_none() {
        cmd.stderr(Stdio::null());
    }
    match stdin {
        Some(p) => cmd.stdin(Stdio::from(File::open(p).expect("stdin file"))),
        None => cmd.stdin(Stdio::null()),
    };
    let t0 = Instant::now();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot run {cmd:?}: {e}"),
    };
    let pid = child.id() as libc::pid_t;
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(limit).is_err() {
            // SAFETY: kill(2) of our own child, not reaped yet (the main
            // thread reaps it only after this returns or it exits).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waits for our own child; the pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break;
        }
    }
    let wall = t0.elapsed();
    let _ = done_tx.send(());
    let _ = watchdog.join();
    drop(child);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Lossy: ipmitool prints some ID strings as raw bytes (not UTF-8).
    let mut bytes = Vec::new();
    let _ = File::open(&out_path).and_then(|mut f| f.read_to_end(&mut bytes));
    let stdout = String::from_utf8_lossy(&bytes).into_owned();
    let _ = std::fs::remove_file(&out_path);
    Run {
        wall,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        maxrss_kib: ru.ru_maxrss as u64,
        code,
        stdout,
    }
}

fn median_by<T: Clone>(runs: &[T], key: impl Fn(&T) -> f64) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(key).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn tool(name: &str) -> Option<PathBuf> {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
    {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

// ----- the virtual BMCs --------------------------------------------------------

/// `ipmirs serve` on 1000 consecutive loopback ports, killed on drop.
struct Serve {
    child: std::process::Child,
    base: u16,
}

impl Serve {
    fn start(ipmirs: &Path) -> Serve {
        for attempt in 0..10u16 {
            let base = 22_000 + attempt * 1_100;
            // Free? Bind every port once (and let go) before asking serve to.
            let probe: Result<Vec<UdpSocket>, _> = (0..BMCS as u16)
                .map(|i| UdpSocket::bind(("127.0.0.1", base + i)))
                .collect();
            if probe.is_err() {
                continue;
            }
            drop(probe);
            let child = Command::new(ipmirs)
                .args(["serve", "--listen"])
                .arg(format!("127.0.0.1:{base}-{}", base + BMCS as u16 - 1))
                .args(["--user", &format!("{USER}:{PASSWORD}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("ipmirs serve");
            let serve = Serve { child, base };
            if ping(serve.addr(0)) && ping(serve.addr(BMCS - 1)) {
                return serve;
            }
        }
        panic!("ipmirs serve did not come up on any of 10 port ranges");
    }

    fn addr(&self, i: usize) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.base + i as u16))
    }

    fn range(&self, n: usize) -> String {
        format!("127.0.0.1:{}-{}", self.base, self.base + n as u16 - 1)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: kill(2) of our own child, not reaped yet.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

const ASF_PING: [u8; 12] = [
    0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x01, 0x00, 0x00,
];

/// Waits (at most 5 s) until `addr` answers an ASF presence ping.
fn ping(addr: SocketAddr) -> bool {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut buf = [0u8; 64];
    for _ in 0..100 {
        let _ = sock.send_to(&ASF_PING, addr);
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            if from == addr && n >= 12 {
                return true;
            }
        }
    }
    false
}

// ----- scenarios -----------------------------------------------------------------

struct Row {
    what: String,
    ipmirs: String,
    other: String,
    ratio: String,
    goal: String,
    met: Option<bool>,
}

fn row(
    what: &str,
    ipmirs: String,
    other: String,
    ratio: String,
    goal: &str,
    met: Option<bool>,
) -> Row {
    Row {
        what: what.into(),
        ipmirs,
        other,
        ratio,
        goal: goal.into(),
        met,
    }
}

fn ipmirs_cmd(ipmirs: &Path, port: u16, suite: u8, extra: &[&str]) -> Command {
    ipmirs_command(ipmirs, port, suite, extra, &["chassis", "power", "status"])
}

fn ipmirs_command(
    ipmirs: &Path,
    port: u16,
    suite: u8,
    extra: &[&str],
    command: &[&str],
) -> Command {
    let mut c = Command::new(ipmirs);
    c.env("IPMI_PASSWORD", PASSWORD)
        .args([
            "-I",
            "lanplus",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            USER,
        ])
        .args(["-C", &suite.to_string()])
        .args(extra)
        .args(command);
    c
}

fn ipmitool_cmd(port: u16, suite: u8) -> Command {
    ipmitool_command(port, suite, &["chassis", "power", "status"])
}

fn ipmitool_command(port: u16, suite: u8, command: &[&str]) -> Command {
    let mut c = Command::new("ipmitool");
    c.env("IPMI_PASSWORD", PASSWORD)
        .args([
            "-I",
            "lanplus",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            USER,
            "-E",
        ])
        .args(["-C", &suite.to_string()])
        .args(command);
    c
}

/// Scenario 1: whole processes, fresh session, on ipmi_sim.
fn fresh_session(
    ipmirs: &Path,
    sim: &ipmisim::IpmiSim,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) {
    let port = sim.port();
    let (ours, theirs) = interleaved(
        FRESH_RUNS,
        || ipmirs_cmd(ipmirs, port, 3, &[]),
        || ipmitool_cmd(port, 3),
    );
    for (a, b) in ours.iter().zip(&theirs) {
        for (who, r) in [("ipmirs", a), ("ipmitool", b)] {
            assert!(
                r.code == Some(0) && r.stdout == "Chassis Power is off\n",
                "{who} on ipmi_sim: {r:?}"
            );
        }
    }
    let wall = |v: &[Run]| median_by(v, |r| ms(r.wall));
    let cpu = |v: &[Run]| median_by(v, |r| ms(r.cpu));
    let rss = |v: &[Run]| median_by(v, |r| r.maxrss_kib as f64) / 1024.0;
    let (w1, w2) = (wall(&ours), wall(&theirs));
    rows.push(row(
        "1. one command, fresh session (ipmi_sim, suite 3): wall",
        format!("{w1:.2} ms"),
        format!("{w2:.2} ms"),
        format!("{:.1}x faster", w2 / w1),
        ">= 5x faster",
        Some(w2 / w1 >= 5.0),
    ));
    let (c1, c2) = (cpu(&ours), cpu(&theirs));
    rows.push(row(
        "1. same: CPU (user+sys)",
        format!("{c1:.2} ms"),
        format!("{c2:.2} ms"),
        format!("{:.1}x less", c2 / c1.max(0.001)),
        "-",
        None,
    ));
    let (m1, m2) = (rss(&ours), rss(&theirs));
    rows.push(row(
        "1. same: peak memory (ru_maxrss)",
        format!("{m1:.2} MiB"),
        format!("{m2:.2} MiB"),
        format!("{:.1}x less", m2 / m1),
        "ipmirs <= 4 MiB",
        Some(m1 <= 4.0),
    ));
    notes.push(format!(
        "Scenario 1: {FRESH_RUNS} paired runs (after one warm-up pair), medians; \
         `ipmirs -I lanplus -H 127.0.0.1 -p PORT -U admin -C 3 chassis power status` \
         and the same ipmitool command line with `-E`, password from `IPMI_PASSWORD`."
    ));
}

/// `runs` interleaved pairs of two commands (after one warm-up pair, which
/// fills the page cache and wakes the simulator), each under a 15 s limit.
fn interleaved(
    runs: usize,
    a: impl Fn() -> Command,
    b: impl Fn() -> Command,
) -> (Vec<Run>, Vec<Run>) {
    let limit = Duration::from_secs(15);
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for i in 0..runs + 1 {
        let x = measure(&mut a(), None, limit);
        let y = measure(&mut b(), None, limit);
        if i > 0 {
            first.push(x);
            second.push(y);
        }
    }
    (first, second)
}

/// Scenario 1b (issue 10.6): `ipmirs mc info`, which also names the
/// manufacturer from the IANA registry, against `ipmirs raw 6 1`, the same
/// Get Device ID without names: interleaved runs, medians of the wall time.
fn mc_info_cost(
    ipmirs: &Path,
    sim: &ipmisim::IpmiSim,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) {
    let port = sim.port();
    let (info, raw) = interleaved(
        MC_INFO_RUNS,
        || ipmirs_command(ipmirs, port, 3, &[], &["mc", "info"]),
        || ipmirs_command(ipmirs, port, 3, &[], &["raw", "6", "1"]),
    );
    for (a, b) in info.iter().zip(&raw) {
        assert!(
            a.code == Some(0) && a.stdout.contains("Manufacturer Name         : MontaVista"),
            "mc info on ipmi_sim: {a:?}"
        );
        assert!(b.code == Some(0), "raw 6 1 on ipmi_sim: {b:?}");
    }
    let (w1, w2) = (
        median_by(&info, |r| ms(r.wall)),
        median_by(&raw, |r| ms(r.wall)),
    );
    rows.push(row(
        "1b. ipmirs mc info vs ipmirs raw 6 1 (ipmi_sim, suite 3): wall",
        format!("{w1:.2} ms"),
        format!("{w2:.2} ms"),
        format!("{:+.2} ms", w1 - w2),
        "<= +0.5 ms",
        Some(w1 - w2 <= 0.5),
    ));
    // CPU (user + system) is less sensitive to a loaded machine than wall time.
    let (c1, c2) = (
        median_by(&info, |r| ms(r.cpu)),
        median_by(&raw, |r| ms(r.cpu)),
    );
    rows.push(row(
        "1b. same: CPU (user+sys)",
        format!("{c1:.2} ms"),
        format!("{c2:.2} ms"),
        format!("{:+.2} ms", c1 - c2),
        "-",
        None,
    ));
    notes.push(format!(
        "Scenario 1b: {MC_INFO_RUNS} interleaved pairs (after one warm-up pair), medians; \
         `mc info` reads the manufacturer's name from /usr/share/misc/enterprise-numbers.txt \
         (a bisection of the sorted file), `raw 6 1` is the same request printed as hex."
    ));
}

/// One `sdr list` contender of scenario 5: a name and its command line.
struct SdrContender {
    name: &'static str,
    cmd: Command,
}

/// Scenario 5: `sdr list` on the sensor bed through a counting proxy,
/// without and with an SDR cache. Returns the rows' figures for the notes.
fn sdr_list(ipmirs: &Path, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    use ipmirs_test_support::proxy::{Faults, Proxy};
    let sim = ipmisim::IpmiSim::start_sensor_bed();
    let proxy = Proxy::start(
        SocketAddr::from(([127, 0, 0, 1], sim.port())),
        Faults::none(),
        1,
    );
    let port = proxy.addr().port();
    let dir = std::env::temp_dir().join(format!("ipmirs-compare-sdr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let dump = dir.join("bed.sdr");
    let dump_s = dump.to_str().expect("utf-8 path").to_string();
    let cache_dir = format!("--sdr-cache-directory={}", dir.display());
    let made = measure(
        &mut ipmirs_command(ipmirs, port, 3, &[], &["sdr", "dump", &dump_s]),
        None,
        Duration::from_secs(30),
    );
    assert_eq!(made.code, Some(0), "ipmirs sdr dump: {made:?}");
    let ipmitool = |extra: &[&str]| {
        let mut c = Command::new("ipmitool");
        c.env("IPMI_PASSWORD", PASSWORD)
            .args(["-I", "lanplus", "-H", "127.0.0.1", "-p", &port.to_string()])
            .args(["-U", USER, "-E", "-C", "3"])
            .args(extra)
            .args(["sdr", "list"]);
        c
    };
    let sensors = |extra: &[&str]| {
        let mut c = freeipmi_command("ipmi-sensors", port);
        c.args([cache_dir.as_str(), "--quiet-cache", "--bridge-sensors"])
            .args(extra);
        c
    };
    let mut contenders = vec![
        SdrContender {
            name: "ipmirs",
            cmd: ipmirs_command(ipmirs, port, 3, &[], &["sdr", "list"]),
        },
        SdrContender {
            name: "ipmirs -S FILE",
            cmd: ipmirs_command(ipmirs, port, 3, &["-S", &dump_s], &["sdr", "list"]),
        },
        SdrContender {
            name: "ipmitool",
            cmd: ipmitool(&[]),
        },
        SdrContender {
            name: "ipmitool -S FILE",
            cmd: ipmitool(&["-S", &dump_s]),
        },
    ];
    if tool("ipmi-sensors").is_some() {
        contenders.push(SdrContender {
            name: "ipmi-sensors --sdr-cache-recreate",
            cmd: sensors(&["--sdr-cache-recreate"]),
        });
        contenders.push(SdrContender {
            name: "ipmi-sensors (cache)",
            cmd: sensors(&[]),
        });
    }
    let mut figures = Vec::new();
    for c in &mut contenders {
        let mut runs = Vec::new();
        let before = proxy.stats().received;
        for _ in 0..SDR_RUNS {
            runs.push(measure(&mut c.cmd, None, Duration::from_secs(60)));
        }
        let datagrams = proxy.stats().received - before;
        // ipmirs exits 1 on the bed: three sensors cannot be read.
        assert!(
            runs.iter().all(|r| r.stdout.contains("CPU1 Temp")),
            "{}: {:?}",
            c.name,
            runs[0]
        );
        figures.push((
            c.name,
            median_by(&runs, |r| ms(r.wall)),
            median_by(&runs, |r| ms(r.cpu)),
            datagrams as f64 / 2.0 / SDR_RUNS as f64,
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let find = |n: &str| figures.iter().find(|f| f.0 == n).copied();
    let pairs = [
        (
            "no cache",
            "ipmirs",
            "ipmitool",
            "ipmi-sensors --sdr-cache-recreate",
        ),
        (
            "cache",
            "ipmirs -S FILE",
            "ipmitool -S FILE",
            "ipmi-sensors (cache)",
        ),
    ];
    for (label, a, b, freeipmi) in pairs {
        let (Some(x), Some(y)) = (find(a), find(b)) else {
            continue;
        };
        rows.push(row(
            &format!("5. sdr list, sensor bed, {label}: wall ({a} vs {b})"),
            format!("{:.1} ms", x.1),
            format!("{:.1} ms", y.1),
            format!("{:.1}x faster", y.1 / x.1),
            if label == "no cache" {
                ">= 5x faster"
            } else {
                "-"
            },
            (label == "no cache").then_some(y.1 / x.1 >= 5.0),
        ));
        rows.push(row(
            &format!("5. same ({label}): CPU (user+sys)"),
            format!("{:.1} ms", x.2),
            format!("{:.1} ms", y.2),
            format!("{:.1}x less", y.2 / x.2.max(0.001)),
            "-",
            None,
        ));
        rows.push(row(
            &format!("5. same ({label}): round trips"),
            format!("{:.0}", x.3),
            format!("{:.0}", y.3),
            format!("{:.0} fewer", y.3 - x.3),
            "fewer than both peers",
            Some(x.3 < y.3 && find(freeipmi).map_or(true, |z| x.3 < z.3)),
        ));
    }
    let mut all = String::new();
    for f in &figures {
        let _ = write!(
            all,
            "{}: {:.1} ms wall, {:.1} ms CPU, {:.0} round trips; ",
            f.0, f.1, f.2, f.3
        );
    }
    notes.push(format!(
        "Scenario 5: `sdr list` on the sensor bed (test-support/beds/sensors, ipmi_sim), \
         {SDR_RUNS} runs each, medians; round trips are datagrams through a counting UDP proxy \
         / 2 per run, session setup and close included. With cache: `-S FILE` written by \
         `ipmirs sdr dump` (readings still come from the BMC), FreeIPMI's cache directory \
         filled by the run before. ipmirs's round trips without cache: the session (about \
         6 with Close Session), Get SDR Repository Info and Reserve SDR Repository (1 each), \
         111 Get SDR for the 63 records (ipmi_sim serves at most 32 bytes per read, so a full \
         sensor record takes two; one 0xCA answers the first whole-record read, then the \
         chunk stays 32), 44 Get Sensor Reading and one Get Sensor Reading Factors; with \
         `-S` the walk is gone. {all}"
    ));
}

/// Scenario 2: a command in an open session against a bare round trip.
fn open_session(serve: &Serve, rows: &mut Vec<Row>) -> f64 {
    let addr = serve.addr(0);
    let config = ClientConfig::new(USER, PASSWORD).cipher_suite(17);
    let mut client = Client::connect(addr, config).expect("session with ipmirs serve");
    for _ in 0..200 {
        client.execute(&GetChassisStatus).expect("warm-up");
    }
    let cpu0 = thread_cpu();
    let mut lib: Vec<f64> = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let t = Instant::now();
        client.execute(&GetChassisStatus).expect("command");
        lib.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let cpu_per_command = (thread_cpu() - cpu0).as_secs_f64() * 1e6 / ROUND_TRIPS as f64;
    client.close().expect("close");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut buf = [0u8; 64];
    let mut bare: Vec<f64> = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS + 200 {
        let t = Instant::now();
        sock.send(&ASF_PING).unwrap();
        let n = sock.recv(&mut buf).expect("pong");
        assert!(n >= 12);
        if i >= 200 {
            bare.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let (l, b) = (median_by(&lib, |x| *x), median_by(&bare, |x| *x));
    rows.push(row(
        "2. command in an open session (library) vs bare UDP round trip",
        format!("{l:.1} us"),
        format!("{b:.1} us (ASF ping/pong)"),
        format!("{:.2}x the round trip", l / b),
        "<= 1.5x",
        Some(l / b <= 1.5),
    ));
    rows.push(row(
        "2. same: client CPU per command",
        format!("{cpu_per_command:.1} us"),
        "-".into(),
        "-".into(),
        "-",
        None,
    ));
    cpu_per_command
}

/// Scrapes per exporter in scenario 5 (the first, which walks the SDR, is timed apart).
const SCRAPES: usize = 7;

/// A long-running exporter process, killed on drop.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU of `pid` itself and of its reaped children (the forked FreeIPMI
/// programs), from /proc/PID/stat fields 14-17, in clock ticks.
fn proc_cpu(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|w| w.parse().unwrap_or(0.0))
        .collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(f64::NAN);
    // After the command name: field 3 is index 0, so utime (14) is 11.
    (at(11) + at(12), at(13) + at(14))
}

/// Processes created on the machine so far (/proc/stat `processes`).
fn forks_so_far() -> f64 {
    std::fs::read_to_string("/proc/stat")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("processes "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// Scenario 5: one scrape of the sensor bed (collectors ipmi, sel, bmc,
/// chassis, dcmi) through `ipmirs exporter` and Debian's
/// `prometheus-ipmi-exporter` (FreeIPMI mode): wall per scrape (curl),
/// exporter CPU (its own and its children's) and processes forked.
fn exporter_scrape(ipmirs: &Path, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let sim = ipmisim::IpmiSim::start_sensor_bed();
    let config = std::env::temp_dir().join(format!("ipmirs-compare-{}.yml", std::process::id()));
    std::fs::write(
        &config,
        "modules:\n  default:\n    user: admin\n    pass: secret\n    privilege: admin\n    \
         driver: LAN_2_0\n    workaround_flags: [opensesspriv]\n    \
         collectors: [ipmi, sel, bmc, chassis, dcmi]\n    exclude_sensor_ids: [13, 18, 20, 37]\n",
    )
    .unwrap();
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let start = |program: &Path, args: Vec<String>| -> (Daemon, u16) {
        let port = free_port();
        let mut cmd = Command::new(program);
        cmd.args(args.iter().map(|a| a.replace("@PORT@", &port.to_string())))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let d = Daemon(cmd.spawn().expect("start the exporter"));
        let end = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "{program:?} does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        (d, port)
    };
    let config_arg = format!("--config.file={}", config.display());
    let listen_arg = "--web.listen-address=127.0.0.1:@PORT@".to_string();
    let go_path = tool("prometheus-ipmi-exporter").expect("prometheus-ipmi-exporter installed");
    let contenders = [
        (
            "ipmirs exporter",
            start(
                ipmirs,
                vec!["exporter".into(), config_arg.clone(), listen_arg.clone()],
            ),
        ),
        (
            "prometheus-ipmi-exporter",
            start(&go_path, vec![config_arg.clone(), listen_arg.clone()]),
        ),
    ];
    let tick = 100.0; // USER_HZ on Linux
    let mut figures = Vec::new();
    for (name, (daemon, port)) in &contenders {
        let url = format!(
            "http://127.0.0.1:{port}/ipmi?target=127.0.0.1:{}",
            sim.port()
        );
        let scrape = || {
            let r = measure(
                Command::new("curl").args([
                    "-sf",
                    "-H",
                    "X-Prometheus-Scrape-Timeout-Seconds: 30",
                    &url,
                ]),
                None,
                Duration::from_secs(60),
            );
            assert!(
                r.code == Some(0) && r.stdout.contains("ipmi_up{collector=\"ipmi\"} 1"),
                "{name}: {}",
                r.stdout
            );
            r.wall
        };
        let first = scrape();
        let pid = daemon.0.id();
        let (own0, kids0) = proc_cpu(pid);
        let forks0 = forks_so_far();
        let walls: Vec<f64> = (0..SCRAPES).map(|_| ms(scrape())).collect();
        let forks = (forks_so_far() - forks0) / SCRAPES as f64 - 1.0; // minus curl
        let (own1, kids1) = proc_cpu(pid);
        let per = |ticks: f64| ticks / tick * 1000.0 / SCRAPES as f64;
        let cpu_ms = per((own1 - own0) + (kids1 - kids0));
        let kids_ms = per(kids1 - kids0);
        figures.push((
            *name,
            ms(first),
            median_by(&walls, |x| *x),
            cpu_ms,
            forks,
            kids_ms,
        ));
    }
    let (o, g) = (figures[0], figures[1]);
    rows.push(row(
        "5. exporter scrape (sensor bed: ipmi, sel, bmc, chassis, dcmi), wall, warm",
        format!("{:.1} ms", o.2),
        format!("{:.1} ms", g.2),
        format!("{:.1}x faster", g.2 / o.2),
        ">= 10x",
        Some(g.2 / o.2 >= 10.0),
    ));
    rows.push(row(
        "5. same, first scrape (ipmirs walks the SDR, FreeIPMI recreates its cache every time)",
        format!("{:.1} ms", o.1),
        format!("{:.1} ms", g.1),
        format!("{:.1}x faster", g.1 / o.1),
        "-",
        None,
    ));
    rows.push(row(
        "5. same, exporter CPU per scrape (own + children)",
        format!("{:.1} ms (children {:.1})", o.3, o.5),
        format!("{:.1} ms (children {:.1})", g.3, g.5),
        format!("{:.1}x less", g.3 / o.3.max(1000.0 / tick / SCRAPES as f64)),
        ">= 20x",
        Some(g.3 >= 20.0 * o.3),
    ));
    rows.push(row(
        "5. same, processes started per scrape, machine-wide (other load adds to both)",
        format!("{:.1}", o.4.max(0.0)),
        format!("{:.1}", g.4),
        "-".into(),
        "0 (ipmirs: no child CPU above)",
        None,
    ));
    notes.push(format!(
        "Scenario 5: both exporters as daemons with one config on the sensor bed (ipmi_sim, 59 \
         sensors after the four the Go exporter cannot name); {SCRAPES} scrapes each with curl after \
         a first one; CPU from /proc/PID/stat (utime + stime + reaped children's, 10 ms ticks: \
         an ipmirs figure of 0 means under one tick over all scrapes); forks from /proc/stat's \
         machine-wide `processes` counter minus curl (other load on the machine can add to it)."
    ));
    let _ = std::fs::remove_file(&config);
}

fn thread_cpu() -> Duration {
    // SAFETY: an all-zero rusage is valid; getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn kv(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The fleet sweep: (hosts, seconds) per contender.
struct Sweep {
    name: &'static str,
    color: &'static str,
    points: Vec<(usize, f64)>,
}

/// Scenario 3: 10, 100, 1000 BMCs.
fn fleet(
    fleet_bench: &Path,
    serve: &Serve,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> Vec<Sweep> {
    let bench = |n: usize, extra: &[&str]| -> Run {
        let r = measure(
            Command::new(fleet_bench)
                .args([
                    "--hosts",
                    &serve.range(n),
                    "--fanout",
                    "64",
                    "--timeout",
                    "10",
                ])
                .args(extra),
            None,
            Duration::from_secs(60),
        );
        assert!(
            r.code == Some(0) && kv(&r.stdout, "ok") == n as f64,
            "fleet_bench on {n} BMCs: {r:?}"
        );
        r
    };
    let ports_file =
        std::env::temp_dir().join(format!("ipmirs-compare-{}.ports", std::process::id()));
    let mut ours = Sweep {
        name: "ipmirs (fleet library, fan-out 64)",
        color: "#d62728",
        points: vec![],
    };
    let mut xargs = Sweep {
        name: "ipmitool under xargs -P 64",
        color: "#1f77b4",
        points: vec![],
    };
    let mut power = Sweep {
        name: "ipmipower (FreeIPMI, fan-out 64)",
        color: "#2ca02c",
        points: vec![],
    };
    let ipmipower = tool("ipmipower");
    let mut at_1000 = (Run::default(), Run::default(), None::<Run>);
    for n in SWEEP {
        let runs: Vec<Run> = (0..FLEET_RUNS).map(|_| bench(n, &[])).collect();
        let wall = median_by(&runs, |r| r.wall.as_secs_f64());
        ours.points.push((n, wall));
        let ports: String = (0..n)
            .map(|i| format!("{}\n", serve.base + i as u16))
            .collect();
        std::fs::write(&ports_file, ports).unwrap();
        let x = measure(
            Command::new("xargs")
                .env("IPMI_PASSWORD", PASSWORD)
                .args([
                    "-P",
                    "64",
                    "-I",
                    "{}",
                    "ipmitool",
                    "-I",
                    "lanplus",
                    "-H",
                    "127.0.0.1",
                ])
                .args([
                    "-p", "{}", "-U", USER, "-E", "-C", "17", "chassis", "power", "status",
                ]),
            Some(&ports_file),
            Duration::from_secs(120),
        );
        let ok = x.stdout.matches("Chassis Power is off").count();
        assert_eq!(ok, n, "ipmitool under xargs on {n} BMCs: {:?}", x.code);
        xargs.points.push((n, x.wall.as_secs_f64()));
        let mut p_run = None;
        if let Some(ipmipower) = &ipmipower {
            let hosts: Vec<String> = (0..n).map(|i| serve.addr(i).to_string()).collect();
            let p = measure(
                Command::new(ipmipower)
                    .args(["-h", &hosts.join(","), "-u", USER, "-p", PASSWORD])
                    .args(["-D", "LAN_2_0", "-I", "17", "--stat"]),
                None,
                Duration::from_secs(120),
            );
            let ok = p.stdout.matches(": off").count();
            if p.code == Some(0) && ok == n {
                power.points.push((n, p.wall.as_secs_f64()));
                p_run = Some(p);
            } else {
                notes.push(format!(
                    "ipmipower on {n} BMCs: exit {:?}, {ok} answers",
                    p.code
                ));
            }
        }
        if n == 1000 {
            let best = runs
                .iter()
                .min_by(|a, b| {
                    (a.wall.as_secs_f64() - wall)
                        .abs()
                        .total_cmp(&(b.wall.as_secs_f64() - wall).abs())
                })
                .unwrap()
                .clone();
            at_1000 = (best, x, p_run);
        }
    }
    let _ = std::fs::remove_file(&ports_file);
    let (ours_run, x_run, p_run) = at_1000;
    let w = ours_run.wall.as_secs_f64();
    rows.push(row(
        "3. chassis power status on 1000 BMCs: wall",
        format!("{:.3} s", w),
        format!("{:.2} s (ipmitool, xargs -P 64)", x_run.wall.as_secs_f64()),
        format!("{:.0}x faster", x_run.wall.as_secs_f64() / w),
        ">= 20x faster",
        Some(x_run.wall.as_secs_f64() / w >= 20.0),
    ));
    if let Some(p) = &p_run {
        rows.push(row(
            "3. same, against ipmipower: wall",
            format!("{:.3} s", w),
            format!("{:.3} s (ipmipower)", p.wall.as_secs_f64()),
            format!("{:.1}x faster", p.wall.as_secs_f64() / w),
            "-",
            None,
        ));
    }
    rows.push(row(
        "3. same: CPU for 1000 hosts (client side)",
        format!("{:.0} ms", ms(ours_run.cpu)),
        format!(
            "{:.0} ms (ipmitool){}",
            ms(x_run.cpu),
            p_run
                .as_ref()
                .map(|p| format!(", {:.0} ms (ipmipower)", ms(p.cpu)))
                .unwrap_or_default()
        ),
        format!(
            "{:.0}x less than ipmitool",
            ms(x_run.cpu) / ms(ours_run.cpu)
        ),
        "-",
        None,
    ));
    rows.push(row(
        "3. same: peak memory of the client process",
        format!("{:.1} MiB", ours_run.maxrss_kib as f64 / 1024.0),
        format!(
            "{:.1} MiB per ipmitool{}",
            x_run.maxrss_kib as f64 / 1024.0,
            p_run
                .as_ref()
                .map(|p| format!(", {:.1} MiB (ipmipower)", p.maxrss_kib as f64 / 1024.0))
                .unwrap_or_default()
        ),
        "-".into(),
        "-",
        None,
    ));
    // CPU per command beyond the handshake: 11 commands per session against 1.
    let one: Vec<Run> = (0..FLEET_RUNS).map(|_| bench(1000, &[])).collect();
    let eleven: Vec<Run> = (0..FLEET_RUNS)
        .map(|_| bench(1000, &["--commands", "11"]))
        .collect();
    let c1 = median_by(&one, |r| r.cpu.as_secs_f64());
    let c11 = median_by(&eleven, |r| r.cpu.as_secs_f64());
    let per_command = (c11 - c1) / (10.0 * 1000.0) * 1e6;
    let per_host = c1 / 1000.0 * 1e6;
    rows.push(row(
        "3. client CPU per command beyond the handshake (fleet)",
        format!("{per_command:.1} us"),
        format!("(whole host: session + command + close: {per_host:.0} us)"),
        "-".into(),
        "<= 20 us",
        Some(per_command <= 20.0),
    ));
    // Resident memory per open session: all 1000 open at once.
    let held = measure(
        Command::new(fleet_bench).args([
            "--hosts",
            &serve.range(BMCS),
            "--hold",
            "--timeout",
            "20",
        ]),
        None,
        Duration::from_secs(60),
    );
    let per_session = kv(&held.stdout, "bytes_per_session");
    rows.push(row(
        "3. resident memory per open session (1000 held at once)",
        format!("{:.1} KiB", per_session / 1024.0),
        format!(
            "(RSS {:.1} MiB before, {:.1} MiB with 1000 open)",
            kv(&held.stdout, "rss_before_kib") / 1024.0,
            kv(&held.stdout, "rss_held_kib") / 1024.0
        ),
        "-".into(),
        "bounded",
        None,
    ));
    notes.push(format!(
        "Scenario 3: the BMCs are one `ipmirs serve --listen 127.0.0.1:{}-{} --user admin:secret` \
         process (a current-thread runtime: one core) on the same machine; cipher suite 17 for \
         every client. The ipmirs side is `fleet_bench` (benches/src/bin/fleet_bench.rs), the \
         `ipmi_lanplus::fleet` library in one process, until the `ipmirs` command line takes \
         `-H h1,h2,...`. Fleet figures are the median of {FLEET_RUNS} runs; ipmitool and \
         ipmipower run once per size. CPU per command = (CPU with 11 commands per session - CPU \
         with 1) / 10 000.",
        serve.base,
        serve.base + BMCS as u16 - 1
    ));
    let mut sweeps = vec![ours, xargs];
    if !power.points.is_empty() {
        sweeps.push(power);
    }
    sweeps
}

/// Scenario 4: a frozen BMC.
fn frozen(ipmirs: &Path, sim: &ipmisim::IpmiSim, rows: &mut Vec<Row>) {
    sim.freeze();
    let port = sim.port();
    let ours: Vec<Run> = (0..3)
        .map(|_| {
            let r = measure(
                &mut ipmirs_cmd(ipmirs, port, 3, &["--timeout", "1"]),
                None,
                Duration::from_secs(10),
            );
            assert_eq!(r.code, Some(3), "ipmirs on a frozen BMC: {r:?}");
            r
        })
        .collect();
    let theirs = measure(&mut ipmitool_cmd(port, 3), None, Duration::from_secs(60));
    sim.thaw();
    let w = median_by(&ours, |r| r.wall.as_secs_f64());
    let over = (w - 1.0) * 1e3;
    rows.push(row(
        "4. time to fail, frozen BMC (ipmirs --timeout 1; ipmitool defaults)",
        format!("{w:.3} s (deadline + {over:.0} ms, exit 3)"),
        format!(
            "{:.1} s (exit {})",
            theirs.wall.as_secs_f64(),
            theirs.code.map_or("killed".into(), |c| c.to_string())
        ),
        format!("{:.0}x sooner", theirs.wall.as_secs_f64() / w),
        "deadline + <= 50 ms",
        Some(over <= 50.0),
    ));
}

/// A FreeIPMI tool logged in as admin over RMCP+ to 127.0.0.1:`port`.
fn freeipmi_command(program: &str, port: u16) -> Command {
    let mut c = Command::new(program);
    c.args([
        "-h",
        &format!("127.0.0.1:{port}"),
        "-u",
        USER,
        "-p",
        PASSWORD,
    ])
    .args(["-D", "LAN_2_0", "-l", "ADMIN", "-W", "opensesspriv"]);
    c
}

/// Runs of each contender in scenario 6 (ipmitool takes seconds each).
const SEL_RUNS: usize = 3;

/// `command` for ipmirs, ipmitool or ipmi-sel against 127.0.0.1:`port`.
fn peer_cmd(who: &str, ipmirs: &Path, port: u16, command: &[&str], cache: &Path) -> Command {
    match who {
        "ipmirs" => ipmirs_command(ipmirs, port, 3, &[], command),
        "ipmitool" => ipmitool_command(port, 3, command),
        _ => {
            let mut c = freeipmi_command("ipmi-sel", port);
            c.arg("--quiet-cache")
                .arg(format!("--sdr-cache-directory={}", cache.display()));
            c
        }
    }
}

/// An empty directory at `dir` (ipmi-sel's SDR cache: cold every run).
fn fresh_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("cache directory");
}

/// Scenario 6: `sel elist` (500 entries) and `fru print` on the sensor bed.
fn sel_fru(ipmirs: &Path, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    use ipmirs_test_support::proxy::{Faults, Proxy};
    let sim = ipmisim::IpmiSim::start_sensor_bed();
    let cache = std::env::temp_dir().join(format!("ipmirs-compare-sdr-{}", std::process::id()));
    let freeipmi = tool("ipmi-sel").is_some();
    for (label, command, peers) in [
        (
            "6. sel elist, 500 entries",
            &["sel", "elist"][..],
            &["ipmirs", "ipmitool", "ipmi-sel"][..],
        ),
        (
            "6b. fru print, 6 FRU devices (2 bridged)",
            &["fru", "print"][..],
            &["ipmirs", "ipmitool"][..],
        ),
    ] {
        let mut figures = Vec::new();
        for &who in peers {
            if who == "ipmi-sel" && !freeipmi {
                continue;
            }
            let runs: Vec<Run> = (0..SEL_RUNS)
                .map(|_| {
                    fresh_dir(&cache);
                    measure(
                        &mut peer_cmd(who, ipmirs, sim.port(), command, &cache),
                        None,
                        Duration::from_secs(300),
                    )
                })
                .collect();
            // Round trips: one more run through a counting proxy.
            fresh_dir(&cache);
            let proxy = Proxy::start(sim.addr(), Faults::none(), 1);
            let counted = measure(
                &mut peer_cmd(who, ipmirs, proxy.addr().port(), command, &cache),
                None,
                Duration::from_secs(300),
            );
            let trips = proxy.stats().received / 2;
            drop(proxy);
            let lines = runs[0].stdout.lines().count();
            assert_eq!(
                lines,
                counted.stdout.lines().count(),
                "{who}: the proxied run printed otherwise"
            );
            let wall = median_by(&runs, |r| r.wall.as_secs_f64());
            let cpu = median_by(&runs, |r| r.cpu.as_secs_f64());
            figures.push((who, wall, cpu, trips, lines, runs[0].code));
        }
        let _ = std::fs::remove_dir_all(&cache);
        let text = |f: &(&str, f64, f64, u64, usize, Option<i32>)| {
            format!(
                "{}: {:.0} ms wall, {:.0} ms CPU, {} round trips",
                f.0,
                f.1 * 1e3,
                f.2 * 1e3,
                f.3
            )
        };
        let ours = &figures[0];
        let best = figures[1..]
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("a peer");
        let others: Vec<String> = figures[1..].iter().map(text).collect();
        let goal = if command[0] == "sel" {
            ">= 5x faster than the faster peer"
        } else {
            "faster than ipmitool"
        };
        let met = if command[0] == "sel" {
            best.1 / ours.1 >= 5.0
        } else {
            best.1 > ours.1
        };
        rows.push(row(
            label,
            text(ours),
            others.join("; "),
            format!("{:.1}x faster than {}", best.1 / ours.1, best.0),
            goal,
            Some(met),
        ));
        for f in &figures {
            notes.push(format!(
                "{label}: {} printed {} lines (exit {:?}) over {} round trips",
                f.0, f.4, f.5, f.3
            ));
        }
    }
}

/// Criterion's median estimate of `group/name` in ns, if it was run.
fn criterion_ns(group: &str, name: &str) -> Option<f64> {
    let path = root()
        .join("target/criterion")
        .join(group)
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let median = &text[text.find("\"median\"")?..];
    let at = median.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let rest = &median[at..];
    let end = rest.find([',', '}'])?;
    rest[..end].trim().parse().ok()
}

fn criterion_rows(rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    for suite in [3, 17] {
        let p = criterion_ns("packet", &format!("protect_64B_suite{suite}"));
        let u = criterion_ns("packet", &format!("unprotect_64B_suite{suite}"));
        match (p, u) {
            (Some(p), Some(u)) => rows.push(row(
                &format!("criterion: protect + unprotect, 64-byte payload, suite {suite}"),
                format!("{:.0} ns ({p:.0} + {u:.0})", p + u),
                "-".into(),
                "-".into(),
                "<= 1 us",
                Some(p + u <= 1000.0),
            )),
            _ => notes.push(format!("criterion packet suite {suite}: not run")),
        }
        if let Some(h) = criterion_ns("handshake", &format!("open_and_close_suite{suite}")) {
            rows.push(row(
                &format!("criterion: whole handshake + close in memory, both ends, suite {suite}"),
                format!("{:.1} us", h / 1e3),
                "-".into(),
                "-".into(),
                "-",
                None,
            ));
        }
        if let Some(c) = criterion_ns("handshake", &format!("command_in_session_suite{suite}")) {
            rows.push(row(
                &format!(
                    "criterion: Get Device ID in a session in memory, both ends, suite {suite}"
                ),
                format!("{:.2} us", c / 1e3),
                "-".into(),
                "-".into(),
                "-",
                None,
            ));
        }
    }
    let enc = criterion_ns("command", "get_device_id_request_frame");
    let dec = criterion_ns("command", "get_device_id_response_decode");
    if let (Some(e), Some(d)) = (enc, dec) {
        rows.push(row(
            "criterion: Get Device ID request framing / response decoding",
            format!("{e:.0} ns / {d:.0} ns"),
            "-".into(),
            "-".into(),
            "-",
            None,
        ));
    }
}

// ----- report ----------------------------------------------------------------------

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let ipmitool = first_line("ipmitool", &["-V"]);
    let openipmi = first_line("dpkg-query", &["-W", "-f", "${Version}\n", "openipmi"]);
    let freeipmi = tool("ipmipower")
        .map(|p| first_line(&p.to_string_lossy(), &["--version"]))
        .unwrap_or_else(|| "not installed".into());
    format!(
        "- date: {date}\n- nproc: {nproc}\n- CPU: {cpu}\n- kernel: {kernel}\n\
         - peers: {ipmitool}; OpenIPMI ipmi_sim {openipmi}; {freeipmi}\n\
         - ipmirs: release build (`cargo build --release`, thin LTO)\n"
    )
}

fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| measurement | ipmirs | other | ratio | goal | met |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {met} |",
            r.what, r.ipmirs, r.other, r.ratio, r.goal
        );
    }
    s
}

fn print_table(rows: &[Row]) {
    for r in rows {
        let met = match r.met {
            Some(true) => "  [goal met]",
            Some(false) => "  [GOAL MISSED]",
            None => "",
        };
        println!(
            "{}\n    ipmirs: {}   other: {}   ratio: {}   goal: {}{met}",
            r.what, r.ipmirs, r.other, r.ratio, r.goal
        );
    }
}

/// Completion time against number of BMCs, both axes logarithmic.
fn svg(sweeps: &[Sweep]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 400.0, 70.0, 20.0, 40.0, 60.0);
    let (x0, x1) = (10f64.log10(), 1000f64.log10());
    let all: Vec<f64> = sweeps
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .collect();
    let ymin = all.iter().cloned().fold(f64::INFINITY, f64::min).max(1e-4);
    let ymax = all.iter().cloned().fold(0.0, f64::max).max(ymin * 10.0);
    let (y0, y1) = (ymin.log10().floor(), ymax.log10().ceil());
    let px = |n: f64| left + (n.log10() - x0) / (x1 - x0) * (w - left - right);
    let py = |t: f64| h - bottom - (t.log10() - y0) / (y1 - y0) * (h - top - bottom);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">chassis power status on N virtual BMCs: completion time (log-log)</text>\n",
        w / 2.0
    );
    for e in (y0 as i32)..=(y1 as i32) {
        let t = 10f64.powi(e);
        let y = py(t);
        let label = if t >= 1.0 {
            format!("{t:.0} s")
        } else {
            format!("{:.0} ms", t * 1e3)
        };
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            w - right,
            left - 6.0,
            y + 4.0
        );
    }
    for n in SWEEP {
        let x = px(n as f64);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
            h - bottom,
            h - bottom + 18.0
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">number of BMCs</text>",
        (left + w - right) / 2.0,
        h - 20.0
    );
    for (k, sw) in sweeps.iter().enumerate() {
        let pts: Vec<String> = sw
            .points
            .iter()
            .map(|&(n, t)| format!("{:.1},{:.1}", px(n as f64), py(t)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
            sw.color,
            pts.join(" ")
        );
        for &(n, t) in &sw.points {
            let label = if t >= 1.0 {
                format!("{t:.2} s")
            } else {
                format!("{:.0} ms", t * 1e3)
            };
            // The last column's labels go left of their point, inside the chart.
            let (dx, anchor) = if n == SWEEP[SWEEP.len() - 1] {
                (-6.0, "end")
            } else {
                (6.0, "start")
            };
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\" text-anchor=\"{anchor}\">{label}</text>",
                px(n as f64),
                py(t),
                sw.color,
                px(n as f64) + dx,
                py(t) - 6.0,
                sw.color
            );
        }
        let ly = top + 10.0 + 18.0 * k as f64;
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"3\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            left + 10.0,
            ly - 4.0,
            sw.color,
            left + 28.0,
            ly,
            sw.name
        );
    }
    s.push_str("</svg>\n");
    s
}

fn main() -> ExitCode {
    let started = Instant::now();
    let root = root();
    let release = root.join("target/release");
    let ipmirs = release.join("ipmirs");
    let fleet_bench = release.join("fleet_bench");
    // `compare sel-fru`: scenario 6 alone (needs only ipmirs and the
    // peers), printed, BENCHMARKS.md untouched.
    if std::env::args().nth(1).as_deref() == Some("sel-fru") {
        let (mut rows, mut notes) = (Vec::new(), Vec::new());
        sel_fru(&ipmirs, &mut rows, &mut notes);
        print_table(&rows);
        for n in &notes {
            println!("{n}");
        }
        return ExitCode::SUCCESS;
    }
    for (p, how) in [
        (&ipmirs, "cargo build --release -p ipmi-cli"),
        (&fleet_bench, "cargo build --release -p ipmirs-benches"),
    ] {
        if !p.is_file() {
            eprintln!(
                "compare: {} missing: run {how} (scripts/bench.sh does)",
                p.display()
            );
            return ExitCode::from(2);
        }
    }
    for t in ["ipmitool", "ipmi_sim", "xargs"] {
        if tool(t).is_none() {
            eprintln!("compare: {t} not found: bash scripts/setup.sh installs the peers");
            return ExitCode::from(2);
        }
    }
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    // `compare exporter`: scenario 5 alone, printed, BENCHMARKS.md untouched.
    if std::env::args().nth(1).as_deref() == Some("exporter") {
        exporter_scrape(&ipmirs, &mut rows, &mut notes);
        print_table(&rows);
        for n in &notes {
            println!("- {n}");
        }
        return ExitCode::SUCCESS;
    }

    // `compare mc-info`: scenario 1b alone, printed, BENCHMARKS.md untouched.
    if std::env::args().nth(1).as_deref() == Some("mc-info") {
        let sim = ipmisim::IpmiSim::start();
        mc_info_cost(&ipmirs, &sim, &mut rows, &mut notes);
        print_table(&rows);
        return ExitCode::SUCCESS;
    }

    // `compare sdr-list`: scenario 5 alone, printed, BENCHMARKS.md untouched.
    if std::env::args().nth(1).as_deref() == Some("sdr-list") {
        sdr_list(&ipmirs, &mut rows, &mut notes);
        print_table(&rows);
        for n in &notes {
            println!("{n}");
        }
        return ExitCode::SUCCESS;
    }

    eprintln!("compare: 1/7 fresh session on ipmi_sim ...");
    let sim = ipmisim::IpmiSim::start();
    fresh_session(&ipmirs, &sim, &mut rows, &mut notes);
    mc_info_cost(&ipmirs, &sim, &mut rows, &mut notes);
    eprintln!("compare: 2/7 open session against a bare round trip ...");
    let serve = Serve::start(&ipmirs);
    open_session(&serve, &mut rows);
    eprintln!("compare: 3/7 fleet sweep (10, 100, 1000 BMCs) ...");
    let sweeps = fleet(&fleet_bench, &serve, &mut rows, &mut notes);
    drop(serve);
    eprintln!("compare: 4/7 frozen BMC (ipmitool takes its time) ...");
    frozen(&ipmirs, &sim, &mut rows);
    drop(sim);
    eprintln!("compare: 5/7 sdr list on the sensor bed ...");
    sdr_list(&ipmirs, &mut rows, &mut notes);
    eprintln!("compare: 6/7 sel elist and fru print on the sensor bed ...");
    sel_fru(&ipmirs, &mut rows, &mut notes);
    eprintln!("compare: 7/7 exporter scrape against prometheus-ipmi-exporter ...");
    exporter_scrape(&ipmirs, &mut rows, &mut notes);
    criterion_rows(&mut rows, &mut notes);

    print_table(&rows);
    let mut sweep_table = String::from("| BMCs |");
    for sw in &sweeps {
        let _ = write!(sweep_table, " {} |", sw.name);
    }
    sweep_table.push_str("\n|---|");
    sweep_table.push_str(&"---|".repeat(sweeps.len()));
    sweep_table.push('\n');
    for (i, n) in SWEEP.iter().enumerate() {
        let _ = write!(sweep_table, "| {n} |");
        for sw in &sweeps {
            match sw.points.get(i) {
                Some((_, t)) => {
                    let _ = write!(sweep_table, " {:.3} s |", t);
                }
                None => sweep_table.push_str(" - |"),
            }
        }
        sweep_table.push('\n');
    }
    let svg_path = root.join("benches/fleet-sweep.svg");
    std::fs::write(&svg_path, svg(&sweeps)).expect("write the chart");
    let missed = rows.iter().filter(|r| r.met == Some(false)).count();
    let md = format!(
        "# Benchmarks\n\n\
         Latest figures of `scripts/bench.sh` (written by `benches/src/bin/compare.rs`; do not \
         edit by hand). Everything runs on one machine over loopback; compare the ratios, which \
         were measured in one run, rather than the absolute times.\n\n\
         ## Machine\n\n{}\n\
         ## Results\n\n{}\n\
         {} of {} goals missed. Run time of the comparison: {:.0} s.\n\n\
         ## Fleet sweep\n\n![completion time against number of BMCs](benches/fleet-sweep.svg)\n\n{}\n\
         ## How they were measured\n\n{}\n\
         - Scenario 2: {ROUND_TRIPS} Get Chassis Status in one blocking `Client` session (suite 17) \
           after 200 warm-up ones, against {ROUND_TRIPS} ASF presence pings answered by the same \
           `ipmirs serve` socket; medians of the per-call wall time. The client CPU is the \
           calling thread's (getrusage RUSAGE_THREAD) divided by the number of commands.\n\
         - Scenario 4: ipmi_sim stopped with SIGSTOP; `ipmirs --timeout 1` three times (median), \
           ipmitool once with its defaults (no `-N`/`-R`).\n\
         - Scenario 6: the sensor bed (`IpmiSim::start_sensor_bed()`), {SEL_RUNS} runs each \
           (median); round trips are the datagrams a counting proxy saw in one more run, halved. \
           Each run opens its own session (about 6 round trips). `sel elist` needs Get SEL Info, \
           one Get SEL Entry per entry (500; ipmi_sim answers whole 16-byte records) and the SDR \
           walk naming the sensors (63 records, at most 32 bytes per Get SDR: header and parts); \
           ipmi-sel starts from a cold SDR cache. The loopback simulator's per-request cost \
           dominates, so a client needing the same ~600 exchanges cannot be 5x faster than \
           another. `fru print` reads each FRU image whole (ipmirs) where ipmitool reads only the \
           areas it prints.\n\
         - Wall times are taken around spawn and wait4 of the child; CPU (user + system) and \
           peak memory (ru_maxrss) come from wait4, children the child waited for included \
           (xargs: every ipmitool; its peak memory is the largest single ipmitool's).\n\
         - criterion figures are the medians of `cargo bench -p ipmirs-benches` (packet, \
           handshake, command), run by scripts/bench.sh with short measurement times.\n",
        machine(),
        table(&rows),
        missed,
        rows.iter().filter(|r| r.met.is_some()).count(),
        started.elapsed().as_secs_f64(),
        sweep_table,
        notes.iter().map(|n| format!("- {n}\n")).collect::<String>(),
    );
    std::fs::write(root.join("BENCHMARKS.md"), md).expect("write BENCHMARKS.md");
    println!(
        "\nwrote BENCHMARKS.md and {} in {:.0} s",
        svg_path.strip_prefix(&root).unwrap_or(&svg_path).display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
