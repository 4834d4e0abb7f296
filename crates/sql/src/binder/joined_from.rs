//! Binding of `UPDATE target SET ... FROM other ... WHERE ...` and
//! `DELETE FROM target USING other ... WHERE ...`: the FROM (USING) list is
//! planned like a SELECT's, and the SET values, WHERE and RETURNING are
//! bound over the target's columns followed by the other list's columns.
//! The executor joins each target row to the first other row satisfying
//! WHERE, as PostgreSQL updates or deletes a target row at most once.

use super::dml::is_only;
use super::*;

impl<'a> Binder<'a> {
    pub(super) fn bind_update_from(
        &mut self,
        u: &ast::Update,
        table: Arc<TableDef>,
        target_scope: Scope,
        from: &[ast::TableWithJoins],
    ) -> SqlResult<UpdatePlan> {
        let (joined, scope) = self.bind_joined_from(target_scope, from)?;
        let assignments = self.bind_assignments(&table, &u.assignments, &scope)?;
        let filter = self.joined_filter(&u.selection, &scope)?;
        let mut checks = self.checks(&table)?;
        let returning = self.returning(&u.returning, &scope)?;
        // Row-level security (`row_security.rs`): a join reads the target.
        let command = crate::row_security::PolicyCommand::Update;
        let filter = self.write_policy_filter(&table, command, true, filter)?;
        let mut partitions =
            self.joined_write_targets(&table, filter.as_ref(), is_only(&u.table))?;
        self.add_write_checks(
            &table,
            command,
            true,
            &mut checks,
            partitions.as_mut().map(|t| &mut t.router),
        )?;
        Ok(UpdatePlan {
            alias: super::dml::target_alias(&u.table),
            table,
            // The join condition may involve FROM columns, so every target
            // row is read and the filter applied to the joined row.
            access: Access::Full,
            filter,
            assignments,
            checks,
            returning,
            partitions,
            from: Some(Box::new(joined)),
        })
    }

    pub(super) fn bind_delete_using(
        &mut self,
        d: &ast::Delete,
        table: Arc<TableDef>,
        target_scope: Scope,
        using: &[ast::TableWithJoins],
    ) -> SqlResult<DeletePlan> {
        let (joined, scope) = self.bind_joined_from(target_scope, using)?;
        let filter = self.joined_filter(&d.selection, &scope)?;
        let command = crate::row_security::PolicyCommand::Delete;
        let filter = self.write_policy_filter(&table, command, true, filter)?;
        let returning = self.returning(&d.returning, &scope)?;
        let only = matches!(&d.from, ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) if v.first().is_some_and(is_only));
        let partitions = self.joined_write_targets(&table, filter.as_ref(), only)?;
        let alias = match &d.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => {
                v.first().and_then(super::dml::target_alias)
            }
        };
        Ok(DeletePlan {
            alias,
            table,
            access: Access::Full,
            filter,
            returning,
            partitions,
            using: Some(Box::new(joined)),
        })
    }

    /// Plans the other list and returns the scope of joined rows: the
    /// target's columns, then the other list's.
    fn bind_joined_from(
        &mut self,
        target_scope: Scope,
        from: &[ast::TableWithJoins],
    ) -> SqlResult<(JoinedFrom, Scope)> {
        let (plan, from_scope) = self.bind_from(from)?;
        let target_name = target_scope.cols.first().and_then(|c| c.qualifier.clone());
        if let Some(name) = target_name {
            if from_scope
                .cols
                .iter()
                .any(|c| c.qualifier.as_deref() == Some(name.as_str()))
            {
                return Err(SqlError::new(
                    "42712",
                    format!("table name \"{name}\" specified more than once"),
                ));
            }
        }
        let width = from_scope.cols.len();
        let mut scope = target_scope;
        scope.cols.extend(from_scope.cols);
        Ok((JoinedFrom { plan, width }, scope))
    }

    /// WHERE over joined rows (the join condition may use both sides, so
    /// every target row is read and the filter applied to the joined row).
    fn joined_filter(
        &mut self,
        selection: &Option<ast::Expr>,
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        let Some(w) = selection else {
            return Ok(None);
        };
        if contains_aggregate(w) {
            return self.err_at(
                SqlError::new("42803", "aggregate functions are not allowed in WHERE"),
                start_span(w),
            );
        }
        // Joined rows are followed by the target row's table oid.
        let b = self.bind_expr(w, &self.scope_with_tableoid(scope))?;
        Ok(Some(self.coerce_bool(b, "WHERE", start_span(w))?))
    }
}
