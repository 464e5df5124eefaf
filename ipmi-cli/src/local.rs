//! The `local` interface: the BMC of this machine through the Linux IPMI
//! driver's device file (`/dev/ipmi0`), with `ipmi_kcs::devintf::LinuxClient`.
//!
//! There is no session: "opening" opens the device file, "closing" closes
//! it. Every exchange still ends by the invocation's deadline: the client
//! waits for the kernel's answer with poll(2) bounded by it, so a wedged
//! BMC costs `--timeout` and exit 3, never a process stuck in the driver.
//!
//! The device is opened through an [`Opener`], so that the connector (and
//! the whole flow of `app::run` over it) is unit-tested with a scripted
//! transport that fails with the library's own errors.

use std::time::Duration;

use ipmi_core::{CompletionCode, Deadline, Target, Transport};
use ipmi_kcs::devintf::{error::completion_hint, Error, LinuxClient};

use crate::app::Connector;
use crate::invocation::{DeviceChoice, LocalSettings};

/// Opens the device and makes the client the connector uses.
pub trait Opener {
    /// The open client.
    type Client: Transport<Error = Error>;

    /// Opens `device`; typed commands go to `target`, and calls without a
    /// deadline of their own get `timeout`.
    fn open(
        &mut self,
        device: &DeviceChoice,
        target: Target,
        timeout: Duration,
    ) -> Result<Self::Client, Error>;

    /// One line about the open client, for `-v`.
    fn describe(&self, _client: &Self::Client) -> Option<String> {
        None
    }

    /// Counters of the client, for `-vv`.
    fn statistics(&self, _client: &Self::Client) -> Option<String> {
        None
    }
}

/// The real thing: `ipmi_kcs::devintf::LinuxClient` on a device file.
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelDevice;

impl Opener for KernelDevice {
    type Client = LinuxClient;

    fn open(
        &mut self,
        device: &DeviceChoice,
        target: Target,
        timeout: Duration,
    ) -> Result<LinuxClient, Error> {
        let client = match device {
            DeviceChoice::Number(n) => LinuxClient::open_number(*n)?,
            DeviceChoice::Path(p) => LinuxClient::open_path(p)?,
        };
        Ok(client.with_timeout(timeout).with_target(target))
    }

    fn describe(&self, client: &LinuxClient) -> Option<String> {
        Some(format!(
            "in-band through {} (the kernel's IPMI driver)",
            client.path().display()
        ))
    }

    fn statistics(&self, client: &LinuxClient) -> Option<String> {
        let s = client.stats();
        Some(format!(
            "requests: {} sent, {} answered, {} timed out; {} late answers and {} unsolicited messages dropped",
            s.sent, s.answered, s.timeouts, s.stale, s.unsolicited
        ))
    }
}

/// Opens the local IPMI device.
pub struct LocalConnector<O: Opener = KernelDevice> {
    settings: LocalSettings,
    timeout: Duration,
    opener: O,
}

impl LocalConnector<KernelDevice> {
    /// For these settings; `timeout` is the invocation's overall budget.
    pub fn new(settings: LocalSettings, timeout: Duration) -> Self {
        Self::with_opener(settings, timeout, KernelDevice)
    }
}

impl<O: Opener> LocalConnector<O> {
    /// With another way to open the device (tests).
    pub fn with_opener(settings: LocalSettings, timeout: Duration, opener: O) -> Self {
        LocalConnector {
            settings,
            timeout,
            opener,
        }
    }
}

impl<O: Opener> Connector for LocalConnector<O> {
    type Session = O::Client;

    fn peer(&self) -> String {
        self.settings.device.to_string()
    }

