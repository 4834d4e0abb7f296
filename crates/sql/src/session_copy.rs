//! COPY FROM STDIN / TO STDOUT and VACUUM / ANALYZE on a session.
//!
//! COPY FROM is streamed: [`Session::copy`] opens it (in the open transaction,
//! or an autocommit one), [`Session::copy_in_data`] takes the client's bytes as
//! they come and inserts every complete record into the transaction's write set
//! (only a partial record is kept between calls), [`Session::copy_in_done`]
//! finishes and commits, [`Session::copy_in_fail`] (or dropping the session)
//! rolls everything back. Rows get INSERT's defaults, constraints and locks.

use super::*;
use crate::copy::{self, CopyOptions, CopySource, Special};
use crate::plan::Expr;
use crate::routine::{TriggerEvent, TriggerTiming};

/// What [`Session::copy`] started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopyStart {
    /// COPY FROM STDIN: the client now sends CopyData rows of `columns` fields.
    In { columns: usize, csv: bool },
    /// COPY TO STDOUT: the rows, each in the COPY format with its newline.
    Out {
        columns: usize,
        data: Vec<Vec<u8>>,
        tag: String,
    },
    /// COPY with a server-side file: done, with its `COPY n` tag.
    Finished { tag: String },
}

/// An open COPY FROM STDIN.
pub(crate) struct CopyIn {
    table: Arc<crate::catalog::TableDef>,
    targets: Vec<usize>,
    defaults: Vec<Option<Expr>>,
    checks: Vec<(String, Expr)>,
    /// Where rows go when the table is partitioned or a partition.
    routing: Option<Arc<crate::partition::Router>>,
    options: CopyOptions,
    /// TimeZone and DateStyle the text of date/time columns is read in.
    datetime: crate::timezone::DateTimeConfig,
    /// Bytes of a record not complete yet.
    pending: Vec<u8>,
    /// Records seen (for error context), rows inserted.
    line: u64,
    rows: u64,
    /// Opened its own transaction (committed at the end).
    autocommit: bool,
    /// Saw the `\.` end marker: the rest is ignored.
    ended: bool,
    /// Pending trigger events before this COPY (set once its BEFORE
    /// STATEMENT triggers have fired): its AFTER triggers run at the end.
    trigger_mark: Option<usize>,
}

