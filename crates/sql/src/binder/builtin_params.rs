//! Named-argument notation (`f(a => 1)`, `f(a := 1)`) for builtin
//! functions: PostgreSQL's parameter names and defaults of the builtins that
//! declare them, and the rewrite of such a call into positional form before
//! it is bound like any other builtin call. Arguments after the last one the
//! call names keep their builtin's own arity handling; a gap before it is
//! filled with the parameter's default.

use sqlparser::ast;

use super::*;
use crate::variadic_args;

/// One parameter: its name and, when it has one, its default as SQL text.
type Param = (&'static str, Option<&'static str>);

/// The parameter lists of the builtins that declare names (pg_proc.proargnames)
/// among those Borealis has.
fn params(function: &str) -> Option<&'static [Param]> {
    const PARSE_IDENT: &[Param] = &[("str", None), ("strict", Some("true"))];
    const MAKE_TIMESTAMPTZ: &[Param] = &[
        ("year", None),
        ("month", None),
        ("mday", None),
        ("hour", None),
        ("min", None),
        ("sec", None),
        ("timezone", None),
    ];
    // make_timestamp's parameters are make_timestamptz's without the zone.
    const MAKE_TIMESTAMP: &[Param] = MAKE_TIMESTAMPTZ.split_at(MAKE_TIMESTAMPTZ.len() - 1).0;
    const MAKE_DATE: &[Param] = &[("year", None), ("month", None), ("day", None)];
    Some(match function {
        "parse_ident" => PARSE_IDENT,
        "make_timestamp" => MAKE_TIMESTAMP,
        "make_timestamptz" => MAKE_TIMESTAMPTZ,
        "make_date" => MAKE_DATE,
        _ => return None,
    })
}

/// The name of a named argument, None for a positional one.
pub(super) fn argument_name(arg: &ast::FunctionArg) -> Option<String> {
    match arg {
        ast::FunctionArg::Named { name, .. } => Some(ident_name(name)),
        ast::FunctionArg::ExprNamed {
            name: ast::Expr::Identifier(name),
            ..
        } => Some(ident_name(name)),
        _ => None,
    }
}

fn argument_value(arg: &ast::FunctionArg) -> ast::FunctionArgExpr {
    match arg {
        ast::FunctionArg::Named { arg, .. }
        | ast::FunctionArg::ExprNamed { arg, .. }
        | ast::FunctionArg::Unnamed(arg) => arg.clone(),
    }
}

/// Why a call's named arguments do not fit the builtin's parameters; the
/// binder turns it into PostgreSQL's error (it knows the argument types
/// and positions).
#[derive(Debug, PartialEq)]
pub(super) enum NamedCallError {
    /// No parameter list fits: "function f(...) does not exist".
    NoSuchFunction,
    /// The argument at this index is positional after a named one.
    PositionalAfterNamed(usize),
    /// The argument at this index names a parameter already given.
    UsedTwice(&'static str, usize),
}

/// `f` with its named arguments placed by parameter name, when `function` is
/// a builtin with named parameters and the call names any; None otherwise.
/// Parameters with defaults that the call leaves out get their defaults.
pub(super) fn positional_call(
    function: &str,
    f: &ast::Function,
) -> Result<Option<ast::Function>, NamedCallError> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return Ok(None);
    };
    let any_named = list.args.iter().any(|a| argument_name(a).is_some());
    let variadic = list
        .args
        .iter()
        .any(|a| variadic_args::is_variadic_marker(a).is_some());
    if !any_named || variadic {
        return Ok(None);
    }
    let Some(params) = params(function) else {
        return Ok(None);
    };
    let mut slots: Vec<Option<ast::FunctionArgExpr>> = vec![None; params.len()];
    let mut seen_named = false;
    for (position, arg) in list.args.iter().enumerate() {
        let slot = match argument_name(arg) {
            None if seen_named => return Err(NamedCallError::PositionalAfterNamed(position)),
            None => position,
            Some(name) => {
                seen_named = true;
                params
                    .iter()
                    .position(|(p, _)| *p == name)
                    .ok_or(NamedCallError::NoSuchFunction)?
            }
        };
        let Some(target) = slots.get_mut(slot) else {
            return Err(NamedCallError::NoSuchFunction);
        };
        if target.is_some() {
            // A name given twice is PostgreSQL's syntax error; a name that
            // repeats a positional argument matches no function.
            let named_before = list.args[..position]
                .iter()
                .any(|a| argument_name(a).as_deref() == Some(params[slot].0));
            if named_before {
                return Err(NamedCallError::UsedTwice(params[slot].0, position));
            }
            return Err(NamedCallError::NoSuchFunction);
        }
        *target = Some(argument_value(arg));
    }
    let mut args = Vec::with_capacity(params.len());
    for (slot, (_, default)) in slots.into_iter().zip(params) {
        let value = match (slot, default) {
            (Some(v), _) => v,
            (None, Some(text)) => ast::FunctionArgExpr::Expr(default_expr(text)),
            // A trailing parameter without a default (make_timestamptz's
            // time zone) is an overload's, left out.
            (None, None) if args.len() >= required(params) => break,
            (None, None) => return Err(NamedCallError::NoSuchFunction),
        };
        args.push(ast::FunctionArg::Unnamed(value));
    }
    let mut call = f.clone();
    call.args = ast::FunctionArguments::List(ast::FunctionArgumentList {
        duplicate_treatment: list.duplicate_treatment,
        args,
        clauses: list.clauses.clone(),
    });
    Ok(Some(call))
}

