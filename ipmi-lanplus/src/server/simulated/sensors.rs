//! The simulated BMC's sensors (IPMI 2.0 §35, §36, §42, §43): their
//! records, built from ipmi-core's typed SDRs, and readings that follow
//! the virtual clock and chassis power, never the wall clock.
//!
//! The model, in whole seconds of virtual time:
//! - CPU Temp: 30 °C while off; while on, 40 °C plus a triangle wave of
//!   period [`CPU_PERIOD_S`] rising 1 °C every 10 s to 85 °C (upper
//!   non-critical at 80 °C is crossed 400 s after power-on).
//! - Inlet Temp: 22 °C while off; 22–25 °C while on, one step a minute.
//! - FAN1, FAN2: reading unavailable while off; 6000–6150 RPM while on.
//!   FAN2 fails (0 RPM, below its critical threshold) once the chassis has
//!   been on for [`FAN2_LIFETIME_S`] seconds in all.
//! - 12V, 5V: unavailable while off; 3.3V (standby) always read; a
//!   one-count ripple each second while on.
//! - PS1 Status: presence detected; failure detected from
//!   [`PSU_FAILS_AT_S`] seconds after the BMC started.
//! - Intrusion: chassis closed (no state asserted).
//!
//! While the chassis is off every reading is constant.
//!
//! Each second is sampled in order ([`Sensors::run_to`]): a threshold
//! crossed (with hysteresis) or a discrete state that changes writes a
//! system event (IPMI 2.0 §29.7, §32.1) stamped with that second.

use ipmi_core::cmd::{
    ReadingFactors, SensorEvents, SensorHysteresis, SensorReading, SensorThresholds,
};
use ipmi_core::record::sdr::{
    CompactSensor, Entity, FullSensor, IdString, Record, Sdr, SensorCommon, SensorKey, Sharing,
    SDR_VERSION, THRESHOLD_EVENT_TYPE,
};
use ipmi_core::record::sel::{GeneratorId, SystemEvent};
use ipmi_core::sensor::{
    AnalogFormat, Conversion, Linearization, RateUnit, Threshold, ThresholdMask, UnitModifier,
    Units,
};

/// The BMC's IPMB slave address: owner of every sensor (IPMI 2.0 §43.1).
pub(super) const BMC_ADDR: u8 = 0x20;
/// CPU temperature triangle period (s).
pub const CPU_PERIOD_S: u64 = 900;
/// Powered-on seconds after which FAN2 fails.
pub const FAN2_LIFETIME_S: u64 = 3;
/// Virtual second at which PS1 reports a failure.
pub const PSU_FAILS_AT_S: u64 = 1800;
/// Sensor numbers.
pub const CPU_TEMP: u8 = 0x01;
/// Inlet temperature sensor number.
pub const INLET_TEMP: u8 = 0x02;
/// FAN1 sensor number.
pub const FAN1: u8 = 0x10;
/// FAN2 (the one that fails) sensor number.
pub const FAN2: u8 = 0x11;
/// 12 V rail sensor number.
pub const V12: u8 = 0x20;
/// 5 V rail sensor number.
pub const V5: u8 = 0x21;
/// 3.3 V standby rail sensor number.
pub const V3_3: u8 = 0x22;
/// Power supply status sensor number.
pub const PSU: u8 = 0x30;
/// Chassis intrusion sensor number.
pub const INTRUSION: u8 = 0x40;

/// Event message revision of IPMI 2.0 (IPMI 2.0 §29.7).
const EVM_REV: u8 = 0x04;
/// Sensor initialization: scanning, events, thresholds, hysteresis,
/// type, and both enabled by default (IPMI 2.0 §43.1 byte 11).
const INIT: u8 = 0x7f;
/// Auto re-arm, hysteresis and thresholds readable, per-threshold event
/// control (IPMI 2.0 §43.1 byte 12).
const THRESHOLD_CAPS: u8 = 0x54;
/// Auto re-arm only (IPMI 2.0 §43.1 byte 12).
const DISCRETE_CAPS: u8 = 0x40;
/// Sensor-specific event/reading type (IPMI 2.0 table 42-1).
const SENSOR_SPECIFIC: u8 = 0x6f;
/// A gap longer than this (virtual seconds) is not sampled second by
/// second: only its last [`MAX_CATCH_UP_S`] seconds are.
const MAX_CATCH_UP_S: u64 = 86_400;

