//! FRU images (FRU Information Storage Definition v1.0): typed inventories
//! emitted and decoded back, every field encoding, the multi-record types,
//! and corrupt images that must fail naming their area, never panic.

use ipmi_core::record::fru::{CommonHeader, FruImage, FruInventory};
use ipmi_core::record::fru_areas::{
    chassis_type_name, BoardInfo, ChassisInfo, InternalUse, ProductInfo,
};
use ipmi_core::record::fru_field::{FieldEncoding, FruField};
use ipmi_core::record::fru_multi::{DcLoad, DcOutput, MultiRecord, MultiRecordBody, PowerSupply};
use ipmi_core::record::{Checksums, Problem, RecordError};

fn text(s: &str) -> FruField {
    FruField::text(s).unwrap()
}

/// The inventory the bed's full image is built from: every area, every
/// encoding, a custom field of each kind and all decoded multi-records.
pub fn full_inventory() -> FruInventory {
    FruInventory {
        internal_use: Some(InternalUse {
            data: vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0],
        }),
        chassis: Some(ChassisInfo {
            chassis_type: 0x17,
            part_number: text("CH-PART-01"),
            serial_number: FruField::six_bit("CHS12345").unwrap(),
            custom: vec![text("chassis extra")],
        }),
        board: Some(BoardInfo {
            language: 0,
            // 2024-01-15 12:34 UTC: (1705322040 - 820454400) / 60.
            mfg_minutes: 14_747_794,
            manufacturer: text("Acme Boards"),
            product_name: text("Mainboard X1"),
            serial_number: FruField::bcd_plus("0123-4567.89").unwrap(),
            part_number: text("MB-X1-REV2"),
            fru_file_id: FruField::new(FieldEncoding::Binary, vec![0x01, 0x02]).unwrap(),
            custom: vec![
                FruField::new(FieldEncoding::Binary, vec![0xca, 0xfe]).unwrap(),
                FruField::six_bit("EXTRA").unwrap(),
            ],
        }),
        product: Some(ProductInfo {
            language: 25,
            manufacturer: text("Acme Systems"),
            product_name: text("Server 9000"),
            part_number: text("SRV-9000"),
            version: text("v1.2"),
            serial_number: text("SN0001"),
            asset_tag: text("ASSET-42"),
            fru_file_id: text(""),
            custom: vec![text("product extra")],
        }),
        multi_record: vec![
            MultiRecord {
                type_id: 0x00,
                version: 2,
                body: MultiRecordBody::PowerSupply(PowerSupply {
                    capacity: 800,
                    peak_va: 900,
                    inrush_current: 30,
                    inrush_interval: 5,
                    low_input_1: 10_000,
                    high_input_1: 14_000,
                    low_input_2: 20_000,
                    high_input_2: 24_000,
                    low_frequency: 47,
                    high_frequency: 63,
                    dropout_tolerance: 20,
                    flags: 0x0f,
                    peak_wattage: 0x2000 | 1000,
                    combined_voltages: 0x02,
                    combined_wattage: 500,
                    tach_lower_threshold: 12,
                }),
            },
            MultiRecord {
                type_id: 0x01,
                version: 2,
                body: MultiRecordBody::DcOutput(DcOutput {
                    output_info: 0x81,
                    nominal_voltage: 1200,
                    max_negative_deviation: -60,
                    max_positive_deviation: 60,
                    ripple_noise: 120,
                    min_current: 100,
                    max_current: 40_000,
                }),
            },
            MultiRecord {
                type_id: 0x02,
                version: 2,
                body: MultiRecordBody::DcLoad(DcLoad {
                    output_info: 0x02,
                    nominal_voltage: 500,
                    min_voltage: 475,
                    max_voltage: 525,
                    ripple_noise: 50,
                    min_current: 0,
                    max_current: 20_000,
                }),
            },
            MultiRecord {
                type_id: 0x03,
                version: 2,
                body: MultiRecordBody::ManagementAccess {
                    sub_type: 0x02,
                    data: b"node-7".to_vec(),
                },
            },
            MultiRecord {
                type_id: 0xc0,
                version: 2,
                body: MultiRecordBody::Bytes(vec![0x57, 0x01, 0x00, 0xaa]),
            },
        ],
    }
}

