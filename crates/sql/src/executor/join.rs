//! Hash join: the inner equi-join the join planner (`planner::joins`)
//! produces. The smaller input's key values fill a hash table the other
//! probes; key values are compared by their key encoding, which is equal
//! exactly when the values are `=` for the key's type, and a NULL key never
//! matches (as `=` is never true on NULL). In memory, rows come out
//! left-major whichever side is hashed; over work_mem both inputs are
//! partitioned to spill files (grace hash join) and joined partition by
//! partition.

use std::collections::VecDeque;

use super::*;

use crate::plan::HashKey;
use crate::spill::{partition_hash, row_bytes, SpillWriter};

/// Most partitions one grace hash join pass splits its inputs into.
const PARTITIONS_MAX: usize = 64;
/// Partitions are split again at most this deep; deeper, a partition's
/// hash table is built in memory whatever its size (its rows then share
/// few key values, which no split separates).
const SPILL_DEPTH_MAX: u64 = 4;

impl<'a> Ctx<'a> {
    /// Joins `left` and `right` on `keys`, hashing the smaller side. When
    /// both sides exceed work_mem, it is a grace hash join: both are split
    /// into partition files by the hash of their key, and each pair of
    /// partitions is joined in memory (split again if both of its sides are
    /// still too large). Spilled, rows come out partition by partition.
    pub(super) async fn hash_join(
        &mut self,
        left: &Plan,
        right: &Plan,
        keys: &[HashKey],
        residual: Option<&Expr>,
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        debug_assert!(!keys.is_empty(), "a hash join needs a key");
        let l = self.exec_plan(left, outer).await?;
        let r = self.exec_plan(right, outer).await?;
        if l.is_empty() || r.is_empty() {
            return Ok(Vec::new());
        }
        let mut right_keyed = Vec::with_capacity(r.len());
        let mut bytes = 0;
        for rr in r {
            if let Some(k) = self.hash_key(keys, &rr, outer, |k| &k.right).await? {
                bytes += row_bytes(&rr) + k.len();
                right_keyed.push((k, rr));
            }
        }
        let mut out = Vec::new();
        if bytes <= self.work_mem && right_keyed.len() <= l.len() {
            let (buckets, right_rows) = hash_table(right_keyed);
            for lr in l {
                if let Some(k) = self.hash_key(keys, &lr, outer, |k| &k.left).await? {
                    self.probe(&k, &lr, &buckets, &right_rows, residual, outer, &mut out)
                        .await?;
                }
            }
            return Ok(out);
        }
        let mut left_keyed = Vec::with_capacity(l.len());
        let mut left_bytes = 0;
        for lr in l {
            if let Some(k) = self.hash_key(keys, &lr, outer, |k| &k.left).await? {
                left_bytes += row_bytes(&lr) + k.len();
                left_keyed.push((k, lr));
            }
        }
        if bytes <= self.work_mem || left_bytes <= self.work_mem {
            self.join_in_memory(left_keyed, right_keyed, residual, outer, &mut out)
                .await?;
            return Ok(out);
        }
        let count = bytes
            .min(left_bytes)
            .div_ceil(self.work_mem)
            .saturating_mul(2)
            .clamp(2, PARTITIONS_MAX);
        tracing::debug!(
            right_bytes = bytes,
            left_bytes,
            partitions = count,
            work_mem = self.work_mem,
            "hash join spilling to disk"
        );
        let right_parts = self.partition(right_keyed.into_iter().map(Ok), count, 0)?;
        let left_parts = self.partition(left_keyed.into_iter().map(Ok), count, 0)?;
        let mut work: VecDeque<(SpillWriter, SpillWriter, u64)> = left_parts
            .into_iter()
            .zip(right_parts)
            .map(|(lp, rp)| (lp, rp, 1))
            .collect();
        while let Some((lp, rp, depth)) = work.pop_front() {
            if lp.rows() == 0 || rp.rows() == 0 {
                continue;
            }
            // Either side can be the hash table: split again only if both are too big.
            let smaller = rp.bytes().min(lp.bytes());
            let right_rows = spilled_keyed(rp.into_reader()?);
            if smaller > self.work_mem as u64 && depth < SPILL_DEPTH_MAX {
                let count = usize::try_from(smaller)
                    .unwrap_or(usize::MAX)
                    .div_ceil(self.work_mem)
                    .saturating_mul(2)
                    .clamp(2, PARTITIONS_MAX);
                let rparts = self.partition(right_rows, count, depth)?;
                let lparts = self.partition(spilled_keyed(lp.into_reader()?), count, depth)?;
                work.extend(
                    lparts
                        .into_iter()
                        .zip(rparts)
                        .map(|(l, r)| (l, r, depth + 1)),
                );
                continue;
            }
            let right_keyed = right_rows.collect::<SqlResult<Vec<_>>>()?;
            let left_keyed = spilled_keyed(lp.into_reader()?).collect::<SqlResult<Vec<_>>>()?;
            self.join_in_memory(left_keyed, right_keyed, residual, outer, &mut out)
                .await?;
        }
        Ok(out)
    }

