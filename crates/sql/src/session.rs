//! `Session`: one client connection's state (transaction, settings) and the
//! statement dispatcher behind the simple and extended query protocols.

use std::sync::{Arc, Mutex};

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer};

use crate::binder::{Binder, DeletePlan, InsertPlan, UpdatePlan};
use crate::catalog::Catalog;
use crate::datum::Datum;
use crate::ddl;
use crate::engine::EngineInner;
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};
use crate::plan::{OutColumn, QueryPlan};
use crate::settings::{Scope, Settings};
use crate::txn::{Isolation, Txn, TxnDdl};
use crate::types::{ColType, SqlType};

/// A result column as RowDescription describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub type_oid: u32,
    pub type_modifier: i32,
}

/// What one statement produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementOutput {
    /// Rows in PostgreSQL text format (None = NULL) and the command tag ("SELECT 3").
    Rows {
        columns: Vec<Column>,
        rows: Vec<Vec<Option<String>>>,
        tag: String,
    },
    Command {
        tag: String,
    },
}

impl StatementOutput {
    pub fn tag(&self) -> &str {
        match self {
            StatementOutput::Rows { tag, .. } | StatementOutput::Command { tag } => tag,
        }
    }
}

/// ReadyForQuery status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    Idle,
    InBlock,
    Failed,
}

/// A statement parsed (and bound) by `Session::prepare`.
#[derive(Clone)]
pub struct Prepared {
    pub param_types: Vec<u32>,
    pub columns: Vec<Column>,
    inner: Arc<PreparedInner>,
}

struct PreparedInner {
    sql: String,
    stmt: Option<ast::Statement>,
    param_types: Vec<ColType>,
    /// Bound plan and the catalog version it was bound against.
    cache: Mutex<Option<CachedPlan>>,
}

/// A prepared statement's bound plan, the catalog version it was bound
/// against and the privileges running it needs (checked on every run, as
/// the role may change, without binding again).
#[derive(Clone)]
struct CachedPlan {
    version: u64,
    bound: Arc<Bound>,
    uses: Arc<Vec<crate::privileges::RelationUse>>,
}

/// A bound data statement.
#[derive(Clone, Debug)]
pub enum Bound {
    Query(QueryPlan),
    Insert(InsertPlan),
    Update(UpdatePlan),
    Delete(DeletePlan),
    Truncate(crate::binder::TruncatePlan),
    /// A write on a view carried out by its INSTEAD OF triggers.
    InsteadOf(Box<crate::routine::instead_of::InsteadOfPlan>),
}

impl Bound {
    pub(crate) fn columns(&self) -> Vec<OutColumn> {
        match self {
            Bound::Query(q) => q.columns.clone(),
            Bound::Truncate(_) => vec![],
            Bound::InsteadOf(p) => p
                .returning
                .as_ref()
                .map(|(_, c)| c.clone())
                .unwrap_or_default(),
            Bound::Insert(InsertPlan { returning, .. })
            | Bound::Update(UpdatePlan { returning, .. })
            | Bound::Delete(DeletePlan { returning, .. }) => returning
                .as_ref()
                .map(|(_, c)| c.clone())
                .unwrap_or_default(),
        }
    }
}

fn is_data_statement(s: &ast::Statement) -> bool {
    matches!(
        s,
        ast::Statement::Query(_)
            | ast::Statement::Insert(_)
            | ast::Statement::Update(_)
            | ast::Statement::Delete(_)
            | ast::Statement::Truncate(_)
    )
}

fn is_transaction_control(s: &ast::Statement) -> bool {
    matches!(
        s,
        ast::Statement::StartTransaction { .. }
            | ast::Statement::Commit { .. }
            | ast::Statement::Rollback { .. }
    )
}

fn out_columns(cols: &[OutColumn]) -> Vec<Column> {
    cols.iter()
        .map(|c| {
            let ty = if c.ty.ty == SqlType::Unknown {
                SqlType::Text
            } else {
                c.ty.ty
            };
            Column {
                name: c.name.clone(),
                type_oid: ty.oid(),
                type_modifier: c.ty.typmod,
            }
        })
        .collect()
}

/// Maps a sqlparser error to PostgreSQL's 42601 `syntax error at or near "X"`.
pub fn parse_error(sql: &str, e: ParserError) -> SqlError {
    let text = match &e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => {
            return SqlError::new("54001", "stack depth limit exceeded");
        }
    };
    // "Expected: ..., found: X at Line: l, Column: c"
    let position = text.rfind("Line: ").and_then(|i| {
        let rest = &text[i + 6..];
        let (line, rest) = rest.split_once(", Column: ")?;
        let line: u64 = line.trim().parse().ok()?;
        let col: u64 = rest
            .trim()
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .ok()?;
        let loc = sqlparser::tokenizer::Location { line, column: col };
        crate::binder::span_position(sql, sqlparser::tokenizer::Span::new(loc, loc))
    });
    let found = text
        .split_once("found: ")
        .map(|(_, f)| f.split(" at Line:").next().unwrap_or(f).trim().to_string());
    match found {
        Some(f) if f == "EOF" => SqlError::syntax("syntax error at end of input")
            .at(Some(sql.chars().count() as u32 + 1)),
        Some(f) => {
            // PostgreSQL shows a string constant with its quotes.
            let token = if f.starts_with('\'') {
                f.as_str()
            } else {
                f.trim_matches('"')
            };
            SqlError::syntax(format!("syntax error at or near \"{token}\"")).at(position)
        }
        None => SqlError::syntax(format!("syntax error: {text}")).at(position),
    }
}

/// Deepest expression the engine accepts (operator chains plus nesting).
/// Binding and evaluation recurse per level; deeper input gets 54001, as
/// PostgreSQL does past max_stack_depth, instead of overflowing the stack.
pub const MAX_EXPRESSION_DEPTH: usize = 1000;

/// sqlparser's nesting limit (its default, 50, rejects parenthesized
/// conditions PostgreSQL accepts); deeper input gets 54001. Sized so parsing,
/// binding and evaluating at the limit fit the server's 8 MiB thread stacks.
pub(crate) const PARSER_RECURSION_LIMIT: usize = 64;

fn stack_depth_exceeded() -> SqlError {
    SqlError::new("54001", "stack depth limit exceeded").with_hint(
        "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
    )
}

/// Rejects token streams whose operator chains would parse into trees deeper
/// than `MAX_EXPRESSION_DEPTH` (sqlparser builds left-deep chains without
/// recursing, but dropping and binding them recurses).
fn check_expression_depth(tokens: &[TokenWithSpan]) -> SqlResult<()> {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::Token;
    let mut runs: Vec<usize> = vec![0];
    let mut total = 0usize;
    for t in tokens {
        match &t.token {
            Token::LParen => runs.push(0),
            Token::RParen if runs.len() > 1 => {
                total -= runs.pop().unwrap_or(0);
            }
            Token::Comma | Token::SemiColon => {
                if let Some(last) = runs.last_mut() {
                    total -= *last;
                    *last = 0;
                }
            }
            Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::Mod
            | Token::Eq
            | Token::DoubleEq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq
            | Token::StringConcat
            | Token::Caret => {
                if let Some(last) = runs.last_mut() {
                    *last += 1;
                    total += 1;
                }
            }
            Token::Word(w) if w.keyword == Keyword::AND || w.keyword == Keyword::OR => {
                if let Some(last) = runs.last_mut() {
                    *last += 1;
                    total += 1;
                }
            }
            _ => {}
        }
        if total > MAX_EXPRESSION_DEPTH {
            return Err(stack_depth_exceeded());
        }
    }
    Ok(())
}

