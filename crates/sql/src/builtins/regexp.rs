//! PostgreSQL's regexp_* functions (regexp_replace, regexp_like,
//! regexp_count, regexp_instr, regexp_substr, regexp_split_to_array) on the
//! `regex` crate. Flags follow PostgreSQL (i, c, n/m, s, p, w, x, q, g);
//! `.` matches newline unless newline-sensitive. Patterns the linear-time
//! `regex` engine refuses only because they use back-references (\1 in a
//! pattern, as PostgreSQL's ARE allows) or lookaround are compiled by the
//! backtracking `fancy-regex` engine instead; everything else stays on the
//! fast path. \m \M \y \Y become the engines' word-boundary assertions;
//! the rest of the common syntax (classes, [[:alpha:]], quantifiers, {m,n},
//! non-greedy) agrees.

use regex::RegexBuilder;

use crate::error::{SqlError, SqlResult};

/// Parsed flag string.
pub struct Flags {
    pub global: bool,
    case_insensitive: bool,
    newline_sensitive_dot: bool,
    multi_line: bool,
    extended: bool,
    literal: bool,
}

pub fn parse_flags(flags: &str) -> SqlResult<Flags> {
    let mut f = Flags {
        global: false,
        case_insensitive: false,
        newline_sensitive_dot: false,
        multi_line: false,
        extended: false,
        literal: false,
    };
    for c in flags.chars() {
        match c {
            'g' => f.global = true,
            'i' => f.case_insensitive = true,
            'c' => f.case_insensitive = false,
            'n' | 'm' => {
                f.newline_sensitive_dot = true;
                f.multi_line = true;
            }
            's' => {
                f.newline_sensitive_dot = false;
                f.multi_line = false;
            }
            'p' => {
                f.newline_sensitive_dot = true;
                f.multi_line = false;
            }
            'w' => {
                f.newline_sensitive_dot = false;
                f.multi_line = true;
            }
            'x' => f.extended = true,
            'q' => f.literal = true,
            'b' | 'e' | 't' => {}
            other => {
                return Err(SqlError::new(
                    "22023",
                    format!("invalid regular expression option: \"{other}\""),
                ))
            }
        }
    }
    Ok(f)
}

/// Rewrites PostgreSQL-only escapes into the regex crates' syntax: the word
/// boundaries \m (start of a word), \M (end), \y (either), \Y (neither),
/// their bracket spellings [[:<:]] and [[:>:]], and \Z (end of text).
fn translate_pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("[[:<:]]") {
            out.push_str("\\b{start}");
            rest = after;
            continue;
        }
        if let Some(after) = rest.strip_prefix("[[:>:]]") {
            out.push_str("\\b{end}");
            rest = after;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(n) = rest.chars().next() else {
            out.push('\\');
            break;
        };
        rest = &rest[n.len_utf8()..];
        match n {
            'm' => out.push_str("\\b{start}"),
            'M' => out.push_str("\\b{end}"),
            'y' => out.push_str("\\b"),
            'Y' => out.push_str("\\B"),
            'Z' => out.push_str("\\z"),
            n => {
                out.push('\\');
                out.push(n);
            }
        }
    }
    out
}

/// A compiled pattern: the linear-time engine when it accepts the pattern,
/// the backtracking one for back-references and lookaround.
#[derive(Debug)]
pub enum Regex {
    Linear(regex::Regex),
    Backtracking(fancy_regex::Regex),
}

/// The byte spans of one match's groups (index 0 is the whole match; None
/// for a group that did not take part).
pub struct Captures<'s> {
    text: &'s str,
    spans: Vec<Option<(usize, usize)>>,
}

/// One group's span in the searched text.
#[derive(Clone, Copy)]
pub struct Match<'s> {
    text: &'s str,
    start: usize,
    end: usize,
}

impl<'s> Match<'s> {
    pub fn start(&self) -> usize {
        self.start
    }
    pub fn end(&self) -> usize {
        self.end
    }
    pub fn as_str(&self) -> &'s str {
        &self.text[self.start..self.end]
    }
}

impl<'s> Captures<'s> {
    pub fn get(&self, i: usize) -> Option<Match<'s>> {
        let (start, end) = (*self.spans.get(i)?)?;
        Some(Match {
            text: self.text,
            start,
            end,
        })
    }
    pub fn len(&self) -> usize {
        self.spans.len()
    }
}

