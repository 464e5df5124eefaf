//! From the parsed command line (plus the environment) to what to do:
//! which interface, which BMC with which credentials, which action.
//! Everything here is pure but for reading a password file, so the grammar
//! and the environment fall-backs are unit-tested with a hand-made
//! environment instead of the process's.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipmi_core::cmd::{PowerAction, Raw};
use ipmi_core::{PrivilegeLevel, Target};
use ipmi_kcs::kcs::{Backend, KcsAddress};
use ipmi_lanplus::fleet::{parse_host_list, parse_hosts_file, HostSpec};
use ipmi_lanplus::server::{parse_cipher_suites, parse_listen, ServerConfig, User};

use crate::args::{
    ChassisCommand, Cli, Command, DiagnoseArgs, InterfaceWord, Job, KcsBackend, McCommand, Options,
    PowerWord, ResetKind, ServeArgs, MAX_RAW_DATA,
};
use crate::exit::CliError;

/// Longest password (Kuid) and BMC key (Kg), IPMI 2.0 §13.31.
pub use ipmi_lanplus::config::MAX_KEY;
/// The default RMCP port.
pub use ipmi_lanplus::RMCP_PORT as DEFAULT_PORT;

/// Read access to environment variables.
pub trait Env {
    /// The variable's value, if set.
    fn var_os(&self, name: &str) -> Option<OsString>;
}

/// The process's environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl Env for HashMap<&str, &str> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.get(name).map(OsString::from)
    }
}

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

/// What to do, once connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `mc info`
    McInfo,
    /// `mc reset cold|warm`
    McReset(ResetKind),
    /// `chassis status`
    ChassisStatus,
    /// `chassis power status`
    PowerStatus,
    /// `chassis power on|off|cycle|reset|diag|soft`
    PowerControl(PowerAction),
    /// `raw NETFN CMD DATA...`
    Raw(Raw),
}

/// Where the password came from (said with `-v`, never the password itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// `-P`
    Option,
    /// `-E`: this variable.
    EnvOption(&'static str),
    /// `-f FILE`
    File,
    /// No option: `IPMI_PASSWORD`.
    Env,
    /// Nothing at all: the empty password.
    Empty,
    /// `try`: the password of its own virtual BMC.
    BuiltIn,
}

/// Everything a LAN session needs.
#[derive(Clone, PartialEq, Eq)]
pub struct LanSettings {
    /// Host name or address.
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// User name bytes (empty = null user).
    pub username: Vec<u8>,
    /// Password bytes.
    pub password: Vec<u8>,
    /// Where the password came from.
    pub password_source: PasswordSource,
    /// BMC key, when one that is not all zero was given.
    pub kg: Option<Vec<u8>>,
    /// Requested privilege level.
    pub privilege: PrivilegeLevel,
    /// Pinned cipher suite.
    pub cipher_suite: Option<u8>,
    /// `-N`
    pub per_try_timeout: Option<Duration>,
    /// `-R`
    pub retries: Option<u32>,
    /// `--allow-insecure`
    pub allow_insecure: bool,
    /// Where requests go: the BMC, or a controller behind it (`-b`/`-t`).
    pub target: Target,
}

impl std::fmt::Debug for LanSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &String::from_utf8_lossy(&self.username))
            .field("password", &"<redacted>")
            .field("password_source", &self.password_source)
            .field("kg", &self.kg.as_ref().map(|_| "<redacted>"))
            .field("privilege", &self.privilege)
            .field("cipher_suite", &self.cipher_suite)
            .field("per_try_timeout", &self.per_try_timeout)
            .field("retries", &self.retries)
            .field("allow_insecure", &self.allow_insecure)
            .field("target", &self.target)
            .finish()
    }
}

/// Which local IPMI device: `-d N` or `--device PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceChoice {
    /// Interface N: `/dev/ipmiN`, else `/dev/ipmi/N`, else `/dev/ipmidev/N`
    /// (ipmitool's order); 0 when neither option is given.
    Number(u32),
    /// This device file (`--device`).
    Path(PathBuf),
}

