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
    /// read whole, the join filter applied per joined row): a partitioned
    /// table's, an inheritance parent and its descendants (unless `only`);
    /// None for an ordinary table.
    pub(super) fn joined_write_targets(
        &mut self,
        t: &Arc<TableDef>,
        only: bool,
    ) -> SqlResult<Option<PartitionTargets>> {
        let Some(router) = self.write_router(t, only)? else {
            return Ok(None);
        };
        let n = router.leaves.len();
        Ok(Some(PartitionTargets {
            router,
            access: vec![Access::Full; n],
            filters: vec![None; n],
            pins: vec![],
        }))
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
        Ok(Some(PartitionTargets {
            router,
            access,
            filters,
            pins,
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
    /// `plan` (the FROM clause `from`, bound) without the scans of leaves
    /// that cannot hold rows meeting `predicate`, when FROM is one
    /// partitioned table (plan-time partition pruning).
    pub(super) fn prune_partitions(
        &mut self,
        plan: Plan,
        from: &[ast::TableWithJoins],
        predicate: Option<&Expr>,
    ) -> SqlResult<Plan> {
        let (Some(predicate), [only]) = (predicate, from) else {
            return Ok(plan);
        };
        let ast::TableFactor::Table { name, .. } = &only.relation else {
            return Ok(plan);
        };
        if !only.joins.is_empty() || !matches!(plan, Plan::SetOp { .. }) {
            return Ok(plan);
        }
        let Ok(t) = self.table(name) else {
            return Ok(plan);
        };
        if t.partitioning.key.is_none() {
            return Ok(plan);
        }
        let Plan::SetOp { types, .. } = &plan else {
            return Ok(plan);
        };
        let types = types.clone();
        let mut scans = Vec::new();
        if !appended_leaf_scans(plan.clone(), &mut scans) {
            return Ok(plan);
        }
        // The plan must be exactly this table's leaves (not a CTE's or a
        // view's rows under the same name).
        let all = leaves(self.catalog, &t)?;
        let same_leaves = all.len() == scans.len()
            && all
                .iter()
                .zip(&scans)
                .all(|(leaf, (name, _))| leaf.name == *name);
        if !same_leaves {
            return Ok(plan);
        }
        let catalog = self.catalog;
        let Some(kept) = crate::partition_prune::surviving_leaves(catalog, &t, predicate, self)?
        else {
            return Ok(plan);
        };
        let kept_scans = scans
            .into_iter()
            .filter(|(name, _)| kept.contains(name))
            .map(|(_, scan)| scan);
        Ok(append_scans(kept_scans, types))
    }
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
