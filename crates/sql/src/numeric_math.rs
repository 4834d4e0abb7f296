//! PostgreSQL 15's numeric functions beyond + - * /: sqrt, ln, log, exp,
//! power, div, scale, min_scale and trim_scale, with the result scales
//! numeric.c chooses (at least 16 significant digits, never fewer fractional
//! digits than the inputs, at most 1000), the special-value rules
//! (NaN/Infinity, POSIX pow(3)) and the SQLSTATEs it raises. Values are
//! computed with guard digits and rounded once, half away from zero.

use crate::error::{SqlError, SqlResult};
use crate::numeric::{Numeric, MAX_DISPLAY_SCALE};

/// PostgreSQL's NUMERIC_MIN_SIG_DIGITS.
const MIN_SIG_DIGITS: i64 = 16;
/// PostgreSQL's NUMERIC_MAX_RESULT_SCALE.
const MAX_RESULT_SCALE: f64 = 2000.0;
/// Extra digits carried through intermediate steps.
const GUARD: i64 = 8;

fn clamp_scale(rscale: i64) -> i64 {
    rscale.clamp(0, MAX_DISPLAY_SCALE as i64)
}

fn log_error(negative: bool) -> SqlError {
    if negative {
        SqlError::new("2201E", "cannot take logarithm of a negative number")
    } else {
        SqlError::new("2201E", "cannot take logarithm of zero")
    }
}

fn power_error(msg: &str) -> SqlError {
    SqlError::new("2201F", msg)
}

fn overflow() -> SqlError {
    SqlError::new("22003", "value overflows numeric format")
}

fn int(v: i64) -> Numeric {
    Numeric::from_i64(v)
}

/// sqrt(numeric).
pub fn sqrt(x: &Numeric) -> SqlResult<Numeric> {
    if x.is_nan() {
        return Ok(Numeric::nan());
    }
    if x.is_negative() {
        return Err(power_error("cannot take square root of a negative number"));
    }
    if x.is_infinite() {
        return Ok(x.clone());
    }
    let (weight, _) = x.nbase_digits();
    let sweight = (weight + 1) * 4 / 2 - 1;
    let rscale = clamp_scale((MIN_SIG_DIGITS - sweight).max(x.scale() as i64));
    Ok(x.sqrt_scaled(rscale as u32))
}

/// PostgreSQL's estimate_ln_dweight: the decimal weight of ln(x).
fn estimate_ln_dweight(x: &Numeric) -> i64 {
    if x.is_negative() || x.is_zero() {
        return 0;
    }
    let low = Numeric::parse("0.9").unwrap_or_else(|_| Numeric::zero());
    let high = Numeric::parse("1.1").unwrap_or_else(|_| Numeric::zero());
    if *x >= low && *x <= high {
        let d = x.sub(&int(1));
        return if d.is_zero() { 0 } else { d.decimal_exponent() };
    }
    let (weight, digits) = x.nbase_digits();
    let mut leading = digits[0] as f64;
    let mut dweight = weight * 4;
    if digits.len() > 1 {
        leading = leading * 10000.0 + digits[1] as f64;
        dweight -= 4;
    }
    let ln = leading.ln() + dweight as f64 * std::f64::consts::LN_10;
    ln.abs().log10() as i64
}

/// ln of 1 <= m <= 10 to about `scale` fractional digits: square roots bring
/// m near 1, then ln(y) = 2 atanh((y-1)/(y+1)).
fn ln_near_one(m: &Numeric, scale: i64) -> SqlResult<Numeric> {
    let w = scale + GUARD;
    let mut y = m.clone();
    let mut halvings = 0u32;
    let limit = Numeric::parse("1.1")?;
    while y > limit {
        y = y.sqrt_scaled((w + halvings as i64 + 2) as u32);
        halvings += 1;
    }
    let w = w + halvings as i64;
    let z = y.sub(&int(1)).div_scaled(&y.add(&int(1)), w as u32)?;
    let z2 = z.mul_round(&z, w);
    let mut sum = z.clone();
    let mut power = z;
    let mut k = 1i64;
    loop {
        power = power.mul_round(&z2, w);
        let term = power.div_scaled(&int(2 * k + 1), w as u32)?;
        if term.is_zero() {
            break;
        }
        sum = sum.add(&term);
        k += 1;
    }
    Ok(sum.mul_round(&int(1i64 << (halvings + 1)), w))
}

