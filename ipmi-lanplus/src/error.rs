//! Errors of an RMCP+ session, each saying at which step it stalled.

use std::fmt;
use std::sync::Arc;

use ipmi_core::{CommandError, ErrorClass, Failure, NetFn};

use crate::packet::PacketError;

/// The step of a session an error belongs to (IPMI 2.0 §13.14–§13.23, §22).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Get Channel Authentication Capabilities (§22.13), before the session.
    ChannelAuthCapabilities,
    /// Get Channel Cipher Suites (§22.15), before Open Session.
    CipherSuites,
    /// RMCP+ Open Session Request/Response (§13.17, §13.18).
    OpenSession,
    /// RAKP Message 1 and 2 (§13.20, §13.21).
    Rakp2,
    /// RAKP Message 3 and 4 (§13.22, §13.23).
    Rakp4,
    /// Set Session Privilege Level (§22.18).
    SetPrivilege,
    /// A request inside the active session.
    Request {
        /// Its NetFn.
        netfn: NetFn,
        /// Its command.
        cmd: u8,
    },
    /// Close Session (§22.19).
    CloseSession,
    /// Resolving the BMC's host name, before any datagram.
    Resolve,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::ChannelAuthCapabilities => {
                f.write_str("Get Channel Authentication Capabilities")
            }
            Stage::CipherSuites => f.write_str("Get Channel Cipher Suites"),
            Stage::OpenSession => f.write_str("Open Session"),
            Stage::Rakp2 => f.write_str("RAKP 1 (waiting for RAKP 2)"),
            Stage::Rakp4 => f.write_str("RAKP 3 (waiting for RAKP 4)"),
            Stage::SetPrivilege => f.write_str("Set Session Privilege Level"),
            Stage::Request { netfn, cmd } => write!(f, "request netfn {netfn} cmd 0x{cmd:02x}"),
            Stage::CloseSession => f.write_str("Close Session"),
            Stage::Resolve => f.write_str("host name resolution"),
        }
    }
}

/// An RMCP+/RAKP status code (IPMI 2.0 §13.24, table 13-15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RakpStatus(pub u8);

impl RakpStatus {
    /// The specification's wording of the code, when it has one.
    pub fn description(self) -> Option<&'static str> {
        Some(match self.0 {
            0x00 => "no errors",
            0x01 => "insufficient resources to create a session",
            0x02 => "invalid session ID",
            0x03 => "invalid payload type",
            0x04 => "invalid authentication algorithm",
            0x05 => "invalid integrity algorithm",
            0x06 => "no matching authentication payload",
            0x07 => "no matching integrity payload",
            0x08 => "inactive session ID",
            0x09 => "invalid role",
            0x0a => "unauthorized role or privilege level requested",
            0x0b => "insufficient resources to create a session at the requested role",
            0x0c => "invalid name length",
            0x0d => "unauthorized name",
            0x0e => "unauthorized GUID",
            0x0f => "invalid integrity check value",
            0x10 => "invalid confidentiality algorithm",
            0x11 => "no cipher suite match with proposed security algorithms",
            0x12 => "illegal or unrecognized parameter",
            _ => return None,
        })
    }

    /// True for the codes by which a BMC refuses the offered algorithms.
    pub fn is_algorithm_refusal(self) -> bool {
        matches!(self.0, 0x04 | 0x05 | 0x06 | 0x07 | 0x10 | 0x11)
    }
}

impl fmt::Display for RakpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => write!(f, "{d} (0x{:02x})", self.0),
            None => write!(f, "unknown status 0x{:02x}", self.0),
        }
    }
}

