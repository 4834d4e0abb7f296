//! Text <-> binary conversion of values by type OID, so the SQL engine only ever sees text.
//!
//! The endpoint calls [`binary_to_text`] for Bind parameters sent in binary format and
//! [`text_to_binary`] for result columns requested in binary format. Text is PostgreSQL's
//! output format with DateStyle `ISO, MDY`, IntervalStyle `postgres`, bytea_output `hex`,
//! extra_float_digits 1 (shortest exact floats) and TimeZone UTC (binary timestamptz is printed
//! with offset `+00`). Binary is PostgreSQL's send/recv format (big-endian, timestamps in
//! microseconds since 2000-01-01, numeric in base-10000 digits).
//!
//! Covered: bool, bytea, "char", name, int8, int2, int4, text, oid, json, xml, float4, float8,
//! unknown, bpchar, varchar, date, time, timestamp, timestamptz, interval, numeric, uuid, jsonb.
//! Arrays of all of these are in `array_format`.
//! Geometric types and money are in `geo_format`.
//! Not covered (yet): timetz, ranges and network types: those report
//! [`FormatError::Unsupported`] and the client gets 0A000 instead of wrong bytes.
//! Round trips are property-tested below.

use bytes::{BufMut, BytesMut};

use crate::backend::Oid;

/// Type OIDs from `pg_type.dat`.
pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const XML: u32 = 142;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// Why a value could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// No binary format support for this type OID.
    Unsupported(Oid),
    /// The input is not a valid value of the type.
    Invalid(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Unsupported(oid) => {
                write!(f, "binary format for type with OID {oid} is not supported")
            }
            FormatError::Invalid(message) => f.write_str(message),
        }
    }
}

fn invalid(type_name: &str, input: impl std::fmt::Debug) -> FormatError {
    FormatError::Invalid(format!("invalid input for type {type_name}: {input:?}"))
}

/// Whether an OID is a user-defined enum type. Borealis's SQL engine
/// (`borealis_sql`'s user_types) gives each enum a type OID in
/// `0x4000_0000..0x8000_0000` aligned to 65536, its array type the next
/// OID. An enum's binary send format is its label's text.
pub fn is_user_enum(type_oid: Oid) -> bool {
    (0x4000_0000..0x8000_0000).contains(&type_oid) && type_oid.is_multiple_of(65536)
}

/// Whether [`text_to_binary`] and [`binary_to_text`] handle this OID.
pub fn supports_binary(type_oid: Oid) -> bool {
    if is_user_enum(type_oid) || crate::geo_format::handles(type_oid) {
        return true;
    }
    use oid::*;
    matches!(
        type_oid,
        BOOL | BYTEA
            | CHAR
            | NAME
            | INT8
            | INT2
            | INT4
            | TEXT
            | OID
            | JSON
            | XML
            | FLOAT4
            | FLOAT8
            | UNKNOWN
            | BPCHAR
            | VARCHAR
            | DATE
            | TIME
            | TIMESTAMP
            | TIMESTAMPTZ
            | INTERVAL
            | NUMERIC
            | UUID
            | JSONB
    ) || crate::array_format::element_type(type_oid).is_some()
}

/// Append the binary send format of a text value to `out`.
pub fn text_to_binary(type_oid: Oid, text: &str, out: &mut BytesMut) -> Result<(), FormatError> {
    use oid::*;
    match type_oid {
        BOOL => out.put_u8(parse_bool(text)? as u8),
        BYTEA => out.put_slice(&parse_bytea(text)?),
        CHAR => out.put_u8(parse_char(text)?),
        NAME | TEXT | JSON | XML | UNKNOWN | BPCHAR | VARCHAR => out.put_slice(text.as_bytes()),
        JSONB => {
            out.put_u8(1);
            out.put_slice(text.as_bytes());
        }
        INT2 => out.put_i16(text.trim().parse().map_err(|_| invalid("smallint", text))?),
        INT4 => out.put_i32(text.trim().parse().map_err(|_| invalid("integer", text))?),
        INT8 => out.put_i64(text.trim().parse().map_err(|_| invalid("bigint", text))?),
        OID => out.put_u32(parse_oid(text)?),
        FLOAT4 => out.put_f32(parse_float(text)? as f32),
        FLOAT8 => out.put_f64(parse_float(text)?),
        DATE => out.put_i32(parse_date(text)?),
        TIME => out.put_i64(parse_time(text.trim())?),
        TIMESTAMP => out.put_i64(parse_timestamp(text, false)?),
        TIMESTAMPTZ => out.put_i64(parse_timestamp(text, true)?),
        INTERVAL => {
            let (micros, days, months) = parse_interval(text)?;
            out.put_i64(micros);
            out.put_i32(days);
            out.put_i32(months);
        }
        NUMERIC => encode_numeric(text, out)?,
        UUID => out.put_slice(&parse_uuid(text)?),
        enum_type if is_user_enum(enum_type) => out.put_slice(text.as_bytes()),
        geo if crate::geo_format::handles(geo) => {
            crate::geo_format::text_to_binary(geo, text, out)?
        }
        other => return crate::array_format::text_to_binary(other, text, out),
    }
    Ok(())
}

