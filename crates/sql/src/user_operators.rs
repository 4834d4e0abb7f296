//! User-defined operators: `CREATE OPERATOR name (FUNCTION = f, LEFTARG =
//! t, RIGHTARG = t, COMMUTATOR = op, NEGATOR = op, RESTRICT = f, JOIN = f,
//! HASHES, MERGES)` and `DROP OPERATOR [IF EXISTS] name (left, right)`.
//! An operator is its function applied to its operands: the binder looks
//! one up by name and operand types (`find`, before the built-in
//! operators) and binds it as a call of the function. Definitions are
//! stored in the versioned catalog (`0x00 'O' <left oid> <right oid>
//! <name>`, one entry per operator; a prefix operator has left oid 0) and
//! listed in pg_operator. COMMUTATOR, NEGATOR, RESTRICT and JOIN are
//! recorded for the catalog only: the planner does not use them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::catalog::Catalog;
use crate::datum::Datum;
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::store::Mutation;
use crate::types::SqlType;

/// Catalog key tag of a user-defined operator.
pub const OPERATOR_TAG: u8 = b'O';

/// Characters an operator name may use (PostgreSQL's `Op` token).
const OPERATOR_CHARS: &str = "+-*/<>=~!@#%^&|`?";

/// One user-defined operator (a pg_operator row).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OperatorDef {
    /// Drawn from the table-id counter.
    pub oid: u32,
    pub name: String,
    /// None for a prefix operator.
    pub left: Option<SqlType>,
    pub right: SqlType,
    /// The function computing the result, and its result type.
    pub function: String,
    pub result: SqlType,
    pub commutator: Option<String>,
    pub negator: Option<String>,
    pub restrict: Option<String>,
    pub join: Option<String>,
    pub hashes: bool,
    pub merges: bool,
}

impl OperatorDef {
    /// `===(integer,integer)`, as PostgreSQL names an operator in messages.
    pub fn signature(&self) -> String {
        format!(
            "{}({},{})",
            self.name,
            self.left.map_or("NONE", |t| t.display_name()),
            self.right.display_name()
        )
    }

    /// The function's argument types, in call order.
    pub fn argument_types(&self) -> Vec<SqlType> {
        self.left.into_iter().chain([self.right]).collect()
    }
}

/// Catalog map key of an operator: (name, left oid or 0, right oid).
pub type OperatorKey = (String, u32, u32);

fn map_key(name: &str, left: Option<SqlType>, right: SqlType) -> OperatorKey {
    (name.to_string(), left.map_or(0, SqlType::oid), right.oid())
}

/// Catalog store key of an operator.
pub fn operator_key(name: &str, left: Option<SqlType>, right: SqlType) -> Vec<u8> {
    let mut k = vec![crate::encoding::CATALOG_PREFIX, OPERATOR_TAG];
    k.extend_from_slice(&left.map_or(0, SqlType::oid).to_be_bytes());
    k.extend_from_slice(&right.oid().to_be_bytes());
    k.extend_from_slice(name.as_bytes());
    k
}

/// Reads a stored operator; returns its map key with it.
pub fn decode_entry(value: &[u8]) -> SqlResult<(OperatorKey, OperatorDef)> {
    let def: OperatorDef = serde_json::from_slice(value)
        .map_err(|e| SqlError::internal(format!("corrupt catalog entry operator: {e}")))?;
    Ok((map_key(&def.name, def.left, def.right), def))
}

/// The user-defined operator `name` over exactly these operand types (left
/// None: a prefix operator). Operator classes and the binder resolve
/// operators through this.
pub fn find<'c>(
    catalog: &'c Catalog,
    name: &str,
    left: Option<SqlType>,
    right: SqlType,
) -> Option<&'c Arc<OperatorDef>> {
    catalog.operators.get(&map_key(name, left, right))
}

/// Whether some user-defined operator is called `name` (a cheap test
/// before binding operands for a lookup).
pub fn has_name(catalog: &Catalog, name: &str) -> bool {
    !catalog.operators.is_empty() && catalog.operators.keys().any(|(n, _, _)| n == name)
}

/// The user-defined operators called `name`.
pub fn named<'c>(
    catalog: &'c Catalog,
    name: &'c str,
) -> impl Iterator<Item = &'c Arc<OperatorDef>> {
    catalog.operators.values().filter(move |o| o.name == name)
}

/// The catalog mutation that deletes `def`.
pub fn delete_mutation(def: &OperatorDef) -> Mutation {
    Mutation {
        key: operator_key(&def.name, def.left, def.right),
        value: None,
    }
}