/// Everything that can go wrong in an RMCP+ session.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No valid answer arrived before the deadline (or the retries ran out).
    #[error("no answer to {stage} before the deadline ({tries} {})", if *tries == 1 { "try" } else { "tries" })]
    Timeout {
        /// The step that was waiting.
        stage: Stage,
        /// How many datagrams were sent for it.
        tries: u32,
    },
    /// The BMC answered a handshake step with a non-zero status code.
    #[error("{stage}: the BMC refused: {status}")]
    Rejected {
        /// The step.
        stage: Stage,
        /// The RMCP+ status code.
        status: RakpStatus,
    },
    /// The RAKP 2 key exchange code did not verify.
    #[error("RAKP 2 key exchange code did not verify: password rejected or BMC key mismatch")]
    Rakp2Mismatch,
    /// The RAKP 4 integrity check value did not verify.
    #[error("RAKP 4 integrity check did not verify: BMC key (Kg) mismatch")]
    Rakp4Mismatch,
    /// The BMC accepted Open Session with algorithms other than those
    /// offered, and they may not be used: a suite pinned by the caller, or
    /// no suite that policy allows (IPMI 2.0 §13.18).
    #[error("Open Session: asked for cipher suite {asked} {offered:?}, the BMC answered with {} {got:?}", suite_words(*.answered))]
    AlgorithmMismatch {
        /// The cipher suite offered.
        asked: u8,
        /// (auth, integrity, confidentiality) offered.
        offered: (u8, u8, u8),
        /// The suite the answered algorithms form, if any.
        answered: Option<u8>,
        /// (auth, integrity, confidentiality) received.
        got: (u8, u8, u8),
    },
    /// None of the suites the BMC lists in Get Channel Cipher Suites may be
    /// picked without being named (IPMI 2.0 §22.15).
    #[error("the BMC lists cipher suites {listed:?}, none of 17, 3, 2, 1; pick one by ID (-C) if it is acceptable")]
    NoCommonSuite {
        /// The suite IDs the BMC listed.
        listed: Vec<u8>,
    },
    /// The channel does not support IPMI v2.0 / RMCP+ sessions.
    #[error("the BMC does not support IPMI v2.0 (RMCP+) sessions on this channel")]
    NotRmcpPlus,
    /// The BMC granted a lower privilege level than asked for.
    #[error("Set Session Privilege Level: asked for {requested}, the BMC granted {granted}")]
    PrivilegeNotGranted {
        /// What was asked for.
        requested: ipmi_core::PrivilegeLevel,
        /// What the BMC answered.
        granted: ipmi_core::PrivilegeLevel,
    },
    /// A handshake or session command was answered with an error.
    #[error("{0}")]
    Command(#[from] CommandError),
    /// The configuration is unusable (bad length, unsupported suite...).
    #[error("{0}")]
    Config(String),
    /// A datagram could not be used (only reported where it ends an operation).
    #[error("{stage}: {source}")]
    Packet {
        /// The step.
        stage: Stage,
        /// What was wrong with the datagram.
        source: PacketError,
    },
    /// The BMC's host name could not be resolved.
    #[error("cannot resolve host '{host}': {reason}")]
    Resolve {
        /// The name as given.
        host: String,
        /// Why not.
        reason: String,
    },
    /// The caller's interrupt flag was set while waiting; the session is
    /// still open and can be closed.
    #[error("interrupted before the answer came")]
    Interrupted,
    /// A bridged request's answer could not be understood.
    #[error("bridged request: {0}")]
    Bridge(&'static str),
    /// The operation needs an active session and there is none.
    #[error("the session is not active ({0})")]
    NotActive(&'static str),
    /// Another operation is still in progress on this session.
    #[error("another operation is in progress on this session")]
    Busy,
    /// The operating system refused a socket operation.
    #[error("socket error: {0}")]
    Io(Arc<std::io::Error>),
}

impl Error {
    /// The session step this error belongs to, when it belongs to one.
    pub fn stage(&self) -> Option<Stage> {
        match self {
            Error::Timeout { stage, .. }
            | Error::Rejected { stage, .. }
            | Error::Packet { stage, .. } => Some(*stage),
            Error::Rakp2Mismatch => Some(Stage::Rakp2),
            Error::Rakp4Mismatch => Some(Stage::Rakp4),
            Error::AlgorithmMismatch { .. } => Some(Stage::OpenSession),
            Error::NoCommonSuite { .. } => Some(Stage::CipherSuites),
            Error::NotRmcpPlus => Some(Stage::ChannelAuthCapabilities),
            Error::PrivilegeNotGranted { .. } => Some(Stage::SetPrivilege),
            Error::Resolve { .. } => Some(Stage::Resolve),
            _ => None,
        }
    }
}

fn suite_words(answered: Option<u8>) -> String {
    match answered {
        Some(id) => format!("cipher suite {id}'s algorithms"),
        None => "algorithms of no supported suite".into(),
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

impl Failure for Error {
    fn class(&self) -> ErrorClass {
        match self {
            Error::Timeout { .. } => ErrorClass::Timeout,
            Error::Rejected { .. }
            | Error::Rakp2Mismatch
            | Error::Rakp4Mismatch
            | Error::NotRmcpPlus => ErrorClass::Bmc,
            Error::PrivilegeNotGranted { .. } => ErrorClass::Bmc,
            Error::Command(c) => c.class(),
            Error::Config(_) => ErrorClass::Usage,
            // An interruption is neither the BMC's fault nor the protocol's:
            // the local side stopped (a CLI exits 128 + signal).
            Error::Io(_) | Error::Resolve { .. } | Error::Interrupted => ErrorClass::Io,
            _ => ErrorClass::Protocol,
        }
    }
}
