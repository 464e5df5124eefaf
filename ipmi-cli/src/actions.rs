//! Running an [`Action`] over any [`Transport`], and wording its failures
//! the way ipmitool words them (but always with a non-zero exit).
//!
//! The request goes through [`Transport::exchange`] and is decoded here with
//! the command's own [`Command::decode`], so that a completion code comes
//! back as a typed [`CommandError`] whatever the transport's error type is.

use std::time::{Duration, Instant};

use ipmi_core::cmd::{
    ChassisControl, ChassisStatus, ColdReset, DeviceId, GetChassisStatus, GetDeviceId, PowerAction,
    RawResponse, WarmReset,
};
use ipmi_core::{
    Command, CommandError, CompletionCode, Deadline, Failure, Response, Target, Transport,
};

use crate::args::ResetKind;
use crate::exit::CliError;
use crate::invocation::Action;

/// A Get Device ID answer: decoded by the command layer, plus what ipmitool
/// prints that the decoded form does not keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The decoded answer.
    pub id: DeviceId,
    /// The response data bytes as received.
    pub data: Vec<u8>,
}

impl DeviceInfo {
    /// From the response data (at least 11 bytes, as the decoder checked).
    pub fn new(id: DeviceId, data: Vec<u8>) -> Self {
        DeviceInfo { id, data }
    }

    /// The manufacturer ID as ipmitool prints it: all 24 bits of bytes 6..9,
    /// reserved bits 23:20 included (the decoded ID keeps 20).
    pub fn manufacturer_id(&self) -> u32 {
        match self.data.get(6..9) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], 0]),
            None => self.id.manufacturer_id,
        }
    }

    /// The auxiliary firmware bytes, shown by ipmitool only when the answer
    /// has exactly 15 data bytes.
    pub fn aux_firmware(&self) -> Option<[u8; 4]> {
        if self.data.len() == 15 {
            self.id.aux_firmware
        } else {
            None
        }
    }
}

/// What an action got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `mc info`
    DeviceId(DeviceInfo),
    /// `mc reset ...` was accepted.
    Reset(ResetKind),
    /// `chassis status`
    ChassisStatus(ChassisStatus),
    /// `chassis power status`: the status bytes (only bit 0 is printed).
    PowerStatus(ChassisStatus),
    /// `chassis power <action>` was accepted.
    PowerControl(PowerAction),
    /// `raw`: whatever came back, completion code included.
    Raw(RawResponse),
}

/// Why an action failed.
#[derive(Debug)]
pub enum ActionError<E> {
    /// The transport gave up (no answer, broken session...).
    Transport(E),
    /// The answer did not decode (completion code, short response...).
    Command(CommandError),
}

/// One request/response as seen from the CLI (for `-vv`).
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The response, when one came.
    pub response: Option<Response>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Runs `action` on `transport`, finishing by `deadline`.
pub fn perform<T: Transport>(
    transport: &mut T,
    action: &Action,
    deadline: Deadline,
    trace: &mut dyn FnMut(&ipmi_core::Request, &Exchange),
) -> Result<Outcome, ActionError<T::Error>> {
    Ok(match action {
        Action::McInfo => {
            let (id, response) = run_keeping(transport, &GetDeviceId, deadline, trace)?;
            Outcome::DeviceId(DeviceInfo::new(id, response.data))
        }
        Action::McReset(ResetKind::Cold) => {
            run(transport, &ColdReset, deadline, trace)?;
            Outcome::Reset(ResetKind::Cold)
        }
        Action::McReset(ResetKind::Warm) => {
            run(transport, &WarmReset, deadline, trace)?;
            Outcome::Reset(ResetKind::Warm)
        }
        Action::ChassisStatus => {
            Outcome::ChassisStatus(run(transport, &GetChassisStatus, deadline, trace)?)
        }
        Action::PowerStatus => {
            Outcome::PowerStatus(run(transport, &GetChassisStatus, deadline, trace)?)
        }
        Action::PowerControl(a) => {
            run(transport, &ChassisControl(*a), deadline, trace)?;
            Outcome::PowerControl(*a)
        }
        Action::Raw(raw) => Outcome::Raw(run(transport, raw, deadline, trace)?),
    })
}

