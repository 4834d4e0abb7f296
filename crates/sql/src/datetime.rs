//! Dates and timestamps as PostgreSQL stores them: days / microseconds since
//! 2000-01-01, ISO text input and output (DateStyle ISO). Time zones: UTC
//! and numeric offsets only; timestamptz values print in UTC ("+00").

use crate::error::{SqlError, SqlResult};

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

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
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
    SqlError::invalid_text(type_name, input)
}

fn num(s: &str, type_name: &str, input: &str) -> SqlResult<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 9 {
        return Err(syntax(type_name, input));
    }
    s.parse().map_err(|_| syntax(type_name, input))
}

/// Parses `[+-]HH[:MM]` / `[+-]HHMM` / `Z` / `UTC` into seconds east of UTC.
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
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (&rest[..2], &rest[2..]),
        None => (rest, "0"),
    };
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if h > 15 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Parsed pieces of a date/time literal.
struct Parts {
    days: i32,
    usecs_of_day: i64,
    zone_secs: Option<i64>,
}

fn parse_parts(input: &str, type_name: &str) -> SqlResult<Parts> {
    let s = input.trim();
    let lower = s.to_ascii_lowercase();
    let today = (now_usecs().div_euclid(USECS_PER_DAY)) as i32;
    match lower.as_str() {
        "epoch" => {
            return Ok(Parts {
                days: -(UNIX_TO_PG_DAYS as i32),
                usecs_of_day: 0,
                zone_secs: Some(0),
            })
        }
        "now" => {
            let n = now_usecs();
            return Ok(Parts {
                days: n.div_euclid(USECS_PER_DAY) as i32,
                usecs_of_day: n.rem_euclid(USECS_PER_DAY),
                zone_secs: Some(0),
            });
        }
        "today" => {
            return Ok(Parts {
                days: today,
                usecs_of_day: 0,
                zone_secs: None,
            })
        }
        "tomorrow" => {
            return Ok(Parts {
                days: today + 1,
                usecs_of_day: 0,
                zone_secs: None,
            })
        }
        "yesterday" => {
            return Ok(Parts {
                days: today - 1,
                usecs_of_day: 0,
                zone_secs: None,
            })
        }
        _ => {}
    }
    // Date part.
    let (date_part, rest) = match s.find([' ', 'T', 't']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let fields: Vec<&str> = date_part.split('-').collect();
    let [y, m, d] = fields.as_slice() else {
        return Err(syntax(type_name, input));
    };
    let days = date_from_ymd(
        num(y, type_name, input)?,
        num(m, type_name, input)?,
        num(d, type_name, input)?,
        input,
    )?;
    if rest.is_empty() {
        return Ok(Parts {
            days,
            usecs_of_day: 0,
            zone_secs: None,
        });
    }
    // Time part, then an optional zone.
    let zone_at = rest.find(['+', '-', 'Z', 'z', ' ']).filter(|i| *i > 0);
    let (time, zone) = match zone_at {
        Some(i) => (&rest[..i], Some(rest[i..].trim())),
        None => (rest, None),
    };
    let zone_secs = match zone {
        None | Some("") => None,
        Some(z) => Some(parse_zone(z).ok_or_else(|| syntax(type_name, input))?),
    };
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
    if h > 24 || mi > 59 || secs > 60 || (h == 24 && (mi > 0 || secs > 0 || micros > 0)) {
        return Err(SqlError::new(
            "22008",
            format!("date/time field value out of range: \"{input}\""),
        ));
    }
    let usecs_of_day = ((h * 60 + mi) * 60 + secs) * 1_000_000 + micros;
    Ok(Parts {
        days,
        usecs_of_day,
        zone_secs,
    })
}

pub fn parse_date(input: &str) -> SqlResult<i32> {
    let p = parse_parts(input, "date")?;
    Ok(p.days)
}

/// timestamp without time zone: a zone in the input is ignored, as in PostgreSQL.
pub fn parse_timestamp(input: &str) -> SqlResult<i64> {
    let p = parse_parts(input, "timestamp")?;
    Ok(p.days as i64 * USECS_PER_DAY + p.usecs_of_day)
}

/// timestamp with time zone: no zone in the input means UTC (the session TimeZone is not applied).
pub fn parse_timestamptz(input: &str) -> SqlResult<i64> {
    let p = parse_parts(input, "timestamp with time zone")?;
    Ok(p.days as i64 * USECS_PER_DAY + p.usecs_of_day - p.zone_secs.unwrap_or(0) * 1_000_000)
}

pub fn check_date_range(days: i64) -> SqlResult<i32> {
    if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
        return Err(SqlError::new("22008", "date out of range"));
    }
    Ok(days as i32)
}

pub fn format_date(days: i32) -> String {
    let (y, m, d) = ymd_from_date(days);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn format_timestamp(usecs: i64) -> String {
    let days = usecs.div_euclid(USECS_PER_DAY);
    let tod = usecs.rem_euclid(USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days + UNIX_TO_PG_DAYS);
    let secs = tod / 1_000_000;
    let micros = tod % 1_000_000;
    let mut out = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if micros > 0 {
        let f = format!("{micros:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

pub fn format_timestamptz(usecs: i64) -> String {
    format!("{}+00", format_timestamp(usecs))
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
        assert_eq!(parse_date("x").unwrap_err().sqlstate, "22P02");
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
}
