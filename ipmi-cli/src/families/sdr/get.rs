//! `sdr get ID...` and `sensor get ID...`: ipmitool 1.8.19's verbose
//! prints of full, compact and event-only sensors: the record's fields, the
//! reading (Get Sensor Reading, IPMI 2.0 §35.14), the thresholds (Get
//! Sensor Thresholds §35.9) and the sensor's asserted and enabled events
//! (Get Sensor Event Status §35.13, Get Sensor Event Enable §35.11).

use std::fmt::Write as _;

use ipmi_core::cmd::{GetSensorEvents, GetSensorThresholds, SensorEvents, SensorThresholds};
use ipmi_core::record::sdr::{Entity, Record, Sdr, SensorCommon};
use ipmi_core::sensor::{
    device_type_name, entity_name, format_number, sensor_type_name, state_names, AnalogFormat, Availability,
    Threshold,
};
use ipmi_core::{Command, Deadline, Transport};

use super::read::{Sensor, Traced};

/// The event masks of one sensor as its owner answered them.
#[derive(Clone, Debug, Default)]
pub struct Events {
    /// Get Sensor Event Status, when answered.
    pub status: Option<SensorEvents>,
    /// Get Sensor Event Enable, when answered.
    pub enable: Option<SensorEvents>,
    /// Get Sensor Thresholds, when asked and answered (`sensor get`).
    pub thresholds: Option<SensorThresholds>,
}

/// Asks the owner of `record`'s sensor for its event status and enables
/// (`sensor get`: only for a threshold sensor, and its thresholds too);
/// nothing for records without a readable sensor.
pub fn events<T: Transport>(
    transport: &mut Traced<'_, T>,
    record: &Record,
    sensor_get: bool,
    deadline: Deadline,
) -> Events {
    let Some(c) = record.body.sensor_common() else {
        return Events::default();
    };
    if sensor_get && !c.is_threshold() {
        return Events::default();
    }
    let target = c.key.target();
    let mut run = |request: ipmi_core::Request| transport.exchange(&request, deadline).ok();
    let ask = |run: &mut dyn FnMut(ipmi_core::Request) -> Option<ipmi_core::Response>, status| {
        let cmd = GetSensorEvents {
            number: c.key.number,
            status,
        };
        cmd.decode(&run(cmd.request_to(target))?).ok()
    };
    let thresholds = if sensor_get {
        let cmd = GetSensorThresholds(c.key.number);
        run(cmd.request_to(target)).and_then(|r| cmd.decode(&r).ok())
    } else {
        None
    };
    Events {
        status: ask(&mut run, true),
        enable: ask(&mut run, false),
        thresholds,
    }
}

fn entity_text(e: Entity) -> String {
    let name = entity_name(e.id)
        .map(String::from)
        .unwrap_or_else(|| format!("Unknown (0x{:02x})", e.id));
    format!("{}.{} ({name})", e.id, e.instance)
}

/// The threshold event words of Get Sensor Event Status/Enable bytes 1-2
/// (or 3-4), in ipmitool's bit order.
const ANALOG_EVENTS: [&str; 12] = [
    "lnc-", "lnc+", "lcr-", "lcr+", "lnr-", "lnr+", "unc-", "unc+", "ucr-", "ucr+", "unr-", "unr+",
];

fn analog_events(out: &mut String, label: &str, mask: u16) {
    let _ = write!(out, " {label:<21} : ");
    for (bit, word) in ANALOG_EVENTS.iter().enumerate() {
        if mask & (1 << bit) != 0 {
            let _ = write!(out, "{word} ");
        }
    }
    out.push('\n');
}

/// ipmitool's discrete state block: a header naming the sensor type, then
/// one `[state]` line per asserted state; nothing when no bit is set.
fn discrete_states(out: &mut String, label: &str, c: &SensorCommon, mask: u16) {
    if mask & 0x7fff == 0 {
        return;
    }
    let names = state_names(c.sensor_type, c.event_type, mask & 0x7fff);
    let _ = writeln!(out, " {label:<21} : {}", sensor_type_name(c.sensor_type));
    for n in names {
        let _ = writeln!(out, "                         [{n}]");
    }
}

