//! The run loop of one client command, from a resolved invocation to the
//! exit code: open a session, run the action, print, close. Generic over
//! [`Connector`] so
//! that the whole flow (exit codes, what reaches stdout and stderr) is
//! unit-tested with a scripted transport.
//!
//! Deadlines: `--timeout` starts when the command line has been resolved and
//! bounds opening the session and the command. The answer is printed (and
//! flushed) before the session is closed; closing gets what is left of the
//! deadline, capped at [`CLOSE_MAX`] and at least [`CLOSE_MIN`], so the
//! process may outlive `--timeout` by at most `CLOSE_MIN` after the answer
//! was delivered. After a Cold Reset closing gets `CLOSE_MIN` only (the BMC
//! is resetting), and after a command that timed out the session is not
//! closed at all (the BMC is not answering; ipmi_lanplus still sends one
//! Close Session datagram, without waiting, when the client is dropped).
//!
//! The connectors are [`crate::connect`]'s, one per interface.
//!
//! Signals: over `lan`, SIGINT and SIGTERM stop the wait (see
//! [`crate::signals`]); the session is then closed within
//! [`INTERRUPT_CLOSE_MAX`] and the exit code is 128 + the signal's number.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ipmi_core::{Deadline, ErrorClass, Target, Transport};

use crate::connect::lan::LanSettings;
use crate::connect::Connector;
use crate::credentials::PasswordSource;
use crate::exit::{self, CliError};
use crate::families::{self as actions, Outcome};
use crate::output::Streams;
use crate::plan::{Invocation, Link};

pub use ipmi_core::deadline::{CLOSE_MAX, CLOSE_MIN};
/// Most time given to Close Session after SIGINT or SIGTERM.
pub const INTERRUPT_CLOSE_MAX: Duration = Duration::from_secs(1);

