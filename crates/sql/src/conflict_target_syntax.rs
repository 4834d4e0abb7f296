//! Expressions in `ON CONFLICT (lower(x), a) ...` inference lists, which
//! sqlparser cannot read (it takes column names only). Before parsing,
//! each element that is not a plain name becomes one quoted identifier
//! carrying the element's text behind `EXPRESSION_MARK` (a name no real
//! column has); the ON CONFLICT binder takes it back off and matches it
//! against expression indexes (`crate::index_shape`).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

/// Prefix of a marked conflict-target element's identifier.
pub const EXPRESSION_MARK: &str = "\u{1}conflict-expr:";

/// The expression text a marked conflict-target identifier carries.
pub fn marked_expression(ident: &sqlparser::ast::Ident) -> Option<&str> {
    ident
        .quote_style
        .and(ident.value.strip_prefix(EXPRESSION_MARK))
}

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == k)
}

/// Rewrites the expression elements of every `ON CONFLICT (...)` list.
pub fn rewrite(tokens: &mut Vec<TokenWithSpan>) {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    // Token ranges (into `tokens`, inclusive) of elements to replace.
    let mut elements: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k + 2 < significant.len() {
        let at = |n: usize| &tokens[significant[n]].token;
        let starts = is_keyword(at(k), Keyword::ON)
            && is_keyword(at(k + 1), Keyword::CONFLICT)
            && matches!(at(k + 2), Token::LParen);
        if !starts {
            k += 1;
            continue;
        }
        let mut depth = 0usize;
        let mut j = k + 2;
        let mut first: Option<usize> = None;
        let mut count = 0usize;
        while j < significant.len() {
            let t = at(j);
            let ends_element = depth == 1 && matches!(t, Token::Comma | Token::RParen);
            if ends_element {
                if let (Some(f), true) = (first, count > 1) {
                    elements.push((significant[f], significant[j - 1]));
                }
                if matches!(t, Token::RParen) {
                    break;
                }
                first = None;
                count = 0;
                j += 1;
                continue;
            }
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            // The list's own opening parenthesis belongs to no element.
            if j != k + 2 {
                first.get_or_insert(j);
                count += 1;
            }
            j += 1;
        }
        k = j;
    }
    for (start, end) in elements.into_iter().rev() {
        let span = tokens[start].span;
        let text: String = tokens[start..=end]
            .iter()
            .map(|t| t.token.to_string())
            .collect();
        let marked = Word {
            value: format!("{EXPRESSION_MARK}{}", text.trim()),
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        };
        tokens.splice(start..=end, [TokenWithSpan::new(Token::Word(marked), span)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn rewritten(sql: &str) -> String {
        let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        rewrite(&mut tokens);
        tokens
            .iter()
            .map(|t| match &t.token {
                Token::Word(w) if w.value.starts_with(EXPRESSION_MARK) => {
                    format!("<{}>", &w.value[EXPRESSION_MARK.len()..])
                }
                other => other.to_string(),
            })
            .collect()
    }

    #[test]
    fn expression_elements_become_marked_names() {
        assert_eq!(
            rewritten("INSERT INTO t VALUES (1) ON CONFLICT (a, lower(x), (b + 1)) DO NOTHING"),
            "INSERT INTO t VALUES (1) ON CONFLICT (a, <lower(x)>, <(b + 1)>) DO NOTHING"
        );
        assert_eq!(
            rewritten("INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE b = 1 DO NOTHING"),
            "INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE b = 1 DO NOTHING"
        );
    }
}