/// The asserted (or enabled) events of one Get Sensor Event Status/Enable
/// answer under `labels` (assertions, deassertions).
fn event_masks(
    out: &mut String,
    c: &SensorCommon,
    e: &SensorEvents,
    analog: bool,
    labels: [&str; 2],
) {
    if analog {
        analog_events(out, labels[0], e.assertions);
        if e.deassertions != 0 {
            analog_events(out, labels[1], e.deassertions);
        }
    } else {
        discrete_states(out, labels[0], c, e.assertions);
        discrete_states(out, labels[1], c, e.deassertions);
    }
}

fn event_blocks(out: &mut String, c: &SensorCommon, events: &Events, analog: bool) {
    if let Some(s) = &events.status {
        if s.flags & 0x20 != 0 {
            out.push_str(" Event Status          : Unavailable\n");
        } else {
            if s.flags & 0x80 == 0 {
                out.push_str(" Event Status          : Event Messages Disabled\n");
            }
            event_masks(out, c, s, analog, ["Assertion Events", "Deassertion Events"]);
        }
    }
    if let Some(e) = &events.enable {
        if e.flags & 0x80 == 0 {
            out.push_str(" Event Enable          : Event Messages Disabled\n");
        }
        event_masks(out, c, e, analog, ["Assertions Enabled", "Deassertions Enabled"]);
    }
}

fn event_control(out: &mut String, c: &SensorCommon) {
    let _ = writeln!(
        out,
        " Event Message Control : {}",
        match c.capabilities & 3 {
            0 => "Per-threshold",
            1 => "Entire Sensor Only",
            2 => "Global Disable Only",
            _ => "No Events From Sensor",
        }
    );
}

/// ipmitool's order of threshold words in the SDR masks.
const MASK_ORDER: [(Threshold, &str); 6] = [
    (Threshold::LowerNonRecoverable, "lnr"),
    (Threshold::LowerCritical, "lcr"),
    (Threshold::LowerNonCritical, "lnc"),
    (Threshold::UpperNonCritical, "unc"),
    (Threshold::UpperCritical, "ucr"),
    (Threshold::UpperNonRecoverable, "unr"),
];

fn threshold_words(bits: u8) -> String {
    MASK_ORDER
        .iter()
        .filter(|(t, _)| bits & (1 << *t as u8) != 0)
        .map(|(_, w)| format!("{w} "))
        .collect()
}

