//! The IPMI 1.5 session header (IPMI 2.0 §13.6).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::session_v15(data));
