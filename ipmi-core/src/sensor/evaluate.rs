//! What one Get Sensor Reading answer means for one sensor record, the way
//! ipmitool decides it: whether there is a reading, its value and unit,
//! the threshold status word, the asserted discrete states (IPMI 2.0
//! §35.14, §36.3, §42).

use super::{state_names, Threshold, ThresholdMask, Units, Value};
use crate::cmd::{ReadingFactors, SensorReading};
use crate::record::sdr::Sdr;

/// Whether a reading is there to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Availability {
    /// A valid reading.
    Valid,
    /// Scanning is disabled (ipmitool: "disabled" / "Disabled").
    ScanningDisabled,
    /// No reading: refused, unavailable, or a non-linear sensor without
    /// its reading factors (ipmitool: "no reading" / "No Reading").
    NoReading,
}

/// A sensor's reading evaluated against its record.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Evaluation {
    /// Whether there is a reading.
    pub availability: Availability,
    /// Threshold sensor (event/reading type 01h).
    pub threshold_sensor: bool,
    /// The converted value of an analog threshold sensor with a valid reading.
    pub value: Option<Value>,
    /// The units of an analog sensor that answered with scanning enabled
    /// (ipmitool shows them even when the reading is unavailable).
    pub units: Option<Units>,
    /// The raw reading byte, when valid.
    pub raw: Option<u8>,
    /// Threshold comparison status (threshold sensors with a valid reading).
    pub comparison: ThresholdMask,
    /// State bytes 1 and 2 as received (discrete sensors; ipmitool's `0x%02x%02x`).
    pub state_bytes: [u8; 2],
    /// Asserted discrete states, bits 0–14.
    pub states: u16,
    sensor_type: u8,
    event_type: u8,
}

impl Evaluation {
    /// Evaluates `reading` (`None` when Get Sensor Reading failed) for
    /// the full or compact sensor `body`; `factors` are the answer of Get
    /// Sensor Reading Factors for a non-linear sensor. `None` for records
    /// that are not readable sensors.
    pub fn new(
        body: &Sdr,
        reading: Option<&SensorReading>,
        factors: Option<&ReadingFactors>,
    ) -> Option<Evaluation> {
        let common = body.sensor_common()?;
        let mut availability = match reading {
            Some(r) if r.scanning_disabled() => Availability::ScanningDisabled,
            Some(r) if r.valid_raw().is_some() => Availability::Valid,
            _ => Availability::NoReading,
        };
        let mut value = None;
        let mut units = None;
        if let (Sdr::Full(f), Some(r)) = (body, reading) {
            let conv = match (f.conversion.needs_reading_factors(), factors) {
                (false, _) => Some(f.conversion),
                (true, Some(rf)) => Some(f.conversion.with_factors(rf.factors)),
                (true, None) => None,
            };
            if f.has_analog() && conv.is_some() && !r.scanning_disabled() {
                units = Some(common.units);
            }
            if f.has_analog() && availability == Availability::Valid {
                match conv.and_then(|c| c.convert(r.raw)) {
                    Some(v) => {
                        value = Some(Value {
                            raw: r.raw,
                            value: v,
                            units: common.units,
                        })
                    }
                    None => availability = Availability::NoReading,
                }
            }
        }
        let valid = availability == Availability::Valid;
        let r = reading.filter(|_| valid);
        Some(Evaluation {
            availability,
            threshold_sensor: common.is_threshold(),
            value,
            units,
            raw: r.map(|r| r.raw),
            comparison: r.map_or(ThresholdMask(0), SensorReading::threshold_status),
            state_bytes: r.map_or([0, 0], |r| [r.state1.unwrap_or(0), r.state2.unwrap_or(0)]),
            states: r.map_or(0, SensorReading::discrete_states),
            sensor_type: common.sensor_type,
            event_type: common.event_type,
        })
    }

    /// ipmitool's status column of `sdr list` / `sensor list`: "ok", "nc",
    /// "cr", "nr" for threshold sensors, "ok" for discrete ones, "ns"
    /// without a reading.
    pub fn status(&self) -> &'static str {
        match (self.availability, self.threshold_sensor) {
            (Availability::Valid, true) => self.comparison.word(),
            (Availability::Valid, false) => "ok",
            _ => "ns",
        }
    }

    /// The `sdr elist` status column: "lnr", "ucr", ... for a crossed
    /// threshold, else as [`Evaluation::status`].
    pub fn extended_status(&self) -> &'static str {
        match (self.availability, self.comparison.worst()) {
            (Availability::Valid, Some(t)) if self.threshold_sensor => Threshold::abbreviation(t),
            _ => self.status(),
        }
    }

    /// The names of the asserted discrete states (table order).
    pub fn state_names(&self) -> Vec<&'static str> {
        state_names(self.sensor_type, self.event_type, self.states)
    }
}
