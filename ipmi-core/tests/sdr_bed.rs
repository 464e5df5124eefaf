//! The library on a real repository: the sensor bed's SDRs (`ipmitool sdr
//! dump` from ipmi_sim, `test-support/beds/sensors/`) decode and emit back,
//! and with the raw Get Sensor Reading answers ipmi_sim gave for each
//! sensor (`tests/data/sdr_bed/`, see its README) the values equal
//! FreeIPMI's. ipmitool's lines (`sdr list`, `sensor list`, ...) are built
//! by the CLI's `sdr` family and diffed against live ipmitool there
//! (`ipmi-cli/tests/sdr_parity.rs`).

use std::collections::HashMap;
use std::path::PathBuf;

use ipmi_core::cmd::GetSensorReading;
use ipmi_core::record::sdr::{Record, SensorKey};
use ipmi_core::sensor::Evaluation;
use ipmi_core::walk::SdrRepository;
use ipmi_core::{Command, CompletionCode, Response};

/// A file of the sensor bed (`test-support/beds/sensors/`): its ipmitool
/// and FreeIPMI captures; `readings.txt` is ours (`tests/data/sdr_bed/`).
fn data(name: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let p = if name == "readings.txt" {
        root.join("tests/data/sdr_bed").join(name)
    } else {
        root.join("../test-support/beds/sensors").join(name)
    };
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `owner lun number cmd : bytes` or `... rsp=0xNN ...` lines, as answers.
fn answers() -> HashMap<(u8, u8, u8, u8), Response> {
    let text = String::from_utf8(data("readings.txt")).unwrap();
    let hexbyte = |s: &str| u8::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
    text.lines()
        .map(|line| {
            let (key, rest) = line.split_once(" : ").unwrap();
            let k: Vec<u8> = key.split(' ').map(hexbyte).collect();
            let (completion, data) = match rest.find("rsp=0x") {
                Some(i) => (hexbyte(&rest[i + 6..i + 8]), Vec::new()),
                None => (0, rest.split_whitespace().map(hexbyte).collect()),
            };
            let response = Response {
                netfn: ipmi_core::NetFn::SENSOR_EVENT.response(),
                cmd: k[3],
                completion: CompletionCode(completion),
                data,
            };
            ((k[0], k[1], k[2], k[3]), response)
        })
        .collect()
}

fn answer<'a>(
    answers: &'a HashMap<(u8, u8, u8, u8), Response>,
    key: &SensorKey,
    cmd: u8,
) -> &'a Response {
    answers
        .get(&(key.owner_id, key.lun, key.number, cmd))
        .unwrap_or_else(|| panic!("no capture for {key:?} cmd {cmd:#x}"))
}

/// The sensor's captured reading, evaluated. ipmi_sim refuses Get Sensor
/// Reading Factors, so non-linear sensors have no reading (as ipmitool finds).
fn evaluate(rec: &Record, answers: &HashMap<(u8, u8, u8, u8), Response>) -> Evaluation {
    let key = rec.body.sensor_key().unwrap();
    let reading = GetSensorReading(key.number)
        .decode(answer(answers, &key, 0x2d))
        .ok();
    Evaluation::new(&rec.body, reading.as_ref(), None).unwrap()
}

fn records() -> Vec<Record> {
    let repo = SdrRepository::from_bytes(&data("ipmitool/sdr_dump.file")).unwrap();
    repo.decode().collect::<Result<_, _>>().unwrap()
}

#[test]
fn every_record_of_the_bed_decodes_and_emits_back() {
    let bytes = data("ipmitool/sdr_dump.file");
    let repo = SdrRepository::from_bytes(&bytes).unwrap();
    let mut types = std::collections::BTreeSet::new();
    for raw in &repo.records {
        let rec = Record::parse(raw).unwrap();
        types.insert(rec.body.record_type());
        let mut out = Vec::new();
        rec.emit(&mut out);
        assert_eq!(&out, raw, "record {:#06x}", rec.record_id);
    }
    assert!(repo.records.len() >= 40);
    // Full, compact, event-only, entity associations (09h kept as bytes),
    // generic/FRU/MC locators, OEM.
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        [0x01, 0x02, 0x03, 0x08, 0x09, 0x10, 0x11, 0x12, 0xc0]
    );
}

/// FreeIPMI's `ipmi-sensors --bridge-sensors` reads the same values: each
/// numeric reading it prints (`%.2f`, keyed by record ID) is the library's
/// value of that record, and where it has none, neither has the library.
#[test]
fn values_equal_freeipmi_ipmi_sensors() {
    let answers = answers();
    let recs = records();
    let text = String::from_utf8_lossy(&data("freeipmi/ipmi_sensors.stdout")).into_owned();
    let mut compared = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let (id, reading) = (cols[0].parse::<u16>().unwrap(), cols[3]);
        let rec = recs.iter().find(|r| r.record_id == id).unwrap();
        let ev = evaluate(rec, &answers);
        match (reading, &ev.value) {
            ("N/A", None) => {}
            (r, Some(v)) => {
                assert_eq!(format!("{:.2}", v.value), r, "{line}");
                compared += 1;
            }
            (r, v) => panic!("{line}: FreeIPMI reads {r}, the library {v:?}"),
        }
    }
    assert!(compared >= 25, "{compared}");
}
