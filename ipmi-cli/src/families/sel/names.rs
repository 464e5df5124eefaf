//! The sensor records `sel elist` names events by: the BMC's SDR
//! repository read once ([`read_records`]), and the lookup ipmitool does — a full, compact or event-only
//! record with the event's sensor number, sensor type and generator
//! (owner ID = the generator ID's low byte).

use ipmi_core::record::sdr::{Record, Sdr};
use ipmi_core::record::sel::SystemEvent;

use crate::families::repository::read_records;
use crate::families::{ActionError, Exchanger};

/// The sensor records of the BMC's SDR repository.
#[derive(Clone, Debug, Default)]
pub struct Sensors(Vec<Record>);

impl Sensors {
    /// Walks the BMC's SDR repository ([`read_records`]).
    pub fn read<E>(x: &mut Exchanger<'_, E>) -> Result<Sensors, ActionError<E>> {
        read_records(x).map(Sensors)
    }

    /// The record naming `event`, as ipmitool finds it.
    pub fn find(&self, event: &SystemEvent) -> Option<&Record> {
        let owner = event.generator.0 as u8;
        self.0.iter().find(|r| {
            let (key, sensor_type) = match &r.body {
                Sdr::Full(s) => (s.common.key, s.common.sensor_type),
                Sdr::Compact(s) => (s.common.key, s.common.sensor_type),
                Sdr::EventOnly(s) => (s.key, s.sensor_type),
                _ => return false,
            };
            key.number == event.sensor_number && key.owner_id == owner && sensor_type == event.sensor_type
        })
    }
}

/// What `sel elist` adds to a system event: the sensor's name and, for a
/// threshold event on a full record, the trigger reading and threshold.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Named {
    /// The record's ID string.
    pub name: String,
    /// `Reading 84 > Threshold 80 degrees C` (ipmitool's words).
    pub reading: Option<String>,
}

/// ipmitool's number: no decimals when whole, else two.
fn number(v: f64) -> String {
    if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

impl Named {
    /// The name and reading of `event` from its record.
    pub fn new(record: &Record, event: &SystemEvent) -> Named {
        let name = record.body.id_string().map(|i| i.text()).unwrap_or_default();
        let reading = match &record.body {
            Sdr::Full(s) if event.is_threshold() => {
                let value = |raw: Option<u8>| raw.and_then(|r| s.conversion.convert(r)).unwrap_or(0.0);
                let mut text = format!("Reading {}", number(value(event.trigger_reading())));
                if let Some(t) = event.trigger_threshold() {
                    let above = event.reading_above_threshold().unwrap_or(false);
                    text.push_str(&format!(
                        " {} Threshold {} {}",
                        if above { ">" } else { "<" },
                        number(value(Some(t))),
                        s.common.units.text()
                    ));
                }
                Some(text)
            }
            _ => None,
        };
        Named { name, reading }
    }
}
