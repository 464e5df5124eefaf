//! `ipmirs try`: the main job with nothing set up. A virtual BMC starts
//! in-process on a free loopback port ([`BackgroundBmc`]), then `mc info`,
//! `chassis power status` and `sdr list` run against it through a real
//! RMCP+ session over UDP, by the very code of `ipmirs -H 127.0.0.1 -p PORT
//! -U admin -P admin -C 17 mc info` ([`app::run`] with a [`LanConnector`]).
//! Standard output is what ipmitool prints for those commands against that BMC.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use ipmi_core::{PrivilegeLevel, Target};
use ipmi_lanplus::server::ServerConfig;

use crate::connect::lan::LanConnector;
use crate::output::Streams;
use crate::plan::{
    default_serve_user, Action, Invocation, LanSettings, Link, PasswordSource, TrySettings,
    DEFAULT_SERVE_PASSWORD, DEFAULT_SERVE_USER,
};
use crate::run;
use crate::serve::BackgroundBmc;

/// Most time the virtual BMC gets to start listening.
const STARTUP: Duration = Duration::from_secs(5);
/// The cipher suite the session uses (the strongest; ipmitool's default too).
pub const SUITE: u8 = 17;

/// The commands `try` runs, in order, with their words.
fn commands() -> [(Action, &'static str); 3] {
    use crate::families::sdr::{Filter, Form, Select};
    [
        (Action::Mc(crate::families::mc::Action::Info), "mc info"),
        (
            Action::Chassis(crate::families::chassis::Action::PowerStatus),
            "chassis power status",
        ),
        (
            Action::Sdr(crate::families::sdr::Action {
                form: Form::SdrList {
                    extended: false,
                    select: Select::Records(Filter::Sensors),
                },
                csv: false,
                json: false,
                sdr_file: None,
            }),
            "sdr list",
        ),
    ]
}

/// Runs `try`; returns the first non-zero exit code of the commands, else 0.
pub fn run(settings: &TrySettings, registries: &[PathBuf], io: &mut Streams) -> u8 {
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let config = ServerConfig::new().user(default_serve_user());
    let bmc = match BackgroundBmc::start(loopback, config, STARTUP) {
        Ok(bmc) => bmc,
        Err(e) => return io.fail(settings.json, &e),
    };
    let addr = bmc.addr();
    let commands = commands();
    let words: Vec<String> = commands.iter().map(|(_, w)| format!("'{w}'")).collect();
    let (last, first) = words.split_last().expect("try runs commands");
    let _ = writeln!(
        io.err,
        "ipmirs try: virtual BMC on {addr}; running {} and {last} over RMCP+ (cipher suite {SUITE})",
        first.join(", ")
    );
    let mut code = 0;
    for (action, _) in commands {
        let inv = invocation(
            addr,
            action.with_output(false, settings.json, None),
            settings,
        );
        let Link::Lan(lan) = &inv.link else {
            unreachable!("try builds lan invocations")
        };
        let mut connector = LanConnector::new(lan.clone(), inv.timeout);
        let c = run::run(&mut connector, &inv, registries, io);
        if code == 0 {
            code = c;
        }
        log(settings, io, bmc.events());
    }
    log(settings, io, bmc.stop());
    code
}

/// What `ipmirs -H ADDR -p PORT -U admin -P admin -C 17 <command>` resolves to.
pub fn invocation(addr: SocketAddr, action: Action, settings: &TrySettings) -> Invocation {
    Invocation {
        link: Link::Lan(LanSettings {
            host: addr.ip().to_string(),
            port: addr.port(),
            username: DEFAULT_SERVE_USER.as_bytes().to_vec(),
            password: DEFAULT_SERVE_PASSWORD.as_bytes().to_vec().into(),
            password_source: PasswordSource::BuiltIn,
            kg: None,
            privilege: PrivilegeLevel::Administrator,
            cipher_suite: Some(SUITE),
            per_try_timeout: None,
            retries: None,
            allow_insecure: false,
            target: Target::bmc(),
        }),
        action,
        timeout: settings.timeout,
        json: settings.json,
        verbose: settings.verbose,
    }
}

/// The BMC's log lines, with `-v`.
fn log(settings: &TrySettings, io: &mut Streams, lines: Vec<String>) {
    if settings.verbose > 0 {
        for line in lines {
            let _ = writeln!(io.err, "ipmirs try: BMC {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(settings: TrySettings) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            &settings,
            &[PathBuf::from("/nonexistent/ipmirs-registry")],
            &mut Streams {
                out: &mut out,
                err: &mut err,
            },
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn runs_both_commands_over_a_real_session() {
        let (code, out, err) = go(TrySettings {
            timeout: Duration::from_secs(5),
            json: false,
            verbose: 0,
        });
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("Device ID                 : 32\n"), "{out}");
        assert!(
            out.contains("\nChassis Power is off\nCPU Temp         | 30 degrees C      | ok\n"),
            "{out}"
        );
        assert!(
            out.ends_with("\nIntrusion        | 0x00              | ok\n"),
            "{out}"
        );
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(lines[0].starts_with("ipmirs try: virtual BMC on 127.0.0.1:"));
        assert!(lines[0].ends_with(
            "; running 'mc info', 'chassis power status' and 'sdr list' over RMCP+ (cipher suite 17)"
        ));
    }

    #[test]
    fn verbose_shows_the_session_and_the_bmc_log_and_json_works() {
        let (code, out, err) = go(TrySettings {
            timeout: Duration::from_secs(5),
            json: true,
            verbose: 1,
        });
        assert_eq!(code, 0, "{err}");
        let objects: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(objects.len(), 3, "{out}");
        assert_eq!(objects[0]["device_id"], 32);
        assert_eq!(objects[1]["power"], "off");
        assert!(err.contains("cipher suite 17"), "{err}");
        assert!(err.contains("the virtual BMC's built-in password"), "{err}");
        assert!(err.contains("ipmirs try: BMC 127.0.0.1:"), "{err}");
        assert!(err.contains("opened: user \"admin\""), "{err}");
        assert!(!err.contains("password admin"), "{err}");
    }
}
