//! REINDEX [ (option, ...) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM }
//! [ CONCURRENTLY ] name: the named indexes are rebuilt from their tables'
//! rows in the statement's transaction (their entries are removed and
//! written again, so a unique index whose rows hold duplicates fails as
//! CREATE UNIQUE INDEX would). A table's primary key is its row index:
//! its entries are the rows, so there is nothing separate to rebuild.
//! System catalogs are computed from the catalog, so REINDEX SYSTEM has
//! nothing to rebuild. sqlparser has no production for REINDEX: the
//! statement is read from its tokens.

use std::sync::Arc;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::catalog::{Catalog, IndexDef, TableDef};
use crate::ddl::{Backfill, DdlChange};
use crate::error::{SqlError, SqlResult};
use crate::statement_tokens::{ident, keyword, syntax_error};

/// What REINDEX names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Index,
    Table,
    Schema,
    Database,
    System,
}

impl Target {
    fn word(self) -> &'static str {
        match self {
            Target::Index => "INDEX",
            Target::Table => "TABLE",
            Target::Schema => "SCHEMA",
            Target::Database => "DATABASE",
            Target::System => "SYSTEM",
        }
    }
}

/// One REINDEX statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reindex {
    pub target: Target,
    /// The name as written: one or two parts, folded unless quoted.
    pub name: Vec<String>,
    pub concurrently: bool,
    /// VERBOSE: an INFO line per index rebuilt.
    pub verbose: bool,
}

impl Reindex {
    /// SCHEMA, DATABASE, SYSTEM and CONCURRENTLY commit per table in
    /// PostgreSQL, so they refuse a transaction block.
    pub fn refuses_transaction_block(&self) -> Option<String> {
        if self.concurrently {
            return Some("REINDEX CONCURRENTLY cannot run inside a transaction block".into());
        }
        match self.target {
            Target::Schema | Target::Database | Target::System => Some(format!(
                "REINDEX {} cannot run inside a transaction block",
                self.target.word()
            )),
            Target::Index | Target::Table => None,
        }
    }
}

/// `Some` if `sql` is one REINDEX statement (with its syntax error, if any).
pub fn recognize(sql: &str) -> Option<SqlResult<Reindex>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let mut tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    match tokens.first() {
        Some(Token::Word(w))
            if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("reindex") => {}
        _ => return None,
    }
    while tokens.last() == Some(&Token::SemiColon) {
        tokens.pop();
    }
    if tokens.contains(&Token::SemiColon) {
        return None;
    }
    Some(parse(&tokens[1..]))
}

fn parse(tokens: &[Token]) -> SqlResult<Reindex> {
    let mut at = 0;
    let mut verbose = false;
    let mut concurrently = false;
    if tokens.first() == Some(&Token::LParen) {
        at = 1;
        loop {
            let Some(Token::Word(option)) = tokens.get(at) else {
                return Err(syntax_error(tokens.get(at)));
            };
            let name = ident(option);
            at += 1;
            // An optional boolean (or, for TABLESPACE, a name) follows.
            let value = match tokens.get(at) {
                Some(Token::Word(w)) => {
                    at += 1;
                    Some(ident(w))
                }
                Some(Token::Number(n, _)) => {
                    at += 1;
                    Some(n.clone())
                }
                Some(Token::SingleQuotedString(s)) => {
                    at += 1;
                    Some(s.clone())
                }
                _ => None,
            };
            let on = match value.as_deref() {
                None | Some("true" | "on" | "1") => true,
                Some("false" | "off" | "0") => false,
                Some(other) if name != "tablespace" => {
                    return Err(
                        SqlError::new("22023", format!("{name} requires a Boolean value"))
                            .with_detail(format!("Got \"{other}\".")),
                    )
                }
                Some(_) => true,
            };
            match name.as_str() {
                "verbose" => verbose = on,
                "concurrently" => concurrently = on,
                // Every relation lives in the one tablespace.
                "tablespace" if value.as_deref() == Some("pg_default") => {}
                "tablespace" => {
                    return Err(SqlError::new(
                        "42704",
                        format!(
                            "tablespace \"{}\" does not exist",
                            value.unwrap_or_default()
                        ),
                    ))
                }
                _ => {
                    return Err(SqlError::new(
                        "42601",
                        format!("unrecognized REINDEX option \"{name}\""),
                    ))
                }
            }
            match tokens.get(at) {
                Some(Token::Comma) => at += 1,
                Some(Token::RParen) => {
                    at += 1;
                    break;
                }
                t => return Err(syntax_error(t)),
            }
        }
    }
    let target = match keyword(tokens.get(at)) {
        Keyword::INDEX => Target::Index,
        Keyword::TABLE => Target::Table,
        Keyword::SCHEMA => Target::Schema,
        Keyword::DATABASE => Target::Database,
        Keyword::SYSTEM => Target::System,
        _ => return Err(syntax_error(tokens.get(at))),
    };
    at += 1;
    if keyword(tokens.get(at)) == Keyword::CONCURRENTLY {
        if target == Target::System {
            return Err(SqlError::new(
                "0A000",
                "cannot reindex system catalogs concurrently",
            ));
        }
        concurrently = true;
        at += 1;
    }
    let mut name = Vec::new();
    loop {
        match tokens.get(at) {
            Some(Token::Word(w)) => name.push(ident(w)),
            t => return Err(syntax_error(t)),
        }
        at += 1;
        if tokens.get(at) != Some(&Token::Period) {
            break;
        }
        at += 1;
    }
    if at < tokens.len() {
        return Err(syntax_error(tokens.get(at)));
    }
    let qualified_allowed = matches!(target, Target::Index | Target::Table);
    if name.len() > 2 || (name.len() > 1 && !qualified_allowed) {
        return Err(syntax_error(Some(&Token::Period)));
    }
    Ok(Reindex {
        target,
        name,
        concurrently,
        verbose,
    })
}

