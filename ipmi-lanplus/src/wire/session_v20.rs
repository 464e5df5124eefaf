//! IPMI 2.0 RMCP+ session header (IPMI 2.0 §13.6, §13.27.3).
//!
//! Layout from the auth-type byte (after the RMCP header): auth type 06h,
//! payload-type byte (bit 7 encrypted, bit 6 authenticated, bits 5:0 type),
//! session ID (LE u32), sequence (LE u32), payload length (LE u16).
//! OEM explicit payloads (type 02h), whose header carries 6 more bytes, are
//! rejected by [`SessionV20Header::parse`] with [`WireError::Invalid`].

use super::{le32, need, WireError};

/// RMCP+ payload type, low 6 bits of the payload-type byte (IPMI 2.0 §13.27.3).
///
/// [`PayloadType::from_u8`] never yields `Other` for a value that has a
/// named variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadType {
    /// IPMI message (00h).
    Ipmi,
    /// Serial over LAN (01h).
    Sol,
    /// OEM explicit (02h).
    OemExplicit,
    /// RMCP+ Open Session Request (10h).
    OpenSessionRequest,
    /// RMCP+ Open Session Response (11h).
    OpenSessionResponse,
    /// RAKP Message 1 (12h).
    Rakp1,
    /// RAKP Message 2 (13h).
    Rakp2,
    /// RAKP Message 3 (14h).
    Rakp3,
    /// RAKP Message 4 (15h).
    Rakp4,
    /// Any other 6-bit value.
    Other(u8),
}

impl PayloadType {
    /// Decodes the low 6 bits of `v` (IPMI 2.0 §13.27.3).
    pub fn from_u8(v: u8) -> Self {
        match v & 0x3F {
            0x00 => PayloadType::Ipmi,
            0x01 => PayloadType::Sol,
            0x02 => PayloadType::OemExplicit,
            0x10 => PayloadType::OpenSessionRequest,
            0x11 => PayloadType::OpenSessionResponse,
            0x12 => PayloadType::Rakp1,
            0x13 => PayloadType::Rakp2,
            0x14 => PayloadType::Rakp3,
            0x15 => PayloadType::Rakp4,
            n => PayloadType::Other(n),
        }
    }

    /// Encodes to the 6-bit payload type number (IPMI 2.0 §13.27.3).
    pub fn to_u8(self) -> u8 {
        match self {
            PayloadType::Ipmi => 0x00,
            PayloadType::Sol => 0x01,
            PayloadType::OemExplicit => 0x02,
            PayloadType::OpenSessionRequest => 0x10,
            PayloadType::OpenSessionResponse => 0x11,
            PayloadType::Rakp1 => 0x12,
            PayloadType::Rakp2 => 0x13,
            PayloadType::Rakp3 => 0x14,
            PayloadType::Rakp4 => 0x15,
            PayloadType::Other(n) => n & 0x3F,
        }
    }
}

/// RMCP+ session header, auth type 06h (IPMI 2.0 §13.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionV20Header {
    /// Payload is encrypted (bit 7).
    pub encrypted: bool,
    /// Payload is authenticated: a session trailer follows (bit 6).
    pub authenticated: bool,
    /// Payload type.
    pub payload_type: PayloadType,
    /// Session ID (BMC's ID towards the BMC, console's ID towards the console).
    pub session_id: u32,
    /// Session sequence number.
    pub sequence: u32,
    /// Length of the payload field as sent (after encryption, incl. IV and pad).
    pub payload_len: u16,
}

impl SessionV20Header {
    /// Header length on the wire, without OEM explicit fields (IPMI 2.0 §13.6).
    pub const LEN: usize = 12;
    /// The auth-type / format byte of RMCP+ (IPMI 2.0 §13.6).
    pub const AUTH_TYPE: u8 = 0x06;

