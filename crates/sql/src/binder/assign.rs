//! Binding of the SET list of UPDATE and ON CONFLICT DO UPDATE: single
//! columns, `DEFAULT`, and PostgreSQL's multiple-column forms
//! `(a, b) = (x, y)`, `(a, b) = ROW(...)` and `(a, b) = (SELECT ...)`.
//! A multiple-column sub-SELECT is one subquery (PostgreSQL's MULTIEXPR
//! subplan): each target column reads its column of the subquery's single
//! row through a `SubqueryKind::MultiAssign` node sharing the subquery's
//! id, so the executor runs it once per row (NULLs for no row, error 21000
//! for several).

use super::*;

/// One target column's source before binding.
enum Source<'e> {
    Expr(&'e ast::Expr),
    /// A value already bound (an expanded `ROW(...)` argument).
    Bound(Expr),
    /// Column `index` of the multiple-column sub-SELECT numbered `id`.
    SubqueryColumn {
        id: usize,
        plan: Arc<QueryPlan>,
        correlated: bool,
        index: usize,
    },
}

impl<'a> Binder<'a> {
    /// Binds a SET list against `scope` (whose first columns are `table`'s)
    /// into (column index, value) pairs coerced to the column types.
    pub(super) fn bind_assignments(
        &mut self,
        table: &TableDef,
        items: &[ast::Assignment],
        scope: &Scope,
    ) -> SqlResult<Vec<(usize, Expr)>> {
        let mut out: Vec<(usize, Expr)> = Vec::new();
        for a in items {
            for (target, source) in self.assignment_sources(a, scope)? {
                let ci = self.assignment_column(table, target)?;
                if out.iter().any(|(i, _)| *i == ci) {
                    return Err(SqlError::new(
                        "42601",
                        format!(
                            "multiple assignments to same column \"{}\"",
                            table.columns[ci].name
                        ),
                    ));
                }
                let value = match source {
                    Source::Expr(e) if is_default_keyword(e) => {
                        let defaults = self.defaults(table)?;
                        defaults[ci]
                            .clone()
                            .unwrap_or(Expr::Const(Datum::Null, table.columns[ci].ty))
                    }
                    // A whole-row reference is a record, which no column here holds.
                    Source::Expr(e @ ast::Expr::QualifiedWildcard(..)) => {
                        let col = &table.columns[ci];
                        return Err(SqlError::new(
                            "42804",
                            format!(
                                "column \"{}\" is of type {} but expression is of type record",
                                col.name,
                                col.ty.display()
                            ),
                        )
                        .with_hint("You will need to rewrite or cast the expression.")
                        .at(self.pos(e.span())));
                    }
                    Source::Expr(e) => {
                        let b = self.bind_expr(e, scope)?;
                        self.coerce_assign(b, &table.columns[ci], start_span(e))?
                    }
                    Source::Bound(b) => self.coerce_assign(b, &table.columns[ci], Span::empty())?,
                    Source::SubqueryColumn {
                        id,
                        plan,
                        correlated,
                        index,
                    } => {
                        let b = subquery_column(id, plan, correlated, index);
                        self.coerce_assign(b, &table.columns[ci], Span::empty())?
                    }
                };
                out.push((ci, value));
            }
        }
        Ok(out)
    }

