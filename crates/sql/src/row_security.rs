//! Row-level security: a table's ENABLE/FORCE flags and its policies (the
//! catalog entry, persisted per table id under its own tag), who they are
//! enforced for (the session's [`Subject`], carried on its catalog view),
//! and which policies govern a command. Binding applies them
//! (`crate::row_security_bind`); the statements are `crate::row_security_ddl`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, TableDef};
use crate::encoding::CATALOG_PREFIX;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

/// Catalog tag of a table's row-security entry (key: tag, table id).
pub const ROW_SECURITY_TAG: u8 = b'R';

/// The command a policy applies to (`FOR ...`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    /// pg_policy.polcmd.
    pub fn code(self) -> &'static str {
        match self {
            PolicyCommand::All => "*",
            PolicyCommand::Select => "r",
            PolicyCommand::Insert => "a",
            PolicyCommand::Update => "w",
            PolicyCommand::Delete => "d",
        }
    }

    /// pg_policies.cmd.
    pub fn name(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// One policy (CREATE POLICY).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PolicyDef {
    pub name: String,
    /// PERMISSIVE (OR-ed with the others) or RESTRICTIVE (AND-ed).
    pub permissive: bool,
    pub command: PolicyCommand,
    /// The roles it applies to; empty: PUBLIC.
    pub roles: Vec<String>,
    /// USING, as SQL text over the table's columns.
    pub using: Option<String>,
    /// WITH CHECK, as SQL text over the table's columns.
    pub with_check: Option<String>,
}

/// A table's row-level security state.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TableSecurity {
    /// Format version of the stored entry.
    pub version: u32,
    /// ENABLE ROW LEVEL SECURITY.
    pub enabled: bool,
    /// FORCE ROW LEVEL SECURITY: the owner is subject to it too.
    pub forced: bool,
    /// Sorted by name.
    pub policies: Vec<PolicyDef>,
}

/// Current format of [`TableSecurity`] entries.
pub const TABLE_SECURITY_VERSION: u32 = 1;

/// Who statements bound against a catalog view run as, for row-level
/// security: the current user and the `row_security` setting.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subject {
    pub user: String,
    pub row_security: bool,
}

impl Default for Subject {
    /// The bootstrap superuser: catalogs built outside a session (loading,
    /// internal checks) are not subject to policies.
    fn default() -> Subject {
        Subject {
            user: crate::roles::BOOTSTRAP_ROLE.to_string(),
            row_security: true,
        }
    }
}

pub fn key(table_id: u32) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, ROW_SECURITY_TAG];
    k.extend_from_slice(&table_id.to_be_bytes());
    k
}

/// The mutation that stores (or, for None, deletes) a table's entry.
pub fn mutation(table_id: u32, def: Option<&TableSecurity>) -> SqlResult<Mutation> {
    let value = match def {
        Some(d) => Some(serde_json::to_vec(d).map_err(|e| SqlError::internal(e.to_string()))?),
        None => None,
    };
    Ok(Mutation {
        key: key(table_id),
        value,
    })
}

/// A stored entry: its table id and definition.
pub fn decode_entry(k: &[u8], v: &[u8]) -> SqlResult<(u32, TableSecurity)> {
    let corrupt = |e: &dyn std::fmt::Display| {
        SqlError::internal(format!("corrupt catalog entry row security: {e}"))
    };
    let id: [u8; 4] = k
        .get(2..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt(&"bad key"))?;
    let def: TableSecurity = serde_json::from_slice(v).map_err(|e| corrupt(&e))?;
    if def.version > TABLE_SECURITY_VERSION {
        return Err(corrupt(&format!("unknown version {}", def.version)));
    }
    Ok((u32::from_be_bytes(id), def))
}

