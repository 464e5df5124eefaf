//! Sensor semantics shared by the client and the responder (IPMI 2.0 §42).
//! On this branch only the event-state table, a verbatim copy of the `sdr`
//! branch's file: on merge, take that branch's `sensor/` as it is.

pub mod event_states;
