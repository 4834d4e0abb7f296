//! Array element and slice assignment: UPDATE (and ON CONFLICT DO UPDATE)
//! SET lists (`SET a[i] = v`, `SET a[lo:hi] = v`) and INSERT column lists
//! (`INSERT INTO t (a[1], a[2]) VALUES (x, y)` or `... SELECT x, y`).
//! sqlparser reads no subscript on an assignment target, so the token stream
//! is rewritten before parsing: `SET a = "\u{1}array_assign"(t.a, i, (v))`
//! (`lo, hi` for a slice), and for INSERT one column `a` whose value nests
//! the calls over NULL, as PostgreSQL builds it (`VALUES` rows rewritten in
//! place; a query is wrapped as `SELECT ... FROM (query) AS s(c1, ...)`).
//! The binder (`binder/array_ops.rs`) binds the internal function to
//! `ArrayFn::AssignElement` / `AssignSlice`. Two assignments to elements of
//! one column in one SET list are refused as "multiple assignments to same
//! column" (PostgreSQL combines them).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Whitespace, Word};

/// The internal function the rewrite calls (unquotable by users: it starts
/// with a control character).
pub const ASSIGN_FN: &str = "\u{1}array_assign";

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
}

fn next_significant(tokens: &[TokenWithSpan], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
}

/// One rewritten `target[...] = value` item: where it starts and ends in
/// the token stream, and its replacement.
struct Item {
    start: usize,
    end: usize,
    replacement: Vec<TokenWithSpan>,
}

/// Rewrites subscripted targets of every SET list and of an INSERT's
/// column list in `tokens`.
pub fn rewrite(tokens: &mut Vec<TokenWithSpan>) {
    if !tokens.iter().any(|t| t.token == Token::LBracket) {
        return;
    }
    rewrite_insert(tokens);
    if !tokens.iter().any(|t| is_keyword(&t.token, Keyword::SET)) {
        return;
    }
    let mut items = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_keyword(&tokens[i].token, Keyword::SET) {
            let qualifier = target_qualifier(tokens, i);
            i = scan_set_list(tokens, i + 1, qualifier.as_ref(), &mut items);
        } else {
            i += 1;
        }
    }
    for item in items.into_iter().rev() {
        tokens.splice(item.start..item.end, item.replacement);
    }
}

/// The name the target table goes by in the statement whose SET list starts
/// at `set_at` (`UPDATE t [AS] alias SET`, `INSERT INTO t [AS alias] ...
/// DO UPDATE SET`), so the array read in the rewritten value is the target's
/// column even when other tables (FROM, `excluded`) have one of that name.
fn target_qualifier(tokens: &[TokenWithSpan], set_at: usize) -> Option<TokenWithSpan> {
    let before: Vec<usize> = (0..set_at)
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let last_word = |range: &[usize]| {
        range
            .iter()
            .rev()
            .find(|&&i| matches!(tokens[i].token, Token::Word(_)))
            .map(|&i| tokens[i].clone())
    };
    let upd = before
        .iter()
        .rposition(|&i| is_keyword(&tokens[i].token, Keyword::UPDATE))?;
    let is_on_conflict = upd > 0 && is_keyword(&tokens[before[upd - 1]].token, Keyword::DO);
    if !is_on_conflict {
        // UPDATE [ONLY] name [[AS] alias] SET
        return last_word(&before[upd + 1..]);
    }
    let into = before
        .iter()
        .rposition(|&i| is_keyword(&tokens[i].token, Keyword::INTO))?;
    // INSERT INTO name [AS alias] ( ... : the words up to the first `(` or VALUES/SELECT.
    let mut words = Vec::new();
    for &i in &before[into + 1..] {
        match &tokens[i].token {
            Token::Word(w) if w.keyword == Keyword::AS && w.quote_style.is_none() => {}
            Token::Word(w)
                if w.quote_style.is_none()
                    && matches!(
                        w.keyword,
                        Keyword::VALUES | Keyword::SELECT | Keyword::DEFAULT | Keyword::OVERRIDING
                    ) =>
            {
                break
            }
            Token::Word(_) | Token::Period => words.push(i),
            _ => break,
        }
    }
    last_word(&words)
}

