//! The `ipmi_sim` process shared by [`crate::ipmisim`] and [`crate::vmsim`]:
//! a fresh state directory, the spawn (lan.conf and sim.emu from that
//! directory, output to its ipmi_sim.log), signals, and the cleanup.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The log file ipmi_sim writes in its state directory.
pub(crate) const LOG: &str = "ipmi_sim.log";

/// Creates a new, unique state directory `ipmirs-<prefix>-...` under the temp dir.
pub(crate) fn state_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "ipmirs-{prefix}-{}-{n}-{nanos}",
        std::process::id()
    ));
    fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("{prefix}: cannot create {}: {e}", dir.display()));
    dir
}

/// Starts `ipmi_sim -c dir/lan.conf -f dir/sim.emu -s dir -n` (the binary
/// named by `IPMIRS_IPMI_SIM`, default from `PATH`) with its output in
/// dir/ipmi_sim.log. Panics with an install hint if it cannot start (the
/// directory is removed first).
pub(crate) fn spawn(dir: &Path, who: &str) -> Child {
    let program = std::env::var_os("IPMIRS_IPMI_SIM").unwrap_or_else(|| "ipmi_sim".into());
    let log_path = dir.join(LOG);
    let log = fs::File::create(&log_path)
        .unwrap_or_else(|e| panic!("{who}: cannot create {}: {e}", log_path.display()));
    let log2 = log.try_clone().expect("dup log file");
    let spawned = Command::new(&program)
        .arg("-c")
        .arg(dir.join("lan.conf"))
        .arg("-f")
        .arg(dir.join("sim.emu"))
        .arg("-s")
        .arg(dir)
        .arg("-n")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log2))
        .spawn();
    spawned.unwrap_or_else(|e| {
        let _ = fs::remove_dir_all(dir);
        if e.kind() == ErrorKind::NotFound {
            panic!(
                "{who}: `{}` not found: install the `openipmi` package \
                 (bash scripts/setup.sh) or set IPMIRS_IPMI_SIM",
                program.to_string_lossy()
            );
        }
        panic!("{who}: cannot start `{}`: {e}", program.to_string_lossy());
    })
}

/// Sends `sig` to the (not yet reaped) child; panics if kill(2) fails.
pub(crate) fn signal(child: &Child, sig: libc::c_int, who: &str) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(pid, sig) };
    assert!(
        rc == 0,
        "{who}: kill({pid}, {sig}) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// Kills the child (thawing it first, in case it is frozen), reaps it and
/// removes its state directory.
pub(crate) fn stop(child: &mut Child, dir: &Path) {
    // SAFETY: signal to our own child; an error (already gone) is fine.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGCONT);
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = fs::remove_dir_all(dir);
}

/// A file's contents as text, empty if it cannot be read.
pub(crate) fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
