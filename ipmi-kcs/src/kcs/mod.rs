//! The KCS system interface (IPMI 2.0 §9) without the kernel driver: a
//! sans-IO transfer state machine ([`KcsTransfer`]), the message format
//! ([`message`]), port backends ([`port_io`]: `ioperm` + `in`/`out`, or
//! `/dev/port`), the address from SMBIOS type 38 ([`smbios`]), and a
//! blocking [`KcsClient`] implementing [`ipmi_core::Transport`].
//!
//! This is the way in when `/dev/ipmi0` is gone (`ipmi_si` unloaded) or
//! stuck: it refuses to run while `ipmi_si` owns the ports unless forced.
//!
//! ```no_run
//! use std::time::Duration;
//! use ipmi_core::{cmd::ColdReset, Deadline, Transport};
//! use ipmi_kcs::kcs::{KcsClient, KcsOptions};
//!
//! let mut bmc = KcsClient::open(&KcsOptions::default())?; // SMBIOS type 38, else 0xCA2
//! bmc.execute_by(&ColdReset, Deadline::from_now(Duration::from_secs(5)))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod codec;
mod error;
pub mod message;
#[cfg(any(test, feature = "test-util"))]
pub mod model;
pub mod port_io;
mod ports;
pub mod smbios;
mod status;

pub use client::{
    port_owner, resolve_address, AddressSource, Backend, Error, KcsClient, KcsOptions, KcsStats,
};
pub use codec::{Action, KcsConfig, KcsTransfer, TransferStats};
pub use error::{KcsError, Phase, Problem, ProblemKind};
pub use ports::{KcsAddress, KcsPorts};
pub use status::{State, Status};
