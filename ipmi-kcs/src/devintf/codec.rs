//! The pure part of the `/dev/ipmi0` transport: how a [`Target`] becomes a
//! kernel address, how much retrying the kernel may do inside a deadline,
//! and what to do with each message taken off the descriptor's queue. No
//! system calls here, so all of it is unit-tested without a kernel.

use std::time::Duration;

use ipmi_core::{NetFn, Request, Response, Target};

use super::abi::{
    IpmiIpmbAddr, IpmiRecv, IpmiSystemInterfaceAddr, IPMI_ASYNC_EVENT_RECV_TYPE, IPMI_BMC_CHANNEL,
    IPMI_CMD_RECV_TYPE, IPMI_IPMB_ADDR_TYPE, IPMI_MAX_CHANNELS, IPMI_MAX_MSG_LENGTH,
    IPMI_OEM_RECV_TYPE, IPMI_RESPONSE_RECV_TYPE, IPMI_RESPONSE_RESPONSE_TYPE,
    IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
};
use super::error::{Error, RequestInfo};

/// Most request data bytes the driver passes to the BMC itself: the
/// message buffer minus NetFn/LUN and command (uapi `linux/ipmi.h`
/// `IPMI_MAX_MSG_LENGTH`; IPMI 2.0 §9.1 message format).
pub const MAX_BMC_REQUEST_DATA: usize = IPMI_MAX_MSG_LENGTH - 2;

/// The kernel address of a request (uapi `ipmi_system_interface_addr` /
/// `ipmi_ipmb_addr`; bridging per IPMI 2.0 §6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Address {
    /// The BMC itself, through its system interface (type 0x0C, channel 0x0F).
    System(IpmiSystemInterfaceAddr),
    /// A controller on an IPMB channel; the kernel wraps the request in Send Message.
    Ipmb(IpmiIpmbAddr),
}

impl Address {
    /// The address of `target`: the system interface when it is the BMC
    /// ([`Target::is_bmc`]), else IPMB addressing with its channel, slave
    /// address and LUN.
    pub fn for_target(target: Target) -> Address {
        if target.is_bmc() {
            Address::System(IpmiSystemInterfaceAddr {
                addr_type: IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
                channel: IPMI_BMC_CHANNEL,
                lun: target.lun & 3,
            })
        } else {
            Address::Ipmb(IpmiIpmbAddr {
                addr_type: IPMI_IPMB_ADDR_TYPE,
                channel: i16::from(target.channel),
                slave_addr: target.slave_addr,
                lun: target.lun & 3,
            })
        }
    }

    /// True for IPMB (bridged) addressing.
    pub fn is_bridged(&self) -> bool {
        matches!(self, Address::Ipmb(_))
    }

    /// The 8 bytes the kernel reads, in native byte order.
    pub fn to_bytes(&self) -> [u8; 8] {
        let (ty, ch, a, b) = match *self {
            Address::System(s) => (s.addr_type, s.channel, s.lun, 0),
            Address::Ipmb(i) => (i.addr_type, i.channel, i.slave_addr, i.lun),
        };
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&ty.to_ne_bytes());
        out[4..6].copy_from_slice(&ch.to_ne_bytes());
        out[6] = a;
        out[7] = b;
        out
    }
}

/// Retries and per-try time handed to the kernel with
/// `IPMICTL_SEND_COMMAND_SETTIME` (uapi `struct ipmi_req_settime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelTiming {
    /// Retransmissions after the first try.
    pub retries: i32,
    /// Milliseconds per try.
    pub retry_time_ms: u32,
}

/// The message handler's timer period: it checks pending bridged requests
/// once a second and charges a whole period at each check, so a try of `t`
/// ms ends between `t - 1000` and `t` ms after it is sent.
pub const KERNEL_TICK_MS: u32 = 1000;
/// Shortest per-try time handed to the kernel: 2 s keeps every try at
/// least one second long.
pub const MIN_TRY_MS: u32 = 2000;
/// Most tries: the handler's own default (1 + 4 retries).
pub const MAX_TRIES: u32 = 5;

