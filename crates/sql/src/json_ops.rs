//! The jsonb operators beyond `->` / `->>`: path extraction `#>` / `#>>`
//! (also on json), key existence `?` / `?|` / `?&`, containment `@>` /
//! `<@`, concatenation `||`, deletion `-` (key, keys, index) and `#-`
//! (path), and the functions that inspect or rewrite one value
//! (`json[b]_typeof`, `json[b]_array_length`, `jsonb_set`, `jsonb_insert`,
//! `json[b]_strip_nulls`, `jsonb_pretty`), with PostgreSQL 15's results and
//! errors. Values are parsed into an owned tree, changed, and printed back
//! in jsonb's normalized form.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::json::{self, Kind, Node};
use crate::numeric::Numeric;

/// A jsonb operator or value function (`SysFn::Json(JsonFn::Op(..))`);
/// all are strict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonOp {
    /// `#>` (`as_text`: `#>>`) with a text[] path.
    Path { as_text: bool },
    /// `?` one key.
    Exists,
    /// `?|` (any) / `?&` (all) of a text[] of keys.
    ExistsAny { all: bool },
    /// `@>`; `<@` is bound with its operands swapped.
    Contains,
    /// `||`.
    Concat,
    /// `- text`.
    DeleteKey,
    /// `- text[]`.
    DeleteKeys,
    /// `- int`.
    DeleteIndex,
    /// `#- text[]`.
    DeletePath,
    /// `json[b]_typeof(v)`.
    Typeof,
    /// `json[b]_array_length(v)`.
    ArrayLength,
    /// `jsonb_set(target, path, value [, create_missing])`.
    Set,
    /// `jsonb_insert(target, path, value [, insert_after])`.
    Insert,
    /// `json[b]_strip_nulls(v)` (json keeps its keys' order and duplicates,
    /// written without spaces).
    StripNulls { jsonb: bool },
    /// `jsonb_pretty(v)`.
    Pretty,
}

/// An owned JSON value; numbers keep their text.
#[derive(Clone, Debug)]
enum Value {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    fn of(src: &str, n: &Node) -> Value {
        match &n.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number => Value::Number(src[n.start..n.end].to_string()),
            Kind::Str(s) => Value::Str(s.clone()),
            Kind::Array(items) => Value::Array(items.iter().map(|i| Value::of(src, i)).collect()),
            Kind::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::of(src, v)))
                    .collect(),
            ),
        }
    }

    fn parse(text: &str) -> SqlResult<Value> {
        Ok(Value::of(text, &json::parse(text, "json")?))
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::Str(s) => crate::json_build::quote(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    crate::json_build::quote(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// json_strip_nulls' layout: no spaces at all.
    fn write_compact(&self, out: &mut String) {
        match self {
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    crate::json_build::quote(k, out);
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
            scalar => scalar.write(out),
        }
    }

    /// jsonb_pretty's layout: four-space indents, one element per line.
    fn write_pretty(&self, depth: usize, out: &mut String) {
        let indent = |out: &mut String, d: usize| out.push_str(&" ".repeat(4 * d));
        match self {
            Value::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    indent(out, depth + 1);
                    item.write_pretty(depth + 1, out);
                }
                if !items.is_empty() {
                    out.push('\n');
                }
                indent(out, depth);
                out.push(']');
            }
            Value::Object(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    indent(out, depth + 1);
                    crate::json_build::quote(k, out);
                    out.push_str(": ");
                    v.write_pretty(depth + 1, out);
                }
                if !fields.is_empty() {
                    out.push('\n');
                }
                indent(out, depth);
                out.push('}');
            }
            scalar => scalar.write(out),
        }
    }

    fn into_jsonb(self) -> SqlResult<Datum> {
        let mut out = String::new();
        self.write(&mut out);
        Ok(Datum::Jsonb(json::parse_jsonb(&out)?))
    }

    fn is_container(&self) -> bool {
        matches!(self, Value::Array(_) | Value::Object(_))
    }

    fn scalar_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => match (Numeric::parse(a), Numeric::parse(b)) {
                (Ok(a), Ok(b)) => a == b,
                _ => a == b,
            },
            _ => false,
        }
    }
}

