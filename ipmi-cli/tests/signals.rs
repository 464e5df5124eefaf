//! Signal hygiene (issue #6): SIGINT or SIGTERM during a `lan` command
//! still closes the RMCP+ session, within a bounded time, then the process
//! exits 130 / 143. The BMC is `ipmirs serve` (a child process, its session
//! log on standard error) behind a UDP relay that stops forwarding the
//! client's datagrams after the handshake: the request hangs, the signal
//! comes, and either the relay lets the Close Session through again (the
//! BMC logs the session closed) or it stays deaf (the Close Session
//! datagram is still sent, and the wait for its answer is bounded).

mod common;

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::relay::Relay;
use common::serve::Serve;
use common::{args, cat, ipmirs};

/// `ipmirs -H 127.0.0.1 -p PORT -U admin COMMAND...`, the password from
/// the environment (no -P warning).
fn command_line(port: u16, command: &[&str]) -> Vec<String> {
    cat(
        &args(&["-H", "127.0.0.1", "-p", &port.to_string(), "-U", "admin"]),
        command,
    )
}

/// Datagrams the client sends for a whole `mc info` (handshake, request,
/// Close Session) through a relay that forwards everything.
fn datagrams_of_mc_info(bmc: &Serve) -> usize {
    let all = Relay::start(bmc_addr(bmc), usize::MAX);
    ipmirs(
        &command_line(all.port(), &["mc", "info"]),
        &[("IPMI_PASSWORD", "admin")],
    )
    .expect_code(0);
    let total = all.datagrams_from_client();
    assert!(total >= 4, "{total} datagrams for a whole mc info");
    total
}

fn bmc_addr(bmc: &Serve) -> std::net::SocketAddr {
    ([127, 0, 0, 1], bmc.port).into()
}

/// A started `ipmirs` with its output collected.
struct Running {
    child: Child,
    out: Option<std::thread::JoinHandle<Vec<u8>>>,
    err: Option<std::thread::JoinHandle<Vec<u8>>>,
}

fn spawn(line: &[String]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipmirs"))
        .args(line)
        .env("IPMI_PASSWORD", "admin")
        .env_remove("IPMITOOL_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ipmirs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    Running {
        child,
        out: Some(std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = out.read_to_end(&mut b);
            b
        })),
        err: Some(std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = err.read_to_end(&mut b);
            b
        })),
    }
}

impl Running {
    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child, which has not been waited for.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Waits for the exit (at most `limit`); the status, the time it took,
    /// standard output and standard error.
    fn wait(mut self, limit: Duration) -> (ExitStatus, Duration, Vec<u8>, String) {
        let t0 = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if t0.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let err = self.take_err();
                panic!("ipmirs still running {limit:?} after the signal; stderr:\n{err}");
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let took = t0.elapsed();
        let out = self.out.take().unwrap().join().unwrap();
        let err = self.take_err();
        (status, took, out, err)
    }

