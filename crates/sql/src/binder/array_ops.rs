//! Binding of array operators and functions (`crate::array_ops`): `||` with
//! an array operand, `@>`/`<@`/`&&`, slices `a[l:u]`, and array_append,
//! array_prepend, array_cat, array_lower, array_upper, array_dims,
//! array_ndims, array_position(s), array_remove, array_replace, trim_array,
//! and enum_first/enum_last/enum_range (one argument), whose result is an
//! enum array.
//! Arguments are coerced to one element type as PostgreSQL's
//! anycompatiblearray resolution does (an unknown literal next to an array
//! is read as that array type).

use super::*;
use crate::array_ops::ArrayFn;
use crate::types::Elem;

const NAMES: &[&str] = &[
    crate::array_assign::ASSIGN_FN,
    "array_append",
    "array_prepend",
    "array_cat",
    "array_lower",
    "array_upper",
    "array_dims",
    "array_ndims",
    "array_position",
    "array_positions",
    "array_remove",
    "array_replace",
    "trim_array",
];

fn signature(name: &str, args: &[Expr]) -> String {
    let tys: Vec<&str> = args.iter().map(|a| a.ty().ty.display_name()).collect();
    format!("{name}({})", tys.join(", "))
}

fn array_fn(f: ArrayFn, args: Vec<Expr>, ty: SqlType) -> Expr {
    Expr::Func {
        func: Func::Array(f),
        args,
        ty: ty.plain(),
    }
}

