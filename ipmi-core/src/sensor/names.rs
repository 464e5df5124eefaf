//! Name tables, each once: unit codes (IPMI 2.0 §43.17, table 43-15),
//! sensor types (§42.2, table 42-3), entity IDs (§43.14, table 43-13) and
//! the discrete states of a reading (§42.1, §42.2), in ipmitool's words.

use super::event_states::{EventState, GENERIC, SENSOR_SPECIFIC};

/// Unit names by code 0–92 (table 43-15).
static UNITS: [&str; 93] = [
    "unspecified",
    "degrees C",
    "degrees F",
    "degrees K",
    "Volts",
    "Amps",
    "Watts",
    "Joules",
    "Coulombs",
    "VA",
    "Nits",
    "lumen",
    "lux",
    "Candela",
    "kPa",
    "PSI",
    "Newton",
    "CFM",
    "RPM",
    "Hz",
    "microsecond",
    "millisecond",
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "mil",
    "inches",
    "feet",
    "cu in",
    "cu feet",
    "mm",
    "cm",
    "m",
    "cu cm",
    "cu m",
    "liters",
    "fluid ounce",
    "radians",
    "steradians",
    "revolutions",
    "cycles",
    "gravities",
    "ounce",
    "pound",
    "ft-lb",
    "oz-in",
    "gauss",
    "gilberts",
    "henry",
    "millihenry",
    "farad",
    "microfarad",
    "ohms",
    "siemens",
    "mole",
    "becquerel",
    "PPM",
    "reserved",
    "Decibels",
    "DbA",
    "DbC",
    "gray",
    "sievert",
    "color temp deg K",
    "bit",
    "kilobit",
    "megabit",
    "gigabit",
    "byte",
    "kilobyte",
    "megabyte",
    "gigabyte",
    "word",
    "dword",
    "qword",
    "line",
    "hit",
    "miss",
    "retry",
    "reset",
    "overflow",
    "underrun",
    "collision",
    "packets",
    "messages",
    "characters",
    "error",
    "correctable error",
    "uncorrectable error",
    "fatal error",
    "grams",
];

/// Sensor type names by code 00h–2Ch (table 42-3).
static SENSOR_TYPES: [&str; 45] = [
    "reserved",
    "Temperature",
    "Voltage",
    "Current",
    "Fan",
    "Physical Security",
    "Platform Security",
    "Processor",
    "Power Supply",
    "Power Unit",
    "Cooling Device",
    "Other",
    "Memory",
    "Drive Slot / Bay",
    "POST Memory Resize",
    "System Firmwares",
    "Event Logging Disabled",
    "Watchdog1",
    "System Event",
    "Critical Interrupt",
    "Button",
    "Module / Board",
    "Microcontroller",
    "Add-in Card",
    "Chassis",
    "Chip Set",
    "Other FRU",
    "Cable / Interconnect",
    "Terminator",
    "System Boot Initiated",
    "Boot Error",
    "OS Boot",
    "OS Critical Stop",
    "Slot / Connector",
    "System ACPI Power State",
    "Watchdog2",
    "Platform Alert",
    "Entity Presence",
    "Monitor ASIC",
    "LAN",
    "Management Subsys Health",
    "Battery",
    "Session Audit",
    "Version Change",
    "FRU State",
];

/// The name of unit code `code`; "invalid" past the table (ipmitool's word).
pub fn unit_name(code: u8) -> &'static str {
    UNITS.get(usize::from(code)).copied().unwrap_or("invalid")
}

/// The name of sensor type `code`; "Unknown" for OEM and undefined codes (ipmitool's word).
pub fn sensor_type_name(code: u8) -> &'static str {
    SENSOR_TYPES
        .get(usize::from(code))
        .copied()
        .unwrap_or("Unknown")
}

/// The name of entity ID `id` (table 43-13 plus PICMG codes), `None` when undefined
/// (ipmitool prints "Unknown (0xNN)").
pub fn entity_name(id: u8) -> Option<&'static str> {
    Some(match id {
        0x00 => "Unspecified",
        0x01 => "Other",
        0x02 => "Unknown",
        0x03 => "Processor",
        0x04 => "Disk or Disk Bay",
        0x05 => "Peripheral Bay",
        0x06 => "System Management Module",
        0x07 => "System Board",
        0x08 => "Memory Module",
        0x09 => "Processor Module",
        0x0a => "Power Supply",
        0x0b => "Add-in Card",
        0x0c => "Front Panel Board",
        0x0d => "Back Panel Board",
        0x0e => "Power System Board",
        0x0f => "Drive Backplane",
        0x10 => "System Internal Expansion Board",
        0x11 => "Other System Board",
        0x12 => "Processor Board",
        0x13 => "Power Unit",
        0x14 => "Power Module",
        0x15 => "Power Management",
        0x16 => "Chassis Back Panel Board",
        0x17 => "System Chassis",
        0x18 => "Sub-Chassis",
        0x19 => "Other Chassis Board",
        0x1a => "Disk Drive Bay",
        0x1b => "Peripheral Bay",
        0x1c => "Device Bay",
        0x1d => "Fan Device",
        0x1e => "Cooling Unit",
        0x1f => "Cable/Interconnect",
        0x20 => "Memory Device",
        0x21 => "System Management Software",
        0x22 => "BIOS",
        0x23 => "Operating System",
        0x24 => "System Bus",
        0x25 => "Group",
        0x26 => "Remote Management Device",
        0x27 => "External Environment",
        0x28 => "Battery",
        0x29 => "Processing Blade",
        0x2a => "Connectivity Switch",
        0x2b => "Processor/Memory Module",
        0x2c => "I/O Module",
        0x2d => "Processor/IO Module",
        0x2e => "Management Controller Firmware",
        0x2f => "IPMI Channel",
        0x30 => "PCI Bus",
        0x31 => "PCI Express Bus",
        0x32 => "SCSI Bus (parallel)",
        0x33 => "SATA/SAS Bus",
        0x34 => "Processor/Front-Side Bus",
        0x35 => "Real Time Clock(RTC)",
        0x36 => "Reserved",
        0x37 => "Air Inlet",
        0x38 => "Reserved",
        0x39 => "Reserved",
        0x3a => "Reserved",
        0x3b => "Reserved",
        0x3c => "Reserved",
        0x3d => "Reserved",
        0x3e => "Reserved",
        0x3f => "Reserved",
        0x40 => "Air Inlet",
        0x41 => "Processor",
        0x42 => "Baseboard/Main System Board",
        0xa0 => "PICMG Front Board",
        0xc0 => "PICMG Rear Transition Module",
        0xc1 => "PICMG AdvancedMC Module",
        0xf0 => "PICMG Shelf Management Controller",
        0xf1 => "PICMG Filtration Unit",
        0xf2 => "PICMG Shelf FRU Information",
        0xf3 => "PICMG Alarm Panel",
        _ => return None,
    })
}