    fn opened(&self) -> &'static str {
        "device"
    }

    fn abandon_note(&self) -> &'static str {
        "the BMC stopped answering: closing the device (the kernel forgets the pending request)"
    }

    fn open_context(&self) -> String {
        "cannot open the local IPMI device".to_string()
    }

    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    fn open(&mut self, deadline: Deadline) -> Result<O::Client, Error> {
        // Opening a device file does not wait for the BMC; the deadline
        // bounds the exchanges.
        let _ = deadline;
        self.opener
            .open(&self.settings.device, self.settings.target, self.timeout)
    }

    fn close(&mut self, session: O::Client, _deadline: Deadline) -> Result<(), Error> {
        // Closing the descriptor: the kernel forgets requests still pending
        // for it, nothing is sent.
        drop(session);
        Ok(())
    }

    fn stage(&self, error: &Error) -> Option<String> {
        // Named like the lan interface names a request that got no answer.
        match error {
            Error::Timeout { request, .. } => Some(format!(
                "request netfn {} cmd 0x{:02x}",
                request.netfn, request.cmd
            )),
            _ => None,
        }
    }

    fn completion_note(&self, code: CompletionCode, _target: Target) -> Option<String> {
        match code.0 {
            // Send Message status codes: the bridging note of
            // `actions::completion_message` says what they mean.
            0x80..=0x83 => None,
            _ => completion_hint(code).map(str::to_string),
        }
    }

    fn describe(&self, session: &O::Client) -> Option<String> {
        self.opener.describe(session)
    }

    fn statistics(&self, session: &O::Client) -> Option<String> {
        self.opener.statistics(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{run, Streams};
    use crate::args::ResetKind;
    use crate::invocation::{Action, Invocation, Link};
    use ipmi_core::cmd::{PowerAction, Raw};
    use ipmi_core::{NetFn, Request, Response};
    use ipmi_kcs::devintf::RequestInfo;
    use std::collections::VecDeque;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    /// What the fake saw: opens and requests.
    #[derive(Default)]
    struct Seen {
        opened: Vec<(DeviceChoice, Target, Duration)>,
        requests: Vec<Request>,
        dropped: bool,
    }

    /// A client answering from a script, failing with the library's errors.
    struct FakeClient {
        target: Target,
        answers: VecDeque<Result<Response, Error>>,
        seen: Arc<Mutex<Seen>>,
    }

    impl Drop for FakeClient {
        fn drop(&mut self) {
            self.seen.lock().unwrap().dropped = true;
        }
    }

    impl Transport for FakeClient {
        type Error = Error;
        fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
            assert!(
                !deadline.is_expired(std::time::Instant::now()),
                "exchange started after the deadline"
            );
            self.seen.lock().unwrap().requests.push(request.clone());
            self.answers.pop_front().expect("scripted answer")
        }
        fn default_deadline(&self) -> Deadline {
            Deadline::from_now(Duration::from_secs(1))
        }
        fn default_target(&self) -> Target {
            self.target
        }
    }

    /// Opens a [`FakeClient`], or fails as scripted.
    struct FakeDevice {
        open_error: Option<Error>,
        answers: Vec<Result<Response, Error>>,
        seen: Arc<Mutex<Seen>>,
    }

    impl Opener for FakeDevice {
        type Client = FakeClient;
        fn open(
            &mut self,
            device: &DeviceChoice,
            target: Target,
            timeout: Duration,
        ) -> Result<FakeClient, Error> {
            self.seen
                .lock()
                .unwrap()
                .opened
                .push((device.clone(), target, timeout));
            if let Some(e) = self.open_error.take() {
                return Err(e);
            }
            Ok(FakeClient {
                target,
                answers: std::mem::take(&mut self.answers).into(),
                seen: Arc::clone(&self.seen),
            })
        }
    }

    fn answer(netfn: NetFn, cmd: u8, cc: u8, data: &[u8]) -> Result<Response, Error> {
        Ok(Response {
            netfn: netfn.response(),
            cmd,
            completion: CompletionCode(cc),
            data: data.to_vec(),
        })
    }

    fn local(device: DeviceChoice, target: Target) -> LocalSettings {
        LocalSettings {
            device,
            target,
            ignored: vec![],
        }
    }

    struct Outcome {
        code: u8,
        out: String,
        err: String,
        seen: Arc<Mutex<Seen>>,
    }

    fn go_with(
        settings: LocalSettings,
        action: Action,
        json: bool,
        verbose: u8,
        open_error: Option<Error>,
        answers: Vec<Result<Response, Error>>,
    ) -> Outcome {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut connector = LocalConnector::with_opener(
            settings.clone(),
            Duration::from_secs(4),
            FakeDevice {
                open_error,
                answers,
                seen: Arc::clone(&seen),
            },
        );
        let inv = Invocation {
            link: Link::Local(settings),
            action,
            timeout: Duration::from_secs(4),
            json,
            verbose,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            &mut connector,
            &inv,
            &[PathBuf::from("/nonexistent/ipmirs-registry")],
            &mut Streams {
                out: &mut out,
                err: &mut err,
            },
        );
        Outcome {
            code,
            out: String::from_utf8(out).unwrap(),
            err: String::from_utf8(err).unwrap(),
            seen,
        }
    }

    fn go(action: Action, answers: Vec<Result<Response, Error>>) -> Outcome {
        go_with(
            local(DeviceChoice::Number(0), Target::bmc()),
            action,
            false,
            0,
            None,
            answers,
        )
    }

    /// QEMU's ipmi-bmc-sim: device id 0x20, IPMI 2.0, manufacturer 0.
    const QEMU_DEVICE_ID: [u8; 11] = [0x20, 0, 0, 0, 0x02, 0x07, 0, 0, 0, 0, 0];

    #[test]
    fn mc_info_prints_ipmitool_text_and_closes_the_device() {
        let o = go(
            Action::McInfo,
            vec![answer(NetFn::APP, 1, 0, &QEMU_DEVICE_ID)],
        );
        assert_eq!(o.code, 0, "{}", o.err);
        assert!(
            o.out.starts_with("Device ID                 : 32\n"),
            "{}",
            o.out
        );
        assert!(
            o.out.contains("IPMI Version              : 2.0\n"),
            "{}",
            o.out
        );
        assert!(o.err.is_empty(), "{}", o.err);
        let seen = o.seen.lock().unwrap();
        assert_eq!(
            seen.opened,
            [(
                DeviceChoice::Number(0),
                Target::bmc(),
                Duration::from_secs(4)
            )]
        );
        assert_eq!(
            (seen.requests[0].netfn, seen.requests[0].cmd),
            (NetFn::APP, 1)
        );
        assert!(seen.dropped);
    }

    #[test]
    fn device_and_target_reach_the_client() {
        let far = Target::ipmb(0, 0x40);
        let o = go_with(
            local(DeviceChoice::Path("/dev/ipmi1".into()), far),
            Action::Raw(Raw {
                netfn: NetFn(6),
                cmd: 1,
                data: vec![],
            }),
            false,
            0,
            None,
            vec![answer(
                NetFn::APP,
                1,
                0,
                &[0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0],
            )],
        );
        assert_eq!(o.code, 0, "{}", o.err);
        assert_eq!(o.out, " 00 00 00 00 01 00 00 00 00 00 00\n");
        let seen = o.seen.lock().unwrap();
        assert_eq!(seen.opened[0].0, DeviceChoice::Path("/dev/ipmi1".into()));
        assert_eq!(seen.opened[0].1, far);
        // The request is addressed to the controller, as the client's
        // default target says.
        assert_eq!(seen.requests[0].target, far);
    }

    #[test]
    fn no_device_file_is_an_io_error_with_the_next_steps() {
        let e = Error::NoDevice {
            tried: vec![
                "/dev/ipmi0".into(),
                "/dev/ipmi/0".into(),
                "/dev/ipmidev/0".into(),
            ],
        };
        let o = go_with(
            local(DeviceChoice::Number(0), Target::bmc()),
            Action::McInfo,
            false,
            0,
            Some(e),
            vec![],
        );
        assert_eq!(o.code, 1);
        assert_eq!(o.out, "");
        assert!(
            o.err.starts_with(
                "ipmirs: cannot open the local IPMI device: no IPMI device file \
                 (tried /dev/ipmi0, /dev/ipmi/0, /dev/ipmidev/0)"
            ),
            "{}",
            o.err
        );
        assert!(
            o.err
                .contains("modprobe ipmi_msghandler ipmi_devintf ipmi_si"),
            "{}",
            o.err
        );
        assert!(o.err.contains("lan mc reset cold"), "{}", o.err);
        assert!(o.seen.lock().unwrap().requests.is_empty());

        let e = Error::PermissionDenied {
            path: "/dev/ipmi0".into(),
            group: "group root (gid 0), mode 0600".into(),
        };
        let o = go_with(
            local(DeviceChoice::Number(0), Target::bmc()),
            Action::McInfo,
            true,
            0,
            Some(e),
            vec![],
        );
        assert_eq!(o.code, 1);
        let v: serde_json::Value = serde_json::from_str(&o.out).unwrap();
        assert_eq!(v["kind"], "io");
        assert_eq!(v["exit_code"], 1);
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("/dev/ipmi0: permission denied: run as root"),
            "{v}"
        );
    }

    #[test]
    fn no_answer_exits_3_with_the_request_as_stage() {
        let timeout = || Error::Timeout {
            request: RequestInfo {
                netfn: NetFn::APP,
                cmd: 1,
                target: Target::bmc(),
            },
            waited: Duration::from_millis(1000),
        };
        let o = go(Action::McInfo, vec![Err(timeout())]);
        assert_eq!(o.code, 3);
        assert_eq!(o.out, "");
        assert!(
            o.err.starts_with(
                "ipmirs: Get Device ID command failed: Get Device ID (netfn 0x06 cmd 0x01) \
                 to the BMC: no answer within 1.000 s"
            ),
            "{}",
            o.err
        );
        assert!(o.seen.lock().unwrap().dropped);
        let o = go_with(
            local(DeviceChoice::Number(0), Target::bmc()),
            Action::McInfo,
            true,
            0,
            None,
            vec![Err(timeout())],
        );
        assert_eq!(o.code, 3);
        let v: serde_json::Value = serde_json::from_str(&o.out).unwrap();
        assert_eq!(v["kind"], "timeout");
        assert_eq!(v["exit_code"], 3);
        assert_eq!(v["stage"], "request netfn 0x06 cmd 0x01");
        // A Cold Reset that got no answer may have reset the BMC.
        let o = go(Action::McReset(ResetKind::Cold), vec![Err(timeout())]);
        assert_eq!(o.code, 3);
        assert!(o.err.contains("may have been reset"), "{}", o.err);
    }

    #[test]
    fn kernel_completion_codes_are_explained() {
        // 0xC3 from the kernel: its own timeout.
        let o = go(
            Action::PowerStatus,
            vec![answer(NetFn::CHASSIS, 1, 0xc3, &[])],
        );
        assert_eq!(o.code, 1);
        assert!(
            o.err.starts_with(
                "ipmirs: Get Chassis Power Status failed: Timeout (0xc3) \
                 [0xC3 is the timeout code: the kernel IPMI driver reports it"
            ),
            "{}",
            o.err
        );
        assert!(o.err.contains("lan mc reset cold"), "{}", o.err);
        // A raw refusal: ipmitool's words, then the note.
        let o = go(
            Action::Raw(Raw {
                netfn: NetFn(6),
                cmd: 1,
                data: vec![],
            }),
            vec![answer(NetFn::APP, 1, 0xff, &[])],
        );
        assert_eq!(o.code, 1);
        assert!(
            o.err.starts_with(
                "ipmirs: Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0x1 rsp=0xff): "
            ),
            "{}",
            o.err
        );
        assert!(
            o.err.contains("[the kernel IPMI driver also reports 0xFF"),
            "{}",
            o.err
        );
        // Ordinary refusals stay ipmitool's line.
        let o = go(
            Action::PowerControl(PowerAction::Up),
            vec![answer(NetFn::CHASSIS, 2, 0xd5, &[])],
        );
        assert_eq!(o.code, 1);
        assert_eq!(o.out, "");
        assert_eq!(
            o.err,
            "ipmirs: Set Chassis Power Control to Up/On failed: Command not supported in present state (0xd5)\n"
        );
    }

    #[test]
    fn bridged_delivery_failures_get_one_explanation() {
        let far = Target::ipmb(0, 0x42);
        let o = go_with(
            local(DeviceChoice::Number(0), far),
            Action::McInfo,
            false,
            0,
            None,
            vec![answer(NetFn::APP, 1, 0x83, &[])],
        );
        assert_eq!(o.code, 1);
        assert_eq!(
            o.err,
            "ipmirs: Get Device ID command failed: Unknown (0x83) [the BMC could not deliver the bridged \
             request to IPMB address 0x42 on channel 0: NAK on write, no controller answers at that address]\n"
        );
    }

    #[test]
    fn kernel_refusals_are_usage_errors() {
        let o = go(
            Action::Raw(Raw {
                netfn: NetFn(6),
                cmd: 0x34,
                data: vec![0, 0x40, 0x18],
            }),
            vec![Err(Error::InvalidRequest {
                request: RequestInfo {
                    netfn: NetFn::APP,
                    cmd: 0x34,
                    target: Target::bmc(),
                },
                reason: "the driver keeps Send Message for itself",
            })],
        );
        assert_eq!(o.code, 2, "{}", o.err);
        assert!(o.err.contains("(EINVAL)"), "{}", o.err);
    }

    #[test]
    fn verbose_says_what_it_opened() {
        let mut s = local(DeviceChoice::Number(2), Target::ipmb(0, 0x40));
        s.ignored = vec!["-U", "-P"];
        let o = go_with(
            s,
            Action::PowerStatus,
            false,
            2,
            None,
            vec![answer(NetFn::CHASSIS, 1, 0, &[0x01, 0, 0])],
        );
        assert_eq!(o.code, 0, "{}", o.err);
        assert_eq!(o.out, "Chassis Power is on\n");
        assert!(
            o.err.contains("local (in-band) through /dev/ipmi2"),
            "{}",
            o.err
        );
        assert!(o.err.contains("ignored in-band: -U, -P"), "{}", o.err);
        assert!(
            o.err
                .contains("bridging: every request goes to IPMB address 0x40 on channel 0"),
            "{}",
            o.err
        );
        assert!(o.err.contains("request netfn 0x00 cmd 0x01"), "{}", o.err);
        assert!(o.err.contains("device opened in"), "{}", o.err);
        assert!(o.err.contains("device closed in"), "{}", o.err);
    }

    #[test]
    fn stage_and_notes() {
        let c = LocalConnector::new(
            local(DeviceChoice::Number(0), Target::bmc()),
            Duration::from_secs(1),
        );
        assert_eq!(c.peer(), "/dev/ipmi0");
        assert_eq!(c.stage(&Error::NoDevice { tried: vec![] }), None);
        assert!(c
            .completion_note(CompletionCode(0xc3), Target::bmc())
            .unwrap()
            .contains("timeout code"));
        assert_eq!(c.completion_note(CompletionCode(0xc1), Target::bmc()), None);
        assert_eq!(c.completion_note(CompletionCode(0x83), Target::bmc()), None);
    }

    #[test]
    fn a_missing_device_file_through_the_real_opener() {
        // A path that cannot exist: the library's NoDevice, unchanged.
        let o = {
            let settings = local(
                DeviceChoice::Path("/nonexistent/ipmirs/ipmi0".into()),
                Target::bmc(),
            );
            let mut c = LocalConnector::new(settings.clone(), Duration::from_secs(1));
            let inv = Invocation {
                link: Link::Local(settings),
                action: Action::McInfo,
                timeout: Duration::from_secs(1),
                json: false,
                verbose: 0,
            };
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = run(
                &mut c,
                &inv,
                &[],
                &mut Streams {
                    out: &mut out,
                    err: &mut err,
                },
            );
            (code, String::from_utf8(err).unwrap())
        };
        assert_eq!(o.0, 1);
        assert!(
            o.1.contains("/nonexistent/ipmirs/ipmi0") && o.1.contains("modprobe"),
            "{}",
            o.1
        );
    }
}
