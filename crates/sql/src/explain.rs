//! EXPLAIN: renders a bound statement's plan as text lines (one
//! "QUERY PLAN" column, like PostgreSQL, without cost estimates).

use crate::binder::{DeletePlan, InsertPlan, InsertSource, UpdatePlan};
use crate::catalog::TableDef;
use crate::plan::{Access, Expr, JoinKind, Plan, SetOpKind};
use crate::session::Bound;

fn access(t: &TableDef, a: &Access) -> String {
    let pk = t
        .primary_key
        .as_ref()
        .map(|p| p.name.as_str())
        .unwrap_or("");
    match a {
        Access::Full => format!("Seq Scan on {}", t.name),
        Access::Point(_) => format!("Point Lookup on {} using {pk}", t.name),
        Access::Index { index_id, prefix } => {
            let name = t
                .unique
                .iter()
                .chain(t.indexes.iter())
                .find(|i| i.id == *index_id)
                .map(|i| i.name.as_str())
                .unwrap_or("?");
            format!(
                "Index Scan using {name} on {} (equal prefix: {})",
                t.name,
                prefix.len()
            )
        }
        Access::Points(keys) => format!("Point Lookups ({}) on {} using {pk}", keys.len(), t.name),
        Access::Range {
            prefix,
            lower,
            upper,
        } => format!(
            "Range Scan on {} using {pk} (equal prefix: {}, lower bound: {}, upper bound: {})",
            t.name,
            prefix.len(),
            if lower.is_some() { "yes" } else { "no" },
            if upper.is_some() { "yes" } else { "no" }
        ),
    }
}

fn line(out: &mut Vec<String>, depth: usize, text: String) {
    if depth == 0 {
        out.push(text);
    } else {
        out.push(format!("{}->  {text}", "      ".repeat(depth - 1)));
    }
}

fn detail(out: &mut Vec<String>, depth: usize, text: &str) {
    let indent = if depth == 0 { 2 } else { 6 * (depth - 1) + 6 };
    out.push(format!("{}{text}", " ".repeat(indent)));
}

