//! Expression evaluation: operators with PostgreSQL overflow and NULL rules,
//! scalar functions, LIKE. Synchronous: subquery results are computed by the
//! executor beforehand and handed in through `Env`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use crate::datetime;
use crate::datum::{cast_in, compare, Datum};
use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;
use crate::plan::{BinOp, Expr, Func, SubqueryKind};
use crate::sequence::Sequences;
use crate::types::SqlType;

/// Result of one subquery for the row being evaluated.
#[derive(Clone, Debug)]
pub enum SubResult {
    Scalar(Datum),
    Exists(bool),
    /// Values of the single output column (for IN).
    Set(Vec<Datum>),
    /// The single row of a multiple-column SET's sub-SELECT (NULLs for no row).
    Row(Vec<Datum>),
}

/// Everything an expression can read besides its row.
pub struct Env<'a> {
    pub params: &'a [Datum],
    /// Enclosing queries' rows, nearest first.
    pub outer: &'a [Vec<Datum>],
    pub subqueries: &'a HashMap<usize, SubResult>,
    pub sequences: &'a Sequences,
    pub sequence_used: &'a AtomicBool,
    /// In a READ ONLY transaction: nextval and setval are refused.
    pub read_only: bool,
    /// Transaction start time (now()), microseconds since 2000-01-01 UTC.
    pub now: i64,
    /// The transaction's id as clients see it (`crate::txn::client_xid`).
    pub xid: u32,
    /// The session's settings (current_setting, set_config), if any.
    pub settings: Option<&'a crate::settings::StatementSettings<'a>>,
}

impl Env<'_> {
    /// The session's TimeZone and DateStyle (UTC and ISO without a session).
    pub fn datetime(&self) -> &crate::timezone::DateTimeConfig {
        match self.settings {
            Some(s) => s.datetime(),
            None => crate::timezone::DateTimeConfig::standard(),
        }
    }
}

pub fn truth(d: &Datum) -> Option<bool> {
    match d {
        Datum::Bool(b) => Some(*b),
        _ => None,
    }
}

pub fn eval(e: &Expr, row: &[Datum], env: &Env) -> SqlResult<Datum> {
    Ok(match e {
        Expr::Const(d, _) => d.clone(),
        Expr::Column(i, _) => row
            .get(*i)
            .cloned()
            .ok_or_else(|| SqlError::internal("column offset out of row"))?,
        Expr::Outer { depth, index, .. } => env
            .outer
            .get(depth - 1)
            .and_then(|r| r.get(*index))
            .cloned()
            .ok_or_else(|| SqlError::internal("outer reference out of range"))?,
        Expr::Param(i, _) => env.params.get(*i).cloned().unwrap_or(Datum::Null),
        Expr::Cast {
            expr,
            from,
            to,
            ctx,
        } => cast_in(eval(expr, row, env)?, *from, *to, *ctx, env.datetime())?,
        Expr::Neg(x, _) => negate(eval(x, row, env)?)?,
        Expr::Not(x) => match truth(&eval(x, row, env)?) {
            Some(b) => Datum::Bool(!b),
            None => Datum::Null,
        },
        Expr::Binary {
            op: op @ (BinOp::And | BinOp::Or),
            ..
        } => logic_chain(e, *op, row, env)?,
        Expr::Binary { .. } => binary_chain(e, row, env)?,
        Expr::IsNull { expr, negated } => Datum::Bool(eval(expr, row, env)?.is_null() != *negated),
        Expr::IsBool {
            expr,
            value,
            negated,
        } => {
            let v = truth(&eval(expr, row, env)?);
            Datum::Bool((v == *value) != *negated)
        }
        Expr::IsDistinct {
            left,
            right,
            operand,
            negated,
        } => {
            let l = eval(left, row, env)?;
            let r = eval(right, row, env)?;
            let distinct = match (l.is_null(), r.is_null()) {
                (true, true) => false,
                (true, false) | (false, true) => true,
                _ => compare(&l, &r, *operand) != Ordering::Equal,
            };
            Datum::Bool(distinct != *negated)
        }
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => {
            let v = eval(expr, row, env)?;
            let p = eval(pattern, row, env)?;
            match (v, p) {
                (Datum::Text(v), Datum::Text(p)) => {
                    let m = if *case_insensitive {
                        like(&v.to_lowercase(), &p.to_lowercase())?
                    } else {
                        like(&v, &p)?
                    };
                    Datum::Bool(m != *negated)
                }
                _ => Datum::Null,
            }
        }
        Expr::InList {
            expr,
            list,
            operand,
            negated,
        } => {
            let v = eval(expr, row, env)?;
            if v.is_null() {
                return Ok(Datum::Null);
            }
            let mut saw_null = false;
            for item in list {
                let x = eval(item, row, env)?;
                if x.is_null() {
                    saw_null = true;
                } else if compare(&v, &x, *operand) == Ordering::Equal {
                    return Ok(Datum::Bool(!negated));
                }
            }
            if saw_null {
                Datum::Null
            } else {
                Datum::Bool(*negated)
            }
        }
        Expr::Case {
            operand,
            operand_ty,
            whens,
            otherwise,
            ..
        } => {
            let op = match operand {
                Some(o) => Some(eval(o, row, env)?),
                None => None,
            };
            for (w, then) in whens {
                let c = eval(w, row, env)?;
                let hit = match &op {
                    Some(o) => {
                        !o.is_null()
                            && !c.is_null()
                            && compare(o, &c, *operand_ty) == Ordering::Equal
                    }
                    None => truth(&c) == Some(true),
                };
                if hit {
                    return eval(then, row, env);
                }
            }
            match otherwise {
                Some(o) => eval(o, row, env)?,
                None => Datum::Null,
            }
        }
        Expr::Func { func, args, ty } => call(*func, args, ty.ty, row, env)?,
        Expr::UserCall { id, .. } | Expr::StoredBytes { id, .. } => match env.subqueries.get(id) {
            Some(SubResult::Scalar(d)) => d.clone(),
            _ => return Err(SqlError::internal("function call result missing")),
        },
        Expr::Subquery {
            id,
            kind,
            lhs,
            operand,
            negated,
            ..
        } => {
            let res = env
                .subqueries
                .get(id)
                .ok_or_else(|| SqlError::internal("subquery not evaluated"))?;
            match (kind, res) {
                (SubqueryKind::Scalar, SubResult::Scalar(d)) => d.clone(),
                (SubqueryKind::Exists, SubResult::Exists(b)) => Datum::Bool(*b != *negated),
                (SubqueryKind::MultiAssign { column }, SubResult::Row(values)) => values
                    .get(*column)
                    .cloned()
                    .ok_or_else(|| SqlError::internal("multiple-assignment column out of row"))?,
                (SubqueryKind::In, SubResult::Set(values)) => {
                    let Some(lhs) = lhs else {
                        return Err(SqlError::internal("IN without operand"));
                    };
                    let v = eval(lhs, row, env)?;
                    if values.is_empty() {
                        return Ok(Datum::Bool(*negated));
                    }
                    if v.is_null() {
                        return Ok(Datum::Null);
                    }
                    let mut saw_null = false;
                    for x in values {
                        if x.is_null() {
                            saw_null = true;
                        } else if compare(&v, x, *operand) == Ordering::Equal {
                            return Ok(Datum::Bool(!negated));
                        }
                    }
                    if saw_null {
                        Datum::Null
                    } else {
                        Datum::Bool(*negated)
                    }
                }
                _ => return Err(SqlError::internal("subquery result of the wrong kind")),
            }
        }
    })
}