/// Kernel retry settings for a request with `remaining` time left.
///
/// What the kernel honors (drivers/char/ipmi/ipmi_msghandler.c):
/// - IPMB/LAN-bridged requests: the handler sends Send Message (IPMI 2.0
///   §22.7) and waits `retry_time_ms` for the bridged answer; it sends it
///   again up to `retries` times (also after the BMC's "NAK on write", "lost
///   arbitration", "bus error" or "node busy" status), then completes the
///   request itself with completion code 0xC3. We hand it the time left
///   minus one timer tick, split into `n = clamp(that / 2 s, 1, 5)` tries
///   of at least 2 s, so the handler stops retrying, and its own 0xC3
///   (which says more than our timeout) arrives, before the deadline. Below
///   3 s that is a single try of 2 s, which may end up to 1 s after the
///   deadline; its late 0xC3 is then dropped like any stale answer.
/// - System-interface requests (the BMC itself): the handler neither times
///   nor retries them and ignores both values; the KCS/BT/SMIC driver has
///   its own fixed timeouts (about 5 s per wait, up to ten restarts). Only
///   our own poll deadline bounds the caller.
pub fn kernel_timing(remaining: Duration) -> KernelTiming {
    let ms = u32::try_from(remaining.as_millis()).unwrap_or(u32::MAX);
    let budget = ms.saturating_sub(KERNEL_TICK_MS);
    let tries = (budget / MIN_TRY_MS).clamp(1, MAX_TRIES);
    KernelTiming {
        retries: (tries - 1) as i32,
        retry_time_ms: (budget / tries).max(MIN_TRY_MS),
    }
}

/// Checks what the driver would refuse before asking it: a request NetFn
/// must be even and fit in 6 bits (IPMI 2.0 §5.1); the data must fit the
/// driver's buffer (uapi `linux/ipmi.h` `IPMI_MAX_MSG_LENGTH`).
pub fn check_request(request: &Request) -> Result<(), Error> {
    let info = RequestInfo::of(request);
    if !request.netfn.is_request() || request.netfn.0 > 0x3f {
        return Err(Error::InvalidRequest {
            request: info,
            reason: "a request NetFn is even and at most 0x3e (odd NetFns are responses)",
        });
    }
    let bridged = !request.target.is_bmc();
    if bridged && request.target.channel >= IPMI_MAX_CHANNELS {
        return Err(Error::InvalidRequest {
            request: info,
            reason: "channel numbers go from 0 to 15",
        });
    }
    if request.data.len() > MAX_BMC_REQUEST_DATA {
        return Err(Error::TooLong {
            request: info,
            len: request.data.len(),
        });
    }
    Ok(())
}

/// The most likely reason for an EINVAL from the send ioctl (the checks of
/// ipmi_msghandler.c that [`check_request`] cannot make without the kernel).
pub fn einval_reason(request: &Request) -> &'static str {
    if request.target.is_bmc() {
        if request.netfn == NetFn::APP && matches!(request.cmd, 0x33..=0x35) {
            "the driver keeps Get Message, Send Message and Read Event Message Buffer for itself: \
             address the bridged controller with an IPMB target instead of sending Send Message"
        } else {
            "the driver does not accept this NetFn/command for the system interface"
        }
    } else {
        "the driver does not know this channel as an IPMB channel (it learns channel media from \
         Get Channel Info at start-up), or the slave address or LUN is not valid"
    }
}

/// One message taken off the descriptor's queue (uapi `struct ipmi_recv`
/// plus the address and data buffers it points at), checked and copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// `IPMI_*_RECV_TYPE`.
    pub recv_type: i32,
    /// The msgid of the request it answers (responses only).
    pub msgid: i64,
    /// The source address type, when the kernel gave one that fits the buffer.
    pub addr_type: Option<i32>,
    /// Response NetFn.
    pub netfn: u8,
    /// Command number.
    pub cmd: u8,
    /// The data: completion code first for a response.
    pub data: Vec<u8>,
    /// The kernel had more data than the buffer held (EMSGSIZE from
    /// `IPMICTL_RECEIVE_MSG_TRUNC`, or a length beyond the buffer).
    pub truncated: bool,
}

impl Received {
    /// Decodes what `IPMICTL_RECEIVE_MSG_TRUNC` left in `recv` and the two
    /// buffers it pointed at. Never trusts the kernel's lengths: a length
    /// beyond its buffer is clamped and flagged, never read past.
    pub fn decode(recv: &IpmiRecv, addr_buf: &[u8], data_buf: &[u8], emsgsize: bool) -> Received {
        let addr_len = recv.addr_len as usize;
        let addr_type = (addr_len >= 4 && addr_len <= addr_buf.len())
            .then(|| i32::from_ne_bytes([addr_buf[0], addr_buf[1], addr_buf[2], addr_buf[3]]));
        let len = usize::from(recv.msg.data_len);
        let kept = len.min(data_buf.len());
        Received {
            recv_type: recv.recv_type,
            msgid: recv.msgid,
            addr_type,
            netfn: recv.msg.netfn,
            cmd: recv.msg.cmd,
            data: data_buf[..kept].to_vec(),
            truncated: emsgsize || len > data_buf.len(),
        }
    }
}

