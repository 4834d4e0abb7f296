//! Binding of `UPDATE target SET ... FROM other ... WHERE ...`: the FROM
//! list is planned like a SELECT's, and the SET values, WHERE and RETURNING
//! are bound over the target's columns followed by the FROM columns. The
//! executor joins each target row to the first FROM row satisfying WHERE,
//! as PostgreSQL updates a target row at most once.

use super::*;

impl<'a> Binder<'a> {
    pub(super) fn bind_update_from(
        &mut self,
        u: &ast::Update,
        table: Arc<TableDef>,
        target_scope: Scope,
        from: &[ast::TableWithJoins],
    ) -> SqlResult<UpdatePlan> {
        if table.partitioning.key.is_some() {
            return Err(SqlError::unsupported(
                "UPDATE ... FROM on a partitioned table",
            ));
        }
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
        let assignments = self.bind_assignments(&table, &u.assignments, &scope)?;
        let filter = match &u.selection {
            None => None,
            Some(w) => {
                if contains_aggregate(w) {
                    return self.err_at(
                        SqlError::new("42803", "aggregate functions are not allowed in WHERE"),
                        start_span(w),
                    );
                }
                let b = self.bind_expr(w, &scope)?;
                Some(self.coerce_bool(b, "WHERE", start_span(w))?)
            }
        };
        let checks = self.checks(&table)?;
        let returning = self.returning(&u.returning, &scope)?;
        Ok(UpdatePlan {
            table,
            // The join condition may involve FROM columns, so every target
            // row is read and the filter applied to the joined row.
            access: Access::Full,
            filter,
            assignments,
            checks,
            returning,
            partitions: None,
            from: Some(Box::new(UpdateFrom { plan, width })),
        })
    }
}
