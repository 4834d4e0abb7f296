//! Cursors: a query's rows delivered as they are produced instead of
//! gathered first. `execute_simple_streaming` (a one-statement query) and
//! `execute_prepared_streaming` open a cursor over the query's operator
//! tree; `fetch` pulls the next rows (the executor produces only what is
//! asked for, so a portal Execute with a row limit reads only that far), and
//! the last fetch returns the completion tag. A cursor opened outside a
//! transaction block runs in its own transaction, committed by its last
//! fetch and rolled back if it is closed or dropped before; one opened in a
//! block runs in it and ends with it.

use std::collections::{HashMap, VecDeque};

use borealis_common::Lsn;

use super::*;
use crate::executor::stream::Op;
use crate::executor::CtxState;

/// What a streaming entry point produced for one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Streamed {
    Done(StatementOutput),
    /// A query whose rows are fetched with `Session::fetch`.
    Cursor(Cursor),
}

/// An open cursor: its id for `fetch`/`close_cursor` and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub id: u64,
    pub columns: Vec<Column>,
}

/// Rows of one fetch, in PostgreSQL text format (None = NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub rows: Vec<Vec<Option<String>>>,
    /// The completion tag ("SELECT n", n all rows of the cursor) once the
    /// cursor is exhausted (and closed); None while rows remain.
    pub done: Option<String>,
}

/// Open cursors more than this are refused (each holds an operator tree
/// and possibly a transaction).
const CURSORS_MAX: usize = 256;

/// The session's open cursors.
#[derive(Default)]
pub(super) struct Cursors {
    open: HashMap<u64, OpenCursor>,
    next_id: u64,
    /// Set by the streaming entry points: the next data statement of a
    /// one-statement call opens a cursor instead of running to the end.
    streaming_call: bool,
    pub(super) stream_next: bool,
    opened: Option<u64>,
}

struct OpenCursor {
    engine: Arc<EngineInner>,
    op: Op,
    state: Option<CtxState>,
    columns: Vec<OutColumn>,
    params: Vec<Datum>,
    snapshot: Lsn,
    /// Its own transaction (opened outside a block)...
    own_txn: Option<Txn>,
    /// ... or the id of the session's transaction it runs in.
    session_txn: u64,
    buffered: VecDeque<Row>,
    exhausted: bool,
    total: u64,
    /// When statement_timeout ends the query (None: no limit).
    deadline: Option<tokio::time::Instant>,
}

impl Drop for OpenCursor {
    fn drop(&mut self) {
        if let Some(t) = self.own_txn.take() {
            self.engine.rollback(t);
        }
    }
}

fn no_cursor(id: u64) -> SqlError {
    SqlError::new("34000", format!("cursor {id} does not exist"))
}

impl Session {
    /// `execute_simple`, except that a string holding one query returns a
    /// cursor over its rows instead of the rows.
    pub async fn execute_simple_streaming(&mut self, sql: &str) -> Vec<Result<Streamed, SqlError>> {
        self.cursors.streaming_call = true;
        let results = self.execute_simple(sql).await;
        self.cursors.streaming_call = false;
        self.cursors.stream_next = false;
        self.streamed(results)
    }

    /// `execute_prepared`, except that a query returns a cursor over its rows.
    pub async fn execute_prepared_streaming(
        &mut self,
        prepared: &Prepared,
        params: &[Option<String>],
    ) -> Result<Streamed, SqlError> {
        self.cursors.stream_next = true;
        let result = self.execute_prepared(prepared, params).await;
        self.cursors.stream_next = false;
        self.streamed(vec![result])
            .pop()
            .unwrap_or_else(|| Err(SqlError::internal("a statement without a result")))
    }

    /// Called by `execute_simple` once it knows how many statements the
    /// string holds: only a lone statement may stream.
    pub(super) fn statements_parsed(&mut self, count: usize) {
        self.cursors.stream_next = self.cursors.streaming_call && count == 1;
    }

    /// True once per streaming call, for the data statement that opens the cursor.
    pub(super) fn take_stream_request(&mut self) -> bool {
        std::mem::take(&mut self.cursors.stream_next)
    }

