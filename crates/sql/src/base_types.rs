//! User-defined base types: shell types (`CREATE TYPE name;`), base types
//! built from I/O functions (`CREATE TYPE name (INPUT = f, OUTPUT = g,
//! LIKE = t, ...)`) and range type definitions (`CREATE TYPE name AS RANGE
//! (SUBTYPE = t, ...)`).
//!
//! Borealis has no loadable C code, so a base type's input and output
//! functions are always `LANGUAGE internal` functions bound to built-in I/O
//! routines (`crate::internal_functions`). A value of the type is held as
//! the datum those routines produce: a type made from `int4in`/`int4out`
//! holds `Datum::Int4`. Its storage attributes (length, by-value,
//! alignment) come from `LIKE` or the explicit options, as in PostgreSQL,
//! and decide which binary-coercible casts (`CREATE CAST ... WITHOUT
//! FUNCTION`) are allowed; such a cast reinterprets the bytes of the value
//! (`reinterpret`), so an int4 bit pattern cast to a float4-like type
//! becomes that float.

use serde::{Deserialize, Serialize};
use sqlparser::ast;

use crate::catalog::Catalog;
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::types::{ColType, SqlType};
use crate::user_types::{UserTypeDef, UserTypeKind};

/// A base type's definition (pg_type of typtype 'b').
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BaseTypeDef {
    /// The input and output functions (user functions of LANGUAGE internal).
    pub input: String,
    pub output: String,
    /// The built-in type whose text I/O the functions implement; values
    /// are held as its datums.
    pub representation: SqlType,
    /// pg_type.typlen (-1: variable length).
    pub length: i16,
    pub by_value: bool,
    /// pg_type.typalign ('c', 's', 'i', 'd').
    pub alignment: char,
    /// pg_type.typstorage ('p', 'e', 'm', 'x').
    pub storage: char,
    /// pg_type.typcategory.
    pub category: char,
    pub preferred: bool,
}

/// A range type's definition (pg_range). Range values are not supported
/// yet: the type exists in the catalog but columns and values of it are
/// refused.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RangeTypeDef {
    pub subtype: ColType,
    pub subtype_diff: Option<String>,
    pub collation: Option<String>,
    pub canonical: Option<String>,
    pub subtype_opclass: Option<String>,
    pub multirange_name: String,
}

/// Storage attributes of a built-in type: (typlen, typbyval, typalign, typstorage).
pub fn storage_of(ty: SqlType) -> (i16, bool, char, char) {
    match ty {
        SqlType::Bool | SqlType::InternalChar => (1, true, 'c', 'p'),
        SqlType::Int2 => (2, true, 's', 'p'),
        SqlType::Int4 | SqlType::Float4 | SqlType::Oid | SqlType::Date => (4, true, 'i', 'p'),
        SqlType::Int8
        | SqlType::Float8
        | SqlType::Timestamp
        | SqlType::TimestampTz
        | SqlType::Time
        | SqlType::PgLsn
        | SqlType::Money => (8, true, 'd', 'p'),
        SqlType::Uuid => (16, false, 'c', 'p'),
        SqlType::Interval => (16, false, 'd', 'p'),
        SqlType::Name => (64, false, 'c', 'p'),
        SqlType::Cstring => (-2, false, 'c', 'p'),
        SqlType::Base(oid) => match crate::user_types::lookup(oid).map(|d| d.kind.clone()) {
            Some(UserTypeKind::Base(b)) => (b.length, b.by_value, b.alignment, b.storage),
            _ => (4, true, 'i', 'p'),
        },
        SqlType::Enum(_) => (4, true, 'i', 'p'),
        SqlType::Numeric => (-1, false, 'i', 'm'),
        _ => (-1, false, 'i', 'x'),
    }
}

