//! SDR decoding never panics on what a hostile BMC or a corrupt dump file
//! holds: the fuzz corpus seeds of `sdr_records` and `sensor_reading` are
//! replayed, then every single-byte change and truncation of each seed,
//! then deterministic random records with valid headers of every type
//! (IPMI 2.0 §43, §35.14).

use std::path::Path;

use ipmi_core::fuzzing::{sdr_records, sensor_reading};
use ipmi_core::record::sdr::Record;

mod common;

use common::Rng;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    assert!(out.len() >= 5, "{target}: too few seeds");
    out
}

#[test]
fn corpus_seeds_and_their_mutations() {
    let records = seeds("sdr_records");
    let decoded = records.iter().filter(|s| Record::parse(s).is_ok()).count();
    assert!(decoded >= 20, "only {decoded} seeds decode");
    for s in &records {
        sdr_records(s);
        if s.len() > 300 {
            continue; // the whole-dump seed: its records are seeds too
        }
        for i in 0..s.len() {
            for v in [
                0x00,
                0xff,
                s[i] ^ 0x01,
                s[i] ^ 0x80,
                s[i].wrapping_add(0x20),
            ] {
                let mut m = s.clone();
                m[i] = v;
                sdr_records(&m);
            }
            sdr_records(&s[..i]);
        }
    }
    for s in seeds("sensor_reading") {
        sensor_reading(&s);
        for i in 0..s.len() {
            sensor_reading(&s[..i]);
        }
    }
}

#[test]
fn random_records_of_every_type() {
    // The tests' deterministic generator, so any failure replays.
    let mut rng = Rng(0x5D12_0C0F_FEE1_2345);
    let mut next = move || rng.next() >> 24;
    let types = [
        0x01, 0x02, 0x03, 0x08, 0x10, 0x11, 0x12, 0x13, 0x14, 0xc0, 0xff,
    ];
    let mut decoded = 0;
    for n in 0..40_000u32 {
        let t = types[n as usize % types.len()];
        let len = (next() % 72) as usize;
        let mut rec = vec![n as u8, (n >> 8) as u8, 0x51, t, len as u8];
        rec.extend((0..len).map(|_| next() as u8));
        // Sometimes lie about the length, sometimes cut the record.
        match next() % 8 {
            0 => rec[4] = next() as u8,
            1 => rec.truncate((next() % 80) as usize),
            _ => {}
        }
        if Record::parse(&rec).is_ok() {
            decoded += 1;
        }
        sdr_records(&rec);
        let reading: Vec<u8> = (0..next() % 6).map(|_| next() as u8).collect();
        sensor_reading(&reading);
    }
    // The loop reaches past the headers: many random bodies decode.
    assert!(decoded > 10_000, "{decoded}");
}