/// Non-logical binary operators over a left-deep chain (`a + b + c ...`),
/// folded left to right without recursing per operator.
fn binary_chain(e: &Expr, row: &[Datum], env: &Env) -> SqlResult<Datum> {
    let mut spine = Vec::new();
    let mut cur = e;
    while let Expr::Binary { op, left, .. } = cur {
        if matches!(op, BinOp::And | BinOp::Or) {
            break;
        }
        spine.push(cur);
        cur = left;
    }
    let mut acc = eval(cur, row, env)?;
    for node in spine.into_iter().rev() {
        let Expr::Binary { right, .. } = node else {
            continue;
        };
        let r = eval(right, row, env)?;
        acc = binary_apply(node, acc, r, env)?;
    }
    Ok(acc)
}

/// Applies one non-logical binary operator node to evaluated operands.
fn binary_apply(node: &Expr, l: Datum, r: Datum, env: &Env) -> SqlResult<Datum> {
    let Expr::Binary {
        op,
        left,
        right,
        operand,
        ty,
    } = node
    else {
        return Err(SqlError::internal("binary operator expected"));
    };
    if l.is_null() || r.is_null() {
        return Ok(Datum::Null);
    }
    Ok(if op.is_comparison() {
        let c = compare(&l, &r, *operand);
        Datum::Bool(match op {
            BinOp::Eq => c == Ordering::Equal,
            BinOp::NotEq => c != Ordering::Equal,
            BinOp::Lt => c == Ordering::Less,
            BinOp::LtEq => c != Ordering::Greater,
            BinOp::Gt => c == Ordering::Greater,
            _ => c != Ordering::Less,
        })
    } else if *op == BinOp::Concat {
        let mut s = text_of(&l, left.ty().ty, env);
        s.push_str(&text_of(&r, right.ty().ty, env));
        Datum::Text(s)
    } else {
        arith(*op, l, r, ty.ty)?
    })
}