/// The catalog `base` seen by `subject`: statements bound against it apply
/// the policies that govern that user. Catalogs where no table has row
/// security enabled are shared as they are (nothing depends on the user).
pub fn with_subject(base: Arc<Catalog>, subject: &Subject) -> Arc<Catalog> {
    if *base.rls_subject == *subject || !base.row_security.values().any(|s| s.enabled) {
        return base;
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    subject.hash(&mut h);
    let mut c = (*base).clone();
    c.rls_subject = Arc::new(subject.clone());
    // Prepared plans are cached per version: another user binds differently.
    c.version = base.version ^ (h.finish().rotate_left(17) | 1);
    Arc::new(c)
}

/// The row security `table` is subject to for `user` (the catalog's
/// subject, or the owner of a view being expanded): None when it is not
/// enabled or the user bypasses it (a superuser, a BYPASSRLS role, the
/// owner unless FORCE). With `row_security` off, a statement it would
/// affect fails instead, as in PostgreSQL.
pub fn governing<'c>(
    cat: &'c Catalog,
    table: &TableDef,
    user: &str,
) -> SqlResult<Option<&'c TableSecurity>> {
    let Some(sec) = cat.row_security.get(&table.id).filter(|s| s.enabled) else {
        return Ok(None);
    };
    if crate::roles::is_superuser(cat, user) || cat.roles.get(user).is_some_and(|r| r.bypass_rls) {
        return Ok(None);
    }
    let owner = crate::privileges::is_owner(cat, user, crate::acl::ObjectKind::Table, &table.name);
    if owner && !sec.forced {
        return Ok(None);
    }
    if !cat.rls_subject.row_security {
        let shown = crate::schema::split(&table.name).1;
        let mut e = SqlError::new(
            "42501",
            format!("query would be affected by row-level security policy for table \"{shown}\""),
        );
        if owner {
            e = e.with_hint(
                "To disable the policy for the table's owner, use ALTER TABLE NO FORCE ROW LEVEL SECURITY.",
            );
        }
        return Err(e);
    }
    Ok(Some(sec))
}

/// The policies of `sec` for `command` that apply to `user`:
/// (permissive, restrictive).
pub fn policies_for<'s>(
    cat: &Catalog,
    sec: &'s TableSecurity,
    command: PolicyCommand,
    user: &str,
) -> (Vec<&'s PolicyDef>, Vec<&'s PolicyDef>) {
    let roles = crate::roles::privilege_roles(cat, user);
    let applies = |p: &&PolicyDef| {
        (p.command == PolicyCommand::All || p.command == command)
            && (p.roles.is_empty() || p.roles.iter().any(|r| roles.contains(r)))
    };
    let (permissive, restrictive): (Vec<&PolicyDef>, Vec<&PolicyDef>) = sec
        .policies
        .iter()
        .filter(applies)
        .partition(|p| p.permissive);
    (permissive, restrictive)
}

/// A policy expression as pg_get_expr shows it: an operator expression in
/// parentheses, SQL-standard user functions in capitals (the rest as
/// written: expressions are kept as text, not deparsed).
pub fn shown_expr(text: &str) -> String {
    use sqlparser::ast::{Expr, FunctionArguments, VisitMut, VisitorMut};
    struct Capitals;
    impl VisitorMut for Capitals {
        type Break = ();
        fn post_visit_expr(&mut self, e: &mut Expr) -> std::ops::ControlFlow<()> {
            if let Expr::Function(f) = e {
                let special = ["current_user", "session_user", "current_role"];
                if matches!(f.args, FunctionArguments::None) && f.name.0.len() == 1 {
                    if let Some(i) = f.name.0[0].as_ident() {
                        if special.contains(&i.value.to_ascii_lowercase().as_str()) {
                            let upper = i.value.to_ascii_uppercase();
                            f.name =
                                sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(
                                    upper,
                                )]);
                        }
                    }
                }
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let Ok(mut e) = crate::binder::parse_expr(text) else {
        return text.to_string();
    };
    let _ = e.visit(&mut Capitals);
    let operator = matches!(
        e,
        Expr::BinaryOp { .. }
            | Expr::UnaryOp { .. }
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::Between { .. }
            | Expr::Like { .. }
            | Expr::ILike { .. }
    );
    if operator {
        format!("({e})")
    } else {
        e.to_string()
    }
}

/// A catalog row: (column, value) pairs.
pub type CatalogRow = Vec<(&'static str, crate::datum::Datum)>;

/// Every policy with its table.
fn all_policies(cat: &Catalog) -> Vec<(&TableDef, usize, &PolicyDef)> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        if let Some(sec) = cat.row_security.get(&t.id) {
            out.extend(sec.policies.iter().enumerate().map(|(i, p)| (&**t, i, p)));
        }
    }
    out
}

fn role_oid(cat: &Catalog, name: &str) -> i64 {
    match crate::roles::role(cat, name) {
        Some(r) => i64::from(r.oid),
        None => crate::pg_catalog::ROLE_OID,
    }
}

