//! Test fixture: a private OpenIPMI `ipmi_sim` BMC on a free loopback UDP port.
//!
//! Every [`IpmiSim`] is a separate `ipmi_sim` process with its own state
//! directory under `std::env::temp_dir()`; dropping it kills the process and
//! removes the directory. Only `std` and `libc` are used.
//!
//! What the simulated BMC looks like (see `DEFAULT_EMU` and the generated
//! `lan.conf`):
//! - Get Device ID: device id 0, revision 3, firmware 9.08, IPMI 2.0,
//!   manufacturer 0x1291 (4753, MontaVista), product 0x0f02, additional
//!   device support 0x9f, no device SDRs.
//! - Users: 2 `admin`/`secret` (admin), 3 `oper`/`operpw` (operator),
//!   4 `user`/`userpw` (user). No anonymous user 1.
//! - Cipher suites 0..=3 and 6 work; 17 is refused at Open Session.
//! - Chassis Control is answered by a small shell hook (`chassis.sh` in the
//!   state dir). By default it accepts every request and the power stays off,
//!   as on the project's reference test bed; call [`IpmiSim::track_power`] to
//!   make power on/off/cycle/soft really change what Get Chassis Status
//!   reports. [`IpmiSim::chassis_requests`] lists what the BMC was asked.
//! - Cold Reset and Warm Reset are not implemented by ipmi_sim (0xC1 for an
//!   ADMINISTRATOR session, 0xD4 for USER/OPERATOR sessions).
//! - The per-user session limit of `lan.conf` is NOT enforced by ipmi_sim
//!   2.0.33; only a global pool of about 63 sessions is, and an abandoned
//!   session is reclaimed after about 30 s of inactivity.
//! - Nor is a user's privilege limit: `user` asking for ADMINISTRATOR gets an
//!   ADMINISTRATOR session. Ask for USER explicitly to see 0xD4.
//! - User names are limited to 15 bytes and passwords to 19 by ipmi_sim.
//!
//! [`IpmiSim::start_sensor_bed`] starts the sensor/SEL/FRU bed instead (same
//! users and lan.conf; see `beds/sensors/README.md`).
//!
//! `IPMIRS_IPMI_SIM` may name the `ipmi_sim` binary (default: from `PATH`).

use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::{program, sim_process};

/// How long a fresh ipmi_sim gets to answer its first ping.
const READY_TIMEOUT: Duration = Duration::from_secs(5);
/// Poll step while waiting for readiness.
const READY_STEP: Duration = Duration::from_millis(20);
/// Attempts with a new port when the chosen one was taken in the meantime.
const PORT_ATTEMPTS: usize = 5;

/// BMC GUID of the LAN channel (same as in the captured vectors).
pub const GUID_HEX: &str = "a123456789abcdefa123456789abcdef";

/// lan.conf's `name`: ipmi_sim keeps its persisted files (SDR repository,
/// SEL, users) in `STATEDIR/ipmi_sim/<name>/`.
const SIM_NAME: &str = "ipmirs-sim";

/// The sensor/SEL/FRU bed: its generator, sources, captures of ipmitool and
/// FreeIPMI against it, and README.md (the record list).
pub const SENSOR_BED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/beds/sensors");

/// The sensor bed's command file: BMC 0x20 and satellite 0x30, sensors with
/// thresholds and values, the satellite's device SDRs, six FRU images.
pub const SENSOR_BED_EMU: &str = include_str!("../beds/sensors/sim.emu");

/// The sensor bed's persisted main SDR repository (63 records) and SEL
/// (500 entries with fixed timestamps), installed by [`IpmiSim::start_sensor_bed`].
pub const SENSOR_BED_FILES: [(&str, &[u8]); 2] = [
    ("sdr.20.main", include_bytes!("../beds/sensors/sdr.20.main")),
    ("sel.20", include_bytes!("../beds/sensors/sel.20")),
];

/// The emulator command file used by [`IpmiSim::start`] and
/// [`IpmiSim::start_with`]: the BMC at 0x20, one event-only sensor, a SEL and
/// a 32-byte FRU 0 whose bytes are 0x00..=0x1f (so Read FRU Data can return
/// responses longer than 16 bytes).
pub const DEFAULT_EMU: &str = "\
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 0 35 0x6f event-only
mc_add_fru_data 0x20 0 0x20 data 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a 0x0b 0x0c 0x0d 0x0e 0x0f 0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f
mc_enable 0x20
";

