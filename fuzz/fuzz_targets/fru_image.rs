//! A FRU inventory image (common header, areas, multi-records), checked and not.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_core::fuzzing::fru_image(data));
