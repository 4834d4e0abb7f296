//! Object descriptions: `COMMENT ON <object> IS '...'`, what PostgreSQL
//! keeps in pg_description / pg_shdescription and shows through
//! `obj_description`, `col_description`, `shobj_description` and psql's
//! `\d+`, `\dt+`, `\dn+`, `\dT+`, `\df+`, `\l+`, `\du+`.
//!
//! Storage: one catalog entry per described object under
//! `0x00 'D' <object key> 0x00 <kind letter> [<column>]` (JSON
//! `Description`), versioned and transactional like every other catalog
//! change; the key starts with the object's catalog key so a temporary
//! object's description stays in its session (`session_temp`). Objects are
//! named by catalog key, not by the generated OIDs, which are positional
//! for views and sequences. After every DDL statement `track` moves the
//! descriptions of renamed objects (a table by its id, a column by its
//! position, anything else when exactly one object of its kind went and
//! one came) and forgets those of dropped objects, so DDL code does not
//! need to know about descriptions.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

use crate::catalog::Catalog;
use crate::ddl::DdlChange;
use crate::encoding::CATALOG_PREFIX;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

/// Catalog key tag of a `Description`.
pub const DESCRIPTION_TAG: u8 = b'D';

/// What a description is attached to, by catalog key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Described {
    /// A table, view, sequence or index.
    Relation(String),
    /// A column of a table or view: (relation key, column name).
    Column(String, String),
    Schema(String),
    /// A user-defined type or domain.
    Type(String),
    /// A function by its pg_proc oid (stable for its life).
    Function(u32),
    Role(String),
    /// The one database.
    Database,
}

impl Described {
    /// The catalog key the object is stored under (its first key bytes).
    fn object_key(&self) -> String {
        match self {
            Described::Relation(k)
            | Described::Column(k, _)
            | Described::Schema(k)
            | Described::Type(k)
            | Described::Role(k) => k.clone(),
            Described::Function(oid) => oid.to_string(),
            Described::Database => crate::privileges::DATABASE.to_string(),
        }
    }

    /// Whether the object's catalog key satisfies `test` (temporary objects).
    pub fn is_of_key(&self, test: impl Fn(&str) -> bool) -> bool {
        matches!(self, Described::Relation(_) | Described::Column(..)) && test(&self.object_key())
    }

    fn kind_letter(&self) -> u8 {
        match self {
            Described::Relation(_) => b'r',
            Described::Column(..) => b'c',
            Described::Schema(_) => b'n',
            Described::Type(_) => b't',
            Described::Function(_) => b'f',
            Described::Role(_) => b'a',
            Described::Database => b'd',
        }
    }
}

/// One stored description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    pub version: u32,
    pub object: Described,
    pub text: String,
}

/// Descriptions by object.
pub type Descriptions = BTreeMap<Described, Arc<Description>>;

pub fn description_key(object: &Described) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, DESCRIPTION_TAG];
    k.extend_from_slice(object.object_key().as_bytes());
    k.push(0);
    k.push(object.kind_letter());
    if let Described::Column(_, column) = object {
        k.extend_from_slice(column.as_bytes());
    }
    k
}

/// Loads one stored entry into `descriptions`.
pub fn load_entry(descriptions: &mut Descriptions, value: &[u8]) -> SqlResult<()> {
    let d: Description = serde_json::from_slice(value)
        .map_err(|e| SqlError::internal(format!("corrupt catalog entry description: {e}")))?;
    descriptions.insert(d.object.clone(), Arc::new(d));
    Ok(())
}

/// Sets (`Some`) or removes (`None`) `object`'s description in `next`,
/// returning the catalog mutation.
fn set(next: &mut Catalog, object: Described, text: Option<String>) -> SqlResult<Mutation> {
    let key = description_key(&object);
    let value = match text {
        // PostgreSQL treats an empty comment as removing it.
        Some(text) if !text.is_empty() => {
            let d = Description {
                version: 1,
                object: object.clone(),
                text,
            };
            let bytes = serde_json::to_vec(&d).map_err(|e| SqlError::internal(e.to_string()))?;
            next.descriptions.insert(object, Arc::new(d));
            Some(bytes)
        }
        _ => {
            next.descriptions.remove(&object);
            None
        }
    };
    Ok(Mutation { key, value })
}

// ---------------------------------------------------------------- COMMENT ON

