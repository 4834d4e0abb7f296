//! interval, time, bytea and uuid: text I/O in PostgreSQL's default styles
//! (IntervalStyle `postgres`, bytea_output `hex`) and interval arithmetic
//! with dates, timestamps and times.

use crate::datetime::{self, USECS_PER_DAY};
use crate::error::{SqlError, SqlResult};

pub const USECS_PER_HOUR: i64 = 3_600_000_000;
pub const USECS_PER_SEC: i64 = 1_000_000;
const DAYS_PER_MONTH: i64 = 30;

/// PostgreSQL's interval: months, days and microseconds kept apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

fn out_of_range() -> SqlError {
    SqlError::new("22008", "interval out of range")
}

impl Interval {
    /// The span used for comparisons (a month is 30 days, a day 24 hours).
    pub fn span(&self) -> i128 {
        (self.months as i128 * DAYS_PER_MONTH as i128 + self.days as i128) * USECS_PER_DAY as i128
            + self.micros as i128
    }

    pub fn add(&self, o: &Interval) -> SqlResult<Interval> {
        Ok(Interval {
            months: self.months.checked_add(o.months).ok_or_else(out_of_range)?,
            days: self.days.checked_add(o.days).ok_or_else(out_of_range)?,
            micros: self.micros.checked_add(o.micros).ok_or_else(out_of_range)?,
        })
    }

    pub fn neg(&self) -> SqlResult<Interval> {
        Ok(Interval {
            months: self.months.checked_neg().ok_or_else(out_of_range)?,
            days: self.days.checked_neg().ok_or_else(out_of_range)?,
            micros: self.micros.checked_neg().ok_or_else(out_of_range)?,
        })
    }

    /// interval * factor, cascading fractions down as PostgreSQL's interval_mul.
    pub fn mul(&self, factor: f64) -> SqlResult<Interval> {
        let tsround = |x: f64| (x * 1e6).round_ties_even() / 1e6;
        let m = self.months as f64 * factor;
        let d = self.days as f64 * factor;
        if !m.is_finite()
            || !d.is_finite()
            || m.abs() > i32::MAX as f64
            || d.abs() > i32::MAX as f64
        {
            return Err(out_of_range());
        }
        let months = m.trunc();
        let mut days = d.trunc();
        let month_rem_days = tsround((m - months) * DAYS_PER_MONTH as f64);
        let mut sec_rem = tsround((d - days + month_rem_days - month_rem_days.trunc()) * 86400.0);
        if sec_rem.abs() >= 86400.0 {
            days += (sec_rem / 86400.0).trunc();
            sec_rem -= (sec_rem / 86400.0).trunc() * 86400.0;
        }
        days += month_rem_days.trunc();
        let micros = (self.micros as f64 * factor + sec_rem * 1e6).round_ties_even();
        if !micros.is_finite() || micros.abs() >= 9.2e18 || days.abs() > i32::MAX as f64 {
            return Err(out_of_range());
        }
        Ok(Interval {
            months: months as i32,
            days: days as i32,
            micros: micros as i64,
        })
    }

    pub fn div(&self, divisor: f64) -> SqlResult<Interval> {
        if divisor == 0.0 {
            return Err(SqlError::division_by_zero());
        }
        self.mul(1.0 / divisor)
    }
}

/// Output in IntervalStyle `postgres`: `1 year 2 mons -3 days +04:05:06.5`.
pub fn format_interval(iv: &Interval) -> String {
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |out: &mut String, v: i64, unit: &str| {
        if v == 0 {
            return;
        }
        if !is_zero {
            out.push(' ');
        }
        if is_before && v > 0 {
            out.push('+');
        }
        out.push_str(&format!("{v} {unit}{}", if v != 1 { "s" } else { "" }));
        is_before = v < 0;
        is_zero = false;
    };
    let years = iv.months / 12;
    let mons = iv.months % 12;
    part(&mut out, years as i64, "year");
    part(&mut out, mons as i64, "mon");
    part(&mut out, iv.days as i64, "day");
    let t = iv.micros;
    if is_zero || t != 0 {
        let minus = t < 0;
        let a = t.unsigned_abs();
        let hours = a / USECS_PER_HOUR as u64;
        let mins = (a / 60_000_000) % 60;
        let secs = (a / 1_000_000) % 60;
        let frac = a % 1_000_000;
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
        out.push_str(&format!("{hours:02}:{mins:02}:{secs:02}"));
        push_fraction(&mut out, frac);
    }
    out
}

