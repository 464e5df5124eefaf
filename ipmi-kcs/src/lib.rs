//! In-band IPMI for ipmirs: the Linux `/dev/ipmi0` driver interface and the
//! KCS system interface (IPMI 2.0 section 9).
//!
//! This crate is a placeholder until the in-band transports land (issues #4
//! and #5); it deliberately exposes nothing yet.
