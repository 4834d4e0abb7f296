//! ANALYZE (and VACUUM ... ANALYZE): which tables a statement names, and
//! reading one table's rows into its statistics (`stats`). The session
//! stores the result in the catalog as DDL (`ddl::analyze`), so statistics
//! are versioned, transactional and persisted like the rest of a table's
//! definition.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::catalog::TableDef;
use crate::error::{SqlError, SqlResult};
use crate::executor::Ctx;
use crate::plan::Access;
use crate::stats::{Sampler, TableStats};

/// The tables an ANALYZE, VACUUM ANALYZE or VACUUM (ANALYZE) statement
/// names (empty: every table); None if `sql` gathers no statistics.
pub fn targets(sql: &str) -> SqlResult<Option<Vec<String>>> {
    let syntax = |at: &str| SqlError::new("42601", format!("syntax error at or near \"{at}\""));
    let toks: Vec<Token> = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(true)
        .tokenize()
        .map_err(|e| SqlError::new("42601", e.to_string()))?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon))
        .collect();
    let keyword = |t: Option<&Token>| match t {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_lowercase()),
        _ => None,
    };
    let is_analyze = |w: &str| w == "analyze" || w == "analyse";
    let Some(first) = keyword(toks.first()) else {
        return Ok(None);
    };
    let mut analyze = is_analyze(&first);
    if !analyze && first != "vacuum" {
        return Ok(None);
    }
    let mut i = 1;
    if toks.get(i) == Some(&Token::LParen) {
        while let Some(t) = toks.get(i) {
            i += 1;
            if keyword(Some(t)).is_some_and(|w| is_analyze(&w)) {
                analyze = true;
            }
            if *t == Token::RParen {
                break;
            }
        }
    }
    while let Some(w) = keyword(toks.get(i)) {
        match w.as_str() {
            "full" | "freeze" | "verbose" | "skip_locked" => {}
            w if is_analyze(w) => analyze = true,
            _ => break,
        }
        i += 1;
    }
    if !analyze {
        return Ok(None);
    }
    let mut tables = Vec::new();
    while i < toks.len() {
        let mut parts = Vec::new();
        loop {
            match toks.get(i) {
                Some(Token::Word(w)) => parts.push(match w.quote_style {
                    Some(_) => w.value.clone(),
                    None => w.value.to_ascii_lowercase(),
                }),
                Some(t) => return Err(syntax(&t.to_string())),
                None => return Err(syntax("end of input")),
            }
            i += 1;
            if toks.get(i) != Some(&Token::Period) {
                break;
            }
            i += 1;
        }
        tables.push(match parts.as_slice() {
            [name] => name.clone(),
            [schema, name] if schema == "public" => name.clone(),
            _ => return Err(SqlError::undefined_table(&parts.join("."))),
        });
        // A column list: statistics are gathered for every column anyway.
        if toks.get(i) == Some(&Token::LParen) {
            while let Some(t) = toks.get(i) {
                i += 1;
                if *t == Token::RParen {
                    break;
                }
            }
        }
        match toks.get(i) {
            None => break,
            Some(Token::Comma) => i += 1,
            Some(t) => return Err(syntax(&t.to_string())),
        }
    }
    Ok(Some(tables))
}

/// Reads every row of `table` (as `ctx`'s transaction sees it) and returns
/// its statistics; memory beyond the scan is bounded by the sample size.
pub async fn gather(ctx: &mut Ctx<'_>, table: &TableDef) -> SqlResult<TableStats> {
    let rows = ctx.scan_table(table, &Access::Full, None, &[]).await?;
    let mut sampler = Sampler::default();
    for (_, row) in rows {
        sampler.offer(row);
    }
    Ok(sampler.finish(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_name_their_tables() {
        let t = |s: &str| targets(s).unwrap();
        assert_eq!(t("ANALYZE"), Some(vec![]));
        assert_eq!(t("analyse verbose;"), Some(vec![]));
        assert_eq!(t("ANALYZE t"), Some(vec!["t".to_string()]));
        assert_eq!(
            t("ANALYZE public.T (a, b), \"Mixed\""),
            Some(vec!["t".to_string(), "Mixed".to_string()])
        );
        assert_eq!(t("VACUUM ANALYZE u"), Some(vec!["u".to_string()]));
        assert_eq!(
            t("VACUUM (VERBOSE, ANALYZE) u"),
            Some(vec!["u".to_string()])
        );
        assert_eq!(t("VACUUM FULL u"), None);
        assert_eq!(t("VACUUM"), None);
        assert_eq!(targets("ANALYZE other.t").unwrap_err().sqlstate, "42P01");
        assert_eq!(targets("ANALYZE t u").unwrap_err().sqlstate, "42601");
    }
}
