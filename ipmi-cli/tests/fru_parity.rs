//! Issue 13: `ipmirs fru` against live `ipmitool -I lanplus` 1.8.19 on the
//! sensor bed (FRU 0–3 on the BMC, 0–1 on the satellite 0x30, reached by
//! bridging): standard output byte-identical for every sound FRU. Where
//! ipmitool is wrong the test checks the truthful output instead:
//! ipmitool prints FRU 2 (bad common header checksum) and FRU 3's board
//! area (bad area checksum) as if valid, ipmirs says which part is
//! corrupt and exits 1; ipmitool prints the 6-bit packed locator name of
//! FRU 1 as raw bytes, ipmirs decodes it ("PSU1 FRU").

use ipmirs_test_support::ipmisim;

mod common;

use common::{assert_same, both};
use ipmisim::IpmiSim;

fn utc() {
    std::env::set_var("TZ", "UTC");
}

#[test]
fn sound_fru_devices_match_ipmitool() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    for command in [
        &["fru", "print", "0"][..],
        &["fru", "print", "1"],
        &["fru", "print", "9"],
    ] {
        let (mine, theirs) = both(sim.port(), command);
        assert_same(command, &mine, &theirs);
        assert!(!mine.stdout.is_empty());
    }
}

/// ipmitool's output with its two corrupt devices' bodies replaced by
/// what ipmirs says of them, and the packed name decoded.
fn truthful(theirs: &str) -> String {
    let mut out = String::new();
    for block in theirs.split_inclusive("\n\n") {
        let title = block.lines().next().unwrap_or("");
        if title.starts_with("FRU Device Description : Corrupt FRU (ID 2)") {
            out.push_str(title);
            out.push_str("\n FRU common header: bad checksum (at byte 7)\n\n");
        } else if title.starts_with("FRU Device Description : Bad Area FRU (ID 3)") {
            out.push_str(title);
            out.push_str("\n FRU board info area: bad checksum (at byte 55)\n");
            for line in block.lines().skip(1).filter(|l| l.starts_with(" Product")) {
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        } else if title.ends_with("(ID 1)") && !title.contains("Sat FRU") {
            out.push_str("FRU Device Description : PSU1 FRU (ID 1)\n");
            out.push_str(&block[title.len() + 1..]);
        } else {
            out.push_str(block);
        }
    }
    out
}

#[test]
fn fru_print_and_list_say_what_is_corrupt() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    for command in [&["fru", "print"][..], &["fru", "list"]] {
        let (mine, theirs) = both(sim.port(), command);
        theirs.expect_code(0);
        assert_eq!(mine.code, 1, "{}", mine.stderr);
        assert!(mine.stderr.contains("bad checksum"), "{}", mine.stderr);
        let expected = truthful(&theirs.stdout_str());
        assert_eq!(mine.stdout_str(), expected, "{}", command.join(" "));
        assert!(mine
            .stdout_str()
            .contains("Sat FRU 1 (ID 1)\n Product Manufacturer  : Acme\n"));
    }
}

#[test]
fn corrupt_devices_alone_exit_1() {
    utc();
    let sim = IpmiSim::start_sensor_bed();
    let (mine, theirs) = both(sim.port(), &["fru", "print", "2"]);
    theirs.expect_code(0);
    mine.expect_code(1);
    assert_eq!(
        mine.stdout_str(),
        " FRU common header: bad checksum (at byte 7)\n"
    );
    let (mine, theirs) = both(sim.port(), &["fru", "print", "3"]);
    theirs.expect_code(0);
    mine.expect_code(1);
    let product: String = theirs
        .stdout_str()
        .lines()
        .filter(|l| l.starts_with(" Product"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        mine.stdout_str(),
        format!(" FRU board info area: bad checksum (at byte 55)\n{product}")
    );
}

/// `--json fru print`: one line, one object per device, the corrupt parts
/// as errors.
#[test]
fn json_lists_every_device_and_its_errors() {
    let sim = IpmiSim::start_sensor_bed();
    let a = common::lanplus(sim.port(), "admin", "secret", 3);
    let run = common::ipmirs(&common::cat(&a, &["--json", "fru", "print"]), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = run.stdout_str();
    assert_eq!(out.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let devices = v["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 6);
    assert_eq!(devices[3]["description"], "Corrupt FRU");
    assert!(devices[3]["error"]
        .as_str()
        .unwrap()
        .contains("bad checksum"));
    assert!(devices[4]["board"]["error"].is_string());
    assert!(devices[4]["product"].is_object());
    assert_eq!(devices[5]["slave_address"], 0x30);
}
