//! The digits PostgreSQL prints for a float4 or float8 at the default
//! `extra_float_digits = 1`: the shortest decimal that reads back as the
//! same value, correctly rounded (ties to even), as PostgreSQL's Ryu port
//! produces it. Unlike the `ryu` crate, PostgreSQL never picks a decimal
//! that lies exactly halfway between two floats (where reading it back
//! depends on round-half-even), so 2^25 + 4 as a float4 prints as
//! 3.3554448e+07, not 3.355445e+07, and the double nearest 1e23 as
//! 9.999999999999999e+22. `shortest_sci` starts from `ryu`'s answer and,
//! when that is such a midpoint, takes the shortest correctly rounded
//! decimal that is not.

/// `v` (finite) in Rust's `{:e}` form (`-1.2345e-7`) with PostgreSQL's
/// shortest digits; `single` for a float4 value (held exactly in `v`).
pub fn shortest_sci(v: f64, single: bool) -> String {
    let mut buf = ryu::Buffer::new();
    let text = if single {
        buf.format_finite(v as f32)
    } else {
        buf.format_finite(v)
    };
    let Some((neg, digits, exp)) = parse_decimal(text) else {
        return format!("{v:e}");
    };
    let (mantissa, exp2, lower_gap_halved) = decompose(v, single);
    if !is_midpoint(&digits, exp, mantissa, exp2, lower_gap_halved) {
        return sci(neg, &digits, exp);
    }
    let max_digits = if single { 9 } else { 17 };
    for n in digits.len() + 1..=max_digits {
        let candidate = format!("{:.*e}", n - 1, v.abs());
        if let Some((_, d, e)) = parse_decimal(&candidate) {
            if !is_midpoint(&d, e, mantissa, exp2, lower_gap_halved) {
                return sci(neg, &d, e);
            }
        }
    }
    format!("{v:e}")
}

/// Significant digits (no leading or trailing zeros) and the decimal
/// exponent of the first, from `123.45`, `1e23`, `2.5e-8` or `33554450.0`.
fn parse_decimal(text: &str) -> Option<(bool, String, i32)> {
    let (neg, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int.chars().chain(frac.chars()).collect();
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_string();
    if digits.is_empty() {
        return Some((neg, "0".into(), 0));
    }
    // Exponent of the first significant digit.
    let first = int.len() as i32 - 1 - lead as i32 + exp;
    Some((neg, digits, first))
}

fn sci(neg: bool, digits: &str, exp: i32) -> String {
    let sign = if neg { "-" } else { "" };
    match digits.split_at(1) {
        (d, "") => format!("{sign}{d}e{exp}"),
        (d, rest) => format!("{sign}{d}.{rest}e{exp}"),
    }
}

/// |v| = mantissa * 2^exp2, and whether the gap below |v| is half the gap
/// above (|v| is a power of two above the smallest normal).
fn decompose(v: f64, single: bool) -> (u64, i32, bool) {
    if single {
        let bits = (v as f32).abs().to_bits();
        let (e, m) = ((bits >> 23) as i32, u64::from(bits & 0x7f_ffff));
        if e == 0 {
            (m, -149, false)
        } else {
            (m | 1 << 23, e - 150, m == 0 && e > 1)
        }
    } else {
        let bits = v.abs().to_bits();
        let (e, m) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
        if e == 0 {
            (m, -1074, false)
        } else {
            (m | 1 << 52, e - 1075, m == 0 && e > 1)
        }
    }
}

/// Whether digits * 10^(exp - len + 1) is exactly halfway between the float
/// mantissa * 2^exp2 and one of its neighbours.
fn is_midpoint(digits: &str, exp: i32, mantissa: u64, exp2: i32, lower_gap_halved: bool) -> bool {
    let Ok(d) = digits.parse::<u64>() else {
        return false;
    };
    if mantissa == 0 {
        return false;
    }
    let e10 = exp - (digits.len() as i32 - 1);
    let m = u128::from(mantissa);
    let above = (2 * m + 1, exp2 - 1);
    let below = if lower_gap_halved {
        (4 * m - 1, exp2 - 2)
    } else {
        (2 * m - 1, exp2 - 1)
    };
    [above, below]
        .iter()
        .any(|&(odd, e2)| equals(d, e10, odd, e2))
}

/// d * 10^e10 == odd * 2^e2 exactly (`odd` is odd).
fn equals(d: u64, e10: i32, odd: u128, e2: i32) -> bool {
    let twos = d.trailing_zeros() as i32;
    let d_odd = u128::from(d >> twos);
    let pow5 = |n: i32| -> Option<u128> { 5u128.checked_pow(u32::try_from(n).ok()?) };
    if e10 >= 0 {
        // d_odd * 5^e10 * 2^(twos + e10)
        pow5(e10)
            .and_then(|p| d_odd.checked_mul(p))
            .is_some_and(|x| x == odd && twos + e10 == e2)
    } else {
        // d = odd * 5^-e10 * 2^(e2 - e10)
        pow5(-e10)
            .and_then(|p| odd.checked_mul(p))
            .is_some_and(|x| x == d_odd && twos == e2 - e10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f4(bits: u32) -> String {
        shortest_sci(f32::from_bits(bits) as f64, true)
    }

    fn f8(bits: u64) -> String {
        shortest_sci(f64::from_bits(bits), false)
    }

    #[test]
    fn digits_match_postgres() {
        // Midpoints ryu would print are avoided.
        assert_eq!(f4(0x4c000004), "3.3554448e7");
        assert_eq!(f4(0x50061c46), "8.999999e9");
        assert_eq!(f8(0x44b52d02c7e14af6), "9.999999999999999e22");
        assert_eq!(f8(0x4350000000000002), "1.8014398509481992e16");
        // Ties round to even.
        assert_eq!(f4(0x45fd1840), "8.0990312e3");
        assert_eq!(f8(0x3e60000000000000), "2.9802322387695312e-8");
        // Ordinary values keep the shortest form.
        assert_eq!(f4(0x3dcccccd), "1e-1");
        assert_eq!(f4(1), "1e-45");
        assert_eq!(shortest_sci(-1.5, false), "-1.5e0");
        assert_eq!(shortest_sci(123456.0, false), "1.23456e5");
        assert_eq!(shortest_sci(0.0, false), "0e0");
    }
}
