//! pg_lsn, PostgreSQL's write-ahead-log position: an unsigned 64-bit
//! integer written as two hexadecimal halves (`16/B374D848`). Text input and
//! output, conversion from numeric (`pg_lsn(numeric)`), and the arithmetic
//! PostgreSQL defines: pg_lsn - pg_lsn is a numeric byte distance, and
//! pg_lsn +/- numeric moves a position by a number of bytes.

use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;

/// The text form: upper-case hex halves without leading zeros.
pub fn format(lsn: u64) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

/// Parses `hi/lo` (each 1..=8 hex digits), PostgreSQL's pg_lsn_in.
pub fn parse(text: &str) -> SqlResult<u64> {
    let bad = || {
        SqlError::new(
            "22P02",
            format!("invalid input syntax for type pg_lsn: \"{text}\""),
        )
    };
    let (hi, lo) = text.split_once('/').ok_or_else(bad)?;
    let half = |s: &str| -> SqlResult<u64> {
        if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        u64::from_str_radix(s, 16).map_err(|_| bad())
    };
    Ok((half(hi)? << 32) | half(lo)?)
}

fn out_of_range() -> SqlError {
    SqlError::new("22003", "pg_lsn out of range")
}

/// pg_lsn(numeric): the integer value as a position, PostgreSQL's
/// numeric_pg_lsn (fractions round to the nearest integer).
pub fn from_numeric(n: &Numeric) -> SqlResult<u64> {
    if n.is_nan() {
        return Err(SqlError::new("0A000", "cannot convert NaN to pg_lsn"));
    }
    if !n.is_finite() {
        return Err(out_of_range());
    }
    let rounded = n.round(0).to_pg_string();
    rounded.parse::<u64>().map_err(|_| out_of_range())
}

/// pg_lsn - pg_lsn: the distance in bytes, negative when `a` is before `b`.
pub fn minus(a: u64, b: u64) -> Numeric {
    Numeric::from_i128(i128::from(a) - i128::from(b))
}

/// pg_lsn + numeric, or pg_lsn - numeric when `subtract`.
pub fn offset(lsn: u64, bytes: &Numeric, subtract: bool) -> SqlResult<u64> {
    if bytes.is_nan() {
        return Err(SqlError::new(
            "0A000",
            format!(
                "cannot {} NaN {} pg_lsn",
                if subtract { "subtract" } else { "add" },
                if subtract { "from" } else { "to" }
            ),
        ));
    }
    let moved = if subtract {
        Numeric::from_i128(i128::from(lsn)).sub(bytes)
    } else {
        Numeric::from_i128(i128::from(lsn)).add(bytes)
    };
    from_numeric(&moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    #[test]
    fn text_round_trip() {
        assert_eq!(format(23_783_416), "0/16AE7F8");
        assert_eq!(format(u64::MAX), "FFFFFFFF/FFFFFFFF");
        assert_eq!(parse("16/B374D848").unwrap(), 0x16_B374_D848);
        assert_eq!(parse("0/0").unwrap(), 0);
        for bad in ["G/0", "-1/0", "0", "/0", "0/", "123456789/0", " 0/0"] {
            assert_eq!(parse(bad).unwrap_err().sqlstate, "22P02", "{bad}");
        }
    }

    #[test]
    fn numeric_conversion_and_arithmetic() {
        assert_eq!(from_numeric(&num("23783416")).unwrap(), 23_783_416);
        assert_eq!(
            from_numeric(&num("18446744073709551615")).unwrap(),
            u64::MAX
        );
        for bad in ["-1", "18446744073709551616", "Infinity"] {
            assert_eq!(
                from_numeric(&num(bad)).unwrap_err().message,
                "pg_lsn out of range"
            );
        }
        assert_eq!(
            from_numeric(&num("NaN")).unwrap_err().message,
            "cannot convert NaN to pg_lsn"
        );
        assert_eq!(minus(10, 16).to_pg_string(), "-6");
        assert_eq!(offset(16, &num("16"), false).unwrap(), 32);
        assert_eq!(offset(16, &num("16"), true).unwrap(), 0);
        assert!(offset(16, &num("17"), true).is_err());
        assert!(offset(u64::MAX, &num("1"), false).is_err());
    }
}