/// Runs a resolved invocation through `connector`; returns the exit code.
pub fn run<C: Connector>(
    connector: &mut C,
    inv: &Invocation,
    registries: &[PathBuf],
    io: &mut Streams,
) -> u8 {
    let deadline = Deadline::from_now(inv.timeout);
    let v = inv.verbose;
    let json = inv.json;
    describe_settings(inv, &connector.peer(), io);

    if let Err(e) = connector.validate() {
        return io.fail(
            json,
            &CliError::failed("invalid session settings", &e, None),
        );
    }

    let t0 = Instant::now();
    let mut session = match connector.open(deadline) {
        Ok(s) => s,
        Err(e) => {
            if let Some(signal) = connector.signal() {
                // Nothing to close: a session that got its keys before the
                // signal was closed (one datagram, no wait) when dropped.
                let err = CliError::interrupted(&connector.open_context(), signal, false);
                return io.fail(json, &err);
            }
            let stage = connector.stage(&e);
            let mut err = CliError::failed(&connector.open_context(), &e, stage);
            if let (Some(hint), CliError::Failed { message, .. }) =
                (connector.open_hint(&e), &mut err)
            {
                message.push_str("; ");
                message.push_str(&hint);
            }
            return io.fail(json, &err);
        }
    };
    io.note(
        v,
        1,
        format!(
            "{} opened in {:.1} ms",
            connector.opened(),
            t0.elapsed().as_secs_f64() * 1e3
        ),
    );
    if let Some(d) = connector.describe(&session) {
        io.note(v, 1, d);
    }

    let target = session.default_target();
    let t1 = Instant::now();
    let mut trace = |request: &ipmi_core::Request, x: &actions::Exchange| {
        if v >= 2 {
            let mut line = format!(
                "request netfn 0x{:02x} cmd 0x{:02x} data [{}]",
                request.netfn.0,
                request.cmd,
                hex(&request.data)
            );
            match &x.response {
                Some(r) => line.push_str(&format!(
                    " -> completion code 0x{:02x} data [{}] in {:.1} ms",
                    r.completion.0,
                    hex(&r.data),
                    x.elapsed.as_secs_f64() * 1e3
                )),
                None => line.push_str(&format!(
                    " -> no answer after {:.1} ms",
                    x.elapsed.as_secs_f64() * 1e3
                )),
            }
            let _ = writeln!(io.err, "ipmirs: {line}");
        }
    };
    let result = actions::perform(&mut session, &inv.action, deadline, &mut trace);
    // A signal that stopped the wait makes the failure an interruption.
    let interrupted = match (&result, connector.signal()) {
        (Err(actions::ActionError::Transport(_)), Some(signal)) => Some(signal),
        _ => None,
    };
    let result = result
        .map_err(|e| match interrupted {
            Some(signal) => CliError::interrupted(&inv.action.context(target), signal, true),
            None => actions::describe(&inv.action, target, e, |e| connector.stage(e)),
        })
        .and_then(|o| actions::check_completion(&inv.action, target, &o).map(|()| o))
        .map_err(|e| with_completion_note(e, target, &*connector));
    io.note(
        v,
        1,
        format!(
            "command finished in {:.1} ms",
            t1.elapsed().as_secs_f64() * 1e3
        ),
    );
    if let Some(s) = connector.statistics(&session) {
        io.note(v, 2, s);
    }

    let code = match &result {
        Ok(outcome) => print_outcome(outcome, inv, registries, io),
        Err(e) => io.fail(json, e),
    };

    let timed_out = matches!(&result, Err(e) if e.class() == ErrorClass::Timeout);
    if timed_out {
        io.note(v, 1, connector.abandon_note());
        drop(session);
    } else {
        let budget = if inv.action.resets_the_bmc() && result.is_ok() {
            CLOSE_MIN
        } else if connector.signal().is_some() {
            deadline
                .remaining(Instant::now())
                .clamp(CLOSE_MIN, INTERRUPT_CLOSE_MAX)
        } else {
            deadline
                .remaining(Instant::now())
                .clamp(CLOSE_MIN, CLOSE_MAX)
        };
        let t2 = Instant::now();
        match connector.close(session, Deadline::from_now(budget)) {
            Ok(()) => io.note(
                v,
                1,
                format!(
                    "{} closed in {:.1} ms",
                    connector.opened(),
                    t2.elapsed().as_secs_f64() * 1e3
                ),
            ),
            Err(e) => io.note(
                v,
                1,
                format!("warning: Close Session failed (exit code unchanged): {e}"),
            ),
        }
    }
    // A signal that came after the answer (while printing or closing)
    // still ends the process as that signal asks.
    match (connector.signal(), interrupted) {
        (Some(signal), None) => {
            let _ = writeln!(
                io.err,
                "ipmirs: interrupted by {} after the answer",
                crate::signals::name(signal)
            );
            crate::signals::exit_code(signal)
        }
        _ => code,
    }
}

/// Appends the interface's note to a completion-code refusal.
fn with_completion_note<C: Connector>(e: CliError, target: Target, connector: &C) -> CliError {
    match e {
        CliError::Completion { mut message, code } => {
            if let Some(note) = connector.completion_note(code, target) {
                message.push_str(&format!(" [{note}]"));
            }
            CliError::Completion { message, code }
        }
        other => other,
    }
}

fn print_outcome(
    outcome: &Outcome,
    inv: &Invocation,
    registries: &[PathBuf],
    io: &mut Streams,
) -> u8 {
    let rendered = outcome.render(inv.json, registries);
    if let Some(note) = &rendered.note {
        io.note(inv.verbose, 1, note);
    }
    let written = io
        .out
        .write_all(&rendered.bytes)
        .and_then(|()| io.out.flush());
    for failure in outcome.failures() {
        let _ = writeln!(io.err, "ipmirs: {failure}");
    }
    match written {
        Ok(()) if !outcome.failures().is_empty() => exit::FAILURE,
        Ok(()) => exit::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::FAILURE,
        Err(e) => {
            let _ = writeln!(io.err, "ipmirs: cannot write the output: {e}");
            exit::FAILURE
        }
    }
}

