//! Binding over partitioned tables: a scan of a partitioned table reads its
//! leaf partitions in bound order (UNION ALL of their scans), and writes to a
//! partitioned table or a partition get a router (where each row goes) and,
//! for UPDATE/DELETE, an access path per leaf.

use super::*;
use crate::partition::{column_map, leaves, RouteBinder, Router};

impl RouteBinder for Binder<'_> {
    fn checks(&mut self, table: &TableDef) -> SqlResult<Vec<(String, Expr)>> {
        Binder::checks(self, table)
    }

    fn key_expr(&mut self, table: &TableDef, sql: &str) -> SqlResult<Expr> {
        let ast = parse_expr(sql)?;
        self.bind_expr(&ast, &Scope::of_table(table, &table.name))
    }
}

/// The system columns a table scan adds after the table's columns.
#[derive(Clone, Copy)]
struct SystemColumns {
    tableoid: bool,
    /// `xmin` and `xmax`.
    row_versions: bool,
}

impl<'a> Binder<'a> {
    /// A table in FROM: its scan (its leaves' scans if partitioned, its own
    /// and its inheritance descendants' unless `only`) and, when the
    /// statement names them, the system columns `tableoid`, then `xmin` and
    /// `xmax` (`system_columns`) last (hidden from `*`).
    pub(super) fn table_scan(
        &mut self,
        t: Arc<TableDef>,
        mut scope: Scope,
        alias: &str,
        only: bool,
    ) -> SqlResult<(Plan, Scope)> {
        let tableoid = self.sql.to_ascii_lowercase().contains("tableoid");
        if tableoid {
            scope.cols.push(ScopeCol {
                qualifier: Some(alias.to_string()),
                name: "tableoid".into(),
                ty: SqlType::Int8.plain(),
            });
            self.using_hidden
                .push((Some(alias.to_string()), "tableoid".into()));
        }
        let system = SystemColumns {
            tableoid,
            row_versions: system_columns::names_row_version_column(self.sql),
        };
        if system.row_versions {
            let qualifier = Some(alias.to_string());
            scope
                .cols
                .extend(system_columns::row_version_scope(qualifier.clone()));
            for name in system_columns::ROW_VERSION_COLUMNS {
                self.using_hidden.push((qualifier.clone(), name.into()));
            }
        }
        if t.partitioning.key.is_some() {
            let leaves = leaves(self.catalog, &t)?;
            return Ok((self.appended_scan(&t, leaves, system, alias)?, scope));
        }
        if !only && crate::inheritance::has_children(self.catalog, &t) {
            let tables = crate::inheritance::with_descendants(self.catalog, &t);
            return Ok((self.appended_scan(&t, tables, system, alias)?, scope));
        }
        let plan = self.leaf_scan(&t, t.clone(), system, alias)?;
        Ok((plan, scope))
    }

