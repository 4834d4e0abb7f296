//! The row-version columns `xmin` and `xmax` in the WHERE of an UPDATE or
//! DELETE (`WHERE id = $1 AND xmin = $2`, an ORM's optimistic concurrency
//! check): the binder places them after the target's columns and its
//! `tableoid` slot, and a filter that reads them is evaluated over the row
//! extended by the stored version's values (`crate::binder` system_columns).

use super::*;
use crate::binder::system_columns::reads_row_version;

/// `row` followed by the `tableoid` slot (NULL: the binder pinned it to a
/// constant) and the stored version's `xmin` and `xmax` (0: it is live).
pub(super) fn with_row_version(mut row: Row, stored: &[u8]) -> SqlResult<Row> {
    row.push(Datum::Null);
    row.push(Datum::Int8(i64::from(row_xmin(stored)?)));
    row.push(Datum::Int8(0));
    Ok(row)
}

impl Ctx<'_> {
    /// `xmax` of the row version at `key` that this statement's snapshot
    /// sees: the id of the transaction holding the row's lock while it runs,
    /// as PostgreSQL shows an updater, deleter or FOR UPDATE/SHARE locker
    /// that is still open. This transaction's own lock shows only when it
    /// was a FOR UPDATE/SHARE lock (its own new versions have `xmax` 0).
    /// Else 0: PostgreSQL keeps a finished locker's id in the row; Borealis
    /// does not store locks in rows.
    pub(super) fn row_xmax(&self, key: &[u8]) -> u32 {
        match self.engine.locks.owner(key) {
            Some(owner) if owner != self.txn.id => crate::txn::client_xid(owner),
            Some(_) if self.txn.row_locks.contains(key) => crate::txn::client_xid(self.txn.id),
            _ => 0,
        }
    }

    /// Does row `row` (stored as `stored`) of `table` pass `filter`?
    pub(super) async fn row_passes(
        &mut self,
        table: &TableDef,
        filter: &Expr,
        row: &Row,
        stored: &[u8],
        outer: &[Row],
    ) -> SqlResult<bool> {
        let width = table.columns.len();
        if !reads_row_version(filter, width) {
            return self.predicate(filter, row, outer).await;
        }
        let extended = with_row_version(row.clone(), stored)?;
        self.predicate(filter, &extended, outer).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_columns_past_the_tableoid_slot_are_row_version_columns() {
        let col = |i| Expr::Column(i, SqlType::Int8.plain());
        assert!(!reads_row_version(&col(1), 2));
        assert!(!reads_row_version(&col(2), 2), "tableoid");
        assert!(reads_row_version(&col(3), 2), "xmin");
    }

    #[test]
    fn the_stored_xmin_follows_the_row() {
        let stored = crate::encoding::encode_row_version(&[Datum::Int4(1)], 77);
        let row = with_row_version(vec![Datum::Int4(1)], &stored).unwrap();
        assert_eq!(
            row,
            vec![Datum::Int4(1), Datum::Null, Datum::Int8(77), Datum::Int8(0)]
        );
    }
}
