//! Array element and slice assignment, and composite field assignment:
//! UPDATE (and ON CONFLICT DO UPDATE) SET lists (`SET a[i] = v`,
//! `SET a[lo:hi] = v`, `SET c.f = v`, `SET c.f[i] = v`) and INSERT column
//! lists (`INSERT INTO t (a[1], a[2]) VALUES (x, y)` or `... SELECT x, y`,
//! `INSERT INTO t (c.f1, c.f2[1]) ...`). sqlparser reads no subscript or
//! field on an assignment target, so the token stream is rewritten before
//! parsing: `SET a = "\u{1}array_assign"(t.a, i, (v))` (`lo, hi` for a
//! slice), `SET c = "\u{1}field_assign"(t.c, 'f', (v))`, nested for a
//! longer path (`c.f[i]` assigns element i of `(t.c).f`), and for INSERT
//! one column `a` whose value nests the calls over NULL, as PostgreSQL
//! builds it (`VALUES` rows rewritten in place; a query is wrapped as
//! `SELECT ... FROM (query) AS s(c1, ...)`). A path with a field starts from
//! `"\u{1}insert_column"('c')`, a NULL of the column's type, since a field
//! needs its row type. The binder binds the internal functions
//! (`binder/array_ops.rs`: `ArrayFn::AssignElement` / `AssignSlice`;
//! `binder/row_expr.rs`: `RowFn::SetField`). Two assignments to parts of
//! one column in one SET list are refused as "multiple assignments to same
//! column" (PostgreSQL combines them).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Whitespace, Word};

