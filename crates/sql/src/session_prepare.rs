//! SQL-level prepared statements and session resets: `PREPARE name
//! [(type, ...)] AS statement`, `EXECUTE name [(value, ...)]`,
//! `DEALLOCATE [PREPARE] name | ALL`, and `DISCARD ALL | PLANS | TEMP`
//! (what connection poolers such as PgBouncer send between clients).
//!
//! A PREPARE is the extended protocol's Parse under a session-lifetime
//! name: the statement is parsed and bound once (`Session::prepare`) and
//! keeps its plan until the catalog changes. EXECUTE computes its argument
//! expressions as `SELECT (arg)::type, ...` in the session (so they may use
//! any function, and are checked like any query) and runs the prepared
//! statement with them; its result and command tag are the statement's.
//! These names are the session's own, separate from the protocol's named
//! statements, which the endpoint keeps.

use std::collections::BTreeMap;

use sqlparser::ast::Spanned;

use super::*;

/// Bounds the names one session may prepare (each holds a bound plan).
const PREPARED_PER_SESSION_MAX: usize = 10_000;

/// One PREPAREd statement.
#[derive(Clone)]
pub(super) struct SqlPrepared {
    pub(super) prepared: Prepared,
    /// The parameter types, as casts spell them.
    pub(super) param_types: Vec<String>,
}

/// The session's PREPAREd statements by name.
pub(super) type SqlPreparedStatements = BTreeMap<String, SqlPrepared>;

pub(super) fn not_found(name: &str) -> SqlError {
    SqlError::new(
        "26000",
        format!("prepared statement \"{name}\" does not exist"),
    )
}

