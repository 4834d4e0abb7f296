//! Views: CREATE [OR REPLACE] VIEW, ALTER VIEW (column defaults, options,
//! RENAME TO) and DROP VIEW [IF EXISTS]. A view is its query text
//! (sqlparser's canonical rendering), output column names and options,
//! stored under `0x00 'V' <name>` and expanded like a derived table each
//! time a query names it (no dependency tracking: a view over a dropped
//! table fails when used). Writes through views: `crate::view_dml`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::binder::{ident_name, object_name, Binder};
use crate::catalog::{view_key, Catalog};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ViewDef {
    pub name: String,
    /// The SELECT, as text.
    pub query: String,
    /// Output column names (the CREATE VIEW column list applied).
    pub columns: Vec<String>,
    /// Output column types, as display names (OR REPLACE compatibility).
    pub types: Vec<String>,
    /// `WITH [LOCAL | CASCADED] CHECK OPTION` (or the `check_option` option).
    #[serde(default)]
    pub check_option: Option<CheckOption>,
    /// The `security_barrier` option (accepted; every view is planned alike).
    #[serde(default)]
    pub security_barrier: bool,
    /// Per output column, the default set by `ALTER VIEW ... ALTER COLUMN
    /// ... SET DEFAULT` (expression text); applies to INSERTs through the view.
    #[serde(default)]
    pub defaults: Vec<Option<String>>,
    /// Where the view's (INSTEAD OF) triggers are stored, once it has any:
    /// an id from the table-id counter (see `crate::routine::instead_of`).
    #[serde(default)]
    pub trigger_id: Option<u32>,
    /// The view's rewrite rules, in name order (see `crate::rules`).
    #[serde(default)]
    pub rules: Vec<crate::rules::RuleDef>,
}

/// Which view conditions a write through the view must satisfy.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum CheckOption {
    /// This view's own condition (and those of underlying views with their own option).
    Local,
    /// This view's condition and those of every view under it.
    Cascaded,
}

/// `security_barrier` and `check_option` from `WITH (...)`.
fn view_options(options: &ast::CreateTableOptions) -> SqlResult<(Option<CheckOption>, bool)> {
    let list = match options {
        ast::CreateTableOptions::None => return Ok((None, false)),
        ast::CreateTableOptions::With(list) => list,
        _ => return Err(SqlError::unsupported("this form of view options")),
    };
    let mut check = None;
    let mut barrier = false;
    for o in list {
        let (key, value) = match o {
            ast::SqlOption::KeyValue { key, value } => (key.to_string(), Some(value)),
            ast::SqlOption::Ident(key) => (key.to_string(), None),
            _ => return Err(SqlError::unsupported("this view option")),
        };
        let text = value.map(|v| match v {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => s.to_lowercase(),
                other => other.to_string().to_lowercase(),
            },
            other => other.to_string().to_lowercase(),
        });
        match key.to_lowercase().as_str() {
            "check_option" => {
                check = match text.as_deref() {
                    Some("local") => Some(CheckOption::Local),
                    Some("cascaded") => Some(CheckOption::Cascaded),
                    _ => {
                        return Err(SqlError::new(
                            "22023",
                            "invalid value for enum option \"check_option\": ".to_string()
                                + text.as_deref().unwrap_or(""),
                        )
                        .with_detail("Valid values are \"local\" and \"cascaded\"."))
                    }
                }
            }
            "security_barrier" => {
                barrier = match text.as_deref() {
                    None | Some("true" | "on" | "1" | "yes") => true,
                    Some("false" | "off" | "0" | "no") => false,
                    Some(v) => {
                        return Err(SqlError::new(
                            "22023",
                            format!("invalid value for boolean option \"security_barrier\": {v}"),
                        ))
                    }
                }
            }
            "security_invoker" => {}
            other => {
                return Err(SqlError::new(
                    "22023",
                    format!("unrecognized parameter \"{other}\""),
                ))
            }
        }
    }
    Ok((check, barrier))
}

