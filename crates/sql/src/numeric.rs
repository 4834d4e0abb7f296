//! `Numeric`: arbitrary-precision decimal with PostgreSQL's numeric semantics
//! (display scale, result scales of + - * /, rounding half away from zero).
//! An unscaled magnitude in base 10^9 limbs plus a decimal scale.

use std::cmp::Ordering;
use std::fmt;

use crate::error::{SqlError, SqlResult};

const BASE: u64 = 1_000_000_000;
/// PostgreSQL's NUMERIC_MIN_SIG_DIGITS (division keeps at least this many).
const MIN_SIG_DIGITS: i64 = 16;
/// PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE.
pub const MAX_DISPLAY_SCALE: u32 = 1000;
/// Bound on digits of any value, so hostile input cannot exhaust memory.
const MAX_DIGITS: usize = 131_072 + 16_383;

/// Unsigned big integer, little-endian base 10^9 limbs, no trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Mag(Vec<u32>);

impl Mag {
    fn from_u128(mut v: u128) -> Mag {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push((v % BASE as u128) as u32);
            v /= BASE as u128;
        }
        Mag(limbs)
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    fn trim(mut self) -> Mag {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }
    fn cmp(&self, o: &Mag) -> Ordering {
        if self.0.len() != o.0.len() {
            return self.0.len().cmp(&o.0.len());
        }
        for i in (0..self.0.len()).rev() {
            match self.0[i].cmp(&o.0[i]) {
                Ordering::Equal => {}
                x => return x,
            }
        }
        Ordering::Equal
    }
    fn add(&self, o: &Mag) -> Mag {
        let n = self.0.len().max(o.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let s = *self.0.get(i).unwrap_or(&0) as u64 + *o.0.get(i).unwrap_or(&0) as u64 + carry;
            out.push((s % BASE) as u32);
            carry = s / BASE;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        Mag(out).trim()
    }
    /// self - o, requires self >= o.
    fn sub(&self, o: &Mag) -> Mag {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut d = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
            if d < 0 {
                d += BASE as i64;
                borrow = 1;
            } else {
                borrow = 0;
            }
            out.push(d as u32);
        }
        Mag(out).trim()
    }
    fn mul(&self, o: &Mag) -> Mag {
        if self.is_zero() || o.is_zero() {
            return Mag::default();
        }
        let mut out = vec![0u64; self.0.len() + o.0.len() + 1];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in o.0.iter().enumerate() {
                let cur = out[i + j] + a as u64 * b as u64 + carry;
                out[i + j] = cur % BASE;
                carry = cur / BASE;
            }
            let mut k = i + o.0.len();
            while carry > 0 {
                let cur = out[k] + carry;
                out[k] = cur % BASE;
                carry = cur / BASE;
                k += 1;
            }
        }
        Mag(out.into_iter().map(|x| x as u32).collect()).trim()
    }
    fn mul_small(&self, m: u32) -> Mag {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u64;
        for &a in &self.0 {
            let cur = a as u64 * m as u64 + carry;
            out.push((cur % BASE) as u32);
            carry = cur / BASE;
        }
        while carry > 0 {
            out.push((carry % BASE) as u32);
            carry /= BASE;
        }
        Mag(out).trim()
    }
    fn pow10(n: u32) -> Mag {
        let mut m = Mag::from_u128(1);
        let mut left = n;
        while left >= 9 {
            m.0.insert(0, 0);
            left -= 9;
        }
        m.mul_small(10u32.pow(left))
    }
    fn scale_up(&self, n: u32) -> Mag {
        if n == 0 || self.is_zero() {
            return self.clone();
        }
        self.mul(&Mag::pow10(n))
    }
    /// (quotient, remainder); `d` must be nonzero.
    fn divrem(&self, d: &Mag) -> (Mag, Mag) {
        if self.cmp(d) == Ordering::Less {
            return (Mag::default(), self.clone());
        }
        let mut q = vec![0u32; self.0.len()];
        let mut rem = Mag::default();
        for i in (0..self.0.len()).rev() {
            // rem = rem * BASE + limb
            rem.0.insert(0, self.0[i]);
            rem = rem.trim();
            let (mut lo, mut hi) = (0u64, BASE - 1);
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                if d.mul_small(mid as u32).cmp(&rem) != Ordering::Greater {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if lo > 0 {
                rem = rem.sub(&d.mul_small(lo as u32));
            }
            q[i] = lo as u32;
        }
        (Mag(q).trim(), rem)
    }
    fn to_decimal(&self) -> String {
        match self.0.last() {
            None => "0".to_string(),
            Some(top) => {
                let mut s = top.to_string();
                for limb in self.0.iter().rev().skip(1) {
                    s.push_str(&format!("{limb:09}"));
                }
                s
            }
        }
    }
    fn from_decimal(digits: &str) -> Mag {
        let bytes = digits.as_bytes();
        let mut limbs = Vec::with_capacity(bytes.len() / 9 + 1);
        let mut end = bytes.len();
        while end > 0 {
            let start = end.saturating_sub(9);
            let mut v = 0u32;
            for &b in &bytes[start..end] {
                v = v * 10 + (b - b'0') as u32;
            }
            limbs.push(v);
            end = start;
        }
        Mag(limbs).trim()
    }
    fn to_u128(&self) -> Option<u128> {
        let mut v: u128 = 0;
        for &l in self.0.iter().rev() {
            v = v.checked_mul(BASE as u128)?.checked_add(l as u128)?;
        }
        Some(v)
    }
}