    /// One leaf's rows in `t`'s column order, plus the `system` columns;
    /// the statement calls its rows `alias`.
    fn leaf_scan(
        &self,
        t: &TableDef,
        leaf: Arc<TableDef>,
        system: SystemColumns,
        alias: &str,
    ) -> SqlResult<Plan> {
        let map = column_map(&leaf, t)?;
        let oid = crate::pg_catalog::table_oid(&leaf);
        let leaf_width = leaf.columns.len();
        let alias = (alias != leaf.name).then(|| Arc::from(alias));
        let scan = Plan::Scan {
            table: leaf,
            access: Access::Full,
            filter: None,
            lock: self.lock_scans,
            row_versions: system.row_versions,
            alias,
        };
        // An attached partition may order its columns differently.
        if map.is_none() && !system.tableoid {
            return Ok(scan);
        }
        let mut exprs: Vec<Expr> = match map {
            Some(map) => map
                .iter()
                .zip(&t.columns)
                .map(|(&i, c)| Expr::Column(i, c.ty))
                .collect(),
            None => t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| Expr::Column(i, c.ty))
                .collect(),
        };
        if system.tableoid {
            exprs.push(Expr::Const(Datum::Int8(oid), SqlType::Int8.plain()));
        }
        if system.row_versions {
            // The scan put them after the leaf's own columns.
            for i in 0..system_columns::ROW_VERSION_COLUMNS.len() {
                exprs.push(Expr::Column(leaf_width + i, SqlType::Oid.plain()));
            }
        }
        Ok(Plan::Project {
            input: Box::new(scan),
            exprs,
        })
    }

    /// The rows of `t` held in `tables` (a partitioned table's leaves, an
    /// inheritance parent and its descendants): their scans, concatenated,
    /// each in `t`'s columns.
    fn appended_scan(
        &self,
        t: &Arc<TableDef>,
        tables: Vec<Arc<TableDef>>,
        system: SystemColumns,
        alias: &str,
    ) -> SqlResult<Plan> {
        let mut types: Vec<SqlType> = t.columns.iter().map(|c| c.ty.ty).collect();
        if system.tableoid {
            types.push(SqlType::Int8);
        }
        if system.row_versions {
            types.extend(system_columns::ROW_VERSION_COLUMNS.map(|_| SqlType::Oid));
        }
        let mut scans = Vec::with_capacity(tables.len());
        for leaf in tables {
            scans.push(self.leaf_scan(t, leaf, system, alias)?);
        }
        Ok(append_scans(scans, types))
    }

    /// Routing for writes to `t`; None for an ordinary table.
    pub fn router(&mut self, t: &Arc<TableDef>) -> SqlResult<Option<Arc<Router>>> {
        let catalog = self.catalog;
        Ok(Router::build(catalog, t, self)?.map(Arc::new))
    }

    /// The router over the tables an UPDATE/DELETE of `t` writes: a
    /// partitioned table's leaves, an inheritance parent and its descendants
    /// (unless `only`); None for an ordinary table.
    fn write_router(&mut self, t: &Arc<TableDef>, only: bool) -> SqlResult<Option<Arc<Router>>> {
        Ok(match self.router(t)? {
            Some(r) => Some(r),
            None if !only && crate::inheritance::has_children(self.catalog, t) => {
                let tables = crate::inheritance::with_descendants(self.catalog, t);
                Some(Arc::new(Router::inheritance(t, tables, self)?))
            }
            None => None,
        })
    }

    /// The leaves UPDATE ... FROM / DELETE ... USING of `t` writes (each
    /// read whole, the join `filter` applied per joined row, leaves it
    /// rules out pruned): a partitioned table's, an inheritance parent and
    /// its descendants (unless `only`); None for an ordinary table.
    pub(super) fn joined_write_targets(
        &mut self,
        t: &Arc<TableDef>,
        filter: Option<&Expr>,
        only: bool,
    ) -> SqlResult<Option<PartitionTargets>> {
        let Some(router) = self.write_router(t, only)? else {
            return Ok(None);
        };
        let n = router.leaves.len();
        // The filter is over the target's columns followed by the others':
        // its conjuncts on the target's key still decide which leaves count.
        let scanned = self.scanned_leaves(t, &router, filter)?;
        Ok(Some(PartitionTargets {
            router,
            access: vec![Access::Full; n],
            filters: vec![None; n],
            pins: vec![],
            scanned,
        }))
    }

    /// Per leaf of `router` (the UPDATE/DELETE tree of `t`), may it hold a
    /// row meeting `filter` (plan-time partition pruning, as for a SELECT)?
    pub(super) fn scanned_leaves(
        &mut self,
        t: &Arc<TableDef>,
        router: &Router,
        filter: Option<&Expr>,
    ) -> SqlResult<Vec<bool>> {
        let every = vec![true; router.leaves.len()];
        let Some(filter) = filter else {
            return Ok(every);
        };
        if router.keeps_rows_in_place() || t.partitioning.key.is_none() {
            return Ok(every);
        }
        let catalog = self.catalog;
        let Some(kept) = crate::partition_prune::surviving_leaves(catalog, t, filter, self)? else {
            return Ok(every);
        };
        Ok(router
            .leaves
            .iter()
            .map(|leaf| kept.contains(&leaf.table.name))
            .collect())
    }

    /// UPDATE/DELETE targets of `t` under `filter`: a partitioned table's
    /// leaves, an inheritance parent with its descendants (unless `only`);
    /// None for an ordinary table.
    pub(super) fn partition_targets(
        &mut self,
        t: &Arc<TableDef>,
        filter: Option<&Expr>,
        only: bool,
    ) -> SqlResult<Option<PartitionTargets>> {
        let Some(router) = self.write_router(t, only)? else {
            return Ok(None);
        };
        let mut access = Vec::new();
        let mut filters = Vec::new();
        for leaf in &router.leaves {
            let leaf_filter = filter.map(|f| {
                let mut f = super::dml::pin_tableoid(f.clone(), t.columns.len(), &leaf.table);
                if let Some(m) = &leaf.from_leaf {
                    f.map_columns(&|j| m[j]);
                }
                f
            });
            access.push(match &leaf_filter {
                Some(f) => choose_access(&leaf.table, f),
                None => Access::Full,
            });
            filters.push(leaf_filter);
        }
        let pins = filter.map(|f| key_pins(&router, t, f)).unwrap_or_default();
        let scanned = self.scanned_leaves(t, &router, filter)?;
        Ok(Some(PartitionTargets {
            router,
            access,
            filters,
            pins,
            scanned,
        }))
    }
}

