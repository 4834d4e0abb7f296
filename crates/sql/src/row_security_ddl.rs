//! Row-level security statements as catalog changes: ALTER TABLE ...
//! ENABLE/DISABLE/FORCE/NO FORCE ROW LEVEL SECURITY, CREATE POLICY, ALTER
//! POLICY and DROP POLICY (`crate::row_security` holds what they change).
//! Each needs the table's owner (or a superuser), as in PostgreSQL.

use std::sync::Arc;

use sqlparser::ast;

use crate::catalog::{Catalog, TableDef};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::row_security::{
    mutation, PolicyCommand, PolicyDef, TableSecurity, TABLE_SECURITY_VERSION,
};

/// An ALTER TABLE operation on row-level security.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlsSwitch {
    Enable,
    Disable,
    Force,
    NoForce,
}

/// The row-security switches of an ALTER TABLE made only of them (None:
/// another kind of ALTER TABLE).
pub fn switches(at: &ast::AlterTable) -> Option<Vec<RlsSwitch>> {
    let mut out = Vec::new();
    for op in &at.operations {
        out.push(match op {
            ast::AlterTableOperation::EnableRowLevelSecurity => RlsSwitch::Enable,
            ast::AlterTableOperation::DisableRowLevelSecurity => RlsSwitch::Disable,
            ast::AlterTableOperation::ForceRowLevelSecurity => RlsSwitch::Force,
            ast::AlterTableOperation::NoForceRowLevelSecurity => RlsSwitch::NoForce,
            _ => return None,
        });
    }
    (!out.is_empty()).then_some(out)
}

/// The table `name` names, for a statement by `user` on its security.
fn owned_table(cat: &Catalog, user: &str, name: &ast::ObjectName) -> SqlResult<Arc<TableDef>> {
    let key = cat.resolve_key(&crate::binder::object_name(name)?);
    let Some(t) = cat.tables.get(&key) else {
        if cat.views.contains_key(&key) {
            return Err(SqlError::new(
                "42809",
                format!("\"{}\" is not a table", crate::schema::split(&key).1),
            ));
        }
        return Err(SqlError::undefined_table(crate::schema::split(&key).1));
    };
    crate::privileges::require_relation_owner(cat, user, &key)?;
    Ok(t.clone())
}

fn security_of(cat: &Catalog, t: &TableDef) -> TableSecurity {
    let mut sec = cat
        .row_security
        .get(&t.id)
        .map(|s| (**s).clone())
        .unwrap_or_default();
    sec.version = TABLE_SECURITY_VERSION;
    sec
}

fn change(cat: &Catalog, t: &TableDef, sec: TableSecurity) -> SqlResult<DdlChange> {
    let m = mutation(t.id, Some(&sec))?;
    let mut next = cat.clone();
    next.row_security.insert(t.id, Arc::new(sec));
    Ok(DdlChange::catalog_only(next, vec![m]))
}

/// ALTER TABLE ... [ENABLE | DISABLE | [NO] FORCE] ROW LEVEL SECURITY.
pub fn alter_table(
    cat: &Catalog,
    user: &str,
    at: &ast::AlterTable,
    ops: &[RlsSwitch],
) -> SqlResult<Option<DdlChange>> {
    let t = match owned_table(cat, user, &at.name) {
        Err(e) if at.if_exists && e.sqlstate == "42P01" => return Ok(None),
        other => other?,
    };
    let mut sec = security_of(cat, &t);
    for op in ops {
        match op {
            RlsSwitch::Enable => sec.enabled = true,
            RlsSwitch::Disable => sec.enabled = false,
            RlsSwitch::Force => sec.forced = true,
            RlsSwitch::NoForce => sec.forced = false,
        }
    }
    change(cat, &t, sec).map(Some)
}

