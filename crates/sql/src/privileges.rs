//! Object privileges: who owns each table, view, sequence, schema and the
//! database, the ACLs GRANT and REVOKE edit (`crate::acl` holds the model),
//! and the checks statements pass (42501) before they run.
//!
//! Storage: one catalog entry per object that has a recorded owner or ACL,
//! under `0x00 'L' <kind tag> <name>` (JSON `ObjectEntry`), versioned and
//! transactional like every other catalog change. An object without an
//! entry is owned by the bootstrap role (objects created before ownership
//! existed) and has its kind's default ACL, as PostgreSQL's NULL `relacl`.
//! Ownership is recorded by diffing the catalog before and after each DDL
//! statement (`track_ownership`), so DDL code does not need to know about
//! it; a table keeps its entry across RENAME by its id.
//!
//! Checks: superusers pass everything. Data statements are checked from the
//! relations the binder resolved (`RelationUse`, views expanded with their
//! owner's rights, so only the statement's own relations count); sequence
//! functions at run time (`Access`); DDL on an existing object needs its
//! ownership (or membership in the owning role).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::acl::{self, AclItem, ObjectKind};
use crate::catalog::Catalog;
use crate::ddl::DdlChange;
use crate::encoding::CATALOG_PREFIX;
use crate::error::{SqlError, SqlResult};
use crate::roles::{self, BOOTSTRAP_ROLE};
use crate::store::Mutation;

/// Catalog key tag of an `ObjectEntry`.
pub const PRIVILEGE_TAG: u8 = b'L';
/// The one database.
pub const DATABASE: &str = "postgres";
/// The owner PostgreSQL 15 gives the `public` schema.
const DATABASE_OWNER_ROLE: &str = "pg_database_owner";

/// An object's owner and ACL (None: the kind's default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    pub version: u32,
    pub kind: ObjectKind,
    pub name: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Vec<AclItem>>,
    /// Column privileges by column name (GRANT SELECT (a) ON t ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, Vec<AclItem>>,
}

/// Entries by (kind, catalog key).
pub type ObjectEntries = BTreeMap<(ObjectKind, String), Arc<ObjectEntry>>;

pub fn entry_key(kind: ObjectKind, name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, PRIVILEGE_TAG, kind.tag()];
    k.extend_from_slice(name.as_bytes());
    k
}

/// Loads one stored entry into `entries`.
pub fn load_entry(entries: &mut ObjectEntries, value: &[u8]) -> SqlResult<()> {
    let e: ObjectEntry = serde_json::from_slice(value)
        .map_err(|e| SqlError::internal(format!("corrupt catalog entry privileges: {e}")))?;
    entries.insert((e.kind, e.name.clone()), Arc::new(e));
    Ok(())
}

fn entry_mutation(kind: ObjectKind, name: &str, e: Option<&ObjectEntry>) -> SqlResult<Mutation> {
    let value = match e {
        Some(e) => Some(serde_json::to_vec(e).map_err(|e| SqlError::internal(e.to_string()))?),
        None => None,
    };
    Ok(Mutation {
        key: entry_key(kind, name),
        value,
    })
}

/// The name PostgreSQL prints for a catalog key (schema left out).
fn display(name: &str) -> &str {
    crate::schema::split(name).1
}

pub fn denied(noun: &str, name: &str) -> SqlError {
    SqlError::new(
        "42501",
        format!("permission denied for {noun} {}", display(name)),
    )
}

pub fn not_owner(noun: &str, name: &str) -> SqlError {
    SqlError::new(
        "42501",
        format!("must be owner of {noun} {}", display(name)),
    )
}

/// What a relation key names: its privilege kind and the noun messages use.
pub fn relation_kind(cat: &Catalog, name: &str) -> Option<(ObjectKind, &'static str)> {
    if cat.tables.contains_key(name) {
        Some((ObjectKind::Table, "table"))
    } else if cat.views.contains_key(name) {
        Some((ObjectKind::Table, "view"))
    } else if cat.sequences.contains_key(name) {
        Some((ObjectKind::Sequence, "sequence"))
    } else {
        None
    }
}

/// The owner of an object.
pub fn owner(cat: &Catalog, kind: ObjectKind, name: &str) -> String {
    if let Some(e) = cat.privileges.get(&(kind, name.to_string())) {
        return e.owner.clone();
    }
    match kind {
        ObjectKind::Schema => match cat.schemas.get(name) {
            Some(s) => s.owner.clone(),
            None if name == crate::schema::PUBLIC => DATABASE_OWNER_ROLE.to_string(),
            None => BOOTSTRAP_ROLE.to_string(),
        },
        _ => BOOTSTRAP_ROLE.to_string(),
    }
}

/// The ACL as stored (None: never granted or revoked: the default applies).
pub fn stored_acl(cat: &Catalog, kind: ObjectKind, name: &str) -> Option<Vec<AclItem>> {
    cat.privileges
        .get(&(kind, name.to_string()))
        .and_then(|e| e.acl.clone())
}

/// The ACL in force.
pub fn effective_acl(cat: &Catalog, kind: ObjectKind, name: &str) -> Vec<AclItem> {
    if let Some(acl) = stored_acl(cat, kind, name) {
        return acl;
    }
    let owner = owner(cat, kind, name);
    let mut acl = acl::default_acl(kind, &owner);
    // PostgreSQL 15 creates `public` with USAGE for PUBLIC.
    if kind == ObjectKind::Schema && name == crate::schema::PUBLIC {
        acl.push(AclItem {
            grantee: String::new(),
            grantor: owner,
            privileges: acl::USAGE,
            grant_options: 0,
        });
    }
    acl
}

/// The ACL as `relacl`/`nspacl` text items (None: NULL).
pub fn acl_text(cat: &Catalog, kind: ObjectKind, name: &str) -> Option<Vec<String>> {
    stored_acl(cat, kind, name).map(|a| a.iter().map(AclItem::to_text).collect())
}

/// The privileges (and grant options) `role` holds on an object: its own,
/// PUBLIC's and those of the roles it inherits from; the owner's roles
/// have every grant option.
pub fn privileges_of(cat: &Catalog, role: &str, kind: ObjectKind, name: &str) -> (u16, u16) {
    if roles::is_superuser(cat, role) {
        return (kind.all(), kind.all());
    }
    let roles = roles::privilege_roles(cat, role);
    let (privileges, mut options) = acl::mask(&effective_acl(cat, kind, name), &roles);
    let owner = owner(cat, kind, name);
    if roles.contains(&owner) || (owner == DATABASE_OWNER_ROLE && role == BOOTSTRAP_ROLE) {
        options |= kind.all();
    }
    (privileges, options)
}

/// `role` holds every privilege in `wanted`.
pub fn has_all(cat: &Catalog, role: &str, kind: ObjectKind, name: &str, wanted: u16) -> bool {
    privileges_of(cat, role, kind, name).0 & wanted == wanted
}

/// `role` owns the object (or has the owner's privileges; superusers do).
pub fn is_owner(cat: &Catalog, role: &str, kind: ObjectKind, name: &str) -> bool {
    roles::has_privileges_of(cat, role, &owner(cat, kind, name))
}

/// A relation a data statement reads or writes, and what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationUse {
    pub name: String,
    pub needs: u16,
}

/// Refuses the first relation `user` lacks a needed privilege on.
pub fn check_uses(cat: &Catalog, user: &str, uses: &[RelationUse]) -> SqlResult<()> {
    if roles::is_superuser(cat, user) {
        return Ok(());
    }
    for u in uses {
        let Some((kind, noun)) = relation_kind(cat, &u.name) else {
            continue;
        };
        if !has_all(cat, user, kind, &u.name, u.needs) {
            return Err(denied(noun, &u.name));
        }
    }
    Ok(())
}

