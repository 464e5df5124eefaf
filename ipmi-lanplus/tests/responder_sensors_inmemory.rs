//! Our own client against the simulated BMC on a virtual network: the SDR
//! repository walked with ipmi-core's walk, sensor readings evaluated
//! against their records, the SEL its sensors write to read with the SEL
//! reader, cleared and re-timed, and the FRU images read and decoded —
//! every figure exact because virtual time (never the wall clock) drives
//! the sensors (IPMI 2.0 §31–§35).

use std::time::Duration;

use ipmi_core::cmd::sel::{DeleteSelEntry, GetSelInfo, GetSelTime, SetSelTime};
use ipmi_core::cmd::{
    ChassisControl, GetDeviceId, GetSdr, GetSensorEvents, GetSensorHysteresis, GetSensorReading,
    GetSensorThresholds, PowerAction, RecordStore, Reserve, SensorReading,
};
use ipmi_core::reader::fru::FruRead;
use ipmi_core::reader::run;
use ipmi_core::reader::sel::{SelRange, SelRead};
use ipmi_core::reader::sel_change::SelClear;
use ipmi_core::record::fru::FruImage;
use ipmi_core::record::sdr::{Record, Sdr};
use ipmi_core::record::sel::SelRecord;
use ipmi_core::sensor::{Availability, Evaluation, Threshold};
use ipmi_core::walk::{read_sdr_repository, WalkLimits};
use ipmi_core::Transport;
use ipmi_core::{Command, Deadline, PrivilegeLevel, Request, Response, Target};
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{ClientConfig, Error};
use ipmirs_test_support::inmemory::{cc, Link, Net};

const SECOND: Duration = Duration::from_secs(1);
/// 2026-01-01T00:00:00Z: the virtual BMC's first second.
const EPOCH_UNIX: u32 = 1_767_225_600;

/// Client `c` of a virtual network as a blocking transport.
struct Over<'a> {
    net: &'a mut Net,
    c: usize,
}

impl Transport for Over<'_> {
    type Error = Error;
    fn exchange(&mut self, request: &Request, _deadline: Deadline) -> Result<Response, Error> {
        self.net.request(self.c, request, SECOND)
    }
    fn default_deadline(&self) -> Deadline {
        Deadline::after(self.net.now, Duration::from_secs(60))
    }
}

fn net(user: &str, level: PrivilegeLevel) -> (Net, usize) {
    let config = ServerConfig::new()
        .user(User::new(user, "secret", level))
        .idle_timeout(Duration::from_secs(24 * 3600));
    let mut net = Net::new(config, Link::perfect(), 12);
    let c = net.add_client(ClientConfig::new(user, "secret").privilege(level));
    net.connect(c, SECOND).unwrap();
    (net, c)
}

fn walk(net: &mut Net, c: usize) -> Vec<Record> {
    let deadline = Deadline::after(net.now, Duration::from_secs(60));
    let cache = read_sdr_repository(&mut Over { net, c }, WalkLimits::default(), deadline).unwrap();
    cache.repository.decode().map(Result::unwrap).collect()
}

fn sel(net: &mut Net, c: usize) -> Vec<SelRecord> {
    let deadline = Deadline::after(net.now, Duration::from_secs(60));
    run(
        &mut Over { net, c },
        SelRead::new(Target::bmc(), SelRange::All),
        deadline,
    )
    .unwrap()
    .iter()
    .map(|r| SelRecord::parse(r).unwrap())
    .collect()
}

/// (sensor number, deassertion, event data 1–3, timestamp) of each system event.
fn events(records: &[SelRecord]) -> Vec<(u8, bool, [u8; 3], u32)> {
    records
        .iter()
        .map(|r| {
            let e = r.system_event().unwrap();
            assert_eq!((e.generator.0, e.evm_rev), (0x20, 0x04));
            (e.sensor_number, e.deassertion, e.data, e.timestamp)
        })
        .collect()
}

fn evaluate(net: &mut Net, c: usize, records: &[Record], number: u8) -> Evaluation {
    let record = records
        .iter()
        .find(|r| r.body.sensor_key().map(|k| k.number) == Some(number))
        .unwrap();
    let reading: SensorReading = net.execute(c, &GetSensorReading(number), SECOND).unwrap();
    Evaluation::new(&record.body, Some(&reading), None).unwrap()
}

/// The converted value to 1/100 (the conversion's float noise aside).
fn value(e: &Evaluation) -> Option<f64> {
    e.value.map(|v| (v.value * 100.0).round() / 100.0)
}

