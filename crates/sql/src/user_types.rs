//! User-defined types: enums (`CREATE TYPE name AS ENUM (...)`, `ALTER TYPE
//! ... ADD VALUE / RENAME TO`, `DROP TYPE`) and domains (`CREATE DOMAIN`,
//! `DROP DOMAIN`), their catalog entries and the process-wide registry the
//! value-level code (casts, ordering, OIDs, names, domain checks) consults.
//!
//! A domain column stores its base type (`ColumnDef::domain` names the
//! domain); assignments, casts to the domain and its default go through
//! `Func::Domain`, which runs the NOT NULL and CHECK constraints bound over
//! `VALUE` (PostgreSQL also sends the base type on the wire).
//!
//! Enum values travel as `Datum::Text` labels; `SqlType::Enum(oid)` carries
//! the type. Functions such as `datum::compare` and `SqlType::display_name`
//! have no catalog at hand, so every enum definition a catalog holds is also
//! entered in a registry keyed by its OID. Type OIDs are drawn at random from
//! a range PostgreSQL never uses for built-ins, so definitions of different
//! clusters in one process (tests) do not collide. A label keeps its sort
//! order for ever (ADD VALUE BEFORE/AFTER takes the midpoint of its
//! neighbours, and labels are never renumbered), so a registry entry that is
//! newer than some catalog snapshot orders that snapshot's values correctly;
//! what it may do is accept a label added by a transaction that has not
//! committed (or rolled back) yet.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, OnceLock, RwLock};

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::catalog::Catalog;
use crate::datum::Datum;
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;
use crate::types::{ColType, Elem, SqlType};

/// Catalog key tag of a user-defined type (`0x00 'Y' <name>`).
pub const TYPE_TAG: u8 = b'Y';

/// Lowest OID handed to a user type (the array type is the next one).
const OID_BASE: u32 = 0x4000_0000;
/// Label OIDs follow the type's: type, array type, then one per label.
const OID_SPAN: u32 = 1 << 16;
/// Labels an enum may have (PostgreSQL allows more; this bounds the OID span).
const MAX_LABELS: usize = (OID_SPAN - 2) as usize;
/// PostgreSQL's NAMEDATALEN - 1.
const MAX_LABEL_BYTES: usize = 63;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EnumLabel {
    pub label: String,
    /// Position in the type's order (pg_enum.enumsortorder); never changes.
    pub sort_order: f64,
    pub oid: u32,
}

/// CREATE DOMAIN: a base type with NOT NULL, a default and CHECK
/// constraints over `VALUE`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DomainDef {
    pub base: ColType,
    pub not_null: bool,
    /// Default expression as SQL text (columns of the domain without their
    /// own default take it).
    pub default: Option<String>,
    /// Sorted by name, as PostgreSQL checks them.
    pub checks: Vec<crate::catalog::CheckDef>,
}

/// One attribute of a composite type (pg_attribute of its relation).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CompositeField {
    pub name: String,
    pub ty: ColType,
}

/// Stored as JSON: catalogs written before composite types existed hold
/// only the first two variants and read back unchanged.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum UserTypeKind {
    Enum {
        labels: Vec<EnumLabel>,
    },
    Domain(DomainDef),
    /// CREATE TYPE name AS (fields); its relation OID (typrelid) is the
    /// type's OID + 2, inside the type's OID span.
    Composite {
        fields: Vec<CompositeField>,
    },
    /// CREATE TYPE name; a placeholder that functions may name until
    /// CREATE TYPE name (...) completes it (`crate::base_types`).
    Shell,
    /// CREATE TYPE name (INPUT = ..., OUTPUT = ...).
    Base(crate::base_types::BaseTypeDef),
    /// CREATE TYPE name AS RANGE (...): catalog entry only.
    Range(crate::base_types::RangeTypeDef),
}

/// One user-defined type as stored in the catalog.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserTypeDef {
    pub name: String,
    pub oid: u32,
    pub kind: UserTypeKind,
}

impl UserTypeDef {
    pub fn labels(&self) -> &[EnumLabel] {
        match &self.kind {
            UserTypeKind::Enum { labels } => labels,
            _ => &[],
        }
    }

    pub fn domain(&self) -> Option<&DomainDef> {
        match &self.kind {
            UserTypeKind::Domain(d) => Some(d),
            _ => None,
        }
    }

    /// The attributes of a composite type (None for enums and domains).
    pub fn fields(&self) -> Option<&[CompositeField]> {
        match &self.kind {
            UserTypeKind::Composite { fields } => Some(fields),
            _ => None,
        }
    }

    /// The type a column or value declared with this type has.
    pub fn value_type(&self) -> ColType {
        match &self.kind {
            UserTypeKind::Domain(d) => d.base,
            UserTypeKind::Enum { .. } => SqlType::Enum(self.oid).plain(),
            UserTypeKind::Composite { .. } => SqlType::Composite(self.oid).plain(),
            UserTypeKind::Shell | UserTypeKind::Base(_) | UserTypeKind::Range(_) => {
                SqlType::Base(self.oid).plain()
            }
        }
    }

    /// Labels in sort order.
    pub fn sorted_labels(&self) -> Vec<&EnumLabel> {
        let mut v: Vec<&EnumLabel> = self.labels().iter().collect();
        v.sort_by(|a, b| a.sort_order.total_cmp(&b.sort_order));
        v
    }
}

pub fn type_key(name: &str) -> Vec<u8> {
    let mut k = vec![crate::encoding::CATALOG_PREFIX, TYPE_TAG];
    k.extend_from_slice(name.as_bytes());
    k
}

// ---------------------------------------------------------------------------
// Registry

/// A domain's constraints bound over a one-column row (`VALUE`).
struct BoundDomain {
    name: String,
    not_null: bool,
    checks: Vec<(String, crate::plan::Expr)>,
}

struct Registry {
    types: HashMap<u32, Arc<UserTypeDef>>,
    domains: HashMap<u32, Arc<BoundDomain>>,
    /// Interned display names (`SqlType::display_name` returns `&'static str`).
    names: HashMap<String, &'static str>,
}

fn registry() -> &'static RwLock<Registry> {
    static R: OnceLock<RwLock<Registry>> = OnceLock::new();
    R.get_or_init(|| {
        RwLock::new(Registry {
            types: HashMap::new(),
            domains: HashMap::new(),
            names: HashMap::new(),
        })
    })
}

fn intern(r: &mut Registry, name: String) -> &'static str {
    if let Some(s) = r.names.get(&name) {
        return s;
    }
    // Bounded by the number of distinct type names ever created in the process.
    let s: &'static str = Box::leak(name.clone().into_boxed_str());
    r.names.insert(name, s);
    s
}

