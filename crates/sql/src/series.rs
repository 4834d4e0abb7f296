//! `generate_series`: which argument types it takes (int4, int8, numeric,
//! and timestamp / timestamptz with an interval step, as PostgreSQL 15) and
//! the values it yields, one at a time, so a caller may stream them.
//! Used both in FROM (`Plan::Series`) and in a SELECT list (a set-returning
//! call).

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::interval::{timestamp_add, timestamptz_add, Interval};
use crate::numeric::Numeric;
use crate::types::SqlType;

/// The result type for these argument types (start, stop[, step]), and the
/// type each argument is coerced to; None: no such generate_series.
pub fn signature(args: &[SqlType]) -> Option<(SqlType, Vec<SqlType>)> {
    if !(2..=3).contains(&args.len()) {
        return None;
    }
    let integral = |t: &SqlType| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Unknown);
    let numeric_ok = |t: &SqlType| integral(t) || matches!(t, SqlType::Int8 | SqlType::Numeric);
    let (start, stop) = (&args[0], &args[1]);
    if args.iter().all(integral) {
        return Some((SqlType::Int4, vec![SqlType::Int4; args.len()]));
    }
    if args.iter().all(|t| integral(t) || *t == SqlType::Int8) {
        return Some((SqlType::Int8, vec![SqlType::Int8; args.len()]));
    }
    if args.iter().all(numeric_ok) {
        return Some((SqlType::Numeric, vec![SqlType::Numeric; args.len()]));
    }
    // Timestamps step by an interval, which PostgreSQL requires.
    let step_ok = args.len() == 3 && matches!(args[2], SqlType::Interval | SqlType::Unknown);
    for ty in [SqlType::Timestamp, SqlType::TimestampTz] {
        let fits = |t: &SqlType| *t == ty || *t == SqlType::Unknown;
        if step_ok && fits(start) && fits(stop) && (*start == ty || *stop == ty) {
            return Some((ty, vec![ty, ty, SqlType::Interval]));
        }
    }
    // Dates go by timestamptz, the preferred date/time type.
    let date_ok = |t: &SqlType| matches!(t, SqlType::Date | SqlType::Unknown);
    if step_ok
        && date_ok(start)
        && date_ok(stop)
        && (*start == SqlType::Date || *stop == SqlType::Date)
    {
        return Some((
            SqlType::TimestampTz,
            vec![
                SqlType::TimestampTz,
                SqlType::TimestampTz,
                SqlType::Interval,
            ],
        ));
    }
    None
}

/// The values of one call, in order.
pub enum Series {
    /// Integers in i128 so the last step never overflows.
    Integer {
        next: i128,
        stop: i128,
        step: i128,
        ty: SqlType,
    },
    Numeric {
        next: Numeric,
        stop: Numeric,
        step: Numeric,
    },
    Timestamp {
        next: i64,
        stop: i64,
        step: Interval,
        forward: bool,
        /// timestamptz: the session zone, in whose wall-clock time day and
        /// month steps are added (None: timestamp).
        zone: Option<crate::timezone::SessionZone>,
    },
    Done,
}

fn special(what: &str, n: &Numeric) -> SqlResult<()> {
    if n.is_nan() {
        return Err(SqlError::new("22023", format!("{what} cannot be NaN")));
    }
    if n.is_infinite() {
        return Err(SqlError::new("22023", format!("{what} cannot be infinity")));
    }
    Ok(())
}

fn zero_step() -> SqlError {
    SqlError::new("22023", "step size cannot equal zero")
}

