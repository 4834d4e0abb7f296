//! Running routines inside the executor: SQL statements with parameters
//! (`Ctx::run_sql`, what function bodies and PL/pgSQL use), user-defined
//! function calls from expressions and FROM, and DO blocks. Calls nest on
//! the async stack, so their depth is bounded (54001, as PostgreSQL's
//! max_stack_depth).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use super::sql_text::{substitute, Variables};
use super::{FunctionDef, Language, Returns};
use crate::binder::Binder;
use crate::catalog::Catalog;
use crate::datum::{cast, CastContext, Datum};
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};
use crate::plan::{Expr, OutColumn};
use crate::plpgsql::interp::{self, Invocation, Record, Returned, TriggerVars};
use crate::plpgsql::parser::{parse_body, Block};
use crate::session::Bound;
use crate::types::{ColType, SqlType};

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = SqlResult<T>> + Send + 'a>>;

/// Deepest nesting of function calls. Each level polls through several
/// boxed futures; this keeps a runaway recursion well inside the 8 MiB
/// runtime thread stacks.
pub const MAX_CALL_DEPTH: usize = 48;

/// What a SQL statement run by a routine produced.
#[derive(Debug, Default)]
pub struct SqlOutcome {
    pub rows: Vec<Row>,
    pub columns: Vec<OutColumn>,
    /// Rows returned or affected.
    pub count: u64,
}

/// Parsed PL/pgSQL bodies by text (bounded: cleared when full).
static PARSED: Mutex<Option<HashMap<String, Arc<Block>>>> = Mutex::new(None);
const PARSED_MAX: usize = 256;

fn parsed_body(body: &str) -> SqlResult<Arc<Block>> {
    let mut cache = match PARSED.lock() {
        Ok(c) => c,
        Err(p) => p.into_inner(),
    };
    let map = cache.get_or_insert_with(HashMap::new);
    if let Some(b) = map.get(body) {
        return Ok(b.clone());
    }
    let block = Arc::new(parse_body(body)?);
    if map.len() >= PARSED_MAX {
        map.clear();
    }
    map.insert(body.to_string(), block.clone());
    Ok(block)
}

fn stack_depth_exceeded() -> SqlError {
    SqlError::new("54001", "stack depth limit exceeded").with_hint(
        "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
    )
}

/// A SQL function's arguments as the variables of its body.
struct ArgVars<'f> {
    def: &'f FunctionDef,
    args: &'f [Datum],
}

impl Variables for ArgVars<'_> {
    fn scalar(&self, name: &str) -> Option<(Datum, ColType)> {
        self.def
            .input_args()
            .zip(self.args)
            .find(|(a, _)| a.name.as_deref() == Some(name))
            .map(|(a, d)| (d.clone(), a.ty))
    }
    fn is_record(&self, _: &str) -> bool {
        false
    }
    fn field(&self, record: &str, _: &str) -> SqlResult<(Datum, ColType)> {
        Err(SqlError::internal(format!("{record} is not a record")))
    }
    fn positional(&self, n: usize) -> Option<(Datum, ColType)> {
        let a = self.def.input_args().nth(n.checked_sub(1)?)?;
        Some((self.args.get(n - 1)?.clone(), a.ty))
    }
}

/// A composite value in PostgreSQL's record text form: `(1,"a b",)`.
pub fn record_text(values: &[Datum]) -> String {
    crate::composite::from_values(values)
}

fn to_type(d: Datum, from: ColType, to: ColType) -> SqlResult<Datum> {
    if d.is_null() || from.ty == to.ty || to.ty == SqlType::Unknown {
        return Ok(d);
    }
    match cast(d.clone(), from.ty, to, CastContext::Assignment) {
        Ok(v) => Ok(v),
        Err(e) if e.sqlstate.starts_with("42") => cast(d, from.ty, to, CastContext::Explicit),
        Err(e) => Err(e),
    }
}

impl<'a> Ctx<'a> {
    /// The catalog this transaction sees (its own DDL included).
    /// The session's view when the statement has one (temporary tables and
    /// search_path included), else the transaction's catalog.
    pub(crate) fn routine_catalog(&self) -> Arc<Catalog> {
        if let Some(access) = self.statement_settings().and_then(|s| s.access()) {
            return access.catalog.clone();
        }
        self.txn
            .ddl
            .as_ref()
            .map(|d| d.catalog.clone())
            .unwrap_or_else(|| self.engine.catalog())
    }

    /// A record shaped like a table's row, all NULL (`t%ROWTYPE`).
    pub(crate) fn row_record(&self, table: &str) -> SqlResult<Record> {
        let catalog = self.routine_catalog();
        let t = catalog.table(&catalog.resolve_key(table))?;
        Ok(Record {
            names: t.columns.iter().map(|c| c.name.clone()).collect(),
            types: t.columns.iter().map(|c| c.ty).collect(),
            values: vec![Datum::Null; t.columns.len()],
        })
    }