/// Removes the operators computed by the function `name(args)` from
/// `next` (DROP FUNCTION ... CASCADE); returns their descriptions.
pub fn remove_calling(
    next: &mut Catalog,
    name: &str,
    args: &[SqlType],
    mutations: &mut Vec<Mutation>,
) -> Vec<String> {
    let mut out = Vec::new();
    for o in operators_calling(next, name, args) {
        next.operators.remove(&map_key(&o.name, o.left, o.right));
        mutations.push(delete_mutation(&o));
        out.push(format!("operator {}", o.signature()));
    }
    out
}

fn mutation(def: &OperatorDef, delete: bool) -> SqlResult<Mutation> {
    let value = if delete {
        None
    } else {
        Some(serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?)
    };
    Ok(Mutation {
        key: operator_key(&def.name, def.left, def.right),
        value,
    })
}

/// An operator name as written (`public.===` is `===`).
fn operator_name(name: &ast::ObjectName) -> SqlResult<String> {
    let parts: Vec<String> = name.0.iter().map(|p| p.to_string()).collect();
    let op = match parts.as_slice() {
        [op] => op.clone(),
        [schema, op] if schema == "public" => op.clone(),
        _ => return Err(SqlError::unsupported("operators in other schemas")),
    };
    if op.is_empty() || !op.chars().all(|c| OPERATOR_CHARS.contains(c)) || op.len() > 63 {
        return Err(SqlError::syntax(format!(
            "syntax error at or near \"{op}\""
        )));
    }
    Ok(op)
}

fn last_name(name: &ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(crate::binder::ident_name)
        .unwrap_or_else(|| name.to_string())
}

fn type_of(catalog: &Catalog, dt: &ast::DataType) -> SqlResult<SqlType> {
    Ok(crate::user_types::resolve(catalog, dt)?.ty)
}