/// The request of `action` for `target` (for transports that take a
/// request and give a response, e.g. a fleet run).
pub fn request_of(action: &Action, target: Target) -> ipmi_core::Request {
    match action {
        Action::McInfo => GetDeviceId.request_to(target),
        Action::McReset(ResetKind::Cold) => ColdReset.request_to(target),
        Action::McReset(ResetKind::Warm) => WarmReset.request_to(target),
        Action::ChassisStatus | Action::PowerStatus => GetChassisStatus.request_to(target),
        Action::PowerControl(a) => ChassisControl(*a).request_to(target),
        Action::Raw(raw) => raw.request_to(target),
    }
}

/// Decodes the response to [`request_of`]`(action)`, as [`perform`] does.
pub fn outcome_of(action: &Action, response: &Response) -> Result<Outcome, CommandError> {
    Ok(match action {
        Action::McInfo => Outcome::DeviceId(DeviceInfo::new(
            GetDeviceId.decode(response)?,
            response.data.clone(),
        )),
        Action::McReset(kind) => {
            match kind {
                ResetKind::Cold => ColdReset.decode(response)?,
                ResetKind::Warm => WarmReset.decode(response)?,
            };
            Outcome::Reset(*kind)
        }
        Action::ChassisStatus => Outcome::ChassisStatus(GetChassisStatus.decode(response)?),
        Action::PowerStatus => Outcome::PowerStatus(GetChassisStatus.decode(response)?),
        Action::PowerControl(a) => {
            ChassisControl(*a).decode(response)?;
            Outcome::PowerControl(*a)
        }
        Action::Raw(raw) => Outcome::Raw(raw.decode(response)?),
    })
}

fn run<T: Transport, C: Command>(
    transport: &mut T,
    cmd: &C,
    deadline: Deadline,
    trace: &mut dyn FnMut(&ipmi_core::Request, &Exchange),
) -> Result<C::Output, ActionError<T::Error>> {
    run_keeping(transport, cmd, deadline, trace).map(|(output, _)| output)
}

/// Runs `cmd` and returns the decoded output with the response it came from.
fn run_keeping<T: Transport, C: Command>(
    transport: &mut T,
    cmd: &C,
    deadline: Deadline,
    trace: &mut dyn FnMut(&ipmi_core::Request, &Exchange),
) -> Result<(C::Output, Response), ActionError<T::Error>> {
    let request = cmd.request_to(transport.default_target());
    let start = Instant::now();
    let result = transport.exchange(&request, deadline);
    trace(
        &request,
        &Exchange {
            response: result.as_ref().ok().cloned(),
            elapsed: start.elapsed(),
        },
    );
    let response = result.map_err(ActionError::Transport)?;
    let output = cmd.decode(&response).map_err(ActionError::Command)?;
    Ok((output, response))
}

/// ipmitool's words for a failed action when no answer came (`rsp == NULL`).
/// `target` is where the request went (its channel is in `raw`'s words).
pub fn context(action: &Action, target: Target) -> String {
    match action {
        Action::McInfo => "Get Device ID command failed".into(),
        Action::McReset(_) => "MC reset command failed".into(),
        Action::ChassisStatus => "Error sending Chassis Status command".into(),
        Action::PowerStatus => "Unable to get Chassis Power Status".into(),
        Action::PowerControl(a) => {
            format!("Unable to set Chassis Power Control to {}", a.description())
        }
        Action::Raw(raw) => format!(
            "Unable to send RAW command (channel=0x{:x} netfn=0x{:x} lun=0x0 cmd=0x{:x})",
            target.channel, raw.netfn.0, raw.cmd
        ),
    }
}

