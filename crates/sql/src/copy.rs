//! Statements handled before sqlparser (COPY, VACUUM, ANALYZE) and the COPY
//! text and csv formats: record splitting, field decoding, row encoding.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::error::{SqlError, SqlResult};

/// A statement the session runs without sqlparser.
#[derive(Debug, Clone, PartialEq)]
pub enum Special {
    /// VACUUM / ANALYZE: VACUUM has nothing to reclaim; ANALYZE's statistics
    /// are gathered by the session (`crate::analyze`).
    Maintenance {
        tag: &'static str,
    },
    Copy(CopyStmt),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CopySource {
    Table {
        name: String,
        columns: Vec<String>,
    },
    /// `COPY (query) TO STDOUT`.
    Query(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CopyStmt {
    pub source: CopySource,
    /// FROM STDIN (true) or TO STDOUT (false).
    pub from: bool,
    /// A server-side file in place of STDIN/STDOUT (`COPY t FROM '/path'`),
    /// for superusers and pg_read_server_files / pg_write_server_files.
    pub file: Option<String>,
    pub options: CopyOptions,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CopyOptions {
    pub csv: bool,
    pub delimiter: u8,
    pub null: String,
    pub header: bool,
    pub quote: u8,
    pub escape: u8,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            csv: false,
            delimiter: b'\t',
            null: "\\N".into(),
            header: false,
            quote: b'"',
            escape: b'"',
        }
    }
}

fn tokens(sql: &str) -> Option<Vec<Token>> {
    let dialect = PostgreSqlDialect {};
    let toks = Tokenizer::new(&dialect, sql)
        .with_unescape(true)
        .tokenize()
        .ok()?;
    Some(
        toks.into_iter()
            .filter(|t| {
                !matches!(
                    t,
                    Token::Whitespace(
                        Whitespace::Space
                            | Whitespace::Newline
                            | Whitespace::Tab
                            | Whitespace::SingleLineComment { .. }
                            | Whitespace::MultiLineComment(_)
                    )
                )
            })
            .collect(),
    )
}

fn word(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn ident(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// Recognizes a query string that is one COPY, VACUUM or ANALYZE statement.
pub fn special(sql: &str) -> Option<SqlResult<Special>> {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?
        .to_ascii_lowercase();
    if !matches!(first.as_str(), "copy" | "vacuum" | "analyze" | "analyse") {
        return None;
    }
    let mut toks = tokens(sql)?;
    while toks.last() == Some(&Token::SemiColon) {
        toks.pop();
    }
    if toks.contains(&Token::SemiColon) && first != "copy" {
        return None;
    }
    Some(match first.as_str() {
        "vacuum" => Ok(Special::Maintenance { tag: "VACUUM" }),
        "analyze" | "analyse" => Ok(Special::Maintenance { tag: "ANALYZE" }),
        _ => parse_copy(sql, &toks).map(Special::Copy),
    })
}

struct Cursor<'t> {
    toks: &'t [Token],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Option<&Token> {
        let t = self.toks.get(self.at);
        self.at += 1;
        t
    }
    fn peek_word(&self) -> Option<String> {
        self.peek().and_then(word)
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_word().as_deref() == Some(w) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn error(&self) -> SqlError {
        match self.peek() {
            Some(t) => SqlError::syntax(format!("syntax error at or near \"{t}\"")),
            None => SqlError::syntax("syntax error at end of input"),
        }
    }
    fn ident(&mut self) -> SqlResult<String> {
        let t = self.peek().and_then(ident).ok_or_else(|| self.error())?;
        self.at += 1;
        Ok(t)
    }
    /// A string literal, or a word (FORMAT csv, NULL as an identifier).
    fn value(&mut self) -> SqlResult<String> {
        let v = match self.peek() {
            Some(Token::SingleQuotedString(s))
            | Some(Token::EscapedStringLiteral(s))
            | Some(Token::NationalStringLiteral(s)) => s.clone(),
            Some(Token::Number(n, _)) => n.clone(),
            Some(t) => ident(t).ok_or_else(|| self.error())?,
            None => return Err(self.error()),
        };
        self.at += 1;
        Ok(v)
    }
}

fn one_byte(name: &str, v: &str) -> SqlResult<u8> {
    match v.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(SqlError::new(
            "0A000",
            format!("COPY {name} must be a single one-byte character"),
        )),
    }
}

fn boolean(v: Option<String>) -> SqlResult<bool> {
    match v.as_deref() {
        None => Ok(true),
        Some(s) => crate::datum::parse_bool(s)
            .ok_or_else(|| SqlError::new("22023", format!("{s} requires a Boolean value"))),
    }
}

fn parse_copy(sql: &str, toks: &[Token]) -> SqlResult<CopyStmt> {
    let mut c = Cursor { toks, at: 0 };
    c.next(); // COPY
    let source = if c.eat(&Token::LParen) {
        // The query text: from after the first "(" to the ")" that balances it.
        let mut depth = 1;
        while depth > 0 {
            match c.next() {
                Some(Token::LParen) => depth += 1,
                Some(Token::RParen) => depth -= 1,
                Some(_) => {}
                None => return Err(SqlError::syntax("syntax error at end of input")),
            }
        }
        let open = sql.find('(').unwrap_or(0);
        let bytes = sql.as_bytes();
        let mut d = 0i32;
        let mut end = sql.len();
        let mut in_str = false;
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'\'' => in_str = !in_str,
                b'(' if !in_str => d += 1,
                b')' if !in_str => {
                    d -= 1;
                    if d == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        CopySource::Query(sql[open + 1..end].to_string())
    } else {
        let mut parts = vec![c.ident()?];
        while c.eat(&Token::Period) {
            parts.push(c.ident()?);
        }
        // The catalog key as written (`crate::schema`); the session
        // resolves an unqualified name through its search path.
        let name = match parts.as_slice() {
            [schema, table] => crate::schema::qualified(schema, table),
            _ => parts.pop().unwrap_or_default(),
        };
        let mut columns = Vec::new();
        if c.eat(&Token::LParen) {
            loop {
                columns.push(c.ident()?);
                if c.eat(&Token::RParen) {
                    break;
                }
                if !c.eat(&Token::Comma) {
                    return Err(c.error());
                }
            }
        }
        CopySource::Table { name, columns }
    };
    let from = if c.eat_word("from") {
        true
    } else if c.eat_word("to") {
        false
    } else {
        return Err(c.error());
    };
    let mut file = None;
    match c.peek_word().as_deref() {
        // PostgreSQL's grammar takes either word for either direction
        // (`COPY t FROM STDOUT` reads from the client).
        Some("stdin" | "stdout") => {
            c.next();
        }
        Some("program") => {
            return Err(SqlError::new(
                "42501",
                "COPY to or from an external program is not allowed",
            ))
        }
        _ => match c.peek() {
            Some(Token::SingleQuotedString(path)) => {
                file = Some(path.clone());
                c.next();
            }
            _ => return Err(c.error()),
        },
    }
    if matches!(source, CopySource::Query(_)) && from {
        return Err(SqlError::syntax("syntax error at or near \"FROM\""));
    }
    let mut o = CopyOptions::default();
    let mut delimiter = None;
    let mut null = None;
    let mut quote = None;
    let mut escape = None;
    c.eat_word("with");
    if c.eat(&Token::LParen) {
        loop {
            let name = c.ident()?;
            let value = match c.peek() {
                Some(Token::Comma) | Some(Token::RParen) => None,
                _ => Some(c.value()?),
            };
            match name.as_str() {
                "format" => match value.as_deref().map(str::to_lowercase).as_deref() {
                    Some("csv") => o.csv = true,
                    Some("text") => o.csv = false,
                    Some("binary") => return Err(SqlError::unsupported("COPY BINARY")),
                    Some(other) => {
                        return Err(SqlError::new(
                            "22023",
                            format!("COPY format \"{other}\" not recognized"),
                        ))
                    }
                    None => return Err(SqlError::syntax("syntax error")),
                },
                "freeze" => {
                    boolean(value)?;
                }
                "header" => o.header = value.as_deref() == Some("match") || boolean(value)?,
                "delimiter" => delimiter = value,
                "null" => null = value,
                "quote" => quote = value,
                "escape" => escape = value,
                "encoding" => {
                    let e = value
                        .unwrap_or_default()
                        .to_lowercase()
                        .replace(['-', '_'], "");
                    if e != "utf8" && e != "sqlascii" {
                        return Err(SqlError::unsupported(format!("COPY ENCODING {e}")));
                    }
                }
                "force_quote" | "force_not_null" | "force_null" => {
                    return Err(SqlError::unsupported(format!(
                        "COPY {}",
                        name.to_uppercase()
                    )))
                }
                other => {
                    return Err(SqlError::new(
                        "42601",
                        format!("option \"{other}\" not recognized"),
                    ))
                }
            }
            if c.eat(&Token::RParen) {
                break;
            }
            if !c.eat(&Token::Comma) {
                return Err(c.error());
            }
        }
    } else {
        // The pre-9.0 syntax: [BINARY] [DELIMITER [AS] 'c'] [NULL [AS] 's'] [CSV [HEADER]
        // [QUOTE [AS] 'c'] [ESCAPE [AS] 'c']], FREEZE.
        while let Some(w) = c.peek_word() {
            c.next();
            match w.as_str() {
                "binary" => return Err(SqlError::unsupported("COPY BINARY")),
                "csv" => o.csv = true,
                "header" => o.header = true,
                "freeze" | "oids" => {}
                "delimiter" | "null" | "quote" | "escape" => {
                    c.eat_word("as");
                    let v = Some(c.value()?);
                    match w.as_str() {
                        "delimiter" => delimiter = v,
                        "null" => null = v,
                        "quote" => quote = v,
                        _ => escape = v,
                    }
                }
                _ => {
                    c.at -= 1;
                    return Err(c.error());
                }
            }
        }
    }
    if c.peek().is_some() {
        return Err(c.error());
    }
    if o.csv {
        o.delimiter = b',';
        o.null = String::new();
    }
    if let Some(d) = delimiter {
        o.delimiter = one_byte("delimiter", &d)?;
    }
    if let Some(n) = null {
        o.null = n;
    }
    if !o.csv && (quote.is_some() || escape.is_some()) {
        return Err(SqlError::new(
            "0A000",
            "COPY quote and escape are available only in CSV mode",
        ));
    }
    if let Some(q) = quote {
        o.quote = one_byte("quote", &q)?;
        o.escape = o.quote;
    }
    if let Some(e) = escape {
        o.escape = one_byte("escape", &e)?;
    }
    if matches!(o.delimiter, b'\r' | b'\n') || (!o.csv && o.delimiter == b'\\') {
        return Err(SqlError::new(
            "22023",
            "COPY delimiter cannot be newline, carriage return or backslash",
        ));
    }
    if o.null.contains(['\r', '\n']) {
        return Err(SqlError::new(
            "22023",
            "COPY null representation cannot use newline or carriage return",
        ));
    }
    if o.csv && o.null.as_bytes().contains(&o.delimiter) {
        return Err(SqlError::new(
            "22023",
            "COPY delimiter must not appear in the NULL specification",
        ));
    }
    if o.csv && o.delimiter == o.quote {
        return Err(SqlError::new(
            "22023",
            "COPY delimiter and quote must be different",
        ));
    }
    Ok(CopyStmt {
        source,
        from,
        file,
        options: o,
    })
}

/// Where a record ends: the index just past its newline, or None if the
/// buffer holds no complete record yet. CSV newlines inside quotes do not end one.
pub fn record_end(buf: &[u8], o: &CopyOptions) -> Option<usize> {
    if !o.csv {
        return buf.iter().position(|&b| b == b'\n').map(|i| i + 1);
    }
    let mut in_quote = false;
    let mut i = 0;
    while i < buf.len() {
        let b = buf[i];
        if in_quote {
            if b == o.escape && o.escape != o.quote && buf.get(i + 1) == Some(&o.quote) {
                i += 2;
                continue;
            }
            if b == o.quote {
                in_quote = false;
            }
        } else if b == o.quote {
            in_quote = true;
        } else if b == b'\n' {
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// Strips the line ending (`\n` or `\r\n`) of one record.
pub fn strip_newline(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}

/// Is this record the end-of-data marker `\.`?
pub fn is_end_marker(line: &[u8]) -> bool {
    strip_newline(line) == b"\\."
}

fn utf8(bytes: Vec<u8>) -> SqlResult<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bad = &e.as_bytes()[at..e.as_bytes().len().min(at + 2)];
        let hex: Vec<String> = bad.iter().map(|b| format!("0x{b:02x}")).collect();
        SqlError::new(
            "22021",
            format!(
                "invalid byte sequence for encoding \"UTF8\": {}",
                hex.join(" ")
            ),
        )
    })
}

/// Splits one record (without its newline) into fields; `None` is NULL.
pub fn decode_record(line: &[u8], o: &CopyOptions) -> SqlResult<Vec<Option<String>>> {
    if o.csv {
        decode_csv(line, o)
    } else {
        decode_text(line, o)
    }
}

fn decode_text(line: &[u8], o: &CopyOptions) -> SqlResult<Vec<Option<String>>> {
    let mut out = Vec::new();
    for raw in line.split(|&b| b == o.delimiter) {
        if raw == o.null.as_bytes() {
            out.push(None);
            continue;
        }
        let mut v = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let b = raw[i];
            i += 1;
            if b != b'\\' || i >= raw.len() {
                v.push(b);
                continue;
            }
            let e = raw[i];
            i += 1;
            match e {
                b'b' => v.push(8),
                b'f' => v.push(12),
                b'n' => v.push(b'\n'),
                b'r' => v.push(b'\r'),
                b't' => v.push(b'\t'),
                b'v' => v.push(11),
                b'0'..=b'7' => {
                    let mut n = (e - b'0') as u32;
                    for _ in 0..2 {
                        match raw.get(i) {
                            Some(d @ b'0'..=b'7') => {
                                n = n * 8 + (d - b'0') as u32;
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    v.push((n & 0xff) as u8);
                }
                b'x' if raw.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                    let mut n = 0u32;
                    for _ in 0..2 {
                        match raw.get(i) {
                            Some(d) if d.is_ascii_hexdigit() => {
                                n = n * 16 + (*d as char).to_digit(16).unwrap_or(0);
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    v.push(n as u8);
                }
                other => v.push(other),
            }
        }
        if v.contains(&0) {
            return Err(SqlError::new(
                "22021",
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            ));
        }
        out.push(Some(utf8(v)?));
    }
    Ok(out)
}

fn decode_csv(line: &[u8], o: &CopyOptions) -> SqlResult<Vec<Option<String>>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let mut v = Vec::new();
        let mut quoted = false;
        let start = i;
        while i < line.len() && line[i] != o.delimiter {
            let b = line[i];
            if b != o.quote {
                v.push(b);
                i += 1;
                continue;
            }
            quoted = true;
            i += 1;
            loop {
                let Some(&q) = line.get(i) else {
                    return Err(SqlError::new("22P04", "unterminated CSV quoted field"));
                };
                if q == o.escape && line.get(i + 1) == Some(&o.quote) {
                    v.push(o.quote);
                    i += 2;
                } else if q == o.quote {
                    i += 1;
                    break;
                } else {
                    v.push(q);
                    i += 1;
                }
            }
        }
        let raw = &line[start..i];
        if !quoted && raw == o.null.as_bytes() {
            out.push(None);
        } else {
            out.push(Some(utf8(v)?));
        }
        if i >= line.len() {
            break;
        }
        i += 1; // the delimiter
    }
    Ok(out)
}

/// Appends one row in the COPY format, newline included.
pub fn encode_row(out: &mut Vec<u8>, row: &[Option<String>], o: &CopyOptions) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(o.delimiter);
        }
        let Some(v) = v else {
            out.extend_from_slice(o.null.as_bytes());
            continue;
        };
        if o.csv {
            let needs = v.is_empty() && o.null.is_empty()
                || *v == o.null
                || v.bytes()
                    .any(|b| b == o.delimiter || b == o.quote || b == b'\n' || b == b'\r')
                || v.starts_with("\\.");
            if !needs {
                out.extend_from_slice(v.as_bytes());
                continue;
            }
            out.push(o.quote);
            for b in v.bytes() {
                if b == o.quote || b == o.escape {
                    out.push(o.escape);
                }
                out.push(b);
            }
            out.push(o.quote);
            continue;
        }
        for b in v.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' if o.delimiter == b'\t' => out.extend_from_slice(b"\\t"),
                8 => out.extend_from_slice(b"\\b"),
                12 => out.extend_from_slice(b"\\f"),
                11 => out.extend_from_slice(b"\\v"),
                d if d == o.delimiter => {
                    out.push(b'\\');
                    out.push(d);
                }
                other => out.push(other),
            }
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(sql: &str) -> CopyStmt {
        match special(sql) {
            Some(Ok(Special::Copy(c))) => c,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn statements() {
        let c = copy("copy pgbench_accounts from stdin with (freeze on)");
        assert!(c.from);
        assert_eq!(
            c.source,
            CopySource::Table {
                name: "pgbench_accounts".into(),
                columns: vec![]
            }
        );
        assert_eq!(c.options, CopyOptions::default());
        let c = copy("COPY t (a, \"B\") FROM STDIN WITH (FORMAT csv, HEADER, DELIMITER ';', NULL 'x', QUOTE '''', ESCAPE '\\');");
        assert!(c.options.csv && c.options.header);
        assert_eq!(c.options.delimiter, b';');
        assert_eq!(c.options.null, "x");
        assert_eq!(c.options.quote, b'\'');
        assert_eq!(c.options.escape, b'\\');
        assert_eq!(
            c.source,
            CopySource::Table {
                name: "t".into(),
                columns: vec!["a".into(), "B".into()]
            }
        );
        let c = copy("copy t to stdout csv header");
        assert!(!c.from && c.options.csv && c.options.header);
        assert_eq!(c.options.delimiter, b',');
        let c = copy("copy (select a, ')' from t where b = 1) to stdout with (format text)");
        assert_eq!(
            c.source,
            CopySource::Query("select a, ')' from t where b = 1".into())
        );
        let c = copy("copy t from stdin delimiter as '|' null as ''");
        assert_eq!(c.options.delimiter, b'|');
        assert_eq!(c.options.null, "");
        assert!(matches!(
            special("vacuum analyze pgbench_accounts"),
            Some(Ok(Special::Maintenance { tag: "VACUUM" }))
        ));
        assert!(matches!(
            special("ANALYZE"),
            Some(Ok(Special::Maintenance { tag: "ANALYZE" }))
        ));
        assert!(special("select 1").is_none());
        assert!(special("vacuum; select 1").is_none());
        let c = copy("copy t from '/data/t.data'");
        assert!(c.from);
        assert_eq!(c.file.as_deref(), Some("/data/t.data"));
        let c = copy("copy (select 1) to 'out.csv' (format csv)");
        assert!(!c.from && c.options.csv);
        assert_eq!(c.file.as_deref(), Some("out.csv"));
        assert_eq!(copy("copy t from stdin").file, None);
        for bad in [
            "copy t from program 'cat /etc/passwd'",
            "copy t from stdin (format binary)",
            "copy t from stdin (bogus 1)",
            "copy t from stdin (delimiter 'ab')",
            "copy t from stdin (quote '\"')",
            "copy t from stdin junk",
        ] {
            assert!(matches!(special(bad), Some(Err(_))), "{bad}");
        }
        // Either client stream word, in either direction, as PostgreSQL reads them.
        assert!(copy("copy t from stdout").from);
        assert!(!copy("copy t to stdin").from);
    }

    #[test]
    fn text_fields() {
        let o = CopyOptions::default();
        let f = decode_record(b"1\t\\N\tA\\tB\\\\C\\nD\\101\\x41\t", &o).unwrap();
        assert_eq!(
            f,
            vec![
                Some("1".into()),
                None,
                Some("A\tB\\C\nDAA".into()),
                Some("".into())
            ]
        );
        // \N only means NULL as the whole field.
        let f = decode_record(b"\\\\N\tx\\N", &o).unwrap();
        assert_eq!(f, vec![Some("\\N".into()), Some("xN".into())]);
        assert!(decode_record(b"\\0", &o).is_err());
        assert!(decode_record(b"\xff", &o).is_err());
        let mut out = Vec::new();
        encode_row(
            &mut out,
            &[Some("a\tb\\c\nd".into()), None, Some(String::new())],
            &o,
        );
        assert_eq!(out, b"a\\tb\\\\c\\nd\t\\N\t\n");
        let back = decode_record(strip_newline(&out), &o).unwrap();
        assert_eq!(
            back,
            vec![Some("a\tb\\c\nd".into()), None, Some(String::new())]
        );
        assert!(is_end_marker(b"\\.\r\n"));
        assert_eq!(record_end(b"ab\ncd", &o), Some(3));
        assert_eq!(record_end(b"abcd", &o), None);
    }

    #[test]
    fn csv_fields() {
        let o = copy("copy t from stdin csv").options;
        let line = b"1,,\"\",\"a,b\",\"say \"\"hi\"\"\",\"multi\nline\"";
        assert_eq!(record_end(line, &o), None);
        let mut with_nl = line.to_vec();
        with_nl.extend_from_slice(b"\nnext");
        assert_eq!(record_end(&with_nl, &o), Some(line.len() + 1));
        let f = decode_record(line, &o).unwrap();
        assert_eq!(
            f,
            vec![
                Some("1".into()),
                None,
                Some("".into()),
                Some("a,b".into()),
                Some("say \"hi\"".into()),
                Some("multi\nline".into())
            ]
        );
        assert!(decode_record(b"\"open", &o).is_err());
        let mut out = Vec::new();
        encode_row(
            &mut out,
            &[
                Some("1".into()),
                None,
                Some("".into()),
                Some("a,\"b\"".into()),
            ],
            &o,
        );
        assert_eq!(out, b"1,,\"\",\"a,\"\"b\"\"\"\n");
        let o = copy("copy t from stdin (format csv, escape '\\')").options;
        let f = decode_record(b"\"a\\\"b\",c", &o).unwrap();
        assert_eq!(f, vec![Some("a\"b".into()), Some("c".into())]);
    }
}
