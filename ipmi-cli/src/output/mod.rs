//! What `ipmirs` prints that belongs to no command family: the `--json`
//! error object ([`json`]). The families render their own answers
//! ([`crate::families`]).

pub mod json;