fn change(catalog: Catalog, mutations: Vec<Mutation>) -> Option<DdlChange> {
    Some(DdlChange {
        catalog,
        mutations,
        created_sequences: vec![],
        dropped_sequences: vec![],
        validations: vec![],
        backfill: vec![],
        rekey: None,
    })
}

pub fn create_view(
    catalog: &Catalog,
    cv: &ast::CreateView,
    sql: &str,
) -> SqlResult<Option<DdlChange>> {
    if cv.materialized || cv.temporary || cv.or_alter || cv.to.is_some() {
        return Err(SqlError::unsupported("this form of CREATE VIEW"));
    }
    let name = object_name(&cv.name)?;
    if catalog.tables.contains_key(&name) || catalog.sequences.contains_key(&name) {
        if cv.or_replace {
            return Err(SqlError::new("42809", format!("\"{name}\" is not a view")));
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let old = catalog.views.get(&name).cloned();
    if old.is_some() && !cv.or_replace {
        if cv.if_not_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let qp = {
        let mut b = Binder::new(catalog, sql, vec![]);
        b.bind_query(&cv.query)?
    };
    if cv.columns.len() > qp.columns.len() {
        return Err(SqlError::syntax(
            "CREATE VIEW specifies more column names than columns",
        ));
    }
    let mut columns: Vec<String> = qp.columns.iter().map(|c| c.name.clone()).collect();
    for (c, n) in columns.iter_mut().zip(&cv.columns) {
        *c = ident_name(&n.name);
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{c}\" specified more than once"),
            ));
        }
    }
    let types: Vec<String> = qp.columns.iter().map(|c| c.ty.display()).collect();
    if let Some(old) = &old {
        if columns.len() < old.columns.len() {
            return Err(SqlError::new("42P16", "cannot drop columns from view"));
        }
        for i in 0..old.columns.len() {
            if old.columns[i] != columns[i] {
                return Err(SqlError::new(
                    "42P16",
                    format!(
                        "cannot change name of view column \"{}\" to \"{}\"",
                        old.columns[i], columns[i]
                    ),
                )
                .with_hint(
                    "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
                ));
            }
            if old.types[i] != types[i] {
                return Err(SqlError::new(
                    "42P16",
                    format!(
                        "cannot change data type of view column \"{}\" from {} to {}",
                        columns[i], old.types[i], types[i]
                    ),
                ));
            }
        }
    }
    let (check_option, security_barrier) = view_options(&cv.options)?;
    if check_option.is_some() {
        crate::view_dml::check_option_allowed(catalog, &cv.query)?;
    }
    // Defaults survive OR REPLACE for the columns that remain.
    let mut defaults = old.as_ref().map(|o| o.defaults.clone()).unwrap_or_default();
    defaults.resize(columns.len(), None);
    let def = ViewDef {
        name: name.clone(),
        query: cv.query.to_string(),
        columns,
        types,
        check_option,
        security_barrier,
        defaults,
        trigger_id: old.as_ref().and_then(|o| o.trigger_id),
        rules: old.as_ref().map(|o| o.rules.clone()).unwrap_or_default(),
    };
    let json = serde_json::to_vec(&def).map_err(|e| SqlError::internal(e.to_string()))?;
    let mut next = catalog.clone();
    next.views.insert(name.clone(), Arc::new(def));
    Ok(change(
        next,
        vec![Mutation {
            key: view_key(&name),
            value: Some(json),
        }],
    ))
}