/// The backtracking engine gives up (rather than run for ever) past this
/// many steps; PostgreSQL reports such a pattern as too complex.
const BACKTRACK_LIMIT: usize = 10_000_000;

fn backtrack_error(e: fancy_regex::Error) -> SqlError {
    match e {
        fancy_regex::Error::RuntimeError(_) => SqlError::new(
            "2201B",
            "invalid regular expression: regular expression is too complex",
        ),
        other => SqlError::new("2201B", format!("invalid regular expression: {other}")),
    }
}

impl Regex {
    /// The first match at or after byte `pos`.
    pub fn captures_at<'s>(&self, s: &'s str, pos: usize) -> SqlResult<Option<Captures<'s>>> {
        let spans = |groups: &mut dyn Iterator<Item = Option<(usize, usize)>>| Captures {
            text: s,
            spans: groups.collect(),
        };
        Ok(match self {
            Regex::Linear(re) => re
                .captures_at(s, pos)
                .map(|caps| spans(&mut caps.iter().map(|m| m.map(|m| (m.start(), m.end()))))),
            Regex::Backtracking(re) => re
                .captures_from_pos(s, pos)
                .map_err(backtrack_error)?
                .map(|caps| spans(&mut caps.iter().map(|m| m.map(|m| (m.start(), m.end()))))),
        })
    }

    pub fn is_match(&self, s: &str) -> SqlResult<bool> {
        match self {
            Regex::Linear(re) => Ok(re.is_match(s)),
            Regex::Backtracking(re) => re.is_match(s).map_err(backtrack_error),
        }
    }

    /// Number of groups, the whole match included.
    pub fn captures_len(&self) -> usize {
        match self {
            Regex::Linear(re) => re.captures_len(),
            Regex::Backtracking(re) => re.captures_len(),
        }
    }
}

pub fn compile(pattern: &str, flags: &Flags) -> SqlResult<Regex> {
    let source = if flags.literal {
        regex::escape(pattern)
    } else {
        translate_pattern(pattern)
    };
    let linear = RegexBuilder::new(&source)
        .case_insensitive(flags.case_insensitive)
        .dot_matches_new_line(!flags.newline_sensitive_dot)
        .multi_line(flags.multi_line)
        .ignore_whitespace(flags.extended)
        .build();
    match linear {
        Ok(re) => Ok(Regex::Linear(re)),
        Err(e) => {
            let text = e.to_string();
            let last = text.lines().last().unwrap_or("syntax error").trim();
            if needs_backtracking(last) {
                return fancy_regex::RegexBuilder::new(&source)
                    .case_insensitive(flags.case_insensitive)
                    .dot_matches_new_line(!flags.newline_sensitive_dot)
                    .multi_line(flags.multi_line)
                    .ignore_whitespace(flags.extended)
                    .backtrack_limit(BACKTRACK_LIMIT)
                    .build()
                    .map(Regex::Backtracking)
                    .map_err(backtrack_error);
            }
            Err(SqlError::new(
                "2201B",
                format!(
                    "invalid regular expression: {}",
                    postgres_regex_message(last)
                ),
            ))
        }
    }
}

/// Whether the linear engine refused the pattern only for a feature the
/// backtracking engine has.
fn needs_backtracking(message: &str) -> bool {
    message.contains("backreferences are not supported") || message.contains("look-around")
}

/// PostgreSQL's wording (regerror) for the syntax errors both engines detect.
fn postgres_regex_message(message: &str) -> &str {
    let detail = message.strip_prefix("error: ").unwrap_or(message);
    if detail.contains("unclosed group") || detail.contains("unopened group") {
        "parentheses () not balanced"
    } else if detail.contains("unclosed character class") {
        "brackets [] not balanced"
    } else if detail.contains("repetition count") || detail.contains("decimal in repetition") {
        "invalid repetition count(s)"
    } else if detail.contains("repetition operator missing expression") {
        "quantifier operand invalid"
    } else {
        message
    }
}

fn no_global(func: &str) -> SqlError {
    SqlError::new(
        "22023",
        format!("{func}() does not support the \"global\" option"),
    )
}

/// Byte offset of the 1-based character position `start` (clamped to the end).
fn byte_at(s: &str, start: i64) -> usize {
    s.char_indices()
        .nth((start - 1).max(0) as usize)
        .map_or(s.len(), |(i, _)| i)
}

