//! `Numeric`: arbitrary-precision decimal with PostgreSQL's numeric semantics
//! (display scale, result scales of + - * /, rounding half away from zero,
//! and the special values NaN, Infinity and -Infinity with PostgreSQL 15's
//! rules: NaN equals itself and sorts above everything, Infinity - Infinity
//! is NaN, dividing by zero is an error even for infinities).
//! An unscaled magnitude in base 10^9 limbs plus a decimal scale.

use std::cmp::Ordering;
use std::fmt;

use crate::error::{SqlError, SqlResult};

const BASE: u64 = 1_000_000_000;
/// PostgreSQL's NUMERIC_MIN_SIG_DIGITS (division keeps at least this many).
const MIN_SIG_DIGITS: i64 = 16;
/// PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE.
pub const MAX_DISPLAY_SCALE: u32 = 1000;
/// Integer digits a numeric can hold ((NUMERIC_WEIGHT_MAX + 1) * DEC_DIGITS).
const MAX_INT_DIGITS: i64 = 131_072;
/// PostgreSQL's NUMERIC_DSCALE_MAX: the most fractional digits a value can keep.
const MAX_STORED_SCALE: i64 = 0x3FFF;
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
        if let [single] = d.0.as_slice() {
            // Short division: one pass, no trial multiplications.
            let mut q = vec![0u32; self.0.len()];
            let mut rem = 0u64;
            for i in (0..self.0.len()).rev() {
                let cur = rem * BASE + self.0[i] as u64;
                q[i] = (cur / *single as u64) as u32;
                rem = cur % *single as u64;
            }
            return (Mag(q).trim(), Mag::from_u128(rem as u128));
        }
        let n = d.0.len();
        let base = BASE as u128;
        // Top two limbs of the divisor (it has at least two here).
        let d_top = d.0[n - 1] as u128 * base + d.0[n - 2] as u128;
        let limb = |m: &Mag, k: usize| m.0.get(k).copied().unwrap_or(0) as u128;
        // The remainder's limbs at positions n, n-1, n-2 as one number.
        let top3 = |m: &Mag, n: usize| (limb(m, n) * base + limb(m, n - 1)) * base + limb(m, n - 2);
        let mut q = vec![0u32; self.0.len()];
        let mut rem = Mag::default();
        for i in (0..self.0.len()).rev() {
            // rem = rem * BASE + limb
            rem.0.insert(0, self.0[i]);
            rem = rem.trim();
            // Estimate the quotient limb from the top limbs (never above the
            // true one, at most a couple below), then correct upwards.
            let mut qhat = (top3(&rem, n) / (d_top + 1)) as u64;
            if qhat > 0 {
                rem = rem.sub(&d.mul_small(qhat as u32));
            }
            while rem.cmp(d) != Ordering::Less {
                rem = rem.sub(d);
                qhat += 1;
            }
            q[i] = qhat as u32;
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

/// Which kind of value a `Numeric` is; special values carry no digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    NegInfinity,
    Finite,
    Infinity,
    /// Sorts above everything, as in PostgreSQL.
    NaN,
}

