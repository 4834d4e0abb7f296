//! `Datum`: one SQL value at run time; PostgreSQL text input and output for
//! every supported type, casts between types, and the total order used by
//! comparisons, ORDER BY, DISTINCT and grouping.

use std::cmp::Ordering;

use crate::bit_string::BitString;
use crate::datetime;
use crate::error::{SqlError, SqlResult};
use crate::interval::{self, Interval};
use crate::numeric::Numeric;
use crate::timezone::DateTimeConfig;
use crate::types::{numeric_typmod, ColType, SqlType};

/// A run-time value. Text-like types (text, varchar, bpchar, unknown) share `Text`;
/// the static type travels with the expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Datum {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    Numeric(Numeric),
    Text(String),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since 2000-01-01 00:00:00 (no time zone).
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00:00 UTC.
    TimestampTz(i64),
    Bytea(Vec<u8>),
    Uuid(u128),
    Interval(Interval),
    /// Microseconds since midnight.
    Time(i64),
    /// json: the input text, validated.
    Json(String),
    /// jsonb: normalized text (`crate::json`).
    Jsonb(String),
    /// A one-dimensional array (lower bound 1).
    Array(Vec<Datum>),
    /// pg_lsn: a write-ahead-log position (`crate::pg_lsn`).
    PgLsn(u64),
    /// bit(n) and bit varying(n).
    Bits(BitString),
    /// A value of a geometric type (`crate::geometry`).
    Geo(Box<crate::geometry::Geometry>),
    /// money, in cents (`crate::money`).
    Money(i64),
}

/// Which cast rules apply (PostgreSQL's COERCION_IMPLICIT/ASSIGNMENT/EXPLICIT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastContext {
    Implicit,
    Assignment,
    Explicit,
}

impl Datum {
    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// The natural type of a non-null datum (text-likes report Text).
    pub fn natural_type(&self) -> SqlType {
        match self {
            Datum::Null => SqlType::Unknown,
            Datum::Bool(_) => SqlType::Bool,
            Datum::Int2(_) => SqlType::Int2,
            Datum::Int4(_) => SqlType::Int4,
            Datum::Int8(_) => SqlType::Int8,
            Datum::Float4(_) => SqlType::Float4,
            Datum::Float8(_) => SqlType::Float8,
            Datum::Numeric(_) => SqlType::Numeric,
            Datum::Text(_) => SqlType::Text,
            Datum::Date(_) => SqlType::Date,
            Datum::Timestamp(_) => SqlType::Timestamp,
            Datum::TimestampTz(_) => SqlType::TimestampTz,
            Datum::Bytea(_) => SqlType::Bytea,
            Datum::Uuid(_) => SqlType::Uuid,
            Datum::PgLsn(_) => SqlType::PgLsn,
            Datum::Bits(_) => SqlType::Bit,
            Datum::Geo(g) => g.sql_type(),
            Datum::Money(_) => SqlType::Money,
            Datum::Interval(_) => SqlType::Interval,
            Datum::Time(_) => SqlType::Time,
            Datum::Json(_) => SqlType::Json,
            Datum::Jsonb(_) => SqlType::Jsonb,
            Datum::Array(items) => SqlType::Array(
                items
                    .iter()
                    .find(|x| !x.is_null())
                    .and_then(|x| crate::types::Elem::of(x.natural_type()))
                    .unwrap_or(crate::types::Elem::Text),
            ),
        }
    }

    /// PostgreSQL text output (UTC, DateStyle ISO); None for NULL.
    pub fn to_text(&self, extra_float_digits: i32) -> Option<String> {
        self.to_text_in(extra_float_digits, DateTimeConfig::standard())
    }

    /// PostgreSQL text output under the session's TimeZone and DateStyle.
    pub fn to_text_in(&self, extra_float_digits: i32, dt: &DateTimeConfig) -> Option<String> {
        Some(match self {
            Datum::Null => return None,
            Datum::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Datum::Int2(v) => v.to_string(),
            Datum::Int4(v) => v.to_string(),
            Datum::Int8(v) => v.to_string(),
            Datum::Float4(v) => format_float(*v as f64, true, extra_float_digits),
            Datum::Float8(v) => format_float(*v, false, extra_float_digits),
            Datum::Numeric(n) => n.to_pg_string(),
            Datum::Text(s) => s.clone(),
            Datum::Date(d) => datetime::format_date_in(*d, dt.style),
            Datum::Timestamp(t) => datetime::format_timestamp_in(*t, dt.style),
            Datum::TimestampTz(t) => datetime::format_timestamptz_in(*t, dt),
            Datum::Bytea(b) => interval::format_bytea(b),
            Datum::Uuid(u) => interval::format_uuid(*u),
            Datum::PgLsn(v) => crate::pg_lsn::format(*v),
            Datum::Bits(b) => b.format(),
            Datum::Geo(g) => g.format(extra_float_digits),
            Datum::Money(cents) => crate::money::format(*cents),
            Datum::Interval(iv) => interval::format_interval_in(iv, dt.interval),
            Datum::Time(t) => interval::format_time(*t),
            Datum::Json(s) | Datum::Jsonb(s) => s.clone(),
            Datum::Array(items) => format_array(items, extra_float_digits, dt),
        })
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Datum::Int2(v) => Some(*v as i64),
            Datum::Int4(v) => Some(*v as i64),
            Datum::Int8(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Datum::Int2(v) => Some(*v as f64),
            Datum::Int4(v) => Some(*v as f64),
            Datum::Int8(v) => Some(*v as f64),
            Datum::Float4(v) => Some(*v as f64),
            Datum::Float8(v) => Some(*v),
            Datum::Numeric(n) => Some(n.to_f64()),
            _ => None,
        }
    }

