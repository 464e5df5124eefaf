//! ipmitool 1.8.19's lines for `sdr list`, `sdr elist` and `sensor list`,
//! text and `-c` CSV, built from the decoded records and evaluations.

use ipmi_core::cmd::SdrRepositoryInfo;
use ipmi_core::record::sdr::{Entity, Sdr};
use ipmi_core::sensor::{sensor_type_name, AnalogFormat, Availability, Evaluation, Threshold};

use super::read::Sensor;
use super::{Action, Form};

/// Standard output of `action` for `sensors` (the listed records, in order).
pub fn render(action: &Action, sensors: &[Sensor]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in sensors {
        match (&action.form, action.csv) {
            (Form::SdrList { extended, .. }, false) => sdr_line(&mut out, s, *extended),
            (Form::SdrList { extended, .. }, true) => sdr_csv(&mut out, s, *extended),
            (Form::SensorList, csv) => sensor_line(&mut out, s, csv),
            (Form::Reading(_), csv) => reading_line(&mut out, s, csv),
            _ => {}
        }
    }
    out
}

/// The ID string as ipmitool prints it: its bytes, whatever the encoding.
fn id(s: &Sensor) -> &[u8] {
    s.record
        .body
        .id_string()
        .map_or(&[][..], |i| i.ipmitool_bytes())
}

/// `%-16s` of the ID bytes, as C pads.
fn id16(out: &mut Vec<u8>, s: &Sensor) {
    let start = out.len();
    out.extend_from_slice(id(s));
    out.resize(out.len().max(start + 16), b' ');
}

fn entity(e: Entity) -> String {
    format!("{:2}.{:1}", e.id, e.instance)
}

/// The value of a valid analog reading: `%.2f` (text) or `%.3f` (CSV),
/// no decimals when integral, and its unit.
fn value(ev: &Evaluation, precision: usize) -> Option<(String, String)> {
    match (ev.availability, &ev.value) {
        (Availability::Valid, Some(v)) => Some((v.number(precision), v.units.text())),
        _ => None,
    }
}

/// `sdr list` / `sdr elist`, text.
fn sdr_line(out: &mut Vec<u8>, s: &Sensor, extended: bool) {
    let tail = if extended {
        elist_tail(s)
    } else {
        list_tail(s)
    };
    if let Some(tail) = tail {
        id16(out, s);
        out.extend_from_slice(tail.as_bytes());
        out.push(b'\n');
    }
}

fn list_tail(s: &Sensor) -> Option<String> {
    let (value, status) = match &s.record.body {
        Sdr::Full(_) | Sdr::Compact(_) => {
            let ev = s.evaluation.as_ref()?;
            let full = matches!(s.record.body, Sdr::Full(_));
            let mut value = match (value(ev, 2), ev.availability) {
                (Some((n, u)), _) => format!("{n} {u}"),
                // ipmitool shows state byte 1 as a discrete sensor's value.
                (None, Availability::Valid) => format!("0x{:02x}", ev.state_bytes[0]),
                (None, Availability::ScanningDisabled) if full => "disabled".into(),
                (None, Availability::NoReading) if full => "no reading".into(),
                _ => "Not Readable".into(),
            };
            // C's char[16]: at most 15 bytes.
            value.truncate(15);
            (value, ev.status())
        }
        Sdr::EventOnly(_) => ("Event-Only".into(), "ns"),
        Sdr::McLocator(m) => (format!("Dynamic MC @ {:02X}h", m.slave_address), "ok"),
        Sdr::GenericLocator(g) => (
            format!(
                "Generic @{:02X}:{:02X}.{:1}",
                g.access_address, g.slave_address, g.lun
            ),
            "ok",
        ),
        Sdr::FruLocator(f) => (
            format!(
                "{} FRU @{:02X}h {:02x}.{:1}",
                if f.logical { "Log" } else { "Phy" },
                f.fru_device_id,
                f.entity.id,
                f.entity.instance
            ),
            "ok",
        ),
        _ => return None,
    };
    Some(format!(" | {value:<17} | {status}"))
}

