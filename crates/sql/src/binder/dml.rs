//! Binding of INSERT (VALUES, SELECT, ON CONFLICT), UPDATE, DELETE and
//! TRUNCATE, with the defaults and CHECK constraints they apply.

use super::*;

impl<'a> Binder<'a> {
    // ---------------------------------------------------------------- DML

    pub(crate) fn returning(
        &mut self,
        items: &Option<Vec<ast::SelectItem>>,
        scope: &Scope,
    ) -> SqlResult<Option<(Vec<Expr>, Vec<OutColumn>)>> {
        let Some(items) = items else { return Ok(None) };
        // The executor passes each row followed by its table's oid, xmin and xmax.
        let wildcard_scope = scope;
        let with_oid = self.returning_scope(scope);
        let scope = &with_oid;
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
                    // `t.*` is the columns of one relation (UPDATE ... FROM has several).
                    let qualifier = match item {
                        ast::SelectItem::QualifiedWildcard(
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => Some(object_name(n)?),
                        ast::SelectItem::QualifiedWildcard(..) => {
                            return Err(SqlError::unsupported("expression.* in RETURNING"))
                        }
                        _ => None,
                    };
                    if let Some(q) = &qualifier {
                        if !scope.cols.iter().any(|c| c.qualifier.as_ref() == Some(q)) {
                            if let Some((_, alias)) =
                                self.aliased_tables.iter().find(|(t, _)| t == q)
                            {
                                return self.err_at(
                                    SqlError::new(
                                        "42P01",
                                        format!(
                                            "invalid reference to FROM-clause entry for table \"{q}\""
                                        ),
                                    )
                                    .with_hint(format!(
                                        "Perhaps you meant to reference the table alias \"{alias}\"."
                                    )),
                                    item.span(),
                                );
                            }
                            return self.err_at(
                                SqlError::new(
                                    "42P01",
                                    format!("missing FROM-clause entry for table \"{q}\""),
                                ),
                                item.span(),
                            );
                        }
                    }
                    for (i, c) in wildcard_scope.cols.iter().enumerate() {
                        if qualifier.is_some() && c.qualifier != qualifier {
                            continue;
                        }
                        // A FROM relation's system columns are hidden from `*`.
                        if system_columns::is_system_column(&c.name)
                            && self
                                .using_hidden
                                .contains(&(c.qualifier.clone(), c.name.clone()))
                        {
                            continue;
                        }
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

    /// `scope` followed by the `tableoid` system column of the statement's
    /// target (qualified by its first column's qualifier) when the
    /// statement names it: the executor puts the oid after the row.
    pub(super) fn scope_with_tableoid(&self, scope: &Scope) -> Scope {
        let mut out = scope.clone();
        if self.sql.to_ascii_lowercase().contains("tableoid") {
            out.cols.push(ScopeCol {
                qualifier: scope.cols.first().and_then(|c| c.qualifier.clone()),
                name: "tableoid".into(),
                ty: SqlType::Int8.plain(),
            });
        }
        out
    }

    /// RETURNING's scope: `scope_with_tableoid`, then the row version's
    /// `xmin` and `xmax` (`system_columns`) when the statement names one,
    /// after a `tableoid` slot either way.
    fn returning_scope(&self, scope: &Scope) -> Scope {
        let mut out = self.scope_with_tableoid(scope);
        if !system_columns::names_row_version_column(self.sql) {
            return out;
        }
        let qualifier = scope.cols.first().and_then(|c| c.qualifier.clone());
        if out.cols.len() == scope.cols.len() {
            out.cols.push(ScopeCol {
                qualifier: qualifier.clone(),
                name: "tableoid".into(),
                ty: SqlType::Int8.plain(),
            });
        }
        out.cols
            .extend(system_columns::row_version_scope(qualifier));
        out
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

    /// The key expressions (by key position; None for a column key) and
    /// the partial-index predicate of `idx`, bound over `t`'s rows.
    pub fn index_exprs(
        &mut self,
        t: &TableDef,
        idx: &IndexDef,
    ) -> SqlResult<(Vec<Option<Expr>>, Option<Expr>)> {
        let scope = Scope::of_table(t, &t.name);
        let mut keys = Vec::with_capacity(idx.exprs.len());
        for text in &idx.exprs {
            keys.push(match text {
                Some(text) => Some(self.bind_expr(&parse_expr(text)?, &scope)?),
                None => None,
            });
        }
        let predicate = match &idx.predicate {
            Some(text) => {
                let b = self.bind_expr(&parse_expr(text)?, &scope)?;
                Some(self.coerce_bool(b, "WHERE", Span::empty())?)
            }
            None => None,
        };
        Ok((keys, predicate))
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
        // `INSERT INTO t AS alias`: RETURNING and ON CONFLICT see the alias.
        let alias = match &ins.table_alias {
            Some(a) => {
                let alias = ident_name(&a.alias);
                self.note_alias_name(&table.name, alias.clone());
                alias
            }
            None => table.name.clone(),
        };
        let on_conflict = match &ins.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => Some(self.bind_on_conflict(&table, &alias, oc)?),
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
        self.insert_target = Some(table.clone());
        let source = match &ins.source {
            None => InsertSource::Values(vec![vec![None; table.columns.len()]]),
            Some(q) => match q.body.as_ref() {
                ast::SetExpr::Values(values)
                    if q.order_by.is_none()
                        && q.limit_clause.is_none()
                        && srf_values_as_select(values).is_none() =>
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
                body => {
                    // One VALUES row calling a set-returning function is a
                    // SELECT of its expressions, as in PostgreSQL.
                    let select = match body {
                        ast::SetExpr::Values(v) => srf_values_as_select(v).transpose()?,
                        _ => None,
                    };
                    let plan = self.bind_query(select.as_ref().unwrap_or(q))?;
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
        let scope = Scope::of_table(&table, &alias);
        let returning = self.returning(&ins.returning, &scope)?;
        let mut routing = self.router(&table)?;
        let mut checks = checks;
        let mut on_conflict = on_conflict;
        // Row-level security: a DO UPDATE with a conflict target (or any
        // RETURNING) needs SELECT, so the SELECT policies join the checks,
        // as in PostgreSQL.
        let mut select_required = returning.is_some();
        if let Some(oc) = on_conflict.as_mut() {
            if matches!(oc.action, ConflictAction::Update { .. }) {
                select_required |= matches!(
                    &ins.on,
                    Some(ast::OnInsert::OnConflict(ast::OnConflict {
                        conflict_target: Some(ast::ConflictTarget::Columns { .. }),
                        ..
                    }))
                );
                oc.security = self.conflict_update_checks(&table, select_required)?;
                if oc.security.is_some() && routing.is_some() {
                    return Err(SqlError::unsupported(
                        "INSERT ... ON CONFLICT DO UPDATE on a partitioned table with row-level security",
                    ));
                }
            }
        }
        self.add_write_checks(
            &table,
            crate::row_security::PolicyCommand::Insert,
            select_required,
            &mut checks,
            routing.as_mut(),
        )?;
        Ok(InsertPlan {
            table,
            source,
            defaults,
            checks,
            returning,
            on_conflict,
            routing,
        })
    }

    pub(super) fn bind_on_conflict(
        &mut self,
        table: &TableDef,
        alias: &str,
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
                // A partial index arbitrates only when the statement's
                // predicate implies the index's (its conjuncts are among them).
                let given = predicate
                    .as_ref()
                    .map(crate::index_shape::conjunct_texts)
                    .unwrap_or_default();
                // Keys as comparable text: `#i` for column i, else the
                // expression's normalized SQL.
                let mut want = Vec::new();
                for c in columns {
                    if let Some(text) = crate::conflict_target_syntax::marked_expression(c) {
                        let e = parse_expr(text)?;
                        let scope = Scope::of_table(table, &table.name);
                        self.bind_expr(&e, &scope)?;
                        want.push(crate::index_shape::normalized_key(&e));
                        continue;
                    }
                    let n = ident_name(c);
                    let i = table
                        .column_index(&n)
                        .ok_or_else(|| SqlError::undefined_column(&n).at(self.pos(c.span)))?;
                    want.push(format!("#{i}"));
                }
                want.sort_unstable();
                want.dedup();
                let hit = all.into_iter().find(|idx| {
                    let implied = idx
                        .predicate
                        .as_deref()
                        .is_none_or(|p| crate::index_shape::predicate_implied(p, &given));
                    crate::index_shape::comparable_keys(idx) == want && implied
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
                let mut scope = Scope::of_table(table, alias);
                scope.cols.extend(Scope::of_table(table, "excluded").cols);
                let assignments = self.bind_assignments(table, &du.assignments, &scope)?;
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
        Ok(OnConflictPlan {
            arbiters,
            action,
            security: None,
        })
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
                self.note_alias(&t.name, alias);
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
        if u.limit.is_some() || !u.order_by.is_empty() {
            return Err(SqlError::unsupported("UPDATE ... ORDER BY/LIMIT"));
        }
        let (table, scope) = self.single_table(&u.table)?;
        if let Some(
            ast::UpdateTableFromKind::AfterSet(from) | ast::UpdateTableFromKind::BeforeSet(from),
        ) = &u.from
        {
            return self.bind_update_from(u, table, scope, from);
        }
        let assignments = self.bind_assignments(&table, &u.assignments, &scope)?;
        let (access, filter) =
            self.where_clause(&table, &u.selection, &self.returning_scope(&scope))?;
        let mut checks = self.checks(&table)?;
        let returning = self.returning(&u.returning, &scope)?;
        let reads = Self::update_reads(u.selection.is_some(), returning.is_some(), &assignments);
        let filter = self.write_policy_filter(
            &table,
            crate::row_security::PolicyCommand::Update,
            reads,
            filter,
        )?;
        let mut partitions = self.partition_targets(&table, filter.as_ref(), is_only(&u.table))?;
        self.add_write_checks(
            &table,
            crate::row_security::PolicyCommand::Update,
            reads,
            &mut checks,
            partitions.as_mut().map(|t| &mut t.router),
        )?;
        refuse_row_versions_in_tree(&table, filter.as_ref(), partitions.as_ref())?;
        let filter = filter.map(|f| pin_tableoid(f, table.columns.len(), &table));
        Ok(UpdatePlan {
            alias: target_alias(&u.table),
            table,
            access,
            filter,
            assignments,
            checks,
            returning,
            partitions,
            from: None,
        })
    }

    pub fn bind_delete(&mut self, d: &ast::Delete) -> SqlResult<DeletePlan> {
        if d.limit.is_some() || !d.order_by.is_empty() || !d.tables.is_empty() {
            return Err(SqlError::unsupported("DELETE ... ORDER BY/LIMIT"));
        }
        let from = match &d.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => v,
        };
        let [twj] = from.as_slice() else {
            return Err(SqlError::unsupported("DELETE from several tables"));
        };
        let (table, scope) = self.single_table(twj)?;
        if let Some(using) = &d.using {
            return self.bind_delete_using(d, table, scope, using);
        }
        let (access, filter) =
            self.where_clause(&table, &d.selection, &self.returning_scope(&scope))?;
        let returning = self.returning(&d.returning, &scope)?;
        let filter = self.write_policy_filter(
            &table,
            crate::row_security::PolicyCommand::Delete,
            d.selection.is_some() || returning.is_some(),
            filter,
        )?;
        let partitions = self.partition_targets(&table, filter.as_ref(), is_only(twj))?;
        refuse_row_versions_in_tree(&table, filter.as_ref(), partitions.as_ref())?;
        let filter = filter.map(|f| pin_tableoid(f, table.columns.len(), &table));
        Ok(DeletePlan {
            alias: target_alias(twj),
            table,
            access,
            filter,
            returning,
            partitions,
            using: None,
        })
    }
}

/// The alias an UPDATE or DELETE gives its target table, if any.
pub(super) fn target_alias(twj: &ast::TableWithJoins) -> Option<String> {
    match &twj.relation {
        ast::TableFactor::Table { alias, .. } => alias.as_ref().map(|a| ident_name(&a.name)),
        _ => None,
    }
}

/// `xmin`/`xmax` in the WHERE of an UPDATE/DELETE (past the target's
/// columns and its `tableoid` slot) are read for the target's own rows
/// only, not yet through a partition or inheritance tree.
fn refuse_row_versions_in_tree(
    table: &TableDef,
    filter: Option<&Expr>,
    partitions: Option<&PartitionTargets>,
) -> SqlResult<()> {
    let width = table.columns.len();
    let reads = filter.is_some_and(|f| system_columns::reads_row_version(f, width));
    if reads && partitions.is_some() {
        return Err(SqlError::unsupported(
            "xmin or xmax in the WHERE of an UPDATE or DELETE of a partitioned or inherited table",
        ));
    }
    Ok(())
}

/// A WHERE bound over the target's columns followed by `tableoid` (column
/// `slot`), for rows of `table`: that column becomes `table`'s oid.
pub(super) fn pin_tableoid(mut e: Expr, slot: usize, table: &TableDef) -> Expr {
    fn pin(e: &mut Expr, slot: usize, oid: i64) {
        if let Expr::Column(i, _) = e {
            if *i == slot {
                *e = Expr::Const(Datum::Int8(oid), SqlType::Int8.plain());
            }
            return;
        }
        e.for_each_child_mut(&mut |c| pin(c, slot, oid));
    }
    pin(&mut e, slot, crate::pg_catalog::table_oid(table));
    e
}

/// `UPDATE ONLY t` / `DELETE FROM ONLY t`: inheritance children excluded.
pub(super) fn is_only(twj: &ast::TableWithJoins) -> bool {
    matches!(
        &twj.relation,
        ast::TableFactor::Table {
            inheritance: Some(ast::TableInheritance::Only { .. }),
            ..
        }
    )
}

/// The INSERT/UPDATE/DELETE of `WITH ... INSERT ...`, which sqlparser
/// parses as a query; None for any other query.
pub fn dml_under_with(q: &ast::Query) -> Option<&ast::Statement> {
    match q.body.as_ref() {
        ast::SetExpr::Insert(s) | ast::SetExpr::Update(s) | ast::SetExpr::Delete(s)
            if q.with.is_some() =>
        {
            Some(s)
        }
        _ => None,
    }
}

impl<'a> Binder<'a> {
    /// Runs `f` with `q`'s WITH queries in scope (for a data statement under
    /// a WITH list).
    pub fn with_ctes<T>(
        &mut self,
        q: &ast::Query,
        f: impl FnOnce(&mut Self) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let base = self.ctes.len();
        if let Some(with) = &q.with {
            self.push_ctes(with, base)?;
        }
        let r = f(self);
        self.ctes.truncate(base);
        r
    }
}

/// `VALUES (f(...), ...)`: a single row that calls a set-returning function
/// (PostgreSQL reads it as a SELECT of the row's expressions), as that
/// SELECT; None for any other VALUES.
fn srf_values_as_select(values: &ast::Values) -> Option<SqlResult<ast::Query>> {
    const SET_RETURNING: [&str; 5] = [
        "generate_series",
        "unnest",
        "generate_subscripts",
        "regexp_matches",
        "regexp_split_to_table",
    ];
    let [row] = values.rows.as_slice() else {
        return None;
    };
    let mut calls_srf = false;
    for e in &row.content {
        let _ = ast::visit_expressions(e, |x| {
            if let ast::Expr::Function(f) = x {
                let name = f.name.to_string().to_lowercase();
                calls_srf |= SET_RETURNING.contains(&name.as_str());
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    if !calls_srf {
        return None;
    }
    let exprs: Vec<String> = row.content.iter().map(ToString::to_string).collect();
    let sql = format!("SELECT {}", exprs.join(", "));
    Some(match crate::session::parse(&sql) {
        Ok(mut statements) => match statements.pop() {
            Some(ast::Statement::Query(q)) => Ok(*q),
            _ => Err(SqlError::internal("VALUES row as SELECT")),
        },
        Err(e) => Err(e),
    })
}
