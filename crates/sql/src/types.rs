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
    Bytea,
    Uuid,
    Interval,
    Time,
    Json,
    Jsonb,
    /// A one-dimensional array.
    Array(Elem),
    /// int2vector (`pg_index.indkey`): int2 values held as an int2 array,
    /// printed space-separated and subscripted from 0, as in PostgreSQL.
    Int2Vector,
    /// oid: an unsigned 32-bit object identifier, held as `Datum::Int8`.
    Oid,
    /// name: an identifier of at most 63 bytes, held as `Datum::Text`.
    Name,
    /// "char": one byte, held as `Datum::Text` in its output form (`a`,
    /// `\\377` for a high byte, the empty string for 0).
    InternalChar,
    /// A user-defined enum (CREATE TYPE ... AS ENUM), by type OID; values
    /// are held as `Datum::Text` labels, ordered by `crate::user_types`.
    Enum(u32),
    /// A user-defined composite type (CREATE TYPE ... AS (...)), by type
    /// OID; values are held as `Datum::Text` in record output form
    /// (`crate::composite`).
    Composite(u32),
    /// pg_lsn: a write-ahead-log position, an unsigned 64-bit integer
    /// printed as two hex halves (`crate::pg_lsn`), held as `Datum::PgLsn`.
    PgLsn,
    /// bit(n) and bit varying(n) (`crate::bit_string`), held as
    /// `Datum::Bits`; the typmod is the length (-1: any, as a B'…' literal).
    Bit,
    VarBit,
    /// The geometric types (`crate::geometry`), held as `Datum::Geo`.
    Point,
    Lseg,
    GeoBox,
    Path,
    Polygon,
    Circle,
    Line,
    /// money: cents as `Datum::Money` (`crate::money`).
    Money,
    /// An anonymous row (`record`, OID 2249): `ROW(...)` before context
    /// gives it a composite type, or a whole-row reference; held like a
    /// composite value.
    Record,
    /// A user-defined base type (CREATE TYPE name (INPUT = ..., OUTPUT =
    /// ...)), by type OID; values are held as the datum of the built-in
    /// type whose I/O routines its input and output functions are
    /// (`crate::base_types`).
    Base(u32),
    /// cstring: the pseudo-type of I/O functions' text, held as `Datum::Text`.
    Cstring,
}

/// Element type of a one-dimensional array type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Elem {
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
    Bytea,
    Uuid,
    Interval,
    Time,
    Json,
    Jsonb,
    Oid,
    Name,
    /// A user-defined enum, by type OID.
    Enum(u32),
    /// A user-defined composite type, by type OID.
    Composite(u32),
    /// Geometric types (box aside: its arrays use `;` between elements) and money.
    Point,
    Lseg,
    Path,
    Polygon,
    Circle,
    Line,
    Money,
}

impl Elem {
    pub fn ty(self) -> SqlType {
        match self {
            Elem::Bool => SqlType::Bool,
            Elem::Int2 => SqlType::Int2,
            Elem::Int4 => SqlType::Int4,
            Elem::Int8 => SqlType::Int8,
            Elem::Float4 => SqlType::Float4,
            Elem::Float8 => SqlType::Float8,
            Elem::Numeric => SqlType::Numeric,
            Elem::Text => SqlType::Text,
            Elem::Varchar => SqlType::Varchar,
            Elem::Bpchar => SqlType::Bpchar,
            Elem::Date => SqlType::Date,
            Elem::Timestamp => SqlType::Timestamp,
            Elem::TimestampTz => SqlType::TimestampTz,
            Elem::Bytea => SqlType::Bytea,
            Elem::Uuid => SqlType::Uuid,
            Elem::Interval => SqlType::Interval,
            Elem::Time => SqlType::Time,
            Elem::Json => SqlType::Json,
            Elem::Jsonb => SqlType::Jsonb,
            Elem::Oid => SqlType::Oid,
            Elem::Name => SqlType::Name,
            Elem::Enum(oid) => SqlType::Enum(oid),
            Elem::Composite(oid) => SqlType::Composite(oid),
            Elem::Point => SqlType::Point,
            Elem::Lseg => SqlType::Lseg,
            Elem::Path => SqlType::Path,
            Elem::Polygon => SqlType::Polygon,
            Elem::Circle => SqlType::Circle,
            Elem::Line => SqlType::Line,
            Elem::Money => SqlType::Money,
        }
    }

