//! Trigonometric functions in degrees (sind, cosd, tand, cotd, asind,
//! acosd, atand, atan2d), ported from PostgreSQL's float.c so that results
//! match it bit for bit: inputs are reduced to the first quadrant and scaled
//! so that sind(30) is exactly 0.5, tand(45) exactly 1, asind(0.5) exactly
//! 30 and so on.

use crate::error::{SqlError, SqlResult};

/// PostgreSQL's RADIANS_PER_DEGREE literal.
#[allow(clippy::excessive_precision)]
const RADIANS_PER_DEGREE: f64 = 0.0174532925199432957692;

fn out_of_range_input() -> SqlError {
    SqlError::new("22003", "input is out of range")
}

fn overflow_checked(v: f64) -> SqlResult<f64> {
    if v.is_infinite() {
        return Err(SqlError::new("22003", "value out of range: overflow"));
    }
    Ok(v)
}

fn sin_30() -> f64 {
    (30.0 * RADIANS_PER_DEGREE).sin()
}

fn one_minus_cos_60() -> f64 {
    1.0 - (60.0 * RADIANS_PER_DEGREE).cos()
}

fn asin_0_5() -> f64 {
    0.5f64.asin()
}

fn acos_0_5() -> f64 {
    0.5f64.acos()
}

fn atan_1_0() -> f64 {
    1.0f64.atan()
}

fn sind_0_to_30(x: f64) -> f64 {
    ((x * RADIANS_PER_DEGREE).sin() / sin_30()) / 2.0
}

fn cosd_0_to_60(x: f64) -> f64 {
    let one_minus_cos_x = 1.0 - (x * RADIANS_PER_DEGREE).cos();
    1.0 - (one_minus_cos_x / one_minus_cos_60()) / 2.0
}

fn sind_q1(x: f64) -> f64 {
    if x <= 30.0 {
        sind_0_to_30(x)
    } else {
        cosd_0_to_60(90.0 - x)
    }
}

fn cosd_q1(x: f64) -> f64 {
    if x <= 60.0 {
        cosd_0_to_60(x)
    } else {
        sind_0_to_30(90.0 - x)
    }
}

fn asind_q1(x: f64) -> f64 {
    if x <= 0.5 {
        (x.asin() / asin_0_5()) * 30.0
    } else {
        90.0 - (x.acos() / acos_0_5()) * 60.0
    }
}

fn acosd_q1(x: f64) -> f64 {
    if x <= 0.5 {
        90.0 - (x.asin() / asin_0_5()) * 30.0
    } else {
        (x.acos() / acos_0_5()) * 60.0
    }
}

/// Which reflections a function applies while reducing its argument to
/// [0, 90] degrees: whether f(-x), f(360-x) and f(180-x) flip the sign.
struct Symmetry {
    odd: bool,
    flips_at_360: bool,
    flips_at_180: bool,
}

/// Reduces a finite angle to [0, 90] degrees; returns it and the sign.
fn reduce(x: f64, sym: Symmetry) -> SqlResult<(f64, f64)> {
    if x.is_infinite() {
        return Err(out_of_range_input());
    }
    let mut x = x % 360.0;
    let mut sign = 1.0;
    if x < 0.0 {
        x = -x;
        if sym.odd {
            sign = -sign;
        }
    }
    if x > 180.0 {
        x = 360.0 - x;
        if sym.flips_at_360 {
            sign = -sign;
        }
    }
    if x > 90.0 {
        x = 180.0 - x;
        if sym.flips_at_180 {
            sign = -sign;
        }
    }
    Ok((x, sign))
}

pub fn sind(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    let sym = Symmetry {
        odd: true,
        flips_at_360: true,
        flips_at_180: false,
    };
    let (x, sign) = reduce(x, sym)?;
    overflow_checked(sign * sind_q1(x))
}

pub fn cosd(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    let sym = Symmetry {
        odd: false,
        flips_at_360: false,
        flips_at_180: true,
    };
    let (x, sign) = reduce(x, sym)?;
    overflow_checked(sign * cosd_q1(x))
}

const ODD_EVERYWHERE: Symmetry = Symmetry {
    odd: true,
    flips_at_360: true,
    flips_at_180: true,
};

/// tand(90) is Infinity (no overflow error); a zero result is never -0.
pub fn tand(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    let (x, sign) = reduce(x, ODD_EVERYWHERE)?;
    let tan_45 = sind_q1(45.0) / cosd_q1(45.0);
    let v = sign * ((sind_q1(x) / cosd_q1(x)) / tan_45);
    Ok(if v == 0.0 { 0.0 } else { v })
}

/// cotd(0) is Infinity (no overflow error); a zero result is never -0.
pub fn cotd(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    let (x, sign) = reduce(x, ODD_EVERYWHERE)?;
    let cot_45 = cosd_q1(45.0) / sind_q1(45.0);
    let v = sign * ((cosd_q1(x) / sind_q1(x)) / cot_45);
    Ok(if v == 0.0 { 0.0 } else { v })
}

pub fn asind(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    if !(-1.0..=1.0).contains(&x) {
        return Err(out_of_range_input());
    }
    overflow_checked(if x >= 0.0 { asind_q1(x) } else { -asind_q1(-x) })
}

pub fn acosd(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    if !(-1.0..=1.0).contains(&x) {
        return Err(out_of_range_input());
    }
    overflow_checked(if x >= 0.0 {
        acosd_q1(x)
    } else {
        90.0 + asind_q1(-x)
    })
}

pub fn atand(x: f64) -> SqlResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    overflow_checked((x.atan() / atan_1_0()) * 45.0)
}

pub fn atan2d(y: f64, x: f64) -> SqlResult<f64> {
    if y.is_nan() || x.is_nan() {
        return Ok(f64::NAN);
    }
    overflow_checked((y.atan2(x) / atan_1_0()) * 45.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_at_special_angles_like_postgres() {
        for (deg, s, c) in [
            (0.0, 0.0, 1.0),
            (30.0, 0.5, f64::NAN),
            (90.0, 1.0, 0.0),
            (180.0, 0.0, -1.0),
            (270.0, -1.0, 0.0),
            (-30.0, -0.5, f64::NAN),
        ] {
            assert_eq!(sind(deg).unwrap(), s, "sind({deg})");
            if !c.is_nan() {
                assert_eq!(cosd(deg).unwrap(), c, "cosd({deg})");
            }
        }
        assert_eq!(cosd(60.0).unwrap(), 0.5);
        assert_eq!(tand(45.0).unwrap(), 1.0);
        assert_eq!(tand(-45.0).unwrap(), -1.0);
        assert_eq!(tand(90.0).unwrap(), f64::INFINITY);
        assert_eq!(tand(180.0).unwrap().to_bits(), 0.0f64.to_bits());
        assert_eq!(cotd(45.0).unwrap(), 1.0);
        assert_eq!(asind(0.5).unwrap(), 30.0);
        assert_eq!(acosd(0.5).unwrap(), 60.0);
        assert_eq!(acosd(-1.0).unwrap(), 180.0);
        assert_eq!(atand(1.0).unwrap(), 45.0);
        assert_eq!(atan2d(1.0, -1.0).unwrap(), 135.0);
        assert!(sind(f64::INFINITY).is_err());
        assert!(asind(1.5).is_err());
        assert!(atand(f64::NAN).unwrap().is_nan());
    }
}
