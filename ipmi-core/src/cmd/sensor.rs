//! Sensor commands: Get Sensor Reading (IPMI 2.0 §35.14), Get Sensor
//! Thresholds (§35.9) and Get Sensor Hysteresis (§35.7), with response
//! encoders for the responder.

use super::support::ident;
use crate::command::expect_data;
use crate::sensor::{Threshold, ThresholdMask};
use crate::{Command, CommandError, NetFn, Response};

/// Get Sensor Reading (NetFn Sensor/Event, cmd 2Dh; IPMI 2.0 §35.14) of
/// sensor `0` at the request's target and LUN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSensorReading(pub u8);

/// The Get Sensor Reading response (IPMI 2.0 §35.14, table 35-15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorReading {
    /// The raw reading byte (byte 2).
    pub raw: u8,
    /// Byte 3: bit 7 event messages enabled, bit 6 scanning enabled, bit 5 reading unavailable.
    pub flags: u8,
    /// Byte 4: threshold comparison status (threshold sensors) or states 0–7 (discrete).
    pub state1: Option<u8>,
    /// Byte 5: discrete states 8–14 (bit 7 reserved); absent for threshold sensors.
    pub state2: Option<u8>,
}

impl SensorReading {
    /// All event messages from this sensor are disabled (byte 3 bit 7 clear).
    pub fn event_messages_disabled(&self) -> bool {
        self.flags & 0x80 == 0
    }
    /// Sensor scanning is disabled (byte 3 bit 6 clear).
    pub fn scanning_disabled(&self) -> bool {
        self.flags & 0x40 == 0
    }
    /// The reading/state is unavailable (byte 3 bit 5 set, e.g. initial update in progress).
    pub fn reading_unavailable(&self) -> bool {
        self.flags & 0x20 != 0
    }
    /// The raw reading when it is valid: scanning enabled and reading available
    /// (ipmitool's rule for showing a value).
    pub fn valid_raw(&self) -> Option<u8> {
        (!self.scanning_disabled() && !self.reading_unavailable()).then_some(self.raw)
    }
    /// Threshold comparison status (byte 4 bits 5:0; IPMI 2.0 §35.14).
    pub fn threshold_status(&self) -> ThresholdMask {
        ThresholdMask(self.state1.unwrap_or(0) & 0x3f)
    }
    /// Discrete state bits 0–14 (byte 4, byte 5 bits 6:0).
    pub fn discrete_states(&self) -> u16 {
        u16::from(self.state1.unwrap_or(0)) | u16::from(self.state2.unwrap_or(0) & 0x7f) << 8
    }
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.raw);
        out.push(self.flags);
        out.extend(self.state1);
        if self.state1.is_some() {
            out.extend(self.state2);
        }
    }
}

impl GetSensorReading {
    /// Decodes a request's data (for the responder): the sensor number.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        data.first().map(|&n| GetSensorReading(n))
    }
}

impl Command for GetSensorReading {
    type Output = SensorReading;
    ident!("Get Sensor Reading", NetFn::SENSOR_EVENT, 0x2D);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.0);
    }
    fn decode(&self, response: &Response) -> Result<SensorReading, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(SensorReading {
            raw: d[0],
            flags: d[1],
            state1: d.get(2).copied(),
            state2: d.get(3).copied(),
        })
    }
}

/// Get Sensor Reading Factors (NetFn Sensor/Event, cmd 23h; IPMI 2.0
/// §35.5): the conversion factors of a non-linear sensor at `reading`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSensorReadingFactors {
    /// Sensor number.
    pub number: u8,
    /// The raw reading the factors are for.
    pub reading: u8,
}

/// The Get Sensor Reading Factors response (IPMI 2.0 §35.5, table 35-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReadingFactors {
    /// The next reading at which the factors change.
    pub next_reading: u8,
    /// M, tolerance, B, accuracy, exponents: the layout of full-record bytes 25–30.
    pub factors: [u8; 6],
}

impl ReadingFactors {
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.next_reading);
        out.extend_from_slice(&self.factors);
    }
}

impl GetSensorReadingFactors {
    /// Decodes a request's data (for the responder): sensor number, reading.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        match data {
            [number, reading, ..] => Some(GetSensorReadingFactors {
                number: *number,
                reading: *reading,
            }),
            _ => None,
        }
    }
}

impl Command for GetSensorReadingFactors {
    type Output = ReadingFactors;
    ident!("Get Sensor Reading Factors", NetFn::SENSOR_EVENT, 0x23);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.number, self.reading]);
    }
    fn decode(&self, response: &Response) -> Result<ReadingFactors, CommandError> {
        let d = expect_data(self, response, 7)?;
        let mut factors = [0u8; 6];
        factors.copy_from_slice(&d[1..7]);
        Ok(ReadingFactors {
            next_reading: d[0],
            factors,
        })
    }
}