    /// Splits one SET item into (target column name, source) pairs.
    fn assignment_sources<'e>(
        &mut self,
        a: &'e ast::Assignment,
        scope: &Scope,
    ) -> SqlResult<Vec<(&'e ast::ObjectName, Source<'e>)>> {
        let targets = match &a.target {
            ast::AssignmentTarget::ColumnName(cn) => {
                return Ok(vec![(cn, Source::Expr(&a.value))]);
            }
            ast::AssignmentTarget::Tuple(cols) => cols,
        };
        let mismatch_at = match &a.value {
            ast::Expr::Subquery(q) => self.opening_paren(q.span()),
            value => self.pos(start_span(value)),
        };
        let mismatch =
            SqlError::syntax("number of columns does not match number of values").at(mismatch_at);
        let sources: Vec<Source<'e>> = match &a.value {
            ast::Expr::Tuple(values) => values.iter().map(Source::Expr).collect(),
            ast::Expr::Function(f) if is_row_constructor(f) => {
                return self.row_sources(targets, f, scope, mismatch);
            }
            ast::Expr::Subquery(q) => {
                let (plan, correlated) = self.bind_subquery(q, scope)?;
                let plan = Arc::new(plan);
                let id = self.next_id();
                (0..plan.columns.len())
                    .map(|index| Source::SubqueryColumn {
                        id,
                        plan: plan.clone(),
                        correlated,
                        index,
                    })
                    .collect()
            }
            // `(a, b) = (x)` is a single parenthesized value, as in PostgreSQL.
            other => {
                let at = match other {
                    ast::Expr::Nested(inner) => self.opening_paren(inner.span()),
                    _ => self.pos(start_span(other)),
                };
                return Err(SqlError::new(
                    "0A000",
                    "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
                )
                .at(at));
            }
        };
        if sources.len() != targets.len() {
            return Err(mismatch);
        }
        Ok(targets.iter().zip(sources).collect())
    }

    /// `ROW(...)` as a multiple-column source; `alias.*` arguments expand to
    /// the columns of that scope entry.
    fn row_sources<'e>(
        &mut self,
        targets: &'e [ast::ObjectName],
        f: &'e ast::Function,
        scope: &Scope,
        mismatch: SqlError,
    ) -> SqlResult<Vec<(&'e ast::ObjectName, Source<'e>)>> {
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(mismatch);
        };
        let mut owned: Vec<ast::Expr> = Vec::new();
        for arg in &list.args {
            let ast::FunctionArg::Unnamed(arg) = arg else {
                return Err(SqlError::unsupported("named arguments in ROW()"));
            };
            match arg {
                ast::FunctionArgExpr::Expr(e) => owned.push(e.clone()),
                ast::FunctionArgExpr::QualifiedWildcard(name) => {
                    let qualifier = name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(ident_name)
                        .unwrap_or_default();
                    let before = owned.len();
                    for c in &scope.cols {
                        if c.qualifier.as_deref() == Some(qualifier.as_str()) {
                            owned.push(qualified_column(&qualifier, &c.name));
                        }
                    }
                    if owned.len() == before {
                        return Err(SqlError::new(
                            "42P01",
                            format!("missing FROM-clause entry for table \"{qualifier}\""),
                        ));
                    }
                }
                ast::FunctionArgExpr::Wildcard | ast::FunctionArgExpr::WildcardWithOptions(_) => {
                    for c in &scope.cols {
                        owned.push(match &c.qualifier {
                            Some(q) => qualified_column(q, &c.name),
                            None => ast::Expr::Identifier(quoted_ident(&c.name)),
                        });
                    }
                }
            }
        }
        if owned.len() != targets.len() {
            return Err(mismatch);
        }
        // Bound here: the expanded expressions do not outlive this call.
        let mut out = Vec::with_capacity(owned.len());
        for (t, e) in targets.iter().zip(owned) {
            out.push((t, Source::Bound(self.bind_expr(&e, scope)?)));
        }
        Ok(out)
    }

    fn assignment_column(&self, table: &TableDef, target: &ast::ObjectName) -> SqlResult<usize> {
        let cname = match target.0.last().and_then(|p| p.as_ident()) {
            Some(i) => ident_name(i),
            None => return Err(SqlError::unsupported("this assignment target")),
        };
        table.column_index(&cname).ok_or_else(|| {
            SqlError::new(
                "42703",
                format!(
                    "column \"{cname}\" of relation \"{}\" does not exist",
                    table.name
                ),
            )
            .at(self.pos(target.span()))
        })
    }
}

/// Column `index` of the single row of multiple-column sub-SELECT `id`.
fn subquery_column(id: usize, plan: Arc<QueryPlan>, correlated: bool, index: usize) -> Expr {
    let ty = plan.columns[index].ty;
    Expr::Subquery {
        id,
        kind: SubqueryKind::MultiAssign { column: index },
        plan,
        lhs: None,
        operand: ty.ty,
        negated: false,
        correlated,
        ty,
    }
}

fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id)
        if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

fn is_row_constructor(f: &ast::Function) -> bool {
    f.name.0.len() == 1
        && f.name.0[0]
            .as_ident()
            .is_some_and(|i| i.quote_style.is_none() && i.value.eq_ignore_ascii_case("row"))
}

fn quoted_ident(name: &str) -> ast::Ident {
    ast::Ident::with_quote('"', name)
}

fn qualified_column(qualifier: &str, name: &str) -> ast::Expr {
    ast::Expr::CompoundIdentifier(vec![quoted_ident(qualifier), quoted_ident(name)])
}
