//! Test support for the token-level rewrites that run before parsing
//! (`crate::session::parse_with`): tokenize test SQL as the session does,
//! apply one rewrite and read the tokens back as text.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer};

/// `sql` after `rewrite`, its tokens joined back into text.
pub fn rewritten_by(sql: &str, rewrite: impl FnOnce(&mut Vec<TokenWithSpan>)) -> String {
    let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .expect("test SQL tokenizes");
    rewrite(&mut tokens);
    tokens.iter().map(|t| t.token.to_string()).collect()
}
