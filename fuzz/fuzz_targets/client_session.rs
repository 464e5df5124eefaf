//! The client session's receive path in an active session with known keys.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::client_session(data));