/// An exact decimal number: `(-1)^neg * mag * 10^-scale`. Zero is never negative.
#[derive(Clone, Debug)]
pub struct Numeric {
    neg: bool,
    mag: Mag,
    scale: u32,
}

impl PartialEq for Numeric {
    fn eq(&self, o: &Numeric) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Numeric {}
impl PartialOrd for Numeric {
    fn partial_cmp(&self, o: &Numeric) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Numeric {
    fn cmp(&self, o: &Numeric) -> Ordering {
        match (self.neg, o.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (neg, _) => {
                let s = self.scale.max(o.scale);
                let c = self
                    .mag
                    .scale_up(s - self.scale)
                    .cmp(&o.mag.scale_up(s - o.scale));
                if neg {
                    c.reverse()
                } else {
                    c
                }
            }
        }
    }
}

impl Numeric {
    fn make(neg: bool, mag: Mag, scale: u32) -> Numeric {
        let neg = neg && !mag.is_zero();
        Numeric { neg, mag, scale }
    }

    pub fn zero() -> Numeric {
        Numeric::make(false, Mag::default(), 0)
    }

    pub fn from_i64(v: i64) -> Numeric {
        Numeric::make(v < 0, Mag::from_u128(v.unsigned_abs() as u128), 0)
    }

    pub fn from_i128(v: i128) -> Numeric {
        Numeric::make(v < 0, Mag::from_u128(v.unsigned_abs()), 0)
    }

