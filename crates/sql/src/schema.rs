//! Schemas (namespaces) and name resolution through `search_path`.
//!
//! Relations keep one flat map in the catalog, keyed by a *qualified key*:
//! the bare name for a relation in `public` (so catalogs written before
//! schemas existed read unchanged) and `schema.name` for any other schema
//! (schema names may not contain a dot, so the first dot splits the key).
//! Before a statement is bound, [`resolve_statement`] rewrites the relation
//! names it contains into that form: an unqualified name becomes the first
//! schema of the search path that holds it, a created one goes to the
//! first existing schema of the path, and a qualified name is checked
//! (3F000 for an unknown schema). Everything downstream (`object_name`)
//! then only maps a written `schema.name` to its key.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast::{self, VisitMut, VisitorMut};

use crate::binder::ident_name;
use crate::catalog::Catalog;
use crate::error::{SqlError, SqlResult};

pub const PUBLIC: &str = "public";
/// Schemas that always exist (besides the session's temporary schema).
pub const BUILTIN: &[&str] = &["pg_catalog", "information_schema", PUBLIC, "pg_toast"];
/// The name a session's own temporary schema answers to.
pub const TEMP_ALIAS: &str = "pg_temp";

/// A schema made by CREATE SCHEMA, stored under `0x00 'C' <name>`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SchemaDef {
    pub name: String,
    pub owner: String,
    /// Its pg_namespace oid (from the table-id counter, so never reused).
    pub oid: i64,
}

/// The catalog key of `name` in `schema`.
pub fn qualified(schema: &str, name: &str) -> String {
    if schema == PUBLIC && !name.contains('.') {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

/// Whether a catalog key names a temporary object (`pg_temp_N.name`).
pub fn is_temp_key(key: &str) -> bool {
    split(key).0.starts_with("pg_temp_")
}

/// How messages name an object: a session's temporary object goes by its
/// own name (its key carries the session's `pg_temp_N` schema).
pub fn shown_name(key: &str) -> &str {
    match key.split_once('.') {
        Some((schema, relation)) if schema.starts_with("pg_temp_") => relation,
        _ => key,
    }
}

/// A catalog key's (schema, relation name).
pub fn split(key: &str) -> (&str, &str) {
    match key.split_once('.') {
        Some((s, n)) => (s, n),
        None => (PUBLIC, key),
    }
}

/// The search path a statement resolves names with: the schemas listed
/// (`$user` substituted, unknown ones kept: they may be created later)
/// and the session's temporary schema, searched first when it exists.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct SearchPath {
    pub listed: Vec<String>,
    /// `pg_temp_N` of the session while it has temporary objects.
    pub temp: Option<String>,
    /// Moves with the session's temporary objects (prepared plans re-bind).
    pub temp_generation: u64,
    /// The database (SQL catalog) the session connected to: Borealis serves
    /// its one database under the name a client asks for, and
    /// current_database() and the catalog columns of information_schema
    /// report that name.
    pub database: String,
}

/// The database name a session has before its client names one.
pub const DEFAULT_DATABASE: &str = "postgres";

impl Default for SearchPath {
    fn default() -> SearchPath {
        SearchPath {
            listed: vec![PUBLIC.to_string()],
            temp: None,
            temp_generation: 0,
            database: DEFAULT_DATABASE.to_string(),
        }
    }
}

impl SearchPath {
    /// The `search_path` setting's value as a list of schema names.
    pub fn parse(setting: &str, user: &str, temp: Option<String>) -> SearchPath {
        let mut listed = Vec::new();
        for raw in split_list(setting) {
            let name = if raw == "$user" {
                user.to_string()
            } else {
                raw
            };
            if !name.is_empty() {
                listed.push(name);
            }
        }
        SearchPath {
            listed,
            temp,
            temp_generation: 0,
            database: DEFAULT_DATABASE.to_string(),
        }
    }

    /// The schemas searched for an unqualified name, in order.
    pub fn lookup_order(&self, cat: &Catalog) -> Vec<String> {
        let mut out = Vec::new();
        let temp_listed = self.listed.iter().any(|s| s == TEMP_ALIAS);
        if let (Some(t), false) = (&self.temp, temp_listed) {
            out.push(t.clone());
        }
        for s in &self.listed {
            let s = if s == TEMP_ALIAS {
                match &self.temp {
                    Some(t) => t.clone(),
                    None => continue,
                }
            } else {
                s.clone()
            };
            if cat.schema_exists(&s) && !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// current_schemas(false): the existing listed schemas.
    pub fn existing(&self, cat: &Catalog) -> Vec<String> {
        self.listed
            .iter()
            .filter(|s| s.as_str() != TEMP_ALIAS && cat.schema_exists(s))
            .cloned()
            .collect()
    }

    /// Where an unqualified CREATE puts the object.
    pub fn creation_schema(&self, cat: &Catalog) -> SqlResult<String> {
        self.existing(cat)
            .into_iter()
            .find(|s| s != "pg_catalog" && s != "information_schema")
            .ok_or_else(|| SqlError::new("3F000", "no schema has been selected to create in"))
    }
}

/// A `search_path`-style list: comma-separated, double quotes kept as
/// written, other names folded to lower case.
fn split_list(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                out.push(finish(&cur, was_quoted));
                cur.clear();
                was_quoted = false;
            }
            c if quoted => cur.push(c),
            // Unquoted names hold no whitespace: it only separates.
            c if c.is_whitespace() => {}
            c => cur.extend(c.to_lowercase()),
        }
    }
    out.push(finish(&cur, was_quoted));
    out.retain(|s| !s.is_empty());
    out
}

