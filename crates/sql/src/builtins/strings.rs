//! PostgreSQL 15 string functions: split_part, chr, ascii, lpad/rpad,
//! translate, initcap, starts_with, to_hex, quote_ident/quote_literal/
//! quote_nullable, format(), unistr() and parse_ident(), with PostgreSQL's
//! messages and SQLSTATEs.

use crate::error::{SqlError, SqlResult};

fn invalid_parameter(msg: impl Into<String>) -> SqlError {
    SqlError::new("22023", msg)
}

/// split_part(text, delimiter, n): negative n counts from the end.
pub fn split_part(s: &str, delim: &str, n: i64) -> SqlResult<String> {
    if n == 0 {
        return Err(invalid_parameter("field position must not be zero"));
    }
    let parts: Vec<&str> = if delim.is_empty() {
        vec![s]
    } else {
        s.split(delim).collect()
    };
    if s.is_empty() {
        return Ok(String::new());
    }
    let idx = if n > 0 {
        (n - 1) as usize
    } else {
        let back = n.unsigned_abs() as usize;
        if back > parts.len() {
            return Ok(String::new());
        }
        parts.len() - back
    };
    Ok(parts.get(idx).map(|p| p.to_string()).unwrap_or_default())
}

/// chr(int): the character with that code point (UTF-8).
pub fn chr(code: i64) -> SqlResult<String> {
    if code == 0 {
        return Err(SqlError::new("54000", "null character not permitted"));
    }
    if code < 0 {
        return Err(SqlError::new("54000", "character number must be positive"));
    }
    u32::try_from(code)
        .ok()
        .and_then(char::from_u32)
        .map(|c| c.to_string())
        .ok_or_else(|| {
            SqlError::new(
                "54000",
                format!("requested character too large for encoding: {code}"),
            )
        })
}

/// ascii(text): code point of the first character (0 for empty).
pub fn ascii(s: &str) -> i32 {
    s.chars().next().map_or(0, |c| c as i32)
}

/// lpad/rpad(text, length, fill default ' ').
pub fn pad(s: &str, len: i64, fill: &str, left: bool) -> String {
    let len = len.max(0) as usize;
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= len {
        return chars[..len].iter().collect();
    }
    if fill.is_empty() {
        return s.to_string();
    }
    let padding: String = fill.chars().cycle().take(len - chars.len()).collect();
    if left {
        format!("{padding}{s}")
    } else {
        format!("{s}{padding}")
    }
}

/// overlay(s placing r from start [for count]): s[..start-1] + r +
/// s[start-1+count..], count defaulting to r's length; on characters or bytes.
pub fn overlay<T: Clone>(s: &[T], r: &[T], start: i64, count: Option<i64>) -> SqlResult<Vec<T>> {
    let count = count.unwrap_or(r.len() as i64);
    // As PostgreSQL: substring(s, 1, start - 1) || r || substring(s, start + count).
    if start < 1 {
        return Err(SqlError::new(
            "22011",
            "negative substring length not allowed",
        ));
    }
    let head_end = ((start - 1) as usize).min(s.len());
    let tail_start = (start - 1).saturating_add(count).clamp(0, s.len() as i64) as usize;
    let mut out = s[..head_end].to_vec();
    out.extend_from_slice(r);
    out.extend_from_slice(&s[tail_start..]);
    Ok(out)
}

