//! The SQL-standard `TABLE name` statement, PostgreSQL's shorthand for
//! `SELECT * FROM name`. sqlparser accepts it inside a query body but not
//! as a statement of its own, so a statement that starts with TABLE is
//! rewritten (before parsing) into the SELECT. The name's tokens keep
//! their spans, so errors point at the name as PostgreSQL's do.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use crate::statement_tokens::keyword;

/// Rewrites every statement of the form `TABLE [ONLY] name ...` into
/// `SELECT * FROM [ONLY] name ...`.
pub fn rewrite(tokens: &mut Vec<TokenWithSpan>) {
    let mut starts = Vec::new();
    let mut at_start = true;
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::SemiColon if depth == 0 => {
                at_start = true;
                continue;
            }
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        if at_start && keyword(Some(&t.token)) == Keyword::TABLE {
            starts.push(i);
        }
        at_start = false;
    }
    // Back to front, so earlier indexes stay valid.
    for &i in starts.iter().rev() {
        let followed_by_name = tokens[i + 1..]
            .iter()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .is_some_and(|t| matches!(t.token, Token::Word(_)));
        if !followed_by_name {
            continue;
        }
        let span = tokens[i].span;
        let space = || TokenWithSpan::new(Token::Whitespace(Whitespace::Space), span);
        let select = [
            TokenWithSpan::new(Token::make_keyword("SELECT"), span),
            space(),
            TokenWithSpan::new(Token::Mul, span),
            space(),
            TokenWithSpan::new(Token::make_keyword("FROM"), span),
        ];
        tokens.splice(i..=i, select);
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
            .expect("tokenizes");
        rewrite(&mut tokens);
        tokens.iter().map(|t| t.token.to_string()).collect()
    }

    #[test]
    fn statements_starting_with_table_become_selects() {
        assert_eq!(rewritten("table t;"), "SELECT * FROM t;");
        assert_eq!(
            rewritten("TABLE s.t; table only u"),
            "SELECT * FROM s.t; SELECT * FROM only u"
        );
    }

    #[test]
    fn other_uses_of_table_stay() {
        assert_eq!(rewritten("drop table t"), "drop table t");
        assert_eq!(rewritten("select (table t)"), "select (table t)");
        assert_eq!(rewritten("table"), "table");
    }
}