/// Chassis control hook run by ipmi_sim through popen():
/// `sh chassis.sh STATEDIR get power` / `... set power "1"` and so on.
/// Every call is appended to STATEDIR/chassis.log. Power is kept in
/// STATEDIR/power ("0" or "1"); set requests change it only while
/// STATEDIR/track-power exists.
const CHASSIS_SH: &str = include_str!("chassis.sh");

/// One `user` line of ipmi_sim's lan.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimUser {
    /// User ID, 2..=63 (1 is ipmi_sim's anonymous user and ignores the name).
    pub id: u8,
    /// At most 15 bytes (ipmi_sim limit).
    pub name: String,
    /// At most 19 bytes (ipmi_sim limit).
    pub password: String,
    /// "callback", "user", "operator" or "admin".
    pub privilege: String,
    /// Written to lan.conf, but ipmi_sim 2.0.33 does not enforce it.
    pub max_sessions: u8,
}

impl SimUser {
    pub fn new(id: u8, name: &str, password: &str, privilege: &str, max_sessions: u8) -> SimUser {
        SimUser {
            id,
            name: name.to_string(),
            password: password.to_string(),
            privilege: privilege.to_string(),
            max_sessions,
        }
    }
}

/// What to put into the simulator's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOptions {
    pub users: Vec<SimUser>,
}

impl Default for SimOptions {
    /// User 2 `admin`/`secret` (admin), 3 `oper`/`operpw` (operator),
    /// 4 `user`/`userpw` (user), each with a session limit of 10.
    fn default() -> SimOptions {
        SimOptions {
            users: vec![
                SimUser::new(2, "admin", "secret", "admin", 10),
                SimUser::new(3, "oper", "operpw", "operator", 10),
                SimUser::new(4, "user", "userpw", "user", 10),
            ],
        }
    }
}

/// A running ipmi_sim. Killed, and its state directory removed, on drop.
pub struct IpmiSim {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl IpmiSim {
    /// A simulator with [`SimOptions::default`] and [`DEFAULT_EMU`].
    /// Panics (with the simulator's log) if it is missing or does not come up.
    pub fn start() -> IpmiSim {
        IpmiSim::start_with(SimOptions::default())
    }

    /// A simulator with the given users and [`DEFAULT_EMU`].
    pub fn start_with(opts: SimOptions) -> IpmiSim {
        IpmiSim::start_with_emu(opts, DEFAULT_EMU)
    }

    /// A simulator with the given users and emulator command file contents
    /// (`mc_setbmc`, `mc_add`, ..., `mc_enable`; see `man ipmi_sim_cmd`).
    /// Numbers in `mc_add` are C literals: `343` is decimal, `0x157` hex and
    /// a leading `0` means octal.
    pub fn start_with_emu(opts: SimOptions, emu: &str) -> IpmiSim {
        IpmiSim::start_with_persisted(opts, emu, &[])
    }

    /// The sensor/SEL/FRU bed of [`SENSOR_BED_DIR`] with [`SimOptions::default`]:
    /// 63 SDRs (sensors in every threshold state, discrete, signed,
    /// non-linear, unreadable, scanning disabled, a satellite at 0x30 read by
    /// bridging, locators, OEM), 500 SEL entries, FRU 0-3 of 0x20 and 0-1 of 0x30.
    pub fn start_sensor_bed() -> IpmiSim {
        IpmiSim::start_sensor_bed_with(SimOptions::default())
    }

    /// [`start_sensor_bed`](Self::start_sensor_bed) with the given users.
    pub fn start_sensor_bed_with(opts: SimOptions) -> IpmiSim {
        IpmiSim::start_with_persisted(opts, SENSOR_BED_EMU, &SENSOR_BED_FILES)
    }

