//! The plan: from the parsed command line (plus the environment) to what to do:
//! which interface, which BMC with which credentials, which action.
//! Everything here is pure but for reading a password file, so the grammar
//! and the environment fall-backs are unit-tested with a hand-made
//! environment instead of the process's.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipmi_core::{PrivilegeLevel, Target};
use ipmi_kcs::kcs::{Backend, KcsAddress};
use ipmi_lanplus::fleet::{parse_host_list, parse_hosts_file, HostSpec};
use ipmi_lanplus::server::{parse_cipher_suites, parse_listen, ServerConfig, User};

use crate::args::{
    Cli, DiagnoseArgs, InterfaceWord, Job, KcsBackend, Options, RecoverArgs, ServeArgs, Top, Words,
};
pub use crate::connect::kcs::KcsSettings;
pub use crate::connect::lan::LanSettings;
pub use crate::connect::local::{DeviceChoice, LocalSettings};
use crate::credentials::{kg_of, os_bytes, password_of, KgOptions, PasswordOptions};
pub use crate::credentials::{Env, PasswordSource};
use crate::exit::CliError;
pub use crate::families::Action;
use crate::families::{unimplemented, Command};

/// The default RMCP port.
pub use ipmi_lanplus::RMCP_PORT as DEFAULT_PORT;
/// The interface a command goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// RMCP+ (IPMI 2.0 LAN).
    Lan,
    /// `/dev/ipmi0`.
    Local,
    /// KCS system interface.
    Kcs,
}

/// The interface a resolved invocation goes through, with its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// RMCP+ to a BMC on the network.
    Lan(LanSettings),
    /// The local BMC through the kernel's IPMI driver.
    Local(LocalSettings),
    /// The local BMC through its KCS ports, without the kernel driver.
    Kcs(KcsSettings),
}

/// A fully resolved invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The interface and its settings.
    pub link: Link,
    /// The action.
    pub action: Action,
    /// `--timeout`
    pub timeout: Duration,
    /// `--json`
    pub json: bool,
    /// `-v` count.
    pub verbose: u8,
}

impl Invocation {
    /// The LAN settings (tests only: panics for another interface).
    #[cfg(test)]
    pub fn lan(&self) -> &LanSettings {
        match &self.link {
            Link::Lan(s) => s,
            other => panic!("not a lan invocation: {other:?}"),
        }
    }

    /// The local settings (tests only: panics for another interface).
    #[cfg(test)]
    pub fn local(&self) -> &LocalSettings {
        match &self.link {
            Link::Local(s) => s,
            other => panic!("not a local invocation: {other:?}"),
        }
    }

    /// The kcs settings (tests only: panics for another interface).
    #[cfg(test)]
    pub fn kcs(&self) -> &KcsSettings {
        match &self.link {
            Link::Kcs(s) => s,
            other => panic!("not a kcs invocation: {other:?}"),
        }
    }
}

/// What a command line asks for, resolved.
#[derive(Debug)]
pub enum Plan {
    /// A client command.
    Client(Invocation),
    /// `serve`
    Serve(ServeSettings),
    /// `exporter`
    Exporter(ExporterSettings),
    /// `try`
    Try(TrySettings),
    /// `diagnose`
    Diagnose(DiagnoseSettings),
    /// `recover`
    Recover(RecoverSettings),
    /// A client command on several BMCs (`-H h1,h2`, `--hosts-file`).
    Fleet(FleetSettings),
}

/// A client command on several BMCs, resolved.
#[derive(Debug)]
pub struct FleetSettings {
    /// The hosts, in the order given (`-H` first, then `--hosts-file`).
    pub hosts: Vec<HostSpec>,
    /// What every host shares: credentials, session options, the action,
    /// the per-host deadline (`--timeout`), output options. Its lan
    /// settings' host is the first host (unused: see `hosts`).
    pub invocation: Invocation,
    /// The lan settings of `invocation`.
    pub lan: LanSettings,
    /// Hosts worked on at once.
    pub fanout: usize,
}

