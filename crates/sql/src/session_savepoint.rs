//! SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT: a savepoint
//! records the transaction's write set, lock count and DDL progress;
//! ROLLBACK TO restores them (releasing the row locks taken since) and the
//! settings, and clears a failed block's error state, as PostgreSQL does.

use super::*;

impl Session {
    fn savepoint_txn(&mut self, what: &str) -> SqlResult<&mut Txn> {
        match self.txn.as_mut() {
            Some(t) if t.explicit => Ok(t),
            _ => Err(SqlError::new(
                "25P01",
                format!("{what} can only be used in transaction blocks"),
            )),
        }
    }

    pub(super) fn savepoint(&mut self, name: &ast::Ident) -> SqlResult<StatementOutput> {
        let t = self.savepoint_txn("SAVEPOINT")?;
        t.savepoint(crate::binder::ident_name(name));
        self.settings.savepoint();
        Ok(StatementOutput::Command {
            tag: "SAVEPOINT".into(),
        })
    }

    pub(super) fn rollback_to_savepoint(
        &mut self,
        name: &ast::Ident,
    ) -> SqlResult<StatementOutput> {
        let engine = self.engine.clone();
        let t = self.savepoint_txn("ROLLBACK TO SAVEPOINT")?;
        let n = crate::binder::ident_name(name);
        let Some(i) = t.find_savepoint(&n) else {
            t.failed = true;
            return Err(SqlError::new(
                "3B001",
                format!("savepoint \"{n}\" does not exist"),
            ));
        };
        engine.rollback_to_savepoint(t, i);
        self.settings.rollback_to_savepoint(i);
        Ok(StatementOutput::Command {
            tag: "ROLLBACK".into(),
        })
    }

    pub(super) fn release_savepoint(&mut self, name: &ast::Ident) -> SqlResult<StatementOutput> {
        let t = self.savepoint_txn("RELEASE SAVEPOINT")?;
        let n = crate::binder::ident_name(name);
        let Some(i) = t.find_savepoint(&n) else {
            return Err(SqlError::new(
                "3B001",
                format!("savepoint \"{n}\" does not exist"),
            ));
        };
        t.savepoints.truncate(i);
        self.settings.release_savepoint(i);
        Ok(StatementOutput::Command {
            tag: "RELEASE".into(),
        })
    }
}
