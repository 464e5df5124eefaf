//! The client side of an RMCP+ session as a sans-IO state machine
//! (IPMI 2.0 §13.14–§13.23): fed datagrams and `now`, asked what to send
//! and when it next needs waking. It never owns a socket or reads a clock.

mod bridge;
mod connection;
mod handshake;
mod negotiate;
mod replay;
mod retransmit;
mod session;
mod trace;

pub use bridge::is_delivery_failure;
pub use connection::{Connection, ConnectionStats, PROBES_TO_PRESUME_DROPPED};
pub use negotiate::{Negotiation, Reason};
pub use session::{Action, Event, Session, Stats};
