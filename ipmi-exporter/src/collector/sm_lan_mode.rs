//! `sm-lan-mode`: Supermicro's OEM "get LAN mode" (NetFn 30h, cmd 70h,
//! data `0c 00`), which the Go exporter sends through `ipmi-raw`.

use ipmi_core::cmd::Raw;
use ipmi_core::{CompletionCode, NetFn};

use super::{CollectError, Context};
use crate::link::Link;
use crate::metric::{Sample, LAN_MODE};

/// Supermicro's OEM NetFn (IPMI 2.0 table 5-1: 30h-3Fh are OEM/group).
const SUPERMICRO_OEM: NetFn = NetFn(0x30);
/// The LAN mode command and its "get" data.
const LAN_MODE_CMD: u8 = 0x70;
const GET_LAN_MODE: [u8; 2] = [0x0c, 0x00];

/// The mode byte 0 (dedicated), 1 (shared) or 2 (failover); anything else,
/// or a refusal, is an error.
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let request = Raw {
        netfn: SUPERMICRO_OEM,
        cmd: LAN_MODE_CMD,
        data: GET_LAN_MODE.to_vec(),
    };
    let answer = link.execute(&request, ctx.deadline).await?;
    match (answer.completion, answer.data.as_slice()) {
        (CompletionCode::SUCCESS, [mode @ 0..=2]) => {
            out.push(Sample::plain(&LAN_MODE, f64::from(*mode)));
            Ok(())
        }
        (code, data) => Err(CollectError::Answer(format!(
            "LAN mode: completion code 0x{:02x}, data {data:02x?}",
            code.0
        ))),
    }
}
