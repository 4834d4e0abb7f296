//! Dates and timestamps as PostgreSQL stores them: days / microseconds since
//! 2000-01-01 (timestamptz: UTC), and their text input and output under the
//! session's DateStyle and TimeZone (`*_in` functions take them; the plain
//! ones use UTC and `ISO, MDY`).

use crate::error::{SqlError, SqlResult};
use crate::timezone::{DateStyle, DateTimeConfig, FieldOrder, OutputStyle, SessionZone};

pub const USECS_PER_DAY: i64 = 86_400_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const UNIX_TO_PG_DAYS: i64 = 10_957;
/// Supported range: years 1..=294276 (PostgreSQL also allows BC dates).
const MIN_DAYS: i64 = -730_119; // 0001-01-01
const MAX_DAYS: i64 = 106_751_616; // ~ 294276-12-31

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 2000-01-01 of y-m-d (proleptic Gregorian, not validated).
pub(crate) fn days_of(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) - UNIX_TO_PG_DAYS
}

/// Days since 2000-01-01 of y-m-d, validating the fields.
pub fn date_from_ymd(y: i64, m: i64, d: i64, input: &str) -> SqlResult<i32> {
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || !(1..=294_276).contains(&y) {
        return Err(SqlError::new(
            "22008",
            format!("date/time field value out of range: \"{input}\""),
        )
        .with_hint("Perhaps you need a different \"datestyle\" setting."));
    }
    Ok((days_from_civil(y, m, d) - UNIX_TO_PG_DAYS) as i32)
}

pub fn ymd_from_date(days: i32) -> (i64, i64, i64) {
    civil_from_days(days as i64 + UNIX_TO_PG_DAYS)
}

fn now_usecs() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_micros() as i64 - UNIX_TO_PG_DAYS * USECS_PER_DAY
}

/// The current time as microseconds since 2000-01-01 UTC.
pub fn now() -> i64 {
    now_usecs()
}

fn syntax(type_name: &str, input: &str) -> SqlError {
    SqlError::new(
        "22007",
        format!("invalid input syntax for type {type_name}: \"{input}\""),
    )
}

fn out_of_range(input: &str) -> SqlError {
    SqlError::new(
        "22008",
        format!("date/time field value out of range: \"{input}\""),
    )
}

fn num(s: &str, type_name: &str, input: &str) -> SqlResult<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 9 {
        return Err(syntax(type_name, input));
    }
    s.parse().map_err(|_| syntax(type_name, input))
}

/// Parses `[+-]HH[:MM[:SS]]` / `[+-]HHMM` / `Z` / `UTC` into seconds east of UTC.
fn parse_zone(z: &str) -> Option<i64> {
    let z = z.trim();
    if z.eq_ignore_ascii_case("z")
        || z.eq_ignore_ascii_case("utc")
        || z.eq_ignore_ascii_case("gmt")
        || z.eq_ignore_ascii_case("etc/utc")
    {
        return Some(0);
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let mut fields = rest.split(':');
    let first = fields.next()?;
    let (h, mut m) = match first.len() {
        4 => (
            first[..2].parse::<i64>().ok()?,
            first[2..].parse::<i64>().ok()?,
        ),
        1 | 2 => (first.parse::<i64>().ok()?, 0),
        _ => return None,
    };
    let mut s = 0;
    if let Some(f) = fields.next() {
        m = f.parse().ok()?;
    }
    if let Some(f) = fields.next() {
        s = f.parse().ok()?;
    }
    if h > 15 || m > 59 || s > 59 || fields.next().is_some() {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + s))
}

/// Common zone abbreviations in input (PostgreSQL's Default set, abridged),
/// as seconds east of UTC.
fn zone_abbrev(word: &str) -> Option<i64> {
    const H: i64 = 3600;
    Some(match word {
        "ut" | "utc" | "gmt" | "z" | "zulu" => 0,
        "pst" => -8 * H,
        "pdt" => -7 * H,
        "mst" => -7 * H,
        "mdt" => -6 * H,
        "cst" => -6 * H,
        "cdt" => -5 * H,
        "est" => -5 * H,
        "edt" => -4 * H,
        "akst" => -9 * H,
        "akdt" => -8 * H,
        "hst" => -10 * H,
        "ast" => -4 * H,
        "adt" => -3 * H,
        "nst" => -(3 * H + 1800),
        "ndt" => -(2 * H + 1800),
        "wet" => 0,
        "west" | "bst" => H,
        "cet" | "met" => H,
        "cest" | "mest" => 2 * H,
        "eet" => 2 * H,
        "eest" => 3 * H,
        "msk" => 3 * H,
        "ist" => 2 * H,
        "jst" | "kst" => 9 * H,
        "aest" => 10 * H,
        "aedt" => 11 * H,
        "nzst" => 12 * H,
        "nzdt" => 13 * H,
        _ => return None,
    })
}

