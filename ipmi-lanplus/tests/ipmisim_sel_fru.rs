//! The SEL and FRU readers of ipmi-core over RMCP+ against OpenIPMI's
//! `ipmi_sim` (IPMI 2.0 §31, §34): a 300-entry SEL filled with `sel_add`
//! and two FRU images built from typed data with `mc_add_fru_data`. The
//! decoded FRU fields are checked against what ipmitool prints for the
//! same device; `Last(n)` is checked to cost n + 3 exchanges, not 300.

use std::time::Duration;

use ipmi_core::cmd::sel::GetSelInfo;
use ipmi_core::reader::fru::FruRead;
use ipmi_core::reader::sel::{RawSelRecord, SelRange, SelRead};
use ipmi_core::reader::sel_change::{SelClear, SelDelete};
use ipmi_core::reader::{run, run_async};
use ipmi_core::record::event_text::event_description;
use ipmi_core::record::fru::{FruImage, FruInventory};
use ipmi_core::record::fru_areas::{chassis_type_name, BoardInfo, ChassisInfo, ProductInfo};
use ipmi_core::record::fru_field::FruField;
use ipmi_core::record::sel::{SelBody, SelRecord, SelTime};
use ipmi_core::record::Checksums;
use ipmi_core::{AsyncTransport, Deadline, Request, Response, Target, Transport};
use ipmi_lanplus::{AsyncClient, Client, ClientConfig, Error};
use ipmirs_test_support::ipmisim::{IpmiSim, SimOptions};

const ENTRIES: usize = 300;

/// Counts exchanges of the client it wraps.
struct Counting {
    client: Client,
    exchanges: usize,
}

impl Transport for Counting {
    type Error = Error;
    fn exchange(&mut self, r: &Request, d: Deadline) -> Result<Response, Error> {
        self.exchanges += 1;
        self.client.exchange(r, d)
    }
    fn default_deadline(&self) -> Deadline {
        self.client.default_deadline()
    }
}

fn text(s: &str) -> FruField {
    FruField::text(s).unwrap()
}

fn inventory() -> FruInventory {
    FruInventory {
        chassis: Some(ChassisInfo {
            chassis_type: 0x17,
            part_number: text("CH-1000"),
            serial_number: FruField::six_bit("CHS0042").unwrap(),
            custom: vec![text("chassis extra")],
        }),
        board: Some(BoardInfo {
            language: 0,
            mfg_minutes: 14_747_794,
            manufacturer: text("Acme Boards"),
            product_name: text("Mainboard X1"),
            serial_number: FruField::bcd_plus("0123-4567").unwrap(),
            part_number: text("MB-X1"),
            fru_file_id: text(""),
            custom: vec![],
        }),
        product: Some(ProductInfo {
            language: 0,
            manufacturer: text("Acme Systems"),
            product_name: text("Server 9000"),
            part_number: text("SRV-9000"),
            version: text("v1.2"),
            serial_number: text("SN0001"),
            asset_tag: text("ASSET-42"),
            fru_file_id: text(""),
            custom: vec![],
        }),
        ..FruInventory::default()
    }
}

/// The 13 bytes after the record type of entry `i`: threshold events on
/// temperature sensors, power supply AC lost, OEM records.
fn sel_entry(i: usize) -> (u8, [u8; 13]) {
    let n = i as u8;
    match i % 3 {
        // Temperature #n, Upper Critical going high, reading/threshold in data 2/3.
        0 => (
            0x02,
            [
                0,
                0,
                0,
                0,
                0x20,
                0,
                0x04,
                0x01,
                n,
                0x01,
                0x59,
                90 + n % 10,
                85,
            ],
        ),
        // Power Supply #n, offset 3 (AC lost), deasserted every other time.
        1 => (
            0x02,
            [
                0,
                0,
                0,
                0,
                0x20,
                0,
                0x04,
                0x08,
                n,
                0x6f | (n & 1) << 7,
                0x03,
                0xff,
                0xff,
            ],
        ),
        _ => (0xe0, [n; 13]),
    }
}

