//! `LANGUAGE internal` functions: `CREATE FUNCTION f(...) ... LANGUAGE
//! internal AS 'name'` binds f to a built-in routine by its PostgreSQL
//! internal name (pg_proc.prosrc of the built-in). Borealis knows the I/O
//! routines of its built-in types (`int4in`, `float8out`, ...; what user
//! base types are made of, see `crate::base_types`) and the arithmetic
//! routines range types name as SUBTYPE_DIFF (`float8mi`, ...). A call
//! (`call`) of an input routine is a cast from text to the function's
//! declared result type (a user base type holds what the routine makes),
//! of an output routine a cast to text, of `float8mi` a subtraction.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::types::{ColType, SqlType};

/// What a built-in routine does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InternalFn {
    /// `<type>in`: cstring -> value of the type.
    Input(SqlType),
    /// `<type>out`: value of the type -> cstring.
    Output(SqlType),
    /// `<type>mi`: the difference of two values of the type.
    Minus(SqlType),
}

/// Built-in types whose I/O routines `LANGUAGE internal` may name, by the
/// prefix PostgreSQL's routines carry.
const IO_TYPES: &[(&str, SqlType)] = &[
    ("bool", SqlType::Bool),
    ("int2", SqlType::Int2),
    ("int4", SqlType::Int4),
    ("int8", SqlType::Int8),
    ("float4", SqlType::Float4),
    ("float8", SqlType::Float8),
    ("numeric", SqlType::Numeric),
    ("text", SqlType::Text),
    ("date", SqlType::Date),
    ("timestamp", SqlType::Timestamp),
    ("timestamptz", SqlType::TimestampTz),
    ("time", SqlType::Time),
    ("interval", SqlType::Interval),
    ("oid", SqlType::Oid),
    ("uuid", SqlType::Uuid),
    ("bytea", SqlType::Bytea),
];

/// Types with a `<type>mi` routine (the difference, of the same type).
const MINUS_TYPES: &[(&str, SqlType)] = &[
    ("int2", SqlType::Int2),
    ("int4", SqlType::Int4),
    ("int8", SqlType::Int8),
    ("float4", SqlType::Float4),
    ("float8", SqlType::Float8),
];

/// The built-in routine PostgreSQL calls `name`, if Borealis has it.
pub fn lookup(name: &str) -> Option<InternalFn> {
    for (prefix, ty) in IO_TYPES {
        match name.strip_prefix(prefix) {
            Some("in") => return Some(InternalFn::Input(*ty)),
            Some("out") => return Some(InternalFn::Output(*ty)),
            _ => {}
        }
    }
    MINUS_TYPES
        .iter()
        .find(|(prefix, _)| name.strip_prefix(prefix) == Some("mi"))
        .map(|(_, ty)| InternalFn::Minus(*ty))
}

/// PostgreSQL's error for an internal name it does not know.
pub fn unknown(name: &str) -> SqlError {
    SqlError::new(
        "42883",
        format!("there is no built-in function named \"{name}\""),
    )
}

impl InternalFn {
    /// The argument types the routine takes.
    pub fn argument_types(self) -> Vec<SqlType> {
        match self {
            InternalFn::Input(_) => vec![SqlType::Cstring],
            InternalFn::Output(t) => vec![t],
            InternalFn::Minus(t) => vec![t, t],
        }
    }

    /// The type the routine returns (None: the type it makes, which the
    /// function's declaration names).
    pub fn result_type(self) -> Option<SqlType> {
        match self {
            InternalFn::Input(_) => None,
            InternalFn::Output(_) => Some(SqlType::Cstring),
            InternalFn::Minus(t) => Some(t),
        }
    }

    /// Whether a function declared with `args` may be bound to the
    /// routine: the same number of arguments, each of the routine's type
    /// or of a user type held as it (a base type whose values are the
    /// routine's datums, or a shell type that will be).
    pub fn accepts(self, args: &[SqlType]) -> bool {
        let want = self.argument_types();
        want.len() == args.len() && want.iter().zip(args).all(|(w, a)| held_as(*a, *w))
    }
}

