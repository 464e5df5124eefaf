//! The FRU inventory of the simulated BMC: Get FRU Inventory Area Info and
//! Read FRU Data (IPMI 2.0 §34.1, §34.2) over images built by ipmi-core's
//! FRU encoders (Platform Management FRU Information Storage Definition
//! v1.0): device 0, the virtual machine (chassis, board and product
//! areas), and device 1, its power supply (board and product areas).

use ipmi_core::cmd::fru::{FruAreaInfo, GetFruInventoryAreaInfo, ReadFruData};
use ipmi_core::record::fru::FruInventory;
use ipmi_core::record::fru_areas::{BoardInfo, ChassisInfo, ProductInfo, BOARD_DATE_EPOCH};
use ipmi_core::record::fru_field::FruField;
use ipmi_core::record::RecordError;
use ipmi_core::CompletionCode;

use super::dcmi::EPOCH_UNIX;
use super::store::{CC_NOT_PRESENT, CC_OUT_OF_RANGE};
use super::{encoded, Answer, SimulatedBmc};

/// The BMC's own FRU device (IPMI 2.0 §34).
pub const BUILTIN_FRU: u8 = 0;
/// The power supply's FRU device.
pub const PSU_FRU: u8 = 1;
/// Most bytes one Read FRU Data answers.
const MAX_READ: usize = 64;
/// Chassis type "Rack Mount Chassis" (SMBIOS type 3 code 17h).
const RACK_MOUNT: u8 = 0x17;

fn field(text: &str) -> Result<FruField, RecordError> {
    FruField::text(text)
}

/// Board manufacturing date: the virtual clock's first second, in
/// minutes since 1996-01-01.
fn board_minutes() -> u32 {
    ((u64::from(EPOCH_UNIX) - BOARD_DATE_EPOCH) / 60) as u32
}

fn board(product: &str, serial: &str, part: &str) -> Result<BoardInfo, RecordError> {
    Ok(BoardInfo {
        language: 0,
        mfg_minutes: board_minutes(),
        manufacturer: field("ipmirs")?,
        product_name: field(product)?,
        serial_number: field(serial)?,
        part_number: field(part)?,
        fru_file_id: field("")?,
        custom: vec![],
    })
}

fn product(
    name: &str,
    part: &str,
    version: &str,
    serial: &str,
    asset: &str,
) -> Result<ProductInfo, RecordError> {
    Ok(ProductInfo {
        language: 0,
        manufacturer: field("ipmirs")?,
        product_name: field(name)?,
        part_number: field(part)?,
        version: field(version)?,
        serial_number: field(serial)?,
        asset_tag: field(asset)?,
        fru_file_id: field("")?,
        custom: vec![],
    })
}

/// The inventories of FRU devices 0 and 1.
pub fn inventories() -> Result<[(u8, FruInventory); 2], RecordError> {
    Ok([
        (
            BUILTIN_FRU,
            FruInventory {
                internal_use: None,
                chassis: Some(ChassisInfo {
                    chassis_type: RACK_MOUNT,
                    part_number: field("IPMIRS-CH-1")?,
                    serial_number: field("VCH0001")?,
                    custom: vec![],
                }),
                board: Some(board("Virtual Mainboard", "VMB0001", "IPMIRS-MB-1")?),
                product: Some(product(
                    "ipmirs virtual machine",
                    "IPMIRS-VM-1",
                    "1.0",
                    "VM0001",
                    "ASSET-0001",
                )?),
                multi_record: vec![],
            },
        ),
        (
            PSU_FRU,
            FruInventory {
                internal_use: None,
                chassis: None,
                board: Some(board("Virtual PSU Board", "PSB0001", "IPMIRS-PSB-1")?),
                product: Some(product(
                    "Virtual PSU 800W",
                    "IPMIRS-PSU-800",
                    "A1",
                    "PSU0001",
                    "",
                )?),
                multi_record: vec![],
            },
        ),
    ])
}

/// The FRU images by device ID; an image that does not encode is left out.
pub(super) fn images() -> Vec<(u8, Vec<u8>)> {
    inventories()
        .map(|all| {
            all.iter()
                .filter_map(|(id, inv)| {
                    let mut out = Vec::new();
                    inv.emit(&mut out).ok().map(|()| (*id, out))
                })
                .collect()
        })
        .unwrap_or_default()
}

impl SimulatedBmc {
    fn fru_image(&self, device: u8) -> Option<&[u8]> {
        self.fru
            .iter()
            .find(|(id, _)| *id == device)
            .map(|(_, b)| b.as_slice())
    }

    /// Get FRU Inventory Area Info: the image's size, accessed by bytes (IPMI 2.0 §34.1).
    pub(super) fn fru_info(&self, data: &[u8]) -> Answer {
        let Some(req) = GetFruInventoryAreaInfo::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let Some(image) = self.fru_image(req.device_id) else {
            return (CC_NOT_PRESENT, vec![]);
        };
        let info = FruAreaInfo {
            size: image.len() as u16,
            by_words: false,
        };
        encoded(|out| info.emit(out))
    }

    /// Read FRU Data: up to `count` bytes from `offset`, at most
    /// [`MAX_READ`], fewer at the end of the image (IPMI 2.0 §34.2).
    pub(super) fn fru_read(&self, data: &[u8]) -> Answer {
        let Some(req) = ReadFruData::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let Some(image) = self.fru_image(req.device_id) else {
            return (CC_NOT_PRESENT, vec![]);
        };
        let start = usize::from(req.offset);
        if start >= image.len() {
            return (CC_OUT_OF_RANGE, vec![]);
        }
        let end = (start + usize::from(req.count).min(MAX_READ)).min(image.len());
        encoded(|out| ReadFruData::emit_response(&image[start..end], false, out))
    }
}