pub(crate) fn parse(sql: &str) -> SqlResult<Vec<ast::Statement>> {
    parse_with(sql, Default::default(), &mut vec![])
}

/// Parses under the session's lexical settings (standard_conforming_strings),
/// adding the lexer's warnings to `warnings`.
pub(crate) fn parse_with(
    sql: &str,
    lexical: crate::string_literals::LexicalOptions,
    warnings: &mut Vec<SqlError>,
) -> SqlResult<Vec<ast::Statement>> {
    let dialect = PostgreSqlDialect {};
    // U&'' literals and E'' literals with \u escapes are decoded here
    // (the tokenizer reads placeholders of the same length in their place).
    let literals = crate::string_literals::prepare(sql, lexical, warnings)?;
    let text = literals.as_ref().map_or(sql, |p| p.text.as_str());
    let mut tokens = Tokenizer::new(&dialect, text)
        .with_unescape(true)
        .tokenize_with_location()
        .map_err(|e| parse_error(sql, ParserError::TokenizerError(e.to_string())))?;
    if let Some(p) = &literals {
        crate::string_literals::restore(&mut tokens, p);
    }
    crate::string_literals::join_continuations(&mut tokens);
    check_expression_depth(&tokens)?;
    crate::literal_junk::check_numeric_junk(sql, &tokens)?;
    crate::similar_substring::rewrite(&mut tokens);
    crate::reloptions::strip_without_oids(&mut tokens);
    crate::user_types::rewrite_domain_not_null(&mut tokens);
    crate::descriptions::rewrite_function_signature(&mut tokens);
    crate::view_syntax::rewrite(&mut tokens);
    crate::array_assign::rewrite(&mut tokens);
    crate::partition_key_syntax::rewrite(&mut tokens);
    crate::conflict_target_syntax::rewrite(&mut tokens);
    crate::row_star::rewrite(&mut tokens);
    crate::table_command::rewrite(&mut tokens);
    let tokens = crate::variadic_args::rewrite(tokens);
    let tokens = crate::column_storage::rewrite(tokens);
    let tokens = session_ctas::mark_column_names(tokens);
    Parser::new(&dialect)
        .with_recursion_limit(PARSER_RECURSION_LIMIT)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| parse_error(sql, e))
}

#[path = "session_copy.rs"]
mod session_copy;
#[path = "session_copy_file.rs"]
mod session_copy_file;
#[path = "session_cursor.rs"]
mod session_cursor;
pub use session_cursor::{Cursor, Fetched, Streamed};
#[path = "session_ctas.rs"]
mod session_ctas;
#[path = "session_namespace.rs"]
mod session_namespace;
#[path = "session_prepare.rs"]
mod session_prepare;
#[path = "session_privileges.rs"]
mod session_privileges;
#[path = "session_reindex.rs"]
mod session_reindex;
#[path = "session_routine.rs"]
mod session_routine;
#[path = "session_row_security.rs"]
mod session_row_security;
#[path = "session_rules.rs"]
mod session_rules;
#[path = "session_savepoint.rs"]
mod session_savepoint;
#[path = "session_sequence.rs"]
mod session_sequence;
#[path = "session_temp.rs"]
mod session_temp;
#[path = "session_types.rs"]
mod session_types;
#[path = "session_writing_with.rs"]
mod session_writing_with;
pub use session_copy::CopyStart;

/// One client connection.
pub struct Session {
    engine: Arc<EngineInner>,
    txn: Option<Txn>,
    settings: Settings,
    /// COPY FROM STDIN in progress (see `session_copy.rs`).
    copy: Option<session_copy::CopyIn>,
    /// Queries whose rows are fetched as produced (see `session_cursor.rs`).
    cursors: session_cursor::Cursors,
    /// Warnings and notices for the client, in order (see `take_notices`).
    notices: Vec<SqlError>,
    /// Search-path state (see `session_namespace.rs`).
    namespace: session_namespace::Namespace,
    /// A statement is running; still set when the next one starts means its
    /// future was dropped part-way (see `discard_stale_txn`).
    statement_in_flight: bool,
    /// PREPAREd statements by name (see `session_prepare.rs`).
    sql_prepared: session_prepare::SqlPreparedStatements,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(t) = self.txn.take() {
            self.engine.rollback(t);
        }
        self.namespace.temp.release(&self.engine);
    }
}

impl Session {
    pub(crate) fn new(engine: Arc<EngineInner>) -> Session {
        Session {
            engine,
            txn: None,
            settings: Settings::default(),
            copy: None,
            cursors: Default::default(),
            notices: Vec::new(),
            namespace: Default::default(),
            statement_in_flight: false,
            sql_prepared: Default::default(),
        }
    }