impl std::fmt::Display for DeviceChoice {
    /// `/dev/ipmi0` for a number (the first file tried), else the path.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceChoice::Number(n) => write!(f, "/dev/ipmi{n}"),
            DeviceChoice::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Everything the local (in-band, `/dev/ipmiN`) interface needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSettings {
    /// The device.
    pub device: DeviceChoice,
    /// Where requests go: the BMC, or a controller behind it (`-b`/`-t`).
    pub target: Target,
    /// Options of the lan interface that were given and do not apply
    /// in-band (ignored, like ipmitool ignores them; said with `-v`).
    pub ignored: Vec<&'static str>,
}

/// Everything the kcs interface (direct port I/O, no kernel driver) needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KcsSettings {
    /// `--kcs-addr`; `None`: SMBIOS type 38, else 0xCA2.
    pub address: Option<KcsAddress>,
    /// `--kcs-backend`; `Auto` without it.
    pub backend: Backend,
    /// `--kcs-force`: use the ports even while ipmi_si owns them.
    pub force: bool,
    /// Where `/proc`, `/sys` and `/dev` are read to find the address and
    /// the ports' owner (`/`; unit tests use a fake tree).
    pub root: PathBuf,
    /// Options of the lan interface that were given and do not apply
    /// (ignored, like ipmitool ignores them in-band; said with `-v`).
    pub ignored: Vec<&'static str>,
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
    /// `try`
    Try(TrySettings),
    /// `diagnose`
    Diagnose(DiagnoseSettings),
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

/// Resolves the whole command line.
pub fn plan(cli: &Cli, env: &dyn Env) -> Result<Plan, CliError> {
    match cli.command.job() {
        Job::Client(..) if is_fleet(&cli.options) => resolve_fleet(cli, env).map(Plan::Fleet),
        Job::Client(..) => resolve(cli, env).map(Plan::Client),
        Job::Serve(args) => resolve_serve(args, &cli.options).map(Plan::Serve),
        Job::Try => resolve_try(&cli.options).map(Plan::Try),
        Job::Diagnose(args) => resolve_diagnose(args, &cli.options).map(Plan::Diagnose),
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
        action,
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
        return Err(CliError::Usage(format!(
            "{} {} a device file of the kernel's IPMI driver, but the kcs interface uses the KCS \
             ports without the driver: drop {}, or use `local` for /dev/ipmiN",
            device_flags.join(", "),
            if device_flags.len() == 1 {
                "selects"
            } else {
                "select"
            },
            if device_flags.len() == 1 {
                "it"
            } else {
                "them"
            },
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
        backend: match o.kcs_backend {
            None => Backend::Auto,
            Some(KcsBackend::Ioport) => Backend::IoPort,
            Some(KcsBackend::Devport) => Backend::DevPort,
        },
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
        return Err(CliError::Usage(format!(
            "{} {} a local IPMI device, but the interface is lan (RMCP+ to -H HOST): \
             drop {} or use `local` without -H",
            device_flags.join(", "),
            if device_flags.len() == 1 {
                "selects"
            } else {
                "select"
            },
            if device_flags.len() == 1 {
                "it"
            } else {
                "them"
            },
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
        Some(u) => os_bytes(u),
        None => env
            .var_os("IPMI_USER")
            .map(|u| os_bytes(&u))
            .unwrap_or_default(),
    };
    let (password, password_source) = password_of(o, env)?;
    let kg = kg_of(o, env)?;

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
        kcs_backend: match options.kcs_backend {
            None => Backend::Auto,
            Some(KcsBackend::Ioport) => Backend::IoPort,
            Some(KcsBackend::Devport) => Backend::DevPort,
        },
        timeout,
        probe_timeout: DIAGNOSE_PROBE_TIMEOUT.min(timeout / 3),
        json: options.json,
    })
}

/// The action of the command words.
pub fn action_of(command: &Command) -> Result<Action, CliError> {
    Ok(match command {
        Command::Mc {
            command: McCommand::Info,
        } => Action::McInfo,
        Command::Mc {
            command: McCommand::Reset { kind },
        } => Action::McReset(*kind),
        Command::Chassis {
            command: ChassisCommand::Status,
        } => Action::ChassisStatus,
        Command::Chassis {
            command: ChassisCommand::Power { action },
        }
        | Command::Power { action } => power_action(*action),
        Command::Raw(raw) => {
            if raw.data.len() > MAX_RAW_DATA {
                return Err(CliError::Usage(format!(
                    "raw: {} data bytes given; at most {MAX_RAW_DATA} (ipmitool's limit)",
                    raw.data.len()
                )));
            }
            Action::Raw(Raw {
                netfn: raw.netfn,
                cmd: raw.cmd,
                data: raw.data.clone(),
            })
        }
    })
}

fn power_action(word: PowerWord) -> Action {
    match word {
        PowerWord::Status => Action::PowerStatus,
        PowerWord::On => Action::PowerControl(PowerAction::Up),
        PowerWord::Off => Action::PowerControl(PowerAction::Down),
        PowerWord::Cycle => Action::PowerControl(PowerAction::Cycle),
        PowerWord::Reset => Action::PowerControl(PowerAction::HardReset),
        PowerWord::Diag => Action::PowerControl(PowerAction::Diag),
        PowerWord::Soft => Action::PowerControl(PowerAction::Soft),
    }
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

fn password_of(
    o: &crate::args::Options,
    env: &dyn Env,
) -> Result<(Vec<u8>, PasswordSource), CliError> {
    if let Some(p) = &o.password {
        return Ok((os_bytes(p), PasswordSource::Option));
    }
    if o.password_from_env {
        // ipmitool's order: IPMITOOL_PASSWORD, then IPMI_PASSWORD.
        for name in ["IPMITOOL_PASSWORD", "IPMI_PASSWORD"] {
            if let Some(p) = env.var_os(name) {
                return Ok((os_bytes(&p), PasswordSource::EnvOption(name)));
            }
        }
        return Err(CliError::Usage(
            "-E: neither IPMITOOL_PASSWORD nor IPMI_PASSWORD is set".into(),
        ));
    }
    if let Some(path) = &o.password_file {
        return Ok((password_from_file(path)?, PasswordSource::File));
    }
    if let Some(p) = env.var_os("IPMI_PASSWORD") {
        return Ok((os_bytes(&p), PasswordSource::Env));
    }
    Ok((Vec::new(), PasswordSource::Empty))
}

/// The first line of `path`, cut (like ipmitool) at the first CR, LF or TAB.
pub fn password_from_file(path: &Path) -> Result<Vec<u8>, CliError> {
    let data = std::fs::read(path).map_err(|e| {
        CliError::Usage(format!(
            "-f: cannot read the password file {}: {e}",
            path.display()
        ))
    })?;
    if data.is_empty() {
        return Err(CliError::Usage(format!(
            "-f: the password file {} is empty",
            path.display()
        )));
    }
    let end = data
        .iter()
        .position(|b| matches!(b, b'\r' | b'\n' | b'\t'))
        .unwrap_or(data.len());
    Ok(data[..end].to_vec())
}

fn kg_of(o: &crate::args::Options, env: &dyn Env) -> Result<Option<Vec<u8>>, CliError> {
    let kg = if let Some(k) = &o.kg {
        os_bytes(k)
    } else if let Some(hex) = &o.kg_hex {
        parse_kg_hex(hex)?
    } else if o.kg_from_env {
        match env.var_os("IPMI_KGKEY") {
            Some(k) => os_bytes(&k),
            None => return Err(CliError::Usage("-K: IPMI_KGKEY is not set".into())),
        }
    } else {
        return Ok(None);
    };
    if kg.len() > MAX_KEY {
        return Err(CliError::Usage(format!(
            "the BMC key (Kg) is {} bytes; at most {MAX_KEY}",
            kg.len()
        )));
    }
    // An all-zero Kg means "no Kg" (IPMI 2.0 §13.31), as with ipmitool,
    // whose key buffer starts zeroed.
    Ok(if kg.iter().all(|&b| b == 0) {
        None
    } else {
        Some(kg)
    })
}

/// `-y`: an even number of hexadecimal digits, at most 40 (ipmitool's rules).
pub fn parse_kg_hex(hex: &str) -> Result<Vec<u8>, CliError> {
    if hex.len() % 2 != 0 {
        return Err(CliError::Usage(
            "-y: the number of Kg key digits is not even".into(),
        ));
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CliError::Usage(
            "-y: the Kg key is not a hexadecimal number".into(),
        ));
    }
    if hex.len() > MAX_KEY * 2 {
        return Err(CliError::Usage(format!(
            "-y: the Kg key is too long ({} digits; at most 40)",
            hex.len()
        )));
    }
    Ok((0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("checked hex digits"))
        .collect())
}

/// The bytes of an argument or variable (Unix: as given; elsewhere UTF-8).
pub fn os_bytes(s: &OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        s.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().into_owned().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use ipmi_core::NetFn;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("ipmirs").chain(args.iter().copied())).unwrap()
    }

    fn resolve_with(
        args: &[&str],
        env: &[(&'static str, &'static str)],
    ) -> Result<Invocation, CliError> {
        let env: HashMap<&str, &str> = env.iter().copied().collect();
        resolve(&cli(args), &env)
    }

    fn usage_message<T: std::fmt::Debug>(r: Result<T, CliError>) -> String {
        match r {
            Err(CliError::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn host_implies_lan_with_or_without_the_word() {
        for args in [
            &["-H", "bmc", "mc", "info"][..],
            &["-H", "bmc", "lan", "mc", "info"],
            &["lan", "-H", "bmc", "mc", "info"],
        ] {
            let inv = resolve_with(args, &[]).unwrap();
            assert_eq!(inv.lan().host, "bmc");
            assert_eq!(inv.lan().port, 623);
            assert_eq!(inv.action, Action::McInfo);
        }
    }

    #[test]
    fn ipmitool_interface_option() {
        let inv = resolve_with(
            &[
                "-I", "lanplus", "-H", "h", "-U", "u", "-P", "p", "chassis", "power", "status",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(inv.action, Action::PowerStatus);
        assert_eq!(inv.lan().username, b"u");
        assert_eq!(inv.lan().password, b"p");
        assert_eq!(inv.lan().password_source, PasswordSource::Option);
        // -I lanplus agrees with the word lan.
        assert!(resolve_with(&["-I", "lanplus", "-H", "h", "lan", "mc", "info"], &[]).is_ok());
    }

    #[test]
    fn local_is_the_default_without_host() {
        let local = |args: &[&str]| resolve_with(args, &[]).unwrap().local().clone();
        let plain = LocalSettings {
            device: DeviceChoice::Number(0),
            target: Target::bmc(),
            ignored: vec![],
        };
        // No word, `local`, ipmitool's -I open: all /dev/ipmi0.
        for args in [
            &["mc", "info"][..],
            &["local", "mc", "info"],
            &["-I", "open", "mc", "info"],
            &["-I", "open", "local", "mc", "info"],
        ] {
            assert_eq!(local(args), plain, "{args:?}");
        }
        let inv = resolve_with(
            &[
                "--timeout",
                "1.5",
                "--json",
                "-v",
                "chassis",
                "power",
                "status",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(inv.action, Action::PowerStatus);
        assert_eq!(inv.timeout, Duration::from_millis(1500));
        assert!(inv.json);
        assert_eq!(inv.verbose, 1);
        // The environment's credentials do not make it lan.
        let env = [("IPMI_PASSWORD", "pw"), ("IPMI_USER", "u")];
        assert!(matches!(
            resolve_with(&["mc", "info"], &env).unwrap().link,
            Link::Local(_)
        ));
    }

    #[test]
    fn device_selection_like_ipmitool() {
        let device = |args: &[&str]| {
            resolve_with(&[args, &["mc", "info"][..]].concat(), &[])
                .map(|inv| inv.local().device.clone())
        };
        assert_eq!(device(&[]).unwrap(), DeviceChoice::Number(0));
        // -d N: ipmitool's interface number, read like strtol base 0.
        assert_eq!(device(&["-d", "1"]).unwrap(), DeviceChoice::Number(1));
        assert_eq!(device(&["-d", "0x10"]).unwrap(), DeviceChoice::Number(16));
        assert_eq!(device(&["-d", "010"]).unwrap(), DeviceChoice::Number(8));
        assert_eq!(
            device(&["local", "-d", "3"]).unwrap(),
            DeviceChoice::Number(3)
        );
        assert_eq!(
            device(&["--device", "/dev/ipmi/2"]).unwrap(),
            DeviceChoice::Path("/dev/ipmi/2".into())
        );
        assert_eq!(DeviceChoice::Number(3).to_string(), "/dev/ipmi3");
        assert_eq!(
            DeviceChoice::Path("/dev/ipmi/2".into()).to_string(),
            "/dev/ipmi/2"
        );
        // A device is local: with lan it is refused, not ignored.
        for args in [
            &["-H", "h", "-d", "1", "mc", "info"][..],
            &["-H", "h", "--device", "/dev/ipmi1", "mc", "info"],
            &["-I", "lanplus", "-H", "h", "-d", "0", "mc", "info"],
        ] {
            let m = usage_message(resolve_with(args, &[]));
            assert!(
                m.contains("a local IPMI device, but the interface is lan"),
                "{m}"
            );
        }
    }

    #[test]
    fn local_refuses_what_could_reach_another_bmc() {
        // -H with an explicit local interface: ipmitool would talk to the
        // local BMC and ignore the host.
        for args in [
            &["-H", "h", "local", "mc", "info"][..],
            &["-I", "open", "-H", "h", "mc", "reset", "cold"],
        ] {
            let m = usage_message(resolve_with(args, &[]));
            assert!(
                m.starts_with("-H h names a remote BMC, but the interface is local"),
                "{m}"
            );
        }
        // Session options without -H (and without naming the local
        // interface): most likely a forgotten -H.
        let m = usage_message(resolve_with(
            &["-U", "admin", "-P", "pw", "chassis", "power", "off"],
            &[],
        ));
        assert!(
            m.starts_with("-U, -P are options of the lan interface, but no -H was given"),
            "{m}"
        );
        assert!(
            m.contains("give -H BMC") && m.contains("say `local`"),
            "{m}"
        );
        let m = usage_message(resolve_with(&["-E", "mc", "info"], &[]));
        assert!(m.starts_with("-E is an option of the lan interface"), "{m}");
        for flag in [
            &["-p", "624"][..],
            &["-C", "3"],
            &["-L", "USER"],
            &["-k", "k"],
            &["-y", "00"],
            &["-K"],
            &["-N", "1"],
            &["-R", "1"],
            &["--allow-insecure"],
            &["-f", "/nonexistent"],
        ] {
            let m = usage_message(resolve_with(&[flag, &["mc", "info"][..]].concat(), &[]));
            assert!(m.contains("of the lan interface"), "{flag:?}: {m}");
        }
        // Named, the local interface takes them and ignores them (as
        // ipmitool -I open does), without reading a file or the environment.
        let inv = resolve_with(
            &["-I", "open", "-U", "admin", "-E", "-y", "zz", "mc", "info"],
            &[],
        )
        .unwrap();
        assert_eq!(inv.local().ignored, ["-U", "-E", "-y"]);
        let inv = resolve_with(&["local", "-f", "/nonexistent", "mc", "info"], &[]).unwrap();
        assert_eq!(inv.local().ignored, ["-f"]);
        let inv = resolve_with(&["local", "-N", "2", "-R", "1", "mc", "info"], &[]).unwrap();
        assert_eq!(inv.local().ignored, ["-N", "-R"]);
        // Options of both interfaces are not "ignored".
        let inv = resolve_with(
            &[
                "local",
                "-v",
                "--json",
                "--timeout",
                "2",
                "-t",
                "0x40",
                "mc",
                "info",
            ],
            &[],
        )
        .unwrap();
        assert!(inv.local().ignored.is_empty());
    }

    #[test]
    fn kcs_interface_and_its_flags() {
        let plain = KcsSettings {
            address: None,
            backend: Backend::Auto,
            force: false,
            root: PathBuf::from("/"),
            ignored: vec![],
        };
        for args in [
            &["kcs", "mc", "info"][..],
            &["-I", "kcs", "mc", "info"],
            &["-I", "kcs", "kcs", "mc", "info"],
            &["mc", "info", "-I", "kcs"],
        ] {
            let inv = resolve_with(args, &[]).unwrap();
            assert_eq!(inv.kcs(), &plain, "{args:?}");
            assert_eq!(inv.action, Action::McInfo);
        }
        let inv = resolve_with(
            &[
                "kcs",
                "--kcs-addr",
                "0xca8:4",
                "--kcs-backend",
                "devport",
                "--kcs-force",
                "--timeout",
                "2",
                "--json",
                "chassis",
                "power",
                "status",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            inv.kcs(),
            &KcsSettings {
                address: Some(KcsAddress {
                    base: 0xca8,
                    spacing: 4
                }),
                backend: Backend::DevPort,
                force: true,
                ..plain.clone()
            }
        );
        assert_eq!(inv.action, Action::PowerStatus);
        assert_eq!((inv.timeout, inv.json), (Duration::from_secs(2), true));
        assert_eq!(
            resolve_with(&["--kcs-backend", "ioport", "kcs", "mc", "info"], &[])
                .unwrap()
                .kcs()
                .backend,
            Backend::IoPort
        );
        // The options of a LAN session are ignored, as in-band (named).
        let inv = resolve_with(&["-U", "admin", "-E", "kcs", "mc", "reset", "cold"], &[]).unwrap();
        assert_eq!(inv.kcs().ignored, ["-U", "-E"]);
        assert_eq!(inv.action, Action::McReset(ResetKind::Cold));
        // Refused: another BMC, the kernel driver's device file.
        let m = usage_message(resolve_with(&["-H", "h", "kcs", "mc", "info"], &[]));
        assert!(
            m.starts_with("-H h names a remote BMC, but the interface is kcs"),
            "{m}"
        );
        for args in [
            &["-d", "1", "kcs", "mc", "info"][..],
            &["--device", "/dev/ipmi0", "-I", "kcs", "mc", "info"],
        ] {
            let m = usage_message(resolve_with(args, &[]));
            assert!(
                m.contains("a device file of the kernel's IPMI driver, but the kcs interface"),
                "{args:?}: {m}"
            );
        }
        // kcs flags belong to kcs: with another interface they are refused.
        for (args, interface) in [
            (&["--kcs-addr", "0xca2", "mc", "info"][..], "local"),
            (&["local", "--kcs-force", "mc", "info"], "local"),
            (
                &["-I", "open", "--kcs-backend", "devport", "mc", "info"],
                "local",
            ),
            (&["-H", "h", "--kcs-addr", "0xca2", "mc", "info"], "lan"),
        ] {
            let m = usage_message(resolve_with(args, &[]));
            assert!(
                m.contains("of the kcs interface, but the interface is ")
                    && m.contains(interface)
                    && m.contains("say `kcs`"),
                "{args:?}: {m}"
            );
        }
        // -I and the word must agree.
        assert!(
            usage_message(resolve_with(&["-I", "open", "kcs", "mc", "info"], &[]))
                .contains("conflicting")
        );
    }

    #[test]
    fn interfaces_unsupported() {
        assert!(
            usage_message(resolve_with(&["-I", "lan", "-H", "h", "mc", "info"], &[]))
                .contains("IPMI 1.5")
        );
        assert!(
            usage_message(resolve_with(&["-I", "bmc", "-H", "h", "mc", "info"], &[]))
                .contains("unknown interface")
        );
        assert!(usage_message(resolve_with(
            &["-I", "open", "-H", "h", "lan", "mc", "info"],
            &[]
        ))
        .contains("conflicting"));
        assert!(
            usage_message(resolve_with(&["-I", "open", "lan", "mc", "info"], &[]))
                .contains("conflicting")
        );
        assert!(usage_message(resolve_with(&["lan", "mc", "info"], &[])).contains("-H HOST"));
    }

    #[test]
    fn bridging_targets_like_ipmitool() {
        let target = |args: &[&str]| {
            resolve_with(&[&["-H", "h"][..], args, &["mc", "info"]].concat(), &[])
                .map(|inv| inv.lan().target)
        };
        assert_eq!(target(&[]).unwrap(), Target::bmc());
        assert_eq!(
            target(&["-b", "6", "-t", "0x2c"]).unwrap(),
            Target::ipmb(6, 0x2c)
        );
        // -t alone: channel 0; numbers in ipmitool's forms (strtoul base 0).
        assert_eq!(target(&["-t", "0x30"]).unwrap(), Target::ipmb(0, 0x30));
        assert_eq!(target(&["-t", "48"]).unwrap(), Target::ipmb(0, 0x30));
        assert_eq!(target(&["-t", "060"]).unwrap(), Target::ipmb(0, 0x30));
        assert_eq!(
            target(&["-b", "0x0f", "-t", "0x82"]).unwrap(),
            Target::ipmb(15, 0x82)
        );
        // The BMC's own address on channel 0 is no bridging.
        for bmc in [
            &["-b", "0", "-t", "0x20"][..],
            &["-t", "0x20"],
            &["-t", "32"],
        ] {
            assert!(target(bmc).unwrap().is_bmc(), "{bmc:?}");
        }
        // On another channel 0x20 is another controller.
        assert!(!target(&["-b", "7", "-t", "0x20"]).unwrap().is_bmc());
        // Refused: ipmitool would silently talk to the BMC, or IPMB cannot carry it.
        assert!(usage_message(target(&["-b", "6"])).contains("-b 6 needs -t ADDRESS"));
        assert!(usage_message(target(&["-t", "0"])).contains("not an IPMB slave address"));
        assert!(usage_message(target(&["-t", "0x31"])).contains("-t 0x31 is not an IPMB"));
        assert!(usage_message(target(&["-b", "16", "-t", "0x30"])).contains("0-15"));
        // The same rules in-band, where the kernel does the bridging.
        let local = |args: &[&str]| {
            resolve_with(&[args, &["local", "mc", "info"][..]].concat(), &[])
                .map(|inv| inv.local().target)
        };
        assert_eq!(local(&[]).unwrap(), Target::bmc());
        assert_eq!(
            local(&["-b", "0", "-t", "0x40"]).unwrap(),
            Target::ipmb(0, 0x40)
        );
        assert_eq!(local(&["-t", "64"]).unwrap(), Target::ipmb(0, 0x40));
        assert_eq!(
            local(&["-b", "7", "-t", "0x20"]).unwrap(),
            Target::ipmb(7, 0x20)
        );
        assert!(local(&["-t", "0x20"]).unwrap().is_bmc());
        assert!(usage_message(local(&["-b", "6"])).contains("-b 6 needs -t ADDRESS"));
        assert!(usage_message(local(&["-t", "0"])).contains("not an IPMB slave address"));
        assert!(usage_message(local(&["-t", "0x41"])).contains("-t 0x41 is not an IPMB"));
        assert!(usage_message(local(&["-b", "16", "-t", "0x40"])).contains("0-15"));
        // Without the word too.
        assert_eq!(
            resolve_with(&["-b", "0", "-t", "0x40", "mc", "info"], &[])
                .unwrap()
                .local()
                .target,
            Target::ipmb(0, 0x40)
        );
        // KCS carries requests to the BMC only: bridging is refused, the
        // BMC's own address is no bridging.
        for bridged in [
            &["-t", "0x30", "kcs", "mc", "info"][..],
            &["-b", "0", "-t", "0x40", "-I", "kcs", "raw", "6", "1"],
            &["kcs", "-b", "7", "-t", "0x20", "mc", "info"],
        ] {
            let m = usage_message(resolve_with(bridged, &[]));
            assert!(
                m.starts_with("bridging (-b/-t) is not possible over kcs")
                    && m.contains("use `local`"),
                "{bridged:?}: {m}"
            );
        }
        assert!(resolve_with(&["-t", "0x20", "kcs", "mc", "info"], &[])
            .unwrap()
            .kcs()
            .ignored
            .is_empty());
        assert!(
            usage_message(resolve_with(&["-b", "1", "kcs", "mc", "info"], &[]))
                .contains("-b 1 needs -t ADDRESS")
        );
    }

    fn plan_with(args: &[&str]) -> Result<Plan, CliError> {
        let env: HashMap<&str, &str> = HashMap::new();
        plan(&cli(args), &env)
    }

    fn serve_with(args: &[&str]) -> Result<ServeSettings, CliError> {
        match plan_with(&[&["serve"][..], args].concat())? {
            Plan::Serve(s) => Ok(s),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn serve_defaults() {
        let s = serve_with(&[]).unwrap();
        assert_eq!(s.listen, ["127.0.0.1:6230".parse::<SocketAddr>().unwrap()]);
        assert!(s.default_user);
        assert_eq!(s.config.users.len(), 1);
        let u = &s.config.users[0];
        assert_eq!(
            (u.name.as_slice(), u.password.as_slice(), u.privilege),
            (&b"admin"[..], &b"admin"[..], PrivilegeLevel::Administrator)
        );
        // Suite 0 is not offered unless listed.
        assert_eq!(s.config.cipher_suites, [1, 2, 3, 15, 16, 17]);
        assert_eq!(
            s.config.idle_timeout,
            ipmi_lanplus::server::DEFAULT_IDLE_TIMEOUT
        );
    }

    #[test]
    fn serve_flags() {
        let s = serve_with(&[
            "--listen",
            "127.0.0.1:7000-7002",
            "--listen",
            "[::1]:7000",
            "--user",
            "admin:s3:cr:et",
            "--user",
            "op:pw:operator",
            "--cipher-suites",
            "0,3, 17",
            "--idle-timeout",
            "0.5",
        ])
        .unwrap();
        assert_eq!(s.listen.len(), 4);
        assert_eq!(s.listen[3], "[::1]:7000".parse::<SocketAddr>().unwrap());
        assert!(!s.default_user);
        let users: Vec<(&[u8], &[u8], PrivilegeLevel)> = s
            .config
            .users
            .iter()
            .map(|u| (u.name.as_slice(), u.password.as_slice(), u.privilege))
            .collect();
        assert_eq!(
            users,
            [
                (
                    &b"admin"[..],
                    &b"s3:cr:et"[..],
                    PrivilegeLevel::Administrator
                ),
                (&b"op"[..], &b"pw"[..], PrivilegeLevel::Operator)
            ]
        );
        assert_eq!(s.config.cipher_suites, [0, 3, 17]);
        assert_eq!(s.config.idle_timeout, Duration::from_millis(500));
        // Any address with users of one's own; port 0 picks a free port.
        let s = serve_with(&["--listen", "0.0.0.0:0", "--user", "a:b"]).unwrap();
        assert_eq!(s.listen[0].port(), 0);
    }

    #[test]
    fn serve_refusals_are_usage_errors() {
        for (args, what) in [
            (
                &["--listen", "nowhere"][..],
                "--listen: invalid listen address 'nowhere'",
            ),
            (&["--listen", "127.0.0.1:99999"], "--listen"),
            (&["--listen", "127.0.0.1:7001-7000"], "--listen"),
            (
                &[
                    "--listen",
                    "127.0.0.1:7000",
                    "--listen",
                    "127.0.0.1:6999-7000",
                ],
                "given twice",
            ),
            (
                &["--listen", "0.0.0.0"],
                "not a loopback address: give --user",
            ),
            (
                &["--user", "nopassword"],
                "--user: invalid user 'nopassword'",
            ),
            (
                &["--user", "a:b", "--user", "a:c"],
                "user 'a' is given twice",
            ),
            (&["--user", "x:123456789012345678901"], "at most 20"),
            (&["--cipher-suites", "4"], "cipher suite 4 is not supported"),
            (
                &["--cipher-suites", "3,,17"],
                "--cipher-suites: invalid cipher suite list",
            ),
            (&["--cipher-suites", "three"], "--cipher-suites"),
            (
                &["-H", "bmc"],
                "serve: the option -H belongs to the client commands",
            ),
            (
                &["-U", "u", "-P", "p", "-v"],
                "the options -U, -P, -v belong",
            ),
            (&["--json"], "--json"),
            (&["-t", "0x30"], "-t"),
        ] {
            let m = usage_message(serve_with(args));
            assert!(m.starts_with("serve: "), "{args:?}: {m}");
            assert!(m.contains(what), "{args:?}: {m}");
        }
        // A refused password never shows in the message.
        let m = usage_message(serve_with(&[
            "--user",
            "x:sekrit-but-far-too-long-for-ipmi",
        ]));
        assert!(!m.contains("sekrit"), "{m}");
    }

    #[test]
    fn try_takes_only_output_options() {
        let Plan::Try(t) = plan_with(&["try", "-v", "--json", "--timeout", "3"]).unwrap() else {
            panic!()
        };
        assert_eq!(
            t,
            TrySettings {
                timeout: Duration::from_secs(3),
                json: true,
                verbose: 1
            }
        );
        let Plan::Try(t) = plan_with(&["try"]).unwrap() else {
            panic!()
        };
        assert_eq!(t.timeout, Duration::from_secs(10));
        for bad in [
            &["-H", "h"][..],
            &["-C", "3"],
            &["-p", "623"],
            &["-b", "0", "-t", "0x30"],
        ] {
            let m = usage_message(plan_with(&[&["try"][..], bad].concat()));
            assert!(m.starts_with("try: the option"), "{bad:?}: {m}");
        }
        // Client commands still resolve through plan().
        assert!(matches!(
            plan_with(&["-H", "h", "mc", "info"]).unwrap(),
            Plan::Client(_)
        ));
    }

    fn diagnose_with(args: &[&str]) -> Result<DiagnoseSettings, CliError> {
        match plan_with(&[&["diagnose"][..], args].concat())? {
            Plan::Diagnose(d) => Ok(d),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn diagnose_settings() {
        let d = diagnose_with(&[]).unwrap();
        assert_eq!(
            d,
            DiagnoseSettings {
                root: PathBuf::from("/"),
                probe_kcs: true,
                kcs_address: None,
                kcs_backend: Backend::Auto,
                timeout: Duration::from_secs(10),
                probe_timeout: Duration::from_secs(2),
                json: false,
            }
        );
        let d = diagnose_with(&[
            "--json",
            "--timeout",
            "3",
            "--kcs-addr",
            "0xca8",
            "--kcs-backend",
            "devport",
            "--root",
            "/tmp/fake",
        ])
        .unwrap();
        assert!(d.json);
        assert_eq!(d.root, PathBuf::from("/tmp/fake"));
        // Another machine's tree: its /proc says nothing about our ports.
        assert!(!d.probe_kcs);
        assert_eq!(d.kcs_address, Some(KcsAddress::parse("0xca8").unwrap()));
        assert_eq!(d.kcs_backend, Backend::DevPort);
        // A short --timeout shortens the probes: both fit.
        assert_eq!(d.timeout, Duration::from_secs(3));
        assert_eq!(d.probe_timeout, Duration::from_secs(1));
        // Options before the word too.
        let Plan::Diagnose(d) = plan_with(&["--json", "diagnose"]).unwrap() else {
            panic!()
        };
        assert!(d.json);
    }

    #[test]
    fn diagnose_refuses_client_options() {
        for (bad, what) in [
            (&["-H", "h"][..], "-H"),
            (&["--kcs-force"], "--kcs-force"),
            (&["-v"], "-v"),
            (&["-d", "1"], "-d"),
            (&["-U", "u", "-P", "p"], "-U, -P"),
        ] {
            let m = usage_message(diagnose_with(bad));
            assert!(
                m.starts_with("diagnose: the option") && m.contains(what),
                "{bad:?}: {m}"
            );
            assert!(m.contains("takes --json, --timeout"), "{m}");
        }
    }

    #[test]
    fn password_sources_and_env_fallbacks() {
        let env = [("IPMI_PASSWORD", "envpw"), ("IPMI_USER", "envuser")];
        // No option: IPMI_PASSWORD and IPMI_USER.
        let inv = resolve_with(&["-H", "h", "mc", "reset", "cold"], &env).unwrap();
        assert_eq!(
            (inv.lan().username.as_slice(), inv.lan().password.as_slice()),
            (&b"envuser"[..], &b"envpw"[..])
        );
        assert_eq!(inv.lan().password_source, PasswordSource::Env);
        assert_eq!(inv.action, Action::McReset(ResetKind::Cold));
        // -U and -P win over the environment.
        let inv = resolve_with(&["-H", "h", "-U", "u", "-P", "p", "mc", "info"], &env).unwrap();
        assert_eq!(
            (inv.lan().username.as_slice(), inv.lan().password.as_slice()),
            (&b"u"[..], &b"p"[..])
        );
        // -E: IPMITOOL_PASSWORD first, then IPMI_PASSWORD (ipmitool's order).
        let inv = resolve_with(&["-H", "h", "-E", "mc", "info"], &env).unwrap();
        assert_eq!(inv.lan().password, b"envpw");
        assert_eq!(
            inv.lan().password_source,
            PasswordSource::EnvOption("IPMI_PASSWORD")
        );
        let both = [("IPMI_PASSWORD", "a"), ("IPMITOOL_PASSWORD", "b")];
        assert_eq!(
            resolve_with(&["-H", "h", "-E", "mc", "info"], &both)
                .unwrap()
                .lan()
                .password,
            b"b"
        );
        // Without any option, only IPMI_PASSWORD is read.
        let inv = resolve_with(&["-H", "h", "mc", "info"], &[("IPMITOOL_PASSWORD", "b")]).unwrap();
        assert_eq!(inv.lan().password_source, PasswordSource::Empty);
        // -E with nothing set is an error, not a silent empty password.
        assert!(usage_message(resolve_with(&["-H", "h", "-E", "mc", "info"], &[])).contains("-E"));
        // Nothing anywhere: null user, empty password.
        let inv = resolve_with(&["-H", "h", "mc", "info"], &[]).unwrap();
        assert!(inv.lan().username.is_empty() && inv.lan().password.is_empty());
        assert_eq!(inv.lan().password_source, PasswordSource::Empty);
    }

    #[test]
    fn password_file() {
        let dir = std::env::temp_dir().join(format!("ipmirs-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, content: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, content).unwrap();
            p
        };
        let cases: [(&str, &[u8], &[u8]); 5] = [
            ("plain", b"secret\n", b"secret"),
            ("crlf", b"secret\r\nsecond line\n", b"secret"),
            ("tab", b"sec\tret\n", b"sec"),
            ("no-newline", b"secret", b"secret"),
            ("empty-line", b"\nsecond\n", b""),
        ];
        for (name, content, want) in cases {
            let p = write(name, content);
            let inv = resolve_with(
                &["-H", "h", "-f", p.to_str().unwrap(), "mc", "info"],
                &[("IPMI_PASSWORD", "env")],
            )
            .unwrap();
            assert_eq!(inv.lan().password, want, "{name}");
            assert_eq!(inv.lan().password_source, PasswordSource::File);
        }
        let empty = write("empty", b"");
        assert!(usage_message(resolve_with(
            &["-H", "h", "-f", empty.to_str().unwrap(), "mc", "info"],
            &[]
        ))
        .contains("empty"));
        let missing = dir.join("missing");
        assert!(usage_message(resolve_with(
            &["-H", "h", "-f", missing.to_str().unwrap(), "mc", "info"],
            &[]
        ))
        .contains("cannot read"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kg_forms() {
        let inv = resolve_with(&["-H", "h", "-k", "key", "mc", "info"], &[]).unwrap();
        assert_eq!(inv.lan().kg.as_deref(), Some(&b"key"[..]));
        let inv = resolve_with(&["-H", "h", "-y", "0a0B", "mc", "info"], &[]).unwrap();
        assert_eq!(inv.lan().kg.as_deref(), Some(&[0x0a, 0x0b][..]));
        let inv = resolve_with(&["-H", "h", "-y", "0000", "mc", "info"], &[]).unwrap();
        assert_eq!(inv.lan().kg, None);
        let inv = resolve_with(
            &["-H", "h", "-K", "mc", "info"],
            &[("IPMI_KGKEY", "envkey")],
        )
        .unwrap();
        assert_eq!(inv.lan().kg.as_deref(), Some(&b"envkey"[..]));
        assert_eq!(
            resolve_with(&["-H", "h", "mc", "info"], &[])
                .unwrap()
                .lan()
                .kg,
            None
        );
        let forty = "ab".repeat(20);
        assert_eq!(
            resolve_with(&["-H", "h", "-y", &forty, "mc", "info"], &[])
                .unwrap()
                .lan()
                .kg
                .as_ref()
                .unwrap()
                .len(),
            20
        );
        let long = "ab".repeat(21);
        for bad in [
            &["-y", "abc"][..],
            &["-y", "zz"],
            &["-y", "0x00"],
            &["-y", &long],
            &["-k", "123456789012345678901"],
            &["-K"],
        ] {
            let mut args = vec!["-H", "h"];
            args.extend_from_slice(bad);
            args.extend(["mc", "info"]);
            usage_message(resolve_with(&args, &[]));
        }
    }

    #[test]
    fn actions() {
        let a = |args: &[&str]| {
            resolve_with(&[&["-H", "h"][..], args].concat(), &[])
                .unwrap()
                .action
        };
        assert_eq!(a(&["chassis", "status"]), Action::ChassisStatus);
        for (word, action) in [
            ("on", PowerAction::Up),
            ("up", PowerAction::Up),
            ("off", PowerAction::Down),
            ("down", PowerAction::Down),
            ("cycle", PowerAction::Cycle),
            ("reset", PowerAction::HardReset),
            ("diag", PowerAction::Diag),
            ("soft", PowerAction::Soft),
        ] {
            assert_eq!(
                a(&["chassis", "power", word]),
                Action::PowerControl(action),
                "{word}"
            );
        }
        assert_eq!(a(&["power", "status"]), Action::PowerStatus);
        assert_eq!(
            a(&["mc", "reset", "warm"]),
            Action::McReset(ResetKind::Warm)
        );
        assert_eq!(
            a(&["raw", "6", "1"]),
            Action::Raw(Raw {
                netfn: NetFn(6),
                cmd: 1,
                data: vec![]
            })
        );
        assert_eq!(
            a(&["raw", "0x2e", "0x10", "10", "010", "0x10"]),
            Action::Raw(Raw {
                netfn: NetFn(0x2e),
                cmd: 0x10,
                data: vec![10, 8, 16]
            })
        );
        let many: Vec<String> = std::iter::repeat("0".to_string())
            .take(MAX_RAW_DATA + 1)
            .collect();
        let mut args = vec!["-H", "h", "raw", "6", "1"];
        args.extend(many.iter().map(String::as_str));
        assert!(usage_message(resolve_with(&args, &[])).contains("at most 254"));
    }

    #[test]
    fn timeouts_and_output_options() {
        let inv = resolve_with(
            &[
                "-H",
                "h",
                "-N",
                "0.5",
                "-R",
                "1",
                "--timeout",
                "2",
                "--json",
                "-vv",
                "mc",
                "info",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(inv.lan().per_try_timeout, Some(Duration::from_millis(500)));
        assert_eq!(inv.lan().retries, Some(1));
        assert_eq!(inv.timeout, Duration::from_secs(2));
        assert!(inv.json);
        assert_eq!(inv.verbose, 2);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let inv = resolve_with(
            &["-H", "h", "-P", "hunter2", "-k", "kgsecret", "mc", "info"],
            &[],
        )
        .unwrap();
        let shown = format!("{inv:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("kgsecret"),
            "{shown}"
        );
    }

    #[test]
    fn several_hosts_make_a_fleet() {
        let fleet = |args: &[&str]| match plan_with(args).unwrap() {
            Plan::Fleet(f) => f,
            other => panic!("{other:?}"),
        };
        let f = fleet(&[
            "-H",
            "a,b:624,[::1]",
            "-p",
            "6230",
            "-U",
            "u",
            "-P",
            "p",
            "mc",
            "info",
        ]);
        let hosts: Vec<(&str, Option<u16>)> =
            f.hosts.iter().map(|h| (h.host.as_str(), h.port)).collect();
        assert_eq!(hosts, [("a", None), ("b", Some(624)), ("::1", None)]);
        assert_eq!(f.lan.port, 6230);
        assert_eq!(f.lan.username, b"u");
        assert_eq!(f.fanout, DEFAULT_FANOUT);
        assert_eq!(f.invocation.action, Action::McInfo);
        let f = fleet(&["-H", "h:7000-7009", "--fanout", "3", "power", "status"]);
        assert_eq!(f.hosts.len(), 10);
        assert_eq!(f.fanout, 3);
        // One host, even with a port, stays a single-host invocation.
        for one in ["h", "h:624", "fe80::1", "[::1]:623"] {
            assert!(
                matches!(
                    plan_with(&["-H", one, "mc", "info"]).unwrap(),
                    Plan::Client(_)
                ),
                "{one}"
            );
        }
        let m = usage_message(plan_with(&["-H", "a,b", "kcs", "mc", "info"]));
        assert!(m.contains("need the lan interface"), "{m}");
        let m = usage_message(plan_with(&["-H", "a,:x", "mc", "info"]));
        assert!(m.starts_with("-H: "), "{m}");
        let m = usage_message(plan_with(&["--fanout", "2", "serve"]));
        assert!(m.contains("--fanout"), "{m}");
    }
}
