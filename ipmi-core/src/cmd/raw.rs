//! Raw requests (`ipmitool raw NETFN CMD DATA...`): any NetFn and command,
//! answered with the completion code and bytes as they came (IPMI 2.0 §5).

use crate::{Command, CommandError, CompletionCode, NetFn, Response};

/// A raw request; its response is never an error by completion code alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw {
    /// Request NetFn.
    pub netfn: NetFn,
    /// Command number.
    pub cmd: u8,
    /// Request data.
    pub data: Vec<u8>,
}

/// What a raw request got back: completion code and data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RawResponse {
    /// The completion code.
    pub completion: CompletionCode,
    /// The data bytes after it.
    pub data: Vec<u8>,
}

impl Command for Raw {
    type Output = RawResponse;

    fn name(&self) -> &'static str {
        "raw request"
    }
    fn netfn(&self) -> NetFn {
        self.netfn
    }
    fn cmd(&self) -> u8 {
        self.cmd
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.data);
    }
    fn decode(&self, response: &Response) -> Result<RawResponse, CommandError> {
        if response.netfn != self.netfn.response() || response.cmd != self.cmd {
            return Err(CommandError::Mismatch {
                command: self.name(),
                netfn: response.netfn,
                cmd: response.cmd,
            });
        }
        Ok(RawResponse {
            completion: response.completion,
            data: response.data.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_completion_code() {
        let raw = Raw {
            netfn: NetFn::APP,
            cmd: 3,
            data: vec![1, 2],
        };
        assert_eq!(raw.request().data, [1, 2]);
        let r = Response {
            netfn: NetFn(7),
            cmd: 3,
            completion: CompletionCode(0xc1),
            data: vec![],
        };
        assert_eq!(raw.decode(&r).unwrap().completion, CompletionCode(0xc1));
        let other = Response {
            netfn: NetFn(1),
            cmd: 3,
            completion: CompletionCode(0),
            data: vec![],
        };
        assert!(raw.decode(&other).is_err());
    }
}