/// The privileges a data statement needs: every relation it names is read
/// (SELECT), except the target of INSERT/UPDATE/DELETE/TRUNCATE, which
/// needs that privilege (and SELECT when the statement reads its columns:
/// a WHERE clause, RETURNING, ON CONFLICT DO UPDATE).
pub fn statement_uses(stmt: &ast::Statement, resolved: &[String]) -> Vec<RelationUse> {
    let mut uses: Vec<RelationUse> = resolved
        .iter()
        .map(|n| RelationUse {
            name: n.clone(),
            needs: acl::SELECT,
        })
        .collect();
    // The target is the first relation the binder resolves for INSERT,
    // UPDATE, DELETE and TRUNCATE (a WITH clause's DML aside).
    let mut target = |needs: u16| {
        if let Some(first) = uses.first_mut() {
            first.needs = needs;
        }
    };
    match stmt {
        ast::Statement::Insert(i) => {
            let mut needs = acl::INSERT;
            if returning_reads_columns(i.returning.as_deref()) {
                needs |= acl::SELECT;
            }
            if let Some(ast::OnInsert::OnConflict(c)) = &i.on {
                if matches!(c.action, ast::OnConflictAction::DoUpdate(_)) {
                    needs |= acl::UPDATE | acl::SELECT;
                }
            }
            target(needs);
        }
        ast::Statement::Update(u) => {
            let mut needs = acl::UPDATE;
            if u.selection.is_some()
                || returning_reads_columns(u.returning.as_deref())
                || u.from.is_some()
            {
                needs |= acl::SELECT;
            }
            target(needs);
        }
        ast::Statement::Delete(d) => {
            let mut needs = acl::DELETE;
            if d.selection.is_some()
                || returning_reads_columns(d.returning.as_deref())
                || d.using.is_some()
            {
                needs |= acl::SELECT;
            }
            target(needs);
        }
        ast::Statement::Truncate(t) => {
            let n = t.table_names.len().min(uses.len());
            for u in &mut uses[..n] {
                u.needs = acl::TRUNCATE;
            }
        }
        _ => {}
    }
    uses
}

/// A RETURNING list reads the target's columns (and so needs SELECT on
/// it, as PostgreSQL checks per column): `RETURNING 1` reads none.
fn returning_reads_columns(returning: Option<&[ast::SelectItem]>) -> bool {
    let Some(items) = returning else {
        return false;
    };
    items.iter().any(|item| match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
            let names_something = ast::visit_expressions(e, |x| match x {
                ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => {
                    std::ops::ControlFlow::Break(())
                }
                _ => std::ops::ControlFlow::Continue(()),
            });
            names_something.is_break()
        }
        _ => true,
    })
}

/// What a statement's run-time checks need: the catalog it runs against
/// and the role it runs as (sequence functions, has_*_privilege).
#[derive(Clone, Debug)]
pub struct Access {
    pub catalog: Arc<Catalog>,
    pub current_user: String,
    pub session_user: String,
}

impl Access {
    /// nextval (USAGE or UPDATE), currval (USAGE or SELECT), setval (UPDATE).
    pub fn check_sequence(&self, name: &str, any_of: u16) -> SqlResult<()> {
        let cat = &self.catalog;
        if !cat.sequences.contains_key(name) || roles::is_superuser(cat, &self.current_user) {
            return Ok(());
        }
        let held = privileges_of(cat, &self.current_user, ObjectKind::Sequence, name).0;
        if held & any_of == 0 {
            return Err(denied("sequence", name));
        }
        Ok(())
    }

    fn role_arg(&self, role: &str) -> SqlResult<String> {
        let role = match role {
            "current_user" | "current_role" => return Ok(self.current_user.clone()),
            "session_user" => return Ok(self.session_user.clone()),
            r => r,
        };
        if roles::exists(&self.catalog, role) || role.eq_ignore_ascii_case("public") {
            return Ok(role.to_string());
        }
        // A role named by OID, as pg_roles.oid.
        if let Ok(oid) = role.parse::<u32>() {
            if let Some(r) = roles::all(&self.catalog).iter().find(|r| {
                r.oid == oid
                    || (r.name == BOOTSTRAP_ROLE && oid == crate::pg_catalog::ROLE_OID as u32)
            }) {
                return Ok(r.name.clone());
            }
        }
        Err(SqlError::new(
            "42704",
            format!("role \"{role}\" does not exist"),
        ))
    }

    /// has_table_privilege / has_sequence_privilege / has_schema_privilege /
    /// has_database_privilege, with the role (None: current_user), object
    /// name and privilege list as text.
    pub fn has_privilege(
        &self,
        kind: ObjectKind,
        role: Option<&str>,
        object: &str,
        privileges: &str,
    ) -> SqlResult<bool> {
        let cat = &self.catalog;
        let role = match role {
            Some(r) => self.role_arg(r)?,
            None => self.current_user.clone(),
        };
        let (wanted, with_grant_option) = acl::parse_privilege_list(privileges)
            .filter(|(bits, _)| *bits & kind.all() == *bits)
            .ok_or_else(|| {
                SqlError::new(
                    "22023",
                    format!("unrecognized privilege type: \"{privileges}\""),
                )
            })?;
        let name = match kind {
            ObjectKind::Table | ObjectKind::Sequence => {
                let key = relation_key(object);
                let Some((k, _)) = relation_kind(cat, &key) else {
                    return Err(SqlError::undefined_table(object));
                };
                if kind == ObjectKind::Sequence && k != ObjectKind::Sequence {
                    return Err(SqlError::new(
                        "42809",
                        format!("\"{object}\" is not a sequence"),
                    ));
                }
                return Ok(self.holds(&role, k, &key, wanted, with_grant_option));
            }
            ObjectKind::Schema => {
                if !cat.schema_exists(object) {
                    return Err(SqlError::new(
                        "3F000",
                        format!("schema \"{object}\" does not exist"),
                    ));
                }
                object.to_string()
            }
            ObjectKind::Database => {
                if object != DATABASE {
                    return Err(SqlError::new(
                        "3D000",
                        format!("database \"{object}\" does not exist"),
                    ));
                }
                object.to_string()
            }
        };
        Ok(self.holds(&role, kind, &name, wanted, with_grant_option))
    }

    fn holds(&self, role: &str, kind: ObjectKind, name: &str, wanted: u16, goption: bool) -> bool {
        let (privileges, options) = if role.eq_ignore_ascii_case("public") {
            acl::mask(&effective_acl(&self.catalog, kind, name), &[])
        } else {
            privileges_of(&self.catalog, role, kind, name)
        };
        let held = if goption { options } else { privileges };
        // has_*_privilege with a list is true if any of them is held.
        held & wanted != 0
    }

    /// pg_has_role(role, 'MEMBER' | 'USAGE' | 'SET'[ WITH ADMIN OPTION]).
    pub fn has_role(&self, member: Option<&str>, role: &str, mode: &str) -> SqlResult<bool> {
        let cat = &self.catalog;
        let member = match member {
            Some(m) => self.role_arg(m)?,
            None => self.current_user.clone(),
        };
        let role = self.role_arg(role)?;
        let mode = mode.trim().to_ascii_uppercase();
        let (base, admin) = match mode.strip_suffix(" WITH ADMIN OPTION") {
            Some(b) => (b.trim().to_string(), true),
            None => (mode.clone(), false),
        };
        if roles::is_superuser(cat, &member) {
            return Ok(true);
        }
        if admin {
            return Ok(roles::role(cat, &member)
                .is_some_and(|r| r.member_of.iter().any(|m| m.role == role && m.admin_option)));
        }
        match base.as_str() {
            "MEMBER" | "SET" => Ok(roles::is_member(cat, &member, &role)),
            "USAGE" => Ok(roles::privilege_roles(cat, &member).contains(&role)),
            _ => Err(SqlError::new(
                "22023",
                format!("unrecognized privilege type: \"{mode}\""),
            )),
        }
    }
}

