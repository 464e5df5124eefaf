//! A whole FRU inventory image (FRU Information Storage Definition v1.0
//! §8): the common header with its checksum and the areas it points at.
//! [`FruImage::parse`] decodes each area on its own, so one bad area does
//! not hide the others; [`FruInventory::emit`] builds an image from typed
//! areas (what the virtual BMC serves).

use super::fru_areas::{BoardInfo, ChassisInfo, InternalUse, ProductInfo};
use super::fru_multi::{self, MultiRecord};
use super::{Checksums, Problem, RecordError};
use crate::wire::lan_message::checksum;

/// Area name of the common header in errors.
pub const COMMON_HEADER: &str = "FRU common header";

/// The common header (§8): each area's offset in multiples of 8 bytes, 0
/// when the area is absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CommonHeader {
    /// Internal use area offset (×8).
    pub internal_use: u8,
    /// Chassis info area offset (×8).
    pub chassis: u8,
    /// Board info area offset (×8).
    pub board: u8,
    /// Product info area offset (×8).
    pub product: u8,
    /// Multi-record area offset (×8).
    pub multi_record: u8,
}

impl CommonHeader {
    /// Decodes the 8-byte header: format version 1, checksum (unless ignored).
    pub fn parse(image: &[u8], checks: Checksums) -> Result<Self, RecordError> {
        let h = image.get(..8).ok_or(RecordError::new(
            COMMON_HEADER,
            image.len(),
            Problem::PastEnd,
        ))?;
        if h[0] & 0x0f != 1 {
            return Err(RecordError::new(
                COMMON_HEADER,
                0,
                Problem::BadVersion(h[0]),
            ));
        }
        if !checks.pass(h) {
            return Err(RecordError::new(COMMON_HEADER, 7, Problem::BadChecksum));
        }
        Ok(CommonHeader {
            internal_use: h[1],
            chassis: h[2],
            board: h[3],
            product: h[4],
            multi_record: h[5],
        })
    }

    /// Appends the 8 header bytes.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut h = [
            0x01,
            self.internal_use,
            self.chassis,
            self.board,
            self.product,
            self.multi_record,
            0,
            0,
        ];
        h[7] = checksum(&h[..7]);
        out.extend_from_slice(&h);
    }

    fn offsets(&self) -> [u8; 5] {
        [
            self.internal_use,
            self.chassis,
            self.board,
            self.product,
            self.multi_record,
        ]
    }
}

/// A decoded image: the header and each present area's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FruImage {
    /// The common header.
    pub header: CommonHeader,
    /// Internal use area, if the header points at one.
    pub internal_use: Option<Result<InternalUse, RecordError>>,
    /// Chassis info area, if present.
    pub chassis: Option<Result<ChassisInfo, RecordError>>,
    /// Board info area, if present.
    pub board: Option<Result<BoardInfo, RecordError>>,
    /// Product info area, if present.
    pub product: Option<Result<ProductInfo, RecordError>>,
    /// Multi-record area, if present.
    pub multi_record: Option<Result<Vec<MultiRecord>, RecordError>>,
}

impl FruImage {
    /// Decodes `image`, checking every checksum: an error only when the
    /// common header is bad; each area's own problem is in its field.
    pub fn parse(image: &[u8]) -> Result<Self, RecordError> {
        Self::parse_with(image, Checksums::Verify)
    }

    /// Decodes `image` with checksums checked or ignored (`Ignore` shows
    /// what a corrupt image holds, as ipmitool's `fru print` does).
    pub fn parse_with(image: &[u8], checks: Checksums) -> Result<Self, RecordError> {
        let header = CommonHeader::parse(image, checks)?;
        let at = |o: u8| (o != 0).then_some(usize::from(o) * 8);
        // The internal use area runs up to the next area (or the image end).
        let internal_end = |start: usize| {
            header
                .offsets()
                .iter()
                .map(|&o| usize::from(o) * 8)
                .filter(|&o| o > start)
                .min()
                .unwrap_or(image.len())
        };
        Ok(FruImage {
            header,
            internal_use: at(header.internal_use)
                .map(|s| InternalUse::parse(image, s, internal_end(s))),
            chassis: at(header.chassis).map(|s| ChassisInfo::parse(image, s, checks)),
            board: at(header.board).map(|s| BoardInfo::parse(image, s, checks)),
            product: at(header.product).map(|s| ProductInfo::parse(image, s, checks)),
            multi_record: at(header.multi_record).map(|s| fru_multi::parse_area(image, s, checks)),
        })
    }

    /// The typed inventory, or the first area's error.
    pub fn into_inventory(self) -> Result<FruInventory, RecordError> {
        Ok(FruInventory {
            internal_use: self.internal_use.transpose()?,
            chassis: self.chassis.transpose()?,
            board: self.board.transpose()?,
            product: self.product.transpose()?,
            multi_record: self.multi_record.transpose()?.unwrap_or_default(),
        })
    }
}

/// A FRU inventory as typed data, for building an image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FruInventory {
    /// Internal use area.
    pub internal_use: Option<InternalUse>,
    /// Chassis info area.
    pub chassis: Option<ChassisInfo>,
    /// Board info area.
    pub board: Option<BoardInfo>,
    /// Product info area.
    pub product: Option<ProductInfo>,
    /// Multi-record area (empty: absent).
    pub multi_record: Vec<MultiRecord>,
}

impl FruInventory {
    /// Appends the image: header, then the areas in the spec's order.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), RecordError> {
        let start = out.len();
        let mut body = Vec::new();
        let mut header = CommonHeader::default();
        // Offset in 8-byte units of the next area (after the 8-byte header).
        let place = |body: &Vec<u8>| -> Result<u8, RecordError> {
            u8::try_from(1 + body.len() / 8)
                .map_err(|_| RecordError::new(COMMON_HEADER, start, Problem::TooLong))
        };
        if let Some(a) = &self.internal_use {
            header.internal_use = place(&body)?;
            a.emit(&mut body)?;
        }
        if let Some(a) = &self.chassis {
            header.chassis = place(&body)?;
            a.emit(&mut body)?;
        }
        if let Some(a) = &self.board {
            header.board = place(&body)?;
            a.emit(&mut body)?;
        }
        if let Some(a) = &self.product {
            header.product = place(&body)?;
            a.emit(&mut body)?;
        }
        if !self.multi_record.is_empty() {
            header.multi_record = place(&body)?;
            fru_multi::emit_area(&self.multi_record, &mut body)?;
        }
        header.emit(out);
        out.extend_from_slice(&body);
        Ok(())
    }
}