/// AND/OR over a left-deep chain, evaluated left to right without recursing
/// per operator; same three-valued result and short-circuit as nesting.
fn logic_chain(e: &Expr, op: BinOp, row: &[Datum], env: &Env) -> SqlResult<Datum> {
    let mut rights = Vec::new();
    let mut cur = e;
    while let Expr::Binary {
        op: o, left, right, ..
    } = cur
    {
        if *o != op {
            break;
        }
        rights.push(right.as_ref());
        cur = left;
    }
    let decisive = op == BinOp::Or;
    let mut saw_null = false;
    for operand in std::iter::once(cur).chain(rights.into_iter().rev()) {
        match truth(&eval(operand, row, env)?) {
            Some(v) if v == decisive => return Ok(Datum::Bool(decisive)),
            Some(_) => {}
            None => saw_null = true,
        }
    }
    Ok(if saw_null {
        Datum::Null
    } else {
        Datum::Bool(!decisive)
    })
}

/// Text form used by `||` and concat(): output functions, bpchar without padding.
fn text_of(d: &Datum, ty: SqlType, env: &Env) -> String {
    match d {
        Datum::Text(s) if ty == SqlType::Bpchar => s.trim_end_matches(' ').to_string(),
        _ => d.to_text_in(1, env.datetime()).unwrap_or_default(),
    }
}

/// Unary minus.
pub(crate) fn negate(d: Datum) -> SqlResult<Datum> {
    Ok(match d {
        Datum::Null => Datum::Null,
        Datum::Int2(v) => Datum::Int2(
            v.checked_neg()
                .ok_or_else(|| SqlError::out_of_range("smallint"))?,
        ),
        Datum::Int4(v) => Datum::Int4(
            v.checked_neg()
                .ok_or_else(|| SqlError::out_of_range("integer"))?,
        ),
        Datum::Int8(v) => Datum::Int8(
            v.checked_neg()
                .ok_or_else(|| SqlError::out_of_range("bigint"))?,
        ),
        Datum::Float4(v) => Datum::Float4(-v),
        Datum::Float8(v) => Datum::Float8(-v),
        Datum::Numeric(n) => Datum::Numeric(n.neg()),
        Datum::Interval(iv) => Datum::Interval(iv.neg()?),
        other => return Err(SqlError::internal(format!("cannot negate {other:?}"))),
    })
}

fn float_result(v: f64, l: f64, r: f64, op: BinOp) -> SqlResult<f64> {
    if v.is_infinite() && l.is_finite() && r.is_finite() {
        return Err(SqlError::new("22003", "value out of range: overflow"));
    }
    if v == 0.0
        && matches!(op, BinOp::Mul | BinOp::Div)
        && l != 0.0
        && l.is_finite()
        && r.is_finite()
        && (op == BinOp::Div || r != 0.0)
    {
        return Err(SqlError::new("22003", "value out of range: underflow"));
    }
    Ok(v)
}

/// Arithmetic on two non-null operands already coerced to `ty`.
pub fn arith(op: BinOp, l: Datum, r: Datum, ty: SqlType) -> SqlResult<Datum> {
    match ty {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
            let (a, b) = (l.as_i64().unwrap_or(0), r.as_i64().unwrap_or(0));
            let (lo, hi, name) = match ty {
                SqlType::Int2 => (i16::MIN as i64, i16::MAX as i64, "smallint"),
                SqlType::Int4 => (i32::MIN as i64, i32::MAX as i64, "integer"),
                _ => (i64::MIN, i64::MAX, "bigint"),
            };
            let v = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::Div => {
                    if b == 0 {
                        return Err(SqlError::division_by_zero());
                    }
                    a.checked_div(b)
                }
                BinOp::Mod => {
                    if b == 0 {
                        return Err(SqlError::division_by_zero());
                    }
                    Some(a.checked_rem(b).unwrap_or(0))
                }
                _ => return Err(SqlError::internal("bad arithmetic operator")),
            };
            let v = v
                .filter(|v| *v >= lo && *v <= hi)
                .ok_or_else(|| SqlError::out_of_range(name))?;
            Ok(match ty {
                SqlType::Int2 => Datum::Int2(v as i16),
                SqlType::Int4 => Datum::Int4(v as i32),
                _ => Datum::Int8(v),
            })
        }
        SqlType::Float4 | SqlType::Float8 => {
            let (a, b) = (
                l.as_f64().unwrap_or(f64::NAN),
                r.as_f64().unwrap_or(f64::NAN),
            );
            // NaN / 0 is NaN in PostgreSQL (float8div checks the dividend).
            if matches!(op, BinOp::Div | BinOp::Mod) && b == 0.0 && !a.is_nan() {
                return Err(SqlError::division_by_zero());
            }
            let v = if ty == SqlType::Float4 {
                let (x, y) = (a as f32, b as f32);
                (match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    _ => x % y,
                }) as f64
            } else {
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                }
            };
            let v = float_result(v, a, b, op)?;
            Ok(if ty == SqlType::Float4 {
                Datum::Float4(v as f32)
            } else {
                Datum::Float8(v)
            })
        }
        SqlType::Numeric => {
            let (a, b) = match (l.as_numeric(), r.as_numeric()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(SqlError::internal("numeric operand expected")),
            };
            Ok(Datum::Numeric(match op {
                BinOp::Add => a.add(&b),
                BinOp::Sub => a.sub(&b),
                BinOp::Mul => a.mul(&b)?,
                BinOp::Div => a.div(&b)?,
                BinOp::Mod => a.rem(&b)?,
                _ => return Err(SqlError::internal("bad arithmetic operator")),
            }))
        }
        _ => Err(SqlError::internal(format!(
            "arithmetic on {}",
            ty.display_name()
        ))),
    }
}