fn image(inv: &FruInventory) -> Vec<u8> {
    let mut out = Vec::new();
    inv.emit(&mut out).unwrap();
    out
}

#[test]
fn full_image_round_trips() {
    let inv = full_inventory();
    let bytes = image(&inv);
    assert_eq!(
        &bytes[..8],
        [0x01, 0x01, 0x02, 0x07, 0x0f, 0x19, 0x00, 0xcd].as_slice()
    );
    let decoded = FruImage::parse(&bytes).unwrap();
    let back = decoded.clone().into_inventory().unwrap();
    assert_eq!(back, inv);
    // Emitting the decoded inventory gives the same bytes again.
    assert_eq!(image(&back), bytes);

    let board = back.board.unwrap();
    assert_eq!(board.mfg_unix_time(), Some(1_705_322_040));
    assert_eq!(board.serial_number.to_text(), "0123-4567.89");
    assert_eq!(board.fru_file_id.to_text(), "0102");
    assert_eq!(board.custom[1].to_text(), "EXTRA");
    let chassis = back.chassis.unwrap();
    assert_eq!(
        chassis_type_name(chassis.chassis_type),
        "Rack Mount Chassis"
    );
    assert_eq!(chassis.serial_number.to_text(), "CHS12345");
    let product = back.product.unwrap();
    assert_eq!(product.asset_tag.to_text_in(product.language), "ASSET-42");
    let MultiRecordBody::PowerSupply(ps) = &back.multi_record[0].body else {
        panic!("power supply record not decoded");
    };
    assert_eq!(
        (
            ps.capacity_watts(),
            ps.peak_capacity_watts(),
            ps.hold_up_seconds()
        ),
        (800, 1000, 2)
    );
}

#[test]
fn header_and_area_layout() {
    let inv = FruInventory {
        board: full_inventory().board,
        ..FruInventory::default()
    };
    let bytes = image(&inv);
    let h = CommonHeader::parse(&bytes, Checksums::Verify).unwrap();
    assert_eq!(
        (
            h.internal_use,
            h.chassis,
            h.board,
            h.product,
            h.multi_record
        ),
        (0, 0, 1, 0, 0)
    );
    // Board area: version 1, length in 8-byte units covering the image.
    assert_eq!(bytes[8], 0x01);
    assert_eq!(usize::from(bytes[9]) * 8 + 8, bytes.len());
    // Language 0, then the 24-bit date LS byte first.
    assert_eq!(&bytes[10..14], [0x00, 0x92, 0x08, 0xe1].as_slice());
    assert_eq!(chassis_type_name(0xff), "Unknown");
    assert_eq!(chassis_type_name(0), "Unspecified");
}