/// The parts of a (possibly qualified) object name.
fn name_parts(name: &ast::ObjectName) -> SqlResult<Vec<String>> {
    name.0
        .iter()
        .map(|p| {
            p.as_ident()
                .map(crate::binder::ident_name)
                .ok_or_else(|| SqlError::unsupported("this kind of name"))
        })
        .collect()
}

/// A relation of the given relkinds named by `parts` (search path applied
/// to an unqualified name): its catalog key and relkind.
fn find_relation(cat: &Catalog, parts: &[String]) -> SqlResult<(String, &'static str)> {
    let relations = crate::pg_catalog::relation_keys(cat);
    let candidates: Vec<String> = match parts {
        [name] => cat
            .search_path
            .lookup_order(cat)
            .iter()
            .map(|s| crate::schema::qualified(s, name))
            .collect(),
        [schema, name] => vec![crate::schema::qualified(schema, name)],
        _ => return Err(improper_name(parts)),
    };
    for key in candidates {
        if let Some((_, kind)) = relations.iter().find(|(k, _)| *k == key) {
            return Ok((key, kind));
        }
    }
    Err(SqlError::new(
        "42P01",
        format!("relation \"{}\" does not exist", parts.join(".")),
    ))
}

fn improper_name(parts: &[String]) -> SqlError {
    SqlError::new(
        "42601",
        format!(
            "improper qualified name (too many dotted names): {}",
            parts.join(".")
        ),
    )
}

fn wrong_kind(parts: &[String], noun: &str) -> SqlError {
    SqlError::new(
        "42809",
        format!(
            "\"{}\" is not {noun}",
            parts.last().map_or("", String::as_str)
        ),
    )
}

/// COMMENT ON <object> IS 'text' | NULL.
pub fn comment_on(
    cat: &Catalog,
    user: &str,
    object_type: ast::CommentObject,
    name: &ast::ObjectName,
    text: Option<String>,
    if_exists: bool,
) -> SqlResult<Option<DdlChange>> {
    use ast::CommentObject as O;
    let parts = name_parts(name)?;
    let found = match object_type {
        O::Table | O::View | O::Sequence | O::Index => {
            let (key, kind) = match find_relation(cat, &parts) {
                Ok(r) => r,
                Err(_) if if_exists => return Ok(None),
                Err(e) => return Err(e),
            };
            let (wanted, noun): (&[&str], &str) = match object_type {
                O::Table => (&["r", "p"], "a table"),
                O::View => (&["v"], "a view"),
                O::Sequence => (&["S"], "a sequence"),
                _ => (&["i"], "an index"),
            };
            if !wanted.contains(&kind) {
                return Err(wrong_kind(&parts, noun));
            }
            crate::privileges::require_relation_owner(cat, user, &key)?;
            Described::Relation(key)
        }
        O::Column => {
            let (rel, column) = match parts.split_last() {
                Some((column, rel)) if !rel.is_empty() => (rel, column),
                _ => {
                    return Err(SqlError::new(
                        "42601",
                        "column name must be qualified".to_string(),
                    ))
                }
            };
            let (key, kind) = find_relation(cat, rel)?;
            let has_column = match kind {
                "v" => cat
                    .views
                    .get(&key)
                    .is_some_and(|v| v.columns.iter().any(|c| c == column)),
                "r" | "p" => cat
                    .tables
                    .get(&key)
                    .is_some_and(|t| t.column_index(column).is_some()),
                _ => {
                    return Err(SqlError::new(
                        "42809",
                        format!(
                            "cannot set comment on relation \"{}\"",
                            rel.last().map_or("", String::as_str)
                        ),
                    ))
                }
            };
            if !has_column {
                return Err(SqlError::new(
                    "42703",
                    format!(
                        "column \"{column}\" of relation \"{}\" does not exist",
                        crate::schema::split(&key).1
                    ),
                ));
            }
            crate::privileges::require_relation_owner(cat, user, &key)?;
            Described::Column(key, column.clone())
        }
        O::Schema => {
            let [schema] = parts.as_slice() else {
                return Err(SqlError::new(
                    "42601",
                    "schema name cannot be qualified".to_string(),
                ));
            };
            if crate::pg_catalog::namespace_oid(cat, schema) == 0 {
                return Err(SqlError::new(
                    "3F000",
                    format!("schema \"{schema}\" does not exist"),
                ));
            }
            if !crate::privileges::is_owner(cat, user, crate::acl::ObjectKind::Schema, schema) {
                return Err(crate::privileges::not_owner("schema", schema));
            }
            Described::Schema(schema.clone())
        }
        O::Type | O::Domain => {
            let type_name = match parts.as_slice() {
                [n] => n.clone(),
                [s, n] if s == crate::schema::PUBLIC => n.clone(),
                _ => parts.join("."),
            };
            let Some(def) = cat.types.get(&type_name) else {
                return Err(SqlError::new(
                    "42704",
                    format!("type \"{}\" does not exist", parts.join(".")),
                ));
            };
            if object_type == O::Domain && def.domain().is_none() {
                return Err(SqlError::new(
                    "42809",
                    format!("\"{type_name}\" is not a domain"),
                ));
            }
            Described::Type(type_name)
        }
        O::Function | O::Procedure => {
            // `f` or, rewritten from `f(int, text)`, one identifier holding
            // the signature (`rewrite_function_signature`).
            let text = parts.join(".");
            if text.contains('(') {
                let oid = crate::routine::catalog_rows::function_oid_by_text(cat, &text).map_err(
                    |_| SqlError::new("42883", format!("function {text} does not exist")),
                )?;
                Described::Function(oid as u32)
            } else {
                let fname = match parts.as_slice() {
                    [s, n] if s == crate::schema::PUBLIC => n.clone(),
                    _ => text,
                };
                match cat.functions.get(&fname).map(Vec::as_slice) {
                    Some([only]) => Described::Function(only.oid),
                    Some(_) => {
                        return Err(SqlError::new(
                            "42725",
                            format!("function name \"{fname}\" is not unique"),
                        )
                        .with_hint(
                            "Specify the argument list to select the function unambiguously.",
                        ))
                    }
                    None => {
                        return Err(SqlError::new(
                            "42883",
                            format!("could not find a function named \"{fname}\""),
                        ))
                    }
                }
            }
        }
        O::Role | O::User => {
            let [role] = parts.as_slice() else {
                return Err(improper_name(&parts));
            };
            if crate::privileges::role_oid(cat, role) == 0 {
                return Err(SqlError::new(
                    "42704",
                    format!("role \"{role}\" does not exist"),
                ));
            }
            Described::Role(role.clone())
        }
        O::Database => {
            let [db] = parts.as_slice() else {
                return Err(improper_name(&parts));
            };
            if db != crate::privileges::DATABASE {
                return Err(SqlError::new(
                    "3D000",
                    format!("database \"{db}\" does not exist"),
                ));
            }
            Described::Database
        }
        other => return Err(SqlError::unsupported(format!("COMMENT ON {other}"))),
    };
    let mut next = cat.clone();
    let mutation = set(&mut next, found, text)?;
    Ok(Some(DdlChange::catalog_only(next, vec![mutation])))
}

