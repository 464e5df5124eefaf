//! The RMCP+ session header (IPMI 2.0 §13.6).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::session_v20(data));
