//! psql's layout of a table rule's INSERT action (pg_get_ruledef pretty):
//! actions are stored as written, and PostgreSQL prints them deparsed. For
//! the INSERT shapes rules usually have this rebuilds its layout: a single
//! VALUES row on a new line (`\n  VALUES (a, b)`), several rows inline with
//! typed string literals (`VALUES (1,'x'::text), (a,b)`), and a plain
//! `SELECT` list one item per line. Other actions are shown as written.

use sqlparser::ast;

/// Tokens of `text` up to the first top-level `(`: the statement head.
fn split_head(text: &str) -> Option<(&str, &str)> {
    let open = text.find('(')?;
    Some((&text[..open], &text[open..]))
}

/// `(...)` at the start of `s` (balanced) and the rest.
fn parenthesised(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, ch) in s.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some((&s[..=i], &s[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// An item as PostgreSQL shows it in a multi-row VALUES list: a string
/// literal with the type it resolves to (`text`: the rows are not bound
/// here, and a column of string literals and text values resolves to it).
fn values_item(e: &ast::Expr) -> String {
    if let ast::Expr::Value(v) = e {
        if let ast::Value::SingleQuotedString(s) = &v.value {
            return format!("'{}'::text", s.replace('\'', "''"));
        }
    }
    e.to_string()
}

/// The pretty form of INSERT action `text`, or None to show it as written.
pub fn insert_action(text: &str) -> Option<String> {
    let trimmed = text.trim();
    let (head, rest) = split_head(trimmed)?;
    let words: Vec<&str> = head.split_whitespace().collect();
    let [insert, into, target] = words.as_slice() else {
        return None;
    };
    if !insert.eq_ignore_ascii_case("insert") || !into.eq_ignore_ascii_case("into") {
        return None;
    }
    let (columns, source) = parenthesised(rest)?;
    let columns = columns.split_whitespace().collect::<Vec<_>>().join(" ");
    let head = format!("INSERT INTO {target} {columns}");
    let source = source.trim();
    let query = match crate::session::parse(source).ok()?.pop()? {
        ast::Statement::Query(q) => q,
        _ => return None,
    };
    if query.with.is_some() || query.order_by.is_some() || query.limit_clause.is_some() {
        return None;
    }
    match query.body.as_ref() {
        ast::SetExpr::Values(v) if v.rows.len() == 1 => {
            let items: Vec<String> = v.rows[0].content.iter().map(|e| e.to_string()).collect();
            Some(format!("{head}\n  VALUES ({})", items.join(", ")))
        }
        ast::SetExpr::Values(v) => {
            let rows: Vec<String> = v
                .rows
                .iter()
                .map(|r| {
                    let items: Vec<String> = r.content.iter().map(values_item).collect();
                    format!("({})", items.join(","))
                })
                .collect();
            Some(format!("{head} VALUES {}", rows.join(", ")))
        }
        ast::SetExpr::Select(s)
            if s.from.is_empty()
                && s.selection.is_none()
                && s.distinct.is_none()
                && s.having.is_none() =>
        {
            let items: Vec<String> = s.projection.iter().map(|p| p.to_string()).collect();
            Some(format!("{head}  SELECT {}", items.join(",\n            ")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_insert_shapes_print_as_postgres_prints_them() {
        assert_eq!(
            insert_action(
                "insert into inserttest (f3.if2[1], f3.if2[2])\n  values (new.f1,new.f2)"
            )
            .as_deref(),
            Some("INSERT INTO inserttest (f3.if2[1], f3.if2[2])\n  VALUES (new.f1, new.f2)")
        );
        assert_eq!(
            insert_action(
                "insert into inserttest (f4[1].if1, f4[1].if2[2])\n  values (1,'fool'),(new.f1,new.f2)"
            )
            .as_deref(),
            Some("INSERT INTO inserttest (f4[1].if1, f4[1].if2[2]) VALUES (1,'fool'::text), (new.f1,new.f2)")
        );
        assert_eq!(
            insert_action(
                "insert into inserttest (f4[1].if1, f4[1].if2[2])\n  select new.f1, new.f2"
            )
            .as_deref(),
            Some("INSERT INTO inserttest (f4[1].if1, f4[1].if2[2])  SELECT new.f1,\n            new.f2")
        );
        assert_eq!(insert_action("delete from t where a = old.a"), None);
        assert_eq!(insert_action("insert into t values (1)"), None);
    }
}
