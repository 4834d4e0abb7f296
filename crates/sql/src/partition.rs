//! Declarative partitioning (PostgreSQL 10+): the partition key and bounds
//! kept in a table's catalog entry, the checks a new partition's bound must
//! pass against its siblings, and row routing — which leaf partition a row
//! of a partitioned table (or of a partition, checked against its bound)
//! belongs to. A partitioned table holds no rows itself; its leaves are
//! ordinary tables with the parent's column layout.

use std::cmp::Ordering;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, TableDef};
use crate::datum::{compare, parse_text, Datum};
use crate::error::{SqlError, SqlResult};
use crate::plan::Expr;
use crate::types::ColType;

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum Strategy {
    Range,
    List,
    Hash,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::List => "list",
            Strategy::Hash => "hash",
        }
    }
}

/// PARTITION BY strategy (part, ...).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PartitionKey {
    pub strategy: Strategy,
    pub parts: Vec<KeyPart>,
    /// Per part, the operator class PARTITION BY named (`crate::opclass`;
    /// None: the type's default class). Empty when none was named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opclasses: Vec<Option<String>>,
    /// Per part, whether its class is the type's default (shown or not by
    /// pg_get_partkeydef). Empty when no class was named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_classes: Vec<bool>,
    /// Per part, the collation COLLATE named on it (None: the column's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collations: Vec<Option<String>>,
    /// Per part of a hash key, the user function (support function 2 of
    /// its user-defined class) that hashes it; None: the type's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hash_functions: Vec<Option<String>>,
    /// Hash partitions route by PostgreSQL's hash functions (`crate::pg_hash`);
    /// false for keys made before, whose rows stay where the earlier hash put them.
    #[serde(default)]
    pub postgres_hash: bool,
}

/// One partition key column: a table column (logical position) or an
/// expression over the table's columns (SQL text, bound when routing).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum KeyPart {
    Column(usize),
    Expr { sql: String, ty: ColType },
}

impl PartitionKey {
    /// A key of these parts with the types' default classes and collations.
    pub fn new(strategy: Strategy, parts: Vec<KeyPart>) -> PartitionKey {
        PartitionKey {
            strategy,
            parts,
            opclasses: vec![],
            default_classes: vec![],
            collations: vec![],
            hash_functions: vec![],
            postgres_hash: true,
        }
    }

    /// The operator class named for part `i`, if any.
    pub fn opclass(&self, i: usize) -> Option<&str> {
        self.opclasses.get(i).and_then(|c| c.as_deref())
    }

    /// The COLLATE named for part `i`, if any.
    pub fn collation(&self, i: usize) -> Option<&str> {
        self.collations.get(i).and_then(|c| c.as_deref())
    }

    /// Does a key expression call function `name` (what DROP FUNCTION
    /// must refuse while the key exists)?
    pub fn calls_function(&self, name: &str) -> bool {
        self.parts.iter().any(|p| {
            let KeyPart::Expr { sql, .. } = p else {
                return false;
            };
            let Ok(e) = crate::binder::parse_expr(sql) else {
                return false;
            };
            let mut found = false;
            let _ = sqlparser::ast::visit_expressions(&e, |x| {
                if let sqlparser::ast::Expr::Function(f) = x {
                    let called = f.name.0.last().and_then(|p| p.as_ident());
                    found |= called.is_some_and(|i| crate::binder::ident_name(i) == name);
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
            found
        })
    }

    /// Table columns the key uses directly.
    pub fn columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.parts.iter().filter_map(|p| match p {
            KeyPart::Column(c) => Some(*c),
            KeyPart::Expr { .. } => None,
        })
    }
}

/// One value of a range bound, as text in the key column's type.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum RangeValue {
    MinValue,
    MaxValue,
    Value(String),
}

/// FOR VALUES ...: values kept as text in the key columns' types, so the
/// entry stays readable whatever the internal datum form becomes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum PartitionBound {
    Range {
        from: Vec<RangeValue>,
        to: Vec<RangeValue>,
    },
    /// `None` is NULL.
    List(Vec<Option<String>>),
    Hash {
        modulus: u64,
        remainder: u64,
    },
    Default,
}

