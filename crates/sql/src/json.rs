//! json and jsonb. `json` keeps its input text (validated); `jsonb` is
//! stored in PostgreSQL's normalized output form (`{"a": 1, "b": [1, 2]}`:
//! keys ordered by length then bytes, the last of duplicate keys kept,
//! numbers as numeric). `->` / `->>` navigate the text through a parse that
//! records each value's source span.

use crate::error::{SqlError, SqlResult};
use crate::numeric::Numeric;

/// A parsed JSON value with the byte span of its source text.
#[derive(Debug)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug)]
pub enum Kind {
    Null,
    Bool(bool),
    Number,
    /// The unescaped string.
    Str(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

fn bad(ty: &str) -> SqlError {
    SqlError::new("22P02", format!("invalid input syntax for type {ty}"))
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    ty: &'static str,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> SqlResult<Node> {
        self.ws();
        if self.depth > 1000 {
            return Err(SqlError::new("54001", "stack depth limit exceeded"));
        }
        let start = self.pos;
        let c = *self.s.get(self.pos).ok_or_else(|| bad(self.ty))?;
        let kind = match c {
            b'{' => {
                self.pos += 1;
                self.depth += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        if self.s.get(self.pos) != Some(&b'"') {
                            return Err(bad(self.ty));
                        }
                        let k = self.string()?;
                        self.ws();
                        if self.s.get(self.pos) != Some(&b':') {
                            return Err(bad(self.ty));
                        }
                        self.pos += 1;
                        let v = self.value()?;
                        fields.push((k, v));
                        self.ws();
                        match self.s.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(bad(self.ty)),
                        }
                    }
                }
                self.depth -= 1;
                Kind::Object(fields)
            }
            b'[' => {
                self.pos += 1;
                self.depth += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.s.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(bad(self.ty)),
                        }
                    }
                }
                self.depth -= 1;
                Kind::Array(items)
            }
            b'"' => Kind::Str(self.string()?),
            b't' if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Kind::Bool(true)
            }
            b'f' if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Kind::Bool(false)
            }
            b'n' if self.s[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Kind::Null
            }
            b'-' | b'0'..=b'9' => {
                self.number()?;
                Kind::Number
            }
            _ => return Err(bad(self.ty)),
        };
        // A literal must end at a delimiter.
        if matches!(kind, Kind::Bool(_) | Kind::Null | Kind::Number)
            && self
                .s
                .get(self.pos)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return Err(bad(self.ty));
        }
        Ok(Node {
            start,
            end: self.pos,
            kind,
        })
    }

    fn number(&mut self) -> SqlResult<()> {
        let s = self.s;
        let mut p = self.pos;
        if s.get(p) == Some(&b'-') {
            p += 1;
        }
        match s.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                while s.get(p).is_some_and(u8::is_ascii_digit) {
                    p += 1;
                }
            }
            _ => return Err(bad(self.ty)),
        }
        if s.get(p) == Some(&b'.') {
            p += 1;
            if !s.get(p).is_some_and(u8::is_ascii_digit) {
                return Err(bad(self.ty));
            }
            while s.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
        if matches!(s.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(s.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            if !s.get(p).is_some_and(u8::is_ascii_digit) {
                return Err(bad(self.ty));
            }
            while s.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
        self.pos = p;
        Ok(())
    }

    fn string(&mut self) -> SqlResult<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = *self.s.get(self.pos).ok_or_else(|| bad(self.ty))?;
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let e = *self.s.get(self.pos + 1).ok_or_else(|| bad(self.ty))?;
                    self.pos += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s.get(self.pos) == Some(&b'\\')
                                && self.s.get(self.pos + 1) == Some(&b'u')
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo.wrapping_sub(0xDC00));
                            }
                            if cp == 0 {
                                return Err(SqlError::new(
                                    "22P05",
                                    "unsupported Unicode escape sequence",
                                ));
                            }
                            out.push(char::from_u32(cp).ok_or_else(|| bad(self.ty))?);
                        }
                        _ => return Err(bad(self.ty)),
                    }
                }
                0x00..=0x1f => return Err(bad(self.ty)),
                _ => {
                    // Copy one UTF-8 character.
                    let len = match c {
                        0x00..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    let end = (self.pos + len).min(self.s.len());
                    out.push_str(&String::from_utf8_lossy(&self.s[self.pos..end]));
                    self.pos = end;
                }
            }
        }
    }

    fn hex4(&mut self) -> SqlResult<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| bad(self.ty))?;
        self.pos += 4;
        Ok(h)
    }
}

