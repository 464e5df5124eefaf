//! User specs, listen addresses, suite lists, privilege and power words.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::text_parsers(data));
