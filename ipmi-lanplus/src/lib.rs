//! RMCP+ (IPMI v2.0 LAN, spec section 13) for ipmirs.
//!
//! The wire formats live in [`wire`], the cryptography of RAKP and of
//! session packets in [`crypto`], and [`packet`] protects and unprotects
//! whole datagrams.

pub mod crypto;
pub mod packet;
pub mod wire;
