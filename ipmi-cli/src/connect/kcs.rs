//! The `kcs` interface: this machine's BMC through its KCS system
//! interface (IPMI 2.0 §9) by direct port I/O, without the kernel driver,
//! with `ipmi_kcs::kcs::KcsClient`. For when `/dev/ipmi0` is gone (`rmmod
//! ipmi_si`) or stuck, and the BMC still has to be asked or reset
//! in-band (`ipmirs kcs mc reset cold`).
//!
//! There is no session: "opening" finds the address (`--kcs-addr`, else
//! SMBIOS type 38, else 0xCA2), checks that the kernel's `ipmi_si` does not
//! own the ports (unless `--kcs-force`) and takes them (`ioperm` or
//! `/dev/port`); "closing" gives them back. Every transfer ends by the
//! invocation's deadline; a BMC that stops mid-transfer is named by the
//! KCS phase and byte it stopped at.
//!
//! The ports are reached through a [`PortOpener`], so that the connector
//! and the whole flow of `app::run` over it are unit-tested against the
//! software KCS BMC of `ipmi_kcs::kcs::model`.

use std::path::PathBuf;
use std::time::Duration;

use ipmi_core::{
    CommandError, Deadline, ErrorClass, Failure, NetFn, Request, Response, Target, Transport,
};
use ipmi_kcs::kcs::{AddressSource, Backend, Error, KcsAddress, KcsClient, KcsOptions};

use super::Connector;

/// Everything the kcs interface (direct port I/O, no kernel driver) needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KcsSettings {
    /// `--kcs-addr`; `None`: SMBIOS type 38, else 0xCA2.
    pub address: Option<KcsAddress>,
    /// `--kcs-backend`; `Auto` without it.
    pub backend: Backend,
    /// `--kcs-force`: use the ports even while ipmi_si owns them.
    pub force: bool,
    /// Where `/proc`, `/sys` and `/dev` are read to find the address and
    /// the ports' owner (`/`; unit tests use a fake tree).
    pub root: PathBuf,
    /// Options of the lan interface that were given and do not apply
    /// (ignored, like ipmitool ignores them in-band; said with `-v`).
    pub ignored: Vec<&'static str>,
}

/// Takes the ports and makes the client.
pub trait PortOpener {
    /// Opens the interface `settings` name; calls without a deadline of
    /// their own get `timeout`.
    fn open(&mut self, settings: &KcsSettings, timeout: Duration) -> Result<KcsClient, Error>;
}

/// The real thing: `KcsClient::open` on this machine's ports.
#[derive(Clone, Copy, Debug, Default)]
pub struct MachinePorts;

impl PortOpener for MachinePorts {
    fn open(&mut self, settings: &KcsSettings, timeout: Duration) -> Result<KcsClient, Error> {
        KcsClient::open(&KcsOptions {
            address: settings.address,
            backend: settings.backend,
            force: settings.force,
            root: settings.root.clone(),
            timeout,
            ..KcsOptions::default()
        })
    }
}

/// A failure of the kcs interface, with the request it stopped (for the
/// `stage` of `--json`, as `local` names it).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct KcsFailure {
    /// The request's NetFn and command, when a transfer failed.
    pub request: Option<(NetFn, u8)>,
    /// The library's error.
    #[source]
    pub error: Error,
}

impl From<CommandError> for KcsFailure {
    fn from(e: CommandError) -> Self {
        KcsFailure {
            request: None,
            error: e.into(),
        }
    }
}

impl From<Error> for KcsFailure {
    fn from(error: Error) -> Self {
        KcsFailure {
            request: None,
            error,
        }
    }
}

impl Failure for KcsFailure {
    fn class(&self) -> ErrorClass {
        self.error.class()
    }
}

/// The open interface: a [`KcsClient`] that remembers the request a
/// failure belongs to.
#[derive(Debug)]
pub struct KcsSession {
    client: KcsClient,
}

impl KcsSession {
    /// The client.
    pub fn client(&self) -> &KcsClient {
        &self.client
    }
}

impl Transport for KcsSession {
    type Error = KcsFailure;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, KcsFailure> {
        self.client
            .exchange(request, deadline)
            .map_err(|error| KcsFailure {
                request: Some((request.netfn, request.cmd)),
                error,
            })
    }

    fn default_deadline(&self) -> Deadline {
        self.client.default_deadline()
    }

    fn default_target(&self) -> Target {
        self.client.default_target()
    }
}

/// Opens the KCS interface.
pub struct KcsConnector<O: PortOpener = MachinePorts> {
    settings: KcsSettings,
    timeout: Duration,
    opener: O,
}