/// The zone `AT TIME ZONE` / `timezone(zone, ts)` names, looked up as
/// PostgreSQL 15 does: an abbreviation (`PST`), then a tz database name or
/// POSIX string (where `+05:30` and `-7` count hours WEST of UTC).
pub fn zone_named(name: &str) -> SqlResult<SessionZone> {
    if let Some(east) = zone_abbrev(&name.to_ascii_lowercase()) {
        return Ok(SessionZone::fixed_offset(east as i32));
    }
    let trimmed = name.trim();
    let posix_number = trimmed.len() > 1
        && trimmed.starts_with(['+', '-'])
        && trimmed[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':');
    let zone = if posix_number {
        parse_zone(trimmed).map(|east| SessionZone::fixed_offset(-east as i32))
    } else {
        SessionZone::parse(trimmed)
            .filter(|_| !trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    zone.ok_or_else(|| SqlError::new("22023", format!("time zone \"{name}\" not recognized")))
}

fn month_number(word: &str) -> Option<i64> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    let word = if word == "sept" { "sep" } else { word };
    NAMES
        .iter()
        .position(|n| n.starts_with(word))
        .map(|i| i as i64 + 1)
}

fn is_weekday(word: &str) -> bool {
    const NAMES: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    word.len() >= 3 && NAMES.iter().any(|n| n.starts_with(word))
}

/// A zone given in the input text.
enum InputZone {
    /// Seconds east of UTC.
    Offset(i64),
    Named(SessionZone),
}

/// Parsed pieces of a date/time literal.
struct Parts {
    days: i32,
    usecs_of_day: i64,
    zone: Option<InputZone>,
    /// `now`: an instant, not a wall-clock time.
    instant: Option<i64>,
}

fn two_digit_year(field: &str, y: i64) -> i64 {
    match (field.len(), y) {
        (1 | 2, 0..=69) => y + 2000,
        (1 | 2, 70..=99) => y + 1900,
        _ => y,
    }
}

/// Resolves a date's three fields (`2010-03-09`, `03/09/2010`, `09.03.2010`,
/// `09-Mar-2010`) by their form and the DateStyle field order.
fn resolve_date(
    fields: &[&str],
    order: FieldOrder,
    type_name: &str,
    input: &str,
) -> SqlResult<(i64, i64, i64)> {
    let [a, b, c] = fields else {
        return Err(syntax(type_name, input));
    };
    let alpha = |f: &str| f.bytes().all(|x| x.is_ascii_alphabetic());
    let month_of = |f: &str| month_number(&f.to_ascii_lowercase());
    if alpha(b) {
        let m = month_of(b).ok_or_else(|| syntax(type_name, input))?;
        let (x, y) = (num(a, type_name, input)?, num(c, type_name, input)?);
        return Ok(if a.len() >= 3 || order == FieldOrder::Ymd {
            (two_digit_year(a, x), m, y)
        } else {
            (two_digit_year(c, y), m, x)
        });
    }
    if alpha(a) {
        let m = month_of(a).ok_or_else(|| syntax(type_name, input))?;
        let (d, y) = (num(b, type_name, input)?, num(c, type_name, input)?);
        return Ok((two_digit_year(c, y), m, d));
    }
    let (x, y, z) = (
        num(a, type_name, input)?,
        num(b, type_name, input)?,
        num(c, type_name, input)?,
    );
    if a.len() >= 3 {
        return Ok((x, y, z));
    }
    Ok(match order {
        FieldOrder::Mdy => (two_digit_year(c, z), x, y),
        FieldOrder::Dmy => (two_digit_year(c, z), y, x),
        FieldOrder::Ymd => (two_digit_year(a, x), y, z),
    })
}

/// `HH:MM[:SS[.ffffff]]` as microseconds of the day, before AM/PM.
fn parse_clock(time: &str, type_name: &str, input: &str) -> SqlResult<(i64, i64, i64, i64)> {
    let tf: Vec<&str> = time.split(':').collect();
    let (h, mi, sec) = match tf.as_slice() {
        [h, m] => (num(h, type_name, input)?, num(m, type_name, input)?, "0"),
        [h, m, s] => (num(h, type_name, input)?, num(m, type_name, input)?, *s),
        _ => return Err(syntax(type_name, input)),
    };
    let (whole, frac) = match sec.split_once('.') {
        Some((w, f)) => (w, f),
        None => (sec, ""),
    };
    let secs = num(whole, type_name, input)?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax(type_name, input));
    }
    // Round to microseconds.
    let mut micros: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i < 6 {
            micros = micros * 10 + (b - b'0') as i64;
        }
    }
    for _ in frac.len()..6 {
        micros *= 10;
    }
    if frac.len() > 6 && frac.as_bytes()[6] >= b'5' {
        micros += 1;
    }
    Ok((h, mi, secs, micros))
}