/// Get Sensor Event Enable (04h/29h, IPMI 2.0 §35.11) or Get Sensor Event
/// Status (04h/2Bh, §35.13) of sensor `number`: both answer a flags byte
/// and 15-bit assertion and deassertion masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSensorEvents {
    /// Sensor number.
    pub number: u8,
    /// True: Get Sensor Event Status (which events are asserted); false:
    /// Get Sensor Event Enable (which events are enabled).
    pub status: bool,
}

/// A Get Sensor Event Enable / Status response (IPMI 2.0 §35.11, §35.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorEvents {
    /// Byte 1: bit 7 event messages enabled, bit 6 scanning enabled (and for
    /// the status command bit 5 reading unavailable), as in Get Sensor Reading.
    pub flags: u8,
    /// Assertion events 0–14 (absent bytes read as 0).
    pub assertions: u16,
    /// Deassertion events 0–14 (absent bytes read as 0).
    pub deassertions: u16,
}

impl SensorEvents {
    /// The response data bytes (for the responder; all five).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.flags);
        out.extend_from_slice(&(self.assertions & 0x7fff).to_le_bytes());
        out.extend_from_slice(&(self.deassertions & 0x7fff).to_le_bytes());
    }
}

impl GetSensorEvents {
    /// Decodes a request's data (for the responder) of the enable (`status`
    /// false, cmd 29h) or status (cmd 2Bh) command.
    pub fn parse_request(status: bool, data: &[u8]) -> Option<Self> {
        data.first()
            .map(|&number| GetSensorEvents { number, status })
    }
}

impl Command for GetSensorEvents {
    type Output = SensorEvents;
    fn name(&self) -> &'static str {
        if self.status {
            "Get Sensor Event Status"
        } else {
            "Get Sensor Event Enable"
        }
    }
    fn netfn(&self) -> NetFn {
        NetFn::SENSOR_EVENT
    }
    fn cmd(&self) -> u8 {
        if self.status {
            0x2B
        } else {
            0x29
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.number);
    }
    fn decode(&self, response: &Response) -> Result<SensorEvents, CommandError> {
        let d = expect_data(self, response, 1)?;
        let byte = |i: usize| u16::from(d.get(i).copied().unwrap_or(0));
        Ok(SensorEvents {
            flags: d[0],
            assertions: (byte(1) | byte(2) << 8) & 0x7fff,
            deassertions: (byte(3) | byte(4) << 8) & 0x7fff,
        })
    }
}

/// Get Sensor Thresholds (NetFn Sensor/Event, cmd 27h; IPMI 2.0 §35.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSensorThresholds(pub u8);

/// The Get Sensor Thresholds response: which thresholds are readable and
/// their raw values (IPMI 2.0 §35.9, table 35-9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorThresholds {
    /// Readable thresholds.
    pub readable: ThresholdMask,
    /// Raw values in [`Threshold::ALL`] order (LNC, LCR, LNR, UNC, UCR, UNR).
    pub raw: [u8; 6],
}

impl SensorThresholds {
    /// The raw value of `t` when readable.
    pub fn get(&self, t: Threshold) -> Option<u8> {
        self.readable.contains(t).then_some(self.raw[t as usize])
    }
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.readable.0);
        out.extend_from_slice(&self.raw);
    }
}

impl GetSensorThresholds {
    /// Decodes a request's data (for the responder): the sensor number.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        data.first().map(|&n| GetSensorThresholds(n))
    }
}

impl Command for GetSensorThresholds {
    type Output = SensorThresholds;
    ident!("Get Sensor Thresholds", NetFn::SENSOR_EVENT, 0x27);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.0);
    }
    fn decode(&self, response: &Response) -> Result<SensorThresholds, CommandError> {
        let d = expect_data(self, response, 7)?;
        let mut raw = [0u8; 6];
        raw.copy_from_slice(&d[1..7]);
        Ok(SensorThresholds {
            readable: ThresholdMask(d[0] & 0x3f),
            raw,
        })
    }
}

/// Get Sensor Hysteresis (NetFn Sensor/Event, cmd 25h; IPMI 2.0 §35.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSensorHysteresis(pub u8);

/// The raw positive- and negative-going hysteresis (IPMI 2.0 §35.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorHysteresis {
    /// Positive-going threshold hysteresis (raw).
    pub positive: u8,
    /// Negative-going threshold hysteresis (raw).
    pub negative: u8,
}

impl SensorHysteresis {
    /// The response data bytes (for the responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.positive, self.negative]);
    }
}

impl GetSensorHysteresis {
    /// Decodes a request's data (for the responder): the sensor number
    /// (the reserved second byte is not checked).
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        data.first().map(|&n| GetSensorHysteresis(n))
    }
}

