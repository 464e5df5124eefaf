//! The device file and its system calls: open(2) through `std`, and the
//! calls that need `unsafe` — the send and receive ioctls, poll(2) and the
//! registration of the descriptor with tokio's reactor — each with its
//! safety argument. Everything around them is in `codec` and `exchange`
//! and is pure.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipmi_core::Request;

use super::abi::{
    IpmiAddr, IpmiMsg, IpmiRecv, IpmiReq, IpmiReqSettime, IPMICTL_RECEIVE_MSG_TRUNC,
    IPMICTL_SEND_COMMAND_SETTIME, IPMI_MAX_MSG_LENGTH,
};
use super::codec::{einval_reason, Address, KernelTiming, Received};
use super::error::{owner_text, Error, RequestInfo};

/// The device files ipmitool's `open` interface tries for interface `n`,
/// in its order: `/dev/ipmiN`, `/dev/ipmi/N`, `/dev/ipmidev/N`.
pub fn device_candidates(n: u32) -> [PathBuf; 3] {
    [
        PathBuf::from(format!("/dev/ipmi{n}")),
        PathBuf::from(format!("/dev/ipmi/{n}")),
        PathBuf::from(format!("/dev/ipmidev/{n}")),
    ]
}

/// An open IPMI device file (`ipmi_devintf`): one kernel "user" with its
/// own queue of received messages. Responses come back only to the
/// descriptor that sent the request (kernel `drivers/char/ipmi/ipmi_devintf.c`).
#[derive(Debug)]
pub struct Device {
    file: File,
    path: PathBuf,
}

impl Device {
    /// Opens interface `n` at the first of [`device_candidates`] that exists.
    pub fn open_number(n: u32) -> Result<Device, Error> {
        let mut tried = Vec::new();
        for path in device_candidates(n) {
            match Self::open_path(&path) {
                Ok(d) => return Ok(d),
                Err(Error::NoDevice { .. }) => tried.push(path),
                Err(e) => return Err(e),
            }
        }
        Err(Error::NoDevice { tried })
    }

