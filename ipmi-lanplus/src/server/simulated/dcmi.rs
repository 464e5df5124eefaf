//! The DCMI family of the simulated BMC: Get DCMI Capabilities Info, Get
//! Power Reading (readings that move with `now`) and the management
//! controller identifier string (DCMI 1.5 §6.1.1, §6.6.1, §6.4.6).

use std::time::Instant;

use ipmi_core::cmd::dcmi::{
    DcmiCapabilities, GetDcmiCapabilities, GetMcIdString, GetPowerReading, McIdChunk, PowerReading,
    SetMcIdString,
};
use ipmi_core::CompletionCode;

use super::{encoded, Answer, SimulatedBmc};

/// DCMI: parameter not supported (DCMI 1.5 table 6-1; 80h).
const CC_PARAM_UNSUPPORTED: CompletionCode = CompletionCode(0x80);
/// Parameter out of range (IPMI 2.0 table 5-2; C9h).
const CC_OUT_OF_RANGE: CompletionCode = CompletionCode(0xc9);
/// Longest identifier string, NUL included (DCMI 1.5 §6.4.6.1).
const MAX_MC_ID: usize = 64;
/// Power samples: one a second, `BASE_WATTS + (second % SWING)` watts.
const BASE_WATTS: u16 = 200;
const SWING: u64 = 100;
/// The statistics period covers at most the last hour (in seconds).
const MAX_PERIOD_S: u64 = 3600;
/// Timestamp of the first second of the virtual clock (2026-01-01T00:00:00Z):
/// the BMC's clock is `now`, never the wall clock.
const EPOCH_UNIX: u32 = 1_767_225_600;

/// Watts drawn in second `s` of the virtual clock.
fn watts(s: u64) -> u16 {
    BASE_WATTS + (s % SWING) as u16
}

impl SimulatedBmc {
    /// Get DCMI Capabilities Info (DCMI 1.5 §6.1.1, tables 6-2..6-6), DCMI 1.5, parameter revision 2.
    pub(super) fn dcmi_capabilities(&self, data: &[u8]) -> Answer {
        let Some(req) = GetDcmiCapabilities::parse_request(data) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        let data = match req.selector {
            // Identification and chassis power; power management; in-band
            // KCS and primary LAN. ipmitool and FreeIPMI both read these
            // three bytes right after the parameter revision.
            1 => vec![0x05, 0x01, 0x09],
            // SEL: no entries, no flush; identification attributes; no temperature sampling.
            2 => vec![0x00, 0x00, 0x00, 0x00],
            // Power management controller at 20h, channel 0 revision 0.
            3 => vec![0x20, 0x00],
            // Primary LAN channel; no secondary LAN, no serial.
            4 => vec![self.lan_channel, 0xff, 0xff],
            // No rolling averaging periods.
            5 => vec![0x00],
            _ => return (CompletionCode::INVALID_DATA_FIELD, vec![]),
        };
        let caps = DcmiCapabilities {
            major: 1,
            minor: 5,
            revision: 2,
            data,
        };
        encoded(|out| caps.encode(out))
    }

    /// Get Power Reading (DCMI 1.5 §6.6.1), system power statistics mode:
    /// current, minimum, maximum and average over the period since the
    /// first request (at most the last hour), one sample a second.
    pub(super) fn power_reading(&self, data: &[u8], now: Instant) -> Answer {
        let Some(req) = GetPowerReading::parse_request(data) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        if req.rolling_period.is_some() {
            return (CC_PARAM_UNSUPPORTED, vec![]);
        }
        let second = self.uptime(now).as_secs();
        let first = second.saturating_sub(MAX_PERIOD_S);
        let samples = (first..=second).map(watts);
        let (min, max, sum) = samples.fold((u16::MAX, 0, 0u64), |(lo, hi, sum), w| {
            (lo.min(w), hi.max(w), sum + u64::from(w))
        });
        let count = second - first + 1;
        let reading = PowerReading {
            current: watts(second),
            minimum: min,
            maximum: max,
            average: u16::try_from(sum / count).unwrap_or(u16::MAX),
            timestamp: EPOCH_UNIX.saturating_add(u32::try_from(second).unwrap_or(u32::MAX)),
            period_ms: u32::try_from((second - first) * 1000).unwrap_or(u32::MAX),
            state: 0x40,
        };
        encoded(|out| reading.encode(out))
    }

    /// Get Management Controller Identifier String (DCMI 1.5 §6.4.6.1).
    pub(super) fn get_mc_id(&self, data: &[u8]) -> Answer {
        let Some(req) = GetMcIdString::parse_request(data) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        if usize::from(req.offset) > self.mc_id.len() {
            return (CC_OUT_OF_RANGE, vec![]);
        }
        let chunk = McIdChunk::for_request(&self.mc_id, &req);
        encoded(|out| chunk.encode(out))
    }

    /// Set Management Controller Identifier String (DCMI 1.5 §6.4.6.2): a NUL ends the string.
    pub(super) fn set_mc_id(&mut self, data: &[u8]) -> Answer {
        let Some(req) = SetMcIdString::parse_request(data) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        let start = usize::from(req.offset);
        let end = start + req.bytes.len();
        if end > MAX_MC_ID || start > self.mc_id.len() || req.bytes.is_empty() {
            return (CC_OUT_OF_RANGE, vec![]);
        }
        if self.mc_id.len() < end {
            self.mc_id.resize(end, 0);
        }
        self.mc_id[start..end].copy_from_slice(&req.bytes);
        if let Some(nul) = self.mc_id.iter().position(|&b| b == 0) {
            self.mc_id.truncate(nul);
        }
        encoded(|out| SetMcIdString::encode_answer((end - 1) as u8, out))
    }
}