/// The built-in type whose datums hold values of `ty` (itself unless `ty`
/// is a user base type).
pub fn representation(ty: SqlType) -> SqlType {
    if let SqlType::Base(oid) = ty {
        if let Some(def) = crate::user_types::lookup(oid) {
            if let UserTypeKind::Base(b) = &def.kind {
                return b.representation;
            }
        }
    }
    ty
}

/// Text input of a base type: its input function's routine.
pub fn parse_input(oid: u32, s: &str) -> SqlResult<Datum> {
    let repr = representation(SqlType::Base(oid));
    if matches!(repr, SqlType::Base(_)) {
        let name = crate::user_types::display_name(oid);
        return Err(shell_error(name));
    }
    crate::datum::parse_text(s, repr.plain())
}

/// 42809 for a use of a shell type's values.
pub fn shell_error(name: &str) -> SqlError {
    SqlError::new("42809", format!("type \"{name}\" is only a shell"))
}

/// The bytes a value of `ty` occupies (PostgreSQL's in-memory form, in big
/// endian), for binary-coercible casts; None for types without a fixed
/// physical form here.
fn physical_bytes(d: &Datum, ty: SqlType) -> Option<Vec<u8>> {
    Some(match (d, representation(ty)) {
        (Datum::Bool(b), _) => vec![u8::from(*b)],
        (Datum::Int2(v), _) => v.to_be_bytes().to_vec(),
        (Datum::Int4(v), _) => v.to_be_bytes().to_vec(),
        (Datum::Int8(v), SqlType::Oid) => (*v as u32).to_be_bytes().to_vec(),
        (Datum::Int8(v), _) => v.to_be_bytes().to_vec(),
        (Datum::Float4(v), _) => v.to_bits().to_be_bytes().to_vec(),
        (Datum::Float8(v), _) => v.to_bits().to_be_bytes().to_vec(),
        (Datum::Date(v), _) => v.to_be_bytes().to_vec(),
        (Datum::Timestamp(v) | Datum::TimestampTz(v) | Datum::Time(v), _) => {
            v.to_be_bytes().to_vec()
        }
        (Datum::Text(s), SqlType::Text | SqlType::Varchar | SqlType::Bpchar) => {
            s.as_bytes().to_vec()
        }
        (Datum::Bytea(b), _) => b.clone(),
        _ => return None,
    })
}

fn from_physical_bytes(bytes: &[u8], ty: SqlType) -> Option<Datum> {
    let arr = |n: usize| -> Option<&[u8]> { (bytes.len() == n).then_some(bytes) };
    Some(match representation(ty) {
        SqlType::Bool => Datum::Bool(arr(1)?[0] != 0),
        SqlType::Int2 => Datum::Int2(i16::from_be_bytes(arr(2)?.try_into().ok()?)),
        SqlType::Int4 => Datum::Int4(i32::from_be_bytes(arr(4)?.try_into().ok()?)),
        SqlType::Oid => Datum::Int8(u32::from_be_bytes(arr(4)?.try_into().ok()?) as i64),
        SqlType::Date => Datum::Date(i32::from_be_bytes(arr(4)?.try_into().ok()?)),
        SqlType::Float4 => {
            Datum::Float4(f32::from_bits(u32::from_be_bytes(arr(4)?.try_into().ok()?)))
        }
        SqlType::Int8 => Datum::Int8(i64::from_be_bytes(arr(8)?.try_into().ok()?)),
        SqlType::Float8 => {
            Datum::Float8(f64::from_bits(u64::from_be_bytes(arr(8)?.try_into().ok()?)))
        }
        SqlType::Timestamp => Datum::Timestamp(i64::from_be_bytes(arr(8)?.try_into().ok()?)),
        SqlType::TimestampTz => Datum::TimestampTz(i64::from_be_bytes(arr(8)?.try_into().ok()?)),
        SqlType::Time => Datum::Time(i64::from_be_bytes(arr(8)?.try_into().ok()?)),
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar => {
            Datum::Text(String::from_utf8(bytes.to_vec()).ok()?)
        }
        SqlType::Bytea => Datum::Bytea(bytes.to_vec()),
        _ => return None,
    })
}

