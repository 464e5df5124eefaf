//! `ipmirs` in-band against a real Linux kernel: a Debian kernel booted
//! under QEMU (TCG) with an emulated BMC behind an ISA KCS interface, the
//! kernel's own ipmi_msghandler / ipmi_devintf / ipmi_si, and the real CLI
//! (built statically, release profile) run by a `#!/bin/sh` script as the
//! guest's program.
//! ipmitool 1.8.19 (with its shared libraries and the IANA registry) goes
//! into the same image, and each command's standard output and exit code
//! are compared with ipmitool's for the same command in the same guest.
//!
//! Three boots, several commands each:
//! - `local_matches_ipmitool_in_band`: QEMU's `ipmi-bmc-sim` (modules
//!   loaded): `mc info`, `local chassis power status`, `-I open chassis
//!   status`, `raw 0x06 0x01`, `-b 0 -t 0x40 mc info` (QEMU's BMC answers
//!   Get Device ID at IPMB 0x40 on channel 0), `-d 0` and `--device`, a
//!   refusal (`chassis power on`: 0xD5), permission denied for a non-root
//!   user, `diagnose` (healthy), `kcs` refused while ipmi_si owns the
//!   ports, `mc reset warm`, `mc reset cold`, then `mc info` again;
//! - `local_frozen_bmc_exits_3_on_time`: `ipmi-bmc-extern` wired to
//!   OpenIPMI's ipmi_sim (compared with ipmitool first, bridging to its
//!   satellite at 0x40 too), then frozen with SIGSTOP: `ipmirs --timeout 1`
//!   exits 3 within 1.5 s, measured in the guest;
//! - `without_driver_local_says_what_to_load_and_kcs_answers`: the IPMI
//!   modules are not loaded: `local` exits 1 naming the modules and the
//!   out-of-band next step; `diagnose` says the driver is absent and the
//!   BMC answers over KCS (exit 1); `ipmirs kcs` (`mc info`, `-I kcs chassis
//!   power status`, `chassis status`, `raw 0x06 0x01`, a refused `power on`,
//!   `mc reset cold`) through the ports; then the modules are loaded in the
//!   same guest and ipmitool -I open gives the reference output for each
//!   of those, `kcs` is refused (the driver owns the ports) and `diagnose`
//!   says healthy (exit 0).
//!
//! - `recover_a_frozen_bmc_in_the_guest` (issue 17): `ipmi-bmc-extern` wired
//!   to ipmi_sim; healthy first (`recover` changes nothing, exit 0); then
//!   ipmi_sim frozen with SIGSTOP and three stuck `ipmitool mc info`
//!   stand-ins (kcs_probe's `hang` loop, named ipmitool) holding
//!   /dev/ipmi0: `recover --dry-run` changes nothing, `recover --kill-stuck
//!   --unload-driver --yes` ends them, unloads the modules and attempts the
//!   resets (reported as not acknowledged, each within its deadline);
//!   SIGCONT: `recover` finds the BMC answering over KCS (exit 0), the
//!   driver is loaded again and the BMC answers in-band.
//! - `sdr_and_sensor_lists_match_ipmitool_in_band`: `ipmi-bmc-extern`
//!   wired to ipmi_sim running the sensor bed (63 SDRs, live readings, a
//!   satellite at 0x30 read by bridging over the guest's IPMB): `sdr
//!   list`, `sdr elist all` and `sensor list` through /dev/ipmi0, each
//!   byte for byte what ipmitool -I open prints in the same guest; then,
//!   `sdr get` and `sensor get` of satellite and BMC sensors likewise; then,
//!   the modules unloaded, `ipmirs kcs sdr list` and `kcs sensor list`
//!   through the KCS ports, the same bytes but for the satellite's sensors
//!   (the KCS transport does not bridge yet: named on standard error).
//!
//! Needs `bash scripts/qemu/setup.sh` once per machine (the harness runs
//! it) and ipmitool 1.8.19 on the host (`apt-get install ipmitool`).

use ipmirs_test_support::qemu;
use ipmirs_test_support::vmsim;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use qemu::{Bmc, GuestRun, GuestSpec};

/// One boot at a time: two TCG guests on two cores would distort the
/// timings the frozen-BMC test checks.
fn one_boot_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The CLI as it ships (release profile), built statically for the guest
/// like `qemu::static_bin` builds (which builds the dev profile), in its own
/// target directory (target/static-release).
///
/// Release, because the timing checked here includes the process: under
/// TCG, starting the 8 MB debug binary and parsing its arguments costs
/// 0.2-0.4 s of guest time (0.1 s for the release binary; natively both
/// take about 4 ms, fork and exec included), which would leave the 1 s
/// deadline little of its 0.5 s margin and make the test measure the
/// emulator's page faults rather than ipmirs.
fn ipmirs_static() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let repo = qemu::prepare().repo.clone();
        let target_dir = repo.join("target").join("static-release");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
        rustflags.push_str(" -C target-feature=+crt-static");
        let t0 = std::time::Instant::now();
        let out = Command::new(&cargo)
            .current_dir(&repo)
            .args([
                "build",
                "--quiet",
                "--release",
                "-p",
                "ipmi-cli",
                "--bin",
                "ipmirs",
                "--target",
                qemu::GUEST_TARGET,
            ])
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("RUSTFLAGS", rustflags.trim())
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
        assert!(
            out.status.success(),
            "static release build of ipmirs failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = target_dir
            .join(qemu::GUEST_TARGET)
            .join("release")
            .join("ipmirs");
        qemu::assert_static(&path);
        eprintln!(
            "built static {} in {:.1} s",
            path.display(),
            t0.elapsed().as_secs_f64()
        );
        path
    })
}

