//! What can go wrong in a KCS transfer (IPMI 2.0 §9.15, error exit), with
//! the phase and step named so that a hung BMC reads as "KCS write phase:
//! IBF stayed set after byte 3 of 7", not as a bare timeout.

use std::fmt;
use std::time::Duration;

use ipmi_core::{ErrorClass, Failure, NetFn, Target};

use super::status::{interface_status_name, State, Status};

/// Where in a KCS transfer a problem happened (IPMI 2.0 §9.15, figures
/// 9-6 to 9-8: write phase, read phase, error exit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Write phase: waiting for the interface to be free before WRITE_START.
    BeforeWriteStart,
    /// Write phase: after the WRITE_START control code.
    AfterWriteStart,
    /// Write phase: after request byte `byte` (1-based) of `of`; `byte == of`
    /// is the last byte, after which the BMC works on the request.
    AfterByte {
        /// The byte just written, counting from 1.
        byte: usize,
        /// The request's length in bytes (NetFn/LUN, command, data).
        of: usize,
    },
    /// Write phase: after the WRITE_END control code.
    AfterWriteEnd,
    /// Read phase: waiting for response byte `byte` (1-based).
    Response {
        /// The response byte being waited for, counting from 1.
        byte: usize,
    },
    /// Error exit: waiting for OBF to clear before GET_STATUS/ABORT.
    AbortClearObf,
    /// Error exit: after the GET_STATUS/ABORT control code.
    AfterAbort,
    /// Error exit: after the 0x00 byte that asks for the status code.
    AbortStatusRequest,
    /// Error exit: waiting for the interface status byte.
    AbortStatusByte,
    /// Error exit: after READ, waiting for the interface to become idle.
    AbortIdle,
}

impl Phase {
    /// `write phase`, `read phase` or `error exit`.
    pub fn part(self) -> &'static str {
        match self {
            Phase::BeforeWriteStart
            | Phase::AfterWriteStart
            | Phase::AfterByte { .. }
            | Phase::AfterWriteEnd => "write phase",
            Phase::Response { .. } => "read phase",
            _ => "error exit",
        }
    }

    fn step(self) -> String {
        match self {
            Phase::BeforeWriteStart => "before WRITE_START".into(),
            Phase::AfterWriteStart => "after WRITE_START".into(),
            Phase::AfterByte { byte, of } if byte == of => {
                format!("after byte {byte} of {of} (the last)")
            }
            Phase::AfterByte { byte, of } => format!("after byte {byte} of {of}"),
            Phase::AfterWriteEnd => "after WRITE_END".into(),
            Phase::Response { byte } => format!("for response byte {byte}"),
            Phase::AbortClearObf => "before GET_STATUS/ABORT".into(),
            Phase::AfterAbort => "after GET_STATUS/ABORT".into(),
            Phase::AbortStatusRequest => "after the status request byte 0x00".into(),
            Phase::AbortStatusByte => "for the interface status byte".into(),
            Phase::AbortIdle => "after READ of the interface status".into(),
        }
    }
}

/// What went wrong at a [`Phase`] (IPMI 2.0 §9.7, §9.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// IBF stayed set: the BMC did not take the byte the host wrote.
    IbfStuck,
    /// The BMC never set OBF: no response byte arrived.
    ObfNeverSet,
    /// OBF stayed set although the host kept reading Data_Out.
    ObfStuck,
    /// The BMC is in a state the handshake does not allow here.
    UnexpectedState {
        /// The state the handshake needs here.
        expected: State,
    },
    /// The BMC kept sending bytes past the response size limit.
    ResponseTooLong {
        /// The limit, in bytes.
        max: usize,
    },
}

/// One failed step of a KCS transfer: where, what, the status register as
/// last read, and how long the step had waited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where it happened.
    pub phase: Phase,
    /// What happened.
    pub kind: ProblemKind,
    /// The status register as last read.
    pub status: Status,
    /// How long the step had been waiting.
    pub waited: Duration,
}

impl Problem {
    /// True for the kinds that mean "the BMC stopped answering" (IBF/OBF waits).
    pub fn is_stall(&self) -> bool {
        matches!(
            self.kind,
            ProblemKind::IbfStuck | ProblemKind::ObfNeverSet | ProblemKind::ObfStuck
        )
    }
}

impl fmt::Display for Problem {
    /// `KCS write phase: IBF stayed set after byte 3 of 7 (status 0x82 (WRITE, IBF), waited 5.000 s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KCS {}: ", self.phase.part())?;
        let step = self.phase.step();
        match self.kind {
            ProblemKind::IbfStuck => write!(f, "IBF stayed set {step}")?,
            ProblemKind::ObfNeverSet => write!(f, "BMC never set OBF {step}")?,
            ProblemKind::ObfStuck => write!(f, "OBF stayed set {step}")?,
            ProblemKind::UnexpectedState { expected } => write!(
                f,
                "BMC in {} state {step}, expected {expected}",
                self.status.state()
            )?,
            ProblemKind::ResponseTooLong { max } => write!(f, "response longer than {max} bytes")?,
        }
        write!(
            f,
            " (status {}, waited {:.3} s)",
            self.status,
            self.waited.as_secs_f64()
        )
    }
}

