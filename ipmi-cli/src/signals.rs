//! SIGINT and SIGTERM during a `lan` command (issue #6): the signal is
//! recorded instead of killing the process, so that the RMCP+ session is
//! closed before exiting with 128 + the signal's number (130 for SIGINT,
//! 143 for SIGTERM), as a shell reports a process killed by it.
//!
//! The handler only stores to two atomics (async-signal-safe); the lan
//! driver (the library's `Client`, see [`crate::lan`]) looks at the flag before every
//! datagram and at least every [`ipmi_lanplus::blocking::INTERRUPT_POLL`] while it
//! waits. The handler is installed with `SA_RESETHAND`: a second Ctrl-C
//! finds the default action again and ends the process at once, whatever
//! it is waiting for. A signal the parent left ignored (e.g. SIGINT of a
//! background job of a non-interactive shell) stays ignored.
//!
//! `libc::sigaction` rather than tokio's signal driver: the lan command is
//! blocking code on one thread, and a runtime (with its extra thread and
//! self-pipe) only to set a flag would cost more than these few lines.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

/// Set by the handler; handed to the lan driver.
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The signals handled.
pub const HANDLED: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

extern "C" fn record(signal: libc::c_int) {
    // Only atomics here: nothing else is async-signal-safe.
    let _ = RECEIVED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    if let Some(flag) = FLAG.get() {
        flag.store(true, Ordering::SeqCst);
    }
}

/// Installs the handlers (once per process is enough; again is harmless)
/// and returns the flag they set.
pub fn install() -> std::io::Result<Arc<AtomicBool>> {
    let flag = Arc::clone(FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))));
    for signal in HANDLED {
        // SAFETY: sigaction(2) with a zeroed struct (a valid "no flags, empty
        // mask, default handler" value), filled with a handler that only
        // touches atomics; the old action is read into a local.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut old) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = record as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(flag)
}

/// The first handled signal received so far, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// `SIGINT`, `SIGTERM`, or `signal N`.
pub fn name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

/// The exit code of a process stopped by `signal`: 128 + its number.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(name(libc::SIGINT), "SIGINT");
        assert_eq!(name(libc::SIGTERM), "SIGTERM");
        assert_eq!(name(1), "signal 1");
        assert_eq!(exit_code(libc::SIGINT), 130);
        assert_eq!(exit_code(libc::SIGTERM), 143);
    }

    /// Raising SIGTERM in this (test) process sets the flag instead of
    /// killing it; the handler is gone afterwards (SA_RESETHAND), so the
    /// default action is restored for the rest of the test process.
    #[test]
    fn a_signal_sets_the_flag_instead_of_killing() {
        let flag = install().unwrap();
        // SAFETY: raise(3) on our own process, handler installed above.
        let rc = unsafe { libc::raise(libc::SIGTERM) };
        assert_eq!(rc, 0);
        assert!(flag.load(Ordering::SeqCst));
        assert_eq!(received(), Some(libc::SIGTERM));
        // One-shot: the disposition is the default one again.
        // SAFETY: reading the current action into a local.
        let current = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            assert_eq!(
                libc::sigaction(libc::SIGTERM, std::ptr::null(), &mut old),
                0
            );
            old.sa_sigaction
        };
        assert_eq!(current, libc::SIG_DFL);
        // SIGINT's handler is still in place.
        // SAFETY: as above.
        let sigint = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            assert_eq!(libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old), 0);
            old.sa_sigaction
        };
        assert_ne!(sigint, libc::SIG_DFL);
    }
}
