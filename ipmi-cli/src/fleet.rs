//! One command on several BMCs (`-H h1,h2,...`, `--hosts-file`), through
//! [`ipmi_lanplus::fleet`]: at most `--fanout` sessions at once, `--timeout`
//! as each host's deadline (from the moment it gets a slot), results
//! printed as the hosts finish.
//!
//! Output: each host's text prefixed with `HOST: ` on every line (stdout),
//! its error as `HOST: message` on stderr; with `--json`, one object per
//! host and line on stdout, with a `"host"` field. Then a summary on
//! stderr: `ipmirs: N hosts: X ok, Y error, Z no answer`. A progress line
//! is kept on stderr when it is a terminal and there are more than
//! [`PROGRESS_MIN`] hosts.
//!
//! Exit code: 0 when every host succeeded; 1 when any host failed otherwise
//! than by not answering (BMC refusal, protocol, socket, name); else 3 (the
//! only failures were hosts that did not answer before the deadline).
//! SIGINT and SIGTERM end the process at once (sessions in flight are not
//! closed; the BMCs drop them after their idle timeout).

use std::path::PathBuf;

use ipmi_core::cmd::{Raw, RawResponse};
use ipmi_core::{ErrorClass, Response, Target};
use ipmi_lanplus::fleet::{self, HostResult, Options};

use crate::connect::lan::{stage_of, LanConnector};
use crate::exit::{self, CliError};
use crate::families::{self as actions, ActionError, Outcome};
use crate::output;
use crate::output::Streams;
use crate::plan::{Action, FleetSettings};

/// More hosts than this get a progress line (when stderr is a terminal).
pub const PROGRESS_MIN: usize = 50;

/// Counts of the hosts' outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Succeeded.
    pub ok: usize,
    /// Failed with an answer, or locally (refusal, protocol, socket, name).
    pub error: usize,
    /// Did not answer before the deadline.
    pub no_answer: usize,
}

impl Tally {
    /// Counts one host's outcome.
    pub fn add(&mut self, result: &Result<Outcome, CliError>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(e) if e.class() == ErrorClass::Timeout => self.no_answer += 1,
            Err(_) => self.error += 1,
        }
    }

    /// Hosts counted.
    pub fn hosts(&self) -> usize {
        self.ok + self.error + self.no_answer
    }

    /// 0 all ok; 1 any error; else 3 (only hosts that did not answer).
    pub fn exit_code(&self) -> u8 {
        if self.error > 0 {
            exit::FAILURE
        } else if self.no_answer > 0 {
            exit::TIMEOUT
        } else {
            exit::SUCCESS
        }
    }

    /// The summary line (without `ipmirs: `).
    pub fn summary(&self) -> String {
        format!(
            "{} hosts: {} ok, {} error, {} no answer",
            self.hosts(),
            self.ok,
            self.error,
            self.no_answer
        )
    }
}

/// A host's outcome, worded as the single-host command words it.
pub fn host_outcome(
    action: &Action,
    target: Target,
    result: Result<Response, ipmi_lanplus::Error>,
) -> Result<Outcome, CliError> {
    let stage = |e: &ipmi_lanplus::Error| stage_of(e).map(|s| s.to_string());
    match result {
        Err(e) if e.stage().is_some() => {
            let s = stage(&e);
            Err(CliError::failed("cannot open a session", &e, s))
        }
        Err(e) => Err(actions::describe(
            action,
            target,
            ActionError::Transport(e),
            stage,
        )),
        Ok(response) => action
            .decode(&response)
            .map_err(|e| {
                actions::describe::<ipmi_lanplus::Error>(
                    action,
                    target,
                    ActionError::Command(e),
                    |_| None,
                )
            })
            .and_then(|o| actions::check_completion(action, target, &o).map(|()| o)),
    }
}

/// `text` with `prefix` before every line.
pub fn prefixed(prefix: &str, text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 16);
    for line in text.split_inclusive(|b| *b == b'\n') {
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(line);
    }
    if out.last().is_some_and(|b| *b != b'\n') {
        out.push(b'\n');
    }
    out
}

/// One JSON line with `"host": label` added to the object `line`.
pub fn with_host(label: &str, line: &[u8]) -> Vec<u8> {
    let mut value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(_) => serde_json::Value::Object(Default::default()),
    };
    if let Some(map) = value.as_object_mut() {
        map.insert("host".into(), serde_json::Value::String(label.into()));
    }
    let mut out = serde_json::to_vec(&value).unwrap_or_default();
    out.push(b'\n');
    out
}

fn stderr_is_terminal() -> bool {
    // SAFETY: isatty(3) only inspects the descriptor.
    unsafe { libc::isatty(libc::STDERR_FILENO) == 1 }
}

