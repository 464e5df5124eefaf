//! Packet verification, decryption and unpadding with known keys, every suite.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::unprotect(data));