/// currval (USAGE or SELECT) and setval (UPDATE) on the sequence named by
/// a sequence function's first argument.
pub fn check_sequence_function(
    settings: &crate::settings::StatementSettings,
    f: crate::sequence::SeqFn,
    name: &str,
) -> SqlResult<()> {
    use crate::sequence::SeqFn;
    let any_of = match f {
        SeqFn::CurrVal => acl::USAGE | acl::SELECT,
        SeqFn::SetVal => acl::UPDATE,
        _ => return Ok(()),
    };
    settings.check_sequence(&crate::sequence::relation_name(name), any_of)
}

/// lastval (USAGE or SELECT on the sequence it reads).
pub fn check_lastval(settings: &crate::settings::StatementSettings) -> SqlResult<()> {
    match settings.sequences().last_used()? {
        Some(name) => settings.check_sequence(&name, acl::USAGE | acl::SELECT),
        None => Ok(()),
    }
}

/// The catalog key of a relation named in text (`s.t`, `"T"`, `t`).
fn relation_key(text: &str) -> String {
    match crate::schema::text_name_parts(text).as_slice() {
        [name] => name.clone(),
        [schema, name] => crate::schema::qualified(schema, name),
        _ => text.to_string(),
    }
}

// ------------------------------------------------------- catalog views

/// pg_authid.oid of a role (0 for an unknown name).
pub fn role_oid(cat: &Catalog, name: &str) -> i64 {
    match name {
        BOOTSTRAP_ROLE => crate::pg_catalog::ROLE_OID,
        DATABASE_OWNER_ROLE => 6171,
        n => cat.roles.get(n).map_or(0, |r| i64::from(r.oid)),
    }
}

/// The role with pg_authid.oid `oid`, among the created ones.
pub fn role_by_oid(cat: &Catalog, oid: i64) -> Option<String> {
    cat.roles
        .values()
        .find(|r| i64::from(r.oid) == oid && r.name != BOOTSTRAP_ROLE)
        .map(|r| r.name.clone())
}

fn acl_datum(items: Option<Vec<String>>) -> crate::datum::Datum {
    use crate::datum::Datum;
    match items {
        None => Datum::Null,
        Some(items) => Datum::Array(items.into_iter().map(Datum::Text).collect()),
    }
}

/// pg_class.relowner of a relation row (an index: its table's owner).
pub fn relation_owner_oid(
    cat: &Catalog,
    name: &str,
    relkind: &str,
    table: Option<&crate::catalog::TableDef>,
) -> i64 {
    let owner = match (relkind, table) {
        ("i", Some(t)) => owner(cat, ObjectKind::Table, &t.name),
        ("S", _) => owner(cat, ObjectKind::Sequence, name),
        _ => owner(cat, ObjectKind::Table, name),
    };
    role_oid(cat, &owner)
}

/// pg_class.relacl of a relation row (NULL until a GRANT or REVOKE).
pub fn relation_acl_datum(cat: &Catalog, name: &str, relkind: &str) -> crate::datum::Datum {
    match relkind {
        "S" => acl_datum(acl_text(cat, ObjectKind::Sequence, name)),
        "r" | "p" | "v" => acl_datum(acl_text(cat, ObjectKind::Table, name)),
        _ => crate::datum::Datum::Null,
    }
}

/// pg_namespace.nspacl: `public` and the system schemas have theirs from
/// initdb; a created schema's is NULL until a GRANT or REVOKE.
pub fn schema_acl_datum(cat: &Catalog, schema: &str) -> crate::datum::Datum {
    let builtin = crate::schema::BUILTIN.contains(&schema) && schema != "pg_toast";
    if stored_acl(cat, ObjectKind::Schema, schema).is_some() || !builtin {
        return acl_datum(acl_text(cat, ObjectKind::Schema, schema));
    }
    if schema == crate::schema::PUBLIC {
        let items = effective_acl(cat, ObjectKind::Schema, schema);
        return acl_datum(Some(items.iter().map(AclItem::to_text).collect()));
    }
    acl_datum(Some(vec![
        format!("{BOOTSTRAP_ROLE}=UC/{BOOTSTRAP_ROLE}"),
        format!("=U/{BOOTSTRAP_ROLE}"),
    ]))
}

/// Column privileges `role` holds on `table.column` (its own, PUBLIC's and
/// those of the roles it inherits from).
pub fn column_privileges_of(cat: &Catalog, role: &str, table: &str, column: &str) -> u16 {
    let Some(items) = cat
        .privileges
        .get(&(ObjectKind::Table, table.to_string()))
        .and_then(|e| e.columns.get(column))
    else {
        return 0;
    };
    acl::mask(items, &roles::privilege_roles(cat, role)).0
}

/// A routing failure's key values are shown only to a role that may read
/// them, as PostgreSQL does: SELECT on the partitioned table, or column
/// SELECT on every key column (never for an expression key).
pub fn visible_partition_error(
    e: SqlError,
    router: &crate::partition::Router,
    settings: Option<&crate::settings::StatementSettings>,
) -> SqlError {
    if e.sqlstate != "23514" || e.detail.is_none() {
        return e;
    }
    let Some(access) = settings.and_then(|s| s.access()) else {
        return e;
    };
    let Some(table) = e
        .message
        .strip_prefix("no partition of relation \"")
        .and_then(|r| r.strip_suffix("\" found for row"))
    else {
        return e;
    };
    let (cat, user) = (&access.catalog, &access.current_user);
    if has_all(cat, user, ObjectKind::Table, table, acl::SELECT) {
        return e;
    }
    let readable = router.key_column_names(table).is_some_and(|columns| {
        columns
            .iter()
            .all(|c| column_privileges_of(cat, user, table, c) & acl::SELECT != 0)
    });
    if readable {
        e
    } else {
        SqlError { detail: None, ..e }
    }
}

/// The "Failing row contains" detail of a constraint error on `table`,
/// as PostgreSQL's ExecBuildSlotValueDescription shows it to the current
/// role: the whole row with SELECT on the table; otherwise the columns it
/// may read or is writing (`written`), named; None when it may see none.
pub fn failing_row_detail(
    settings: Option<&crate::settings::StatementSettings>,
    table: &crate::catalog::TableDef,
    row: &[crate::datum::Datum],
    written: &[String],
) -> Option<String> {
    let text = |d: &crate::datum::Datum| d.to_text(1).unwrap_or_else(|| "null".into());
    let whole = || {
        let vals: Vec<String> = row.iter().map(text).collect();
        format!("Failing row contains ({}).", vals.join(", "))
    };
    let Some(access) = settings.and_then(|s| s.access()) else {
        return Some(whole());
    };
    let (cat, user) = (&access.catalog, &access.current_user);
    if has_all(cat, user, ObjectKind::Table, &table.name, acl::SELECT) {
        return Some(whole());
    }
    let (names, vals): (Vec<&str>, Vec<String>) = table
        .columns
        .iter()
        .zip(row)
        .filter(|(c, _)| {
            written.contains(&c.name)
                || column_privileges_of(cat, user, &table.name, &c.name) & acl::SELECT != 0
        })
        .map(|(c, d)| (c.name.as_str(), text(d)))
        .unzip();
    if names.is_empty() {
        return None;
    }
    Some(format!(
        "Failing row contains ({}) = ({}).",
        names.join(", "),
        vals.join(", ")
    ))
}

/// One row of information_schema.table_privileges.
pub struct TableGrant {
    pub grantor: String,
    /// `PUBLIC` for PUBLIC.
    pub grantee: String,
    pub table: String,
    pub privilege: &'static str,
    pub grantable: bool,
}

