//! Step 2: the stuck IPMI tool processes, ended by pid (never by name):
//! SIGTERM, a grace period, SIGKILL; each pid's start time is checked
//! again right before each signal, so that a pid reused meanwhile by
//! another process is left alone; this process's ancestors never get one.

use std::time::Duration;

use super::{Clock, Options, ProcessFate, ProcessOutcome, Signal, Signals};
use crate::diagnose::procfs::{parse_stat, ProcStat};
use crate::diagnose::{System, ToolProcess};

/// How often a signalled process is looked at again.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// `pid` and its ancestors up to init, from `/proc/PID/stat` (at most 64).
pub fn parent_chain(sys: &dyn System, pid: u32) -> Vec<u32> {
    let mut chain = vec![pid];
    let mut at = pid;
    while chain.len() < 64 {
        let Some(stat) = stat_of(sys, at) else { break };
        if stat.ppid == 0 || chain.contains(&stat.ppid) {
            break;
        }
        chain.push(stat.ppid);
        at = stat.ppid;
    }
    chain
}

fn stat_of(sys: &dyn System, pid: u32) -> Option<ProcStat> {
    sys.read_text(&format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|t| parse_stat(&t))
}

/// Whether `p` is still the process diagnose saw: `Some(state)` if so,
/// `None` if gone or a zombie; `Err(())` if its pid now names another process.
fn still_there(sys: &dyn System, p: &ToolProcess) -> Result<Option<char>, ()> {
    match stat_of(sys, p.pid) {
        None => Ok(None),
        Some(s) if s.starttime != p.start_ticks => Err(()),
        Some(s) if s.state == 'Z' || s.state == 'X' => Ok(None),
        Some(s) => Ok(Some(s.state)),
    }
}

/// Ends `stuck` (SIGTERM, `options.grace`, SIGKILL, `options.grace`
/// again); returns each one's fate.
pub fn terminate(
    sys: &dyn System,
    signals: &mut dyn Signals,
    clock: &mut dyn Clock,
    stuck: &[ToolProcess],
    options: &Options,
) -> Vec<ProcessOutcome> {
    let ancestors = parent_chain(sys, options.self_pid);
    let mut fates: Vec<Option<ProcessFate>> = vec![None; stuck.len()];
    for signal in [Signal::Term, Signal::Kill] {
        let mut sent = false;
        for (p, fate) in stuck.iter().zip(fates.iter_mut()) {
            if fate.is_some() {
                continue;
            }
            if ancestors.contains(&p.pid) {
                *fate = Some(ProcessFate::OwnAncestor);
                continue;
            }
            match still_there(sys, p) {
                Err(()) => *fate = Some(ProcessFate::Reused),
                Ok(None) if signal == Signal::Term => *fate = Some(ProcessFate::Gone),
                Ok(None) => {
                    *fate = Some(ProcessFate::Ended {
                        signal: Signal::Term.name(),
                    })
                }
                Ok(Some(_)) => match signals.send(p.pid, signal) {
                    Ok(()) => sent = true,
                    Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {
                        *fate = Some(ProcessFate::Gone)
                    }
                    Err(e) => {
                        *fate = Some(ProcessFate::SignalFailed {
                            error: e.to_string(),
                        })
                    }
                },
            }
        }
        if !sent {
            continue;
        }
        // Wait for them to go, at most the grace period.
        let start = clock.now();
        loop {
            let mut waiting = false;
            for (p, fate) in stuck.iter().zip(fates.iter_mut()) {
                if fate.is_some() {
                    continue;
                }
                match still_there(sys, p) {
                    Ok(Some(_)) => waiting = true,
                    Ok(None) | Err(()) => {
                        *fate = Some(ProcessFate::Ended {
                            signal: signal.name(),
                        })
                    }
                }
            }
            if !waiting || clock.now().duration_since(start) >= options.grace {
                break;
            }
            clock.sleep(LOOK_EVERY);
        }
    }
    stuck
        .iter()
        .zip(fates)
        .map(|(p, fate)| ProcessOutcome {
            process: p.clone(),
            fate: fate.unwrap_or_else(|| ProcessFate::Survived {
                state: match still_there(sys, p) {
                    Ok(Some(s)) => s,
                    _ => '?',
                },
            }),
        })
        .collect()
}
