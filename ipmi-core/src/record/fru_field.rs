//! FRU type/length fields (FRU Information Storage Definition v1.0 §13):
//! binary, BCD plus, 6-bit packed ASCII and 8-bit ASCII (or 16-bit Unicode
//! when the area's language is not English), and the 0xC1 end marker.

use nom::bytes::complete::take;
use nom::number::complete::u8 as byte;
use nom::IResult;

use super::{Problem, RecordError};

/// The type/length byte that ends an area's fields (§13.1).
pub const END_OF_FIELDS: u8 = 0xC1;

/// The characters of BCD plus digits 0h–Fh (§13.1; Dh–Fh are reserved,
/// shown as ipmitool shows them).
const BCD_PLUS: &[u8; 16] = b"0123456789 -.:,_";

/// How a field's bytes are encoded (type/length bits 7:6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FieldEncoding {
    /// 00b: binary or unspecified.
    Binary,
    /// 01b: BCD plus (digits, space, dash, period).
    BcdPlus,
    /// 10b: 6-bit packed ASCII (0x20–0x5F, four characters in three bytes).
    SixBitAscii,
    /// 11b: 8-bit ASCII + Latin-1, or 16-bit Unicode for non-English languages.
    EightBit,
}

/// One type/length field: its encoding and its bytes as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FruField {
    /// The encoding (type bits).
    pub encoding: FieldEncoding,
    /// The stored bytes (at most 63).
    pub bytes: Vec<u8>,
}

/// Whether a FRU language code selects English (0 or 25), where 8-bit
/// fields are ASCII + Latin-1 rather than Unicode (§15, §16).
pub fn is_english(language: u8) -> bool {
    language == 0 || language == 25
}

impl FruField {
    /// An 8-bit ASCII field holding `text` (Latin-1 characters only).
    pub fn text(text: &str) -> Result<Self, RecordError> {
        let bytes = text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect::<Option<Vec<u8>>>()
            .ok_or(RecordError::new("FRU field", 0, Problem::BadCharacter))?;
        Self::new(FieldEncoding::EightBit, bytes)
    }

    /// A 6-bit packed ASCII field holding `text` (characters 0x20–0x5F).
    pub fn six_bit(text: &str) -> Result<Self, RecordError> {
        let codes = text
            .bytes()
            .map(|c| (0x20..=0x5f).contains(&c).then(|| c - 0x20))
            .collect::<Option<Vec<u8>>>()
            .ok_or(RecordError::new("FRU field", 0, Problem::BadCharacter))?;
        let mut bytes = vec![0u8; (codes.len() * 6).div_ceil(8)];
        for (i, code) in codes.iter().enumerate() {
            let bit = i * 6;
            let wide = u16::from(*code) << (bit % 8);
            bytes[bit / 8] |= wide as u8;
            if let Some(next) = bytes.get_mut(bit / 8 + 1) {
                *next |= (wide >> 8) as u8;
            }
        }
        Self::new(FieldEncoding::SixBitAscii, bytes)
    }

    /// A BCD plus field holding `text` (digits, space, '-' and '.'); an odd
    /// count is padded with a space.
    pub fn bcd_plus(text: &str) -> Result<Self, RecordError> {
        let nibbles = text
            .bytes()
            .map(|c| BCD_PLUS[..13].iter().position(|&b| b == c).map(|n| n as u8))
            .collect::<Option<Vec<u8>>>()
            .ok_or(RecordError::new("FRU field", 0, Problem::BadCharacter))?;
        let bytes = nibbles
            .chunks(2)
            .map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0x0a))
            .collect();
        Self::new(FieldEncoding::BcdPlus, bytes)
    }

    /// A field of `encoding` holding `bytes` as stored (at most 63; an
    /// 8-bit field of one byte is not allowed, that is the end marker).
    pub fn new(encoding: FieldEncoding, bytes: Vec<u8>) -> Result<Self, RecordError> {
        if bytes.len() > 0x3f || (encoding == FieldEncoding::EightBit && bytes.len() == 1) {
            return Err(RecordError::new("FRU field", 0, Problem::TooLong));
        }
        Ok(FruField { encoding, bytes })
    }

    /// The field as text in an English area: binary as lowercase hex
    /// (ipmitool's form), BCD plus and 6-bit ASCII unpacked (a 6-bit field
    /// shows its padding bits as trailing spaces), 8-bit as Latin-1.
    pub fn to_text(&self) -> String {
        match self.encoding {
            FieldEncoding::Binary => self.bytes.iter().map(|b| format!("{b:02x}")).collect(),
            FieldEncoding::BcdPlus => self
                .bytes
                .iter()
                .flat_map(|b| [b >> 4, b & 0x0f])
                .map(|n| char::from(BCD_PLUS[usize::from(n)]))
                .collect(),
            FieldEncoding::SixBitAscii => (0..self.bytes.len() * 8 / 6)
                .map(|i| {
                    let bit = i * 6;
                    let lo = u16::from(self.bytes[bit / 8]);
                    let hi = u16::from(self.bytes.get(bit / 8 + 1).copied().unwrap_or(0));
                    let code = ((hi << 8 | lo) >> (bit % 8)) as u8 & 0x3f;
                    char::from(code + 0x20)
                })
                .collect(),
            FieldEncoding::EightBit => self.bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }

    /// The field as text in an area of `language`: 8-bit fields of a
    /// non-English area are 16-bit Unicode, least significant byte first.
    pub fn to_text_in(&self, language: u8) -> String {
        if self.encoding != FieldEncoding::EightBit || is_english(language) {
            return self.to_text();
        }
        let units: Vec<u16> = self
            .bytes
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    }

    /// The type/length byte.
    pub fn type_length(&self) -> u8 {
        let code = match self.encoding {
            FieldEncoding::Binary => 0,
            FieldEncoding::BcdPlus => 1,
            FieldEncoding::SixBitAscii => 2,
            FieldEncoding::EightBit => 3,
        };
        code << 6 | self.bytes.len() as u8
    }

    /// Appends the type/length byte and the bytes.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.type_length());
        out.extend_from_slice(&self.bytes);
    }
}

