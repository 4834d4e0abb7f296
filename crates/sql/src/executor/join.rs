//! Joins. Hash join: the inner equi-join the join planner
//! (`planner::joins`) produces. The right input's key values fill a hash
//! table the left input then probes as it streams; key values are compared
//! by their key encoding, which is equal exactly when the values are `=`
//! for the key's type, and a NULL key never matches (as `=` is never true
//! on NULL). In memory, rows come out left-major; once the right input
//! exceeds work_mem both inputs are partitioned to spill files (grace hash
//! join) and joined partition by partition. LATERAL streams its left
//! input; the nested loop (any ON, outer joins) is `nested_loop`.

use std::collections::VecDeque;

use super::hash_table::{KeyedRows, RowTable};
use super::stream::{Batch, Op, BATCH_ROWS};
use super::*;

use crate::plan::HashKey;
use crate::spill::{partition_hash, row_bytes, split_keyed, SpillReader, SpillWriter};

/// Most partitions one grace hash join pass splits its inputs into.
const PARTITIONS_MAX: usize = 64;
/// Partitions of a join whose inputs both outgrew work_mem while read
/// (their sizes are unknown until the end; deeper splits handle larger ones).
const FIRST_PARTITIONS: usize = PARTITIONS_MAX;
/// Partitions are split again at most this deep; deeper, a partition's
/// hash table is built in memory whatever its size (its rows then share
/// few key values, which no split separates).
const SPILL_DEPTH_MAX: u64 = 4;

pub(crate) struct HashJoinOp {
    left: Op,
    right: Op,
    keys: Vec<HashKey>,
    residual: Option<Expr>,
    state: HashJoinState,
    /// The current row's encoded key, reused for every row.
    key: Vec<u8>,
}

enum HashJoinState {
    Build,
    /// The right rows in a hash table, probed by each left batch.
    Probe {
        table: RowTable,
        right: KeyedRows,
    },
    /// The left rows were hashed (the right input was the larger): the
    /// matching (left, right) pairs in left-major order, still to return.
    LeftHashed {
        left: Vec<Row>,
        matched: Vec<Row>,
        pairs: std::vec::IntoIter<(usize, usize)>,
        held: usize,
    },
    /// Partition pairs (left, right, depth) still to join.
    Partitions(VecDeque<(SpillWriter, SpillWriter, u64)>),
    Done,
}