/// SQL LIKE with `%`, `_` and backslash escapes.
pub fn like(value: &str, pattern: &str) -> SqlResult<bool> {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Any,
        One,
        Ch(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        toks.push(match c {
            '%' => Tok::Any,
            '_' => Tok::One,
            '\\' => match it.next() {
                Some(n) => Tok::Ch(n),
                None => {
                    return Err(SqlError::new(
                        "22025",
                        "LIKE pattern must not end with escape character",
                    ))
                }
            },
            c => Tok::Ch(c),
        });
    }
    let v: Vec<char> = value.chars().collect();
    // Iterative matcher with backtracking to the last '%'.
    let (mut vi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match toks.get(ti) {
            Some(Tok::Any) => {
                star = Some((ti, vi));
                ti += 1;
                continue;
            }
            Some(Tok::One) => {
                vi += 1;
                ti += 1;
                continue;
            }
            Some(Tok::Ch(c)) if *c == v[vi] => {
                vi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((st, sv)) => {
                ti = st + 1;
                vi = sv + 1;
                star = Some((st, sv + 1));
            }
            None => return Ok(false),
        }
    }
    Ok(toks[ti.min(toks.len())..].iter().all(|t| *t == Tok::Any))
}

fn int_arg(d: &Datum) -> SqlResult<i64> {
    d.as_i64()
        .ok_or_else(|| SqlError::internal("integer argument expected"))
}

fn text_arg(d: &Datum) -> String {
    d.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| d.to_text(1).unwrap_or_default())
}

