//! EXPLAIN: a bound statement's plan as PostgreSQL 15 prints it with
//! `COSTS OFF` (one "QUERY PLAN" text column). Borealis plan nodes map to
//! PostgreSQL's names (Seq Scan, Index Scan, Hash Join, Append, ...), a
//! projection is no node of its own (PostgreSQL folds it into the node
//! below), and conditions are deparsed as ruleutils does (`plan_deparse`).
//! Relations are shown by their reference name, made unique as
//! PostgreSQL's set_rtable_names does (`t`, `t_1`, `t_2`, ...).

use std::collections::HashMap;

use crate::binder::{DeletePlan, InsertPlan, InsertSource, PartitionTargets, UpdatePlan};
use crate::catalog::TableDef;
use crate::plan::{Access, BinOp, Expr, JoinKind, Plan, QueryPlan, SetOpKind, SortKey};
use crate::plan_deparse::{agg_sql, expr_sql, quote_ident, ColumnName, Names};
use crate::session::Bound;

/// One plan node: its title line, detail lines and children.
struct Node {
    title: String,
    details: Vec<String>,
    children: Vec<Node>,
    /// Subqueries its expressions run: `SubPlan N` and the plan, after
    /// the children.
    subplans: Vec<(String, Node)>,
}

impl Node {
    fn new(title: impl Into<String>) -> Node {
        Node {
            title: title.into(),
            details: Vec::new(),
            children: Vec::new(),
            subplans: Vec::new(),
        }
    }

    fn with_children(mut self, children: Vec<Node>) -> Node {
        self.children = children;
        self
    }

    /// PostgreSQL's text layout: the root flush left, its details two
    /// spaces in; each child `->  ` six columns further, its details under
    /// its title.
    /// `arrow` is the column of a child's `->` (None for the root); a
    /// subplan's label sits at its node's detail column, its plan two
    /// columns further in.
    fn render(&self, arrow: Option<usize>, out: &mut Vec<String>) {
        let detail_indent = match arrow {
            None => {
                out.push(self.title.clone());
                2
            }
            Some(indent) => {
                out.push(format!("{}->  {}", " ".repeat(indent), self.title));
                indent + 6
            }
        };
        for d in &self.details {
            out.push(format!("{}{d}", " ".repeat(detail_indent)));
        }
        for c in &self.children {
            c.render(Some(detail_indent), out);
        }
        for (label, plan) in &self.subplans {
            out.push(format!("{}{label}", " ".repeat(detail_indent)));
            plan.render(Some(detail_indent + 2), out);
        }
    }
}

/// Reference names in use, made unique with `_N` suffixes.
#[derive(Default)]
struct RefNames {
    counters: HashMap<String, usize>,
}

impl RefNames {
    fn assign(&mut self, name: &str) -> String {
        let Some(&used) = self.counters.get(name) else {
            self.counters.insert(name.to_string(), 0);
            return name.to_string();
        };
        let mut counter = used;
        let unique = loop {
            counter += 1;
            let candidate = format!("{name}_{counter}");
            if !self.counters.contains_key(&candidate) {
                break candidate;
            }
        };
        self.counters.insert(name.to_string(), counter);
        self.counters.insert(unique.clone(), 0);
        unique
    }
}

/// State of one EXPLAIN: reference names and whether upper-level
/// conditions qualify columns (several relations in the statement).
struct Explainer {
    names: RefNames,
    qualify: bool,
    /// The rows of the nodes whose subplans are being explained, the
    /// nearest last (what `Expr::Outer` reads).
    outer: Vec<Vec<ColumnName>>,
}

/// `(a)` for one condition, `((a) AND (b))` for several.
fn and_all(conds: Vec<String>) -> Option<String> {
    match conds.len() {
        0 => None,
        1 => conds.into_iter().next(),
        _ => Some(format!("({})", conds.join(" AND "))),
    }
}

fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        other => out.push(other),
    }
}

/// The column `e` reads, directly or through a cast.
fn column_of(e: &Expr) -> Option<usize> {
    match e {
        Expr::Column(c, _) => Some(*c),
        Expr::Cast { expr, .. } => column_of(expr),
        _ => None,
    }
}

/// Does conjunct `c` compare `column` with `value` (either side)?
fn compares(c: &Expr, column: usize, value: &Expr) -> bool {
    let Expr::Binary {
        op, left, right, ..
    } = c
    else {
        return false;
    };
    op.is_comparison()
        && ((column_of(left) == Some(column) && right.as_ref() == value)
            || (column_of(right) == Some(column) && left.as_ref() == value))
}