/// Host files that make ipmitool run in the guest: the binary (as
/// /bin/ipmitool), its dynamic loader and libraries (`ldd`, at the same
/// paths), and the IANA registry both tools read for `Manufacturer Name`.
fn ipmitool_files() -> &'static Vec<(PathBuf, String)> {
    static FILES: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let which = Command::new("sh")
            .args(["-c", "command -v ipmitool"])
            .output()
            .expect("run sh");
        let bin = String::from_utf8_lossy(&which.stdout).trim().to_string();
        assert!(
            which.status.success() && !bin.is_empty(),
            "ipmitool is not installed: the in-band output is compared with ipmitool 1.8.19 \
             in the guest (apt-get install ipmitool; scripts/test.sh does it)"
        );
        let version = Command::new(&bin).arg("-V").output().expect("ipmitool -V");
        let version = String::from_utf8_lossy(&version.stdout).into_owned();
        assert!(
            version.contains("1.8.19"),
            "the reference is ipmitool 1.8.19, found: {version}"
        );
        let ldd = Command::new("ldd").arg(&bin).output().expect("run ldd");
        assert!(ldd.status.success(), "ldd {bin} failed");
        let mut files = vec![(PathBuf::from(&bin), "/bin/ipmitool".to_string())];
        for line in String::from_utf8_lossy(&ldd.stdout).lines() {
            // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
            // "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
            let path = line
                .split_whitespace()
                .find(|w| w.starts_with('/'))
                .map(str::to_string);
            if let Some(p) = path {
                assert!(Path::new(&p).is_file(), "ldd names a missing file: {line}");
                files.push((PathBuf::from(&p), p));
            }
        }
        assert!(
            files.iter().any(|(_, d)| d.contains("ld-linux")),
            "no dynamic loader in `ldd {bin}`"
        );
        let registry = "/usr/share/misc/enterprise-numbers.txt";
        assert!(
            Path::new(registry).is_file(),
            "{registry} missing (package ipmitool ships it)"
        );
        files.push((PathBuf::from(registry), registry.to_string()));
        files
    })
}

/// The common part of every guest script: `step NAME TOOL COMMAND...`
/// runs COMMAND and prints one marker with its exit status, the guest's
/// uptime before and after (read by the shell itself, no fork), and its
/// standard output and error in hex.
const PRELUDE: &str = r#"#!/bin/sh
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
step() {
    name=$1 tool=$2
    shift 2
    read -r t0 idle </proc/uptime
    "$@" >/tmp/out 2>/tmp/err </dev/null
    rc=$?
    read -r t1 idle </proc/uptime
    echo "IPMIRS-STEP name=$name tool=$tool rc=$rc t0=$t0 t1=$t1 out=$(hex /tmp/out) err=$(hex /tmp/err)"
}
"#;