/// `--fanout` when not given.
pub const DEFAULT_FANOUT: usize = ipmi_lanplus::fleet::DEFAULT_FANOUT;

/// Whether the command line names several hosts: `--hosts-file`, a comma
/// in `-H`, or a port range in `-H`. One plain `-H HOST` is not a fleet.
pub fn is_fleet(o: &Options) -> bool {
    if o.hosts_file.is_some() {
        return true;
    }
    match &o.host {
        Some(h) if h.contains(',') => true,
        Some(h) => matches!(parse_host_list(h), Ok(list) if list.len() > 1),
        None => false,
    }
}

/// Resolves a client command line that names several hosts.
pub fn resolve_fleet(cli: &Cli, env: &dyn Env) -> Result<FleetSettings, CliError> {
    let o = &cli.options;
    let Job::Client(word, _) = cli.command.job() else {
        return Err(CliError::Usage(
            "serve, try and diagnose are not client commands".into(),
        ));
    };
    if interface_of(word, o.interface.as_deref(), true)? != Interface::Lan {
        return Err(CliError::Usage(
            "several hosts (-H h1,h2 or --hosts-file) need the lan interface".into(),
        ));
    }
    let mut hosts = Vec::new();
    if let Some(list) = &o.host {
        hosts = parse_host_list(list).map_err(|e| CliError::Usage(format!("-H: {e}")))?;
    }
    if let Some(path) = &o.hosts_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("--hosts-file: cannot read {}: {e}", path.display()))
        })?;
        let more = parse_hosts_file(&text)
            .map_err(|e| CliError::Usage(format!("--hosts-file {}: {e}", path.display())))?;
        hosts.extend(more);
    }
    let Some(first) = hosts.first() else {
        return Err(CliError::Usage(format!(
            "--hosts-file {}: no hosts",
            o.hosts_file
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )));
    };
    let mut shared = cli.options.clone();
    shared.host = Some(first.host.clone());
    let invocation = resolve(
        &Cli {
            options: shared,
            command: cli.command.clone(),
        },
        env,
    )?;
    let Link::Lan(lan) = &invocation.link else {
        return Err(CliError::Usage(
            "several hosts (-H h1,h2 or --hosts-file) need the lan interface".into(),
        ));
    };
    let lan = lan.clone();
    Ok(FleetSettings {
        hosts,
        invocation,
        lan,
        fanout: o.fanout.map_or(DEFAULT_FANOUT, |n| n as usize),
    })
}

/// `ipmirs diagnose`, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagnoseSettings {
    /// Where `/proc`, `/sys` and `/dev` are (`/` without `--root`).
    pub root: PathBuf,
    /// Probe the KCS ports (when the driver does not own them): only on the
    /// running machine, i.e. without `--root`.
    pub probe_kcs: bool,
    /// `--kcs-addr`
    pub kcs_address: Option<KcsAddress>,
    /// `--kcs-backend`
    pub kcs_backend: Backend,
    /// `--timeout`: the whole triage.
    pub timeout: Duration,
    /// Deadline of each Get Device ID probe: 2 s, less when `--timeout`
    /// leaves less (a third of it, so both probes and the sample fit).
    pub probe_timeout: Duration,
    /// `--json`
    pub json: bool,
}

/// `ipmirs recover`, resolved.
#[derive(Debug)]
pub struct RecoverSettings {
    /// The triage it starts from (its `timeout` bounds the triage).
    pub diagnose: DiagnoseSettings,
    /// `--dry-run` (also implied by `--root`).
    pub dry_run: bool,
    /// `--yes`
    pub yes: bool,
    /// `--kill-stuck`
    pub kill_stuck: bool,
    /// `--stuck-after`
    pub stuck_after: Duration,
    /// `--unload-driver`
    pub unload_driver: bool,
    /// `--timeout`: how long each reset step waits for the BMC to answer again.
    pub reset_budget: Duration,
    /// `-H` and the lan options: the out-of-band step's session.
    pub lan: Option<LanSettings>,
}

