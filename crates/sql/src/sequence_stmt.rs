//! Statements sqlparser 0.64 does not parse for PostgreSQL, recognised here
//! from their tokens before the rest of the SQL goes to sqlparser: ALTER
//! SEQUENCE (its option list is handed back to sqlparser as a CREATE
//! SEQUENCE option list once RESTART, which CREATE lacks, is taken out),
//! DISCARD SEQUENCES, and SET [SESSION | LOCAL] SESSION AUTHORIZATION /
//! RESET SESSION AUTHORIZATION. Pure: no catalog or session access.

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{SqlError, SqlResult};
use crate::sequence_ddl::AlterAction;
use crate::statement_tokens::{ident, keyword, syntax_error};

/// A statement this module recognised.
pub enum SequenceStatement {
    Alter {
        name: String,
        if_exists: bool,
        action: AlterAction,
    },
    /// DISCARD SEQUENCES
    DiscardSequences,
    /// CREATE UNLOGGED SEQUENCE.
    CreateUnlogged {
        if_not_exists: bool,
        name: ast::ObjectName,
        options: Vec<ast::SequenceOptions>,
    },
    /// SET [SESSION | LOCAL] SESSION AUTHORIZATION role | DEFAULT, RESET
    /// SESSION AUTHORIZATION (`role: None`).
    SessionAuthorization {
        role: Option<String>,
        local: bool,
        /// The command tag: SET or RESET.
        tag: &'static str,
    },
}

fn tokens(sql: &str) -> Option<Vec<Token>> {
    let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize()
        .ok()?;
    let mut toks: Vec<Token> = toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    while toks.last() == Some(&Token::SemiColon) {
        toks.pop();
    }
    // One statement only: a multi-statement string goes to sqlparser.
    if toks.contains(&Token::SemiColon) {
        return None;
    }
    Some(toks)
}

/// CREATE UNLOGGED SEQUENCE ...: sqlparser reads the statement without
/// UNLOGGED.
fn parse_create_unlogged(sql: &str) -> SqlResult<SequenceStatement> {
    let lower = sql.to_ascii_lowercase();
    let at = lower
        .find("unlogged")
        .ok_or_else(|| SqlError::internal("UNLOGGED not found"))?;
    let without = format!("{}{}", &sql[..at], &sql[at + "unlogged".len()..]);
    let mut stmts = Parser::parse_sql(&PostgreSqlDialect {}, &without)
        .map_err(|e| SqlError::syntax(e.to_string()))?;
    match (stmts.pop(), stmts.is_empty()) {
        (
            Some(ast::Statement::CreateSequence {
                temporary: false,
                if_not_exists,
                name,
                sequence_options,
            }),
            true,
        ) => Ok(SequenceStatement::CreateUnlogged {
            if_not_exists,
            name,
            options: sequence_options,
        }),
        _ => Err(SqlError::syntax("syntax error at or near \"UNLOGGED\"")),
    }
}

