//! Operator classes in `PARTITION BY strategy (key opclass, ...)`, which
//! sqlparser cannot read (it parses the key list as function arguments).
//! Before parsing, a trailing operator class name of a key element becomes
//! a COLLATE clause naming a marked collation (`OPCLASS_MARK` + the class
//! name, a name no real collation has); `crate::partition_ddl::parse_key`
//! takes it back off.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace, Word};

/// Prefix of the collation name that carries a key element's operator class.
pub const OPCLASS_MARK: &str = "\u{1}opclass:";

/// The operator class a key element's collation carries, if it is the mark.
pub fn opclass_of_collation(collation: &str) -> Option<&str> {
    collation.strip_prefix(OPCLASS_MARK)
}

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == k)
}

/// Can `t` end an expression, so that a name right after it is an operator
/// class (an identifier, a literal or a closing parenthesis)?
fn ends_expression(t: &Token) -> bool {
    match t {
        Token::Word(w) => {
            w.quote_style.is_some()
                || !matches!(
                    w.keyword,
                    Keyword::COLLATE
                        | Keyword::AND
                        | Keyword::OR
                        | Keyword::NOT
                        | Keyword::IS
                        | Keyword::FROM
                        | Keyword::DISTINCT
                        | Keyword::BETWEEN
                        | Keyword::LIKE
                        | Keyword::ILIKE
                        | Keyword::IN
                        | Keyword::WHEN
                        | Keyword::THEN
                        | Keyword::ELSE
                        | Keyword::CASE
                        | Keyword::AS
                )
        }
        Token::RParen | Token::Number(..) | Token::SingleQuotedString(_) | Token::RBracket => true,
        _ => false,
    }
}

/// Rewrites every `PARTITION BY RANGE|LIST|HASH (...)` key list in `tokens`.
pub fn rewrite(tokens: &mut Vec<TokenWithSpan>) {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    // Positions (into `tokens`) of the operator class names to replace.
    let mut opclass_at: Vec<usize> = Vec::new();
    let mut k = 0;
    while k + 3 < significant.len() {
        let at = |n: usize| &tokens[significant[n]].token;
        let starts_key = is_keyword(at(k), Keyword::PARTITION)
            && is_keyword(at(k + 1), Keyword::BY)
            && matches!(at(k + 2), Token::Word(w)
                if ["range", "list", "hash"].contains(&w.value.to_lowercase().as_str()))
            && matches!(at(k + 3), Token::LParen);
        if !starts_key {
            k += 1;
            continue;
        }
        // Walk the list: an element ends at a comma or the closing
        // parenthesis at depth 1.
        let mut depth = 0usize;
        let mut j = k + 3;
        let mut element_len = 0usize;
        while j < significant.len() {
            let t = at(j);
            match t {
                Token::LParen => depth += 1,
                Token::RParen if depth == 1 => {
                    note_opclass(&significant, tokens, j, element_len, &mut opclass_at);
                    break;
                }
                Token::RParen => depth -= 1,
                Token::Comma if depth == 1 => {
                    note_opclass(&significant, tokens, j, element_len, &mut opclass_at);
                    element_len = 0;
                    j += 1;
                    continue;
                }
                _ => {}
            }
            if !(depth == 1 && matches!(t, Token::LParen)) {
                element_len += 1;
            }
            j += 1;
        }
        k = j;
    }
    for i in opclass_at.into_iter().rev() {
        let span = tokens[i].span;
        let Token::Word(w) = &tokens[i].token else {
            continue;
        };
        let name = if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_lowercase()
        };
        let collate = Word {
            value: "COLLATE".into(),
            quote_style: None,
            keyword: Keyword::COLLATE,
        };
        let marked = Word {
            value: format!("{OPCLASS_MARK}{name}"),
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        };
        tokens.splice(
            i..=i,
            [
                TokenWithSpan::new(Token::Word(collate), span),
                TokenWithSpan::new(Token::Whitespace(Whitespace::Space), span),
                TokenWithSpan::new(Token::Word(marked), span),
            ],
        );
    }
}

/// The element ending before significant token `end` (of `len` tokens):
/// if its last token is a plain name following something that ends an
/// expression, that name is an operator class.
fn note_opclass(
    significant: &[usize],
    tokens: &[TokenWithSpan],
    end: usize,
    len: usize,
    out: &mut Vec<usize>,
) {
    if len < 2 || end < 2 {
        return;
    }
    let last = &tokens[significant[end - 1]].token;
    let before = &tokens[significant[end - 2]].token;
    let is_name = matches!(last, Token::Word(w) if w.quote_style.is_some() || w.keyword == Keyword::NoKeyword || !is_reserved(w.keyword));
    if is_name && ends_expression(before) && !is_keyword(before, Keyword::COLLATE) {
        out.push(significant[end - 1]);
    }
}

/// Keywords that can never be an operator class name here.
fn is_reserved(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::NULL
            | Keyword::TRUE
            | Keyword::FALSE
            | Keyword::AND
            | Keyword::OR
            | Keyword::NOT
            | Keyword::IS
            | Keyword::COLLATE
            | Keyword::END
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn rewritten(sql: &str) -> String {
        let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .expect("tokenizes");
        rewrite(&mut tokens);
        tokens
            .iter()
            .map(|t| t.token.to_string())
            .collect::<String>()
            .replace(OPCLASS_MARK, "#")
    }

    #[test]
    fn trailing_names_become_marked_collations() {
        assert_eq!(
            rewritten("create table t (a int) partition by hash (a part_test_int4_ops, b x)"),
            "create table t (a int) partition by hash (a COLLATE \"#part_test_int4_ops\", b COLLATE \"#x\")"
        );
        assert_eq!(
            rewritten("create table t (a int) partition by range ((a+1) int4_ops)"),
            "create table t (a int) partition by range ((a+1) COLLATE \"#int4_ops\")"
        );
    }

    #[test]
    fn collations_calls_and_plain_keys_stay() {
        for sql in [
            "create table t (a int) partition by range (a, plusone(b), c collate \"C\")",
            "create table t (a int) partition by list (a)",
            "create table t (a int) partition by list ((a + 1))",
            "select 1",
        ] {
            assert_eq!(rewritten(sql), sql);
        }
        assert_eq!(
            rewritten("create table t (d text) partition by range (d collate \"C\" text_ops)"),
            "create table t (d text) partition by range (d collate \"C\" COLLATE \"#text_ops\")"
        );
    }
}
