//! The in-band triage against fake /proc trees in a temp dir and fake
//! probes: healthy, driver absent, kipmi spinning, 200 stuck ipmitool
//! processes. Checks the verdict, the exit code, the text and the JSON.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{
    self, Options, Probe, ProbeAnswer, ProbeFailure, ProbeVia, ProcessKind, Report, RootFs, System,
};
use ipmi_kcs::kcs::KcsAddress;

// ---------------------------------------------------------------- fake machine

/// A fake root (proc/, sys/, dev/) whose `pause` applies a second snapshot.
struct FakeMachine {
    fs: RootFs,
    dir: PathBuf,
    later: RefCell<Vec<(String, String)>>,
}

impl FakeMachine {
    fn new(name: &str) -> FakeMachine {
        let dir = std::env::temp_dir().join(format!("ipmirs-diag-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("proc")).unwrap();
        fs::create_dir_all(dir.join("dev")).unwrap();
        let m = FakeMachine {
            fs: RootFs::at(&dir),
            dir,
            later: RefCell::new(Vec::new()),
        };
        m.file("proc/uptime", "10000.00 19000.00\n");
        m.file("proc/loadavg", "0.10 0.20 0.30 1/120 999\n");
        m.file("proc/devices", "Character devices:\n  1 mem\n  4 tty\n");
        m.file("proc/modules", "e1000 151552 0 - Live 0x0\n");
        // A few ordinary processes.
        m.process(1, "init", 'S', "/sbin/init", 0, 1);
        m.process(400, "bash", 'S', "-bash", 0, 500_000);
        m
    }

    fn file(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn stat_line(
        pid: u32,
        comm: &str,
        state: char,
        ticks: u64,
        start: u64,
        kthread: bool,
    ) -> String {
        let flags = if kthread { 0x0020_8040u64 } else { 0x0040_0100 };
        format!(
            "{pid} ({comm}) {state} 2 0 0 0 -1 {flags} 0 0 0 0 {} {} 0 0 20 0 1 0 {start} 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
            ticks / 3,
            ticks - ticks / 3
        )
    }

    /// A user process: comm, state, argv (space-separated), CPU ticks, start time in ticks.
    fn process(&self, pid: u32, comm: &str, state: char, argv: &str, ticks: u64, start: u64) {
        self.file(
            &format!("proc/{pid}/stat"),
            &Self::stat_line(pid, comm, state, ticks, start, false),
        );
        let cmdline: String = argv.split(' ').map(|a| format!("{a}\0")).collect();
        self.file(&format!("proc/{pid}/cmdline"), &cmdline);
    }

    fn kthread(&self, pid: u32, comm: &str, state: char, ticks: u64) {
        self.file(
            &format!("proc/{pid}/stat"),
            &Self::stat_line(pid, comm, state, ticks, 300, true),
        );
        self.file(&format!("proc/{pid}/cmdline"), "");
    }

    /// After the CPU sample's pause, `rel` reads `text`.
    fn later(&self, rel: &str, text: String) {
        self.later.borrow_mut().push((rel.to_string(), text));
    }

    fn ipmi_loaded(&self) {
        self.file(
            "proc/modules",
            "ipmi_si 86016 0 - Live 0xffffffffc0a00000\n\
             ipmi_devintf 20480 0 - Live 0xffffffffc0990000\n\
             ipmi_msghandler 122880 2 ipmi_devintf,ipmi_si, Live 0xffffffffc09c0000\n\
             e1000 151552 0 - Live 0x0\n",
        );
        self.file(
            "proc/devices",
            "Character devices:\n  1 mem\n  4 tty\n239 ipmidev\n\nBlock devices:\n  8 sd\n",
        );
        self.file("dev/ipmi0", "");
        self.file(
            "proc/ioports",
            "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : ipmi_si\n",
        );
        self.kthread(812, "kipmi0", 'S', 1000);
    }
}

impl Drop for FakeMachine {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl System for FakeMachine {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.fs.read(path)
    }
    fn exists(&self, path: &str) -> bool {
        self.fs.exists(path)
    }
    fn list(&self, path: &str) -> io::Result<Vec<String>> {
        self.fs.list(path)
    }
    fn char_major(&self, path: &str) -> Option<u32> {
        self.fs.char_major(path)
    }
    fn pause(&self, wanted: Duration) -> Duration {
        for (rel, text) in self.later.borrow_mut().drain(..) {
            self.file(&rel, &text);
        }
        wanted
    }
    fn root(&self) -> &Path {
        self.fs.root()
    }
}

/// Answers per path; records what was asked.
#[derive(Default)]
struct FakeProbe {
    device_file: Option<Result<ProbeAnswer, ProbeFailure>>,
    kcs: Option<Result<ProbeAnswer, ProbeFailure>>,
    asked: Vec<(ProbeVia, KcsAddress, Duration)>,
}

fn qemu_answer(path: &str) -> ProbeAnswer {
    ProbeAnswer {
        path: path.into(),
        device_id: 0x20,
        ipmi_version: (2, 0),
        manufacturer_id: 0,
        product_id: 0,
        firmware: "0.00".into(),
    }
}

fn timeout(path: &str) -> ProbeFailure {
    ProbeFailure {
        path: path.into(),
        class: ErrorClass::Timeout,
        message: "Get Device ID (netfn 0x06 cmd 0x01) to the BMC: no answer within 2.000 s".into(),
    }
}

impl Probe for FakeProbe {
    fn get_device_id(
        &mut self,
        via: ProbeVia,
        _device_path: &str,
        kcs_address: KcsAddress,
        timeout: Duration,
    ) -> Result<ProbeAnswer, ProbeFailure> {
        self.asked.push((via, kcs_address, timeout));
        let slot = match via {
            ProbeVia::DeviceFile => &self.device_file,
            ProbeVia::Kcs => &self.kcs,
        };
        slot.clone()
            .unwrap_or_else(|| panic!("probe {via:?} not expected"))
    }
}

fn options() -> Options {
    Options {
        self_pid: None,
        ..Options::default()
    }
}

fn run(m: &FakeMachine, p: &mut FakeProbe) -> Report {
    diagnose::run(m, p, &options())
}

// ---------------------------------------------------------------- a tiny JSON reader

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    fn get(&self, k: &str) -> &Json {
        match self {
            Json::Obj(m) => m.get(k).unwrap_or_else(|| panic!("no key {k}")),
            _ => panic!("not an object"),
        }
    }
    fn at(&self, i: usize) -> &Json {
        match self {
            Json::Arr(v) => &v[i],
            _ => panic!("not an array"),
        }
    }
    fn len(&self) -> usize {
        match self {
            Json::Arr(v) => v.len(),
            _ => panic!("not an array"),
        }
    }
    fn num(&self) -> f64 {
        match self {
            Json::Num(n) => *n,
            other => panic!("not a number: {other:?}"),
        }
    }
    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }
}

/// Strict enough for our output: the whole input must be one value.
fn parse_json(text: &str) -> Json {
    fn ws(b: &[u8], i: &mut usize) {
        while *i < b.len() && b" \n\r\t".contains(&b[*i]) {
            *i += 1;
        }
    }
    fn value(b: &[u8], i: &mut usize) -> Json {
        ws(b, i);
        match b[*i] {
            b'n' => lit(b, i, "null", Json::Null),
            b't' => lit(b, i, "true", Json::Bool(true)),
            b'f' => lit(b, i, "false", Json::Bool(false)),
            b'"' => Json::Str(string(b, i)),
            b'[' => {
                *i += 1;
                let mut v = Vec::new();
                ws(b, i);
                if b[*i] == b']' {
                    *i += 1;
                    return Json::Arr(v);
                }
                loop {
                    v.push(value(b, i));
                    ws(b, i);
                    match b[*i] {
                        b',' => *i += 1,
                        b']' => {
                            *i += 1;
                            return Json::Arr(v);
                        }
                        c => panic!("bad array at {i}: {}", c as char),
                    }
                }
            }
            b'{' => {
                *i += 1;
                let mut m = BTreeMap::new();
                ws(b, i);
                if b[*i] == b'}' {
                    *i += 1;
                    return Json::Obj(m);
                }
                loop {
                    ws(b, i);
                    let k = string(b, i);
                    ws(b, i);
                    assert_eq!(b[*i], b':', "colon at {i}");
                    *i += 1;
                    let v = value(b, i);
                    assert!(m.insert(k.clone(), v).is_none(), "duplicate key {k}");
                    ws(b, i);
                    match b[*i] {
                        b',' => *i += 1,
                        b'}' => {
                            *i += 1;
                            return Json::Obj(m);
                        }
                        c => panic!("bad object at {i}: {}", c as char),
                    }
                }
            }
            _ => {
                let start = *i;
                while *i < b.len()
                    && (b[*i] == b'-'
                        || b[*i] == b'.'
                        || b[*i] == b'e'
                        || b[*i] == b'+'
                        || b[*i].is_ascii_digit())
                {
                    *i += 1;
                }
                let t = std::str::from_utf8(&b[start..*i]).unwrap();
                Json::Num(
                    t.parse()
                        .unwrap_or_else(|_| panic!("bad number `{t}` at {start}")),
                )
            }
        }
    }
    fn lit(b: &[u8], i: &mut usize, word: &str, v: Json) -> Json {
        assert!(b[*i..].starts_with(word.as_bytes()), "bad literal at {i}");
        *i += word.len();
        v
    }
    fn string(b: &[u8], i: &mut usize) -> String {
        assert_eq!(b[*i], b'"');
        *i += 1;
        let mut out = Vec::new();
        loop {
            let c = b[*i];
            *i += 1;
            match c {
                b'"' => return String::from_utf8(out).expect("utf-8"),
                b'\\' => {
                    let e = b[*i];
                    *i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let h = std::str::from_utf8(&b[*i..*i + 4]).unwrap();
                            let ch = char::from_u32(u32::from_str_radix(h, 16).unwrap()).unwrap();
                            *i += 4;
                            out.extend_from_slice(ch.to_string().as_bytes());
                        }
                        _ => panic!("bad escape"),
                    }
                }
                c if c < 0x20 => panic!("raw control character in string"),
                c => out.push(c),
            }
        }
    }
    let b = text.as_bytes();
    let mut i = 0;
    let v = value(b, &mut i);
    ws(b, &mut i);
    assert_eq!(i, b.len(), "trailing data after the JSON value");
    v
}

