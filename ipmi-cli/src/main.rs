//! `ipmirs`: an IPMI client whose every operation has a deadline, with
//! ipmitool's command line and output (the repository's README has the
//! user's guide).
//!
//! Modules, in the one direction they import: `main` (this file: parse,
//! dispatch a job) -> [`plan`] (the command line resolved) -> [`connect`]
//! (lan / local / kcs) -> [`families`] (mc, chassis, raw: grammar, call,
//! renderers) -> [`output`]; [`run`] is the run loop of one client
//! command; [`credentials`], [`exit`], [`numbers`], [`manufacturers`] and
//! [`signals`] are leaves. The other jobs (`fleet`, `serve`, `try`,
//! `diagnose`, `recover`) sit beside `run`, below `main`.
//! tests/module_layers.rs checks the direction.

mod args;
mod connect;
mod credentials;
#[cfg(target_os = "linux")]
mod diagnose;
mod exit;
mod exporter;
mod families;
mod fleet;
mod manufacturers;
mod numbers;
mod output;
mod plan;
#[cfg(target_os = "linux")]
mod recover;
mod run;
mod serve;
mod signals;
mod tryout;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Job};
use crate::credentials::Env;
use crate::exit::CliError;
use crate::output::Streams;
use crate::plan::{Link, Plan};

fn main() -> ExitCode {
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(argument_error(e, json)),
    };
    trace_to_stderr(cli.options.verbose);
    let registries = manufacturers::registry_paths(std::env::var_os("HOME").as_deref());
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let (mut out, mut err) = (stdout.lock(), stderr.lock());
    let code = main_with(
        &cli,
        &credentials::ProcessEnv,
        &registries,
        &mut output::Streams {
            out: &mut out,
            err: &mut err,
        },
    );
    let _ = out.flush();
    ExitCode::from(code)
}