/// Where the virtual machine is, one whole second of virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Moment {
    /// Seconds since the BMC started.
    pub t: u64,
    /// Seconds since the chassis last powered on, while it is on.
    pub on_for: Option<u64>,
    /// Powered-on seconds in all.
    pub on_total: u64,
}

/// One sensor's value at a moment: raw byte, whether it is available, and
/// for discrete sensors the asserted states (IPMI 2.0 §35.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Read {
    raw: u8,
    available: bool,
    states: u16,
}

/// A threshold sensor's description.
struct Analog {
    number: u8,
    name: &'static str,
    sensor_type: u8,
    entity: (u8, u8),
    base_unit: u8,
    m: i16,
    r_exp: i8,
    /// Raw thresholds in [`Threshold::ALL`] order; `None`: not provided.
    thresholds: [Option<u8>; 6],
    hysteresis: u8,
}

/// A discrete (sensor-specific) sensor's description.
struct Discrete {
    number: u8,
    name: &'static str,
    sensor_type: u8,
    entity: (u8, u8),
    /// States that can be asserted (and generate events).
    mask: u16,
}

/// A fan of the system board: RPM in steps of 50, lower thresholds
/// 1500 (non-critical) and 1000 RPM (critical).
const fn fan(number: u8, name: &'static str, instance: u8) -> Analog {
    Analog {
        number,
        name,
        sensor_type: 0x04,
        entity: (0x1d, instance),
        base_unit: 18,
        m: 50,
        r_exp: 0,
        thresholds: [Some(30), Some(20), None, None, None, None],
        hysteresis: 2,
    }
}

/// A voltage rail of the system board: volts in steps of `m`/100, with
/// lower and upper critical thresholds `[lcr, ucr]` (raw).
const fn volts(number: u8, name: &'static str, m: i16, [lcr, ucr]: [u8; 2]) -> Analog {
    Analog {
        number,
        name,
        sensor_type: 0x02,
        entity: (0x07, 1),
        base_unit: 4,
        m,
        r_exp: -2,
        thresholds: [None, Some(lcr), None, None, Some(ucr), None],
        hysteresis: 1,
    }
}

const ANALOG: [Analog; 7] = [
    Analog {
        number: CPU_TEMP,
        name: "CPU Temp",
        sensor_type: 0x01,
        entity: (0x03, 1),
        base_unit: 1,
        m: 1,
        r_exp: 0,
        thresholds: [None, None, None, Some(80), Some(90), Some(95)],
        hysteresis: 2,
    },
    Analog {
        number: INLET_TEMP,
        name: "Inlet Temp",
        sensor_type: 0x01,
        entity: (0x37, 1),
        base_unit: 1,
        m: 1,
        r_exp: 0,
        thresholds: [None, None, None, Some(35), Some(40), None],
        hysteresis: 1,
    },
    fan(FAN1, "FAN1", 1),
    fan(FAN2, "FAN2", 2),
    volts(V12, "12V", 6, [180, 220]),
    volts(V5, "5V", 3, [150, 183]),
    volts(V3_3, "3.3V", 2, [148, 182]),
];

const DISCRETE: [Discrete; 2] = [
    Discrete {
        number: PSU,
        name: "PS1 Status",
        sensor_type: 0x08,
        entity: (0x0a, 1),
        // Presence detected, failure detected (IPMI 2.0 table 42-3).
        mask: 0x0003,
    },
    Discrete {
        number: INTRUSION,
        name: "Intrusion",
        sensor_type: 0x05,
        entity: (0x17, 1),
        // General chassis intrusion (IPMI 2.0 table 42-3).
        mask: 0x0001,
    },
];

/// The assertion event offset of crossing `t` (lower thresholds going
/// low, upper going high; IPMI 2.0 table 42-2).
fn event_offset(t: Threshold) -> u8 {
    match t {
        Threshold::LowerNonCritical => 0,
        Threshold::LowerCritical => 2,
        Threshold::LowerNonRecoverable => 4,
        Threshold::UpperNonCritical => 7,
        Threshold::UpperCritical => 9,
        Threshold::UpperNonRecoverable => 11,
    }
}

fn is_upper(t: Threshold) -> bool {
    (t as u8) >= 3
}

impl Analog {
    fn readable(&self) -> ThresholdMask {
        ThresholdMask(
            Threshold::ALL
                .iter()
                .filter(|t| self.thresholds[**t as usize].is_some())
                .fold(0, |m, t| m | 1 << (*t as u8)),
        )
    }

