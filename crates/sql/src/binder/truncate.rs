//! Binding of TRUNCATE: the tables it empties — a partitioned table with
//! every partition below it, an inheritance parent with its descendants
//! (unless ONLY), under CASCADE every table whose foreign key reaches one of
//! them (with PostgreSQL's NOTICE for each) — and, under RESTART IDENTITY,
//! the sequences those tables own.

use super::*;

/// What TRUNCATE does, in PostgreSQL's order of the tables.
#[derive(Clone, Debug)]
pub struct TruncatePlan {
    pub tables: Vec<Arc<TableDef>>,
    /// RESTART IDENTITY: each owned sequence with its START value.
    pub restart_sequences: Vec<(String, i64)>,
    /// Tables CASCADE added, for "truncate cascades to table" NOTICEs.
    pub cascaded: Vec<String>,
}

/// Does a foreign key of `other` reference `table`: name it, or name a
/// partitioned table above it (PostgreSQL clones such a key onto every
/// partition of the referenced table)?
pub fn truncate_references(catalog: &Catalog, other: &TableDef, table: &TableDef) -> bool {
    let mut referenced = vec![table.name.clone()];
    let mut current = table.partitioning.of.as_ref().map(|o| o.parent.clone());
    while let Some(p) = current {
        if referenced.contains(&p) {
            break;
        }
        current = catalog
            .tables
            .get(&p)
            .and_then(|t| t.partitioning.of.as_ref().map(|o| o.parent.clone()));
        referenced.push(p);
    }
    other
        .foreign_keys
        .iter()
        .any(|f| referenced.contains(&f.ref_table))
}

fn push_unique(out: &mut Vec<Arc<TableDef>>, t: Arc<TableDef>) {
    if !out.iter().any(|x| x.name == t.name) {
        out.push(t);
    }
}

impl<'a> Binder<'a> {
    pub fn bind_truncate(&mut self, t: &ast::Truncate) -> SqlResult<TruncatePlan> {
        if t.partitions.is_some() {
            return Err(SqlError::unsupported("TRUNCATE ... PARTITION"));
        }
        let mut out: Vec<Arc<TableDef>> = Vec::new();
        for target in &t.table_names {
            let table = self.table(&target.name)?;
            if target.only && table.partitioning.key.is_some() {
                return Err(
                    SqlError::new("42809", "cannot truncate only a partitioned table").with_hint(
                        "Do not specify the ONLY keyword, or use TRUNCATE ONLY on the partitions directly.",
                    ),
                );
            }
            push_unique(&mut out, table.clone());
            if target.only {
                continue;
            }
            // Partitioned tables below it hold no rows but carry foreign
            // keys, so they are listed too.
            for d in crate::partition::descendants(self.catalog, &table) {
                push_unique(&mut out, d);
            }
            for d in crate::inheritance::descendants(self.catalog, &table) {
                push_unique(&mut out, d);
            }
        }
        let cascaded = if matches!(t.cascade, Some(ast::CascadeOption::Cascade)) {
            self.add_referencing_tables(&mut out)
        } else {
            vec![]
        };
        let restart_sequences = if matches!(t.identity, Some(ast::TruncateIdentityOption::Restart))
        {
            out.iter()
                .flat_map(|t| t.owned_sequences.iter())
                .filter(|s| self.catalog.sequences.contains_key(*s))
                .map(|s| (s.clone(), self.catalog.sequence_options(s).start))
                .collect()
        } else {
            vec![]
        };
        Ok(TruncatePlan {
            tables: out,
            restart_sequences,
            cascaded,
        })
    }

    /// TRUNCATE ... CASCADE: in rounds, as PostgreSQL does, adds every
    /// table (oldest first) with a foreign key to one already in `tables`;
    /// returns the names added.
    fn add_referencing_tables(&self, tables: &mut Vec<Arc<TableDef>>) -> Vec<String> {
        let mut by_id: Vec<&Arc<TableDef>> = self.catalog.tables.values().collect();
        by_id.sort_by_key(|t| t.id);
        let mut added = Vec::new();
        loop {
            let round: Vec<Arc<TableDef>> = by_id
                .iter()
                .filter(|other| {
                    !tables.iter().any(|t| t.name == other.name)
                        && tables
                            .iter()
                            .any(|t| truncate_references(self.catalog, other, t))
                })
                .map(|t| Arc::clone(t))
                .collect();
            if round.is_empty() {
                return added;
            }
            for t in round {
                added.push(t.name.clone());
                tables.push(t);
            }
        }
    }
}
