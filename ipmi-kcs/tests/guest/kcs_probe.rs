//! The KCS test program: runs steps against the KCS ports directly (no
//! kernel driver), against `/dev/ipmi0` for comparison, and the diagnose
//! triage, printing one machine-readable line per step. Built statically,
//! it is the guest program of ipmi-kcs/tests/kcs_qemu.rs; it also runs on
//! any x86_64 Linux host with a KCS BMC (as root).
//!
//! Usage: `kcs_probe STEP...`, each STEP one argument:
//! `[name=N] [timeout=MS] [backend=ioport|devport] [addr=0xca2[:SPACING]]
//! [force=1] [target=CH:ADDR] OP [ARG...]` with OP one of
//! `mc-info`, `chassis-status`, `raw NETFN CMD [BYTE...]`, `mc-reset-cold`
//! (over KCS); `dev-mc-info` (over /dev/ipmi0); `smbios`; `bench N`;
//! `diagnose [json] [stuck_after=S] [probe_timeout=MS]`; `sh COMMAND...`;
//! `spawn N PROGRAM [ARG...]` (background children); `wait LABEL`;
//! `sleep MS`. `kcs_probe hang` loops Get Device ID on /dev/ipmi0 forever
//! (a stand-in for a stuck ipmitool).
//!
//! Result lines: `IPMIRS-RESULT name=N op=OP rc=RC class=CLASS ms=MS out=TEXT`,
//! rc as the CLI's exit code (0 ok, 1 failure, 2 usage, 3 timeout); the
//! diagnose step's rc is the verdict's exit code; with `json` its facts
//! follow on an `IPMIRS-FACTS name=N tools=N stuck=N VERDICT REPORT` line
//! (Debug forms: the CLI renders, the library does not).

use std::io::BufRead;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use ipmi_core::cmd::{ColdReset, DeviceId, GetChassisStatus, GetDeviceId, Raw};
use ipmi_core::{Deadline, ErrorClass, Failure, NetFn, Target, Transport};
use ipmi_kcs::diagnose::{self, RootFs, SystemProbe};
use ipmi_kcs::kcs::{smbios, Backend, KcsAddress, KcsClient, KcsOptions};

struct Step {
    name: String,
    op: String,
    args: Vec<String>,
    timeout: Duration,
    backend: Backend,
    address: Option<KcsAddress>,
    force: bool,
    target: Target,
}

fn num(s: &str) -> Result<u64, String> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("not a number: {s}"))
}

fn byte(s: &str) -> Result<u8, String> {
    u8::try_from(num(s)?).map_err(|_| format!("not a byte: {s}"))
}

fn parse(text: &str) -> Result<Step, String> {
    let mut s = Step {
        name: String::new(),
        op: String::new(),
        args: Vec::new(),
        timeout: Duration::from_secs(5),
        backend: Backend::Auto,
        address: None,
        force: false,
        target: Target::bmc(),
    };
    for tok in text.split_whitespace() {
        if !s.op.is_empty() {
            s.args.push(tok.to_string());
            continue;
        }
        match tok.split_once('=') {
            Some(("name", v)) => s.name = v.into(),
            Some(("timeout", v)) => s.timeout = Duration::from_millis(num(v)?),
            Some(("backend", "ioport")) => s.backend = Backend::IoPort,
            Some(("backend", "devport")) => s.backend = Backend::DevPort,
            Some(("addr", v)) => s.address = Some(KcsAddress::parse(v)?),
            Some(("force", v)) => s.force = v == "1",
            Some(("target", v)) => {
                let (ch, addr) = v.split_once(':').ok_or("target=CH:ADDR")?;
                s.target = Target::ipmb(byte(ch)?, byte(addr)?);
            }
            Some((k, _)) => return Err(format!("unknown option {k}")),
            None => s.op = tok.to_string(),
        }
    }
    if s.name.is_empty() {
        s.name = s.op.clone();
    }
    Ok(s)
}

fn device_text(id: &DeviceId) -> String {
    let (maj, min) = id.ipmi_version_parts();
    format!(
        "device_id=0x{:02x} revision={} firmware={}.{:02x} ipmi={maj}.{min} manufacturer={} product=0x{:04x} support=0x{:02x} available={}",
        id.device_id, id.device_revision, id.firmware_major, id.firmware_minor, id.manufacturer_id,
        id.product_id, id.additional_support, id.device_available
    )
}

fn rc_of(class: ErrorClass) -> (i32, &'static str) {
    // ErrorClass is non_exhaustive: a class added later is a failure, 1.
    let rc = match class {
        ErrorClass::Timeout => 3,
        ErrorClass::Usage => 2,
        _ => 1,
    };
    (rc, class.name())
}