fn with_context(mut e: SqlError, context: String) -> SqlError {
    if e.detail.is_none() {
        e.detail = Some(context);
    }
    e
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Session {
    /// VACUUM is accepted and does nothing; ANALYZE (also VACUUM ANALYZE)
    /// gathers statistics; COPY needs [`Session::copy`].
    pub(super) async fn maintenance(&mut self, sql: &str) -> Option<SqlResult<StatementOutput>> {
        match copy::special(sql)? {
            Err(e) => Some(Err(e)),
            Ok(Special::Maintenance { tag }) => {
                if self.txn.as_ref().is_some_and(|t| t.failed) {
                    return Some(Err(SqlError::in_failed_transaction()));
                }
                if tag == "VACUUM" && self.txn.as_ref().is_some_and(|t| t.explicit) {
                    self.fail_block();
                    return Some(Err(SqlError::new(
                        "25001",
                        "VACUUM cannot run inside a transaction block",
                    )));
                }
                let analyzed = match crate::analyze::targets(sql) {
                    Ok(Some(tables)) => self.analyze(tables).await,
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                };
                if let Err(e) = analyzed {
                    self.fail_block();
                    return Some(Err(e));
                }
                Some(Ok(StatementOutput::Command { tag: tag.into() }))
            }
            Ok(Special::Copy(_)) => Some(Err(SqlError::unsupported(
                "COPY outside the COPY sub-protocol",
            ))),
        }
    }

    /// ANALYZE: gathers the statistics of `tables` (empty: all) from what
    /// this session sees, and stores them in the catalog as DDL.
    async fn analyze(&mut self, tables: Vec<String>) -> SqlResult<()> {
        let catalog = self.catalog();
        let tables: Vec<Arc<crate::catalog::TableDef>> = if tables.is_empty() {
            catalog.tables.values().cloned().collect()
        } else {
            tables
                .iter()
                .map(|n| catalog.table(n))
                .collect::<SqlResult<_>>()?
        };
        let engine = self.engine.clone();
        let mut own_txn = None;
        let txn = match self.txn.as_mut() {
            Some(t) => t,
            None => own_txn.insert(Txn::new(
                engine.new_txn_id(),
                Isolation::ReadCommitted,
                false,
            )),
        };
        let snapshot = engine.store.read_point();
        engine.write_log.register_extra_snapshot(txn.id, snapshot);
        let mut stats = Vec::with_capacity(tables.len());
        let mut gathered = Ok(());
        for t in &tables {
            let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
            let r = crate::analyze::gather(&mut ctx, t).await;
            ctx.finish();
            match r {
                Ok(s) => stats.push((t.id, t.name.clone(), s)),
                Err(e) => {
                    gathered = Err(e);
                    break;
                }
            }
        }
        if let Some(t) = own_txn {
            engine.rollback(t);
        }
        gathered?;
        self.run_ddl("ANALYZE", |cat| ddl::analyze(cat, stats))
            .await
            .map(|_| ())
    }

    /// The extended protocol's Parse of a COPY: `None` if `sql` is not one COPY statement,
    /// else whether it parses. It runs at Execute, through [`Session::copy`].
    pub fn check_copy(sql: &str) -> Option<Result<(), SqlError>> {
        match copy::special(sql)? {
            Ok(Special::Copy(_)) => Some(Ok(())),
            Ok(Special::Maintenance { .. }) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Starts a COPY statement; `None` if `sql` is not one COPY statement.
    pub async fn copy(&mut self, sql: &str) -> Option<Result<CopyStart, SqlError>> {
        let stmt = match copy::special(sql)? {
            Ok(Special::Copy(c)) => c,
            Ok(Special::Maintenance { .. }) => return None,
            Err(e) => {
                self.fail_block();
                return Some(Err(e));
            }
        };
        self.discard_stale_txn();
        if let Some(old) = self.copy.take() {
            self.copy_abort(old);
        }
        let r = if self.txn.as_ref().is_some_and(|t| t.failed) {
            Err(SqlError::in_failed_transaction())
        } else if let Some(path) = stmt.file.clone() {
            self.copy_with_file(stmt, path, sql).await
        } else if stmt.from {
            self.copy_in_start(stmt, sql)
        } else {
            self.copy_out(stmt).await
        };
        if r.is_err() {
            self.fail_block();
        }
        Some(r)
    }

    pub(super) fn copy_in_start(
        &mut self,
        stmt: copy::CopyStmt,
        sql: &str,
    ) -> SqlResult<CopyStart> {
        let CopySource::Table { name, columns } = stmt.source else {
            return Err(SqlError::syntax("COPY (query) FROM is not allowed"));
        };
        let catalog = self.catalog();
        let name = catalog.resolve_key(&name);
        let table = catalog
            .tables
            .get(&name)
            .cloned()
            .ok_or_else(|| SqlError::undefined_table(&name))?;
        self.check_copy_from(&catalog, &name)?;
        // Rows copied in would skip the policies' WITH CHECK (PostgreSQL refuses too).
        let user = catalog.rls_subject.user.clone();
        if crate::row_security::governing(&catalog, &table, &user)?.is_some() {
            return Err(
                SqlError::new("0A000", "COPY FROM not supported with row-level security")
                    .with_hint("Use INSERT statements instead."),
            );
        }
        let mut targets = Vec::new();
        for c in &columns {
            let i = table.column_index(c).ok_or_else(|| {
                SqlError::new(
                    "42703",
                    format!("column \"{c}\" of relation \"{name}\" does not exist"),
                )
            })?;
            if targets.contains(&i) {
                return Err(SqlError::new(
                    "42701",
                    format!("column \"{c}\" specified more than once"),
                ));
            }
            targets.push(i);
        }
        if columns.is_empty() {
            targets = (0..table.columns.len()).collect();
        }
        let (defaults, checks, routing) = {
            let mut b = Binder::new(&catalog, sql, vec![]);
            (b.defaults(&table)?, b.checks(&table)?, b.router(&table)?)
        };
        if self.txn.as_ref().is_some_and(|t| t.read_only) {
            return Err(SqlError::new(
                "25006",
                "cannot execute COPY FROM in a read-only transaction",
            ));
        }
        let autocommit = self.txn.is_none();
        if autocommit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let columns = targets.len();
        self.copy = Some(CopyIn {
            table,
            targets,
            defaults,
            checks,
            routing,
            options: stmt.options.clone(),
            datetime: self.settings.datetime().clone(),
            pending: Vec::new(),
            line: 0,
            rows: 0,
            autocommit,
            ended: false,
            trigger_mark: None,
        });
        Ok(CopyStart::In {
            columns,
            csv: stmt.options.csv,
        })
    }

    pub(super) async fn copy_out(&mut self, stmt: copy::CopyStmt) -> SqlResult<CopyStart> {
        let query = match &stmt.source {
            CopySource::Query(q) => q.clone(),
            CopySource::Table { name, columns } => {
                let catalog = self.catalog();
                let name = &catalog.resolve_key(name);
                let table = catalog
                    .tables
                    .get(name)
                    .ok_or_else(|| SqlError::undefined_table(name))?;
                let cols: Vec<String> = if columns.is_empty() {
                    table.columns.iter().map(|c| quote_ident(&c.name)).collect()
                } else {
                    columns.iter().map(|c| quote_ident(c)).collect()
                };
                // COPY of an inheritance parent is its own rows only.
                format!("SELECT {} FROM ONLY {}", cols.join(", "), quote_ident(name))
            }
        };
        let stmts = parse(&query)?;
        let [stmt_ast @ ast::Statement::Query(_)] = stmts.as_slice() else {
            return Err(SqlError::syntax("COPY query must be a single SELECT"));
        };
        let out = self.run_statement(stmt_ast, &query).await?;
        let StatementOutput::Rows { columns, rows, .. } = out else {
            return Err(SqlError::internal("COPY query returned no rows"));
        };
        let mut data = Vec::with_capacity(rows.len() + 1);
        if stmt.options.header {
            let names: Vec<Option<String>> = columns.iter().map(|c| Some(c.name.clone())).collect();
            let mut line = Vec::new();
            copy::encode_row(&mut line, &names, &stmt.options);
            data.push(line);
        }
        let n = rows.len();
        for r in &rows {
            let mut line = Vec::new();
            copy::encode_row(&mut line, r, &stmt.options);
            data.push(line);
        }
        Ok(CopyStart::Out {
            columns: columns.len(),
            data,
            tag: format!("COPY {n}"),
        })
    }

    /// Ends a COPY FROM without committing: its transaction rolls back (or,
    /// inside a block, is marked failed).
    pub(super) fn copy_abort(&mut self, st: CopyIn) {
        if st.autocommit {
            if let Some(t) = self.txn.take() {
                self.engine.rollback(t);
            }
        } else {
            self.fail_block();
        }
    }

    /// More COPY data: every complete record in it is inserted now.
    pub async fn copy_in_data(&mut self, data: &[u8]) -> Result<(), SqlError> {
        let Some(mut st) = self.copy.take() else {
            return Err(SqlError::new("08P01", "no COPY in progress"));
        };
        st.pending.extend_from_slice(data);
        match self.copy_process(&mut st, false).await {
            Ok(()) => {
                self.copy = Some(st);
                Ok(())
            }
            Err(e) => {
                if let Some(t) = self.txn.as_mut() {
                    self.notices.append(&mut t.notices);
                }
                self.copy_abort(st);
                Err(e)
            }
        }
    }

    /// CopyDone: the last record, then the commit (autocommit). Returns the tag `COPY n`.
    pub async fn copy_in_done(&mut self) -> Result<StatementOutput, SqlError> {
        let Some(mut st) = self.copy.take() else {
            return Err(SqlError::new("08P01", "no COPY in progress"));
        };
        let processed = self.copy_process(&mut st, true).await;
        // What the rows' triggers raised (RAISE NOTICE) goes to the client
        // with the COPY's outcome.
        if let Some(t) = self.txn.as_mut() {
            self.notices.append(&mut t.notices);
        }
        if let Err(e) = processed {
            self.copy_abort(st);
            return Err(e);
        }
        if st.autocommit {
            if let Some(t) = self.txn.take() {
                self.commit_txn(t).await?;
            }
        }
        Ok(StatementOutput::Command {
            tag: format!("COPY {}", st.rows),
        })
    }

    /// CopyFail from the client: nothing of this COPY stays.
    pub fn copy_in_fail(&mut self, message: &str) -> SqlError {
        match self.copy.take() {
            Some(st) => self.copy_abort(st),
            // A batch was cancelled mid-way: its autocommit transaction goes now
            // (with its row locks), not at the next statement.
            None => self.discard_stale_txn(),
        }
        SqlError::new("57014", format!("COPY from stdin failed: {message}"))
    }

    /// Is a COPY FROM STDIN waiting for data?
    pub fn copy_in_progress(&self) -> bool {
        self.copy.is_some()
    }

    async fn copy_process(&mut self, st: &mut CopyIn, at_end: bool) -> SqlResult<()> {
        let engine = self.engine.clone();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| SqlError::internal("COPY without a transaction"))?;
        txn.started = true;
        // Until this batch is in, a dropped future leaves the block failed.
        let was_failed = txn.failed;
        txn.failed = true;
        let snapshot = engine.statement_snapshot(txn);
        let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
        let mut consumed = 0;
        let mut result = Ok(());
        // COPY FROM fires INSERT's statement triggers, as PostgreSQL does.
        let mark = match st.trigger_mark {
            Some(mark) => mark,
            None => {
                let mark = ctx.txn.pending_triggers.len();
                if let Err(e) = ctx
                    .statement_triggers(&st.table, TriggerEvent::Insert, TriggerTiming::Before)
                    .await
                {
                    ctx.finish();
                    return Err(e);
                }
                st.trigger_mark = Some(mark);
                mark
            }
        };
        loop {
            let rest = &st.pending[consumed..];
            let end = match copy::record_end(rest, &st.options) {
                Some(e) => e,
                None if at_end && !rest.is_empty() => rest.len(),
                None => break,
            };
            let line = copy::strip_newline(&rest[..end]).to_vec();
            consumed += end;
            st.line += 1;
            if st.ended {
                continue;
            }
            if copy::is_end_marker(&line) {
                st.ended = true;
                continue;
            }
            if st.options.header && st.line == 1 {
                continue;
            }
            match Self::copy_record(&mut ctx, st, &line).await {
                Ok(true) => st.rows += 1,
                Ok(false) => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if at_end && st.options.csv && st.pending.len() > consumed {
            result = result.and(Err(SqlError::new("22P04", "unterminated CSV quoted field")));
        }
        if at_end && result.is_ok() {
            result = ctx
                .after_statement(&st.table, TriggerEvent::Insert, mark)
                .await;
        }
        ctx.finish();
        st.pending.drain(..consumed);
        if result.is_ok() {
            if let Some(t) = self.txn.as_mut() {
                t.failed = was_failed;
            }
        }
        result
    }

    /// One record: false when a BEFORE trigger skipped its row.
    async fn copy_record(ctx: &mut Ctx<'_>, st: &CopyIn, line: &[u8]) -> SqlResult<bool> {
        let table = &st.table;
        let context = |col: Option<(usize, &str)>| match col {
            Some((c, v)) => format!(
                "COPY {}, line {}, column {}: \"{v}\"",
                table.name, st.line, table.columns[c].name
            ),
            None => format!("COPY {}, line {}", table.name, st.line),
        };
        let fields =
            copy::decode_record(line, &st.options).map_err(|e| with_context(e, context(None)))?;
        if fields.len() > st.targets.len() {
            return Err(with_context(
                SqlError::new("22P04", "extra data after last expected column"),
                context(None),
            ));
        }
        if fields.len() < st.targets.len() {
            let c = st.targets[fields.len()];
            return Err(with_context(
                SqlError::new(
                    "22P04",
                    format!("missing data for column \"{}\"", table.columns[c].name),
                ),
                context(None),
            ));
        }
        let mut values = Vec::with_capacity(fields.len());
        for (f, &c) in fields.iter().zip(&st.targets) {
            let value = match f {
                None => Datum::Null,
                Some(s) => crate::datum::parse_text_in(s, table.columns[c].ty, &st.datetime)
                    .map_err(|e| with_context(e, context(Some((c, s)))))?,
            };
            let value = crate::user_types::check_column_domain(table.columns[c].domain, value)
                .map_err(|e| with_context(e, context(None)))?;
            values.push(value);
        }
        let into = crate::executor::CopyTarget {
            table,
            checks: &st.checks,
            routing: st.routing.as_deref(),
        };
        ctx.copy_row(&into, &st.targets, &st.defaults, values)
            .await
            .map_err(|e| with_context(e, context(None)))
    }
}

#[cfg(test)]
mod tests {
    use crate::{CopyStart, Engine, MemStore, Session, StatementOutput};
    use std::sync::Arc;

    async fn session() -> Session {
        let engine = Engine::open(Arc::new(MemStore::new()))
            .await
            .expect("engine");
        engine.session()
    }

    async fn run(s: &mut Session, sql: &str) -> Vec<Vec<Option<String>>> {
        match s.execute_simple(sql).await.pop().expect("a result") {
            Ok(StatementOutput::Rows { rows, .. }) => rows,
            Ok(StatementOutput::Command { .. }) => vec![],
            Err(e) => panic!("{sql}: {e:?}"),
        }
    }

    async fn copy_in(
        s: &mut Session,
        sql: &str,
        chunks: &[&[u8]],
    ) -> Result<String, crate::SqlError> {
        match s.copy(sql).await.expect("a COPY")? {
            CopyStart::In { .. } => {}
            other => panic!("{other:?}"),
        }
        for c in chunks {
            s.copy_in_data(c).await?;
        }
        Ok(s.copy_in_done().await?.tag().to_string())
    }

    fn one(rows: Vec<Vec<Option<String>>>) -> String {
        rows.into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| v.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    #[tokio::test]
    async fn copy_from_stdout_routes_rows_and_reports_trigger_notices() {
        let mut s = session().await;
        run(
            &mut s,
            "create table dn (a int, b text) partition by list (a); \
             create table dn1 (b text, a int); \
             create function dn_f() returns trigger as $$begin raise notice 'b: %', new.b; \
             return NULL; end$$ language plpgsql; \
             create trigger dn_t before insert on dn1 for each row execute procedure dn_f(); \
             alter table dn attach partition dn1 for values in (1)",
        )
        .await;
        s.take_notices();
        // FROM STDOUT reads from the client, as PostgreSQL's grammar allows.
        let tag = copy_in(&mut s, "copy dn from stdout", &[b"1\tbaz\n1\tqux\n"])
            .await
            .expect("copy");
        assert_eq!(tag, "COPY 0", "the trigger skipped both rows");
        let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
        assert_eq!(notices, ["b: baz", "b: qux"]);
        assert_eq!(one(run(&mut s, "select count(*) from dn").await), "0");
    }

    #[tokio::test]
    async fn copy_from_text_and_csv_with_defaults_and_constraints() {
        let mut s = session().await;
        run(
            &mut s,
            "create table t (a int primary key, b text, c int default 7 check (c > 0), d char(3))",
        )
        .await;
        // Rows split across chunks anywhere; escapes; \N; a default column.
        let tag = copy_in(
            &mut s,
            "copy t (a, b, d) from stdin",
            &[
                b"1\tx\\ty\\\\z\tab\n2\t\\N",
                b"\t\\N\n3\t\tq\n\\.\nignored\n",
            ],
        )
        .await
        .unwrap();
        assert_eq!(tag, "COPY 3");
        assert_eq!(
            one(run(&mut s, "select a, b, c, d from t order by a").await),
            "1|x\ty\\z|7|ab ;2|NULL|7|NULL;3||7|q  "
        );
        let tag = copy_in(
            &mut s,
            "copy t from stdin with (format csv, header true)",
            &[b"a,b,c,d\n4,\"multi\nline, \"\"quoted\"\"\",5,\n5,,6,\"\"\n"],
        )
        .await
        .unwrap();
        assert_eq!(tag, "COPY 2");
        assert_eq!(
            one(run(&mut s, "select a, b, c, d from t where a >= 4 order by a").await),
            "4|multi\nline, \"quoted\"|5|NULL;5|NULL|6|   "
        );
        // COPY TO STDOUT, text and csv.
        match s.copy("copy t (a, b) to stdout").await.unwrap().unwrap() {
            CopyStart::Out { data, tag, .. } => {
                assert_eq!(tag, "COPY 5");
                assert_eq!(data[0], b"1\tx\\ty\\\\z\n");
                assert_eq!(data[1], b"2\t\\N\n");
            }
            other => panic!("{other:?}"),
        }
        match s
            .copy("copy (select a, b from t where a = 4) to stdout (format csv, header)")
            .await
            .unwrap()
            .unwrap()
        {
            CopyStart::Out { data, .. } => {
                assert_eq!(data[0], b"a,b\n");
                assert_eq!(data[1], b"4,\"multi\nline, \"\"quoted\"\"\"\n");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn bad_rows_fail_with_context_and_keep_nothing() {
        let mut s = session().await;
        run(
            &mut s,
            "create table t (a int primary key, b int check (b > 0))",
        )
        .await;
        let cases: [(&[u8], &str, &str); 6] = [
            (b"1\t1\nx\t2\n", "22P02", "COPY t, line 2, column a: \"x\""),
            (b"1\t1\n2\n", "22P04", "COPY t, line 2"),
            (b"1\t1\t3\n", "22P04", "COPY t, line 1"),
            (b"1\t1\n1\t2\n", "23505", "Key (a)=(1) already exists."),
            (b"1\t0\n", "23514", ""),
            (b"\\N\t1\n", "23502", ""),
        ];
        for (data, state, detail) in cases {
            let e = copy_in(&mut s, "copy t from stdin", &[data])
                .await
                .unwrap_err();
            assert_eq!(e.sqlstate, state, "{e:?}");
            if !detail.is_empty() {
                assert_eq!(e.detail.as_deref(), Some(detail), "{e:?}");
            }
        }
        assert_eq!(one(run(&mut s, "select count(*) from t").await), "0");
        // CopyFail rolls back rows already inserted.
        assert!(s.copy("copy t from stdin").await.unwrap().is_ok());
        s.copy_in_data(b"1\t1\n2\t2\n").await.unwrap();
        let e = s.copy_in_fail("stop");
        assert_eq!(e.sqlstate, "57014");
        assert_eq!(one(run(&mut s, "select count(*) from t").await), "0");
        // Inside a transaction block: the block fails; a dropped session keeps nothing.
        run(&mut s, "begin").await;
        let e = copy_in(&mut s, "copy t from stdin", &[b"1\t-1\n"])
            .await
            .unwrap_err();
        assert_eq!(e.sqlstate, "23514");
        assert_eq!(
            s.execute_simple("select 1").await[0]
                .as_ref()
                .unwrap_err()
                .sqlstate,
            "25P02"
        );
        run(&mut s, "rollback").await;
        assert!(s.copy("copy t from stdin").await.unwrap().is_ok());
        s.copy_in_data(b"7\t7\n").await.unwrap();
        drop(s);
        // A session that goes away mid-COPY leaves nothing for the others.
        let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
        let mut a = engine.session();
        let mut b = engine.session();
        run(&mut a, "create table u (x int)").await;
        assert!(a.copy("copy u from stdin").await.unwrap().is_ok());
        a.copy_in_data(b"1\n2\n").await.unwrap();
        assert_eq!(one(run(&mut b, "select count(*) from u").await), "0");
        drop(a);
        assert_eq!(one(run(&mut b, "select count(*) from u").await), "0");
        // Errors in the statement itself.
        for (sql, state) in [
            ("copy nosuch from stdin", "42P01"),
            ("copy u (nosuch) from stdin", "42703"),
            // A superuser reads server files (`session_copy_file`): a
            // relative path is refused.
            ("copy u from 'passwd'", "42602"),
        ] {
            let e = b.copy(sql).await.unwrap().unwrap_err();
            assert_eq!(e.sqlstate, state, "{sql}");
        }
        assert!(b.copy("select 1").await.is_none());
        assert_eq!(one(run(&mut b, "vacuum analyze u").await), "");
        assert_eq!(one(run(&mut b, "analyze").await), "");
    }

    #[tokio::test]
    async fn generate_series_and_add_primary_key() {
        let mut s = session().await;
        assert_eq!(
            one(run(&mut s, "select x from generate_series(1, 3) as x").await),
            "1;2;3"
        );
        assert_eq!(
            one(run(&mut s, "select sum(g) from generate_series(10, 1, -3) g(g)").await),
            "22"
        );
        assert_eq!(
            one(run(
                &mut s,
                "select count(*) from generate_series(1, 5000000000, 1000000000)"
            )
            .await),
            "5"
        );
        run(
            &mut s,
            "create table p (aid int not null, bid int, filler char(84)) with (fillfactor=100)",
        )
        .await;
        run(
            &mut s,
            "insert into p(aid, bid, filler) select aid, (aid - 1) / 10 + 1, '' from generate_series(1, 50) as aid",
        )
        .await;
        run(&mut s, "insert into p(aid, bid) values (50, 9)").await;
        let e = s
            .execute_simple("alter table p add primary key (aid)")
            .await;
        assert_eq!(e[0].as_ref().unwrap_err().sqlstate, "23505");
        run(&mut s, "delete from p where bid = 9").await;
        run(&mut s, "alter table p add primary key (aid)").await;
        assert_eq!(
            one(run(&mut s, "select bid from p where aid = 50").await),
            "5"
        );
        let e = s
            .execute_simple("insert into p(aid, bid) values (50, 1)")
            .await;
        assert_eq!(e[0].as_ref().unwrap_err().sqlstate, "23505");
        let e = s
            .execute_simple("alter table p add primary key (bid)")
            .await;
        assert_eq!(e[0].as_ref().unwrap_err().sqlstate, "42P16");
        assert_eq!(one(run(&mut s, "select count(*) from p").await), "50");
    }
}
