//! The client session's receive path in each handshake phase.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::client_handshake(data));
