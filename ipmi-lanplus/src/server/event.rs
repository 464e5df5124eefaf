//! What a responder reports for its log: sessions opened, closed, expired,
//! refused, privilege changes (IPMI 2.0 §13.14–§13.24, §22.18, §22.19).
//! Each event's `Display` is one log line.

use std::fmt;
use std::net::SocketAddr;

use ipmi_core::PrivilegeLevel;

use crate::error::RakpStatus;

/// The handshake message a refusal answered (IPMI 2.0 §13.17–§13.23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandshakeStep {
    /// Open Session Request, refused in the Open Session Response (IPMI 2.0 §13.18).
    OpenSession,
    /// RAKP Message 1, refused in RAKP Message 2 (IPMI 2.0 §13.21).
    Rakp1,
    /// RAKP Message 3, refused in RAKP Message 4, or aborted by the console (IPMI 2.0 §13.23).
    Rakp3,
}

impl fmt::Display for HandshakeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandshakeStep::OpenSession => "Open Session",
            HandshakeStep::Rakp1 => "RAKP 1",
            HandshakeStep::Rakp3 => "RAKP 3",
        })
    }
}

/// Why a session ended (IPMI 2.0 §6.12.15, §22.19).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The console sent Close Session for it.
    ClosedByClient,
    /// Another (ADMINISTRATOR) session closed it with Close Session.
    ClosedByOtherSession(u32),
    /// It stayed silent longer than the idle timeout.
    IdleTimeout,
}

/// One thing worth a log line (IPMI 2.0 §13.14).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// RAKP 4 was sent: the session is active (IPMI 2.0 §13.23).
    SessionOpened {
        /// Managed system session ID.
        session_id: u32,
        /// Remote console address.
        peer: SocketAddr,
        /// User name.
        username: Vec<u8>,
        /// Cipher suite ID.
        suite: u8,
        /// Initial privilege level (USER, or the user's limit if lower).
        privilege: PrivilegeLevel,
    },
    /// Set Session Privilege Level changed the level (IPMI 2.0 §22.18).
    PrivilegeChanged {
        /// Managed system session ID.
        session_id: u32,
        /// The new level.
        privilege: PrivilegeLevel,
    },
    /// An active session ended (IPMI 2.0 §22.19, §6.12.15).
    SessionClosed {
        /// Managed system session ID.
        session_id: u32,
        /// Remote console address.
        peer: SocketAddr,
        /// User name.
        username: Vec<u8>,
        /// Why.
        reason: CloseReason,
    },
    /// A handshake was refused with an RMCP+ status code, or the console aborted it (IPMI 2.0 §13.24).
    HandshakeRefused {
        /// Remote console address.
        peer: SocketAddr,
        /// User name, when RAKP 1 had been received.
        username: Option<Vec<u8>>,
        /// Which message was refused.
        step: HandshakeStep,
        /// The status code (sent by us, or by the console in RAKP 3).
        status: RakpStatus,
    },
    /// A half-open session saw no next handshake message in time (e.g. a
    /// console that found the password wrong in RAKP 2 and gave up).
    HandshakeExpired {
        /// Managed system session ID.
        session_id: u32,
        /// Remote console address.
        peer: SocketAddr,
        /// User name, when RAKP 1 had been received.
        username: Option<Vec<u8>>,
    },
}

fn name(n: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(n))
}

impl fmt::Display for ServerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerEvent::SessionOpened { session_id, peer, username, suite, privilege } => write!(
                f,
                "session 0x{session_id:08x} opened: user {} from {peer}, cipher suite {suite}, privilege {privilege}",
                name(username)
            ),
            ServerEvent::PrivilegeChanged { session_id, privilege } => {
                write!(f, "session 0x{session_id:08x}: privilege set to {privilege}")
            }
            ServerEvent::SessionClosed { session_id, peer, username, reason } => {
                write!(f, "session 0x{session_id:08x} of user {} from {peer} ", name(username))?;
                match reason {
                    CloseReason::ClosedByClient => f.write_str("closed"),
                    CloseReason::ClosedByOtherSession(by) => write!(f, "closed by session 0x{by:08x}"),
                    CloseReason::IdleTimeout => f.write_str("expired (idle timeout)"),
                }
            }
            ServerEvent::HandshakeRefused { peer, username, step, status } => {
                write!(f, "{step} from {peer}")?;
                if let Some(u) = username {
                    write!(f, " (user {})", name(u))?;
                }
                write!(f, " refused: {status}")
            }
            ServerEvent::HandshakeExpired { session_id, peer, username } => {
                write!(f, "half-open session 0x{session_id:08x} from {peer}")?;
                if let Some(u) = username {
                    write!(f, " (user {})", name(u))?;
                }
                f.write_str(" dropped: no next handshake message in time")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let e = ServerEvent::SessionOpened {
            session_id: 0x1234,
            peer,
            username: b"admin".to_vec(),
            suite: 17,
            privilege: PrivilegeLevel::User,
        };
        assert_eq!(
            e.to_string(),
            "session 0x00001234 opened: user \"admin\" from 127.0.0.1:5000, cipher suite 17, privilege USER"
        );
        let e = ServerEvent::HandshakeRefused {
            peer,
            username: Some(b"nosuch".to_vec()),
            step: HandshakeStep::Rakp1,
            status: RakpStatus(0x0d),
        };
        assert_eq!(
            e.to_string(),
            "RAKP 1 from 127.0.0.1:5000 (user \"nosuch\") refused: unauthorized name (0x0d)"
        );
        let e = ServerEvent::SessionClosed {
            session_id: 1,
            peer,
            username: b"a".to_vec(),
            reason: CloseReason::IdleTimeout,
        };
        assert!(e.to_string().ends_with("expired (idle timeout)"));
    }
}
