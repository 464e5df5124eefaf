//! The IPMI message as carried by LAN sessions and IPMB (IPMI 2.0 §13.8,
//! table 13-4; §7.2 for IPMB): two addresses, NetFn/LUN, sequence, command,
//! body, and two 8-bit two's-complement checksums.
//!
//! One format serves requests and responses: in a request the body is the
//! request data; in a response the body starts with the completion code.

use crate::{NetFn, Request, Response};

/// Remote console software ID used as requester address (IPMI 2.0 §5.5).
pub const REMOTE_CONSOLE_SWID: u8 = 0x81;

/// Framing errors of an IPMI LAN message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the 7-byte minimum (8 for a response).
    #[error("IPMI message truncated: {got} bytes, need at least {need}")]
    Truncated {
        /// Minimum length.
        need: usize,
        /// Length received.
        got: usize,
    },
    /// The header checksum (byte 2) does not verify.
    #[error("IPMI message header checksum mismatch")]
    HeaderChecksum,
    /// The trailing data checksum does not verify.
    #[error("IPMI message data checksum mismatch")]
    DataChecksum,
}

/// The 8-bit two's-complement checksum of `bytes` (IPMI 2.0 §13.8).
pub fn checksum(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)))
}

/// A parsed or to-be-emitted IPMI LAN message (IPMI 2.0 §13.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LanMessage<'a> {
    /// Destination address (rsAddr in a request, rqAddr in a response).
    pub dst_addr: u8,
    /// NetFn (request even, response odd).
    pub netfn: NetFn,
    /// Destination LUN.
    pub dst_lun: u8,
    /// Source address (rqAddr in a request, rsAddr in a response).
    pub src_addr: u8,
    /// Requester's sequence number, 6 bits.
    pub seq: u8,
    /// Source LUN.
    pub src_lun: u8,
    /// Command number.
    pub cmd: u8,
    /// Request data, or completion code + response data.
    pub body: &'a [u8],
}

impl<'a> LanMessage<'a> {
    /// Header (6) plus trailing checksum (1).
    pub const OVERHEAD: usize = 7;

    /// Parses and verifies both checksums; never panics.
    pub fn parse(buf: &'a [u8]) -> Result<Self, FrameError> {
        if buf.len() < Self::OVERHEAD {
            return Err(FrameError::Truncated {
                need: Self::OVERHEAD,
                got: buf.len(),
            });
        }
        if checksum(&buf[..2]) != buf[2] {
            return Err(FrameError::HeaderChecksum);
        }
        let last = buf.len() - 1;
        if checksum(&buf[3..last]) != buf[last] {
            return Err(FrameError::DataChecksum);
        }
        Ok(LanMessage {
            dst_addr: buf[0],
            netfn: NetFn(buf[1] >> 2),
            dst_lun: buf[1] & 3,
            src_addr: buf[3],
            seq: buf[4] >> 2,
            src_lun: buf[4] & 3,
            cmd: buf[5],
            body: &buf[6..last],
        })
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        Self::OVERHEAD + self.body.len()
    }

    /// Appends the framed message with both checksums to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.push(self.dst_addr);
        out.push((self.netfn.0 << 2) | (self.dst_lun & 3));
        out.push(checksum(&out[start..start + 2]));
        out.push(self.src_addr);
        out.push((self.seq << 2) | (self.src_lun & 3));
        out.push(self.cmd);
        out.extend_from_slice(self.body);
        let cs = checksum(&out[start + 3..]);
        out.push(cs);
    }

    /// The framing of `request` sent by `rq_addr` with sequence `seq`, to
    /// the target's slave address and LUN.
    pub fn for_request(request: &'a Request, rq_addr: u8, seq: u8) -> Self {
        LanMessage {
            dst_addr: request.target.slave_addr,
            netfn: request.netfn,
            dst_lun: request.target.lun,
            src_addr: rq_addr,
            seq: seq & 0x3f,
            src_lun: 0,
            cmd: request.cmd,
            body: &request.data,
        }
    }

    /// Interprets this message as a response; `None` when it has no
    /// completion code byte.
    pub fn to_response(&self) -> Option<Response> {
        Response::from_body(self.netfn, self.cmd, self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Target;

    #[test]
    fn get_device_id_request_bytes() {
        // IPMI 2.0 §13.8: 20 18 C8 81 04 01 7A (rqSeq 1), checksums included.
        let req = Request {
            target: Target::bmc(),
            netfn: NetFn::APP,
            cmd: 0x01,
            data: vec![],
        };
        let mut out = Vec::new();
        LanMessage::for_request(&req, REMOTE_CONSOLE_SWID, 1).emit(&mut out);
        assert_eq!(out, [0x20, 0x18, 0xC8, 0x81, 0x04, 0x01, 0x7A]);
        let back = LanMessage::parse(&out).unwrap();
        assert_eq!(back.netfn, NetFn::APP);
        assert_eq!(back.seq, 1);
        assert!(back.body.is_empty());
    }

    #[test]
    fn checksums_are_verified() {
        let mut out = Vec::new();
        let req = Request {
            target: Target::bmc(),
            netfn: NetFn::CHASSIS,
            cmd: 0x02,
            data: vec![1],
        };
        LanMessage::for_request(&req, 0x81, 7).emit(&mut out);
        assert!(LanMessage::parse(&out).is_ok());
        for i in 0..out.len() {
            let mut bad = out.clone();
            bad[i] ^= 0x01;
            assert!(LanMessage::parse(&bad).is_err(), "flip at {i} accepted");
        }
        for n in 0..out.len() {
            assert!(LanMessage::parse(&out[..n]).is_err());
        }
    }

    #[test]
    fn response_body() {
        let msg = LanMessage {
            dst_addr: 0x81,
            netfn: NetFn::APP.response(),
            dst_lun: 0,
            src_addr: 0x20,
            seq: 5,
            src_lun: 0,
            cmd: 1,
            body: &[0xc1],
        };
        let mut out = Vec::new();
        msg.emit(&mut out);
        let r = LanMessage::parse(&out).unwrap().to_response().unwrap();
        assert_eq!(r.completion.0, 0xc1);
        assert!(r.data.is_empty());
    }
}