    pub fn as_numeric(&self) -> Option<Numeric> {
        match self {
            Datum::Int2(v) => Some(Numeric::from_i64(*v as i64)),
            Datum::Int4(v) => Some(Numeric::from_i64(*v as i64)),
            Datum::Int8(v) => Some(Numeric::from_i64(*v)),
            Datum::Numeric(n) => Some(n.clone()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Datum::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// float4/float8 output. With extra_float_digits > 0 (the default, 1) the
/// shortest digits that round-trip, as PostgreSQL 12+; otherwise %.{N}g.
pub fn format_float(v: f64, single: bool, extra_float_digits: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let max_exp: i32 = if single { 6 } else { 15 };
    let sci = if extra_float_digits > 0 {
        crate::float_text::shortest_sci(v, single)
    } else {
        let precision = (max_exp + extra_float_digits).max(1) as usize;
        format!("{:.*e}", precision - 1, v)
    };
    // sci looks like "-1.2345e-7"
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let threshold = if extra_float_digits > 0 {
        max_exp
    } else {
        (max_exp + extra_float_digits).max(1)
    };
    if exp < -4 || exp >= threshold {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exp - 1) as usize));
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.push_str(&"0".repeat(int_len - digits.len()));
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

fn parse_int(s: &str, ty: SqlType) -> SqlResult<i64> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SqlError::invalid_text(ty.display_name(), s));
    }
    let out_of_range = || {
        SqlError::new(
            "22003",
            format!(
                "value \"{s}\" is out of range for type {}",
                ty.display_name()
            ),
        )
    };
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + (b - b'0') as i128;
        if v > i64::MAX as i128 + 1 {
            return Err(out_of_range());
        }
    }
    if neg {
        v = -v;
    }
    let (lo, hi) = match ty {
        SqlType::Int2 => (i16::MIN as i128, i16::MAX as i128),
        SqlType::Int4 => (i32::MIN as i128, i32::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    };
    if v < lo || v > hi {
        return Err(out_of_range());
    }
    Ok(v as i64)
}

/// oid input as PostgreSQL's `oidin`: decimal with optional sign and
/// surrounding whitespace; negative values of int4 range wrap around
/// (`-1` is 4294967295).
fn parse_oid(s: &str) -> SqlResult<i64> {
    let invalid = || SqlError::invalid_text("oid", s);
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let t = s.trim_start_matches(is_space);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    if digits.is_empty() || !tail.chars().all(is_space) {
        return Err(invalid());
    }
    let out_of_range = || {
        SqlError::new(
            "22003",
            format!("value \"{s}\" is out of range for type oid"),
        )
    };
    let magnitude: u64 = digits.parse().map_err(|_| out_of_range())?;
    if neg {
        // strtoul negates in unsigned arithmetic; only int4-range values survive.
        if magnitude > 1 << 31 {
            return Err(out_of_range());
        }
        Ok((magnitude as i64).wrapping_neg() as i32 as u32 as i64)
    } else if magnitude > u32::MAX as u64 {
        Err(out_of_range())
    } else {
        Ok(magnitude as i64)
    }
}

/// Cast of an integer to oid: int2/int4 reinterpret their bits (`-1` is
/// 4294967295); int8 must already be in range.
fn int_to_oid(v: i64, from: SqlType) -> SqlResult<Datum> {
    if from == SqlType::Int8 || from == SqlType::Oid {
        if !(0..=u32::MAX as i64).contains(&v) {
            return Err(SqlError::new("22003", "OID out of range"));
        }
        return Ok(Datum::Int8(v));
    }
    Ok(Datum::Int8(v as i32 as u32 as i64))
}

/// "char" output of a byte: empty for 0, `\ooo` for a high byte.
fn internal_char_text(b: u8) -> String {
    match b {
        0 => String::new(),
        1..=127 => (b as char).to_string(),
        _ => format!("\\{b:03o}"),
    }
}

/// The byte of a "char" input (PostgreSQL's charin): `\ooo` in octal,
/// else the first byte, 0 for the empty string. Also reads the output form back.
fn internal_char_byte(s: &str) -> u8 {
    let b = s.as_bytes();
    let octal = |c: u8| (b'0'..=b'7').contains(&c);
    if b.len() == 4 && b[0] == b'\\' && b[1..].iter().all(|c| octal(*c)) {
        let v = b[1..]
            .iter()
            .fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
        return v as u8;
    }
    b.first().copied().unwrap_or(0)
}

/// NAMEDATALEN - 1: names keep at most this many bytes.
pub const NAME_MAX_BYTES: usize = 63;

