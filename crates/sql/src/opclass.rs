//! Operator classes for the btree and hash access methods: CREATE and
//! DROP OPERATOR CLASS, their catalog entries, the built-in classes a
//! partition key may name, and the lookup that resolves a key element's
//! class — its type check and, for hash partitioning, the support
//! function 2 (`f(value, seed) -> int8`) that routing calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::binder::{ident_name, object_name};
use crate::catalog::Catalog;
use crate::ddl::DdlChange;
use crate::encoding::CATALOG_PREFIX;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;
use crate::types::{ColType, SqlType};

/// Catalog tag of an operator class entry (`OpClassDef`).
pub const OPCLASS_TAG: u8 = b'K';

/// The index access methods operator classes are made for here.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum AccessMethod {
    Btree,
    Hash,
}

impl AccessMethod {
    pub fn name(self) -> &'static str {
        match self {
            AccessMethod::Btree => "btree",
            AccessMethod::Hash => "hash",
        }
    }

    /// pg_am.oid.
    pub fn oid(self) -> i64 {
        match self {
            AccessMethod::Btree => 403,
            AccessMethod::Hash => 405,
        }
    }

    fn parse(name: &str) -> SqlResult<AccessMethod> {
        match name {
            "btree" => Ok(AccessMethod::Btree),
            "hash" => Ok(AccessMethod::Hash),
            "gist" | "gin" | "spgist" | "brin" => Err(SqlError::unsupported(format!(
                "operator classes for access method \"{name}\""
            ))),
            other => Err(SqlError::new(
                "42704",
                format!("access method \"{other}\" does not exist"),
            )),
        }
    }
}

/// `FUNCTION n name(argtypes)` of an operator class.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SupportFunction {
    pub number: u64,
    pub function: String,
    pub arg_types: Vec<ColType>,
}

/// A user-defined operator class (pg_opclass).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpClassDef {
    pub oid: u32,
    pub name: String,
    pub method: AccessMethod,
    /// The indexed type (opcintype).
    pub ty: ColType,
    pub is_default: bool,
    /// `OPERATOR n op`: strategy number and operator name.
    pub operators: Vec<(u64, String)>,
    pub functions: Vec<SupportFunction>,
}

impl OpClassDef {
    pub fn support_function(&self, number: u64) -> Option<&SupportFunction> {
        self.functions.iter().find(|f| f.number == number)
    }
}

/// The catalog map key of a class: names are unique per access method.
pub fn map_key(method: AccessMethod, name: &str) -> String {
    format!("{}:{name}", method.name())
}

fn entry_key(method: AccessMethod, name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG_PREFIX, OPCLASS_TAG];
    k.extend_from_slice(map_key(method, name).as_bytes());
    k
}

/// Reads a stored entry into the catalog's map.
pub fn load_entry(map: &mut BTreeMap<String, Arc<OpClassDef>>, value: &[u8]) -> SqlResult<()> {
    let def: OpClassDef = serde_json::from_slice(value)
        .map_err(|e| SqlError::internal(format!("corrupt catalog entry operator class: {e}")))?;
    map.insert(map_key(def.method, &def.name), Arc::new(def));
    Ok(())
}

/// PostgreSQL 15's built-in classes a partition key may name: (access
/// method, class, the types it accepts).
const BUILT_IN: &[(AccessMethod, &str, &[SqlType])] = {
    use AccessMethod::{Btree, Hash};
    use SqlType as T;
    const INTEGERS: &[SqlType] = &[T::Int2, T::Int4, T::Int8];
    const TEXTS: &[SqlType] = &[T::Text, T::Varchar, T::Bpchar];
    &[
        (Btree, "bool_ops", &[T::Bool]),
        (Hash, "bool_ops", &[T::Bool]),
        (Btree, "int2_ops", INTEGERS),
        (Btree, "int4_ops", INTEGERS),
        (Btree, "int8_ops", INTEGERS),
        (Hash, "int2_ops", INTEGERS),
        (Hash, "int4_ops", INTEGERS),
        (Hash, "int8_ops", INTEGERS),
        (Btree, "oid_ops", &[T::Int4, T::Oid]),
        (Hash, "oid_ops", &[T::Int4, T::Oid]),
        (Btree, "float4_ops", &[T::Float4, T::Float8]),
        (Btree, "float8_ops", &[T::Float4, T::Float8]),
        (Hash, "float4_ops", &[T::Float4, T::Float8]),
        (Hash, "float8_ops", &[T::Float4, T::Float8]),
        (Btree, "numeric_ops", &[T::Numeric]),
        (Hash, "numeric_ops", &[T::Numeric]),
        (Btree, "text_ops", TEXTS),
        (Hash, "text_ops", TEXTS),
        (Btree, "text_pattern_ops", TEXTS),
        (Btree, "varchar_ops", TEXTS),
        (Btree, "bpchar_ops", &[T::Bpchar]),
        (Hash, "bpchar_ops", &[T::Bpchar]),
        (Btree, "bytea_ops", &[T::Bytea]),
        (Hash, "bytea_ops", &[T::Bytea]),
        (Btree, "date_ops", &[T::Date]),
        (Hash, "date_ops", &[T::Date]),
        (Btree, "time_ops", &[T::Time]),
        (Hash, "time_ops", &[T::Time]),
        (Btree, "timestamp_ops", &[T::Timestamp]),
        (Hash, "timestamp_ops", &[T::Timestamp]),
        (Btree, "timestamptz_ops", &[T::TimestampTz]),
        (Hash, "timestamptz_ops", &[T::TimestampTz]),
        (Btree, "interval_ops", &[T::Interval]),
        (Hash, "interval_ops", &[T::Interval]),
        (Btree, "uuid_ops", &[T::Uuid]),
        (Hash, "uuid_ops", &[T::Uuid]),
    ]
};

