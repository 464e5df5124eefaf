//! What `ipmirs` writes that belongs to no command family: the two
//! streams with the error line ([`Streams`]) and the `--json` error object
//! ([`json`]). The families render their own answers ([`crate::families`]).

pub mod json;
pub mod localtime;

use std::io::Write;

use crate::exit::CliError;

/// Standard output and standard error.
pub struct Streams<'a> {
    /// Standard output: ipmitool's text or one JSON line.
    pub out: &'a mut dyn Write,
    /// Standard error: errors and `-v` notes.
    pub err: &'a mut dyn Write,
}

impl Streams<'_> {
    /// A `-v` note at `level`.
    pub fn note(&mut self, verbose: u8, level: u8, text: impl AsRef<str>) {
        if verbose >= level {
            let _ = writeln!(self.err, "ipmirs: {}", text.as_ref());
        }
    }

    /// Reports an error on stderr (and as JSON on stdout with `--json`);
    /// returns its exit code.
    pub fn fail(&mut self, json: bool, e: &CliError) -> u8 {
        let _ = writeln!(self.err, "ipmirs: {e}");
        if json {
            let _ = self.out.write_all(&json::error(e));
            let _ = self.out.flush();
        }
        e.exit_code()
    }
}