/// Evaluates a jsonb operator over non-null operands.
pub fn call(op: JsonOp, vals: &[Datum]) -> SqlResult<Datum> {
    if vals.iter().any(Datum::is_null) {
        return Ok(Datum::Null);
    }
    let Some(Datum::Json(doc) | Datum::Jsonb(doc)) = vals.first() else {
        return Err(SqlError::internal("jsonb operator on a non-json operand"));
    };
    let is_jsonb = matches!(vals.first(), Some(Datum::Jsonb(_)));
    match op {
        JsonOp::Typeof => {
            let kind = match json::parse(doc, "json")?.kind {
                Kind::Object(_) => "object",
                Kind::Array(_) => "array",
                Kind::Number => "number",
                Kind::Str(_) => "string",
                Kind::Bool(_) => "boolean",
                Kind::Null => "null",
            };
            return Ok(Datum::Text(kind.into()));
        }
        JsonOp::ArrayLength => {
            return match json::parse(doc, "json")?.kind {
                Kind::Array(items) => Ok(Datum::Int4(
                    i32::try_from(items.len()).map_err(|_| SqlError::out_of_range("integer"))?,
                )),
                Kind::Object(_) => Err(SqlError::new(
                    "22023",
                    "cannot get array length of a non-array",
                )),
                _ => Err(SqlError::new(
                    "22023",
                    "cannot get array length of a scalar",
                )),
            };
        }
        JsonOp::StripNulls { jsonb } => {
            let mut v = Value::parse(doc)?;
            strip_nulls(&mut v);
            if jsonb {
                return v.into_jsonb();
            }
            let mut out = String::new();
            v.write_compact(&mut out);
            return Ok(Datum::Json(out));
        }
        JsonOp::Pretty => {
            let mut out = String::new();
            Value::parse(doc)?.write_pretty(0, &mut out);
            return Ok(Datum::Text(out));
        }
        JsonOp::Set | JsonOp::Insert => {
            let mut target = Value::parse(doc)?;
            if !target.is_container() {
                return Err(SqlError::new("22023", "cannot set path in scalar"));
            }
            let path = checked_path(vals.get(1))?;
            let value = Value::parse(json_text(vals.get(2).unwrap_or(&Datum::Null))?)?;
            let flag = vals.get(3).map(|f| matches!(f, Datum::Bool(true)));
            let mode = if op == JsonOp::Set {
                SetMode::Set {
                    create_missing: flag.unwrap_or(true),
                }
            } else {
                SetMode::Insert {
                    after: flag.unwrap_or(false),
                }
            };
            set_path(&mut target, &path, 0, value, mode)?;
            return target.into_jsonb();
        }
        _ => {}
    }
    let Some(right) = vals.get(1) else {
        return Err(SqlError::internal("jsonb operator takes two operands"));
    };
    match op {
        JsonOp::Path { as_text } => path_get(doc, &text_items(right), as_text, is_jsonb),
        JsonOp::Exists => {
            let key = right.to_text(1).unwrap_or_default();
            Ok(Datum::Bool(has_key(&Value::parse(doc)?, &key)))
        }
        JsonOp::ExistsAny { all } => {
            let value = Value::parse(doc)?;
            let keys = text_items(right);
            let mut present = keys.iter().flatten().map(|k| has_key(&value, k));
            Ok(Datum::Bool(if all {
                present.all(|p| p)
            } else {
                present.any(|p| p)
            }))
        }
        JsonOp::Contains => {
            let right = json_text(right)?;
            let (a, b) = (Value::parse(doc)?, Value::parse(right)?);
            Ok(Datum::Bool(contains(&a, &b, true)))
        }
        JsonOp::Concat => concat(Value::parse(doc)?, Value::parse(json_text(right)?)?),
        JsonOp::DeleteKey => {
            let key = right.to_text(1).unwrap_or_default();
            delete_keys(Value::parse(doc)?, &[Some(key)])
        }
        JsonOp::DeleteKeys => delete_keys(Value::parse(doc)?, &text_items(right)),
        JsonOp::DeleteIndex => {
            let index = right
                .as_i64()
                .ok_or_else(|| SqlError::internal("jsonb - of a non-integer"))?;
            match Value::parse(doc)? {
                Value::Array(mut items) => {
                    if let Some(i) = resolve_index(index, items.len()) {
                        items.remove(i);
                    }
                    Value::Array(items).into_jsonb()
                }
                Value::Object(_) => Err(SqlError::new(
                    "22023",
                    "cannot delete from object using integer index",
                )),
                _ => Err(SqlError::new("22023", "cannot delete from scalar")),
            }
        }
        JsonOp::DeletePath => {
            let mut value = Value::parse(doc)?;
            if !value.is_container() {
                return Err(SqlError::new("22023", "cannot delete path in scalar"));
            }
            let path = checked_path(Some(right))?;
            delete_path(&mut value, &path, 0)?;
            value.into_jsonb()
        }
        JsonOp::Typeof
        | JsonOp::ArrayLength
        | JsonOp::StripNulls { .. }
        | JsonOp::Pretty
        | JsonOp::Set
        | JsonOp::Insert => Err(SqlError::internal("json value function dispatch")),
    }
}