/// `COMMENT ON FUNCTION f(int, text)` / `PROCEDURE`: sqlparser reads no
/// argument list there, so the name and its list become one quoted
/// identifier holding the signature, which `comment_on` resolves.
pub fn rewrite_function_signature(tokens: &mut Vec<TokenWithSpan>) {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let keyword_at = |k: usize, kw: Keyword| {
        significant
            .get(k)
            .is_some_and(|&i| matches!(&tokens[i].token, Token::Word(w) if w.keyword == kw))
    };
    let is_function = keyword_at(2, Keyword::FUNCTION) || keyword_at(2, Keyword::PROCEDURE);
    if !(keyword_at(0, Keyword::COMMENT) && keyword_at(1, Keyword::ON) && is_function) {
        return;
    }
    let Some(&start) = significant.get(3) else {
        return;
    };
    let Some(open) = (start..tokens.len()).find(|&i| tokens[i].token == Token::LParen) else {
        return;
    };
    let mut depth = 0;
    let mut close = None;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else { return };
    let text: String = tokens[start..=close]
        .iter()
        .map(|t| t.token.to_string())
        .collect();
    let span = tokens[start].span;
    let word = Token::Word(Word {
        value: text,
        quote_style: Some('"'),
        keyword: Keyword::NoKeyword,
    });
    tokens.splice(start..=close, [TokenWithSpan::new(word, span)]);
}

// ------------------------------------------------------- following DDL

