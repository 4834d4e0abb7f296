//! Roles: CREATE ROLE / USER / GROUP, ALTER ROLE and DROP ROLE as catalog
//! changes (transactional like other DDL, stored versioned under their own
//! catalog key), role attributes (SUPERUSER, CREATEROLE, INHERIT, LOGIN,
//! PASSWORD, ...), and membership (GRANT role TO role, recorded on the
//! member) with PostgreSQL 15's inheritance rule: a role has the privileges
//! of the roles it is a member of when it is INHERIT. Privileges on objects
//! are `crate::privileges`'. The bootstrap role `postgres` always exists and
//! is a superuser.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::catalog::{role_key, Catalog};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::statement_tokens::{ident, keyword, syntax_error};
use crate::store::Mutation;

/// The role every session starts as.
pub const BOOTSTRAP_ROLE: &str = "postgres";

/// A stored role (JSON, versioned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDef {
    pub version: u32,
    pub name: String,
    /// CREATE USER / LOGIN.
    pub login: bool,
    #[serde(default)]
    pub superuser: bool,
    #[serde(default)]
    pub create_role: bool,
    #[serde(default)]
    pub create_db: bool,
    /// Has the privileges of the roles it is a member of (INHERIT, default).
    #[serde(default = "yes")]
    pub inherit: bool,
    #[serde(default)]
    pub replication: bool,
    #[serde(default)]
    pub bypass_rls: bool,
    #[serde(default = "no_limit")]
    pub connection_limit: i32,
    /// A SCRAM-SHA-256 verifier as PostgreSQL stores it (`crate::scram_secret`;
    /// an md5 hash given as the password is kept); None: no password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The roles this one is a member of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_of: Vec<Membership>,
    /// pg_authid.oid: fixed when the role is created.
    #[serde(default)]
    pub oid: u32,
}

fn yes() -> bool {
    true
}

fn no_limit() -> i32 {
    -1
}

/// Membership of the role holding it in `role`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub role: String,
    pub admin_option: bool,
    pub grantor: String,
}

/// Role OIDs start here (after PostgreSQL's fixed ones, away from table OIDs).
const FIRST_ROLE_OID: u32 = 3_000_000;

impl RoleDef {
    fn new(name: &str, oid: u32) -> RoleDef {
        RoleDef {
            version: 1,
            name: name.to_string(),
            login: false,
            superuser: false,
            create_role: false,
            create_db: false,
            inherit: true,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            password: None,
            valid_until: None,
            member_of: Vec::new(),
            oid,
        }
    }

    /// The stored role `postgres` (only when something was granted to it).
    fn bootstrap() -> RoleDef {
        RoleDef {
            login: true,
            superuser: true,
            create_role: true,
            create_db: true,
            replication: true,
            bypass_rls: true,
            ..RoleDef::new(BOOTSTRAP_ROLE, crate::pg_catalog::ROLE_OID as u32)
        }
    }
}

/// A role attribute of CREATE/ALTER ROLE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleOption {
    Login(bool),
    Superuser(bool),
    CreateRole(bool),
    CreateDb(bool),
    Inherit(bool),
    Replication(bool),
    BypassRls(bool),
    ConnectionLimit(i32),
    /// None: PASSWORD NULL.
    Password(Option<String>),
    ValidUntil(String),
    /// IN ROLE / IN GROUP: memberships of the new role.
    InRole(Vec<String>),
    /// ROLE / USER: members of the new role (ADMIN: with admin option).
    Members(Vec<String>, bool),
}

/// A role statement recognised from its tokens (sqlparser 0.64 parses
/// CREATE USER in Snowflake's syntax).
pub enum RoleStatement {
    Create {
        name: String,
        options: Vec<RoleOption>,
    },
    Alter {
        name: String,
        options: Vec<RoleOption>,
    },
    Rename {
        name: String,
        to: String,
    },
    Drop {
        names: Vec<String>,
        if_exists: bool,
    },
}

