//! The `ipmi_devintf` ioctl ABI on x86_64: `#[repr(C)]` mirrors of the
//! structs of the kernel's `include/uapi/linux/ipmi.h` and the ioctl numbers
//! computed from the `_IOR`/`_IOWR` encoding, each checked at compile time
//! against the sizes, offsets and values of the kernel's uapi `linux/ipmi.h` on x86_64.
//!
//! Only plain data lives here; the ioctls themselves are issued in
//! `devintf::sys`.

use std::mem::{offset_of, size_of};

/// Address type of the BMC's system interface (`IPMI_SYSTEM_INTERFACE_ADDR_TYPE`, uapi ipmi.h).
pub const IPMI_SYSTEM_INTERFACE_ADDR_TYPE: i32 = 0x0c;
/// Address type of a controller on an IPMB channel (`IPMI_IPMB_ADDR_TYPE`, uapi ipmi.h).
pub const IPMI_IPMB_ADDR_TYPE: i32 = 0x01;
/// Address type of an IPMB broadcast (`IPMI_IPMB_BROADCAST_ADDR_TYPE`, uapi ipmi.h).
pub const IPMI_IPMB_BROADCAST_ADDR_TYPE: i32 = 0x41;
/// Address type of a LAN channel (`IPMI_LAN_ADDR_TYPE`, uapi ipmi.h).
pub const IPMI_LAN_ADDR_TYPE: i32 = 0x04;
/// The channel number that means "the BMC itself" (`IPMI_BMC_CHANNEL`, uapi ipmi.h).
pub const IPMI_BMC_CHANNEL: i16 = 0x0f;
/// Channels the message handler knows (`IPMI_MAX_CHANNELS`, IPMI 2.0 §6.3: 0..=15).
pub const IPMI_MAX_CHANNELS: u8 = 16;
/// Largest message body the driver carries either way (`IPMI_MAX_MSG_LENGTH`, uapi ipmi_msgdefs.h).
pub const IPMI_MAX_MSG_LENGTH: usize = 272;
/// Size of the address payload of `struct ipmi_addr` (`IPMI_MAX_ADDR_SIZE`, uapi ipmi.h).
pub const IPMI_MAX_ADDR_SIZE: usize = 32;

/// `recv_type` of a response to a request this file descriptor sent (`IPMI_RESPONSE_RECV_TYPE`).
pub const IPMI_RESPONSE_RECV_TYPE: i32 = 1;
/// `recv_type` of an asynchronous event (`IPMI_ASYNC_EVENT_RECV_TYPE`).
pub const IPMI_ASYNC_EVENT_RECV_TYPE: i32 = 2;
/// `recv_type` of an incoming command for a registered receiver (`IPMI_CMD_RECV_TYPE`).
pub const IPMI_CMD_RECV_TYPE: i32 = 3;
/// `recv_type` of the answer to a response this file descriptor sent (`IPMI_RESPONSE_RESPONSE_TYPE`).
pub const IPMI_RESPONSE_RESPONSE_TYPE: i32 = 4;
/// `recv_type` of an OEM channel message (`IPMI_OEM_RECV_TYPE`).
pub const IPMI_OEM_RECV_TYPE: i32 = 5;

/// `struct ipmi_msg`: NetFn, command and a pointer to the data bytes (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpmiMsg {
    /// NetFn, not shifted (request: even; response: odd).
    pub netfn: u8,
    /// Command number.
    pub cmd: u8,
    /// Bytes at `data`: on send the request data, on receive the buffer
    /// size in and the message length (completion code included) out.
    pub data_len: u16,
    /// The data bytes (completion code first in a response).
    pub data: *mut u8,
}

/// `struct ipmi_req`: an address, an opaque message id and the message (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpmiReq {
    /// Points at an `ipmi_system_interface_addr` or `ipmi_ipmb_addr`.
    pub addr: *mut u8,
    /// Size of the address struct.
    pub addr_len: u32,
    /// Echoed unchanged in the response (C `long`).
    pub msgid: i64,
    /// The request.
    pub msg: IpmiMsg,
}

/// `struct ipmi_req_settime`: a request with its own retry count and retry
/// interval, which the message handler honors for IPMB/LAN-bridged requests only (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpmiReqSettime {
    /// The request.
    pub req: IpmiReq,
    /// Retransmissions after the first try (-1 = the handler's default).
    pub retries: i32,
    /// Time per try in milliseconds (0 = the handler's default).
    pub retry_time_ms: u32,
}

/// `struct ipmi_recv`: what `IPMICTL_RECEIVE_MSG(_TRUNC)` fills in (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpmiRecv {
    /// One of the `IPMI_*_RECV_TYPE` constants.
    pub recv_type: i32,
    /// Buffer for the source address (at least `size_of::<IpmiAddr>()`).
    pub addr: *mut u8,
    /// In: size of the address buffer; out: size of the address.
    pub addr_len: u32,
    /// The msgid of the request this answers.
    pub msgid: i64,
    /// The message; `msg.data`/`msg.data_len` are the caller's buffer.
    pub msg: IpmiMsg,
}

