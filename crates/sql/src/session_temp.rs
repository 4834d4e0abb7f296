//! Temporary tables, views and sequences: a session-local catalog overlay
//! in the session's own schema `pg_temp_N`.
//!
//! Temporary objects are created by the ordinary DDL code against the
//! session's catalog (the shared catalog with the overlay merged in), so
//! they are transactional like any DDL. When the transaction commits, the
//! temporary entries are taken out of its catalog and catalog mutations
//! before the shared catalog is installed: other sessions never see them,
//! and nothing about them is written to the volume's catalog. Their rows are
//! ordinary rows under never-reused table ids, so reads, locks, rollback and
//! memory bounds are those of any table; rows left behind when a table or
//! the session goes away are garbage for the same future sweep that removes
//! dropped tables' rows. ON COMMIT DELETE ROWS drops the table's writes at
//! each commit (its committed state is therefore always empty), ON COMMIT
//! DROP drops the table at the end of its transaction.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::encoding::{CATALOG_PREFIX, DATA_PREFIX};

/// Backend numbers for `pg_temp_N`: unique within the process, and nothing
/// under these names outlives its session.
static NEXT_TEMP_SCHEMA: AtomicU32 = AtomicU32::new(3);

#[derive(Debug)]
pub(super) struct TempObjects {
    /// `pg_temp_N`.
    schema: String,
    /// Committed temporary objects (tables, views, sequences and their
    /// definitions); row-id sequences of temporary tables under their names.
    overlay: Catalog,
    /// ON COMMIT of temporary tables that asked for DELETE ROWS or DROP.
    on_commit: BTreeMap<String, ast::OnCommit>,
    /// Moves whenever `overlay` does (prepared plans re-bind).
    generation: u64,
}

impl Default for TempObjects {
    fn default() -> TempObjects {
        TempObjects {
            schema: format!(
                "pg_temp_{}",
                NEXT_TEMP_SCHEMA.fetch_add(1, Ordering::Relaxed)
            ),
            overlay: Catalog::default(),
            on_commit: BTreeMap::new(),
            generation: 0,
        }
    }
}