/// The role names of a `TO` list (empty: PUBLIC).
fn role_list(cat: &Catalog, user: &str, to: Option<&Vec<ast::Owner>>) -> SqlResult<Vec<String>> {
    let mut out = Vec::new();
    for o in to.into_iter().flatten() {
        let name = match o {
            ast::Owner::Ident(i) => crate::binder::ident_name(i),
            ast::Owner::CurrentRole | ast::Owner::CurrentUser | ast::Owner::SessionUser => {
                user.to_string()
            }
        };
        if name == "public" {
            // PUBLIC among others is PUBLIC (PostgreSQL warns and ignores the rest).
            return Ok(vec![]);
        }
        if name != crate::roles::BOOTSTRAP_ROLE && crate::roles::role(cat, &name).is_none() {
            return Err(SqlError::new(
                "42704",
                format!("role \"{name}\" does not exist"),
            ));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Checks that a policy expression binds, as a boolean, over `t`'s rows.
fn check_expression(cat: &Catalog, t: &TableDef, e: &ast::Expr, clause: &str) -> SqlResult<String> {
    let text = e.to_string();
    let quote = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let (schema, name) = crate::schema::split(&t.name);
    let probe = format!(
        "SELECT 1 FROM {}.{} WHERE ({text})::bool IS NOT NULL",
        quote(schema),
        quote(name)
    );
    let stmts = crate::session::parse(&probe)?;
    let Some(ast::Statement::Query(q)) = stmts.first() else {
        return Err(SqlError::syntax(format!("invalid {clause} expression")));
    };
    // Bound as the bootstrap role: the table's own policies do not apply
    // to the check of a new one.
    let mut plain = cat.clone();
    plain.rls_subject = Default::default();
    crate::binder::Binder::new(&plain, &probe, vec![]).bind_query(q)?;
    Ok(text)
}

fn command_of(c: Option<ast::CreatePolicyCommand>) -> PolicyCommand {
    match c {
        None | Some(ast::CreatePolicyCommand::All) => PolicyCommand::All,
        Some(ast::CreatePolicyCommand::Select) => PolicyCommand::Select,
        Some(ast::CreatePolicyCommand::Insert) => PolicyCommand::Insert,
        Some(ast::CreatePolicyCommand::Update) => PolicyCommand::Update,
        Some(ast::CreatePolicyCommand::Delete) => PolicyCommand::Delete,
    }
}

/// PostgreSQL's limits on which expressions a command's policy may have.
fn check_clauses(command: PolicyCommand, using: bool, with_check: bool) -> SqlResult<()> {
    if with_check && matches!(command, PolicyCommand::Select | PolicyCommand::Delete) {
        return Err(SqlError::syntax(
            "WITH CHECK cannot be applied to SELECT or DELETE",
        ));
    }
    if using && command == PolicyCommand::Insert {
        return Err(SqlError::syntax(
            "only WITH CHECK expression allowed for INSERT",
        ));
    }
    Ok(())
}

fn shown(t: &TableDef) -> &str {
    crate::schema::split(&t.name).1
}

/// CREATE POLICY.
pub fn create_policy(cat: &Catalog, user: &str, p: &ast::CreatePolicy) -> SqlResult<DdlChange> {
    let t = owned_table(cat, user, &p.table_name)?;
    let name = crate::binder::ident_name(&p.name);
    let mut sec = security_of(cat, &t);
    if sec.policies.iter().any(|x| x.name == name) {
        return Err(SqlError::new(
            "42710",
            format!(
                "policy \"{name}\" for table \"{}\" already exists",
                shown(&t)
            ),
        ));
    }
    let command = command_of(p.command);
    check_clauses(command, p.using.is_some(), p.with_check.is_some())?;
    let using = match &p.using {
        Some(e) => Some(check_expression(cat, &t, e, "USING")?),
        None => None,
    };
    let with_check = match &p.with_check {
        Some(e) => Some(check_expression(cat, &t, e, "WITH CHECK")?),
        None => None,
    };
    sec.policies.push(PolicyDef {
        name,
        permissive: !matches!(p.policy_type, Some(ast::CreatePolicyType::Restrictive)),
        command,
        roles: role_list(cat, user, p.to.as_ref())?,
        using,
        with_check,
    });
    sec.policies.sort_by(|a, b| a.name.cmp(&b.name));
    change(cat, &t, sec)
}

fn missing_policy(name: &str, t: &TableDef) -> SqlError {
    SqlError::new(
        "42704",
        format!(
            "policy \"{name}\" for table \"{}\" does not exist",
            shown(t)
        ),
    )
}

/// ALTER POLICY ... RENAME TO / TO roles / USING / WITH CHECK.
pub fn alter_policy(cat: &Catalog, user: &str, p: &ast::AlterPolicy) -> SqlResult<DdlChange> {
    let t = owned_table(cat, user, &p.table_name)?;
    let name = crate::binder::ident_name(&p.name);
    let mut sec = security_of(cat, &t);
    let Some(i) = sec.policies.iter().position(|x| x.name == name) else {
        return Err(missing_policy(&name, &t));
    };
    match &p.operation {
        ast::AlterPolicyOperation::Rename { new_name } => {
            let new_name = crate::binder::ident_name(new_name);
            if sec.policies.iter().any(|x| x.name == new_name) {
                return Err(SqlError::new(
                    "42710",
                    format!(
                        "policy \"{new_name}\" for table \"{}\" already exists",
                        shown(&t)
                    ),
                ));
            }
            sec.policies[i].name = new_name;
        }
        ast::AlterPolicyOperation::Apply {
            to,
            using,
            with_check,
        } => {
            let command = sec.policies[i].command;
            check_clauses(command, using.is_some(), with_check.is_some())?;
            if to.is_some() {
                sec.policies[i].roles = role_list(cat, user, to.as_ref())?;
            }
            if let Some(e) = using {
                sec.policies[i].using = Some(check_expression(cat, &t, e, "USING")?);
            }
            if let Some(e) = with_check {
                sec.policies[i].with_check = Some(check_expression(cat, &t, e, "WITH CHECK")?);
            }
        }
    }
    sec.policies.sort_by(|a, b| a.name.cmp(&b.name));
    change(cat, &t, sec)
}

/// DROP POLICY; None (and a notice from the caller) when it is absent
/// under IF EXISTS.
pub fn drop_policy(cat: &Catalog, user: &str, p: &ast::DropPolicy) -> SqlResult<Option<DdlChange>> {
    let t = match owned_table(cat, user, &p.table_name) {
        Err(e) if p.if_exists && e.sqlstate == "42P01" => return Ok(None),
        other => other?,
    };
    let name = crate::binder::ident_name(&p.name);
    let mut sec = security_of(cat, &t);
    let before = sec.policies.len();
    sec.policies.retain(|x| x.name != name);
    if sec.policies.len() == before {
        if p.if_exists {
            return Ok(None);
        }
        return Err(missing_policy(&name, &t));
    }
    change(cat, &t, sec).map(Some)
}

/// The table-id keyed entries (row security, rules on tables) follow their
/// table through a DDL change: a table that got a new id (a rewrite) takes
/// its entries along, a dropped table's are deleted.
pub fn follow_tables(base: &Catalog, change: &mut DdlChange) -> SqlResult<()> {
    let moved: Vec<(u32, Option<u32>)> = base
        .tables
        .values()
        .filter_map(|old| match change.catalog.tables.get(&old.name) {
            Some(new) if new.id == old.id => None,
            Some(new) => Some((old.id, Some(new.id))),
            // Renamed tables keep their id: look them up by it.
            None if change.catalog.tables.values().any(|t| t.id == old.id) => None,
            None => Some((old.id, None)),
        })
        .collect();
    for (from, to) in moved {
        if let Some(sec) = change.catalog.row_security.remove(&from) {
            change.mutations.push(mutation(from, None)?);
            if let Some(to) = to {
                change.mutations.push(mutation(to, Some(&sec))?);
                change.catalog.row_security.insert(to, sec);
            }
        }
        if let Some(rules) = change.catalog.table_rules.remove(&from) {
            change
                .mutations
                .push(crate::rules::table_rules_mutation(from, None)?);
            if let Some(to) = to {
                change
                    .mutations
                    .push(crate::rules::table_rules_mutation(to, Some(&rules))?);
                change.catalog.table_rules.insert(to, rules);
            }
        }
    }
    Ok(())
}