/// The catalog key `name` refers to, if some relation or index has it.
fn resolve(catalog: &Catalog, name: &[String]) -> String {
    match name {
        [n] => {
            let candidates = catalog
                .search_path
                .lookup_order(catalog)
                .into_iter()
                .map(|s| crate::schema::qualified(&s, n));
            let mut candidates = std::iter::once(n.clone()).chain(candidates);
            candidates
                .find(|k| catalog.relation_exists(k) || owner_of_index(catalog, k).is_some())
                .unwrap_or_else(|| n.clone())
        }
        [schema, n] => crate::schema::qualified(schema, n),
        _ => name.join("."),
    }
}

fn owner_of_index(catalog: &Catalog, name: &str) -> Option<Arc<TableDef>> {
    catalog
        .tables
        .values()
        .find(|t| t.index_names().any(|i| i == name))
        .cloned()
}

/// The indexes of `table` with entries of their own (not the primary key,
/// whose entries are the rows), with whether each is unique.
fn own_indexes(table: &TableDef) -> impl Iterator<Item = (&IndexDef, bool)> {
    table
        .unique
        .iter()
        .map(|i| (i, true))
        .chain(table.indexes.iter().map(|i| (i, false)))
}

/// Index keys described by their column names (to find a partitioned
/// index's counterpart on each partition).
fn column_names(table: &TableDef, index: &IndexDef) -> Vec<String> {
    // Expression keys and the predicate are compared by their text.
    let mut names: Vec<String> = (0..index.columns.len())
        .map(|p| crate::index_shape::key_text(table, index, p, true))
        .collect();
    names.extend(index.predicate.iter().map(|p| format!("WHERE {p}")));
    names
}

