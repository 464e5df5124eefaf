//! Numbers on the command line, read exactly as ipmitool 1.8.19 reads them.
//!
//! ipmitool converts every byte argument (`raw` NetFn, command and data,
//! `-C`, `-b`, `-t`) with C's `strtoul(s, &end, 0)` and accepts the result
//! when the whole string was consumed, no overflow was reported and the
//! value fits the target type. Base 0 means: `0x`/`0X` prefix = hexadecimal,
//! a leading `0` = octal, anything else decimal. So `raw 6 1` is NetFn 6,
//! command 1; `10` is ten, `0x10` sixteen, `010` eight, and `08` is refused.
//! The corner cases follow from `strtoul` too and are kept on purpose (see
//! the tests): leading white space and a `+` are accepted, `-0` is 0, any
//! other negative number is out of range, and the empty string is 0.
//!
//! The raw NetFn may also be one of ipmitool's names (`Chassis`, `Bridge`,
//! `SensorEvent`, `Application`, `Firmware`, `Storage`, `Transport`, any
//! case). Unlike ipmitool, a NetFn above 0x3F is refused: it does not fit
//! the 6-bit field, and ipmitool silently sends it truncated (0x40 becomes
//! 0x00, Chassis).

use ipmi_core::NetFn;

/// Why a number argument was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a number in any of the accepted forms.
    #[error("'{0}' is not a number (forms: 10 decimal, 0x0a hexadecimal, 012 octal)")]
    NotANumber(String),
    /// A number, but outside the allowed range.
    #[error("'{input}' is out of range ({min}-{max})")]
    OutOfRange {
        /// The argument as given.
        input: String,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
}