/// pg_policy's rows (a policy's oid is made from its table's oid and its
/// position: policies have no stored oid).
pub fn pg_policy_rows(cat: &Catalog) -> Vec<CatalogRow> {
    use crate::datum::Datum;
    all_policies(cat)
        .into_iter()
        .map(|(t, i, p)| {
            let table_oid = crate::pg_catalog::table_oid(t);
            let roles = if p.roles.is_empty() {
                vec![Datum::Int8(0)]
            } else {
                p.roles
                    .iter()
                    .map(|r| Datum::Int8(role_oid(cat, r)))
                    .collect()
            };
            let text = |s: &Option<String>| {
                s.as_deref()
                    .map_or(Datum::Null, |s| Datum::Text(shown_expr(s)))
            };
            vec![
                ("oid", Datum::Int8(2_000_000 + table_oid * 64 + i as i64)),
                ("polname", Datum::Text(p.name.clone())),
                ("polrelid", Datum::Int8(table_oid)),
                ("polcmd", Datum::Text(p.command.code().into())),
                ("polpermissive", Datum::Bool(p.permissive)),
                ("polroles", Datum::Array(roles)),
                ("polqual", text(&p.using)),
                ("polwithcheck", text(&p.with_check)),
            ]
        })
        .collect()
}

/// pg_policies' rows.
pub fn pg_policies_rows(cat: &Catalog) -> Vec<CatalogRow> {
    use crate::datum::Datum;
    all_policies(cat)
        .into_iter()
        .map(|(t, _, p)| {
            let (schema, name) = crate::schema::split(&t.name);
            let roles = if p.roles.is_empty() {
                vec![Datum::Text("public".into())]
            } else {
                p.roles.iter().map(|r| Datum::Text(r.clone())).collect()
            };
            let text = |s: &Option<String>| {
                s.as_deref()
                    .map_or(Datum::Null, |s| Datum::Text(shown_expr(s)))
            };
            let kind = if p.permissive {
                "PERMISSIVE"
            } else {
                "RESTRICTIVE"
            };
            vec![
                ("schemaname", Datum::Text(schema.to_string())),
                ("tablename", Datum::Text(name.to_string())),
                ("policyname", Datum::Text(p.name.clone())),
                ("permissive", Datum::Text(kind.into())),
                ("roles", Datum::Array(roles)),
                ("cmd", Datum::Text(p.command.name().into())),
                ("qual", text(&p.using)),
                ("with_check", text(&p.with_check)),
            ]
        })
        .collect()
}

/// pg_class.relrowsecurity / relforcerowsecurity of a table.
pub fn flags(cat: &Catalog, t: &TableDef) -> (bool, bool) {
    cat.row_security
        .get(&t.id)
        .map_or((false, false), |s| (s.enabled, s.forced))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(name: &str, permissive: bool, command: PolicyCommand, roles: &[&str]) -> PolicyDef {
        PolicyDef {
            name: name.into(),
            permissive,
            command,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: Some("true".into()),
            with_check: None,
        }
    }

    #[test]
    fn entries_round_trip_through_their_stored_form() {
        let def = TableSecurity {
            version: TABLE_SECURITY_VERSION,
            enabled: true,
            forced: false,
            policies: vec![policy("p", true, PolicyCommand::Select, &["alice"])],
        };
        let m = mutation(42, Some(&def)).expect("encodes");
        let value = m.value.expect("a value");
        let (id, back) = decode_entry(&m.key, &value).expect("decodes");
        assert_eq!(id, 42);
        assert_eq!(back, def);
        assert!(decode_entry(&m.key[..3], &value).is_err());
    }

    #[test]
    fn policies_are_chosen_by_command_and_role() {
        let cat = Catalog::default();
        let sec = TableSecurity {
            version: TABLE_SECURITY_VERSION,
            enabled: true,
            forced: false,
            policies: vec![
                policy("all_public", true, PolicyCommand::All, &[]),
                policy("sel_bob", true, PolicyCommand::Select, &["bob"]),
                policy("sel_alice", false, PolicyCommand::Select, &["alice"]),
                policy("upd", true, PolicyCommand::Update, &[]),
            ],
        };
        let (perm, restr) = policies_for(&cat, &sec, PolicyCommand::Select, "alice");
        let names = |v: &[&PolicyDef]| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&perm), ["all_public"]);
        assert_eq!(names(&restr), ["sel_alice"]);
        let (perm, restr) = policies_for(&cat, &sec, PolicyCommand::Update, "alice");
        assert_eq!(names(&perm), ["all_public", "upd"]);
        assert!(restr.is_empty());
    }
}
