//! Test harness: boot a Debian kernel under QEMU with an emulated BMC behind
//! a real KCS interface, run ONE statically linked program in it as the
//! guest's user space, and read what it prints on the serial console.
//!
//! A run:
//!
//! ```ignore
//! let prog = qemu::static_guest("ipmi-kcs", "inband");   // or qemu::static_bin("ipmi-cli", "ipmirs")
//! let mut guest = qemu::GuestSpec::new("smoke", &prog)
//!     .args(["mc-info"])
//!     .bmc(qemu::Bmc::Sim)
//!     .boot();
//! let line = guest.expect("IPMIRS-WAIT");                    // optional dialogue:
//! guest.send_line("go");                                      // a line on the guest's stdin
//! let run = guest.finish();                                   // waits for IPMIRS-EXIT
//! assert_eq!(run.exit_rc, 0, "{}", run.transcript());
//! ```
//!
//! Any static binary works as the program, and so does a `#!/bin/sh`
//! script (the image has busybox): put further binaries in with
//! [`GuestSpec::file`], e.g. the real CLI at `/bin/ipmirs`, and run several
//! commands from the script. The guest's /init (scripts/qemu/mkinitramfs.sh)
//! loads ipmi_msghandler, ipmi_devintf, ipmi_si (unless
//! [`GuestSpec::without_modules`]), runs the program with the arguments,
//! then prints `IPMIRS-EXIT rc=N` and powers off.
//!
//! Everything fails loudly: a missing package, kernel or toolchain piece,
//! a guest that does not finish within its wall-clock limit (QEMU is
//! killed), or a marker that never comes all panic with the console
//! transcript. Nothing is skipped.
//!
//! One-time machine setup (packages, kernel, modules, busybox; cached in
//! target/qemu/) is `bash scripts/qemu/setup.sh`, which [`prepare`] runs.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Default wall-clock limit of one boot, program included.
pub const DEFAULT_WALL_LIMIT: Duration = Duration::from_secs(60);
/// How long QEMU gets to exit after the guest printed `IPMIRS-EXIT`.
const EXIT_GRACE: Duration = Duration::from_secs(10);
/// The Rust target of guest programs.
pub const GUEST_TARGET: &str = "x86_64-unknown-linux-gnu";

/// Paths of the prepared machine.
#[derive(Debug)]
pub struct Prepared {
    /// The workspace root.
    pub repo: PathBuf,
    /// The cache of scripts/qemu/setup.sh (target/qemu).
    pub cache: PathBuf,
    /// The kernel image.
    pub kernel: PathBuf,
    /// The Debian package the kernel came from.
    pub kernel_package: String,
}

/// The workspace root (parent of the test-support crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate has a parent directory")
        .to_path_buf()
}

/// Runs scripts/qemu/setup.sh once per test process (fast when cached).
pub fn prepare() -> &'static Prepared {
    static PREPARED: OnceLock<Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let repo = repo_root();
        let cache = repo.join("target").join("qemu");
        let script = repo.join("scripts/qemu/setup.sh");
        let out = Command::new("bash")
            .arg(&script)
            .env("IPMIRS_QEMU_DIR", &cache)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("qemu harness: cannot run {}: {e}", script.display()));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "qemu harness: {} failed ({}); it installs qemu-system-x86, busybox-static and \
             openipmi and downloads a Debian kernel, so it needs root (or password-less sudo) \
             and the Debian mirror the first time:\n{text}",
            script.display(),
            out.status
        );
        let kernel = cache.join("kernel/vmlinuz");
        assert!(
            kernel.is_file(),
            "qemu harness: {} missing after setup:\n{text}",
            kernel.display()
        );
        let kernel_package = fs::read_to_string(cache.join("kernel/package"))
            .unwrap_or_default()
            .trim()
            .to_string();
        Prepared {
            repo,
            cache,
            kernel,
            kernel_package,
        }
    })
}

/// Builds guest program `name` of `package` as a static binary (in
/// target/static, so the flags never invalidate the main build) and
/// returns its path. Guest programs are example targets that live with
/// the tests using them (ipmi-kcs: `tests/guest/NAME.rs`), not user examples.
pub fn static_guest(package: &str, name: &str) -> PathBuf {
    static_build(package, "--example", name, &format!("examples/{name}"))
}

/// Builds binary `name` of `package` as a static binary and returns its path.
pub fn static_bin(package: &str, name: &str) -> PathBuf {
    static_build(package, "--bin", name, name)
}

