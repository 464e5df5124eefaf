//! The FRU info areas: internal use, chassis info, board info and product
//! info (FRU Information Storage Definition v1.0 §9–§12), decoded and
//! emitted with their version, length, end marker, padding and checksum.

use nom::number::complete::{le_u24, u8 as byte};

use super::fru_field::{field, fixed_field, FruField, END_OF_FIELDS};
use super::{Checksums, Problem, RecordError};
use crate::wire::lan_message::checksum;

/// Area name of the internal use area in errors.
pub const INTERNAL_USE: &str = "FRU internal use area";
/// Area name of the chassis info area in errors.
pub const CHASSIS: &str = "FRU chassis info area";
/// Area name of the board info area in errors.
pub const BOARD: &str = "FRU board info area";
/// Area name of the product info area in errors.
pub const PRODUCT: &str = "FRU product info area";

/// Seconds from 1970-01-01 to 1996-01-01 00:00 UTC, the board date epoch (§11).
pub const BOARD_DATE_EPOCH: u64 = 820_454_400;

/// Chassis type names 00h–1Dh as ipmitool 1.8.19 prints them (SMBIOS
/// chassis types; FRU spec §10). Others print as "Unknown".
const CHASSIS_TYPES: [&str; 30] = [
    "Unspecified",
    "Other",
    "Unknown",
    "Desktop",
    "Low Profile Desktop",
    "Pizza Box",
    "Mini Tower",
    "Tower",
    "Portable",
    "LapTop",
    "Notebook",
    "Hand Held",
    "Docking Station",
    "All in One",
    "Sub Notebook",
    "Space-saving",
    "Lunch Box",
    "Main Server Chassis",
    "Expansion Chassis",
    "SubChassis",
    "Bus Expansion Chassis",
    "Peripheral Chassis",
    "RAID Chassis",
    "Rack Mount Chassis",
    "Sealed-case PC",
    "Multi-system Chassis",
    "CompactPCI",
    "AdvancedTCA",
    "Blade",
    "Blade Enclosure",
];

/// The name of chassis type `code` (ipmitool's table; unknown codes: "Unknown").
pub fn chassis_type_name(code: u8) -> &'static str {
    CHASSIS_TYPES.get(usize::from(code)).unwrap_or(&"Unknown")
}

/// The internal use area: format version 1 and the bytes up to the next
/// area (§9).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InternalUse {
    /// The area's bytes after its version byte (including padding).
    pub data: Vec<u8>,
}

/// The chassis info area (§10).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChassisInfo {
    /// SMBIOS chassis type ([`chassis_type_name`]).
    pub chassis_type: u8,
    /// Chassis part number.
    pub part_number: FruField,
    /// Chassis serial number.
    pub serial_number: FruField,
    /// Custom fields.
    pub custom: Vec<FruField>,
}

/// The board info area (§11).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BoardInfo {
    /// Language code (0 or 25: English).
    pub language: u8,
    /// Manufacturing date/time in minutes since 1996-01-01 00:00 UTC (24 bits; 0: unspecified).
    pub mfg_minutes: u32,
    /// Board manufacturer.
    pub manufacturer: FruField,
    /// Board product name.
    pub product_name: FruField,
    /// Board serial number.
    pub serial_number: FruField,
    /// Board part number.
    pub part_number: FruField,
    /// FRU file ID.
    pub fru_file_id: FruField,
    /// Custom fields.
    pub custom: Vec<FruField>,
}

impl BoardInfo {
    /// The manufacturing time in seconds since 1970-01-01 UTC, `None` when unspecified (§11).
    pub fn mfg_unix_time(&self) -> Option<u64> {
        (self.mfg_minutes != 0).then(|| BOARD_DATE_EPOCH + u64::from(self.mfg_minutes) * 60)
    }
}

/// The product info area (§12).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProductInfo {
    /// Language code (0 or 25: English).
    pub language: u8,
    /// Manufacturer name.
    pub manufacturer: FruField,
    /// Product name.
    pub product_name: FruField,
    /// Product part/model number.
    pub part_number: FruField,
    /// Product version.
    pub version: FruField,
    /// Product serial number.
    pub serial_number: FruField,
    /// Asset tag.
    pub asset_tag: FruField,
    /// FRU file ID.
    pub fru_file_id: FruField,
    /// Custom fields.
    pub custom: Vec<FruField>,
}