/// Every privilege on tables and views, one row per privilege of each ACL
/// item (the owner's default ACL when none is stored), as PostgreSQL's
/// `aclexplode` lists them.
pub fn table_grants(cat: &Catalog) -> Vec<TableGrant> {
    let mut out = Vec::new();
    for name in cat.tables.keys().chain(cat.views.keys()) {
        let owner = owner(cat, ObjectKind::Table, name);
        for item in effective_acl(cat, ObjectKind::Table, name) {
            for bit in (0..16)
                .map(|i| 1u16 << i)
                .filter(|b| item.privileges & b != 0)
            {
                out.push(TableGrant {
                    grantor: item.grantor.clone(),
                    grantee: if item.grantee.is_empty() {
                        "PUBLIC".into()
                    } else {
                        item.grantee.clone()
                    },
                    table: name.clone(),
                    privilege: acl::privilege_name(bit),
                    grantable: item.grant_options & bit != 0
                        || roles::has_privileges_of(cat, &item.grantee, &owner),
                });
            }
        }
    }
    out
}

// ------------------------------------------------------------------ DDL

/// Records owners of objects `change` creates, drops the entries of those
/// it drops and moves a renamed table's entry (found by table id).
pub fn track_ownership(base: &Catalog, change: &mut DdlChange, user: &str) -> SqlResult<()> {
    let next = &mut change.catalog;
    let mut mutations = Vec::new();
    // Renamed tables: same id, other key.
    let mut renamed: Vec<(String, String)> = Vec::new();
    for (name, t) in &base.tables {
        if next.tables.contains_key(name) {
            continue;
        }
        if let Some((new, _)) = next
            .tables
            .iter()
            .find(|(n, d)| d.id == t.id && !base.tables.contains_key(*n))
        {
            renamed.push((name.clone(), new.clone()));
        }
    }
    // Keys of each kind before and after, as sets (catalogs can be large).
    type Keys<'c> = std::collections::BTreeSet<&'c String>;
    let relations = |c: &'_ Catalog| -> Vec<String> {
        c.tables.keys().chain(c.views.keys()).cloned().collect()
    };
    let (before_rel, after_rel) = (relations(base), relations(next));
    let kinds: [(ObjectKind, Keys, Keys); 2] = [
        (
            ObjectKind::Table,
            before_rel.iter().collect(),
            after_rel.iter().collect(),
        ),
        (
            ObjectKind::Sequence,
            base.sequences.keys().collect(),
            next.sequences.keys().collect(),
        ),
    ];
    let mut edits: Vec<((ObjectKind, String), Option<ObjectEntry>)> = Vec::new();
    for (kind, before, after) in kinds {
        let created: Vec<&String> = after
            .difference(&before)
            .copied()
            .filter(|n| !n.starts_with("pg_rowid_"))
            .collect();
        let dropped: Vec<&String> = before.difference(&after).copied().collect();
        for name in &created {
            // A renamed table is found by its id; any other object renamed
            // is the one that went when exactly one came.
            let from = renamed
                .iter()
                .find(|(_, new)| new == *name)
                .map(|(old, _)| old)
                .or(match (created.as_slice(), dropped.as_slice()) {
                    ([_], [old]) => Some(*old),
                    _ => None,
                });
            let entry = match from.and_then(|old| base.privileges.get(&(kind, old.clone()))) {
                Some(e) => ObjectEntry {
                    name: (*name).clone(),
                    ..(**e).clone()
                },
                None => ObjectEntry {
                    version: 1,
                    kind,
                    name: (*name).clone(),
                    owner: user.to_string(),
                    acl: None,
                    columns: BTreeMap::new(),
                },
            };
            edits.push(((kind, (*name).clone()), Some(entry)));
        }
        for name in dropped {
            if base.privileges.contains_key(&(kind, name.clone())) {
                edits.push(((kind, name.clone()), None));
            }
        }
    }
    for ((kind, name), entry) in edits {
        // Legacy objects owned by the bootstrap role need no entry.
        if entry
            .as_ref()
            .is_some_and(|e| e.owner == BOOTSTRAP_ROLE && e.acl.is_none() && e.columns.is_empty())
        {
            if next.privileges.remove(&(kind, name.clone())).is_some()
                || base.privileges.contains_key(&(kind, name.clone()))
            {
                mutations.push(entry_mutation(kind, &name, None)?);
            }
            continue;
        }
        mutations.push(entry_mutation(kind, &name, entry.as_ref())?);
        match entry {
            Some(e) => {
                next.privileges.insert((kind, name), Arc::new(e));
            }
            None => {
                next.privileges.remove(&(kind, name));
            }
        }
    }
    change.mutations.extend(mutations);
    Ok(())
}

/// The relation keys of `names` as written in DDL.
fn keys(names: &[ast::ObjectName]) -> Vec<String> {
    names
        .iter()
        .filter_map(|n| crate::binder::object_name(n).ok())
        .collect()
}

/// DDL on an existing relation: superusers and its owner's roles only.
pub fn require_relation_owner(cat: &Catalog, user: &str, key: &str) -> SqlResult<()> {
    if roles::is_superuser(cat, user) {
        return Ok(());
    }
    require_owner(cat, user, key)
}

fn require_owner(cat: &Catalog, user: &str, name: &str) -> SqlResult<()> {
    if let Some((kind, noun)) = relation_kind(cat, name) {
        if !is_owner(cat, user, kind, name) {
            return Err(not_owner(noun, name));
        }
    }
    Ok(())
}

/// CREATE in the schema a new relation key goes to.
fn require_create_in_schema(cat: &Catalog, user: &str, key: &str) -> SqlResult<()> {
    let (schema, _) = crate::schema::split(key);
    if schema.starts_with("pg_temp") {
        return Ok(());
    }
    if !has_all(cat, user, ObjectKind::Schema, schema, acl::CREATE) {
        return Err(denied("schema", schema));
    }
    Ok(())
}

/// Ownership and CREATE checks of DDL run by a non-superuser (`sql`: the
/// statement's text, for the position PostgreSQL gives some of them).
pub fn check_ddl(cat: &Catalog, user: &str, stmt: &ast::Statement, sql: &str) -> SqlResult<()> {
    use ast::Statement as S;
    if roles::is_superuser(cat, user) {
        return Ok(());
    }
    match stmt {
        S::CreateTable(ct) => {
            if let Ok(key) = crate::binder::object_name(&ct.name) {
                if !ct.temporary {
                    use sqlparser::ast::Spanned;
                    require_create_in_schema(cat, user, &key)
                        .map_err(|e| e.at(crate::binder::span_position(sql, ct.name.span())))?;
                }
            }
            if let Some(parent) = &ct.partition_of {
                for k in keys(std::slice::from_ref(parent)) {
                    require_owner(cat, user, &k)?;
                }
            }
        }
        S::CreateView(cv) => {
            if let Ok(key) = crate::binder::object_name(&cv.name) {
                if cat.views.contains_key(&key) {
                    require_owner(cat, user, &key)?;
                } else if !cv.temporary {
                    require_create_in_schema(cat, user, &key)?;
                }
            }
        }
        S::CreateSequence {
            name, temporary, ..
        } => {
            if let (Ok(key), false) = (crate::binder::object_name(name), *temporary) {
                require_create_in_schema(cat, user, &key)?;
            }
        }
        S::CreateIndex(ci) => {
            for k in keys(std::slice::from_ref(&ci.table_name)) {
                require_owner(cat, user, &k)?;
            }
        }
        S::AlterTable(at) => {
            for k in keys(std::slice::from_ref(&at.name)) {
                require_owner(cat, user, &k)?;
            }
        }
        S::Drop {
            object_type, names, ..
        } => match object_type {
            ast::ObjectType::Table | ast::ObjectType::View | ast::ObjectType::Sequence => {
                for k in keys(names) {
                    require_owner(cat, user, &k)?;
                }
            }
            ast::ObjectType::Index => {
                for k in keys(names) {
                    if let Some(t) = cat
                        .tables
                        .values()
                        .find(|t| t.index_names().any(|i| i == crate::schema::split(&k).1))
                    {
                        if !is_owner(cat, user, ObjectKind::Table, &t.name) {
                            return Err(not_owner("index", &k));
                        }
                    }
                }
            }
            _ => {}
        },
        _ => {}
    }
    Ok(())
}

