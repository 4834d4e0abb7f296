//! money: a signed 64-bit count of cents, read and printed as PostgreSQL
//! does under `lc_monetary = 'C'` (currency symbol `$`, `,` groups of three,
//! two fraction digits, `-` sign before the symbol: `-$1,000.00`), with
//! `cash_in`'s lenient input (symbols, separators, parentheses for negative,
//! rounding of a third fraction digit), the conversions to and from
//! numeric and integers, and the arithmetic PostgreSQL defines on it.

use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;

/// Digits after the decimal point (frac_digits of the C locale's default).
const FRACTION_DIGITS: u32 = 2;
const SCALE: i64 = 100;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

fn out_of_range_input(text: &str) -> SqlError {
    SqlError::new(
        "22003",
        format!("value \"{text}\" is out of range for type money"),
    )
}

/// cash_in: `$1,000.00`, `-12.345`, `(5)`, `5-`, ... into cents.
pub fn parse(text: &str) -> SqlResult<i64> {
    let s = text.as_bytes();
    let mut i = 0;
    let skip_spaces = |i: &mut usize| {
        while s.get(*i).copied().is_some_and(is_space) {
            *i += 1;
        }
    };
    let skip_symbol = |i: &mut usize| {
        if s.get(*i) == Some(&b'$') {
            *i += 1;
        }
    };
    skip_spaces(&mut i);
    skip_symbol(&mut i);
    skip_spaces(&mut i);
    let mut negative = false;
    match s.get(i) {
        Some(b'-') | Some(b'(') => {
            negative = true;
            i += 1;
        }
        Some(b'+') => i += 1,
        _ => {}
    }
    skip_spaces(&mut i);
    skip_symbol(&mut i);
    skip_spaces(&mut i);
    // Built in the negative, as cash_in does, so i64::MIN stays reachable.
    let mut value: i64 = 0;
    let mut seen_dot = false;
    let mut decimals = 0;
    while let Some(&b) = s.get(i) {
        if b.is_ascii_digit() && (!seen_dot || decimals < FRACTION_DIGITS) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_sub(i64::from(b - b'0')))
                .ok_or_else(|| out_of_range_input(text))?;
            if seen_dot {
                decimals += 1;
            }
        } else if b == b'.' && !seen_dot {
            seen_dot = true;
        } else if b != b',' {
            break;
        }
        i += 1;
    }
    // A further digit rounds half up (away from zero).
    if s.get(i).is_some_and(|b| (b'5'..=b'9').contains(b)) {
        value = value
            .checked_sub(1)
            .ok_or_else(|| out_of_range_input(text))?;
    }
    for _ in decimals..FRACTION_DIGITS {
        value = value
            .checked_mul(10)
            .ok_or_else(|| out_of_range_input(text))?;
    }
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    while let Some(&b) = s.get(i) {
        match b {
            b')' | b'+' | b'$' => {}
            b'-' => negative = true,
            b if is_space(b) => {}
            _ => return Err(SqlError::invalid_text("money", text)),
        }
        i += 1;
    }
    if negative {
        Ok(value)
    } else {
        value.checked_neg().ok_or_else(|| out_of_range_input(text))
    }
}

/// cash_out: `$1,234.56`, `-$0.01`.
pub fn format(cents: i64) -> String {
    let magnitude = cents.unsigned_abs();
    let units = magnitude / SCALE as u64;
    let fraction = magnitude % SCALE as u64;
    let digits = units.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}${grouped}.{fraction:02}")
}

fn money_out_of_range() -> SqlError {
    SqlError::new("22003", "money out of range")
}

/// money -> numeric: the amount with two decimals (`cash_numeric`).
pub fn to_numeric(cents: i64) -> Numeric {
    let text = format!(
        "{}{}.{:02}",
        if cents < 0 { "-" } else { "" },
        cents.unsigned_abs() / SCALE as u64,
        cents.unsigned_abs() % SCALE as u64
    );
    // The text is always a valid decimal number.
    Numeric::parse(&text).unwrap_or_else(|_| Numeric::zero())
}

/// numeric -> money: rounded to cents (`numeric_cash`).
pub fn from_numeric(n: &Numeric) -> SqlResult<i64> {
    if !n.is_finite() {
        return Err(SqlError::new(
            "0A000",
            format!(
                "cannot convert {} to money",
                if n.is_nan() { "NaN" } else { "infinity" }
            ),
        ));
    }
    let cents = n
        .round(i64::from(FRACTION_DIGITS))
        .mul(&Numeric::from_i64(SCALE))?;
    cents
        .to_i64()
        .ok_or_else(|| SqlError::out_of_range("bigint"))
}

