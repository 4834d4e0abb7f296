//! INTERSECT and EXCEPT [ALL]: the right input's rows are counted by value
//! in a hash table (charged to the statement's memory guard), then the left
//! input streams through it. UNION ALL is `stream::Op::Concat`; UNION is
//! DISTINCT over it (the spilling hash aggregate).

use super::stream::{Batch, Op};
use super::*;

pub(crate) struct CountedSetOp {
    left: Op,
    right: Op,
    op: SetOpKind,
    all: bool,
    /// Right rows by value, once counted.
    counts: Option<HashMap<Vec<u8>, usize>>,
    /// Left values already returned (without ALL).
    seen: HashSet<Vec<u8>>,
    held: usize,
}

impl CountedSetOp {
    pub(crate) fn new(left: Op, right: Op, op: SetOpKind, all: bool) -> CountedSetOp {
        debug_assert!(op != SetOpKind::Union, "UNION streams through Concat");
        CountedSetOp {
            left,
            right,
            op,
            all,
            counts: None,
            seen: HashSet::new(),
            held: 0,
        }
    }

    fn charge(&mut self, ctx: &mut Ctx<'_>, key: &[u8]) -> SqlResult<()> {
        let bytes = key.len() + 48;
        ctx.memory
            .charge(bytes, "INTERSECT or EXCEPT's hash of its right input")?;
        self.held += bytes;
        Ok(())
    }

    pub(crate) async fn next_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        outer: &[Row],
    ) -> SqlResult<Option<Batch>> {
        if self.counts.is_none() {
            let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
            while let Some(batch) = self.right.next_batch(ctx, outer).await? {
                for r in batch {
                    let k = row_key(&r);
                    if !counts.contains_key(&k) {
                        self.charge(ctx, &k)?;
                    }
                    *counts.entry(k).or_insert(0) += 1;
                }
            }
            self.counts = Some(counts);
        }
        loop {
            let Some(batch) = self.left.next_batch(ctx, outer).await? else {
                ctx.memory.release(std::mem::take(&mut self.held));
                self.counts = Some(HashMap::new());
                self.seen = HashSet::new();
                return Ok(None);
            };
            let mut out = Vec::new();
            for x in batch {
                let k = row_key(&x);
                let counts = self.counts.get_or_insert_with(HashMap::new);
                let c = counts.get(&k).copied().unwrap_or(0);
                if self.all {
                    match self.op {
                        SetOpKind::Intersect if c > 0 => {
                            counts.insert(k, c - 1);
                            out.push(x);
                        }
                        SetOpKind::Except if c > 0 => {
                            counts.insert(k, c - 1);
                        }
                        SetOpKind::Except => out.push(x),
                        _ => {}
                    }
                    continue;
                }
                let keep = if self.op == SetOpKind::Intersect {
                    c > 0
                } else {
                    c == 0
                };
                if keep && !self.seen.contains(&k) {
                    self.charge(ctx, &k)?;
                    self.seen.insert(k);
                    out.push(x);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}
