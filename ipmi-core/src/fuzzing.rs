//! Entry points of the ipmi-core fuzz targets (`fuzz/fuzz_targets/`) and
//! of their stable replay test (`tests/hostile_sdr.rs`): each takes any
//! bytes and must never panic. Not an API: hidden from the documentation.

use crate::cmd::{GetSensorReading, SensorReading};
use crate::record::sdr::{split_records, Record, Sdr};
use crate::sensor::{entity_name, sensor_type_name, state_names};
use crate::walk::SdrRepository;
use crate::{Command, CompletionCode, Response};

/// SDR decoding: one record (decoded, emitted, decoded again to the same
/// value), a dump of records, the names and conversions a record leads to.
pub fn sdr_records(data: &[u8]) {
    if let Ok(rec) = Record::parse(data) {
        let mut out = Vec::new();
        rec.emit(&mut out);
        let again = Record::parse(&out).expect("an emitted record decodes");
        assert_eq!(again, rec, "emit/parse round trip");
        touch(&rec);
    }
    for r in split_records(data) {
        match r {
            Ok(bytes) => {
                if let Ok(rec) = Record::parse(bytes) {
                    touch(&rec);
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    if let Ok(repo) = SdrRepository::from_bytes(data) {
        assert_eq!(repo.to_bytes(), data, "a dump is its records back to back");
    }
}

/// Everything a printer asks of a record, for every raw byte.
fn touch(rec: &Record) {
    let _ = (
        rec.body
            .id_string()
            .map(|i| (i.text(), i.ipmitool_bytes().len())),
        rec.body.sensor_key(),
    );
    if let Some(c) = rec.body.sensor_common() {
        let _ = (
            sensor_type_name(c.sensor_type),
            entity_name(c.entity.id),
            c.units.text(),
            c.readable_thresholds().word(),
        );
        for states in [0u16, 0x7fff, 0x0155] {
            let _ = state_names(c.sensor_type, c.event_type, states);
        }
    }
    if let Sdr::Full(f) = &rec.body {
        // The edges of every format and the record's own raw values.
        let own = [f.nominal, f.sensor_min, f.sensor_max, f.hysteresis_positive];
        for raw in [0, 1, 0x7f, 0x80, 0xfe, 0xff]
            .into_iter()
            .chain(own)
            .chain(f.thresholds)
        {
            if let Some(v) = f.value(raw) {
                let _ = (
                    v.number(2),
                    f.conversion.delta(raw),
                    f.conversion.to_raw(v.value),
                );
            }
        }
        let _ = f.conversion.tolerance_value();
    }
    if let Sdr::Compact(c) = &rec.body {
        for i in 0..=c.sharing.count {
            let _ = c.sharing.suffix(i);
        }
    }
}

/// Get Sensor Reading's decoder and accessors on any response body
/// (completion code first).
pub fn sensor_reading(data: &[u8]) {
    let Some((&cc, body)) = data.split_first() else {
        return;
    };
    let cmd = GetSensorReading(0);
    let r = Response {
        netfn: cmd.netfn().response(),
        cmd: cmd.cmd(),
        completion: CompletionCode(cc),
        data: body.to_vec(),
    };
    if let Ok(s) = cmd.decode(&r) {
        let s: SensorReading = s;
        let _ = (
            s.valid_raw(),
            s.threshold_status().word(),
            s.discrete_states(),
        );
        let mut out = Vec::new();
        s.encode(&mut out);
        assert_eq!(
            out,
            body[..out.len()],
            "encode gives back the decoded bytes"
        );
    }
}