fn parse_parts(input: &str, type_name: &str, cfg: &DateTimeConfig) -> SqlResult<Parts> {
    let s = input.trim();
    let lower = s.to_ascii_lowercase();
    let local_now = cfg.zone.utc_to_local(now_usecs());
    let today = local_now.div_euclid(USECS_PER_DAY) as i32;
    let special = |instant: Option<i64>, days: i32| Parts {
        days,
        usecs_of_day: 0,
        zone: None,
        instant,
    };
    match lower.as_str() {
        "epoch" => {
            return Ok(Parts {
                days: -(UNIX_TO_PG_DAYS as i32),
                usecs_of_day: 0,
                zone: Some(InputZone::Offset(0)),
                instant: None,
            })
        }
        "now" => return Ok(special(Some(now_usecs()), 0)),
        "today" => return Ok(special(None, today)),
        "tomorrow" => return Ok(special(None, today + 1)),
        "yesterday" => return Ok(special(None, today - 1)),
        _ => {}
    }
    // ISO 8601's `T` between date and time, and commas, separate words.
    let mut text = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        let iso_t = (c == 'T' || c == 't')
            && i > 0
            && bytes[i - 1].is_ascii_digit()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        text.push(if iso_t || c == ',' { ' ' } else { c });
    }
    let mut date: Option<(i64, i64, i64)> = None;
    let mut month: Option<i64> = None;
    let mut loose: Vec<&str> = Vec::new();
    let mut clock: Option<(i64, i64, i64, i64)> = None;
    let mut zone: Option<InputZone> = None;
    let mut pm: Option<bool> = None;
    let mut bc = false;
    for word in text.split_whitespace() {
        let lw = word.to_ascii_lowercase();
        let first = word.as_bytes()[0];
        if word.contains(':') && first.is_ascii_digit() {
            // A time, maybe with its zone attached (`03:04:05+02`, `...Z`).
            let cut = word[1..].find(['+', '-', 'Z', 'z']).map(|i| i + 1);
            let (time, z) = match cut {
                Some(i) => (&word[..i], Some(&word[i..])),
                None => (word, None),
            };
            clock = Some(parse_clock(time, type_name, input)?);
            if let Some(z) = z {
                zone = Some(InputZone::Offset(
                    parse_zone(z).ok_or_else(|| syntax(type_name, input))?,
                ));
            }
        } else if (first == b'+' || first == b'-') && word.len() > 1 {
            zone = Some(InputZone::Offset(
                parse_zone(word).ok_or_else(|| syntax(type_name, input))?,
            ));
        } else if first.is_ascii_digit() && word.contains(['-', '/', '.']) {
            if date.is_some() {
                return Err(syntax(type_name, input));
            }
            let fields: Vec<&str> = word.split(['-', '/', '.']).collect();
            date = Some(resolve_date(&fields, cfg.style.order, type_name, input)?);
        } else if word.bytes().all(|b| b.is_ascii_digit()) {
            if word.len() == 8 && date.is_none() {
                date = Some((
                    num(&word[..4], type_name, input)?,
                    num(&word[4..6], type_name, input)?,
                    num(&word[6..], type_name, input)?,
                ));
            } else {
                loose.push(word);
            }
        } else if first.is_ascii_alphabetic()
            && word.contains(['-', '/'])
            && date.is_none()
            && month.is_none()
            && !lw.contains('/')
        {
            let fields: Vec<&str> = word.split(['-', '/']).collect();
            date = Some(resolve_date(&fields, cfg.style.order, type_name, input)?);
        } else if let Some(m) = month_number(&lw).filter(|_| month.is_none()) {
            month = Some(m);
        } else if is_weekday(&lw) {
        } else if lw == "am" || lw == "pm" {
            pm = Some(lw == "pm");
        } else if lw == "bc" || lw == "ad" {
            bc = lw == "bc";
        } else if let Some(off) = zone_abbrev(&lw) {
            zone = Some(InputZone::Offset(off));
        } else if let Some(z) = SessionZone::parse(word).filter(|_| first.is_ascii_alphabetic()) {
            zone = Some(InputZone::Named(z));
        } else {
            return Err(syntax(type_name, input));
        }
    }
    if bc {
        // Dates before year 1 are out of Borealis's supported range.
        return Err(SqlError::new(
            "22008",
            format!("date out of range: \"{input}\""),
        ));
    }
    let (y, m, d) = match (date, month, loose.as_slice()) {
        (Some(ymd), None, []) => ymd,
        (None, Some(m), [a, b]) => {
            let (x, z) = (num(a, type_name, input)?, num(b, type_name, input)?);
            if a.len() >= 3 {
                (x, m, z)
            } else {
                (two_digit_year(b, z), m, x)
            }
        }
        _ => return Err(syntax(type_name, input)),
    };
    let days = date_from_ymd(y, m, d, input)?;
    let usecs_of_day = match clock {
        None => 0,
        Some((mut h, mi, secs, micros)) => {
            match pm {
                Some(_) if !(1..=12).contains(&h) => return Err(out_of_range(input)),
                Some(true) if h < 12 => h += 12,
                Some(false) if h == 12 => h = 0,
                _ => {}
            }
            if h > 24 || mi > 59 || secs > 60 || (h == 24 && (mi > 0 || secs > 0 || micros > 0)) {
                return Err(out_of_range(input));
            }
            ((h * 60 + mi) * 60 + secs) * 1_000_000 + micros
        }
    };
    Ok(Parts {
        days,
        usecs_of_day,
        zone,
        instant: None,
    })
}

