//! Library scalar functions of PostgreSQL that need no session state: the
//! numeric transcendental functions, float logarithms, string helpers,
//! regular expressions, hashing and to_char/to_number. The binder picks a
//! `LibFn` and coerces the arguments (binder/functions/builtins.rs); `call`
//! evaluates it on argument values.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;
use crate::numeric_math;
use sha2::Digest;

mod bytea;
mod degrees;
pub(crate) mod geo_money;
mod integer_math;
mod numfmt;
pub(crate) mod regexp;
mod size_pretty;
mod strings;
mod to_date;

/// The built-ins PostgreSQL defines as SQL-language functions: an error
/// raised inside one is reported with `CONTEXT:  SQL function "name"
/// statement 1`, as PostgreSQL's SQL-function executor adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlFunctionName {
    Log,
    Log10,
    Substring,
}

impl SqlFunctionName {
    fn name(self) -> &'static str {
        match self {
            SqlFunctionName::Log => "log",
            SqlFunctionName::Log10 => "log10",
            SqlFunctionName::Substring => "substring",
        }
    }

    /// `error` as raised inside this function's (single) statement.
    pub fn context(self, error: SqlError) -> SqlError {
        error.with_context(format!("SQL function \"{}\" statement 1", self.name()))
    }
}

/// One library function with fixed argument types (chosen by the binder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibFn {
    /// A geometric operator or function (`geo_money`).
    Geo(geo_money::GeoFn),
    /// A money operator (`geo_money`).
    Money(geo_money::MoneyFn),
    /// sqrt(numeric).
    NumericSqrt,
    /// pg_size_pretty(int8 | numeric).
    SizePretty,
    /// ln(numeric).
    NumericLn,
    /// log(numeric, numeric).
    NumericLog,
    /// log(numeric) and log10(numeric): PostgreSQL's SQL functions
    /// `select log(10, $1)`, whose errors carry that function's CONTEXT.
    NumericLogBase10(SqlFunctionName),
    NumericExp,
    NumericPower,
    NumericDiv,
    NumericScale,
    NumericMinScale,
    NumericTrimScale,
    /// ln/log10/exp of double precision.
    FloatLn,
    FloatLog10,
    FloatExp,
    /// to_char(int2|int4|int8|float4|float8|numeric, text).
    ToChar,
    /// to_number(text, text).
    ToNumber,
    SplitPart,
    Chr,
    Ascii,
    /// lpad/rpad(text, int4, text): the binder supplies the ' ' default.
    Lpad,
    Rpad,
    Translate,
    Initcap,
    StartsWith,
    ToHex,
    QuoteIdent,
    QuoteLiteral,
    /// quote_nullable: 'NULL' for NULL (not strict).
    QuoteNullable,
    /// format(text, any...) (not strict).
    Format,
    /// concat_ws(text, any...) (not strict).
    ConcatWs,
    Unistr,
    /// parse_ident(text, bool).
    ParseIdent,
    /// md5(text|bytea) -> text.
    Md5,
    /// sha224/256/384/512(bytea) -> bytea.
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// regexp_replace(src, pat, repl, start int4, n (Int8 sentinel = absent), flags).
    RegexpReplace,
    /// regexp_like(s, pat, flags).
    RegexpLike,
    /// regexp_count(s, pat, start, flags).
    RegexpCount,
    /// regexp_instr(s, pat, start, n, endoption, flags, subexpr).
    RegexpInstr,
    /// regexp_substr(s, pat, start, n, flags, subexpr).
    RegexpSubstr,
    /// regexp_split_to_array(s, pat, flags).
    RegexpSplitToArray,
    /// gcd/lcm of two int4, int8 or numeric values.
    Gcd,
    Lcm,
    /// Integer bitwise operators (operands of one integer type; shift count int4).
    BitAnd,
    BitOr,
    BitXor,
    BitNot,
    ShiftLeft,
    ShiftRight,
    /// float4send(real) / float8send(double precision): big-endian IEEE bytes.
    Float4Send,
    Float8Send,
    /// encode(bytea, text) / decode(text, text).
    Encode,
    Decode,
    GetBit,
    SetBit,
    GetByte,
    SetByte,
    BitCount,
    /// btrim(bytea, bytea).
    ByteaBtrim,
    /// ltrim/rtrim(bytea, bytea) (TRIM LEADING/TRAILING ... FROM bytea).
    ByteaLtrim,
    ByteaRtrim,
    /// substring(bytea, from int8 [, for int8]).
    ByteaSubstring,
    /// length(bytea) and octet_length(bytea): the number of bytes.
    ByteaLength,
    /// bit_length(text) and bit_length(bytea): eight bits per byte.
    OctetBitLength,
    /// bytea || bytea.
    ByteaConcat,
    /// position(bytea IN bytea).
    ByteaPosition,
    /// width_bucket(float8, float8, float8, int4) and the numeric form.
    WidthBucketFloat,
    WidthBucketNumeric,
    /// factorial(int8) -> numeric.
    Factorial,
    /// pg_lsn(numeric) -> pg_lsn.
    PgLsnFromNumeric,
    /// Bit-string operators (`crate::bit_string`): & | # ~ << >> give bit,
    /// || gives bit varying; length, get_bit and set_bit.
    BitStringAnd,
    BitStringOr,
    BitStringXor,
    BitStringNot,
    BitStringShiftLeft,
    BitStringShiftRight,
    BitStringConcat,
    BitStringLength,
    BitStringGetBit,
    BitStringSetBit,
    /// pg_lsn - pg_lsn -> numeric.
    PgLsnMinus,
    /// pg_lsn + numeric and pg_lsn - numeric -> pg_lsn.
    PgLsnAdd,
    PgLsnSubtract,
    /// `x SIMILAR TO pattern ESCAPE e` (args x, pattern, e).
    SimilarTo,
    /// overlay(s placing r from start [for count]) on text or bytea.
    Overlay,
    /// bytea LIKE bytea ESCAPE bytea.
    ByteaLike,
    /// substring(text, pattern): the first group's match (or the whole match).
    RegexSubstring,
    /// substring(text, pattern, escape): SQL regular expression form.
    SimilarSubstring,
    /// like_escape(pattern, e): LIKE ... ESCAPE rewritten to backslashes.
    LikeEscape,
    /// cbrt(float8) and the ||/ operator.
    Cbrt,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    /// concat / concat_ws / format with a VARIADIC array as their trailing
    /// arguments (the array is the last argument).
    VariadicConcat,
    VariadicConcatWs,
    VariadicFormat,
    /// to_date(text, template) (`to_date.rs`).
    ToDate,
    /// Trigonometry in degrees (`degrees.rs`).
    Sind,
    Cosd,
    Tand,
    Cotd,
    Asind,
    Acosd,
    Atand,
    Atan2d,
}

