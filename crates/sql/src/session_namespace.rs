//! The session's side of schemas: the search path it binds with (from the
//! `search_path` setting), name resolution before a statement runs
//! (`crate::schema::resolve_statement`), and CREATE SCHEMA (with schema
//! elements), DROP SCHEMA and ALTER SCHEMA RENAME.

use std::borrow::Cow;

use sqlparser::tokenizer::{Token, Tokenizer, Word};

use super::*;
use crate::schema::{self, SearchPath};

/// Per-session namespace state.
#[derive(Debug, Default)]
pub(super) struct Namespace {
    /// While CREATE SCHEMA runs its elements: the schema, searched first.
    creating_in: Option<String>,
    /// Temporary objects (`session_temp.rs`).
    pub(super) temp: super::session_temp::TempObjects,
    /// The last catalog view built (merging and re-pathing copy the catalog).
    view: std::sync::Mutex<Option<CatalogView>>,
    /// The database name the client connected with (None: the default).
    database: Option<String>,
}

/// A catalog view and what it was built from.
#[derive(Debug)]
struct CatalogView {
    base: Arc<Catalog>,
    temp_generation: u64,
    /// The settings the path and the subject were read from: while they
    /// have not changed, a statement skips reading them again.
    settings_generation: u64,
    path: SearchPath,
    /// Row-level security's user and setting (`crate::row_security`).
    subject: crate::row_security::Subject,
    view: Arc<Catalog>,
}

impl Session {
    /// The database name the client connected with (the startup packet's
    /// `database`): what current_database() and information_schema report.
    pub fn set_database_name(&mut self, name: &str) {
        self.namespace.database = Some(name.to_string());
        self.forget_catalog_view();
    }

    /// The search path's inputs outside the settings changed (database
    /// name, the schema CREATE SCHEMA fills): the next view is rebuilt.
    fn forget_catalog_view(&mut self) {
        *self
            .namespace
            .view
            .get_mut()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// While CREATE SCHEMA runs its elements, `schema` is searched first.
    fn set_creating_in(&mut self, schema: Option<String>) {
        self.namespace.creating_in = schema;
        self.forget_catalog_view();
    }

    /// The search path statements of this session resolve names with.
    pub(super) fn search_path(&self) -> SearchPath {
        let setting = self
            .settings
            .get("search_path")
            .map(|(_, v)| v)
            .unwrap_or_default();
        let user = self
            .settings
            .get("session_authorization")
            .map(|(_, v)| v)
            .unwrap_or_else(|_| "postgres".into());
        let mut path = SearchPath::parse(&setting, &user, None);
        if let Some(d) = &self.namespace.database {
            path.database = d.clone();
        }
        if let Some(s) = &self.namespace.creating_in {
            path.listed.insert(0, s.clone());
        }
        path
    }

    /// The catalog this session binds against: its transaction's DDL
    /// catalog, else the shared one with its temporary objects, seen
    /// through its search path.
    ///
    /// Every statement asks for it (binding, then the privilege check), so
    /// the last view is kept with what it was built from; while the base
    /// catalog, the temporary objects and the settings are unchanged it is
    /// returned without reading any setting. A change to any of them (SET
    /// search_path, SET ROLE, row_security, DDL in the transaction, a
    /// transaction's end) shows in the very next statement.
    pub(super) fn bind_catalog(&self) -> Arc<Catalog> {
        let (base, merge) = match self.txn.as_ref().and_then(|t| t.ddl.as_ref()) {
            Some(d) => (d.catalog.clone(), false),
            None => (self.engine.catalog(), true),
        };
        let generation = self.namespace.temp.generation();
        let settings_generation = self.settings.generation();
        let mut cache = self
            .namespace
            .view
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| {
            Arc::ptr_eq(&c.base, &base)
                && c.temp_generation == generation
                && c.settings_generation == settings_generation
        }) {
            return c.view.clone();
        }
        let path = self.search_path();
        let subject = self.rls_subject();
        if let Some(c) = cache.as_mut().filter(|c| {
            Arc::ptr_eq(&c.base, &base)
                && c.temp_generation == generation
                && c.path == path
                && c.subject == subject
        }) {
            // A setting changed, but not one the view depends on.
            c.settings_generation = settings_generation;
            return c.view.clone();
        }
        let merged = if merge {
            self.namespace.temp.merged(base.clone())
        } else {
            base.clone()
        };
        let mut effective = path.clone();
        if self.namespace.temp.present_in(&merged) {
            effective.temp = Some(self.namespace.temp.schema().to_string());
            effective.temp_generation = generation;
        }
        let view = schema::with_search_path(merged, &effective);
        let view = crate::row_security::with_subject(view, &subject);
        *cache = Some(CatalogView {
            base,
            temp_generation: generation,
            settings_generation,
            path,
            subject,
            view: view.clone(),
        });
        view
    }

