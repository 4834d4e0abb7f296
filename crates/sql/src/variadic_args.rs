//! `f(a, VARIADIC arr)`: PostgreSQL passes an array as a variadic function's
//! trailing arguments. sqlparser has no such production, so the keyword is
//! rewritten (before parsing) into the named-argument marker
//! `"variadic" => arr`, which the binder recognises (`is_variadic_marker`)
//! and no PostgreSQL function accepts as a parameter name.

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace, Word};

/// The marker's parameter name.
const MARKER: &str = "variadic";

/// Rewrites `VARIADIC expr` in function argument lists into the marker.
pub fn rewrite(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    for tok in tokens {
        let is_variadic = matches!(
            &tok.token,
            Token::Word(w) if w.keyword == Keyword::VARIADIC && w.quote_style.is_none()
        );
        let after_open_or_comma = out
            .iter()
            .rev()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .is_some_and(|t| matches!(t.token, Token::LParen | Token::Comma));
        if is_variadic && after_open_or_comma {
            let span = tok.span;
            let word = Token::Word(Word {
                value: MARKER.to_string(),
                quote_style: Some('"'),
                keyword: Keyword::NoKeyword,
            });
            for token in [word, Token::Whitespace(Whitespace::Space), Token::RArrow] {
                out.push(TokenWithSpan { token, span });
            }
        } else {
            out.push(tok);
        }
    }
    out
}

/// Whether a call argument is the rewritten `VARIADIC expr`; its expression.
pub fn is_variadic_marker(arg: &ast::FunctionArg) -> Option<&ast::Expr> {
    let is_marker = |name: &ast::Ident| name.value == MARKER && name.quote_style == Some('"');
    match arg {
        ast::FunctionArg::Named {
            name,
            arg: ast::FunctionArgExpr::Expr(e),
            ..
        } if is_marker(name) => Some(e),
        ast::FunctionArg::ExprNamed {
            name: ast::Expr::Identifier(name),
            arg: ast::FunctionArgExpr::Expr(e),
            ..
        } if is_marker(name) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn args_of(sql: &str) -> Vec<ast::FunctionArg> {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .expect("test SQL tokenizes");
        let expr = Parser::new(&PostgreSqlDialect {})
            .with_tokens_with_locations(rewrite(tokens))
            .parse_expr()
            .expect("rewritten SQL parses");
        let ast::Expr::Function(f) = expr else {
            panic!("not a call: {expr}");
        };
        let ast::FunctionArguments::List(l) = f.args else {
            panic!("no argument list");
        };
        l.args
    }

    #[test]
    fn variadic_argument_becomes_the_marker() {
        let args = args_of("concat_ws(',', VARIADIC array[1, 2])");
        assert_eq!(args.len(), 2);
        assert!(is_variadic_marker(&args[0]).is_none());
        assert_eq!(
            is_variadic_marker(&args[1]).map(|e| e.to_string()),
            Some("ARRAY[1, 2]".to_string())
        );
        let args = args_of("format(x, variadic NULL::int[])");
        assert!(is_variadic_marker(&args[1]).is_some());
    }
}
