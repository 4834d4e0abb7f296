//! Statements on user-defined types (`crate::user_types`): CREATE TYPE,
//! ALTER TYPE, DROP TYPE, CREATE DOMAIN, DROP DOMAIN, run as DDL with the
//! NOTICEs PostgreSQL sends for what IF [NOT] EXISTS skipped.

use sqlparser::ast;

use super::{Session, StatementOutput};
use crate::error::SqlResult;
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
}