/// What C's `strtoul(s, &end, 0)` does, reported the way ipmitool's
/// `str2ulong` checks it: `None` when characters are left over (or there
/// were no digits and the string is not empty), else the value, saturated
/// at `u64::MAX` on overflow (where C sets `ERANGE`, which ipmitool refuses
/// as well; the callers' range checks refuse `u64::MAX`).
fn strtoul_base0(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let mut i = 0;
    // isspace() in the C locale.
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let radix: u32;
    if b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x') | Some(b'X'))
        && b.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
    {
        radix = 16;
        i += 2;
    } else if b.get(i) == Some(&b'0') {
        radix = 8;
    } else {
        radix = 10;
    }
    let digits_start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while i < b.len() {
        let Some(d) = (b[i] as char).to_digit(radix) else {
            break;
        };
        match value
            .checked_mul(radix as u64)
            .and_then(|v| v.checked_add(d as u64))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        // No digits: strtoul sets end to the very start of the string, so
        // only the empty string passes ipmitool's "*end == 0" check.
        return if s.is_empty() { Some(0) } else { None };
    }
    if i != b.len() {
        return None;
    }
    if overflow {
        return Some(u64::MAX);
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// An unsigned number as ipmitool's `str2ulong` reads it, at most `max`.
pub fn parse_unsigned(s: &str, max: u64) -> Result<u64, NumberError> {
    match strtoul_base0(s) {
        None => Err(NumberError::NotANumber(s.to_string())),
        Some(v) if v > max || v == u64::MAX => Err(NumberError::OutOfRange {
            input: s.to_string(),
            min: 0,
            max,
        }),
        Some(v) => Ok(v),
    }
}

/// A byte argument for clap: [`parse_u8`] with its error as text.
pub fn parse_byte(s: &str) -> Result<u8, String> {
    parse_u8(s).map_err(|e| e.to_string())
}

/// A byte as ipmitool's `str2uchar` reads it (0-255).
pub fn parse_u8(s: &str) -> Result<u8, NumberError> {
    parse_unsigned(s, u8::MAX as u64).map(|v| v as u8)
}

/// ipmitool's NetFn names (`ipmitool raw help`), matched case-insensitively.
pub const NETFN_NAMES: [(&str, u8); 7] = [
    ("Chassis", 0x00),
    ("Bridge", 0x02),
    ("SensorEvent", 0x04),
    ("Application", 0x06),
    ("Firmware", 0x08),
    ("Storage", 0x0a),
    ("Transport", 0x0c),
];

/// Largest NetFn the 6-bit field can carry.
pub const MAX_NETFN: u8 = 0x3f;

/// The NetFn of `raw`: one of [`NETFN_NAMES`] or a number 0-0x3F.
pub fn parse_netfn(s: &str) -> Result<NetFn, NumberError> {
    if let Some((_, v)) = NETFN_NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
    {
        return Ok(NetFn(*v));
    }
    match parse_u8(s) {
        Ok(v) if v <= MAX_NETFN => Ok(NetFn(v)),
        Ok(_) | Err(NumberError::OutOfRange { .. }) => Err(NumberError::OutOfRange {
            input: s.to_string(),
            min: 0,
            max: MAX_NETFN as u64,
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row was checked against ipmitool 1.8.19 semantics (strtoul base 0
    /// plus str2uchar's checks); the ones marked "live" were also run through
    /// `ipmitool raw` against ipmi_sim.
    #[test]
    fn byte_table_matches_ipmitool() {
        let ok: &[(&str, u8)] = &[
            ("0", 0),
            ("1", 1),
            ("6", 6),  // live: raw 6 1 = NetFn 6 cmd 1
            ("06", 6), // octal 6
            ("0x06", 6),
            ("0X06", 6),
            ("0x6", 6),
            ("10", 10), // decimal, not hex
            ("0x10", 16),
            ("010", 8), // octal
            ("0xff", 255),
            ("0xFF", 255),
            ("255", 255),
            ("0377", 255),
            ("00", 0),
            ("0x00", 0),
            ("+7", 7),
            (" 7", 7), // strtoul skips leading white space
            ("\t0x1f", 31),
            ("-0", 0), // -0 is 0
            ("", 0),   // live: raw 6 "" sends cmd 0
        ];
        for (s, v) in ok {
            assert_eq!(parse_u8(s), Ok(*v), "{s:?}");
        }
        let not_numbers = [
            "08", "09", "0x", "0xg", "x10", "1a", "ff", "6 ", " ", "+", "-", "0x1 ", "1.0", "0b1",
            "abc", "0x-1", "--1", "١",
        ];
        for s in not_numbers {
            assert!(
                matches!(parse_u8(s), Err(NumberError::NotANumber(_))),
                "{s:?}: {:?}",
                parse_u8(s)
            );
        }
        let out_of_range = [
            "256",
            "0x100",
            "0400",
            "-1",
            "-0x1",
            "99999999999999999999999",
            "18446744073709551615",
        ];
        for s in out_of_range {
            assert!(
                matches!(parse_u8(s), Err(NumberError::OutOfRange { .. })),
                "{s:?}: {:?}",
                parse_u8(s)
            );
        }
    }

    #[test]
    fn netfn_names_and_numbers() {
        assert_eq!(parse_netfn("Application"), Ok(NetFn(6)));
        assert_eq!(parse_netfn("application"), Ok(NetFn(6)));
        assert_eq!(parse_netfn("CHASSIS"), Ok(NetFn(0)));
        assert_eq!(parse_netfn("sensorevent"), Ok(NetFn(4)));
        assert_eq!(parse_netfn("storage"), Ok(NetFn(0x0a)));
        assert_eq!(parse_netfn("0x06"), Ok(NetFn(6)));
        assert_eq!(parse_netfn("6"), Ok(NetFn(6)));
        assert_eq!(parse_netfn("0x2e"), Ok(NetFn(0x2e)));
        assert_eq!(parse_netfn("0x3f"), Ok(NetFn(0x3f)));
        // ipmitool would send 0x40 truncated to 0x00 (Chassis): refused here.
        assert!(matches!(
            parse_netfn("0x40"),
            Err(NumberError::OutOfRange { max: 0x3f, .. })
        ));
        assert!(matches!(
            parse_netfn("256"),
            Err(NumberError::OutOfRange { max: 0x3f, .. })
        ));
        assert!(matches!(
            parse_netfn("App"),
            Err(NumberError::NotANumber(_))
        ));
        assert!(matches!(
            parse_netfn("apps"),
            Err(NumberError::NotANumber(_))
        ));
    }

    #[test]
    fn wider_ranges() {
        assert_eq!(parse_unsigned("65535", 65535), Ok(65535));
        assert!(parse_unsigned("65536", 65535).is_err());
        assert_eq!(parse_unsigned("0x26f", 65535), Ok(623));
    }

    #[test]
    fn messages_are_clear() {
        assert_eq!(
            parse_u8("0x100").unwrap_err().to_string(),
            "'0x100' is out of range (0-255)"
        );
        assert!(parse_u8("zz")
            .unwrap_err()
            .to_string()
            .contains("is not a number"));
    }

    /// The raw-argument parsers on arbitrary text (a deterministic fuzz
    /// loop: the CLI is a binary crate, out of cargo-fuzz's reach): never
    /// a panic, and every accepted number is in range.
    #[test]
    fn arbitrary_text_never_panics() {
        let alphabet: Vec<char> = "0123456789abcdefxXABCDEF+- \t\u{0}\u{ff}zé"
            .chars()
            .collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if let Ok(v) = parse_unsigned(&text, 0xffff) {
                assert!(v <= 0xffff, "{text:?} -> {v}");
            }
            let _ = parse_u8(&text);
            if let Ok(n) = parse_netfn(&text) {
                assert!(n.0 <= 0x3f, "{text:?} -> {n:?}");
            }
        }
    }
}
