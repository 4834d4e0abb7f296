//! The binder: resolves names against the catalog, types every expression
//! with PostgreSQL's rules (unknown literals, implicit casts, operator
//! resolution), and turns sqlparser's AST into bound plans (`plan.rs`).

use std::sync::Arc;

use sqlparser::ast::{self, Spanned};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Span;

use crate::catalog::{Catalog, IndexDef, TableDef};
use crate::datum::{apply_typmod, cast, CastContext, Datum};
use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;
use crate::plan::*;
use crate::planner::choose_access;
use crate::types::{self, Category, ColType, SqlType};

/// A column visible to expressions: the input row's layout.
#[derive(Clone, Debug)]
pub struct ScopeCol {
    pub qualifier: Option<String>,
    pub name: String,
    pub ty: ColType,
}

#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub cols: Vec<ScopeCol>,
}

impl Scope {
    pub fn of_table(t: &TableDef, alias: &str) -> Scope {
        Scope {
            cols: t
                .columns
                .iter()
                .map(|c| ScopeCol {
                    qualifier: Some(alias.to_string()),
                    name: c.name.clone(),
                    ty: c.ty,
                })
                .collect(),
        }
    }
}

/// A WITH query in scope.
#[derive(Clone, Debug)]
struct CteDef {
    name: String,
    query: ast::Query,
    columns: Vec<String>,
}

/// Aggregation context of the SELECT being bound.
struct AggState {
    groups: Vec<Expr>,
    aggs: Vec<AggCall>,
}

/// A bound INSERT.
#[derive(Clone, Debug)]
pub struct InsertPlan {
    pub table: Arc<TableDef>,
    pub source: InsertSource,
    /// Per table column, the default (already cast to the column type).
    pub defaults: Vec<Option<Expr>>,
    pub checks: Vec<(String, Expr)>,
    pub returning: Option<(Vec<Expr>, Vec<OutColumn>)>,
    pub on_conflict: Option<OnConflictPlan>,
}

/// `ON CONFLICT`: the unique indexes that arbitrate, and what to do on a hit.
#[derive(Clone, Debug)]
pub struct OnConflictPlan {
    pub arbiters: Vec<IndexDef>,
    pub action: ConflictAction,
}

#[derive(Clone, Debug)]
pub enum ConflictAction {
    Nothing,
    /// Expressions see the existing row followed by the `excluded` row.
    Update {
        assignments: Vec<(usize, Expr)>,
        filter: Option<Expr>,
    },
}

#[derive(Clone, Debug)]
pub enum InsertSource {
    /// Full-width rows; None = the column's default.
    Values(Vec<Vec<Option<Expr>>>),
    /// Query rows mapped to table columns: `targets[i]` receives `casts[i]` (over the query row).
    Query {
        plan: Box<QueryPlan>,
        targets: Vec<usize>,
        casts: Vec<Expr>,
    },
}

#[derive(Clone, Debug)]
pub struct UpdatePlan {
    pub table: Arc<TableDef>,
    pub access: Access,
    pub filter: Option<Expr>,
    pub assignments: Vec<(usize, Expr)>,
    pub checks: Vec<(String, Expr)>,
    pub returning: Option<(Vec<Expr>, Vec<OutColumn>)>,
}

#[derive(Clone, Debug)]
pub struct DeletePlan {
    pub table: Arc<TableDef>,
    pub access: Access,
    pub filter: Option<Expr>,
    pub returning: Option<(Vec<Expr>, Vec<OutColumn>)>,
}

pub fn ident_name(i: &ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The relation name of an object name (`public.t` -> `t`).
pub fn object_name(n: &ast::ObjectName) -> SqlResult<String> {
    let parts: Vec<String> =
        n.0.iter()
            .map(|p| match p.as_ident() {
                Some(i) => Ok(ident_name(i)),
                None => Err(SqlError::unsupported("this kind of name")),
            })
            .collect::<SqlResult<_>>()?;
    match parts.as_slice() {
        [name] => Ok(name.clone()),
        [schema, name] if schema == "public" => Ok(name.clone()),
        _ => Err(SqlError::undefined_table(&parts.join("."))),
    }
}

pub fn parse_expr(text: &str) -> SqlResult<ast::Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::internal(format!("stored expression does not parse: {e}")))
}

/// Scalar functions the binder knows (anything else is 42883).
const KNOWN_FUNCTIONS: &[&str] = &[
    "abs",
    "lower",
    "upper",
    "reverse",
    "btrim",
    "ltrim",
    "rtrim",
    "replace",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "substring",
    "substr",
    "left",
    "right",
    "repeat",
    "strpos",
    "concat",
    "coalesce",
    "greatest",
    "least",
    "nullif",
    "round",
    "trunc",
    "ceil",
    "ceiling",
    "floor",
    "sign",
    "sqrt",
    "power",
    "pow",
    "mod",
    "nextval",
    "version",
    "current_database",
    "current_schema",
];

const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "bool_and",
    "bool_or",
    "every",
    "string_agg",
];

fn is_aggregate_call(e: &ast::Expr) -> bool {
    if let ast::Expr::Function(f) = e {
        if f.over.is_none() && f.name.0.len() == 1 {
            if let Some(i) = f.name.0[0].as_ident() {
                return AGGREGATES.contains(&ident_name(i).as_str());
            }
        }
    }
    false
}

/// Whether an AST expression contains an aggregate call (not looking into subqueries).
fn contains_aggregate(e: &ast::Expr) -> bool {
    use ast::Expr as E;
    if is_aggregate_call(e) {
        return true;
    }
    let c = |x: &ast::Expr| contains_aggregate(x);
    match e {
        E::BinaryOp { left, right, .. } => c(left) || c(right),
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::IsNull(expr)
        | E::IsNotNull(expr)
        | E::IsTrue(expr)
        | E::IsFalse(expr)
        | E::IsNotTrue(expr)
        | E::IsNotFalse(expr)
        | E::IsUnknown(expr)
        | E::IsNotUnknown(expr)
        | E::Cast { expr, .. }
        | E::Ceil { expr, .. }
        | E::Floor { expr, .. } => c(expr),
        E::Between {
            expr, low, high, ..
        } => c(expr) || c(low) || c(high),
        E::Like { expr, pattern, .. } | E::ILike { expr, pattern, .. } => c(expr) || c(pattern),
        E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => c(a) || c(b),
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(c)
                || conditions.iter().any(|w| c(&w.condition) || c(&w.result))
                || else_result.as_deref().is_some_and(c)
        }
        E::Function(f) => function_args(f)
            .iter()
            .any(|a| matches!(a, FnArg::Expr(x) if c(x))),
        E::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            c(expr)
                || substring_from.as_deref().is_some_and(c)
                || substring_for.as_deref().is_some_and(c)
        }
        E::In {
            expr,
            target: ast::InTarget::List(l),
            ..
        } => c(expr) || l.iter().any(c),
        E::In { expr, .. } => c(expr),
        E::Trim {
            expr, trim_what, ..
        } => c(expr) || trim_what.as_deref().is_some_and(c),
        E::Position { expr, r#in } => c(expr) || c(r#in),
        _ => false,
    }
}

enum FnArg<'a> {
    Expr(&'a ast::Expr),
    Star,
}

fn function_args(f: &ast::Function) -> Vec<FnArg<'_>> {
    match &f.args {
        ast::FunctionArguments::List(l) => l
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => FnArg::Expr(e),
                ast::FunctionArg::Named {
                    arg: ast::FunctionArgExpr::Expr(e),
                    ..
                } => FnArg::Expr(e),
                _ => FnArg::Star,
            })
            .collect(),
        _ => vec![],
    }
}

/// PostgreSQL's FigureColname: the output name of a select item without alias.
pub fn figure_colname(e: &ast::Expr) -> String {
    figure(e).0
}

/// Name and strength (2 = column or function name, 1 = type name of a cast, 0 = none).
fn figure(e: &ast::Expr) -> (String, u8) {
    use ast::Expr as E;
    let none = || ("?column?".to_string(), 0);
    let named = |s: &str| (s.to_string(), 2);
    match e {
        E::Identifier(i) => (ident_name(i), 2),
        E::CompoundIdentifier(parts) => parts
            .last()
            .map(|p| (ident_name(p), 2))
            .unwrap_or_else(none),
        E::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| (ident_name(i), 2))
            .unwrap_or_else(none),
        E::Nested(inner) => figure(inner),
        E::Cast {
            expr, data_type, ..
        } => {
            let inner = figure(expr);
            if inner.1 > 1 {
                return inner;
            }
            types::from_ast(data_type)
                .map(|t| (t.ty.typname().to_string(), 1))
                .unwrap_or(inner)
        }
        E::TypedString(ts) => types::from_ast(&ts.data_type)
            .map(|t| (t.ty.typname().to_string(), 1))
            .unwrap_or_else(|_| none()),
        E::Case { .. } => named("case"),
        E::Exists { .. } => named("exists"),
        E::Substring { .. } => named("substring"),
        E::Ceil { .. } => named("ceil"),
        E::Floor { .. } => named("floor"),
        E::Trim { .. } => named("btrim"),
        E::Position { .. } => named("position"),
        E::Value(v) if matches!(v.value, ast::Value::Boolean(_)) => ("bool".into(), 1),
        E::Subquery(q) => match q.body.as_ref() {
            ast::SetExpr::Select(s) => match s.projection.first() {
                Some(ast::SelectItem::UnnamedExpr(e)) => figure(e),
                Some(ast::SelectItem::ExprWithAlias { alias, .. }) => (ident_name(alias), 2),
                _ => none(),
            },
            _ => none(),
        },
        _ => none(),
    }
}

/// Span of the leftmost token of an expression, found without recursion
/// (sqlparser's `Spanned::span` walks the whole tree, which overflows the
/// stack on long operator chains).
pub fn start_span(e: &ast::Expr) -> Span {
    use ast::Expr as E;
    let mut e = e;
    loop {
        e = match e {
            E::BinaryOp { left, .. } => left,
            E::Nested(x)
            | E::IsNull(x)
            | E::IsNotNull(x)
            | E::IsTrue(x)
            | E::IsFalse(x)
            | E::IsNotTrue(x)
            | E::IsNotFalse(x)
            | E::IsUnknown(x)
            | E::IsNotUnknown(x) => x,
            E::IsDistinctFrom(a, _) | E::IsNotDistinctFrom(a, _) => a,
            E::Cast { expr, .. }
            | E::Between { expr, .. }
            | E::Like { expr, .. }
            | E::ILike { expr, .. }
            | E::In { expr, .. }
            | E::UnaryOp { expr, .. }
            | E::Collate { expr, .. } => expr,
            E::Identifier(i) => return i.span,
            E::CompoundIdentifier(v) => return v.first().map(|i| i.span).unwrap_or(Span::empty()),
            E::Value(v) => return v.span,
            E::Function(f) => {
                return f
                    .name
                    .0
                    .first()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.span)
                    .unwrap_or(Span::empty())
            }
            E::Case { case_token, .. } => return case_token.0.span,
            E::TypedString(ts) => return ts.value.span,
            _ => return Span::empty(),
        };
    }
}

/// Resolves the common type of a set of expressions (CASE, COALESCE, UNION...).
pub fn common_type(tys: &[SqlType]) -> Option<SqlType> {
    let known: Vec<SqlType> = tys
        .iter()
        .copied()
        .filter(|t| *t != SqlType::Unknown)
        .collect();
    let Some(first) = known.first().copied() else {
        return Some(SqlType::Text);
    };
    let cat = first.category();
    if known.iter().any(|t| t.category() != cat) {
        return None;
    }
    Some(match cat {
        Category::Numeric => known
            .iter()
            .copied()
            .max_by_key(|t| t.numeric_rank())
            .unwrap_or(first),
        Category::String => {
            if known.iter().all(|t| *t == first) {
                first
            } else {
                SqlType::Text
            }
        }
        _ => first,
    })
}

/// Whether a cast exists in the given context (PostgreSQL's pg_cast, for our types).
pub fn can_cast(from: SqlType, to: SqlType, ctx: CastContext) -> bool {
    use SqlType as T;
    if from == to || from == T::Unknown {
        return true;
    }
    let (fc, tc) = (from.category(), to.category());
    match ctx {
        CastContext::Implicit => match (fc, tc) {
            (Category::Numeric, Category::Numeric) => from.numeric_rank() < to.numeric_rank(),
            (Category::String, Category::String) => to != T::Bpchar || from == T::Bpchar,
            _ => false,
        },
        CastContext::Assignment => {
            matches!(
                (fc, tc),
                (Category::Numeric, Category::Numeric) | (_, Category::String)
            )
        }
        CastContext::Explicit => match (fc, tc) {
            (Category::Numeric, Category::Numeric)
            | (Category::String, _)
            | (_, Category::String) => true,
            (Category::Bool, Category::Numeric) | (Category::Numeric, Category::Bool) => {
                (from == T::Bool && to == T::Int4) || (from == T::Int4 && to == T::Bool)
            }
            _ => false,
        },
    }
}