fn finish(s: &str, quoted: bool) -> String {
    if quoted {
        s.to_string()
    } else {
        s.trim().to_string()
    }
}

/// The pg_namespace oid of a session's `pg_temp_N` (below the first
/// table oid, above PostgreSQL's built-in namespaces).
pub fn temp_namespace_oid(schema: &str) -> i64 {
    let n: i64 = schema
        .strip_prefix("pg_temp_")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    16_000 + n % 384
}

/// A dotted relation name in text (`'s.t'::regclass`, `nextval('"S".t')`)
/// as its parts.
pub fn text_name_parts(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut cur)),
            c if quoted => cur.push(c),
            c => cur.extend(c.to_lowercase()),
        }
    }
    parts.push(cur);
    parts
}

impl Catalog {
    /// Whether `name` is a schema this catalog's session can see.
    pub fn schema_exists(&self, name: &str) -> bool {
        BUILTIN.contains(&name)
            || self.schemas.contains_key(name)
            || self.search_path.temp.as_deref() == Some(name)
    }

    /// current_schema(): the first existing schema of the search path.
    pub fn current_schema(&self) -> Option<String> {
        self.search_path.existing(self).into_iter().next()
    }

    /// current_schemas(include_implicit).
    pub fn current_schemas(&self, include_implicit: bool) -> Vec<String> {
        let mut out = Vec::new();
        if include_implicit {
            out.extend(self.search_path.temp.iter().cloned());
            if !self.search_path.listed.iter().any(|s| s == "pg_catalog") {
                out.push("pg_catalog".to_string());
            }
        }
        out.extend(self.search_path.existing(self));
        out
    }

    /// Whether a table, view or sequence has this key.
    pub fn relation_exists(&self, key: &str) -> bool {
        self.tables.contains_key(key)
            || self.views.contains_key(key)
            || self.sequences.contains_key(key)
    }

    /// The key an unqualified relation name resolves to, if any.
    pub fn resolve_unqualified(&self, name: &str) -> Option<String> {
        self.search_path
            .lookup_order(self)
            .iter()
            .map(|s| qualified(s, name))
            .find(|k| self.relation_exists(k))
    }

