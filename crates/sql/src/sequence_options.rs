//! Sequence options as PostgreSQL's CREATE SEQUENCE resolves them: the data
//! type (smallint, integer, bigint), increment, bounds, start, cache and
//! cycle, with PostgreSQL 15's defaults (which depend on the increment's
//! sign and the type) and its validation errors, checked in the same order
//! as `init_params` in PostgreSQL's sequence.c so the first error reported
//! is the one PostgreSQL reports. Pure: no catalog or engine access.

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::error::{SqlError, SqlResult};

/// Integer type a sequence's values are limited to (`AS ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SequenceType {
    Int2,
    Int4,
    Int8,
}

impl SequenceType {
    /// The smallest and largest value of the type.
    pub fn bounds(self) -> (i64, i64) {
        match self {
            SequenceType::Int2 => (i16::MIN.into(), i16::MAX.into()),
            SequenceType::Int4 => (i32::MIN.into(), i32::MAX.into()),
            SequenceType::Int8 => (i64::MIN, i64::MAX),
        }
    }

    /// The name PostgreSQL prints (`format_type`).
    pub fn pg_name(self) -> &'static str {
        match self {
            SequenceType::Int2 => "smallint",
            SequenceType::Int4 => "integer",
            SequenceType::Int8 => "bigint",
        }
    }

    fn from_ast(t: &ast::DataType) -> SqlResult<SequenceType> {
        use ast::DataType as D;
        match t {
            D::SmallInt(_) | D::Int2(_) => Ok(SequenceType::Int2),
            D::Int(_) | D::Integer(_) | D::Int4(_) => Ok(SequenceType::Int4),
            D::BigInt(_) | D::Int8(_) => Ok(SequenceType::Int8),
            // An unknown type name is reported as such (42704), as PostgreSQL does.
            other => match crate::types::from_ast(other) {
                Err(e) if e.sqlstate == "42704" => Err(e),
                _ => Err(invalid(
                    "sequence type must be smallint, integer, or bigint".to_string(),
                )),
            },
        }
    }
}

/// A sequence's resolved options (what `pg_sequence` stores).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    pub data_type: SequenceType,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub start: i64,
    pub cache: i64,
    pub cycle: bool,
}

impl Default for SequenceOptions {
    /// A plain `CREATE SEQUENCE s` (and every SERIAL/BIGSERIAL sequence).
    fn default() -> Self {
        SequenceOptions {
            data_type: SequenceType::Int8,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            start: 1,
            cache: 1,
            cycle: false,
        }
    }
}

fn invalid(message: String) -> SqlError {
    SqlError::new("22023", message)
}

fn redundant() -> SqlError {
    SqlError::new("42601", "conflicting or redundant options")
}

/// An option's value: an integer literal, possibly negated.
fn option_integer(e: &ast::Expr, option: &str) -> SqlResult<i64> {
    match e {
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => option_integer(expr, option)?
            .checked_neg()
            .ok_or_else(|| invalid(format!("{option} requires a numeric value"))),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Plus,
            expr,
        } => option_integer(expr, option),
        ast::Expr::Nested(inner) => option_integer(inner, option),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n
                .parse::<i64>()
                .map_err(|_| invalid(format!("{option} requires a numeric value"))),
            _ => Err(invalid(format!("{option} requires a numeric value"))),
        },
        _ => Err(invalid(format!("{option} requires a numeric value"))),
    }
}

/// Stores `value` into `slot` unless the option was already given.
fn set_once<T>(slot: &mut Option<T>, value: T) -> SqlResult<()> {
    if slot.is_some() {
        return Err(redundant());
    }
    *slot = Some(value);
    Ok(())
}

/// What the catalog stores for a sequence made by CREATE SEQUENCE (JSON,
/// versioned so the format can grow).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceDef {
    pub version: u32,
    pub options: SequenceOptions,
    /// OWNED BY table.column: dropped with the table (or the column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<(String, String)>,
    /// UNLOGGED (recorded and shown: the sequence stays as durable as any,
    /// which is more than PostgreSQL promises for it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlogged: bool,
    /// Set by RENAME: the name the committing transaction moves the
    /// sequence's state from (only within that transaction: never stored,
    /// cleared when the catalog is installed).
    #[serde(skip)]
    pub renamed_from: Option<String>,
}

impl SequenceDef {
    pub const VERSION: u32 = 1;

    pub fn new(options: SequenceOptions, owned_by: Option<(String, String)>) -> SequenceDef {
        SequenceDef {
            version: SequenceDef::VERSION,
            options,
            owned_by,
            unlogged: false,
            renamed_from: None,
        }
    }
}

/// OWNED BY as written: `None` for OWNED BY NONE.
pub type OwnedBy = Option<Vec<String>>;

