//! Disk-usage functions: `pg_relation_size`, `pg_table_size`,
//! `pg_indexes_size`, `pg_total_relation_size`, `pg_database_size` and
//! `pg_tablespace_size` (what psql's `\d+`, `\dt+`, `\di+` and `\l+` show).
//!
//! A relation's size is the bytes of the keys and values stored for it in
//! the volume as the statement sees them: a table's rows (its row index,
//! index id 0, which is also its primary key), a secondary index's
//! entries, a sequence's state entry. The binder fixes each oid's key
//! ranges from the catalog (`ranges`); the executor sums them when the
//! statement runs (`Expr::StoredBytes`), so the cost is a scan of the
//! relation. A table's toast relation (`crate::toast`) is its chunk key
//! range. Partitioned tables and views store nothing (0, as in
//! PostgreSQL); there is no free-space or visibility map, so the forks
//! other than `main` are empty.
//!
//! Sizes are reported in whole 8 kB pages, the unit PostgreSQL's sizes
//! always come in and tools divide by (`relpages`-style arithmetic,
//! `pg_size_pretty`): each relation's stored bytes are rounded up to the
//! next multiple of [`PAGE_BYTES`], so a relation holding anything is at
//! least one page and an empty one is 0. The volume itself is not paged;
//! the rounding is reporting only.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::encoding::{index_prefix, prefix_end, CATALOG_PREFIX, DATA_PREFIX};

/// The page size sizes are reported in (PostgreSQL's BLCKSZ).
pub const PAGE_BYTES: i64 = 8192;

/// `bytes` stored for one relation, as the whole pages reporting it takes.
pub fn whole_pages(bytes: i64) -> i64 {
    debug_assert!(bytes >= 0, "stored bytes are never negative");
    let pages = bytes.saturating_add(PAGE_BYTES - 1) / PAGE_BYTES;
    pages.saturating_mul(PAGE_BYTES)
}

/// `[start, end)` of store keys.
pub type KeyRange = (Vec<u8>, Vec<u8>);

/// The key ranges whose bytes make up the size of each relation oid.
pub type RangesByOid = BTreeMap<i64, Vec<KeyRange>>;

/// Where a relation's bytes are (`crate::pg_catalog::relation_storage`).
pub enum Stored {
    /// A table: its row index (id 0), its secondary indexes and, if it
    /// has one, its toast relation.
    Table {
        id: u32,
        index_ids: Vec<u8>,
        toast: bool,
    },
    /// The toast relation of table `table_id`: its chunks.
    Toast {
        table_id: u32,
    },
    Index {
        table_id: u32,
        index_id: u8,
    },
    /// A sequence's state entry, by catalog key.
    Sequence(String),
    /// Views, partitioned tables, composite types: nothing stored.
    Nothing,
}

/// What a size function measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// pg_relation_size: the relation's own data.
    Relation,
    /// pg_table_size: the table and its toast relation, without indexes.
    Table,
    /// pg_indexes_size: the table's secondary indexes.
    Indexes,
    /// pg_total_relation_size: table, toast relation and indexes.
    Total,
}

fn index_range(table_id: u32, index_id: u8) -> KeyRange {
    let start = index_prefix(table_id, index_id);
    let end = prefix_end(&start);
    (start, end)
}

