//! `ipmirs`: an IPMI client whose every operation has a deadline, with
//! ipmitool's command line and output. See README-cli.md.

mod app;
mod args;
mod credentials;
#[cfg(target_os = "linux")]
mod diagnose;
mod exit;
mod families;
mod fleet;
mod invocation;
#[cfg(target_os = "linux")]
mod kcs;
mod lan;
#[cfg(target_os = "linux")]
mod local;
mod manufacturers;
mod numbers;
mod output;
mod serve;
mod signals;
mod tryout;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::exit::CliError;

fn main() -> ExitCode {
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(argument_error(e, json)),
    };
    let registries = manufacturers::registry_paths(std::env::var_os("HOME").as_deref());
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let (mut out, mut err) = (stdout.lock(), stderr.lock());
    let code = app::main_with(
        &cli,
        &invocation::ProcessEnv,
        &registries,
        &mut app::Streams {
            out: &mut out,
            err: &mut err,
        },
    );
    let _ = out.flush();
    ExitCode::from(code)
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