impl HashJoinOp {
    pub(crate) fn new(left: Op, right: Op, keys: Vec<HashKey>, residual: Option<Expr>) -> Self {
        debug_assert!(!keys.is_empty(), "a hash join needs a key");
        HashJoinOp {
            left,
            right,
            keys,
            residual,
            state: HashJoinState::Build,
            key: Vec::new(),
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        if let HashJoinState::Build = self.state {
            self.state = self.build(ctx, outer).await?;
        }
        loop {
            let mut out = Vec::new();
            match &mut self.state {
                HashJoinState::Build | HashJoinState::Done => return Ok(None),
                HashJoinState::Probe { table, right } => {
                    let Some(batch) = self.left.next_batch(ctx, outer).await? else {
                        self.state = HashJoinState::Done;
                        return Ok(None);
                    };
                    for lr in batch {
                        if ctx
                            .hash_key(&self.keys, &lr, outer, |k| &k.left, &mut self.key)
                            .await?
                        {
                            ctx.probe(
                                &self.key,
                                &lr,
                                table,
                                right,
                                self.residual.as_ref(),
                                outer,
                                &mut out,
                            )
                            .await?;
                        }
                    }
                }
                HashJoinState::LeftHashed {
                    left,
                    matched,
                    pairs,
                    held,
                } => {
                    let chunk: Vec<(usize, usize)> = pairs.by_ref().take(BATCH_ROWS).collect();
                    if chunk.is_empty() {
                        ctx.memory.release(std::mem::take(held));
                        self.state = HashJoinState::Done;
                        return Ok(None);
                    }
                    for (li, ri) in chunk {
                        let row = joined(&left[li], &matched[ri]);
                        let keep = match &self.residual {
                            Some(p) => ctx.predicate(p, &row, outer).await?,
                            None => true,
                        };
                        if keep {
                            out.push(row);
                        }
                    }
                }
                HashJoinState::Partitions(work) => {
                    let Some((lp, rp, depth)) = work.pop_front() else {
                        self.state = HashJoinState::Done;
                        return Ok(None);
                    };
                    if lp.rows() == 0 || rp.rows() == 0 {
                        continue;
                    }
                    // Either side can be the hash table: split again only if both are too big.
                    let smaller = rp.bytes().min(lp.bytes());
                    if smaller > ctx.work_mem as u64 && depth < SPILL_DEPTH_MAX {
                        let count = usize::try_from(smaller)
                            .unwrap_or(usize::MAX)
                            .div_ceil(ctx.work_mem)
                            .saturating_mul(2)
                            .clamp(2, PARTITIONS_MAX);
                        let rparts = ctx.repartition(rp.into_reader()?, count, depth)?;
                        let lparts = ctx.repartition(lp.into_reader()?, count, depth)?;
                        work.extend(
                            lparts
                                .into_iter()
                                .zip(rparts)
                                .map(|(l, r)| (l, r, depth + 1)),
                        );
                        continue;
                    }
                    let right_keyed = KeyedRows::read_spilled(rp.into_reader()?)?;
                    let left_keyed = KeyedRows::read_spilled(lp.into_reader()?)?;
                    ctx.join_in_memory(
                        left_keyed,
                        right_keyed,
                        self.residual.as_ref(),
                        outer,
                        &mut out,
                    )
                    .await?;
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }

    /// Reads the right input into a hash table. If it exceeds work_mem
    /// and the left input fits, the left is hashed instead (its matches
    /// kept in left-major order); if both exceed it, both inputs go to
    /// partition files.
    async fn build(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<HashJoinState> {
        let mut right_keyed = KeyedRows::default();
        let right_fits = self
            .read_keyed(ctx, outer, Side::Right, &mut right_keyed)
            .await?;
        if right_fits {
            if right_keyed.is_empty() {
                // Nothing can match: the left input is not read at all.
                return Ok(HashJoinState::Done);
            }
            let table = RowTable::build(&right_keyed);
            return Ok(HashJoinState::Probe {
                table,
                right: right_keyed,
            });
        }
        let mut left_keyed = KeyedRows::default();
        let left_fits = self
            .read_keyed(ctx, outer, Side::Left, &mut left_keyed)
            .await?;
        if left_fits {
            return self.hash_left(ctx, outer, left_keyed, right_keyed).await;
        }
        tracing::debug!(
            partitions = FIRST_PARTITIONS,
            work_mem = ctx.work_mem,
            "hash join spilling to disk"
        );
        let mut right_parts = ctx.spill_files(FIRST_PARTITIONS)?;
        let mut left_parts = ctx.spill_files(FIRST_PARTITIONS)?;
        for (keyed, parts) in [
            (right_keyed, &mut right_parts),
            (left_keyed, &mut left_parts),
        ] {
            for i in 0..keyed.len() {
                push_partition(parts, keyed.key(i), keyed.row(i), 0)?;
            }
        }
        for (side, parts) in [
            (Side::Right, &mut right_parts),
            (Side::Left, &mut left_parts),
        ] {
            while let Some(batch) = self.input(side).next_batch(ctx, outer).await? {
                for row in batch {
                    if ctx
                        .hash_key(&self.keys, &row, outer, side.key(), &mut self.key)
                        .await?
                    {
                        push_partition(parts, &self.key, &row, 0)?;
                    }
                }
            }
        }
        Ok(HashJoinState::Partitions(
            left_parts
                .into_iter()
                .zip(right_parts)
                .map(|(lp, rp)| (lp, rp, 1))
                .collect(),
        ))
    }

    fn input(&mut self, side: Side) -> &mut Op {
        match side {
            Side::Left => &mut self.left,
            Side::Right => &mut self.right,
        }
    }

    /// Reads keyed rows of one input (NULL keys dropped) until it ends
    /// (true) or they exceed work_mem (false; the input is left mid-way).
    async fn read_keyed(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
        side: Side,
        keyed: &mut KeyedRows,
    ) -> SqlResult<bool> {
        let mut bytes = 0;
        while bytes <= ctx.work_mem {
            let Some(batch) = self.input(side).next_batch(ctx, outer).await? else {
                return Ok(true);
            };
            for row in batch {
                if ctx
                    .hash_key(&self.keys, &row, outer, side.key(), &mut self.key)
                    .await?
                {
                    bytes += row_bytes(&row) + self.key.len();
                    keyed.push(&self.key, row);
                }
            }
        }
        Ok(false)
    }

    /// The left input (all in `left`) is the hash table; the right rows
    /// read so far and the rest of the right input probe it. The matches
    /// are held (charged to the memory guard) and returned left-major.
    async fn hash_left(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
        left: KeyedRows,
        right_read: KeyedRows,
    ) -> SqlResult<HashJoinState> {
        let table = RowTable::build(&left);
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut matched: Vec<Row> = Vec::new();
        let mut held = 0;
        let what = "a hash join's matches kept in order";
        let mut keep = |ctx: &mut Ctx<'_>, k: &[u8], rr: Row| -> SqlResult<()> {
            let first = pairs.len();
            pairs.extend(table.matches(&left, k).map(|li| (li, matched.len())));
            if pairs.len() > first {
                let bytes = row_bytes(&rr) + (pairs.len() - first) * 16;
                ctx.memory.charge(bytes, what)?;
                held += bytes;
                matched.push(rr);
            }
            Ok(())
        };
        right_read.for_each_owned(|k, rr| keep(ctx, k, rr))?;
        while let Some(batch) = self.right.next_batch(ctx, outer).await? {
            for rr in batch {
                if ctx
                    .hash_key(&self.keys, &rr, outer, |k| &k.right, &mut self.key)
                    .await?
                {
                    keep(ctx, &self.key, rr)?;
                }
            }
        }
        pairs.sort_unstable();
        Ok(HashJoinState::LeftHashed {
            left: left.into_rows(),
            matched,
            pairs: pairs.into_iter(),
            held,
        })
    }
}

/// Which input of a hash join.
#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
}

impl Side {
    fn key(self) -> fn(&HashKey) -> &Expr {
        match self {
            Side::Left => |k| &k.left,
            Side::Right => |k| &k.right,
        }
    }
}

/// The partition (of `count`) a key goes to at split depth `depth`.
fn partition_of(key: &[u8], depth: u64, count: usize) -> usize {
    (partition_hash(key, depth) % count as u64) as usize
}

/// Appends one keyed row to its partition file, encoded from the borrowed
/// row (no record is built).
fn push_partition(
    parts: &mut [SpillWriter],
    key: &[u8],
    row: &[Datum],
    depth: u64,
) -> SqlResult<()> {
    parts[partition_of(key, depth, parts.len())].push_keyed(key, row)
}

/// A left row followed by a right row.
fn joined(left: &[Datum], right: &[Datum]) -> Row {
    let mut row = Vec::with_capacity(left.len() + right.len());
    row.extend_from_slice(left);
    row.extend_from_slice(right);
    row
}

/// LATERAL: the right side runs once per left row (its nearest outer row).
pub(crate) struct LateralOp {
    left: Op,
    right: Plan,
    left_outer: bool,
    on: Option<Expr>,
    right_width: usize,
}

impl LateralOp {
    pub(crate) fn new(
        left: Op,
        right: Plan,
        left_outer: bool,
        on: Option<Expr>,
        right_width: usize,
    ) -> Self {
        LateralOp {
            left,
            right,
            left_outer,
            on,
            right_width,
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        loop {
            let Some(batch) = self.left.next_batch(ctx, outer).await? else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for lr in batch {
                let mut stack = Vec::with_capacity(outer.len() + 1);
                stack.push(lr.clone());
                stack.extend(outer.iter().cloned());
                let r = ctx.exec_plan(&self.right, &stack).await?;
                let mut matched = false;
                for rr in r {
                    let mut row = lr.clone();
                    row.extend(rr);
                    let keep = match &self.on {
                        Some(p) => ctx.predicate(p, &row, outer).await?,
                        None => true,
                    };
                    if keep {
                        matched = true;
                        out.push(row);
                    }
                }
                if !matched && self.left_outer {
                    let mut row = lr;
                    row.extend(std::iter::repeat_n(Datum::Null, self.right_width));
                    out.push(row);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}

impl<'a> Ctx<'a> {
    /// Joins keyed rows in memory, hashing the smaller side; either way the
    /// pairs come out as probing with each left row in order would give them
    /// (left-major, matches in right order), residual checked in that order.
    async fn join_in_memory(
        &mut self,
        left: KeyedRows,
        right: KeyedRows,
        residual: Option<&Expr>,
        outer: &[Row],
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        if right.len() <= left.len() {
            let table = RowTable::build(&right);
            for li in 0..left.len() {
                self.probe(
                    left.key(li),
                    left.row(li),
                    &table,
                    &right,
                    residual,
                    outer,
                    out,
                )
                .await?;
            }
            return Ok(());
        }
        let table = RowTable::build(&left);
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for ri in 0..right.len() {
            pairs.extend(table.matches(&left, right.key(ri)).map(|li| (li, ri)));
        }
        pairs.sort_unstable();
        for (li, ri) in pairs {
            let row = joined(left.row(li), right.row(ri));
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
        left_row: &[Datum],
        table: &RowTable,
        right: &KeyedRows,
        residual: Option<&Expr>,
        outer: &[Row],
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        for ri in table.matches(right, key) {
            let row = joined(left_row, right.row(ri));
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

    /// `count` new spill files.
    fn spill_files(&self, count: usize) -> SqlResult<Vec<SpillWriter>> {
        (0..count)
            .map(|_| self.engine.spill.create_file())
            .collect()
    }

    /// Splits a partition file into `count` files by the hash of each
    /// record's key (salted by `depth`), copying the records undecoded.
    fn repartition(
        &self,
        mut file: SpillReader,
        count: usize,
        depth: u64,
    ) -> SqlResult<Vec<SpillWriter>> {
        let mut parts = self.spill_files(count)?;
        while let Some(record) = file.next_record()? {
            let (key, _) = split_keyed(record)?;
            parts[partition_of(key, depth, count)].push_record(record)?;
        }
        Ok(parts)
    }

    /// Encodes the key of `row` (one side of each key, chosen by `side`)
    /// into `encoded`; false if any key value is NULL.
    async fn hash_key(
        &mut self,
        keys: &[HashKey],
        row: &[Datum],
        outer: &[Row],
        side: fn(&HashKey) -> &Expr,
        encoded: &mut Vec<u8>,
    ) -> SqlResult<bool> {
        encoded.clear();
        for k in keys {
            let d = self.eval_value(side(k), row, outer).await?;
            if d.is_null() {
                return Ok(false);
            }
            encode_key_into(encoded, &d, k.ty);
        }
        Ok(true)
    }
}
