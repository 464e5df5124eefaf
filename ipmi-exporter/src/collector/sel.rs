//! `sel`: Get SEL Info (IPMI 2.0 §31.2) → entries and free space.

use ipmi_core::cmd::sel::GetSelInfo;

use super::{CollectError, Context};
use crate::link::Link;
use crate::metric::{Sample, SEL_FREE_SPACE, SEL_LOGS_COUNT};

/// Entries (bytes 2-3) and free space in bytes (bytes 4-5).
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let info = link.execute(&GetSelInfo, ctx.deadline).await?;
    out.push(Sample::plain(&SEL_LOGS_COUNT, f64::from(info.record_count)));
    out.push(Sample::plain(&SEL_FREE_SPACE, f64::from(info.free_space)));
    Ok(())
}
