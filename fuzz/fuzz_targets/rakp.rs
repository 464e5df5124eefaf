//! RAKP messages 1-4 (IPMI 2.0 §13.20-§13.23).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::rakp(data));
