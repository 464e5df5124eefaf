//! Record decoders and encoders written with `nom`: SDRs (IPMI 2.0 §43),
//! FRU inventory images (Platform Management FRU Information Storage
//! Definition v1.0) and SEL records (IPMI 2.0 §32). SDR errors are
//! [`sdr::SdrError`]; the FRU and SEL ones are [`RecordError`]. Decoding never panics; a problem
//! names the area or record.
//!
//! What is decoded and what is kept as bytes:
//!
//! | record | decoded | kept as bytes |
//! |---|---|---|
//! | FRU common header | area offsets, version, checksum | — |
//! | FRU internal use | version | the data |
//! | FRU chassis / board / product info | every fixed field, custom fields, language, chassis type, board date (minutes since 1996-01-01), checksum, end marker 0xC1 | — |
//! | FRU type/length fields | binary (hex), BCD plus, 6-bit packed ASCII, 8-bit ASCII/Latin-1, 16-bit Unicode (non-English language) | the stored bytes are kept too |
//! | FRU multi-records | header and data checksums, end of list; power supply (00h), DC output (01h), DC load (02h), management access (03h: sub-type + bytes) | every other type (compatibility, OEM C0h–FFh), and a known type of the wrong length |
//! | SEL system event (02h) | timestamp (pre-init, unspecified), generator ID, EvM rev, sensor type and number, direction, event/reading type, event data 1–3 with their use, trigger reading and threshold, event text | — |
//! | SEL OEM timestamped (C0h–DFh) | timestamp, manufacturer ID | the 6 OEM bytes |
//! | SEL OEM non-timestamped (E0h–FFh), undefined types | — | the 13 bytes after the type |

pub mod decode_error;
pub mod event_text;
pub mod fru;
pub mod fru_areas;
pub mod fru_field;
pub mod fru_multi;
pub mod sdr;
pub mod sel;

pub use decode_error::{Checksums, Problem, RecordError};
