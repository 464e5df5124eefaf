//! The blocking KCS client: [`KcsTransfer`] driven over a port backend,
//! implementing [`ipmi_core::Transport`] (IPMI 2.0 §9). Between status
//! polls it spins a little, then sleeps with a back-off up to 1 ms, so a
//! slow or hung BMC costs time, never a whole CPU.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ipmi_core::{
    CommandError, Deadline, ErrorClass, Failure, Request, Response, Target, Transport,
};

use super::codec::{Action, KcsConfig, KcsTransfer};
use super::error::KcsError;
use super::port_io::{DevPort, IoPorts};
use super::ports::{KcsAddress, KcsPorts};
use super::smbios;
use crate::diagnose::procfs::{parse_ioports, parse_modules};
use crate::diagnose::system::{RootFs, System};

/// The time budget of an operation run without an explicit deadline.
pub use ipmi_core::DEFAULT_TIMEOUT;

/// How the registers are reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// `ioperm` + `in`/`out` on x86_64 Linux, `/dev/port` elsewhere.
    #[default]
    Auto,
    /// `ioperm(2)` and the `in`/`out` instructions ([`IoPorts`]).
    IoPort,
    /// `/dev/port` ([`DevPort`], kernel `drivers/char/mem.c`).
    DevPort,
}

/// Where the address in use came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressSource {
    /// Given by the caller (`--kcs-addr`).
    Given,
    /// SMBIOS type 38 (IPMI Device Information).
    Smbios,
    /// The standard 0xCA2; the text says why SMBIOS did not give one.
    Standard(String),
}

/// How to open a [`KcsClient`].
#[derive(Clone, Debug)]
pub struct KcsOptions {
    /// The address; `None`: SMBIOS type 38, else the standard 0xCA2/0xCA3.
    pub address: Option<KcsAddress>,
    /// The port backend.
    pub backend: Backend,
    /// Use the ports even while the kernel's `ipmi_si` driver owns them.
    pub force: bool,
    /// Where `/proc`, `/sys` and `/dev` are (`/`; tests use a fake tree).
    pub root: PathBuf,
    /// Budget of operations run without an explicit deadline.
    pub timeout: Duration,
    /// Tuning of the transfers.
    pub config: KcsConfig,
}

impl Default for KcsOptions {
    fn default() -> Self {
        KcsOptions {
            address: None,
            backend: Backend::Auto,
            force: false,
            root: PathBuf::from("/"),
            timeout: DEFAULT_TIMEOUT,
            config: KcsConfig::default(),
        }
    }
}