fn fixed<const N: usize>(bytes: &[u8], type_name: &str) -> Result<[u8; N], FormatError> {
    bytes.try_into().map_err(|_| {
        FormatError::Invalid(format!(
            "invalid binary {type_name}: expected {N} bytes, got {}",
            bytes.len()
        ))
    })
}

fn utf8(bytes: &[u8]) -> Result<String, FormatError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| FormatError::Invalid("invalid byte sequence for encoding \"UTF8\"".into()))
}

/// Decode a binary recv-format value into PostgreSQL text format.
pub fn binary_to_text(type_oid: Oid, bytes: &[u8]) -> Result<String, FormatError> {
    use oid::*;
    Ok(match type_oid {
        BOOL => match fixed::<1>(bytes, "boolean")?[0] {
            0 => "f".to_owned(),
            _ => "t".to_owned(),
        },
        BYTEA => format_bytea(bytes),
        CHAR => format_char(fixed::<1>(bytes, "\"char\"")?[0]),
        NAME | TEXT | JSON | XML | UNKNOWN | BPCHAR | VARCHAR => utf8(bytes)?,
        JSONB => match bytes.split_first() {
            Some((1, rest)) => utf8(rest)?,
            _ => {
                return Err(FormatError::Invalid(
                    "unsupported jsonb version number".into(),
                ))
            }
        },
        INT2 => i16::from_be_bytes(fixed(bytes, "smallint")?).to_string(),
        INT4 => i32::from_be_bytes(fixed(bytes, "integer")?).to_string(),
        INT8 => i64::from_be_bytes(fixed(bytes, "bigint")?).to_string(),
        OID => u32::from_be_bytes(fixed(bytes, "oid")?).to_string(),
        FLOAT4 => format_float(f32::from_be_bytes(fixed(bytes, "real")?) as f64, true),
        FLOAT8 => format_float(f64::from_be_bytes(fixed(bytes, "double precision")?), false),
        DATE => format_date(i32::from_be_bytes(fixed(bytes, "date")?)),
        TIME => {
            let micros = i64::from_be_bytes(fixed(bytes, "time")?);
            if !(0..=USECS_PER_DAY).contains(&micros) {
                return Err(FormatError::Invalid("time out of range".into()));
            }
            format_time(micros)
        }
        TIMESTAMP => format_timestamp(i64::from_be_bytes(fixed(bytes, "timestamp")?), false),
        TIMESTAMPTZ => format_timestamp(i64::from_be_bytes(fixed(bytes, "timestamptz")?), true),
        INTERVAL => {
            let b: [u8; 16] = fixed(bytes, "interval")?;
            let micros = i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            let days = i32::from_be_bytes([b[8], b[9], b[10], b[11]]);
            let months = i32::from_be_bytes([b[12], b[13], b[14], b[15]]);
            format_interval(micros, days, months)
        }
        NUMERIC => decode_numeric(bytes)?,
        UUID => format_uuid(&fixed::<16>(bytes, "uuid")?),
        enum_type if is_user_enum(enum_type) => utf8(bytes)?,
        geo if crate::geo_format::handles(geo) => crate::geo_format::binary_to_text(geo, bytes)?,
        other => return crate::array_format::binary_to_text(other, bytes),
    })
}

// ---------------------------------------------------------------- bool, char, oid, bytea, uuid

fn parse_bool(text: &str) -> Result<bool, FormatError> {
    let t = text.trim().to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| t.len() >= min && word.starts_with(t.as_str());
    if t == "1" || prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) {
        Ok(true)
    } else if t == "0" || prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) {
        Ok(false)
    } else {
        Err(invalid("boolean", text))
    }
}

fn parse_char(text: &str) -> Result<u8, FormatError> {
    let b = text.as_bytes();
    if b.len() == 4 && b[0] == b'\\' && b[1..].iter().all(|c| (b'0'..=b'7').contains(c)) {
        let v = b[1..]
            .iter()
            .fold(0u32, |acc, c| acc * 8 + (c - b'0') as u32);
        return u8::try_from(v).map_err(|_| invalid("\"char\"", text));
    }
    Ok(b.first().copied().unwrap_or(0))
}

fn format_char(c: u8) -> String {
    match c {
        0 => String::new(),
        1..=127 => (c as char).to_string(),
        _ => format!("\\{c:03o}"),
    }
}