fn check_start(start: i64) -> SqlResult<()> {
    if start <= 0 {
        return Err(SqlError::new(
            "22023",
            format!("invalid value for parameter \"start\": {start}"),
        ));
    }
    Ok(())
}

/// Every match from byte `from` on, PostgreSQL style: after an empty match
/// the search moves on one character.
fn matches_from<'s>(re: &Regex, s: &'s str, from: usize) -> SqlResult<Vec<Captures<'s>>> {
    let mut out = Vec::new();
    let mut pos = from;
    while pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos)? else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        let (st, en) = (m.start(), m.end());
        out.push(caps);
        pos = if en == st {
            match s[en..].chars().next() {
                Some(c) => en + c.len_utf8(),
                None => break,
            }
        } else {
            en
        };
    }
    Ok(out)
}

/// Expands \1..\9 and \& in a replacement (\\ is a backslash).
fn expand(replacement: &str, caps: &Captures<'_>, out: &mut String) {
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(d @ '1'..='9') => {
                chars.next();
                let idx = d as usize - '0' as usize;
                if let Some(m) = caps.get(idx) {
                    out.push_str(m.as_str());
                }
            }
            Some('&') => {
                chars.next();
                if let Some(m) = caps.get(0) {
                    out.push_str(m.as_str());
                }
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
}

/// regexp_replace(source, pattern, replacement, start, n, flags): replaces
/// the n-th match (0 = every match) from character `start` on.
pub fn replace(
    source: &str,
    pattern: &str,
    replacement: &str,
    start: i64,
    n: Option<i64>,
    flags: &str,
) -> SqlResult<String> {
    check_start(start)?;
    if n.is_none() && flags.starts_with(|c: char| c.is_ascii_digit()) {
        // Only the four-argument text-flags form gets here with a digit.
        let first: String = flags.chars().take(1).collect();
        return Err(SqlError::new(
            "22023",
            format!("invalid regular expression option: \"{first}\""),
        )
        .with_hint("If you meant to use regexp_replace() with a start parameter, cast the fourth argument to integer explicitly."));
    }
    let f = parse_flags(flags)?;
    if let Some(n) = n {
        if n < 0 {
            return Err(SqlError::new(
                "22023",
                format!("invalid value for parameter \"n\": {n}"),
            ));
        }
    }
    let which = match n {
        Some(n) => n,
        None if f.global => 0,
        None => 1,
    };
    let re = compile(pattern, &f)?;
    let from = byte_at(source, start);
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    for (i, caps) in matches_from(&re, source, from)?.iter().enumerate() {
        if which != 0 && i as i64 + 1 != which {
            continue;
        }
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&source[last..m.start()]);
        expand(replacement, caps, &mut out);
        last = m.end();
        if which != 0 {
            break;
        }
    }
    out.push_str(&source[last..]);
    Ok(out)
}

/// regexp_like(string, pattern, flags).
pub fn like(s: &str, pattern: &str, flags: &str) -> SqlResult<bool> {
    let f = parse_flags(flags)?;
    if f.global {
        return Err(no_global("regexp_like"));
    }
    compile(pattern, &f)?.is_match(s)
}

/// regexp_count(string, pattern, start, flags).
pub fn count(s: &str, pattern: &str, start: i64, flags: &str) -> SqlResult<i32> {
    check_start(start)?;
    let f = parse_flags(flags)?;
    if f.global {
        return Err(no_global("regexp_count"));
    }
    let re = compile(pattern, &f)?;
    Ok(matches_from(&re, s, byte_at(s, start))?.len() as i32)
}

/// The `subexpr` group of the n-th match at or after `start`.
fn nth_match<'s>(
    re: &Regex,
    s: &'s str,
    start: i64,
    n: i64,
    subexpr: i64,
) -> SqlResult<Option<Match<'s>>> {
    let all = matches_from(re, s, byte_at(s, start))?;
    Ok(all
        .get((n - 1).max(0) as usize)
        .and_then(|caps| caps.get(subexpr.max(0) as usize)))
}

fn check_n_subexpr(n: i64, subexpr: i64) -> SqlResult<()> {
    if n <= 0 {
        return Err(SqlError::new(
            "22023",
            format!("invalid value for parameter \"n\": {n}"),
        ));
    }
    if subexpr < 0 {
        return Err(SqlError::new(
            "22023",
            format!("invalid value for parameter \"subexpr\": {subexpr}"),
        ));
    }
    Ok(())
}

