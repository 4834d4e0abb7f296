//! SQL types: the PostgreSQL types the engine supports, their OIDs, names,
//! type modifiers, and how sqlparser's `DataType` maps onto them.

use serde::{Deserialize, Serialize};
use sqlparser::ast::{CharacterLength, DataType, ExactNumberInfo, TimezoneInfo as ast_tz};

use crate::error::{SqlError, SqlResult};

/// A PostgreSQL base type. `Unknown` is the type of an untyped string literal
/// (or parameter) until context gives it one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SqlType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Date,
    Timestamp,
    TimestampTz,
    Unknown,
}

/// A type with its modifier (-1 = none), as PostgreSQL's atttypmod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColType {
    pub ty: SqlType,
    pub typmod: i32,
}

/// Type categories that drive implicit casts and operator resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Bool,
    Numeric,
    String,
    DateTime,
    Unknown,
}

impl SqlType {
    pub fn oid(self) -> u32 {
        match self {
            SqlType::Bool => 16,
            SqlType::Int2 => 21,
            SqlType::Int4 => 23,
            SqlType::Int8 => 20,
            SqlType::Float4 => 700,
            SqlType::Float8 => 701,
            SqlType::Numeric => 1700,
            SqlType::Text => 25,
            SqlType::Varchar => 1043,
            SqlType::Bpchar => 1042,
            SqlType::Date => 1082,
            SqlType::Timestamp => 1114,
            SqlType::TimestampTz => 1184,
            SqlType::Unknown => 705,
        }
    }

    pub fn from_oid(oid: u32) -> Option<SqlType> {
        Some(match oid {
            16 => SqlType::Bool,
            21 => SqlType::Int2,
            23 => SqlType::Int4,
            20 => SqlType::Int8,
            700 => SqlType::Float4,
            701 => SqlType::Float8,
            1700 => SqlType::Numeric,
            25 => SqlType::Text,
            1043 => SqlType::Varchar,
            1042 => SqlType::Bpchar,
            1082 => SqlType::Date,
            1114 => SqlType::Timestamp,
            1184 => SqlType::TimestampTz,
            705 => SqlType::Unknown,
            _ => return None,
        })
    }

    /// The name PostgreSQL prints in messages (format_type).
    pub fn display_name(self) -> &'static str {
        match self {
            SqlType::Bool => "boolean",
            SqlType::Int2 => "smallint",
            SqlType::Int4 => "integer",
            SqlType::Int8 => "bigint",
            SqlType::Float4 => "real",
            SqlType::Float8 => "double precision",
            SqlType::Numeric => "numeric",
            SqlType::Text => "text",
            SqlType::Varchar => "character varying",
            SqlType::Bpchar => "character",
            SqlType::Date => "date",
            SqlType::Timestamp => "timestamp without time zone",
            SqlType::TimestampTz => "timestamp with time zone",
            SqlType::Unknown => "unknown",
        }
    }

    /// pg_type.typname, used as a column name for casts (`SELECT 1::int` -> "int4").
    pub fn typname(self) -> &'static str {
        match self {
            SqlType::Bool => "bool",
            SqlType::Int2 => "int2",
            SqlType::Int4 => "int4",
            SqlType::Int8 => "int8",
            SqlType::Float4 => "float4",
            SqlType::Float8 => "float8",
            SqlType::Numeric => "numeric",
            SqlType::Text => "text",
            SqlType::Varchar => "varchar",
            SqlType::Bpchar => "bpchar",
            SqlType::Date => "date",
            SqlType::Timestamp => "timestamp",
            SqlType::TimestampTz => "timestamptz",
            SqlType::Unknown => "unknown",
        }
    }

    pub fn category(self) -> Category {
        match self {
            SqlType::Bool => Category::Bool,
            SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Float4
            | SqlType::Float8
            | SqlType::Numeric => Category::Numeric,
            SqlType::Text | SqlType::Varchar | SqlType::Bpchar => Category::String,
            SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz => Category::DateTime,
            SqlType::Unknown => Category::Unknown,
        }
    }

    /// Rank in the numeric implicit-cast chain int2 < int4 < int8 < numeric < float4 < float8.
    pub fn numeric_rank(self) -> u8 {
        match self {
            SqlType::Int2 => 1,
            SqlType::Int4 => 2,
            SqlType::Int8 => 3,
            SqlType::Numeric => 4,
            SqlType::Float4 => 5,
            SqlType::Float8 => 6,
            _ => 0,
        }
    }

    /// Rank in the implicit-cast chain date < timestamp < timestamptz.
    pub fn datetime_rank(self) -> u8 {
        match self {
            SqlType::Date => 1,
            SqlType::Timestamp => 2,
            SqlType::TimestampTz => 3,
            _ => 0,
        }
    }

    pub fn plain(self) -> ColType {
        ColType {
            ty: self,
            typmod: -1,
        }
    }
}