fn parse_oid(text: &str) -> Result<u32, FormatError> {
    let t = text.trim();
    t.parse::<u32>()
        .or_else(|_| t.parse::<i32>().map(|v| v as u32))
        .map_err(|_| invalid("oid", text))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn parse_bytea(text: &str) -> Result<Vec<u8>, FormatError> {
    let b = text.as_bytes();
    if let Some(hex) = text.strip_prefix("\\x") {
        let digits: Vec<u8> = hex.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
        if !digits.len().is_multiple_of(2) {
            return Err(invalid("bytea", "odd number of hex digits"));
        }
        return digits
            .chunks(2)
            .map(|p| match (hex_val(p[0]), hex_val(p[1])) {
                (Some(h), Some(l)) => Ok(h << 4 | l),
                _ => Err(invalid("bytea", "invalid hexadecimal digit")),
            })
            .collect();
    }
    // Escape format: `\\` is a backslash, `\ooo` an octal byte, anything else literal.
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, c| acc * 8 + (c - b'0') as u32);
            out.push(u8::try_from(v).map_err(|_| invalid("bytea", text))?);
            i += 4;
        } else {
            return Err(invalid("bytea", "invalid escape sequence"));
        }
    }
    Ok(out)
}

fn format_bytea(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("\\x");
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

fn parse_uuid(text: &str) -> Result<[u8; 16], FormatError> {
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    let digits: Vec<u8> = t.bytes().filter(|&c| c != b'-').collect();
    if digits.len() != 32 {
        return Err(invalid("uuid", text));
    }
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        match (hex_val(pair[0]), hex_val(pair[1])) {
            (Some(h), Some(l)) => out[i] = h << 4 | l,
            _ => return Err(invalid("uuid", text)),
        }
    }
    Ok(out)
}

fn format_uuid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

// ---------------------------------------------------------------- floats

fn parse_float(text: &str) -> Result<f64, FormatError> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => Ok(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Ok(f64::INFINITY),
        "-infinity" | "-inf" => Ok(f64::NEG_INFINITY),
        _ => t
            .parse::<f64>()
            .map_err(|_| invalid("double precision", text)),
    }
}

/// PostgreSQL's shortest-exact float output: fixed notation for decimal exponents in
/// [-4, 15) (float8) or [-4, 6) (float4), else `d.ddde+XX`.
pub fn format_float(v: f64, is_f32: bool) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let (sci, plain) = if is_f32 {
        (format!("{:e}", v as f32), format!("{}", v as f32))
    } else {
        (format!("{v:e}"), format!("{v}"))
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits_max = if is_f32 { 6 } else { 15 };
    if (-4..digits_max).contains(&exp) {
        plain
    } else {
        format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

// ---------------------------------------------------------------- dates and times

const USECS_PER_SEC: i64 = 1_000_000;
const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// Days from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch).
const PG_EPOCH_DAYS_FROM_UNIX: i64 = 10_957;

/// Days since 1970-01-01 of a proleptic Gregorian date (astronomical years: 0 = 1 BC).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_digits(s: &str, what: &str) -> Result<i64, FormatError> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(invalid(what, s));
    }
    s.parse().map_err(|_| invalid(what, s))
}

/// `YYYY-MM-DD` to days since 2000-01-01; `bc` flips the era.
fn parse_ymd(s: &str, bc: bool) -> Result<i64, FormatError> {
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("date", s));
    };
    let (mut year, month, day) = (
        parse_digits(y, "date")?,
        parse_digits(m, "date")?,
        parse_digits(d, "date")?,
    );
    if year == 0 || !(1..=12).contains(&month) {
        return Err(invalid("date", s));
    }
    if bc {
        year = 1 - year;
    }
    if day < 1
        || day > days_in_month(year, month as u32) as i64
        || !(-4713..=5_874_897).contains(&year)
    {
        return Err(invalid("date", s));
    }
    Ok(days_from_civil(year, month as u32, day as u32) - PG_EPOCH_DAYS_FROM_UNIX)
}

/// Strip a trailing ` BC` / ` AD`.
fn strip_era(s: &str) -> (&str, bool) {
    let t = s.trim();
    if let Some(rest) = t.strip_suffix(" BC").or_else(|| t.strip_suffix(" bc")) {
        (rest.trim_end(), true)
    } else if let Some(rest) = t.strip_suffix(" AD").or_else(|| t.strip_suffix(" ad")) {
        (rest.trim_end(), false)
    } else {
        (t, false)
    }
}

fn parse_date(text: &str) -> Result<i32, FormatError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => return Ok(i32::MAX),
        "-infinity" => return Ok(i32::MIN),
        _ => {}
    }
    let (s, bc) = strip_era(text);
    let days = parse_ymd(s, bc)?;
    i32::try_from(days).map_err(|_| invalid("date", text))
}