fn count_scans(plan: &Plan) -> usize {
    match plan {
        Plan::Scan { .. } | Plan::Series { .. } | Plan::UserFunction { .. } => 1,
        Plan::Values { rows, .. } => usize::from(rows.len() > 1),
        Plan::WorkTable { .. } => 1,
        Plan::Filter { input, .. }
        | Plan::Project { input, .. }
        | Plan::Window { input, .. }
        | Plan::ProjectSet { input, .. }
        | Plan::Aggregate { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Distinct { input }
        | Plan::DistinctOn { input, .. }
        | Plan::Limit { input, .. } => count_scans(input),
        Plan::Join { left, right, .. }
        | Plan::HashJoin { left, right, .. }
        | Plan::LateralJoin { left, right, .. }
        | Plan::SetOp { left, right, .. } => count_scans(left) + count_scans(right),
        Plan::RecursiveUnion {
            base, recursive, ..
        } => count_scans(base) + count_scans(recursive),
    }
}

/// Is `plan` a partition or inheritance child's scan (a scan with the
/// parent's name as alias, possibly under its column-order projection)?
fn child_scan_alias(plan: &Plan) -> Option<&str> {
    match plan {
        Plan::Scan {
            alias: Some(a),
            table,
            ..
        } if table.partitioning.of.is_some() || !table.inheritance.is_empty() => Some(a),
        Plan::Project { input, .. } => child_scan_alias(input),
        _ => None,
    }
}

/// The inputs of a tree of UNION ALLs, left to right.
fn union_all_inputs<'p>(plan: &'p Plan, out: &mut Vec<&'p Plan>) {
    match plan {
        Plan::SetOp {
            op: SetOpKind::Union,
            all: true,
            left,
            right,
            ..
        } => {
            union_all_inputs(left, out);
            union_all_inputs(right, out);
        }
        other => out.push(other),
    }
}

/// The target of an UPDATE or DELETE as EXPLAIN shows it.
struct ModifyTarget<'a> {
    /// "Update" or "Delete".
    verb: &'a str,
    table: &'a TableDef,
    access: &'a Access,
    filter: Option<&'a Expr>,
    partitions: Option<&'a PartitionTargets>,
    /// UPDATE ... FROM / DELETE ... USING: the joined relations' plan.
    joined: Option<&'a Plan>,
    /// The assigned values (their subqueries are explained).
    assigned: &'a [&'a Expr],
}

/// The subqueries of `e` (each once, by id), outermost first.
fn subqueries<'e>(e: &'e Expr, out: &mut Vec<(usize, &'e QueryPlan)>) {
    if let Expr::Subquery { id, plan, .. } = e {
        if !out.iter().any(|(seen, _)| seen == id) {
            out.push((*id, plan));
        }
    }
    e.for_each_child(&mut |c| subqueries(c, out));
}

impl Explainer {
    fn names<'a>(&'a self, columns: &'a [ColumnName]) -> Names<'a> {
        Names {
            columns,
            outer: &self.outer,
            qualify: self.qualify,
        }
    }

    /// Scan conditions never qualify columns (PostgreSQL's show_scan_qual).
    fn scan_names<'a>(&'a self, columns: &'a [ColumnName]) -> Names<'a> {
        Names {
            columns,
            outer: &self.outer,
            qualify: false,
        }
    }

    /// The subqueries `exprs` (over a row named `columns`) run, explained.
    fn subplans(&mut self, exprs: &[&Expr], columns: &[ColumnName]) -> Vec<(String, Node)> {
        let mut found = Vec::new();
        for e in exprs {
            subqueries(e, &mut found);
        }
        let mut out = Vec::new();
        for (id, plan) in found {
            self.outer.push(columns.to_vec());
            let (node, _) = self.plan(&plan.plan);
            self.outer.pop();
            out.push((format!("SubPlan {id}"), node));
        }
        out
    }

    fn table_columns(table: &TableDef, refname: &str, row_versions: bool) -> Vec<ColumnName> {
        let mut cols: Vec<ColumnName> = table
            .columns
            .iter()
            .map(|c| ColumnName::Var {
                relation: refname.to_string(),
                column: c.name.clone(),
            })
            .collect();
        if row_versions {
            for name in ["xmin", "xmax"] {
                cols.push(ColumnName::Var {
                    relation: refname.to_string(),
                    column: name.into(),
                });
            }
        }
        cols
    }

