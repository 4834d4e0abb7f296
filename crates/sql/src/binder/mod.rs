//! The binder: resolves names against the catalog, types every expression
//! with PostgreSQL's rules (unknown literals, implicit casts, operator
//! resolution), and turns sqlparser's AST into bound plans (`plan.rs`).

mod array_ops;
mod assign;
mod bit_string_ops;
mod builtin_params;
mod default_expr;
mod dml;
mod domain;
pub use dml::dml_under_with;
pub use truncate::{truncate_references, TruncatePlan};
mod expr;
mod functions;
mod geo_money_ops;
mod joined_from;
mod json_fns;
mod json_ops;
mod partition;
mod partition_params;
mod pg_lsn_ops;
pub use partition::{check_partition_expr, PartitionExprUse};
pub use partition_params::{may_prune as may_prune_with_params, prune_with_params};
mod query;
mod row_expr;
mod row_security;
pub use row_security::violation as row_security_violation;
mod sequence_fns;
mod srf;
mod sys;
pub(crate) mod system_columns;
mod table_fn;
mod truncate;
mod user_casts;
mod user_functions;
mod user_operators;
mod window;
mod written_cte;
pub use written_cte::{data_modifying, written_key_of, WrittenCte, WrittenCtes};

use std::sync::Arc;

use sqlparser::ast::{self, Spanned};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Span;

use crate::catalog::{Catalog, IndexDef, TableDef};
use crate::datum::{apply_typmod, cast_in, CastContext, Datum};
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
        // Unaliased, a table is known by its name without the schema.
        let alias = if alias == t.name {
            crate::schema::split(alias).1
        } else {
            alias
        };
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
    /// Defined in a WITH RECURSIVE list (may reference itself).
    recursive: bool,
    span: Span,
}

/// The working table of a WITH RECURSIVE query while its recursive term is bound.
struct WorkTableDef {
    name: String,
    id: usize,
    /// Output columns of the non-recursive term; None if the query is not
    /// of the form `base UNION [ALL] recursive`.
    columns: Option<Vec<OutColumn>>,
    /// `ctes.len()` and `outer.len()` at registration (shadowing, subqueries).
    ctes_len: usize,
    outer_len: usize,
    refs: usize,
    span: Span,
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
    /// Where each row goes when the target is partitioned or a partition.
    pub routing: Option<Arc<crate::partition::Router>>,
}

/// UPDATE/DELETE of a partitioned table or a partition: the leaves it reads
/// (`router.leaves`), each with its own access path, and where updated rows go.
#[derive(Clone, Debug)]
pub struct PartitionTargets {
    pub router: Arc<crate::partition::Router>,
    pub access: Vec<Access>,
    /// The WHERE clause over each leaf's own column order.
    pub filters: Vec<Option<Expr>>,
    /// `key column = value` for every partition key column (else empty):
    /// only the leaf those values route to is read.
    pub pins: Vec<(usize, Expr)>,
    /// Per leaf: false when plan-time partition pruning proved it holds no
    /// row the statement acts on, so it is neither read nor shown by
    /// EXPLAIN (updated rows may still move into it).
    pub scanned: Vec<bool>,
}

impl PartitionTargets {
    /// Does the statement read leaf `i` (it survived plan-time pruning)?
    pub fn reads(&self, i: usize) -> bool {
        self.scanned.get(i).copied().unwrap_or(true)
    }
}

/// `ON CONFLICT`: the unique indexes that arbitrate, and what to do on a hit.
#[derive(Clone, Debug)]
pub struct OnConflictPlan {
    pub arbiters: Vec<IndexDef>,
    pub action: ConflictAction,
    /// DO UPDATE under row-level security: the policy checks of its
    /// update path (`row_security.rs`).
    pub security: Option<row_security::ConflictSecurity>,
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
    /// The target's alias (`UPDATE t AS x`), which EXPLAIN shows.
    pub alias: Option<String>,
    pub access: Access,
    pub filter: Option<Expr>,
    pub assignments: Vec<(usize, Expr)>,
    pub checks: Vec<(String, Expr)>,
    pub returning: Option<(Vec<Expr>, Vec<OutColumn>)>,
    pub partitions: Option<PartitionTargets>,
    /// `UPDATE ... FROM`: assignments, filter and RETURNING then see each
    /// target row followed by the FROM row it joins with.
    pub from: Option<Box<JoinedFrom>>,
}