pub struct Binder<'a> {
    catalog: &'a Catalog,
    sql: &'a str,
    /// Parameter types; Unknown until inferred.
    pub params: Vec<ColType>,
    outer: Vec<Scope>,
    outer_refs: usize,
    next_subquery: usize,
    agg: Option<AggState>,
    /// Depth of aggregate-argument binding, to reject nested aggregates.
    in_agg_arg: bool,
    /// WITH queries visible at this point, innermost last.
    ctes: Vec<CteDef>,
    /// Current expression nesting while binding.
    depth: usize,
    /// Table scans bound now lock their rows (FOR UPDATE/SHARE).
    lock_scans: bool,
}

impl<'a> Binder<'a> {
    pub fn new(catalog: &'a Catalog, sql: &'a str, params: Vec<ColType>) -> Binder<'a> {
        Binder {
            catalog,
            sql,
            params,
            outer: vec![],
            outer_refs: 0,
            next_subquery: 0,
            agg: None,
            in_agg_arg: false,
            ctes: vec![],
            depth: 0,
            lock_scans: false,
        }
    }

    /// 1-based character offset of a span's start in the query text.
    pub fn pos(&self, span: Span) -> Option<u32> {
        span_position(self.sql, span)
    }

    fn err_at<T>(&self, e: SqlError, span: Span) -> SqlResult<T> {
        Err(e.at(self.pos(span)))
    }

    pub fn table(&self, name: &ast::ObjectName) -> SqlResult<Arc<TableDef>> {
        let n = object_name(name).map_err(|e| e.at(self.pos(name.span())))?;
        self.catalog
            .table(&n)
            .map_err(|e| e.at(self.pos(name.span())))
    }

    // ---------------------------------------------------------------- coercion

    /// Converts `e` to type `to` under `ctx`, folding constants. Errors with `None`
    /// if no such cast exists (callers phrase the message).
    /// Only parse errors of untyped literals carry a position (they happen at
    /// parse time in PostgreSQL); other cast errors happen at run time.
    pub fn try_coerce(
        &mut self,
        e: Expr,
        to: ColType,
        ctx: CastContext,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let from = e.ty();
        if from.ty == to.ty && (to.typmod < 0 || from.typmod == to.typmod) {
            return Ok(Some(e));
        }
        if let Expr::Param(i, t) = &e {
            if t.ty == SqlType::Unknown {
                if let Some(slot) = self.params.get_mut(*i) {
                    *slot = to.ty.plain();
                }
                let p = Expr::Param(*i, to.ty.plain());
                return if to.typmod >= 0 {
                    Ok(Some(Expr::Cast {
                        expr: Box::new(p),
                        from: to.ty,
                        to,
                        ctx,
                    }))
                } else {
                    Ok(Some(p))
                };
            }
        }
        if !can_cast(from.ty, to.ty, ctx) {
            return Ok(None);
        }
        if let Expr::Const(d, _) = &e {
            let folded = if from.ty == SqlType::Unknown {
                let base = cast(d.clone(), from.ty, to.ty.plain(), ctx)
                    .map_err(|err| err.at(self.pos(span)))?;
                apply_typmod(base, to, ctx)?
            } else {
                cast(d.clone(), from.ty, to, ctx)?
            };
            return Ok(Some(Expr::Const(folded, to)));
        }
        Ok(Some(Expr::Cast {
            expr: Box::new(e),
            from: from.ty,
            to,
            ctx,
        }))
    }

    fn coerce_implicit(&mut self, e: Expr, to: SqlType, span: Span) -> SqlResult<Expr> {
        let from = e.ty().ty;
        match self.try_coerce(e, to.plain(), CastContext::Implicit, span) {
            Ok(Some(x)) => Ok(x),
            Ok(None) => self.err_at(
                SqlError::datatype_mismatch(format!(
                    "cannot cast type {} to {}",
                    from.display_name(),
                    to.display_name()
                )),
                span,
            ),
            Err(err) => Err(err),
        }
    }

    /// Assignment to a column: PostgreSQL's "column is of type X but expression is of type Y".
    pub fn coerce_assign(
        &mut self,
        e: Expr,
        col: &crate::catalog::ColumnDef,
        span: Span,
    ) -> SqlResult<Expr> {
        let from = e.ty();
        match self.try_coerce(e, col.ty, CastContext::Assignment, span) {
            Ok(Some(x)) => Ok(x),
            Ok(None) => self.err_at(
                SqlError::datatype_mismatch(format!(
                    "column \"{}\" is of type {} but expression is of type {}",
                    col.name,
                    col.ty.display(),
                    from.display()
                ))
                .with_hint("You will need to rewrite or cast the expression."),
                span,
            ),
            Err(err) => Err(err),
        }
    }

    fn coerce_bool(&mut self, e: Expr, what: &str, span: Span) -> SqlResult<Expr> {
        let t = e.ty().ty;
        if t == SqlType::Bool {
            return Ok(e);
        }
        if t == SqlType::Unknown {
            return self.coerce_implicit(e, SqlType::Bool, span);
        }
        self.err_at(
            SqlError::datatype_mismatch(format!(
                "argument of {what} must be type boolean, not type {}",
                t.display_name()
            )),
            span,
        )
    }

    // ---------------------------------------------------------------- queries

    pub fn bind_query(&mut self, q: &ast::Query) -> SqlResult<QueryPlan> {
        let base = self.ctes.len();
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(SqlError::unsupported("WITH RECURSIVE").at(None));
            }
            for cte in &with.cte_tables {
                let name = ident_name(&cte.alias.name);
                if self.ctes[base..].iter().any(|c| c.name == name) {
                    self.ctes.truncate(base);
                    return Err(SqlError::new(
                        "42712",
                        format!("WITH query name \"{name}\" specified more than once"),
                    )
                    .at(self.pos(cte.alias.name.span)));
                }
                self.ctes.push(CteDef {
                    name,
                    query: (*cte.query).clone(),
                    columns: cte
                        .alias
                        .columns
                        .iter()
                        .map(|c| ident_name(&c.name))
                        .collect(),
                });
            }
        }
        let saved_lock = self.lock_scans;
        self.lock_scans = !q.locks.is_empty();
        let r = self.bind_query_body(q);
        self.lock_scans = saved_lock;
        self.ctes.truncate(base);
        r
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> SqlResult<QueryPlan> {
        for l in &q.locks {
            if l.nonblock.is_some() {
                return Err(SqlError::unsupported("NOWAIT/SKIP LOCKED"));
            }
        }
        let fetch_limit = match &q.fetch {
            None => None,
            Some(f) if f.with_ties || f.percent => {
                return Err(SqlError::unsupported("FETCH ... WITH TIES/PERCENT"))
            }
            Some(f) => Some(
                f.quantity
                    .clone()
                    .unwrap_or_else(|| ast::Expr::value(ast::Value::Number("1".into(), false))),
            ),
        };
        let (limit, offset) = match &q.limit_clause {
            None => (fetch_limit.as_ref(), None),
            Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
                (limit.as_ref(), offset.as_ref().map(|o| &o.value))
            }
            Some(ast::LimitClause::OffsetCommaLimit { .. }) => {
                return Err(SqlError::syntax("LIMIT #,# syntax is not supported")
                    .with_hint("Use separate LIMIT and OFFSET clauses."))
            }
        };
        let order_by: &[ast::OrderByExpr] = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(v) => v,
                ast::OrderByKind::All(_) => return Err(SqlError::unsupported("ORDER BY ALL")),
            },
            None => &[],
        };
        let mut qp = match q.body.as_ref() {
            ast::SetExpr::Select(s) => self.bind_select(s, order_by)?,
            other => {
                let mut qp = self.bind_set_expr(other)?;
                if !order_by.is_empty() {
                    let mut keys = Vec::new();
                    for ob in order_by {
                        let idx = self.output_ref(&ob.expr, &qp.columns)?.ok_or_else(|| {
                            SqlError::unsupported("ORDER BY on an expression of a set operation")
                                .at(self.pos(start_span(&ob.expr)))
                        })?;
                        let desc = matches!(ob.options.sort, Some(ast::OrderBySort::Desc));
                        keys.push(SortKey {
                            expr: Expr::Column(idx, qp.columns[idx].ty),
                            desc,
                            nulls_first: ob.options.nulls_first.unwrap_or(desc),
                        });
                    }
                    qp.plan = Plan::Sort {
                        input: Box::new(qp.plan),
                        keys,
                    };
                }
                qp
            }
        };
        if limit.is_some() || offset.is_some() {
            let b = |e: Option<&ast::Expr>, this: &mut Self| -> SqlResult<Option<Expr>> {
                match e {
                    None => Ok(None),
                    Some(e) => {
                        let x = this.bind_expr(e, &Scope::default())?;
                        Ok(Some(this.coerce_implicit(
                            x,
                            SqlType::Int8,
                            start_span(e),
                        )?))
                    }
                }
            };
            let limit = b(limit, self)?;
            let offset = b(offset, self)?;
            qp.plan = Plan::Limit {
                input: Box::new(qp.plan),
                limit,
                offset,
            };
        }
        Ok(qp)
    }

    /// An ORDER BY item that names an output column (ordinal or name).
    fn output_ref(&self, e: &ast::Expr, cols: &[OutColumn]) -> SqlResult<Option<usize>> {
        match e {
            ast::Expr::Value(v) => {
                if let ast::Value::Number(n, _) = &v.value {
                    let i: usize = n.parse().unwrap_or(0);
                    if i == 0 || i > cols.len() {
                        return Err(SqlError::new(
                            "42P10",
                            format!("ORDER BY position {n} is not in select list"),
                        )
                        .at(self.pos(start_span(e))));
                    }
                    return Ok(Some(i - 1));
                }
                Ok(None)
            }
            ast::Expr::Identifier(i) => {
                let name = ident_name(i);
                let hits: Vec<usize> = cols
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.name == name)
                    .map(|(i, _)| i)
                    .collect();
                match hits.as_slice() {
                    [one] => Ok(Some(*one)),
                    [] => Ok(None),
                    _ => Err(
                        SqlError::new("42702", format!("ORDER BY \"{name}\" is ambiguous"))
                            .at(self.pos(start_span(e))),
                    ),
                }
            }
            _ => Ok(None),
        }
    }

    fn bind_set_expr(&mut self, s: &ast::SetExpr) -> SqlResult<QueryPlan> {
        match s {
            ast::SetExpr::Select(sel) => self.bind_select(sel, &[]),
            ast::SetExpr::Query(q) => self.bind_query(q),
            ast::SetExpr::Values(v) => self.bind_values(v),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let l = self.bind_set_expr(left)?;
                let r = self.bind_set_expr(right)?;
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except => SetOpKind::Except,
                    _ => return Err(SqlError::unsupported(format!("set operation {op}"))),
                };
                if l.columns.len() != r.columns.len() {
                    return Err(SqlError::syntax(format!(
                        "each {op} query must have the same number of columns"
                    )));
                }
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                let mut types_out = Vec::new();
                let mut lcasts = Vec::new();
                let mut rcasts = Vec::new();
                for (i, (lc, rc)) in l.columns.iter().zip(r.columns.iter()).enumerate() {
                    let t = common_type(&[lc.ty.ty, rc.ty.ty]).ok_or_else(|| {
                        SqlError::datatype_mismatch(format!(
                            "{op} types {} and {} cannot be matched",
                            lc.ty.ty.display_name(),
                            rc.ty.ty.display_name()
                        ))
                    })?;
                    types_out.push(t);
                    lcasts.push(self.coerce_implicit(Expr::Column(i, lc.ty), t, Span::empty())?);
                    rcasts.push(self.coerce_implicit(Expr::Column(i, rc.ty), t, Span::empty())?);
                }
                let columns = l
                    .columns
                    .iter()
                    .zip(&types_out)
                    .map(|(c, t)| OutColumn {
                        name: c.name.clone(),
                        ty: if c.ty.ty == *t { c.ty } else { t.plain() },
                    })
                    .collect();
                let plan = Plan::SetOp {
                    op: kind,
                    all,
                    left: Box::new(Plan::Project {
                        input: Box::new(l.plan),
                        exprs: lcasts,
                    }),
                    right: Box::new(Plan::Project {
                        input: Box::new(r.plan),
                        exprs: rcasts,
                    }),
                    types: types_out,
                };
                Ok(QueryPlan { plan, columns })
            }
            other => Err(SqlError::unsupported(format!(
                "query form {}",
                other.to_string().chars().take(30).collect::<String>()
            ))),
        }
    }

    fn bind_values(&mut self, v: &ast::Values) -> SqlResult<QueryPlan> {
        let mut rows: Vec<Vec<Expr>> = Vec::new();
        let width = v.rows.first().map(|r| r.content.len()).unwrap_or(0);
        for r in &v.rows {
            if r.content.len() != width {
                return Err(SqlError::syntax("VALUES lists must all be the same length")
                    .at(self.pos(r.opening_token.0.span)));
            }
            let mut row = Vec::new();
            for e in &r.content {
                row.push(self.bind_expr(e, &Scope::default())?);
            }
            rows.push(row);
        }
        let mut columns = Vec::new();
        for c in 0..width {
            let tys: Vec<SqlType> = rows.iter().map(|r| r[c].ty().ty).collect();
            let t = common_type(&tys)
                .ok_or_else(|| SqlError::datatype_mismatch("VALUES types cannot be matched"))?;
            for r in rows.iter_mut() {
                let e = std::mem::replace(
                    &mut r[c],
                    Expr::Const(Datum::Null, SqlType::Unknown.plain()),
                );
                r[c] = self.coerce_implicit(e, t, Span::empty())?;
            }
            columns.push(OutColumn {
                name: format!("column{}", c + 1),
                ty: t.plain(),
            });
        }
        Ok(QueryPlan {
            plan: Plan::Values { rows, width },
            columns,
        })
    }

    fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> SqlResult<(Plan, Scope)> {
        let mut acc: Option<(Plan, Scope)> = None;
        for twj in from {
            let (mut plan, mut scope) = self.bind_table_factor(&twj.relation)?;
            for j in &twj.joins {
                let (rplan, rscope) = self.bind_table_factor(&j.relation)?;
                let right_width = rscope.cols.len();
                let mut joined = scope.clone();
                joined.cols.extend(rscope.cols.iter().cloned());
                let (kind, constraint) = match &j.join_operator {
                    ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => {
                        (JoinKind::Inner, Some(c))
                    }
                    ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => {
                        (JoinKind::Left, Some(c))
                    }
                    ast::JoinOperator::CrossJoin(_) => (JoinKind::Inner, None),
                    other => {
                        return Err(SqlError::unsupported(
                            format!("join type {other:?}")
                                .chars()
                                .take(40)
                                .collect::<String>(),
                        ))
                    }
                };
                let on = match constraint {
                    None | Some(ast::JoinConstraint::None) => None,
                    Some(ast::JoinConstraint::On(e)) => {
                        let b = self.bind_expr(e, &joined)?;
                        Some(self.coerce_bool(b, "JOIN/ON", start_span(e))?)
                    }
                    Some(ast::JoinConstraint::Using(cols)) => {
                        let mut conj: Option<Expr> = None;
                        for c in cols {
                            let name = object_name(c)?;
                            let li = scope.cols.iter().position(|x| x.name == name).ok_or_else(|| {
                                SqlError::new("42703", format!("column \"{name}\" specified in USING clause does not exist in left table"))
                            })?;
                            let ri = rscope.cols.iter().position(|x| x.name == name).ok_or_else(|| {
                                SqlError::new("42703", format!("column \"{name}\" specified in USING clause does not exist in right table"))
                            })?;
                            let eq = self.make_binary(
                                BinOp::Eq,
                                Expr::Column(li, scope.cols[li].ty),
                                Expr::Column(scope.cols.len() + ri, rscope.cols[ri].ty),
                                (Span::empty(), Span::empty()),
                                "=",
                            )?;
                            conj = Some(match conj {
                                None => eq,
                                Some(p) => and(p, eq),
                            });
                        }
                        conj
                    }
                    Some(other) => {
                        return Err(SqlError::unsupported(
                            format!("join constraint {other:?}")
                                .chars()
                                .take(40)
                                .collect::<String>(),
                        ))
                    }
                };
                plan = Plan::Join {
                    left: Box::new(plan),
                    right: Box::new(rplan),
                    kind,
                    on,
                    right_width,
                };
                scope = joined;
            }
            acc = Some(match acc {
                None => (plan, scope),
                Some((lp, ls)) => {
                    let right_width = scope.cols.len();
                    let mut joined = ls;
                    joined.cols.extend(scope.cols);
                    (
                        Plan::Join {
                            left: Box::new(lp),
                            right: Box::new(plan),
                            kind: JoinKind::Inner,
                            on: None,
                            right_width,
                        },
                        joined,
                    )
                }
            });
        }
        Ok(acc.unwrap_or((
            Plan::Values {
                rows: vec![vec![]],
                width: 0,
            },
            Scope::default(),
        )))
    }

    fn bind_table_factor(&mut self, tf: &ast::TableFactor) -> SqlResult<(Plan, Scope)> {
        match tf {
            ast::TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    return Err(SqlError::unsupported("table functions").at(self.pos(name.span())));
                }
                if let [part] = name.0.as_slice() {
                    let cte_name = part.as_ident().map(ident_name).unwrap_or_default();
                    if let Some(k) = self.ctes.iter().rposition(|c| c.name == cte_name) {
                        return self.bind_cte_reference(k, alias.as_ref());
                    }
                }
                let t = self.table(name)?;
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_else(|| t.name.clone());
                let mut scope = Scope::of_table(&t, &alias_name);
                if let Some(a) = alias {
                    for (i, c) in a.columns.iter().enumerate() {
                        if let Some(sc) = scope.cols.get_mut(i) {
                            sc.name = ident_name(&c.name);
                        }
                    }
                }
                Ok((
                    Plan::Scan {
                        table: t,
                        access: Access::Full,
                        filter: None,
                        lock: self.lock_scans,
                    },
                    scope,
                ))
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return Err(SqlError::unsupported("LATERAL"));
                }
                let qp = self.bind_query(subquery)?;
                let qual = alias.as_ref().map(|a| ident_name(&a.name));
                let mut cols: Vec<ScopeCol> = qp
                    .columns
                    .iter()
                    .map(|c| ScopeCol {
                        qualifier: qual.clone(),
                        name: c.name.clone(),
                        ty: c.ty,
                    })
                    .collect();
                if let Some(a) = alias {
                    for (i, c) in a.columns.iter().enumerate() {
                        if let Some(sc) = cols.get_mut(i) {
                            sc.name = ident_name(&c.name);
                        }
                    }
                }
                Ok((qp.plan, Scope { cols }))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    return Err(SqlError::unsupported("alias on a parenthesized join"));
                }
                self.bind_from(std::slice::from_ref(table_with_joins))
            }
            other => Err(SqlError::unsupported(format!(
                "FROM item {}",
                other.to_string().chars().take(40).collect::<String>()
            ))),
        }
    }

    /// A reference to a WITH query: bound like a derived table, seeing only
    /// the WITH queries defined before it.
    fn bind_cte_reference(
        &mut self,
        k: usize,
        alias: Option<&ast::TableAlias>,
    ) -> SqlResult<(Plan, Scope)> {
        let later = self.ctes.split_off(k);
        let cte = later[0].clone();
        let r = self.bind_query(&cte.query);
        self.ctes.extend(later);
        let qp = r?;
        let qual = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| cte.name.clone());
        let mut cols: Vec<ScopeCol> = qp
            .columns
            .iter()
            .map(|c| ScopeCol {
                qualifier: Some(qual.clone()),
                name: c.name.clone(),
                ty: c.ty,
            })
            .collect();
        let renames: Vec<String> = match alias {
            Some(a) if !a.columns.is_empty() => {
                a.columns.iter().map(|c| ident_name(&c.name)).collect()
            }
            _ => cte.columns.clone(),
        };
        for (i, n) in renames.into_iter().enumerate() {
            if let Some(sc) = cols.get_mut(i) {
                sc.name = n;
            }
        }
        Ok((qp.plan, Scope { cols }))
    }

    fn bind_select(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> SqlResult<QueryPlan> {
        if s.into.is_some()
            || s.top.is_some()
            || !s.lateral_views.is_empty()
            || s.qualify.is_some()
            || !s.named_window.is_empty()
        {
            return Err(
                SqlError::unsupported("this SELECT clause").at(self.pos(s.select_token.0.span))
            );
        }
        let (mut plan, scope) = self.bind_from(&s.from)?;
        // WHERE
        if let Some(w) = &s.selection {
            if contains_aggregate(w) {
                return self.err_at(
                    SqlError::new("42803", "aggregate functions are not allowed in WHERE"),
                    start_span(w),
                );
            }
            let pred = self.bind_expr(w, &scope)?;
            let pred = self.coerce_bool(pred, "WHERE", start_span(w))?;
            plan = match plan {
                Plan::Scan {
                    table,
                    filter: None,
                    lock,
                    ..
                } => {
                    let access = choose_access(&table, &pred);
                    Plan::Scan {
                        table,
                        access,
                        filter: Some(pred),
                        lock,
                    }
                }
                other => Plan::Filter {
                    input: Box::new(other),
                    predicate: pred,
                },
            };
        }
        let group_exprs: &[ast::Expr] = match &s.group_by {
            ast::GroupByExpr::Expressions(v, mods) if mods.is_empty() => v,
            ast::GroupByExpr::Expressions(..) | ast::GroupByExpr::All(_) => {
                return Err(SqlError::unsupported("this GROUP BY form"))
            }
        };
        let aggregating = !group_exprs.is_empty()
            || s.having.is_some()
            || s.projection.iter().any(|p| match p {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => contains_aggregate(e),
                _ => false,
            })
            || order_by.iter().any(|o| contains_aggregate(&o.expr));
        if aggregating {
            let mut groups = Vec::new();
            for g in group_exprs {
                let target = self.group_target(g, s, &scope)?;
                if contains_aggregate(target) {
                    return self.err_at(
                        SqlError::new("42803", "aggregate functions are not allowed in GROUP BY"),
                        start_span(g),
                    );
                }
                groups.push(self.bind_expr(target, &scope)?);
            }
            self.agg = Some(AggState {
                groups,
                aggs: vec![],
            });
        }
        let saved_agg = self.agg.take();
        self.agg = saved_agg;
        // Projection.
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for item in &s.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let b = self.bind_expr(e, &scope)?;
                    columns.push(OutColumn {
                        name: figure_colname(e),
                        ty: b.ty(),
                    });
                    exprs.push(b);
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let b = self.bind_expr(expr, &scope)?;
                    columns.push(OutColumn {
                        name: ident_name(alias),
                        ty: b.ty(),
                    });
                    exprs.push(b);
                }
                ast::SelectItem::Wildcard(_) => {
                    if scope.cols.is_empty() {
                        return Err(SqlError::syntax(
                            "SELECT * with no tables specified is not valid",
                        )
                        .at(self.pos(s.select_token.0.span)));
                    }
                    for i in 0..scope.cols.len() {
                        let e = self.column_expr(i, &scope, item.span())?;
                        columns.push(OutColumn {
                            name: scope.cols[i].name.clone(),
                            ty: e.ty(),
                        });
                        exprs.push(e);
                    }
                }
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let q = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n)?,
                        ast::SelectItemQualifiedWildcardKind::Expr(_) => {
                            return Err(SqlError::unsupported("expression.*"))
                        }
                    };
                    let idx: Vec<usize> = (0..scope.cols.len())
                        .filter(|i| scope.cols[*i].qualifier.as_deref() == Some(q.as_str()))
                        .collect();
                    if idx.is_empty() {
                        return self.err_at(
                            SqlError::new(
                                "42P01",
                                format!("missing FROM-clause entry for table \"{q}\""),
                            ),
                            item.span(),
                        );
                    }
                    for i in idx {
                        let e = self.column_expr(i, &scope, item.span())?;
                        columns.push(OutColumn {
                            name: scope.cols[i].name.clone(),
                            ty: e.ty(),
                        });
                        exprs.push(e);
                    }
                }
                ast::SelectItem::ExprWithAliases { .. } => {
                    return Err(SqlError::unsupported("multiple aliases"))
                }
            }
        }
        // Unknown-typed outputs (string literals) become text.
        for (e, c) in exprs.iter_mut().zip(columns.iter_mut()) {
            if e.ty().ty == SqlType::Unknown {
                let x = std::mem::replace(e, Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                *e = self.coerce_implicit(x, SqlType::Text, Span::empty())?;
                c.ty = SqlType::Text.plain();
            }
        }
        let having = match &s.having {
            Some(h) => {
                let b = self.bind_expr(h, &scope)?;
                Some(self.coerce_bool(b, "HAVING", start_span(h))?)
            }
            None => None,
        };
        // ORDER BY.
        let visible = exprs.len();
        let mut keys = Vec::new();
        for ob in order_by {
            let desc = matches!(ob.options.sort, Some(ast::OrderBySort::Desc));
            let nulls_first = ob.options.nulls_first.unwrap_or(desc);
            let idx = match self.output_ref(&ob.expr, &columns)? {
                // A bare name that is also an input column binds to the output column (PG rule).
                Some(i) => i,
                None => {
                    let b = self.bind_expr(&ob.expr, &scope)?;
                    match exprs.iter().position(|x| *x == b) {
                        Some(i) => i,
                        None => {
                            if matches!(s.distinct, Some(ast::Distinct::Distinct)) {
                                return self.err_at(
                                    SqlError::new("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list"),
                                    start_span(&ob.expr),
                                );
                            }
                            exprs.push(b);
                            exprs.len() - 1
                        }
                    }
                }
            };
            let ty = exprs[idx].ty();
            keys.push(SortKey {
                expr: Expr::Column(idx, ty),
                desc,
                nulls_first,
            });
        }
        if let Some(agg) = self.agg.take() {
            plan = Plan::Aggregate {
                input: Box::new(plan),
                groups: agg.groups,
                aggs: agg.aggs,
            };
            if let Some(h) = having {
                plan = Plan::Filter {
                    input: Box::new(plan),
                    predicate: h,
                };
            }
        }
        let width = exprs.len();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        match &s.distinct {
            None | Some(ast::Distinct::All) => {}
            Some(ast::Distinct::Distinct) => {
                plan = Plan::Distinct {
                    input: Box::new(plan),
                }
            }
            Some(ast::Distinct::On(_)) => return Err(SqlError::unsupported("DISTINCT ON")),
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        if width > visible {
            let strip = (0..visible)
                .map(|i| Expr::Column(i, columns[i].ty))
                .collect();
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: strip,
            };
        }
        Ok(QueryPlan { plan, columns })
    }

    /// GROUP BY item: an ordinal or output alias refers to a select-list expression.
    fn group_target<'s>(
        &self,
        g: &'s ast::Expr,
        s: &'s ast::Select,
        scope: &Scope,
    ) -> SqlResult<&'s ast::Expr> {
        let item_expr = |it: &'s ast::SelectItem| match it {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(e)
            }
            _ => None,
        };
        match g {
            ast::Expr::Value(v) => {
                if let ast::Value::Number(n, _) = &v.value {
                    let i: usize = n.parse().unwrap_or(0);
                    return match s.projection.get(i.wrapping_sub(1)).and_then(item_expr) {
                        Some(e) => Ok(e),
                        None => self.err_at(
                            SqlError::new(
                                "42P10",
                                format!("GROUP BY position {n} is not in select list"),
                            ),
                            start_span(g),
                        ),
                    };
                }
                Ok(g)
            }
            ast::Expr::Identifier(i) => {
                let name = ident_name(i);
                if scope.cols.iter().any(|c| c.name == name) {
                    return Ok(g);
                }
                for it in &s.projection {
                    if let ast::SelectItem::ExprWithAlias { expr, alias } = it {
                        if ident_name(alias) == name {
                            return Ok(expr);
                        }
                    }
                }
                Ok(g)
            }
            _ => Ok(g),
        }
    }

    fn column_expr(&mut self, i: usize, scope: &Scope, span: Span) -> SqlResult<Expr> {
        let e = Expr::Column(i, scope.cols[i].ty);
        if let Some(agg) = &self.agg {
            if self.in_agg_arg {
                return Ok(e);
            }
            if let Some(g) = agg.groups.iter().position(|x| *x == e) {
                return Ok(Expr::Column(g, scope.cols[i].ty));
            }
            let c = &scope.cols[i];
            let qual = c
                .qualifier
                .as_ref()
                .map(|q| format!("{q}."))
                .unwrap_or_default();
            return self.err_at(
                SqlError::new("42803", format!("column \"{qual}{}\" must appear in the GROUP BY clause or be used in an aggregate function", c.name)),
                span,
            );
        }
        Ok(e)
    }

    // ---------------------------------------------------------------- expressions

    pub fn bind_expr(&mut self, e: &ast::Expr, scope: &Scope) -> SqlResult<Expr> {
        // Backstop for the token-level check in `session::parse`.
        if self.depth >= crate::session::MAX_EXPRESSION_DEPTH + 64 {
            return Err(SqlError::new("54001", "stack depth limit exceeded"));
        }
        self.depth += 1;
        let r = self.bind_expr_depth(e, scope);
        self.depth -= 1;
        r
    }

    fn bind_expr_depth(&mut self, e: &ast::Expr, scope: &Scope) -> SqlResult<Expr> {
        if self.agg.is_some()
            && !self.in_agg_arg
            && !is_aggregate_call(e)
            && !matches!(
                e,
                ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::In { .. }
            )
        {
            // An expression equal to a GROUP BY expression reads the group's value.
            let saved = self.agg.take();
            let trial = self.bind_expr_inner(e, scope);
            self.agg = saved;
            if let (Ok(b), Some(agg)) = (&trial, &self.agg) {
                if !matches!(b, Expr::Const(..) | Expr::Param(..)) {
                    if let Some(i) = agg.groups.iter().position(|g| g == b) {
                        return Ok(Expr::Column(i, b.ty()));
                    }
                }
            }
        }
        self.bind_expr_inner(e, scope)
    }

    fn resolve_column(
        &mut self,
        qualifier: Option<&str>,
        name: &str,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        let matches = |s: &Scope| -> Vec<usize> {
            (0..s.cols.len())
                .filter(|i| {
                    s.cols[*i].name == name
                        && qualifier.is_none_or(|q| s.cols[*i].qualifier.as_deref() == Some(q))
                })
                .collect()
        };
        let hits = matches(scope);
        if hits.len() > 1 {
            return self.err_at(
                SqlError::new("42702", format!("column reference \"{name}\" is ambiguous")),
                span,
            );
        }
        if let Some(&i) = hits.first() {
            return self.column_expr(i, scope, span);
        }
        for (level, s) in self.outer.iter().rev().enumerate() {
            let hits = matches(s);
            if hits.len() > 1 {
                return self.err_at(
                    SqlError::new("42702", format!("column reference \"{name}\" is ambiguous")),
                    span,
                );
            }
            if let Some(&i) = hits.first() {
                self.outer_refs += 1;
                return Ok(Expr::Outer {
                    depth: level + 1,
                    index: i,
                    ty: s.cols[i].ty,
                });
            }
        }
        let full = match qualifier {
            Some(q) => {
                let known = scope.cols.iter().any(|c| c.qualifier.as_deref() == Some(q))
                    || self
                        .outer
                        .iter()
                        .any(|s| s.cols.iter().any(|c| c.qualifier.as_deref() == Some(q)));
                if !known {
                    return self.err_at(
                        SqlError::new(
                            "42P01",
                            format!("missing FROM-clause entry for table \"{q}\""),
                        ),
                        span,
                    );
                }
                return self.err_at(
                    SqlError::new("42703", format!("column {q}.{name} does not exist")),
                    span,
                );
            }
            None => name.to_string(),
        };
        self.err_at(SqlError::undefined_column(&full), span)
    }

    fn bind_expr_inner(&mut self, e: &ast::Expr, scope: &Scope) -> SqlResult<Expr> {
        use ast::Expr as E;
        let span = start_span(e);
        match e {
            E::Identifier(_) => self.bind_arm_0(e, scope, span),
            E::CompoundIdentifier(_) => self.bind_arm_1(e, scope, span),
            E::Value(_) => self.bind_arm_2(e, scope, span),
            E::Nested(_) => self.bind_arm_3(e, scope, span),
            E::UnaryOp { .. } => self.bind_arm_4(e, scope, span),
            E::BinaryOp { .. } => self.bind_arm_5(e, scope, span),
            E::IsNull(_) | E::IsNotNull(_) => self.bind_arm_6(e, scope, span),
            E::IsTrue(_)
            | E::IsNotTrue(_)
            | E::IsFalse(_)
            | E::IsNotFalse(_)
            | E::IsUnknown(_)
            | E::IsNotUnknown(_) => self.bind_arm_7(e, scope, span),
            E::IsDistinctFrom(_, _) | E::IsNotDistinctFrom(_, _) => self.bind_arm_8(e, scope, span),
            E::Between { .. } => self.bind_arm_9(e, scope, span),
            E::Like { .. } | E::ILike { .. } => self.bind_arm_10(e, scope, span),
            E::In { .. } => self.bind_arm_11(e, scope, span),
            E::Case { .. } => self.bind_arm_12(e, scope, span),
            E::Cast { .. } => self.bind_arm_13(e, scope, span),
            E::TypedString(_) => self.bind_arm_14(e, scope, span),
            E::Function(_) => self.bind_arm_15(e, scope, span),
            E::Substring { .. } => self.bind_arm_16(e, scope, span),
            E::Trim { .. } => self.bind_arm_17(e, scope, span),
            E::Ceil { .. } | E::Floor { .. } => self.bind_arm_18(e, scope, span),
            E::Position { .. } => self.bind_arm_19(e, scope, span),
            E::Exists { .. } => self.bind_arm_20(e, scope, span),
            E::Subquery(_) => self.bind_arm_21(e, scope, span),
            E::AnyOp {
                left,
                compare_op: ast::BinaryOperator::Eq,
                right,
                ..
            }
            | E::AllOp {
                left,
                compare_op: ast::BinaryOperator::NotEq,
                right,
            } if matches!(right.as_ref(), E::Subquery(_)) => {
                // `x = ANY (subquery)` is IN; `x <> ALL (subquery)` is NOT IN.
                let E::Subquery(q) = right.as_ref() else {
                    return Err(SqlError::internal("ANY/ALL dispatch"));
                };
                let as_in = E::In {
                    expr: left.clone(),
                    target: ast::InTarget::Subquery(q.clone()),
                    negated: matches!(e, E::AllOp { .. }),
                    global: false,
                };
                self.bind_expr_depth(&as_in, scope)
            }
            other => self.err_at(
                SqlError::unsupported(format!(
                    "expression {}",
                    other.to_string().chars().take(40).collect::<String>()
                )),
                span,
            ),
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_0(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Identifier(i) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            if i.quote_style.is_none() {
                let lower = i.value.to_lowercase();
                // Niladic SQL functions.
                if lower == "current_schema" {
                    return Ok(Expr::Func {
                        func: Func::CurrentSchema,
                        args: vec![],
                        ty: SqlType::Text.plain(),
                    });
                }
            }
            self.resolve_column(None, &ident_name(i), scope, span)
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_1(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::CompoundIdentifier(parts) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        match parts.as_slice() {
            [q, c] => self.resolve_column(Some(&ident_name(q)), &ident_name(c), scope, span),
            [s, q, c] if ident_name(s) == "public" => {
                self.resolve_column(Some(&ident_name(q)), &ident_name(c), scope, span)
            }
            _ => self.err_at(SqlError::unsupported("this column reference"), span),
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_2(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Value(v) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        self.bind_value(&v.value, false, span)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_3(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Nested(inner) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        self.bind_expr(inner, scope)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_4(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::UnaryOp { op, expr } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        match op {
            ast::UnaryOperator::Minus => {
                if let E::Value(v) = expr.as_ref() {
                    if matches!(v.value, ast::Value::Number(..)) {
                        return self.bind_value(&v.value, true, span);
                    }
                }
                let x = self.bind_expr(expr, scope)?;
                let t = x.ty().ty;
                let x = if t == SqlType::Unknown {
                    self.coerce_implicit(x, SqlType::Numeric, span)?
                } else {
                    x
                };
                if x.ty().ty.category() != Category::Numeric {
                    return self.err_at(no_operator("-", None, x.ty().ty), span);
                }
                let ty = x.ty();
                if let Expr::Const(d, _) = &x {
                    return Ok(Expr::Const(
                        crate::eval::arith(BinOp::Sub, zero_of(ty.ty), d.clone(), ty.ty)
                            .unwrap_or(Datum::Null),
                        ty,
                    ));
                }
                Ok(Expr::Neg(Box::new(x), ty.ty.plain()))
            }
            ast::UnaryOperator::Plus => self.bind_expr(expr, scope),
            ast::UnaryOperator::Not => {
                let x = self.bind_expr(expr, scope)?;
                Ok(Expr::Not(Box::new(self.coerce_bool(x, "NOT", span)?)))
            }
            other => self.err_at(SqlError::unsupported(format!("operator {other}")), span),
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_5(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::BinaryOp { left, op, right } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let (bop, sym) = match op {
                ast::BinaryOperator::Plus => (BinOp::Add, "+"),
                ast::BinaryOperator::Minus => (BinOp::Sub, "-"),
                ast::BinaryOperator::Multiply => (BinOp::Mul, "*"),
                ast::BinaryOperator::Divide => (BinOp::Div, "/"),
                ast::BinaryOperator::Modulo => (BinOp::Mod, "%"),
                ast::BinaryOperator::Eq => (BinOp::Eq, "="),
                ast::BinaryOperator::NotEq => (BinOp::NotEq, "<>"),
                ast::BinaryOperator::Lt => (BinOp::Lt, "<"),
                ast::BinaryOperator::LtEq => (BinOp::LtEq, "<="),
                ast::BinaryOperator::Gt => (BinOp::Gt, ">"),
                ast::BinaryOperator::GtEq => (BinOp::GtEq, ">="),
                ast::BinaryOperator::And => (BinOp::And, "AND"),
                ast::BinaryOperator::Or => (BinOp::Or, "OR"),
                ast::BinaryOperator::StringConcat => (BinOp::Concat, "||"),
                ast::BinaryOperator::PGExp => {
                    // float8 ^ float8 (numeric operands are computed in float8 too).
                    let l = self.bind_expr(left, scope)?;
                    let r = self.bind_expr(right, scope)?;
                    let l = self.coerce_implicit(l, SqlType::Float8, start_span(left))?;
                    let r = self.coerce_implicit(r, SqlType::Float8, start_span(right))?;
                    return Ok(Expr::Func {
                        func: Func::Power,
                        args: vec![l, r],
                        ty: SqlType::Float8.plain(),
                    });
                }
                other => {
                    return self.err_at(SqlError::unsupported(format!("operator {other}")), span)
                }
            };
            let l = self.bind_expr(left, scope)?;
            let r = self.bind_expr(right, scope)?;
            if matches!(bop, BinOp::And | BinOp::Or) {
                let l = self.coerce_bool(l, sym, start_span(left))?;
                let r = self.coerce_bool(r, sym, start_span(right))?;
                return Ok(Expr::Binary {
                    op: bop,
                    left: Box::new(l),
                    right: Box::new(r),
                    operand: SqlType::Bool,
                    ty: SqlType::Bool.plain(),
                });
            }
            self.make_binary(bop, l, r, (start_span(left), start_span(right)), sym)
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_6(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let (E::IsNull(x) | E::IsNotNull(x)) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let b = self.bind_expr(x, scope)?;
            Ok(Expr::IsNull {
                expr: Box::new(b),
                negated: matches!(e, E::IsNotNull(_)),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_7(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let (E::IsTrue(x)
        | E::IsNotTrue(x)
        | E::IsFalse(x)
        | E::IsNotFalse(x)
        | E::IsUnknown(x)
        | E::IsNotUnknown(x)) = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let b = self.bind_expr(x, scope)?;
            let b = self.coerce_bool(b, "IS", start_span(x))?;
            let (value, negated) = match e {
                E::IsTrue(_) => (Some(true), false),
                E::IsNotTrue(_) => (Some(true), true),
                E::IsFalse(_) => (Some(false), false),
                E::IsNotFalse(_) => (Some(false), true),
                E::IsUnknown(_) => (None, false),
                _ => (None, true),
            };
            Ok(Expr::IsBool {
                expr: Box::new(b),
                value,
                negated,
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_8(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let (E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b)) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let l = self.bind_expr(a, scope)?;
            let r = self.bind_expr(b, scope)?;
            let (l, r, t) = self.unify(l, r, (start_span(a), start_span(b)), "=")?;
            Ok(Expr::IsDistinct {
                left: Box::new(l),
                right: Box::new(r),
                operand: t,
                negated: matches!(e, E::IsNotDistinctFrom(..)),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_9(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Between {
            expr,
            negated,
            low,
            high,
        } = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let x = self.bind_expr(expr, scope)?;
            let lo = self.bind_expr(low, scope)?;
            let hi = self.bind_expr(high, scope)?;
            let ge = self.make_binary(
                BinOp::GtEq,
                x.clone(),
                lo,
                (start_span(expr), start_span(low)),
                ">=",
            )?;
            let le = self.make_binary(
                BinOp::LtEq,
                x,
                hi,
                (start_span(expr), start_span(high)),
                "<=",
            )?;
            let both = and(ge, le);
            Ok(if *negated {
                Expr::Not(Box::new(both))
            } else {
                both
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_10(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let (E::Like {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        }
        | E::ILike {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        }) = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            if *any || escape_char.is_some() {
                return self.err_at(SqlError::unsupported("LIKE ANY/ESCAPE"), span);
            }
            let x = self.bind_expr(expr, scope)?;
            let p = self.bind_expr(pattern, scope)?;
            let x = self.coerce_text(x, start_span(expr), "~~")?;
            let p = self.coerce_text(p, start_span(pattern), "~~")?;
            Ok(Expr::Like {
                expr: Box::new(x),
                pattern: Box::new(p),
                negated: *negated,
                case_insensitive: matches!(e, E::ILike { .. }),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_11(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::In {
            expr,
            target,
            negated,
            ..
        } = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        match target {
            ast::InTarget::List(list) => {
                let x = self.bind_expr(expr, scope)?;
                let items: Vec<Expr> = list
                    .iter()
                    .map(|i| self.bind_expr(i, scope))
                    .collect::<SqlResult<_>>()?;
                let mut tys: Vec<SqlType> = items.iter().map(|i| i.ty().ty).collect();
                tys.push(x.ty().ty);
                let t = common_type(&tys).ok_or_else(|| {
                    no_operator(
                        "=",
                        Some(x.ty().ty),
                        items
                            .iter()
                            .map(|i| i.ty().ty)
                            .find(|t| t.category() != x.ty().ty.category())
                            .unwrap_or(SqlType::Unknown),
                    )
                    .at(self.pos(span))
                })?;
                let x = self.coerce_implicit(x, t, start_span(expr))?;
                let items = items
                    .into_iter()
                    .map(|i| self.coerce_implicit(i, t, span))
                    .collect::<SqlResult<_>>()?;
                Ok(Expr::InList {
                    expr: Box::new(x),
                    list: items,
                    operand: cmp_operand(t),
                    negated: *negated,
                })
            }
            ast::InTarget::Subquery(q) => {
                let x = self.bind_expr(expr, scope)?;
                let (plan, correlated) = self.bind_subquery(q, scope)?;
                if plan.columns.len() != 1 {
                    return self.err_at(SqlError::syntax("subquery has too many columns"), span);
                }
                let st = plan.columns[0].ty.ty;
                let t = common_type(&[x.ty().ty, st])
                    .ok_or_else(|| no_operator("=", Some(x.ty().ty), st).at(self.pos(span)))?;
                let x = self.coerce_implicit(x, t, start_span(expr))?;
                let plan = self.cast_single_column(plan, t)?;
                let id = self.next_id();
                Ok(Expr::Subquery {
                    id,
                    kind: SubqueryKind::In,
                    plan: Arc::new(plan),
                    lhs: Some(Box::new(x)),
                    operand: cmp_operand(t),
                    negated: *negated,
                    correlated,
                    ty: SqlType::Bool.plain(),
                })
            }
            _ => self.err_at(SqlError::unsupported("this IN form"), span),
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_12(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Case {
            operand,
            conditions,
            else_result,
            ..
        } = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let op = match operand {
                Some(o) => Some(self.bind_expr(o, scope)?),
                None => None,
            };
            let mut whens = Vec::new();
            let mut results = Vec::new();
            for w in conditions {
                let c = self.bind_expr(&w.condition, scope)?;
                whens.push(c);
                results.push(self.bind_expr(&w.result, scope)?);
            }
            let otherwise = match else_result {
                Some(x) => Some(self.bind_expr(x, scope)?),
                None => None,
            };
            let mut rtys: Vec<SqlType> = results.iter().map(|r| r.ty().ty).collect();
            if let Some(o) = &otherwise {
                rtys.push(o.ty().ty);
            }
            let rt = common_type(&rtys).ok_or_else(|| {
                SqlError::datatype_mismatch("CASE types cannot be matched").at(self.pos(span))
            })?;
            let mut operand_ty = SqlType::Bool;
            let mut op_expr = None;
            if let Some(o) = op {
                let mut tys: Vec<SqlType> = whens.iter().map(|w| w.ty().ty).collect();
                tys.push(o.ty().ty);
                let t = common_type(&tys).ok_or_else(|| {
                    SqlError::datatype_mismatch("CASE types cannot be matched").at(self.pos(span))
                })?;
                op_expr = Some(Box::new(self.coerce_implicit(o, t, span)?));
                whens = whens
                    .into_iter()
                    .map(|w| self.coerce_implicit(w, t, span))
                    .collect::<SqlResult<_>>()?;
                operand_ty = cmp_operand(t);
            } else {
                whens = whens
                    .into_iter()
                    .map(|w| self.coerce_bool(w, "CASE/WHEN", span))
                    .collect::<SqlResult<_>>()?;
            }
            let results: Vec<Expr> = results
                .into_iter()
                .map(|r| self.coerce_implicit(r, rt, span))
                .collect::<SqlResult<_>>()?;
            let otherwise = match otherwise {
                Some(o) => Some(Box::new(self.coerce_implicit(o, rt, span)?)),
                None => None,
            };
            Ok(Expr::Case {
                operand: op_expr,
                operand_ty,
                whens: whens.into_iter().zip(results).collect(),
                otherwise,
                ty: rt.plain(),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_13(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Cast {
            kind,
            expr,
            data_type,
            ..
        } = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            if !matches!(kind, ast::CastKind::Cast | ast::CastKind::DoubleColon) {
                return self.err_at(SqlError::unsupported("TRY_CAST/SAFE_CAST"), span);
            }
            let to = types::from_ast(data_type).map_err(|e| e.at(self.pos(span)))?;
            let x = self.bind_expr(expr, scope)?;
            self.explicit_cast(x, to, start_span(expr))
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_14(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::TypedString(ts) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let to = types::from_ast(&ts.data_type).map_err(|e| e.at(self.pos(span)))?;
            let x = self.bind_value(&ts.value.value, false, span)?;
            self.explicit_cast(x, to, span)
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_15(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Function(f) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        self.bind_function(f, scope, span)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_16(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let first = self.bind_expr(expr, scope)?;
            let mut args = vec![self.coerce_text(first, start_span(expr), "substring")?];
            let from = match substring_from {
                Some(f) => self.bind_expr(f, scope)?,
                None => Expr::Const(Datum::Int4(1), SqlType::Int4.plain()),
            };
            args.push(self.coerce_implicit(from, SqlType::Int8, span)?);
            if let Some(n) = substring_for {
                let n = self.bind_expr(n, scope)?;
                args.push(self.coerce_implicit(n, SqlType::Int8, span)?);
            }
            Ok(Expr::Func {
                func: Func::Substring,
                args,
                ty: SqlType::Text.plain(),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_17(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Trim {
            expr,
            trim_where,
            trim_what,
            trim_characters,
        } = e
        else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            if trim_characters.is_some() {
                return self.err_at(SqlError::unsupported("TRIM with characters list"), span);
            }
            let func = match trim_where {
                Some(ast::TrimWhereField::Leading) => Func::Ltrim,
                Some(ast::TrimWhereField::Trailing) => Func::Rtrim,
                _ => Func::Btrim,
            };
            let x = self.bind_expr(expr, scope)?;
            let mut args = vec![self.coerce_text(x, start_span(expr), "btrim")?];
            if let Some(w) = trim_what {
                let w = self.bind_expr(w, scope)?;
                args.push(self.coerce_text(w, span, "btrim")?);
            }
            Ok(Expr::Func {
                func,
                args,
                ty: SqlType::Text.plain(),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_18(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let (E::Ceil { expr, .. } | E::Floor { expr, .. }) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let x = self.bind_expr(expr, scope)?;
            let func = if matches!(e, E::Ceil { .. }) {
                Func::Ceil
            } else {
                Func::Floor
            };
            self.numeric_or_float_fn(func, vec![x], span)
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_19(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Position { expr, r#in } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let needle = self.bind_expr(expr, scope)?;
            let hay = self.bind_expr(r#in, scope)?;
            let hay = self.coerce_text(hay, span, "strpos")?;
            let needle = self.coerce_text(needle, span, "strpos")?;
            Ok(Expr::Func {
                func: Func::Strpos,
                args: vec![hay, needle],
                ty: SqlType::Int4.plain(),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_20(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Exists { subquery, negated } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let (plan, correlated) = self.bind_subquery(subquery, scope)?;
            let id = self.next_id();
            Ok(Expr::Subquery {
                id,
                kind: SubqueryKind::Exists,
                plan: Arc::new(plan),
                lhs: None,
                operand: SqlType::Bool,
                negated: *negated,
                correlated,
                ty: SqlType::Bool.plain(),
            })
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn bind_arm_21(&mut self, e: &ast::Expr, scope: &Scope, span: Span) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Subquery(q) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let (plan, correlated) = self.bind_subquery(q, scope)?;
            if plan.columns.len() != 1 {
                return self.err_at(
                    SqlError::syntax("subquery must return only one column"),
                    span,
                );
            }
            let ty = plan.columns[0].ty;
            let id = self.next_id();
            Ok(Expr::Subquery {
                id,
                kind: SubqueryKind::Scalar,
                plan: Arc::new(plan),
                lhs: None,
                operand: ty.ty,
                negated: false,
                correlated,
                ty,
            })
        }
    }

    fn next_id(&mut self) -> usize {
        self.next_subquery += 1;
        self.next_subquery
    }

    fn bind_subquery(&mut self, q: &ast::Query, scope: &Scope) -> SqlResult<(QueryPlan, bool)> {
        let before = self.outer_refs;
        let saved_agg = self.agg.take();
        let saved_in_arg = self.in_agg_arg;
        self.in_agg_arg = false;
        self.outer.push(scope.clone());
        let r = self.bind_query(q);
        self.outer.pop();
        self.agg = saved_agg;
        self.in_agg_arg = saved_in_arg;
        Ok((r?, self.outer_refs > before))
    }

    fn cast_single_column(&mut self, plan: QueryPlan, t: SqlType) -> SqlResult<QueryPlan> {
        if plan.columns[0].ty.ty == t {
            return Ok(plan);
        }
        let e = self.coerce_implicit(Expr::Column(0, plan.columns[0].ty), t, Span::empty())?;
        Ok(QueryPlan {
            plan: Plan::Project {
                input: Box::new(plan.plan),
                exprs: vec![e],
            },
            columns: vec![OutColumn {
                name: plan.columns[0].name.clone(),
                ty: t.plain(),
            }],
        })
    }

    fn explicit_cast(&mut self, x: Expr, to: ColType, span: Span) -> SqlResult<Expr> {
        let from = x.ty().ty;
        match self.try_coerce(x, to, CastContext::Explicit, span) {
            Ok(Some(e)) => Ok(e),
            Ok(None) => self.err_at(
                SqlError::new(
                    "42846",
                    format!(
                        "cannot cast type {} to {}",
                        from.display_name(),
                        to.display()
                    ),
                ),
                span,
            ),
            Err(err) => Err(err),
        }
    }

    fn coerce_text(&mut self, x: Expr, span: Span, fname: &str) -> SqlResult<Expr> {
        let t = x.ty().ty;
        if matches!(t, SqlType::Text | SqlType::Varchar | SqlType::Unknown) || t == SqlType::Bpchar
        {
            return self.coerce_implicit(x, SqlType::Text, span);
        }
        self.err_at(
            SqlError::undefined_function(&format!("{fname}({})", t.display_name())),
            span,
        )
    }

    fn bind_value(&mut self, v: &ast::Value, negate: bool, span: Span) -> SqlResult<Expr> {
        use ast::Value as V;
        Ok(match v {
            V::Number(s, _) => {
                let text = if negate { format!("-{s}") } else { s.clone() };
                if !text.contains(['.', 'e', 'E']) {
                    if let Ok(i) = text.parse::<i32>() {
                        return Ok(Expr::Const(Datum::Int4(i), SqlType::Int4.plain()));
                    }
                    if let Ok(i) = text.parse::<i64>() {
                        return Ok(Expr::Const(Datum::Int8(i), SqlType::Int8.plain()));
                    }
                }
                let n = Numeric::parse(&text).map_err(|e| e.at(self.pos(span)))?;
                Expr::Const(Datum::Numeric(n), SqlType::Numeric.plain())
            }
            V::SingleQuotedString(s)
            | V::EscapedStringLiteral(s)
            | V::UnicodeStringLiteral(s)
            | V::NationalStringLiteral(s) => {
                Expr::Const(Datum::Text(s.clone()), SqlType::Unknown.plain())
            }
            V::DollarQuotedString(d) => {
                Expr::Const(Datum::Text(d.value.clone()), SqlType::Unknown.plain())
            }
            V::Boolean(b) => Expr::Const(Datum::Bool(*b), SqlType::Bool.plain()),
            V::Null => Expr::Const(Datum::Null, SqlType::Unknown.plain()),
            V::Placeholder(p) => {
                let n: usize = p.trim_start_matches('$').parse().map_err(|_| {
                    SqlError::syntax(format!("syntax error at or near \"{p}\"")).at(self.pos(span))
                })?;
                if n == 0 || n > 65535 {
                    return self.err_at(
                        SqlError::new("42P02", format!("there is no parameter ${n}")),
                        span,
                    );
                }
                while self.params.len() < n {
                    self.params.push(SqlType::Unknown.plain());
                }
                Expr::Param(n - 1, self.params[n - 1])
            }
            other => return self.err_at(SqlError::unsupported(format!("literal {other}")), span),
        })
    }

    /// Resolves operand types of a comparison (unknown adopts the other side).
    fn unify(
        &mut self,
        l: Expr,
        r: Expr,
        (ls, rs): (Span, Span),
        sym: &str,
    ) -> SqlResult<(Expr, Expr, SqlType)> {
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let t = if lt == SqlType::Unknown && rt == SqlType::Unknown {
            SqlType::Text
        } else {
            common_type(&[lt, rt])
                .map(|t| float4_mix(t, lt, rt))
                .ok_or_else(|| no_operator(sym, Some(lt), rt).at(self.op_pos((ls, rs), sym)))?
        };
        let l = self.coerce_implicit(l, t, ls)?;
        let r = self.coerce_implicit(r, t, rs)?;
        Ok((l, r, t))
    }

    /// Position of the operator `sym` between the operands (PostgreSQL points
    /// operator errors there): its last occurrence between the two spans.
    fn op_pos(&self, (left, right): (Span, Span), sym: &str) -> Option<u32> {
        let from =
            span_position(self.sql, Span::new(left.end, left.end))?.saturating_sub(1) as usize;
        let to = span_position(self.sql, right)
            .map(|p| p.saturating_sub(1) as usize)
            .unwrap_or(from + 64);
        let chars: Vec<char> = self.sql.chars().collect();
        let window: String = chars.get(from..to.min(chars.len()))?.iter().collect();
        let found = window.to_lowercase().rfind(&sym.to_lowercase())?;
        Some((from + window[..found].chars().count()) as u32 + 1)
    }

    fn make_binary(
        &mut self,
        op: BinOp,
        l: Expr,
        r: Expr,
        (ls, rs): (Span, Span),
        sym: &str,
    ) -> SqlResult<Expr> {
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let op_pos = self.op_pos((ls, rs), sym);
        if op == BinOp::Concat {
            let stringy = |t: SqlType| t.category() == Category::String || t == SqlType::Unknown;
            if !stringy(lt) && !stringy(rt) {
                return Err(no_operator(sym, Some(lt), rt).at(op_pos));
            }
            let l = if stringy(lt) {
                self.coerce_implicit(l, SqlType::Text, ls)?
            } else {
                l
            };
            let r = if stringy(rt) {
                self.coerce_implicit(r, SqlType::Text, rs)?
            } else {
                r
            };
            return Ok(Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
                operand: SqlType::Text,
                ty: SqlType::Text.plain(),
            });
        }
        if op.is_comparison() {
            let (l, r, t) = self.unify(l, r, (ls, rs), sym)?;
            return Ok(Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
                operand: cmp_operand(t),
                ty: SqlType::Bool.plain(),
            });
        }
        // Arithmetic.
        if lt == SqlType::Unknown && rt == SqlType::Unknown {
            return Err(SqlError::new(
                "42725",
                format!("operator is not unique: unknown {sym} unknown"),
            )
            .at(op_pos));
        }
        let t = common_type(&[lt, rt])
            .filter(|t| t.category() == Category::Numeric)
            .map(|t| float4_mix(t, lt, rt));
        let Some(t) = t else {
            return Err(no_operator(sym, Some(lt), rt).at(op_pos));
        };
        let l = self.coerce_implicit(l, t, ls)?;
        let r = self.coerce_implicit(r, t, rs)?;
        if let (Expr::Const(a, _), Expr::Const(b, _)) = (&l, &r) {
            if !a.is_null() && !b.is_null() {
                let v = crate::eval::arith(op, a.clone(), b.clone(), t)?;
                return Ok(Expr::Const(v, t.plain()));
            }
        }
        Ok(Expr::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
            operand: t,
            ty: t.plain(),
        })
    }

    fn numeric_or_float_fn(
        &mut self,
        func: Func,
        mut args: Vec<Expr>,
        span: Span,
    ) -> SqlResult<Expr> {
        let t = args[0].ty().ty;
        let target = match t {
            SqlType::Numeric => SqlType::Numeric,
            SqlType::Unknown
            | SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Float4
            | SqlType::Float8 => SqlType::Float8,
            _ => {
                return self.err_at(
                    SqlError::undefined_function(&format!(
                        "{}({})",
                        func_name(func),
                        t.display_name()
                    )),
                    span,
                )
            }
        };
        let a0 = args.remove(0);
        args.insert(0, self.coerce_implicit(a0, target, span)?);
        Ok(Expr::Func {
            func,
            args,
            ty: target.plain(),
        })
    }

    fn bind_function(&mut self, f: &ast::Function, scope: &Scope, span: Span) -> SqlResult<Expr> {
        if f.over.is_some() {
            return self.err_at(SqlError::unsupported("window functions"), span);
        }
        if !f.within_group.is_empty() {
            return self.err_at(SqlError::unsupported("WITHIN GROUP"), span);
        }
        let name = match f.name.0.as_slice() {
            [p] => p.as_ident().map(ident_name),
            [s, p]
                if s.as_ident()
                    .map(ident_name)
                    .is_some_and(|s| s == "pg_catalog" || s == "public") =>
            {
                p.as_ident().map(ident_name)
            }
            _ => None,
        }
        .ok_or_else(|| SqlError::unsupported("qualified function names").at(self.pos(span)))?;
        let distinct = matches!(&f.args, ast::FunctionArguments::List(l) if matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)));
        let raw = function_args(f);
        if AGGREGATES.contains(&name.as_str()) {
            return self.bind_aggregate(&name, &raw, distinct, f.filter.as_deref(), scope, span);
        }
        if f.filter.is_some() {
            return self.err_at(
                SqlError::syntax(format!(
                    "FILTER specified, but {name} is not an aggregate function"
                )),
                span,
            );
        }
        if !KNOWN_FUNCTIONS.contains(&name.as_str()) {
            // Type the arguments (outside any GROUP BY check) for PostgreSQL's message.
            let saved = self.in_agg_arg;
            self.in_agg_arg = true;
            let mut tys = Vec::new();
            for a in &raw {
                if let FnArg::Expr(e) = a {
                    match self.bind_expr(e, scope) {
                        Ok(x) => tys.push(x.ty().ty.display_name()),
                        Err(err) => {
                            self.in_agg_arg = saved;
                            return Err(err);
                        }
                    }
                }
            }
            self.in_agg_arg = saved;
            return self.err_at(
                SqlError::undefined_function(&format!("{name}({})", tys.join(", "))),
                span,
            );
        }
        if distinct {
            return self.err_at(
                SqlError::syntax(format!(
                    "DISTINCT specified, but {name} is not an aggregate function"
                )),
                span,
            );
        }
        let mut args = Vec::new();
        for a in &raw {
            match a {
                FnArg::Expr(e) => args.push(self.bind_expr(e, scope)?),
                FnArg::Star => {
                    return self.err_at(
                        SqlError::syntax("syntax error at or near \"*\"".to_string()),
                        span,
                    )
                }
            }
        }
        let sig = || {
            format!(
                "{name}({})",
                args.iter()
                    .map(|a| a.ty().ty.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let n = args.len();
        let text = SqlType::Text.plain();
        macro_rules! arity {
            ($ok:expr) => {
                if !$ok {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                }
            };
        }
        let func = match name.as_str() {
            "abs" => {
                arity!(n == 1);
                let t = args[0].ty().ty;
                let t = if t == SqlType::Unknown {
                    SqlType::Float8
                } else {
                    t
                };
                if t.category() != Category::Numeric {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                }
                let a = self.coerce_implicit(args.remove(0), t, span)?;
                return Ok(Expr::Func {
                    func: Func::Abs,
                    args: vec![a],
                    ty: t.plain(),
                });
            }
            "lower" | "upper" | "reverse" | "btrim" | "ltrim" | "rtrim" | "replace"
            | "md5_unsupported" => {
                let func = match name.as_str() {
                    "lower" => Func::Lower,
                    "upper" => Func::Upper,
                    "reverse" => Func::Reverse,
                    "btrim" => Func::Btrim,
                    "ltrim" => Func::Ltrim,
                    "rtrim" => Func::Rtrim,
                    _ => Func::Replace,
                };
                let want = match func {
                    Func::Replace => n == 3,
                    Func::Btrim | Func::Ltrim | Func::Rtrim => n == 1 || n == 2,
                    _ => n == 1,
                };
                arity!(want);
                let mut out = Vec::new();
                for a in args.drain(..) {
                    out.push(self.coerce_text(a, span, &name)?);
                }
                return Ok(Expr::Func {
                    func,
                    args: out,
                    ty: text,
                });
            }
            "length" | "char_length" | "character_length" | "octet_length" => {
                arity!(n == 1);
                let t = args[0].ty().ty;
                let a = if t == SqlType::Bpchar {
                    args.remove(0)
                } else {
                    self.coerce_text(args.remove(0), span, &name)?
                };
                let func = if name == "octet_length" {
                    Func::OctetLength
                } else {
                    Func::Length
                };
                return Ok(Expr::Func {
                    func,
                    args: vec![a],
                    ty: SqlType::Int4.plain(),
                });
            }
            "substring" | "substr" => {
                arity!(n == 2 || n == 3);
                let mut out = vec![self.coerce_text(args.remove(0), span, &name)?];
                for a in args.drain(..) {
                    out.push(self.coerce_implicit(a, SqlType::Int8, span)?);
                }
                return Ok(Expr::Func {
                    func: Func::Substring,
                    args: out,
                    ty: text,
                });
            }
            "left" | "right" | "repeat" => {
                arity!(n == 2);
                let s = self.coerce_text(args.remove(0), span, &name)?;
                let k = self.coerce_implicit(args.remove(0), SqlType::Int8, span)?;
                let func = match name.as_str() {
                    "left" => Func::Left,
                    "right" => Func::Right,
                    _ => Func::Repeat,
                };
                return Ok(Expr::Func {
                    func,
                    args: vec![s, k],
                    ty: text,
                });
            }
            "strpos" => {
                arity!(n == 2);
                let mut out = Vec::new();
                for a in args.drain(..) {
                    out.push(self.coerce_text(a, span, &name)?);
                }
                return Ok(Expr::Func {
                    func: Func::Strpos,
                    args: out,
                    ty: SqlType::Int4.plain(),
                });
            }
            "concat" => {
                let mut out = Vec::new();
                for a in args.drain(..) {
                    out.push(if a.ty().ty == SqlType::Unknown {
                        self.coerce_implicit(a, SqlType::Text, span)?
                    } else {
                        a
                    });
                }
                return Ok(Expr::Func {
                    func: Func::Concat,
                    args: out,
                    ty: text,
                });
            }
            "coalesce" | "greatest" | "least" => {
                arity!(n >= 1);
                let tys: Vec<SqlType> = args.iter().map(|a| a.ty().ty).collect();
                let t = common_type(&tys).ok_or_else(|| {
                    SqlError::datatype_mismatch(format!(
                        "{} types cannot be matched",
                        name.to_uppercase()
                    ))
                    .at(self.pos(span))
                })?;
                let out: Vec<Expr> = args
                    .into_iter()
                    .map(|a| self.coerce_implicit(a, t, span))
                    .collect::<SqlResult<_>>()?;
                let func = match name.as_str() {
                    "coalesce" => Func::Coalesce,
                    "greatest" => Func::Greatest,
                    _ => Func::Least,
                };
                return Ok(Expr::Func {
                    func,
                    args: out,
                    ty: t.plain(),
                });
            }
            "nullif" => {
                arity!(n == 2);
                let b = args
                    .pop()
                    .unwrap_or(Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                let a = args
                    .pop()
                    .unwrap_or(Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                let (a, b, t) = self.unify(a, b, (span, span), "=")?;
                return Ok(Expr::Func {
                    func: Func::NullIf,
                    args: vec![a, b],
                    ty: t.plain(),
                });
            }
            "round" | "trunc" => {
                arity!(n == 1 || n == 2);
                let func = if name == "round" {
                    Func::Round
                } else {
                    Func::Trunc
                };
                if n == 2 {
                    let a = self.coerce_implicit(args.remove(0), SqlType::Numeric, span)?;
                    let p = self.coerce_implicit(args.remove(0), SqlType::Int8, span)?;
                    return Ok(Expr::Func {
                        func,
                        args: vec![a, p],
                        ty: SqlType::Numeric.plain(),
                    });
                }
                return self.numeric_or_float_fn(func, args, span);
            }
            "ceil" | "ceiling" => Func::Ceil,
            "floor" => Func::Floor,
            "sign" => Func::Sign,
            "sqrt" | "power" | "pow" => {
                arity!((name == "sqrt" && n == 1) || (name != "sqrt" && n == 2));
                let out: Vec<Expr> = args
                    .into_iter()
                    .map(|a| self.coerce_implicit(a, SqlType::Float8, span))
                    .collect::<SqlResult<_>>()?;
                let func = if name == "sqrt" {
                    Func::Sqrt
                } else {
                    Func::Power
                };
                return Ok(Expr::Func {
                    func,
                    args: out,
                    ty: SqlType::Float8.plain(),
                });
            }
            "mod" => {
                arity!(n == 2);
                let tys: Vec<SqlType> = args.iter().map(|a| a.ty().ty).collect();
                let t = common_type(&tys).filter(|t| {
                    matches!(
                        t,
                        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Numeric
                    )
                });
                let Some(t) = t else {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                };
                let out: Vec<Expr> = args
                    .into_iter()
                    .map(|a| self.coerce_implicit(a, t, span))
                    .collect::<SqlResult<_>>()?;
                return Ok(Expr::Func {
                    func: Func::Mod,
                    args: out,
                    ty: t.plain(),
                });
            }
            "nextval" => {
                arity!(n == 1);
                let a = self.coerce_text(args.remove(0), span, &name)?;
                if let Expr::Const(Datum::Text(s), _) = &a {
                    let seq = s.strip_prefix("public.").unwrap_or(s).to_string();
                    if !self.catalog.sequences.contains_key(&seq) {
                        return self.err_at(SqlError::undefined_table(s), span);
                    }
                    return Ok(Expr::Func {
                        func: Func::NextVal,
                        args: vec![Expr::Const(Datum::Text(seq), text)],
                        ty: SqlType::Int8.plain(),
                    });
                }
                return Ok(Expr::Func {
                    func: Func::NextVal,
                    args: vec![a],
                    ty: SqlType::Int8.plain(),
                });
            }
            "version" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::Version,
                    args: vec![],
                    ty: text,
                });
            }
            "current_database" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::CurrentDatabase,
                    args: vec![],
                    ty: text,
                });
            }
            "current_schema" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::CurrentSchema,
                    args: vec![],
                    ty: text,
                });
            }
            _ => return self.err_at(SqlError::undefined_function(&sig()), span),
        };
        arity!(n == 1);
        self.numeric_or_float_fn(func, args, span)
    }

    fn bind_aggregate(
        &mut self,
        name: &str,
        raw: &[FnArg],
        distinct: bool,
        filter: Option<&ast::Expr>,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        if self.in_agg_arg {
            return self.err_at(
                SqlError::new("42803", "aggregate function calls cannot be nested"),
                span,
            );
        }
        if self.agg.is_none() {
            return self.err_at(
                SqlError::new("42803", "aggregate functions are not allowed here"),
                span,
            );
        }
        self.in_agg_arg = true;
        let mut args = Vec::new();
        let mut star = false;
        for a in raw {
            match a {
                FnArg::Expr(e) => match self.bind_expr(e, scope) {
                    Ok(x) => args.push(x),
                    Err(err) => {
                        self.in_agg_arg = false;
                        return Err(err);
                    }
                },
                FnArg::Star => star = true,
            }
        }
        let filter = match filter {
            None => None,
            Some(fe) => match self.bind_expr(fe, scope) {
                Ok(x) => Some(x),
                Err(err) => {
                    self.in_agg_arg = false;
                    return Err(err);
                }
            },
        };
        self.in_agg_arg = false;
        let filter = match filter {
            Some(x) => Some(self.coerce_bool(x, "FILTER", span)?),
            None => None,
        };
        let sig = || {
            format!(
                "{name}({})",
                args.iter()
                    .map(|a| a.ty().ty.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let (func, ty) = match (name, args.len(), star) {
            ("count", 0, true) => (AggFunc::CountStar, SqlType::Int8.plain()),
            ("count", 1, false) => (AggFunc::Count, SqlType::Int8.plain()),
            ("sum", 1, false) => {
                let t = args[0].ty().ty;
                let rt = match t {
                    SqlType::Int2 | SqlType::Int4 => SqlType::Int8,
                    SqlType::Int8 | SqlType::Numeric | SqlType::Unknown => SqlType::Numeric,
                    SqlType::Float4 => SqlType::Float4,
                    SqlType::Float8 => SqlType::Float8,
                    _ => return self.err_at(SqlError::undefined_function(&sig()), span),
                };
                if t == SqlType::Unknown {
                    args[0] =
                        self.coerce_implicit(take_first(&mut args), SqlType::Numeric, span)?;
                }
                (AggFunc::Sum, rt.plain())
            }
            ("avg", 1, false) => {
                let t = args[0].ty().ty;
                let rt = match t {
                    SqlType::Int2
                    | SqlType::Int4
                    | SqlType::Int8
                    | SqlType::Numeric
                    | SqlType::Unknown => SqlType::Numeric,
                    SqlType::Float4 | SqlType::Float8 => SqlType::Float8,
                    _ => return self.err_at(SqlError::undefined_function(&sig()), span),
                };
                if t == SqlType::Unknown {
                    args[0] =
                        self.coerce_implicit(take_first(&mut args), SqlType::Numeric, span)?;
                }
                (AggFunc::Avg, rt.plain())
            }
            ("min" | "max", 1, false) => {
                let mut t = args[0].ty();
                if t.ty == SqlType::Unknown {
                    args[0] = self.coerce_implicit(take_first(&mut args), SqlType::Text, span)?;
                    t = SqlType::Text.plain();
                }
                let t = if t.ty == SqlType::Varchar {
                    SqlType::Text.plain()
                } else {
                    t
                };
                (
                    if name == "min" {
                        AggFunc::Min
                    } else {
                        AggFunc::Max
                    },
                    ColType {
                        ty: t.ty,
                        typmod: if t.ty == SqlType::Bpchar {
                            t.typmod
                        } else {
                            -1
                        },
                    },
                )
            }
            ("bool_and" | "bool_or" | "every", 1, false) => {
                args[0] = self.coerce_bool(take_first(&mut args), name, span)?;
                (
                    if name == "bool_or" {
                        AggFunc::BoolOr
                    } else {
                        AggFunc::BoolAnd
                    },
                    SqlType::Bool.plain(),
                )
            }
            ("string_agg", 2, false) => {
                let d = args
                    .pop()
                    .unwrap_or(Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                let v = args
                    .pop()
                    .unwrap_or(Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                args = vec![
                    self.coerce_text(v, span, name)?,
                    self.coerce_text(d, span, name)?,
                ];
                (AggFunc::StringAgg, SqlType::Text.plain())
            }
            _ => return self.err_at(SqlError::undefined_function(&sig()), span),
        };
        let call = AggCall {
            func,
            args,
            distinct,
            ty,
            filter,
        };
        let agg = self
            .agg
            .as_mut()
            .ok_or_else(|| SqlError::internal("aggregate state lost"))?;
        let idx = match agg.aggs.iter().position(|a| *a == call) {
            Some(i) => i,
            None => {
                agg.aggs.push(call);
                agg.aggs.len() - 1
            }
        };
        Ok(Expr::Column(agg.groups.len() + idx, ty))
    }

    // ---------------------------------------------------------------- DML

    fn returning(
        &mut self,
        items: &Option<Vec<ast::SelectItem>>,
        scope: &Scope,
    ) -> SqlResult<Option<(Vec<Expr>, Vec<OutColumn>)>> {
        let Some(items) = items else { return Ok(None) };
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for item in items {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let b = self.bind_expr(e, scope)?;
                    cols.push(OutColumn {
                        name: figure_colname(e),
                        ty: b.ty(),
                    });
                    exprs.push(b);
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let b = self.bind_expr(expr, scope)?;
                    cols.push(OutColumn {
                        name: ident_name(alias),
                        ty: b.ty(),
                    });
                    exprs.push(b);
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    for (i, c) in scope.cols.iter().enumerate() {
                        cols.push(OutColumn {
                            name: c.name.clone(),
                            ty: c.ty,
                        });
                        exprs.push(Expr::Column(i, c.ty));
                    }
                }
                _ => return Err(SqlError::unsupported("this RETURNING item")),
            }
        }
        for (e, c) in exprs.iter_mut().zip(cols.iter_mut()) {
            if e.ty().ty == SqlType::Unknown {
                let x = std::mem::replace(e, Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                *e = self.coerce_implicit(x, SqlType::Text, Span::empty())?;
                c.ty = SqlType::Text.plain();
            }
        }
        Ok(Some((exprs, cols)))
    }

    pub fn checks(&mut self, t: &TableDef) -> SqlResult<Vec<(String, Expr)>> {
        let scope = Scope::of_table(t, &t.name);
        let mut out = Vec::new();
        for c in &t.checks {
            let ast = parse_expr(&c.expr)?;
            let b = self.bind_expr(&ast, &scope)?;
            out.push((c.name.clone(), self.coerce_bool(b, "CHECK", Span::empty())?));
        }
        Ok(out)
    }

    pub fn defaults(&mut self, t: &TableDef) -> SqlResult<Vec<Option<Expr>>> {
        let mut out = Vec::new();
        for c in &t.columns {
            out.push(match &c.default {
                Some(text) => {
                    let ast = parse_expr(text)?;
                    let b = self.bind_expr(&ast, &Scope::default())?;
                    Some(self.coerce_assign(b, c, Span::empty())?)
                }
                None => None,
            });
        }
        Ok(out)
    }

    pub fn bind_insert(&mut self, ins: &ast::Insert) -> SqlResult<InsertPlan> {
        let name = match &ins.table {
            ast::TableObject::TableName(n) => n,
            _ => return Err(SqlError::unsupported("INSERT into a table function")),
        };
        let table = self.table(name)?;
        let on_conflict = match &ins.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => Some(self.bind_on_conflict(&table, oc)?),
            Some(_) => return Err(SqlError::unsupported("ON DUPLICATE KEY UPDATE")),
        };
        let targets: Vec<usize> = if ins.columns.is_empty() {
            // Without a column list, VALUES may supply a prefix of the columns.
            let supplied = match ins.source.as_ref().map(|q| q.body.as_ref()) {
                Some(ast::SetExpr::Values(v)) => {
                    v.rows.first().map(|r| r.content.len()).unwrap_or(0)
                }
                _ => table.columns.len(),
            };
            (0..supplied.min(table.columns.len())).collect()
        } else {
            let mut v = Vec::new();
            for c in &ins.columns {
                let cname = object_name(c)?;
                let i = table.column_index(&cname).ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column \"{cname}\" of relation \"{}\" does not exist",
                            table.name
                        ),
                    )
                    .at(self.pos(c.span()))
                })?;
                if v.contains(&i) {
                    return Err(SqlError::new(
                        "42701",
                        format!("column \"{cname}\" specified more than once"),
                    )
                    .at(self.pos(c.span())));
                }
                v.push(i);
            }
            v
        };
        let defaults = self.defaults(&table)?;
        let checks = self.checks(&table)?;
        let source = match &ins.source {
            None => InsertSource::Values(vec![vec![None; table.columns.len()]]),
            Some(q) => match q.body.as_ref() {
                ast::SetExpr::Values(values)
                    if q.order_by.is_none() && q.limit_clause.is_none() =>
                {
                    let mut rows = Vec::new();
                    for r in &values.rows {
                        if r.content.len() > targets.len() {
                            return Err(SqlError::syntax(
                                "INSERT has more expressions than target columns",
                            )
                            .at(self.pos(start_span(&r.content[targets.len()]))));
                        }
                        if r.content.len() < targets.len() {
                            return Err(SqlError::syntax(
                                "INSERT has more target columns than expressions",
                            )
                            .at(self.pos(r.opening_token.0.span)));
                        }
                        let mut row: Vec<Option<Expr>> = vec![None; table.columns.len()];
                        for (e, &ci) in r.content.iter().zip(&targets) {
                            if let ast::Expr::Identifier(id) = e {
                                if id.quote_style.is_none()
                                    && id.value.eq_ignore_ascii_case("default")
                                {
                                    continue;
                                }
                            }
                            let b = self.bind_expr(e, &Scope::default())?;
                            row[ci] =
                                Some(self.coerce_assign(b, &table.columns[ci], start_span(e))?);
                        }
                        rows.push(row);
                    }
                    InsertSource::Values(rows)
                }
                _ => {
                    let plan = self.bind_query(q)?;
                    if plan.columns.len() > targets.len() {
                        return Err(SqlError::syntax(
                            "INSERT has more expressions than target columns",
                        ));
                    }
                    let mut casts = Vec::new();
                    for (i, c) in plan.columns.iter().enumerate() {
                        casts.push(self.coerce_assign(
                            Expr::Column(i, c.ty),
                            &table.columns[targets[i]],
                            Span::empty(),
                        )?);
                    }
                    let targets = targets[..plan.columns.len()].to_vec();
                    InsertSource::Query {
                        plan: Box::new(plan),
                        targets,
                        casts,
                    }
                }
            },
        };
        let scope = Scope::of_table(&table, &table.name);
        let returning = self.returning(&ins.returning, &scope)?;
        Ok(InsertPlan {
            table,
            source,
            defaults,
            checks,
            returning,
            on_conflict,
        })
    }

    fn bind_on_conflict(
        &mut self,
        table: &TableDef,
        oc: &ast::OnConflict,
    ) -> SqlResult<OnConflictPlan> {
        let all: Vec<IndexDef> = table
            .primary_key
            .iter()
            .chain(table.unique.iter())
            .cloned()
            .collect();
        let arbiters = match &oc.conflict_target {
            None => {
                if matches!(oc.action, ast::OnConflictAction::DoUpdate(_)) {
                    let at = self
                        .sql
                        .to_lowercase()
                        .find("on conflict")
                        .map(|b| self.sql[..b].chars().count() as u32 + 1);
                    return Err(SqlError::syntax(
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    )
                    .with_hint("For example, ON CONFLICT (column_name).")
                    .at(at));
                }
                all
            }
            Some(ast::ConflictTarget::Columns { columns, predicate }) => {
                if predicate.is_some() {
                    return Err(SqlError::unsupported("ON CONFLICT with an index predicate"));
                }
                let mut want = Vec::new();
                for c in columns {
                    let n = ident_name(c);
                    let i = table
                        .column_index(&n)
                        .ok_or_else(|| SqlError::undefined_column(&n).at(self.pos(c.span)))?;
                    want.push(i);
                }
                want.sort_unstable();
                want.dedup();
                let hit = all.into_iter().find(|idx| {
                    let mut cols = idx.columns.clone();
                    cols.sort_unstable();
                    cols == want
                });
                match hit {
                    Some(idx) => vec![idx],
                    None => {
                        return Err(SqlError::new(
                            "42P10",
                            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                        ))
                    }
                }
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let n = object_name(name)?;
                match all.into_iter().find(|i| i.name == n) {
                    Some(idx) => vec![idx],
                    None => {
                        return Err(SqlError::new(
                            "42704",
                            format!(
                                "constraint \"{n}\" for table \"{}\" does not exist",
                                table.name
                            ),
                        ))
                    }
                }
            }
        };
        let action = match &oc.action {
            ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
            ast::OnConflictAction::DoUpdate(du) => {
                let mut scope = Scope::of_table(table, &table.name);
                scope.cols.extend(Scope::of_table(table, "excluded").cols);
                let mut assignments = Vec::new();
                for a in &du.assignments {
                    let ast::AssignmentTarget::ColumnName(cn) = &a.target else {
                        return Err(SqlError::unsupported("multi-column assignment"));
                    };
                    let cname = match cn.0.last().and_then(|p| p.as_ident()) {
                        Some(i) => ident_name(i),
                        None => return Err(SqlError::unsupported("this assignment target")),
                    };
                    let ci = table.column_index(&cname).ok_or_else(|| {
                        SqlError::new(
                            "42703",
                            format!(
                                "column \"{cname}\" of relation \"{}\" does not exist",
                                table.name
                            ),
                        )
                        .at(self.pos(cn.span()))
                    })?;
                    let b = self.bind_expr(&a.value, &scope)?;
                    assignments.push((
                        ci,
                        self.coerce_assign(b, &table.columns[ci], start_span(&a.value))?,
                    ));
                }
                let filter = match &du.selection {
                    Some(w) => {
                        let b = self.bind_expr(w, &scope)?;
                        Some(self.coerce_bool(b, "WHERE", start_span(w))?)
                    }
                    None => None,
                };
                ConflictAction::Update {
                    assignments,
                    filter,
                }
            }
        };
        Ok(OnConflictPlan { arbiters, action })
    }

    pub fn bind_truncate(&mut self, t: &ast::Truncate) -> SqlResult<Vec<Arc<TableDef>>> {
        if t.partitions.is_some() {
            return Err(SqlError::unsupported("TRUNCATE ... PARTITION"));
        }
        let mut out = Vec::new();
        for target in &t.table_names {
            out.push(self.table(&target.name)?);
        }
        Ok(out)
    }

    fn single_table(&mut self, twj: &ast::TableWithJoins) -> SqlResult<(Arc<TableDef>, Scope)> {
        if !twj.joins.is_empty() {
            return Err(SqlError::unsupported("joins in UPDATE/DELETE"));
        }
        match &twj.relation {
            ast::TableFactor::Table { name, alias, .. } => {
                let t = self.table(name)?;
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_else(|| t.name.clone());
                let scope = Scope::of_table(&t, &alias_name);
                Ok((t, scope))
            }
            _ => Err(SqlError::unsupported("this UPDATE/DELETE target")),
        }
    }

    fn where_clause(
        &mut self,
        table: &TableDef,
        selection: &Option<ast::Expr>,
        scope: &Scope,
    ) -> SqlResult<(Access, Option<Expr>)> {
        match selection {
            None => Ok((Access::Full, None)),
            Some(w) => {
                if contains_aggregate(w) {
                    return self.err_at(
                        SqlError::new("42803", "aggregate functions are not allowed in WHERE"),
                        start_span(w),
                    );
                }
                let b = self.bind_expr(w, scope)?;
                let b = self.coerce_bool(b, "WHERE", start_span(w))?;
                Ok((choose_access(table, &b), Some(b)))
            }
        }
    }

    pub fn bind_update(&mut self, u: &ast::Update) -> SqlResult<UpdatePlan> {
        if u.from.is_some() || u.limit.is_some() || !u.order_by.is_empty() {
            return Err(SqlError::unsupported("UPDATE ... FROM/ORDER BY/LIMIT"));
        }
        let (table, scope) = self.single_table(&u.table)?;
        let mut assignments = Vec::new();
        for a in &u.assignments {
            let ast::AssignmentTarget::ColumnName(cn) = &a.target else {
                return Err(SqlError::unsupported("multi-column assignment"));
            };
            let cname = match cn.0.last().and_then(|p| p.as_ident()) {
                Some(i) => ident_name(i),
                None => return Err(SqlError::unsupported("this assignment target")),
            };
            let ci = table.column_index(&cname).ok_or_else(|| {
                SqlError::new(
                    "42703",
                    format!(
                        "column \"{cname}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                )
                .at(self.pos(cn.span()))
            })?;
            if assignments.iter().any(|(i, _)| *i == ci) {
                return Err(SqlError::new(
                    "42601",
                    format!("multiple assignments to same column \"{cname}\""),
                ));
            }
            let value = if let ast::Expr::Identifier(id) = &a.value {
                if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default") {
                    let defaults = self.defaults(&table)?;
                    defaults[ci]
                        .clone()
                        .unwrap_or(Expr::Const(Datum::Null, table.columns[ci].ty))
                } else {
                    let b = self.bind_expr(&a.value, &scope)?;
                    self.coerce_assign(b, &table.columns[ci], start_span(&a.value))?
                }
            } else {
                let b = self.bind_expr(&a.value, &scope)?;
                self.coerce_assign(b, &table.columns[ci], start_span(&a.value))?
            };
            assignments.push((ci, value));
        }
        let (access, filter) = self.where_clause(&table, &u.selection, &scope)?;
        let checks = self.checks(&table)?;
        let returning = self.returning(&u.returning, &scope)?;
        Ok(UpdatePlan {
            table,
            access,
            filter,
            assignments,
            checks,
            returning,
        })
    }

    pub fn bind_delete(&mut self, d: &ast::Delete) -> SqlResult<DeletePlan> {
        if d.using.is_some() || d.limit.is_some() || !d.order_by.is_empty() || !d.tables.is_empty()
        {
            return Err(SqlError::unsupported("DELETE ... USING/ORDER BY/LIMIT"));
        }
        let from = match &d.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => v,
        };
        let [twj] = from.as_slice() else {
            return Err(SqlError::unsupported("DELETE from several tables"));
        };
        let (table, scope) = self.single_table(twj)?;
        let (access, filter) = self.where_clause(&table, &d.selection, &scope)?;
        let returning = self.returning(&d.returning, &scope)?;
        Ok(DeletePlan {
            table,
            access,
            filter,
            returning,
        })
    }
}

/// Moves the first argument out (leaving a NULL placeholder) to rebind it in place.
fn take_first(args: &mut [Expr]) -> Expr {
    std::mem::replace(
        &mut args[0],
        Expr::Const(Datum::Null, SqlType::Unknown.plain()),
    )
}

/// Operators mixing real with another numeric type resolve to double
/// precision (float8 is the preferred type of the numeric category).
fn float4_mix(t: SqlType, l: SqlType, r: SqlType) -> SqlType {
    let other = |x: SqlType| x != SqlType::Float4 && x != SqlType::Unknown;
    if t == SqlType::Float4 && (other(l) || other(r)) {
        SqlType::Float8
    } else {
        t
    }
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr::Binary {
        op: BinOp::And,
        left: Box::new(a),
        right: Box::new(b),
        operand: SqlType::Bool,
        ty: SqlType::Bool.plain(),
    }
}

fn zero_of(t: SqlType) -> Datum {
    match t {
        SqlType::Int2 => Datum::Int2(0),
        SqlType::Int4 => Datum::Int4(0),
        SqlType::Int8 => Datum::Int8(0),
        SqlType::Float4 => Datum::Float4(0.0),
        SqlType::Float8 => Datum::Float8(0.0),
        _ => Datum::Numeric(Numeric::zero()),
    }
}

/// Comparison semantics: bpchar compares without padding; other strings as text.
fn cmp_operand(t: SqlType) -> SqlType {
    match t {
        SqlType::Varchar => SqlType::Text,
        other => other,
    }
}

fn no_operator(sym: &str, l: Option<SqlType>, r: SqlType) -> SqlError {
    let msg = match l {
        Some(l) => format!(
            "operator does not exist: {} {sym} {}",
            l.display_name(),
            r.display_name()
        ),
        None => format!("operator does not exist: {sym} {}", r.display_name()),
    };
    SqlError::new("42883", msg)
        .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

fn func_name(f: Func) -> &'static str {
    match f {
        Func::Ceil => "ceil",
        Func::Floor => "floor",
        Func::Round => "round",
        Func::Trunc => "trunc",
        Func::Sign => "sign",
        _ => "function",
    }
}

/// 1-based character offset of `span.start` in `sql` (None for empty spans).
pub fn span_position(sql: &str, span: Span) -> Option<u32> {
    let (line, col) = (span.start.line, span.start.column);
    if line == 0 {
        return None;
    }
    let mut offset = 0u32;
    for (i, l) in sql.split('\n').enumerate() {
        if i as u64 + 1 == line {
            return Some(offset + col as u32);
        }
        offset += l.chars().count() as u32 + 1;
    }
    None
}