/// Truncates a name to `NAME_MAX_BYTES` on a character boundary, as PostgreSQL does.
fn truncate_name(s: &str) -> &str {
    if s.len() <= NAME_MAX_BYTES {
        return s;
    }
    let mut end = NAME_MAX_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn parse_float(s: &str, ty: SqlType) -> SqlResult<f64> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let lower = t.to_ascii_lowercase();
    let v = match lower.as_str() {
        "nan" => f64::NAN,
        "infinity" | "+infinity" | "inf" | "+inf" => f64::INFINITY,
        "-infinity" | "-inf" => f64::NEG_INFINITY,
        _ => {
            if lower.contains("inf") || lower.contains("nan") || t.is_empty() {
                return Err(SqlError::invalid_text(ty.display_name(), s));
            }
            let invalid = |_| SqlError::invalid_text(ty.display_name(), s);
            // real is parsed as f32 directly: rounding through f64 first can
            // land one ulp away from strtof's result.
            let v: f64 = if ty == SqlType::Float4 {
                t.parse::<f32>().map_err(invalid)? as f64
            } else {
                t.parse().map_err(invalid)?
            };
            let overflow = v.is_infinite();
            let mantissa = lower.split('e').next().unwrap_or("");
            let nonzero_input = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
            let underflow = nonzero_input
                && if ty == SqlType::Float4 {
                    (v as f32) == 0.0
                } else {
                    v == 0.0
                };
            if overflow || underflow {
                return Err(SqlError::new(
                    "22003",
                    format!("\"{s}\" is out of range for type {}", ty.display_name()),
                ));
            }
            v
        }
    };
    Ok(v)
}

pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    let prefix = |word: &str, min: usize| t.len() >= min && word.starts_with(t.as_str());
    if prefix("true", 1) || prefix("yes", 1) || t == "on" || t == "1" {
        Some(true)
    } else if prefix("false", 1) || prefix("no", 1) || prefix("off", 2) || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// Parses PostgreSQL text input for a type (with its typmod applied), with
/// dates and timestamps read as in UTC and `ISO, MDY`.
pub fn parse_text(s: &str, target: ColType) -> SqlResult<Datum> {
    parse_text_in(s, target, DateTimeConfig::standard())
}

/// Parses PostgreSQL text input under the session's TimeZone and DateStyle.
pub fn parse_text_in(s: &str, target: ColType, dt: &DateTimeConfig) -> SqlResult<Datum> {
    let d = match target.ty {
        SqlType::Bool => {
            Datum::Bool(parse_bool(s).ok_or_else(|| SqlError::invalid_text("boolean", s))?)
        }
        SqlType::Int2 => Datum::Int2(parse_int(s, SqlType::Int2)? as i16),
        SqlType::Int4 => Datum::Int4(parse_int(s, SqlType::Int4)? as i32),
        SqlType::Int8 => Datum::Int8(parse_int(s, SqlType::Int8)?),
        SqlType::Float4 => Datum::Float4(parse_float(s, SqlType::Float4)? as f32),
        SqlType::Float8 => Datum::Float8(parse_float(s, SqlType::Float8)?),
        SqlType::Numeric => Datum::Numeric(Numeric::parse(s)?),
        SqlType::Date => Datum::Date(datetime::parse_date_in(s, dt)?),
        SqlType::Timestamp => Datum::Timestamp(datetime::parse_timestamp_in(s, dt)?),
        SqlType::TimestampTz => Datum::TimestampTz(datetime::parse_timestamptz_in(s, dt)?),
        SqlType::Bytea => Datum::Bytea(interval::parse_bytea(s)?),
        SqlType::Uuid => Datum::Uuid(interval::parse_uuid(s)?),
        SqlType::PgLsn => Datum::PgLsn(crate::pg_lsn::parse(s)?),
        SqlType::Bit | SqlType::VarBit => Datum::Bits(BitString::parse(s)?),
        SqlType::Point
        | SqlType::Lseg
        | SqlType::GeoBox
        | SqlType::Path
        | SqlType::Polygon
        | SqlType::Circle
        | SqlType::Line => Datum::Geo(Box::new(crate::geometry::Geometry::parse(s, target.ty)?)),
        SqlType::Money => Datum::Money(crate::money::parse(s)?),
        SqlType::Interval => Datum::Interval(interval::parse_interval(s)?),
        SqlType::Time => Datum::Time(interval::parse_time(s)?),
        SqlType::Json => Datum::Json(crate::json::parse_json(s)?),
        SqlType::Jsonb => Datum::Jsonb(crate::json::parse_jsonb(s)?),
        SqlType::Array(e) => parse_array(s, e.ty(), dt)?,
        SqlType::Int2Vector => parse_int2vector(s)?,
        SqlType::Oid => Datum::Int8(parse_oid(s)?),
        SqlType::InternalChar => Datum::Text(internal_char_text(internal_char_byte(s))),
        SqlType::Enum(oid) => Datum::Text(crate::user_types::parse_label(oid, s)?),
        SqlType::Composite(oid) => Datum::Text(crate::composite::input(oid, s)?),
        SqlType::Base(oid) => crate::base_types::parse_input(oid, s)?,
        SqlType::Cstring => Datum::Text(s.to_string()),
        SqlType::Record => {
            return Err(SqlError::new(
                "0A000",
                "input of anonymous composite types is not implemented",
            ))
        }
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown | SqlType::Name => {
            Datum::Text(s.to_string())
        }
    };
    apply_typmod(d, target, CastContext::Assignment)
}

