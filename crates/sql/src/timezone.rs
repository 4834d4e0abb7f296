//! The session's TimeZone and DateStyle as PostgreSQL applies them: a zone
//! (IANA name from the bundled tz database, a POSIX-style string, or a fixed
//! offset from `SET TIME ZONE -7`) that timestamptz input without an offset
//! is read in and output is shown in, and the date style/field order of
//! date and timestamp text. [`DateTimeConfig`] carries both into evaluation;
//! its default (UTC, `ISO, MDY`) is what code without a session uses.

use std::sync::{Arc, LazyLock};

use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::datetime::USECS_PER_DAY;
use crate::error::{SqlError, SqlResult};

/// Microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch).
const PG_EPOCH_UNIX_USECS: i64 = 10_957 * USECS_PER_DAY;
/// jiff's supported instants (years -9999..=9999), in seconds since 1970.
const JIFF_MIN_UNIX_SECS: i64 = -377_705_116_800;
const JIFF_MAX_UNIX_SECS: i64 = 253_402_207_199;

#[derive(Clone, Debug)]
enum Rules {
    /// A fixed offset, seconds east of UTC, with the abbreviation output uses.
    Fixed { east: i32, abbrev: Arc<str> },
    /// Rules from the tz database or a POSIX TZ string.
    Tz(TimeZone),
}

/// A time zone as the TimeZone setting names it.
#[derive(Clone, Debug)]
pub struct SessionZone {
    /// What SHOW TimeZone prints.
    name: Arc<str>,
    rules: Rules,
}

impl SessionZone {
    pub fn utc() -> SessionZone {
        SessionZone {
            name: Arc::from("UTC"),
            rules: Rules::Fixed {
                east: 0,
                abbrev: Arc::from("UTC"),
            },
        }
    }

    /// PostgreSQL's check_timezone: a number of hours east (`-7`, `5.5`), an
    /// `INTERVAL '...'` offset handled by the caller, a tz database name
    /// (case-insensitive), or a POSIX TZ string (`+05:30`, `EST5EDT`, whose
    /// offsets count west). None when PostgreSQL would reject it.
    pub fn parse(value: &str) -> Option<SessionZone> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if let Some(hours) = numeric_hours(v) {
            let east = (hours * 3600.0).round();
            if east.abs() > 15.0 * 3600.0 {
                return None;
            }
            return Some(SessionZone::fixed_offset(east as i32));
        }
        if v.eq_ignore_ascii_case("utc") || v.eq_ignore_ascii_case("z") {
            return Some(SessionZone::utc());
        }
        if let Some(west) = posix_offset(v) {
            return Some(SessionZone {
                name: Arc::from(v),
                rules: Rules::Fixed {
                    east: -west,
                    abbrev: Arc::from(offset_text(-west).as_str()),
                },
            });
        }
        if let Ok(tz) = TimeZone::get(v) {
            let name = tz.iana_name().unwrap_or(v).to_string();
            return Some(SessionZone {
                name: Arc::from(name.as_str()),
                rules: Rules::Tz(tz),
            });
        }
        // A POSIX TZ string needs an offset after its abbreviation (`UTC+5`,
        // `EST5EDT,M3.2.0,M11.1.0`); a bare word is an unknown name.
        if v.bytes().any(|b| b.is_ascii_digit()) {
            if let Ok(tz) = TimeZone::posix(v) {
                return Some(SessionZone {
                    name: Arc::from(v),
                    rules: Rules::Tz(tz),
                });
            }
        }
        None
    }

    /// A zone at a fixed offset (seconds east), named as PostgreSQL names the
    /// zones `SET TIME ZONE <number>` and `INTERVAL` make: `<-07>+07`.
    pub fn fixed_offset(east: i32) -> SessionZone {
        let abs = offset_digits(east.unsigned_abs());
        let name = if east < 0 {
            format!("<-{abs}>+{abs}")
        } else {
            format!("<+{abs}>-{abs}")
        };
        SessionZone {
            name: Arc::from(name.as_str()),
            rules: Rules::Fixed {
                east,
                abbrev: Arc::from(offset_text(east).as_str()),
            },
        }
    }

    /// What SHOW TimeZone prints.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of UTC in force at `utc` (microseconds since 2000-01-01).
    pub fn offset_at(&self, utc: i64) -> i32 {
        match &self.rules {
            Rules::Fixed { east, .. } => *east,
            Rules::Tz(tz) => tz.to_offset(jiff_timestamp(utc)).seconds(),
        }
    }

    /// The zone abbreviation in force at `utc` (`PST`, `CEST`, `+0530`).
    pub fn abbrev_at(&self, utc: i64) -> String {
        match &self.rules {
            Rules::Fixed { abbrev, .. } => abbrev.to_string(),
            Rules::Tz(tz) => tz
                .to_offset_info(jiff_timestamp(utc))
                .abbreviation()
                .to_string(),
        }
    }

    /// The instant a local wall-clock time names in this zone. As in
    /// PostgreSQL, a time skipped by a spring-forward transition is read
    /// with the offset before it, and a time repeated by a fall-back one
    /// as the later (standard-time) instant.
    pub fn local_to_utc(&self, local: i64) -> i64 {
        match &self.rules {
            Rules::Fixed { east, .. } => local - *east as i64 * 1_000_000,
            Rules::Tz(tz) => {
                let secs = local.div_euclid(1_000_000) + PG_EPOCH_UNIX_USECS / 1_000_000;
                let Ok(civil) = jiff::Timestamp::from_second(
                    secs.clamp(JIFF_MIN_UNIX_SECS + 86_400, JIFF_MAX_UNIX_SECS - 86_400),
                )
                .map(|t| TimeZone::UTC.to_datetime(t)) else {
                    return local;
                };
                let east = match tz.to_ambiguous_timestamp(civil).offset() {
                    AmbiguousOffset::Unambiguous { offset } => offset,
                    AmbiguousOffset::Gap { before, .. } => before,
                    AmbiguousOffset::Fold { after, .. } => after,
                };
                local - east.seconds() as i64 * 1_000_000
            }
        }
    }

    /// Local wall-clock microseconds (since 2000-01-01) of the instant `utc`.
    pub fn utc_to_local(&self, utc: i64) -> i64 {
        utc.saturating_add(self.offset_at(utc) as i64 * 1_000_000)
    }
}

