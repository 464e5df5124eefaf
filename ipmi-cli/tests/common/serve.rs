//! `ipmirs serve` as a child process for the integration tests: started
//! on a free loopback port, its standard error (the session log) collected,
//! stopped by a signal or killed on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{args, cat};

/// How long `serve` gets to print its start line: a watchdog against a
/// hang, not a measurement.
const STARTUP: Duration = Duration::from_secs(30);
/// Ports tried when the one picked was taken in the meantime.
const PORT_ATTEMPTS: usize = 5;

/// A running `ipmirs serve`; killed on drop.
pub struct Serve {
    pub child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    /// `ipmirs serve --listen 127.0.0.1:PORT EXTRA...` on a port that was
    /// free a moment ago (picked by binding port 0, then released; another
    /// one is tried when it got taken in between).
    pub fn start(extra: &[&str]) -> Serve {
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_udp_port();
            let listen = format!("127.0.0.1:{port}");
            let mut child = Command::new(env!("CARGO_BIN_EXE_ipmirs"))
                .args(cat(&args(&["serve", "--listen", &listen]), extra))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start ipmirs serve");
            let stderr = Arc::new(Mutex::new(String::new()));
            let pipe = child.stderr.take().unwrap();
            let sink = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    let mut s = sink.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
            let mut serve = Serve {
                child,
                port,
                stderr,
            };
            let t0 = Instant::now();
            loop {
                if serve.log().contains("virtual BMC on") {
                    return serve;
                }
                if let Some(status) = serve.child.try_wait().unwrap() {
                    // Let the reader catch the last lines.
                    std::thread::sleep(Duration::from_millis(50));
                    last = format!("exited {status}: {}", serve.log());
                    break;
                }
                assert!(
                    t0.elapsed() < STARTUP,
                    "serve did not start within {STARTUP:?}: {}",
                    serve.log()
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            if !last.contains("cannot listen") {
                break;
            }
        }
        panic!("ipmirs serve did not start: {last}");
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Sends `sig`, waits (at most `limit`) for the exit; returns the exit
    /// code and how long it took.
    pub fn stop_with(&mut self, sig: libc::c_int, limit: Duration) -> (Option<i32>, Duration) {
        self.signal(sig);
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader catch the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return (status.code(), t0.elapsed());
            }
            assert!(
                t0.elapsed() < limit,
                "serve still running {limit:?} after signal {sig}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}
