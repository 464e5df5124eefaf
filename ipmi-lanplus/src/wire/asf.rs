//! ASF presence ping / pong (IPMI 2.0 §13.2.3, §13.2.4; ASF 2.0 §3.2.4.3).
//!
//! Both formats start after the RMCP header (class ASF) with the 8-byte ASF
//! message header: IANA 4542 (big-endian), message type, tag, reserved,
//! data length. Multi-byte ASF fields are big-endian.

use super::{be32, need, no_trailing, WireError};

/// IANA enterprise number of the ASF / IPMI forum, 4542 (IPMI 2.0 §13.2.3).
pub const ASF_IANA: u32 = 4542;
/// ASF message type of a presence ping (IPMI 2.0 §13.2.3).
pub const MSG_PRESENCE_PING: u8 = 0x80;
/// ASF message type of a presence pong (IPMI 2.0 §13.2.4).
pub const MSG_PRESENCE_PONG: u8 = 0x40;
/// Length of the ASF message header (IPMI 2.0 §13.2.3).
pub const ASF_HEADER_LEN: usize = 8;

/// ASF Presence Ping, 8 bytes after the RMCP header (IPMI 2.0 §13.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsfPing {
    /// Message tag echoed by the pong (FFh should be avoided).
    pub tag: u8,
}

/// ASF Presence Pong, 24 bytes after the RMCP header (IPMI 2.0 §13.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsfPong {
    /// Message tag copied from the ping.
    pub tag: u8,
    /// OEM IANA enterprise number (4542 when there is no OEM).
    pub iana: u32,
    /// OEM-defined field.
    pub oem: u32,
    /// Supported entities (bit 7: IPMI supported; bits 3:0 ASF version).
    pub supported_entities: u8,
    /// Supported interactions (bit 7: RMCP security extensions).
    pub supported_interactions: u8,
}

/// Parses the ASF message header; returns (type, tag, data).
fn parse_header<'a>(what: &'static str, buf: &'a [u8]) -> Result<(u8, u8, &'a [u8]), WireError> {
    need(what, buf, ASF_HEADER_LEN)?;
    let iana = be32(buf, 0);
    if iana != ASF_IANA {
        return Err(WireError::Invalid {
            what: "asf iana",
            value: iana,
        });
    }
    let len = usize::from(buf[7]);
    let data = &buf[ASF_HEADER_LEN..];
    need(what, buf, ASF_HEADER_LEN + len)?;
    no_trailing(what, data, len)?;
    Ok((buf[4], buf[5], data))
}

fn emit_header(out: &mut Vec<u8>, msg_type: u8, tag: u8, data_len: u8) {
    out.extend_from_slice(&ASF_IANA.to_be_bytes());
    out.extend_from_slice(&[msg_type, tag, 0, data_len]);
}

impl AsfPing {
    /// Emitted length (IPMI 2.0 §13.2.3).
    pub const LEN: usize = ASF_HEADER_LEN;

    /// Parses an ASF ping message (after the RMCP header) (IPMI 2.0 §13.2.3).
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        let (ty, tag, data) = parse_header("asf ping", buf)?;
        if ty != MSG_PRESENCE_PING {
            return Err(WireError::Invalid {
                what: "asf ping message type",
                value: ty.into(),
            });
        }
        if !data.is_empty() {
            return Err(WireError::Invalid {
                what: "asf ping data length",
                value: data.len() as u32,
            });
        }
        Ok(AsfPing { tag })
    }

    /// Appends the ASF message (without RMCP header) (IPMI 2.0 §13.2.3).
    pub fn emit(&self, out: &mut Vec<u8>) {
        emit_header(out, MSG_PRESENCE_PING, self.tag, 0);
    }

    /// Emitted length (IPMI 2.0 §13.2.3).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }
}

impl AsfPong {
    /// Emitted length (IPMI 2.0 §13.2.4).
    pub const LEN: usize = ASF_HEADER_LEN + 16;

    /// Parses an ASF pong message (after the RMCP header) (IPMI 2.0 §13.2.4).
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        let (ty, tag, data) = parse_header("asf pong", buf)?;
        if ty != MSG_PRESENCE_PONG {
            return Err(WireError::Invalid {
                what: "asf pong message type",
                value: ty.into(),
            });
        }
        if data.len() != 16 {
            return Err(WireError::Invalid {
                what: "asf pong data length",
                value: data.len() as u32,
            });
        }
        Ok(AsfPong {
            tag,
            iana: be32(data, 0),
            oem: be32(data, 4),
            supported_entities: data[8],
            supported_interactions: data[9],
        })
    }

    /// Appends the ASF message (without RMCP header) (IPMI 2.0 §13.2.4).
    pub fn emit(&self, out: &mut Vec<u8>) {
        emit_header(out, MSG_PRESENCE_PONG, self.tag, 16);
        out.extend_from_slice(&self.iana.to_be_bytes());
        out.extend_from_slice(&self.oem.to_be_bytes());
        out.extend_from_slice(&[self.supported_entities, self.supported_interactions]);
        out.extend_from_slice(&[0; 6]);
    }

    /// Emitted length (IPMI 2.0 §13.2.4).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::fuzz;

    fn pong() -> AsfPong {
        AsfPong {
            tag: 7,
            iana: ASF_IANA,
            oem: 0,
            supported_entities: 0x81,
            supported_interactions: 0x00,
        }
    }

    #[test]
    fn ping_bytes_and_round_trip() {
        let mut v = Vec::new();
        AsfPing { tag: 0 }.emit(&mut v);
        assert_eq!(v, [0x00, 0x00, 0x11, 0xBE, 0x80, 0x00, 0x00, 0x00]);
        let p = AsfPing { tag: 0x33 };
        let mut v = Vec::new();
        p.emit(&mut v);
        assert_eq!(v.len(), p.buffer_len());
        assert_eq!(AsfPing::parse(&v).unwrap(), p);
    }

    #[test]
    fn pong_round_trip() {
        let p = pong();
        let mut v = Vec::new();
        p.emit(&mut v);
        assert_eq!(v.len(), p.buffer_len());
        assert_eq!(&v[..8], &[0x00, 0x00, 0x11, 0xBE, 0x40, 0x07, 0x00, 0x10]);
        assert_eq!(AsfPong::parse(&v).unwrap(), p);
        // A pong is not a ping and vice versa.
        assert!(AsfPing::parse(&v).is_err());
    }

    #[test]
    fn truncated_and_trailing() {
        let mut v = Vec::new();
        pong().emit(&mut v);
        for n in 0..v.len() {
            assert!(matches!(
                AsfPong::parse(&v[..n]),
                Err(WireError::Truncated { .. })
            ));
        }
        v.push(0);
        assert!(matches!(
            AsfPong::parse(&v),
            Err(WireError::TrailingBytes { .. })
        ));
        let mut v = Vec::new();
        AsfPing { tag: 1 }.emit(&mut v);
        for n in 0..v.len() {
            assert!(matches!(
                AsfPing::parse(&v[..n]),
                Err(WireError::Truncated { .. })
            ));
        }
        v.push(0);
        assert!(matches!(
            AsfPing::parse(&v),
            Err(WireError::TrailingBytes { .. })
        ));
    }

    #[test]
    fn no_panic() {
        let mut v = Vec::new();
        pong().emit(&mut v);
        fuzz(&v, |b| {
            let _ = AsfPong::parse(b);
            let _ = AsfPing::parse(b);
        });
    }
}
