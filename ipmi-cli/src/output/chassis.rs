//! `chassis status` and `chassis power ...` as ipmitool 1.8.19 prints them.

use std::fmt::Write;

use ipmi_core::cmd::{ChassisStatus, PowerAction};

/// `chassis status`.
pub fn status(s: &ChassisStatus) -> Vec<u8> {
    let mut o = String::with_capacity(512);
    let flag = |b: bool, yes: &'static str, no: &'static str| if b { yes } else { no };
    // Writing into a String cannot fail.
    let _ = (|| -> std::fmt::Result {
        writeln!(
            o,
            "System Power         : {}",
            flag(s.power_on(), "on", "off")
        )?;
        writeln!(
            o,
            "Power Overload       : {}",
            flag(s.power_overload(), "true", "false")
        )?;
        writeln!(
            o,
            "Power Interlock      : {}",
            flag(s.power_interlock(), "active", "inactive")
        )?;
        writeln!(
            o,
            "Main Power Fault     : {}",
            flag(s.main_power_fault(), "true", "false")
        )?;
        writeln!(
            o,
            "Power Control Fault  : {}",
            flag(s.power_control_fault(), "true", "false")
        )?;
        writeln!(o, "Power Restore Policy : {}", s.restore_policy().name())?;
        o.push_str("Last Power Event     : ");
        for (bit, word) in LAST_POWER_EVENT_WORDS.iter().enumerate() {
            if s.last_power_event & (1 << bit) != 0 {
                o.push_str(word);
            }
        }
        o.push('\n');
        writeln!(
            o,
            "Chassis Intrusion    : {}",
            flag(s.intrusion(), "active", "inactive")
        )?;
        writeln!(
            o,
            "Front-Panel Lockout  : {}",
            flag(s.front_panel_lockout(), "active", "inactive")
        )?;
        writeln!(
            o,
            "Drive Fault          : {}",
            flag(s.drive_fault(), "true", "false")
        )?;
        writeln!(
            o,
            "Cooling/Fan Fault    : {}",
            flag(s.cooling_fault(), "true", "false")
        )?;
        match s.front_panel {
            None => {}
            Some(0) => writeln!(o, "Front Panel Control  : none")?,
            Some(fp) => {
                let allowed = |m: u8| flag(fp & m != 0, "allowed", "not allowed");
                let disabled = |m: u8| flag(fp & m != 0, "true", "false");
                writeln!(o, "Sleep Button Disable : {}", allowed(0x80))?;
                writeln!(o, "Diag Button Disable  : {}", allowed(0x40))?;
                writeln!(o, "Reset Button Disable : {}", allowed(0x20))?;
                writeln!(o, "Power Button Disable : {}", allowed(0x10))?;
                writeln!(o, "Sleep Button Disabled: {}", disabled(0x08))?;
                writeln!(o, "Diag Button Disabled : {}", disabled(0x04))?;
                writeln!(o, "Reset Button Disabled: {}", disabled(0x02))?;
                writeln!(o, "Power Button Disabled: {}", disabled(0x01))?;
            }
        }
        Ok(())
    })();
    o.into_bytes()
}

/// ipmitool's words for the last-power-event bits 0..=4, each with the
/// trailing space it prints (but the last).
pub const LAST_POWER_EVENT_WORDS: [&str; 5] =
    ["ac-failed ", "overload ", "interlock ", "fault ", "command"];

/// `chassis power status`.
pub fn power_status(s: &ChassisStatus) -> Vec<u8> {
    format!(
        "Chassis Power is {}\n",
        if s.power_on() { "on" } else { "off" }
    )
    .into_bytes()
}

/// `chassis power on|off|...`, printed only once the BMC accepted it.
pub fn power_control(a: PowerAction) -> Vec<u8> {
    format!("Chassis Power Control: {}\n", a.description()).into_bytes()
}
