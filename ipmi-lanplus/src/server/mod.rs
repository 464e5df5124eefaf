//! The responder side of RMCP+: a virtual BMC (IPMI 2.0 §13), built on the
//! same wire, crypto and packet modules as the client.
//!
//! * [`Responder`] is the sans-IO endpoint of one BMC identity: it answers
//!   Get Channel Authentication Capabilities, Get Channel Cipher Suites and
//!   Get System GUID outside sessions (and Get Channel Info inside), runs
//!   Open Session and RAKP 1–4 for
//!   the configured cipher suites (0, 1, 2, 3, 15, 16, 17), and keeps a
//!   session table with per-user limits, an inbound sequence window,
//!   privilege levels and idle expiry.
//! * [`Handler`] answers the IPMI requests inside sessions;
//!   [`SimulatedBmc`] is the built-in one (device identity, chassis power,
//!   boot options, watchdog, system info, LAN configuration, DCMI); the
//!   responder itself answers the user commands from the user table its
//!   handshake checks, Get Channel Access and Get Session Info.
//! * [`Server`] (tokio) serves one responder per UDP socket, any number of
//!   sockets from one task or a few; [`serve`] is the one-call form.
//! * [`ServerConfig`], [`User`] (`"name:password[:priv]"`),
//!   [`parse_cipher_suites`] and [`parse_listen`] build a configuration
//!   from command-line flags.
//!
//! ```no_run
//! use ipmi_lanplus::server::{parse_listen, serve, ServerConfig, SimulatedBmc, User};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ServerConfig::new()
//!     .user("admin:secret:admin".parse::<User>()?)
//!     .cipher_suites([3, 17]);
//! let listen = parse_listen("127.0.0.1:6230")?;
//! let shutdown = async { /* e.g. tokio::signal::ctrl_c().await */ };
//! serve(&listen, config, |_index, _addr| SimulatedBmc::default(), shutdown).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Security notes: cipher suite 0 authenticates nobody (any password is
//! accepted for an existing user name), which is why it is off by default;
//! suite 1 authenticates the handshake but not the packets after it.

mod accounts;
mod channel;
// Get Channel Cipher Suites (IPMI 2.0 §22.15) both ways: the responder
// decodes the request and encodes the records, the tests and fuzz targets
// do the reverse (reachable with feature `test-util` only).
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod cipher_suites;
#[cfg(not(feature = "test-util"))]
#[allow(dead_code)]
pub(crate) mod cipher_suites;
mod config;
mod event;
mod handler;
mod handshake;
mod quirks;
mod responder;
mod session;
mod simulated;
#[cfg(feature = "tokio")]
mod tokio;

pub use accounts::USER_SLOTS;
pub use config::{
    parse_cipher_suites, parse_listen, ConfigError, ServerConfig, User, DEFAULT_CHANNEL,
    DEFAULT_CIPHER_SUITES, DEFAULT_GUID, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_SESSIONS, DEFAULT_SERVE_PORT, DEFAULT_USER_SESSION_LIMIT,
};
pub use event::{CloseReason, HandshakeStep, ServerEvent};
pub use handler::{respond, standard_privilege, Handler, RequestContext};
pub use quirks::{CipherSuitesQuirk, Quirks};
pub use responder::{Responder, ResponderStats, Transmit};
pub use session::{SessionInfo, SessionState};
pub use simulated::SimulatedBmc;
#[cfg(feature = "tokio")]
pub use tokio::{serve, EventSink, ServeError, Server};
