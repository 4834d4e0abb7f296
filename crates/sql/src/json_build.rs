//! Building JSON from SQL values: `to_json` / `to_jsonb`, `row_to_json`,
//! `json[b]_build_object`, `json[b]_build_array` and the aggregates
//! `json[b]_agg` / `json[b]_object_agg`, with PostgreSQL 15's exact output
//! text (`row_to_json` has no spaces, `json_build_object` writes `"k" : v`,
//! `json_agg` breaks lines between composite or array elements).
//!
//! The binder (`binder/json_fns.rs`) turns every value argument into a
//! `json` expression first: a record becomes `JsonFn::Record` over its named
//! fields (field names only exist at bind time), anything else
//! `JsonFn::Value`. So the builders here only join JSON texts.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::settings::StatementSettings;
use crate::timezone::DateTimeConfig;

/// JSON-building functions the evaluator runs (`SysFn::Json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFn {
    /// `to_json(x)` of a non-record value (strict).
    Value,
    /// A record: argument 0 says whether the row is absent (NULL or `true`:
    /// the result is NULL), then alternating field names and json values.
    Record,
    /// `json[b]_build_object(k, v, ...)`: alternating keys and json values.
    BuildObject { jsonb: bool },
    /// `json[b]_build_array(v, ...)` over json values.
    BuildArray { jsonb: bool },
    /// `row_to_json(row, pretty)` / `array_to_json(array, pretty)`:
    /// argument 0 is the json; with argument 1 true its top-level fields or
    /// elements go on separate lines.
    PrettyTopLevel,
    /// json text to jsonb (normalized).
    ToJsonb,
    /// A jsonb operator (`crate::json_ops`).
    Op(crate::json_ops::JsonOp),
}

/// The aggregates; their state keeps every input (`AggState::Arr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonAgg {
    /// `json[b]_agg(v)` over json values; `line_breaks`: the input is a
    /// composite or array, which json_agg separates with `, \n ` (before
    /// non-null elements).
    Array { jsonb: bool, line_breaks: bool },
    /// `json[b]_object_agg(k, v)`: each input is the pair `[k, json v]`.
    Object { jsonb: bool },
}

/// Evaluates a JSON-building function over its evaluated arguments.
pub fn call(f: JsonFn, vals: &[Datum], settings: Option<&StatementSettings>) -> SqlResult<Datum> {
    match f {
        JsonFn::Value => {
            let Some(v) = vals.first().filter(|v| !v.is_null()) else {
                return Ok(Datum::Null);
            };
            let dt = settings.map_or(DateTimeConfig::standard(), |s| s.datetime());
            let mut out = String::new();
            value_json(v, dt, &mut out);
            Ok(Datum::Json(out))
        }
        JsonFn::Record => {
            if matches!(vals.first(), None | Some(Datum::Null | Datum::Bool(true))) {
                return Ok(Datum::Null);
            }
            let mut out = String::from("{");
            for (i, pair) in vals[1..].chunks(2).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(&key_text(&pair[0]), &mut out);
                out.push(':');
                push_json_or_null(pair.get(1), &mut out);
            }
            out.push('}');
            Ok(Datum::Json(out))
        }
        JsonFn::BuildObject { jsonb } => build_object(vals, jsonb),
        JsonFn::BuildArray { jsonb } => {
            let mut out = String::from("[");
            for (i, v) in vals.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_or_null(Some(v), &mut out);
            }
            out.push(']');
            finish(out, jsonb)
        }
        JsonFn::Op(op) => crate::json_ops::call(op, vals),
        JsonFn::PrettyTopLevel => match (vals.first(), vals.get(1)) {
            (Some(Datum::Json(json)), Some(Datum::Bool(true))) => {
                Ok(Datum::Json(pretty_top_level(json)?))
            }
            (Some(record), _) => Ok(record.clone()),
            (None, _) => Ok(Datum::Null),
        },
        JsonFn::ToJsonb => Ok(match vals.first() {
            Some(Datum::Json(s) | Datum::Jsonb(s)) => Datum::Jsonb(crate::json::parse_jsonb(s)?),
            _ => Datum::Null,
        }),
    }
}

