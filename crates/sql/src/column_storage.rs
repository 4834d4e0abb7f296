//! `ALTER TABLE ... ALTER [COLUMN] c SET STORAGE {PLAIN | EXTERNAL |
//! EXTENDED | MAIN}`: PostgreSQL's per-column TOAST strategy, checked as
//! PostgreSQL checks it and recorded in the table definition for
//! `crate::toast` (which values may move out of line); pg_attribute shows
//! it (else the type's default strategy).
//!
//! sqlparser has no production for it: the token stream is rewritten
//! (before parsing) into the column options clause
//! `OPTIONS ("set storage" mode)`, under a quoted option name no column
//! option uses, which the ALTER TABLE code recognises (`requested_mode`).

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace, Word};

use crate::error::{SqlError, SqlResult};
use crate::types::SqlType;

/// The marker's option name.
const MARKER: &str = "set storage";

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
}

/// Rewrites `ALTER [COLUMN] name SET STORAGE mode` into the marker clause.
pub fn rewrite(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let significant: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, _)| i)
        .collect();
    let word_at = |k: usize| -> Option<&Token> { significant.get(k).map(|&i| &tokens[i].token) };
    // Token indexes of the SET and STORAGE keywords to replace.
    let mut rewrites: Vec<(usize, usize)> = Vec::new();
    for k in 0..significant.len() {
        let Some(t) = word_at(k) else { continue };
        if !is_keyword(t, Keyword::ALTER) {
            continue;
        }
        let mut name = k + 1;
        if word_at(name).is_some_and(|t| is_keyword(t, Keyword::COLUMN)) {
            name += 1;
        }
        let is_name = matches!(word_at(name), Some(Token::Word(_)));
        let set = word_at(name + 1).is_some_and(|t| is_keyword(t, Keyword::SET));
        let storage = word_at(name + 2).is_some_and(|t| is_keyword(t, Keyword::STORAGE));
        let mode = matches!(word_at(name + 3), Some(Token::Word(_)));
        if is_name && set && storage && mode {
            rewrites.push((significant[name + 1], significant[name + 3]));
        }
    }
    if rewrites.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 4 * rewrites.len());
    let mut pending = rewrites.iter().peekable();
    let mut skip_until = None;
    for (i, tok) in tokens.into_iter().enumerate() {
        if let Some(&&(set, mode)) = pending.peek() {
            if i == set {
                let span = tok.span;
                let marker = Token::Word(Word {
                    value: MARKER.to_string(),
                    quote_style: Some('"'),
                    keyword: Keyword::NoKeyword,
                });
                for token in [
                    Token::make_keyword("OPTIONS"),
                    Token::LParen,
                    marker,
                    Token::Whitespace(Whitespace::Space),
                ] {
                    out.push(TokenWithSpan { token, span });
                }
                skip_until = Some(mode);
                continue;
            }
            if i == mode {
                let span = tok.span;
                out.push(tok);
                out.push(TokenWithSpan {
                    token: Token::RParen,
                    span,
                });
                skip_until = None;
                pending.next();
                continue;
            }
        }
        if skip_until.is_some() {
            // SET STORAGE and the whitespace between them and the mode.
            continue;
        }
        out.push(tok);
    }
    out
}

/// The storage mode of a rewritten `SET STORAGE`, lower-cased as
/// PostgreSQL reads an unquoted identifier.
pub fn requested_mode(op: &ast::AlterColumnOperation) -> Option<String> {
    let ast::AlterColumnOperation::GenericOptions { options } = op else {
        return None;
    };
    match options.as_slice() {
        [ast::AlterGenericOption::Add {
            option,
            add_keyword: false,
        }] if option.key.value == MARKER && option.key.quote_style == Some('"') => {
            let v = &option.value;
            Some(if v.quote_style.is_some() {
                v.value.clone()
            } else {
                v.value.to_lowercase()
            })
        }
        _ => None,
    }
}

/// PostgreSQL's checks of `SET STORAGE mode` on a column of type `ty` whose
/// values are `fixed_length` (pg_type.typlen > 0): only PLAIN fits those.
pub fn check(mode: &str, ty: SqlType, fixed_length: bool) -> SqlResult<()> {
    if !matches!(mode, "plain" | "external" | "extended" | "main") {
        return Err(SqlError::new(
            "22023",
            format!("invalid storage type \"{mode}\""),
        ));
    }
    if fixed_length && mode != "plain" {
        return Err(SqlError::new(
            "42804",
            format!(
                "column data type {} can only have storage PLAIN",
                ty.display_name()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn column_op(sql: &str) -> ast::AlterColumnOperation {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .expect("test SQL tokenizes");
        let statement = Parser::new(&PostgreSqlDialect {})
            .with_tokens_with_locations(rewrite(tokens))
            .parse_statement()
            .expect("rewritten SQL parses");
        let ast::Statement::AlterTable(alter) = statement else {
            panic!("not ALTER TABLE: {statement}");
        };
        match alter.operations.into_iter().next() {
            Some(ast::AlterTableOperation::AlterColumn { op, .. }) => op,
            other => panic!("not ALTER COLUMN: {other:?}"),
        }
    }

    #[test]
    fn set_storage_becomes_the_marker() {
        let op = column_op("alter table t alter column f1 set storage external");
        assert_eq!(requested_mode(&op).as_deref(), Some("external"));
        let op = column_op("ALTER TABLE t ALTER b SET STORAGE PLAIN");
        assert_eq!(requested_mode(&op).as_deref(), Some("plain"));
        let op = column_op("ALTER TABLE t ALTER b SET NOT NULL");
        assert_eq!(requested_mode(&op), None);
    }

    #[test]
    fn modes_are_checked_as_postgresql_does() {
        assert!(check("external", SqlType::Text, false).is_ok());
        assert!(check("plain", SqlType::Int4, true).is_ok());
        assert_eq!(
            check("external", SqlType::Int4, true).unwrap_err().message,
            "column data type integer can only have storage PLAIN"
        );
        assert_eq!(
            check("nope", SqlType::Text, false).unwrap_err().sqlstate,
            "22023"
        );
    }
}
