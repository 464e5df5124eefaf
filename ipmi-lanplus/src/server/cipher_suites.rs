//! Get Channel Cipher Suites, NetFn App command 54h (IPMI 2.0 §22.15).
//!
//! Request: channel (bits 3:0, 0Eh = this channel), payload type (bits 5:0,
//! 00h = IPMI), list index (bit 7 set: list algorithms by cipher suite;
//! bits 5:0 index of the 16-byte chunk). Response after the completion code:
//! the channel number, then up to 16 bytes of record data; fewer than 16
//! bytes mark the last chunk. A standard record is `C0h, suite ID, auth alg,
//! 40h | integrity alg, 80h | confidentiality alg` (table 22-18, 22-19).

use ipmi_core::cmd::channel::{CipherSuiteChunk, CipherSuiteRecord, GetChannelCipherSuites};
use ipmi_core::{Command, CompletionCode};

use crate::crypto::suite::CipherSuite;

/// The record layout's constants live in the command layer (IPMI 2.0 §22.15).
pub use ipmi_core::cmd::channel::{CIPHER_CHUNK_LEN as CHUNK_LEN, RECORD_OEM, RECORD_STANDARD};

/// Command number of Get Channel Cipher Suites (NetFn App) (IPMI 2.0 §22.15).
pub const CMD_GET_CHANNEL_CIPHER_SUITES: u8 = 0x54;
/// Tag bits of an integrity algorithm byte (IPMI 2.0 §22.15.1, table 22-19).
pub const TAG_INTEGRITY: u8 = 0x40;
/// Tag bits of a confidentiality algorithm byte (IPMI 2.0 §22.15.1, table 22-19).
pub const TAG_CONFIDENTIALITY: u8 = 0x80;

/// The request fields of Get Channel Cipher Suites (IPMI 2.0 §22.15, table 22-17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipherSuitesRequest {
    /// Channel number; 0Eh means the channel the request arrived on.
    pub channel: u8,
    /// Payload type whose suites are listed (00h = IPMI).
    pub payload_type: u8,
    /// Bit 7 of byte 3: list algorithms by cipher suite (records) instead of bare algorithms.
    pub by_suite: bool,
    /// Which 16-byte chunk of the list (0..=63).
    pub list_index: u8,
}

impl CipherSuitesRequest {
    /// Decodes the 3 request data bytes; a wrong length is 0xC7 (IPMI 2.0 §22.15).
    pub fn parse(data: &[u8]) -> Result<Self, CompletionCode> {
        let r = GetChannelCipherSuites::parse_request(data)
            .ok_or(CompletionCode::REQUEST_LENGTH_INVALID)?;
        Ok(CipherSuitesRequest {
            channel: r.channel,
            payload_type: r.payload_type,
            by_suite: r.by_suite,
            list_index: r.list_index,
        })
    }

    /// Encodes the 3 request data bytes (IPMI 2.0 §22.15).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let r = GetChannelCipherSuites {
            channel: self.channel,
            payload_type: self.payload_type,
            by_suite: self.by_suite,
            list_index: self.list_index,
        };
        Command::encode(&r, out);
    }
}

/// The whole record list for `suites`: one standard record each (IPMI 2.0 §22.15.1).
pub fn suite_records(suites: &[CipherSuite]) -> Vec<u8> {
    let mut out = Vec::with_capacity(suites.len() * 5);
    for s in suites {
        CipherSuiteRecord {
            id: s.id,
            oem_iana: None,
            auth: s.auth as u8,
            integrity: s.integrity as u8,
            confidentiality: s.confidentiality as u8,
        }
        .encode(&mut out);
    }
    out
}

/// The "supported algorithms" list (bit 7 clear): each algorithm once, tagged (IPMI 2.0 §22.15).
pub fn algorithm_list(suites: &[CipherSuite]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let tagged = suites.iter().flat_map(|s| {
        [
            s.auth as u8,
            TAG_INTEGRITY | s.integrity as u8,
            TAG_CONFIDENTIALITY | s.confidentiality as u8,
        ]
    });
    for b in tagged {
        if !out.contains(&b) {
            out.push(b);
        }
    }
    out.sort_unstable();
    out
}

/// Chunk `index` (16 bytes each) of a record list; empty past the end (IPMI 2.0 §22.15).
pub fn chunk(list: &[u8], index: u8) -> Vec<u8> {
    CipherSuiteChunk::of(0, list, index).data
}