fn build_object(vals: &[Datum], jsonb: bool) -> SqlResult<Datum> {
    if !vals.len().is_multiple_of(2) {
        let name = if jsonb {
            "jsonb_build_object"
        } else {
            "json_build_object"
        };
        return Err(
            SqlError::new("22023", "argument list must have even number of elements").with_hint(
                format!("The arguments of {name}() must consist of alternating keys and values."),
            ),
        );
    }
    let mut out = String::from("{");
    for (i, pair) in vals.chunks(2).enumerate() {
        if pair[0].is_null() {
            let position = 2 * i + 1;
            return Err(if jsonb {
                SqlError::new(
                    "22023",
                    format!("argument {position}: key must not be null"),
                )
            } else {
                SqlError::new("22023", format!("argument {position} cannot be null"))
                    .with_hint("Object keys should be text.")
            });
        }
        if i > 0 {
            out.push_str(", ");
        }
        quote(&key_text(&pair[0]), &mut out);
        out.push_str(" : ");
        push_json_or_null(pair.get(1), &mut out);
    }
    out.push('}');
    finish(out, jsonb)
}

/// The pretty form of row_to_json and array_to_json: `,\n ` between the
/// top-level fields or elements.
fn pretty_top_level(json: &str) -> SqlResult<String> {
    let root = crate::json::parse(json, "json")?;
    let mut out = String::new();
    match &root.kind {
        crate::json::Kind::Object(fields) => {
            out.push('{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n ");
                }
                quote(key, &mut out);
                out.push(':');
                out.push_str(&json[value.start..value.end]);
            }
            out.push('}');
        }
        crate::json::Kind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n ");
                }
                out.push_str(&json[item.start..item.end]);
            }
            out.push(']');
        }
        _ => out.push_str(json),
    }
    Ok(out)
}

/// The result of an aggregate over its collected inputs (None: no rows).
pub fn finish_agg(agg: JsonAgg, inputs: Option<Vec<Datum>>) -> SqlResult<Datum> {
    let Some(inputs) = inputs else {
        return Ok(Datum::Null);
    };
    match agg {
        JsonAgg::Array { jsonb, line_breaks } => {
            let mut out = String::from("[");
            for (i, v) in inputs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                    // json_agg starts each later non-null record or array on a new line.
                    if line_breaks && !jsonb && !v.is_null() {
                        out.push_str("\n ");
                    }
                }
                push_json_or_null(Some(v), &mut out);
            }
            out.push(']');
            finish(out, jsonb)
        }
        JsonAgg::Object { jsonb } => {
            let mut out = String::from(if jsonb { "{" } else { "{ " });
            for (i, pair) in inputs.iter().enumerate() {
                let (key, value) = match pair {
                    Datum::Array(kv) => (kv.first(), kv.get(1)),
                    _ => return Err(SqlError::internal("json_object_agg input is no pair")),
                };
                let key = key
                    .filter(|k| !k.is_null())
                    .ok_or_else(|| SqlError::new("22023", "field name must not be null"))?;
                if i > 0 {
                    out.push_str(", ");
                }
                quote(&key_text(key), &mut out);
                out.push_str(" : ");
                push_json_or_null(value, &mut out);
            }
            out.push_str(if jsonb { "}" } else { " }" });
            finish(out, jsonb)
        }
    }
}

fn finish(json_text: String, jsonb: bool) -> SqlResult<Datum> {
    Ok(if jsonb {
        Datum::Jsonb(crate::json::parse_jsonb(&json_text)?)
    } else {
        Datum::Json(json_text)
    })
}

/// A json value argument (already converted by the binder), NULL as `null`.
fn push_json_or_null(v: Option<&Datum>, out: &mut String) {
    match v {
        None | Some(Datum::Null) => out.push_str("null"),
        Some(Datum::Json(s) | Datum::Jsonb(s)) => out.push_str(s),
        // The binder converts every value; a stray scalar still renders.
        Some(other) => value_json(other, DateTimeConfig::standard(), out),
    }
}

/// Object keys: the value's text output.
fn key_text(k: &Datum) -> String {
    k.to_text(1).unwrap_or_default()
}

