//! REINDEX on a session (`crate::reindex`): the rebuild runs as DDL in the
//! open transaction (or its own), except the forms PostgreSQL refuses in a
//! transaction block; VERBOSE reports each index rebuilt as an INFO.

use super::*;

impl Session {
    /// Runs `sql` if it is a REINDEX statement.
    pub(super) async fn reindex(&mut self, sql: &str) -> Option<SqlResult<StatementOutput>> {
        let stmt = match crate::reindex::recognize(sql)? {
            Ok(stmt) => stmt,
            Err(e) => return Some(Err(e)),
        };
        Some(self.run_reindex(&stmt).await)
    }

    async fn run_reindex(&mut self, stmt: &crate::reindex::Reindex) -> SqlResult<StatementOutput> {
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        if let Some(message) = stmt.refuses_transaction_block() {
            if self.txn.as_ref().is_some_and(|t| t.explicit) {
                return Err(SqlError::new("25001", message));
            }
        }
        let database = self.search_path().database;
        let mut rebuilt = Vec::new();
        let out = self
            .run_ddl("REINDEX", |c| {
                let (change, names) = crate::reindex::reindex(c, stmt, &database)?;
                rebuilt = names;
                Ok(change)
            })
            .await?;
        if stmt.verbose {
            for name in rebuilt {
                let mut info = SqlError::new(
                    "00000",
                    format!(
                        "index \"{}\" was reindexed",
                        crate::schema::shown_name(&name)
                    ),
                );
                info.severity = "INFO";
                self.notices.push(info);
            }
        }
        Ok(out)
    }
}
