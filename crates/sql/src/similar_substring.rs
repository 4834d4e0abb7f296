//! `SUBSTRING(string SIMILAR pattern ESCAPE escape)`: PostgreSQL's grammar
//! turns this SQL:2003 form into the call `substring(string, pattern,
//! escape)`. sqlparser has no such production, so the token stream is
//! rewritten the same way (the keywords become commas) before parsing.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
}

/// Rewrites every `SUBSTRING(a SIMILAR b ESCAPE c)` into `SUBSTRING(a, b, c)`.
pub fn rewrite(tokens: &mut [TokenWithSpan]) {
    let significant = |t: &Token| !matches!(t, Token::Whitespace(_));
    for start in 0..tokens.len() {
        if !is_keyword(&tokens[start].token, Keyword::SUBSTRING) {
            continue;
        }
        let Some(open) = (start + 1..tokens.len()).find(|&i| significant(&tokens[i].token)) else {
            continue;
        };
        if tokens[open].token != Token::LParen {
            continue;
        }
        // Keywords at the call's own parenthesis depth.
        let mut depth = 0usize;
        let mut similar = None;
        let mut escape = None;
        for (i, tok) in tokens.iter().enumerate().skip(open) {
            match &tok.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                t if depth == 1 && similar.is_none() && is_keyword(t, Keyword::SIMILAR) => {
                    similar = Some(i)
                }
                t if depth == 1 && similar.is_some() && is_keyword(t, Keyword::ESCAPE) => {
                    escape = Some(i)
                }
                _ => {}
            }
        }
        if let (Some(s), Some(e)) = (similar, escape) {
            tokens[s].token = Token::Comma;
            tokens[e].token = Token::Comma;
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
    fn similar_form_becomes_a_three_argument_call() {
        assert_eq!(
            rewritten("SELECT SUBSTRING('abc' SIMILAR 'a#\"b#\"%' ESCAPE '#')"),
            "SELECT SUBSTRING('abc' , 'a#\"b#\"%' , '#')"
        );
        assert_eq!(
            rewritten("select substring(f(x, y) similar upper('p') escape e) from t"),
            "select substring(f(x, y) , upper('p') , e) from t"
        );
    }

    #[test]
    fn other_forms_are_left_alone() {
        for sql in [
            "SELECT SUBSTRING('abc' FROM 2 FOR 1)",
            "SELECT 'abc' SIMILAR TO 'a%' ESCAPE '#'",
            "SELECT substring('abc', 1)",
        ] {
            assert_eq!(rewritten(sql), sql);
        }
    }
}
