//! Decoder tests on real records: OpenIPMI's `lanserv/ipmisim1.sdrs`
//! compiled by `sdrcomp` (the bytes ipmi_sim serves).

use super::*;
use crate::sensor::{AnalogFormat, Linearization, Threshold};

/// ipmisim1.sdrs as `sdrcomp` compiles it, in record-ID order.
pub(crate) const IPMISIM1: [&str; 6] = [
    "01005112142000008f000000070100c949504d492073696d31",
    "02005103142000000701236f00000000c87761746368646f67",
    "03005101312000010701450001010000000000000001000001000001010000000000ff000000000000000000000000c64d4254656d70",
    "04005101323000010701450001010000000000000001000001000001010000000000ff000000000000000000000000c753756254656d70",
    "050051022220000208010000256f030003000300c000000000000000000000c76d6d3170726573",
    "060051111430038000001000080200c96d6d32667275646576",
];

pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn ipmisim1_records_decode_and_emit_back() {
    let mut kinds = Vec::new();
    for h in IPMISIM1 {
        let bytes = hex(h);
        let rec = Record::parse(&bytes).unwrap();
        kinds.push(rec.body.record_type());
        let mut out = Vec::new();
        rec.emit(&mut out);
        assert_eq!(out, bytes, "record {:#x}", rec.record_id);
    }
    assert_eq!(kinds, [0x12, 0x03, 0x01, 0x01, 0x02, 0x11]);
}

#[test]
fn ipmisim1_fields() {
    let mc = Record::parse(&hex(IPMISIM1[0])).unwrap();
    let Sdr::McLocator(mc) = mc.body else {
        panic!()
    };
    assert_eq!(
        (mc.slave_address, mc.channel, mc.capabilities),
        (0x20, 0, 0x8f)
    );
    assert_eq!((mc.entity.id, mc.entity.instance), (7, 1));
    assert_eq!(mc.id.text(), "IPMI sim1");

    let wd = Record::parse(&hex(IPMISIM1[1])).unwrap();
    let Sdr::EventOnly(wd) = wd.body else {
        panic!()
    };
    assert_eq!((wd.sensor_type, wd.event_type), (0x23, 0x6f));
    assert_eq!(wd.id.text(), "watchdog");

    let t = Record::parse(&hex(IPMISIM1[3])).unwrap();
    assert_eq!(t.record_id, 4);
    let Sdr::Full(t) = t.body else { panic!() };
    assert_eq!(t.common.key.owner_id, 0x30);
    assert_eq!(t.common.key.target().slave_addr, 0x30);
    assert_eq!((t.common.sensor_type, t.common.event_type), (0x01, 0x01));
    assert_eq!(t.common.units.text(), "degrees C");
    assert_eq!(t.common.units.format, AnalogFormat::Unsigned);
    assert_eq!(t.conversion.linearization, Linearization::Linear);
    assert_eq!(
        (t.conversion.m, t.conversion.b, t.conversion.r_exp),
        (1, 0, 0)
    );
    assert_eq!((t.sensor_max, t.sensor_min), (0xff, 0));
    assert_eq!(t.value(27).unwrap().value, 27.0);
    assert_eq!(t.threshold(Threshold::UpperCritical), None);
    assert_eq!(t.id.text(), "SubTemp");

    let c = Record::parse(&hex(IPMISIM1[4])).unwrap();
    let Sdr::Compact(c) = c.body else { panic!() };
    assert_eq!((c.common.entity.id, c.common.sensor_type), (0x08, 0x25));
    assert_eq!(c.id.text(), "mm1pres");

    let f = Record::parse(&hex(IPMISIM1[5])).unwrap();
    let Sdr::FruLocator(f) = f.body else { panic!() };
    assert_eq!(
        (f.access_address, f.fru_device_id, f.logical),
        (0x30, 3, true)
    );
    assert_eq!(
        (f.device_type, f.entity.id, f.entity.instance),
        (0x10, 8, 2)
    );
}

#[test]
fn dump_splits_and_every_truncation_names_the_record() {
    let dump: Vec<u8> = IPMISIM1.iter().flat_map(|h| hex(h)).collect();
    let recs: Vec<_> = split_records(&dump).collect::<Result<_, _>>().unwrap();
    assert_eq!(recs.len(), 6);
    for h in IPMISIM1 {
        let bytes = hex(h);
        for cut in 0..bytes.len() {
            let e = Record::parse(&bytes[..cut]).unwrap_err();
            if cut >= 2 {
                assert_eq!(e.record_id, Some(u16::from(bytes[0])), "{e}");
            }
            assert!(!e.field.is_empty());
        }
        // A length byte that claims less than the type needs.
        let mut short = bytes.clone();
        short[4] = 3;
        let e = Record::parse(&short).unwrap_err();
        assert!(e.to_string().starts_with("SDR record 0x00"), "{e}");
    }
    let e = Record::parse(&hex("0300510131200001")).unwrap_err();
    assert_eq!(e.field, "record length");
}

#[test]
fn shared_sensor_names_count_up_from_the_offset() {
    let numeric = Sharing {
        direction: 1,
        alpha_modifier: false,
        count: 4,
        entity_instance_increments: true,
        modifier_offset: 1,
    };
    assert_eq!(
        (0..4).map(|i| numeric.suffix(i)).collect::<Vec<_>>(),
        ["1", "2", "3", "4"]
    );
    let alpha = Sharing {
        alpha_modifier: true,
        modifier_offset: 24,
        ..numeric
    };
    assert_eq!(
        (0..4).map(|i| alpha.suffix(i)).collect::<Vec<_>>(),
        ["Y", "Z", "AA", "AB"]
    );
    let mut out = Vec::new();
    alpha.emit(&mut out);
    assert_eq!(Sharing::parse(&out).unwrap().1, alpha);
}