/// Parses one field, or `None` at the end marker (not consumed).
pub(crate) fn field(input: &[u8]) -> IResult<&[u8], Option<FruField>> {
    if input.first() == Some(&END_OF_FIELDS) {
        return Ok((input, None));
    }
    fixed_field(input).map(|(rest, f)| (rest, Some(f)))
}

/// Parses one of an area's fixed fields: these are always present, so a
/// 0xC1 byte here is a one-character 8-bit field, not the end marker (as
/// ipmitool reads it).
pub(crate) fn fixed_field(input: &[u8]) -> IResult<&[u8], FruField> {
    let (input, tl) = byte(input)?;
    let (input, bytes) = take(usize::from(tl & 0x3f))(input)?;
    let encoding = match tl >> 6 {
        0 => FieldEncoding::Binary,
        1 => FieldEncoding::BcdPlus,
        2 => FieldEncoding::SixBitAscii,
        _ => FieldEncoding::EightBit,
    };
    Ok((
        input,
        FruField {
            encoding,
            bytes: bytes.to_vec(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_bit_packs_like_sdrcomp() {
        // "IPMI" packed: 0x29 0xdc 0xa6 (FRU spec §13.1 example letters).
        let f = FruField::six_bit("IPMI").unwrap();
        assert_eq!(f.bytes, [0x29, 0xdc, 0xa6]);
        assert_eq!(f.type_length(), 0x83);
        assert_eq!(f.to_text(), "IPMI");
        let odd = FruField::six_bit("FAN").unwrap();
        assert_eq!(odd.bytes.len(), 3);
        assert_eq!(odd.to_text(), "FAN ");
        assert!(FruField::six_bit("lower").is_err());
    }

    #[test]
    fn bcd_binary_eight_bit() {
        let f = FruField::bcd_plus("12-3.4").unwrap();
        assert_eq!(f.bytes, [0x12, 0xb3, 0xc4]);
        assert_eq!(f.to_text(), "12-3.4");
        assert_eq!(FruField::bcd_plus("123").unwrap().to_text(), "123 ");
        let b = FruField::new(FieldEncoding::Binary, vec![0xde, 0xad]).unwrap();
        assert_eq!((b.type_length(), b.to_text().as_str()), (0x02, "dead"));
        let t = FruField::text("Acme").unwrap();
        assert_eq!(t.type_length(), 0xc4);
        assert!(FruField::text("x").is_err(), "0xC1 is the end marker");
        assert!(FruField::text(&"y".repeat(64)).is_err());
        let u = FruField::new(FieldEncoding::EightBit, vec![0x41, 0, 0x42, 0]).unwrap();
        assert_eq!(u.to_text_in(1), "AB");
        assert_eq!(u.to_text_in(25), "A\0B\0");
    }

    #[test]
    fn parse_field_and_end() {
        let (rest, f) = field(&[0xc2, b'h', b'i', 0xc1]).unwrap();
        assert_eq!(f.unwrap().to_text(), "hi");
        assert_eq!(field(rest).unwrap(), (&[0xc1][..], None));
        assert!(field(&[0xc5, b'a']).is_err());
    }
}