fn result(step: &Step, rc: i32, class: &str, ms: Option<f64>, out: &str) {
    let ms = ms.map(|m| format!(" ms={m:.1}")).unwrap_or_default();
    println!(
        "IPMIRS-RESULT name={} op={} rc={rc} class={class}{ms} out={}",
        step.name,
        step.op,
        out.replace('\n', " | ")
    );
}

fn cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|t| diagnose::procfs::parse_stat(&t))
        .map_or(0, |s| s.utime + s.stime)
}

/// Runs one KCS operation with a fresh client; Ok(text) or Err((class, text)).
fn kcs_op(step: &Step) -> Result<String, (ErrorClass, String)> {
    let options = KcsOptions {
        address: step.address,
        backend: step.backend,
        force: step.force,
        timeout: step.timeout,
        ..KcsOptions::default()
    };
    let err = |e: &dyn Failure| (e.class(), e.to_string());
    let mut c = KcsClient::open(&options).map_err(|e| err(&e))?;
    let deadline = Deadline::from_now(step.timeout);
    let mut request_of = |cmd: Raw| -> Result<String, (ErrorClass, String)> {
        let mut req = ipmi_core::Command::request_to(&cmd, step.target);
        req.target = step.target;
        let r = c.exchange(&req, deadline).map_err(|e| err(&e))?;
        let data: Vec<String> = r.data.iter().map(|b| format!("{b:02x}")).collect();
        Ok(format!(
            "cc=0x{:02x} data={}",
            r.completion.0,
            data.join(" ")
        ))
    };
    match step.op.as_str() {
        "mc-info" if !step.target.is_bmc() => request_of(Raw {
            netfn: NetFn::APP,
            cmd: 0x01,
            data: vec![],
        }),
        "mc-info" => c
            .execute_by(&GetDeviceId, deadline)
            .map(|id| device_text(&id))
            .map_err(|e| err(&e)),
        "chassis-status" => c
            .execute_by(&GetChassisStatus, deadline)
            .map(|s| {
                format!(
                    "power_on={} state=0x{:02x} last_event=0x{:02x} misc=0x{:02x}",
                    s.power_on(),
                    s.current_power_state,
                    s.last_power_event,
                    s.misc_state
                )
            })
            .map_err(|e| err(&e)),
        "mc-reset-cold" => c
            .execute_by(&ColdReset, deadline)
            .map(|()| "ok".to_string())
            .map_err(|e| err(&e)),
        "raw" => {
            let bytes: Result<Vec<u8>, String> = step.args.iter().map(|a| byte(a)).collect();
            let bytes = bytes.map_err(|e| (ErrorClass::Usage, e))?;
            if bytes.len() < 2 {
                return Err((ErrorClass::Usage, "raw NETFN CMD [DATA...]".into()));
            }
            request_of(Raw {
                netfn: NetFn(bytes[0]),
                cmd: bytes[1],
                data: bytes[2..].to_vec(),
            })
        }
        "bench" => {
            let n: u64 = step
                .args
                .first()
                .map_or(Ok(100), |a| num(a))
                .map_err(|e| (ErrorClass::Usage, e))?;
            let (t0, c0) = (Instant::now(), cpu_ticks());
            for _ in 0..n {
                c.execute_by(&GetDeviceId, Deadline::from_now(step.timeout))
                    .map_err(|e| err(&e))?;
            }
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            let cpu_ms = (cpu_ticks() - c0) * 10;
            let s = c.stats();
            Ok(format!(
                "n={n} total_ms={ms:.1} per_ms={:.3} cpu_ms={cpu_ms} status_reads={} sleeps={} error_exits={} via={}",
                ms / n as f64,
                s.status_reads,
                s.sleeps,
                s.error_exits,
                c.describe().replace(' ', "_")
            ))
        }
        other => Err((ErrorClass::Usage, format!("unknown op {other}"))),
    }
}

fn dev_mc_info(step: &Step) -> Result<String, (ErrorClass, String)> {
    use ipmi_kcs::devintf::LinuxClient;
    let err = |e: &dyn Failure| (e.class(), e.to_string());
    let mut c = LinuxClient::open().map_err(|e| err(&e))?;
    c.execute_by(&GetDeviceId, Deadline::from_now(step.timeout))
        .map(|id| device_text(&id))
        .map_err(|e| err(&e))
}

