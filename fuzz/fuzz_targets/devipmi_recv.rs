//! Decoding what the kernel's IPMICTL_RECEIVE_MSG_TRUNC hands back
//! (`struct ipmi_recv` fields, address and data buffers with arbitrary
//! lengths) and classifying it against an awaited msgid: never a panic.
#![no_main]

use ipmi_kcs::devintf::abi::{IpmiMsg, IpmiRecv};
use ipmi_kcs::devintf::codec::{classify, Received};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (head, rest) = data.split_at(16);
    let split = usize::from(head[15]).min(rest.len());
    let (addr_buf, data_buf) = rest.split_at(split);
    let recv = IpmiRecv {
        recv_type: i32::from(head[0] as i8),
        addr: std::ptr::null_mut(),
        addr_len: u32::from_le_bytes([head[1], head[2], 0, 0]),
        msgid: i64::from(i32::from_le_bytes([head[3], head[4], head[5], head[6]])),
        msg: IpmiMsg {
            netfn: head[7],
            cmd: head[8],
            data_len: u16::from_le_bytes([head[9], head[10]]),
            data: std::ptr::null_mut(),
        },
    };
    let received = Received::decode(&recv, addr_buf, data_buf, head[11] & 1 == 1);
    let awaited = i64::from(i32::from_le_bytes([head[12], head[13], head[14], 0]));
    let _ = classify(awaited, &received);
});