/// `--stuck-after` when not given.
pub const RECOVER_STUCK_AFTER: Duration = Duration::from_secs(300);
/// A reset's budget without `--timeout`: BMCs take one to two minutes to boot.
pub const RECOVER_RESET_BUDGET: Duration = Duration::from_secs(120);

/// The probes' deadline without a shorter `--timeout`.
pub const DIAGNOSE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `ipmirs serve`, resolved.
#[derive(Debug)]
pub struct ServeSettings {
    /// Every address to bind, in order (one virtual BMC each).
    pub listen: Vec<SocketAddr>,
    /// Users, suites, timers.
    pub config: ServerConfig,
    /// True when no `--user` was given: the built-in user only.
    pub default_user: bool,
}

/// `ipmirs exporter`, resolved.
#[derive(Debug)]
pub struct ExporterSettings {
    /// `--config.file`.
    pub config_file: Option<PathBuf>,
    /// `--web.listen-address`, `:9290` when not given.
    pub listen: String,
}

/// `ipmirs try`, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrySettings {
    /// `--timeout`, for each of the two commands.
    pub timeout: Duration,
    /// `--json`
    pub json: bool,
    /// `-v` count.
    pub verbose: u8,
}

/// Name of the user `serve` and `try` have when no `--user` is given.
pub const DEFAULT_SERVE_USER: &str = "admin";
/// That user's password.
pub const DEFAULT_SERVE_PASSWORD: &str = "admin";
/// Where `serve` listens when no `--listen` is given.
pub const DEFAULT_SERVE_LISTEN: &str = "127.0.0.1:6230";

/// The built-in user of `serve` and `try`: admin, password admin, ADMINISTRATOR.
pub fn default_serve_user() -> User {
    User::new(
        DEFAULT_SERVE_USER,
        DEFAULT_SERVE_PASSWORD,
        PrivilegeLevel::Administrator,
    )
}

/// The refusal of ipmitool options ipmirs does not implement (exit 2).
fn refuse_ipmitool_options(o: &Options) -> Result<(), CliError> {
    if let Some(oem) = &o.oem_type {
        return Err(CliError::Usage(format!(
            "-o {oem}: ipmitool's OEM types are not supported (ipmirs speaks standard IPMI 2.0 only)"
        )));
    }
    if let Some(addr) = &o.local_address {
        return Err(CliError::Usage(format!(
            "-m {addr}: setting the local IPMB address is not supported (ipmirs always sends as 0x20)"
        )));
    }
    if let Some(lun) = &o.target_lun {
        return Err(CliError::Usage(format!(
            "-l {lun}: setting the target LUN is not supported (requests go to LUN 0)"
        )));
    }
    Ok(())
}

/// Resolves the whole command line.
pub fn plan(cli: &Cli, env: &dyn Env) -> Result<Plan, CliError> {
    match cli.command.job() {
        Job::Unknown(word, words) => {
            return Err(unimplemented::first_word(
                word == Some(InterfaceWord::Lan),
                words,
            ))
        }
        Job::Client(_, command) => {
            command.action()?;
        }
        _ => {}
    }
    refuse_ipmitool_options(&cli.options)?;
    match cli.command.job() {
        Job::Unknown(word, words) => Err(unimplemented::first_word(
            word == Some(InterfaceWord::Lan),
            words,
        )),
        Job::Client(..) if is_fleet(&cli.options) => resolve_fleet(cli, env).map(Plan::Fleet),
        Job::Client(..) => resolve(cli, env).map(Plan::Client),
        Job::Serve(args) => resolve_serve(args, &cli.options).map(Plan::Serve),
        Job::Exporter(args) => Ok(Plan::Exporter(ExporterSettings {
            config_file: args.config_file.clone(),
            listen: args
                .listen
                .clone()
                .unwrap_or_else(|| ipmi_exporter::DEFAULT_LISTEN.to_string()),
        })),
        Job::Try => resolve_try(&cli.options).map(Plan::Try),
        Job::Diagnose(args) => resolve_diagnose(args, &cli.options).map(Plan::Diagnose),
        Job::Recover(args) => resolve_recover(args, cli, env).map(Plan::Recover),
    }
}