fn format_ymd(days_since_2000: i64) -> (String, bool) {
    let (year, month, day) = civil_from_days(days_since_2000 + PG_EPOCH_DAYS_FROM_UNIX);
    let bc = year <= 0;
    let year = if bc { 1 - year } else { year };
    (format!("{year:04}-{month:02}-{day:02}"), bc)
}

fn format_date(days: i32) -> String {
    match days {
        i32::MAX => "infinity".to_owned(),
        i32::MIN => "-infinity".to_owned(),
        _ => {
            let (ymd, bc) = format_ymd(days as i64);
            if bc {
                format!("{ymd} BC")
            } else {
                ymd
            }
        }
    }
}

/// `HH:MM[:SS[.ffffff]]` to microseconds (rounded to 6 fractional digits).
fn parse_time(s: &str) -> Result<i64, FormatError> {
    let (hms, frac) = match s.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (s, None),
    };
    let mut parts = hms.split(':');
    let h = parse_digits(parts.next().unwrap_or(""), "time")?;
    let m = parse_digits(parts.next().unwrap_or(""), "time")?;
    let sec = match parts.next() {
        Some(p) => parse_digits(p, "time")?,
        None => 0,
    };
    if parts.next().is_some() || h > 24 || m > 59 || sec > 60 {
        return Err(invalid("time", s));
    }
    let mut micros = 0i64;
    if let Some(frac) = frac {
        if frac.is_empty() || frac.len() > 18 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return Err(invalid("time", s));
        }
        let padded = format!("{frac:0<7}");
        micros = padded[..6].parse::<i64>().map_err(|_| invalid("time", s))?;
        if padded.as_bytes()[6] >= b'5' {
            micros += 1;
        }
    }
    let total = ((h * 60 + m) * 60 + sec) * USECS_PER_SEC + micros;
    if total > USECS_PER_DAY {
        return Err(invalid("time", s));
    }
    Ok(total)
}

fn format_seconds_fraction(out: &mut String, micros: i64) {
    if micros != 0 {
        let frac = format!("{micros:06}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
}

fn format_time(micros: i64) -> String {
    let secs = micros / USECS_PER_SEC;
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    format_seconds_fraction(&mut s, micros % USECS_PER_SEC);
    s
}

/// Parse a trailing UTC offset (`+HH`, `+HH:MM`, `+HH:MM:SS`, `+HHMM`, `Z`, ` UTC`) off a time.
fn split_offset(s: &str) -> Result<(&str, i64), FormatError> {
    let t = s.trim_end();
    for zone in ["Z", " UTC", " GMT", "UTC", "+00:00"] {
        if let Some(rest) = t.strip_suffix(zone) {
            return Ok((rest.trim_end(), 0));
        }
    }
    let Some(pos) = t.rfind(['+', '-']) else {
        // No offset: the session time zone, which is UTC.
        return Ok((t, 0));
    };
    let (time, offset) = (&t[..pos], &t[pos..]);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = &offset[1..];
    let fields: Vec<&str> = if digits.contains(':') {
        digits.split(':').collect()
    } else if digits.len() == 4 {
        vec![&digits[..2], &digits[2..]]
    } else {
        vec![digits]
    };
    if fields.is_empty() || fields.len() > 3 {
        return Err(invalid("timestamp with time zone", s));
    }
    let mut secs = 0;
    for (i, f) in fields.iter().enumerate() {
        let v = parse_digits(f, "timestamp with time zone")?;
        if (i == 0 && v > 15) || (i > 0 && v > 59) {
            return Err(invalid("timestamp with time zone", s));
        }
        secs += v * [3600, 60, 1][i];
    }
    Ok((time.trim_end(), sign * secs))
}

fn parse_timestamp(text: &str, with_zone: bool) -> Result<i64, FormatError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => return Ok(i64::MAX),
        "-infinity" => return Ok(i64::MIN),
        _ => {}
    }
    let (s, bc) = strip_era(text);
    let type_name = if with_zone {
        "timestamp with time zone"
    } else {
        "timestamp"
    };
    let (date, rest) = s.split_once([' ', 'T']).unwrap_or((s, ""));
    let days = parse_ymd(date, bc)?;
    let (time, offset_secs) = if with_zone && !rest.is_empty() {
        split_offset(rest)?
    } else {
        (rest.trim(), 0)
    };
    let micros = if time.is_empty() {
        0
    } else {
        parse_time(time)?
    };
    days.checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(micros))
        .and_then(|t| t.checked_sub(offset_secs * USECS_PER_SEC))
        .ok_or_else(|| invalid(type_name, text))
}