    /// The element kind of a scalar type (None for unknown and arrays).
    pub fn of(t: SqlType) -> Option<Elem> {
        Some(match t {
            SqlType::Bool => Elem::Bool,
            SqlType::Int2 => Elem::Int2,
            SqlType::Int4 => Elem::Int4,
            SqlType::Int8 => Elem::Int8,
            SqlType::Float4 => Elem::Float4,
            SqlType::Float8 => Elem::Float8,
            SqlType::Numeric => Elem::Numeric,
            SqlType::Text => Elem::Text,
            SqlType::Varchar => Elem::Varchar,
            SqlType::Bpchar => Elem::Bpchar,
            SqlType::Date => Elem::Date,
            SqlType::Timestamp => Elem::Timestamp,
            SqlType::TimestampTz => Elem::TimestampTz,
            SqlType::Bytea => Elem::Bytea,
            SqlType::Uuid => Elem::Uuid,
            SqlType::Interval => Elem::Interval,
            SqlType::Time => Elem::Time,
            SqlType::Json => Elem::Json,
            SqlType::Jsonb => Elem::Jsonb,
            SqlType::Oid => Elem::Oid,
            SqlType::Name => Elem::Name,
            SqlType::Enum(oid) => Elem::Enum(oid),
            SqlType::Composite(oid) => Elem::Composite(oid),
            SqlType::Point => Elem::Point,
            SqlType::Lseg => Elem::Lseg,
            SqlType::Path => Elem::Path,
            SqlType::Polygon => Elem::Polygon,
            SqlType::Circle => Elem::Circle,
            SqlType::Line => Elem::Line,
            SqlType::Money => Elem::Money,
            SqlType::Record
            | SqlType::Base(_)
            | SqlType::Cstring
            | SqlType::PgLsn
            | SqlType::GeoBox
            | SqlType::Bit
            | SqlType::VarBit
            | SqlType::Unknown
            | SqlType::Array(_)
            | SqlType::Int2Vector
            | SqlType::InternalChar => return None,
        })
    }

    fn oid(self) -> u32 {
        match self {
            Elem::Bool => 1000,
            Elem::Int2 => 1005,
            Elem::Int4 => 1007,
            Elem::Int8 => 1016,
            Elem::Float4 => 1021,
            Elem::Float8 => 1022,
            Elem::Numeric => 1231,
            Elem::Text => 1009,
            Elem::Varchar => 1015,
            Elem::Bpchar => 1014,
            Elem::Date => 1182,
            Elem::Timestamp => 1115,
            Elem::TimestampTz => 1185,
            Elem::Bytea => 1001,
            Elem::Uuid => 2951,
            Elem::Interval => 1187,
            Elem::Time => 1183,
            Elem::Json => 199,
            Elem::Jsonb => 3807,
            Elem::Oid => 1028,
            Elem::Name => 1003,
            Elem::Enum(oid) | Elem::Composite(oid) => crate::user_types::array_oid(oid),
            Elem::Point => 1017,
            Elem::Lseg => 1018,
            Elem::Path => 1019,
            Elem::Polygon => 1027,
            Elem::Circle => 719,
            Elem::Line => 629,
            Elem::Money => 791,
        }
    }