/// The options given in one CREATE or ALTER SEQUENCE, before defaults.
#[derive(Default)]
struct Given {
    data_type: Option<SequenceType>,
    increment: Option<i64>,
    /// `Some(None)`: NO MINVALUE / NO MAXVALUE given explicitly.
    min_value: Option<Option<i64>>,
    max_value: Option<Option<i64>>,
    start: Option<i64>,
    cache: Option<i64>,
    cycle: Option<bool>,
    owned_by: Option<OwnedBy>,
}

impl Given {
    fn collect(options: &[ast::SequenceOptions]) -> SqlResult<Given> {
        let mut g = Given::default();
        for o in options {
            match o {
                ast::SequenceOptions::DataType(t) => {
                    set_once(&mut g.data_type, SequenceType::from_ast(t)?)?
                }
                ast::SequenceOptions::IncrementBy(e, _) => {
                    set_once(&mut g.increment, option_integer(e, "INCREMENT")?)?
                }
                ast::SequenceOptions::MinValue(e) => set_once(
                    &mut g.min_value,
                    e.as_ref()
                        .map(|e| option_integer(e, "MINVALUE"))
                        .transpose()?,
                )?,
                ast::SequenceOptions::MaxValue(e) => set_once(
                    &mut g.max_value,
                    e.as_ref()
                        .map(|e| option_integer(e, "MAXVALUE"))
                        .transpose()?,
                )?,
                ast::SequenceOptions::StartWith(e, _) => {
                    set_once(&mut g.start, option_integer(e, "START")?)?
                }
                ast::SequenceOptions::Cache(e) => {
                    set_once(&mut g.cache, option_integer(e, "CACHE")?)?
                }
                // sqlparser's flag means `NO CYCLE`.
                ast::SequenceOptions::Cycle(no_cycle) => set_once(&mut g.cycle, !*no_cycle)?,
                ast::SequenceOptions::OwnedBy(target) => set_once(
                    &mut g.owned_by,
                    target.as_ref().map(|n| {
                        n.0.iter()
                            .map(|p| {
                                p.as_ident()
                                    .map(crate::binder::ident_name)
                                    .unwrap_or_default()
                            })
                            .collect()
                    }),
                )?,
            }
        }
        Ok(g)
    }
}

/// An ALTER SEQUENCE's effect on the options (and where it restarts).
pub struct Altered {
    pub options: SequenceOptions,
    /// RESTART [WITH v]: the value the next `nextval` returns.
    pub restart: Option<i64>,
    pub owned_by: Option<OwnedBy>,
}

impl SequenceOptions {
    /// Resolves CREATE SEQUENCE options against PostgreSQL's defaults, with
    /// OWNED BY as written (the caller resolves and records it).
    pub fn from_create(
        options: &[ast::SequenceOptions],
    ) -> SqlResult<(SequenceOptions, Option<OwnedBy>)> {
        let g = Given::collect(options)?;
        let owned_by = g.owned_by.clone();
        Ok((resolve(None, g)?, owned_by))
    }

    /// Resolves ALTER SEQUENCE options over `current` as PostgreSQL does:
    /// unspecified options stay, except that a bound still at the old
    /// type's limit follows an AS change. `restart`: RESTART [WITH v];
    /// `last`: the current value, which must still be within the bounds.
    pub fn from_alter(
        current: &SequenceOptions,
        options: &[ast::SequenceOptions],
        restart: Option<Option<i64>>,
        last: i64,
    ) -> SqlResult<Altered> {
        let g = Given::collect(options)?;
        let owned_by = g.owned_by.clone();
        let resolved = resolve(Some(current), g)?;
        let restart = restart.map(|v| v.unwrap_or(resolved.start));
        let check = restart.unwrap_or(last);
        if check < resolved.min_value {
            return Err(invalid(format!(
                "RESTART value ({check}) cannot be less than MINVALUE ({})",
                resolved.min_value
            )));
        }
        if check > resolved.max_value {
            return Err(invalid(format!(
                "RESTART value ({check}) cannot be greater than MAXVALUE ({})",
                resolved.max_value
            )));
        }
        Ok(Altered {
            options: resolved,
            restart,
            owned_by,
        })
    }
}

