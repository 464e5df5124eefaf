//! The in-band test program: runs a list of steps against `/dev/ipmi0` and
//! prints one machine-readable line per step. Built statically, it is the
//! guest program of the QEMU harness (ipmi-kcs/tests/qemu_inband.rs); it
//! also runs on any host with an IPMI device.
//!
//! Usage: `inband STEP...`, each STEP one argument (or `inband --file F`,
//! one step per line). A step is `[OPTION=VALUE...] OP [ARG...]`:
//!
//! - options: `name=` (label of the result line, default the op),
//!   `timeout=MS` (deadline, default 5000), `target=CH:ADDR[:LUN]` (bridge
//!   to an IPMB controller), `api=blocking|async`, `client=shared|fresh`
//!   (shared: one open device per api for the whole run, so late answers
//!   of earlier steps reach later ones), `device=N|PATH`;
//! - ops: `mc-info`, `chassis-status`, `mc-reset-cold`,
//!   `raw NETFN CMD [BYTE...]`, `stats` (counters of the shared clients),
//!   `wait LABEL` (prints `IPMIRS-WAIT name=LABEL`, reads a line from stdin),
//!   `sleep MS`, `setuid UID` (drops root for the rest of the run).
//!
//! Result lines: `IPMIRS-RESULT name=N op=OP rc=RC class=CLASS ms=MS out=TEXT`
//! with `rc` as the CLI's exit code (0 ok, 1 failure, 2 usage, 3 timeout),
//! `ms` the exchange's duration measured here, `out` to the end of the line.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{ColdReset, GetChassisStatus, GetDeviceId, Raw};
use ipmi_core::{AsyncTransport, Command, Deadline, ErrorClass, Failure, NetFn, Target, Transport};
use ipmi_kcs::devintf::{AsyncLinuxClient, Error, LinuxClient};

#[derive(Clone, Debug)]
enum DeviceSel {
    Default,
    Number(u32),
    Path(PathBuf),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    Blocking,
    Async,
}

#[derive(Clone, Debug)]
struct Step {
    name: String,
    op: String,
    args: Vec<String>,
    timeout: Duration,
    target: Target,
    api: Api,
    fresh: bool,
    device: DeviceSel,
}

fn parse_num(s: &str) -> Result<u64, String> {
    let r = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16)
    } else {
        s.parse()
    };
    r.map_err(|_| format!("not a number: {s}"))
}

fn parse_u8(s: &str) -> Result<u8, String> {
    u8::try_from(parse_num(s)?).map_err(|_| format!("out of range for a byte: {s}"))
}

fn parse_step(text: &str) -> Result<Step, String> {
    let mut step = Step {
        name: String::new(),
        op: String::new(),
        args: Vec::new(),
        timeout: Duration::from_millis(5000),
        target: Target::bmc(),
        api: Api::Blocking,
        fresh: false,
        device: DeviceSel::Default,
    };
    for tok in text.split_whitespace() {
        if !step.op.is_empty() {
            step.args.push(tok.to_string());
            continue;
        }
        match tok.split_once('=') {
            Some(("name", v)) => step.name = v.to_string(),
            Some(("timeout", v)) => step.timeout = Duration::from_millis(parse_num(v)?),
            Some(("target", v)) => {
                let parts: Vec<&str> = v.split(':').collect();
                if !(2..=3).contains(&parts.len()) {
                    return Err(format!("target wants CH:ADDR[:LUN], got {v}"));
                }
                step.target = Target {
                    channel: parse_u8(parts[0])?,
                    slave_addr: parse_u8(parts[1])?,
                    lun: parts.get(2).map(|l| parse_u8(l)).transpose()?.unwrap_or(0),
                };
            }
            Some(("api", "blocking")) => step.api = Api::Blocking,
            Some(("api", "async")) => step.api = Api::Async,
            Some(("client", "shared")) => step.fresh = false,
            Some(("client", "fresh")) => step.fresh = true,
            Some(("device", v)) => {
                step.device = match parse_num(v) {
                    Ok(n) => DeviceSel::Number(u32::try_from(n).map_err(|e| e.to_string())?),
                    Err(_) => DeviceSel::Path(v.into()),
                }
            }
            Some((k, v)) => return Err(format!("unknown option {k}={v}")),
            None => step.op = tok.to_string(),
        }
    }
    if step.op.is_empty() {
        return Err(format!("no operation in step {text:?}"));
    }
    if step.name.is_empty() {
        step.name = step.op.clone();
    }
    Ok(step)
}

