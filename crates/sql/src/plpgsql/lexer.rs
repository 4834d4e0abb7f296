//! A small lexer for PL/pgSQL bodies and the routine DDL statements: words
//! (folded to lower case unless quoted), string literals (standard, `E''`,
//! dollar-quoted), numbers, `$n` parameters and punctuation, each with its
//! byte range in the source so embedded SQL can be cut out verbatim.

use crate::error::{SqlError, SqlResult};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An identifier or keyword: lower-cased unless it was double-quoted.
    Word {
        text: String,
        quoted: bool,
    },
    /// A string literal's value.
    Str(String),
    Num(String),
    /// `$1`, `$2`, ...
    Param(usize),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Semi,
    Dot,
    /// `..` (FOR i IN a..b)
    DotDot,
    /// `:=`
    Assign,
    /// Any other operator run (`=`, `<>`, `::`, `||`, ...).
    Op(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// True if this is the unquoted word `kw` (given in lower case).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Word { text, quoted: false } if text == kw)
    }

    pub fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word { text, .. } => Some(text),
            _ => None,
        }
    }
}

const OPERATOR_CHARS: &str = "+-*/<>=~!@#%^&|`?";

fn unterminated(what: &str) -> SqlError {
    SqlError::syntax(format!("unterminated {what}"))
}

/// The tokens of `sql` when it is one statement (trailing semicolons
/// dropped); `None` for several statements, which other paths split.
pub fn lex_one_statement(sql: &str) -> Option<SqlResult<Vec<Token>>> {
    let mut toks = match lex(sql) {
        Ok(t) => t,
        Err(e) => return Some(Err(e)),
    };
    while toks.last().is_some_and(|t| t.tok == Tok::Semi) {
        toks.pop();
    }
    if toks.iter().any(|t| t.tok == Tok::Semi) {
        return None;
    }
    Some(Ok(toks))
}

/// Splits `src` into tokens; comments and whitespace are dropped.
pub fn lex(src: &str) -> SqlResult<Vec<Token>> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let mut depth = 0usize;
            loop {
                if i + 1 >= bytes.len() {
                    return Err(unterminated("/* comment"));
                }
                if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        let tok = if c == b'\'' || ((c == b'e' || c == b'E') && bytes.get(i + 1) == Some(&b'\'')) {
            let escapes = c != b'\'';
            if escapes {
                i += 1;
            }
            i += 1;
            let mut value = String::new();
            let mut seg = i;
            loop {
                let Some(&b) = bytes.get(i) else {
                    return Err(unterminated("quoted string"));
                };
                if b == b'\\' && escapes {
                    value.push_str(&src[seg..i]);
                    let Some(&n) = bytes.get(i + 1) else {
                        return Err(unterminated("quoted string"));
                    };
                    value.push(match n {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        other => other as char,
                    });
                    i += 2;
                    seg = i;
                } else if b == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        value.push_str(&src[seg..=i]);
                        i += 2;
                        seg = i;
                    } else {
                        value.push_str(&src[seg..i]);
                        i += 1;
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            Tok::Str(value)
        } else if c == b'$' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let n = src[start + 1..i]
                .parse()
                .map_err(|_| SqlError::syntax("parameter number too large"))?;
            Tok::Param(n)
        } else if c == b'$' {
            // $tag$ ... $tag$
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if bytes.get(j) != Some(&b'$') {
                return Err(SqlError::syntax(format!(
                    "syntax error at or near \"{}\"",
                    &src[i..j]
                )));
            }
            let tag = &src[i..=j];
            let body_start = j + 1;
            let Some(rel) = src[body_start..].find(tag) else {
                return Err(unterminated("dollar-quoted string"));
            };
            i = body_start + rel + tag.len();
            Tok::Str(src[body_start..body_start + rel].to_string())
        } else if c == b'"' {
            i += 1;
            let mut value = String::new();
            loop {
                let Some(&b) = bytes.get(i) else {
                    return Err(unterminated("quoted identifier"));
                };
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        value.push('"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                let ch = src[i..].chars().next().unwrap_or('"');
                value.push(ch);
                i += ch.len_utf8();
            }
            Tok::Word {
                text: value,
                quoted: true,
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            Tok::Word {
                text: src[start..i].to_lowercase(),
                quoted: false,
            }
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit()))
        {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // "1..10" is 1, .., 10.
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1) != Some(&b'.') {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if matches!(bytes.get(i), Some(b'e' | b'E'))
                && bytes
                    .get(i + 1)
                    .is_some_and(|b| b.is_ascii_digit() || *b == b'+' || *b == b'-')
            {
                i += 2;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            Tok::Num(src[start..i].to_string())
        } else {
            i += 1;
            match c {
                b'(' => Tok::LParen,
                b')' => Tok::RParen,
                b'[' => Tok::LBracket,
                b']' => Tok::RBracket,
                b',' => Tok::Comma,
                b';' => Tok::Semi,
                b'.' if bytes.get(i) == Some(&b'.') => {
                    i += 1;
                    Tok::DotDot
                }
                b'.' => Tok::Dot,
                b':' if bytes.get(i) == Some(&b'=') => {
                    i += 1;
                    Tok::Assign
                }
                b':' if bytes.get(i) == Some(&b':') => {
                    i += 1;
                    Tok::Op("::".into())
                }
                b':' => Tok::Op(":".into()),
                _ if OPERATOR_CHARS.as_bytes().contains(&c) => {
                    while i < bytes.len() && OPERATOR_CHARS.as_bytes().contains(&bytes[i]) {
                        // "a=-1": PostgreSQL splits before a trailing +/-; we
                        // only need operators as separators, so keep runs.
                        i += 1;
                    }
                    Tok::Op(src[start..i].to_string())
                }
                _ => {
                    let ch = src[start..].chars().next().unwrap_or('?');
                    i = start + ch.len_utf8();
                    Tok::Op(ch.to_string())
                }
            }
        };
        out.push(Token { tok, start, end: i });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn ranges_params_and_strings() {
        assert_eq!(
            kinds("FOR i IN 1..10 LOOP x := $1 || 'it''s'; END"),
            vec![
                Tok::Word {
                    text: "for".into(),
                    quoted: false
                },
                Tok::Word {
                    text: "i".into(),
                    quoted: false
                },
                Tok::Word {
                    text: "in".into(),
                    quoted: false
                },
                Tok::Num("1".into()),
                Tok::DotDot,
                Tok::Num("10".into()),
                Tok::Word {
                    text: "loop".into(),
                    quoted: false
                },
                Tok::Word {
                    text: "x".into(),
                    quoted: false
                },
                Tok::Assign,
                Tok::Param(1),
                Tok::Op("||".into()),
                Tok::Str("it's".into()),
                Tok::Semi,
                Tok::Word {
                    text: "end".into(),
                    quoted: false
                },
            ]
        );
    }

    #[test]
    fn dollar_quotes_comments_and_quoted_words() {
        assert_eq!(
            kinds("$f$ a $$ b $f$ -- c\n /* d /* e */ */ \"Mixed\" 1.5e3"),
            vec![
                Tok::Str(" a $$ b ".into()),
                Tok::Word {
                    text: "Mixed".into(),
                    quoted: true
                },
                Tok::Num("1.5e3".into()),
            ]
        );
        assert!(lex("'open").is_err());
    }
}