/// Enters (or refreshes) a definition; called for every definition a
/// catalog loads or a DDL statement produces. A domain's checks are bound
/// against `catalog`.
pub fn register(catalog: &Catalog, def: &UserTypeDef) -> SqlResult<()> {
    let bound = match def.domain() {
        Some(d) => Some(Arc::new(BoundDomain {
            name: def.name.clone(),
            not_null: d.not_null,
            checks: crate::binder::Binder::new(catalog, "", vec![])
                .bind_domain_checks(d.base, &d.checks)?,
        })),
        None => None,
    };
    let mut r = registry().write().unwrap_or_else(|e| e.into_inner());
    if let Some(b) = bound {
        r.domains.insert(def.oid, b);
    }
    intern(&mut r, def.name.clone());
    intern(&mut r, format!("{}[]", def.name));
    intern(&mut r, format!("_{}", def.name));
    r.types.insert(def.oid, Arc::new(def.clone()));
    Ok(())
}

pub fn lookup(oid: u32) -> Option<Arc<UserTypeDef>> {
    let r = registry().read().unwrap_or_else(|e| e.into_inner());
    r.types.get(&oid).cloned()
}

fn name_with(oid: u32, f: impl Fn(&str) -> String) -> &'static str {
    let Some(def) = lookup(oid) else {
        return "???";
    };
    let mut r = registry().write().unwrap_or_else(|e| e.into_inner());
    intern(&mut r, f(&def.name))
}

/// A base type, complete or shell (`SqlType::Base`).
pub fn is_base_oid(oid: u32) -> bool {
    lookup(oid).is_some_and(|d| {
        matches!(
            d.kind,
            UserTypeKind::Shell | UserTypeKind::Base(_) | UserTypeKind::Range(_)
        )
    })
}

pub fn is_enum_oid(oid: u32) -> bool {
    lookup(oid).is_some_and(|d| matches!(d.kind, UserTypeKind::Enum { .. }))
}

/// `check_domain` outside a statement's evaluation (COPY FROM): checks see
/// no parameters, no sequences and 2000-01-01 as now().
pub fn check_column_domain(domain: Option<u32>, value: Datum) -> SqlResult<Datum> {
    let Some(oid) = domain else {
        return Ok(value);
    };
    let sequences = crate::sequence::Sequences::default();
    let sequence_used = std::sync::atomic::AtomicBool::new(false);
    let subqueries = HashMap::new();
    let env = crate::eval::Env {
        params: &[],
        outer: &[],
        subqueries: &subqueries,
        sequences: &sequences,
        sequence_used: &sequence_used,
        read_only: true,
        now: 0,
        xid: 0,
        settings: None,
    };
    check_domain(oid, value, &env)
}

/// Checks a value against a domain's NOT NULL and CHECK constraints
/// (23502 / 23514 with PostgreSQL's messages); returns it unchanged.
pub fn check_domain(oid: u32, value: Datum, env: &crate::eval::Env) -> SqlResult<Datum> {
    let bound = {
        let r = registry().read().unwrap_or_else(|e| e.into_inner());
        r.domains.get(&oid).cloned()
    }
    .ok_or_else(|| SqlError::internal("domain not registered"))?;
    if value.is_null() {
        if bound.not_null {
            return Err(SqlError::new(
                "23502",
                format!("domain {} does not allow null values", bound.name),
            ));
        }
        return Ok(value);
    }
    let row = [value];
    for (name, check) in &bound.checks {
        if crate::eval::eval(check, &row, env)? == Datum::Bool(false) {
            return Err(SqlError::new(
                "23514",
                format!(
                    "value for domain {} violates check constraint \"{name}\"",
                    bound.name
                ),
            ));
        }
    }
    let [value] = row;
    Ok(value)
}

pub fn display_name(oid: u32) -> &'static str {
    name_with(oid, |n| n.to_string())
}

pub fn array_display_name(oid: u32) -> &'static str {
    name_with(oid, |n| format!("{n}[]"))
}

pub fn array_typname(oid: u32) -> &'static str {
    name_with(oid, |n| format!("_{n}"))
}

pub fn array_oid(oid: u32) -> u32 {
    oid + 1
}

/// The composite types of a catalog.
pub fn composite_types(catalog: &Catalog) -> impl Iterator<Item = &Arc<UserTypeDef>> {
    catalog.types.values().filter(|d| d.fields().is_some())
}

/// pg_class OID of a composite type's relation (relkind 'c').
pub fn composite_relid(type_oid: u32) -> u32 {
    type_oid + 2
}

pub fn is_composite_oid(oid: u32) -> bool {
    lookup(oid).is_some_and(|d| d.fields().is_some())
}

/// The element of the user array type with this OID (enum or composite).
pub fn elem_of_array_oid(oid: u32) -> Option<Elem> {
    let base = oid.checked_sub(1)?;
    match lookup(base)?.kind {
        UserTypeKind::Enum { .. } => Some(Elem::Enum(base)),
        UserTypeKind::Composite { .. } => Some(Elem::Composite(base)),
        _ => None,
    }
}

/// The attributes of the composite type `oid` (None if it is not one).
pub fn composite_fields(oid: u32) -> Option<Vec<CompositeField>> {
    lookup(oid)?.fields().map(<[_]>::to_vec)
}

/// Text input of an enum value: the label itself, 22P02 otherwise.
pub fn parse_label(oid: u32, s: &str) -> SqlResult<String> {
    let def = lookup(oid).ok_or_else(|| SqlError::internal("enum type not registered"))?;
    if def.labels().iter().any(|l| l.label == s) {
        return Ok(s.to_string());
    }
    Err(SqlError::new(
        "22P02",
        format!("invalid input value for enum {}: \"{s}\"", def.name),
    ))
}

/// Sort position of a label (labels of unknown types sort by text).
pub fn sort_order(oid: u32, label: &str) -> Option<f64> {
    let def = lookup(oid)?;
    def.labels()
        .iter()
        .find(|l| l.label == label)
        .map(|l| l.sort_order)
}

