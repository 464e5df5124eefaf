//! Sensor records: Full (01h), Compact (02h) and Event-Only (03h)
//! (IPMI 2.0 §43.1, §43.2, §43.3).

use super::common::{emit_id_string, id_string, Entity, SensorKey, Sharing};
use super::id_string::IdString;
use super::parse::{array, byte, word, Res};
use crate::sensor::{AnalogFormat, Conversion, Threshold, ThresholdMask, Units, Value};

/// The event/reading type code of threshold sensors (IPMI 2.0 §42.1).
pub const THRESHOLD_EVENT_TYPE: u8 = 0x01;

/// What full and compact sensor records share (IPMI 2.0 §43.1 bytes 6–23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorCommon {
    /// Owner and number.
    pub key: SensorKey,
    /// The entity the sensor monitors.
    pub entity: Entity,
    /// Sensor initialization byte (byte 11).
    pub init: u8,
    /// Sensor capabilities byte (byte 12): ignore, auto re-arm, hysteresis, threshold access, event control.
    pub capabilities: u8,
    /// Sensor type code (table 42-3).
    pub sensor_type: u8,
    /// Event/reading type code (table 42-1; 01h = threshold).
    pub event_type: u8,
    /// Assertion event mask / lower threshold reading mask (bytes 15–16).
    pub assertion_mask: u16,
    /// Deassertion event mask / upper threshold reading mask (bytes 17–18).
    pub deassertion_mask: u16,
    /// Discrete reading mask / readable (byte 19) and settable (byte 20) threshold masks.
    pub reading_mask: u16,
    /// Units.
    pub units: Units,
}

impl SensorCommon {
    /// True for a threshold-based sensor (event/reading type 01h).
    pub fn is_threshold(&self) -> bool {
        self.event_type == THRESHOLD_EVENT_TYPE
    }
    /// Thresholds the sensor reports (threshold sensors only).
    pub fn readable_thresholds(&self) -> ThresholdMask {
        ThresholdMask(self.reading_mask as u8 & 0x3f)
    }
    /// Thresholds that can be set (threshold sensors only).
    pub fn settable_thresholds(&self) -> ThresholdMask {
        ThresholdMask((self.reading_mask >> 8) as u8 & 0x3f)
    }
    /// Threshold access support (capabilities bits 3:2): 0 none, 1 readable,
    /// 2 readable and settable, 3 fixed.
    pub fn threshold_access(&self) -> u8 {
        (self.capabilities >> 2) & 3
    }
    /// Hysteresis support (capabilities bits 5:4): 0 none, 1 readable,
    /// 2 readable and settable, 3 fixed.
    pub fn hysteresis_access(&self) -> u8 {
        (self.capabilities >> 4) & 3
    }
    /// Scanning enabled at initialization (init byte bit 6).
    pub fn init_scanning(&self) -> bool {
        self.init & 0x40 != 0
    }
    fn parse(i: &[u8]) -> Res<'_, SensorCommon> {
        let (i, key) = SensorKey::parse(i)?;
        let (i, entity) = Entity::parse(i)?;
        let (i, init) = byte("sensor initialization")(i)?;
        let (i, capabilities) = byte("sensor capabilities")(i)?;
        let (i, sensor_type) = byte("sensor type")(i)?;
        let (i, event_type) = byte("event/reading type")(i)?;
        let (i, assertion_mask) = word("assertion event mask")(i)?;
        let (i, deassertion_mask) = word("deassertion event mask")(i)?;
        let (i, reading_mask) = word("reading mask")(i)?;
        let (i, units) = array::<3>("sensor units")(i)?;
        Ok((
            i,
            SensorCommon {
                key,
                entity,
                init,
                capabilities,
                sensor_type,
                event_type,
                assertion_mask,
                deassertion_mask,
                reading_mask,
                units: Units::from_bytes(units),
            },
        ))
    }
    fn emit(&self, out: &mut Vec<u8>) {
        self.key.emit(out);
        self.entity.emit(out);
        out.extend_from_slice(&[
            self.init,
            self.capabilities,
            self.sensor_type,
            self.event_type,
        ]);
        for m in [
            self.assertion_mask,
            self.deassertion_mask,
            self.reading_mask,
        ] {
            out.extend_from_slice(&m.to_le_bytes());
        }
        out.extend_from_slice(&self.units.to_bytes());
    }
}