/// Marks an omitted optional argument the binder fills in (never a user value:
/// the real parameters are int4).
pub const ABSENT: i64 = i64::MIN;

impl LibFn {
    /// NULL in any argument gives NULL without calling the function.
    pub fn is_strict(self) -> bool {
        !matches!(
            self,
            LibFn::Format
                | LibFn::ConcatWs
                | LibFn::QuoteNullable
                | LibFn::VariadicConcat
                | LibFn::VariadicConcatWs
                | LibFn::VariadicFormat
        )
    }
}

fn numeric_arg(d: &Datum) -> SqlResult<Numeric> {
    d.as_numeric()
        .ok_or_else(|| SqlError::internal("numeric argument expected"))
}

fn float_arg(d: &Datum) -> SqlResult<f64> {
    d.as_f64()
        .ok_or_else(|| SqlError::internal("double precision argument expected"))
}

fn text(d: &Datum) -> &str {
    d.as_str().unwrap_or("")
}

fn int(d: &Datum) -> SqlResult<i64> {
    d.as_i64()
        .ok_or_else(|| SqlError::internal("integer argument expected"))
}

fn bits(d: &Datum) -> SqlResult<&crate::bit_string::BitString> {
    match d {
        Datum::Bits(b) => Ok(b),
        _ => Err(SqlError::internal("bit string argument expected")),
    }
}

/// A length as PostgreSQL's int4 result; values are at most 1 GB, so only
/// bit_length of the largest ones can pass it.
fn length_int4(n: usize) -> SqlResult<i32> {
    i32::try_from(n).map_err(|_| SqlError::new("22003", "integer out of range"))
}