/// Interval output under IntervalStyle (`postgres` is [`format_interval`]).
pub fn format_interval_in(iv: &Interval, style: crate::timezone::IntervalStyle) -> String {
    use crate::timezone::IntervalStyle;
    // PostgreSQL's interval2itm: every field carries its part's sign.
    let (year, mon, mday) = (
        (iv.months / 12) as i64,
        (iv.months % 12) as i64,
        iv.days as i64,
    );
    let t = iv.micros;
    let hour = t / USECS_PER_HOUR;
    let min = t / 60_000_000 % 60;
    let sec = t / 1_000_000 % 60;
    let fsec = t % 1_000_000;
    let seconds = |out: &mut String, zero_pad: bool| {
        if zero_pad {
            out.push_str(&format!("{:02}", sec.abs()));
        } else {
            out.push_str(&sec.abs().to_string());
        }
        push_fraction(out, fsec.unsigned_abs());
    };
    let mut out = String::new();
    match style {
        IntervalStyle::Postgres => return format_interval(iv),
        IntervalStyle::SqlStandard => {
            let fields = [year, mon, mday, hour, min, sec, fsec];
            let negative = fields.iter().any(|v| *v < 0);
            let positive = fields.iter().any(|v| *v > 0);
            let year_month = year != 0 || mon != 0;
            let day_time = mday != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0;
            let mixed = (negative && positive) || (year_month && day_time);
            if !negative && !positive {
                out.push('0');
            } else if mixed {
                let sign = |neg: bool| if neg { '-' } else { '+' };
                out.push_str(&format!(
                    "{}{}-{} {}{} {}{}:{:02}:",
                    sign(year < 0 || mon < 0),
                    year.abs(),
                    mon.abs(),
                    sign(mday < 0),
                    mday.abs(),
                    sign(hour < 0 || min < 0 || sec < 0 || fsec < 0),
                    hour.abs(),
                    min.abs()
                ));
                seconds(&mut out, true);
            } else {
                if negative {
                    out.push('-');
                }
                if year_month {
                    out.push_str(&format!("{}-{}", year.abs(), mon.abs()));
                } else {
                    if mday != 0 {
                        out.push_str(&format!("{} ", mday.abs()));
                    }
                    out.push_str(&format!("{}:{:02}:", hour.abs(), min.abs()));
                    seconds(&mut out, true);
                }
            }
        }
        IntervalStyle::Iso8601 => {
            if [year, mon, mday, hour, min, sec, fsec]
                .iter()
                .all(|v| *v == 0)
            {
                return "PT0S".to_string();
            }
            out.push('P');
            let part = |out: &mut String, v: i64, unit: char| {
                if v != 0 {
                    out.push_str(&format!("{v}{unit}"));
                }
            };
            part(&mut out, year, 'Y');
            part(&mut out, mon, 'M');
            part(&mut out, mday, 'D');
            if hour != 0 || min != 0 || sec != 0 || fsec != 0 {
                out.push('T');
            }
            part(&mut out, hour, 'H');
            part(&mut out, min, 'M');
            if sec != 0 || fsec != 0 {
                if sec < 0 || fsec < 0 {
                    out.push('-');
                }
                seconds(&mut out, false);
                out.push('S');
            }
        }
        IntervalStyle::PostgresVerbose => {
            out.push('@');
            let (mut is_zero, mut is_before) = (true, false);
            for (v, unit) in [
                (year, "year"),
                (mon, "mon"),
                (mday, "day"),
                (hour, "hour"),
                (min, "min"),
            ] {
                if v == 0 {
                    continue;
                }
                let shown = if is_zero {
                    is_before = v < 0;
                    v.abs()
                } else if is_before {
                    -v
                } else {
                    v
                };
                out.push_str(&format!(
                    " {shown} {unit}{}",
                    if shown == 1 { "" } else { "s" }
                ));
                is_zero = false;
            }
            if sec != 0 || fsec != 0 {
                out.push(' ');
                if sec < 0 || (sec == 0 && fsec < 0) {
                    if is_zero {
                        is_before = true;
                    } else if !is_before {
                        out.push('-');
                    }
                } else if is_before {
                    out.push('-');
                }
                seconds(&mut out, false);
                out.push_str(if sec.abs() != 1 || fsec != 0 {
                    " secs"
                } else {
                    " sec"
                });
                is_zero = false;
            }
            if is_zero {
                out.push_str(" 0");
            }
            if is_before {
                out.push_str(" ago");
            }
        }
    }
    out
}