fn emu(image: &[u8]) -> String {
    let mut e = String::from(
        "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n\
         sel_enable 0x20 1000 0x0a\n",
    );
    for i in 0..ENTRIES {
        let (t, b) = sel_entry(i);
        e += &format!("sel_add 0x20 {t:#04x}");
        for x in b {
            e += &format!(" {x:#04x}");
        }
        e += "\n";
    }
    e += &format!("mc_add_fru_data 0x20 0 {} data", image.len());
    for x in image {
        e += &format!(" {x:#04x}");
    }
    e += "\nmc_enable 0x20\n";
    e
}

fn client(sim: &IpmiSim) -> Counting {
    let config = ClientConfig::new("admin", "secret")
        .cipher_suite(3)
        .timeout(Duration::from_secs(5));
    Counting {
        client: Client::connect(sim.addr(), config).expect("session with ipmi_sim"),
        exchanges: 0,
    }
}

/// Reads `range` of the SEL.
fn sel(c: &mut Counting, range: SelRange) -> Vec<RawSelRecord> {
    run(c, SelRead::new(Target::bmc(), range), deadline()).unwrap()
}

/// A budget far above what the reads need on a loaded 2-core machine
/// (300 loopback exchanges take well under a second).
fn deadline() -> Deadline {
    Deadline::from_now(Duration::from_secs(120))
}