fn bytes(d: &Datum) -> &[u8] {
    match d {
        Datum::Bytea(b) => b,
        Datum::Text(s) => s.as_bytes(),
        _ => &[],
    }
}

/// A value's text output (quote_literal of non-text values).
fn display(d: &Datum) -> String {
    d.to_text(1).unwrap_or_default()
}

/// An integer bitwise operator; shifts act on the promoted value as C does
/// (int2 through int, counts taken modulo the width like x86).
fn bitwise(f: LibFn, a: &Datum, b: i64) -> SqlResult<Datum> {
    let op64 = |x: i64| -> i64 {
        match f {
            LibFn::BitAnd => x & b,
            LibFn::BitOr => x | b,
            LibFn::BitXor => x ^ b,
            LibFn::ShiftLeft => x.wrapping_shl(b as u32),
            _ => x.wrapping_shr(b as u32),
        }
    };
    let op32 = |x: i32| -> i32 {
        let b32 = b as i32;
        match f {
            LibFn::BitAnd => x & b32,
            LibFn::BitOr => x | b32,
            LibFn::BitXor => x ^ b32,
            LibFn::ShiftLeft => x.wrapping_shl(b as u32),
            _ => x.wrapping_shr(b as u32),
        }
    };
    Ok(match a {
        Datum::Int2(v) => Datum::Int2(op32(*v as i32) as i16),
        Datum::Int4(v) => Datum::Int4(op32(*v)),
        Datum::Int8(v) => Datum::Int8(op64(*v)),
        _ => return Err(SqlError::internal("integer operand expected")),
    })
}

fn out_of_range_input() -> SqlError {
    SqlError::new("22003", "input is out of range")
}

/// Checks a float result as PostgreSQL's float8 functions do.
fn float_checked(v: f64, input_finite: bool) -> SqlResult<Datum> {
    if v.is_infinite() && input_finite {
        return Err(SqlError::new("22003", "value out of range: overflow"));
    }
    Ok(Datum::Float8(v))
}

