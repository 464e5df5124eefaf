//! `ipmirs recover`: the remedies of `ipmi_kcs::recover` on this machine,
//! from the triage of [`crate::diagnose`]: stuck IPMI tools ended by pid,
//! Cold Reset through `/dev/ipmi0`, the driver unloaded and Cold Reset
//! over KCS, Cold Reset out of band over an RMCP+ session
//! ([`crate::connect::lan`]); each step printed as it ends ([`render`]).
//!
//! Each destructive step asks on the terminal unless `--yes`; with no
//! terminal (and no `--yes`) it is skipped. Exit 0 when the BMC answers
//! at the end, 1 when not, 2 when refused before anything ran.

pub mod render;

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use ipmi_core::{Deadline, ErrorClass, Failure, Transport};
use ipmi_kcs::diagnose::{self, ProbeAnswer, ProbeFailure, RootFs, SystemProbe};
use ipmi_kcs::recover::system::{SystemClock, SystemModules, SystemPaths, SystemSignals};
use ipmi_kcs::recover::{self, Bmc, Confirm, Confirmation, Effects, Path, Paths, ResetFailure};

use crate::connect::lan::{LanConnector, LanSettings};
use crate::connect::Connector;
use crate::exit::CliError;
use crate::output::Streams;
use crate::plan::RecoverSettings;

/// Close Session after an out-of-band request: short, the BMC may be rebooting.
const CLOSE_BUDGET: Duration = Duration::from_secs(1);

/// Asks on the terminal (standard error, standard input), or not at all.
struct TerminalConfirm {
    yes: bool,
}

impl Confirm for TerminalConfirm {
    fn confirm(&mut self, question: &str) -> Confirmation {
        if self.yes {
            return Confirmation::Yes;
        }
        if !std::io::stdin().is_terminal() {
            return Confirmation::NoTerminal;
        }
        let mut err = std::io::stderr();
        let _ = write!(err, "{question} [y/N] ");
        let _ = err.flush();
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(_) if matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes") => Confirmation::Yes,
            _ => Confirmation::No,
        }
    }
}

/// The BMC over RMCP+: a session per request (a cold reset ends the
/// BMC's sessions), closed within [`CLOSE_BUDGET`].
struct LanBmc {
    connector: LanConnector,
    shown: String,
}

impl LanBmc {
    fn failure<E: Failure>(&self, e: &E) -> ProbeFailure {
        ProbeFailure {
            path: self.shown.clone(),
            class: e.class(),
            message: e.to_string(),
        }
    }

    /// One request in its own session; `Err((failure, sent))`: whether
    /// the request left (the session opened).
    fn once<T>(
        &mut self,
        timeout: Duration,
        call: impl FnOnce(&mut ipmi_lanplus::Client, Deadline) -> Result<T, ipmi_lanplus::Error>,
    ) -> Result<T, (ProbeFailure, bool)> {
        let deadline = Deadline::from_now(timeout);
        let mut session = self.connector.open(deadline).map_err(|e| {
            let mut f = self.failure(&e);
            f.message = format!("cannot open a session: {}", f.message);
            (f, false)
        })?;
        let result = call(&mut session, deadline).map_err(|e| (self.failure(&e), true));
        let _ = self
            .connector
            .close(session, Deadline::from_now(CLOSE_BUDGET));
        result
    }
}

impl Bmc for LanBmc {
    fn cold_reset(&mut self, timeout: Duration) -> Result<(), ResetFailure> {
        self.once(timeout, |s, d| s.execute_by(&ipmi_core::cmd::ColdReset, d))
            .map_err(|(failure, sent)| {
                if sent {
                    ResetFailure::of_exchange(failure)
                } else {
                    ResetFailure {
                        failure,
                        maybe_sent: false,
                    }
                }
            })
    }

