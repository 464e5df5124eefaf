//! The command line, as clap sees it: `ipmirs [OPTIONS] [lan|local|kcs] COMMAND...`,
//! `ipmirs diagnose`, `ipmirs serve`, `ipmirs try`.
//!
//! Option letters are ipmitool's, so an ipmitool command line works after
//! renaming the program. Options are global: like ipmitool (GNU getopt
//! permutes its arguments) they may also follow the command words.
//! [`crate::invocation`] turns the parsed line into what to do.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use ipmi_core::PrivilegeLevel;
use ipmi_kcs::kcs::KcsAddress;

pub use crate::families::Command;
use crate::numbers::{self, parse_byte};

/// The command words after an interface word: a command, or other words
/// (refused by [`crate::families::unimplemented`] with one clear line).
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// A command ipmirs has.
    #[command(flatten)]
    Known(Command),
    /// Any other word: an ipmitool command not implemented yet (`lan
    /// print`, `sol activate`), or a typo.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

#[derive(Parser, Debug)]
#[command(
    name = "ipmirs",
    version,
    about = "IPMI client with a deadline on every operation (ipmitool-compatible command line)",
    long_about = None,
    after_help = "The interface word may be omitted: with -H it is `lan`, without it `local` (/dev/ipmi0; -d N or --device PATH picks another).\n\
                  `kcs` talks to this machine's BMC through its KCS ports without the kernel driver (root).\n\
                  ipmitool's `-I lanplus|open` is accepted too, so `ipmirs -I lanplus -H h -U u -P p chassis power status` works.\n\
                  Without a password option the password comes from IPMI_PASSWORD, else a prompt when standard input is a terminal (-a: always), else it is empty; the user comes from IPMI_USER.\n\
                  Exit codes: 0 success, 1 the BMC answered with an error or the exchange failed, 2 usage error,\n\
                  3 the BMC did not answer before the deadline."
)]
pub struct Cli {
    /// Options (ipmitool's letters).
    #[command(flatten)]
    pub options: Options,

    /// What to do.
    #[command(subcommand)]
    pub command: Top,
}

/// The options; every one may be given before or after the command words.
/// They belong to the client commands (`serve` and `try` refuse most).
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Client options")]
pub struct Options {
    /// Interface, ipmitool style: lanplus (= lan), open (= local) or kcs
    #[arg(short = 'I', value_name = "INTF", global = true)]
    pub interface: Option<String>,

    /// Remote BMC host name or address (implies the lan interface); a comma list or port range (h1,h2:624,[::1],10.0.0.7:7000-7099) runs the command on every host
    #[arg(short = 'H', value_name = "HOST", global = true)]
    pub host: Option<String>,

    /// Run the command on every host of FILE: one `HOST[:PORT[-PORT]] [USER [PASSWORD]]` per line (# comments)
    #[arg(long = "hosts-file", value_name = "FILE", global = true)]
    pub hosts_file: Option<PathBuf>,

    /// Hosts worked on at once with several hosts [default: 64]
    #[arg(long = "fanout", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536), global = true)]
    pub fanout: Option<u32>,

    /// Remote RMCP port [default: 623]
    #[arg(short = 'p', value_name = "PORT", value_parser = parse_port, global = true)]
    pub port: Option<u16>,

    /// Remote session user name [default: $IPMI_USER, else the null user]
    #[arg(short = 'U', value_name = "USER", global = true)]
    pub user: Option<OsString>,

    /// Remote session password (visible to other users in the process list; prefer -E or -f)
    #[arg(short = 'P', value_name = "PASSWORD", global = true, conflicts_with_all = ["password_from_env", "password_file"])]
    pub password: Option<OsString>,

    /// Read the password from $IPMITOOL_PASSWORD or $IPMI_PASSWORD
    #[arg(short = 'E', global = true, conflicts_with = "password_file")]
    pub password_from_env: bool,

    /// Read the password from the first line of FILE
    #[arg(short = 'f', value_name = "FILE", global = true)]
    pub password_file: Option<PathBuf>,

    /// Ask for the password (no echo), even when standard input is not a terminal
    #[arg(short = 'a', global = true, conflicts_with_all = ["password", "password_from_env", "password_file"])]
    pub password_prompt: bool,

    /// Cipher suite ID [default: the strongest the BMC lists; 17, then 3]
    #[arg(short = 'C', value_name = "SUITE", value_parser = parse_byte, global = true)]
    pub cipher_suite: Option<u8>,

