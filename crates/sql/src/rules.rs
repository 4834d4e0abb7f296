//! PostgreSQL rewrite rules on views and tables: `CREATE [OR REPLACE] RULE`
//! and `DROP RULE`, recognised from their tokens (sqlparser 0.64 does not
//! parse them), and their catalog entries. A view's rules live in its
//! [`crate::view::ViewDef`] (versioned, transactional and persisted with the
//! view, dropped with it); a table's in a [`TableRules`] entry under its
//! table id (following the table through rewrites, deleted with it: see
//! `crate::row_security_ddl::follow_tables`). Actions are kept as SQL text
//! and applied by `crate::rule_rewrite` (for tables, through
//! `crate::table_rules`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::catalog::Catalog;
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::routine::TriggerEvent;
use crate::statement_tokens::{keyword, syntax_error};
use crate::store::Mutation;

/// One rule of a view.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RuleDef {
    pub name: String,
    pub event: TriggerEvent,
    /// The WHERE condition, as text (NEW/OLD references unresolved).
    pub condition: Option<String>,
    /// DO INSTEAD (else DO ALSO).
    pub instead: bool,
    /// The action statements, as text; empty for NOTHING.
    pub actions: Vec<String>,
}

/// Catalog tag of a table's rules (key: tag, table id).
pub const TABLE_RULES_TAG: u8 = b'W';

/// Current format of [`TableRules`] entries.
pub const TABLE_RULES_VERSION: u32 = 1;

/// The rules of one table.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TableRules {
    /// Format version of the stored entry.
    pub version: u32,
    /// Sorted by name.
    pub rules: Vec<RuleDef>,
}

fn table_rules_key(table_id: u32) -> Vec<u8> {
    let mut k = vec![crate::encoding::CATALOG_PREFIX, TABLE_RULES_TAG];
    k.extend_from_slice(&table_id.to_be_bytes());
    k
}

/// The mutation that stores (None: deletes) a table's rules.
pub fn table_rules_mutation(table_id: u32, rules: Option<&TableRules>) -> SqlResult<Mutation> {
    let value = match rules.filter(|r| !r.rules.is_empty()) {
        Some(r) => Some(serde_json::to_vec(r).map_err(|e| SqlError::internal(e.to_string()))?),
        None => None,
    };
    Ok(Mutation {
        key: table_rules_key(table_id),
        value,
    })
}

/// A stored entry: its table id and rules.
pub fn decode_table_rules(k: &[u8], v: &[u8]) -> SqlResult<(u32, TableRules)> {
    let corrupt =
        |e: &dyn std::fmt::Display| SqlError::internal(format!("corrupt catalog entry rules: {e}"));
    let id: [u8; 4] = k
        .get(2..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt(&"bad key"))?;
    let def: TableRules = serde_json::from_slice(v).map_err(|e| corrupt(&e))?;
    if def.version > TABLE_RULES_VERSION {
        return Err(corrupt(&format!("unknown version {}", def.version)));
    }
    Ok((u32::from_be_bytes(id), def))
}

/// A statement this module recognised.
#[derive(Debug)]
pub enum RuleStatement {
    Create {
        or_replace: bool,
        relation: String,
        rule: RuleDef,
    },
    Drop {
        if_exists: bool,
        name: String,
        relation: String,
    },
}

