//! Open Session Request and Response (IPMI 2.0 §13.17, §13.18).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::open_session(data));
