//! System catalogs generated from the engine's catalog: the `pg_catalog`
//! relations and `information_schema` views that psql's `\d` family, drivers
//! (psycopg, asyncpg, pgjdbc) and ORMs (SQLAlchemy, Django) query, plus the
//! catalog functions they call (`format_type`, `pg_get_indexdef`, ...).
//!
//! Relations are materialised per statement from the catalog snapshot the
//! statement binds against (`relation`): every row is a constant, so they
//! are always consistent with that snapshot. Types carry PostgreSQL's
//! built-in OIDs. Tables, indexes and constraints get stable OIDs derived
//! from the table id (`table_oid`); views and sequences are numbered in name
//! order (stable while no view or sequence is created or dropped).
//! `oid`, `regclass` and friends are `int8` here; `name` and `"char"` are text.

use crate::catalog::{Catalog, FkAction, IndexDef, TableDef};
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::types::{ColType, Elem, SqlType};

pub const NS_PG_CATALOG: i64 = 11;
pub const NS_PUBLIC: i64 = 2200;
pub const NS_INFORMATION_SCHEMA: i64 = 13_181;
pub const NS_PG_TOAST: i64 = 99;
/// The bootstrap superuser (the cluster's one role).
pub const ROLE_OID: i64 = 10;
pub const ROLE_NAME: &str = "postgres";
const ROLE_DB_OWNER: i64 = 6171;
const DB_OID: i64 = 5;
const AM_HEAP: i64 = 2;
const AM_BTREE: i64 = 403;
const COLL_DEFAULT: i64 = 100;

/// OID of a table: user OIDs start at 16384; 512 per table leaves room for
/// its indexes (`+1 + index id`) and constraints (`+257 + k`).
pub fn table_oid(t: &TableDef) -> i64 {
    16_384 + t.id as i64 * 512
}

fn index_oid(t: &TableDef, ix: &IndexDef) -> i64 {
    table_oid(t) + 1 + ix.id as i64
}

fn view_oid(pos: usize) -> i64 {
    1_000_000 + pos as i64 * 2
}

fn sequence_oid(pos: usize) -> i64 {
    1_500_000 + pos as i64 * 2
}

/// A generated relation: column names and types, and its rows.
pub struct Relation {
    pub columns: Vec<(String, ColType)>,
    pub rows: Vec<Vec<Datum>>,
}

/// Column types in the compact column specs below.
fn spec_type(t: &str) -> SqlType {
    match t {
        "oid" | "int8" => SqlType::Int8,
        "int4" => SqlType::Int4,
        "int2" => SqlType::Int2,
        "float4" => SqlType::Float4,
        "bool" => SqlType::Bool,
        "ts" => SqlType::TimestampTz,
        "text[]" => SqlType::Array(Elem::Text),
        "oid[]" => SqlType::Array(Elem::Int8),
        "int2[]" => SqlType::Array(Elem::Int2),
        _ => SqlType::Text,
    }
}

/// Rows built by column name; unset columns get a type default
/// (false, 0, '' — or NULL for `?`-suffixed, array and timestamp columns).
struct Builder {
    cols: Vec<(String, SqlType, bool)>,
    rows: Vec<Vec<Datum>>,
}

impl Builder {
    fn new(spec: &str) -> Builder {
        let cols = spec
            .split_whitespace()
            .map(|c| {
                let (name, ty) = c.split_once(':').unwrap_or((c, "text"));
                let nullable = ty.ends_with('?');
                let ty = ty.trim_end_matches('?');
                (name.to_string(), spec_type(ty), nullable)
            })
            .collect();
        Builder { cols, rows: vec![] }
    }

    fn row(&mut self, vals: &[(&str, Datum)]) {
        let mut row: Vec<Datum> = self
            .cols
            .iter()
            .map(|(_, ty, nullable)| match ty {
                _ if *nullable => Datum::Null,
                SqlType::Bool => Datum::Bool(false),
                SqlType::Int8 => Datum::Int8(0),
                SqlType::Int4 => Datum::Int4(0),
                SqlType::Int2 => Datum::Int2(0),
                SqlType::Float4 => Datum::Float4(0.0),
                SqlType::Text => Datum::Text(String::new()),
                _ => Datum::Null,
            })
            .collect();
        for (name, v) in vals {
            if let Some(i) = self.cols.iter().position(|c| c.0 == *name) {
                row[i] = v.clone();
            }
        }
        self.rows.push(row);
    }

    fn build(self) -> Relation {
        Relation {
            columns: self
                .cols
                .into_iter()
                .map(|(n, t, _)| (n, t.plain()))
                .collect(),
            rows: self.rows,
        }
    }
}

fn t(s: &str) -> Datum {
    Datum::Text(s.to_string())
}
fn o(v: i64) -> Datum {
    Datum::Int8(v)
}
fn b(v: bool) -> Datum {
    Datum::Bool(v)
}
fn i2(v: usize) -> Datum {
    Datum::Int2(v as i16)
}

/// pg_type's name of a type.
pub fn type_name(ty: SqlType) -> String {
    match ty {
        SqlType::Bool => "bool".into(),
        SqlType::Int2 => "int2".into(),
        SqlType::Int4 => "int4".into(),
        SqlType::Int8 => "int8".into(),
        SqlType::Float4 => "float4".into(),
        SqlType::Float8 => "float8".into(),
        SqlType::Numeric => "numeric".into(),
        SqlType::Text => "text".into(),
        SqlType::Varchar => "varchar".into(),
        SqlType::Bpchar => "bpchar".into(),
        SqlType::Date => "date".into(),
        SqlType::Timestamp => "timestamp".into(),
        SqlType::TimestampTz => "timestamptz".into(),
        SqlType::Unknown => "unknown".into(),
        SqlType::Bytea => "bytea".into(),
        SqlType::Uuid => "uuid".into(),
        SqlType::Interval => "interval".into(),
        SqlType::Time => "time".into(),
        SqlType::Json => "json".into(),
        SqlType::Jsonb => "jsonb".into(),
        SqlType::Array(e) => format!("_{}", type_name(e.ty())),
    }
}