fn push_fraction(out: &mut String, frac: u64) {
    if frac != 0 {
        let f = format!("{frac:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
}

fn bad_interval(s: &str) -> SqlError {
    SqlError::new(
        "22007",
        format!("invalid input syntax for type interval: \"{s}\""),
    )
}

/// Accumulates fractional units the way PostgreSQL's DecodeInterval does.
#[derive(Default)]
struct Acc {
    months: f64,
    days: f64,
    micros: f64,
}

impl Acc {
    fn add_unit(&mut self, v: f64, unit: &str) -> bool {
        match unit {
            "millennium" | "millennia" | "millenniums" | "mil" | "mils" => {
                self.months += v * 12000.0
            }
            "century" | "centuries" | "cent" | "c" => self.months += v * 1200.0,
            "decade" | "decades" | "dec" | "decs" => self.months += v * 120.0,
            "year" | "years" | "y" | "yr" | "yrs" => self.months += v * 12.0,
            "month" | "months" | "mon" | "mons" => self.months += v,
            "week" | "weeks" | "w" => self.days += v * 7.0,
            "day" | "days" | "d" => self.days += v,
            "hour" | "hours" | "h" | "hr" | "hrs" => self.micros += v * USECS_PER_HOUR as f64,
            "minute" | "minutes" | "m" | "min" | "mins" => self.micros += v * 60e6,
            "second" | "seconds" | "s" | "sec" | "secs" => self.micros += v * 1e6,
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => self.micros += v * 1e3,
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => self.micros += v,
            _ => return false,
        }
        true
    }

    fn finish(self, input: &str) -> SqlResult<Interval> {
        let months = self.months.trunc();
        let mut days_f = self.days + (self.months - months) * DAYS_PER_MONTH as f64;
        let days = days_f.trunc();
        days_f -= days;
        let micros = (self.micros + days_f * USECS_PER_DAY as f64).round_ties_even();
        if months.abs() > i32::MAX as f64 || days.abs() > i32::MAX as f64 || micros.abs() >= 9.2e18
        {
            return Err(SqlError::new(
                "22015",
                format!("interval field value out of range: \"{input}\""),
            ));
        }
        Ok(Interval {
            months: months as i32,
            days: days as i32,
            micros: micros as i64,
        })
    }
}

/// `[-]hh:mm[:ss[.frac]]` as microseconds.
fn parse_clock(tok: &str) -> Option<i64> {
    let (neg, body) = match tok.as_bytes().first() {
        Some(b'-') => (true, &tok[1..]),
        Some(b'+') => (false, &tok[1..]),
        _ => (false, tok),
    };
    let parts: Vec<&str> = body.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let int = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 12 {
            return None;
        }
        s.parse().ok()
    };
    let h = int(parts[0])?;
    let m = int(parts[1])?;
    let mut us = h.checked_mul(USECS_PER_HOUR)? + m * 60_000_000;
    if m > 59 {
        return None;
    }
    if let Some(sec) = parts.get(2) {
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        let s = int(whole)?;
        if s > 60 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        us += s * USECS_PER_SEC;
        if !frac.is_empty() {
            let f: f64 = format!("0.{frac}").parse().ok()?;
            us += (f * 1e6).round_ties_even() as i64;
        }
    }
    Some(if neg { -us } else { us })
}

pub fn parse_interval(input: &str) -> SqlResult<Interval> {
    let lower = input.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return Err(bad_interval(input));
    }
    if let Some(iso) = lower.strip_prefix('p') {
        return parse_iso(iso, input);
    }
    let mut acc = Acc::default();
    let mut ago = false;
    let mut any = false;
    let mut toks: Vec<String> = Vec::new();
    // Split "1day" / "2h" into number and unit tokens.
    for raw in lower.split_whitespace() {
        let raw = raw.trim_start_matches('@');
        if raw.is_empty() {
            continue;
        }
        if raw.contains(':') {
            toks.push(raw.to_string());
            continue;
        }
        let split = raw
            .char_indices()
            .find(|(i, c)| c.is_ascii_alphabetic() && *i > 0)
            .map(|(i, _)| i);
        match split {
            Some(i) if !raw[..i].chars().any(|c| c.is_ascii_alphabetic()) => {
                toks.push(raw[..i].to_string());
                toks.push(raw[i..].to_string());
            }
            _ => toks.push(raw.to_string()),
        }
    }
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t == "ago" {
            ago = true;
            i += 1;
            continue;
        }
        if t.contains(':') {
            let us = parse_clock(t).ok_or_else(|| bad_interval(input))?;
            acc.micros += us as f64;
            any = true;
            i += 1;
            continue;
        }
        let v: f64 = t.parse().map_err(|_| bad_interval(input))?;
        if !v.is_finite() {
            return Err(bad_interval(input));
        }
        match toks.get(i + 1) {
            Some(u) if u.chars().all(|c| c.is_ascii_alphabetic()) && u != "ago" => {
                if !acc.add_unit(v, u) {
                    return Err(bad_interval(input));
                }
                i += 2;
            }
            _ => {
                // A bare number is seconds.
                acc.micros += v * 1e6;
                i += 1;
            }
        }
        any = true;
    }
    if !any {
        return Err(bad_interval(input));
    }
    let iv = acc.finish(input)?;
    if ago {
        iv.neg()
    } else {
        Ok(iv)
    }
}

