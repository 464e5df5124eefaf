//! A fake machine for `ipmi_kcs::diagnose` and `recover`: `/proc`, `/sys`
//! and `/dev` files in a temp dir behind diagnose's `System` (whose CPU
//! sample pause applies a second snapshot), and a scripted `Probe`.
//! Shared by ipmi-kcs's tests (the facts) and ipmi-cli's (the rendering).

use std::cell::RefCell;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipmi_core::ErrorClass;
use ipmi_kcs::diagnose::{Probe, ProbeAnswer, ProbeFailure, ProbeVia, RootFs, System};
use ipmi_kcs::kcs::KcsAddress;

/// A fake root (proc/, sys/, dev/) in a temp dir, removed on drop; its
/// `pause` applies the files given to [`FakeMachine::later`].
pub struct FakeMachine {
    fs: RootFs,
    /// The root directory.
    pub dir: PathBuf,
    later: RefCell<Vec<(String, String)>>,
}

impl FakeMachine {
    /// uptime 10000 s, no IPMI module, init (pid 1) and a shell (pid 400).
    pub fn new(name: &str) -> FakeMachine {
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

    /// Writes `text` at `rel` (relative to the root), creating directories.
    pub fn file(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    /// A `/proc/PID/stat` line (parent pid 2).
    pub fn stat_line(
        pid: u32,
        comm: &str,
        state: char,
        ticks: u64,
        start: u64,
        kthread: bool,
    ) -> String {
        Self::stat_line_with_parent(pid, 2, comm, state, ticks, start, kthread)
    }

    /// A `/proc/PID/stat` line with parent `ppid`.
    pub fn stat_line_with_parent(
        pid: u32,
        ppid: u32,
        comm: &str,
        state: char,
        ticks: u64,
        start: u64,
        kthread: bool,
    ) -> String {
        let flags = if kthread { 0x0020_8040u64 } else { 0x0040_0100 };
        format!(
            "{pid} ({comm}) {state} {ppid} 0 0 0 -1 {flags} 0 0 0 0 {} {} 0 0 20 0 1 0 {start} 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
            ticks / 3,
            ticks - ticks / 3
        )
    }

    /// A user process: comm, state, argv (space-separated), CPU ticks, start time in ticks.
    pub fn process(&self, pid: u32, comm: &str, state: char, argv: &str, ticks: u64, start: u64) {
        self.file(
            &format!("proc/{pid}/stat"),
            &Self::stat_line(pid, comm, state, ticks, start, false),
        );
        let cmdline: String = argv.split(' ').map(|a| format!("{a}\0")).collect();
        self.file(&format!("proc/{pid}/cmdline"), &cmdline);
    }

    /// A kernel thread (empty command line).
    pub fn kthread(&self, pid: u32, comm: &str, state: char, ticks: u64) {
        self.file(
            &format!("proc/{pid}/stat"),
            &Self::stat_line(pid, comm, state, ticks, 300, true),
        );
        self.file(&format!("proc/{pid}/cmdline"), "");
    }

    /// After the CPU sample's pause, `rel` reads `text`.
    pub fn later(&self, rel: &str, text: String) {
        self.later.borrow_mut().push((rel.to_string(), text));
    }

    /// ipmi_si, ipmi_devintf and ipmi_msghandler loaded, ipmidev major 239,
    /// `/dev/ipmi0`, the KCS ports owned by ipmi_si, kipmi0 as pid 812.
    pub fn ipmi_loaded(&self) {
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

/// Answers per path as scripted; records what was asked; panics on a
/// probe nobody scripted.
#[derive(Default)]
pub struct FakeProbe {
    /// The answer through the device file.
    pub device_file: Option<Result<ProbeAnswer, ProbeFailure>>,
    /// The answer over KCS.
    pub kcs: Option<Result<ProbeAnswer, ProbeFailure>>,
    /// Every probe asked: how, at which KCS address, with which deadline.
    pub asked: Vec<(ProbeVia, KcsAddress, Duration)>,
}

/// What QEMU's emulated BMC answers to Get Device ID, as seen at `path`.
pub fn qemu_answer(path: &str) -> ProbeAnswer {
    ProbeAnswer {
        path: path.into(),
        device_id: 0x20,
        ipmi_version: (2, 0),
        manufacturer_id: 0,
        product_id: 0,
        firmware: "0.00".into(),
    }
}

/// A probe at `path` that timed out after 2 s.
pub fn timeout(path: &str) -> ProbeFailure {
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

// ---------------------------------------------------------------- scenes shared by the facts' and the rendering's tests

/// kipmi0 idle over the CPU sample (0 % CPU).
pub fn kipmi_idle(m: &FakeMachine) {
    m.later(
        "proc/812/stat",
        FakeMachine::stat_line(812, "kipmi0", 'S', 1000, 300, true),
    );
}

/// The incident: load 193, kipmi0 at 100 % and 202 ipmitool processes:
/// 200 of them 200..1000 s old waiting in `ipmi_ioctl` (every tenth in
/// D), pid 2000 the oldest; a young one (3000) and a FreeIPMI tool with a
/// truncated comm (3001).
pub fn two_hundred_stuck(m: &FakeMachine) {
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
    m.process(3000, "ipmitool", 'S', "ipmitool sdr", 1, 9_999 * 100);
    m.process(
        3001,
        "ipmi-sensors-co",
        'S',
        "ipmi-sensors-config --checkout",
        1,
        9_990 * 100,
    );
}

/// Every daemon form (pid, comm, argv), pids 5001..=5010.
pub const DAEMONS: [(u32, &str, &str); 10] = [
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

/// The [`DAEMONS`], 9900 s old and asleep like a hung tool (in `wchan` if given).
pub fn daemons(m: &FakeMachine, wchan: Option<&str>) {
    for (pid, comm, argv) in DAEMONS {
        m.process(pid, comm, 'S', argv, 5, 100 * 100);
        if let Some(w) = wchan {
            m.file(&format!("proc/{pid}/wchan"), w);
        }
    }
}

/// Two sessions (5100, 5101) and five one-shot commands: old and
/// blocked (5200 in D, 5204 a one-shot bmc-watchdog: stuck), young
/// (5201), running (5202), zombie (5203).
pub fn sessions_and_commands(m: &FakeMachine) {
    m.process(
        5100,
        "ipmitool",
        'S',
        "ipmitool -I lanplus -H h sol activate",
        5,
        100 * 100,
    );
    m.process(5101, "ipmiconsole", 'S', "ipmiconsole -h h", 5, 100 * 100);
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
}

/// Every secret a command line can carry: (comm, argv, what the redacted
/// line shows); the secrets are `Secret01`..`Secret15`.
pub const SECRET_FORMS: [(&str, &str, &str); 15] = [
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

/// The [`SECRET_FORMS`] as stuck processes 6000.. (1000 s old, oldest
/// first in their order), and a daemon (6100) with ipmirs' `--user
/// NAME:PASSWORD[:PRIV]` in both forms (secrets `Secret16`, `Secret:17`).
pub fn secrets(m: &FakeMachine) {
    for (i, (comm, argv, _)) in SECRET_FORMS.iter().enumerate() {
        let pid = 6000 + i as u32;
        m.process(pid, comm, 'S', argv, 5, (9000 + i as u64) * 100);
    }
    m.process(
        6100,
        "ipmirs",
        'S',
        "ipmirs serve --listen 127.0.0.1:46001 --user a:Secret16:ADMINISTRATOR --user=op:Secret:17:operator",
        5,
        100 * 100,
    );
}