/// PARTITION OF parent FOR VALUES bound.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PartitionOf {
    pub parent: String,
    pub bound: PartitionBound,
}

/// A table's place in a partition tree (catalog format version 1: both
/// parts absent for an ordinary table).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Partitioning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<PartitionKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<PartitionOf>,
}

impl Partitioning {
    pub fn is_empty(&self) -> bool {
        self.key.is_none() && self.of.is_none()
    }
}

/// A bound with its values parsed in the key columns' types.
#[derive(Clone, Debug)]
pub enum Bound {
    Range { from: Vec<Edge>, to: Vec<Edge> },
    List { values: Vec<Datum>, null: bool },
    Hash { modulus: u64, remainder: u64 },
    Default,
}

#[derive(Clone, Debug)]
pub enum Edge {
    Min,
    Max,
    Value(Datum),
}

/// Evaluates a bound key expression over a row (the executor's evaluator).
pub type KeyEval<'e> = &'e dyn Fn(&Expr, &[Datum]) -> SqlResult<Datum>;

/// Binds what routing evaluates: a leaf's CHECK constraints and key
/// expressions of partitioned tables.
pub trait RouteBinder {
    fn checks(&mut self, table: &TableDef) -> SqlResult<Vec<(String, Expr)>>;
    fn key_expr(&mut self, table: &TableDef, sql: &str) -> SqlResult<Expr>;
}

/// The key of a partitioned table with its types (and, for routing, its
/// expressions bound).
#[derive(Clone, Debug)]
pub struct TypedKey {
    pub strategy: Strategy,
    pub parts: Vec<KeyPart>,
    pub types: Vec<ColType>,
    /// Per part, the bound expression (routing only).
    exprs: Vec<Option<Expr>>,
    /// Per part, its name in error details: the column or the expression.
    names: Vec<String>,
    /// Per part of a hash key, its user hash function's SQL (`f(part, seed)`)
    /// and, for routing, that call bound.
    hash_calls: Vec<Option<(String, Option<Expr>)>>,
    /// PostgreSQL's hash functions (false: the earlier hash, `legacy_hash`).
    postgres_hash: bool,
}

/// A row's key values and, for a hash key, the row's hash.
pub struct KeyValues {
    pub values: Vec<Datum>,
    pub hash: Option<u64>,
}