    fn event_mask(&self) -> u16 {
        Threshold::ALL
            .iter()
            .filter(|t| self.thresholds[**t as usize].is_some())
            .fold(0, |m, t| m | 1 << event_offset(*t))
    }

    fn conversion(&self) -> Conversion {
        Conversion {
            format: AnalogFormat::Unsigned,
            linearization: Linearization::Linear,
            m: self.m,
            b: 0,
            b_exp: 0,
            r_exp: self.r_exp,
            tolerance: 0,
            accuracy: 0,
            accuracy_exp: 0,
        }
    }

    fn record(&self) -> Sdr {
        let readable = self.readable().0;
        let lower_bits = u16::from(readable & 0x07);
        let upper_bits = u16::from(readable >> 3);
        let events = self.event_mask();
        let mut thresholds = [0u8; 6];
        for t in Threshold::ALL {
            thresholds[t as usize] = self.thresholds[t as usize].unwrap_or(0);
        }
        Sdr::Full(FullSensor {
            common: SensorCommon {
                key: key(self.number),
                entity: entity(self.entity),
                init: INIT,
                capabilities: THRESHOLD_CAPS,
                sensor_type: self.sensor_type,
                event_type: THRESHOLD_EVENT_TYPE,
                // Bits 14:12: which lower (assertion) and upper
                // (deassertion) thresholds the comparison reports.
                assertion_mask: events | lower_bits << 12,
                deassertion_mask: events | upper_bits << 12,
                reading_mask: u16::from(readable),
                units: Units {
                    format: AnalogFormat::Unsigned,
                    rate: RateUnit::None,
                    modifier: UnitModifier::None,
                    percentage: false,
                    base: self.base_unit,
                    modifier_unit: 0,
                },
            },
            conversion: self.conversion(),
            direction: 1,
            analog_flags: 0,
            nominal: 0,
            normal_max: 0,
            normal_min: 0,
            sensor_max: 0xff,
            sensor_min: 0,
            thresholds,
            hysteresis_positive: self.hysteresis,
            hysteresis_negative: self.hysteresis,
            oem: 0,
            id: IdString::latin1(self.name),
        })
    }

    /// Threshold comparison status of `raw` (IPMI 2.0 §35.14 byte 4).
    fn comparison(&self, raw: u8) -> ThresholdMask {
        ThresholdMask(
            Threshold::ALL
                .iter()
                .fold(0, |m, &t| match self.thresholds[t as usize] {
                    Some(th) if (is_upper(t) && raw >= th) || (!is_upper(t) && raw <= th) => {
                        m | 1 << (t as u8)
                    }
                    _ => m,
                }),
        )
    }

    /// The asserted event offsets after reading `raw` with `asserted`
    /// before: a threshold asserts when reached, deasserts once the
    /// reading is back past it by the hysteresis (IPMI 2.0 §36.5).
    fn next_events(&self, raw: u8, asserted: u16) -> u16 {
        Threshold::ALL.iter().fold(asserted, |m, &t| {
            let Some(th) = self.thresholds[t as usize] else {
                return m;
            };
            let bit = 1 << event_offset(t);
            let (reached, cleared) = if is_upper(t) {
                (
                    raw >= th,
                    u16::from(raw) + u16::from(self.hysteresis) < u16::from(th),
                )
            } else {
                (
                    raw <= th,
                    u16::from(raw) > u16::from(th) + u16::from(self.hysteresis),
                )
            };
            if reached {
                m | bit
            } else if cleared {
                m & !bit
            } else {
                m
            }
        })
    }

    fn read(&self, at: &Moment) -> Read {
        // Load ripple: one count a second while on; steady while off.
        let ripple = if at.on_for.is_some() {
            (at.t % 3) as u8
        } else {
            1
        };
        let (raw, available) = match (self.number, at.on_for) {
            (CPU_TEMP, None) => (30, true),
            (CPU_TEMP, Some(s)) => {
                let p = s % CPU_PERIOD_S;
                let rise = if p < CPU_PERIOD_S / 2 {
                    p
                } else {
                    CPU_PERIOD_S - p
                };
                (40 + (rise / 10) as u8, true)
            }
            (INLET_TEMP, None) => (22, true),
            (INLET_TEMP, Some(_)) => (22 + (at.t / 60 % 4) as u8, true),
            (FAN2, Some(_)) if at.on_total >= FAN2_LIFETIME_S => (0, true),
            (FAN1 | FAN2, Some(_)) => (120 + (at.t % 4) as u8, true),
            (V12, Some(_)) => (199 + ripple, true),
            (V5, Some(_)) => (166 + ripple, true),
            (V3_3, _) => (164 + ripple, true),
            _ => (0, false),
        };
        Read {
            raw,
            available,
            states: 0,
        }
    }
}