    /// Joins keyed rows in memory, hashing the smaller side; either way the
    /// pairs come out as probing with each left row in order would give them
    /// (left-major, matches in right order), residual checked in that order.
    async fn join_in_memory(
        &mut self,
        left: Vec<(Vec<u8>, Row)>,
        right: Vec<(Vec<u8>, Row)>,
        residual: Option<&Expr>,
        outer: &[Row],
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        if right.len() <= left.len() {
            let (buckets, right) = hash_table(right);
            for (k, lr) in left {
                self.probe(&k, &lr, &buckets, &right, residual, outer, out)
                    .await?;
            }
            return Ok(());
        }
        let (buckets, left) = hash_table(left);
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut right_rows = Vec::with_capacity(right.len());
        for (ri, (k, rr)) in right.into_iter().enumerate() {
            if let Some(matches) = buckets.get(&k) {
                pairs.extend(matches.iter().map(|&li| (li, ri)));
            }
            right_rows.push(rr);
        }
        pairs.sort_unstable();
        for (li, ri) in pairs {
            let mut row = Vec::with_capacity(left[li].len() + right_rows[ri].len());
            row.extend(left[li].iter().cloned());
            row.extend(right_rows[ri].iter().cloned());
            let keep = match residual {
                Some(p) => self.predicate(p, &row, outer).await?,
                None => true,
            };
            if keep {
                out.push(row);
            }
        }
        Ok(())
    }

    /// Appends the joined rows of `left_row` (key `key`) and its matches.
    #[allow(clippy::too_many_arguments)]
    async fn probe(
        &mut self,
        key: &[u8],
        left_row: &Row,
        buckets: &HashMap<Vec<u8>, Vec<usize>>,
        right: &[Row],
        residual: Option<&Expr>,
        outer: &[Row],
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        let Some(matches) = buckets.get(key) else {
            return Ok(());
        };
        for &ri in matches {
            let mut row = Vec::with_capacity(left_row.len() + right[ri].len());
            row.extend(left_row.iter().cloned());
            row.extend(right[ri].iter().cloned());
            let keep = match residual {
                Some(p) => self.predicate(p, &row, outer).await?,
                None => true,
            };
            if keep {
                out.push(row);
            }
        }
        Ok(())
    }

    /// Splits keyed rows into `count` spill files by the hash of the key
    /// (salted by `depth`); each record is the key (as bytea), then the row.
    fn partition(
        &self,
        rows: impl Iterator<Item = SqlResult<(Vec<u8>, Row)>>,
        count: usize,
        depth: u64,
    ) -> SqlResult<Vec<SpillWriter>> {
        let mut parts = (0..count)
            .map(|_| self.engine.spill.create_file())
            .collect::<SqlResult<Vec<_>>>()?;
        let mut record = Vec::new();
        for item in rows {
            let (k, row) = item?;
            let p = (partition_hash(&k, depth) % count as u64) as usize;
            record.clear();
            record.push(Datum::Bytea(k));
            record.extend(row);
            parts[p].push(&record)?;
        }
        Ok(parts)
    }

    /// The encoded key of `row` (one side of each key, chosen by `side`);
    /// None if any key value is NULL.
    async fn hash_key(
        &mut self,
        keys: &[HashKey],
        row: &[Datum],
        outer: &[Row],
        side: fn(&HashKey) -> &Expr,
    ) -> SqlResult<Option<Vec<u8>>> {
        let mut encoded = Vec::new();
        for k in keys {
            let d = self.eval_row(side(k), row, outer).await?;
            if d.is_null() {
                return Ok(None);
            }
            encode_key_into(&mut encoded, &d, k.ty);
        }
        Ok(Some(encoded))
    }
}

/// A hash table over keyed rows: key -> indexes into the returned rows.
#[allow(clippy::type_complexity)]
fn hash_table(keyed: Vec<(Vec<u8>, Row)>) -> (HashMap<Vec<u8>, Vec<usize>>, Vec<Row>) {
    let mut buckets: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    let rows = keyed
        .into_iter()
        .enumerate()
        .map(|(i, (k, row))| {
            buckets.entry(k).or_default().push(i);
            row
        })
        .collect();
    (buckets, rows)
}

/// The keyed rows of a partition file written by `Ctx::partition`.
fn spilled_keyed(
    mut file: crate::spill::SpillReader,
) -> impl Iterator<Item = SqlResult<(Vec<u8>, Row)>> {
    std::iter::from_fn(move || match file.next_row() {
        Ok(None) => None,
        Ok(Some(mut record)) => {
            if record.is_empty() {
                return Some(Err(SqlError::internal(
                    "spilled join record without its key",
                )));
            }
            let row = record.split_off(1);
            match record.pop() {
                Some(Datum::Bytea(k)) => Some(Ok((k, row))),
                _ => Some(Err(SqlError::internal(
                    "spilled join record without its key",
                ))),
            }
        }
        Err(e) => Some(Err(e)),
    })
}
