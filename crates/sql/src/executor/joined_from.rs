//! Execution of `UPDATE ... FROM` and `DELETE ... USING`: the other list's
//! rows are computed once, every target row (of each leaf, for a
//! partitioned target or an inheritance parent) is joined to the first of
//! them for which the filter (over target row ++ other row ++ the row's
//! table oid) holds, and a matched row is updated (with the assignments
//! evaluated over that joined row; partition rows may move) or deleted
//! once, as in PostgreSQL.

use super::dml::ReturnedVersion;
use super::*;
use crate::binder::JoinedFrom;
use crate::routine::TriggerEvent;

impl<'a> Ctx<'a> {
    /// The tables an UPDATE ... FROM / DELETE ... USING writes, each with
    /// its leaf index: the target, or each leaf of its partition or
    /// inheritance tree that survived plan-time pruning.
    fn joined_write_tables<'p>(
        table: &'p Arc<TableDef>,
        partitions: Option<&'p PartitionTargets>,
    ) -> Vec<(&'p Arc<TableDef>, Option<usize>)> {
        match partitions {
            Some(parts) => parts
                .router
                .leaves
                .iter()
                .enumerate()
                .filter(|(i, _)| parts.reads(*i))
                .map(|(i, l)| (&l.table, Some(i)))
                .collect(),
            None => vec![(table, None)],
        }
    }

    /// Every (leaf, key, row, joined row) an UPDATE ... FROM / DELETE ...
    /// USING acts on, all read before any is written (a row moved to a
    /// later partition must not be seen again).
    async fn joined_targets(
        &mut self,
        table: &Arc<TableDef>,
        partitions: Option<&PartitionTargets>,
        filter: Option<&Expr>,
        from: &JoinedFrom,
    ) -> SqlResult<Vec<(Option<usize>, Vec<u8>, Row, Row)>> {
        let others = self.exec_plan(&from.plan, &[]).await?;
        let mut out = Vec::new();
        for (t, leaf) in Self::joined_write_tables(table, partitions) {
            let map = leaf.and_then(|i| partitions.map(|p| &p.router.leaves[i]));
            let rows = self
                .locked_join_targets(t, map, filter, &others, from.width)
                .await?;
            out.extend(rows.into_iter().map(|(k, old, j)| (leaf, k, old, j)));
        }
        Ok(out)
    }

    pub(super) async fn update_joined(
        &mut self,
        p: &UpdatePlan,
        from: &JoinedFrom,
    ) -> SqlResult<(u64, Vec<Row>)> {
        let targets = self
            .joined_targets(&p.table, p.partitions.as_ref(), p.filter.as_ref(), from)
            .await?;
        let width = p.table.columns.len();
        let mut out = Vec::new();
        let mut n = 0;
        for (leaf, key, old, joined) in targets {
            let mut new = joined[..width].to_vec();
            self.assign(&p.assignments, &joined, &mut new).await?;
            let (written_to, new, version) = match (leaf, &p.partitions) {
                (Some(i), Some(parts)) => {
                    let Some((dest, new)) = self
                        .update_in_tree(parts, &p.table, &p.assignments, i, key, &old, new)
                        .await?
                    else {
                        continue;
                    };
                    let version = super::dml::moved_version(parts, &p.table, i, dest);
                    (&parts.router.leaves[dest].table, new, version)
                }
                _ => {
                    let assigned: Vec<usize> = p.assignments.iter().map(|(c, _)| *c).collect();
                    let Some((_, new)) = self
                        .update_row(&p.table, &key, &old, new, &assigned, &p.checks)
                        .await?
                    else {
                        continue;
                    };
                    (&p.table, new, ReturnedVersion::Written)
                }
            };
            n += 1;
            if p.returning.is_some() {
                let mut returned = new;
                // The other row without the source's oid: RETURNING's
                // `tableoid` is the table written.
                returned.extend_from_slice(&joined[width..joined.len() - 1]);
                self.returning(&p.returning, &returned, written_to, version, &mut out)
                    .await?;
            }
        }
        Ok((n, out))
    }

    pub(super) async fn delete_joined(
        &mut self,
        p: &DeletePlan,
        using: &JoinedFrom,
    ) -> SqlResult<(u64, Vec<Row>)> {
        let targets = self
            .joined_targets(&p.table, p.partitions.as_ref(), p.filter.as_ref(), using)
            .await?;
        let mut out = Vec::new();
        let mut n = 0;
        for (leaf, key, old, joined) in targets {
            let table = match (leaf, &p.partitions) {
                (Some(i), Some(parts)) => &parts.router.leaves[i].table,
                _ => &p.table,
            };
            self.note_write(table);
            if self
                .before_row_triggers(table, TriggerEvent::Delete, Some(&old), None, None)
                .await?
                .is_none()
            {
                continue;
            }
            let returned = &joined[..joined.len() - 1];
            let version = self
                .removed_version(&p.returning, &key, returned.len())
                .await?;
            self.delete_row(table, key, &old, 0).await?;
            self.queue_after_row(table, TriggerEvent::Delete, Some(&old), None, None);
            n += 1;
            self.returning(&p.returning, returned, table, version, &mut out)
                .await?;
        }
        Ok((n, out))
    }

    /// The rows of `table` that join one of `others` under `filter`, each
    /// locked and joined again in its newest version (under READ COMMITTED
    /// the locked row may be newer than the one scanned): (key, row,
    /// row in the target's columns followed by the first other row it joins).
    async fn locked_join_targets(
        &mut self,
        table: &TableDef,
        leaf: Option<&crate::partition::Leaf>,
        filter: Option<&Expr>,
        others: &[Row],
        width: usize,
    ) -> SqlResult<Vec<(Vec<u8>, Row, Row)>> {
        let as_target = |row: &Row| leaf.map_or(row.clone(), |l| l.to_target(row.clone()));
        let oid = Datum::Int8(crate::pg_catalog::table_oid(table));
        let scanned = self.scan_table(table, &Access::Full, None, &[]).await?;
        let mut targets = Vec::new();
        for (key, row) in scanned {
            if self
                .first_join_match(filter, &as_target(&row), others, &oid)
                .await?
                .is_none()
            {
                continue;
            }
            let Some((key, newest)) = self.lock_for_write(table, key, row, None).await? else {
                continue;
            };
            let target_row = as_target(&newest);
            let Some(joined) = self
                .first_join_match(filter, &target_row, others, &oid)
                .await?
            else {
                continue;
            };
            debug_assert_eq!(joined.len(), target_row.len() + width + 1);
            targets.push((key, newest, joined));
        }
        Ok(targets)
    }

    /// `row` followed by the first of `others` the filter accepts with it,
    /// then `tableoid` (the oid of the table `row` is from).
    async fn first_join_match(
        &mut self,
        filter: Option<&Expr>,
        row: &[Datum],
        others: &[Row],
        tableoid: &Datum,
    ) -> SqlResult<Option<Row>> {
        for other in others {
            let mut joined = Vec::with_capacity(row.len() + other.len() + 1);
            joined.extend_from_slice(row);
            joined.extend_from_slice(other);
            joined.push(tableoid.clone());
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