fn jiff_timestamp(utc: i64) -> jiff::Timestamp {
    let secs = utc.div_euclid(1_000_000) + PG_EPOCH_UNIX_USECS / 1_000_000;
    jiff::Timestamp::from_second(secs.clamp(JIFF_MIN_UNIX_SECS, JIFF_MAX_UNIX_SECS))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// `AT TIME ZONE INTERVAL '-08:00'`: a fixed zone that many hours east.
pub fn interval_zone(iv: &crate::interval::Interval) -> SqlResult<SessionZone> {
    let text = crate::interval::format_interval(iv);
    if iv.months != 0 || iv.days != 0 {
        return Err(SqlError::new(
            "22023",
            format!("interval time zone \"{text}\" must not include months or days"),
        ));
    }
    let east = iv.micros.div_euclid(1_000_000);
    if east.abs() > 15 * 3600 {
        return Err(SqlError::new(
            "22023",
            format!("interval time zone \"{text}\" must not include months or days"),
        ));
    }
    Ok(SessionZone::fixed_offset(east as i32))
}

/// `SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE`: the interval as the
/// hours-east number the TimeZone setting takes.
pub fn interval_zone_hours(text: &str) -> SqlResult<String> {
    let iv = crate::interval::parse_interval(text)?;
    if iv.months != 0 {
        return Err(SqlError::new(
            "22023",
            "invalid interval value for time zone: month not allowed",
        ));
    }
    if iv.days != 0 {
        return Err(SqlError::new(
            "22023",
            "invalid interval value for time zone: day not allowed",
        ));
    }
    Ok((iv.micros as f64 / 3_600_000_000.0).to_string())
}

/// The `name=value` settings of a startup `options` string (`-c a=b`,
/// `--a=b`; words split on spaces, `\ ` keeps a space), as PostgreSQL's
/// backend reads them.
pub fn startup_options(options: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            ' ' | '\t' => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut out = Vec::new();
    let mut iter = words.into_iter();
    while let Some(w) = iter.next() {
        let setting = if w == "-c" {
            iter.next()
        } else {
            w.strip_prefix("--")
                .or_else(|| w.strip_prefix("-c"))
                .map(str::to_string)
        };
        if let Some((name, value)) = setting.as_deref().and_then(|s| s.split_once('=')) {
            out.push((name.replace('-', "_"), value.to_string()));
        }
    }
    out
}

/// `-7`, `5.5`, `+3`: hours east, as strtod reads the whole value.
fn numeric_hours(v: &str) -> Option<f64> {
    let digits = v.trim_start_matches(['+', '-']);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    v.parse::<f64>().ok()
}

/// A POSIX offset alone (`+05:30`, `-8`, `08:00`): seconds WEST of UTC.
fn posix_offset(v: &str) -> Option<i32> {
    let (sign, rest) = match v.as_bytes().first()? {
        b'+' => (1, &v[1..]),
        b'-' => (-1, &v[1..]),
        _ => (1, v),
    };
    let mut parts = rest.split(':');
    let mut total = 0i32;
    let mut count = 0;
    for (i, p) in parts.by_ref().enumerate() {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) || i > 2 {
            return None;
        }
        let n: i32 = p.parse().ok()?;
        if i > 0 && n > 59 {
            return None;
        }
        total += n * [3600, 60, 1][i];
        count += 1;
    }
    (count >= 2 || v.starts_with(['+', '-'])).then_some(sign * total)
}

