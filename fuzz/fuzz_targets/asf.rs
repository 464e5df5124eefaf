//! ASF presence ping and pong (IPMI 2.0 §13.2.3, §13.2.4).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::asf(data));
