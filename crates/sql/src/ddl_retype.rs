//! ALTER TABLE ... ALTER COLUMN ... TYPE when stored values change form
//! (`int` -> `bigint`, `text` -> `integer`, any `USING` expression): the
//! table is rewritten under a new table id in the same transaction, each row
//! through its conversion expressions, with every index rebuilt — the way
//! ADD PRIMARY KEY moves rows (`ddl::Rekey`). Changes that leave stored
//! values valid as they are (the same type, a varchar limit raised) stay
//! catalog-only in `ddl::alter_table`.
//!
//! Other ALTER COLUMN actions in the same statement (SET NOT NULL, DEFAULT,
//! ...) are applied first by `ddl::alter_table`; the conversions then run
//! over the result. Conversions are bound the way PostgreSQL binds them:
//! the old column (or the USING expression over the old row) must have an
//! assignment cast to the new type, and so must the column's default.

use sqlparser::ast;

use crate::binder::{ident_name, object_name, Binder, Scope};
use crate::catalog::{Catalog, TableDef};
use crate::ddl::{ColumnRewrite, DdlChange, Rekey, Validation};
use crate::error::{SqlError, SqlResult};
use crate::types::{self, SqlType};

/// Does this ALTER TABLE change a column's type in a way stored rows must
/// be rewritten for? (Unknown tables and columns: no — the catalog-only
/// path reports them.)
pub fn needs_rewrite(catalog: &Catalog, at: &ast::AlterTable) -> bool {
    let Some(t) = object_name(&at.name)
        .ok()
        .and_then(|n| catalog.tables.get(&n).cloned())
    else {
        return false;
    };
    at.operations.iter().any(|op| {
        let ast::AlterTableOperation::AlterColumn {
            column_name,
            op:
                ast::AlterColumnOperation::SetDataType {
                    data_type, using, ..
                },
        } = op
        else {
            return false;
        };
        let Some(i) = t.column_index(&ident_name(column_name)) else {
            return false;
        };
        let Ok(to) = types::from_ast(data_type) else {
            return false;
        };
        using.is_some() || !stored_values_stay_valid(t.columns[i].ty, to)
    })
}

/// The same type, or a varchar whose limit is raised or removed (Django's
/// auth migrations do this): stored values need no conversion.
pub fn stored_values_stay_valid(from: types::ColType, to: types::ColType) -> bool {
    let raises_limit = from.ty == SqlType::Varchar
        && to.ty == SqlType::Varchar
        && (to.typmod < 0 || (from.typmod >= 0 && to.typmod >= from.typmod));
    from == to || raises_limit
}

/// One column's new type and how its values get there.
struct Conversion<'a> {
    column: usize,
    to: types::ColType,
    using: Option<&'a ast::Expr>,
    type_text: String,
}