/// Built-in types: (oid, name, len, category, array oid or element oid).
const EXTRA_TYPES: &[(i64, &str, i64, &str, i64, i64)] = &[
    // oid, typname, typlen, typcategory, typelem, typarray
    (18, "char", 1, "Z", 0, 1002),
    (19, "name", 64, "S", 0, 1003),
    (22, "int2vector", -1, "A", 21, 1006),
    (24, "regproc", 4, "N", 0, 1008),
    (26, "oid", 4, "N", 0, 1028),
    (142, "xml", -1, "U", 0, 143),
    (2205, "regclass", 4, "N", 0, 2210),
    (2206, "regtype", 4, "N", 0, 2211),
    (4089, "regnamespace", 4, "N", 0, 4090),
    (2249, "record", -1, "P", 0, 2287),
    (2278, "void", 4, "P", 0, 0),
    (1002, "_char", -1, "A", 18, 0),
    (1003, "_name", -1, "A", 19, 0),
    (1028, "_oid", -1, "A", 26, 0),
];

fn builtin_types() -> Vec<SqlType> {
    let scalars = [
        SqlType::Bool,
        SqlType::Int2,
        SqlType::Int4,
        SqlType::Int8,
        SqlType::Float4,
        SqlType::Float8,
        SqlType::Numeric,
        SqlType::Text,
        SqlType::Varchar,
        SqlType::Bpchar,
        SqlType::Date,
        SqlType::Timestamp,
        SqlType::TimestampTz,
        SqlType::Unknown,
        SqlType::Bytea,
        SqlType::Uuid,
        SqlType::Interval,
        SqlType::Time,
        SqlType::Json,
        SqlType::Jsonb,
    ];
    let mut out: Vec<SqlType> = scalars.to_vec();
    for s in scalars {
        if let Some(e) = Elem::of(s) {
            out.push(SqlType::Array(e));
        }
    }
    out
}

fn type_len(ty: SqlType) -> i64 {
    match ty {
        SqlType::Bool => 1,
        SqlType::Int2 => 2,
        SqlType::Int4 | SqlType::Float4 | SqlType::Date => 4,
        SqlType::Int8
        | SqlType::Float8
        | SqlType::Timestamp
        | SqlType::TimestampTz
        | SqlType::Time => 8,
        SqlType::Uuid | SqlType::Interval => 16,
        SqlType::Unknown => -2,
        _ => -1,
    }
}

fn type_category(ty: SqlType) -> &'static str {
    match ty {
        SqlType::Bool => "B",
        SqlType::Int2
        | SqlType::Int4
        | SqlType::Int8
        | SqlType::Float4
        | SqlType::Float8
        | SqlType::Numeric => "N",
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar => "S",
        SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Time => "D",
        SqlType::Interval => "T",
        SqlType::Array(_) => "A",
        SqlType::Unknown => "X",
        _ => "U",
    }
}

fn is_string(ty: SqlType) -> bool {
    matches!(ty, SqlType::Text | SqlType::Varchar | SqlType::Bpchar)
}

/// format_type(type oid, typmod).
pub fn format_type(oid: i64, typmod: i32) -> Option<String> {
    if let Some(ty) = SqlType::from_oid(oid as u32) {
        return Some(match ty {
            SqlType::Array(e) => format!("{}[]", ColType { ty: e.ty(), typmod }.display()),
            SqlType::Timestamp | SqlType::TimestampTz if typmod >= 0 => {
                let tz = if ty == SqlType::TimestampTz {
                    "with"
                } else {
                    "without"
                };
                format!("timestamp({typmod}) {tz} time zone")
            }
            SqlType::Timestamp => "timestamp without time zone".into(),
            SqlType::TimestampTz => "timestamp with time zone".into(),
            SqlType::Time => "time without time zone".into(),
            _ => ColType { ty, typmod }.display(),
        });
    }
    EXTRA_TYPES
        .iter()
        .find(|x| x.0 == oid)
        .map(|x| match x.1 {
            "char" => "\"char\"".to_string(),
            n if n.starts_with('_') => format!("{}[]", &n[1..]),
            n => n.to_string(),
        })
        .or_else(|| (oid != 0).then(|| "???".to_string()))
}

/// A type OID from a type name as `::regtype` / to_regtype accept it.
pub fn type_oid_by_name(name: &str) -> Option<i64> {
    let n = name.trim().trim_start_matches("pg_catalog.").to_lowercase();
    if let Some(x) = EXTRA_TYPES.iter().find(|x| x.1 == n) {
        return Some(x.0);
    }
    for ty in builtin_types() {
        if type_name(ty) == n || format_type(ty.oid() as i64, -1).as_deref() == Some(n.as_str()) {
            return Some(ty.oid() as i64);
        }
    }
    let alias = match n.as_str() {
        "integer" | "int" => SqlType::Int4,
        "smallint" => SqlType::Int2,
        "bigint" => SqlType::Int8,
        "real" => SqlType::Float4,
        "double precision" => SqlType::Float8,
        "boolean" => SqlType::Bool,
        "character varying" => SqlType::Varchar,
        "character" | "char" => SqlType::Bpchar,
        "decimal" => SqlType::Numeric,
        _ => return None,
    };
    Some(alias.oid() as i64)
}

pub fn role_name(oid: i64) -> String {
    match oid {
        ROLE_OID => ROLE_NAME.into(),
        ROLE_DB_OWNER => "pg_database_owner".into(),
        _ => format!("unknown (OID={oid})"),
    }
}

fn fk_action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "a",
        FkAction::Restrict => "r",
        FkAction::Cascade => "c",
        FkAction::SetNull => "n",
    }
}

