//! Unit tests of the parent module.

use super::*;
use ipmi_kcs::diagnose::{ProbeAnswer, ProbeFailure, ProbeVia};
use ipmi_kcs::kcs::{Backend, KcsAddress};
use ipmirs_test_support::fakeroot::FakeMachine;
use std::path::Path;
use std::time::{Duration, Instant};

/// The fake machine of the library's tests with three ipmitool processes
/// `state`, started 100 ticks after boot (hours ago).
fn stuck_ipmitools(m: &FakeMachine, state: char) {
    for pid in 2000..2003 {
        m.process(pid, "ipmitool", state, "ipmitool mc info", 2, 100);
    }
}

/// Answers or fails as told; can hang (to test the overall deadline).
struct FakeProbe {
    device: Result<ProbeAnswer, ProbeFailure>,
    hang: Option<Duration>,
}

impl Probe for FakeProbe {
    fn get_device_id(
        &mut self,
        via: ProbeVia,
        _device_path: &str,
        _kcs_address: KcsAddress,
        _timeout: Duration,
    ) -> Result<ProbeAnswer, ProbeFailure> {
        if let Some(h) = self.hang {
            std::thread::sleep(h);
        }
        assert_eq!(
            via,
            ProbeVia::DeviceFile,
            "KCS is never probed under --root"
        );
        self.device.clone()
    }
}

fn qemu_answer() -> ProbeAnswer {
    ProbeAnswer {
        path: "/dev/ipmi0".into(),
        device_id: 0x20,
        ipmi_version: (2, 0),
        manufacturer_id: 0,
        product_id: 0,
        firmware: "0.00".into(),
    }
}

fn settings(root: &Path, json: bool, timeout: Duration) -> DiagnoseSettings {
    DiagnoseSettings {
        root: root.to_path_buf(),
        probe_kcs: false,
        kcs_address: None,
        kcs_backend: Backend::Auto,
        timeout,
        probe_timeout: Duration::from_millis(300),
        json,
    }
}

fn go(tree: &FakeMachine, probe: FakeProbe, json: bool, timeout: Duration) -> (u8, String, String) {
    let s = settings(&tree.dir, json, timeout);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        RootFs::at(&tree.dir),
        probe,
        &s,
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

#[test]
fn healthy_exits_0_with_the_text_report() {
    let tree = FakeMachine::new("cli-diag-healthy");
    tree.ipmi_loaded();
    let probe = FakeProbe {
        device: Ok(qemu_answer()),
        hang: None,
    };
    let (code, out, err) = go(&tree, probe, false, Duration::from_secs(5));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("IPMI in-band health: HEALTHY (exit 0)\n"),
        "{out}"
    );
    assert!(
        out.contains("healthy: the BMC answers in-band (Get Device ID through /dev/ipmi0"),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
}

#[test]
fn stuck_tools_and_a_silent_bmc_exit_1_with_the_out_of_band_step() {
    let tree = FakeMachine::new("cli-diag-stuck");
    tree.ipmi_loaded();
    // Started 100 ticks after boot; uptime 10000 s: stuck for hours.
    stuck_ipmitools(&tree, 'D');
    let probe = FakeProbe {
        device: Err(ProbeFailure {
            path: "/dev/ipmi0".into(),
            class: ErrorClass::Timeout,
            message: "no answer".into(),
        }),
        hang: None,
    };
    let (code, out, _) = go(&tree, probe, true, Duration::from_secs(5));
    assert_eq!(code, 1, "{out}");
    assert!(out.ends_with("}\n") && out.lines().count() == 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["healthy"], false);
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["tools"]["stuck"], 3);
    assert_eq!(
        v["next_steps"][0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
    assert_eq!(v["skipped_probes"][0]["via"], "kcs");
}

#[test]
fn a_hung_triage_ends_at_the_timeout_with_exit_3() {
    let tree = FakeMachine::new("cli-diag-hung");
    tree.ipmi_loaded();
    let probe = FakeProbe {
        device: Ok(qemu_answer()),
        hang: Some(Duration::from_secs(3)),
    };
    let t0 = Instant::now();
    let (code, out, err) = go(&tree, probe, true, Duration::from_millis(400));
    let took = t0.elapsed();
    assert_eq!(code, 3, "{err}");
    // 5x the 0.4 s timeout, and below the probe's 3 s hang it must not
    // wait out.
    assert!(took < Duration::from_millis(2000), "{took:?}");
    assert!(
        err.starts_with("ipmirs: diagnose: no verdict within 0.4 s"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "timeout");
}

#[test]
fn options_follow_the_settings() {
    let mut s = settings(Path::new("/"), false, Duration::from_secs(10));
    s.probe_kcs = true;
    s.kcs_address = Some(KcsAddress::parse("0xca8").unwrap());
    let o = options(&s);
    assert!(o.probe_kcs && o.probe_device_file);
    assert_eq!(o.kcs_address, s.kcs_address);
    assert_eq!(o.probe_timeout, Duration::from_millis(300));
}