/// An error of the KCS client: a transfer error, a refusal to race the
/// kernel driver, or a failure to reach the ports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transfer failed (IPMI 2.0 §9.15).
    #[error("KCS interface at {address}: {source}")]
    Kcs {
        /// The interface's address.
        address: KcsAddress,
        /// What went wrong.
        source: KcsError,
    },
    /// The kernel's driver owns the ports; using them would race it.
    #[error("refusing to use the KCS ports {address} directly: {owner}. The kernel driver polls the same \
             registers, and two hosts interleaving the handshake corrupt each other's transfers. Use \
             /dev/ipmi0 instead (the local interface), or unload the driver first (`rmmod ipmi_si`; \
             /dev/ipmi0 disappears until `modprobe ipmi_si`), or, if the driver is wedged and you accept \
             the race, force it (--kcs-force)")]
    DriverLoaded {
        /// The interface's address.
        address: KcsAddress,
        /// Who owns the ports, e.g. `the ipmi_si module is loaded (/proc/modules)`.
        owner: String,
    },
    /// Whether the driver owns the ports cannot be told.
    #[error(
        "cannot tell whether the kernel's ipmi_si driver owns the KCS ports {address} ({reason}); \
             mount /proc, or force it (--kcs-force) if you know the driver is not loaded"
    )]
    DriverUnknown {
        /// The interface's address.
        address: KcsAddress,
        /// Why.
        reason: String,
    },
    /// The port backend refused for lack of privilege.
    #[error("{what}: permission denied: direct KCS access needs root (CAP_SYS_RAWIO): {source}")]
    PermissionDenied {
        /// The backend and address.
        what: String,
        /// The error of ioperm(2) or open(2).
        source: io::Error,
    },
    /// The port backend is not available on this system.
    #[error("{what}: {source}")]
    Unsupported {
        /// The backend and address.
        what: String,
        /// Why.
        source: io::Error,
    },
    /// The port backend could not be opened or an access failed.
    #[error("{what}: {source}")]
    Io {
        /// The backend and address.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// The response could not be turned into the command's result.
    #[error(transparent)]
    Command(#[from] CommandError),
}

impl Failure for Error {
    fn class(&self) -> ErrorClass {
        match self {
            Error::Kcs { source, .. } => source.class(),
            Error::DriverLoaded { .. }
            | Error::DriverUnknown { .. }
            | Error::Unsupported { .. } => ErrorClass::Usage,
            Error::PermissionDenied { .. } | Error::Io { .. } => ErrorClass::Io,
            Error::Command(e) => e.class(),
        }
    }
}

/// Who owns the KCS ports in the kernel, from `/proc/modules`,
/// `/sys/module/ipmi_si` (built-in driver) and `/proc/ioports` claims:
/// `Ok(None)` when nobody, `Ok(Some(text))` naming the owner, `Err` when
/// none of these can be read.
pub fn port_owner(sys: &dyn System, address: KcsAddress) -> Result<Option<String>, String> {
    let modules = sys.read_text("/proc/modules");
    if let Ok(text) = &modules {
        if parse_modules(text).iter().any(|m| m.name == "ipmi_si") {
            return Ok(Some("the ipmi_si module is loaded (/proc/modules)".into()));
        }
    }
    if sys.exists("/sys/module/ipmi_si") {
        return Ok(Some(
            "the ipmi_si driver is in the kernel (/sys/module/ipmi_si)".into(),
        ));
    }
    if let Ok(text) = sys.read_text("/proc/ioports") {
        let (lo, hi) = (
            u32::from(address.data_port().min(address.status_port())),
            u32::from(address.data_port().max(address.status_port())),
        );
        if let Some(r) = parse_ioports(&text)
            .into_iter()
            .filter(|r| !(r.start == 0 && r.end == 0))
            // Only the driver's own claim counts: the firmware's ACPI
            // reservation (`IPMI Address 1`) is there without any driver.
            .find(|r| r.start <= hi && lo <= r.end && r.name.starts_with("ipmi_si"))
        {
            return Ok(Some(format!(
                "the kernel claimed ports {:04x}-{:04x} for `{}` (/proc/ioports)",
                r.start, r.end, r.name
            )));
        }
    }
    match modules {
        Ok(_) => Ok(None),
        Err(e) => Err(format!("/proc/modules: {e}")),
    }
}

/// The address to use: `given`, else SMBIOS type 38 under `root`, else the standard one.
pub fn resolve_address(given: Option<KcsAddress>, sys: &dyn System) -> (KcsAddress, AddressSource) {
    if let Some(a) = given {
        return (a, AddressSource::Given);
    }
    match smbios::read_kcs_address(sys.root()) {
        Ok(Some(a)) => (a, AddressSource::Smbios),
        Ok(None) => (
            KcsAddress::STANDARD,
            AddressSource::Standard("the SMBIOS table has no KCS record".into()),
        ),
        Err(e) => (KcsAddress::STANDARD, AddressSource::Standard(e)),
    }
}

/// Counters of one client, for diagnostics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KcsStats {
    /// Transfers started.
    pub transfers: u64,
    /// Transfers that returned a response.
    pub answered: u64,
    /// Transfers that ended in an error.
    pub failed: u64,
    /// Error exits (GET_STATUS/ABORT) run, over all transfers.
    pub error_exits: u64,
    /// Status register reads.
    pub status_reads: u64,
    /// Sleeps between status polls.
    pub sleeps: u64,
}

/// A blocking KCS client (IPMI 2.0 §9) implementing [`Transport`]: every
/// exchange ends by its deadline. Requests go to the BMC only (no bridging).
pub struct KcsClient {
    ports: Box<dyn KcsPorts>,
    address: KcsAddress,
    source: AddressSource,
    config: KcsConfig,
    timeout: Duration,
    stats: KcsStats,
}