/// One line of output; `out` must not contain newlines.
fn result(step: &Step, rc: i32, class: &str, ms: Option<f64>, out: &str) {
    let ms = ms.map(|m| format!("{m:.1}")).unwrap_or_else(|| "-".into());
    let out = out.replace(['\n', '\r'], " ");
    println!(
        "IPMIRS-RESULT name={} op={} rc={rc} class={class} ms={ms} out={out}",
        step.name, step.op
    );
}

fn class_word(c: ErrorClass) -> (&'static str, i32) {
    // The exit codes of `ipmirs` (ErrorClass is non_exhaustive: a class
    // added later is a failure, 1).
    let rc = match c {
        ErrorClass::Timeout => 3,
        ErrorClass::Usage => 2,
        _ => 1,
    };
    (c.name(), rc)
}

fn hex(bytes: &[u8]) -> String {
    let v: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    v.join(" ")
}

/// What a step's command prints on success.
trait Describe {
    fn describe(&self) -> String;
}

impl Describe for ipmi_core::cmd::DeviceId {
    fn describe(&self) -> String {
        let (maj, min) = self.ipmi_version_parts();
        format!(
            "device_id=0x{:02x} revision={} firmware={}.{:02x} ipmi={maj}.{min} manufacturer={} product=0x{:04x} support=0x{:02x} available={}",
            self.device_id,
            self.device_revision,
            self.firmware_major,
            self.firmware_minor,
            self.manufacturer_id,
            self.product_id,
            self.additional_support,
            self.device_available
        )
    }
}

impl Describe for ipmi_core::cmd::ChassisStatus {
    fn describe(&self) -> String {
        format!(
            "power_on={} state=0x{:02x} last_event=0x{:02x} misc=0x{:02x}",
            self.power_on(),
            self.current_power_state,
            self.last_power_event,
            self.misc_state
        )
    }
}

impl Describe for ipmi_core::cmd::RawResponse {
    fn describe(&self) -> String {
        format!("cc=0x{:02x} data={}", self.completion.0, hex(&self.data))
    }
}

impl Describe for () {
    fn describe(&self) -> String {
        "ok".into()
    }
}

struct Runner {
    blocking: Option<LinuxClient>,
    asynchronous: Option<AsyncLinuxClient>,
    rt: Option<tokio::runtime::Runtime>,
}

fn open_blocking(sel: &DeviceSel) -> Result<LinuxClient, Error> {
    match sel {
        DeviceSel::Default => LinuxClient::open(),
        DeviceSel::Number(n) => LinuxClient::open_number(*n),
        DeviceSel::Path(p) => LinuxClient::open_path(p),
    }
}

fn open_async(sel: &DeviceSel) -> Result<AsyncLinuxClient, Error> {
    match sel {
        DeviceSel::Default => AsyncLinuxClient::open(),
        DeviceSel::Number(n) => AsyncLinuxClient::open_number(*n),
        DeviceSel::Path(p) => AsyncLinuxClient::open_path(p),
    }
}

