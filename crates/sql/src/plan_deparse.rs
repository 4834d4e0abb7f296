//! Bound expressions as PostgreSQL's EXPLAIN prints them (ruleutils'
//! deparse, not pretty-printed): every operator expression in parentheses,
//! AND/OR flattened, constants as `'text'::type` except the forms that read
//! back as themselves (non-negative int4, float-looking numeric, booleans),
//! casts of a non-constant as `(x)::type` while constant casts are folded as
//! the planner folds them, `IN (...)` as `= ANY (array)`, and SIMILAR TO as
//! the `~` match of its converted regular expression (similar_to_escape).

use crate::datum::{self, CastContext, Datum};
use crate::plan::{AggCall, AggFunc, BinOp, Expr, Func, SubqueryKind};
use crate::types::{ColType, SqlType};

/// What a column of a plan node's input row is called.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnName {
    /// A table (or VALUES list) column: `relation.column` when qualified.
    Var { relation: String, column: String },
    /// A computed column: its expression's text.
    Computed(String),
    /// A value an upper node computed (an aggregate), its columns
    /// qualified or not (`plain`). Read from a node above (not `own`) it
    /// shows in parentheses, as ruleutils prints a non-Var reference.
    Upper {
        plain: String,
        qualified: String,
        own: bool,
    },
}

/// The names an expression's column references resolve to.
#[derive(Clone, Copy)]
pub struct Names<'a> {
    pub columns: &'a [ColumnName],
    /// The rows of enclosing plan nodes a subplan reads (`Expr::Outer`),
    /// the nearest last.
    pub outer: &'a [Vec<ColumnName>],
    /// Whether column references show their relation (several relations in
    /// the statement, as PostgreSQL's `useprefix`).
    pub qualify: bool,
    /// (subquery id, its first output parameter) of each subquery run as
    /// an InitPlan or a multiple-column SET's subplan: a reference to its
    /// result reads `$N`.
    pub subquery_params: &'a [(usize, usize)],
}

impl Names<'_> {
    /// Column `index` of the row `depth` levels out, always qualified (it
    /// names another relation than the subplan's own).
    fn outer_column(&self, depth: usize, index: usize) -> String {
        let level = self
            .outer
            .len()
            .checked_sub(depth)
            .and_then(|at| self.outer.get(at));
        match level {
            Some(columns) => Names {
                columns,
                outer: &[],
                qualify: true,
                subquery_params: self.subquery_params,
            }
            .column(index),
            None => format!("${}", index + 1),
        }
    }

    /// Column `index` as a reference to it reads.
    pub fn column(&self, index: usize) -> String {
        match self.columns.get(index) {
            Some(ColumnName::Var { relation, column }) if self.qualify => {
                format!("{}.{}", quote_ident(relation), quote_ident(column))
            }
            Some(ColumnName::Var { column, .. }) => quote_ident(column),
            Some(ColumnName::Computed(text)) => text.clone(),
            Some(ColumnName::Upper {
                plain,
                qualified,
                own,
            }) => {
                let text = if self.qualify { qualified } else { plain };
                if *own {
                    text.clone()
                } else {
                    format!("({text})")
                }
            }
            // The binder resolved every column; a miss is a plan/name skew.
            None => format!("${}", index + 1),
        }
    }
}

/// An identifier as PostgreSQL's quote_identifier writes it.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// format_type(type, typmod): the type's name as EXPLAIN writes it.
pub fn type_sql(ty: ColType) -> String {
    crate::pg_catalog::format_type(i64::from(ty.ty.oid()), ty.typmod)
        .unwrap_or_else(|| ty.display())
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A constant as get_const_expr writes it (showtype 0).
pub fn const_sql(value: &Datum, ty: ColType) -> String {
    let Some(text) = value.to_text(1) else {
        return format!("NULL::{}", type_sql(ty));
    };
    match ty.ty {
        SqlType::Int4 if !text.starts_with('-') => text,
        SqlType::Numeric
            if text.starts_with(|c: char| c.is_ascii_digit())
                && text.contains(['.', 'e', 'E'])
                && ty.typmod < 0 =>
        {
            text
        }
        SqlType::Bool => if text == "t" { "true" } else { "false" }.to_string(),
        SqlType::Unknown => quote_literal(&text),
        _ => format!("{}::{}", quote_literal(&text), type_sql(ty)),
    }
}

fn binary_operator(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::And => "AND",
        BinOp::Or => "OR",
        BinOp::Concat => "||",
    }
}