/// The statement in `sql` if it is one of this module's; `None` lets
/// sqlparser handle it.
pub fn recognise(sql: &str) -> Option<SqlResult<SequenceStatement>> {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?
        .to_ascii_lowercase();
    if !matches!(
        first.as_str(),
        "alter" | "discard" | "set" | "reset" | "create"
    ) {
        return None;
    }
    let toks = tokens(sql)?;
    let kw: Vec<Keyword> = toks.iter().map(|t| keyword(Some(t))).collect();
    match kw.as_slice() {
        [Keyword::CREATE, Keyword::UNLOGGED, Keyword::SEQUENCE, ..] => {
            Some(parse_create_unlogged(sql))
        }
        [Keyword::CREATE, ..] => None,
        [Keyword::ALTER, Keyword::SEQUENCE, ..] => Some(parse_alter(&toks[2..])),
        [Keyword::DISCARD, Keyword::SEQUENCES] => Some(Ok(SequenceStatement::DiscardSequences)),
        [Keyword::RESET, Keyword::SESSION, Keyword::AUTHORIZATION] => {
            Some(Ok(SequenceStatement::SessionAuthorization {
                role: None,
                local: false,
                tag: "RESET",
            }))
        }
        [Keyword::SET, rest @ ..] => {
            let (local, rest) = match rest {
                [Keyword::LOCAL, rest @ ..] => (true, rest),
                [Keyword::SESSION, rest @ ..] if rest.first() == Some(&Keyword::SESSION) => {
                    (false, rest)
                }
                _ => (false, rest),
            };
            if rest.len() != 3 || rest[..2] != [Keyword::SESSION, Keyword::AUTHORIZATION] {
                return None;
            }
            let role = match toks.last() {
                Some(Token::Word(w))
                    if w.keyword == Keyword::DEFAULT && w.quote_style.is_none() =>
                {
                    None
                }
                Some(Token::Word(w)) => Some(ident(w)),
                Some(Token::SingleQuotedString(s)) => Some(s.clone()),
                other => return Some(Err(syntax_error(other))),
            };
            Some(Ok(SequenceStatement::SessionAuthorization {
                role,
                local,
                tag: "SET",
            }))
        }
        _ => None,
    }
}

/// A signed integer literal at `toks[*at..]`, advancing past it.
fn signed_integer(toks: &[Token], at: &mut usize) -> SqlResult<i64> {
    let negative = match toks.get(*at) {
        Some(Token::Minus) => {
            *at += 1;
            true
        }
        Some(Token::Plus) => {
            *at += 1;
            false
        }
        _ => false,
    };
    let Some(Token::Number(n, _)) = toks.get(*at) else {
        return Err(syntax_error(toks.get(*at)));
    };
    *at += 1;
    let text = if negative { format!("-{n}") } else { n.clone() };
    text.parse::<i64>()
        .map_err(|_| SqlError::new("22023", "RESTART requires a numeric value".to_string()))
}

fn parse_alter(toks: &[Token]) -> SqlResult<SequenceStatement> {
    let mut at = 0;
    let if_exists = keyword(toks.first()) == Keyword::IF && keyword(toks.get(1)) == Keyword::EXISTS;
    if if_exists {
        at = 2;
    }
    // [schema.]name
    let mut parts = Vec::new();
    loop {
        match toks.get(at) {
            Some(Token::Word(w)) => parts.push(ident(w)),
            other => return Err(syntax_error(other)),
        }
        at += 1;
        if toks.get(at) != Some(&Token::Period) {
            break;
        }
        at += 1;
    }
    let name = match parts.as_slice() {
        [n] => n.clone(),
        [s, n] if s == "public" => n.clone(),
        [s, _] => {
            return Err(SqlError::new(
                "3F000",
                format!("schema \"{s}\" does not exist"),
            ))
        }
        _ => {
            return Err(SqlError::syntax(
                "improper qualified name (too many dotted names)",
            ))
        }
    };
    let rest = &toks[at..];
    let action = match (keyword(rest.first()), keyword(rest.get(1))) {
        (Keyword::RENAME, Keyword::TO) => match rest.get(2..) {
            Some([Token::Word(w)]) => AlterAction::RenameTo(ident(w)),
            _ => return Err(syntax_error(rest.get(2))),
        },
        (Keyword::SET, Keyword::LOGGED) if rest.len() == 2 => AlterAction::SetUnlogged(false),
        (Keyword::SET, Keyword::UNLOGGED) if rest.len() == 2 => AlterAction::SetUnlogged(true),
        (Keyword::SET, _) | (Keyword::OWNER, Keyword::TO) => {
            let words: Vec<String> = rest.iter().take(2).map(|t| t.to_string()).collect();
            return Err(SqlError::unsupported(format!(
                "ALTER SEQUENCE ... {}",
                words.join(" ")
            )));
        }
        _ => parse_options(rest)?,
    };
    Ok(SequenceStatement::Alter {
        name,
        if_exists,
        action,
    })
}