/// ln of a positive finite value, accurate to about `scale` fractional digits.
fn ln_fixed(x: &Numeric, scale: i64) -> SqlResult<Numeric> {
    let k = x.decimal_exponent();
    let m = x.shift10(-k);
    let ln_m = ln_near_one(&m, scale + 2)?;
    if k == 0 {
        return Ok(ln_m.round_wide(scale + 2));
    }
    let k_digits = (k.unsigned_abs() as f64).log10().ceil() as i64 + 1;
    let ln10 = ln_near_one(&int(10), scale + 2 + k_digits)?;
    Ok(ln_m.add(&ln10.mul_round(&int(k), scale + 2)))
}

/// ln_var: error for zero or negative, else ln rounded to `rscale`.
fn ln_var(x: &Numeric, rscale: i64) -> SqlResult<Numeric> {
    if x.is_zero() {
        return Err(log_error(false));
    }
    if x.is_negative() {
        return Err(log_error(true));
    }
    Ok(ln_fixed(x, rscale)?.round_wide(rscale))
}

/// ln(numeric).
pub fn ln(x: &Numeric) -> SqlResult<Numeric> {
    if x.is_nan() || x.kind() == crate::numeric::Kind::Infinity {
        return Ok(x.clone());
    }
    if x.is_infinite() {
        return Err(log_error(true));
    }
    let rscale = clamp_scale((MIN_SIG_DIGITS - estimate_ln_dweight(x)).max(x.scale() as i64));
    ln_var(x, rscale)
}

/// log(base, x); log(x) is log(10, x).
pub fn log(base: &Numeric, x: &Numeric) -> SqlResult<Numeric> {
    if !base.is_finite() || !x.is_finite() {
        if base.is_nan() || x.is_nan() {
            return Ok(Numeric::nan());
        }
        if base.is_negative() || x.is_negative() {
            return Err(log_error(true));
        }
        if base.is_zero() || x.is_zero() {
            return Err(log_error(false));
        }
        if base.is_infinite() {
            return Ok(if x.is_infinite() {
                Numeric::nan()
            } else {
                Numeric::zero()
            });
        }
        return Ok(Numeric::infinity(false));
    }
    let ln_base_dweight = estimate_ln_dweight(base);
    let ln_num_dweight = estimate_ln_dweight(x);
    let result_dweight = ln_num_dweight - ln_base_dweight;
    let rscale = clamp_scale(
        (MIN_SIG_DIGITS - result_dweight)
            .max(base.scale() as i64)
            .max(x.scale() as i64),
    );
    let ln_base_rscale = (rscale + result_dweight - ln_base_dweight + 8).max(0);
    let ln_num_rscale = (rscale + result_dweight - ln_num_dweight + 8).max(0);
    let ln_base = ln_var(base, ln_base_rscale)?;
    let ln_num = ln_var(x, ln_num_rscale)?;
    ln_num.div_scaled(&ln_base, rscale as u32)
}

/// e^x rounded to `rscale`; errors when the result overflows numeric.
fn exp_var(x: &Numeric, rscale: i64) -> SqlResult<Numeric> {
    let val = x.to_f64();
    if val.abs() >= MAX_RESULT_SCALE * 3.0 {
        if val > 0.0 {
            return Err(overflow());
        }
        return Ok(Numeric::zero().with_scale(rscale as u32));
    }
    // Halve until |r| < 0.01, sum the series, square back.
    let mut halvings = 0u32;
    let mut magnitude = val.abs();
    while magnitude >= 0.01 {
        magnitude /= 2.0;
        halvings += 1;
    }
    let result_weight = (val * std::f64::consts::LOG10_E).max(0.0) as i64 + 1;
    let w = rscale + result_weight + (halvings as i64 * 3 + 9) / 10 + GUARD;
    let r = x.div_scaled(&int(1i64 << halvings), (w + 4) as u32)?;
    let mut sum = int(1);
    let mut term = int(1);
    let mut k = 1i64;
    loop {
        term = term.mul_round(&r, w).div_scaled(&int(k), w as u32)?;
        if term.is_zero() {
            break;
        }
        sum = sum.add(&term);
        k += 1;
    }
    for _ in 0..halvings {
        sum = sum.mul_round(&sum, w);
    }
    Ok(sum.round_wide(rscale))
}

