//! CREATE TABLE ... AS query: the table gets the query's output columns
//! (renamed by a column list if given) and is filled by the query, both in
//! one transaction, as in PostgreSQL.

use super::*;

impl Session {
    pub(super) async fn create_table_as(
        &mut self,
        ct: &ast::CreateTable,
        sql: &str,
    ) -> SqlResult<StatementOutput> {
        let Some(query) = ct.query.as_deref() else {
            return Err(SqlError::internal("CREATE TABLE AS without a query"));
        };
        let catalog = self.catalog();
        let name = crate::binder::object_name(&ct.name)?;
        if ct.if_not_exists
            && (catalog.tables.contains_key(&name) || catalog.views.contains_key(&name))
        {
            return Ok(StatementOutput::Command {
                tag: "CREATE TABLE AS".to_string(),
            });
        }
        let plan = Binder::new(&catalog, sql, vec![]).bind_query(query)?;
        if ct.columns.len() > plan.columns.len() {
            return Err(SqlError::syntax("too many column names were specified"));
        }
        let mut definition = ct.clone();
        definition.query = None;
        definition.columns = plan
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| column_like(ct.columns.get(i), c))
            .collect::<SqlResult<_>>()?;
        let fill = format!("INSERT INTO {} {}", ct.name, query);

        let autocommit = self.txn.is_none();
        if autocommit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let result = self.create_and_fill(&definition, sql, &fill).await;
        if autocommit {
            if let Some(t) = self.txn.take() {
                match &result {
                    Ok(_) => self.commit_txn(t).await?,
                    Err(_) => self.engine.rollback(t),
                }
            }
        } else if result.is_err() {
            self.fail_block();
        }
        let rows = result?;
        Ok(StatementOutput::Command {
            tag: format!("SELECT {rows}"),
        })
    }

    /// Creates the table and runs `fill` (INSERT INTO it the query) in the
    /// open transaction; the number of rows inserted.
    async fn create_and_fill(
        &mut self,
        definition: &ast::CreateTable,
        sql: &str,
        fill: &str,
    ) -> SqlResult<u64> {
        let id = self.engine.alloc_table_id();
        self.ddl_in_txn(|c| ddl::create_table(c, definition, sql, id, &mut Vec::new()))
            .await?;
        let statement = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(fill)
            .and_then(|mut p| p.parse_statement())
            .map_err(|e| SqlError::internal(format!("CREATE TABLE AS: {e}")))?;
        let catalog = self.catalog();
        let bound = {
            let mut b = Binder::new(&catalog, fill, vec![]);
            bind_data(&mut b, &statement)?
        };
        match self.run_in_txn(&bound, &[]).await? {
            StatementOutput::Command { tag } => tag
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| SqlError::internal("INSERT without a row count")),
            _ => Err(SqlError::internal("INSERT returned rows")),
        }
    }
}

/// A column definition for query output `out`, named by `named` if given.
fn column_like(named: Option<&ast::ColumnDef>, out: &OutColumn) -> SqlResult<ast::ColumnDef> {
    // An unknown-typed output (a bare literal) is stored as text.
    let ty = match out.ty.ty {
        SqlType::Unknown => SqlType::Text.plain(),
        _ => out.ty,
    };
    let data_type = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&ty.display())
        .and_then(|mut p| p.parse_data_type())
        .map_err(|e| SqlError::internal(format!("type {}: {e}", ty.display())))?;
    Ok(ast::ColumnDef {
        name: named
            .map(|c| c.name.clone())
            .unwrap_or_else(|| ast::Ident::with_quote('"', out.name.clone())),
        data_type,
        options: vec![],
    })
}
