//! The record decoders and readers under hostile input, on the stable
//! toolchain: every file of the fuzz corpus of the record targets
//! (`fuzz/corpus/<target>/` for every target in `fuzzing::TARGETS`) replayed,
//! then deterministic random inputs, and mutations of real images (FRU
//! Information Storage Definition v1.0; IPMI 2.0 §31, §32, §34).

use std::fs;
use std::path::{Path, PathBuf};

use ipmi_core::fuzzing::{self, TARGETS};
use ipmi_core::record::fru::{FruImage, FruInventory};
use ipmi_core::record::fru_areas::{BoardInfo, ChassisInfo, ProductInfo};
use ipmi_core::record::fru_field::FruField;
use ipmi_core::record::fru_multi::{MultiRecord, MultiRecordBody};

mod common;

use common::Rng;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

#[test]
fn every_corpus_input_replays_without_panic() {
    let mut replayed = 0;
    for (name, run) in TARGETS {
        let dir = corpus_root().join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("fuzz target {name} has no corpus in {dir:?}: {e}"));
        for entry in entries {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            run(&data);
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len() * 2, "{replayed}");
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let manifest = fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
    for (name, _) in TARGETS {
        let src = fs::read_to_string(fuzz.join(format!("fuzz_targets/{name}.rs"))).unwrap();
        assert!(
            src.contains(&format!("ipmi_core::fuzzing::{name}(data)")),
            "{name}"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name} not in fuzz/Cargo.toml"
        );
    }
}

/// A small image with every area, for mutations.
fn image() -> Vec<u8> {
    let t = |s: &str| FruField::text(s).unwrap();
    let inv = FruInventory {
        internal_use: None,
        chassis: Some(ChassisInfo {
            chassis_type: 0x17,
            part_number: t("CP"),
            serial_number: FruField::six_bit("CS1").unwrap(),
            custom: vec![],
        }),
        board: Some(BoardInfo {
            language: 0,
            mfg_minutes: 1,
            manufacturer: t("MF"),
            product_name: t("PR"),
            serial_number: FruField::bcd_plus("12").unwrap(),
            part_number: t("PN"),
            fru_file_id: t(""),
            custom: vec![t("extra")],
        }),
        product: Some(ProductInfo {
            language: 0,
            manufacturer: t("PM"),
            product_name: t("PP"),
            part_number: t("PN"),
            version: t("v1"),
            serial_number: t("S1"),
            asset_tag: t(""),
            fru_file_id: t(""),
            custom: vec![],
        }),
        multi_record: vec![MultiRecord {
            type_id: 0x03,
            version: 2,
            body: MultiRecordBody::ManagementAccess {
                sub_type: 2,
                data: b"x".to_vec(),
            },
        }],
    };
    let mut out = Vec::new();
    inv.emit(&mut out).unwrap();
    out
}

#[test]
fn every_byte_change_of_an_image_decodes_or_fails_cleanly() {
    let good = image();
    for i in 0..good.len() {
        for x in [0x01u8, 0x3f, 0x40, 0x80, 0xc1, 0xff] {
            let mut bad = good.clone();
            bad[i] ^= x;
            fuzzing::fru_image(&bad);
            // Every byte is under a checksum (header, areas, multi-record
            // headers and data): a one-byte change never decodes.
            let caught = FruImage::parse(&bad)
                .and_then(FruImage::into_inventory)
                .is_err();
            assert!(caught, "byte {i} ^ {x:#x} decoded");
        }
    }
    for n in 0..good.len() {
        fuzzing::fru_image(&good[..n]);
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x5EED_F00D);
    for i in 0..20_000 {
        let len = (rng.next() % 300) as usize;
        let mut b = rng.bytes(len);
        if i % 2 == 0 && b.len() >= 8 {
            // A valid common header pointing at random areas.
            b[0] = 0x01;
            b[6] = 0;
            for o in &mut b[1..6] {
                *o %= 40;
            }
            b[7] = 0u8.wrapping_sub(b[..7].iter().fold(0u8, |a, x| a.wrapping_add(*x)));
        }
        fuzzing::fru_image(&b);
        fuzzing::sel_record(&b);
        fuzzing::fru_read(&b);
        fuzzing::sel_read(&b);
    }
}

/// One answer in the fuzz readers' input format: code, length, bytes.
fn answer(cc: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![cc, data.len() as u8];
    out.extend_from_slice(data);
    out
}

/// Seed inputs: real images and records, and reader conversations.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let img = image();
    let mut fru = vec![16u8];
    fru.extend(answer(0, &[img.len() as u8, 0, 0]));
    for chunk in img.chunks(16) {
        let mut d = vec![chunk.len() as u8];
        d.extend_from_slice(chunk);
        fru.extend(answer(0, &d));
    }
    let mut fru_shrink = vec![64u8];
    fru_shrink.extend(answer(0, &[40, 0, 1]));
    fru_shrink.extend(answer(0xca, &[]));
    fru_shrink.extend(answer(0, &[16, 1, 2, 3]));
    let records = [
        "01000210000000200004010201575450",
        "1900025865e26541000420016f01ffff",
        "2600c07a17e365911200250102030405",
        "2800e0fb0815222f3c495663707d8a97",
    ];
    let records: Vec<Vec<u8>> = records
        .iter()
        .map(|s| {
            (0..32)
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    let mut sel = vec![0u8];
    sel.extend(answer(
        0,
        &[0x51, 4, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0a],
    ));
    for (i, r) in records.iter().enumerate() {
        let next = if i + 1 == records.len() {
            [0xff, 0xff]
        } else {
            [records[i + 1][0], records[i + 1][1]]
        };
        let mut d = next.to_vec();
        d.extend_from_slice(r);
        sel.extend(answer(0, &d));
    }
    let mut sel_last = sel.clone();
    sel_last[0] = (2 << 2) | 2;
    let mut out = vec![
        ("fru_image", img),
        ("fru_read", fru),
        ("fru_read", fru_shrink),
    ];
    out.extend(records.into_iter().map(|r| ("sel_record", r)));
    out.push(("sel_read", sel));
    out.push(("sel_read", sel_last));
    out
}

#[test]
fn seeds_replay_without_panic() {
    for (name, data) in seeds() {
        let (_, run) = TARGETS.iter().find(|(n, _)| *n == name).unwrap();
        run(&data);
    }
}

/// FNV-1a, for seed file names.
fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Writes every seed as `fuzz/corpus/TARGET/seed-FNV64` (the only corpus
/// files kept in git; what libFuzzer adds stays local).
#[test]
#[ignore = "writes fuzz/corpus: run by scripts/fuzz.sh or by hand"]
fn write_seed_corpus() {
    for (name, data) in seeds() {
        let dir = corpus_root().join(name);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("seed-{:016x}", fnv(&data)));
        if !path.exists() {
            fs::write(&path, &data).unwrap();
        }
    }
}
