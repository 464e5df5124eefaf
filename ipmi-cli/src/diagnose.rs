//! `ipmirs diagnose`: the in-band health triage of `ipmi_kcs::diagnose`
//! with the real probes, as one command instead of half an hour of `top`,
//! `ps`, `lsmod` and `/proc/PID/stack`: which IPMI modules are loaded,
//! whether `/dev/ipmi0` exists, whether `kipmi*` threads spin, how many IPMI
//! tool processes are stuck, whether the BMC answers Get Device ID through
//! `/dev/ipmi0` or, with the driver absent, directly over KCS; then the
//! verdict with the next steps (e.g. the out-of-band `ipmirs -H
//! <bmc-address> lan mc reset cold`).
//!
//! Standard output: the library's text report, or with `--json` its one
//! JSON object. Exit 0 healthy, 1 not (the verdict's code), 3 when the
//! triage did not finish within `--timeout`.
//!
//! Bounded: each probe has its deadline (2 s, less under a short
//! `--timeout`), and the whole triage runs on a worker thread that the
//! main thread stops waiting for at `--timeout`: reading `/proc/PID/cmdline`
//! of a process stuck in the kernel can itself block (the kernel takes the
//! target's memory-map lock), and a triage of a hung machine must not hang.

use std::sync::mpsc;

use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{self, Options, Probe, Report, RootFs, System, SystemProbe};

use crate::exit::CliError;
use crate::output::Streams;
use crate::plan::DiagnoseSettings;

/// The triage's options for these settings.
pub fn options(settings: &DiagnoseSettings) -> Options {
    Options {
        probe_timeout: settings.probe_timeout,
        probe_kcs: settings.probe_kcs,
        kcs_address: settings.kcs_address,
        ..Options::default()
    }
}

/// Said on standard error when `diagnose` runs without root: the probes
/// then fail for lack of permission, which the verdict cannot tell from a
/// BMC that does not answer.
pub const NOT_ROOT_WARNING: &str = "ipmirs: warning: diagnose is not running as root: probing the BMC \
     (/dev/ipmi0, the KCS ports) needs root, so a failed probe may be a permission problem, not the BMC; \
     run it as root for a verdict you can act on";

/// Runs the triage on this machine (or the tree of `--root`); returns the exit code.
pub fn run(settings: &DiagnoseSettings, io: &mut Streams) -> u8 {
    // SAFETY: geteuid(2) takes nothing and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        let _ = writeln!(io.err, "{NOT_ROOT_WARNING}");
    }
    let probe = SystemProbe {
        root: settings.root.clone(),
        backend: settings.kcs_backend,
    };
    run_with(RootFs::at(&settings.root), probe, settings, io)
}

/// Runs the triage over `sys` and `probe` on a worker thread, waiting for
/// it at most `settings.timeout`; prints the report; returns the exit code.
pub fn run_with<S, P>(sys: S, mut probe: P, settings: &DiagnoseSettings, io: &mut Streams) -> u8
where
    S: System + Send + 'static,
    P: Probe + Send + 'static,
{
    let opts = options(settings);
    let (tx, rx) = mpsc::channel::<Report>();
    let spawned = std::thread::Builder::new()
        .name("ipmirs-diagnose".into())
        .spawn(move || {
            let _ = tx.send(diagnose::run(&sys, &mut probe, &opts));
        });
    if let Err(e) = spawned {
        return io.fail(
            settings.json,
            &CliError::Failed {
                class: ErrorClass::Io,
                message: format!("diagnose: cannot start the triage's thread: {e}"),
                stage: None,
            },
        );
    }
    match rx.recv_timeout(settings.timeout) {
        Ok(report) => print(&report, settings.json, io),
        Err(mpsc::RecvTimeoutError::Timeout) => io.fail(
            settings.json,
            &CliError::Failed {
                class: ErrorClass::Timeout,
                message: format!(
                    "diagnose: no verdict within {:.1} s (--timeout): reading /proc or probing the BMC \
                     blocked; a process stuck in the kernel can block reads of its /proc/PID files. \
                     Look at `ps -eo pid,stat,wchan:32,etime,args | grep -i ipmi` and, if the BMC is \
                     hung, reset it out of band: ipmirs -H <bmc-address> lan mc reset cold",
                    settings.timeout.as_secs_f64()
                ),
                stage: None,
            },
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => io.fail(
            settings.json,
            &CliError::Failed {
                class: ErrorClass::Io,
                message: "diagnose: the triage stopped without a report".into(),
                stage: None,
            },
        ),
    }
}

/// Prints the report (text, or one JSON line); returns the verdict's exit code.
pub fn print(report: &Report, json: bool, io: &mut Streams) -> u8 {
    let verdict = diagnose::verdict(report);
    let text = if json {
        let mut line = diagnose::render_json(report);
        line.push('\n');
        line
    } else {
        diagnose::render_text(report)
    };
    match io
        .out
        .write_all(text.as_bytes())
        .and_then(|()| io.out.flush())
    {
        Ok(()) => u8::try_from(verdict.exit_code()).unwrap_or(crate::exit::FAILURE),
        Err(e) => {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                let _ = writeln!(io.err, "ipmirs: cannot write the output: {e}");
            }
            crate::exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
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
}
