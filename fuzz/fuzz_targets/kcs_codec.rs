//! The KCS codec (IPMI 2.0 §9) fed arbitrary status and data register
//! values: it must end (done or out of input) without panicking, and never
//! ask to wait past the deadline.
#![no_main]

use std::time::{Duration, Instant};

use ipmi_core::{cmd::GetDeviceId, Command, Deadline};
use ipmi_kcs::kcs::{Action, KcsConfig, KcsTransfer};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let deadline = Deadline::after(start, Duration::from_secs(5));
    let Ok(mut t) = KcsTransfer::new(&GetDeviceId.request(), deadline, KcsConfig::default(), start) else {
        return;
    };
    let mut now = start;
    let mut input = data.iter().copied();
    for _ in 0..100_000 {
        match t.poll(now) {
            Action::ReadStatus => match input.next() {
                Some(v) => t.status(v, now),
                None => return,
            },
            Action::ReadData => match input.next() {
                Some(v) => t.data(v, now),
                None => return,
            },
            Action::WriteCommand(_) | Action::WriteData(_) => {}
            Action::Wait(at) => {
                assert!(at <= deadline.instant() + Duration::from_millis(50), "waits past the deadline");
                now = at.max(now + Duration::from_micros(1));
            }
            Action::Done(_) => return,
        }
    }
    panic!("the codec neither finished nor consumed its input");
});
