//! EXPLAIN: a bound statement's plan as PostgreSQL 15 prints it with
//! `COSTS OFF` (one "QUERY PLAN" text column). Borealis plan nodes map to
//! PostgreSQL's names (Seq Scan, Index Scan, Hash Join, Append, ...), a
//! projection is no node of its own (PostgreSQL folds it into the node
//! below), and conditions are deparsed as ruleutils does (`plan_deparse`).
//! Relations are shown by their reference name, made unique as
//! PostgreSQL's set_rtable_names does (`t`, `t_1`, `t_2`, ...).
//! VERBOSE adds each node's `Output:` list, schema-qualified relation
//! names and qualified column references; conditions that read no column
//! of the row gate a `Result` node as a `One-Time Filter`, as PostgreSQL's
//! pseudo-constant quals do.

mod row_refs;

use std::collections::HashMap;

use crate::binder::{DeletePlan, InsertPlan, InsertSource, PartitionTargets, UpdatePlan};
use crate::catalog::TableDef;
use crate::plan::{Access, Expr, JoinKind, Plan, QueryPlan, SetOpKind, SortKey, SubqueryKind};
use crate::plan_deparse::{agg_sql, expr_sql, quote_ident, window_sql, ColumnName, Names};
use sqlparser::ast;

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::session::Bound;
use crate::types::SqlType;

/// The EXPLAIN options that change what is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExplainOptions {
    /// VERBOSE: `Output:` lines, schema-qualified names.
    pub verbose: bool,
    /// ANALYZE: run the statement and show what happened.
    pub analyze: bool,
}

/// An EXPLAIN option's Boolean value as PostgreSQL's defGetBoolean reads
/// it (no value means true).
fn option_bool(name: &str, arg: Option<&ast::Expr>) -> SqlResult<bool> {
    let text = match arg {
        None => return Ok(true),
        Some(ast::Expr::Value(v)) => match &v.value {
            ast::Value::Boolean(b) => return Ok(*b),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::SingleQuotedString(t) => t.clone(),
            other => other.to_string(),
        },
        Some(ast::Expr::Identifier(id)) => id.value.clone(),
        Some(other) => other.to_string(),
    };
    match text.to_ascii_lowercase().as_str() {
        "true" | "on" | "1" => Ok(true),
        "false" | "off" | "0" => Ok(false),
        _ => Err(SqlError::new(
            "42601",
            format!("{name} requires a Boolean value"),
        )),
    }
}

/// Reads `EXPLAIN [ANALYZE] [VERBOSE]` and `EXPLAIN (option [value], ...)`
/// of the statement text `sql` (errors point into it).
/// COSTS, BUFFERS, SETTINGS, WAL, TIMING and SUMMARY change nothing
/// Borealis prints (it shows no estimates or counters); FORMAT TEXT only.
pub fn explain_options(
    sql: &str,
    analyze: bool,
    verbose: bool,
    options: Option<&[ast::UtilityOption]>,
) -> SqlResult<ExplainOptions> {
    let mut out = ExplainOptions { verbose, analyze };
    let mut timing = None;
    let mut wal = false;
    for option in options.unwrap_or_default() {
        let name = option.name.value.to_ascii_lowercase();
        let arg = option.arg.as_ref();
        let at = crate::binder::span_position(sql, option.name.span);
        match name.as_str() {
            "analyze" => out.analyze = option_bool(&name, arg)?,
            "verbose" => out.verbose = option_bool(&name, arg)?,
            "timing" => timing = Some(option_bool(&name, arg)?),
            "wal" => wal = option_bool(&name, arg)?,
            "costs" | "buffers" | "settings" | "summary" => {
                option_bool(&name, arg)?;
            }
            "format" => {
                let format = arg.map(|a| a.to_string().to_ascii_lowercase());
                match format.as_deref() {
                    Some("text") => {}
                    Some("xml" | "json" | "yaml") => {
                        return Err(SqlError::unsupported("EXPLAIN formats other than TEXT"))
                    }
                    _ => {
                        return Err(SqlError::new(
                            "22023",
                            format!(
                                "unrecognized value for EXPLAIN option \"format\": \"{}\"",
                                format.unwrap_or_default()
                            ),
                        )
                        .at(at))
                    }
                }
            }
            _ => {
                return Err(SqlError::new(
                    "42601",
                    format!("unrecognized EXPLAIN option \"{name}\""),
                )
                .at(at))
            }
        }
    }
    if wal && !out.analyze {
        return Err(SqlError::new(
            "22023",
            "EXPLAIN option WAL requires ANALYZE",
        ));
    }
    if timing == Some(true) && !out.analyze {
        return Err(SqlError::new(
            "22023",
            "EXPLAIN option TIMING requires ANALYZE",
        ));
    }
    Ok(out)
}

