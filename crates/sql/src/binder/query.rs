//! Binding of queries: SELECT (FROM, WHERE, GROUP BY, HAVING, ORDER BY,
//! DISTINCT, LIMIT), set operations, VALUES, derived tables and WITH queries.

use super::*;
use crate::planner::joins::plan_from_where;

impl<'a> Binder<'a> {
    // ---------------------------------------------------------------- queries

    pub fn bind_query(&mut self, q: &ast::Query) -> SqlResult<QueryPlan> {
        let base = self.ctes.len();
        if let Some(with) = &q.with {
            self.push_ctes(with, base)?;
        }
        let saved_lock = self.lock_scans;
        self.lock_scans = !q.locks.is_empty();
        let r = self.bind_query_body(q);
        self.lock_scans = saved_lock;
        self.ctes.truncate(base);
        r
    }

    /// Brings a WITH list's queries into scope (above `base`, where the
    /// caller truncates them again); on error none remain.
    pub(super) fn push_ctes(&mut self, with: &ast::With, base: usize) -> SqlResult<()> {
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
            if let Err(e) = self.check_written(cte) {
                self.ctes.truncate(base);
                return Err(e);
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
                recursive: with.recursive,
                span: cte.alias.name.span,
            });
        }
        Ok(())
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
                self.set_op_arm = matches!(**left, ast::SetExpr::Select(_));
                let l = self.bind_set_expr(left);
                self.set_op_arm = matches!(**right, ast::SetExpr::Select(_));
                let r = self.bind_set_expr(right);
                self.set_op_arm = false;
                let (l, r) = (l?, r?);
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
                    // Only UNION ALL needs no equality operator.
                    if !(all && kind == SetOpKind::Union) {
                        if let Err(e) = geo_money_ops::check_equality_operator(t) {
                            return match geo_money_ops::set_op_column_span(left, i) {
                                Some(span) => self.err_at(e, span),
                                None => Err(e),
                            };
                        }
                    }
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
            ast::SetExpr::Table(t) => self.bind_table_command(t),
            other => Err(SqlError::unsupported(format!(
                "query form {}",
                other.to_string().chars().take(30).collect::<String>()
            ))),
        }
    }

    /// `TABLE name`: PostgreSQL's shorthand for `SELECT * FROM name`.
    fn bind_table_command(&mut self, t: &ast::Table) -> SqlResult<QueryPlan> {
        let Some(table) = &t.table_name else {
            return Err(SqlError::syntax("syntax error at end of input"));
        };
        let name = match &t.schema_name {
            Some(schema) => format!("{schema}.{table}"),
            None => table.to_string(),
        };
        let query = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&format!("SELECT * FROM {name}"))
            .and_then(|mut p| p.parse_query())
            .map_err(|e| SqlError::internal(format!("TABLE {name} does not rewrite: {e}")))?;
        self.bind_query(&query)
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
            let left_scope = acc.as_ref().map(|(_, s)| s.clone());
            let (mut plan, mut scope, lateral) =
                self.bind_table_factor_lateral(&twj.relation, left_scope.as_ref())?;
            if let (Some(ls), true) = (left_scope, lateral) {
                // `FROM a, LATERAL (...)`: join to everything before it.
                let Some((lp, _)) = acc.take() else {
                    return Err(SqlError::internal("lateral without a left side"));
                };
                let right_width = scope.cols.len();
                let mut joined = ls;
                joined.cols.extend(scope.cols);
                plan = Plan::LateralJoin {
                    left: Box::new(lp),
                    right: Box::new(plan),
                    left_outer: false,
                    on: None,
                    right_width,
                };
                scope = joined;
            }
            for j in &twj.joins {
                let (rplan, rscope, lateral) =
                    self.bind_table_factor_lateral(&j.relation, Some(&scope))?;
                let left_width = scope.cols.len();
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
                    ast::JoinOperator::Right(c) | ast::JoinOperator::RightOuter(c) => {
                        (JoinKind::Right, Some(c))
                    }
                    ast::JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
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
                // USING / NATURAL: the shared column names.
                let using_names: Option<Vec<String>> = match constraint {
                    Some(ast::JoinConstraint::Using(cols)) => Some(
                        cols.iter()
                            .map(object_name)
                            .collect::<SqlResult<Vec<_>>>()?,
                    ),
                    Some(ast::JoinConstraint::Natural) => {
                        let mut names: Vec<String> = Vec::new();
                        for c in &scope.cols {
                            if !names.contains(&c.name)
                                && !self
                                    .using_hidden
                                    .contains(&(c.qualifier.clone(), c.name.clone()))
                                && rscope.cols.iter().any(|r| r.name == c.name)
                            {
                                names.push(c.name.clone());
                            }
                        }
                        Some(names)
                    }
                    _ => None,
                };
                // A merged column (no qualifier) wins over the inputs it hides.
                let find = |s: &Scope, name: &str| {
                    s.cols
                        .iter()
                        .position(|x| x.name == name && x.qualifier.is_none())
                        .or_else(|| s.cols.iter().position(|x| x.name == name))
                };
                let mut using_pairs: Vec<(String, usize, usize)> = Vec::new();
                if let Some(names) = &using_names {
                    for name in names {
                        let li = find(&scope, name).ok_or_else(|| {
                            SqlError::new("42703", format!("column \"{name}\" specified in USING clause does not exist in left table"))
                        })?;
                        let ri = find(&rscope, name).ok_or_else(|| {
                            SqlError::new("42703", format!("column \"{name}\" specified in USING clause does not exist in right table"))
                        })?;
                        using_pairs.push((name.clone(), li, ri));
                    }
                }
                let on = match constraint {
                    None | Some(ast::JoinConstraint::None) => None,
                    Some(ast::JoinConstraint::Using(_) | ast::JoinConstraint::Natural) => {
                        let mut conj: Option<Expr> = None;
                        for (_, li, ri) in &using_pairs {
                            let eq = self.make_binary(
                                BinOp::Eq,
                                Expr::Column(*li, scope.cols[*li].ty),
                                Expr::Column(scope.cols.len() + ri, rscope.cols[*ri].ty),
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
                    Some(ast::JoinConstraint::On(e)) => {
                        let b = self.bind_expr(e, &joined)?;
                        Some(self.coerce_bool(b, "JOIN/ON", start_span(e))?)
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
                plan = if lateral {
                    if matches!(kind, JoinKind::Right | JoinKind::Full) {
                        return Err(SqlError::new(
                            "42P10",
                            "The combining JOIN type must be INNER or LEFT for a LATERAL reference.",
                        ));
                    }
                    Plan::LateralJoin {
                        left: Box::new(plan),
                        right: Box::new(rplan),
                        left_outer: kind == JoinKind::Left,
                        on,
                        right_width,
                    }
                } else {
                    Plan::Join {
                        left: Box::new(plan),
                        right: Box::new(rplan),
                        kind,
                        on,
                        left_width,
                        right_width,
                    }
                };
                scope = joined;
                if using_names.is_some() {
                    (plan, scope) =
                        self.merge_using(plan, scope, kind, left_width, &using_pairs)?;
                }
            }
            acc = Some(match acc {
                None => (plan, scope),
                Some((lp, ls)) => {
                    let right_width = scope.cols.len();
                    let left_width = ls.cols.len();
                    let mut joined = ls;
                    joined.cols.extend(scope.cols);
                    (
                        Plan::Join {
                            left: Box::new(lp),
                            right: Box::new(plan),
                            kind: JoinKind::Inner,
                            on: None,
                            left_width,
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

    /// JOIN ... USING / NATURAL: the merged columns first (the left input's
    /// value, the right's for RIGHT JOIN, COALESCE of both for FULL), then the
    /// other columns; the inputs of merged columns stay reachable by their
    /// qualified names but `SELECT *` skips them.
    fn merge_using(
        &mut self,
        plan: Plan,
        joined: Scope,
        kind: JoinKind,
        left_width: usize,
        pairs: &[(String, usize, usize)],
    ) -> SqlResult<(Plan, Scope)> {
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for (name, li, ri) in pairs {
            let (lt, rt) = (joined.cols[*li].ty, joined.cols[left_width + ri].ty);
            let t = common_type(&[lt.ty, rt.ty]).unwrap_or(lt.ty);
            let l = self.coerce_implicit(Expr::Column(*li, lt), t, Span::empty())?;
            let r = self.coerce_implicit(Expr::Column(left_width + ri, rt), t, Span::empty())?;
            let e = match kind {
                JoinKind::Inner | JoinKind::Left => l,
                JoinKind::Right => r,
                JoinKind::Full => Expr::Func {
                    func: Func::Coalesce,
                    args: vec![l, r],
                    ty: t.plain(),
                },
            };
            cols.push(ScopeCol {
                qualifier: None,
                name: name.clone(),
                ty: e.ty(),
            });
            exprs.push(e);
        }
        let inputs: Vec<usize> = pairs
            .iter()
            .flat_map(|(_, li, ri)| [*li, left_width + ri])
            .collect();
        // Every input column keeps its place (for `a.*`); inputs of the merge
        // are hidden from `*`, and an earlier merged column is replaced.
        for (i, c) in joined.cols.iter().enumerate() {
            if inputs.contains(&i) {
                if c.qualifier.is_none() {
                    continue;
                }
                self.using_hidden
                    .push((c.qualifier.clone(), c.name.clone()));
            }
            exprs.push(Expr::Column(i, c.ty));
            cols.push(c.clone());
        }
        Ok((
            Plan::Project {
                input: Box::new(plan),
                exprs,
            },
            Scope { cols },
        ))
    }

    /// A FROM item; a LATERAL subquery sees the columns of `left` as its
    /// nearest outer row.
    /// Binds a FROM item that may see the items before it (`left`): a
    /// LATERAL subquery, or a function in FROM whose arguments refer to them
    /// (PostgreSQL's implicit LATERAL). True if it was bound laterally.
    fn bind_table_factor_lateral(
        &mut self,
        tf: &ast::TableFactor,
        left: Option<&Scope>,
    ) -> SqlResult<(Plan, Scope, bool)> {
        match (left, is_lateral(tf)) {
            (Some(l), true) => {
                let before = self.outer_refs;
                self.outer.push(l.clone());
                let r = self.bind_table_factor(tf);
                self.outer.pop();
                let (plan, scope) = r?;
                // A function that reads nothing outside itself joins like a
                // table (the join planner may then reorder it).
                // (Without outer references the plan is the same as bound
                // without `left`.)
                let explicit = matches!(tf, ast::TableFactor::Derived { lateral: true, .. });
                Ok((plan, scope, explicit || self.outer_refs > before))
            }
            _ => {
                let (plan, scope) = self.bind_table_factor(tf)?;
                Ok((plan, scope, false))
            }
        }
    }

    pub(super) fn bind_table_factor(&mut self, tf: &ast::TableFactor) -> SqlResult<(Plan, Scope)> {
        match tf {
            ast::TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                inheritance,
                ..
            } => {
                if let Some(args) = args {
                    return self.bind_table_function(name, args, alias.as_ref(), *with_ordinality);
                }
                if let [part] = name.0.as_slice() {
                    let cte_name = part.as_ident().map(ident_name).unwrap_or_default();
                    let cte = self.ctes.iter().rposition(|c| c.name == cte_name);
                    let wt = self.work_tables.iter().rposition(|w| w.name == cte_name);
                    if let Some(w) = wt {
                        if cte.is_none_or(|k| k < self.work_tables[w].ctes_len) {
                            return self.bind_work_table(w, alias.as_ref(), name.span());
                        }
                    }
                    if let Some(k) = cte {
                        return self.bind_cte_reference(k, alias.as_ref(), name.span());
                    }
                }
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident().map(ident_name))
                    .collect();
                if let Some((plan, mut scope)) = self.bind_sequence_view(&parts) {
                    if let Some(a) = alias {
                        let q = ident_name(&a.name);
                        scope
                            .cols
                            .iter_mut()
                            .for_each(|c| c.qualifier = Some(q.clone()));
                        rename_columns(&mut scope.cols, a)?;
                    }
                    return Ok((plan, scope));
                }
                if let Some(r) = self.bind_system_relation(name, alias.as_ref())? {
                    return Ok(r);
                }
                if let Ok(n) = object_name(name) {
                    if let Some(v) = self.catalog.views.get(&n).cloned() {
                        self.note_resolved(&n);
                        return self.bind_view(&v, alias.as_ref(), name.span());
                    }
                    if let Some((plan, mut scope)) = self.bind_sequence_relation(&n) {
                        self.note_resolved(&n);
                        if let Some(a) = alias {
                            let q = ident_name(&a.name);
                            scope
                                .cols
                                .iter_mut()
                                .for_each(|c| c.qualifier = Some(q.clone()));
                            rename_columns(&mut scope.cols, a)?;
                        }
                        return Ok((plan, scope));
                    }
                }
                let t = self.table(name)?;
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_else(|| t.name.clone());
                let mut scope = Scope::of_table(&t, &alias_name);
                self.note_alias(&t.name, alias);
                if let Some(a) = alias {
                    rename_columns(&mut scope.cols, a)?;
                }
                let only = matches!(inheritance, Some(ast::TableInheritance::Only { .. }));
                // Row-level security: only the rows the user may see.
                let policy = self.scan_policy_filter(&t)?;
                let (plan, scope) = self.table_scan(t, scope, &alias_name, only)?;
                Ok(match policy {
                    Some(predicate) => (
                        Plan::Filter {
                            input: Box::new(plan),
                            predicate,
                        },
                        scope,
                    ),
                    None => (plan, scope),
                })
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                let _ = lateral;
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
                    rename_columns(&mut cols, a)?;
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
            ast::TableFactor::UNNEST { .. } => self.bind_unnest(tf),
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
        reference: Span,
    ) -> SqlResult<(Plan, Scope)> {
        let later = self.ctes.split_off(k);
        let cte = later[0].clone();
        let r = if written_cte::data_modifying(&cte.query).is_some() {
            self.bind_written_cte(&cte, reference)
        } else if cte.recursive {
            self.bind_recursive_cte(&cte)
        } else {
            self.bind_query(&cte.query)
        };
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

    /// A view: its stored query bound like a derived table, seeing neither
    /// the referencing query's WITH queries nor its outer rows.
    fn bind_view(
        &mut self,
        v: &crate::view::ViewDef,
        alias: Option<&ast::TableAlias>,
        span: Span,
    ) -> SqlResult<(Plan, Scope)> {
        if self.view_depth >= 32 {
            return self.err_at(
                SqlError::new(
                    "42P17",
                    format!(
                        "infinite recursion detected in rules for relation \"{}\"",
                        v.name
                    ),
                ),
                span,
            );
        }
        let q = Parser::new(&PostgreSqlDialect {})
            .with_recursion_limit(crate::session::PARSER_RECURSION_LIMIT)
            .try_with_sql(&v.query)
            .and_then(|mut p| p.parse_query())
            .map_err(|e| SqlError::internal(format!("stored view does not parse: {e}")))?;
        let saved = (
            std::mem::take(&mut self.ctes),
            std::mem::take(&mut self.outer),
            std::mem::take(&mut self.work_tables),
            self.sql,
        );
        self.view_depth += 1;
        self.sql = "";
        let owner = crate::privileges::owner(self.catalog, crate::acl::ObjectKind::Table, &v.name);
        self.rls_view_owners.push(owner);
        let r = self.bind_query(&q);
        self.rls_view_owners.pop();
        self.view_depth -= 1;
        self.ctes = saved.0;
        self.outer = saved.1;
        self.work_tables = saved.2;
        self.sql = saved.3;
        let mut qp = r.map_err(|e| e.at(None))?;
        // The column list is fixed when the view is created (`SELECT *` does
        // not grow with its table).
        let n = v.columns.len();
        if qp.columns.len() < n {
            return self.err_at(
                SqlError::new(
                    "42703",
                    format!(
                        "view \"{}\" no longer matches the columns of its query",
                        v.name
                    ),
                ),
                span,
            );
        }
        if qp.columns.len() > n {
            let exprs = (0..n).map(|i| Expr::Column(i, qp.columns[i].ty)).collect();
            qp.columns.truncate(n);
            qp.plan = Plan::Project {
                input: Box::new(qp.plan),
                exprs,
            };
        }
        let qual = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| crate::schema::split(&v.name).1.to_string());
        let mut cols: Vec<ScopeCol> = qp
            .columns
            .iter()
            .zip(&v.columns)
            .map(|(c, n)| ScopeCol {
                qualifier: Some(qual.clone()),
                name: n.clone(),
                ty: c.ty,
            })
            .collect();
        if let Some(a) = alias {
            rename_columns(&mut cols, a)?;
        }
        Ok((qp.plan, Scope { cols }))
    }

    /// A reference to the working table of the recursive query being bound.
    fn bind_work_table(
        &mut self,
        w: usize,
        alias: Option<&ast::TableAlias>,
        span: Span,
    ) -> SqlResult<(Plan, Scope)> {
        let wt = &self.work_tables[w];
        let name = wt.name.clone();
        let Some(columns) = wt.columns.clone() else {
            return self.err_at(
                SqlError::new(
                    "42P19",
                    format!("recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"),
                ),
                wt.span,
            );
        };
        if self.outer.len() > wt.outer_len {
            return self.err_at(
                SqlError::new(
                    "42P19",
                    format!(
                        "recursive reference to query \"{name}\" must not appear within a subquery"
                    ),
                ),
                span,
            );
        }
        if wt.refs > 0 {
            return self.err_at(
                SqlError::new(
                    "42P19",
                    format!(
                        "recursive reference to query \"{name}\" must not appear more than once"
                    ),
                ),
                span,
            );
        }
        let id = wt.id;
        self.work_tables[w].refs += 1;
        let qual = alias.map(|a| ident_name(&a.name)).unwrap_or(name);
        let mut cols: Vec<ScopeCol> = columns
            .iter()
            .map(|c| ScopeCol {
                qualifier: Some(qual.clone()),
                name: c.name.clone(),
                ty: c.ty,
            })
            .collect();
        if let Some(a) = alias {
            rename_columns(&mut cols, a)?;
        }
        Ok((Plan::WorkTable { id }, Scope { cols }))
    }

    /// The body of a WITH RECURSIVE query: `base UNION [ALL] recursive`,
    /// where only the recursive term may read the query itself.
    fn bind_recursive_cte(&mut self, cte: &CteDef) -> SqlResult<QueryPlan> {
        let q = &cte.query;
        let union = match q.body.as_ref() {
            ast::SetExpr::SetOperation {
                left,
                op: ast::SetOperator::Union,
                set_quantifier,
                right,
            } if q.order_by.is_none() && q.limit_clause.is_none() && q.fetch.is_none() => Some((
                left,
                right,
                matches!(set_quantifier, ast::SetQuantifier::All),
            )),
            _ => None,
        };
        let id = self.next_work_table;
        self.next_work_table += 1;
        let Some((left, right, all)) = union else {
            // Not of the recursive form: fine unless it reads itself.
            self.work_tables.push(WorkTableDef {
                name: cte.name.clone(),
                id,
                columns: None,
                ctes_len: self.ctes.len(),
                outer_len: self.outer.len(),
                refs: 0,
                span: cte.span,
            });
            let r = self.bind_query(q);
            self.work_tables.pop();
            return r;
        };
        let base = self.bind_set_expr(left)?;
        let mut columns = base.columns.clone();
        for (c, n) in columns.iter_mut().zip(&cte.columns) {
            c.name = n.clone();
        }
        for c in columns.iter_mut() {
            if c.ty.ty == SqlType::Unknown {
                c.ty = SqlType::Text.plain();
            }
        }
        self.work_tables.push(WorkTableDef {
            name: cte.name.clone(),
            id,
            columns: Some(columns.clone()),
            ctes_len: self.ctes.len(),
            outer_len: self.outer.len(),
            refs: 0,
            span: cte.span,
        });
        let r = self.bind_set_expr(right);
        let refs = self.work_tables.pop().map(|w| w.refs).unwrap_or(0);
        let rec = r?;
        if refs == 0 {
            // Does not read itself: an ordinary query.
            return self.bind_query(q);
        }
        if rec.columns.len() != columns.len() {
            return Err(SqlError::syntax(
                "each UNION query must have the same number of columns",
            ));
        }
        let mut bcasts = Vec::new();
        let mut rcasts = Vec::new();
        for (i, c) in columns.iter().enumerate() {
            let bt = base.columns[i].ty;
            let rt = rec.columns[i].ty;
            let common = common_type(&[c.ty.ty, rt.ty]);
            if common != Some(c.ty.ty) {
                let overall = common.unwrap_or(rt.ty);
                return Err(SqlError::datatype_mismatch(format!(
                    "recursive query \"{}\" column {} has type {} in non-recursive term but type {} overall",
                    cte.name,
                    i + 1,
                    c.ty.display(),
                    overall.display_name()
                ))
                .with_hint("Cast the output of the non-recursive term to the correct type.")
                .at(self.pos(select_item_span(left, i))));
            }
            bcasts.push(self.coerce_implicit(Expr::Column(i, bt), c.ty.ty, Span::empty())?);
            rcasts.push(self.coerce_implicit(Expr::Column(i, rt), c.ty.ty, Span::empty())?);
        }
        Ok(QueryPlan {
            plan: Plan::RecursiveUnion {
                id,
                all,
                base: Box::new(Plan::Project {
                    input: Box::new(base.plan),
                    exprs: bcasts,
                }),
                recursive: Box::new(Plan::Project {
                    input: Box::new(rec.plan),
                    exprs: rcasts,
                }),
            },
            columns,
        })
    }

    pub(super) fn bind_select(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> SqlResult<QueryPlan> {
        if s.into.is_some() || s.top.is_some() || !s.lateral_views.is_empty() || s.qualify.is_some()
        {
            return Err(
                SqlError::unsupported("this SELECT clause").at(self.pos(s.select_token.0.span))
            );
        }
        let saved_win = (
            self.win.take(),
            self.win_clause,
            std::mem::take(&mut self.named_windows),
        );
        let saved_srf = self.srf.take();
        let r = self.bind_select_windowed(s, order_by);
        self.srf = saved_srf;
        self.win = saved_win.0;
        self.win_clause = saved_win.1;
        self.named_windows = saved_win.2;
        r
    }

    fn bind_select_windowed(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> SqlResult<QueryPlan> {
        let set_op_arm = std::mem::take(&mut self.set_op_arm);
        for ast::NamedWindowDefinition(name, def) in &s.named_window {
            let spec = match def {
                ast::NamedWindowExpr::WindowSpec(spec) => spec.clone(),
                ast::NamedWindowExpr::NamedWindow(other) => {
                    let o = ident_name(other);
                    match self.named_windows.iter().find(|(w, _)| *w == o) {
                        Some((_, spec)) => spec.clone(),
                        None => {
                            return self.err_at(
                                SqlError::new("42704", format!("window \"{o}\" does not exist")),
                                other.span,
                            )
                        }
                    }
                }
            };
            let n = ident_name(name);
            if self.named_windows.iter().any(|(w, _)| *w == n) {
                return self.err_at(
                    SqlError::new("42P20", format!("window \"{n}\" is already defined")),
                    name.span,
                );
            }
            self.named_windows.push((n, spec));
        }
        self.win = None;
        self.win_clause = "JOIN conditions";
        let saved_hidden = std::mem::take(&mut self.using_hidden);
        let from = self.bind_from(&s.from);
        let hidden = std::mem::replace(&mut self.using_hidden, saved_hidden);
        let (mut plan, scope) = from?;
        self.win_clause = "WHERE";
        // WHERE
        let mut predicate = None;
        if let Some(w) = &s.selection {
            if contains_aggregate(w) {
                return self.err_at(
                    SqlError::new("42803", "aggregate functions are not allowed in WHERE"),
                    start_span(w),
                );
            }
            let pred = self.bind_expr(w, &scope)?;
            predicate = Some(self.coerce_bool(pred, "WHERE", start_span(w))?);
        }
        let types: Vec<ColType> = scope.cols.iter().map(|c| c.ty).collect();
        plan = self.prune_partitions(plan, predicate.as_ref())?;
        plan = plan_from_where(plan, predicate, &types);
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
        self.win_clause = "GROUP BY";
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
                let bound = self.bind_expr(target, &scope)?;
                if let Err(e) = geo_money_ops::check_equality_operator(bound.ty().ty) {
                    return self.err_at(e, start_span(g));
                }
                groups.push(bound);
            }
            self.agg = Some(AggState {
                groups,
                aggs: vec![],
            });
        }
        // Projection (window functions allowed from here to ORDER BY).
        self.win = Some(vec![]);
        self.win_clause = "";
        self.srf = Some(vec![]);
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for item in &s.projection {
            if let ast::SelectItem::UnnamedExpr(e)
            | ast::SelectItem::ExprWithAlias { expr: e, .. } = item
            {
                self.check_srf_placement(e)?;
            }
            if let ast::SelectItem::UnnamedExpr(e) = item {
                if let Some(row) = row_expr::all_fields_root(e) {
                    // `(row).*`: one output column per field.
                    for (name, x) in self.expand_row(&row, &scope)? {
                        columns.push(OutColumn { name, ty: x.ty() });
                        exprs.push(x);
                    }
                    continue;
                }
            }
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
                        let c = &scope.cols[i];
                        if hidden.contains(&(c.qualifier.clone(), c.name.clone())) {
                            continue;
                        }
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
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                            crate::schema::split(&object_name(n)?).1.to_string()
                        }
                        ast::SelectItemQualifiedWildcardKind::Expr(e) => {
                            // `(row).*`: one output column per field.
                            for (name, x) in self.expand_row(e, &scope)? {
                                columns.push(OutColumn { name, ty: x.ty() });
                                exprs.push(x);
                            }
                            continue;
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
                        let c = &scope.cols[i];
                        if system_columns::is_system_column(&c.name)
                            && hidden.contains(&(c.qualifier.clone(), c.name.clone()))
                        {
                            continue;
                        }
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
        // Unknown-typed outputs (string literals) become text (in a set
        // operation's arm, the set operation decides).
        for (e, c) in exprs.iter_mut().zip(columns.iter_mut()) {
            if e.ty().ty == SqlType::Unknown && !set_op_arm {
                let x = std::mem::replace(e, Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                *e = self.coerce_implicit(x, SqlType::Text, Span::empty())?;
                c.ty = SqlType::Text.plain();
            }
        }
        let win_calls = self.win.take();
        let srf_calls = self.srf.take();
        self.win_clause = "HAVING";
        let having = match &s.having {
            Some(h) => {
                let b = self.bind_expr(h, &scope)?;
                Some(self.coerce_bool(b, "HAVING", start_span(h))?)
            }
            None => None,
        };
        self.win = win_calls;
        self.srf = srf_calls;
        self.win_clause = "";
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
            if let Err(e) = geo_money_ops::check_ordering_operator(ty.ty) {
                return self.err_at(e, start_span(&ob.expr));
            }
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
        let win_calls = self.win.take().unwrap_or_default();
        let mut srf_calls = self.srf.take().unwrap_or_default();
        let mut input_width = scope.cols.len();
        if let Some(agg) = self.agg.take() {
            input_width = agg.groups.len() + agg.aggs.len();
            // `agg(x ORDER BY y)`: feed the aggregate its rows in that order
            // (a stable sort; hash aggregation keeps each group's rows in
            // input order). One ordering per query level is supported.
            let mut orders = agg
                .aggs
                .iter()
                .map(|a| &a.order_by)
                .filter(|o| !o.is_empty());
            if let Some(keys) = orders.next() {
                if orders.any(|other| other != keys) {
                    return Err(SqlError::unsupported(
                        "aggregates with different ORDER BY clauses in one query level",
                    ));
                }
                plan = Plan::Sort {
                    input: Box::new(plan),
                    keys: keys.clone(),
                };
            }
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
        if !srf_calls.is_empty() {
            // The ProjectSet's values follow the input and window columns.
            let base = input_width + win_calls.len();
            for e in exprs.iter_mut() {
                e.map_columns(&|i| {
                    if i >= srf::SRF_BASE {
                        base + (i - srf::SRF_BASE)
                    } else {
                        i
                    }
                });
            }
        }
        if !win_calls.is_empty() {
            let remap = |i: usize| {
                if i >= window::WINDOW_BASE {
                    input_width + (i - window::WINDOW_BASE)
                } else {
                    i
                }
            };
            for e in exprs.iter_mut() {
                e.map_columns(&remap);
            }
            for a in srf_calls.iter_mut().flat_map(|c| c.args.iter_mut()) {
                a.map_columns(&remap);
            }
            plan = Plan::Window {
                input: Box::new(plan),
                calls: win_calls,
            };
        }
        if !srf_calls.is_empty() {
            plan = Plan::ProjectSet {
                input: Box::new(plan),
                calls: srf_calls,
            };
        }
        let width = exprs.len();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        match &s.distinct {
            None | Some(ast::Distinct::All) => {}
            Some(ast::Distinct::Distinct) => {
                for (i, c) in columns.iter().enumerate() {
                    if let Err(e) = geo_money_ops::check_equality_operator(c.ty.ty) {
                        // The select item's position when items and columns line up.
                        return match s.projection.get(i) {
                            Some(
                                ast::SelectItem::UnnamedExpr(x)
                                | ast::SelectItem::ExprWithAlias { expr: x, .. },
                            ) if columns.len() == s.projection.len() => {
                                self.err_at(e, start_span(x))
                            }
                            _ => Err(e),
                        };
                    }
                }
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

/// LATERAL subqueries, and functions in FROM (implicitly lateral in PostgreSQL).
fn is_lateral(tf: &ast::TableFactor) -> bool {
    matches!(
        tf,
        ast::TableFactor::Derived { lateral: true, .. }
            | ast::TableFactor::UNNEST { .. }
            | ast::TableFactor::Table { args: Some(_), .. }
    )
}

/// Span of the i-th select-list item of a plain SELECT (error positions).
fn select_item_span(s: &ast::SetExpr, i: usize) -> Span {
    match s {
        ast::SetExpr::Select(sel) => match sel.projection.get(i) {
            Some(ast::SelectItem::UnnamedExpr(e))
            | Some(ast::SelectItem::ExprWithAlias { expr: e, .. }) => start_span(e),
            _ => Span::empty(),
        },
        _ => Span::empty(),
    }
}

/// Applies a table alias's column list (`AS f(a, b)`) to the scope columns.
pub(super) fn rename_columns(cols: &mut [ScopeCol], alias: &ast::TableAlias) -> SqlResult<()> {
    if alias.columns.len() > cols.len() {
        return Err(SqlError::new(
            "42P10",
            format!(
                "table \"{}\" has {} columns available but {} columns specified",
                ident_name(&alias.name),
                cols.len(),
                alias.columns.len()
            ),
        ));
    }
    for (sc, c) in cols.iter_mut().zip(&alias.columns) {
        sc.name = ident_name(&c.name);
    }
    Ok(())
}