/// What to do with a received message while waiting for `awaited`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// The answer to the awaited request.
    Answer(Response),
    /// A response to an earlier request (a late answer after its deadline): dropped.
    Stale {
        /// Its msgid.
        msgid: i64,
    },
    /// An event, incoming command or OEM message, which this client never asked for: dropped.
    Unsolicited {
        /// Its `recv_type`.
        recv_type: i32,
    },
    /// The answer to the awaited request, but unusable.
    Malformed(String),
}

/// Sorts one received message: only a response (`recv_type` 1) whose
/// msgid is `awaited` is an answer; it must carry a completion code and
/// must not have been truncated.
pub fn classify(awaited: i64, msg: &Received) -> Disposition {
    match msg.recv_type {
        IPMI_RESPONSE_RECV_TYPE => {}
        IPMI_ASYNC_EVENT_RECV_TYPE
        | IPMI_CMD_RECV_TYPE
        | IPMI_RESPONSE_RESPONSE_TYPE
        | IPMI_OEM_RECV_TYPE => {
            return Disposition::Unsolicited {
                recv_type: msg.recv_type,
            }
        }
        other => return Disposition::Unsolicited { recv_type: other },
    }
    if msg.msgid != awaited {
        return Disposition::Stale { msgid: msg.msgid };
    }
    if msg.truncated {
        return Disposition::Malformed(format!(
            "the response was longer than the {IPMI_MAX_MSG_LENGTH}-byte buffer and was cut"
        ));
    }
    match Response::from_body(NetFn(msg.netfn), msg.cmd, &msg.data) {
        Some(r) => Disposition::Answer(r),
        None => Disposition::Malformed("the response has no completion code (0 data bytes)".into()),
    }
}

/// Hands out message ids: unique per client, never 0 (so a zeroed struct
/// never matches), wrapping long before `i64::MAX`.
#[derive(Clone, Debug, Default)]
pub struct MsgIds {
    last: i64,
}