fn col_list(t: &TableDef, cols: &[usize]) -> String {
    cols.iter()
        .map(|c| quote_ident(&t.columns[*c].name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_lowercase() || (i > 0 && c.is_ascii_digit()))
        && !s.is_empty();
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// Every index of a table with (is primary, is unique).
fn indexes(t: &TableDef) -> Vec<(&IndexDef, bool, bool)> {
    let mut v = Vec::new();
    if let Some(pk) = &t.primary_key {
        v.push((pk, true, true));
    }
    v.extend(t.unique.iter().map(|i| (i, false, true)));
    v.extend(t.indexes.iter().map(|i| (i, false, false)));
    v
}

/// One constraint: (oid, name, contype, index oid, definition, conkey, fk).
struct Constraint<'a> {
    oid: i64,
    name: String,
    contype: &'static str,
    index: i64,
    def: String,
    key: Vec<usize>,
    fk: Option<&'a crate::catalog::ForeignKeyDef>,
}

fn constraints(t: &TableDef) -> Vec<Constraint<'_>> {
    let base = table_oid(t) + 257;
    let mut v = Vec::new();
    for (ix, primary, unique) in indexes(t) {
        if !unique {
            continue;
        }
        v.push(Constraint {
            oid: 0,
            name: ix.name.clone(),
            contype: if primary { "p" } else { "u" },
            index: index_oid(t, ix),
            def: format!(
                "{} ({})",
                if primary { "PRIMARY KEY" } else { "UNIQUE" },
                col_list(t, &ix.columns)
            ),
            key: ix.columns.clone(),
            fk: None,
        });
    }
    for c in &t.checks {
        v.push(Constraint {
            oid: 0,
            name: c.name.clone(),
            contype: "c",
            index: 0,
            def: format!("CHECK ({})", c.expr),
            key: vec![],
            fk: None,
        });
    }
    for fk in &t.foreign_keys {
        let mut def = format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            col_list(t, &fk.columns),
            quote_ident(&fk.ref_table),
            fk.ref_columns
                .iter()
                .map(|c| format!("#{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (what, a) in [("UPDATE", fk.on_update), ("DELETE", fk.on_delete)] {
            let s = match a {
                FkAction::NoAction => continue,
                FkAction::Restrict => "RESTRICT",
                FkAction::Cascade => "CASCADE",
                FkAction::SetNull => "SET NULL",
            };
            def.push_str(&format!(" ON {what} {s}"));
        }
        v.push(Constraint {
            oid: 0,
            name: fk.name.clone(),
            contype: "f",
            index: 0,
            def,
            key: fk.columns.clone(),
            fk: Some(fk),
        });
    }
    for (k, c) in v.iter_mut().enumerate() {
        c.oid = base + k as i64;
    }
    v
}

/// Resolves `#n` referenced-column placeholders of foreign-key definitions.
fn resolve_fk_def(cat: &Catalog, c: &Constraint) -> String {
    let Some(fk) = c.fk else {
        return c.def.clone();
    };
    let names = match cat.tables.get(&fk.ref_table) {
        Some(rt) => col_list(rt, &fk.ref_columns),
        None => String::new(),
    };
    let (head, tail) = c.def.split_once(" REFERENCES ").unwrap_or((&c.def, ""));
    let tail = match tail.split_once('(') {
        Some((tbl, rest)) => {
            let rest = rest.split_once(')').map(|x| x.1).unwrap_or("");
            format!("{tbl}({names}){rest}")
        }
        None => tail.to_string(),
    };
    format!("{head} REFERENCES {tail}")
}

fn index_def(t: &TableDef, ix: &IndexDef, unique: bool) -> String {
    format!(
        "CREATE {}INDEX {} ON public.{} USING btree ({})",
        if unique { "UNIQUE " } else { "" },
        quote_ident(&ix.name),
        quote_ident(&t.name),
        col_list(t, &ix.columns)
    )
}

/// The lookup tables catalog functions need: oid -> text.
pub enum Lookup {
    IndexDef,
    ConstraintDef,
    RelName,
    NamespaceName,
}

pub fn lookup(cat: &Catalog, which: Lookup) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    match which {
        Lookup::IndexDef => {
            for t in cat.tables.values() {
                for (ix, _, unique) in indexes(t) {
                    out.push((index_oid(t, ix), index_def(t, ix, unique)));
                }
            }
        }
        Lookup::ConstraintDef => {
            for t in cat.tables.values() {
                for c in constraints(t) {
                    out.push((c.oid, resolve_fk_def(cat, &c)));
                }
            }
        }
        Lookup::RelName => {
            for (oid, name, _, _) in relations(cat) {
                out.push((oid, quote_ident(&name)));
            }
        }
        Lookup::NamespaceName => {
            for (oid, name) in namespaces() {
                out.push((oid, name.to_string()));
            }
        }
    }
    out
}

fn namespaces() -> [(i64, &'static str); 4] {
    [
        (NS_PG_CATALOG, "pg_catalog"),
        (NS_PUBLIC, "public"),
        (NS_INFORMATION_SCHEMA, "information_schema"),
        (NS_PG_TOAST, "pg_toast"),
    ]
}

/// Every user relation: (oid, name, relkind, owning table for indexes).
fn relations(cat: &Catalog) -> Vec<(i64, String, &'static str, Option<&TableDef>)> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        out.push((table_oid(t), t.name.clone(), "r", Some(t.as_ref())));
        for (ix, _, _) in indexes(t) {
            out.push((index_oid(t, ix), ix.name.clone(), "i", Some(t.as_ref())));
        }
    }
    for (k, v) in cat.views.keys().enumerate() {
        out.push((view_oid(k), v.clone(), "v", None));
    }
    for (k, s) in cat.sequences.keys().enumerate() {
        if s.starts_with("pg_rowid_") {
            continue;
        }
        out.push((sequence_oid(k), s.clone(), "S", None));
    }
    out
}

/// The oid of a relation by (optionally schema-qualified) name.
pub fn relation_oid(cat: &Catalog, name: &str) -> Option<i64> {
    let n = name.trim();
    let n = n.strip_prefix("public.").unwrap_or(n);
    let n = if n.starts_with('"') && n.ends_with('"') && n.len() >= 2 {
        n[1..n.len() - 1].replace("\"\"", "\"")
    } else {
        n.to_lowercase()
    };
    if let Ok(v) = n.parse::<i64>() {
        return Some(v);
    }
    relations(cat).into_iter().find(|r| r.1 == n).map(|r| r.0)
}

/// Is `schema.name` (schema None: unqualified) a generated relation?
pub fn is_system_relation(schema: Option<&str>, name: &str) -> bool {
    match schema {
        Some("information_schema") => INFO_SCHEMA.contains(&name),
        Some("pg_catalog") | None => PG_CATALOG.contains(&name),
        _ => false,
    }
}

const PG_CATALOG: &[&str] = &[
    "pg_class",
    "pg_namespace",
    "pg_attribute",
    "pg_attrdef",
    "pg_type",
    "pg_index",
    "pg_constraint",
    "pg_am",
    "pg_database",
    "pg_roles",
    "pg_authid",
    "pg_user",
    "pg_auth_members",
    "pg_description",
    "pg_inherits",
    "pg_partitioned_table",
    "pg_collation",
    "pg_policy",
    "pg_statistic_ext",
    "pg_publication",
    "pg_publication_rel",
    "pg_publication_namespace",
    "pg_trigger",
    "pg_rewrite",
    "pg_tablespace",
    "pg_range",
    "pg_enum",
    "pg_sequence",
    "pg_tables",
    "pg_views",
    "pg_indexes",
    "pg_extension",
];

const INFO_SCHEMA: &[&str] = &["tables", "columns", "schemata"];

