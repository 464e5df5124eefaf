//! Shared helpers of the CLI integration tests: run `ipmirs` (the binary
//! under test) and the reference `ipmitool` 1.8.19 as child processes, with
//! a watchdog so that no test can hang.

#![allow(dead_code)]

pub mod pty;
pub mod relay;
pub mod serve;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a child may run before the test kills it and fails.
const WATCHDOG: Duration = Duration::from_secs(60);

/// What a child process did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
    /// The command line, for messages.
    pub line: String,
}

/// What `ipmirs` says on standard error whenever `-P` is given.
pub const PASSWORD_OPTION_WARNING: &str =
    "ipmirs: warning: -P exposes the password in the process list; prefer -E, -f or IPMI_PASSWORD\n";

impl Run {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error without the `-P` warning at its start: the messages
    /// of the command itself.
    pub fn messages(&self) -> &str {
        self.stderr
            .strip_prefix(PASSWORD_OPTION_WARNING)
            .unwrap_or(&self.stderr)
    }

    /// Panics with everything the child said unless it exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "`{}` exited {} (expected {code})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.line,
            self.code,
            self.stdout_str(),
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "`{}` panicked:\n{}",
            self.line,
            self.stderr
        );
        self
    }
}

/// The credential variables of the test's own environment, removed from a
/// child's so that only what a test sets reaches it.
pub fn without_credentials(cmd: &mut Command) {
    for var in [
        "IPMI_PASSWORD",
        "IPMITOOL_PASSWORD",
        "IPMI_USER",
        "IPMI_KGKEY",
    ] {
        cmd.env_remove(var);
    }
}

/// Runs a program with `args`, the variables in `env` set and the
/// credential variables of the test's own environment removed.
pub fn run(program: &str, args: &[String], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    without_credentials(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let line = format!("{program} {}", args.join(" "));
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{line}`: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for child") {
            break s;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{line}` ran longer than {WATCHDOG:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_reader.join().unwrap(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
        elapsed,
        line,
    }
}

/// The binary under test.
pub fn ipmirs(args: &[String], env: &[(&str, &str)]) -> Run {
    run(env!("CARGO_BIN_EXE_ipmirs"), args, env)
}

/// The reference client. Panics when it is not installed (the test bed
/// installs it: `apt-get install ipmitool`).
pub fn ipmitool(args: &[String]) -> Run {
    static CHECKED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let checked = CHECKED.get_or_init(|| match Command::new("ipmitool").arg("-V").output() {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("1.8.19") => Ok(()),
        Ok(o) => Err(format!(
            "these tests compare with ipmitool 1.8.19; found: {}",
            String::from_utf8_lossy(&o.stdout).trim()
        )),
        Err(e) => Err(format!(
            "ipmitool is needed as the reference client (apt-get install ipmitool): {e}"
        )),
    });
    if let Err(why) = checked {
        panic!("{why}");
    }
    run("ipmitool", args, &[])
}

/// Owned strings from string slices.
pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// ipmitool's LAN options for a simulator on `port`.
pub fn lanplus(port: u16, user: &str, password: &str, suite: u8) -> Vec<String> {
    args(&[
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        user,
        "-P",
        password,
        "-C",
        &suite.to_string(),
    ])
}

/// Concatenation.
pub fn cat(a: &[String], b: &[&str]) -> Vec<String> {
    a.iter()
        .cloned()
        .chain(b.iter().map(|s| s.to_string()))
        .collect()
}

/// The number of sessions the BMC has active, by Get Session Info (IPMI 2.0
/// §22.20) through ipmirs itself (this session included).
pub fn active_sessions(port: u16) -> u8 {
    let r = ipmirs(
        &cat(
            &lanplus(port, "admin", "secret", 3),
            &["raw", "0x06", "0x3d", "0x00"],
        ),
        &[],
    );
    r.expect_code(0);
    let bytes: Vec<u8> = r
        .stdout_str()
        .split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).expect("hex byte"))
        .collect();
    assert!(bytes.len() >= 3, "short Get Session Info answer: {bytes:?}");
    bytes[2] & 0x3f
}

/// `command` by ipmitool, then by ipmirs, as admin (suite 3) on the BMC at
/// 127.0.0.1:`port`: (ipmirs, ipmitool). ipmirs must not panic.
pub fn both(port: u16, command: &[&str]) -> (Run, Run) {
    let a = lanplus(port, "admin", "secret", 3);
    let theirs = ipmitool(&cat(&a, command));
    let mine = ipmirs(&cat(&a, command), &[]);
    assert!(
        !mine.stderr.contains("panicked"),
        "{}: {}",
        mine.line,
        mine.stderr
    );
    (mine, theirs)
}

/// The same bytes on standard output and the same exit status.
pub fn assert_same(command: &[&str], mine: &Run, theirs: &Run) {
    assert_eq!(
        mine.stdout_str(),
        theirs.stdout_str(),
        "`{}`: stdout differs\n--- ipmirs stderr ---\n{}\n--- ipmitool stderr ---\n{}",
        command.join(" "),
        mine.stderr,
        theirs.stderr
    );
    assert_eq!(mine.stdout, theirs.stdout, "`{}`", command.join(" "));
    assert_eq!(
        mine.code,
        theirs.code,
        "`{}`: exit status\n{}",
        command.join(" "),
        mine.stderr
    );
}