#[test]
fn repository_sensors_events_and_inventory_follow_virtual_time() {
    let (mut net, c) = net("admin", PrivilegeLevel::Administrator);
    // The first request starts the virtual clock (second 0), power off.
    let id = net.execute(c, &GetDeviceId, SECOND).unwrap();
    assert_eq!(
        id.additional_support & 0x8f,
        0x8f,
        "sensor, SDR, SEL, FRU, chassis"
    );

    let records = walk(&mut net, c);
    let names: Vec<(u16, u8, String)> = records
        .iter()
        .map(|r| {
            (
                r.record_id,
                r.body.record_type(),
                r.body.id_string().unwrap().text(),
            )
        })
        .collect();
    let expect = [
        (1, 0x01, "CPU Temp"),
        (2, 0x01, "Inlet Temp"),
        (3, 0x01, "FAN1"),
        (4, 0x01, "FAN2"),
        (5, 0x01, "12V"),
        (6, 0x01, "5V"),
        (7, 0x01, "3.3V"),
        (8, 0x02, "PS1 Status"),
        (9, 0x02, "Intrusion"),
        (10, 0x12, "BMC"),
        (11, 0x11, "Builtin FRU"),
        (12, 0x11, "PS1 FRU"),
    ];
    let expect: Vec<(u16, u8, String)> = expect
        .iter()
        .map(|(i, t, n)| (*i, *t, n.to_string()))
        .collect();
    assert_eq!(names, expect);
    let Sdr::Full(fan2) = &records[3].body else {
        panic!("FAN2 is a full record")
    };
    assert_eq!(fan2.threshold(Threshold::LowerCritical), Some(20));
    assert_eq!(fan2.value(20).unwrap().value, 1000.0);
    let Sdr::FruLocator(psu_fru) = &records[11].body else {
        panic!("FRU locator")
    };
    assert_eq!((psu_fru.fru_device_id, psu_fru.logical), (1, true));

    // Power off at second 0: CPU 30 °C, fans and 12 V unavailable, 3.3 V standby.
    let cpu = evaluate(&mut net, c, &records, 0x01);
    assert_eq!(value(&cpu), Some(30.0));
    let fan1 = evaluate(&mut net, c, &records, 0x10);
    assert_eq!(fan1.availability, Availability::NoReading);
    let v33 = evaluate(&mut net, c, &records, 0x22);
    assert_eq!(value(&v33), Some(3.3), "raw 165 while off");
    let inlet = evaluate(&mut net, c, &records, 0x02);
    assert_eq!(value(&inlet), Some(22.0));
    let psu = evaluate(&mut net, c, &records, 0x30);
    assert_eq!(psu.states, 0x0001, "presence detected");
    assert!(
        sel(&mut net, c).is_empty(),
        "no event while nothing changed"
    );

    // Power on at second 10: FAN2 fails 3 powered-on seconds later.
    net.advance(10 * SECOND);
    net.execute(c, &ChassisControl(PowerAction::Up), SECOND)
        .unwrap();
    net.advance(5 * SECOND);
    let fan1 = evaluate(&mut net, c, &records, 0x10);
    assert_eq!(value(&fan1), Some(6150.0), "raw 120 + 15 % 4");
    let fan2_now = evaluate(&mut net, c, &records, 0x11);
    assert_eq!(value(&fan2_now), Some(0.0));
    assert_eq!(fan2_now.comparison.word(), "cr");
    let at = |s: u32| EPOCH_UNIX + s;
    assert_eq!(
        events(&sel(&mut net, c)),
        [
            (0x11, false, [0x50, 0, 30], at(13)),
            (0x11, false, [0x52, 0, 20], at(13)),
        ]
    );

    // CPU Temp rises 1 °C every 10 s on: upper non-critical (80) at 400 s
    // on (second 410), back below 78 at 521 s on (second 531).
    net.advance(405 * SECOND);
    let cpu = evaluate(&mut net, c, &records, 0x01);
    assert_eq!(value(&cpu), Some(81.0), "40 + 410 / 10 at second 420");
    assert_eq!(cpu.comparison.word(), "nc");
    net.advance(200 * SECOND);
    let all = events(&sel(&mut net, c));
    assert_eq!(
        all[2..],
        [
            (0x01, false, [0x57, 80, 80], at(410)),
            (0x01, true, [0x57, 77, 80], at(531)),
        ]
    );
    let thresholds = net.execute(c, &GetSensorThresholds(0x01), SECOND).unwrap();
    assert_eq!(thresholds.get(Threshold::UpperNonCritical), Some(80));
    let h = net.execute(c, &GetSensorHysteresis(0x01), SECOND).unwrap();
    assert_eq!((h.positive, h.negative), (2, 2));
    let enable = GetSensorEvents {
        number: 0x11,
        status: false,
    };
    assert_eq!(net.execute(c, &enable, SECOND).unwrap().assertions, 0x0005);
    assert_eq!(cc(net.execute(c, &GetSensorReading(0x99), SECOND)), 0xcb);

    // SEL time: the virtual second, then moved by Set SEL Time.
    let now_s = 620;
    assert_eq!(net.execute(c, &GetSelTime, SECOND).unwrap(), at(now_s));
    let moved = 2_000_000_000;
    net.execute(c, &SetSelTime { time: moved }, SECOND).unwrap();
    assert_eq!(net.execute(c, &GetSelTime, SECOND).unwrap(), moved);

    // PS1 fails at second 1800; by then CPU Temp crossed again (1310, 1431).
    net.advance(1185 * SECOND);
    let all = events(&sel(&mut net, c));
    assert_eq!(all.len(), 7, "{all:?}");
    assert_eq!(all[4].3, moved + (1310 - now_s));
    assert_eq!(
        all[6],
        (0x30, false, [0x01, 0xff, 0xff], moved + (1800 - now_s))
    );
    let info = net.execute(c, &GetSelInfo, SECOND).unwrap();
    assert_eq!((info.record_count, info.free_space), (7, (512 - 7) * 16));

    // Clear under a reservation; the old reservation is then refused.
    let deadline = Deadline::after(net.now, Duration::from_secs(60));
    assert!(run(
        &mut Over { net: &mut net, c },
        SelClear::new(Target::bmc()),
        deadline
    )
    .unwrap());
    let info = net.execute(c, &GetSelInfo, SECOND).unwrap();
    assert_eq!(info.record_count, 0);
    assert_eq!(info.last_erase, moved + (1805 - now_s));
    let r = net.execute(c, &Reserve(RecordStore::SEL), SECOND).unwrap();
    assert_eq!(
        cc(net.execute(
            c,
            &DeleteSelEntry {
                reservation: r,
                record_id: 1
            },
            SECOND
        )),
        0xcb
    );
    assert_eq!(
        cc(net.execute(
            c,
            &DeleteSelEntry {
                reservation: r.wrapping_sub(1),
                record_id: 1
            },
            SECOND
        )),
        0xc5
    );

    // SDR partial reads under a reservation; a newer one cancels it.
    let r1 = net
        .execute(c, &Reserve(RecordStore::SDR_REPOSITORY), SECOND)
        .unwrap();
    let part = |reservation| GetSdr {
        store: RecordStore::SDR_REPOSITORY,
        reservation,
        record_id: 1,
        offset: 5,
        count: 8,
    };
    let chunk = net.execute(c, &part(r1), SECOND).unwrap();
    assert_eq!((chunk.next_record_id, chunk.data.len()), (2, 8));
    let r2 = net
        .execute(c, &Reserve(RecordStore::SDR_REPOSITORY), SECOND)
        .unwrap();
    assert_ne!(r1, r2);
    assert_eq!(cc(net.execute(c, &part(r1), SECOND)), 0xc5);
    let last = net
        .execute(
            c,
            &GetSdr::whole(RecordStore::SDR_REPOSITORY, 0xffff),
            SECOND,
        )
        .unwrap();
    assert_eq!((last.next_record_id, last.data[0]), (0xffff, 12));

    // FRU images: the machine's chassis, board and product; the PSU's.
    for (device, product, serial) in [
        (0, "ipmirs virtual machine", "VM0001"),
        (1, "Virtual PSU 800W", "PSU0001"),
    ] {
        let deadline = Deadline::after(net.now, Duration::from_secs(60));
        let image = run(
            &mut Over { net: &mut net, c },
            FruRead::new(Target::bmc(), device),
            deadline,
        )
        .unwrap();
        let inv = FruImage::parse(&image).unwrap().into_inventory().unwrap();
        let p = inv.product.unwrap();
        assert_eq!(p.product_name.to_text(), product);
        assert_eq!(p.serial_number.to_text(), serial);
        assert_eq!(inv.board.unwrap().manufacturer.to_text(), "ipmirs");
        assert_eq!(inv.chassis.is_some(), device == 0);
    }
    let read = ipmi_core::cmd::fru::ReadFruData {
        device_id: 2,
        offset: 0,
        count: 8,
    };
    assert_eq!(cc(net.execute(c, &read, SECOND)), 0xcb);
}

/// Appendix G: a USER session reads sensors, the SDRs, the SEL and FRU
/// data, and is refused Clear SEL, Delete SEL Entry and Set SEL Time.
#[test]
fn user_reads_and_operator_changes() {
    let (mut net, c) = net("viewer", PrivilegeLevel::User);
    net.execute(c, &GetSensorReading(0x01), SECOND).unwrap();
    assert!(!walk(&mut net, c).is_empty());
    net.execute(c, &GetSelInfo, SECOND).unwrap();
    let r = net.execute(c, &Reserve(RecordStore::SEL), SECOND).unwrap();
    let delete = DeleteSelEntry {
        reservation: r,
        record_id: 1,
    };
    assert_eq!(cc(net.execute(c, &delete, SECOND)), 0xd4);
    assert_eq!(cc(net.execute(c, &SetSelTime { time: 5 }, SECOND)), 0xd4);
    let clear = ipmi_core::cmd::sel::ClearSel {
        reservation: r,
        action: ipmi_core::cmd::sel::ClearAction::Initiate,
    };
    assert_eq!(clear.netfn(), ipmi_core::NetFn::STORAGE);
    assert_eq!(cc(net.execute(c, &clear, SECOND)), 0xd4);
}
