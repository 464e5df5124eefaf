//! Sensor Data Records (IPMI 2.0 §43): the 5-byte header, typed decoders
//! for Full, Compact, Event-Only, Entity Association, Generic/FRU/MC
//! locator records, OEM and unknown records kept as bytes, and encoders
//! (`emit`) so the responder serves a repository built from typed records.
//! Malformed bytes are an [`SdrError`] naming the record and field.

mod common;
mod id_string;
mod locator;
mod parse;
mod sensor;

pub use common::{Entity, SensorKey, Sharing};
pub use id_string::{IdEncoding, IdString};
pub use locator::{EntityAssociation, FruLocator, GenericLocator, McLocator};
pub use sensor::{CompactSensor, EventOnlySensor, FullSensor, SensorCommon, THRESHOLD_EVENT_TYPE};

use parse::{byte, word, FieldError};

/// Length of the record header (record ID, version, type, length).
pub const HEADER_LEN: usize = 5;

/// The SDR version IPMI 1.5 and 2.0 records carry (51h).
pub const SDR_VERSION: u8 = 0x51;

/// The record header (IPMI 2.0 §43, bytes 1–5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SdrHeader {
    /// Record ID.
    pub record_id: u16,
    /// SDR version (51h).
    pub version: u8,
    /// Record type (01h full, 02h compact, ...).
    pub record_type: u8,
    /// Number of bytes after the header.
    pub length: u8,
}

impl SdrHeader {
    /// Decodes the first five bytes of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<SdrHeader, SdrError> {
        let header = |i| -> parse::Res<'_, SdrHeader> {
            let (i, record_id) = word("record ID")(i)?;
            let (i, version) = byte("SDR version")(i)?;
            let (i, record_type) = byte("record type")(i)?;
            let (i, length) = byte("record length")(i)?;
            Ok((
                i,
                SdrHeader {
                    record_id,
                    version,
                    record_type,
                    length,
                },
            ))
        };
        let id = bytes.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        header(bytes)
            .map(|(_, h)| h)
            .map_err(|e| SdrError::from_nom(id, e))
    }

    /// Header plus body length.
    pub fn record_len(&self) -> usize {
        HEADER_LEN + usize::from(self.length)
    }

    /// The five header bytes.
    pub fn to_bytes(&self) -> [u8; 5] {
        let id = self.record_id.to_le_bytes();
        [id[0], id[1], self.version, self.record_type, self.length]
    }
}

/// A malformed record: which record (when its header was readable), which
/// field, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("SDR record {}: {problem} at {field}", record_id.map_or("(no header)".to_string(), |id| format!("0x{id:04x}")))]
pub struct SdrError {
    /// The record ID, when the header could be read.
    pub record_id: Option<u16>,
    /// The field that failed (e.g. "ID string", "conversion factors").
    pub field: &'static str,
    /// What was wrong.
    pub problem: &'static str,
}

impl SdrError {
    fn from_nom(record_id: Option<u16>, e: nom::Err<FieldError>) -> SdrError {
        let field = match e {
            nom::Err::Error(f) | nom::Err::Failure(f) => f.0,
            nom::Err::Incomplete(_) => "record",
        };
        SdrError {
            record_id,
            field,
            problem: "record too short",
        }
    }
}

/// A record's typed body.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Sdr {
    /// 01h.
    Full(FullSensor),
    /// 02h.
    Compact(CompactSensor),
    /// 03h.
    EventOnly(EventOnlySensor),
    /// 08h.
    EntityAssociation(EntityAssociation),
    /// 10h.
    GenericLocator(GenericLocator),
    /// 11h.
    FruLocator(FruLocator),
    /// 12h.
    McLocator(McLocator),
    /// C0h: manufacturer ID (3 bytes, LS first) and OEM data.
    Oem {
        /// IANA manufacturer ID.
        manufacturer_id: u32,
        /// The rest of the body.
        data: Vec<u8>,
    },
    /// Any other type, body kept as bytes.
    Other {
        /// The record type code.
        record_type: u8,
        /// The body.
        data: Vec<u8>,
    },
}

/// A decoded SDR: its ID, version and typed body.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Record {
    /// Record ID.
    pub record_id: u16,
    /// SDR version byte (51h).
    pub version: u8,
    /// The typed body.
    pub body: Sdr,
}

impl Sdr {
    /// The record type code of this body.
    pub fn record_type(&self) -> u8 {
        match self {
            Sdr::Full(_) => 0x01,
            Sdr::Compact(_) => 0x02,
            Sdr::EventOnly(_) => 0x03,
            Sdr::EntityAssociation(_) => 0x08,
            Sdr::GenericLocator(_) => 0x10,
            Sdr::FruLocator(_) => 0x11,
            Sdr::McLocator(_) => 0x12,
            Sdr::Oem { .. } => 0xC0,
            Sdr::Other { record_type, .. } => *record_type,
        }
    }

