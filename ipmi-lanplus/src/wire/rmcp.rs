//! RMCP header (IPMI 2.0 §13.1.3).

use super::{need, WireError};

/// The UDP port a BMC answers RMCP and RMCP+ on (IPMI 2.0 §13.1.2).
pub const RMCP_PORT: u16 = 623;

/// RMCP message class, low 5 bits of the class byte (IPMI 2.0 §13.1.3).
///
/// [`RmcpClass::from_u8`] never yields `Other(6 | 7 | 8)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RmcpClass {
    /// ASF (class 6).
    Asf,
    /// IPMI (class 7).
    Ipmi,
    /// OEM-defined (class 8).
    Oem,
    /// Any other class number (5 bits).
    Other(u8),
}

impl RmcpClass {
    /// Decodes the low 5 bits of a class byte (IPMI 2.0 §13.1.3).
    pub fn from_u8(v: u8) -> Self {
        match v & 0x1F {
            6 => RmcpClass::Asf,
            7 => RmcpClass::Ipmi,
            8 => RmcpClass::Oem,
            n => RmcpClass::Other(n),
        }
    }

    /// The 5-bit class number (IPMI 2.0 §13.1.3).
    pub fn to_u8(self) -> u8 {
        match self {
            RmcpClass::Asf => 6,
            RmcpClass::Ipmi => 7,
            RmcpClass::Oem => 8,
            RmcpClass::Other(n) => n & 0x1F,
        }
    }
}

/// RMCP header: version 06h, reserved, sequence, class (IPMI 2.0 §13.1.3).
///
/// Parsing requires version 06h and zero reserved bits (the reserved byte
/// and class bits 6:5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RmcpHeader {
    /// RMCP sequence number (FFh = no RMCP ACK; always FFh for IPMI).
    pub sequence: u8,
    /// Message class.
    pub class: RmcpClass,
    /// Bit 7 of the class byte: this is an RMCP ACK.
    pub ack: bool,
}

impl RmcpHeader {
    /// Length of the header on the wire (IPMI 2.0 §13.1.3).
    pub const LEN: usize = 4;
    /// RMCP version 1.0 (IPMI 2.0 §13.1.3).
    pub const VERSION: u8 = 0x06;
    /// Sequence number meaning "no RMCP ACK" (IPMI 2.0 §13.1.3).
    pub const NO_ACK_SEQUENCE: u8 = 0xFF;

    /// Header for IPMI messages: sequence FFh, class IPMI, no ACK (IPMI 2.0 §13.1.3).
    pub fn ipmi() -> Self {
        RmcpHeader {
            sequence: Self::NO_ACK_SEQUENCE,
            class: RmcpClass::Ipmi,
            ack: false,
        }
    }

    /// Header for ASF messages: sequence FFh, class ASF, no ACK (IPMI 2.0 §13.1.3).
    pub fn asf() -> Self {
        RmcpHeader {
            sequence: Self::NO_ACK_SEQUENCE,
            class: RmcpClass::Asf,
            ack: false,
        }
    }

    /// Parses the header and returns it with the rest of the buffer (IPMI 2.0 §13.1.3).
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8]), WireError> {
        need("rmcp header", buf, Self::LEN)?;
        if buf[0] != Self::VERSION {
            return Err(WireError::Invalid {
                what: "rmcp version",
                value: buf[0].into(),
            });
        }
        if buf[1] != 0 {
            return Err(WireError::Invalid {
                what: "rmcp reserved byte",
                value: buf[1].into(),
            });
        }
        if buf[3] & 0x60 != 0 {
            return Err(WireError::Invalid {
                what: "rmcp class reserved bits",
                value: buf[3].into(),
            });
        }
        let hdr = RmcpHeader {
            sequence: buf[2],
            class: RmcpClass::from_u8(buf[3]),
            ack: buf[3] & 0x80 != 0,
        };
        Ok((hdr, &buf[Self::LEN..]))
    }

    /// Appends the 4 header bytes to `out` (IPMI 2.0 §13.1.3).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let class = self.class.to_u8() | if self.ack { 0x80 } else { 0 };
        out.extend_from_slice(&[Self::VERSION, 0, self.sequence, class]);
    }

    /// Emitted length, always [`RmcpHeader::LEN`] (IPMI 2.0 §13.1.3).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::fuzz;

    #[test]
    fn ipmi_header_bytes() {
        let mut v = Vec::new();
        RmcpHeader::ipmi().emit(&mut v);
        assert_eq!(v, [0x06, 0x00, 0xFF, 0x07]);
        let mut v = Vec::new();
        RmcpHeader::asf().emit(&mut v);
        assert_eq!(v, [0x06, 0x00, 0xFF, 0x06]);
    }

    #[test]
    fn round_trip() {
        for class in [
            RmcpClass::Asf,
            RmcpClass::Ipmi,
            RmcpClass::Oem,
            RmcpClass::Other(0),
            RmcpClass::Other(31),
        ] {
            for ack in [false, true] {
                let h = RmcpHeader {
                    sequence: 0x42,
                    class,
                    ack,
                };
                let mut v = Vec::new();
                h.emit(&mut v);
                assert_eq!(v.len(), h.buffer_len());
                v.extend_from_slice(b"xy");
                let (p, rest) = RmcpHeader::parse(&v).unwrap();
                assert_eq!(p, h);
                assert_eq!(rest, b"xy");
            }
        }
    }

    #[test]
    fn truncated_and_invalid() {
        let full = [0x06, 0x00, 0xFF, 0x07];
        for n in 0..full.len() {
            assert!(matches!(
                RmcpHeader::parse(&full[..n]),
                Err(WireError::Truncated { .. })
            ));
        }
        assert!(matches!(
            RmcpHeader::parse(&[0x05, 0, 0xFF, 7]),
            Err(WireError::Invalid { .. })
        ));
        assert!(matches!(
            RmcpHeader::parse(&[0x06, 1, 0xFF, 7]),
            Err(WireError::Invalid { .. })
        ));
        assert!(matches!(
            RmcpHeader::parse(&[0x06, 0, 0xFF, 0x27]),
            Err(WireError::Invalid { .. })
        ));
    }

    #[test]
    fn no_panic() {
        fuzz(&[0x06, 0x00, 0xFF, 0x07], |b| {
            let _ = RmcpHeader::parse(b);
        });
    }
}
