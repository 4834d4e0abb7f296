//! Binding of window function calls (`f(...) OVER (...)`): the window
//! (PARTITION BY, ORDER BY, frame, named windows) and the function. A call
//! binds to a placeholder column (`WINDOW_BASE + i`) that `bind_select`
//! remaps once the width of the Window node's input is known.

use super::*;

/// Placeholder column offsets of window calls, far above any real row width.
pub(super) const WINDOW_BASE: usize = 1 << 40;

impl<'a> Binder<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bind_window_call(
        &mut self,
        name: &str,
        f: &ast::Function,
        over: &ast::WindowType,
        raw: &[FnArg],
        distinct: bool,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        if self.in_agg_arg {
            return self.err_at(
                SqlError::new(
                    "42803",
                    "aggregate function calls cannot contain window function calls",
                ),
                span,
            );
        }
        if self.in_win_arg {
            return self.err_at(
                SqlError::new("42P20", "window function calls cannot be nested"),
                span,
            );
        }
        if self.win.is_none() {
            let msg = if self.win_clause.is_empty() {
                "window functions are not allowed here".to_string()
            } else {
                format!("window functions are not allowed in {}", self.win_clause)
            };
            return self.err_at(SqlError::new("42P20", msg), span);
        }
        let is_agg = AGGREGATES.contains(&name);
        if !is_agg && !WINDOW_FUNCTIONS.contains(&name) {
            if KNOWN_FUNCTIONS.contains(&name) {
                return self.err_at(
                    SqlError::new(
                        "42809",
                        format!("OVER specified, but {name} is not a window function nor an aggregate function"),
                    ),
                    span,
                );
            }
            return self.err_at(SqlError::undefined_function(&format!("{name}()")), span);
        }
        if distinct {
            return self.err_at(
                SqlError::new("0A000", "DISTINCT is not implemented for window functions"),
                span,
            );
        }
        if f.filter.is_some() && !is_agg {
            return self.err_at(
                SqlError::new(
                    "0A000",
                    "FILTER is not implemented for non-aggregate window functions",
                ),
                span,
            );
        }
        self.in_win_arg = true;
        let r = self.bind_window_parts(name, f, over, raw, is_agg, scope, span);
        self.in_win_arg = false;
        let call = r?;
        let ty = call.ty;
        let calls = self
            .win
            .as_mut()
            .ok_or_else(|| SqlError::internal("window state lost"))?;
        let idx = match calls.iter().position(|c| *c == call) {
            Some(i) => i,
            None => {
                calls.push(call);
                calls.len() - 1
            }
        };
        Ok(Expr::Column(WINDOW_BASE + idx, ty))
    }

    #[allow(clippy::too_many_arguments)]
    fn bind_window_parts(
        &mut self,
        name: &str,
        f: &ast::Function,
        over: &ast::WindowType,
        raw: &[FnArg],
        is_agg: bool,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<WindowCall> {
        let spec = self.resolve_window(over, span)?;
        let mut args = Vec::new();
        let mut star = false;
        for a in raw {
            match a {
                FnArg::Expr(e) => args.push(self.bind_expr(e, scope)?),
                FnArg::Star => star = true,
            }
        }
        let filter = match f.filter.as_deref() {
            None => None,
            Some(fe) => {
                let x = self.bind_expr(fe, scope)?;
                Some(self.coerce_bool(x, "FILTER", start_span(fe))?)
            }
        };
        let mut partition = Vec::new();
        for p in &spec.partition_by {
            partition.push(self.bind_expr(p, scope)?);
        }
        let mut order = Vec::new();
        for ob in &spec.order_by {
            let desc = matches!(ob.options.sort, Some(ast::OrderBySort::Desc));
            let mut e = self.bind_expr(&ob.expr, scope)?;
            if e.ty().ty == SqlType::Unknown {
                e = self.coerce_implicit(e, SqlType::Text, start_span(&ob.expr))?;
            }
            order.push(SortKey {
                expr: e,
                desc,
                nulls_first: ob.options.nulls_first.unwrap_or(desc),
            });
        }
        let frame = self.bind_frame(spec.window_frame.as_ref(), &order, scope, span)?;
        let sig = |args: &[Expr]| {
            format!(
                "{name}({})",
                args.iter()
                    .map(|a| a.ty().ty.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let int8 = SqlType::Int8.plain();
        let (func, ty) = if is_agg {
            let (func, ty, a) = self.resolve_aggregate(name, args, star, span)?;
            args = a;
            (WinFunc::Agg(func), ty)
        } else {
            if star {
                return self.err_at(SqlError::undefined_function(&format!("{name}(*)")), span);
            }
            match (name, args.len()) {
                ("row_number", 0) => (WinFunc::RowNumber, int8),
                ("rank", 0) => (WinFunc::Rank, int8),
                ("dense_rank", 0) => (WinFunc::DenseRank, int8),
                ("percent_rank", 0) => (WinFunc::PercentRank, SqlType::Float8.plain()),
                ("cume_dist", 0) => (WinFunc::CumeDist, SqlType::Float8.plain()),
                ("ntile", 1) => {
                    args[0] = self.int_arg(take_first(&mut args), name, span)?;
                    (WinFunc::Ntile, SqlType::Int4.plain())
                }
                ("first_value" | "last_value", 1) => {
                    if args[0].ty().ty == SqlType::Unknown {
                        args[0] =
                            self.coerce_implicit(take_first(&mut args), SqlType::Text, span)?;
                    }
                    let func = if name == "first_value" {
                        WinFunc::FirstValue
                    } else {
                        WinFunc::LastValue
                    };
                    (func, args[0].ty())
                }
                ("nth_value", 2) => {
                    if args[0].ty().ty == SqlType::Unknown {
                        args[0] =
                            self.coerce_implicit(take_first(&mut args), SqlType::Text, span)?;
                    }
                    let n = args.pop().unwrap_or(Expr::Const(Datum::Null, int8));
                    let n = self.int_arg(n, name, span)?;
                    args.push(n);
                    (WinFunc::NthValue, args[0].ty())
                }
                ("lag" | "lead", 1..=3) => {
                    let func = if name == "lag" {
                        WinFunc::Lag
                    } else {
                        WinFunc::Lead
                    };
                    let mut value = take_first(&mut args);
                    let mut ty = value.ty();
                    if args.len() == 3 {
                        let t =
                            common_type(&[value.ty().ty, args[2].ty().ty]).ok_or_else(|| {
                                SqlError::undefined_function(&sig(&args)).at(self.pos(span))
                            })?;
                        let d = std::mem::replace(&mut args[2], Expr::Const(Datum::Null, int8));
                        args[2] = self.coerce_implicit(d, t, span)?;
                        if t != ty.ty {
                            value = self.coerce_implicit(value, t, span)?;
                            ty = t.plain();
                        }
                    } else if ty.ty == SqlType::Unknown {
                        value = self.coerce_implicit(value, SqlType::Text, span)?;
                        ty = SqlType::Text.plain();
                    }
                    args[0] = value;
                    if args.len() >= 2 {
                        let o = std::mem::replace(&mut args[1], Expr::Const(Datum::Null, int8));
                        args[1] = self.int_arg(o, name, span)?;
                    }
                    (func, ty)
                }
                _ => return self.err_at(SqlError::undefined_function(&sig(&args)), span),
            }
        };
        Ok(WindowCall {
            func,
            args,
            filter,
            partition,
            order,
            frame,
            ty,
        })
    }

    /// An integer argument of a window function (int4 in PostgreSQL).
    fn int_arg(&mut self, e: Expr, name: &str, span: Span) -> SqlResult<Expr> {
        let t = e.ty().ty;
        match self.try_coerce(e, SqlType::Int4.plain(), CastContext::Implicit, span)? {
            Some(x) => Ok(x),
            None => self.err_at(
                SqlError::undefined_function(&format!("{name}(..., {})", t.display_name())),
                span,
            ),
        }
    }

    /// The window specification of an OVER clause, with named windows resolved.
    fn resolve_window(&self, over: &ast::WindowType, span: Span) -> SqlResult<ast::WindowSpec> {
        let lookup = |n: &ast::Ident| -> SqlResult<ast::WindowSpec> {
            let name = ident_name(n);
            self.named_windows
                .iter()
                .find(|(w, _)| *w == name)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| {
                    SqlError::new("42704", format!("window \"{name}\" does not exist"))
                        .at(self.pos(n.span))
                })
        };
        match over {
            ast::WindowType::NamedWindow(n) => lookup(n),
            ast::WindowType::WindowSpec(spec) => {
                let Some(base_name) = &spec.window_name else {
                    return Ok(spec.clone());
                };
                let base = lookup(base_name)?;
                let name = ident_name(base_name);
                if !spec.partition_by.is_empty() {
                    return self.err_at(
                        SqlError::new(
                            "42P20",
                            format!("cannot override PARTITION BY clause of window \"{name}\""),
                        ),
                        span,
                    );
                }
                if !spec.order_by.is_empty() && !base.order_by.is_empty() {
                    return self.err_at(
                        SqlError::new(
                            "42P20",
                            format!("cannot override ORDER BY clause of window \"{name}\""),
                        ),
                        span,
                    );
                }
                if base.window_frame.is_some() {
                    return self.err_at(
                        SqlError::new(
                            "42P20",
                            format!("cannot copy window \"{name}\" because it has a frame clause"),
                        ),
                        span,
                    );
                }
                Ok(ast::WindowSpec {
                    window_name: None,
                    partition_by: base.partition_by,
                    order_by: if spec.order_by.is_empty() {
                        base.order_by
                    } else {
                        spec.order_by.clone()
                    },
                    window_frame: spec.window_frame.clone(),
                })
            }
        }
    }

    fn bind_frame(
        &mut self,
        frame: Option<&ast::WindowFrame>,
        order: &[SortKey],
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Frame> {
        let Some(fr) = frame else {
            return Ok(Frame {
                units: FrameUnits::Range,
                start: FrameBound::UnboundedPreceding,
                end: FrameBound::CurrentRow,
            });
        };
        let units = match fr.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => FrameUnits::Groups,
        };
        let end = fr
            .end_bound
            .clone()
            .unwrap_or(ast::WindowFrameBound::CurrentRow);
        use ast::WindowFrameBound as B;
        let err = |m: &str| Err(SqlError::new("42P20", m.to_string()));
        match (&fr.start_bound, &end) {
            (B::Following(None), _) => return err("frame start cannot be UNBOUNDED FOLLOWING"),
            (_, B::Preceding(None)) => return err("frame end cannot be UNBOUNDED PRECEDING"),
            (B::CurrentRow, B::Preceding(Some(_))) => {
                return err("frame starting from current row cannot have preceding rows")
            }
            (B::Following(Some(_)), B::Preceding(_)) => {
                return err("frame starting from following row cannot have preceding rows")
            }
            (B::Following(Some(_)), B::CurrentRow) => {
                return err("frame starting from following row cannot have preceding rows")
            }
            _ => {}
        }
        let has_offset = |b: &B| matches!(b, B::Preceding(Some(_)) | B::Following(Some(_)));
        if units == FrameUnits::Range
            && (has_offset(&fr.start_bound) || has_offset(&end))
            && order.len() != 1
        {
            return self.err_at(
                SqlError::new(
                    "42P20",
                    "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                ),
                span,
            );
        }
        if units == FrameUnits::Groups && order.is_empty() {
            return self.err_at(
                SqlError::new("42P20", "GROUPS mode requires an ORDER BY clause"),
                span,
            );
        }
        let start = self.bind_bound(&fr.start_bound, units, order, scope)?;
        let end = self.bind_bound(&end, units, order, scope)?;
        Ok(Frame { units, start, end })
    }

    fn bind_bound(
        &mut self,
        b: &ast::WindowFrameBound,
        units: FrameUnits,
        order: &[SortKey],
        scope: &Scope,
    ) -> SqlResult<FrameBound> {
        use ast::WindowFrameBound as B;
        let (e, preceding) = match b {
            B::CurrentRow => return Ok(FrameBound::CurrentRow),
            B::Preceding(None) => return Ok(FrameBound::UnboundedPreceding),
            B::Following(None) => return Ok(FrameBound::UnboundedFollowing),
            B::Preceding(Some(e)) => (e, true),
            B::Following(Some(e)) => (e, false),
        };
        let what = match units {
            FrameUnits::Rows => "ROWS",
            FrameUnits::Range => "RANGE",
            FrameUnits::Groups => "GROUPS",
        };
        let off = self.bind_expr(e, scope)?;
        if !off.is_row_independent() {
            return self.err_at(
                SqlError::new(
                    "42P10",
                    format!("argument of {what} must not contain variables"),
                ),
                start_span(e),
            );
        }
        let (offset, bound) = if units == FrameUnits::Range {
            let key = &order[0];
            let kt = key.expr.ty().ty;
            let supported = kt.category() == crate::types::Category::Numeric;
            if !supported {
                return self.err_at(
                    SqlError::new(
                        "0A000",
                        format!(
                        "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {}",
                        kt.display_name()
                    ),
                    ),
                    start_span(e),
                );
            }
            let off = if off.ty().ty == SqlType::Unknown {
                self.coerce_implicit(off, kt, start_span(e))?
            } else {
                off
            };
            // Integer keys shift in numeric, so `key ± offset` cannot overflow.
            let (key_expr, off) = if matches!(kt, SqlType::Int2 | SqlType::Int4 | SqlType::Int8) {
                let k = self.coerce_implicit(key.expr.clone(), SqlType::Numeric, Span::empty())?;
                let o = if off.ty().ty.category() == Category::Numeric
                    && off.ty().ty != SqlType::Float4
                    && off.ty().ty != SqlType::Float8
                {
                    self.coerce_implicit(off, SqlType::Numeric, start_span(e))?
                } else {
                    off
                };
                (k, o)
            } else {
                (key.expr.clone(), off)
            };
            let op = if preceding != key.desc {
                BinOp::Sub
            } else {
                BinOp::Add
            };
            let sym = if op == BinOp::Sub { "-" } else { "+" };
            let bound = self.make_binary(
                op,
                key_expr,
                off.clone(),
                (Span::empty(), Span::empty()),
                sym,
            )?;
            (off, Some(bound))
        } else {
            let t = off.ty().ty;
            match self.try_coerce(
                off,
                SqlType::Int8.plain(),
                CastContext::Implicit,
                start_span(e),
            )? {
                Some(x) => (x, None),
                None => {
                    return self.err_at(
                        SqlError::datatype_mismatch(format!(
                            "argument of {what} must be type bigint, not type {}",
                            t.display_name()
                        )),
                        start_span(e),
                    )
                }
            }
        };
        Ok(if preceding {
            FrameBound::Preceding { offset, bound }
        } else {
            FrameBound::Following { offset, bound }
        })
    }
}