/// The FROM list of an UPDATE or the USING list of a DELETE, planned like
/// a SELECT's FROM; `width` columns follow the target's in joined rows.
#[derive(Clone, Debug)]
pub struct JoinedFrom {
    pub plan: Plan,
    pub width: usize,
}

#[derive(Clone, Debug)]
pub struct DeletePlan {
    pub table: Arc<TableDef>,
    /// The target's alias (`DELETE FROM t AS x`), which EXPLAIN shows.
    pub alias: Option<String>,
    pub access: Access,
    pub filter: Option<Expr>,
    pub returning: Option<(Vec<Expr>, Vec<OutColumn>)>,
    pub partitions: Option<PartitionTargets>,
    /// `DELETE ... USING`: filter and RETURNING see each target row
    /// followed by the USING row it joins with.
    pub using: Option<Box<JoinedFrom>>,
}

pub fn ident_name(i: &ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The catalog key of an object name (`public.t` -> `t`, `s.t` -> `s.t`;
/// see `crate::schema`).
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
        [schema, name] if !schema.contains('.') => Ok(crate::schema::qualified(schema, name)),
        _ => Err(SqlError::undefined_table(&parts.join("."))),
    }
}

pub fn parse_expr(text: &str) -> SqlResult<ast::Expr> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(crate::session::PARSER_RECURSION_LIMIT)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::internal(format!("stored expression does not parse: {e}")))
}

/// A query of `body` under `with` alone: no ORDER BY, LIMIT, locking or
/// other clauses (for statements built in place of the written one).
pub fn bare_query(with: Option<ast::With>, body: ast::SetExpr) -> ast::Query {
    ast::Query {
        with,
        body: Box::new(body),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: vec![],
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: vec![],
    }
}

/// Scalar functions the binder knows (anything else is 42883).
const KNOWN_FUNCTIONS: &[&str] = &[
    "now",
    "current_timestamp",
    "transaction_timestamp",
    "statement_timestamp",
    "clock_timestamp",
    "localtimestamp",
    "current_date",
    "date_trunc",
    "timezone",
    "date_part",
    "make_date",
    "make_timestamp",
    "make_timestamptz",
    "age",
    "to_timestamp",
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
    "bit_length",
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
    "pg_current_xact_id",
    "txid_current",
    "current_database",
    "current_schema",
    "cardinality",
    "array_length",
];

