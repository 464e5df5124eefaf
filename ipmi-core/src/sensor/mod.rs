//! Sensor semantics shared by the client and the responder: reading
//! conversion (IPMI 2.0 §36.3), threshold status, units (§43.17), sensor
//! type (§42.2), entity (§43.14) and discrete-state names (§42.1, §42.2),
//! worded as ipmitool prints them.

pub mod conversion;
pub mod evaluate;
pub mod event_states;
pub mod names;
pub mod threshold;
pub mod units;

pub use conversion::{format_number, AnalogFormat, Conversion, Linearization, Value};
pub use evaluate::{Availability, Evaluation};
pub use names::{device_type_name, entity_name, sensor_type_name, state_names};
pub use threshold::{threshold_event_word, Threshold, ThresholdMask};
pub use units::{RateUnit, UnitModifier, Units};