    /// Parses the header starting at the auth-type byte (IPMI 2.0 §13.6).
    ///
    /// Returns the bytes after the header (payload, then any trailer); they
    /// are checked to hold at least `payload_len` bytes.
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8]), WireError> {
        need("rmcp+ session header", buf, 1)?;
        if buf[0] != Self::AUTH_TYPE {
            return Err(WireError::Invalid {
                what: "rmcp+ auth type",
                value: buf[0].into(),
            });
        }
        need("rmcp+ session header", buf, 2)?;
        let payload_type = PayloadType::from_u8(buf[1]);
        if payload_type == PayloadType::OemExplicit {
            return Err(WireError::Invalid {
                what: "rmcp+ payload type (oem explicit unsupported)",
                value: 0x02,
            });
        }
        need("rmcp+ session header", buf, Self::LEN)?;
        let payload_len = u16::from_le_bytes([buf[10], buf[11]]);
        let rest = &buf[Self::LEN..];
        need("rmcp+ payload", rest, usize::from(payload_len))?;
        let hdr = SessionV20Header {
            encrypted: buf[1] & 0x80 != 0,
            authenticated: buf[1] & 0x40 != 0,
            payload_type,
            session_id: le32(buf, 2),
            sequence: le32(buf, 6),
            payload_len,
        };
        Ok((hdr, rest))
    }

    /// Appends the 12 header bytes to `out` (IPMI 2.0 §13.6).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut ty = self.payload_type.to_u8();
        if self.encrypted {
            ty |= 0x80;
        }
        if self.authenticated {
            ty |= 0x40;
        }
        out.extend_from_slice(&[Self::AUTH_TYPE, ty]);
        out.extend_from_slice(&self.session_id.to_le_bytes());
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&self.payload_len.to_le_bytes());
    }

    /// Emitted length, always [`SessionV20Header::LEN`] (IPMI 2.0 §13.6).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::fuzz;

    fn hdr() -> SessionV20Header {
        SessionV20Header {
            encrypted: true,
            authenticated: true,
            payload_type: PayloadType::Ipmi,
            session_id: 0x12345678,
            sequence: 1,
            payload_len: 3,
        }
    }

    #[test]
    fn payload_type_codes() {
        for v in 0..=0xFFu8 {
            let t = PayloadType::from_u8(v);
            assert_eq!(t.to_u8(), v & 0x3F);
            assert_eq!(PayloadType::from_u8(t.to_u8()), t);
        }
        assert_eq!(PayloadType::from_u8(0xC0), PayloadType::Ipmi);
        assert_eq!(PayloadType::from_u8(0x15), PayloadType::Rakp4);
    }

    #[test]
    fn round_trip() {
        let h = hdr();
        let mut v = Vec::new();
        h.emit(&mut v);
        assert_eq!(v.len(), h.buffer_len());
        assert_eq!(v, [0x06, 0xC0, 0x78, 0x56, 0x34, 0x12, 1, 0, 0, 0, 3, 0]);
        v.extend_from_slice(&[9, 8, 7, 6]);
        let (p, rest) = SessionV20Header::parse(&v).unwrap();
        assert_eq!(p, h);
        assert_eq!(rest, &[9, 8, 7, 6]);
        for n in 0..v.len() - 1 {
            assert!(matches!(
                SessionV20Header::parse(&v[..n]),
                Err(WireError::Truncated { .. })
            ));
        }
    }

    #[test]
    fn rejects_other_formats() {
        assert!(matches!(
            SessionV20Header::parse(&[0x00; 12]),
            Err(WireError::Invalid { .. })
        ));
        let mut v = [0u8; 12];
        v[0] = 6;
        v[1] = 0x02;
        assert!(matches!(
            SessionV20Header::parse(&v),
            Err(WireError::Invalid { .. })
        ));
    }

    #[test]
    fn no_panic() {
        let mut v = Vec::new();
        hdr().emit(&mut v);
        v.extend_from_slice(&[1, 2, 3]);
        fuzz(&v, |b| {
            let _ = SessionV20Header::parse(b);
        });
    }
}