    /// `stmt` with its relation names resolved (see `crate::schema`); the
    /// statement itself when nothing can change. Errors are positioned in
    /// `sql` (the statement's text).
    pub(super) fn resolved_at<'s>(
        &self,
        stmt: &'s ast::Statement,
        catalog: &Catalog,
        sql: &str,
    ) -> SqlResult<Cow<'s, ast::Statement>> {
        self.resolved_with_notice(stmt, catalog, sql)
            .map(|(s, _)| s)
    }

    /// [`Session::resolved_at`] and the NOTICE resolution raised, if any.
    fn resolved_with_notice<'s>(
        &self,
        stmt: &'s ast::Statement,
        catalog: &Catalog,
        sql: &str,
    ) -> SqlResult<(Cow<'s, ast::Statement>, Option<SqlError>)> {
        if !schema::resolution_needed(catalog) && !schema::creates_temporary(stmt) {
            return Ok((Cow::Borrowed(stmt), None));
        }
        let mut s = stmt.clone();
        let notice = schema::resolve_statement(&mut s, catalog, sql, self.namespace.temp.schema())?;
        Ok((Cow::Owned(s), notice))
    }

    /// Resolves names, runs the statement, and keeps a temporary table's
    /// ON COMMIT action.
    pub(super) async fn dispatch_resolved(
        &mut self,
        stmt: &ast::Statement,
        sql: &str,
    ) -> SqlResult<StatementOutput> {
        let catalog = self.catalog();
        let (resolved, notice) = self.resolved_with_notice(stmt, &catalog, sql)?;
        self.notices.extend(notice);
        let out = match self.dispatch(&resolved, sql).await {
            Ok(out) => out,
            Err(e) if schema::resolution_needed(&catalog) => {
                return Err(schema::unqualify_violation(
                    e,
                    &catalog,
                    self.namespace.temp.schema(),
                ))
            }
            Err(e) => return Err(e),
        };
        if let ast::Statement::CreateTable(ct) = resolved.as_ref() {
            let key = crate::binder::object_name(&ct.name)?;
            if key.starts_with(&format!("{}.", self.namespace.temp.schema())) {
                let action = ct.on_commit.unwrap_or(ast::OnCommit::PreserveRows);
                self.namespace.temp.note_on_commit(key, action);
            }
        }
        Ok(out)
    }

    /// CREATE SCHEMA, DROP SCHEMA, ALTER SCHEMA.
    pub(super) async fn schema_statement(
        &mut self,
        stmt: &ast::Statement,
    ) -> SqlResult<StatementOutput> {
        use ast::Statement as S;
        match stmt {
            S::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => {
                let (name, owner) = self.schema_name_and_owner(schema_name)?;
                self.create_schema(&name, &owner, *if_not_exists).await
            }
            S::Drop {
                names,
                if_exists,
                cascade,
                ..
            } => {
                let names: Vec<String> =
                    names.iter().map(schema_name_of).collect::<SqlResult<_>>()?;
                let mut notices = Vec::new();
                let out = self
                    .run_ddl("DROP SCHEMA", |c| {
                        let (change, n) =
                            crate::schema_ddl::drop_schemas(c, &names, *if_exists, *cascade)?;
                        notices = n;
                        Ok(change)
                    })
                    .await?;
                self.notices.extend(notices);
                Ok(out)
            }
            S::AlterSchema(a) => {
                let old = schema_name_of(&a.name)?;
                match a.operations.as_slice() {
                    [ast::AlterSchemaOperation::Rename { name }] => {
                        let new = schema_name_of(name)?;
                        self.run_ddl("ALTER SCHEMA", |c| {
                            crate::schema_ddl::rename_schema(c, &old, &new)
                        })
                        .await
                    }
                    _ => Err(SqlError::unsupported("this form of ALTER SCHEMA")),
                }
            }
            _ => Err(SqlError::internal("not a schema statement")),
        }
    }

    fn schema_name_and_owner(&self, n: &ast::SchemaName) -> SqlResult<(String, String)> {
        let (_, user) = self.settings.get("session_authorization")?;
        match n {
            ast::SchemaName::Simple(name) => Ok((schema_name_of(name)?, user)),
            ast::SchemaName::UnnamedAuthorization(role) => {
                let role = crate::binder::ident_name(role);
                Ok((role.clone(), role))
            }
            ast::SchemaName::NamedAuthorization(name, role) => {
                Ok((schema_name_of(name)?, crate::binder::ident_name(role)))
            }
        }
    }

    async fn create_schema(
        &mut self,
        name: &str,
        owner: &str,
        if_not_exists: bool,
    ) -> SqlResult<StatementOutput> {
        if owner != "postgres" && !self.catalog().roles.contains_key(owner) {
            return Err(SqlError::new(
                "42704",
                format!("role \"{owner}\" does not exist"),
            ));
        }
        let oid = 16_384 + 512 * i64::from(self.engine.alloc_table_id());
        let mut skipped = false;
        let out = self
            .run_ddl("CREATE SCHEMA", |c| {
                let change = crate::schema_ddl::create_schema(c, name, owner, if_not_exists, oid)?;
                skipped = change.is_none();
                Ok(change)
            })
            .await?;
        if skipped {
            self.notices.push(crate::schema_ddl::skipped(name));
        }
        Ok(out)
    }

    /// `CREATE SCHEMA name [AUTHORIZATION r] CREATE TABLE ... CREATE VIEW ...`
    /// (sqlparser stops after the name): the schema, then its elements in
    /// PostgreSQL's order (sequences, tables, views, indexes) with the new
    /// schema first in the search path, all in one transaction.
    pub(super) async fn create_schema_with_elements(
        &mut self,
        sql: &str,
    ) -> Option<SqlResult<StatementOutput>> {
        let (header, elements) = split_schema_elements(sql)?;
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Some(Err(SqlError::in_failed_transaction()));
        }
        Some(self.run_schema_elements(sql, header, elements).await)
    }

    async fn run_schema_elements(
        &mut self,
        sql: &str,
        header: &str,
        elements: Vec<(usize, &str)>,
    ) -> SqlResult<StatementOutput> {
        let stmt = match parse(header)?.pop() {
            Some(s @ ast::Statement::CreateSchema { .. }) => s,
            _ => return Err(SqlError::syntax("syntax error at or near \"CREATE\"")),
        };
        let ast::Statement::CreateSchema {
            schema_name,
            if_not_exists,
            ..
        } = &stmt
        else {
            return Err(SqlError::internal("not CREATE SCHEMA"));
        };
        let position = |offset: usize| Some(sql[..offset].chars().count() as u32 + 1);
        if *if_not_exists {
            return Err(SqlError::new(
                "0A000",
                "CREATE SCHEMA IF NOT EXISTS cannot include schema elements",
            )
            .at(elements.first().and_then(|(o, _)| position(*o))));
        }
        let (name, owner) = self.schema_name_and_owner(schema_name)?;
        let mut parsed = Vec::new();
        for (offset, text) in &elements {
            let s = parse(text)
                .map_err(|e| shift(e, position(*offset)))?
                .pop()
                .ok_or_else(|| SqlError::syntax("empty schema element"))?;
            let rank = match &s {
                ast::Statement::CreateSequence { .. } => 0,
                ast::Statement::CreateTable(_) => 1,
                ast::Statement::CreateView(_) => 2,
                ast::Statement::CreateIndex(_) => 3,
                _ => {
                    return Err(SqlError::syntax("syntax error at or near \"CREATE\"")
                        .at(position(*offset)))
                }
            };
            parsed.push((rank, *offset, *text, s));
        }
        parsed.sort_by_key(|p| p.0);
        let autocommit = self.txn.is_none();
        if autocommit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let mut result = self.create_schema(&name, &owner, false).await;
        if result.is_ok() {
            self.set_creating_in(Some(name.clone()));
            for (_, offset, text, s) in &parsed {
                if let Err(e) = self.element_in_schema(s, &name) {
                    result = Err(e.at(position(*offset)));
                    break;
                }
                if let Err(e) = self.dispatch_resolved(s, text).await {
                    result = Err(shift(e, position(*offset)));
                    break;
                }
            }
            self.set_creating_in(None);
        }
        if autocommit {
            if let Some(t) = self.txn.take() {
                match &result {
                    Ok(_) => self.commit_txn(t).await?,
                    Err(_) => self.engine.rollback(t),
                }
            }
        }
        result.map(|_| StatementOutput::Command {
            tag: "CREATE SCHEMA".into(),
        })
    }

    /// 42P15 for an element that names another schema.
    fn element_in_schema(&self, s: &ast::Statement, schema: &str) -> SqlResult<()> {
        let name = match s {
            ast::Statement::CreateSequence { name, .. } => Some(name),
            ast::Statement::CreateTable(ct) => Some(&ct.name),
            ast::Statement::CreateView(cv) => Some(&cv.name),
            _ => None,
        };
        if let Some(n) = name.filter(|n| n.0.len() == 2) {
            let written = schema_name_of(&ast::ObjectName(vec![n.0[0].clone()]))?;
            if written != schema {
                return Err(SqlError::new(
                    "42P15",
                    format!(
                        "CREATE specifies a schema ({written}) different from the one being created ({schema})"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// An element error's position, moved from the element's text to the
/// whole statement's.
fn shift(mut e: SqlError, element_start: Option<u32>) -> SqlError {
    if let (Some(p), Some(start)) = (e.position, element_start) {
        e.position = Some(p + start - 1);
    }
    e
}

/// A one-part schema name.
fn schema_name_of(n: &ast::ObjectName) -> SqlResult<String> {
    match n.0.as_slice() {
        [p] => p
            .as_ident()
            .map(crate::binder::ident_name)
            .ok_or_else(|| SqlError::unsupported("this kind of name")),
        _ => Err(SqlError::syntax(format!(
            "improper qualified name (too many dotted names): {n}"
        ))),
    }
}

fn is_keyword(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(Word { value, quote_style: None, .. }) if value.eq_ignore_ascii_case(kw))
}

/// `CREATE SCHEMA ... CREATE ...`: the header text and each element
/// (byte offset, text); None for any other statement.
fn split_schema_elements(sql: &str) -> Option<(&str, Vec<(usize, &str)>)> {
    let head = sql.trim_start();
    if head.len() < 13 || !head[..13].eq_ignore_ascii_case("create schema") {
        return None;
    }
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    // Byte offset of each line start, to turn locations into offsets.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |loc: sqlparser::tokenizer::Location| -> Option<usize> {
        let line_start = *line_starts.get((loc.line as usize).checked_sub(1)?)?;
        let rest = sql.get(line_start..)?;
        let col = (loc.column as usize).checked_sub(1)?;
        Some(
            line_start
                + rest
                    .char_indices()
                    .nth(col)
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len()),
        )
    };
    let mut depth = 0i32;
    let mut starts = Vec::new();
    let mut end = sql.len();
    let mut creates = 0;
    for t in &tokens {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::SemiColon if depth == 0 => {
                end = offset(t.span.start)?;
                break;
            }
            tok if depth == 0 && is_keyword(tok, "create") => {
                creates += 1;
                if creates > 1 {
                    starts.push(offset(t.span.start)?);
                }
            }
            _ => {}
        }
    }
    if starts.is_empty() || !sql[end..].trim().trim_start_matches(';').trim().is_empty() {
        return None;
    }
    let header = &sql[..starts[0]];
    let mut elements = Vec::new();
    for (i, s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(end);
        elements.push((*s, &sql[*s..e]));
    }
    Some((header, elements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_elements_split_at_top_level_creates() {
        let sql = "CREATE SCHEMA s\n  CREATE TABLE t (a int CHECK (a > 0))\n  CREATE VIEW v AS SELECT a FROM t;";
        let (header, elements) = split_schema_elements(sql).expect("elements");
        assert_eq!(header.trim(), "CREATE SCHEMA s");
        let texts: Vec<&str> = elements.iter().map(|e| e.1.trim()).collect();
        assert_eq!(
            texts,
            vec![
                "CREATE TABLE t (a int CHECK (a > 0))",
                "CREATE VIEW v AS SELECT a FROM t"
            ]
        );
        assert_eq!(&sql[elements[0].0..elements[0].0 + 6], "CREATE");
        assert!(split_schema_elements("CREATE SCHEMA s").is_none());
        assert!(split_schema_elements("CREATE TABLE t (a int)").is_none());
    }
}