/// Walks one SET list from `from`, collecting rewrites; returns where it ends.
fn scan_set_list(
    tokens: &[TokenWithSpan],
    from: usize,
    qualifier: Option<&TokenWithSpan>,
    items: &mut Vec<Item>,
) -> usize {
    let mut at = from;
    loop {
        let Some(name_at) = next_significant(tokens, at) else {
            return tokens.len();
        };
        let Token::Word(_) = &tokens[name_at].token else {
            return name_at;
        };
        let Some(open) = next_significant(tokens, name_at + 1) else {
            return tokens.len();
        };
        // Find the end of this item's value (a comma at depth 0 or the end
        // of the list), and for a subscripted target its parts.
        let subscript = if tokens[open].token == Token::LBracket {
            match subscript_parts(tokens, open) {
                Some(parts) => Some(parts),
                None => return tokens.len(),
            }
        } else {
            None
        };
        let eq = match &subscript {
            Some((_, close)) => next_significant(tokens, close + 1),
            None => Some(open),
        };
        let Some(eq) = eq.filter(|&e| tokens[e].token == Token::Eq) else {
            return open;
        };
        let (value_end, more) = value_end(tokens, eq + 1);
        if let Some((bounds, close)) = subscript {
            items.push(Item {
                start: name_at,
                end: value_end,
                replacement: replacement(
                    tokens,
                    name_at,
                    qualifier,
                    &bounds,
                    eq + 1..value_end,
                    close,
                ),
            });
        }
        if !more {
            return value_end;
        }
        at = value_end + 1;
    }
}

/// Bounds inside `[...]` (one for an element, two for a slice) as token
/// ranges, and the index of the closing bracket.
fn subscript_parts(
    tokens: &[TokenWithSpan],
    open: usize,
) -> Option<(Vec<std::ops::Range<usize>>, usize)> {
    split_enclosed(tokens, open, &Token::Colon)
}

/// End (exclusive) of a SET value starting at `from`, and whether a comma
/// follows (another item).
fn value_end(tokens: &[TokenWithSpan], from: usize) -> (usize, bool) {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(from) {
        match &t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => {
                if depth == 0 {
                    return (i, false);
                }
                depth -= 1;
            }
            Token::Comma if depth == 0 => return (i, true),
            Token::SemiColon if depth == 0 => return (i, false),
            tok if depth == 0
                && [Keyword::WHERE, Keyword::FROM, Keyword::RETURNING]
                    .iter()
                    .any(|k| is_keyword(tok, *k)) =>
            {
                return (i, false)
            }
            _ => {}
        }
    }
    (tokens.len(), false)
}

fn replacement(
    tokens: &[TokenWithSpan],
    name_at: usize,
    qualifier: Option<&TokenWithSpan>,
    bounds: &[std::ops::Range<usize>],
    value: std::ops::Range<usize>,
    close: usize,
) -> Vec<TokenWithSpan> {
    let span: Span = tokens[name_at].span;
    let tok = |t: Token| TokenWithSpan::new(t, span);
    let name = tokens[name_at].clone();
    let mut out = vec![
        name.clone(),
        tok(Token::Whitespace(Whitespace::Space)),
        tok(Token::Eq),
        tok(Token::Whitespace(Whitespace::Space)),
        tok(Token::Word(Word {
            value: ASSIGN_FN.to_string(),
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        })),
        tok(Token::LParen),
    ];
    if let Some(q) = qualifier {
        out.push(q.clone());
        out.push(tok(Token::Period));
    }
    out.push(name);
    for b in bounds {
        out.push(tok(Token::Comma));
        if tokens[b.clone()]
            .iter()
            .all(|t| matches!(t.token, Token::Whitespace(_)))
        {
            // An omitted slice bound.
            out.push(tok(Token::make_keyword("NULL")));
        } else {
            out.extend(tokens[b.clone()].iter().cloned());
        }
    }
    out.push(tok(Token::Comma));
    out.push(TokenWithSpan::new(Token::LParen, tokens[close].span));
    out.extend(tokens[value].iter().cloned());
    out.push(tok(Token::RParen));
    out.push(tok(Token::RParen));
    out.push(tok(Token::Whitespace(Whitespace::Space)));
    out
}