fn call(func: Func, args: &[Expr], ty: SqlType, row: &[Datum], env: &Env) -> SqlResult<Datum> {
    // Lazy functions first.
    match func {
        Func::Coalesce => {
            for a in args {
                let v = eval(a, row, env)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            return Ok(Datum::Null);
        }
        Func::NextVal => {
            let name = eval(&args[0], row, env)?;
            let Datum::Text(name) = name else {
                return Ok(Datum::Null);
            };
            let name = crate::sequence::relation_name(&name);
            if let Some(s) = env.settings {
                s.check_sequence(&name, crate::acl::USAGE | crate::acl::UPDATE)?;
            }
            // PostgreSQL lets read-only transactions advance temporary sequences.
            if env.read_only && !crate::schema::is_temp_key(&name) {
                return Err(crate::sequence::read_only_error("nextval"));
            }
            env.sequence_used.store(true, AtomicOrdering::Relaxed);
            let v = env.sequences.nextval(&name)?;
            if let Some(s) = env.settings {
                s.sequences().record(&name, v)?;
            }
            return Ok(Datum::Int8(v));
        }
        Func::Sequence(f) => {
            let vals: Vec<Datum> = args
                .iter()
                .map(|a| eval(a, row, env))
                .collect::<SqlResult<_>>()?;
            if let (Some(s), Some(Datum::Text(name))) = (env.settings, vals.first()) {
                crate::privileges::check_sequence_function(s, f, name)?;
            }
            if let (Some(s), crate::sequence::SeqFn::LastVal) = (env.settings, f) {
                crate::privileges::check_lastval(s)?;
            }
            if f == crate::sequence::SeqFn::SetVal {
                let temp = matches!(vals.first(), Some(Datum::Text(n))
                    if crate::schema::is_temp_key(&crate::sequence::relation_name(n)));
                if env.read_only && !temp {
                    return Err(crate::sequence::read_only_error("setval"));
                }
                env.sequence_used.store(true, AtomicOrdering::Relaxed);
            }
            return crate::sequence::eval_fn(
                f,
                &vals,
                env.sequences,
                env.settings.map(|s| s.sequences()),
            );
        }
        Func::Version => return Ok(Datum::Text("PostgreSQL 15.0 (Borealis)".into())),
        Func::Now => return Ok(Datum::TimestampTz(env.now)),
        Func::CurrentXactId => return Ok(Datum::Int8(i64::from(env.xid))),
        Func::LocalTimestamp => {
            return Ok(Datum::Timestamp(env.datetime().zone.utc_to_local(env.now)))
        }
        Func::CurrentDate => {
            let local = env.datetime().zone.utc_to_local(env.now);
            return Ok(Datum::Date(local.div_euclid(datetime::USECS_PER_DAY) as i32));
        }
        _ => {}
    }
    let vals: Vec<Datum> = args
        .iter()
        .map(|a| eval(a, row, env))
        .collect::<SqlResult<_>>()?;
    if let Func::Sys(f) = func {
        return crate::pg_catalog::call(f, &vals, env.settings);
    }
    if let Func::Lib(f) = func {
        return crate::builtins::call(f, &vals, env.datetime());
    }
    if let Func::Array(f) = func {
        return crate::array_ops::call(f, &vals, crate::array_ops::elem_type(args));
    }
    if let Func::Domain(oid) = func {
        let v = vals.into_iter().next().unwrap_or(Datum::Null);
        return crate::user_types::check_domain(oid, v, env);
    }
    if let Func::BinaryCoerce { from, to } = func {
        let v = vals.into_iter().next().unwrap_or(Datum::Null);
        return crate::base_types::reinterpret(v, from, to);
    }
    if let Func::Row(f) = func {
        return crate::composite::call(f, vals);
    }
    match func {
        Func::Concat => {
            let mut s = String::new();
            for (v, a) in vals.iter().zip(args) {
                if !v.is_null() {
                    s.push_str(&text_of(v, a.ty().ty, env));
                }
            }
            return Ok(Datum::Text(s));
        }
        Func::Greatest | Func::Least => {
            let mut best: Option<Datum> = None;
            for v in vals {
                if v.is_null() {
                    continue;
                }
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let c = compare(&v, &b, ty);
                        let take = if func == Func::Greatest {
                            c == Ordering::Greater
                        } else {
                            c == Ordering::Less
                        };
                        if take {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            return Ok(best.unwrap_or(Datum::Null));
        }
        Func::MakeArray => return Ok(Datum::Array(vals.to_vec())),
        Func::AnyArray | Func::AllArray => {
            let all = func == Func::AllArray;
            let Datum::Array(items) = &vals[1] else {
                return Ok(Datum::Null);
            };
            let op = vals[2].as_i64().unwrap_or(0);
            let lhs = &vals[0];
            let ty = args[0].ty().ty;
            let mut saw_null = false;
            for x in items {
                if lhs.is_null() || x.is_null() {
                    saw_null = true;
                    continue;
                }
                let c = compare(lhs, x, ty);
                let hit = match op {
                    0 => c == Ordering::Equal,
                    1 => c != Ordering::Equal,
                    2 => c == Ordering::Less,
                    3 => c != Ordering::Greater,
                    4 => c == Ordering::Greater,
                    _ => c != Ordering::Less,
                };
                if hit != all {
                    return Ok(Datum::Bool(!all));
                }
            }
            return Ok(if saw_null {
                Datum::Null
            } else {
                Datum::Bool(all)
            });
        }
        Func::NullIf => {
            let (a, b) = (&vals[0], &vals[1]);
            if !a.is_null() && !b.is_null() && compare(a, b, args[0].ty().ty) == Ordering::Equal {
                return Ok(Datum::Null);
            }
            return Ok(a.clone());
        }
        _ => {}
    }
    // Strict functions: NULL in, NULL out.
    if vals.iter().any(Datum::is_null) {
        return Ok(Datum::Null);
    }
    let a0 = &vals[0];
    Ok(match func {
        Func::Abs => match a0 {
            Datum::Int2(v) => Datum::Int2(
                v.checked_abs()
                    .ok_or_else(|| SqlError::out_of_range("smallint"))?,
            ),
            Datum::Int4(v) => Datum::Int4(
                v.checked_abs()
                    .ok_or_else(|| SqlError::out_of_range("integer"))?,
            ),
            Datum::Int8(v) => Datum::Int8(
                v.checked_abs()
                    .ok_or_else(|| SqlError::out_of_range("bigint"))?,
            ),
            Datum::Float4(v) => Datum::Float4(v.abs()),
            Datum::Float8(v) => Datum::Float8(v.abs()),
            Datum::Numeric(n) => Datum::Numeric(n.abs()),
            _ => Datum::Null,
        },
        Func::Lower => Datum::Text(text_arg(a0).to_lowercase()),
        Func::Upper => Datum::Text(text_arg(a0).to_uppercase()),
        Func::Length => {
            let s = text_arg(a0);
            let s = if args[0].ty().ty == SqlType::Bpchar {
                s.trim_end_matches(' ').to_string()
            } else {
                s
            };
            Datum::Int4(s.chars().count() as i32)
        }
        Func::OctetLength => Datum::Int4(text_arg(a0).len() as i32),
        Func::Substring => {
            let s: Vec<char> = text_arg(a0).chars().collect();
            let start = int_arg(&vals[1])?;
            let end = match vals.get(2) {
                Some(l) => {
                    let l = int_arg(l)?;
                    if l < 0 {
                        return Err(SqlError::new(
                            "22011",
                            "negative substring length not allowed",
                        ));
                    }
                    start.saturating_add(l)
                }
                None => i64::MAX,
            };
            let from = (start.max(1) - 1) as usize;
            let to = (end.max(1) - 1).min(s.len() as i64) as usize;
            Datum::Text(if from >= to || from >= s.len() {
                String::new()
            } else {
                s[from..to].iter().collect()
            })
        }
        Func::Round | Func::Trunc => {
            let places = match vals.get(1) {
                Some(p) => int_arg(p)?,
                None => 0,
            };
            match a0 {
                Datum::Float8(v) => Datum::Float8(if func == Func::Round {
                    v.round_ties_even()
                } else {
                    v.trunc()
                }),
                Datum::Numeric(n) => {
                    let r = if func == Func::Round {
                        n.round(places)
                    } else {
                        n.trunc(places)
                    };
                    r.check_overflow()?;
                    Datum::Numeric(r)
                }
                _ => Datum::Null,
            }
        }
        Func::Ceil | Func::Floor => match a0 {
            Datum::Float8(v) => Datum::Float8(if func == Func::Ceil {
                v.ceil()
            } else {
                v.floor()
            }),
            Datum::Numeric(n) => Datum::Numeric(if func == Func::Ceil {
                n.ceil()
            } else {
                n.floor()
            }),
            _ => Datum::Null,
        },
        Func::Sign => match a0 {
            Datum::Float8(v) => Datum::Float8(if *v > 0.0 {
                1.0
            } else if *v < 0.0 {
                -1.0
            } else {
                0.0
            }),
            Datum::Numeric(n) if n.is_nan() => Datum::Numeric(Numeric::nan()),
            Datum::Numeric(n) => Datum::Numeric(Numeric::from_i64(n.signum() as i64)),
            _ => Datum::Null,
        },
        Func::Sqrt => {
            let v = a0.as_f64().unwrap_or(f64::NAN);
            if v < 0.0 {
                return Err(SqlError::new(
                    "2201F",
                    "cannot take square root of a negative number",
                ));
            }
            Datum::Float8(v.sqrt())
        }
        Func::Power => {
            let (a, b) = (
                a0.as_f64().unwrap_or(f64::NAN),
                vals[1].as_f64().unwrap_or(f64::NAN),
            );
            // NaN operands first, as PostgreSQL's dpow: NaN ^ 0 = 1 ^ NaN = 1.
            if a.is_nan() || b.is_nan() {
                let one = (a.is_nan() && b == 0.0) || (b.is_nan() && a == 1.0);
                return Ok(Datum::Float8(if one { 1.0 } else { f64::NAN }));
            }
            if a == 0.0 && b < 0.0 {
                return Err(SqlError::new(
                    "2201F",
                    "zero raised to a negative power is undefined",
                ));
            }
            let v = a.powf(b);
            // PostgreSQL's dpow checks the operands (so -inf ^ 3.5 errors too).
            if (a < 0.0 && b.floor() != b) || v.is_nan() {
                return Err(SqlError::new(
                    "2201F",
                    "a negative number raised to a non-integer power yields a complex result",
                ));
            }
            Datum::Float8(float_result(v, a, b, BinOp::Mul)?)
        }
        Func::Mod => arith(BinOp::Mod, a0.clone(), vals[1].clone(), ty)?,
        Func::Replace => {
            Datum::Text(text_arg(a0).replace(&text_arg(&vals[1]), &text_arg(&vals[2])))
        }
        Func::Btrim | Func::Ltrim | Func::Rtrim => {
            let s = text_arg(a0);
            let set: Vec<char> = match vals.get(1) {
                Some(c) => text_arg(c).chars().collect(),
                None => vec![' '],
            };
            let t = match func {
                Func::Btrim => s.trim_matches(set.as_slice()),
                Func::Ltrim => s.trim_start_matches(set.as_slice()),
                _ => s.trim_end_matches(set.as_slice()),
            };
            Datum::Text(t.to_string())
        }
        Func::Left | Func::Right => {
            let s: Vec<char> = text_arg(a0).chars().collect();
            let n = int_arg(&vals[1])?;
            let len = s.len() as i64;
            let take = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Datum::Text(if func == Func::Left {
                s[..take].iter().collect()
            } else {
                s[s.len() - take..].iter().collect()
            })
        }
        Func::Repeat => {
            let n = int_arg(&vals[1])?.max(0) as usize;
            let s = text_arg(a0);
            if s.len().saturating_mul(n) > (1 << 28) {
                return Err(SqlError::new("54000", "requested length too large"));
            }
            Datum::Text(s.repeat(n))
        }
        Func::Reverse => Datum::Text(text_arg(a0).chars().rev().collect()),
        Func::Strpos => {
            let s = text_arg(a0);
            let sub = text_arg(&vals[1]);
            Datum::Int4(match s.find(&sub) {
                Some(b) => s[..b].chars().count() as i32 + 1,
                None => 0,
            })
        }
        Func::DateAddDays => {
            let Datum::Date(d) = a0 else {
                return Ok(Datum::Null);
            };
            let n = int_arg(&vals[1])?;
            Datum::Date(datetime::check_date_range(*d as i64 + n)?)
        }
        Func::IntervalAdd => match (a0, &vals[1]) {
            (Datum::Interval(a), Datum::Interval(b)) => Datum::Interval(a.add(b)?),
            _ => Datum::Null,
        },
        Func::IntervalMul | Func::IntervalDiv => match (a0, vals[1].as_f64()) {
            (Datum::Interval(a), Some(f)) => Datum::Interval(if func == Func::IntervalMul {
                a.mul(f)?
            } else {
                a.div(f)?
            }),
            _ => Datum::Null,
        },
        Func::TsAddInterval => match (a0, &vals[1]) {
            (Datum::Timestamp(t), Datum::Interval(iv)) => {
                Datum::Timestamp(crate::interval::timestamp_add(*t, iv)?)
            }
            (Datum::TimestampTz(t), Datum::Interval(iv)) => Datum::TimestampTz(
                crate::interval::timestamptz_add(*t, iv, &env.datetime().zone)?,
            ),
            _ => Datum::Null,
        },
        Func::TsDiff => match (a0, &vals[1]) {
            (
                Datum::Timestamp(a) | Datum::TimestampTz(a),
                Datum::Timestamp(b) | Datum::TimestampTz(b),
            ) => Datum::Interval(crate::interval::timestamp_diff(*a, *b)?),
            _ => Datum::Null,
        },
        Func::TimeAddInterval => match (a0, &vals[1]) {
            (Datum::Time(t), Datum::Interval(iv)) => Datum::Time(crate::interval::time_add(*t, iv)),
            _ => Datum::Null,
        },
        Func::TimeDiff => match (a0, &vals[1]) {
            (Datum::Time(a), Datum::Time(b)) => Datum::Interval(crate::interval::Interval {
                months: 0,
                days: 0,
                micros: a - b,
            }),
            _ => Datum::Null,
        },
        Func::DateAddTime => match (a0, &vals[1]) {
            (Datum::Date(d), Datum::Time(t)) => {
                Datum::Timestamp(*d as i64 * datetime::USECS_PER_DAY + t)
            }
            _ => Datum::Null,
        },
        Func::JsonGet | Func::JsonGetText => {
            let (Datum::Json(doc) | Datum::Jsonb(doc)) = a0 else {
                return Ok(Datum::Null);
            };
            let step = match &vals[1] {
                Datum::Text(k) => crate::json::Step::Key(k),
                d => crate::json::Step::Index(d.as_i64().unwrap_or(0)),
            };
            let text = func == Func::JsonGetText;
            match crate::json::get(doc, step, text)? {
                None => Datum::Null,
                Some(s) if text => Datum::Text(s),
                Some(s) if matches!(a0, Datum::Jsonb(_)) => Datum::Jsonb(s),
                Some(s) => Datum::Json(s),
            }
        }
        Func::MakeArray | Func::AnyArray | Func::AllArray => {
            return Err(SqlError::internal(
                "non-strict function reached strict path",
            ))
        }
        Func::ArraySubscript => match (a0, vals[1].as_i64()) {
            (Datum::Array(items), Some(i)) if i >= 1 => {
                items.get(i as usize - 1).cloned().unwrap_or(Datum::Null)
            }
            _ => Datum::Null,
        },
        Func::Cardinality => match a0 {
            Datum::Array(items) => Datum::Int4(items.len() as i32),
            _ => Datum::Null,
        },
        Func::ArrayLength => match (a0, vals[1].as_i64()) {
            (Datum::Array(items), Some(1)) if !items.is_empty() => Datum::Int4(items.len() as i32),
            _ => Datum::Null,
        },
        Func::DateDiff => match (a0, &vals[1]) {
            (Datum::Date(a), Datum::Date(b)) => Datum::Int4(a - b),
            _ => Datum::Null,
        },
        Func::DateTrunc => {
            let unit = text_arg(a0);
            match &vals[1] {
                Datum::Timestamp(t) => Datum::Timestamp(datetime::trunc(&unit, *t)?),
                Datum::TimestampTz(t) => {
                    Datum::TimestampTz(datetime::trunc_tz(&unit, *t, &env.datetime().zone)?)
                }
                _ => Datum::Null,
            }
        }
        Func::AtTimeZone => {
            let zone = match a0 {
                Datum::Interval(iv) => crate::timezone::interval_zone(iv)?,
                other => datetime::zone_named(&text_arg(other))?,
            };
            match &vals[1] {
                Datum::TimestampTz(t) => Datum::Timestamp(zone.utc_to_local(*t)),
                Datum::Timestamp(t) => Datum::TimestampTz(zone.local_to_utc(*t)),
                _ => Datum::Null,
            }
        }
        Func::Extract => {
            let unit = text_arg(a0);
            let usecs = match &vals[1] {
                Datum::Date(d) => *d as i64 * datetime::USECS_PER_DAY,
                Datum::Timestamp(t) => *t,
                Datum::TimestampTz(t) => {
                    let zone = &env.datetime().zone;
                    if let Some(d) = extract_zone(&unit, zone.offset_at(*t)) {
                        return Ok(d);
                    }
                    if unit == "epoch" {
                        return extract(&unit, *t);
                    }
                    zone.utc_to_local(*t)
                }
                _ => return Ok(Datum::Null),
            };
            extract(&unit, usecs)?
        }
        Func::Now | Func::LocalTimestamp | Func::CurrentDate | Func::CurrentXactId => {
            return Err(SqlError::internal("unreachable function dispatch"))
        }
        Func::Coalesce
        | Func::NullIf
        | Func::Concat
        | Func::Greatest
        | Func::Least
        | Func::NextVal
        | Func::Sequence(_)
        | Func::Version
        | Func::Sys(_)
        | Func::Lib(_)
        | Func::Array(_)
        | Func::Domain(_)
        | Func::BinaryCoerce { .. }
        | Func::Row(_) => return Err(SqlError::internal("unreachable function dispatch")),
        Func::DateTime(f) => crate::datetime_fns::call(f, &vals, env.datetime(), env.now)?,
    })
}

/// extract(timezone / timezone_hour / timezone_minute FROM timestamptz):
/// the session zone's offset (seconds east) at that instant.
fn extract_zone(unit: &str, east: i32) -> Option<Datum> {
    let v = match unit {
        "timezone" => east,
        "timezone_hour" | "timezone_h" => east / 3600,
        "timezone_minute" | "timezone_m" => east / 60 % 60,
        _ => return None,
    };
    Some(Datum::Numeric(Numeric::from_i64(v as i64)))
}

/// extract(field FROM timestamp) as numeric, PostgreSQL 14+ style.
fn extract(unit: &str, usecs: i64) -> SqlResult<Datum> {
    let (y, m, d, h, mi, us) = datetime::fields(usecs);
    let int = |v: i64| Datum::Numeric(Numeric::from_i64(v));
    let micro_scaled = |v: i64| Numeric::from_i64(v).div_scaled(&Numeric::from_i64(1_000_000), 6);
    Ok(match unit {
        "year" | "years" => int(y),
        "month" | "months" => int(m),
        "day" | "days" => int(d),
        "hour" | "hours" => int(h),
        "minute" | "minutes" => int(mi),
        "second" | "seconds" => Datum::Numeric(micro_scaled(us)?),
        "milliseconds" => {
            Datum::Numeric(Numeric::from_i64(us).div_scaled(&Numeric::from_i64(1000), 3)?)
        }
        "microseconds" => int(us),
        "epoch" => Datum::Numeric(micro_scaled(usecs + 946_684_800_000_000)?),
        "dow" => int((usecs.div_euclid(datetime::USECS_PER_DAY) + 6).rem_euclid(7)),
        "isodow" => int((usecs.div_euclid(datetime::USECS_PER_DAY) + 5).rem_euclid(7) + 1),
        "quarter" => int((m - 1) / 3 + 1),
        "decade" => int(y.div_euclid(10)),
        "millennium" => int((y + 999) / 1000),
        "doy" => int(usecs.div_euclid(datetime::USECS_PER_DAY) - datetime::days_of(y, 1, 1) + 1),
        "week" => int(crate::datetime_fns::iso_week(usecs.div_euclid(datetime::USECS_PER_DAY)).1),
        "isoyear" => {
            int(crate::datetime_fns::iso_week(usecs.div_euclid(datetime::USECS_PER_DAY)).0)
        }
        "century" => int((y + 99) / 100),
        other => {
            return Err(SqlError::new(
                "22023",
                format!("unit \"{other}\" not supported for type timestamp without time zone"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o").unwrap());
        assert!(like("hello", "h_llo").unwrap());
        assert!(!like("hello", "h_lo").unwrap());
        assert!(like("", "%").unwrap());
        assert!(like("a%b", "a\\%b").unwrap());
        assert!(!like("axb", "a\\%b").unwrap());
        assert!(like("abcabc", "%bc").unwrap());
        assert!(like("mississippi", "%iss%ppi").unwrap());
        assert!(like("x", "\\").is_err());
    }

    #[test]
    fn integer_overflow_and_division() {
        assert_eq!(
            arith(
                BinOp::Add,
                Datum::Int4(i32::MAX),
                Datum::Int4(1),
                SqlType::Int4
            )
            .unwrap_err()
            .message,
            "integer out of range"
        );
        assert_eq!(
            arith(BinOp::Div, Datum::Int4(1), Datum::Int4(0), SqlType::Int4)
                .unwrap_err()
                .sqlstate,
            "22012"
        );
        assert_eq!(
            arith(BinOp::Div, Datum::Int4(7), Datum::Int4(-2), SqlType::Int4).unwrap(),
            Datum::Int4(-3)
        );
        assert_eq!(
            arith(BinOp::Mod, Datum::Int4(-7), Datum::Int4(2), SqlType::Int4).unwrap(),
            Datum::Int4(-1)
        );
        assert_eq!(
            arith(
                BinOp::Mul,
                Datum::Float8(1e308),
                Datum::Float8(10.0),
                SqlType::Float8
            )
            .unwrap_err()
            .sqlstate,
            "22003"
        );
        assert_eq!(
            arith(
                BinOp::Div,
                Datum::Float8(1.0),
                Datum::Float8(0.0),
                SqlType::Float8
            )
            .unwrap_err()
            .sqlstate,
            "22012"
        );
    }
}
