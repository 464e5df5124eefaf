//! Exit codes and the one error type of the CLI.
//!
//! 0 success; 1 the BMC answered with an error, or the exchange failed
//! (protocol, socket, name resolution); 2 usage error; 3 the BMC did not
//! answer before the deadline; 130/143 a lan command stopped by SIGINT or
//! SIGTERM (after closing its session). Library errors are mapped through
//! [`ipmi_core::Failure::class`].

use ipmi_core::{CompletionCode, ErrorClass, Failure};

/// Success.
pub const SUCCESS: u8 = 0;
/// The BMC refused, or the exchange failed.
pub const FAILURE: u8 = 1;
/// Bad arguments or options.
pub const USAGE: u8 = 2;
/// No answer before the deadline.
pub const TIMEOUT: u8 = 3;

/// The exit code of an error class.
pub fn code_of(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Usage => USAGE,
        ErrorClass::Timeout => TIMEOUT,
        // Bmc, Protocol, Io, and any class a later ipmi-core adds
        // (ErrorClass is non_exhaustive): the exchange failed.
        _ => FAILURE,
    }
}

/// Everything that makes `ipmirs` exit non-zero.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments, or something not implemented yet (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The BMC answered the command with a non-zero completion code (exit 1).
    #[error("{message}")]
    Completion {
        /// ipmitool-style wording, e.g. "MC reset command failed: Insufficient privilege level (0xd4)".
        message: String,
        /// The code.
        code: CompletionCode,
    },
    /// SIGINT or SIGTERM stopped the command (exit 128 + the signal's number).
    #[error("{message}")]
    Interrupted {
        /// What was stopped, and by which signal.
        message: String,
        /// The signal's number.
        signal: i32,
    },
    /// A failure of the session or the exchange (exit by class).
    #[error("{message}")]
    Failed {
        /// Its class.
        class: ErrorClass,
        /// What failed and where it stalled.
        message: String,
        /// The session step it stalled in, when the library says.
        stage: Option<String>,
    },
}

impl CliError {
    /// A failure from any transport's error, with what we were doing.
    pub fn failed<E: Failure>(context: &str, error: &E, stage: Option<String>) -> Self {
        CliError::Failed {
            class: error.class(),
            message: format!("{context}: {error}"),
            stage,
        }
    }

    /// `context: interrupted by SIGINT`, and `; closing the session` when
    /// there is one to close.
    pub fn interrupted(context: &str, signal: i32, closing: bool) -> Self {
        CliError::Interrupted {
            message: format!(
                "{context}: interrupted by {}{}",
                crate::signals::name(signal),
                if closing { "; closing the session" } else { "" }
            ),
            signal,
        }
    }

    /// The class of this error (an interruption counts as I/O: the local
    /// side stopped; its exit code and JSON kind are its own).
    pub fn class(&self) -> ErrorClass {
        match self {
            CliError::Usage(_) => ErrorClass::Usage,
            CliError::Completion { .. } => ErrorClass::Bmc,
            CliError::Interrupted { .. } => ErrorClass::Io,
            CliError::Failed { class, .. } => *class,
        }
    }

    /// `--json`'s `kind`: the class's name, or `interrupted`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Interrupted { .. } => "interrupted",
            other => other.class().name(),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Interrupted { signal, .. } => crate::signals::exit_code(*signal),
            other => code_of(other.class()),
        }
    }

    /// The session step, if known.
    pub fn stage(&self) -> Option<&str> {
        match self {
            CliError::Failed { stage, .. } => stage.as_deref(),
            _ => None,
        }
    }

    /// The completion code, for BMC refusals.
    pub fn completion_code(&self) -> Option<CompletionCode> {
        match self {
            CliError::Completion { code, .. } => Some(*code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_map_to_exit_codes() {
        assert_eq!(code_of(ErrorClass::Bmc), 1);
        assert_eq!(code_of(ErrorClass::Protocol), 1);
        assert_eq!(code_of(ErrorClass::Io), 1);
        assert_eq!(code_of(ErrorClass::Usage), 2);
        assert_eq!(code_of(ErrorClass::Timeout), 3);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        let cc = CliError::Completion {
            message: "m".into(),
            code: CompletionCode(0xd4),
        };
        assert_eq!(cc.exit_code(), 1);
        assert_eq!(cc.completion_code(), Some(CompletionCode(0xd4)));
        let t = CliError::Failed {
            class: ErrorClass::Timeout,
            message: "m".into(),
            stage: Some("Open Session".into()),
        };
        assert_eq!((t.exit_code(), t.stage()), (3, Some("Open Session")));
    }

    #[test]
    fn library_errors_keep_their_class() {
        let e = ipmi_core::CommandError::Completion {
            command: "Cold Reset",
            code: CompletionCode(0xd4),
        };
        let f = CliError::failed("MC reset command failed", &e, None);
        assert_eq!(f.exit_code(), 1);
        assert!(f
            .to_string()
            .starts_with("MC reset command failed: Cold Reset: the BMC answered"));
        let short = ipmi_core::CommandError::ShortResponse {
            command: "Get Device ID",
            need: 11,
            got: 3,
        };
        assert_eq!(
            CliError::failed("x", &short, None).class(),
            ErrorClass::Protocol
        );
    }
}
