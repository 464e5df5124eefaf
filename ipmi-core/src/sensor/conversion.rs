//! Raw reading to value: y = L[(M·x + B·10^Bexp)·10^Rexp] with the
//! analog format's signedness and the linearization function (IPMI 2.0
//! §36.3; factors in §43.1 bytes 24–30).

use super::Units;

/// How a raw reading byte is signed (units 1 bits 7:6; IPMI 2.0 §43.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AnalogFormat {
    /// Unsigned.
    Unsigned = 0,
    /// 1's complement (signed).
    OnesComplement = 1,
    /// 2's complement (signed).
    TwosComplement = 2,
    /// No analog (numeric) reading.
    NoAnalog = 3,
}

impl AnalogFormat {
    /// From the two format bits.
    pub fn from_bits(bits: u8) -> AnalogFormat {
        match bits & 3 {
            0 => AnalogFormat::Unsigned,
            1 => AnalogFormat::OnesComplement,
            2 => AnalogFormat::TwosComplement,
            _ => AnalogFormat::NoAnalog,
        }
    }

    /// The raw byte as a number in this format; `None` for no analog reading.
    pub fn signed(self, raw: u8) -> Option<i16> {
        match self {
            AnalogFormat::Unsigned => Some(i16::from(raw)),
            // 1's complement: FFh is −0, 80h is −127.
            AnalogFormat::OnesComplement if raw & 0x80 != 0 => Some(i16::from(raw as i8) + 1),
            AnalogFormat::OnesComplement | AnalogFormat::TwosComplement => {
                Some(i16::from(raw as i8))
            }
            AnalogFormat::NoAnalog => None,
        }
    }
}

/// The linearization function L (IPMI 2.0 §43.1 byte 24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Linearization {
    /// y = x.
    Linear,
    /// Natural logarithm.
    Ln,
    /// Base-10 logarithm.
    Log10,
    /// Base-2 logarithm.
    Log2,
    /// e^x.
    E,
    /// 10^x.
    Exp10,
    /// 2^x.
    Exp2,
    /// 1/x.
    OneOverX,
    /// x².
    Sqr,
    /// x³.
    Cube,
    /// √x.
    Sqrt,
    /// ∛x.
    CubeRoot,
    /// 70h–7Fh: non-linear, factors from Get Sensor Reading Factors (applied as linear here).
    NonLinear(u8),
    /// Reserved codes, applied as linear (as ipmitool does).
    Reserved(u8),
}

impl Linearization {
    const STANDARD: [Linearization; 12] = [
        Linearization::Linear,
        Linearization::Ln,
        Linearization::Log10,
        Linearization::Log2,
        Linearization::E,
        Linearization::Exp10,
        Linearization::Exp2,
        Linearization::OneOverX,
        Linearization::Sqr,
        Linearization::Cube,
        Linearization::Sqrt,
        Linearization::CubeRoot,
    ];

    /// From byte 24 (bit 7 reserved, ignored).
    pub fn from_byte(b: u8) -> Linearization {
        let code = b & 0x7f;
        match Self::STANDARD.get(usize::from(code)) {
            Some(&l) => l,
            None if code >= 0x70 => Linearization::NonLinear(code),
            None => Linearization::Reserved(code),
        }
    }

    /// The byte-24 code.
    pub fn code(self) -> u8 {
        match self {
            Linearization::NonLinear(c) | Linearization::Reserved(c) => c,
            l => Self::STANDARD.iter().position(|&s| s == l).unwrap_or(0) as u8,
        }
    }

    /// Applies L to `x`.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Linearization::Ln => x.ln(),
            Linearization::Log10 => x.log10(),
            Linearization::Log2 => x.log2(),
            Linearization::E => x.exp(),
            Linearization::Exp10 => 10f64.powf(x),
            Linearization::Exp2 => x.exp2(),
            Linearization::OneOverX => 1.0 / x,
            Linearization::Sqr => x * x,
            Linearization::Cube => x * x * x,
            Linearization::Sqrt => x.sqrt(),
            Linearization::CubeRoot => x.cbrt(),
            _ => x,
        }
    }
}

/// A full sensor record's conversion factors (IPMI 2.0 §43.1 bytes 24–30).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Conversion {
    /// Signedness of raw values.
    pub format: AnalogFormat,
    /// Linearization function.
    pub linearization: Linearization,
    /// M, 10-bit 2's complement.
    pub m: i16,
    /// B, 10-bit 2's complement.
    pub b: i16,
    /// B exponent (K1), 4-bit 2's complement.
    pub b_exp: i8,
    /// Result exponent (K2), 4-bit 2's complement.
    pub r_exp: i8,
    /// Tolerance in +/- ½ raw counts, 6 bits.
    pub tolerance: u8,
    /// Accuracy in 1/100 percent units, 10 bits unsigned.
    pub accuracy: u16,
    /// Accuracy exponent, 2 bits.
    pub accuracy_exp: u8,
}

