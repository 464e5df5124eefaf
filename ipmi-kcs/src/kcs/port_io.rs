//! The port backends (the only `unsafe` code of the KCS part): direct I/O
//! port access with `ioperm(2)` and the `in`/`out` instructions on x86_64
//! Linux, and `/dev/port` (kernel `drivers/char/mem.c`: the file offset is
//! the port number) everywhere on Linux.
//!
//! Both need root (CAP_SYS_RAWIO). Neither may be used while the kernel's
//! `ipmi_si` driver owns the ports: see [`super::client::port_owner`].
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io;
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::ports::{KcsAddress, KcsPorts};

/// Direct port I/O: `ioperm(2)` grants this thread the two ports, then
/// `in al, dx` / `out dx, al` reach them without a system call.
///
/// The permission belongs to the thread that called `ioperm` (kernel
/// `arch/x86/kernel/ioport.c`), so the value is neither `Send` nor `Sync`.
/// On other architectures or systems [`IoPorts::open`] fails with
/// [`io::ErrorKind::Unsupported`].
#[derive(Debug)]
pub struct IoPorts {
    address: KcsAddress,
    /// Not Send/Sync: the I/O permission bitmap is per thread.
    _thread_bound: PhantomData<*const ()>,
}

impl IoPorts {
    /// Asks the kernel for the ports of `address` (`ioperm(base, spacing+1, 1)`).
    pub fn open(address: KcsAddress) -> io::Result<IoPorts> {
        imp::grant(address, true)?;
        Ok(IoPorts {
            address,
            _thread_bound: PhantomData,
        })
    }

    /// The address in use.
    pub fn address(&self) -> KcsAddress {
        self.address
    }
}

impl Drop for IoPorts {
    fn drop(&mut self) {
        let _ = imp::grant(self.address, false);
    }
}

impl KcsPorts for IoPorts {
    fn read_status(&mut self) -> io::Result<u8> {
        Ok(imp::inb(self, self.address.status_port()))
    }
    fn read_data(&mut self) -> io::Result<u8> {
        Ok(imp::inb(self, self.address.data_port()))
    }
    fn write_command(&mut self, value: u8) -> io::Result<()> {
        imp::outb(self, self.address.status_port(), value);
        Ok(())
    }
    fn write_data(&mut self, value: u8) -> io::Result<()> {
        imp::outb(self, self.address.data_port(), value);
        Ok(())
    }
    fn describe(&self) -> String {
        format!("I/O ports {} (ioperm)", self.address)
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod imp {
    use super::{IoPorts, KcsAddress};
    use std::io;

    pub(super) fn grant(address: KcsAddress, on: bool) -> io::Result<()> {
        let from = address.base.min(address.status_port());
        let num = u32::from(address.spacing) + 1;
        // SAFETY: ioperm only changes this thread's I/O permission bitmap;
        // it takes plain integers and touches no memory of ours.
        let rc = unsafe {
            libc::ioperm(
                libc::c_ulong::from(from),
                libc::c_ulong::from(num),
                libc::c_int::from(on),
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// `in al, dx` on a port this thread holds (the `&IoPorts` proves `ioperm` succeeded).
    pub(super) fn inb(ports: &IoPorts, port: u16) -> u8 {
        debug_assert!(port == ports.address.data_port() || port == ports.address.status_port());
        let value: u8;
        // SAFETY: an IoPorts exists only after ioperm granted this thread
        // both ports, and it cannot leave the thread (it is !Send), so the
        // instruction cannot fault; `in` reads a device register and
        // touches no memory, stack or flags.
        unsafe {
            core::arch::asm!("in al, dx", out("al") value, in("dx") port,
                options(nomem, nostack, preserves_flags));
        }
        value
    }

    /// `out dx, al` on a port this thread holds.
    pub(super) fn outb(ports: &IoPorts, port: u16, value: u8) {
        debug_assert!(port == ports.address.data_port() || port == ports.address.status_port());
        // SAFETY: as for `inb`; `out` writes a device register and touches
        // no memory of this process.
        unsafe {
            core::arch::asm!("out dx, al", in("dx") port, in("al") value,
                options(nomem, nostack, preserves_flags));
        }
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
mod imp {
    use super::{IoPorts, KcsAddress};
    use std::io;

    pub(super) fn grant(_address: KcsAddress, _on: bool) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "direct I/O port access (ioperm, in/out) exists only on x86_64 Linux; use /dev/port",
        ))
    }
    pub(super) fn inb(_ports: &IoPorts, _port: u16) -> u8 {
        0xff
    }
    pub(super) fn outb(_ports: &IoPorts, _port: u16, _value: u8) {}
}

/// Port access through `/dev/port`: one `pread`/`pwrite` of one byte at
/// the port's offset per access (kernel `drivers/char/mem.c`).
#[derive(Debug)]
pub struct DevPort {
    file: File,
    path: PathBuf,
    address: KcsAddress,
}

impl DevPort {
    /// The kernel's port device.
    pub const PATH: &'static str = "/dev/port";

    /// Opens `/dev/port` read-write for `address`.
    pub fn open(address: KcsAddress) -> io::Result<DevPort> {
        Self::open_path(Self::PATH, address)
    }

    /// Opens another file standing for `/dev/port` (tests use a plain file).
    pub fn open_path(path: impl AsRef<Path>, address: KcsAddress) -> io::Result<DevPort> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new().read(true).write(true).open(&path)?;
        Ok(DevPort {
            file,
            path,
            address,
        })
    }

    fn read(&self, port: u16) -> io::Result<u8> {
        let mut b = [0u8];
        match self.file.read_at(&mut b, u64::from(port))? {
            1 => Ok(b[0]),
            _ => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: no byte at port 0x{port:x}", self.path.display()),
            )),
        }
    }

    fn write(&self, port: u16, value: u8) -> io::Result<()> {
        match self.file.write_at(&[value], u64::from(port))? {
            1 => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("{}: port 0x{port:x} took no byte", self.path.display()),
            )),
        }
    }
}

impl KcsPorts for DevPort {
    fn read_status(&mut self) -> io::Result<u8> {
        self.read(self.address.status_port())
    }
    fn read_data(&mut self) -> io::Result<u8> {
        self.read(self.address.data_port())
    }
    fn write_command(&mut self, value: u8) -> io::Result<()> {
        self.write(self.address.status_port(), value)
    }
    fn write_data(&mut self, value: u8) -> io::Result<()> {
        self.write(self.address.data_port(), value)
    }
    fn describe(&self) -> String {
        format!("I/O ports {} ({})", self.address, self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_port_offsets_are_ports() {
        let dir = std::env::temp_dir().join(format!("ipmirs-devport-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("port");
        let mut image = vec![0u8; 0xd00];
        image[0xca3] = 0x40;
        image[0xca2] = 0x1c;
        std::fs::write(&path, &image).unwrap();
        let mut p = DevPort::open_path(&path, KcsAddress::STANDARD).unwrap();
        assert_eq!(p.read_status().unwrap(), 0x40);
        assert_eq!(p.read_data().unwrap(), 0x1c);
        p.write_command(0x61).unwrap();
        p.write_data(0x18).unwrap();
        let after = std::fs::read(&path).unwrap();
        assert_eq!((after[0xca3], after[0xca2]), (0x61, 0x18));
        assert!(p.describe().contains("0xca2/0xca3"));
        let far = KcsAddress {
            base: 0xfff0,
            spacing: 1,
        };
        let mut p = DevPort::open_path(&path, far).unwrap();
        assert!(p.read_status().is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
