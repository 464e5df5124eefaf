//! SEL records (IPMI 2.0 §32): system event records (type 02h) decoded
//! field by field; timestamped OEM (C0h–DFh), non-timestamped OEM
//! (E0h–FFh) and undefined types kept as bytes. Every record is 16 bytes.

use nom::bytes::complete::take;
use nom::number::complete::{le_u16, le_u24, le_u32, u8 as byte};
use nom::sequence::tuple;
use nom::IResult;

use super::{Problem, RecordError};

/// Area name of SEL records in errors.
pub const SEL_RECORD: &str = "SEL record";

/// The length of every SEL record.
pub const SEL_RECORD_LEN: usize = 16;

/// The last timestamp counting from system initialization rather than 1970 (§37.1).
pub const PRE_INIT_MAX: u32 = 0x2000_0000;

/// The "unspecified" timestamp (§37.1).
pub const UNSPECIFIED_TIME: u32 = 0xFFFF_FFFF;

/// A SEL timestamp, classified (IPMI 2.0 §37.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SelTime {
    /// 0xFFFFFFFF: no time.
    Unspecified,
    /// 0x00000000–0x20000000: seconds since the controller initialized
    /// (ipmitool prints "Pre-Init"; it uses `< 0x20000000`).
    PreInit(u32),
    /// Seconds since 1970-01-01 00:00 UTC.
    Unix(u32),
}

impl SelTime {
    /// Classifies a raw timestamp.
    pub fn from_raw(raw: u32) -> Self {
        match raw {
            UNSPECIFIED_TIME => SelTime::Unspecified,
            t if t <= PRE_INIT_MAX => SelTime::PreInit(t),
            t => SelTime::Unix(t),
        }
    }
}

/// The generator ID of a system event (IPMI 2.0 §32.1, table 32-1, bytes 8–9;
/// §5.5): LS byte = slave address or software ID (bit 0 tells which),
/// MS byte = channel (bits 7:4) and LUN (bits 1:0). ipmitool prints it as
/// one 16-bit number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GeneratorId(pub u16);

impl GeneratorId {
    /// True when a system software ID (bit 0 set), false for an IPMB slave address.
    pub fn is_software(self) -> bool {
        self.0 & 1 != 0
    }
    /// The IPMB slave address (8-bit form), when not software.
    pub fn slave_address(self) -> Option<u8> {
        (!self.is_software()).then_some(self.0 as u8 & 0xfe)
    }
    /// The 7-bit system software ID, when software.
    pub fn software_id(self) -> Option<u8> {
        self.is_software().then_some((self.0 as u8) >> 1)
    }
    /// The IPMB device LUN (bits 1:0 of the MS byte).
    pub fn lun(self) -> u8 {
        (self.0 >> 8) as u8 & 0x03
    }
    /// The channel number (bits 7:4 of the MS byte).
    pub fn channel(self) -> u8 {
        (self.0 >> 12) as u8
    }
}

/// What event data byte 2 or 3 carries (event data 1 bits 7:6 / 5:4, §29.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DataUse {
    /// 00b: unspecified.
    Unspecified,
    /// 01b: byte 2: trigger reading (threshold) or previous state/severity
    /// (discrete); byte 3: trigger threshold (threshold).
    Reading,
    /// 10b: OEM code.
    Oem,
    /// 11b: sensor-specific event extension code.
    SensorSpecific,
}

impl DataUse {
    fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => DataUse::Unspecified,
            1 => DataUse::Reading,
            2 => DataUse::Oem,
            _ => DataUse::SensorSpecific,
        }
    }
}

/// A system event record's body (type 02h; IPMI 2.0 §32.1, table 32-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SystemEvent {
    /// Raw timestamp ([`SelTime::from_raw`]).
    pub timestamp: u32,
    /// Who generated the event.
    pub generator: GeneratorId,
    /// Event message format revision (04h for IPMI 2.0, 03h for 1.0).
    pub evm_rev: u8,
    /// Sensor type (§42.2, table 42-3).
    pub sensor_type: u8,
    /// Sensor number.
    pub sensor_number: u8,
    /// True for a deassertion event (byte 13 bit 7).
    pub deassertion: bool,
    /// Event/reading type code (byte 13 bits 6:0; §42.1).
    pub event_type: u8,
    /// Event data 1–3.
    pub data: [u8; 3],
}

impl SystemEvent {
    /// The timestamp, classified.
    pub fn time(&self) -> SelTime {
        SelTime::from_raw(self.timestamp)
    }
    /// The event offset (event data 1 bits 3:0).
    pub fn offset(&self) -> u8 {
        self.data[0] & 0x0f
    }
    /// A threshold event (event/reading type 01h).
    pub fn is_threshold(&self) -> bool {
        self.event_type == 0x01
    }
    /// What event data 2 carries.
    pub fn data2_use(&self) -> DataUse {
        DataUse::from_bits(self.data[0] >> 6)
    }
    /// What event data 3 carries.
    pub fn data3_use(&self) -> DataUse {
        DataUse::from_bits(self.data[0] >> 4)
    }
    /// The raw trigger reading of a threshold event, when event data 1 says byte 2 holds it.
    pub fn trigger_reading(&self) -> Option<u8> {
        (self.is_threshold() && self.data2_use() == DataUse::Reading).then_some(self.data[1])
    }
    /// The raw trigger threshold of a threshold event, when event data 1 says byte 3 holds it.
    pub fn trigger_threshold(&self) -> Option<u8> {
        (self.is_threshold() && self.data3_use() == DataUse::Reading).then_some(self.data[2])
    }
    /// For a threshold event: whether the trigger reading is above the
    /// threshold (odd offsets are "going high", §42.1 table 42-2; a
    /// deassertion reverses it). ipmitool prints `>` or `<` from this.
    pub fn reading_above_threshold(&self) -> Option<bool> {
        self.is_threshold()
            .then(|| (self.offset() % 2 == 1) != self.deassertion)
    }
    /// "Asserted" or "Deasserted", as ipmitool prints the direction.
    pub fn direction(&self) -> &'static str {
        if self.deassertion {
            "Deasserted"
        } else {
            "Asserted"
        }
    }
}

