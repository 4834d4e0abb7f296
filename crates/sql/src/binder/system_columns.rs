//! The row-version system columns `xmin` and `xmax`: which statements name
//! them, and the scope columns a scan or RETURNING adds for them. Like
//! `tableoid`, they are added only when the statement's text names one
//! (so `*` and ordinary statements never see them), and hidden from `*`.
//! Their values come from the executor: `xmin` is the id of the
//! transaction that wrote the row version (stored with it,
//! `crate::encoding::row_xmin`), `xmax` that of the transaction that
//! deleted or locked it, 0 for a live row (PostgreSQL's values in
//! RETURNING: the own transaction after DELETE and ON CONFLICT DO UPDATE).
//! They are typed `oid` (unsigned 32-bit, what drivers read an `xid` as):
//! Borealis has no `xid` type, and `::xid` casts to int8.

use super::*;

/// The row-version columns, in the order they follow a row.
pub(crate) const ROW_VERSION_COLUMNS: [&str; 2] = ["xmin", "xmax"];

/// `tableoid`, `xmin` or `xmax`: hidden from `t.*` where a scan added it.
pub(crate) fn is_system_column(name: &str) -> bool {
    name == "tableoid" || ROW_VERSION_COLUMNS.contains(&name)
}

/// Does the statement text name `xmin` or `xmax` (a cheap over-approximation:
/// a string literal holding one only adds unused columns)?
pub(crate) fn names_row_version_column(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    ROW_VERSION_COLUMNS.iter().any(|c| lower.contains(c))
}

/// Does `filter`, over a table of `width` columns followed by `tableoid`,
/// `xmin` and `xmax` (an UPDATE's or DELETE's WHERE), read `xmin` or `xmax`?
pub(crate) fn reads_row_version(filter: &Expr, width: usize) -> bool {
    fn walk(e: &Expr, width: usize, found: &mut bool) {
        if let Expr::Column(i, _) = e {
            *found |= *i > width;
            return;
        }
        e.for_each_child(&mut |c| walk(c, width, found));
    }
    let mut found = false;
    walk(filter, width, &mut found);
    found
}

/// The scope columns of the row-version columns of a relation `qualifier`.
pub(crate) fn row_version_scope(qualifier: Option<String>) -> impl Iterator<Item = ScopeCol> {
    ROW_VERSION_COLUMNS.into_iter().map(move |name| ScopeCol {
        qualifier: qualifier.clone(),
        name: name.to_string(),
        ty: SqlType::Oid.plain(),
    })
}