/// A Full Sensor Record (type 01h; IPMI 2.0 §43.1, table 43-1).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FullSensor {
    /// Key, entity, type, masks, units.
    pub common: SensorCommon,
    /// Conversion factors and linearization (bytes 24–30).
    pub conversion: Conversion,
    /// Sensor direction (0 unspecified, 1 input, 2 output).
    pub direction: u8,
    /// Analog characteristic flags: bit 0 nominal, 1 normal max, 2 normal min specified.
    pub analog_flags: u8,
    /// Nominal reading (raw).
    pub nominal: u8,
    /// Normal maximum (raw).
    pub normal_max: u8,
    /// Normal minimum (raw).
    pub normal_min: u8,
    /// Sensor maximum reading (raw).
    pub sensor_max: u8,
    /// Sensor minimum reading (raw).
    pub sensor_min: u8,
    /// Raw thresholds in [`Threshold::ALL`] order (LNC, LCR, LNR, UNC, UCR, UNR).
    pub thresholds: [u8; 6],
    /// Positive-going threshold hysteresis (raw).
    pub hysteresis_positive: u8,
    /// Negative-going threshold hysteresis (raw).
    pub hysteresis_negative: u8,
    /// OEM byte.
    pub oem: u8,
    /// The sensor's name.
    pub id: IdString,
}

/// Record order of the threshold bytes 37–42 as [`Threshold`] indices (UNR first).
const RECORD_THRESHOLD_ORDER: [Threshold; 6] = [
    Threshold::UpperNonRecoverable,
    Threshold::UpperCritical,
    Threshold::UpperNonCritical,
    Threshold::LowerNonRecoverable,
    Threshold::LowerCritical,
    Threshold::LowerNonCritical,
];

impl FullSensor {
    /// True when readings convert to numbers: a threshold sensor whose
    /// analog format is not "none" (ipmitool's rule).
    pub fn has_analog(&self) -> bool {
        self.common.is_threshold() && self.common.units.format != AnalogFormat::NoAnalog
    }
    /// Converts raw reading `raw` with this record's factors; `None` when
    /// the sensor has no analog reading, or is non-linear (its factors come
    /// from Get Sensor Reading Factors: convert with
    /// [`Conversion::with_factors`]; ipmitool shows no reading without them).
    pub fn value(&self, raw: u8) -> Option<Value> {
        if !self.has_analog() || self.conversion.needs_reading_factors() {
            return None;
        }
        Some(Value {
            raw,
            value: self.conversion.convert(raw)?,
            units: self.common.units,
        })
    }
    /// The raw value of threshold `t` when the record says it is readable.
    pub fn threshold(&self, t: Threshold) -> Option<u8> {
        self.common
            .readable_thresholds()
            .contains(t)
            .then_some(self.thresholds[t as usize])
    }
    /// The nominal reading (raw) when specified.
    pub fn nominal_reading(&self) -> Option<u8> {
        (self.analog_flags & 1 != 0).then_some(self.nominal)
    }
    /// The normal maximum (raw) when specified.
    pub fn normal_maximum(&self) -> Option<u8> {
        (self.analog_flags & 2 != 0).then_some(self.normal_max)
    }
    /// The normal minimum (raw) when specified.
    pub fn normal_minimum(&self) -> Option<u8> {
        (self.analog_flags & 4 != 0).then_some(self.normal_min)
    }