pub fn plan_lines(plan: &Plan, depth: usize, out: &mut Vec<String>) {
    match plan {
        Plan::Values { rows, .. } => line(
            out,
            depth,
            format!(
                "Result ({} row{})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
        ),
        Plan::Scan {
            table,
            access: a,
            filter,
            lock,
            ..
        } => {
            line(out, depth, access(table, a));
            if filter.is_some() {
                detail(out, depth, "Filter: yes");
            }
            if *lock {
                detail(out, depth, "Lock Rows: yes");
            }
        }
        Plan::Filter { input, .. } => {
            line(out, depth, "Filter".into());
            plan_lines(input, depth + 1, out);
        }
        Plan::Project { input, exprs } => {
            line(
                out,
                depth,
                format!(
                    "Project ({} column{})",
                    exprs.len(),
                    if exprs.len() == 1 { "" } else { "s" }
                ),
            );
            plan_lines(input, depth + 1, out);
        }
        Plan::Join {
            left,
            right,
            kind,
            on,
            ..
        } => {
            let k = match kind {
                JoinKind::Inner => "Inner",
                JoinKind::Left => "Left",
                JoinKind::Right => "Right",
                JoinKind::Full => "Full",
            };
            line(
                out,
                depth,
                format!(
                    "Nested Loop / Hash {k} Join{}",
                    if on.is_none() { " (cross)" } else { "" }
                ),
            );
            plan_lines(left, depth + 1, out);
            plan_lines(right, depth + 1, out);
        }
        Plan::HashJoin {
            left,
            right,
            keys,
            residual,
            ..
        } => {
            line(
                out,
                depth,
                format!(
                    "Hash Join ({} key{})",
                    keys.len(),
                    if keys.len() == 1 { "" } else { "s" }
                ),
            );
            if residual.is_some() {
                detail(out, depth, "Join Filter: yes");
            }
            plan_lines(left, depth + 1, out);
            plan_lines(right, depth + 1, out);
        }
        Plan::LateralJoin {
            left,
            right,
            left_outer,
            ..
        } => {
            line(
                out,
                depth,
                format!(
                    "Nested Loop {}Join (lateral)",
                    if *left_outer { "Left " } else { "" }
                ),
            );
            plan_lines(left, depth + 1, out);
            plan_lines(right, depth + 1, out);
        }
        Plan::Window { input, calls } => {
            line(
                out,
                depth,
                format!(
                    "WindowAgg ({} call{})",
                    calls.len(),
                    if calls.len() == 1 { "" } else { "s" }
                ),
            );
            plan_lines(input, depth + 1, out);
        }
        Plan::RecursiveUnion {
            base, recursive, ..
        } => {
            line(out, depth, "Recursive Union".into());
            plan_lines(base, depth + 1, out);
            plan_lines(recursive, depth + 1, out);
        }
        Plan::ProjectSet { input, .. } => {
            line(out, depth, "ProjectSet".into());
            plan_lines(input, depth + 1, out);
        }
        Plan::WorkTable { .. } => line(out, depth, "WorkTable Scan".into()),
        Plan::Series { .. } => line(out, depth, "Function Scan on generate_series".into()),
        Plan::UserFunction { call, .. } => {
            let name = match call {
                Expr::UserCall { func, .. } => func.name.as_str(),
                _ => "function",
            };
            line(out, depth, format!("Function Scan on {name}"))
        }
        Plan::Aggregate {
            input,
            groups,
            aggs,
        } => {
            line(
                out,
                depth,
                format!(
                    "Aggregate ({} group key{}, {} aggregate{})",
                    groups.len(),
                    if groups.len() == 1 { "" } else { "s" },
                    aggs.len(),
                    if aggs.len() == 1 { "" } else { "s" }
                ),
            );
            plan_lines(input, depth + 1, out);
        }
        Plan::Sort { input, keys } => {
            line(
                out,
                depth,
                format!(
                    "Sort ({} key{})",
                    keys.len(),
                    if keys.len() == 1 { "" } else { "s" }
                ),
            );
            plan_lines(input, depth + 1, out);
        }
        Plan::DistinctOn { input, columns } => {
            line(
                out,
                depth,
                format!(
                    "Unique On ({} key{})",
                    columns.len(),
                    if columns.len() == 1 { "" } else { "s" }
                ),
            );
            plan_lines(input, depth + 1, out);
        }
        Plan::Distinct { input } => {
            line(out, depth, "Unique".into());
            plan_lines(input, depth + 1, out);
        }
        Plan::Limit { input, .. } => {
            line(out, depth, "Limit".into());
            plan_lines(input, depth + 1, out);
        }
        Plan::SetOp {
            op,
            all,
            left,
            right,
            ..
        } => {
            let name = match op {
                SetOpKind::Union => "Union",
                SetOpKind::Intersect => "Intersect",
                SetOpKind::Except => "Except",
            };
            line(
                out,
                depth,
                format!("{name}{}", if *all { " All" } else { "" }),
            );
            plan_lines(left, depth + 1, out);
            plan_lines(right, depth + 1, out);
        }
    }
}

/// The lines of `EXPLAIN <statement>`.
pub fn explain(bound: &Bound) -> Vec<String> {
    let mut out = Vec::new();
    match bound {
        Bound::Query(q) => plan_lines(&q.plan, 0, &mut out),
        Bound::Insert(InsertPlan {
            table,
            source,
            on_conflict,
            ..
        }) => {
            out.push(format!("Insert on {}", table.name));
            if on_conflict.is_some() {
                detail(&mut out, 0, "Conflict Resolution: yes");
            }
            match source {
                InsertSource::Values(rows) => line(
                    &mut out,
                    1,
                    format!(
                        "Values ({} row{})",
                        rows.len(),
                        if rows.len() == 1 { "" } else { "s" }
                    ),
                ),
                InsertSource::Query { plan, .. } => plan_lines(&plan.plan, 1, &mut out),
            }
        }
        Bound::Update(UpdatePlan {
            table,
            access: a,
            filter,
            ..
        }) => {
            out.push(format!("Update on {}", table.name));
            line(&mut out, 1, access(table, a));
            if filter.is_some() {
                detail(&mut out, 1, "Filter: yes");
            }
        }
        Bound::Delete(DeletePlan {
            table,
            access: a,
            filter,
            ..
        }) => {
            out.push(format!("Delete on {}", table.name));
            line(&mut out, 1, access(table, a));
            if filter.is_some() {
                detail(&mut out, 1, "Filter: yes");
            }
        }
        Bound::Truncate(plan) => {
            for t in &plan.tables {
                out.push(format!("Truncate {}", t.name));
            }
        }
        Bound::InsteadOf(p) => {
            let op = match p.event.name() {
                "INSERT" => "Insert",
                "UPDATE" => "Update",
                _ => "Delete",
            };
            out.push(format!("{op} on {}", p.view));
            plan_lines(&p.source.plan, 1, &mut out);
        }
    }
    out
}