/// A binary-coercible cast: the bytes of `d` (of type `from`) read as a
/// value of `to`. CREATE CAST ... WITHOUT FUNCTION checked that the two
/// types are physically compatible.
pub fn reinterpret(d: Datum, from: SqlType, to: SqlType) -> SqlResult<Datum> {
    if d.is_null() {
        return Ok(Datum::Null);
    }
    let bytes = physical_bytes(&d, from).ok_or_else(|| {
        SqlError::unsupported(format!("binary coercion from type {}", from.display_name()))
    })?;
    from_physical_bytes(&bytes, to).ok_or_else(|| {
        SqlError::unsupported(format!(
            "binary coercion from type {} to type {}",
            from.display_name(),
            to.display_name()
        ))
    })
}

// ---------------------------------------------------------------------------
// DDL

/// CREATE TYPE name; (a shell type, completed by a later CREATE TYPE name (...)).
pub fn create_shell(catalog: &Catalog, name: String) -> SqlResult<UserTypeDef> {
    if let Some(existing) = catalog.types.get(&name) {
        let _ = existing;
        return Err(already_exists(&name));
    }
    crate::user_types::check_name_free(catalog, &name)?;
    Ok(UserTypeDef {
        name,
        oid: crate::user_types::fresh_oid(catalog),
        kind: UserTypeKind::Shell,
    })
}

fn already_exists(name: &str) -> SqlError {
    SqlError::new("42710", format!("type \"{name}\" already exists"))
}

fn option_function(name: &ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(crate::binder::ident_name)
        .unwrap_or_default()
}

/// The I/O function `name` of a base type: a user function of LANGUAGE
/// internal with the given arguments and result, bound to an I/O routine.
fn io_function(
    catalog: &Catalog,
    name: &str,
    args: &[SqlType],
    returns: SqlType,
    what: &str,
) -> SqlResult<crate::internal_functions::InternalFn> {
    let overloads = catalog.functions.get(name).cloned().unwrap_or_default();
    let def = overloads
        .iter()
        .find(|f| {
            let ins: Vec<SqlType> = f.input_args().map(|a| a.ty.ty).collect();
            ins == args
        })
        .ok_or_else(|| {
            let sig = args
                .iter()
                .map(|t| t.display_name())
                .collect::<Vec<_>>()
                .join(", ");
            SqlError::new("42883", format!("function {name}({sig}) does not exist"))
        })?;
    if def.result_type().ty != returns {
        return Err(SqlError::new(
            "42P17",
            format!(
                "type {what} function {name} must return type {}",
                returns.display_name()
            ),
        ));
    }
    if def.language != crate::routine::Language::Internal {
        return Err(SqlError::unsupported(format!(
            "type {what} functions other than LANGUAGE internal"
        )));
    }
    crate::internal_functions::lookup(&def.body)
        .ok_or_else(|| crate::internal_functions::unknown(&def.body))
}

/// The OID a new type `name` takes: its shell's, which the definition
/// completes, or a fresh one when the name is free.
fn oid_completing_shell(catalog: &Catalog, name: &str) -> SqlResult<u32> {
    match catalog.types.get(name) {
        Some(t) if t.kind == UserTypeKind::Shell => Ok(t.oid),
        Some(_) => Err(already_exists(name)),
        None => {
            crate::user_types::check_name_free(catalog, name)?;
            Ok(crate::user_types::fresh_oid(catalog))
        }
    }
}

