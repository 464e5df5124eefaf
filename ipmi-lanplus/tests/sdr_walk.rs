//! The SDR walk of ipmi-core against a real BMC nobody here wrote:
//! OpenIPMI's `ipmi_sim` serving the sensor bed's 63 records (loaded with
//! `main_sdr_add`), over the blocking RMCP+ driver. ipmi_sim refuses
//! whole-record reads (count FFh), so this proves the partial-read path,
//! the exchange count, the timestamp cache and a typed sensor reading
//! (IPMI 2.0 §33.9–§33.12, §35.14).

use std::time::Duration;

use ipmi_core::cmd::GetSensorReading;
use ipmi_core::record::sdr::{Record, Sdr};
use ipmi_core::sensor::{Availability, Evaluation};
use ipmi_core::walk::{
    read_device_sdrs, read_sdr_repository, refresh_sdr_cache, SdrRepository, WalkLimits,
};
use ipmi_core::{Command, Deadline, Request, Response, Target, Transport};
use ipmi_lanplus::{Client, ClientConfig, Error};
use ipmirs_test_support::ipmisim;
use ipmisim::{IpmiSim, SimOptions};

/// The bed's repository, as `ipmitool sdr dump` wrote it.
fn bed() -> SdrRepository {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-support/beds/sensors/ipmitool/sdr_dump.file"
    );
    SdrRepository::from_bytes(&std::fs::read(path).unwrap()).unwrap()
}

/// The bed's sensor records owned by the satellite at 0x30.
fn satellite_records() -> Vec<Vec<u8>> {
    bed()
        .records
        .into_iter()
        .filter(|r| matches!(r[3], 1 | 2) && r[5] == 0x30)
        .collect()
}

/// A BMC at 0x20 holding `bed()` and one live sensor (#1, raw 0x2d), and a
/// satellite controller at 0x30 holding its records as device SDRs, with
/// its sensor #1 at raw 50.
fn start() -> IpmiSim {
    let mut emu =
        String::from("mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\n");
    for r in &bed().records {
        emu += "main_sdr_add 0x20";
        for b in r {
            emu += &format!(" 0x{b:02x}");
        }
        emu += "\n";
    }
    emu += "sensor_add 0x20 0 1 0x01 0x01\nsensor_set_value 0x20 0 1 0x2d 0\nmc_enable 0x20\n";
    emu += "mc_add 0x30 2 has-device-sdrs 0x98 0x10 1 0x29 0x1291 0xf03 dynsens\n";
    for r in satellite_records() {
        emu += "device_sdr_add 0x30 0";
        for b in r {
            emu += &format!(" 0x{b:02x}");
        }
        emu += "\n";
    }
    emu += "sensor_add 0x30 0 1 1 0x01\nsensor_set_value 0x30 0 1 50 0\nmc_enable 0x30\n";
    IpmiSim::start_with_emu(SimOptions::default(), &emu)
}

/// Counts the exchanges a walk costs.
struct Counting<'c> {
    inner: &'c mut Client,
    exchanges: u32,
}

impl Transport for Counting<'_> {
    type Error = Error;
    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        self.exchanges += 1;
        self.inner.exchange(request, deadline)
    }
    fn default_deadline(&self) -> Deadline {
        self.inner.default_deadline()
    }
}

#[test]
fn walk_cache_and_a_reading_against_ipmi_sim() {
    let sim = start();
    let config = ClientConfig::new("admin", "secret").timeout(Duration::from_secs(5));
    let mut client = Client::connect(sim.addr(), config).unwrap();
    // Generous: ~130 exchanges on loopback take well under a second.
    let deadline = Deadline::from_now(Duration::from_secs(60));
    let mut t = Counting {
        inner: &mut client,
        exchanges: 0,
    };
    let cache = read_sdr_repository(&mut t, WalkLimits::default(), deadline).unwrap();
    let want = bed();
    assert_eq!(cache.repository.records.len(), want.records.len());
    for (got, want) in cache.repository.records.iter().zip(&want.records) {
        // ipmi_sim numbers the records it is given; the rest is byte for byte.
        assert_eq!(got[2..], want[2..]);
    }
    // ipmi_sim answers whole-record reads (FFh) for records of up to 32
    // bytes and 0xCA for longer ones. Info, the short records before the
    // first long one whole, the refused whole read, one reservation, then
    // each record in 32-byte reads (the first one spans the header).
    let whole = want.records.iter().take_while(|r| r.len() <= 32).count();
    let reads: u32 = want.records[whole..]
        .iter()
        .map(|r| r.len().div_ceil(32) as u32)
        .sum();
    assert_eq!(t.exchanges, 1 + whole as u32 + 2 + reads);

    // Unchanged repository: one command.
    t.exchanges = 0;
    let (again, walked) =
        refresh_sdr_cache(&mut t, Some(cache.clone()), WalkLimits::default(), deadline).unwrap();
    assert!(!walked);
    assert_eq!(t.exchanges, 1);
    assert_eq!(again, cache);

    // Sensor #1 ("CPU1 Temp"), read at its owner and evaluated: 45 degrees C, ok.
    let records: Vec<Record> = cache.repository.decode().collect::<Result<_, _>>().unwrap();
    let cpu1 = records
        .iter()
        .find(|r| matches!(&r.body, Sdr::Full(f) if f.common.key.number == 1))
        .unwrap();
    let key = cpu1.body.sensor_key().unwrap();
    assert_eq!(key.target(), Target::bmc());
    let reading = client
        .execute_by(&GetSensorReading(key.number), deadline)
        .unwrap();
    let ev = Evaluation::new(&cpu1.body, Some(&reading), None).unwrap();
    assert_eq!(ev.availability, Availability::Valid);
    let v = ev.value.unwrap();
    assert_eq!(
        (v.raw, v.number(2), v.units.text()),
        (0x2d, "45".into(), "degrees C".into())
    );
    assert_eq!(ev.status(), "ok");
}

#[test]
fn device_sdrs_of_a_satellite_by_bridging() {
    let sim = start();
    let config = ClientConfig::new("admin", "secret").timeout(Duration::from_secs(5));
    let mut client = Client::connect(sim.addr(), config).unwrap();
    let deadline = Deadline::from_now(Duration::from_secs(60));
    let satellite = Target::ipmb(0, 0x30);
    let repo = read_device_sdrs(&mut client, satellite, WalkLimits::default(), deadline).unwrap();
    let want = satellite_records();
    assert!(want.len() >= 3);
    assert_eq!(repo.records.len(), want.len());
    for (got, want) in repo.records.iter().zip(&want) {
        assert_eq!(got[2..], want[2..]);
    }
    // Its "Sat Temp" (#1), read at its owner through the BMC: 50 degrees C.
    let records: Vec<Record> = repo.decode().collect::<Result<_, _>>().unwrap();
    let temp = records
        .iter()
        .find(|r| r.body.sensor_key().is_some_and(|k| k.number == 1))
        .unwrap();
    let key = temp.body.sensor_key().unwrap();
    assert_eq!(key.target(), satellite);
    let request = GetSensorReading(key.number).request_to(key.target());
    let response = client.exchange(&request, deadline).unwrap();
    let reading = GetSensorReading(key.number).decode(&response).unwrap();
    let ev = Evaluation::new(&temp.body, Some(&reading), None).unwrap();
    let v = ev.value.unwrap();
    assert_eq!(
        (v.number(2), v.units.text()),
        ("50".into(), "degrees C".into())
    );
}
