//! Unit tests of the parent module.

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
const QEMU_MC_INFO: &str = include_str!("../../../tests/data/qemu_mc_info.txt");

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