fn elist_tail(s: &Sensor) -> Option<String> {
    Some(match &s.record.body {
        Sdr::Full(_) | Sdr::Compact(_) => {
            let c = s.record.body.sensor_common()?;
            let ev = s.evaluation.as_ref()?;
            let value = match (value(ev, 2), ev.availability) {
                (Some((n, u)), _) => format!("{n} {u}"),
                (None, Availability::Valid) => ev.state_names().join(", "),
                (None, Availability::ScanningDisabled) => "Disabled".into(),
                (None, Availability::NoReading) => "No Reading".into(),
            };
            format!(
                " | {:02X}h | {:<3} | {} | {value}",
                c.key.number,
                ev.extended_status(),
                entity(c.entity)
            )
        }
        Sdr::EventOnly(e) => format!(
            " | {:02X}h | ns  | {} | Event-Only",
            e.key.number,
            entity(e.entity)
        ),
        Sdr::McLocator(m) => format!(
            " | 00h | ok  | {} | Dynamic MC @ {:02X}h",
            entity(m.entity),
            m.slave_address
        ),
        Sdr::GenericLocator(g) => format!(
            " | 00h | ns  | {} | Generic Device @{:02X}h:{:02X}h.{:1}",
            entity(g.entity),
            g.access_address,
            g.slave_address,
            g.lun
        ),
        Sdr::FruLocator(f) => format!(
            " | 00h | ns  | {} | {} FRU @{:02X}h",
            entity(f.entity),
            if f.logical { "Logical" } else { "Physical" },
            f.fru_device_id
        ),
        _ => return None,
    })
}

/// `-c sdr list` / `-c sdr elist`.
fn sdr_csv(out: &mut Vec<u8>, s: &Sensor, extended: bool) {
    let plain = |e: Entity| format!("{}.{}", e.id, e.instance);
    let tail = match &s.record.body {
        Sdr::Full(_) | Sdr::Compact(_) => {
            let (Some(c), Some(ev)) = (s.record.body.sensor_common(), s.evaluation.as_ref())
            else {
                return;
            };
            let status = if extended {
                ev.extended_status()
            } else {
                ev.status()
            };
            match (value(ev, 3), ev.availability) {
                (Some((n, u)), _) => format!(",{n},{u},{status}"),
                (None, Availability::Valid) if !ev.threshold_sensor => format!(
                    ",{:02X}h,{status},{},{}",
                    c.key.number,
                    plain(c.entity),
                    ev.state_names().join(", ")
                ),
                _ => format!(",,,{status}"),
            }
        }
        Sdr::EventOnly(e) => format!(",{:02X}h,ns,{},Event-Only", e.key.number, plain(e.entity)),
        Sdr::McLocator(m) => format!(",00h,ok,{}", plain(m.entity)),
        Sdr::GenericLocator(g) => format!(",00h,ns,{}", plain(g.entity)),
        Sdr::FruLocator(f) => format!(",00h,ns,{}", plain(f.entity)),
        _ => return,
    };
    out.extend_from_slice(id(s));
    out.extend_from_slice(tail.as_bytes());
    out.push(b'\n');
}

