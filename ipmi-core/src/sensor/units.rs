//! Sensor units: the three unit bytes of full and compact records (IPMI 2.0
//! §43.1 bytes 21–23, unit codes table 43-15) and ipmitool's unit text.

use super::conversion::AnalogFormat;
use super::names::unit_name;

/// Rate unit (units 1 bits 5:3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RateUnit {
    /// No rate.
    None,
    /// Per microsecond.
    PerMicrosecond,
    /// Per millisecond.
    PerMillisecond,
    /// Per second.
    PerSecond,
    /// Per minute.
    PerMinute,
    /// Per hour.
    PerHour,
    /// Per day.
    PerDay,
    /// Reserved code 7.
    Reserved,
}

/// How the modifier unit combines with the base unit (units 1 bits 2:1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum UnitModifier {
    /// No modifier unit.
    None,
    /// Base unit / modifier unit.
    Divide,
    /// Base unit * modifier unit.
    Multiply,
    /// Reserved code 3.
    Reserved,
}

/// A sensor's units (IPMI 2.0 §43.1 bytes 21–23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Units {
    /// Analog data format (bits 7:6).
    pub format: AnalogFormat,
    /// Rate unit (bits 5:3).
    pub rate: RateUnit,
    /// Modifier unit relation (bits 2:1).
    pub modifier: UnitModifier,
    /// Percentage (bit 0).
    pub percentage: bool,
    /// Base unit code (table 43-15).
    pub base: u8,
    /// Modifier unit code (table 43-15).
    pub modifier_unit: u8,
}

impl Units {
    /// Decodes the three unit bytes.
    pub fn from_bytes(b: [u8; 3]) -> Units {
        Units {
            format: AnalogFormat::from_bits(b[0] >> 6),
            rate: [
                RateUnit::None,
                RateUnit::PerMicrosecond,
                RateUnit::PerMillisecond,
                RateUnit::PerSecond,
                RateUnit::PerMinute,
                RateUnit::PerHour,
                RateUnit::PerDay,
                RateUnit::Reserved,
            ][usize::from((b[0] >> 3) & 7)],
            modifier: [
                UnitModifier::None,
                UnitModifier::Divide,
                UnitModifier::Multiply,
                UnitModifier::Reserved,
            ][usize::from((b[0] >> 1) & 3)],
            percentage: b[0] & 1 != 0,
            base: b[1],
            modifier_unit: b[2],
        }
    }

    /// The three unit bytes.
    pub fn to_bytes(self) -> [u8; 3] {
        let b0 = (self.format as u8) << 6
            | (self.rate as u8) << 3
            | (self.modifier as u8) << 1
            | u8::from(self.percentage);
        [b0, self.base, self.modifier_unit]
    }

    /// ipmitool's unit text: "degrees C", "% RPM", "Watts/hour", "percent".
    pub fn text(self) -> String {
        let pct = if self.percentage { "% " } else { "" };
        let base = unit_name(self.base);
        let modifier = unit_name(self.modifier_unit);
        match self.modifier {
            UnitModifier::Multiply => format!("{pct}{base}*{modifier}"),
            UnitModifier::Divide => format!("{pct}{base}/{modifier}"),
            _ if self.base == 0 && self.percentage => "percent".to_string(),
            _ => format!("{pct}{base}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_bytes_and_text() {
        let u = Units::from_bytes([0x00, 0x01, 0x00]);
        assert_eq!(u.text(), "degrees C");
        assert_eq!(u.to_bytes(), [0, 1, 0]);
        let pct = Units::from_bytes([0x01, 0x00, 0x00]);
        assert_eq!(pct.text(), "percent");
        let rpm = Units::from_bytes([0x81, 18, 0]);
        assert_eq!(rpm.format, AnalogFormat::TwosComplement);
        assert_eq!(rpm.text(), "% RPM");
        let wh = Units::from_bytes([0x04 | 0x18, 6, 24]);
        assert_eq!(wh.rate, RateUnit::PerSecond);
        assert_eq!(wh.text(), "Watts*hour");
        assert_eq!(
            Units::from_bytes([0x02, 200, 1]).text(),
            "invalid/degrees C"
        );
        for b0 in 0..=255u8 {
            assert_eq!(Units::from_bytes([b0, 4, 5]).to_bytes(), [b0, 4, 5]);
        }
    }
}