/// The internal function the rewrite calls (unquotable by users: it starts
/// with a control character).
pub const ASSIGN_FN: &str = "\u{1}array_assign";
/// `(row, 'field', value)`: the row with that field replaced.
pub const FIELD_FN: &str = "\u{1}field_assign";
/// `('column')`: a NULL of the INSERT target column's type.
pub const INSERT_COLUMN_FN: &str = "\u{1}insert_column";

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
    if !tokens
        .iter()
        .any(|t| matches!(t.token, Token::LBracket | Token::Period))
    {
        return;
    }
    rewrite_insert(tokens);
    if !tokens.iter().any(|t| is_keyword(&t.token, Keyword::SET)) {
        return;
    }
    let mut items = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_keyword(&tokens[i].token, Keyword::SET) && in_update(tokens, i) {
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

/// Whether the SET at `set_at` is an UPDATE's (or ON CONFLICT DO
/// UPDATE's) SET list, not a `SET name = value` statement or ALTER ... SET:
/// an UPDATE comes before it in the same statement.
fn in_update(tokens: &[TokenWithSpan], set_at: usize) -> bool {
    tokens[..set_at]
        .iter()
        .rev()
        .take_while(|t| t.token != Token::SemiColon)
        .any(|t| is_keyword(&t.token, Keyword::UPDATE))
}

/// One step of an assignment target's path after the column name.
#[derive(Clone)]
enum Step {
    /// `[i]` or `[lo:hi]`: the bounds' tokens (one or two).
    Subscript(Vec<Vec<TokenWithSpan>>),
    /// `.field`: the field's word.
    Field(TokenWithSpan),
}

/// The subscripts and fields after a target's name at `from`, and the
/// index of the first significant token after them. None when a bracket
/// does not close or a `.` is not followed by a name.
fn target_path(tokens: &[TokenWithSpan], from: usize) -> Option<(Vec<Step>, Option<usize>)> {
    let mut steps = Vec::new();
    let mut at = from;
    loop {
        let Some(i) = next_significant(tokens, at) else {
            return Some((steps, None));
        };
        match &tokens[i].token {
            Token::LBracket => {
                let (ranges, close) = subscript_parts(tokens, i)?;
                steps.push(Step::Subscript(
                    ranges.into_iter().map(|r| tokens[r].to_vec()).collect(),
                ));
                at = close + 1;
            }
            Token::Period => {
                let w = next_significant(tokens, i + 1)?;
                let Token::Word(_) = tokens[w].token else {
                    return None;
                };
                steps.push(Step::Field(tokens[w].clone()));
                at = w + 1;
            }
            _ => return Some((steps, Some(i))),
        }
    }
}

/// The value assigning `value` at `path` inside `acc` (a row or array
/// expression's tokens): calls of the internal functions, each reading the
/// part it builds on from `acc` (`(acc)[i]`, `(acc).f`). None for a slice
/// followed by more steps, which PostgreSQL does not allow either.
fn nest(
    acc: Vec<TokenWithSpan>,
    path: &[Step],
    value: Vec<TokenWithSpan>,
    span: Span,
) -> Option<Vec<TokenWithSpan>> {
    let tok = |t: Token| TokenWithSpan::new(t, span);
    let Some((step, rest)) = path.split_first() else {
        return Some(value);
    };
    let part = |selector: Vec<TokenWithSpan>| {
        let mut p = vec![tok(Token::LParen)];
        p.extend(acc.iter().cloned());
        p.push(tok(Token::RParen));
        p.extend(selector);
        p
    };
    let (func, args, inner) = match step {
        Step::Subscript(bounds) => {
            let mut args = Vec::new();
            for b in bounds {
                args.push(tok(Token::Comma));
                if b.iter().all(|t| matches!(t.token, Token::Whitespace(_))) {
                    // An omitted slice bound.
                    args.push(tok(Token::make_keyword("NULL")));
                } else {
                    args.extend(b.iter().cloned());
                }
            }
            let inner = match (rest.is_empty(), bounds.as_slice()) {
                (true, _) => value,
                (false, [index]) => {
                    let mut sel = vec![tok(Token::LBracket)];
                    sel.extend(index.iter().cloned());
                    sel.push(tok(Token::RBracket));
                    nest(part(sel), rest, value, span)?
                }
                (false, _) => return None,
            };
            (ASSIGN_FN, args, inner)
        }
        Step::Field(field) => {
            let args = vec![
                tok(Token::Comma),
                tok(Token::SingleQuotedString(column_name(field))),
            ];
            let inner = if rest.is_empty() {
                value
            } else {
                nest(
                    part(vec![tok(Token::Period), field.clone()]),
                    rest,
                    value,
                    span,
                )?
            };
            (FIELD_FN, args, inner)
        }
    };
    let mut out = vec![tok(word(func)), tok(Token::LParen)];
    out.extend(acc);
    out.extend(args);
    out.push(tok(Token::Comma));
    out.push(tok(Token::LParen));
    out.extend(inner);
    out.push(tok(Token::RParen));
    out.push(tok(Token::RParen));
    Some(out)
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
        // Find the end of this item's value (a comma at depth 0 or the end
        // of the list), and the target's path.
        let Some((path, eq)) = target_path(tokens, name_at + 1) else {
            return tokens.len();
        };
        let Some(eq) = eq.filter(|&e| tokens[e].token == Token::Eq) else {
            return eq.unwrap_or(tokens.len());
        };
        let (value_end, more) = value_end(tokens, eq + 1);
        // `SET t.col = v` names the target table, not a field (as before).
        let qualified = matches!(path.first(), Some(Step::Field(_)))
            && qualifier.is_some_and(|q| column_name(q) == column_name(&tokens[name_at]));
        if !path.is_empty() && !qualified {
            let name = tokens[name_at].clone();
            let span = name.span;
            let tok = |t: Token| TokenWithSpan::new(t, span);
            let mut acc = Vec::new();
            if let Some(q) = qualifier {
                acc.push(q.clone());
                acc.push(tok(Token::Period));
            }
            acc.push(name.clone());
            if let Some(value) = nest(acc, &path, tokens[eq + 1..value_end].to_vec(), span) {
                let mut replacement = vec![
                    name,
                    tok(Token::Whitespace(Whitespace::Space)),
                    tok(Token::Eq),
                    tok(Token::Whitespace(Whitespace::Space)),
                ];
                replacement.extend(value);
                replacement.push(tok(Token::Whitespace(Whitespace::Space)));
                items.push(Item {
                    start: name_at,
                    end: value_end,
                    replacement,
                });
            }
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

fn word(value: &str) -> Token {
    Token::Word(Word {
        value: value.to_string(),
        quote_style: Some('"'),
        keyword: Keyword::NoKeyword,
    })
}

/// One entry of an INSERT column list: the column's name and the path
/// (subscripts, fields) assigned inside it; empty for the whole column.
struct Target {
    name: TokenWithSpan,
    path: Vec<Step>,
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
    // The first parenthesis must be the column list, not a VALUES row or a query.
    if tokens[first..open].iter().any(|t| {
        [Keyword::VALUES, Keyword::SELECT, Keyword::DEFAULT]
            .iter()
            .any(|k| is_keyword(&t.token, *k))
    }) {
        return None;
    }
    let (parts, close) = split_parenthesized(tokens, open)?;
    let mut targets = Vec::new();
    for part in parts {
        let end = part.end;
        let sig = significant_in(tokens, part);
        let (&name_at, _) = sig.split_first()?;
        let Token::Word(_) = tokens[name_at].token else {
            return None;
        };
        let (path, after) = target_path(&tokens[..end], name_at + 1)?;
        if after.is_some() {
            return None;
        }
        targets.push(Target {
            name: tokens[name_at].clone(),
            path,
        });
    }
    if targets.iter().all(|t| t.path.is_empty()) {
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
        .any(|(_, e)| e.len() > 1 && e.iter().any(|&i| targets[i].path.is_empty()))
    {
        return;
    }
    let span = tokens[open].span;
    let tok = |t: Token| TokenWithSpan::new(t, span);
    // A column with a field in some path starts from a NULL of its type.
    let start = |entries: &[usize]| {
        let has_field = entries
            .iter()
            .any(|&i| targets[i].path.iter().any(|s| matches!(s, Step::Field(_))));
        if !has_field {
            return vec![tok(Token::make_keyword("NULL"))];
        }
        vec![
            tok(word(INSERT_COLUMN_FN)),
            tok(Token::LParen),
            tok(Token::SingleQuotedString(column_name(
                &targets[entries[0]].name,
            ))),
            tok(Token::RParen),
        ]
    };
    let value_of = |entries: &[usize],
                    item: &dyn Fn(usize) -> Vec<TokenWithSpan>|
     -> Option<Vec<TokenWithSpan>> {
        let mut acc = start(entries);
        for &i in entries {
            if targets[i].path.is_empty() {
                return Some(item(i));
            }
            // The calls carry the target's position (errors point at it).
            acc = nest(acc, &targets[i].path, item(i), targets[i].name.span)?;
        }
        Some(acc)
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
                let Some(value) = value_of(entries, &item) else {
                    return;
                };
                source.extend(value);
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
            let Some(value) = value_of(entries, &column_ref) else {
                return;
            };
            source.extend(value);
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
    use super::*;

    fn rewritten(sql: &str) -> String {
        crate::token_rewrite_tests::rewritten_by(sql, rewrite)
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

    #[test]
    fn field_targets_become_nested_calls() {
        assert_eq!(
            rewritten("UPDATE t SET c.f = 1, d = 2"),
            "UPDATE t SET c = \"\u{1}field_assign\"(t.c,'f',( 1)) , d = 2"
        );
        assert_eq!(
            rewritten("UPDATE t SET c.f[2] = 'x'"),
            "UPDATE t SET c = \"\u{1}field_assign\"(t.c,'f',(\"\u{1}array_assign\"((t.c).f,2,( 'x')))) "
        );
        // The table's own name before a column is a qualifier, not a field.
        assert_eq!(rewritten("UPDATE t SET t.c = 1"), "UPDATE t SET t.c = 1");
        assert_eq!(
            rewritten("INSERT INTO t (c.f, c.g) VALUES (1, 2)"),
            "INSERT INTO t (c) VALUES(\"\u{1}field_assign\"(\"\u{1}field_assign\"(\"\u{1}insert_column\"('c'),'f',(1)),'g',( 2))) "
        );
        assert_eq!(
            rewritten("INSERT INTO t (a[1].f) VALUES (1)"),
            "INSERT INTO t (a) VALUES(\"\u{1}array_assign\"(\"\u{1}insert_column\"('a'),1,(\"\u{1}field_assign\"((\"\u{1}insert_column\"('a'))[1],'f',(1))))) "
        );
        // A SET statement's dotted name is a setting, not a field.
        assert_eq!(
            rewritten("SET myapp.user_id = '42'"),
            "SET myapp.user_id = '42'"
        );
        assert_eq!(
            rewritten("UPDATE t SET c.f = 1; SET myapp.x = 2"),
            "UPDATE t SET c = \"\u{1}field_assign\"(t.c,'f',( 1)) ; SET myapp.x = 2"
        );
        // Only the column list is rewritten, never a VALUES row.
        assert_eq!(
            rewritten("INSERT INTO t VALUES (a.b)"),
            "INSERT INTO t VALUES (a.b)"
        );
        // A slice followed by more of a path is left for the parser to refuse.
        assert_eq!(
            rewritten("INSERT INTO t (a[1:2].f) VALUES (1)"),
            "INSERT INTO t (a[1:2].f) VALUES (1)"
        );
    }
}