/// Ordering of two labels of one enum.
pub fn compare_labels(oid: u32, a: &str, b: &str) -> std::cmp::Ordering {
    match (sort_order(oid, a), sort_order(oid, b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

// ---------------------------------------------------------------------------
// Type names in statements

/// The type a name denotes: a user type of the catalog or a built-in one.
pub fn resolve(catalog: &Catalog, dt: &ast::DataType) -> SqlResult<ColType> {
    let ty = resolve_allowing_shell(catalog, dt)?;
    if let SqlType::Base(oid) = ty.ty {
        match catalog
            .types
            .values()
            .find(|t| t.oid == oid)
            .map(|t| &t.kind)
        {
            Some(UserTypeKind::Shell) => {
                return Err(crate::base_types::shell_error(display_name(oid)))
            }
            Some(UserTypeKind::Range(_)) => {
                return Err(SqlError::unsupported("values of range types"))
            }
            _ => {}
        }
    }
    Ok(ty)
}

/// [`resolve`], where a shell type or a range type may be named (function
/// signatures, CREATE CAST).
pub fn resolve_allowing_shell(catalog: &Catalog, dt: &ast::DataType) -> SqlResult<ColType> {
    match dt {
        ast::DataType::Custom(name, mods) if mods.is_empty() => {
            if let Some(def) = user_type(catalog, name) {
                return Ok(def.value_type());
            }
        }
        ast::DataType::Array(
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => {
            if let ast::DataType::Custom(name, mods) = inner.as_ref() {
                if mods.is_empty() {
                    if let Some(def) = user_type(catalog, name) {
                        let base = def.value_type();
                        let el = Elem::of(base.ty).ok_or_else(|| {
                            SqlError::unsupported(format!("arrays of {}", base.display()))
                        })?;
                        return Ok(SqlType::Array(el).plain());
                    }
                }
            }
        }
        _ => {}
    }
    crate::types::from_ast(dt).or_else(|e| table_row_type(catalog, dt, e))
}

/// A name no type has: the row type of the table of that name, if any
/// (`crate::table_row_type`); `missing` otherwise.
fn table_row_type(catalog: &Catalog, dt: &ast::DataType, missing: SqlError) -> SqlResult<ColType> {
    let (name, array) = match dt {
        ast::DataType::Custom(name, mods) if mods.is_empty() => (name, false),
        ast::DataType::Array(
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => match inner.as_ref() {
            ast::DataType::Custom(name, mods) if mods.is_empty() => (name, true),
            _ => return Err(missing),
        },
        _ => return Err(missing),
    };
    match crate::table_row_type::resolve(catalog, name)? {
        Some(row) if array => Ok(SqlType::Array(Elem::Composite(row.ty.oid())).plain()),
        Some(row) => Ok(row),
        None => Err(missing),
    }
}

/// The domain a type name denotes, if any.
pub fn domain_of(catalog: &Catalog, dt: &ast::DataType) -> Option<u32> {
    match dt {
        ast::DataType::Custom(name, mods) if mods.is_empty() => user_type(catalog, name)
            .filter(|d| d.domain().is_some())
            .map(|d| d.oid),
        _ => None,
    }
}

/// The default of a domain (for a column declared with it).
pub fn domain_default(catalog: &Catalog, domain: Option<u32>) -> Option<String> {
    let oid = domain?;
    let def = catalog.types.values().find(|t| t.oid == oid)?;
    def.domain()?.default.clone()
}

fn type_name(name: &ast::ObjectName) -> Option<String> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map(crate::binder::ident_name))
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [n] => Some(n.clone()),
        [s, n] if s == "public" => Some(n.clone()),
        _ => None,
    }
}

fn user_type(catalog: &Catalog, name: &ast::ObjectName) -> Option<Arc<UserTypeDef>> {
    catalog.types.get(&type_name(name)?).cloned()
}

// ---------------------------------------------------------------------------
// DDL

/// A NOTICE for what IF [NOT] EXISTS skipped.
fn skipped(message: String) -> SqlError {
    let mut n = SqlError::new("00000", message);
    n.severity = "NOTICE";
    n
}

fn not_enum(name: &str) -> SqlError {
    SqlError::new("42809", format!("{name} is not an enum"))
}

fn undefined(name: &str) -> SqlError {
    SqlError::new("42704", format!("type \"{name}\" does not exist"))
}

fn mutation(def: &UserTypeDef) -> SqlResult<Mutation> {
    let json = serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?;
    Ok(Mutation {
        key: type_key(&def.name),
        value: Some(json),
    })
}

fn put(catalog: &Catalog, def: UserTypeDef, drop_name: Option<&str>) -> SqlResult<DdlChange> {
    register(catalog, &def)?;
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    if let Some(old) = drop_name {
        next.types.remove(old);
        mutations.push(Mutation {
            key: type_key(old),
            value: None,
        });
    }
    mutations.push(mutation(&def)?);
    next.types.insert(def.name.clone(), Arc::new(def));
    Ok(DdlChange::catalog_only(next, mutations))
}

fn type_name_taken(catalog: &Catalog, name: &str) -> bool {
    catalog.types.contains_key(name)
        || crate::types::from_ast(&ast::DataType::Custom(
            ast::ObjectName::from(vec![ast::Ident::new(name)]),
            vec![],
        ))
        .is_ok()
        || catalog.tables.contains_key(name)
        || catalog.views.contains_key(name)
}

/// 42710 if `name` is taken by a type (or a relation, whose row type it is).
pub fn check_name_free(catalog: &Catalog, name: &str) -> SqlResult<()> {
    if type_name_taken(catalog, name) {
        return Err(SqlError::new(
            "42710",
            format!("type \"{name}\" already exists"),
        ));
    }
    Ok(())
}

/// A fresh type OID (see the module comment).
pub fn fresh_oid(catalog: &Catalog) -> u32 {
    new_oid(catalog)
}

fn new_oid(catalog: &Catalog) -> u32 {
    let taken = |o: u32| catalog.types.values().any(|t| t.oid.abs_diff(o) < OID_SPAN);
    let state = std::collections::hash_map::RandomState::new();
    let mut salt = 0u64;
    loop {
        let mut h = state.build_hasher();
        h.write_u64(salt);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        // Aligned to the span, below 2^31 (OIDs print as positive int4s in some clients).
        let slot = (h.finish() % ((0x7fff_ffff - OID_BASE as u64) / OID_SPAN as u64)) as u32;
        let oid = OID_BASE + slot * OID_SPAN;
        if !taken(oid) && !is_enum_oid(oid) {
            return oid;
        }
        salt += 1;
    }
}

fn label_text(i: &ast::Ident) -> SqlResult<String> {
    if i.value.len() > MAX_LABEL_BYTES {
        return Err(
            SqlError::new("22023", format!("invalid enum label \"{}\"", i.value))
                .with_detail(format!("Labels must be {MAX_LABEL_BYTES} bytes or less.")),
        );
    }
    Ok(i.value.clone())
}

/// CREATE TYPE name AS ENUM (labels).
pub fn create_type(
    catalog: &Catalog,
    name: &ast::ObjectName,
    representation: Option<&ast::UserDefinedTypeRepresentation>,
) -> SqlResult<Option<DdlChange>> {
    let tname = type_name(name).ok_or_else(|| SqlError::unsupported("qualified type names"))?;
    let labels = match representation {
        Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => labels,
        Some(ast::UserDefinedTypeRepresentation::Composite { attributes }) => {
            return create_composite(catalog, tname, attributes).map(Some)
        }
        None => {
            let def = crate::base_types::create_shell(catalog, tname)?;
            return put(catalog, def, None).map(Some);
        }
        Some(ast::UserDefinedTypeRepresentation::SqlDefinition { options }) => {
            let def = crate::base_types::create_base(catalog, tname, options)?;
            return put(catalog, def, None).map(Some);
        }
        Some(ast::UserDefinedTypeRepresentation::Range { options }) => {
            let def = crate::base_types::create_range(catalog, tname, options)?;
            return put(catalog, def, None).map(Some);
        }
    };
    if type_name_taken(catalog, &tname) {
        return Err(SqlError::new(
            "42710",
            format!("type \"{tname}\" already exists"),
        ));
    }
    if labels.len() > MAX_LABELS {
        return Err(SqlError::new("54000", "too many enum labels"));
    }
    let oid = new_oid(catalog);
    let mut out: Vec<EnumLabel> = Vec::with_capacity(labels.len());
    for (i, l) in labels.iter().enumerate() {
        let label = label_text(l)?;
        if out.iter().any(|x| x.label == label) {
            return Err(SqlError::new(
                "42710",
                format!("enum label \"{label}\" used more than once"),
            ));
        }
        out.push(EnumLabel {
            label,
            sort_order: (i + 1) as f64,
            oid: oid + 2 + i as u32,
        });
    }
    let def = UserTypeDef {
        name: tname,
        oid,
        kind: UserTypeKind::Enum { labels: out },
    };
    put(catalog, def, None).map(Some)
}

/// CREATE TYPE name AS (field type, ...): field types may be built-in,
/// enum, composite or array types (a domain field stores its base type).
fn create_composite(
    catalog: &Catalog,
    tname: String,
    attributes: &[ast::UserDefinedTypeCompositeAttributeDef],
) -> SqlResult<DdlChange> {
    if type_name_taken(catalog, &tname) {
        return Err(SqlError::new(
            "42710",
            format!("type \"{tname}\" already exists"),
        ));
    }
    let mut fields: Vec<CompositeField> = Vec::with_capacity(attributes.len());
    for a in attributes {
        let name = crate::binder::ident_name(&a.name);
        if fields.iter().any(|f| f.name == name) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{name}\" specified more than once"),
            ));
        }
        if crate::ddl::is_unknown_pseudo_type(&a.data_type) {
            return Err(SqlError::new(
                "42P16",
                format!("column \"{name}\" has pseudo-type unknown"),
            ));
        }
        fields.push(CompositeField {
            name,
            ty: resolve(catalog, &a.data_type)?,
        });
    }
    let def = UserTypeDef {
        name: tname,
        oid: new_oid(catalog),
        kind: UserTypeKind::Composite { fields },
    };
    put(catalog, def, None)
}