/// `key column = value` conjuncts of `filter` (values independent of the
/// row, of the column's own type) pinning every partition key column of
/// `router`'s tree; empty unless all are pinned.
fn key_pins(router: &Router, t: &TableDef, filter: &Expr) -> Vec<(usize, Expr)> {
    let Some(columns) = router.key_columns() else {
        return vec![];
    };
    let mut conjuncts = vec![filter];
    let mut pins: Vec<(usize, Expr)> = Vec::new();
    while let Some(e) = conjuncts.pop() {
        let Expr::Binary {
            op, left, right, ..
        } = e
        else {
            continue;
        };
        match op {
            BinOp::And => {
                conjuncts.push(left);
                conjuncts.push(right);
            }
            BinOp::Eq => {
                let pin = match (left.as_ref(), right.as_ref()) {
                    (Expr::Column(c, _), v) | (v, Expr::Column(c, _))
                        // (Past the columns: the hidden `tableoid`.)
                        if v.is_row_independent()
                            && t.columns.get(*c).is_some_and(|col| v.ty().ty == col.ty.ty) =>
                    {
                        Some((*c, v.clone()))
                    }
                    _ => None,
                };
                if let Some((c, v)) = pin {
                    if columns.contains(&c) && !pins.iter().any(|(p, _)| *p == c) {
                        pins.push((c, v));
                    }
                }
            }
            _ => {}
        }
    }
    if columns.iter().all(|c| pins.iter().any(|(p, _)| p == c)) {
        pins
    } else {
        vec![]
    }
}

/// Where an expression of partitioning appears (PostgreSQL words its
/// refusals after it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PartitionExprUse {
    Key,
    Bound,
}

/// PostgreSQL's refusals for a partition key expression or bound value:
/// column references (bounds), subqueries, aggregates, window and
/// set-returning functions, with the position of the offending part.
pub fn check_partition_expr(e: &ast::Expr, usage: PartitionExprUse, sql: &str) -> SqlResult<()> {
    let (what, suffix) = match usage {
        PartitionExprUse::Key => ("partition key expression", "in partition key expressions"),
        PartitionExprUse::Bound => ("partition bound", "in partition bound"),
    };
    let Some((code, message, at)) = offending_part(e, usage, what, suffix) else {
        return Ok(());
    };
    // PostgreSQL points into bounds, not into key expressions; at a
    // subquery, at the parenthesis that opens it.
    let position = match (usage, at) {
        (PartitionExprUse::Bound, ast::Expr::Subquery(q)) => {
            span_position(sql, q.span()).map(|p| opening_paren(sql, p))
        }
        (PartitionExprUse::Bound, _) => span_position(sql, at.span()),
        (PartitionExprUse::Key, _) => None,
    };
    Err(SqlError::new(code, message).at(position))
}