/// CREATE OPERATOR; `id` comes from the table-id counter.
pub fn create_operator(
    catalog: &Catalog,
    stmt: &ast::CreateOperator,
    id: u32,
) -> SqlResult<DdlChange> {
    let name = operator_name(&stmt.name)?;
    let left = stmt
        .left_arg
        .as_ref()
        .map(|t| type_of(catalog, t))
        .transpose()?;
    let right = match &stmt.right_arg {
        Some(t) => type_of(catalog, t)?,
        None if left.is_some() => {
            return Err(
                SqlError::new("42P13", "operator right argument type must be specified")
                    .with_detail("Postfix operators are not supported."),
            )
        }
        None => {
            return Err(SqlError::new(
                "42P13",
                "operator argument types must be specified",
            ))
        }
    };
    if find(catalog, &name, left, right).is_some() {
        return Err(SqlError::new(
            "42723",
            format!("operator {name} already exists"),
        ));
    }
    let function = last_name(&stmt.function);
    let args: Vec<SqlType> = left.into_iter().chain([right]).collect();
    let f = catalog
        .functions
        .get(&function)
        .and_then(|list| {
            list.iter()
                .find(|f| f.input_args().map(|a| a.ty.ty).collect::<Vec<_>>() == args)
        })
        .ok_or_else(|| {
            SqlError::new(
                "42883",
                format!(
                    "function {function}({}) does not exist",
                    args.iter()
                        .map(|t| t.display_name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    if f.returns_set() {
        return Err(SqlError::unsupported(
            "operators whose function returns a set",
        ));
    }
    let mut def = OperatorDef {
        oid: 16384 + 512 * id,
        name,
        left,
        right,
        function,
        result: f.result_type().ty,
        commutator: None,
        negator: None,
        restrict: None,
        join: None,
        hashes: false,
        merges: false,
    };
    for o in &stmt.options {
        match o {
            ast::OperatorOption::Commutator(op) => def.commutator = Some(operator_name(op)?),
            ast::OperatorOption::Negator(op) => def.negator = Some(operator_name(op)?),
            ast::OperatorOption::Restrict(f) => def.restrict = f.as_ref().map(last_name),
            ast::OperatorOption::Join(f) => def.join = f.as_ref().map(last_name),
            ast::OperatorOption::Hashes => def.hashes = true,
            ast::OperatorOption::Merges => def.merges = true,
        }
    }
    if def.negator.as_deref() == Some(def.name.as_str()) {
        return Err(SqlError::new("42P17", "operator cannot be its own negator"));
    }
    if (def.hashes || def.merges) && def.result != SqlType::Bool {
        let what = if def.hashes { "hash" } else { "merge join" };
        return Err(SqlError::new(
            "42P17",
            format!("only boolean operators can {what}"),
        ));
    }
    let mut next = catalog.clone();
    next.next_table_id = next.next_table_id.max(id + 1);
    let mutations = vec![
        mutation(&def, false)?,
        Catalog::next_id_mutation(next.next_table_id),
    ];
    next.operators
        .insert(map_key(&def.name, def.left, def.right), Arc::new(def));
    Ok(DdlChange::catalog_only(next, mutations))
}

/// DROP OPERATOR; the change (None: nothing dropped) and the NOTICEs of IF EXISTS.
pub fn drop_operators(
    catalog: &Catalog,
    stmt: &ast::DropOperator,
) -> SqlResult<(Option<DdlChange>, Vec<SqlError>)> {
    let mut next = catalog.clone();
    let mut mutations = Vec::new();
    let mut notices = Vec::new();
    for sig in &stmt.operators {
        let name = operator_name(&sig.name)?;
        let left = sig
            .left_type
            .as_ref()
            .map(|t| type_of(catalog, t))
            .transpose()?;
        let right = type_of(catalog, &sig.right_type)?;
        let Some(def) = next.operators.remove(&map_key(&name, left, right)) else {
            let l = left.map_or("NONE", |t| t.display_name());
            let r = right.display_name();
            if stmt.if_exists {
                let mut n = SqlError::new(
                    "00000",
                    format!("operator {name}({l},{r}) does not exist, skipping"),
                );
                n.severity = "NOTICE";
                notices.push(n);
                continue;
            }
            let operands = match left {
                Some(_) => format!("{l} {name} {r}"),
                None => format!("{name} {r}"),
            };
            return Err(SqlError::new(
                "42883",
                format!("operator does not exist: {operands}"),
            ));
        };
        mutations.push(mutation(&def, true)?);
    }
    if mutations.is_empty() {
        return Ok((None, notices));
    }
    Ok((Some(DdlChange::catalog_only(next, mutations)), notices))
}

/// The operators over the type `oid` (DROP TYPE's dependents), in creation order.
pub fn operators_of_type(catalog: &Catalog, oid: u32) -> Vec<Arc<OperatorDef>> {
    let mut out: Vec<Arc<OperatorDef>> = catalog
        .operators
        .values()
        .filter(|o| {
            o.left.is_some_and(|t| t.oid() == oid) || o.right.oid() == oid || o.result.oid() == oid
        })
        .cloned()
        .collect();
    out.sort_by_key(|o| o.oid);
    out
}

/// The operators computed by the function `name(args)`.
pub fn operators_calling(catalog: &Catalog, name: &str, args: &[SqlType]) -> Vec<Arc<OperatorDef>> {
    let mut out: Vec<Arc<OperatorDef>> = catalog
        .operators
        .values()
        .filter(|o| o.function == name && o.argument_types() == args)
        .cloned()
        .collect();
    out.sort_by_key(|o| o.oid);
    out
}

/// pg_operator rows of the user-defined operators.
pub fn pg_operator_rows(catalog: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    let o = |v: u32| Datum::Int8(i64::from(v));
    let t = |v: &str| Datum::Text(v.to_string());
    let find_oid = |name: &Option<String>, left: Option<SqlType>, right: SqlType| {
        name.as_ref()
            .and_then(|n| find(catalog, n, left, right))
            .map_or(0, |d| d.oid)
    };
    let mut defs: Vec<&Arc<OperatorDef>> = catalog.operators.values().collect();
    defs.sort_by_key(|d| d.oid);
    defs.into_iter()
        .map(|d| {
            // The commutator swaps the operands; the negator keeps them.
            let commutator = match d.left {
                Some(l) => find_oid(&d.commutator, Some(d.right), l),
                None => 0,
            };
            vec![
                ("oid", o(d.oid)),
                ("oprname", t(&d.name)),
                ("oprnamespace", Datum::Int8(crate::pg_catalog::NS_PUBLIC)),
                ("oprowner", Datum::Int8(crate::pg_catalog::ROLE_OID)),
                ("oprkind", t(if d.left.is_some() { "b" } else { "l" })),
                ("oprcanmerge", Datum::Bool(d.merges)),
                ("oprcanhash", Datum::Bool(d.hashes)),
                ("oprleft", o(d.left.map_or(0, SqlType::oid))),
                ("oprright", o(d.right.oid())),
                ("oprresult", o(d.result.oid())),
                ("oprcom", o(commutator)),
                ("oprnegate", o(find_oid(&d.negator, d.left, d.right))),
                ("oprcode", t(&d.function)),
                ("oprrest", t(d.restrict.as_deref().unwrap_or("-"))),
                ("oprjoin", t(d.join.as_deref().unwrap_or("-"))),
            ]
        })
        .collect()
}
