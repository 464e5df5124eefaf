//! `dcmi`: Get Power Reading, system power statistics (DCMI 1.5 §6.6.1),
//! as `ipmi-dcmi --get-system-power-statistics` reads it.

use ipmi_core::cmd::dcmi::GetPowerReading;

use super::{CollectError, Context};
use crate::link::Link;
use crate::metric::{Sample, DCMI_POWER};

/// The current power when the measurement is active (state bit 6); no
/// sample, but success, when it is not ("Not Available"). A BMC without
/// DCMI refuses the command: the collector is down.
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let reading = link
        .execute(&GetPowerReading::default(), ctx.deadline)
        .await?;
    if reading.active() {
        out.push(Sample::plain(&DCMI_POWER, f64::from(reading.current)));
    }
    Ok(())
}