// ---------------------------------------------------------------- the four states

#[test]
fn healthy() {
    let m = FakeMachine::new("healthy");
    m.ipmi_loaded();
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'S', 1000, 300, true),
    );
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(
        r.modules
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["ipmi_si", "ipmi_devintf", "ipmi_msghandler"]
    );
    assert!(r.device.exists);
    assert_eq!(r.device.registered_major, Some(239));
    assert_eq!(r.kernel_threads.len(), 1);
    assert_eq!(r.kernel_threads[0].cpu_percent, 0.0);
    assert!(r.tools.is_empty());
    // KCS is not probed: the driver owns the ports.
    assert_eq!(p.asked.len(), 1);
    assert_eq!(p.asked[0].0, ProbeVia::DeviceFile);
    assert_eq!(p.asked[0].2, Duration::from_secs(2));
    assert!(r
        .skipped
        .iter()
        .any(|s| s.via == ProbeVia::Kcs && s.reason.contains("ipmi_si module is loaded")));

    let v = diagnose::verdict(&r);
    assert!(v.healthy, "{v:?}");
    assert_eq!(v.exit_code(), 0);
    assert!(
        v.headline
            .starts_with("healthy: the BMC answers in-band (Get Device ID through /dev/ipmi0"),
        "{}",
        v.headline
    );
    assert!(v.next_steps.is_empty());

    let text = diagnose::render_text(&r);
    assert!(
        text.starts_with("IPMI in-band health: HEALTHY (exit 0)\n"),
        "{text}"
    );
    assert!(
        text.contains("/dev/ipmi0: present (ipmidev registered as 239)"),
        "{text}"
    );
    assert!(
        text.contains("kipmi0 pid 812 state S: 0.0 % CPU over 0.20 s"),
        "{text}"
    );
    let j = parse_json(&diagnose::render_json(&r));
    assert_eq!(j.get("healthy"), &Json::Bool(true));
    assert_eq!(j.get("exit_code").num(), 0.0);
    assert_eq!(j.get("modules").len(), 3);
    assert_eq!(j.get("device").get("registered_major").num(), 239.0);
    assert_eq!(j.get("probes").at(0).get("via").str(), "device-file");
    assert_eq!(
        j.get("probes").at(0).get("answer").get("device_id").num(),
        32.0
    );
    assert_eq!(
        j.get("probes")
            .at(0)
            .get("answer")
            .get("ipmi_version")
            .str(),
        "2.0"
    );
    assert_eq!(j.get("kcs_address").get("data_port").num(), 3234.0);
}

