//! `ipmi`: the SDR repository (cached per target, walked again only when
//! Get SDR Repository Info's addition/erase timestamps change), then Get
//! Sensor Reading per sensor (bridged to the owning controller), classified
//! and rated as `docs/exporter-rules.md` says (IPMI 2.0 §33.9, §35.14, §43).

use ipmi_core::cmd::{GetSensorReading, SensorReading};
use ipmi_core::record::sdr::{Record, SensorKey};
use ipmi_core::sensor::{sensor_type_name, Availability, Evaluation, Threshold};
use ipmi_core::walk::{refresh_sdr_cache_async, SdrCache, WalkError, WalkLimits};
use ipmi_core::{AsyncTransport, Command, Target};

use super::{CollectError, Context};
use crate::link::{Link, LinkError};
use crate::metric::*;

/// The BMC's slave address (IPMI 2.0 §5.5).
const BMC_SLAVE_ADDR: u8 = Target::bmc().slave_addr;
/// Sensor type code of fans (IPMI 2.0 table 42-3).
const FAN_TYPE: u8 = 0x04;

/// Refreshes `sdr`, reads every sensor and appends its pair of samples.
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    sdr: &mut Option<SdrCache>,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let (cache, _) = refresh_sdr_cache_async(link, sdr.take(), WalkLimits::default(), ctx.deadline)
        .await
        .map_err(walk_error)?;
    let cache = sdr.insert(cache);
    for record in cache.repository.decode() {
        let Ok(record) = record else { continue };
        if ctx
            .exclude_sensor_ids
            .contains(&i64::from(record.record_id))
        {
            continue;
        }
        let Some(key) = record.body.sensor_key() else {
            continue;
        };
        if record.body.sensor_common().is_none() {
            continue;
        }
        // Like ipmimonitoring: a sensor without a reading (refused,
        // unavailable, scanning disabled) is left out.
        let Some(reading) = read(link, key, ctx)
            .await?
            .filter(|r| r.valid_raw().is_some())
        else {
            continue;
        };
        let Some(eval) = Evaluation::new(&record.body, Some(&reading), None) else {
            continue;
        };
        push(&record, &eval, &reading, out);
    }
    Ok(())
}

/// Get Sensor Reading at the sensor's owner; `None` when the BMC refused
/// it (the sensor then reads NaN), an error when the link is in doubt.
async fn read(
    link: &mut Link,
    key: SensorKey,
    ctx: &Context,
) -> Result<Option<SensorReading>, CollectError> {
    let cmd = GetSensorReading(key.number);
    let response = match link
        .exchange(&cmd.request_to(owner(key)), ctx.deadline)
        .await
    {
        Ok(r) => r,
        Err(e) if e.breaks_session() => return Err(e.into()),
        Err(_) => return Ok(None),
    };
    Ok(cmd.decode(&response).ok())
}

/// The controller that owns a sensor: the BMC, or a satellite reached by
/// bridging (owner ID and channel of the record key, IPMI 2.0 §43.1).
fn owner(key: SensorKey) -> Target {
    let addr = if key.is_software_owned() {
        BMC_SLAVE_ADDR
    } else {
        key.owner_id
    };
    Target {
        channel: if addr == BMC_SLAVE_ADDR {
            0
        } else {
            key.channel
        },
        slave_addr: addr,
        lun: key.lun,
    }
}

/// The value and state families of a sensor, and the value's scale.
fn families(
    units_base: Option<(u8, bool)>,
    sensor_type: u8,
) -> Option<(&'static Family, &'static Family, f64)> {
    Some(match units_base? {
        (_, true) if sensor_type == FAN_TYPE => (&FAN_SPEED_RATIO, &FAN_SPEED_STATE, 0.01),
        (_, true) => return None,
        (1, _) => (&TEMPERATURE, &TEMPERATURE_STATE, 1.0),
        (4, _) => (&VOLTAGE, &VOLTAGE_STATE, 1.0),
        (5, _) => (&CURRENT, &CURRENT_STATE, 1.0),
        (6, _) => (&POWER, &POWER_STATE, 1.0),
        (18, _) => (&FAN_SPEED_RPM, &FAN_SPEED_STATE, 1.0),
        _ => return None,
    })
}