/// What a SEL record holds, by record type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SelBody {
    /// Type 02h.
    System(SystemEvent),
    /// Types C0h–DFh: timestamp, manufacturer ID (IANA, 3 bytes), 6 OEM bytes.
    OemTimestamped {
        /// Raw timestamp.
        timestamp: u32,
        /// Manufacturer ID.
        manufacturer: u32,
        /// OEM-defined bytes.
        data: [u8; 6],
    },
    /// Types E0h–FFh, and undefined types: the 13 bytes after the type.
    Bytes([u8; 13]),
}

/// One SEL record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SelRecord {
    /// Record ID.
    pub id: u16,
    /// Record type (02h system event, C0h–DFh timestamped OEM, E0h–FFh OEM).
    pub record_type: u8,
    /// The decoded body.
    pub body: SelBody,
}

type Parsed<'a, T> = IResult<&'a [u8], T>;

fn system(i: &[u8]) -> Parsed<'_, SystemEvent> {
    let (i, (timestamp, generator, evm_rev, sensor_type, sensor_number, dir_type)) =
        tuple((le_u32, le_u16, byte, byte, byte, byte))(i)?;
    let (i, (d1, d2, d3)) = tuple((byte, byte, byte))(i)?;
    Ok((
        i,
        SystemEvent {
            timestamp,
            generator: GeneratorId(generator),
            evm_rev,
            sensor_type,
            sensor_number,
            deassertion: dir_type & 0x80 != 0,
            event_type: dir_type & 0x7f,
            data: [d1, d2, d3],
        },
    ))
}

fn oem_timestamped(i: &[u8]) -> Parsed<'_, SelBody> {
    let (i, (timestamp, manufacturer, data)) = tuple((le_u32, le_u24, take(6usize)))(i)?;
    let mut d = [0u8; 6];
    d.copy_from_slice(data);
    Ok((
        i,
        SelBody::OemTimestamped {
            timestamp,
            manufacturer,
            data: d,
        },
    ))
}

fn bytes13(i: &[u8]) -> Parsed<'_, SelBody> {
    let (i, data) = take(13usize)(i)?;
    let mut d = [0u8; 13];
    d.copy_from_slice(data);
    Ok((i, SelBody::Bytes(d)))
}

fn record(i: &[u8]) -> Parsed<'_, SelRecord> {
    let (i, (id, record_type)) = tuple((le_u16, byte))(i)?;
    let (i, body) = match record_type {
        0x02 => {
            let (i, e) = system(i)?;
            (i, SelBody::System(e))
        }
        0xc0..=0xdf => oem_timestamped(i)?,
        _ => bytes13(i)?,
    };
    Ok((
        i,
        SelRecord {
            id,
            record_type,
            body,
        },
    ))
}

impl SelRecord {
    /// Decodes a 16-byte record (extra bytes are an error too).
    pub fn parse(bytes: &[u8]) -> Result<Self, RecordError> {
        if bytes.len() != SEL_RECORD_LEN {
            return Err(RecordError::new(
                SEL_RECORD,
                bytes.len().min(SEL_RECORD_LEN),
                Problem::PastEnd,
            ));
        }
        record(bytes)
            .map(|(_, r)| r)
            .map_err(|_| RecordError::new(SEL_RECORD, 0, Problem::PastEnd))
    }

    /// The record's timestamp, when its type has one.
    pub fn time(&self) -> Option<SelTime> {
        match self.body {
            SelBody::System(e) => Some(e.time()),
            SelBody::OemTimestamped { timestamp, .. } => Some(SelTime::from_raw(timestamp)),
            SelBody::Bytes(_) => None,
        }
    }

    /// The system event, for type 02h.
    pub fn system_event(&self) -> Option<&SystemEvent> {
        match &self.body {
            SelBody::System(e) => Some(e),
            _ => None,
        }
    }

    /// Appends the 16 record bytes (what the responder stores and serves).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id.to_le_bytes());
        out.push(self.record_type);
        match &self.body {
            SelBody::System(e) => {
                out.extend_from_slice(&e.timestamp.to_le_bytes());
                out.extend_from_slice(&e.generator.0.to_le_bytes());
                out.extend_from_slice(&[
                    e.evm_rev,
                    e.sensor_type,
                    e.sensor_number,
                    u8::from(e.deassertion) << 7 | (e.event_type & 0x7f),
                ]);
                out.extend_from_slice(&e.data);
            }
            SelBody::OemTimestamped {
                timestamp,
                manufacturer,
                data,
            } => {
                out.extend_from_slice(&timestamp.to_le_bytes());
                out.extend_from_slice(&manufacturer.to_le_bytes()[..3]);
                out.extend_from_slice(data);
            }
            SelBody::Bytes(d) => out.extend_from_slice(d),
        }
    }
}