// ------------------------------------------------------------ GRANT / REVOKE

/// One object a GRANT/REVOKE names.
struct Target {
    kind: ObjectKind,
    name: String,
    /// Named through TABLE syntax while a sequence (privileges are narrowed).
    sequence_as_table: bool,
}

fn resolve_targets(cat: &Catalog, objects: &ast::GrantObjects) -> SqlResult<Vec<Target>> {
    use ast::GrantObjects as G;
    let relation = |n: &ast::ObjectName, sequence_syntax: bool| -> SqlResult<Target> {
        let key = crate::binder::object_name(n)?;
        let Some((kind, _)) = relation_kind(cat, &key) else {
            return Err(SqlError::undefined_table(&n.to_string()));
        };
        if sequence_syntax && kind != ObjectKind::Sequence {
            return Err(SqlError::new(
                "42809",
                format!("\"{}\" is not a sequence", display(&key)),
            ));
        }
        Ok(Target {
            kind,
            name: key,
            sequence_as_table: !sequence_syntax && kind == ObjectKind::Sequence,
        })
    };
    let schema_name = |n: &ast::ObjectName| -> SqlResult<String> {
        let name = match n.0.as_slice() {
            [p] => p
                .as_ident()
                .map(crate::binder::ident_name)
                .ok_or_else(|| SqlError::syntax("syntax error in schema name"))?,
            _ => {
                return Err(SqlError::syntax(format!(
                    "improper qualified name (too many dotted names): {n}"
                )))
            }
        };
        if !cat.schema_exists(&name) {
            return Err(SqlError::new(
                "3F000",
                format!("schema \"{name}\" does not exist"),
            ));
        }
        Ok(name)
    };
    let mut out = Vec::new();
    match objects {
        G::Tables(names) | G::Views(names) => {
            for n in names {
                out.push(relation(n, false)?);
            }
        }
        G::Sequences(names) => {
            for n in names {
                out.push(relation(n, true)?);
            }
        }
        G::Schemas(names) => {
            for n in names {
                out.push(Target {
                    kind: ObjectKind::Schema,
                    name: schema_name(n)?,
                    sequence_as_table: false,
                });
            }
        }
        G::Databases(names) => {
            for n in names {
                let name = n.to_string();
                if name != DATABASE {
                    return Err(SqlError::new(
                        "3D000",
                        format!("database \"{name}\" does not exist"),
                    ));
                }
                out.push(Target {
                    kind: ObjectKind::Database,
                    name,
                    sequence_as_table: false,
                });
            }
        }
        G::AllTablesInSchema { schemas } | G::AllSequencesInSchema { schemas } => {
            let sequences = matches!(objects, G::AllSequencesInSchema { .. });
            for s in schemas {
                let schema = schema_name(s)?;
                let in_schema = |k: &&String| crate::schema::split(k).0 == schema;
                if sequences {
                    for k in cat.sequences.keys().filter(in_schema) {
                        if !k.starts_with("pg_rowid_") {
                            out.push(Target {
                                kind: ObjectKind::Sequence,
                                name: k.clone(),
                                sequence_as_table: false,
                            });
                        }
                    }
                } else {
                    for k in cat.tables.keys().chain(cat.views.keys()).filter(in_schema) {
                        out.push(Target {
                            kind: ObjectKind::Table,
                            name: k.clone(),
                            sequence_as_table: false,
                        });
                    }
                }
            }
        }
        other => {
            return Err(SqlError::unsupported(format!(
                "GRANT/REVOKE ON {}",
                other.to_string().split_whitespace().next().unwrap_or("")
            )))
        }
    }
    Ok(out)
}

/// Privileges named with a column list: (column, bits).
type ColumnBits = Vec<(String, u16)>;

/// The table-level bits named by a privilege list (None: ALL) and the
/// column-level ones.
fn requested_bits(privileges: &ast::Privileges) -> SqlResult<(Option<u16>, ColumnBits)> {
    use ast::Action as A;
    let actions = match privileges {
        ast::Privileges::All { .. } => return Ok((None, Vec::new())),
        ast::Privileges::Actions(a) => a,
    };
    let mut bits = 0;
    let mut column_bits: ColumnBits = Vec::new();
    for a in actions {
        let columns = match a {
            A::Select { columns }
            | A::Insert { columns }
            | A::Update { columns }
            | A::References { columns } => columns.as_ref().filter(|c| !c.is_empty()),
            _ => None,
        };
        let bit = match a {
            A::Select { .. } => acl::SELECT,
            A::Insert { .. } => acl::INSERT,
            A::Update { .. } => acl::UPDATE,
            A::References { .. } => acl::REFERENCES,
            A::Delete => acl::DELETE,
            A::Truncate => acl::TRUNCATE,
            A::Trigger => acl::TRIGGER,
            A::Usage => acl::USAGE,
            A::Create { obj_type: None } => acl::CREATE,
            A::Connect => acl::CONNECT,
            A::Temporary => acl::TEMPORARY,
            A::Execute { obj_type: None } => acl::EXECUTE,
            other => {
                return Err(SqlError::syntax(format!(
                    "unrecognized privilege type \"{other}\""
                )))
            }
        };
        match columns {
            None => bits |= bit,
            Some(cols) => {
                for c in cols {
                    let name = crate::binder::ident_name(c);
                    match column_bits.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, b)) => *b |= bit,
                        None => column_bits.push((name, bit)),
                    }
                }
            }
        }
    }
    Ok((Some(bits), column_bits))
}

/// The grantees of GRANT/REVOKE, in order, by [`grantee_name`].
fn grantee_names(
    cat: &Catalog,
    grantees: &[ast::Grantee],
    current_user: &str,
    session_user: &str,
) -> SqlResult<Vec<String>> {
    grantees
        .iter()
        .map(|g| grantee_name(cat, g, current_user, session_user))
        .collect()
}

/// A grantee of GRANT/REVOKE: "" for PUBLIC.
fn grantee_name(
    cat: &Catalog,
    g: &ast::Grantee,
    current_user: &str,
    session_user: &str,
) -> SqlResult<String> {
    if g.grantee_type == ast::GranteesType::Public {
        return Ok(String::new());
    }
    let name = match &g.name {
        Some(ast::GranteeName::ObjectName(n)) => match n.0.as_slice() {
            [p] => p
                .as_ident()
                .map(crate::binder::ident_name)
                .ok_or_else(|| SqlError::syntax("syntax error in role name"))?,
            _ => return Err(SqlError::syntax(format!("syntax error at or near \"{n}\""))),
        },
        _ => return Err(SqlError::syntax("syntax error in role name")),
    };
    let name = match name.as_str() {
        "public" => return Ok(String::new()),
        "current_user" | "current_role" => current_user.to_string(),
        "session_user" => session_user.to_string(),
        _ => name,
    };
    if !roles::exists(cat, &name) {
        return Err(SqlError::new(
            "42704",
            format!("role \"{name}\" does not exist"),
        ));
    }
    Ok(name)
}