fn static_build(package: &str, kind: &str, name: &str, rel: &str) -> PathBuf {
    // One build at a time: cargo would serialize on the directory lock anyway.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let repo = repo_root();
    let target_dir = repo.join("target").join("static");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    rustflags.push_str(" -C target-feature=+crt-static");
    let t0 = Instant::now();
    let out = Command::new(&cargo)
        .current_dir(&repo)
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            kind,
            name,
            "--target",
            GUEST_TARGET,
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", rustflags.trim())
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("qemu harness: cannot run cargo: {e}"));
    assert!(
        out.status.success(),
        "qemu harness: static build of {package} {kind} {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = target_dir.join(GUEST_TARGET).join("debug").join(rel);
    assert!(path.is_file(), "qemu harness: {} not built", path.display());
    assert_static(&path);
    eprintln!(
        "qemu harness: built static {} in {:.1} s",
        path.display(),
        t0.elapsed().as_secs_f64()
    );
    path
}

/// Panics unless `path` is an ELF file without a program interpreter
/// (PT_INTERP), i.e. it runs in a guest that has no dynamic loader.
pub fn assert_static(path: &Path) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap()) as usize;
    assert!(
        bytes.len() > 64 && bytes[..4] == *b"\x7fELF" && bytes[4] == 2,
        "{} is not a 64-bit ELF file",
        path.display()
    );
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let o = phoff + i * phentsize;
        assert!(o + 4 <= bytes.len(), "{}: truncated ELF", path.display());
        assert!(
            u32_at(o) != 3,
            "{} is dynamically linked (has PT_INTERP): build it with -C target-feature=+crt-static",
            path.display()
        );
    }
}

/// The BMC the guest's KCS interface is wired to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bmc {
    /// QEMU's built-in `ipmi-bmc-sim`.
    Sim,
    /// `ipmi-bmc-extern`: an external BMC (OpenIPMI's `ipmi_sim` with
    /// `serial 15 127.0.0.1 PORT codec VM`) listening on 127.0.0.1:`port`.
    Extern {
        /// Its TCP port.
        port: u16,
    },
    /// No IPMI device at all.
    None,
}

/// What to boot.
#[derive(Clone, Debug)]
pub struct GuestSpec {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    modules: bool,
    bmc: Bmc,
    files: Vec<(PathBuf, String)>,
    wall_limit: Duration,
}

impl GuestSpec {
    /// Runs `program` (a static binary or a `#!/bin/sh` script) as the guest's
    /// only program; `name` labels the files and messages of this boot.
    pub fn new(name: &str, program: &Path) -> GuestSpec {
        GuestSpec {
            name: name.to_string(),
            program: program.to_path_buf(),
            args: Vec::new(),
            modules: true,
            bmc: Bmc::Sim,
            files: Vec::new(),
            wall_limit: DEFAULT_WALL_LIMIT,
        }
    }