/// Resolves a client command line. Usage errors (and interfaces or
/// features not implemented yet) are [`CliError::Usage`].
pub fn resolve(cli: &Cli, env: &dyn Env) -> Result<Invocation, CliError> {
    let o = &cli.options;
    let Job::Client(word, command) = cli.command.job() else {
        return Err(CliError::Usage(
            "serve, try and diagnose are not client commands".into(),
        ));
    };
    let action = action_of(command)?;

    let interface = interface_of(word, o.interface.as_deref(), o.host.is_some())?;
    let explicit = word.is_some() || o.interface.is_some();
    if interface != Interface::Kcs {
        let kcs_flags = flags_among(o, &["--kcs-addr", "--kcs-backend", "--kcs-force"]);
        if !kcs_flags.is_empty() {
            return Err(CliError::Usage(format!(
                "{} {} of the kcs interface, but the interface is {}: say `kcs` (or -I kcs) to \
                 reach this machine's BMC through its KCS ports",
                kcs_flags.join(", "),
                if kcs_flags.len() == 1 {
                    "is an option"
                } else {
                    "are options"
                },
                word_name(interface)
            )));
        }
    }
    let link = match interface {
        Interface::Lan => Link::Lan(lan_settings(o, env)?),
        Interface::Local => Link::Local(local_settings(o, explicit)?),
        Interface::Kcs => Link::Kcs(kcs_settings(o)?),
    };
    Ok(Invocation {
        link,
        action: action.with_output(o.csv, o.json, o.sdr_file.clone()),
        timeout: o.timeout(),
        json: o.json,
        verbose: o.verbose,
    })
}

/// The options that belong to the lan interface only, by their flag, as
/// given (`-H` aside).
fn lan_only_flags(o: &Options) -> Vec<&'static str> {
    o.client_flags()
        .into_iter()
        .filter(|f| {
            matches!(
                *f,
                "-p" | "-U"
                    | "-P"
                    | "-E"
                    | "-f"
                    | "-a"
                    | "-C"
                    | "-L"
                    | "-k"
                    | "-y"
                    | "-K"
                    | "-N"
                    | "-R"
                    | "--allow-insecure"
                    | "--fanout"
            )
        })
        .collect()
}

/// The local interface's settings. `explicit`: the interface was named
/// (`local`, `-I open`) rather than implied by the absence of `-H`.
///
/// Refused (exit 2) where the command might reach another BMC than the
/// one meant: `-H` (ipmitool's `-I open -H host` silently talks to the
/// local BMC), and, when the interface is only implied, options of a LAN
/// session (`-U admin -P x chassis power off` without `-H` is far more
/// likely a forgotten `-H` than a wish to power off this machine). Given
/// with `local` or `-I open`, those options are ignored, as ipmitool
/// ignores them.
fn local_settings(o: &Options, explicit: bool) -> Result<LocalSettings, CliError> {
    if let Some(host) = &o.host {
        return Err(CliError::Usage(format!(
            "-H {host} names a remote BMC, but the interface is local (this machine's BMC through \
             /dev/ipmi0): drop `local`/-I open to reach {host} over lan, or drop -H to use the local BMC"
        )));
    }
    let ignored = lan_only_flags(o);
    if !explicit && !ignored.is_empty() {
        let (these, are) = if ignored.len() == 1 {
            ("option", "is an option")
        } else {
            ("options", "are options")
        };
        return Err(CliError::Usage(format!(
            "{} {are} of the lan interface, but no -H was given, so the command would go to this \
             machine's own BMC through /dev/ipmi0: give -H BMC to reach a remote BMC, or say `local` \
             (or -I open) to use the local BMC anyway (the {these} will be ignored)",
            ignored.join(", ")
        )));
    }
    let device = match (&o.device, o.device_number) {
        (Some(path), _) => DeviceChoice::Path(path.clone()),
        (None, Some(n)) => DeviceChoice::Number(n),
        (None, None) => DeviceChoice::Number(0),
    };
    Ok(LocalSettings {
        device,
        target: target_of(o.bridge_channel, o.bridge_target)?,
        ignored,
    })
}

