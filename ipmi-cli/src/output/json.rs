//! `--json`: one JSON object on one line of standard output per invocation,
//! success or failure. The shapes are documented in the README and are
//! kept stable: fields may be added, never renamed or removed. The
//! successful shapes are the families' ([`crate::families`]); the error
//! object is here.

use serde::Serialize;

use crate::exit::CliError;

/// An error: on standard output with `--json` (the message also goes to
/// standard error).
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ErrorObject {
    /// The message, as on standard error without the "ipmirs: " prefix.
    pub error: String,
    /// "bmc", "protocol", "timeout", "usage", "io" or "interrupted".
    pub kind: &'static str,
    /// The process exit code (1, 2 or 3; 130 or 143 when interrupted).
    pub exit_code: u8,
    /// The session step it stalled in, when known, e.g. "Open Session".
    pub stage: Option<String>,
    /// The BMC's completion code, for refusals only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_code: Option<u8>,
}

impl ErrorObject {
    /// From a CLI error.
    pub fn new(e: &CliError) -> Self {
        ErrorObject {
            error: e.to_string(),
            kind: e.kind(),
            exit_code: e.exit_code(),
            stage: e.stage().map(str::to_string),
            completion_code: e.completion_code().map(|c| c.0),
        }
    }
}

/// The JSON line (with its newline) for an error.
pub fn error(e: &CliError) -> Vec<u8> {
    line(&ErrorObject::new(e))
}

/// Serializes in declaration order, on one line.
pub fn line<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec(v).expect("plain data serializes");
    out.push(b'\n');
    out
}
