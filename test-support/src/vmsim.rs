//! Test fixture: OpenIPMI's `ipmi_sim` as the external BMC of a QEMU guest
//! (`-device ipmi-bmc-extern`), listening for the VM on a free loopback TCP
//! port (`serial 15 127.0.0.1 PORT codec VM` in its lan.conf; no LAN
//! channel). A small variant of [`crate::ipmisim`] for the VM serial
//! configuration.
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

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::sim_process;

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
        VmSim::start_with(VM_EMU, &[])
    }

    /// The sensor bed ([`crate::ipmisim::IpmiSim::start_sensor_bed`]: 63
    /// SDRs, live sensors, a satellite at 0x30) behind the VM interface.
    pub fn start_sensor_bed() -> VmSim {
        VmSim::start_with(
            crate::ipmisim::SENSOR_BED_EMU,
            &crate::ipmisim::SENSOR_BED_FILES,
        )
    }

    /// Starts the simulator with command file `emu` and persistence files
    /// (`(name, bytes)`, installed where `mc_add ... persist_sdr` reads them).
    pub fn start_with(emu: &str, files: &[(&str, &[u8])]) -> VmSim {
        let mut last = String::new();
        for _attempt in 0..5 {
            let dir = sim_process::state_dir("vmsim");
            let port = free_tcp_port();
            let conf = format!(
                "name \"ipmirs-vm\"\nset_working_mc 0x20\n  serial 15 127.0.0.1 {port} codec VM\n  \
                 user 2 true \"admin\" \"secret\" admin 10 none md2 md5 straight\n"
            );
            fs::write(dir.join("lan.conf"), conf).expect("vmsim: write lan.conf");
            fs::write(dir.join("sim.emu"), emu).expect("vmsim: write sim.emu");
            let persist = dir.join("ipmi_sim").join("ipmirs-vm");
            fs::create_dir_all(&persist).expect("vmsim: create the persistence directory");
            for (name, bytes) in files {
                fs::write(persist.join(name), bytes).expect("vmsim: write a persisted file");
            }
            let child = sim_process::spawn(&dir, "vmsim");
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
        sim_process::read_lossy(&self.dir.join(sim_process::LOG))
    }

    fn signal(&self, sig: libc::c_int) {
        sim_process::signal(&self.child, sig, "vmsim");
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
        sim_process::stop(&mut self.child, &self.dir);
    }
}

fn free_tcp_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("vmsim: bind 127.0.0.1:0");
    l.local_addr().expect("vmsim: local_addr").port()
}