impl TypedKey {
    pub fn of(table: &TableDef) -> Option<TypedKey> {
        let key = table.partitioning.key.as_ref()?;
        Some(TypedKey {
            strategy: key.strategy,
            parts: key.parts.clone(),
            types: key
                .parts
                .iter()
                .map(|p| match p {
                    KeyPart::Column(c) => table.columns[*c].ty,
                    KeyPart::Expr { ty, .. } => *ty,
                })
                .collect(),
            exprs: vec![None; key.parts.len()],
            names: key
                .parts
                .iter()
                .map(|p| match p {
                    KeyPart::Column(c) => table.columns[*c].name.clone(),
                    KeyPart::Expr { sql, .. } => crate::partition_constraint::expression_sql(sql).0,
                })
                .collect(),
            hash_calls: key
                .parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let f = key.hash_functions.get(i)?.as_deref()?;
                    let arg = match p {
                        KeyPart::Column(c) => {
                            format!("\"{}\"", table.columns[*c].name.replace('"', "\"\""))
                        }
                        KeyPart::Expr { sql, .. } => format!("({sql})"),
                    };
                    let seed = crate::pg_hash::HASH_PARTITION_SEED as i64;
                    Some((format!("\"{f}\"({arg}, {seed}::int8)"), None))
                })
                .collect(),
            postgres_hash: key.postgres_hash,
        })
    }

    /// A key part as error messages name it.
    pub fn part_name(&self, part: usize) -> &str {
        &self.names[part]
    }

    /// The key with its expressions bound, for routing.
    fn bound(table: &TableDef, binder: &mut dyn RouteBinder) -> SqlResult<Option<TypedKey>> {
        let Some(mut key) = TypedKey::of(table) else {
            return Ok(None);
        };
        for (i, p) in key.parts.iter().enumerate() {
            if let KeyPart::Expr { sql, .. } = p {
                key.exprs[i] = Some(binder.key_expr(table, sql)?);
            }
        }
        for call in key.hash_calls.iter_mut().flatten() {
            call.1 = Some(binder.key_expr(table, &call.0)?);
        }
        Ok(Some(key))
    }

    /// The bound expressions routing evaluates for this key (key
    /// expressions and user hash function calls).
    fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.exprs.iter().flatten().chain(
            self.hash_calls
                .iter()
                .flatten()
                .filter_map(|(_, e)| e.as_ref()),
        )
    }

    /// A row's key values and (hash keys) its hash, as PostgreSQL's
    /// compute_partition_hash_value folds the parts' hashes.
    fn key_values(&self, row: &[Datum], eval: KeyEval) -> SqlResult<KeyValues> {
        let values = self.values(row, eval)?;
        let hash = self.hash(
            &values,
            &|i| match self.hash_calls.get(i).and_then(|c| c.as_ref()) {
                Some((sql, Some(call))) => match eval(call, row)? {
                    Datum::Int8(h) => Ok(Some(h as u64)),
                    other => Err(SqlError::internal(format!(
                        "partition hash function {sql} returned {other:?}"
                    ))),
                },
                Some((sql, None)) => Err(SqlError::internal(format!(
                    "partition hash function {sql} not bound"
                ))),
                None => Ok(None),
            },
        )?;
        Ok(KeyValues { values, hash })
    }

    /// Key values given as such (plan-time pruning), hashed by the types'
    /// own functions: the caller checks the key has no user hash function.
    pub(crate) fn values_of(&self, values: Vec<Datum>) -> KeyValues {
        let hash = self.hash(&values, &|_| Ok(None)).unwrap_or(None);
        KeyValues { values, hash }
    }

    /// The hash of a hash key's values (None for other strategies);
    /// `user_part(i)` is part i's user hash function's result, if it has one.
    fn hash(
        &self,
        values: &[Datum],
        user_part: &dyn Fn(usize) -> SqlResult<Option<u64>>,
    ) -> SqlResult<Option<u64>> {
        if self.strategy != Strategy::Hash {
            return Ok(None);
        }
        if !self.postgres_hash {
            return Ok(Some(legacy_hash(values)));
        }
        let mut hash = 0u64;
        for (i, v) in values.iter().enumerate() {
            if v.is_null() {
                continue;
            }
            let part = match user_part(i)? {
                Some(h) => h,
                None => crate::pg_hash::hash_datum_extended(
                    v,
                    self.types[i].ty,
                    crate::pg_hash::HASH_PARTITION_SEED,
                )
                .unwrap_or_else(|| legacy_hash(std::slice::from_ref(v))),
            };
            hash = crate::pg_hash::hash_combine64(hash, part);
        }
        Ok(Some(hash))
    }

    fn values(&self, row: &[Datum], eval: KeyEval) -> SqlResult<Vec<Datum>> {
        self.parts
            .iter()
            .zip(&self.exprs)
            .map(|(p, e)| match (p, e) {
                (KeyPart::Column(c), _) => Ok(row[*c].clone()),
                (KeyPart::Expr { .. }, Some(e)) => eval(e, row),
                (KeyPart::Expr { sql, .. }, None) => Err(SqlError::internal(format!(
                    "partition key expression {sql} not bound"
                ))),
            })
            .collect()
    }

    /// Parses a stored bound in this key's types.
    pub fn resolve(&self, bound: &PartitionBound) -> SqlResult<Bound> {
        let edge = |v: &RangeValue, i: usize| -> SqlResult<Edge> {
            Ok(match v {
                RangeValue::MinValue => Edge::Min,
                RangeValue::MaxValue => Edge::Max,
                RangeValue::Value(s) => Edge::Value(parse_text(s, self.types[i])?),
            })
        };
        Ok(match bound {
            PartitionBound::Range { from, to } => Bound::Range {
                from: from
                    .iter()
                    .enumerate()
                    .map(|(i, v)| edge(v, i))
                    .collect::<SqlResult<_>>()?,
                to: to
                    .iter()
                    .enumerate()
                    .map(|(i, v)| edge(v, i))
                    .collect::<SqlResult<_>>()?,
            },
            PartitionBound::List(items) => {
                let mut values = Vec::new();
                let mut null = false;
                for v in items {
                    match v {
                        Some(s) => values.push(parse_text(s, self.types[0])?),
                        None => null = true,
                    }
                }
                Bound::List { values, null }
            }
            PartitionBound::Hash { modulus, remainder } => Bound::Hash {
                modulus: *modulus,
                remainder: *remainder,
            },
            PartitionBound::Default => Bound::Default,
        })
    }

    /// Key values against a range bound tuple: Less if the values sort before it.
    pub fn cmp_edges(&self, values: &[Datum], edges: &[Edge]) -> Ordering {
        for (i, (v, e)) in values.iter().zip(edges).enumerate() {
            let o = match e {
                Edge::Min => Ordering::Greater,
                Edge::Max => Ordering::Less,
                Edge::Value(b) => compare(v, b, self.types[i].ty),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// Orders two range bound tuples (MINVALUE/MAXVALUE end a comparison).
    pub fn cmp_bounds(&self, a: &[Edge], b: &[Edge]) -> Ordering {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let o = match (x, y) {
                (Edge::Min, Edge::Min) | (Edge::Max, Edge::Max) => return Ordering::Equal,
                (Edge::Min, _) | (_, Edge::Max) => Ordering::Less,
                (_, Edge::Min) | (Edge::Max, _) => Ordering::Greater,
                (Edge::Value(x), Edge::Value(y)) => compare(x, y, self.types[i].ty),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// Does a row with these key values fall inside `bound` (never a default)?
    pub fn contains(&self, bound: &Bound, key: &KeyValues) -> bool {
        let values = &key.values[..];
        match bound {
            Bound::Range { from, to } => {
                // NULL keys go only to a default partition.
                !values.iter().any(Datum::is_null)
                    && self.cmp_edges(values, from) != Ordering::Less
                    && self.cmp_edges(values, to) == Ordering::Less
            }
            Bound::List {
                values: items,
                null,
            } => match values.first() {
                None | Some(Datum::Null) => *null,
                Some(v) => items
                    .iter()
                    .any(|x| compare(v, x, self.types[0].ty) == Ordering::Equal),
            },
            Bound::Hash { modulus, remainder } => {
                *modulus > 0 && key.hash.is_some_and(|h| h % *modulus == *remainder)
            }
            Bound::Default => false,
        }
    }
}

/// The hash of hash keys made before PostgreSQL's functions were used
/// (`PartitionKey::postgres_hash` false) and of values of types whose
/// PostgreSQL hash is not reproduced: stable across releases (it decides
/// where rows are stored). NULLs contribute nothing; the values are hashed
/// through their key encoding so equal values of different integer widths
/// hash alike.
fn legacy_hash(values: &[Datum]) -> u64 {
    let mut h: u64 = 0x7A5B_2236_7996_DCFD;
    for v in values {
        if v.is_null() {
            continue;
        }
        let mut bytes = Vec::new();
        crate::encoding::encode_key_into(&mut bytes, v, v.natural_type());
        let mut x: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            x ^= b as u64;
            x = x.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= x
            .wrapping_add(0x49a0_f4dd_15e5_a5e3)
            .wrapping_add(h << 54)
            .wrapping_add(h >> 7);
    }
    h
}

/// The direct partitions of `parent`, in PostgreSQL's order: range by lower
/// bound, list by smallest value (a NULL-only list last among lists), hash by
/// remainder, the default partition last.
pub fn children(catalog: &Catalog, parent: &TableDef) -> SqlResult<Vec<(Arc<TableDef>, Bound)>> {
    let Some(key) = TypedKey::of(parent) else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for t in catalog.tables.values() {
        if let Some(of) = &t.partitioning.of {
            if of.parent == parent.name {
                out.push((t.clone(), key.resolve(&of.bound)?));
            }
        }
    }
    out.sort_by(|(_, a), (_, b)| order_bounds(&key, a, b));
    Ok(out)
}

fn order_bounds(key: &TypedKey, a: &Bound, b: &Bound) -> Ordering {
    match (a, b) {
        (Bound::Default, Bound::Default) => Ordering::Equal,
        (Bound::Default, _) => Ordering::Greater,
        (_, Bound::Default) => Ordering::Less,
        (Bound::Range { from: x, .. }, Bound::Range { from: y, .. }) => key.cmp_bounds(x, y),
        (Bound::List { values: x, .. }, Bound::List { values: y, .. }) => {
            let min = |v: &[Datum]| {
                v.iter()
                    .min_by(|p, q| compare(p, q, key.types[0].ty))
                    .cloned()
            };
            match (min(x), min(y)) {
                (Some(p), Some(q)) => compare(&p, &q, key.types[0].ty),
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (None, None) => Ordering::Equal,
            }
        }
        (
            Bound::Hash {
                modulus: m1,
                remainder: r1,
            },
            Bound::Hash {
                modulus: m2,
                remainder: r2,
            },
        ) => (r1, m1).cmp(&(r2, m2)),
        _ => Ordering::Equal,
    }
}

/// Every leaf (non-partitioned) table under `table` in scan order; the table
/// itself if it is not partitioned.
pub fn leaves(catalog: &Catalog, table: &Arc<TableDef>) -> SqlResult<Vec<Arc<TableDef>>> {
    let mut out = Vec::new();
    collect_leaves(catalog, table, &mut out, 0)?;
    Ok(out)
}

fn collect_leaves(
    catalog: &Catalog,
    table: &Arc<TableDef>,
    out: &mut Vec<Arc<TableDef>>,
    depth: usize,
) -> SqlResult<()> {
    if depth > 64 {
        return Err(SqlError::internal("partition tree too deep"));
    }
    if table.partitioning.key.is_none() {
        out.push(table.clone());
        return Ok(());
    }
    for (child, _) in children(catalog, table)? {
        collect_leaves(catalog, &child, out, depth + 1)?;
    }
    Ok(())
}

/// Every table under `table` (partitioned ones included), not `table` itself.
pub fn descendants(catalog: &Catalog, table: &TableDef) -> Vec<Arc<TableDef>> {
    let mut out: Vec<Arc<TableDef>> = Vec::new();
    let mut queue = vec![table.name.clone()];
    while let Some(name) = queue.pop() {
        for t in catalog.tables.values() {
            if t.partitioning.of.as_ref().is_some_and(|o| o.parent == name)
                && !out.iter().any(|x| x.name == t.name)
            {
                queue.push(t.name.clone());
                out.push(t.clone());
            }
        }
    }
    out
}

/// For each column of `to`, its position in rows of `from` (columns match
/// by name: an attached partition may order them differently); None when
/// both have the same columns in the same order.
pub fn column_map(from: &TableDef, to: &TableDef) -> SqlResult<Option<Vec<usize>>> {
    if from.columns.len() == to.columns.len()
        && from
            .columns
            .iter()
            .zip(&to.columns)
            .all(|(a, b)| a.name == b.name)
    {
        return Ok(None);
    }
    to.columns
        .iter()
        .map(|c| {
            from.column_index(&c.name).ok_or_else(|| {
                SqlError::internal(format!(
                    "column \"{}\" of \"{}\" missing from \"{}\"",
                    c.name, to.name, from.name
                ))
            })
        })
        .collect::<SqlResult<Vec<usize>>>()
        .map(Some)
}

/// `row` rearranged by a `column_map` (unchanged without one).
pub fn remap(row: Vec<Datum>, map: Option<&[usize]>) -> Vec<Datum> {
    match map {
        None => row,
        Some(m) => m
            .iter()
            .map(|&i| row.get(i).cloned().unwrap_or(Datum::Null))
            .collect(),
    }
}

/// A leaf a routed row is written to, with its bound CHECK constraints and
/// how its rows map to the statement target's column order.
#[derive(Debug)]
pub struct Leaf {
    pub table: Arc<TableDef>,
    pub checks: Vec<(String, Expr)>,
    /// Leaf column i is target column `to_leaf[i]`.
    pub to_leaf: Option<Vec<usize>>,
    /// Target column j is leaf column `from_leaf[j]`.
    pub from_leaf: Option<Vec<usize>>,
    /// Leaf columns the target lacks (an inheritance child's own): an
    /// UPDATE through the target keeps their old values.
    pub own_columns: Vec<usize>,
}

impl Leaf {
    fn new(
        target: &TableDef,
        table: Arc<TableDef>,
        checks: Vec<(String, Expr)>,
    ) -> SqlResult<Leaf> {
        Ok(Leaf {
            to_leaf: column_map(target, &table)?,
            from_leaf: column_map(&table, target)?,
            table,
            checks,
            own_columns: vec![],
        })
    }

    /// An inheritance child (or the parent itself) of `target`: it has the
    /// target's columns, by name, and may have more of its own.
    fn inherited(
        target: &TableDef,
        table: Arc<TableDef>,
        checks: Vec<(String, Expr)>,
    ) -> SqlResult<Leaf> {
        let mut own_columns = Vec::new();
        let to_leaf: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                target.column_index(&c.name).unwrap_or_else(|| {
                    own_columns.push(i);
                    // Past the end of a target row: NULL until `updated` fills it.
                    usize::MAX
                })
            })
            .collect();
        let same = own_columns.is_empty() && to_leaf.iter().enumerate().all(|(i, &j)| i == j);
        Ok(Leaf {
            to_leaf: (!same).then_some(to_leaf),
            from_leaf: column_map(&table, target)?,
            table,
            checks,
            own_columns,
        })
    }

    /// The leaf row an UPDATE through the target writes: `row` (target
    /// order) with the leaf's own columns kept from `old` (leaf order).
    pub fn updated(&self, row: Vec<Datum>, old: &[Datum]) -> Vec<Datum> {
        let mut out = self.to_leaf(row);
        for &i in &self.own_columns {
            if let (Some(slot), Some(v)) = (out.get_mut(i), old.get(i)) {
                *slot = v.clone();
            }
        }
        out
    }

    /// A target-ordered row in the leaf's column order.
    pub fn to_leaf(&self, row: Vec<Datum>) -> Vec<Datum> {
        remap(row, self.to_leaf.as_deref())
    }

    /// A leaf row in the target's column order.
    pub fn to_target(&self, row: Vec<Datum>) -> Vec<Datum> {
        remap(row, self.from_leaf.as_deref())
    }
}

/// The bound a partition must satisfy within its parent (for rows written
/// to the partition directly or to a table below it).
#[derive(Debug)]
struct Level {
    /// The parent's columns from the target's row.
    map: Option<Vec<usize>>,
    key: TypedKey,
    bound: Bound,
    /// Bounds of the other partitions of the parent (a default's row must fit none).
    siblings: Vec<Bound>,
}

#[derive(Debug)]
struct Node {
    name: String,
    /// This table's columns from the target's row.
    map: Option<Vec<usize>>,
    key: TypedKey,
    children: Vec<(Bound, Child)>,
    default: Option<Child>,
}

#[derive(Debug)]
enum Child {
    Leaf(usize),
    Node(Box<Node>),
}

/// Where rows written to one table (the statement's target) go: its own
/// partition constraint, then down its partition tree to a leaf.
#[derive(Debug)]
pub struct Router {
    target: String,
    /// Constraints from the outermost ancestor down to the target's own bound.
    constraint: Vec<Level>,
    tree: Option<Node>,
    pub leaves: Vec<Leaf>,
    /// An inheritance tree (`crate::inheritance`): rows are never routed,
    /// an updated row stays in the table that holds it.
    inheritance: bool,
}

impl Router {
    /// The router for writes to `target`; None for an ordinary table.
    /// `bind_checks` binds a leaf's CHECK constraints.
    pub fn build(
        catalog: &Catalog,
        target: &Arc<TableDef>,
        binder: &mut dyn RouteBinder,
    ) -> SqlResult<Option<Router>> {
        if target.partitioning.is_empty() {
            return Ok(None);
        }
        let mut constraint = Vec::new();
        let mut current = target.clone();
        while let Some(of) = current.partitioning.of.clone() {
            let parent = catalog.table(&of.parent)?;
            let key = TypedKey::bound(&parent, binder)?
                .ok_or_else(|| SqlError::internal("partition of an unpartitioned table"))?;
            let siblings = children(catalog, &parent)?
                .into_iter()
                .filter(|(t, _)| t.name != current.name)
                .map(|(_, b)| b)
                .collect();
            constraint.push(Level {
                map: column_map(target, &parent)?,
                bound: key.resolve(&of.bound)?,
                key,
                siblings,
            });
            if constraint.len() > 64 {
                return Err(SqlError::internal("partition tree too deep"));
            }
            current = parent;
        }
        constraint.reverse();
        let mut leaves = Vec::new();
        let tree = if target.partitioning.key.is_some() {
            Some(build_node(catalog, target, target, &mut leaves, binder, 0)?)
        } else {
            leaves.push(Leaf::new(target, target.clone(), binder.checks(target)?)?);
            None
        };
        Ok(Some(Router {
            target: target.name.clone(),
            constraint,
            tree,
            leaves,
            inheritance: false,
        }))
    }

    /// UPDATE/DELETE of inheritance parent `target` (without ONLY): each of
    /// `tables` (the target and its descendants) is a leaf.
    pub fn inheritance(
        target: &Arc<TableDef>,
        tables: Vec<Arc<TableDef>>,
        binder: &mut dyn RouteBinder,
    ) -> SqlResult<Router> {
        let mut leaves = Vec::new();
        for t in tables {
            let checks = binder.checks(&t)?;
            leaves.push(Leaf::inherited(target, t, checks)?);
        }
        Ok(Router {
            target: target.name.clone(),
            constraint: vec![],
            tree: None,
            leaves,
            inheritance: true,
        })
    }

    /// Do updated rows stay in their leaf (an inheritance tree) rather than
    /// go where the partition tree routes them?
    pub fn keeps_rows_in_place(&self) -> bool {
        self.inheritance
    }

    /// Does `row` satisfy the target's own partition constraint?
    pub fn fits_target(&self, row: &[Datum], eval: KeyEval) -> SqlResult<bool> {
        for level in &self.constraint {
            let own = remap(row.to_vec(), level.map.as_deref());
            let values = level.key.key_values(&own, eval)?;
            let fits = match &level.bound {
                Bound::Default => !level
                    .siblings
                    .iter()
                    .any(|b| level.key.contains(b, &values)),
                b => level.key.contains(b, &values),
            };
            if !fits {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The leaf (index into `leaves`) `row` goes to, or PostgreSQL's 23514.
    pub fn place(&self, row: &[Datum], eval: KeyEval) -> SqlResult<usize> {
        if !self.fits_target(row, eval)? {
            return Err(SqlError::new(
                "23514",
                format!(
                    "new row for relation \"{}\" violates partition constraint",
                    self.target
                ),
            )
            .with_detail(failing_row(row)));
        }
        self.descend(row, eval)
    }

    /// The leaf `row` reaches down the target's partition tree (its own
    /// constraint not checked).
    fn descend(&self, row: &[Datum], eval: KeyEval) -> SqlResult<usize> {
        let Some(mut node) = self.tree.as_ref() else {
            return Ok(0);
        };
        loop {
            let key = match &node.map {
                None => node.key.key_values(row, eval)?,
                Some(m) => node.key.key_values(&remap(row.to_vec(), Some(m)), eval)?,
            };
            let hit = node
                .children
                .iter()
                .find(|(b, _)| node.key.contains(b, &key))
                .map(|(_, c)| c)
                .or(node.default.as_ref());
            match hit {
                Some(Child::Leaf(i)) => return Ok(*i),
                Some(Child::Node(n)) => node = n,
                None => {
                    let names = &node.key.names;
                    let vals: Vec<String> = key
                        .values
                        .iter()
                        .map(|d| d.to_text(1).unwrap_or_else(|| "null".into()))
                        .collect();
                    return Err(SqlError::new(
                        "23514",
                        format!("no partition of relation \"{}\" found for row", node.name),
                    )
                    .with_detail(format!(
                        "Partition key of the failing row contains ({}) = ({}).",
                        names.join(", "),
                        vals.join(", ")
                    )));
                }
            }
        }
    }
}

impl Router {
    /// The key columns, by name, of the partitioned table `name` in this
    /// tree; None if it is not here or its key has an expression (what a
    /// role without SELECT on it needs column SELECT on to see a failing key).
    pub fn key_column_names(&self, name: &str) -> Option<Vec<String>> {
        let mut stack: Vec<&Node> = self.tree.iter().collect();
        while let Some(node) = stack.pop() {
            if node.name == name {
                return node
                    .key
                    .parts
                    .iter()
                    .zip(&node.key.names)
                    .map(|(p, n)| matches!(p, KeyPart::Column(_)).then(|| n.clone()))
                    .collect();
            }
            for child in node.children.iter().map(|(_, c)| c).chain(&node.default) {
                if let Child::Node(n) = child {
                    stack.push(n);
                }
            }
        }
        None
    }

    /// The target columns every partition key of the tree reads (None if a
    /// key has an expression): pinning them all decides the leaf.
    pub fn key_columns(&self) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        let mut stack: Vec<&Node> = self.tree.iter().collect();
        while let Some(node) = stack.pop() {
            for part in &node.key.parts {
                let KeyPart::Column(c) = part else {
                    return None;
                };
                out.push(node.map.as_ref().map_or(*c, |m| m[*c]));
            }
            for child in node.children.iter().map(|(_, c)| c).chain(&node.default) {
                if let Child::Node(n) = child {
                    stack.push(n);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// The key expressions of this tree that call user functions or run
    /// subqueries, which the executor evaluates before routing (the
    /// synchronous `KeyEval` cannot), each with the map from a target row
    /// to the row it is evaluated over.
    pub fn exprs_needing_execution(&self) -> Vec<(&Expr, Option<&[usize]>)> {
        let mut out = Vec::new();
        for level in &self.constraint {
            for e in level.key.exprs().filter(|e| e.has_subquery()) {
                out.push((e, level.map.as_deref()));
            }
        }
        let mut stack: Vec<&Node> = self.tree.iter().collect();
        while let Some(node) = stack.pop() {
            for e in node.key.exprs().filter(|e| e.has_subquery()) {
                out.push((e, node.map.as_deref()));
            }
            for child in node.children.iter().map(|(_, c)| c).chain(&node.default) {
                if let Child::Node(n) = child {
                    stack.push(n);
                }
            }
        }
        out
    }

    /// The only leaf that can hold rows whose key columns have these values
    /// (`row` holds them at their target positions); None when that cannot
    /// be decided, so every leaf must be read.
    pub fn prune(&self, row: &[Datum], eval: KeyEval) -> Option<usize> {
        self.tree.as_ref()?;
        self.descend(row, eval).ok()
    }
}

fn build_node(
    catalog: &Catalog,
    target: &TableDef,
    table: &Arc<TableDef>,
    leaves: &mut Vec<Leaf>,
    binder: &mut dyn RouteBinder,
    depth: usize,
) -> SqlResult<Node> {
    if depth > 64 {
        return Err(SqlError::internal("partition tree too deep"));
    }
    let key = TypedKey::bound(table, binder)?
        .ok_or_else(|| SqlError::internal("routing through a plain table"))?;
    let mut node = Node {
        name: table.name.clone(),
        map: column_map(target, table)?,
        key,
        children: vec![],
        default: None,
    };
    for (child, bound) in children(catalog, table)? {
        let c = if child.partitioning.key.is_some() {
            Child::Node(Box::new(build_node(
                catalog,
                target,
                &child,
                leaves,
                binder,
                depth + 1,
            )?))
        } else {
            leaves.push(Leaf::new(target, child.clone(), binder.checks(&child)?)?);
            Child::Leaf(leaves.len() - 1)
        };
        match bound {
            Bound::Default => node.default = Some(c),
            b => node.children.push((b, c)),
        }
    }
    Ok(node)
}

fn failing_row(row: &[Datum]) -> String {
    let vals: Vec<String> = row
        .iter()
        .map(|d| d.to_text(1).unwrap_or_else(|| "null".into()))
        .collect();
    format!("Failing row contains ({}).", vals.join(", "))
}
