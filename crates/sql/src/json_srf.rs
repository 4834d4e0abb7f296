//! The JSON set-returning functions: `json[b]_array_elements`
//! (each element as json[b]), `json[b]_array_elements_text` (each element
//! as text, strings unescaped, null as NULL), `json[b]_object_keys`, and
//! the two columns of `json[b]_each[_text]` in FROM (two calls run in
//! lockstep, one per column), with
//! PostgreSQL 15's errors for the wrong kind of document.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::json::{self, Kind};
use crate::types::SqlType;

/// Which function (`SrfFunc::Json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonSrf {
    ArrayElements {
        jsonb: bool,
        as_text: bool,
    },
    ObjectKeys {
        jsonb: bool,
    },
    /// The key column of `json[b]_each[_text]` in FROM.
    EachKey {
        jsonb: bool,
        as_text: bool,
    },
    /// The value column of `json[b]_each[_text]`; it runs in lockstep with
    /// `EachKey` over the same document.
    EachValue {
        jsonb: bool,
        as_text: bool,
    },
}

impl JsonSrf {
    /// The function for a name, if it is one of these.
    pub fn by_name(name: &str) -> Option<JsonSrf> {
        let jsonb = name.starts_with("jsonb");
        Some(match name {
            "json_array_elements" | "jsonb_array_elements" => JsonSrf::ArrayElements {
                jsonb,
                as_text: false,
            },
            "json_array_elements_text" | "jsonb_array_elements_text" => JsonSrf::ArrayElements {
                jsonb,
                as_text: true,
            },
            "json_object_keys" | "jsonb_object_keys" => JsonSrf::ObjectKeys { jsonb },
            _ => return None,
        })
    }

    /// The document's type (the argument) and the rows' type.
    pub fn types(self) -> (SqlType, SqlType) {
        let (JsonSrf::ArrayElements { jsonb, .. }
        | JsonSrf::ObjectKeys { jsonb }
        | JsonSrf::EachKey { jsonb, .. }
        | JsonSrf::EachValue { jsonb, .. }) = self;
        let doc = if jsonb { SqlType::Jsonb } else { SqlType::Json };
        let rows = match self {
            JsonSrf::ArrayElements { as_text: false, .. }
            | JsonSrf::EachValue { as_text: false, .. } => doc,
            _ => SqlType::Text,
        };
        (doc, rows)
    }

    fn name(self) -> &'static str {
        match self {
            JsonSrf::ArrayElements {
                jsonb: true,
                as_text: false,
            } => "jsonb_array_elements",
            JsonSrf::ArrayElements {
                jsonb: true,
                as_text: true,
            } => "jsonb_array_elements_text",
            JsonSrf::ArrayElements {
                jsonb: false,
                as_text: false,
            } => "json_array_elements",
            JsonSrf::ArrayElements {
                jsonb: false,
                as_text: true,
            } => "json_array_elements_text",
            JsonSrf::ObjectKeys { jsonb: true } => "jsonb_object_keys",
            JsonSrf::ObjectKeys { jsonb: false } => "json_object_keys",
            JsonSrf::EachKey { jsonb, as_text } | JsonSrf::EachValue { jsonb, as_text } => {
                match (jsonb, as_text) {
                    (true, true) => "jsonb_each_text",
                    (true, false) => "jsonb_each",
                    (false, true) => "json_each_text",
                    (false, false) => "json_each",
                }
            }
        }
    }
}

/// The rows of one call over a non-null document.
pub fn rows(f: JsonSrf, doc: &Datum) -> SqlResult<Vec<Datum>> {
    let (Datum::Json(text) | Datum::Jsonb(text)) = doc else {
        return Err(SqlError::internal(
            "json set-returning call on a non-json value",
        ));
    };
    let root = json::parse(text, "json")?;
    let is_object = matches!(root.kind, Kind::Object(_));
    let error = |message: String| Err(SqlError::new("22023", message));
    match f {
        JsonSrf::ArrayElements { jsonb, as_text } => {
            let Kind::Array(items) = &root.kind else {
                let what = match (jsonb, is_object) {
                    (true, true) => "cannot extract elements from an object".to_string(),
                    (true, false) => "cannot extract elements from a scalar".to_string(),
                    (false, true) => format!("cannot call {} on a non-array", f.name()),
                    (false, false) => format!("cannot call {} on a scalar", f.name()),
                };
                return error(what);
            };
            Ok(items
                .iter()
                .map(|item| element_value(text, item, jsonb, as_text))
                .collect())
        }
        JsonSrf::EachKey { jsonb, as_text } | JsonSrf::EachValue { jsonb, as_text } => {
            let Kind::Object(fields) = &root.kind else {
                return error(match (jsonb, matches!(root.kind, Kind::Array(_))) {
                    (true, _) => format!("cannot call {} on a non-object", f.name()),
                    (false, true) => "cannot deconstruct an array as an object".to_string(),
                    (false, false) => "cannot deconstruct a scalar".to_string(),
                });
            };
            let keys = matches!(f, JsonSrf::EachKey { .. });
            Ok(fields
                .iter()
                .map(|(k, v)| {
                    if keys {
                        Datum::Text(k.clone())
                    } else {
                        element_value(text, v, jsonb, as_text)
                    }
                })
                .collect())
        }
        JsonSrf::ObjectKeys { .. } => {
            let Kind::Object(fields) = &root.kind else {
                let what = if matches!(root.kind, Kind::Array(_)) {
                    "an array"
                } else {
                    "a scalar"
                };
                return error(format!("cannot call {} on {what}", f.name()));
            };
            Ok(fields.iter().map(|(k, _)| Datum::Text(k.clone())).collect())
        }
    }
}

/// One array element or object value of the document `text`: as text
/// (`_text` functions: strings unquoted, null as NULL) or as json/jsonb.
fn element_value(text: &str, node: &json::Node, jsonb: bool, as_text: bool) -> Datum {
    let slice = text[node.start..node.end].to_string();
    match (&node.kind, as_text) {
        (Kind::Null, true) => Datum::Null,
        (Kind::Str(s), true) => Datum::Text(s.clone()),
        (_, true) => Datum::Text(slice),
        (_, false) if jsonb => Datum::Jsonb(slice),
        (_, false) => Datum::Json(slice),
    }
}