impl ColType {
    /// format_type with modifier: `character varying(3)`, `numeric(5,2)`.
    pub fn display(&self) -> String {
        let base = self.ty.display_name();
        if self.typmod < 0 {
            return base.to_string();
        }
        match self.ty {
            SqlType::Varchar | SqlType::Bpchar => format!("{base}({})", self.typmod - 4),
            SqlType::Numeric => {
                let (p, s) = numeric_typmod(self.typmod);
                format!("numeric({p},{s})")
            }
            _ => base.to_string(),
        }
    }

    /// Declared length of varchar(n)/char(n).
    pub fn char_len(&self) -> Option<usize> {
        if matches!(self.ty, SqlType::Varchar | SqlType::Bpchar) && self.typmod >= 4 {
            Some((self.typmod - 4) as usize)
        } else {
            None
        }
    }
}

/// (precision, scale) of a numeric typmod.
pub fn numeric_typmod(typmod: i32) -> (i32, i32) {
    let t = typmod - 4;
    ((t >> 16) & 0xffff, t & 0xffff)
}

const MAX_CHAR_LEN: u64 = 10 * 1024 * 1024;

fn char_len(len: &Option<CharacterLength>, name: &str) -> SqlResult<i32> {
    match len {
        None => Ok(-1),
        Some(CharacterLength::Max) => Err(SqlError::syntax("syntax error at or near \"max\"")),
        Some(CharacterLength::IntegerLength { length, .. }) => {
            if *length == 0 {
                return Err(SqlError::new(
                    "22023",
                    format!("length for type {name} must be at least 1"),
                ));
            }
            if *length > MAX_CHAR_LEN {
                return Err(SqlError::new(
                    "22023",
                    format!("length for type {name} cannot exceed {MAX_CHAR_LEN}"),
                ));
            }
            Ok(*length as i32 + 4)
        }
    }
}

