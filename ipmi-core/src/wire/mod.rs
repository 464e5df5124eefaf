//! Byte formats of the command layer: the IPMI LAN/IPMB message framing
//! with its two checksums (IPMI 2.0 §13.8, §7.2).

pub mod lan_message;

pub use lan_message::{checksum, FrameError, LanMessage};