impl Discrete {
    fn record(&self) -> Sdr {
        Sdr::Compact(CompactSensor {
            common: SensorCommon {
                key: key(self.number),
                entity: entity(self.entity),
                init: INIT,
                capabilities: DISCRETE_CAPS,
                sensor_type: self.sensor_type,
                event_type: SENSOR_SPECIFIC,
                assertion_mask: self.mask,
                deassertion_mask: self.mask,
                reading_mask: self.mask,
                units: Units {
                    format: AnalogFormat::Unsigned,
                    rate: RateUnit::None,
                    modifier: UnitModifier::None,
                    percentage: false,
                    base: 0,
                    modifier_unit: 0,
                },
            },
            sharing: Sharing::default(),
            hysteresis_positive: 0,
            hysteresis_negative: 0,
            oem: 0,
            id: IdString::latin1(self.name),
        })
    }

    fn read(&self, at: &Moment) -> Read {
        let states = match self.number {
            PSU if at.t >= PSU_FAILS_AT_S => 0x0003,
            PSU => 0x0001,
            _ => 0,
        };
        Read {
            raw: 0,
            available: true,
            states,
        }
    }
}

fn key(number: u8) -> SensorKey {
    SensorKey {
        owner_id: BMC_ADDR,
        lun: 0,
        channel: 0,
        number,
    }
}

fn entity((id, instance): (u8, u8)) -> Entity {
    Entity {
        id,
        instance,
        logical: false,
    }
}

/// The sensor records, in sensor-number order (record IDs are given by the repository).
pub(super) fn records() -> Vec<Sdr> {
    ANALOG
        .iter()
        .map(Analog::record)
        .chain(DISCRETE.iter().map(Discrete::record))
        .collect()
}

/// The sensors' event state and where sampling has got to.
#[derive(Clone, Debug, Default)]
pub(super) struct Sensors {
    /// The last second sampled.
    sampled: Option<u64>,
    /// Asserted event offsets per sensor ([`ANALOG`] then [`DISCRETE`]).
    asserted: [u16; ANALOG.len() + DISCRETE.len()],
}

impl Sensors {
    /// Samples every second after the last one sampled up to `to` (at
    /// most the last [`MAX_CATCH_UP_S`]), returning the events their
    /// changes raise with the second each happened. `moment` gives the
    /// machine's state at a second. The first sample sets the baseline
    /// without events.
    pub(super) fn run_to(
        &mut self,
        to: u64,
        moment: impl Fn(u64) -> Moment,
    ) -> Vec<(u64, SystemEvent)> {
        let mut events = Vec::new();
        let from = match self.sampled {
            None => {
                let at = moment(to);
                for (i, a) in ANALOG.iter().enumerate() {
                    let r = a.read(&at);
                    if r.available {
                        self.asserted[i] = a.next_events(r.raw, 0);
                    }
                }
                for (i, d) in DISCRETE.iter().enumerate() {
                    self.asserted[ANALOG.len() + i] = d.read(&at).states & d.mask;
                }
                self.sampled = Some(to);
                return events;
            }
            Some(last) if last >= to => return events,
            Some(last) => (last + 1).max(to.saturating_sub(MAX_CATCH_UP_S)),
        };
        for s in from..=to {
            let at = moment(s);
            for (i, a) in ANALOG.iter().enumerate() {
                let r = a.read(&at);
                if !r.available {
                    continue;
                }
                let before = self.asserted[i];
                let after = a.next_events(r.raw, before);
                for t in Threshold::ALL {
                    let offset = event_offset(t);
                    let bit = 1 << offset;
                    if (before ^ after) & bit != 0 {
                        let th = a.thresholds[t as usize].unwrap_or(0);
                        events.push((
                            s,
                            event(
                                a.sensor_type,
                                a.number,
                                THRESHOLD_EVENT_TYPE,
                                after & bit == 0,
                                // Trigger reading in byte 2, threshold in byte 3.
                                [0x50 | offset, r.raw, th],
                            ),
                        ));
                    }
                }
                self.asserted[i] = after;
            }
            for (i, d) in DISCRETE.iter().enumerate() {
                let before = self.asserted[ANALOG.len() + i];
                let after = d.read(&at).states & d.mask;
                for offset in 0..15u8 {
                    let bit = 1u16 << offset;
                    if (before ^ after) & bit != 0 {
                        events.push((
                            s,
                            event(
                                d.sensor_type,
                                d.number,
                                SENSOR_SPECIFIC,
                                after & bit == 0,
                                [offset, 0xff, 0xff],
                            ),
                        ));
                    }
                }
                self.asserted[ANALOG.len() + i] = after;
            }
        }
        self.sampled = Some(to);
        events
    }
}