/// Maps a parsed type name to a supported type, or 0A000/42704.
pub fn from_ast(dt: &DataType) -> SqlResult<ColType> {
    let plain = |t: SqlType| Ok(t.plain());
    match dt {
        DataType::Bool | DataType::Boolean => plain(SqlType::Bool),
        DataType::SmallInt(_) | DataType::Int2(_) => plain(SqlType::Int2),
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => plain(SqlType::Int4),
        DataType::BigInt(_) | DataType::Int8(_) => plain(SqlType::Int8),
        DataType::Real | DataType::Float4 => plain(SqlType::Float4),
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float8 => {
            plain(SqlType::Float8)
        }
        DataType::Float(info) => match info {
            ExactNumberInfo::Precision(p) if *p >= 1 && *p <= 24 => plain(SqlType::Float4),
            ExactNumberInfo::Precision(p) if *p > 53 || *p < 1 => Err(SqlError::new(
                "22023",
                format!(
                    "precision for type float must be {}",
                    if *p < 1 {
                        "at least 1 bit"
                    } else {
                        "less than 54 bits"
                    }
                ),
            )),
            _ => plain(SqlType::Float8),
        },
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => {
            let typmod = match info {
                ExactNumberInfo::None => -1,
                ExactNumberInfo::Precision(p) => numeric_mod(*p, 0)?,
                ExactNumberInfo::PrecisionAndScale(p, s) => numeric_mod(*p, *s)?,
            };
            Ok(ColType {
                ty: SqlType::Numeric,
                typmod,
            })
        }
        DataType::Text | DataType::String(None) => plain(SqlType::Text),
        DataType::Date => plain(SqlType::Date),
        DataType::Timestamp(p, tz) => {
            let ty = match tz {
                ast_tz::WithTimeZone | ast_tz::Tz => SqlType::TimestampTz,
                _ => SqlType::Timestamp,
            };
            let typmod = match p {
                None => -1,
                Some(p) if *p <= 6 => *p as i32,
                Some(_) => 6,
            };
            Ok(ColType { ty, typmod })
        }
        DataType::Varchar(l) | DataType::CharacterVarying(l) | DataType::CharVarying(l) => {
            Ok(ColType {
                ty: SqlType::Varchar,
                typmod: char_len(l, "varchar")?,
            })
        }
        DataType::Char(l) | DataType::Character(l) => {
            // char without length means char(1).
            let typmod = if l.is_none() { 5 } else { char_len(l, "char")? };
            Ok(ColType {
                ty: SqlType::Bpchar,
                typmod,
            })
        }
        DataType::Custom(name, mods) if mods.is_empty() => {
            let n = name.to_string().to_lowercase();
            match n.as_str() {
                "bpchar" => plain(SqlType::Bpchar),
                "float4" => plain(SqlType::Float4),
                "float8" => plain(SqlType::Float8),
                "int2" => plain(SqlType::Int2),
                "int4" => plain(SqlType::Int4),
                "int8" => plain(SqlType::Int8),
                "bool" => plain(SqlType::Bool),
                "varchar" => plain(SqlType::Varchar),
                "timestamptz" => plain(SqlType::TimestampTz),
                _ => Err(SqlError::new(
                    "42704",
                    format!("type \"{n}\" does not exist"),
                )),
            }
        }
        other => Err(SqlError::unsupported(format!("type {other}"))),
    }
}

fn numeric_mod(p: u64, s: i64) -> SqlResult<i32> {
    if !(1..=1000).contains(&p) {
        return Err(SqlError::new(
            "22023",
            format!("NUMERIC precision {p} must be between 1 and 1000"),
        ));
    }
    if s < 0 || s as u64 > p {
        return Err(SqlError::new(
            "22023",
            format!("NUMERIC scale {s} must be between 0 and precision {p}"),
        ));
    }
    Ok((((p as i32) << 16) | s as i32) + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmods_follow_postgres() {
        let v = ColType {
            ty: SqlType::Varchar,
            typmod: 7,
        };
        assert_eq!(v.display(), "character varying(3)");
        assert_eq!(v.char_len(), Some(3));
        let n = ColType {
            ty: SqlType::Numeric,
            typmod: numeric_mod(5, 2).unwrap(),
        };
        assert_eq!(n.display(), "numeric(5,2)");
        assert_eq!(numeric_typmod(n.typmod), (5, 2));
        assert!(numeric_mod(0, 0).is_err());
        assert!(numeric_mod(3, 4).is_err());
    }

    #[test]
    fn oids_round_trip() {
        for t in [
            SqlType::Bool,
            SqlType::Int2,
            SqlType::Int4,
            SqlType::Int8,
            SqlType::Float4,
            SqlType::Float8,
            SqlType::Numeric,
            SqlType::Text,
            SqlType::Varchar,
            SqlType::Bpchar,
        ] {
            assert_eq!(SqlType::from_oid(t.oid()), Some(t));
        }
    }
}