fn interface_text(code: &Option<u8>) -> String {
    match code {
        Some(c) => format!(
            "; the BMC's interface status after the last error exit: 0x{c:02x} ({})",
            interface_status_name(*c)
        ),
        None => String::new(),
    }
}

fn first_text(first: &Option<Box<Problem>>, error_exits: &u32) -> String {
    match first {
        Some(p) => format!(" (after {error_exits} error exit(s), the first for: {p})"),
        None => String::new(),
    }
}

/// An error of the sans-IO KCS codec (IPMI 2.0 §9): a transfer that did
/// not complete, a response that does not answer the request, or a
/// request KCS cannot carry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KcsError {
    /// The request's deadline passed while the codec waited on the BMC.
    #[error("{problem}: deadline reached {:.3} s after the transfer started{}", elapsed.as_secs_f64(), first_text(first, error_exits))]
    Timeout {
        /// The step that was waiting when the deadline passed.
        problem: Box<Problem>,
        /// The problem that started the first error exit, if any.
        first: Option<Box<Problem>>,
        /// Error exits run before the deadline passed.
        error_exits: u32,
        /// Time from the start of the transfer to the deadline.
        elapsed: Duration,
    },
    /// The transfer failed and the allowed error exits and retries did not help.
    #[error("{first}; gave up after {error_exits} error exit(s) and retries, the last ending in: {last}{}", interface_text(interface_status))]
    Failed {
        /// The first problem of the transfer.
        first: Box<Problem>,
        /// The last problem, after which no retry was left.
        last: Box<Problem>,
        /// Error exits run.
        error_exits: u32,
        /// The interface status code the last successful error exit read.
        interface_status: Option<u8>,
    },
    /// The status register reads 0xff: nothing answers at this address.
    #[error(
        "no KCS interface answers: the status register reads 0xff (nothing at this I/O address?)"
    )]
    NoInterface,
    /// The response has fewer than 3 bytes (NetFn/LUN, command, completion code).
    #[error(
        "KCS response of {len} byte(s) is too short: NetFn/LUN, command and completion code need 3"
    )]
    ResponseTooShort {
        /// Bytes received.
        len: usize,
    },
    /// The response is for another NetFn or command than the request.
    #[error("KCS response is for netfn {got_netfn} cmd 0x{got_cmd:02x}, not the request's netfn {netfn} cmd 0x{cmd:02x}")]
    ResponseMismatch {
        /// The request's NetFn.
        netfn: NetFn,
        /// The request's command.
        cmd: u8,
        /// The response's NetFn.
        got_netfn: NetFn,
        /// The response's command.
        got_cmd: u8,
    },
    /// The request is longer than the KCS limit in force.
    #[error("request of {len} bytes (NetFn/LUN, command, data) is longer than the {max} bytes KCS carries here")]
    RequestTooLong {
        /// The request's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// KCS reaches the BMC only: bridged targets need Send Message (IPMI 2.0 §22.7).
    #[error("KCS carries requests to the BMC itself only; IPMB address 0x{:02x} on channel {} needs bridging: use /dev/ipmi0 or the LAN interface", target.slave_addr, target.channel)]
    Bridged {
        /// The target asked for.
        target: Target,
    },
    /// The NetFn is odd (a response NetFn) or out of the 6-bit range.
    #[error("netfn {netfn} is not a request NetFn (requests are even and at most 0x3e)")]
    NotARequest {
        /// The NetFn given.
        netfn: NetFn,
    },
}

impl Failure for KcsError {
    fn class(&self) -> ErrorClass {
        match self {
            KcsError::Timeout { .. } => ErrorClass::Timeout,
            KcsError::Failed { first, .. } if first.is_stall() => ErrorClass::Timeout,
            KcsError::Failed { .. } => ErrorClass::Protocol,
            KcsError::NoInterface => ErrorClass::Io,
            KcsError::ResponseTooShort { .. } | KcsError::ResponseMismatch { .. } => {
                ErrorClass::Protocol
            }
            KcsError::RequestTooLong { .. }
            | KcsError::Bridged { .. }
            | KcsError::NotARequest { .. } => ErrorClass::Usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_text_names_phase_and_byte() {
        let p = Problem {
            phase: Phase::AfterByte { byte: 3, of: 7 },
            kind: ProblemKind::IbfStuck,
            status: Status(0x82),
            waited: Duration::from_millis(1500),
        };
        assert_eq!(
            p.to_string(),
            "KCS write phase: IBF stayed set after byte 3 of 7 (status 0x82 (WRITE, IBF), waited 1.500 s)"
        );
        let p = Problem {
            phase: Phase::Response { byte: 1 },
            kind: ProblemKind::ObfNeverSet,
            status: Status(0x40),
            waited: Duration::from_secs(2),
        };
        assert!(p
            .to_string()
            .starts_with("KCS read phase: BMC never set OBF for response byte 1"));
        let e = KcsError::Timeout {
            problem: Box::new(p),
            first: None,
            error_exits: 0,
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(e.class(), ErrorClass::Timeout);
        assert!(e
            .to_string()
            .ends_with("deadline reached 2.000 s after the transfer started"));
    }
}