/// ISO 8601 durations: `P1Y2M3DT4H5M6.5S` (after the `P`).
fn parse_iso(s: &str, input: &str) -> SqlResult<Interval> {
    let mut acc = Acc::default();
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        match c {
            't' => in_time = true,
            '0'..='9' | '.' | '-' | '+' => num.push(c),
            _ => {
                let v: f64 = num.parse().map_err(|_| bad_interval(input))?;
                num.clear();
                let unit = match (c, in_time) {
                    ('y', false) => "year",
                    ('m', false) => "month",
                    ('w', false) => "week",
                    ('d', false) => "day",
                    ('h', true) => "hour",
                    ('m', true) => "minute",
                    ('s', true) => "second",
                    _ => return Err(bad_interval(input)),
                };
                acc.add_unit(v, unit);
                any = true;
            }
        }
    }
    if !num.is_empty() || !any {
        return Err(bad_interval(input));
    }
    acc.finish(input)
}

// ------------------------------------------------------------------ time

pub fn parse_time(input: &str) -> SqlResult<i64> {
    let t = input.trim();
    let bad = || {
        SqlError::new(
            "22007",
            format!("invalid input syntax for type time: \"{input}\""),
        )
    };
    // Accept a full timestamp too (the time part is kept).
    let clock = t.rsplit([' ', 'T']).next().unwrap_or(t);
    if clock.starts_with('-') || clock.starts_with('+') {
        return Err(bad());
    }
    let us = parse_clock(clock).ok_or_else(bad)?;
    if us > USECS_PER_DAY {
        return Err(SqlError::new(
            "22008",
            format!("date/time field value out of range: \"{input}\""),
        ));
    }
    Ok(us)
}

pub fn format_time(us: i64) -> String {
    let a = us.max(0) as u64;
    let mut out = format!(
        "{:02}:{:02}:{:02}",
        a / USECS_PER_HOUR as u64,
        (a / 60_000_000) % 60,
        (a / 1_000_000) % 60
    );
    push_fraction(&mut out, a % 1_000_000);
    out
}

// ------------------------------------------------------------------ arithmetic