/// Every table entry of an event/reading type: the generic table
/// (IPMI 2.0 §42.1, table 42-2) for 01h–0Ch, the sensor-specific one
/// (§42.2, table 42-3) by `sensor_type` for 6Fh, none for OEM (70h–7Fh)
/// and undefined types. Entries needing a particular event data 2 included.
pub fn event_entries(sensor_type: u8, event_type: u8) -> impl Iterator<Item = &'static EventState> {
    let (table, code): (&'static [EventState], u8) = match event_type {
        0x01..=0x0c => (GENERIC, event_type),
        0x6f => (SENSOR_SPECIFIC, sensor_type),
        _ => (&[], 0),
    };
    table.iter().filter(move |s| s.code == code)
}

/// The states of an event/reading type, for sensor states (the
/// [`event_entries`] that need no particular event data 2).
pub fn states_of(sensor_type: u8, event_type: u8) -> impl Iterator<Item = &'static EventState> {
    event_entries(sensor_type, event_type).filter(|s| s.data2.is_none())
}

/// The names of the asserted discrete states `states` (bits 0–14 of Get
/// Sensor Reading) in table order, as ipmitool's `sdr elist` lists them.
pub fn state_names(sensor_type: u8, event_type: u8, states: u16) -> Vec<&'static str> {
    states_of(sensor_type, event_type)
        .filter(|s| s.offset < 15 && states & (1 << s.offset) != 0)
        .map(|s| s.text)
        .collect()
}

/// The name of device type `device_type` with `modifier` (IPMI 2.0 §43.21,
/// table 43-12, worded as ipmitool words it); `None` for reserved and OEM codes.
pub fn device_type_name(device_type: u8, modifier: u8) -> Option<&'static str> {
    Some(match (device_type, modifier) {
        (0x02, _) => "DS1624 temperature sensor",
        (0x03, _) => "DS1621 temperature sensor",
        (0x04, _) => "LM75 Temperature Sensor",
        (0x05, _) => "Heceta ASIC",
        (0x08, _) => "EEPROM, 24C01",
        (0x09, _) => "EEPROM, 24C02",
        (0x0a, _) => "EEPROM, 24C04",
        (0x0b, _) => "EEPROM, 24C08",
        (0x0c, _) => "EEPROM, 24C16",
        (0x0d, _) => "EEPROM, 24C17",
        (0x0e, _) => "EEPROM, 24C32",
        (0x0f, _) => "EEPROM, 24C64",
        (0x10, 0x00 | 0x02) => "IPMI FRU Inventory",
        (0x10, 0x01) => "DIMM Memory ID",
        (0x10, 0x03) => "System Processor Cartridge FRU",
        (0x14, _) => "PCF 8570 256 byte RAM",
        (0x15, _) => "PCF 8573 clock/calendar",
        (0x16, _) => "PCF 8574A I/O Port",
        (0x17, _) => "PCF 8583 clock/calendar",
        (0x18, _) => "PCF 8593 clock/calendar",
        (0x19, _) => "Clock calendar",
        (0x1a, _) => "PCF 8591 A/D, D/A Converter",
        (0x1b, _) => "I/O Port",
        (0x1c, _) => "A/D Converter",
        (0x1d, _) => "D/A Converter",
        (0x1e, _) => "A/D, D/A Converter",
        (0x1f, _) => "LCD Controller/Driver",
        (0x20, _) => "Core Logic (Chip set) Device",
        (0x21, _) => "LMC6874 Intelligent Battery controller",
        (0x22, _) => "Intelligent Batter controller",
        (0x23, _) => "Combo Management ASIC",
        (0x24, _) => "Maxim 1617 Temperature Sensor",
        (0xbf, _) => "Other/Unspecified",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(unit_name(1), "degrees C");
        assert_eq!(unit_name(92), "grams");
        assert_eq!(unit_name(93), "invalid");
        assert_eq!(sensor_type_name(0x01), "Temperature");
        assert_eq!(sensor_type_name(0x2c), "FRU State");
        assert_eq!(sensor_type_name(0x2d), "Unknown");
        assert_eq!(entity_name(0x07), Some("System Board"));
        assert_eq!(entity_name(0x90), None);
        // Entity Presence (25h), offsets 0 and 2.
        assert_eq!(state_names(0x25, 0x6f, 0x0005), ["Present", "Disabled"]);
        // Generic "Device Absent"/"Device Present" (08h).
        assert_eq!(state_names(0x01, 0x08, 0x0002), ["Device Present"]);
        assert!(state_names(0x01, 0x08, 0).is_empty());
    }
}
