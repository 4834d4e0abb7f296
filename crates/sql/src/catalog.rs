//! The catalog: table, column, index, constraint and sequence definitions,
//! their persistent form under the reserved catalog key prefix, and the
//! in-memory snapshot every statement binds against.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::encoding::{prefix_end, CATALOG_PREFIX};
use crate::error::{SqlError, SqlResult};
use crate::sequence::SequenceState;
use crate::store::{Mutation, Store};
use crate::types::ColType;

const TABLE_TAG: u8 = b'T';
const SEQUENCE_TAG: u8 = b'S';
const NEXT_ID_TAG: u8 = b'N';
const VIEW_TAG: u8 = b'V';
/// A sequence's options (`SequenceDef`); absent for SERIAL and row-id
/// sequences, whose options are the defaults.
const SEQUENCE_DEF_TAG: u8 = b'Q';
/// First byte of a sequence mark in the versioned format (a legacy mark is
/// 8 bytes: the last value handed out).
const SEQUENCE_MARK_V2: u8 = 2;
/// A role (`crate::roles::RoleDef`).
const ROLE_TAG: u8 = b'A';
/// The overloads of one user-defined function name (`crate::routine::FunctionDef`).
const FUNCTION_TAG: u8 = b'P';
/// The triggers of one table, by table id (`crate::routine::TriggerDef`).
const TRIGGER_TAG: u8 = b'G';
/// A schema (`crate::schema::SchemaDef`).
const SCHEMA_TAG: u8 = b'C';

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: ColType,
    pub not_null: bool,
    /// Default expression as SQL text, bound when used.
    pub default: Option<String>,
    /// Value (text form) of rows written before the column was added; None = NULL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// The domain (`crate::user_types`) the column was declared with: `ty`
    /// is its base type; assignments check the domain's constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<u32>,
}

/// An index (the primary key is one too). Index id 0 is the row index.
/// Expression keys, a partial-index predicate and INCLUDE columns were
/// added later: entries written before them decode with none of these.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexDef {
    pub id: u8,
    pub name: String,
    /// Key columns by key position; an expression key position holds
    /// `EXPRESSION_KEY` (its expression is in `exprs`).
    pub columns: Vec<usize>,
    /// Key expressions as SQL text over the table's columns, by key
    /// position (None: the key is `columns[i]`). Empty: every key is a column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exprs: Vec<Option<String>>,
    /// `WHERE` of a partial index, as SQL text: only rows for which it is
    /// true have entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// `INCLUDE` columns: stored with the entry, not part of the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<usize>,
}

/// `IndexDef::columns` entry of a key position that is an expression.
pub const EXPRESSION_KEY: usize = usize::MAX;

impl IndexDef {
    /// Every key is a column and every row has an entry: code that reads
    /// keys straight from `columns` (planner, foreign keys, ON CONFLICT
    /// inference by columns) may use this index.
    pub fn is_plain(&self) -> bool {
        self.exprs.iter().all(Option::is_none) && self.predicate.is_none()
    }

    /// The key expression at key position `i`, if it is one.
    pub fn expr_at(&self, i: usize) -> Option<&str> {
        self.exprs.get(i).and_then(|e| e.as_deref())
    }

    /// Whether the index mentions column `i` (key, expression, predicate
    /// or INCLUDE): dropping that column drops the index.
    pub fn uses_column(&self, i: usize, table: &TableDef) -> bool {
        if self.columns.contains(&i) || self.include.contains(&i) {
            return true;
        }
        let Some(col) = table.columns.get(i) else {
            return false;
        };
        let texts = self.exprs.iter().flatten().chain(self.predicate.iter());
        texts.into_iter().any(|t| mentions_word(t, &col.name))
    }
}

/// Whether identifier `name` occurs as a word of expression text `text`
/// (quoted or not; string literals are skipped).
fn mentions_word(text: &str, name: &str) -> bool {
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if word == name {
            return true;
        }
        word.clear();
        if c == '\'' {
            for d in chars.by_ref() {
                if d == '\'' {
                    break;
                }
            }
            continue;
        }
        if c == '"' {
            let quoted: String = chars.by_ref().take_while(|d| *d != '"').collect();
            if quoted == name {
                return true;
            }
        }
    }
    word == name
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckDef {
    pub name: String,
    /// Boolean expression as SQL text over the table's columns.
    pub expr: String,
}