/// The role a grant by `user` is recorded as made by, and the grant options
/// it holds (PostgreSQL's `select_best_grantor`): the owner when `user` is
/// a superuser or the owner; else `user` or a role it inherits from with
/// the most of `wanted` grantable.
fn best_grantor(
    cat: &Catalog,
    user: &str,
    kind: ObjectKind,
    name: &str,
    wanted: u16,
) -> (String, u16) {
    let owner = owner(cat, kind, name);
    if user == owner || roles::is_superuser(cat, user) {
        return (owner, kind.all());
    }
    let acl = effective_acl(cat, kind, name);
    let mut best = (user.to_string(), 0u16);
    for r in roles::privilege_roles(cat, user) {
        let options = if r == owner {
            kind.all()
        } else {
            acl::mask(&acl, std::slice::from_ref(&r)).1 & !public_options(&acl)
        };
        if options & wanted == wanted {
            return (if r == owner { owner.clone() } else { r }, options);
        }
        if (options & wanted).count_ones() > (best.1 & wanted).count_ones() {
            best = (r, options);
        }
    }
    best
}

/// Grant options PUBLIC holds (none can be granted, but mask counts them).
fn public_options(acl: &[AclItem]) -> u16 {
    acl.iter()
        .filter(|i| i.grantee.is_empty())
        .fold(0, |o, i| o | i.grant_options)
}

/// Notices and the catalog change of one GRANT or REVOKE.
pub struct GrantOutcome {
    pub change: Option<DdlChange>,
    pub notices: Vec<SqlError>,
}

fn warning(sqlstate: &'static str, message: String) -> SqlError {
    let mut w = SqlError::new(sqlstate, message);
    w.severity = "WARNING";
    w
}

/// GRANT privileges ON objects TO grantees [WITH GRANT OPTION].
pub fn grant(
    cat: &Catalog,
    g: &ast::Grant,
    current_user: &str,
    session_user: &str,
) -> SqlResult<GrantOutcome> {
    let Some(objects) = &g.objects else {
        return Err(SqlError::syntax("syntax error at or near \"TO\""));
    };
    if g.as_grantor.is_some() || g.granted_by.is_some() || g.current_grants.is_some() {
        return Err(SqlError::unsupported("GRANT ... GRANTED BY"));
    }
    let grantees = grantee_names(cat, &g.grantees, current_user, session_user)?;
    if g.with_grant_option && grantees.iter().any(String::is_empty) {
        return Err(SqlError::new(
            "0LP01",
            "grant options can only be granted to roles",
        ));
    }
    let targets = resolve_targets(cat, objects)?;
    let (bits, columns) = requested_bits(&g.privileges)?;
    apply(
        cat,
        &targets,
        (bits, &columns),
        &grantees,
        current_user,
        Edit::Grant {
            with_grant_option: g.with_grant_option,
        },
    )
}

/// REVOKE [GRANT OPTION FOR] privileges ON objects FROM grantees [CASCADE | RESTRICT].
pub fn revoke(
    cat: &Catalog,
    r: &ast::Revoke,
    current_user: &str,
    session_user: &str,
) -> SqlResult<GrantOutcome> {
    let Some(objects) = &r.objects else {
        return Err(SqlError::syntax("syntax error at or near \"FROM\""));
    };
    if r.granted_by.is_some() {
        return Err(SqlError::unsupported("REVOKE ... GRANTED BY"));
    }
    let grantees = grantee_names(cat, &r.grantees, current_user, session_user)?;
    let targets = resolve_targets(cat, objects)?;
    let (bits, columns) = requested_bits(&r.privileges)?;
    apply(
        cat,
        &targets,
        (bits, &columns),
        &grantees,
        current_user,
        Edit::Revoke {
            grant_option_only: r.grant_option_for,
            cascade: matches!(r.cascade, Some(ast::CascadeOption::Cascade)),
        },
    )
}

#[derive(Clone, Copy)]
enum Edit {
    Grant {
        with_grant_option: bool,
    },
    Revoke {
        grant_option_only: bool,
        cascade: bool,
    },
}

fn apply(
    cat: &Catalog,
    targets: &[Target],
    (bits, column_bits): (Option<u16>, &ColumnBits),
    grantees: &[String],
    user: &str,
    edit: Edit,
) -> SqlResult<GrantOutcome> {
    let mut next = cat.clone();
    let mut mutations = Vec::new();
    let mut notices = Vec::new();
    let is_grant = matches!(edit, Edit::Grant { .. });
    for t in targets {
        let noun = match t.kind {
            ObjectKind::Table if cat.views.contains_key(&t.name) => "view",
            k => k.noun(),
        };
        let mut wanted = match bits {
            None => t.kind.all(),
            Some(b) => b,
        };
        let column_union = column_bits.iter().fold(0, |u, (_, b)| u | b);
        if column_union != 0 && t.kind != ObjectKind::Table {
            return Err(SqlError::new(
                "0LP01",
                format!(
                    "invalid privilege type {} for {}",
                    acl::privilege_name(1u16 << column_union.trailing_zeros()),
                    t.kind.noun()
                ),
            ));
        }
        if t.sequence_as_table && wanted & !ObjectKind::Sequence.all() != 0 {
            if bits.is_some() {
                notices.push(warning(
                    "0LP01",
                    format!(
                        "sequence \"{}\" only supports USAGE, SELECT, and UPDATE privileges",
                        display(&t.name)
                    ),
                ));
            }
            wanted &= ObjectKind::Sequence.all();
        } else if wanted & !t.kind.all() != 0 {
            let bad = wanted & !t.kind.all();
            let first = 1u16 << bad.trailing_zeros();
            let for_what = match t.kind {
                ObjectKind::Table => "table",
                k => k.noun(),
            };
            return Err(SqlError::new(
                "0LP01",
                format!(
                    "invalid privilege type {} for {for_what}",
                    acl::privilege_name(first)
                ),
            ));
        }
        let (grantor, options) = best_grantor(&next, user, t.kind, &t.name, wanted | column_union);
        let grantable = wanted & options;
        if wanted == 0 {
            // Column privileges only.
            if column_union & options != column_union {
                return Err(denied(noun, &t.name));
            }
            let entry = edit_columns(&next, t, column_bits, grantees, &grantor, edit)?;
            mutations.push(entry_mutation(t.kind, &t.name, Some(&entry))?);
            next.privileges
                .insert((t.kind, t.name.clone()), Arc::new(entry));
            continue;
        }
        if grantable == 0 {
            let held = privileges_of(&next, user, t.kind, &t.name).0;
            if held == 0 {
                return Err(denied(noun, &t.name));
            }
            notices.push(if is_grant {
                warning(
                    "01007",
                    format!("no privileges were granted for \"{}\"", display(&t.name)),
                )
            } else {
                warning(
                    "01006",
                    format!(
                        "no privileges could be revoked for \"{}\"",
                        display(&t.name)
                    ),
                )
            });
            continue;
        }
        if grantable != wanted && bits.is_some() {
            notices.push(if is_grant {
                warning(
                    "01007",
                    format!(
                        "not all privileges were granted for \"{}\"",
                        display(&t.name)
                    ),
                )
            } else {
                warning(
                    "01006",
                    format!(
                        "not all privileges could be revoked for \"{}\"",
                        display(&t.name)
                    ),
                )
            });
        }
        let mut acl_now = effective_acl(&next, t.kind, &t.name);
        for grantee in grantees {
            match edit {
                Edit::Grant { with_grant_option } => acl::update(
                    &mut acl_now,
                    true,
                    grantee,
                    &grantor,
                    grantable,
                    with_grant_option,
                    false,
                ),
                Edit::Revoke {
                    grant_option_only,
                    cascade,
                } => revoke_recursive(
                    &mut acl_now,
                    grantee,
                    &grantor,
                    grantable,
                    grant_option_only,
                    cascade,
                    0,
                )?,
            }
        }
        let key = (t.kind, t.name.clone());
        let mut columns = next
            .privileges
            .get(&key)
            .map(|e| e.columns.clone())
            .unwrap_or_default();
        // A table-level REVOKE takes the same privileges off every column.
        if let Edit::Revoke {
            grant_option_only, ..
        } = edit
        {
            for items in columns.values_mut() {
                for grantee in grantees {
                    acl::update(
                        items,
                        false,
                        grantee,
                        &grantor,
                        grantable,
                        false,
                        grant_option_only,
                    );
                }
            }
            columns.retain(|_, items| !items.is_empty());
        }
        let entry = ObjectEntry {
            version: 1,
            kind: t.kind,
            name: t.name.clone(),
            owner: owner(&next, t.kind, &t.name),
            acl: Some(acl_now),
            columns,
        };
        mutations.push(entry_mutation(t.kind, &t.name, Some(&entry))?);
        next.privileges.insert(key, Arc::new(entry));
    }
    let change = if mutations.is_empty() {
        None
    } else {
        Some(DdlChange::catalog_only(next, mutations))
    };
    Ok(GrantOutcome { change, notices })
}