impl Runner {
    fn runtime(&mut self) -> &tokio::runtime::Runtime {
        self.rt.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime")
        })
    }

    /// Runs `cmd` as the step says; the error if it failed, else its output.
    fn run<C>(&mut self, step: &Step, cmd: &C) -> (Option<f64>, Result<String, Error>)
    where
        C: Command + Sync,
        C::Output: Describe,
    {
        let request = cmd.request_to(step.target);
        match step.api {
            Api::Blocking => {
                let mut fresh;
                let client = if step.fresh {
                    fresh = match open_blocking(&step.device) {
                        Ok(c) => c,
                        Err(e) => return (None, Err(e)),
                    };
                    &mut fresh
                } else {
                    if self.blocking.is_none() {
                        match open_blocking(&step.device) {
                            Ok(c) => self.blocking = Some(c),
                            Err(e) => return (None, Err(e)),
                        }
                    }
                    self.blocking.as_mut().expect("opened above")
                };
                let t0 = Instant::now();
                let r = client.exchange(&request, Deadline::after(t0, step.timeout));
                let ms = t0.elapsed().as_secs_f64() * 1000.0;
                let out = r.and_then(|resp| Ok(cmd.decode(&resp)?.describe()));
                (Some(ms), out)
            }
            Api::Async => {
                let rt = self.runtime();
                let _enter = rt.enter();
                let mut fresh;
                let client = if step.fresh {
                    fresh = match open_async(&step.device) {
                        Ok(c) => c,
                        Err(e) => return (None, Err(e)),
                    };
                    &mut fresh
                } else {
                    if self.asynchronous.is_none() {
                        match open_async(&step.device) {
                            Ok(c) => self.asynchronous = Some(c),
                            Err(e) => return (None, Err(e)),
                        }
                    }
                    self.asynchronous.as_mut().expect("opened above")
                };
                let rt = self.rt.as_ref().expect("created above");
                let t0 = Instant::now();
                let r = rt.block_on(client.exchange(&request, Deadline::after(t0, step.timeout)));
                let ms = t0.elapsed().as_secs_f64() * 1000.0;
                let out = r.and_then(|resp| Ok(cmd.decode(&resp)?.describe()));
                (Some(ms), out)
            }
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let (ms, outcome) = match step.op.as_str() {
            "mc-info" => self.run(step, &GetDeviceId),
            "chassis-status" => self.run(step, &GetChassisStatus),
            "mc-reset-cold" => self.run(step, &ColdReset),
            "raw" => {
                if step.args.len() < 2 {
                    return Err("raw wants NETFN CMD [BYTE...]".into());
                }
                let bytes: Vec<u8> = step
                    .args
                    .iter()
                    .map(|a| parse_u8(a))
                    .collect::<Result<_, _>>()?;
                let raw = Raw {
                    netfn: NetFn(bytes[0]),
                    cmd: bytes[1],
                    data: bytes[2..].to_vec(),
                };
                self.run(step, &raw)
            }
            "stats" => {
                let b = self
                    .blocking
                    .as_ref()
                    .map(|c| c.stats())
                    .unwrap_or_default();
                let a = self
                    .asynchronous
                    .as_ref()
                    .map(|c| c.stats())
                    .unwrap_or_default();
                let out = format!(
                    "blocking_sent={} blocking_answered={} blocking_timeouts={} blocking_stale={} blocking_unsolicited={} \
                     async_sent={} async_answered={} async_timeouts={} async_stale={} async_unsolicited={}",
                    b.sent, b.answered, b.timeouts, b.stale, b.unsolicited,
                    a.sent, a.answered, a.timeouts, a.stale, a.unsolicited
                );
                (None, Ok(out))
            }
            "wait" => {
                let label = step.args.first().map(String::as_str).unwrap_or("go");
                println!("IPMIRS-WAIT name={label}");
                let mut line = String::new();
                let t0 = Instant::now();
                let n = std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| format!("wait {label}: reading stdin: {e}"))?;
                let ms = t0.elapsed().as_secs_f64() * 1000.0;
                if n == 0 {
                    return Err(format!("wait {label}: stdin closed"));
                }
                (Some(ms), Ok(format!("resumed line={}", line.trim())))
            }
            "sleep" => {
                let ms = parse_num(step.args.first().ok_or("sleep wants MS")?)?;
                std::thread::sleep(Duration::from_millis(ms));
                (Some(ms as f64), Ok("slept".into()))
            }
            "setuid" => {
                let uid = parse_num(step.args.first().ok_or("setuid wants UID")?)?;
                let uid = libc::uid_t::try_from(uid).map_err(|e| e.to_string())?;
                // SAFETY: plain setgid(2)/setuid(2) calls with integer
                // arguments; this program is single-threaded here.
                let rc = unsafe {
                    if libc::setgid(uid) != 0 {
                        -1
                    } else {
                        libc::setuid(uid)
                    }
                };
                if rc != 0 {
                    return Err(format!("setuid {uid}: {}", std::io::Error::last_os_error()));
                }
                // Opened descriptors stay usable; new opens are checked as this user.
                (None, Ok(format!("uid={uid}")))
            }
            other => return Err(format!("unknown operation {other}")),
        };
        match outcome {
            Ok(out) => result(step, 0, "ok", ms, &out),
            Err(e) => {
                let (word, rc) = class_word(e.class());
                result(step, rc, word, ms, &e.to_string());
            }
        }
        Ok(())
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--file") {
        let Some(path) = args.get(1) else {
            eprintln!("inband: --file wants a path");
            std::process::exit(2);
        };
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("inband: {path}: {e}");
            std::process::exit(2);
        });
        args = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
    }
    let steps: Vec<Step> = match args.iter().map(|a| parse_step(a)).collect() {
        Ok(s) => s,
        Err(e) => {
            println!("IPMIRS-ERROR {e}");
            std::process::exit(2);
        }
    };
    println!("IPMIRS-START steps={}", steps.len());
    let mut runner = Runner {
        blocking: None,
        asynchronous: None,
        rt: None,
    };
    for step in &steps {
        if let Err(e) = runner.step(step) {
            println!("IPMIRS-ERROR step={} {e}", step.name);
            std::process::exit(2);
        }
    }
    println!("IPMIRS-DONE");
}
