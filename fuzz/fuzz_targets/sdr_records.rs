//! SDR record decoding, emitting, dump splitting, names and conversion.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_core::fuzzing::sdr_records(data));