/// `struct ipmi_addr`: the generic address, big enough for every address type (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpmiAddr {
    /// Address type (`IPMI_*_ADDR_TYPE`).
    pub addr_type: i32,
    /// Channel number.
    pub channel: i16,
    /// Type-specific bytes.
    pub data: [u8; IPMI_MAX_ADDR_SIZE],
}

/// `struct ipmi_system_interface_addr`: the BMC through its system interface (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpmiSystemInterfaceAddr {
    /// Always [`IPMI_SYSTEM_INTERFACE_ADDR_TYPE`].
    pub addr_type: i32,
    /// Always [`IPMI_BMC_CHANNEL`] (the kernel refuses anything else with EINVAL).
    pub channel: i16,
    /// The BMC LUN (IPMI 2.0 §7.2: 0 for normal commands).
    pub lun: u8,
}

/// `struct ipmi_ipmb_addr`: a controller on an IPMB channel, reached by the
/// kernel with Send Message (IPMI 2.0 §22.7) (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpmiIpmbAddr {
    /// [`IPMI_IPMB_ADDR_TYPE`] (or the broadcast type).
    pub addr_type: i32,
    /// Channel number (IPMI 2.0 §6.3).
    pub channel: i16,
    /// The responder's 8-bit IPMB slave address (IPMI 2.0 §5.5).
    pub slave_addr: u8,
    /// The responder's LUN.
    pub lun: u8,
}

/// `struct ipmi_timing_parms`: default retries and retry time of a file descriptor (uapi ipmi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpmiTimingParms {
    /// Retransmissions after the first try.
    pub retries: i32,
    /// Time per try in milliseconds.
    pub retry_time_ms: u32,
}

/// `_IOC_READ` direction bit of the ioctl encoding (asm-generic/ioctl.h).
pub const IOC_READ: u32 = 2;
/// `_IOC_WRITE` direction bit of the ioctl encoding (asm-generic/ioctl.h).
pub const IOC_WRITE: u32 = 1;
/// The ioctl "type" byte of the IPMI driver (`IPMI_IOC_MAGIC`, uapi ipmi.h).
pub const IPMI_IOC_MAGIC: u8 = b'i';

/// `_IOC(dir, type, nr, size)`: `dir << 30 | size << 16 | type << 8 | nr` (asm-generic/ioctl.h).
pub const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    assert!(
        size < (1 << 14),
        "ioctl argument too large for the size field"
    );
    (dir << 30) | ((size as u32) << 16) | ((ty as u32) << 8) | nr as u32
}

/// `_IOR(type, nr, T)`.
pub const fn ior(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ, ty, nr, size)
}

/// `_IOWR(type, nr, T)`.
pub const fn iowr(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ | IOC_WRITE, ty, nr, size)
}

/// Receive the next queued message, truncating data that does not fit
/// (`_IOWR('i', 11, struct ipmi_recv)`).
pub const IPMICTL_RECEIVE_MSG_TRUNC: u32 = iowr(IPMI_IOC_MAGIC, 11, size_of::<IpmiRecv>());
/// Receive the next queued message, leaving it queued if it does not fit
/// (`_IOWR('i', 12, struct ipmi_recv)`).
pub const IPMICTL_RECEIVE_MSG: u32 = iowr(IPMI_IOC_MAGIC, 12, size_of::<IpmiRecv>());
/// Send a request with the descriptor's default timing (`_IOR('i', 13, struct ipmi_req)`).
pub const IPMICTL_SEND_COMMAND: u32 = ior(IPMI_IOC_MAGIC, 13, size_of::<IpmiReq>());
/// Send a request with its own retries/retry time
/// (`_IOR('i', 21, struct ipmi_req_settime)`).
pub const IPMICTL_SEND_COMMAND_SETTIME: u32 = ior(IPMI_IOC_MAGIC, 21, size_of::<IpmiReqSettime>());
/// Set the descriptor's default timing (`_IOR('i', 22, struct ipmi_timing_parms)`).
pub const IPMICTL_SET_TIMING_PARMS_CMD: u32 = ior(IPMI_IOC_MAGIC, 22, size_of::<IpmiTimingParms>());
/// Read the descriptor's default timing (`_IOR('i', 23, struct ipmi_timing_parms)`).
pub const IPMICTL_GET_TIMING_PARMS_CMD: u32 = ior(IPMI_IOC_MAGIC, 23, size_of::<IpmiTimingParms>());
/// Enable/disable event delivery to this descriptor (`_IOR('i', 16, int)`).
pub const IPMICTL_SET_GETS_EVENTS_CMD: u32 = ior(IPMI_IOC_MAGIC, 16, size_of::<i32>());

// ---- compile-time checks against uapi linux/ipmi.h (x86_64) --------------