fn area_error(r: &Option<Result<impl std::fmt::Debug, RecordError>>) -> RecordError {
    match r {
        Some(Err(e)) => *e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn corrupt_images_name_their_area() {
    let good = image(&full_inventory());
    // Common header checksum.
    let mut bad = good.clone();
    bad[7] ^= 1;
    let e = FruImage::parse(&bad).unwrap_err();
    assert_eq!(
        (e.area, e.problem),
        ("FRU common header", Problem::BadChecksum)
    );
    assert!(
        e.to_string().starts_with("FRU common header: bad checksum"),
        "{e}"
    );

    // Board area checksum: the other areas still decode.
    let mut bad = good.clone();
    bad[usize::from(good[3]) * 8 + 5] ^= 0x40;
    let img = FruImage::parse(&bad).unwrap();
    let e = area_error(&img.board);
    assert_eq!(
        (e.area, e.problem),
        ("FRU board info area", Problem::BadChecksum)
    );
    assert!(matches!(img.chassis, Some(Ok(_))) && matches!(img.product, Some(Ok(_))));
    assert_eq!(img.into_inventory().unwrap_err(), e);

    // Chassis area length past the end of the image.
    let mut bad = good.clone();
    bad[usize::from(good[2]) * 8 + 1] = 0xff;
    let e = area_error(&FruImage::parse(&bad).unwrap().chassis);
    assert_eq!(
        (e.area, e.problem),
        ("FRU chassis info area", Problem::PastEnd)
    );

    // Missing end marker: replace 0xC1 by a zero-length field, fix the checksum.
    let inv = FruInventory {
        chassis: full_inventory().chassis,
        ..FruInventory::default()
    };
    let mut bad = image(&inv);
    let end = bad.iter().rposition(|&b| b == 0xc1).unwrap();
    bad[end] = 0x00;
    let last = bad.len() - 1;
    bad[last] = bad[last].wrapping_add(0xc1);
    let e = area_error(&FruImage::parse(&bad).unwrap().chassis);
    assert_eq!(
        (e.area, e.problem),
        ("FRU chassis info area", Problem::MissingEndMarker)
    );

    // A field longer than its area (checksum fixed so only the length is wrong).
    let mut bad = image(&inv);
    let at = 8 + 3;
    let old = bad[at];
    bad[at] = 0xff;
    let last = bad.len() - 1;
    bad[last] = bad[last].wrapping_add(old).wrapping_sub(0xff);
    let e = area_error(&FruImage::parse(&bad).unwrap().chassis);
    assert_eq!(
        (e.area, e.problem),
        ("FRU chassis info area", Problem::PastEnd)
    );

    // Multi-record: header checksum, data checksum, no end of list.
    let mr = usize::from(good[5]) * 8;
    for (at, problem) in [
        (mr + 4, Problem::BadChecksum),
        (mr + 5, Problem::BadChecksum),
    ] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        let e = area_error(&FruImage::parse(&bad).unwrap().multi_record);
        assert_eq!((e.area, e.problem), ("FRU multi-record area", problem));
    }
    let cut = &good[..good.len() - 9];
    let e = area_error(&FruImage::parse(cut).unwrap().multi_record);
    assert_eq!(e.area, "FRU multi-record area");
    assert!(matches!(
        e.problem,
        Problem::PastEnd | Problem::MissingEndOfList
    ));
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let good = image(&full_inventory());
    for len in 0..good.len() {
        if let Ok(img) = FruImage::parse(&good[..len]) {
            assert!(img.into_inventory().is_err(), "truncated to {len} decoded");
        }
    }
}

#[test]
fn multi_record_of_wrong_length_is_kept_as_bytes() {
    assert_eq!(
        MultiRecordBody::parse(0x01, &[1, 2, 3]),
        MultiRecordBody::Bytes(vec![1, 2, 3])
    );
    assert_eq!(
        MultiRecordBody::parse(0x03, &[]),
        MultiRecordBody::Bytes(vec![])
    );
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The PSU image of the ipmi_sim test bed (FRU 1 of the BMC), and what
/// `ipmitool fru print 1` printed for it (ipmi_sim 2.0.33, ipmitool 1.8.19):
/// 6-bit packed fields keep their padding as trailing blanks.
const PSU1: &str = "01000001070e00e9010600d8adc889f05c0376e992af0c0089f05c0391044137000086f05c4310140186f02d37910441c0c10000000000d801070089f05c0376e992af0c00d2506f77657220537570706c7920313230305786f02d37910441c2413186f05c43101401c0c0c10000004f0082181e48b0041405280a28232067000000002f3f140edc25124c041e000000";

#[test]
fn psu_image_as_ipmitool_prints_it() {
    let inv = FruImage::parse(&hex(PSU1))
        .unwrap()
        .into_inventory()
        .unwrap();
    let board = inv.board.as_ref().unwrap();
    // " Board Mfg Date        : Sat Jan  2 03:04:00 2021 UTC"
    assert_eq!(board.mfg_unix_time(), Some(1_609_556_640));
    assert_eq!(board.manufacturer.to_text(), "PSU VENDOR  ");
    assert_eq!(board.product_name.to_text(), "PSU 1200W   ");
    assert_eq!(board.serial_number.to_text(), "PSU0001 ");
    assert_eq!(board.part_number.to_text(), "PWR-1200");
    let product = inv.product.as_ref().unwrap();
    assert_eq!(product.product_name.to_text(), "Power Supply 1200W");
    assert_eq!(product.version.to_text(), "A1");
    assert_eq!(product.serial_number.to_text(), "PSU0001 ");
    let [MultiRecord {
        body: MultiRecordBody::PowerSupply(ps),
        ..
    }] = inv.multi_record.as_slice()
    else {
        panic!("one power supply record expected");
    };
    assert_eq!(
        (ps.capacity_watts(), ps.peak_va, ps.inrush_current),
        (1200, 1300, 40)
    );
    assert_eq!((ps.low_input_1 / 100, ps.high_input_1 / 100), (90, 264));
    assert_eq!((ps.peak_capacity_watts(), ps.hold_up_seconds()), (1500, 2));
    // Re-emitting the decoded inventory reproduces the bed's bytes up to
    // the image's trailing free space.
    let mut out = Vec::new();
    inv.emit(&mut out).unwrap();
    assert_eq!(out, hex(PSU1)[..out.len()]);
}

/// The bed's deliberately corrupt images: a board area with a bad checksum
/// (ipmitool still prints its fields, then the good product area) and a
/// common header with a bad checksum whose board area has one-character
/// 8-bit fields (type/length 0xC1, read as fields where fields are fixed).
const BAD_AREA: &str = "01000001070000f7010600010000cd426164204172656120496e632ec8436865636b73756dc6534e2d424144c6504e2d424144c0c10000ae010700cc476f6f642050726f64756374ce5374696c6c205265616461626c65c5504e2d4f4bc27631c5534e2d4f4bc0c0c10000000000009b";
const BAD_HEADER: &str =
    "01000001000000cd010400000000ca42616420486561646572c158c131c132c0c100000000000042";

#[test]
fn corrupt_bed_images_strict_and_ignoring_checksums() {
    let img = FruImage::parse(&hex(BAD_AREA)).unwrap();
    let e = area_error(&img.board);
    assert_eq!(
        (e.area, e.problem, e.offset),
        ("FRU board info area", Problem::BadChecksum, 55)
    );
    assert_eq!(
        img.product.unwrap().unwrap().product_name.to_text(),
        "Still Readable"
    );
    let lax = FruImage::parse_with(&hex(BAD_AREA), Checksums::Ignore).unwrap();
    let board = lax.board.unwrap().unwrap();
    // " Board Mfg Date        : Mon Jan  1 00:01:00 1996 UTC"
    assert_eq!(board.mfg_minutes, 1);
    assert_eq!(board.manufacturer.to_text(), "Bad Area Inc.");
    assert_eq!(board.product_name.to_text(), "Checksum");

    let e = FruImage::parse(&hex(BAD_HEADER)).unwrap_err();
    assert_eq!(
        (e.area, e.problem),
        ("FRU common header", Problem::BadChecksum)
    );
    let lax = FruImage::parse_with(&hex(BAD_HEADER), Checksums::Ignore).unwrap();
    let board = lax.board.unwrap().unwrap();
    // " Board Mfg Date        : Unspecified"
    assert_eq!(board.mfg_unix_time(), None);
    let words: Vec<String> = [
        &board.manufacturer,
        &board.product_name,
        &board.serial_number,
        &board.part_number,
    ]
    .iter()
    .map(|f| f.to_text())
    .collect();
    assert_eq!(words, ["Bad Header", "X", "1", "2"]);
}