/// How many leading parameters every overload has.
fn required(params: &[Param]) -> usize {
    match params {
        // make_timestamptz(year, month, mday, hour, min, sec [, timezone]).
        p if p.last().is_some_and(|(n, _)| *n == "timezone") => p.len() - 1,
        p => p.len(),
    }
}

/// A default's expression: a numeric or boolean literal.
fn default_expr(text: &'static str) -> ast::Expr {
    let value = match text {
        "true" => ast::Value::Boolean(true),
        "false" => ast::Value::Boolean(false),
        number => ast::Value::Number(number.to_string(), false),
    };
    ast::Expr::Value(value.into())
}

impl<'a> Binder<'a> {
    /// PostgreSQL's error for a call whose named arguments do not fit.
    pub(super) fn named_call_error(
        &mut self,
        function: &str,
        f: &ast::Function,
        error: NamedCallError,
        scope: &Scope,
        span: Span,
    ) -> SqlError {
        let args: &[ast::FunctionArg] = match &f.args {
            ast::FunctionArguments::List(list) => &list.args,
            _ => &[],
        };
        let at_arg = |binder: &Self, index: usize| {
            let arg_span = match args.get(index) {
                Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))) => e.span(),
                Some(ast::FunctionArg::Named { name, .. }) => name.span,
                Some(ast::FunctionArg::ExprNamed { name, .. }) => name.span(),
                _ => span,
            };
            binder.pos(arg_span)
        };
        match error {
            NamedCallError::PositionalAfterNamed(index) => {
                SqlError::syntax("positional argument cannot follow named argument")
                    .at(at_arg(self, index))
            }
            NamedCallError::UsedTwice(name, index) => SqlError::new(
                "42601",
                format!("argument name \"{name}\" used more than once"),
            )
            .at(at_arg(self, index)),
            NamedCallError::NoSuchFunction => {
                let mut shown = Vec::with_capacity(args.len());
                for arg in args {
                    let ty = match argument_value(arg) {
                        ast::FunctionArgExpr::Expr(e) => match self.bind_expr(&e, scope) {
                            Ok(bound) => bound.ty().ty.display_name(),
                            Err(err) => return err,
                        },
                        _ => "unknown",
                    };
                    shown.push(match argument_name(arg) {
                        Some(n) => format!("{n} => {ty}"),
                        None => ty.to_string(),
                    });
                }
                SqlError::undefined_function(&format!("{function}({})", shown.join(", ")))
                    .at(self.pos(span))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn call(sql: &str) -> ast::Function {
        let expr = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .expect("test SQL parses");
        let ast::Expr::Function(f) = expr else {
            panic!("not a call: {sql}");
        };
        f
    }

    fn rewritten(sql: &str) -> Result<Option<String>, NamedCallError> {
        let f = call(sql);
        let name = f.name.to_string();
        Ok(positional_call(&name, &f)?.map(|f| f.to_string()))
    }

    #[test]
    fn named_arguments_become_positional() {
        let cases = [
            (
                "parse_ident('a.b[]', strict => false)",
                Some("parse_ident('a.b[]', false)"),
            ),
            (
                "parse_ident(strict := false, str => 'x')",
                Some("parse_ident('x', false)"),
            ),
            ("parse_ident(str => 'x')", Some("parse_ident('x', true)")),
            (
                "make_date(day => 3, month => 2, year => 2020)",
                Some("make_date(2020, 2, 3)"),
            ),
            (
                "make_timestamptz(2020, 1, 2, 3, 4, sec => 5)",
                Some("make_timestamptz(2020, 1, 2, 3, 4, 5)"),
            ),
            ("parse_ident('a')", None),
            ("lower(x => 'a')", None),
        ];
        for (sql, expected) in cases {
            assert_eq!(rewritten(sql).unwrap().as_deref(), expected, "{sql}");
        }
    }

    #[test]
    fn bad_named_arguments_are_refused() {
        let cases = [
            (
                "parse_ident('a', nope => true)",
                NamedCallError::NoSuchFunction,
            ),
            (
                "parse_ident(str => 'a', 'b')",
                NamedCallError::PositionalAfterNamed(1),
            ),
            (
                "parse_ident('a', str => 'b')",
                NamedCallError::NoSuchFunction,
            ),
            (
                "parse_ident(str => 'a', str => 'b')",
                NamedCallError::UsedTwice("str", 1),
            ),
            (
                "make_timestamp(year => 2020, sec => 1)",
                NamedCallError::NoSuchFunction,
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(rewritten(sql).unwrap_err(), expected, "{sql}");
        }
    }
}
