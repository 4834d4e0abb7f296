//! Composite (row) values: PostgreSQL's record text input and output
//! (`record_in` / `record_out`), and the field-level operations the
//! evaluator needs on them (field selection, row IS [NOT] NULL, ordering).
//!
//! A composite value travels as `Datum::Text` holding its record output
//! form, e.g. `(1,"a b",)`; `SqlType::Composite(oid)` (or `SqlType::Record`
//! for an anonymous row) carries the type, and the field types come from
//! the user-type registry (`crate::user_types::composite_fields`). Every
//! value is canonical: it was built from typed field values (a row
//! constructor) or read through `input`, which parses each field with its
//! type's input function and prints it again. So the stored encoding of a
//! composite column is its text encoding (docs/storage-format.md), and
//! equal values have equal text.

use std::cmp::Ordering;

use crate::datum::{self, Datum};
use crate::error::{SqlError, SqlResult};
use crate::types::{ColType, SqlType};
use crate::user_types::{self, CompositeField};

/// Digits of float fields in record text (PostgreSQL's default output).
const FLOAT_DIGITS: i32 = 1;

/// Row operations the evaluator runs (`plan::Func::Row`); none is strict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowFn {
    /// `ROW(a, b, ...)` / `(a, b, ...)`: the arguments become the fields.
    Construct,
    /// A whole-row reference (`t` or `t.*` as a value): built as
    /// `Construct`, shown as `t.*`; `converted` when read from a partition
    /// as its partitioned parent's row type (PostgreSQL's ConvertRowtypeExpr).
    WholeRow { converted: bool },
    /// `(row).field`: field `index` of the composite type `oid`.
    Field { oid: u32, index: usize },
    /// The row (argument 0) with field `index` set to argument 1.
    SetField { oid: u32, index: usize },
    /// `row IS [NOT] NULL` over the fields.
    IsNull { negated: bool },
}

/// Evaluates a row operation over its evaluated arguments.
pub fn call(f: RowFn, args: Vec<Datum>) -> SqlResult<Datum> {
    let arg = |i: usize| {
        args.get(i)
            .ok_or_else(|| SqlError::internal("row function arity"))
    };
    Ok(match f {
        RowFn::Construct | RowFn::WholeRow { .. } => Datum::Text(from_values(&args)),
        RowFn::Field { oid, index } => match arg(0)? {
            Datum::Text(text) => field(oid, text, index)?,
            _ => Datum::Null,
        },
        RowFn::SetField { oid, index } => with_field(oid, arg(0)?, index, arg(1)?.clone())?,
        RowFn::IsNull { negated } => Datum::Bool(row_is_null(arg(0)?, negated)?),
    })
}

fn malformed(s: &str, detail: &str) -> SqlError {
    SqlError::new("22P02", format!("malformed record literal: \"{s}\"")).with_detail(detail)
}

/// Splits record text into its raw fields (None for a NULL field), as
/// `record_in` reads it: `(`, fields separated by `,`, `)`; inside a field
/// `"..."` quotes (with `""` for a quote) and `\` escapes the next
/// character; an empty unquoted field is NULL, `""` is the empty string.
pub fn parse_record(s: &str) -> SqlResult<Vec<Option<String>>> {
    let mut chars = s.trim_start().chars().peekable();
    if chars.next() != Some('(') {
        return Err(malformed(s, "Missing left parenthesis."));
    }
    let mut fields = Vec::new();
    loop {
        match chars.peek() {
            Some(',') | Some(')') => fields.push(None),
            None => return Err(malformed(s, "Unexpected end of input.")),
            Some(_) => {
                let mut value = String::new();
                let mut in_quotes = false;
                loop {
                    let Some(c) = chars.next() else {
                        return Err(malformed(s, "Unexpected end of input."));
                    };
                    match c {
                        '\\' => match chars.next() {
                            Some(escaped) => value.push(escaped),
                            None => return Err(malformed(s, "Unexpected end of input.")),
                        },
                        '"' if in_quotes && chars.peek() == Some(&'"') => {
                            chars.next();
                            value.push('"');
                        }
                        '"' => in_quotes = !in_quotes,
                        _ => value.push(c),
                    }
                    if !in_quotes && matches!(chars.peek(), Some(',') | Some(')')) {
                        break;
                    }
                }
                fields.push(Some(value));
            }
        }
        match chars.next() {
            Some(',') => continue,
            Some(')') => break,
            _ => return Err(malformed(s, "Unexpected end of input.")),
        }
    }
    if chars.any(|c| !c.is_ascii_whitespace()) {
        return Err(malformed(s, "Junk after right parenthesis."));
    }
    Ok(fields)
}