    fn display_name(self) -> &'static str {
        match self {
            Elem::Bool => "boolean[]",
            Elem::Int2 => "smallint[]",
            Elem::Int4 => "integer[]",
            Elem::Int8 => "bigint[]",
            Elem::Float4 => "real[]",
            Elem::Float8 => "double precision[]",
            Elem::Numeric => "numeric[]",
            Elem::Text => "text[]",
            Elem::Varchar => "character varying[]",
            Elem::Bpchar => "character[]",
            Elem::Date => "date[]",
            Elem::Timestamp => "timestamp without time zone[]",
            Elem::TimestampTz => "timestamp with time zone[]",
            Elem::Bytea => "bytea[]",
            Elem::Uuid => "uuid[]",
            Elem::Interval => "interval[]",
            Elem::Time => "time without time zone[]",
            Elem::Json => "json[]",
            Elem::Jsonb => "jsonb[]",
            Elem::Oid => "oid[]",
            Elem::Name => "name[]",
            Elem::Enum(oid) | Elem::Composite(oid) => crate::user_types::array_display_name(oid),
            Elem::Point => "point[]",
            Elem::Lseg => "lseg[]",
            Elem::Path => "path[]",
            Elem::Polygon => "polygon[]",
            Elem::Circle => "circle[]",
            Elem::Line => "line[]",
            Elem::Money => "money[]",
        }
    }

    fn typname(self) -> &'static str {
        match self {
            Elem::Bool => "_bool",
            Elem::Int2 => "_int2",
            Elem::Int4 => "_int4",
            Elem::Int8 => "_int8",
            Elem::Float4 => "_float4",
            Elem::Float8 => "_float8",
            Elem::Numeric => "_numeric",
            Elem::Text => "_text",
            Elem::Varchar => "_varchar",
            Elem::Bpchar => "_bpchar",
            Elem::Date => "_date",
            Elem::Timestamp => "_timestamp",
            Elem::TimestampTz => "_timestamptz",
            Elem::Bytea => "_bytea",
            Elem::Uuid => "_uuid",
            Elem::Interval => "_interval",
            Elem::Time => "_time",
            Elem::Json => "_json",
            Elem::Jsonb => "_jsonb",
            Elem::Oid => "_oid",
            Elem::Name => "_name",
            Elem::Enum(oid) | Elem::Composite(oid) => crate::user_types::array_typname(oid),
            Elem::Point => "_point",
            Elem::Lseg => "_lseg",
            Elem::Path => "_path",
            Elem::Polygon => "_polygon",
            Elem::Circle => "_circle",
            Elem::Line => "_line",
            Elem::Money => "_money",
        }
    }

    fn from_oid(oid: u32) -> Option<Elem> {
        Some(match oid {
            1000 => Elem::Bool,
            1005 => Elem::Int2,
            1007 => Elem::Int4,
            1016 => Elem::Int8,
            1021 => Elem::Float4,
            1022 => Elem::Float8,
            1231 => Elem::Numeric,
            1009 => Elem::Text,
            1015 => Elem::Varchar,
            1014 => Elem::Bpchar,
            1182 => Elem::Date,
            1115 => Elem::Timestamp,
            1185 => Elem::TimestampTz,
            1001 => Elem::Bytea,
            2951 => Elem::Uuid,
            1187 => Elem::Interval,
            1183 => Elem::Time,
            199 => Elem::Json,
            3807 => Elem::Jsonb,
            1028 => Elem::Oid,
            1003 => Elem::Name,
            1017 => Elem::Point,
            1018 => Elem::Lseg,
            1019 => Elem::Path,
            1027 => Elem::Polygon,
            719 => Elem::Circle,
            629 => Elem::Line,
            791 => Elem::Money,
            other => return crate::user_types::elem_of_array_oid(other),
        })
    }
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
    Bytea,
    Uuid,
    Timespan,
    Time,
    Json,
    Jsonb,
    Array,
    /// oid: no arithmetic; integers cast to it implicitly.
    Oid,
    /// User-defined enums (PostgreSQL's category 'E').
    Enum,
    /// Composite types and `record` (PostgreSQL's category 'C').
    Composite,
    /// Types of PostgreSQL's category 'U' (pg_lsn).
    User,
    /// Bit strings (PostgreSQL's category 'V').
    BitString,
    /// point, path, box, ... (PostgreSQL's category 'G').
    Geometric,
    /// money (in PostgreSQL's category 'N', but with none of the numeric
    /// types' implicit casts, so kept apart here).
    Money,
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
            SqlType::Bytea => 17,
            SqlType::Uuid => 2950,
            SqlType::Interval => 1186,
            SqlType::Time => 1083,
            SqlType::Json => 114,
            SqlType::Jsonb => 3802,
            SqlType::Array(e) => e.oid(),
            SqlType::Int2Vector => 22,
            SqlType::Oid => 26,
            SqlType::Name => 19,
            SqlType::InternalChar => 18,
            SqlType::Enum(oid) | SqlType::Composite(oid) | SqlType::Base(oid) => oid,
            SqlType::Record => 2249,
            SqlType::Cstring => 2275,
            SqlType::PgLsn => 3220,
            SqlType::Bit => 1560,
            SqlType::VarBit => 1562,
            SqlType::Point => 600,
            SqlType::Lseg => 601,
            SqlType::Path => 602,
            SqlType::GeoBox => 603,
            SqlType::Polygon => 604,
            SqlType::Line => 628,
            SqlType::Circle => 718,
            SqlType::Money => 790,
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
            17 => SqlType::Bytea,
            2950 => SqlType::Uuid,
            1186 => SqlType::Interval,
            1083 => SqlType::Time,
            114 => SqlType::Json,
            3802 => SqlType::Jsonb,
            22 => SqlType::Int2Vector,
            26 => SqlType::Oid,
            19 => SqlType::Name,
            18 => SqlType::InternalChar,
            2249 => SqlType::Record,
            2275 => SqlType::Cstring,
            3220 => SqlType::PgLsn,
            1560 => SqlType::Bit,
            1562 => SqlType::VarBit,
            600 => SqlType::Point,
            601 => SqlType::Lseg,
            602 => SqlType::Path,
            603 => SqlType::GeoBox,
            604 => SqlType::Polygon,
            628 => SqlType::Line,
            718 => SqlType::Circle,
            790 => SqlType::Money,
            other if crate::user_types::is_enum_oid(other) => SqlType::Enum(other),
            other if crate::user_types::is_composite_oid(other) => SqlType::Composite(other),
            other if crate::user_types::is_base_oid(other) => SqlType::Base(other),
            _ => return Elem::from_oid(oid).map(SqlType::Array),
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
            SqlType::Bytea => "bytea",
            SqlType::Uuid => "uuid",
            SqlType::Interval => "interval",
            SqlType::Time => "time without time zone",
            SqlType::Json => "json",
            SqlType::Jsonb => "jsonb",
            SqlType::Array(e) => e.display_name(),
            SqlType::Int2Vector => "int2vector",
            SqlType::Oid => "oid",
            SqlType::Name => "name",
            SqlType::InternalChar => "\"char\"",
            SqlType::Enum(oid) | SqlType::Composite(oid) | SqlType::Base(oid) => {
                crate::user_types::display_name(oid)
            }
            SqlType::Record => "record",
            SqlType::Cstring => "cstring",
            SqlType::PgLsn => "pg_lsn",
            SqlType::Bit => "bit",
            SqlType::VarBit => "bit varying",
            SqlType::Point => "point",
            SqlType::Lseg => "lseg",
            SqlType::GeoBox => "box",
            SqlType::Path => "path",
            SqlType::Polygon => "polygon",
            SqlType::Circle => "circle",
            SqlType::Line => "line",
            SqlType::Money => "money",
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
            SqlType::Bytea => "bytea",
            SqlType::Uuid => "uuid",
            SqlType::Interval => "interval",
            SqlType::Time => "time",
            SqlType::Json => "json",
            SqlType::Jsonb => "jsonb",
            SqlType::Array(e) => e.typname(),
            SqlType::Int2Vector => "int2vector",
            SqlType::Oid => "oid",
            SqlType::Name => "name",
            SqlType::InternalChar => "char",
            SqlType::Enum(oid) | SqlType::Composite(oid) | SqlType::Base(oid) => {
                crate::user_types::display_name(oid)
            }
            SqlType::Record => "record",
            SqlType::Cstring => "cstring",
            SqlType::PgLsn => "pg_lsn",
            SqlType::Bit => "bit",
            SqlType::VarBit => "varbit",
            SqlType::Point => "point",
            SqlType::Lseg => "lseg",
            SqlType::GeoBox => "box",
            SqlType::Path => "path",
            SqlType::Polygon => "polygon",
            SqlType::Circle => "circle",
            SqlType::Line => "line",
            SqlType::Money => "money",
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
            SqlType::Text
            | SqlType::Varchar
            | SqlType::Bpchar
            | SqlType::Name
            | SqlType::InternalChar => Category::String,
            SqlType::Oid => Category::Oid,
            SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz => Category::DateTime,
            SqlType::Unknown => Category::Unknown,
            SqlType::Bytea => Category::Bytea,
            SqlType::Uuid => Category::Uuid,
            SqlType::Interval => Category::Timespan,
            SqlType::Time => Category::Time,
            SqlType::Json => Category::Json,
            SqlType::Jsonb => Category::Jsonb,
            SqlType::Array(_) | SqlType::Int2Vector => Category::Array,
            SqlType::Enum(_) => Category::Enum,
            SqlType::Composite(_) | SqlType::Record => Category::Composite,
            SqlType::PgLsn | SqlType::Base(_) | SqlType::Cstring => Category::User,
            SqlType::Bit | SqlType::VarBit => Category::BitString,
            SqlType::Point
            | SqlType::Lseg
            | SqlType::GeoBox
            | SqlType::Path
            | SqlType::Polygon
            | SqlType::Circle
            | SqlType::Line => Category::Geometric,
            SqlType::Money => Category::Money,
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
            SqlType::Bit | SqlType::VarBit => format!("{base}({})", self.typmod),
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

