//! The RMCP header (IPMI 2.0 §13.1.3).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::rmcp_header(data));
