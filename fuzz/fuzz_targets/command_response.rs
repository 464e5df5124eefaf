//! Every response decoder of ipmi_core::cmd, any completion code and data.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::command_response(data));
