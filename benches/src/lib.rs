//! Benchmarks for ipmirs.
//!
//! * criterion (`cargo bench -p ipmirs-benches`): `packet` (protect +
//!   unprotect of a 64-byte payload, suites 3 and 17, IPMI 2.0 §13.6),
//!   `handshake` (a whole session handshake and one command between a
//!   client `Session` and a `Responder` in memory), `command` (Get Device
//!   ID request framing and response decoding).
//! * `compare` (run by `scripts/bench.sh`): ipmirs against ipmitool (and
//!   FreeIPMI's ipmipower) on the same BMCs, written to `BENCHMARKS.md`.
//! * `fleet_bench`: one command on many BMCs through
//!   `ipmi_lanplus::fleet`, the ipmirs side of the fleet comparison.