/// The verbose print of one sensor (`sdr get`), ipmitool's layout.
pub fn render(s: &Sensor, events: &Events) -> String {
    let mut out = String::new();
    let name = s
        .record
        .body
        .id_string()
        .map(|i| String::from_utf8_lossy(i.ipmitool_bytes()).into_owned())
        .unwrap_or_default();
    if let Sdr::EventOnly(e) = &s.record.body {
        let _ = writeln!(out, "Sensor ID              : {name} (0x{:x})", e.key.number);
        let _ = writeln!(out, "Entity ID              : {}", entity_text(e.entity));
        let _ = writeln!(
            out,
            "Sensor Type            : {} (0x{:02x})",
            sensor_type_name(e.sensor_type),
            e.sensor_type
        );
        out.push('\n');
        return out;
    }
    if let Some(text) = locator(&s.record.body) {
        return text;
    }
    let Some(c) = s.record.body.sensor_common() else {
        return out;
    };
    let ev = s.evaluation.as_ref();
    let valid = ev.is_some_and(|e| e.availability == Availability::Valid);
    let disabled = ev.is_some_and(|e| e.availability == Availability::ScanningDisabled);
    let no_value = if disabled { "Disabled" } else { "No Reading" };
    let full = match &s.record.body {
        Sdr::Full(f) => Some(f),
        _ => None,
    };
    let oem = match &s.record.body {
        Sdr::Full(f) => f.oem,
        Sdr::Compact(c) => c.oem,
        _ => 0,
    };
    let _ = writeln!(out, "Sensor ID              : {name} (0x{:x})", c.key.number);
    let _ = writeln!(out, " Entity ID             : {}", entity_text(c.entity));
    if !c.is_threshold() {
        let _ = writeln!(
            out,
            " Sensor Type (Discrete): {} (0x{:02x})",
            sensor_type_name(c.sensor_type),
            c.sensor_type
        );
        let reading = match ev {
            Some(e) if valid => match &e.value {
                Some(v) => format!("{} {}", v.number(2), v.units.text()),
                None => format!("{:x}h", e.raw.unwrap_or(0)),
            },
            _ => no_value.to_string(),
        };
        let _ = writeln!(out, " Sensor Reading        : {reading}");
        event_control(&mut out, c);
        if let Some(e) = ev.filter(|_| valid) {
            let states = u16::from(e.state_bytes[0]) | u16::from(e.state_bytes[1] & 0x7f) << 8;
            discrete_states(&mut out, "States Asserted", c, states);
        }
        event_blocks(&mut out, c, events, false);
        let _ = writeln!(out, " OEM                   : {oem:X}");
        out.push('\n');
        return out;
    }
    let _ = writeln!(
        out,
        " Sensor Type (Threshold)  : {} (0x{:02x})",
        sensor_type_name(c.sensor_type),
        c.sensor_type
    );
    let units = c.units.text();
    let reading = match (ev, full) {
        (Some(e), Some(f)) if valid => match &e.value {
            Some(v) => {
                let tol = f.conversion.tolerance_value();
                format!(
                    "{} (+/- {}) {units}",
                    format_number(v.value, 3),
                    format_number(tol, 3)
                )
            }
            None => format!(
                "0x{:02X} (+/- 0x{:02X}) {units}",
                e.raw.unwrap_or(0),
                f.conversion.tolerance
            ),
        },
        (Some(e), None) if valid => format!("0x{:02X} {units}", e.raw.unwrap_or(0)),
        _ => no_value.to_string(),
    };
    let _ = writeln!(out, " Sensor Reading        : {reading}");
    let status = match ev {
        Some(e) if valid => match e.comparison.worst() {
            Some(t) => t.long_name(),
            None => "ok",
        },
        _ => "Not Available",
    };
    let _ = writeln!(out, " Status                : {status}");
    let discrete_units = c.units.format == AnalogFormat::NoAnalog;
    if let Some(f) = full {
        let value = |raw: u8| {
            if discrete_units {
                format!("0x{raw:02X}")
            } else {
                format!("{:.3}", f.conversion.convert(raw).unwrap_or(0.0))
            }
        };
        for (bit, label, raw) in [
            (0x01, "Nominal Reading", f.nominal),
            (0x04, "Normal Minimum", f.normal_min),
            (0x02, "Normal Maximum", f.normal_max),
        ] {
            if f.analog_flags & bit != 0 {
                let _ = writeln!(out, " {label:<21} : {}", value(raw));
            }
        }
        if c.init & 0x10 != 0 {
            for (t, label) in [
                (Threshold::UpperNonRecoverable, "Upper non-recoverable"),
                (Threshold::UpperCritical, "Upper critical"),
                (Threshold::UpperNonCritical, "Upper non-critical"),
                (Threshold::LowerNonRecoverable, "Lower non-recoverable"),
                (Threshold::LowerCritical, "Lower critical"),
                (Threshold::LowerNonCritical, "Lower non-critical"),
            ] {
                if c.readable_thresholds().contains(t) {
                    let _ = writeln!(out, " {label:<21} : {}", value(f.thresholds[t as usize]));
                }
            }
        }
    }
    hysteresis(&mut out, s, c);
    if let Some(f) = full {
        let unspecified = |raw: u8, low: bool| match (c.units.format, low) {
            (AnalogFormat::Unsigned, true) => raw == 0x00,
            (AnalogFormat::Unsigned, false) => raw == 0xff,
            (AnalogFormat::OnesComplement, true) => raw == 0xff,
            (AnalogFormat::OnesComplement, false) => raw == 0x00,
            (AnalogFormat::TwosComplement, true) => raw == 0x80,
            (AnalogFormat::TwosComplement, false) => raw == 0x7f,
            (AnalogFormat::NoAnalog, _) => false,
        };
        for (raw, low, label) in [
            (f.sensor_min, true, "Minimum sensor range"),
            (f.sensor_max, false, "Maximum sensor range"),
        ] {
            let v = f.conversion.convert(raw).unwrap_or(0.0);
            let text = if unspecified(raw, low) || (!discrete_units && v == 0.0) {
                "Unspecified".to_string()
            } else if discrete_units {
                format!("0x{raw:02X}")
            } else {
                format!("{v:.3}")
            };
            let _ = writeln!(out, " {label}  : {text}");
        }
    }
    event_control(&mut out, c);
    for (label, bits) in [
        ("Readable Thresholds", c.readable_thresholds().0),
        ("Settable Thresholds", c.settable_thresholds().0),
    ] {
        let text = match c.threshold_access() {
            0 => "No Thresholds".to_string(),
            3 => "Thresholds Fixed".to_string(),
            _ => threshold_words(bits),
        };
        let _ = writeln!(out, " {label:<21} : {text}");
    }
    // Threshold comparison status reported: assertion mask bits 12-14
    // (lnc, lcr, lnr), deassertion mask bits 12-14 (unc, ucr, unr) (§43.1).
    let status_mask =
        ((c.assertion_mask >> 12) & 7) as u8 | ((((c.deassertion_mask >> 12) & 7) as u8) << 3);
    if status_mask != 0 {
        let _ = writeln!(out, " Threshold Read Mask   : {}", threshold_words(status_mask));
    }
    event_blocks(&mut out, c, events, true);
    out.push('\n');
    out
}