    /// The key of a name already in key form (`t` or `s.t`): an
    /// unqualified one is looked up through the search path.
    pub fn resolve_key(&self, key: &str) -> String {
        if key.contains('.') {
            return key.to_string();
        }
        self.resolve_unqualified(key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The key of a relation written as text (`regclass`, `nextval`).
    pub fn resolve_text_name(&self, text: &str) -> String {
        match text_name_parts(text).as_slice() {
            [name] => self
                .resolve_unqualified(name)
                .unwrap_or_else(|| name.clone()),
            [schema, name] if schema == TEMP_ALIAS => match &self.search_path.temp {
                Some(t) => qualified(t, name),
                None => qualified(schema, name),
            },
            [schema, name] => qualified(schema, name),
            _ => text.to_string(),
        }
    }
}

/// Resolution of one statement's names: the catalog it binds against and
/// the session's temporary schema (`pg_temp_N`, existing or not yet).
struct Names<'a> {
    cat: &'a Catalog,
    temp_schema: &'a str,
    sql: &'a str,
}

impl Names<'_> {
    /// `pg_temp` means the session's own temporary schema.
    fn alias(&self, schema: &str) -> String {
        if schema == TEMP_ALIAS {
            self.temp_schema.to_string()
        } else {
            schema.to_string()
        }
    }

    fn at(&self, n: &ast::ObjectName) -> Option<u32> {
        use sqlparser::ast::Spanned;
        crate::binder::span_position(self.sql, n.span())
    }

    /// The (schema, name) a created relation gets, or 3F000/42P16.
    fn creation_key(&self, n: &ast::ObjectName, temporary: bool) -> SqlResult<(String, String)> {
        let parts = parts_of(n).ok_or_else(|| SqlError::unsupported("this kind of name"))?;
        match parts.as_slice() {
            [name] if temporary => Ok((self.temp_schema.to_string(), name.clone())),
            [name] => Ok((
                self.cat
                    .search_path
                    .creation_schema(self.cat)
                    .map_err(|e| e.at(self.at(n)))?,
                name.clone(),
            )),
            [schema, name] => {
                let schema = self.alias(schema);
                if temporary && schema != self.temp_schema {
                    return Err(SqlError::new(
                        "42P16",
                        "cannot create temporary relation in non-temporary schema",
                    )
                    .at(self.at(n)));
                }
                self.check_schema(&schema).map_err(|e| e.at(self.at(n)))?;
                Ok((schema, name.clone()))
            }
            _ => Err(SqlError::unsupported("this kind of name")),
        }
    }

    fn check_schema(&self, schema: &str) -> SqlResult<()> {
        if schema == self.temp_schema || self.cat.schema_exists(schema) {
            return Ok(());
        }
        if schema.starts_with("pg_temp_") {
            return Err(SqlError::new(
                "0A000",
                "cannot access temporary tables of other sessions",
            ));
        }
        Err(SqlError::new(
            "3F000",
            format!("schema \"{schema}\" does not exist"),
        ))
    }
}

fn parts_of(n: &ast::ObjectName) -> Option<Vec<String>> {
    n.0.iter().map(|p| p.as_ident().map(ident_name)).collect()
}

fn span_of(n: &ast::ObjectName) -> sqlparser::tokenizer::Span {
    n.0.first()
        .and_then(|p| p.as_ident())
        .map(|i| i.span)
        .unwrap_or(sqlparser::tokenizer::Span::empty())
}

/// Replaces `n` by `schema.name` (a `public` key stays bare).
fn set_name(n: &mut ast::ObjectName, schema: &str, name: &str) {
    if schema == PUBLIC && n.0.len() == 1 {
        return;
    }
    let span = span_of(n);
    let ident = |v: &str| {
        let mut i = ast::Ident::with_quote('"', v);
        i.span = span;
        ast::ObjectNamePart::Identifier(i)
    };
    n.0 = vec![ident(schema), ident(name)];
}