fn describe_settings(inv: &Invocation, peer: &str, io: &mut Streams) {
    if inv.verbose == 0 {
        return;
    }
    match &inv.link {
        Link::Lan(s) => describe_lan(s, inv, peer, io),
        Link::Kcs(s) => {
            let v = inv.verbose;
            let at = match s.address {
                Some(a) => a.to_string(),
                None => "the address of SMBIOS type 38, else 0xca2/0xca3".into(),
            };
            io.note(
                v,
                1,
                format!(
                    "kcs (in-band, the KCS ports without the kernel driver) at {at}, backend {}, timeout {:.3} s{}",
                    match s.backend {
                        ipmi_kcs::kcs::Backend::Auto => "auto",
                        ipmi_kcs::kcs::Backend::IoPort => "ioport",
                        ipmi_kcs::kcs::Backend::DevPort => "devport",
                    },
                    inv.timeout.as_secs_f64(),
                    if s.force {
                        " (--kcs-force: even if ipmi_si owns the ports)"
                    } else {
                        ""
                    }
                ),
            );
            if !s.ignored.is_empty() {
                io.note(
                    v,
                    1,
                    format!(
                        "options of the lan interface, ignored over kcs: {}",
                        s.ignored.join(", ")
                    ),
                );
            }
        }
        Link::Local(s) => {
            let v = inv.verbose;
            let device = match &s.device {
                crate::connect::local::DeviceChoice::Number(n) => {
                    format!("{peer} (else /dev/ipmi/{n}, /dev/ipmidev/{n})")
                }
                crate::connect::local::DeviceChoice::Path(_) => peer.to_string(),
            };
            io.note(
                v,
                1,
                format!(
                    "local (in-band) through {device}, timeout {:.3} s",
                    inv.timeout.as_secs_f64()
                ),
            );
            if !s.target.is_bmc() {
                io.note(
                    v,
                    1,
                    format!(
                        "bridging: every request goes to IPMB address 0x{:02x} on channel {} \
                         (the kernel wraps it in Send Message)",
                        s.target.slave_addr, s.target.channel
                    ),
                );
            }
            if !s.ignored.is_empty() {
                io.note(
                    v,
                    1,
                    format!(
                        "options of the lan interface, ignored in-band: {}",
                        s.ignored.join(", ")
                    ),
                );
            }
        }
    }
}