impl MsgIds {
    /// The next id.
    pub fn next_id(&mut self) -> i64 {
        self.last = if self.last >= i64::from(u32::MAX) {
            1
        } else {
            self.last + 1
        };
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devintf::abi::{IpmiMsg, IpmiRecv};
    use ipmi_core::CompletionCode;

    #[test]
    fn bmc_uses_the_system_interface() {
        let a = Address::for_target(Target::bmc());
        assert_eq!(
            a,
            Address::System(IpmiSystemInterfaceAddr {
                addr_type: 0x0c,
                channel: 0x0f,
                lun: 0
            })
        );
        assert!(!a.is_bridged());
        assert_eq!(a.to_bytes(), [0x0c, 0, 0, 0, 0x0f, 0, 0, 0]);
    }

    #[test]
    fn other_targets_use_ipmb() {
        let a = Address::for_target(Target::ipmb(0, 0x40));
        assert!(a.is_bridged());
        assert_eq!(a.to_bytes(), [0x01, 0, 0, 0, 0, 0, 0x40, 0]);
        let a = Address::for_target(Target {
            channel: 7,
            slave_addr: 0x72,
            lun: 2,
        });
        assert_eq!(a.to_bytes(), [0x01, 0, 0, 0, 7, 0, 0x72, 2]);
        // The BMC's address on another channel is bridged too.
        assert!(Address::for_target(Target::ipmb(6, 0x20)).is_bridged());
    }

    #[test]
    fn timing_fits_the_deadline() {
        let t = |ms| kernel_timing(Duration::from_millis(ms));
        let k = |retries, retry_time_ms| KernelTiming {
            retries,
            retry_time_ms,
        };
        assert_eq!(t(10_000), k(3, 2250));
        assert_eq!(t(11_000), k(4, 2000));
        assert_eq!(t(5000), k(1, 2000));
        assert_eq!(t(3000), k(0, 2000));
        assert_eq!(t(4500), k(0, 3500));
        assert_eq!(t(1000), k(0, 2000));
        assert_eq!(t(0), k(0, 2000));
        assert_eq!(t(61_000), k(4, 12_000));
        assert_eq!(kernel_timing(Duration::from_secs(u64::MAX / 4)).retries, 4);
        // From 3 s on: every try lasts at least 2 s and the whole retry
        // sequence ends a timer tick before the deadline.
        for ms in (3000..200_000).step_by(997) {
            let k = t(ms);
            assert!(k.retry_time_ms >= MIN_TRY_MS);
            assert!(
                u64::from(k.retry_time_ms) * (k.retries as u64 + 1) + 1000 <= ms,
                "{ms}: {k:?}"
            );
        }
    }

    fn recv(recv_type: i32, msgid: i64, netfn: u8, cmd: u8, data_len: u16) -> IpmiRecv {
        IpmiRecv {
            recv_type,
            addr: std::ptr::null_mut(),
            addr_len: 8,
            msgid,
            msg: IpmiMsg {
                netfn,
                cmd,
                data_len,
                data: std::ptr::null_mut(),
            },
        }
    }

    const SI_ADDR: [u8; 8] = [0x0c, 0, 0, 0, 0x0f, 0, 0, 0];

    #[test]
    fn decodes_a_response() {
        let data = [0x00, 0x20, 0x01];
        let r = Received::decode(&recv(1, 7, 0x07, 0x01, 3), &SI_ADDR, &data, false);
        assert_eq!(r.addr_type, Some(0x0c));
        assert!(!r.truncated);
        match classify(7, &r) {
            Disposition::Answer(resp) => {
                assert_eq!(resp.netfn, NetFn(0x07));
                assert_eq!(resp.cmd, 1);
                assert_eq!(resp.completion, CompletionCode::SUCCESS);
                assert_eq!(resp.data, [0x20, 0x01]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kernel_timeout_is_a_normal_completion_code() {
        let r = Received::decode(&recv(1, 3, 0x07, 0x01, 1), &SI_ADDR, &[0xc3], false);
        match classify(3, &r) {
            Disposition::Answer(resp) => {
                assert_eq!(resp.completion, CompletionCode::TIMEOUT);
                assert!(resp.data.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn late_answers_are_stale() {
        let r = Received::decode(&recv(1, 4, 0x07, 0x01, 1), &SI_ADDR, &[0x00], false);
        assert_eq!(classify(5, &r), Disposition::Stale { msgid: 4 });
    }

    #[test]
    fn events_and_commands_are_dropped() {
        for t in [2, 3, 4, 5, 0, -1, 99] {
            let r = Received::decode(&recv(t, 5, 0x07, 0x01, 1), &SI_ADDR, &[0x00], false);
            assert_eq!(classify(5, &r), Disposition::Unsolicited { recv_type: t });
        }
    }

    #[test]
    fn bogus_lengths_never_panic() {
        // data_len beyond the buffer: clamped, flagged, refused.
        let data = [0u8; 4];
        let r = Received::decode(&recv(1, 9, 0x07, 1, u16::MAX), &SI_ADDR, &data, false);
        assert_eq!(r.data.len(), 4);
        assert!(r.truncated);
        assert!(matches!(classify(9, &r), Disposition::Malformed(_)));
        // EMSGSIZE with data: consumed and truncated.
        let r = Received::decode(&recv(1, 9, 0x07, 1, 4), &SI_ADDR, &data, true);
        assert!(matches!(classify(9, &r), Disposition::Malformed(_)));
        // No completion code.
        let r = Received::decode(&recv(1, 9, 0x07, 1, 0), &SI_ADDR, &data, false);
        assert!(
            matches!(classify(9, &r), Disposition::Malformed(m) if m.contains("no completion code"))
        );
        // Address length nonsense.
        let mut x = recv(1, 9, 0x07, 1, 1);
        x.addr_len = 4000;
        let r = Received::decode(&x, &SI_ADDR, &data, false);
        assert_eq!(r.addr_type, None);
        x.addr_len = 2;
        assert_eq!(Received::decode(&x, &SI_ADDR, &data, false).addr_type, None);
        assert_eq!(Received::decode(&x, &[], &[], false).data, Vec::<u8>::new());
    }

    #[test]
    fn requests_are_checked() {
        let mut r = Request {
            target: Target::bmc(),
            netfn: NetFn(0x07),
            cmd: 1,
            data: vec![],
        };
        assert!(matches!(
            check_request(&r),
            Err(Error::InvalidRequest { .. })
        ));
        r.netfn = NetFn(0x40);
        assert!(matches!(
            check_request(&r),
            Err(Error::InvalidRequest { .. })
        ));
        r.netfn = NetFn(0x06);
        assert!(check_request(&r).is_ok());
        r.data = vec![0; 271];
        assert!(matches!(
            check_request(&r),
            Err(Error::TooLong { len: 271, .. })
        ));
        r.data = vec![0; 270];
        assert!(check_request(&r).is_ok());
        r.data.clear();
        r.target = Target::ipmb(16, 0x40);
        assert!(matches!(
            check_request(&r),
            Err(Error::InvalidRequest { .. })
        ));
        r.target = Target::ipmb(15, 0x40);
        assert!(check_request(&r).is_ok());
        assert!(einval_reason(&r).contains("IPMB channel"));
        r.target = Target::bmc();
        r.cmd = 0x34;
        assert!(einval_reason(&r).contains("Send Message"));
    }

    #[test]
    fn msgids_are_unique_and_nonzero() {
        let mut ids = MsgIds::default();
        let a = ids.next_id();
        let b = ids.next_id();
        assert!(a != 0 && b != 0 && a != b);
        let mut ids = MsgIds {
            last: i64::from(u32::MAX),
        };
        assert_eq!(ids.next_id(), 1);
    }
}
