//! The real effects: kill(2), delete_module(2), `/dev/ipmi0` and the KCS
//! ports, the wall clock.
//!
//! Modules are unloaded with delete_module(2) and `O_NONBLOCK` (what
//! `rmmod` does, without needing kmod or busybox on the machine): the
//! errno says exactly why it refused (in use, not permitted, not
//! loaded), and `O_NONBLOCK` makes the kernel refuse a module in use
//! instead of waiting for its users. The call still runs the module's
//! exit function, which may wait on hardware, so it runs on a worker
//! thread that is abandoned at the deadline.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{ColdReset, GetDeviceId};
use ipmi_core::{Deadline, ErrorClass, Failure, Transport};

use super::{Bmc, Clock, Modules, Path, Paths, ResetFailure, Signal, Signals, UnloadError};
use crate::diagnose::{answer_of, ProbeAnswer, ProbeFailure};
use crate::kcs::{Backend, KcsAddress, KcsClient, KcsOptions};

/// kill(2).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemSignals;

impl Signals for SystemSignals {
    fn send(&mut self, pid: u32, signal: Signal) -> io::Result<()> {
        let sig = match signal {
            Signal::Term => libc::SIGTERM,
            Signal::Kill => libc::SIGKILL,
        };
        let pid =
            libc::pid_t::try_from(pid).map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
        // SAFETY: kill(2) takes two integers and touches no memory of ours.
        if unsafe { libc::kill(pid, sig) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

/// delete_module(2) with `O_NONBLOCK`, bounded by a deadline.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemModules;

fn delete_module(name: &str) -> Result<(), UnloadError> {
    let c = CString::new(name).map_err(|_| UnloadError::Other(name.into(), "bad name".into()))?;
    // SAFETY: delete_module(2) reads the NUL-terminated name, which lives
    // until the call returns, and an integer.
    let rc = unsafe { libc::syscall(libc::SYS_delete_module, c.as_ptr(), libc::O_NONBLOCK) };
    if rc == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    Err(match e.raw_os_error() {
        Some(libc::EBUSY) | Some(libc::EAGAIN) => UnloadError::InUse(name.into()),
        Some(libc::EPERM) => UnloadError::NotPermitted(name.into()),
        Some(libc::ENOENT) => UnloadError::NotLoaded(name.into()),
        _ => UnloadError::Other(name.into(), e.to_string()),
    })
}

impl Modules for SystemModules {
    fn unload(&mut self, name: &str, timeout: Duration) -> Result<(), UnloadError> {
        let (tx, rx) = mpsc::channel();
        let owned = name.to_string();
        std::thread::Builder::new()
            .name("ipmirs-rmmod".into())
            .spawn(move || {
                let _ = tx.send(delete_module(&owned));
            })
            .map_err(|e| UnloadError::Other(name.into(), e.to_string()))?;
        rx.recv_timeout(timeout).unwrap_or(Err(UnloadError::Timeout(
            name.into(),
            timeout.as_secs_f64(),
        )))
    }
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// Any [`Transport`] as a [`Bmc`], its failures shown with `shown` (the path).
pub struct TransportBmc<T> {
    /// The open transport.
    pub transport: T,
    /// What it is, for messages (`/dev/ipmi0`, `KCS I/O ports 0xca2/0xca3`).
    pub shown: String,
}

fn failure<E: Failure>(path: &str, e: &E) -> ProbeFailure {
    ProbeFailure {
        path: path.to_string(),
        class: e.class(),
        message: e.to_string(),
    }
}

impl<T: Transport> Bmc for TransportBmc<T> {
    fn cold_reset(&mut self, timeout: Duration) -> Result<(), ResetFailure> {
        self.transport
            .execute_by(&ColdReset, Deadline::from_now(timeout))
            .map_err(|e| ResetFailure::of_exchange(failure(&self.shown, &e)))
    }

    fn get_device_id(&mut self, timeout: Duration) -> Result<ProbeAnswer, ProbeFailure> {
        self.transport
            .execute_by(&GetDeviceId, Deadline::from_now(timeout))
            .map(|id| answer_of(self.shown.clone(), &id))
            .map_err(|e| failure(&self.shown, &e))
    }
}

/// `/dev/ipmi0` and the KCS ports of this machine (under `root`).
#[derive(Clone, Debug)]
pub struct SystemPaths {
    /// Where `/dev` and `/proc` are.
    pub root: PathBuf,
    /// The device file (`/dev/ipmi0`).
    pub device_path: String,
    /// The KCS address (`None`: SMBIOS type 38, else 0xCA2).
    pub kcs_address: Option<KcsAddress>,
    /// The KCS port backend.
    pub backend: Backend,
}

impl Default for SystemPaths {
    fn default() -> Self {
        SystemPaths {
            root: PathBuf::from("/"),
            device_path: "/dev/ipmi0".into(),
            kcs_address: None,
            backend: Backend::Auto,
        }
    }
}

impl Paths for SystemPaths {
    fn open(&mut self, path: Path) -> Result<Box<dyn Bmc + '_>, ProbeFailure> {
        match path {
            #[cfg(target_os = "linux")]
            Path::DeviceFile => {
                let file = self.root.join(self.device_path.trim_start_matches('/'));
                let shown = file.display().to_string();
                let client = crate::devintf::LinuxClient::open_path(&file)
                    .map_err(|e| failure(&shown, &e))?;
                Ok(Box::new(TransportBmc {
                    transport: client,
                    shown,
                }))
            }
            Path::Kcs => {
                let options = KcsOptions {
                    address: self.kcs_address,
                    backend: self.backend,
                    root: self.root.clone(),
                    ..KcsOptions::default()
                };
                let client = KcsClient::open(&options).map_err(|e| failure("the KCS ports", &e))?;
                let shown = format!("KCS {}", client.describe());
                Ok(Box::new(TransportBmc {
                    transport: client,
                    shown,
                }))
            }
            other => Err(ProbeFailure {
                path: format!("{other:?}"),
                class: ErrorClass::Usage,
                message: "this way to the BMC is not available here".into(),
            }),
        }
    }
}