    /// Parses, binds and runs SQL (one or more data statements) in this
    /// transaction with `$n` parameters; the last statement's outcome.
    pub(crate) fn run_sql<'s>(
        &'s mut self,
        sql: &'s str,
        params: Vec<Datum>,
        types: Vec<ColType>,
    ) -> BoxFut<'s, SqlOutcome> {
        Box::pin(async move {
            let catalog = self.routine_catalog();
            let stmts = crate::session::parse(sql)?;
            let mut last = SqlOutcome::default();
            for stmt in &stmts {
                // A trigger function sees its transition tables as WITH queries.
                let with_transitions;
                let stmt = if self.txn.transitions.active.is_empty() {
                    stmt
                } else {
                    with_transitions = super::transition::with_transition_tables(
                        stmt,
                        &self.txn.transitions.active,
                    )?;
                    &with_transitions
                };
                // Relation names through the session's search path.
                let resolved;
                let stmt = if crate::schema::resolution_needed(&catalog) {
                    let mut s = stmt.clone();
                    let temp = catalog.search_path.temp.clone().unwrap_or_default();
                    crate::schema::resolve_statement(&mut s, &catalog, sql, &temp)?;
                    resolved = s;
                    &resolved
                } else {
                    stmt
                };
                let bound = {
                    let mut b = Binder::new(&catalog, sql, types.clone());
                    match crate::session::bind_data(&mut b, stmt) {
                        // Variables are parameters: prune by their values.
                        Ok(bound) => {
                            match crate::binder::prune_with_params(&mut b, &bound, &params)? {
                                Some(pruned) => pruned,
                                None => bound,
                            }
                        }
                        Err(e) if e.sqlstate == "XX000" => {
                            self.check_not_in_use(&catalog, stmt)?;
                            return Err(SqlError::unsupported(format!(
                                "{} inside a function",
                                stmt.to_string()
                                    .split_whitespace()
                                    .take(2)
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            )));
                        }
                        Err(e) => return Err(e),
                    }
                };
                if self.txn.read_only && !matches!(bound, Bound::Query(_)) {
                    return Err(SqlError::new(
                        "25006",
                        "cannot execute a data-modifying statement in a read-only transaction",
                    ));
                }
                let columns = bound.columns();
                let mut inner = self.nested(&params);
                let r = match &bound {
                    Bound::Query(q) => inner
                        .exec_query(q)
                        .await
                        .map(|rows| (rows.len() as u64, rows)),
                    Bound::Insert(p) => inner.insert(p).await,
                    Bound::Update(p) => inner.update(p).await,
                    Bound::Delete(p) => inner.delete(p).await,
                    Bound::Truncate(t) => inner.truncate(t).await.map(|_| (0, vec![])),
                    Bound::InsteadOf(p) => inner.instead_of(p).await,
                };
                inner.finish();
                let (count, rows) = r?;
                last = SqlOutcome {
                    rows,
                    columns,
                    count,
                };
            }
            Ok(last)
        })
    }

    /// PostgreSQL's refusal of DDL on a relation a running statement of
    /// this session uses (CheckTableNotInUse): here, CREATE TABLE ...
    /// PARTITION OF a table whose trigger is running.
    fn check_not_in_use(
        &self,
        catalog: &Catalog,
        stmt: &sqlparser::ast::Statement,
    ) -> SqlResult<()> {
        let sqlparser::ast::Statement::CreateTable(ct) = stmt else {
            return Ok(());
        };
        let Some(parent) = &ct.partition_of else {
            return Ok(());
        };
        let key = catalog.resolve_key(&crate::binder::object_name(parent)?);
        if !self.txn.transitions.firing_on.contains(&key) {
            return Ok(());
        }
        let (_, bare) = crate::schema::split(&key);
        Err(SqlError::new(
            "55006",
            format!(
                "cannot CREATE TABLE .. PARTITION OF \"{bare}\" because it is being used by active queries in this session"
            ),
        ))
    }

    /// Runs a function body with its arguments (or trigger variables).
    pub(crate) fn invoke<'s>(
        &'s mut self,
        def: &'s FunctionDef,
        args: Vec<Datum>,
        trigger: Option<TriggerVars>,
    ) -> BoxFut<'s, Returned> {
        Box::pin(async move {
            if self.txn.routine_depth >= MAX_CALL_DEPTH {
                return Err(stack_depth_exceeded());
            }
            self.txn.routine_depth += 1;
            let r = self.invoke_at_depth(def, args, trigger).await;
            self.txn.routine_depth -= 1;
            r
        })
    }

    async fn invoke_at_depth(
        &mut self,
        def: &FunctionDef,
        args: Vec<Datum>,
        trigger: Option<TriggerVars>,
    ) -> SqlResult<Returned> {
        match def.language {
            Language::PlPgSql => {
                let block = parsed_body(&def.body)?;
                let outs = match &def.returns {
                    Returns::Table { columns, .. } => columns.clone(),
                    _ => def
                        .args
                        .iter()
                        .filter(|a| a.mode != super::ArgMode::In)
                        .filter_map(|a| a.name.clone().map(|n| (n, a.ty)))
                        .collect(),
                };
                let inv = Invocation {
                    args: def
                        .input_args()
                        .zip(args)
                        .map(|(a, d)| (a.name.clone(), d, a.ty))
                        .collect(),
                    outs,
                    returns: def.returns.clone(),
                    trigger,
                    context_name: def.signature(),
                };
                interp::run(self, &block, inv).await
            }
            Language::Sql => {
                let sub = substitute(&def.body, &ArgVars { def, args: &args })?;
                let out = self.run_sql(&sub.sql, sub.params, sub.types).await?;
                let mut ret = Returned::default();
                if def.returns_set() || matches!(def.returns, Returns::Table { .. }) {
                    ret.rows = if def.returns_set() {
                        out.rows
                    } else {
                        out.rows.into_iter().take(1).collect()
                    };
                } else if let (Some(row), Some(col)) =
                    (out.rows.into_iter().next(), out.columns.first())
                {
                    ret.value = row.into_iter().next().map(|d| (d, col.ty));
                }
                Ok(ret)
            }
            Language::Internal => {
                let ty = def.result_type();
                let value = crate::internal_functions::call(&def.body, args, ty)?;
                Ok(Returned {
                    value: Some((value, ty)),
                    ..Returned::default()
                })
            }
        }
    }

    /// A scalar call of a user-defined function (from `eval_row`).
    pub(crate) fn call_function<'s>(
        &'s mut self,
        def: &'s Arc<FunctionDef>,
        args: Vec<Datum>,
    ) -> BoxFut<'s, Datum> {
        Box::pin(async move {
            if def.strict && args.iter().any(Datum::is_null) {
                return Ok(Datum::Null);
            }
            let ret = self.invoke(def, args, None).await?;
            match &def.returns {
                // void prints as the empty string, as in PostgreSQL.
                Returns::Void => Ok(Datum::Text(String::new())),
                Returns::Trigger => Ok(Datum::Null),
                Returns::Scalar(t) => match ret.value {
                    Some((d, from)) => to_type(d, from, *t),
                    None => Ok(ret
                        .rows
                        .into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next())
                        .unwrap_or(Datum::Null)),
                },
                Returns::SetOf(_) => Ok(ret
                    .rows
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next())
                    .unwrap_or(Datum::Null)),
                Returns::Table { columns, .. } => Ok(match ret.rows.into_iter().next() {
                    None => Datum::Null,
                    Some(r) if columns.len() == 1 => r.into_iter().next().unwrap_or(Datum::Null),
                    Some(r) => Datum::Text(record_text(&r)),
                }),
            }
        })
    }

    /// A call in FROM: the function's rows in its result columns' types.
    pub(crate) fn call_set_function<'s>(
        &'s mut self,
        def: &'s Arc<FunctionDef>,
        args: Vec<Datum>,
    ) -> BoxFut<'s, Vec<Row>> {
        Box::pin(async move {
            if def.strict && args.iter().any(Datum::is_null) {
                return Ok(vec![]);
            }
            let ret = self.invoke(def, args, None).await?;
            Ok(match &def.returns {
                Returns::Scalar(t) => {
                    let v = match ret.value {
                        Some((d, from)) => to_type(d, from, *t)?,
                        None => Datum::Null,
                    };
                    vec![vec![v]]
                }
                Returns::Void => vec![vec![Datum::Text(String::new())]],
                _ => ret.rows,
            })
        })
    }

    /// The rows of `Plan::UserFunction` (each padded to `width` columns).
    pub(crate) async fn user_function_rows(
        &mut self,
        call: &Expr,
        width: usize,
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let Expr::UserCall { func, args, .. } = call else {
            return Err(SqlError::internal("function scan without a call"));
        };
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval_row(a, &[], outer).await?);
        }
        let mut rows = self.call_set_function(func, values).await?;
        for r in &mut rows {
            r.resize(width, Datum::Null);
        }
        Ok(rows)
    }

    /// DO $$ ... $$.
    pub(crate) async fn run_do(&mut self, body: &str) -> SqlResult<()> {
        let block = parsed_body(body)?;
        if self.txn.routine_depth >= MAX_CALL_DEPTH {
            return Err(stack_depth_exceeded());
        }
        self.txn.routine_depth += 1;
        let inv = Invocation {
            args: vec![],
            outs: vec![],
            returns: Returns::Void,
            trigger: None,
            context_name: "inline_code_block".to_string(),
        };
        let r = interp::run(self, &block, inv).await;
        self.txn.routine_depth -= 1;
        r.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_text_quotes_like_postgres() {
        assert_eq!(
            record_text(&[
                Datum::Int4(1),
                Datum::Text("a b".into()),
                Datum::Null,
                Datum::Text(String::new())
            ]),
            "(1,\"a b\",,\"\")"
        );
    }
}