/// One plan node: its title line, detail lines and children.
struct Node {
    title: String,
    /// VERBOSE: the node's `Output:` list, shown before its details.
    output: Option<String>,
    details: Vec<String>,
    children: Vec<Node>,
    /// Uncorrelated subqueries run once before it: `InitPlan N` and the
    /// plan, before the children.
    initplans: Vec<(String, Node)>,
    /// Subqueries its expressions run: `SubPlan N` and the plan, after
    /// the children.
    subplans: Vec<(String, Node)>,
}

impl Node {
    fn new(title: impl Into<String>) -> Node {
        Node {
            title: title.into(),
            output: None,
            details: Vec::new(),
            children: Vec::new(),
            initplans: Vec::new(),
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
        if let Some(output) = &self.output {
            out.push(format!("{}Output: {output}", " ".repeat(detail_indent)));
        }
        for d in &self.details {
            out.push(format!("{}{d}", " ".repeat(detail_indent)));
        }
        for (label, plan) in &self.initplans {
            out.push(format!("{}{label}", " ".repeat(detail_indent)));
            plan.render(Some(detail_indent + 2), out);
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
    verbose: bool,
    /// PostgreSQL's next PARAM_EXEC number: each subplan takes one per
    /// correlation column, then one per output of a multiple-column SET.
    next_param: usize,
    /// (subquery id, first output parameter) of the InitPlans and
    /// multiple-column SET subplans explained so far.
    subquery_params: Vec<(usize, usize)>,
    /// The InitPlans of the query level being explained, which attach to
    /// its top node.
    initplans: Vec<(String, Node)>,
}

/// `columns` as read by the node that computed them (an aggregate's
/// values without the parentheses a node above shows).
fn own_values(columns: &[ColumnName]) -> Vec<ColumnName> {
    columns
        .iter()
        .map(|c| match c {
            ColumnName::Upper {
                plain, qualified, ..
            } => ColumnName::Upper {
                plain: plain.clone(),
                qualified: qualified.clone(),
                own: true,
            },
            other => other.clone(),
        })
        .collect()
}

/// `(a)` for one condition, `((a) AND (b))` for several.
fn and_all(conds: Vec<String>) -> Option<String> {
    match conds.len() {
        0 => None,
        1 => conds.into_iter().next(),
        _ => Some(format!("({})", conds.join(" AND "))),
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
        Plan::Filter { .. }
        | Plan::Project { .. }
        | Plan::Window { .. }
        | Plan::ProjectSet { .. }
        | Plan::Aggregate { .. }
        | Plan::Sort { .. }
        | Plan::Distinct { .. }
        | Plan::DistinctOn { .. }
        | Plan::Limit { .. }
        | Plan::Join { .. }
        | Plan::HashJoin { .. }
        | Plan::LateralJoin { .. }
        | Plan::SetOp { .. }
        | Plan::RecursiveUnion { .. } => plan.inputs().into_iter().map(count_scans).sum(),
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

/// The target of an UPDATE or DELETE as EXPLAIN shows it.
struct ModifyTarget<'a> {
    /// "Update" or "Delete".
    verb: &'a str,
    table: &'a TableDef,
    /// The target's alias, if it has one.
    alias: Option<&'a str>,
    access: &'a Access,
    filter: Option<&'a Expr>,
    partitions: Option<&'a PartitionTargets>,
    /// UPDATE ... FROM / DELETE ... USING: the joined relations' plan.
    joined: Option<&'a Plan>,
    /// The assigned (column, value) pairs (their subqueries are explained).
    assigned: &'a [(usize, Expr)],
    /// RETURNING expressions, over the target's columns.
    returning: Option<&'a [Expr]>,
}

/// A subquery an expression runs.
struct Subquery<'e> {
    id: usize,
    kind: SubqueryKind,
    correlated: bool,
    plan: &'e QueryPlan,
}

impl Subquery<'_> {
    /// PostgreSQL runs an uncorrelated scalar or multiple-column subquery
    /// once, as an InitPlan whose result parameters the row reads.
    fn is_initplan(&self) -> bool {
        !self.correlated
            && matches!(
                self.kind,
                SubqueryKind::Scalar | SubqueryKind::MultiAssign { .. }
            )
    }
}

/// The subqueries of `e` (each once, by id), outermost first.
fn subqueries<'e>(e: &'e Expr, out: &mut Vec<Subquery<'e>>) {
    if let Expr::Subquery {
        id,
        kind,
        plan,
        correlated,
        ..
    } = e
    {
        if !out.iter().any(|s| s.id == *id) {
            out.push(Subquery {
                id: *id,
                kind: *kind,
                correlated: *correlated,
                plan,
            });
        }
    }
    e.for_each_child(&mut |c| subqueries(c, out));
}

/// Can `e` be evaluated once for the whole statement (PostgreSQL's
/// pseudo-constant qual: no column of the row, nothing volatile, no
/// subquery)? Such conjuncts gate a Result node.
fn is_one_time(e: &Expr) -> bool {
    e.is_row_independent() && !e.has_subquery() && !matches!(e, Expr::Const(..))
}

/// Splits a filter into its one-time conjuncts and the rest.
fn split_one_time(filter: Option<&Expr>) -> (Vec<&Expr>, Option<Expr>) {
    let all = filter.map(Expr::conjuncts).unwrap_or_default();
    let (once, rest): (Vec<&Expr>, Vec<&Expr>) = all.into_iter().partition(|c| is_one_time(c));
    (once, Expr::conjunction(rest.into_iter().cloned()))
}

/// A relation as a plan title names it: schema-qualified under VERBOSE,
/// then its reference name when that differs.
fn relation_title(table: &TableDef, refname: &str, verbose: bool) -> String {
    let (schema, relation) = crate::schema::split(&table.name);
    let mut title = if verbose {
        format!("{}.{}", quote_ident(schema), quote_ident(relation))
    } else {
        quote_ident(relation)
    };
    if refname != relation {
        title.push(' ');
        title.push_str(&quote_ident(refname));
    }
    title
}

impl Explainer {
    /// Names for conditions and keys: qualified with several relations
    /// or under VERBOSE (PostgreSQL's show_upper_qual).
    fn names<'a>(&'a self, columns: &'a [ColumnName]) -> Names<'a> {
        Names {
            columns,
            outer: &self.outer,
            qualify: self.qualify || self.verbose,
            subquery_params: &self.subquery_params,
        }
    }