/// exp(numeric).
pub fn exp(x: &Numeric) -> SqlResult<Numeric> {
    match x.kind() {
        crate::numeric::Kind::NegInfinity => return Ok(Numeric::zero()),
        crate::numeric::Kind::NaN | crate::numeric::Kind::Infinity => return Ok(x.clone()),
        crate::numeric::Kind::Finite => {}
    }
    let val = (x.to_f64() * std::f64::consts::LOG10_E).clamp(-MAX_RESULT_SCALE, MAX_RESULT_SCALE);
    let rscale = clamp_scale((MIN_SIG_DIGITS - val as i64).max(x.scale() as i64));
    exp_var(x, rscale)
}

/// Odd integer (finite values only).
fn is_odd_integer(x: &Numeric) -> bool {
    x.is_integral() && x.rem(&int(2)).is_ok_and(|r| !r.is_zero())
}

/// power(numeric, numeric) (also the numeric `^` operator).
pub fn power(base: &Numeric, exponent: &Numeric) -> SqlResult<Numeric> {
    if !base.is_finite() || !exponent.is_finite() {
        return power_special(base, exponent);
    }
    if base.is_zero() && exponent.is_negative() {
        return Err(power_error("zero raised to a negative power is undefined"));
    }
    if exponent.is_integral() {
        if let Some(e) = exponent.to_i64().filter(|e| i32::try_from(*e).is_ok()) {
            let rscale = clamp_scale(MIN_SIG_DIGITS.max(base.scale() as i64));
            return power_int(base, e, rscale);
        }
    }
    if base.is_zero() {
        return Ok(Numeric::zero().with_scale(MIN_SIG_DIGITS as u32));
    }
    let negative_result = if base.is_negative() {
        if !exponent.is_integral() {
            return Err(power_error(
                "a negative number raised to a non-integer power yields a complex result",
            ));
        }
        is_odd_integer(exponent)
    } else {
        false
    };
    let abs_base = base.abs();
    let ln_dweight = estimate_ln_dweight(&abs_base);
    // A low-precision pass picks the result scale, as power_var does.
    let local_rscale = (8 - ln_dweight).max(0);
    let rough = ln_var(&abs_base, local_rscale)?.mul_round(exponent, local_rscale);
    let val = rough.to_f64();
    if val.abs() > MAX_RESULT_SCALE * 3.01 {
        if val > 0.0 {
            return Err(overflow());
        }
        return Ok(Numeric::zero().with_scale(MAX_DISPLAY_SCALE));
    }
    let val = val * std::f64::consts::LOG10_E;
    let rscale = clamp_scale(
        (MIN_SIG_DIGITS - val as i64)
            .max(base.scale() as i64)
            .max(exponent.scale() as i64),
    );
    let sig_digits = (rscale + val as i64).max(0);
    let local_rscale = (sig_digits - ln_dweight + 8).max(0);
    let ln_num = ln_fixed(&abs_base, local_rscale + GUARD)?.mul_round(exponent, local_rscale);
    let r = exp_var(&ln_num, rscale)?;
    Ok(if negative_result { r.neg() } else { r })
}

