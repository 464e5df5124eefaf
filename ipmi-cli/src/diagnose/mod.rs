//! `ipmirs diagnose`: the in-band health triage of `ipmi_kcs::diagnose`
//! with the real probes, as one command instead of half an hour of `top`,
//! `ps`, `lsmod` and `/proc/PID/stack`: which IPMI modules are loaded,
//! whether `/dev/ipmi0` exists, whether `kipmi*` threads spin, how many IPMI
//! tool processes are stuck, whether the BMC answers Get Device ID through
//! `/dev/ipmi0` or, with the driver absent, directly over KCS; then the
//! verdict with the next steps (e.g. the out-of-band `ipmirs -H
//! <bmc-address> lan mc reset cold`).
//!
//! Standard output: the report as text, or with `--json` one JSON object
//! ([`render`]). Exit 0 healthy, 1 not (the verdict's code), 3 when the
//! triage did not finish within `--timeout`.
//!
//! Bounded: each probe has its deadline (2 s, less under a short
//! `--timeout`), and the whole triage runs on a worker thread that the
//! main thread stops waiting for at `--timeout`: reading `/proc/PID/cmdline`
//! of a process stuck in the kernel can itself block (the kernel takes the
//! target's memory-map lock), and a triage of a hung machine must not hang.

pub mod render;

use std::sync::mpsc;

use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{self, Options, Probe, Report, RootFs, System, SystemProbe};

use crate::exit::CliError;
use crate::output::Streams;
use crate::plan::DiagnoseSettings;

/// The triage's options for these settings.
pub fn options(settings: &DiagnoseSettings) -> Options {
    Options {
        probe_timeout: settings.probe_timeout,
        probe_kcs: settings.probe_kcs,
        kcs_address: settings.kcs_address,
        ..Options::default()
    }
}

/// Said on standard error when `diagnose` runs without root: the probes
/// then fail for lack of permission, which the verdict cannot tell from a
/// BMC that does not answer.
pub const NOT_ROOT_WARNING: &str = "ipmirs: warning: diagnose is not running as root: probing the BMC \
     (/dev/ipmi0, the KCS ports) needs root, so a failed probe may be a permission problem, not the BMC; \
     run it as root for a verdict you can act on";

/// Runs the triage on this machine (or the tree of `--root`); returns the exit code.
pub fn run(settings: &DiagnoseSettings, io: &mut Streams) -> u8 {
    // SAFETY: geteuid(2) takes nothing and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        let _ = writeln!(io.err, "{NOT_ROOT_WARNING}");
    }
    let probe = SystemProbe {
        root: settings.root.clone(),
        backend: settings.kcs_backend,
    };
    run_with(RootFs::at(&settings.root), probe, settings, io)
}

/// Runs the triage over `sys` and `probe` on a worker thread, waiting for
/// it at most `settings.timeout`; prints the report; returns the exit code.
pub fn run_with<S, P>(sys: S, probe: P, settings: &DiagnoseSettings, io: &mut Streams) -> u8
where
    S: System + Send + 'static,
    P: Probe + Send + 'static,
{
    match triage(sys, probe, options(settings), settings.timeout) {
        Ok(report) => print(&report, settings.json, io),
        Err(e) => io.fail(settings.json, &e),
    }
}

/// The triage over `sys` and `probe` with `opts` on a worker thread,
/// waited for at most `timeout` (`recover` starts from it too).
pub fn triage<S, P>(
    sys: S,
    mut probe: P,
    opts: Options,
    timeout: std::time::Duration,
) -> Result<Report, CliError>
where
    S: System + Send + 'static,
    P: Probe + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Report>();
    std::thread::Builder::new()
        .name("ipmirs-diagnose".into())
        .spawn(move || {
            let _ = tx.send(diagnose::run(&sys, &mut probe, &opts));
        })
        .map_err(|e| CliError::Failed {
            class: ErrorClass::Io,
            message: format!("diagnose: cannot start the triage's thread: {e}"),
            stage: None,
        })?;
    match rx.recv_timeout(timeout) {
        Ok(report) => Ok(report),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(CliError::Failed {
            class: ErrorClass::Timeout,
            message: format!(
                "diagnose: no verdict within {:.1} s (--timeout): reading /proc or probing the BMC \
                 blocked; a process stuck in the kernel can block reads of its /proc/PID files. \
                 Look at `ps -eo pid,stat,wchan:32,etime,args | grep -i ipmi` and, if the BMC is \
                 hung, reset it out of band: ipmirs -H <bmc-address> lan mc reset cold",
                timeout.as_secs_f64()
            ),
            stage: None,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(CliError::Failed {
            class: ErrorClass::Io,
            message: "diagnose: the triage stopped without a report".into(),
            stage: None,
        }),
    }
}

/// Prints the report (text, or one JSON line); returns the verdict's exit code.
pub fn print(report: &Report, json: bool, io: &mut Streams) -> u8 {
    let verdict = diagnose::verdict(report);
    let text = if json {
        let mut line = render::render_json(report);
        line.push('\n');
        line
    } else {
        render::render_text(report)
    };
    match io
        .out
        .write_all(text.as_bytes())
        .and_then(|()| io.out.flush())
    {
        Ok(()) => u8::try_from(verdict.exit_code()).unwrap_or(crate::exit::FAILURE),
        Err(e) => {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                let _ = writeln!(io.err, "ipmirs: cannot write the output: {e}");
            }
            crate::exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests;
