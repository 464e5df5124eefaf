//! The text of a system event (IPMI 2.0 §42.1 table 42-2 generic offsets,
//! §42.2 table 42-3 sensor-specific offsets), chosen the way ipmitool's
//! `sel list` chooses it. The tables themselves are the sensor states'
//! ([`crate::sensor::event_states`]): one table serves `sdr elist` and
//! the SEL.

use super::sel::SystemEvent;
use crate::sensor::names::event_entries;

/// The class name of event/reading type `code` (IPMI 2.0 §42.1, table
/// 42-1), in ipmitool's words. ipmitool 1.8.19 calls 0Ch "Reserved"; the
/// spec makes it generic, as here.
pub fn event_type_name(code: u8) -> &'static str {
    match code {
        0x00 => "Unspecified",
        0x01 => "Threshold",
        0x02..=0x0c => "Generic Discrete",
        0x6f => "Sensor-specific Discrete",
        0x70..=0x7f => "OEM",
        _ => "Reserved",
    }
}

/// The event's description, e.g. "Upper Critical going high" or "Power
/// Supply AC lost": the first entry, in table order, for its offset whose
/// event data 2 is "any" or, when event data 1 says byte 2 is specified
/// (bits 7:6 non-zero), equals event data 2. `None` when the tables have
/// no text (OEM types, undefined offsets). The words are ipmitool's, with
/// their trailing blank where ipmitool has one ("... going low ").
pub fn event_description(event: &SystemEvent) -> Option<&'static str> {
    let data2_given = event.data[0] & 0xc0 != 0;
    event_entries(event.sensor_type, event.event_type)
        .filter(|s| s.offset == event.offset())
        .find(|s| match s.data2 {
            None => true,
            Some(d) => data2_given && d == event.data[1],
        })
        .map(|s| s.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::sel::GeneratorId;

    fn event(sensor_type: u8, event_type: u8, data: [u8; 3]) -> SystemEvent {
        SystemEvent {
            timestamp: 0,
            generator: GeneratorId(0x20),
            evm_rev: 4,
            sensor_type,
            sensor_number: 1,
            deassertion: false,
            event_type,
            data,
        }
    }

    #[test]
    fn generic_and_sensor_specific() {
        // Threshold, offset 9 (§42.1): upper critical going high.
        let e = event(0x01, 0x01, [0x59, 0x5a, 0x50]);
        assert_eq!(event_description(&e), Some("Upper Critical going high"));
        // ipmitool's "going low " wording keeps its trailing blank.
        let e = event(0x01, 0x01, [0x52, 0, 0]);
        assert_eq!(event_description(&e), Some("Lower Critical going low "));
        // Power supply (08h), offset 3.
        let e = event(0x08, 0x6f, [0x03, 0xff, 0xff]);
        assert_eq!(event_description(&e), Some("Power Supply AC lost"));
        // Offset 6 with event data 2 given (bits 7:6 = 11b) picks the detail.
        let e = event(0x08, 0x6f, [0xc6, 0x01, 0xff]);
        assert_eq!(
            event_description(&e),
            Some("Config Error: Revision Mismatch")
        );
        // ... and without it the general wording.
        let e = event(0x08, 0x6f, [0x06, 0x01, 0xff]);
        assert_eq!(event_description(&e), Some("Config Error"));
        assert_eq!(event_type_name(0x6f), "Sensor-specific Discrete");
        assert_eq!(
            (event_type_name(0x01), event_type_name(0x0d)),
            ("Threshold", "Reserved")
        );
        // OEM event/reading type: no standard text.
        assert_eq!(event_description(&event(0x08, 0x70, [0, 0, 0])), None);
        // Undefined offset.
        assert_eq!(event_description(&event(0x08, 0x6f, [0x0e, 0, 0])), None);
    }
}
