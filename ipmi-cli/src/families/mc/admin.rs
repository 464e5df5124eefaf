//! ipmitool 1.8.19's text and the JSON of `mc guid`, `mc selftest`, `mc
//! watchdog`, `mc getenables` and `mc getsysinfo`.
//!
//! Where ipmitool prints garbage or bytes it never received, ipmirs says
//! what came: a Get Watchdog Timer answer without the present countdown
//! (OpenIPMI's ipmi_sim sends 6 bytes) prints "Present Countdown:      not
//! in the answer"; `Selftest: N/A` ends with a newline; a time-based GUID's
//! timestamp is UTC.

use std::fmt::Write;

use ipmi_core::cmd::mc::{GuidEncoding, SelfTestResult, SELF_TEST_FAILURES};
use ipmi_core::cmd::watchdog::{TimerUse, WatchdogTimer};
use serde::Serialize;

use super::{Outcome, WatchdogWord};
use crate::output::json::line as json_line;

/// ipmitool's "GUID Version  : " words by version nibble.
fn guid_version_word(v: u8) -> &'static str {
    match v {
        1 => "Time-based",
        2 => "DCE Security with POSIX UIDs (not for IPMI)",
        3 => "Name-based using MD5",
        4 => "Random or pseudo-random",
        5 => "Name-based using SHA-1",
        _ => "Unknown/unsupported",
    }
}

