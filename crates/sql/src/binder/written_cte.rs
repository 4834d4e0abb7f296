//! Data-modifying WITH queries (`WITH x AS (INSERT ... RETURNING ...)`):
//! the rows their RETURNING produced, as the rest of the statement reads
//! them. The session runs each such query once, before the statement that
//! names it (`crate::session_writing_with`), and hands the binder the rows;
//! a reference to the WITH query then binds to those rows as constants,
//! however many times it is read (PostgreSQL also runs them exactly once).
//! Before anything runs, the session binds every part with the shape of
//! the WITH queries alone (their columns, no rows) to learn which part
//! reads which: that decides the order they run in.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sqlparser::ast;

use super::{Binder, CteDef};
use crate::error::{SqlError, SqlResult};
use crate::executor::Row;
use crate::plan::{Expr, OutColumn, Plan, QueryPlan};

/// What one data-modifying WITH query returned, or, before it ran, the
/// shape of what it returns.
#[derive(Debug)]
pub struct WrittenCte {
    /// Its RETURNING columns; None without RETURNING (it cannot be read).
    pub columns: Option<Vec<OutColumn>>,
    /// Its RETURNING rows; None while it has not run (a reference binds
    /// to no rows then: for describing a statement, or learning what reads
    /// what).
    pub rows: Option<Vec<Row>>,
    /// Set when a statement bound with this entry references it.
    read: AtomicBool,
}

impl WrittenCte {
    /// The WITH query ran and returned `rows` (None without RETURNING).
    pub fn ran(columns: Vec<OutColumn>, rows: Option<Vec<Row>>) -> WrittenCte {
        WrittenCte {
            columns: rows.is_some().then_some(columns),
            rows: Some(rows.unwrap_or_default()),
            read: AtomicBool::new(false),
        }
    }

    /// A WITH query not run yet, returning `columns` (None without RETURNING).
    pub fn not_run(columns: Option<Vec<OutColumn>>) -> WrittenCte {
        WrittenCte {
            columns,
            rows: None,
            read: AtomicBool::new(false),
        }
    }

    /// A fresh entry for the same query, not read yet.
    pub fn unread(&self) -> WrittenCte {
        WrittenCte {
            columns: self.columns.clone(),
            rows: self.rows.clone(),
            read: AtomicBool::new(false),
        }
    }

    /// Did a statement bound with this entry reference it?
    pub fn was_read(&self) -> bool {
        self.read.load(Ordering::Relaxed)
    }
}

/// Written WITH queries by where they are defined: their name and the
/// line and column of the name in the statement text.
pub type WrittenCtes = BTreeMap<(String, u64, u64), Arc<WrittenCte>>;

/// Where `cte` is defined, the key of `WrittenCtes`.
pub(super) fn written_key(name: &str, span: sqlparser::tokenizer::Span) -> (String, u64, u64) {
    (name.to_string(), span.start.line, span.start.column)
}

/// The `WrittenCtes` key of the WITH query `cte`.
pub fn written_key_of(cte: &ast::Cte) -> (String, u64, u64) {
    written_key(&super::ident_name(&cte.alias.name), cte.alias.name.span)
}

/// The INSERT/UPDATE/DELETE a WITH query consists of; None for a query.
pub fn data_modifying(query: &ast::Query) -> Option<&ast::Statement> {
    match query.body.as_ref() {
        ast::SetExpr::Insert(s) | ast::SetExpr::Update(s) | ast::SetExpr::Delete(s) => Some(s),
        _ => None,
    }
}

impl<'a> Binder<'a> {
    /// A data-modifying WITH query may be bound only where the session ran
    /// it first (a client's top-level statement): anywhere else it would
    /// never run.
    pub(super) fn check_written(&self, cte: &ast::Cte) -> SqlResult<()> {
        if data_modifying(&cte.query).is_none() {
            return Ok(());
        }
        if self.written_ctes.contains_key(&written_key_of(cte)) {
            return Ok(());
        }
        Err(SqlError::unsupported(
            "a data-modifying statement in WITH below the top level of a client's statement",
        )
        .at(self.pos(cte.alias.name.span)))
    }

    /// Binds with the rows the data-modifying WITH queries of the statement
    /// returned (`crate::session_writing_with`).
    pub fn with_written_ctes(mut self, written: WrittenCtes) -> Binder<'a> {
        self.written_ctes = written;
        self
    }

    /// A reference to a data-modifying WITH query: the rows it returned.
    /// `reference` is where the statement names it.
    pub(super) fn bind_written_cte(
        &mut self,
        cte: &CteDef,
        reference: sqlparser::tokenizer::Span,
    ) -> SqlResult<QueryPlan> {
        let key = written_key(&cte.name, cte.span);
        let Some(written) = self.written_ctes.get(&key).cloned() else {
            return Err(SqlError::internal(format!(
                "WITH query \"{}\" was not run before its statement was bound",
                cte.name
            )));
        };
        written.read.store(true, Ordering::Relaxed);
        let Some(columns) = &written.columns else {
            return Err(SqlError::new(
                "0A000",
                format!(
                    "WITH query \"{}\" does not have a RETURNING clause",
                    cte.name
                ),
            )
            .at(self.pos(reference)));
        };
        let rows = written
            .rows
            .iter()
            .flatten()
            .map(|row| {
                row.iter()
                    .zip(columns)
                    .map(|(d, c)| Expr::Const(d.clone(), c.ty))
                    .collect()
            })
            .collect();
        Ok(QueryPlan {
            plan: Plan::Values {
                rows,
                width: columns.len(),
            },
            columns: columns.clone(),
        })
    }
}