/// Functions that exist only as window functions.
const WINDOW_FUNCTIONS: &[&str] = &[
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
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
    "variance",
    "var_samp",
    "var_pop",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "array_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
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
pub(crate) fn contains_aggregate(e: &ast::Expr) -> bool {
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
        E::Like { expr, pattern, .. }
        | E::ILike { expr, pattern, .. }
        | E::SimilarTo { expr, pattern, .. } => c(expr) || c(pattern),
        E::Overlay {
            expr,
            overlay_what,
            overlay_from,
            overlay_for,
        } => c(expr) || c(overlay_what) || c(overlay_from) || overlay_for.as_deref().is_some_and(c),
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
                .map(|t| (cast_name(t.ty).to_string(), 1))
                .ok()
                .or_else(|| user_type_colname(data_type))
                .unwrap_or(inner)
        }
        E::Tuple(_) => named("row"),
        E::Interval(_) => ("interval".into(), 1),
        E::Array(_) => named("array"),
        // `(r).x` is named after its field, `t.a[1]` and `a[1]` after `a`.
        E::CompoundFieldAccess { root, access_chain } => access_chain
            .iter()
            .rev()
            .find_map(|a| match a {
                ast::AccessExpr::Dot(E::Identifier(field)) => Some((ident_name(field), 2)),
                _ => None,
            })
            .unwrap_or_else(|| figure(root)),
        E::TypedString(ts) => types::from_ast(&ts.data_type)
            .map(|t| (cast_name(t.ty).to_string(), 1))
            .unwrap_or_else(|_| none()),
        E::Case { .. } => named("case"),
        E::Exists { .. } => named("exists"),
        E::Substring {
            shorthand: true, ..
        } => named("substr"),
        E::Substring { .. } => named("substring"),
        E::Overlay { .. } => named("overlay"),
        E::AtTimeZone { .. } => named("timezone"),
        E::Ceil { .. } => named("ceil"),
        E::Floor { .. } => named("floor"),
        E::Trim { trim_where, .. } => match trim_where {
            Some(ast::TrimWhereField::Leading) => named("ltrim"),
            Some(ast::TrimWhereField::Trailing) => named("rtrim"),
            _ => named("btrim"),
        },
        E::Position { .. } => named("position"),
        E::Extract { .. } => named("extract"),
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

/// The column name of a cast to a user-defined type (or an array of one):
/// the type's name, which is its typname.
fn user_type_colname(dt: &ast::DataType) -> Option<(String, u8)> {
    let name = match dt {
        ast::DataType::Custom(name, _) => name,
        ast::DataType::Array(
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => match inner.as_ref() {
            ast::DataType::Custom(name, _) => name,
            _ => return None,
        },
        _ => return None,
    };
    let last = name.0.last()?.as_ident()?;
    Some((ident_name(last), 1))
}

/// The column name of a cast to `t`: its typname (an array's element typname).
fn cast_name(t: SqlType) -> &'static str {
    match t {
        SqlType::Array(e) => e.ty().typname(),
        other => other.typname(),
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
            E::Interval(iv) => return start_span(&iv.value),
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
    // Integers cast implicitly to oid (and oid to nothing numeric).
    if known.contains(&SqlType::Oid) {
        let integral = |t: &SqlType| {
            matches!(
                t,
                SqlType::Oid | SqlType::Int2 | SqlType::Int4 | SqlType::Int8
            )
        };
        return known.iter().all(integral).then_some(SqlType::Oid);
    }
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
        Category::DateTime => known
            .iter()
            .copied()
            .max_by_key(|t| t.datetime_rank())
            .unwrap_or(first),
        // An anonymous record (row constructor, whole-row reference) meets
        // a composite type: it is read as that type, field by field.
        _ => known
            .iter()
            .copied()
            .find(|t| matches!(t, SqlType::Composite(_)))
            .unwrap_or(first),
    })
}