    /// Opens the device file at `path` for reading and writing.
    pub fn open_path(path: impl AsRef<Path>) -> Result<Device, Error> {
        let path = path.as_ref().to_path_buf();
        match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => Ok(Device { file, path }),
            Err(source) => Err(open_error(path, source)),
        }
    }

    /// The device file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues `request` in the kernel with `IPMICTL_SEND_COMMAND_SETTIME`
    /// under `msgid`; the response is later taken with [`Device::receive`].
    pub fn send(&self, request: &Request, msgid: i64, timing: KernelTiming) -> Result<(), Error> {
        let info = RequestInfo::of(request);
        let len = u16::try_from(request.data.len())
            .ok()
            .filter(|&l| usize::from(l) <= IPMI_MAX_MSG_LENGTH)
            .ok_or(Error::TooLong {
                request: info,
                len: request.data.len(),
            })?;
        let mut addr = Address::for_target(request.target).to_bytes();
        let mut req = IpmiReqSettime {
            req: IpmiReq {
                addr: addr.as_mut_ptr(),
                addr_len: addr.len() as u32,
                msgid,
                msg: IpmiMsg {
                    netfn: request.netfn.0,
                    cmd: request.cmd,
                    data_len: len,
                    // The kernel only reads through this pointer.
                    data: request.data.as_ptr() as *mut u8,
                },
            },
            retries: timing.retries,
            retry_time_ms: timing.retry_time_ms,
        };
        loop {
            // SAFETY: `req` is a live, properly laid out `struct
            // ipmi_req_settime` (sizes and offsets asserted in `abi`). Its
            // `addr` points at the 8 bytes of `addr` and `msg.data` at the
            // `len` bytes of `request.data`; both outlive this call, and the
            // kernel only copies from them (copy_from_user) during the ioctl
            // and keeps no pointer afterwards.
            let rc = unsafe {
                libc::ioctl(
                    self.file.as_raw_fd(),
                    IPMICTL_SEND_COMMAND_SETTIME as libc::Ioctl,
                    &mut req as *mut IpmiReqSettime,
                )
            };
            if rc >= 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            return Err(match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EINVAL) => Error::InvalidRequest {
                    request: info,
                    reason: einval_reason(request),
                },
                Some(libc::EMSGSIZE) => Error::TooLong {
                    request: info,
                    len: request.data.len(),
                },
                Some(libc::ENXIO) | Some(libc::ENODEV) => Error::NoInterface {
                    path: self.path.clone(),
                    source: err,
                },
                Some(libc::ENOTTY) => Error::NotIpmiDevice {
                    path: self.path.clone(),
                },
                _ => Error::Io {
                    path: self.path.clone(),
                    op: "IPMICTL_SEND_COMMAND_SETTIME",
                    source: err,
                },
            });
        }
    }

    /// Takes the next message off this descriptor's queue with
    /// `IPMICTL_RECEIVE_MSG_TRUNC`; `None` when the queue is empty (EAGAIN).
    /// An EMSGSIZE return still carries a (truncated, consumed) message.
    pub fn receive(&self) -> Result<Option<Received>, Error> {
        let mut addr = [0u8; std::mem::size_of::<IpmiAddr>()];
        let mut data = [0u8; IPMI_MAX_MSG_LENGTH];
        let mut recv = IpmiRecv {
            recv_type: 0,
            addr: addr.as_mut_ptr(),
            addr_len: addr.len() as u32,
            msgid: 0,
            msg: IpmiMsg {
                netfn: 0,
                cmd: 0,
                data_len: data.len() as u16,
                data: data.as_mut_ptr(),
            },
        };
        loop {
            // SAFETY: `recv` is a live, properly laid out `struct ipmi_recv`
            // (asserted in `abi`) that the kernel reads and writes back
            // (`_IOWR`). Its `addr` points at `addr`, whose 40 bytes are
            // `addr_len`, and `msg.data` at `data`, whose 272 bytes are
            // `msg.data_len`; the kernel writes at most those many bytes
            // through them (it truncates data to `msg.data_len` for the
            // _TRUNC variant and refuses addresses longer than `addr_len`),
            // and keeps no pointer after the call.
            let rc = unsafe {
                libc::ioctl(
                    self.file.as_raw_fd(),
                    IPMICTL_RECEIVE_MSG_TRUNC as libc::Ioctl,
                    &mut recv as *mut IpmiRecv,
                )
            };
            let emsgsize = if rc >= 0 {
                false
            } else {
                let err = io::Error::last_os_error();
                match err.raw_os_error() {
                    Some(libc::EINTR) => continue,
                    Some(libc::EAGAIN) => return Ok(None),
                    Some(libc::EMSGSIZE) => true,
                    Some(libc::ENOTTY) => {
                        return Err(Error::NotIpmiDevice {
                            path: self.path.clone(),
                        })
                    }
                    _ => {
                        return Err(Error::Io {
                            path: self.path.clone(),
                            op: "IPMICTL_RECEIVE_MSG_TRUNC",
                            source: err,
                        })
                    }
                }
            };
            return Ok(Some(Received::decode(&recv, &addr, &data, emsgsize)));
        }
    }

    /// Waits with poll(2) until a message is queued or `timeout` passes
    /// (rounded up to whole milliseconds). `Ok(false)` on timeout and on a
    /// signal (EINTR): the caller re-reads the clock and decides.
    pub fn wait_readable(&self, timeout: Duration) -> Result<bool, Error> {
        let ms = timeout.as_micros().div_ceil(1000);
        let ms = libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX);
        let mut pfd = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `pfd` is one valid `struct pollfd` for an open descriptor
        // we own, and we pass a count of 1; poll(2) writes only `revents`.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                return Ok(false);
            }
            return Err(Error::Io {
                path: self.path.clone(),
                op: "poll",
                source: err,
            });
        }
        if rc == 0 {
            return Ok(false);
        }
        if pfd.revents & libc::POLLIN != 0 {
            return Ok(true);
        }
        // POLLERR / POLLHUP / POLLNVAL without data: the interface is gone.
        Err(Error::Io {
            path: self.path.clone(),
            op: "poll",
            source: io::Error::other(format!(
                "the device reported poll events {:#x} (interface removed?)",
                pfd.revents
            )),
        })
    }
}