/// translate(text, from, to).
pub fn translate(s: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    s.chars()
        .filter_map(|c| match from.iter().position(|f| *f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect()
}

/// initcap(text): first letter of each alphanumeric run upper, rest lower.
pub fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if in_word {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        in_word = c.is_alphanumeric();
    }
    out
}

/// to_hex(int): two's complement for negative values, as PostgreSQL.
pub fn to_hex(v: i64, is_int4: bool) -> String {
    if is_int4 {
        format!("{:x}", v as i32 as u32)
    } else {
        format!("{:x}", v as u64)
    }
}

/// Keywords quote_ident must quote (PostgreSQL's reserved and
/// type/function-name keywords).
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// quote_ident(text).
pub fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !QUOTED_KEYWORDS.contains(&s);
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// quote_literal(text): E'' form when the value holds a backslash.
pub fn quote_literal(s: &str) -> String {
    let body = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

/// format(fmt, args...): %s, %I, %L and %% with positions (`%2$s`), the `-`
/// flag and widths (`%10s`, `%*s`, `%*3$s`). `args` are the arguments'
/// text forms (None for NULL).
pub fn format(fmt: &str, args: &[Option<String>]) -> SqlResult<String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut next_arg = 0usize;
    let unterminated = || {
        invalid_parameter("unterminated format() type specifier")
            .with_hint("For a single \"%\" use \"%%\".")
    };
    let too_few = || invalid_parameter("too few arguments for format()");
    // Reads digits at `i`; None if there are none.
    let read_num = |i: &mut usize| -> SqlResult<Option<usize>> {
        let start = *i;
        let mut v: usize = 0;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(chars[*i] as usize - '0' as usize))
                .filter(|v| *v <= i32::MAX as usize)
                .ok_or_else(|| invalid_parameter("number is out of range"))?;
            *i += 1;
        }
        Ok((*i > start).then_some(v))
    };
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i >= chars.len() {
            return Err(unterminated());
        }
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // [argpos$][flags][width][type]
        let mut arg_pos: Option<usize> = None;
        let mut left_align = false;
        let mut width: Option<i64> = None;
        let save = i;
        if let Some(n) = read_num(&mut i)? {
            if i < chars.len() && chars[i] == '$' {
                if n == 0 {
                    return Err(invalid_parameter(
                        "format specifies argument 0, but arguments are numbered from 1",
                    ));
                }
                arg_pos = Some(n);
                i += 1;
            } else {
                i = save;
            }
        }
        while i < chars.len() && chars[i] == '-' {
            left_align = true;
            i += 1;
        }
        if i < chars.len() && chars[i] == '*' {
            i += 1;
            let width_arg = match read_num(&mut i)? {
                Some(n) => {
                    if i >= chars.len() || chars[i] != '$' {
                        return Err(unterminated());
                    }
                    i += 1;
                    if n == 0 {
                        return Err(invalid_parameter(
                            "format specifies argument 0, but arguments are numbered from 1",
                        ));
                    }
                    n - 1
                }
                None => {
                    let k = next_arg;
                    next_arg += 1;
                    k
                }
            };
            let w = args.get(width_arg).ok_or_else(too_few)?;
            width = match w {
                None => None,
                Some(t) => Some(
                    t.trim()
                        .parse::<i64>()
                        .map_err(|_| invalid_parameter("width argument must be an integer"))?,
                ),
            };
            if width_arg + 1 > next_arg {
                next_arg = width_arg + 1;
            }
        } else if let Some(n) = read_num(&mut i)? {
            width = Some(n as i64);
        }
        if i >= chars.len() {
            return Err(unterminated());
        }
        let conv = chars[i];
        i += 1;
        if !matches!(conv, 's' | 'I' | 'L') {
            return Err(invalid_parameter(format!(
                "unrecognized format() type specifier \"{conv}\""
            ))
            .with_hint("For a single \"%\" use \"%%\"."));
        }
        let idx = match arg_pos {
            Some(p) => p - 1,
            None => next_arg,
        };
        let value = args.get(idx).ok_or_else(too_few)?;
        next_arg = idx + 1;
        let text = match (conv, value) {
            ('s', None) => String::new(),
            ('s', Some(v)) => v.clone(),
            ('I', None) => {
                return Err(SqlError::new(
                    "22004",
                    "null values cannot be formatted as an SQL identifier",
                ))
            }
            ('I', Some(v)) => quote_ident(v),
            (_, None) => "NULL".to_string(),
            (_, Some(v)) => quote_literal(v),
        };
        let mut left = left_align;
        let mut w = width.unwrap_or(0);
        if w < 0 {
            left = true;
            w = -w;
        }
        let len = text.chars().count() as i64;
        if w > len {
            let fill = " ".repeat((w - len) as usize);
            if left {
                out.push_str(&text);
                out.push_str(&fill);
            } else {
                out.push_str(&fill);
                out.push_str(&text);
            }
        } else {
            out.push_str(&text);
        }
    }
    Ok(out)
}