/// The role statement in `sql`, if it is one (a single statement).
pub fn recognise(sql: &str) -> Option<SqlResult<RoleStatement>> {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?
        .to_ascii_lowercase();
    if !matches!(first.as_str(), "create" | "drop" | "alter") {
        return None;
    }
    let mut toks: Vec<Token> = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    while toks.last() == Some(&Token::SemiColon) {
        toks.pop();
    }
    if toks.contains(&Token::SemiColon) {
        return None;
    }
    let kind = keyword(toks.get(1));
    if !matches!(kind, Keyword::ROLE | Keyword::USER | Keyword::GROUP) {
        return None;
    }
    // CREATE USER MAPPING is another statement.
    if keyword(toks.get(2)) == Keyword::MAPPING {
        return None;
    }
    Some(match keyword(toks.first()) {
        Keyword::CREATE => parse_create(&toks[2..], kind == Keyword::USER),
        Keyword::ALTER => parse_alter(&toks[2..]),
        _ => parse_drop(&toks[2..]),
    })
}

fn role_name(t: Option<&Token>) -> SqlResult<String> {
    match t {
        Some(Token::Word(w)) => Ok(ident(w)),
        Some(Token::SingleQuotedString(s)) => Ok(s.clone()),
        other => Err(syntax_error(other)),
    }
}

fn parse_create(toks: &[Token], user: bool) -> SqlResult<RoleStatement> {
    let name = match toks.first() {
        Some(Token::Word(w)) => ident(w),
        other => return Err(syntax_error(other)),
    };
    let mut options = vec![RoleOption::Login(user)];
    options.extend(parse_options(&toks[1..], true)?);
    Ok(RoleStatement::Create { name, options })
}

fn parse_alter(toks: &[Token]) -> SqlResult<RoleStatement> {
    let name = match toks.first() {
        Some(Token::Word(w)) if w.keyword == Keyword::CURRENT_USER => {
            return Err(SqlError::unsupported("ALTER ROLE CURRENT_USER"))
        }
        Some(Token::Word(w)) => ident(w),
        other => return Err(syntax_error(other)),
    };
    let rest = &toks[1..];
    if keyword(rest.first()) == Keyword::RENAME {
        if keyword(rest.get(1)) != Keyword::TO {
            return Err(syntax_error(rest.get(1)));
        }
        let to = role_name(rest.get(2))?;
        if let Some(t) = rest.get(3) {
            return Err(syntax_error(Some(t)));
        }
        return Ok(RoleStatement::Rename { name, to });
    }
    if matches!(
        keyword(rest.first()),
        Keyword::SET | Keyword::RESET | Keyword::IN
    ) {
        return Err(SqlError::unsupported("ALTER ROLE ... SET"));
    }
    Ok(RoleStatement::Alter {
        name,
        options: parse_options(rest, false)?,
    })
}

/// A comma-separated role list at `toks[*at..]`.
fn role_list(toks: &[Token], at: &mut usize) -> SqlResult<Vec<String>> {
    let mut names = vec![role_name(toks.get(*at))?];
    *at += 1;
    while toks.get(*at) == Some(&Token::Comma) {
        names.push(role_name(toks.get(*at + 1))?);
        *at += 2;
    }
    Ok(names)
}

