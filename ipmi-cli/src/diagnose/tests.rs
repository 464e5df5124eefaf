//! Unit tests of the parent module.

use super::*;
use ipmi_kcs::diagnose::{ProbeAnswer, ProbeFailure, ProbeVia};
use ipmi_kcs::kcs::{Backend, KcsAddress};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A fake root: proc/, dev/ in a temp dir; removed on drop.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let dir =
            std::env::temp_dir().join(format!("ipmirs-cli-diag-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let t = Tree(dir);
        t.file("proc/uptime", "10000.00 19000.00\n");
        t.file("proc/loadavg", "0.10 0.20 0.30 1/120 999\n");
        t.file("proc/devices", "Character devices:\n  1 mem\n");
        t.file("proc/modules", "e1000 151552 0 - Live 0x0\n");
        std::fs::create_dir_all(t.0.join("dev")).unwrap();
        t
    }

    fn file(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn drivers_loaded(&self) {
        self.file(
            "proc/modules",
            "ipmi_si 86016 0 - Live 0x0\nipmi_devintf 20480 0 - Live 0x0\n\
             ipmi_msghandler 122880 2 ipmi_devintf,ipmi_si, Live 0x0\n",
        );
        self.file("proc/devices", "Character devices:\n  1 mem\n239 ipmidev\n");
        self.file("dev/ipmi0", "");
    }

    /// An ipmitool process started `start` ticks after boot.
    fn ipmitool(&self, pid: u32, state: char, start: u64) {
        self.file(
            &format!("proc/{pid}/stat"),
            &format!(
                "{pid} (ipmitool) {state} 2 0 0 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 {start} \
                 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
            ),
        );
        self.file(&format!("proc/{pid}/cmdline"), "ipmitool\0mc\0info\0");
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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

fn go(tree: &Tree, probe: FakeProbe, json: bool, timeout: Duration) -> (u8, String, String) {
    let s = settings(&tree.0, json, timeout);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        RootFs::at(&tree.0),
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
    let tree = Tree::new("healthy");
    tree.drivers_loaded();
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
    let tree = Tree::new("stuck");
    tree.drivers_loaded();
    // Started 100 ticks after boot; uptime 10000 s: stuck for hours.
    for pid in 2000..2003 {
        tree.ipmitool(pid, 'D', 100);
    }
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
    let tree = Tree::new("hung");
    tree.drivers_loaded();
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