pub fn drop_view(
    catalog: &Catalog,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> SqlResult<Option<DdlChange>> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    for n in names {
        let name = object_name(n)?;
        if let Some(def) = next.views.get(&name).cloned() {
            mutations.extend(crate::routine::instead_of::drop_all_view_triggers(
                &mut next, &def,
            ));
        }
        if next.views.remove(&name).is_none() {
            if next.tables.contains_key(&name) {
                return Err(SqlError::new("42809", format!("\"{name}\" is not a view"))
                    .with_hint("Use DROP TABLE to remove a table."));
            }
            if if_exists {
                continue;
            }
            return Err(SqlError::new(
                "42P01",
                format!("view \"{name}\" does not exist"),
            ));
        }
        mutations.push(Mutation {
            key: view_key(&name),
            value: None,
        });
    }
    if mutations.is_empty() {
        return Ok(None);
    }
    Ok(change(next, mutations))
}

/// Whether an ALTER TABLE / ALTER VIEW names a view.
pub fn targets_view(catalog: &Catalog, at: &ast::AlterTable) -> bool {
    object_name(&at.name).is_ok_and(|n| catalog.views.contains_key(&n))
}

/// ALTER VIEW (or ALTER TABLE on a view): column defaults, `SET (...)`
/// options, RENAME TO.
pub fn alter_view(catalog: &Catalog, at: &ast::AlterTable) -> SqlResult<Option<DdlChange>> {
    let name = object_name(&at.name)?;
    let Some(old) = catalog.views.get(&name) else {
        return Err(SqlError::new(
            "42P01",
            format!("relation \"{name}\" does not exist"),
        ));
    };
    let mut def = (**old).clone();
    def.defaults.resize(def.columns.len(), None);
    let mut new_name = name.clone();
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AlterColumn { column_name, op } => {
                let col = ident_name(column_name);
                let i = def.columns.iter().position(|c| *c == col).ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column \"{col}\" of relation \"{}\" does not exist",
                            def.name
                        ),
                    )
                })?;
                def.defaults[i] = match op {
                    ast::AlterColumnOperation::SetDefault { value } => Some(value.to_string()),
                    ast::AlterColumnOperation::DropDefault => None,
                    _ => {
                        return Err(SqlError::unsupported(
                            "this ALTER VIEW ... ALTER COLUMN form",
                        ))
                    }
                };
            }
            ast::AlterTableOperation::SetOptionsParens { options } => {
                let (check, barrier) =
                    view_options(&ast::CreateTableOptions::With(options.clone()))?;
                let mentions = |key: &str| {
                    options.iter().any(|o| match o {
                        ast::SqlOption::KeyValue { key: k, .. } | ast::SqlOption::Ident(k) => {
                            k.to_string().eq_ignore_ascii_case(key)
                        }
                        _ => false,
                    })
                };
                if mentions("check_option") {
                    def.check_option = check;
                }
                if mentions("security_barrier") {
                    def.security_barrier = barrier;
                }
            }
            ast::AlterTableOperation::RenameTable {
                table_name: ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n),
            } => {
                let target = object_name(n)?;
                let bare = target.rsplit('.').next().unwrap_or(&target).to_string();
                // The new name stays in the view's schema.
                new_name = match name.rsplit_once('.') {
                    Some((schema, _)) => format!("{schema}.{bare}"),
                    None => bare,
                };
                if catalog.views.contains_key(&new_name)
                    || catalog.tables.contains_key(&new_name)
                    || catalog.sequences.contains_key(&new_name)
                {
                    return Err(SqlError::new(
                        "42P07",
                        format!("relation \"{new_name}\" already exists"),
                    ));
                }
            }
            _ => return Err(SqlError::unsupported("this form of ALTER VIEW")),
        }
    }
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    if new_name != name {
        next.views.remove(&name);
        mutations.push(Mutation {
            key: view_key(&name),
            value: None,
        });
        def.name = new_name.clone();
    }
    let json = serde_json::to_vec(&def).map_err(|e| SqlError::internal(e.to_string()))?;
    next.views.insert(new_name.clone(), Arc::new(def));
    mutations.push(Mutation {
        key: view_key(&new_name),
        value: Some(json),
    });
    Ok(change(next, mutations))
}
