//! Binding of INSERT (VALUES, SELECT, ON CONFLICT), UPDATE, DELETE and
//! TRUNCATE, with the defaults and CHECK constraints they apply.

use super::*;

impl<'a> Binder<'a> {
    // ---------------------------------------------------------------- DML

    pub(super) fn returning(
        &mut self,
        items: &Option<Vec<ast::SelectItem>>,
        scope: &Scope,
    ) -> SqlResult<Option<(Vec<Expr>, Vec<OutColumn>)>> {
        let Some(items) = items else { return Ok(None) };
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for item in items {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let b = self.bind_expr(e, scope)?;
                    cols.push(OutColumn {
                        name: figure_colname(e),
                        ty: b.ty(),
                    });
                    exprs.push(b);
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let b = self.bind_expr(expr, scope)?;
                    cols.push(OutColumn {
                        name: ident_name(alias),
                        ty: b.ty(),
                    });
                    exprs.push(b);
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    for (i, c) in scope.cols.iter().enumerate() {
                        cols.push(OutColumn {
                            name: c.name.clone(),
                            ty: c.ty,
                        });
                        exprs.push(Expr::Column(i, c.ty));
                    }
                }
                _ => return Err(SqlError::unsupported("this RETURNING item")),
            }
        }
        for (e, c) in exprs.iter_mut().zip(cols.iter_mut()) {
            if e.ty().ty == SqlType::Unknown {
                let x = std::mem::replace(e, Expr::Const(Datum::Null, SqlType::Unknown.plain()));
                *e = self.coerce_implicit(x, SqlType::Text, Span::empty())?;
                c.ty = SqlType::Text.plain();
            }
        }
        Ok(Some((exprs, cols)))
    }

    pub fn checks(&mut self, t: &TableDef) -> SqlResult<Vec<(String, Expr)>> {
        let scope = Scope::of_table(t, &t.name);
        let mut out = Vec::new();
        for c in &t.checks {
            let ast = parse_expr(&c.expr)?;
            let b = self.bind_expr(&ast, &scope)?;
            out.push((c.name.clone(), self.coerce_bool(b, "CHECK", Span::empty())?));
        }
        Ok(out)
    }

    pub fn defaults(&mut self, t: &TableDef) -> SqlResult<Vec<Option<Expr>>> {
        let mut out = Vec::new();
        for c in &t.columns {
            out.push(match &c.default {
                Some(text) => {
                    let ast = parse_expr(text)?;
                    let b = self.bind_expr(&ast, &Scope::default())?;
                    Some(self.coerce_assign(b, c, Span::empty())?)
                }
                None => None,
            });
        }
        Ok(out)
    }

    pub fn bind_insert(&mut self, ins: &ast::Insert) -> SqlResult<InsertPlan> {
        let name = match &ins.table {
            ast::TableObject::TableName(n) => n,
            _ => return Err(SqlError::unsupported("INSERT into a table function")),
        };
        let table = self.table(name)?;
        let on_conflict = match &ins.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => Some(self.bind_on_conflict(&table, oc)?),
            Some(_) => return Err(SqlError::unsupported("ON DUPLICATE KEY UPDATE")),
        };
        let targets: Vec<usize> = if ins.columns.is_empty() {
            // Without a column list, VALUES may supply a prefix of the columns.
            let supplied = match ins.source.as_ref().map(|q| q.body.as_ref()) {
                Some(ast::SetExpr::Values(v)) => {
                    v.rows.first().map(|r| r.content.len()).unwrap_or(0)
                }
                _ => table.columns.len(),
            };
            (0..supplied.min(table.columns.len())).collect()
        } else {
            let mut v = Vec::new();
            for c in &ins.columns {
                let cname = object_name(c)?;
                let i = table.column_index(&cname).ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column \"{cname}\" of relation \"{}\" does not exist",
                            table.name
                        ),
                    )
                    .at(self.pos(c.span()))
                })?;
                if v.contains(&i) {
                    return Err(SqlError::new(
                        "42701",
                        format!("column \"{cname}\" specified more than once"),
                    )
                    .at(self.pos(c.span())));
                }
                v.push(i);
            }
            v
        };
        let defaults = self.defaults(&table)?;
        let checks = self.checks(&table)?;
        let source = match &ins.source {
            None => InsertSource::Values(vec![vec![None; table.columns.len()]]),
            Some(q) => match q.body.as_ref() {
                ast::SetExpr::Values(values)
                    if q.order_by.is_none() && q.limit_clause.is_none() =>
                {
                    let mut rows = Vec::new();
                    for r in &values.rows {
                        if r.content.len() > targets.len() {
                            return Err(SqlError::syntax(
                                "INSERT has more expressions than target columns",
                            )
                            .at(self.pos(start_span(&r.content[targets.len()]))));
                        }
                        if r.content.len() < targets.len() {
                            return Err(SqlError::syntax(
                                "INSERT has more target columns than expressions",
                            )
                            .at(self.pos(r.opening_token.0.span)));
                        }
                        let mut row: Vec<Option<Expr>> = vec![None; table.columns.len()];
                        for (e, &ci) in r.content.iter().zip(&targets) {
                            if let ast::Expr::Identifier(id) = e {
                                if id.quote_style.is_none()
                                    && id.value.eq_ignore_ascii_case("default")
                                {
                                    continue;
                                }
                            }
                            let b = self.bind_expr(e, &Scope::default())?;
                            row[ci] =
                                Some(self.coerce_assign(b, &table.columns[ci], start_span(e))?);
                        }
                        rows.push(row);
                    }
                    InsertSource::Values(rows)
                }
                _ => {
                    let plan = self.bind_query(q)?;
                    if plan.columns.len() > targets.len() {
                        return Err(SqlError::syntax(
                            "INSERT has more expressions than target columns",
                        ));
                    }
                    let mut casts = Vec::new();
                    for (i, c) in plan.columns.iter().enumerate() {
                        casts.push(self.coerce_assign(
                            Expr::Column(i, c.ty),
                            &table.columns[targets[i]],
                            Span::empty(),
                        )?);
                    }
                    let targets = targets[..plan.columns.len()].to_vec();
                    InsertSource::Query {
                        plan: Box::new(plan),
                        targets,
                        casts,
                    }
                }
            },
        };
        let scope = Scope::of_table(&table, &table.name);
        let returning = self.returning(&ins.returning, &scope)?;
        Ok(InsertPlan {
            table,
            source,
            defaults,
            checks,
            returning,
            on_conflict,
        })
    }

    pub(super) fn bind_on_conflict(
        &mut self,
        table: &TableDef,
        oc: &ast::OnConflict,
    ) -> SqlResult<OnConflictPlan> {
        let all: Vec<IndexDef> = table
            .primary_key
            .iter()
            .chain(table.unique.iter())
            .cloned()
            .collect();
        let arbiters = match &oc.conflict_target {
            None => {
                if matches!(oc.action, ast::OnConflictAction::DoUpdate(_)) {
                    let at = self
                        .sql
                        .to_lowercase()
                        .find("on conflict")
                        .map(|b| self.sql[..b].chars().count() as u32 + 1);
                    return Err(SqlError::syntax(
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    )
                    .with_hint("For example, ON CONFLICT (column_name).")
                    .at(at));
                }
                all
            }
            Some(ast::ConflictTarget::Columns { columns, predicate }) => {
                if predicate.is_some() {
                    return Err(SqlError::unsupported("ON CONFLICT with an index predicate"));
                }
                let mut want = Vec::new();
                for c in columns {
                    let n = ident_name(c);
                    let i = table
                        .column_index(&n)
                        .ok_or_else(|| SqlError::undefined_column(&n).at(self.pos(c.span)))?;
                    want.push(i);
                }
                want.sort_unstable();
                want.dedup();
                let hit = all.into_iter().find(|idx| {
                    let mut cols = idx.columns.clone();
                    cols.sort_unstable();
                    cols == want
                });
                match hit {
                    Some(idx) => vec![idx],
                    None => {
                        return Err(SqlError::new(
                            "42P10",
                            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                        ))
                    }
                }
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let n = object_name(name)?;
                match all.into_iter().find(|i| i.name == n) {
                    Some(idx) => vec![idx],
                    None => {
                        return Err(SqlError::new(
                            "42704",
                            format!(
                                "constraint \"{n}\" for table \"{}\" does not exist",
                                table.name
                            ),
                        ))
                    }
                }
            }
        };
        let action = match &oc.action {
            ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
            ast::OnConflictAction::DoUpdate(du) => {
                let mut scope = Scope::of_table(table, &table.name);
                scope.cols.extend(Scope::of_table(table, "excluded").cols);
                let mut assignments = Vec::new();
                for a in &du.assignments {
                    let ast::AssignmentTarget::ColumnName(cn) = &a.target else {
                        return Err(SqlError::unsupported("multi-column assignment"));
                    };
                    let cname = match cn.0.last().and_then(|p| p.as_ident()) {
                        Some(i) => ident_name(i),
                        None => return Err(SqlError::unsupported("this assignment target")),
                    };
                    let ci = table.column_index(&cname).ok_or_else(|| {
                        SqlError::new(
                            "42703",
                            format!(
                                "column \"{cname}\" of relation \"{}\" does not exist",
                                table.name
                            ),
                        )
                        .at(self.pos(cn.span()))
                    })?;
                    let b = self.bind_expr(&a.value, &scope)?;
                    assignments.push((
                        ci,
                        self.coerce_assign(b, &table.columns[ci], start_span(&a.value))?,
                    ));
                }
                let filter = match &du.selection {
                    Some(w) => {
                        let b = self.bind_expr(w, &scope)?;
                        Some(self.coerce_bool(b, "WHERE", start_span(w))?)
                    }
                    None => None,
                };
                ConflictAction::Update {
                    assignments,
                    filter,
                }
            }
        };
        Ok(OnConflictPlan { arbiters, action })
    }

    pub fn bind_truncate(&mut self, t: &ast::Truncate) -> SqlResult<Vec<Arc<TableDef>>> {
        if t.partitions.is_some() {
            return Err(SqlError::unsupported("TRUNCATE ... PARTITION"));
        }
        let mut out = Vec::new();
        for target in &t.table_names {
            out.push(self.table(&target.name)?);
        }
        Ok(out)
    }

    pub(super) fn single_table(
        &mut self,
        twj: &ast::TableWithJoins,
    ) -> SqlResult<(Arc<TableDef>, Scope)> {
        if !twj.joins.is_empty() {
            return Err(SqlError::unsupported("joins in UPDATE/DELETE"));
        }
        match &twj.relation {
            ast::TableFactor::Table { name, alias, .. } => {
                let t = self.table(name)?;
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_else(|| t.name.clone());
                let scope = Scope::of_table(&t, &alias_name);
                Ok((t, scope))
            }
            _ => Err(SqlError::unsupported("this UPDATE/DELETE target")),
        }
    }

    pub(super) fn where_clause(
        &mut self,
        table: &TableDef,
        selection: &Option<ast::Expr>,
        scope: &Scope,
    ) -> SqlResult<(Access, Option<Expr>)> {
        match selection {
            None => Ok((Access::Full, None)),
            Some(w) => {
                if contains_aggregate(w) {
                    return self.err_at(
                        SqlError::new("42803", "aggregate functions are not allowed in WHERE"),
                        start_span(w),
                    );
                }
                let b = self.bind_expr(w, scope)?;
                let b = self.coerce_bool(b, "WHERE", start_span(w))?;
                Ok((choose_access(table, &b), Some(b)))
            }
        }
    }

    pub fn bind_update(&mut self, u: &ast::Update) -> SqlResult<UpdatePlan> {
        if u.from.is_some() || u.limit.is_some() || !u.order_by.is_empty() {
            return Err(SqlError::unsupported("UPDATE ... FROM/ORDER BY/LIMIT"));
        }
        let (table, scope) = self.single_table(&u.table)?;
        let mut assignments = Vec::new();
        for a in &u.assignments {
            let ast::AssignmentTarget::ColumnName(cn) = &a.target else {
                return Err(SqlError::unsupported("multi-column assignment"));
            };
            let cname = match cn.0.last().and_then(|p| p.as_ident()) {
                Some(i) => ident_name(i),
                None => return Err(SqlError::unsupported("this assignment target")),
            };
            let ci = table.column_index(&cname).ok_or_else(|| {
                SqlError::new(
                    "42703",
                    format!(
                        "column \"{cname}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                )
                .at(self.pos(cn.span()))
            })?;
            if assignments.iter().any(|(i, _)| *i == ci) {
                return Err(SqlError::new(
                    "42601",
                    format!("multiple assignments to same column \"{cname}\""),
                ));
            }
            let value = if let ast::Expr::Identifier(id) = &a.value {
                if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default") {
                    let defaults = self.defaults(&table)?;
                    defaults[ci]
                        .clone()
                        .unwrap_or(Expr::Const(Datum::Null, table.columns[ci].ty))
                } else {
                    let b = self.bind_expr(&a.value, &scope)?;
                    self.coerce_assign(b, &table.columns[ci], start_span(&a.value))?
                }
            } else {
                let b = self.bind_expr(&a.value, &scope)?;
                self.coerce_assign(b, &table.columns[ci], start_span(&a.value))?
            };
            assignments.push((ci, value));
        }
        let (access, filter) = self.where_clause(&table, &u.selection, &scope)?;
        let checks = self.checks(&table)?;
        let returning = self.returning(&u.returning, &scope)?;
        Ok(UpdatePlan {
            table,
            access,
            filter,
            assignments,
            checks,
            returning,
        })
    }

    pub fn bind_delete(&mut self, d: &ast::Delete) -> SqlResult<DeletePlan> {
        if d.using.is_some() || d.limit.is_some() || !d.order_by.is_empty() || !d.tables.is_empty()
        {
            return Err(SqlError::unsupported("DELETE ... USING/ORDER BY/LIMIT"));
        }
        let from = match &d.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => v,
        };
        let [twj] = from.as_slice() else {
            return Err(SqlError::unsupported("DELETE from several tables"));
        };
        let (table, scope) = self.single_table(twj)?;
        let (access, filter) = self.where_clause(&table, &d.selection, &scope)?;
        let returning = self.returning(&d.returning, &scope)?;
        Ok(DeletePlan {
            table,
            access,
            filter,
            returning,
        })
    }
}