/// "selects ... drop it" for one device option, "select ... drop them" for two.
fn select_them(flags: &[&str]) -> (&'static str, &'static str) {
    if flags.len() == 1 {
        ("selects", "it")
    } else {
        ("select", "them")
    }
}

/// The given options among `flags`, in the order of `--help`.
fn flags_among(o: &Options, flags: &[&str]) -> Vec<&'static str> {
    o.client_flags()
        .into_iter()
        .filter(|f| flags.contains(f))
        .collect()
}

/// The kcs interface's settings. Always named (`kcs`, `-I kcs`), so the
/// options of a LAN session are ignored as with `local`; refused (exit 2):
/// `-H` (another BMC than the one meant), `-d`/`--device` (a device file
/// of the kernel driver, which kcs does without), and bridging, which KCS
/// cannot carry (the kernel's Send Message does it over `local`).
fn kcs_settings(o: &Options) -> Result<KcsSettings, CliError> {
    if let Some(host) = &o.host {
        return Err(CliError::Usage(format!(
            "-H {host} names a remote BMC, but the interface is kcs (this machine's BMC through its \
             KCS ports): drop `kcs`/-I kcs to reach {host} over lan, or drop -H to use the local BMC"
        )));
    }
    let device_flags = flags_among(o, &["-d", "--device"]);
    if !device_flags.is_empty() {
        let (select, them) = select_them(&device_flags);
        return Err(CliError::Usage(format!(
            "{} {select} a device file of the kernel's IPMI driver, but the kcs interface uses the KCS \
             ports without the driver: drop {them}, or use `local` for /dev/ipmiN",
            device_flags.join(", "),
        )));
    }
    let target = target_of(o.bridge_channel, o.bridge_target)?;
    if !target.is_bmc() {
        return Err(CliError::Usage(format!(
            "bridging (-b/-t) is not possible over kcs: the KCS interface carries requests to the BMC \
             itself only, and IPMB address 0x{:02x} on channel {} needs Send Message: use `local` \
             (the kernel driver bridges) or lan (-H BMC) with -b/-t",
            target.slave_addr, target.channel
        )));
    }
    Ok(KcsSettings {
        address: o.kcs_address,
        backend: backend_of(o.kcs_backend),
        force: o.kcs_force,
        root: PathBuf::from("/"),
        ignored: lan_only_flags(o),
    })
}

/// The lan interface's settings: host, credentials, session options.
fn lan_settings(o: &Options, env: &dyn Env) -> Result<LanSettings, CliError> {
    let device_flags: Vec<&str> = o
        .client_flags()
        .into_iter()
        .filter(|f| matches!(*f, "-d" | "--device"))
        .collect();
    if !device_flags.is_empty() {
        let (select, them) = select_them(&device_flags);
        return Err(CliError::Usage(format!(
            "{} {select} a local IPMI device, but the interface is lan (RMCP+ to -H HOST): \
             drop {them} or use `local` without -H",
            device_flags.join(", "),
        )));
    }
    let Some(host) = o.host.clone() else {
        return Err(CliError::Usage(
            "the lan interface needs the BMC's address: -H HOST".into(),
        ));
    };
    if host.is_empty() {
        return Err(CliError::Usage("-H: empty host name".into()));
    }

    let target = target_of(o.bridge_channel, o.bridge_target)?;

    let username = match &o.user {
        Some(u) => os_bytes(u).to_vec(),
        None => env
            .var_os("IPMI_USER")
            .map(|u| os_bytes(&u).to_vec())
            .unwrap_or_default(),
    };
    let (password, password_source) = password_of(
        PasswordOptions {
            option: o.password.as_deref(),
            from_env: o.password_from_env,
            file: o.password_file.as_deref(),
            prompt: o.password_prompt,
        },
        env,
    )?;
    let kg = kg_of(
        KgOptions {
            text: o.kg.as_deref(),
            hex: o.kg_hex.as_deref(),
            from_env: o.kg_from_env,
        },
        env,
    )?;

    Ok(LanSettings {
        host,
        port: o.port.unwrap_or(DEFAULT_PORT),
        username,
        password,
        password_source,
        kg,
        privilege: o.privilege(),
        cipher_suite: o.cipher_suite,
        per_try_timeout: o.per_try_timeout,
        retries: o.retries,
        allow_insecure: o.allow_insecure,
        target,
    })
}