    fn take_err(&mut self) -> String {
        String::from_utf8_lossy(&self.err.take().unwrap().join().unwrap()).into_owned()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the relay has seen more than `n` datagrams from the client.
fn wait_for_datagrams(relay: &Relay, n: usize) {
    let t0 = Instant::now();
    while relay.datagrams_from_client() <= n {
        // A watchdog against a hang, not a measurement.
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the client sent {} datagrams, expected more than {n}",
            relay.datagrams_from_client()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Session log lines of `serve` for `port` that end with `what`.
fn log_lines(bmc: &Serve, what: &str) -> usize {
    let prefix = format!("ipmirs serve: 127.0.0.1:{}: session 0x", bmc.port);
    bmc.log()
        .lines()
        .filter(|l| l.starts_with(&prefix) && l.ends_with(what))
        .count()
}

fn wait_for_log(bmc: &Serve, what: &str, count: usize) {
    let t0 = Instant::now();
    while log_lines(bmc, what) < count {
        // A watchdog against a hang, not a measurement.
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "fewer than {count} sessions `{what}` in the BMC's log:\n{}",
            bmc.log()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn sigint_mid_request_closes_the_session_then_exits_130() {
    let bmc = Serve::start(&[]);
    let total = datagrams_of_mc_info(&bmc);
    let handshake = total - 2;
    wait_for_log(&bmc, " closed", 1);

    // The BMC hears the handshake, then nothing: `mc info` hangs. -N 30: no
    // resend of the request meanwhile, and a wait that only the signal ends.
    let relay = Relay::start(bmc_addr(&bmc), handshake);
    let run = spawn(&command_line(
        relay.port(),
        &["--timeout", "60", "-N", "30", "mc", "info"],
    ));
    wait_for_datagrams(&relay, handshake);
    std::thread::sleep(Duration::from_millis(200));
    // The BMC hears again: Close Session will get through.
    let before = relay.datagrams_from_client();
    relay.set_limit(usize::MAX);
    run.signal(libc::SIGINT);
    let (status, took, out, err) = run.wait(Duration::from_secs(20));

    assert_eq!(status.code(), Some(130), "{status}: {err}");
    // Expected: a poll interval plus a loopback Close Session (well under
    // 0.1 s); without the interrupt it would wait out -N 30.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    assert_eq!(
        err,
        "ipmirs: Get Device ID command failed: interrupted by SIGINT; closing the session\n"
    );
    assert!(
        relay.datagrams_from_client() > before,
        "no Close Session after the signal"
    );
    // The BMC closed both sessions (the calibration's and this one).
    wait_for_log(&bmc, " closed", 2);
    assert_eq!(log_lines(&bmc, " closed"), 2, "{}", bmc.log());
}

#[test]
fn sigterm_with_a_deaf_bmc_still_sends_close_and_exits_143_within_a_second() {
    let bmc = Serve::start(&[]);
    let handshake = datagrams_of_mc_info(&bmc) - 2;

    // The BMC never hears anything after the handshake, not even the close.
    let relay = Relay::start(bmc_addr(&bmc), handshake);
    let run = spawn(&command_line(
        relay.port(),
        &[
            "--timeout",
            "60",
            "-N",
            "30",
            "--json",
            "chassis",
            "power",
            "status",
        ],
    ));
    wait_for_datagrams(&relay, handshake);
    std::thread::sleep(Duration::from_millis(100));
    let before = relay.datagrams_from_client();
    run.signal(libc::SIGTERM);
    let (status, took, out, err) = run.wait(Duration::from_secs(20));

    assert_eq!(status.code(), Some(143), "{status}: {err}");
    // Close Session waits at most 1 s for its answer (the relay holds it),
    // plus process exit: 5x that, far below the -N 30 it would otherwise wait.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // A wait never ends early, whatever the load.
    assert!(
        took >= Duration::from_millis(900),
        "did not wait for the close: {took:?}"
    );
    assert!(
        relay.datagrams_from_client() > before,
        "no Close Session after the signal"
    );
    let v: serde_json::Value = serde_json::from_slice(&out).expect("one JSON object");
    assert_eq!(v["kind"], "interrupted");
    assert_eq!(v["exit_code"], 143);
    assert_eq!(
        v["error"],
        "Unable to get Chassis Power Status: interrupted by SIGTERM; closing the session"
    );
}

#[test]
fn sigint_during_the_handshake_exits_130_at_once() {
    let bmc = Serve::start(&[]);
    // The BMC hears nothing at all.
    let relay = Relay::start(bmc_addr(&bmc), 0);
    let run = spawn(&command_line(
        relay.port(),
        &["--timeout", "60", "-N", "30", "mc", "info"],
    ));
    wait_for_datagrams(&relay, 0);
    std::thread::sleep(Duration::from_millis(100));
    run.signal(libc::SIGINT);
    let (status, took, out, err) = run.wait(Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "{status}: {err}");
    // Expected: one poll interval; without the interrupt, -N 30.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(out.is_empty());
    assert_eq!(
        err,
        format!(
            "ipmirs: cannot open a session with 127.0.0.1:{}: interrupted by SIGINT\n",
            relay.port()
        )
    );
}

/// The first signal asks for a clean exit; a second one (the impatient
/// Ctrl-C) ends the process at once, even while Close Session waits.
#[test]
fn a_second_sigint_ends_the_process_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let bmc = Serve::start(&[]);
    let handshake = datagrams_of_mc_info(&bmc) - 2;
    let relay = Relay::start(bmc_addr(&bmc), handshake);
    let run = spawn(&command_line(
        relay.port(),
        &["--timeout", "60", "-N", "30", "mc", "info"],
    ));
    wait_for_datagrams(&relay, handshake);
    std::thread::sleep(Duration::from_millis(100));
    run.signal(libc::SIGINT);
    // Close Session is now waiting (up to 1 s) for an answer that cannot come.
    wait_for_datagrams(&relay, handshake + 1);
    std::thread::sleep(Duration::from_millis(100));
    run.signal(libc::SIGINT);
    let (status, took, _, _) = run.wait(Duration::from_secs(20));
    // Killed by the signal itself, not the exit 130 of a clean close: that
    // shows the second signal ended it. The bound only catches a hang.
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