/// ALTER TYPE name ADD VALUE / RENAME VALUE / RENAME TO.
pub fn alter_type(
    catalog: &Catalog,
    at: &ast::AlterType,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let tname = type_name(&at.name).ok_or_else(|| SqlError::unsupported("qualified type names"))?;
    let def = catalog
        .types
        .get(&tname)
        .cloned()
        .ok_or_else(|| undefined(&tname))?;
    let mut def = (*def).clone();
    match &at.operation {
        ast::AlterTypeOperation::Rename(r) => {
            let new_name = crate::binder::ident_name(&r.new_name);
            if type_name_taken(catalog, &new_name) {
                return Err(SqlError::new(
                    "42710",
                    format!("type \"{new_name}\" already exists"),
                ));
            }
            def.name = new_name;
            put(catalog, def, Some(&tname)).map(Some)
        }
        ast::AlterTypeOperation::AddValue(add) => {
            let label = label_text(&add.value)?;
            let UserTypeKind::Enum { labels } = &mut def.kind else {
                return Err(not_enum(&tname));
            };
            if labels.iter().any(|l| l.label == label) {
                if add.if_not_exists {
                    notices.push(skipped(format!(
                        "enum label \"{label}\" already exists, skipping"
                    )));
                    return Ok(None);
                }
                return Err(SqlError::new(
                    "42710",
                    format!("enum label \"{label}\" already exists"),
                ));
            }
            if labels.len() >= MAX_LABELS {
                return Err(SqlError::new("54000", "too many enum labels"));
            }
            let mut orders: Vec<f64> = labels.iter().map(|l| l.sort_order).collect();
            orders.sort_by(f64::total_cmp);
            let position = |neighbour: &ast::Ident| -> SqlResult<f64> {
                let n = &neighbour.value;
                labels
                    .iter()
                    .find(|l| &l.label == n)
                    .map(|l| l.sort_order)
                    .ok_or_else(|| {
                        SqlError::new("22023", format!("\"{n}\" is not an existing enum label"))
                    })
            };
            let sort_order = match &add.position {
                None => orders.last().map_or(1.0, |m| m + 1.0),
                Some(ast::AlterTypeAddValuePosition::Before(n)) => {
                    let at = position(n)?;
                    let prev = orders.iter().copied().rfind(|o| *o < at);
                    midpoint(prev.unwrap_or(at - 2.0), at)?
                }
                Some(ast::AlterTypeAddValuePosition::After(n)) => {
                    let at = position(n)?;
                    let next = orders.iter().copied().find(|o| *o > at);
                    match next {
                        Some(nx) => midpoint(at, nx)?,
                        None => at + 1.0,
                    }
                }
            };
            let oid = def.oid + 2 + labels.len() as u32;
            labels.push(EnumLabel {
                label,
                sort_order,
                oid,
            });
            put(catalog, def, None).map(Some)
        }
        ast::AlterTypeOperation::RenameValue(rv) => {
            let (from, to) = (label_text(&rv.from)?, label_text(&rv.to)?);
            let UserTypeKind::Enum { labels } = &def.kind else {
                return Err(not_enum(&tname));
            };
            if labels.iter().any(|l| l.label == to) {
                return Err(SqlError::new(
                    "42710",
                    format!("enum label \"{to}\" already exists"),
                ));
            }
            if !labels.iter().any(|l| l.label == from) {
                return Err(SqlError::new(
                    "22023",
                    format!("\"{from}\" is not an existing enum label"),
                ));
            }
            // Stored values are labels: renaming one would need a rewrite of
            // every column of the type.
            Err(SqlError::unsupported("ALTER TYPE ... RENAME VALUE"))
        }
    }
}

/// Name of a NOT NULL written in CREATE DOMAIN, which the tokenizer pass
/// (`rewrite_domain_not_null`) turns into a named CHECK for sqlparser.
const NOT_NULL_MARK: &str = "\u{1}not null";