/// `-b CHANNEL -t ADDRESS`, read like ipmitool 1.8.19 reads them: `-t`
/// alone means channel 0, and address 0x20 on channel 0 is the BMC itself
/// (no bridging). Refused where ipmitool would silently talk to the BMC
/// instead of the controller meant (`-b` without `-t`, `-t 0`), and for
/// what IPMB cannot carry (odd addresses, channels above 15).
pub fn target_of(channel: Option<u8>, address: Option<u8>) -> Result<Target, CliError> {
    let Some(address) = address else {
        return match channel {
            None => Ok(Target::bmc()),
            Some(c) => Err(CliError::Usage(format!(
                "-b {c} needs -t ADDRESS, the IPMB address of the controller to bridge to \
                 (ipmitool ignores -b alone and talks to the BMC itself)"
            ))),
        };
    };
    if address == 0 || address & 1 == 1 {
        return Err(CliError::Usage(format!(
            "-t 0x{address:02x} is not an IPMB slave address (even, 0x02-0xfe; the BMC is 0x20)"
        )));
    }
    let channel = channel.unwrap_or(0);
    if channel > 0x0f {
        return Err(CliError::Usage(format!(
            "-b {channel}: channel numbers are 0-15"
        )));
    }
    Ok(Target::ipmb(channel, address))
}

/// Refuses the client options given to a command that is no client.
fn refuse_client_options(word: &str, given: &[&str], takes: &str) -> Result<(), CliError> {
    if given.is_empty() {
        return Ok(());
    }
    let (these, belong) = if given.len() == 1 {
        ("option", "belongs")
    } else {
        ("options", "belong")
    };
    Err(CliError::Usage(format!(
        "{word}: the {these} {} {belong} to the client commands; {word} {takes}",
        given.join(", ")
    )))
}

/// Resolves `serve`: listen addresses, users (the built-in one, loopback
/// only, when none is given), cipher suites, idle timeout.
pub fn resolve_serve(args: &ServeArgs, options: &Options) -> Result<ServeSettings, CliError> {
    refuse_client_options(
        "serve",
        &options.client_flags(),
        "takes --listen, --user, --cipher-suites and --idle-timeout",
    )?;
    let usage =
        |flag: &str, e: &dyn std::fmt::Display| CliError::Usage(format!("serve: {flag}: {e}"));

    let specs: Vec<&str> = if args.listen.is_empty() {
        vec![DEFAULT_SERVE_LISTEN]
    } else {
        args.listen.iter().map(String::as_str).collect()
    };
    let mut listen: Vec<SocketAddr> = Vec::new();
    for spec in specs {
        for addr in parse_listen(spec).map_err(|e| usage("--listen", &e))? {
            if listen.contains(&addr) && addr.port() != 0 {
                return Err(usage("--listen", &format!("{addr} is given twice")));
            }
            listen.push(addr);
        }
    }

    let mut config = ServerConfig::new();
    let mut names: Vec<Vec<u8>> = Vec::new();
    for spec in &args.users {
        let user: User = spec.parse().map_err(|e| usage("--user", &e))?;
        if names.contains(&user.name) {
            return Err(usage(
                "--user",
                &format!(
                    "user '{}' is given twice",
                    String::from_utf8_lossy(&user.name)
                ),
            ));
        }
        names.push(user.name.clone());
        config = config.user(user);
    }
    let default_user = args.users.is_empty();
    if default_user {
        if let Some(open) = listen.iter().find(|a| !a.ip().is_loopback()) {
            return Err(usage(
                "--listen",
                &format!(
                    "{open} is not a loopback address: give --user NAME:PASSWORD \
                     (the built-in user {DEFAULT_SERVE_USER}:{DEFAULT_SERVE_PASSWORD} is for loopback only)"
                ),
            ));
        }
        config = config.user(default_serve_user());
    }
    if let Some(list) = &args.cipher_suites {
        config = config
            .cipher_suites(parse_cipher_suites(list).map_err(|e| usage("--cipher-suites", &e))?);
    }
    if let Some(t) = args.idle_timeout {
        config = config.idle_timeout(t);
    }
    config
        .validate()
        .map_err(|e| CliError::Usage(format!("serve: {e}")))?;
    Ok(ServeSettings {
        listen,
        config,
        default_user,
    })
}

