//! In-band IPMI for ipmirs: the Linux `/dev/ipmi0` driver interface
//! ([`devintf`]), the KCS system interface (IPMI 2.0 §9) driven from user
//! space by direct port I/O ([`kcs`]) for when the kernel driver is the
//! problem, in-band health triage ([`diagnose`]) and the remedies built
//! on it ([`recover`]: stuck tools ended by pid, Cold Reset in-band, over
//! KCS without the driver, or out of band).
//!
//! ```no_run
//! # #[cfg(target_os = "linux")] {
//! use std::time::Duration;
//! use ipmi_core::{cmd::GetDeviceId, Deadline, Transport};
//! use ipmi_kcs::devintf::LinuxClient;
//!
//! let mut bmc = LinuxClient::open()?; // /dev/ipmi0, /dev/ipmi/0 or /dev/ipmidev/0
//! let id = bmc.execute_by(&GetDeviceId, Deadline::from_now(Duration::from_secs(2)))?;
//! println!("device id {:#04x}, IPMI {}.{}", id.device_id, id.ipmi_version_parts().0, id.ipmi_version_parts().1);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Unsafe code in [`devintf`] is confined to `devintf::sys` (the driver's
//! ioctls, poll(2) and the registration of the descriptor with tokio's
//! reactor), in `kcs::port_io` (ioperm and the in/out instructions) and
//! in `recover::system` (kill(2), delete_module(2)); each block carries
//! its safety argument.
//!
//! Features: `tokio` (default) adds the async `/dev/ipmi0` client;
//! `test-util` exposes the software KCS BMC `kcs::model` for tests.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(target_os = "linux")]
pub mod devintf;
pub mod diagnose;
pub mod kcs;
pub mod recover;
