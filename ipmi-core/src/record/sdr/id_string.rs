//! SDR ID strings: the type/length byte and the four encodings — 8-bit
//! ASCII+Latin-1, 6-bit packed ASCII, BCD plus, unicode (kept as bytes)
//! (IPMI 2.0 §43.15).

/// An ID string's encoding (type/length byte bits 7:6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IdEncoding {
    /// 00b: unicode (kept as bytes).
    Unicode = 0,
    /// 01b: BCD plus (0–9, space, '-', '.', ':', ',', '_'), low nibble first.
    BcdPlus = 1,
    /// 10b: 6-bit packed ASCII (20h–5Fh), four characters per three bytes.
    Ascii6 = 2,
    /// 11b: 8-bit ASCII + Latin-1.
    Latin1 = 3,
}

/// An SDR ID string: its encoding, its length in characters (the type/length
/// byte's bits 4:0, IPMI 2.0 §43.15) and the bytes holding them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IdString {
    /// The encoding.
    pub encoding: IdEncoding,
    /// Length in characters (0..=31); 6-bit ASCII packs 4 per 3 bytes, BCD plus 2 per byte.
    pub length: u8,
    /// The raw bytes ([`IdString::byte_len`] of them).
    pub bytes: Vec<u8>,
}

const BCD_PLUS: &[u8; 16] = b"0123456789 -.:,_";

impl IdString {
    /// An 8-bit ASCII/Latin-1 ID string (truncated to the 16 bytes a record holds).
    pub fn latin1(text: &str) -> IdString {
        let bytes: Vec<u8> = text
            .chars()
            .take(16)
            .map(|c| u8::try_from(c).unwrap_or(b'?'))
            .collect();
        IdString {
            encoding: IdEncoding::Latin1,
            length: bytes.len() as u8,
            bytes,
        }
    }

    /// How many bytes `length` characters take in `encoding`.
    pub fn byte_len(encoding: IdEncoding, length: u8) -> usize {
        let n = usize::from(length & 0x1f);
        match encoding {
            IdEncoding::Ascii6 => (n * 6).div_ceil(8),
            IdEncoding::BcdPlus => n.div_ceil(2),
            IdEncoding::Latin1 | IdEncoding::Unicode => n,
        }
    }

    /// The type/length byte.
    pub fn type_length(&self) -> u8 {
        (self.encoding as u8) << 6 | (self.length & 0x1f)
    }

    /// The decoded text (unicode bytes shown as Latin-1; a NUL ends 8-bit text).
    pub fn text(&self) -> String {
        match self.encoding {
            IdEncoding::Latin1 | IdEncoding::Unicode => self
                .ipmitool_bytes()
                .iter()
                .map(|&b| char::from(b))
                .collect(),
            IdEncoding::BcdPlus => self
                .bytes
                .iter()
                .flat_map(|b| [b & 0xf, b >> 4])
                .take(usize::from(self.length))
                .map(|n| char::from(BCD_PLUS[usize::from(n)]))
                .collect(),
            IdEncoding::Ascii6 => {
                let mut out = String::new();
                let (mut acc, mut bits) = (0u32, 0u32);
                for &b in &self.bytes {
                    acc |= u32::from(b) << bits;
                    bits += 8;
                    while bits >= 6 && out.len() < usize::from(self.length) {
                        out.push(char::from(0x20 + (acc & 0x3f) as u8));
                        acc >>= 6;
                        bits -= 6;
                    }
                }
                out
            }
        }
    }

    /// The bytes ipmitool prints for any ID string: the raw bytes up to the
    /// first NUL (ipmitool decodes neither 6-bit ASCII nor BCD plus, and
    /// reads `length` bytes, past the packed ones into zeroes).
    pub fn ipmitool_bytes(&self) -> &[u8] {
        let end = self
            .bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.bytes.len());
        &self.bytes[..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        // "FAN1" packed as 6-bit ASCII: F=26h, A=21h, N=2Eh, 1=11h.
        let six = IdString {
            encoding: IdEncoding::Ascii6,
            length: 4,
            bytes: vec![0x66, 0xe8, 0x46],
        };
        assert_eq!(six.text(), "FAN1");
        assert_eq!(six.type_length(), 0x84);
        // Three characters take three bytes too; the fourth slot is padding.
        let three = IdString {
            length: 3,
            ..six.clone()
        };
        assert_eq!(three.text(), "FAN");
        assert_eq!(IdString::byte_len(IdEncoding::Ascii6, 8), 6);
        assert_eq!(IdString::byte_len(IdEncoding::BcdPlus, 3), 2);
        let bcd = IdString {
            encoding: IdEncoding::BcdPlus,
            length: 3,
            bytes: vec![0x21, 0xb3],
        };
        assert_eq!(bcd.text(), "123");
        let l = IdString::latin1("MBTemp");
        assert_eq!((l.type_length(), l.text().as_str()), (0xc6, "MBTemp"));
        let nul = IdString {
            encoding: IdEncoding::Latin1,
            length: 5,
            bytes: b"ab\0cd".to_vec(),
        };
        assert_eq!(nul.ipmitool_bytes(), b"ab");
    }
}