/// An empty 8-bit field (type/length 0xC0), what an absent fixed field reads as.
fn empty() -> FruField {
    FruField {
        encoding: super::fru_field::FieldEncoding::EightBit,
        bytes: Vec::new(),
    }
}

/// The area at `at` in `image`: checks version 1, the length (×8) against
/// the image, and (unless ignored) the zero checksum; returns the area's bytes.
fn framed<'a>(
    name: &'static str,
    image: &'a [u8],
    at: usize,
    checks: Checksums,
) -> Result<&'a [u8], RecordError> {
    let head = image
        .get(at..at + 2)
        .ok_or(RecordError::new(name, at, Problem::PastEnd))?;
    if head[0] & 0x0f != 1 {
        return Err(RecordError::new(name, at, Problem::BadVersion(head[0])));
    }
    let len = usize::from(head[1]) * 8;
    let area = image
        .get(at..at + len)
        .filter(|_| len != 0)
        .ok_or(RecordError::new(name, at + 1, Problem::PastEnd))?;
    if !checks.pass(area) {
        return Err(RecordError::new(name, at + len - 1, Problem::BadChecksum));
    }
    Ok(area)
}

/// Parses `fixed` fields then custom fields up to the end marker from
/// the area bytes after `skip` (the area starts at image offset `at`).
fn fields(
    name: &'static str,
    area: &[u8],
    skip: usize,
    at: usize,
    fixed: usize,
) -> Result<(Vec<FruField>, Vec<FruField>), RecordError> {
    // The checksum byte is not part of the fields.
    let mut rest = &area[skip..area.len() - 1];
    let offset = |rest: &[u8]| at + area.len() - 1 - rest.len();
    let past = |rest: &[u8]| RecordError::new(name, offset(rest), Problem::PastEnd);
    let mut out = Vec::with_capacity(fixed);
    for _ in 0..fixed {
        let (next, f) = fixed_field(rest).map_err(|_| past(rest))?;
        rest = next;
        out.push(f);
    }
    let mut custom = Vec::new();
    loop {
        if rest.is_empty() {
            return Err(RecordError::new(
                name,
                offset(rest),
                Problem::MissingEndMarker,
            ));
        }
        match field(rest) {
            Ok((_, None)) => return Ok((out, custom)),
            Ok((next, Some(f))) => {
                rest = next;
                custom.push(f);
            }
            Err(_) => return Err(past(rest)),
        }
    }
}

/// Appends an info area: version 1, length, `fixed` bytes, the fields,
/// the end marker, zero padding to a multiple of 8 and the checksum.
fn emit_area<'f>(
    name: &'static str,
    fixed: &[u8],
    fields: impl IntoIterator<Item = &'f FruField>,
    out: &mut Vec<u8>,
) -> Result<(), RecordError> {
    let start = out.len();
    out.extend_from_slice(&[0x01, 0x00]);
    out.extend_from_slice(fixed);
    for f in fields {
        f.emit(out);
    }
    out.push(END_OF_FIELDS);
    let len = (out.len() - start + 1).div_ceil(8) * 8;
    if len > 255 * 8 {
        out.truncate(start);
        return Err(RecordError::new(name, start, Problem::TooLong));
    }
    out.resize(start + len - 1, 0);
    out[start + 1] = (len / 8) as u8;
    out.push(checksum(&out[start..]));
    Ok(())
}

impl InternalUse {
    /// Decodes the internal use area at `at`, ending at `end` (the next area or the image end).
    pub fn parse(image: &[u8], at: usize, end: usize) -> Result<Self, RecordError> {
        let area = image.get(at..end.max(at + 1)).ok_or(RecordError::new(
            INTERNAL_USE,
            at,
            Problem::PastEnd,
        ))?;
        if area[0] & 0x0f != 1 {
            return Err(RecordError::new(
                INTERNAL_USE,
                at,
                Problem::BadVersion(area[0]),
            ));
        }
        Ok(InternalUse {
            data: area[1..].to_vec(),
        })
    }

