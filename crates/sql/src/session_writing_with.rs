//! Statements whose WITH list holds data-modifying queries:
//! `WITH ins AS (INSERT ... RETURNING ...) SELECT ... FROM ins`, or the
//! same WITH in front of an INSERT/UPDATE/DELETE. Each INSERT, UPDATE or
//! DELETE of the WITH list runs once, to completion, in the statement's
//! transaction, whether or not anything reads it (as in PostgreSQL); it is
//! bound like the same statement at the top level, so it takes every form a
//! top-level one does. Its RETURNING rows are handed to the binder
//! (`binder::WrittenCtes`) and what reads them binds them as constant rows.
//!
//! As in PostgreSQL, every part reads the tables as they were when the
//! statement began (`executor::SharedStatement`): no part sees another's
//! changes, only its RETURNING rows. The parts run in PostgreSQL's order,
//! which decides which of two parts modifying the same row wins: a part
//! runs when the first statement that reads it needs its rows (the primary
//! statement's, then each one's own, first), the primary statement runs,
//! then the parts nothing read, the last defined first.

use std::sync::Arc;

use sqlparser::ast;

use super::{bind_data, Bound, Session, StatementOutput};
use crate::binder::{data_modifying, Binder, WrittenCte, WrittenCtes};
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, SharedStatement};
use crate::plan::OutColumn;
use crate::types::ColType;

/// The query's own WITH list holds an INSERT, UPDATE or DELETE.
pub(super) fn writes_in_with(q: &ast::Query) -> bool {
    q.with.as_ref().is_some_and(|w| {
        w.cte_tables
            .iter()
            .any(|c| data_modifying(&c.query).is_some())
    })
}

/// One data-modifying WITH query, bound with the shape of the earlier ones.
struct Part {
    /// Its `WrittenCtes` key.
    key: (String, u64, u64),
    /// The INSERT/UPDATE/DELETE under the WITH queries defined before it.
    statement: ast::Statement,
    /// The earlier parts it reads (indexes into the statement's parts).
    reads: Vec<usize>,
    /// Its RETURNING columns; None without RETURNING.
    columns: Option<Vec<OutColumn>>,
}

/// A statement with data-modifying WITH queries, bound with the shape of
/// its parts (nothing run).
struct Shape {
    parts: Vec<Part>,
    /// The parts the primary statement reads.
    primary_reads: Vec<usize>,
    /// The parameter types, as binding every part settled them.
    params: Vec<ColType>,
    /// The primary statement's result columns.
    columns: Vec<OutColumn>,
}

impl Session {
    /// Runs a statement whose WITH list modifies data, in the open
    /// transaction or in its own (all of it or none of it commits). Its
    /// names are resolved already (`Session::resolved_at`).
    pub(super) async fn run_writing_with(
        &mut self,
        query: &ast::Query,
        sql: &str,
        param_types: &[ColType],
        params: &[Datum],
    ) -> SqlResult<StatementOutput> {
        // Streaming a cursor over the result is not offered here: the
        // request is consumed and the rows are returned whole.
        let _ = self.take_stream_request();
        let autocommit = self.begin_statement_txn();
        let result = self
            .run_writing_with_in_txn(query, sql, param_types, params)
            .await;
        self.end_statement_txn(autocommit, &result).await?;
        if !autocommit && result.is_err() {
            self.fail_block();
        }
        result
    }

    /// A prepared statement whose WITH list modifies data, with its
    /// parameters: names resolved, then run like a simple one.
    pub(super) async fn run_prepared_writing_with(
        &mut self,
        stmt: &ast::Statement,
        sql: &str,
        param_types: &[ColType],
        params: &[Datum],
    ) -> SqlResult<StatementOutput> {
        let resolved = match self.resolved_at(stmt, &self.catalog(), sql) {
            Ok(resolved) => resolved.into_owned(),
            Err(e) => {
                self.fail_block();
                return Err(e);
            }
        };
        self.run_writing_with(query_of(&resolved)?, sql, param_types, params)
            .await
    }

    /// The parameter types and result columns of a statement whose WITH
    /// list modifies data (for the extended protocol's Describe): each
    /// part is bound, nothing runs.
    pub(super) fn describe_writing_with(
        &self,
        stmt: &ast::Statement,
        sql: &str,
        hinted: &[ColType],
    ) -> SqlResult<(Vec<ColType>, Vec<OutColumn>)> {
        let resolved = self.resolved_at(stmt, &self.catalog(), sql)?;
        let shape = self.shape_of(query_of(&resolved)?, sql, hinted)?;
        Ok((shape.params, shape.columns))
    }