fn word(value: &str) -> Token {
    Token::Word(Word {
        value: value.to_string(),
        quote_style: Some('"'),
        keyword: Keyword::NoKeyword,
    })
}

/// One entry of an INSERT column list: the column's tokens and, for a
/// subscripted one, its bounds.
struct Target {
    name: TokenWithSpan,
    bounds: Option<Vec<Vec<TokenWithSpan>>>,
}

/// Splits `tokens[open+1..]` at commas of depth 1 up to the matching `)`;
/// returns the parts and the index of the `)`.
fn split_parenthesized(
    tokens: &[TokenWithSpan],
    open: usize,
) -> Option<(Vec<std::ops::Range<usize>>, usize)> {
    split_enclosed(tokens, open, &Token::Comma)
}

/// Splits the tokens after the bracket or parenthesis at `open` at
/// `separator`s not nested deeper, up to the matching close; returns the
/// parts as token ranges and the index of the close.
fn split_enclosed(
    tokens: &[TokenWithSpan],
    open: usize,
    separator: &Token,
) -> Option<(Vec<std::ops::Range<usize>>, usize)> {
    let mut depth = 0usize;
    let mut parts = Vec::new();
    let mut part_start = open + 1;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match &t.token {
            Token::LBracket | Token::LParen => depth += 1,
            Token::RBracket | Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    parts.push(part_start..i);
                    return Some((parts, i));
                }
            }
            t if depth == 1 && t == separator => {
                parts.push(part_start..i);
                part_start = i + 1;
            }
            _ => {}
        }
    }
    None
}

fn significant_in(tokens: &[TokenWithSpan], r: std::ops::Range<usize>) -> Vec<usize> {
    r.filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect()
}

/// The column list of `INSERT INTO name [AS alias] (...)` with subscripts
/// parsed; None when the statement is no such INSERT or no entry has one.
fn insert_targets(tokens: &[TokenWithSpan]) -> Option<(usize, usize, Vec<Target>)> {
    let first = next_significant(tokens, 0)?;
    if !is_keyword(&tokens[first].token, Keyword::INSERT) {
        return None;
    }
    let open = (first..tokens.len()).find(|&i| tokens[i].token == Token::LParen)?;
    let (parts, close) = split_parenthesized(tokens, open)?;
    let mut targets = Vec::new();
    for part in parts {
        let sig = significant_in(tokens, part);
        let (&name_at, rest) = sig.split_first()?;
        let Token::Word(_) = tokens[name_at].token else {
            return None;
        };
        let bounds = match rest {
            [] => None,
            [open_b, ..] if tokens[*open_b].token == Token::LBracket => {
                let (ranges, close_b) = subscript_parts(tokens, *open_b)?;
                if rest.last() != Some(&close_b) {
                    return None; // several subscripts or field selection
                }
                Some(
                    ranges
                        .into_iter()
                        .map(|r| tokens[r].to_vec())
                        .collect::<Vec<_>>(),
                )
            }
            _ => return None,
        };
        targets.push(Target {
            name: tokens[name_at].clone(),
            bounds,
        });
    }
    if !targets.iter().any(|t| t.bounds.is_some()) {
        return None;
    }
    Some((open, close, targets))
}

