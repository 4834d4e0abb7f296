//! View syntax sqlparser does not read, rewritten at the token level before
//! parsing: `CREATE VIEW ... AS query WITH [LOCAL | CASCADED] CHECK OPTION`
//! becomes the equivalent `WITH (check_option = '...')` view option (which
//! PostgreSQL also accepts), and `ALTER VIEW` becomes `ALTER TABLE` (whose
//! forms PostgreSQL accepts on views too; `crate::view::alter_view` runs
//! them when the target is a view).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Whitespace};

fn is_word(t: &TokenWithSpan, word: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

fn significant(tokens: &[TokenWithSpan]) -> Vec<usize> {
    (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect()
}

pub fn rewrite(tokens: &mut Vec<TokenWithSpan>) {
    rewrite_alter_view(tokens);
    let mut from = 0;
    while let Some(next) = rewrite_one_check_option(tokens, from) {
        from = next;
    }
}

/// `ALTER VIEW` -> `ALTER TABLE` at each statement start.
fn rewrite_alter_view(tokens: &mut [TokenWithSpan]) {
    let sig = significant(tokens);
    let mut statement_start = true;
    for k in 0..sig.len() {
        let i = sig[k];
        if statement_start && is_word(&tokens[i], "alter") {
            if let Some(&j) = sig.get(k + 1) {
                if is_word(&tokens[j], "view") {
                    tokens[j] = TokenWithSpan::new(Token::make_keyword("TABLE"), tokens[j].span);
                }
            }
        }
        statement_start = matches!(tokens[i].token, Token::SemiColon);
    }
}

/// Rewrites the first `WITH [LOCAL|CASCADED] CHECK OPTION` at or after
/// significant token `from`; the index to scan on from, None when there is none.
fn rewrite_one_check_option(tokens: &mut Vec<TokenWithSpan>, from: usize) -> Option<usize> {
    let sig = significant(tokens);
    let k = (from..sig.len()).find(|&k| {
        is_word(&tokens[sig[k]], "with")
            && sig
                .get(k + 1)
                .is_some_and(|&j| is_word(&tokens[j], "check"))
            && sig
                .get(k + 2)
                .is_some_and(|&j| is_word(&tokens[j], "option"))
            || is_word(&tokens[sig[k]], "with")
                && sig.get(k + 1).is_some_and(|&j| {
                    is_word(&tokens[j], "local") || is_word(&tokens[j], "cascaded")
                })
                && sig
                    .get(k + 2)
                    .is_some_and(|&j| is_word(&tokens[j], "check"))
                && sig
                    .get(k + 3)
                    .is_some_and(|&j| is_word(&tokens[j], "option"))
    })?;
    let local = is_word(&tokens[sig[k + 1]], "local");
    let last = if is_word(&tokens[sig[k + 1]], "check") {
        k + 2
    } else {
        k + 3
    };
    // The statement's start: after the previous semicolon.
    let start = (0..k)
        .rev()
        .find(|&j| matches!(tokens[sig[j]].token, Token::SemiColon))
        .map_or(0, |j| j + 1);
    let is_view = (start..k).any(|j| is_word(&tokens[sig[j]], "view"))
        && is_word(&tokens[sig[start]], "create");
    // The AS before the view query: the first one at depth 0 after VIEW.
    let mut as_at = None;
    if is_view {
        let mut depth = 0i32;
        let mut seen_view = false;
        for j in start..k {
            let t = &tokens[sig[j]];
            match &t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Word(w) if depth == 0 && w.keyword == Keyword::VIEW => seen_view = true,
                Token::Word(w) if depth == 0 && seen_view && w.keyword == Keyword::AS => {
                    as_at = Some(j);
                    break;
                }
                _ => {}
            }
        }
    }
    let Some(as_at) = as_at else {
        // Not a CREATE VIEW: left for the parser to reject.
        return Some(k + 1);
    };
    let span = tokens[sig[k]].span;
    let value = if local { "local" } else { "cascaded" };
    tokens.drain(sig[k]..=sig[last]);
    let option = vec![
        Token::make_word("check_option", None),
        Token::Eq,
        Token::SingleQuotedString(value.into()),
    ];
    // An existing WITH (...) list right before AS takes the option as one more entry.
    let before_as = sig[as_at - 1];
    let mut insert: Vec<Token> = Vec::new();
    let at;
    if matches!(tokens[before_as].token, Token::RParen) && opens_with_list(tokens, &sig, as_at - 1)
    {
        at = before_as;
        insert.push(Token::Comma);
        insert.extend(option);
    } else {
        at = sig[as_at];
        insert.push(Token::make_keyword("WITH"));
        insert.push(Token::LParen);
        insert.extend(option);
        insert.push(Token::RParen);
        insert.push(Token::Whitespace(Whitespace::Space));
    }
    let spaced: Vec<TokenWithSpan> = insert
        .into_iter()
        .flat_map(|t| {
            [
                TokenWithSpan::new(t, span),
                TokenWithSpan::new(Token::Whitespace(Whitespace::Space), Span::empty()),
            ]
        })
        .collect();
    tokens.splice(at..at, spaced);
    Some(start)
}

/// Whether the parenthesis closing at significant index `close` opens right
/// after a WITH keyword (a view's option list, not its column list).
fn opens_with_list(tokens: &[TokenWithSpan], sig: &[usize], close: usize) -> bool {
    let mut depth = 0;
    for j in (0..=close).rev() {
        match tokens[sig[j]].token {
            Token::RParen => depth += 1,
            Token::LParen => {
                depth -= 1;
                if depth == 0 {
                    return j > 0 && is_word(&tokens[sig[j - 1]], "with");
                }
            }
            _ => {}
        }
    }
    false
}