/// Sign-extends the low `bits` bits of `v`.
fn sign_extend(v: u16, bits: u32) -> i16 {
    let shift = 16 - bits;
    ((v << shift) as i16) >> shift
}

impl Conversion {
    /// Decodes bytes 24–30 (linearization … exponents) under `format`;
    /// also returns the sensor direction (byte 29 bits 1:0).
    pub fn from_bytes(format: AnalogFormat, b: [u8; 7]) -> (Conversion, u8) {
        let m = sign_extend(u16::from(b[1]) | u16::from(b[2] >> 6) << 8, 10);
        let bb = sign_extend(u16::from(b[3]) | u16::from(b[4] >> 6) << 8, 10);
        let conv = Conversion {
            format,
            linearization: Linearization::from_byte(b[0]),
            m,
            b: bb,
            tolerance: b[2] & 0x3f,
            accuracy: u16::from(b[4] & 0x3f) | u16::from(b[5] >> 4) << 6,
            accuracy_exp: (b[5] >> 2) & 3,
            r_exp: sign_extend(u16::from(b[6] >> 4), 4) as i8,
            b_exp: sign_extend(u16::from(b[6] & 0xf), 4) as i8,
        };
        (conv, b[5] & 3)
    }

    /// These factors with M, tolerance, B, accuracy and the exponents
    /// replaced by `factors` (record bytes 25–30, as Get Sensor Reading
    /// Factors returns them for a non-linear sensor; IPMI 2.0 §35.5).
    pub fn with_factors(&self, factors: [u8; 6]) -> Conversion {
        let [a, b, c, d, e, f] = factors;
        let (mut conv, _) =
            Conversion::from_bytes(self.format, [self.linearization.code(), a, b, c, d, e, f]);
        conv.linearization = self.linearization;
        conv
    }

    /// True for non-linear sensors (70h–7Fh), whose factors depend on the
    /// reading and come from Get Sensor Reading Factors.
    pub fn needs_reading_factors(&self) -> bool {
        matches!(self.linearization, Linearization::NonLinear(_))
    }

    /// Bytes 24–30 with sensor direction `direction` (inverse of [`Conversion::from_bytes`]).
    pub fn to_bytes(&self, direction: u8) -> [u8; 7] {
        let m = self.m as u16 & 0x3ff;
        let b = self.b as u16 & 0x3ff;
        [
            self.linearization.code(),
            m as u8,
            ((m >> 8) as u8) << 6 | (self.tolerance & 0x3f),
            b as u8,
            ((b >> 8) as u8) << 6 | (self.accuracy & 0x3f) as u8,
            ((self.accuracy >> 6) as u8 & 0xf) << 4
                | (self.accuracy_exp & 3) << 2
                | (direction & 3),
            ((self.r_exp as u8) & 0xf) << 4 | (self.b_exp as u8) & 0xf,
        ]
    }

    /// The value of raw reading `raw` (IPMI 2.0 §36.3); `None` when the
    /// format has no analog reading.
    pub fn convert(&self, raw: u8) -> Option<f64> {
        let x = f64::from(self.format.signed(raw)?);
        let linear = (f64::from(self.m) * x + f64::from(self.b) * 10f64.powi(self.b_exp.into()))
            * 10f64.powi(self.r_exp.into());
        Some(self.linearization.apply(linear))
    }

    /// A raw hysteresis or tolerance-like delta as a value: M·x·10^Rexp
    /// then L, without B (ipmitool's reading of hysteresis).
    pub fn delta(&self, raw: u8) -> Option<f64> {
        let x = f64::from(self.format.signed(raw)?);
        Some(
            self.linearization
                .apply(f64::from(self.m) * x * 10f64.powi(self.r_exp.into())),
        )
    }

    /// The tolerance in units (±, before linearization): M·tol/2·10^Rexp.
    pub fn tolerance_value(&self) -> f64 {
        f64::from(self.m) * f64::from(self.tolerance) / 2.0 * 10f64.powi(self.r_exp.into())
    }

    /// The raw byte nearest to `value` for a linear sensor (the responder
    /// uses it to serve readings; rounds as ipmitool's inverse does).
    pub fn to_raw(&self, value: f64) -> Option<u8> {
        if self.m == 0 || self.format == AnalogFormat::NoAnalog {
            return None;
        }
        let x = (value / 10f64.powi(self.r_exp.into())
            - f64::from(self.b) * 10f64.powi(self.b_exp.into()))
            / f64::from(self.m);
        let x = x.round();
        match self.format {
            AnalogFormat::Unsigned => (0.0..=255.0).contains(&x).then_some(x as u8),
            _ => (-127.0..=127.0).contains(&x).then(|| {
                let v = x as i8;
                if self.format == AnalogFormat::OnesComplement && v < 0 {
                    (v - 1) as u8
                } else {
                    v as u8
                }
            }),
        }
    }
}

/// A converted reading: the value, its units and the raw byte.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Value {
    /// The raw reading byte.
    pub raw: u8,
    /// The converted value.
    pub value: f64,
    /// The sensor's units.
    pub units: Units,
}

