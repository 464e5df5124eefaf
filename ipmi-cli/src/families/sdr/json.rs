//! `--json` of a listing: one object, `{"sensors": [...]}`, one entry per
//! listed record: name, number, owner, entity, type, value, unit, status,
//! asserted states and thresholds (IPMI 2.0 §43, §35.14).

use std::collections::BTreeMap;

use ipmi_core::record::sdr::Sdr;
use ipmi_core::cmd::SdrRepositoryInfo;
use ipmi_core::sensor::{sensor_type_name, Availability, Threshold};
use serde::Serialize;

use super::read::Sensor;
use crate::output::json::line as json_line;

#[derive(Serialize)]
struct Listing {
    sensors: Vec<Entry>,
}

#[derive(Serialize)]
struct Owner {
    address: u8,
    lun: u8,
    channel: u8,
}

#[derive(Serialize)]
struct Entry {
    record_id: u16,
    record_type: &'static str,
    name: String,
    number: Option<u8>,
    owner: Option<Owner>,
    entity: Option<String>,
    #[serde(rename = "type")]
    sensor_type: Option<&'static str>,
    value: Option<f64>,
    unit: Option<String>,
    /// "ok", "nc", "cr", "nr", "ns" (no reading), "disabled".
    status: Option<&'static str>,
    states: Vec<&'static str>,
    thresholds: BTreeMap<&'static str, f64>,
    error: Option<String>,
}

fn record_type(body: &Sdr) -> &'static str {
    match body {
        Sdr::Full(_) => "full",
        Sdr::Compact(_) => "compact",
        Sdr::EventOnly(_) => "event",
        Sdr::McLocator(_) => "mcloc",
        Sdr::FruLocator(_) => "fru",
        Sdr::GenericLocator(_) => "generic",
        _ => "other",
    }
}

fn entry(s: &Sensor) -> Entry {
    let body = &s.record.body;
    let key = body.sensor_key();
    let common = body.sensor_common();
    let ev = s.evaluation.as_ref();
    let mut thresholds = BTreeMap::new();
    if let (Some(t), Sdr::Full(f)) = (&s.thresholds, body) {
        for th in Threshold::ALL {
            if let Some(v) = t.get(th).and_then(|raw| f.conversion.convert(raw)) {
                thresholds.insert(th.abbreviation(), v);
            }
        }
    }
    let entity = super::entity_of(body);
    Entry {
        record_id: s.record.record_id,
        record_type: record_type(body),
        name: body.id_string().map(|i| i.text()).unwrap_or_default(),
        number: key.map(|k| k.number),
        owner: key.map(|k| Owner {
            address: k.owner_id,
            lun: k.lun,
            channel: k.channel,
        }),
        entity: entity.map(|e| format!("{}.{}", e.id, e.instance)),
        sensor_type: common.map(|c| sensor_type_name(c.sensor_type)),
        value: ev.and_then(|e| e.value).map(|v| v.value),
        unit: ev.and_then(|e| e.units).map(|u| u.text()),
        status: ev.map(|e| match e.availability {
            Availability::ScanningDisabled => "disabled",
            _ => e.status(),
        }),
        states: ev
            .filter(|e| !e.threshold_sensor)
            .map(|e| e.state_names())
            .unwrap_or_default(),
        thresholds,
        error: s.failure.clone(),
    }
}

/// The JSON line of a listing.
pub fn render(sensors: &[Sensor]) -> Vec<u8> {
    json_line(&Listing {
        sensors: sensors.iter().map(entry).collect(),
    })
}

#[derive(Serialize)]
struct SensorType {
    code: u8,
    name: &'static str,
}

/// `sdr type list`: `{"sensor_types": [{"code", "name"}...]}`.
pub fn type_list(max: u8) -> Vec<u8> {
    #[derive(Serialize)]
    struct Types {
        sensor_types: Vec<SensorType>,
    }
    json_line(&Types {
        sensor_types: (1..=max)
            .map(|code| SensorType {
                code,
                name: sensor_type_name(code),
            })
            .collect(),
    })
}

/// `sdr info`: the Get SDR Repository Info fields.
pub fn info(i: &SdrRepositoryInfo) -> Vec<u8> {
    #[derive(Serialize)]
    struct Info {
        version: u8,
        record_count: u16,
        free_space: u16,
        last_addition: u32,
        last_erase: u32,
        overflow: bool,
        update_modes: u8,
        delete_supported: bool,
        partial_add_supported: bool,
        reserve_supported: bool,
        allocation_info_supported: bool,
    }
    json_line(&Info {
        version: i.version,
        record_count: i.record_count,
        free_space: i.free_space,
        last_addition: i.last_addition,
        last_erase: i.last_erase,
        overflow: i.overflow(),
        update_modes: i.update_modes(),
        delete_supported: i.supports_delete(),
        partial_add_supported: i.supports_partial_add(),
        reserve_supported: i.supports_reserve(),
        allocation_info_supported: i.supports_allocation_info(),
    })
}

/// `sdr dump FILE`: where and how many records.
pub fn dump(file: &std::path::Path, records: usize) -> Vec<u8> {
    #[derive(Serialize)]
    struct Dump {
        file: String,
        records: usize,
    }
    json_line(&Dump {
        file: file.display().to_string(),
        records,
    })
}