/// CREATE TYPE name (INPUT = f, OUTPUT = g, ...): completes a shell type
/// (or creates the type, as PostgreSQL does, when no shell exists).
pub fn create_base(
    catalog: &Catalog,
    name: String,
    options: &[ast::UserDefinedTypeSqlDefinitionOption],
) -> SqlResult<UserTypeDef> {
    use ast::UserDefinedTypeSqlDefinitionOption as O;
    let oid = oid_completing_shell(catalog, &name)?;
    let this = SqlType::Base(oid);
    let (mut input, mut output, mut like) = (None, None, None);
    let (mut length, mut by_value, mut alignment, mut storage) = (None, None, None, None);
    let (mut category, mut preferred) = ('U', false);
    for o in options {
        match o {
            O::Input(f) => input = Some(option_function(f)),
            O::Output(f) => output = Some(option_function(f)),
            O::Like(t) => {
                let dt = ast::DataType::Custom(t.clone(), vec![]);
                like = Some(crate::user_types::resolve(catalog, &dt)?.ty);
            }
            O::InternalLength(ast::UserDefinedTypeInternalLength::Fixed(n)) => {
                length = Some(i16::try_from(*n).map_err(|_| {
                    SqlError::new("22023", format!("invalid type internal length {n}"))
                })?)
            }
            O::InternalLength(ast::UserDefinedTypeInternalLength::Variable) => length = Some(-1),
            O::PassedByValue => by_value = Some(true),
            O::Alignment(a) => {
                alignment = Some(match a {
                    ast::Alignment::Char => 'c',
                    ast::Alignment::Int2 => 's',
                    ast::Alignment::Int4 => 'i',
                    ast::Alignment::Double => 'd',
                })
            }
            O::Storage(s) => {
                storage = Some(match s {
                    ast::UserDefinedTypeStorage::Plain => 'p',
                    ast::UserDefinedTypeStorage::External => 'e',
                    ast::UserDefinedTypeStorage::Extended => 'x',
                    ast::UserDefinedTypeStorage::Main => 'm',
                })
            }
            O::Category(c) => category = *c,
            O::Preferred(p) => preferred = *p,
            O::Receive(_)
            | O::Send(_)
            | O::TypmodIn(_)
            | O::TypmodOut(_)
            | O::Analyze(_)
            | O::Subscript(_)
            | O::Default(_)
            | O::Element(_)
            | O::Delimiter(_)
            | O::Collatable(_) => {
                return Err(SqlError::unsupported(format!("CREATE TYPE option {o}")));
            }
        }
    }
    let input =
        input.ok_or_else(|| SqlError::new("42P17", "type input function must be specified"))?;
    let output =
        output.ok_or_else(|| SqlError::new("42P17", "type output function must be specified"))?;
    let in_fn = io_function(catalog, &input, &[SqlType::Cstring], this, "input")?;
    let out_fn = io_function(catalog, &output, &[this], SqlType::Cstring, "output")?;
    use crate::internal_functions::InternalFn;
    let representation = match (in_fn, out_fn) {
        (InternalFn::Input(a), InternalFn::Output(b)) if a == b => a,
        (InternalFn::Input(_), InternalFn::Output(_)) => {
            return Err(SqlError::unsupported(
                "input and output functions of different built-in types",
            ))
        }
        (InternalFn::Input(_), _) => {
            return Err(SqlError::new(
                "42P17",
                format!("type output function {output} must be an output routine"),
            ))
        }
        _ => {
            return Err(SqlError::new(
                "42P17",
                format!("type input function {input} must be an input routine"),
            ))
        }
    };
    let (l_len, l_byval, l_align, l_storage) = like.map(storage_of).unwrap_or(storage_of(
        // PostgreSQL's defaults: variable length, not by value, int alignment, plain.
        SqlType::Text,
    ));
    let def = BaseTypeDef {
        input,
        output,
        representation,
        length: length.unwrap_or(l_len),
        by_value: by_value.unwrap_or(l_byval),
        alignment: alignment.unwrap_or(l_align),
        storage: storage.unwrap_or(if like.is_some() { l_storage } else { 'p' }),
        category,
        preferred,
    };
    Ok(UserTypeDef {
        name,
        oid,
        kind: UserTypeKind::Base(def),
    })
}

