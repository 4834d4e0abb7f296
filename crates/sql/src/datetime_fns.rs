//! Date/time functions that depend on the session's TimeZone: `make_date`,
//! `make_timestamp`, `make_timestamptz`, `age`, and `to_char` on dates,
//! timestamps and timestamptz (with the `TZ` / `OF` patterns).

use crate::datetime::{self, USECS_PER_DAY};
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::interval::Interval;
use crate::timezone::DateTimeConfig;

/// The functions of this module (all strict).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtFn {
    MakeDate,
    MakeTimestamp,
    /// make_timestamptz(y, m, d, h, mi, sec [, zone]).
    MakeTimestampTz,
    /// age(a, b) on timestamp or timestamptz; age(a): from today's midnight.
    Age,
    ToChar,
    /// to_timestamp(seconds since 1970-01-01 UTC).
    ToTimestamp,
}

fn int(d: &Datum) -> SqlResult<i64> {
    d.as_i64()
        .ok_or_else(|| SqlError::internal("integer argument expected"))
}

fn float(d: &Datum) -> SqlResult<f64> {
    d.as_f64()
        .ok_or_else(|| SqlError::internal("numeric argument expected"))
}

/// Evaluates `f` on non-NULL arguments of the types the binder chose.
pub fn call(f: DtFn, args: &[Datum], dt: &DateTimeConfig, now: i64) -> SqlResult<Datum> {
    Ok(match f {
        DtFn::MakeDate => Datum::Date(make_date(int(&args[0])?, int(&args[1])?, int(&args[2])?)?),
        DtFn::MakeTimestamp => Datum::Timestamp(make_timestamp(args)?),
        DtFn::MakeTimestampTz => {
            let local = make_timestamp(args)?;
            let utc = match args.get(6) {
                Some(Datum::Text(zone)) => datetime::zone_named(zone)?.local_to_utc(local),
                _ => dt.zone.local_to_utc(local),
            };
            Datum::TimestampTz(utc)
        }
        DtFn::Age => {
            let local = |d: &Datum| match d {
                Datum::TimestampTz(t) => Ok(dt.zone.utc_to_local(*t)),
                Datum::Timestamp(t) => Ok(*t),
                _ => Err(SqlError::internal("timestamp argument expected")),
            };
            let (a, b) = match args {
                [a] => {
                    let today = dt.zone.utc_to_local(now).div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
                    (today, local(a)?)
                }
                [a, b, ..] => (local(a)?, local(b)?),
                [] => return Err(SqlError::internal("age without arguments")),
            };
            Datum::Interval(age(a, b))
        }
        DtFn::ToTimestamp => {
            let secs = float(&args[0])?;
            if secs.is_nan() {
                return Err(SqlError::new("22008", "timestamp cannot be NaN"));
            }
            // Seconds since 2000-01-01, in range of the supported dates.
            let micros = ((secs - 946_684_800.0) * 1_000_000.0).round();
            let out_of_range =
                || SqlError::new("22008", format!("timestamp out of range: \"{secs}\""));
            if !micros.is_finite() || micros.abs() > 9.2e18 {
                return Err(out_of_range());
            }
            let micros = micros as i64;
            datetime::check_date_range(micros.div_euclid(USECS_PER_DAY))
                .map_err(|_| out_of_range())?;
            Datum::TimestampTz(micros)
        }
        DtFn::ToChar => {
            let Datum::Text(format) = &args[1] else {
                return Err(SqlError::internal("to_char format expected"));
            };
            Datum::Text(match &args[0] {
                Datum::Date(d) => to_char(*d as i64 * USECS_PER_DAY, None, format),
                Datum::Timestamp(t) => to_char(*t, None, format),
                Datum::TimestampTz(t) => {
                    let east = dt.zone.offset_at(*t);
                    let abbrev = dt.zone.abbrev_at(*t);
                    to_char(
                        t + east as i64 * 1_000_000,
                        Some((east, abbrev.as_str())),
                        format,
                    )
                }
                _ => return Err(SqlError::internal("to_char argument expected")),
            })
        }
    })
}

fn make_date(y: i64, m: i64, d: i64) -> SqlResult<i32> {
    let text = format!("{y}-{m:02}-{d:02}");
    datetime::date_from_ymd(y, m, d, &text).map_err(|_| {
        SqlError::new(
            "22008",
            format!("date field value out of range: {y}-{m:02}-{d:02}"),
        )
    })
}

