//! Set-returning functions in a SELECT list (`select unnest(a), x from t`):
//! a call binds to a placeholder column (`SRF_BASE + i`) that `bind_select`
//! remaps once it puts the `Plan::ProjectSet` under the projection.
//! Elsewhere (WHERE, JOIN conditions, aggregate or window arguments) such a
//! call is an error, with PostgreSQL's messages.

use super::*;

/// Placeholder column offsets of set-returning calls, above `WINDOW_BASE`'s range.
pub(super) const SRF_BASE: usize = 1 << 44;

impl Binder<'_> {
    /// Binds `name(...)` if it is a set-returning function (None otherwise).
    pub(super) fn bind_srf_call(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        self.bind_srf_field(name, f, 0, scope, span)
    }

    /// `(r).field`: the x and n of `information_schema._pg_expandarray`'s
    /// (x, n) records, straight from the call when `r` is one (typed like
    /// the array's elements), else from a record carried as text through a
    /// subquery column (`pg_catalog::expanded_record`); PostgreSQL's errors
    /// for other fields and for non-records. None when `chain` is not one
    /// field name.
    pub(super) fn bind_record_field(
        &mut self,
        root: &ast::Expr,
        chain: &[ast::AccessExpr],
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let [ast::AccessExpr::Dot(ast::Expr::Identifier(field))] = chain else {
            return Ok(None);
        };
        let name = ident_name(field);
        let field = match name.as_str() {
            "x" => 1,
            "n" => 2,
            _ => 0,
        };
        let no_such_field = || {
            SqlError::new(
                "42703",
                format!("could not identify column \"{name}\" in record data type"),
            )
        };
        let mut inner = root;
        while let ast::Expr::Nested(e) = inner {
            inner = e;
        }
        if let ast::Expr::Function(f) = inner {
            let called = f.name.0.last().and_then(|p| p.as_ident()).map(ident_name);
            if called.as_deref() == Some("_pg_expandarray") && f.name.0.len() <= 2 {
                if field == 0 {
                    return self.err_at(no_such_field(), span);
                }
                return self.bind_srf_field("_pg_expandarray", f, field, scope, span);
            }
        }
        let record = self.bind_expr(inner, scope)?;
        if let SqlType::Composite(_) = record.ty().ty {
            return self.select_field(record, &name, span).map(Some);
        }
        let Some(elem) = crate::pg_catalog::expanded_record_elem(record.ty()) else {
            return self.err_at(
                SqlError::new(
                    "42809",
                    format!(
                        "column notation .{name} applied to type {}, which is not a composite type",
                        record.ty().ty.display_name()
                    ),
                ),
                span,
            );
        };
        if field == 0 {
            return self.err_at(no_such_field(), span);
        }
        let text = Expr::Func {
            func: Func::Sys(crate::pg_catalog::SysFn::RecordField),
            args: vec![
                record,
                Expr::Const(Datum::Int4(field), SqlType::Int4.plain()),
            ],
            ty: SqlType::Text.plain(),
        };
        let to = if field == 1 { elem } else { SqlType::Int4 };
        self.explicit_cast(text, to.plain(), span).map(Some)
    }

    /// A set-returning call; `field` picks `_pg_expandarray`'s record (0) or
    /// one of its fields (1 = x, 2 = n).
    fn bind_srf_field(
        &mut self,
        name: &str,
        f: &ast::Function,
        field: i32,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let func = match name {
            "unnest" => SrfFunc::Unnest,
            "generate_series" => SrfFunc::GenerateSeries,
            "generate_subscripts" => SrfFunc::GenerateSubscripts,
            "_pg_expandarray" => SrfFunc::ExpandArray,
            "regexp_matches" => SrfFunc::RegexpMatches,
            "regexp_split_to_table" => SrfFunc::RegexpSplitToTable,
            // The catalog is fixed for a statement: the unnest of the
            // argument's ancestor list, looked up at bind time.
            "pg_partition_ancestors" => SrfFunc::Unnest,
            _ => match crate::json_srf::JsonSrf::by_name(name) {
                Some(f) => SrfFunc::Json(f),
                None => return Ok(None),
            },
        };
        if self.in_agg_arg {
            return self.err_at(
                SqlError::new(
                    "0A000",
                    "aggregate function calls cannot contain set-returning function calls",
                )
                .with_hint("You might be able to move the set-returning function into a LATERAL FROM item."),
                span,
            );
        }
        if self.in_win_arg {
            return self.err_at(
                SqlError::new(
                    "0A000",
                    "window function calls cannot contain set-returning function calls",
                ),
                span,
            );
        }
        if self.srf.is_none() {
            let msg = if self.win_clause.is_empty() {
                "set-returning functions are not allowed here".to_string()
            } else {
                format!(
                    "set-returning functions are not allowed in {}",
                    self.win_clause
                )
            };
            return self.err_at(SqlError::new("0A000", msg), span);
        }
        let mut args = Vec::new();
        for a in function_args(f) {
            match a {
                FnArg::Expr(e) => args.push((self.bind_expr(e, scope)?, e.span())),
                FnArg::Star => {
                    return self.err_at(SqlError::syntax("syntax error at or near \"*\""), span)
                }
            }
        }
        let sig = || {
            format!(
                "{name}({})",
                args.iter()
                    .map(|(e, _)| e.ty().ty.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let (args, ty) = match func {
            SrfFunc::Ordinality => {
                return Err(SqlError::internal("ordinality is not callable by name"))
            }
            SrfFunc::ExpandArray => {
                let [(a, _)] = <[_; 1]>::try_from(args.clone())
                    .map_err(|_| SqlError::undefined_function(&sig()).at(self.pos(span)))?;
                let elem = match a.ty().ty {
                    SqlType::Array(elem) => elem.ty(),
                    SqlType::Int2Vector => SqlType::Int2,
                    _ => return self.err_at(SqlError::undefined_function(&sig()), span),
                };
                let ty = match field {
                    1 => elem.plain(),
                    2 => SqlType::Int4.plain(),
                    _ => crate::pg_catalog::expanded_record_type(elem),
                };
                let field = Expr::Const(Datum::Int4(field), SqlType::Int4.plain());
                (vec![a, field], ty)
            }
            SrfFunc::Json(json_fn) => {
                let [(a, a_span)] = <[_; 1]>::try_from(args.clone())
                    .map_err(|_| SqlError::undefined_function(&sig()).at(self.pos(span)))?;
                let (doc, ty) = json_fn.types();
                (vec![self.coerce_implicit(a, doc, a_span)?], ty.plain())
            }
            SrfFunc::RegexpMatches | SrfFunc::RegexpSplitToTable => {
                if !(2..=3).contains(&args.len()) {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                }
                let mut bound = Vec::new();
                for (e, s) in args {
                    bound.push(self.coerce_text(e, s, name)?);
                }
                if bound.len() == 2 {
                    bound.push(Expr::Const(
                        Datum::Text(String::new()),
                        SqlType::Text.plain(),
                    ));
                }
                let ty = if func == SrfFunc::RegexpMatches {
                    SqlType::Array(crate::types::Elem::Text)
                } else {
                    SqlType::Text
                };
                (bound, ty.plain())
            }
            SrfFunc::Unnest if name == "pg_partition_ancestors" => {
                let [(a, a_span)] = <[_; 1]>::try_from(args.clone())
                    .map_err(|_| SqlError::undefined_function(&sig()).at(self.pos(span)))?;
                // The regclass argument: an oid, or a relation name.
                let a = match a.ty().ty {
                    SqlType::Text | SqlType::Varchar | SqlType::Unknown => {
                        self.regclass_of_text(a, a_span)?
                    }
                    _ => a,
                };
                let list =
                    self.lookup_case(a, crate::pg_catalog::Lookup::PartitionAncestors, a_span)?;
                let oids = SqlType::Array(crate::types::Elem::Oid).plain();
                (
                    vec![self.explicit_cast(list, oids, a_span)?],
                    SqlType::Oid.plain(),
                )
            }
            SrfFunc::Unnest => {
                let [(a, _)] = <[_; 1]>::try_from(args.clone())
                    .map_err(|_| SqlError::undefined_function(&sig()).at(self.pos(span)))?;
                let elem = match a.ty().ty {
                    SqlType::Array(elem) => elem.ty(),
                    SqlType::Int2Vector => SqlType::Int2,
                    _ => return self.err_at(SqlError::undefined_function(&sig()), span),
                };
                (vec![a], elem.plain())
            }
            SrfFunc::GenerateSubscripts => {
                if !(2..=3).contains(&args.len())
                    || !matches!(args[0].0.ty().ty, SqlType::Array(_) | SqlType::Int2Vector)
                {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                }
                let mut bound = vec![args[0].0.clone()];
                let (dim, dim_span) = args[1].clone();
                bound.push(self.coerce_implicit(dim, SqlType::Int4, dim_span)?);
                match args.get(2).cloned() {
                    Some((rev, rev_span)) => {
                        bound.push(self.coerce_implicit(rev, SqlType::Bool, rev_span)?)
                    }
                    None => bound.push(Expr::Const(Datum::Bool(false), SqlType::Bool.plain())),
                }
                // An int2vector's subscripts start at 0, an array's at 1.
                let from_zero = args[0].0.ty().ty == SqlType::Int2Vector;
                bound.push(Expr::Const(Datum::Bool(from_zero), SqlType::Bool.plain()));
                (bound, SqlType::Int4.plain())
            }
            SrfFunc::GenerateSeries => {
                if !(2..=3).contains(&args.len()) {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                }
                let types: Vec<SqlType> = args.iter().map(|(e, _)| e.ty().ty).collect();
                let Some((ty, arg_types)) = crate::series::signature(&types) else {
                    return self.err_at(SqlError::undefined_function(&sig()), span);
                };
                let mut bound = Vec::new();
                for ((e, s), to) in args.into_iter().zip(arg_types) {
                    bound.push(self.coerce_implicit(e, to, s)?);
                }
                (bound, ty.plain())
            }
        };
        let call = SrfCall { func, args, ty };
        let calls = self
            .srf
            .as_mut()
            .ok_or_else(|| SqlError::internal("set-returning call outside a SELECT list"))?;
        // Equal calls yield equal rows in lockstep: one evaluation serves both.
        let i = match calls.iter().position(|c| *c == call) {
            Some(i) => i,
            None => {
                calls.push(call);
                calls.len() - 1
            }
        };
        Ok(Some(Expr::Column(SRF_BASE + i, ty)))
    }
}

fn is_srf_call(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Function(f) if f.over.is_none() => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident_name)
            .is_some_and(|n| {
                matches!(
                    n.as_str(),
                    "unnest"
                        | "generate_series"
                        | "generate_subscripts"
                        | "_pg_expandarray"
                        | "regexp_matches"
                        | "regexp_split_to_table"
                        | "pg_partition_ancestors"
                ) || crate::json_srf::JsonSrf::by_name(&n).is_some()
            }),
        _ => false,
    }
}