/// PostgreSQL's datum_to_json for a non-record value.
fn value_json(v: &Datum, dt: &DateTimeConfig, out: &mut String) {
    match v {
        Datum::Null => out.push_str("null"),
        Datum::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Datum::Json(s) | Datum::Jsonb(s) => out.push_str(s),
        Datum::Int2(_)
        | Datum::Int4(_)
        | Datum::Int8(_)
        | Datum::Float4(_)
        | Datum::Float8(_)
        | Datum::Numeric(_) => {
            // NaN and the infinities are no JSON numbers: they become strings.
            let text = v.to_text(1).unwrap_or_default();
            if crate::json::parse(&text, "json").is_ok() {
                out.push_str(&text);
            } else {
                quote(&text, out);
            }
        }
        Datum::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value_json(item, dt, out);
            }
            out.push(']');
        }
        Datum::Timestamp(_) | Datum::TimestampTz(_) => quote(&xsd_timestamp(v, dt), out),
        Datum::Date(_) => quote(&iso_text(v, dt), out),
        other => quote(&other.to_text_in(1, dt).unwrap_or_default(), out),
    }
}

/// A value's text in the ISO DateStyle under the session's time zone.
fn iso_text(v: &Datum, dt: &DateTimeConfig) -> String {
    let iso = DateTimeConfig {
        zone: dt.zone.clone(),
        ..DateTimeConfig::default()
    };
    v.to_text_in(1, &iso).unwrap_or_default()
}

/// Timestamps as JSON writes them (XSD): `2020-01-02T03:04:05`, with a
/// `+00:00` style offset for timestamptz; infinities stay words.
fn xsd_timestamp(v: &Datum, dt: &DateTimeConfig) -> String {
    let text = iso_text(v, dt);
    if !text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return text;
    }
    let mut text = text.replacen(' ', "T", 1);
    if matches!(v, Datum::TimestampTz(_)) {
        // ISO output ends in `+HH`, `+HH:MM` or `+HH:MM:SS`; JSON wants minutes.
        if let Some(sign) = text.rfind(['+', '-']) {
            if text.len() - sign == 3 {
                text.push_str(":00");
            }
        }
    }
    text
}

/// A JSON string literal, escaped as PostgreSQL's escape_json.
pub fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Numeric;

    fn json(d: Datum) -> String {
        match call(JsonFn::Value, &[d], None).unwrap() {
            Datum::Json(s) => s,
            other => panic!("not json: {other:?}"),
        }
    }

    #[test]
    fn scalars_render_as_postgres() {
        assert_eq!(json(Datum::Text("a\"b\\c\nx".into())), r#""a\"b\\c\nx""#);
        assert_eq!(json(Datum::Float8(f64::NAN)), r#""NaN""#);
        assert_eq!(
            json(Datum::Numeric(Numeric::parse("1.50").unwrap())),
            "1.50"
        );
        assert_eq!(
            json(Datum::Array(vec![Datum::Int4(1), Datum::Null])),
            "[1,null]"
        );
        assert_eq!(json(Datum::Timestamp(0)), r#""2000-01-01T00:00:00""#);
        assert_eq!(
            json(Datum::TimestampTz(0)),
            r#""2000-01-01T00:00:00+00:00""#
        );
        assert_eq!(
            call(JsonFn::Value, &[Datum::Null], None).unwrap(),
            Datum::Null
        );
    }

    #[test]
    fn builders_and_aggregates() {
        let record = call(
            JsonFn::Record,
            &[
                Datum::Bool(false),
                Datum::Text("a".into()),
                Datum::Json("1".into()),
                Datum::Text("b".into()),
                Datum::Null,
            ],
            None,
        )
        .unwrap();
        assert_eq!(record, Datum::Json(r#"{"a":1,"b":null}"#.into()));
        let err = build_object(&[Datum::Null, Datum::Int4(1)], false).unwrap_err();
        assert_eq!(err.sqlstate, "22023");
        let agg = finish_agg(
            JsonAgg::Array {
                jsonb: false,
                line_breaks: true,
            },
            Some(vec![
                Datum::Json("[1]".into()),
                Datum::Null,
                Datum::Json("[2]".into()),
            ]),
        )
        .unwrap();
        // PostgreSQL breaks the line only before a non-null element.
        assert_eq!(agg, Datum::Json("[[1], null, \n [2]]".into()));
        let pair =
            |k: &str, v: &str| Datum::Array(vec![Datum::Text(k.into()), Datum::Json(v.into())]);
        let object = finish_agg(
            JsonAgg::Object { jsonb: true },
            Some(vec![pair("b", "1"), pair("a", "2"), pair("b", "3")]),
        )
        .unwrap();
        assert_eq!(object, Datum::Jsonb(r#"{"a": 2, "b": 3}"#.into()));
        assert_eq!(
            finish_agg(JsonAgg::Object { jsonb: false }, None).unwrap(),
            Datum::Null
        );
    }
}
