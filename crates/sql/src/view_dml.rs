//! Writes through automatically updatable views (PostgreSQL's rules): an
//! INSERT, UPDATE or DELETE naming a view whose query is a plain SELECT from
//! one table or updatable view is rewritten into the same statement on that
//! relation, repeatedly until a table is reached. View columns that are
//! simple column references map to base columns; other columns are
//! read-only but still readable in WHERE and RETURNING. The view's WHERE is
//! ANDed into UPDATE/DELETE, RETURNING keeps the view's column names, view
//! column defaults fill omitted INSERT columns, and `WITH CHECK OPTION`
//! conditions become checks on the written base rows (SQLSTATE 44000).

use std::ops::ControlFlow;

use sqlparser::ast::{self, Spanned};

use crate::binder::{
    bare_query, contains_aggregate, figure_colname, ident_name, object_name, Binder, Scope,
};
use crate::catalog::Catalog;
use crate::error::{SqlError, SqlResult};
use crate::plan::Expr;
use crate::session::Bound;
use crate::types::SqlType;
use crate::view::{CheckOption, ViewDef};

/// Prefix of a check's name that marks it as a view's check option; the
/// rest is the view's name. NUL cannot occur in a constraint name.
pub const VIEW_CHECK_MARK: &str = "\0view:";