/// `init_params` of PostgreSQL's sequence.c: `base` is the current options
/// for ALTER, `None` for CREATE.
fn resolve(base: Option<&SequenceOptions>, g: Given) -> SqlResult<SequenceOptions> {
    let old_type = base.map(|b| b.data_type);
    let data_type = g.data_type.or(old_type).unwrap_or(SequenceType::Int8);
    // ALTER ... AS: bounds still at the old type's limits follow the new type.
    let (reset_max, reset_min) = match (base, g.data_type) {
        (Some(b), Some(_)) => {
            let (old_min, old_max) = b.data_type.bounds();
            (b.max_value == old_max, b.min_value == old_min)
        }
        _ => (false, false),
    };
    let (type_min, type_max) = data_type.bounds();
    let increment = g.increment.or(base.map(|b| b.increment)).unwrap_or(1);
    if increment == 0 {
        return Err(invalid("INCREMENT must not be zero".to_string()));
    }
    let ascending = increment > 0;
    let max_value = match (g.max_value, base) {
        (Some(Some(m)), _) => m,
        (None, Some(b)) if !reset_max => b.max_value,
        _ if ascending || reset_max => type_max,
        _ => -1,
    };
    if max_value < type_min || max_value > type_max {
        return Err(invalid(format!(
            "MAXVALUE ({max_value}) is out of range for sequence data type {}",
            data_type.pg_name()
        )));
    }
    let min_value = match (g.min_value, base) {
        (Some(Some(m)), _) => m,
        (None, Some(b)) if !reset_min => b.min_value,
        _ if !ascending || reset_min => type_min,
        _ => 1,
    };
    if min_value < type_min || min_value > type_max {
        return Err(invalid(format!(
            "MINVALUE ({min_value}) is out of range for sequence data type {}",
            data_type.pg_name()
        )));
    }
    if min_value >= max_value {
        return Err(invalid(format!(
            "MINVALUE ({min_value}) must be less than MAXVALUE ({max_value})"
        )));
    }
    let start = match (g.start, base) {
        (Some(s), _) => s,
        (None, Some(b)) => b.start,
        (None, None) if ascending => min_value,
        (None, None) => max_value,
    };
    if start < min_value {
        return Err(invalid(format!(
            "START value ({start}) cannot be less than MINVALUE ({min_value})"
        )));
    }
    if start > max_value {
        return Err(invalid(format!(
            "START value ({start}) cannot be greater than MAXVALUE ({max_value})"
        )));
    }
    let cache = g.cache.or(base.map(|b| b.cache)).unwrap_or(1);
    if cache <= 0 {
        return Err(invalid(format!(
            "CACHE ({cache}) must be greater than zero"
        )));
    }
    Ok(SequenceOptions {
        data_type,
        increment,
        min_value,
        max_value,
        start,
        cache,
        cycle: g.cycle.or(base.map(|b| b.cycle)).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn resolve(sql: &str) -> SqlResult<SequenceOptions> {
        let stmts = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect("test SQL parses");
        let Some(ast::Statement::CreateSequence {
            sequence_options, ..
        }) = stmts.first()
        else {
            panic!("not CREATE SEQUENCE: {sql}");
        };
        SequenceOptions::from_create(sequence_options).map(|(o, _)| o)
    }

    fn message(sql: &str) -> String {
        match resolve(sql) {
            Ok(o) => panic!("{sql} accepted as {o:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_follow_the_increment_sign_and_type() {
        assert_eq!(
            resolve("CREATE SEQUENCE s").unwrap(),
            SequenceOptions::default()
        );
        let down = resolve("CREATE SEQUENCE s AS integer INCREMENT BY -2").unwrap();
        assert_eq!(
            (down.min_value, down.max_value, down.start),
            (i32::MIN.into(), -1, -1)
        );
        let small = resolve("CREATE SEQUENCE s AS smallint START 5 CACHE 10 CYCLE").unwrap();
        assert_eq!(
            (small.max_value, small.start, small.cache, small.cycle),
            (32767, 5, 10, true)
        );
    }

    /// The error cases at the top of pg-regress `sequence.sql`, with
    /// PostgreSQL 15's messages.
    #[test]
    fn invalid_options_give_postgres_messages() {
        for (sql, expected) in [
            (
                "CREATE SEQUENCE x INCREMENT BY 0",
                "INCREMENT must not be zero",
            ),
            (
                "CREATE SEQUENCE x INCREMENT BY -1 MINVALUE 20",
                "MINVALUE (20) must be less than MAXVALUE (-1)",
            ),
            (
                "CREATE SEQUENCE x INCREMENT BY 1 MAXVALUE -20",
                "MINVALUE (1) must be less than MAXVALUE (-20)",
            ),
            (
                "CREATE SEQUENCE x INCREMENT BY -1 START 10",
                "START value (10) cannot be greater than MAXVALUE (-1)",
            ),
            (
                "CREATE SEQUENCE x INCREMENT BY 1 START -10",
                "START value (-10) cannot be less than MINVALUE (1)",
            ),
            (
                "CREATE SEQUENCE x CACHE 0",
                "CACHE (0) must be greater than zero",
            ),
            (
                "CREATE SEQUENCE x AS text",
                "sequence type must be smallint, integer, or bigint",
            ),
            (
                "CREATE SEQUENCE x AS nosuchtype",
                "type \"nosuchtype\" does not exist",
            ),
            (
                "CREATE SEQUENCE x AS smallint MAXVALUE 100000",
                "MAXVALUE (100000) is out of range for sequence data type smallint",
            ),
            (
                "CREATE SEQUENCE x AS smallint MINVALUE -100000",
                "MINVALUE (-100000) is out of range for sequence data type smallint",
            ),
        ] {
            assert!(
                message(sql).contains(expected),
                "{sql}: got {:?}, want {expected:?}",
                message(sql)
            );
        }
    }
}
