//! Binding of the library functions in `crate::builtins`: picks the variant
//! PostgreSQL's function resolution would (numeric when an argument is
//! numeric, else double precision, text for unknown literals) and coerces
//! the arguments to its parameter types.

use super::*;
use crate::builtins::{LibFn, SqlFunctionName};

/// Names bound here (checked before the generic function table).
pub(in crate::binder) const NAMES: &[&str] = &[
    "ln",
    "log",
    "log10",
    "exp",
    "sqrt",
    "power",
    "pow",
    "div",
    "scale",
    "min_scale",
    "trim_scale",
    "to_char",
    "to_number",
    "split_part",
    "chr",
    "ascii",
    "lpad",
    "rpad",
    "translate",
    "initcap",
    "starts_with",
    "to_hex",
    "quote_ident",
    "quote_literal",
    "quote_nullable",
    "format",
    "concat_ws",
    "unistr",
    "parse_ident",
    "md5",
    "pg_size_pretty",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "regexp_replace",
    "regexp_like",
    "regexp_count",
    "regexp_instr",
    "regexp_substr",
    "regexp_split_to_array",
    "gcd",
    "lcm",
    "pg_lsn",
    "factorial",
    "width_bucket",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric_inc",
    "float4send",
    "float8send",
    "encode",
    "decode",
    "get_bit",
    "set_bit",
    "get_byte",
    "set_byte",
    "bit_count",
    "btrim",
    "cbrt",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "sind",
    "cosd",
    "tand",
    "cotd",
    "asind",
    "acosd",
    "atand",
    "atan2d",
    "to_date",
    "point",
    "npoints",
    "isopen",
    "isclosed",
    "popen",
    "pclose",
    // length(path) here; every other length() is the generic table's.
    "length",
];

/// Whether `name` is bound by `bind_builtin`.
pub(in crate::binder) fn binds(name: &str) -> bool {
    NAMES.contains(&name) || comparison_function(name).is_some()
}

/// The comparison functions behind PostgreSQL's operators (`booleq`,
/// `int4lt`, `texteq`...): the operator and the type of both operands.
fn comparison_function(name: &str) -> Option<(BinOp, SqlType)> {
    const ALL: &[&str] = &["eq", "ne", "lt", "le", "gt", "ge"];
    const TYPES: &[(&str, SqlType, &[&str])] = &[
        ("bool", SqlType::Bool, ALL),
        ("int2", SqlType::Int2, ALL),
        ("int4", SqlType::Int4, ALL),
        ("int8", SqlType::Int8, ALL),
        ("float4", SqlType::Float4, ALL),
        ("float8", SqlType::Float8, ALL),
        ("numeric_", SqlType::Numeric, ALL),
        ("bpchar", SqlType::Bpchar, ALL),
        // text has texteq/textne but text_lt, text_le...
        ("text", SqlType::Text, &["eq", "ne"]),
        ("text_", SqlType::Text, &["lt", "le", "gt", "ge"]),
    ];
    let op = |suffix: &str| match suffix {
        "eq" => BinOp::Eq,
        "ne" => BinOp::NotEq,
        "lt" => BinOp::Lt,
        "le" => BinOp::LtEq,
        "gt" => BinOp::Gt,
        _ => BinOp::GtEq,
    };
    TYPES.iter().find_map(|(prefix, ty, suffixes)| {
        let suffix = name.strip_prefix(prefix)?;
        suffixes.contains(&suffix).then(|| (op(suffix), *ty))
    })
}

fn int_const(v: i64) -> Expr {
    Expr::Const(Datum::Int4(v as i32), SqlType::Int4.plain())
}

fn text_const(v: &str) -> Expr {
    Expr::Const(Datum::Text(v.to_string()), SqlType::Text.plain())
}

fn is_texty(t: SqlType) -> bool {
    matches!(
        t,
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown
    )
}