/// One `sensor list` line (full and compact sensors), text or CSV.
fn sensor_line(out: &mut Vec<u8>, s: &Sensor, csv: bool) {
    let Some(ev) = s.evaluation.as_ref() else {
        return;
    };
    let units = ev.units.map(|u| u.text()).unwrap_or_default();
    let discrete = !ev.threshold_sensor;
    // value, unit, status
    let cols: [String; 3] = match (ev.availability, &ev.value) {
        (Availability::Valid, Some(v)) => [format!("{:.3}", v.value), units, ev.status().into()],
        // Text: state byte 1 as the value (ipmitool's); CSV: the reading byte.
        (Availability::Valid, None) if discrete => [
            format!(
                "0x{:x}",
                if csv {
                    ev.raw.unwrap_or(0)
                } else {
                    ev.state_bytes[0]
                }
            ),
            "discrete".into(),
            format!("0x{:02x}{:02x}", ev.state_bytes[0], ev.state_bytes[1]),
        ],
        (Availability::Valid, None) => [
            format!("0x{:x}", ev.raw.unwrap_or(0)),
            units,
            ev.status().into(),
        ],
        _ if discrete => ["na".into(), "discrete".into(), "na".into()],
        _ => ["na".into(), units, "na".into()],
    };
    let mut limits = Vec::with_capacity(6);
    for th in [
        Threshold::LowerNonRecoverable,
        Threshold::LowerCritical,
        Threshold::LowerNonCritical,
        Threshold::UpperNonCritical,
        Threshold::UpperCritical,
        Threshold::UpperNonRecoverable,
    ] {
        let raw = s.thresholds.as_ref().and_then(|t| t.get(th));
        limits.push(match (raw, &s.record.body) {
            (Some(raw), Sdr::Full(f)) if f.common.units.format == AnalogFormat::NoAnalog => {
                format!("0x{raw:x}")
            }
            (Some(raw), Sdr::Full(f)) => f
                .conversion
                .convert(raw)
                .map_or_else(|| "na".into(), |v| format!("{v:.3}")),
            _ => "na".into(),
        });
    }
    if csv {
        out.extend_from_slice(id(s));
        let line = format!(",{},{},{},{}\n", cols[0], cols[1], cols[2], limits.join(","));
        out.extend_from_slice(line.as_bytes());
        return;
    }
    id16(out, s);
    let mut line = format!(" | {:<10} | {:<10} | {:<6}", cols[0], cols[1], cols[2]);
    for l in &limits {
        line += &format!("| {l:<10}");
    }
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

/// `sensor reading`: `name | value` (`name,value` in CSV), analog sensors
/// with a value only.
fn reading_line(out: &mut Vec<u8>, s: &Sensor, csv: bool) {
    let Some((n, _)) = s.evaluation.as_ref().and_then(|ev| value(ev, 3)) else {
        return;
    };
    if csv {
        out.extend_from_slice(id(s));
        out.extend_from_slice(format!(",{n}\n").as_bytes());
    } else {
        id16(out, s);
        out.extend_from_slice(format!(" | {n}\n").as_bytes());
    }
}

/// `sdr type list`: the sensor types 01h..=`max`, two to a line.
pub fn type_list(max: u8) -> Vec<u8> {
    let mut out = String::from("Sensor Types:\n");
    let codes: Vec<u8> = (1..=max).collect();
    for pair in codes.chunks(2) {
        out.push('\t');
        let cells: Vec<String> = pair
            .iter()
            .map(|&c| format!("{:<25} (0x{c:02x})", sensor_type_name(c)))
            .collect();
        out.push_str(&cells.join("   "));
        out.push('\n');
    }
    out.into_bytes()
}

/// A repository timestamp. ipmitool 1.8.19 prints "NA" whatever the BMC
/// answers; ipmirs prints the date (UTC), and "NA" for FFFFFFFFh and 0.
fn timestamp(t: u32) -> String {
    if t == 0 || t == 0xffff_ffff {
        return "NA".into();
    }
    super::super::mc::admin::timestamp(i64::from(t))
}

/// `sdr info` (Get SDR Repository Info, IPMI 2.0 §33.9).
pub fn info(i: &SdrRepositoryInfo) -> Vec<u8> {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let free = match i.free_space {
        0xfffe => "> 64Kb - 2 bytes".to_string(),
        0xffff => "unspecified".to_string(),
        n => format!("{n} bytes"),
    };
    let modes = ["unspecified", "Non-modal", "Modal", "Modal and Non-modal"];
    let rows = [
        ("SDR Version", format!("0x{:x}", i.version)),
        ("Record Count", i.record_count.to_string()),
        ("Free Space", free),
        ("Most recent Addition", timestamp(i.last_addition)),
        ("Most recent Erase", timestamp(i.last_erase)),
        ("SDR overflow", yes(i.overflow()).into()),
        (
            "SDR Repository Update Support",
            modes[usize::from(i.update_modes())].into(),
        ),
        ("Delete SDR supported", yes(i.supports_delete()).into()),
        ("Partial Add SDR supported", yes(i.supports_partial_add()).into()),
        ("Reserve SDR repository supported", yes(i.supports_reserve()).into()),
        (
            "SDR Repository Alloc info supported",
            yes(i.supports_allocation_info()).into(),
        ),
    ];
    let mut out = String::new();
    for (k, v) in rows {
        out.push_str(&format!("{k:<36}: {v}\n"));
    }
    out.into_bytes()
}