fn format_timestamp(micros: i64, with_zone: bool) -> String {
    match micros {
        i64::MAX => return "infinity".to_owned(),
        i64::MIN => return "-infinity".to_owned(),
        _ => {}
    }
    let days = micros.div_euclid(USECS_PER_DAY);
    let time = micros.rem_euclid(USECS_PER_DAY);
    let (ymd, bc) = format_ymd(days);
    let mut s = format!("{ymd} {}", format_time(time));
    if with_zone {
        s.push_str("+00");
    }
    if bc {
        s.push_str(" BC");
    }
    s
}

// ---------------------------------------------------------------- interval

fn plural(value: i64, unit: &str) -> String {
    format!("{value} {unit}{}", if value == 1 { "" } else { "s" })
}

/// IntervalStyle `postgres`, as PostgreSQL's EncodeInterval prints it.
fn format_interval(micros: i64, days: i32, months: i32) -> String {
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    let part =
        |out: &mut String, value: i64, unit: &str, is_zero: &mut bool, is_before: &mut bool| {
            if value == 0 {
                return;
            }
            if !*is_zero {
                out.push(' ');
            }
            if *is_before && value > 0 {
                out.push('+');
            }
            out.push_str(&plural(value, unit));
            *is_before = value < 0;
            *is_zero = false;
        };
    part(
        &mut out,
        (months / 12) as i64,
        "year",
        &mut is_zero,
        &mut is_before,
    );
    part(
        &mut out,
        (months % 12) as i64,
        "mon",
        &mut is_zero,
        &mut is_before,
    );
    part(&mut out, days as i64, "day", &mut is_zero, &mut is_before);
    if is_zero || micros != 0 {
        let minus = micros < 0;
        let abs = micros.unsigned_abs();
        let secs = abs / USECS_PER_SEC as u64;
        if !is_zero {
            out.push(' ');
        }
        out.push_str(if minus {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        });
        out.push_str(&format!(
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
        format_seconds_fraction(&mut out, (abs % USECS_PER_SEC as u64) as i64);
    }
    out
}

/// Parse `[@] N unit [N unit ...] [[+-]HH:MM[:SS[.ffffff]]] [ago]`.
fn parse_interval(text: &str) -> Result<(i64, i32, i32), FormatError> {
    let bad = || invalid("interval", text);
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    if tokens.first() == Some(&"@") {
        tokens.remove(0);
    }
    let ago = tokens.last().is_some_and(|t| t.eq_ignore_ascii_case("ago"));
    if ago {
        tokens.pop();
    }
    if tokens.is_empty() {
        return Err(bad());
    }
    let (mut micros, mut days, mut months) = (0i64, 0i64, 0i64);
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        if token.contains(':') {
            let (sign, body) = match token.as_bytes()[0] {
                b'-' => (-1, &token[1..]),
                b'+' => (1, &token[1..]),
                _ => (1, token),
            };
            let (hms, frac) = body
                .split_once('.')
                .map_or((body, None), |(a, b)| (a, Some(b)));
            let fields: Vec<&str> = hms.split(':').collect();
            if fields.len() > 3 {
                return Err(bad());
            }
            let mut secs = 0i64;
            for (k, f) in fields.iter().enumerate() {
                let v = parse_digits(f, "interval")?;
                secs = secs
                    .checked_add(v.checked_mul([3600, 60, 1][k]).ok_or_else(bad)?)
                    .ok_or_else(bad)?;
            }
            let mut us = secs.checked_mul(USECS_PER_SEC).ok_or_else(bad)?;
            if let Some(frac) = frac {
                if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(bad());
                }
                let frac_us = format!("{frac:0<6}").parse::<i64>().map_err(|_| bad())?;
                us = us.checked_add(frac_us).ok_or_else(bad)?;
            }
            micros = micros.checked_add(sign * us).ok_or_else(bad)?;
            i += 1;
            continue;
        }
        let value: f64 = token.parse().map_err(|_| bad())?;
        let unit = tokens.get(i + 1).ok_or_else(bad)?.to_ascii_lowercase();
        let unit = unit.trim_end_matches(',');
        if !value.is_finite() || value.abs() > 1e15 {
            return Err(bad());
        }
        let whole = value.trunc() as i64;
        let (months_add, days_add, micros_add) = match unit {
            "year" | "years" | "yr" | "yrs" | "y" => (whole * 12, 0, 0.0),
            "mon" | "mons" | "month" | "months" => (whole, 0, 0.0),
            "day" | "days" | "d" => (0, whole, 0.0),
            "hour" | "hours" | "hr" | "hrs" | "h" => (0, 0, value * 3600.0 * 1e6),
            "minute" | "minutes" | "min" | "mins" | "m" => (0, 0, value * 60.0 * 1e6),
            "second" | "seconds" | "sec" | "secs" | "s" => (0, 0, value * 1e6),
            "millisecond" | "milliseconds" | "ms" => (0, 0, value * 1e3),
            "microsecond" | "microseconds" | "us" => (0, 0, value),
            _ => return Err(bad()),
        };
        // Bounded above, so these cannot overflow; the sums are checked anyway.
        months = months.checked_add(months_add).ok_or_else(bad)?;
        days = days.checked_add(days_add).ok_or_else(bad)?;
        micros = micros
            .checked_add(micros_add.round() as i64)
            .ok_or_else(bad)?;
        if value.fract() != 0.0
            && matches!(
                unit,
                "year" | "years" | "mon" | "mons" | "month" | "months" | "day" | "days"
            )
        {
            return Err(FormatError::Invalid(format!(
                "fractional {unit} in interval {text:?} is not supported"
            )));
        }
        i += 2;
    }
    if ago {
        (micros, days, months) = (-micros, -days, -months);
    }
    Ok((
        micros,
        i32::try_from(days).map_err(|_| bad())?,
        i32::try_from(months).map_err(|_| bad())?,
    ))
}

