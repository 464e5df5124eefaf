//! A bounded runner for external programs (ipmitool, FreeIPMI): the
//! program is killed when it runs past its limit and both output streams
//! are read to the end.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What an external program did.
#[derive(Debug)]
pub struct Run {
    /// Exit code; `None` when it was killed for running too long.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl Run {
    /// stdout then stderr.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Panics with everything it printed unless it exited 0.
    pub fn assert_ok(&self, what: &str) -> &Self {
        assert_eq!(self.code, Some(0), "{what} failed:\n{self:#?}");
        self
    }
}

/// Runs `program args`, killing it after `limit`; panics with a hint if it is not installed.
pub fn run(program: &str, args: &[&str], limit: Duration) -> Run {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}); install it: apt-get install ipmitool freeipmi-tools"
            )
        });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || read_lossy(&mut out));
    let t_err = std::thread::spawn(move || read_lossy(&mut err));
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    Run {
        code,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
        elapsed,
    }
}

/// Everything `r` yields, invalid UTF-8 replaced by U+FFFD (ipmitool prints
/// SDR ID strings as raw bytes: a 6-bit packed name is not UTF-8, and
/// `read_to_string` would drop the whole output).
fn read_lossy(r: &mut impl Read) -> String {
    let mut bytes = Vec::new();
    let _ = r.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `ipmitool -I lanplus -H 127.0.0.1 -p PORT -U user -P password OPTIONS... ARGS...`
/// against a loopback BMC, killed after `limit`.
pub fn ipmitool_lanplus(
    port: &str,
    user: &str,
    password: &str,
    options: &[&str],
    args: &[&str],
    limit: Duration,
) -> Run {
    let mut v = vec![
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        port,
        "-U",
        user,
        "-P",
        password,
    ];
    v.extend_from_slice(options);
    v.extend_from_slice(args);
    run("ipmitool", &v, limit)
}

/// FreeIPMI `program -h 127.0.0.1:PORT -u admin -p secret -D LAN_2_0 -I 3
/// ARGS...` (cipher suite 3) against a loopback BMC, killed after `limit`.
pub fn freeipmi_lan(program: &str, port: &str, args: &[&str], limit: Duration) -> Run {
    let host = format!("127.0.0.1:{port}");
    let mut v = vec![
        "-h", &host, "-u", "admin", "-p", "secret", "-D", "LAN_2_0", "-I", "3",
    ];
    v.extend_from_slice(args);
    run(program, &v, limit)
}
