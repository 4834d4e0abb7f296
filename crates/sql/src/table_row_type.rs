//! The row type of a table: in PostgreSQL every table (partitioned or not)
//! has a composite type of its name, so `row(1, 2)::t`, `'(1,2)'::t` and
//! `CAST(x AS t)` work and `t` may be named wherever a type is. A type name
//! that is neither a user type nor a built-in one falls back to the table
//! it names (unqualified through the search path, or schema-qualified);
//! CREATE TYPE cannot take a table's name (`user_types::check_name_free`),
//! so the two never compete.
//!
//! The type is the table's current columns (dropped ones are gone from
//! `TableDef::columns`). Composite values look their fields up by OID in the
//! user-type registry, so the row type is entered there under an OID
//! derived from the table's name and column list: the same shape always has
//! the same OID (in every process), a table whose columns changed gets a
//! new one, and values typed with the old shape still read with their own
//! fields. These OIDs lie in a range below user-type OIDs and above every
//! table, index, view and sequence OID (`crate::pg_catalog`).

use sqlparser::ast;

use crate::catalog::{Catalog, TableDef};
use crate::error::{SqlError, SqlResult};
use crate::types::{ColType, SqlType};
use crate::user_types::{self, CompositeField, UserTypeDef, UserTypeKind};

/// First row-type OID; OIDs are even (the next one is the array type).
const OID_BASE: u32 = 0x2000_0000;
/// Row-type slots: `OID_BASE + 2 * slot + 1` stays below user-type OIDs.
const SLOTS: u64 = 0x0fff_ffff;

/// The composite type of the table `name` denotes, if it denotes one.
pub fn resolve(catalog: &Catalog, name: &ast::ObjectName) -> SqlResult<Option<ColType>> {
    let Some(table) = table_named(catalog, name) else {
        return Ok(None);
    };
    Ok(Some(SqlType::Composite(register(catalog, table)?).plain()))
}

/// The row type of the table `name` (unqualified, through the search path)
/// when `columns` are exactly that table's columns by name and type, in any
/// order; with, per table column, the position in `columns` holding it.
pub fn row_of_columns<'n>(
    catalog: &Catalog,
    name: &str,
    columns: impl Iterator<Item = (&'n str, ColType)>,
) -> Option<(u32, Vec<usize>)> {
    let table = catalog.tables.get(&catalog.resolve_unqualified(name)?)?;
    let columns: Vec<(&str, ColType)> = columns.collect();
    if columns.len() != table.columns.len() {
        return None;
    }
    let order = table
        .columns
        .iter()
        .map(|c| {
            columns
                .iter()
                .position(|(n, ty)| *n == c.name && *ty == c.ty)
        })
        .collect::<Option<Vec<usize>>>()?;
    let oid = register(catalog, table).ok()?;
    Some((oid, order))
}

/// The table a (possibly schema-qualified) type name denotes.
fn table_named<'c>(catalog: &'c Catalog, name: &ast::ObjectName) -> Option<&'c TableDef> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map(crate::binder::ident_name))
        .collect::<Option<_>>()?;
    let key = match parts.as_slice() {
        [n] => catalog.resolve_unqualified(n)?,
        [s, n] => crate::schema::qualified(s, n),
        _ => return None,
    };
    catalog.tables.get(&key).map(|t| t.as_ref())
}

/// Enters the row type of `table` in the user-type registry; its OID.
pub fn register(catalog: &Catalog, table: &TableDef) -> SqlResult<u32> {
    let fields: Vec<CompositeField> = table
        .columns
        .iter()
        .map(|c| CompositeField {
            name: c.name.clone(),
            ty: c.ty,
        })
        .collect();
    let kind = UserTypeKind::Composite { fields };
    let mut slot = shape_hash(&table.name, &kind)? % SLOTS;
    // Two shapes hashing alike: the later one takes the next free slot.
    for _ in 0..SLOTS {
        let oid = OID_BASE + 2 * slot as u32;
        match user_types::lookup(oid) {
            Some(def) if def.name == table.name && def.kind == kind => return Ok(oid),
            Some(_) => slot = (slot + 1) % SLOTS,
            None => {
                let def = UserTypeDef {
                    name: table.name.clone(),
                    oid,
                    kind,
                };
                user_types::register(catalog, &def)?;
                return Ok(oid);
            }
        }
    }
    Err(SqlError::internal("no free row type OID"))
}