/// bit(n) / bit varying(n): n must be at least 1.
fn bit_type(ty: SqlType, n: Option<u64>) -> SqlResult<ColType> {
    match n {
        None => Ok(ty.plain()),
        Some(n) if (1..=crate::bit_string::MAX_TYPMOD).contains(&n) => Ok(ColType {
            ty,
            typmod: n as i32,
        }),
        Some(0) => Err(SqlError::new(
            "22023",
            format!("length for type {} must be at least 1", ty.typname()),
        )),
        Some(_) => Err(SqlError::new(
            "22023",
            format!(
                "length for type {} cannot exceed {}",
                ty.typname(),
                crate::bit_string::MAX_TYPMOD
            ),
        )),
    }
}

/// (precision, scale) of a numeric typmod.
pub fn numeric_typmod(typmod: i32) -> (i32, i32) {
    let t = typmod - 4;
    // The scale is an 11-bit two's-complement field (PostgreSQL 15 allows -1000..1000).
    ((t >> 16) & 0xffff, ((t & 0x7ff) ^ 1024) - 1024)
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
        DataType::Bytea => plain(SqlType::Bytea),
        DataType::JSON => plain(SqlType::Json),
        DataType::JSONB => plain(SqlType::Jsonb),
        DataType::Array(
            sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | sqlparser::ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => {
            let e = from_ast(inner)?;
            match Elem::of(e.ty) {
                Some(el) => plain(SqlType::Array(el)),
                None => Err(SqlError::unsupported(format!("arrays of {}", e.display()))),
            }
        }
        DataType::Uuid => plain(SqlType::Uuid),
        DataType::GeometricType(kind) => plain(geometric_type(*kind)),
        // bit alone is bit(1); bit varying alone has no limit.
        DataType::Bit(n) => bit_type(SqlType::Bit, Some(n.unwrap_or(1))),
        DataType::BitVarying(n) | DataType::VarBit(n) => bit_type(SqlType::VarBit, *n),
        DataType::Interval { fields: None, .. } => plain(SqlType::Interval),
        DataType::Time(_, ast_tz::None | ast_tz::WithoutTimeZone) => plain(SqlType::Time),
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
            // "char" (quoted; plain char is character(1)).
            if let [part] = name.0.as_slice() {
                if part
                    .as_ident()
                    .is_some_and(|i| i.quote_style == Some('"') && i.value == "char")
                {
                    return plain(SqlType::InternalChar);
                }
            }
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
                "oid" => plain(SqlType::Oid),
                "name" => plain(SqlType::Name),
                "pg_lsn" => plain(SqlType::PgLsn),
                "varbit" => plain(SqlType::VarBit),
                "cstring" => plain(SqlType::Cstring),
                "point" => plain(SqlType::Point),
                "lseg" => plain(SqlType::Lseg),
                "box" => plain(SqlType::GeoBox),
                "path" => plain(SqlType::Path),
                "polygon" => plain(SqlType::Polygon),
                "circle" => plain(SqlType::Circle),
                "line" => plain(SqlType::Line),
                "money" => plain(SqlType::Money),
                _ => Err(SqlError::new(
                    "42704",
                    format!("type \"{n}\" does not exist"),
                )),
            }
        }
        other => Err(SqlError::unsupported(format!("type {other}"))),
    }
}