#[cfg(test)]
pub fn parse_date(input: &str) -> SqlResult<i32> {
    parse_date_in(input, DateTimeConfig::standard())
}

pub fn parse_date_in(input: &str, cfg: &DateTimeConfig) -> SqlResult<i32> {
    let p = parse_parts(input, "date", cfg)?;
    Ok(match p.instant {
        Some(t) => cfg.zone.utc_to_local(t).div_euclid(USECS_PER_DAY) as i32,
        None => p.days,
    })
}

#[cfg(test)]
/// timestamp without time zone: a zone in the input is ignored, as in PostgreSQL.
pub fn parse_timestamp(input: &str) -> SqlResult<i64> {
    parse_timestamp_in(input, DateTimeConfig::standard())
}

pub fn parse_timestamp_in(input: &str, cfg: &DateTimeConfig) -> SqlResult<i64> {
    let p = parse_parts(input, "timestamp", cfg)?;
    Ok(match p.instant {
        // `now`: the session zone's wall clock.
        Some(t) => cfg.zone.utc_to_local(t),
        None => p.days as i64 * USECS_PER_DAY + p.usecs_of_day,
    })
}

#[cfg(test)]
/// timestamp with time zone in UTC (no session: an input without a zone is UTC).
pub fn parse_timestamptz(input: &str) -> SqlResult<i64> {
    parse_timestamptz_in(input, DateTimeConfig::standard())
}

/// timestamp with time zone: an input without a zone is wall-clock time in
/// the session's zone.
pub fn parse_timestamptz_in(input: &str, cfg: &DateTimeConfig) -> SqlResult<i64> {
    let p = parse_parts(input, "timestamp with time zone", cfg)?;
    if let Some(t) = p.instant {
        return Ok(t);
    }
    let local = p.days as i64 * USECS_PER_DAY + p.usecs_of_day;
    Ok(match p.zone {
        Some(InputZone::Offset(east)) => local - east * 1_000_000,
        Some(InputZone::Named(z)) => z.local_to_utc(local),
        None => cfg.zone.local_to_utc(local),
    })
}