/// ipmitool's line for a completion-code refusal, plus the code in hex
/// where ipmitool's line does not already carry it, and for a bridged
/// request that the BMC could not deliver, what the code means.
pub fn completion_message(action: &Action, target: Target, code: CompletionCode) -> String {
    let text = code.to_string();
    let mut suffix = if code.description().is_some() {
        format!(" (0x{:02x})", code.0)
    } else {
        String::new()
    };
    if !target.is_bmc() && ipmi_lanplus::client::is_delivery_failure(code) {
        suffix.push_str(&format!(
            " [the BMC could not deliver the bridged request to IPMB address 0x{:02x} on channel {}: {}]",
            target.slave_addr,
            target.channel,
            delivery_failure(code)
        ));
    }
    match action {
        Action::McInfo => format!("Get Device ID command failed: {text}{suffix}"),
        Action::McReset(_) => format!("MC reset command failed: {text}{suffix}"),
        Action::ChassisStatus => format!("Error sending Chassis Status command: {text}{suffix}"),
        Action::PowerStatus => format!("Get Chassis Power Status failed: {text}{suffix}"),
        Action::PowerControl(a) => format!("Set Chassis Power Control to {} failed: {text}{suffix}", a.description()),
        Action::Raw(raw) => format!(
            "Unable to send RAW command (channel=0x{:x} netfn=0x{:x} lun=0x0 cmd=0x{:x} rsp=0x{:x}): {text}{}",
            target.channel, raw.netfn.0, raw.cmd, code.0,
            // ipmitool's raw line carries the code already.
            suffix.strip_prefix(&format!(" (0x{:02x})", code.0)).unwrap_or(&suffix)
        ),
    }
}

/// What a Send Message completion code says went wrong (IPMI 2.0 §22.7).
fn delivery_failure(code: CompletionCode) -> &'static str {
    match code.0 {
        0x80 => "invalid session handle",
        0x81 => "lost arbitration",
        0x82 => "bus error",
        0x83 => "NAK on write, no controller answers at that address",
        _ => "destination unavailable",
    }
}

/// The CLI error for a failed action. `stage` extracts the session step
/// from the transport's error, when it has one.
pub fn describe<E: Failure>(
    action: &Action,
    target: Target,
    error: ActionError<E>,
    stage: impl Fn(&E) -> Option<String>,
) -> CliError {
    match error {
        ActionError::Command(CommandError::Completion { code, .. }) => CliError::Completion {
            message: completion_message(action, target, code),
            code,
        },
        ActionError::Command(e) => CliError::failed(&context(action, target), &e, None),
        ActionError::Transport(e) => {
            let s = stage(&e);
            let mut err = CliError::failed(&context(action, target), &e, s);
            if let (
                Action::McReset(ResetKind::Cold),
                CliError::Failed {
                    class: ipmi_core::ErrorClass::Timeout,
                    message,
                    ..
                },
            ) = (action, &mut err)
            {
                message.push_str(
                    " (a BMC may reset before it answers a Cold Reset: it may have been reset)",
                );
            }
            err
        }
    }
}