fn is_word(t: Option<&Token>, word: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// A cursor over the statement's tokens, whitespace kept (action and
/// condition text is rebuilt from them).
struct Cursor {
    toks: Vec<Token>,
    at: usize,
}

impl Cursor {
    fn skip_space(&mut self) {
        while matches!(self.toks.get(self.at), Some(Token::Whitespace(_))) {
            self.at += 1;
        }
    }
    fn peek(&mut self) -> Option<&Token> {
        self.skip_space();
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        self.skip_space();
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn expect_word(&mut self, word: &str) -> SqlResult<()> {
        let t = self.next();
        if is_word(t.as_ref(), word) {
            Ok(())
        } else {
            Err(syntax_error(t.as_ref()))
        }
    }
    fn ident(&mut self) -> SqlResult<String> {
        match self.next() {
            Some(Token::Word(w)) if w.quote_style.is_some() => Ok(w.value),
            Some(Token::Word(w)) => Ok(w.value.to_lowercase()),
            other => Err(syntax_error(other.as_ref())),
        }
    }
    /// `name` or `schema.name`, as a catalog key.
    fn relation(&mut self) -> SqlResult<String> {
        let first = self.ident()?;
        if self.peek() == Some(&Token::Period) {
            self.at += 1;
            let second = self.ident()?;
            return Ok(format!("{first}.{second}"));
        }
        Ok(first)
    }
    /// Tokens from here up to (not including) the first depth-0 token that
    /// `stop` accepts, as text.
    fn text_until(&mut self, stop: impl Fn(&Token) -> bool) -> String {
        let mut depth = 0i32;
        let mut out = String::new();
        while let Some(t) = self.toks.get(self.at) {
            match t {
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => break,
                Token::RParen => depth -= 1,
                t if depth == 0 && stop(t) => break,
                _ => {}
            }
            out.push_str(&t.to_string());
            self.at += 1;
        }
        out.trim().to_string()
    }
}

/// The rule statement in `sql`, if it is one; `None` lets sqlparser have it.
pub fn recognise(sql: &str) -> Option<SqlResult<RuleStatement>> {
    let lower: String = sql
        .trim_start()
        .chars()
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().take(4).collect();
    let is_rule = matches!(
        words.as_slice(),
        ["create", "rule", ..] | ["create", "or", "replace", "rule"] | ["drop", "rule", ..]
    );
    if !is_rule {
        return None;
    }
    let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(false)
        .tokenize()
        .ok()?;
    // Several statements: split by the caller first (see `execute_mixed`).
    let mut depth = 0i32;
    let mut ended = false;
    for t in &toks {
        match t {
            Token::Whitespace(_) => {}
            Token::SemiColon if depth == 0 => ended = true,
            _ if ended => return None,
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
    }
    let mut c = Cursor { toks, at: 0 };
    Some(parse(&mut c))
}

fn parse(c: &mut Cursor) -> SqlResult<RuleStatement> {
    let first = c.next();
    let stmt = if keyword(first.as_ref()) == Keyword::DROP {
        c.expect_word("rule")?;
        let mut if_exists = false;
        if keyword(c.peek()) == Keyword::IF {
            c.next();
            c.expect_word("exists")?;
            if_exists = true;
        }
        let name = c.ident()?;
        c.expect_word("on")?;
        let relation = c.relation()?;
        if matches!(keyword(c.peek()), Keyword::CASCADE | Keyword::RESTRICT) {
            c.next();
        }
        RuleStatement::Drop {
            if_exists,
            name,
            relation,
        }
    } else {
        let mut or_replace = false;
        if keyword(c.peek()) == Keyword::OR {
            c.next();
            c.expect_word("replace")?;
            or_replace = true;
        }
        c.expect_word("rule")?;
        let name = c.ident()?;
        c.expect_word("as")?;
        c.expect_word("on")?;
        let ev = c.next();
        let event = match keyword(ev.as_ref()) {
            Keyword::INSERT => TriggerEvent::Insert,
            Keyword::UPDATE => TriggerEvent::Update,
            Keyword::DELETE => TriggerEvent::Delete,
            Keyword::SELECT => return Err(SqlError::unsupported("ON SELECT rules")),
            _ => return Err(syntax_error(ev.as_ref())),
        };
        c.expect_word("to")?;
        let relation = c.relation()?;
        let condition = if keyword(c.peek()) == Keyword::WHERE {
            c.next();
            Some(c.text_until(|t| is_word(Some(t), "do")))
        } else {
            None
        };
        c.expect_word("do")?;
        let instead = match keyword(c.peek()) {
            Keyword::INSTEAD => {
                c.next();
                true
            }
            Keyword::ALSO => {
                c.next();
                false
            }
            _ => false,
        };
        let actions = if is_word(c.peek(), "nothing") {
            c.next();
            vec![]
        } else if c.peek() == Some(&Token::LParen) {
            c.next();
            let mut list = Vec::new();
            loop {
                let text = c.text_until(|t| *t == Token::SemiColon);
                if !text.is_empty() {
                    list.push(text);
                }
                match c.next() {
                    Some(Token::SemiColon) => continue,
                    Some(Token::RParen) => break,
                    other => return Err(syntax_error(other.as_ref())),
                }
            }
            list
        } else {
            let text = c.text_until(|t| *t == Token::SemiColon);
            if text.is_empty() {
                return Err(syntax_error(c.peek()));
            }
            vec![text]
        };
        RuleStatement::Create {
            or_replace,
            relation,
            rule: RuleDef {
                name,
                event,
                condition,
                instead,
                actions,
            },
        }
    };
    while c.peek() == Some(&Token::SemiColon) {
        c.next();
    }
    match c.peek() {
        None | Some(Token::EOF) => Ok(stmt),
        Some(t) => Err(syntax_error(Some(&t.clone()))),
    }
}

fn view_mutation(def: &crate::view::ViewDef) -> SqlResult<Mutation> {
    let json = serde_json::to_vec(def).map_err(|e| SqlError::internal(e.to_string()))?;
    Ok(Mutation {
        key: crate::catalog::view_key(&def.name),
        value: Some(json),
    })
}

/// Checks a rule's actions against the relation `relation` (a view or a
/// table) with `columns` (`catalog`: the session's,
/// which resolves names through its search path).
pub fn check_rule(
    catalog: &Catalog,
    relation: &str,
    columns: &[String],
    rule: &RuleDef,
) -> SqlResult<()> {
    for text in &rule.actions {
        let stmts = crate::session::parse(text)?;
        let [stmt] = stmts.as_slice() else {
            return Err(SqlError::syntax("a rule action must be one statement"));
        };
        let returning = match stmt {
            sqlparser::ast::Statement::Insert(i) => i.returning.as_ref(),
            sqlparser::ast::Statement::Update(u) => u.returning.as_ref(),
            sqlparser::ast::Statement::Delete(d) => d.returning.as_ref(),
            sqlparser::ast::Statement::Query(_) => None,
            _ => return Err(SqlError::unsupported("this rule action statement")),
        };
        crate::rule_rewrite::check_action(catalog, relation, columns, rule.event, text)?;
        if returning.is_none() {
            continue;
        }
        if !rule.instead {
            return Err(SqlError::new(
                "0A000",
                "RETURNING lists are not supported in non-INSTEAD rules",
            ));
        }
        if rule.condition.is_some() {
            return Err(SqlError::new(
                "0A000",
                "RETURNING lists are not supported in conditional rules",
            ));
        }
    }
    Ok(())
}

/// CREATE [OR REPLACE] RULE on `relation` (a catalog key).
pub fn create_rule(
    catalog: &Catalog,
    or_replace: bool,
    relation: &str,
    rule: &RuleDef,
) -> SqlResult<DdlChange> {
    let Some(view) = catalog.views.get(relation) else {
        if let Some(t) = catalog.tables.get(relation) {
            return create_table_rule(catalog, or_replace, t, rule);
        }
        return Err(SqlError::undefined_table(crate::schema::split(relation).1));
    };
    let mut def = (**view).clone();
    put_rule(&mut def.rules, or_replace, relation, rule)?;
    let m = view_mutation(&def)?;
    let mut next = catalog.clone();
    next.views.insert(relation.to_string(), Arc::new(def));
    Ok(DdlChange::catalog_only(next, vec![m]))
}

fn create_table_rule(
    catalog: &Catalog,
    or_replace: bool,
    t: &crate::catalog::TableDef,
    rule: &RuleDef,
) -> SqlResult<DdlChange> {
    let mut def = catalog
        .table_rules
        .get(&t.id)
        .map(|r| (**r).clone())
        .unwrap_or_default();
    def.version = TABLE_RULES_VERSION;
    put_rule(&mut def.rules, or_replace, &t.name, rule)?;
    let m = table_rules_mutation(t.id, Some(&def))?;
    let mut next = catalog.clone();
    next.table_rules.insert(t.id, Arc::new(def));
    Ok(DdlChange::catalog_only(next, vec![m]))
}

/// Adds (or, with `or_replace`, replaces) `rule` among `rules`, kept sorted.
fn put_rule(
    rules: &mut Vec<RuleDef>,
    or_replace: bool,
    relation: &str,
    rule: &RuleDef,
) -> SqlResult<()> {
    let def_rules = rules;
    match def_rules.iter().position(|r| r.name == rule.name) {
        Some(i) if or_replace => def_rules[i] = rule.clone(),
        Some(_) => {
            return Err(SqlError::new(
                "42710",
                format!(
                    "rule \"{}\" for relation \"{}\" already exists",
                    rule.name,
                    crate::schema::split(relation).1
                ),
            ))
        }
        None => def_rules.push(rule.clone()),
    }
    def_rules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// DROP RULE; None when the rule is absent and `if_exists` holds.
pub fn drop_rule(
    catalog: &Catalog,
    relation: &str,
    name: &str,
    if_exists: bool,
) -> SqlResult<Option<DdlChange>> {
    let shown = crate::schema::split(relation).1;
    let Some(view) = catalog.views.get(relation) else {
        if let Some(t) = catalog.tables.get(relation) {
            let mut def = catalog
                .table_rules
                .get(&t.id)
                .map(|r| (**r).clone())
                .unwrap_or_default();
            if !def.rules.iter().any(|r| r.name == name) {
                if if_exists {
                    return Ok(None);
                }
                return Err(SqlError::new(
                    "42704",
                    format!("rule \"{name}\" for relation \"{shown}\" does not exist"),
                ));
            }
            def.version = TABLE_RULES_VERSION;
            def.rules.retain(|r| r.name != name);
            let m = table_rules_mutation(t.id, Some(&def))?;
            let mut next = catalog.clone();
            if def.rules.is_empty() {
                next.table_rules.remove(&t.id);
            } else {
                next.table_rules.insert(t.id, Arc::new(def));
            }
            return Ok(Some(DdlChange::catalog_only(next, vec![m])));
        }
        if if_exists {
            return Ok(None);
        }
        return Err(SqlError::undefined_table(shown));
    };
    if !view.rules.iter().any(|r| r.name == name) {
        if if_exists {
            return Ok(None);
        }
        return Err(SqlError::new(
            "42704",
            format!("rule \"{name}\" for relation \"{shown}\" does not exist"),
        ));
    }
    let mut def = (**view).clone();
    def.rules.retain(|r| r.name != name);
    let m = view_mutation(&def)?;
    let mut next = catalog.clone();
    next.views.insert(relation.to_string(), Arc::new(def));
    Ok(Some(DdlChange::catalog_only(next, vec![m])))
}

fn event_word(e: TriggerEvent) -> &'static str {
    match e {
        TriggerEvent::Insert => "INSERT",
        TriggerEvent::Update => "UPDATE",
        TriggerEvent::Delete => "DELETE",
        TriggerEvent::Truncate => "TRUNCATE",
    }
}

/// A rule's definition in pg_get_ruledef's layout (the condition and
/// actions as written, not deparsed); `pretty` (psql's form) leaves out a
/// public view's schema and the parentheses around the condition, and lays
/// out a table rule's INSERT action as PostgreSQL does
/// (`crate::rule_deparse`).
pub fn rule_definition(cat: &Catalog, view: &str, rule: &RuleDef, pretty: bool) -> String {
    let (schema, name) = crate::schema::split(view);
    let target = if pretty && schema == "public" {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    };
    let condition = match &rule.condition {
        Some(c) if pretty => format!("\n   WHERE {c}"),
        Some(c) => format!("\n   WHERE ({c})"),
        None => String::new(),
    };
    let instead = if rule.instead { " INSTEAD" } else { "" };
    let table_rule = cat.tables.contains_key(view);
    let actions = match rule.actions.as_slice() {
        [] => " NOTHING".to_string(),
        [one] if pretty && table_rule => match crate::rule_deparse::insert_action(one) {
            Some(shown) => format!("  {shown}"),
            None => format!("  {one}"),
        },
        [one] => format!("  {one}"),
        many => format!(" ( {}; )", many.join(";\n ")),
    };
    format!(
        "CREATE RULE {} AS\n    ON {} TO {target}{condition} DO{instead}{actions};",
        rule.name,
        event_word(rule.event)
    )
}

/// Every rule with its relation's catalog key and oid and its own oid (made
/// from the relation's oid and the rule's position: rules have no stored
/// oid).
pub fn catalog_rules(cat: &Catalog) -> Vec<(&str, i64, i64, &RuleDef)> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        let Some(rules) = cat.table_rules.get(&t.id) else {
            continue;
        };
        let table_oid = crate::pg_catalog::table_oid(t);
        for (i, r) in rules.rules.iter().enumerate() {
            let oid = 1_000_000 + table_oid * 64 + i as i64;
            out.push((t.name.as_str(), table_oid, oid, r));
        }
    }
    for v in cat.views.values() {
        let Some(view_oid) = crate::pg_catalog::relation_oid_by_key(cat, &v.name) else {
            continue;
        };
        for (i, r) in v.rules.iter().enumerate() {
            let oid = 1_000_000 + view_oid * 64 + i as i64;
            out.push((v.name.as_str(), view_oid, oid, r));
        }
    }
    out
}

/// pg_rewrite's rows for view rules.
pub fn pg_rewrite_rows(cat: &Catalog) -> Vec<Vec<(&'static str, crate::datum::Datum)>> {
    use crate::datum::Datum;
    catalog_rules(cat)
        .into_iter()
        .map(|(_, view_oid, oid, r)| {
            let ev_type = match r.event {
                TriggerEvent::Update => "2",
                TriggerEvent::Insert => "3",
                _ => "4",
            };
            vec![
                ("oid", Datum::Int8(oid)),
                ("rulename", Datum::Text(r.name.clone())),
                ("ev_class", Datum::Int8(view_oid)),
                ("ev_type", Datum::Text(ev_type.into())),
                ("ev_enabled", Datum::Text("O".into())),
                ("is_instead", Datum::Bool(r.instead)),
            ]
        })
        .collect()
}

/// pg_rules' rows.
pub fn pg_rules_rows(cat: &Catalog) -> Vec<Vec<(&'static str, crate::datum::Datum)>> {
    use crate::datum::Datum;
    catalog_rules(cat)
        .into_iter()
        .map(|(view, _, _, r)| {
            let (schema, name) = crate::schema::split(view);
            vec![
                ("schemaname", Datum::Text(schema.to_string())),
                ("tablename", Datum::Text(name.to_string())),
                ("rulename", Datum::Text(r.name.clone())),
                (
                    "definition",
                    Datum::Text(rule_definition(cat, view, r, false)),
                ),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_create_rule_with_condition_and_actions() {
        let Some(Ok(RuleStatement::Create {
            or_replace,
            relation,
            rule,
        })) = recognise(
            "CREATE OR REPLACE RULE r AS ON UPDATE TO s.v WHERE old.a > 1 DO INSTEAD \
             (INSERT INTO t VALUES (new.a); DELETE FROM t WHERE a = old.a);",
        )
        else {
            panic!("not recognised")
        };
        assert!(or_replace);
        assert_eq!(relation, "s.v");
        assert_eq!(rule.event, TriggerEvent::Update);
        assert_eq!(rule.condition.as_deref(), Some("old.a > 1"));
        assert!(rule.instead);
        assert_eq!(
            rule.actions,
            vec![
                "INSERT INTO t VALUES (new.a)",
                "DELETE FROM t WHERE a = old.a"
            ]
        );
    }

    #[test]
    fn recognises_nothing_and_drop() {
        let Some(Ok(RuleStatement::Create { rule, .. })) =
            recognise("create rule r as on delete to v do instead nothing")
        else {
            panic!("not recognised")
        };
        assert!(rule.actions.is_empty());
        let Some(Ok(RuleStatement::Drop {
            if_exists, name, ..
        })) = recognise("DROP RULE IF EXISTS r ON v CASCADE")
        else {
            panic!("not recognised")
        };
        assert!(if_exists);
        assert_eq!(name, "r");
        assert!(recognise("CREATE TABLE rule (a int)").is_none());
        assert!(recognise("DROP RULE r ON v; DROP RULE s ON v").is_none());
        assert!(matches!(
            recognise("CREATE RULE r AS ON x TO v DO NOTHING"),
            Some(Err(_))
        ));
    }
}