    pub fn is_zero(&self) -> bool {
        self.mag.is_zero()
    }
    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// Parses PostgreSQL numeric input: `[+-]digits[.digits][e[+-]digits]`, surrounding spaces allowed.
    pub fn parse(input: &str) -> SqlResult<Numeric> {
        let bad = || SqlError::invalid_text("numeric", input);
        let s = input.trim();
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => {
                let e: i64 = body[i + 1..].parse().map_err(|_| bad())?;
                (&body[..i], e)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if int_part.len() + frac_part.len() > MAX_DIGITS || exp.unsigned_abs() > MAX_DIGITS as u64 {
            return Err(SqlError::new("22003", "value overflows numeric format"));
        }
        let digits = format!("{int_part}{frac_part}");
        let mut scale = frac_part.len() as i64 - exp;
        let mut mag = Mag::from_decimal(digits.trim_start_matches('0'));
        if scale < 0 {
            mag = mag.scale_up((-scale) as u32);
            scale = 0;
        }
        if scale > MAX_DISPLAY_SCALE as i64 {
            // PostgreSQL keeps at most 1000 fractional digits on input too.
            let n = Numeric::make(neg, mag, scale as u32);
            return Ok(n.round(MAX_DISPLAY_SCALE as i64));
        }
        Ok(Numeric::make(neg, mag, scale as u32))
    }

    /// Exactly as PostgreSQL prints it: all `scale` fractional digits, no exponent.
    pub fn to_pg_string(&self) -> String {
        let digits = self.mag.to_decimal();
        let scale = self.scale as usize;
        let mut out = String::with_capacity(digits.len() + 3);
        if self.neg {
            out.push('-');
        }
        if scale == 0 {
            out.push_str(&digits);
        } else if digits.len() > scale {
            out.push_str(&digits[..digits.len() - scale]);
            out.push('.');
            out.push_str(&digits[digits.len() - scale..]);
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat(scale - digits.len()));
            out.push_str(&digits);
        }
        out
    }

    fn aligned(&self, scale: u32) -> Mag {
        self.mag.scale_up(scale - self.scale)
    }

    pub fn neg(&self) -> Numeric {
        Numeric::make(!self.neg, self.mag.clone(), self.scale)
    }
    pub fn abs(&self) -> Numeric {
        Numeric::make(false, self.mag.clone(), self.scale)
    }

    pub fn add(&self, o: &Numeric) -> Numeric {
        let s = self.scale.max(o.scale);
        let (a, b) = (self.aligned(s), o.aligned(s));
        if self.neg == o.neg {
            return Numeric::make(self.neg, a.add(&b), s);
        }
        match a.cmp(&b) {
            Ordering::Less => Numeric::make(o.neg, b.sub(&a), s),
            _ => Numeric::make(self.neg, a.sub(&b), s),
        }
    }
    pub fn sub(&self, o: &Numeric) -> Numeric {
        self.add(&o.neg())
    }
    pub fn mul(&self, o: &Numeric) -> SqlResult<Numeric> {
        let digits = self.mag.0.len() + o.mag.0.len();
        if digits * 9 > MAX_DIGITS {
            return Err(SqlError::new("22003", "value overflows numeric format"));
        }
        let r = Numeric::make(
            self.neg != o.neg,
            self.mag.mul(&o.mag),
            self.scale + o.scale,
        );
        if r.scale > MAX_DISPLAY_SCALE {
            return Ok(r.round(MAX_DISPLAY_SCALE as i64));
        }
        Ok(r)
    }

    /// Base-10000 weight and first nonzero base-10000 digit, as PostgreSQL's
    /// select_div_scale sees them.
    fn nbase_weight(&self) -> (i64, u32) {
        if self.is_zero() {
            return (0, 0);
        }
        let digits = self.mag.to_decimal();
        let exp = digits.len() as i64 - self.scale as i64 - 1; // place value of the first digit
        let w = exp.div_euclid(4);
        let take = (exp - 4 * w + 1) as usize;
        let mut first = 0u32;
        for i in 0..take {
            let d = digits
                .as_bytes()
                .get(i)
                .map(|b| (b - b'0') as u32)
                .unwrap_or(0);
            first = first * 10 + d;
        }
        (w, first)
    }

    /// Division with PostgreSQL's result scale (select_div_scale), rounded half away from zero.
    pub fn div(&self, o: &Numeric) -> SqlResult<Numeric> {
        if o.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let (w1, f1) = self.nbase_weight();
        let (w2, f2) = o.nbase_weight();
        let mut qweight = w1 - w2;
        if f1 <= f2 {
            qweight -= 1;
        }
        let rscale = (MIN_SIG_DIGITS - qweight * 4)
            .max(self.scale as i64)
            .max(o.scale as i64)
            .clamp(0, MAX_DISPLAY_SCALE as i64) as u32;
        self.div_scaled(o, rscale)
    }