impl AsRawFd for Device {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

impl AsFd for Device {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// Turns an open(2) failure into the error a person can act on.
fn open_error(path: PathBuf, source: io::Error) -> Error {
    if source.kind() == io::ErrorKind::NotFound {
        return Error::NoDevice { tried: vec![path] };
    }
    match source.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => {
            let group = owner_text(&path);
            Error::PermissionDenied { path, group }
        }
        Some(libc::ENXIO) | Some(libc::ENODEV) => Error::NoInterface { path, source },
        _ => Error::Open { path, source },
    }
}

/// Registers `device` for read readiness with the current tokio runtime's reactor.
#[cfg(feature = "tokio")]
pub(crate) fn register_readable(device: Device) -> io::Result<tokio::io::unix::AsyncFd<Device>> {
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;
    // SAFETY: `Device` owns its `File` privately and never closes or
    // replaces it, so `as_raw_fd()` returns the same open descriptor for
    // as long as the `AsyncFd` owns the `Device`.
    unsafe { AsyncFd::register_with_interest(device, Interest::READABLE) }
        .map_err(|e| e.into_parts().1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_follow_ipmitool() {
        let c = device_candidates(0);
        assert_eq!(c[0], Path::new("/dev/ipmi0"));
        assert_eq!(c[1], Path::new("/dev/ipmi/0"));
        assert_eq!(c[2], Path::new("/dev/ipmidev/0"));
        assert_eq!(device_candidates(3)[0], Path::new("/dev/ipmi3"));
    }

    #[test]
    fn missing_files_say_what_to_load() {
        let e = Device::open_path("/nonexistent/ipmirs-test/ipmi0").unwrap_err();
        assert!(matches!(e, Error::NoDevice { .. }), "{e:?}");
        assert!(e.to_string().contains("modprobe"));
        // A number nobody has: all three candidates are listed.
        match Device::open_number(4_000_000_000).unwrap_err() {
            Error::NoDevice { tried } => assert_eq!(tried.len(), 3),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn open_errors_map_to_actionable_variants() {
        let e = open_error(
            "/dev/ipmi0".into(),
            io::Error::from_raw_os_error(libc::EACCES),
        );
        assert!(matches!(e, Error::PermissionDenied { .. }));
        let e = open_error(
            "/dev/ipmi0".into(),
            io::Error::from_raw_os_error(libc::ENXIO),
        );
        assert!(matches!(e, Error::NoInterface { .. }));
        assert!(e.to_string().contains("modprobe"));
        let e = open_error("/dev/ipmi0".into(), io::Error::from_raw_os_error(libc::EIO));
        assert!(matches!(e, Error::Open { .. }));
    }

    #[test]
    fn ioctls_on_a_non_ipmi_file_fail_cleanly() {
        // /dev/null accepts open but not the IPMI ioctls (ENOTTY): the
        // error must come back as a value, never a crash.
        let d = Device::open_path("/dev/null").unwrap();
        assert!(matches!(d.receive(), Err(Error::NotIpmiDevice { .. })));
        let r = Request {
            target: ipmi_core::Target::bmc(),
            netfn: ipmi_core::NetFn::APP,
            cmd: 1,
            data: vec![],
        };
        let t = KernelTiming {
            retries: 0,
            retry_time_ms: 1000,
        };
        let e = d.send(&r, 1, t).unwrap_err();
        assert!(matches!(e, Error::NotIpmiDevice { .. }), "{e:?}");
        assert!(e.to_string().contains("not an IPMI device"));
    }
}