/// The 1-based position of the `(` before 1-based position `p` (past
/// blanks), or `p` itself when there is none.
fn opening_paren(sql: &str, p: u32) -> u32 {
    let before: Vec<char> = sql.chars().take(p.saturating_sub(1) as usize).collect();
    let mut i = before.len();
    while i > 0 && before[i - 1].is_whitespace() {
        i -= 1;
    }
    if i > 0 && before[i - 1] == '(' {
        i as u32
    } else {
        p
    }
}

fn offending_part<'e>(
    e: &'e ast::Expr,
    usage: PartitionExprUse,
    what: &str,
    suffix: &str,
) -> Option<(&'static str, String, &'e ast::Expr)> {
    use ast::Expr as E;
    match e {
        E::Identifier(_) | E::CompoundIdentifier(_) if usage == PartitionExprUse::Bound => {
            return Some((
                "42P17",
                "cannot use column reference in partition bound expression".into(),
                e,
            ))
        }
        E::Subquery(_) | E::Exists { .. } => {
            return Some(("0A000", format!("cannot use subquery in {what}"), e))
        }
        _ => {}
    }
    let children: Vec<&ast::Expr> = match e {
        E::BinaryOp { left, right, .. } => vec![left, right],
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::Cast { expr, .. }
        | E::Collate { expr, .. }
        | E::IsNull(expr)
        | E::IsNotNull(expr) => vec![expr],
        E::Like { expr, pattern, .. } | E::ILike { expr, pattern, .. } => vec![expr, pattern],
        E::Function(f) => match &f.args {
            ast::FunctionArguments::List(list) => list
                .args
                .iter()
                .filter_map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x))
                    | ast::FunctionArg::Named {
                        arg: ast::FunctionArgExpr::Expr(x),
                        ..
                    } => Some(x),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        },
        _ => vec![],
    };
    for c in children {
        if let Some(hit) = offending_part(c, usage, what, suffix) {
            return Some(hit);
        }
    }
    if let E::Function(f) = e {
        let name = f.name.to_string().to_lowercase();
        if f.over.is_some() {
            return Some((
                "42P20",
                format!("window functions are not allowed {suffix}"),
                e,
            ));
        }
        if is_aggregate_call(e) {
            return Some((
                "42803",
                format!("aggregate functions are not allowed {suffix}"),
                e,
            ));
        }
        if matches!(
            name.as_str(),
            "generate_series" | "unnest" | "generate_subscripts" | "regexp_matches"
        ) {
            return Some((
                "0A000",
                format!("set-returning functions are not allowed {suffix}"),
                e,
            ));
        }
    }
    None
}

