//! Storage parameters of CREATE TABLE ... WITH (...): Borealis has no
//! heap pages or autovacuum, so the parameters PostgreSQL 15 knows for
//! tables are accepted and ignored (but toast_tuple_target, which
//! `crate::toast` follows), while unknown ones and WITH OIDS get
//! PostgreSQL's errors. `WITHOUT OIDS` after CREATE TABLE's column list
//! (the old spelling of no options) is dropped before parsing.

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use crate::binder::ident_name;
use crate::error::{SqlError, SqlResult};

/// Table parameters of PostgreSQL 15 (reloptions.c, RELOPT_KIND_HEAP).
const HEAP_PARAMETERS: &[&str] = &[
    "fillfactor",
    "toast_tuple_target",
    "parallel_workers",
    "user_catalog_table",
    "log_autovacuum_min_duration",
    "vacuum_index_cleanup",
    "vacuum_truncate",
];

/// Parameters valid both for a table and, as `toast.name`, its TOAST table.
fn is_vacuum_parameter(name: &str) -> bool {
    name.starts_with("autovacuum_")
        && matches!(
            &name["autovacuum_".len()..],
            "enabled"
                | "vacuum_threshold"
                | "vacuum_insert_threshold"
                | "analyze_threshold"
                | "vacuum_cost_delay"
                | "vacuum_cost_limit"
                | "freeze_min_age"
                | "freeze_max_age"
                | "freeze_table_age"
                | "multixact_freeze_min_age"
                | "multixact_freeze_max_age"
                | "multixact_freeze_table_age"
                | "vacuum_scale_factor"
                | "vacuum_insert_scale_factor"
                | "analyze_scale_factor"
        )
        || matches!(
            name,
            "log_autovacuum_min_duration" | "vacuum_index_cleanup" | "vacuum_truncate"
        )
}

/// Checks the WITH (...) list of a CREATE TABLE.
pub fn check_table_options(options: &ast::CreateTableOptions) -> SqlResult<()> {
    let ast::CreateTableOptions::With(list) = options else {
        return Ok(());
    };
    for option in list {
        let (key, value) = match option {
            ast::SqlOption::Ident(name) => (name, None),
            ast::SqlOption::KeyValue { key, value } => (key, Some(value)),
            other => return Err(SqlError::unsupported(format!("table option {other}"))),
        };
        let parts: Vec<String> = key
            .0
            .iter()
            .map(|p| p.as_ident().map(ident_name).unwrap_or_default())
            .collect();
        match parts.as_slice() {
            [namespace, name] if namespace == "toast" => {
                if !is_vacuum_parameter(name) {
                    return Err(unrecognized(name));
                }
            }
            [namespace, _] => {
                return Err(SqlError::new(
                    "22023",
                    format!("unrecognized parameter namespace \"{namespace}\""),
                ))
            }
            [name] if name == "oids" => {
                if !is_false(value) {
                    return Err(SqlError::new(
                        "0A000",
                        "tables declared WITH OIDS are not supported",
                    ));
                }
            }
            [name] if HEAP_PARAMETERS.contains(&name.as_str()) || is_vacuum_parameter(name) => {}
            [name] => return Err(unrecognized(name)),
            _ => return Err(unrecognized(&key.to_string())),
        }
    }
    Ok(())
}

/// The toast_tuple_target a WITH (...) / SET (...) list sets (None: not
/// named), validated as PostgreSQL validates it.
pub fn toast_tuple_target(list: &[ast::SqlOption]) -> SqlResult<Option<u16>> {
    let mut target = None;
    for option in list {
        let ast::SqlOption::KeyValue { key, value } = option else {
            continue;
        };
        let name = match key.0.as_slice() {
            [part] => part.as_ident().map(ident_name).unwrap_or_default(),
            _ => continue,
        };
        if name != "toast_tuple_target" {
            continue;
        }
        let text = match value {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => n.clone(),
                ast::Value::SingleQuotedString(s) => s.clone(),
                other => other.to_string(),
            },
            other => other.to_string(),
        };
        let n: i64 = text.trim().parse().map_err(|_| {
            SqlError::new(
                "22023",
                format!("invalid value for integer option \"{name}\": {text}"),
            )
        })?;
        let (min, max) = (
            crate::toast::TUPLE_TARGET_MIN,
            crate::toast::TUPLE_TARGET_MAX,
        );
        if !(min..=max).contains(&n) {
            return Err(SqlError::new(
                "22023",
                format!("value {text} out of bounds for option \"{name}\""),
            )
            .with_detail(format!("Valid values are between \"{min}\" and \"{max}\".")));
        }
        target = Some(n as u16);
    }
    Ok(target)
}