/// Evaluates `f` on evaluated arguments (NULLs already handled for strict functions).
pub fn call(f: LibFn, args: &[Datum], dt: &crate::timezone::DateTimeConfig) -> SqlResult<Datum> {
    if f.is_strict() && args.iter().any(Datum::is_null) {
        return Ok(Datum::Null);
    }
    let num = |i: usize| numeric_arg(&args[i]);
    Ok(match f {
        LibFn::Geo(g) => geo_money::call_geo(g, args)?,
        LibFn::Money(m) => geo_money::call_money(m, args)?,
        LibFn::NumericSqrt => Datum::Numeric(numeric_math::sqrt(&num(0)?)?),
        LibFn::NumericLn => Datum::Numeric(numeric_math::ln(&num(0)?)?),
        LibFn::NumericLog => Datum::Numeric(numeric_math::log(&num(0)?, &num(1)?)?),
        LibFn::NumericLogBase10(name) => Datum::Numeric(
            numeric_math::log(&crate::numeric::Numeric::from_i64(10), &num(0)?)
                .map_err(|e| name.context(e))?,
        ),
        LibFn::NumericExp => Datum::Numeric(numeric_math::exp(&num(0)?)?),
        LibFn::NumericPower => Datum::Numeric(numeric_math::power(&num(0)?, &num(1)?)?),
        LibFn::NumericDiv => Datum::Numeric(numeric_math::div(&num(0)?, &num(1)?)?),
        LibFn::NumericScale => numeric_math::scale(&num(0)?).map_or(Datum::Null, Datum::Int4),
        LibFn::NumericMinScale => {
            numeric_math::min_scale(&num(0)?).map_or(Datum::Null, Datum::Int4)
        }
        LibFn::NumericTrimScale => Datum::Numeric(numeric_math::trim_scale(&num(0)?)),
        LibFn::ToChar => {
            let fmt = text(&args[1]);
            Datum::Text(match &args[0] {
                Datum::Int2(v) => numfmt::int_to_char(*v as i64, fmt)?,
                Datum::Int4(v) => numfmt::int_to_char(*v as i64, fmt)?,
                Datum::Int8(v) => numfmt::int_to_char(*v, fmt)?,
                Datum::Float4(v) => numfmt::float_to_char(*v as f64, 6, fmt)?,
                Datum::Float8(v) => numfmt::float_to_char(*v, 15, fmt)?,
                other => numfmt::numeric_to_char(&numeric_arg(other)?, fmt)?,
            })
        }
        LibFn::ToNumber => match numfmt::to_number(text(&args[0]), text(&args[1]))? {
            Some(n) => Datum::Numeric(n),
            None => Datum::Null,
        },
        LibFn::SplitPart => Datum::Text(strings::split_part(
            text(&args[0]),
            text(&args[1]),
            int(&args[2])?,
        )?),
        LibFn::Chr => Datum::Text(strings::chr(int(&args[0])?)?),
        LibFn::Ascii => Datum::Int4(strings::ascii(text(&args[0]))),
        LibFn::Lpad | LibFn::Rpad => Datum::Text(strings::pad(
            text(&args[0]),
            int(&args[1])?,
            text(&args[2]),
            f == LibFn::Lpad,
        )),
        LibFn::Translate => Datum::Text(strings::translate(
            text(&args[0]),
            text(&args[1]),
            text(&args[2]),
        )),
        LibFn::Initcap => Datum::Text(strings::initcap(text(&args[0]))),
        LibFn::StartsWith => Datum::Bool(text(&args[0]).starts_with(text(&args[1]))),
        LibFn::ToHex => Datum::Text(strings::to_hex(
            int(&args[0])?,
            matches!(args[0], Datum::Int4(_) | Datum::Int2(_)),
        )),
        LibFn::QuoteIdent => Datum::Text(strings::quote_ident(text(&args[0]))),
        LibFn::QuoteLiteral => Datum::Text(strings::quote_literal(&display(&args[0]))),
        LibFn::QuoteNullable => Datum::Text(if args[0].is_null() {
            "NULL".to_string()
        } else {
            strings::quote_literal(&display(&args[0]))
        }),
        LibFn::Format => {
            if args[0].is_null() {
                return Ok(Datum::Null);
            }
            let rest: Vec<Option<String>> = args[1..].iter().map(|a| a.to_text_in(1, dt)).collect();
            Datum::Text(strings::format(text(&args[0]), &rest)?)
        }
        LibFn::ConcatWs => {
            if args[0].is_null() {
                return Ok(Datum::Null);
            }
            let parts: Vec<String> = args[1..]
                .iter()
                .filter_map(|a| a.to_text_in(1, dt))
                .collect();
            Datum::Text(parts.join(text(&args[0])))
        }
        LibFn::VariadicConcat | LibFn::VariadicConcatWs | LibFn::VariadicFormat => {
            // A NULL array: concat and concat_ws are NULL, format has no arguments.
            let items: &[Datum] = match args.last() {
                Some(Datum::Array(items)) => items,
                Some(Datum::Null) if f == LibFn::VariadicFormat => &[],
                Some(Datum::Null) => return Ok(Datum::Null),
                _ => return Err(SqlError::internal("variadic call without its array")),
            };
            let texts: Vec<Option<String>> = items.iter().map(|x| x.to_text_in(1, dt)).collect();
            match f {
                LibFn::VariadicConcat => Datum::Text(texts.into_iter().flatten().collect()),
                _ if args[0].is_null() => Datum::Null,
                LibFn::VariadicConcatWs => {
                    let parts: Vec<String> = texts.into_iter().flatten().collect();
                    Datum::Text(parts.join(text(&args[0])))
                }
                _ => Datum::Text(strings::format(text(&args[0]), &texts)?),
            }
        }
        LibFn::ToDate => Datum::Date(to_date::to_date(text(&args[0]), text(&args[1]))?),
        LibFn::Unistr => Datum::Text(strings::unistr(text(&args[0]))?),
        LibFn::ParseIdent => {
            let strict = !matches!(args.get(1), Some(Datum::Bool(false)));
            Datum::Array(
                strings::parse_ident(text(&args[0]), strict)?
                    .into_iter()
                    .map(Datum::Text)
                    .collect(),
            )
        }
        LibFn::Md5 => Datum::Text(format!("{:x}", md5::compute(bytes(&args[0])))),
        LibFn::SizePretty => {
            let bytes = match &args[0] {
                Datum::Int8(v) => i128::from(*v),
                d => {
                    // numeric: its integer part (PostgreSQL rounds the
                    // same way on numerics).
                    let n = numeric_arg(d)?;
                    let whole = n.trunc(0).to_pg_string();
                    whole.parse::<i128>().map_err(|_| {
                        SqlError::new("22003", "value out of range for pg_size_pretty")
                    })?
                }
            };
            Datum::Text(size_pretty::size_pretty(bytes))
        }
        LibFn::Sha224 => Datum::Bytea(sha2::Sha224::digest(bytes(&args[0])).to_vec()),
        LibFn::Sha256 => Datum::Bytea(sha2::Sha256::digest(bytes(&args[0])).to_vec()),
        LibFn::Sha384 => Datum::Bytea(sha2::Sha384::digest(bytes(&args[0])).to_vec()),
        LibFn::Sha512 => Datum::Bytea(sha2::Sha512::digest(bytes(&args[0])).to_vec()),
        LibFn::RegexpReplace => {
            let n = match &args[4] {
                Datum::Int8(ABSENT) => None,
                other => Some(int(other)?),
            };
            Datum::Text(regexp::replace(
                text(&args[0]),
                text(&args[1]),
                text(&args[2]),
                int(&args[3])?,
                n,
                text(&args[5]),
            )?)
        }
        LibFn::RegexpLike => Datum::Bool(regexp::like(
            text(&args[0]),
            text(&args[1]),
            text(&args[2]),
        )?),
        LibFn::RegexpCount => Datum::Int4(regexp::count(
            text(&args[0]),
            text(&args[1]),
            int(&args[2])?,
            text(&args[3]),
        )?),
        LibFn::RegexpInstr => Datum::Int4(regexp::instr(
            text(&args[0]),
            text(&args[1]),
            int(&args[2])?,
            int(&args[3])?,
            int(&args[4])?,
            text(&args[5]),
            int(&args[6])?,
        )?),
        LibFn::RegexpSubstr => match regexp::substr(
            text(&args[0]),
            text(&args[1]),
            int(&args[2])?,
            int(&args[3])?,
            text(&args[4]),
            int(&args[5])?,
        )? {
            Some(s) => Datum::Text(s),
            None => Datum::Null,
        },
        LibFn::RegexpSplitToArray => Datum::Array(
            regexp::split(
                text(&args[0]),
                text(&args[1]),
                text(&args[2]),
                "regexp_split_to_array",
            )?
            .into_iter()
            .map(Datum::Text)
            .collect(),
        ),
        LibFn::SimilarTo => Datum::Bool(regexp::similar_to(
            text(&args[0]),
            text(&args[1]),
            text(&args[2]),
        )?),
        LibFn::Overlay => {
            let start = int(&args[2])?;
            let count = match args.get(3) {
                Some(c) => Some(int(c)?),
                None => None,
            };
            match (&args[0], &args[1]) {
                (Datum::Bytea(s), Datum::Bytea(r)) => {
                    Datum::Bytea(strings::overlay(s, r, start, count)?)
                }
                _ => {
                    let s: Vec<char> = text(&args[0]).chars().collect();
                    let r: Vec<char> = text(&args[1]).chars().collect();
                    Datum::Text(
                        strings::overlay(&s, &r, start, count)?
                            .into_iter()
                            .collect(),
                    )
                }
            }
        }
        LibFn::ByteaLike => {
            // Bytes as Latin-1 characters: the character LIKE matcher then
            // matches byte by byte.
            let latin1 = |b: &[u8]| b.iter().map(|&c| c as char).collect::<String>();
            let pattern = regexp::like_escape(&latin1(bytes(&args[1])), &latin1(bytes(&args[2])))?;
            Datum::Bool(crate::eval::like(&latin1(bytes(&args[0])), &pattern)?)
        }
        LibFn::RegexSubstring => regexp::regex_substring(text(&args[0]), text(&args[1]))?
            .map_or(Datum::Null, Datum::Text),
        LibFn::SimilarSubstring => {
            regexp::similar_substring(text(&args[0]), text(&args[1]), text(&args[2]))
                .map_err(|e| SqlFunctionName::Substring.context(e))?
                .map_or(Datum::Null, Datum::Text)
        }
        LibFn::LikeEscape => Datum::Text(regexp::like_escape(text(&args[0]), text(&args[1]))?),
        LibFn::Gcd | LibFn::Lcm => integer_math::gcd_lcm(f == LibFn::Gcd, &args[0], &args[1])?,
        LibFn::PgLsnFromNumeric => match &args[0] {
            Datum::Numeric(n) => Datum::PgLsn(crate::pg_lsn::from_numeric(n)?),
            _ => return Err(SqlError::internal("pg_lsn(numeric) argument")),
        },
        LibFn::BitStringAnd | LibFn::BitStringOr | LibFn::BitStringXor | LibFn::BitStringConcat => {
            let (a, b) = (bits(&args[0])?, bits(&args[1])?);
            Datum::Bits(match f {
                LibFn::BitStringAnd => a.bitwise(b, "AND", |x, y| x & y)?,
                LibFn::BitStringOr => a.bitwise(b, "OR", |x, y| x | y)?,
                LibFn::BitStringXor => a.bitwise(b, "XOR", |x, y| x ^ y)?,
                _ => a.concat(b)?,
            })
        }
        LibFn::BitStringNot => Datum::Bits(bits(&args[0])?.not()),
        LibFn::BitStringShiftLeft | LibFn::BitStringShiftRight => {
            let count = int(&args[1])?;
            let count = if f == LibFn::BitStringShiftLeft {
                count
            } else {
                -count
            };
            Datum::Bits(bits(&args[0])?.shift_left(count))
        }
        LibFn::BitStringLength => Datum::Int4(bits(&args[0])?.len() as i32),
        LibFn::BitStringGetBit => Datum::Int4(bits(&args[0])?.get_bit(int(&args[1])?)?),
        LibFn::BitStringSetBit => {
            Datum::Bits(bits(&args[0])?.set_bit(int(&args[1])?, int(&args[2])?)?)
        }
        LibFn::PgLsnMinus => match (&args[0], &args[1]) {
            (Datum::PgLsn(a), Datum::PgLsn(b)) => Datum::Numeric(crate::pg_lsn::minus(*a, *b)),
            _ => return Err(SqlError::internal("pg_lsn - pg_lsn operands")),
        },
        LibFn::PgLsnAdd | LibFn::PgLsnSubtract => match (&args[0], &args[1]) {
            (Datum::PgLsn(a), Datum::Numeric(n)) => {
                Datum::PgLsn(crate::pg_lsn::offset(*a, n, f == LibFn::PgLsnSubtract)?)
            }
            _ => return Err(SqlError::internal("pg_lsn +/- numeric operands")),
        },
        LibFn::BitAnd | LibFn::BitOr | LibFn::BitXor | LibFn::ShiftLeft | LibFn::ShiftRight => {
            bitwise(f, &args[0], int(&args[1])?)?
        }
        LibFn::BitNot => match args[0] {
            Datum::Int2(v) => Datum::Int2(!v),
            Datum::Int4(v) => Datum::Int4(!v),
            _ => Datum::Int8(!int(&args[0])?),
        },
        LibFn::Float4Send => match args[0] {
            Datum::Float4(v) => Datum::Bytea(v.to_bits().to_be_bytes().to_vec()),
            _ => Datum::Bytea(
                (float_arg(&args[0])? as f32)
                    .to_bits()
                    .to_be_bytes()
                    .to_vec(),
            ),
        },
        LibFn::Float8Send => Datum::Bytea(float_arg(&args[0])?.to_bits().to_be_bytes().to_vec()),
        LibFn::Encode => Datum::Text(bytea::encode(bytes(&args[0]), text(&args[1]))?),
        LibFn::Decode => Datum::Bytea(bytea::decode(text(&args[0]), text(&args[1]))?),
        LibFn::GetBit => Datum::Int4(bytea::get_bit(bytes(&args[0]), int(&args[1])?)?),
        LibFn::SetBit => Datum::Bytea(bytea::set_bit(
            bytes(&args[0]),
            int(&args[1])?,
            int(&args[2])?,
        )?),
        LibFn::GetByte => Datum::Int4(bytea::get_byte(bytes(&args[0]), int(&args[1])?)?),
        LibFn::SetByte => Datum::Bytea(bytea::set_byte(
            bytes(&args[0]),
            int(&args[1])?,
            int(&args[2])?,
        )?),
        LibFn::BitCount => Datum::Int8(bytea::bit_count(bytes(&args[0]))),
        LibFn::ByteaBtrim => Datum::Bytea(bytea::btrim(bytes(&args[0]), bytes(&args[1]))),
        LibFn::ByteaLtrim => Datum::Bytea(bytea::ltrim(bytes(&args[0]), bytes(&args[1]))),
        LibFn::ByteaRtrim => Datum::Bytea(bytea::rtrim(bytes(&args[0]), bytes(&args[1]))),
        LibFn::ByteaSubstring => {
            let count = match args.get(2) {
                Some(c) => Some(int(c)?),
                None => None,
            };
            Datum::Bytea(bytea::substring(bytes(&args[0]), int(&args[1])?, count)?)
        }
        LibFn::ByteaLength => Datum::Int4(length_int4(bytes(&args[0]).len())?),
        LibFn::OctetBitLength => Datum::Int4(length_int4(bytes(&args[0]).len().saturating_mul(8))?),
        LibFn::ByteaConcat => Datum::Bytea([bytes(&args[0]), bytes(&args[1])].concat()),
        LibFn::ByteaPosition => Datum::Int4(length_int4(bytea::position(
            bytes(&args[0]),
            bytes(&args[1]),
        ))?),
        LibFn::WidthBucketFloat => Datum::Int4(integer_math::width_bucket_float(
            float_arg(&args[0])?,
            float_arg(&args[1])?,
            float_arg(&args[2])?,
            int(&args[3])?,
        )?),
        LibFn::WidthBucketNumeric => Datum::Int4(integer_math::width_bucket_numeric(
            &num(0)?,
            &num(1)?,
            &num(2)?,
            int(&args[3])?,
        )?),
        LibFn::Factorial => Datum::Numeric(integer_math::factorial(int(&args[0])?)?),
        LibFn::Cbrt => Datum::Float8(float_arg(&args[0])?.cbrt()),
        LibFn::Sind
        | LibFn::Cosd
        | LibFn::Tand
        | LibFn::Cotd
        | LibFn::Asind
        | LibFn::Acosd
        | LibFn::Atand => {
            let x = float_arg(&args[0])?;
            Datum::Float8(match f {
                LibFn::Sind => degrees::sind(x)?,
                LibFn::Cosd => degrees::cosd(x)?,
                LibFn::Tand => degrees::tand(x)?,
                LibFn::Cotd => degrees::cotd(x)?,
                LibFn::Asind => degrees::asind(x)?,
                LibFn::Acosd => degrees::acosd(x)?,
                _ => degrees::atand(x)?,
            })
        }
        LibFn::Atan2d => {
            Datum::Float8(degrees::atan2d(float_arg(&args[0])?, float_arg(&args[1])?)?)
        }
        LibFn::Sinh | LibFn::Cosh | LibFn::Tanh | LibFn::Asinh | LibFn::Acosh | LibFn::Atanh => {
            let v = float_arg(&args[0])?;
            let r = match f {
                LibFn::Sinh => v.sinh(),
                LibFn::Cosh => v.cosh(),
                LibFn::Tanh => v.tanh(),
                LibFn::Asinh => v.asinh(),
                LibFn::Acosh => {
                    if v < 1.0 {
                        return Err(out_of_range_input());
                    }
                    v.acosh()
                }
                _ => {
                    if !v.is_nan() && !(-1.0..=1.0).contains(&v) {
                        return Err(out_of_range_input());
                    }
                    v.atanh()
                }
            };
            float_checked(r, v.is_finite())?
        }
        LibFn::FloatLn | LibFn::FloatLog10 => {
            let v = float_arg(&args[0])?;
            if v == 0.0 {
                return Err(SqlError::new("2201E", "cannot take logarithm of zero"));
            }
            if v < 0.0 {
                return Err(SqlError::new(
                    "2201E",
                    "cannot take logarithm of a negative number",
                ));
            }
            let r = if f == LibFn::FloatLn {
                v.ln()
            } else {
                v.log10()
            };
            float_checked(r, v.is_finite())?
        }
        LibFn::FloatExp => {
            let v = float_arg(&args[0])?;
            let r = v.exp();
            if r == 0.0 && v.is_finite() {
                return Err(SqlError::new("22003", "value out of range: underflow"));
            }
            float_checked(r, v.is_finite())?
        }
    })
}