    /// self / o rounded to `rscale` fractional digits.
    pub fn div_scaled(&self, o: &Numeric, rscale: u32) -> SqlResult<Numeric> {
        if o.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        // a/b * 10^(rscale+1) = A * 10^(rscale+1+sb-sa) / B
        let shift = rscale as i64 + 1 + o.scale as i64 - self.scale as i64;
        let (num, den) = if shift >= 0 {
            (self.mag.scale_up(shift as u32), o.mag.clone())
        } else {
            (self.mag.clone(), o.mag.scale_up((-shift) as u32))
        };
        let (q, _) = num.divrem(&den);
        // q has one extra digit: round it away.
        let (q10, last) = q.divrem(&Mag::from_u128(10));
        let mut q = q10;
        if last.to_u128().unwrap_or(0) >= 5 {
            q = q.add(&Mag::from_u128(1));
        }
        Ok(Numeric::make(self.neg != o.neg, q, rscale))
    }

    /// Square root of a non-negative value, rounded (half up) to `rscale`
    /// fractional digits; negative input gives zero.
    pub fn sqrt_scaled(&self, rscale: u32) -> Numeric {
        if self.neg || self.mag.is_zero() {
            return Numeric::make(false, Mag::default(), rscale);
        }
        // sqrt(M / 10^s) * 10^k = sqrt(M * 10^(2k - s)), with one guard digit.
        let k = (rscale + 1).max(self.scale.div_ceil(2));
        let n = self.mag.scale_up(2 * k - self.scale);
        // Integer square root by Newton's method from an overestimate.
        let digits = n.to_decimal().len() as u32;
        let mut x = Mag::pow10(digits.div_ceil(2));
        let two = Mag::from_u128(2);
        loop {
            let (q, _) = n.divrem(&x);
            let (y, _) = x.add(&q).divrem(&two);
            if y.cmp(&x) != Ordering::Less {
                break;
            }
            x = y;
        }
        let (mut q, last) = x.divrem(&Mag::pow10(k - rscale));
        let half = Mag::pow10(k - rscale).mul_small(5);
        let (half, _) = half.divrem(&Mag::from_u128(10));
        if last.cmp(&half) != Ordering::Less {
            q = q.add(&Mag::from_u128(1));
        }
        Numeric::make(false, q, rscale)
    }

    /// Truncating division to an integer (used by mod and div()).
    fn trunc_div(&self, o: &Numeric) -> SqlResult<Numeric> {
        if o.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let s = self.scale.max(o.scale);
        let (q, _) = self.aligned(s).divrem(&o.aligned(s));
        Ok(Numeric::make(self.neg != o.neg, q, 0))
    }

    /// PostgreSQL numeric `%`: sign of the dividend, scale max(s1, s2).
    pub fn rem(&self, o: &Numeric) -> SqlResult<Numeric> {
        let q = self.trunc_div(o)?;
        Ok(self.sub(&q.mul(o)?))
    }

    /// round(x, n): half away from zero; scale becomes max(n, 0). Negative n rounds left of the point.
    pub fn round(&self, n: i64) -> Numeric {
        self.round_mode(n, true)
    }
    /// trunc(x, n).
    pub fn trunc(&self, n: i64) -> Numeric {
        self.round_mode(n, false)
    }