    /// Privilege level: CALLBACK, USER, OPERATOR, ADMINISTRATOR or OEM [default: ADMINISTRATOR]
    #[arg(short = 'L', value_name = "LEVEL", global = true)]
    pub privilege: Option<PrivilegeLevel>,

    /// BMC key (Kg) as text
    #[arg(short = 'k', value_name = "KEY", global = true, conflicts_with_all = ["kg_hex", "kg_from_env"])]
    pub kg: Option<OsString>,

    /// BMC key (Kg) as hexadecimal digits (at most 40)
    #[arg(
        short = 'y',
        value_name = "HEXKEY",
        global = true,
        conflicts_with = "kg_from_env"
    )]
    pub kg_hex: Option<String>,

    /// Read the BMC key (Kg) from $IPMI_KGKEY
    #[arg(short = 'K', global = true)]
    pub kg_from_env: bool,

    /// Seconds to wait for an answer before resending (fractions allowed) [default: 1]
    #[arg(short = 'N', value_name = "SECONDS", value_parser = parse_seconds, global = true)]
    pub per_try_timeout: Option<Duration>,

    /// How many times a request is resent [default: 4]
    #[arg(short = 'R', value_name = "COUNT", global = true)]
    pub retries: Option<u32>,

    /// Deadline for the whole invocation: connect, command and close (seconds, fractions allowed) [default: 10]
    #[arg(long = "timeout", value_name = "SECONDS", value_parser = parse_seconds, global = true)]
    pub timeout: Option<Duration>,

    /// Verbose output on standard error (repeat for more)
    #[arg(short = 'v', action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print one JSON object instead of ipmitool's text
    #[arg(long, global = true)]
    pub json: bool,

    /// ipmitool's CSV output (sdr, sensor); mc, chassis and raw print the same either way
    #[arg(short = 'c', global = true)]
    pub csv: bool,

    /// sdr/sensor: read the SDRs from FILE (written by `sdr dump`) instead of the BMC
    #[arg(short = 'S', value_name = "FILE", global = true)]
    pub sdr_file: Option<PathBuf>,

    /// ipmitool's OEM type: refused (no OEM quirks are implemented)
    #[arg(short = 'o', value_name = "OEMTYPE", global = true)]
    pub oem_type: Option<String>,

    /// ipmitool's local IPMB address: refused (ipmirs always sends as 0x20)
    #[arg(short = 'm', value_name = "ADDRESS", global = true)]
    pub local_address: Option<String>,

    /// ipmitool's target LUN: refused (requests go to LUN 0)
    #[arg(short = 'l', value_name = "LUN", global = true)]
    pub target_lun: Option<String>,

    /// Allow cipher suite 0 (no authentication, no integrity, no encryption)
    #[arg(long, global = true)]
    pub allow_insecure: bool,

    /// Bridging: channel of the target controller (0-15, with -t) [default: 0]
    #[arg(short = 'b', value_name = "CHANNEL", value_parser = parse_byte, global = true)]
    pub bridge_channel: Option<u8>,

    /// Bridging: IPMB address of the target controller (0x20 = the BMC itself)
    #[arg(short = 't', value_name = "ADDRESS", value_parser = parse_byte, global = true)]
    pub bridge_target: Option<u8>,

    /// In-band: use interface N, /dev/ipmiN (else /dev/ipmi/N, /dev/ipmidev/N) [default: 0]
    #[arg(
        short = 'd',
        value_name = "N",
        value_parser = parse_device_number,
        global = true,
        conflicts_with = "device"
    )]
    pub device_number: Option<u32>,

    /// In-band: the IPMI device file to use, e.g. /dev/ipmi1
    #[arg(long = "device", value_name = "PATH", global = true)]
    pub device: Option<PathBuf>,

    /// kcs: I/O address of the KCS interface, e.g. 0xca2 or 0xca8:4 (register spacing) [default: SMBIOS type 38, else 0xca2]
    #[arg(long = "kcs-addr", value_name = "ADDR[:SPACING]", value_parser = parse_kcs_address, global = true)]
    pub kcs_address: Option<KcsAddress>,

    /// kcs: how the ports are reached: ioport (ioperm + in/out) or devport (/dev/port) [default: ioport on x86_64]
    #[arg(
        long = "kcs-backend",
        value_name = "BACKEND",
        value_enum,
        global = true
    )]
    pub kcs_backend: Option<KcsBackend>,

    /// kcs: use the ports even though the kernel's ipmi_si driver owns them (races the driver)
    #[arg(long = "kcs-force", global = true)]
    pub kcs_force: bool,
}

