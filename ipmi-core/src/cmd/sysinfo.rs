//! System info parameters: Set System Info Parameters (IPMI 2.0 §22.14a)
//! and Get System Info Parameters (§22.14b), with the string parameters
//! (firmware version, system name, OS names; table 22-16a) spread over
//! 16-byte sets and reassembled here.

use super::support::{ident, text_until_nul};
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// System info parameter numbers and ipmitool's `getsysinfo` argument
/// words (IPMI 2.0 table 22-16a; DE/E4 are Dell OEM), ipmitool's order.
pub const SYSINFO_PARAMS: [(u8, &str); 6] = [
    (0x01, "system_fw_version"),
    (0x02, "system_name"),
    (0x03, "primary_os_name"),
    (0x04, "os_name"),
    (0xe4, "delloem_os_version"),
    (0xde, "delloem_url"),
];

/// String bytes in set 0 (after set selector, encoding and length) (IPMI 2.0 table 22-16a).
pub const SET0_STRING_BYTES: usize = 14;
/// String bytes in sets 1.. (after the set selector) (IPMI 2.0 table 22-16a).
pub const SETN_STRING_BYTES: usize = 16;

/// Get System Info Parameters (NetFn App, cmd 0x59; IPMI 2.0 §22.14b).
/// Completion code 80h means the parameter is not supported ("parameter not
/// supported" in ipmitool's message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSystemInfoParameters {
    /// Byte 1 bit 7: get the parameter revision only.
    pub revision_only: bool,
    /// Parameter selector.
    pub param: u8,
    /// Set selector (which 16-byte set of a string).
    pub set: u8,
    /// Block selector.
    pub block: u8,
}

impl GetSystemInfoParameters {
    /// Reads set `set` of parameter `param`.
    pub fn new(param: u8, set: u8) -> Self {
        Self {
            revision_only: false,
            param,
            set,
            block: 0,
        }
    }
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [r, param, set, block] = *data else {
            return None;
        };
        Some(Self {
            revision_only: r & 0x80 != 0,
            param,
            set,
            block,
        })
    }
}

/// A Get System Info Parameters answer: revision and the parameter data
/// (IPMI 2.0 §22.14b); for string parameters, the data starts with the set selector.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SystemInfoParam {
    /// Parameter revision (byte 1).
    pub revision: u8,
    /// The bytes after the revision.
    pub data: Vec<u8>,
}

impl SystemInfoParam {
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.revision);
        out.extend_from_slice(&self.data);
    }
}

impl Command for GetSystemInfoParameters {
    type Output = SystemInfoParam;
    ident!("Get System Info Parameters", NetFn::APP, 0x59);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            if self.revision_only { 0x80 } else { 0 },
            self.param,
            self.set,
            self.block,
        ]);
    }
    fn decode(&self, response: &Response) -> Result<SystemInfoParam, CommandError> {
        let d = expect_data(self, response, 1)?;
        Ok(SystemInfoParam {
            revision: d[0],
            data: d[1..].to_vec(),
        })
    }
}

/// Set System Info Parameters (NetFn App, cmd 0x58; IPMI 2.0 §22.14a).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetSystemInfoParameters {
    /// Parameter selector.
    pub param: u8,
    /// Parameter data (for strings: one of [`string_sets`]).
    pub data: Vec<u8>,
}

impl SetSystemInfoParameters {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let (&param, rest) = data.split_first()?;
        Some(Self {
            param,
            data: rest.to_vec(),
        })
    }
}