/// CREATE TYPE name AS RANGE (SUBTYPE = t, ...).
pub fn create_range(
    catalog: &Catalog,
    name: String,
    options: &[ast::UserDefinedTypeRangeOption],
) -> SqlResult<UserTypeDef> {
    use ast::UserDefinedTypeRangeOption as O;
    let oid = oid_completing_shell(catalog, &name)?;
    let mut subtype = None;
    let mut def = RangeTypeDef {
        subtype: SqlType::Unknown.plain(),
        subtype_diff: None,
        collation: None,
        canonical: None,
        subtype_opclass: None,
        multirange_name: multirange_name(&name),
    };
    for o in options {
        match o {
            O::Subtype(t) => subtype = Some(crate::user_types::resolve(catalog, t)?),
            O::SubtypeDiff(f) => def.subtype_diff = Some(option_function(f)),
            O::Collation(c) => def.collation = Some(option_function(c)),
            O::Canonical(f) => def.canonical = Some(option_function(f)),
            O::SubtypeOpClass(c) => def.subtype_opclass = Some(option_function(c)),
            O::MultirangeTypeName(n) => def.multirange_name = option_function(n),
        }
    }
    def.subtype =
        subtype.ok_or_else(|| SqlError::new("42P17", "type attribute \"subtype\" is required"))?;
    if let Some(c) = &def.collation {
        if !matches!(
            def.subtype.ty,
            SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Name
        ) {
            return Err(SqlError::new(
                "42809",
                "range collation specified but subtype does not support collation",
            ));
        }
        if !matches!(c.as_str(), "C" | "POSIX" | "default" | "ucs_basic") {
            return Err(SqlError::new(
                "42704",
                format!("collation \"{c}\" for encoding \"UTF8\" does not exist"),
            ));
        }
    }
    if let Some(f) = &def.subtype_diff {
        check_subtype_diff(catalog, f, def.subtype.ty)?;
    }
    if def.canonical.is_some() {
        return Err(SqlError::unsupported(
            "range types with a canonical function",
        ));
    }
    Ok(UserTypeDef {
        name,
        oid,
        kind: UserTypeKind::Range(def),
    })
}

/// PostgreSQL's name for a range type's multirange: `...range` becomes
/// `...multirange`, otherwise `_multirange` is appended.
fn multirange_name(range: &str) -> String {
    match range.rfind("range") {
        Some(i) => format!("{}multi{}", &range[..i], &range[i..]),
        None => format!("{range}_multirange"),
    }
}

/// SUBTYPE_DIFF = f: a built-in or user function f(subtype, subtype) returning float8.
fn check_subtype_diff(catalog: &Catalog, name: &str, subtype: SqlType) -> SqlResult<()> {
    let user = catalog.functions.get(name).is_some_and(|list| {
        list.iter().any(|f| {
            let ins: Vec<SqlType> = f.input_args().map(|a| a.ty.ty).collect();
            ins == [subtype, subtype] && f.result_type().ty == SqlType::Float8
        })
    });
    let builtin = crate::internal_functions::lookup(name).is_some_and(|f| {
        f.argument_types() == [subtype, subtype] && f.result_type() == Some(SqlType::Float8)
    });
    if user || builtin {
        return Ok(());
    }
    let t = subtype.display_name();
    Err(SqlError::new(
        "42883",
        format!("function {name}({t}, {t}) does not exist"),
    ))
}

