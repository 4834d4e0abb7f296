//! PostgreSQL's string-literal forms that sqlparser does not read the way
//! PostgreSQL does:
//! - `U&'d\0061t'` and `U&"d\0061t"` with `\XXXX` / `\+XXXXXX` escapes and
//!   an optional `UESCAPE 'c'` clause;
//! - `E'...'` literals with `\uXXXX` / `\UXXXXXXXX` escapes, including
//!   surrogate pairs (which sqlparser rejects);
//! - string continuation: literals separated only by whitespace that holds
//!   a newline are one literal (`'first' <newline> 'second'`).
//!
//! The first two are found in the raw text before tokenizing: each is
//! decoded here, with PostgreSQL's errors and error positions, and its text
//! is replaced by a plain literal of exactly the same length and line
//! breaks (so every later token keeps its position), whose token is then
//! swapped for the decoded value. Continuation is a pass over the tokens.

use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace, Word};

use crate::error::{SqlError, SqlResult};

/// A decoded literal standing in for a placeholder in the prepared text.
#[derive(Debug, PartialEq)]
enum Decoded {
    String(String),
    Identifier(String),
}

/// The text the tokenizer reads, and the decoded literals to put back.
#[derive(Debug)]
pub struct Prepared {
    pub text: String,
    /// Placeholder start (line, column, both 1-based as sqlparser counts) and value.
    decoded: Vec<((u64, u64), Decoded)>,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The settings that change how string literals read.
#[derive(Clone, Copy, Debug)]
pub struct LexicalOptions {
    /// `standard_conforming_strings`: off makes backslash an escape in
    /// plain '...' literals too.
    pub standard_conforming_strings: bool,
    /// `escape_string_warning`: warn when such a literal uses a backslash.
    pub escape_string_warning: bool,
}

impl Default for LexicalOptions {
    fn default() -> LexicalOptions {
        LexicalOptions {
            standard_conforming_strings: true,
            escape_string_warning: true,
        }
    }
}

/// Finds the literals this module decodes; None when there are none (the
/// text goes to the tokenizer as it is). Warnings PostgreSQL's lexer gives
/// are added to `warnings`.
pub fn prepare(
    sql: &str,
    options: LexicalOptions,
    warnings: &mut Vec<SqlError>,
) -> SqlResult<Option<Prepared>> {
    let chars: Vec<char> = sql.chars().collect();
    let mut regions: Vec<(usize, usize, Decoded)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_word = i == 0 || !is_ident_char(chars[i - 1]);
        match c {
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => i = skip_block_comment(&chars, i),
            '$' if starts_word => i = skip_dollar_quoted(&chars, i),
            '\'' if options.standard_conforming_strings => i = skip_quoted(&chars, i, '\'', false),
            '\'' => {
                // An escape string in all but name (unless a B/X/N prefix
                // makes it another kind of literal).
                let prefixed = i > 0
                    && matches!(chars[i - 1], 'b' | 'B' | 'x' | 'X' | 'n' | 'N')
                    && (i < 2 || !is_ident_char(chars[i - 2]));
                let end = skip_quoted(&chars, i, '\'', !prefixed);
                let body = &chars[i + 1..end.saturating_sub(1).max(i + 1)];
                if !prefixed && body.contains(&'\\') {
                    if options.escape_string_warning {
                        warnings.push(nonstandard_escape_warning(body, i));
                    }
                    let value = escape_string(&chars, i + 1, end.saturating_sub(1))?;
                    regions.push((i, end, Decoded::String(value)));
                }
                i = end;
            }
            '"' => i = skip_quoted(&chars, i, '"', false),
            'u' | 'U'
                if starts_word
                    && chars.get(i + 1) == Some(&'&')
                    && matches!(chars.get(i + 2), Some('\'') | Some('"')) =>
            {
                if chars[i + 2] == '\'' && !options.standard_conforming_strings {
                    return Err(SqlError::new(
                        "0A000",
                        "unsafe use of string constant with Unicode escapes",
                    )
                    .with_detail("String constants with Unicode escapes cannot be used when standard_conforming_strings is off.")
                    .at(Some(position(i))));
                }
                let (end, decoded) = unicode_literal(&chars, i)?;
                regions.push((i, end, decoded));
                i = end;
            }
            'e' | 'E' if starts_word && chars.get(i + 1) == Some(&'\'') => {
                let end = skip_quoted(&chars, i + 1, '\'', true);
                let body = &chars[i + 2..end.saturating_sub(1).max(i + 2)];
                if has_unicode_escape(body) {
                    let value = escape_string(&chars, i + 2, end.saturating_sub(1))?;
                    regions.push((i, end, Decoded::String(value)));
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    if regions.is_empty() {
        return Ok(None);
    }
    let mut text = String::with_capacity(sql.len());
    let mut decoded = Vec::new();
    let (mut line, mut column) = (1u64, 1u64);
    let mut at = 0;
    let advance = |c: char, line: &mut u64, column: &mut u64| {
        if c == '\n' {
            *line += 1;
            *column = 1;
        } else {
            *column += 1;
        }
    };
    for (start, end, value) in regions {
        for &c in &chars[at..start] {
            text.push(c);
            advance(c, &mut line, &mut column);
        }
        // A placeholder of the same length and line breaks: a quote, blanks
        // (newlines kept), a quote.
        let quote = match value {
            Decoded::String(_) => '\'',
            Decoded::Identifier(_) => '"',
        };
        decoded.push(((line, column), value));
        let len = end - start;
        assert!(len >= 2, "a literal is at least its quotes");
        for (k, &c) in chars[start..end].iter().enumerate() {
            let out = if k == 0 || k == len - 1 {
                quote
            } else if c == '\n' {
                '\n'
            } else {
                ' '
            };
            text.push(out);
            advance(c, &mut line, &mut column);
        }
        at = end;
    }
    text.extend(&chars[at..]);
    Ok(Some(Prepared { text, decoded }))
}

/// Puts the decoded literals in place of their placeholders' tokens.
pub fn restore(tokens: &mut [TokenWithSpan], prepared: &Prepared) {
    let mut pending = prepared.decoded.iter().peekable();
    for tok in tokens.iter_mut() {
        let Some(((line, column), value)) = pending.peek() else {
            break;
        };
        if (tok.span.start.line, tok.span.start.column) != (*line, *column) {
            continue;
        }
        tok.token = match value {
            Decoded::String(s) => Token::SingleQuotedString(s.clone()),
            Decoded::Identifier(s) => Token::Word(Word {
                value: s.clone(),
                quote_style: Some('"'),
                keyword: sqlparser::keywords::Keyword::NoKeyword,
            }),
        };
        pending.next();
    }
}

/// PostgreSQL's continuation: a string literal followed, across whitespace
/// holding a newline (no comments), by a plain string literal is one literal.
pub fn join_continuations(tokens: &mut Vec<TokenWithSpan>) {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let mut tok = tokens[i].clone();
        i += 1;
        if let Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) = &mut tok.token {
            loop {
                let mut j = i;
                let mut newline = false;
                while let Some(Token::Whitespace(w)) = tokens.get(j).map(|t| &t.token) {
                    match w {
                        Whitespace::Newline => newline = true,
                        Whitespace::Space | Whitespace::Tab => {}
                        _ => break,
                    }
                    j += 1;
                }
                match tokens.get(j).map(|t| &t.token) {
                    Some(Token::SingleQuotedString(next)) if newline => {
                        s.push_str(next);
                        tok.span.end = tokens[j].span.end;
                        i = j + 1;
                    }
                    _ => break,
                }
            }
        }
        out.push(tok);
    }
    *tokens = out;
}

fn skip_block_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    chars.len()
}

/// `$tag$ ... $tag$`; a `$` that starts no dollar quote (a parameter) is
/// one character.
fn skip_dollar_quoted(chars: &[char], start: usize) -> usize {
    let mut j = start + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    if chars.get(j) != Some(&'$')
        || chars[start + 1..j]
            .first()
            .is_some_and(char::is_ascii_digit)
    {
        return start + 1;
    }
    let tag = &chars[start..=j];
    let mut k = j + 1;
    while k + tag.len() <= chars.len() {
        if &chars[k..k + tag.len()] == tag {
            return k + tag.len();
        }
        k += 1;
    }
    chars.len()
}

/// Index just past a quoted run starting at `start` (its opening quote);
/// a doubled quote is part of it, and with `backslash` so is `\'`.
fn skip_quoted(chars: &[char], start: usize, quote: char, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        if backslash && chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// PostgreSQL's warning for a plain literal that uses a backslash while
/// standard_conforming_strings is off (one per literal, by its first escape).
fn nonstandard_escape_warning(body: &[char], start: usize) -> SqlError {
    let first = body
        .iter()
        .position(|c| *c == '\\')
        .and_then(|k| body.get(k + 1));
    let (what, hint) = match first {
        Some('\\') => (
            "nonstandard use of \\\\ in a string literal",
            "Use the escape string syntax for backslashes, e.g., E'\\\\'.",
        ),
        Some('\'') => (
            "nonstandard use of \\' in a string literal",
            "Use '' to write quotes in strings, or use the escape string syntax (E'...').",
        ),
        _ => (
            "nonstandard use of escape in a string literal",
            "Use the escape string syntax for escapes, e.g., E'\\r\\n'.",
        ),
    };
    let mut warning = SqlError::new("22P06", what)
        .with_hint(hint)
        .at(Some(position(start)));
    warning.severity = "WARNING";
    warning
}

fn has_unicode_escape(body: &[char]) -> bool {
    let mut i = 0;
    while i + 1 < body.len() {
        if body[i] == '\\' {
            if matches!(body[i + 1], 'u' | 'U') {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn hex_run(chars: &[char], from: usize, count: usize) -> Option<u32> {
    let digits = chars.get(from..from + count)?;
    let mut v = 0u32;
    for d in digits {
        v = v * 16 + d.to_digit(16)?;
    }
    Some(v)
}

fn is_high_surrogate(c: u32) -> bool {
    (0xD800..=0xDBFF).contains(&c)
}

fn is_low_surrogate(c: u32) -> bool {
    (0xDC00..=0xDFFF).contains(&c)
}

fn combine(high: u32, low: u32) -> u32 {
    ((high & 0x3FF) << 10) + (low & 0x3FF) + 0x10000
}

/// 1-based character position of index `i`, as PostgreSQL reports it.
fn position(i: usize) -> u32 {
    i as u32 + 1
}

/// `U&'...'` or `U&"..."` at `start`, with its UESCAPE clause: where it ends
/// and what it means.
fn unicode_literal(chars: &[char], start: usize) -> SqlResult<(usize, Decoded)> {
    let quote = chars[start + 2];
    let body_start = start + 3;
    let close = skip_quoted(chars, start + 2, quote, false);
    if close > chars.len() || chars.get(close - 1) != Some(&quote) || close <= body_start {
        let what = if quote == '\'' {
            "unterminated quoted string"
        } else {
            "unterminated quoted identifier"
        };
        return Err(SqlError::syntax(format!(
            "{what} at or near \"{}\"",
            chars[start..].iter().collect::<String>()
        ))
        .at(Some(position(start))));
    }
    let body_end = close - 1;
    // An optional `UESCAPE 'c'` after whitespace.
    let mut end = close;
    let mut escape = '\\';
    let mut k = close;
    while k < chars.len() && chars[k].is_whitespace() {
        k += 1;
    }
    let word: String = chars[k..].iter().take(7).collect();
    if word.eq_ignore_ascii_case("uescape") && !chars.get(k + 7).copied().is_some_and(is_ident_char)
    {
        let mut m = k + 7;
        while m < chars.len() && chars[m].is_whitespace() {
            m += 1;
        }
        if chars.get(m) != Some(&'\'') {
            let near: String = chars[m..]
                .iter()
                .take_while(|c| !c.is_whitespace() && **c != ';')
                .collect();
            return Err(SqlError::syntax(format!(
                "UESCAPE must be followed by a simple string literal at or near \"{near}\""
            ))
            .at(Some(position(m))));
        }
        let lit_end = skip_quoted(chars, m, '\'', false);
        let lit: String = chars[m + 1..lit_end.saturating_sub(1).max(m + 1)]
            .iter()
            .collect::<String>()
            .replace("''", "'");
        let mut it = lit.chars();
        let candidate = it.next();
        let valid = match (candidate, it.next()) {
            (Some(c), None) => {
                !(c.is_ascii_hexdigit() || c == '+' || c == '\'' || c == '"' || c.is_whitespace())
            }
            _ => false,
        };
        if !valid {
            let near: String = chars[m..lit_end].iter().collect();
            return Err(SqlError::syntax(format!(
                "invalid Unicode escape character at or near \"{near}\""
            ))
            .at(Some(position(m))));
        }
        escape = candidate.unwrap_or('\\');
        end = lit_end;
    }
    let value = unicode_body(chars, body_start, body_end, quote, escape)?;
    Ok((
        end,
        if quote == '\'' {
            Decoded::String(value)
        } else {
            Decoded::Identifier(value)
        },
    ))
}

fn invalid_u_escape(at: usize) -> SqlError {
    SqlError::syntax("invalid Unicode escape")
        .with_hint("Unicode escapes must be \\XXXX or \\+XXXXXX.")
        .at(Some(position(at)))
}

fn bad_surrogate(at: usize) -> SqlError {
    SqlError::syntax("invalid Unicode surrogate pair").at(Some(position(at)))
}

/// The characters of a U& literal's body `chars[from..to]`.
fn unicode_body(
    chars: &[char],
    from: usize,
    to: usize,
    quote: char,
    escape: char,
) -> SqlResult<String> {
    let mut out = String::new();
    let mut pending_high: Option<(u32, usize)> = None;
    let mut i = from;
    while i < to {
        let c = chars[i];
        if c == quote {
            // A doubled quote inside the literal.
            if let Some((_, _)) = pending_high {
                return Err(bad_surrogate(i));
            }
            out.push(c);
            i += 2;
            continue;
        }
        if c != escape {
            if pending_high.is_some() {
                return Err(bad_surrogate(i));
            }
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&escape) && i + 1 < to {
            if pending_high.is_some() {
                return Err(bad_surrogate(i));
            }
            out.push(escape);
            i += 2;
            continue;
        }
        let (code, len) = if chars.get(i + 1) == Some(&'+') {
            match hex_run(&chars[..to], i + 2, 6) {
                Some(v) => (v, 8),
                None => return Err(invalid_u_escape(i)),
            }
        } else {
            match hex_run(&chars[..to], i + 1, 4) {
                Some(v) => (v, 5),
                None => return Err(invalid_u_escape(i)),
            }
        };
        if let Some((high, _)) = pending_high.take() {
            if !is_low_surrogate(code) {
                return Err(bad_surrogate(i));
            }
            out.push(char::from_u32(combine(high, code)).ok_or_else(|| bad_surrogate(i))?);
        } else if is_high_surrogate(code) {
            pending_high = Some((code, i));
        } else if is_low_surrogate(code) {
            return Err(bad_surrogate(i));
        } else {
            match char::from_u32(code).filter(|_| code != 0) {
                Some(ch) => out.push(ch),
                None => {
                    return Err(
                        SqlError::syntax("invalid Unicode escape value").at(Some(position(i)))
                    )
                }
            }
        }
        i += len;
    }
    if pending_high.is_some() {
        return Err(bad_surrogate(to));
    }
    Ok(out)
}

/// The text PostgreSQL's lexer shows for the escape-string element at `i`
/// ("at or near" in its errors): a whole escape, or one character.
fn element_at(chars: &[char], i: usize, to: usize) -> String {
    match chars.get(i) {
        None => String::new(),
        Some('\\') if i + 1 < to => {
            let len = match chars[i + 1] {
                'u' if hex_run(chars, i + 2, 4).is_some() => 6,
                'U' if hex_run(chars, i + 2, 8).is_some() => 10,
                // PostgreSQL's lexer reports other escapes by their backslash.
                _ => 1,
            };
            chars[i..(i + len).min(to)].iter().collect()
        }
        Some(c) => c.to_string(),
    }
}

/// The value of an `E'...'` literal whose body is `chars[from..to]`, with
/// PostgreSQL's escapes and errors.
fn escape_string(chars: &[char], from: usize, to: usize) -> SqlResult<String> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut pending_high: Option<u32> = None;
    // Past the body, PostgreSQL's lexer is at the closing quote.
    let near = |i: usize| {
        if i >= to {
            "'".to_string()
        } else {
            element_at(chars, i, to)
        }
    };
    let surrogate_error = |i: usize| {
        SqlError::syntax(format!(
            "invalid Unicode surrogate pair at or near \"{}\"",
            near(i)
        ))
        .at(Some(position(i)))
    };
    let mut i = from;
    while i < to {
        let c = chars[i];
        let is_unicode_escape =
            c == '\\' && matches!(chars.get(i + 1), Some('u') | Some('U')) && i + 1 < to;
        if pending_high.is_some() && !is_unicode_escape {
            return Err(surrogate_error(i));
        }
        if c == '\'' {
            bytes.push(b'\'');
            i += 2;
            continue;
        }
        if c != '\\' || i + 1 >= to {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        match next {
            'b' => bytes.push(8),
            'f' => bytes.push(12),
            'n' => bytes.push(b'\n'),
            'r' => bytes.push(b'\r'),
            't' => bytes.push(b'\t'),
            '0'..='7' => {
                let mut v = 0u32;
                let mut len = 0;
                while len < 3 && i + 1 + len < to {
                    match chars[i + 1 + len].to_digit(8) {
                        Some(d) => v = v * 8 + d,
                        None => break,
                    }
                    len += 1;
                }
                bytes.push((v & 0xFF) as u8);
                i += 1 + len;
                continue;
            }
            'x' if chars.get(i + 2).is_some_and(|d| d.is_ascii_hexdigit()) && i + 2 < to => {
                let mut v = 0u32;
                let mut len = 0;
                while len < 2 && i + 2 + len < to {
                    match chars[i + 2 + len].to_digit(16) {
                        Some(d) => v = v * 16 + d,
                        None => break,
                    }
                    len += 1;
                }
                bytes.push(v as u8);
                i += 2 + len;
                continue;
            }
            'u' | 'U' => {
                let digits = if next == 'u' { 4 } else { 8 };
                let Some(code) = hex_run(&chars[..to], i + 2, digits) else {
                    return Err(SqlError::new("22025", "invalid Unicode escape")
                        .with_hint("Unicode escapes must be \\uXXXX or \\UXXXXXXXX.")
                        .at(Some(position(i))));
                };
                if let Some(high) = pending_high.take() {
                    if !is_low_surrogate(code) {
                        return Err(surrogate_error(i));
                    }
                    push_char(&mut bytes, combine(high, code));
                } else if is_high_surrogate(code) {
                    pending_high = Some(code);
                } else if is_low_surrogate(code) {
                    return Err(surrogate_error(i));
                } else if code == 0 || char::from_u32(code).is_none() {
                    return Err(SqlError::syntax(format!(
                        "invalid Unicode escape value at or near \"{}\"",
                        near(i)
                    ))
                    .at(Some(position(i))));
                } else {
                    push_char(&mut bytes, code);
                }
                i += 2 + digits;
                continue;
            }
            other => {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
        }
        i += 2;
    }
    if pending_high.is_some() {
        return Err(surrogate_error(to));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.as_bytes()[e.utf8_error().valid_up_to()];
        SqlError::new(
            "22021",
            format!("invalid byte sequence for encoding \"UTF8\": 0x{bad:02x}"),
        )
    })
}

fn push_char(bytes: &mut Vec<u8>, code: u32) {
    if let Some(c) = char::from_u32(code) {
        let mut buf = [0u8; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(sql: &str) -> Result<Vec<Decoded>, (String, Option<u32>)> {
        match prepare(sql, LexicalOptions::default(), &mut vec![]) {
            Ok(Some(p)) => {
                assert_eq!(p.text.chars().count(), sql.chars().count());
                assert_eq!(p.text.matches('\n').count(), sql.matches('\n').count());
                Ok(p.decoded.into_iter().map(|(_, d)| d).collect())
            }
            Ok(None) => Ok(vec![]),
            Err(e) => Err((e.message, e.position)),
        }
    }

    #[test]
    fn unicode_strings_and_identifiers_decode() {
        assert_eq!(
            decode(r#"SELECT U&'d\0061t\+000061' AS U&"d\0061t\+000061""#).unwrap(),
            vec![
                Decoded::String("data".into()),
                Decoded::Identifier("data".into())
            ]
        );
        assert_eq!(
            decode(r"SELECT U&'d!0061t\+000061' UESCAPE '!'").unwrap(),
            vec![Decoded::String(r"dat\+000061".into())]
        );
        assert_eq!(
            decode(r"SELECT U&' \' UESCAPE '!'").unwrap(),
            vec![Decoded::String(r" \".into())]
        );
        assert_eq!(
            decode(r"SELECT U&'\D83D\DE00'").unwrap(),
            vec![Decoded::String("\u{1F600}".into())]
        );
        // Text inside other literals and comments is left alone.
        assert!(decode(r"SELECT 'U&''x''' -- U&'\zz'").unwrap().is_empty());
    }

    #[test]
    fn unicode_errors_match_postgres() {
        assert_eq!(
            decode(r"SELECT U&'wrong: \061'").unwrap_err(),
            ("invalid Unicode escape".into(), Some(18))
        );
        assert_eq!(
            decode(r"SELECT U&'wrong: \db99'").unwrap_err(),
            ("invalid Unicode surrogate pair".into(), Some(23))
        );
        assert_eq!(
            decode(r"SELECT U&'wrong: \+2FFFFF'").unwrap_err(),
            ("invalid Unicode escape value".into(), Some(18))
        );
        assert_eq!(
            decode(r"SELECT U&'wrong: +0061' UESCAPE '+'").unwrap_err(),
            (
                "invalid Unicode escape character at or near \"'+'\"".into(),
                Some(33)
            )
        );
    }

    #[test]
    fn escape_strings_with_unicode_escapes() {
        assert_eq!(
            decode(r"SELECT E'd\u0061t\U00000061\n'").unwrap(),
            vec![Decoded::String("dat\u{61}\n".into())]
        );
        assert_eq!(
            decode(r"SELECT E'\uD83D\uDE00'").unwrap(),
            vec![Decoded::String("\u{1F600}".into())]
        );
        assert_eq!(
            decode(r"SELECT E'wrong: \udb99xy'").unwrap_err(),
            (
                "invalid Unicode surrogate pair at or near \"x\"".into(),
                Some(23)
            )
        );
        assert_eq!(
            decode(r"SELECT E'wrong: \U0000db99\U00000061'").unwrap_err(),
            (
                "invalid Unicode surrogate pair at or near \"\\U00000061\"".into(),
                Some(27)
            )
        );
        // Without \u escapes sqlparser reads the literal itself.
        assert!(decode(r"SELECT E'a\\b'").unwrap().is_empty());
    }

    #[test]
    fn backslashes_escape_when_strings_are_not_standard() {
        let off = LexicalOptions {
            standard_conforming_strings: false,
            escape_string_warning: true,
        };
        let mut warnings = vec![];
        let p = prepare(r"select 'a\\b\'cd', 'plain', E'x'", off, &mut warnings)
            .unwrap()
            .unwrap();
        assert_eq!(p.decoded.len(), 1);
        assert_eq!(p.decoded[0].1, Decoded::String(r"a\b'cd".into()));
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].message,
            r"nonstandard use of \\ in a string literal"
        );
        assert_eq!(warnings[0].position, Some(8));
        let err = prepare(r"select U&'x'", off, &mut vec![]).unwrap_err();
        assert_eq!(err.sqlstate, "0A000");
    }
}
