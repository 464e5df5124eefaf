//! The UDP helpers both drivers and the server share: datagram size,
//! session seeds, the local address for a peer, and which socket errors
//! only mean "nothing (usable) arrived" (IPMI 2.0 §13.1.2).

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use rand::RngCore;

/// Largest datagram accepted (an IPMI message is at most a few hundred bytes).
pub(crate) const MAX_DATAGRAM: usize = 1024;

/// 32 bytes from the operating system's generator, to seed a session.
pub(crate) fn os_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    seed
}

/// The wildcard address, any port, of `peer`'s family: what a client binds.
pub(crate) fn local_for(peer: SocketAddr) -> SocketAddr {
    if peer.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    }
}

/// Receive errors that mean "nothing (usable) arrived": time-outs, signals,
/// and ICMP port-unreachable reports of earlier datagrams.
pub(crate) fn is_transient(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock
            | ErrorKind::TimedOut
            | ErrorKind::Interrupted
            | ErrorKind::ConnectionRefused
    )
}

/// A send's outcome, with an ICMP "port unreachable" from an earlier
/// datagram (surfacing on this send) treated like a lost datagram.
pub(crate) fn sent(r: std::io::Result<usize>) -> Result<(), crate::Error> {
    match r {
        Err(e) if e.kind() != ErrorKind::ConnectionRefused => Err(e.into()),
        _ => Ok(()),
    }
}