/// A text[] path whose elements must not be NULL.
fn checked_path(d: Option<&Datum>) -> SqlResult<Vec<String>> {
    let items = d.map(text_items).unwrap_or_default();
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            item.ok_or_else(|| {
                SqlError::new(
                    "22004",
                    format!("path element at position {} is null", i + 1),
                )
            })
        })
        .collect()
}

/// An array step of a path: an integer, 22P02 otherwise.
fn path_index(step: &str, depth: usize) -> SqlResult<i64> {
    step.trim().parse().map_err(|_| {
        SqlError::new(
            "22P02",
            format!(
                "path element at position {} is not an integer: \"{step}\"",
                depth + 1
            ),
        )
    })
}

/// What happens at the end of a jsonb_set / jsonb_insert path.
#[derive(Clone, Copy)]
enum SetMode {
    /// Replace; add a missing key or element only with `create_missing`.
    Set { create_missing: bool },
    /// Add before (or `after`) the element; an existing key is an error.
    Insert { after: bool },
}

/// jsonb_set / jsonb_insert at a path; a missing or scalar intermediate
/// step leaves `v` unchanged.
fn set_path(
    v: &mut Value,
    path: &[String],
    depth: usize,
    new: Value,
    mode: SetMode,
) -> SqlResult<()> {
    let Some(step) = path.get(depth) else {
        return Ok(());
    };
    let last = depth + 1 == path.len();
    match v {
        Value::Object(fields) => match fields.iter_mut().find(|(k, _)| k == step) {
            Some((_, child)) if last => match mode {
                SetMode::Set { .. } => *child = new,
                SetMode::Insert { .. } => {
                    return Err(SqlError::new("22023", "cannot replace existing key")
                        .with_hint("Try using the function jsonb_set to replace key value."))
                }
            },
            Some((_, child)) => set_path(child, path, depth + 1, new, mode)?,
            None if last
                && !matches!(
                    mode,
                    SetMode::Set {
                        create_missing: false
                    }
                ) =>
            {
                fields.push((step.clone(), new))
            }
            None => {}
        },
        Value::Array(items) => {
            let index = path_index(step, depth)?;
            match (resolve_index(index, items.len()), mode) {
                (Some(i), SetMode::Set { .. }) if last => items[i] = new,
                (Some(i), SetMode::Insert { after }) if last => {
                    items.insert(i + usize::from(after), new)
                }
                (Some(i), _) => set_path(&mut items[i], path, depth + 1, new, mode)?,
                (
                    None,
                    SetMode::Set {
                        create_missing: false,
                    },
                ) => {}
                (None, _) if last => {
                    if index < 0 {
                        items.insert(0, new);
                    } else {
                        items.push(new);
                    }
                }
                (None, _) => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// jsonb_strip_nulls: drops object fields whose value is null, at every
/// depth (array elements stay).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(fields) => {
            fields.retain(|(_, f)| !matches!(f, Value::Null));
            fields.iter_mut().for_each(|(_, f)| strip_nulls(f));
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn json_text(d: &Datum) -> SqlResult<&str> {
    match d {
        Datum::Json(s) | Datum::Jsonb(s) => Ok(s),
        _ => Err(SqlError::internal("jsonb operand expected")),
    }
}

/// The elements of a text[] (NULL elements as None).
fn text_items(d: &Datum) -> Vec<Option<String>> {
    match d {
        Datum::Array(items) => items.iter().map(|i| i.to_text(1)).collect(),
        other => vec![other.to_text(1)],
    }
}

/// An array subscript: negative counts from the end; None past either end.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if index < 0 { len + index } else { index };
    if (0..len).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

/// `#>` / `#>>`: the value at a path (a missing step or a NULL path
/// element gives NULL).
fn path_get(doc: &str, path: &[Option<String>], as_text: bool, is_jsonb: bool) -> SqlResult<Datum> {
    let root = json::parse(doc, "json")?;
    let mut node = &root;
    for step in path {
        let Some(step) = step else {
            return Ok(Datum::Null);
        };
        let next = match &node.kind {
            Kind::Object(fields) => fields.iter().rev().find(|f| &f.0 == step).map(|f| &f.1),
            Kind::Array(items) => step
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|i| resolve_index(i, items.len()))
                .and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return Ok(Datum::Null),
        }
    }
    let text = doc[node.start..node.end].to_string();
    Ok(match (as_text, &node.kind) {
        (true, Kind::Null) => Datum::Null,
        (true, Kind::Str(s)) => Datum::Text(s.clone()),
        (true, _) => Datum::Text(text),
        (false, _) if is_jsonb => Datum::Jsonb(text),
        (false, _) => Datum::Json(text),
    })
}

/// `?`: a top-level key, a string array element, or the string itself.
fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(fields) => fields.iter().any(|(k, _)| k == key),
        Value::Array(items) => items.iter().any(|i| matches!(i, Value::Str(s) if s == key)),
        Value::Str(s) => s == key,
        _ => false,
    }
}

/// jsonb containment (PostgreSQL's JsonbDeepContains); a top-level array
/// also contains a scalar element.
fn contains(a: &Value, b: &Value, top: bool) -> bool {
    match (a, b) {
        (Value::Object(af), Value::Object(bf)) => bf.iter().all(|(k, bv)| {
            af.iter()
                .rev()
                .find(|(ak, _)| ak == k)
                .is_some_and(|(_, av)| {
                    if bv.is_container() {
                        contains(av, bv, false)
                    } else {
                        av.scalar_eq(bv)
                    }
                })
        }),
        (Value::Array(ai), Value::Array(bi)) => bi.iter().all(|bv| {
            if bv.is_container() {
                ai.iter().any(|av| contains(av, bv, false))
            } else {
                ai.iter().any(|av| av.scalar_eq(bv))
            }
        }),
        (Value::Array(ai), scalar) if top && !scalar.is_container() => {
            ai.iter().any(|av| av.scalar_eq(scalar))
        }
        (a, b) if !a.is_container() && !b.is_container() => a.scalar_eq(b),
        _ => false,
    }
}

/// `||`: arrays concatenate, objects merge (the right wins), anything
/// else is wrapped into an array first.
fn concat(a: Value, b: Value) -> SqlResult<Datum> {
    let joined = match (a, b) {
        (Value::Object(mut af), Value::Object(bf)) => {
            af.extend(bf);
            Value::Object(af)
        }
        (Value::Array(mut ai), Value::Array(bi)) => {
            ai.extend(bi);
            Value::Array(ai)
        }
        (Value::Array(mut ai), b) => {
            ai.push(b);
            Value::Array(ai)
        }
        (a, Value::Array(bi)) => {
            let mut items = vec![a];
            items.extend(bi);
            Value::Array(items)
        }
        (a, b) => Value::Array(vec![a, b]),
    };
    joined.into_jsonb()
}

/// `- text` / `- text[]`: object keys, or string elements of an array.
fn delete_keys(v: Value, keys: &[Option<String>]) -> SqlResult<Datum> {
    let doomed = |s: &str| keys.iter().flatten().any(|k| k == s);
    match v {
        Value::Object(fields) => {
            Value::Object(fields.into_iter().filter(|(k, _)| !doomed(k)).collect()).into_jsonb()
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|i| !matches!(i, Value::Str(s) if doomed(s)))
                .collect(),
        )
        .into_jsonb(),
        _ => Err(SqlError::new("22023", "cannot delete from scalar")),
    }
}

