//! The exchanges of a listing: the repository walk and, per sensor, Get
//! Sensor Reading (+ Reading Factors for a non-linear sensor) and Get
//! Sensor Thresholds, sent to the sensor's owner (bridged when it is not
//! the BMC; IPMI 2.0 §35.14, §35.5, §35.9).

use std::time::Instant;

use ipmi_core::cmd::{
    GetSensorReading, GetSensorReadingFactors, GetSensorThresholds, SensorThresholds,
};
use ipmi_core::record::sdr::{Record, Sdr};
use ipmi_core::sensor::{Availability, Evaluation};
use ipmi_core::walk::{read_sdr_repository, SdrCache, SdrRepository, WalkError, WalkLimits};
use ipmi_core::{Command, Deadline, Request, Response, Target, Transport};

use super::super::{loggable, Exchange};

/// A transport that shows each exchange to a trace (`-vv`).
pub struct Traced<'a, T: Transport> {
    inner: &'a mut T,
    trace: &'a mut dyn FnMut(&Request, &Exchange),
}

impl<'a, T: Transport> Traced<'a, T> {
    /// Wraps `inner`.
    pub fn new(inner: &'a mut T, trace: &'a mut dyn FnMut(&Request, &Exchange)) -> Self {
        Traced { inner, trace }
    }
}

impl<T: Transport> Transport for Traced<'_, T> {
    type Error = T::Error;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, T::Error> {
        let start = Instant::now();
        let result = self.inner.exchange(request, deadline);
        (self.trace)(
            &loggable(request),
            &Exchange {
                response: result.as_ref().ok().cloned(),
                elapsed: start.elapsed(),
            },
        );
        result
    }

    fn default_deadline(&self) -> Deadline {
        self.inner.default_deadline()
    }

    fn default_target(&self) -> Target {
        self.inner.default_target()
    }
}

/// The BMC's SDR repository, as read.
pub fn repository<T: Transport>(
    transport: &mut Traced<'_, T>,
    deadline: Deadline,
) -> Result<SdrCache, WalkError<T::Error>> {
    read_sdr_repository(transport, WalkLimits::default(), deadline)
}

/// The records of `repository`, decoded; a line in `failures` for each
/// record that does not decode (skipped, as ipmitool skips them).
pub fn decode(repository: &SdrRepository, failures: &mut Vec<String>) -> Vec<Record> {
    let mut records = Vec::new();
    for r in repository.decode() {
        match r {
            Ok(r) => records.push(r),
            Err(e) => failures.push(format!("skipped a malformed SDR: {e}")),
        }
    }
    records
}

/// `sensor reading`: a sensor that answered but has no value to print
/// (ipmitool skips it silently).
pub fn no_value(s: &Sensor) -> Option<String> {
    let ev = s.evaluation.as_ref()?;
    if s.failure.is_some() || ev.value.is_some() || !ev.threshold_sensor {
        return None;
    }
    let name = s.record.body.id_string().map(|i| i.text()).unwrap_or_default();
    Some(format!(
        "sensor '{name}': {}",
        match ev.availability {
            Availability::ScanningDisabled => "scanning disabled, no reading",
            _ => "no reading",
        }
    ))
}

/// `sensor get`: a sensor that answered without a valid reading (ipmitool
/// prints "Unable to read sensor" and exits 1).
pub fn unreadable(s: &Sensor) -> Option<String> {
    let ev = s.evaluation.as_ref()?;
    (ev.availability != Availability::Valid).then(|| {
        let name = s.record.body.id_string().map(|i| i.text()).unwrap_or_default();
        format!("sensor '{name}': no reading")
    })
}

/// One listed record with what its sensor answered.
#[derive(Clone, Debug)]
pub struct Sensor {
    /// The record.
    pub record: Record,
    /// The reading evaluated (full and compact sensors).
    pub evaluation: Option<Evaluation>,
    /// The thresholds, when asked for and answered.
    pub thresholds: Option<SensorThresholds>,
    /// Why the sensor could not be read.
    pub failure: Option<String>,
}

/// Reads the sensor of `record` (nothing for other records); `thresholds`:
/// also Get Sensor Thresholds for a full threshold sensor.
pub fn sensor<T: Transport>(
    transport: &mut Traced<'_, T>,
    record: &Record,
    thresholds: bool,
    deadline: Deadline,
) -> Sensor {
    let mut out = Sensor {
        record: record.clone(),
        evaluation: None,
        thresholds: None,
        failure: None,
    };
    // Event-only records name a sensor that has no reading to get.
    let Some(key) = record.body.sensor_common().map(|c| c.key) else {
        return out;
    };
    let target = key.target();
    let reading = run(transport, &GetSensorReading(key.number), target, deadline);
    let mut factors = None;
    if let (Ok(r), Sdr::Full(f)) = (&reading, &record.body) {
        if f.conversion.needs_reading_factors() && r.valid_raw().is_some() {
            let cmd = GetSensorReadingFactors {
                number: key.number,
                reading: r.raw,
            };
            match run(transport, &cmd, target, deadline) {
                Ok(rf) => factors = Some(rf),
                Err(e) => out.failure = Some(failure(record, target, &e)),
            }
        }
    }
    if let Err(e) = &reading {
        out.failure = Some(failure(record, target, e));
    }
    out.evaluation = Evaluation::new(&record.body, reading.as_ref().ok(), factors.as_ref());
    let threshold_sensor = record
        .body
        .sensor_common()
        .is_some_and(|c| c.is_threshold());
    if thresholds && threshold_sensor && matches!(record.body, Sdr::Full(_)) {
        out.thresholds = run(transport, &GetSensorThresholds(key.number), target, deadline).ok();
    }
    out
}

fn run<T: Transport, C: Command>(
    transport: &mut Traced<'_, T>,
    cmd: &C,
    target: Target,
    deadline: Deadline,
) -> Result<C::Output, String> {
    let response = transport
        .exchange(&cmd.request_to(target), deadline)
        .map_err(|e| e.to_string())?;
    cmd.decode(&response).map_err(|e| e.to_string())
}

fn failure(record: &Record, target: Target, error: &str) -> String {
    let name = record.body.id_string().map(|i| i.text()).unwrap_or_default();
    format!(
        "sensor '{name}' (record 0x{:04x}, IPMB 0x{:02x} LUN {} channel {}): {error}",
        record.record_id, target.slave_addr, target.lun, target.channel
    )
}
