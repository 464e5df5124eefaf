//! `mc info` and `mc reset` as ipmitool 1.8.19 prints them.

use std::io::Write;

use crate::actions::DeviceInfo;
use crate::args::ResetKind;

/// `mc info`: the Get Device ID answer with the looked-up names.
pub fn device_id(info: &DeviceInfo, manufacturer: &[u8], product: &str) -> Vec<u8> {
    let id = &info.id;
    let mut o = Vec::with_capacity(640);
    let (major, minor) = id.ipmi_version_parts();
    let pid = id.product_id.to_le_bytes();
    // Writing into a Vec cannot fail.
    let _ = (|| -> std::io::Result<()> {
        writeln!(o, "Device ID                 : {}", id.device_id)?;
        writeln!(o, "Device Revision           : {}", id.device_revision)?;
        writeln!(
            o,
            "Firmware Revision         : {}.{:02x}",
            id.firmware_major, id.firmware_minor
        )?;
        writeln!(o, "IPMI Version              : {major:x}.{minor:x}")?;
        writeln!(o, "Manufacturer ID           : {}", info.manufacturer_id())?;
        o.write_all(b"Manufacturer Name         : ")?;
        o.write_all(manufacturer)?;
        o.write_all(b"\n")?;
        writeln!(
            o,
            "Product ID                : {} (0x{:02x}{:02x})",
            id.product_id, pid[1], pid[0]
        )?;
        writeln!(o, "Product Name              : {product}")?;
        writeln!(
            o,
            "Device Available          : {}",
            yes_no(id.device_available)
        )?;
        writeln!(
            o,
            "Provides Device SDRs      : {}",
            yes_no(id.provides_device_sdrs)
        )?;
        writeln!(o, "Additional Device Support :")?;
        for name in id.supported() {
            writeln!(o, "    {name}")?;
        }
        if let Some(aux) = info.aux_firmware() {
            writeln!(o, "Aux Firmware Rev Info     : ")?;
            for b in aux {
                writeln!(o, "    0x{b:02x}")?;
            }
        }
        Ok(())
    })();
    o
}

/// `mc reset cold|warm`, printed only once the BMC accepted it.
pub fn reset(kind: ResetKind) -> Vec<u8> {
    format!("Sent {} reset command to MC\n", kind.word()).into_bytes()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