/// Record text of raw field texts, quoted as `record_out` does: a field is
/// quoted when empty or when it holds a quote, backslash, parenthesis,
/// comma or white space; quotes and backslashes inside are doubled.
pub fn format_record(fields: &[Option<String>]) -> String {
    let mut out = String::from("(");
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(v) = f else { continue };
        // White space as C's isspace sees it (vertical tab included).
        let quote = v.is_empty()
            || v.chars().any(|c| {
                matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_ascii_whitespace() || c == '\x0B'
            });
        if !quote {
            out.push_str(v);
            continue;
        }
        out.push('"');
        for c in v.chars() {
            if matches!(c, '"' | '\\') {
                out.push(c);
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push(')');
    out
}

/// Record text of typed field values.
pub fn from_values(values: &[Datum]) -> String {
    let texts: Vec<Option<String>> = values.iter().map(|v| v.to_text(FLOAT_DIGITS)).collect();
    format_record(&texts)
}

fn fields_of(oid: u32) -> SqlResult<Vec<CompositeField>> {
    user_types::composite_fields(oid)
        .ok_or_else(|| SqlError::internal("composite type not registered"))
}

/// Typed fields of raw field texts; 22P02 when the count is wrong.
fn typed(s: &str, raw: Vec<Option<String>>, fields: &[CompositeField]) -> SqlResult<Vec<Datum>> {
    if raw.len() < fields.len() {
        return Err(malformed(s, "Too few columns."));
    }
    if raw.len() > fields.len() {
        return Err(malformed(s, "Too many columns."));
    }
    raw.into_iter()
        .zip(fields)
        .map(|(r, f)| match r {
            None => Ok(Datum::Null),
            Some(text) => datum::parse_text(&text, f.ty),
        })
        .collect()
}

/// Text input of the composite type `oid`: the canonical record text.
pub fn input(oid: u32, s: &str) -> SqlResult<String> {
    let fields = fields_of(oid)?;
    let values = typed(s, parse_record(s)?, &fields)?;
    Ok(from_values(&values))
}

/// The typed field values of a (canonical) value of the composite type `oid`.
pub fn values(oid: u32, text: &str) -> SqlResult<Vec<Datum>> {
    let fields = fields_of(oid)?;
    typed(text, parse_record(text)?, &fields)
}

/// Field `index` (0-based) of a value of the composite type `oid`.
pub fn field(oid: u32, text: &str, index: usize) -> SqlResult<Datum> {
    let fields = fields_of(oid)?;
    let f = fields
        .get(index)
        .ok_or_else(|| SqlError::internal("composite field index out of range"))?;
    let raw = parse_record(text)?;
    if raw.len() != fields.len() {
        return Err(malformed(text, "Wrong number of columns."));
    }
    match &raw[index] {
        None => Ok(Datum::Null),
        Some(v) => datum::parse_text(v, f.ty),
    }
}

/// The value with field `index` replaced (`UPDATE t SET col.f = ...`,
/// `INSERT INTO t (col.f)`); a NULL composite starts with all fields NULL.
pub fn with_field(oid: u32, current: &Datum, index: usize, value: Datum) -> SqlResult<Datum> {
    let fields = fields_of(oid)?;
    let mut values = match current {
        Datum::Text(text) => values(oid, text)?,
        _ => vec![Datum::Null; fields.len()],
    };
    let slot = values
        .get_mut(index)
        .ok_or_else(|| SqlError::internal("composite field index out of range"))?;
    *slot = value;
    Ok(Datum::Text(from_values(&values)))
}

/// The field types of the composite type `oid` (None if not registered).
pub fn field_types(oid: u32) -> Option<Vec<SqlType>> {
    user_types::composite_fields(oid).map(|fs| fs.iter().map(|f| f.ty.ty).collect())
}

/// The typed fields of a value with their types (None for text that does
/// not read as the type, which no value of this module is).
pub fn typed_fields(oid: u32, text: &str) -> Option<Vec<(Datum, SqlType)>> {
    let types = field_types(oid)?;
    let values = values(oid, text).ok()?;
    Some(values.into_iter().zip(types).collect())
}

/// Index and type of the field `name` of the composite type `oid`.
pub fn field_named(oid: u32, name: &str) -> Option<(usize, ColType)> {
    let fields = user_types::composite_fields(oid)?;
    fields
        .iter()
        .position(|f| f.name == name)
        .map(|i| (i, fields[i].ty))
}

/// `row IS NULL` (every field NULL) or, negated, `row IS NOT NULL` (no
/// field NULL), as PostgreSQL defines them for rows.
pub fn row_is_null(value: &Datum, negated: bool) -> SqlResult<bool> {
    let Datum::Text(text) = value else {
        return Ok(!negated);
    };
    let raw = parse_record(text)?;
    Ok(if negated {
        raw.iter().all(Option::is_some)
    } else {
        raw.iter().all(Option::is_none)
    })
}

/// Ordering of two values of one row type (`record_cmp`): field by field,
/// a NULL field after every non-NULL one. Fields of an anonymous record
/// (`oid` None) have no known types and compare as text. Text that does
/// not parse (it cannot be produced by this module) compares bytewise.
pub fn compare(oid: Option<u32>, a: &str, b: &str) -> Ordering {
    let typed_pair = |oid: u32| -> SqlResult<(Vec<Datum>, Vec<Datum>, Vec<SqlType>)> {
        let fields = fields_of(oid)?;
        let tys = fields.iter().map(|f| f.ty.ty).collect();
        Ok((values(oid, a)?, values(oid, b)?, tys))
    };
    let parsed = match oid {
        Some(oid) => typed_pair(oid),
        None => (|| {
            let texts = |s: &str| -> SqlResult<Vec<Datum>> {
                Ok(parse_record(s)?
                    .into_iter()
                    .map(|f| f.map_or(Datum::Null, Datum::Text))
                    .collect())
            };
            let (x, y) = (texts(a)?, texts(b)?);
            let tys = vec![SqlType::Text; x.len().max(y.len())];
            Ok((x, y, tys))
        })(),
    };
    let Ok((x, y, tys)) = parsed else {
        return a.as_bytes().cmp(b.as_bytes());
    };
    for ((l, r), ty) in x.iter().zip(&y).zip(tys) {
        let c = datum::compare(l, r, ty);
        if c != Ordering::Equal {
            return c;
        }
    }
    x.len().cmp(&y.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Vec<Option<String>> {
        parse_record(s).unwrap()
    }

    fn some(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn reads_quoting_escapes_and_nulls_like_record_in() {
        assert_eq!(fields("(1,abc)"), vec![some("1"), some("abc")]);
        assert_eq!(fields("(1,\"a b\")"), vec![some("1"), some("a b")]);
        assert_eq!(fields("(,\"\")"), vec![None, some("")]);
        assert_eq!(fields("()"), vec![None]);
        assert_eq!(fields("(,)"), vec![None, None]);
        assert_eq!(
            fields("(\"a\"\"b\",c\\,d)"),
            vec![some("a\"b"), some("c,d")]
        );
        assert_eq!(fields("( 1 , x )  "), vec![some(" 1 "), some(" x ")]);
        assert_eq!(fields("(a\"b,c\"d)"), vec![some("ab,cd")]);
    }

    #[test]
    fn rejects_malformed_records_with_postgresql_details() {
        for (text, detail) in [
            ("1,2", "Missing left parenthesis."),
            ("(1,2", "Unexpected end of input."),
            ("(1,\"2)", "Unexpected end of input."),
            ("(1,2) x", "Junk after right parenthesis."),
            ("(1\\", "Unexpected end of input."),
        ] {
            let e = parse_record(text).unwrap_err();
            assert_eq!(e.sqlstate, "22P02", "{text}");
            assert_eq!(e.detail.as_deref(), Some(detail), "{text}");
        }
    }

    #[test]
    fn writes_quoting_like_record_out() {
        let out = format_record(&[
            some("1"),
            some("a b"),
            None,
            some(""),
            some("q\"b\\"),
            some("(x)"),
        ]);
        assert_eq!(out, "(1,\"a b\",,\"\",\"q\"\"b\\\\\",\"(x)\")");
        assert_eq!(format_record(&[]), "()");
    }

    #[test]
    fn output_reads_back_to_the_same_fields() {
        let samples = [
            "",
            " ",
            "a",
            "a b",
            "\"",
            "\\",
            "(",
            ")",
            ",",
            "x\"y\\z,(w)",
            "tab\there",
            "é ü",
        ];
        for a in samples {
            for b in samples {
                let row = vec![some(a), None, some(b)];
                assert_eq!(
                    parse_record(&format_record(&row)).unwrap(),
                    row,
                    "{a:?} {b:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_fields_read_back_after_output(
            row in proptest::collection::vec(proptest::option::of(".*"), 0..6)
        ) {
            // `()` reads as one NULL field (PostgreSQL has no zero-field literal).
            proptest::prop_assume!(!row.is_empty());
            let text = format_record(&row);
            proptest::prop_assert_eq!(parse_record(&text).unwrap(), row);
        }
    }

    #[test]
    fn row_null_tests_use_all_fields() {
        let t = |s: &str| Datum::Text(s.to_string());
        assert!(row_is_null(&t("(,)"), false).unwrap());
        assert!(!row_is_null(&t("(1,)"), false).unwrap());
        assert!(!row_is_null(&t("(1,)"), true).unwrap());
        assert!(row_is_null(&t("(1,2)"), true).unwrap());
        assert!(row_is_null(&Datum::Null, false).unwrap());
        assert!(!row_is_null(&Datum::Null, true).unwrap());
    }
}