    async fn run_writing_with_in_txn(
        &mut self,
        query: &ast::Query,
        sql: &str,
        param_types: &[ColType],
        params: &[Datum],
    ) -> SqlResult<StatementOutput> {
        let shape = self.shape_of(query, sql, param_types)?;
        let mut shared = {
            let engine = self.engine.clone();
            let txn = self
                .txn
                .as_mut()
                .ok_or_else(|| SqlError::internal("no transaction"))?;
            txn.started = true;
            let snapshot = engine.statement_snapshot(txn);
            SharedStatement::new(txn, snapshot)
        };
        let (before, after) = run_order(&shape);
        let mut ran: Vec<Option<Arc<WrittenCte>>> = vec![None; shape.parts.len()];
        for i in before {
            self.run_part(&shape, i, &mut ran, sql, params, &mut shared)
                .await?;
        }
        let primary = ast::Statement::Query(Box::new(query.clone()));
        let all = shape.parts.len();
        let bound = self.bind_for_run(&shape, all, &ran, &primary, sql)?;
        let result = self
            .run_in_txn_rows_at(&bound, params, Some(&mut shared))
            .await?;
        for i in after {
            self.run_part(&shape, i, &mut ran, sql, params, &mut shared)
                .await?;
        }
        self.finish_writing_with(&mut shared).await?;
        Ok(self.text_output(result))
    }

    /// Runs part `i` (the parts it reads ran already) and keeps its rows.
    async fn run_part(
        &mut self,
        shape: &Shape,
        i: usize,
        ran: &mut [Option<Arc<WrittenCte>>],
        sql: &str,
        params: &[Datum],
        shared: &mut SharedStatement,
    ) -> SqlResult<()> {
        let part = &shape.parts[i];
        let bound = self.bind_for_run(shape, i, ran, &part.statement, sql)?;
        let (rows, _tag, columns) = self
            .run_in_txn_rows_at(&bound, params, Some(&mut *shared))
            .await?;
        ran[i] = Some(Arc::new(WrittenCte::ran(columns, rows)));
        Ok(())
    }

    /// Binds `statement` (part `defined_after`, or the primary statement
    /// when that is the number of parts) with the rows of the parts that
    /// ran, checking privileges.
    fn bind_for_run(
        &self,
        shape: &Shape,
        defined_after: usize,
        ran: &[Option<Arc<WrittenCte>>],
        statement: &ast::Statement,
        sql: &str,
    ) -> SqlResult<Bound> {
        let catalog = self.catalog();
        let mut written = WrittenCtes::new();
        for (part, ran) in shape.parts[..defined_after].iter().zip(ran) {
            let entry = match ran {
                Some(ran) => ran.unread(),
                None => WrittenCte::not_run(part.columns.clone()),
            };
            written.insert(part.key.clone(), Arc::new(entry));
        }
        let mut b = Binder::new(&catalog, sql, shape.params.clone())
            .with_datetime(self.settings.datetime())
            .with_written_ctes(written.clone());
        let bound = bind_data(&mut b, statement)?;
        self.check_data_privileges(&catalog, statement, &b.resolved_relations())?;
        // `run_order` runs every part a statement reads before it.
        if written.values().any(|w| w.rows.is_none() && w.was_read()) {
            return Err(SqlError::internal("a WITH query was read before it ran"));
        }
        Ok(bound)
    }

    /// Binds every part, and the primary statement, with the shape (no
    /// rows) of the parts defined before it, settling the parameter types
    /// and learning what reads what.
    fn shape_of(&self, query: &ast::Query, sql: &str, param_types: &[ColType]) -> SqlResult<Shape> {
        let catalog = self.catalog();
        let mut params = param_types.to_vec();
        let mut parts: Vec<Part> = Vec::new();
        // Binds `statement` under the parts so far: its result columns and
        // the parts it reads.
        let mut bind = |parts: &[Part], statement: &ast::Statement| {
            let written: WrittenCtes = parts
                .iter()
                .map(|p| {
                    let entry = WrittenCte::not_run(p.columns.clone());
                    (p.key.clone(), Arc::new(entry))
                })
                .collect();
            let mut b = Binder::new(&catalog, sql, params.clone())
                .with_datetime(self.settings.datetime())
                .with_written_ctes(written.clone());
            let columns = bind_data(&mut b, statement)?.columns();
            params = b.params.clone();
            let reads = parts
                .iter()
                .enumerate()
                .filter(|(_, p)| written.get(&p.key).is_some_and(|w| w.was_read()))
                .map(|(i, _)| i)
                .collect();
            Ok::<_, SqlError>((columns, reads))
        };
        for (cte, statement) in data_modifying_parts(query) {
            let (columns, reads) = bind(&parts, &statement)?;
            parts.push(Part {
                key: crate::binder::written_key_of(cte),
                statement,
                reads,
                columns: (!columns.is_empty()).then_some(columns),
            });
        }
        let primary = ast::Statement::Query(Box::new(query.clone()));
        let (columns, primary_reads) = bind(&parts, &primary)?;
        Ok(Shape {
            parts,
            primary_reads,
            params,
            columns,
        })
    }