// ---------------------------------------------------------------- numeric

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;
/// PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE-ish bound on digits we accept.
const NUMERIC_DIGITS_MAX: usize = 200_000;

fn put_numeric_header(out: &mut BytesMut, ndigits: i16, weight: i16, sign: u16, dscale: u16) {
    out.put_i16(ndigits);
    out.put_i16(weight);
    out.put_u16(sign);
    out.put_u16(dscale);
}

/// Decimal text (`-12.340`, `1e5`, `NaN`, `Infinity`) to numeric binary.
fn encode_numeric(text: &str, out: &mut BytesMut) -> Result<(), FormatError> {
    let t = text.trim();
    let special = match t.to_ascii_lowercase().as_str() {
        "nan" => Some(NUMERIC_NAN),
        "infinity" | "+infinity" | "inf" => Some(NUMERIC_PINF),
        "-infinity" | "-inf" => Some(NUMERIC_NINF),
        _ => None,
    };
    if let Some(sign) = special {
        put_numeric_header(out, 0, 0, sign, 0);
        return Ok(());
    }
    let bad = || invalid("numeric", text);
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(p) => (
            &unsigned[..p],
            unsigned[p + 1..].parse::<i64>().map_err(|_| bad())?,
        ),
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|c| c.is_ascii_digit())
        || int_part.len() + frac_part.len() > NUMERIC_DIGITS_MAX
        || exponent.unsigned_abs() > NUMERIC_DIGITS_MAX as u64
    {
        return Err(bad());
    }
    // All digits, and the position of the decimal point within them after the exponent.
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|c| c - b'0')
        .collect();
    let point = int_part.len() as i64 + exponent;
    let dscale = (frac_part.len() as i64 - exponent).max(0);
    if dscale > 0x3FFF {
        return Err(bad());
    }
    // Align to base-10000 groups: group g covers decimal positions [4g, 4g+4) from the point.
    // The digit at index k has decimal exponent point-1-k.
    let first = digits.iter().position(|&d| d != 0);
    let Some(first) = first else {
        put_numeric_header(out, 0, 0, NUMERIC_POS, dscale as u16);
        return Ok(());
    };
    let last = digits.iter().rposition(|&d| d != 0).unwrap_or(first);
    let exp_of = |k: usize| point - 1 - k as i64;
    let weight = exp_of(first).div_euclid(4);
    let low_group = exp_of(last).div_euclid(4);
    let ndigits = weight - low_group + 1;
    let (Ok(weight16), Ok(ndigits16)) = (i16::try_from(weight), i16::try_from(ndigits)) else {
        return Err(bad());
    };
    let mut groups = vec![0i16; ndigits as usize];
    for (k, &d) in digits.iter().enumerate().take(last + 1).skip(first) {
        let e = exp_of(k);
        let g = e.div_euclid(4);
        let idx = (weight - g) as usize;
        groups[idx] += d as i16 * [1, 10, 100, 1000][e.rem_euclid(4) as usize];
    }
    put_numeric_header(
        out,
        ndigits16,
        weight16,
        if negative { NUMERIC_NEG } else { NUMERIC_POS },
        dscale as u16,
    );
    for g in groups {
        out.put_i16(g);
    }
    Ok(())
}