/// regexp_instr(string, pattern, start, n, endoption, flags, subexpr): the
/// 1-based character position of the match (after it with endoption 1), 0 if none.
pub fn instr(
    s: &str,
    pattern: &str,
    start: i64,
    n: i64,
    endoption: i64,
    flags: &str,
    subexpr: i64,
) -> SqlResult<i32> {
    check_start(start)?;
    check_n_subexpr(n, subexpr)?;
    if endoption != 0 && endoption != 1 {
        return Err(SqlError::new(
            "22023",
            format!("invalid value for parameter \"endoption\": {endoption}"),
        ));
    }
    let f = parse_flags(flags)?;
    if f.global {
        return Err(no_global("regexp_instr"));
    }
    let re = compile(pattern, &f)?;
    Ok(match nth_match(&re, s, start, n, subexpr)? {
        None => 0,
        Some(m) => {
            let byte = if endoption == 1 { m.end() } else { m.start() };
            s[..byte].chars().count() as i32 + 1
        }
    })
}

/// regexp_substr(string, pattern, start, n, flags, subexpr); None if no match.
pub fn substr(
    s: &str,
    pattern: &str,
    start: i64,
    n: i64,
    flags: &str,
    subexpr: i64,
) -> SqlResult<Option<String>> {
    check_start(start)?;
    check_n_subexpr(n, subexpr)?;
    let f = parse_flags(flags)?;
    if f.global {
        return Err(no_global("regexp_substr"));
    }
    let re = compile(pattern, &f)?;
    Ok(nth_match(&re, s, start, n, subexpr)?.map(|m| m.as_str().to_string()))
}

/// regexp_matches(string, pattern, flags): one row per match (every match
/// with 'g', else the first), each the capture groups' texts (None for a
/// group that did not take part) or the whole match when there are no groups.
pub fn matches(s: &str, pattern: &str, flags: &str) -> SqlResult<Vec<Vec<Option<String>>>> {
    let f = parse_flags(flags)?;
    let re = compile(pattern, &f)?;
    let mut rows = Vec::new();
    for caps in matches_from(&re, s, 0)? {
        let row = if caps.len() > 1 {
            (1..caps.len())
                .map(|i| caps.get(i).map(|m| m.as_str().to_string()))
                .collect()
        } else {
            vec![caps.get(0).map(|m| m.as_str().to_string())]
        };
        rows.push(row);
        if !f.global {
            break;
        }
    }
    Ok(rows)
}

/// regexp_split_to_array / regexp_split_to_table (`func`, for messages)
/// of (string, pattern, flags). Empty matches at the start or end, or right
/// after a match, do not split.
pub fn split(s: &str, pattern: &str, flags: &str, func: &str) -> SqlResult<Vec<String>> {
    let f = parse_flags(flags)?;
    if f.global {
        return Err(no_global(func));
    }
    let re = compile(pattern, &f)?;
    let mut parts = Vec::new();
    let mut prev_end = 0;
    for caps in matches_from(&re, s, 0)? {
        let Some(m) = caps.get(0) else { continue };
        if m.start() < s.len() && m.end() > prev_end {
            parts.push(s[prev_end..m.start()].to_string());
            prev_end = m.end();
        }
    }
    parts.push(s[prev_end..].to_string());
    Ok(parts)
}