/// timestamp + interval: months first (clamping the day to the month's end), then days, then time.
pub fn timestamp_add(ts: i64, iv: &Interval) -> SqlResult<i64> {
    let mut ts = ts;
    if iv.months != 0 {
        let days = ts.div_euclid(USECS_PER_DAY);
        let tod = ts.rem_euclid(USECS_PER_DAY);
        let (y, m, d) = datetime::ymd_from_date(days as i32);
        let total = y * 12 + (m - 1) + iv.months as i64;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let dim = days_in_month(ny, nm);
        let nd = d.min(dim);
        let date = datetime::date_from_ymd(ny, nm, nd, "")
            .map_err(|_| SqlError::new("22008", "timestamp out of range"))?;
        ts = date as i64 * USECS_PER_DAY + tod;
    }
    ts = ts
        .checked_add(iv.days as i64 * USECS_PER_DAY)
        .and_then(|t| t.checked_add(iv.micros))
        .ok_or_else(|| SqlError::new("22008", "timestamp out of range"))?;
    datetime::check_date_range(ts.div_euclid(USECS_PER_DAY))
        .map_err(|_| SqlError::new("22008", "timestamp out of range"))?;
    Ok(ts)
}

/// timestamptz + interval: months and days move the wall-clock time in the
/// session zone (so `+ 1 day` across a DST change keeps the local hour), the
/// time part moves the instant, as in PostgreSQL.
pub fn timestamptz_add(
    ts: i64,
    iv: &Interval,
    zone: &crate::timezone::SessionZone,
) -> SqlResult<i64> {
    if iv.months == 0 && iv.days == 0 {
        return timestamp_add(ts, iv);
    }
    let calendar = Interval {
        months: iv.months,
        days: iv.days,
        micros: 0,
    };
    let local = timestamp_add(zone.utc_to_local(ts), &calendar)?;
    timestamp_add(
        zone.local_to_utc(local),
        &Interval {
            months: 0,
            days: 0,
            micros: iv.micros,
        },
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
        _ => 31,
    }
}

/// timestamp - timestamp: whole days and the remaining time (interval_justify_hours).
pub fn timestamp_diff(a: i64, b: i64) -> SqlResult<Interval> {
    let d = a.checked_sub(b).ok_or_else(out_of_range)?;
    let days = d / USECS_PER_DAY;
    Ok(Interval {
        months: 0,
        days: i32::try_from(days).map_err(|_| out_of_range())?,
        micros: d - days * USECS_PER_DAY,
    })
}