    /// A table scan node: title by access path, `Index Cond` for the key
    /// conditions the path answers and `Filter` for the rest.
    fn scan(
        &mut self,
        table: &TableDef,
        refname: &str,
        access: &Access,
        filter: Option<&Expr>,
        row_versions: bool,
    ) -> (Node, Vec<ColumnName>) {
        let columns = Self::table_columns(table, refname, row_versions);
        let names = self.scan_names(&columns);
        let on = if refname == table.name {
            quote_ident(&table.name)
        } else {
            format!("{} {}", quote_ident(&table.name), quote_ident(refname))
        };
        let mut rest: Vec<&Expr> = Vec::new();
        if let Some(f) = filter {
            conjuncts(f, &mut rest);
        }
        let mut index_conds: Vec<String> = Vec::new();
        // Takes the conjunct `column op value` the path answers out of the filter.
        let mut take = |rest: &mut Vec<&Expr>, column: usize, value: &Expr| {
            if let Some(at) = rest.iter().position(|c| compares(c, column, value)) {
                index_conds.push(expr_sql(rest.remove(at), names));
            }
        };
        let pk_name = table
            .primary_key
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let pk_columns: Vec<usize> = table
            .primary_key
            .as_ref()
            .map(|p| p.columns.clone())
            .unwrap_or_default();
        let title = match access {
            Access::Full => format!("Seq Scan on {on}"),
            Access::Point(keys) => {
                for (col, key) in pk_columns.iter().zip(keys) {
                    take(&mut rest, *col, key);
                }
                format!("Index Scan using {} on {on}", quote_ident(&pk_name))
            }
            Access::Points(keys) => {
                let prefix = pk_columns.len().saturating_sub(1);
                if let Some(first) = keys.first() {
                    for (col, key) in pk_columns.iter().zip(first).take(prefix) {
                        take(&mut rest, *col, key);
                    }
                }
                if let Some(&last) = pk_columns.last() {
                    let list = rest.iter().position(|c| {
                        matches!(c, Expr::InList { expr, negated: false, .. } if column_of(expr) == Some(last))
                    });
                    if let Some(at) = list {
                        index_conds.push(expr_sql(rest.remove(at), names));
                    }
                }
                format!("Index Scan using {} on {on}", quote_ident(&pk_name))
            }
            Access::Range {
                prefix,
                lower,
                upper,
            } => {
                for (col, key) in pk_columns.iter().zip(prefix) {
                    take(&mut rest, *col, key);
                }
                if let Some(&col) = pk_columns.get(prefix.len()) {
                    for (bound, _) in [lower, upper].into_iter().flatten() {
                        take(&mut rest, col, bound);
                    }
                }
                format!("Index Scan using {} on {on}", quote_ident(&pk_name))
            }
            Access::Index { index_id, prefix } => {
                let index = table
                    .unique
                    .iter()
                    .chain(table.indexes.iter())
                    .find(|i| i.id == *index_id);
                if let Some(index) = index {
                    for (col, key) in index.columns.iter().zip(prefix) {
                        take(&mut rest, *col, key);
                    }
                }
                let name = index.map(|i| i.name.as_str()).unwrap_or("?");
                format!("Index Scan using {} on {on}", quote_ident(name))
            }
        };
        let mut node = Node::new(title);
        if let Some(cond) = and_all(index_conds) {
            node.details.push(format!("Index Cond: {cond}"));
        }
        let rest: Vec<String> = rest.into_iter().map(|c| expr_sql(c, names)).collect();
        if let Some(f) = and_all(rest) {
            node.details.push(format!("Filter: {f}"));
        }
        node.subplans = self.subplans(&filter.into_iter().collect::<Vec<_>>(), &columns);
        (node, columns)
    }

    fn sort_key(&self, key: &SortKey, columns: &[ColumnName]) -> String {
        let mut text = expr_sql(&key.expr, self.names(columns));
        if key.desc {
            text.push_str(" DESC");
        }
        match (key.desc, key.nulls_first) {
            (false, true) => text.push_str(" NULLS FIRST"),
            (true, false) => text.push_str(" NULLS LAST"),
            _ => {}
        }
        text
    }

