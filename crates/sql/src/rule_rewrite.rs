//! Applying a view's DO INSTEAD rules (see `crate::rules`) to an
//! INSERT/UPDATE/DELETE on the view. The affected view rows are read by
//! the same query INSTEAD OF triggers use (`crate::view_instead_of`: new
//! rows for INSERT, old then new rows for UPDATE, old rows for DELETE);
//! each rule action is the rule's statement with its NEW/OLD references
//! replaced by `$n` parameters (`new.*`/`old.*` expanded to one per view
//! column), run once per affected row with that row as parameters. Actions
//! run in rule-name order, each over every row before the next starts and
//! each reading the affected rows anew, as PostgreSQL runs its rewritten
//! queries one after another. The command tag counts the rows of the last
//! INSTEAD action of the statement's own kind (PostgreSQL's rule); the
//! statement's RETURNING is computed over the rows the (one) action with a
//! RETURNING list returned, read as view rows.

use std::sync::Arc;

use sqlparser::ast::{self, VisitMut, VisitorMut};

use crate::binder::Binder;
use crate::datum::{cast, CastContext, Datum};
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};
use crate::routine::instead_of::InsteadOfPlan;
use crate::routine::TriggerEvent;
use crate::types::{ColType, SqlType};
use crate::view::ViewDef;

/// One rule action, ready to run per affected row.
#[derive(Clone, Debug)]
pub struct RuleAction {
    /// `SELECT (condition)` with `$n` parameters, if the rule has a WHERE.
    pub condition: Option<String>,
    /// The action statement with `$n` parameters.
    pub sql: String,
    /// The action is an INSTEAD rule's, of the statement's own kind (its
    /// row count can be the statement's tag).
    pub counted: bool,
    /// The action has a RETURNING list (it supplies the statement's).
    pub returning: bool,
}

/// The statement itself, when DO ALSO rules on a table add to it rather
/// than replace it (`crate::table_rules`).
#[derive(Clone, Debug)]
pub enum OriginalStatement {
    Insert(crate::binder::InsertPlan),
    Update(crate::binder::UpdatePlan),
    Delete(crate::binder::DeletePlan),
}

/// The rule actions of a rewritten statement.
#[derive(Clone, Debug)]
pub struct RulePlan {
    pub actions: Vec<RuleAction>,
    /// Parameter types: the view's column types (twice for UPDATE: old, new).
    pub param_types: Vec<ColType>,
    /// The statement as written, run besides the actions (no INSTEAD rule).
    pub original: Option<Arc<OriginalStatement>>,
}

/// Replaces NEW/OLD column references by parameters.
struct Substitute<'a> {
    columns: &'a [String],
    /// Parameter number (1-based) of the first NEW / OLD column.
    new_base: Option<usize>,
    old_base: Option<usize>,
    error: Option<SqlError>,
}

impl<'a> Substitute<'a> {
    /// A substitution of `event`'s NEW/OLD over the view columns `columns`.
    fn new(event: TriggerEvent, columns: &'a [String]) -> Substitute<'a> {
        let (new_base, old_base) = bases(event, columns.len());
        Substitute {
            columns,
            new_base,
            old_base,
            error: None,
        }
    }

    fn base(&self, qualifier: &ast::Ident) -> Option<Option<usize>> {
        if qualifier.quote_style.is_some() {
            return None;
        }
        match qualifier.value.to_lowercase().as_str() {
            "new" => Some(self.new_base),
            "old" => Some(self.old_base),
            _ => None,
        }
    }

    fn param(n: usize) -> ast::Expr {
        ast::Expr::Value(ast::Value::Placeholder(format!("${n}")).into())
    }

    fn reference(&mut self, qualifier: &ast::Ident, column: &ast::Ident) -> Option<ast::Expr> {
        let base = self.base(qualifier)?;
        let Some(base) = base else {
            let (on, uses) = match self.new_base {
                Some(_) => ("INSERT", "OLD"),
                None => ("DELETE", "NEW"),
            };
            self.error.get_or_insert_with(|| {
                SqlError::new("42P17", format!("ON {on} rule cannot use {uses}"))
            });
            return None;
        };
        let name = crate::binder::ident_name(column);
        match self.columns.iter().position(|c| *c == name) {
            Some(i) => Some(Self::param(base + i)),
            None => {
                self.error.get_or_insert_with(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column {}.{name} does not exist",
                            qualifier.value.to_lowercase()
                        ),
                    )
                });
                None
            }
        }
    }

    /// The parameters `new.*` / `old.*` stand for, if `name` is one.
    fn star(&self, name: &ast::ObjectName) -> Option<Vec<ast::Expr>> {
        let [part] = name.0.as_slice() else {
            return None;
        };
        let base = self.base(part.as_ident()?)??;
        Some(
            (0..self.columns.len())
                .map(|i| Self::param(base + i))
                .collect(),
        )
    }

    fn expand_exprs(&self, list: &mut Vec<ast::Expr>) {
        let mut out = Vec::with_capacity(list.len());
        for e in list.drain(..) {
            match &e {
                ast::Expr::QualifiedWildcard(n, _) => match self.star(n) {
                    Some(params) => out.extend(params),
                    None => out.push(e),
                },
                _ => out.push(e),
            }
        }
        *list = out;
    }

    fn expand_set_expr(&self, body: &mut ast::SetExpr) {
        match body {
            ast::SetExpr::Values(v) => {
                for row in &mut v.rows {
                    self.expand_exprs(&mut row.content);
                }
            }
            ast::SetExpr::Select(s) => {
                let mut out = Vec::with_capacity(s.projection.len());
                for item in s.projection.drain(..) {
                    match &item {
                        ast::SelectItem::QualifiedWildcard(
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => match self.star(n) {
                            Some(params) => {
                                out.extend(params.into_iter().map(ast::SelectItem::UnnamedExpr))
                            }
                            None => out.push(item),
                        },
                        _ => out.push(item),
                    }
                }
                s.projection = out;
            }
            ast::SetExpr::Query(q) => self.expand_set_expr(&mut q.body),
            ast::SetExpr::SetOperation { left, right, .. } => {
                self.expand_set_expr(left);
                self.expand_set_expr(right);
            }
            _ => {}
        }
    }
}