impl Binder<'_> {
    /// `plan` (a FROM clause, bound) without the scans of partitions that
    /// cannot hold rows meeting `predicate` (its WHERE, over the FROM row):
    /// plan-time partition pruning of each partitioned table the FROM
    /// reads, by the conjuncts about its own columns (see `prune_from`).
    pub(super) fn prune_partitions(
        &mut self,
        plan: Plan,
        predicate: Option<&Expr>,
    ) -> SqlResult<Plan> {
        let conjuncts = predicate
            .map(|p| p.conjuncts().into_iter().cloned().collect())
            .unwrap_or_default();
        self.prune_from(plan, conjuncts, 0)
    }

    /// `plan` pruned by `conjuncts` (over its rows), which every row it
    /// contributes to the statement must meet. Through a join, a side
    /// receives the conjuncts about its columns that filter its own rows:
    /// WHERE ones unless the side is null-extended (a NULL row might pass
    /// them, `IS NULL`), ON ones when it is an inner join or the side is
    /// the outer join's nullable one (its rows failing ON never appear).
    /// Row-security and other filters over a scan add theirs.
    pub(super) fn prune_from(
        &mut self,
        plan: Plan,
        conjuncts: Vec<Expr>,
        depth: usize,
    ) -> SqlResult<Plan> {
        if depth > MAX_PRUNE_DEPTH {
            return Ok(plan);
        }
        match plan {
            Plan::Join {
                left,
                right,
                kind,
                on,
                left_width,
                right_width,
            } => {
                let on_conjuncts = on.as_ref().map(Expr::conjuncts).unwrap_or_default();
                // (WHERE, ON) usable for the left side, then the right.
                let (left_uses, right_uses) = match kind {
                    JoinKind::Inner => ((true, true), (true, true)),
                    JoinKind::Left => ((true, false), (false, true)),
                    JoinKind::Right => ((false, true), (true, false)),
                    JoinKind::Full => ((false, false), (false, false)),
                };
                let side = |(uses_where, uses_on): (bool, bool), lo: usize, width: usize| {
                    let mut out = Vec::new();
                    if uses_where {
                        out.extend(conjuncts.iter().filter_map(|c| local(c, lo, width)));
                    }
                    if uses_on {
                        out.extend(on_conjuncts.iter().filter_map(|c| local(c, lo, width)));
                    }
                    out
                };
                let left_conjuncts = side(left_uses, 0, left_width);
                let right_conjuncts = side(right_uses, left_width, right_width);
                let left = self.prune_from(*left, left_conjuncts, depth + 1)?;
                let right = self.prune_from(*right, right_conjuncts, depth + 1)?;
                Ok(Plan::Join {
                    left: Box::new(left),
                    right: Box::new(right),
                    kind,
                    on,
                    left_width,
                    right_width,
                })
            }
            Plan::Filter { input, predicate } => {
                let mut all = conjuncts;
                all.extend(predicate.conjuncts().into_iter().cloned());
                let input = self.prune_from(*input, all, depth + 1)?;
                Ok(Plan::Filter {
                    input: Box::new(input),
                    predicate,
                })
            }
            plan @ Plan::SetOp { .. } => self.prune_appended(plan, conjuncts),
            other => Ok(other),
        }
    }

    /// An appended scan of a partitioned table's leaves without those that
    /// cannot hold rows meeting `conjuncts`; any other plan unchanged.
    pub(super) fn prune_appended(&mut self, plan: Plan, conjuncts: Vec<Expr>) -> SqlResult<Plan> {
        let Some(predicate) = Expr::conjunction(conjuncts) else {
            return Ok(plan);
        };
        let Plan::SetOp { types, .. } = &plan else {
            return Ok(plan);
        };
        let types = types.clone();
        let mut scans = Vec::new();
        if !appended_leaf_scans(plan.clone(), &mut scans) {
            return Ok(plan);
        }
        let Some(root) = self.scanned_root(&scans)? else {
            return Ok(plan);
        };
        let catalog = self.catalog;
        let Some(kept) =
            crate::partition_prune::surviving_leaves(catalog, &root, &predicate, self)?
        else {
            return Ok(plan);
        };
        let kept_scans = scans
            .into_iter()
            .filter(|(name, _)| kept.contains(name))
            .map(|(_, scan)| scan);
        Ok(append_scans(kept_scans, types))
    }

    /// The partitioned table whose rows, in its column order, the appended
    /// `scans` are: exactly its leaves in bound order, each scan in that
    /// table's columns. None if they are not some table's (an inheritance
    /// tree, a UNION ALL written by hand) or several tables of different
    /// column orders have these leaves.
    fn scanned_root(&self, scans: &[(String, Plan)]) -> SqlResult<Option<Arc<TableDef>>> {
        let Some((_, first)) = scans.first() else {
            return Ok(None);
        };
        let Some(mut current) = scanned_table(first).cloned() else {
            return Ok(None);
        };
        let mut candidates: Vec<Arc<TableDef>> = Vec::new();
        for _ in 0..MAX_PRUNE_DEPTH {
            let Some(of) = current.partitioning.of.clone() else {
                break;
            };
            let Ok(parent) = self.catalog.table(&of.parent) else {
                return Ok(None);
            };
            let parent_leaves = leaves(self.catalog, &parent)?;
            let same = parent_leaves.len() == scans.len()
                && parent_leaves
                    .iter()
                    .zip(scans)
                    .all(|(leaf, (name, _))| leaf.name == *name);
            if same {
                candidates.push(parent.clone());
            }
            current = parent;
        }
        let Some(root) = candidates.first().cloned() else {
            return Ok(None);
        };
        // A one-partition chain: each of its tables has these leaves.
        for other in &candidates[1..] {
            if column_map(other, &root)?.is_some() {
                return Ok(None);
            }
        }
        for (_, scan) in scans {
            if !in_columns_of(scan, &root)? {
                return Ok(None);
            }
        }
        Ok(Some(root))
    }
}