pub fn check_date_range(days: i64) -> SqlResult<i32> {
    if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
        return Err(SqlError::new("22008", "date out of range"));
    }
    Ok(days as i32)
}

const MONTH_ABBREVS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAY_ABBREVS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

fn push_date(out: &mut String, style: DateStyle, y: i64, m: i64, d: i64) {
    use std::fmt::Write;
    let _ = match (style.output, style.order) {
        (OutputStyle::Iso, _) => write!(out, "{y:04}-{m:02}-{d:02}"),
        (OutputStyle::Sql, FieldOrder::Dmy) => write!(out, "{d:02}/{m:02}/{y:04}"),
        (OutputStyle::Sql, _) => write!(out, "{m:02}/{d:02}/{y:04}"),
        (OutputStyle::German, _) => write!(out, "{d:02}.{m:02}.{y:04}"),
        (OutputStyle::Postgres, FieldOrder::Dmy) => write!(out, "{d:02}-{m:02}-{y:04}"),
        (OutputStyle::Postgres, _) => write!(out, "{m:02}-{d:02}-{y:04}"),
    };
}

#[cfg(test)]
pub fn format_date(days: i32) -> String {
    format_date_in(days, DateStyle::default())
}

pub fn format_date_in(days: i32, style: DateStyle) -> String {
    let (y, m, d) = ymd_from_date(days);
    let mut out = String::with_capacity(10);
    push_date(&mut out, style, y, m, d);
    out
}