    /// An Append over the inputs of a UNION ALL tree. A partitioned
    /// table's leaves share its reference name, which the Append itself
    /// claims first (so the leaves are `name_1`, `name_2`, ...).
    fn append(&mut self, plan: &Plan) -> (Node, Vec<ColumnName>) {
        let mut inputs = Vec::new();
        union_all_inputs(plan, &mut inputs);
        if let Some(alias) = inputs.first().and_then(|p| child_scan_alias(p)) {
            if inputs.iter().all(|p| child_scan_alias(p) == Some(alias)) {
                self.names.assign(alias);
            }
        }
        let mut children = Vec::new();
        let mut columns = Vec::new();
        for (i, input) in inputs.into_iter().enumerate() {
            let (node, cols) = self.plan(input);
            if i == 0 {
                columns = cols;
            }
            children.push(node);
        }
        (Node::new("Append").with_children(children), columns)
    }

    fn plan(&mut self, plan: &Plan) -> (Node, Vec<ColumnName>) {
        match plan {
            Plan::Values { rows, width } => match rows.len() {
                0 => {
                    let mut node = Node::new("Result");
                    node.details.push("One-Time Filter: false".into());
                    let cols = (0..*width)
                        .map(|i| ColumnName::Computed(format!("column{}", i + 1)))
                        .collect();
                    (node, cols)
                }
                1 => {
                    let cols = rows[0]
                        .iter()
                        .map(|e| ColumnName::Computed(expr_sql(e, self.names(&[]))))
                        .collect();
                    (Node::new("Result"), cols)
                }
                _ => {
                    let refname = self.names.assign("*VALUES*");
                    let cols = (0..*width)
                        .map(|i| ColumnName::Var {
                            relation: refname.clone(),
                            column: format!("column{}", i + 1),
                        })
                        .collect();
                    (Node::new(format!("Values Scan on \"{refname}\"")), cols)
                }
            },
            Plan::Scan {
                table,
                access,
                filter,
                lock,
                row_versions,
                alias,
            } => {
                let refname = self.names.assign(alias.as_deref().unwrap_or(&table.name));
                let (node, cols) =
                    self.scan(table, &refname, access, filter.as_ref(), *row_versions);
                if *lock {
                    (Node::new("LockRows").with_children(vec![node]), cols)
                } else {
                    (node, cols)
                }
            }
            Plan::Filter { input, predicate } => {
                let (mut node, cols) = self.plan(input);
                let text = expr_sql(predicate, self.names(&cols));
                node.details.push(format!("Filter: {text}"));
                let subplans = self.subplans(&[predicate], &cols);
                node.subplans.extend(subplans);
                (node, cols)
            }
            // PostgreSQL computes a projection in the node below it.
            Plan::Project { input, exprs } => {
                let (mut node, input_cols) = self.plan(input);
                let subplans = self.subplans(&exprs.iter().collect::<Vec<_>>(), &input_cols);
                node.subplans.extend(subplans);
                let cols = exprs
                    .iter()
                    .map(|e| match e {
                        Expr::Column(i, _) if *i < input_cols.len() => input_cols[*i].clone(),
                        other => ColumnName::Computed(expr_sql(other, self.names(&input_cols))),
                    })
                    .collect();
                (node, cols)
            }
            Plan::Join {
                left,
                right,
                kind,
                on,
                ..
            } => {
                let (l, mut cols) = self.plan(left);
                let (r, right_cols) = self.plan(right);
                cols.extend(right_cols);
                let title = match kind {
                    JoinKind::Inner => "Nested Loop",
                    JoinKind::Left => "Nested Loop Left Join",
                    JoinKind::Right => "Nested Loop Right Join",
                    JoinKind::Full => "Nested Loop Full Join",
                };
                let mut node = Node::new(title).with_children(vec![l, r]);
                if let Some(on) = on {
                    let text = expr_sql(on, self.names(&cols));
                    node.details.push(format!("Join Filter: {text}"));
                }
                (node, cols)
            }
            Plan::HashJoin {
                left,
                right,
                keys,
                residual,
                ..
            } => {
                let (l, left_cols) = self.plan(left);
                let (r, right_cols) = self.plan(right);
                let conds: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        format!(
                            "({} = {})",
                            expr_sql(&k.left, self.names(&left_cols)),
                            expr_sql(&k.right, self.names(&right_cols))
                        )
                    })
                    .collect();
                let mut cols = left_cols;
                cols.extend(right_cols);
                let hash = Node::new("Hash").with_children(vec![r]);
                let mut node = Node::new("Hash Join").with_children(vec![l, hash]);
                if let Some(cond) = and_all(conds) {
                    node.details.push(format!("Hash Cond: {cond}"));
                }
                if let Some(residual) = residual {
                    let text = expr_sql(residual, self.names(&cols));
                    node.details.push(format!("Join Filter: {text}"));
                }
                (node, cols)
            }
            Plan::LateralJoin {
                left,
                right,
                left_outer,
                on,
                ..
            } => {
                let (l, mut cols) = self.plan(left);
                let (r, right_cols) = self.plan(right);
                cols.extend(right_cols);
                let title = if *left_outer {
                    "Nested Loop Left Join"
                } else {
                    "Nested Loop"
                };
                let mut node = Node::new(title).with_children(vec![l, r]);
                if let Some(on) = on {
                    let text = expr_sql(on, self.names(&cols));
                    node.details.push(format!("Join Filter: {text}"));
                }
                (node, cols)
            }
            Plan::Window { input, calls } => {
                let (child, mut cols) = self.plan(input);
                for call in calls {
                    let name = format!("{:?}", call.func).to_lowercase();
                    cols.push(ColumnName::Computed(format!("{name}() OVER (?)")));
                }
                (Node::new("WindowAgg").with_children(vec![child]), cols)
            }
            Plan::RecursiveUnion {
                base, recursive, ..
            } => {
                let (b, cols) = self.plan(base);
                let (r, _) = self.plan(recursive);
                (Node::new("Recursive Union").with_children(vec![b, r]), cols)
            }
            Plan::WorkTable { .. } => (Node::new("WorkTable Scan"), Vec::new()),
            Plan::ProjectSet { input, calls } => {
                let (child, mut cols) = self.plan(input);
                for call in calls {
                    let name = format!("{:?}", call.func).to_lowercase();
                    cols.push(ColumnName::Computed(format!("{name}(...)")));
                }
                (Node::new("ProjectSet").with_children(vec![child]), cols)
            }
            Plan::Series { .. } => {
                let refname = self.names.assign("generate_series");
                let cols = vec![ColumnName::Var {
                    relation: refname.clone(),
                    column: "generate_series".into(),
                }];
                let title = if refname == "generate_series" {
                    "Function Scan on generate_series".to_string()
                } else {
                    format!("Function Scan on generate_series {refname}")
                };
                (Node::new(title), cols)
            }
            Plan::UserFunction { call, width } => {
                let name = match call {
                    Expr::UserCall { func, .. } => func.name.clone(),
                    _ => "function".into(),
                };
                let refname = self.names.assign(&name);
                let cols = (0..*width)
                    .map(|i| ColumnName::Computed(format!("{refname}.column{}", i + 1)))
                    .collect();
                let title = if refname == name {
                    format!("Function Scan on {}", quote_ident(&name))
                } else {
                    format!("Function Scan on {} {refname}", quote_ident(&name))
                };
                (Node::new(title), cols)
            }
            Plan::Aggregate {
                input,
                groups,
                aggs,
            } => {
                let (child, input_cols) = self.plan(input);
                let names = self.names(&input_cols);
                let group_texts: Vec<String> = groups.iter().map(|g| expr_sql(g, names)).collect();
                let mut cols: Vec<ColumnName> = group_texts
                    .iter()
                    .map(|t| ColumnName::Computed(t.clone()))
                    .collect();
                cols.extend(aggs.iter().map(|a| ColumnName::Computed(agg_sql(a, names))));
                let mut node = if groups.is_empty() {
                    Node::new("Aggregate")
                } else {
                    let mut n = Node::new("HashAggregate");
                    n.details
                        .push(format!("Group Key: {}", group_texts.join(", ")));
                    n
                };
                node.children = vec![child];
                (node, cols)
            }
            Plan::Sort { input, keys } => {
                let (child, cols) = self.plan(input);
                let texts: Vec<String> = keys.iter().map(|k| self.sort_key(k, &cols)).collect();
                let mut node = Node::new("Sort").with_children(vec![child]);
                node.details.push(format!("Sort Key: {}", texts.join(", ")));
                (node, cols)
            }
            Plan::DistinctOn { input, .. } => {
                let (child, cols) = self.plan(input);
                (Node::new("Unique").with_children(vec![child]), cols)
            }
            Plan::Distinct { input } => {
                let (child, cols) = self.plan(input);
                let names = self.names(&cols);
                let keys: Vec<String> = (0..cols.len()).map(|i| names.column(i)).collect();
                let mut node = Node::new("HashAggregate").with_children(vec![child]);
                if !keys.is_empty() {
                    node.details.push(format!("Group Key: {}", keys.join(", ")));
                }
                (node, cols)
            }
            Plan::Limit { input, .. } => {
                let (child, cols) = self.plan(input);
                (Node::new("Limit").with_children(vec![child]), cols)
            }
            Plan::SetOp {
                op: SetOpKind::Union,
                all: true,
                ..
            } => self.append(plan),
            Plan::SetOp {
                op,
                all,
                left,
                right,
                ..
            } => {
                let (l, cols) = self.plan(left);
                let (r, _) = self.plan(right);
                let append = Node::new("Append").with_children(vec![l, r]);
                let all = if *all { " All" } else { "" };
                let title = match op {
                    SetOpKind::Union => "HashAggregate".to_string(),
                    SetOpKind::Intersect => format!("HashSetOp Intersect{all}"),
                    SetOpKind::Except => format!("HashSetOp Except{all}"),
                };
                (Node::new(title).with_children(vec![append]), cols)
            }
        }
    }

    /// `Update on t` / `Delete on t` over the target's scan, or for a
    /// partitioned target one `Update on leaf t_N` line per leaf and an
    /// Append of the leaves' scans.
    fn modify(&mut self, target: ModifyTarget<'_>) -> Node {
        let ModifyTarget {
            verb,
            table,
            access,
            filter,
            partitions,
            joined,
            assigned,
        } = target;
        let refname = self.names.assign(&table.name);
        let mut node = Node::new(format!("{verb} on {}", quote_ident(&table.name)));
        let mut source = match partitions {
            Some(targets) => {
                let mut scans = Vec::new();
                for (i, leaf) in targets.router.leaves.iter().enumerate() {
                    let leaf_ref = self.names.assign(&refname);
                    node.details.push(if leaf_ref == leaf.table.name {
                        format!("{verb} on {}", quote_ident(&leaf.table.name))
                    } else {
                        format!(
                            "{verb} on {} {}",
                            quote_ident(&leaf.table.name),
                            quote_ident(&leaf_ref)
                        )
                    });
                    let leaf_access = targets.access.get(i).unwrap_or(&Access::Full);
                    let leaf_filter = targets.filters.get(i).and_then(|f| f.as_ref());
                    let (scan, _) =
                        self.scan(&leaf.table, &leaf_ref, leaf_access, leaf_filter, false);
                    scans.push(scan);
                }
                if scans.len() == 1 {
                    scans.remove(0)
                } else {
                    Node::new("Append").with_children(scans)
                }
            }
            None => {
                // UPDATE ... FROM / DELETE ... USING filter the joined rows.
                let scan_filter = if joined.is_some() { None } else { filter };
                let (mut scan, columns) = self.scan(table, &refname, access, scan_filter, false);
                let subplans = self.subplans(assigned, &columns);
                scan.subplans.extend(subplans);
                scan
            }
        };
        if let Some(from) = joined {
            let (from_node, from_cols) = self.plan(from);
            let mut cols = Self::table_columns(table, &refname, false);
            cols.extend(from_cols);
            let mut join = Node::new("Nested Loop").with_children(vec![source, from_node]);
            if let Some(f) = filter {
                let text = expr_sql(f, self.names(&cols));
                join.details.push(format!("Join Filter: {text}"));
            }
            source = join;
        }
        node.children.push(source);
        node
    }
}

