//! Statements on user-defined types (`crate::user_types`): CREATE TYPE,
//! ALTER TYPE, DROP TYPE, CREATE DOMAIN, DROP DOMAIN, on casts between
//! types (`crate::casts`): CREATE CAST, DROP CAST, and on operators
//! (`crate::user_operators`): CREATE OPERATOR, DROP OPERATOR, run as DDL
//! with the NOTICEs PostgreSQL sends for what IF [NOT] EXISTS skipped.

use sqlparser::ast;

use super::{Session, StatementOutput};
use crate::casts::CastStatement;
use crate::error::{SqlError, SqlResult};
use crate::user_types;

impl Session {
    /// Runs one of the statements above; None for other statements.
    pub(super) async fn type_statement(
        &mut self,
        stmt: &ast::Statement,
    ) -> Option<SqlResult<StatementOutput>> {
        use ast::Statement as S;
        let mut notices = Vec::new();
        let out = match stmt {
            S::CreateType {
                name,
                representation,
            } => {
                self.run_ddl("CREATE TYPE", |c| {
                    user_types::create_type(c, name, representation.as_ref())
                })
                .await
            }
            S::CreateOperator(co) => {
                let id = self.engine.alloc_table_id();
                self.run_ddl("CREATE OPERATOR", |c| {
                    crate::user_operators::create_operator(c, co, id).map(Some)
                })
                .await
            }
            S::DropOperator(d) => {
                self.run_ddl("DROP OPERATOR", |c| {
                    let (change, n) = crate::user_operators::drop_operators(c, d)?;
                    notices = n;
                    Ok(change)
                })
                .await
            }
            S::CreateDomain(cd) => {
                self.run_ddl("CREATE DOMAIN", |c| user_types::create_domain(c, cd))
                    .await
            }
            S::DropDomain(dd) => {
                self.run_ddl("DROP DOMAIN", |c| {
                    user_types::drop_domain(c, dd, &mut notices)
                })
                .await
            }
            S::AlterType(at) => {
                self.run_ddl("ALTER TYPE", |c| {
                    user_types::alter_type(c, at, &mut notices)
                })
                .await
            }
            S::Drop {
                object_type: ast::ObjectType::Type,
                if_exists,
                names,
                cascade,
                ..
            } => {
                self.run_ddl("DROP TYPE", |c| {
                    user_types::drop_types(c, names, *if_exists, *cascade, &mut notices)
                })
                .await
            }
            _ => return None,
        };
        self.notices.extend(notices);
        Some(out)
    }

    /// Runs a recognised CREATE CAST / DROP CAST (or reports its syntax error).
    pub(super) async fn cast_statement(
        &mut self,
        stmt: SqlResult<CastStatement>,
    ) -> SqlResult<StatementOutput> {
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        let r = match stmt {
            Err(e) => Err(e),
            Ok(s) => self.run_cast_statement(s).await,
        };
        if r.is_err() {
            self.fail_block();
        }
        if self.txn.is_none() {
            self.settings.end_transaction(r.is_ok());
        }
        r
    }

    async fn run_cast_statement(&mut self, stmt: CastStatement) -> SqlResult<StatementOutput> {
        match stmt {
            CastStatement::Create {
                source,
                target,
                method,
                context,
            } => {
                let id = self.engine.alloc_table_id();
                self.run_ddl("CREATE CAST", |c| {
                    crate::casts::create_cast(c, &source, &target, &method, context, id).map(Some)
                })
                .await
            }
            CastStatement::Drop {
                if_exists,
                source,
                target,
            } => {
                let mut notice = None;
                let out = self
                    .run_ddl("DROP CAST", |c| {
                        let (change, n) = crate::casts::drop_cast(c, if_exists, &source, &target)?;
                        notice = n;
                        Ok(change)
                    })
                    .await;
                self.notices.extend(notice);
                out
            }
        }
    }
}