/// The error for a row that fails `check` when it is a view check option.
/// A check on a partition's rows carries the map back to the order of the
/// statement's target (`<view>\0<i,j,...>`), in which the row is shown.
pub fn check_option_violation(
    check: &str,
    row: &[crate::datum::Datum],
    show: impl Fn(&[crate::datum::Datum]) -> String,
) -> Option<SqlError> {
    let rest = check.strip_prefix(VIEW_CHECK_MARK)?;
    let (view, order) = rest.split_once('\0').unwrap_or((rest, ""));
    let reordered: Option<Vec<crate::datum::Datum>> = if order.is_empty() {
        None
    } else {
        order
            .split(',')
            .map(|i| i.parse::<usize>().ok().and_then(|i| row.get(i).cloned()))
            .collect()
    };
    Some(
        SqlError::new(
            "44000",
            format!("new row violates check option for view \"{view}\""),
        )
        .with_detail(show(reordered.as_deref().unwrap_or(row))),
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Insert,
    Update,
    Delete,
}

impl Event {
    fn not_updatable(self, view: &str, detail: &str) -> SqlError {
        let (what, verb, hint_verb) = match self {
            Event::Insert => ("insert into", "INSERT", "inserting into"),
            Event::Update => ("update", "UPDATE", "updating"),
            Event::Delete => ("delete from", "DELETE", "deleting from"),
        };
        SqlError::new("55000", format!("cannot {what} view \"{view}\""))
            .with_detail(detail.to_string())
            .with_hint(format!(
                "To enable {hint_verb} the view, provide an INSTEAD OF {verb} trigger or an unconditional ON {verb} DO INSTEAD rule."
            ))
    }
}

/// One output column of an updatable view.
struct ViewColumn {
    name: String,
    /// The column's expression over the base relation (qualifiers naming
    /// the base replaced by the statement's target name).
    expr: ast::Expr,
    /// The base column it is, when it is a simple column reference.
    base_column: Option<String>,
}

/// An updatable view taken apart.
struct ViewShape {
    base: ast::ObjectName,
    columns: Vec<ViewColumn>,
    filter: Option<ast::Expr>,
}

fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn quoted(name: &str) -> ast::Ident {
    ast::Ident::with_quote('"', name)
}

/// The SELECT of a view, parsed.
fn view_query(def: &ViewDef) -> SqlResult<ast::Query> {
    let mut stmts = crate::session::parse(&def.query)?;
    match stmts.pop() {
        Some(ast::Statement::Query(q)) if stmts.is_empty() => Ok(*q),
        _ => Err(SqlError::internal("stored view query does not parse")),
    }
}

/// Why a view query is not automatically updatable (PostgreSQL's DETAIL), or
/// the single relation it reads with the select and its qualifier name.
fn updatable_select<'q>(
    catalog: &Catalog,
    q: &'q ast::Query,
) -> Result<(&'q ast::Select, ast::ObjectName, String, Vec<String>), &'static str> {
    let select = match q.body.as_ref() {
        ast::SetExpr::Select(s) => s,
        ast::SetExpr::SetOperation { .. } => {
            return Err(
                "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.",
            )
        }
        _ => return Err(
            "Views that do not select from a single table or view are not automatically updatable.",
        ),
    };
    if select.distinct.is_some() {
        return Err("Views containing DISTINCT are not automatically updatable.");
    }
    let grouped = !matches!(&select.group_by, ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    if grouped {
        return Err("Views containing GROUP BY are not automatically updatable.");
    }
    if select.having.is_some() {
        return Err("Views containing HAVING are not automatically updatable.");
    }
    if q.with.is_some() {
        return Err("Views containing WITH are not automatically updatable.");
    }
    if q.limit_clause.is_some() || q.fetch.is_some() {
        return Err("Views containing LIMIT or OFFSET are not automatically updatable.");
    }
    let exprs = select.projection.iter().filter_map(|p| match p {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    });
    let mut window = false;
    for e in exprs.clone() {
        if contains_aggregate(e) {
            return Err("Views that return aggregate functions are not automatically updatable.");
        }
        let _ = ast::visit_expressions(e, |x| {
            if let ast::Expr::Function(f) = x {
                if f.over.is_some() {
                    window = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
    }
    if window {
        return Err("Views that return window functions are not automatically updatable.");
    }
    let single =
        "Views that do not select from a single table or view are not automatically updatable.";
    let [twj] = select.from.as_slice() else {
        return Err(single);
    };
    if !twj.joins.is_empty() {
        return Err(single);
    }
    let ast::TableFactor::Table {
        name, alias, args, ..
    } = &twj.relation
    else {
        return Err(single);
    };
    if args.is_some() {
        return Err(single);
    }
    let key = object_name(name).map_err(|_| single)?;
    let base_columns: Vec<String> = if let Some(t) = catalog.tables.get(&key) {
        t.columns.iter().map(|c| c.name.clone()).collect()
    } else if let Some(v) = catalog.views.get(&key) {
        v.columns.clone()
    } else {
        return Err(single);
    };
    let qualifier = match alias {
        Some(a) => ident_name(&a.name),
        None => unqualified(&key).to_string(),
    };
    Ok((select, name.clone(), qualifier, base_columns))
}

/// Makes a view expression name the base relation by the statement's
/// target name `to`: the qualifier `from` (the view's own name for its
/// base) is replaced, and bare references to base columns outside
/// subqueries are qualified (so that UPDATE ... FROM tables cannot capture
/// them).
fn requalify(e: &mut ast::Expr, from: &str, to: &ast::Ident, base_columns: &[String]) {
    struct Requalify<'r> {
        from: &'r str,
        to: &'r ast::Ident,
        base_columns: &'r [String],
        query_depth: usize,
    }
    impl ast::VisitorMut for Requalify<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut ast::Query) -> ControlFlow<()> {
            self.query_depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut ast::Query) -> ControlFlow<()> {
            self.query_depth -= 1;
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, x: &mut ast::Expr) -> ControlFlow<()> {
            match x {
                ast::Expr::CompoundIdentifier(parts)
                    if parts.len() == 2 && ident_name(&parts[0]) == self.from =>
                {
                    parts[0] = self.to.clone();
                }
                ast::Expr::Identifier(i)
                    if self.query_depth == 0 && self.base_columns.contains(&ident_name(i)) =>
                {
                    *x = ast::Expr::CompoundIdentifier(vec![self.to.clone(), i.clone()]);
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let _ = ast::VisitMut::visit(
        e,
        &mut Requalify {
            from,
            to,
            base_columns,
            query_depth: 0,
        },
    );
}

/// Is view `def` automatically updatable (for some event)?
pub(crate) fn auto_updatable(catalog: &Catalog, def: &ViewDef) -> bool {
    view_query(def).is_ok_and(|q| updatable_select(catalog, &q).is_ok())
}

/// Takes apart an updatable view for a write of kind `event`; the error is
/// PostgreSQL's for a view that is not automatically updatable.
fn shape(
    catalog: &Catalog,
    def: &ViewDef,
    event: Event,
    target: &ast::Ident,
) -> SqlResult<ViewShape> {
    let display = unqualified(&def.name).to_string();
    let q = view_query(def)?;
    let (select, base, qualifier, base_columns) =
        updatable_select(catalog, &q).map_err(|d| event.not_updatable(&display, d))?;
    let mut exprs: Vec<ast::Expr> = Vec::new();
    for item in &select.projection {
        match item {
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                exprs.extend(
                    base_columns
                        .iter()
                        .map(|c| ast::Expr::Identifier(quoted(c))),
                );
            }
            ast::SelectItem::UnnamedExpr(e)
            | ast::SelectItem::ExprWithAlias { expr: e, .. }
            | ast::SelectItem::ExprWithAliases { expr: e, .. } => exprs.push(e.clone()),
        }
    }
    if exprs.len() != def.columns.len() {
        return Err(SqlError::internal(format!(
            "view \"{display}\" no longer matches its base relation"
        )));
    }
    let mut columns = Vec::new();
    for (mut expr, name) in exprs.into_iter().zip(&def.columns) {
        let simple = match &expr {
            ast::Expr::Identifier(i) => Some(ident_name(i)),
            ast::Expr::CompoundIdentifier(p) if p.len() == 2 && ident_name(&p[0]) == qualifier => {
                Some(ident_name(&p[1]))
            }
            _ => None,
        };
        let base_column = simple.filter(|c| base_columns.contains(c));
        requalify(&mut expr, &qualifier, target, &base_columns);
        columns.push(ViewColumn {
            name: name.clone(),
            expr,
            base_column,
        });
    }
    if event != Event::Delete && columns.iter().all(|c| c.base_column.is_none()) {
        return Err(event.not_updatable(
            &display,
            "Views that have no updatable columns are not automatically updatable.",
        ));
    }
    let mut filter = select.selection.clone();
    if let Some(f) = &mut filter {
        requalify(f, &qualifier, target, &base_columns);
    }
    Ok(ViewShape {
        base,
        columns,
        filter,
    })
}

/// CREATE VIEW ... WITH CHECK OPTION needs an automatically updatable view.
pub fn check_option_allowed(catalog: &Catalog, query: &ast::Query) -> SqlResult<()> {
    match updatable_select(catalog, query) {
        Ok(_) => Ok(()),
        Err(detail) => Err(SqlError::new(
            "0A000",
            "WITH CHECK OPTION is supported only on automatically updatable views",
        )
        .with_hint(detail)),
    }
}

impl ViewShape {
    fn column(&self, name: &str) -> Option<&ViewColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Rewrites references to view columns in `e` into base terms.
    /// `target` is the statement's name for the target relation.
    fn substitute(&self, e: &mut ast::Expr, target: &str) {
        let _ = ast::visit_expressions_mut(e, |x| {
            let replacement = match x {
                // A whole-row reference to the view: its columns as a row.
                ast::Expr::Identifier(i)
                    if ident_name(i) == target && self.column(target).is_none() =>
                {
                    Some(ast::Expr::Tuple(
                        self.columns.iter().map(|c| c.expr.clone()).collect(),
                    ))
                }
                ast::Expr::Identifier(i) => {
                    self.column(&ident_name(i)).map(|c| match &c.base_column {
                        Some(b) => ast::Expr::Identifier(quoted(b)),
                        None => ast::Expr::Nested(Box::new(c.expr.clone())),
                    })
                }
                ast::Expr::CompoundIdentifier(p) if p.len() == 2 => {
                    let q = ident_name(&p[0]);
                    let col = ident_name(&p[1]);
                    match (q.as_str(), self.column(&col)) {
                        ("excluded", Some(c)) => c
                            .base_column
                            .as_ref()
                            .map(|b| ast::Expr::CompoundIdentifier(vec![p[0].clone(), quoted(b)])),
                        (q, Some(c)) if q == target => Some(match &c.base_column {
                            Some(b) => ast::Expr::CompoundIdentifier(vec![p[0].clone(), quoted(b)]),
                            None => ast::Expr::Nested(Box::new(c.expr.clone())),
                        }),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(r) = replacement {
                *x = r;
            }
            ControlFlow::<()>::Continue(())
        });
    }

    /// RETURNING in view terms: `*` is the view's columns, names kept.
    fn returning(&self, items: &mut Option<Vec<ast::SelectItem>>, target: &ast::Ident) {
        let Some(list) = items else { return };
        let target_name = ident_name(target);
        let mut out = Vec::new();
        for item in list.drain(..) {
            let whole = match &item {
                ast::SelectItem::Wildcard(_) => true,
                ast::SelectItem::QualifiedWildcard(
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => object_name(n).is_ok_and(|n| n == target_name),
                _ => false,
            };
            if whole {
                for c in &self.columns {
                    let mut e =
                        ast::Expr::CompoundIdentifier(vec![target.clone(), quoted(&c.name)]);
                    self.substitute(&mut e, &target_name);
                    out.push(ast::SelectItem::ExprWithAlias {
                        expr: e,
                        alias: quoted(&c.name),
                    });
                }
                continue;
            }
            out.push(match item {
                ast::SelectItem::UnnamedExpr(mut e) => {
                    let name = figure_colname(&e);
                    self.substitute(&mut e, &target_name);
                    ast::SelectItem::ExprWithAlias {
                        expr: e,
                        alias: quoted(&name),
                    }
                }
                ast::SelectItem::ExprWithAlias { mut expr, alias } => {
                    self.substitute(&mut expr, &target_name);
                    ast::SelectItem::ExprWithAlias { expr, alias }
                }
                other => other,
            });
        }
        *list = out;
    }
}

fn and(a: Option<ast::Expr>, b: Option<ast::Expr>) -> Option<ast::Expr> {
    match (a, b) {
        (Some(a), Some(b)) => Some(ast::Expr::BinaryOp {
            left: Box::new(ast::Expr::Nested(Box::new(a))),
            op: ast::BinaryOperator::And,
            right: Box::new(ast::Expr::Nested(Box::new(b))),
        }),
        (a, b) => a.or(b),
    }
}

fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

fn undefined_view_column(
    name: &str,
    view: &str,
    span: sqlparser::tokenizer::Span,
    b: &Binder,
) -> SqlError {
    SqlError::new(
        "42703",
        format!("column \"{name}\" of relation \"{view}\" does not exist"),
    )
    .at(b.pos(span))
}

/// A pending view check: the view's name and its condition, in terms of
/// the relation the statement currently targets.
type PendingCheck = (String, ast::Expr);

/// One rewrite step: the statement on view `def` becomes the same statement
/// on the view's base relation.
fn rewrite_step(
    b: &Binder,
    def: &ViewDef,
    stmt: &mut ast::Statement,
    checks: &mut Vec<PendingCheck>,
    cascade: &mut bool,
) -> SqlResult<()> {
    let catalog = b.catalog();
    let display = unqualified(&def.name).to_string();
    let event = match stmt {
        ast::Statement::Insert(_) => Event::Insert,
        ast::Statement::Update(_) => Event::Update,
        _ => Event::Delete,
    };
    // The name the statement calls its target by: its alias, else the view's name.
    let target: ast::Ident = match stmt {
        ast::Statement::Insert(i) => i
            .table_alias
            .as_ref()
            .map(|a| a.alias.clone())
            .unwrap_or_else(|| quoted(&display)),
        ast::Statement::Update(u) => {
            table_alias(&u.table.relation).unwrap_or_else(|| quoted(&display))
        }
        ast::Statement::Delete(d) => match &d.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => v
                .first()
                .and_then(|t| table_alias(&t.relation))
                .unwrap_or_else(|| quoted(&display)),
        },
        _ => return Err(SqlError::internal("view rewrite of a non-DML statement")),
    };
    let target_name = ident_name(&target);
    let shape = shape(catalog, def, event, &target)?;
    for (_, c) in checks.iter_mut() {
        shape.substitute(c, &target_name);
    }
    if event != Event::Delete && (def.check_option.is_some() || *cascade) {
        if let Some(f) = &shape.filter {
            checks.insert(0, (display.clone(), f.clone()));
        }
    }
    if def.check_option == Some(CheckOption::Cascaded) {
        *cascade = true;
    }
    match stmt {
        ast::Statement::Insert(ins) => rewrite_insert(b, def, &shape, ins, &target)?,
        ast::Statement::Update(u) => {
            for a in &mut u.assignments {
                let names: Vec<&mut ast::ObjectName> = match &mut a.target {
                    ast::AssignmentTarget::ColumnName(n) => vec![n],
                    ast::AssignmentTarget::Tuple(v) => v.iter_mut().collect(),
                };
                for n in names {
                    let span = n.span();
                    let col = match n.0.as_slice() {
                        [p] => p.as_ident().map(ident_name),
                        _ => None,
                    }
                    .ok_or_else(|| SqlError::unsupported("this assignment target on a view"))?;
                    let c = shape
                        .column(&col)
                        .ok_or_else(|| undefined_view_column(&col, &display, span, b))?;
                    let base = c.base_column.as_ref().ok_or_else(|| {
                        SqlError::new(
                            "0A000",
                            format!("cannot update column \"{col}\" of view \"{display}\""),
                        )
                        .with_detail(
                            "View columns that are not columns of their base relation are not updatable.",
                        )
                    })?;
                    *n = ast::ObjectName::from(vec![quoted(base)]);
                }
                shape.substitute(&mut a.value, &target_name);
            }
            if let Some(w) = &mut u.selection {
                shape.substitute(w, &target_name);
            }
            u.selection = and(u.selection.take(), shape.filter.clone());
            retarget(&mut u.table.relation, &shape.base, &target);
            shape.returning(&mut u.returning, &target);
        }
        ast::Statement::Delete(d) => {
            if let Some(w) = &mut d.selection {
                shape.substitute(w, &target_name);
            }
            d.selection = and(d.selection.take(), shape.filter.clone());
            let (ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v)) =
                &mut d.from;
            if let Some(t) = v.first_mut() {
                retarget(&mut t.relation, &shape.base, &target);
            }
            shape.returning(&mut d.returning, &target);
        }
        _ => {}
    }
    Ok(())
}

fn table_alias(f: &ast::TableFactor) -> Option<ast::Ident> {
    match f {
        ast::TableFactor::Table { alias: Some(a), .. } => Some(a.name.clone()),
        _ => None,
    }
}

/// Points a target table factor at `base`, named `target`.
fn retarget(f: &mut ast::TableFactor, base: &ast::ObjectName, target: &ast::Ident) {
    if let ast::TableFactor::Table { name, alias, .. } = f {
        *name = base.clone();
        *alias = Some(ast::TableAlias {
            explicit: true,
            name: target.clone(),
            columns: vec![],
            at: None,
        });
    }
}

fn rewrite_insert(
    b: &Binder,
    def: &ViewDef,
    shape: &ViewShape,
    ins: &mut ast::Insert,
    target: &ast::Ident,
) -> SqlResult<()> {
    let display = unqualified(&def.name).to_string();
    let target_name = ident_name(target);
    let values_width = match ins.source.as_ref().map(|q| q.body.as_ref()) {
        Some(ast::SetExpr::Values(v)) => v.rows.first().map(|r| r.content.len()),
        _ => None,
    };
    // View column indexes the statement supplies, in order.
    let named: Vec<usize> = if ins.columns.is_empty() {
        let n = values_width.unwrap_or(shape.columns.len());
        (0..n.min(shape.columns.len())).collect()
    } else {
        let mut v = Vec::new();
        for n in &ins.columns {
            let col = object_name(n)?;
            let i = shape
                .columns
                .iter()
                .position(|c| c.name == col)
                .ok_or_else(|| undefined_view_column(&col, &display, n.span(), b))?;
            v.push(i);
        }
        v
    };
    let mut base_names = Vec::new();
    for &i in &named {
        let c = &shape.columns[i];
        let base = c.base_column.as_ref().ok_or_else(|| {
            SqlError::new(
                "0A000",
                format!(
                    "cannot insert into column \"{}\" of view \"{display}\"",
                    c.name
                ),
            )
            .with_detail(
                "View columns that are not columns of their base relation are not updatable.",
            )
        })?;
        base_names.push(base.clone());
    }
    let default_of = |i: usize| -> SqlResult<Option<ast::Expr>> {
        match def.defaults.get(i).and_then(|d| d.as_ref()) {
            Some(text) => crate::binder::parse_expr(text).map(Some),
            None => Ok(None),
        }
    };
    // Omitted columns with a view default get it (VALUES and DEFAULT VALUES).
    let mut extra: Vec<(String, ast::Expr)> = Vec::new();
    for (i, c) in shape.columns.iter().enumerate() {
        if named.contains(&i) {
            continue;
        }
        if let (Some(base), Some(d)) = (&c.base_column, default_of(i)?) {
            if !base_names.contains(base) && !extra.iter().any(|(n, _)| n == base) {
                extra.push((base.clone(), d));
            }
        }
    }
    match ins.source.as_mut().map(|q| q.body.as_mut()) {
        Some(ast::SetExpr::Values(values)) => {
            for row in &mut values.rows {
                for (k, e) in row.content.iter_mut().enumerate() {
                    if is_default_keyword(e) {
                        if let Some(d) = named.get(k).map(|&i| default_of(i)).transpose()?.flatten()
                        {
                            *e = d;
                        }
                    }
                }
                row.content.extend(extra.iter().map(|(_, d)| d.clone()));
            }
            base_names.extend(extra.iter().map(|(n, _)| n.clone()));
        }
        Some(_) if !extra.is_empty() => {
            // A query source: its rows, then the view defaults.
            let source = ins
                .source
                .take()
                .ok_or_else(|| SqlError::internal("INSERT source"))?;
            let defaults: Vec<String> = extra.iter().map(|(_, d)| d.to_string()).collect();
            let text = format!(
                "SELECT view_source.*, {} FROM ({source}) AS view_source",
                defaults.join(", ")
            );
            let mut stmts = crate::session::parse(&text)?;
            let Some(ast::Statement::Query(q)) = stmts.pop() else {
                return Err(SqlError::internal("view default wrapper does not parse"));
            };
            ins.source = Some(q);
            base_names.extend(extra.iter().map(|(n, _)| n.clone()));
        }
        None if !extra.is_empty() => {
            let row = ast::Values {
                explicit_row: false,
                value_keyword: false,
                rows: vec![ast::Parens {
                    opening_token: ast::helpers::attached_token::AttachedToken::empty(),
                    content: extra.iter().map(|(_, d)| d.clone()).collect(),
                    closing_token: ast::helpers::attached_token::AttachedToken::empty(),
                }],
            };
            ins.source = Some(Box::new(bare_query(None, ast::SetExpr::Values(row))));
            base_names = extra.iter().map(|(n, _)| n.clone()).collect();
        }
        _ => {}
    }
    if ins.source.is_some() {
        ins.columns = base_names
            .iter()
            .map(|n| ast::ObjectName::from(vec![quoted(n)]))
            .collect();
    }
    if let Some(ast::OnInsert::OnConflict(oc)) = &mut ins.on {
        if let Some(ast::ConflictTarget::Columns { columns, predicate }) = &mut oc.conflict_target {
            if let Some(p) = predicate {
                shape.substitute(p, &target_name);
            }
            for c in columns.iter_mut() {
                if let Some(base) = shape
                    .column(&ident_name(c))
                    .and_then(|v| v.base_column.as_ref())
                {
                    *c = quoted(base);
                }
            }
        }
        if let ast::OnConflictAction::DoUpdate(du) = &mut oc.action {
            for a in &mut du.assignments {
                if let ast::AssignmentTarget::ColumnName(n) = &mut a.target {
                    if let [p] = n.0.as_slice() {
                        let col = p.as_ident().map(ident_name).unwrap_or_default();
                        if let Some(base) = shape.column(&col).and_then(|v| v.base_column.as_ref())
                        {
                            *n = ast::ObjectName::from(vec![quoted(base)]);
                        }
                    }
                }
                shape.substitute(&mut a.value, &target_name);
            }
            if let Some(w) = &mut du.selection {
                shape.substitute(w, &target_name);
            }
        }
    }
    ins.table = ast::TableObject::TableName(shape.base.clone());
    ins.table_alias = Some(ast::TableAliasWithoutColumns {
        explicit: true,
        alias: target.clone(),
    });
    shape.returning(&mut ins.returning, target);
    Ok(())
}

/// The view an INSERT/UPDATE/DELETE targets, if it targets one.
fn target_view<'c>(
    catalog: &'c Catalog,
    stmt: &ast::Statement,
) -> Option<&'c std::sync::Arc<ViewDef>> {
    let name = match stmt {
        ast::Statement::Insert(i) => match &i.table {
            ast::TableObject::TableName(n) => n,
            _ => return None,
        },
        ast::Statement::Update(u) => match &u.table.relation {
            ast::TableFactor::Table { name, .. } => name,
            _ => return None,
        },
        ast::Statement::Delete(d) => match &d.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => {
                match v.first().map(|t| &t.relation) {
                    Some(ast::TableFactor::Table { name, .. }) => name,
                    _ => return None,
                }
            }
        },
        _ => return None,
    };
    let key = object_name(name).ok()?;
    catalog.views.get(&key)
}

/// Binds an INSERT/UPDATE/DELETE whose target is a view by rewriting it onto
/// the view's base table; None when the target is not a view.
pub fn bind_through_view(b: &mut Binder, stmt: &ast::Statement) -> SqlResult<Option<Bound>> {
    let catalog = b.catalog();
    if catalog.views.is_empty() || target_view(catalog, stmt).is_none() {
        return Ok(None);
    }
    rewrite_and_bind(b, stmt).map(Some)
}

/// The body of [`bind_through_view`], kept out of line: statements on
/// tables (the common case) should not pay for its stack frame.
#[inline(never)]
fn rewrite_and_bind(b: &mut Binder, stmt: &ast::Statement) -> SqlResult<Bound> {
    let catalog = b.catalog();
    let mut stmt = stmt.clone();
    let mut checks: Vec<PendingCheck> = Vec::new();
    let mut cascade = false;
    let mut depth = 0;
    while let Some(def) = target_view(catalog, &stmt) {
        // DO INSTEAD rules rewrite before triggers or auto-update apply.
        if let Some(plan) = crate::rule_rewrite::bind(b, def, &stmt)? {
            return Ok(Bound::InsteadOf(Box::new(plan)));
        }
        if let Some(plan) = crate::view_instead_of::bind(b, def, &stmt)? {
            return Ok(Bound::InsteadOf(Box::new(plan)));
        }
        depth += 1;
        if depth > 64 {
            return Err(SqlError::new(
                "42P17",
                format!(
                    "infinite recursion detected in rules for relation \"{}\"",
                    def.name
                ),
            ));
        }
        rewrite_step(b, def, &mut stmt, &mut checks, &mut cascade)?;
    }
    let target = match &stmt {
        ast::Statement::Insert(i) => i.table_alias.as_ref().map(|a| ident_name(&a.alias)),
        ast::Statement::Update(u) => table_alias(&u.table.relation).map(|a| ident_name(&a)),
        _ => None,
    };
    let mut bound = match &stmt {
        ast::Statement::Insert(i) => Bound::Insert(b.bind_insert(i)?),
        ast::Statement::Update(u) => Bound::Update(b.bind_update(u)?),
        ast::Statement::Delete(d) => Bound::Delete(b.bind_delete(d)?),
        _ => return Err(SqlError::internal("view rewrite of a non-DML statement")),
    };
    if checks.is_empty() {
        return Ok(bound);
    }
    let target = target.unwrap_or_default();
    let (table, plan_checks, mut routing) = match &mut bound {
        Bound::Insert(p) => (p.table.clone(), &mut p.checks, p.routing.as_mut()),
        Bound::Update(p) => (
            p.table.clone(),
            &mut p.checks,
            p.partitions.as_mut().map(|t| &mut t.router),
        ),
        _ => return Ok(bound),
    };
    for (view, cond) in &checks {
        let name = format!("{VIEW_CHECK_MARK}{view}");
        plan_checks.push((name.clone(), bind_check(b, &table, &target, cond)?));
        if let Some(router) = routing.as_deref_mut() {
            let router = std::sync::Arc::get_mut(router)
                .ok_or_else(|| SqlError::internal("shared partition router"))?;
            for leaf in &mut router.leaves {
                let e = bind_check(b, &leaf.table, &target, cond)?;
                let leaf_name = match &leaf.from_leaf {
                    Some(order) => {
                        let order: Vec<String> = order.iter().map(|i| i.to_string()).collect();
                        format!("{name}\0{}", order.join(","))
                    }
                    None => name.clone(),
                };
                leaf.checks.push((leaf_name, e));
            }
        }
    }
    Ok(bound)
}

/// Binds a check-option condition over the rows of `table` (named `alias`).
fn bind_check(
    b: &mut Binder,
    table: &crate::catalog::TableDef,
    alias: &str,
    cond: &ast::Expr,
) -> SqlResult<Expr> {
    let scope = Scope::of_table(table, alias);
    let e = b.bind_expr(cond, &scope)?;
    if e.ty().ty != SqlType::Bool {
        return Err(SqlError::internal("view condition is not boolean"));
    }
    Ok(e)
}

/// Per column of view `def`, whether it is updatable; None when the view
/// is not automatically updatable (for information_schema).
pub fn updatable_columns(catalog: &Catalog, def: &ViewDef) -> Option<Vec<bool>> {
    let target = quoted(unqualified(&def.name));
    let s = shape(catalog, def, Event::Delete, &target).ok()?;
    Some(s.columns.iter().map(|c| c.base_column.is_some()).collect())
}