    /// The record's ID string, for the types that carry one.
    pub fn id_string(&self) -> Option<&IdString> {
        match self {
            Sdr::Full(s) => Some(&s.id),
            Sdr::Compact(s) => Some(&s.id),
            Sdr::EventOnly(s) => Some(&s.id),
            Sdr::GenericLocator(s) => Some(&s.id),
            Sdr::FruLocator(s) => Some(&s.id),
            Sdr::McLocator(s) => Some(&s.id),
            _ => None,
        }
    }

    /// The sensor key (owner, LUN, channel, number) of sensor records.
    pub fn sensor_key(&self) -> Option<SensorKey> {
        match self {
            Sdr::Full(s) => Some(s.common.key),
            Sdr::Compact(s) => Some(s.common.key),
            Sdr::EventOnly(s) => Some(s.key),
            _ => None,
        }
    }

    /// The fields full and compact records share (sensors that can be read).
    pub fn sensor_common(&self) -> Option<&SensorCommon> {
        match self {
            Sdr::Full(s) => Some(&s.common),
            Sdr::Compact(s) => Some(&s.common),
            _ => None,
        }
    }
}

impl Record {
    /// Decodes one record (header and body) from the start of `bytes`;
    /// bytes after the record's length are ignored.
    pub fn parse(bytes: &[u8]) -> Result<Record, SdrError> {
        let header = SdrHeader::parse(bytes)?;
        let id = Some(header.record_id);
        let body = bytes.get(HEADER_LEN..header.record_len()).ok_or(SdrError {
            record_id: id,
            field: "record length",
            problem: "record shorter than its header says",
        })?;
        let err = |e| SdrError::from_nom(id, e);
        let body = match header.record_type {
            0x01 => Sdr::Full(FullSensor::parse(body).map_err(err)?.1),
            0x02 => Sdr::Compact(CompactSensor::parse(body).map_err(err)?.1),
            0x03 => Sdr::EventOnly(EventOnlySensor::parse(body).map_err(err)?.1),
            0x08 => Sdr::EntityAssociation(EntityAssociation::parse(body).map_err(err)?.1),
            0x10 => Sdr::GenericLocator(GenericLocator::parse(body).map_err(err)?.1),
            0x11 => Sdr::FruLocator(FruLocator::parse(body).map_err(err)?.1),
            0x12 => Sdr::McLocator(McLocator::parse(body).map_err(err)?.1),
            0xC0 => {
                let m = body.get(..3).ok_or(SdrError {
                    record_id: id,
                    field: "manufacturer ID",
                    problem: "record too short",
                })?;
                Sdr::Oem {
                    manufacturer_id: u32::from_le_bytes([m[0], m[1], m[2], 0]),
                    data: body[3..].to_vec(),
                }
            }
            t => Sdr::Other {
                record_type: t,
                data: body.to_vec(),
            },
        };
        Ok(Record {
            record_id: header.record_id,
            version: header.version,
            body,
        })
    }

    /// Appends the record (header with the computed length, then body) to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(
            &SdrHeader {
                record_id: self.record_id,
                version: self.version,
                record_type: self.body.record_type(),
                length: 0,
            }
            .to_bytes(),
        );
        match &self.body {
            Sdr::Full(s) => s.emit_body(out),
            Sdr::Compact(s) => s.emit_body(out),
            Sdr::EventOnly(s) => s.emit_body(out),
            Sdr::EntityAssociation(s) => s.emit_body(out),
            Sdr::GenericLocator(s) => s.emit_body(out),
            Sdr::FruLocator(s) => s.emit_body(out),
            Sdr::McLocator(s) => s.emit_body(out),
            Sdr::Oem {
                manufacturer_id,
                data,
            } => {
                out.extend_from_slice(&manufacturer_id.to_le_bytes()[..3]);
                out.extend_from_slice(data);
            }
            Sdr::Other { data, .. } => out.extend_from_slice(data),
        }
        let body_len = out.len() - start - HEADER_LEN;
        // An SDR body is at most 255 bytes; longer OEM/unknown bodies are cut.
        out.truncate(start + HEADER_LEN + body_len.min(255));
        out[start + 4] = body_len.min(255) as u8;
    }
}

/// Splits concatenated records (ipmitool's `sdr dump` file: each record's
/// header and body, back to back) into record byte slices.
pub fn split_records(mut bytes: &[u8]) -> impl Iterator<Item = Result<&[u8], SdrError>> {
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let r = SdrHeader::parse(bytes).and_then(|h| {
            bytes.get(..h.record_len()).ok_or(SdrError {
                record_id: Some(h.record_id),
                field: "record length",
                problem: "record shorter than its header says",
            })
        });
        match r {
            Ok(rec) => bytes = &bytes[rec.len()..],
            Err(_) => bytes = &[],
        }
        Some(r)
    })
}

#[cfg(test)]
pub(crate) mod tests;