/// The ranges `measure` sums for every relation oid.
pub fn ranges(cat: &Catalog, measure: Measure) -> RangesByOid {
    let mut out = RangesByOid::new();
    for (oid, stored) in crate::pg_catalog::relation_storage(cat) {
        let ranges = match stored {
            Stored::Table {
                id,
                index_ids,
                toast,
            } => {
                let rows = index_range(id, crate::encoding::PRIMARY_INDEX);
                let secondary = index_ids
                    .into_iter()
                    .filter(|&ix| ix != crate::encoding::PRIMARY_INDEX)
                    .map(|ix| index_range(id, ix));
                let toast = toast.then(|| crate::toast::toast_range(id));
                match measure {
                    Measure::Relation => vec![rows],
                    Measure::Table => std::iter::once(rows).chain(toast).collect(),
                    Measure::Indexes => secondary.collect(),
                    Measure::Total => std::iter::once(rows)
                        .chain(toast)
                        .chain(secondary)
                        .collect(),
                }
            }
            Stored::Toast { table_id } => match measure {
                Measure::Indexes => vec![],
                _ => vec![crate::toast::toast_range(table_id)],
            },
            // The primary key is the row index: no bytes of its own.
            Stored::Index { index_id, .. } if index_id == crate::encoding::PRIMARY_INDEX => {
                vec![]
            }
            Stored::Index { table_id, index_id } => match measure {
                Measure::Indexes => vec![],
                _ => vec![index_range(table_id, index_id)],
            },
            Stored::Sequence(key) => {
                let start = crate::catalog::sequence_key(&key);
                // Exactly this key (another sequence's name may extend it).
                let mut end = start.clone();
                end.push(0);
                match measure {
                    Measure::Indexes => vec![],
                    _ => vec![(start, end)],
                }
            }
            Stored::Nothing => vec![],
        };
        out.insert(oid, ranges);
    }
    out
}

/// Everything the database stores: its catalog, every row and index entry
/// and every toast chunk (pg_database_size, pg_tablespace_size of
/// pg_default). The toast ranges of `cat`'s tables are ranges of their own,
/// which the executor measures through the rows' pointers instead of
/// reading the chunks (`crate::toast::table_of_toast_range`).
pub fn database_ranges(cat: &Catalog) -> Vec<KeyRange> {
    let mut toast: Vec<KeyRange> = cat
        .tables
        .values()
        .map(|t| crate::toast::toast_range(t.id))
        .collect();
    toast.sort();
    let mut out = Vec::with_capacity(2 * toast.len() + 1);
    let mut from = vec![CATALOG_PREFIX];
    for (start, end) in toast {
        out.push((std::mem::replace(&mut from, end.clone()), start.clone()));
        out.push((start, end));
    }
    out.push((from, prefix_end(&[DATA_PREFIX])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_whole_pages() {
        assert_eq!(whole_pages(0), 0);
        assert_eq!(whole_pages(1), 8192);
        assert_eq!(whole_pages(1064), 8192);
        assert_eq!(whole_pages(8192), 8192);
        assert_eq!(whole_pages(8193), 16384);
        assert_eq!(whole_pages(i64::MAX) % PAGE_BYTES, 0);
    }

    #[test]
    fn the_database_ranges_cover_everything_once_with_toast_ranges_apart() {
        let mut cat = Catalog::default();
        for (name, id) in [("a", 9u32), ("b", 3)] {
            let t: crate::catalog::TableDef = serde_json::from_str(&format!(
                r#"{{"id":{id},"name":"{name}","columns":[],"primary_key":null,"unique":[],
                    "checks":[],"rowid_sequence":null,"owned_sequences":[]}}"#
            ))
            .expect("a table definition");
            cat.tables.insert(name.into(), std::sync::Arc::new(t));
        }
        let ranges = database_ranges(&cat);
        assert_eq!(ranges.len(), 5);
        assert_eq!(ranges[0].0, vec![CATALOG_PREFIX]);
        assert_eq!(ranges[4].1, prefix_end(&[DATA_PREFIX]));
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "contiguous");
        }
        assert!(ranges.iter().all(|(s, e)| s < e));
        assert_eq!(
            crate::toast::table_of_toast_range(&ranges[1].0, &ranges[1].1),
            Some(3)
        );
        assert_eq!(
            crate::toast::table_of_toast_range(&ranges[3].0, &ranges[3].1),
            Some(9)
        );
    }

    #[test]
    fn index_ranges_cover_exactly_one_index() {
        let (start, end) = index_range(7, 2);
        assert!(start < end);
        assert!(index_prefix(7, 2).as_slice() >= start.as_slice());
        assert!(index_prefix(7, 3).as_slice() >= end.as_slice());
        let mut key = index_prefix(7, 2);
        key.extend_from_slice(&[0xFF; 8]);
        assert!(key < end);
    }
}
