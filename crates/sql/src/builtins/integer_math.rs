//! gcd, lcm, factorial and width_bucket as PostgreSQL 15 defines them:
//! gcd/lcm results are never negative, integer overflow is 22003 "<type> out
//! of range", numeric operands may have fractions (Euclid on the scaled
//! values) and NaN or infinite operands give NaN.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;

fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn int_result(v: i128, is_int4: bool) -> SqlResult<Datum> {
    if is_int4 {
        i32::try_from(v)
            .map(Datum::Int4)
            .map_err(|_| SqlError::out_of_range("integer"))
    } else {
        i64::try_from(v)
            .map(Datum::Int8)
            .map_err(|_| SqlError::out_of_range("bigint"))
    }
}

fn numeric_gcd(a: &Numeric, b: &Numeric) -> SqlResult<Numeric> {
    let mut x = a.abs();
    let mut y = b.abs();
    while !y.is_zero() {
        let r = x.rem(&y)?;
        x = y;
        y = r;
    }
    Ok(x.with_scale(a.scale().max(b.scale())))
}

/// gcd(a, b) or lcm(a, b) on two values of the same integer or numeric type.
pub fn gcd_lcm(is_gcd: bool, a: &Datum, b: &Datum) -> SqlResult<Datum> {
    match (a, b) {
        (Datum::Numeric(x), Datum::Numeric(y)) => {
            if !x.is_finite() || !y.is_finite() {
                return Ok(Datum::Numeric(Numeric::nan()));
            }
            let g = numeric_gcd(x, y)?;
            if is_gcd {
                return Ok(Datum::Numeric(g));
            }
            if x.is_zero() || y.is_zero() {
                return Ok(Datum::Numeric(
                    Numeric::zero().with_scale(x.scale().max(y.scale())),
                ));
            }
            let l = x.div_scaled(&g, 0)?.mul(y)?.abs();
            l.check_overflow()?;
            Ok(Datum::Numeric(l.with_scale(x.scale().max(y.scale()))))
        }
        _ => {
            let is_int4 = matches!(a, Datum::Int4(_) | Datum::Int2(_));
            let (x, y) = match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => (x as i128, y as i128),
                _ => return Err(SqlError::internal("gcd/lcm operands")),
            };
            let g = gcd_u128(x.unsigned_abs(), y.unsigned_abs()) as i128;
            if is_gcd {
                return int_result(g, is_int4);
            }
            if x == 0 || y == 0 {
                return int_result(0, is_int4);
            }
            int_result((x / g * y).abs(), is_int4)
        }
    }
}

/// factorial(n) for 0 <= n.
pub fn factorial(n: i64) -> SqlResult<Numeric> {
    if n < 0 {
        return Err(SqlError::new(
            "22023",
            "factorial of a negative number is undefined",
        ));
    }
    if n > 32177 {
        return Err(SqlError::new("22003", "value overflows numeric format"));
    }
    let mut acc = Numeric::from_i64(1);
    for k in 2..=n {
        acc = acc.mul(&Numeric::from_i64(k))?;
    }
    Ok(acc)
}

fn bucket_error(msg: &str) -> SqlError {
    SqlError::new("2201G", msg)
}

/// Bucket of `operand` among `count` equal-width buckets over [low, high)
/// (or the reversed range), 0 below and count+1 above, given the position
/// fraction computed by the caller's arithmetic.
fn bucket_of(
    count: i32,
    below: bool,
    above: bool,
    fraction_bucket: impl FnOnce() -> i64,
) -> SqlResult<i32> {
    if below {
        return Ok(0);
    }
    if above {
        return count
            .checked_add(1)
            .ok_or_else(|| SqlError::out_of_range("integer"));
    }
    let b = fraction_bucket().clamp(0, count as i64 - 1);
    Ok(b as i32 + 1)
}