/// `#-`: removes the value at `path[depth..]` below `v` if it exists.
fn delete_path(v: &mut Value, path: &[String], depth: usize) -> SqlResult<()> {
    let Some(step) = path.get(depth) else {
        return Ok(());
    };
    let last = depth + 1 == path.len();
    match v {
        Value::Object(fields) => {
            if last {
                fields.retain(|(k, _)| k != step);
            } else if let Some((_, child)) = fields.iter_mut().find(|(k, _)| k == step) {
                delete_path(child, path, depth + 1)?;
            }
        }
        Value::Array(items) => {
            let index = path_index(step, depth)?;
            if let Some(i) = resolve_index(index, items.len()) {
                if last {
                    items.remove(i);
                } else {
                    delete_path(&mut items[i], path, depth + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jsonb(s: &str) -> Datum {
        Datum::Jsonb(json::parse_jsonb(s).unwrap())
    }

    fn text_array(items: &[&str]) -> Datum {
        Datum::Array(items.iter().map(|s| Datum::Text(s.to_string())).collect())
    }

    #[test]
    fn containment_follows_postgres() {
        let c = |a: &str, b: &str| call(JsonOp::Contains, &[jsonb(a), jsonb(b)]).unwrap();
        assert_eq!(
            c(r#"{"a":1,"b":{"c":[1,2,3]}}"#, r#"{"b":{"c":[3]}}"#),
            Datum::Bool(true)
        );
        assert_eq!(c("[1,2]", "1"), Datum::Bool(true));
        assert_eq!(c("1", "[1]"), Datum::Bool(false));
        assert_eq!(c(r#"{"a":1.0}"#, r#"{"a":1}"#), Datum::Bool(true));
        assert_eq!(c(r#"{"a":[1,2]}"#, r#"{"a":1}"#), Datum::Bool(false));
    }

    #[test]
    fn deletion_and_concatenation() {
        let d = call(
            JsonOp::DeletePath,
            &[jsonb("[1,[2,3]]"), text_array(&["1", "0"])],
        )
        .unwrap();
        assert_eq!(d, Datum::Jsonb("[1, [3]]".into()));
        let err = call(JsonOp::DeletePath, &[jsonb("[1]"), text_array(&["x"])]).unwrap_err();
        assert_eq!(err.sqlstate, "22P02");
        let err = call(JsonOp::DeleteIndex, &[jsonb(r#"{"a":1}"#), Datum::Int4(1)]).unwrap_err();
        assert_eq!(err.message, "cannot delete from object using integer index");
        let insert = |path: &[&str], after: bool| {
            call(
                JsonOp::Insert,
                &[
                    jsonb("[1,2,3]"),
                    text_array(path),
                    jsonb("9"),
                    Datum::Bool(after),
                ],
            )
            .unwrap()
        };
        assert_eq!(insert(&["1"], false), Datum::Jsonb("[1, 9, 2, 3]".into()));
        assert_eq!(insert(&["-1"], true), Datum::Jsonb("[1, 2, 3, 9]".into()));
        let err = call(
            JsonOp::Insert,
            &[jsonb(r#"{"a":1}"#), text_array(&["a"]), jsonb("9")],
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot replace existing key");
        let j = call(JsonOp::Concat, &[jsonb(r#"{"a":1}"#), jsonb(r#""x""#)]).unwrap();
        assert_eq!(j, Datum::Jsonb(r#"[{"a": 1}, "x"]"#.into()));
    }
}