impl std::fmt::Debug for KcsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KcsClient")
            .field("ports", &self.ports.describe())
            .field("address", &self.address)
            .field("source", &self.source)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl KcsClient {
    /// Finds the address, refuses if the kernel driver owns the ports
    /// (unless `force`), and opens the port backend.
    pub fn open(options: &KcsOptions) -> Result<KcsClient, Error> {
        let sys = RootFs::at(&options.root);
        let (address, source) = resolve_address(options.address, &sys);
        if !options.force {
            match port_owner(&sys, address) {
                Ok(None) => {}
                Ok(Some(owner)) => return Err(Error::DriverLoaded { address, owner }),
                Err(reason) => return Err(Error::DriverUnknown { address, reason }),
            }
        }
        let ports = open_backend(options.backend, address)?;
        Ok(KcsClient {
            ports,
            address,
            source,
            config: options.config,
            timeout: options.timeout,
            stats: KcsStats::default(),
        })
    }

    /// A client over any [`KcsPorts`] (the software model in tests).
    pub fn with_ports(ports: Box<dyn KcsPorts>, address: KcsAddress) -> KcsClient {
        KcsClient {
            ports,
            address,
            source: AddressSource::Given,
            config: KcsConfig::default(),
            timeout: DEFAULT_TIMEOUT,
            stats: KcsStats::default(),
        }
    }

    /// Sets the transfer tuning.
    pub fn with_config(mut self, config: KcsConfig) -> KcsClient {
        self.config = config;
        self
    }

    /// Sets the budget of operations run without an explicit deadline.
    pub fn with_timeout(mut self, timeout: Duration) -> KcsClient {
        self.timeout = timeout;
        self
    }

    /// The interface's address.
    pub fn address(&self) -> KcsAddress {
        self.address
    }

    /// Where the address came from.
    pub fn address_source(&self) -> &AddressSource {
        &self.source
    }

    /// The backend, for messages: `I/O ports 0xca2/0xca3 (ioperm)`.
    pub fn describe(&self) -> String {
        self.ports.describe()
    }

    /// What this client has done so far.
    pub fn stats(&self) -> KcsStats {
        self.stats
    }

    fn io_error(&self, source: io::Error) -> Error {
        Error::Io {
            what: self.ports.describe(),
            source,
        }
    }

    /// One transfer, driven to its end (the driver loop of [`KcsTransfer`]).
    fn transfer(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        let address = self.address;
        let mut t = KcsTransfer::new(request, deadline, self.config, Instant::now())
            .map_err(|source| Error::Kcs { address, source })?;
        self.stats.transfers += 1;
        let result = loop {
            match t.poll(Instant::now()) {
                Action::ReadStatus => match self.ports.read_status() {
                    Ok(v) => t.status(v, Instant::now()),
                    Err(e) => break Err(self.io_error(e)),
                },
                Action::ReadData => match self.ports.read_data() {
                    Ok(v) => t.data(v, Instant::now()),
                    Err(e) => break Err(self.io_error(e)),
                },
                Action::WriteCommand(v) => {
                    if let Err(e) = self.ports.write_command(v) {
                        break Err(self.io_error(e));
                    }
                }
                Action::WriteData(v) => {
                    if let Err(e) = self.ports.write_data(v) {
                        break Err(self.io_error(e));
                    }
                }
                Action::Wait(at) => {
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                }
                Action::Done(r) => break r.map_err(|source| Error::Kcs { address, source }),
            }
        };
        let s = t.stats();
        self.stats.error_exits += u64::from(t.error_exits());
        self.stats.status_reads += s.status_reads;
        self.stats.sleeps += s.waits;
        match result {
            Ok(_) => self.stats.answered += 1,
            Err(_) => self.stats.failed += 1,
        }
        result
    }
}

fn open_backend(backend: Backend, address: KcsAddress) -> Result<Box<dyn KcsPorts>, Error> {
    let use_ioperm = match backend {
        Backend::IoPort => true,
        Backend::DevPort => false,
        Backend::Auto => cfg!(all(target_os = "linux", target_arch = "x86_64")),
    };
    let (what, opened): (String, io::Result<Box<dyn KcsPorts>>) = if use_ioperm {
        (
            format!("ioperm on I/O ports {address}"),
            IoPorts::open(address).map(|p| Box::new(p) as Box<dyn KcsPorts>),
        )
    } else {
        (
            format!("{} for I/O ports {address}", DevPort::PATH),
            DevPort::open(address).map(|p| Box::new(p) as Box<dyn KcsPorts>),
        )
    };
    opened.map_err(|source| match source.kind() {
        io::ErrorKind::PermissionDenied => Error::PermissionDenied { what, source },
        io::ErrorKind::Unsupported => Error::Unsupported { what, source },
        _ => Error::Io { what, source },
    })
}

impl Transport for KcsClient {
    type Error = Error;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        self.transfer(request, deadline)
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        Target::bmc()
    }
}