/// What a FOREIGN KEY does when a referenced row is deleted or its key updated.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
}

/// FOREIGN KEY (columns) REFERENCES ref_table (ref_columns), MATCH SIMPLE.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ForeignKeyDef {
    pub name: String,
    pub columns: Vec<usize>,
    pub ref_table: String,
    pub ref_columns: Vec<usize>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TableDef {
    pub id: u32,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Row key columns. `None`: rows are keyed by a hidden row id from `rowid_sequence`.
    pub primary_key: Option<IndexDef>,
    pub unique: Vec<IndexDef>,
    /// Sorted by name: PostgreSQL checks constraints in name order.
    pub checks: Vec<CheckDef>,
    pub rowid_sequence: Option<String>,
    /// Sequences created for SERIAL columns (dropped with the table).
    pub owned_sequences: Vec<String>,
    /// Non-unique secondary indexes (CREATE INDEX).
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
    /// Index ids are never reused: entries of a dropped index may remain.
    #[serde(default)]
    pub next_index_id: u16,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// Physical slot of each column in stored rows, once a column has been
    /// dropped (empty: column i is slot i). Slots are never reused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layout: Vec<usize>,
    /// Slots allocated so far (meaningful when `layout` is set).
    #[serde(default)]
    pub slots: usize,
    /// What the last ANALYZE found (None: never analyzed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<crate::stats::TableStats>,
    /// Partition key (a partitioned table) and bound (a partition).
    #[serde(
        default,
        skip_serializing_if = "crate::partition::Partitioning::is_empty"
    )]
    pub partitioning: crate::partition::Partitioning,
    /// Parents under table inheritance (`crate::inheritance`).
    #[serde(
        default,
        skip_serializing_if = "crate::inheritance::Inheritance::is_empty"
    )]
    pub inheritance: crate::inheritance::Inheritance,
    /// Declared UNLOGGED (pg_class.relpersistence 'u'). Borealis writes
    /// such a table like any other (replicated and durable); the flag
    /// records what was declared, as PostgreSQL's catalog shows it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlogged: bool,
    /// PostgreSQL's attnum of each column once one has been dropped
    /// (`crate::attribute_numbers`).
    #[serde(
        default,
        skip_serializing_if = "crate::attribute_numbers::AttributeNumbers::is_empty"
    )]
    pub attribute_numbers: crate::attribute_numbers::AttributeNumbers,
    /// toast_tuple_target and SET STORAGE (`crate::toast`).
    #[serde(
        default,
        skip_serializing_if = "crate::toast::ToastOptions::is_default"
    )]
    pub toast: crate::toast::ToastOptions,
}

