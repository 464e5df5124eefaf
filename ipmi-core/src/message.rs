//! Transport-independent request and response messages (IPMI 2.0 §5).

use crate::{CompletionCode, NetFn, Target};

/// An IPMI request as every transport carries it: destination, NetFn,
/// command and data bytes (IPMI 2.0 §5.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Who the request is for (the BMC, or a bridged controller).
    pub target: Target,
    /// Request NetFn (even).
    pub netfn: NetFn,
    /// Command number within the NetFn.
    pub cmd: u8,
    /// Request data bytes (no header, no checksum).
    pub data: Vec<u8>,
}

/// An IPMI response: NetFn, command, completion code and data (IPMI 2.0 §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Response NetFn (odd).
    pub netfn: NetFn,
    /// Command number, echoed from the request.
    pub cmd: u8,
    /// The completion code.
    pub completion: CompletionCode,
    /// Response data after the completion code.
    pub data: Vec<u8>,
}

impl Response {
    /// Builds a response from the bytes after the command byte: completion
    /// code first, then data. `None` when `body` is empty.
    pub fn from_body(netfn: NetFn, cmd: u8, body: &[u8]) -> Option<Self> {
        let (&cc, data) = body.split_first()?;
        Some(Response {
            netfn,
            cmd,
            completion: CompletionCode(cc),
            data: data.to_vec(),
        })
    }

    /// True when this response answers `request` (NetFn | 1 and same command).
    pub fn answers(&self, request: &Request) -> bool {
        self.netfn == request.netfn.response() && self.cmd == request.cmd
    }
}