    /// Appends one argument (may contain spaces; no newlines).
    pub fn arg(mut self, a: impl Into<String>) -> GuestSpec {
        self.args.push(a.into());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> GuestSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Do not load the IPMI modules: /dev/ipmi0 will not exist.
    pub fn without_modules(mut self) -> GuestSpec {
        self.modules = false;
        self
    }

    /// Chooses the BMC (default: QEMU's `ipmi-bmc-sim`).
    pub fn bmc(mut self, bmc: Bmc) -> GuestSpec {
        self.bmc = bmc;
        self
    }

    /// Copies host file `src` into the image at absolute path `dest`.
    pub fn file(mut self, src: &Path, dest: &str) -> GuestSpec {
        self.files.push((src.to_path_buf(), dest.to_string()));
        self
    }

    /// Wall-clock limit of the whole boot (default 60 s); QEMU is killed after it.
    pub fn wall_limit(mut self, limit: Duration) -> GuestSpec {
        self.wall_limit = limit;
        self
    }

    /// Builds the initramfs and starts QEMU.
    pub fn boot(&self) -> Guest {
        let prep = prepare();
        let run_dir = prep.cache.join("run");
        fs::create_dir_all(&run_dir).expect("create target/qemu/run");
        let initrd = run_dir.join(format!("{}-{}.gz", self.name, std::process::id()));
        let mut cmd = Command::new("bash");
        cmd.arg(prep.repo.join("scripts/qemu/mkinitramfs.sh"))
            .env("IPMIRS_QEMU_DIR", &prep.cache)
            .arg("--out")
            .arg(&initrd)
            .arg("--program")
            .arg(&self.program);
        if !self.modules {
            cmd.arg("--no-modules");
        }
        for (src, dest) in &self.files {
            cmd.arg("--file").arg(format!("{}={dest}", src.display()));
        }
        cmd.arg("--").args(&self.args);
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .expect("qemu harness: run mkinitramfs.sh");
        assert!(
            out.status.success(),
            "qemu harness: mkinitramfs.sh failed for {}:\n{}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );

        let mut qemu = Command::new("qemu-system-x86_64");
        qemu.args([
            "-accel",
            "tcg",
            "-m",
            "256",
            "-nographic",
            "-no-reboot",
            "-net",
            "none",
        ])
        .arg("-kernel")
        .arg(&prep.kernel)
        .arg("-initrd")
        .arg(&initrd)
        .args(["-append", "console=ttyS0 quiet panic=-1"]);
        match &self.bmc {
            Bmc::Sim => {
                qemu.args([
                    "-device",
                    "ipmi-bmc-sim,id=bmc0",
                    "-device",
                    "isa-ipmi-kcs,bmc=bmc0",
                ]);
            }
            Bmc::Extern { port } => {
                qemu.args([
                    "-chardev",
                    &format!("socket,id=ipmi0,host=127.0.0.1,port={port},reconnect=10"),
                    "-device",
                    "ipmi-bmc-extern,id=bmc0,chardev=ipmi0",
                    "-device",
                    "isa-ipmi-kcs,bmc=bmc0",
                ]);
            }
            Bmc::None => {}
        }
        let started = Instant::now();
        let mut child = qemu
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("qemu harness: cannot start qemu-system-x86_64: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf)
                            .trim_end_matches(['\n', '\r'])
                            .to_string();
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let err_text = Arc::new(Mutex::new(String::new()));
        let err_sink = Arc::clone(&err_text);
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            err_sink
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push_str(&s);
        });
        let stdin = child.stdin.take();
        Guest {
            name: self.name.clone(),
            child,
            stdin,
            lines: rx,
            transcript: Vec::new(),
            started,
            limit: started + self.wall_limit,
            stderr: err_text,
            initrd,
            boot_marker_at: None,
        }
    }
}

/// A running guest. Dropping it kills QEMU.
pub struct Guest {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    transcript: Vec<String>,
    started: Instant,
    limit: Instant,
    stderr: Arc<Mutex<String>>,
    initrd: PathBuf,
    boot_marker_at: Option<Duration>,
}

/// The `IPMIRS-...` part of a console line, if it has one (a marker may
/// follow boot-ROM escape codes on the same line).
pub fn marker_of(line: &str) -> Option<&str> {
    line.find("IPMIRS-").map(|i| &line[i..])
}

impl Guest {
    /// Time since QEMU was started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Waits for a console line whose marker starts with `prefix` (e.g.
    /// `"IPMIRS-WAIT name=freeze"`) and returns the marker text. Panics with
    /// the transcript if the guest exits or the wall-clock limit passes first.
    pub fn expect(&mut self, prefix: &str) -> String {
        loop {
            let now = Instant::now();
            if now >= self.limit {
                self.fail(&format!("no `{prefix}` within the wall-clock limit"));
            }
            match self.lines.recv_timeout(self.limit - now) {
                Ok(line) => {
                    let hit = marker_of(&line)
                        .filter(|m| m.starts_with(prefix))
                        .map(str::to_string);
                    if self.boot_marker_at.is_none()
                        && marker_of(&line).is_some_and(|m| m.starts_with("IPMIRS-BOOT"))
                    {
                        self.boot_marker_at = Some(self.started.elapsed());
                    }
                    self.transcript.push(line);
                    if let Some(m) = hit {
                        return m;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no `{prefix}` within the wall-clock limit"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("QEMU's console closed before `{prefix}`"))
                }
            }
        }
    }

    /// Writes `text` and a newline to the guest's console (its stdin).
    pub fn send_line(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        if let Err(e) = stdin
            .write_all(format!("{text}\n").as_bytes())
            .and_then(|_| stdin.flush())
        {
            self.fail(&format!("cannot write to QEMU's stdin: {e}"));
        }
    }

    /// Waits for `IPMIRS-EXIT` and QEMU's exit; returns everything seen.
    pub fn finish(mut self) -> GuestRun {
        let exit = self.expect("IPMIRS-EXIT");
        let exit_rc = field(&exit, "rc")
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        let exit_uptime = field(&exit, "uptime").and_then(|v| v.parse().ok());
        drop(self.stdin.take());
        let grace = Instant::now() + EXIT_GRACE;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < grace => std::thread::sleep(Duration::from_millis(20)),
                _ => self.fail("QEMU did not exit after the guest powered off"),
            }
        }
        // Collect what is left of the console.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.transcript.push(line);
        }
        let wall = self.started.elapsed();
        let _ = fs::remove_file(&self.initrd);
        let boot_uptime = self
            .transcript
            .iter()
            .filter_map(|l| marker_of(l))
            .find(|m| m.starts_with("IPMIRS-BOOT"))
            .and_then(|m| field(m, "uptime"))
            .and_then(|v| v.parse().ok());
        GuestRun {
            name: self.name.clone(),
            transcript: std::mem::take(&mut self.transcript),
            exit_rc,
            wall,
            boot_marker_at: self.boot_marker_at,
            boot_uptime,
            exit_uptime,
        }
    }

    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
            self.transcript.push(line);
        }
        let stderr = self
            .stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        panic!(
            "qemu guest `{}`: {why} (after {:.1} s)\n--- console ---\n{}\n--- qemu stderr ---\n{stderr}",
            self.name,
            self.started.elapsed().as_secs_f64(),
            self.transcript.join("\n")
        );
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = fs::remove_file(&self.initrd);
    }
}

