//! The nom plumbing the SDR decoders share: an error naming the field that
//! failed, and small field parsers.

use nom::error::{ErrorKind, ParseError};
use nom::IResult;

/// The field a parser was reading when the bytes ran out or were invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldError(pub &'static str);

impl<'a> ParseError<&'a [u8]> for FieldError {
    fn from_error_kind(_: &'a [u8], _: ErrorKind) -> Self {
        FieldError("record")
    }
    fn append(_: &'a [u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

/// A parser result with a [`FieldError`].
pub(crate) type Res<'a, T> = IResult<&'a [u8], T, FieldError>;

/// Runs `p`, naming `field` if it fails.
pub(crate) fn field<'a, O>(
    name: &'static str,
    mut p: impl FnMut(&'a [u8]) -> Res<'a, O>,
) -> impl FnMut(&'a [u8]) -> Res<'a, O> {
    move |i| p(i).map_err(|e| e.map(|_| FieldError(name)))
}

/// One byte named `name`.
pub(crate) fn byte<'a>(name: &'static str) -> impl FnMut(&'a [u8]) -> Res<'a, u8> {
    field(name, nom::number::complete::u8)
}

/// A little-endian 16-bit field named `name`.
pub(crate) fn word<'a>(name: &'static str) -> impl FnMut(&'a [u8]) -> Res<'a, u16> {
    field(name, nom::number::complete::le_u16)
}

/// `N` bytes named `name`.
pub(crate) fn array<'a, const N: usize>(
    name: &'static str,
) -> impl FnMut(&'a [u8]) -> Res<'a, [u8; N]> {
    field(name, |i: &'a [u8]| {
        let (rest, b) = nom::bytes::complete::take(N)(i)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok((rest, out))
    })
}