/// Whether a cast exists in the given context (PostgreSQL's pg_cast, for our types).
pub fn can_cast(from: SqlType, to: SqlType, ctx: CastContext) -> bool {
    use SqlType as T;
    if from == to || from == T::Unknown {
        return true;
    }
    // A record whose fields read as the composite type's (checked at run time).
    if from == T::Record && matches!(to, T::Composite(_)) {
        return true;
    }
    let (fc, tc) = (from.category(), to.category());
    match ctx {
        CastContext::Implicit if (from, to) == (T::Time, T::Interval) => true,
        _ if to == T::Oid => {
            matches!(from, T::Int2 | T::Int4 | T::Int8)
                || (ctx == CastContext::Explicit && fc == Category::String)
        }
        CastContext::Assignment | CastContext::Explicit if from == T::Oid => {
            matches!(to, T::Int4 | T::Int8) || tc == Category::String
        }
        // name casts implicitly to text only (to varchar/char by assignment).
        CastContext::Implicit if from == T::Name => to == T::Text,
        // "char" <-> strings (implicitly only to text), <-> integer explicitly.
        _ if to == T::InternalChar => match ctx {
            CastContext::Implicit => false,
            CastContext::Assignment => fc == Category::String,
            CastContext::Explicit => fc == Category::String || from == T::Int4,
        },
        _ if from == T::InternalChar => match ctx {
            CastContext::Implicit => to == T::Text,
            CastContext::Assignment => tc == Category::String,
            CastContext::Explicit => tc == Category::String || to == T::Int4,
        },
        _ if matches!((from, to), (T::Array(_), T::Array(_))) => {
            let (T::Array(f), T::Array(t)) = (from, to) else {
                return false;
            };
            can_cast(f.ty(), t.ty(), ctx)
        }
        CastContext::Assignment | CastContext::Explicit
            if matches!((from, to), (T::Json, T::Jsonb) | (T::Jsonb, T::Json)) =>
        {
            true
        }
        CastContext::Assignment | CastContext::Explicit
            if matches!(
                (from, to),
                (T::Timestamp | T::TimestampTz | T::Interval, T::Time) | (T::Time, T::Interval)
            ) =>
        {
            true
        }
        // money <-> numeric and int4/int8 -> money by assignment (pg_cast 'a').
        CastContext::Assignment | CastContext::Explicit
            if matches!(
                (from, to),
                (T::Money, T::Numeric) | (T::Numeric | T::Int4 | T::Int8, T::Money)
            ) =>
        {
            true
        }
        // bit <-> bit varying in any context; int4/int8 <-> bit explicitly.
        _ if fc == Category::BitString && tc == Category::BitString => true,
        CastContext::Explicit if fc == Category::BitString && tc == Category::Numeric => {
            from == T::Bit && matches!(to, T::Int4 | T::Int8)
        }
        CastContext::Explicit if fc == Category::Numeric && tc == Category::BitString => {
            to == T::Bit && matches!(from, T::Int4 | T::Int8)
        }
        CastContext::Implicit => match (fc, tc) {
            (Category::Numeric, Category::Numeric) => from.numeric_rank() < to.numeric_rank(),
            (Category::String, Category::String) => to != T::Bpchar || from == T::Bpchar,
            (Category::DateTime, Category::DateTime) => from.datetime_rank() < to.datetime_rank(),
            _ => false,
        },
        CastContext::Assignment => {
            matches!(
                (fc, tc),
                (Category::Numeric, Category::Numeric)
                    | (Category::DateTime, Category::DateTime)
                    | (_, Category::String)
            )
        }
        CastContext::Explicit => match (fc, tc) {
            (Category::Numeric, Category::Numeric)
            | (Category::DateTime, Category::DateTime)
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
    /// Window calls of the SELECT list / ORDER BY being bound (None where
    /// window functions are not allowed; `win_clause` names that clause).
    win: Option<Vec<WindowCall>>,
    win_clause: &'static str,
    /// Set-returning calls of the SELECT list being bound (None where they
    /// are not allowed): placeholders `srf::SRF_BASE + i`.
    srf: Option<Vec<SrfCall>>,
    /// The SELECT about to be bound is an arm of UNION/INTERSECT/EXCEPT: its
    /// unknown-typed outputs (`select null`) stay unknown for the set
    /// operation to resolve, as in PostgreSQL.
    set_op_arm: bool,
    /// Binding the arguments or window of a window call.
    in_win_arg: bool,
    /// `WINDOW name AS (...)` definitions of the SELECT being bound.
    named_windows: Vec<(String, ast::WindowSpec)>,
    /// Working tables of WITH RECURSIVE queries being bound: (CTE index, id, columns).
    work_tables: Vec<WorkTableDef>,
    next_work_table: usize,
    /// Nesting of view expansion (a guard against self-referencing views).
    view_depth: usize,
    /// Columns of the FROM clause being bound that `SELECT *` skips: the
    /// inputs of JOIN ... USING / NATURAL merged columns (qualifier, name).
    using_hidden: Vec<(Option<String>, String)>,
    /// Tables bound under an alias, as (table name, alias): a reference by
    /// the table's own name then gets PostgreSQL's hint naming the alias.
    aliased_tables: Vec<(String, String)>,
    /// Relations the statement itself names, in binding order (not those
    /// inside views): what its privileges are checked on.
    resolved_relations: std::cell::RefCell<Vec<String>>,
    /// The table an INSERT being bound writes (for field assignment
    /// targets, `crate::array_assign::INSERT_COLUMN_FN`).
    insert_target: Option<Arc<TableDef>>,
    /// Tables whose policies are being bound (`row_security.rs`): a guard
    /// against a policy that reaches its own table.
    rls_tables: Vec<u32>,
    /// Owners of the views being expanded, innermost last: the user their
    /// tables' policies apply for.
    rls_view_owners: Vec<String>,
    /// TimeZone and DateStyle that constant date/time casts fold under.
    datetime: crate::timezone::DateTimeConfig,
    /// Rows of the statement's data-modifying WITH queries, run already.
    written_ctes: WrittenCtes,
}

impl<'a> Binder<'a> {
    /// Folds constant date/time casts under the session's TimeZone and DateStyle.
    pub fn with_datetime(mut self, datetime: &crate::timezone::DateTimeConfig) -> Binder<'a> {
        self.datetime = datetime.clone();
        self
    }

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
            win: None,
            win_clause: "",
            srf: None,
            set_op_arm: false,
            in_win_arg: false,
            named_windows: vec![],
            work_tables: vec![],
            next_work_table: 0,
            view_depth: 0,
            using_hidden: vec![],
            aliased_tables: vec![],
            resolved_relations: Default::default(),
            insert_target: None,
            rls_tables: vec![],
            rls_view_owners: vec![],
            datetime: Default::default(),
            written_ctes: Default::default(),
        }
    }

    /// The catalog the statement binds against.
    pub(crate) fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    /// The relations bound so far that the statement names itself.
    pub fn resolved_relations(&self) -> Vec<String> {
        self.resolved_relations.borrow().clone()
    }

    /// Notes a relation the statement names (views' own relations aside).
    pub(crate) fn note_resolved(&self, key: &str) {
        if self.view_depth == 0 {
            self.resolved_relations.borrow_mut().push(key.to_string());
        }
    }

    /// 1-based character offset of a span's start in the query text.
    pub fn pos(&self, span: Span) -> Option<u32> {
        span_position(self.sql, span)
    }

    fn err_at<T>(&self, e: SqlError, span: Span) -> SqlResult<T> {
        Err(e.at(self.pos(span)))
    }

    /// Records that `table` is bound under `alias` (see `aliased_tables`).
    fn note_alias(&mut self, table: &str, alias: &Option<ast::TableAlias>) {
        if let Some(a) = alias {
            self.note_alias_name(table, ident_name(&a.name));
        }
    }

    /// Records `table` (a catalog key, perhaps schema-qualified) under its
    /// relation name: a reference to the hidden name is written unqualified
    /// (`RETURNING foo.*` for a temporary `foo`).
    fn note_alias_name(&mut self, table: &str, alias: String) {
        let relation = crate::schema::split(table).1;
        self.aliased_tables.push((relation.to_string(), alias));
    }

    pub fn table(&self, name: &ast::ObjectName) -> SqlResult<Arc<TableDef>> {
        let n = object_name(name).map_err(|e| e.at(self.pos(name.span())))?;
        let t = self
            .catalog
            .table(&n)
            .map_err(|e| e.at(self.pos(name.span())))?;
        self.note_resolved(&t.name);
        Ok(t)
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
        if let SqlType::Composite(oid) = to.ty {
            if let Some(x) = self.coerce_row_constructor(&e, oid, ctx, span)? {
                return Ok(Some(x));
            }
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
        if let Some(cast) = self.user_cast(from.ty, to.ty) {
            return self.apply_user_cast(e, &cast, to, ctx, span);
        }
        if !can_cast(from.ty, to.ty, ctx) {
            return Ok(None);
        }
        if let Expr::Const(d, _) = &e {
            let folded = if from.ty == SqlType::Unknown {
                let base = cast_in(d.clone(), from.ty, to.ty.plain(), ctx, &self.datetime)
                    .map_err(|err| err.at(self.pos(span)))?;
                apply_typmod(base, to, ctx)?
            } else {
                cast_in(d.clone(), from.ty, to, ctx, &self.datetime)?
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
            Ok(Some(x)) => Ok(self.with_domain(x, col.domain)),
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