/// What a finished boot printed.
#[derive(Clone, Debug)]
pub struct GuestRun {
    /// The boot's label.
    pub name: String,
    /// Every console line.
    pub transcript: Vec<String>,
    /// The program's exit status, from `IPMIRS-EXIT rc=N`.
    pub exit_rc: i32,
    /// Host wall-clock time from QEMU start to its exit.
    pub wall: Duration,
    /// Host time from QEMU start to the guest's first marker.
    pub boot_marker_at: Option<Duration>,
    /// Guest uptime (s) when /init started.
    pub boot_uptime: Option<f64>,
    /// Guest uptime (s) when the program had finished.
    pub exit_uptime: Option<f64>,
}

impl GuestRun {
    /// The console as one string, for assertion messages.
    pub fn transcript(&self) -> String {
        self.transcript.join("\n")
    }

    /// Every marker (`IPMIRS-...` text) in order.
    pub fn markers(&self) -> Vec<&str> {
        self.transcript
            .iter()
            .filter_map(|l| marker_of(l))
            .collect()
    }

    /// The `IPMIRS-RESULT` line labelled `name`; panics with the transcript if absent.
    pub fn result(&self, name: &str) -> StepResult {
        self.markers()
            .into_iter()
            .filter_map(StepResult::parse)
            .find(|r| r.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "guest `{}`: no result `{name}`\n--- console ---\n{}",
                    self.name,
                    self.transcript()
                )
            })
    }
}

/// One `IPMIRS-RESULT name=N op=OP rc=RC class=C ms=MS out=TEXT` line.
#[derive(Clone, Debug, PartialEq)]
pub struct StepResult {
    /// Step label.
    pub name: String,
    /// Operation.
    pub op: String,
    /// Exit-code style result (0 ok, 1 failure, 2 usage, 3 timeout).
    pub rc: i32,
    /// ok, bmc, protocol, timeout, usage, io.
    pub class: String,
    /// Duration of the exchange measured in the guest, when there was one.
    pub ms: Option<f64>,
    /// The rest of the line.
    pub out: String,
    /// The whole marker, for messages.
    pub line: String,
}

impl StepResult {
    /// Parses a marker; `None` for other markers.
    pub fn parse(marker: &str) -> Option<StepResult> {
        let rest = marker.strip_prefix("IPMIRS-RESULT ")?;
        let (head, out) = match rest.find(" out=") {
            Some(i) => (&rest[..i], &rest[i + 5..]),
            None => (rest, ""),
        };
        let get = |k: &str| field(head, k).map(str::to_string);
        Some(StepResult {
            name: get("name")?,
            op: get("op").unwrap_or_default(),
            rc: get("rc")?.parse().ok()?,
            class: get("class").unwrap_or_default(),
            ms: get("ms").and_then(|v| v.parse().ok()),
            out: out.to_string(),
            line: marker.to_string(),
        })
    }
}

/// The value of ` key=value` in a space-separated marker.
pub fn field<'a>(marker: &'a str, key: &str) -> Option<&'a str> {
    marker
        .split_whitespace()
        .find_map(|t| t.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// One boot at a time in this test process: two TCG guests on two cores
/// would distort the timings the tests check.
pub fn one_boot_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The result of the guest step `name`, which must have exited 0 (else the
/// test fails with the step's line and the console transcript).
pub fn ok(run: &GuestRun, name: &str) -> StepResult {
    let r = run.result(name);
    assert_eq!(
        r.rc,
        0,
        "step {name} failed: {}\n{}",
        r.line,
        run.transcript()
    );
    r
}