/// Applies the statement: its other actions through `ddl::alter_table`,
/// then the type changes as a rewrite of the table under a fresh id from
/// `alloc_id`.
pub fn alter_column_types(
    catalog: &Catalog,
    at: &ast::AlterTable,
    sql: &str,
    alloc_id: &mut dyn FnMut() -> u32,
) -> SqlResult<Option<DdlChange>> {
    let name = object_name(&at.name)?;
    let Some(old) = catalog.tables.get(&name).cloned() else {
        if at.if_exists {
            return Ok(None);
        }
        return Err(SqlError::undefined_table(&name));
    };
    crate::table_row_type::check_alter(catalog, &old, at)?;
    if !old.partitioning.is_empty() {
        return Err(SqlError::unsupported(
            "ALTER COLUMN ... TYPE of a partitioned table or a partition",
        ));
    }
    let mut retypes = Vec::new();
    let mut others = Vec::new();
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AlterColumn {
                column_name,
                op:
                    ast::AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    },
            } => retypes.push((column_name, data_type, using.as_ref())),
            ast::AlterTableOperation::AlterColumn { .. } => others.push(op.clone()),
            other => {
                return Err(SqlError::unsupported(format!(
                    "ALTER COLUMN ... TYPE together with {}",
                    other
                        .to_string()
                        .split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ")
                )))
            }
        }
    }
    // The other column actions first; the rewrite starts from their result.
    let mut change = if others.is_empty() {
        DdlChange::catalog_only(catalog.clone(), vec![])
    } else {
        let mut rest = at.clone();
        rest.operations = others;
        match crate::ddl::alter_table(catalog, &rest, sql)? {
            Some(c) => c,
            None => DdlChange::catalog_only(catalog.clone(), vec![]),
        }
    };
    let before = change
        .catalog
        .tables
        .get(&name)
        .cloned()
        .ok_or_else(|| SqlError::undefined_table(&name))?;
    let mut conversions = Vec::new();
    for (column_name, data_type, using) in retypes {
        let cname = ident_name(column_name);
        let column = before.column_index(&cname).ok_or_else(|| {
            SqlError::new(
                "42703",
                format!("column \"{cname}\" of relation \"{name}\" does not exist"),
            )
        })?;
        if conversions.iter().any(|c: &Conversion| c.column == column) {
            return Err(SqlError::new(
                "42601",
                format!("cannot alter type of column \"{cname}\" twice"),
            ));
        }
        conversions.push(Conversion {
            column,
            to: types::from_ast(data_type)?,
            using,
            type_text: data_type.to_string(),
        });
    }
    check_foreign_keys(&change.catalog, &before, &conversions)?;

    let mut binder = Binder::new(&change.catalog, sql, vec![]);
    let scope = Scope::of_table(&before, &before.name);
    let mut rewrite = Vec::new();
    let mut t = (*before).clone();
    for c in &conversions {
        let cname = before.columns[c.column].name.clone();
        let source = match c.using {
            Some(e) => e.clone(),
            None => ast::Expr::Identifier(ast::Ident::with_quote('"', cname.clone())),
        };
        let bound = binder.bind_expr(&source, &scope)?;
        let mut target = t.columns[c.column].clone();
        target.ty = c.to;
        let expr = binder
            .coerce_assign(bound, &target, sqlparser::tokenizer::Span::empty())
            .map_err(|e| {
                if e.sqlstate != "42804" {
                    return e;
                }
                let what = match c.using {
                    Some(_) => format!("result of USING clause for column \"{cname}\""),
                    None => format!("column \"{cname}\""),
                };
                SqlError::new(
                    "42804",
                    format!(
                        "{what} cannot be cast automatically to type {}",
                        c.to.display()
                    ),
                )
                .with_hint(format!(
                    "You might need to specify \"USING {cname}::{}\".",
                    c.type_text
                ))
            })?;
        if let Some(default) = &target.default {
            // The default as the column held it (PostgreSQL stores it cast
            // to the old type), then to the new type.
            let ast = crate::binder::parse_expr(default)?;
            let bound = binder.bind_expr(&ast, &Scope::default())?;
            let bound = binder.coerce_assign(
                bound,
                &before.columns[c.column],
                sqlparser::tokenizer::Span::empty(),
            )?;
            binder
                .coerce_assign(bound, &target, sqlparser::tokenizer::Span::empty())
                .map_err(|e| {
                    if e.sqlstate != "42804" {
                        return e;
                    }
                    SqlError::new(
                        "42804",
                        format!(
                            "default for column \"{cname}\" cannot be cast automatically to type {}",
                            c.to.display()
                        ),
                    )
                })?;
        }
        t.columns[c.column] = target;
        rewrite.push(ColumnRewrite {
            column: c.column,
            expr,
        });
    }
    // Rows are rewritten whole under the new id, in logical layout.
    t.id = alloc_id();
    t.layout.clear();
    t.slots = 0;
    t.stats = None;
    for col in &mut t.columns {
        col.missing = None;
    }
    // The checks must still bind (and hold) over the new types.
    Binder::new(&change.catalog, sql, vec![]).checks(&t)?;
    let t = std::sync::Arc::new(t);
    change.catalog.next_table_id = change.catalog.next_table_id.max(t.id + 1);
    change.catalog.tables.insert(t.name.clone(), t.clone());
    let key = crate::catalog::table_key(&t.name);
    change.mutations.retain(|m| m.key != key);
    change.mutations.push(Catalog::table_mutation(&t)?);
    change
        .mutations
        .push(Catalog::next_id_mutation(change.catalog.next_table_id));
    for check in &t.checks {
        change.validations.push(Validation::Check {
            table: t.clone(),
            name: check.name.clone(),
        });
    }
    // The table's own keys are checked again over the converted values.
    for fk in &t.foreign_keys {
        if fk
            .columns
            .iter()
            .any(|col| conversions.iter().any(|c| c.column == *col))
        {
            change.validations.push(Validation::ForeignKey {
                table: t.clone(),
                fk: fk.clone(),
            });
        }
    }
    change.rekey = Some(Rekey {
        tables: vec![(before, t)],
        rewrite,
    });
    Ok(Some(change))
}