/// Generates one relation from the catalog snapshot.
pub fn relation(cat: &Catalog, schema: Option<&str>, name: &str) -> SqlResult<Relation> {
    if schema == Some("information_schema") {
        return info_schema(cat, name);
    }
    let r = match name {
        "pg_namespace" => {
            let mut bd = Builder::new("oid:oid nspname nspowner:oid nspacl:text[]");
            for (oid, n) in namespaces() {
                let owner = if oid == NS_PUBLIC {
                    ROLE_DB_OWNER
                } else {
                    ROLE_OID
                };
                bd.row(&[("oid", o(oid)), ("nspname", t(n)), ("nspowner", o(owner))]);
            }
            bd
        }
        "pg_class" => {
            let mut bd = Builder::new(
                "oid:oid relname relnamespace:oid reltype:oid reloftype:oid relowner:oid \
                 relam:oid relfilenode:oid reltablespace:oid relpages:int4 reltuples:float4 \
                 relallvisible:int4 reltoastrelid:oid relhasindex:bool relisshared:bool \
                 relpersistence relkind relnatts:int2 relchecks:int2 relhasrules:bool \
                 relhastriggers:bool relhassubclass:bool relrowsecurity:bool \
                 relforcerowsecurity:bool relispopulated:bool relreplident relispartition:bool \
                 relrewrite:oid relacl:text[] reloptions:text[] relpartbound:text?",
            );
            for (oid, name, kind, tbl) in relations(cat) {
                let (natts, checks, hasindex) = match (kind, tbl) {
                    ("r", Some(t)) => (t.columns.len(), t.checks.len(), !indexes(t).is_empty()),
                    ("i", Some(t)) => {
                        let n = indexes(t)
                            .iter()
                            .find(|x| index_oid(t, x.0) == oid)
                            .map(|x| x.0.columns.len())
                            .unwrap_or(0);
                        (n, 0, false)
                    }
                    ("v", _) => (
                        cat.views.get(&name).map(|v| v.columns.len()).unwrap_or(0),
                        0,
                        false,
                    ),
                    _ => (0, 0, false),
                };
                bd.row(&[
                    ("oid", o(oid)),
                    ("relname", t(&name)),
                    ("relnamespace", o(NS_PUBLIC)),
                    ("relowner", o(ROLE_OID)),
                    (
                        "relam",
                        o(match kind {
                            "r" => AM_HEAP,
                            "i" => AM_BTREE,
                            _ => 0,
                        }),
                    ),
                    ("relfilenode", o(oid)),
                    ("reltuples", Datum::Float4(-1.0)),
                    ("relhasindex", b(hasindex)),
                    ("relpersistence", t("p")),
                    ("relkind", t(kind)),
                    ("relnatts", i2(natts)),
                    ("relchecks", i2(checks)),
                    ("relispopulated", b(true)),
                    ("relreplident", t(if kind == "r" { "d" } else { "n" })),
                ]);
            }
            bd
        }
        "pg_attribute" => {
            let mut bd = Builder::new(
                "attrelid:oid attname atttypid:oid attstattarget:int4 attlen:int2 attnum:int2 \
                 attndims:int4 attcacheoff:int4 atttypmod:int4 attbyval:bool attalign \
                 attstorage attcompression attnotnull:bool atthasdef:bool atthasmissing:bool \
                 attidentity attgenerated attisdropped:bool attislocal:bool attinhcount:int4 \
                 attcollation:oid attacl:text[] attoptions:text[] attfdwoptions:text[]",
            );
            for tb in cat.tables.values() {
                let pk: Vec<usize> = tb
                    .primary_key
                    .as_ref()
                    .map(|p| p.columns.clone())
                    .unwrap_or_default();
                for (i, c) in tb.columns.iter().enumerate() {
                    let rel = table_oid(tb);
                    bd.row(&attr_row(
                        rel,
                        &c.name,
                        c.ty,
                        i + 1,
                        c.not_null || pk.contains(&i),
                        c.default.is_some(),
                    ));
                }
                for (ix, _, _) in indexes(tb) {
                    for (k, c) in ix.columns.iter().enumerate() {
                        let col = &tb.columns[*c];
                        bd.row(&attr_row(
                            index_oid(tb, ix),
                            &col.name,
                            col.ty,
                            k + 1,
                            false,
                            false,
                        ));
                    }
                }
            }
            for (k, v) in cat.views.values().enumerate() {
                for (i, (name, ty)) in v.columns.iter().zip(&v.types).enumerate() {
                    let oid = type_oid_by_name(ty.split('(').next().unwrap_or(ty)).unwrap_or(25);
                    let ty = SqlType::from_oid(oid as u32).unwrap_or(SqlType::Text);
                    bd.row(&attr_row(
                        view_oid(k),
                        name,
                        ty.plain(),
                        i + 1,
                        false,
                        false,
                    ));
                }
            }
            bd
        }
        "pg_attrdef" => {
            let mut bd = Builder::new("oid:oid adrelid:oid adnum:int2 adbin");
            for tb in cat.tables.values() {
                for (i, c) in tb.columns.iter().enumerate() {
                    if let Some(d) = &c.default {
                        let rel = table_oid(tb);
                        bd.row(&[
                            ("oid", o(rel + 400 + i as i64)),
                            ("adrelid", o(rel)),
                            ("adnum", i2(i + 1)),
                            ("adbin", t(&default_text(d))),
                        ]);
                    }
                }
            }
            bd
        }
        "pg_type" => {
            let mut bd = Builder::new(
                "oid:oid typname typnamespace:oid typowner:oid typlen:int2 typbyval:bool \
                 typtype typcategory typispreferred:bool typisdefined:bool typdelim \
                 typrelid:oid typsubscript typelem:oid typarray:oid typinput typoutput \
                 typreceive typsend typmodin typmodout typanalyze typalign typstorage \
                 typnotnull:bool typbasetype:oid typtypmod:int4 typndims:int4 \
                 typcollation:oid typdefaultbin:text? typdefault:text? typacl:text[]",
            );
            for ty in builtin_types() {
                let (elem, array) = match ty {
                    SqlType::Array(e) => (e.ty().oid() as i64, 0),
                    s => (
                        0,
                        Elem::of(s)
                            .map(|e| SqlType::Array(e).oid() as i64)
                            .unwrap_or(0),
                    ),
                };
                let name = type_name(ty);
                let len = type_len(ty);
                bd.row(&[
                    ("oid", o(ty.oid() as i64)),
                    ("typname", t(&name)),
                    ("typnamespace", o(NS_PG_CATALOG)),
                    ("typowner", o(ROLE_OID)),
                    ("typlen", Datum::Int2(len as i16)),
                    ("typbyval", b((1..=8).contains(&len))),
                    ("typtype", t(if ty == SqlType::Unknown { "p" } else { "b" })),
                    ("typcategory", t(type_category(ty))),
                    (
                        "typispreferred",
                        b(matches!(
                            ty,
                            SqlType::Text
                                | SqlType::Float8
                                | SqlType::Bool
                                | SqlType::TimestampTz
                                | SqlType::Interval
                        )),
                    ),
                    ("typisdefined", b(true)),
                    ("typdelim", t(",")),
                    (
                        "typsubscript",
                        t(if elem != 0 {
                            "array_subscript_handler"
                        } else {
                            "-"
                        }),
                    ),
                    ("typelem", o(elem)),
                    ("typarray", o(array)),
                    (
                        "typinput",
                        t(&format!("{}in", name.trim_start_matches('_'))),
                    ),
                    (
                        "typoutput",
                        t(&format!("{}out", name.trim_start_matches('_'))),
                    ),
                    (
                        "typreceive",
                        t(&format!("{}recv", name.trim_start_matches('_'))),
                    ),
                    (
                        "typsend",
                        t(&format!("{}send", name.trim_start_matches('_'))),
                    ),
                    ("typmodin", t("-")),
                    ("typmodout", t("-")),
                    ("typanalyze", t("-")),
                    (
                        "typalign",
                        t(if len == 8 {
                            "d"
                        } else if len == 2 {
                            "s"
                        } else if len == 1 {
                            "c"
                        } else {
                            "i"
                        }),
                    ),
                    ("typstorage", t(if len > 0 { "p" } else { "x" })),
                    ("typtypmod", Datum::Int4(-1)),
                    (
                        "typcollation",
                        o(if is_string(ty) { COLL_DEFAULT } else { 0 }),
                    ),
                ]);
            }
            for (oid, name, len, cat_, elem, array) in EXTRA_TYPES {
                bd.row(&[
                    ("oid", o(*oid)),
                    ("typname", t(name)),
                    ("typnamespace", o(NS_PG_CATALOG)),
                    ("typowner", o(ROLE_OID)),
                    ("typlen", Datum::Int2(*len as i16)),
                    ("typbyval", b((1..=8).contains(len))),
                    ("typtype", t(if *cat_ == "P" { "p" } else { "b" })),
                    ("typcategory", t(cat_)),
                    ("typisdefined", b(true)),
                    ("typdelim", t(",")),
                    ("typsubscript", t("-")),
                    ("typelem", o(*elem)),
                    ("typarray", o(*array)),
                    (
                        "typinput",
                        t(&format!("{}in", name.trim_start_matches('_'))),
                    ),
                    (
                        "typoutput",
                        t(&format!("{}out", name.trim_start_matches('_'))),
                    ),
                    ("typmodin", t("-")),
                    ("typmodout", t("-")),
                    ("typanalyze", t("-")),
                    ("typalign", t("i")),
                    ("typstorage", t("p")),
                    ("typtypmod", Datum::Int4(-1)),
                    ("typcollation", o(if *oid == 19 { 950 } else { 0 })),
                ]);
            }
            bd
        }
        "pg_index" => {
            let mut bd = Builder::new(
                "indexrelid:oid indrelid:oid indnatts:int2 indnkeyatts:int2 indisunique:bool \
                 indnullsnotdistinct:bool indisprimary:bool indisexclusion:bool \
                 indimmediate:bool indisclustered:bool indisvalid:bool indcheckxmin:bool \
                 indisready:bool indislive:bool indisreplident:bool indkey indcollation \
                 indclass indoption indexprs:text? indpred:text?",
            );
            for tb in cat.tables.values() {
                for (ix, primary, unique) in indexes(tb) {
                    let key = ix
                        .columns
                        .iter()
                        .map(|c| (c + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(" ");
                    bd.row(&[
                        ("indexrelid", o(index_oid(tb, ix))),
                        ("indrelid", o(table_oid(tb))),
                        ("indnatts", i2(ix.columns.len())),
                        ("indnkeyatts", i2(ix.columns.len())),
                        ("indisunique", b(unique)),
                        ("indisprimary", b(primary)),
                        ("indimmediate", b(true)),
                        ("indisvalid", b(true)),
                        ("indisready", b(true)),
                        ("indislive", b(true)),
                        ("indkey", t(&key)),
                        ("indoption", t(&vec!["0"; ix.columns.len()].join(" "))),
                    ]);
                }
            }
            bd
        }
        "pg_constraint" => {
            let mut bd = Builder::new(
                "oid:oid conname connamespace:oid contype condeferrable:bool condeferred:bool \
                 convalidated:bool conrelid:oid contypid:oid conindid:oid conparentid:oid \
                 confrelid:oid confupdtype confdeltype confmatchtype conislocal:bool \
                 coninhcount:int4 connoinherit:bool conkey:int2[] confkey:int2[] conbin:text?",
            );
            for tb in cat.tables.values() {
                for c in constraints(tb) {
                    let key: Vec<Datum> = c.key.iter().map(|k| i2(k + 1)).collect();
                    let mut vals = vec![
                        ("oid", o(c.oid)),
                        ("conname", t(&c.name)),
                        ("connamespace", o(NS_PUBLIC)),
                        ("contype", t(c.contype)),
                        ("convalidated", b(true)),
                        ("conrelid", o(table_oid(tb))),
                        ("conindid", o(c.index)),
                        ("confupdtype", t(" ")),
                        ("confdeltype", t(" ")),
                        ("confmatchtype", t(" ")),
                        ("conislocal", b(true)),
                        ("connoinherit", b(c.contype == "p" || c.contype == "u")),
                        ("conkey", Datum::Array(key)),
                    ];
                    if let Some(fk) = c.fk {
                        let rt = cat.tables.get(&fk.ref_table);
                        vals.push(("confrelid", o(rt.map(|r| table_oid(r)).unwrap_or(0))));
                        vals.push(("confupdtype", t(fk_action(fk.on_update))));
                        vals.push(("confdeltype", t(fk_action(fk.on_delete))));
                        vals.push(("confmatchtype", t("s")));
                        vals.push((
                            "confkey",
                            Datum::Array(fk.ref_columns.iter().map(|k| i2(k + 1)).collect()),
                        ));
                    }
                    if c.contype == "c" {
                        vals.push(("conbin", t(c.def.trim_start_matches("CHECK "))));
                    }
                    bd.row(&vals);
                }
            }
            bd
        }
        "pg_am" => {
            let mut bd = Builder::new("oid:oid amname amhandler amtype");
            for (oid, n, h, k) in [
                (2, "heap", "heap_tableam_handler", "t"),
                (403, "btree", "bthandler", "i"),
                (405, "hash", "hashhandler", "i"),
            ] {
                bd.row(&[
                    ("oid", o(oid)),
                    ("amname", t(n)),
                    ("amhandler", t(h)),
                    ("amtype", t(k)),
                ]);
            }
            bd
        }
        "pg_database" => {
            let mut bd = Builder::new(
                "oid:oid datname datdba:oid encoding:int4 datlocprovider datistemplate:bool \
                 datallowconn:bool datconnlimit:int4 datfrozenxid datminmxid \
                 dattablespace:oid datcollate datctype daticulocale:text? \
                 datcollversion:text? datacl:text[]",
            );
            bd.row(&[
                ("oid", o(DB_OID)),
                ("datname", t("postgres")),
                ("datdba", o(ROLE_OID)),
                ("encoding", Datum::Int4(6)),
                ("datlocprovider", t("c")),
                ("datallowconn", b(true)),
                ("datconnlimit", Datum::Int4(-1)),
                ("dattablespace", o(1663)),
                ("datcollate", t("C")),
                ("datctype", t("C")),
            ]);
            bd
        }
        "pg_roles" | "pg_authid" => {
            let mut bd = Builder::new(
                "oid:oid rolname rolsuper:bool rolinherit:bool rolcreaterole:bool \
                 rolcreatedb:bool rolcanlogin:bool rolreplication:bool rolconnlimit:int4 \
                 rolpassword:text? rolvaliduntil:ts rolbypassrls:bool rolconfig:text[]",
            );
            let pw = if name == "pg_roles" {
                t("********")
            } else {
                Datum::Null
            };
            bd.row(&[
                ("oid", o(ROLE_OID)),
                ("rolname", t(ROLE_NAME)),
                ("rolsuper", b(true)),
                ("rolinherit", b(true)),
                ("rolcreaterole", b(true)),
                ("rolcreatedb", b(true)),
                ("rolcanlogin", b(true)),
                ("rolreplication", b(true)),
                ("rolconnlimit", Datum::Int4(-1)),
                ("rolpassword", pw),
                ("rolbypassrls", b(true)),
            ]);
            bd.row(&[
                ("oid", o(ROLE_DB_OWNER)),
                ("rolname", t("pg_database_owner")),
                ("rolinherit", b(true)),
                ("rolconnlimit", Datum::Int4(-1)),
            ]);
            bd
        }
        "pg_user" => {
            let mut bd = Builder::new(
                "usename usesysid:oid usecreatedb:bool usesuper:bool userepl:bool \
                 usebypassrls:bool passwd valuntil:ts useconfig:text[]",
            );
            bd.row(&[
                ("usename", t(ROLE_NAME)),
                ("usesysid", o(ROLE_OID)),
                ("usecreatedb", b(true)),
                ("usesuper", b(true)),
                ("userepl", b(true)),
                ("usebypassrls", b(true)),
                ("passwd", t("********")),
            ]);
            bd
        }
        "pg_auth_members" => {
            Builder::new("oid:oid roleid:oid member:oid grantor:oid admin_option:bool")
        }
        "pg_description" => Builder::new("objoid:oid classoid:oid objsubid:int4 description"),
        "pg_inherits" => {
            Builder::new("inhrelid:oid inhparent:oid inhseqno:int4 inhdetachpending:bool")
        }
        "pg_partitioned_table" => Builder::new(
            "partrelid:oid partstrat partnatts:int2 partdefid:oid partattrs partclass \
             partcollation partexprs:text?",
        ),
        "pg_collation" => {
            let mut bd = Builder::new(
                "oid:oid collname collnamespace:oid collowner:oid collprovider \
                 collisdeterministic:bool collencoding:int4 collcollate:text? collctype:text? \
                 colliculocale:text? collversion:text?",
            );
            for (oid, n, p) in [(100, "default", "d"), (950, "C", "c"), (951, "POSIX", "c")] {
                bd.row(&[
                    ("oid", o(oid)),
                    ("collname", t(n)),
                    ("collnamespace", o(NS_PG_CATALOG)),
                    ("collowner", o(ROLE_OID)),
                    ("collprovider", t(p)),
                    ("collisdeterministic", b(true)),
                    ("collencoding", Datum::Int4(-1)),
                ]);
            }
            bd
        }
        "pg_policy" => Builder::new(
            "oid:oid polname polrelid:oid polcmd polpermissive:bool polroles:oid[] \
             polqual:text? polwithcheck:text?",
        ),
        "pg_statistic_ext" => Builder::new(
            "oid:oid stxrelid:oid stxname stxnamespace:oid stxowner:oid stxstattarget:int4 \
             stxkeys stxkind:text[] stxexprs:text?",
        ),
        "pg_publication" => Builder::new(
            "oid:oid pubname pubowner:oid puballtables:bool pubinsert:bool pubupdate:bool \
             pubdelete:bool pubtruncate:bool pubviaroot:bool",
        ),
        "pg_publication_rel" => {
            Builder::new("oid:oid prpubid:oid prrelid:oid prqual:text? prattrs:int2[]")
        }
        "pg_publication_namespace" => Builder::new("oid:oid pnpubid:oid pnnspid:oid"),
        "pg_trigger" => Builder::new(
            "oid:oid tgrelid:oid tgparentid:oid tgname tgfoid:oid tgtype:int2 tgenabled \
             tgisinternal:bool tgconstrrelid:oid tgconstrindid:oid tgconstraint:oid \
             tgdeferrable:bool tginitdeferred:bool tgnargs:int2",
        ),
        "pg_rewrite" => Builder::new(
            "oid:oid rulename ev_class:oid ev_type ev_enabled is_instead:bool ev_qual ev_action",
        ),
        "pg_tablespace" => {
            let mut bd =
                Builder::new("oid:oid spcname spcowner:oid spcacl:text[] spcoptions:text[]");
            bd.row(&[
                ("oid", o(1663)),
                ("spcname", t("pg_default")),
                ("spcowner", o(ROLE_OID)),
            ]);
            bd.row(&[
                ("oid", o(1664)),
                ("spcname", t("pg_global")),
                ("spcowner", o(ROLE_OID)),
            ]);
            bd
        }
        "pg_range" => Builder::new(
            "rngtypid:oid rngsubtype:oid rngmultitypid:oid rngcollation:oid rngsubopc:oid \
             rngcanonical rngsubdiff",
        ),
        "pg_enum" => Builder::new("oid:oid enumtypid:oid enumsortorder:float4 enumlabel"),
        "pg_extension" => {
            let mut bd = Builder::new(
                "oid:oid extname extowner:oid extnamespace:oid extrelocatable:bool extversion",
            );
            bd.row(&[
                ("oid", o(13_500)),
                ("extname", t("plpgsql")),
                ("extowner", o(ROLE_OID)),
                ("extnamespace", o(NS_PG_CATALOG)),
                ("extversion", t("1.0")),
            ]);
            bd
        }
        "pg_sequence" => Builder::new(
            "seqrelid:oid seqtypid:oid seqstart:int8 seqincrement:int8 seqmax:int8 \
             seqmin:int8 seqcache:int8 seqcycle:bool",
        ),
        "pg_tables" => {
            let mut bd = Builder::new(
                "schemaname tablename tableowner tablespace:text? hasindexes:bool \
                 hasrules:bool hastriggers:bool rowsecurity:bool",
            );
            for tb in cat.tables.values() {
                bd.row(&[
                    ("schemaname", t("public")),
                    ("tablename", t(&tb.name)),
                    ("tableowner", t(ROLE_NAME)),
                    ("hasindexes", b(!indexes(tb).is_empty())),
                ]);
            }
            bd
        }
        "pg_views" => {
            let mut bd = Builder::new("schemaname viewname viewowner definition");
            for v in cat.views.values() {
                bd.row(&[
                    ("schemaname", t("public")),
                    ("viewname", t(&v.name)),
                    ("viewowner", t(ROLE_NAME)),
                    ("definition", t(&format!(" {};", v.query))),
                ]);
            }
            bd
        }
        "pg_indexes" => {
            let mut bd = Builder::new("schemaname tablename indexname tablespace:text? indexdef");
            for tb in cat.tables.values() {
                for (ix, _, unique) in indexes(tb) {
                    bd.row(&[
                        ("schemaname", t("public")),
                        ("tablename", t(&tb.name)),
                        ("indexname", t(&ix.name)),
                        ("indexdef", t(&index_def(tb, ix, unique))),
                    ]);
                }
            }
            bd
        }
        other => {
            return Err(SqlError::undefined_table(&format!("pg_catalog.{other}")));
        }
    };
    Ok(r.build())
}

/// A stored DEFAULT text as pg_get_expr prints it.
fn default_text(d: &str) -> String {
    // SERIAL defaults are stored as nextval('seq'); PostgreSQL shows the regclass cast.
    if let Some(rest) = d.strip_prefix("nextval('") {
        if let Some(seq) = rest.strip_suffix("')") {
            return format!("nextval('{seq}'::regclass)");
        }
    }
    d.to_string()
}

fn attr_row(
    rel: i64,
    name: &str,
    ty: ColType,
    num: usize,
    not_null: bool,
    has_def: bool,
) -> Vec<(&'static str, Datum)> {
    let len = type_len(ty.ty);
    vec![
        ("attrelid", o(rel)),
        ("attname", t(name)),
        ("atttypid", o(ty.ty.oid() as i64)),
        ("attstattarget", Datum::Int4(-1)),
        ("attlen", Datum::Int2(len as i16)),
        ("attnum", i2(num)),
        (
            "attndims",
            Datum::Int4(matches!(ty.ty, SqlType::Array(_)) as i32),
        ),
        ("attcacheoff", Datum::Int4(-1)),
        ("atttypmod", Datum::Int4(ty.typmod)),
        ("attbyval", b((1..=8).contains(&len))),
        ("attalign", t(if len == 8 { "d" } else { "i" })),
        ("attstorage", t(if len > 0 { "p" } else { "x" })),
        ("attcompression", t("")),
        ("attnotnull", b(not_null)),
        ("atthasdef", b(has_def)),
        ("attislocal", b(true)),
        (
            "attcollation",
            o(if is_string(ty.ty) { COLL_DEFAULT } else { 0 }),
        ),
    ]
}

fn info_schema(cat: &Catalog, name: &str) -> SqlResult<Relation> {
    let r = match name {
        "tables" => {
            let mut bd = Builder::new(
                "table_catalog table_schema table_name table_type \
                 self_referencing_column_name:text? reference_generation:text? \
                 user_defined_type_catalog:text? user_defined_type_schema:text? \
                 user_defined_type_name:text? is_insertable_into is_typed commit_action:text?",
            );
            let mut add = |n: &str, kind: &str| {
                bd.row(&[
                    ("table_catalog", t("postgres")),
                    ("table_schema", t("public")),
                    ("table_name", t(n)),
                    ("table_type", t(kind)),
                    (
                        "is_insertable_into",
                        t(if kind == "VIEW" { "NO" } else { "YES" }),
                    ),
                    ("is_typed", t("NO")),
                ])
            };
            for tb in cat.tables.values() {
                add(&tb.name, "BASE TABLE");
            }
            for v in cat.views.values() {
                add(&v.name, "VIEW");
            }
            bd
        }
        "columns" => {
            let mut bd = Builder::new(
                "table_catalog table_schema table_name column_name ordinal_position:int4 \
                 column_default:text? is_nullable data_type character_maximum_length:int4? \
                 character_octet_length:int4? numeric_precision:int4? \
                 numeric_precision_radix:int4? numeric_scale:int4? datetime_precision:int4? \
                 interval_type:text? interval_precision:int4? character_set_catalog:text? \
                 character_set_schema:text? character_set_name:text? collation_catalog:text? \
                 collation_schema:text? collation_name:text? domain_catalog:text? \
                 domain_schema:text? domain_name:text? udt_catalog udt_schema udt_name \
                 scope_catalog:text? scope_schema:text? scope_name:text? \
                 maximum_cardinality:int4? dtd_identifier is_self_referencing is_identity \
                 identity_generation:text? identity_start:text? identity_increment:text? \
                 identity_maximum:text? identity_minimum:text? identity_cycle is_generated \
                 generation_expression:text? is_updatable",
            );
            for tb in cat.tables.values() {
                let pk: Vec<usize> = tb
                    .primary_key
                    .as_ref()
                    .map(|p| p.columns.clone())
                    .unwrap_or_default();
                for (i, c) in tb.columns.iter().enumerate() {
                    let nullable = !(c.not_null || pk.contains(&i));
                    let mut vals = column_info(&tb.name, &c.name, c.ty, i + 1, nullable);
                    if let Some(d) = &c.default {
                        vals.push(("column_default", t(&default_text(d))));
                    }
                    vals.push(("is_updatable", t("YES")));
                    bd.row(&vals);
                }
            }
            for v in cat.views.values() {
                for (i, (n, ty)) in v.columns.iter().zip(&v.types).enumerate() {
                    let oid = type_oid_by_name(ty.split('(').next().unwrap_or(ty)).unwrap_or(25);
                    let ty = SqlType::from_oid(oid as u32).unwrap_or(SqlType::Text);
                    let mut vals = column_info(&v.name, n, ty.plain(), i + 1, true);
                    vals.push(("is_updatable", t("NO")));
                    bd.row(&vals);
                }
            }
            bd
        }
        "schemata" => {
            let mut bd = Builder::new(
                "catalog_name schema_name schema_owner default_character_set_catalog:text? \
                 default_character_set_schema:text? default_character_set_name:text? \
                 sql_path:text?",
            );
            for (oid, n) in namespaces() {
                let owner = if oid == NS_PUBLIC {
                    "pg_database_owner"
                } else {
                    ROLE_NAME
                };
                bd.row(&[
                    ("catalog_name", t("postgres")),
                    ("schema_name", t(n)),
                    ("schema_owner", t(owner)),
                ]);
            }
            bd
        }
        other => {
            return Err(SqlError::undefined_table(&format!(
                "information_schema.{other}"
            )))
        }
    };
    Ok(r.build())
}

fn column_info(
    table: &str,
    col: &str,
    ty: ColType,
    num: usize,
    nullable: bool,
) -> Vec<(&'static str, Datum)> {
    let i4 = |v: i64| Datum::Int4(v as i32);
    let data_type = match ty.ty {
        SqlType::Array(_) => "ARRAY".to_string(),
        _ => format_type(ty.ty.oid() as i64, -1).unwrap_or_default(),
    };
    let mut v = vec![
        ("table_catalog", t("postgres")),
        ("table_schema", t("public")),
        ("table_name", t(table)),
        ("column_name", t(col)),
        ("ordinal_position", i4(num as i64)),
        ("is_nullable", t(if nullable { "YES" } else { "NO" })),
        ("data_type", t(&data_type)),
        ("udt_catalog", t("postgres")),
        ("udt_schema", t("pg_catalog")),
        ("udt_name", t(&type_name(ty.ty))),
        ("dtd_identifier", t(&num.to_string())),
        ("is_self_referencing", t("NO")),
        ("is_identity", t("NO")),
        ("identity_cycle", t("NO")),
        ("is_generated", t("NEVER")),
    ];
    match ty.ty {
        SqlType::Varchar | SqlType::Bpchar => {
            if let Some(n) = ty.char_len() {
                v.push(("character_maximum_length", i4(n as i64)));
                v.push(("character_octet_length", i4(n as i64 * 4)));
            }
        }
        SqlType::Text => v.push(("character_octet_length", i4(1_073_741_824))),
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
            let p = match ty.ty {
                SqlType::Int2 => 16,
                SqlType::Int4 => 32,
                _ => 64,
            };
            v.push(("numeric_precision", i4(p)));
            v.push(("numeric_precision_radix", i4(2)));
            v.push(("numeric_scale", i4(0)));
        }
        SqlType::Float4 | SqlType::Float8 => {
            let p = if ty.ty == SqlType::Float4 { 24 } else { 53 };
            v.push(("numeric_precision", i4(p)));
            v.push(("numeric_precision_radix", i4(2)));
        }
        SqlType::Numeric => {
            v.push(("numeric_precision_radix", i4(10)));
            if ty.typmod >= 4 {
                let m = ty.typmod - 4;
                v.push(("numeric_precision", i4(((m >> 16) & 0xffff) as i64)));
                v.push(("numeric_scale", i4((m & 0xffff) as i64)));
            }
        }
        SqlType::Date => v.push(("datetime_precision", i4(0))),
        SqlType::Timestamp | SqlType::TimestampTz | SqlType::Time | SqlType::Interval => v.push((
            "datetime_precision",
            i4(if ty.typmod >= 0 { ty.typmod as i64 } else { 6 }),
        )),
        _ => {}
    }
    v
}

/// Scalar catalog functions evaluated at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysFn {
    /// format_type(oid, typmod).
    FormatType,
    /// text ~ pattern (POSIX regex; `ci`: `~*`).
    Regex { ci: bool, negated: bool },
    /// pg_get_userbyid(oid).
    UserById,
    /// pg_encoding_to_char(int).
    EncodingToChar,
    /// array_to_string(array, sep [, null_string]).
    ArrayToString,
}

