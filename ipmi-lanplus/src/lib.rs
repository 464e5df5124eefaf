//! RMCP+ (IPMI v2.0 LAN, spec section 13) for ipmirs.
//!
//! [`client::Session`] is the sans-IO session state machine (the wire
//! formats, RAKP and packet protection are crate-private);
//! [`Client`] (blocking) and `AsyncClient` (tokio, feature `tokio`, on by
//! default) drive it over UDP. [`server`] is the responder (a virtual BMC),
//! `fleet` runs one command on many BMCs (feature `tokio`).
//!
//! ```
//! use ipmi_core::{cmd::GetDeviceId, Transport};
//! use ipmi_lanplus::{Client, ClientConfig};
//!
//! let addr = "127.0.0.1:623";
//! # let vbmc = ipmirs_test_support::responder::BackgroundServer::start(ipmi_lanplus::server::ServerConfig::new().user(ipmi_lanplus::server::User::new("admin", "secret", ipmi_core::PrivilegeLevel::Administrator)));
//! # let addr = vbmc.addr();
//! let config = ClientConfig::new("admin", "secret");
//! let mut client = Client::connect(addr, config)?;
//! let id = client.execute(&GetDeviceId)?;
//! println!("manufacturer {}", id.manufacturer_id);
//! client.close()?;
//! # Ok::<(), ipmi_lanplus::Error>(())
//! ```
//!
//! The repository's README.md has more (tokio, fleets), each snippet a
//! doctest of this crate; `examples/` has programs to run against
//! `ipmirs serve` (`cargo run -p ipmi-lanplus --example mc_info`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocking;
pub mod client;
pub mod config;
pub mod error;
#[cfg(feature = "tokio")]
pub mod fleet;
mod resolve;
pub mod server;
#[cfg(feature = "tokio")]
pub mod tokio;
mod udp;

// The wire formats, the cryptography and datagram protection are the
// crate's inside: reachable only for this workspace's tests and benches
// (feature `test-util`), hidden from the documentation. A wire format keeps
// both directions and its length (the client uses one side, the responder
// the other, tests and fuzz targets both), hence the allow without them.
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod crypto;
#[cfg(not(feature = "test-util"))]
mod crypto;
/// The fuzz targets' entry points (feature `fuzzing`; fuzz/Cargo.toml).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod packet;
#[cfg(not(feature = "test-util"))]
#[allow(dead_code)]
mod packet;
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod wire;
#[cfg(not(feature = "test-util"))]
#[allow(dead_code)]
mod wire;

/// The library section of the repository's README.md, run as doctests
/// against the in-process virtual BMC (the README is their one home).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}

pub use blocking::Client;
pub use config::ClientConfig;
pub use crypto::{AuthAlg, CipherSuite, ConfAlg, CryptoError, IntegrityAlg};
pub use error::{Error, RakpStatus, Stage};
pub use packet::PacketError;
#[cfg(feature = "tokio")]
pub use tokio::AsyncClient;
pub use wire::rmcp::RMCP_PORT;
pub use wire::WireError;