impl TableDef {
    /// Logical row -> stored (physical) row: dropped slots hold NULL.
    pub fn to_physical(&self, row: &[crate::datum::Datum]) -> Vec<crate::datum::Datum> {
        if self.layout.is_empty() {
            return row.to_vec();
        }
        let mut out = vec![crate::datum::Datum::Null; self.slots];
        for (d, s) in row.iter().zip(&self.layout) {
            if let Some(x) = out.get_mut(*s) {
                *x = d.clone();
            }
        }
        out
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// PostgreSQL's attribute number (pg_attribute.attnum) of column `i`.
    pub fn attnum(&self, i: usize) -> i16 {
        self.attribute_numbers.attnum(i)
    }

    /// A fresh index id (1..=254; 255 is the toast range, `crate::toast`).
    pub fn alloc_index_id(&mut self) -> SqlResult<u8> {
        let used = self
            .unique
            .iter()
            .chain(self.indexes.iter())
            .map(|i| i.id as u16)
            .max()
            .unwrap_or(0);
        let id = self.next_index_id.max(used + 1);
        if id >= u16::from(crate::toast::TOAST_INDEX) {
            return Err(SqlError::new(
                "54000",
                format!("table \"{}\" has had too many indexes", self.name),
            ));
        }
        self.next_index_id = id + 1;
        Ok(id as u8)
    }

    /// Every index name of the table (constraints included).
    pub fn index_names(&self) -> impl Iterator<Item = &str> {
        self.primary_key
            .iter()
            .chain(self.unique.iter())
            .chain(self.indexes.iter())
            .map(|i| i.name.as_str())
    }
}

/// One immutable version of the catalog; replaced wholesale by DDL.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub tables: BTreeMap<String, Arc<TableDef>>,
    pub sequences: BTreeMap<String, ()>,
    /// Options of the sequences created by CREATE SEQUENCE (others: defaults).
    pub sequence_defs: BTreeMap<String, Arc<crate::sequence_options::SequenceDef>>,
    /// Roles made by CREATE ROLE/USER (`postgres` is implicit).
    pub roles: BTreeMap<String, Arc<crate::roles::RoleDef>>,
    /// Owners and ACLs of objects (`crate::privileges`).
    pub privileges: crate::privileges::ObjectEntries,
    pub views: BTreeMap<String, Arc<crate::view::ViewDef>>,
    /// User-defined types (`crate::user_types`).
    pub types: BTreeMap<String, Arc<crate::user_types::UserTypeDef>>,
    /// User-defined casts by (source, target) type OID (`crate::casts`).
    pub casts: BTreeMap<(u32, u32), Arc<crate::casts::CastDef>>,
    /// User-defined operators (`crate::user_operators`).
    pub operators:
        BTreeMap<crate::user_operators::OperatorKey, Arc<crate::user_operators::OperatorDef>>,
    /// User-defined functions: every overload of a name.
    pub functions: BTreeMap<String, Vec<Arc<crate::routine::FunctionDef>>>,
    /// Triggers by table id, in creation order (fired in name order).
    pub triggers: BTreeMap<u32, Vec<Arc<crate::routine::TriggerDef>>>,
    /// Schemas made by CREATE SCHEMA (`crate::schema`; built-in ones are implicit).
    pub schemas: BTreeMap<String, Arc<crate::schema::SchemaDef>>,
    /// COMMENT ON descriptions (`crate::descriptions`).
    pub descriptions: crate::descriptions::Descriptions,
    /// User-defined operator classes (`crate::opclass`), by method and name.
    pub opclasses: BTreeMap<String, Arc<crate::opclass::OpClassDef>>,
    /// The session's search path (not stored: set on a session's view).
    pub search_path: Arc<crate::schema::SearchPath>,
    /// Row-level security flags and policies by table id (`crate::row_security`).
    pub row_security: BTreeMap<u32, Arc<crate::row_security::TableSecurity>>,
    /// Rewrite rules on tables by table id (`crate::rules`).
    pub table_rules: BTreeMap<u32, Arc<crate::rules::TableRules>>,
    /// Who row-level security is enforced for (not stored: set on a
    /// session's view, see `crate::row_security::with_subject`).
    pub rls_subject: Arc<crate::row_security::Subject>,
    pub next_table_id: u32,
    /// Bumped by every DDL; prepared statements re-bind when it moves.
    pub version: u64,
}

pub fn schema_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, SCHEMA_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn table_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, TABLE_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn view_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, VIEW_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn sequence_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, SEQUENCE_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn sequence_def_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, SEQUENCE_DEF_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn role_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, ROLE_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn function_key(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, FUNCTION_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn trigger_key(table_id: u32) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, TRIGGER_TAG];
    k.extend_from_slice(&table_id.to_be_bytes());
    k
}

