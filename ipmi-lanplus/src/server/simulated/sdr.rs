//! The SDR repository and sensor family of the simulated BMC: Get SDR
//! Repository Info, Reserve SDR Repository, Get SDR, and Get Sensor
//! Reading / Thresholds / Hysteresis / Reading Factors / Event Enable
//! (IPMI 2.0 §33.9–§33.12, §35.5–§35.14), all encoded by ipmi-core.

use std::time::Instant;

use ipmi_core::cmd::{
    GetSensorEvents, GetSensorHysteresis, GetSensorReading, GetSensorReadingFactors,
    GetSensorThresholds, RecordStore, SdrRepositoryInfo,
};
use ipmi_core::record::sdr::{Entity, FruLocator, IdString, McLocator, Record, Sdr, SDR_VERSION};
use ipmi_core::walk::SdrRepository;
use ipmi_core::CompletionCode;

use super::dcmi::EPOCH_UNIX;
use super::fru::{BUILTIN_FRU, PSU_FRU};
use super::sensors::{self, BMC_ADDR};
use super::store::{Store, CC_NOT_PRESENT};
use super::{encoded, Answer, SimulatedBmc};

/// Operation support: non-modal updates, Reserve SDR Repository (IPMI 2.0 §33.9 byte 14).
const SDR_OPERATIONS: u8 = 0x22;
/// Free space reported: none (the repository is fixed).
const SDR_FREE: u16 = 0;

/// The repository's records: the sensors, then the BMC's MC locator and
/// the FRU locators of FRU devices 0 and 1 (IPMI 2.0 §43.8, §43.9).
pub(super) fn repository() -> Vec<Record> {
    let mut bodies = sensors::records();
    bodies.push(Sdr::McLocator(McLocator {
        slave_address: BMC_ADDR,
        channel: 0,
        power_state: 0,
        // Sensor device, SDR repository, SEL, FRU inventory, chassis.
        capabilities: 0x8f,
        entity: Entity {
            id: 0x06,
            instance: 1,
            logical: false,
        },
        oem: 0,
        id: IdString::latin1("BMC"),
    }));
    for (device, name, entity) in [
        (BUILTIN_FRU, "Builtin FRU", 0x17),
        (PSU_FRU, "PS1 FRU", 0x0a),
    ] {
        bodies.push(Sdr::FruLocator(FruLocator {
            access_address: BMC_ADDR,
            fru_device_id: device,
            logical: true,
            lun: 0,
            private_bus: 0,
            channel: 0,
            device_type: 0x10,
            device_type_modifier: 0,
            entity: Entity {
                id: entity,
                instance: 1,
                logical: false,
            },
            oem: 0,
            id: IdString::latin1(name),
        }));
    }
    sensors::with_ids(bodies)
}

/// The SDR repository as a [`Store`] of emitted records.
pub(super) fn store() -> Store {
    let mut store = Store::new(RecordStore::SDR_REPOSITORY);
    let records = repository();
    let ids: Vec<u16> = records.iter().map(|r| r.record_id).collect();
    let bytes = SdrRepository::from_records(&records).records;
    store.records = ids.into_iter().zip(bytes).collect();
    store
}

fn unknown() -> Answer {
    (CC_NOT_PRESENT, vec![])
}

fn short() -> Answer {
    (CompletionCode::REQUEST_LENGTH_INVALID, vec![])
}

impl SimulatedBmc {
    /// Get SDR Repository Info (IPMI 2.0 §33.9).
    pub(super) fn sdr_info(&self) -> Answer {
        let info = SdrRepositoryInfo {
            version: SDR_VERSION,
            record_count: self.sdr.records.len() as u16,
            free_space: SDR_FREE,
            last_addition: EPOCH_UNIX,
            last_erase: EPOCH_UNIX,
            operation_support: SDR_OPERATIONS,
        };
        encoded(|out| info.encode(out))
    }

    /// Get Sensor Reading (IPMI 2.0 §35.14).
    pub(super) fn sensor_reading(&self, data: &[u8], now: Instant) -> Answer {
        let Some(GetSensorReading(n)) = GetSensorReading::parse_request(data) else {
            return short();
        };
        match sensors::reading(n, &self.moment_at(now)) {
            Some(r) => encoded(|out| r.encode(out)),
            None => unknown(),
        }
    }

    /// Get Sensor Thresholds (IPMI 2.0 §35.9).
    pub(super) fn sensor_thresholds(&self, data: &[u8]) -> Answer {
        let Some(GetSensorThresholds(n)) = GetSensorThresholds::parse_request(data) else {
            return short();
        };
        sensors::thresholds(n).map_or_else(unknown, |t| encoded(|out| t.encode(out)))
    }

    /// Get Sensor Hysteresis (IPMI 2.0 §35.7).
    pub(super) fn sensor_hysteresis(&self, data: &[u8]) -> Answer {
        let Some(GetSensorHysteresis(n)) = GetSensorHysteresis::parse_request(data) else {
            return short();
        };
        sensors::hysteresis(n).map_or_else(unknown, |h| encoded(|out| h.encode(out)))
    }

    /// Get Sensor Reading Factors (IPMI 2.0 §35.5).
    pub(super) fn sensor_factors(&self, data: &[u8]) -> Answer {
        let Some(req) = GetSensorReadingFactors::parse_request(data) else {
            return short();
        };
        sensors::reading_factors(req.number).map_or_else(unknown, |f| encoded(|out| f.encode(out)))
    }

    /// Get Sensor Event Enable (IPMI 2.0 §35.11).
    pub(super) fn sensor_event_enable(&self, data: &[u8]) -> Answer {
        let Some(req) = GetSensorEvents::parse_request(false, data) else {
            return short();
        };
        sensors::event_enable(req.number).map_or_else(unknown, |e| encoded(|out| e.encode(out)))
    }
}
