//! Runs `ipmirs` on a pseudo-terminal (openpty(3)), as a person at a
//! terminal would: standard input, output and error are the terminal, which
//! is also the child's controlling terminal (so `/dev/tty` is it). The test
//! waits for a prompt before it types, so nothing depends on timing.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest a terminal session may take before the test fails (a
/// watchdog, not a measurement).
const WATCHDOG: Duration = Duration::from_secs(60);

/// What the terminal showed and how the child exited.
pub struct TermRun {
    pub code: i32,
    /// Everything written to the terminal (stdout and stderr together,
    /// with the terminal's CR LF line ends), plus its echo of what was typed.
    pub screen: String,
}

/// Runs `ipmirs args` on a new terminal; when `answer` is given, waits
/// until the terminal shows `answer.0` and then types `answer.1`.
pub fn ipmirs_on_a_terminal(args: &[String], answer: Option<(&str, &str)>) -> TermRun {
    let (mut master_fd, mut slave_fd) = (-1, -1);
    // SAFETY: openpty with valid out-pointers and no name/termios/winsize.
    let r = unsafe {
        libc::openpty(
            &mut master_fd,
            &mut slave_fd,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned here only.
    let (master, slave) = unsafe {
        (
            OwnedFd::from_raw_fd(master_fd),
            OwnedFd::from_raw_fd(slave_fd),
        )
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ipmirs"));
    cmd.args(args)
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    super::without_credentials(&mut cmd);
    // SAFETY: only async-signal-safe calls between fork and exec: a new
    // session, and its controlling terminal is fd 0 (the pty's slave).
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("ipmirs on a pty");
    drop(cmd); // closes the parent's copies of the slave
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let mut writer = std::fs::File::from(master);
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let pump = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // EIO once the child has closed its end: the end of the screen.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut screen = Vec::new();
    if let Some((prompt, typed)) = answer {
        while !String::from_utf8_lossy(&screen).contains(prompt) {
            let left = WATCHDOG.saturating_sub(start.elapsed());
            match rx.recv_timeout(left) {
                Ok(chunk) => screen.extend(chunk),
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "no `{prompt}` on the terminal; it showed: {}",
                        String::from_utf8_lossy(&screen)
                    );
                }
            }
        }
        // The prompt may be shown before echo is switched off (rpassword
        // prints, then reads with echo off): wait for the terminal's mode,
        // not for time, before typing.
        let fd = std::os::fd::AsRawFd::as_raw_fd(&writer);
        loop {
            // SAFETY: tcgetattr on our open master fd into a zeroed termios.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
            if t.c_lflag & libc::ECHO == 0 {
                break;
            }
            if start.elapsed() > WATCHDOG {
                let _ = child.kill();
                panic!("echo never switched off after `{prompt}`");
            }
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(2)) {
                screen.extend(chunk);
            }
        }
        writer.write_all(typed.as_bytes()).unwrap();
    }
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            panic!("ipmirs on a terminal ran longer than {WATCHDOG:?}");
        }
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(20)) {
            screen.extend(chunk);
        }
    };
    drop(writer);
    let _ = pump.join();
    screen.extend(rx.try_iter().flatten());
    TermRun {
        code: status.code().unwrap_or(-1),
        screen: String::from_utf8_lossy(&screen).into_owned(),
    }
}