impl KcsConnector<MachinePorts> {
    /// For these settings; `timeout` is the invocation's overall budget.
    pub fn new(settings: KcsSettings, timeout: Duration) -> Self {
        Self::with_opener(settings, timeout, MachinePorts)
    }
}

impl<O: PortOpener> KcsConnector<O> {
    /// With another way to reach the ports (tests).
    pub fn with_opener(settings: KcsSettings, timeout: Duration, opener: O) -> Self {
        KcsConnector {
            settings,
            timeout,
            opener,
        }
    }
}

/// Where the address came from, for `-v`.
fn source_text(source: &AddressSource) -> String {
    match source {
        AddressSource::Given => "--kcs-addr".into(),
        AddressSource::Smbios => "SMBIOS type 38".into(),
        AddressSource::Standard(why) => format!("the standard address ({why})"),
    }
}

impl<O: PortOpener> Connector for KcsConnector<O> {
    type Session = KcsSession;

    fn peer(&self) -> String {
        match self.settings.address {
            Some(a) => format!("KCS {a}"),
            None => "KCS".into(),
        }
    }

    fn opened(&self) -> &'static str {
        "KCS interface"
    }

    fn abandon_note(&self) -> &'static str {
        "the BMC stopped answering over KCS: giving the ports back (the next transfer starts \
         from whatever state the interface is in)"
    }

    fn open_context(&self) -> String {
        "cannot use the KCS interface".to_string()
    }

    fn validate(&self) -> Result<(), KcsFailure> {
        Ok(())
    }

    fn open(&mut self, _deadline: Deadline) -> Result<KcsSession, KcsFailure> {
        // Taking the ports does not wait for the BMC; the deadline bounds
        // the transfers.
        let client = self.opener.open(&self.settings, self.timeout)?;
        Ok(KcsSession { client })
    }

    fn close(&mut self, session: KcsSession, _deadline: Deadline) -> Result<(), KcsFailure> {
        // Dropping the client gives the ports back (ioperm off, or the
        // /dev/port descriptor closed); nothing is sent.
        drop(session);
        Ok(())
    }

    fn stage(&self, failure: &KcsFailure) -> Option<String> {
        // Named like `local` names a request that got no answer.
        match failure.request {
            Some((netfn, cmd)) if failure.class() == ErrorClass::Timeout => {
                Some(format!("request netfn {netfn} cmd 0x{cmd:02x}"))
            }
            _ => None,
        }
    }

    fn describe(&self, session: &KcsSession) -> Option<String> {
        let c = session.client();
        Some(format!(
            "KCS interface at {} (address from {}) through {}",
            c.address(),
            source_text(c.address_source()),
            c.describe()
        ))
    }

    fn statistics(&self, session: &KcsSession) -> Option<String> {
        let s = session.client().stats();
        Some(format!(
            "KCS transfers: {} started, {} answered, {} failed; {} error exits, {} status reads, {} sleeps",
            s.transfers, s.answered, s.failed, s.error_exits, s.status_reads, s.sleeps
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::mc::ResetKind;
    use crate::output::Streams;
    use crate::plan::{Action, Invocation, Link};
    use crate::run::run;
    use ipmi_core::cmd::{PowerAction, Raw};
    use ipmi_kcs::kcs::model::{Faults, KcsModel, SharedModel};
    use ipmi_kcs::kcs::{Backend, KcsAddress, KcsConfig};
    use std::path::PathBuf;

    /// The software BMC behind "ports": QEMU's answers unless told otherwise.
    struct ModelPorts {
        model: SharedModel,
        config: KcsConfig,
        opened: u32,
    }

    impl ModelPorts {
        fn new(model: KcsModel) -> Self {
            ModelPorts {
                model: SharedModel::new(model),
                config: KcsConfig::default(),
                opened: 0,
            }
        }
    }

    impl PortOpener for ModelPorts {
        fn open(&mut self, settings: &KcsSettings, timeout: Duration) -> Result<KcsClient, Error> {
            self.opened += 1;
            let address = settings.address.unwrap_or(KcsAddress::STANDARD);
            Ok(KcsClient::with_ports(Box::new(self.model.clone()), address)
                .with_config(self.config)
                .with_timeout(timeout))
        }
    }

    fn settings() -> KcsSettings {
        KcsSettings {
            address: None,
            backend: Backend::Auto,
            force: false,
            root: PathBuf::from("/"),
            ignored: vec![],
        }
    }

    struct Ran {
        code: u8,
        out: String,
        err: String,
    }

    fn go_with<O: PortOpener>(
        connector: &mut KcsConnector<O>,
        action: Action,
        json: bool,
        verbose: u8,
        timeout: Duration,
    ) -> Ran {
        let inv = Invocation {
            link: Link::Kcs(connector.settings.clone()),
            action,
            timeout,
            json,
            verbose,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            connector,
            &inv,
            &[PathBuf::from("/nonexistent/ipmirs-registry")],
            &mut Streams {
                out: &mut out,
                err: &mut err,
            },
        );
        Ran {
            code,
            out: String::from_utf8(out).unwrap(),
            err: String::from_utf8(err).unwrap(),
        }
    }

    fn go(model: KcsModel, action: Action) -> (Ran, SharedModel) {
        let ports = ModelPorts::new(model);
        let shared = ports.model.clone();
        let mut c = KcsConnector::with_opener(settings(), Duration::from_secs(2), ports);
        let r = go_with(&mut c, action, false, 0, Duration::from_secs(2));
        (r, shared)
    }

    /// What `ipmitool -I open mc info` prints for QEMU's ipmi-bmc-sim,
    /// which the model answers like.
    const QEMU_MC_INFO: &str = include_str!("../../tests/data/qemu_mc_info.txt");

    #[test]
    fn mc_info_over_the_software_kcs_bmc_prints_ipmitool_text() {
        let (r, model) = go(
            KcsModel::new(),
            Action::Mc(crate::families::mc::Action::Info),
        );
        assert_eq!(r.code, 0, "{}", r.err);
        assert_eq!(r.out, QEMU_MC_INFO);
        assert!(r.err.is_empty(), "{}", r.err);
        let m = model.0.lock().unwrap();
        assert_eq!(m.requests, [vec![0x06 << 2, 0x01]]);
        assert_eq!(m.aborts, 0);
    }

    #[test]
    fn every_command_goes_over_kcs() {
        let (r, _) = go(
            KcsModel::new(),
            Action::Chassis(crate::families::chassis::Action::PowerStatus),
        );
        assert_eq!((r.code, r.out.as_str()), (0, "Chassis Power is on\n"));
        let (r, _) = go(
            KcsModel::new(),
            Action::Chassis(crate::families::chassis::Action::Status),
        );
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(
            r.out.starts_with("System Power         : on\n"),
            "{}",
            r.out
        );
        let (r, model) = go(
            KcsModel::new(),
            Action::Raw(Raw {
                netfn: NetFn(6),
                cmd: 1,
                data: vec![],
            }),
        );
        assert_eq!(
            (r.code, r.out.as_str()),
            (0, " 20 00 00 00 02 07 00 00 00 00 00\n")
        );
        assert_eq!(model.0.lock().unwrap().requests, [vec![0x18, 0x01]]);
        let (r, model) = go(
            KcsModel::new(),
            Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold)),
        );
        assert_eq!(
            (r.code, r.out.as_str()),
            (0, "Sent cold reset command to MC\n")
        );
        assert_eq!(model.0.lock().unwrap().requests, [vec![0x18, 0x02]]);
        // The model refuses what QEMU's BMC refuses: 0xC1, ipmitool's words.
        let (r, model) = go(
            KcsModel::new(),
            Action::Chassis(crate::families::chassis::Action::PowerControl(
                PowerAction::Up,
            )),
        );
        assert_eq!((r.code, r.out.as_str()), (1, ""));
        assert_eq!(
            r.err,
            "ipmirs: Set Chassis Power Control to Up/On failed: Invalid command (0xc1)\n"
        );
        assert_eq!(model.0.lock().unwrap().requests, [vec![0x00, 0x02, 0x01]]);
        let (r, _) = go(
            KcsModel::new(),
            Action::Mc(crate::families::mc::Action::Reset(ResetKind::Warm)),
        );
        assert_eq!(r.code, 1);
        assert_eq!(
            r.err,
            "ipmirs: MC reset command failed: Invalid command (0xc1)\n"
        );
    }

    #[test]
    fn a_hung_bmc_exits_3_by_the_deadline_naming_the_kcs_phase() {
        let faults = Faults {
            never_respond: true,
            ..Faults::default()
        };
        let ports = ModelPorts::new(KcsModel::with_faults(faults));
        let mut c = KcsConnector::with_opener(settings(), Duration::from_millis(300), ports);
        let t0 = std::time::Instant::now();
        let r = go_with(
            &mut c,
            Action::Mc(crate::families::mc::Action::Info),
            false,
            0,
            Duration::from_millis(300),
        );
        let took = t0.elapsed();
        assert_eq!(r.code, 3, "{}", r.err);
        // The model never answers, so only the deadline ends the wait: 5x
        // the 0.3 s deadline as a bound (a loaded machine), far from "never".
        assert!(took < Duration::from_millis(1500), "{took:?}");
        assert_eq!(r.out, "");
        assert!(
            r.err.starts_with(
                "ipmirs: Get Device ID command failed: KCS interface at 0xca2/0xca3: KCS read phase: \
                 BMC never set OBF"
            ),
            "{}",
            r.err
        );
        // --json: kind timeout, the request as stage.
        let ports = ModelPorts::new(KcsModel::with_faults(Faults {
            freeze_at_byte: Some(2),
            ..Faults::default()
        }));
        let mut c = KcsConnector::with_opener(settings(), Duration::from_millis(200), ports);
        let r = go_with(
            &mut c,
            Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold)),
            true,
            0,
            Duration::from_millis(200),
        );
        assert_eq!(r.code, 3, "{}", r.err);
        let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        assert_eq!(v["kind"], "timeout");
        assert_eq!(v["stage"], "request netfn 0x06 cmd 0x02");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("IBF stayed set after byte 2 of 2"),
            "{v}"
        );
        assert!(
            v["error"].as_str().unwrap().contains("may have been reset"),
            "{v}"
        );
    }

    #[test]
    fn verbose_says_where_the_interface_is() {
        let mut s = settings();
        s.address = Some(KcsAddress::parse("0xca8:4").unwrap());
        let ports = ModelPorts::new(KcsModel::new());
        let mut c = KcsConnector::with_opener(s, Duration::from_secs(2), ports);
        let r = go_with(
            &mut c,
            Action::Chassis(crate::families::chassis::Action::PowerStatus),
            false,
            2,
            Duration::from_secs(2),
        );
        assert_eq!((r.code, r.out.as_str()), (0, "Chassis Power is on\n"));
        for want in [
            "kcs (in-band, the KCS ports without the kernel driver) at 0xca8/0xcac",
            "KCS interface opened in",
            "KCS interface at 0xca8/0xcac (address from --kcs-addr) through a software KCS model",
            "request netfn 0x00 cmd 0x01",
            "KCS transfers: 1 started, 1 answered, 0 failed",
            "KCS interface closed in",
        ] {
            assert!(r.err.contains(want), "{want}: {}", r.err);
        }
    }

    /// The real opener against a fake /proc where ipmi_si is loaded: the
    /// library refuses before touching any port, naming --kcs-force.
    #[test]
    fn the_driver_owning_the_ports_is_a_usage_error_naming_kcs_force() {
        let dir = std::env::temp_dir().join(format!("ipmirs-kcs-root-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("proc")).unwrap();
        std::fs::write(
            dir.join("proc/modules"),
            "ipmi_si 86016 0 - Live 0x0000000000000000\n\
             ipmi_msghandler 77824 2 ipmi_devintf,ipmi_si, Live 0x0000000000000000\n",
        )
        .unwrap();
        let mut s = settings();
        s.root = dir.clone();
        let mut c = KcsConnector::new(s, Duration::from_secs(1));
        let r = go_with(
            &mut c,
            Action::Mc(crate::families::mc::Action::Info),
            true,
            0,
            Duration::from_secs(1),
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(r.code, 2, "{}", r.err);
        assert!(
            r.err.starts_with(
                "ipmirs: cannot use the KCS interface: refusing to use the KCS ports 0xca2/0xca3 \
                 directly: the ipmi_si module is loaded (/proc/modules)"
            ),
            "{}",
            r.err
        );
        assert!(r.err.contains("--kcs-force"), "{}", r.err);
        let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        assert_eq!(
            (v["kind"].as_str(), v["exit_code"].as_u64()),
            (Some("usage"), Some(2))
        );
    }

    #[test]
    fn peer_and_stage() {
        let c = KcsConnector::new(settings(), Duration::from_secs(1));
        assert_eq!(c.peer(), "KCS");
        let mut s = settings();
        s.address = Some(KcsAddress::STANDARD);
        assert_eq!(
            KcsConnector::new(s, Duration::from_secs(1)).peer(),
            "KCS 0xca2/0xca3"
        );
        let not_a_timeout = KcsFailure {
            request: Some((NetFn::APP, 1)),
            error: Error::Kcs {
                address: KcsAddress::STANDARD,
                source: ipmi_kcs::kcs::KcsError::NoInterface,
            },
        };
        assert_eq!(c.stage(&not_a_timeout), None);
        assert_eq!(not_a_timeout.class(), ErrorClass::Io);
    }
}
