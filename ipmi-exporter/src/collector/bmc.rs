//! `bmc`: Get Device ID (IPMI 2.0 §20.1) and the system info strings
//! (Get System Info Parameters, §22.14b) → `ipmi_bmc_info`, labels as
//! bmc-info prints them and the Go exporter cuts them.

use ipmi_core::cmd::sysinfo::{assemble_string, GetSystemInfoParameters};
use ipmi_core::cmd::{DeviceId, GetDeviceId};
use ipmi_core::{CompletionCode, Deadline};

use super::{CollectError, Context};
use crate::link::{Link, LinkError};
use crate::metric::{Sample, BMC_INFO};

/// The label value for what the BMC did not give (the exporter's `N/A`).
const NOT_AVAILABLE: &str = "N/A";

/// System info parameters in the order bmc-info reads them (IPMI 2.0
/// table 22-16a): firmware version, system name, primary OS name, OS
/// name, present OS version; the first one unsupported ends the section.
const SECTION: [u8; 5] = [1, 2, 3, 4, 5];
/// BMC URL (table 22-16a), read after them, optional.
const BMC_URL: u8 = 6;

/// Sets a string parameter can span: 255 bytes in 14 + 16·n (bmc-info's bound).
const MAX_SETS: u8 = 17;

/// One `ipmi_bmc_info` sample.
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let id = link.execute(&GetDeviceId, ctx.deadline).await?;
    let (firmware, url) = system_info(link, ctx.deadline).await?;
    out.push(Sample {
        family: &BMC_INFO,
        labels: vec![
            ("firmware_revision", firmware_revision(&id)),
            ("manufacturer_id", id.manufacturer_id.to_string()),
            (
                "system_firmware_version",
                firmware
                    .as_deref()
                    .map_or(NOT_AVAILABLE.into(), leading_version),
            ),
            ("bmc_url", url.unwrap_or_else(|| NOT_AVAILABLE.into())),
        ],
        value: 1.0,
    });
    Ok(())
}

/// System firmware version and BMC URL as bmc-info shows them: `None`
/// where it prints no line.
async fn system_info(
    link: &mut Link,
    deadline: Deadline,
) -> Result<(Option<String>, Option<String>), LinkError> {
    let mut firmware = None;
    for param in SECTION {
        match read_string(link, param, deadline).await? {
            Some(text) if param == 1 => firmware = Some(text),
            Some(_) => {}
            None => return Ok((firmware, None)),
        }
    }
    Ok((firmware, read_string(link, BMC_URL, deadline).await?))
}

/// A string parameter, set by set; `None` when the BMC does not support it
/// (Invalid Command, Invalid Data Field, Parameter Not Supported: the
/// answers bmc-info takes as "no such line").
async fn read_string(
    link: &mut Link,
    param: u8,
    deadline: Deadline,
) -> Result<Option<String>, LinkError> {
    let mut sets: Vec<Vec<u8>> = Vec::new();
    let mut have = 0usize;
    let mut length = None;
    for set in 0..MAX_SETS {
        let answer = match link
            .execute(&GetSystemInfoParameters::new(param, set), deadline)
            .await
        {
            Ok(a) => a,
            Err(e) if unsupported(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        if set == 0 {
            // [set selector, encoding, length, 14 bytes]; a BMC that sends
            // fewer has an empty string (bmc-info's reading).
            length = answer.data.get(2).map(|&l| usize::from(l));
            have += answer.data.len().saturating_sub(3);
        } else {
            have += answer.data.len().saturating_sub(1);
        }
        sets.push(answer.data);
        if have >= length.unwrap_or(0) {
            break;
        }
    }
    Ok(Some(assemble_string(&sets)))
}

fn unsupported(e: &LinkError) -> bool {
    matches!(
        e.completion_code(),
        Some(CompletionCode::INVALID_COMMAND | CompletionCode::INVALID_DATA_FIELD)
            | Some(CompletionCode(0x80))
    )
}

/// The exporter keeps the leading digits and dots of a version.
fn leading_version(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect()
}

/// bmc-info's `major.minor` (minor byte in two lowercase hex digits, as it
/// is BCD) cut to its leading digits and dots, as the exporter's pattern does.
fn firmware_revision(id: &DeviceId) -> String {
    leading_version(&format!("{}.{:02x}", id.firmware_major, id.firmware_minor))
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

    #[test]
    fn system_firmware_version_keeps_leading_digits_and_dots() {
        assert_eq!(leading_version("2.17.1 build 20240611"), "2.17.1");
        assert_eq!(leading_version("V1.2"), "");
        assert_eq!(leading_version(""), "");
    }
}
