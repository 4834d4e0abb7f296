//! `to_date(text, format)` for the numeric date fields of PostgreSQL's
//! formatting templates: YYYY, YYY, YY, Y, MM, DD and DDD-free literal
//! text. A field directly followed by another numeric field takes exactly
//! its width of digits (`YYYYMMDD`); otherwise it takes the digits present.
//! Other template patterns are reported as not supported (0A000) rather
//! than misread.

use crate::datetime;
use crate::error::{SqlError, SqlResult};

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Year(usize),
    Month,
    Day,
}

impl Field {
    fn width(self) -> usize {
        match self {
            Field::Year(w) => w,
            Field::Month | Field::Day => 2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Field::Year(4) => "YYYY",
            Field::Year(3) => "YYY",
            Field::Year(2) => "YY",
            Field::Year(_) => "Y",
            Field::Month => "MM",
            Field::Day => "DD",
        }
    }
}

enum Item {
    Field(Field),
    Space,
    Literal,
}

fn parse_template(format: &str) -> SqlResult<Vec<Item>> {
    let mut items = Vec::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        let upper = rest.to_ascii_uppercase();
        let (item, len) = if upper.starts_with("YYYY") {
            (Item::Field(Field::Year(4)), 4)
        } else if upper.starts_with("YYY") {
            (Item::Field(Field::Year(3)), 3)
        } else if upper.starts_with("YY") {
            (Item::Field(Field::Year(2)), 2)
        } else if upper.starts_with('Y') {
            (Item::Field(Field::Year(1)), 1)
        } else if upper.starts_with("MM") {
            (Item::Field(Field::Month), 2)
        } else if upper.starts_with("DD") {
            (Item::Field(Field::Day), 2)
        } else if c.is_ascii_alphabetic() {
            return Err(SqlError::unsupported(format!(
                "to_date template pattern at \"{rest}\""
            )));
        } else if c.is_whitespace() {
            (Item::Space, c.len_utf8())
        } else {
            (Item::Literal, c.len_utf8())
        };
        items.push(item);
        rest = &rest[len..];
    }
    Ok(items)
}

/// Adjusts a year given with fewer than 4 digits as PostgreSQL does
/// (YY: 70..99 -> 19xx, else 20xx; YYY: 100..999 -> 1xxx, else 2xxx).
fn full_year(v: i64, digits: usize, width: usize) -> i64 {
    if digits >= 4 || width >= 4 {
        return v;
    }
    match digits {
        3 if v >= 100 => v + 1000,
        3 => v + 2000,
        2 if v >= 70 => v + 1900,
        2 => v + 2000,
        1 => v + 2000,
        _ => v,
    }
}

pub fn to_date(input: &str, format: &str) -> SqlResult<i32> {
    let items = parse_template(format)?;
    let (mut year, mut month, mut day) = (1i64, 1i64, 1i64);
    let mut pos = 0usize;
    let bytes = input.as_bytes();
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Space => {
                while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                    pos += 1;
                }
            }
            Item::Literal => {
                if pos < bytes.len() {
                    pos += input[pos..].chars().next().map_or(1, char::len_utf8);
                }
            }
            Item::Field(field) => {
                while pos < bytes.len() && bytes[pos] == b' ' {
                    pos += 1;
                }
                let next_is_field = matches!(items.get(i + 1), Some(Item::Field(_)));
                let max = if next_is_field { field.width() } else { 9 };
                let start = pos;
                if pos < bytes.len() && (bytes[pos] == b'-' || bytes[pos] == b'+') && !next_is_field
                {
                    pos += 1;
                }
                while pos < bytes.len() && pos - start < max && bytes[pos].is_ascii_digit() {
                    pos += 1;
                }
                let text = &input[start..pos];
                if pos >= bytes.len() && text.is_empty() {
                    // The input ended: remaining fields keep their defaults.
                    break;
                }
                let value: i64 = text.parse().map_err(|_| {
                    let shown: String = input[start..].chars().take(field.width()).collect();
                    SqlError::new(
                        "22007",
                        format!("invalid value \"{shown}\" for \"{}\"", field.name()),
                    )
                    .with_detail("Value must be an integer.")
                })?;
                match field {
                    Field::Year(w) => year = full_year(value, text.len(), *w),
                    Field::Month => month = value,
                    Field::Day => day = value,
                }
            }
        }
    }
    datetime::date_from_ymd(year, month, day, input).map_err(|mut e| {
        // to_date reports the value without the datestyle hint.
        e.hint = None;
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(input: &str, format: &str) -> SqlResult<(i64, i64, i64)> {
        to_date(input, format).map(datetime::ymd_from_date)
    }

    #[test]
    fn numeric_fields_like_postgres() {
        assert_eq!(ymd("20100309", "YYYYMMDD").unwrap(), (2010, 3, 9));
        assert_eq!(ymd("2010-3-9", "YYYY-MM-DD").unwrap(), (2010, 3, 9));
        assert_eq!(ymd("2010 03 09", "YYYY MM DD").unwrap(), (2010, 3, 9));
        assert_eq!(ymd("2010", "YYYYMMDD").unwrap(), (2010, 1, 1));
        assert_eq!(ymd("99-12-31", "YY-MM-DD").unwrap(), (1999, 12, 31));
        assert_eq!(
            ymd("20101309", "YYYYMMDD").unwrap_err().message,
            "date/time field value out of range: \"20101309\""
        );
        assert_eq!(ymd("2010", "YYYY HH").unwrap_err().sqlstate, "0A000");
    }
}