/// `07`, `05:30`, `07:52:58`: an offset's digits as PostgreSQL writes them.
fn offset_digits(abs: u32) -> String {
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    match (m, s) {
        (0, 0) => format!("{h:02}"),
        (_, 0) => format!("{h:02}:{m:02}"),
        _ => format!("{h:02}:{m:02}:{s:02}"),
    }
}

/// `+00`, `-07`, `+05:30`: an offset (seconds east) in timestamptz output.
pub fn offset_text(east: i32) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    format!("{sign}{}", offset_digits(east.unsigned_abs()))
}

/// DateStyle's output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputStyle {
    Iso,
    Postgres,
    Sql,
    German,
}

/// DateStyle's field order, for output and for ambiguous input (`03/09/2010`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOrder {
    Mdy,
    Dmy,
    Ymd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateStyle {
    pub output: OutputStyle,
    pub order: FieldOrder,
}

impl Default for DateStyle {
    fn default() -> DateStyle {
        DateStyle {
            output: OutputStyle::Iso,
            order: FieldOrder::Mdy,
        }
    }
}

impl DateStyle {
    /// PostgreSQL's check_datestyle: a list of a style and/or an order,
    /// applied over `current`; None when invalid or conflicting.
    pub fn parse(value: &str, current: DateStyle) -> Option<DateStyle> {
        let mut next = current;
        let (mut have_style, mut have_order) = (false, false);
        for token in value.split([',', ' ']).filter(|t| !t.is_empty()) {
            let t = token.to_ascii_uppercase();
            let (style, order) = match t.as_str() {
                "ISO" => (Some(OutputStyle::Iso), None),
                "SQL" => (Some(OutputStyle::Sql), None),
                "POSTGRES" => (Some(OutputStyle::Postgres), None),
                "GERMAN" => (Some(OutputStyle::German), None),
                "YMD" => (None, Some(FieldOrder::Ymd)),
                "DMY" | "EURO" | "EUROPEAN" => (None, Some(FieldOrder::Dmy)),
                "MDY" | "US" | "NONEURO" | "NONEUROPEAN" => (None, Some(FieldOrder::Mdy)),
                "DEFAULT" => {
                    let d = DateStyle::default();
                    (Some(d.output), Some(d.order))
                }
                _ => return None,
            };
            if let Some(s) = style {
                if have_style && next.output != s {
                    return None;
                }
                next.output = s;
                have_style = true;
                if s == OutputStyle::German && !have_order {
                    next.order = FieldOrder::Dmy;
                }
            }
            if let Some(o) = order {
                if have_order && next.order != o {
                    return None;
                }
                next.order = o;
                have_order = true;
            }
        }
        Some(next)
    }

    /// The canonical text SHOW prints (`ISO, MDY`, `Postgres, DMY`).
    pub fn to_setting(self) -> String {
        let style = match self.output {
            OutputStyle::Iso => "ISO",
            OutputStyle::Postgres => "Postgres",
            OutputStyle::Sql => "SQL",
            OutputStyle::German => "German",
        };
        let order = match self.order {
            FieldOrder::Mdy => "MDY",
            FieldOrder::Dmy => "DMY",
            FieldOrder::Ymd => "YMD",
        };
        format!("{style}, {order}")
    }
}

/// IntervalStyle: how interval values print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IntervalStyle {
    #[default]
    Postgres,
    PostgresVerbose,
    SqlStandard,
    Iso8601,
}

