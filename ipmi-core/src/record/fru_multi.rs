//! The FRU multi-record area (FRU Information Storage Definition v1.0
//! §16–§18): a list of records, each with a 5-byte header (type, end-of-list
//! and version, length, record checksum, header checksum). Power supply,
//! DC output, DC load and management access records are decoded; others
//! are kept as bytes.

use nom::number::complete::{le_i16, le_u16, u8 as byte};
use nom::IResult;

use super::{Checksums, Problem, RecordError};
use crate::wire::lan_message::checksum;

/// Area name of the multi-record area in errors.
pub const MULTI_RECORD: &str = "FRU multi-record area";

/// Power Supply Information (record type 00h, §18.1). Voltages in 10 mV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PowerSupply {
    /// Overall capacity: bits 11:0 watts (bits 15:12 reserved, kept).
    pub capacity: u16,
    /// Peak VA (0xFFFF: not specified).
    pub peak_va: u16,
    /// Inrush current, A.
    pub inrush_current: u8,
    /// Inrush interval, ms.
    pub inrush_interval: u8,
    /// Low end input voltage range 1, 10 mV.
    pub low_input_1: u16,
    /// High end input voltage range 1, 10 mV.
    pub high_input_1: u16,
    /// Low end input voltage range 2, 10 mV.
    pub low_input_2: u16,
    /// High end input voltage range 2, 10 mV.
    pub high_input_2: u16,
    /// Low end input frequency, Hz.
    pub low_frequency: u8,
    /// High end input frequency, Hz.
    pub high_frequency: u8,
    /// A/C dropout tolerance, ms.
    pub dropout_tolerance: u8,
    /// Flags: bit 0 predictive fail support, 1 power factor correction,
    /// 2 autoswitch, 3 hot swap, 4 tachometer pulses/pin polarity.
    pub flags: u8,
    /// Peak wattage: bits 15:12 hold-up time (s), bits 11:0 peak capacity (W).
    pub peak_wattage: u16,
    /// Combined wattage voltages: bits 7:4 voltage 1, bits 3:0 voltage 2
    /// (0: 12 V, 1: -12 V, 2: 5 V, 3: 3.3 V).
    pub combined_voltages: u8,
    /// Total combined wattage, W (0: not specified).
    pub combined_wattage: u16,
    /// Predictive fail tachometer lower threshold, RPS.
    pub tach_lower_threshold: u8,
}

impl PowerSupply {
    /// Overall capacity in watts (bits 11:0).
    pub fn capacity_watts(&self) -> u16 {
        self.capacity & 0x0fff
    }
    /// Peak capacity in watts (bits 11:0 of peak wattage).
    pub fn peak_capacity_watts(&self) -> u16 {
        self.peak_wattage & 0x0fff
    }
    /// Hold-up time in seconds at peak capacity (bits 15:12).
    pub fn hold_up_seconds(&self) -> u8 {
        (self.peak_wattage >> 12) as u8
    }
}

/// DC Output (record type 01h, §18.2). Voltages in 10 mV, currents in mA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DcOutput {
    /// Bit 7: standby output; bits 3:0 output number.
    pub output_info: u8,
    /// Nominal voltage, 10 mV (signed).
    pub nominal_voltage: i16,
    /// Maximum negative deviation, 10 mV (signed).
    pub max_negative_deviation: i16,
    /// Maximum positive deviation, 10 mV (signed).
    pub max_positive_deviation: i16,
    /// Ripple and noise pk-pk 10 Hz–30 MHz, mV.
    pub ripple_noise: u16,
    /// Minimum current draw, mA.
    pub min_current: u16,
    /// Maximum current draw, mA.
    pub max_current: u16,
}

impl DcOutput {
    /// The output number (bits 3:0).
    pub fn output_number(&self) -> u8 {
        self.output_info & 0x0f
    }
    /// Whether this is a standby output (bit 7).
    pub fn standby(&self) -> bool {
        self.output_info & 0x80 != 0
    }
}