#[test]
fn fru_read_and_decoded_as_ipmitool_prints_it() {
    let mut image = Vec::new();
    inventory().emit(&mut image).unwrap();
    let sim = IpmiSim::start_with_emu(SimOptions::default(), &emu(&image));
    let mut c = client(&sim);
    // Small chunks so that the read takes several exchanges.
    let bytes = run(
        &mut c,
        FruRead::new(Target::bmc(), 0).with_chunk(16),
        deadline(),
    )
    .unwrap();
    assert_eq!(bytes, image);
    assert_eq!(c.exchanges, 1 + image.len().div_ceil(16));
    let inv = FruImage::parse(&bytes).unwrap().into_inventory().unwrap();
    assert_eq!(inv, inventory());

    let out = sim.ipmitool(&["fru", "print", "0"], Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let printed = out.stdout;
    let board = inv.board.as_ref().unwrap();
    let product = inv.product.as_ref().unwrap();
    let chassis = inv.chassis.as_ref().unwrap();
    for (label, value) in [
        ("Chassis Part Number", chassis.part_number.to_text()),
        ("Chassis Serial", chassis.serial_number.to_text()),
        ("Chassis Extra", chassis.custom[0].to_text()),
        ("Board Mfg", board.manufacturer.to_text()),
        ("Board Serial", board.serial_number.to_text()),
        ("Product Asset Tag", product.asset_tag.to_text()),
        ("Product Version", product.version.to_text()),
    ] {
        let line = format!(" {label:<22}: {value}\n");
        assert!(
            printed.contains(&line),
            "{line:?} not in ipmitool's:\n{printed}"
        );
    }
    assert!(
        printed.contains(" Chassis Type          : Rack Mount Chassis\n"),
        "{printed}"
    );
}

#[test]
fn sel_walk_last_n_delete_and_clear() {
    let sim = IpmiSim::start_with_emu(SimOptions::default(), &emu(&[0x01, 0, 0, 0, 0, 0, 0, 0xff]));
    let mut c = client(&sim);
    let all = sel(&mut c, SelRange::All);
    assert_eq!(all.len(), ENTRIES);
    assert_eq!(c.exchanges, 1 + ENTRIES);
    for (i, raw) in all.iter().enumerate() {
        let r = SelRecord::parse(raw).unwrap();
        let (t, b) = sel_entry(i);
        assert_eq!(r.record_type, t);
        // ipmi_sim stamps system events with its own clock: compare the rest.
        let from = if t == 0x02 { 4 } else { 0 };
        assert_eq!(raw[3 + from..], b[from..], "entry {i}");
        if let Some(e) = r.system_event() {
            let want = if i % 3 == 0 {
                "Upper Critical going high"
            } else {
                "Power Supply AC lost"
            };
            assert_eq!(event_description(e), Some(want), "entry {i}");
        }
    }

    c.exchanges = 0;
    let last = sel(&mut c, SelRange::Last(5));
    assert_eq!(last, all[ENTRIES - 5..]);
    // Info, last entry, first entry, then the five: ipmi_sim numbers its
    // entries evenly, so the start is found without walking the log.
    assert_eq!(c.exchanges, 3 + 5);

    let victim = u16::from_le_bytes([all[10][0], all[10][1]]);
    assert_eq!(
        run(&mut c, SelDelete::new(Target::bmc(), victim), deadline()).unwrap(),
        victim
    );
    let after = sel(&mut c, SelRange::All);
    assert_eq!(after.len(), ENTRIES - 1);
    assert!(after
        .iter()
        .all(|r| u16::from_le_bytes([r[0], r[1]]) != victim));
    // The gap defeats the even spacing; the result is still right.
    let last = sel(&mut c, SelRange::Last(295));
    assert_eq!(last, after[after.len() - 295..]);

    assert!(run(&mut c, SelClear::new(Target::bmc()), deadline()).unwrap());
    assert_eq!(c.execute(&GetSelInfo).unwrap().record_count, 0);
    assert!(sel(&mut c, SelRange::All).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn async_driver_reads_the_same() {
    let mut image = Vec::new();
    inventory().emit(&mut image).unwrap();
    let sim = IpmiSim::start_with_emu(SimOptions::default(), &emu(&image));
    let config = ClientConfig::new("admin", "secret")
        .cipher_suite(3)
        .timeout(Duration::from_secs(5));
    let mut c = AsyncClient::connect(sim.addr(), config).await.unwrap();
    let bytes = run_async(&mut c, FruRead::new(Target::bmc(), 0), deadline())
        .await
        .unwrap();
    assert_eq!(bytes, image);
    let last = run_async(
        &mut c,
        SelRead::new(Target::bmc(), SelRange::Last(3)),
        deadline(),
    )
    .await
    .unwrap();
    let ids: Vec<u16> = last
        .iter()
        .map(|r| u16::from_le_bytes([r[0], r[1]]))
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[2] - ids[0], 2, "the three last, in order: {ids:?}");
    let info = c.execute(&GetSelInfo).await.unwrap();
    assert_eq!(usize::from(info.record_count), ENTRIES);
}

/// The capture directory of the sensor/SEL/FRU bed.
fn bed_capture(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../test-support/beds/sensors/ipmitool");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// All 500 entries of the bed's SEL read by the library, decoded, and
/// compared column by column with ipmitool's `sel list` of the same SEL:
/// record ID, time class, sensor number, event text (with ipmitool's
/// trailing blanks), direction, OEM manufacturer and bytes. (Dates and
/// sensor type names are the CLI's to print.)
#[test]
fn sensor_bed_sel_as_ipmitool_lists_it() {
    let sim = IpmiSim::start_sensor_bed();
    let mut c = client(&sim);
    let raws = sel(&mut c, SelRange::All);
    let listed = bed_capture("sel_list.stdout");
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(raws.len(), lines.len());
    assert_eq!(c.exchanges, 1 + lines.len());
    for (raw, line) in raws.iter().zip(&lines) {
        let r = SelRecord::parse(raw).unwrap();
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols[0].trim(), format!("{:x}", r.id), "{line}");
        match r.body {
            SelBody::System(e) => {
                let time = match e.time() {
                    SelTime::PreInit(_) => "Pre-Init",
                    SelTime::Unspecified => "Unspecified",
                    SelTime::Unix(_) => cols[1].trim(),
                };
                assert_eq!(cols[1].trim(), time, "{line}");
                if let Some((_, number)) = cols[3].rsplit_once('#') {
                    assert_eq!(
                        number.trim(),
                        format!("0x{:02x}", e.sensor_number),
                        "{line}"
                    );
                }
                let text = event_description(&e).unwrap_or_else(|| panic!("no text: {line}"));
                assert_eq!(cols[4], format!(" {text} "), "{line}");
                assert_eq!(cols[5].trim(), e.direction(), "{line}");
            }
            SelBody::OemTimestamped {
                manufacturer, data, ..
            } => {
                assert_eq!(cols[3].trim(), format!("OEM record {:02x}", r.record_type));
                assert_eq!(cols[4].trim(), format!("{manufacturer:06x}"), "{line}");
                assert_eq!(cols[5].trim(), hex(&data), "{line}");
            }
            SelBody::Bytes(data) => {
                assert_eq!(cols[1].trim(), format!("OEM record {:02x}", r.record_type));
                assert_eq!(cols[2].trim(), hex(&data), "{line}");
            }
        }
    }
    // The last five in 3 + 5 exchanges although the log has gaps (IDs 0x80
    // and 0x81 are missing); ipmitool's `sel list last 5` walks it all.
    c.exchanges = 0;
    let last = sel(&mut c, SelRange::Last(5));
    assert_eq!(last, raws[raws.len() - 5..]);
    assert!(
        c.exchanges <= 3 + 5 || c.exchanges == 2 + raws.len(),
        "{}",
        c.exchanges
    );
}

/// FRU 0–3 of the bed's BMC (every area, every encoding, a bad header, a
/// bad area checksum) read by the library and decoded with checksums
/// ignored, as ipmitool prints them: every non-empty field, in ipmitool's
/// order and words (`fru print N`; the FRU file IDs are verbose-only).
#[test]
fn sensor_bed_fru_as_ipmitool_prints_it() {
    let sim = IpmiSim::start_sensor_bed();
    let mut c = client(&sim);
    for (id, capture) in [
        (0u8, "fru_print_0.stdout"),
        (1, "fru_print_1.stdout"),
        (2, "fru_print_2_bad_header.stdout"),
        (3, "fru_print_3_bad_area.stdout"),
    ] {
        let bytes = run(&mut c, FruRead::new(Target::bmc(), id), deadline()).unwrap();
        let img = FruImage::parse_with(&bytes, Checksums::Ignore).unwrap();
        let mut lines: Vec<(String, String)> = Vec::new();
        let mut add = |label: &str, value: String| {
            if !value.is_empty() {
                lines.push((label.to_string(), value));
            }
        };
        if let Some(Ok(ch)) = &img.chassis {
            add(
                "Chassis Type",
                chassis_type_name(ch.chassis_type).to_string(),
            );
            add("Chassis Part Number", ch.part_number.to_text());
            add("Chassis Serial", ch.serial_number.to_text());
            ch.custom
                .iter()
                .for_each(|f| add("Chassis Extra", f.to_text()));
        }
        if let Some(Ok(b)) = &img.board {
            let date = b
                .mfg_unix_time()
                .map_or("Unspecified".to_string(), |_| "(date)".into());
            add("Board Mfg Date", date);
            add("Board Mfg", b.manufacturer.to_text());
            add("Board Product", b.product_name.to_text());
            add("Board Serial", b.serial_number.to_text());
            add("Board Part Number", b.part_number.to_text());
            b.custom
                .iter()
                .for_each(|f| add("Board Extra", f.to_text()));
        }
        if let Some(Ok(p)) = &img.product {
            add("Product Manufacturer", p.manufacturer.to_text());
            add("Product Name", p.product_name.to_text());
            add("Product Part Number", p.part_number.to_text());
            add("Product Version", p.version.to_text());
            add("Product Serial", p.serial_number.to_text());
            add("Product Asset Tag", p.asset_tag.to_text());
            p.custom
                .iter()
                .for_each(|f| add("Product Extra", f.to_text()));
        }
        let printed: Vec<(String, String)> = bed_capture(capture)
            .lines()
            .map(|l| {
                let (label, value) = l.split_once(" : ").unwrap();
                let value = if label.trim() == "Board Mfg Date" && value != "Unspecified" {
                    "(date)"
                } else {
                    value
                };
                (label.trim().to_string(), value.to_string())
            })
            .collect();
        assert_eq!(lines, printed, "fru {id}");
    }
}