fn push_clock(out: &mut String, tod: i64) {
    use std::fmt::Write;
    let secs = tod / 1_000_000;
    let micros = tod % 1_000_000;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if micros > 0 {
        let f = format!("{micros:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
}

/// A wall-clock time in the DateStyle; `zone` is (offset east, abbreviation)
/// for timestamptz.
fn format_local(local: i64, style: DateStyle, zone: Option<(i32, &str)>) -> String {
    let days = local.div_euclid(USECS_PER_DAY);
    let tod = local.rem_euclid(USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days + UNIX_TO_PG_DAYS);
    let mut out = String::with_capacity(32);
    match style.output {
        OutputStyle::Postgres => {
            // 2000-01-01 was a Saturday.
            out.push_str(DAY_ABBREVS[(days + 6).rem_euclid(7) as usize]);
            out.push(' ');
            let mon = MONTH_ABBREVS[(m - 1) as usize];
            if style.order == FieldOrder::Dmy {
                out.push_str(&format!("{d:02} {mon} "));
            } else {
                out.push_str(&format!("{mon} {d:02} "));
            }
            push_clock(&mut out, tod);
            out.push_str(&format!(" {y:04}"));
        }
        _ => {
            push_date(&mut out, style, y, m, d);
            out.push(' ');
            push_clock(&mut out, tod);
        }
    }
    if let Some((east, abbrev)) = zone {
        if style.output == OutputStyle::Iso {
            out.push_str(&crate::timezone::offset_text(east));
        } else {
            out.push(' ');
            out.push_str(abbrev);
        }
    }
    out
}

#[cfg(test)]
pub fn format_timestamp(usecs: i64) -> String {
    format_local(usecs, DateStyle::default(), None)
}

pub fn format_timestamp_in(usecs: i64, style: DateStyle) -> String {
    format_local(usecs, style, None)
}

#[cfg(test)]
/// timestamptz output in UTC, ISO style.
pub fn format_timestamptz(usecs: i64) -> String {
    format_timestamptz_in(usecs, DateTimeConfig::standard())
}

/// timestamptz output: the wall-clock time and offset of the session zone at
/// that instant, in the session's DateStyle.
pub fn format_timestamptz_in(usecs: i64, cfg: &DateTimeConfig) -> String {
    let east = cfg.zone.offset_at(usecs);
    let local = usecs.saturating_add(east as i64 * 1_000_000);
    if cfg.style.output == OutputStyle::Iso {
        return format_local(local, cfg.style, Some((east, "")));
    }
    let abbrev = cfg.zone.abbrev_at(usecs);
    format_local(local, cfg.style, Some((east, &abbrev)))
}

/// Rounds microseconds to `precision` fractional digits (timestamp(p)).
pub fn round_precision(usecs: i64, precision: i32) -> i64 {
    if !(0..6).contains(&precision) {
        return usecs;
    }
    let unit = 10i64.pow((6 - precision) as u32);
    let r = usecs.rem_euclid(unit);
    let base = usecs - r;
    if r * 2 >= unit {
        base + unit
    } else {
        base
    }
}

/// Fields of a timestamp (microseconds since 2000-01-01).
pub fn fields(usecs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = usecs.div_euclid(USECS_PER_DAY);
    let tod = usecs.rem_euclid(USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days + UNIX_TO_PG_DAYS);
    (
        y,
        m,
        d,
        tod / 3_600_000_000,
        tod / 60_000_000 % 60,
        tod % 60_000_000,
    )
}

/// date_trunc for the common fields.
pub fn trunc(field: &str, usecs: i64) -> SqlResult<i64> {
    let (y, m, d, h, mi, us) = fields(usecs);
    let day = |y: i64, m: i64, d: i64| (days_from_civil(y, m, d) - UNIX_TO_PG_DAYS) * USECS_PER_DAY;
    Ok(match field.to_ascii_lowercase().as_str() {
        "microseconds" => usecs,
        "milliseconds" => usecs - usecs.rem_euclid(1000),
        "second" => usecs - usecs.rem_euclid(1_000_000),
        "minute" => day(y, m, d) + (h * 60 + mi) * 60_000_000,
        "hour" => day(y, m, d) + h * 3_600_000_000,
        "day" => day(y, m, d),
        "week" => {
            let dd = day(y, m, d) / USECS_PER_DAY;
            // 2000-01-01 was a Saturday; ISO weeks start on Monday.
            let dow = (dd + 5).rem_euclid(7);
            (dd - dow) * USECS_PER_DAY
        }
        "month" => day(y, m, 1),
        "quarter" => day(y, (m - 1) / 3 * 3 + 1, 1),
        "year" => day(y, 1, 1),
        "decade" => day(y - y.rem_euclid(10), 1, 1),
        "century" => day((y - 1) / 100 * 100 + 1, 1, 1),
        other => {
            let _ = us;
            return Err(SqlError::new(
                "22023",
                format!("unit \"{other}\" not recognized for type timestamp without time zone"),
            ));
        }
    })
}

/// date_trunc on timestamptz: truncated in the session zone's wall-clock
/// time. Units of a day and up start at local midnight (the offset then may
/// differ); smaller ones keep the instant's own offset, as in PostgreSQL.
pub fn trunc_tz(field: &str, utc: i64, zone: &SessionZone) -> SqlResult<i64> {
    let east = zone.offset_at(utc) as i64 * 1_000_000;
    let local = trunc(field, utc + east)?;
    let small = matches!(
        field.to_ascii_lowercase().as_str(),
        "microseconds" | "milliseconds" | "second" | "minute" | "hour"
    );
    Ok(if small {
        local - east
    } else {
        zone.local_to_utc(local)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_formats() {
        assert_eq!(parse_date("2000-01-01").unwrap(), 0);
        assert_eq!(format_date(parse_date("2024-02-29").unwrap()), "2024-02-29");
        assert_eq!(format_date(parse_date("1969-12-31").unwrap()), "1969-12-31");
        assert!(parse_date("2024-02-30").is_err());
        assert!(parse_date("2024-13-01").is_err());
        assert_eq!(parse_date("x").unwrap_err().sqlstate, "22007");
        let t = parse_timestamp("2024-01-02 03:04:05.120").unwrap();
        assert_eq!(format_timestamp(t), "2024-01-02 03:04:05.12");
        assert_eq!(
            format_timestamp(parse_timestamp("2024-01-02T03:04:05Z").unwrap()),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            format_timestamptz(parse_timestamptz("2024-01-02 03:04:05+02").unwrap()),
            "2024-01-02 01:04:05+00"
        );
        assert_eq!(
            format_timestamptz(parse_timestamptz("2024-01-02 03:04:05-05:30").unwrap()),
            "2024-01-02 08:34:05+00"
        );
        assert_eq!(
            format_timestamp(round_precision(
                parse_timestamp("2024-01-02 03:04:05.5678").unwrap(),
                2
            )),
            "2024-01-02 03:04:05.57"
        );
        assert_eq!(
            format_timestamp(
                trunc("month", parse_timestamp("2024-05-06 07:08:09").unwrap()).unwrap()
            ),
            "2024-05-01 00:00:00"
        );
        assert_eq!(
            format_timestamp(parse_timestamp("1999-12-31 23:59:59.999999").unwrap()),
            "1999-12-31 23:59:59.999999"
        );
        assert_eq!(
            format_timestamp(parse_timestamp("epoch").unwrap()),
            "1970-01-01 00:00:00"
        );
    }

    fn config(zone: &str, style: &str) -> DateTimeConfig {
        DateTimeConfig {
            zone: SessionZone::parse(zone).unwrap(),
            style: DateStyle::parse(style, DateStyle::default()).unwrap(),
            interval: Default::default(),
        }
    }

    #[test]
    fn session_zone_applies_to_input_and_output() {
        let la = config("America/Los_Angeles", "ISO, MDY");
        let summer = parse_timestamptz_in("2024-07-01 12:00", &la).unwrap();
        assert_eq!(format_timestamptz(summer), "2024-07-01 19:00:00+00");
        assert_eq!(format_timestamptz_in(summer, &la), "2024-07-01 12:00:00-07");
        let winter = parse_timestamptz_in("2024-01-15 12:00", &la).unwrap();
        assert_eq!(format_timestamptz_in(winter, &la), "2024-01-15 12:00:00-08");
        // An explicit offset or zone wins over the session's.
        let t = parse_timestamptz_in("2024-07-01 12:00:00+02", &la).unwrap();
        assert_eq!(format_timestamptz(t), "2024-07-01 10:00:00+00");
        let t = parse_timestamptz_in("2024-07-01 12:00 Europe/Berlin", &la).unwrap();
        assert_eq!(format_timestamptz(t), "2024-07-01 10:00:00+00");
        let t = parse_timestamptz_in("2024-07-01 12:00 EST", &la).unwrap();
        assert_eq!(format_timestamptz(t), "2024-07-01 17:00:00+00");
        let india = config("Asia/Kolkata", "ISO, MDY");
        assert_eq!(
            format_timestamptz_in(t, &india),
            "2024-07-01 22:30:00+05:30"
        );
    }

    #[test]
    fn datestyle_formats_and_orders() {
        let pg = config("America/Los_Angeles", "Postgres, MDY");
        let d = parse_date_in("03/09/2010", &pg).unwrap();
        assert_eq!(format_date_in(d, pg.style), "03-09-2010");
        let t = parse_timestamptz_in("2010-03-09 00:00:00", &pg).unwrap();
        assert_eq!(
            format_timestamptz_in(t, &pg),
            "Tue Mar 09 00:00:00 2010 PST"
        );
        assert_eq!(
            parse_timestamptz_in("Tue Mar 09 00:00:00 2010 PST", &pg).unwrap(),
            t
        );
        let sql_dmy = config("UTC", "SQL, DMY");
        let d2 = parse_date_in("09/03/2010", &sql_dmy).unwrap();
        assert_eq!(d2, d);
        assert_eq!(format_date_in(d, sql_dmy.style), "09/03/2010");
        assert_eq!(
            format_timestamp_in(
                parse_timestamp("2010-03-09 01:02:03.5").unwrap(),
                sql_dmy.style
            ),
            "09/03/2010 01:02:03.5"
        );
        let german = config("Europe/Berlin", "German");
        assert_eq!(format_timestamptz_in(t, &german), "09.03.2010 09:00:00 CET");
        assert_eq!(parse_date("March 9, 2010").unwrap(), d);
        assert_eq!(parse_date("20100309").unwrap(), d);
        assert_eq!(
            format_timestamp(parse_timestamp("Mar 9 2010 10:00 pm").unwrap()),
            "2010-03-09 22:00:00"
        );
    }

    #[test]
    fn trunc_in_zone_starts_at_local_midnight() {
        let ny = config("America/New_York", "ISO, MDY");
        let t = parse_timestamptz("2024-07-01 03:30:00+00").unwrap();
        let day = trunc_tz("day", t, &ny.zone).unwrap();
        assert_eq!(format_timestamptz_in(day, &ny), "2024-06-30 00:00:00-04");
        let hour = trunc_tz("hour", t, &ny.zone).unwrap();
        assert_eq!(format_timestamptz_in(hour, &ny), "2024-06-30 23:00:00-04");
    }
}