/// Runs the command on every host; returns the exit code.
pub fn run(settings: &FleetSettings, registries: &[PathBuf], io: &mut Streams) -> u8 {
    let inv = &settings.invocation;
    let json = inv.json;
    let connector = LanConnector::new(settings.lan.clone(), inv.timeout);
    let shared = connector.config();
    if let Err(e) = shared.validate() {
        return io.fail(
            json,
            &CliError::failed("invalid session settings", &e, None),
        );
    }
    let default_port = settings.lan.port;
    let target = settings.lan.target;
    let hosts: Vec<fleet::Host> = settings
        .hosts
        .iter()
        .map(|spec| spec.to_host(shared, default_port))
        .collect();
    let total = hosts.len();
    let progress = total > PROGRESS_MIN && stderr_is_terminal();
    if !inv.action.one_exchange() {
        return io.fail(
            json,
            &CliError::Usage(
                "this command takes several exchanges: run it on one host at a time".into(),
            ),
        );
    }
    let request = inv.action.request(target);
    // The unchecked pass-through: decoding (and the completion code) is
    // left to [`Action::decode`], so that failures are worded as for one host.
    let command = Raw {
        netfn: request.netfn,
        cmd: request.cmd,
        data: request.data,
    };
    let options = Options::default()
        .fanout(settings.fanout)
        .timeout(inv.timeout);
    let mut tally = Tally::default();
    let mut write_failed = false;
    let (netfn, cmd) = (command.netfn.response(), command.cmd);
    let ran = fleet::run_blocking(hosts, &options, command, |r: HostResult<RawResponse>| {
        let response = r.result.map(|raw| Response {
            netfn,
            cmd,
            completion: raw.completion,
            data: raw.data,
        });
        let result = host_outcome(&inv.action, target, response);
        tally.add(&result);
        if progress {
            let _ = write!(io.err, "\r\x1b[K");
        }
        let bytes = match &result {
            Ok(outcome) => {
                let rendered = outcome.render(json, registries);
                if json {
                    with_host(&r.label, &rendered.bytes)
                } else {
                    prefixed(&format!("{}: ", r.label), &rendered.bytes)
                }
            }
            Err(e) => {
                let _ = writeln!(io.err, "{}: {e}", r.label);
                if json {
                    with_host(&r.label, &output::json::error(e))
                } else {
                    Vec::new()
                }
            }
        };
        if !bytes.is_empty()
            && io
                .out
                .write_all(&bytes)
                .and_then(|()| io.out.flush())
                .is_err()
        {
            write_failed = true;
        }
        if progress {
            let _ = write!(io.err, "ipmirs: {}/{total} hosts done", tally.hosts());
            let _ = io.err.flush();
        }
    });
    if progress {
        let _ = write!(io.err, "\r\x1b[K");
    }
    if let Err(e) = ran {
        return io.fail(
            json,
            &CliError::Failed {
                class: ErrorClass::Io,
                message: format!("cannot start the fleet run: {e}"),
                stage: None,
            },
        );
    }
    let _ = writeln!(io.err, "ipmirs: {}", tally.summary());
    if write_failed {
        return exit::FAILURE;
    }
    tally.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipmi_core::{CompletionCode, NetFn};

    #[test]
    fn every_line_gets_the_prefix() {
        assert_eq!(prefixed("h: ", b"a\nb\n"), b"h: a\nh: b\n");
        assert_eq!(prefixed("h: ", b"a"), b"h: a\n");
        assert_eq!(prefixed("h: ", b""), b"");
    }

    #[test]
    fn json_lines_carry_the_host() {
        let line = with_host("bmc1:624", b"{\"power\":\"off\"}\n");
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["host"], "bmc1:624");
        assert_eq!(v["power"], "off");
        assert!(line.ends_with(b"\n"));
    }

    #[test]
    fn exit_code_and_summary() {
        let mut t = Tally::default();
        t.add(&Ok(Outcome::Mc(crate::families::mc::Outcome::Reset(
            crate::families::mc::ResetKind::Warm,
        ))));
        assert_eq!(t.exit_code(), 0);
        t.add(&Err(CliError::Failed {
            class: ErrorClass::Timeout,
            message: "x".into(),
            stage: None,
        }));
        assert_eq!(t.exit_code(), 3);
        t.add(&Err(CliError::Completion {
            message: "y".into(),
            code: CompletionCode(0xd4),
        }));
        assert_eq!(t.exit_code(), 1);
        assert_eq!(t.summary(), "3 hosts: 1 ok, 1 error, 1 no answer");
    }

    #[test]
    fn refusals_are_worded_as_for_one_host() {
        let response = Response {
            netfn: NetFn(0).response(),
            cmd: 1,
            completion: CompletionCode(0xd4),
            data: vec![],
        };
        let e = host_outcome(
            &Action::Chassis(crate::families::chassis::Action::PowerStatus),
            Target::bmc(),
            Ok(response),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.to_string()
                .starts_with("Get Chassis Power Status failed:"),
            "{e}"
        );
    }
}