/// base ^ e for an int32 exponent: exact product, rounded to `rscale`.
fn power_int(base: &Numeric, e: i64, rscale: i64) -> SqlResult<Numeric> {
    match e {
        0 => return Ok(int(1).with_scale(rscale as u32)),
        1 => return Ok(base.round_wide(rscale)),
        -1 => return int(1).div_scaled(base, rscale as u32),
        2 => return Ok(base.mul_round(base, rscale)),
        _ => {}
    }
    if base.is_zero() {
        return Ok(Numeric::zero().with_scale(rscale as u32));
    }
    // Decimal weight of the result, as power_var_int estimates it.
    let (weight, digits) = base.nbase_digits();
    let mut f = 0f64;
    let mut p = weight * 4;
    for (i, d) in digits.iter().enumerate() {
        if i > 0 && i * 4 >= 16 {
            break;
        }
        f = f * 10000.0 + *d as f64;
        if i > 0 {
            p -= 4;
        }
    }
    let f = e as f64 * (f.log10() + p as f64);
    if f > 3.0 * i16::MAX as f64 * 4.0 {
        return Err(overflow());
    }
    if f + 1.0 < -(rscale as f64) || f + 1.0 < -(MAX_DISPLAY_SCALE as f64) {
        return Ok(Numeric::zero().with_scale(rscale as u32));
    }
    // The exact product is cheap unless it carries very many fractional
    // digits (scale * e) or integer digits (f); 1/x of a huge x is not.
    let exact_fraction_digits = base.scale() as f64 * e.unsigned_abs() as f64;
    if exact_fraction_digits <= 100_000.0 && f <= 140_000.0 && (e > 0 || f <= 2_000.0) {
        let mut acc = int(1);
        let mut square = base.clone();
        let mut n = e.unsigned_abs();
        while n > 0 {
            if n & 1 == 1 {
                acc = acc.mul_exact(&square);
            }
            n >>= 1;
            if n > 0 {
                square = square.mul_exact(&square);
            }
        }
        return if e < 0 {
            int(1).div_scaled(&acc, rscale as u32)
        } else {
            Ok(acc.round_wide(rscale))
        };
    }
    // Too many digits for an exact product: e^(e ln|base|) with guard digits.
    let w = rscale + f.max(0.0) as i64 + GUARD + 12;
    let ln_abs = ln_fixed(&base.abs(), w)?;
    let r = exp_var(&ln_abs.mul_round(&int(e), w), rscale)?;
    Ok(if base.is_negative() && e % 2 != 0 {
        r.neg()
    } else {
        r
    })
}