/// The pg_type row of a shell, base or range type (None for other kinds).
pub fn pg_type_row(def: &UserTypeDef) -> Option<Vec<(&'static str, Datum)>> {
    let o = |v: u32| Datum::Int8(v as i64);
    let t = |v: &str| Datum::Text(v.to_string());
    let c = |v: char| Datum::Text(v.to_string());
    let mut row = vec![
        ("oid", o(def.oid)),
        ("typname", t(&def.name)),
        ("typnamespace", Datum::Int8(crate::pg_catalog::NS_PUBLIC)),
        ("typowner", Datum::Int8(crate::pg_catalog::ROLE_OID)),
        ("typdelim", t(",")),
        ("typsubscript", t("-")),
        ("typmodin", t("-")),
        ("typmodout", t("-")),
        ("typanalyze", t("-")),
        ("typtypmod", Datum::Int4(-1)),
    ];
    match &def.kind {
        UserTypeKind::Shell => row.extend([
            ("typisdefined", Datum::Bool(false)),
            ("typtype", t("p")),
            ("typcategory", t("P")),
            ("typlen", Datum::Int2(4)),
            ("typbyval", Datum::Bool(true)),
            ("typinput", t("shell_in")),
            ("typoutput", t("shell_out")),
            ("typreceive", t("-")),
            ("typsend", t("-")),
            ("typalign", t("i")),
            ("typstorage", t("p")),
        ]),
        UserTypeKind::Base(b) => row.extend([
            ("typisdefined", Datum::Bool(true)),
            ("typtype", t("b")),
            ("typcategory", c(b.category)),
            ("typispreferred", Datum::Bool(b.preferred)),
            ("typlen", Datum::Int2(b.length)),
            ("typbyval", Datum::Bool(b.by_value)),
            ("typinput", t(&b.input)),
            ("typoutput", t(&b.output)),
            ("typreceive", t("-")),
            ("typsend", t("-")),
            ("typalign", c(b.alignment)),
            ("typstorage", c(b.storage)),
        ]),
        UserTypeKind::Range(r) => row.extend([
            ("typisdefined", Datum::Bool(true)),
            ("typtype", t("r")),
            ("typcategory", t("R")),
            ("typlen", Datum::Int2(-1)),
            ("typbyval", Datum::Bool(false)),
            ("typinput", t("range_in")),
            ("typoutput", t("range_out")),
            ("typreceive", t("range_recv")),
            ("typsend", t("range_send")),
            (
                "typalign",
                c(if storage_of(r.subtype.ty).2 == 'd' {
                    'd'
                } else {
                    'i'
                }),
            ),
            ("typstorage", t("x")),
        ]),
        _ => return None,
    }
    Some(row)
}

/// pg_range rows of the range types (the multirange type has no OID of
/// its own here: 0).
pub fn pg_range_rows(catalog: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    let o = |v: u32| Datum::Int8(i64::from(v));
    let t = |v: &str| Datum::Text(v.to_string());
    catalog
        .types
        .values()
        .filter_map(|def| match &def.kind {
            UserTypeKind::Range(r) => Some(vec![
                ("rngtypid", o(def.oid)),
                ("rngsubtype", o(r.subtype.ty.oid())),
                ("rngmultitypid", o(0)),
                // "C" is collation 950; the default collation is 100.
                (
                    "rngcollation",
                    o(match r.collation.as_deref() {
                        Some("C") => 950,
                        Some("POSIX") => 951,
                        Some(_) => 100,
                        None if r.subtype.ty == SqlType::Text => 100,
                        None => 0,
                    }),
                ),
                ("rngsubopc", o(0)),
                ("rngcanonical", t(r.canonical.as_deref().unwrap_or("-"))),
                ("rngsubdiff", t(r.subtype_diff.as_deref().unwrap_or("-"))),
            ]),
            _ => None,
        })
        .collect()
}

/// The base types whose input or output function is `name(args)`.
pub fn types_using_io_function(catalog: &Catalog, name: &str, args: &[SqlType]) -> Vec<String> {
    catalog
        .types
        .values()
        .filter(|t| match &t.kind {
            UserTypeKind::Base(b) => {
                (b.input == name && args == [SqlType::Cstring])
                    || (b.output == name && args == [SqlType::Base(t.oid)])
            }
            _ => false,
        })
        .map(|t| t.name.clone())
        .collect()
}
