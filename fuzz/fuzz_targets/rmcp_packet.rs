//! Classifies arbitrary datagrams and runs every wire parser on them and on
//! the bytes after the RMCP / session headers (IPMI 2.0 §13). Whatever
//! parses must re-emit to something that parses to the same value.
#![no_main]

use ipmi_lanplus::packet::{classify, Datagram};
use ipmi_lanplus::wire::asf::{AsfPing, AsfPong};
use ipmi_lanplus::wire::open_session::{
    OpenSessionRequest, OpenSessionResponse, RawOpenSessionRequest,
};
use ipmi_lanplus::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use ipmi_lanplus::wire::rmcp::RmcpHeader;
use ipmi_lanplus::wire::session_v15::SessionV15;
use ipmi_lanplus::wire::session_v20::SessionV20Header;
use libfuzzer_sys::fuzz_target;

macro_rules! round_trip {
    ($t:ty, $buf:expr) => {
        if let Ok(v) = <$t>::parse($buf) {
            let mut out = Vec::new();
            v.emit(&mut out);
            assert_eq!(out.len(), v.buffer_len());
            assert_eq!(<$t>::parse(&out).ok(), Some(v));
        }
    };
}

fn payload_parsers(b: &[u8]) {
    round_trip!(AsfPing, b);
    round_trip!(AsfPong, b);
    round_trip!(RawOpenSessionRequest, b);
    round_trip!(OpenSessionRequest, b);
    round_trip!(OpenSessionResponse, b);
    round_trip!(Rakp1, b);
    round_trip!(Rakp2, b);
    round_trip!(Rakp3, b);
    round_trip!(Rakp4, b);
    let _ = SessionV15::parse(b);
    let _ = SessionV20Header::parse(b);
}

fuzz_target!(|data: &[u8]| {
    let _ = RmcpHeader::parse(data);
    payload_parsers(data);
    match classify(data) {
        Ok(Datagram::V20 { header, payload }) => {
            assert_eq!(payload.len(), usize::from(header.payload_len));
            payload_parsers(payload);
        }
        Ok(Datagram::V15(s)) => payload_parsers(s.payload),
        Ok(Datagram::Asf(b)) => payload_parsers(b),
        Err(_) => {}
    }
    if let Some(rest) = data.get(RmcpHeader::LEN..) {
        payload_parsers(rest);
    }
});