/// unistr(text): \XXXX, \+XXXXXX, \uXXXX, \UXXXXXXXX escapes (and UTF-16
/// surrogate pairs), `\\` for a backslash.
pub fn unistr(s: &str) -> SqlResult<String> {
    let invalid = || {
        invalid_parameter("invalid Unicode escape")
            .with_hint("Unicode escapes must be \\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.")
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut pending_high: Option<u32> = None;
    let hex = |from: usize, n: usize| -> Option<u32> {
        if from + n > chars.len() {
            return None;
        }
        let t: String = chars[from..from + n].iter().collect();
        if !t.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(&t, 16).ok()
    };
    while i < chars.len() {
        if chars[i] != '\\' {
            if pending_high.is_some() {
                return Err(invalid_surrogate());
            }
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (code, len) = match chars.get(i + 1) {
            Some('\\') => {
                if pending_high.is_some() {
                    return Err(invalid_surrogate());
                }
                out.push('\\');
                i += 2;
                continue;
            }
            Some('+') => (hex(i + 2, 6).ok_or_else(invalid)?, 8),
            Some('u') => (hex(i + 2, 4).ok_or_else(invalid)?, 6),
            Some('U') => (hex(i + 2, 8).ok_or_else(invalid)?, 10),
            _ => (hex(i + 1, 4).ok_or_else(invalid)?, 5),
        };
        i += len;
        if code > 0x10FFFF {
            return Err(invalid_parameter(format!(
                "invalid Unicode code point: {code:04X}"
            )));
        }
        if let Some(high) = pending_high.take() {
            if !(0xDC00..=0xDFFF).contains(&code) {
                return Err(invalid_surrogate());
            }
            let c = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00);
            out.push(char::from_u32(c).ok_or_else(invalid_surrogate)?);
            continue;
        }
        if (0xD800..=0xDBFF).contains(&code) {
            pending_high = Some(code);
            continue;
        }
        if (0xDC00..=0xDFFF).contains(&code) {
            return Err(invalid_surrogate());
        }
        if code == 0 {
            return Err(invalid_parameter("invalid Unicode code point: 0000"));
        }
        out.push(char::from_u32(code).ok_or_else(invalid)?);
    }
    if pending_high.is_some() {
        return Err(invalid_surrogate());
    }
    Ok(out)
}

fn invalid_surrogate() -> SqlError {
    invalid_parameter("invalid Unicode surrogate pair")
}

/// parse_ident(text, strict): the dotted name's parts, quoted parts kept
/// verbatim, unquoted ones lower-cased.
pub fn parse_ident(s: &str, strict: bool) -> SqlResult<Vec<String>> {
    let not_valid = |detail: Option<&str>| {
        let e = invalid_parameter(format!("string is not a valid identifier: \"{s}\""));
        match detail {
            Some(d) => e.with_detail(d),
            None => e,
        }
    };
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut parts = Vec::new();
    let skip_space = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    let mut after_dot = false;
    loop {
        skip_space(&mut i);
        if i < chars.len() && chars[i] == '"' {
            i += 1;
            let mut part = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(invalid_parameter(format!(
                            "string is not a valid identifier: \"{s}\""
                        ))
                        .with_detail("String has unclosed double quotes."))
                    }
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        part.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        part.push(*c);
                        i += 1;
                    }
                }
            }
            if part.is_empty() {
                return Err(invalid_parameter(format!(
                    "string is not a valid identifier: \"{s}\""
                ))
                .with_detail("Quoted identifier must not be empty."));
            }
            parts.push(part);
        } else if i < chars.len()
            && (chars[i].is_alphabetic() || chars[i] == '_' || !chars[i].is_ascii())
        {
            let mut part = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '$'
                    || !chars[i].is_ascii())
            {
                part.extend(chars[i].to_lowercase());
                i += 1;
            }
            parts.push(part);
        } else if i < chars.len() && chars[i] == '.' {
            return Err(not_valid(Some("No valid identifier before \".\".")));
        } else if after_dot {
            return Err(not_valid(Some("No valid identifier after \".\".")));
        } else {
            return Err(not_valid(None));
        }
        skip_space(&mut i);
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            after_dot = true;
            continue;
        }
        if i < chars.len() && strict {
            return Err(not_valid(None));
        }
        break;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_pad() {
        assert_eq!(
            split_part("joeuser@mydatabase", "@", 2).unwrap(),
            "mydatabase"
        );
        assert_eq!(
            split_part("joeuser@mydatabase", "@", -1).unwrap(),
            "mydatabase"
        );
        assert_eq!(split_part("joeuser@mydatabase", "@", 3).unwrap(), "");
        assert_eq!(split_part("abc", "", 1).unwrap(), "abc");
        assert_eq!(split_part("x", ",", 0).unwrap_err().sqlstate, "22023");
        assert_eq!(pad("hi", 5, "xy", true), "xyxhi");
        assert_eq!(pad("hello", 2, " ", false), "he");
        assert_eq!(translate("12345", "143", "ax"), "a2x5");
        assert_eq!(initcap("hi THOMAS"), "Hi Thomas");
        let ov = |s: &str, r: &str, f: i64, c: Option<i64>| {
            let (s, r): (Vec<char>, Vec<char>) = (s.chars().collect(), r.chars().collect());
            overlay(&s, &r, f, c)
                .unwrap()
                .into_iter()
                .collect::<String>()
        };
        assert_eq!(ov("Txxxxas", "hom", 2, Some(4)), "Thomas");
        assert_eq!(ov("abcdef", "XY", 5, None), "abcdXY");
        assert_eq!(ov("abc", "Z", 10, None), "abcZ");
    }

    #[test]
    fn format_specifiers() {
        let a = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert_eq!(format("Hello %s", &a(&["World"])).unwrap(), "Hello World");
        assert_eq!(format("%2$s %1$s", &a(&["a", "b"])).unwrap(), "b a");
        assert_eq!(
            format("|%-5s|%5s|", &a(&["ab", "cd"])).unwrap(),
            "|ab   |   cd|"
        );
        assert_eq!(format("%*s", &a(&["4", "x"])).unwrap(), "   x");
        assert_eq!(
            format("%I %L", &a(&["Ab", "o'k"])).unwrap(),
            "\"Ab\" 'o''k'"
        );
        assert_eq!(format("%L", &[None]).unwrap(), "NULL");
        assert_eq!(
            format("%s %s", &a(&["x"])).unwrap_err().message,
            "too few arguments for format()"
        );
        assert!(format("%z", &a(&["x"])).is_err());
    }

    #[test]
    fn unistr_and_parse_ident() {
        assert_eq!(unistr("d\\0061t\\+000061").unwrap(), "data");
        assert_eq!(unistr("\\u0441\\u043B\\u043E\\u043D").unwrap(), "слон");
        assert!(unistr("wrong: \\db99").is_err());
        assert_eq!(
            parse_ident("Schemax.Tabley", true).unwrap(),
            vec!["schemax", "tabley"]
        );
        assert_eq!(
            parse_ident("\"SchemaX\".\"TableY\"", true).unwrap(),
            vec!["SchemaX", "TableY"]
        );
        assert!(parse_ident("foo.boo[]", true).is_err());
        assert_eq!(parse_ident("foo.boo[]", false).unwrap(), vec!["foo", "boo"]);
        assert!(parse_ident("1020", true).is_err());
        assert_eq!(
            parse_ident(" aaa . ", true).unwrap_err().detail.as_deref(),
            Some("No valid identifier after \".\".")
        );
    }
}
