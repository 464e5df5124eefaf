//! Errors of the `/dev/ipmi0` transport, each telling the person at the
//! keyboard what to do next.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use ipmi_core::{CommandError, CompletionCode, ErrorClass, Failure, NetFn, Request, Target};

/// Which request an error is about: NetFn, command and destination (IPMI 2.0 §5.1, §6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    /// Request NetFn.
    pub netfn: NetFn,
    /// Command number.
    pub cmd: u8,
    /// Destination (the BMC, or a controller reached by bridging).
    pub target: Target,
}

impl RequestInfo {
    /// The summary of `request`.
    pub fn of(request: &Request) -> Self {
        RequestInfo {
            netfn: request.netfn,
            cmd: request.cmd,
            target: request.target,
        }
    }

    /// The specification's name of a few common commands (IPMI 2.0 §20, §28).
    pub fn command_name(&self) -> Option<&'static str> {
        Some(match (self.netfn.0, self.cmd) {
            (0x06, 0x01) => "Get Device ID",
            (0x06, 0x02) => "Cold Reset",
            (0x06, 0x03) => "Warm Reset",
            (0x06, 0x04) => "Get Self Test Results",
            (0x06, 0x08) => "Get Device GUID",
            (0x06, 0x22) => "Reset Watchdog Timer",
            (0x06, 0x24) => "Set Watchdog Timer",
            (0x06, 0x25) => "Get Watchdog Timer",
            (0x06, 0x42) => "Get Channel Info",
            (0x00, 0x01) => "Get Chassis Status",
            (0x00, 0x02) => "Chassis Control",
            (0x0a, 0x10) => "Get FRU Inventory Area Info",
            (0x0a, 0x40) => "Get SEL Info",
            (0x0a, 0x20) => "Get SDR Repository Info",
            _ => return None,
        })
    }
}

impl fmt::Display for RequestInfo {
    /// `Get Device ID (netfn 0x06 cmd 0x01) to the BMC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.command_name() {
            Some(name) => write!(f, "{name} (netfn {} cmd 0x{:02x})", self.netfn, self.cmd)?,
            None => write!(f, "request netfn {} cmd 0x{:02x}", self.netfn, self.cmd)?,
        }
        if self.target.is_bmc() {
            if self.target.lun == 0 {
                f.write_str(" to the BMC")
            } else {
                write!(f, " to the BMC, LUN {}", self.target.lun)
            }
        } else {
            write!(
                f,
                " to IPMB address 0x{:02x} (LUN {}) on channel {}",
                self.target.slave_addr, self.target.lun, self.target.channel
            )
        }
    }
}

/// What the module-loading hint says (kept in one place for every variant that needs it).
const LOAD_HINT: &str = "load the kernel IPMI drivers with `modprobe ipmi_msghandler ipmi_devintf ipmi_si`; \
     if ipmi_si will not load (no BMC found, or the BMC does not answer), reset the BMC out of band: \
     `ipmirs -H BMC lan mc reset cold`";

