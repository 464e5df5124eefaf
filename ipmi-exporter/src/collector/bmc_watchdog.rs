//! `bmc-watchdog`: Get Watchdog Timer (IPMI 2.0 §27.7), as
//! `bmc-watchdog --get` prints it and the Go exporter reads it.

use ipmi_core::cmd::watchdog::GetWatchdogTimer;

use super::{CollectError, Context};
use crate::link::Link;
use crate::metric::{
    Family, Sample, WATCHDOG_CURRENT_COUNTDOWN, WATCHDOG_INITIAL_COUNTDOWN, WATCHDOG_LOGGING,
    WATCHDOG_PRETIMEOUT_INTERRUPT, WATCHDOG_PRETIMEOUT_INTERVAL, WATCHDOG_TIMEOUT_ACTION,
    WATCHDOG_TIMER, WATCHDOG_TIMER_USE,
};

/// FreeIPMI's words for timer uses 1..=5 (IPMI 2.0 table 27-7, byte 1 bits 2:0).
const TIMER_USES: [&str; 5] = ["BIOS FRB2", "BIOS POST", "OS LOAD", "SMS/OS", "OEM"];
/// FreeIPMI's words for timeout actions 0..=3 (byte 2 bits 2:0).
const TIMEOUT_ACTIONS: [&str; 4] = ["None", "Hard Reset", "Power Down", "Power Cycle"];
/// FreeIPMI's words for pre-timeout interrupts 0..=3 (byte 2 bits 6:4).
const PRETIMEOUT_INTERRUPTS: [&str; 4] = [
    "None",
    "SMI",
    "NMI / Diagnostic Interrupt",
    "Messaging Interrupt",
];

/// Timer state, one-hot timer use / action / interrupt (all 0 for a
/// reserved value), logging, interval, countdowns in whole seconds
/// (100 ms units divided by 10, as bmc-watchdog prints them). A BMC that
/// leaves out the present countdown (ipmi_sim) gets 0 for it.
pub async fn collect(
    link: &mut Link,
    ctx: &Context,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    let t = link.execute(&GetWatchdogTimer, ctx.deadline).await?;
    out.push(Sample::flag(&WATCHDOG_TIMER, t.running()));
    one_hot(
        out,
        &WATCHDOG_TIMER_USE,
        "name",
        &TIMER_USES,
        usize::from(t.timer_use().0).wrapping_sub(1),
    );
    out.push(Sample::flag(&WATCHDOG_LOGGING, t.logging()));
    one_hot(
        out,
        &WATCHDOG_TIMEOUT_ACTION,
        "action",
        &TIMEOUT_ACTIONS,
        usize::from(t.action().0),
    );
    one_hot(
        out,
        &WATCHDOG_PRETIMEOUT_INTERRUPT,
        "interrupt",
        &PRETIMEOUT_INTERRUPTS,
        usize::from(t.pre_timeout_interrupt().0),
    );
    out.push(Sample::plain(
        &WATCHDOG_PRETIMEOUT_INTERVAL,
        f64::from(t.pre_timeout),
    ));
    out.push(Sample::plain(
        &WATCHDOG_INITIAL_COUNTDOWN,
        f64::from(t.initial_countdown / 10),
    ));
    out.push(Sample::plain(
        &WATCHDOG_CURRENT_COUNTDOWN,
        f64::from(t.present_countdown.unwrap_or(0) / 10),
    ));
    Ok(())
}

/// One sample per word, 1 for the word at `current` (if any), 0 for the others.
fn one_hot(
    out: &mut Vec<Sample>,
    family: &'static Family,
    label: &'static str,
    words: &[&str],
    current: usize,
) {
    for (i, word) in words.iter().enumerate() {
        out.push(Sample {
            family,
            labels: vec![(label, word.to_string())],
            value: if i == current { 1.0 } else { 0.0 },
        });
    }
}