    pub(crate) fn parse(i: &[u8]) -> Res<'_, FullSensor> {
        let (i, common) = SensorCommon::parse(i)?;
        let (i, factors) = array::<7>("conversion factors")(i)?;
        let (conversion, direction) = Conversion::from_bytes(common.units.format, factors);
        let (i, a) = array::<6>("analog characteristics")(i)?;
        let (i, t) = array::<6>("thresholds")(i)?;
        let mut thresholds = [0u8; 6];
        for (k, th) in RECORD_THRESHOLD_ORDER.iter().enumerate() {
            thresholds[*th as usize] = t[k];
        }
        let (i, h) = array::<2>("hysteresis")(i)?;
        let (i, _reserved) = array::<2>("reserved bytes 45-46")(i)?;
        let (i, oem) = byte("OEM")(i)?;
        let (i, id) = id_string(i)?;
        Ok((
            i,
            FullSensor {
                common,
                conversion,
                direction,
                analog_flags: a[0],
                nominal: a[1],
                normal_max: a[2],
                normal_min: a[3],
                sensor_max: a[4],
                sensor_min: a[5],
                thresholds,
                hysteresis_positive: h[0],
                hysteresis_negative: h[1],
                oem,
                id,
            },
        ))
    }

    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        self.common.emit(out);
        out.extend_from_slice(&self.conversion.to_bytes(self.direction));
        out.extend_from_slice(&[
            self.analog_flags,
            self.nominal,
            self.normal_max,
            self.normal_min,
            self.sensor_max,
            self.sensor_min,
        ]);
        out.extend(
            RECORD_THRESHOLD_ORDER
                .iter()
                .map(|t| self.thresholds[*t as usize]),
        );
        out.extend_from_slice(&[
            self.hysteresis_positive,
            self.hysteresis_negative,
            0,
            0,
            self.oem,
        ]);
        emit_id_string(&self.id, out);
    }
}

/// A Compact Sensor Record (type 02h; IPMI 2.0 §43.2, table 43-2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CompactSensor {
    /// Key, entity, type, masks, units.
    pub common: SensorCommon,
    /// Direction and record sharing.
    pub sharing: Sharing,
    /// Positive-going threshold hysteresis (raw).
    pub hysteresis_positive: u8,
    /// Negative-going threshold hysteresis (raw).
    pub hysteresis_negative: u8,
    /// OEM byte.
    pub oem: u8,
    /// The sensor's name.
    pub id: IdString,
}

impl CompactSensor {
    pub(crate) fn parse(i: &[u8]) -> Res<'_, CompactSensor> {
        let (i, common) = SensorCommon::parse(i)?;
        let (i, sharing) = Sharing::parse(i)?;
        let (i, h) = array::<2>("hysteresis")(i)?;
        let (i, _reserved) = array::<3>("reserved bytes 28-30")(i)?;
        let (i, oem) = byte("OEM")(i)?;
        let (i, id) = id_string(i)?;
        Ok((
            i,
            CompactSensor {
                common,
                sharing,
                hysteresis_positive: h[0],
                hysteresis_negative: h[1],
                oem,
                id,
            },
        ))
    }

    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        self.common.emit(out);
        self.sharing.emit(out);
        out.extend_from_slice(&[
            self.hysteresis_positive,
            self.hysteresis_negative,
            0,
            0,
            0,
            self.oem,
        ]);
        emit_id_string(&self.id, out);
    }
}

/// An Event-Only Record (type 03h; IPMI 2.0 §43.3, table 43-3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventOnlySensor {
    /// Owner and number.
    pub key: SensorKey,
    /// The entity.
    pub entity: Entity,
    /// Sensor type code.
    pub sensor_type: u8,
    /// Event/reading type code.
    pub event_type: u8,
    /// Direction and record sharing.
    pub sharing: Sharing,
    /// OEM byte.
    pub oem: u8,
    /// The sensor's name.
    pub id: IdString,
}

impl EventOnlySensor {
    pub(crate) fn parse(i: &[u8]) -> Res<'_, EventOnlySensor> {
        let (i, key) = SensorKey::parse(i)?;
        let (i, entity) = Entity::parse(i)?;
        let (i, sensor_type) = byte("sensor type")(i)?;
        let (i, event_type) = byte("event/reading type")(i)?;
        let (i, sharing) = Sharing::parse(i)?;
        let (i, _reserved) = byte("reserved byte 15")(i)?;
        let (i, oem) = byte("OEM")(i)?;
        let (i, id) = id_string(i)?;
        Ok((
            i,
            EventOnlySensor {
                key,
                entity,
                sensor_type,
                event_type,
                sharing,
                oem,
                id,
            },
        ))
    }

    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        self.key.emit(out);
        self.entity.emit(out);
        out.extend_from_slice(&[self.sensor_type, self.event_type]);
        self.sharing.emit(out);
        out.extend_from_slice(&[0, self.oem]);
        emit_id_string(&self.id, out);
    }
}
