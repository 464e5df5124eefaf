//! `bmc`: Get Device ID (IPMI 2.0 §20.1) → `ipmi_bmc_info`, labels as
//! bmc-info prints them and the Go exporter cuts them.

use ipmi_core::cmd::{DeviceId, GetDeviceId};

use super::{CollectError, Context};
use crate::link::Link;
use crate::metric::{Sample, BMC_INFO};

/// The label value for what the BMC did not give (the exporter's `N/A`).
const NOT_AVAILABLE: &str = "N/A";

/// One `ipmi_bmc_info` sample. System firmware version and BMC URL (Get
/// System Info Parameters, §22.14a) are not in the library yet: `N/A`,
/// as the exporter writes when bmc-info lacks them.
pub async fn collect(
    link: &mut Link,
    ctx: &Context<'_>,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let id = link.execute(&GetDeviceId, ctx.deadline).await?;
    out.push(Sample {
        family: &BMC_INFO,
        labels: vec![
            ("firmware_revision", firmware_revision(&id)),
            ("manufacturer_id", id.manufacturer_id.to_string()),
            ("system_firmware_version", NOT_AVAILABLE.to_string()),
            ("bmc_url", NOT_AVAILABLE.to_string()),
        ],
        value: 1.0,
    });
    Ok(())
}

/// bmc-info's `major.minor` (minor byte in two lowercase hex digits, as it
/// is BCD) cut to its leading digits and dots, as the exporter's pattern does.
fn firmware_revision(id: &DeviceId) -> String {
    let printed = format!("{}.{:02x}", id.firmware_major, id.firmware_minor);
    printed
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(major: u8, minor: u8) -> DeviceId {
        DeviceId {
            device_id: 0x20,
            device_revision: 0,
            provides_device_sdrs: false,
            device_available: true,
            firmware_major: major,
            firmware_minor: minor,
            ipmi_version: 0x02,
            additional_support: 0,
            manufacturer_id: 4753,
            product_id: 0,
            aux_firmware: None,
        }
    }

    #[test]
    fn revision_as_bmc_info_prints_and_the_exporter_cuts() {
        assert_eq!(firmware_revision(&id(9, 0x08)), "9.08");
        assert_eq!(firmware_revision(&id(1, 0x00)), "1.00");
        assert_eq!(firmware_revision(&id(2, 0x45)), "2.45");
        assert_eq!(firmware_revision(&id(1, 0x1a)), "1.1");
        assert_eq!(firmware_revision(&id(3, 0xa0)), "3.");
    }
}