/// After the catalog loads: enters the row types of every table when some
/// column holds a table's row type, so those values read back with their
/// fields after a restart (the registry is per process).
pub fn register_used(catalog: &Catalog) -> SqlResult<()> {
    let row_type_oids = OID_BASE..OID_BASE + 2 * SLOTS as u32;
    let used = catalog.tables.values().any(|t| {
        t.columns.iter().any(|c| match c.ty.ty {
            SqlType::Composite(oid) | SqlType::Array(crate::types::Elem::Composite(oid)) => {
                row_type_oids.contains(&oid)
            }
            _ => false,
        })
    });
    if used {
        for table in catalog.tables.values() {
            register(catalog, table)?;
        }
    }
    Ok(())
}

/// The first column (table, column) of another table holding `table`'s row
/// type (or an array of it): the values that pin the type's shape, so the
/// table may not change its columns or go while they exist.
pub fn column_using(
    catalog: &Catalog,
    table: &TableDef,
    going: &[String],
) -> Option<(String, String)> {
    let row_type_oids = OID_BASE..OID_BASE + 2 * SLOTS as u32;
    let mut staying = catalog.tables.values().filter(|t| !going.contains(&t.name));
    staying.find_map(|other| {
        other.columns.iter().find_map(|c| {
            let oid = match c.ty.ty {
                SqlType::Composite(oid) | SqlType::Array(crate::types::Elem::Composite(oid)) => oid,
                _ => return None,
            };
            let def = row_type_oids
                .contains(&oid)
                .then(|| user_types::lookup(oid))
                .flatten()?;
            (def.name == table.name).then(|| (other.name.clone(), c.name.clone()))
        })
    })
}

/// ALTER TABLE that changes the columns of a table whose row type a column
/// uses: PostgreSQL's 0A000 (it would have to rewrite those values).
pub fn check_alter(catalog: &Catalog, table: &TableDef, at: &ast::AlterTable) -> SqlResult<()> {
    let changes_columns = at.operations.iter().any(|op| {
        matches!(
            op,
            ast::AlterTableOperation::AddColumn { .. }
                | ast::AlterTableOperation::DropColumn { .. }
                | ast::AlterTableOperation::RenameColumn { .. }
                | ast::AlterTableOperation::AlterColumn {
                    op: ast::AlterColumnOperation::SetDataType { .. },
                    ..
                }
        )
    });
    match column_using(catalog, table, &[]) {
        Some((other, column)) if changes_columns => Err(SqlError::new(
            "0A000",
            format!(
                "cannot alter table \"{}\" because column \"{other}.{column}\" uses its row type",
                table.name
            ),
        )),
        _ => Ok(()),
    }
}

/// DROP TABLE of a table whose row type a column of a table that stays
/// uses: PostgreSQL's 2BP01 (CASCADE, which would drop that column, is
/// refused too).
pub fn check_drop(
    catalog: &Catalog,
    table: &TableDef,
    dropping: &[String],
    cascade: bool,
) -> SqlResult<()> {
    match column_using(catalog, table, dropping) {
        Some((other, column)) if cascade => Err(SqlError::unsupported(format!(
            "DROP TABLE ... CASCADE of a table whose row type column {column} of table {other} uses"
        ))),
        Some((other, column)) => Err(SqlError::new(
            "2BP01",
            format!(
                "cannot drop table {} because other objects depend on it",
                table.name
            ),
        )
        .with_detail(format!(
            "column {column} of table {other} depends on type {}",
            table.name
        ))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too.")),
        None => Ok(()),
    }
}

/// FNV-1a over the type's name and JSON fields: stable across processes.
fn shape_hash(name: &str, kind: &UserTypeKind) -> SqlResult<u64> {
    let json = serde_json::to_vec(kind).map_err(|e| SqlError::internal(e.to_string()))?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain([0]).chain(json) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_are_even_and_between_relations_and_user_types() {
        let first = OID_BASE;
        let last_array = OID_BASE + 2 * (SLOTS as u32 - 1) + 1;
        assert!(first > 1_500_000 + 2 * 1_000_000);
        assert!(last_array < 0x4000_0000);
    }

    #[test]
    fn shapes_hash_by_name_and_fields() {
        let kind = |ty: SqlType| UserTypeKind::Composite {
            fields: vec![CompositeField {
                name: "a".into(),
                ty: ty.plain(),
            }],
        };
        let h = |name: &str, ty| shape_hash(name, &kind(ty)).expect("hash");
        assert_eq!(h("t", SqlType::Int4), h("t", SqlType::Int4));
        assert_ne!(h("t", SqlType::Int4), h("t", SqlType::Int8));
        assert_ne!(h("t", SqlType::Int4), h("u", SqlType::Int4));
    }
}
