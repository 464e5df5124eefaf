//! Command lines without their secrets: what `ipmirs diagnose` (and the
//! process list of `ipmirs recover`) show of a process, since their output
//! is pasted into tickets and chats.

use std::str::FromStr;

use ipmi_core::PrivilegeLevel;

use super::cmdline::{base_name, secret_assignment, words, Family, Secret, Word};

/// What a secret is replaced with.
pub const REDACTED: &str = "***";

/// `argv` with every secret it can carry replaced by [`REDACTED`]: the
/// values of ipmitool's (and ipmirs') `-P`, `-k`, `-y`, FreeIPMI's
/// `-p`/`--password`, `-k`/`--k-g`, ipmiutil's `-P`/`-R`, ipmirs'
/// `--user NAME:PASSWORD[:PRIV]` (name and privilege kept), any
/// `--password=...`, and `NAME=value` words whose name says password, K_g,
/// key, secret or token (`IPMI_PASSWORD=...`). Joined (`-Psecret`,
/// `-vPsecret`) and separate forms alike; the family is argv\[0\]'s base name.
pub fn redact(argv: &[String]) -> Vec<String> {
    let mut out = argv.to_vec();
    let Some(argv0) = argv.first() else {
        return out;
    };
    let family = Family::of(base_name(argv0));
    for w in words(family, argv) {
        match w {
            Word::Opt {
                value: Some((i, at)),
                secret: Some(secret),
                ..
            } => out[i] = hide(&argv[i], at, secret),
            Word::Operand(i) => {
                if let Some(at) = secret_assignment(&argv[i]) {
                    out[i] = hide(&argv[i], at, Secret::Whole);
                }
            }
            Word::Opt { .. } => {}
        }
    }
    out
}

/// `word` with its secret from byte `at` on hidden.
fn hide(word: &str, at: usize, secret: Secret) -> String {
    let (kept, value) = word.split_at(at.min(word.len()));
    match secret {
        Secret::Whole => format!("{kept}{REDACTED}"),
        // ipmirs' rule (ipmi-lanplus `User::from_str`): the name ends at the
        // first `:`, the last field is the privilege when it names one.
        Secret::UserSpec => match value.split_once(':') {
            None => word.to_string(),
            Some((name, rest)) => match rest.rsplit_once(':') {
                Some((_, last)) if PrivilegeLevel::from_str(last).is_ok() => {
                    format!("{kept}{name}:{REDACTED}:{last}")
                }
                _ => format!("{kept}{name}:{REDACTED}"),
            },
        },
    }
}

#[cfg(test)]
mod tests;