    /// Reported settings (standard_conforming_strings, TimeZone, ...)
    /// changed since the last call: the client hears of them as
    /// ParameterStatus messages.
    pub fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        self.settings.take_reported_changes()
    }

    /// Applies the StartupMessage's date/time settings (TimeZone from JDBC,
    /// `timezone` / `datestyle` from libpq's PGTZ / PGDATESTYLE, `-c
    /// timezone=...` in `options`) as PostgreSQL does: like SET, before the
    /// first statement; an invalid value is an error (FATAL for the client).
    /// Other parameters are left to the endpoint.
    pub fn apply_startup_parameters(&mut self, parameters: &[(String, String)]) -> SqlResult<()> {
        let from_options = parameters
            .iter()
            .filter(|(name, _)| name == "options")
            .flat_map(|(_, options)| crate::timezone::startup_options(options));
        let direct = parameters
            .iter()
            .filter(|(name, _)| name != "options")
            .cloned();
        for (name, value) in direct.chain(from_options) {
            if let Some(c @ ("TimeZone" | "DateStyle" | "IntervalStyle")) =
                crate::settings::canonical(&name)
            {
                let applied = self.settings.set(c, Some(value.clone()));
                // Kept as the session's starting value, not a pending SET.
                self.settings.end_transaction(applied.is_ok());
                applied?;
            }
        }
        Ok(())
    }

    /// The warnings and notices (severity WARNING, NOTICE, ...) the
    /// statements run since the last call raised.
    pub fn take_notices(&mut self) -> Vec<SqlError> {
        std::mem::take(&mut self.notices)
    }

    /// How long the client may leave a transaction block idle before the
    /// server closes the connection (idle_in_transaction_session_timeout;
    /// None: no limit). Dropping the session rolls the transaction back.
    pub fn idle_in_transaction_timeout(&self) -> Option<std::time::Duration> {
        self.settings.idle_in_transaction_session_timeout()
    }

    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.txn {
            Some(t) if t.explicit && t.failed => TransactionStatus::Failed,
            Some(t) if t.explicit => TransactionStatus::InBlock,
            _ => TransactionStatus::Idle,
        }
    }

    /// Simple-query protocol: runs each ';'-separated statement in order, stopping after the first error.
    /// Several statements without explicit transaction control run as one implicit transaction.
    pub async fn execute_simple(&mut self, sql: &str) -> Vec<Result<StatementOutput, SqlError>> {
        self.discard_stale_txn();
        if let Some(r) = Box::pin(self.maintenance(sql)).await {
            return vec![r];
        }
        if let Some(r) = Box::pin(self.sequence_statement(sql)).await {
            return vec![r];
        }
        if let Some(r) = Box::pin(self.execute_mixed(sql)).await {
            return r;
        }
        if let Some(r) = Box::pin(self.create_schema_with_elements(sql)).await {
            if r.is_err() {
                self.fail_block();
            }
            return vec![r];
        }
        let lexical = self.lexical_options();
        let stmts = match parse_with(sql, lexical, &mut self.notices) {
            Ok(s) => s,
            Err(e) => {
                self.fail_block();
                return vec![Err(e)];
            }
        };
        self.statements_parsed(stmts.len());
        let implicit =
            stmts.len() > 1 && self.txn.is_none() && !stmts.iter().any(is_transaction_control);
        if implicit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let mut out = Vec::with_capacity(stmts.len());
        let mut failed = false;
        for s in &stmts {
            let r = match self.settings.statement_timeout() {
                None => self.run_statement(s, sql).await,
                Some(limit) => {
                    match tokio::time::timeout(limit, self.run_statement(s, sql)).await {
                        Ok(r) => r,
                        Err(_) => Err(self.statement_timed_out()),
                    }
                }
            };
            failed = r.is_err();
            out.push(r);
            if failed {
                break;
            }
        }
        if implicit {
            if let Some(t) = self.txn.take() {
                if failed || t.failed {
                    self.engine.rollback(t);
                    self.settings.end_transaction(false);
                } else if let Err(e) = self.commit_txn(t).await {
                    out.push(Err(e));
                    self.settings.end_transaction(false);
                }
            }
            self.settings.end_transaction(true);
        }
        out
    }

    /// Extended protocol: parse and bind-type one statement with $n parameters.
    /// `param_types` are PG type OIDs (0 = infer).
    pub async fn prepare(&mut self, sql: &str, param_types: &[u32]) -> Result<Prepared, SqlError> {
        // ALTER SEQUENCE, CREATE ROLE, ...: checked now, run at Execute.
        if let Some(special) = session_sequence::check_special(sql) {
            special?;
            return Ok(Prepared {
                param_types: vec![],
                columns: vec![],
                inner: Arc::new(PreparedInner {
                    sql: sql.to_string(),
                    stmt: None,
                    param_types: vec![],
                    cache: Mutex::new(None),
                }),
            });
        }
        let lexical = self.lexical_options();
        let mut stmts = parse_with(sql, lexical, &mut self.notices)?;
        if stmts.len() > 1 {
            return Err(SqlError::syntax(
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let mut hinted = Vec::with_capacity(param_types.len());
        for &oid in param_types {
            let t = if oid == 0 {
                SqlType::Unknown
            } else {
                SqlType::from_oid(oid)
                    .ok_or_else(|| SqlError::unsupported(format!("parameter type oid {oid}")))?
            };
            hinted.push(t.plain());
        }
        let stmt = stmts.pop();
        let (params, columns, bound) = match &stmt {
            // Bound again, and run, at every Execute: its WITH queries' rows
            // are part of the binding.
            Some(s @ ast::Statement::Query(q)) if session_writing_with::writes_in_with(q) => {
                let (params, cols) = self.describe_writing_with(s, sql, &hinted)?;
                let params = params
                    .into_iter()
                    .map(|t| {
                        if t.ty == SqlType::Unknown {
                            SqlType::Text.plain()
                        } else {
                            t
                        }
                    })
                    .collect();
                (params, out_columns(&cols), None)
            }
            Some(s) if is_data_statement(s) => {
                let catalog = self.catalog();
                let mut b = Binder::new(&catalog, sql, hinted.clone())
                    .with_datetime(self.settings.datetime());
                let resolved: std::borrow::Cow<'_, ast::Statement> =
                    self.resolved_at(s, &catalog, sql)?;
                let bound = bind_data(&mut b, &resolved)?;
                let params: Vec<ColType> = b
                    .params
                    .iter()
                    .map(|t| {
                        if t.ty == SqlType::Unknown {
                            SqlType::Text.plain()
                        } else {
                            *t
                        }
                    })
                    .collect();
                let cols = bound.columns();
                let uses = session_privileges::data_statement_uses(&resolved, &b);
                (
                    params,
                    out_columns(&cols),
                    Some(CachedPlan {
                        version: catalog.version,
                        bound: Arc::new(bound),
                        uses,
                    }),
                )
            }
            Some(ast::Statement::ShowVariable { variable }) => {
                let name = crate::settings::show_name(variable);
                let (canon, _) = self.settings.get(&name)?;
                (
                    hinted.clone(),
                    vec![Column {
                        name: canon,
                        type_oid: SqlType::Text.oid(),
                        type_modifier: -1,
                    }],
                    None,
                )
            }
            _ => (hinted.clone(), vec![], None),
        };
        Ok(Prepared {
            param_types: params.iter().map(|t| t.ty.oid()).collect(),
            columns,
            inner: Arc::new(PreparedInner {
                sql: sql.to_string(),
                stmt,
                param_types: params,
                cache: Mutex::new(bound),
            }),
        })
    }

    /// Runs a prepared statement with parameters in PostgreSQL text format (None = NULL).
    pub async fn execute_prepared(
        &mut self,
        prepared: &Prepared,
        params: &[Option<String>],
    ) -> Result<StatementOutput, SqlError> {
        self.discard_stale_txn();
        let inner = &prepared.inner;
        if params.len() != inner.param_types.len() {
            return Err(SqlError::new(
                "08P01",
                format!(
                    "bind message supplies {} parameters, but prepared statement \"\" requires {}",
                    params.len(),
                    inner.param_types.len()
                ),
            ));
        }
        let Some(stmt) = &inner.stmt else {
            if let Some(r) = self.sequence_statement(&inner.sql).await {
                return r;
            }
            return Ok(StatementOutput::Command { tag: String::new() });
        };
        if !is_data_statement(stmt) {
            return self.run_statement(stmt, &inner.sql).await;
        }
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        let mut values = Vec::with_capacity(params.len());
        for (p, t) in params.iter().zip(&inner.param_types) {
            values.push(match p {
                None => Datum::Null,
                Some(s) => match crate::datum::parse_text_in(s, *t, self.settings.datetime()) {
                    Ok(d) => d,
                    Err(e) => {
                        self.fail_block();
                        return Err(e);
                    }
                },
            });
        }
        if let ast::Statement::Query(q) = stmt {
            if session_writing_with::writes_in_with(q) {
                let types = inner.param_types.clone();
                let run = Execution::WritingWith {
                    stmt,
                    sql: &inner.sql,
                    param_types: &types,
                };
                return self.run_limited(run, &values).await;
            }
        }
        let catalog = self.catalog();
        let cached = inner.cache.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|plan| plan.version == catalog.version)
                .cloned()
        });
        let plan = match cached {
            Some(plan) => plan,
            None => {
                let mut b = Binder::new(&catalog, &inner.sql, inner.param_types.clone())
                    .with_datetime(self.settings.datetime());
                let bound = self.resolved_at(stmt, &catalog, &inner.sql).and_then(|s| {
                    let bound = bind_data(&mut b, &s)?;
                    Ok((bound, session_privileges::data_statement_uses(&s, &b)))
                });
                let plan = match bound {
                    Ok((bound, uses)) => CachedPlan {
                        version: catalog.version,
                        bound: Arc::new(bound),
                        uses,
                    },
                    Err(e) => {
                        self.fail_block();
                        return Err(e);
                    }
                };
                if let Ok(mut c) = inner.cache.lock() {
                    *c = Some(plan.clone());
                }
                plan
            }
        };
        let bound = plan.bound;
        if let Err(e) =
            crate::privileges::check_uses(&catalog, &self.settings.current_user(), &plan.uses)
        {
            self.fail_block();
            return Err(e);
        }
        // Execution-time partition pruning: the parameters are known now.
        let bound = if crate::binder::may_prune_with_params(&bound) {
            let mut b = Binder::new(&catalog, &inner.sql, inner.param_types.clone())
                .with_datetime(self.settings.datetime());
            match crate::binder::prune_with_params(&mut b, &bound, &values) {
                Ok(pruned) => pruned.map_or(bound, Arc::new),
                Err(e) => {
                    self.fail_block();
                    return Err(e);
                }
            }
        } else {
            bound
        };
        if let (true, Bound::Query(q)) = (self.take_stream_request(), &*bound) {
            return self.open_cursor(q, values).await;
        }
        self.run_limited(Execution::Bound(&bound), &values).await
    }

    /// Runs an Execute under statement_timeout, a panic turned into an error.
    async fn run_limited(
        &mut self,
        run: Execution<'_>,
        values: &[Datum],
    ) -> Result<StatementOutput, SqlError> {
        use futures::FutureExt;
        self.statement_in_flight = true;
        let limit = self.settings.statement_timeout();
        let run = std::panic::AssertUnwindSafe(async {
            match run {
                Execution::Bound(bound) => self.run_bound(bound, values).await,
                Execution::WritingWith {
                    stmt,
                    sql,
                    param_types,
                } => {
                    self.run_prepared_writing_with(stmt, sql, param_types, values)
                        .await
                }
            }
        })
        .catch_unwind();
        let r = match limit {
            None => run.await,
            Some(limit) => match tokio::time::timeout(limit, run).await {
                Ok(r) => r,
                Err(_) => return Err(self.statement_timed_out()),
            },
        };
        let r = match r {
            Ok(r) => r,
            Err(panic) => Err(self.after_panic(panic)),
        };
        self.statement_in_flight = false;
        r
    }

    /// After a statement ran past statement_timeout and its future was
    /// dropped: its transaction is dealt with as after a cancel, and the
    /// client gets PostgreSQL's 57014.
    pub(crate) fn statement_timed_out(&mut self) -> SqlError {
        self.statement_in_flight = true;
        self.discard_stale_txn();
        SqlError::new("57014", "canceling statement due to statement timeout")
    }

    /// A statement whose future was dropped (a cancel, a statement timeout,
    /// a vanished client) may have written part of its rows: an explicit
    /// block it ran in is aborted, as PostgreSQL aborts it, and a
    /// transaction that is not an explicit block can only be left over from
    /// such a statement: roll it back.
    fn discard_stale_txn(&mut self) {
        if std::mem::take(&mut self.statement_in_flight) {
            self.fail_block();
        }
        if self.txn.as_ref().is_some_and(|t| !t.explicit) {
            if let Some(t) = self.txn.take() {
                self.engine.rollback(t);
                self.settings.end_transaction(false);
            }
        }
    }

    /// Marks an explicit block failed after an error.
    fn fail_block(&mut self) {
        if let Some(t) = self.txn.as_mut() {
            t.failed = true;
        }
    }

    /// Runs one statement; a panic (a bug) becomes an XX000 error that ends the
    /// transaction, never a dead connection or server.
    async fn run_statement(
        &mut self,
        stmt: &ast::Statement,
        sql: &str,
    ) -> SqlResult<StatementOutput> {
        use futures::FutureExt;
        self.statement_in_flight = true;
        // Boxed: the statement machinery's future is large, and every caller
        // (and every await of one in a test) would otherwise carry it inline.
        let r = std::panic::AssertUnwindSafe(Box::pin(self.run_statement_inner(stmt, sql)))
            .catch_unwind()
            .await;
        self.statement_in_flight = false;
        let r = match r {
            Ok(r) => r,
            Err(panic) => Err(self.after_panic(panic)),
        };
        // Outside a transaction the statement was its own: its SET LOCAL and
        // set_config(.., true) end with it.
        if self.txn.is_none() {
            self.settings.end_transaction(r.is_ok());
        }
        r
    }

    fn after_panic(&mut self, panic: Box<dyn std::any::Any + Send>) -> SqlError {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Some(t) = self.txn.take() {
            self.engine.rollback(t);
        }
        SqlError::internal(format!("internal error: {what}"))
    }

    async fn run_statement_inner(
        &mut self,
        stmt: &ast::Statement,
        sql: &str,
    ) -> SqlResult<StatementOutput> {
        let failed = self.txn.as_ref().is_some_and(|t| t.failed);
        let control = is_transaction_control(stmt);
        if failed && !control {
            return Err(SqlError::in_failed_transaction());
        }
        let r = self.dispatch_resolved(stmt, sql).await;
        if r.is_err() && !control {
            self.fail_block();
        }
        r
    }

    async fn dispatch(&mut self, stmt: &ast::Statement, sql: &str) -> SqlResult<StatementOutput> {
        use ast::Statement as S;
        let cmd = |tag: &str| {
            Ok(StatementOutput::Command {
                tag: tag.to_string(),
            })
        };
        crate::privileges::check_ddl(&self.catalog(), &self.settings.current_user(), stmt, sql)?;
        match stmt {
            S::Query(q) if session_writing_with::writes_in_with(q) => {
                self.run_writing_with(q, sql, &[], &[]).await
            }
            S::Query(_) | S::Insert(_) | S::Update(_) | S::Delete(_) | S::Truncate(_) => {
                let catalog = self.catalog();
                let bound = {
                    let mut b =
                        Binder::new(&catalog, sql, vec![]).with_datetime(self.settings.datetime());
                    let bound = bind_data(&mut b, stmt)?;
                    self.check_data_privileges(&catalog, stmt, &b.resolved_relations())?;
                    bound
                };
                if let (true, Bound::Query(q)) = (self.take_stream_request(), &bound) {
                    return self.open_cursor(q, Vec::new()).await;
                }
                self.run_bound(&bound, &[]).await
            }
            S::StartTransaction { modes, .. } => {
                if self.txn.is_none() {
                    let (iso, read_only) = isolation_of(modes)?;
                    let iso = iso.unwrap_or(self.settings.default_isolation());
                    let mut t = Txn::new(self.engine.new_txn_id(), iso, true);
                    t.read_only = read_only.unwrap_or(false);
                    self.txn = Some(t);
                }
                cmd("BEGIN")
            }
            S::Commit { chain, .. } => {
                if *chain {
                    return Err(SqlError::unsupported("COMMIT AND CHAIN"));
                }
                match self.txn.take() {
                    None => cmd("COMMIT"),
                    Some(t) if t.failed => {
                        self.engine.rollback(t);
                        self.settings.end_transaction(false);
                        cmd("ROLLBACK")
                    }
                    Some(t) => {
                        let committed = self.commit_txn(t).await;
                        self.settings.end_transaction(committed.is_ok());
                        committed?;
                        cmd("COMMIT")
                    }
                }
            }
            S::Savepoint { name } => self.savepoint(name),
            S::ReleaseSavepoint { name } => self.release_savepoint(name),
            S::Rollback {
                chain: false,
                savepoint: Some(name),
            } => self.rollback_to_savepoint(name),
            S::Rollback { chain, .. } => {
                if *chain {
                    return Err(SqlError::unsupported("ROLLBACK AND CHAIN"));
                }
                if let Some(t) = self.txn.take() {
                    self.engine.rollback(t);
                }
                self.settings.end_transaction(false);
                cmd("ROLLBACK")
            }
            S::CreateTable(ct) if ct.query.is_some() => self.create_table_as(ct, sql).await,
            S::CreateTable(ct) => {
                let id = self.engine.alloc_table_id();
                let mut notices = Vec::new();
                let (settings, now) = self.bound_inputs();
                let r = self
                    .run_ddl("CREATE TABLE", |c| {
                        let bounds = crate::partition_ddl::BoundContext {
                            settings: &crate::settings::StatementSettings::new(&settings),
                            now,
                        };
                        ddl::create_table(c, ct, sql, id, Some(&bounds), &mut notices)
                    })
                    .await;
                self.notices.append(&mut notices);
                r
            }
            S::CreateView(cv) => {
                self.run_ddl("CREATE VIEW", |c| crate::view::create_view(c, cv, sql))
                    .await
            }
            S::Drop {
                object_type: ast::ObjectType::View,
                if_exists,
                names,
                ..
            } => {
                self.run_ddl("DROP VIEW", |c| {
                    crate::view::drop_view(c, names, *if_exists)
                })
                .await
            }
            S::CreateSequence {
                temporary,
                if_not_exists,
                name,
                sequence_options,
            } => self
                .create_sequence(name, *if_not_exists, *temporary, false, sequence_options)
                .await
                .map_err(|e| session_sequence::position_unknown_type(sql, e)),
            S::Drop {
                object_type: ast::ObjectType::Sequence,
                if_exists,
                names,
                cascade,
                ..
            } => {
                self.run_ddl("DROP SEQUENCE", |c| {
                    crate::sequence_ddl::drop_sequence(c, names, *if_exists, *cascade)
                })
                .await
            }
            S::Drop {
                object_type: ast::ObjectType::Table,
                if_exists,
                names,
                cascade,
                ..
            } => {
                let mut notices = Vec::new();
                let r = self
                    .run_ddl("DROP TABLE", |c| {
                        ddl::drop_table(c, names, *if_exists, *cascade, &mut notices)
                    })
                    .await;
                self.notices.append(&mut notices);
                r
            }
            S::Explain {
                analyze,
                verbose,
                options,
                statement,
                ..
            } => {
                let options =
                    crate::explain::explain_options(sql, *analyze, *verbose, options.as_deref())?;
                if options.analyze {
                    return Err(SqlError::unsupported("EXPLAIN ANALYZE"));
                }
                if !is_data_statement(statement) {
                    return Err(SqlError::unsupported("EXPLAIN of this statement"));
                }
                let catalog = self.catalog();
                let bound = {
                    let mut b = Binder::new(&catalog, sql, vec![]);
                    bind_data(&mut b, statement)?
                };
                let rows = crate::explain::explain(&bound, options)
                    .into_iter()
                    .map(|l| vec![Some(l)])
                    .collect();
                Ok(StatementOutput::Rows {
                    columns: vec![Column {
                        name: "QUERY PLAN".into(),
                        type_oid: SqlType::Text.oid(),
                        type_modifier: -1,
                    }],
                    rows,
                    tag: "EXPLAIN".into(),
                })
            }
            S::CreateType { .. }
            | S::CreateOperator(_)
            | S::DropOperator(_)
            | S::CreateDomain(_)
            | S::DropDomain(_)
            | S::AlterType(_)
            | S::Drop {
                object_type: ast::ObjectType::Type,
                ..
            } => match self.type_statement(stmt).await {
                Some(r) => r,
                None => Err(SqlError::internal("type statement dispatch")),
            },
            S::CreateOperatorClass(co) => {
                let id = self.engine.alloc_table_id();
                self.run_ddl("CREATE OPERATOR CLASS", |c| {
                    crate::opclass::create_operator_class(c, co, id)
                })
                .await
            }
            S::DropOperatorClass(d) => {
                let mut notices = Vec::new();
                let r = self
                    .run_ddl("DROP OPERATOR CLASS", |c| {
                        let (change, n) = crate::opclass::drop_operator_class(c, d)?;
                        notices = n;
                        Ok(change)
                    })
                    .await;
                self.notices.append(&mut notices);
                r
            }
            S::CreateIndex(ci) => {
                self.run_ddl("CREATE INDEX", |c| ddl::create_index(c, ci))
                    .await
            }
            S::Drop {
                object_type: ast::ObjectType::Index,
                if_exists,
                names,
                ..
            } => {
                self.run_ddl("DROP INDEX", |c| ddl::drop_index(c, names, *if_exists))
                    .await
            }
            S::AlterTable(at) if crate::view::targets_view(&self.catalog(), at) => {
                Box::pin(self.run_ddl("ALTER VIEW", |c| crate::view::alter_view(c, at))).await
            }
            S::AlterTable(at) if crate::row_security_ddl::switches(at).is_some() => {
                let ops = crate::row_security_ddl::switches(at).unwrap_or_default();
                self.alter_row_security(at, &ops).await
            }
            S::CreatePolicy(_) | S::AlterPolicy(_) | S::DropPolicy(_) => {
                self.policy_statement(stmt).await
            }
            S::AlterTable(at) if self.is_sequence_rename(at) => {
                self.rename_sequence_via_alter_table(at).await
            }
            S::AlterTable(at) => {
                if let [ast::AlterTableOperation::AddConstraint {
                    constraint: ast::TableConstraint::PrimaryKey(pk),
                    ..
                }] = at.operations.as_slice()
                {
                    let engine = self.engine.clone();
                    return self
                        .run_ddl("ALTER TABLE", |c| {
                            ddl::add_primary_key(c, at, pk, &mut || engine.alloc_table_id())
                        })
                        .await;
                }
                if crate::ddl_retype::needs_rewrite(&self.catalog(), at) {
                    let engine = self.engine.clone();
                    return self
                        .run_ddl("ALTER TABLE", |c| {
                            crate::ddl_retype::alter_column_types(c, at, sql, &mut || {
                                engine.alloc_table_id()
                            })
                        })
                        .await;
                }
                let mut notices = Vec::new();
                let (settings, now) = self.bound_inputs();
                let r = self
                    .run_ddl("ALTER TABLE", |c| {
                        let bounds = crate::partition_ddl::BoundContext {
                            settings: &crate::settings::StatementSettings::new(&settings),
                            now,
                        };
                        ddl::alter_table_with_notices(c, at, sql, Some(&bounds), &mut notices)
                    })
                    .await;
                self.notices.append(&mut notices);
                r
            }
            S::CreateSchema { .. }
            | S::AlterSchema(_)
            | S::Drop {
                object_type: ast::ObjectType::Schema,
                ..
            } => self.schema_statement(stmt).await,
            S::Comment {
                object_type,
                object_name,
                comment,
                if_exists,
            } => {
                let user = self.settings.current_user();
                self.run_ddl("COMMENT", |c| {
                    crate::descriptions::comment_on(
                        c,
                        &user,
                        *object_type,
                        object_name,
                        comment.clone(),
                        *if_exists,
                    )
                })
                .await
            }
            S::Grant(_) | S::Revoke(_) | S::GrantRole(_) | S::RevokeRole(_) => {
                self.privilege_statement(stmt).await
            }
            S::Set(set) => self.set(set),
            S::ShowVariable { variable } => {
                let name = crate::settings::show_name(variable);
                let (canon, mut value) = self.settings.get(&name)?;
                if canon == "transaction_isolation" {
                    value = match &self.txn {
                        Some(t) => t.isolation.name().to_string(),
                        None => self.settings.default_isolation().name().to_string(),
                    };
                }
                Ok(StatementOutput::Rows {
                    columns: vec![Column {
                        name: canon.to_string(),
                        type_oid: SqlType::Text.oid(),
                        type_modifier: -1,
                    }],
                    rows: vec![vec![Some(value)]],
                    tag: "SHOW".into(),
                })
            }
            S::Reset(r) => {
                let name = format!("{r}");
                let name = name.trim_start_matches("RESET").trim().to_string();
                if name.eq_ignore_ascii_case("all") {
                    self.settings.reset_all();
                } else {
                    self.settings.set(&name, None)?;
                }
                cmd("RESET")
            }
            S::Prepare {
                name,
                data_types,
                statement,
            } => self.sql_prepare(name, data_types, statement).await,
            S::Execute {
                name: Some(name),
                parameters,
                immediate: false,
                into,
                using,
                output: false,
                default: false,
                ..
            } if into.is_empty() && using.is_empty() => {
                self.sql_execute(name, parameters, sql).await
            }
            S::Deallocate { name, .. } => self.sql_deallocate(name),
            S::Discard { object_type } => self.discard(*object_type),
            // Reached through the extended protocol or a multi-statement string.
            S::Analyze(_) | S::Vacuum(_) => match self.maintenance(&stmt.to_string()).await {
                Some(r) => r,
                None => Err(SqlError::unsupported(stmt.to_string())),
            },
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(2).collect();
                Err(SqlError::unsupported(words.join(" ")))
            }
        }
    }

    /// The settings that change how string literals read.
    fn lexical_options(&self) -> crate::string_literals::LexicalOptions {
        let on = |name: &str| {
            self.settings
                .get(name)
                .map(|(_, v)| v == "on")
                .unwrap_or(true)
        };
        crate::string_literals::LexicalOptions {
            standard_conforming_strings: on("standard_conforming_strings"),
            escape_string_warning: on("escape_string_warning"),
        }
    }

    /// The catalog this session binds against: its own DDL's, if any.
    fn catalog(&self) -> Arc<Catalog> {
        self.bind_catalog()
    }

    /// Runs DDL in the open transaction (or its own): the change becomes
    /// visible to other sessions only when the transaction commits.
    /// What partition bound expressions (CREATE TABLE ... PARTITION OF,
    /// ATTACH PARTITION) are evaluated with: the session's settings, and
    /// the transaction's start as current_timestamp (the clock when the
    /// statement will start its own transaction).
    fn bound_inputs(&self) -> (Settings, i64) {
        let now = self
            .txn
            .as_ref()
            .map_or_else(crate::datetime::now, |t| t.start_usecs);
        (self.settings.clone(), now)
    }

    async fn run_ddl(
        &mut self,
        tag: &str,
        f: impl FnOnce(&Catalog) -> SqlResult<Option<ddl::DdlChange>>,
    ) -> SqlResult<StatementOutput> {
        let autocommit = self.txn.is_none();
        if autocommit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let result = self.ddl_in_txn(f).await;
        if autocommit {
            if let Some(t) = self.txn.take() {
                match &result {
                    Ok(_) => self.commit_txn(t).await?,
                    Err(_) => self.engine.rollback(t),
                }
            }
        }
        result.map(|_| StatementOutput::Command {
            tag: tag.to_string(),
        })
    }

    async fn ddl_in_txn(
        &mut self,
        f: impl FnOnce(&Catalog) -> SqlResult<Option<ddl::DdlChange>>,
    ) -> SqlResult<()> {
        let engine = self.engine.clone();
        // New objects belong to the role running the statement.
        let creator = self.settings.current_user();
        // Names in the DDL's expressions resolve through the session's path.
        let path = self.bind_catalog().search_path.clone();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| SqlError::internal("no transaction"))?;
        if txn.read_only {
            return Err(SqlError::new(
                "25006",
                "cannot execute DDL in a read-only transaction",
            ));
        }
        if txn.ddl.is_none() {
            // Temporary objects are edited like any others (`session_temp.rs`).
            let catalog = self.namespace.temp.merged(engine.catalog());
            txn.ddl = Some(TxnDdl {
                base_version: catalog.version,
                checked: vec![],
                catalog,
                mutations: vec![],
                created_sequences: vec![],
                dropped_sequences: vec![],
            });
        }
        let base = txn
            .ddl
            .as_ref()
            .map(|d| d.catalog.clone())
            .ok_or_else(|| SqlError::internal("no DDL state"))?;
        let base = crate::schema::with_search_path(base, &path);
        let Some(mut change) = f(&base)? else {
            return Ok(());
        };
        crate::row_security_ddl::follow_tables(&base, &mut change)?;
        // The shared catalog carries no session's path.
        change.catalog.search_path = Default::default();
        let mut checked = Vec::new();
        let rekey = change.rekey.take();
        for (from, to) in rekey.iter().flat_map(|r| r.tables.iter()) {
            let rewrite = rekey.as_ref().map(|r| r.rewrite.as_slice()).unwrap_or(&[]);
            let snapshot = engine.store.read_point();
            checked.push((from.id, snapshot));
            let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
            let res = ctx.rekey_table(from, to, rewrite).await;
            ctx.finish();
            res?;
        }
        for b in std::mem::take(&mut change.backfill) {
            let snapshot = engine.store.read_point();
            // Registered, so garbage collection keeps what it reads.
            engine.write_log.register_extra_snapshot(txn.id, snapshot);
            checked.push((b.table.id, snapshot));
            let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
            let mut r = Ok(());
            if b.rebuild {
                r = ctx.clear_index(&b.table, &b.index).await;
            }
            if r.is_ok() {
                r = ctx.backfill_index(&b.table, &b.index, b.unique).await;
            }
            ctx.finish();
            r?;
        }
        for v in std::mem::take(&mut change.validations) {
            let (table, column, name) = match v {
                ddl::Validation::NoNulls {
                    table,
                    column,
                    name,
                } => (table, column, name),
                ddl::Validation::Check { table, name } => {
                    let snapshot = engine.store.read_point();
                    engine.write_log.register_extra_snapshot(txn.id, snapshot);
                    checked.push((table.id, snapshot));
                    let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
                    let r = ctx.validate_check(&table, &name).await;
                    ctx.finish();
                    r?;
                    continue;
                }
                ddl::Validation::PartitionBound {
                    table,
                    router,
                    message,
                } => {
                    let snapshot = engine.store.read_point();
                    engine.write_log.register_extra_snapshot(txn.id, snapshot);
                    checked.push((table.id, snapshot));
                    let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
                    let r = ctx.validate_partition_bound(&table, &router, message).await;
                    ctx.finish();
                    r?;
                    continue;
                }
                ddl::Validation::ForeignKey { table, fk } => {
                    let snapshot = engine.store.read_point();
                    engine.write_log.register_extra_snapshot(txn.id, snapshot);
                    checked.push((table.id, snapshot));
                    let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
                    let r = ctx.validate_foreign_key(&table, &fk).await;
                    ctx.finish();
                    r?;
                    continue;
                }
            };
            let snapshot = engine.store.read_point();
            engine.write_log.register_extra_snapshot(txn.id, snapshot);
            checked.push((table.id, snapshot));
            let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
            let bad = ctx.any_row(&table, column).await;
            ctx.finish();
            if bad? {
                return Err(SqlError::new(
                    "23502",
                    format!(
                        "column \"{name}\" of relation \"{}\" contains null values",
                        table.name
                    ),
                ));
            }
        }
        let d = txn
            .ddl
            .as_mut()
            .ok_or_else(|| SqlError::internal("no DDL state"))?;
        // Only sequences this transaction really created are undone on rollback
        // (a concurrent transaction may own one with the same name).
        let mut created = Vec::new();
        for s in std::mem::take(&mut change.created_sequences) {
            // CREATE SEQUENCE wrote its fresh state, SERIAL the legacy mark 0.
            let (options, state) = match change.catalog.sequence_defs.get(&s) {
                Some(d) => (
                    d.options.clone(),
                    crate::sequence::SequenceState::fresh(d.options.start),
                ),
                None => (
                    crate::sequence_options::SequenceOptions::default(),
                    crate::sequence::SequenceState {
                        last: 0,
                        is_called: true,
                    },
                ),
            };
            if engine.sequences.create(&s, &options, state)? {
                created.push(s);
            }
        }
        crate::privileges::track_ownership(&base, &mut change, &creator)?;
        crate::descriptions::track(&base, &mut change)?;
        // A private version number, so prepared plans bound here are never
        // reused against another catalog.
        change.catalog.version = (1 << 63) | engine.new_txn_id();
        d.catalog = Arc::new(change.catalog);
        d.mutations.extend(change.mutations);
        d.created_sequences.extend(created);
        d.dropped_sequences.extend(change.dropped_sequences);
        d.checked.extend(checked);
        Ok(())
    }

    fn set(&mut self, set: &ast::Set) -> SqlResult<StatementOutput> {
        let cmd = |tag: &str| {
            Ok(StatementOutput::Command {
                tag: tag.to_string(),
            })
        };
        match set {
            ast::Set::SingleAssignment {
                variable,
                values,
                scope,
                ..
            } => {
                let name = variable.to_string().to_lowercase();
                let value = set_value(values)?;
                if name == "session_authorization" {
                    self.authorize_session_user(value.as_deref())?;
                }
                if name == "role" {
                    let scope = match scope {
                        Some(ast::ContextModifier::Local) => Scope::Transaction,
                        _ => Scope::Session,
                    };
                    return self.set_role(value, scope);
                }
                if name == "transaction_isolation" {
                    return self.set_transaction(value.as_deref().and_then(Isolation::parse));
                }
                let scope = match scope {
                    Some(ast::ContextModifier::Local) => Scope::Transaction,
                    _ => Scope::Session,
                };
                if scope == Scope::Transaction && self.txn.is_none() {
                    // It lasts until this statement's own transaction ends.
                    let mut warning =
                        SqlError::new("25P01", "SET LOCAL can only be used in transaction blocks");
                    warning.severity = "WARNING";
                    self.notices.push(warning);
                }
                self.settings.set_scoped(&name, value, scope)?;
                cmd("SET")
            }
            ast::Set::SetRole {
                context_modifier,
                role_name,
            } => {
                let scope = match context_modifier {
                    Some(ast::ContextModifier::Local) => Scope::Transaction,
                    _ => Scope::Session,
                };
                self.set_role(role_name.as_ref().map(crate::binder::ident_name), scope)
            }
            ast::Set::SetTimeZone { value, .. } => {
                let v = match value {
                    ast::Expr::Interval(iv) => Some(crate::timezone::interval_zone_hours(
                        &set_value(std::slice::from_ref(iv.value.as_ref()))?.unwrap_or_default(),
                    )?),
                    _ => set_value(std::slice::from_ref(value))?,
                };
                self.settings.set("TimeZone", v)?;
                cmd("SET")
            }
            ast::Set::SetNames { charset_name, .. } => {
                self.settings
                    .set("client_encoding", Some(charset_name.value.clone()))?;
                cmd("SET")
            }
            ast::Set::SetTransaction { modes, session, .. } => {
                let (iso, read_only) = isolation_of(modes)?;
                if *session {
                    if let Some(i) = iso {
                        self.settings
                            .set("default_transaction_isolation", Some(i.name().into()))?;
                    }
                    return cmd("SET");
                }
                if let (Some(t), Some(ro)) = (self.txn.as_mut(), read_only) {
                    t.read_only = ro;
                }
                self.set_transaction(iso)
            }
            other => Err(SqlError::unsupported(
                format!("{other}")
                    .split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
        }
    }

    fn set_transaction(&mut self, iso: Option<Isolation>) -> SqlResult<StatementOutput> {
        if let (Some(t), Some(i)) = (self.txn.as_mut(), iso) {
            if t.started {
                return Err(SqlError::new(
                    "25001",
                    "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                ));
            }
            t.isolation = i;
        }
        Ok(StatementOutput::Command { tag: "SET".into() })
    }

    /// Opens a transaction for one statement when none is open; true if it
    /// did (the statement then runs in its own transaction).
    pub(crate) fn begin_statement_txn(&mut self) -> bool {
        let autocommit = self.txn.is_none();
        if autocommit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        autocommit
    }

    /// After a statement that may call functions: takes their RAISE NOTICE
    /// output, and ends the statement's own transaction (`autocommit`, from
    /// [`Self::begin_statement_txn`]) by its result; a failed commit is the
    /// error returned.
    pub(crate) async fn end_statement_txn<T>(
        &mut self,
        autocommit: bool,
        result: &SqlResult<T>,
    ) -> SqlResult<()> {
        if let Some(t) = self.txn.as_mut() {
            self.notices.append(&mut t.notices);
        }
        if !autocommit {
            return Ok(());
        }
        if let Some(t) = self.txn.take() {
            // The statement's own transaction: its set_config() calls end
            // with it as with any transaction.
            match result {
                Ok(_) => {
                    let committed = self.commit_txn(t).await;
                    self.settings.end_transaction(committed.is_ok());
                    committed?;
                }
                Err(_) => {
                    self.engine.rollback(t);
                    self.settings.end_transaction(false);
                }
            }
        }
        Ok(())
    }

    /// Runs a bound data statement in the open transaction, or in its own.
    async fn run_bound(&mut self, bound: &Bound, params: &[Datum]) -> SqlResult<StatementOutput> {
        let autocommit = self.begin_statement_txn();
        let result = self.run_in_txn(bound, params).await;
        self.end_statement_txn(autocommit, &result).await?;
        if !autocommit && result.is_err() {
            self.fail_block();
        }
        result
    }

    async fn run_in_txn(&mut self, bound: &Bound, params: &[Datum]) -> SqlResult<StatementOutput> {
        let result = self.run_in_txn_rows(bound, params).await?;
        Ok(self.text_output(result))
    }

    /// A statement's rows (None for a command without RETURNING), tag and
    /// columns as the client gets them.
    fn text_output(
        &self,
        (rows, tag, cols): (Option<Vec<Row>>, String, Vec<OutColumn>),
    ) -> StatementOutput {
        let digits = self.settings.extra_float_digits();
        let bytea_escape = self.settings.bytea_output_escape();
        let datetime = self.settings.datetime();
        match rows {
            None => StatementOutput::Command { tag },
            Some(rows) => StatementOutput::Rows {
                columns: out_columns(&cols),
                rows: rows
                    .iter()
                    .map(|r| session_cursor::text_row(r, &cols, digits, bytea_escape, datetime))
                    .collect(),
                tag,
            },
        }
    }

    /// Runs a bound data statement in the open transaction: its rows (None
    /// for a command without RETURNING), command tag and columns.
    async fn run_in_txn_rows(
        &mut self,
        bound: &Bound,
        params: &[Datum],
    ) -> SqlResult<(Option<Vec<Row>>, String, Vec<OutColumn>)> {
        self.run_in_txn_rows_at(bound, params, None).await
    }

    /// [`Session::run_in_txn_rows`], as one part of a statement with
    /// data-modifying WITH queries when `shared` is given (it reads at the
    /// statement's snapshot, `crate::executor::SharedStatement`).
    async fn run_in_txn_rows_at(
        &mut self,
        bound: &Bound,
        params: &[Datum],
        shared: Option<&mut crate::executor::SharedStatement>,
    ) -> SqlResult<(Option<Vec<Row>>, String, Vec<OutColumn>)> {
        let access = self.access();
        let engine = self.engine.clone();
        let work_mem = self.settings.work_mem_bytes();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| SqlError::internal("no transaction"))?;
        if txn.read_only {
            let what = match bound {
                Bound::Query(_) => None,
                Bound::Insert(_) => Some("INSERT"),
                Bound::Update(_) => Some("UPDATE"),
                Bound::Delete(_) => Some("DELETE"),
                Bound::Truncate(_) => Some("TRUNCATE TABLE"),
                Bound::InsteadOf(p) => Some(p.event.name()),
            };
            if let Some(what) = what {
                return Err(SqlError::new(
                    "25006",
                    format!("cannot execute {what} in a read-only transaction"),
                ));
            }
        }
        txn.started = true;
        let snapshot = match &shared {
            Some(shared) => shared.snapshot,
            None => engine.statement_snapshot(txn),
        };
        let statement_settings =
            crate::settings::StatementSettings::new(&self.settings).with_access(access);
        let mut ctx = Ctx::new(&engine, txn, snapshot, params);
        if let Some(shared) = shared {
            ctx.join_statement(shared);
        }
        ctx.set_work_mem(work_mem);
        ctx.set_settings(&statement_settings);
        let (rows, tag, cols): (Option<Vec<Row>>, String, Vec<OutColumn>) = match bound {
            Bound::Query(q) => {
                let rows = ctx.exec_query(q).await;
                ctx.finish();
                let rows = rows?;
                let tag = format!("SELECT {}", rows.len());
                (Some(rows), tag, q.columns.clone())
            }
            Bound::Insert(p) => {
                let r = ctx.insert(p).await;
                ctx.finish();
                let (n, rows) = r?;
                (
                    p.returning.as_ref().map(|_| rows),
                    format!("INSERT 0 {n}"),
                    bound.columns(),
                )
            }
            Bound::Update(p) => {
                let r = ctx.update(p).await;
                ctx.finish();
                let (n, rows) = r?;
                (
                    p.returning.as_ref().map(|_| rows),
                    format!("UPDATE {n}"),
                    bound.columns(),
                )
            }
            Bound::Truncate(tables) => {
                let r = ctx.truncate(tables).await;
                ctx.finish();
                r?;
                (None, "TRUNCATE TABLE".to_string(), vec![])
            }
            Bound::Delete(p) => {
                let r = ctx.delete(p).await;
                ctx.finish();
                let (n, rows) = r?;
                (
                    p.returning.as_ref().map(|_| rows),
                    format!("DELETE {n}"),
                    bound.columns(),
                )
            }
            Bound::InsteadOf(p) => {
                let r = ctx.instead_of(p).await;
                ctx.finish();
                let (n, rows) = r?;
                let tag = match p.event {
                    crate::routine::TriggerEvent::Insert => format!("INSERT 0 {n}"),
                    event => format!("{} {n}", event.name()),
                };
                (p.returning.as_ref().map(|_| rows), tag, bound.columns())
            }
        };
        // The statement succeeded: its set_config() calls stay, like SET.
        for change in statement_settings.into_changes() {
            self.settings
                .set_scoped(&change.name, Some(change.value), change.scope)?;
        }
        Ok((rows, tag, cols))
    }
}

pub(crate) fn bind_data(b: &mut Binder, stmt: &ast::Statement) -> SqlResult<Bound> {
    if let Some(plan) = crate::table_rules::bind(b, stmt)? {
        return Ok(Bound::InsteadOf(Box::new(plan)));
    }
    if let Some(bound) = crate::view_dml::bind_through_view(b, stmt)? {
        return Ok(bound);
    }
    Ok(match stmt {
        ast::Statement::Query(q) => match crate::binder::dml_under_with(q) {
            Some(inner) => b.with_ctes(q, |b| bind_data(b, inner))?,
            None => Bound::Query(b.bind_query(q)?),
        },
        ast::Statement::Insert(i) => Bound::Insert(b.bind_insert(i)?),
        ast::Statement::Update(u) => Bound::Update(b.bind_update(u)?),
        ast::Statement::Delete(d) => Bound::Delete(b.bind_delete(d)?),
        ast::Statement::Truncate(t) => Bound::Truncate(b.bind_truncate(t)?),
        _ => return Err(SqlError::internal("not a data statement")),
    })
}

/// What an Execute runs.
enum Execution<'s> {
    /// A statement bound once, cached with its prepared statement.
    Bound(&'s Bound),
    /// A statement with data-modifying WITH queries, bound at each run
    /// (`session_writing_with`).
    WritingWith {
        stmt: &'s ast::Statement,
        sql: &'s str,
        param_types: &'s [ColType],
    },
}

/// Isolation level and READ ONLY flag named by transaction modes.
fn isolation_of(modes: &[ast::TransactionMode]) -> SqlResult<(Option<Isolation>, Option<bool>)> {
    let mut iso = None;
    let mut read_only = None;
    for m in modes {
        match m {
            ast::TransactionMode::IsolationLevel(l) => {
                iso = Some(match l {
                    ast::TransactionIsolationLevel::ReadUncommitted
                    | ast::TransactionIsolationLevel::ReadCommitted => Isolation::ReadCommitted,
                    ast::TransactionIsolationLevel::RepeatableRead => Isolation::RepeatableRead,
                    ast::TransactionIsolationLevel::Serializable => Isolation::Serializable,
                    ast::TransactionIsolationLevel::Snapshot => Isolation::RepeatableRead,
                })
            }
            ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadWrite) => {
                read_only = Some(false)
            }
            ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly) => {
                read_only = Some(true)
            }
        }
    }
    Ok((iso, read_only))
}

/// The value of `SET x = ...` as text; None for DEFAULT.
fn set_value(values: &[ast::Expr]) -> SqlResult<Option<String>> {
    let mut parts = Vec::new();
    for v in values {
        parts.push(match v {
            ast::Expr::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default") =>
            {
                return Ok(None)
            }
            ast::Expr::Identifier(i) => i.value.clone(),
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => s.clone(),
                ast::Value::Number(n, _) => n.clone(),
                ast::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
                other => other.to_string(),
            },
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => format!("-{expr}"),
            other => other.to_string(),
        });
    }
    Ok(Some(parts.join(", ")))
}