/// GRANT/REVOKE of column privileges on one table: the entry afterwards.
fn edit_columns(
    cat: &Catalog,
    t: &Target,
    column_bits: &ColumnBits,
    grantees: &[String],
    grantor: &str,
    edit: Edit,
) -> SqlResult<ObjectEntry> {
    let table = cat.tables.get(&t.name);
    let view = cat.views.get(&t.name);
    let mut entry = match cat.privileges.get(&(t.kind, t.name.clone())) {
        Some(e) => (**e).clone(),
        None => ObjectEntry {
            version: 1,
            kind: t.kind,
            name: t.name.clone(),
            owner: owner(cat, t.kind, &t.name),
            acl: None,
            columns: BTreeMap::new(),
        },
    };
    for (column, bits) in column_bits {
        let exists = table.is_some_and(|tb| tb.column_index(column).is_some())
            || view.is_some_and(|v| v.columns.contains(column));
        if !exists {
            return Err(SqlError::new(
                "42703",
                format!(
                    "column \"{column}\" of relation \"{}\" does not exist",
                    display(&t.name)
                ),
            ));
        }
        let items = entry.columns.entry(column.clone()).or_default();
        for grantee in grantees {
            match edit {
                Edit::Grant { with_grant_option } => acl::update(
                    items,
                    true,
                    grantee,
                    grantor,
                    *bits,
                    with_grant_option,
                    false,
                ),
                Edit::Revoke {
                    grant_option_only, ..
                } => acl::update(
                    items,
                    false,
                    grantee,
                    grantor,
                    *bits,
                    false,
                    grant_option_only,
                ),
            }
        }
    }
    entry.columns.retain(|_, items| !items.is_empty());
    Ok(entry)
}

/// pg_attribute.attacl of a column (NULL without column privileges).
pub fn column_acl_datum(cat: &Catalog, table: &str, column: &str) -> crate::datum::Datum {
    acl_datum(
        cat.privileges
            .get(&(ObjectKind::Table, table.to_string()))
            .and_then(|e| e.columns.get(column))
            .map(|items| items.iter().map(AclItem::to_text).collect()),
    )
}

/// REVOKE from `grantee` what `grantor` gave; grants that depended on the
/// grant options lost go too with CASCADE (2BP01 without it).
fn revoke_recursive(
    acl_now: &mut Vec<AclItem>,
    grantee: &str,
    grantor: &str,
    bits: u16,
    grant_option_only: bool,
    cascade: bool,
    depth: usize,
) -> SqlResult<()> {
    if depth > 64 {
        return Err(SqlError::internal("grant chain too long"));
    }
    let before = acl_now
        .iter()
        .find(|i| i.grantee == grantee && i.grantor == grantor)
        .map_or(0, |i| i.grant_options & bits);
    acl::update(
        acl_now,
        false,
        grantee,
        grantor,
        bits,
        false,
        grant_option_only,
    );
    if grantee.is_empty() || before == 0 {
        return Ok(());
    }
    // Options the grantee still holds from another grantor keep its grants.
    let still = acl_now
        .iter()
        .filter(|i| i.grantee == grantee)
        .fold(0, |o, i| o | i.grant_options);
    let lost = before & !still;
    if lost == 0 {
        return Ok(());
    }
    let dependents: Vec<String> = acl_now
        .iter()
        .filter(|i| i.grantor == grantee && i.privileges & lost != 0)
        .map(|i| i.grantee.clone())
        .collect();
    if dependents.is_empty() {
        return Ok(());
    }
    if !cascade {
        return Err(SqlError::new("2BP01", "dependent privileges exist")
            .with_hint("Use CASCADE to revoke them too."));
    }
    for d in dependents {
        revoke_recursive(acl_now, &d, grantee, lost, false, true, depth + 1)?;
    }
    Ok(())
}

/// GRANT roles TO members [WITH ADMIN OPTION]; NOTICEs for memberships
/// that already existed.
pub fn grant_role(
    cat: &Catalog,
    g: &ast::GrantRole,
    current_user: &str,
    session_user: &str,
) -> SqlResult<GrantOutcome> {
    let mut admin = false;
    for o in &g.options {
        let on = !matches!(o.value, ast::RoleGrantOptionValue::False);
        match o.name.value.to_ascii_lowercase().as_str() {
            "admin" => admin = on,
            other => {
                return Err(SqlError::unsupported(format!(
                    "GRANT role WITH {} (PostgreSQL 16)",
                    other.to_uppercase()
                )))
            }
        }
    }
    if g.granted_by.is_some() {
        return Err(SqlError::unsupported("GRANT role ... GRANTED BY"));
    }
    let members = grantee_names(cat, &g.grantees, current_user, session_user)?;
    let mut next = cat.clone();
    let mut mutations = Vec::new();
    let mut notices = Vec::new();
    for r in &g.roles {
        let role = crate::binder::ident_name(r);
        for m in &members {
            if m.is_empty() {
                return Err(SqlError::new("0LP01", "role \"public\" cannot be granted"));
            }
            match roles::add_member(&mut next, &role, m, admin, current_user)? {
                Some(mu) => mutations.push(mu),
                None => {
                    let mut n = SqlError::new(
                        "42710",
                        format!("role \"{m}\" is already a member of role \"{role}\""),
                    );
                    n.severity = "NOTICE";
                    notices.push(n);
                }
            }
        }
    }
    let change = (!mutations.is_empty()).then(|| DdlChange::catalog_only(next, mutations));
    Ok(GrantOutcome { change, notices })
}

/// REVOKE [ADMIN OPTION FOR] roles FROM members.
pub fn revoke_role(
    cat: &Catalog,
    r: &ast::RevokeRole,
    current_user: &str,
    session_user: &str,
) -> SqlResult<GrantOutcome> {
    let admin_only = match &r.option_for {
        None => false,
        Some(o) if o.value.eq_ignore_ascii_case("admin") => true,
        Some(o) => {
            return Err(SqlError::unsupported(format!(
                "REVOKE {} OPTION FOR",
                o.value.to_uppercase()
            )))
        }
    };
    let members = grantee_names(cat, &r.grantees, current_user, session_user)?;
    let mut next = cat.clone();
    let mut mutations = Vec::new();
    let mut notices = Vec::new();
    for role in &r.roles {
        let role = crate::binder::ident_name(role);
        for m in &members {
            match roles::remove_member(&mut next, &role, m, admin_only, current_user)? {
                Some(mu) => mutations.push(mu),
                None => notices.push(warning(
                    "01000",
                    format!("role \"{m}\" has not been granted membership in role \"{role}\" by role \"{current_user}\""),
                )),
            }
        }
    }
    let change = (!mutations.is_empty()).then(|| DdlChange::catalog_only(next, mutations));
    Ok(GrantOutcome { change, notices })
}

/// ALTER TABLE | VIEW | SEQUENCE name OWNER TO role, recognised from tokens.
pub struct OwnerChange {
    pub noun: &'static str,
    pub name: ast::ObjectName,
    pub new_owner: String,
}