impl Value {
    /// The number as ipmitool prints it: no decimals when integral, else
    /// `precision` decimals (`sdr list`: 2, `sensor list`: 3).
    pub fn number(&self, precision: usize) -> String {
        format_number(self.value, precision)
    }
}

/// ipmitool's number style: `%.0f` when `v` is integral, else `%.{precision}f`.
pub fn format_number(v: f64, precision: usize) -> String {
    if v == f64::from(v as i32) {
        format!("{v:.0}")
    } else {
        format!("{v:.precision$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(m: i16, b: i16, b_exp: i8, r_exp: i8, format: AnalogFormat) -> Conversion {
        Conversion {
            format,
            linearization: Linearization::Linear,
            m,
            b,
            b_exp,
            r_exp,
            tolerance: 0,
            accuracy: 0,
            accuracy_exp: 0,
        }
    }

    #[test]
    fn formats_sign_raw_bytes() {
        assert_eq!(AnalogFormat::Unsigned.signed(0xff), Some(255));
        assert_eq!(AnalogFormat::TwosComplement.signed(0xff), Some(-1));
        assert_eq!(AnalogFormat::OnesComplement.signed(0xff), Some(0));
        assert_eq!(AnalogFormat::OnesComplement.signed(0xfe), Some(-1));
        assert_eq!(AnalogFormat::OnesComplement.signed(0x80), Some(-127));
        assert_eq!(AnalogFormat::NoAnalog.signed(1), None);
    }

    #[test]
    fn linear_and_exponents() {
        // 12V rail: M=63, Rexp=-3 -> 0xbe * 0.063 = 11.97.
        let c = conv(63, 0, 0, -3, AnalogFormat::Unsigned);
        assert!((c.convert(0xbe).unwrap() - 11.97).abs() < 1e-9);
        // B with its exponent: M=2, B=-5, Bexp=1, Rexp=-1: (2x - 50)/10.
        let c = conv(2, -5, 1, -1, AnalogFormat::TwosComplement);
        assert!((c.convert(0xf6).unwrap() - (-7.0)).abs() < 1e-9);
        assert_eq!(c.to_raw(-7.0), Some(0xf6));
        assert_eq!(conv(1, 0, 0, 0, AnalogFormat::NoAnalog).convert(3), None);
    }

    #[test]
    fn every_linearization() {
        let expect: [(u8, f64); 12] = [
            (0, 8.0),
            (1, 8f64.ln()),
            (2, 8f64.log10()),
            (3, 3.0),
            (4, 8f64.exp()),
            (5, 1e8),
            (6, 256.0),
            (7, 0.125),
            (8, 64.0),
            (9, 512.0),
            (10, 8f64.sqrt()),
            (11, 2.0),
        ];
        for (code, want) in expect {
            let mut c = conv(1, 0, 0, 0, AnalogFormat::Unsigned);
            c.linearization = Linearization::from_byte(code);
            assert_eq!(c.linearization.code(), code);
            let got = c.convert(8).unwrap();
            assert!(
                (got - want).abs() < 1e-9 * want.abs().max(1.0),
                "{code}: {got}"
            );
        }
        assert_eq!(
            Linearization::from_byte(0x71),
            Linearization::NonLinear(0x71)
        );
        let mut nl = conv(1, 0, 0, 0, AnalogFormat::Unsigned);
        nl.linearization = Linearization::NonLinear(0x70);
        assert!(nl.needs_reading_factors());
        // Factors M=3, B=2, Rexp=-1: (3*10 + 2) / 10.
        let f = nl.with_factors([3, 0, 2, 0, 0, 0xf0]);
        assert!((f.convert(10).unwrap() - 3.2).abs() < 1e-9);
        assert_eq!(f.linearization, Linearization::NonLinear(0x70));
        assert_eq!(
            Linearization::from_byte(0x20),
            Linearization::Reserved(0x20)
        );
    }

    #[test]
    fn factor_bytes_round_trip() {
        // M = -300 (10-bit), B = 511, Rexp = -8, Bexp = 7, accuracy 1023, exp 3, dir 2.
        let c = Conversion {
            format: AnalogFormat::TwosComplement,
            linearization: Linearization::Sqrt,
            m: -300,
            b: 511,
            b_exp: 7,
            r_exp: -8,
            tolerance: 63,
            accuracy: 1023,
            accuracy_exp: 3,
        };
        let bytes = c.to_bytes(2);
        assert_eq!(Conversion::from_bytes(c.format, bytes), (c, 2));
        assert_eq!(c.tolerance_value(), -300.0 * 63.0 / 2.0 * 1e-8);
    }

    #[test]
    fn ipmitool_number_style() {
        assert_eq!(format_number(27.0, 2), "27");
        assert_eq!(format_number(11.97, 3), "11.970");
        assert_eq!(format_number(-0.5, 2), "-0.50");
    }
}
