//! The responder's receive path before sessions (Open Session, RAKP 1/3, channel commands).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ipmi_lanplus::fuzzing::responder_presession(data));
