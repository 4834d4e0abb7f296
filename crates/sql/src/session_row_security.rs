//! Row-level security statements (see `crate::row_security_ddl`) run on a
//! session, and the subject its catalog view enforces policies for.

use super::*;
use crate::row_security_ddl::{self as rls_ddl, RlsSwitch};

impl Session {
    /// Who this session's statements are subject to row-level security as.
    pub(super) fn rls_subject(&self) -> crate::row_security::Subject {
        let row_security = self
            .settings
            .get("row_security")
            .map(|(_, v)| {
                !matches!(
                    v.to_ascii_lowercase().as_str(),
                    "off" | "false" | "0" | "no"
                )
            })
            .unwrap_or(true);
        crate::row_security::Subject {
            user: self.settings.current_user(),
            row_security,
        }
    }

    /// ALTER TABLE ... ENABLE/DISABLE/[NO] FORCE ROW LEVEL SECURITY.
    pub(super) async fn alter_row_security(
        &mut self,
        at: &ast::AlterTable,
        ops: &[RlsSwitch],
    ) -> SqlResult<StatementOutput> {
        let user = self.settings.current_user();
        self.run_ddl("ALTER TABLE", |c| rls_ddl::alter_table(c, &user, at, ops))
            .await
    }

    /// CREATE / ALTER / DROP POLICY.
    pub(super) async fn policy_statement(
        &mut self,
        stmt: &ast::Statement,
    ) -> SqlResult<StatementOutput> {
        let user = self.settings.current_user();
        match stmt {
            ast::Statement::CreatePolicy(p) => {
                self.run_ddl("CREATE POLICY", |c| {
                    rls_ddl::create_policy(c, &user, p).map(Some)
                })
                .await
            }
            ast::Statement::AlterPolicy(p) => {
                self.run_ddl("ALTER POLICY", |c| {
                    rls_ddl::alter_policy(c, &user, p).map(Some)
                })
                .await
            }
            ast::Statement::DropPolicy(p) => {
                let mut skipped = false;
                let out = self
                    .run_ddl("DROP POLICY", |c| {
                        let change = rls_ddl::drop_policy(c, &user, p)?;
                        skipped = change.is_none();
                        Ok(change)
                    })
                    .await?;
                if skipped {
                    let mut n = SqlError::new(
                        "00000",
                        format!(
                            "policy \"{}\" for relation \"{}\" does not exist, skipping",
                            crate::binder::ident_name(&p.name),
                            p.table_name
                        ),
                    );
                    n.severity = "NOTICE";
                    self.notices.push(n);
                }
                Ok(out)
            }
            _ => Err(SqlError::internal("not a policy statement")),
        }
    }
}