fn decode_numeric(bytes: &[u8]) -> Result<String, FormatError> {
    let bad = |why: &str| FormatError::Invalid(format!("invalid binary numeric: {why}"));
    if bytes.len() < 8 {
        return Err(bad("short header"));
    }
    let be16 = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
    let ndigits = be16(0) as i16;
    let weight = be16(2) as i16 as i64;
    let sign = be16(4);
    let dscale = be16(6);
    match sign {
        NUMERIC_NAN => return Ok("NaN".into()),
        NUMERIC_PINF => return Ok("Infinity".into()),
        NUMERIC_NINF => return Ok("-Infinity".into()),
        NUMERIC_POS | NUMERIC_NEG => {}
        _ => return Err(bad("sign")),
    }
    if ndigits < 0 || bytes.len() != 8 + 2 * ndigits as usize || dscale > 0x3FFF {
        return Err(bad("length"));
    }
    let groups: Vec<i64> = (0..ndigits as usize)
        .map(|i| be16(8 + 2 * i) as i16 as i64)
        .collect();
    if groups.iter().any(|g| !(0..10_000).contains(g)) {
        return Err(bad("digit out of range"));
    }
    // group i has base-10000 exponent weight - i
    let group_at = |exp: i64| -> i64 {
        let idx = weight - exp;
        if idx >= 0 && (idx as usize) < groups.len() {
            groups[idx as usize]
        } else {
            0
        }
    };
    let mut s = String::new();
    if sign == NUMERIC_NEG && groups.iter().any(|&g| g != 0) {
        s.push('-');
    }
    if weight < 0 {
        s.push('0');
    } else {
        s.push_str(&group_at(weight).to_string());
        for exp in (0..weight).rev() {
            s.push_str(&format!("{:04}", group_at(exp)));
        }
    }
    if dscale > 0 {
        s.push('.');
        let mut frac = String::new();
        let mut exp = -1;
        while frac.len() < dscale as usize {
            frac.push_str(&format!("{:04}", group_at(exp)));
            exp -= 1;
        }
        frac.truncate(dscale as usize);
        s.push_str(&frac);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {

    #[test]
    fn user_enums_travel_as_label_text() {
        assert!(is_user_enum(0x4001_0000) && !is_user_enum(0x4001_0001) && !is_user_enum(25));
        assert!(supports_binary(0x4001_0000) && supports_binary(0x4001_0001));
        let mut out = BytesMut::new();
        text_to_binary(0x4001_0000, "happy", &mut out).unwrap();
        assert_eq!(&out[..], b"happy");
        assert_eq!(binary_to_text(0x4001_0000, b"happy").unwrap(), "happy");
    }

    use super::*;
    use proptest::prelude::*;

    fn to_bin(type_oid: Oid, text: &str) -> Vec<u8> {
        let mut out = BytesMut::new();
        text_to_binary(type_oid, text, &mut out).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        out.to_vec()
    }

    fn round_trip_text(type_oid: Oid, text: &str) -> String {
        binary_to_text(type_oid, &to_bin(type_oid, text))
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn known_encodings() {
        assert_eq!(to_bin(oid::DATE, "2000-01-02"), 1i32.to_be_bytes());
        assert_eq!(
            to_bin(oid::TIMESTAMP, "2000-01-01 00:00:01"),
            1_000_000i64.to_be_bytes()
        );
        assert_eq!(
            to_bin(oid::TIMESTAMPTZ, "2000-01-01 01:00:00+01"),
            0i64.to_be_bytes()
        );
        assert_eq!(
            to_bin(oid::NUMERIC, "12345.678"),
            [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]
        );
        assert_eq!(to_bin(oid::BOOL, "true"), [1]);
        assert_eq!(to_bin(oid::BYTEA, "\\x00ff"), [0, 255]);
        assert_eq!(to_bin(oid::BYTEA, "a\\\\b\\001"), b"a\\b\x01");
    }

    #[test]
    fn canonical_texts_round_trip() {
        let cases: &[(Oid, &str)] = &[
            (oid::DATE, "0001-01-01 BC"),
            (oid::DATE, "1999-12-31"),
            (oid::DATE, "infinity"),
            (oid::TIMESTAMP, "2024-02-29 23:59:59.5"),
            (oid::TIMESTAMPTZ, "1970-01-01 00:00:00+00"),
            (oid::TIME, "24:00:00"),
            (oid::INTERVAL, "1 year 2 mons 3 days 04:05:06.5"),
            (oid::INTERVAL, "-1 days +02:00:00"),
            (oid::INTERVAL, "00:00:00"),
            (oid::INTERVAL, "-00:00:01"),
            (oid::NUMERIC, "0.00"),
            (oid::NUMERIC, "-0.0001"),
            (oid::NUMERIC, "10000"),
            (oid::NUMERIC, "NaN"),
            (oid::NUMERIC, "-Infinity"),
            (oid::FLOAT8, "1e+20"),
            (oid::FLOAT8, "0.1"),
            (oid::FLOAT8, "1.5e-05"),
            (oid::FLOAT8, "-0"),
            (oid::FLOAT4, "3.4028235e+38"),
            (oid::FLOAT4, "123456"),
            (oid::UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            (oid::JSONB, "{\"a\": 1}"),
        ];
        for &(type_oid, text) in cases {
            assert_eq!(round_trip_text(type_oid, text), text, "oid {type_oid}");
        }
        assert_eq!(round_trip_text(oid::NUMERIC, "1.5e3"), "1500");
        assert_eq!(round_trip_text(oid::FLOAT4, "1234567"), "1.234567e+06");
    }

    #[test]
    fn bad_binary_is_rejected() {
        assert!(binary_to_text(oid::INT4, &[0, 1]).is_err());
        assert!(binary_to_text(oid::NUMERIC, &[0, 5, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(binary_to_text(oid::NUMERIC, &[0, 1, 0, 0, 0, 0, 0, 0, 0x7f, 0]).is_err());
        assert!(binary_to_text(oid::TEXT, &[0xff]).is_err());
        // A point is two float8s; int4range has no binary form here.
        assert!(binary_to_text(600, &[0; 8]).is_err());
        assert!(matches!(
            binary_to_text(3904, &[]),
            Err(FormatError::Unsupported(3904))
        ));
    }

    proptest! {
        #[test]
        fn int8_round_trips(v: i64) {
            prop_assert_eq!(round_trip_text(oid::INT8, &v.to_string()), v.to_string());
        }

        #[test]
        fn float8_binary_round_trips(bits: u64) {
            let v = f64::from_bits(bits);
            let text = binary_to_text(oid::FLOAT8, &v.to_be_bytes()).unwrap();
            let back = to_bin(oid::FLOAT8, &text);
            if v.is_nan() {
                prop_assert!(f64::from_be_bytes(back.try_into().unwrap()).is_nan());
            } else {
                prop_assert_eq!(back, v.to_be_bytes().to_vec());
            }
        }

        #[test]
        fn float4_binary_round_trips(bits: u32) {
            let v = f32::from_bits(bits);
            prop_assume!(!v.is_nan());
            let text = binary_to_text(oid::FLOAT4, &v.to_be_bytes()).unwrap();
            prop_assert_eq!(to_bin(oid::FLOAT4, &text), v.to_be_bytes().to_vec());
        }

        #[test]
        fn date_binary_round_trips(days in -2_451_545i32..2_000_000_000) {
            let text = binary_to_text(oid::DATE, &days.to_be_bytes()).unwrap();
            prop_assert_eq!(to_bin(oid::DATE, &text), days.to_be_bytes().to_vec(), "{}", text);
        }

        #[test]
        fn timestamp_binary_round_trips(micros in -211_813_488_000_000_000i64..9_223_371_331_200_000_000, tz: bool) {
            let type_oid = if tz { oid::TIMESTAMPTZ } else { oid::TIMESTAMP };
            let text = binary_to_text(type_oid, &micros.to_be_bytes()).unwrap();
            prop_assert_eq!(to_bin(type_oid, &text), micros.to_be_bytes().to_vec(), "{}", text);
        }

        #[test]
        fn interval_binary_round_trips(micros in -(1i64 << 50)..(1i64 << 50), days in -100_000i32..100_000, months in -100_000i32..100_000) {
            let mut bin = Vec::new();
            bin.extend_from_slice(&micros.to_be_bytes());
            bin.extend_from_slice(&days.to_be_bytes());
            bin.extend_from_slice(&months.to_be_bytes());
            let text = binary_to_text(oid::INTERVAL, &bin).unwrap();
            prop_assert_eq!(to_bin(oid::INTERVAL, &text), bin, "{}", text);
        }

        #[test]
        fn numeric_text_round_trips(negative: bool, int_part in "(0|[1-9][0-9]{0,30})", frac in proptest::option::of("[0-9]{1,30}")) {
            let mut text = String::new();
            if negative { text.push('-'); }
            text.push_str(&int_part);
            if let Some(frac) = &frac { text.push('.'); text.push_str(frac); }
            let is_zero = !text.bytes().any(|c| (b'1'..=b'9').contains(&c));
            let expected = if is_zero { text.trim_start_matches('-').to_owned() } else { text.clone() };
            prop_assert_eq!(round_trip_text(oid::NUMERIC, &text), expected);
        }

        #[test]
        fn bytea_and_uuid_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64), id: [u8; 16]) {
            let text = binary_to_text(oid::BYTEA, &bytes).unwrap();
            prop_assert_eq!(to_bin(oid::BYTEA, &text), bytes);
            let text = binary_to_text(oid::UUID, &id).unwrap();
            prop_assert_eq!(to_bin(oid::UUID, &text), id.to_vec());
        }

        #[test]
        fn time_round_trips(micros in 0i64..=86_400_000_000) {
            let text = binary_to_text(oid::TIME, &micros.to_be_bytes()).unwrap();
            prop_assert_eq!(to_bin(oid::TIME, &text), micros.to_be_bytes().to_vec());
        }
    }
}
