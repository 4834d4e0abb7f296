//! Statements whose WITH list holds data-modifying queries:
//! `WITH ins AS (INSERT ... RETURNING ...) SELECT ... FROM ins`, or the
//! same WITH in front of an INSERT/UPDATE/DELETE. Each INSERT, UPDATE or
//! DELETE of the WITH list runs once, to completion, in list order and in
//! the statement's transaction, whether or not anything reads it (as in
//! PostgreSQL); it is bound like the same statement at the top level, so it
//! takes every form a top-level one does. Its RETURNING rows are then
//! handed to the binder (`binder::WrittenCtes`) and the primary statement
//! reads them as constant rows.
//!
//! One difference from PostgreSQL: there all parts of the statement run on
//! one snapshot, so neither the primary statement nor a later WITH query
//! sees the changes an earlier WITH query made to its table (only its
//! RETURNING rows). Borealis's transaction has no per-command visibility,
//! so parts that run later see the earlier parts' writes.

use std::sync::Arc;

use sqlparser::ast;

use super::{bind_data, Session, StatementOutput};
use crate::binder::{data_modifying, Binder, WrittenCte, WrittenCtes};
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
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

impl Session {
    /// Runs a statement whose WITH list modifies data, in the open
    /// transaction or in its own (all of it or none of it commits).
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
    /// parameters: names resolved, then bound and run like a simple one.
    pub(super) async fn run_prepared_writing_with(
        &mut self,
        stmt: &ast::Statement,
        sql: &str,
        param_types: &[ColType],
        params: &[Datum],
    ) -> SqlResult<StatementOutput> {
        let catalog = self.catalog();
        let resolved = match self.resolved_at(stmt, &catalog, sql) {
            Ok(resolved) => resolved.into_owned(),
            Err(e) => {
                self.fail_block();
                return Err(e);
            }
        };
        let ast::Statement::Query(query) = &resolved else {
            return Err(SqlError::internal("a WITH statement resolves to a query"));
        };
        self.run_writing_with(query, sql, param_types, params).await
    }

    async fn run_writing_with_in_txn(
        &mut self,
        query: &ast::Query,
        sql: &str,
        param_types: &[ColType],
        params: &[Datum],
    ) -> SqlResult<StatementOutput> {
        let catalog = self.catalog();
        let mut written = WrittenCtes::new();
        for (cte, part) in data_modifying_parts(query) {
            let bound = {
                let mut b = Binder::new(&catalog, sql, param_types.to_vec())
                    .with_datetime(self.settings.datetime())
                    .with_written_ctes(written.clone());
                let bound = bind_data(&mut b, &part)?;
                self.check_data_privileges(&catalog, &part, &b.resolved_relations())?;
                bound
            };
            let (rows, _tag, columns) = self.run_in_txn_rows(&bound, params).await?;
            let key = crate::binder::written_key_of(cte);
            let result = WrittenCte {
                columns: rows.is_some().then_some(columns),
                rows: rows.unwrap_or_default(),
            };
            written.insert(key, Arc::new(result));
        }
        let statement = ast::Statement::Query(Box::new(query.clone()));
        let bound = {
            let mut b = Binder::new(&catalog, sql, param_types.to_vec())
                .with_datetime(self.settings.datetime())
                .with_written_ctes(written);
            let bound = bind_data(&mut b, &statement)?;
            self.check_data_privileges(&catalog, &statement, &b.resolved_relations())?;
            bound
        };
        self.run_in_txn(&bound, params).await
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
        let catalog = self.catalog();
        let resolved = self.resolved_at(stmt, &catalog, sql)?;
        let ast::Statement::Query(query) = resolved.as_ref() else {
            return Err(SqlError::internal("a WITH statement resolves to a query"));
        };
        let mut params = hinted.to_vec();
        let mut written = WrittenCtes::new();
        for (cte, part) in data_modifying_parts(query) {
            let mut b = Binder::new(&catalog, sql, params)
                .with_datetime(self.settings.datetime())
                .with_written_ctes(written.clone());
            let bound = bind_data(&mut b, &part)?;
            params = b.params.clone();
            let columns = bound.columns();
            let returns = !columns.is_empty();
            let key = crate::binder::written_key_of(cte);
            let result = WrittenCte {
                columns: returns.then_some(columns),
                rows: vec![],
            };
            written.insert(key, Arc::new(result));
        }
        let statement = ast::Statement::Query(query.clone());
        let mut b = Binder::new(&catalog, sql, params)
            .with_datetime(self.settings.datetime())
            .with_written_ctes(written);
        let columns = bind_data(&mut b, &statement)?.columns();
        Ok((b.params.clone(), columns))
    }
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