    fn round_mode(&self, n: i64, half_up: bool) -> Numeric {
        let n = n.clamp(-(MAX_DIGITS as i64), MAX_DISPLAY_SCALE as i64);
        let target = n.max(0) as u32;
        if n >= self.scale as i64 {
            return Numeric::make(self.neg, self.aligned(target), target);
        }
        let drop = (self.scale as i64 - n) as u32;
        let div = Mag::pow10(drop);
        let (mut q, r) = self.mag.divrem(&div);
        if half_up && r.mul_small(2).cmp(&div) != Ordering::Less {
            q = q.add(&Mag::from_u128(1));
        }
        // q is in units of 10^-n; bring to `target` scale.
        let mag = if n < 0 { q.scale_up((-n) as u32) } else { q };
        Numeric::make(self.neg, mag, target)
    }

    pub fn ceil(&self) -> Numeric {
        let t = self.trunc(0);
        if !self.neg && t != *self {
            t.add(&Numeric::from_i64(1))
        } else {
            t
        }
    }
    pub fn floor(&self) -> Numeric {
        let t = self.trunc(0);
        if self.neg && t != *self {
            t.sub(&Numeric::from_i64(1))
        } else {
            t
        }
    }

    /// Applies a numeric(p,s) typmod: rounds to s and checks the integer digits.
    pub fn apply_typmod(&self, precision: i32, scale: i32) -> SqlResult<Numeric> {
        let r = self.round(scale as i64);
        let int_digits = {
            let d = r.mag.to_decimal();
            if r.is_zero() {
                0
            } else {
                (d.len() as i64 - r.scale as i64).max(0)
            }
        };
        if int_digits > (precision - scale) as i64 {
            return Err(SqlError::new("22003", "numeric field overflow").with_detail(format!(
                "A field with precision {precision}, scale {scale} must round to an absolute value less than {}.",
                if precision == scale { "1".to_string() } else { format!("10^{}", precision - scale) }
            )));
        }
        Ok(r)
    }

    /// Rounds half away from zero to an integer; None if it does not fit in i64.
    pub fn to_i64(&self) -> Option<i64> {
        let r = self.round(0);
        let v = r.mag.to_u128()?;
        if r.neg {
            if v <= i64::MAX as u128 + 1 {
                Some((v as i128).wrapping_neg() as i64)
            } else {
                None
            }
        } else if v <= i64::MAX as u128 {
            Some(v as i64)
        } else {
            None
        }
    }

    pub fn to_f64(&self) -> f64 {
        self.to_pg_string().parse().unwrap_or(f64::NAN)
    }

    /// float -> numeric as PostgreSQL does it: through `digits` significant digits.
    pub fn from_f64(v: f64, digits: usize) -> SqlResult<Numeric> {
        if !v.is_finite() {
            return Err(SqlError::new(
                "0A000",
                "cannot convert infinity or NaN to numeric",
            ));
        }
        let s = format!("{:.*e}", digits.saturating_sub(1), v);
        let n = Numeric::parse(&s)?;
        // Drop trailing fractional zeros, as float8out's %g would not print them.
        Ok(n.strip_trailing_zeros())
    }

    pub fn strip_trailing_zeros(&self) -> Numeric {
        let mut mag = self.mag.clone();
        let mut scale = self.scale;
        while scale > 0 {
            let (q, r) = mag.divrem(&Mag::from_u128(10));
            if !r.is_zero() {
                break;
            }
            mag = q;
            scale -= 1;
        }
        Numeric::make(self.neg, mag, scale)
    }

    /// Significant decimal digits (no leading/trailing zeros) and the power of
    /// ten of the first one: the value is 0.d1d2d3... * 10^(exp+1). For key encoding.
    pub fn digits_and_exponent(&self) -> (Vec<u8>, i64) {
        let digits = self.mag.to_decimal();
        let exp = digits.len() as i64 - self.scale as i64 - 1;
        let trimmed = digits.trim_end_matches('0');
        (trimmed.bytes().map(|b| b - b'0').collect(), exp)
    }