/// Does a RESET (...) list name toast_tuple_target?
pub fn resets_toast_tuple_target(names: &[ast::ObjectName]) -> bool {
    names.iter().any(|n| match n.0.as_slice() {
        [part] => part.as_ident().map(ident_name).as_deref() == Some("toast_tuple_target"),
        _ => false,
    })
}

fn unrecognized(name: &str) -> SqlError {
    SqlError::new("22023", format!("unrecognized parameter \"{name}\""))
}

/// `oids = false` (or off/0/no): the one accepted form of the oids option.
fn is_false(value: Option<&ast::Expr>) -> bool {
    let text = match value {
        Some(ast::Expr::Value(v)) => match &v.value {
            ast::Value::Boolean(b) => return !b,
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::SingleQuotedString(s) => s.clone(),
            _ => return false,
        },
        Some(ast::Expr::Identifier(i)) => i.value.clone(),
        _ => return false,
    };
    matches!(
        text.to_ascii_lowercase().as_str(),
        "false" | "off" | "no" | "0" | "f" | "n"
    )
}

/// Blanks `WITHOUT OIDS` right after the closing parenthesis of a CREATE
/// TABLE's column list (sqlparser has no production for it; PostgreSQL
/// reads it as no storage parameters).
pub fn strip_without_oids(tokens: &mut [TokenWithSpan]) {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let word = |i: usize| match &tokens[i].token {
        Token::Word(w) if w.quote_style.is_none() => Some((w.keyword, w.value.to_lowercase())),
        _ => None,
    };
    let mut in_create_table = false;
    let mut depth = 0usize;
    let mut blank = Vec::new();
    for (n, &i) in significant.iter().enumerate() {
        match &tokens[i].token {
            Token::SemiColon => {
                in_create_table = false;
                depth = 0;
            }
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                let next = significant.get(n + 1).copied();
                let after = significant.get(n + 2).copied();
                if let (true, 0, Some(a), Some(b)) = (in_create_table, depth, next, after) {
                    let is_without = word(a).is_some_and(|(k, _)| k == Keyword::WITHOUT);
                    let is_oids = word(b).is_some_and(|(_, v)| v == "oids");
                    if is_without && is_oids {
                        blank.extend([a, b]);
                    }
                }
            }
            Token::Word(w) if w.keyword == Keyword::TABLE && w.quote_style.is_none() => {
                let starts_create = significant[..n]
                    .iter()
                    .rev()
                    .take_while(|&&j| !matches!(tokens[j].token, Token::SemiColon))
                    .last()
                    .is_some_and(|&j| word(j).is_some_and(|(k, _)| k == Keyword::CREATE));
                in_create_table |= starts_create;
            }
            _ => {}
        }
    }
    for i in blank {
        tokens[i].token = Token::Whitespace(Whitespace::Space);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn stripped(sql: &str) -> String {
        let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .expect("tokens");
        strip_without_oids(&mut tokens);
        let text: String = tokens.iter().map(|t| t.token.to_string()).collect();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn without_oids_is_dropped_only_after_a_create_table_column_list() {
        assert_eq!(
            stripped("CREATE TEMP TABLE w() WITHOUT OIDS; DROP TABLE w"),
            "CREATE TEMP TABLE w() ; DROP TABLE w"
        );
        assert_eq!(
            stripped("create table w (a int) without oids"),
            "create table w (a int)"
        );
        // Elsewhere it stays, for the parser to refuse.
        assert_eq!(
            stripped("SELECT (1) WITHOUT OIDS"),
            "SELECT (1) WITHOUT OIDS"
        );
        assert_eq!(
            stripped("CREATE TABLE w (a int CHECK ((a) WITHOUT OIDS))"),
            "CREATE TABLE w (a int CHECK ((a) WITHOUT OIDS))"
        );
    }
}