impl Session {
    /// PREPARE name [(type, ...)] AS statement.
    pub(super) async fn sql_prepare(
        &mut self,
        name: &ast::Ident,
        data_types: &[ast::DataType],
        statement: &ast::Statement,
    ) -> SqlResult<StatementOutput> {
        let name = crate::binder::ident_name(name);
        if self.sql_prepared.contains_key(&name) {
            return Err(SqlError::new(
                "42P05",
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        if self.sql_prepared.len() >= PREPARED_PER_SESSION_MAX {
            return Err(SqlError::new(
                "54000",
                format!("too many prepared statements (at most {PREPARED_PER_SESSION_MAX})"),
            ));
        }
        let catalog = self.catalog();
        let mut oids = Vec::with_capacity(data_types.len());
        for dt in data_types {
            oids.push(crate::user_types::resolve(&catalog, dt)?.ty.oid());
        }
        let prepared = self.prepare(&statement.to_string(), &oids).await?;
        let param_types = prepared
            .param_types
            .iter()
            .map(|oid| {
                crate::pg_catalog::format_type(i64::from(*oid), -1)
                    .unwrap_or_else(|| "text".to_string())
            })
            .collect();
        self.sql_prepared.insert(
            name,
            SqlPrepared {
                prepared,
                param_types,
            },
        );
        Ok(StatementOutput::Command {
            tag: "PREPARE".into(),
        })
    }

    /// EXECUTE name [(value, ...)].
    pub(super) async fn sql_execute(
        &mut self,
        name: &ast::ObjectName,
        arguments: &[ast::Expr],
        sql: &str,
    ) -> SqlResult<StatementOutput> {
        let name = crate::binder::object_name(name)?;
        let Some(entry) = self.sql_prepared.get(&name).cloned() else {
            return Err(not_found(&name));
        };
        // Only the prepared statement itself may stream its rows.
        let stream = self.take_stream_request();
        // Boxed: these run statements through `dispatch`, which runs EXECUTE.
        let values = Box::pin(self.sql_execute_arguments(&name, &entry, arguments, sql)).await;
        self.cursors.stream_next = stream;
        let values = values?;
        // `execute_prepared` starts as a statement of its own would: this
        // EXECUTE is not one left running.
        self.statement_in_flight = false;
        Box::pin(self.execute_prepared(&entry.prepared, &values)).await
    }

    /// The values EXECUTE passes to prepared statement `name` (`entry`):
    /// checked against its parameter count, then computed.
    pub(super) async fn sql_execute_arguments(
        &mut self,
        name: &str,
        entry: &SqlPrepared,
        arguments: &[ast::Expr],
        sql: &str,
    ) -> SqlResult<Vec<Option<String>>> {
        // A statement without parameters ignores EXECUTE's list, as in PostgreSQL.
        let arguments = if entry.param_types.is_empty() {
            &[]
        } else {
            arguments
        };
        if arguments.len() != entry.param_types.len() {
            return Err(SqlError::new(
                "42601",
                format!("wrong number of parameters for prepared statement \"{name}\""),
            )
            .with_detail(format!(
                "Expected {} parameters but got {}.",
                entry.param_types.len(),
                arguments.len()
            )));
        }
        Box::pin(self.argument_values(arguments, &entry.param_types, sql)).await
    }

    /// EXECUTE's arguments in text form, each cast to its parameter's type.
    /// An error's position is moved from the SELECT that computes them back
    /// into the EXECUTE the client sent (`sql`).
    async fn argument_values(
        &mut self,
        arguments: &[ast::Expr],
        types: &[String],
        sql: &str,
    ) -> SqlResult<Vec<Option<String>>> {
        if arguments.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = String::from("SELECT ");
        // (first char of the argument in `select`, its length, its position in `sql`)
        let mut placed: Vec<(u32, u32, Option<u32>)> = Vec::with_capacity(arguments.len());
        for (i, (a, t)) in arguments.iter().zip(types).enumerate() {
            if i > 0 {
                select.push_str(", ");
            }
            select.push('(');
            let text = a.to_string();
            let at = select.chars().count() as u32 + 1;
            placed.push((
                at,
                text.chars().count() as u32,
                crate::binder::span_position(sql, a.span()),
            ));
            select.push_str(&format!("{text})::{t}"));
        }
        let lexical = self.lexical_options();
        let mut stmts = parse_with(&select, lexical, &mut self.notices)?;
        let (Some(stmt), true) = (stmts.pop(), stmts.is_empty()) else {
            return Err(SqlError::syntax("EXECUTE arguments must be expressions"));
        };
        let result = Box::pin(self.dispatch(&stmt, &select))
            .await
            .map_err(|mut e| {
                e.position = e.position.and_then(|p| {
                    placed.iter().find_map(|(at, len, original)| {
                        (p >= *at && p <= at + len).then(|| original.map(|o| o + (p - at)))?
                    })
                });
                e
            })?;
        match result {
            StatementOutput::Rows { mut rows, .. } if rows.len() == 1 => Ok(rows.remove(0)),
            _ => Err(SqlError::internal("EXECUTE arguments gave no row")),
        }
    }

    /// DEALLOCATE [PREPARE] name | ALL.
    pub(super) fn sql_deallocate(&mut self, name: &ast::Ident) -> SqlResult<StatementOutput> {
        if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
            self.sql_prepared.clear();
            return Ok(StatementOutput::Command {
                tag: "DEALLOCATE ALL".into(),
            });
        }
        let name = crate::binder::ident_name(name);
        if self.sql_prepared.remove(&name).is_none() {
            return Err(not_found(&name));
        }
        Ok(StatementOutput::Command {
            tag: "DEALLOCATE".into(),
        })
    }

    /// DISCARD ALL | PLANS | TEMP (DISCARD SEQUENCES is `session_sequence`'s).
    pub(super) fn discard(&mut self, what: ast::DiscardObject) -> SqlResult<StatementOutput> {
        let tag = match what {
            ast::DiscardObject::ALL => {
                if self.txn.as_ref().is_some_and(|t| t.explicit) {
                    return Err(SqlError::new(
                        "25001",
                        "DISCARD ALL cannot run inside a transaction block",
                    ));
                }
                // PostgreSQL's list: CLOSE ALL, SET SESSION AUTHORIZATION
                // DEFAULT, RESET ALL, DEALLOCATE ALL, DISCARD PLANS, TEMP
                // and SEQUENCES (no SQL cursors, LISTEN or advisory locks
                // exist here; protocol portals are the endpoint's).
                self.discard_temp()?;
                self.settings
                    .set_scoped("session_authorization", None, Scope::Session)?;
                self.settings.set_scoped("role", None, Scope::Session)?;
                self.settings.reset_all();
                self.sql_prepared.clear();
                self.settings.sequences().discard()?;
                if self.txn.is_none() {
                    self.settings.end_transaction(true);
                }
                "DISCARD ALL"
            }
            // Plans are re-bound whenever the catalog moves; nothing is
            // cached that could go stale otherwise.
            ast::DiscardObject::PLANS => "DISCARD PLANS",
            ast::DiscardObject::TEMP => {
                self.discard_temp()?;
                "DISCARD TEMP"
            }
            ast::DiscardObject::SEQUENCES => {
                self.settings.sequences().discard()?;
                "DISCARD SEQUENCES"
            }
        };
        Ok(StatementOutput::Command { tag: tag.into() })
    }

    /// Drops the session's temporary objects (outside a transaction that
    /// changed them: their DDL would otherwise commit after the drop).
    fn discard_temp(&mut self) -> SqlResult<()> {
        if self.txn.as_ref().is_some_and(|t| t.ddl.is_some()) {
            return Err(SqlError::unsupported(
                "DISCARD TEMP in a transaction that ran DDL",
            ));
        }
        self.namespace.temp.discard(&self.engine);
        Ok(())
    }
}
