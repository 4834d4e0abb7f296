//! Execution of `UPDATE ... FROM` and `DELETE ... USING`: the other list's
//! rows are computed once, every target row is joined to the first of them
//! for which the filter (over target row ++ other row) holds, and a matched
//! row is updated (with the assignments evaluated over that joined row) or
//! deleted once, as in PostgreSQL.

use super::*;
use crate::binder::JoinedFrom;
use crate::routine::TriggerEvent;

impl<'a> Ctx<'a> {
    pub(super) async fn update_joined(
        &mut self,
        p: &UpdatePlan,
        from: &JoinedFrom,
    ) -> SqlResult<(u64, Vec<Row>)> {
        let targets = self
            .locked_join_targets(&p.table, p.filter.as_ref(), from)
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        for (key, old, joined) in targets {
            let mut new = old.clone();
            for (ci, e) in &p.assignments {
                new[*ci] = self.eval_row(e, &joined, &[]).await?;
            }
            let assigned: Vec<usize> = p.assignments.iter().map(|(c, _)| *c).collect();
            let Some((_, new)) = self
                .update_row(&p.table, &key, &old, new, &assigned, &p.checks)
                .await?
            else {
                continue;
            };
            n += 1;
            if p.returning.is_some() {
                let mut returned = new;
                returned.extend_from_slice(&joined[old.len()..]);
                self.returning(&p.returning, &returned, &mut out).await?;
            }
        }
        Ok((n, out))
    }

    pub(super) async fn delete_joined(
        &mut self,
        p: &DeletePlan,
        using: &JoinedFrom,
    ) -> SqlResult<(u64, Vec<Row>)> {
        self.note_write(&p.table);
        let targets = self
            .locked_join_targets(&p.table, p.filter.as_ref(), using)
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        for (key, old, joined) in targets {
            if self
                .before_row_triggers(&p.table, TriggerEvent::Delete, Some(&old), None, None)
                .await?
                .is_none()
            {
                continue;
            }
            self.delete_row(&p.table, key, &old, 0).await?;
            self.queue_after_row(&p.table, TriggerEvent::Delete, Some(&old), None, None);
            n += 1;
            self.returning(&p.returning, &joined, &mut out).await?;
        }
        Ok((n, out))
    }

    /// The rows of `table` that join a row of `other` under `filter`, each
    /// locked and joined again in its newest version (under READ COMMITTED
    /// the locked row may be newer than the one scanned): (key, row, row
    /// followed by the first other row it joins).
    async fn locked_join_targets(
        &mut self,
        table: &TableDef,
        filter: Option<&Expr>,
        other: &JoinedFrom,
    ) -> SqlResult<Vec<(Vec<u8>, Row, Row)>> {
        let others = self.exec_plan(&other.plan, &[]).await?;
        let scanned = self.scan_table(table, &Access::Full, None, &[]).await?;
        let mut targets = Vec::new();
        for (key, row) in scanned {
            if self
                .first_join_match(filter, &row, &others)
                .await?
                .is_none()
            {
                continue;
            }
            let Some(newest) = self.lock_for_write(table, &key, row, None).await? else {
                continue;
            };
            let Some(joined) = self.first_join_match(filter, &newest, &others).await? else {
                continue;
            };
            debug_assert_eq!(joined.len(), newest.len() + other.width);
            targets.push((key, newest, joined));
        }
        Ok(targets)
    }

    /// `row` followed by the first of `others` the filter accepts with it.
    async fn first_join_match(
        &mut self,
        filter: Option<&Expr>,
        row: &[Datum],
        others: &[Row],
    ) -> SqlResult<Option<Row>> {
        for other in others {
            let mut joined = Vec::with_capacity(row.len() + other.len());
            joined.extend_from_slice(row);
            joined.extend_from_slice(other);
            let accepted = match filter {
                Some(f) => self.predicate(f, &joined, &[]).await?,
                None => true,
            };
            if accepted {
                return Ok(Some(joined));
            }
        }
        Ok(None)
    }
}
