//! The routine statements (`crate::routine::ddl`) run on a session:
//! CREATE/DROP FUNCTION, CREATE/DROP TRIGGER and ALTER TABLE ... ENABLE/
//! DISABLE TRIGGER as transactional DDL, and DO blocks, which run like a
//! data statement (in the open transaction or their own).

use super::*;
use crate::routine::ddl::{self as routine_ddl, RoutineStatement};

impl Session {
    /// Runs a recognised routine statement (or reports its syntax error).
    pub(super) async fn routine_statement(
        &mut self,
        stmt: SqlResult<RoutineStatement>,
    ) -> SqlResult<StatementOutput> {
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        let r = match stmt {
            Err(e) => Err(e),
            Ok(s) => self.run_routine_statement(s).await,
        };
        if r.is_err() {
            self.fail_block();
        }
        if self.txn.is_none() {
            self.settings.end_transaction(r.is_ok());
        }
        r
    }

    async fn run_routine_statement(
        &mut self,
        stmt: RoutineStatement,
    ) -> SqlResult<StatementOutput> {
        match stmt {
            RoutineStatement::CreateFunction {
                or_replace,
                mut def,
            } => {
                let notices = routine_ddl::resolve_user_types(&self.catalog(), &mut def)?;
                let id = self.engine.alloc_table_id();
                let out = self
                    .run_ddl("CREATE FUNCTION", |c| {
                        routine_ddl::create_function(c, or_replace, &def, id).map(Some)
                    })
                    .await;
                if out.is_ok() {
                    self.notices.extend(notices);
                }
                out
            }
            RoutineStatement::DropFunction {
                if_exists,
                cascade,
                items,
            } => {
                let mut notices = Vec::new();
                let out = self
                    .run_ddl("DROP FUNCTION", |c| {
                        // Argument types named by user types resolve now;
                        // IF EXISTS skips a name whose type does not exist.
                        let mut resolved = Vec::with_capacity(items.len());
                        for (name, args) in &items {
                            let types = args
                                .as_ref()
                                .map(|a| {
                                    a.iter()
                                        .map(|x| routine_ddl::resolve_arg_type(c, x))
                                        .collect::<SqlResult<Vec<_>>>()
                                })
                                .transpose();
                            match types {
                                Ok(t) => resolved.push((name.clone(), t)),
                                Err(e) if if_exists && e.sqlstate == "42704" => {
                                    let mut n =
                                        SqlError::new("00000", format!("{}, skipping", e.message));
                                    n.severity = "NOTICE";
                                    notices.push(n);
                                }
                                Err(e) => return Err(e),
                            }
                        }
                        let (change, n) =
                            routine_ddl::drop_functions(c, if_exists, cascade, &resolved)?;
                        notices.extend(n);
                        Ok(change)
                    })
                    .await;
                self.notices.extend(notices);
                out
            }
            RoutineStatement::CreateTrigger {
                or_replace,
                table,
                def,
            } => {
                let table = self.catalog().resolve_key(&table);
                let id = self.engine.alloc_table_id();
                self.run_ddl("CREATE TRIGGER", |c| {
                    routine_ddl::create_trigger(c, or_replace, &table, &def, id).map(Some)
                })
                .await
            }
            RoutineStatement::DropTrigger {
                if_exists,
                name,
                table,
            } => {
                let table = self.catalog().resolve_key(&table);
                let mut notice = None;
                let out = self
                    .run_ddl("DROP TRIGGER", |c| {
                        let (change, n) = routine_ddl::drop_trigger(c, if_exists, &name, &table)?;
                        notice = n;
                        Ok(change)
                    })
                    .await;
                self.notices.extend(notice);
                out
            }
            RoutineStatement::EnableTrigger {
                table,
                name,
                enable,
            } => {
                let table = self.catalog().resolve_key(&table);
                self.run_ddl("ALTER TABLE", |c| {
                    routine_ddl::enable_trigger(c, &table, name.as_deref(), enable).map(Some)
                })
                .await
            }
            RoutineStatement::Do { body } => self.run_do_block(&body).await,
        }
    }

    /// DO: the block runs in the open transaction or in its own.
    async fn run_do_block(&mut self, body: &str) -> SqlResult<StatementOutput> {
        let autocommit = self.begin_statement_txn();
        let result = self.do_in_txn(body).await;
        self.end_statement_txn(autocommit, &result).await?;
        result.map(|_| StatementOutput::Command { tag: "DO".into() })
    }

    async fn do_in_txn(&mut self, body: &str) -> SqlResult<()> {
        let access = self.access();
        let engine = self.engine.clone();
        let work_mem = self.settings.work_mem_bytes();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| SqlError::internal("no transaction"))?;
        txn.started = true;
        let snapshot = engine.statement_snapshot(txn);
        let statement_settings =
            crate::settings::StatementSettings::new(&self.settings).with_access(access);
        let mut ctx = Ctx::new(&engine, txn, snapshot, &[]);
        ctx.set_work_mem(work_mem);
        ctx.set_settings(&statement_settings);
        let r = ctx.run_do(body).await;
        ctx.finish();
        r?;
        for change in statement_settings.into_changes() {
            self.settings
                .set_scoped(&change.name, Some(change.value), change.scope)?;
        }
        Ok(())
    }
}
