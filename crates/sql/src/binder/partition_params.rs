//! Execution-time partition pruning (PostgreSQL's for `$n` parameters):
//! a statement bound once with parameters (a prepared statement, a
//! PL/pgSQL query reading variables) cannot drop partitions at plan time
//! when its WHERE compares a partition key with `$n`. Once the values are
//! known, each filter over a partition scan or pushed into its leaf scans
//! (and an UPDATE/DELETE target's filter) is read with its parameters
//! replaced by their values, and the plan-time pruning (`partition.rs`)
//! runs again on a copy of the plan.
//! The substituted filters are kept in the copy: they are the same
//! conditions for this execution.

use super::*;
use crate::session::Bound;

/// `bound` with its partitions pruned again now that the parameters hold
/// `params`; None when nothing it reads compares anything with a
/// parameter over a partitioned table (the plan is used as it is).
pub fn prune_with_params(
    binder: &mut Binder<'_>,
    bound: &Bound,
    params: &[Datum],
) -> SqlResult<Option<Bound>> {
    if params.is_empty() || !may_prune(bound) {
        return Ok(None);
    }
    let mut bound = bound.clone();
    match &mut bound {
        Bound::Query(q) => binder.prune_plan_with_params(&mut q.plan, params, 0)?,
        Bound::Insert(InsertPlan {
            source: InsertSource::Query { plan, .. },
            ..
        }) => binder.prune_plan_with_params(&mut plan.plan, params, 0)?,
        Bound::Update(p) => binder.prune_write_with_params(
            &p.table,
            p.filter.as_ref(),
            &mut p.partitions,
            p.from.as_deref_mut(),
            params,
        )?,
        Bound::Delete(p) => binder.prune_write_with_params(
            &p.table,
            p.filter.as_ref(),
            &mut p.partitions,
            p.using.as_deref_mut(),
            params,
        )?,
        Bound::Insert(_) | Bound::Truncate(_) | Bound::InsteadOf(_) => return Ok(None),
    }
    Ok(Some(bound))
}

/// Could execution-time pruning drop anything from `bound`: a filter
/// reading a parameter over an appended scan, or an UPDATE/DELETE of a
/// partition tree filtered by one? (Cheap: nothing is copied; callers
/// check it before making a binder.)
pub fn may_prune(bound: &Bound) -> bool {
    let targets = |parts: &Option<PartitionTargets>, filter: &Option<Expr>| {
        parts.is_some() && filter.as_ref().is_some_and(reads_param)
    };
    match bound {
        Bound::Query(q) => plan_may_prune(&q.plan, 0),
        Bound::Insert(InsertPlan {
            source: InsertSource::Query { plan, .. },
            ..
        }) => plan_may_prune(&plan.plan, 0),
        Bound::Update(p) => {
            targets(&p.partitions, &p.filter)
                || p.from.as_ref().is_some_and(|f| plan_may_prune(&f.plan, 0))
        }
        Bound::Delete(p) => {
            targets(&p.partitions, &p.filter)
                || p.using.as_ref().is_some_and(|f| plan_may_prune(&f.plan, 0))
        }
        Bound::Insert(_) | Bound::Truncate(_) | Bound::InsteadOf(_) => false,
    }
}

fn plan_may_prune(plan: &Plan, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if let Plan::Filter { input, predicate } = plan {
        if reads_param(predicate) && appends_below(input) {
            return true;
        }
    }
    if shared_leaf_filter(plan).is_some_and(reads_param) {
        return true;
    }
    plan.inputs()
        .into_iter()
        .any(|p| plan_may_prune(p, depth + 1))
}

/// The filter each leaf scan of appended scan `plan` carries (the planner
/// gives every leaf of its table's column layout the WHERE), when they all
/// carry the same one.
fn shared_leaf_filter(plan: &Plan) -> Option<&Expr> {
    // (A lone scan is no partitioned table's: a prepared point read of a
    // plain table must cost nothing here.)
    if !matches!(plan, Plan::SetOp { .. }) {
        return None;
    }
    let mut shared: Option<&Expr> = None;
    for leaf in plan.union_all_inputs() {
        let Plan::Scan {
            filter: Some(f), ..
        } = leaf
        else {
            return None;
        };
        if shared.is_some_and(|s| s != f) {
            return None;
        }
        shared = Some(f);
    }
    shared
}