/// POSIX pow(3) rules for NaN and infinite operands, as numeric_power.
fn power_special(base: &Numeric, exponent: &Numeric) -> SqlResult<Numeric> {
    let one = int(1);
    if base.is_nan() {
        return Ok(if exponent.is_zero() {
            one
        } else {
            Numeric::nan()
        });
    }
    if exponent.is_nan() {
        return Ok(if *base == one { one } else { Numeric::nan() });
    }
    let (sign1, sign2) = (base.signum(), exponent.signum());
    if sign1 == 0 && sign2 < 0 {
        return Err(power_error("zero raised to a negative power is undefined"));
    }
    // Infinities count as integral here, as in numeric_is_integral().
    if sign1 < 0 && !exponent.is_infinite() && !exponent.is_integral() {
        return Err(power_error(
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    if *base == one || sign2 == 0 {
        return Ok(one);
    }
    if sign1 == 0 && sign2 > 0 {
        return Ok(Numeric::zero());
    }
    if exponent.is_infinite() {
        if *base == int(-1) {
            return Ok(one);
        }
        let abs_gt_one = base.is_infinite() || base.abs() > one;
        return Ok(if abs_gt_one == (sign2 > 0) {
            Numeric::infinity(false)
        } else {
            Numeric::zero()
        });
    }
    if base.kind() == crate::numeric::Kind::Infinity {
        return Ok(if sign2 > 0 {
            Numeric::infinity(false)
        } else {
            Numeric::zero()
        });
    }
    // base is -Infinity, exponent finite and integral.
    if sign2 < 0 {
        return Ok(Numeric::zero());
    }
    Ok(Numeric::infinity(is_odd_integer(exponent)))
}

/// div(numeric, numeric): the truncated integer quotient.
pub fn div(a: &Numeric, b: &Numeric) -> SqlResult<Numeric> {
    a.trunc_div(b)
}

/// scale(numeric): the display scale; None (NULL) for NaN and infinities.
pub fn scale(x: &Numeric) -> Option<i32> {
    x.is_finite().then_some(x.scale() as i32)
}

/// min_scale(numeric): fractional digits needed to show the value exactly.
pub fn min_scale(x: &Numeric) -> Option<i32> {
    x.is_finite()
        .then(|| x.strip_trailing_zeros().scale() as i32)
}

/// trim_scale(numeric): the value without trailing fractional zeros.
pub fn trim_scale(x: &Numeric) -> Numeric {
    x.strip_trailing_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    #[test]
    fn scales_match_postgres() {
        assert_eq!(sqrt(&n("4.2")).unwrap().to_string(), "2.049390153191920");
        assert_eq!(sqrt(&n("0")).unwrap().to_string(), "0.000000000000000");
        assert_eq!(ln(&n("4.2")).unwrap().to_string(), "1.4350845252893226");
        assert_eq!(ln(&n("1")).unwrap().to_string(), "0.0000000000000000");
        assert_eq!(
            log(&int(10), &n("4.2")).unwrap().to_string(),
            "0.6232492903979005"
        );
        assert_eq!(
            log(&int(2), &n("4.2")).unwrap().to_string(),
            "2.0703893278913979"
        );
        assert_eq!(
            log(&n("4.2"), &int(2)).unwrap().to_string(),
            "0.4830009440873890"
        );
        assert_eq!(
            power(&int(2), &n("4.2")).unwrap().to_string(),
            "18.379173679952560"
        );
        assert_eq!(
            power(&n("4.2"), &n("4.2")).unwrap().to_string(),
            "414.61691860129675"
        );
        assert_eq!(
            power(&n("4.2"), &int(2)).unwrap().to_string(),
            "17.6400000000000000"
        );
        assert_eq!(
            power(&int(-2), &int(-1)).unwrap().to_string(),
            "-0.5000000000000000"
        );
        assert_eq!(exp(&n("1.0")).unwrap().to_string(), "2.7182818284590452");
        assert_eq!(exp(&n("0.0")).unwrap().to_string(), "1.0000000000000000");
        assert_eq!(
            power(&int(10), &int(20)).unwrap().to_string(),
            "100000000000000000000.0000000000000000"
        );
        assert_eq!(
            power(&n("1.2"), &int(345)).unwrap().to_string(),
            "2077446682327378559843444695.5827049735727869"
        );
        assert_eq!(
            power(&n("0.12"), &int(-20)).unwrap().to_string(),
            "2608405330458882702.5529619561355838"
        );
    }

    #[test]
    fn special_values_and_errors() {
        assert!(ln(&Numeric::nan()).unwrap().is_nan());
        assert_eq!(ln(&n("0")).unwrap_err().sqlstate, "2201E");
        assert_eq!(ln(&Numeric::infinity(true)).unwrap_err().sqlstate, "2201E");
        assert_eq!(power(&int(0), &int(-1)).unwrap_err().sqlstate, "2201F");
        assert_eq!(power(&int(-2), &n("3.3")).unwrap_err().sqlstate, "2201F");
        assert_eq!(power(&Numeric::nan(), &int(0)).unwrap().to_string(), "1");
        assert_eq!(
            power(&int(-1), &Numeric::infinity(false))
                .unwrap()
                .to_string(),
            "1"
        );
        assert_eq!(
            power(&Numeric::infinity(true), &int(3))
                .unwrap()
                .to_string(),
            "-Infinity"
        );
        assert_eq!(exp(&Numeric::infinity(true)).unwrap().to_string(), "0");
        assert_eq!(exp(&int(7000)).unwrap_err().sqlstate, "22003");
        assert_eq!(scale(&Numeric::nan()), None);
        assert_eq!(min_scale(&n("1.2300")), Some(2));
        assert_eq!(trim_scale(&n("1.2300")).to_string(), "1.23");
    }
}
