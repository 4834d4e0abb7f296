//! Roles: CREATE ROLE / USER / GROUP and DROP ROLE / USER / GROUP as
//! catalog changes (transactional like other DDL, stored versioned under
//! their own catalog key), so that SET SESSION AUTHORIZATION can switch to
//! them and `current_user` / `session_user` report them.
//!
//! What is deliberately absent, and refused rather than ignored: there are
//! no privileges (GRANT/REVOKE fail with 0A000, every role may do
//! everything) and no object ownership (objects record no owner, so DROP
//! ROLE never finds dependent objects); a role cannot log in (the endpoint
//! authenticates its one configured user), so options that only matter for
//! logging in or privileges (PASSWORD, SUPERUSER, CREATEDB, ...) are refused
//! with 0A000. The bootstrap role `postgres` always exists.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer, Word};

use crate::catalog::{role_key, Catalog};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

/// The role every session starts as.
pub const BOOTSTRAP_ROLE: &str = "postgres";

/// A stored role (JSON, versioned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDef {
    pub version: u32,
    pub name: String,
    /// CREATE USER / LOGIN (recorded; logging in as it is not supported).
    pub login: bool,
}

/// A role statement recognised from its tokens (sqlparser 0.64 parses
/// CREATE USER in Snowflake's syntax).
pub enum RoleStatement {
    Create { name: String, login: bool },
    Drop { names: Vec<String>, if_exists: bool },
}

fn syntax_error(near: Option<&Token>) -> SqlError {
    match near {
        Some(t) => SqlError::syntax(format!("syntax error at or near \"{t}\"")),
        None => SqlError::syntax("syntax error at end of input"),
    }
}

fn keyword(t: Option<&Token>) -> Keyword {
    match t {
        Some(Token::Word(w)) => w.keyword,
        _ => Keyword::NoKeyword,
    }
}

fn ident(w: &Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_lowercase()
    }
}

/// The role statement in `sql`, if it is one (a single statement).
pub fn recognise(sql: &str) -> Option<SqlResult<RoleStatement>> {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?
        .to_ascii_lowercase();
    if !matches!(first.as_str(), "create" | "drop") {
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
        _ => parse_drop(&toks[2..]),
    })
}

fn parse_create(toks: &[Token], user: bool) -> SqlResult<RoleStatement> {
    let name = match toks.first() {
        Some(Token::Word(w)) => ident(w),
        other => return Err(syntax_error(other)),
    };
    let mut login = user;
    let mut rest = &toks[1..];
    if keyword(rest.first()) == Keyword::WITH {
        rest = &rest[1..];
    }
    for t in rest {
        let Token::Word(w) = t else {
            return Err(syntax_error(Some(t)));
        };
        match w.value.to_lowercase().as_str() {
            "login" => login = true,
            "nologin" => login = false,
            // Privilege inheritance: without privileges, nothing to inherit.
            "inherit" | "noinherit" => {}
            other => {
                return Err(SqlError::unsupported(format!(
                    "CREATE ROLE option {}",
                    other.to_uppercase()
                )))
            }
        }
    }
    Ok(RoleStatement::Create { name, login })
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

fn reserved(name: &str) -> bool {
    name.starts_with("pg_") || name == "public" || name == "none"
}

/// CREATE ROLE name.
pub fn create_role(catalog: &Catalog, name: &str, login: bool) -> SqlResult<Option<DdlChange>> {
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
    let def = RoleDef {
        version: 1,
        name: name.to_string(),
        login,
    };
    let json = serde_json::to_vec(&def).map_err(|e| SqlError::internal(e.to_string()))?;
    let mut next = catalog.clone();
    next.roles.insert(name.to_string(), Arc::new(def));
    Ok(Some(DdlChange::catalog_only(
        next,
        vec![Mutation {
            key: role_key(name),
            value: Some(json),
        }],
    )))
}

/// DROP ROLE [IF EXISTS] names; `session_user` / `current_user` cannot go.
pub fn drop_roles(
    catalog: &Catalog,
    names: &[String],
    if_exists: bool,
    session_user: &str,
    current_user: &str,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
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
        if next.roles.remove(name).is_none() {
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42704",
                format!("role \"{name}\" does not exist"),
            ));
        }
        mutations.push(Mutation {
            key: role_key(name),
            value: None,
        });
    }
    if mutations.is_empty() {
        return Ok(None);
    }
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

    #[test]
    fn create_and_drop() {
        let Some(Ok(RoleStatement::Create { name, login })) = recognise("CREATE USER Regress_U;")
        else {
            panic!("not recognised");
        };
        assert_eq!((name.as_str(), login), ("regress_u", true));
        let c = change(create_role(&Catalog::default(), &name, login));
        assert!(exists(&c, "regress_u"));
        assert_eq!(state(create_role(&c, "regress_u", false)), "42710");
        assert_eq!(state(create_role(&c, "pg_x", false)), "42939");
        let u = vec!["regress_u".to_string()];
        assert_eq!(
            state(drop_roles(&c, &u, false, "regress_u", "regress_u")),
            "55006"
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
            recognise("CREATE ROLE r WITH SUPERUSER"),
            Some(Err(e)) if e.sqlstate == "0A000"
        ));
        assert!(matches!(
            recognise("DROP ROLE IF EXISTS a, b"),
            Some(Ok(RoleStatement::Drop { names, if_exists: true })) if names.len() == 2
        ));
        assert!(recognise("CREATE TABLE t (a int)").is_none());
    }
}