/// The default class's name for a type, as pg_get_partkeydef leaves it out.
fn default_name(ty: SqlType) -> Option<&'static str> {
    Some(match ty {
        SqlType::Bool => "bool_ops",
        SqlType::Int2 => "int2_ops",
        SqlType::Int4 => "int4_ops",
        SqlType::Int8 => "int8_ops",
        SqlType::Oid => "oid_ops",
        SqlType::Float4 => "float4_ops",
        SqlType::Float8 => "float8_ops",
        SqlType::Numeric => "numeric_ops",
        SqlType::Text | SqlType::Varchar => "text_ops",
        SqlType::Bpchar => "bpchar_ops",
        SqlType::Bytea => "bytea_ops",
        SqlType::Date => "date_ops",
        SqlType::Time => "time_ops",
        SqlType::Timestamp => "timestamp_ops",
        SqlType::TimestampTz => "timestamptz_ops",
        SqlType::Interval => "interval_ops",
        SqlType::Uuid => "uuid_ops",
        _ => return None,
    })
}

/// Checks that class `name` of `method` exists and accepts `ty`; returns
/// whether it is the type's default class (pg_get_partkeydef omits those).
pub fn check_key_class(
    catalog: &Catalog,
    method: AccessMethod,
    name: &str,
    ty: ColType,
) -> SqlResult<bool> {
    if let Some(def) = catalog.opclasses.get(&map_key(method, name)) {
        if def.ty.ty != ty.ty {
            return Err(does_not_accept(name, ty));
        }
        return Ok(def.is_default);
    }
    let Some((_, _, types)) = BUILT_IN.iter().find(|(m, n, _)| *m == method && *n == name) else {
        return Err(SqlError::new(
            "42704",
            format!(
                "operator class \"{name}\" does not exist for access method \"{}\"",
                method.name()
            ),
        ));
    };
    if !types.contains(&ty.ty) {
        return Err(does_not_accept(name, ty));
    }
    Ok(default_name(ty.ty) == Some(name))
}

fn does_not_accept(name: &str, ty: ColType) -> SqlError {
    SqlError::new(
        "42804",
        format!(
            "operator class \"{name}\" does not accept data type {}",
            ty.display()
        ),
    )
}

/// The user function a hash class routes by (support function 2), if the
/// class is user-defined.
pub fn hash_support_function(catalog: &Catalog, class: &str) -> Option<SupportFunction> {
    catalog
        .opclasses
        .get(&map_key(AccessMethod::Hash, class))
        .and_then(|d| d.support_function(2).cloned())
}

fn function_exists(catalog: &Catalog, name: &str, args: &[ColType]) -> bool {
    catalog.functions.get(name).is_some_and(|list| {
        list.iter().any(|f| {
            let ins: Vec<SqlType> = f.input_args().map(|a| a.ty.ty).collect();
            ins == args.iter().map(|t| t.ty).collect::<Vec<_>>()
        })
    })
}