    fn get_device_id(&mut self, timeout: Duration) -> Result<ProbeAnswer, ProbeFailure> {
        let shown = self.shown.clone();
        self.once(timeout, |s, d| {
            s.execute_by(&ipmi_core::cmd::GetDeviceId, d)
        })
        .map(|id| diagnose::answer_of(shown, &id))
        .map_err(|(f, _)| f)
    }
}

/// This machine's ways to the BMC, and RMCP+ to `-H`.
struct CliPaths {
    system: SystemPaths,
    lan: Option<LanSettings>,
}

impl Paths for CliPaths {
    fn open(&mut self, path: Path) -> Result<Box<dyn Bmc + '_>, ProbeFailure> {
        match (path, &self.lan) {
            (Path::OutOfBand, Some(settings)) => {
                let connector = LanConnector::new(settings.clone(), Duration::from_secs(2));
                let shown = connector.peer();
                Ok(Box::new(LanBmc { connector, shown }))
            }
            (Path::OutOfBand, None) => Err(ProbeFailure {
                path: "RMCP+".into(),
                class: ErrorClass::Usage,
                message: "no -H given".into(),
            }),
            (other, _) => self.system.open(other),
        }
    }
}

/// Runs `recover` on this machine; returns the exit code.
pub fn run(settings: &RecoverSettings, io: &mut Streams) -> u8 {
    let d = &settings.diagnose;
    let json = d.json;
    // SAFETY: geteuid(2) takes nothing and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if !root && !settings.dry_run {
        return io.fail(
            json,
            &CliError::Usage(
                "recover: not running as root: ending other users' processes, /dev/ipmi0, the KCS ports \
                 and unloading modules need root; run it as root, or with --dry-run to see the plan"
                    .into(),
            ),
        );
    }
    let self_pid = std::process::id();
    let diag_options = diagnose::Options {
        stuck_after: settings.stuck_after,
        self_pid: Some(self_pid),
        ..crate::diagnose::options(d)
    };
    let probe = SystemProbe {
        root: d.root.clone(),
        backend: d.kcs_backend,
    };
    let report = match crate::diagnose::triage(RootFs::at(&d.root), probe, diag_options, d.timeout)
    {
        Ok(r) => r,
        Err(e) => return io.fail(json, &e),
    };
    let options = recover::Options {
        dry_run: settings.dry_run,
        kill_stuck: settings.kill_stuck,
        unload_driver: settings.unload_driver,
        reset_budget: settings.reset_budget,
        self_pid,
        out_of_band: settings
            .lan
            .as_ref()
            .map(|l| LanConnector::new(l.clone(), Duration::from_secs(2)).peer()),
        ..recover::Options::default()
    };
    let sys = RootFs::at(&d.root);
    let mut paths = CliPaths {
        system: SystemPaths {
            root: d.root.clone(),
            device_path: report.device.path.clone(),
            kcs_address: d.kcs_address,
            backend: d.kcs_backend,
        },
        lan: settings.lan.clone(),
    };
    let mut fx = Effects {
        sys: &sys,
        signals: &mut SystemSignals,
        modules: &mut SystemModules,
        paths: &mut paths,
        clock: &mut SystemClock,
        confirm: &mut TerminalConfirm { yes: settings.yes },
    };
    run_steps(&mut fx, report, &options, json, io)
}

/// Runs the steps through `fx`, printing each as it ends; returns the exit code.
pub fn run_steps(
    fx: &mut Effects,
    report: ipmi_kcs::diagnose::Report,
    options: &recover::Options,
    json: bool,
    io: &mut Streams,
) -> u8 {
    let mut write_failed = false;
    let outcome = recover::run(fx, report, options, &mut |step| {
        let bytes = if json {
            render::json_line(step)
        } else {
            render::text(step)
        };
        if io
            .out
            .write_all(bytes.as_bytes())
            .and_then(|()| io.out.flush())
            .is_err()
        {
            write_failed = true;
        }
    });
    if write_failed {
        return crate::exit::FAILURE;
    }
    u8::try_from(outcome.exit_code()).unwrap_or(crate::exit::FAILURE)
}

#[cfg(test)]
mod tests;