impl Command for SetSystemInfoParameters {
    type Output = ();
    ident!("Set System Info Parameters", NetFn::APP, 0x58);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.param);
        out.extend_from_slice(&self.data);
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// The sets of a string parameter as they travel (IPMI 2.0 table 22-16a):
/// set 0 is `[0, encoding, length, 14 bytes]`, set n is `[n, 16 bytes]`,
/// zero padded. `text` is cut at `max_sets` sets (ipmitool uses 4 for most
/// parameters). Both a client setting a string and a responder answering
/// reads use these.
pub fn string_sets(encoding: u8, text: &[u8], max_sets: usize) -> Vec<Vec<u8>> {
    let cap = SET0_STRING_BYTES + max_sets.saturating_sub(1) * SETN_STRING_BYTES;
    let text = &text[..text.len().min(cap).min(255)];
    let mut sets = Vec::new();
    let mut first = vec![0, encoding & 0x0f, text.len() as u8];
    let (head, mut rest) = text.split_at(text.len().min(SET0_STRING_BYTES));
    first.extend_from_slice(head);
    first.resize(3 + SET0_STRING_BYTES, 0);
    sets.push(first);
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(rest.len().min(SETN_STRING_BYTES));
        let mut s = vec![sets.len() as u8];
        s.extend_from_slice(chunk);
        s.resize(1 + SETN_STRING_BYTES, 0);
        sets.push(s);
        rest = tail;
    }
    sets
}

/// How many sets hold the string announced in set 0's data (`[0, encoding,
/// length, ...]`), as ipmitool computes it: (length + 2 + 15) / 16, at
/// least 1 (IPMI 2.0 table 22-16a). `None` when the data is too short.
pub fn string_set_count(set0: &[u8]) -> Option<usize> {
    let len = usize::from(*set0.get(2)?);
    Some((len + 2).div_ceil(16).max(1))
}

/// Reassembles a string parameter from its sets' data in order (each
/// starting with its set selector), up to the announced length or the
/// first NUL; invalid UTF-8 is replaced (IPMI 2.0 table 22-16a).
pub fn assemble_string(sets: &[Vec<u8>]) -> String {
    let mut bytes = Vec::new();
    let mut announced = None;
    for (i, s) in sets.iter().enumerate() {
        if i == 0 {
            announced = s.get(2).map(|&l| usize::from(l));
            bytes.extend_from_slice(s.get(3..).unwrap_or_default());
        } else {
            bytes.extend_from_slice(s.get(1..).unwrap_or_default());
        }
    }
    if let Some(l) = announced {
        bytes.truncate(l);
    }
    text_until_nul(&bytes)
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn long_string_round_trips_through_sets() {
        let text = b"BIOS 2.17.1 build 20240611-release";
        let sets = string_sets(0, text, 4);
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].len(), 17);
        assert_eq!(&sets[0][..5], &[0, 0, 34, b'B', b'I']);
        assert_eq!(sets[1][0], 1);
        assert_eq!(sets[2][0], 2);
        assert_eq!(string_set_count(&sets[0]), Some(3));
        // Read back as a client would: Get (param 1, set n) answers.
        let mut got = Vec::new();
        for (n, s) in sets.iter().enumerate() {
            let c = GetSystemInfoParameters::new(1, n as u8);
            assert_eq!(c.request().data, [0, 1, n as u8, 0]);
            let mut raw = Vec::new();
            SystemInfoParam {
                revision: 0x11,
                data: s.clone(),
            }
            .encode(&mut raw);
            got.push(c.decode(&ok(&c, &raw)).unwrap().data);
        }
        assert_eq!(assemble_string(&got), std::str::from_utf8(text).unwrap());
    }

    #[test]
    fn short_and_capped_strings() {
        let sets = string_sets(0, b"node7", 4);
        assert_eq!(
            sets,
            [vec![
                0, 0, 5, b'n', b'o', b'd', b'e', b'7', 0, 0, 0, 0, 0, 0, 0, 0, 0
            ]]
        );
        assert_eq!(string_set_count(&sets[0]), Some(1));
        assert_eq!(assemble_string(&sets), "node7");
        let long = [b'x'; 100];
        let capped = string_sets(1, &long, 2);
        assert_eq!(capped.len(), 2);
        assert_eq!(assemble_string(&capped).len(), 30);
        assert_eq!(string_set_count(&[0, 0]), None);
        assert_eq!(assemble_string(&[]), "");
        let set = SetSystemInfoParameters {
            param: 2,
            data: sets[0].clone(),
        };
        assert_eq!(&set.request().data[..4], &[2, 0, 0, 5]);
        let c = GetSystemInfoParameters::new(2, 0);
        assert_eq!(c.decode(&ok(&c, &[0x11])).unwrap().data, [] as [u8; 0]);
        assert!(c.decode(&ok(&c, &[])).is_err());
    }
}