pub fn next_id_key() -> Vec<u8> {
    vec![CATALOG_PREFIX, NEXT_ID_TAG]
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> SqlError {
    SqlError::internal(format!("corrupt catalog entry {what}: {e}"))
}

impl Catalog {
    pub fn table(&self, name: &str) -> SqlResult<Arc<TableDef>> {
        self.tables
            .get(name)
            .cloned()
            .ok_or_else(|| SqlError::undefined_table(name))
    }

    /// Mutations that persist a new table.
    pub fn table_mutation(def: &TableDef) -> SqlResult<Mutation> {
        let json = serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?;
        Ok(Mutation {
            key: table_key(&def.name),
            value: Some(json),
        })
    }

    pub fn next_id_mutation(next: u32) -> Mutation {
        Mutation {
            key: next_id_key(),
            value: Some(next.to_le_bytes().to_vec()),
        }
    }

    /// The options a sequence follows.
    pub fn sequence_options(&self, name: &str) -> crate::sequence_options::SequenceOptions {
        self.sequence_defs
            .get(name)
            .map(|d| d.options.clone())
            .unwrap_or_default()
    }

    /// Loads the catalog and sequence high-water marks from the store.
    pub async fn load(store: &dyn Store) -> SqlResult<(Catalog, BTreeMap<String, SequenceState>)> {
        let at = store.read_point();
        let mut cat = Catalog {
            next_table_id: 1,
            ..Catalog::default()
        };
        let mut seqs = BTreeMap::new();
        let start = vec![CATALOG_PREFIX];
        let end = prefix_end(&start);
        let mut cursor = start;
        loop {
            let page = store
                .scan(&cursor, &end, at, borealis_common::limits::SCAN_ROWS_MAX)
                .await?;
            let Some((last, _)) = page.last() else { break };
            let mut next = last.clone();
            next.push(0);
            let full = page.len() >= borealis_common::limits::SCAN_ROWS_MAX;
            for (k, v) in page {
                match k.get(1) {
                    Some(&TABLE_TAG) => {
                        let def: TableDef =
                            serde_json::from_slice(&v).map_err(|e| corrupt("table", e))?;
                        cat.tables.insert(def.name.clone(), Arc::new(def));
                    }
                    Some(&VIEW_TAG) => {
                        let def: crate::view::ViewDef =
                            serde_json::from_slice(&v).map_err(|e| corrupt("view", e))?;
                        cat.views.insert(def.name.clone(), Arc::new(def));
                    }
                    Some(&SEQUENCE_TAG) => {
                        let name = String::from_utf8_lossy(&k[2..]).to_string();
                        cat.sequences.insert(name.clone(), ());
                        seqs.insert(name, decode_sequence_mark(&v)?);
                    }
                    Some(&SEQUENCE_DEF_TAG) => {
                        let def: crate::sequence_options::SequenceDef =
                            serde_json::from_slice(&v).map_err(|e| corrupt("sequence", e))?;
                        let name = String::from_utf8_lossy(&k[2..]).to_string();
                        cat.sequence_defs.insert(name, Arc::new(def));
                    }
                    Some(&SCHEMA_TAG) => {
                        let def: crate::schema::SchemaDef =
                            serde_json::from_slice(&v).map_err(|e| corrupt("schema", e))?;
                        cat.schemas.insert(def.name.clone(), Arc::new(def));
                    }
                    Some(&crate::privileges::PRIVILEGE_TAG) => {
                        crate::privileges::load_entry(&mut cat.privileges, &v)?;
                    }
                    Some(&crate::descriptions::DESCRIPTION_TAG) => {
                        crate::descriptions::load_entry(&mut cat.descriptions, &v)?;
                    }
                    Some(&crate::opclass::OPCLASS_TAG) => {
                        crate::opclass::load_entry(&mut cat.opclasses, &v)?;
                    }
                    Some(&ROLE_TAG) => {
                        let def: crate::roles::RoleDef =
                            serde_json::from_slice(&v).map_err(|e| corrupt("role", e))?;
                        cat.roles.insert(def.name.clone(), Arc::new(def));
                    }
                    Some(&FUNCTION_TAG) => {
                        let defs: Vec<crate::routine::FunctionDef> =
                            serde_json::from_slice(&v).map_err(|e| corrupt("function", e))?;
                        let name = String::from_utf8_lossy(&k[2..]).to_string();
                        cat.functions
                            .insert(name, defs.into_iter().map(Arc::new).collect());
                    }
                    Some(&TRIGGER_TAG) => {
                        let defs: Vec<crate::routine::TriggerDef> =
                            serde_json::from_slice(&v).map_err(|e| corrupt("trigger", e))?;
                        let id: [u8; 4] = k[2..]
                            .try_into()
                            .map_err(|_| corrupt("trigger", "bad key"))?;
                        cat.triggers.insert(
                            u32::from_be_bytes(id),
                            defs.into_iter().map(Arc::new).collect(),
                        );
                    }
                    Some(&crate::user_operators::OPERATOR_TAG) => {
                        let (key, def) = crate::user_operators::decode_entry(&v)?;
                        cat.operators.insert(key, Arc::new(def));
                    }
                    Some(&crate::casts::CAST_TAG) => {
                        let def = crate::casts::decode_entry(&v)?;
                        cat.casts
                            .insert((def.source.oid(), def.target.oid()), Arc::new(def));
                    }
                    Some(&crate::user_types::TYPE_TAG) => {
                        let def: crate::user_types::UserTypeDef =
                            serde_json::from_slice(&v).map_err(|e| corrupt("type", e))?;
                        crate::user_types::register(&cat, &def)?;
                        cat.types.insert(def.name.clone(), Arc::new(def));
                    }
                    Some(&crate::row_security::ROW_SECURITY_TAG) => {
                        let (id, def) = crate::row_security::decode_entry(&k, &v)?;
                        cat.row_security.insert(id, Arc::new(def));
                    }
                    Some(&crate::rules::TABLE_RULES_TAG) => {
                        let (id, def) = crate::rules::decode_table_rules(&k, &v)?;
                        cat.table_rules.insert(id, Arc::new(def));
                    }
                    Some(&NEXT_ID_TAG) => {
                        if v.len() != 4 {
                            return Err(corrupt("next id", "bad length"));
                        }
                        cat.next_table_id = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                    }
                    _ => {}
                }
            }
            if !full {
                break;
            }
            cursor = next;
        }
        crate::table_row_type::register_used(&cat)?;
        Ok((cat, seqs))
    }
}

/// A mark in the versioned format: the state a restart resumes from.
pub fn sequence_state_mutation(name: &str, state: SequenceState) -> Mutation {
    let mut v = vec![SEQUENCE_MARK_V2];
    v.extend_from_slice(&state.last.to_le_bytes());
    v.push(u8::from(state.is_called));
    Mutation {
        key: sequence_key(name),
        value: Some(v),
    }
}

/// Reads a mark of either format.
pub fn decode_sequence_mark(v: &[u8]) -> SqlResult<SequenceState> {
    let int = |b: &[u8]| -> SqlResult<i64> {
        let a: [u8; 8] = b
            .try_into()
            .map_err(|_| corrupt("sequence", "bad length"))?;
        Ok(i64::from_le_bytes(a))
    };
    match v {
        [SEQUENCE_MARK_V2, rest @ ..] if rest.len() == 9 => Ok(SequenceState {
            last: int(&rest[..8])?,
            is_called: rest[8] != 0,
        }),
        legacy if legacy.len() == 8 => Ok(SequenceState {
            last: int(legacy)?,
            is_called: true,
        }),
        _ => Err(corrupt("sequence", "bad length")),
    }
}

/// A mark in the legacy format: `value` handed out (0: fresh SERIAL).
pub fn sequence_mutation(name: &str, value: i64) -> Mutation {
    Mutation {
        key: sequence_key(name),
        value: Some(value.to_le_bytes().to_vec()),
    }
}

#[cfg(test)]
mod index_def_tests {
    use super::*;

    /// An index entry written before expression keys, predicates and
    /// INCLUDE columns existed decodes as a plain index, and a plain index
    /// is still written in that form.
    #[test]
    fn index_entries_before_expression_keys_still_decode() {
        let old = r#"{"id":3,"name":"t_a_idx","columns":[0,2]}"#;
        let idx: IndexDef = serde_json::from_str(old).unwrap();
        assert_eq!(idx.columns, vec![0, 2]);
        assert!(idx.is_plain() && idx.include.is_empty());
        assert_eq!(serde_json::to_string(&idx).unwrap(), old);

        let shaped = IndexDef {
            id: 4,
            name: "t_expr_idx".into(),
            columns: vec![EXPRESSION_KEY, 1],
            exprs: vec![Some("lower(x)".into()), None],
            predicate: Some("b = 1".into()),
            include: vec![2],
        };
        let text = serde_json::to_string(&shaped).unwrap();
        assert_eq!(serde_json::from_str::<IndexDef>(&text).unwrap(), shaped);
        assert!(!shaped.is_plain());
    }

    #[test]
    fn column_use_is_found_in_keys_expressions_predicate_and_include() {
        let column = |name: &str| ColumnDef {
            name: name.into(),
            ty: crate::types::SqlType::Int4.plain(),
            not_null: false,
            default: None,
            missing: None,
            domain: None,
        };
        let table = TableDef {
            columns: vec![column("a"), column("b"), column("x"), column("Y")],
            ..serde_json::from_str(
                r#"{"id":1,"name":"t","columns":[],"primary_key":null,"unique":[],
                    "checks":[],"rowid_sequence":null,"owned_sequences":[]}"#,
            )
            .unwrap()
        };
        let idx = IndexDef {
            columns: vec![EXPRESSION_KEY],
            exprs: vec![Some("lower(x) || 'a'".into())],
            predicate: Some("\"Y\" IS NOT NULL".into()),
            include: vec![0],
            ..IndexDef::default()
        };
        assert!(idx.uses_column(0, &table));
        assert!(!idx.uses_column(1, &table));
        assert!(idx.uses_column(2, &table));
        assert!(idx.uses_column(3, &table));
    }
}
