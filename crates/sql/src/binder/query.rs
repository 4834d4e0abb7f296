//! Binding of queries: SELECT (FROM, WHERE, GROUP BY, HAVING, ORDER BY,
//! DISTINCT, LIMIT), set operations, VALUES, derived tables and WITH queries.

use super::*;

impl<'a> Binder<'a> {
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

    pub(super) fn bind_query_body(&mut self, q: &ast::Query) -> SqlResult<QueryPlan> {
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
    pub(super) fn output_ref(&self, e: &ast::Expr, cols: &[OutColumn]) -> SqlResult<Option<usize>> {
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

    pub(super) fn bind_set_expr(&mut self, s: &ast::SetExpr) -> SqlResult<QueryPlan> {
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

    pub(super) fn bind_values(&mut self, v: &ast::Values) -> SqlResult<QueryPlan> {
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

    pub(super) fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> SqlResult<(Plan, Scope)> {
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

    pub(super) fn bind_table_factor(&mut self, tf: &ast::TableFactor) -> SqlResult<(Plan, Scope)> {
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
    pub(super) fn bind_cte_reference(
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

    pub(super) fn bind_select(
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
        // DISTINCT ON: keys as (possibly hidden) output columns; the first row
        // of each key in ORDER BY order survives.
        let mut distinct_on = Vec::new();
        if let Some(ast::Distinct::On(on)) = &s.distinct {
            for e in on {
                let idx = match self.output_ref(e, &columns)? {
                    Some(i) => i,
                    None => {
                        let b = self.bind_expr(e, &scope)?;
                        match exprs.iter().position(|x| *x == b) {
                            Some(i) => i,
                            None => {
                                exprs.push(b);
                                exprs.len() - 1
                            }
                        }
                    }
                };
                distinct_on.push(idx);
            }
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
            Some(ast::Distinct::On(_)) => {}
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        if !distinct_on.is_empty() {
            plan = Plan::DistinctOn {
                input: Box::new(plan),
                columns: distinct_on,
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
    pub(super) fn group_target<'s>(
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

    pub(super) fn cast_single_column(
        &mut self,
        plan: QueryPlan,
        t: SqlType,
    ) -> SqlResult<QueryPlan> {
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
}