/// Whether `stmt` creates a temporary object (resolution then runs even
/// for a session that has none yet).
pub fn creates_temporary(stmt: &ast::Statement) -> bool {
    let first_part_is_temp = |n: &ast::ObjectName| {
        n.0.first()
            .and_then(|p| p.as_ident())
            .is_some_and(|i| ident_name(i).starts_with(TEMP_ALIAS))
    };
    match stmt {
        ast::Statement::CreateTable(ct) => ct.temporary || first_part_is_temp(&ct.name),
        ast::Statement::CreateView(cv) => cv.temporary || first_part_is_temp(&cv.name),
        ast::Statement::CreateSequence {
            name, temporary, ..
        } => *temporary || first_part_is_temp(name),
        _ => false,
    }
}

/// Rewrites the relation names of `stmt` into their qualified keys (see the
/// module comment); `temp_schema` is the session's `pg_temp_N`. A created
/// temporary object is then an ordinary one in that schema. An unqualified
/// view over a temporary relation becomes temporary too, as in PostgreSQL:
/// the NOTICE saying so is returned.
pub fn resolve_statement(
    stmt: &mut ast::Statement,
    cat: &Catalog,
    sql: &str,
    temp_schema: &str,
) -> SqlResult<Option<SqlError>> {
    use ast::Statement as S;
    let names = Names {
        cat,
        temp_schema,
        sql,
    };
    if let S::CreateTable(ct) = &*stmt {
        if ct.on_commit.is_some() && !creates_temporary(stmt) {
            return Err(SqlError::new(
                "42P16",
                "ON COMMIT can only be used on temporary tables",
            ));
        }
    }
    let unlogged = matches!(stmt, S::CreateTable(ct) if ct.unlogged);
    let view_may_become_temp =
        matches!(stmt, S::CreateView(cv) if cv.name.0.len() == 1 && !cv.temporary);
    let created: Option<(&mut ast::ObjectName, &mut bool)> = match stmt {
        S::CreateTable(ct) => Some((&mut ct.name, &mut ct.temporary)),
        S::CreateView(cv) => Some((&mut cv.name, &mut cv.temporary)),
        S::CreateSequence {
            name, temporary, ..
        } => Some((name, temporary)),
        _ => None,
    };
    if let Some((name, temporary)) = created {
        let (schema, rel) = names.creation_key(name, *temporary)?;
        if unlogged && schema == temp_schema {
            return Err(SqlError::new(
                "42P16",
                "only temporary relations may be created in temporary schemas",
            )
            .at(names.at(name)));
        }
        if schema != PUBLIC || name.0.len() > 1 {
            set_name(name, &schema, &rel);
        }
        *temporary = false;
    }
    let mut r = Resolver {
        names,
        ctes: BTreeSet::new(),
        uses_temp: false,
    };
    match stmt {
        S::Drop {
            object_type: ast::ObjectType::Table | ast::ObjectType::View | ast::ObjectType::Sequence,
            names,
            if_exists,
            ..
        } => {
            for n in names {
                r.reference_checked(n, !*if_exists)?;
            }
        }
        S::Drop {
            object_type: ast::ObjectType::Index,
            names,
            ..
        } => {
            for n in names {
                if let Some([schema, _]) = parts_of(n).as_deref() {
                    r.names.check_schema(&r.names.alias(schema))?;
                }
            }
        }
        S::Copy {
            source: ast::CopySource::Table { table_name, .. },
            ..
        } => r.reference(table_name)?,
        _ => {}
    }
    for_each_foreign_key_target(stmt, |n| r.reference(n))?;
    if let ControlFlow::Break(e) = stmt.visit(&mut r) {
        return Err(e);
    }
    if let S::CreateView(cv) = stmt {
        let schema = parts_of(&cv.name).and_then(|p| (p.len() == 2).then(|| p[0].clone()));
        if r.uses_temp && schema.as_deref() != Some(temp_schema) {
            let at = r.names.at(&cv.name);
            let rel = parts_of(&cv.name)
                .and_then(|p| p.last().cloned())
                .unwrap_or_default();
            if !view_may_become_temp {
                return Err(SqlError::new(
                    "42P16",
                    "cannot create temporary relation in non-temporary schema",
                )
                .at(at));
            }
            set_name(&mut cv.name, temp_schema, &rel);
            let mut n = SqlError::new("00000", format!("view \"{rel}\" will be a temporary view"));
            n.severity = "NOTICE";
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Calls `f` on each REFERENCES target of CREATE TABLE and ALTER TABLE
/// ADD CONSTRAINT, and on each inheritance parent (INHERITS, ALTER TABLE
/// [NO] INHERIT): not relations to sqlparser's visitor.
fn for_each_foreign_key_target(
    stmt: &mut ast::Statement,
    mut f: impl FnMut(&mut ast::ObjectName) -> SqlResult<()>,
) -> SqlResult<()> {
    match stmt {
        ast::Statement::CreateTable(ct) => {
            for parent in ct.inherits.iter_mut().flatten() {
                f(parent)?;
            }
            for c in ct.constraints.iter_mut() {
                if let ast::TableConstraint::ForeignKey(fk) = c {
                    f(&mut fk.foreign_table)?;
                }
            }
            for col in ct.columns.iter_mut() {
                for o in col.options.iter_mut() {
                    if let ast::ColumnOption::ForeignKey(fk) = &mut o.option {
                        f(&mut fk.foreign_table)?;
                    }
                }
            }
        }
        ast::Statement::AlterTable(at) => {
            for op in at.operations.iter_mut() {
                match op {
                    ast::AlterTableOperation::AddConstraint {
                        constraint: ast::TableConstraint::ForeignKey(fk),
                        ..
                    } => f(&mut fk.foreign_table)?,
                    ast::AlterTableOperation::Inherit { parent }
                    | ast::AlterTableOperation::NoInherit { parent } => f(parent)?,
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Ok(())
}

struct Resolver<'a> {
    names: Names<'a>,
    /// WITH names seen so far: an unqualified reference to one is no relation.
    ctes: BTreeSet<String>,
    /// Whether a reference found a temporary relation.
    uses_temp: bool,
}

impl Resolver<'_> {
    /// Resolves a reference. A schema that does not exist is left for the
    /// relation lookup to report (42P01 "relation \"s.t\" does not exist",
    /// as PostgreSQL's does), unless `strict` (DROP: 3F000).
    fn reference(&mut self, n: &mut ast::ObjectName) -> SqlResult<()> {
        self.reference_checked(n, false)
    }

    fn reference_checked(&mut self, n: &mut ast::ObjectName, strict: bool) -> SqlResult<()> {
        let Some(parts) = parts_of(n) else {
            return Ok(());
        };
        match parts.as_slice() {
            [name] => {
                if self.ctes.contains(name) {
                    return Ok(());
                }
                if let Some(key) = self.names.cat.resolve_unqualified(name) {
                    let (schema, rel) = split(&key);
                    self.uses_temp |= schema == self.names.temp_schema;
                    if schema != PUBLIC {
                        set_name(n, schema, rel);
                    }
                }
                Ok(())
            }
            [schema, name] => {
                let resolved = self.names.alias(schema);
                if let Err(e) = self.names.check_schema(&resolved) {
                    return if strict { Err(e) } else { Ok(()) };
                }
                self.uses_temp |= resolved == self.names.temp_schema;
                // Always in quoted form: ALTER SCHEMA RENAME finds it in
                // stored view texts.
                set_name(n, &resolved, name);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl VisitorMut for Resolver<'_> {
    type Break = SqlError;

    fn pre_visit_query(&mut self, query: &mut ast::Query) -> ControlFlow<SqlError> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(ident_name(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }

    /// `nextval('seq')` (and currval/setval): a name the path resolves to
    /// another schema than `public` is written as its key, so a stored
    /// default keeps naming that sequence (PostgreSQL stores its oid).
    fn pre_visit_expr(&mut self, expr: &mut ast::Expr) -> ControlFlow<SqlError> {
        let ast::Expr::Function(f) = expr else {
            return ControlFlow::Continue(());
        };
        let is_sequence_fn =
            f.name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| {
                matches!(ident_name(i).as_str(), "nextval" | "currval" | "setval")
            });
        let ast::FunctionArguments::List(list) = &mut f.args else {
            return ControlFlow::Continue(());
        };
        let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v)))) =
            list.args.first_mut().filter(|_| is_sequence_fn)
        else {
            return ControlFlow::Continue(());
        };
        if let ast::Value::SingleQuotedString(text) = &mut v.value {
            if let [name] = text_name_parts(text).as_slice() {
                if let Some(key) = self.names.cat.resolve_unqualified(name) {
                    if key != *name {
                        *text = format!("\"{}\"", key.replace('"', "\"\""));
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ast::ObjectName) -> ControlFlow<SqlError> {
        match self.reference(relation) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }
}

/// An integrity violation (class 23) or "already exists" (42P07) as
/// PostgreSQL words it: relation and constraint names without the schema
/// that their catalog keys and derived names carry (`"s.t_pkey"` ->
/// `"t_pkey"`).
pub fn unqualify_violation(mut e: SqlError, cat: &Catalog, temp_schema: &str) -> SqlError {
    if !e.sqlstate.starts_with("23") && e.sqlstate != "42P07" {
        return e;
    }
    let schemas: Vec<&str> = cat
        .schemas
        .keys()
        .map(String::as_str)
        .chain([temp_schema, PUBLIC])
        .collect();
    fn strip(text: &str, schemas: &[&str]) -> String {
        let mut out = text.to_string();
        for schema in schemas {
            out = out.replace(&format!("\"{schema}."), "\"");
        }
        out
    }
    e.message = strip(&e.message, &schemas);
    e.detail = e.detail.as_deref().map(|d| strip(d, &schemas));
    e
}

/// Whether resolution can change anything: only when some schema besides
/// `public` is in play (user schemas, a temporary schema, or a statement
/// naming `pg_temp`).
pub fn resolution_needed(cat: &Catalog) -> bool {
    !cat.schemas.is_empty()
        || cat.search_path.temp.is_some()
        || cat.search_path.listed != [PUBLIC.to_string()]
}

/// The catalog a session binds with: `base` with `path` (shared, so a
/// catalog already carrying it is reused).
pub fn with_search_path(base: Arc<Catalog>, path: &SearchPath) -> Arc<Catalog> {
    // Schemas that do not exist (yet) change nothing: the default
    // `"$user", public` is `public` unless a schema named after the user exists.
    let mut path = path.clone();
    path.listed
        .retain(|s| s == TEMP_ALIAS || base.schema_exists(s));
    let path = &path;
    if *base.search_path == *path {
        return base;
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.listed.hash(&mut h);
    path.temp.hash(&mut h);
    path.database.hash(&mut h);
    let mut c = (*base).clone();
    c.search_path = Arc::new(path.clone());
    // Prepared plans are cached per version: another path binds differently.
    c.version = base.version ^ (h.finish() | 1);
    Arc::new(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(qualified("public", "t"), "t");
        assert_eq!(qualified("s", "t"), "s.t");
        assert_eq!(qualified("public", "a.b"), "public.a.b");
        assert_eq!(split("t"), ("public", "t"));
        assert_eq!(split("s.t"), ("s", "t"));
        assert_eq!(split("public.a.b"), ("public", "a.b"));
    }

    #[test]
    fn search_path_lists_parse_like_postgres() {
        let p = SearchPath::parse("\"$user\", public, \"My Schema\",x", "postgres", None);
        assert_eq!(p.listed, vec!["postgres", "public", "My Schema", "x"]);
        assert!(SearchPath::parse(" ", "postgres", None).listed.is_empty());
        assert_eq!(text_name_parts("\"S\".T"), vec!["S", "t"]);
        assert_eq!(text_name_parts("a.\"b.c\""), vec!["a", "b.c"]);
    }
}
