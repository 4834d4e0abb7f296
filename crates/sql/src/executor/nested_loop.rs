//! The nested-loop join (any ON, and every outer join): the left input
//! streams; the right (inner) input is read once into a `RowStore` within
//! work_mem. An inner side that fits is held in memory, hashed on the ON
//! clause's equality conjuncts if it has any, and each left row is joined
//! with its candidates in inner order (left-major output). One that does
//! not fit:
//! - without equality conjuncts, keeps its first work_mem of rows in memory
//!   and the rest in a spill file that each left row reads again
//!   (PostgreSQL's Materialize under a nested loop) — the output order is
//!   the in-memory one;
//! - with them, both inputs are partitioned by the key's hash into spill
//!   files and joined partition by partition (rows whose key has a NULL in
//!   a partition of their own, where they match nothing), as PostgreSQL's
//!   batched hash join does: left-major within a partition.
//!
//! The full ON is checked on every candidate pair. Output comes in batches
//! of at most BATCH_ROWS, resuming inside a left row's candidates, so a
//! left row matching a million inner rows never builds one huge batch.

use super::row_store::RowStore;
use super::stream::{Batch, Op, BATCH_ROWS};
use super::*;

use crate::spill::{partition_hash, row_bytes, SpillReader, SpillWriter};

/// Partitions of a keyed join whose inner side outgrew work_mem, at most.
const PARTITIONS_MAX: usize = 128;

const WHAT: &str = "a nested loop's inner input";

pub(crate) struct NestedLoopOp {
    left: Op,
    right: Op,
    shape: Shape,
    state: State,
}

/// What the join computes, shared by all its passes.
struct Shape {
    kind: JoinKind,
    on: Option<Expr>,
    left_width: usize,
    right_width: usize,
    /// Equality conjuncts of ON: (left column, inner column, type).
    keys: Vec<(usize, usize, SqlType)>,
}

impl Shape {
    fn left_outer(&self) -> bool {
        matches!(self.kind, JoinKind::Left | JoinKind::Full)
    }

    fn right_outer(&self) -> bool {
        matches!(self.kind, JoinKind::Right | JoinKind::Full)
    }

    fn left_key(&self, row: &[Datum]) -> Option<Vec<u8>> {
        join_key(row, self.keys.iter().map(|(lc, _, t)| (*lc, *t)))
    }

    fn inner_key(&self, row: &[Datum]) -> Option<Vec<u8>> {
        join_key(row, self.keys.iter().map(|(_, rc, t)| (*rc, *t)))
    }
}

enum State {
    Start,
    /// A pass, then the partitions (left, inner) of a keyed join still to join.
    Joining {
        pass: Box<Pass>,
        partitions: std::vec::IntoIter<(SpillWriter, SpillWriter)>,
    },
    Done,
}

/// Left rows from one source joined against one inner side.
struct Pass {
    inner: Inner,
    left: LeftSource,
    /// Rows of the current left batch not yet joined.
    pending: std::vec::IntoIter<Row>,
    current: Option<Probe>,
    /// Inner rows that matched some left row (RIGHT/FULL joins only).
    matched: Vec<bool>,
    phase: Phase,
    /// Bytes charged to the memory guard for this pass's inner rows.
    held: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Probing,
    /// The left is done: inner rows from this position no left row
    /// matched are returned NULL-extended (RIGHT/FULL joins).
    Unmatched(usize),
    Finished,
}

enum LeftSource {
    /// The operator's left input.
    Input,
    /// One partition of it.
    File(SpillReader),
}

/// A left row being joined: where its candidates resume.
struct Probe {
    row: Row,
    key: Option<Vec<u8>>,
    next: usize,
    matched: bool,
}

enum Inner {
    /// Every inner row, hashed when the join has equality conjuncts (rows
    /// with a NULL key are in no bucket).
    Memory {
        rows: Vec<Row>,
        buckets: Option<HashMap<Vec<u8>, Vec<usize>>>,
    },
    /// An inner side larger than work_mem without equality conjuncts.
    Stored(RowStore),
}

impl Inner {
    fn memory(rows: Vec<Row>, shape: &Shape) -> Inner {
        let buckets = (!shape.keys.is_empty()).then(|| {
            let mut m: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
            for (i, r) in rows.iter().enumerate() {
                if let Some(k) = shape.inner_key(r) {
                    m.entry(k).or_default().push(i);
                }
            }
            m
        });
        Inner::Memory { rows, buckets }
    }

    fn len(&self) -> usize {
        match self {
            Inner::Memory { rows, .. } => rows.len(),
            Inner::Stored(s) => s.len(),
        }
    }

