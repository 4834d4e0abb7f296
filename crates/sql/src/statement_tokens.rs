//! Token helpers for the statements Borealis recognises from their tokens
//! before sqlparser sees them (roles, ALTER SEQUENCE and friends, rules):
//! a token's keyword, an identifier as PostgreSQL folds it, and the
//! syntax error PostgreSQL reports near a token.

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
}