impl Binder<'_> {
    /// The common element type of array (or unknown) `a` and element `x`, with
    /// both coerced to it; None when they have none.
    fn unify_array_and_elem(
        &mut self,
        a: Expr,
        x: Expr,
        (sa, sx): (Span, Span),
    ) -> SqlResult<Option<(Expr, Expr, Elem)>> {
        let xt = x.ty().ty;
        let at = match a.ty().ty {
            SqlType::Array(e) => e.ty(),
            SqlType::Unknown => xt,
            _ => return Ok(None),
        };
        let Some(t) = common_type(&[at, xt]) else {
            return Ok(None);
        };
        let t = if t == SqlType::Unknown {
            SqlType::Text
        } else {
            t
        };
        let Some(el) = Elem::of(t) else {
            return Ok(None);
        };
        let a = self.coerce_implicit(a, SqlType::Array(el), sa)?;
        let x = self.coerce_implicit(x, t, sx)?;
        Ok(Some((a, x, el)))
    }

    /// Two arrays (or unknowns read as arrays) coerced to one array type.
    fn unify_arrays(
        &mut self,
        a: Expr,
        b: Expr,
        (sa, sb): (Span, Span),
    ) -> SqlResult<Option<(Expr, Expr, Elem)>> {
        let elem_of = |t: SqlType| match t {
            SqlType::Array(e) => Some(Some(e.ty())),
            SqlType::Unknown => Some(None),
            _ => None,
        };
        let (Some(ea), Some(eb)) = (elem_of(a.ty().ty), elem_of(b.ty().ty)) else {
            return Ok(None);
        };
        let known: Vec<SqlType> = ea.into_iter().chain(eb).collect();
        let t = if known.is_empty() {
            SqlType::Text
        } else {
            match common_type(&known) {
                Some(t) => t,
                None => return Ok(None),
            }
        };
        let Some(el) = Elem::of(t) else {
            return Ok(None);
        };
        let a = self.coerce_implicit(a, SqlType::Array(el), sa)?;
        let b = self.coerce_implicit(b, SqlType::Array(el), sb)?;
        Ok(Some((a, b, el)))
    }

    /// Position of the last `sym` before the right operand's start.
    fn op_pos_before(&self, right: Span, sym: &str) -> Option<u32> {
        let end = self.pos(right)?.saturating_sub(1) as usize;
        let before: String = self.sql.chars().take(end).collect();
        let found = before.rfind(sym)?;
        Some(before[..found].chars().count() as u32 + 1)
    }

    /// `l || r` when either side is an array: array_cat, array_append or
    /// array_prepend. None when neither side is an array.
    pub(super) fn bind_array_concat(
        &mut self,
        l: Expr,
        r: Expr,
        spans: (Span, Span),
        op_pos: Option<u32>,
    ) -> SqlResult<Option<Expr>> {
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let is_array = |t: SqlType| matches!(t, SqlType::Array(_));
        if !is_array(lt) && !is_array(rt) {
            return Ok(None);
        }
        // ARRAY[...] has no span in sqlparser: then find the operator
        // before the right operand.
        let op_pos = op_pos.or_else(|| self.op_pos_before(spans.1, "||"));
        let fail = || no_operator("||", Some(lt), rt).at(op_pos);
        let both =
            (is_array(lt) || lt == SqlType::Unknown) && (is_array(rt) || rt == SqlType::Unknown);
        if both {
            let (a, b, el) = self.unify_arrays(l, r, spans)?.ok_or_else(fail)?;
            return Ok(Some(array_fn(ArrayFn::Cat, vec![a, b], SqlType::Array(el))));
        }
        if is_array(lt) {
            let (a, x, el) = self.unify_array_and_elem(l, r, spans)?.ok_or_else(fail)?;
            return Ok(Some(array_fn(
                ArrayFn::Append,
                vec![a, x],
                SqlType::Array(el),
            )));
        }
        let (a, x, el) = self
            .unify_array_and_elem(r, l, (spans.1, spans.0))?
            .ok_or_else(fail)?;
        Ok(Some(array_fn(
            ArrayFn::Prepend,
            vec![x, a],
            SqlType::Array(el),
        )))
    }

    /// `@>`, `<@`, `&&` on arrays; None for other operators.
    pub(super) fn bind_array_operator(
        &mut self,
        op: &ast::BinaryOperator,
        l: Expr,
        r: Expr,
        spans: (Span, Span),
        op_pos: Option<u32>,
    ) -> SqlResult<Option<Expr>> {
        let (f, sym) = match op {
            ast::BinaryOperator::AtArrow => (ArrayFn::Contains, "@>"),
            ast::BinaryOperator::ArrowAt => (ArrayFn::ContainedBy, "<@"),
            ast::BinaryOperator::PGOverlap => (ArrayFn::Overlap, "&&"),
            _ => return Ok(None),
        };
        let op_pos = op_pos.or_else(|| self.op_pos_before(spans.1, sym));
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        if !matches!(lt, SqlType::Array(_)) && !matches!(rt, SqlType::Array(_)) {
            return Ok(None);
        }
        let (a, b, _) = self
            .unify_arrays(l, r, spans)?
            .ok_or_else(|| no_operator(sym, Some(lt), rt).at(op_pos))?;
        Ok(Some(array_fn(f, vec![a, b], SqlType::Bool)))
    }

    /// `x ~ ANY (array)` / `ALL` and the other regular-expression
    /// operators; None for other operators.
    pub(super) fn bind_regex_any_all(
        &mut self,
        op: &ast::BinaryOperator,
        all: bool,
        left: &ast::Expr,
        right: &ast::Expr,
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        let Some((ci, negated)) = regex_operator(op) else {
            return Ok(None);
        };
        let l = self.bind_expr(left, scope)?;
        let l = self.coerce_implicit(l, SqlType::Text, start_span(left))?;
        let r = self.bind_expr(right, scope)?;
        let r = self.coerce_implicit(r, SqlType::Array(Elem::Text), start_span(right))?;
        Ok(Some(array_fn(
            ArrayFn::RegexAnyAll { ci, negated, all },
            vec![l, r],
            SqlType::Bool,
        )))
    }

    /// `a[lo:hi]` (either bound may be omitted).
    pub(super) fn bind_array_slice(
        &mut self,
        array: Expr,
        lower: Option<&ast::Expr>,
        upper: Option<&ast::Expr>,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        let ty = array.ty();
        if !matches!(ty.ty, SqlType::Array(_)) {
            return self.err_at(
                SqlError::new(
                    "42804",
                    format!(
                        "cannot subscript type {} because it does not support subscripting",
                        ty.ty.display_name()
                    ),
                ),
                span,
            );
        }
        let mut bound = |b: Option<&ast::Expr>, default: i32| -> SqlResult<Expr> {
            match b {
                None => Ok(Expr::Const(Datum::Int4(default), SqlType::Int4.plain())),
                Some(e) => {
                    let x = self.bind_expr(e, scope)?;
                    self.coerce_implicit(x, SqlType::Int4, start_span(e))
                }
            }
        };
        let lo = bound(lower, 1)?;
        let hi = bound(upper, i32::MAX)?;
        Ok(Expr::Func {
            func: Func::Array(ArrayFn::Slice),
            args: vec![array, lo, hi],
            ty,
        })
    }

    /// `e` cast to `to` in assignment context (an element assigned into an
    /// array column), with PostgreSQL's 42804 when no such cast exists.
    fn coerce_assign_to(&mut self, e: Expr, to: SqlType, span: Span) -> SqlResult<Expr> {
        let from = e.ty();
        match self.try_coerce(e, to.plain(), CastContext::Assignment, span)? {
            Some(x) => Ok(x),
            None => self.err_at(
                SqlError::datatype_mismatch(format!(
                    "subscripted assignment to array requires type {} but expression is of type {}",
                    to.display_name(),
                    from.display()
                ))
                .with_hint("You will need to rewrite or cast the expression."),
                span,
            ),
        }
    }

    /// The array functions above; None for other names.
    pub(super) fn bind_array_function(
        &mut self,
        name: &str,
        raw: &[FnArg],
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        if matches!(name, "enum_first" | "enum_last" | "enum_range") && raw.len() == 1 {
            // enum_range(NULL::t) and friends: the argument gives the type.
            let FnArg::Expr(e) = &raw[0] else {
                return Ok(None);
            };
            let x = self.bind_expr(e, scope)?;
            return match crate::user_types::enum_support_fn(self.catalog, name, x.ty().ty) {
                None => Ok(None),
                Some(Err(err)) => self.err_at(err, span),
                Some(Ok((d, ty))) => Ok(Some(Expr::Const(d, ty))),
            };
        }
        if !NAMES.contains(&name) {
            return Ok(None);
        }
        if name == crate::array_assign::ASSIGN_FN {
            if let Some(FnArg::Expr(e)) = raw.last() {
                let mut e = *e;
                while let ast::Expr::Nested(inner) = e {
                    e = inner;
                }
                if matches!(e, ast::Expr::Identifier(i)
                    if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
                {
                    return self.err_at(
                        SqlError::new("0A000", "cannot set an array element to DEFAULT"),
                        span,
                    );
                }
            }
        }
        let mut args = Vec::with_capacity(raw.len());
        let mut spans = Vec::with_capacity(raw.len());
        for a in raw {
            match a {
                FnArg::Expr(e) => {
                    args.push(self.bind_expr(e, scope)?);
                    spans.push(start_span(e));
                }
                FnArg::Star => return Ok(None),
            }
        }
        let missing = |args: &[Expr]| SqlError::undefined_function(&signature(name, args));
        let n = args.len();
        let is_array = |e: &Expr| matches!(e.ty().ty, SqlType::Array(_));
        let bound = match (name, n) {
            ("array_append", 2) | ("array_remove", 2) | ("array_positions", 2) => {
                let sig = missing(&args);
                let mut it = args.into_iter();
                let (a, x) = (it.next(), it.next());
                let (Some(a), Some(x)) = (a, x) else {
                    return Err(sig);
                };
                let (a, x, el) = self
                    .unify_array_and_elem(a, x, (spans[0], spans[1]))?
                    .ok_or(sig)?;
                match name {
                    "array_append" => array_fn(ArrayFn::Append, vec![a, x], SqlType::Array(el)),
                    "array_remove" => array_fn(ArrayFn::Remove, vec![a, x], SqlType::Array(el)),
                    _ => array_fn(ArrayFn::Positions, vec![a, x], SqlType::Array(Elem::Int4)),
                }
            }
            ("array_prepend", 2) => {
                let sig = missing(&args);
                let a = args.pop().ok_or_else(|| sig.clone())?;
                let x = args.pop().ok_or_else(|| sig.clone())?;
                let (a, x, el) = self
                    .unify_array_and_elem(a, x, (spans[1], spans[0]))?
                    .ok_or(sig)?;
                array_fn(ArrayFn::Prepend, vec![x, a], SqlType::Array(el))
            }
            ("array_cat", 2) => {
                let sig = missing(&args);
                let b = args.pop().ok_or_else(|| sig.clone())?;
                let a = args.pop().ok_or_else(|| sig.clone())?;
                let (a, b, el) = self.unify_arrays(a, b, (spans[0], spans[1]))?.ok_or(sig)?;
                array_fn(ArrayFn::Cat, vec![a, b], SqlType::Array(el))
            }
            ("array_position", 2 | 3) => {
                let sig = missing(&args);
                let start = if n == 3 {
                    let s = args.pop().ok_or_else(|| sig.clone())?;
                    Some(self.coerce_implicit(s, SqlType::Int4, spans[2])?)
                } else {
                    None
                };
                let x = args.pop().ok_or_else(|| sig.clone())?;
                let a = args.pop().ok_or_else(|| sig.clone())?;
                let (a, x, _) = self
                    .unify_array_and_elem(a, x, (spans[0], spans[1]))?
                    .ok_or(sig)?;
                let mut v = vec![a, x];
                v.extend(start);
                array_fn(ArrayFn::Position, v, SqlType::Int4)
            }
            ("array_replace", 3) => {
                let sig = missing(&args);
                let y = args.pop().ok_or_else(|| sig.clone())?;
                let x = args.pop().ok_or_else(|| sig.clone())?;
                let a = args.pop().ok_or_else(|| sig.clone())?;
                let (a, x, el) = self
                    .unify_array_and_elem(a, x, (spans[0], spans[1]))?
                    .ok_or_else(|| sig.clone())?;
                let y = self.coerce_implicit(y, el.ty(), spans[2])?;
                array_fn(ArrayFn::Replace, vec![a, x, y], SqlType::Array(el))
            }
            ("array_lower" | "array_upper" | "trim_array", 2) if is_array(&args[0]) => {
                let d = args.pop().ok_or_else(|| missing(&[]))?;
                let d = self.coerce_implicit(d, SqlType::Int4, spans[1])?;
                let a = args.pop().ok_or_else(|| missing(&[]))?;
                let ty = a.ty().ty;
                match name {
                    "array_lower" => array_fn(ArrayFn::Lower, vec![a, d], SqlType::Int4),
                    "array_upper" => array_fn(ArrayFn::Upper, vec![a, d], SqlType::Int4),
                    _ => array_fn(ArrayFn::TrimArray, vec![a, d], ty),
                }
            }
            (crate::array_assign::ASSIGN_FN, 3 | 4)
                if is_array(&args[0]) || args[0].ty().ty == SqlType::Unknown =>
            {
                let value = args.pop().ok_or_else(|| missing(&[]))?;
                // INSERT builds on a NULL of no type: the value gives it; an
                // unknown literal stays text, typed by the column's
                // assignment cast (as PostgreSQL types it by the column).
                let ty = match (args[0].ty().ty, value.ty().ty) {
                    (SqlType::Unknown, SqlType::Unknown) => {
                        let value = if n == 4 {
                            self.coerce_implicit(value, SqlType::Array(Elem::Text), spans[3])?
                        } else {
                            value
                        };
                        let mut bound = vec![args.remove(0)];
                        for (a, s) in args.into_iter().zip(&spans[1..]) {
                            bound.push(self.coerce_implicit(a, SqlType::Int4, *s)?);
                        }
                        bound.push(value);
                        let f = if n == 3 {
                            ArrayFn::AssignElement
                        } else {
                            ArrayFn::AssignSlice
                        };
                        return Ok(Some(array_fn(f, bound, SqlType::Unknown)));
                    }
                    (SqlType::Unknown, t @ SqlType::Array(_)) if n == 4 => t,
                    (SqlType::Unknown, t) => SqlType::Array(Elem::of(t).unwrap_or(Elem::Text)),
                    (t, _) => t,
                };
                let SqlType::Array(el) = ty else {
                    return Err(missing(&args));
                };
                let base = args.remove(0);
                let base = self.coerce_implicit(base, ty, spans[0])?;
                args.insert(0, base);
                let value_ty = if n == 3 { el.ty() } else { ty };
                let value = self.coerce_assign_to(value, value_ty, spans[n - 1])?;
                let mut bound = vec![args.remove(0)];
                for (a, s) in args.into_iter().zip(&spans[1..]) {
                    bound.push(self.coerce_implicit(a, SqlType::Int4, *s)?);
                }
                bound.push(value);
                let f = if n == 3 {
                    ArrayFn::AssignElement
                } else {
                    ArrayFn::AssignSlice
                };
                array_fn(f, bound, ty)
            }
            ("array_dims", 1) if is_array(&args[0]) => array_fn(ArrayFn::Dims, args, SqlType::Text),
            ("array_ndims", 1) if is_array(&args[0]) => {
                array_fn(ArrayFn::Ndims, args, SqlType::Int4)
            }
            _ => return self.err_at(missing(&args), span),
        };
        Ok(Some(bound))
    }
}

/// A regular-expression match operator as (case-insensitive, negated):
/// `~`, `~*`, `!~`, `!~*`.
pub(super) fn regex_operator(op: &ast::BinaryOperator) -> Option<(bool, bool)> {
    use ast::BinaryOperator as B;
    match op {
        B::PGRegexMatch => Some((false, false)),
        B::PGRegexIMatch => Some((true, false)),
        B::PGRegexNotMatch => Some((false, true)),
        B::PGRegexNotIMatch => Some((true, true)),
        _ => None,
    }
}