impl IntervalStyle {
    pub fn parse(value: &str) -> Option<IntervalStyle> {
        Some(match value.trim().to_ascii_lowercase().as_str() {
            "postgres" => IntervalStyle::Postgres,
            "postgres_verbose" => IntervalStyle::PostgresVerbose,
            "sql_standard" => IntervalStyle::SqlStandard,
            "iso_8601" => IntervalStyle::Iso8601,
            _ => return None,
        })
    }

    /// What SHOW IntervalStyle prints.
    pub fn name(self) -> &'static str {
        match self {
            IntervalStyle::Postgres => "postgres",
            IntervalStyle::PostgresVerbose => "postgres_verbose",
            IntervalStyle::SqlStandard => "sql_standard",
            IntervalStyle::Iso8601 => "iso_8601",
        }
    }
}

/// What date/time input and output read from the session.
#[derive(Clone, Debug)]
pub struct DateTimeConfig {
    pub zone: SessionZone,
    pub style: DateStyle,
    pub interval: IntervalStyle,
}

impl Default for DateTimeConfig {
    fn default() -> DateTimeConfig {
        DateTimeConfig {
            zone: SessionZone::utc(),
            style: DateStyle::default(),
            interval: IntervalStyle::default(),
        }
    }
}

static DEFAULT_CONFIG: LazyLock<DateTimeConfig> = LazyLock::new(DateTimeConfig::default);

impl DateTimeConfig {
    /// UTC and `ISO, MDY`: for code that runs without a session.
    pub fn standard() -> &'static DateTimeConfig {
        &DEFAULT_CONFIG
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usecs(s: &str) -> i64 {
        crate::datetime::parse_timestamp(s).unwrap()
    }

    #[test]
    fn names_show_as_postgres_shows_them() {
        assert_eq!(SessionZone::parse("-7").unwrap().name(), "<-07>+07");
        assert_eq!(SessionZone::parse("5.5").unwrap().name(), "<+05:30>-05:30");
        assert_eq!(
            SessionZone::parse("america/new_york").unwrap().name(),
            "America/New_York"
        );
        assert_eq!(SessionZone::parse("+05:30").unwrap().name(), "+05:30");
        assert_eq!(SessionZone::parse("+05:30").unwrap().offset_at(0), -19_800);
        assert!(SessionZone::parse("foo").is_none());
        assert!(SessionZone::parse("America/Nowhere").is_none());
        assert!(SessionZone::parse("PST8PDT").is_some());
    }

    #[test]
    fn offsets_follow_daylight_saving_time() {
        let la = SessionZone::parse("America/Los_Angeles").unwrap();
        assert_eq!(la.offset_at(usecs("2024-07-01 19:00:00")), -7 * 3600);
        assert_eq!(la.offset_at(usecs("2024-01-01 20:00:00")), -8 * 3600);
        assert_eq!(la.abbrev_at(usecs("2024-01-01 20:00:00")), "PST");
        // 02:30 does not exist on 2024-03-10: read with the offset before (-08).
        assert_eq!(
            la.local_to_utc(usecs("2024-03-10 02:30:00")),
            usecs("2024-03-10 10:30:00")
        );
        // 01:30 happens twice on 2024-11-03: the later one (-08).
        assert_eq!(
            la.local_to_utc(usecs("2024-11-03 01:30:00")),
            usecs("2024-11-03 09:30:00")
        );
    }

    #[test]
    fn startup_options_yield_settings() {
        assert_eq!(
            startup_options("-c TimeZone=America/New_York --datestyle=SQL,\\ DMY -cfoo=1"),
            vec![
                ("TimeZone".to_string(), "America/New_York".to_string()),
                ("datestyle".to_string(), "SQL, DMY".to_string()),
                ("foo".to_string(), "1".to_string()),
            ]
        );
    }

    #[test]
    fn datestyle_parses_like_postgres() {
        let d = DateStyle::default();
        assert_eq!(
            DateStyle::parse("Postgres, MDY", d).unwrap().to_setting(),
            "Postgres, MDY"
        );
        assert_eq!(
            DateStyle::parse("german", d).unwrap().to_setting(),
            "German, DMY"
        );
        assert_eq!(DateStyle::parse("dmy", d).unwrap().to_setting(), "ISO, DMY");
        assert_eq!(
            DateStyle::parse("sql, dmy", d).unwrap().to_setting(),
            "SQL, DMY"
        );
        assert!(DateStyle::parse("iso, sql", d).is_none());
        assert!(DateStyle::parse("nonsense", d).is_none());
    }
}
