//! PostgreSQL's lexer rejects a numeric literal run together with what
//! follows it (`123abc`, `0.0e`, `1_2_3`, `0x1f` in version 15) with
//! "trailing junk after numeric literal"; sqlparser instead splits such
//! text into a number and an identifier (read as a column alias) or accepts
//! forms PostgreSQL 15 does not. This pass finds those spots in the token
//! stream before parsing.

use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::error::{SqlError, SqlResult};

/// Errors (42601) at the first numeric literal with trailing junk.
pub fn check_numeric_junk(sql: &str, tokens: &[TokenWithSpan]) -> SqlResult<()> {
    let adjacent = |j: usize| {
        tokens
            .get(j)
            .filter(|next| next.span.start == tokens[j - 1].span.end)
    };
    for (i, tok) in tokens.iter().enumerate() {
        if let Token::Placeholder(p) = &tok.token {
            // `$1a`: a parameter run together with an identifier (sqlparser
            // reads it as one placeholder, or as `$1` followed by a word).
            let digits = p.strip_prefix('$').unwrap_or("");
            let number_end = digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            let mut junk = p.clone();
            if let Some(Token::Word(w)) = adjacent(i + 1).map(|t| &t.token) {
                if w.quote_style.is_none() {
                    junk.push_str(&w.value);
                }
            }
            if number_end > 0 && junk.len() > number_end + 1 {
                let position = crate::binder::span_position(sql, tok.span);
                return Err(SqlError::syntax(format!(
                    "trailing junk after parameter at or near \"{junk}\""
                ))
                .at(position));
            }
            continue;
        }
        let Token::Number(text, _) = &tok.token else {
            continue;
        };
        let mut junk = text.clone();
        // Underscores and 0x/0o/0b prefixes are PostgreSQL 16 syntax.
        let radix_prefix = text.len() > 1
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B');
        let mut bad = text.contains('_') || radix_prefix;
        if let Some(next) = adjacent(i + 1) {
            if let Token::Word(w) = &next.token {
                junk.push_str(&w.value);
                let exponent_sign = (w.value.eq_ignore_ascii_case("e")
                    && !text.contains(['e', 'E']))
                .then(|| adjacent(i + 2))
                .flatten()
                .filter(|t| matches!(t.token, Token::Plus | Token::Minus));
                if let Some(sign) = exponent_sign {
                    junk.push_str(&sign.token.to_string());
                }
                bad = true;
            }
        }
        if bad {
            let position = crate::binder::span_position(sql, tok.span);
            return Err(SqlError::syntax(format!(
                "trailing junk after numeric literal at or near \"{junk}\""
            ))
            .at(position));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn check(sql: &str) -> Result<(), String> {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .map_err(|e| e.to_string())?;
        check_numeric_junk(sql, &tokens).map_err(|e| e.message.clone())
    }

    #[test]
    fn junk_after_numbers_is_rejected_like_postgres() {
        for (sql, junk) in [
            ("SELECT 123abc", "123abc"),
            ("SELECT 0x0o", "0x0o"),
            ("SELECT 1_2_3", "1_2_3"),
            ("SELECT 0.a", "0.a"),
            ("SELECT 0.0a", "0.0a"),
            ("SELECT .0a", ".0a"),
            ("SELECT 0.0e1a", "0.0e1a"),
            ("SELECT 0.0e", "0.0e"),
            ("SELECT 0.0e+a", "0.0e+"),
        ] {
            assert_eq!(
                check(sql),
                Err(format!(
                    "trailing junk after numeric literal at or near \"{junk}\""
                )),
                "{sql}"
            );
        }
    }

    #[test]
    fn junk_after_parameters_is_rejected() {
        assert_eq!(
            check("PREPARE p1 AS SELECT $1a"),
            Err("trailing junk after parameter at or near \"$1a\"".to_string())
        );
    }

    #[test]
    fn ordinary_numbers_pass() {
        for sql in [
            "SELECT 123 abc",
            "SELECT 1.5e10, 1e-3, .5, 5., 0",
            "SELECT a[1:2] FROM t",
            "SELECT 1+2, 3-4, 10 AS x",
            "SELECT 'abc'::text, $1, $2 + 1",
        ] {
            assert_eq!(check(sql), Ok(()), "{sql}");
        }
    }
}