/// int4/int8 -> money (`int8_cash`).
pub fn from_integer(v: i64) -> SqlResult<i64> {
    v.checked_mul(SCALE)
        .ok_or_else(|| SqlError::out_of_range("bigint"))
}

/// money + money, money - money.
pub fn add(a: i64, b: i64) -> SqlResult<i64> {
    a.checked_add(b).ok_or_else(money_out_of_range)
}

pub fn sub(a: i64, b: i64) -> SqlResult<i64> {
    a.checked_sub(b).ok_or_else(money_out_of_range)
}

/// money * integer.
pub fn mul_int(a: i64, b: i64) -> SqlResult<i64> {
    a.checked_mul(b).ok_or_else(money_out_of_range)
}

/// money * float: rounded to the nearest cent (`rint`).
pub fn mul_float(a: i64, f: f64) -> SqlResult<i64> {
    float_to_cents((a as f64 * f).round_ties_even())
}

/// money / integer: truncated toward zero.
pub fn div_int(a: i64, b: i64) -> SqlResult<i64> {
    if b == 0 {
        return Err(SqlError::division_by_zero());
    }
    a.checked_div(b).ok_or_else(money_out_of_range)
}

/// money / float: rounded to the nearest cent.
pub fn div_float(a: i64, f: f64) -> SqlResult<i64> {
    if f == 0.0 {
        return Err(SqlError::division_by_zero());
    }
    float_to_cents((a as f64 / f).round_ties_even())
}

/// money / money: the ratio as float8.
pub fn div_money(a: i64, b: i64) -> SqlResult<f64> {
    if b == 0 {
        return Err(SqlError::division_by_zero());
    }
    Ok(a as f64 / b as f64)
}

fn float_to_cents(v: f64) -> SqlResult<i64> {
    if !v.is_finite() || !(-9.223372036854776e18..9.223372036854776e18).contains(&v) {
        return Err(money_out_of_range());
    }
    Ok(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn input_matches_postgres_cash_in() {
        let cases = [
            ("1", 100),
            ("$1,000.00", 100_000),
            ("-12.345", -1235),
            ("(1,000.00)", -100_000),
            ("-$12", -1200),
            ("12.345", 1235),
            ("1,2,3", 12_300),
            (" $ 5 ", 500),
            ("12.3456", 1235),
            ("-0.005", -1),
            ("0.005", 1),
            ("$-5", -500),
            ("5-", -500),
            ("", 0),
            ("92233720368547758.07", i64::MAX),
            ("-92233720368547758.08", i64::MIN),
        ];
        for (text, cents) in cases {
            assert_eq!(parse(text).unwrap(), cents, "{text}");
        }
        for bad in ["1e3", "abc", "1.2.3"] {
            assert_eq!(
                parse(bad).unwrap_err().message,
                format!("invalid input syntax for type money: \"{bad}\"")
            );
        }
        assert_eq!(
            parse("92233720368547758.08").unwrap_err().message,
            "value \"92233720368547758.08\" is out of range for type money"
        );
    }

    #[test]
    fn output_matches_postgres_cash_out() {
        assert_eq!(format(100_000), "$1,000.00");
        assert_eq!(format(-1235), "-$12.35");
        assert_eq!(format(1), "$0.01");
        assert_eq!(format(0), "$0.00");
        assert_eq!(format(i64::MAX), "$92,233,720,368,547,758.07");
        assert_eq!(format(i64::MIN), "-$92,233,720,368,547,758.08");
    }

    #[test]
    fn conversions_and_arithmetic() {
        assert_eq!(to_numeric(1250).to_pg_string(), "12.50");
        assert_eq!(to_numeric(-5).to_pg_string(), "-0.05");
        let n = |s: &str| Numeric::parse(s).unwrap();
        assert_eq!(from_numeric(&n("2.675")).unwrap(), 268);
        assert_eq!(from_numeric(&n("-12.345")).unwrap(), -1235);
        assert_eq!(from_integer(1000).unwrap(), 100_000);
        assert_eq!(mul_float(500, 2.5).unwrap(), 1250);
        assert_eq!(div_int(500, 3).unwrap(), 166);
        assert_eq!(div_money(500, 200).unwrap(), 2.5);
        assert_eq!(div_int(1, 0).unwrap_err().sqlstate, "22012");
        assert_eq!(add(i64::MAX, 1).unwrap_err().message, "money out of range");
    }

    proptest! {
        #[test]
        fn text_round_trips(cents: i64) {
            prop_assert_eq!(parse(&format(cents)).unwrap(), cents);
        }

        #[test]
        fn numeric_round_trips(cents: i64) {
            prop_assert_eq!(from_numeric(&to_numeric(cents)).unwrap(), cents);
        }
    }
}