    /// The `next`-th candidate of left row `left` (whose key is `key`)
    /// joined to it: (inner row index, left ++ inner), None past the last.
    /// A stored side is read in order.
    fn joined(
        &mut self,
        left: &[Datum],
        key: Option<&[u8]>,
        next: usize,
    ) -> SqlResult<Option<(usize, Row)>> {
        let join = |i: usize, inner: &[Datum]| {
            let mut row = Vec::with_capacity(left.len() + inner.len());
            row.extend_from_slice(left);
            row.extend_from_slice(inner);
            (i, row)
        };
        match self {
            Inner::Memory {
                rows,
                buckets: None,
            } => Ok(rows.get(next).map(|r| join(next, r))),
            Inner::Memory {
                rows,
                buckets: Some(b),
            } => {
                let Some(k) = key else { return Ok(None) };
                let i = b.get(k).and_then(|ix| ix.get(next));
                Ok(i.map(|&i| join(i, &rows[i])))
            }
            Inner::Stored(store) => Ok(stored_row(store, next)?.map(|r| join(next, &r))),
        }
    }

    /// Inner row `i` (in order), None past the last.
    fn row(&mut self, i: usize) -> SqlResult<Option<Row>> {
        match self {
            Inner::Memory { rows, .. } => Ok(rows.get(i).cloned()),
            Inner::Stored(store) => stored_row(store, i),
        }
    }
}

/// Row `i` of a store read in order: the spilled part restarts at its first
/// row when `i` reaches it.
fn stored_row(store: &mut RowStore, i: usize) -> SqlResult<Option<Row>> {
    if let Some(r) = store.memory_rows().get(i) {
        return Ok(Some(r.clone()));
    }
    if i == store.memory_rows().len() {
        store.rewind_spilled()?;
    }
    store.next_spilled()
}

impl Pass {
    fn new(inner: Inner, left: LeftSource, shape: &Shape, held: usize) -> Pass {
        let matched = if shape.right_outer() {
            vec![false; inner.len()]
        } else {
            Vec::new()
        };
        Pass {
            inner,
            left,
            pending: Vec::new().into_iter(),
            current: None,
            matched,
            phase: Phase::Probing,
            held,
        }
    }

    /// A keyed join's partition: its inner rows loaded (and charged to
    /// the memory guard: a partition of one key value can outgrow
    /// work_mem), its left rows read from their file.
    fn partition(
        (left, inner): (SpillWriter, SpillWriter),
        shape: &Shape,
        ctx: &mut Ctx<'_>,
    ) -> SqlResult<Pass> {
        let mut reader = inner.into_reader()?;
        let mut rows = Vec::new();
        let mut held = 0;
        let loaded = (|| {
            while let Some(r) = reader.next_row()? {
                let bytes = row_bytes(&r);
                ctx.memory.charge(bytes, WHAT)?;
                held += bytes;
                rows.push(r);
            }
            Ok(())
        })();
        if let Err(e) = loaded {
            ctx.memory.release(held);
            return Err(e);
        }
        let left = match left.into_reader() {
            Ok(r) => r,
            Err(e) => {
                ctx.memory.release(held);
                return Err(e);
            }
        };
        Ok(Pass::new(
            Inner::memory(rows, shape),
            LeftSource::File(left),
            shape,
            held,
        ))
    }

