//! Fields several SDR types share: the sensor key (owner, LUN, channel,
//! number), the entity, the ID string, the sharing bytes (IPMI 2.0 §43.1,
//! §43.2, §43.3, §43.15).

use nom::bytes::complete::take;

use super::id_string::{IdEncoding, IdString};
use super::parse::{byte, field, Res};
use crate::Target;

/// Who owns a sensor and its number (IPMI 2.0 §43.1 bytes 6–8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorKey {
    /// Owner ID byte: 8-bit IPMB slave address (bit 0 clear) or system software ID (bit 0 set).
    pub owner_id: u8,
    /// Owner LUN (0..=3).
    pub lun: u8,
    /// Channel of the owner (0 = primary IPMB).
    pub channel: u8,
    /// Sensor number.
    pub number: u8,
}

impl SensorKey {
    /// True when the owner is system software, not an IPMB controller.
    pub fn is_software_owned(&self) -> bool {
        self.owner_id & 1 != 0
    }
    /// Where Get Sensor Reading for this sensor goes (bridged when the owner is not the BMC).
    pub fn target(&self) -> Target {
        Target {
            channel: self.channel,
            slave_addr: self.owner_id,
            lun: self.lun,
        }
    }
    pub(crate) fn parse(i: &[u8]) -> Res<'_, SensorKey> {
        let (i, owner_id) = byte("sensor owner ID")(i)?;
        let (i, b) = byte("sensor owner LUN")(i)?;
        let (i, number) = byte("sensor number")(i)?;
        Ok((
            i,
            SensorKey {
                owner_id,
                lun: b & 3,
                channel: b >> 4,
                number,
            },
        ))
    }
    pub(crate) fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.owner_id,
            (self.channel & 0xf) << 4 | (self.lun & 3),
            self.number,
        ]);
    }
}

/// A physical or logical entity and its instance (IPMI 2.0 §39, §43.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Entity {
    /// Entity ID code (table 43-13).
    pub id: u8,
    /// Instance number (7 bits).
    pub instance: u8,
    /// True for a logical container entity (instance byte bit 7).
    pub logical: bool,
}

impl Entity {
    pub(crate) fn parse(i: &[u8]) -> Res<'_, Entity> {
        let (i, id) = byte("entity ID")(i)?;
        let (i, b) = byte("entity instance")(i)?;
        Ok((i, Entity::from_bytes(id, b)))
    }
    pub(crate) fn from_bytes(id: u8, b: u8) -> Entity {
        Entity {
            id,
            instance: b & 0x7f,
            logical: b & 0x80 != 0,
        }
    }
    pub(crate) fn instance_byte(&self) -> u8 {
        u8::from(self.logical) << 7 | (self.instance & 0x7f)
    }
    pub(crate) fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.id, self.instance_byte()]);
    }
}

/// Record sharing of compact and event-only records (IPMI 2.0 §43.2 bytes 24–25).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sharing {
    /// Sensor direction (bits 7:6: 0 unspecified, 1 input, 2 output).
    pub direction: u8,
    /// ID string instance modifier is alphabetic (true) or numeric (false).
    pub alpha_modifier: bool,
    /// Share count (0 and 1 both mean one sensor).
    pub count: u8,
    /// Entity instance increments with each shared sensor.
    pub entity_instance_increments: bool,
    /// ID string instance modifier offset (7 bits).
    pub modifier_offset: u8,
}

impl Sharing {
    pub(crate) fn parse(i: &[u8]) -> Res<'_, Sharing> {
        let (i, a) = byte("record sharing")(i)?;
        let (i, b) = byte("ID string instance modifier offset")(i)?;
        Ok((
            i,
            Sharing {
                direction: a >> 6,
                alpha_modifier: (a >> 4) & 3 == 1,
                count: a & 0xf,
                entity_instance_increments: b & 0x80 != 0,
                modifier_offset: b & 0x7f,
            },
        ))
    }
    pub(crate) fn emit(&self, out: &mut Vec<u8>) {
        out.push(
            (self.direction & 3) << 6 | u8::from(self.alpha_modifier) << 4 | (self.count & 0xf),
        );
        out.push(u8::from(self.entity_instance_increments) << 7 | (self.modifier_offset & 0x7f));
    }
    /// The ID suffix of shared sensor `index` (0-based): the modifier
    /// offset plus `index`, as a number or as letters A–Z, AA… (§43.2).
    pub fn suffix(&self, index: u8) -> String {
        let n = u32::from(self.modifier_offset) + u32::from(index);
        if self.alpha_modifier {
            let (hi, lo) = (n / 26, n % 26);
            let lo = char::from(b'A' + lo as u8);
            if hi == 0 {
                lo.to_string()
            } else {
                format!("{}{lo}", char::from(b'A' + ((hi - 1) % 26) as u8))
            }
        } else {
            n.to_string()
        }
    }
}

/// Parses a type/length byte and the ID string after it.
pub(crate) fn id_string(i: &[u8]) -> Res<'_, IdString> {
    let (i, tl) = byte("ID string type/length")(i)?;
    let encoding = [
        IdEncoding::Unicode,
        IdEncoding::BcdPlus,
        IdEncoding::Ascii6,
        IdEncoding::Latin1,
    ][usize::from(tl >> 6)];
    let length = tl & 0x1f;
    let (i, bytes) = field("ID string", take(IdString::byte_len(encoding, length)))(i)?;
    Ok((
        i,
        IdString {
            encoding,
            length,
            bytes: bytes.to_vec(),
        },
    ))
}

/// Appends the type/length byte and the ID string bytes it counts
/// (zero-padded if `bytes` is short).
pub(crate) fn emit_id_string(id: &IdString, out: &mut Vec<u8>) {
    out.push(id.type_length());
    let n = IdString::byte_len(id.encoding, id.length);
    out.extend((0..n).map(|k| id.bytes.get(k).copied().unwrap_or(0)));
}