    /// Scan conditions qualify columns only under VERBOSE (PostgreSQL's
    /// show_scan_qual).
    fn scan_names<'a>(&'a self, columns: &'a [ColumnName]) -> Names<'a> {
        Names {
            columns,
            outer: &self.outer,
            qualify: self.verbose,
            subquery_params: &self.subquery_params,
        }
    }

    /// Names for `Output:` lists: qualified with several relations only
    /// (PostgreSQL's show_plan_tlist).
    fn output_names<'a>(&'a self, columns: &'a [ColumnName]) -> Names<'a> {
        Names {
            columns,
            outer: &self.outer,
            qualify: self.qualify,
            subquery_params: &self.subquery_params,
        }
    }

    /// A row's columns as an `Output:` list.
    fn output_list(&self, columns: &[ColumnName]) -> String {
        let names = self.output_names(columns);
        (0..columns.len())
            .map(|i| names.column(i))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Expressions over `columns` as an `Output:` list.
    fn exprs_output(&self, exprs: &[Expr], columns: &[ColumnName]) -> String {
        let names = self.output_names(columns);
        exprs
            .iter()
            .map(|e| expr_sql(e, names))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The subqueries `exprs` (over a row named `columns`) run, explained.
    fn subplans(&mut self, exprs: &[&Expr], columns: &[ColumnName]) -> Vec<(String, Node)> {
        let mut found = Vec::new();
        for e in exprs {
            subqueries(e, &mut found);
        }
        let mut out = Vec::new();
        for sub in found {
            let Subquery { id, kind, plan, .. } = sub;
            if self.subquery_params.iter().any(|(seen, _)| *seen == id) {
                continue;
            }
            // PostgreSQL numbers a subplan's parameters as it plans it: its
            // correlation columns first, then its outputs.
            self.next_param += row_refs::correlation_columns(&plan.plan).len();
            let initplan = sub.is_initplan();
            let outputs = match kind {
                SubqueryKind::MultiAssign { .. } => plan.columns.len(),
                SubqueryKind::Scalar if initplan => 1,
                _ => 0,
            };
            let mut label = if initplan {
                format!("InitPlan {id}")
            } else {
                format!("SubPlan {id}")
            };
            if outputs > 0 {
                let first = self.next_param;
                self.next_param += outputs;
                self.subquery_params.push((id, first));
                let params: Vec<String> =
                    (first..first + outputs).map(|p| format!("${p}")).collect();
                label = format!("{label} (returns {})", params.join(","));
            }
            self.outer.push(columns.to_vec());
            // The subquery's own InitPlans attach to its top node.
            let enclosing = std::mem::take(&mut self.initplans);
            let (mut node, _) = self.plan(&plan.plan);
            node.initplans = std::mem::replace(&mut self.initplans, enclosing);
            self.outer.pop();
            if initplan {
                self.initplans.push((label, node));
            } else {
                out.push((label, node));
            }
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
        // First: numbers the InitPlan parameters the conditions read.
        let subplans = self.subplans(&filter.into_iter().collect::<Vec<_>>(), &columns);
        let names = self.scan_names(&columns);
        let on = relation_title(table, refname, self.verbose);
        let mut rest: Vec<&Expr> = filter.map(Expr::conjuncts).unwrap_or_default();
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
        node.subplans = subplans;
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
        let inputs = plan.union_all_inputs();
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

    /// The node of `plan` and the names of its output columns; under
    /// VERBOSE the node lists them as its `Output:` unless it set its own.
    fn plan(&mut self, plan: &Plan) -> (Node, Vec<ColumnName>) {
        let (mut node, cols) = self.plan_node(plan);
        // PostgreSQL leaves out an Append's output list as unhelpful.
        if self.verbose && node.output.is_none() && node.title != "Append" {
            node.output = Some(self.output_list(&cols));
        }
        (node, cols)
    }

    /// A gating `Result` over `node` for the one-time conjuncts `once`
    /// (over `columns`), or `node` itself when there are none.
    fn gate(&mut self, node: Node, once: &[&Expr], columns: &[ColumnName]) -> Node {
        if once.is_empty() {
            return node;
        }
        let texts: Vec<String> = once
            .iter()
            .map(|c| expr_sql(c, self.names(columns)))
            .collect();
        let mut result = Node::new("Result").with_children(vec![node]);
        if let Some(cond) = and_all(texts) {
            result.details.push(format!("One-Time Filter: {cond}"));
        }
        result
    }

    fn plan_node(&mut self, plan: &Plan) -> (Node, Vec<ColumnName>) {
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
                let relation = crate::schema::split(&table.name).1;
                let refname = self.names.assign(alias.as_deref().unwrap_or(relation));
                let (once, rest) = split_one_time(filter.as_ref());
                let (mut node, cols) =
                    self.scan(table, &refname, access, rest.as_ref(), *row_versions);
                if self.verbose && !once.is_empty() {
                    node.output = Some(self.output_list(&cols));
                }
                let node = self.gate(node, &once, &cols);
                if *lock {
                    (Node::new("LockRows").with_children(vec![node]), cols)
                } else {
                    (node, cols)
                }
            }
            Plan::Filter { input, predicate } => {
                // A filter over a table scan is one of its conditions, as
                // PostgreSQL pushes quals down into the scan.
                if let Plan::Scan {
                    table,
                    access,
                    filter,
                    lock,
                    row_versions,
                    alias,
                } = input.as_ref()
                {
                    let conditions: Vec<&Expr> = filter.iter().chain([predicate]).collect();
                    let merged = Plan::Scan {
                        table: table.clone(),
                        access: access.clone(),
                        filter: Expr::conjunction(conditions.iter().map(|c| (*c).clone())),
                        lock: *lock,
                        row_versions: *row_versions,
                        alias: alias.clone(),
                    };
                    return self.plan_node(&merged);
                }
                // The same through a projection of the scan's columns (a
                // flattened subquery in FROM), its columns mapped back.
                if let Plan::Project {
                    input: scanned,
                    exprs,
                } = input.as_ref()
                {
                    let sources: Option<Vec<usize>> = exprs
                        .iter()
                        .map(|e| match e {
                            Expr::Column(c, _) => Some(*c),
                            _ => None,
                        })
                        .collect();
                    if let (Plan::Scan { .. }, Some(sources)) = (scanned.as_ref(), sources) {
                        let mut below = predicate.clone();
                        below.map_columns(&|i| sources.get(i).copied().unwrap_or(i));
                        let merged = Plan::Project {
                            input: Box::new(Plan::Filter {
                                input: scanned.clone(),
                                predicate: below,
                            }),
                            exprs: exprs.clone(),
                        };
                        return self.plan_node(&merged);
                    }
                }
                let (mut node, cols) = self.plan(input);
                // HAVING is the aggregate node's own condition: its values
                // show as computed there, without parentheses.
                let condition_cols = match input.as_ref() {
                    Plan::Aggregate { .. } => own_values(&cols),
                    _ => cols.clone(),
                };
                // No rows (every partition pruned): PostgreSQL shows the
                // empty relation alone.
                if matches!(input.as_ref(), Plan::Values { rows, .. } if rows.is_empty()) {
                    return (node, cols);
                }
                let (once, rest) = split_one_time(Some(predicate));
                if let Some(rest) = &rest {
                    let subplans = self.subplans(&[rest], &condition_cols);
                    let text = expr_sql(rest, self.names(&condition_cols));
                    node.details.push(format!("Filter: {text}"));
                    node.subplans.extend(subplans);
                }
                (self.gate(node, &once, &condition_cols), cols)
            }
            // PostgreSQL computes a projection in the node below it.
            Plan::Project { input, exprs } => {
                let (mut node, input_cols) = self.plan(input);
                // Over an aggregate (and its HAVING) the projection is that
                // node's own output list.
                let computed_here = match input.as_ref() {
                    Plan::Filter { input, .. } => input.as_ref(),
                    other => other,
                };
                let own_cols = match computed_here {
                    Plan::Aggregate { .. } => own_values(&input_cols),
                    _ => input_cols.clone(),
                };
                let subplans = self.subplans(&exprs.iter().collect::<Vec<_>>(), &input_cols);
                node.subplans.extend(subplans);
                let cols = exprs
                    .iter()
                    .map(|e| match e {
                        Expr::Column(i, _) if *i < input_cols.len() => input_cols[*i].clone(),
                        other => {
                            ColumnName::Computed(expr_sql(other, self.output_names(&input_cols)))
                        }
                    })
                    .collect();
                // A projection dropping a sort's key columns keeps them in
                // the sort's output (PostgreSQL's resjunk entries).
                let sorted = match input.as_ref() {
                    Plan::Limit { input, .. } => input.as_ref(),
                    other => other,
                };
                let drops_sort_keys = matches!(sorted, Plan::Sort { .. })
                    && exprs.iter().all(|e| matches!(e, Expr::Column(..)));
                if self.verbose && !drops_sort_keys && node.title != "Append" {
                    node.output = Some(self.exprs_output(exprs, &own_cols));
                }
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
                let mut hash = Node::new("Hash");
                hash.output.clone_from(&r.output);
                let hash = hash.with_children(vec![r]);
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
                let input_cols = cols.clone();
                for call in calls {
                    let text = window_sql(call, self.output_names(&input_cols));
                    cols.push(ColumnName::Computed(text));
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
                let shown = self.output_names(&input_cols);
                // A grouped column read from above is still the column.
                let mut cols: Vec<ColumnName> = groups
                    .iter()
                    .map(|g| match column_of(g).and_then(|c| input_cols.get(c)) {
                        Some(var @ ColumnName::Var { .. }) if matches!(g, Expr::Column(..)) => {
                            var.clone()
                        }
                        _ => ColumnName::Upper {
                            plain: expr_sql(g, shown),
                            qualified: expr_sql(g, names),
                            own: false,
                        },
                    })
                    .collect();
                cols.extend(aggs.iter().map(|a| ColumnName::Upper {
                    plain: agg_sql(a, shown),
                    qualified: agg_sql(a, names),
                    own: false,
                }));
                let mut output: Vec<String> = groups.iter().map(|g| expr_sql(g, shown)).collect();
                output.extend(aggs.iter().map(|a| agg_sql(a, shown)));
                let mut node = if groups.is_empty() {
                    Node::new("Aggregate")
                } else {
                    let mut n = Node::new("HashAggregate");
                    n.details
                        .push(format!("Group Key: {}", group_texts.join(", ")));
                    n
                };
                node.children = vec![child];
                if self.verbose {
                    node.output = Some(output.join(", "));
                }
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
                let (child, cols) = match input.as_ref() {
                    // Hashing reads the scan's whole row (PostgreSQL's
                    // physical tlist): the column choice is the node's.
                    Plan::Project { input: scan, exprs }
                        if matches!(scan.as_ref(), Plan::Scan { .. })
                            && exprs.iter().all(|e| matches!(e, Expr::Column(..))) =>
                    {
                        let (child, scan_cols) = self.plan(scan);
                        let cols = exprs
                            .iter()
                            .filter_map(|e| column_of(e).and_then(|c| scan_cols.get(c)).cloned())
                            .collect();
                        (child, cols)
                    }
                    _ => self.plan(input),
                };
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
                // A Limit passes its input's rows on as they are.
                let mut node = Node::new("Limit");
                node.output.clone_from(&child.output);
                (node.with_children(vec![child]), cols)
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
                let mut node = Node::new(title).with_children(vec![append]);
                if *op == SetOpKind::Union {
                    let names = self.names(&cols);
                    let keys: Vec<String> = (0..cols.len()).map(|i| names.column(i)).collect();
                    node.details.push(format!("Group Key: {}", keys.join(", ")));
                }
                (node, cols)
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
            alias,
            access,
            filter,
            partitions,
            joined,
            assigned,
            returning,
        } = target;
        let relation = crate::schema::split(&table.name).1;
        let refname = self.names.assign(alias.unwrap_or(relation));
        let mut node = Node::new(format!(
            "{verb} on {}",
            relation_title(table, &refname, self.verbose)
        ));
        let mut source = match partitions {
            Some(targets) => {
                let mut scans = Vec::new();
                for (i, leaf) in targets.router.leaves.iter().enumerate() {
                    // Pruned at plan time: PostgreSQL never plans it.
                    if !targets.reads(i) {
                        continue;
                    }
                    let leaf_ref = self.names.assign(&refname);
                    node.details.push(format!(
                        "{verb} on {}",
                        relation_title(&leaf.table, &leaf_ref, self.verbose)
                    ));
                    let leaf_access = targets.access.get(i).unwrap_or(&Access::Full);
                    let leaf_filter = targets.filters.get(i).and_then(|f| f.as_ref());
                    let (mut scan, _) =
                        self.scan(&leaf.table, &leaf_ref, leaf_access, leaf_filter, false);
                    if self.verbose {
                        scan.output = Some(self.leaf_output(table, &leaf_ref, assigned));
                    }
                    scans.push(scan);
                }
                if scans.is_empty() {
                    let mut none = Node::new("Result");
                    none.details.push("One-Time Filter: false".into());
                    none
                } else if scans.len() == 1 {
                    scans.remove(0)
                } else {
                    Node::new("Append").with_children(scans)
                }
            }
            None => {
                // UPDATE ... FROM / DELETE ... USING filter the joined rows.
                let scan_filter = if joined.is_some() { None } else { filter };
                let (once, rest) = split_one_time(scan_filter);
                let (mut scan, columns) = self.scan(table, &refname, access, rest.as_ref(), false);
                let mut values: Vec<&(usize, Expr)> = assigned.iter().collect();
                values.sort_by_key(|(column, _)| *column);
                let values: Vec<&Expr> = values.into_iter().map(|(_, e)| e).collect();
                // Numbers the multiple-column SET parameters the values read.
                let subplans = self.subplans(&values, &columns);
                let ctid = self.row_id(&refname);
                let mut output: Vec<String> = values
                    .iter()
                    .map(|e| expr_sql(e, self.output_names(&columns)))
                    .collect();
                // A multiple-column SET's subplan runs as a junk column
                // (an InitPlan's is a NULL placeholder).
                let mut found = Vec::new();
                for e in &values {
                    subqueries(e, &mut found);
                }
                for sub in found {
                    if !matches!(sub.kind, SubqueryKind::MultiAssign { .. }) {
                        continue;
                    }
                    let first = self.subquery_params.iter().find(|(id, _)| *id == sub.id);
                    match first {
                        _ if sub.is_initplan() => output.push("NULL::record".into()),
                        Some((id, first)) => {
                            let params: Vec<String> = (*first..first + sub.plan.columns.len())
                                .map(|p| format!("${p}"))
                                .collect();
                            output.push(format!("(SubPlan {id} (returns {}))", params.join(",")));
                        }
                        None => {}
                    }
                }
                output.push(ctid.clone());
                if once.is_empty() {
                    scan.subplans.extend(subplans);
                    if self.verbose {
                        scan.output = Some(output.join(", "));
                    }
                    scan
                } else {
                    if self.verbose {
                        // The scan passes up what the gated values read.
                        let names = self.output_names(&columns);
                        let mut read: Vec<String> = row_refs::columns_read(&values)
                            .into_iter()
                            .map(|c| names.column(c))
                            .collect();
                        read.push(ctid);
                        scan.output = Some(read.join(", "));
                    }
                    let mut result = self.gate(scan, &once, &columns);
                    result.subplans = subplans;
                    if self.verbose {
                        result.output = Some(output.join(", "));
                    }
                    result
                }
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
        if let (true, Some(returning)) = (self.verbose, returning) {
            let columns = Self::table_columns(table, &refname, false);
            node.output = Some(self.exprs_output(returning, &columns));
        }
        node.children.push(source);
        node
    }

    /// A partition or inheritance leaf's scan output under UPDATE/DELETE:
    /// the assigned values (over the target's columns, which the leaf
    /// shares by name), then the row's `tableoid` and `ctid`.
    fn leaf_output(&self, target: &TableDef, leaf_ref: &str, assigned: &[(usize, Expr)]) -> String {
        let columns = Self::table_columns(target, leaf_ref, false);
        let names = self.output_names(&columns);
        let mut values: Vec<&(usize, Expr)> = assigned.iter().collect();
        values.sort_by_key(|(column, _)| *column);
        let mut output: Vec<String> = values.iter().map(|(_, e)| expr_sql(e, names)).collect();
        for column in ["tableoid", "ctid"] {
            let name = [ColumnName::Var {
                relation: leaf_ref.to_string(),
                column: column.into(),
            }];
            output.push(self.output_names(&name).column(0));
        }
        output.join(", ")
    }

    /// The target row's `ctid` as an `Output:` entry names it.
    fn row_id(&self, refname: &str) -> String {
        let ctid = [ColumnName::Var {
            relation: refname.to_string(),
            column: "ctid".into(),
        }];
        self.output_names(&ctid).column(0)
    }
}

/// The leaves an UPDATE/DELETE reads (plan-time pruning left).
fn read_leaves(targets: &PartitionTargets) -> usize {
    (0..targets.router.leaves.len())
        .filter(|&i| targets.reads(i))
        .count()
}

/// The relations `plan` and the subqueries of its expressions scan (the
/// size of PostgreSQL's range table, which decides `useprefix`). A
/// subquery without FROM still has one entry (an RTE_RESULT).
fn relations_in(plan: &Plan) -> usize {
    count_scans(plan)
        + row_refs::nested_subqueries(plan)
            .into_iter()
            .map(|p| count_scans(p).max(1))
            .sum::<usize>()
}

/// The relations the subqueries of `exprs` scan (PostgreSQL's range
/// table holds them too).
fn subquery_scans(exprs: &[&Expr]) -> usize {
    let mut found = Vec::new();
    for e in exprs {
        subqueries(e, &mut found);
    }
    found
        .iter()
        .map(|s| relations_in(&s.plan.plan).max(1))
        .sum()
}

/// The lines of `EXPLAIN <statement>`.
pub fn explain(bound: &Bound, options: ExplainOptions) -> Vec<String> {
    let relations = match bound {
        Bound::Query(q) => relations_in(&q.plan),
        Bound::Insert(InsertPlan { source, .. }) => {
            1 + match source {
                InsertSource::Query { plan, .. } => relations_in(&plan.plan),
                InsertSource::Values(_) => 0,
            }
        }
        Bound::Update(UpdatePlan {
            partitions,
            from,
            assignments,
            filter,
            ..
        }) => {
            let exprs: Vec<&Expr> = assignments.iter().map(|(_, e)| e).chain(filter).collect();
            1 + partitions.as_ref().map_or(0, read_leaves)
                + from.as_ref().map_or(0, |f| count_scans(&f.plan))
                + subquery_scans(&exprs)
        }
        Bound::Delete(DeletePlan {
            partitions,
            using,
            filter,
            ..
        }) => {
            1 + partitions.as_ref().map_or(0, read_leaves)
                + using.as_ref().map_or(0, |f| count_scans(&f.plan))
                + subquery_scans(&filter.iter().collect::<Vec<_>>())
        }
        Bound::Truncate(_) | Bound::InsteadOf(_) => 1,
    };
    let mut ex = Explainer {
        names: RefNames::default(),
        qualify: relations > 1,
        outer: Vec::new(),
        verbose: options.verbose,
        next_param: 0,
        subquery_params: Vec::new(),
        initplans: Vec::new(),
    };
    let root = match bound {
        Bound::Query(q) => ex.plan(&q.plan).0,
        Bound::Insert(InsertPlan {
            table,
            source,
            on_conflict,
            returning,
            defaults,
            ..
        }) => {
            let refname = ex.names.assign(crate::schema::split(&table.name).1);
            let title = relation_title(table, &refname, ex.verbose);
            let mut node = Node::new(format!("Insert on {title}"));
            if let (true, Some((returning, _))) = (ex.verbose, returning) {
                // PostgreSQL qualifies an INSERT's RETURNING list.
                let columns = Explainer::table_columns(table, &refname, false);
                let names = ex.names(&columns);
                let texts: Vec<String> = returning.iter().map(|e| expr_sql(e, names)).collect();
                node.output = Some(texts.join(", "));
            }
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
                InsertSource::Values(rows) if rows.len() == 1 => {
                    let mut result = Node::new("Result");
                    if ex.verbose {
                        // A DEFAULT shows the default's expression.
                        let values: Vec<Expr> = rows[0]
                            .iter()
                            .enumerate()
                            .map(|(i, v)| match v {
                                Some(v) => v.clone(),
                                None => defaults.get(i).cloned().flatten().unwrap_or_else(|| {
                                    let ty = table.columns.get(i).map(|c| c.ty);
                                    Expr::Const(Datum::Null, ty.unwrap_or(SqlType::Text.plain()))
                                }),
                            })
                            .collect();
                        result.output = Some(ex.exprs_output(&values, &[]));
                    }
                    result
                }
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
            alias,
            returning,
            ..
        }) => ex.modify(ModifyTarget {
            verb: "Update",
            table,
            alias: alias.as_deref(),
            access,
            filter: filter.as_ref(),
            partitions: partitions.as_ref(),
            joined: from.as_ref().map(|f| &f.plan),
            assigned: assignments,
            returning: returning.as_ref().map(|(r, _)| r.as_slice()),
        }),
        Bound::Delete(DeletePlan {
            table,
            access,
            filter,
            partitions,
            using,
            alias,
            returning,
            ..
        }) => ex.modify(ModifyTarget {
            verb: "Delete",
            table,
            alias: alias.as_deref(),
            access,
            filter: filter.as_ref(),
            partitions: partitions.as_ref(),
            joined: using.as_ref().map(|f| &f.plan),
            assigned: &[],
            returning: returning.as_ref().map(|(r, _)| r.as_slice()),
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
    let mut root = root;
    root.initplans.append(&mut ex.initplans);
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
    fn verbose_output_and_initplans_render_before_details_and_children() {
        let mut scan = Node::new("Seq Scan on public.t");
        scan.output = Some("$0, ctid".into());
        let mut root = Node::new("Update on public.t").with_children(vec![scan]);
        root.output = Some("a".into());
        root.initplans
            .push(("InitPlan 1 (returns $0)".into(), Node::new("Result")));
        let mut out = Vec::new();
        root.render(None, &mut out);
        assert_eq!(
            out,
            [
                "Update on public.t",
                "  Output: a",
                "  InitPlan 1 (returns $0)",
                "    ->  Result",
                "  ->  Seq Scan on public.t",
                "        Output: $0, ctid",
            ]
        );
    }

    fn option(name: &str, arg: Option<&str>) -> ast::UtilityOption {
        ast::UtilityOption {
            name: ast::Ident::new(name),
            arg: arg.map(|a| ast::Expr::Identifier(ast::Ident::new(a))),
        }
    }

    #[test]
    fn explain_options_read_as_postgresql_does() {
        let verbose = [option("VERBOSE", None), option("costs", Some("off"))];
        let read = explain_options("", false, false, Some(&verbose)).unwrap();
        assert!(read.verbose && !read.analyze);
        let off = [option("verbose", Some("false"))];
        assert!(
            !explain_options("", false, true, Some(&off))
                .unwrap()
                .verbose
        );
        let unknown = [option("foo", None)];
        assert_eq!(
            explain_options("", false, false, Some(&unknown))
                .unwrap_err()
                .sqlstate,
            "42601"
        );
        let timing = [option("timing", None)];
        assert_eq!(
            explain_options("", false, false, Some(&timing))
                .unwrap_err()
                .sqlstate,
            "22023"
        );
        assert!(
            explain_options("", true, false, Some(&timing))
                .unwrap()
                .analyze
        );
        let bad = [option("costs", Some("maybe"))];
        assert!(explain_options("", false, false, Some(&bad)).is_err());
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