/// An error of the Linux `/dev/ipmi0` transport (kernel ABI: uapi `linux/ipmi.h`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No IPMI device file exists (the drivers are not loaded, or found no BMC).
    #[error("no IPMI device file (tried {}): {LOAD_HINT}", paths(.tried))]
    NoDevice {
        /// The paths tried, in order.
        tried: Vec<PathBuf>,
    },
    /// The device file exists but no IPMI interface is behind it (ENXIO/ENODEV).
    #[error("{}: the device file exists but no IPMI interface answers behind it ({source}): {LOAD_HINT}", path.display())]
    NoInterface {
        /// The device file.
        path: PathBuf,
        /// The error of open(2) or ioctl(2).
        source: io::Error,
    },
    /// The file is not an IPMI device: the driver's ioctls are unknown to it (ENOTTY).
    #[error("{}: not an IPMI device file (it does not know the IPMI ioctls); use /dev/ipmiN of the ipmi_devintf driver", path.display())]
    NotIpmiDevice {
        /// The file.
        path: PathBuf,
    },
    /// open(2) refused the device file for lack of permission (EACCES/EPERM).
    #[error("{}: permission denied: run as root, or as a member of the group that owns the device file ({group}), which needs read and write access", path.display())]
    PermissionDenied {
        /// The device file.
        path: PathBuf,
        /// Who may open it, e.g. `group root (gid 0), mode 0600`.
        group: String,
    },
    /// Another failure opening the device file.
    #[error("{}: cannot open the IPMI device: {source}", path.display())]
    Open {
        /// The device file.
        path: PathBuf,
        /// The error of open(2).
        source: io::Error,
    },
    /// The deadline passed before the kernel delivered the answer.
    #[error("{request}: no answer within {:.3} s: the kernel IPMI driver did not deliver a response before the deadline \
             (the BMC is not answering, or is busy); the request may still be pending in the driver and its late answer \
             will be ignored; if this persists, reset the BMC out of band: `ipmirs -H BMC lan mc reset cold`",
             waited.as_secs_f64())]
    Timeout {
        /// The request that got no answer.
        request: RequestInfo,
        /// How long the caller waited.
        waited: Duration,
    },
    /// The kernel refused the request as invalid (EINVAL from IPMICTL_SEND_COMMAND_SETTIME).
    #[error("{request}: the kernel IPMI driver refused the request as invalid (EINVAL): {reason}")]
    InvalidRequest {
        /// The request.
        request: RequestInfo,
        /// What is most likely wrong with it.
        reason: &'static str,
    },
    /// The request data is longer than the driver carries (EMSGSIZE, or checked before sending).
    #[error(
        "{request}: {len} data bytes are more than the kernel IPMI driver carries \
             (at most {} for the BMC itself, fewer for bridged requests)",
        crate::devintf::codec::MAX_BMC_REQUEST_DATA
    )]
    TooLong {
        /// The request.
        request: RequestInfo,
        /// Its data length.
        len: usize,
    },
    /// The kernel delivered an answer to our request that cannot be used.
    #[error("{request}: unusable answer from the kernel IPMI driver: {reason}")]
    MalformedReply {
        /// The request it answered.
        request: RequestInfo,
        /// What was wrong.
        reason: String,
    },
    /// Another error of an ioctl or of poll(2) on the device.
    #[error("{}: {op} failed: {source}", path.display())]
    Io {
        /// The device file.
        path: PathBuf,
        /// The operation, e.g. `IPMICTL_RECEIVE_MSG_TRUNC`.
        op: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The response could not be turned into the command's result (a
    /// non-zero completion code, a short response...).
    #[error("{}", command_text(.0))]
    Command(#[from] CommandError),
}

impl Failure for Error {
    fn class(&self) -> ErrorClass {
        match self {
            Error::Timeout { .. } => ErrorClass::Timeout,
            Error::InvalidRequest { .. } | Error::TooLong { .. } | Error::NotIpmiDevice { .. } => {
                ErrorClass::Usage
            }
            Error::MalformedReply { .. } => ErrorClass::Protocol,
            Error::Command(e) => e.class(),
            Error::NoDevice { .. }
            | Error::NoInterface { .. }
            | Error::PermissionDenied { .. }
            | Error::Open { .. }
            | Error::Io { .. } => ErrorClass::Io,
        }
    }
}

fn paths(tried: &[PathBuf]) -> String {
    let v: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    v.join(", ")
}

/// The command layer's message, plus what the Linux driver means by the
/// completion codes it synthesizes itself.
fn command_text(e: &CommandError) -> String {
    let hint = match e {
        CommandError::Completion { code, .. } => completion_hint(*code),
        _ => None,
    };
    match hint {
        Some(h) => format!("{e}; {h}"),
        None => e.to_string(),
    }
}

/// Explanation of the completion codes the Linux message handler or the
/// system interface driver put into responses themselves (kernel
/// `drivers/char/ipmi/ipmi_msghandler.c`; codes per IPMI 2.0 §5.2 table 5-2).
pub fn completion_hint(code: CompletionCode) -> Option<&'static str> {
    match code.0 {
        0xc3 => Some(
            "0xC3 is the timeout code: the kernel IPMI driver reports it when the BMC (or, for a bridged \
             request, the controller behind it) did not answer within the driver's retries; the BMC may be \
             hung: if this persists, reset it out of band (`ipmirs -H BMC lan mc reset cold`)",
        ),
        0xff => Some(
            "the kernel IPMI driver also reports 0xFF when the BMC's answer was malformed or the system \
             interface stopped responding",
        ),
        0xc6 => Some("the kernel IPMI driver reports 0xC6 when the BMC's answer was too long and was cut"),
        0x81..=0x83 => Some(
            "for a bridged request this is the Send Message status: 0x81 lost arbitration, 0x82 bus error, \
             0x83 no controller acknowledged that IPMB address (NAK on write)",
        ),
        _ => None,
    }
}