/// DC Load (record type 02h, §18.3). Voltages in 10 mV, currents in mA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DcLoad {
    /// Bits 3:0: output number.
    pub output_info: u8,
    /// Nominal voltage, 10 mV (signed).
    pub nominal_voltage: i16,
    /// Minimum specified voltage, 10 mV (signed).
    pub min_voltage: i16,
    /// Maximum specified voltage, 10 mV (signed).
    pub max_voltage: i16,
    /// Ripple and noise pk-pk, mV.
    pub ripple_noise: u16,
    /// Minimum current load, mA.
    pub min_current: u16,
    /// Maximum current load, mA.
    pub max_current: u16,
}

/// What a multi-record's body holds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MultiRecordBody {
    /// Type 00h.
    PowerSupply(PowerSupply),
    /// Type 01h.
    DcOutput(DcOutput),
    /// Type 02h.
    DcLoad(DcLoad),
    /// Type 03h (§18.4): sub-record type (01h system URL ... 07h system
    /// unique ID) and its bytes (ASCII, or the 16-byte GUID).
    ManagementAccess {
        /// Sub-record type.
        sub_type: u8,
        /// The sub-record's bytes.
        data: Vec<u8>,
    },
    /// Any other type (compatibility, OEM C0h–FFh...), or a known type
    /// whose length does not match its layout: the bytes as stored.
    Bytes(Vec<u8>),
}

/// One multi-record: type ID, format version (2) and body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MultiRecord {
    /// Record type ID.
    pub type_id: u8,
    /// Record format version (header byte 1 bits 3:0; 2 in v1.0).
    pub version: u8,
    /// The body.
    pub body: MultiRecordBody,
}

type Parsed<'a, T> = IResult<&'a [u8], T>;

fn power_supply(i: &[u8]) -> Parsed<'_, PowerSupply> {
    let (i, (capacity, peak_va, inrush_current, inrush_interval)) =
        nom::sequence::tuple((le_u16, le_u16, byte, byte))(i)?;
    let (i, (low_input_1, high_input_1, low_input_2, high_input_2)) =
        nom::sequence::tuple((le_u16, le_u16, le_u16, le_u16))(i)?;
    let (i, (low_frequency, high_frequency, dropout_tolerance, flags)) =
        nom::sequence::tuple((byte, byte, byte, byte))(i)?;
    let (i, (peak_wattage, combined_voltages, combined_wattage, tach_lower_threshold)) =
        nom::sequence::tuple((le_u16, byte, le_u16, byte))(i)?;
    Ok((
        i,
        PowerSupply {
            capacity,
            peak_va,
            inrush_current,
            inrush_interval,
            low_input_1,
            high_input_1,
            low_input_2,
            high_input_2,
            low_frequency,
            high_frequency,
            dropout_tolerance,
            flags,
            peak_wattage,
            combined_voltages,
            combined_wattage,
            tach_lower_threshold,
        },
    ))
}

/// The 13-byte layout DC output and DC load share.
type Dc = (u8, i16, i16, i16, u16, u16, u16);

fn dc(i: &[u8]) -> Parsed<'_, Dc> {
    nom::sequence::tuple((byte, le_i16, le_i16, le_i16, le_u16, le_u16, le_u16))(i)
}