    /// The next joined rows (at most BATCH_ROWS), None once the pass is done.
    async fn next_batch(
        &mut self,
        input: &mut Op,
        shape: &Shape,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        let mut out = Vec::new();
        while out.len() < BATCH_ROWS {
            match self.phase {
                Phase::Finished => break,
                Phase::Unmatched(i) => {
                    let Some(r) = self.inner.row(i)? else {
                        self.phase = Phase::Finished;
                        break;
                    };
                    self.phase = Phase::Unmatched(i + 1);
                    if !self.matched.get(i).copied().unwrap_or(true) {
                        let mut row = vec![Datum::Null; shape.left_width];
                        row.extend(r);
                        out.push(row);
                    }
                    continue;
                }
                Phase::Probing => {}
            }
            let Some(probe) = self.current.as_mut() else {
                if let Some(row) = self.pending.next() {
                    let key = if shape.keys.is_empty() {
                        None
                    } else {
                        shape.left_key(&row)
                    };
                    self.current = Some(Probe {
                        row,
                        key,
                        next: 0,
                        matched: false,
                    });
                    continue;
                }
                let batch = match &mut self.left {
                    LeftSource::Input => input.next_batch(ctx, outer).await?,
                    LeftSource::File(reader) => {
                        let mut batch = Vec::new();
                        while batch.len() < BATCH_ROWS {
                            match reader.next_row()? {
                                Some(r) => batch.push(r),
                                None => break,
                            }
                        }
                        (!batch.is_empty()).then_some(batch)
                    }
                };
                match batch {
                    Some(b) => self.pending = b.into_iter(),
                    None if shape.right_outer() => self.phase = Phase::Unmatched(0),
                    None => self.phase = Phase::Finished,
                }
                continue;
            };
            match self
                .inner
                .joined(&probe.row, probe.key.as_deref(), probe.next)?
            {
                Some((i, row)) => {
                    probe.next += 1;
                    let keep = match &shape.on {
                        Some(p) => ctx.predicate(p, &row, outer).await?,
                        None => true,
                    };
                    if keep {
                        probe.matched = true;
                        if let Some(m) = self.matched.get_mut(i) {
                            *m = true;
                        }
                        out.push(row);
                    }
                }
                None => {
                    let done = self.current.take();
                    if let Some(p) = done.filter(|p| !p.matched && shape.left_outer()) {
                        let mut row = p.row;
                        row.extend(std::iter::repeat_n(Datum::Null, shape.right_width));
                        out.push(row);
                    }
                }
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }
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
        // Equality conjuncts between the sides make candidates a hash
        // lookup; the full ON is still checked per pair.
        let keys = on
            .as_ref()
            .map(|p| equi_keys(p, left_width))
            .unwrap_or_default();
        NestedLoopOp {
            left,
            right,
            shape: Shape {
                kind,
                on,
                left_width,
                right_width,
                keys,
            },
            state: State::Start,
        }
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        loop {
            match &mut self.state {
                State::Start => self.state = self.read_inner(ctx, outer).await?,
                State::Joining { pass, partitions } => {
                    let out = pass
                        .next_batch(&mut self.left, &self.shape, ctx, outer)
                        .await;
                    if let Ok(Some(out)) = out {
                        return Ok(Some(out));
                    }
                    ctx.memory.release(std::mem::take(&mut pass.held));
                    out?;
                    match partitions.next() {
                        Some(next) => **pass = Pass::partition(next, &self.shape, ctx)?,
                        None => self.state = State::Done,
                    }
                }
                State::Done => return Ok(None),
            }
        }
    }

    /// Reads the inner input into a work_mem store and chooses how to join.
    async fn read_inner(&mut self, ctx: &mut Ctx<'_>, outer: &[Row]) -> SqlResult<State> {
        let store = stream::collect_within_work_mem(&mut self.right, ctx, outer).await?;
        let none = Vec::new().into_iter();
        let inner = if !store.spilled() {
            Inner::memory(store.into_memory_rows(), &self.shape)
        } else if self.shape.keys.is_empty() {
            tracing::debug!(
                rows = store.len(),
                work_mem = ctx.work_mem,
                "nested loop's inner side spilled to disk"
            );
            Inner::Stored(store)
        } else {
            return self.partition(store, ctx, outer).await;
        };
        let pass = Pass::new(inner, LeftSource::Input, &self.shape, 0);
        Ok(State::Joining {
            pass: Box::new(pass),
            partitions: none,
        })
    }

    /// A keyed join whose inner side outgrew work_mem: both inputs split
    /// into partitions by the key's hash, plus one for rows with a NULL in
    /// their key (kept only by the outer side of an outer join).
    async fn partition(
        &mut self,
        mut store: RowStore,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<State> {
        let count = store
            .total_bytes()
            .div_ceil(ctx.work_mem.max(1))
            .saturating_mul(2)
            .clamp(2, PARTITIONS_MAX);
        let null_part = count;
        let part_of = |key: Option<Vec<u8>>| match key {
            Some(k) => (partition_hash(&k, 0) % count as u64) as usize,
            None => null_part,
        };
        let spill = &ctx.engine.spill;
        let mut inner_parts = Vec::with_capacity(count + 1);
        let mut left_parts = Vec::with_capacity(count + 1);
        for _ in 0..=count {
            inner_parts.push(spill.create_file()?);
            left_parts.push(spill.create_file()?);
        }
        let mut scan = super::row_store::RowStoreScan::new();
        while let Some(batch) = scan.next_batch(&mut store)? {
            for r in batch {
                let p = part_of(self.shape.inner_key(&r));
                if p != null_part || self.shape.right_outer() {
                    inner_parts[p].push(&r)?;
                }
            }
        }
        let inner_rows = store.len();
        drop(store);
        while let Some(batch) = self.left.next_batch(ctx, outer).await? {
            for r in batch {
                let p = part_of(self.shape.left_key(&r));
                if p != null_part || self.shape.left_outer() {
                    left_parts[p].push(&r)?;
                }
            }
        }
        tracing::debug!(
            inner_rows,
            partitions = count,
            work_mem = ctx.work_mem,
            "nested loop partitioned its inputs to disk"
        );
        let mut partitions: Vec<(SpillWriter, SpillWriter)> =
            left_parts.into_iter().zip(inner_parts).collect();
        let first = partitions.remove(0);
        let pass = Pass::partition(first, &self.shape, ctx)?;
        Ok(State::Joining {
            pass: Box::new(pass),
            partitions: partitions.into_iter(),
        })
    }
}