/// Resolves `try`: only `-v`, `--json` and `--timeout` apply.
pub fn resolve_try(options: &Options) -> Result<TrySettings, CliError> {
    let refused: Vec<&str> = options
        .client_flags()
        .into_iter()
        .filter(|f| !matches!(*f, "-v" | "--json" | "--timeout"))
        .collect();
    refuse_client_options(
        "try",
        &refused,
        "takes only -v, --json and --timeout (it talks to its own virtual BMC)",
    )?;
    Ok(TrySettings {
        timeout: options.timeout(),
        json: options.json,
        verbose: options.verbose,
    })
}

/// Resolves `diagnose`: `--root`, and of the client options only
/// `--json`, `--timeout`, `--kcs-addr` and `--kcs-backend`.
pub fn resolve_diagnose(
    args: &DiagnoseArgs,
    options: &Options,
) -> Result<DiagnoseSettings, CliError> {
    let refused: Vec<&str> = options
        .client_flags()
        .into_iter()
        .filter(|f| !matches!(*f, "--json" | "--timeout" | "--kcs-addr" | "--kcs-backend"))
        .collect();
    refuse_client_options(
        "diagnose",
        &refused,
        "takes --json, --timeout, --kcs-addr, --kcs-backend and --root \
         (it never forces the KCS ports away from the kernel driver)",
    )?;
    // clap refuses an empty --root.
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let timeout = options.timeout();
    Ok(DiagnoseSettings {
        probe_kcs: args.root.is_none(),
        root,
        kcs_address: options.kcs_address,
        kcs_backend: backend_of(options.kcs_backend),
        timeout,
        probe_timeout: DIAGNOSE_PROBE_TIMEOUT.min(timeout / 3),
        json: options.json,
    })
}

/// `--kcs-backend`, or choose.
fn backend_of(backend: Option<KcsBackend>) -> Backend {
    match backend {
        None => Backend::Auto,
        Some(KcsBackend::Ioport) => Backend::IoPort,
        Some(KcsBackend::Devport) => Backend::DevPort,
    }
}

