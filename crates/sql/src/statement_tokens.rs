//! Token helpers for the statements Borealis recognises from their tokens
//! before sqlparser sees them (roles, ALTER SEQUENCE and friends, rules):
//! a token's keyword, an identifier as PostgreSQL folds it, the syntax
//! error PostgreSQL reports near a token, and a statement's leading word
//! (read without tokenizing, so plain DML skips those recognisers cheaply).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Word};

use crate::error::SqlError;

/// The keyword a token is (`NoKeyword` for anything else; a quoted
/// identifier is never a keyword).
pub fn keyword(t: Option<&Token>) -> Keyword {
    match t {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.keyword,
        _ => Keyword::NoKeyword,
    }
}

/// An identifier as PostgreSQL folds it: lower case unless quoted.
pub fn ident(w: &Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_lowercase()
    }
}

/// `syntax error at or near "t"` (at end of input without a token).
pub fn syntax_error(near: Option<&Token>) -> SqlError {
    match near {
        Some(t) => SqlError::syntax(format!("syntax error at or near \"{t}\"")),
        None => SqlError::syntax("syntax error at end of input"),
    }
}

/// The first word of `sql` after whitespace and comments (`--` to end of
/// line, `/* */` nested as PostgreSQL nests them); empty when it starts
/// with anything else.
pub fn leading_word(sql: &str) -> &str {
    let bytes = sql.as_bytes();
    let mut at = 0;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if bytes[at..].starts_with(b"--") {
            while at < bytes.len() && bytes[at] != b'\n' {
                at += 1;
            }
        } else if bytes[at..].starts_with(b"/*") {
            let mut depth = 0usize;
            while at < bytes.len() {
                if bytes[at..].starts_with(b"/*") {
                    depth += 1;
                    at += 2;
                } else if bytes[at..].starts_with(b"*/") {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    at += 1;
                }
            }
        } else {
            break;
        }
    }
    let end = bytes[at..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(bytes.len(), |n| at + n);
    &sql[at..end]
}

/// Whether `sql` starts with SELECT, INSERT, UPDATE, DELETE or VALUES:
/// none of the statements recognised from tokens does.
pub fn starts_plain_dml(sql: &str) -> bool {
    let word = leading_word(sql);
    ["select", "insert", "update", "delete", "values"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_words_are_not_keywords_and_keep_their_case() {
        let plain = Word {
            value: "Select".into(),
            quote_style: None,
            keyword: Keyword::SELECT,
        };
        let quoted = Word {
            quote_style: Some('"'),
            ..plain.clone()
        };
        assert_eq!(keyword(Some(&Token::Word(plain.clone()))), Keyword::SELECT);
        assert_eq!(
            keyword(Some(&Token::Word(quoted.clone()))),
            Keyword::NoKeyword
        );
        assert_eq!(ident(&plain), "select");
        assert_eq!(ident(&quoted), "Select");
        assert_eq!(syntax_error(None).message, "syntax error at end of input");
    }

    #[test]
    fn leading_words_skip_whitespace_and_comments() {
        assert_eq!(leading_word("  insert into t"), "insert");
        assert_eq!(leading_word("-- c\n/* a /* b */ c */ SELECT 1"), "SELECT");
        assert_eq!(leading_word("(select 1)"), "");
        assert_eq!(leading_word("/* never closed"), "");
        assert_eq!(leading_word(""), "");
        assert!(starts_plain_dml("\tUPDATE t SET a = 1"));
        assert!(!starts_plain_dml("REINDEX TABLE t"));
        assert!(!starts_plain_dml("create sequence s"));
    }
}