/// The type of sqlparser's geometric type keyword (`point '(1,2)'`).
fn geometric_type(kind: sqlparser::ast::GeometricTypeKind) -> SqlType {
    use sqlparser::ast::GeometricTypeKind as K;
    match kind {
        K::Point => SqlType::Point,
        K::Line => SqlType::Line,
        K::LineSegment => SqlType::Lseg,
        K::GeometricBox => SqlType::GeoBox,
        K::GeometricPath => SqlType::Path,
        K::Polygon => SqlType::Polygon,
        K::Circle => SqlType::Circle,
    }
}

fn numeric_mod(p: u64, s: i64) -> SqlResult<i32> {
    if !(1..=1000).contains(&p) {
        return Err(SqlError::new(
            "22023",
            format!("NUMERIC precision {p} must be between 1 and 1000"),
        ));
    }
    if !(-1000..=1000).contains(&s) {
        return Err(SqlError::new(
            "22023",
            format!("NUMERIC scale {s} must be between -1000 and 1000"),
        ));
    }
    Ok((((p as i32) << 16) | (s as i32 & 0x7ff)) + 4)
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
        assert!(numeric_mod(3, 1001).is_err());
        assert_eq!(numeric_typmod(numeric_mod(3, -6).unwrap()), (3, -6));
        assert_eq!(numeric_typmod(numeric_mod(3, 5).unwrap()), (3, 5));
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
            SqlType::Oid,
            SqlType::Name,
            SqlType::InternalChar,
            SqlType::Array(Elem::Oid),
            SqlType::Point,
            SqlType::Path,
            SqlType::GeoBox,
            SqlType::Money,
        ] {
            assert_eq!(SqlType::from_oid(t.oid()), Some(t));
        }
    }
}
