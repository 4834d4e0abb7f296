//! Binary send/recv formats of the geometric types and money, converted
//! from and to their text output (the form the SQL engine prints):
//! point = x, y as float8; lseg and box = two points (box high corner
//! first); path = closed flag byte, int4 count, points; polygon = int4
//! count, points; circle = center, radius; line = A, B, C; money = int8
//! cents (text under lc_monetary C: `-$1,234.56`).

use bytes::{BufMut, BytesMut};

use crate::backend::Oid;
use crate::value_format::{format_float, FormatError};

pub const POINT: u32 = 600;
pub const LSEG: u32 = 601;
pub const PATH: u32 = 602;
pub const BOX: u32 = 603;
pub const POLYGON: u32 = 604;
pub const LINE: u32 = 628;
pub const CIRCLE: u32 = 718;
pub const MONEY: u32 = 790;

/// Whether this module converts values of `type_oid`.
pub fn handles(type_oid: Oid) -> bool {
    matches!(
        type_oid,
        POINT | LSEG | PATH | BOX | POLYGON | LINE | CIRCLE | MONEY
    )
}

fn invalid(type_name: &str, input: impl std::fmt::Debug) -> FormatError {
    FormatError::Invalid(format!("invalid input for type {type_name}: {input:?}"))
}

fn type_name(type_oid: Oid) -> &'static str {
    match type_oid {
        POINT => "point",
        LSEG => "lseg",
        PATH => "path",
        BOX => "box",
        POLYGON => "polygon",
        LINE => "line",
        CIRCLE => "circle",
        _ => "money",
    }
}

/// The numbers of a geometric text output, in order.
fn numbers(type_oid: Oid, text: &str) -> Result<Vec<f64>, FormatError> {
    text.split(|c: char| "()[]<>{},".contains(c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s.parse().map_err(|_| invalid(type_name(type_oid), text)),
        })
        .collect()
}

/// Money text (`-$1,234.56`) to cents.
fn money_cents(text: &str) -> Result<i64, FormatError> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let digits: String = t.chars().filter(|c| *c != '$' && *c != ',').collect();
    let (units, cents) = digits.split_once('.').unwrap_or((digits.as_str(), "00"));
    if cents.len() != 2 || units.is_empty() {
        return Err(invalid("money", text));
    }
    let magnitude: i128 = format!("{units}{cents}")
        .parse()
        .map_err(|_| invalid("money", text))?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| invalid("money", text))
}

/// Cents to money text under lc_monetary C.
fn money_text(cents: i64) -> String {
    let magnitude = cents.unsigned_abs();
    let units = (magnitude / 100).to_string();
    let mut grouped = String::new();
    for (n, c) in units.chars().enumerate() {
        if n > 0 && (units.len() - n).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}${grouped}.{:02}", magnitude % 100)
}

/// Appends the binary send format of a geometric or money text value.
pub fn text_to_binary(type_oid: Oid, text: &str, out: &mut BytesMut) -> Result<(), FormatError> {
    if type_oid == MONEY {
        out.put_i64(money_cents(text)?);
        return Ok(());
    }
    let vs = numbers(type_oid, text)?;
    let want = match type_oid {
        POINT => Some(2),
        LSEG | BOX => Some(4),
        LINE | CIRCLE => Some(3),
        _ => None,
    };
    let ok = match want {
        Some(n) => vs.len() == n,
        None => !vs.is_empty() && vs.len().is_multiple_of(2),
    };
    if !ok {
        return Err(invalid(type_name(type_oid), text));
    }
    match type_oid {
        PATH => {
            out.put_u8(text.trim_start().starts_with('(') as u8);
            out.put_i32((vs.len() / 2) as i32);
        }
        POLYGON => out.put_i32((vs.len() / 2) as i32),
        _ => {}
    }
    for v in vs {
        out.put_f64(v);
    }
    Ok(())
}

/// Decodes a binary recv-format geometric or money value into text.
pub fn binary_to_text(type_oid: Oid, bytes: &[u8]) -> Result<String, FormatError> {
    let name = type_name(type_oid);
    let short = || FormatError::Invalid(format!("invalid binary {name}: too short"));
    if type_oid == MONEY {
        let b: [u8; 8] = bytes.try_into().map_err(|_| short())?;
        return Ok(money_text(i64::from_be_bytes(b)));
    }
    let (closed, rest, counted) = match type_oid {
        PATH => {
            let (flag, rest) = bytes.split_first().ok_or_else(short)?;
            (*flag != 0, rest, true)
        }
        POLYGON => (true, bytes, true),
        _ => (false, bytes, false),
    };
    let floats_bytes = if counted {
        let n: [u8; 4] = rest
            .get(..4)
            .ok_or_else(short)?
            .try_into()
            .map_err(|_| short())?;
        let n = i32::from_be_bytes(n);
        let body = &rest[4..];
        if n < 0 || body.len() != n as usize * 16 {
            return Err(short());
        }
        body
    } else {
        rest
    };
    if !floats_bytes.len().is_multiple_of(8) {
        return Err(short());
    }
    let vs: Vec<String> = floats_bytes
        .chunks(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            format_float(f64::from_be_bytes(a), false)
        })
        .collect();
    let expected = match type_oid {
        POINT => Some(2),
        LSEG | BOX => Some(4),
        LINE | CIRCLE => Some(3),
        _ => None,
    };
    if expected.is_some_and(|n| n != vs.len()) {
        return Err(short());
    }
    let points: Vec<String> = vs
        .chunks(2)
        .map(|p| format!("({},{})", p[0], p.get(1).map_or("", String::as_str)))
        .collect();
    Ok(match type_oid {
        POINT => points[0].clone(),
        LSEG => format!("[{}]", points.join(",")),
        BOX => points.join(","),
        PATH if closed => format!("({})", points.join(",")),
        PATH => format!("[{}]", points.join(",")),
        POLYGON => format!("({})", points.join(",")),
        CIRCLE => format!("<({},{}),{}>", vs[0], vs[1], vs[2]),
        _ => format!("{{{},{},{}}}", vs[0], vs[1], vs[2]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(type_oid: Oid, text: &str) -> String {
        let mut out = BytesMut::new();
        text_to_binary(type_oid, text, &mut out).unwrap();
        binary_to_text(type_oid, &out).unwrap()
    }

    #[test]
    fn geometric_values_round_trip_through_binary() {
        let mut out = BytesMut::new();
        text_to_binary(POINT, "(1.5,-2)", &mut out).unwrap();
        assert_eq!(
            &out[..],
            &[1.5f64.to_be_bytes(), (-2f64).to_be_bytes()].concat()[..]
        );
        for (oid, text) in [
            (POINT, "(NaN,Infinity)"),
            (LSEG, "[(1,2),(3,4)]"),
            (BOX, "(3,4),(1,2)"),
            (PATH, "[(1,2),(3,4)]"),
            (PATH, "((1,2),(3,4),(5.5,-6))"),
            (POLYGON, "((1,2),(3,4),(5,6))"),
            (CIRCLE, "<(1,2),3>"),
            (LINE, "{1,-1,0}"),
            (MONEY, "-$1,234.56"),
            (MONEY, "$0.05"),
            (MONEY, "-$92,233,720,368,547,758.08"),
        ] {
            assert_eq!(round_trip(oid, text), text);
        }
        assert!(binary_to_text(POINT, &[0; 15]).is_err());
        assert!(binary_to_text(PATH, &[1, 0, 0, 0, 2, 0]).is_err());
    }
}