fn make_timestamp(args: &[Datum]) -> SqlResult<i64> {
    let (y, m, d) = (int(&args[0])?, int(&args[1])?, int(&args[2])?);
    let (h, mi, sec) = (int(&args[3])?, int(&args[4])?, float(&args[5])?);
    let days = make_date(y, m, d)?;
    let micros = (sec * 1_000_000.0).round();
    if !(0..=23).contains(&h) || !(0..=59).contains(&mi) || !(0.0..60_000_000.0).contains(&micros) {
        return Err(SqlError::new(
            "22008",
            format!("time field value out of range: {h}:{mi:02}:{sec:02}"),
        ));
    }
    Ok(days as i64 * USECS_PER_DAY + (h * 60 + mi) * 60_000_000 + micros as i64)
}

/// PostgreSQL's timestamp_age: field-wise difference of two wall-clock
/// times, borrowing from the next field (days by the month of the earlier
/// value's side), as years/months + days + time.
fn age(a: i64, b: i64) -> Interval {
    let (y1, m1, d1, h1, mi1, us1) = datetime::fields(a);
    let (y2, m2, d2, h2, mi2, us2) = datetime::fields(b);
    let mut f = [us1 - us2, mi1 - mi2, h1 - h2, d1 - d2, m1 - m2, y1 - y2];
    let flip = a < b;
    if flip {
        f.iter_mut().for_each(|v| *v = -*v);
    }
    let [us, mi, h, d, m, y] = &mut f;
    while *us < 0 {
        *us += 60_000_000;
        *mi -= 1;
    }
    while *mi < 0 {
        *mi += 60;
        *h -= 1;
    }
    while *h < 0 {
        *h += 24;
        *d -= 1;
    }
    while *d < 0 {
        let (yy, mm) = if flip { (y1, m1) } else { (y2, m2) };
        *d += datetime::days_in_month(yy, mm);
        *m -= 1;
    }
    while *m < 0 {
        *m += 12;
        *y -= 1;
    }
    if flip {
        f.iter_mut().for_each(|v| *v = -*v);
    }
    let [us, mi, h, d, m, y] = f;
    Interval {
        months: (y * 12 + m) as i32,
        days: d as i32,
        micros: (h * 60 + mi) * 60_000_000 + us,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Writes a name in the pattern's case (`MONTH`, `Month`, `month`), padded
/// to `width` unless FM.
fn push_name(out: &mut String, name: &str, pattern: &str, width: usize, fill: bool) {
    let cased = if pattern
        .chars()
        .nth(1)
        .is_some_and(|c| c.is_ascii_uppercase())
    {
        name.to_ascii_uppercase()
    } else if pattern.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.to_ascii_lowercase()
    } else {
        name.to_string()
    };
    if fill {
        out.push_str(&format!("{cased:<width$}"));
    } else {
        out.push_str(&cased);
    }
}

fn ordinal_suffix(n: i64, upper: bool) -> &'static str {
    let s = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    match (upper, s) {
        (false, s) => s,
        (true, "st") => "ST",
        (true, "nd") => "ND",
        (true, "rd") => "RD",
        (true, _) => "TH",
    }
}

/// ISO 8601 week-numbering year and week of a day (days since 2000-01-01).
pub(crate) fn iso_week(days: i64) -> (i64, i64) {
    let isodow = (days + 5).rem_euclid(7) + 1;
    // The Thursday of this week decides the year.
    let thursday = days - isodow + 4;
    let (year, _, _) = datetime::ymd_from_date(thursday as i32);
    let jan1 = datetime::days_of(year, 1, 1);
    (year, (thursday - jan1) / 7 + 1)
}

