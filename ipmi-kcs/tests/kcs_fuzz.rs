//! A deterministic fuzz-like loop over the sans-IO KCS codec (IPMI 2.0
//! §9.15): random status and data values, random timing, random
//! configurations, random out-of-turn feeds, and random faults of the BMC
//! model. The codec must never panic, never loop, never ask to wait past
//! the deadline, and always end shortly after it.

use std::time::{Duration, Instant};

use ipmi_core::cmd::Raw;
use ipmi_core::{Command, Deadline, NetFn};
use ipmi_kcs::kcs::model::{drive_virtual, Faults, KcsModel};
use ipmi_kcs::kcs::{Action, KcsConfig, KcsTransfer};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
    fn micros(&mut self, max: u64) -> Duration {
        Duration::from_micros(self.below(max + 1))
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn random_config(rng: &mut Rng) -> KcsConfig {
    KcsConfig {
        wait_limit: rng.micros(50_000),
        max_error_exits: rng.below(5) as u32,
        spin_polls: rng.below(20) as u32,
        first_sleep: rng.micros(100),
        max_sleep: rng.micros(2_000),
        dummy_wait: rng.micros(3_000),
        max_request_len: 2 + rng.below(40) as usize,
        max_response_len: rng.below(64) as usize,
    }
}

fn random_request(rng: &mut Rng) -> ipmi_core::Request {
    Raw {
        netfn: NetFn((rng.byte() & 0x3e).min(0x3e)),
        cmd: rng.byte(),
        data: (0..rng.below(24)).map(|_| rng.byte()).collect(),
    }
    .request()
}

/// Status values a KCS interface plausibly shows, plus anything.
fn status_value(rng: &mut Rng) -> u8 {
    const LIKELY: [u8; 12] = [
        0x00, 0x01, 0x02, 0x40, 0x41, 0x42, 0x80, 0x82, 0x81, 0xc0, 0xc1, 0x0a,
    ];
    if rng.chance(70) {
        LIKELY[rng.below(LIKELY.len() as u64) as usize]
    } else {
        rng.byte()
    }
}

#[test]
fn random_registers_never_panic_or_hang() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut outcomes = [0usize; 3]; // ok, timeout-class, other error
    for _ in 0..4000 {
        let t0 = Instant::now();
        let budget = rng.micros(200_000);
        let deadline = Deadline::after(t0, budget);
        let config = random_config(&mut rng);
        let request = random_request(&mut rng);
        let Ok(mut t) = KcsTransfer::new(&request, deadline, config, t0) else {
            continue; // too long for this config: refused up front
        };
        let mut now = t0;
        let mut done = false;
        for _ in 0..200_000 {
            if rng.chance(3) {
                t.data(rng.byte(), now); // out of turn: ignored or a normal step
            }
            if rng.chance(3) {
                t.status(status_value(&mut rng), now);
            }
            match t.poll(now) {
                Action::ReadStatus => {
                    now += rng.micros(5);
                    t.status(status_value(&mut rng), now);
                }
                Action::ReadData => {
                    now += rng.micros(5);
                    t.data(rng.byte(), now);
                }
                Action::WriteCommand(_) | Action::WriteData(_) => now += rng.micros(5),
                Action::Wait(at) => {
                    assert!(at <= deadline.instant(), "asked to wait past the deadline");
                    now = now.max(at);
                }
                Action::Done(r) => {
                    match &r {
                        Ok(_) => outcomes[0] += 1,
                        Err(e)
                            if ipmi_core::Failure::class(e) == ipmi_core::ErrorClass::Timeout =>
                        {
                            outcomes[1] += 1
                        }
                        Err(_) => outcomes[2] += 1,
                    }
                    done = true;
                    break;
                }
            }
        }
        assert!(done, "transfer did not end: {t:?}");
        assert!(
            now <= deadline.instant() + Duration::from_millis(20),
            "ended {:?} after a {budget:?} budget",
            now - t0
        );
        // Polling a finished transfer keeps saying Done.
        assert!(matches!(t.poll(now), Action::Done(_)));
    }
    // The loop exercised more than one way out.
    assert!(
        outcomes.iter().filter(|&&n| n > 0).count() >= 2,
        "{outcomes:?}"
    );
}

#[test]
fn random_faults_of_the_model_always_end() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut healthy_checked = 0;
    for i in 0..2000 {
        let faults = Faults {
            ibf_latency: rng.micros(300),
            response_latency: rng.micros(5_000),
            freeze_at_byte: rng.chance(10).then(|| 1 + rng.below(8) as usize),
            freeze_at_start: rng.chance(3),
            never_respond: rng.chance(10),
            error_at_byte: rng
                .chance(20)
                .then(|| (1 + rng.below(8) as usize, rng.byte())),
            error_times: rng.below(3) as u32,
            idle_at_byte: rng.chance(10).then(|| 1 + rng.below(8) as usize),
            stay_in_write: rng.chance(5),
            no_dummy: rng.chance(20),
            abort_fails: rng.chance(10),
            stale_obf: rng.chance(20),
        };
        let mut model = KcsModel::with_faults(faults.clone());
        let config = KcsConfig {
            wait_limit: rng.micros(20_000),
            ..KcsConfig::default()
        };
        let t0 = Instant::now();
        let budget = rng.micros(100_000);
        let request = random_request(&mut rng);
        let Ok(mut t) = KcsTransfer::new(&request, Deadline::after(t0, budget), config, t0) else {
            continue;
        };
        let d = drive_virtual(&mut t, &mut model, t0, Duration::from_micros(1), 1_000_000)
            .unwrap_or_else(|| panic!("run {i} did not end: {faults:?}"));
        assert!(
            d.elapsed <= budget + Duration::from_millis(5),
            "run {i}: {:?} for a {budget:?} budget ({faults:?}): {:?}",
            d.elapsed,
            d.result
        );
        let healthy = faults.freeze_at_byte.is_none()
            && !faults.freeze_at_start
            && !faults.never_respond
            && faults.error_at_byte.is_none()
            && faults.idle_at_byte.is_none()
            && !faults.abort_fails
            && !faults.stay_in_write;
        // Enough time for every wait and the whole transfer: it must work.
        let needed = faults.response_latency + faults.ibf_latency * 64 + Duration::from_millis(5);
        if healthy
            && budget >= needed
            && config.wait_limit > faults.response_latency + faults.ibf_latency
        {
            assert!(
                d.result.is_ok(),
                "run {i}: healthy BMC failed: {:?} ({faults:?})",
                d.result
            );
            healthy_checked += 1;
        }
    }
    assert!(
        healthy_checked > 50,
        "only {healthy_checked} healthy runs checked"
    );
}