fn event(
    sensor_type: u8,
    number: u8,
    event_type: u8,
    deassertion: bool,
    data: [u8; 3],
) -> SystemEvent {
    SystemEvent {
        timestamp: 0,
        generator: GeneratorId(u16::from(BMC_ADDR)),
        evm_rev: EVM_REV,
        sensor_type,
        sensor_number: number,
        deassertion,
        event_type,
        data,
    }
}

fn analog(number: u8) -> Option<&'static Analog> {
    ANALOG.iter().find(|a| a.number == number)
}

fn discrete(number: u8) -> Option<&'static Discrete> {
    DISCRETE.iter().find(|d| d.number == number)
}

/// Flags byte: event messages and scanning enabled, plus "reading
/// unavailable" (IPMI 2.0 §35.14 byte 3).
fn flags(available: bool) -> u8 {
    0xc0 | if available { 0 } else { 0x20 }
}

/// Get Sensor Reading's answer for sensor `number` at `at`; `None` for
/// no such sensor (IPMI 2.0 §35.14).
pub(super) fn reading(number: u8, at: &Moment) -> Option<SensorReading> {
    if let Some(a) = analog(number) {
        let r = a.read(at);
        let status = if r.available {
            a.comparison(r.raw).0
        } else {
            0
        };
        return Some(SensorReading {
            raw: r.raw,
            flags: flags(r.available),
            state1: Some(status),
            state2: None,
        });
    }
    let d = discrete(number)?;
    let r = d.read(at);
    Some(SensorReading {
        raw: r.raw,
        flags: flags(r.available),
        state1: Some((r.states & 0xff) as u8),
        state2: Some(((r.states >> 8) & 0x7f) as u8),
    })
}

/// Get Sensor Thresholds' answer (threshold sensors only; IPMI 2.0 §35.9).
pub(super) fn thresholds(number: u8) -> Option<SensorThresholds> {
    let a = analog(number)?;
    let mut raw = [0u8; 6];
    for t in Threshold::ALL {
        raw[t as usize] = a.thresholds[t as usize].unwrap_or(0);
    }
    Some(SensorThresholds {
        readable: a.readable(),
        raw,
    })
}

/// Get Sensor Hysteresis' answer (threshold sensors only; IPMI 2.0 §35.7).
pub(super) fn hysteresis(number: u8) -> Option<SensorHysteresis> {
    let a = analog(number)?;
    Some(SensorHysteresis {
        positive: a.hysteresis,
        negative: a.hysteresis,
    })
}

/// Get Sensor Reading Factors' answer: the record's linear factors, the
/// same for every reading (IPMI 2.0 §35.5).
pub(super) fn reading_factors(number: u8) -> Option<ReadingFactors> {
    let a = analog(number)?;
    let bytes = a.conversion().to_bytes(0);
    let mut factors = [0u8; 6];
    factors.copy_from_slice(&bytes[1..7]);
    Some(ReadingFactors {
        next_reading: 0xff,
        factors,
    })
}

/// Get Sensor Event Enable's answer: every event the record lists is
/// enabled (IPMI 2.0 §35.11).
pub(super) fn event_enable(number: u8) -> Option<SensorEvents> {
    let mask = match (analog(number), discrete(number)) {
        (Some(a), _) => a.event_mask(),
        (_, Some(d)) => d.mask,
        _ => return None,
    };
    Some(SensorEvents {
        flags: 0xc0,
        assertions: mask,
        deassertions: mask,
    })
}

/// Record bodies as records with SDR version 51h and IDs from 1.
pub(super) fn with_ids(bodies: Vec<Sdr>) -> Vec<Record> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Record {
            record_id: (i + 1) as u16,
            version: SDR_VERSION,
            body,
        })
        .collect()
}
