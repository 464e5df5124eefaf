//! RMCP+ (IPMI v2.0 LAN, spec section 13) for ipmirs.
//!
//! The wire formats live in [`wire`], the cryptography of RAKP and of
//! session packets in [`crypto`], and [`packet`] protects and unprotects
//! whole datagrams. [`client::Session`] is the sans-IO session state
//! machine; [`Client`] (blocking) and [`AsyncClient`] (tokio) drive it over
//! UDP.
//!
//! ```no_run
//! use ipmi_core::{cmd::GetDeviceId, Transport};
//! use ipmi_lanplus::{Client, ClientConfig};
//!
//! let config = ClientConfig::new("admin", "secret");
//! let mut client = Client::connect("127.0.0.1:623", config)?;
//! let id = client.execute(&GetDeviceId)?;
//! println!("manufacturer {}", id.manufacturer_id);
//! client.close()?;
//! # Ok::<(), ipmi_lanplus::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocking;
pub mod client;
pub mod config;
pub mod crypto;
pub mod error;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod packet;
pub mod resolve;
pub mod server;
pub mod tokio;
pub mod wire;

pub use blocking::Client;
pub use config::ClientConfig;
pub use error::{Error, RakpStatus, Stage};
pub use tokio::AsyncClient;
pub use wire::rmcp::RMCP_PORT;
