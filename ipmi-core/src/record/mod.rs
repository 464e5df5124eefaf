//! Record decoders and encoders written with `nom`: FRU inventory images
//! (Platform Management FRU Information Storage Definition v1.0) and SEL
//! records (IPMI 2.0 §32). Decoding never panics; a problem is a
//! [`RecordError`] naming the area or record.

pub mod decode_error;
pub mod event_text;
pub mod fru;
pub mod fru_areas;
pub mod fru_field;
pub mod fru_multi;
pub mod sel;

pub use decode_error::{Checksums, Problem, RecordError};
