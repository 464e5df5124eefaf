//! Get Sensor Reading's decoder and accessors, any completion code and data.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_core::fuzzing::sensor_reading(data));
