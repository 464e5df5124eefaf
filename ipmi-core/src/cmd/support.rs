//! What every command file shares: the identity methods of a [`Command`]
//! implementation (IPMI 2.0 §5.1) and, for tests, a success response.
//!
//! [`Command`]: crate::Command

/// Expands to `name`, `netfn` and `cmd` of a `Command` implementation.
macro_rules! ident {
    ($name:literal, $netfn:expr, $cmd:literal) => {
        fn name(&self) -> &'static str {
            $name
        }
        fn netfn(&self) -> $crate::NetFn {
            $netfn
        }
        fn cmd(&self) -> u8 {
            $cmd
        }
    };
}
pub(crate) use ident;

/// A successful response to `cmd` carrying `data` (tests only).
#[cfg(test)]
pub(crate) fn ok<C: crate::Command + ?Sized>(cmd: &C, data: &[u8]) -> crate::Response {
    crate::Response {
        netfn: cmd.netfn().response(),
        cmd: cmd.cmd(),
        completion: crate::CompletionCode::SUCCESS,
        data: data.to_vec(),
    }
}

/// `bytes` up to the first NUL, as text with invalid UTF-8 replaced (IPMI 2.0 §22.29, §23.1).
pub(crate) fn text_until_nul(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