fn parse_options(toks: &[Token], create: bool) -> SqlResult<Vec<RoleOption>> {
    let mut at = usize::from(keyword(toks.first()) == Keyword::WITH);
    let mut options = Vec::new();
    while let Some(t) = toks.get(at) {
        let Token::Word(w) = t else {
            return Err(syntax_error(Some(t)));
        };
        at += 1;
        let word = w.value.to_lowercase();
        let flag = |on: bool| -> Option<RoleOption> {
            let base = word.strip_prefix("no").filter(|_| !on).unwrap_or(&word);
            Some(match base {
                "login" => RoleOption::Login(on),
                "superuser" => RoleOption::Superuser(on),
                "createrole" => RoleOption::CreateRole(on),
                "createdb" => RoleOption::CreateDb(on),
                "inherit" => RoleOption::Inherit(on),
                "replication" => RoleOption::Replication(on),
                "bypassrls" => RoleOption::BypassRls(on),
                _ => return None,
            })
        };
        if let Some(o) =
            flag(true).or_else(|| word.starts_with("no").then(|| flag(false)).flatten())
        {
            options.push(o);
            continue;
        }
        match word.as_str() {
            "encrypted" | "password" => {
                if word == "encrypted" {
                    if keyword(toks.get(at)) != Keyword::PASSWORD {
                        return Err(syntax_error(toks.get(at)));
                    }
                    at += 1;
                }
                options.push(RoleOption::Password(match toks.get(at) {
                    Some(Token::SingleQuotedString(s)) => Some(s.clone()),
                    Some(Token::Word(w)) if w.keyword == Keyword::NULL => None,
                    other => return Err(syntax_error(other)),
                }));
                at += 1;
            }
            "connection" => {
                if keyword(toks.get(at)) != Keyword::LIMIT {
                    return Err(syntax_error(toks.get(at)));
                }
                let (negative, n) = match (toks.get(at + 1), toks.get(at + 2)) {
                    (Some(Token::Minus), Some(Token::Number(n, _))) => (true, n),
                    (Some(Token::Number(n, _)), _) => (false, n),
                    (other, _) => return Err(syntax_error(other)),
                };
                at += if negative { 3 } else { 2 };
                let n: i32 = n
                    .parse()
                    .map_err(|_| SqlError::syntax(format!("syntax error at or near \"{n}\"")))?;
                options.push(RoleOption::ConnectionLimit(if negative { -n } else { n }));
            }
            "valid" => {
                if keyword(toks.get(at)) != Keyword::UNTIL {
                    return Err(syntax_error(toks.get(at)));
                }
                match toks.get(at + 1) {
                    Some(Token::SingleQuotedString(s)) => {
                        options.push(RoleOption::ValidUntil(s.clone()))
                    }
                    other => return Err(syntax_error(other)),
                }
                at += 2;
            }
            "in" if create => {
                if !matches!(keyword(toks.get(at)), Keyword::ROLE | Keyword::GROUP) {
                    return Err(syntax_error(toks.get(at)));
                }
                at += 1;
                options.push(RoleOption::InRole(role_list(toks, &mut at)?));
            }
            "role" | "user" | "admin" if create => {
                let admin = word == "admin";
                options.push(RoleOption::Members(role_list(toks, &mut at)?, admin));
            }
            other => {
                return Err(SqlError::unsupported(format!(
                    "role option {}",
                    other.to_uppercase()
                )))
            }
        }
    }
    Ok(options)
}

fn parse_drop(toks: &[Token]) -> SqlResult<RoleStatement> {
    let if_exists = keyword(toks.first()) == Keyword::IF && keyword(toks.get(1)) == Keyword::EXISTS;
    let toks = if if_exists { &toks[2..] } else { toks };
    let mut names = Vec::new();
    let mut expect_name = true;
    for t in toks {
        match (t, expect_name) {
            (Token::Word(w), true) => {
                names.push(ident(w));
                expect_name = false;
            }
            (Token::Comma, false) => expect_name = true,
            _ => return Err(syntax_error(Some(t))),
        }
    }
    if expect_name {
        return Err(syntax_error(None));
    }
    Ok(RoleStatement::Drop { names, if_exists })
}

/// True if `name` is a role.
pub fn exists(catalog: &Catalog, name: &str) -> bool {
    name == BOOTSTRAP_ROLE || catalog.roles.contains_key(name)
}

/// The role `name` as stored, `postgres`'s defaults if it is not stored.
pub fn role(catalog: &Catalog, name: &str) -> Option<Arc<RoleDef>> {
    match catalog.roles.get(name) {
        Some(r) => Some(r.clone()),
        None if name == BOOTSTRAP_ROLE => Some(Arc::new(RoleDef::bootstrap())),
        None => None,
    }
}

/// Every role, `postgres` first, then by name.
pub fn all(catalog: &Catalog) -> Vec<Arc<RoleDef>> {
    let mut out =
        vec![role(catalog, BOOTSTRAP_ROLE).unwrap_or_else(|| Arc::new(RoleDef::bootstrap()))];
    out.extend(
        catalog
            .roles
            .values()
            .filter(|r| r.name != BOOTSTRAP_ROLE)
            .cloned(),
    );
    out
}

pub fn is_superuser(catalog: &Catalog, name: &str) -> bool {
    name == BOOTSTRAP_ROLE || catalog.roles.get(name).is_some_and(|r| r.superuser)
}

/// The roles whose privileges `name` has: itself and, through INHERIT
/// roles, every role it is a member of (PostgreSQL 15's `roles_is_member_of`
/// with ROLERECURSE_PRIVS).
pub fn privilege_roles(catalog: &Catalog, name: &str) -> Vec<String> {
    member_closure(catalog, name, true)
}

/// `member` is `role` or a member of it, directly or not, inheritance aside
/// (what SET ROLE needs).
pub fn is_member(catalog: &Catalog, member: &str, role: &str) -> bool {
    member_closure(catalog, member, false)
        .iter()
        .any(|r| r == role)
}