/// Enforces varchar(n)/char(n)/numeric(p,s) on a value already of the target type.
pub fn apply_typmod(d: Datum, target: ColType, ctx: CastContext) -> SqlResult<Datum> {
    match (&d, target.ty) {
        (Datum::Text(s), SqlType::Varchar | SqlType::Bpchar) => {
            let Some(n) = target.char_len() else {
                return Ok(d);
            };
            let len = s.chars().count();
            if len > n {
                let cut: String = s.chars().take(n).collect();
                let rest_is_spaces = s.chars().skip(n).all(|c| c == ' ');
                if ctx != CastContext::Explicit && !rest_is_spaces {
                    return Err(SqlError::new(
                        "22001",
                        format!("value too long for type {}", target.display()),
                    ));
                }
                return Ok(Datum::Text(cut));
            }
            if target.ty == SqlType::Bpchar && len < n {
                let mut padded = s.clone();
                padded.extend(std::iter::repeat_n(' ', n - len));
                return Ok(Datum::Text(padded));
            }
            Ok(d)
        }
        (Datum::Text(s), SqlType::Name) if s.len() > NAME_MAX_BYTES => {
            Ok(Datum::Text(truncate_name(s).to_string()))
        }
        (Datum::Timestamp(t), SqlType::Timestamp) if target.typmod >= 0 => Ok(Datum::Timestamp(
            datetime::round_precision(*t, target.typmod),
        )),
        (Datum::TimestampTz(t), SqlType::TimestampTz) if target.typmod >= 0 => Ok(
            Datum::TimestampTz(datetime::round_precision(*t, target.typmod)),
        ),
        (Datum::Numeric(v), SqlType::Numeric) if target.typmod >= 0 => {
            let (p, s) = numeric_typmod(target.typmod);
            Ok(Datum::Numeric(v.apply_typmod(p, s)?))
        }
        (Datum::Bits(b), SqlType::Bit | SqlType::VarBit) if target.typmod >= 0 => {
            let (n, explicit) = (target.typmod as usize, ctx == CastContext::Explicit);
            let b = b.clone();
            Ok(Datum::Bits(if target.ty == SqlType::Bit {
                b.into_fixed(n, explicit)?
            } else {
                b.into_varying(n, explicit)?
            }))
        }
        _ => Ok(d),
    }
}

fn int_range(v: i64, to: SqlType) -> SqlResult<Datum> {
    match to {
        SqlType::Int2 => i16::try_from(v)
            .map(Datum::Int2)
            .map_err(|_| SqlError::out_of_range("smallint")),
        SqlType::Int4 => i32::try_from(v)
            .map(Datum::Int4)
            .map_err(|_| SqlError::out_of_range("integer")),
        _ => Ok(Datum::Int8(v)),
    }
}

fn type_range_name(to: SqlType) -> &'static str {
    match to {
        SqlType::Int2 => "smallint",
        SqlType::Int4 => "integer",
        _ => "bigint",
    }
}

/// Converts `d` (of static type `from`) to `to`, in UTC and `ISO, MDY`. The
/// binder has already checked that the cast exists in the given context.
pub fn cast(d: Datum, from: SqlType, to: ColType, ctx: CastContext) -> SqlResult<Datum> {
    cast_in(d, from, to, ctx, DateTimeConfig::standard())
}

