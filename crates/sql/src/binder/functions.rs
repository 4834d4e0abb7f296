//! Binding of function calls: scalar functions with PostgreSQL's argument
//! resolution and result types, and aggregates (count, sum, avg, min, max,
//! bool_and/or, string_agg) with DISTINCT and FILTER.

use super::*;

mod builtins;

impl<'a> Binder<'a> {
    pub(super) fn numeric_or_float_fn(
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

    pub(super) fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
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
            // pgjdbc's key and index metadata queries call it qualified.
            [s, p]
                if s.as_ident()
                    .is_some_and(|s| ident_name(s) == "information_schema")
                    && p.as_ident()
                        .is_some_and(|p| ident_name(p) == "_pg_expandarray") =>
            {
                p.as_ident().map(ident_name)
            }
            _ => None,
        }
        .ok_or_else(|| SqlError::unsupported("qualified function names").at(self.pos(span)))?;
        if let Some(call) = json_fns::row_star_call(&name, f) {
            return self.bind_function(&call, scope, span);
        }
        if !self.is_user_function(&name) {
            match super::builtin_params::positional_call(&name, f) {
                Ok(Some(call)) => return self.bind_function(&call, scope, span),
                Ok(None) => {}
                Err(e) => return Err(self.named_call_error(&name, f, e, scope, span)),
            }
        }
        let distinct = matches!(&f.args, ast::FunctionArguments::List(l) if matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)));
        if let Some(x) = self.bind_variadic_call(&name, f, scope, span)? {
            return Ok(x);
        }
        let raw = function_args(f);
        if let Some(over) = &f.over {
            return self.bind_window_call(&name, f, over, &raw, distinct, scope, span);
        }
        if WINDOW_FUNCTIONS.contains(&name.as_str()) {
            return self.err_at(
                SqlError::new(
                    "42809",
                    format!("window function {name} requires an OVER clause"),
                ),
                span,
            );
        }
        if AGGREGATES.contains(&name.as_str()) {
            let order: &[ast::OrderByExpr] = match &f.args {
                ast::FunctionArguments::List(l) => l
                    .clauses
                    .iter()
                    .find_map(|c| match c {
                        ast::FunctionArgumentClause::OrderBy(keys) => Some(keys.as_slice()),
                        _ => None,
                    })
                    .unwrap_or(&[]),
                _ => &[],
            };
            return self.bind_aggregate(
                &name,
                &raw,
                distinct,
                f.filter.as_deref(),
                order,
                scope,
                span,
            );
        }
        if f.filter.is_some() {
            return self.err_at(
                SqlError::syntax(format!(
                    "FILTER specified, but {name} is not an aggregate function"
                )),
                span,
            );
        }
        if let Some(x) = self.bind_array_function(&name, &raw, scope, span)? {
            return Ok(x);
        }
        if let Some(x) = self.bind_sys_function(&name, f, scope, span)? {
            return Ok(x);
        }
        if let Some(x) = self.bind_sequence_function(&name, &raw, scope, span)? {
            return Ok(x);
        }
        if let Some(x) = self.bind_role_function(&name, &raw) {
            return Ok(x);
        }
        if !KNOWN_FUNCTIONS.contains(&name.as_str())
            && !builtins::binds(&name)
            && self.is_user_function(&name)
        {
            return self.bind_user_function(&name, f, scope, span);
        }
        if !KNOWN_FUNCTIONS.contains(&name.as_str()) && !builtins::binds(&name) {
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
        if builtins::binds(&name) {
            if let Some(x) = self.bind_builtin(&name, &args, span)? {
                return Ok(x);
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
            "length" | "char_length" | "character_length" | "octet_length" | "bit_length" => {
                arity!(n == 1);
                let t = args[0].ty().ty;
                let bits = super::bit_string_ops::is_bit_string(t);
                if matches!(name.as_str(), "length" | "bit_length") && bits {
                    return Ok(Expr::Func {
                        func: Func::Lib(crate::builtins::LibFn::BitStringLength),
                        args: vec![args.remove(0)],
                        ty: SqlType::Int4.plain(),
                    });
                }
                let bytea = t == SqlType::Bytea;
                if bytea && matches!(name.as_str(), "length" | "octet_length") {
                    return Ok(Expr::Func {
                        func: Func::Lib(crate::builtins::LibFn::ByteaLength),
                        args: vec![args.remove(0)],
                        ty: SqlType::Int4.plain(),
                    });
                }
                // bit_length has no character(n) form: the value becomes
                // text, trailing spaces dropped.
                let a = if (t == SqlType::Bpchar && name != "bit_length")
                    || (bytea && name == "bit_length")
                {
                    args.remove(0)
                } else {
                    self.coerce_text(args.remove(0), span, &name)?
                };
                if name == "bit_length" {
                    return Ok(Expr::Func {
                        func: Func::Lib(crate::builtins::LibFn::OctetBitLength),
                        args: vec![a],
                        ty: SqlType::Int4.plain(),
                    });
                }
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
            "now"
            | "current_timestamp"
            | "transaction_timestamp"
            | "statement_timestamp"
            | "clock_timestamp" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::Now,
                    args: vec![],
                    ty: SqlType::TimestampTz.plain(),
                });
            }
            "localtimestamp" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::LocalTimestamp,
                    args: vec![],
                    ty: SqlType::Timestamp.plain(),
                });
            }
            "current_date" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::CurrentDate,
                    args: vec![],
                    ty: SqlType::Date.plain(),
                });
            }
            "timezone" if n == 2 => {
                let zone = args.remove(0);
                return self.at_time_zone(zone, args.remove(0), span);
            }
            "date_part" => {
                arity!(n == 2);
                return self.date_part(args, span);
            }
            "make_date" | "make_timestamp" | "make_timestamptz" => {
                use crate::datetime_fns::DtFn;
                let i4 = SqlType::Int4;
                let (func, mut params, ty) = match name.as_str() {
                    "make_date" => (DtFn::MakeDate, vec![i4, i4, i4], SqlType::Date),
                    "make_timestamp" => (
                        DtFn::MakeTimestamp,
                        vec![i4, i4, i4, i4, i4, SqlType::Float8],
                        SqlType::Timestamp,
                    ),
                    _ => (
                        DtFn::MakeTimestampTz,
                        vec![i4, i4, i4, i4, i4, SqlType::Float8],
                        SqlType::TimestampTz,
                    ),
                };
                if func == DtFn::MakeTimestampTz && n == 7 {
                    params.push(SqlType::Text);
                }
                arity!(n == params.len());
                let args = args
                    .into_iter()
                    .zip(params)
                    .map(|(a, p)| self.coerce_implicit(a, p, span))
                    .collect::<SqlResult<Vec<_>>>()?;
                return Ok(Expr::Func {
                    func: Func::DateTime(func),
                    args,
                    ty: ty.plain(),
                });
            }
            "to_timestamp" => {
                arity!(n == 1);
                let x = self.coerce_implicit(args.remove(0), SqlType::Float8, span)?;
                return Ok(Expr::Func {
                    func: Func::DateTime(crate::datetime_fns::DtFn::ToTimestamp),
                    args: vec![x],
                    ty: SqlType::TimestampTz.plain(),
                });
            }
            "age" => {
                arity!(n == 1 || n == 2);
                let tys: Vec<SqlType> = args.iter().map(|a| a.ty().ty).collect();
                let t = if tys.contains(&SqlType::TimestampTz) {
                    SqlType::TimestampTz
                } else if tys
                    .iter()
                    .any(|t| matches!(t, SqlType::Timestamp | SqlType::Date))
                {
                    SqlType::Timestamp
                } else {
                    SqlType::TimestampTz
                };
                let args = args
                    .into_iter()
                    .map(|a| self.coerce_implicit(a, t, span))
                    .collect::<SqlResult<Vec<_>>>()?;
                return Ok(Expr::Func {
                    func: Func::DateTime(crate::datetime_fns::DtFn::Age),
                    args,
                    ty: SqlType::Interval.plain(),
                });
            }
            "date_trunc" => {
                arity!(n == 2);
                let unit = self.coerce_text(args.remove(0), span, &name)?;
                let v = args.remove(0);
                let t = match v.ty().ty {
                    SqlType::TimestampTz => SqlType::TimestampTz,
                    SqlType::Date | SqlType::Timestamp | SqlType::Unknown => SqlType::Timestamp,
                    other => {
                        return self.err_at(
                            SqlError::undefined_function(&format!(
                                "date_trunc(text, {})",
                                other.display_name()
                            )),
                            span,
                        )
                    }
                };
                let v = self.coerce_implicit(v, t, span)?;
                return Ok(Expr::Func {
                    func: Func::DateTrunc,
                    args: vec![unit, v],
                    ty: t.plain(),
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
            "pg_current_xact_id" | "txid_current" => {
                arity!(n == 0);
                return Ok(Expr::Func {
                    func: Func::CurrentXactId,
                    args: vec![],
                    ty: SqlType::Int8.plain(),
                });
            }
            "current_database" => {
                arity!(n == 0);
                return Ok(Expr::Const(
                    Datum::Text(self.catalog.search_path.database.clone()),
                    text,
                ));
            }
            "current_schema" => {
                arity!(n == 0);
                return Ok(Expr::Const(
                    self.catalog
                        .current_schema()
                        .map(Datum::Text)
                        .unwrap_or(Datum::Null),
                    SqlType::Text.plain(),
                ));
            }
            "cardinality" | "array_length" => {
                let is_len = name == "array_length";
                arity!(n == if is_len { 2 } else { 1 });
                arity!(matches!(args[0].ty().ty, SqlType::Array(_)));
                if is_len {
                    let d = args.pop().unwrap_or(Expr::Const(Datum::Null, text));
                    let d = self.coerce_implicit(d, SqlType::Int4, span)?;
                    args.push(d);
                }
                return Ok(Expr::Func {
                    func: if is_len {
                        Func::ArrayLength
                    } else {
                        Func::Cardinality
                    },
                    args,
                    ty: SqlType::Int4.plain(),
                });
            }
            _ => return self.err_at(SqlError::undefined_function(&sig()), span),
        };
        arity!(n == 1);
        self.numeric_or_float_fn(func, args, span)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_aggregate(
        &mut self,
        name: &str,
        raw: &[FnArg],
        distinct: bool,
        filter: Option<&ast::Expr>,
        order: &[ast::OrderByExpr],
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
            let msg = if self.win_clause.is_empty() {
                "aggregate functions are not allowed here".to_string()
            } else {
                format!("aggregate functions are not allowed in {}", self.win_clause)
            };
            return self.err_at(SqlError::new("42803", msg), span);
        }
        self.in_agg_arg = true;
        let mut args = Vec::new();
        let mut star = false;
        let json_agg = json_fns::JSON_AGGREGATES.contains(&name);
        for (position, a) in raw.iter().enumerate() {
            match a {
                FnArg::Expr(e) if json_agg => {
                    match self.bind_json_agg_arg(name, position, e, scope, span) {
                        Ok(x) => args.push(x),
                        Err(err) => {
                            self.in_agg_arg = false;
                            return Err(err);
                        }
                    }
                }
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
        let mut order_by = Vec::with_capacity(order.len());
        for ob in order {
            let desc = matches!(ob.options.sort, Some(ast::OrderBySort::Desc));
            match self.bind_expr(&ob.expr, scope) {
                Ok(expr) => order_by.push(SortKey {
                    expr,
                    desc,
                    nulls_first: ob.options.nulls_first.unwrap_or(desc),
                }),
                Err(err) => {
                    self.in_agg_arg = false;
                    return Err(err);
                }
            }
        }
        self.in_agg_arg = false;
        let filter = match filter {
            Some(x) => Some(self.coerce_bool(x, "FILTER", span)?),
            None => None,
        };
        let (func, ty, args) = self.resolve_aggregate(name, args, star, span)?;
        if distinct {
            for (a, r) in args.iter().zip(raw.iter()) {
                if let Err(e) = geo_money_ops::check_equality_operator(a.ty().ty) {
                    return match r {
                        FnArg::Expr(x) => self.err_at(e, start_span(x)),
                        FnArg::Star => Err(e),
                    };
                }
            }
        }
        let call = AggCall {
            func,
            args,
            distinct,
            ty,
            filter,
            order_by,
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

    /// Picks the aggregate for a name and bound arguments: its function, result
    /// type and (coerced) arguments.
    pub(super) fn resolve_aggregate(
        &mut self,
        name: &str,
        mut args: Vec<Expr>,
        star: bool,
        span: Span,
    ) -> SqlResult<(AggFunc, ColType, Vec<Expr>)> {
        if !star {
            if let Some((json, ty)) = self.resolve_json_aggregate(name, &mut args, span)? {
                return Ok((AggFunc::Json(json), ty, args));
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
                    SqlType::Money => SqlType::Money,
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
            (
                "variance" | "var_samp" | "var_pop" | "stddev" | "stddev_samp" | "stddev_pop",
                1,
                false,
            ) => {
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
                let func = match name {
                    "variance" | "var_samp" => AggFunc::VarSamp,
                    "var_pop" => AggFunc::VarPop,
                    "stddev" | "stddev_samp" => AggFunc::StddevSamp,
                    _ => AggFunc::StddevPop,
                };
                (func, rt.plain())
            }
            ("array_agg", 1, false) => {
                let t0 = args[0].ty().ty;
                let t = if t0 == SqlType::Unknown {
                    SqlType::Text
                } else {
                    t0
                };
                if t0 == SqlType::Unknown {
                    let a = take_first(&mut args);
                    args[0] = self.coerce_implicit(a, SqlType::Text, span)?;
                }
                let Some(e) = types::Elem::of(t) else {
                    return self.err_at(
                        SqlError::unsupported(format!("array_agg({})", t.display_name())),
                        span,
                    );
                };
                (AggFunc::ArrayAgg, SqlType::Array(e).plain())
            }
            ("string_agg", 2, false) => {
                let d = args
                    .pop()
                    .unwrap_or(Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                let v = args
                    .pop()
                    .unwrap_or(Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                // string_agg(bytea, bytea) when the value is bytea; an
                // unknown-typed value resolves to text, as in PostgreSQL.
                if v.ty().ty == SqlType::Bytea {
                    args = vec![v, self.coerce_implicit(d, SqlType::Bytea, span)?];
                    (AggFunc::ByteaStringAgg, SqlType::Bytea.plain())
                } else {
                    args = vec![
                        self.coerce_text(v, span, name)?,
                        self.coerce_text(d, span, name)?,
                    ];
                    (AggFunc::StringAgg, SqlType::Text.plain())
                }
            }
            _ => return self.err_at(SqlError::undefined_function(&sig()), span),
        };
        Ok((func, ty, args))
    }
}
