//! A SEL record (system event, OEM), decoded and re-emitted.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_core::fuzzing::sel_record(data));