/// Where a described object went after a DDL statement: `Some(same or
/// new object)` or `None` (dropped).
fn follow(base: &Catalog, next: &Catalog, object: &Described) -> Option<Described> {
    match object {
        Described::Relation(key) => follow_relation(base, next, key).map(Described::Relation),
        Described::Column(rel, column) => {
            let key = follow_relation(base, next, rel)?;
            let column = match (base.tables.get(rel), next.tables.get(&key)) {
                (Some(before), Some(after)) => {
                    if after.column_index(column).is_some() {
                        column.clone()
                    } else {
                        // RENAME COLUMN: same position, a name that is new.
                        let i = before.column_index(column)?;
                        let renamed = after.columns.get(i)?;
                        if before.columns.len() != after.columns.len()
                            || before.column_index(&renamed.name).is_some()
                        {
                            return None;
                        }
                        renamed.name.clone()
                    }
                }
                _ => {
                    let v = next.views.get(&key)?;
                    v.columns.iter().find(|c| *c == column)?.clone()
                }
            };
            Some(Described::Column(key, column))
        }
        Described::Schema(s) => {
            let exists = |c: &Catalog, s: &str| crate::pg_catalog::namespace_oid(c, s) != 0;
            only_rename(s, exists(next, s), || {
                moved(
                    base.schemas.keys(),
                    next.schemas.keys(),
                    |k| base.schemas.contains_key(k),
                    |k| next.schemas.contains_key(k),
                )
            })
            .map(Described::Schema)
        }
        Described::Type(t) => only_rename(t, next.types.contains_key(t), || {
            moved(
                base.types.keys(),
                next.types.keys(),
                |k| base.types.contains_key(k),
                |k| next.types.contains_key(k),
            )
        })
        .map(Described::Type),
        Described::Function(oid) => next
            .functions
            .values()
            .flatten()
            .any(|f| f.oid == *oid)
            .then_some(Described::Function(*oid)),
        Described::Role(r) => only_rename(r, next.roles.contains_key(r), || {
            moved(
                base.roles.keys(),
                next.roles.keys(),
                |k| base.roles.contains_key(k),
                |k| next.roles.contains_key(k),
            )
        })
        .map(Described::Role),
        Described::Database => Some(Described::Database),
    }
}

/// The name an object has now: its own if it still exists, else the one
/// a rename gave it.
fn only_rename(
    name: &str,
    still_exists: bool,
    renamed: impl FnOnce() -> Option<String>,
) -> Option<String> {
    if still_exists {
        Some(name.to_string())
    } else {
        renamed()
    }
}

/// The one name that appeared when exactly one disappeared (a rename).
fn moved<'a>(
    before: impl Iterator<Item = &'a String>,
    after: impl Iterator<Item = &'a String>,
    in_before: impl Fn(&str) -> bool,
    in_after: impl Fn(&str) -> bool,
) -> Option<String> {
    let gone: Vec<&String> = before.filter(|k| !in_after(k)).take(2).collect();
    let came: Vec<&String> = after.filter(|k| !in_before(k)).take(2).collect();
    match (gone.as_slice(), came.as_slice()) {
        ([_], [new]) => Some((*new).clone()),
        _ => None,
    }
}

fn follow_relation(base: &Catalog, next: &Catalog, key: &str) -> Option<String> {
    let after = crate::pg_catalog::relation_keys(next);
    if after.iter().any(|(k, _)| k == key) {
        return Some(key.to_string());
    }
    // A table keeps its id across RENAME.
    if let Some(t) = base.tables.get(key) {
        return next
            .tables
            .iter()
            .find(|(_, d)| d.id == t.id)
            .map(|(k, _)| k.clone());
    }
    let before = crate::pg_catalog::relation_keys(base);
    let kind = before.iter().find(|(k, _)| k == key)?.1;
    let gone: Vec<&String> = before
        .iter()
        .filter(|(k, kd)| *kd == kind && !after.iter().any(|(a, _)| a == k))
        .map(|(k, _)| k)
        .take(2)
        .collect();
    let came: Vec<&String> = after
        .iter()
        .filter(|(k, kd)| *kd == kind && !before.iter().any(|(b, _)| b == k))
        .map(|(k, _)| k)
        .take(2)
        .collect();
    match (gone.as_slice(), came.as_slice()) {
        ([_], [new]) => Some((*new).clone()),
        _ => None,
    }
}