/// `-v`, `-vv`, `-vvv`: the ipmirs crates' `tracing` spans and events
/// (session, handshake steps, requests, retransmissions, drops, deadline
/// expiry) on standard error at info, debug, trace; nothing without `-v`.
/// The libraries never put a secret in a field.
fn trace_to_stderr(verbose: u8) {
    use tracing_subscriber::prelude::*;
    let level = match verbose {
        0 => return,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("ipmi_core", level)
        .with_target("ipmi_lanplus", level)
        .with_target("ipmi_kcs", level)
        .with_target("ipmi_exporter", level)
        .with_target("ipmirs", level);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time();
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init();
}

/// The warning `-P` gets (issue #6): the password is in argv, which any
/// user can read (`ps`, `/proc/PID/cmdline`) while the command runs. Only
/// when standard error is a terminal (issue 10.4): scripts often capture
/// `2>&1` and parse it.
pub const PASSWORD_OPTION_WARNING: &str =
    "ipmirs: warning: -P exposes the password in the process list; prefer -E, -f or IPMI_PASSWORD";

/// Resolves and runs; returns the exit code.
pub fn main_with(cli: &Cli, env: &dyn Env, registries: &[PathBuf], io: &mut Streams) -> u8 {
    if matches!(cli.command.job(), Job::Client(..))
        && cli.options.password.is_some()
        && env.stderr_is_terminal()
    {
        let _ = writeln!(io.err, "{PASSWORD_OPTION_WARNING}");
    }
    match plan::plan(cli, env) {
        Err(e) => io.fail(cli.options.json, &e),
        Ok(Plan::Client(inv)) => match &inv.link {
            Link::Lan(settings) => {
                let mut connector = connect::lan::LanConnector::new(settings.clone(), inv.timeout);
                // SIGINT/SIGTERM: close the session, then exit 130/143.
                match crate::signals::install() {
                    Ok(flag) => connector = connector.with_interrupt(flag),
                    Err(e) => io.note(
                        inv.verbose,
                        1,
                        format!("cannot catch SIGINT/SIGTERM ({e}): a signal ends the process without closing the session"),
                    ),
                }
                run::run(&mut connector, &inv, registries, io)
            }
            #[cfg(target_os = "linux")]
            Link::Local(settings) => {
                let mut connector =
                    connect::local::LocalConnector::new(settings.clone(), inv.timeout);
                run::run(&mut connector, &inv, registries, io)
            }
            #[cfg(target_os = "linux")]
            Link::Kcs(settings) => {
                let mut connector = connect::kcs::KcsConnector::new(settings.clone(), inv.timeout);
                run::run(&mut connector, &inv, registries, io)
            }
            #[cfg(not(target_os = "linux"))]
            Link::Local(_) | Link::Kcs(_) => io.fail(
                inv.json,
                &CliError::Usage(
                    "the local and kcs interfaces need Linux (its IPMI driver, or its port access)"
                        .into(),
                ),
            ),
        },
        Ok(Plan::Fleet(settings)) => crate::fleet::run(&settings, registries, io),
        Ok(Plan::Serve(settings)) => crate::serve::serve(&settings, io),
        Ok(Plan::Exporter(settings)) => crate::exporter::run(&settings, io),
        Ok(Plan::Try(settings)) => crate::tryout::run(&settings, registries, io),
        #[cfg(target_os = "linux")]
        Ok(Plan::Diagnose(settings)) => crate::diagnose::run(&settings, io),
        #[cfg(not(target_os = "linux"))]
        Ok(Plan::Diagnose(settings)) => io.fail(
            settings.json,
            &CliError::Usage("diagnose needs Linux (/proc, /sys, the IPMI driver)".into()),
        ),
        #[cfg(target_os = "linux")]
        Ok(Plan::Recover(settings)) => crate::recover::run(&settings, io),
        #[cfg(not(target_os = "linux"))]
        Ok(Plan::Recover(settings)) => io.fail(
            settings.diagnose.json,
            &CliError::Usage("recover needs Linux (/proc, /sys, the IPMI driver)".into()),
        ),
    }
}

/// clap's verdict: help and version (exit 0) or a usage error (exit 2).
fn argument_error(e: clap::Error, json: bool) -> u8 {
    if e.exit_code() == 0 {
        let _ = e.print();
        return exit::SUCCESS;
    }
    // Like every other message: "ipmirs: ..." on stderr (a help text shown
    // for a missing command word is printed as it is).
    let rendered = e.render().to_string();
    let text = match rendered.strip_prefix("error: ") {
        Some(text) => {
            let _ = write!(std::io::stderr(), "ipmirs: {text}");
            text.to_string()
        }
        None => {
            let _ = write!(std::io::stderr(), "{rendered}");
            "a command word is missing".to_string()
        }
    };
    if json {
        let first = text
            .lines()
            .next()
            .unwrap_or("invalid arguments")
            .to_string();
        let _ = std::io::stdout().write_all(&output::json::error(&CliError::Usage(first)));
    }
    exit::USAGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Streams;

    #[test]
    fn the_password_option_warns_on_a_terminal_only() {
        use crate::credentials::TestEnv;
        use clap::Parser;
        let run_line = |args: &[&str], stderr_tty: bool| {
            let cli =
                Cli::try_parse_from(std::iter::once("ipmirs").chain(args.iter().copied())).unwrap();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let env = TestEnv {
                stderr_tty,
                ..TestEnv::default()
            };
            let code = main_with(
                &cli,
                &env,
                &[],
                &mut Streams {
                    out: &mut out,
                    err: &mut err,
                },
            );
            (code, out, String::from_utf8(err).unwrap())
        };
        // Refused before any I/O (bad -b), so nothing else happens.
        let line = ["-H", "h", "-U", "u", "-P", "pw", "-b", "3", "mc", "info"];
        let (code, out, err) = run_line(&line, true);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        let mut lines = err.lines();
        assert_eq!(lines.next(), Some(PASSWORD_OPTION_WARNING));
        assert!(lines.next().unwrap().contains("-b 3 needs -t"), "{err}");
        assert!(!err.contains("pw "), "{err}");
        // stderr not a terminal (a script capturing 2>&1): no warning.
        let (code, _, err) = run_line(&line, false);
        assert_eq!(code, 2);
        assert!(!err.contains("warning"), "{err}");
        assert!(err.contains("-b 3 needs -t"), "{err}");
        // No -P, no warning.
        let (_, _, err) = run_line(&["-H", "h", "-U", "u", "-E", "-b", "3", "mc", "info"], true);
        assert!(!err.contains("warning"), "{err}");
        // serve refuses -P anyway: no warning, just the refusal.
        let (code, _, err) = run_line(&["serve", "-P", "x"], true);
        assert_eq!(code, 2);
        assert!(!err.contains("warning"), "{err}");
    }
}
