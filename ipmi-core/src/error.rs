//! Errors of the command layer and the classification every transport's
//! errors share, so that a CLI can map any failure to an exit code.

use crate::{CompletionCode, NetFn};

/// What kind of failure an error is, independent of the transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The BMC answered, with an error (completion code, RAKP status...).
    Bmc,
    /// The exchange broke: malformed, unverifiable or unexpected data.
    Protocol,
    /// Nothing (valid) arrived before the deadline.
    Timeout,
    /// The caller asked for something impossible (bad argument, option).
    Usage,
    /// The operating system refused (socket, device file, permission).
    Io,
}

impl ErrorClass {
    /// The lower-case name (`bmc`, `protocol`, `timeout`, `usage`, `io`),
    /// as text and JSON output report it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Bmc => "bmc",
            ErrorClass::Protocol => "protocol",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Usage => "usage",
            ErrorClass::Io => "io",
        }
    }
}

/// Implemented by every error type of every transport.
pub trait Failure: std::error::Error + Send + Sync + 'static {
    /// The class of this failure.
    fn class(&self) -> ErrorClass;
}

/// A command's response could not be turned into its typed result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The BMC answered with a non-zero completion code.
    #[error("{command}: the BMC answered with completion code 0x{:02x} ({code})", code.0)]
    Completion {
        /// The command's name (e.g. "Get Device ID").
        command: &'static str,
        /// The completion code received.
        code: CompletionCode,
    },
    /// The response carried fewer data bytes than the command defines.
    #[error("{command}: response too short ({got} data bytes, expected at least {need})")]
    ShortResponse {
        /// The command's name.
        command: &'static str,
        /// Minimum data length.
        need: usize,
        /// Data length received.
        got: usize,
    },
    /// The response is for another NetFn or command than the request.
    #[error("{command}: response is for netfn {netfn} cmd 0x{cmd:02x}")]
    Mismatch {
        /// The command's name.
        command: &'static str,
        /// NetFn of the response.
        netfn: NetFn,
        /// Command byte of the response.
        cmd: u8,
    },
    /// A response field holds a value the specification does not allow.
    #[error("{command}: invalid {field} 0x{value:02x} in response")]
    InvalidField {
        /// The command's name.
        command: &'static str,
        /// Which field.
        field: &'static str,
        /// The value received.
        value: u32,
    },
}

impl Failure for CommandError {
    fn class(&self) -> ErrorClass {
        match self {
            CommandError::Completion { .. } => ErrorClass::Bmc,
            _ => ErrorClass::Protocol,
        }
    }
}