/// After a DDL statement: descriptions follow renamed objects and go with
/// dropped ones.
pub fn track(base: &Catalog, change: &mut DdlChange) -> SqlResult<()> {
    if change.catalog.descriptions.is_empty() {
        return Ok(());
    }
    let described: Vec<(Described, String)> = change
        .catalog
        .descriptions
        .values()
        .map(|d| (d.object.clone(), d.text.clone()))
        .collect();
    for (object, text) in described {
        let now = follow(base, &change.catalog, &object);
        if now.as_ref() == Some(&object) {
            continue;
        }
        let removal = set(&mut change.catalog, object, None)?;
        change.mutations.push(removal);
        if let Some(now) = now {
            let add = set(&mut change.catalog, now, Some(text))?;
            change.mutations.push(add);
        }
    }
    Ok(())
}

// ------------------------------------------------------------ catalog rows

/// pg_description's rows: (objoid, classoid, objsubid, description).
pub fn pg_description_rows(cat: &Catalog) -> Vec<(i64, i64, i32, String)> {
    const PG_CLASS: i64 = 1259;
    let relation_oid = |key: &str| crate::pg_catalog::relation_oid_by_key(cat, key);
    let mut out = Vec::new();
    for d in cat.descriptions.values() {
        let row = match &d.object {
            Described::Relation(key) => relation_oid(key).map(|oid| (oid, PG_CLASS, 0)),
            Described::Column(key, column) => relation_oid(key).and_then(|oid| {
                let attnum = match cat.tables.get(key) {
                    Some(t) => i32::from(t.attnum(t.column_index(column)?)),
                    None => {
                        let views = &cat.views.get(key)?.columns;
                        views.iter().position(|c| c == column)? as i32 + 1
                    }
                };
                Some((oid, PG_CLASS, attnum))
            }),
            Described::Schema(s) => Some((crate::pg_catalog::namespace_oid(cat, s), 2615, 0)),
            Described::Type(t) => cat.types.get(t).map(|def| (i64::from(def.oid), 1247, 0)),
            Described::Function(oid) => Some((i64::from(*oid), 1255, 0)),
            Described::Role(_) | Described::Database => None,
        };
        if let Some((oid, class, sub)) = row {
            out.push((oid, class, sub, d.text.clone()));
        }
    }
    out
}

/// pg_shdescription's rows: (objoid, classoid, description).
pub fn pg_shdescription_rows(cat: &Catalog) -> Vec<(i64, i64, String)> {
    cat.descriptions
        .values()
        .filter_map(|d| match &d.object {
            Described::Role(r) => Some((crate::privileges::role_oid(cat, r), 1260, d.text.clone())),
            Described::Database => Some((crate::pg_catalog::DB_OID, 1262, d.text.clone())),
            _ => None,
        })
        .collect()
}

/// The class oid `obj_description(oid, 'catalog')` names, if given.
pub fn class_oid_of_catalog(name: &str) -> Option<i64> {
    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
    Some(match name {
        "pg_class" => 1259,
        "pg_namespace" => 2615,
        "pg_type" => 1247,
        "pg_proc" => 1255,
        "pg_authid" => 1260,
        "pg_database" => 1262,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_start_with_the_object_key_and_differ_by_kind() {
        let rel = description_key(&Described::Relation("pg_temp_3.t".into()));
        let col = description_key(&Described::Column("pg_temp_3.t".into(), "a".into()));
        assert!(rel[2..].starts_with(b"pg_temp_3.t"));
        assert!(col[2..].starts_with(b"pg_temp_3.t"));
        assert_ne!(rel, col);
        let col_b = description_key(&Described::Column("pg_temp_3.t".into(), "b".into()));
        assert_ne!(col, col_b);
    }

    #[test]
    fn empty_comment_removes() {
        let mut cat = Catalog::default();
        let obj = Described::Schema("s".into());
        let m = set(&mut cat, obj.clone(), Some("hello".into())).unwrap();
        assert!(m.value.is_some());
        assert_eq!(cat.descriptions[&obj].text, "hello");
        let m = set(&mut cat, obj.clone(), Some(String::new())).unwrap();
        assert!(m.value.is_none());
        assert!(cat.descriptions.is_empty());
    }

    #[test]
    fn stored_description_loads_back() {
        let mut cat = Catalog::default();
        let obj = Described::Column("t".into(), "a".into());
        let m = set(&mut cat, obj.clone(), Some("col".into())).unwrap();
        let mut loaded = Descriptions::new();
        load_entry(&mut loaded, m.value.as_deref().unwrap()).unwrap();
        assert_eq!(loaded[&obj].text, "col");
        assert!(load_entry(&mut loaded, b"{not json").is_err());
    }
}