    /// Inverse of `digits_and_exponent`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn from_digits_and_exponent(neg: bool, digits: &[u8], exp: i64) -> Numeric {
        if digits.is_empty() {
            return Numeric::zero();
        }
        let s: String = digits.iter().map(|d| (b'0' + d) as char).collect();
        // value = s * 10^(exp - len + 1)
        let e = exp - digits.len() as i64 + 1;
        let mag = Mag::from_decimal(&s);
        if e >= 0 {
            Numeric::make(neg, mag.scale_up(e as u32), 0)
        } else {
            Numeric::make(neg, mag, (-e) as u32)
        }
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pg_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(n("1.50").to_string(), "1.50");
        assert_eq!(n(" -0.001 ").to_string(), "-0.001");
        assert_eq!(n("1.5e3").to_string(), "1500");
        assert_eq!(n("1e-3").to_string(), "0.001");
        assert_eq!(n("-0").to_string(), "0");
        assert_eq!(n(".5").to_string(), "0.5");
        assert_eq!(
            n("123456789012345678901234567890").to_string(),
            "123456789012345678901234567890"
        );
        assert!(Numeric::parse("abc").is_err());
        assert!(Numeric::parse("1.2.3").is_err());
        assert!(Numeric::parse("").is_err());
    }

    #[test]
    fn arithmetic_scales() {
        assert_eq!(n("1.5").add(&n("2.25")).to_string(), "3.75");
        assert_eq!(n("1.5").sub(&n("2.25")).to_string(), "-0.75");
        assert_eq!(n("1.5").mul(&n("2.25")).unwrap().to_string(), "3.375");
        assert_eq!(
            n("10").div(&n("3.0")).unwrap().to_string(),
            "3.3333333333333333"
        );
        assert_eq!(
            n("1").div(&n("1")).unwrap().to_string(),
            "1.00000000000000000000"
        );
        assert_eq!(
            n("2").div(&n("3")).unwrap().to_string(),
            "0.66666666666666666667"
        );
        assert_eq!(
            n("100000").div(&n("3")).unwrap().to_string(),
            "33333.333333333333"
        );
        assert_eq!(n("7").rem(&n("-3")).unwrap().to_string(), "1");
        assert_eq!(n("-7.5").rem(&n("2")).unwrap().to_string(), "-1.5");
        assert!(n("1").div(&Numeric::zero()).is_err());
        assert_eq!(
            n("123456789012345678901234567890")
                .mul(&n("1000000000.5"))
                .unwrap()
                .to_string(),
            "123456789074074073407407407340617283945.0"
        );
    }

    #[test]
    fn rounding() {
        assert_eq!(n("2.5").round(0).to_string(), "3");
        assert_eq!(n("-2.5").round(0).to_string(), "-3");
        assert_eq!(n("1234.5678").round(2).to_string(), "1234.57");
        assert_eq!(n("1234.5678").round(-2).to_string(), "1200");
        assert_eq!(n("1.2").round(3).to_string(), "1.200");
        assert_eq!(n("-1.7").floor().to_string(), "-2");
        assert_eq!(n("1.2").ceil().to_string(), "2");
        assert_eq!(
            n("999.995").apply_typmod(5, 2).unwrap_err().sqlstate,
            "22003"
        );
        assert_eq!(n("99.994").apply_typmod(4, 2).unwrap().to_string(), "99.99");
        assert_eq!(n("-2.5").to_i64(), Some(-3));
        assert_eq!(n("9223372036854775808").to_i64(), None);
        assert_eq!(n("-9223372036854775808").to_i64(), Some(i64::MIN));
    }

    #[test]
    fn ordering() {
        assert!(n("1.10") == n("1.1"));
        assert!(n("-2") < n("-1.5"));
        assert!(n("0.001") > n("0"));
        let (d, e) = n("123.4500").digits_and_exponent();
        assert_eq!((d.clone(), e), (vec![1, 2, 3, 4, 5], 2));
        assert_eq!(Numeric::from_digits_and_exponent(false, &d, e), n("123.45"));
    }
}