    /// Appends the area (version byte, data, zero padding to a multiple of 8).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), RecordError> {
        let len = (self.data.len() + 1).div_ceil(8) * 8;
        if len > 255 * 8 {
            return Err(RecordError::new(INTERNAL_USE, out.len(), Problem::TooLong));
        }
        out.push(0x01);
        out.extend_from_slice(&self.data);
        out.resize(out.len() + len - 1 - self.data.len(), 0);
        Ok(())
    }
}

impl ChassisInfo {
    /// Decodes the chassis info area at image offset `at`.
    pub fn parse(image: &[u8], at: usize, checks: Checksums) -> Result<Self, RecordError> {
        let area = framed(CHASSIS, image, at, checks)?;
        let chassis_type =
            *area
                .get(2)
                .ok_or(RecordError::new(CHASSIS, at + 2, Problem::PastEnd))?;
        let (fixed, custom) = fields(CHASSIS, area, 3, at, 2)?;
        let mut fixed = fixed.into_iter();
        Ok(ChassisInfo {
            chassis_type,
            part_number: fixed.next().unwrap_or_else(empty),
            serial_number: fixed.next().unwrap_or_else(empty),
            custom,
        })
    }

    /// Appends the area.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), RecordError> {
        let fields = [&self.part_number, &self.serial_number];
        emit_area(
            CHASSIS,
            &[self.chassis_type],
            fields.into_iter().chain(&self.custom),
            out,
        )
    }
}

impl BoardInfo {
    /// Decodes the board info area at image offset `at`.
    pub fn parse(image: &[u8], at: usize, checks: Checksums) -> Result<Self, RecordError> {
        let area = framed(BOARD, image, at, checks)?;
        let past = RecordError::new(BOARD, at + 2, Problem::PastEnd);
        let (_, (language, mfg_minutes)) = nom::sequence::pair(byte, le_u24)(&area[2..])
            .map_err(|_: nom::Err<nom::error::Error<&[u8]>>| past)?;
        let (fixed, custom) = fields(BOARD, area, 6, at, 5)?;
        let mut f = fixed.into_iter();
        let mut next = || f.next().unwrap_or_else(empty);
        Ok(BoardInfo {
            language,
            mfg_minutes,
            manufacturer: next(),
            product_name: next(),
            serial_number: next(),
            part_number: next(),
            fru_file_id: next(),
            custom,
        })
    }

    /// Appends the area.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), RecordError> {
        let m = self.mfg_minutes.to_le_bytes();
        let fields = [
            &self.manufacturer,
            &self.product_name,
            &self.serial_number,
            &self.part_number,
            &self.fru_file_id,
        ];
        emit_area(
            BOARD,
            &[self.language, m[0], m[1], m[2]],
            fields.into_iter().chain(&self.custom),
            out,
        )
    }
}

impl ProductInfo {
    /// Decodes the product info area at image offset `at`.
    pub fn parse(image: &[u8], at: usize, checks: Checksums) -> Result<Self, RecordError> {
        let area = framed(PRODUCT, image, at, checks)?;
        let language = *area
            .get(2)
            .ok_or(RecordError::new(PRODUCT, at + 2, Problem::PastEnd))?;
        let (fixed, custom) = fields(PRODUCT, area, 3, at, 7)?;
        let mut f = fixed.into_iter();
        let mut next = || f.next().unwrap_or_else(empty);
        Ok(ProductInfo {
            language,
            manufacturer: next(),
            product_name: next(),
            part_number: next(),
            version: next(),
            serial_number: next(),
            asset_tag: next(),
            fru_file_id: next(),
            custom,
        })
    }

    /// Appends the area.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), RecordError> {
        let fields = [
            &self.manufacturer,
            &self.product_name,
            &self.part_number,
            &self.version,
            &self.serial_number,
            &self.asset_tag,
            &self.fru_file_id,
        ];
        emit_area(
            PRODUCT,
            &[self.language],
            fields.into_iter().chain(&self.custom),
            out,
        )
    }
}