    /// The end of the statement: the foreign-key checks its parts queued.
    async fn finish_writing_with(&mut self, shared: &mut SharedStatement) -> SqlResult<()> {
        let engine = self.engine.clone();
        let access = self.access();
        let statement_settings =
            crate::settings::StatementSettings::new(&self.settings).with_access(access);
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| SqlError::internal("no transaction"))?;
        let mut ctx = Ctx::new(&engine, txn, shared.snapshot, &[]);
        ctx.join_statement(shared);
        ctx.set_settings(&statement_settings);
        let checked = ctx.run_statement_fk_checks().await;
        ctx.finish();
        checked
    }
}

/// The query a statement with data-modifying WITH queries is.
fn query_of(stmt: &ast::Statement) -> SqlResult<&ast::Query> {
    match stmt {
        ast::Statement::Query(query) => Ok(query),
        _ => Err(SqlError::internal("a WITH statement resolves to a query")),
    }
}

/// The order the parts run in, as PostgreSQL runs them: those that run
/// before the primary statement, and those after it. A part runs before
/// the first statement that reads it (PostgreSQL runs it when that one
/// first asks for its rows); what nothing read runs after the primary
/// statement, the last defined first (PostgreSQL finishes such parts in
/// reverse order of their plan's setup).
fn run_order(shape: &Shape) -> (Vec<usize>, Vec<usize>) {
    fn visit(parts: &[Part], i: usize, seen: &mut [bool], order: &mut Vec<usize>) {
        if seen[i] {
            return;
        }
        seen[i] = true;
        for &r in &parts[i].reads {
            // A WITH query reads only the ones defined before it.
            assert!(r < i, "a WITH query reads a later one");
            visit(parts, r, seen, order);
        }
        order.push(i);
    }
    let mut seen = vec![false; shape.parts.len()];
    let mut before = Vec::new();
    for &r in &shape.primary_reads {
        visit(&shape.parts, r, &mut seen, &mut before);
    }
    let mut after = Vec::new();
    for i in (0..shape.parts.len()).rev() {
        visit(&shape.parts, i, &mut seen, &mut after);
    }
    (before, after)
}

/// Each data-modifying WITH query of `query`, with the statement that runs
/// it: the INSERT/UPDATE/DELETE under the WITH queries defined before it.
fn data_modifying_parts(query: &ast::Query) -> Vec<(&ast::Cte, ast::Statement)> {
    let Some(with) = query.with.as_ref() else {
        return vec![];
    };
    let ctes = &with.cte_tables;
    ctes.iter()
        .enumerate()
        .filter(|(_, cte)| data_modifying(&cte.query).is_some())
        .map(|(i, cte)| {
            let mut part = (*cte.query).clone();
            part.with = Some(ast::With {
                cte_tables: ctes[..i].to_vec(),
                ..with.clone()
            });
            (cte, ast::Statement::Query(Box::new(part)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(reads: &[&[usize]], primary_reads: &[usize]) -> Shape {
        let parts = reads
            .iter()
            .enumerate()
            .map(|(i, r)| Part {
                key: (format!("w{i}"), 1, i as u64),
                statement: ast::Statement::Commit {
                    chain: false,
                    end: false,
                    modifier: None,
                },
                reads: r.to_vec(),
                columns: None,
            })
            .collect();
        Shape {
            parts,
            primary_reads: primary_reads.to_vec(),
            params: vec![],
            columns: vec![],
        }
    }

    #[test]
    fn unread_parts_run_after_the_primary_statement_last_defined_first() {
        assert_eq!(run_order(&shape(&[&[], &[]], &[])), (vec![], vec![1, 0]));
    }

    #[test]
    fn a_part_runs_before_what_reads_it() {
        assert_eq!(run_order(&shape(&[&[], &[]], &[0])), (vec![0], vec![1]));
        assert_eq!(
            run_order(&shape(&[&[], &[0], &[]], &[1])),
            (vec![0, 1], vec![2])
        );
        assert_eq!(
            run_order(&shape(&[&[], &[], &[1]], &[])),
            (vec![], vec![1, 2, 0])
        );
    }
}
