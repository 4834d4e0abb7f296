//! `(expr).*`: sqlparser reads no `*` after a parenthesized expression's
//! `.`, so the token stream is rewritten before parsing: `) . *` becomes
//! `) . "\u{1}all_fields"`, a field access the select-list binder expands
//! into one column per field of the composite value (`binder/row_expr.rs`).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

/// The field name that stands for `*` (unquotable by users: it starts with
/// a control character).
pub const ALL_FIELDS: &str = "\u{1}all_fields";

/// Rewrites every `) . *` in `tokens` (white space allowed between them).
pub fn rewrite(tokens: &mut [TokenWithSpan]) {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    for w in significant.windows(3) {
        let [close, dot, star] = [w[0], w[1], w[2]];
        if tokens[close].token == Token::RParen
            && tokens[dot].token == Token::Period
            && tokens[star].token == Token::Mul
        {
            tokens[star].token = Token::Word(Word {
                value: ALL_FIELDS.to_string(),
                quote_style: Some('"'),
                keyword: Keyword::NoKeyword,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        crate::token_rewrite_tests::rewritten_by(sql, |t| rewrite(t))
    }

    #[test]
    fn star_after_a_parenthesized_expression_becomes_a_field() {
        assert_eq!(
            rewritten("SELECT (p).*, (f()) . * FROM t"),
            "SELECT (p).\"\u{1}all_fields\", (f()) . \"\u{1}all_fields\" FROM t"
        );
        assert_eq!(
            rewritten("SELECT t.*, (a) * 2, count(*) FROM t"),
            "SELECT t.*, (a) * 2, count(*) FROM t"
        );
    }
}