/// The lines of `EXPLAIN <statement>`.
pub fn explain(bound: &Bound) -> Vec<String> {
    let relations = match bound {
        Bound::Query(q) => count_scans(&q.plan),
        Bound::Insert(InsertPlan { source, .. }) => {
            1 + match source {
                InsertSource::Query { plan, .. } => count_scans(&plan.plan),
                InsertSource::Values(_) => 0,
            }
        }
        Bound::Update(UpdatePlan {
            partitions, from, ..
        }) => {
            1 + partitions.as_ref().map_or(0, |p| p.router.leaves.len())
                + from.as_ref().map_or(0, |f| count_scans(&f.plan))
        }
        Bound::Delete(DeletePlan {
            partitions, using, ..
        }) => {
            1 + partitions.as_ref().map_or(0, |p| p.router.leaves.len())
                + using.as_ref().map_or(0, |f| count_scans(&f.plan))
        }
        Bound::Truncate(_) | Bound::InsteadOf(_) => 1,
    };
    let mut ex = Explainer {
        names: RefNames::default(),
        qualify: relations > 1,
        outer: Vec::new(),
    };
    let root = match bound {
        Bound::Query(q) => ex.plan(&q.plan).0,
        Bound::Insert(InsertPlan {
            table,
            source,
            on_conflict,
            ..
        }) => {
            ex.names.assign(&table.name);
            let mut node = Node::new(format!("Insert on {}", quote_ident(&table.name)));
            if let Some(conflict) = on_conflict {
                let action = match conflict.action {
                    crate::binder::ConflictAction::Nothing => "NOTHING",
                    _ => "UPDATE",
                };
                node.details.push(format!("Conflict Resolution: {action}"));
                let arbiters: Vec<String> = conflict
                    .arbiters
                    .iter()
                    .map(|i| quote_ident(&i.name))
                    .collect();
                if !arbiters.is_empty() {
                    node.details
                        .push(format!("Conflict Arbiter Indexes: {}", arbiters.join(", ")));
                }
            }
            let source = match source {
                InsertSource::Values(rows) if rows.len() == 1 => Node::new("Result"),
                InsertSource::Values(_) => {
                    let refname = ex.names.assign("*VALUES*");
                    Node::new(format!("Values Scan on \"{refname}\""))
                }
                InsertSource::Query { plan, .. } => ex.plan(&plan.plan).0,
            };
            node.with_children(vec![source])
        }
        Bound::Update(UpdatePlan {
            table,
            access,
            filter,
            partitions,
            from,
            assignments,
            ..
        }) => ex.modify(ModifyTarget {
            verb: "Update",
            table,
            access,
            filter: filter.as_ref(),
            partitions: partitions.as_ref(),
            joined: from.as_ref().map(|f| &f.plan),
            assigned: &assignments.iter().map(|(_, e)| e).collect::<Vec<_>>(),
        }),
        Bound::Delete(DeletePlan {
            table,
            access,
            filter,
            partitions,
            using,
            ..
        }) => ex.modify(ModifyTarget {
            verb: "Delete",
            table,
            access,
            filter: filter.as_ref(),
            partitions: partitions.as_ref(),
            joined: using.as_ref().map(|f| &f.plan),
            assigned: &[],
        }),
        Bound::Truncate(plan) => {
            let mut out = Vec::new();
            for t in &plan.tables {
                out.push(format!("Truncate {}", t.name));
            }
            return out;
        }
        Bound::InsteadOf(p) => {
            let op = match p.event.name() {
                "INSERT" => "Insert",
                "UPDATE" => "Update",
                _ => "Delete",
            };
            let (source, _) = ex.plan(&p.source.plan);
            Node::new(format!("{op} on {}", p.view)).with_children(vec![source])
        }
    };
    let mut out = Vec::new();
    root.render(None, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_names_get_postgresql_suffixes() {
        let mut names = RefNames::default();
        assert_eq!(names.assign("t"), "t");
        assert_eq!(names.assign("t"), "t_1");
        assert_eq!(names.assign("t_2"), "t_2");
        // t_2 is taken by a relation of that name: the next copy skips it.
        assert_eq!(names.assign("t"), "t_3");
        assert_eq!(names.assign("u"), "u");
    }

    #[test]
    fn nodes_render_in_postgresql_text_layout() {
        let mut scan = Node::new("Seq Scan on a");
        scan.details.push("Filter: (SubPlan 1)".into());
        scan.subplans
            .push(("SubPlan 1".into(), Node::new("Seq Scan on b")));
        let mut root = Node::new("Update on a")
            .with_children(vec![Node::new("Append").with_children(vec![scan])]);
        root.details.push("Update on a1 a_1".into());
        let mut out = Vec::new();
        root.render(None, &mut out);
        assert_eq!(
            out,
            [
                "Update on a",
                "  Update on a1 a_1",
                "  ->  Append",
                "        ->  Seq Scan on a",
                "              Filter: (SubPlan 1)",
                "              SubPlan 1",
                "                ->  Seq Scan on b",
            ]
        );
    }
}