fn run_step(step: &Step, children: &mut Vec<Child>) {
    let t0 = Instant::now();
    let ms = || Some(t0.elapsed().as_secs_f64() * 1000.0);
    match step.op.as_str() {
        "mc-info" | "chassis-status" | "raw" | "mc-reset-cold" | "bench" => match kcs_op(step) {
            Ok(out) => result(step, 0, "ok", ms(), &out),
            Err((class, text)) => {
                let (rc, name) = rc_of(class);
                result(step, rc, name, ms(), &text)
            }
        },
        "dev-mc-info" => match dev_mc_info(step) {
            Ok(out) => result(step, 0, "ok", ms(), &out),
            Err((class, text)) => {
                let (rc, name) = rc_of(class);
                result(step, rc, name, ms(), &text)
            }
        },
        "smbios" => {
            let table = std::fs::read("/sys/firmware/dmi/tables/DMI");
            let out = match &table {
                Ok(t) => {
                    let recs: Vec<String> = smbios::parse_table(t)
                        .iter()
                        .map(|r| {
                            format!(
                                "{} rev=0x{:02x} raw=0x{:x} io={} base=0x{:x} spacing={:?} kcs={:?}",
                                r.interface, r.spec_revision, r.raw_base_address, r.io_space,
                                r.base_address, r.register_spacing, r.kcs_address().map(|a| a.to_string())
                            )
                        })
                        .collect();
                    format!("table_bytes={} type38=[{}]", t.len(), recs.join("; "))
                }
                Err(e) => format!("no table: {e}"),
            };
            let (addr, source) = ipmi_kcs::kcs::resolve_address(None, &RootFs::real());
            result(
                step,
                0,
                "ok",
                ms(),
                &format!("address={addr} source={source:?} {out}"),
            );
        }
        "diagnose" => {
            let mut opts = diagnose::Options::default();
            let mut json = false;
            for a in &step.args {
                match a.split_once('=') {
                    Some(("stuck_after", v)) => {
                        opts.stuck_after = Duration::from_secs_f64(v.parse().unwrap_or(30.0))
                    }
                    Some(("probe_timeout", v)) => {
                        opts.probe_timeout = Duration::from_millis(num(v).unwrap_or(2000))
                    }
                    _ if a == "json" => json = true,
                    _ => {}
                }
            }
            let report = diagnose::run(&RootFs::real(), &mut SystemProbe::default(), &opts);
            let v = diagnose::verdict(&report);
            // The facts, not a rendering (the CLI renders; its tests check
            // the words): the counts, then the verdict and the report as
            // Debug on one line.
            for line in v.next_steps.iter().chain(&v.findings) {
                println!("DIAG| {line}");
            }
            if json {
                println!(
                    "IPMIRS-FACTS name={} tools={} stuck={} {v:?} {report:?}",
                    step.name,
                    report.tools.len(),
                    report.stuck_tools().count(),
                );
            }
            let class = if v.healthy { "healthy" } else { "unhealthy" };
            result(step, v.exit_code(), class, ms(), &v.headline);
        }
        "sh" => {
            let out = Process::new("/bin/sh")
                .arg("-c")
                .arg(step.args.join(" "))
                .output();
            match out {
                Ok(o) => {
                    let text = format!(
                        "{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    );
                    for l in text.lines() {
                        println!("SH| {l}");
                    }
                    let rc = o.status.code().unwrap_or(-1);
                    result(
                        step,
                        rc,
                        if rc == 0 { "ok" } else { "io" },
                        ms(),
                        text.lines().next().unwrap_or(""),
                    );
                }
                Err(e) => result(step, 1, "io", ms(), &e.to_string()),
            }
        }
        "spawn" => {
            let n: usize = step.args.first().and_then(|a| a.parse().ok()).unwrap_or(1);
            let prog = step.args.get(1).cloned().unwrap_or_default();
            let mut pids = Vec::new();
            for _ in 0..n {
                match Process::new(&prog)
                    .args(&step.args[2.min(step.args.len())..])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                {
                    Ok(c) => {
                        pids.push(c.id().to_string());
                        children.push(c);
                    }
                    Err(e) => return result(step, 1, "io", ms(), &format!("{prog}: {e}")),
                }
            }
            result(step, 0, "ok", ms(), &format!("pids={}", pids.join(",")));
        }
        "wait" => {
            let label = step.args.first().cloned().unwrap_or_default();
            println!("IPMIRS-WAIT name={label}");
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
        }
        "sleep" => {
            let ms_arg = step.args.first().and_then(|a| num(a).ok()).unwrap_or(0);
            std::thread::sleep(Duration::from_millis(ms_arg));
        }
        other => result(step, 2, "usage", None, &format!("unknown op {other}")),
    }
}

/// `hang`: Get Device ID on /dev/ipmi0 in a loop, 60 s deadline each.
fn hang() -> ! {
    loop {
        if let Ok(mut c) = ipmi_kcs::devintf::LinuxClient::open() {
            let _ = c.execute_by(&GetDeviceId, Deadline::from_now(Duration::from_secs(60)));
        } else {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("hang") {
        hang();
    }
    let mut children = Vec::new();
    for a in &args {
        match parse(a) {
            Ok(step) => run_step(&step, &mut children),
            Err(e) => println!("IPMIRS-RESULT name=parse op=parse rc=2 class=usage out={e}"),
        }
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}