/// CREATE DOMAIN name AS type [DEFAULT e] [NOT NULL | NULL] [[CONSTRAINT c] CHECK (e)]...
pub fn create_domain(catalog: &Catalog, cd: &ast::CreateDomain) -> SqlResult<Option<DdlChange>> {
    let tname = type_name(&cd.name).ok_or_else(|| SqlError::unsupported("qualified type names"))?;
    if type_name_taken(catalog, &tname) {
        return Err(SqlError::new(
            "42710",
            format!("type \"{tname}\" already exists"),
        ));
    }
    // A domain over a domain keeps the inner one's constraints.
    let (base, mut not_null, inner_default, mut checks) = match domain_of(catalog, &cd.data_type)
        .and_then(|oid| catalog.types.values().find(|t| t.oid == oid).cloned())
    {
        Some(inner) => {
            let d = inner
                .domain()
                .cloned()
                .ok_or_else(|| SqlError::internal("domain kind"))?;
            (d.base, d.not_null, d.default, d.checks)
        }
        None => (resolve(catalog, &cd.data_type)?, false, None, vec![]),
    };
    let mut own = Vec::new();
    for c in &cd.constraints {
        match c {
            ast::TableConstraint::Check(ck) => {
                let name = ck.name.as_ref().map(crate::binder::ident_name);
                if name.as_deref() == Some(NOT_NULL_MARK) {
                    not_null = true;
                    continue;
                }
                own.push((name, ck.expr.to_string()));
            }
            _ => return Err(SqlError::unsupported("this domain constraint")),
        }
    }
    let mut taken: Vec<String> = checks.iter().map(|c| c.name.clone()).collect();
    for (name, expr) in own {
        let name = name.unwrap_or_else(|| {
            let stem = format!("{tname}_check");
            let mut n = stem.clone();
            let mut i = 0;
            while taken.contains(&n) {
                i += 1;
                n = format!("{stem}{i}");
            }
            n
        });
        taken.push(name.clone());
        checks.push(crate::catalog::CheckDef { name, expr });
    }
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    let default = match &cd.default {
        Some(e) => Some(e.to_string()),
        None => inner_default,
    };
    let def = UserTypeDef {
        name: tname,
        oid: new_oid(catalog),
        kind: UserTypeKind::Domain(DomainDef {
            base,
            not_null,
            default,
            checks,
        }),
    };
    put(catalog, def, None).map(Some)
}

/// DROP DOMAIN [IF EXISTS] name [CASCADE | RESTRICT].
pub fn drop_domain(
    catalog: &Catalog,
    dd: &ast::DropDomain,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let tname = type_name(&dd.name).ok_or_else(|| SqlError::unsupported("qualified type names"))?;
    match catalog.types.get(&tname) {
        Some(def) if def.domain().is_none() => Err(SqlError::new(
            "42809",
            format!("\"{tname}\" is not a domain"),
        )),
        _ => drop_types(
            catalog,
            std::slice::from_ref(&dd.name),
            dd.if_exists,
            matches!(dd.drop_behavior, Some(ast::DropBehavior::Cascade)),
            notices,
        ),
    }
}

/// sqlparser reads no NOT NULL / NULL in CREATE DOMAIN: NOT NULL becomes a
/// CHECK named `NOT_NULL_MARK` (CHECK (true)), a bare NULL is dropped.
pub fn rewrite_domain_not_null(tokens: &mut Vec<sqlparser::tokenizer::TokenWithSpan>) {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, TokenWithSpan};
    let kw = |t: &TokenWithSpan, k: Keyword| matches!(&t.token, Token::Word(w) if w.keyword == k);
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let is_domain = significant.len() > 2
        && kw(&tokens[significant[0]], Keyword::CREATE)
        && kw(&tokens[significant[1]], Keyword::DOMAIN);
    if !is_domain {
        return;
    }
    let space = |span| {
        TokenWithSpan::new(
            Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
            span,
        )
    };
    let mut depth = 0usize;
    let mut out = Vec::with_capacity(tokens.len());
    // The CHECK replacing NOT NULL goes at the end of the statement:
    // sqlparser wants DEFAULT before any constraint.
    let mut mark_at: Option<sqlparser::tokenizer::Span> = None;
    let mut k = 0;
    while k < significant.len() {
        let i = significant[k];
        let t = &tokens[i];
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::SemiColon if depth == 0 => break,
            _ => {}
        }
        let next_null = significant
            .get(k + 1)
            .is_some_and(|&j| kw(&tokens[j], Keyword::NULL));
        if depth == 0 && kw(t, Keyword::NOT) && next_null {
            mark_at = Some(t.span);
            k += 2;
            continue;
        }
        let after_default = k > 0 && kw(&tokens[significant[k - 1]], Keyword::DEFAULT);
        if depth == 0 && k > 2 && kw(t, Keyword::NULL) && !after_default {
            k += 1;
            continue;
        }
        out.push(t.clone());
        out.push(space(t.span));
        k += 1;
    }
    if let Some(span) = mark_at {
        let mark = sqlparser::tokenizer::Word {
            value: NOT_NULL_MARK.to_string(),
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        };
        for tok in [
            Token::make_keyword("CONSTRAINT"),
            Token::Word(mark),
            Token::make_keyword("CHECK"),
            Token::LParen,
            Token::make_keyword("TRUE"),
            Token::RParen,
        ] {
            out.push(TokenWithSpan::new(tok, span));
            out.push(space(span));
        }
    }
    // The rest (a `;` and any statements after it) stays as it was.
    if let Some(&rest) = significant.get(k) {
        out.extend(tokens[rest..].iter().cloned());
    }
    *tokens = out;
}

/// A sort order strictly between two others (PostgreSQL renumbers when
/// float4 runs out; we refuse instead, which takes ~50 inserts at one spot).
fn midpoint(lo: f64, hi: f64) -> SqlResult<f64> {
    let m = lo + (hi - lo) / 2.0;
    if m <= lo || m >= hi {
        return Err(SqlError::new(
            "54000",
            "no room left between these enum labels",
        ));
    }
    Ok(m)
}

/// What depends on a user type.
enum Dependent {
    /// A table column of the type (or an array of it).
    Column { table: String, column: String },
    /// A table whose partition key uses a column of the type: the table
    /// itself depends on the type (and goes with it under CASCADE).
    Table { table: String },
    /// A domain over the type, or a composite type with an attribute of it.
    Type {
        name: String,
        composite_attr: Option<String>,
    },
    /// A function taking or returning the type (its signature).
    Function {
        signature: String,
        name: String,
        oid: u32,
    },
    /// A cast from or to the type.
    Cast(Arc<crate::casts::CastDef>),
    /// An operator over the type (or yielding it).
    Operator(Arc<crate::user_operators::OperatorDef>),
}