/// The rebuilds REINDEX `stmt` makes (None: nothing to rebuild) and the
/// names of the indexes it rebuilds, in order. `database` is the name of
/// the database the session is connected to.
pub fn reindex(
    catalog: &Catalog,
    stmt: &Reindex,
    database: &str,
) -> SqlResult<(Option<DdlChange>, Vec<String>)> {
    let mut rebuilds: Vec<(Arc<TableDef>, IndexDef, bool)> = Vec::new();
    let add_table = |t: &Arc<TableDef>, rebuilds: &mut Vec<(Arc<TableDef>, IndexDef, bool)>| {
        for (ix, unique) in own_indexes(t) {
            rebuilds.push((t.clone(), ix.clone(), unique));
        }
    };
    match stmt.target {
        Target::Index => {
            let key = resolve(catalog, &stmt.name);
            let Some(owner) = owner_of_index(catalog, &key) else {
                if catalog.relation_exists(&key) {
                    return Err(SqlError::new(
                        "42809",
                        format!("\"{}\" is not an index", crate::schema::shown_name(&key)),
                    ));
                }
                return Err(SqlError::undefined_table(&key));
            };
            let found = own_indexes(&owner).find(|(ix, _)| ix.name == key);
            if let Some((ix, unique)) = found {
                if owner.partitioning.key.is_none() {
                    rebuilds.push((owner.clone(), ix.clone(), unique));
                } else {
                    // A partitioned table stores nothing: its partitions'
                    // indexes on the same columns are rebuilt.
                    let columns = column_names(&owner, ix);
                    for part in crate::partition::descendants(catalog, &owner) {
                        for (pix, punique) in own_indexes(&part) {
                            if punique == unique && column_names(&part, pix) == columns {
                                rebuilds.push((part.clone(), pix.clone(), punique));
                            }
                        }
                    }
                }
            }
        }
        Target::Table => {
            let key = resolve(catalog, &stmt.name);
            let Some(table) = catalog.tables.get(&key) else {
                if catalog.relation_exists(&key) || owner_of_index(catalog, &key).is_some() {
                    return Err(SqlError::new(
                        "42809",
                        format!(
                            "\"{}\" is not a table or materialized view",
                            crate::schema::shown_name(&key)
                        ),
                    ));
                }
                return Err(SqlError::undefined_table(&key));
            };
            add_table(table, &mut rebuilds);
            for part in crate::partition::descendants(catalog, table) {
                add_table(&part, &mut rebuilds);
            }
        }
        Target::Schema => {
            let schema = stmt.name.first().cloned().unwrap_or_default();
            if !catalog.schema_exists(&schema) {
                return Err(SqlError::new(
                    "3F000",
                    format!("schema \"{schema}\" does not exist"),
                ));
            }
            for t in catalog.tables.values() {
                if crate::schema::split(&t.name).0 == schema {
                    add_table(t, &mut rebuilds);
                }
            }
        }
        Target::Database | Target::System => {
            let name = stmt.name.first().map(String::as_str).unwrap_or_default();
            if name != database {
                return Err(SqlError::new(
                    "0A000",
                    "can only reindex the currently open database",
                ));
            }
            if stmt.target == Target::Database {
                for t in catalog.tables.values() {
                    add_table(t, &mut rebuilds);
                }
            }
        }
    }
    let names = rebuilds.iter().map(|(_, ix, _)| ix.name.clone()).collect();
    if rebuilds.is_empty() {
        return Ok((None, names));
    }
    let backfill = rebuilds
        .into_iter()
        .map(|(table, index, unique)| Backfill {
            table,
            index,
            unique,
            rebuild: true,
        })
        .collect();
    Ok((
        Some(DdlChange {
            backfill,
            ..DdlChange::catalog_only(catalog.clone(), vec![])
        }),
        names,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(sql: &str) -> Reindex {
        recognize(sql).expect("a REINDEX").expect("valid")
    }

    #[test]
    fn statement_forms() {
        assert!(recognize("SELECT 1").is_none());
        assert!(recognize("REINDEX INDEX a; SELECT 1").is_none());
        let r = parsed("REINDEX INDEX unlogged1_pkey;");
        assert_eq!(
            (r.target, r.name, r.concurrently),
            (Target::Index, vec!["unlogged1_pkey".to_string()], false)
        );
        let r = parsed("reindex (verbose) table concurrently s.\"T\"");
        assert_eq!(r.target, Target::Table);
        assert_eq!(r.name, ["s", "T"]);
        assert!(r.verbose && r.concurrently);
        let r = parsed("REINDEX (CONCURRENTLY false, TABLESPACE pg_default) SCHEMA public");
        assert!(!r.concurrently);
        assert_eq!(
            parsed("REINDEX DATABASE regression").target,
            Target::Database
        );
        assert!(parsed("REINDEX SCHEMA CONCURRENTLY public")
            .refuses_transaction_block()
            .is_some());
        assert!(parsed("REINDEX TABLE t")
            .refuses_transaction_block()
            .is_none());
        for (bad, message) in [
            ("REINDEX", "syntax error at end of input"),
            ("REINDEX VIEW v", "syntax error at or near \"VIEW\""),
            (
                "REINDEX (bogus) TABLE t",
                "unrecognized REINDEX option \"bogus\"",
            ),
            ("REINDEX TABLE t extra", "syntax error at or near \"extra\""),
            (
                "REINDEX SYSTEM CONCURRENTLY x",
                "cannot reindex system catalogs concurrently",
            ),
        ] {
            let e = recognize(bad).expect("a REINDEX").expect_err(bad);
            assert_eq!(e.message, message, "{bad}");
        }
    }
}