/// Boots a guest whose program is a script (the prelude, then `body`),
/// with the CLI at /bin/ipmirs and ipmitool beside it; `configure` sets
/// the BMC, the modules and the time limit. The script file is removed
/// once it is in the image.
fn boot(name: &str, body: &str, configure: impl FnOnce(GuestSpec) -> GuestSpec) -> qemu::Guest {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("ipmirs-local-qemu-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create script dir");
    let script = dir.join("prog.sh");
    std::fs::write(&script, format!("{PRELUDE}{body}")).expect("write guest script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut spec = GuestSpec::new(name, &script).file(ipmirs_static(), "/bin/ipmirs");
    for (src, dest) in ipmitool_files() {
        spec = spec.file(src, dest);
    }
    let guest = configure(spec).boot();
    let _ = std::fs::remove_dir_all(&dir);
    guest
}

/// One `IPMIRS-STEP` marker.
#[derive(Debug)]
struct Step {
    name: String,
    tool: String,
    rc: i32,
    /// Guest seconds the command took (10 ms resolution).
    secs: f64,
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Step {
    fn parse(marker: &str) -> Option<Step> {
        let m = marker.strip_prefix("IPMIRS-STEP ")?;
        let get = |k: &str| qemu::field(m, k).unwrap_or_default();
        let t = |k: &str| get(k).parse::<f64>().unwrap_or(f64::NAN);
        Some(Step {
            name: get("name").to_string(),
            tool: get("tool").to_string(),
            rc: get("rc").parse().ok()?,
            secs: t("t1") - t("t0"),
            out: unhex(get("out"))?,
            err: unhex(get("err"))?,
        })
    }

    fn out(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }

    fn err(&self) -> String {
        String::from_utf8_lossy(&self.err).into_owned()
    }

    fn show(&self) -> String {
        format!(
            "{} {}: rc {} in {:.2} s\n--- stdout ---\n{}--- stderr ---\n{}",
            self.tool,
            self.name,
            self.rc,
            self.secs,
            self.out(),
            self.err()
        )
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The steps of a finished boot.
struct Steps<'a> {
    run: &'a GuestRun,
    steps: Vec<Step>,
}

impl<'a> Steps<'a> {
    fn of(run: &'a GuestRun) -> Steps<'a> {
        let steps = run.markers().into_iter().filter_map(Step::parse).collect();
        Steps { run, steps }
    }

    fn get(&self, name: &str, tool: &str) -> &Step {
        self.steps
            .iter()
            .find(|s| s.name == name && s.tool == tool)
            .unwrap_or_else(|| {
                panic!(
                    "guest `{}`: no step {tool} {name} (a garbled console line?)\n--- console ---\n{}",
                    self.run.name,
                    self.run.transcript()
                )
            })
    }

    /// ipmirs's step `name`, after checking that its standard output and
    /// exit code are ipmitool's.
    fn same_as_ipmitool(&self, name: &str) -> &Step {
        let ours = self.get(name, "ipmirs");
        let theirs = self.get(name, "ipmitool");
        assert!(
            ours.out == theirs.out && ours.rc == theirs.rc,
            "{name}: ipmirs differs from ipmitool\n{}\n{}",
            ours.show(),
            theirs.show()
        );
        assert!(
            !ours.err().contains("panicked"),
            "{name}: ipmirs panicked\n{}",
            ours.show()
        );
        ours
    }

    fn report(&self) {
        eprintln!(
            "qemu `{}`: wall {:.2} s, guest uptime {:?} s at /init, {:?} s at exit (kernel {})",
            self.run.name,
            self.run.wall.as_secs_f64(),
            self.run.boot_uptime,
            self.run.exit_uptime,
            qemu::prepare().kernel_package
        );
        for s in &self.steps {
            eprintln!(
                "  {:<12} {:<8} rc={} {:.2} s  {}",
                s.name,
                s.tool,
                s.rc,
                s.secs,
                s.out().lines().next().unwrap_or("")
            );
        }
    }
}

/// What `mc info` prints for QEMU's ipmi-bmc-sim: device id 0x20, IPMI
/// 2.0, manufacturer 0.
const QEMU_MC_INFO: &str = include_str!("data/qemu_mc_info.txt");

#[test]
fn local_matches_ipmitool_in_band() {
    let _one = one_boot_at_a_time();
    let body = r#"
step mc-info ipmitool ipmitool -I open mc info
step mc-info ipmirs ipmirs mc info
step power-status ipmitool ipmitool -I open chassis power status
step power-status ipmirs ipmirs local chassis power status
step chassis-status ipmitool ipmitool -I open chassis status
step chassis-status ipmirs ipmirs -I open chassis status
step raw ipmitool ipmitool -I open raw 0x06 0x01
step raw ipmirs ipmirs raw 0x06 0x01
step bridged ipmitool ipmitool -I open -b 0 -t 0x40 mc info
step bridged ipmirs ipmirs -b 0 -t 0x40 mc info
step bridged-raw ipmitool ipmitool -I open -t 0x40 raw 6 1
step bridged-raw ipmirs ipmirs local -t 0x40 raw 6 1
step dev-number ipmitool ipmitool -I open -d 0 raw 0x06 0x01
step dev-number ipmirs ipmirs -d 0 raw 0x06 0x01
step dev-path ipmirs ipmirs --device /dev/ipmi0 mc info
step json ipmirs ipmirs --json chassis power status
step diagnose ipmirs ipmirs diagnose
step kcs-refused ipmirs ipmirs kcs mc info
step power-on ipmitool ipmitool -I open chassis power on
step power-on ipmirs ipmirs chassis power on
mkdir -p /etc
echo 'root:x:0:0:root:/:/bin/sh' >/etc/passwd
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
echo 'root:x:0:' >/etc/group
echo 'nogroup:x:65534:' >>/etc/group
step eacces ipmitool su nobody -s /bin/sh -c 'ipmitool -I open mc info'
step eacces ipmirs su nobody -s /bin/sh -c 'ipmirs mc info'
step warm ipmitool ipmitool -I open mc reset warm
step warm ipmirs ipmirs mc reset warm
step cold ipmitool ipmitool -I open mc reset cold
step cold ipmirs ipmirs mc reset cold
step after-cold ipmirs ipmirs mc info
"#;
    let run = boot("local-sim", body, |g| {
        g.bmc(Bmc::Sim).wall_limit(Duration::from_secs(90))
    })
    .finish();
    let steps = Steps::of(&run);
    steps.report();
    assert_eq!(run.exit_rc, 0, "{}", run.transcript());

    // Byte for byte what ipmitool -I open prints, with its exit code; and
    // what QEMU's BMC reports, so that two equal failures cannot pass.
    let s = steps.same_as_ipmitool("mc-info");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    assert!(s.err.is_empty(), "{}", s.show());
    let s = steps.same_as_ipmitool("power-status");
    assert_eq!(s.out(), "Chassis Power is on\n", "{}", s.show());
    let s = steps.same_as_ipmitool("chassis-status");
    assert!(
        s.out().starts_with("System Power         : on\n"),
        "{}",
        s.show()
    );
    let s = steps.same_as_ipmitool("raw");
    assert_eq!(
        s.out(),
        " 20 00 00 00 02 07 00 00 00 00 00\n",
        "{}",
        s.show()
    );
    assert_eq!(steps.same_as_ipmitool("dev-number").out(), s.out());
    // Bridged: the answer of QEMU's controller at 0x40 (IPMI 1.5, all
    // zeros), not the BMC's.
    let s = steps.same_as_ipmitool("bridged");
    assert!(
        s.out().starts_with("Device ID                 : 0\n")
            && s.out().contains("IPMI Version              : 1.5\n"),
        "{}",
        s.show()
    );
    let s = steps.same_as_ipmitool("bridged-raw");
    assert_eq!(
        s.out(),
        " 00 00 00 00 51 00 00 00 00 00 00\n",
        "{}",
        s.show()
    );
    let s = steps.get("dev-path", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    let s = steps.get("json", "ipmirs");
    assert_eq!(
        (s.rc, s.out().as_str()),
        (0, "{\"power\":\"on\"}\n"),
        "{}",
        s.show()
    );

    // The drivers are loaded and the BMC answers: healthy, exit 0.
    let s = steps.get("diagnose", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
    assert!(
        s.out()
            .starts_with("IPMI in-band health: HEALTHY (exit 0)\n")
            && s.out()
                .contains("healthy: the BMC answers in-band (Get Device ID through /dev/ipmi0"),
        "{}",
        s.show()
    );
    // ipmi_si owns the KCS ports: kcs refuses, says why and names --kcs-force.
    let s = steps.get("kcs-refused", "ipmirs");
    assert_eq!((s.rc, s.out.is_empty()), (2, true), "{}", s.show());
    assert!(
        s.err().starts_with(
            "ipmirs: cannot use the KCS interface: refusing to use the KCS ports 0xca2/0xca3 \
             directly: the ipmi_si module is loaded (/proc/modules)"
        ) && s.err().contains("--kcs-force"),
        "{}",
        s.show()
    );

    // QEMU's BMC refuses Chassis Control "power up" (0xD5): nothing on
    // standard output, exit 1, ipmitool's line plus the code.
    let s = steps.same_as_ipmitool("power-on");
    assert_eq!((s.rc, s.out().as_str()), (1, ""), "{}", s.show());
    let theirs = steps.get("power-on", "ipmitool").err();
    assert_eq!(
        s.err(),
        format!("ipmirs: {} (0xd5)\n", theirs.trim_end()),
        "{}",
        s.show()
    );

    // Not root: /dev/ipmi0 is root's, mode 0600. Both exit 1; ipmirs says why.
    let s = steps.same_as_ipmitool("eacces");
    assert_eq!(s.rc, 1, "{}", s.show());
    assert!(
        s.err().starts_with(
            "ipmirs: cannot open the local IPMI device: /dev/ipmi0: permission denied: run as root"
        ),
        "{}",
        s.show()
    );

    let s = steps.same_as_ipmitool("warm");
    assert_eq!(s.out(), "Sent warm reset command to MC\n", "{}", s.show());
    let s = steps.same_as_ipmitool("cold");
    assert_eq!(s.out(), "Sent cold reset command to MC\n", "{}", s.show());
    let s = steps.get("after-cold", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
}

#[test]
fn local_frozen_bmc_exits_3_on_time() {
    let _one = one_boot_at_a_time();
    let sim = vmsim::VmSim::start();
    let body = r#"
step mc-info ipmitool ipmitool -I open mc info
step mc-info ipmirs ipmirs mc info
step bridged ipmitool ipmitool -I open -b 0 -t 0x40 mc info
step bridged ipmirs ipmirs -b 0 -t 0x40 mc info
echo "IPMIRS-WAIT name=freeze"
read -r go
step frozen ipmirs ipmirs --timeout 1 mc info
step frozen-json ipmirs ipmirs --timeout 1 --json local chassis status
step frozen-bridged ipmirs ipmirs --timeout 1 -b 0 -t 0x40 mc info
"#;
    let mut guest = boot("local-frozen", body, |g| {
        g.bmc(Bmc::Extern { port: sim.port() })
            .wall_limit(Duration::from_secs(90))
    });
    guest.expect("IPMIRS-WAIT name=freeze");
    sim.freeze();
    guest.send_line("go");
    let run = guest.finish();
    let steps = Steps::of(&run);
    steps.report();
    assert_eq!(
        run.exit_rc,
        0,
        "{}\n--- ipmi_sim ---\n{}",
        run.transcript(),
        sim.log()
    );

    // ipmi_sim's BMC (manufacturer 4753, named from the registry) and its
    // satellite controller at 0x40, as ipmitool prints them.
    let s = steps.same_as_ipmitool("mc-info");
    assert!(
        s.rc == 0
            && s.out()
                .contains("Manufacturer Name         : MontaVista Software, Inc.\n"),
        "{}",
        s.show()
    );
    let s = steps.same_as_ipmitool("bridged");
    assert!(
        s.rc == 0 && s.out().starts_with("Device ID                 : 85\n"),
        "{}",
        s.show()
    );

    // Frozen: exit 3 within 1.5 s of a 1 s deadline, process start and
    // exit included, nothing on standard output but the JSON object.
    for name in ["frozen", "frozen-json", "frozen-bridged"] {
        let s = steps.get(name, "ipmirs");
        assert_eq!(s.rc, 3, "{}", s.show());
        assert!(
            (0.99..1.5).contains(&s.secs),
            "{name}: {:.2} s\n{}",
            s.secs,
            s.show()
        );
    }
    let s = steps.get("frozen", "ipmirs");
    assert!(s.out.is_empty(), "{}", s.show());
    assert!(
        s.err().starts_with(
            "ipmirs: Get Device ID command failed: Get Device ID (netfn 0x06 cmd 0x01) to the BMC: \
             no answer within "
        ),
        "{}",
        s.show()
    );
    assert!(s.err().contains("lan mc reset cold"), "{}", s.show());
    let s = steps.get("frozen-json", "ipmirs");
    let v: serde_json::Value = serde_json::from_slice(&s.out)
        .unwrap_or_else(|e| panic!("frozen-json: not one JSON object ({e})\n{}", s.show()));
    assert_eq!(v["kind"], "timeout", "{v}");
    assert_eq!(v["exit_code"], 3, "{v}");
    assert_eq!(v["stage"], "request netfn 0x00 cmd 0x01", "{v}");
    let s = steps.get("frozen-bridged", "ipmirs");
    assert!(
        s.err()
            .contains("to IPMB address 0x40 (LUN 0) on channel 0: no answer within"),
        "{}",
        s.show()
    );
}

/// The IPMI modules of the guest's kernel, copied into the image so that a
/// guest booted without them can load them later (`insmod`).
fn driver_files(spec: GuestSpec) -> GuestSpec {
    let modules = qemu::prepare().cache.join("kernel").join("modules");
    ["ipmi_msghandler", "ipmi_devintf", "ipmi_si"]
        .iter()
        .fold(spec, |g, m| {
            g.file(
                &modules.join(format!("{m}.ko")),
                &format!("/lib/modules/{m}.ko"),
            )
        })
}

/// What `ipmirs kcs` and `ipmirs local` print for QEMU's BMC, and what
/// ipmitool -I open prints once the driver is loaded in the same guest.
const KCS_STEPS: [&str; 6] = [
    "mc-info",
    "power-status",
    "chassis-status",
    "raw",
    "power-on",
    "cold",
];

#[test]
fn without_driver_local_says_what_to_load_and_kcs_answers() {
    let _one = one_boot_at_a_time();
    let body = r#"
step nodev ipmitool ipmitool -I open mc info
step nodev ipmirs ipmirs mc info
step nodev-number ipmirs ipmirs -d 3 chassis power status
step nodev-json ipmirs ipmirs --json local mc info
step not-ipmi ipmirs ipmirs --device /dev/null mc info
step diag-nodriver ipmirs ipmirs diagnose
step diag-nodriver-json ipmirs ipmirs diagnose --json
step mc-info ipmirs ipmirs kcs mc info
step power-status ipmirs ipmirs -I kcs chassis power status
step chassis-status ipmirs ipmirs kcs chassis status
step raw ipmirs ipmirs kcs raw 0x06 0x01
step devport ipmirs ipmirs kcs --kcs-backend devport --kcs-addr 0xca2 mc info
step kcs-json ipmirs ipmirs kcs --json chassis power status
step kcs-verbose ipmirs ipmirs kcs -vv mc info
step kcs-bridged ipmirs ipmirs kcs -b 0 -t 0x40 mc info
step kcs-nothing ipmirs ipmirs kcs --kcs-addr 0x3e0 --timeout 1 mc info
step power-on ipmirs ipmirs kcs chassis power on
step cold ipmirs ipmirs kcs mc reset cold
step after-cold ipmirs ipmirs kcs mc info
insmod /lib/modules/ipmi_msghandler.ko && insmod /lib/modules/ipmi_devintf.ko && insmod /lib/modules/ipmi_si.ko
i=0; while [ ! -e /dev/ipmi0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
step mc-info ipmitool ipmitool -I open mc info
step power-status ipmitool ipmitool -I open chassis power status
step chassis-status ipmitool ipmitool -I open chassis status
step raw ipmitool ipmitool -I open raw 0x06 0x01
step power-on ipmitool ipmitool -I open chassis power on
step local-mc-info ipmirs ipmirs local mc info
step kcs-refused ipmirs ipmirs kcs mc info
step diag-driver ipmirs ipmirs diagnose
step cold ipmitool ipmitool -I open mc reset cold
"#;
    let run = boot("local-nomod", body, |g| {
        driver_files(g.without_modules()).wall_limit(Duration::from_secs(90))
    })
    .finish();
    let steps = Steps::of(&run);
    steps.report();
    assert_eq!(run.exit_rc, 0, "{}", run.transcript());

    // Both exit 1 with nothing on standard output; ipmirs names the
    // modules to load and the out-of-band next step.
    let s = steps.same_as_ipmitool("nodev");
    assert_eq!((s.rc, s.out().as_str()), (1, ""), "{}", s.show());
    let err = s.err();
    assert!(
        err.starts_with(
            "ipmirs: cannot open the local IPMI device: no IPMI device file \
             (tried /dev/ipmi0, /dev/ipmi/0, /dev/ipmidev/0)"
        ),
        "{}",
        s.show()
    );
    assert!(
        err.contains("modprobe ipmi_msghandler ipmi_devintf ipmi_si"),
        "{}",
        s.show()
    );
    assert!(
        err.contains("`ipmirs -H BMC lan mc reset cold`"),
        "{}",
        s.show()
    );

    let s = steps.get("nodev-number", "ipmirs");
    assert_eq!(s.rc, 1, "{}", s.show());
    assert!(
        s.err()
            .contains("tried /dev/ipmi3, /dev/ipmi/3, /dev/ipmidev/3"),
        "{}",
        s.show()
    );
    let s = steps.get("nodev-json", "ipmirs");
    assert_eq!(s.rc, 1, "{}", s.show());
    let v: serde_json::Value = serde_json::from_slice(&s.out)
        .unwrap_or_else(|e| panic!("nodev-json: not JSON ({e})\n{}", s.show()));
    assert_eq!(
        (v["kind"].as_str(), v["exit_code"].as_i64()),
        (Some("io"), Some(1)),
        "{v}"
    );
    assert!(
        v["error"].as_str().unwrap_or_default().contains("modprobe"),
        "{v}"
    );
    let s = steps.get("not-ipmi", "ipmirs");
    assert_eq!(s.rc, 2, "{}", s.show());
    assert!(s.err().contains("not an IPMI device file"), "{}", s.show());

    // diagnose: the driver is absent, the BMC answers over KCS: exit 1 and
    // "load the drivers".
    let s = steps.get("diag-nodriver", "ipmirs");
    assert_eq!(s.rc, 1, "{}", s.show());
    assert!(
        s.out().starts_with("IPMI in-band health: NOT HEALTHY (exit 1)\n  ipmi_si is not loaded, so there is no /dev/ipmi0; \
             the BMC answers directly over KCS (KCS I/O ports 0xca2/0xca3 (ioperm): device id 0x20, IPMI 2.0)\n"),
        "{}",
        s.show()
    );
    assert!(
        s.out()
            .contains("1. load the IPMI drivers: modprobe ipmi_msghandler ipmi_devintf ipmi_si"),
        "{}",
        s.show()
    );
    let s = steps.get("diag-nodriver-json", "ipmirs");
    assert_eq!(s.rc, 1, "{}", s.show());
    let v: serde_json::Value = serde_json::from_slice(&s.out)
        .unwrap_or_else(|e| panic!("diagnose --json: not JSON ({e})\n{}", s.show()));
    assert_eq!(
        (v["healthy"].as_bool(), v["exit_code"].as_i64()),
        (Some(false), Some(1))
    );
    assert_eq!(v["probes"][0]["via"], "kcs", "{v}");
    assert_eq!(v["probes"][0]["answer"]["device_id"], 0x20, "{v}");
    assert_eq!(v["kcs_address"]["source"], "SMBIOS type 38", "{v}");

    // kcs without the driver: byte for byte what ipmitool -I open prints
    // through the driver loaded afterwards in the same guest, the same exit
    // codes, and QEMU's values (so that two equal failures cannot pass).
    for name in KCS_STEPS {
        steps.same_as_ipmitool(name);
    }
    let s = steps.get("mc-info", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    assert!(s.err.is_empty(), "{}", s.show());
    assert_eq!(
        steps.get("power-status", "ipmirs").out(),
        "Chassis Power is on\n"
    );
    assert!(steps
        .get("chassis-status", "ipmirs")
        .out()
        .starts_with("System Power         : on\n"));
    assert_eq!(
        steps.get("raw", "ipmirs").out(),
        " 20 00 00 00 02 07 00 00 00 00 00\n"
    );
    let s = steps.get("power-on", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (1, ""), "{}", s.show());
    assert_eq!(
        s.err(),
        "ipmirs: Set Chassis Power Control to Up/On failed: Command not supported in present state (0xd5)\n"
    );
    assert_eq!(
        steps.get("cold", "ipmirs").out(),
        "Sent cold reset command to MC\n"
    );
    let s = steps.get("after-cold", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    let s = steps.get("local-mc-info", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    // /dev/port reaches the same registers.
    let s = steps.get("devport", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    let s = steps.get("kcs-json", "ipmirs");
    assert_eq!(
        (s.rc, s.out().as_str()),
        (0, "{\"power\":\"on\"}\n"),
        "{}",
        s.show()
    );
    // -vv: where the address came from and how the ports were reached.
    let s = steps.get("kcs-verbose", "ipmirs");
    assert_eq!((s.rc, s.out().as_str()), (0, QEMU_MC_INFO), "{}", s.show());
    assert!(
        s.err().contains(
            "KCS interface at 0xca2/0xca3 (address from SMBIOS type 38) through I/O ports 0xca2/0xca3 (ioperm)"
        ) && s.err().contains("KCS transfers: 1 started, 1 answered, 0 failed"),
        "{}",
        s.show()
    );
    // Refusals: bridging (exit 2, before any port access); an address where
    // nothing answers (exit 1, at once).
    let s = steps.get("kcs-bridged", "ipmirs");
    assert_eq!(s.rc, 2, "{}", s.show());
    assert!(
        s.err()
            .starts_with("ipmirs: bridging (-b/-t) is not possible over kcs"),
        "{}",
        s.show()
    );
    let s = steps.get("kcs-nothing", "ipmirs");
    assert_eq!(s.rc, 1, "{}", s.show());
    assert!(
        s.err().contains("status register reads 0xff"),
        "{}",
        s.show()
    );
    assert!(s.secs < 0.5, "{}", s.show());

    // With the driver loaded: kcs refuses, diagnose says healthy.
    let s = steps.get("kcs-refused", "ipmirs");
    assert_eq!(s.rc, 2, "{}", s.show());
    assert!(s.err().contains("--kcs-force"), "{}", s.show());
    let s = steps.get("diag-driver", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
    assert!(
        s.out().contains("healthy: the BMC answers in-band"),
        "{}",
        s.show()
    );
}

/// The stand-in for a stuck `ipmitool mc info`: kcs_probe's `hang` (Get
/// Device ID on /dev/ipmi0 in a loop, 60 s deadline each), at /sbin/ipmitool.
fn hang_program() -> &'static PathBuf {
    static PROG: OnceLock<PathBuf> = OnceLock::new();
    PROG.get_or_init(|| qemu::static_guest("ipmi-kcs", "kcs_probe"))
}

#[test]
fn recover_a_frozen_bmc_in_the_guest() {
    let _one = one_boot_at_a_time();
    let sim = vmsim::VmSim::start();
    let body = r#"
count() { n=0; for p in /proc/[0-9]*; do case "$(cut -d' ' -f2,3 $p/stat 2>/dev/null)" in "(ipmitool) Z") ;; "(ipmitool) "*) n=$((n+1)) ;; esac; done; echo "ipmitool=$n modules=$(cut -d' ' -f1 /proc/modules | grep ipmi | sort | tr '\n' ,)"; }
step healthy ipmirs ipmirs recover --kill-stuck --unload-driver --yes
echo "IPMIRS-WAIT name=freeze"
read -r go
/sbin/ipmitool hang mc info &
/sbin/ipmitool hang mc info &
/sbin/ipmitool hang mc info &
sleep 4
step before-dry ipmirs count
step dry ipmirs ipmirs recover --dry-run --kill-stuck --unload-driver --stuck-after 2
step after-dry ipmirs count
step recover ipmirs ipmirs recover --kill-stuck --unload-driver --yes --stuck-after 2 --timeout 4
step after-recover ipmirs count
echo "IPMIRS-WAIT name=thaw"
read -r go
step thawed ipmirs ipmirs recover --yes --timeout 10
step thawed-json ipmirs ipmirs recover --json --yes --timeout 10
insmod /lib/modules/ipmi_si.ko; insmod /lib/modules/ipmi_devintf.ko
i=0; while [ ! -e /dev/ipmi0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
step inband ipmirs ipmirs mc info
step healthy-again ipmirs ipmirs recover
"#;
    let mut guest = boot("recover-frozen", body, |g| {
        driver_files(g.bmc(Bmc::Extern { port: sim.port() }))
            .file(hang_program(), "/sbin/ipmitool")
            .wall_limit(Duration::from_secs(300))
    });
    guest.expect("IPMIRS-WAIT name=freeze");
    sim.freeze();
    guest.send_line("go");
    guest.expect("IPMIRS-WAIT name=thaw");
    sim.thaw();
    guest.send_line("go");
    let run = guest.finish();
    let steps = Steps::of(&run);
    steps.report();
    for name in ["dry", "recover", "thawed"] {
        eprintln!(
            "--- ipmirs {name} ---\n{}",
            steps.get(name, "ipmirs").show()
        );
    }
    assert_eq!(
        run.exit_rc,
        0,
        "{}\n--- ipmi_sim ---\n{}",
        run.transcript(),
        sim.log()
    );

    // Healthy: said so, nothing changed, exit 0.
    let s = steps.get("healthy", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
    assert_eq!(s.out().lines().count(), 2, "{}", s.show());
    assert!(
        s.out()
            .lines()
            .last()
            .unwrap()
            .contains("nothing to recover, nothing changed"),
        "{}",
        s.show()
    );

    // Frozen, three stuck stand-ins holding /dev/ipmi0.
    let loaded = "ipmi_devintf,ipmi_msghandler,ipmi_si,";
    let s = steps.get("before-dry", "ipmirs");
    assert_eq!(
        s.out(),
        format!("ipmitool=3 modules={loaded}\n"),
        "{}",
        s.show()
    );
    // --dry-run: the plan, exit 1 (no answer), and nothing changed.
    let s = steps.get("dry", "ipmirs");
    assert_eq!(s.rc, 1, "{}", s.show());
    for line in [
        "stuck-processes    would    would end 3 stuck IPMI tool process(es) by pid",
        "in-band-reset      would    would send Cold Reset through /dev/ipmi0",
        "unload-driver      would    would unload ipmi_devintf, ipmi_si (in this order)",
        "kcs-reset          would    would send Cold Reset through the KCS ports 0xca2/0xca3",
        "result             failed   dry run, nothing changed: the BMC does not answer",
    ] {
        assert!(s.out().contains(line), "{line}\n{}", s.show());
    }
    assert_eq!(
        s.out()
            .matches("S /sbin/ipmitool hang mc info [do_sys_poll]: left alone\n")
            .count(),
        3,
        "{}",
        s.show()
    );
    let s = steps.get("after-dry", "ipmirs");
    assert_eq!(
        s.out(),
        format!("ipmitool=3 modules={loaded}\n"),
        "{}",
        s.show()
    );

    // --kill-stuck --unload-driver --yes: the stuck processes end, the
    // modules go, the resets are attempted and reported as unacknowledged.
    let s = steps.get("recover", "ipmirs");
    let out = s.out();
    assert_eq!(s.rc, 1, "{}", s.show());
    assert!(
        out.contains("stuck-processes    done     ended 3 stuck IPMI tool process(es)"),
        "{}",
        s.show()
    );
    assert_eq!(out.matches(": ended (SIGTERM)").count(), 3, "{}", s.show());
    assert!(
        out.contains("in-band-reset      failed   Cold Reset through /dev/ipmi0 not acknowledged within 2.0 s"),
        "{}",
        s.show()
    );
    assert!(
        out.contains("in-band-probe      failed   no answer through /dev/ipmi0 within the reset budget of 4 s"),
        "{}",
        s.show()
    );
    assert!(
        out.contains("unload-driver      done     unloaded ipmi_devintf, ipmi_si\n"),
        "{}",
        s.show()
    );
    assert!(
        out.contains("kcs-reset          failed   Cold Reset through the KCS ports 0xca2/0xca3 not acknowledged within 2.0 s"),
        "{}",
        s.show()
    );
    assert!(out.contains("kcs-probe          failed   "), "{}", s.show());
    assert!(
        out.contains(
            "driver-back        info     do not load ipmi_si while the BMC does not answer"
        ),
        "{}",
        s.show()
    );
    assert!(
        out.contains("ipmirs -H <bmc-address> -U <user> -E lan mc reset cold"),
        "{}",
        s.show()
    );
    // Bounded: two grace periods at most (3 s each), two 2 s resets, two
    // 4 s budgets, the triage: about 20 s of deadlines; 5x for TCG on a
    // loaded host.
    assert!(s.secs < 100.0, "{:.1} s\n{}", s.secs, s.show());
    let s = steps.get("after-recover", "ipmirs");
    assert_eq!(
        s.out(),
        "ipmitool=0 modules=ipmi_msghandler,\n",
        "{}",
        s.show()
    );

    // Thawed: the BMC answers over KCS; recover says how to load the
    // driver (exit 0), with one JSON object per step.
    let s = steps.get("thawed", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
    assert!(
        s.out().contains(
            "driver-back        info     the BMC answers: bring the driver back with `modprobe"
        ),
        "{}",
        s.show()
    );
    assert!(
        s.out()
            .contains("result             done     the BMC answers (Get Device ID through KCS"),
        "{}",
        s.show()
    );
    let s = steps.get("thawed-json", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
    let objects: Vec<serde_json::Value> = s
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{}", s.show())))
        .collect();
    assert_eq!(objects.first().unwrap()["step"], "diagnose");
    let last = objects.last().unwrap();
    assert_eq!(
        (&last["step"], &last["status"]),
        (&"result".into(), &"done".into())
    );
    assert_eq!(last["answer"]["manufacturer_id"], 4753);

    // The driver back: in-band again, and recover says healthy.
    let s = steps.get("inband", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
    let s = steps.get("healthy-again", "ipmirs");
    assert_eq!(s.rc, 0, "{}", s.show());
}

/// The sensor bed in-band: QEMU's `ipmi-bmc-extern` to ipmi_sim with the
/// bed's repository, so the readings are real (QEMU's own ipmi-bmc-sim
/// reads no value for full sensors). ipmirs exits 1 where sensors cannot
/// be read (Fan 4 Rear, PSU2 Temp, Sat No Sensor: 0xCC; Pump Speed's
/// reading factors refused); ipmitool exits 0.
#[test]
fn sdr_and_sensor_lists_match_ipmitool_in_band() {
    let _one = one_boot_at_a_time();
    let sim = vmsim::VmSim::start_sensor_bed();
    let body = r#"
step sdr-list ipmitool ipmitool -I open sdr list
step sdr-list ipmirs ipmirs sdr list
step elist-all ipmitool ipmitool -I open sdr elist all
step elist-all ipmirs ipmirs local sdr elist all
step sensor-list ipmitool ipmitool -I open sensor list
step sensor-list ipmirs ipmirs sensor list
step sdr-get ipmitool ipmitool -I open sdr get "Sat Temp" "Sat 12V" "CPU1 Temp" "PS2 Status"
step sdr-get ipmirs ipmirs sdr get "Sat Temp" "Sat 12V" "CPU1 Temp" "PS2 Status"
step sensor-get ipmitool ipmitool -I open sensor get "Sat Temp" "Sat 12V" "CPU1 Temp"
step sensor-get ipmirs ipmirs sensor get "Sat Temp" "Sat 12V" "CPU1 Temp"
rmmod ipmi_si; rmmod ipmi_devintf; rmmod ipmi_msghandler
step kcs-sdr-list ipmirs ipmirs kcs sdr list
step kcs-sensor-list ipmirs ipmirs kcs sensor list
"#;
    let run = boot("local-sdr", body, |g| {
        g.bmc(Bmc::Extern { port: sim.port() })
            .wall_limit(Duration::from_secs(240))
    })
    .finish();
    let steps = Steps::of(&run);
    steps.report();
    assert_eq!(
        run.exit_rc,
        0,
        "{}\n--- ipmi_sim ---\n{}",
        run.transcript(),
        sim.log()
    );
    for name in ["sdr-list", "elist-all", "sensor-list"] {
        let ours = steps.get(name, "ipmirs");
        let theirs = steps.get(name, "ipmitool");
        assert_eq!(theirs.rc, 0, "{}", theirs.show());
        assert_eq!(ours.rc, 1, "{}", ours.show());
        assert!(
            ours.out == theirs.out,
            "{name}: ipmirs differs from ipmitool\n{}\n{}",
            ours.show(),
            theirs.show()
        );
        assert!(
            ours.err().contains("sensor 'Fan 4 Rear'"),
            "{}",
            ours.show()
        );
    }
    // `sdr get` / `sensor get` in band, satellite sensors by bridging.
    for name in ["sdr-get", "sensor-get"] {
        let ours = steps.get(name, "ipmirs");
        let theirs = steps.get(name, "ipmitool");
        assert_eq!(ours.rc, 0, "{}", ours.show());
        assert!(
            ours.out == theirs.out,
            "{name}: ipmirs differs from ipmitool\n{}\n{}",
            ours.show(),
            theirs.show()
        );
    }
    // The same through the KCS ports, once the kernel driver is unloaded,
    // but for the satellite's sensors: the KCS transport does not bridge
    // (no Send Message over KCS yet), so they show as unreadable and
    // standard error says why.
    let local = |out: String| -> String {
        out.lines()
            .filter(|l| !l.starts_with("Sat "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    for (name, like) in [
        ("kcs-sdr-list", "sdr-list"),
        ("kcs-sensor-list", "sensor-list"),
    ] {
        let ours = steps.get(name, "ipmirs");
        let theirs = steps.get(like, "ipmitool");
        assert_eq!(ours.rc, 1, "{}", ours.show());
        assert_eq!(
            local(ours.out()),
            local(theirs.out()),
            "{name}\n{}",
            ours.show()
        );
        assert!(local(ours.out()).contains("CPU1 Temp"), "{}", ours.show());
        assert!(
            ours.err().contains("sensor 'Sat Temp'") && ours.err().contains("needs bridging"),
            "{}",
            ours.show()
        );
    }
    // Real values, the satellite's by bridging.
    let s = steps.get("sdr-list", "ipmirs").out();
    assert!(
        s.contains("CPU1 Temp        | 45 degrees C      | ok\n")
            && s.contains("Sat Temp         | 50 degrees C      | ok\n"),
        "{s}"
    );
}