impl Dependent {
    fn describe(&self, tname: &str) -> String {
        match self {
            Dependent::Column { table, column } => {
                format!("column {column} of table {table} depends on type {tname}")
            }
            Dependent::Table { table } => format!("table {table} depends on type {tname}"),
            Dependent::Type {
                name,
                composite_attr: Some(attr),
            } => format!("column {attr} of composite type {name} depends on type {tname}"),
            Dependent::Type { name, .. } => format!("type {name} depends on type {tname}"),
            Dependent::Function { signature, .. } => {
                format!("function {signature} depends on type {tname}")
            }
            Dependent::Cast(c) => format!("{} depends on type {tname}", c.describe()),
            Dependent::Operator(o) => {
                format!("operator {} depends on type {tname}", o.signature())
            }
        }
    }
}

/// Columns, domains, composite types, functions and casts that use the
/// type `oid`: types first (in name order), then functions and casts (in
/// creation order), then tables and columns (tables in creation order, a
/// table's columns last to first, as PostgreSQL 15 lists them).
fn users_of(catalog: &Catalog, oid: u32) -> Vec<Dependent> {
    let mut out = Vec::new();
    let mut types: Vec<&Arc<UserTypeDef>> = catalog.types.values().collect();
    // By name: type OIDs are random, so creation order (PostgreSQL's) is
    // not known.
    types.sort_by(|a, b| a.name.cmp(&b.name));
    for t in types {
        if t.domain().is_some_and(|d| type_uses(d.base.ty, oid)) {
            out.push(Dependent::Type {
                name: t.name.clone(),
                composite_attr: None,
            });
        }
        for f in t.fields().unwrap_or(&[]) {
            if type_uses(f.ty.ty, oid) {
                out.push(Dependent::Type {
                    name: t.name.clone(),
                    composite_attr: Some(f.name.clone()),
                });
            }
        }
    }
    let mut routines = Vec::new();
    for overloads in catalog.functions.values() {
        for f in overloads {
            use crate::routine::Returns;
            let returns = match &f.returns {
                Returns::Scalar(t) | Returns::SetOf(t) => type_uses(t.ty, oid),
                Returns::Table {
                    columns, row_type, ..
                } => *row_type == Some(oid) || columns.iter().any(|(_, t)| type_uses(t.ty, oid)),
                Returns::Trigger | Returns::Void => false,
            };
            if returns || f.args.iter().any(|a| type_uses(a.ty.ty, oid)) {
                routines.push(Dependent::Function {
                    signature: f.signature(),
                    name: f.name.clone(),
                    oid: f.oid,
                });
            }
        }
    }
    routines.extend(
        crate::casts::casts_of_type(catalog, oid)
            .into_iter()
            .map(Dependent::Cast),
    );
    routines.extend(
        crate::user_operators::operators_of_type(catalog, oid)
            .into_iter()
            .map(Dependent::Operator),
    );
    routines.sort_by_key(|d| match d {
        Dependent::Function { oid, .. } => *oid,
        Dependent::Cast(c) => c.oid,
        Dependent::Operator(o) => o.oid,
        _ => 0,
    });
    out.extend(routines);
    let mut tables: Vec<_> = catalog.tables.values().collect();
    tables.sort_by_key(|t| t.id);
    let uses = |c: &crate::catalog::ColumnDef| c.domain == Some(oid) || type_uses(c.ty.ty, oid);
    // A partition key on a column of the type makes the table itself the
    // dependent; its partitions go with it and are not listed.
    let whole: Vec<&Arc<crate::catalog::TableDef>> = tables
        .iter()
        .copied()
        .filter(|t| {
            t.columns
                .iter()
                .enumerate()
                .any(|(i, c)| uses(c) && crate::partition_ddl::key_uses_column(t, i))
        })
        .collect();
    let under_whole: Vec<String> = whole
        .iter()
        .flat_map(|t| crate::partition::descendants(catalog, t))
        .map(|d| d.name.clone())
        .collect();
    for t in tables {
        if under_whole.contains(&t.name) {
            continue;
        }
        if whole.iter().any(|w| w.name == t.name) {
            out.push(Dependent::Table {
                table: t.name.clone(),
            });
            continue;
        }
        for c in t.columns.iter().rev().filter(|c| uses(c)) {
            out.push(Dependent::Column {
                table: t.name.clone(),
                column: c.name.clone(),
            });
        }
    }
    out
}

/// Whether a value of type `ty` is, or is an array of, the user type `oid`.
fn type_uses(ty: SqlType, oid: u32) -> bool {
    match ty {
        SqlType::Enum(o) | SqlType::Composite(o) | SqlType::Base(o) => o == oid,
        SqlType::Array(Elem::Enum(o) | Elem::Composite(o)) => o == oid,
        _ => false,
    }
}