/// Parses JSON text (`ty` names the type in errors).
pub fn parse(s: &str, ty: &'static str) -> SqlResult<Node> {
    let mut p = Parser {
        s: s.as_bytes(),
        pos: 0,
        depth: 0,
        ty,
    };
    let v = p.value()?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(bad(ty));
    }
    Ok(v)
}

/// jsonb's output form of a parsed value.
pub fn render_jsonb(src: &str, n: &Node, out: &mut String) -> SqlResult<()> {
    match &n.kind {
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number => out.push_str(&Numeric::parse(&src[n.start..n.end])?.to_pg_string()),
        Kind::Str(s) => crate::json_build::quote(s, out),
        Kind::Array(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_jsonb(src, it, out)?;
            }
            out.push(']');
        }
        Kind::Object(fields) => {
            // Last duplicate wins; keys ordered by length, then bytes.
            let mut keep: Vec<&(String, Node)> = Vec::new();
            for f in fields {
                if let Some(slot) = keep.iter_mut().find(|k| k.0 == f.0) {
                    *slot = f;
                } else {
                    keep.push(f);
                }
            }
            keep.sort_by(|a, b| {
                a.0.len()
                    .cmp(&b.0.len())
                    .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
            });
            out.push('{');
            for (i, (k, v)) in keep.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                crate::json_build::quote(k, out);
                out.push_str(": ");
                render_jsonb(src, v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Validated json text (kept as written).
pub fn parse_json(s: &str) -> SqlResult<String> {
    parse(s, "json")?;
    Ok(s.to_string())
}

/// Normalized jsonb text.
pub fn parse_jsonb(s: &str) -> SqlResult<String> {
    let n = parse(s, "json")?;
    let mut out = String::new();
    render_jsonb(s, &n, &mut out)?;
    Ok(out)
}

/// A step of `->` / `->>`: an object key or an array index.
pub enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

/// `doc -> step`: the source text of the element (None if absent), and
/// for `->>` the text value (strings unescaped, JSON null as None).
pub fn get(doc: &str, step: Step, as_text: bool) -> SqlResult<Option<String>> {
    let n = parse(doc, "json")?;
    let found = match (&n.kind, step) {
        (Kind::Object(fields), Step::Key(k)) => {
            fields.iter().rev().find(|f| f.0 == k).map(|f| &f.1)
        }
        (Kind::Array(items), Step::Index(i)) => {
            let idx = if i < 0 { items.len() as i64 + i } else { i };
            usize::try_from(idx).ok().and_then(|i| items.get(i))
        }
        _ => None,
    };
    let Some(v) = found else {
        return Ok(None);
    };
    if as_text {
        return Ok(match &v.kind {
            Kind::Null => None,
            Kind::Str(s) => Some(s.clone()),
            _ => Some(doc[v.start..v.end].to_string()),
        });
    }
    Ok(Some(doc[v.start..v.end].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_normalizes() {
        assert_eq!(
            parse_jsonb(r#"{"bb":1, "a" :[1.50,2e2,"x\n"], "bb": null}"#).unwrap(),
            r#"{"a": [1.50, 200, "x\n"], "bb": null}"#
        );
        assert!(parse_jsonb("{").is_err());
        assert!(parse_jsonb("[1,]").is_err());
        assert!(parse_jsonb("01").is_err());
        assert_eq!(parse_json(" [1, 2] ").unwrap(), " [1, 2] ");
    }

    #[test]
    fn arrows() {
        let d = r#"{"a": {"b": [1, "two", null]}}"#;
        assert_eq!(
            get(d, Step::Key("a"), false).unwrap().as_deref(),
            Some(r#"{"b": [1, "two", null]}"#)
        );
        let arr = r#"[1, "two", null]"#;
        assert_eq!(
            get(arr, Step::Index(1), true).unwrap().as_deref(),
            Some("two")
        );
        assert_eq!(get(arr, Step::Index(-1), true).unwrap(), None);
        assert_eq!(
            get(arr, Step::Index(-1), false).unwrap().as_deref(),
            Some("null")
        );
        assert_eq!(get(arr, Step::Key("x"), false).unwrap(), None);
    }
}