    /// Like [`start_with_emu`](Self::start_with_emu), with ipmi_sim
    /// persistence files (`(name, bytes)`, e.g. `("sdr.20.main", ...)` for
    /// the main SDR repository of 0x20, `("sel.20", ...)` for its SEL)
    /// installed in the fresh state directory before the start. ipmi_sim
    /// reads them when the command file says `mc_add ... persist_sdr` and
    /// `sel_enable`.
    pub fn start_with_persisted(opts: SimOptions, emu: &str, files: &[(&str, &[u8])]) -> IpmiSim {
        validate(&opts);
        let mut last_log = String::new();
        for attempt in 1..=PORT_ATTEMPTS {
            let dir = sim_process::state_dir("sim");
            let port = free_udp_port();
            write_file(&dir.join("chassis.sh"), CHASSIS_SH);
            write_file(&dir.join("power"), "0\n");
            write_file(&dir.join("lan.conf"), &lan_conf(&opts, port, &dir));
            write_file(&dir.join("sim.emu"), emu);
            install_persisted(&dir, files);
            let log_path = dir.join(sim_process::LOG);
            let child = sim_process::spawn(&dir, "ipmisim");
            let mut sim = IpmiSim { child, dir, port };
            match sim.wait_ready() {
                Ok(()) => return sim,
                Err(why) => {
                    last_log = format!("{why}\n--- {} ---\n{}", log_path.display(), sim.log());
                    let port_taken = last_log.contains("Address already in use");
                    drop(sim);
                    if port_taken && attempt < PORT_ATTEMPTS {
                        continue;
                    }
                    break;
                }
            }
        }
        panic!("ipmisim: ipmi_sim did not come up: {last_log}");
    }

    /// The UDP port the simulator listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    /// Runs `ipmitool -I lanplus -H 127.0.0.1 -p PORT -U admin -P secret -C 3
    /// ARGS...` against this simulator (user 2 of [`SimOptions::default`]),
    /// killed after `limit`.
    pub fn ipmitool(&self, args: &[&str], limit: Duration) -> program::Run {
        let port = self.port.to_string();
        let mut all = vec!["-I", "lanplus", "-H", "127.0.0.1", "-p", &port];
        all.extend_from_slice(&["-U", "admin", "-P", "secret", "-C", "3"]);
        all.extend_from_slice(args);
        program::run("ipmitool", &all, limit)
    }

    /// Process id of the ipmi_sim child.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGSTOP: the BMC stops answering (a hung BMC). Datagrams sent while
    /// frozen stay queued in the socket and are answered after [`thaw`](Self::thaw).
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// SIGCONT: undo [`freeze`](Self::freeze).
    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    /// The simulator's state directory (lan.conf, sim.emu, ipmi_sim.log,
    /// chassis.log, power, and ipmi_sim's persisted data).
    pub fn state_dir(&self) -> &Path {
        &self.dir
    }

    /// Everything ipmi_sim printed so far.
    pub fn log(&self) -> String {
        sim_process::read_lossy(&self.dir.join(sim_process::LOG))
    }

    /// With `true`, Chassis Control really switches the simulated power
    /// (up/down/cycle/soft; a cycle comes back on about 1 s after the off);
    /// with `false` (the default) requests are accepted and nothing changes.
    pub fn track_power(&self, on: bool) {
        let flag = self.dir.join("track-power");
        if on {
            write_file(&flag, "1\n");
        } else if let Err(e) = fs::remove_file(&flag) {
            assert!(
                e.kind() == ErrorKind::NotFound,
                "ipmisim: remove {}: {e}",
                flag.display()
            );
        }
    }

    /// Set the power state Get Chassis Status reports, whatever the tracking mode.
    pub fn set_power(&self, on: bool) {
        write_file(&self.dir.join("power"), if on { "1\n" } else { "0\n" });
    }

    /// The power state Get Chassis Status reports.
    pub fn is_powered_on(&self) -> bool {
        sim_process::read_lossy(&self.dir.join("power")).trim() == "1"
    }

    /// The chassis changes the BMC was asked for, in order, as the hook saw
    /// them: e.g. `set power "1"` arrives as `"power 1"`, a hard reset as
    /// `"reset 1"`, a soft shutdown as `"shutdown 1"`. Power reads are left out.
    /// A power cycle shows up as `"power 0"`, then, about 1 s later and on
    /// ipmi_sim's own initiative, `"power 1"`.
    pub fn chassis_requests(&self) -> Vec<String> {
        sim_process::read_lossy(&self.dir.join("chassis.log"))
            .lines()
            .filter_map(|l| l.strip_prefix("set "))
            .map(str::to_string)
            .collect()
    }

    fn signal(&self, sig: libc::c_int) {
        sim_process::signal(&self.child, sig, "ipmisim");
    }

