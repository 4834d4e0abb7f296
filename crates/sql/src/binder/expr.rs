//! Binding of expressions: names, literals, operators and their type
//! resolution, casts, scalar functions, aggregates and subqueries.

use super::*;

/// A binary operator and its bound operands, as `make_binary` hands them to
/// the binding of one family of operand types.
pub(super) struct BinaryOperands<'s> {
    pub op: BinOp,
    pub l: Expr,
    pub r: Expr,
    /// Where each operand stands in the statement (for coercion errors).
    pub spans: (Span, Span),
    /// The operator as written, and where (for "operator does not exist").
    pub sym: &'s str,
    pub op_pos: Option<u32>,
}

impl<'a> Binder<'a> {
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

    pub(super) fn bind_expr_depth(&mut self, e: &ast::Expr, scope: &Scope) -> SqlResult<Expr> {
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
            let saved_win = self.win.take();
            // A set-returning call binds only in the real pass (not twice).
            let saved_srf = self.srf.take();
            let trial = self.bind_expr_inner(e, scope);
            self.agg = saved;
            self.win = saved_win;
            self.srf = saved_srf;
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

    pub(super) fn resolve_column(
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
        let mut hits = matches(scope);
        if hits.len() > 1 && qualifier.is_none() {
            // JOIN ... USING: the merged column (no qualifier) hides its inputs.
            let merged: Vec<usize> = hits
                .iter()
                .copied()
                .filter(|i| scope.cols[*i].qualifier.is_none())
                .collect();
            if merged.len() == 1 {
                hits = merged;
            }
        }
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
        if qualifier.is_none() {
            if let Some(row) = self.whole_row_reference(name, scope) {
                return Ok(row);
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
                    if let Some((_, alias)) = self.aliased_tables.iter().find(|(t, _)| t == q) {
                        return self.err_at(
                            SqlError::new(
                                "42P01",
                                format!("invalid reference to FROM-clause entry for table \"{q}\""),
                            )
                            .with_hint(format!(
                                "Perhaps you meant to reference the table alias \"{alias}\"."
                            )),
                            span,
                        );
                    }
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

    pub(super) fn bind_expr_inner(&mut self, e: &ast::Expr, scope: &Scope) -> SqlResult<Expr> {
        use ast::Expr as E;
        let span = start_span(e);
        if let Some(x) = self.bind_sys_expr(e, scope, span)? {
            return Ok(x);
        }
        if let Some(x) = self.bind_row_expr(e, scope)? {
            return Ok(x);
        }
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
            E::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => self.bind_overlay(
                expr,
                overlay_what,
                overlay_from,
                overlay_for.as_deref(),
                scope,
            ),
            E::SimilarTo {
                negated,
                expr,
                pattern,
                escape_char,
            } => self.bind_similar_to(*negated, expr, pattern, escape_char.as_deref(), scope),
            E::In { .. } => self.bind_arm_11(e, scope, span),
            E::Case { .. } => self.bind_arm_12(e, scope, span),
            E::Cast { .. } => self.bind_arm_13(e, scope, span),
            E::TypedString(_) => self.bind_arm_14(e, scope, span),
            E::Function(_) => self.bind_arm_15(e, scope, span),
            E::Substring { .. } => self.bind_arm_16(e, scope, span),
            E::Trim { .. } => self.bind_arm_17(e, scope, span),
            E::Ceil { .. } | E::Floor { .. } => self.bind_arm_18(e, scope, span),
            E::Position { .. } => self.bind_arm_19(e, scope, span),
            E::Extract { .. } => self.bind_extract(e, scope, span),
            E::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                let zone = self.bind_expr(time_zone, scope)?;
                let value = self.bind_expr(timestamp, scope)?;
                self.at_time_zone(zone, value, span)
            }
            E::Array(arr) => self.bind_array(arr, scope, span),
            E::CompoundFieldAccess { root, access_chain } => {
                let mut x = self.bind_expr(root, scope)?;
                for a in access_chain {
                    if let ast::AccessExpr::Subscript(ast::Subscript::Slice {
                        lower_bound,
                        upper_bound,
                        stride: None,
                    }) = a
                    {
                        x = self.bind_array_slice(
                            x,
                            lower_bound.as_ref(),
                            upper_bound.as_ref(),
                            scope,
                            span,
                        )?;
                        continue;
                    }
                    if let ast::AccessExpr::Dot(ast::Expr::Identifier(field)) = a {
                        x = self.select_field(x, &ident_name(field), span)?;
                        continue;
                    }
                    let ast::AccessExpr::Subscript(ast::Subscript::Index { index }) = a else {
                        return self.err_at(SqlError::unsupported("this field access"), span);
                    };
                    if x.ty().ty == SqlType::Int2Vector {
                        // Subscripted from 0, as in PostgreSQL (`indoption[0]`).
                        let i = self.bind_expr(index, scope)?;
                        let i = self.coerce_implicit(i, SqlType::Int4, start_span(index))?;
                        x = Expr::Func {
                            func: Func::Sys(crate::pg_catalog::SysFn::Int2VectorSubscript),
                            args: vec![x, i],
                            ty: SqlType::Int2.plain(),
                        };
                        continue;
                    }
                    if let Some(ty) = geo_money_ops::subscript_type(x.ty().ty) {
                        // point[0] is x, point[1] y; lseg[i] and box[i] are points.
                        let i = self.bind_expr(index, scope)?;
                        let i = self.coerce_implicit(i, SqlType::Int4, start_span(index))?;
                        x = Expr::Func {
                            func: Func::Lib(crate::builtins::LibFn::Geo(
                                crate::builtins::geo_money::GeoFn::Subscript,
                            )),
                            args: vec![x, i],
                            ty: ty.plain(),
                        };
                        continue;
                    }
                    let SqlType::Array(el) = x.ty().ty else {
                        return self.err_at(
                            SqlError::new(
                                "42804",
                                format!(
                                    "cannot subscript type {} because it does not support subscripting",
                                    x.ty().ty.display_name()
                                ),
                            ),
                            span,
                        );
                    };
                    let i = self.bind_expr(index, scope)?;
                    let i = self.coerce_implicit(i, SqlType::Int4, start_span(index))?;
                    x = Expr::Func {
                        func: Func::ArraySubscript,
                        args: vec![x, i],
                        ty: el.ty().plain(),
                    };
                }
                Ok(x)
            }
            E::Interval(iv)
                if iv.leading_field.is_none()
                    && iv.last_field.is_none()
                    && iv.fractional_seconds_precision.is_none() =>
            {
                let x = self.bind_expr(&iv.value, scope)?;
                self.explicit_cast(x, SqlType::Interval.plain(), span)
            }
            E::Exists { .. } => self.bind_arm_20(e, scope, span),
            E::Subquery(_) => self.bind_arm_21(e, scope, span),
            E::AnyOp { .. } | E::AllOp { .. } => self.bind_any_all(e, scope, span),
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
    pub(super) fn bind_extract(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Extract { field, expr, .. } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };

        let x = self.bind_expr(expr, scope)?;
        let t = match x.ty().ty {
            SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz => x.ty().ty,
            SqlType::Unknown => SqlType::Timestamp,
            other => {
                return self.err_at(
                    SqlError::undefined_function(&format!(
                        "extract(unknown, {})",
                        other.display_name()
                    )),
                    span,
                )
            }
        };
        let x = self.coerce_implicit(x, t, span)?;
        let unit = field.to_string().to_lowercase();
        Ok(Expr::Func {
            func: Func::Extract,
            args: vec![Expr::Const(Datum::Text(unit), SqlType::Text.plain()), x],
            ty: SqlType::Numeric.plain(),
        })
    }

    /// `value AT TIME ZONE zone` / `timezone(zone, value)`: timestamptz to
    /// the zone's wall-clock timestamp, or a timestamp read as the zone's
    /// wall-clock time to timestamptz.
    pub(super) fn at_time_zone(&mut self, zone: Expr, value: Expr, span: Span) -> SqlResult<Expr> {
        let zone = match zone.ty().ty {
            SqlType::Interval => zone,
            _ => self.coerce_text(zone, span, "timezone")?,
        };
        let (from, to) = match value.ty().ty {
            SqlType::Timestamp => (SqlType::Timestamp, SqlType::TimestampTz),
            SqlType::Date => (SqlType::Timestamp, SqlType::TimestampTz),
            SqlType::TimestampTz | SqlType::Unknown => (SqlType::TimestampTz, SqlType::Timestamp),
            other => {
                return self.err_at(
                    SqlError::undefined_function(&format!(
                        "timezone({}, {})",
                        zone.ty().ty.display_name(),
                        other.display_name()
                    )),
                    span,
                )
            }
        };
        let value = self.coerce_implicit(value, from, span)?;
        Ok(Expr::Func {
            func: Func::AtTimeZone,
            args: vec![zone, value],
            ty: to.plain(),
        })
    }

    /// `date_part(text, value)`: extract as double precision.
    pub(super) fn date_part(&mut self, mut args: Vec<Expr>, span: Span) -> SqlResult<Expr> {
        let unit = self.coerce_text(args.remove(0), span, "date_part")?;
        let unit = match unit {
            Expr::Const(Datum::Text(u), t) => Expr::Const(Datum::Text(u.to_lowercase()), t),
            other => Expr::Func {
                func: Func::Lower,
                args: vec![other],
                ty: SqlType::Text.plain(),
            },
        };
        let x = args.remove(0);
        let t = match x.ty().ty {
            t @ (SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz) => t,
            SqlType::Unknown => SqlType::TimestampTz,
            other => {
                return self.err_at(
                    SqlError::undefined_function(&format!(
                        "date_part(text, {})",
                        other.display_name()
                    )),
                    span,
                )
            }
        };
        let x = self.coerce_implicit(x, t, span)?;
        Ok(Expr::Cast {
            expr: Box::new(Expr::Func {
                func: Func::Extract,
                args: vec![unit, x],
                ty: SqlType::Numeric.plain(),
            }),
            from: SqlType::Numeric,
            to: SqlType::Float8.plain(),
            ctx: CastContext::Explicit,
        })
    }

    #[inline(never)]
    pub(super) fn bind_any_all(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        match e {
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
            E::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | E::AllOp {
                left,
                compare_op,
                right,
            } => {
                let all = matches!(e, E::AllOp { .. });
                let (op, sym) = match compare_op {
                    ast::BinaryOperator::Eq => (0, "="),
                    ast::BinaryOperator::NotEq => (1, "<>"),
                    ast::BinaryOperator::Lt => (2, "<"),
                    ast::BinaryOperator::LtEq => (3, "<="),
                    ast::BinaryOperator::Gt => (4, ">"),
                    ast::BinaryOperator::GtEq => (5, ">="),
                    other => {
                        if let Some(x) = self.bind_regex_any_all(other, all, left, right, scope)? {
                            return Ok(x);
                        }
                        return self.err_at(
                            SqlError::unsupported(format!("operator {other} with ANY/ALL")),
                            span,
                        );
                    }
                };
                if matches!(right.as_ref(), E::Subquery(_)) {
                    return self.err_at(
                        SqlError::unsupported(format!("{sym} ANY/ALL (subquery)")),
                        span,
                    );
                }
                let l = self.bind_expr(left, scope)?;
                let mut r = self.bind_expr(right, scope)?;
                let lt = l.ty().ty;
                if r.ty().ty == SqlType::Unknown {
                    let el = types::Elem::of(if lt == SqlType::Unknown {
                        SqlType::Text
                    } else {
                        lt
                    })
                    .unwrap_or(types::Elem::Text);
                    r = self.coerce_implicit(r, SqlType::Array(el), start_span(right))?;
                }
                let SqlType::Array(el) = r.ty().ty else {
                    return self.err_at(
                        SqlError::new("42809", "op ANY/ALL (array) requires array on right side"),
                        span,
                    );
                };
                let t = common_type(&[lt, el.ty()])
                    .ok_or_else(|| no_operator(sym, Some(lt), el.ty()).at(self.pos(span)))?;
                let l = self.coerce_implicit(l, t, start_span(left))?;
                if t != el.ty() {
                    let te = types::Elem::of(t).unwrap_or(el);
                    r = self.coerce_implicit(r, SqlType::Array(te), start_span(right))?;
                }
                Ok(Expr::Func {
                    func: if all { Func::AllArray } else { Func::AnyArray },
                    args: vec![l, r, Expr::Const(Datum::Int4(op), SqlType::Int4.plain())],
                    ty: SqlType::Bool.plain(),
                })
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

    /// ARRAY[...]: elements of a common type.
    fn bind_array(&mut self, arr: &ast::Array, scope: &Scope, span: Span) -> SqlResult<Expr> {
        let mut items = Vec::with_capacity(arr.elem.len());
        for e in &arr.elem {
            items.push(self.bind_expr(e, scope)?);
        }
        if items.is_empty() {
            return self.err_at(
                SqlError::new("42P18", "cannot determine type of empty array").with_hint(
                    "Explicitly cast to the desired type, for example ARRAY[]::integer[].",
                ),
                span,
            );
        }
        let tys: Vec<SqlType> = items.iter().map(|x| x.ty().ty).collect();
        let t = common_type(&tys).ok_or_else(|| {
            SqlError::datatype_mismatch(format!(
                "ARRAY types {} and {} cannot be matched",
                tys[0].display_name(),
                tys.iter()
                    .find(|t| t.category() != tys[0].category())
                    .unwrap_or(&tys[0])
                    .display_name()
            ))
            .at(self.pos(span))
        })?;
        let Some(el) = types::Elem::of(t) else {
            return self.err_at(SqlError::unsupported("arrays of arrays"), span);
        };
        let mut args = Vec::with_capacity(items.len());
        for (x, e) in items.into_iter().zip(&arr.elem) {
            args.push(self.coerce_implicit(x, t, start_span(e))?);
        }
        Ok(Expr::Func {
            func: Func::MakeArray,
            args,
            ty: SqlType::Array(el).plain(),
        })
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_0(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Identifier(i) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            if i.quote_style.is_none() {
                let lower = i.value.to_lowercase();
                // Niladic SQL functions.
                if lower == "current_schema" {
                    return Ok(Expr::Const(
                        self.catalog
                            .current_schema()
                            .map(Datum::Text)
                            .unwrap_or(Datum::Null),
                        SqlType::Text.plain(),
                    ));
                }
            }
            self.resolve_column(None, &ident_name(i), scope, span)
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_1(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::CompoundIdentifier(parts) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        match parts.as_slice() {
            [q, c] => self.resolve_column(Some(&ident_name(q)), &ident_name(c), scope, span),
            // schema.table.column: range variables are named by the table.
            [_, q, c] => self.resolve_column(Some(&ident_name(q)), &ident_name(c), scope, span),
            _ => self.err_at(SqlError::unsupported("this column reference"), span),
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_2(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Value(v) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        self.bind_value(&v.value, false, span)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_3(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Nested(inner) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        self.bind_expr(inner, scope)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_4(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
                if x.ty().ty == SqlType::Interval {
                    return Ok(Expr::Neg(Box::new(x), SqlType::Interval.plain()));
                }
                if x.ty().ty.category() != Category::Numeric {
                    return self.err_at(no_operator("-", None, x.ty().ty), span);
                }
                let ty = x.ty();
                if let Expr::Const(d, _) = &x {
                    // Folded now, so an overflow (-(-2^63)) errors as it would at run time.
                    return Ok(Expr::Const(crate::eval::negate(d.clone())?, ty));
                }
                Ok(Expr::Neg(Box::new(x), ty.ty.plain()))
            }
            ast::UnaryOperator::Plus => self.bind_expr(expr, scope),
            ast::UnaryOperator::Not => {
                let x = self.bind_expr(expr, scope)?;
                Ok(Expr::Not(Box::new(self.coerce_bool(x, "NOT", span)?)))
            }
            ast::UnaryOperator::PGSquareRoot | ast::UnaryOperator::PGCubeRoot => {
                let x = self.bind_expr(expr, scope)?;
                let x = self.coerce_implicit(x, SqlType::Float8, span)?;
                let func = if matches!(op, ast::UnaryOperator::PGSquareRoot) {
                    Func::Sqrt
                } else {
                    Func::Lib(crate::builtins::LibFn::Cbrt)
                };
                Ok(Expr::Func {
                    func,
                    args: vec![x],
                    ty: SqlType::Float8.plain(),
                })
            }
            ast::UnaryOperator::PGAbs => {
                let x = self.bind_expr(expr, scope)?;
                let t = match x.ty().ty {
                    SqlType::Unknown => SqlType::Float8,
                    t => t,
                };
                if t.category() != Category::Numeric {
                    return self.err_at(
                        SqlError::undefined_function(&format!("@ {}", t.display_name())),
                        span,
                    );
                }
                let x = self.coerce_implicit(x, t, span)?;
                Ok(Expr::Func {
                    func: Func::Abs,
                    args: vec![x],
                    ty: t.plain(),
                })
            }
            ast::UnaryOperator::BitwiseNot => {
                let x = self.bind_expr(expr, scope)?;
                let t = x.ty().ty;
                if bit_string_ops::is_bit_string(t) {
                    return Ok(self.bit_string_not(x));
                }
                if !matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8) {
                    return self.err_at(
                        SqlError::undefined_function(&format!("~ {}", t.display_name())),
                        span,
                    );
                }
                Ok(Expr::Func {
                    func: Func::Lib(crate::builtins::LibFn::BitNot),
                    args: vec![x],
                    ty: t.plain(),
                })
            }
            other => self.err_at(SqlError::unsupported(format!("operator {other}")), span),
        }
    }

    /// Integer bitwise operators & | # << >> (same integer type on both
    /// sides; a shift count is int4).
    fn bind_bitwise(
        &mut self,
        op: &ast::BinaryOperator,
        l: Expr,
        r: Expr,
        (ls, rs): (Span, Span),
    ) -> SqlResult<Expr> {
        use crate::builtins::LibFn;
        let (func, sym) = match op {
            ast::BinaryOperator::BitwiseAnd => (LibFn::BitAnd, "&"),
            ast::BinaryOperator::BitwiseOr => (LibFn::BitOr, "|"),
            ast::BinaryOperator::PGBitwiseXor => (LibFn::BitXor, "#"),
            ast::BinaryOperator::PGBitwiseShiftLeft => (LibFn::ShiftLeft, "<<"),
            _ => (LibFn::ShiftRight, ">>"),
        };
        let is_int = |t: SqlType| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8);
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let op_pos = self.op_pos((ls, rs), sym);
        if bit_string_ops::is_bit_string(lt) || bit_string_ops::is_bit_string(rt) {
            return self.bit_string_binary(func, l, r, (ls, rs), op_pos, sym);
        }
        let no_operator = || no_operator(sym, Some(lt), rt).at(op_pos);
        let span = ls;
        let shift = matches!(func, LibFn::ShiftLeft | LibFn::ShiftRight);
        let t = if shift {
            if lt == SqlType::Unknown {
                SqlType::Int4
            } else {
                lt
            }
        } else {
            match common_type(&[lt, rt]) {
                Some(SqlType::Unknown) => SqlType::Int4,
                Some(t) => t,
                None => return Err(no_operator()),
            }
        };
        if !is_int(t) || (shift && !(is_int(rt) || rt == SqlType::Unknown)) {
            return Err(no_operator());
        }
        let l = self.coerce_implicit(l, t, span)?;
        let r = self.coerce_implicit(r, if shift { SqlType::Int4 } else { t }, span)?;
        Ok(Expr::Func {
            func: Func::Lib(func),
            args: vec![l, r],
            ty: t.plain(),
        })
    }

    /// Binary operators. Left-deep chains (`a OR b OR c ...`, `x + y + z ...`)
    /// are bound iteratively so their length costs no stack; under GROUP BY
    /// every sub-chain must stay matchable against grouping expressions, so
    /// there each level goes through `bind_expr`.
    #[inline(never)]
    pub(super) fn bind_arm_5(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        if let Some(x) = self.bind_row_expr(e, scope)? {
            return Ok(x); // a row comparison
        }
        if self.agg.is_some() && !self.in_agg_arg {
            return self.bind_binary(e, None, scope, span);
        }
        let mut spine = Vec::new();
        let mut cur = e;
        while let E::BinaryOp { left, .. } = cur {
            if row_expr::is_row_comparison(cur) {
                break;
            }
            spine.push(cur);
            cur = left;
        }
        let mut acc = self.bind_expr(cur, scope)?;
        for node in spine.into_iter().rev() {
            acc = self.bind_binary(node, Some(acc), scope, span)?;
        }
        Ok(acc)
    }

    /// One binary operator; `bound_left` is its left operand if already bound.
    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_binary(
        &mut self,
        e: &ast::Expr,
        bound_left: Option<Expr>,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::BinaryOp { left, op, right } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        let mut bound_left = bound_left;
        if let Some(x) = self.bind_user_operator(op, &mut bound_left, (left, right), scope)? {
            return Ok(x);
        }
        if let Some(x) = self.bind_geometry_operator(op, &mut bound_left, (left, right), scope)? {
            return Ok(x);
        }
        if let Some(x) = self.bind_json_operator(op, &mut bound_left, left, right, scope)? {
            return Ok(x);
        }
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
                ast::BinaryOperator::Arrow | ast::BinaryOperator::LongArrow => {
                    let text = matches!(op, ast::BinaryOperator::LongArrow);
                    let sym = if text { "->>" } else { "->" };
                    let l = match bound_left.take() {
                        Some(l) => l,
                        None => self.bind_expr(left, scope)?,
                    };
                    let r = self.bind_expr(right, scope)?;
                    let (lt, rt) = (l.ty().ty, r.ty().ty);
                    let op_pos = self.op_pos((start_span(left), start_span(right)), sym);
                    if !matches!(lt, SqlType::Json | SqlType::Jsonb) {
                        return Err(no_operator(sym, Some(lt), rt).at(op_pos));
                    }
                    let r = match rt {
                        SqlType::Unknown => {
                            self.coerce_implicit(r, SqlType::Text, start_span(right))?
                        }
                        SqlType::Int2 | SqlType::Int4 => {
                            self.coerce_implicit(r, SqlType::Int4, start_span(right))?
                        }
                        t if t.category() == Category::String => r,
                        _ => return Err(no_operator(sym, Some(lt), rt).at(op_pos)),
                    };
                    return Ok(Expr::Func {
                        func: if text {
                            Func::JsonGetText
                        } else {
                            Func::JsonGet
                        },
                        args: vec![l, r],
                        ty: if text { SqlType::Text } else { lt }.plain(),
                    });
                }
                ast::BinaryOperator::PGExp => {
                    // numeric ^ numeric when either side is numeric, else float8 ^ float8.
                    let l = match bound_left.take() {
                        Some(l) => l,
                        None => self.bind_expr(left, scope)?,
                    };
                    let r = self.bind_expr(right, scope)?;
                    let is_float = |t: SqlType| matches!(t, SqlType::Float4 | SqlType::Float8);
                    if (l.ty().ty == SqlType::Numeric || r.ty().ty == SqlType::Numeric)
                        && !is_float(l.ty().ty)
                        && !is_float(r.ty().ty)
                    {
                        let l = self.coerce_implicit(l, SqlType::Numeric, start_span(left))?;
                        let r = self.coerce_implicit(r, SqlType::Numeric, start_span(right))?;
                        return Ok(Expr::Func {
                            func: Func::Lib(crate::builtins::LibFn::NumericPower),
                            args: vec![l, r],
                            ty: SqlType::Numeric.plain(),
                        });
                    }
                    let l = self.coerce_implicit(l, SqlType::Float8, start_span(left))?;
                    let r = self.coerce_implicit(r, SqlType::Float8, start_span(right))?;
                    return Ok(Expr::Func {
                        func: Func::Power,
                        args: vec![l, r],
                        ty: SqlType::Float8.plain(),
                    });
                }
                op @ (ast::BinaryOperator::BitwiseAnd
                | ast::BinaryOperator::BitwiseOr
                | ast::BinaryOperator::PGBitwiseXor
                | ast::BinaryOperator::PGBitwiseShiftLeft
                | ast::BinaryOperator::PGBitwiseShiftRight) => {
                    let l = match bound_left.take() {
                        Some(l) => l,
                        None => self.bind_expr(left, scope)?,
                    };
                    let r = self.bind_expr(right, scope)?;
                    return self.bind_bitwise(op, l, r, (start_span(left), start_span(right)));
                }
                op @ (ast::BinaryOperator::AtArrow
                | ast::BinaryOperator::ArrowAt
                | ast::BinaryOperator::PGOverlap) => {
                    let l = match bound_left.take() {
                        Some(l) => l,
                        None => self.bind_expr(left, scope)?,
                    };
                    let r = self.bind_expr(right, scope)?;
                    let spans = (start_span(left), start_span(right));
                    let sym = match op {
                        ast::BinaryOperator::AtArrow => "@>",
                        ast::BinaryOperator::ArrowAt => "<@",
                        _ => "&&",
                    };
                    let op_pos = self.op_pos(spans, sym);
                    let (lt, rt) = (l.ty().ty, r.ty().ty);
                    return match self.bind_array_operator(op, l, r, spans, op_pos)? {
                        Some(x) => Ok(x),
                        None => Err(no_operator(sym, Some(lt), rt).at(op_pos)),
                    };
                }
                other => {
                    if let Some(x) =
                        self.bind_sys_operator(other, bound_left.take(), left, right, scope)?
                    {
                        return Ok(x);
                    }
                    return self.err_at(SqlError::unsupported(format!("operator {other}")), span);
                }
            };
            let l = match bound_left.take() {
                Some(l) => l,
                None => self.bind_expr(left, scope)?,
            };
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
    pub(super) fn bind_arm_6(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let (E::IsNull(x) | E::IsNotNull(x)) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let b = self.bind_expr(x, scope)?;
            Ok(Self::row_null_test(b, matches!(e, E::IsNotNull(_))))
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_7(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_8(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_9(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_10(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
            if *any {
                return self.err_at(SqlError::unsupported("LIKE ANY"), span);
            }
            let x = self.bind_expr(expr, scope)?;
            let p = self.bind_expr(pattern, scope)?;
            if x.ty().ty == SqlType::Bytea && !matches!(e, E::ILike { .. }) {
                return self.bind_bytea_like(
                    x,
                    p,
                    escape_char.as_deref(),
                    *negated,
                    pattern,
                    scope,
                );
            }
            let x = self.coerce_text(x, start_span(expr), "~~")?;
            let mut p = self.coerce_text(p, start_span(pattern), "~~")?;
            if let Some(esc) = escape_char {
                // As PostgreSQL: LIKE p ESCAPE e is LIKE like_escape(p, e).
                let e = self.bind_expr(esc, scope)?;
                let e = self.coerce_text(e, start_span(esc), "like_escape")?;
                p = Expr::Func {
                    func: Func::Lib(crate::builtins::LibFn::LikeEscape),
                    args: vec![p, e],
                    ty: SqlType::Text.plain(),
                };
            }
            Ok(Expr::Like {
                expr: Box::new(x),
                pattern: Box::new(p),
                negated: *negated,
                case_insensitive: matches!(e, E::ILike { .. }),
            })
        }
    }

    /// `bytea [NOT] LIKE bytea [ESCAPE bytea]`: byte-wise matching.
    fn bind_bytea_like(
        &mut self,
        x: Expr,
        p: Expr,
        escape: Option<&ast::Expr>,
        negated: bool,
        pattern: &ast::Expr,
        scope: &Scope,
    ) -> SqlResult<Expr> {
        let p = self.coerce_implicit(p, SqlType::Bytea, start_span(pattern))?;
        let e = match escape {
            Some(esc) => {
                let e = self.bind_expr(esc, scope)?;
                if e.ty().ty != SqlType::Bytea {
                    // PostgreSQL resolves like_escape(text, text) here, then
                    // finds no bytea ~~ text operator.
                    return self.err_at(
                        no_operator("~~", Some(SqlType::Bytea), SqlType::Text),
                        start_span(pattern),
                    );
                }
                e
            }
            None => Expr::Const(Datum::Bytea(b"\\".to_vec()), SqlType::Bytea.plain()),
        };
        let m = Expr::Func {
            func: Func::Lib(crate::builtins::LibFn::ByteaLike),
            args: vec![x, p, e],
            ty: SqlType::Bool.plain(),
        };
        Ok(if negated { Expr::Not(Box::new(m)) } else { m })
    }

    /// `OVERLAY(s PLACING r FROM start [FOR count])` on text or bytea.
    fn bind_overlay(
        &mut self,
        expr: &ast::Expr,
        what: &ast::Expr,
        from: &ast::Expr,
        count: Option<&ast::Expr>,
        scope: &Scope,
    ) -> SqlResult<Expr> {
        let x = self.bind_expr(expr, scope)?;
        let r = self.bind_expr(what, scope)?;
        let is_bytea = x.ty().ty == SqlType::Bytea;
        let (x, r) = if is_bytea {
            let r = self.coerce_implicit(r, SqlType::Bytea, start_span(what))?;
            (x, r)
        } else {
            (
                self.coerce_text(x, start_span(expr), "overlay")?,
                self.coerce_text(r, start_span(what), "overlay")?,
            )
        };
        let f = self.bind_expr(from, scope)?;
        let f = self.coerce_implicit(f, SqlType::Int4, start_span(from))?;
        let mut args = vec![x, r, f];
        if let Some(c) = count {
            let c_bound = self.bind_expr(c, scope)?;
            args.push(self.coerce_implicit(c_bound, SqlType::Int4, start_span(c))?);
        }
        let ty = if is_bytea {
            SqlType::Bytea
        } else {
            SqlType::Text
        };
        Ok(Expr::Func {
            func: Func::Lib(crate::builtins::LibFn::Overlay),
            args,
            ty: ty.plain(),
        })
    }

    /// `x [NOT] SIMILAR TO pattern [ESCAPE e]` (default escape: backslash).
    fn bind_similar_to(
        &mut self,
        negated: bool,
        expr: &ast::Expr,
        pattern: &ast::Expr,
        escape: Option<&ast::Expr>,
        scope: &Scope,
    ) -> SqlResult<Expr> {
        let x = self.bind_expr(expr, scope)?;
        let x = self.coerce_text(x, start_span(expr), "similar_to_escape")?;
        let p = self.bind_expr(pattern, scope)?;
        let p = self.coerce_text(p, start_span(pattern), "similar_to_escape")?;
        let e = match escape {
            Some(esc) => {
                let e = self.bind_expr(esc, scope)?;
                self.coerce_text(e, start_span(esc), "similar_to_escape")?
            }
            None => Expr::Const(Datum::Text("\\".to_string()), SqlType::Text.plain()),
        };
        let m = Expr::Func {
            func: Func::Lib(crate::builtins::LibFn::SimilarTo),
            args: vec![x, p, e],
            ty: SqlType::Bool.plain(),
        };
        Ok(if negated { Expr::Not(Box::new(m)) } else { m })
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_11(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_12(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_13(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
            let to = crate::user_types::resolve(self.catalog, data_type)
                .map_err(|e| e.at(self.pos(span)))?;
            if let (E::Array(a), SqlType::Array(_)) = (expr.as_ref(), to.ty) {
                if a.elem.is_empty() {
                    return Ok(Expr::Const(Datum::Array(vec![]), to));
                }
            }
            let x = self.bind_expr(expr, scope)?;
            let x = match self.explicit_cast(x, to, start_span(expr)) {
                // PostgreSQL places a missing cast at the `::` (or CAST).
                Err(mut err) if err.sqlstate == "42846" => {
                    let at = match kind {
                        ast::CastKind::DoubleColon => self.double_colon_pos(expr),
                        _ => self.pos(span),
                    };
                    err.position = at.or(err.position);
                    return Err(err);
                }
                other => other?,
            };
            Ok(self.with_domain(x, crate::user_types::domain_of(self.catalog, data_type)))
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_14(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::TypedString(ts) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let to = crate::user_types::resolve(self.catalog, &ts.data_type)
                .map_err(|e| e.at(self.pos(span)))?;
            let x = self.bind_value(&ts.value.value, false, span)?;
            let x = self.explicit_cast(x, to, span)?;
            Ok(self.with_domain(x, crate::user_types::domain_of(self.catalog, &ts.data_type)))
        }
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_15(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Function(f) = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        self.bind_function(f, scope, span)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_16(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
            if first.ty().ty == SqlType::Bytea {
                let mut args = vec![first];
                let from = match substring_from {
                    Some(f) => self.bind_expr(f, scope)?,
                    None => Expr::Const(Datum::Int4(1), SqlType::Int4.plain()),
                };
                args.push(self.coerce_implicit(from, SqlType::Int8, span)?);
                if let Some(n) = substring_for {
                    let n = self.bind_expr(n, scope)?;
                    args.push(self.coerce_implicit(n, SqlType::Int8, span)?);
                }
                return Ok(Expr::Func {
                    func: Func::Lib(crate::builtins::LibFn::ByteaSubstring),
                    args,
                    ty: SqlType::Bytea.plain(),
                });
            }
            let mut args = vec![self.coerce_text(first, start_span(expr), "substring")?];
            let from = match substring_from {
                Some(f) => self.bind_expr(f, scope)?,
                None => Expr::Const(Datum::Int4(1), SqlType::Int4.plain()),
            };
            let texty = |t: SqlType| {
                matches!(
                    t,
                    SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown
                )
            };
            if texty(from.ty().ty) {
                // substring(text, pattern) is a POSIX regex; with FOR it is
                // the SQL form substring(text, pattern, escape).
                let pattern = self.coerce_text(from, span, "substring")?;
                args.push(pattern);
                let func = match substring_for {
                    Some(esc) => {
                        let esc = self.bind_expr(esc, scope)?;
                        args.push(self.coerce_text(esc, span, "substring")?);
                        crate::builtins::LibFn::SimilarSubstring
                    }
                    None => crate::builtins::LibFn::RegexSubstring,
                };
                return Ok(Expr::Func {
                    func: Func::Lib(func),
                    args,
                    ty: SqlType::Text.plain(),
                });
            }
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
    pub(super) fn bind_arm_17(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
            if x.ty().ty == SqlType::Bytea {
                return self.bind_bytea_trim(x, trim_where, trim_what.as_deref(), scope, span);
            }
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

    /// TRIM([BOTH | LEADING | TRAILING] bytes FROM bytea): btrim, ltrim or
    /// rtrim of (bytea, bytea); bytea has no one-argument form.
    fn bind_bytea_trim(
        &mut self,
        x: Expr,
        trim_where: &Option<ast::TrimWhereField>,
        trim_what: Option<&ast::Expr>,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use crate::builtins::LibFn;
        let (func, name) = match trim_where {
            Some(ast::TrimWhereField::Leading) => (LibFn::ByteaLtrim, "ltrim"),
            Some(ast::TrimWhereField::Trailing) => (LibFn::ByteaRtrim, "rtrim"),
            _ => (LibFn::ByteaBtrim, "btrim"),
        };
        let Some(what) = trim_what else {
            return self.err_at(
                SqlError::undefined_function(&format!("{name}(bytea)")),
                span,
            );
        };
        let what = self.bind_expr(what, scope)?;
        let Some(what) = self.try_coerce(
            what.clone(),
            SqlType::Bytea.plain(),
            CastContext::Implicit,
            span,
        )?
        else {
            return self.err_at(
                SqlError::undefined_function(&format!(
                    "{name}(bytea, {})",
                    what.ty().ty.display_name()
                )),
                span,
            );
        };
        Ok(Expr::Func {
            func: Func::Lib(func),
            args: vec![x, what],
            ty: SqlType::Bytea.plain(),
        })
    }

    #[inline(never)]
    #[allow(unused_variables)]
    pub(super) fn bind_arm_18(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_19(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        use ast::Expr as E;
        let E::Position { expr, r#in } = e else {
            return Err(SqlError::internal("binder dispatch"));
        };
        {
            let needle = self.bind_expr(expr, scope)?;
            let hay = self.bind_expr(r#in, scope)?;
            if needle.ty().ty == SqlType::Bytea || hay.ty().ty == SqlType::Bytea {
                let hay = self.coerce_implicit(hay, SqlType::Bytea, span)?;
                let needle = self.coerce_implicit(needle, SqlType::Bytea, span)?;
                return Ok(Expr::Func {
                    func: Func::Lib(crate::builtins::LibFn::ByteaPosition),
                    args: vec![hay, needle],
                    ty: SqlType::Int4.plain(),
                });
            }
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
    pub(super) fn bind_arm_20(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
    pub(super) fn bind_arm_21(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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

    pub(super) fn next_id(&mut self) -> usize {
        self.next_subquery += 1;
        self.next_subquery
    }

    pub(super) fn bind_subquery(
        &mut self,
        q: &ast::Query,
        scope: &Scope,
    ) -> SqlResult<(QueryPlan, bool)> {
        let before = self.outer_refs;
        let saved_agg = self.agg.take();
        let saved_in_arg = self.in_agg_arg;
        let saved_in_win = self.in_win_arg;
        self.in_agg_arg = false;
        self.in_win_arg = false;
        self.outer.push(scope.clone());
        let r = self.bind_query(q);
        self.outer.pop();
        self.agg = saved_agg;
        self.in_agg_arg = saved_in_arg;
        self.in_win_arg = saved_in_win;
        Ok((r?, self.outer_refs > before))
    }

    pub(super) fn explicit_cast(&mut self, x: Expr, to: ColType, span: Span) -> SqlResult<Expr> {
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

    pub(super) fn coerce_text(&mut self, x: Expr, span: Span, fname: &str) -> SqlResult<Expr> {
        let t = x.ty().ty;
        if matches!(
            t,
            SqlType::Text | SqlType::Varchar | SqlType::Unknown | SqlType::Bpchar | SqlType::Name
        ) {
            return self.coerce_implicit(x, SqlType::Text, span);
        }
        self.err_at(
            SqlError::undefined_function(&format!("{fname}({})", t.display_name())),
            span,
        )
    }

    pub(super) fn bind_value(
        &mut self,
        v: &ast::Value,
        negate: bool,
        span: Span,
    ) -> SqlResult<Expr> {
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
            V::HexStringLiteral(digits) => Expr::Const(
                Datum::Bits(
                    crate::bit_string::BitString::parse_hex(digits)
                        .map_err(|e| e.at(self.pos(span)))?,
                ),
                SqlType::Bit.plain(),
            ),
            V::SingleQuotedByteStringLiteral(digits) => Expr::Const(
                Datum::Bits(
                    crate::bit_string::BitString::parse_binary(digits)
                        .map_err(|e| e.at(self.pos(span)))?,
                ),
                SqlType::Bit.plain(),
            ),
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
    pub(super) fn unify(
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
    pub(super) fn op_pos(&self, (left, right): (Span, Span), sym: &str) -> Option<u32> {
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

    pub(super) fn make_binary(
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
            let bits = bit_string_ops::is_bit_string;
            if (bits(lt) || bits(rt))
                && (bits(lt) || lt == SqlType::Unknown)
                && (bits(rt) || rt == SqlType::Unknown)
            {
                let func = crate::builtins::LibFn::BitStringConcat;
                return self.bit_string_binary(func, l, r, (ls, rs), op_pos, sym);
            }
            if matches!(lt, SqlType::Array(_)) || matches!(rt, SqlType::Array(_)) {
                if let Some(x) = self.bind_array_concat(l, r, (ls, rs), op_pos)? {
                    return Ok(x);
                }
                return Err(SqlError::internal("array concatenation dispatch"));
            }
            // bytea || bytea, an unknown literal on either side taken as bytea.
            let bytea_or_unknown = |t: SqlType| t == SqlType::Bytea || t == SqlType::Unknown;
            if (lt == SqlType::Bytea || rt == SqlType::Bytea)
                && bytea_or_unknown(lt)
                && bytea_or_unknown(rt)
            {
                return Ok(Expr::Func {
                    func: Func::Lib(crate::builtins::LibFn::ByteaConcat),
                    args: vec![
                        self.coerce_implicit(l, SqlType::Bytea, ls)?,
                        self.coerce_implicit(r, SqlType::Bytea, rs)?,
                    ],
                    ty: SqlType::Bytea.plain(),
                });
            }
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
        if crate::geometry::is_geometric(lt) || crate::geometry::is_geometric(rt) {
            return self.geometry_binary(BinaryOperands {
                op,
                l,
                r,
                spans: (ls, rs),
                sym,
                op_pos,
            });
        }
        if (lt == SqlType::Money || rt == SqlType::Money) && !op.is_comparison() {
            return self.money_arith(BinaryOperands {
                op,
                l,
                r,
                spans: (ls, rs),
                sym,
                op_pos,
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
        if lt == SqlType::PgLsn || rt == SqlType::PgLsn {
            return self.pg_lsn_arith(BinaryOperands {
                op,
                l,
                r,
                spans: (ls, rs),
                sym,
                op_pos,
            });
        }
        // date ± integer, date - date, interval and time arithmetic.
        let dt = |t: SqlType| {
            matches!(
                t.category(),
                Category::DateTime | Category::Timespan | Category::Time
            )
        };
        if dt(lt) || dt(rt) {
            return self.datetime_arith(BinaryOperands {
                op,
                l,
                r,
                spans: (ls, rs),
                sym,
                op_pos,
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

    /// Date arithmetic: `date + int`, `int + date`, `date - int`, `date - date`.
    /// Timestamp arithmetic needs intervals, which are not supported yet.
    pub(super) fn datetime_arith(&mut self, operands: BinaryOperands<'_>) -> SqlResult<Expr> {
        let (op, mut l, mut r) = (operands.op, operands.l, operands.r);
        let ((ls, rs), sym, op_pos) = (operands.spans, operands.sym, operands.op_pos);
        // An untyped literal next to an interval is an interval.
        if l.ty().ty == SqlType::Unknown && r.ty().ty == SqlType::Interval {
            l = self.coerce_implicit(l, SqlType::Interval, ls)?;
        }
        if r.ty().ty == SqlType::Unknown
            && (l.ty().ty == SqlType::Interval || (l.ty().ty == SqlType::Time && op == BinOp::Add))
        {
            r = self.coerce_implicit(r, SqlType::Interval, rs)?;
        }
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let iv = SqlType::Interval.plain();
        let func = |func: Func, args: Vec<Expr>, ty: SqlType| {
            Ok(Expr::Func {
                func,
                args,
                ty: ty.plain(),
            })
        };
        let neg = |e: Expr| Expr::Neg(Box::new(e), iv);
        let ts =
            |t: SqlType| matches!(t, SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz);
        let num = |t: SqlType| t.category() == Category::Numeric || t == SqlType::Unknown;
        match (op, lt, rt) {
            (BinOp::Add, SqlType::Interval, SqlType::Interval) => {
                return func(Func::IntervalAdd, vec![l, r], SqlType::Interval)
            }
            (BinOp::Sub, SqlType::Interval, SqlType::Interval) => {
                return func(Func::IntervalAdd, vec![l, neg(r)], SqlType::Interval)
            }
            (BinOp::Add | BinOp::Sub, t, SqlType::Interval) if ts(t) => {
                let out = if t == SqlType::TimestampTz {
                    SqlType::TimestampTz
                } else {
                    SqlType::Timestamp
                };
                let l = self.coerce_implicit(l, out, ls)?;
                let r = if op == BinOp::Sub { neg(r) } else { r };
                return func(Func::TsAddInterval, vec![l, r], out);
            }
            (BinOp::Add, SqlType::Interval, t) if ts(t) => {
                let out = if t == SqlType::TimestampTz {
                    SqlType::TimestampTz
                } else {
                    SqlType::Timestamp
                };
                let r = self.coerce_implicit(r, out, rs)?;
                return func(Func::TsAddInterval, vec![r, l], out);
            }
            (BinOp::Sub, SqlType::Timestamp | SqlType::TimestampTz, t)
            | (BinOp::Sub, t, SqlType::Timestamp | SqlType::TimestampTz)
                if ts(t) || t == SqlType::Unknown =>
            {
                let (l, r, _) = self.unify(l, r, (ls, rs), sym)?;
                return func(Func::TsDiff, vec![l, r], SqlType::Interval);
            }
            (BinOp::Add | BinOp::Sub, SqlType::Time, SqlType::Interval) => {
                let r = if op == BinOp::Sub { neg(r) } else { r };
                return func(Func::TimeAddInterval, vec![l, r], SqlType::Time);
            }
            (BinOp::Add, SqlType::Interval, SqlType::Time) => {
                return func(Func::TimeAddInterval, vec![r, l], SqlType::Time)
            }
            (BinOp::Sub, SqlType::Time, SqlType::Time | SqlType::Unknown) => {
                let r = self.coerce_implicit(r, SqlType::Time, rs)?;
                return func(Func::TimeDiff, vec![l, r], SqlType::Interval);
            }
            (BinOp::Add, SqlType::Date, SqlType::Time) => {
                return func(Func::DateAddTime, vec![l, r], SqlType::Timestamp)
            }
            (BinOp::Add, SqlType::Time, SqlType::Date) => {
                return func(Func::DateAddTime, vec![r, l], SqlType::Timestamp)
            }
            (BinOp::Mul | BinOp::Div, SqlType::Interval, t) if num(t) => {
                let r = self.coerce_implicit(r, SqlType::Float8, rs)?;
                let f = if op == BinOp::Mul {
                    Func::IntervalMul
                } else {
                    Func::IntervalDiv
                };
                return func(f, vec![l, r], SqlType::Interval);
            }
            (BinOp::Mul, t, SqlType::Interval) if num(t) => {
                let l = self.coerce_implicit(l, SqlType::Float8, ls)?;
                return func(Func::IntervalMul, vec![r, l], SqlType::Interval);
            }
            _ => {}
        }
        if matches!(lt, SqlType::Interval | SqlType::Time)
            || matches!(rt, SqlType::Interval | SqlType::Time)
        {
            return Err(no_operator(sym, Some(lt), rt).at(op_pos));
        }
        let int = |t: SqlType| {
            matches!(
                t,
                SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Unknown
            )
        };
        match (op, lt, rt) {
            (BinOp::Add | BinOp::Sub, SqlType::Date, t) if int(t) => {
                let r = self.coerce_implicit(r, SqlType::Int8, rs)?;
                let r = if op == BinOp::Sub {
                    Expr::Neg(Box::new(r), SqlType::Int8.plain())
                } else {
                    r
                };
                Ok(Expr::Func {
                    func: Func::DateAddDays,
                    args: vec![l, r],
                    ty: SqlType::Date.plain(),
                })
            }
            (BinOp::Add, t, SqlType::Date) if int(t) => {
                let l = self.coerce_implicit(l, SqlType::Int8, ls)?;
                Ok(Expr::Func {
                    func: Func::DateAddDays,
                    args: vec![r, l],
                    ty: SqlType::Date.plain(),
                })
            }
            (BinOp::Sub, SqlType::Date, SqlType::Date | SqlType::Unknown) => {
                let r = self.coerce_implicit(r, SqlType::Date, rs)?;
                Ok(Expr::Func {
                    func: Func::DateDiff,
                    args: vec![l, r],
                    ty: SqlType::Int4.plain(),
                })
            }
            (BinOp::Sub, SqlType::Timestamp | SqlType::TimestampTz, _)
            | (_, _, SqlType::Timestamp | SqlType::TimestampTz)
                if rt.category() == Category::DateTime || lt.category() == Category::DateTime =>
            {
                Err(SqlError::unsupported("interval arithmetic").at(op_pos))
            }
            _ => Err(no_operator(sym, Some(lt), rt).at(op_pos)),
        }
    }
}