fn describe_lan(s: &LanSettings, inv: &Invocation, peer: &str, io: &mut Streams) {
    let v = inv.verbose;
    let user = if s.username.is_empty() {
        "(null user)".to_string()
    } else {
        String::from_utf8_lossy(&s.username).into_owned()
    };
    let suite = s
        .cipher_suite
        .map(|c| c.to_string())
        .unwrap_or_else(|| "negotiated".into());
    let tries = match (s.per_try_timeout, s.retries) {
        (None, None) => "library defaults".to_string(),
        (p, r) => format!(
            "{} per try, {} retries",
            p.map(|d| format!("{:.3} s", d.as_secs_f64()))
                .unwrap_or_else(|| "default".into()),
            r.map(|r| r.to_string()).unwrap_or_else(|| "default".into())
        ),
    };
    io.note(
        v,
        1,
        format!(
            "lan (RMCP+) to {peer}, user {user}, privilege {}, cipher suite {suite}, timeout {:.3} s ({tries})",
            s.privilege,
            inv.timeout.as_secs_f64()
        ),
    );
    let pw = match s.password_source {
        PasswordSource::Option => "password from -P".to_string(),
        PasswordSource::EnvOption(var) => format!("password from ${var} (-E)"),
        PasswordSource::File => "password from the -f file".to_string(),
        PasswordSource::Env => "password from $IPMI_PASSWORD".to_string(),
        PasswordSource::BuiltIn => "password: the virtual BMC's built-in password".to_string(),
        PasswordSource::Prompt => "password from the prompt".to_string(),
        PasswordSource::Empty => {
            "note: no password given (-P, -E, -f or $IPMI_PASSWORD) and standard input is no terminal: using an empty password"
                .to_string()
        }
    };
    io.note(v, 1, pw);
    if !s.target.is_bmc() {
        io.note(
            v,
            1,
            format!(
                "bridging: every request goes inside Send Message to IPMB address 0x{:02x} on channel {}",
                s.target.slave_addr, s.target.channel
            ),
        );
    }
    if s.kg.is_some() {
        io.note(v, 1, "BMC key (Kg) given");
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::mc::ResetKind;
    use crate::families::tests::{answer, MockError, Scripted};
    use crate::families::Action;
    use ipmi_core::cmd::{PowerAction, Raw};
    use ipmi_core::{CommandError, NetFn, PrivilegeLevel, Response};
    use std::collections::VecDeque;

    /// A connector over [`Scripted`], recording opens and closes.
    struct Mock {
        open: Option<Result<(), MockError>>,
        answers: Vec<Result<Response, MockError>>,
        closed: bool,
        close_budget: Option<Duration>,
        /// The signal the connector reports (as if SIGINT had come).
        signal: Option<i32>,
    }

    impl Connector for Mock {
        type Session = Scripted;
        fn peer(&self) -> String {
            "bmc:623".into()
        }
        fn validate(&self) -> Result<(), MockError> {
            Ok(())
        }
        fn open(&mut self, _d: Deadline) -> Result<Scripted, MockError> {
            self.open.take().unwrap_or(Ok(()))?;
            Ok(Scripted {
                answers: VecDeque::from(std::mem::take(&mut self.answers)),
                requests: vec![],
            })
        }
        fn close(&mut self, _s: Scripted, d: Deadline) -> Result<(), MockError> {
            self.closed = true;
            self.close_budget = Some(d.remaining(Instant::now()));
            Ok(())
        }
        fn stage(&self, e: &MockError) -> Option<String> {
            matches!(e, MockError::Timeout).then(|| "Open Session".to_string())
        }
        fn signal(&self) -> Option<i32> {
            self.signal
        }
    }

    fn inv(action: Action, json: bool) -> Invocation {
        Invocation {
            link: Link::Lan(LanSettings {
                host: "bmc".into(),
                port: 623,
                username: b"admin".to_vec(),
                password: b"secret".to_vec().into(),
                password_source: PasswordSource::Empty,
                kg: None,
                privilege: PrivilegeLevel::Administrator,
                cipher_suite: None,
                per_try_timeout: None,
                retries: None,
                allow_insecure: false,
                target: ipmi_core::Target::bmc(),
            }),
            action,
            timeout: Duration::from_secs(5),
            json,
            verbose: 0,
        }
    }

    fn go(action: Action, json: bool, mock: &mut Mock) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let registries = [PathBuf::from("/nonexistent/ipmirs-registry")];
        let code = run(
            mock,
            &inv(action, json),
            &registries,
            &mut Streams {
                out: &mut out,
                err: &mut err,
            },
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn mock(answers: Vec<Result<Response, MockError>>) -> Mock {
        Mock {
            open: None,
            answers,
            closed: false,
            close_budget: None,
            signal: None,
        }
    }

    const SIM_DEVICE_ID: [u8; 15] = [
        0x00, 0x03, 0x09, 0x08, 0x02, 0x9f, 0x91, 0x12, 0x00, 0x02, 0x0f, 0, 0, 0, 0,
    ];

    #[test]
    fn success_prints_then_closes() {
        let mut m = mock(vec![answer(NetFn::APP, 1, 0, &SIM_DEVICE_ID)]);
        let (code, out, err) = go(Action::Mc(crate::families::mc::Action::Info), false, &mut m);
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("Device ID                 : 0\n"), "{out}");
        assert!(out.contains("Manufacturer Name         : MontaVista Software, Inc.\n"));
        assert!(err.is_empty());
        assert!(m.closed);
        assert!(m.close_budget.unwrap() <= CLOSE_MAX);
    }

    #[test]
    fn refused_cold_reset_prints_nothing_on_stdout() {
        let mut m = mock(vec![answer(NetFn::APP, 2, 0xd4, &[])]);
        let (code, out, err) = go(
            Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold)),
            false,
            &mut m,
        );
        assert_eq!(code, 1);
        assert_eq!(out, "");
        assert_eq!(
            err,
            "ipmirs: MC reset command failed: Insufficient privilege level (0xd4)\n"
        );
        assert!(m.closed, "a refusal still closes the session");
    }

    #[test]
    fn accepted_cold_reset_closes_quickly() {
        let mut m = mock(vec![answer(NetFn::APP, 2, 0, &[])]);
        let (code, out, _) = go(
            Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold)),
            false,
            &mut m,
        );
        assert_eq!((code, out.as_str()), (0, "Sent cold reset command to MC\n"));
        assert!(m.close_budget.unwrap() <= CLOSE_MIN);
    }

    #[test]
    fn open_timeout_exits_3_with_the_stage() {
        let mut m = mock(vec![]);
        m.open = Some(Err(MockError::Timeout));
        let (code, out, err) = go(Action::Mc(crate::families::mc::Action::Info), false, &mut m);
        assert_eq!(code, 3);
        assert_eq!(out, "");
        assert!(
            err.starts_with("ipmirs: cannot open a session with bmc:623: no answer"),
            "{err}"
        );
        assert!(!m.closed);
        let mut m = mock(vec![]);
        m.open = Some(Err(MockError::Timeout));
        let (code, out, _) = go(Action::Mc(crate::families::mc::Action::Info), true, &mut m);
        assert_eq!(code, 3);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["kind"], "timeout");
        assert_eq!(v["exit_code"], 3);
        assert_eq!(v["stage"], "Open Session");
    }

    #[test]
    fn command_timeout_skips_close() {
        let mut m = mock(vec![Err(MockError::Timeout)]);
        let (code, _, err) = go(
            Action::Chassis(crate::families::chassis::Action::Status),
            false,
            &mut m,
        );
        assert_eq!(code, 3);
        assert!(
            err.contains("Error sending Chassis Status command: no answer"),
            "{err}"
        );
        assert!(!m.closed);
    }

    #[test]
    fn raw_error_and_json_shapes() {
        let raw = Action::Raw(Raw {
            netfn: NetFn(6),
            cmd: 3,
            data: vec![],
        });
        let mut m = mock(vec![answer(NetFn(6), 3, 0xc1, &[])]);
        let (code, out, err) = go(raw.clone(), false, &mut m);
        assert_eq!((code, out.as_str()), (1, ""));
        assert_eq!(err, "ipmirs: Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0x3 rsp=0xc1): Invalid command\n");
        let mut m = mock(vec![answer(NetFn(6), 3, 0xc1, &[])]);
        let (code, out, _) = go(raw, true, &mut m);
        assert_eq!(code, 1);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["kind"], "bmc");
        assert_eq!(v["completion_code"], 0xc1);
        assert_eq!(v["stage"], serde_json::Value::Null);

        let ok = Action::Raw(Raw {
            netfn: NetFn(6),
            cmd: 1,
            data: vec![],
        });
        let mut m = mock(vec![answer(NetFn(6), 1, 0, &SIM_DEVICE_ID)]);
        let (code, out, _) = go(ok, true, &mut m);
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "{\"completion_code\":0,\"data\":[0,3,9,8,2,159,145,18,0,2,15,0,0,0,0]}\n"
        );
    }

    #[test]
    fn json_success_shapes() {
        let mut m = mock(vec![answer(NetFn::CHASSIS, 1, 0, &[0x01, 0, 0])]);
        let (_, out, _) = go(
            Action::Chassis(crate::families::chassis::Action::PowerStatus),
            true,
            &mut m,
        );
        assert_eq!(out, "{\"power\":\"on\"}\n");
        let mut m = mock(vec![answer(NetFn::CHASSIS, 2, 0, &[])]);
        let (_, out, _) = go(
            Action::Chassis(crate::families::chassis::Action::PowerControl(
                PowerAction::Cycle,
            )),
            true,
            &mut m,
        );
        assert_eq!(out, "{\"power_control\":\"cycle\"}\n");
        let mut m = mock(vec![answer(NetFn::APP, 3, 0, &[])]);
        let (_, out, _) = go(
            Action::Mc(crate::families::mc::Action::Reset(ResetKind::Warm)),
            true,
            &mut m,
        );
        assert_eq!(out, "{\"reset\":\"warm\"}\n");
        let mut m = mock(vec![answer(NetFn::APP, 1, 0, &SIM_DEVICE_ID)]);
        let (_, out, _) = go(Action::Mc(crate::families::mc::Action::Info), true, &mut m);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["manufacturer_id"], 4753);
        assert_eq!(v["manufacturer_name"], "MontaVista Software, Inc.");
        assert_eq!(v["product_name"], serde_json::Value::Null);
        assert_eq!(v["firmware_revision"], "9.08");
        assert_eq!(v["ipmi_version"], "2.0");
        assert_eq!(v["aux_firmware_revision"], serde_json::json!([0, 0, 0, 0]));
    }

    #[test]
    fn a_signal_while_opening_exits_128_plus_n_without_closing() {
        let mut m = mock(vec![]);
        // The interruptible wait gave up (any error) and the signal is recorded.
        m.open = Some(Err(MockError::Timeout));
        m.signal = Some(libc::SIGINT);
        let (code, out, err) = go(Action::Mc(crate::families::mc::Action::Info), false, &mut m);
        assert_eq!(code, 130);
        assert_eq!(out, "");
        assert_eq!(
            err,
            "ipmirs: cannot open a session with bmc:623: interrupted by SIGINT\n"
        );
        assert!(!m.closed);
    }

    #[test]
    fn a_signal_mid_request_closes_the_session_quickly_then_exits() {
        let mut m = mock(vec![Err(MockError::Timeout)]);
        m.signal = Some(libc::SIGTERM);
        let (code, out, err) = go(Action::Mc(crate::families::mc::Action::Info), true, &mut m);
        assert_eq!(code, 143);
        assert_eq!(
            err,
            "ipmirs: Get Device ID command failed: interrupted by SIGTERM; closing the session\n"
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["kind"], "interrupted");
        assert_eq!(v["exit_code"], 143);
        // Closed, within the shorter budget of an interruption (the
        // invocation's deadline would allow CLOSE_MAX).
        assert!(m.closed, "the session must be closed after a signal");
        let budget = m.close_budget.unwrap();
        assert!(
            budget <= INTERRUPT_CLOSE_MAX && budget > CLOSE_MIN,
            "{budget:?}"
        );
    }

    #[test]
    fn a_signal_after_the_answer_keeps_the_output_and_exits_128_plus_n() {
        let mut m = mock(vec![answer(NetFn::CHASSIS, 1, 0, &[0x01, 0, 0])]);
        m.signal = Some(libc::SIGINT);
        let (code, out, err) = go(
            Action::Chassis(crate::families::chassis::Action::PowerStatus),
            false,
            &mut m,
        );
        assert_eq!(code, 130);
        assert_eq!(out, "Chassis Power is on\n");
        assert_eq!(err, "ipmirs: interrupted by SIGINT after the answer\n");
        assert!(m.closed);
        assert!(m.close_budget.unwrap() <= INTERRUPT_CLOSE_MAX);
    }

    #[test]
    fn protocol_errors_exit_1() {
        let mut m = mock(vec![Err(MockError::Command(CommandError::ShortResponse {
            command: "Get Device ID",
            need: 11,
            got: 2,
        }))]);
        let (code, _, err) = go(Action::Mc(crate::families::mc::Action::Info), false, &mut m);
        assert_eq!(code, 1, "{err}");
    }

    #[test]
    fn verbose_never_prints_the_password() {
        let mut m = mock(vec![answer(NetFn::CHASSIS, 1, 0, &[0, 0, 0])]);
        let mut i = inv(
            Action::Chassis(crate::families::chassis::Action::PowerStatus),
            false,
        );
        i.verbose = 3;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            &mut m,
            &i,
            &[],
            &mut Streams {
                out: &mut out,
                err: &mut err,
            },
        );
        assert_eq!(code, 0);
        let err = String::from_utf8(err).unwrap();
        assert!(!err.contains("secret"), "{err}");
        assert!(err.contains("empty password"), "{err}");
        assert!(err.contains("request netfn 0x00 cmd 0x01"), "{err}");
        assert_eq!(String::from_utf8(out).unwrap(), "Chassis Power is off\n");
    }
}
