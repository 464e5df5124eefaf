//! `chassis`: Get Chassis Status (IPMI 2.0 §28.2) → power, drive fault,
//! cooling fault, with the Go exporter's 1/0 senses.

use ipmi_core::cmd::GetChassisStatus;

use super::{CollectError, Context};
use crate::link::Link;
use crate::metric::{Sample, CHASSIS_COOLING_FAULT, CHASSIS_DRIVE_FAULT, CHASSIS_POWER};

/// Power on → 1; no drive fault → 1; no cooling fault → 1.
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let status = link.execute(&GetChassisStatus, ctx.deadline).await?;
    out.push(Sample::flag(&CHASSIS_POWER, status.power_on()));
    out.push(Sample::flag(&CHASSIS_DRIVE_FAULT, !status.drive_fault()));
    out.push(Sample::flag(
        &CHASSIS_COOLING_FAULT,
        !status.cooling_fault(),
    ));
    Ok(())
}
