//! The one `Command` trait: a command is defined once here and runs
//! unchanged over every transport (IPMI 2.0 §5).

use crate::{CommandError, NetFn, Request, Response, Target};

/// An IPMI command: how to encode its request, how to decode its response.
pub trait Command {
    /// The typed result of a successful response.
    type Output;

    /// A human name for errors, e.g. "Get Device ID".
    fn name(&self) -> &'static str;

    /// The request NetFn.
    fn netfn(&self) -> NetFn;

    /// The command number.
    fn cmd(&self) -> u8;

    /// Appends the request data bytes (default: none).
    fn encode(&self, _out: &mut Vec<u8>) {}

    /// Decodes the response; a non-zero completion code is an error unless
    /// the command says otherwise (raw does).
    fn decode(&self, response: &Response) -> Result<Self::Output, CommandError>;

    /// The request for the BMC itself.
    fn request(&self) -> Request {
        self.request_to(Target::bmc())
    }

    /// The request for `target`.
    fn request_to(&self, target: Target) -> Request {
        let mut data = Vec::new();
        self.encode(&mut data);
        Request {
            target,
            netfn: self.netfn(),
            cmd: self.cmd(),
            data,
        }
    }
}

/// Checks NetFn/command and the completion code, returning the data bytes
/// with at least `min_len` of them: the common first step of `decode`.
pub fn expect_data<'r, C: Command + ?Sized>(
    cmd: &C,
    response: &'r Response,
    min_len: usize,
) -> Result<&'r [u8], CommandError> {
    if response.netfn != cmd.netfn().response() || response.cmd != cmd.cmd() {
        return Err(CommandError::Mismatch {
            command: cmd.name(),
            netfn: response.netfn,
            cmd: response.cmd,
        });
    }
    if !response.completion.is_success() {
        return Err(CommandError::Completion {
            command: cmd.name(),
            code: response.completion,
        });
    }
    if response.data.len() < min_len {
        return Err(CommandError::ShortResponse {
            command: cmd.name(),
            need: min_len,
            got: response.data.len(),
        });
    }
    Ok(&response.data)
}
