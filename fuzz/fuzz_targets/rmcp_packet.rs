//! Any datagram, classified without keys; every parser on it and on what follows its headers.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::rmcp_packet(data));
