//! ipmitool's commands that ipmirs does not implement yet: refused with
//! one line, `ipmirs: 'sol activate' is not implemented yet`, exit 2 (not
//! clap's suggestions of unrelated words); other words are said to be no
//! command at all.

use std::ffi::OsString;

use crate::exit::CliError;

/// ipmitool 1.8.19's top-level commands that ipmirs does not implement yet.
pub const IPMITOOL_COMMANDS: &[&str] = &[
    "i2c",
    "spd",
    "event",
    "gendev",
    "pef",
    "sol",
    "tsol",
    "isol",
    "nm",
    "sunoem",
    "kontronoem",
    "picmg",
    "fwum",
    "firewall",
    "delloem",
    "shell",
    "exec",
    "set",
    "hpm",
    "ekanalyzer",
    "ime",
    "vita",
    "lan6",
];
/// ipmitool's words after a family word that ipmirs does not implement yet.
const IPMITOOL_SUB_WORDS: &[(&str, &[&str], &str)] = &[
    (
        "mc",
        &[
            "setenables",
            "setsysinfo",
        ],
        "mc takes info, reset cold|warm, guid, selftest, watchdog get|reset|off, getenables and getsysinfo",
    ),
    (
        "sdr",
        &["get", "info", "type", "dump", "entity", "fill"],
        "sdr takes list and elist",
    ),
    (
        "sensor",
        &["get", "reading", "thresh", "event"],
        "sensor takes list",
    ),
    (
        "chassis",
        &[
            "setbootparam",
            "bootmbox",
        ],
        "chassis takes status, power WORD, policy, restart_cause, poh, identify, selftest, bootdev and bootparam get",
    ),
];
/// ipmitool's `lan` command words not implemented yet: after `lan`, these
/// make the lan command, not the interface word (`print` and `set` are the
/// [`super::lan`] family).
const IPMITOOL_LAN: &[&str] = &["alert", "stats"];

/// The family word and its first sub-word (when it is a word, not a number
/// or an option): 'lan print', 'chassis bootdev', 'sel'.
fn shown(family: &str, rest: &[OsString]) -> String {
    match rest.first().map(|w| w.to_string_lossy()) {
        Some(w) if w.starts_with(|c: char| c.is_ascii_alphabetic()) => format!("{family} {w}"),
        _ => family.to_string(),
    }
}

fn not_yet(what: String) -> CliError {
    CliError::Usage(format!("'{what}' is not implemented yet"))
}

/// The refusal of `family WORD...` for a word the family does not have.
pub fn sub_word(family: &str, words: &[OsString]) -> CliError {
    let (known, takes) = IPMITOOL_SUB_WORDS
        .iter()
        .find(|(f, _, _)| *f == family)
        .map(|(_, known, takes)| (*known, *takes))
        .unwrap_or((&[], ""));
    match words.first().and_then(|w| w.to_str()) {
        Some(w) if known.contains(&w) => not_yet(shown(family, words)),
        _ => CliError::Usage(format!(
            "'{}' is not an ipmirs command ({takes}; see ipmirs --help)",
            shown(family, words)
        )),
    }
}

/// The refusal of first words that are no ipmirs command, after the
/// interface word `lan` when `after_lan`: `lan print` is ipmitool's lan
/// command.
pub fn first_word(after_lan: bool, words: &[OsString]) -> CliError {
    let Some((first, rest)) = words.split_first() else {
        return CliError::Usage("a command word is missing".into());
    };
    let first = first.to_string_lossy();
    if after_lan && IPMITOOL_LAN.contains(&first.as_ref()) {
        return not_yet(shown("lan", words));
    }
    if IPMITOOL_COMMANDS.contains(&first.as_ref()) {
        return not_yet(shown(&first, rest));
    }
    CliError::Usage(format!(
        "'{first}' is not an ipmirs command (the commands are mc, chassis, power, raw, channel, session, user, lan print|set, dcmi, sdr, sensor, sel and fru; see ipmirs --help)"
    ))
}