#[cfg(target_arch = "x86_64")]
const _: () = {
    assert!(size_of::<IpmiMsg>() == 16);
    assert!(std::mem::align_of::<IpmiMsg>() == 8);
    assert!(offset_of!(IpmiMsg, netfn) == 0);
    assert!(offset_of!(IpmiMsg, cmd) == 1);
    assert!(offset_of!(IpmiMsg, data_len) == 2);
    assert!(offset_of!(IpmiMsg, data) == 8);

    assert!(size_of::<IpmiReq>() == 40);
    assert!(offset_of!(IpmiReq, addr) == 0);
    assert!(offset_of!(IpmiReq, addr_len) == 8);
    assert!(offset_of!(IpmiReq, msgid) == 16);
    assert!(offset_of!(IpmiReq, msg) == 24);

    assert!(size_of::<IpmiRecv>() == 48);
    assert!(offset_of!(IpmiRecv, recv_type) == 0);
    assert!(offset_of!(IpmiRecv, addr) == 8);
    assert!(offset_of!(IpmiRecv, addr_len) == 16);
    assert!(offset_of!(IpmiRecv, msgid) == 24);
    assert!(offset_of!(IpmiRecv, msg) == 32);

    assert!(size_of::<IpmiReqSettime>() == 48);
    assert!(offset_of!(IpmiReqSettime, req) == 0);
    assert!(offset_of!(IpmiReqSettime, retries) == 40);
    assert!(offset_of!(IpmiReqSettime, retry_time_ms) == 44);

    assert!(size_of::<IpmiTimingParms>() == 8);

    assert!(size_of::<IpmiSystemInterfaceAddr>() == 8);
    assert!(std::mem::align_of::<IpmiSystemInterfaceAddr>() == 4);
    assert!(offset_of!(IpmiSystemInterfaceAddr, addr_type) == 0);
    assert!(offset_of!(IpmiSystemInterfaceAddr, channel) == 4);
    assert!(offset_of!(IpmiSystemInterfaceAddr, lun) == 6);

    assert!(size_of::<IpmiIpmbAddr>() == 8);
    assert!(offset_of!(IpmiIpmbAddr, addr_type) == 0);
    assert!(offset_of!(IpmiIpmbAddr, channel) == 4);
    assert!(offset_of!(IpmiIpmbAddr, slave_addr) == 6);
    assert!(offset_of!(IpmiIpmbAddr, lun) == 7);

    assert!(size_of::<IpmiAddr>() == 40);
    assert!(std::mem::align_of::<IpmiAddr>() == 4);
    assert!(offset_of!(IpmiAddr, channel) == 4);
    assert!(offset_of!(IpmiAddr, data) == 6);

    assert!(IPMICTL_RECEIVE_MSG_TRUNC == 0xC030_690B);
    assert!(IPMICTL_RECEIVE_MSG == 0xC030_690C);
    assert!(IPMICTL_SEND_COMMAND == 0x8028_690D);
    assert!(IPMICTL_SET_GETS_EVENTS_CMD == 0x8004_6910);
    assert!(IPMICTL_SEND_COMMAND_SETTIME == 0x8030_6915);
    assert!(IPMICTL_SET_TIMING_PARMS_CMD == 0x8008_6916);
    assert!(IPMICTL_GET_TIMING_PARMS_CMD == 0x8008_6917);
    // IPMICTL_SET_MAINTENANCE_MODE_CMD is the one _IOW of the table.
    assert!(ioc(IOC_WRITE, IPMI_IOC_MAGIC, 31, size_of::<i32>()) == 0x4004_691F);
    assert!(ior(IPMI_IOC_MAGIC, 14, 2) == 0x8002_690E);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_kernel_table() {
        // The values of a C program compiled against uapi linux/ipmi.h on x86_64.
        let table: [(u32, u32); 7] = [
            (IPMICTL_RECEIVE_MSG_TRUNC, 0xC030690B),
            (IPMICTL_RECEIVE_MSG, 0xC030690C),
            (IPMICTL_SEND_COMMAND, 0x8028690D),
            (IPMICTL_SET_GETS_EVENTS_CMD, 0x80046910),
            (IPMICTL_SEND_COMMAND_SETTIME, 0x80306915),
            (IPMICTL_SET_TIMING_PARMS_CMD, 0x80086916),
            (IPMICTL_GET_TIMING_PARMS_CMD, 0x80086917),
        ];
        for (got, want) in table {
            assert_eq!(got, want, "{got:#x} != {want:#x}");
        }
        assert_eq!(ior(b'i', 28, 12), 0x800C691C);
        assert_eq!(ior(b'i', 18, 4), 0x80046912);
    }

    #[test]
    fn struct_sizes() {
        assert_eq!(size_of::<IpmiReq>(), 40);
        assert_eq!(size_of::<IpmiRecv>(), 48);
        assert_eq!(size_of::<IpmiReqSettime>(), 48);
        assert_eq!(size_of::<IpmiMsg>(), 16);
        assert_eq!(size_of::<IpmiAddr>(), 40);
        assert_eq!(size_of::<IpmiSystemInterfaceAddr>(), 8);
        assert_eq!(size_of::<IpmiIpmbAddr>(), 8);
    }
}