/// DROP TYPE [IF EXISTS] names [CASCADE | RESTRICT]. CASCADE drops the
/// domains over the type in turn, the attributes of composite types that
/// have it (refused while values of such a composite type may be stored,
/// since stored values keep every attribute), the table columns of the
/// type, and the tables whose partition key uses such a column.
pub fn drop_types(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
    notices: &mut Vec<SqlError>,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut cascaded = Vec::new();
    let mut dropped_sequences = Vec::new();
    for name in names {
        let tname = type_name(name).ok_or_else(|| SqlError::unsupported("qualified type names"))?;
        if !next.types.contains_key(&tname) {
            if if_exists {
                notices.push(skipped(format!(
                    "type \"{tname}\" does not exist, skipping"
                )));
                continue;
            }
            return Err(undefined(&tname));
        }
        if !cascade {
            let oid = next.types[&tname].oid;
            let deps = users_of(&next, oid);
            if !deps.is_empty() {
                let detail: Vec<String> = deps.iter().map(|d| d.describe(&tname)).collect();
                return Err(SqlError::new(
                    "2BP01",
                    format!("cannot drop type {tname} because other objects depend on it"),
                )
                .with_detail(detail.join("\n"))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
        }
        // What depends on the type goes with it, domains recursively.
        let mut queue = vec![tname.clone()];
        while let Some(victim) = queue.pop() {
            let Some(def) = next.types.remove(&victim) else {
                continue;
            };
            mutations.push(Mutation {
                key: type_key(&victim),
                value: None,
            });
            for dep in users_of(&next, def.oid) {
                match dep {
                    Dependent::Column { table, column } => {
                        let Some(owner) = next.tables.get(&table).cloned() else {
                            continue;
                        };
                        let Some(i) = owner.column_index(&column) else {
                            continue;
                        };
                        let mut changed = (*owner).clone();
                        crate::ddl::drop_column(&next, &mut changed, i, &[])?;
                        mutations.push(Catalog::table_mutation(&changed)?);
                        next.tables.insert(table.clone(), Arc::new(changed));
                        cascaded.push(format!("drop cascades to column {column} of table {table}"));
                    }
                    Dependent::Table { table } => {
                        let (schema, bare) = crate::schema::split(&table);
                        let name = ast::ObjectName::from(vec![
                            ast::Ident::with_quote('"', schema),
                            ast::Ident::with_quote('"', bare),
                        ]);
                        // The table's partitions go with it unnamed, as
                        // in PostgreSQL's notice.
                        let mut partition_notices = Vec::new();
                        if let Some(change) = crate::ddl::drop_table(
                            &next,
                            &[name],
                            true,
                            true,
                            &mut partition_notices,
                        )? {
                            next = change.catalog;
                            mutations.extend(change.mutations);
                            dropped_sequences.extend(change.dropped_sequences);
                        }
                        cascaded.push(format!("drop cascades to table {table}"));
                    }
                    Dependent::Function {
                        signature,
                        name,
                        oid,
                    } => {
                        cascaded.push(format!("drop cascades to function {signature}"));
                        let calling = crate::routine::ddl::remove_function(
                            &mut next,
                            &name,
                            oid,
                            &mut mutations,
                        )?;
                        cascaded.extend(
                            calling
                                .into_iter()
                                .map(|what| format!("drop cascades to {what}")),
                        );
                    }
                    Dependent::Operator(o) => {
                        let key = (o.name.clone(), o.left.map_or(0, |t| t.oid()), o.right.oid());
                        if next.operators.remove(&key).is_some() {
                            cascaded.push(format!("drop cascades to operator {}", o.signature()));
                            mutations.push(crate::user_operators::delete_mutation(&o));
                        }
                    }
                    Dependent::Cast(c) => {
                        if next
                            .casts
                            .remove(&(c.source.oid(), c.target.oid()))
                            .is_some()
                        {
                            cascaded.push(format!("drop cascades to {}", c.describe()));
                            mutations.push(crate::casts::mutation(c.source, c.target, None)?);
                        }
                    }
                    Dependent::Type {
                        name,
                        composite_attr: None,
                    } => {
                        cascaded.push(format!("drop cascades to type {name}"));
                        queue.push(name);
                    }
                    Dependent::Type {
                        name,
                        composite_attr: Some(attr),
                    } => {
                        let owner = next
                            .types
                            .get(&name)
                            .cloned()
                            .ok_or_else(|| SqlError::internal("dependent type vanished"))?;
                        if !users_of(&next, owner.oid).is_empty() {
                            return Err(SqlError::unsupported(
                                "DROP TYPE ... CASCADE of an attribute of a composite type in use",
                            ));
                        }
                        let mut changed = (*owner).clone();
                        if let UserTypeKind::Composite { fields } = &mut changed.kind {
                            fields.retain(|f| f.name != attr);
                        }
                        register(&next, &changed)?;
                        mutations.push(mutation(&changed)?);
                        next.types.insert(name.clone(), Arc::new(changed));
                        cascaded.push(format!(
                            "drop cascades to column {attr} of composite type {name}"
                        ));
                    }
                }
            }
        }
    }
    match cascaded.as_slice() {
        [] => {}
        [one] => notices.push(skipped(one.clone())),
        many => notices.push(
            skipped(format!("drop cascades to {} other objects", many.len()))
                .with_detail(many.join("\n")),
        ),
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(Some(DdlChange {
        dropped_sequences,
        ..DdlChange::catalog_only(next, mutations)
    }))
}

/// enum_first / enum_last / enum_range(NULL::t): constants of the
/// catalog the statement binds against. None for other names.
pub fn enum_support_fn(
    catalog: &Catalog,
    name: &str,
    arg: SqlType,
) -> Option<SqlResult<(Datum, ColType)>> {
    if !matches!(name, "enum_first" | "enum_last" | "enum_range") {
        return None;
    }
    let SqlType::Enum(oid) = arg else {
        return Some(Err(SqlError::undefined_function(&format!(
            "{name}({})",
            arg.display_name()
        ))));
    };
    let def = catalog.types.values().find(|t| t.oid == oid)?;
    let labels = def.sorted_labels();
    let label = |l: Option<&&EnumLabel>| l.map_or(Datum::Null, |l| Datum::Text(l.label.clone()));
    Some(Ok(match name {
        "enum_first" => (label(labels.first()), arg.plain()),
        "enum_last" => (label(labels.last()), arg.plain()),
        _ => (
            Datum::Array(
                labels
                    .iter()
                    .map(|l| Datum::Text(l.label.clone()))
                    .collect(),
            ),
            SqlType::Array(Elem::Enum(oid)).plain(),
        ),
    }))
}

// ---------------------------------------------------------------------------
// System catalog rows

/// pg_type rows (column name, value) of the user types: each type and its
/// array type, as PostgreSQL 15 shows an enum (typtype 'e', category 'E').
pub fn pg_type_rows(catalog: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    let o = |v: u32| Datum::Int8(v as i64);
    let t = |v: &str| Datum::Text(v.to_string());
    let mut out = Vec::new();
    for def in catalog.types.values() {
        if let Some(d) = def.domain() {
            let mut row = vec![
                ("oid", o(def.oid)),
                ("typname", t(&def.name)),
                ("typnamespace", Datum::Int8(crate::pg_catalog::NS_PUBLIC)),
                ("typowner", Datum::Int8(crate::pg_catalog::ROLE_OID)),
                ("typisdefined", Datum::Bool(true)),
                ("typdelim", t(",")),
                ("typtype", t("d")),
                (
                    "typcategory",
                    t(crate::pg_catalog::type_category(d.base.ty)),
                ),
                // A domain is stored as its base type.
                (
                    "typlen",
                    Datum::Int2(crate::pg_catalog::type_len(d.base.ty) as i16),
                ),
                (
                    "typbyval",
                    Datum::Bool((1..=8).contains(&crate::pg_catalog::type_len(d.base.ty))),
                ),
                ("typsubscript", t("-")),
                ("typinput", t("domain_in")),
                ("typoutput", t(&format!("{}out", d.base.ty.typname()))),
                ("typreceive", t("domain_recv")),
                ("typsend", t(&format!("{}send", d.base.ty.typname()))),
                ("typmodin", t("-")),
                ("typmodout", t("-")),
                ("typanalyze", t("-")),
                (
                    "typalign",
                    t(match crate::pg_catalog::type_len(d.base.ty) {
                        8 => "d",
                        2 => "s",
                        1 => "c",
                        _ => "i",
                    }),
                ),
                (
                    "typstorage",
                    t(crate::pg_catalog::default_storage(d.base.ty)),
                ),
                ("typnotnull", Datum::Bool(d.not_null)),
                ("typbasetype", o(d.base.ty.oid())),
                ("typtypmod", Datum::Int4(d.base.typmod)),
            ];
            if let Some(e) = &d.default {
                row.push(("typdefault", t(e)));
            }
            out.push(row);
            continue;
        }
        if let Some(row) = crate::base_types::pg_type_row(def) {
            out.push(row);
            continue;
        }
        let common = |name: String| {
            vec![
                ("typname", t(&name)),
                ("typnamespace", Datum::Int8(crate::pg_catalog::NS_PUBLIC)),
                ("typowner", Datum::Int8(crate::pg_catalog::ROLE_OID)),
                ("typisdefined", Datum::Bool(true)),
                ("typdelim", t(",")),
                ("typmodin", t("-")),
                ("typmodout", t("-")),
                ("typanalyze", t("-")),
                ("typalign", t("i")),
                ("typtypmod", Datum::Int4(-1)),
            ]
        };
        let mut base = common(def.name.clone());
        if def.fields().is_some() {
            base.extend([
                ("oid", o(def.oid)),
                ("typlen", Datum::Int2(-1)),
                ("typbyval", Datum::Bool(false)),
                ("typtype", t("c")),
                ("typcategory", t("C")),
                ("typsubscript", t("-")),
                ("typrelid", o(composite_relid(def.oid))),
                ("typarray", o(array_oid(def.oid))),
                ("typinput", t("record_in")),
                ("typoutput", t("record_out")),
                ("typreceive", t("record_recv")),
                ("typsend", t("record_send")),
                ("typstorage", t("x")),
            ]);
            base.retain(|(k, _)| *k != "typalign");
            base.push(("typalign", t("d")));
        } else {
            base.extend([
                ("oid", o(def.oid)),
                ("typlen", Datum::Int2(4)),
                ("typbyval", Datum::Bool(true)),
                ("typtype", t("e")),
                ("typcategory", t("E")),
                ("typsubscript", t("-")),
                ("typarray", o(array_oid(def.oid))),
                ("typinput", t("enum_in")),
                ("typoutput", t("enum_out")),
                ("typreceive", t("enum_recv")),
                ("typsend", t("enum_send")),
                ("typstorage", t("p")),
            ]);
        }
        out.push(base);
        let mut array = common(format!("_{}", def.name));
        array.extend([
            ("oid", o(array_oid(def.oid))),
            ("typlen", Datum::Int2(-1)),
            ("typtype", t("b")),
            ("typcategory", t("A")),
            ("typsubscript", t("array_subscript_handler")),
            ("typelem", o(def.oid)),
            ("typinput", t("array_in")),
            ("typoutput", t("array_out")),
            ("typreceive", t("array_recv")),
            ("typsend", t("array_send")),
            ("typstorage", t("x")),
        ]);
        out.push(array);
    }
    out
}

/// A domain's CHECK constraints with their OIDs (after the domain's, in the
/// span its labels would use) and PostgreSQL's definition text.
fn domain_checks(catalog: &Catalog) -> Vec<(&UserTypeDef, u32, &crate::catalog::CheckDef)> {
    let mut out = Vec::new();
    for def in catalog.types.values() {
        if let Some(d) = def.domain() {
            for (i, c) in d.checks.iter().enumerate() {
                out.push((def.as_ref(), def.oid + 2 + i as u32, c));
            }
        }
    }
    out
}

/// pg_constraint rows of domain CHECK constraints (contypid set).
pub fn pg_constraint_rows(catalog: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    domain_checks(catalog)
        .into_iter()
        .map(|(def, oid, c)| {
            vec![
                ("oid", Datum::Int8(oid as i64)),
                ("conname", Datum::Text(c.name.clone())),
                ("connamespace", Datum::Int8(crate::pg_catalog::NS_PUBLIC)),
                ("contype", Datum::Text("c".into())),
                ("convalidated", Datum::Bool(true)),
                ("contypid", Datum::Int8(def.oid as i64)),
                ("conislocal", Datum::Bool(true)),
                ("conbin", Datum::Text(c.expr.clone())),
            ]
        })
        .collect()
}

/// (constraint OID, pg_get_constraintdef text) of domain CHECK constraints.
pub fn domain_constraint_defs(catalog: &Catalog) -> Vec<(i64, String)> {
    domain_checks(catalog)
        .into_iter()
        .map(|(_, oid, c)| (oid as i64, format!("CHECK ({})", c.expr)))
        .collect()
}

/// pg_enum rows: (oid, enumtypid, enumsortorder, enumlabel).
pub fn pg_enum_rows(catalog: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    let mut out = Vec::new();
    for def in catalog.types.values() {
        for l in def.labels() {
            out.push(vec![
                ("oid", Datum::Int8(l.oid as i64)),
                ("enumtypid", Datum::Int8(def.oid as i64)),
                ("enumsortorder", Datum::Float4(l.sort_order as f32)),
                ("enumlabel", Datum::Text(l.label.clone())),
            ]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enum_def(labels: &[&str]) -> UserTypeDef {
        UserTypeDef {
            name: "mood_test".into(),
            oid: OID_BASE + 7 * OID_SPAN,
            kind: UserTypeKind::Enum {
                labels: labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| EnumLabel {
                        label: l.to_string(),
                        sort_order: (i + 1) as f64,
                        oid: 0,
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn labels_order_by_declaration_and_reject_unknown() {
        let def = enum_def(&["sad", "ok", "happy"]);
        register(&Catalog::default(), &def).unwrap();
        assert_eq!(
            compare_labels(def.oid, "sad", "happy"),
            std::cmp::Ordering::Less
        );
        assert_eq!(parse_label(def.oid, "ok").unwrap(), "ok");
        let e = parse_label(def.oid, "x").unwrap_err();
        assert_eq!(e.sqlstate, "22P02");
        assert_eq!(e.message, "invalid input value for enum mood_test: \"x\"");
        assert_eq!(elem_of_array_oid(def.oid + 1), Some(Elem::Enum(def.oid)));
        assert_eq!(array_display_name(def.oid), "mood_test[]");
    }

    #[test]
    fn midpoints_stay_between_and_run_out() {
        assert_eq!(midpoint(1.0, 2.0).unwrap(), 1.5);
        let (mut lo, hi) = (1.0, 2.0);
        let mut n = 0;
        while let Ok(m) = midpoint(lo, hi) {
            lo = m;
            n += 1;
        }
        assert!(n > 40);
    }
}