/// `member` has the privileges of `role` (for ownership checks).
pub fn has_privileges_of(catalog: &Catalog, member: &str, role: &str) -> bool {
    is_superuser(catalog, member) || privilege_roles(catalog, member).iter().any(|r| r == role)
}

fn member_closure(catalog: &Catalog, name: &str, inherit_only: bool) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut i = 0;
    while i < out.len() {
        if let Some(r) = catalog.roles.get(&out[i]) {
            if !inherit_only || r.inherit {
                for m in &r.member_of {
                    if !out.contains(&m.role) {
                        out.push(m.role.clone());
                    }
                }
            }
        }
        i += 1;
    }
    out
}

fn reserved(name: &str) -> bool {
    name.starts_with("pg_") || name == "public" || name == "none"
}

fn role_mutation(def: &RoleDef) -> SqlResult<Mutation> {
    let json = serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?;
    Ok(Mutation {
        key: role_key(&def.name),
        value: Some(json),
    })
}

fn undefined(name: &str) -> SqlError {
    SqlError::new("42704", format!("role \"{name}\" does not exist"))
}

fn denied(message: String) -> SqlError {
    SqlError::new("42501", message)
}

/// Applies role attributes; `by` is the role running the statement.
fn apply_options(
    catalog: &Catalog,
    def: &mut RoleDef,
    options: &[RoleOption],
    by: &str,
) -> SqlResult<()> {
    let superuser = is_superuser(catalog, by);
    let create_role = superuser || catalog.roles.get(by).is_some_and(|r| r.create_role);
    for o in options {
        let needs_superuser = matches!(
            o,
            RoleOption::Superuser(_) | RoleOption::Replication(_) | RoleOption::BypassRls(_)
        ) || def.superuser;
        if needs_superuser && !superuser {
            let what = match o {
                RoleOption::Replication(_) => "replication users",
                RoleOption::BypassRls(_) => "roles with BYPASSRLS",
                _ => "superusers",
            };
            let verb = if def.oid == 0 { "create" } else { "alter" };
            return Err(denied(format!("must be superuser to {verb} {what}")));
        }
        // A role may change its own password; anything else needs CREATEROLE.
        let own_password = matches!(o, RoleOption::Password(_)) && def.name == by;
        if !create_role && !own_password {
            return Err(denied(if def.oid == 0 {
                "permission denied to create role".into()
            } else {
                "permission denied".into()
            }));
        }
        match o {
            RoleOption::Login(v) => def.login = *v,
            RoleOption::Superuser(v) => def.superuser = *v,
            RoleOption::CreateRole(v) => def.create_role = *v,
            RoleOption::CreateDb(v) => def.create_db = *v,
            RoleOption::Inherit(v) => def.inherit = *v,
            RoleOption::Replication(v) => def.replication = *v,
            RoleOption::BypassRls(v) => def.bypass_rls = *v,
            RoleOption::ConnectionLimit(v) => def.connection_limit = *v,
            RoleOption::Password(p) => {
                def.password = p.as_deref().map(crate::scram_secret::stored_form)
            }
            RoleOption::ValidUntil(v) => def.valid_until = Some(v.clone()),
            RoleOption::InRole(_) | RoleOption::Members(..) => {}
        }
    }
    Ok(())
}