/// Describes who may open `path`: `group NAME (gid N), mode 0660`.
pub(crate) fn owner_text(path: &std::path::Path) -> String {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(m) => {
            let gid = m.gid();
            let mode = m.mode() & 0o7777;
            match group_name(gid) {
                Some(name) => format!("group {name} (gid {gid}), mode {mode:04o}"),
                None => format!("gid {gid}, mode {mode:04o}"),
            }
        }
        Err(_) => "owner unknown".to_string(),
    }
}

/// The name of group `gid` from /etc/group, when it is listed there.
fn group_name(gid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|line| {
        let mut f = line.split(':');
        let name = f.next()?;
        let _password = f.next()?;
        let id: u32 = f.next()?.parse().ok()?;
        (id == gid).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(netfn: u8, cmd: u8, target: Target) -> RequestInfo {
        RequestInfo {
            netfn: NetFn(netfn),
            cmd,
            target,
        }
    }

    #[test]
    fn messages_are_actionable() {
        let e = Error::NoDevice {
            tried: vec!["/dev/ipmi0".into(), "/dev/ipmi/0".into()],
        };
        let t = e.to_string();
        assert!(t.contains("/dev/ipmi0, /dev/ipmi/0"), "{t}");
        assert!(
            t.contains("modprobe ipmi_msghandler ipmi_devintf ipmi_si"),
            "{t}"
        );
        assert!(t.contains("lan mc reset cold"), "{t}");
        assert_eq!(e.class(), ErrorClass::Io);

        let e = Error::Timeout {
            request: info(6, 1, Target::bmc()),
            waited: Duration::from_millis(1000),
        };
        let t = e.to_string();
        assert!(
            t.starts_with(
                "Get Device ID (netfn 0x06 cmd 0x01) to the BMC: no answer within 1.000 s"
            ),
            "{t}"
        );
        assert_eq!(e.class(), ErrorClass::Timeout);

        let e = Error::PermissionDenied {
            path: "/dev/ipmi0".into(),
            group: "group root (gid 0), mode 0600".into(),
        };
        assert!(e.to_string().contains("run as root"));
        assert_eq!(e.class(), ErrorClass::Io);

        let e = Error::TooLong {
            request: info(6, 1, Target::ipmb(0, 0x40)),
            len: 300,
        };
        assert!(e
            .to_string()
            .contains("to IPMB address 0x40 (LUN 0) on channel 0: 300 data bytes"));
        assert_eq!(e.class(), ErrorClass::Usage);
    }

    #[test]
    fn kernel_completion_codes_are_explained() {
        let e: Error = CommandError::Completion {
            command: "Get Device ID",
            code: CompletionCode(0xc3),
        }
        .into();
        let t = e.to_string();
        assert!(t.contains("completion code 0xc3 (Timeout)"), "{t}");
        assert!(t.contains("kernel IPMI driver reports it"), "{t}");
        assert_eq!(e.class(), ErrorClass::Bmc);
        let e: Error = CommandError::Completion {
            command: "Get Device ID",
            code: CompletionCode(0xc1),
        }
        .into();
        assert!(!e.to_string().contains("kernel"));
    }

    #[test]
    fn request_info_names() {
        assert_eq!(
            info(0, 1, Target::bmc()).to_string(),
            "Get Chassis Status (netfn 0x00 cmd 0x01) to the BMC"
        );
        assert_eq!(
            info(0x2e, 0x99, Target::bmc()).to_string(),
            "request netfn 0x2e cmd 0x99 to the BMC"
        );
    }
}