/// `--kcs-backend`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KcsBackend {
    /// ioperm(2) and the in/out instructions (x86_64 Linux)
    Ioport,
    /// /dev/port (any Linux)
    Devport,
}

/// The deadline of one invocation when `--timeout` is not given.
pub use ipmi_core::DEFAULT_TIMEOUT;

impl Options {
    /// `-L`, or ADMINISTRATOR.
    pub fn privilege(&self) -> PrivilegeLevel {
        self.privilege.unwrap_or(PrivilegeLevel::Administrator)
    }

    /// `--timeout`, or [`DEFAULT_TIMEOUT`].
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The client options given on the command line, by their flag, in
    /// the order of `--help`. `serve` and `try` refuse them.
    pub fn client_flags(&self) -> Vec<&'static str> {
        let given = [
            ("-I", self.interface.is_some()),
            ("-H", self.host.is_some()),
            ("--hosts-file", self.hosts_file.is_some()),
            ("--fanout", self.fanout.is_some()),
            ("-p", self.port.is_some()),
            ("-U", self.user.is_some()),
            ("-P", self.password.is_some()),
            ("-E", self.password_from_env),
            ("-f", self.password_file.is_some()),
            ("-a", self.password_prompt),
            ("-C", self.cipher_suite.is_some()),
            ("-L", self.privilege.is_some()),
            ("-k", self.kg.is_some()),
            ("-y", self.kg_hex.is_some()),
            ("-K", self.kg_from_env),
            ("-N", self.per_try_timeout.is_some()),
            ("-R", self.retries.is_some()),
            ("--timeout", self.timeout.is_some()),
            ("-v", self.verbose > 0),
            ("--json", self.json),
            ("-c", self.csv),
            ("-S", self.sdr_file.is_some()),
            ("-o", self.oem_type.is_some()),
            ("-m", self.local_address.is_some()),
            ("-l", self.target_lun.is_some()),
            ("--allow-insecure", self.allow_insecure),
            ("-b", self.bridge_channel.is_some()),
            ("-t", self.bridge_target.is_some()),
            ("-d", self.device_number.is_some()),
            ("--device", self.device.is_some()),
            ("--kcs-addr", self.kcs_address.is_some()),
            ("--kcs-backend", self.kcs_backend.is_some()),
            ("--kcs-force", self.kcs_force),
        ];
        given
            .iter()
            .filter(|(_, on)| *on)
            .map(|(flag, _)| *flag)
            .collect()
    }
}

/// The first command word: an interface, or a command for the default one.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Top {
    /// RMCP+ (IPMI 2.0 LAN) session with the BMC at -H HOST (the default with -H); `lan print|set` is ipmitool's lan command
    Lan {
        #[command(subcommand)]
        command: Words,
    },
    /// The local BMC through the kernel's IPMI driver, /dev/ipmi0 (the default without -H)
    Local {
        #[command(subcommand)]
        command: Words,
    },
    /// The local BMC through its KCS system interface, without the kernel driver (direct port I/O, root)
    #[command(
        after_help = "For when /dev/ipmi0 is gone (ipmi_si unloaded) or stuck. Refused while the kernel's ipmi_si \
                      driver owns the ports (--kcs-force overrides, racing the driver). Requests go to the BMC itself \
                      only: no -b/-t bridging."
    )]
    Kcs {
        #[command(subcommand)]
        command: Words,
    },
    /// In-band health triage: IPMI modules, /dev/ipmi0, kipmi threads, stuck IPMI tools, does the BMC answer
    #[command(
        after_help = "Exit 0 when in-band IPMI is healthy, 1 when not (with the next steps), 3 when the triage \
                      itself did not finish within --timeout. Each probe of the BMC (Get Device ID through \
                      /dev/ipmi0, or over KCS when the driver is not loaded) has a 2 s deadline.\n\
                      Takes --json, --timeout, --kcs-addr and --kcs-backend; the other client options are refused."
    )]
    Diagnose(DiagnoseArgs),
    /// Bring a hung BMC back: end stuck IPMI tools, cold reset in-band, over KCS without the driver, or out of band
    #[command(
        after_help = "Starts from `diagnose`; healthy: says so and changes nothing. Then, as needed and each \
                      reported as it ends: the stuck IPMI tool processes (listed; ended by pid with --kill-stuck), \
                      Cold Reset through /dev/ipmi0 and Get Device ID until the BMC answers (--timeout: the budget \
                      of each reset, default 120 s), with --unload-driver the kernel driver unloaded and Cold Reset \
                      over the KCS ports, and with -H (and the usual lan credentials) Cold Reset over RMCP+; without \
                      -H it prints the command to run from another machine. Each destructive step asks on a terminal \
                      (--yes: do not ask); without a terminal and without --yes it is skipped.\n\
                      Exit 0 when the BMC answers at the end, 1 when it does not, 2 for a usage error or a refusal \
                      before anything ran (not root)."
    )]
    Recover(RecoverArgs),
    /// Run a virtual BMC (RMCP+ over UDP) in the foreground until Ctrl-C or SIGTERM
    #[command(
        after_help = "Sessions are logged on standard error. Without --user the only user is admin, password admin \
                      (ADMINISTRATOR), and only loopback addresses may be listened on.\n\
                      The client options (-H, -U, -P, ...) belong to the client commands and are refused here."
    )]
    Serve(ServeArgs),
    /// Run the Prometheus IPMI exporter (a drop-in for prometheus-ipmi-exporter) until Ctrl-C or SIGTERM
    #[command(
        after_help = "Same configuration file, endpoints (/metrics, /ipmi?target=HOST[:PORT]&module=NAME, \
                      /-/reload) and metric names as the Prometheus community's ipmi_exporter; no child \
                      processes. SIGHUP or POST /-/reload reloads the configuration."
    )]
    Exporter(ExporterArgs),
    /// Start a virtual BMC on a free loopback port and run `mc info` and `chassis power status` against it
    #[command(
        after_help = "The commands go through a real RMCP+ session (cipher suite 17), the same code as \
                      `ipmirs -H 127.0.0.1 -p PORT -U admin -P admin mc info`.\n\
                      -v, --json and --timeout apply to both commands; the other client options are refused."
    )]
    Try,
    #[command(flatten)]
    Command(Command),
    /// Any other first word: an ipmitool command not implemented yet
    /// (`pef`, `sol activate`), or a typo.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