/// Is there an appended scan under `plan` through filters?
fn appends_below(plan: &Plan) -> bool {
    match plan {
        Plan::SetOp { .. } => true,
        Plan::Filter { input, .. } => appends_below(input),
        _ => false,
    }
}

/// Plans nested deeper than this are not pruned at execution (recursion
/// bound; they are read whole, as planned).
const MAX_DEPTH: usize = 128;

impl Binder<'_> {
    /// Prunes every filtered appended scan in `plan` by its filters with
    /// parameters replaced by `params`.
    fn prune_plan_with_params(
        &mut self,
        plan: &mut Plan,
        params: &[Datum],
        depth: usize,
    ) -> SqlResult<()> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let prunable = matches!(plan, Plan::Filter { predicate, input }
            if reads_param(predicate) && appends_below(input));
        if prunable {
            let taken = std::mem::replace(
                plan,
                Plan::Values {
                    rows: vec![],
                    width: 0,
                },
            );
            *plan = match taken {
                Plan::Filter {
                    input,
                    mut predicate,
                } => {
                    with_values(&mut predicate, params);
                    self.prune_from(Plan::Filter { input, predicate }, vec![], 0)?
                }
                other => other,
            };
            return Ok(());
        }
        if let Some(filter) = shared_leaf_filter(plan).filter(|f| reads_param(f)) {
            let mut known = filter.clone();
            with_values(&mut known, params);
            let conjuncts = known.conjuncts().into_iter().cloned().collect();
            let taken = std::mem::replace(
                plan,
                Plan::Values {
                    rows: vec![],
                    width: 0,
                },
            );
            *plan = self.prune_appended(taken, conjuncts)?;
            return Ok(());
        }
        for input in plan.inputs_mut() {
            self.prune_plan_with_params(input, params, depth + 1)?;
        }
        Ok(())
    }

    /// An UPDATE/DELETE of `table` pruned again with its parameters
    /// replaced by `params`: the target leaves it reads by `filter`, then
    /// its FROM/USING relations (`joined`).
    fn prune_write_with_params(
        &mut self,
        table: &Arc<TableDef>,
        filter: Option<&Expr>,
        partitions: &mut Option<PartitionTargets>,
        joined: Option<&mut JoinedFrom>,
        params: &[Datum],
    ) -> SqlResult<()> {
        let param_filter = filter.filter(|f| reads_param(f));
        if let (Some(filter), Some(parts)) = (param_filter, partitions.as_mut()) {
            let mut known = filter.clone();
            with_values(&mut known, params);
            let scanned = self.scanned_leaves(table, &parts.router, Some(&known))?;
            for (i, read) in scanned.into_iter().enumerate() {
                if let Some(slot) = parts.scanned.get_mut(i) {
                    *slot = *slot && read;
                }
            }
        }
        if let Some(joined) = joined {
            self.prune_plan_with_params(&mut joined.plan, params, 0)?;
        }
        Ok(())
    }
}

/// Does `e` read a parameter (outside subqueries)?
fn reads_param(e: &Expr) -> bool {
    if matches!(e, Expr::Param(..)) {
        return true;
    }
    let mut found = false;
    e.for_each_child(&mut |c| found = found || reads_param(c));
    found
}

/// `e` with each parameter replaced by its value (a missing one is NULL,
/// as the executor reads it).
fn with_values(e: &mut Expr, params: &[Datum]) {
    if let Expr::Param(i, ty) = e {
        let value = params.get(*i).cloned().unwrap_or(Datum::Null);
        *e = Expr::Const(value, *ty);
        return;
    }
    e.for_each_child_mut(&mut |c| with_values(c, params));
}