/// The option list: RESTART [[WITH] v] taken out here, the rest parsed by
/// sqlparser as CREATE SEQUENCE options.
fn parse_options(toks: &[Token]) -> SqlResult<AlterAction> {
    let mut restart = None;
    let mut others: Vec<String> = Vec::new();
    let mut at = 0;
    while at < toks.len() {
        if keyword(toks.get(at)) == Keyword::RESTART {
            if restart.is_some() {
                return Err(SqlError::new("42601", "conflicting or redundant options"));
            }
            at += 1;
            if keyword(toks.get(at)) == Keyword::WITH {
                at += 1;
                restart = Some(Some(signed_integer(toks, &mut at)?));
            } else if matches!(
                toks.get(at),
                Some(Token::Number(..) | Token::Minus | Token::Plus)
            ) {
                restart = Some(Some(signed_integer(toks, &mut at)?));
            } else {
                restart = Some(None);
            }
            continue;
        }
        others.push(toks[at].to_string());
        at += 1;
    }
    if others.is_empty() && restart.is_none() {
        return Err(syntax_error(None));
    }
    let options = if others.is_empty() {
        vec![]
    } else {
        let sql = format!("CREATE SEQUENCE s {}", others.join(" "));
        let stmt = Parser::parse_sql(&PostgreSqlDialect {}, &sql)
            .map_err(|e| SqlError::syntax(e.to_string()))?;
        match stmt.into_iter().next() {
            Some(ast::Statement::CreateSequence {
                sequence_options, ..
            }) => sequence_options,
            _ => return Err(syntax_error(toks.first())),
        }
    };
    Ok(AlterAction::Options { options, restart })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alter(sql: &str) -> (String, bool, AlterAction) {
        match recognise(sql) {
            Some(Ok(SequenceStatement::Alter {
                name,
                if_exists,
                action,
            })) => (name, if_exists, action),
            _ => panic!("not recognised: {sql}"),
        }
    }

    #[test]
    fn alter_sequence_options_and_restart() {
        let (name, if_exists, action) = alter(
            "ALTER SEQUENCE IF EXISTS Seq2 RESTART WITH -24 START WITH -24\n  INCREMENT BY -4 MINVALUE -36 MAXVALUE -5 CYCLE;",
        );
        assert_eq!((name.as_str(), if_exists), ("seq2", true));
        let AlterAction::Options { options, restart } = action else {
            panic!("options expected");
        };
        assert_eq!(restart, Some(Some(-24)));
        assert_eq!(options.len(), 5);
        let (_, _, action) = alter("ALTER SEQUENCE s RESTART");
        assert!(matches!(
            action,
            AlterAction::Options {
                restart: Some(None),
                ..
            }
        ));
        let (_, _, action) = alter("alter sequence s rename to \"T\"");
        assert!(matches!(action, AlterAction::RenameTo(t) if t == "T"));
        assert!(matches!(
            recognise("ALTER SEQUENCE s OWNER TO bob"),
            Some(Err(e)) if e.sqlstate == "0A000"
        ));
        assert!(recognise("ALTER TABLE s ADD COLUMN a int").is_none());
        assert!(recognise("ALTER SEQUENCE s RESTART; SELECT 1").is_none());
    }

    #[test]
    fn session_statements() {
        assert!(matches!(
            recognise("DISCARD SEQUENCES"),
            Some(Ok(SequenceStatement::DiscardSequences))
        ));
        assert!(matches!(
            recognise("SET LOCAL SESSION AUTHORIZATION regress_user"),
            Some(Ok(SequenceStatement::SessionAuthorization { role: Some(r), local: true, tag: "SET" })) if r == "regress_user"
        ));
        assert!(matches!(
            recognise("SET SESSION AUTHORIZATION DEFAULT"),
            Some(Ok(SequenceStatement::SessionAuthorization {
                role: None,
                local: false,
                tag: "SET"
            }))
        ));
        assert!(matches!(
            recognise("RESET SESSION AUTHORIZATION"),
            Some(Ok(SequenceStatement::SessionAuthorization {
                role: None,
                ..
            }))
        ));
        assert!(recognise("SET search_path TO public").is_none());
    }
}