fn emit_dc(d: Dc, out: &mut Vec<u8>) {
    out.push(d.0);
    for v in [d.1 as u16, d.2 as u16, d.3 as u16, d.4, d.5, d.6] {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// The parsed value when the parser consumed all of its input.
fn whole<T>(r: Parsed<'_, T>) -> Option<T> {
    r.ok().filter(|(rest, _)| rest.is_empty()).map(|r| r.1)
}

impl MultiRecordBody {
    /// Decodes the body of a record of `type_id`; a known type whose length
    /// does not match its layout is kept as bytes.
    pub fn parse(type_id: u8, data: &[u8]) -> Self {
        match type_id {
            0x00 => whole(power_supply(data)).map(Self::PowerSupply),
            0x01 => whole(dc(data)).map(|d| {
                Self::DcOutput(DcOutput {
                    output_info: d.0,
                    nominal_voltage: d.1,
                    max_negative_deviation: d.2,
                    max_positive_deviation: d.3,
                    ripple_noise: d.4,
                    min_current: d.5,
                    max_current: d.6,
                })
            }),
            0x02 => whole(dc(data)).map(|d| {
                Self::DcLoad(DcLoad {
                    output_info: d.0,
                    nominal_voltage: d.1,
                    min_voltage: d.2,
                    max_voltage: d.3,
                    ripple_noise: d.4,
                    min_current: d.5,
                    max_current: d.6,
                })
            }),
            0x03 => data
                .split_first()
                .map(|(&sub_type, rest)| Self::ManagementAccess {
                    sub_type,
                    data: rest.to_vec(),
                }),
            _ => None,
        }
        .unwrap_or_else(|| Self::Bytes(data.to_vec()))
    }

    /// Appends the body bytes.
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Self::PowerSupply(p) => {
                for v in [p.capacity, p.peak_va] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                out.extend_from_slice(&[p.inrush_current, p.inrush_interval]);
                for v in [p.low_input_1, p.high_input_1, p.low_input_2, p.high_input_2] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                out.extend_from_slice(&[
                    p.low_frequency,
                    p.high_frequency,
                    p.dropout_tolerance,
                    p.flags,
                ]);
                out.extend_from_slice(&p.peak_wattage.to_le_bytes());
                out.push(p.combined_voltages);
                out.extend_from_slice(&p.combined_wattage.to_le_bytes());
                out.push(p.tach_lower_threshold);
            }
            Self::DcOutput(d) => emit_dc(
                (
                    d.output_info,
                    d.nominal_voltage,
                    d.max_negative_deviation,
                    d.max_positive_deviation,
                    d.ripple_noise,
                    d.min_current,
                    d.max_current,
                ),
                out,
            ),
            Self::DcLoad(d) => emit_dc(
                (
                    d.output_info,
                    d.nominal_voltage,
                    d.min_voltage,
                    d.max_voltage,
                    d.ripple_noise,
                    d.min_current,
                    d.max_current,
                ),
                out,
            ),
            Self::ManagementAccess { sub_type, data } => {
                out.push(*sub_type);
                out.extend_from_slice(data);
            }
            Self::Bytes(b) => out.extend_from_slice(b),
        }
    }
}

/// Decodes the multi-record area starting at image offset `at`, up to the
/// record with the end-of-list bit.
pub fn parse_area(
    image: &[u8],
    at: usize,
    checks: Checksums,
) -> Result<Vec<MultiRecord>, RecordError> {
    let mut records = Vec::new();
    let mut pos = at;
    loop {
        let err = |off, p| RecordError::new(MULTI_RECORD, off, p);
        let header = image.get(pos..pos + 5).ok_or(err(
            pos,
            if pos >= image.len() {
                Problem::MissingEndOfList
            } else {
                Problem::PastEnd
            },
        ))?;
        if !checks.pass(header) {
            return Err(err(pos + 4, Problem::BadChecksum));
        }
        let (_, (type_id, flags, len, data_sum)) =
            nom::sequence::tuple((byte, byte, byte, byte))(header)
                .map_err(|_: nom::Err<nom::error::Error<&[u8]>>| err(pos, Problem::PastEnd))?;
        let data = image
            .get(pos + 5..pos + 5 + usize::from(len))
            .ok_or(err(pos + 2, Problem::PastEnd))?;
        if checks == Checksums::Verify && checksum(data) != data_sum {
            return Err(err(pos + 3, Problem::BadChecksum));
        }
        records.push(MultiRecord {
            type_id,
            version: flags & 0x0f,
            body: MultiRecordBody::parse(type_id, data),
        });
        pos += 5 + usize::from(len);
        if flags & 0x80 != 0 {
            return Ok(records);
        }
    }
}

/// Appends `records` as a multi-record area, the last one flagged end of list.
pub fn emit_area(records: &[MultiRecord], out: &mut Vec<u8>) -> Result<(), RecordError> {
    let mut body = Vec::new();
    for (n, r) in records.iter().enumerate() {
        body.clear();
        r.body.emit(&mut body);
        let len = u8::try_from(body.len())
            .map_err(|_| RecordError::new(MULTI_RECORD, out.len(), Problem::TooLong))?;
        let end = if n + 1 == records.len() { 0x80 } else { 0 };
        let mut header = [r.type_id, end | (r.version & 0x0f), len, checksum(&body), 0];
        header[4] = checksum(&header[..4]);
        out.extend_from_slice(&header);
        out.extend_from_slice(&body);
    }
    Ok(())
}