/// CREATE OPERATOR CLASS name [DEFAULT] FOR TYPE t USING btree|hash AS ...
pub fn create_operator_class(
    catalog: &Catalog,
    co: &ast::CreateOperatorClass,
    id: u32,
) -> SqlResult<Option<DdlChange>> {
    let name = object_name(&co.name)?;
    let method = AccessMethod::parse(&ident_name(&co.using))?;
    if catalog.opclasses.contains_key(&map_key(method, &name)) {
        return Err(SqlError::new(
            "42710",
            format!(
                "operator class \"{name}\" for access method \"{}\" already exists",
                method.name()
            ),
        ));
    }
    let ty = crate::user_types::resolve(catalog, &co.for_type)?;
    let mut operators = Vec::new();
    let mut functions = Vec::new();
    let max_strategy = match method {
        AccessMethod::Btree => 5,
        AccessMethod::Hash => 1,
    };
    for item in &co.items {
        match item {
            ast::OperatorClassItem::Operator {
                strategy_number,
                operator_name,
                ..
            } => {
                if *strategy_number == 0 || *strategy_number > max_strategy {
                    return Err(SqlError::new(
                        "42P17",
                        format!(
                            "invalid operator number {strategy_number}, must be between 1 and {max_strategy}"
                        ),
                    ));
                }
                operators.push((*strategy_number, operator_name.to_string()));
            }
            ast::OperatorClassItem::Function {
                support_number,
                function_name,
                argument_types,
                ..
            } => {
                let arg_types = argument_types
                    .iter()
                    .map(|t| crate::user_types::resolve(catalog, t))
                    .collect::<SqlResult<Vec<_>>>()?;
                let function = function_name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(ident_name)
                    .ok_or_else(|| SqlError::syntax("syntax error at or near \"FUNCTION\""))?;
                if !function_exists(catalog, &function, &arg_types) {
                    let sig = arg_types
                        .iter()
                        .map(|t| t.ty.display_name())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(SqlError::new(
                        "42883",
                        format!("function {function}({sig}) does not exist"),
                    ));
                }
                functions.push(SupportFunction {
                    number: *support_number,
                    function,
                    arg_types,
                });
            }
            ast::OperatorClassItem::Storage { .. } => {
                return Err(SqlError::unsupported("STORAGE in an operator class"))
            }
        }
    }
    let def = OpClassDef {
        oid: 16384 + 512 * id,
        name: name.clone(),
        method,
        ty,
        is_default: co.default,
        operators,
        functions,
    };
    let mut next = catalog.clone();
    next.next_table_id = next.next_table_id.max(id + 1);
    let value = serde_json::to_vec(&def).map_err(|e| SqlError::internal(e.to_string()))?;
    next.opclasses.insert(map_key(method, &name), Arc::new(def));
    let mutations = vec![
        Mutation {
            key: entry_key(method, &name),
            value: Some(value),
        },
        Catalog::next_id_mutation(next.next_table_id),
    ];
    Ok(Some(DdlChange::catalog_only(next, mutations)))
}

/// The partitioned tables whose key uses class `name` of `method`.
fn dependent_tables(catalog: &Catalog, method: AccessMethod, name: &str) -> Vec<String> {
    catalog
        .tables
        .values()
        .filter(|t| {
            t.partitioning.key.as_ref().is_some_and(|k| {
                let key_method = match k.strategy {
                    crate::partition::Strategy::Hash => AccessMethod::Hash,
                    _ => AccessMethod::Btree,
                };
                key_method == method && k.opclasses.iter().any(|c| c.as_deref() == Some(name))
            })
        })
        .map(|t| t.name.clone())
        .collect()
}

/// DROP OPERATOR CLASS [IF EXISTS] name, ... USING method [RESTRICT];
/// returns the change and the notices to send.
pub fn drop_operator_class(
    catalog: &Catalog,
    d: &ast::DropOperatorClass,
) -> SqlResult<(Option<DdlChange>, Vec<SqlError>)> {
    let method = AccessMethod::parse(&ident_name(&d.using))?;
    if matches!(d.drop_behavior, Some(ast::DropBehavior::Cascade)) {
        return Err(SqlError::unsupported("DROP OPERATOR CLASS ... CASCADE"));
    }
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut notices = Vec::new();
    for n in &d.names {
        let name = object_name(n)?;
        let key = map_key(method, &name);
        if !next.opclasses.contains_key(&key) {
            let what = format!(
                "operator class \"{name}\" does not exist for access method \"{}\"",
                method.name()
            );
            if d.if_exists {
                let mut notice = SqlError::new("00000", format!("{what}, skipping"));
                notice.severity = "NOTICE";
                notices.push(notice);
                continue;
            }
            return Err(SqlError::new("42704", what));
        }
        if let Some(table) = dependent_tables(&next, method, &name).first() {
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop operator class {name} for access method {} because other objects depend on it",
                    method.name()
                ),
            )
            .with_detail(format!(
                "table {table} depends on operator class {name} for access method {}",
                method.name()
            ))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        next.opclasses.remove(&key);
        mutations.push(Mutation {
            key: entry_key(method, &name),
            value: None,
        });
    }
    if mutations.is_empty() {
        return Ok((None, notices));
    }
    Ok((Some(DdlChange::catalog_only(next, mutations)), notices))
}

/// pg_opclass rows of the user-defined classes: (oid, method oid, name,
/// input type oid, default).
pub fn pg_opclass_rows(catalog: &Catalog) -> Vec<(i64, i64, String, i64, bool)> {
    catalog
        .opclasses
        .values()
        .map(|d| {
            (
                d.oid as i64,
                d.method.oid(),
                d.name.clone(),
                d.ty.ty.oid() as i64,
                d.is_default,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_classes_check_their_types() {
        let cat = Catalog::default();
        let int4 = SqlType::Int4.plain();
        assert_eq!(
            check_key_class(&cat, AccessMethod::Btree, "int4_ops", int4),
            Ok(true)
        );
        assert_eq!(
            check_key_class(&cat, AccessMethod::Btree, "oid_ops", int4),
            Ok(false)
        );
        let missing = check_key_class(&cat, AccessMethod::Btree, "point_ops", int4)
            .expect_err("no such class");
        assert_eq!(
            missing.message,
            "operator class \"point_ops\" does not exist for access method \"btree\""
        );
        let wrong = check_key_class(&cat, AccessMethod::Hash, "text_ops", int4)
            .expect_err("text class on an int");
        assert_eq!(wrong.sqlstate, "42804");
    }
}