    /// Poll with an RMCP/ASF presence ping until the simulator answers.
    fn wait_ready(&mut self) -> Result<(), String> {
        let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("bind probe socket: {e}"))?;
        sock.set_read_timeout(Some(READY_STEP))
            .map_err(|e| format!("probe socket: {e}"))?;
        let t0 = Instant::now();
        let mut tag: u8 = 0;
        let mut buf = [0u8; 512];
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| format!("wait: {e}"))? {
                return Err(format!("ipmi_sim exited early ({status})"));
            }
            if t0.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "no answer to RMCP ping on {} within {READY_TIMEOUT:?}",
                    self.addr()
                ));
            }
            tag = tag.wrapping_add(1) % 0xff;
            let ping = [
                0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, tag, 0x00, 0x00,
            ];
            // ECONNREFUSED (nobody bound yet) shows up on send or recv: just retry.
            let _ = sock.send_to(&ping, self.addr());
            let step_end = Instant::now() + READY_STEP;
            while Instant::now() < step_end {
                match sock.recv_from(&mut buf) {
                    Ok((n, from))
                        if from == self.addr()
                            && n >= 12
                            && buf[..4] == [0x06, 0x00, 0xff, 0x06] =>
                    {
                        return Ok(());
                    }
                    Ok(_) => continue,
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        break
                    }
                    Err(_) => {
                        std::thread::sleep(step_end.saturating_duration_since(Instant::now()));
                        break;
                    }
                }
            }
        }
    }
}

impl Drop for IpmiSim {
    fn drop(&mut self) {
        sim_process::stop(&mut self.child, &self.dir);
    }
}

fn validate(opts: &SimOptions) {
    assert!(
        !opts.users.is_empty(),
        "ipmisim: at least one user is needed"
    );
    for u in &opts.users {
        assert!(
            (1..=63).contains(&u.id),
            "ipmisim: user id {} out of 1..=63",
            u.id
        );
        assert!(
            matches!(
                u.privilege.as_str(),
                "callback" | "user" | "operator" | "admin"
            ),
            "ipmisim: privilege {:?} of user {} is not callback|user|operator|admin",
            u.privilege,
            u.id
        );
        // ipmi_sim keeps both as C strings in 16- and 20-byte buffers: a
        // 16-byte name or a 20-byte password never authenticates.
        for (what, s, max) in [("name", &u.name, 15), ("password", &u.password, 19)] {
            assert!(
                s.len() <= max,
                "ipmisim: {what} {s:?} longer than ipmi_sim's {max} bytes"
            );
            assert!(
                !s.chars().any(|c| c == '"' || c == '\\' || c.is_control()),
                "ipmisim: {what} {s:?} cannot be written to lan.conf"
            );
        }
    }
}

fn lan_conf(opts: &SimOptions, port: u16, dir: &Path) -> String {
    let dir = dir.to_str().expect("ipmisim: temp dir is not UTF-8");
    assert!(
        !dir.contains(['"', ' ', '\'']),
        "ipmisim: temp dir {dir:?} must not contain quotes or spaces"
    );
    let mut c = String::new();
    let _ = writeln!(c, "name \"{SIM_NAME}\"");
    c.push_str("set_working_mc 0x20\n");
    c.push_str("  startlan 1\n");
    let _ = writeln!(c, "    addr 127.0.0.1 {port}");
    c.push_str("    priv_limit admin\n");
    for level in ["callback", "user", "operator", "admin"] {
        let _ = writeln!(c, "    allowed_auths_{level} none md2 md5 straight");
    }
    let _ = writeln!(c, "    guid {GUID_HEX}");
    c.push_str("  endlan\n");
    let _ = writeln!(c, "  chassis_control \"/bin/sh {dir}/chassis.sh {dir}\"");
    for u in &opts.users {
        let _ = writeln!(
            c,
            "  user {} true \"{}\" \"{}\" {} {} none md2 md5 straight",
            u.id, u.name, u.password, u.privilege, u.max_sessions
        );
    }
    c
}

fn free_udp_port() -> u16 {
    let s = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("ipmisim: bind 127.0.0.1:0");
    s.local_addr().expect("ipmisim: local_addr").port()
}

/// Writes persistence files where ipmi_sim looks for them: STATEDIR/ipmi_sim/<name>/.
fn install_persisted(dir: &Path, files: &[(&str, &[u8])]) {
    let persist = dir.join("ipmi_sim").join(SIM_NAME);
    fs::create_dir_all(&persist)
        .unwrap_or_else(|e| panic!("ipmisim: cannot create {}: {e}", persist.display()));
    for (name, bytes) in files {
        let path = persist.join(name);
        fs::write(&path, bytes)
            .unwrap_or_else(|e| panic!("ipmisim: cannot write {}: {e}", path.display()));
    }
}

fn write_file(path: &Path, text: &str) {
    fs::write(path, text)
        .unwrap_or_else(|e| panic!("ipmisim: cannot write {}: {e}", path.display()));
}
