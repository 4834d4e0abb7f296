//! The unit of capacity: the Aurora Capacity Unit (ACU), from 0 to 256 in steps of 0.5.
//!
//! Stored as a count of half-ACUs so that arithmetic and comparison are exact. Written as
//! a decimal ("0.5", "2", "1.5"); serialized as a JSON number (0.5, 2, 1.5), and read from a
//! number or a string, refusing anything that is not a multiple of 0.5 within 0..=256.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// What a capacity may be, for error messages.
pub const ACU_ALLOWED: &str = "capacity must be from 0 to 256 ACU in steps of 0.5";

/// A capacity that cannot be an ACU count.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AcuError {
    #[error("capacity \"{0}\" is not a number: {ACU_ALLOWED}")]
    NotANumber(String),
    #[error("capacity {0} ACU is not a multiple of 0.5: {ACU_ALLOWED}")]
    NotAHalfStep(String),
    #[error("capacity {0} ACU is outside 0 to 256: {ACU_ALLOWED}")]
    OutOfRange(String),
}

/// A capacity in ACUs (1 ACU: 2 GiB of memory with its share of CPU), a multiple of 0.5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Acu(u16);

impl Acu {
    /// Paused: no compute at all.
    pub const ZERO: Acu = Acu(0);
    /// The smallest running capacity.
    pub const HALF: Acu = Acu(1);
    pub const ONE: Acu = Acu(2);
    /// Aurora's ceiling.
    pub const MAX: Acu = Acu(512);

    /// `half_units` half-ACUs, or None above [`Acu::MAX`].
    pub const fn from_half_units(half_units: u16) -> Option<Acu> {
        if half_units <= Acu::MAX.0 {
            Some(Acu(half_units))
        } else {
            None
        }
    }

    /// A capacity from a float (JSON, configuration): exact multiples of 0.5 only.
    pub fn from_f64(value: f64) -> Result<Acu, AcuError> {
        if !value.is_finite() {
            return Err(AcuError::NotANumber(value.to_string()));
        }
        if !(0.0..=256.0).contains(&value) {
            return Err(AcuError::OutOfRange(value.to_string()));
        }
        let halves = value * 2.0;
        if halves.fract() != 0.0 {
            return Err(AcuError::NotAHalfStep(value.to_string()));
        }
        Ok(Acu(halves as u16))
    }

    /// The smallest capacity at or above `value` ACUs, saturating at 0 and [`Acu::MAX`].
    pub fn ceil_from_f64(value: f64) -> Acu {
        if value.is_nan() || value <= 0.0 {
            return Acu::ZERO;
        }
        let halves = (value * 2.0).ceil();
        if halves >= f64::from(Acu::MAX.0) {
            Acu::MAX
        } else {
            Acu(halves as u16)
        }
    }

    pub const fn half_units(self) -> u16 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 2.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn saturating_add(self, other: Acu) -> Acu {
        Acu(self.0.saturating_add(other.0).min(Acu::MAX.0))
    }

    pub fn saturating_sub(self, other: Acu) -> Acu {
        Acu(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Acu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(2) {
            write!(f, "{}", self.0 / 2)
        } else {
            write!(f, "{}.5", self.0 / 2)
        }
    }
}

impl FromStr for Acu {
    type Err = AcuError;

    /// Decimal notation only ("2", "0.5", "1.50"); exact, no float rounding.
    fn from_str(text: &str) -> Result<Acu, AcuError> {
        let trimmed = text.trim();
        let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
        let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let negative = whole.starts_with('-') && !whole[1..].is_empty() && is_digits(&whole[1..]);
        if negative && is_digits(fraction) {
            return Err(AcuError::OutOfRange(trimmed.to_owned()));
        }
        if (whole.is_empty() && fraction.is_empty()) || !is_digits(whole) || !is_digits(fraction) {
            return Err(AcuError::NotANumber(trimmed.to_owned()));
        }
        let fraction = fraction.trim_end_matches('0');
        let half = match fraction {
            "" => 0,
            "5" => 1,
            _ => return Err(AcuError::NotAHalfStep(trimmed.to_owned())),
        };
        let whole = whole.trim_start_matches('0');
        if whole.len() > 3 {
            return Err(AcuError::OutOfRange(trimmed.to_owned()));
        }
        let whole: u16 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| AcuError::NotANumber(trimmed.to_owned()))?
        };
        let halves = whole * 2 + half;
        Acu::from_half_units(halves).ok_or_else(|| AcuError::OutOfRange(trimmed.to_owned()))
    }
}