/// Foreign-key checks cast values between the two sides' types, so a key
/// column may change type within its family (int -> bigint, varchar ->
/// text: Django's BigAutoField migrations); across families PostgreSQL
/// finds no equality operator and says so. A USING conversion of a
/// referenced column could silently break the children's references, so it
/// is refused.
fn check_foreign_keys(
    catalog: &Catalog,
    table: &TableDef,
    conversions: &[Conversion],
) -> SqlResult<()> {
    let conversion = |col: usize| conversions.iter().find(|c| c.column == col);
    let new_type = |col: usize| conversion(col).map_or(table.columns[col].ty.ty, |c| c.to.ty);
    // Every key column pair with a converted side: (key, child table,
    // child column, parent column), columns as (name, type after the change).
    let mut pairs = Vec::new();
    for fk in &table.foreign_keys {
        let self_reference = fk.ref_table == table.name;
        let parent = if self_reference {
            Some(table)
        } else {
            catalog.tables.get(&fk.ref_table).map(|p| &**p)
        };
        let Some(parent) = parent else { continue };
        for (&c, &r) in fk.columns.iter().zip(&fk.ref_columns) {
            let parent_type = if self_reference {
                new_type(r)
            } else {
                parent.columns[r].ty.ty
            };
            if conversion(c).is_some() || (self_reference && conversion(r).is_some()) {
                pairs.push((
                    fk,
                    table,
                    (&table.columns[c].name, new_type(c)),
                    (&parent.columns[r].name, parent_type),
                    None,
                ));
            }
        }
    }
    for child in catalog.tables.values().filter(|o| o.name != table.name) {
        for fk in child
            .foreign_keys
            .iter()
            .filter(|fk| fk.ref_table == table.name)
        {
            for (&c, &r) in fk.columns.iter().zip(&fk.ref_columns) {
                if let Some(converted) = conversion(r) {
                    pairs.push((
                        fk,
                        &**child,
                        (&child.columns[c].name, child.columns[c].ty.ty),
                        (&table.columns[r].name, new_type(r)),
                        Some(converted),
                    ));
                }
            }
        }
    }
    for (fk, child, (child_col, child_type), (parent_col, parent_type), referenced) in pairs {
        let comparable = match (key_family(child_type), key_family(parent_type)) {
            (Some(a), Some(b)) => a == b,
            _ => child_type == parent_type,
        };
        if !comparable {
            return Err(SqlError::new(
                "42804",
                format!("foreign key constraint \"{}\" cannot be implemented", fk.name),
            )
            .with_detail(format!(
                "Key columns \"{child_col}\" and \"{parent_col}\" are of incompatible types: {} and {}.",
                child_type.display_name(),
                parent_type.display_name()
            )));
        }
        if referenced.is_some_and(|c| c.using.is_some()) {
            return Err(SqlError::unsupported(format!(
                "ALTER COLUMN ... TYPE ... USING of column \"{parent_col}\", which foreign key \"{}\" of table \"{}\" references",
                fk.name, child.name
            )));
        }
    }
    Ok(())
}

/// Types whose values foreign-key checks compare with each other (None:
/// only with its own type).
fn key_family(ty: SqlType) -> Option<u8> {
    Some(match ty {
        SqlType::Int2
        | SqlType::Int4
        | SqlType::Int8
        | SqlType::Numeric
        | SqlType::Float4
        | SqlType::Float8 => 1,
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Name => 2,
        _ => return None,
    })
}