/// The direct subexpressions of an expression (not looking into subqueries).
pub(super) fn children(e: &ast::Expr) -> Vec<&ast::Expr> {
    use ast::Expr as E;
    match e {
        E::BinaryOp { left, right, .. } => vec![left, right],
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
        | E::In { expr, .. } => vec![expr],
        E::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        E::Like { expr, pattern, .. }
        | E::ILike { expr, pattern, .. }
        | E::SimilarTo { expr, pattern, .. } => vec![expr, pattern],
        E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => vec![a, b],
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => operand
            .as_deref()
            .into_iter()
            .chain(conditions.iter().flat_map(|w| [&w.condition, &w.result]))
            .chain(else_result.as_deref())
            .collect(),
        E::Function(f) => function_args(f)
            .into_iter()
            .filter_map(|a| match a {
                FnArg::Expr(x) => Some(x),
                FnArg::Star => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// The first set-returning call in `e`, if any.
fn find_srf(e: &ast::Expr) -> Option<&ast::Expr> {
    if is_srf_call(e) {
        return Some(e);
    }
    children(e).into_iter().find_map(find_srf)
}

impl Binder<'_> {
    /// PostgreSQL evaluates set-returning calls before the expression around
    /// them, so it refuses them where only some rows would run them: inside
    /// CASE and COALESCE.
    pub(super) fn check_srf_placement(&self, e: &ast::Expr) -> SqlResult<()> {
        let conditional = match e {
            ast::Expr::Case { .. } => Some("CASE"),
            ast::Expr::Function(f)
                if f.name.0.len() == 1
                    && f.name.0[0]
                        .as_ident()
                        .is_some_and(|i| ident_name(i) == "coalesce") =>
            {
                Some("COALESCE")
            }
            _ => None,
        };
        if let Some(what) = conditional {
            if let Some(srf) = children(e).into_iter().find_map(find_srf) {
                return self.err_at(
                    SqlError::new(
                        "0A000",
                        format!("set-returning functions are not allowed in {what}"),
                    )
                    .with_hint("You might be able to move the set-returning function into a LATERAL FROM item."),
                    srf.span(),
                );
            }
        }
        for c in children(e) {
            self.check_srf_placement(c)?;
        }
        Ok(())
    }
}