/// Joins nested deeper than this are not pruned (recursion bound).
const MAX_PRUNE_DEPTH: usize = 64;

/// Conjunct `c` (over a row) over the `width` columns from `lo` on, when
/// it reads only those and runs no subquery.
fn local(c: &Expr, lo: usize, width: usize) -> Option<Expr> {
    fn within(e: &Expr, lo: usize, hi: usize) -> bool {
        if let Expr::Column(i, _) = e {
            return (lo..hi).contains(i);
        }
        let mut ok = true;
        e.for_each_child(&mut |child| ok = ok && within(child, lo, hi));
        ok
    }
    if c.has_subquery() || !within(c, lo, lo + width) {
        return None;
    }
    let mut c = c.clone();
    c.map_columns(&|j| j - lo);
    Some(c)
}

/// The table a leaf scan (a scan, or a projection of one) reads.
fn scanned_table(plan: &Plan) -> Option<&Arc<TableDef>> {
    match plan {
        Plan::Scan { table, .. } => Some(table),
        Plan::Project { input, .. } => match input.as_ref() {
            Plan::Scan { table, .. } => Some(table),
            _ => None,
        },
        _ => None,
    }
}

/// Does leaf scan `scan` give its rows in `root`'s column order (as
/// `leaf_scan` builds it)?
fn in_columns_of(scan: &Plan, root: &TableDef) -> SqlResult<bool> {
    let Some(leaf) = scanned_table(scan) else {
        return Ok(false);
    };
    let map = column_map(leaf, root)?;
    Ok(match scan {
        Plan::Scan { .. } => map.is_none(),
        Plan::Project { exprs, .. } => {
            exprs.len() >= root.columns.len()
                && exprs
                    .iter()
                    .take(root.columns.len())
                    .enumerate()
                    .all(|(j, e)| {
                        let from = map.as_ref().map_or(j, |m| m[j]);
                        matches!(e, Expr::Column(i, _) if *i == from)
                    })
        }
        _ => false,
    })
}

/// Leaf scans appended in order (UNION ALL); no rows when there are none.
fn append_scans(scans: impl IntoIterator<Item = Plan>, types: Vec<SqlType>) -> Plan {
    let mut plan: Option<Plan> = None;
    for scan in scans {
        plan = Some(match plan {
            None => scan,
            Some(left) => Plan::SetOp {
                op: SetOpKind::Union,
                all: true,
                left: Box::new(left),
                right: Box::new(scan),
                types: types.clone(),
            },
        });
    }
    plan.unwrap_or(Plan::Values {
        rows: vec![],
        width: types.len(),
    })
}

/// The leaf scans (each a scan, or a projection of one) of an appended
/// scan, in order, with their tables' names; false if `plan` is not one.
fn appended_leaf_scans(plan: Plan, out: &mut Vec<(String, Plan)>) -> bool {
    match plan {
        Plan::SetOp {
            op: SetOpKind::Union,
            all: true,
            left,
            right,
            ..
        } => appended_leaf_scans(*left, out) && appended_leaf_scans(*right, out),
        Plan::Scan { ref table, .. } => {
            out.push((table.name.clone(), plan.clone()));
            true
        }
        Plan::Project { ref input, .. } => match input.as_ref() {
            Plan::Scan { table, .. } => {
                out.push((table.name.clone(), plan.clone()));
                true
            }
            _ => false,
        },
        _ => false,
    }
}