/// PostgreSQL's similar_to_escape: a SIMILAR TO pattern as an anchored
/// regular expression (`%` -> `.*`, `_` -> `.`, `(` non-capturing, the
/// escape character quoting the next one; `"` after it separates the parts
/// SUBSTRING ... SIMILAR returns). `escape` None means no escape character.
pub fn similar_to_regex(pattern: &str, escape: Option<char>) -> SqlResult<String> {
    let mut out = String::from("^(?:");
    let mut after_escape = false;
    let mut in_class = false;
    let mut quotes = 0;
    for c in pattern.chars() {
        if after_escape {
            if c == '"' && !in_class {
                out.push_str(match quotes {
                    0 => "){1,1}?(",
                    1 => "){1,1}(",
                    _ => {
                        return Err(SqlError::new(
                            "2201B",
                            "SQL regular expression may not contain more than two escape-double-quote separators",
                        ))
                    }
                });
                quotes += 1;
            } else if c.is_ascii_alphanumeric() {
                out.push_str(&regex::escape(&c.to_string()));
            } else {
                out.push('\\');
                out.push(c);
            }
            after_escape = false;
        } else if Some(c) == escape {
            after_escape = true;
        } else if in_class {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            if c == ']' {
                in_class = false;
            }
        } else {
            match c {
                '[' => {
                    out.push('[');
                    in_class = true;
                }
                '%' => out.push_str(".*"),
                '_' => out.push('.'),
                '(' => out.push_str("(?:"),
                '\\' | '.' | '^' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
            // Before the first separator PostgreSQL matches as little as
            // possible (its `{1,1}?` makes that part non-greedy); this regex
            // engine needs each quantifier there made lazy instead.
            if quotes == 0 && matches!(c, '%' | '*' | '+' | '?') {
                out.push('?');
            }
        }
    }
    out.push_str(")$");
    Ok(out)
}

/// PostgreSQL's similar_to_escape text exactly (what EXPLAIN shows for a
/// SIMILAR TO): like `similar_to_regex`, but without its adaptations to
/// this regex engine, and with PostgreSQL's bracket tracking: inside a
/// character class (nested `[` counted) nothing is converted, and a `]`
/// right after `[` or `[^` is a literal rather than the class's end.
pub fn similar_to_escape(pattern: &str, escape: Option<char>) -> SqlResult<String> {
    let mut out = String::from("^(?:");
    let mut after_escape = false;
    let mut quotes = 0;
    let mut bracket_depth = 0usize;
    // 1 right after `[`, 2 after `[^`, 3 past the class's start.
    let mut class_pos = 0u8;
    for c in pattern.chars() {
        if after_escape {
            if c == '"' && bracket_depth == 0 {
                out.push_str(match quotes {
                    0 => "){1,1}?(",
                    1 => "){1,1}(?:",
                    _ => {
                        return Err(SqlError::new(
                            "2201B",
                            "SQL regular expression may not contain more than two escape-double-quote separators",
                        ))
                    }
                });
                quotes += 1;
            } else {
                out.push('\\');
                out.push(c);
                class_pos = 3;
            }
            after_escape = false;
        } else if Some(c) == escape {
            after_escape = true;
        } else if bracket_depth > 0 {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            if c == ']' && class_pos > 2 {
                bracket_depth -= 1;
            } else if c == '[' {
                bracket_depth += 1;
                class_pos = 3;
            } else if c == '^' {
                class_pos = class_pos.saturating_add(1);
            } else {
                class_pos = 3;
            }
        } else {
            match c {
                '[' => {
                    out.push('[');
                    bracket_depth = 1;
                    class_pos = 1;
                }
                '%' => out.push_str(".*"),
                '_' => out.push('.'),
                '(' => out.push_str("(?:"),
                '\\' | '.' | '^' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out.push_str(")$");
    Ok(out)
}

/// The escape character of SIMILAR TO / LIKE ... ESCAPE: empty means none.
pub fn escape_char(escape: &str) -> SqlResult<Option<char>> {
    let mut chars = escape.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(SqlError::new("22025", "invalid escape string")
            .with_hint("Escape string must be empty or one character.")),
    }
}

/// `value SIMILAR TO pattern ESCAPE escape`.
pub fn similar_to(value: &str, pattern: &str, escape: &str) -> SqlResult<bool> {
    let source = similar_to_regex(pattern, escape_char(escape)?)?;
    let re = compile(&source, &parse_flags("")?)?;
    re.is_match(value)
}

/// substring(s FROM pattern): the first parenthesized group's match when the
/// pattern has one, else the whole match; None when nothing matches.
pub fn regex_substring(s: &str, pattern: &str) -> SqlResult<Option<String>> {
    let re = compile(pattern, &parse_flags("")?)?;
    let Some(caps) = re.captures_at(s, 0)? else {
        return Ok(None);
    };
    let m = if re.captures_len() > 1 {
        caps.get(1)
    } else {
        caps.get(0)
    };
    Ok(m.map(|m| m.as_str().to_string()))
}

/// substring(s SIMILAR pattern ESCAPE escape): the part between the
/// escape-double-quote separators.
pub fn similar_substring(s: &str, pattern: &str, escape: &str) -> SqlResult<Option<String>> {
    let source = similar_to_regex(pattern, escape_char(escape)?)?;
    regex_substring(s, &source)
}

/// PostgreSQL's like_escape: rewrites a LIKE pattern with escape character
/// `escape` into the backslash-escaped form `eval::like` reads.
pub fn like_escape(pattern: &str, escape: &str) -> SqlResult<String> {
    let Some(e) = escape_char(escape)? else {
        return Ok(pattern.replace('\\', "\\\\"));
    };
    if e == '\\' {
        return Ok(pattern.to_string());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut after_escape = false;
    for c in pattern.chars() {
        if c == e && !after_escape {
            out.push('\\');
            after_escape = true;
        } else if c == '\\' {
            out.push('\\');
            if !after_escape {
                out.push('\\');
            }
            after_escape = false;
        } else {
            out.push(c);
            after_escape = false;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_and_split_follow_postgres() {
        assert_eq!(
            replace(
                "1112223333",
                "(\\d{3})(\\d{3})(\\d{4})",
                "(\\1) \\2-\\3",
                1,
                None,
                ""
            )
            .unwrap(),
            "(111) 222-3333"
        );
        assert_eq!(
            replace("AAAAAAAAAA", "A", "Z", 1, None, "g").unwrap(),
            "ZZZZZZZZZZ"
        );
        assert_eq!(replace("abc", "b", "\\&\\&", 1, None, "").unwrap(), "abbc");
        assert_eq!(
            replace("A PostgreSQL function", "a|e|i|o|u", "X", 1, Some(2), "i").unwrap(),
            "A PXstgreSQL function"
        );
        assert_eq!(
            split("the quick brown fox", "\\s+", "", "f").unwrap(),
            vec!["the", "quick", "brown", "fox"]
        );
        assert_eq!(split("abc", "", "", "f").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(split("abc", "b*", "", "f").unwrap(), vec!["a", "c"]);
        assert_eq!(
            split("abc", "b", "g", "regexp_split_to_table")
                .unwrap_err()
                .message,
            "regexp_split_to_table() does not support the \"global\" option"
        );
        assert!(parse_flags("z").is_err());
        for (pattern, message) in [
            ("(bar", "parentheses () not balanced"),
            ("bar)", "parentheses () not balanced"),
            ("(bar){2,1}", "invalid repetition count(s)"),
            ("[ab", "brackets [] not balanced"),
        ] {
            assert_eq!(
                compile(pattern, &parse_flags("").unwrap())
                    .unwrap_err()
                    .message,
                format!("invalid regular expression: {message}"),
                "{pattern}"
            );
        }
        assert_eq!(
            compile("(", &parse_flags("").unwrap())
                .unwrap_err()
                .sqlstate,
            "2201B"
        );
    }

    #[test]
    fn back_references_use_the_backtracking_engine() {
        assert!(matches!(
            compile("(.)x", &parse_flags("").unwrap()).unwrap(),
            Regex::Linear(_)
        ));
        assert!(matches!(
            compile("(.)\\1", &parse_flags("").unwrap()).unwrap(),
            Regex::Backtracking(_)
        ));
        assert_eq!(
            replace("foobarrbazz", "(.)\\1", "X\\&Y", 1, None, "g").unwrap(),
            "fXooYbaXrrYbaXzzY"
        );
        assert_eq!(
            replace("foobarrbazz", "(.)\\1", "X\\Y\\1Z\\", 1, None, "").unwrap(),
            "fX\\YoZ\\barrbazz"
        );
        assert!(like("abab", "^(ab)\\1$", "").unwrap());
        assert!(!like("abba", "^(ab)\\1$", "").unwrap());
        assert_eq!(count("aAbBcc", "(.)\\1", 1, "i").unwrap(), 3);
    }

    #[test]
    fn word_boundaries_follow_postgres() {
        for (text, pattern, matched) in [
            ("foo bar", "\\mbar", true),
            ("foobar", "\\mbar", false),
            ("foo bar", "foo\\M", true),
            ("foobar", "foo\\M", false),
            ("a b", "[[:<:]]b", true),
            ("ab", "[[:<:]]b", false),
            ("ab", "a[[:>:]]", false),
            ("a b", "\\ya\\y", true),
            ("ab", "a\\Yb", true),
        ] {
            assert_eq!(
                like(text, pattern, "").unwrap(),
                matched,
                "{text} ~ {pattern}"
            );
        }
        assert_eq!(
            replace("one two", "\\m", "|", 1, None, "g").unwrap(),
            "|one |two"
        );
    }

    #[test]
    fn count_instr_substr() {
        assert_eq!(count("123123123123", "123", 1, "").unwrap(), 4);
        assert_eq!(count("123123123123", "123", 3, "").unwrap(), 3);
        assert_eq!(instr("abcdefghi", "d.f", 1, 1, 0, "", 0).unwrap(), 4);
        assert_eq!(instr("abcdefghi", "d.f", 1, 1, 1, "", 0).unwrap(), 7);
        assert_eq!(instr("abcdefghi", "x", 1, 1, 0, "", 0).unwrap(), 0);
        assert_eq!(
            substr("abcdefghi", "d.f", 1, 1, "", 0).unwrap().as_deref(),
            Some("def")
        );
        assert_eq!(
            substr("1234567890", "(123)(4(56)(78))", 1, 1, "i", 4)
                .unwrap()
                .as_deref(),
            Some("78")
        );
        assert!(like("Steven", "^Ste(v|ph)en$", "").unwrap());
        assert!(count("x", "x", 1, "g").is_err());
    }

    #[test]
    fn matches_rows() {
        let some = |v: &[&str]| v.iter().map(|x| Some(x.to_string())).collect::<Vec<_>>();
        assert_eq!(
            matches("foobarbequebaz", "(bar)(beque)", "").unwrap(),
            vec![some(&["bar", "beque"])]
        );
        assert_eq!(
            matches("foobarbequebazilbarfbonk", "(b[^b]+)(b[^b]+)", "g").unwrap(),
            vec![some(&["bar", "beque"]), some(&["bazil", "barf"])]
        );
        assert!(matches("foobarbequebaz", "(bar)(.+)(beque)", "")
            .unwrap()
            .is_empty());
        assert_eq!(
            matches("foobarbequebaz", "(bar)(.+)?(beque)", "").unwrap(),
            vec![vec![
                Some("bar".to_string()),
                None,
                Some("beque".to_string())
            ]]
        );
        assert_eq!(matches("foo\nbar\nbequq\nbaz", "^", "mg").unwrap().len(), 4);
    }

    #[test]
    fn similar_to_escape_matches_postgresql_text() {
        // Expected texts from PostgreSQL 15's similar_to_escape().
        let cases = [
            ("_[_[:alpha:]_]_", '\\', r"^(?:.[_[:alpha:]_].)$"),
            ("%[%[:alnum:]%]%", '\\', r"^(?:.*[%[:alnum:]%].*)$"),
            (
                r"^[^[:alnum:]^[^^][[^^]][\^][[\^]]\^]^",
                '\\',
                r"^(?:\^[^[:alnum:]^[^^][[^^]][\^][[\^]]\^]\^)$",
            ),
            ("[]%][^]%][^%]%", '\\', r"^(?:[]%][^]%][^%].*)$"),
            ("a#\"b#\"c", '#', r"^(?:a){1,1}?(b){1,1}(?:c)$"),
            (r"a\dc", '\\', r"^(?:a\dc)$"),
        ];
        for (pattern, escape, expected) in cases {
            assert_eq!(
                similar_to_escape(pattern, Some(escape)).unwrap(),
                expected,
                "{pattern}"
            );
        }
        assert!(similar_to_escape("a#\"b#\"c#\"d", Some('#')).is_err());
    }

    #[test]
    fn similar_to_and_like_escape() {
        assert!(similar_to("abcd%", "_bcd#%", "#").unwrap());
        assert_eq!(
            similar_substring("abcdefg", "a*#\"%#\"g*", "#").unwrap(),
            Some("abcdefg".to_string())
        );
        assert!(!similar_to("abcdefg", "_bcd#%", "#").unwrap());
        assert!(similar_to("abcd\\efg", "_bcd\\%", "").unwrap());
        assert!(similar_to("abc", "(a|x)%", "\\").unwrap());
        assert!(similar_to("x", "%", "##").is_err());
        assert_eq!(like_escape("h#%", "#").unwrap(), "h\\%");
        assert_eq!(like_escape("a\\b", "").unwrap(), "a\\\\b");
    }
}