/// [`cast`] under the session's TimeZone and DateStyle (text forms of dates
/// and timestamps, and conversions between local and absolute time).
pub fn cast_in(
    d: Datum,
    from: SqlType,
    to: ColType,
    ctx: CastContext,
    dt: &DateTimeConfig,
) -> SqlResult<Datum> {
    if d.is_null() {
        return Ok(Datum::Null);
    }
    let t = to.ty;
    let converted = match (d, t) {
        (Datum::Text(s), SqlType::Text | SqlType::Varchar | SqlType::Name)
            if from == SqlType::Bpchar =>
        {
            Datum::Text(s.trim_end_matches(' ').to_string())
        }
        (
            Datum::Text(s),
            SqlType::Text
            | SqlType::Varchar
            | SqlType::Bpchar
            | SqlType::Unknown
            | SqlType::Name
            | SqlType::Cstring,
        ) => Datum::Text(s),
        (Datum::Text(s), SqlType::Int4) if from == SqlType::InternalChar => {
            // "char" is a signed byte as an integer.
            Datum::Int4(internal_char_byte(&s) as i8 as i32)
        }
        (Datum::Text(s), _) => return parse_text_in(&s, to, dt),
        (Datum::Bool(b), SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Name) => {
            Datum::Text(if b { "true" } else { "false" }.into())
        }
        (
            other,
            SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Name | SqlType::Cstring,
        ) => Datum::Text(other.to_text_in(1, dt).unwrap_or_default()),
        (Datum::Bits(b), SqlType::Bit | SqlType::VarBit) => Datum::Bits(b),
        (Datum::Money(c), SqlType::Money) => Datum::Money(c),
        (Datum::Money(c), SqlType::Numeric) => Datum::Numeric(crate::money::to_numeric(c)),
        (Datum::Numeric(n), SqlType::Money) => Datum::Money(crate::money::from_numeric(&n)?),
        (Datum::Int4(v), SqlType::Money) => Datum::Money(crate::money::from_integer(v.into())?),
        (Datum::Int8(v), SqlType::Money) if from != SqlType::Oid => {
            Datum::Money(crate::money::from_integer(v)?)
        }
        (Datum::Geo(g), _) if g.sql_type() == t => Datum::Geo(g),
        (Datum::Bits(b), SqlType::Int4) if from == SqlType::Bit => {
            Datum::Int4(b.to_integer(32, "integer")? as i32)
        }
        (Datum::Bits(b), SqlType::Int8) if from == SqlType::Bit => {
            Datum::Int8(b.to_integer(64, "bigint")?)
        }
        (Datum::Int4(v), SqlType::Bit) => Datum::Bits(BitString::from_integer(
            v.into(),
            32,
            to.typmod.max(1) as usize,
        )),
        (Datum::Int8(v), SqlType::Bit) if from == SqlType::Int8 => {
            Datum::Bits(BitString::from_integer(v, 64, to.typmod.max(1) as usize))
        }
        (Datum::Int8(v), _) if from == SqlType::Oid => match t {
            SqlType::Oid | SqlType::Int8 => Datum::Int8(v),
            // oid -> int4 reinterprets the bits: 4294967295 is -1.
            SqlType::Int4 => Datum::Int4(v as u32 as i32),
            _ => return Err(cannot_cast(from, to)),
        },
        (Datum::Date(d), SqlType::Date) => Datum::Date(d),
        (Datum::Date(d), SqlType::Timestamp) => {
            Datum::Timestamp(d as i64 * datetime::USECS_PER_DAY)
        }
        (Datum::Date(d), SqlType::TimestampTz) => {
            Datum::TimestampTz(dt.zone.local_to_utc(d as i64 * datetime::USECS_PER_DAY))
        }
        (Datum::Timestamp(v), SqlType::Date) => Datum::Date(datetime::check_date_range(
            v.div_euclid(datetime::USECS_PER_DAY),
        )?),
        (Datum::TimestampTz(v), SqlType::Date) => Datum::Date(datetime::check_date_range(
            dt.zone.utc_to_local(v).div_euclid(datetime::USECS_PER_DAY),
        )?),
        (Datum::Timestamp(v), SqlType::Timestamp) => Datum::Timestamp(v),
        (Datum::TimestampTz(v), SqlType::Timestamp) => Datum::Timestamp(dt.zone.utc_to_local(v)),
        (Datum::TimestampTz(v), SqlType::TimestampTz) => Datum::TimestampTz(v),
        (Datum::Timestamp(v), SqlType::TimestampTz) => Datum::TimestampTz(dt.zone.local_to_utc(v)),
        (Datum::Bool(b), SqlType::Bool) => Datum::Bool(b),
        (
            d @ (Datum::Bytea(_)
            | Datum::Uuid(_)
            | Datum::PgLsn(_)
            | Datum::Interval(_)
            | Datum::Time(_)
            | Datum::Json(_)
            | Datum::Jsonb(_)),
            _,
        ) if d.natural_type() == t => d,
        (Datum::Array(items), SqlType::Array(e)) => {
            let from_elem = match from {
                SqlType::Array(f) => f.ty(),
                _ => e.ty(),
            };
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(cast_in(x, from_elem, e.ty().plain(), ctx, dt)?);
            }
            Datum::Array(out)
        }
        (Datum::Json(s), SqlType::Jsonb) => Datum::Jsonb(crate::json::parse_jsonb(&s)?),
        (Datum::Jsonb(s), SqlType::Json) => Datum::Json(s),
        (Datum::Timestamp(v), SqlType::Time) => Datum::Time(v.rem_euclid(datetime::USECS_PER_DAY)),
        (Datum::TimestampTz(v), SqlType::Time) => {
            Datum::Time(dt.zone.utc_to_local(v).rem_euclid(datetime::USECS_PER_DAY))
        }
        (Datum::Interval(iv), SqlType::Time) => {
            Datum::Time(iv.micros.rem_euclid(datetime::USECS_PER_DAY))
        }
        (Datum::Time(v), SqlType::Interval) => Datum::Interval(Interval {
            months: 0,
            days: 0,
            micros: v,
        }),
        (Datum::Bool(b), SqlType::Int4) => Datum::Int4(b as i32),
        (Datum::Int4(v), SqlType::Bool) => Datum::Bool(v != 0),
        (d @ (Datum::Int2(_) | Datum::Int4(_) | Datum::Int8(_)), _) => {
            let v = d.as_i64().unwrap_or(0);
            match t {
                SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => int_range(v, t)?,
                SqlType::Float4 => Datum::Float4(v as f32),
                SqlType::Float8 => Datum::Float8(v as f64),
                SqlType::Numeric => Datum::Numeric(Numeric::from_i64(v)),
                SqlType::Oid => int_to_oid(v, from)?,
                SqlType::InternalChar => {
                    let b = i8::try_from(v)
                        .map_err(|_| SqlError::new("22003", "\"char\" out of range"))?;
                    Datum::Text(internal_char_text(b as u8))
                }
                _ => return Err(cannot_cast(from, to)),
            }
        }
        (d @ (Datum::Float4(_) | Datum::Float8(_)), _) => {
            let v = d.as_f64().unwrap_or(0.0);
            match t {
                SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
                    let r = v.round_ties_even();
                    if !r.is_finite() || !(-9.223372036854776e18..9.223372036854776e18).contains(&r)
                    {
                        return Err(SqlError::out_of_range(type_range_name(t)));
                    }
                    int_range(r as i64, t)?
                }
                SqlType::Float4 => {
                    let f = v as f32;
                    if f.is_infinite() && v.is_finite() {
                        return Err(SqlError::new("22003", "value out of range: overflow"));
                    }
                    if f == 0.0 && v != 0.0 {
                        return Err(SqlError::new("22003", "value out of range: underflow"));
                    }
                    Datum::Float4(f)
                }
                SqlType::Float8 => Datum::Float8(v),
                SqlType::Numeric => Datum::Numeric(Numeric::from_f64(
                    v,
                    if from == SqlType::Float4 { 6 } else { 15 },
                )?),
                _ => return Err(cannot_cast(from, to)),
            }
        }
        (Datum::Numeric(n), _) => match t {
            SqlType::Int2 | SqlType::Int4 | SqlType::Int8 if !n.is_finite() => {
                let what = if n.is_nan() { "NaN" } else { "infinity" };
                return Err(SqlError::new(
                    "0A000",
                    format!("cannot convert {what} to {}", t.display_name()),
                ));
            }
            SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
                let v = n
                    .to_i64()
                    .ok_or_else(|| SqlError::out_of_range(type_range_name(t)))?;
                int_range(v, t)?
            }
            SqlType::Float4 | SqlType::Float8 => {
                let v = n.to_f64();
                let out_of_range = n.is_finite()
                    && if t == SqlType::Float4 {
                        (v as f32).is_infinite()
                    } else {
                        v.is_infinite()
                    };
                if out_of_range {
                    return Err(SqlError::new(
                        "22003",
                        format!("\"{n}\" is out of range for type {}", t.display_name()),
                    ));
                }
                if t == SqlType::Float4 {
                    Datum::Float4(v as f32)
                } else {
                    Datum::Float8(v)
                }
            }
            SqlType::Numeric => Datum::Numeric(n),
            _ => return Err(cannot_cast(from, to)),
        },
        _ => return Err(cannot_cast(from, to)),
    };
    apply_typmod(converted, to, ctx)
}