impl VisitorMut for Substitute<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut ast::Query) -> std::ops::ControlFlow<()> {
        self.expand_set_expr(&mut q.body);
        std::ops::ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut ast::Expr) -> std::ops::ControlFlow<()> {
        if let ast::Expr::CompoundIdentifier(parts) = e {
            if let [q, c] = parts.as_slice() {
                if let Some(p) = self.reference(q, c) {
                    *e = p;
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// Parameter bases (NEW, OLD) for `event` on a view `width` wide.
fn bases(event: TriggerEvent, width: usize) -> (Option<usize>, Option<usize>) {
    match event {
        TriggerEvent::Insert => (Some(1), None),
        TriggerEvent::Update => (Some(width + 1), Some(1)),
        _ => (None, Some(1)),
    }
}

/// `stmt` with NEW/OLD references of view columns `columns` as parameters.
pub fn substitute(
    stmt: &mut ast::Statement,
    event: TriggerEvent,
    columns: &[String],
) -> SqlResult<()> {
    let mut s = Substitute::new(event, columns);
    if let ast::Statement::Insert(i) = stmt {
        if let Some(src) = &mut i.source {
            s.expand_set_expr(&mut src.body);
        }
    }
    let _ = stmt.visit(&mut s);
    match s.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn condition_sql(text: &str, event: TriggerEvent, columns: &[String]) -> SqlResult<String> {
    let mut e = crate::binder::parse_expr(text)?;
    let mut s = Substitute::new(event, columns);
    let _ = e.visit(&mut s);
    if let Some(err) = s.error {
        return Err(err);
    }
    Ok(format!("SELECT ({e})"))
}

fn event_of(stmt: &ast::Statement) -> Option<TriggerEvent> {
    match stmt {
        ast::Statement::Insert(_) => Some(TriggerEvent::Insert),
        ast::Statement::Update(_) => Some(TriggerEvent::Update),
        ast::Statement::Delete(_) => Some(TriggerEvent::Delete),
        _ => None,
    }
}

/// The action statement of `text` for a rule on `event` of a view with
/// `columns`, with parameters; and whether it has a RETURNING list.
fn action_sql(
    text: &str,
    event: TriggerEvent,
    columns: &[String],
) -> SqlResult<(ast::Statement, bool)> {
    let mut stmts = crate::session::parse(text)?;
    let (Some(mut stmt), true) = (stmts.pop(), stmts.is_empty()) else {
        return Err(SqlError::syntax("a rule action must be one statement"));
    };
    let returning = match &stmt {
        ast::Statement::Insert(i) => i.returning.is_some(),
        ast::Statement::Update(u) => u.returning.is_some(),
        ast::Statement::Delete(d) => d.returning.is_some(),
        ast::Statement::Query(_) => false,
        _ => return Err(SqlError::unsupported("this rule action statement")),
    };
    substitute(&mut stmt, event, columns)?;
    Ok((stmt, returning))
}

/// CREATE RULE's check of an action: it binds with the view's row as
/// NEW/OLD, and a RETURNING list matches the view's columns in number.
pub fn check_action(
    catalog: &crate::catalog::Catalog,
    relation: &str,
    columns: &[String],
    event: TriggerEvent,
    text: &str,
) -> SqlResult<()> {
    let quote = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let view_sql = match relation.split_once('.') {
        None => quote(relation),
        Some((s, n)) => format!("{}.{}", quote(s), quote(n)),
    };
    let text_of_view = format!("SELECT * FROM {view_sql}");
    let query = match crate::session::parse(&text_of_view)?.pop() {
        Some(ast::Statement::Query(q)) => q,
        _ => return Err(SqlError::internal("view reference does not parse")),
    };
    let types: Vec<ColType> = Binder::new(catalog, &text_of_view, vec![])
        .bind_query(&query)?
        .columns
        .iter()
        .map(|c| c.ty)
        .collect();
    let param_types = match event {
        TriggerEvent::Update => [types.clone(), types].concat(),
        _ => types,
    };
    let (mut stmt, returning) = action_sql(text, event, columns)?;
    let sql = stmt.to_string();
    // Relation names through the session's search path, as when it runs.
    if crate::schema::resolution_needed(catalog) {
        let temp = catalog.search_path.temp.clone().unwrap_or_default();
        crate::schema::resolve_statement(&mut stmt, catalog, &sql, &temp)?;
    }
    let bound = crate::session::bind_data(&mut Binder::new(catalog, &sql, param_types), &stmt)?;
    if returning {
        let n = bound.columns().len();
        if n > columns.len() {
            return Err(SqlError::new(
                "42P17",
                "RETURNING list has too many entries",
            ));
        }
        if n < columns.len() {
            return Err(SqlError::new("42P17", "RETURNING list has too few entries"));
        }
    }
    Ok(())
}

/// The event of `stmt` and the rules of `def` for it, in their stored order;
/// None when `stmt` is no INSERT/UPDATE/DELETE or no rule is for its event.
fn rules_for_event<'d>(
    def: &'d ViewDef,
    stmt: &ast::Statement,
) -> Option<(TriggerEvent, Vec<&'d crate::rules::RuleDef>)> {
    let event = event_of(stmt)?;
    let rules: Vec<&crate::rules::RuleDef> =
        def.rules.iter().filter(|r| r.event == event).collect();
    (!rules.is_empty()).then_some((event, rules))
}

/// The rule-carried plan for `stmt` on view `def`, or None when the view
/// has no rule for the statement's event.
pub fn bind(
    b: &mut Binder,
    def: &ViewDef,
    stmt: &ast::Statement,
) -> SqlResult<Option<InsteadOfPlan>> {
    let Some((event, rules)) = rules_for_event(def, stmt) else {
        return Ok(None);
    };
    if !rules.iter().any(|r| r.instead && r.condition.is_none()) {
        let shown = crate::schema::split(&def.name).1;
        let verb = event.name();
        if rules.iter().any(|r| r.instead) {
            // PostgreSQL: the view would need the rules' NOT conditions
            // applied to an automatic update, which it does not do.
            let (what, doing) = match event {
                TriggerEvent::Insert => ("insert into", "inserting into"),
                TriggerEvent::Update => ("update", "updating"),
                _ => ("delete from", "deleting from"),
            };
            return Err(SqlError::new("55000", format!("cannot {what} view \"{shown}\""))
                .with_detail("Views with conditional DO INSTEAD rules are not automatically updatable.")
                .with_hint(format!(
                    "To enable {doing} the view, provide an INSTEAD OF {verb} trigger or an unconditional ON {verb} DO INSTEAD rule."
                )));
        }
        // DO ALSO rules only: the statement itself runs too, through the
        // view's INSTEAD OF triggers or as an automatic update; a view
        // offering neither fails there with PostgreSQL's error.
        let triggers = crate::routine::instead_of::view_triggers(b.catalog(), &def.name, event);
        if triggers.is_empty() && !crate::view_dml::auto_updatable(b.catalog(), def) {
            return Ok(None);
        }
        return Err(SqlError::unsupported(
            "DO ALSO rules on a view the statement itself writes through",
        ));
    }
    let Some(plan) = bind_actions(b, def, stmt)? else {
        return Ok(None);
    };
    if plan.returning.is_some() && !plan.rules.as_ref().is_some_and(|r| r.returns()) {
        return Err(returning_needs_instead_rule(event, &plan.view));
    }
    Ok(Some(plan))
}

/// PostgreSQL's error for RETURNING that no rule action can supply.
pub fn returning_needs_instead_rule(event: TriggerEvent, relation: &str) -> SqlError {
    let verb = event.name();
    SqlError::new(
        "0A000",
        format!("cannot perform {verb} RETURNING on relation \"{relation}\""),
    )
    .with_hint(format!(
        "You need an unconditional ON {verb} DO INSTEAD rule with a RETURNING clause."
    ))
}

impl RulePlan {
    /// Does an action supply the statement's RETURNING rows?
    pub fn returns(&self) -> bool {
        self.actions.iter().any(|a| a.returning)
    }
}

/// The affected rows of `stmt` on `def` (a view, or a table seen as one)
/// with every rule action for its event; None without rules for it.
pub fn bind_actions(
    b: &mut Binder,
    def: &ViewDef,
    stmt: &ast::Statement,
) -> SqlResult<Option<InsteadOfPlan>> {
    let Some((event, rules)) = rules_for_event(def, stmt) else {
        return Ok(None);
    };
    let mut plan = crate::view_instead_of::bind_rows(b, def, stmt, event)?;
    let mut actions = Vec::new();
    for rule in rules {
        let condition = match &rule.condition {
            Some(c) => Some(condition_sql(c, event, &def.columns)?),
            None => None,
        };
        for text in &rule.actions {
            let (action, returning) = action_sql(text, event, &def.columns)?;
            actions.push(RuleAction {
                condition: condition.clone(),
                counted: rule.instead && event_of(&action) == Some(event),
                sql: action.to_string(),
                returning,
            });
        }
    }
    let param_types = match event {
        TriggerEvent::Update => [plan.types.clone(), plan.types.clone()].concat(),
        _ => plan.types.clone(),
    };
    plan.rules = Some(Arc::new(RulePlan {
        actions,
        param_types,
        original: None,
    }));
    Ok(Some(plan))
}

fn to_view_type(d: Datum, from: ColType, to: ColType) -> SqlResult<Datum> {
    if d.is_null() || from.ty == to.ty || to.ty == SqlType::Unknown {
        return Ok(d);
    }
    cast(d, from.ty, to, CastContext::Assignment)
}

impl<'a> Ctx<'a> {
    /// Runs a statement rewritten by rules: its row count and RETURNING rows.
    pub(crate) async fn run_rules(
        &mut self,
        p: &InsteadOfPlan,
        rules: &RulePlan,
    ) -> SqlResult<(u64, Vec<Row>)> {
        let width = rules.param_types.len();
        let mut count = 0u64;
        let mut out = Vec::new();
        // DO ALSO rules on a table: an INSERT runs before the actions (they
        // see its rows), an UPDATE/DELETE after them (they see the rows it
        // is about to change), as PostgreSQL orders the rewritten queries.
        let original_first = matches!(
            rules.original.as_deref(),
            Some(OriginalStatement::Insert(_))
        );
        let mut original_result = None;
        if original_first {
            original_result = Some(self.run_original(rules).await?);
        }
        for action in &rules.actions {
            // Each action reads the affected rows anew: it sees what the
            // actions before it wrote, as PostgreSQL's rewritten queries do.
            let rows = self.exec_query(&p.source).await?;
            let mut action_count = 0u64;
            for row in &rows {
                let params: Vec<Datum> = row.iter().take(width).cloned().collect();
                if params.len() != width {
                    return Err(SqlError::internal("rule source row of the wrong width"));
                }
                if let Some(cond) = &action.condition {
                    let r = self
                        .run_sql(cond, params.clone(), rules.param_types.clone())
                        .await?;
                    let holds = matches!(
                        r.rows.first().and_then(|r| r.first()),
                        Some(Datum::Bool(true))
                    );
                    if !holds {
                        continue;
                    }
                }
                let r = self
                    .run_sql(&action.sql, params, rules.param_types.clone())
                    .await?;
                action_count += r.count;
                if !action.returning {
                    continue;
                }
                let Some((exprs, _)) = &p.returning else {
                    continue;
                };
                for returned in r.rows {
                    let mut view_row = Vec::with_capacity(p.types.len());
                    for (i, d) in returned.into_iter().enumerate().take(p.types.len()) {
                        let from = r.columns.get(i).map_or(p.types[i], |c| c.ty);
                        view_row.push(to_view_type(d, from, p.types[i])?);
                    }
                    let mut values = Vec::with_capacity(exprs.len());
                    for e in exprs {
                        values.push(self.eval_row(e, &view_row, &[]).await?);
                    }
                    out.push(values);
                }
            }
            // PostgreSQL's tag: the last action of the statement's own kind.
            if action.counted {
                count = action_count;
            }
        }
        if rules.original.is_some() && !original_first {
            original_result = Some(self.run_original(rules).await?);
        }
        // The statement ran as written: its count and rows are the result.
        Ok(original_result.unwrap_or((count, out)))
    }

    async fn run_original(&mut self, rules: &RulePlan) -> SqlResult<(u64, Vec<Row>)> {
        match rules.original.as_deref() {
            Some(OriginalStatement::Insert(p)) => self.insert(p).await,
            Some(OriginalStatement::Update(p)) => self.update(p).await,
            Some(OriginalStatement::Delete(p)) => self.delete(p).await,
            None => Err(SqlError::internal("no original statement")),
        }
    }
}
