//! Test fixture: OpenIPMI's `ipmi_sim` as the external BMC of a QEMU guest
//! (`-device ipmi-bmc-extern`), listening for the VM on a free loopback TCP
//! port (`serial 15 127.0.0.1 PORT codec VM` in its lan.conf; no LAN
//! channel). A small variant of ipmi-lanplus/tests/support/ipmisim.rs for
//! the VM serial configuration.
//!
//! What it emulates (sim.emu below):
//! - the BMC at IPMB 0x20: Get Device ID = device id 0, revision 3,
//!   firmware 9.08, IPMI 2.0, manufacturer 0x1291 (4753), product 0x0f02;
//! - a satellite controller at IPMB 0x40 on channel 0, reached by bridging:
//!   device id 0x55, revision 1, firmware 1.02, product 0x0440.
//!
//! [`VmSim::freeze`] (SIGSTOP) makes it a hung BMC; [`VmSim::thaw`]
//! (SIGCONT) brings it back. Dropping it kills the process and removes its
//! state directory. `IPMIRS_IPMI_SIM` may name the binary.

#![allow(dead_code)]

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The emulator commands: the BMC and one satellite controller.
pub const VM_EMU: &str = "\
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
mc_add 0x40 0x55 no-device-sdrs 0x01 1 2 0x01 0x1291 0x0440
mc_enable 0x40
";

/// A running ipmi_sim waiting for one VM connection.
pub struct VmSim {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl VmSim {
    /// Starts the simulator; panics (with its log) if it does not listen within 5 s.
    pub fn start() -> VmSim {
        let program = std::env::var_os("IPMIRS_IPMI_SIM").unwrap_or_else(|| "ipmi_sim".into());
        let mut last = String::new();
        for _attempt in 0..5 {
            let dir = unique_dir();
            fs::create_dir_all(&dir).expect("vmsim: create state dir");
            let port = free_tcp_port();
            let conf = format!(
                "name \"ipmirs-vm\"\nset_working_mc 0x20\n  serial 15 127.0.0.1 {port} codec VM\n  \
                 user 2 true \"admin\" \"secret\" admin 10 none md2 md5 straight\n"
            );
            fs::write(dir.join("lan.conf"), conf).expect("vmsim: write lan.conf");
            fs::write(dir.join("sim.emu"), VM_EMU).expect("vmsim: write sim.emu");
            let log = fs::File::create(dir.join("ipmi_sim.log")).expect("vmsim: create log");
            let child = Command::new(&program)
                .arg("-c")
                .arg(dir.join("lan.conf"))
                .arg("-f")
                .arg(dir.join("sim.emu"))
                .arg("-s")
                .arg(&dir)
                .arg("-n")
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(Stdio::from(log.try_clone().expect("vmsim: dup log")))
                .stderr(Stdio::from(log))
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "vmsim: cannot start `{}`: {e} (install openipmi: bash scripts/qemu/setup.sh)",
                        program.to_string_lossy()
                    )
                });
            let mut sim = VmSim { child, dir, port };
            match sim.wait_listening() {
                Ok(()) => return sim,
                Err(why) => last = format!("{why}\n--- ipmi_sim.log ---\n{}", sim.log()),
            }
        }
        panic!("vmsim: ipmi_sim did not come up: {last}");
    }

    /// The TCP port QEMU connects to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// SIGSTOP: the BMC hangs (bytes QEMU sends stay in the socket).
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// SIGCONT: the BMC resumes and answers what is queued.
    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    /// What ipmi_sim printed.
    pub fn log(&self) -> String {
        fs::read(self.dir.join("ipmi_sim.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    fn signal(&self, sig: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on the pid of our own, not yet reaped, child.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(
            rc,
            0,
            "vmsim: kill({pid}, {sig}): {}",
            std::io::Error::last_os_error()
        );
    }

    /// Waits until the port is in LISTEN state (read from /proc/net/tcp:
    /// connecting to probe would count as the VM, and ipmi_sim exits when
    /// its VM disconnects).
    fn wait_listening(&mut self) -> Result<(), String> {
        let want = format!("0100007F:{:04X}", self.port);
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("ipmi_sim exited early ({status})"));
            }
            let table = fs::read_to_string("/proc/net/tcp").unwrap_or_default();
            let listening = table.lines().skip(1).any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.len() > 3 && f[1] == want && f[3] == "0A"
            });
            if listening {
                return Ok(());
            }
            if t0.elapsed() > Duration::from_secs(5) {
                return Err(format!("127.0.0.1:{} not listening after 5 s", self.port));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for VmSim {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signal to our own child; an error (already gone) is fine.
        unsafe {
            libc::kill(pid, libc::SIGCONT);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn free_tcp_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("vmsim: bind 127.0.0.1:0");
    l.local_addr().expect("vmsim: local_addr").port()
}

fn unique_dir() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("ipmirs-vmsim-{}-{n}", std::process::id()))
}