/// `ALTER {TABLE|VIEW|SEQUENCE} [IF EXISTS] name OWNER TO role`, if `sql` is one.
pub fn recognise_owner_change(sql: &str) -> Option<SqlResult<OwnerChange>> {
    let lower = sql.trim_start().get(..5)?.to_ascii_lowercase();
    if lower != "alter" || !sql.to_ascii_lowercase().contains("owner") {
        return None;
    }
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::keywords::Keyword;
    use sqlparser::parser::Parser;
    let mut p = Parser::new(&PostgreSqlDialect {}).try_with_sql(sql).ok()?;
    p.expect_keyword(Keyword::ALTER).ok()?;
    let noun = match p.parse_one_of_keywords(&[Keyword::TABLE, Keyword::VIEW, Keyword::SEQUENCE])? {
        Keyword::TABLE => "table",
        Keyword::VIEW => "view",
        _ => "sequence",
    };
    let _ = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = p.parse_object_name(false).ok()?;
    if !p.parse_keywords(&[Keyword::OWNER, Keyword::TO]) {
        return None;
    }
    let owner = match p.parse_identifier() {
        Ok(i) => crate::binder::ident_name(&i),
        Err(e) => return Some(Err(SqlError::syntax(e.to_string()))),
    };
    let _ = p.consume_token(&sqlparser::tokenizer::Token::SemiColon);
    if p.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return None;
    }
    Some(Ok(OwnerChange {
        noun,
        name,
        new_owner: owner,
    }))
}

/// OWNER TO: the current owner (or a superuser) who is a member of the new
/// owner may give the object away; its ACL follows (`aclnewowner`).
pub fn change_owner(
    cat: &Catalog,
    c: &OwnerChange,
    user: &str,
    session_user: &str,
) -> SqlResult<Option<DdlChange>> {
    let key = crate::binder::object_name(&c.name)?;
    let Some((kind, noun)) = relation_kind(cat, &key) else {
        return Err(SqlError::undefined_table(&c.name.to_string()));
    };
    if c.noun == "sequence" && kind != ObjectKind::Sequence {
        return Err(SqlError::new(
            "42809",
            format!("\"{}\" is not a sequence", display(&key)),
        ));
    }
    if c.noun == "view" && noun != "view" {
        return Err(SqlError::new(
            "42809",
            format!("\"{}\" is not a view", display(&key)),
        ));
    }
    let new_owner = match c.new_owner.as_str() {
        "current_user" | "current_role" => user.to_string(),
        "session_user" => session_user.to_string(),
        n => n.to_string(),
    };
    if !roles::exists(cat, &new_owner) {
        return Err(SqlError::new(
            "42704",
            format!("role \"{new_owner}\" does not exist"),
        ));
    }
    let old = owner(cat, kind, &key);
    if old == new_owner {
        return Ok(None);
    }
    if !roles::is_superuser(cat, user) {
        if !is_owner(cat, user, kind, &key) {
            return Err(not_owner(noun, &key));
        }
        if !roles::is_member(cat, user, &new_owner) {
            return Err(SqlError::new(
                "42501",
                format!("must be able to SET ROLE \"{new_owner}\""),
            ));
        }
        require_create_in_schema(cat, &new_owner, &key)?;
    }
    let mut next = cat.clone();
    let acl_now = stored_acl(cat, kind, &key).map(|a| acl::new_owner(&a, &old, &new_owner));
    let mut mutations = Vec::new();
    let mut set = |kind: ObjectKind, name: &str, acl_now: Option<Vec<AclItem>>| -> SqlResult<()> {
        let columns = cat
            .privileges
            .get(&(kind, name.to_string()))
            .map(|e| e.columns.clone())
            .unwrap_or_default();
        let e = ObjectEntry {
            version: 1,
            kind,
            name: name.to_string(),
            owner: new_owner.clone(),
            acl: acl_now,
            columns,
        };
        mutations.push(entry_mutation(kind, name, Some(&e))?);
        next.privileges
            .insert((kind, name.to_string()), Arc::new(e));
        Ok(())
    };
    set(kind, &key, acl_now)?;
    // A table's SERIAL sequences change owner with it, as in PostgreSQL.
    if let Some(t) = cat.tables.get(&key) {
        for s in &t.owned_sequences {
            let a = stored_acl(cat, ObjectKind::Sequence, s)
                .map(|a| acl::new_owner(&a, &old, &new_owner));
            set(ObjectKind::Sequence, s, a)?;
        }
    }
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

/// What keeps role `name` from being dropped: "owner of table t",
/// "privileges for table t", ... (DROP ROLE's 2BP01 detail).
pub fn dependents_of_role(cat: &Catalog, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let noun = |kind: ObjectKind, n: &str| match kind {
        ObjectKind::Table => relation_kind(cat, n).map_or("table", |(_, noun)| noun),
        k => k.noun(),
    };
    for ((kind, n), e) in &cat.privileges {
        if e.owner == name {
            out.push(format!("owner of {} {}", noun(*kind, n), display(n)));
        }
    }
    for s in cat.schemas.values() {
        if s.owner == name {
            out.push(format!("owner of schema {}", s.name));
        }
    }
    for ((kind, n), e) in &cat.privileges {
        let names_role = |a: &Vec<AclItem>| {
            a.iter()
                .any(|i| (i.grantee == name || i.grantor == name) && e.owner != name)
        };
        if e.acl.as_ref().is_some_and(names_role) || e.columns.values().any(names_role) {
            let what = match kind {
                ObjectKind::Database => format!("privileges for database {n}"),
                k => format!("privileges for {} {}", noun(*k, n), display(n)),
            };
            out.push(what);
        }
    }
    out
}

/// After ALTER ROLE ... RENAME: owners and ACL items follow the new name.
pub fn rename_role_in_entries(
    next: &mut Catalog,
    old: &str,
    new: &str,
) -> SqlResult<Vec<Mutation>> {
    let mut mutations = Vec::new();
    let keys: Vec<(ObjectKind, String)> = next.privileges.keys().cloned().collect();
    for key in keys {
        let Some(e) = next.privileges.get(&key).cloned() else {
            continue;
        };
        let names_old = |a: &Vec<AclItem>| a.iter().any(|i| i.grantee == old || i.grantor == old);
        let touches = e.owner == old
            || e.acl.as_ref().is_some_and(names_old)
            || e.columns.values().any(names_old);
        if !touches {
            continue;
        }
        let mut e = (*e).clone();
        if e.owner == old {
            e.owner = new.to_string();
        }
        for a in e.acl.iter_mut().chain(e.columns.values_mut()) {
            for i in a.iter_mut() {
                if i.grantee == old {
                    i.grantee = new.to_string();
                }
                if i.grantor == old {
                    i.grantor = new.to_string();
                }
            }
        }
        mutations.push(entry_mutation(key.0, &key.1, Some(&e))?);
        next.privileges.insert(key, Arc::new(e));
    }
    Ok(mutations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_names_in_text() {
        assert_eq!(relation_key("T"), "t");
        assert_eq!(relation_key("\"T\""), "T");
        assert_eq!(relation_key("public.t"), "t");
        assert_eq!(relation_key("s.\"X\""), "s.X");
    }

    #[test]
    fn revoke_cascades_through_grant_options() {
        let mut a = acl::default_acl(ObjectKind::Table, "o");
        acl::update(&mut a, true, "b", "o", acl::SELECT, true, false);
        acl::update(&mut a, true, "c", "b", acl::SELECT, false, false);
        let mut kept = a.clone();
        let e = revoke_recursive(&mut kept, "b", "o", acl::SELECT, false, false, 0);
        assert!(matches!(e, Err(e) if e.sqlstate == "2BP01"));
        revoke_recursive(&mut a, "b", "o", acl::SELECT, false, true, 0).expect("cascade");
        assert_eq!(
            a.iter().map(AclItem::to_text).collect::<Vec<_>>(),
            ["o=arwdDxt/o"]
        );
    }
}
