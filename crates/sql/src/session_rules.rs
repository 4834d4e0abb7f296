//! CREATE RULE / DROP RULE (see `crate::rules`) run on a session.

use super::*;
use crate::rules::RuleStatement;

impl Session {
    pub(super) async fn rule_statement(
        &mut self,
        stmt: SqlResult<RuleStatement>,
    ) -> SqlResult<StatementOutput> {
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        let r = match stmt {
            Err(e) => Err(e),
            Ok(s) => self.run_rule_statement(s).await,
        };
        if r.is_err() {
            self.fail_block();
        }
        if self.txn.is_none() {
            self.settings.end_transaction(r.is_ok());
        }
        r
    }

    async fn run_rule_statement(&mut self, stmt: RuleStatement) -> SqlResult<StatementOutput> {
        let user = self.settings.current_user();
        match stmt {
            RuleStatement::Create {
                or_replace,
                relation,
                rule,
            } => {
                let catalog = self.catalog();
                let relation = catalog.resolve_key(&relation);
                if let Some(view) = catalog.views.get(&relation) {
                    crate::rules::check_rule(&catalog, &relation, &view.columns, &rule)?;
                } else if let Some(t) = catalog.tables.get(&relation) {
                    let columns: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
                    crate::rules::check_rule(&catalog, &relation, &columns, &rule)?;
                }
                self.run_ddl("CREATE RULE", |c| {
                    if c.views.contains_key(&relation) || c.tables.contains_key(&relation) {
                        crate::privileges::require_relation_owner(c, &user, &relation)?;
                    }
                    crate::rules::create_rule(c, or_replace, &relation, &rule).map(Some)
                })
                .await
            }
            RuleStatement::Drop {
                if_exists,
                name,
                relation,
            } => {
                let relation = self.catalog().resolve_key(&relation);
                let mut skipped = false;
                let out = self
                    .run_ddl("DROP RULE", |c| {
                        if c.views.contains_key(&relation) || c.tables.contains_key(&relation) {
                            crate::privileges::require_relation_owner(c, &user, &relation)?;
                        }
                        let change = crate::rules::drop_rule(c, &relation, &name, if_exists)?;
                        skipped = change.is_none();
                        Ok(change)
                    })
                    .await?;
                if skipped {
                    let mut n = SqlError::new(
                        "00000",
                        format!(
                            "rule \"{name}\" for relation \"{}\" does not exist, skipping",
                            crate::schema::split(&relation).1
                        ),
                    );
                    n.severity = "NOTICE";
                    self.notices.push(n);
                }
                Ok(out)
            }
        }
    }
}