impl Command for GetSensorHysteresis {
    type Output = SensorHysteresis;
    ident!("Get Sensor Hysteresis", NetFn::SENSOR_EVENT, 0x25);
    fn encode(&self, out: &mut Vec<u8>) {
        // Byte 2 is reserved; FFh as the specification asks.
        out.extend_from_slice(&[self.0, 0xff]);
    }
    fn decode(&self, response: &Response) -> Result<SensorHysteresis, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(SensorHysteresis {
            positive: d[0],
            negative: d[1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::support::ok;

    #[test]
    fn reading_flags_and_states() {
        let c = GetSensorReading(0xbe);
        let r = c.request();
        assert_eq!(
            (r.netfn, r.cmd, r.data.as_slice()),
            (NetFn(4), 0x2d, &[0xbe][..])
        );
        // 0xc0: events and scanning enabled, reading available.
        let good = c.decode(&ok(&c, &[0x1a, 0xc0, 0x12, 0x80])).unwrap();
        assert_eq!(good.valid_raw(), Some(0x1a));
        assert!(!good.event_messages_disabled() && !good.scanning_disabled());
        assert_eq!(good.threshold_status(), ThresholdMask(0x12));
        assert_eq!(good.discrete_states(), 0x0012);
        let mut d = Vec::new();
        good.encode(&mut d);
        assert_eq!(d, [0x1a, 0xc0, 0x12, 0x80]);
        // Scanning disabled, unavailable, events disabled.
        for (flags, valid) in [(0x80, false), (0xe0, false), (0x40, true)] {
            let r = c.decode(&ok(&c, &[5, flags])).unwrap();
            assert_eq!(r.valid_raw().is_some(), valid, "{flags:#x}");
        }
        assert!(c
            .decode(&ok(&c, &[5, 0x40]))
            .unwrap()
            .event_messages_disabled());
        assert!(c.decode(&ok(&c, &[5])).is_err());
    }

    #[test]
    fn event_enable_and_status() {
        let enable = GetSensorEvents {
            number: 7,
            status: false,
        };
        assert_eq!((enable.cmd(), enable.request().data), (0x29, vec![7]));
        let e = enable
            .decode(&ok(&enable, &[0xc0, 0x95, 0x0a, 0x95, 0x8a]))
            .unwrap();
        assert_eq!((e.assertions, e.deassertions), (0x0a95, 0x0a95));
        let mut d = Vec::new();
        e.encode(&mut d);
        assert_eq!(d, [0xc0, 0x95, 0x0a, 0x95, 0x0a]);
        let status = GetSensorEvents {
            number: 7,
            status: true,
        };
        assert_eq!(status.cmd(), 0x2b);
        let s = status.decode(&ok(&status, &[0xc0, 0x01])).unwrap();
        assert_eq!((s.assertions, s.deassertions), (1, 0));
    }

    #[test]
    fn requests_parse_back() {
        let r = GetSensorReading(0xbe);
        assert_eq!(GetSensorReading::parse_request(&r.request().data), Some(r));
        let f = GetSensorReadingFactors {
            number: 3,
            reading: 0x80,
        };
        assert_eq!(
            GetSensorReadingFactors::parse_request(&f.request().data),
            Some(f)
        );
        let e = GetSensorEvents {
            number: 9,
            status: true,
        };
        assert_eq!(
            GetSensorEvents::parse_request(true, &e.request().data),
            Some(e)
        );
        let t = GetSensorThresholds(4);
        assert_eq!(
            GetSensorThresholds::parse_request(&t.request().data),
            Some(t)
        );
        let h = GetSensorHysteresis(5);
        assert_eq!(
            GetSensorHysteresis::parse_request(&h.request().data),
            Some(h)
        );
        assert_eq!(GetSensorReading::parse_request(&[]), None);
        assert_eq!(GetSensorReadingFactors::parse_request(&[1]), None);
    }

    #[test]
    fn thresholds_and_hysteresis() {
        let c = GetSensorThresholds(3);
        let t = c.decode(&ok(&c, &[0x3b, 1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(t.get(Threshold::LowerNonCritical), Some(1));
        assert_eq!(t.get(Threshold::LowerNonRecoverable), None);
        assert_eq!(t.get(Threshold::UpperNonRecoverable), Some(6));
        let mut d = Vec::new();
        t.encode(&mut d);
        assert_eq!(d, [0x3b, 1, 2, 3, 4, 5, 6]);
        let h = GetSensorHysteresis(3);
        assert_eq!(h.request().data, [3, 0xff]);
        assert_eq!(
            h.decode(&ok(&h, &[2, 1])).unwrap(),
            SensorHysteresis {
                positive: 2,
                negative: 1
            }
        );
    }
}