/// Array output: `{1,2,NULL,"a b"}` (elements quoted when PostgreSQL would).
fn format_array(items: &[Datum], extra_float_digits: i32, dt: &DateTimeConfig) -> String {
    let mut out = String::from("{");
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match x.to_text_in(extra_float_digits, dt) {
            None => out.push_str("NULL"),
            Some(t) => {
                let quote = t.is_empty()
                    || t.eq_ignore_ascii_case("null")
                    || t.chars().any(|c| {
                        matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_ascii_whitespace()
                    });
                if quote {
                    out.push('"');
                    for c in t.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                } else {
                    out.push_str(&t);
                }
            }
        }
    }
    out.push('}');
    out
}

/// Array input: `{1, 2, NULL, "a b"}` (one dimension).
fn parse_array(s: &str, elem: SqlType, dt: &DateTimeConfig) -> SqlResult<Datum> {
    let malformed = || SqlError::new("22P02", format!("malformed array literal: \"{s}\""));
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let inner = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .ok_or_else(|| {
            malformed().with_detail("Array value must start with \"{\" or dimension information.")
        })?;
    let mut items = Vec::new();
    if inner.trim().is_empty() {
        return Ok(Datum::Array(items));
    }
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut text = String::new();
        let mut quoted = false;
        if chars.get(i) == Some(&'"') {
            quoted = true;
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(malformed()),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        text.push(*chars.get(i + 1).ok_or_else(malformed)?);
                        i += 2;
                    }
                    Some(c) => {
                        text.push(*c);
                        i += 1;
                    }
                }
            }
            while i < chars.len() && chars[i].is_ascii_whitespace() {
                i += 1;
            }
        } else {
            while i < chars.len() && chars[i] != ',' {
                match chars[i] {
                    '{' => {
                        return Err(SqlError::unsupported("multidimensional arrays"));
                    }
                    '}' | '"' => return Err(malformed()),
                    '\\' => {
                        text.push(*chars.get(i + 1).ok_or_else(malformed)?);
                        i += 2;
                        continue;
                    }
                    c => text.push(c),
                }
                i += 1;
            }
            let trimmed = text.trim_end_matches(|c: char| c.is_ascii_whitespace());
            text = trimmed.to_string();
            if text.is_empty() {
                return Err(malformed());
            }
        }
        if !quoted && text.eq_ignore_ascii_case("null") {
            items.push(Datum::Null);
        } else {
            items.push(parse_text_in(&text, elem.plain(), dt)?);
        }
        match chars.get(i) {
            None => break,
            Some(',') => i += 1,
            Some(_) => return Err(malformed()),
        }
    }
    Ok(Datum::Array(items))
}

fn cannot_cast(from: SqlType, to: ColType) -> SqlError {
    SqlError::new(
        "42846",
        format!(
            "cannot cast type {} to {}",
            from.display_name(),
            to.display()
        ),
    )
}