/// The comparison operator of an `op ANY/ALL (array)` code (`eval`).
fn array_comparison(code: i64) -> &'static str {
    match code {
        0 => "=",
        1 => "<>",
        2 => "<",
        3 => "<=",
        4 => ">",
        _ => ">=",
    }
}

fn is_integer(ty: SqlType) -> bool {
    matches!(ty, SqlType::Int2 | SqlType::Int4 | SqlType::Int8)
}

/// The operands of a chain of one boolean operator, flattened as the
/// planner's canonicalisation does.
fn flatten<'e>(e: &'e Expr, op: BinOp, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Binary {
            op: o, left, right, ..
        } if *o == op => {
            flatten(left, op, out);
            flatten(right, op, out);
        }
        other => out.push(other),
    }
}

/// A snake_case name for a function variant without a SQL spelling here.
fn variant_name(debug: &str) -> String {
    let head = debug.split(['(', ' ', '{']).next().unwrap_or(debug);
    let mut out = String::new();
    for (i, c) in head.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn func_name(func: Func) -> String {
    match func {
        Func::Abs => "abs".into(),
        Func::Lower => "lower".into(),
        Func::Upper => "upper".into(),
        Func::Length => "length".into(),
        Func::OctetLength => "octet_length".into(),
        Func::Concat => "concat".into(),
        Func::Substring => "substring".into(),
        Func::Round => "round".into(),
        Func::Trunc => "trunc".into(),
        Func::Ceil => "ceil".into(),
        Func::Floor => "floor".into(),
        Func::Mod => "mod".into(),
        Func::NextVal => "nextval".into(),
        Func::Replace => "replace".into(),
        Func::Btrim => "btrim".into(),
        Func::Ltrim => "ltrim".into(),
        Func::Rtrim => "rtrim".into(),
        Func::Left => "\"left\"".into(),
        Func::Right => "\"right\"".into(),
        Func::Repeat => "repeat".into(),
        Func::Reverse => "reverse".into(),
        Func::Strpos => "strpos".into(),
        Func::Sqrt => "sqrt".into(),
        Func::Power => "power".into(),
        Func::Sign => "sign".into(),
        Func::Version => "version".into(),
        Func::Now => "now".into(),
        Func::DateTrunc => "date_trunc".into(),
        Func::Extract => "EXTRACT".into(),
        Func::Cardinality => "cardinality".into(),
        Func::ArrayLength => "array_length".into(),
        Func::CurrentXactId => "pg_current_xact_id".into(),
        Func::Lib(crate::builtins::LibFn::ByteaLength) => "length".into(),
        Func::Lib(crate::builtins::LibFn::OctetBitLength) => "bit_length".into(),
        Func::Lib(f) => variant_name(&format!("{f:?}")),
        Func::Sys(f) => variant_name(&format!("{f:?}")),
        Func::Array(f) => variant_name(&format!("{f:?}")),
        Func::DateTime(f) => variant_name(&format!("{f:?}")),
        other => variant_name(&format!("{other:?}")),
    }
}

/// An aggregate call as PostgreSQL prints it: `count(*)`, `sum(x)`,
/// `count(DISTINCT x)`.
pub fn agg_sql(call: &AggCall, names: Names<'_>) -> String {
    let name = match call.func {
        AggFunc::CountStar => return "count(*)".into(),
        AggFunc::Count => "count".to_string(),
        AggFunc::Sum => "sum".into(),
        AggFunc::Avg => "avg".into(),
        AggFunc::Min => "min".into(),
        AggFunc::Max => "max".into(),
        AggFunc::BoolAnd => "bool_and".into(),
        AggFunc::BoolOr => "bool_or".into(),
        AggFunc::StringAgg | AggFunc::ByteaStringAgg => "string_agg".into(),
        AggFunc::VarSamp => "var_samp".into(),
        AggFunc::VarPop => "var_pop".into(),
        AggFunc::StddevSamp => "stddev_samp".into(),
        AggFunc::StddevPop => "stddev_pop".into(),
        AggFunc::ArrayAgg => "array_agg".into(),
        AggFunc::Json(j) => variant_name(&format!("{j:?}")),
    };
    let args: Vec<String> = call.args.iter().map(|a| expr_sql(a, names)).collect();
    let distinct = if call.distinct { "DISTINCT " } else { "" };
    format!("{name}({distinct}{})", args.join(", "))
}

/// A window function call as a WindowAgg's output shows it (PostgreSQL
/// prints the window itself as `(?)`).
pub fn window_sql(call: &crate::plan::WindowCall, names: Names<'_>) -> String {
    let function = match call.func {
        crate::plan::WinFunc::Agg(func) => agg_sql(
            &AggCall {
                func,
                args: call.args.clone(),
                distinct: false,
                ty: call.ty,
                filter: None,
                order_by: Vec::new(),
            },
            names,
        ),
        other => {
            let args: Vec<String> = call.args.iter().map(|a| expr_sql(a, names)).collect();
            format!(
                "{}({})",
                variant_name(&format!("{other:?}")),
                args.join(", ")
            )
        }
    };
    format!("{function} OVER (?)")
}

/// `e` as EXPLAIN prints it, its columns named by `names`.
pub fn expr_sql(e: &Expr, names: Names<'_>) -> String {
    let sub = |x: &Expr| expr_sql(x, names);
    match e {
        Expr::Const(value, ty) => const_sql(value, *ty),
        Expr::Column(index, _) => names.column(*index),
        Expr::Outer { depth, index, .. } => names.outer_column(*depth, *index),
        Expr::Param(index, _) => format!("${}", index + 1),
        Expr::Cast {
            expr,
            from,
            to,
            ctx,
        } => cast_sql(expr, *from, *to, *ctx, names),
        Expr::Neg(x, _) => format!("(- {})", sub(x)),
        Expr::Not(x) => match x.as_ref() {
            Expr::Func {
                func: Func::Lib(crate::builtins::LibFn::SimilarTo),
                args,
                ..
            } => similar_sql(args, true, names),
            other => format!("(NOT {})", sub(other)),
        },
        Expr::Binary {
            op: op @ (BinOp::And | BinOp::Or),
            ..
        } => {
            let mut parts = Vec::new();
            flatten(e, *op, &mut parts);
            let parts: Vec<String> = parts.into_iter().map(sub).collect();
            format!("({})", parts.join(&format!(" {} ", binary_operator(*op))))
        }
        Expr::Binary {
            op, left, right, ..
        } => format!(
            "({} {} {})",
            operand_sql(left, right, names),
            binary_operator(*op),
            operand_sql(right, left, names)
        ),
        Expr::IsNull { expr, negated } => {
            let not = if *negated { "NOT " } else { "" };
            format!("({} IS {not}NULL)", sub(expr))
        }
        Expr::IsBool {
            expr,
            value,
            negated,
        } => {
            let not = if *negated { "NOT " } else { "" };
            let what = match value {
                Some(true) => "TRUE",
                Some(false) => "FALSE",
                None => "UNKNOWN",
            };
            format!("({} IS {not}{what})", sub(expr))
        }
        Expr::IsDistinct {
            left,
            right,
            negated,
            ..
        } => {
            let not = if *negated { "NOT " } else { "" };
            format!("({} IS {not}DISTINCT FROM {})", sub(left), sub(right))
        }
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => {
            let op = match (*negated, *case_insensitive) {
                (false, false) => "~~",
                (true, false) => "!~~",
                (false, true) => "~~*",
                (true, true) => "!~~*",
            };
            format!(
                "({} {op} {})",
                text_operand(expr, names),
                text_operand(pattern, names)
            )
        }
        Expr::InList {
            expr,
            list,
            operand,
            negated,
        } => {
            let (op, quantifier) = if *negated {
                ("<>", "ALL")
            } else {
                ("=", "ANY")
            };
            let element = match operand {
                SqlType::Varchar => SqlType::Text,
                other => *other,
            };
            format!(
                "({} {op} {quantifier} ({}))",
                text_operand(expr, names),
                array_sql(list, element, names)
            )
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
            ..
        } => {
            let mut out = String::from("CASE");
            if let Some(o) = operand {
                out.push(' ');
                out.push_str(&sub(o));
            }
            for (when, then) in whens {
                out.push_str(&format!(" WHEN {} THEN {}", sub(when), sub(then)));
            }
            if let Some(o) = otherwise {
                out.push_str(&format!(" ELSE {}", sub(o)));
            }
            out.push_str(" END");
            out
        }
        // A whole-row reference: `t.*`, converted to the parent's row
        // type when read from a partition.
        Expr::Func {
            func: Func::Row(crate::composite::RowFn::WholeRow { converted }),
            args,
            ty,
        } if whole_row_relation(args, names).is_some() => {
            let relation = whole_row_relation(args, names).unwrap_or_default();
            if *converted {
                format!("({relation}.*)::{}", type_sql(*ty))
            } else {
                format!("{relation}.*")
            }
        }
        // A row constructor of a named composite type: `ROW(a, b)::t`.
        Expr::Func {
            func:
                Func::Row(crate::composite::RowFn::Construct | crate::composite::RowFn::WholeRow { .. }),
            args,
            ty,
        } if matches!(ty.ty, SqlType::Composite(_)) => {
            let args: Vec<String> = args.iter().map(sub).collect();
            format!("ROW({})::{}", args.join(", "), type_sql(*ty))
        }
        Expr::Func { func, args, .. } => func_sql(*func, args, names),
        Expr::Subquery {
            id,
            kind,
            lhs,
            negated,
            ..
        } => {
            let param = names.subquery_params.iter().find(|(sub, _)| sub == id);
            match (kind, param) {
                (SubqueryKind::MultiAssign { column }, Some((_, first))) => {
                    return format!("${}", first + column)
                }
                (SubqueryKind::Scalar, Some((_, first))) => return format!("${first}"),
                _ => {}
            }
            // Subquery ids count from 1 in binding order, as PostgreSQL's
            // subplans are numbered.
            let plan = format!("SubPlan {id}");
            let text = match (kind, lhs) {
                (SubqueryKind::In, Some(l)) => format!("({} = ANY ({plan}))", sub(l)),
                (SubqueryKind::Exists, _) => format!("({plan})"),
                _ => format!("({plan})"),
            };
            if *negated {
                format!("(NOT {text})")
            } else {
                text
            }
        }
        Expr::UserCall { func, args, .. } => {
            let args: Vec<String> = args.iter().map(sub).collect();
            format!("{}({})", quote_ident(&func.name), args.join(", "))
        }
        Expr::StoredBytes { oid, .. } => format!("pg_relation_size({})", sub(oid)),
    }
}

/// An operand of a binary operator whose other operand is `other`. An
/// int8 or int2 constant in int4's range against a non-constant was an
/// integer literal: PostgreSQL keeps it int4 (cross-type operators) and
/// prints it bare.
fn operand_sql(e: &Expr, other: &Expr, names: Names<'_>) -> String {
    let literal = match e {
        Expr::Const(Datum::Int8(v), _) => i32::try_from(*v).ok(),
        Expr::Const(Datum::Int2(v), _) => Some(i32::from(*v)),
        _ => None,
    };
    match literal {
        Some(v) if !matches!(other, Expr::Const(..)) => {
            const_sql(&Datum::Int4(v), SqlType::Int4.plain())
        }
        _ => text_operand(e, names),
    }
}

/// An operand of an operator: PostgreSQL has no varchar operators, a
/// varchar operand is read as text (`(v)::text`, `'x'::text`).
fn text_operand(e: &Expr, names: Names<'_>) -> String {
    if e.ty().ty != SqlType::Varchar {
        return expr_sql(e, names);
    }
    let text = SqlType::Text.plain();
    match e {
        Expr::Const(value, _) => const_sql(value, text),
        Expr::Cast {
            expr, from, ctx, ..
        } if matches!(expr.as_ref(), Expr::Const(..)) => cast_sql(expr, *from, text, *ctx, names),
        other => format!("({})::text", expr_sql(other, names)),
    }
}

/// A cast: folded when its argument is a constant (as the planner folds
/// it), hidden between integer widths (PostgreSQL has cross-type integer
/// operators), else `(x)::type`.
fn cast_sql(expr: &Expr, from: SqlType, to: ColType, ctx: CastContext, names: Names<'_>) -> String {
    if ctx == CastContext::Implicit && is_integer(from) && is_integer(to.ty) {
        return expr_sql(expr, names);
    }
    if let Expr::Const(value, _) = expr {
        if let Ok(folded) = datum::cast(value.clone(), from, to, ctx) {
            return const_sql(&folded, to);
        }
    }
    format!("({})::{}", expr_sql(expr, names), type_sql(to))
}

/// The elements of an `IN` list as one array: a constant array literal
/// when every element is a constant, else `ARRAY[...]`.
fn array_sql(list: &[Expr], operand: SqlType, names: Names<'_>) -> String {
    let element_type = match crate::types::Elem::of(operand) {
        Some(e) => ColType {
            ty: SqlType::Array(e),
            typmod: -1,
        },
        None => SqlType::Text.plain(),
    };
    let mut texts = Vec::new();
    for item in list {
        let value = match item {
            Expr::Const(v, _) => Some(v.clone()),
            Expr::Cast {
                expr,
                from,
                to,
                ctx,
                ..
            } => match expr.as_ref() {
                Expr::Const(v, _) => datum::cast(v.clone(), *from, *to, *ctx).ok(),
                _ => None,
            },
            _ => None,
        };
        match value {
            Some(v) => texts.push(match v.to_text(1) {
                Some(t) => array_element(&t),
                None => "NULL".to_string(),
            }),
            None => {
                let items: Vec<String> = list.iter().map(|x| expr_sql(x, names)).collect();
                return format!("ARRAY[{}]", items.join(", "));
            }
        }
    }
    format!(
        "{}::{}",
        quote_literal(&format!("{{{}}}", texts.join(","))),
        type_sql(element_type)
    )
}

/// An array element as array_out writes it (quoted when needed).
fn array_element(text: &str) -> String {
    let needs_quotes = text.is_empty()
        || text.eq_ignore_ascii_case("null")
        || text
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
    if needs_quotes {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

/// `x [NOT] SIMILAR TO p ESCAPE e`: `(x ~ 'regex'::text)` once the pattern
/// and escape are constants, as the planner folds similar_to_escape.
fn similar_sql(args: &[Expr], negated: bool, names: Names<'_>) -> String {
    let op = if negated { "!~" } else { "~" };
    let Some(subject) = args.first() else {
        return "similar_to_escape()".into();
    };
    let constant = |e: Option<&Expr>| match e {
        Some(Expr::Const(Datum::Text(t), _)) => Some(t.clone()),
        _ => None,
    };
    if let (Some(pattern), Some(escape)) = (constant(args.get(1)), constant(args.get(2))) {
        let regex = crate::builtins::regexp::escape_char(&escape)
            .and_then(|c| crate::builtins::regexp::similar_to_escape(&pattern, c));
        if let Ok(regex) = regex {
            return format!(
                "({} {op} {}::text)",
                expr_sql(subject, names),
                quote_literal(&regex)
            );
        }
    }
    let rest: Vec<String> = args[1..].iter().map(|a| expr_sql(a, names)).collect();
    format!(
        "({} {op} similar_to_escape({}))",
        expr_sql(subject, names),
        rest.join(", ")
    )
}

fn func_sql(func: Func, args: &[Expr], names: Names<'_>) -> String {
    let list = |args: &[Expr]| {
        args.iter()
            .map(|a| expr_sql(a, names))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match func {
        Func::Lib(crate::builtins::LibFn::SimilarTo) => similar_sql(args, false, names),
        Func::Coalesce => format!("COALESCE({})", list(args)),
        Func::NullIf => format!("NULLIF({})", list(args)),
        Func::Greatest => format!("GREATEST({})", list(args)),
        Func::Least => format!("LEAST({})", list(args)),
        Func::MakeArray => format!("ARRAY[{}]", list(args)),
        Func::CurrentDate => "CURRENT_DATE".into(),
        // The binder reads CURRENT_USER / SESSION_USER as these calls.
        Func::Sys(crate::pg_catalog::SysFn::CurrentUser) => "CURRENT_USER".into(),
        Func::Sys(crate::pg_catalog::SysFn::CurrentSetting) if matches!(args, [Expr::Const(Datum::Text(name), _)] if name == "session_authorization") => {
            "SESSION_USER".into()
        }
        Func::LocalTimestamp => "LOCALTIMESTAMP".into(),
        Func::AnyArray | Func::AllArray if args.len() == 3 => {
            let code = match &args[2] {
                Expr::Const(d, _) => d.as_i64().unwrap_or(0),
                _ => 0,
            };
            let quantifier = if func == Func::AnyArray { "ANY" } else { "ALL" };
            format!(
                "({} {} {quantifier} ({}))",
                expr_sql(&args[0], names),
                array_comparison(code),
                expr_sql(&args[1], names)
            )
        }
        Func::ArraySubscript if args.len() == 2 => {
            format!(
                "({})[{}]",
                expr_sql(&args[0], names),
                expr_sql(&args[1], names)
            )
        }
        Func::Row(crate::composite::RowFn::Construct) => format!("ROW({})", list(args)),
        Func::Row(crate::composite::RowFn::WholeRow { .. }) => format!("ROW({})", list(args)),
        Func::Row(crate::composite::RowFn::IsNull { negated }) if args.len() == 1 => {
            let not = if negated { "NOT " } else { "" };
            format!("({} IS {not}NULL)", expr_sql(&args[0], names))
        }
        other => format!("{}({})", func_name(other), list(args)),
    }
}

/// The relation a whole row's fields (column references) come from.
fn whole_row_relation(args: &[Expr], names: Names<'_>) -> Option<String> {
    let Some(Expr::Column(i, _)) = args.first() else {
        return None;
    };
    match names.columns.get(*i)? {
        ColumnName::Var { relation, .. } if !relation.is_empty() => Some(relation.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> ColumnName {
        ColumnName::Var {
            relation: "t".into(),
            column: name.into(),
        }
    }

    fn text(s: &str) -> Expr {
        Expr::Const(Datum::Text(s.into()), SqlType::Text.plain())
    }

    fn column(i: usize, ty: SqlType) -> Expr {
        Expr::Column(i, ty.plain())
    }

    fn cmp(op: BinOp, left: Expr, right: Expr) -> Expr {
        let operand = left.ty().ty;
        Expr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
            operand,
            ty: SqlType::Bool.plain(),
        }
    }

    #[test]
    fn constants_read_back_as_postgresql_prints_them() {
        let int4 = SqlType::Int4.plain();
        assert_eq!(const_sql(&Datum::Int4(97), int4), "97");
        assert_eq!(const_sql(&Datum::Int4(-3), int4), "'-3'::integer");
        assert_eq!(
            const_sql(&Datum::Text("it's".into()), SqlType::Text.plain()),
            "'it''s'::text"
        );
        assert_eq!(const_sql(&Datum::Bool(true), SqlType::Bool.plain()), "true");
        assert_eq!(const_sql(&Datum::Null, int4), "NULL::integer");
        assert_eq!(
            const_sql(&Datum::Int8(5), SqlType::Int8.plain()),
            "'5'::bigint"
        );
    }

    #[test]
    fn casts_fold_constants_and_show_column_casts() {
        let cols = [col("c"), col("v")];
        let names = Names {
            columns: &cols,
            outer: &[],
            qualify: false,
            subquery_params: &[],
        };
        let numeric_97 = Expr::Cast {
            expr: Box::new(Expr::Const(Datum::Int4(97), SqlType::Int4.plain())),
            from: SqlType::Int4,
            to: SqlType::Numeric.plain(),
            ctx: CastContext::Implicit,
        };
        let e = cmp(BinOp::Gt, column(0, SqlType::Numeric), numeric_97);
        assert_eq!(expr_sql(&e, names), "(c > '97'::numeric)");
        let v_text = Expr::Cast {
            expr: Box::new(column(1, SqlType::Varchar)),
            from: SqlType::Varchar,
            to: SqlType::Text.plain(),
            ctx: CastContext::Implicit,
        };
        let e = cmp(BinOp::Eq, v_text, text("x"));
        assert_eq!(expr_sql(&e, names), "((v)::text = 'x'::text)");
    }

    #[test]
    fn similar_to_shows_the_converted_regex() {
        let cols = [col("f1")];
        let names = Names {
            columns: &cols,
            outer: &[],
            qualify: false,
            subquery_params: &[],
        };
        let e = Expr::Func {
            func: Func::Lib(crate::builtins::LibFn::SimilarTo),
            args: vec![
                column(0, SqlType::Text),
                text("_[_[:alpha:]_]_"),
                text("\\"),
            ],
            ty: SqlType::Bool.plain(),
        };
        assert_eq!(expr_sql(&e, names), "(f1 ~ '^(?:.[_[:alpha:]_].)$'::text)");
        assert_eq!(
            expr_sql(&Expr::Not(Box::new(e)), names),
            "(f1 !~ '^(?:.[_[:alpha:]_].)$'::text)"
        );
    }

    #[test]
    fn boolean_chains_flatten_and_columns_qualify_on_request() {
        let cols = [col("a"), col("b")];
        let names = Names {
            columns: &cols,
            outer: &[],
            qualify: true,
            subquery_params: &[],
        };
        let one = Expr::Const(Datum::Int4(1), SqlType::Int4.plain());
        let a = cmp(BinOp::Eq, column(0, SqlType::Int4), one.clone());
        let b = cmp(BinOp::Lt, column(1, SqlType::Int4), one);
        let and = cmp(BinOp::And, cmp(BinOp::And, a.clone(), b), a);
        assert_eq!(
            expr_sql(&and, names),
            "((t.a = 1) AND (t.b < 1) AND (t.a = 1))"
        );
        let list = Expr::InList {
            expr: Box::new(column(1, SqlType::Int4)),
            list: vec![
                Expr::Const(Datum::Int4(1), SqlType::Int4.plain()),
                Expr::Const(Datum::Int4(2), SqlType::Int4.plain()),
            ],
            operand: SqlType::Int4,
            negated: false,
        };
        assert_eq!(expr_sql(&list, names), "(t.b = ANY ('{1,2}'::integer[]))");
    }

    #[test]
    fn varchar_operands_read_as_text_and_integer_literals_stay_int4() {
        let cols = [col("v"), col("n")];
        let names = Names {
            columns: &cols,
            outer: &[],
            qualify: false,
            subquery_params: &[],
        };
        let varchar = |s: &str| Expr::Const(Datum::Text(s.into()), SqlType::Varchar.plain());
        let e = cmp(BinOp::Eq, column(0, SqlType::Varchar), varchar("x"));
        assert_eq!(expr_sql(&e, names), "((v)::text = 'x'::text)");
        let big = |v: i64| Expr::Const(Datum::Int8(v), SqlType::Int8.plain());
        let e = cmp(BinOp::Gt, column(1, SqlType::Int8), big(1));
        assert_eq!(expr_sql(&e, names), "(n > 1)");
        let e = cmp(BinOp::Gt, column(1, SqlType::Int8), big(5_000_000_000));
        assert_eq!(expr_sql(&e, names), "(n > '5000000000'::bigint)");
    }

    #[test]
    fn identifiers_quote_like_quote_ident() {
        assert_eq!(quote_ident("f1"), "f1");
        assert_eq!(quote_ident("Mixed"), "\"Mixed\"");
        assert_eq!(quote_ident("a b"), "\"a b\"");
    }
}