/// Resolves `recover`: its flags, `--json`, `--kcs-addr`, `--kcs-backend`,
/// `--timeout` (each reset's budget), and `-H` with the lan options for
/// the out-of-band step (resolved as `lan mc reset cold` would be).
pub fn resolve_recover(
    args: &RecoverArgs,
    cli: &Cli,
    env: &dyn Env,
) -> Result<RecoverSettings, CliError> {
    let o = &cli.options;
    let lan_flags = [
        "-H", "-p", "-U", "-P", "-E", "-f", "-a", "-C", "-L", "-k", "-y", "-K", "-N", "-R",
    ];
    let refused: Vec<&str> = o
        .client_flags()
        .into_iter()
        .filter(|f| {
            !(lan_flags.contains(f)
                || matches!(
                    *f,
                    "--json" | "--timeout" | "--kcs-addr" | "--kcs-backend" | "-I"
                ))
        })
        .collect();
    refuse_client_options(
        "recover",
        &refused,
        "takes --json, --timeout, --kcs-addr, --kcs-backend, and -H with the lan options for the \
         out-of-band reset",
    )?;
    if is_fleet(o) {
        return Err(CliError::Usage(
            "recover: -H names one BMC (this machine's), not several".into(),
        ));
    }
    let lan = if o.host.is_some() {
        let reset = Cli {
            options: o.clone(),
            command: Top::Lan {
                command: Words::Known(crate::families::Command::Mc(
                    crate::families::mc::Words::Mc {
                        command: crate::families::mc::McCommand::Reset {
                            kind: crate::families::mc::ResetKind::Cold,
                        },
                    },
                )),
            },
        };
        match resolve(&reset, env)?.link {
            Link::Lan(settings) => Some(settings),
            _ => {
                return Err(CliError::Usage(
                    "recover: -H resets the BMC over lan; -I must be lanplus".into(),
                ))
            }
        }
    } else {
        let without_host: Vec<&str> = o
            .client_flags()
            .into_iter()
            .filter(|f| lan_flags.contains(f))
            .collect();
        if !without_host.is_empty() {
            return Err(CliError::Usage(format!(
                "recover: {} without -H: the lan options are for the out-of-band reset of the BMC named by -H",
                without_host.join(", ")
            )));
        }
        None
    };
    let diagnose = DiagnoseSettings {
        root: args.root.clone().unwrap_or_else(|| PathBuf::from("/")),
        probe_kcs: args.root.is_none(),
        kcs_address: o.kcs_address,
        kcs_backend: backend_of(o.kcs_backend),
        timeout: crate::args::DEFAULT_TIMEOUT,
        probe_timeout: DIAGNOSE_PROBE_TIMEOUT,
        json: o.json,
    };
    Ok(RecoverSettings {
        diagnose,
        dry_run: args.dry_run || args.root.is_some(),
        yes: args.yes,
        kill_stuck: args.kill_stuck,
        stuck_after: args.stuck_after.unwrap_or(RECOVER_STUCK_AFTER),
        unload_driver: args.unload_driver,
        reset_budget: o.timeout.unwrap_or(RECOVER_RESET_BUDGET),
        lan,
    })
}

/// The action of the command words.
pub fn action_of(command: &Command) -> Result<Action, CliError> {
    command.action()
}

/// The interface: the command word, ipmitool's `-I`, or the default
/// (`lan` with `-H`, else `local`).
pub fn interface_of(
    word: Option<InterfaceWord>,
    dash_i: Option<&str>,
    has_host: bool,
) -> Result<Interface, CliError> {
    let from_word = word.map(|w| match w {
        InterfaceWord::Lan => Interface::Lan,
        InterfaceWord::Local => Interface::Local,
        InterfaceWord::Kcs => Interface::Kcs,
    });
    let from_option = match dash_i {
        None => None,
        Some("lanplus") => Some(Interface::Lan),
        Some("open") => Some(Interface::Local),
        Some("kcs") => Some(Interface::Kcs),
        Some("lan") => {
            return Err(CliError::Usage(
                "-I lan (IPMI 1.5 sessions) is not supported; use -I lanplus (IPMI 2.0, RMCP+)".into(),
            ))
        }
        Some(other) => {
            return Err(CliError::Usage(format!(
                "-I {other}: unknown interface (expected lanplus, open or kcs; or the words lan, local, kcs)"
            )))
        }
    };
    match (from_word, from_option) {
        (Some(w), Some(o)) if w != o => Err(CliError::Usage(format!(
            "conflicting interfaces: -I {} and '{}'",
            dash_i.unwrap_or_default(),
            word_name(w)
        ))),
        (Some(i), _) | (None, Some(i)) => Ok(i),
        (None, None) => Ok(if has_host {
            Interface::Lan
        } else {
            Interface::Local
        }),
    }
}

fn word_name(i: Interface) -> &'static str {
    match i {
        Interface::Lan => "lan",
        Interface::Local => "local",
        Interface::Kcs => "kcs",
    }
}

#[cfg(test)]
mod tests;