/// to_char on a wall-clock time; `zone` (offset east, abbreviation) for
/// timestamptz.
fn to_char(local: i64, zone: Option<(i32, &str)>, format: &str) -> String {
    let (y, m, d, h, mi, us) = datetime::fields(local);
    let days = local.div_euclid(USECS_PER_DAY);
    let dow = (days + 6).rem_euclid(7);
    let doy = days - datetime::days_of(y, 1, 1) + 1;
    let sec = us / 1_000_000;
    let frac = us % 1_000_000;
    // Patterns, longest first where one is a prefix of another.
    const PATTERNS: &[&str] = &[
        "HH24", "HH12", "HH", "MI", "SSSSS", "SSSS", "SS", "MS", "US", "FF1", "FF2", "FF3", "FF4",
        "FF5", "FF6", "A.M.", "a.m.", "P.M.", "p.m.", "AM", "am", "PM", "pm", "Y,YYY", "YYYY",
        "YYY", "YY", "Y", "IYYY", "MONTH", "Month", "month", "MON", "Mon", "mon", "MM", "DAY",
        "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D", "IDDD", "ID", "IW", "WW", "W", "Q", "CC",
        "J", "TZH", "TZM", "TZ", "tz", "OF",
    ];
    let mut out = String::new();
    let mut rest = format;
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        if let Some(escaped) = rest.strip_prefix('\\') {
            let mut chars = escaped.chars();
            out.extend(chars.next());
            rest = chars.as_str();
            continue;
        }
        let (fill, body) = match rest.strip_prefix("FM").or_else(|| rest.strip_prefix("fm")) {
            Some(b) => (false, b),
            None => (true, rest),
        };
        // Names, AM/PM and TZ spell their output case; numeric patterns
        // match in any case (`hh24`, `yyyy`).
        let matches = |p: &&&str| {
            let p: &str = p;
            let Some(head) = body.get(..p.len()) else {
                return false;
            };
            head == p
                || (!p.chars().any(|c| c.is_ascii_lowercase())
                    && ![
                        "MONTH", "MON", "DAY", "DY", "AM", "PM", "A.M.", "P.M.", "TZ",
                    ]
                    .contains(&p)
                    && head.eq_ignore_ascii_case(p))
        };
        let Some(pattern) = PATTERNS.iter().find(matches) else {
            let mut chars = rest.chars();
            out.extend(chars.next());
            rest = chars.as_str();
            continue;
        };
        let after = &body[pattern.len()..];
        let (suffix, after) = match after.get(..2) {
            Some("TH") => (Some(true), &after[2..]),
            Some("th") => (Some(false), &after[2..]),
            _ => (None, after),
        };
        let num = |out: &mut String, v: i64, width: usize| {
            if fill {
                out.push_str(&format!("{v:0width$}"));
            } else {
                out.push_str(&v.to_string());
            }
            if let Some(upper) = suffix {
                out.push_str(ordinal_suffix(v, upper));
            }
        };
        let hour12 = if h % 12 == 0 { 12 } else { h % 12 };
        match pattern.to_ascii_uppercase().as_str() {
            "HH24" => num(&mut out, h, 2),
            "HH12" | "HH" => num(&mut out, hour12, 2),
            "MI" => num(&mut out, mi, 2),
            "SS" => num(&mut out, sec, 2),
            "SSSS" | "SSSSS" => num(&mut out, (h * 60 + mi) * 60 + sec, 0),
            "MS" => num(&mut out, frac / 1000, 3),
            "US" => num(&mut out, frac, 6),
            p if p.starts_with("FF") => {
                let digits = p[2..].parse::<u32>().unwrap_or(6);
                num(&mut out, frac / 10i64.pow(6 - digits), digits as usize)
            }
            "AM" | "PM" | "A.M." | "P.M." => {
                let pm = h >= 12;
                let text = match (pattern.contains('.'), pm) {
                    (false, false) => "AM",
                    (false, true) => "PM",
                    (true, false) => "A.M.",
                    (true, true) => "P.M.",
                };
                if pattern.starts_with(|c: char| c.is_ascii_lowercase()) {
                    out.push_str(&text.to_ascii_lowercase());
                } else {
                    out.push_str(text);
                }
            }
            "Y,YYY" => out.push_str(&format!("{},{:03}", y / 1000, y % 1000)),
            "YYYY" => num(&mut out, y, 4),
            "YYY" => num(&mut out, y % 1000, 3),
            "YY" => num(&mut out, y % 100, 2),
            "Y" => num(&mut out, y % 10, 1),
            "IYYY" => num(&mut out, iso_week(days).0, 4),
            "MONTH" => push_name(&mut out, MONTHS[(m - 1) as usize], pattern, 9, fill),
            "MON" => push_name(&mut out, &MONTHS[(m - 1) as usize][..3], pattern, 3, false),
            "MM" => num(&mut out, m, 2),
            "DAY" => push_name(&mut out, DAYS[dow as usize], pattern, 9, fill),
            "DY" => push_name(&mut out, &DAYS[dow as usize][..3], pattern, 3, false),
            "DDD" => num(&mut out, doy, 3),
            "IDDD" => {
                let (iy, _) = iso_week(days);
                let monday_week1 = {
                    let jan4 = datetime::days_of(iy, 1, 4);
                    jan4 - (jan4 + 5).rem_euclid(7)
                };
                num(&mut out, days - monday_week1 + 1, 3)
            }
            "DD" => num(&mut out, d, 2),
            "D" => num(&mut out, dow + 1, 1),
            "ID" => num(&mut out, (days + 5).rem_euclid(7) + 1, 1),
            "IW" => num(&mut out, iso_week(days).1, 2),
            "WW" => num(&mut out, (doy - 1) / 7 + 1, 2),
            "W" => num(&mut out, (d - 1) / 7 + 1, 1),
            "Q" => num(&mut out, (m - 1) / 3 + 1, 1),
            "CC" => num(&mut out, (y + 99) / 100, 2),
            // Julian day: 2000-01-01 is JD 2451545.
            "J" => num(&mut out, days + 2_451_545, 0),
            "TZH" | "TZM" | "TZ" | "OF" => {
                if let Some((east, abbrev)) = zone {
                    let sign = if east < 0 { '-' } else { '+' };
                    let abs = east.unsigned_abs();
                    match pattern.to_ascii_uppercase().as_str() {
                        "TZH" => out.push_str(&format!("{sign}{:02}", abs / 3600)),
                        "TZM" => out.push_str(&format!("{:02}", abs / 60 % 60)),
                        "OF" => out.push_str(&crate::timezone::offset_text(east)),
                        _ if *pattern == "tz" => out.push_str(&abbrev.to_ascii_lowercase()),
                        _ => out.push_str(abbrev),
                    }
                }
            }
            _ => out.push_str(pattern),
        }
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timezone::{DateStyle, SessionZone};

    fn la() -> DateTimeConfig {
        DateTimeConfig {
            zone: SessionZone::parse("America/Los_Angeles").unwrap(),
            style: DateStyle::default(),
            interval: Default::default(),
        }
    }

    fn text(d: Datum) -> String {
        d.to_text_in(1, &la()).unwrap()
    }

    #[test]
    fn to_char_formats_in_the_session_zone() {
        let t = crate::datetime::parse_timestamptz_in("2024-07-01 19:04:05.5+00", &la()).unwrap();
        let f = |fmt: &str| {
            text(
                call(
                    DtFn::ToChar,
                    &[Datum::TimestampTz(t), Datum::Text(fmt.into())],
                    &la(),
                    0,
                )
                .unwrap(),
            )
        };
        assert_eq!(
            f("YYYY-MM-DD HH24:MI:SS.MS TZ OF"),
            "2024-07-01 12:04:05.500 PDT -07"
        );
        assert_eq!(
            f("Day, DDth Month YYYY HH12 am"),
            "Monday   , 01st July      2024 12 pm"
        );
        assert_eq!(
            f("FMDay FMMonth FMDD \"at\" FMHH12:MI"),
            "Monday July 1 at 12:04"
        );
    }

    #[test]
    fn age_borrows_like_postgres() {
        let ts = |s: &str| crate::datetime::parse_timestamp(s).unwrap();
        let iv = age(ts("2001-04-10"), ts("1957-06-13"));
        assert_eq!(
            crate::interval::format_interval(&iv),
            "43 years 9 mons 27 days"
        );
        let iv = age(ts("1957-06-13"), ts("2001-04-10"));
        assert_eq!(
            crate::interval::format_interval(&iv),
            "-43 years -9 mons -27 days"
        );
    }

    #[test]
    fn make_timestamptz_reads_the_session_zone() {
        let args = [
            Datum::Int4(2024),
            Datum::Int4(7),
            Datum::Int4(1),
            Datum::Int4(12),
            Datum::Int4(0),
            Datum::Float8(0.0),
        ];
        let v = call(DtFn::MakeTimestampTz, &args, &la(), 0).unwrap();
        assert_eq!(text(v), "2024-07-01 12:00:00-07");
        assert!(make_date(2024, 2, 30).is_err());
    }
}