impl Series {
    /// A call's series; no values when an argument is NULL (the function is
    /// strict). `args` are already of the types `signature` chose.
    pub fn new(
        args: &[Datum],
        ty: SqlType,
        dt: &crate::timezone::DateTimeConfig,
    ) -> SqlResult<Series> {
        if args.iter().any(Datum::is_null) {
            return Ok(Series::Done);
        }
        let bad = || SqlError::internal("generate_series argument of an unexpected type");
        match ty {
            SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
                let mut v = Vec::with_capacity(3);
                for a in args {
                    v.push(a.as_i64().ok_or_else(bad)? as i128);
                }
                let step = v.get(2).copied().unwrap_or(1);
                if step == 0 {
                    return Err(zero_step());
                }
                Ok(Series::Integer {
                    next: v[0],
                    stop: v[1],
                    step,
                    ty,
                })
            }
            SqlType::Numeric => {
                let num = |d: &Datum| match d {
                    Datum::Numeric(n) => Ok(n.clone()),
                    _ => Err(bad()),
                };
                let (start, stop) = (num(&args[0])?, num(&args[1])?);
                special("start value", &start)?;
                special("stop value", &stop)?;
                let step = match args.get(2) {
                    Some(d) => num(d)?,
                    None => Numeric::from_i64(1),
                };
                special("step size", &step)?;
                if step.is_zero() {
                    return Err(zero_step());
                }
                Ok(Series::Numeric {
                    next: start,
                    stop,
                    step,
                })
            }
            SqlType::Timestamp | SqlType::TimestampTz => {
                let ts = |d: &Datum| match d {
                    Datum::Timestamp(t) | Datum::TimestampTz(t) => Ok(*t),
                    _ => Err(bad()),
                };
                let Some(Datum::Interval(step)) = args.get(2) else {
                    return Err(bad());
                };
                let span = step.span();
                if span == 0 {
                    return Err(zero_step());
                }
                Ok(Series::Timestamp {
                    next: ts(&args[0])?,
                    stop: ts(&args[1])?,
                    step: *step,
                    forward: span > 0,
                    zone: (ty == SqlType::TimestampTz).then(|| dt.zone.clone()),
                })
            }
            _ => Err(bad()),
        }
    }

    /// The next value, or None at the end.
    pub fn next_value(&mut self) -> SqlResult<Option<Datum>> {
        let value = match self {
            Series::Done => return Ok(None),
            Series::Integer {
                next,
                stop,
                step,
                ty,
            } => {
                if (*step > 0 && next > stop) || (*step < 0 && next < stop) {
                    None
                } else {
                    let v = *next;
                    *next += *step;
                    Some(match ty {
                        SqlType::Int8 => Datum::Int8(v as i64),
                        _ => Datum::Int4(v as i32),
                    })
                }
            }
            Series::Numeric { next, stop, step } => {
                let past = if step.is_negative() {
                    *next < *stop
                } else {
                    *next > *stop
                };
                if past {
                    None
                } else {
                    let v = next.clone();
                    *next = next.add(step);
                    Some(Datum::Numeric(v))
                }
            }
            Series::Timestamp {
                next,
                stop,
                step,
                forward,
                zone,
            } => {
                if (*forward && next > stop) || (!*forward && next < stop) {
                    None
                } else {
                    let v = *next;
                    let value = if zone.is_some() {
                        Datum::TimestampTz(v)
                    } else {
                        Datum::Timestamp(v)
                    };
                    // PostgreSQL adds the step to the previous value (so a
                    // month step clamps once at a short month and stays).
                    let added = match zone {
                        Some(z) => timestamptz_add(v, step, z),
                        None => timestamp_add(v, step),
                    };
                    match added {
                        Ok(n) => *next = n,
                        // The next value is out of range: this is the last.
                        Err(_) => {
                            *self = Series::Done;
                            return Ok(Some(value));
                        }
                    }
                    Some(value)
                }
            }
        };
        if value.is_none() {
            *self = Series::Done;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(args: &[Datum], ty: SqlType) -> Vec<String> {
        let mut s = Series::new(args, ty, crate::timezone::DateTimeConfig::standard()).unwrap();
        let mut out = vec![];
        while let Some(v) = s.next_value().unwrap() {
            out.push(v.to_text(1).unwrap_or_default());
        }
        out
    }

    #[test]
    fn integers_stop_at_the_bound_in_either_direction() {
        assert_eq!(
            all(&[Datum::Int4(1), Datum::Int4(3)], SqlType::Int4),
            ["1", "2", "3"]
        );
        assert_eq!(
            all(
                &[Datum::Int4(10), Datum::Int4(1), Datum::Int4(-4)],
                SqlType::Int4
            ),
            ["10", "6", "2"]
        );
        // The value after i32::MAX is never formed as an i32.
        assert_eq!(
            all(
                &[Datum::Int4(i32::MAX - 1), Datum::Int4(i32::MAX)],
                SqlType::Int4
            )
            .len(),
            2
        );
        assert!(all(&[Datum::Int4(3), Datum::Int4(1)], SqlType::Int4).is_empty());
        assert!(all(&[Datum::Null, Datum::Int4(1)], SqlType::Int4).is_empty());
    }

    #[test]
    fn numeric_keeps_the_scale_and_refuses_specials() {
        let n = |s: &str| Datum::Numeric(Numeric::parse(s).unwrap());
        assert_eq!(
            all(&[n("0.1"), n("4"), n("1.3")], SqlType::Numeric),
            ["0.1", "1.4", "2.7", "4.0"]
        );
        let err = Series::new(
            &[n("NaN"), n("4")],
            SqlType::Numeric,
            crate::timezone::DateTimeConfig::standard(),
        )
        .err()
        .unwrap();
        assert_eq!(err.message, "start value cannot be NaN");
        let err = Series::new(
            &[n("1"), n("4"), n("0")],
            SqlType::Numeric,
            crate::timezone::DateTimeConfig::standard(),
        )
        .err()
        .unwrap();
        assert_eq!(err.message, "step size cannot equal zero");
    }

    #[test]
    fn timestamps_step_from_the_previous_value() {
        let month = Interval {
            months: 1,
            days: 0,
            micros: 0,
        };
        let jan31 = crate::datetime::parse_timestamp("2024-01-31").unwrap();
        let apr30 = crate::datetime::parse_timestamp("2024-04-30").unwrap();
        assert_eq!(
            all(
                &[
                    Datum::Timestamp(jan31),
                    Datum::Timestamp(apr30),
                    Datum::Interval(month)
                ],
                SqlType::Timestamp
            ),
            [
                "2024-01-31 00:00:00",
                "2024-02-29 00:00:00",
                "2024-03-29 00:00:00",
                "2024-04-29 00:00:00"
            ]
        );
        assert_eq!(signature(&[SqlType::Timestamp, SqlType::Unknown]), None);
        assert_eq!(
            signature(&[SqlType::Unknown, SqlType::TimestampTz, SqlType::Unknown]).map(|s| s.0),
            Some(SqlType::TimestampTz)
        );
    }
}
