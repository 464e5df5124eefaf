//! Step 4: the kernel driver out of the way. Which modules to unload
//! (`ipmi_devintf`, `ipmi_si`, `acpi_ipmi`, users first), who holds
//! `/dev/ipmi0` open (from `/proc/*/fd`), and why an unload failed.

use crate::diagnose::procfs::parse_stat;
use crate::diagnose::{redact, Module, System};

/// The modules unloaded to take the kernel off the KCS interface: the
/// device interface, the system interface driver (whose `kipmi0` thread
/// spins) and ACPI's IPMI operation region handler. `ipmi_msghandler`
/// stays (it owns no hardware).
pub const DRIVER_MODULES: &[&str] = &["ipmi_devintf", "ipmi_si", "acpi_ipmi"];

/// Why a module did not unload.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum UnloadError {
    /// Someone uses it (EBUSY/EAGAIN: an open device, a dependent module).
    #[error("{0} is in use")]
    InUse(String),
    /// Not allowed (EPERM: not root, or module unloading disabled).
    #[error("not allowed to unload {0}: run as root")]
    NotPermitted(String),
    /// Not loaded (ENOENT).
    #[error("{0} is not loaded")]
    NotLoaded(String),
    /// The kernel did not finish unloading it within the deadline.
    #[error("{0}: the kernel did not finish unloading it within {1:.1} s")]
    Timeout(String, f64),
    /// Anything else.
    #[error("{0}: {1}")]
    Other(String, String),
}

/// The loaded (not built-in) modules of [`DRIVER_MODULES`], each after
/// every one of them that uses it (`/proc/modules`' "used by").
pub fn unload_order(modules: &[Module]) -> Vec<String> {
    let mut left: Vec<&Module> = DRIVER_MODULES
        .iter()
        .filter_map(|name| modules.iter().find(|m| m.name == *name))
        .filter(|m| m.state != "built-in")
        .collect();
    let mut order = Vec::new();
    while !left.is_empty() {
        // A module whose users among `left` are all gone goes next.
        let i = left
            .iter()
            .position(|m| {
                !m.used_by
                    .iter()
                    .any(|u| left.iter().any(|o| &o.name == u && o.name != m.name))
            })
            .unwrap_or(0);
        order.push(left.remove(i).name.clone());
    }
    order
}

/// A process holding a device file open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Its pid.
    pub pid: u32,
    /// Its command line, redacted (or its comm).
    pub command: String,
}

/// The processes with `device` open, from the links in `/proc/PID/fd`.
pub fn device_holders(sys: &dyn System, device: &str) -> Vec<Holder> {
    let mut holders = Vec::new();
    let Ok(mut pids) = sys.list("/proc") else {
        return holders;
    };
    pids.sort_by_key(|p| p.parse::<u32>().unwrap_or(u32::MAX));
    for name in pids {
        let Ok(pid) = name.parse::<u32>() else {
            continue;
        };
        let Ok(fds) = sys.list(&format!("/proc/{pid}/fd")) else {
            continue;
        };
        let holds = fds.iter().any(|fd| {
            sys.read_link(&format!("/proc/{pid}/fd/{fd}"))
                .is_ok_and(|target| target.as_os_str() == device)
        });
        if !holds {
            continue;
        }
        let argv = sys
            .read(&format!("/proc/{pid}/cmdline"))
            .map(|b| crate::diagnose::procfs::parse_cmdline(&b))
            .unwrap_or_default();
        let command = if argv.is_empty() {
            sys.read_text(&format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|t| parse_stat(&t))
                .map(|s| s.comm)
                .unwrap_or_default()
        } else {
            redact(&argv).join(" ")
        };
        holders.push(Holder { pid, command });
    }
    holders
}