/// What the first command word asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job<'a> {
    /// A client command, through an interface named or implied.
    Client(Option<InterfaceWord>, &'a Command),
    /// Words that are no ipmirs command, after the interface word if any.
    Unknown(Option<InterfaceWord>, &'a [OsString]),
    /// `serve`
    Serve(&'a ServeArgs),
    /// `exporter`
    Exporter(&'a ExporterArgs),
    /// `try`
    Try,
    /// `diagnose`
    Diagnose(&'a DiagnoseArgs),
    /// `recover`
    Recover(&'a RecoverArgs),
}

/// `recover [--dry-run] [--yes] [--kill-stuck] [--stuck-after SECONDS] [--unload-driver] [--root DIR]`
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct RecoverArgs {
    /// Print what each step would do; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before each destructive step
    #[arg(long)]
    pub yes: bool,
    /// End the stuck IPMI tool processes by pid (SIGTERM, then SIGKILL after 3 s); never daemons, never ipmirs' own parents
    #[arg(long)]
    pub kill_stuck: bool,
    /// Age from which a blocked IPMI tool process counts as stuck, in seconds [default: 300]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub stuck_after: Option<Duration>,
    /// When the kernel driver is the problem, unload ipmi_devintf, ipmi_si and acpi_ipmi and reset over the KCS ports
    #[arg(long)]
    pub unload_driver: bool,
    /// Read /proc, /sys and /dev under DIR instead of / (implies --dry-run: nothing there is this machine's)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// `diagnose [--root DIR]`
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct DiagnoseArgs {
    /// Read /proc, /sys and /dev under DIR instead of / (a copy of another machine's, or a test tree); the KCS ports are not probed then
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

impl Top {
    /// What to do.
    pub fn job(&self) -> Job<'_> {
        match self {
            Top::Lan { command } => command.job(InterfaceWord::Lan),
            Top::Local { command } => command.job(InterfaceWord::Local),
            Top::Kcs { command } => command.job(InterfaceWord::Kcs),
            Top::Command(command) => Job::Client(None, command),
            Top::Other(words) => Job::Unknown(None, words),
            Top::Serve(args) => Job::Serve(args),
            Top::Exporter(args) => Job::Exporter(args),
            Top::Try => Job::Try,
            Top::Diagnose(args) => Job::Diagnose(args),
            Top::Recover(args) => Job::Recover(args),
        }
    }
}

impl Words {
    fn job(&self, word: InterfaceWord) -> Job<'_> {
        match self {
            // `lan print|set`: ipmitool's lan command, not the interface.
            Words::Known(command @ Command::Lan(_)) if word == InterfaceWord::Lan => {
                Job::Client(None, command)
            }
            Words::Known(command) => Job::Client(Some(word), command),
            Words::Other(words) => Job::Unknown(Some(word), words),
        }
    }
}

/// `serve [--listen ADDR[:PORT[-PORT]]]... [--user NAME:PASSWORD[:PRIV]]... [--cipher-suites LIST] [--idle-timeout SECS]`
///
/// The values are kept as given and checked by
/// [`crate::plan::resolve_serve`] (exit 2 when they do not parse).
#[derive(Args, Clone, PartialEq, Eq)]
pub struct ServeArgs {
    /// Address and UDP port (or port range, one BMC per port) to listen on; may be repeated [default: 127.0.0.1:6230]
    #[arg(long, value_name = "ADDR[:PORT[-PORT]]")]
    pub listen: Vec<String>,

    /// A user: name, password and privilege limit (CALLBACK, USER, OPERATOR, ADMINISTRATOR (default) or OEM); may be repeated [default: admin:admin]
    #[arg(long = "user", value_name = "NAME:PASSWORD[:PRIV]")]
    pub users: Vec<String>,

    /// Cipher suites offered, e.g. 3,17 (0 only when listed: it authenticates nobody) [default: 1,2,3,15,16,17]
    #[arg(long, value_name = "LIST")]
    pub cipher_suites: Option<String>,

    /// Seconds of silence after which a session is closed (fractions allowed) [default: 60]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Option<Duration>,
}

impl std::fmt::Debug for ServeArgs {
    /// Without the passwords of `--user`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let users: Vec<&str> = self
            .users
            .iter()
            .map(|u| u.split(':').next().unwrap_or_default())
            .collect();
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("users", &users)
            .field("cipher_suites", &self.cipher_suites)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

/// `exporter [--config.file FILE] [--web.listen-address [HOST]:PORT]` (the
/// Go exporter's flag names; `--config` and `--listen` are the ipmirs style).
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct ExporterArgs {
    /// The exporter's YAML configuration (modules); without it, no modules
    #[arg(long = "config.file", alias = "config", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Address to listen on for HTTP; `:PORT` for every interface [default: :9290]
    #[arg(
        long = "web.listen-address",
        alias = "listen",
        value_name = "[HOST]:PORT"
    )]
    pub listen: Option<String>,
}

/// An interface named by a command word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterfaceWord {
    /// `lan`
    Lan,
    /// `local`
    Local,
    /// `kcs`
    Kcs,
}

/// `-d N`: an interface number, read like ipmitool reads it (C `strtol`
/// base 0, not negative).
fn parse_device_number(s: &str) -> Result<u32, String> {
    numbers::parse_unsigned(s, i32::MAX as u64)
        .map(|n| n as u32)
        .map_err(|e| e.to_string())
}

fn parse_kcs_address(s: &str) -> Result<KcsAddress, String> {
    KcsAddress::parse(s)
}

fn parse_port(s: &str) -> Result<u16, String> {
    match numbers::parse_unsigned(s, u16::MAX as u64) {
        Ok(0) => Err("port 0 is not a port (1-65535)".into()),
        Ok(p) => Ok(p as u16),
        Err(e) => Err(e.to_string()),
    }
}

/// Seconds, fractions allowed: `1`, `0.5`, `2.25`. Zero, negative, NaN and
/// absurdly long durations are refused.
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!(
            "'{s}': the number of seconds must be greater than 0"
        ));
    }
    if v > 86_400.0 {
        return Err(format!("'{s}': at most 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::chassis::{self, ChassisCommand, PowerWord};
    use crate::families::mc::{self, McCommand, ResetKind};
    use crate::families::raw::{self, RawArgs};
    use clap::error::ErrorKind;
    use clap::CommandFactory;
    use ipmi_core::NetFn;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("ipmirs").chain(args.iter().copied()))
    }

    /// Refused with exit 2: by clap, or (words that are no command) when
    /// the line is resolved.
    fn assert_usage(args: &[&str]) {
        match parse(args) {
            Err(e) => assert_eq!(e.exit_code(), 2, "{args:?}: {e}"),
            Ok(cli) => {
                let env: std::collections::HashMap<&str, &str> = Default::default();
                match crate::plan::plan(&cli, &env) {
                    Err(e) => assert_eq!(e.exit_code(), 2, "{args:?}: {e}"),
                    Ok(plan) => panic!("{args:?} accepted: {plan:?}"),
                }
            }
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn interface_word_is_optional() {
        let info = Command::Mc(mc::Words::Mc {
            command: McCommand::Info,
        });
        let with = parse(&["-H", "h", "lan", "mc", "info"]).unwrap();
        assert_eq!(
            with.command.job(),
            Job::Client(Some(InterfaceWord::Lan), &info)
        );
        let without = parse(&["-H", "h", "mc", "info"]).unwrap();
        assert_eq!(without.command.job(), Job::Client(None, &info));
        let local = parse(&["local", "chassis", "status"]).unwrap();
        assert!(matches!(
            local.command.job(),
            Job::Client(Some(InterfaceWord::Local), _)
        ));
        let kcs = parse(&["kcs", "mc", "reset", "warm"]).unwrap();
        assert_eq!(
            kcs.command.job(),
            Job::Client(
                Some(InterfaceWord::Kcs),
                &Command::Mc(mc::Words::Mc {
                    command: McCommand::Reset {
                        kind: ResetKind::Warm
                    }
                })
            )
        );
    }

    #[test]
    fn serve_and_try_are_their_own_words() {
        let cli = parse(&[
            "serve",
            "--listen",
            "127.0.0.1:7000-7001",
            "--user",
            "admin:pw",
            "--user",
            "op:pw2:operator",
            "--cipher-suites",
            "3,17",
            "--idle-timeout",
            "2.5",
        ])
        .unwrap();
        let Job::Serve(s) = cli.command.job() else {
            panic!("{cli:?}")
        };
        assert_eq!(s.listen, ["127.0.0.1:7000-7001"]);
        assert_eq!(s.users, ["admin:pw", "op:pw2:operator"]);
        assert_eq!(s.cipher_suites.as_deref(), Some("3,17"));
        assert_eq!(s.idle_timeout, Some(Duration::from_millis(2500)));
        // The passwords stay out of Debug.
        let shown = format!("{s:?}");
        assert!(!shown.contains("pw"), "{shown}");
        let bare = parse(&["serve"]).unwrap();
        let Job::Serve(s) = bare.command.job() else {
            panic!()
        };
        assert!(s.listen.is_empty() && s.users.is_empty() && s.cipher_suites.is_none());
        assert_eq!(parse(&["try"]).unwrap().command.job(), Job::Try);
        // Neither is a command of an interface, nor takes command words.
        for bad in [
            &["lan", "serve"][..],
            &["local", "try"],
            &["serve", "mc", "info"],
            &["try", "mc", "info"],
            &["serve", "--idle-timeout", "0"],
            &["serve", "--listen"],
        ] {
            assert_usage(bad);
        }
        // Global options parse (and are refused later, by the resolution).
        let cli = parse(&["serve", "-H", "h"]).unwrap();
        assert_eq!(cli.options.client_flags(), ["-H"]);
    }

    #[test]
    fn client_flags_lists_what_was_given() {
        assert!(parse(&["mc", "info"])
            .unwrap()
            .options
            .client_flags()
            .is_empty());
        let cli = parse(&[
            "-H",
            "h",
            "-L",
            "user",
            "--timeout",
            "3",
            "-v",
            "-b",
            "0",
            "-t",
            "0x30",
            "mc",
            "info",
        ])
        .unwrap();
        assert_eq!(
            cli.options.client_flags(),
            ["-H", "-L", "--timeout", "-v", "-b", "-t"]
        );
    }

    #[test]
    fn ipmitool_command_line_parses() {
        let cli = parse(&[
            "-I", "lanplus", "-H", "10.0.0.1", "-U", "admin", "-P", "pw", "-C", "3", "chassis",
            "power", "status",
        ])
        .unwrap();
        assert_eq!(cli.options.interface.as_deref(), Some("lanplus"));
        assert_eq!(cli.options.host.as_deref(), Some("10.0.0.1"));
        assert_eq!(
            cli.options.user.as_deref(),
            Some(std::ffi::OsStr::new("admin"))
        );
        assert_eq!(
            cli.options.password.as_deref(),
            Some(std::ffi::OsStr::new("pw"))
        );
        assert_eq!(cli.options.cipher_suite, Some(3));
        assert_eq!(
            cli.command,
            Top::Command(Command::Chassis(chassis::Words::Chassis {
                command: ChassisCommand::Power {
                    action: PowerWord::Status
                }
            }))
        );
    }

    #[test]
    fn options_may_follow_the_command_like_getopt() {
        let cli = parse(&["mc", "info", "-H", "h", "-v", "-v", "--json"]).unwrap();
        assert_eq!(cli.options.host.as_deref(), Some("h"));
        assert_eq!(cli.options.verbose, 2);
        assert!(cli.options.json);
        let cli = parse(&["lan", "-H", "h", "mc", "info"]).unwrap();
        assert_eq!(cli.options.host.as_deref(), Some("h"));
    }

    #[test]
    fn defaults() {
        let cli = parse(&["mc", "info"]).unwrap();
        assert_eq!(cli.options.privilege(), PrivilegeLevel::Administrator);
        assert_eq!(cli.options.timeout(), Duration::from_secs(10));
        assert_eq!(cli.options.port, None);
        assert_eq!(cli.options.verbose, 0);
        assert!(!cli.options.json && !cli.options.allow_insecure && !cli.options.password_from_env);
    }

    #[test]
    fn option_values() {
        let cli = parse(&[
            "-p",
            "0x26f",
            "-L",
            "user",
            "-N",
            "0.5",
            "-R",
            "2",
            "--timeout",
            "1.5",
            "-y",
            "0102",
            "-b",
            "6",
            "-t",
            "0x2c",
            "--allow-insecure",
            "mc",
            "info",
        ])
        .unwrap();
        let o = cli.options;
        assert_eq!(o.port, Some(623));
        assert_eq!(o.privilege(), PrivilegeLevel::User);
        assert_eq!(o.per_try_timeout, Some(Duration::from_millis(500)));
        assert_eq!(o.retries, Some(2));
        assert_eq!(o.timeout(), Duration::from_millis(1500));
        assert_eq!(o.kg_hex.as_deref(), Some("0102"));
        assert_eq!((o.bridge_channel, o.bridge_target), (Some(6), Some(0x2c)));
        assert!(o.allow_insecure);
    }

    #[test]
    fn device_options() {
        let cli = parse(&["-d", "1", "mc", "info"]).unwrap();
        assert_eq!(cli.options.device_number, Some(1));
        assert_eq!(cli.options.client_flags(), ["-d"]);
        // ipmitool's forms (strtol base 0), and after the command words.
        assert_eq!(
            parse(&["mc", "info", "-d", "0x2"])
                .unwrap()
                .options
                .device_number,
            Some(2)
        );
        let cli = parse(&["local", "--device", "/dev/ipmi/1", "chassis", "status"]).unwrap();
        assert_eq!(
            cli.options.device.as_deref(),
            Some(std::path::Path::new("/dev/ipmi/1"))
        );
        assert_eq!(cli.options.client_flags(), ["--device"]);
        for bad in [
            &["-d", "-1", "mc", "info"][..],
            &["-d", "one", "mc", "info"],
            &["-d", "08", "mc", "info"],
            &["-d", "4294967296", "mc", "info"],
            &["--device", "", "mc", "info"],
            &["-d", "1", "--device", "/dev/ipmi1", "mc", "info"],
        ] {
            assert_usage(bad);
        }
    }

    #[test]
    fn kcs_options() {
        let cli = parse(&[
            "kcs",
            "--kcs-addr",
            "0xca8:4",
            "--kcs-backend",
            "devport",
            "--kcs-force",
            "mc",
            "info",
        ])
        .unwrap();
        assert_eq!(
            cli.options.kcs_address,
            Some(KcsAddress {
                base: 0xca8,
                spacing: 4
            })
        );
        assert_eq!(cli.options.kcs_backend, Some(KcsBackend::Devport));
        assert!(cli.options.kcs_force);
        assert_eq!(
            cli.options.client_flags(),
            ["--kcs-addr", "--kcs-backend", "--kcs-force"]
        );
        // After the command words too, and the address in decimal.
        let cli = parse(&[
            "kcs",
            "mc",
            "info",
            "--kcs-addr",
            "3234",
            "--kcs-backend",
            "ioport",
        ])
        .unwrap();
        assert_eq!(cli.options.kcs_address, Some(KcsAddress::STANDARD));
        assert_eq!(cli.options.kcs_backend, Some(KcsBackend::Ioport));
        for bad in [
            &["--kcs-addr", "0x1ffff", "kcs", "mc", "info"][..],
            &["--kcs-addr", "0xca2:0", "kcs", "mc", "info"],
            &["--kcs-addr", "ca2", "kcs", "mc", "info"],
            &["--kcs-addr", "", "kcs", "mc", "info"],
            &["--kcs-backend", "inb", "kcs", "mc", "info"],
            &["--kcs-force=yes", "kcs", "mc", "info"],
            &["kcs"],
            &["kcs", "diagnose"],
        ] {
            assert_usage(bad);
        }
    }

    #[test]
    fn diagnose_is_its_own_word() {
        let cli = parse(&["diagnose"]).unwrap();
        assert_eq!(
            cli.command.job(),
            Job::Diagnose(&DiagnoseArgs { root: None })
        );
        let cli = parse(&["diagnose", "--json", "--root", "/tmp/x", "--timeout", "5"]).unwrap();
        let Job::Diagnose(d) = cli.command.job() else {
            panic!("{cli:?}")
        };
        assert_eq!(d.root.as_deref(), Some(std::path::Path::new("/tmp/x")));
        assert!(cli.options.json);
        assert_eq!(cli.options.client_flags(), ["--timeout", "--json"]);
        for bad in [
            &["diagnose", "mc", "info"][..],
            &["diagnose", "--root"],
            &["diagnose", "--root", ""],
            &["lan", "diagnose"],
            &["--root", "/x", "mc", "info"],
        ] {
            assert_usage(bad);
        }
    }

    #[test]
    fn power_words_and_synonyms() {
        for (word, want) in [
            ("status", PowerWord::Status),
            ("on", PowerWord::On),
            ("up", PowerWord::On),
            ("off", PowerWord::Off),
            ("down", PowerWord::Off),
            ("cycle", PowerWord::Cycle),
            ("reset", PowerWord::Reset),
            ("diag", PowerWord::Diag),
            ("soft", PowerWord::Soft),
            ("acpi", PowerWord::Soft),
        ] {
            let cli = parse(&["chassis", "power", word]).unwrap();
            assert_eq!(
                cli.command,
                Top::Command(Command::Chassis(chassis::Words::Chassis {
                    command: ChassisCommand::Power { action: want }
                }))
            );
            let cli = parse(&["power", word]).unwrap();
            assert_eq!(
                cli.command,
                Top::Command(Command::Chassis(chassis::Words::Power { action: want }))
            );
        }
        assert_eq!(
            parse(&["chassis", "power", "bounce"]).unwrap_err().kind(),
            ErrorKind::InvalidValue
        );
    }

    #[test]
    fn raw_arguments() {
        let cli = parse(&["raw", "0x06", "1"]).unwrap();
        assert_eq!(
            cli.command,
            Top::Command(Command::Raw(raw::Words::Raw(RawArgs {
                netfn: NetFn(6),
                cmd: 1,
                data: vec![]
            })))
        );
        let cli = parse(&["raw", "Application", "0x38", "0x8e", "4", "010", "-0"]).unwrap();
        assert_eq!(
            cli.command,
            Top::Command(Command::Raw(raw::Words::Raw(RawArgs {
                netfn: NetFn(6),
                cmd: 0x38,
                data: vec![0x8e, 4, 8, 0]
            })))
        );
        for bad in [
            &["raw", "0x06"][..],
            &["raw", "0x100", "1"],
            &["raw", "0x40", "1"],
            &["raw", "6", "256"],
            &["raw", "6", "1", "0xzz"],
            &["raw", "6", "1", "08"],
            &["raw", "6", "1", "-1"],
            &["raw", "junk", "1"],
        ] {
            assert_usage(bad);
        }
    }

    #[test]
    fn usage_errors_exit_2_and_help_exits_0() {
        for bad in [
            &["bogus"][..],
            &["mc"],
            &["mc", "bogus"],
            &["mc", "reset"],
            &["mc", "reset", "lukewarm"],
            &["chassis"],
            &["-P", "a", "-E", "mc", "info"],
            &["-P", "a", "-f", "/x", "mc", "info"],
            &["-k", "a", "-y", "00", "mc", "info"],
            &["-L", "ROOT", "mc", "info"],
            &["-N", "0", "mc", "info"],
            &["--timeout", "-1", "mc", "info"],
            &["--timeout", "nan", "mc", "info"],
            &["-p", "70000", "mc", "info"],
            &["-p", "0", "mc", "info"],
            &["-C", "256", "mc", "info"],
            &["-t", "0x100", "mc", "info"],
            &[],
        ] {
            assert_usage(bad);
        }
        for good in [
            &["--help"][..],
            &["-h"],
            &["-V"],
            &["--version"],
            &["mc", "--help"],
        ] {
            let e = parse(good).unwrap_err();
            assert_eq!(e.exit_code(), 0, "{good:?}");
        }
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("1"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-3").is_err());
        assert!(parse_seconds("inf").is_err());
        assert!(parse_seconds("1e9").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