impl TempObjects {
    pub(super) fn schema(&self) -> &str {
        &self.schema
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    fn prefix(&self) -> String {
        format!("{}.", self.schema)
    }

    fn is_temp(&self, key: &str) -> bool {
        key.starts_with(&self.prefix())
    }

    /// Whether `catalog` holds any temporary object of this session.
    pub(super) fn present_in(&self, catalog: &Catalog) -> bool {
        let p = self.prefix();
        let starts = |k: Option<&String>| k.is_some_and(|k| k.starts_with(&p));
        starts(catalog.tables.range(p.clone()..).next().map(|e| e.0))
            || starts(catalog.views.range(p.clone()..).next().map(|e| e.0))
            || starts(catalog.sequences.range(p.clone()..).next().map(|e| e.0))
    }

    /// The shared catalog with this session's committed temporary objects.
    pub(super) fn merged(&self, base: Arc<Catalog>) -> Arc<Catalog> {
        let o = &self.overlay;
        if o.tables.is_empty()
            && o.views.is_empty()
            && o.sequences.is_empty()
            && o.descriptions.is_empty()
        {
            return base;
        }
        let mut c = (*base).clone();
        c.tables
            .extend(o.tables.iter().map(|(k, v)| (k.clone(), v.clone())));
        c.views
            .extend(o.views.iter().map(|(k, v)| (k.clone(), v.clone())));
        c.sequences
            .extend(o.sequences.keys().map(|k| (k.clone(), ())));
        c.sequence_defs
            .extend(o.sequence_defs.iter().map(|(k, v)| (k.clone(), v.clone())));
        c.descriptions
            .extend(o.descriptions.iter().map(|(k, v)| (k.clone(), v.clone())));
        Arc::new(c)
    }

    /// Remembers a CREATE TEMP TABLE's ON COMMIT action.
    pub(super) fn note_on_commit(&mut self, key: String, action: ast::OnCommit) {
        if action == ast::OnCommit::PreserveRows {
            self.on_commit.remove(&key);
        } else {
            self.on_commit.insert(key, action);
        }
    }

    /// Takes the temporary objects out of `txn`'s DDL (they must not reach
    /// the shared catalog) and applies ON COMMIT to its writes; returns the
    /// overlay to install if the commit succeeds.
    fn split_commit(&self, txn: &mut Txn) -> Catalog {
        let mut next = match txn.ddl.as_mut() {
            Some(d) => self.extract(d),
            None => self.overlay.clone(),
        };
        for (key, action) in &self.on_commit {
            let Some(t) = next.tables.get(key).cloned() else {
                continue;
            };
            let mut rows = vec![DATA_PREFIX];
            rows.extend_from_slice(&t.id.to_be_bytes());
            let end = crate::encoding::prefix_end(&rows);
            let keys: Vec<Vec<u8>> = txn
                .writes
                .range(rows..end)
                .map(|(k, _)| k.clone())
                .collect();
            for k in keys {
                txn.writes.remove(&k);
            }
            if *action == ast::OnCommit::Drop {
                next.tables.remove(key);
                for s in t.owned_sequences.iter().chain(t.rowid_sequence.iter()) {
                    next.sequences.remove(s);
                    next.sequence_defs.remove(s);
                }
            }
        }
        next
    }

    /// Moves this session's temporary entries from the DDL's catalog to a
    /// new overlay and drops their catalog mutations.
    fn extract(&self, d: &mut TxnDdl) -> Catalog {
        let catalog = Arc::make_mut(&mut d.catalog);
        let mut out = Catalog::default();
        let temp_tables: Vec<String> = catalog
            .tables
            .keys()
            .filter(|k| self.is_temp(k))
            .cloned()
            .collect();
        let mut moved_sequences: Vec<String> = Vec::new();
        for k in temp_tables {
            if let Some(t) = catalog.tables.remove(&k) {
                moved_sequences.extend(t.rowid_sequence.iter().cloned());
                out.tables.insert(k, t);
            }
        }
        let temp_views: Vec<String> = catalog
            .views
            .keys()
            .filter(|k| self.is_temp(k))
            .cloned()
            .collect();
        for k in temp_views {
            if let Some(v) = catalog.views.remove(&k) {
                out.views.insert(k, v);
            }
        }
        moved_sequences.extend(
            catalog
                .sequences
                .keys()
                .filter(|k| self.is_temp(k))
                .cloned(),
        );
        // Row-id sequences of temporary tables dropped in this transaction.
        moved_sequences.extend(
            self.overlay
                .sequences
                .keys()
                .filter(|k| !self.is_temp(k))
                .cloned(),
        );
        for s in &moved_sequences {
            if catalog.sequences.remove(s).is_some() {
                out.sequences.insert(s.clone(), ());
            }
            if let Some(def) = catalog.sequence_defs.remove(s) {
                out.sequence_defs.insert(s.clone(), def);
            }
        }
        // Descriptions of temporary objects (their keys start with the object's).
        let temp_descriptions: Vec<crate::descriptions::Described> = catalog
            .descriptions
            .keys()
            .filter(|d| d.is_of_key(|k| self.is_temp(k)))
            .cloned()
            .collect();
        for d in temp_descriptions {
            if let Some(v) = catalog.descriptions.remove(&d) {
                out.descriptions.insert(d, v);
            }
        }
        let is_temp_entry = |key: &[u8]| -> bool {
            let (Some(&CATALOG_PREFIX), Some(tag), Some(name)) =
                (key.first(), key.get(1), key.get(2..))
            else {
                return false;
            };
            let name = String::from_utf8_lossy(name);
            matches!(
                tag,
                b'T' | b'V' | b'S' | b'Q' | &crate::descriptions::DESCRIPTION_TAG
            ) && (self.is_temp(&name) || moved_sequences.iter().any(|s| *s == name))
        };
        d.mutations.retain(|m| !is_temp_entry(&m.key));
        out
    }

    /// At session end: the engine forgets the temporary sequences' values
    /// (their rows are left for the sweep, see the module comment).
    pub(super) fn release(&mut self, engine: &EngineInner) {
        for s in std::mem::take(&mut self.overlay.sequences).keys() {
            // Only in-memory state goes; an error here leaves a few bytes.
            let _ = engine.sequences.drop_sequence(s);
        }
        self.overlay = Catalog::default();
    }

    /// DISCARD TEMP: the session's temporary objects go, as at its end.
    pub(super) fn discard(&mut self, engine: &EngineInner) {
        self.release(engine);
        self.on_commit.clear();
        self.generation += 1;
    }

    fn install(&mut self, overlay: Catalog) {
        let changed = overlay.tables != self.overlay.tables
            || overlay.views != self.overlay.views
            || overlay.sequences != self.overlay.sequences
            || overlay.descriptions != self.overlay.descriptions;
        self.on_commit.retain(|k, _| overlay.tables.contains_key(k));
        self.overlay = overlay;
        if changed {
            self.generation += 1;
        }
    }
}

impl Session {
    /// Commits `t` (every commit of the session goes through here): the
    /// temporary objects stay in the session, the rest goes to the engine.
    pub(super) async fn commit_txn(&mut self, mut t: Txn) -> SqlResult<()> {
        let overlay = self.namespace.temp.split_commit(&mut t);
        self.engine.commit(t).await?;
        self.namespace.temp.install(overlay);
        Ok(())
    }
}