/// CREATE ROLE name [options], run by `by`.
pub fn create_role(
    catalog: &Catalog,
    name: &str,
    options: &[RoleOption],
    by: &str,
) -> SqlResult<Option<DdlChange>> {
    if reserved(name) {
        return Err(SqlError::new(
            "42939",
            format!("role name \"{name}\" is reserved"),
        ));
    }
    if exists(catalog, name) {
        return Err(SqlError::new(
            "42710",
            format!("role \"{name}\" already exists"),
        ));
    }
    let oid = catalog
        .roles
        .values()
        .map(|r| r.oid)
        .max()
        .unwrap_or(0)
        .max(FIRST_ROLE_OID - 1)
        + 1;
    let mut def = RoleDef::new(name, oid);
    let mut probe = def.clone();
    probe.oid = 0;
    apply_options(catalog, &mut probe, options, by)?;
    probe.oid = oid;
    def = probe;
    let mut next = catalog.clone();
    next.roles.insert(name.to_string(), Arc::new(def));
    let mut mutations = Vec::new();
    for o in options {
        match o {
            RoleOption::InRole(roles) => {
                for r in roles {
                    mutations.extend(add_member(&mut next, r, name, false, by)?);
                }
            }
            RoleOption::Members(members, admin) => {
                for m in members {
                    mutations.extend(add_member(&mut next, name, m, *admin, by)?);
                }
            }
            _ => {}
        }
    }
    mutations.push(role_mutation(&next.roles[name])?);
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

/// ALTER ROLE name [WITH] options.
pub fn alter_role(
    catalog: &Catalog,
    name: &str,
    options: &[RoleOption],
    by: &str,
) -> SqlResult<Option<DdlChange>> {
    let current = role(catalog, name).ok_or_else(|| undefined(name))?;
    let mut def = (*current).clone();
    if name == BOOTSTRAP_ROLE
        && options
            .iter()
            .any(|o| matches!(o, RoleOption::Superuser(false) | RoleOption::Login(false)))
    {
        return Err(denied(
            "permission denied to alter role: the bootstrap user must keep its attributes".into(),
        ));
    }
    apply_options(catalog, &mut def, options, by)?;
    let mut next = catalog.clone();
    let m = role_mutation(&def)?;
    next.roles.insert(name.to_string(), Arc::new(def));
    Ok(Some(DdlChange::catalog_only(next, vec![m])))
}

/// ALTER ROLE name RENAME TO new: memberships naming it follow; the
/// privilege catalog's owners and grants are renamed by the caller.
pub fn rename_role(
    catalog: &Catalog,
    name: &str,
    to: &str,
    by: &str,
    session_user: &str,
) -> SqlResult<Catalog> {
    let current = catalog.roles.get(name).cloned();
    let Some(current) = current else {
        if name == BOOTSTRAP_ROLE {
            return Err(denied("cannot rename the bootstrap user".into()));
        }
        return Err(undefined(name));
    };
    if name == session_user {
        return Err(SqlError::new("0A000", "session user cannot be renamed"));
    }
    if reserved(to) {
        return Err(SqlError::new(
            "42939",
            format!("role name \"{to}\" is reserved"),
        ));
    }
    if exists(catalog, to) {
        return Err(SqlError::new(
            "42710",
            format!("role \"{to}\" already exists"),
        ));
    }
    let superuser = is_superuser(catalog, by);
    if !superuser && (current.superuser || !catalog.roles.get(by).is_some_and(|r| r.create_role)) {
        return Err(denied("permission denied to rename role".into()));
    }
    let mut next = catalog.clone();
    next.roles.remove(name);
    let mut def = (*current).clone();
    def.name = to.to_string();
    next.roles.insert(to.to_string(), Arc::new(def));
    for r in next.roles.values_mut() {
        if r.member_of
            .iter()
            .any(|m| m.role == name || m.grantor == name)
        {
            let mut d = (**r).clone();
            for m in &mut d.member_of {
                if m.role == name {
                    m.role = to.to_string();
                }
                if m.grantor == name {
                    m.grantor = to.to_string();
                }
            }
            *r = Arc::new(d);
        }
    }
    Ok(next)
}

/// The catalog mutations that store every role of `after` that differs
/// from `before` (and delete the ones gone).
pub fn role_mutations(before: &Catalog, after: &Catalog) -> SqlResult<Vec<Mutation>> {
    let mut out = Vec::new();
    for (name, r) in &after.roles {
        if before.roles.get(name) != Some(r) {
            out.push(role_mutation(r)?);
        }
    }
    for name in before.roles.keys() {
        if !after.roles.contains_key(name) {
            out.push(Mutation {
                key: role_key(name),
                value: None,
            });
        }
    }
    Ok(out)
}

/// May `by` grant or revoke membership in `role`? (superuser; CREATEROLE
/// for a non-superuser role; or ADMIN OPTION on it.)
fn may_administer(catalog: &Catalog, by: &str, role: &RoleDef) -> bool {
    if is_superuser(catalog, by) {
        return true;
    }
    if role.superuser {
        return false;
    }
    if catalog.roles.get(by).is_some_and(|r| r.create_role) {
        return true;
    }
    catalog.roles.get(by).is_some_and(|r| {
        r.member_of
            .iter()
            .any(|m| m.role == role.name && m.admin_option)
    })
}

/// GRANT role TO member [WITH ADMIN OPTION] in `next`; returns the mutation
/// and leaves a NOTICE-worthy "already a member" as `Ok(None)`.
pub fn add_member(
    next: &mut Catalog,
    role_name: &str,
    member: &str,
    admin: bool,
    by: &str,
) -> SqlResult<Option<Mutation>> {
    let target = role(next, role_name).ok_or_else(|| undefined(role_name))?;
    let member_def = role(next, member).ok_or_else(|| undefined(member))?;
    if !may_administer(next, by, &target) {
        return Err(denied(if target.superuser {
            "must be superuser to alter superusers".into()
        } else {
            format!("must have admin option on role \"{role_name}\"")
        }));
    }
    if member == role_name || is_member(next, role_name, member) {
        return Err(SqlError::new(
            "0LP01",
            format!("role \"{role_name}\" is a member of role \"{member}\""),
        ));
    }
    let mut def = (*member_def).clone();
    let grantor = if is_superuser(next, by) {
        BOOTSTRAP_ROLE
    } else {
        by
    };
    match def.member_of.iter_mut().find(|m| m.role == role_name) {
        Some(m) if m.admin_option || !admin => return Ok(None),
        Some(m) => m.admin_option = true,
        None => def.member_of.push(Membership {
            role: role_name.to_string(),
            admin_option: admin,
            grantor: grantor.to_string(),
        }),
    }
    let m = role_mutation(&def)?;
    next.roles.insert(member.to_string(), Arc::new(def));
    Ok(Some(m))
}

/// REVOKE [ADMIN OPTION FOR] role FROM member; `Ok(None)`: it was not a member.
pub fn remove_member(
    next: &mut Catalog,
    role_name: &str,
    member: &str,
    admin_only: bool,
    by: &str,
) -> SqlResult<Option<Mutation>> {
    let target = role(next, role_name).ok_or_else(|| undefined(role_name))?;
    let member_def = role(next, member).ok_or_else(|| undefined(member))?;
    if !may_administer(next, by, &target) {
        return Err(denied(format!(
            "must have admin option on role \"{role_name}\""
        )));
    }
    let mut def = (*member_def).clone();
    let Some(at) = def.member_of.iter().position(|m| m.role == role_name) else {
        return Ok(None);
    };
    if admin_only {
        def.member_of[at].admin_option = false;
    } else {
        def.member_of.remove(at);
    }
    let m = role_mutation(&def)?;
    next.roles.insert(member.to_string(), Arc::new(def));
    Ok(Some(m))
}

/// DROP ROLE [IF EXISTS] names; `session_user` / `current_user` cannot go,
/// nor a role that owns objects or holds privileges (2BP01, listed in the
/// detail as PostgreSQL does). Memberships in a dropped role go with it.
pub fn drop_roles(
    catalog: &Catalog,
    names: &[String],
    if_exists: bool,
    session_user: &str,
    current_user: &str,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut dropped = Vec::new();
    let superuser = is_superuser(catalog, current_user);
    let create_role = superuser
        || catalog
            .roles
            .get(current_user)
            .is_some_and(|r| r.create_role);
    for name in names {
        if name == current_user {
            return Err(SqlError::new("55006", "current user cannot be dropped"));
        }
        if name == session_user {
            return Err(SqlError::new("55006", "session user cannot be dropped"));
        }
        if name == BOOTSTRAP_ROLE {
            return Err(SqlError::new(
                "55006",
                format!("cannot drop role {name} because it is required by the database system"),
            ));
        }
        let Some(def) = next.roles.get(name).cloned() else {
            if if_exists {
                continue;
            }
            return Err(undefined(name));
        };
        if !create_role || (def.superuser && !superuser) {
            return Err(denied(if def.superuser {
                "must be superuser to drop superusers".into()
            } else {
                "permission denied to drop role".into()
            }));
        }
        let uses = crate::privileges::dependents_of_role(&next, name);
        if !uses.is_empty() {
            return Err(SqlError::new(
                "2BP01",
                format!("role \"{name}\" cannot be dropped because some objects depend on it"),
            )
            .with_detail(uses.join("\n")));
        }
        next.roles.remove(name);
        dropped.push(name.clone());
    }
    if dropped.is_empty() {
        return Ok(None);
    }
    for r in next.roles.values_mut() {
        if r.member_of.iter().any(|m| dropped.contains(&m.role)) {
            let mut d = (**r).clone();
            d.member_of.retain(|m| !dropped.contains(&m.role));
            *r = Arc::new(d);
        }
    }
    let mutations = role_mutations(catalog, &next)?;
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(r: SqlResult<Option<DdlChange>>) -> Catalog {
        match r {
            Ok(Some(c)) => c.catalog,
            Ok(None) => panic!("no change"),
            Err(e) => panic!("refused: {e}"),
        }
    }

    fn state(r: SqlResult<Option<DdlChange>>) -> &'static str {
        match r {
            Ok(Some(_)) => "changed",
            Ok(None) => "unchanged",
            Err(e) => e.sqlstate,
        }
    }

    fn create(sql: &str) -> (String, Vec<RoleOption>) {
        match recognise(sql) {
            Some(Ok(RoleStatement::Create { name, options })) => (name, options),
            _ => panic!("not a CREATE ROLE: {sql}"),
        }
    }

    #[test]
    fn create_and_drop() {
        let (name, options) = create("CREATE USER Regress_U;");
        assert_eq!(name, "regress_u");
        let c = change(create_role(
            &Catalog::default(),
            &name,
            &options,
            "postgres",
        ));
        assert!(exists(&c, "regress_u"));
        assert!(c.roles["regress_u"].login);
        assert_eq!(
            state(create_role(&c, "regress_u", &[], "postgres")),
            "42710"
        );
        assert_eq!(state(create_role(&c, "pg_x", &[], "postgres")), "42939");
        let u = vec!["regress_u".to_string()];
        assert_eq!(
            state(drop_roles(&c, &u, false, "regress_u", "regress_u")),
            "55006"
        );
        // A role without CREATEROLE may not create or drop roles.
        assert_eq!(
            state(create_role(
                &c,
                "x",
                &[RoleOption::Login(false)],
                "regress_u"
            )),
            "42501"
        );
        let c = change(drop_roles(&c, &u, false, "postgres", "postgres"));
        assert!(!exists(&c, "regress_u"));
        assert_eq!(
            state(drop_roles(&c, &u, false, "postgres", "postgres")),
            "42704"
        );
        assert_eq!(
            state(drop_roles(&c, &u, true, "postgres", "postgres")),
            "unchanged"
        );
        assert!(matches!(
            recognise("DROP ROLE IF EXISTS a, b"),
            Some(Ok(RoleStatement::Drop { names, if_exists: true })) if names.len() == 2
        ));
        assert!(recognise("CREATE TABLE t (a int)").is_none());
    }

    #[test]
    fn options_and_membership() {
        let (_, options) = create(
            "CREATE ROLE r WITH SUPERUSER NOINHERIT CONNECTION LIMIT -1 PASSWORD 'pw' VALID UNTIL 'infinity'",
        );
        assert!(options.contains(&RoleOption::Superuser(true)));
        assert!(options.contains(&RoleOption::Inherit(false)));
        assert!(options.contains(&RoleOption::ConnectionLimit(-1)));
        let c = change(create_role(&Catalog::default(), "r", &options, "postgres"));
        let r = &c.roles["r"];
        assert!(r.superuser && !r.inherit);
        let stored = r.password.clone().unwrap_or_default();
        assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
        assert!(matches!(
            recognise("CREATE ROLE r WITH SYSID 5"),
            Some(Err(e)) if e.sqlstate == "0A000"
        ));
        // a ⊂ b ⊂ c: a has c's privileges through INHERIT roles only.
        let mut c = Catalog::default();
        for n in ["a", "b", "c"] {
            c = change(create_role(&c, n, &[], "postgres"));
        }
        add_member(&mut c, "b", "a", false, "postgres").expect("grant b to a");
        add_member(&mut c, "c", "b", false, "postgres").expect("grant c to b");
        assert_eq!(privilege_roles(&c, "a"), ["a", "b", "c"]);
        assert!(matches!(
            add_member(&mut c, "a", "c", false, "postgres"),
            Err(e) if e.sqlstate == "0LP01"
        ));
        assert!(matches!(
            add_member(&mut c, "b", "a", false, "postgres"),
            Ok(None)
        ));
        let mut b = (*c.roles["b"]).clone();
        b.inherit = false;
        c.roles.insert("b".into(), Arc::new(b));
        assert_eq!(privilege_roles(&c, "a"), ["a", "b"]);
        assert!(is_member(&c, "a", "c"));
        assert!(matches!(
            remove_member(&mut c, "b", "a", false, "postgres"),
            Ok(Some(_))
        ));
        assert!(!is_member(&c, "a", "b"));
    }
}
