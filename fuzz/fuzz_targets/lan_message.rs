//! IPMI LAN message framing and checksums (IPMI 2.0 §13.8).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::lan_message(data));
