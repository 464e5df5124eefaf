//! Test fixtures shared by the ipmirs crates' integration tests and the
//! bench runner (`benches/src/bin/compare.rs`). Not published; nothing here
//! is part of a library's API.
//!
//! - [`fakeroot`]: a fake `/proc`, `/sys`, `/dev` tree and scripted probes
//!   for `ipmi_kcs::diagnose` and `recover`.
//! - [`ipmisim`]: a private OpenIPMI `ipmi_sim` BMC on a loopback UDP port,
//!   also with the sensor/SEL/FRU bed of `beds/sensors`.
//! - [`proxy`]: a seeded loopback UDP proxy that drops, duplicates, delays
//!   and corrupts datagrams.
//! - [`inmemory`]: the sans-IO client and responder on a virtual network
//!   under a virtual clock.
//! - [`responder`]: the responder served by the tokio driver on a
//!   background thread.
//! - [`program`]: a bounded runner for external programs (ipmitool, FreeIPMI).
//! - [`qemu`]: boot a Linux kernel under QEMU with an emulated KCS BMC.
//! - [`vmsim`]: `ipmi_sim` as the external BMC of a QEMU guest.

pub mod fakeroot;
pub mod inmemory;
pub mod ipmisim;
pub mod program;
pub mod proxy;
pub mod qemu;
pub mod responder;
mod sim_process;
pub mod vmsim;