fn column_name(t: &TokenWithSpan) -> String {
    match &t.token {
        Token::Word(w) if w.quote_style.is_some() => w.value.clone(),
        Token::Word(w) => w.value.to_lowercase(),
        other => other.to_string(),
    }
}

/// Rewrites `INSERT INTO t (a[1], a[2], b) VALUES (x, y, z)` into
/// `INSERT INTO t (a, b) VALUES (f(f(NULL, 1, (x)), 2, (y)), z)`.
fn rewrite_insert(tokens: &mut Vec<TokenWithSpan>) {
    let Some((open, close, targets)) = insert_targets(tokens) else {
        return;
    };
    // Output columns in order of first appearance, with their entries.
    let mut columns: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let n = column_name(&t.name);
        match columns.iter_mut().find(|(c, _)| *c == n) {
            Some((_, entries)) => entries.push(i),
            None => columns.push((n, vec![i])),
        }
    }
    // A column both assigned whole and by element is left to the binder's error.
    if columns
        .iter()
        .any(|(_, e)| e.len() > 1 && e.iter().any(|&i| targets[i].bounds.is_none()))
    {
        return;
    }
    let span = tokens[open].span;
    let tok = |t: Token| TokenWithSpan::new(t, span);
    let value_of = |entries: &[usize], item: &dyn Fn(usize) -> Vec<TokenWithSpan>| {
        let mut acc = vec![tok(Token::make_keyword("NULL"))];
        for &i in entries {
            let Some(bounds) = &targets[i].bounds else {
                return item(i);
            };
            // The call carries the target's position (errors point at it).
            let at = targets[i].name.span;
            let mut call = vec![
                TokenWithSpan::new(word(ASSIGN_FN), at),
                TokenWithSpan::new(Token::LParen, at),
            ];
            call.extend(acc);
            for b in bounds {
                call.push(tok(Token::Comma));
                if b.iter().all(|t| matches!(t.token, Token::Whitespace(_))) {
                    call.push(tok(Token::make_keyword("NULL")));
                } else {
                    call.extend(b.iter().cloned());
                }
            }
            call.push(tok(Token::Comma));
            call.push(tok(Token::LParen));
            call.extend(item(i));
            call.push(tok(Token::RParen));
            call.push(tok(Token::RParen));
            acc = call;
        }
        acc
    };
    let mut column_list = vec![tok(Token::LParen)];
    for (k, (_, entries)) in columns.iter().enumerate() {
        if k > 0 {
            column_list.push(tok(Token::Comma));
        }
        column_list.push(targets[entries[0]].name.clone());
    }
    column_list.push(tok(Token::RParen));
    let Some(body) = next_significant(tokens, close + 1) else {
        return;
    };
    // Where the source ends: ON CONFLICT, RETURNING, `;` at depth 0.
    let mut depth = 0usize;
    let mut end = tokens.len();
    for (i, t) in tokens.iter().enumerate().skip(body) {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::SemiColon if depth == 0 => {
                end = i;
                break;
            }
            tk if depth == 0
                && (is_keyword(tk, Keyword::RETURNING) || is_keyword(tk, Keyword::ON)) =>
            {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let mut source = Vec::new();
    if is_keyword(&tokens[body].token, Keyword::VALUES) {
        source.push(tokens[body].clone());
        let mut at = body + 1;
        let mut first = true;
        while let Some(row_open) = next_significant(tokens, at).filter(|&i| i < end) {
            match &tokens[row_open].token {
                Token::Comma if !first => {
                    source.push(tok(Token::Comma));
                    at = row_open + 1;
                    continue;
                }
                Token::LParen => {}
                _ => return,
            }
            first = false;
            let Some((items, row_close)) = split_parenthesized(tokens, row_open) else {
                return;
            };
            if items.len() != targets.len() {
                return; // the binder reports the count mismatch
            }
            let item = |i: usize| tokens[items[i].clone()].to_vec();
            source.push(tok(Token::LParen));
            for (k, (_, entries)) in columns.iter().enumerate() {
                if k > 0 {
                    source.push(tok(Token::Comma));
                }
                source.extend(value_of(entries, &item));
            }
            source.push(tok(Token::RParen));
            at = row_close + 1;
        }
    } else {
        // A query: its columns renamed and combined in an outer SELECT.
        let column_ref = |i: usize| {
            vec![
                tok(word("\u{1}s")),
                tok(Token::Period),
                tok(word(&format!("\u{1}c{i}"))),
            ]
        };
        source.push(tok(Token::make_keyword("SELECT")));
        source.push(tok(Token::Whitespace(Whitespace::Space)));
        for (k, (_, entries)) in columns.iter().enumerate() {
            if k > 0 {
                source.push(tok(Token::Comma));
            }
            source.extend(value_of(entries, &column_ref));
        }
        source.push(tok(Token::Whitespace(Whitespace::Space)));
        source.push(tok(Token::make_keyword("FROM")));
        source.push(tok(Token::LParen));
        source.extend(tokens[body..end].iter().cloned());
        source.push(tok(Token::RParen));
        source.push(tok(Token::Whitespace(Whitespace::Space)));
        source.push(tok(Token::make_keyword("AS")));
        source.push(tok(Token::Whitespace(Whitespace::Space)));
        source.push(tok(word("\u{1}s")));
        source.push(tok(Token::LParen));
        for i in 0..targets.len() {
            if i > 0 {
                source.push(tok(Token::Comma));
            }
            source.push(tok(word(&format!("\u{1}c{i}"))));
        }
        source.push(tok(Token::RParen));
    }
    source.push(tok(Token::Whitespace(Whitespace::Space)));
    tokens.splice(body..end, source);
    tokens.splice(open..=close, column_list);
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    use super::*;

    fn rewritten(sql: &str) -> String {
        let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        rewrite(&mut tokens);
        tokens.iter().map(|t| t.token.to_string()).collect()
    }

    #[test]
    fn subscripted_targets_become_calls() {
        assert_eq!(
            rewritten("UPDATE t SET a[2] = x + 1, b = 3 WHERE id = 1"),
            "UPDATE t SET a = \"\u{1}array_assign\"(t.a,2,( x + 1)) , b = 3 WHERE id = 1"
        );
        assert_eq!(
            rewritten("update s.t AS z set a[1:2] = '{1,2}'"),
            "update s.t AS z set a = \"\u{1}array_assign\"(z.a,1,2,( '{1,2}')) "
        );
        assert_eq!(
            rewritten("UPDATE t SET a[:2] = f(x, y) RETURNING a[1]"),
            "UPDATE t SET a = \"\u{1}array_assign\"(t.a,NULL,2,( f(x, y) )) RETURNING a[1]"
        );
        assert_eq!(
            rewritten("INSERT INTO t AS w (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET a[1] = 2"),
            "INSERT INTO t AS w (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET a = \"\u{1}array_assign\"(w.a,1,( 2)) "
        );
        assert_eq!(
            rewritten("INSERT INTO t (f2[1], f2[2]) VALUES (1,2), (3, 4)"),
            "INSERT INTO t (f2) VALUES(\"\u{1}array_assign\"(\"\u{1}array_assign\"(NULL,1,(1)),2,(2))),(\"\u{1}array_assign\"(\"\u{1}array_assign\"(NULL,1,(3)),2,( 4))) "
        );
        assert_eq!(
            rewritten("insert into t (f2[1:2]) select 7"),
            "insert into t (f2) SELECT \"\u{1}array_assign\"(NULL,1,2,(\"\u{1}s\".\"\u{1}c0\")) FROM(select 7) AS \"\u{1}s\"(\"\u{1}c0\") "
        );
        assert_eq!(rewritten("SELECT a[1] FROM t"), "SELECT a[1] FROM t");
    }
}
