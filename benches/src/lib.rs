//! Criterion benchmarks for ipmirs; see `benches/packet.rs` (IPMI 2.0 §13.6 packet protection).