/// Response data for `request` (channel byte, then the chunk) given the
/// channel's number and offered suites (IPMI 2.0 §22.15). Only the IPMI
/// payload type is listed; others get an empty list.
pub fn response_data(
    request: &CipherSuitesRequest,
    channel: u8,
    suites: &[CipherSuite],
) -> Vec<u8> {
    let list = match (request.payload_type, request.by_suite) {
        (0, true) => suite_records(suites),
        (0, false) => algorithm_list(suites),
        _ => Vec::new(),
    };
    let mut out = Vec::with_capacity(1 + CHUNK_LEN);
    CipherSuiteChunk::of(channel, &list, request.list_index).encode(&mut out);
    out
}

/// Reads standard records back into (suite ID, auth, integrity, confidentiality)
/// algorithm numbers, skipping OEM records (IPMI 2.0 §22.15.1); for tests and clients.
pub fn parse_suite_records(list: &[u8]) -> Vec<(u8, u8, u8, u8)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < list.len() {
        match list[i] {
            RECORD_STANDARD | RECORD_OEM => {
                let oem = list[i] == RECORD_OEM;
                let Some(&id) = list.get(i + 1) else { break };
                i += if oem { 5 } else { 2 };
                let (mut a, mut n, mut c) = (None, None, None);
                while let Some(&b) = list.get(i) {
                    match b & 0xc0 {
                        0x00 => a = Some(b & 0x3f),
                        TAG_INTEGRITY => n = Some(b & 0x3f),
                        TAG_CONFIDENTIALITY => c = Some(b & 0x3f),
                        _ => break,
                    }
                    i += 1;
                }
                if let (false, Some(a), Some(n), Some(c)) = (oem, a, n, c) {
                    out.push((id, a, n, c));
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suites(ids: &[u8]) -> Vec<CipherSuite> {
        ids.iter()
            .map(|&i| CipherSuite::from_id(i).unwrap())
            .collect()
    }

    #[test]
    fn records_and_chunks() {
        let s = suites(&[1, 2, 3, 17]);
        let list = suite_records(&s);
        assert_eq!(&list[15..], &[0xc0, 0x11, 0x03, 0x44, 0x81]);
        assert_eq!(&list[10..15], &[0xc0, 0x03, 0x01, 0x41, 0x81]);
        assert_eq!(&list[..5], &[0xc0, 0x01, 0x01, 0x40, 0x80]);
        let req = |i| CipherSuitesRequest {
            channel: 0x0e,
            payload_type: 0,
            by_suite: true,
            list_index: i,
        };
        let r0 = response_data(&req(0), 1, &s);
        assert_eq!(r0.len(), 17);
        assert_eq!(r0[0], 1);
        let r1 = response_data(&req(1), 1, &s);
        assert_eq!(r1, [1, 0x11, 0x03, 0x44, 0x81]);
        assert_eq!(response_data(&req(2), 1, &s), [1]);
        let mut joined = r0[1..].to_vec();
        joined.extend_from_slice(&r1[1..]);
        let parsed = parse_suite_records(&joined);
        assert_eq!(
            parsed,
            [(1, 1, 0, 0), (2, 1, 1, 0), (3, 1, 1, 1), (17, 3, 4, 1)]
        );
        // Exactly 16 bytes (e.g. suites with OEM) ends with an empty chunk.
        assert_eq!(chunk(&[0u8; 16], 1), &[] as &[u8]);
        assert_eq!(chunk(&[0u8; 3], 63), &[] as &[u8]);
    }

    #[test]
    fn algorithms_and_request() {
        assert_eq!(
            algorithm_list(&suites(&[3, 17])),
            [0x01, 0x03, 0x41, 0x44, 0x81]
        );
        let r = CipherSuitesRequest::parse(&[0x0e, 0x00, 0x80]).unwrap();
        assert_eq!(
            r,
            CipherSuitesRequest {
                channel: 0x0e,
                payload_type: 0,
                by_suite: true,
                list_index: 0
            }
        );
        let mut v = Vec::new();
        r.encode(&mut v);
        assert_eq!(v, [0x0e, 0x00, 0x80]);
        assert_eq!(
            CipherSuitesRequest::parse(&[1, 2]),
            Err(CompletionCode::REQUEST_LENGTH_INVALID)
        );
        let other = CipherSuitesRequest {
            payload_type: 1,
            ..r
        };
        assert_eq!(response_data(&other, 1, &suites(&[3])), [1]);
        // OEM record skipped, following standard record kept.
        let list = [
            0xc1, 0x30, 1, 2, 3, 0x01, 0x41, 0x81, 0xc0, 0x03, 0x01, 0x41, 0x81,
        ];
        assert_eq!(parse_suite_records(&list), [(3, 1, 1, 1)]);
    }
}