impl Serialize for Acu {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(2) {
            serializer.serialize_u16(self.0 / 2)
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Acu {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Acu, D::Error> {
        struct AcuVisitor;
        impl Visitor<'_> for AcuVisitor {
            type Value = Acu;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a capacity from 0 to 256 ACU in steps of 0.5")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Acu, E> {
                if v > 256 {
                    return Err(E::custom(AcuError::OutOfRange(v.to_string())));
                }
                Ok(Acu(v as u16 * 2))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Acu, E> {
                if v < 0 {
                    return Err(E::custom(AcuError::OutOfRange(v.to_string())));
                }
                self.visit_u64(v as u64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Acu, E> {
                Acu::from_f64(v).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Acu, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(AcuVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_decimal_half_steps() {
        assert_eq!("0.5".parse(), Ok(Acu::HALF));
        assert_eq!("2".parse(), Ok(Acu::from_half_units(4).unwrap()));
        assert_eq!("1.5".parse(), Ok(Acu::from_half_units(3).unwrap()));
        assert_eq!("1.50".parse(), Ok(Acu::from_half_units(3).unwrap()));
        assert_eq!("0".parse(), Ok(Acu::ZERO));
        assert_eq!(".5".parse(), Ok(Acu::HALF));
        assert_eq!("256".parse(), Ok(Acu::MAX));
        assert_eq!("0256.0".parse(), Ok(Acu::MAX));
    }

    #[test]
    fn refuses_with_what_is_allowed() {
        let cases = [
            ("0.25", "not a multiple of 0.5"),
            ("1.7", "not a multiple of 0.5"),
            ("256.5", "outside 0 to 256"),
            ("1000", "outside 0 to 256"),
            ("-1", "outside 0 to 256"),
            ("abc", "not a number"),
            ("", "not a number"),
            (".", "not a number"),
            ("1e3", "not a number"),
        ];
        for (text, what) in cases {
            let error = text.parse::<Acu>().unwrap_err().to_string();
            assert!(error.contains(what), "{text}: {error}");
            assert!(error.contains(ACU_ALLOWED), "{text}: {error}");
        }
    }

    #[test]
    fn displays_as_decimal() {
        assert_eq!(Acu::HALF.to_string(), "0.5");
        assert_eq!(Acu::ZERO.to_string(), "0");
        assert_eq!(Acu::from_half_units(5).unwrap().to_string(), "2.5");
        assert_eq!(Acu::MAX.to_string(), "256");
    }

    #[test]
    fn json_numbers_and_strings() {
        assert_eq!(serde_json::to_string(&Acu::HALF).unwrap(), "0.5");
        assert_eq!(serde_json::to_string(&Acu::ONE).unwrap(), "1");
        assert_eq!(serde_json::from_str::<Acu>("1.5").unwrap().half_units(), 3);
        assert_eq!(
            serde_json::from_str::<Acu>("\"4\"").unwrap().half_units(),
            8
        );
        for bad in ["0.3", "-2", "300", "\"x\"", "null"] {
            assert!(serde_json::from_str::<Acu>(bad).is_err(), "{bad}");
        }
        let error = serde_json::from_str::<Acu>("0.3").unwrap_err().to_string();
        assert!(error.contains("steps of 0.5"), "{error}");
    }

    #[test]
    fn float_conversions() {
        assert_eq!(Acu::from_f64(2.5), Ok(Acu::from_half_units(5).unwrap()));
        assert!(Acu::from_f64(f64::NAN).is_err());
        assert_eq!(Acu::ceil_from_f64(1.2), Acu::from_half_units(3).unwrap());
        assert_eq!(Acu::ceil_from_f64(1.5), Acu::from_half_units(3).unwrap());
        assert_eq!(Acu::ceil_from_f64(-3.0), Acu::ZERO);
        assert_eq!(Acu::ceil_from_f64(f64::INFINITY), Acu::MAX);
        assert_eq!(Acu::ceil_from_f64(f64::NAN), Acu::ZERO);
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(halves in 0u16..=512) {
            let acu = Acu::from_half_units(halves).unwrap();
            prop_assert_eq!(acu.to_string().parse::<Acu>(), Ok(acu));
            let json = serde_json::to_string(&acu).unwrap();
            prop_assert_eq!(serde_json::from_str::<Acu>(&json).unwrap(), acu);
        }

        #[test]
        fn parse_never_panics(text in ".{0,12}") {
            let _ = text.parse::<Acu>();
        }
    }
}