/// The verbose print of one sensor by `sensor get` (ipmitool's layout,
/// which differs from `sdr get`'s); locators and event-only records print
/// as `sdr get` prints them.
pub fn render_sensor(s: &Sensor, events: &Events) -> String {
    let Some(c) = s.record.body.sensor_common() else {
        return render(s, events);
    };
    let mut out = String::new();
    let name = s
        .record
        .body
        .id_string()
        .map(|i| String::from_utf8_lossy(i.ipmitool_bytes()).into_owned())
        .unwrap_or_default();
    let ev = s
        .evaluation
        .as_ref()
        .filter(|e| e.availability == Availability::Valid);
    let full = match &s.record.body {
        Sdr::Full(f) => Some(f),
        _ => None,
    };
    let _ = writeln!(out, "Sensor ID              : {name} (0x{:x})", c.key.number);
    let _ = writeln!(out, " Entity ID             : {}.{}", c.entity.id, c.entity.instance);
    if !c.is_threshold() {
        let _ = writeln!(
            out,
            " Sensor Type (Discrete): {}",
            sensor_type_name(c.sensor_type)
        );
        match ev {
            Some(e) => {
                if let Some(v) = &e.value {
                    let _ = writeln!(
                        out,
                        " Sensor Reading        : {} {}",
                        v.number(2),
                        v.units.text()
                    );
                }
                let states =
                    u16::from(e.state_bytes[0]) | u16::from(e.state_bytes[1] & 0x7f) << 8;
                discrete_states(&mut out, "States Asserted", c, states);
                out.push('\n');
            }
            None => out.push_str(" Unable to read sensor: Device Not Present\n\n"),
        }
        return out;
    }
    let _ = writeln!(
        out,
        " Sensor Type (Threshold)  : {}",
        sensor_type_name(c.sensor_type)
    );
    let units = c.units.text();
    match ev {
        Some(e) => {
            let reading = match (full, &e.value) {
                (Some(f), Some(v)) => format!(
                    "{} (+/- {}) {units}",
                    format_number(v.value, 3),
                    format_number(f.conversion.tolerance_value(), 3)
                ),
                (Some(f), None) => format!(
                    "0x{:x} (+/- 0x{:x}) {units}",
                    e.raw.unwrap_or(0),
                    f.conversion.tolerance
                ),
                (None, _) => format!("0x{:x} {units}", e.raw.unwrap_or(0)),
            };
            let _ = writeln!(out, " Sensor Reading        : {reading}");
            let status = e.comparison.worst().map_or("ok", Threshold::long_name);
            let _ = writeln!(out, " Status                : {status}");
            match events.thresholds {
                Some(t) => {
                    if let Some(f) = full {
                        for (th, label) in [
                            (Threshold::LowerNonRecoverable, "Lower Non-Recoverable"),
                            (Threshold::LowerCritical, "Lower Critical"),
                            (Threshold::LowerNonCritical, "Lower Non-Critical"),
                            (Threshold::UpperNonCritical, "Upper Non-Critical"),
                            (Threshold::UpperCritical, "Upper Critical"),
                            (Threshold::UpperNonRecoverable, "Upper Non-Recoverable"),
                        ] {
                            let text = match t.get(th) {
                                None => "na".to_string(),
                                Some(raw) if f.has_analog() => {
                                    format!("{:.3}", f.conversion.convert(raw).unwrap_or(0.0))
                                }
                                Some(raw) => format!("0x{raw:x}"),
                            };
                            let _ = writeln!(out, " {label:<21} : {text}");
                        }
                    }
                    hysteresis(&mut out, s, c);
                }
                None => out.push_str(" Sensor Threshold Settings not available\n"),
            }
        }
        // ipmitool prints the label before it knows there is no reading.
        None => out.push_str(" Sensor Reading        :  Unable to read sensor: Device Not Present\n\n"),
    }
    event_blocks(&mut out, c, events, true);
    out.push('\n');
    out
}

