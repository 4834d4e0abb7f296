//! Storage parameters of CREATE TABLE ... WITH (...): Borealis has no
//! heap pages or autovacuum, so the parameters PostgreSQL 15 knows for
//! tables are accepted and ignored, while unknown ones and WITH OIDS get
//! PostgreSQL's errors.

use sqlparser::ast;

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
