//! The FRU device reader fed arbitrary Get Area Info / Read FRU Data answers.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_core::fuzzing::fru_read(data));