/// A `raw` answer with a non-zero completion code is an error too.
pub fn check_raw(action: &Action, target: Target, outcome: &Outcome) -> Result<(), CliError> {
    if let Outcome::Raw(r) = outcome {
        if !r.completion.is_success() {
            return Err(CliError::Completion {
                message: completion_message(action, target, r.completion),
                code: r.completion,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ipmi_core::cmd::Raw;
    use ipmi_core::{CompletionCode, ErrorClass, NetFn, Request};
    use std::collections::VecDeque;

    /// A transport answering from a script, recording the requests.
    pub struct Scripted {
        pub answers: VecDeque<Result<Response, MockError>>,
        pub requests: Vec<Request>,
    }

    #[derive(Debug, Clone, thiserror::Error)]
    pub enum MockError {
        #[error("no answer to request before the deadline (4 tries)")]
        Timeout,
        #[error("{0}")]
        Command(#[from] CommandError),
    }

    impl Failure for MockError {
        fn class(&self) -> ErrorClass {
            match self {
                MockError::Timeout => ErrorClass::Timeout,
                MockError::Command(c) => c.class(),
            }
        }
    }

    impl Transport for Scripted {
        type Error = MockError;
        fn exchange(
            &mut self,
            request: &Request,
            _deadline: Deadline,
        ) -> Result<Response, MockError> {
            self.requests.push(request.clone());
            self.answers.pop_front().expect("scripted answer")
        }
        fn default_deadline(&self) -> Deadline {
            Deadline::from_now(Duration::from_secs(1))
        }
    }

    pub fn answer(netfn: NetFn, cmd: u8, cc: u8, data: &[u8]) -> Result<Response, MockError> {
        Ok(Response {
            netfn: netfn.response(),
            cmd,
            completion: CompletionCode(cc),
            data: data.to_vec(),
        })
    }

    fn go(
        action: &Action,
        answers: Vec<Result<Response, MockError>>,
    ) -> (Result<Outcome, CliError>, Vec<Request>) {
        let mut t = Scripted {
            answers: answers.into(),
            requests: vec![],
        };
        let mut traced = 0;
        let r = perform(
            &mut t,
            action,
            Deadline::from_now(Duration::from_secs(1)),
            &mut |_, _| traced += 1,
        )
        .map_err(|e| {
            describe(action, Target::bmc(), e, |_| {
                Some("request netfn 0x06 cmd 0x01".to_string())
            })
        })
        .and_then(|o| check_raw(action, Target::bmc(), &o).map(|()| o));
        assert_eq!(traced, t.requests.len());
        (r, t.requests)
    }

    #[test]
    fn requests_are_the_core_commands() {
        let (r, reqs) = go(
            &Action::PowerControl(PowerAction::Soft),
            vec![answer(NetFn::CHASSIS, 2, 0, &[])],
        );
        assert_eq!(r.unwrap(), Outcome::PowerControl(PowerAction::Soft));
        assert_eq!(
            (reqs[0].netfn, reqs[0].cmd, reqs[0].data.as_slice()),
            (NetFn::CHASSIS, 2, &[5u8][..])
        );
        let (r, reqs) = go(
            &Action::McReset(ResetKind::Warm),
            vec![answer(NetFn::APP, 3, 0, &[])],
        );
        assert_eq!(r.unwrap(), Outcome::Reset(ResetKind::Warm));
        assert_eq!((reqs[0].netfn, reqs[0].cmd), (NetFn::APP, 3));
        let raw = Action::Raw(Raw {
            netfn: NetFn(0x2e),
            cmd: 0x10,
            data: vec![1, 2],
        });
        let (r, reqs) = go(&raw, vec![answer(NetFn(0x2e), 0x10, 0, &[9])]);
        assert_eq!(
            r.unwrap(),
            Outcome::Raw(RawResponse {
                completion: CompletionCode(0),
                data: vec![9]
            })
        );
        assert_eq!(
            (reqs[0].netfn, reqs[0].cmd, reqs[0].data.as_slice()),
            (NetFn(0x2e), 0x10, &[1u8, 2][..])
        );
    }

    #[test]
    fn refused_cold_reset_is_an_error_not_a_success() {
        let (r, _) = go(
            &Action::McReset(ResetKind::Cold),
            vec![answer(NetFn::APP, 2, 0xd4, &[])],
        );
        let e = r.unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert_eq!(
            e.to_string(),
            "MC reset command failed: Insufficient privilege level (0xd4)"
        );
        assert_eq!(e.completion_code(), Some(CompletionCode(0xd4)));
    }

    #[test]
    fn ipmitool_wording_of_refusals() {
        let cases: Vec<(Action, NetFn, u8, u8, &str)> = vec![
            (Action::McInfo, NetFn::APP, 1, 0xc1, "Get Device ID command failed: Invalid command (0xc1)"),
            (Action::McReset(ResetKind::Warm), NetFn::APP, 3, 0xc1, "MC reset command failed: Invalid command (0xc1)"),
            (Action::ChassisStatus, NetFn::CHASSIS, 1, 0xd4, "Error sending Chassis Status command: Insufficient privilege level (0xd4)"),
            (Action::PowerStatus, NetFn::CHASSIS, 1, 0xc1, "Get Chassis Power Status failed: Invalid command (0xc1)"),
            (
                Action::PowerControl(PowerAction::Up),
                NetFn::CHASSIS,
                2,
                0xd4,
                "Set Chassis Power Control to Up/On failed: Insufficient privilege level (0xd4)",
            ),
            (
                Action::Raw(Raw { netfn: NetFn(6), cmd: 3, data: vec![] }),
                NetFn(6),
                3,
                0xc1,
                "Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0x3 rsp=0xc1): Invalid command",
            ),
            (
                Action::Raw(Raw { netfn: NetFn(0x30), cmd: 0xab, data: vec![] }),
                NetFn(0x30),
                0xab,
                0x81,
                "Unable to send RAW command (channel=0x0 netfn=0x30 lun=0x0 cmd=0xab rsp=0x81): Unknown (0x81)",
            ),
            (Action::McInfo, NetFn::APP, 1, 0x81, "Get Device ID command failed: Unknown (0x81)"),
        ];
        for (action, netfn, cmd, cc, want) in cases {
            let (r, _) = go(&action, vec![answer(netfn, cmd, cc, &[])]);
            let e = r.unwrap_err();
            assert_eq!(e.to_string(), want);
            assert_eq!(e.exit_code(), 1);
        }
    }

    #[test]
    fn bridged_refusals_name_the_channel_and_the_failed_delivery() {
        let raw = Action::Raw(Raw {
            netfn: NetFn(6),
            cmd: 1,
            data: vec![],
        });
        let far = Target::ipmb(6, 0x40);
        // ipmitool's words first, then what the code means.
        assert_eq!(
            completion_message(&raw, far, CompletionCode(0x83)),
            "Unable to send RAW command (channel=0x6 netfn=0x6 lun=0x0 cmd=0x1 rsp=0x83): Unknown (0x83) \
             [the BMC could not deliver the bridged request to IPMB address 0x40 on channel 6: \
             NAK on write, no controller answers at that address]"
        );
        assert_eq!(
            completion_message(&Action::McInfo, far, CompletionCode(0xd3)),
            "Get Device ID command failed: Destination unavailable (0xd3) [the BMC could not deliver \
             the bridged request to IPMB address 0x40 on channel 6: destination unavailable]"
        );
        // The target's own refusals are worded as without bridging.
        assert_eq!(
            completion_message(&raw, Target::ipmb(0, 0x30), CompletionCode(0xc1)),
            "Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0x1 rsp=0xc1): Invalid command"
        );
        assert_eq!(
            completion_message(&Action::McInfo, Target::bmc(), CompletionCode(0x83)),
            "Get Device ID command failed: Unknown (0x83)"
        );
        assert_eq!(
            context(&raw, Target::ipmb(1, 0x30)),
            "Unable to send RAW command (channel=0x1 netfn=0x6 lun=0x0 cmd=0x1)"
        );
    }

    #[test]
    fn transport_failures_keep_class_and_stage() {
        let (r, _) = go(&Action::McInfo, vec![Err(MockError::Timeout)]);
        let e = r.unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(e.stage(), Some("request netfn 0x06 cmd 0x01"));
        assert!(
            e.to_string()
                .starts_with("Get Device ID command failed: no answer"),
            "{e}"
        );
        let (r, _) = go(
            &Action::McReset(ResetKind::Cold),
            vec![Err(MockError::Timeout)],
        );
        assert!(r.unwrap_err().to_string().contains("may have been reset"));
    }

    #[test]
    fn malformed_answers_are_protocol_errors() {
        let (r, _) = go(&Action::McInfo, vec![answer(NetFn::APP, 1, 0, &[1, 2, 3])]);
        let e = r.unwrap_err();
        assert_eq!((e.class(), e.exit_code()), (ErrorClass::Protocol, 1));
        assert!(e.to_string().contains("too short"), "{e}");
        let (r, _) = go(
            &Action::ChassisStatus,
            vec![answer(NetFn::APP, 1, 0, &[1, 2, 3])],
        );
        assert_eq!(r.unwrap_err().class(), ErrorClass::Protocol);
    }
}