    fn streamed(
        &mut self,
        results: Vec<Result<StatementOutput, SqlError>>,
    ) -> Vec<Result<Streamed, SqlError>> {
        let opened = self.cursors.opened.take();
        let last = results.len().saturating_sub(1);
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let r = r?;
                match (opened, i == last) {
                    (Some(id), true) => match self.cursors.open.get(&id) {
                        Some(c) => Ok(Streamed::Cursor(Cursor {
                            id,
                            columns: out_columns(&c.columns),
                        })),
                        None => Err(no_cursor(id)),
                    },
                    _ => Ok(Streamed::Done(r)),
                }
            })
            .collect()
    }

    /// Opens a cursor over `q` (in place of running it); its result is a
    /// placeholder `streamed` replaces with the cursor.
    pub(super) async fn open_cursor(
        &mut self,
        q: &QueryPlan,
        params: Vec<Datum>,
    ) -> SqlResult<StatementOutput> {
        if self.cursors.open.len() >= CURSORS_MAX {
            return Err(SqlError::new(
                "53400",
                format!("too many open cursors (limit {CURSORS_MAX})"),
            ));
        }
        let engine = self.engine.clone();
        let work_mem = self.settings.work_mem_bytes();
        let mut own_txn = match self.txn {
            Some(_) => None,
            None => Some(Txn::new(
                engine.new_txn_id(),
                self.settings.default_isolation(),
                false,
            )),
        };
        let txn = match own_txn.as_mut() {
            Some(t) => t,
            None => self
                .txn
                .as_mut()
                .ok_or_else(|| SqlError::internal("no transaction"))?,
        };
        txn.started = true;
        let snapshot = engine.statement_snapshot(txn);
        let session_txn = txn.id;
        let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
        ctx.set_work_mem(work_mem);
        let state = ctx.suspend();
        let id = self.cursors.next_id;
        self.cursors.next_id += 1;
        self.cursors.open.insert(
            id,
            OpenCursor {
                engine: engine.clone(),
                op: Op::build(&q.plan),
                state: Some(state),
                columns: q.columns.clone(),
                params,
                snapshot,
                own_txn,
                session_txn,
                buffered: VecDeque::new(),
                exhausted: false,
                total: 0,
                deadline: self
                    .settings
                    .statement_timeout()
                    .map(|limit| tokio::time::Instant::now() + limit),
            },
        );
        self.cursors.opened = Some(id);
        Ok(StatementOutput::Command { tag: String::new() })
    }

    /// The next `max_rows` rows of a cursor (fewer only at its end, when
    /// `done` carries the completion tag and the cursor is closed). An
    /// error closes the cursor (and fails the transaction block it ran in).
    pub async fn fetch(&mut self, id: u64, max_rows: usize) -> SqlResult<Fetched> {
        let mut cursor = self.cursors.open.remove(&id).ok_or_else(|| no_cursor(id))?;
        // A panic (a bug) fails the statement, as in `run_statement`, not the server.
        use futures::FutureExt;
        let deadline = cursor.deadline;
        let fetch = std::panic::AssertUnwindSafe(self.fetch_from(&mut cursor, max_rows.max(1)))
            .catch_unwind();
        // statement_timeout counts from the statement's start, across fetches.
        let fetched = match deadline {
            None => Some(fetch.await),
            Some(deadline) => tokio::time::timeout_at(deadline, fetch).await.ok(),
        };
        let Some(fetched) = fetched else {
            let timed_out = SqlError::new("57014", "canceling statement due to statement timeout");
            if cursor.own_txn.is_some() {
                drop(cursor);
                self.settings.end_transaction(false);
            } else {
                self.fail_block();
            }
            return Err(timed_out);
        };
        let fetched = fetched.unwrap_or_else(|panic| Err(self.after_panic(panic)));
        match fetched {
            Ok(rows) if !(cursor.exhausted && cursor.buffered.is_empty()) => {
                self.cursors.open.insert(id, cursor);
                Ok(Fetched { rows, done: None })
            }
            Ok(rows) => {
                let tag = format!("SELECT {}", cursor.total);
                if let Some(t) = cursor.own_txn.take() {
                    let committed = self.engine.commit(t).await;
                    self.settings.end_transaction(committed.is_ok());
                    committed?;
                }
                Ok(Fetched {
                    rows,
                    done: Some(tag),
                })
            }
            Err(e) => {
                if cursor.own_txn.is_some() {
                    drop(cursor);
                    self.settings.end_transaction(false);
                } else {
                    self.fail_block();
                }
                Err(e)
            }
        }
    }

    /// Closes a cursor before its end (a portal closed or its transaction over).
    pub fn close_cursor(&mut self, id: u64) {
        self.cursors.open.remove(&id);
    }

    async fn fetch_from(
        &mut self,
        cursor: &mut OpenCursor,
        max_rows: usize,
    ) -> SqlResult<Vec<Vec<Option<String>>>> {
        let engine = self.engine.clone();
        let digits = self.settings.extra_float_digits();
        let bytea_escape = self.settings.bytea_output_escape();
        let datetime = self.settings.datetime().clone();
        // Sequence functions and has_*_privilege check privileges as rows
        // are produced.
        let access = self.access();
        let txn = match cursor.own_txn.as_mut() {
            Some(t) => t,
            None => match self.txn.as_mut() {
                Some(t) if t.id == cursor.session_txn && !t.failed => t,
                _ => return Err(SqlError::new("34000", "cursor's transaction has ended")),
            },
        };
        let state = cursor
            .state
            .take()
            .ok_or_else(|| SqlError::internal("cursor fetched after an error"))?;
        let statement_settings =
            crate::settings::StatementSettings::new(&self.settings).with_access(access);
        let mut ctx = Ctx::resume(&engine, txn, cursor.snapshot, &cursor.params, state);
        ctx.set_settings(&statement_settings);
        while cursor.buffered.len() < max_rows && !cursor.exhausted {
            match cursor.op.next_batch(&mut ctx, &[]).await? {
                Some(batch) => cursor.buffered.extend(batch),
                None => cursor.exhausted = true,
            }
        }
        cursor.state = Some(ctx.suspend());
        let changes = statement_settings.into_changes();
        for change in changes {
            self.settings
                .set_scoped(&change.name, Some(change.value), change.scope)?;
        }
        let n = cursor.buffered.len().min(max_rows);
        cursor.total += n as u64;
        Ok(cursor
            .buffered
            .drain(..n)
            .map(|r| text_row(&r, &cursor.columns, digits, bytea_escape, &datetime))
            .collect())
    }
}

/// A result row in PostgreSQL text format.
pub(super) fn text_row(
    row: &[Datum],
    columns: &[OutColumn],
    digits: i32,
    bytea_escape: bool,
    datetime: &crate::timezone::DateTimeConfig,
) -> Vec<Option<String>> {
    row.iter()
        .zip(columns)
        .map(|(d, c)| match (d, c.ty.ty) {
            // The one type whose text form is not its value's.
            (Datum::Array(items), SqlType::Int2Vector) => {
                Some(crate::datum::format_int2vector(items))
            }
            (Datum::Bytea(b), _) if bytea_escape => Some(crate::interval::format_bytea_escape(b)),
            _ => d.to_text_in(digits, datetime),
        })
        .collect()
}