#[test]
fn driver_absent_kcs_answers() {
    let m = FakeMachine::new("absent");
    let mut p = FakeProbe {
        kcs: Some(Ok(qemu_answer("KCS I/O ports 0xca2/0xca3 (ioperm)"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert!(r.modules.is_empty());
    assert!(!r.device.exists);
    assert_eq!(r.device.registered_major, None);
    assert!(r.kernel_threads.is_empty());
    assert_eq!(p.asked.len(), 1);
    assert_eq!(p.asked[0].0, ProbeVia::Kcs);
    assert_eq!(p.asked[0].1, KcsAddress::STANDARD);
    let v = diagnose::verdict(&r);
    assert!(!v.healthy);
    assert_eq!(v.exit_code(), 1);
    assert!(
        v.headline.starts_with(
            "ipmi_si is not loaded, so there is no /dev/ipmi0; the BMC answers directly over KCS"
        ),
        "{}",
        v.headline
    );
    assert_eq!(
        v.next_steps,
        ["load the IPMI drivers: modprobe ipmi_msghandler ipmi_devintf ipmi_si"]
    );
    let text = diagnose::render_text(&r);
    assert!(text.contains("(no IPMI module loaded)"), "{text}");
    assert!(
        text.contains("device file: not probed: /dev/ipmi0 does not exist"),
        "{text}"
    );
    assert!(text.contains("0xca2/0xca3 (standard address ("), "{text}");
    let j = parse_json(&diagnose::render_json(&r));
    assert_eq!(j.get("exit_code").num(), 1.0);
    assert_eq!(j.get("probes").at(0).get("via").str(), "kcs");
    assert_eq!(
        j.get("skipped_probes").at(0).get("via").str(),
        "device-file"
    );

    // Nothing answers over KCS either (no interface at the address).
    let mut p = FakeProbe {
        kcs: Some(Err(ProbeFailure {
            path: "KCS 0xca2/0xca3".into(),
            class: ErrorClass::Io,
            message: "KCS interface at 0xca2/0xca3: no KCS interface answers: the status register reads 0xff".into(),
        })),
        ..FakeProbe::default()
    };
    let v = diagnose::verdict(&run(&m, &mut p));
    assert!(
        v.headline.starts_with(
            "no in-band path: ipmi_si is not loaded and the BMC does not answer over KCS either"
        ),
        "{}",
        v.headline
    );
    assert!(
        v.next_steps[0].starts_with("load the IPMI drivers"),
        "{v:?}"
    );
    assert!(v.next_steps[1].contains("--kcs-addr"), "{v:?}");
    // A hung BMC behind KCS: reset out of band first.
    let mut p = FakeProbe {
        kcs: Some(Err(timeout("KCS I/O ports 0xca2/0xca3 (ioperm)"))),
        ..FakeProbe::default()
    };
    let v = diagnose::verdict(&run(&m, &mut p));
    assert_eq!(
        v.next_steps[0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
}

#[test]
fn kipmi_spinning() {
    let m = FakeMachine::new("spin");
    m.ipmi_loaded();
    // 19 of 20 ticks in 200 ms: 95 % of a CPU.
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'R', 1019, 300, true),
    );
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(r.kernel_threads[0].cpu_percent, 95.0);
    assert_eq!(r.kernel_threads[0].state, 'R');
    assert_eq!(r.sample, Duration::from_millis(200));
    let v = diagnose::verdict(&r);
    assert!(!v.healthy);
    assert!(
        v.headline
            .starts_with("kipmi0 is spinning at 95 % CPU although the BMC answers"),
        "{}",
        v.headline
    );
    assert!(v.next_steps[0].contains("kipmid_max_busy_us"), "{v:?}");
    assert!(
        v.findings
            .contains(&"kipmi0 (pid 812) is spinning at 95 % CPU".to_string()),
        "{v:?}"
    );

    // The incident: spinning and the BMC does not answer.
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'R', 1039, 300, true),
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let v = diagnose::verdict(&r);
    assert!(
        v.headline.starts_with(
            "the BMC does not answer in-band (Get Device ID through /dev/ipmi0: no answer within"
        ),
        "{}",
        v.headline
    );
    assert_eq!(
        v.next_steps[0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
    assert!(v.next_steps[1].contains("kipmid_max_busy_us"), "{v:?}");
    assert!(
        v.next_steps[2].contains(
            "rmmod ipmi_si, then reset it directly over KCS with `ipmirs kcs mc reset cold`"
        ),
        "{v:?}"
    );
    let j = parse_json(&diagnose::render_json(&r));
    assert_eq!(
        j.get("kernel_threads").at(0).get("spinning"),
        &Json::Bool(true)
    );
    assert_eq!(
        j.get("probes").at(0).get("error").get("class").str(),
        "timeout"
    );
}

#[test]
fn two_hundred_stuck_ipmitools() {
    let m = FakeMachine::new("stuck");
    m.ipmi_loaded();
    m.file("proc/loadavg", "193.02 190.11 150.40 3/612 4321\n");
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'R', 1020, 300, true),
    );
    // uptime 10000 s; started between 9000 and 9800 s after boot: 200..1000 s old.
    for i in 0..200u32 {
        let pid = 2000 + i;
        let start = (9000 + 4 * u64::from(i)) * 100;
        let state = if i % 10 == 0 { 'D' } else { 'S' };
        m.process(
            pid,
            "ipmitool",
            state,
            "/usr/bin/ipmitool mc info",
            3,
            start,
        );
        m.file(&format!("proc/{pid}/wchan"), "ipmi_ioctl");
    }
    // A young one (not stuck) and a FreeIPMI tool with a truncated comm.
    m.process(3000, "ipmitool", 'S', "ipmitool sdr", 1, 9_999 * 100);
    m.process(
        3001,
        "ipmi-sensors-co",
        'S',
        "ipmi-sensors-config --checkout",
        1,
        9_990 * 100,
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(r.tools.len(), 202);
    assert_eq!(r.stuck_tools().count(), 200);
    // Oldest first.
    assert_eq!(r.tools[0].pid, 2000);
    assert!((r.tools[0].age_secs - 1000.0).abs() < 0.01);
    assert_eq!(r.tools[0].command, "/usr/bin/ipmitool mc info");
    assert_eq!(r.tools[0].wchan.as_deref(), Some("ipmi_ioctl"));
    assert!(r.tools.iter().any(|t| t.tool == "ipmi-sensors-config"));
    assert_eq!(r.load_average, Some([193.02, 190.11, 150.4]));

    let v = diagnose::verdict(&r);
    assert!(!v.healthy);
    assert_eq!(v.headline, "the BMC does not answer in-band (Get Device ID through /dev/ipmi0: no answer within 2.0 s)");
    assert_eq!(
        v.next_steps[0],
        "reset the BMC out of band: ipmirs -H <bmc-address> lan mc reset cold"
    );
    assert!(
        v.next_steps
            .iter()
            .any(|s| s == "once the BMC answers, kill the 200 stuck processes: pkill -x ipmitool"),
        "{v:?}"
    );
    assert!(
        v.next_steps
            .iter()
            .any(|s| s.contains("timeout 30 ipmitool")),
        "{v:?}"
    );
    assert!(
        v.next_steps[2].starts_with("if the BMC cannot be reached out of band: first kill the 200 stuck processes: pkill -x ipmitool (while they hold /dev/ipmi0 open, rmmod ipmi_si fails"),
        "{v:?}"
    );
    assert!(
        v.findings.iter().any(|f| f.starts_with("200 IPMI tool process(es) running for over 30 s (oldest 16 min: pid 2000 `/usr/bin/ipmitool mc info`; states S 180, D 20)")),
        "{v:?}"
    );
    assert!(
        v.findings
            .iter()
            .any(|f| f == "load average 193.0 190.1 150.4"),
        "{v:?}"
    );

    let text = diagnose::render_text(&r);
    assert!(text.contains("202 process(es), 200 running for over 30 s; states S 182, D 20; most wait in ipmi_ioctl (200)"), "{text}");
    assert!(text.contains("... and 197 more"), "{text}");
    assert!(
        text.contains("Load average     193.02 190.11 150.40"),
        "{text}"
    );
    let j = parse_json(&diagnose::render_json(&r));
    assert_eq!(j.get("tools").get("count").num(), 202.0);
    assert_eq!(j.get("tools").get("stuck").num(), 200.0);
    assert_eq!(j.get("tools").get("processes").len(), 202);
    assert_eq!(
        j.get("tools").get("processes").at(0).get("state").str(),
        "D"
    );

    // The BMC answers again, but the leftovers are still there.
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let v = diagnose::verdict(&run(&m, &mut p));
    assert!(!v.healthy);
    assert!(
        v.headline
            .starts_with("200 IPMI tool process(es) are stuck although the BMC answers now"),
        "{}",
        v.headline
    );
}

#[test]
fn partial_drivers_and_missing_files() {
    // ipmi_si without ipmi_devintf.
    let m = FakeMachine::new("partial");
    m.file(
        "proc/modules",
        "ipmi_si 1 0 - Live 0x0\nipmi_msghandler 1 1 ipmi_si, Live 0x0\n",
    );
    let mut p = FakeProbe::default();
    let v = diagnose::verdict(&run(&m, &mut p));
    assert!(
        v.headline.starts_with("ipmi_devintf is not loaded"),
        "{}",
        v.headline
    );
    assert_eq!(v.next_steps, ["load it: modprobe ipmi_devintf"]);
    // Drivers loaded, device registered, node missing.
    m.file("proc/modules", "ipmi_si 1 0 - Live 0x0\nipmi_devintf 1 0 - Live 0x0\nipmi_msghandler 1 2 ipmi_si,ipmi_devintf, Live 0x0\n");
    m.file("proc/devices", "Character devices:\n241 ipmidev\n");
    let v = diagnose::verdict(&run(&m, &mut p));
    assert_eq!(
        v.next_steps,
        ["create it: mknod /dev/ipmi0 c 241 0 (or: udevadm trigger)"]
    );
    // No /proc at all: notes, no panic, KCS not probed (cannot tell).
    let empty = FakeMachine::new("empty");
    fs::remove_dir_all(empty.dir.join("proc")).unwrap();
    let r = run(&empty, &mut FakeProbe::default());
    assert!(
        r.notes.iter().any(|n| n.starts_with("/proc/modules")),
        "{:?}",
        r.notes
    );
    assert!(r
        .skipped
        .iter()
        .any(|s| s.via == ProbeVia::Kcs && s.reason.starts_with("cannot tell")));
    let _ = parse_json(&diagnose::render_json(&r));
    let _ = diagnose::render_text(&r);
}

// ---------------------------------------------------------------- daemons and secrets (issue 18)

/// Every daemon form, hours old and asleep like a hung tool: listed under
/// "IPMI daemons", never stuck; the one-shot commands next to them count
/// only when old and blocked.
#[test]
fn daemons_are_never_stuck_tools() {
    let m = FakeMachine::new("daemons");
    m.ipmi_loaded();
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'S', 1000, 300, true),
    );
    // uptime 10000 s: started at 100 s, 9900 s old.
    let daemons = [
        (
            5001,
            "ipmirs",
            "/usr/bin/ipmirs serve --listen 127.0.0.1:46001",
        ),
        (5002, "ipmirs", "ipmirs -v exporter"),
        (
            5003,
            "ipmi_exporter",
            "/usr/bin/ipmi_exporter --config.file=/etc/ipmi.yml",
        ),
        (5004, "prometheus-ipmi", "/usr/bin/prometheus-ipmi-exporter"),
        (5005, "ipmiseld", "/usr/sbin/ipmiseld"),
        (5006, "ipmidetectd", "/usr/sbin/ipmidetectd"),
        (
            5007,
            "bmc-watchdog",
            "/usr/sbin/bmc-watchdog -d -u 4 -p 0 -a 1 -i 900",
        ),
        (5008, "ipmievd", "/usr/sbin/ipmievd sel daemon"),
        (
            5009,
            "ipmi_sim",
            "ipmi_sim -c /etc/ipmi/lan.conf -f /etc/ipmi/sim.emu -n",
        ),
        (5010, "ipmilan", "/usr/sbin/ipmilan -c /etc/ipmi_lan.conf"),
    ];
    for (pid, comm, argv) in daemons {
        m.process(pid, comm, 'S', argv, 5, 100 * 100);
        m.file(&format!("proc/{pid}/wchan"), "do_epoll_wait");
    }
    // Sessions: long by design too, listed with the tools, never stuck.
    m.process(
        5100,
        "ipmitool",
        'S',
        "ipmitool -I lanplus -H h sol activate",
        5,
        100 * 100,
    );
    m.process(5101, "ipmiconsole", 'S', "ipmiconsole -h h", 5, 100 * 100);
    // One-shot commands: old and blocked (stuck), young, running, zombie, one-shot bmc-watchdog.
    m.process(5200, "ipmitool", 'D', "ipmitool mc info", 5, 100 * 100);
    m.process(5201, "ipmitool", 'S', "ipmitool sdr", 1, 9_995 * 100);
    m.process(
        5202,
        "ipmitool",
        'R',
        "ipmitool sel list",
        90_000,
        100 * 100,
    );
    m.process(
        5203,
        "ipmitool",
        'Z',
        "ipmitool chassis status",
        5,
        100 * 100,
    );
    m.process(5204, "bmc-watchdog", 'S', "bmc-watchdog -g", 5, 100 * 100);
    let mut p = FakeProbe {
        device_file: Some(Ok(qemu_answer("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    let mut pids: Vec<u32> = r.daemons.iter().map(|d| d.pid).collect();
    pids.sort_unstable();
    assert_eq!(pids, (5001..=5010).collect::<Vec<_>>());
    assert!(r.daemons.iter().all(|d| d.kind == ProcessKind::Daemon));
    assert!(r.daemons.iter().all(|d| !d.is_stuck(r.stuck_after)));
    assert_eq!(
        r.daemons.iter().find(|d| d.pid == 5004).unwrap().tool,
        "prometheus-ipmi-exporter"
    );
    let mut tools: Vec<(u32, ProcessKind)> = r.tools.iter().map(|t| (t.pid, t.kind)).collect();
    tools.sort_unstable_by_key(|t| t.0);
    use ProcessKind::{Command, Session};
    assert_eq!(
        tools,
        [
            (5100, Session),
            (5101, Session),
            (5200, Command),
            (5201, Command),
            (5202, Command),
            (5203, Command),
            (5204, Command),
        ]
    );
    let stuck: Vec<u32> = r.stuck_tools().map(|t| t.pid).collect();
    assert_eq!(stuck, [5200, 5204]);

    let v = diagnose::verdict(&r);
    assert!(
        v.headline
            .starts_with("2 IPMI tool process(es) are stuck although the BMC answers now"),
        "{}",
        v.headline
    );
    assert_eq!(v.next_steps[0], "kill the stuck processes: kill 5200 5204");
    let text = diagnose::render_text(&r);
    assert!(
        text.contains(
            "IPMI daemons     10 process(es), long-running by design (never counted as stuck)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("pid 5001 2 h 45 min S /usr/bin/ipmirs serve --listen 127.0.0.1:46001 [do_epoll_wait]\n"),
        "{text}"
    );
    assert!(
        text.contains("ipmitool -I lanplus -H h sol activate (interactive session)"),
        "{text}"
    );
    assert!(
        text.contains("7 process(es), 2 running for over 30 s"),
        "{text}"
    );
    let j = parse_json(&diagnose::render_json(&r));
    assert_eq!(j.get("tools").get("count").num(), 7.0);
    assert_eq!(j.get("tools").get("stuck").num(), 2.0);
    assert_eq!(j.get("daemons").get("count").num(), 10.0);
    let d = j.get("daemons").get("processes");
    assert_eq!(d.len(), 10);
    for i in 0..10 {
        assert_eq!(d.at(i).get("kind").str(), "daemon");
        assert_eq!(d.at(i).get("stuck"), &Json::Bool(false));
    }
    let kinds: Vec<&str> = (0..7)
        .map(|i| j.get("tools").get("processes").at(i).get("kind").str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "session").count(), 2);

    // Only daemons running and the BMC answering: healthy.
    let m = FakeMachine::new("daemons-only");
    m.ipmi_loaded();
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'S', 1000, 300, true),
    );
    for (pid, comm, argv) in daemons {
        m.process(pid, comm, 'S', argv, 5, 100 * 100);
    }
    let r = run(&m, &mut p);
    assert!(r.tools.is_empty());
    let v = diagnose::verdict(&r);
    assert!(v.healthy, "{v:?}");
    let text = diagnose::render_text(&r);
    assert!(text.contains("IPMI tools       (none running)\n"), "{text}");
}

/// Every secret a command line can carry, hung for 16 min (stuck): the
/// text, the verdict and the JSON show none of them.
#[test]
fn command_lines_never_show_secrets() {
    let m = FakeMachine::new("secrets");
    m.ipmi_loaded();
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'S', 1000, 300, true),
    );
    let forms = [
        (
            "ipmitool",
            "ipmitool -I lanplus -H h -U u -P Secret01 mc info",
            "-P ***",
        ),
        ("ipmitool", "ipmitool -H h -PSecret02 mc info", "-P***"),
        ("ipmitool", "ipmitool -H h -EvPSecret03 mc info", "-EvP***"),
        (
            "ipmitool",
            "ipmitool -H h -P x -k Secret04 mc info",
            "-k ***",
        ),
        (
            "ipmitool",
            "ipmitool -H h -P x -y Secret05 mc info",
            "-y ***",
        ),
        (
            "ipmitool",
            "ipmitool -H h -E -K -ySecret06 mc info",
            "-K -y***",
        ),
        ("bmc-info", "bmc-info -h h -u u -p Secret07", "-p ***"),
        (
            "ipmi-sensors",
            "ipmi-sensors -h h -u u --password=Secret08",
            "--password=***",
        ),
        (
            "ipmi-sel",
            "ipmi-sel -h h -u u --password Secret09",
            "--password ***",
        ),
        ("ipmi-raw", "ipmi-raw -h h -p x -k Secret10 0 6 1", "-k ***"),
        ("ipmi-fru", "ipmi-fru -h h -p x --k-g=Secret11", "--k-g=***"),
        (
            "ipmi-chassis",
            "ipmi-chassis -h h -p x --k-g Secret12",
            "--k-g ***",
        ),
        ("ipmirs", "ipmirs -H h -U u -P Secret13 mc info", "-P ***"),
        (
            "ipmitool",
            "ipmitool IPMI_PASSWORD=Secret14 -E -H h mc info",
            "IPMI_PASSWORD=***",
        ),
        (
            "ipmiutil",
            "ipmiutil health -N h -U u -P Secret15",
            "-P ***",
        ),
    ];
    for (i, (comm, argv, _)) in forms.iter().enumerate() {
        let pid = 6000 + i as u32;
        // 1000 s old, oldest first in the order of `forms`.
        m.process(pid, comm, 'S', argv, 5, (9000 + i as u64) * 100);
    }
    // A daemon with ipmirs' --user NAME:PASSWORD[:PRIV], in both forms.
    m.process(
        6100,
        "ipmirs",
        'S',
        "ipmirs serve --listen 127.0.0.1:46001 --user a:Secret16:ADMINISTRATOR --user=op:Secret:17:operator",
        5,
        100 * 100,
    );
    let mut p = FakeProbe {
        device_file: Some(Err(timeout("/dev/ipmi0"))),
        ..FakeProbe::default()
    };
    let r = run(&m, &mut p);
    assert_eq!(r.tools.len(), forms.len());
    assert_eq!(r.stuck_tools().count(), forms.len());
    for (t, (_, _, shown)) in r.tools.iter().zip(forms) {
        assert!(t.command.contains(shown), "{} lacks {shown}", t.command);
    }
    assert_eq!(
        r.daemons[0].command,
        "ipmirs serve --listen 127.0.0.1:46001 --user a:***:ADMINISTRATOR --user=op:***:operator"
    );
    let v = diagnose::verdict(&r);
    let text = diagnose::render_text(&r);
    let json = diagnose::render_json(&r);
    let everything = format!("{v:?}\n{r:?}\n{text}\n{json}");
    for n in 1..=17 {
        let secret = format!("Secret{n:02}");
        assert!(
            !everything.contains(&secret),
            "{secret} shown:\n{everything}"
        );
    }
    assert!(!everything.contains("Secret:17"), "{everything}");
    // The oldest stuck command is named in the findings, redacted.
    assert!(
        v.findings.iter().any(|f| f
            .contains("(oldest 16 min: pid 6000 `ipmitool -I lanplus -H h -U u -P *** mc info`")),
        "{v:?}"
    );
    assert!(
        text.contains("pid 6001 16 min S ipmitool -H h -P*** mc info\n"),
        "{text}"
    );
    let j = parse_json(&json);
    let procs = j.get("tools").get("processes");
    for (i, (_, _, shown)) in forms.iter().enumerate() {
        assert!(procs.at(i).get("command").str().contains(shown));
    }
    assert_eq!(
        j.get("daemons").get("processes").at(0).get("command").str(),
        "ipmirs serve --listen 127.0.0.1:46001 --user a:***:ADMINISTRATOR --user=op:***:operator"
    );
}
