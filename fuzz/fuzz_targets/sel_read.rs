//! The SEL reader fed arbitrary Get SEL Info / Reserve / Get SEL Entry answers.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_core::fuzzing::sel_read(data));
