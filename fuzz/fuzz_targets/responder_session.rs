//! The responder's receive path inside a session with known keys.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::responder_session(data));