/// Whether values of `declared` are held as datums of `routine_type`.
fn held_as(declared: SqlType, routine_type: SqlType) -> bool {
    if declared == routine_type {
        return true;
    }
    let SqlType::Base(_) = declared else {
        return false;
    };
    match crate::base_types::representation(declared) {
        // A shell type: the routine will decide what it holds.
        SqlType::Base(_) => true,
        repr => repr == routine_type,
    }
}

/// Runs a `LANGUAGE internal` function: `args` are of its declared
/// argument types, `result` is its declared result type. Strictness is
/// the caller's business.
pub fn call(routine: &str, args: Vec<Datum>, result: ColType) -> SqlResult<Datum> {
    let f = lookup(routine).ok_or_else(|| unknown(routine))?;
    let mut args = args.into_iter();
    let mut next = || {
        args.next()
            .ok_or_else(|| SqlError::internal("internal function argument missing"))
    };
    let explicit = crate::datum::CastContext::Explicit;
    match f {
        InternalFn::Input(_) => crate::datum::cast(next()?, SqlType::Text, result, explicit),
        InternalFn::Output(t) => crate::datum::cast(next()?, t, SqlType::Text.plain(), explicit),
        InternalFn::Minus(_) => {
            let overflow = || SqlError::out_of_range(result.ty.display_name());
            Ok(match (next()?, next()?) {
                (Datum::Null, _) | (_, Datum::Null) => Datum::Null,
                (Datum::Int2(a), Datum::Int2(b)) => {
                    Datum::Int2(a.checked_sub(b).ok_or_else(overflow)?)
                }
                (Datum::Int4(a), Datum::Int4(b)) => {
                    Datum::Int4(a.checked_sub(b).ok_or_else(overflow)?)
                }
                (Datum::Int8(a), Datum::Int8(b)) => {
                    Datum::Int8(a.checked_sub(b).ok_or_else(overflow)?)
                }
                (Datum::Float4(a), Datum::Float4(b)) => Datum::Float4(a - b),
                (Datum::Float8(a), Datum::Float8(b)) => Datum::Float8(a - b),
                _ => {
                    return Err(SqlError::internal(
                        "internal function argument of an unexpected type",
                    ))
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_io_and_minus_routines_by_postgres_name() {
        assert_eq!(lookup("int4in"), Some(InternalFn::Input(SqlType::Int4)));
        assert_eq!(
            lookup("float8out"),
            Some(InternalFn::Output(SqlType::Float8))
        );
        assert_eq!(lookup("float8mi"), Some(InternalFn::Minus(SqlType::Float8)));
        assert_eq!(
            lookup("timestamptzin"),
            Some(InternalFn::Input(SqlType::TimestampTz))
        );
        assert_eq!(lookup("no_such_routine"), None);
        assert_eq!(lookup("int4"), None);
        assert_eq!(
            unknown("nope").message,
            "there is no built-in function named \"nope\""
        );
    }

    #[test]
    fn calls_run_the_routine() {
        let int4 = SqlType::Int4.plain();
        let made = call("int4in", vec![Datum::Text("42".into())], int4).unwrap();
        assert_eq!(made, Datum::Int4(42));
        assert!(call("int4in", vec![Datum::Text("x".into())], int4).is_err());
        let text = call("int4out", vec![Datum::Int4(-7)], SqlType::Cstring.plain()).unwrap();
        assert_eq!(text, Datum::Text("-7".into()));
        let diff = call(
            "float8mi",
            vec![Datum::Float8(2.5), Datum::Float8(1.0)],
            SqlType::Float8.plain(),
        )
        .unwrap();
        assert_eq!(diff, Datum::Float8(1.5));
        assert!(call("int4mi", vec![Datum::Int4(i32::MIN), Datum::Int4(1)], int4).is_err());
    }
}