/// time + interval (wraps around midnight; only the time part counts).
pub fn time_add(t: i64, iv: &Interval) -> i64 {
    (t + iv.micros.rem_euclid(USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

// ------------------------------------------------------------------ bytea and uuid

/// bytea input: `\x` hex, or the escape format (`\\`, `\ooo`).
pub fn parse_bytea(s: &str) -> SqlResult<Vec<u8>> {
    if let Some(hex) = s.strip_prefix("\\x").or_else(|| s.strip_prefix("\\X")) {
        let mut out = Vec::with_capacity(hex.len() / 2);
        let digits: Vec<char> = hex.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        for pair in digits.chunks(2) {
            let val = |c: char| {
                c.to_digit(16).ok_or_else(|| {
                    SqlError::new("22023", format!("invalid hexadecimal digit: \"{c}\""))
                })
            };
            if pair.len() == 1 {
                return Err(SqlError::new(
                    "22023",
                    "invalid hexadecimal data: odd number of digits",
                ));
            }
            out.push((val(pair[0])? * 16 + val(pair[1])?) as u8);
        }
        return Ok(out);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < b.len()
            && (b'0'..=b'3').contains(&b[i + 1])
            && (b'0'..=b'7').contains(&b[i + 2])
            && b.get(i + 3).is_some_and(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            return Err(SqlError::new(
                "22P02",
                "invalid input syntax for type bytea",
            ));
        }
    }
    Ok(out)
}

pub fn format_bytea(b: &[u8]) -> String {
    let mut out = String::with_capacity(2 + b.len() * 2);
    out.push_str("\\x");
    for x in b {
        out.push_str(&format!("{x:02x}"));
    }
    out
}

/// bytea output with bytea_output = escape: printable ASCII as is, `\\`
/// doubled, every other byte as `\ooo`.
pub fn format_bytea_escape(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for &x in b {
        match x {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(x as char),
            _ => out.push_str(&format!("\\{x:03o}")),
        }
    }
    out
}

pub fn parse_uuid(s: &str) -> SqlResult<u128> {
    let bad = || {
        SqlError::new(
            "22P02",
            format!("invalid input syntax for type uuid: \"{s}\""),
        )
    };
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let mut v: u128 = 0;
    let mut n = 0;
    let bytes = t.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '-' {
            // Hyphens only after a group of four digits, never doubled or trailing.
            if n == 0 || n % 4 != 0 || i + 1 == bytes.len() || bytes[i + 1] == b'-' {
                return Err(bad());
            }
            i += 1;
            continue;
        }
        let d = c.to_digit(16).ok_or_else(bad)?;
        v = (v << 4) | d as u128;
        n += 1;
        i += 1;
    }
    if n != 32 {
        return Err(bad());
    }
    Ok(v)
}

pub fn format_uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_styles_print_like_postgres() {
        use crate::timezone::IntervalStyle as S;
        let iv = parse_interval("1 year 2 months 3 days 04:05:06.5").unwrap();
        assert_eq!(format_interval_in(&iv, S::Iso8601), "P1Y2M3DT4H5M6.5S");
        assert_eq!(
            format_interval_in(&iv, S::SqlStandard),
            "+1-2 +3 +4:05:06.5"
        );
        assert_eq!(
            format_interval_in(&iv, S::PostgresVerbose),
            "@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs"
        );
        let neg = parse_interval("-3 days -04:05:06").unwrap();
        assert_eq!(format_interval_in(&neg, S::SqlStandard), "-3 4:05:06");
        assert_eq!(
            format_interval_in(&neg, S::PostgresVerbose),
            "@ 3 days 4 hours 5 mins 6 secs ago"
        );
        let ym = parse_interval("1 year 2 months").unwrap();
        assert_eq!(format_interval_in(&ym, S::SqlStandard), "1-2");
        let zero = parse_interval("0").unwrap();
        assert_eq!(format_interval_in(&zero, S::Iso8601), "PT0S");
        assert_eq!(format_interval_in(&zero, S::SqlStandard), "0");
        assert_eq!(format_interval_in(&zero, S::PostgresVerbose), "@ 0");
    }

    #[test]
    fn interval_io() {
        let f = |s: &str| format_interval(&parse_interval(s).unwrap());
        assert_eq!(f("1 day 02:03:04"), "1 day 02:03:04");
        assert_eq!(f("0"), "00:00:00");
        assert_eq!(f("1 year 2 months 3 days"), "1 year 2 mons 3 days");
        assert_eq!(f("-1 day +01:00"), "-1 days +01:00:00");
        assert_eq!(f("1.5 days"), "1 day 12:00:00");
        assert_eq!(f("1.5 months"), "1 mon 15 days");
        assert_eq!(f("2 hours 30 minutes ago"), "-02:30:00");
        assert_eq!(f("P1Y2M3DT4H5M6.5S"), "1 year 2 mons 3 days 04:05:06.5");
        assert!(parse_interval("1 fortnight").is_err());
        assert!(parse_interval("").is_err());
    }

    #[test]
    fn bytea_and_uuid_io() {
        assert_eq!(
            format_bytea(&parse_bytea("\\x00ff10").unwrap()),
            "\\x00ff10"
        );
        assert_eq!(parse_bytea("a\\\\b\\001").unwrap(), b"a\\b\x01");
        assert!(parse_bytea("\\x0").is_err());
        assert!(parse_bytea("\\").is_err());
        let u = parse_uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11").unwrap();
        assert_eq!(format_uuid(u), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert_eq!(parse_uuid("{a0eebc999c0b4ef8bb6d6bb9bd380a11}").unwrap(), u);
        assert!(parse_uuid("a0eebc99-9c0b").is_err());
    }
}