/// width_bucket(float8, float8, float8, int4).
pub fn width_bucket_float(operand: f64, low: f64, high: f64, count: i64) -> SqlResult<i32> {
    let count = i32::try_from(count).map_err(|_| SqlError::out_of_range("integer"))?;
    if count <= 0 {
        return Err(bucket_error("count must be greater than zero"));
    }
    if operand.is_nan() || low.is_nan() || high.is_nan() {
        return Err(bucket_error(
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if low.is_infinite() || high.is_infinite() {
        return Err(bucket_error("lower and upper bounds must be finite"));
    }
    // count * (a - b) / (d - c), halving first when d - c overflows.
    let frac = |a: f64, b: f64, c: f64, d: f64| {
        let q = if (d - c).is_infinite() {
            (a / 2.0 - b / 2.0) / (d / 2.0 - c / 2.0)
        } else {
            (a - b) / (d - c)
        };
        (count as f64 * q) as i64
    };
    if low < high {
        bucket_of(count, operand < low, operand >= high, || {
            frac(operand, low, low, high)
        })
    } else if low > high {
        bucket_of(count, operand > low, operand <= high, || {
            frac(low, operand, high, low)
        })
    } else {
        Err(bucket_error("lower bound cannot equal upper bound"))
    }
}

/// width_bucket(numeric, numeric, numeric, int4).
pub fn width_bucket_numeric(
    operand: &Numeric,
    low: &Numeric,
    high: &Numeric,
    count: i64,
) -> SqlResult<i32> {
    let count = i32::try_from(count).map_err(|_| SqlError::out_of_range("integer"))?;
    if count <= 0 {
        return Err(bucket_error("count must be greater than zero"));
    }
    if operand.is_nan() || low.is_nan() || high.is_nan() {
        return Err(bucket_error(
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if low.is_infinite() || high.is_infinite() {
        return Err(bucket_error("lower and upper bounds must be finite"));
    }
    let n = Numeric::from_i64(count as i64);
    let frac = |num: Numeric, den: Numeric| -> i64 {
        num.mul(&n)
            .and_then(|x| x.trunc_div(&den))
            .ok()
            .and_then(|q| q.to_i64())
            .unwrap_or(count as i64 - 1)
    };
    if low < high {
        bucket_of(count, operand < low, operand >= high, || {
            frac(operand.sub(low), high.sub(low))
        })
    } else if low > high {
        bucket_of(count, operand > low, operand <= high, || {
            frac(low.sub(operand), low.sub(high))
        })
    } else {
        Err(bucket_error("lower bound cannot equal upper bound"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcd_lcm_factorial() {
        assert_eq!(
            gcd_lcm(true, &Datum::Int4(12), &Datum::Int4(-18)).unwrap(),
            Datum::Int4(6)
        );
        assert_eq!(
            gcd_lcm(false, &Datum::Int8(4), &Datum::Int8(6)).unwrap(),
            Datum::Int8(12)
        );
        assert!(gcd_lcm(true, &Datum::Int4(i32::MIN), &Datum::Int4(0)).is_err());
        let n = |s: &str| Datum::Numeric(Numeric::parse(s).unwrap());
        assert_eq!(gcd_lcm(true, &n("0.30"), &n("0.2")).unwrap(), n("0.10"));
        assert_eq!(factorial(5).unwrap().to_string(), "120");
        assert!(factorial(-1).is_err());
    }

    #[test]
    fn width_buckets() {
        assert_eq!(width_bucket_float(5.35, 0.024, 10.06, 5).unwrap(), 3);
        assert_eq!(width_bucket_float(-1.0, 0.0, 10.0, 5).unwrap(), 0);
        assert_eq!(width_bucket_float(10.0, 0.0, 10.0, 5).unwrap(), 6);
        assert_eq!(width_bucket_float(9.0, 10.0, 0.0, 5).unwrap(), 1);
        assert!(width_bucket_float(1.0, 3.0, 3.0, 5).is_err());
        assert!(width_bucket_float(1.0, 0.0, 3.0, 0).is_err());
        let n = |s: &str| Numeric::parse(s).unwrap();
        assert_eq!(
            width_bucket_numeric(&n("5.35"), &n("0.024"), &n("10.06"), 5).unwrap(),
            3
        );
        assert_eq!(
            width_bucket_numeric(&Numeric::infinity(false), &n("0"), &n("1"), 5).unwrap(),
            6
        );
    }
}