pub fn call(f: SysFn, vals: &[Datum]) -> SqlResult<Datum> {
    if vals.first().is_none_or(Datum::is_null) {
        return Ok(Datum::Null);
    }
    Ok(match f {
        SysFn::FormatType => {
            let oid = vals[0].as_i64().unwrap_or(0);
            let typmod = vals.get(1).and_then(Datum::as_i64).unwrap_or(-1) as i32;
            match format_type(oid, typmod) {
                Some(s) => Datum::Text(s),
                None => Datum::Null,
            }
        }
        SysFn::Regex { ci, negated } => {
            let (Some(s), Some(p)) = (vals[0].as_str(), vals.get(1).and_then(Datum::as_str)) else {
                return Ok(Datum::Null);
            };
            let re = regex::RegexBuilder::new(p)
                .case_insensitive(ci)
                .build()
                .map_err(|e| {
                    SqlError::new(
                        "2201B",
                        format!(
                            "invalid regular expression: {}",
                            e.to_string().lines().last().unwrap_or("")
                        ),
                    )
                })?;
            Datum::Bool(re.is_match(s) != negated)
        }
        SysFn::UserById => Datum::Text(role_name(vals[0].as_i64().unwrap_or(0))),
        SysFn::EncodingToChar => Datum::Text(
            match vals[0].as_i64() {
                Some(6) => "UTF8",
                Some(0) => "SQL_ASCII",
                _ => "",
            }
            .into(),
        ),
        SysFn::ArrayToString => {
            let Datum::Array(items) = &vals[0] else {
                return Ok(Datum::Null);
            };
            let Some(sep) = vals.get(1).and_then(Datum::as_str) else {
                return Ok(Datum::Null);
            };
            let null_s = vals.get(2).and_then(Datum::as_str);
            let mut parts = Vec::new();
            for x in items {
                if x.is_null() {
                    if let Some(n) = null_s {
                        parts.push(n.to_string());
                    }
                } else {
                    parts.push(
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_text(1).unwrap_or_default()),
                    );
                }
            }
            Datum::Text(parts.join(sep))
        }
    })
}
