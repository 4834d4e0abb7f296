//! Joins. Hash join: the inner equi-join the join planner
//! (`planner::joins`) produces. The right input's key values fill a hash
//! table the left input then probes as it streams; key values are compared
//! by their key encoding, which is equal exactly when the values are `=`
//! for the key's type, and a NULL key never matches (as `=` is never true
//! on NULL). In memory, rows come out left-major; once the right input
//! exceeds work_mem both inputs are partitioned to spill files (grace hash
//! join) and joined partition by partition. The nested loop (any ON) and
//! LATERAL stream their left input; the nested loop's right input is held
//! in memory, charged to the statement's memory guard.

use std::collections::VecDeque;

use super::fast_hash::FastMap;
use super::stream::{collect_charged, Batch, Op, BATCH_ROWS};
use super::*;

use crate::plan::HashKey;
use crate::spill::{partition_hash, row_bytes, SpillWriter};

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
}

enum HashJoinState {
    Build,
    /// The right rows in a hash table, probed by each left batch.
    Probe {
        buckets: RowTable,
        right: Vec<Row>,
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
                HashJoinState::Probe { buckets, right } => {
                    let Some(batch) = self.left.next_batch(ctx, outer).await? else {
                        self.state = HashJoinState::Done;
                        return Ok(None);
                    };
                    for lr in batch {
                        if let Some(k) = ctx.hash_key(&self.keys, &lr, outer, |k| &k.left).await? {
                            ctx.probe(
                                &k,
                                &lr,
                                buckets,
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
                        let mut row = Vec::with_capacity(left[li].len() + matched[ri].len());
                        row.extend(left[li].iter().cloned());
                        row.extend(matched[ri].iter().cloned());
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
                    let right_rows = spilled_keyed(rp.into_reader()?);
                    if smaller > ctx.work_mem as u64 && depth < SPILL_DEPTH_MAX {
                        let count = usize::try_from(smaller)
                            .unwrap_or(usize::MAX)
                            .div_ceil(ctx.work_mem)
                            .saturating_mul(2)
                            .clamp(2, PARTITIONS_MAX);
                        let rparts = ctx.partition(right_rows, count, depth)?;
                        let lparts =
                            ctx.partition(spilled_keyed(lp.into_reader()?), count, depth)?;
                        work.extend(
                            lparts
                                .into_iter()
                                .zip(rparts)
                                .map(|(l, r)| (l, r, depth + 1)),
                        );
                        continue;
                    }
                    let right_keyed = right_rows.collect::<SqlResult<Vec<_>>>()?;
                    let left_keyed =
                        spilled_keyed(lp.into_reader()?).collect::<SqlResult<Vec<_>>>()?;
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
        let mut right_keyed = Vec::new();
        let right_fits = self
            .read_keyed(ctx, outer, Side::Right, &mut right_keyed)
            .await?;
        if right_fits {
            if right_keyed.is_empty() {
                // Nothing can match: the left input is not read at all.
                return Ok(HashJoinState::Done);
            }
            let (buckets, right) = hash_table(right_keyed);
            return Ok(HashJoinState::Probe { buckets, right });
        }
        let mut left_keyed = Vec::new();
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
        let mut right_parts =
            ctx.partition(right_keyed.into_iter().map(Ok), FIRST_PARTITIONS, 0)?;
        let mut left_parts = ctx.partition(left_keyed.into_iter().map(Ok), FIRST_PARTITIONS, 0)?;
        for (side, parts) in [
            (Side::Right, &mut right_parts),
            (Side::Left, &mut left_parts),
        ] {
            while let Some(batch) = self.input(side).next_batch(ctx, outer).await? {
                for row in batch {
                    if let Some(k) = ctx.hash_key(&self.keys, &row, outer, side.key()).await? {
                        push_partition(parts, k, row, 0)?;
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
        keyed: &mut Vec<(Vec<u8>, Row)>,
    ) -> SqlResult<bool> {
        let mut bytes = 0;
        while bytes <= ctx.work_mem {
            let Some(batch) = self.input(side).next_batch(ctx, outer).await? else {
                return Ok(true);
            };
            for row in batch {
                if let Some(k) = ctx.hash_key(&self.keys, &row, outer, side.key()).await? {
                    bytes += row_bytes(&row) + k.len();
                    keyed.push((k, row));
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
        left: Vec<(Vec<u8>, Row)>,
        right_read: Vec<(Vec<u8>, Row)>,
    ) -> SqlResult<HashJoinState> {
        let (buckets, left) = hash_table(left);
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut matched: Vec<Row> = Vec::new();
        let mut held = 0;
        let what = "a hash join's matches kept in order";
        let mut keep = |ctx: &mut Ctx<'_>, k: &[u8], rr: Row| -> SqlResult<()> {
            let first = pairs.len();
            pairs.extend(buckets.matches(k).map(|li| (li, matched.len())));
            if pairs.len() > first {
                let bytes = row_bytes(&rr) + (pairs.len() - first) * 16;
                ctx.memory.charge(bytes, what)?;
                held += bytes;
                matched.push(rr);
            }
            Ok(())
        };
        for (k, rr) in right_read {
            keep(ctx, &k, rr)?;
        }
        while let Some(batch) = self.right.next_batch(ctx, outer).await? {
            for rr in batch {
                if let Some(k) = ctx.hash_key(&self.keys, &rr, outer, |k| &k.right).await? {
                    keep(ctx, &k, rr)?;
                }
            }
        }
        pairs.sort_unstable();
        Ok(HashJoinState::LeftHashed {
            left,
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

/// Appends one keyed row to its partition file (as `Ctx::partition`).
fn push_partition(parts: &mut [SpillWriter], key: Vec<u8>, row: Row, depth: u64) -> SqlResult<()> {
    let p = (partition_hash(&key, depth) % parts.len() as u64) as usize;
    let mut record = Vec::with_capacity(row.len() + 1);
    record.push(Datum::Bytea(key));
    record.extend(row);
    parts[p].push(&record)
}

/// The nested-loop join (any ON, outer joins): the right input is held in
/// memory (hashed on any equality conjuncts), the left streams.
pub(crate) struct NestedLoopOp {
    left: Op,
    right: Op,
    kind: JoinKind,
    on: Option<Expr>,
    left_width: usize,
    right_width: usize,
    inner: Option<NestedInner>,
    done: bool,
}

struct NestedInner {
    rows: Vec<Row>,
    matched: Vec<bool>,
    keys: Vec<(usize, usize, SqlType)>,
    buckets: Option<HashMap<Vec<u8>, Vec<usize>>>,
    held: usize,
}

impl NestedLoopOp {
    pub(crate) fn new(
        left: Op,
        right: Op,
        kind: JoinKind,
        on: Option<Expr>,
        left_width: usize,
        right_width: usize,
    ) -> Self {
        NestedLoopOp {
            left,
            right,
            kind,
            on,
            left_width,
            right_width,
            inner: None,
            done: false,
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        if self.done {
            return Ok(None);
        }
        if self.inner.is_none() {
            let rows =
                collect_charged(&mut self.right, ctx, outer, "a nested loop's inner input").await?;
            let held: usize = rows.iter().map(|r| row_bytes(r)).sum();
            ctx.memory.charge(held, "a nested loop's inner input")?;
            // Equality conjuncts between the sides turn the nested loop
            // into a hash join; the full ON is still checked per pair.
            let keys = self
                .on
                .as_ref()
                .map(|p| equi_keys(p, self.left_width))
                .unwrap_or_default();
            let buckets = (!keys.is_empty()).then(|| {
                let mut m: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
                for (i, rr) in rows.iter().enumerate() {
                    if let Some(k) = join_key(rr, keys.iter().map(|(_, rc, t)| (*rc, *t))) {
                        m.entry(k).or_default().push(i);
                    }
                }
                m
            });
            self.inner = Some(NestedInner {
                matched: vec![false; rows.len()],
                rows,
                keys,
                buckets,
                held,
            });
        }
        let Some(inner) = self.inner.as_mut() else {
            return Ok(None);
        };
        loop {
            let Some(batch) = self.left.next_batch(ctx, outer).await? else {
                self.done = true;
                let mut out = Vec::new();
                if matches!(self.kind, JoinKind::Right | JoinKind::Full) {
                    for (rr, m) in inner.rows.iter().zip(&inner.matched) {
                        if !m {
                            let mut row = vec![Datum::Null; self.left_width];
                            row.extend(rr.iter().cloned());
                            out.push(row);
                        }
                    }
                }
                ctx.memory.release(std::mem::take(&mut inner.held));
                inner.rows = Vec::new();
                return Ok((!out.is_empty()).then_some(out));
            };
            let mut out = Vec::new();
            for lr in batch {
                let mut matched = false;
                let all;
                let candidates: &[usize] = match &inner.buckets {
                    None => {
                        all = (0..inner.rows.len()).collect::<Vec<_>>();
                        &all
                    }
                    Some(m) => match join_key(&lr, inner.keys.iter().map(|(lc, _, t)| (*lc, *t))) {
                        Some(k) => m.get(&k).map(Vec::as_slice).unwrap_or(&[]),
                        None => &[],
                    },
                };
                for &ri in candidates {
                    let mut row = lr.clone();
                    row.extend(inner.rows[ri].iter().cloned());
                    let keep = match &self.on {
                        Some(p) => ctx.predicate(p, &row, outer).await?,
                        None => true,
                    };
                    if keep {
                        matched = true;
                        inner.matched[ri] = true;
                        out.push(row);
                    }
                }
                if !matched && matches!(self.kind, JoinKind::Left | JoinKind::Full) {
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
            pairs.extend(buckets.matches(&k).map(|li| (li, ri)));
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
        buckets: &RowTable,
        right: &[Row],
        residual: Option<&Expr>,
        outer: &[Row],
        out: &mut Vec<Row>,
    ) -> SqlResult<()> {
        for ri in buckets.matches(key) {
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
            let d = self.eval_value(side(k), row, outer).await?;
            if d.is_null() {
                return Ok(None);
            }
            encode_key_into(&mut encoded, &d, k.ty);
        }
        Ok(Some(encoded))
    }
}

/// A hash table over keyed rows, by index into the rows it was built
/// from: each key's first and last row, and each row's next row of the same
/// key. Matches come out in row order with no vector per key (building one
/// per distinct key was a quarter of a 1M-row join).
struct RowTable {
    ends: FastMap<Vec<u8>, (usize, usize)>,
    next: Vec<usize>,
}

/// `RowTable::next` of a key's last row.
const NO_ROW: usize = usize::MAX;

impl RowTable {
    /// The indexes of the rows with key `key`, in row order.
    fn matches<'t>(&'t self, key: &[u8]) -> impl Iterator<Item = usize> + 't {
        let mut at = self.ends.get(key).map_or(NO_ROW, |e| e.0);
        std::iter::from_fn(move || {
            let i = at;
            (i != NO_ROW).then(|| {
                at = self.next[i];
                i
            })
        })
    }
}

/// A hash table over keyed rows, and the rows.
fn hash_table(keyed: Vec<(Vec<u8>, Row)>) -> (RowTable, Vec<Row>) {
    let mut table = RowTable {
        ends: FastMap::with_capacity_and_hasher(keyed.len(), Default::default()),
        next: vec![NO_ROW; keyed.len()],
    };
    let rows = keyed
        .into_iter()
        .enumerate()
        .map(|(i, (k, row))| {
            match table.ends.entry(k) {
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    let (_, last) = e.get_mut();
                    table.next[*last] = i;
                    *last = i;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert((i, i));
                }
            }
            row
        })
        .collect();
    (table, rows)
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