/// ipmitool's two hysteresis lines (raw for compact or discrete units).
fn hysteresis(out: &mut String, s: &Sensor, c: &SensorCommon) {
    let full = match &s.record.body {
        Sdr::Full(f) => Some(f),
        _ => None,
    };
    let discrete_units = c.units.format == AnalogFormat::NoAnalog;
        let (pos, neg) = match &s.record.body {
    Sdr::Full(f) => (f.hysteresis_positive, f.hysteresis_negative),
    Sdr::Compact(c) => (c.hysteresis_positive, c.hysteresis_negative),
    _ => (0, 0),
};
for (raw, label) in [(pos, "Positive Hysteresis"), (neg, "Negative Hysteresis")] {
    let text = match full {
        _ if raw == 0 || raw == 0xff => "Unspecified".to_string(),
        Some(f) if !discrete_units => match f.conversion.delta(raw) {
            Some(v) if v != 0.0 => format!("{v:.3}"),
            _ => "Unspecified".to_string(),
        },
        _ => format!("0x{raw:02X}"),
    };
    let _ = writeln!(out, " {label}   : {text}");
}
}

fn yes(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

/// Device type and modifier with the type's name. ipmitool looks the name
/// up by `type << 8 | modifier` in a table keyed by type alone, so it names
/// only device type 10h (and type 0 by modifier); here each type is named
/// by table 43-12, the unknown ones as ipmitool does.
fn device_type(t: u8, m: u8) -> String {
    let name = device_type_name(t, m)
        .map(String::from)
        .unwrap_or_else(|| format!("Unknown (0x{:02x})", u16::from(t) << 8 | u16::from(m)));
    format!("{t:X}h.{m:X}h ({name})")
}

/// The verbose print of an MC, FRU or generic device locator (`sdr get`).
fn locator(body: &Sdr) -> Option<String> {
    let mut out = String::new();
    let id = |i: &ipmi_core::record::sdr::IdString| String::from_utf8_lossy(i.ipmitool_bytes()).into_owned();
    match body {
        Sdr::McLocator(m) => {
            let power = m.power_state >> 5;
            let init = m.power_state & 0x0f;
            let required = |b: bool| if b { "Required" } else { "Not Required" };
            let _ = writeln!(out, "Device ID              : {}", id(&m.id));
            let _ = writeln!(out, "Entity ID              : {}", entity_text(m.entity));
            let _ = writeln!(out, "Device Slave Address   : {:02X}h", m.slave_address);
            let _ = writeln!(out, "Channel Number         : {:01X}h", m.channel);
            let _ = writeln!(out, "ACPI System P/S Notif  : {}", required(power & 4 != 0));
            let _ = writeln!(out, "ACPI Device P/S Notif  : {}", required(power & 2 != 0));
            let _ = writeln!(
                out,
                "Controller Presence    : {}",
                if power & 1 != 0 { "Static" } else { "Dynamic" }
            );
            let _ = writeln!(out, "Logs Init Agent Errors : {}", yes(init & 8 != 0));
            let _ = writeln!(
                out,
                "Event Message Gen      : {}",
                match init & 3 {
                    0 => "Enable",
                    1 => "Disable",
                    2 => "Do Not Init Controller",
                    _ => "Reserved",
                }
            );
            out.push_str("Device Capabilities\n");
            for (bit, label) in [
                (0x80, "Chassis Device"),
                (0x40, "Bridge"),
                (0x20, "IPMB Event Generator"),
                (0x10, "IPMB Event Receiver"),
                (0x08, "FRU Inventory Device"),
                (0x04, "SEL Device"),
                (0x02, "SDR Repository"),
                (0x01, "Sensor Device"),
            ] {
                let _ = writeln!(out, " {label:<21} : {}", yes(m.capabilities & bit != 0));
            }
        }
        Sdr::GenericLocator(g) => {
            let _ = writeln!(out, "Device ID              : {}", id(&g.id));
            let _ = writeln!(out, "Entity ID              : {}", entity_text(g.entity));
            let _ = writeln!(out, "Device Access Address  : {:02X}h", g.access_address);
            let _ = writeln!(out, "Device Slave Address   : {:02X}h", g.slave_address);
            let _ = writeln!(out, "Address Span           : {:02X}h", g.address_span);
            let _ = writeln!(out, "Channel Number         : {:01X}h", g.channel);
            let _ = writeln!(out, "LUN.Bus                : {:01X}h.{:01X}h", g.lun, g.private_bus);
            let _ = writeln!(
                out,
                "Device Type.Modifier   : {}",
                device_type(g.device_type, g.device_type_modifier)
            );
            let _ = writeln!(out, "OEM                    : {:02X}h", g.oem);
        }
        Sdr::FruLocator(f) => {
            let _ = writeln!(out, "Device ID              : {}", id(&f.id));
            let _ = writeln!(out, "Entity ID              : {}", entity_text(f.entity));
            let _ = writeln!(out, "Device Access Address  : {:02X}h", f.access_address);
            let _ = writeln!(
                out,
                "{}: {:02X}h",
                if f.logical {
                    "Logical FRU Device     "
                } else {
                    "Slave Address          "
                },
                f.fru_device_id
            );
            let _ = writeln!(out, "Channel Number         : {:01X}h", f.channel);
            let _ = writeln!(out, "LUN.Bus                : {:01X}h.{:01X}h", f.lun, f.private_bus);
            let _ = writeln!(
                out,
                "Device Type.Modifier   : {}",
                device_type(f.device_type, f.device_type_modifier)
            );
            let _ = writeln!(out, "OEM                    : {:02X}h", f.oem);
        }
        _ => return None,
    }
    out.push('\n');
    Some(out)
}