fn cmp_f64(a: f64, b: f64) -> Ordering {
    // PostgreSQL: NaN is equal to itself and greater than everything; -0 = 0.
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Compares two non-null values of the same type family. `bpchar` ignores trailing spaces.
pub fn compare(a: &Datum, b: &Datum, ty: SqlType) -> Ordering {
    match (a, b) {
        (Datum::Null, Datum::Null) => Ordering::Equal,
        (Datum::Null, _) => Ordering::Greater,
        (_, Datum::Null) => Ordering::Less,
        (Datum::Bool(x), Datum::Bool(y)) => x.cmp(y),
        (Datum::Text(x), Datum::Text(y)) => {
            if let SqlType::Enum(oid) = ty {
                crate::user_types::compare_labels(oid, x, y)
            } else if let SqlType::Composite(oid) = ty {
                crate::composite::compare(Some(oid), x, y)
            } else if ty == SqlType::Record {
                crate::composite::compare(None, x, y)
            } else if ty == SqlType::Bpchar {
                x.trim_end_matches(' ').cmp(y.trim_end_matches(' '))
            } else if ty == SqlType::InternalChar {
                internal_char_byte(x).cmp(&internal_char_byte(y))
            } else {
                x.as_bytes().cmp(y.as_bytes())
            }
        }
        (Datum::Numeric(x), Datum::Numeric(y)) => x.cmp(y),
        (Datum::Date(x), Datum::Date(y)) => x.cmp(y),
        (Datum::Bytea(x), Datum::Bytea(y)) => x.cmp(y),
        (Datum::Uuid(x), Datum::Uuid(y)) => x.cmp(y),
        (Datum::PgLsn(x), Datum::PgLsn(y)) => x.cmp(y),
        (Datum::Bits(x), Datum::Bits(y)) => x.compare(y),
        (Datum::Money(x), Datum::Money(y)) => x.cmp(y),
        // No btree order exists (the binder refuses ORDER BY and
        // DISTINCT); a fixed order keeps sorting total anyway.
        (Datum::Geo(x), Datum::Geo(y)) => x.to_bytes().cmp(&y.to_bytes()),
        (Datum::Interval(x), Datum::Interval(y)) => x.span().cmp(&y.span()),
        (Datum::Time(x), Datum::Time(y)) => x.cmp(y),
        (Datum::Json(x) | Datum::Jsonb(x), Datum::Json(y) | Datum::Jsonb(y)) => x.cmp(y),
        (Datum::Array(x), Datum::Array(y)) => {
            let et = match ty {
                SqlType::Array(e) => e.ty(),
                _ => SqlType::Unknown,
            };
            for (a, b) in x.iter().zip(y) {
                let c = compare(a, b, et);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (
            Datum::Timestamp(x) | Datum::TimestampTz(x),
            Datum::Timestamp(y) | Datum::TimestampTz(y),
        ) => x.cmp(y),
        (Datum::Date(x), Datum::Timestamp(y) | Datum::TimestampTz(y)) => {
            (*x as i64 * datetime::USECS_PER_DAY).cmp(y)
        }
        (Datum::Timestamp(x) | Datum::TimestampTz(x), Datum::Date(y)) => {
            x.cmp(&(*y as i64 * datetime::USECS_PER_DAY))
        }
        (Datum::Float4(_) | Datum::Float8(_), _) | (_, Datum::Float4(_) | Datum::Float8(_)) => {
            cmp_f64(
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            )
        }
        (Datum::Numeric(_), _) | (_, Datum::Numeric(_)) => match (a.as_numeric(), b.as_numeric()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        },
        _ => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        },
    }
}

/// int2vector input: int2 values separated by spaces (`1 3`).
fn parse_int2vector(s: &str) -> SqlResult<Datum> {
    s.split_ascii_whitespace()
        .map(|v| parse_int(v, SqlType::Int2).map(|n| Datum::Int2(n as i16)))
        .collect::<SqlResult<Vec<_>>>()
        .map(Datum::Array)
}

/// int2vector output: the values separated by spaces (`1 3`).
pub fn format_int2vector(items: &[Datum]) -> String {
    items
        .iter()
        .map(|d| d.as_i64().map_or_else(String::new, |v| v.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_output_matches_postgres() {
        assert_eq!(format_float(1e15, false, 1), "1e+15");
        assert_eq!(format_float(1e14, false, 1), "100000000000000");
        assert_eq!(format_float(0.0001, false, 1), "0.0001");
        assert_eq!(format_float(0.00001, false, 1), "1e-05");
        assert_eq!(format_float(1e6, true, 1), "1e+06");
        assert_eq!(format_float(123456.0, true, 1), "123456");
        assert_eq!(format_float(1.5e-7, true, 1), "1.5e-07");
        assert_eq!(format_float(0.1f32 as f64, false, 1), "0.10000000149011612");
        assert_eq!(format_float(-0.0, false, 1), "-0");
        assert_eq!(format_float(1.0 / 3.0, false, 1), "0.3333333333333333");
        assert_eq!(
            format_float(123456789012345678.0, false, 1),
            "1.2345678901234568e+17"
        );
        assert_eq!(format_float(1e100, false, 1), "1e+100");
        assert_eq!(format_float(1.5, false, 1), "1.5");
        assert_eq!(format_float(1.0 / 3.0, false, 0), "0.333333333333333");
        assert_eq!(format_float(f64::NAN, false, 1), "NaN");
    }

    #[test]
    fn text_input() {
        let i4 = SqlType::Int4.plain();
        assert_eq!(parse_text("  12 ", i4).unwrap(), Datum::Int4(12));
        assert_eq!(
            parse_text("abc", i4).unwrap_err().message,
            "invalid input syntax for type integer: \"abc\""
        );
        assert_eq!(parse_text("99999999999", i4).unwrap_err().sqlstate, "22003");
        assert_eq!(
            parse_text("yes", SqlType::Bool.plain()).unwrap(),
            Datum::Bool(true)
        );
        assert_eq!(
            parse_text("of", SqlType::Bool.plain()).unwrap(),
            Datum::Bool(false)
        );
        assert!(parse_text("o", SqlType::Bool.plain()).is_err());
        assert_eq!(
            parse_text("-Infinity", SqlType::Float8.plain()).unwrap(),
            Datum::Float8(f64::NEG_INFINITY)
        );
        assert_eq!(
            parse_text("1e400", SqlType::Float8.plain())
                .unwrap_err()
                .sqlstate,
            "22003"
        );
        let v3 = ColType {
            ty: SqlType::Varchar,
            typmod: 7,
        };
        assert_eq!(parse_text("abcd", v3).unwrap_err().sqlstate, "22001");
        assert_eq!(parse_text("abc  ", v3).unwrap(), Datum::Text("abc".into()));
        let c3 = ColType {
            ty: SqlType::Bpchar,
            typmod: 7,
        };
        assert_eq!(parse_text("a", c3).unwrap(), Datum::Text("a  ".into()));
    }

    #[test]
    fn oid_input_and_casts_follow_postgres() {
        let oid = |s: &str| parse_text(s, SqlType::Oid.plain());
        assert_eq!(oid(" \t 15 \t ").unwrap(), Datum::Int8(15));
        assert_eq!(oid("-1040").unwrap(), Datum::Int8(4294966256));
        assert_eq!(oid("-2147483648").unwrap(), Datum::Int8(2147483648));
        assert_eq!(oid("4294967295").unwrap(), Datum::Int8(u32::MAX as i64));
        for bad in ["", "    ", "5    d", " - 500", "99asdfasd", "0x10"] {
            assert_eq!(
                oid(bad).unwrap_err().message,
                format!("invalid input syntax for type oid: \"{bad}\"")
            );
        }
        for big in ["4294967296", "-2147483649", "32958209582039852935"] {
            assert_eq!(oid(big).unwrap_err().sqlstate, "22003");
        }
        let c =
            |d: Datum, from: SqlType, to: SqlType| cast(d, from, to.plain(), CastContext::Explicit);
        assert_eq!(
            c(Datum::Int4(-1), SqlType::Int4, SqlType::Oid).unwrap(),
            Datum::Int8(u32::MAX as i64)
        );
        assert_eq!(
            c(Datum::Int8(-1), SqlType::Int8, SqlType::Oid)
                .unwrap_err()
                .message,
            "OID out of range"
        );
        assert_eq!(
            c(Datum::Int8(u32::MAX as i64), SqlType::Oid, SqlType::Int4).unwrap(),
            Datum::Int4(-1)
        );
        assert!(c(Datum::Int8(1), SqlType::Oid, SqlType::Numeric).is_err());
    }

    #[test]
    fn names_are_truncated_to_63_bytes_on_a_character_boundary() {
        let name = |s: &str| parse_text(s, SqlType::Name.plain()).unwrap();
        assert_eq!(name(&"x".repeat(70)), Datum::Text("x".repeat(63)));
        // 40 two-byte characters: 31 fit in 63 bytes.
        assert_eq!(name(&"é".repeat(40)), Datum::Text("é".repeat(31)));
        assert_eq!(
            cast(
                Datum::Text("ab  ".into()),
                SqlType::Bpchar,
                SqlType::Name.plain(),
                CastContext::Implicit
            )
            .unwrap(),
            Datum::Text("ab".into())
        );
    }

    #[test]
    fn real_input_rounds_once() {
        let real = |s: &str| parse_text(s, SqlType::Float4.plain()).unwrap();
        assert_eq!(
            real("7038531e-32"),
            Datum::Float4(f32::from_bits(0x15ae43fd))
        );
        assert_eq!(
            real("82381273e-35"),
            Datum::Float4(f32::from_bits(0x128289d1))
        );
    }

    #[test]
    fn casts() {
        let c =
            |d: Datum, from: SqlType, to: SqlType| cast(d, from, to.plain(), CastContext::Explicit);
        assert_eq!(
            c(Datum::Float8(2.5), SqlType::Float8, SqlType::Int4).unwrap(),
            Datum::Int4(2)
        );
        assert_eq!(
            c(Datum::Float8(3.5), SqlType::Float8, SqlType::Int4).unwrap(),
            Datum::Int4(4)
        );
        assert_eq!(
            c(
                Datum::Numeric(Numeric::parse("2.5").unwrap()),
                SqlType::Numeric,
                SqlType::Int4
            )
            .unwrap(),
            Datum::Int4(3)
        );
        assert_eq!(
            c(Datum::Int8(1 << 40), SqlType::Int8, SqlType::Int4)
                .unwrap_err()
                .message,
            "integer out of range"
        );
        assert_eq!(
            c(Datum::Bool(true), SqlType::Bool, SqlType::Text).unwrap(),
            Datum::Text("true".into())
        );
        assert_eq!(
            c(Datum::Text("a  ".into()), SqlType::Bpchar, SqlType::Text).unwrap(),
            Datum::Text("a".into())
        );
        assert_eq!(
            c(Datum::Float8(0.1), SqlType::Float8, SqlType::Numeric).unwrap(),
            Datum::Numeric(Numeric::parse("0.1").unwrap())
        );
        let v2 = ColType {
            ty: SqlType::Varchar,
            typmod: 6,
        };
        assert_eq!(
            cast(
                Datum::Text("abc".into()),
                SqlType::Text,
                v2,
                CastContext::Explicit
            )
            .unwrap(),
            Datum::Text("ab".into())
        );
    }
}