fn push(record: &Record, eval: &Evaluation, reading: &SensorReading, out: &mut Vec<Sample>) {
    let common = record.body.sensor_common().expect("checked by the caller");
    let id = record.record_id.to_string();
    let name = record
        .body
        .id_string()
        .map(|s| s.text())
        .unwrap_or_default();
    // FreeIPMI prints two decimals; the Go exporter parses that.
    let value = eval.value.as_ref().map_or(f64::NAN, |v| {
        format!("{:.2}", v.value).parse().unwrap_or(v.value)
    });
    let state = state(eval, reading, common.sensor_type, common.event_type);
    let units = eval
        .threshold_sensor
        .then_some((common.units.base, common.units.percentage));
    match families(units, common.sensor_type) {
        Some((value_family, state_family, scale)) => {
            let labels = vec![("id", id), ("name", name)];
            out.push(Sample {
                family: value_family,
                labels: labels.clone(),
                value: value * scale,
            });
            out.push(Sample {
                family: state_family,
                labels,
                value: state,
            });
        }
        None => {
            let labels = vec![
                ("id", id),
                ("name", name),
                ("type", type_name(common.sensor_type).to_string()),
            ];
            out.push(Sample {
                family: &SENSOR_VALUE,
                labels: labels.clone(),
                value,
            });
            out.push(Sample {
                family: &SENSOR_STATE,
                labels,
                value: state,
            });
        }
    }
}

const NOMINAL: f64 = 0.0;
const WARNING: f64 = 1.0;
const CRITICAL: f64 = 2.0;

/// FreeIPMI's sensor type string where it differs from the library's
/// (ipmitool's) wording (IPMI 2.0 table 42-3).
fn type_name(sensor_type: u8) -> &'static str {
    match sensor_type {
        0x0b => "Other Units Based Sensor",
        0x0d => "Drive Slot",
        t => sensor_type_name(t),
    }
}

/// 0 nominal, 1 warning, 2 critical as FreeIPMI's default interpretation
/// rates a valid reading: a critical or non-recoverable threshold crossed
/// is critical, a non-critical one nominal; discrete states by the table
/// of [`discrete_state`], unlisted states nominal (ipmimonitoring runs
/// with `--ignore-unrecognized-events`).
fn state(eval: &Evaluation, reading: &SensorReading, sensor_type: u8, event_type: u8) -> f64 {
    if eval.availability == Availability::ScanningDisabled {
        return f64::NAN;
    }
    if eval.threshold_sensor {
        let c = reading.threshold_status();
        return if [
            Threshold::LowerCritical,
            Threshold::UpperCritical,
            Threshold::LowerNonRecoverable,
            Threshold::UpperNonRecoverable,
        ]
        .into_iter()
        .any(|t| c.contains(t))
        {
            CRITICAL
        } else {
            NOMINAL
        };
    }
    let mut worst = NOMINAL;
    for offset in (0..15).filter(|o| eval.states & (1 << o) != 0) {
        if let Some(s) = discrete_state(sensor_type, event_type, offset) {
            worst = worst.max(s);
        }
    }
    worst
}

/// The state of one asserted discrete offset: digital state (event type
/// 03h), generic severity (07h), presence (08h), device enabled (09h), and the sensor-specific
/// offsets of processors (07h) and power supplies (08h) (IPMI 2.0 tables
/// 42-2, 42-3). `None`: no rule.
fn discrete_state(sensor_type: u8, event_type: u8, offset: u8) -> Option<f64> {
    Some(match (event_type, sensor_type, offset) {
        (0x03, _, 0) => NOMINAL,
        (0x03, _, 1) => CRITICAL,
        (0x07, _, 0 | 7 | 8) => NOMINAL,
        (0x07, _, 1 | 4) => WARNING,
        (0x07, _, 2 | 3 | 5 | 6) => CRITICAL,
        (0x08, _, 1) | (0x09, _, 1) => NOMINAL,
        (0x08, _, 0) | (0x09, _, 0) => CRITICAL,
        (0x6f, 0x07, 7) => NOMINAL,
        (0x6f, 0x07, 0..=6 | 8 | 10) => CRITICAL,
        (0x6f, 0x08, 0) => NOMINAL,
        (0x6f, 0x08, 2) => WARNING,
        (0x6f, 0x08, 1 | 3..=6) => CRITICAL,
        _ => return None,
    })
}

/// A failed walk: the link's error when the exchange failed, else the answer.
fn walk_error(e: WalkError<LinkError>) -> CollectError {
    match e {
        WalkError::Exchange { source, .. } => CollectError::Link(source),
        other => CollectError::Answer(other.to_string()),
    }
}