/// `MM/DD/YYYY HH:MM:SS` of Unix time `t`, UTC (proleptic Gregorian).
pub fn timestamp(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{month:02}/{day:02}/{year:04} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A countdown in 100 ms units as ipmitool prints it ("%0.1f").
fn tenths(v: u16) -> String {
    format!("{}.{}", v / 10, v % 10)
}

/// ipmitool's text of the admin outcomes of `mc`.
pub fn text(outcome: &Outcome, now_unix: i64) -> Vec<u8> {
    let mut o = String::new();
    // Writing into a String cannot fail.
    let _ = (|| -> std::fmt::Result {
        match outcome {
            Outcome::Guid(g) => match g.detect(now_unix) {
                None => {
                    o.push_str("System GUID   : ");
                    for b in g.0 {
                        write!(o, "{b:02X}")?;
                    }
                    o.push('\n');
                }
                Some(e) => {
                    let f = g.fields(e);
                    writeln!(o, "System GUID   : {f}")?;
                    write!(o, "GUID Encoding : {e}")?;
                    if e != GuidEncoding::Ipmi {
                        o.push_str(" (WARNING: IPMI Specification violation!)");
                    }
                    o.push('\n');
                    write!(o, "GUID Version  : {}", guid_version_word(f.version()))?;
                    match f.version() {
                        1 => writeln!(o, "\nTimestamp     : {}", timestamp(f.unix_time()))?,
                        2..=5 => o.push('\n'),
                        v => writeln!(o, " ({v})")?,
                    }
                }
            },
            Outcome::Selftest(r) => match r.code {
                0x55 => o.push_str("Selftest: passed\n"),
                0x56 => o.push_str("Selftest: not implemented\n"),
                0x57 => {
                    o.push_str("Selftest: device corrupted\n");
                    for (m, line) in SELF_TEST_FAILURES {
                        if r.detail & m != 0 {
                            writeln!(o, "{line}")?;
                        }
                    }
                }
                0x58 => {
                    o.push_str("Selftest     : fatal error\n");
                    writeln!(o, "Failure code : {:02x}", r.detail)?;
                }
                0xff => o.push_str("Selftest: N/A\n"),
                c => {
                    writeln!(o, "Selftest     : device specific ({c:02X}h)")?;
                    writeln!(o, "Failure code : {:02X}h", r.detail)?;
                }
            },
            Outcome::Watchdog(w) => watchdog(&mut o, w)?,
            Outcome::WatchdogDone(WatchdogWord::Reset) => {
                o.push_str("IPMI Watchdog Timer Reset -  countdown restarted!\n")
            }
            Outcome::WatchdogDone(_) => {
                o.push_str("Watchdog Timer Shutoff successful -- timer stopped\n")
            }
            Outcome::Enables(e) => {
                for (desc, on) in e.entries() {
                    writeln!(o, "{desc:<40} : {}abled", if on { "en" } else { "dis" })?;
                }
            }
            Outcome::SysInfo(s) => writeln!(o, "{s}")?,
            Outcome::DeviceId(_) | Outcome::Reset(_) => {}
        }
        Ok(())
    })();
    o.into_bytes()
}

fn watchdog(o: &mut String, w: &WatchdogTimer) -> std::fmt::Result {
    writeln!(o, "Watchdog Timer Use:     {} (0x{:02x})", w.timer_use(), w.use_byte)?;
    let running = if w.running() {
        "Started/Running"
    } else {
        "Stopped"
    };
    writeln!(o, "Watchdog Timer Is:      {running}")?;
    writeln!(o, "Watchdog Timer Logging: {}", if w.logging() { "On" } else { "Off" })?;
    writeln!(o, "Watchdog Timer Action:  {} (0x{:02x})", w.action(), w.actions_byte)?;
    writeln!(o, "Pre-timeout interrupt:  {}", w.pre_timeout_interrupt())?;
    writeln!(o, "Pre-timeout interval:   {} seconds", w.pre_timeout)?;
    let none = if w.expiration_flags == 0 { "None " } else { "" };
    writeln!(o, "Timer Expiration Flags: {none}(0x{:02x})", w.expiration_flags)?;
    for u in w.expired() {
        writeln!(o, "                        * {u}")?;
    }
    writeln!(o, "Initial Countdown:      {} sec", tenths(w.initial_countdown))?;
    match w.present_countdown {
        Some(p) => writeln!(o, "Present Countdown:      {} sec", tenths(p)),
        None => writeln!(o, "Present Countdown:      not in the answer"),
    }
}

/// The JSON line of the admin outcomes of `mc`.
pub fn json(outcome: &Outcome) -> Vec<u8> {
    match outcome {
        Outcome::Guid(g) => {
            let e = g.detect(super::unix_now());
            json_line(&GuidJson {
                guid: e.map(|e| g.fields(e).to_string()),
                encoding: e.map(|e| e.to_string()),
                version: e.map(|e| g.fields(e).version()),
                bytes: g.0.iter().map(|b| format!("{b:02x}")).collect(),
            })
        }
        Outcome::Selftest(r) => json_line(&SelftestJson::new(r)),
        Outcome::Watchdog(w) => json_line(&WatchdogJson {
            timer_use: w.timer_use().to_string(),
            running: w.running(),
            logging: w.logging(),
            action: w.action().to_string(),
            pre_timeout_interrupt: w.pre_timeout_interrupt().to_string(),
            pre_timeout_seconds: w.pre_timeout,
            expired: w.expired().map(|u: TimerUse| u.to_string()).collect(),
            initial_countdown_tenths: w.initial_countdown,
            present_countdown_tenths: w.present_countdown,
        }),
        Outcome::WatchdogDone(op) => json_line(&WatchdogDone {
            watchdog: match op {
                WatchdogWord::Reset => "reset",
                _ => "off",
            },
        }),
        Outcome::Enables(e) => json_line(&EnablesJson {
            enables: e
                .entries()
                .map(|(name, enabled)| EnableJson { name, enabled })
                .collect(),
        }),
        Outcome::SysInfo(s) => json_line(&SysInfoJson { value: s }),
        Outcome::DeviceId(_) | Outcome::Reset(_) => Vec::new(),
    }
}

#[derive(Serialize)]
struct GuidJson {
    /// `null` when no byte order gives a valid version (ipmitool dumps hex).
    guid: Option<String>,
    encoding: Option<String>,
    version: Option<u8>,
    /// The 16 bytes as sent.
    bytes: Vec<String>,
}

/// `mc selftest --json` and `chassis selftest --json`.
#[derive(Serialize)]
pub struct SelftestJson {
    passed: bool,
    code: u8,
    detail: u8,
}

impl SelftestJson {
    /// From the Get Self Test Results answer.
    pub fn new(r: &SelfTestResult) -> Self {
        SelftestJson {
            passed: r.passed(),
            code: r.code,
            detail: r.detail,
        }
    }
}

#[derive(Serialize)]
struct WatchdogJson {
    timer_use: String,
    running: bool,
    logging: bool,
    action: String,
    pre_timeout_interrupt: String,
    pre_timeout_seconds: u8,
    expired: Vec<String>,
    initial_countdown_tenths: u16,
    /// `null` when the answer stops before it.
    present_countdown_tenths: Option<u16>,
}

#[derive(Serialize)]
struct WatchdogDone {
    watchdog: &'static str,
}

#[derive(Serialize)]
struct EnablesJson {
    enables: Vec<EnableJson>,
}

#[derive(Serialize)]
struct EnableJson {
    name: &'static str,
    enabled: bool,
}

#[derive(Serialize)]
struct SysInfoJson<'a> {
    value: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(timestamp(0), "01/01/1970 00:00:00");
        assert_eq!(timestamp(951_782_400), "02/29/2000 00:00:00");
        assert_eq!(timestamp(1_700_000_000), "11/14/2023 22:13:20");
    }
}