impl<'a> Binder<'a> {
    /// Coerces `args` to `params` implicitly; None if some argument cannot be.
    fn coerce_all(
        &mut self,
        args: &[Expr],
        params: &[SqlType],
        span: Span,
    ) -> SqlResult<Option<Vec<Expr>>> {
        if args.len() != params.len() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(args.len());
        for (a, p) in args.iter().zip(params) {
            match self.try_coerce(a.clone(), p.plain(), CastContext::Implicit, span)? {
                Some(x) => out.push(x),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Binds a library function call; Ok(None) leaves the call to the
    /// generic table (e.g. sqrt of a double).
    pub(in crate::binder) fn bind_builtin(
        &mut self,
        name: &str,
        args: &[Expr],
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        // The numeric variant when some argument is numeric and none is a
        // float (float does not cast implicitly to numeric).
        let any_numeric = args.iter().any(|a| a.ty().ty == SqlType::Numeric)
            && !args
                .iter()
                .any(|a| matches!(a.ty().ty, SqlType::Float4 | SqlType::Float8));
        let (n, f) = (SqlType::Numeric, SqlType::Float8);
        let (t, i4) = (SqlType::Text, SqlType::Int4);
        if let Some((op, ty)) = comparison_function(name) {
            let Some(mut a) = self.coerce_all(args, &[ty, ty], span)? else {
                return self.no_such_function(name, args, span);
            };
            let right = a.pop().expect("two coerced arguments");
            let left = a.pop().expect("two coerced arguments");
            return Ok(Some(Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
                operand: ty,
                ty: SqlType::Bool.plain(),
            }));
        }
        let arg_types: Vec<SqlType> = args.iter().map(|a| a.ty().ty).collect();
        if let Some((g, params, ret)) =
            crate::binder::geo_money_ops::geometry_function(name, &arg_types)
        {
            let Some(a) = self.coerce_all(args, &params, span)? else {
                return self.no_such_function(name, args, span);
            };
            return Ok(Some(Expr::Func {
                func: Func::Lib(LibFn::Geo(g)),
                args: a,
                ty: ret.plain(),
            }));
        }
        if matches!(
            name,
            "point" | "npoints" | "isopen" | "isclosed" | "popen" | "pclose"
        ) {
            return self.no_such_function(name, args, span);
        }
        let (func, params, ret): (LibFn, Vec<SqlType>, SqlType) = match (name, args.len()) {
            ("sqrt", 1) if any_numeric => (LibFn::NumericSqrt, vec![n], n),
            ("power" | "pow", 2) if any_numeric => (LibFn::NumericPower, vec![n, n], n),
            ("sqrt" | "power" | "pow", _) => return Ok(None),
            ("ln", 1) if any_numeric => (LibFn::NumericLn, vec![n], n),
            ("ln", 1) => (LibFn::FloatLn, vec![f], f),
            ("exp", 1) if any_numeric => (LibFn::NumericExp, vec![n], n),
            ("exp", 1) => (LibFn::FloatExp, vec![f], f),
            ("log", 1) if any_numeric => {
                (LibFn::NumericLogBase10(SqlFunctionName::Log), vec![n], n)
            }
            ("log10", 1) if any_numeric => {
                (LibFn::NumericLogBase10(SqlFunctionName::Log10), vec![n], n)
            }
            ("log" | "log10", 1) => (LibFn::FloatLog10, vec![f], f),
            ("log", 2) => (LibFn::NumericLog, vec![n, n], n),
            ("div", 2) => (LibFn::NumericDiv, vec![n, n], n),
            ("scale", 1) => (LibFn::NumericScale, vec![n], SqlType::Int4),
            ("min_scale", 1) => (LibFn::NumericMinScale, vec![n], SqlType::Int4),
            ("trim_scale", 1) => (LibFn::NumericTrimScale, vec![n], n),
            ("to_char", 2)
                if matches!(
                    args[0].ty().ty,
                    SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz
                ) =>
            {
                let t = args[0].ty().ty;
                let Some(a) = self.coerce_all(args, &[t, SqlType::Text], span)? else {
                    return Ok(None);
                };
                return Ok(Some(Expr::Func {
                    func: Func::DateTime(crate::datetime_fns::DtFn::ToChar),
                    args: a,
                    ty: SqlType::Text.plain(),
                }));
            }
            ("to_char", 2) => {
                let t = args[0].ty().ty;
                if !matches!(
                    t,
                    SqlType::Int2
                        | SqlType::Int4
                        | SqlType::Int8
                        | SqlType::Float4
                        | SqlType::Float8
                        | SqlType::Numeric
                ) {
                    return Ok(None);
                }
                (LibFn::ToChar, vec![t, SqlType::Text], SqlType::Text)
            }
            ("to_number", 2) => (LibFn::ToNumber, vec![SqlType::Text, SqlType::Text], n),
            ("split_part", 3) => (LibFn::SplitPart, vec![t, t, i4], t),
            ("chr", 1) => (LibFn::Chr, vec![i4], t),
            ("ascii", 1) => (LibFn::Ascii, vec![t], i4),
            ("lpad" | "rpad", 2 | 3) => {
                let func = if name == "lpad" {
                    LibFn::Lpad
                } else {
                    LibFn::Rpad
                };
                let params = [t, i4, t];
                let Some(mut a) = self.coerce_all(args, &params[..args.len()], span)? else {
                    return self.no_such_function(name, args, span);
                };
                if a.len() == 2 {
                    a.push(text_const(" "));
                }
                return Ok(Some(lib(func, a, t)));
            }
            ("translate", 3) => (LibFn::Translate, vec![t, t, t], t),
            ("initcap", 1) => (LibFn::Initcap, vec![t], t),
            ("starts_with", 2) => (LibFn::StartsWith, vec![t, t], SqlType::Bool),
            ("to_hex", 1) => {
                let p = if args[0].ty().ty == SqlType::Int8 {
                    SqlType::Int8
                } else {
                    i4
                };
                (LibFn::ToHex, vec![p], t)
            }
            ("quote_ident", 1) => (LibFn::QuoteIdent, vec![t], t),
            ("quote_literal" | "quote_nullable", 1) => {
                let func = if name == "quote_literal" {
                    LibFn::QuoteLiteral
                } else {
                    LibFn::QuoteNullable
                };
                let p = if is_texty(args[0].ty().ty) {
                    t
                } else {
                    args[0].ty().ty
                };
                (func, vec![p], t)
            }
            ("format" | "concat_ws", k) if k >= 1 => {
                let func = if name == "format" {
                    LibFn::Format
                } else {
                    LibFn::ConcatWs
                };
                let mut params = vec![t];
                for a in &args[1..] {
                    let ty = a.ty().ty;
                    params.push(if ty == SqlType::Unknown { t } else { ty });
                }
                (func, params, t)
            }
            ("unistr", 1) => (LibFn::Unistr, vec![t], t),
            ("parse_ident", 1 | 2) => {
                let params = [t, SqlType::Bool];
                let Some(a) = self.coerce_all(args, &params[..args.len()], span)? else {
                    return self.no_such_function(name, args, span);
                };
                let ty = SqlType::Array(crate::types::Elem::Text);
                return Ok(Some(lib(LibFn::ParseIdent, a, ty)));
            }
            ("pg_size_pretty", 1) => {
                let p = if args[0].ty().ty == SqlType::Numeric {
                    SqlType::Numeric
                } else {
                    SqlType::Int8
                };
                (LibFn::SizePretty, vec![p], t)
            }
            ("md5", 1) => {
                let p = if args[0].ty().ty == SqlType::Bytea {
                    SqlType::Bytea
                } else {
                    t
                };
                (LibFn::Md5, vec![p], t)
            }
            ("sha224" | "sha256" | "sha384" | "sha512", 1) => {
                let func = match name {
                    "sha224" => LibFn::Sha224,
                    "sha256" => LibFn::Sha256,
                    "sha384" => LibFn::Sha384,
                    _ => LibFn::Sha512,
                };
                (func, vec![SqlType::Bytea], SqlType::Bytea)
            }
            ("regexp_replace", 3..=6) => {
                // The 4th argument is flags (text) unless it is an integer start.
                let int_start = args.len() >= 5 || (args.len() == 4 && !is_texty(args[3].ty().ty));
                let params: Vec<SqlType> = if int_start {
                    [t, t, t, i4, i4, t][..args.len()].to_vec()
                } else {
                    [t, t, t, t][..args.len()].to_vec()
                };
                let Some(mut a) = self.coerce_all(args, &params, span)? else {
                    return self.no_such_function(name, args, span);
                };
                let flags = if !int_start && a.len() == 4 {
                    a.pop()
                } else {
                    None
                };
                if a.len() < 4 {
                    a.push(int_const(1));
                }
                if a.len() < 5 {
                    a.push(Expr::Const(
                        Datum::Int8(crate::builtins::ABSENT),
                        SqlType::Int8.plain(),
                    ));
                }
                if a.len() < 6 {
                    a.push(flags.unwrap_or_else(|| text_const("")));
                }
                return Ok(Some(lib(LibFn::RegexpReplace, a, t)));
            }
            ("regexp_like", 2 | 3) => {
                return self.bind_with_defaults(
                    LibFn::RegexpLike,
                    name,
                    args,
                    &[t, t, t],
                    &[text_const("")],
                    SqlType::Bool,
                    span,
                );
            }
            ("regexp_split_to_array", 2 | 3) => {
                let ty = SqlType::Array(crate::types::Elem::Text);
                return self.bind_with_defaults(
                    LibFn::RegexpSplitToArray,
                    name,
                    args,
                    &[t, t, t],
                    &[text_const("")],
                    ty,
                    span,
                );
            }
            ("regexp_count", 2..=4) => {
                return self.bind_with_defaults(
                    LibFn::RegexpCount,
                    name,
                    args,
                    &[t, t, i4, t],
                    &[int_const(1), text_const("")],
                    i4,
                    span,
                );
            }
            ("regexp_instr", 2..=7) => {
                let defaults = [
                    int_const(1),
                    int_const(1),
                    int_const(0),
                    text_const(""),
                    int_const(0),
                ];
                return self.bind_with_defaults(
                    LibFn::RegexpInstr,
                    name,
                    args,
                    &[t, t, i4, i4, i4, t, i4],
                    &defaults,
                    i4,
                    span,
                );
            }
            ("regexp_substr", 2..=6) => {
                let defaults = [int_const(1), int_const(1), text_const(""), int_const(0)];
                return self.bind_with_defaults(
                    LibFn::RegexpSubstr,
                    name,
                    args,
                    &[t, t, i4, i4, t, i4],
                    &defaults,
                    t,
                    span,
                );
            }
            ("gcd" | "lcm", 2) => {
                let tys: Vec<SqlType> = args.iter().map(|a| a.ty().ty).collect();
                let ty = match common_type(&tys) {
                    Some(SqlType::Int2 | SqlType::Int4 | SqlType::Unknown) => i4,
                    Some(SqlType::Int8) => SqlType::Int8,
                    Some(SqlType::Numeric) => n,
                    _ => return self.no_such_function(name, args, span),
                };
                let func = if name == "gcd" {
                    LibFn::Gcd
                } else {
                    LibFn::Lcm
                };
                (func, vec![ty, ty], ty)
            }
            // Function-call casts: int4(x) is CAST(x AS int4) when a cast
            // exists (numeric(x) is not a function in PostgreSQL's grammar).
            ("int2" | "int4" | "int8" | "float4" | "float8", 1) => {
                let target = match name {
                    "int2" => SqlType::Int2,
                    "int4" => i4,
                    "int8" => SqlType::Int8,
                    "float4" => SqlType::Float4,
                    _ => f,
                };
                let from = args[0].ty().ty;
                if from != SqlType::Unknown && from.category() != Category::Numeric {
                    return self.no_such_function(name, args, span);
                }
                return self
                    .explicit_cast(args[0].clone(), target.plain(), span)
                    .map(Some);
            }
            ("numeric_inc", 1) => {
                let Some(mut a) = self.coerce_all(args, &[n], span)? else {
                    return self.no_such_function(name, args, span);
                };
                let x = a.remove(0);
                return Ok(Some(Expr::Binary {
                    op: BinOp::Add,
                    left: Box::new(x),
                    right: Box::new(Expr::Const(Datum::Numeric(Numeric::from_i64(1)), n.plain())),
                    operand: n,
                    ty: n.plain(),
                }));
            }
            ("float4send", 1) => (LibFn::Float4Send, vec![SqlType::Float4], SqlType::Bytea),
            ("float8send", 1) => (LibFn::Float8Send, vec![f], SqlType::Bytea),
            ("encode", 2) => (LibFn::Encode, vec![SqlType::Bytea, t], t),
            ("decode", 2) => (LibFn::Decode, vec![t, t], SqlType::Bytea),
            ("get_bit", 2) if super::bit_string_ops::is_bit_string(args[0].ty().ty) => {
                let t = args[0].ty().ty;
                (LibFn::BitStringGetBit, vec![t, i4], i4)
            }
            ("set_bit", 3) if super::bit_string_ops::is_bit_string(args[0].ty().ty) => {
                let t = args[0].ty().ty;
                (LibFn::BitStringSetBit, vec![t, i4, i4], t)
            }
            ("get_bit", 2) => (LibFn::GetBit, vec![SqlType::Bytea, SqlType::Int8], i4),
            ("set_bit", 3) => (
                LibFn::SetBit,
                vec![SqlType::Bytea, SqlType::Int8, i4],
                SqlType::Bytea,
            ),
            ("get_byte", 2) => (LibFn::GetByte, vec![SqlType::Bytea, i4], i4),
            ("set_byte", 3) => (LibFn::SetByte, vec![SqlType::Bytea, i4, i4], SqlType::Bytea),
            ("bit_count", 1) if args[0].ty().ty == SqlType::Bytea => {
                (LibFn::BitCount, vec![SqlType::Bytea], SqlType::Int8)
            }
            ("btrim", 2) if args[0].ty().ty == SqlType::Bytea => (
                LibFn::ByteaBtrim,
                vec![SqlType::Bytea, SqlType::Bytea],
                SqlType::Bytea,
            ),
            ("btrim" | "bit_count" | "length", _) => return Ok(None),
            ("width_bucket", 4) => {
                // numeric casts implicitly to float8, not back: any float wins.
                let tys: Vec<SqlType> = args[..3].iter().map(|a| a.ty().ty).collect();
                let any_float = tys
                    .iter()
                    .any(|t| matches!(t, SqlType::Float4 | SqlType::Float8));
                if !any_float && tys.contains(&SqlType::Numeric) {
                    (LibFn::WidthBucketNumeric, vec![n, n, n, i4], i4)
                } else {
                    (LibFn::WidthBucketFloat, vec![f, f, f, i4], i4)
                }
            }
            ("factorial", 1) => (LibFn::Factorial, vec![SqlType::Int8], n),
            ("pg_lsn", 1) => (LibFn::PgLsnFromNumeric, vec![n], SqlType::PgLsn),
            ("cbrt", 1) => (LibFn::Cbrt, vec![f], f),
            ("sinh" | "cosh" | "tanh" | "asinh" | "acosh" | "atanh", 1) => {
                let func = match name {
                    "sinh" => LibFn::Sinh,
                    "cosh" => LibFn::Cosh,
                    "tanh" => LibFn::Tanh,
                    "asinh" => LibFn::Asinh,
                    "acosh" => LibFn::Acosh,
                    _ => LibFn::Atanh,
                };
                (func, vec![f], f)
            }
            ("sind" | "cosd" | "tand" | "cotd" | "asind" | "acosd" | "atand", 1) => {
                let func = match name {
                    "sind" => LibFn::Sind,
                    "cosd" => LibFn::Cosd,
                    "tand" => LibFn::Tand,
                    "cotd" => LibFn::Cotd,
                    "asind" => LibFn::Asind,
                    "acosd" => LibFn::Acosd,
                    _ => LibFn::Atand,
                };
                (func, vec![f], f)
            }
            ("atan2d", 2) => (LibFn::Atan2d, vec![f, f], f),
            ("to_date", 2) => (LibFn::ToDate, vec![t, t], SqlType::Date),
            _ => (LibFn::NumericLn, vec![], n),
        };
        match self.coerce_all(args, &params, span)? {
            Some(a) if !params.is_empty() => Ok(Some(Expr::Func {
                func: Func::Lib(func),
                args: a,
                ty: ret.plain(),
            })),
            _ => self.no_such_function(name, args, span),
        }
    }

    /// `f(args..., VARIADIC array)` (see `crate::variadic_args`): concat,
    /// concat_ws and format take the array's elements as their trailing
    /// arguments. None when the call has no VARIADIC argument.
    pub(in crate::binder) fn bind_variadic_call(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let ast::FunctionArguments::List(list) = &f.args else {
            return Ok(None);
        };
        let Some((last, fixed)) = list.args.split_last() else {
            return Ok(None);
        };
        let Some(array_expr) = crate::variadic_args::is_variadic_marker(last) else {
            return Ok(None);
        };
        let mut args = Vec::with_capacity(list.args.len());
        for a in fixed {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return self.err_at(SqlError::unsupported("this VARIADIC call"), span);
            };
            args.push(self.bind_expr(e, scope)?);
        }
        let array = self.bind_expr(array_expr, scope)?;
        if !matches!(array.ty().ty, SqlType::Array(_)) {
            return self.err_at(
                SqlError::new("42804", "VARIADIC argument must be an array"),
                start_span(array_expr),
            );
        }
        let func = match (name, args.len()) {
            ("concat", 0) => LibFn::VariadicConcat,
            ("concat_ws", 1) => LibFn::VariadicConcatWs,
            ("format", 1) => LibFn::VariadicFormat,
            _ => {
                let mut sig: Vec<String> = args
                    .iter()
                    .map(|a| a.ty().ty.display_name().to_string())
                    .collect();
                sig.push(format!("VARIADIC {}", array.ty().ty.display_name()));
                return self.err_at(
                    SqlError::undefined_function(&format!("{name}({})", sig.join(", "))),
                    span,
                );
            }
        };
        let mut bound = Vec::with_capacity(2);
        for a in args {
            bound.push(self.coerce_text(a, span, name)?);
        }
        bound.push(array);
        Ok(Some(lib(func, bound, SqlType::Text)))
    }

    fn no_such_function(&self, name: &str, args: &[Expr], span: Span) -> SqlResult<Option<Expr>> {
        let sig = format!(
            "{name}({})",
            args.iter()
                .map(|a| a.ty().ty.display_name())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.err_at(SqlError::undefined_function(&sig), span)
    }

    /// Coerces the given arguments to the leading `params` and appends the
    /// trailing `defaults` for omitted optional parameters.
    #[allow(clippy::too_many_arguments)]
    fn bind_with_defaults(
        &mut self,
        func: LibFn,
        name: &str,
        args: &[Expr],
        params: &[SqlType],
        defaults: &[Expr],
        ret: SqlType,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let Some(mut a) = self.coerce_all(args, &params[..args.len()], span)? else {
            return self.no_such_function(name, args, span);
        };
        let missing = params.len() - args.len();
        a.extend_from_slice(&defaults[defaults.len() - missing..]);
        Ok(Some(lib(func, a, ret)))
    }
}

fn lib(func: LibFn, args: Vec<Expr>, ty: SqlType) -> Expr {
    Expr::Func {
        func: Func::Lib(func),
        args,
        ty: ty.plain(),
    }
}