/// An exact decimal number: `(-1)^neg * mag * 10^-scale`, or a special value
/// (`kind` != Finite, then `mag` is zero, `scale` 0 and `neg` false).
/// Zero is never negative.
#[derive(Clone, Debug)]
pub struct Numeric {
    kind: Kind,
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
        if self.kind != Kind::Finite || o.kind != Kind::Finite {
            return self.kind.cmp(&o.kind);
        }
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
        Numeric {
            kind: Kind::Finite,
            neg,
            mag,
            scale,
        }
    }

    fn special(kind: Kind) -> Numeric {
        Numeric {
            kind,
            neg: false,
            mag: Mag::default(),
            scale: 0,
        }
    }

    pub fn nan() -> Numeric {
        Numeric::special(Kind::NaN)
    }

    /// +Infinity, or -Infinity when `negative`.
    pub fn infinity(negative: bool) -> Numeric {
        Numeric::special(if negative {
            Kind::NegInfinity
        } else {
            Kind::Infinity
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
    pub fn is_nan(&self) -> bool {
        self.kind == Kind::NaN
    }
    /// Infinity or -Infinity.
    pub fn is_infinite(&self) -> bool {
        matches!(self.kind, Kind::Infinity | Kind::NegInfinity)
    }
    pub fn is_finite(&self) -> bool {
        self.kind == Kind::Finite
    }
    /// The display scale (0 for special values).
    pub fn scale(&self) -> u32 {
        self.scale
    }
    /// -1, 0 or 1 (NaN gives 0; callers check NaN first).
    pub fn signum(&self) -> i32 {
        match self.kind {
            Kind::NegInfinity => -1,
            Kind::Infinity => 1,
            Kind::NaN => 0,
            Kind::Finite if self.mag.is_zero() => 0,
            Kind::Finite if self.neg => -1,
            Kind::Finite => 1,
        }
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
        self.kind == Kind::Finite && self.mag.is_zero()
    }
    /// Below zero (-Infinity included, NaN not).
    pub fn is_negative(&self) -> bool {
        self.neg || self.kind == Kind::NegInfinity
    }

    /// Parses PostgreSQL numeric input: `[+-]digits[.digits][e[+-]digits]`, surrounding spaces allowed.
    pub fn parse(input: &str) -> SqlResult<Numeric> {
        let bad = || SqlError::invalid_text("numeric", input);
        let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
        // The spellings float8in accepts too; NaN takes no sign.
        for (word, value) in [
            ("nan", Kind::NaN),
            ("infinity", Kind::Infinity),
            ("+infinity", Kind::Infinity),
            ("-infinity", Kind::NegInfinity),
            ("inf", Kind::Infinity),
            ("+inf", Kind::Infinity),
            ("-inf", Kind::NegInfinity),
        ] {
            if s.eq_ignore_ascii_case(word) {
                return Ok(Numeric::special(value));
            }
        }
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
        if scale > MAX_STORED_SCALE {
            return Err(SqlError::new("22003", "value overflows numeric format"));
        }
        Ok(Numeric::make(neg, mag, scale as u32))
    }

    /// Exactly as PostgreSQL prints it: all `scale` fractional digits, no exponent.
    pub fn to_pg_string(&self) -> String {
        match self.kind {
            Kind::NaN => return "NaN".to_string(),
            Kind::Infinity => return "Infinity".to_string(),
            Kind::NegInfinity => return "-Infinity".to_string(),
            Kind::Finite => {}
        }
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
        match self.kind {
            Kind::Finite => Numeric::make(!self.neg, self.mag.clone(), self.scale),
            Kind::Infinity => Numeric::infinity(true),
            Kind::NegInfinity => Numeric::infinity(false),
            Kind::NaN => Numeric::nan(),
        }
    }
    pub fn abs(&self) -> Numeric {
        match self.kind {
            Kind::Finite => Numeric::make(false, self.mag.clone(), self.scale),
            Kind::NaN => Numeric::nan(),
            _ => Numeric::infinity(false),
        }
    }

    pub fn add(&self, o: &Numeric) -> Numeric {
        if self.is_nan() || o.is_nan() {
            return Numeric::nan();
        }
        if self.is_infinite() || o.is_infinite() {
            return match (self.kind, o.kind) {
                (a, b) if a == b => self.clone(),
                (Kind::Finite, _) => o.clone(),
                (_, Kind::Finite) => self.clone(),
                _ => Numeric::nan(), // Infinity + -Infinity
            };
        }
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
        if self.is_nan() || o.is_nan() {
            return Ok(Numeric::nan());
        }
        if self.is_infinite() || o.is_infinite() {
            return Ok(match self.signum() * o.signum() {
                0 => Numeric::nan(),
                s => Numeric::infinity(s < 0),
            });
        }
        let digits = self.mag.0.len() + o.mag.0.len();
        if digits * 9 > MAX_DIGITS {
            return Err(SqlError::new("22003", "value overflows numeric format"));
        }
        let r = Numeric::make(
            self.neg != o.neg,
            self.mag.mul(&o.mag),
            self.scale + o.scale,
        );
        if r.scale as i64 > MAX_STORED_SCALE {
            return Ok(r.round_wide(MAX_STORED_SCALE));
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
        if let Some(r) = self.special_quotient(o)? {
            return Ok(r);
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

    /// The quotient when either operand is special (None: both finite, o nonzero).
    /// NaN wins even over a zero divisor; other divisions by zero are errors.
    fn special_quotient(&self, o: &Numeric) -> SqlResult<Option<Numeric>> {
        if self.is_nan() || o.is_nan() {
            return Ok(Some(Numeric::nan()));
        }
        if o.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        Ok(match (self.is_infinite(), o.is_infinite()) {
            (true, true) => Some(Numeric::nan()),
            (true, false) => Some(Numeric::infinity(self.signum() * o.signum() < 0)),
            (false, true) => Some(Numeric::zero()),
            (false, false) => None,
        })
    }

    /// self / o rounded to `rscale` fractional digits.
    pub fn div_scaled(&self, o: &Numeric, rscale: u32) -> SqlResult<Numeric> {
        if let Some(r) = self.special_quotient(o)? {
            return Ok(r);
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
        if !self.is_finite() {
            return self.clone();
        }
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

    /// Truncating division to an integer: PostgreSQL's div(); x div ±Infinity is 0.
    pub fn trunc_div(&self, o: &Numeric) -> SqlResult<Numeric> {
        if let Some(r) = self.special_quotient(o)? {
            return Ok(r);
        }
        let s = self.scale.max(o.scale);
        let (q, _) = self.aligned(s).divrem(&o.aligned(s));
        Ok(Numeric::make(self.neg != o.neg, q, 0))
    }

    /// PostgreSQL numeric `%`: sign of the dividend, scale max(s1, s2).
    pub fn rem(&self, o: &Numeric) -> SqlResult<Numeric> {
        if self.is_nan() || o.is_nan() {
            return Ok(Numeric::nan());
        }
        if o.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        if self.is_infinite() {
            return Ok(Numeric::nan());
        }
        if o.is_infinite() {
            return Ok(self.clone());
        }
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

    /// Rounds half away from zero to `n` fractional digits, beyond the display
    /// limit too (for intermediate results of the transcendental functions).
    pub(crate) fn round_wide(&self, n: i64) -> Numeric {
        self.round_mode_bounded(n.clamp(-(MAX_DIGITS as i64), MAX_DIGITS as i64), true)
    }

    /// self * o with every digit kept (finite operands).
    pub(crate) fn mul_exact(&self, o: &Numeric) -> Numeric {
        Numeric::make(
            self.neg != o.neg,
            self.mag.mul(&o.mag),
            self.scale + o.scale,
        )
    }

    /// self * o rounded to `scale` fractional digits (no display-scale limit).
    pub(crate) fn mul_round(&self, o: &Numeric, scale: i64) -> Numeric {
        if !self.is_finite() || !o.is_finite() {
            return self.mul(o).unwrap_or_else(|_| Numeric::nan());
        }
        Numeric::make(
            self.neg != o.neg,
            self.mag.mul(&o.mag),
            self.scale + o.scale,
        )
        .round_wide(scale)
    }

    fn round_mode(&self, n: i64, half_up: bool) -> Numeric {
        // PostgreSQL's limits for round()/trunc(): NUMERIC_DSCALE_MAX after the
        // point, one digit beyond the largest weight before it.
        self.round_mode_bounded(n.clamp(-(MAX_INT_DIGITS + 1), MAX_STORED_SCALE), half_up)
    }

    /// 22003 when the value has more integer digits than numeric can hold.
    pub fn check_overflow(&self) -> SqlResult<()> {
        if self.is_finite() && !self.is_zero() && self.decimal_exponent() + 1 > MAX_INT_DIGITS {
            return Err(SqlError::new("22003", "value overflows numeric format"));
        }
        Ok(())
    }

    fn round_mode_bounded(&self, n: i64, half_up: bool) -> Numeric {
        if !self.is_finite() {
            return self.clone();
        }
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
        if !self.is_finite() {
            return self.clone();
        }
        let t = self.trunc(0);
        if !self.neg && t != *self {
            t.add(&Numeric::from_i64(1))
        } else {
            t
        }
    }
    pub fn floor(&self) -> Numeric {
        if !self.is_finite() {
            return self.clone();
        }
        let t = self.trunc(0);
        if self.neg && t != *self {
            t.sub(&Numeric::from_i64(1))
        } else {
            t
        }
    }

    /// Applies a numeric(p,s) typmod: rounds to s and checks the integer digits.
    pub fn apply_typmod(&self, precision: i32, scale: i32) -> SqlResult<Numeric> {
        if self.is_nan() {
            return Ok(self.clone());
        }
        if self.is_infinite() {
            return Err(
                SqlError::new("22003", "numeric field overflow").with_detail(format!(
                "A field with precision {precision}, scale {scale} cannot hold an infinite value."
            )),
            );
        }
        let r = self.round(scale as i64);
        // Digits left of the point up to the leading nonzero one (negative
        // for pure fractions); zero always fits.
        let int_digits = r.decimal_exponent() + 1;
        if !r.is_zero() && int_digits > (precision - scale) as i64 {
            return Err(SqlError::new("22003", "numeric field overflow").with_detail(format!(
                "A field with precision {precision}, scale {scale} must round to an absolute value less than {}.",
                if precision == scale { "1".to_string() } else { format!("10^{}", precision - scale) }
            )));
        }
        Ok(r)
    }

    /// Rounds half away from zero to an integer; None if it does not fit in i64.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_finite() {
            return None;
        }
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
        match self.kind {
            Kind::NaN => f64::NAN,
            Kind::Infinity => f64::INFINITY,
            Kind::NegInfinity => f64::NEG_INFINITY,
            Kind::Finite => self.to_pg_string().parse().unwrap_or(f64::NAN),
        }
    }

    /// float -> numeric as PostgreSQL does it: through `digits` significant digits.
    pub fn from_f64(v: f64, digits: usize) -> SqlResult<Numeric> {
        if v.is_nan() {
            return Ok(Numeric::nan());
        }
        if v.is_infinite() {
            return Ok(Numeric::infinity(v < 0.0));
        }
        let s = format!("{:.*e}", digits.saturating_sub(1), v);
        let n = Numeric::parse(&s)?;
        // Drop trailing fractional zeros, as float8out's %g would not print them.
        Ok(n.strip_trailing_zeros())
    }

    pub fn strip_trailing_zeros(&self) -> Numeric {
        if !self.is_finite() {
            return self.clone();
        }
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

impl Numeric {
    /// The value as PostgreSQL stores it: base-10000 digits (most significant
    /// first, no leading or trailing zero digits) and the weight of the first
    /// one. Zero and special values give (0, []). Scale decisions in
    /// PostgreSQL's numeric code are made on this form.
    pub fn nbase_digits(&self) -> (i64, Vec<u32>) {
        if !self.is_finite() || self.is_zero() {
            return (0, Vec::new());
        }
        let digits = self.mag.to_decimal();
        // Pad so the fraction fills whole groups of 4 and the point sits on a group boundary.
        let frac_pad = (4 - self.scale as usize % 4) % 4;
        let int_len = digits.len() as i64 - self.scale as i64;
        let int_groups = if int_len > 0 { (int_len + 3) / 4 } else { 0 };
        let total_groups = int_groups + (self.scale as i64 + frac_pad as i64) / 4;
        let mut padded = "0".repeat((total_groups * 4) as usize - digits.len() - frac_pad);
        padded.push_str(&digits);
        padded.push_str(&"0".repeat(frac_pad));
        let mut groups: Vec<u32> = padded
            .as_bytes()
            .chunks(4)
            .map(|c| c.iter().fold(0u32, |a, b| a * 10 + (b - b'0') as u32))
            .collect();
        let mut weight = int_groups - 1;
        while groups.first() == Some(&0) {
            groups.remove(0);
            weight -= 1;
        }
        while groups.last() == Some(&0) {
            groups.pop();
        }
        (weight, groups)
    }

    /// Decimal exponent of the leading digit (value ~ d.ddd * 10^e); 0 for zero.
    pub fn decimal_exponent(&self) -> i64 {
        if !self.is_finite() || self.is_zero() {
            return 0;
        }
        self.mag.to_decimal().len() as i64 - self.scale as i64 - 1
    }

    /// self * 10^k, exactly (finite values; specials are returned unchanged).
    pub fn shift10(&self, k: i64) -> Numeric {
        if !self.is_finite() || k == 0 {
            return self.clone();
        }
        if k > 0 {
            let k = k as u32;
            if k <= self.scale {
                Numeric::make(self.neg, self.mag.clone(), self.scale - k)
            } else {
                Numeric::make(self.neg, self.mag.scale_up(k - self.scale), 0)
            }
        } else {
            Numeric::make(self.neg, self.mag.clone(), self.scale + (-k) as u32)
        }
    }

    /// True when the value has no nonzero fractional digits (specials: false).
    pub fn is_integral(&self) -> bool {
        self.is_finite() && self.strip_trailing_zeros().scale == 0
    }

    /// The same value shown with exactly `scale` fractional digits, when that
    /// loses nothing (used where PostgreSQL sets dscale without rounding).
    pub fn with_scale(&self, scale: u32) -> Numeric {
        if !self.is_finite() || scale <= self.scale {
            return self.round(scale as i64);
        }
        Numeric::make(self.neg, self.aligned(scale), scale)
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
        // PostgreSQL's limits: 16383 fractional digits, 131072 integer digits.
        assert_eq!(n("5e-16383").round(1_000_000), n("5e-16383"));
        assert_eq!(n("5e-16383").round(16382), n("1e-16382"));
        assert!(n("5.5e131071").round(-131072).check_overflow().is_err());
        assert!(Numeric::parse("1e-16384").is_err());
    }

    #[test]
    fn long_division_with_multi_limb_divisors() {
        // (q * d + r) / d == q for divisors whose top limbs are small and large.
        let ds = [
            "1000000000000000001",
            "999999999999999999999999999",
            "1000000000999999999000000001",
        ];
        let qs = [
            "123456789123456789123456789123456789",
            "1",
            "999999999999999999",
        ];
        for d in ds {
            for q in qs {
                let (dn, qn) = (n(d), n(q));
                let r = dn.sub(&n("1"));
                let num = qn.mul(&dn).unwrap().add(&r);
                assert_eq!(num.trunc_div(&dn).unwrap(), qn, "{q} * {d}");
                assert_eq!(num.rem(&dn).unwrap(), r);
            }
        }
    }

    #[test]
    fn special_values() {
        let (nan, inf, ninf) = (
            Numeric::nan(),
            Numeric::infinity(false),
            Numeric::infinity(true),
        );
        assert_eq!(n(" -Infinity ").to_string(), "-Infinity");
        assert_eq!(n("inf"), inf);
        assert_eq!(n("NaN"), nan);
        assert!(Numeric::parse("-nan").is_err());
        assert!(ninf < n("-1e1000") && n("1e1000") < inf && inf < nan);
        assert!(inf.sub(&inf).is_nan());
        assert!(inf.mul(&Numeric::zero()).unwrap().is_nan());
        assert_eq!(n("1").div(&inf).unwrap().to_string(), "0");
        assert!(nan.div(&Numeric::zero()).unwrap().is_nan());
        assert_eq!(inf.div(&Numeric::zero()).unwrap_err().sqlstate, "22012");
        assert!(inf.rem(&n("2")).unwrap().is_nan());
        assert_eq!(n("5").rem(&ninf).unwrap().to_string(), "5");
        assert_eq!(inf.apply_typmod(10, 2).unwrap_err().sqlstate, "22003");
        assert!(nan.apply_typmod(10, 2).unwrap().is_nan());
        assert_eq!(Numeric::from_f64(f64::NEG_INFINITY, 15).unwrap(), ninf);
        assert_eq!(ninf.to_f64(), f64::NEG_INFINITY);
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
