//! CREATE TABLE ... AS query: the table gets the query's output columns
//! (renamed by a column list if given) and is filled by the query, both in
//! one transaction, as in PostgreSQL.

use super::*;

impl Session {
    pub(super) async fn create_table_as(
        &mut self,
        ct: &ast::CreateTable,
        sql: &str,
    ) -> SqlResult<StatementOutput> {
        let Some(query) = ct.query.as_deref() else {
            return Err(SqlError::internal("CREATE TABLE AS without a query"));
        };
        let catalog = self.catalog();
        let name = crate::binder::object_name(&ct.name)?;
        if ct.if_not_exists
            && (catalog.tables.contains_key(&name) || catalog.views.contains_key(&name))
        {
            let shown = crate::schema::shown_name(&name);
            self.notices.push(super::session_sequence::skipped_notice(
                "42P07",
                format!("relation \"{shown}\" already exists, skipping"),
            ));
            return Ok(StatementOutput::Command {
                tag: "CREATE TABLE AS".to_string(),
            });
        }
        let plan = Binder::new(&catalog, sql, vec![]).bind_query(query)?;
        if ct.columns.len() > plan.columns.len() {
            return Err(SqlError::syntax("too many column names were specified"));
        }
        let mut definition = ct.clone();
        definition.query = None;
        definition.columns = plan
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| column_like(ct.columns.get(i), c))
            .collect::<SqlResult<_>>()?;
        // WITH NO DATA: the table only, as PostgreSQL's CREATE TABLE AS tag says.
        let with_data = ct.with_data.as_ref().is_none_or(|w| w.data);
        definition.with_data = None;
        let fill = with_data.then(|| format!("INSERT INTO {} {}", ct.name, query));

        let autocommit = self.txn.is_none();
        if autocommit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let result = self
            .create_and_fill(&definition, sql, fill.as_deref())
            .await;
        if autocommit {
            if let Some(t) = self.txn.take() {
                match &result {
                    Ok(_) => self.commit_txn(t).await?,
                    Err(_) => self.engine.rollback(t),
                }
            }
        } else if result.is_err() {
            self.fail_block();
        }
        let tag = match result? {
            Some(rows) => format!("SELECT {rows}"),
            None => "CREATE TABLE AS".to_string(),
        };
        Ok(StatementOutput::Command { tag })
    }

    /// Creates the table and runs `fill` (INSERT INTO it the query; None:
    /// WITH NO DATA) in the open transaction; the number of rows inserted.
    async fn create_and_fill(
        &mut self,
        definition: &ast::CreateTable,
        sql: &str,
        fill: Option<&str>,
    ) -> SqlResult<Option<u64>> {
        let id = self.engine.alloc_table_id();
        self.ddl_in_txn(|c| ddl::create_table(c, definition, sql, id, None, &mut Vec::new()))
            .await?;
        let Some(fill) = fill else {
            return Ok(None);
        };
        let statement = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(fill)
            .and_then(|mut p| p.parse_statement())
            .map_err(|e| SqlError::internal(format!("CREATE TABLE AS: {e}")))?;
        let catalog = self.catalog();
        let bound = {
            let mut b = Binder::new(&catalog, fill, vec![]);
            bind_data(&mut b, &statement)?
        };
        match self.run_in_txn(&bound, &[]).await? {
            StatementOutput::Command { tag } => tag
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .map(Some)
                .ok_or_else(|| SqlError::internal("INSERT without a row count")),
            _ => Err(SqlError::internal("INSERT returned rows")),
        }
    }
}

/// A column definition for query output `out`, named by `named` if given.
fn column_like(named: Option<&ast::ColumnDef>, out: &OutColumn) -> SqlResult<ast::ColumnDef> {
    // An unknown-typed output (a bare literal) is stored as text.
    let ty = match out.ty.ty {
        SqlType::Unknown => SqlType::Text.plain(),
        _ => out.ty,
    };
    let data_type = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&ty.display())
        .and_then(|mut p| p.parse_data_type())
        .map_err(|e| SqlError::internal(format!("type {}: {e}", ty.display())))?;
    Ok(ast::ColumnDef {
        name: named
            .map(|c| c.name.clone())
            .unwrap_or_else(|| ast::Ident::with_quote('"', out.name.clone())),
        data_type,
        options: vec![],
    })
}

/// Where `CREATE ... TABLE name [(columns)] AS EXECUTE stmt [(args)] ...`
/// puts its EXECUTE: char offsets of its start and end in the text.
struct ExecuteClause {
    start: usize,
    end: usize,
}

/// The EXECUTE clause of a CREATE TABLE AS EXECUTE (None: not that form).
fn execute_clause(sql: &str) -> Option<ExecuteClause> {
    use crate::statement_tokens::keyword;
    use sqlparser::keywords::Keyword as K;
    use sqlparser::tokenizer::Token;
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let tokens: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let kw = |i: usize| keyword(tokens.get(i).map(|t| &t.token));
    if kw(0) != K::CREATE {
        return None;
    }
    let mut i = 1;
    while matches!(
        kw(i),
        K::TEMP | K::TEMPORARY | K::UNLOGGED | K::LOCAL | K::GLOBAL
    ) {
        i += 1;
    }
    if kw(i) != K::TABLE {
        return None;
    }
    let mut depth = 0usize;
    while i < tokens.len() {
        match &tokens[i].token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::SemiColon => return None,
            _ if depth == 0 && kw(i) == K::AS => break,
            _ => {}
        }
        i += 1;
    }
    if kw(i + 1) != K::EXECUTE || !matches!(tokens.get(i + 2)?.token, Token::Word(_)) {
        return None;
    }
    let start = crate::binder::span_position(sql, tokens[i + 1].span)? as usize - 1;
    let mut last = i + 2;
    if matches!(tokens.get(last + 1).map(|t| &t.token), Some(Token::LParen)) {
        let mut depth = 0usize;
        for (j, t) in tokens.iter().enumerate().skip(last + 1) {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        last = j;
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    let end_token = tokens[last];
    let end = crate::binder::span_position(sql, end_token.span)? as usize - 1
        + end_token.token.to_string().chars().count();
    Some(ExecuteClause { start, end })
}

/// Whether `sql` is one CREATE TABLE ... AS EXECUTE statement.
pub(super) fn is_create_table_as_execute(sql: &str) -> bool {
    execute_clause(sql).is_some()
}

/// Replaces `$n` placeholders with the given SQL expressions.
struct BindParameters<'a>(&'a [ast::Expr]);

impl ast::VisitorMut for BindParameters<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut ast::Expr) -> std::ops::ControlFlow<()> {
        if let ast::Expr::Value(v) = expr {
            if let ast::Value::Placeholder(p) = &v.value {
                let n = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok());
                if let Some(value) = n.and_then(|n| n.checked_sub(1)).and_then(|i| self.0.get(i)) {
                    *expr = value.clone();
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    }
}

impl Session {
    /// `CREATE TABLE ... AS EXECUTE stmt [(args)] [WITH [NO] DATA]`: the
    /// same CREATE TABLE AS over the prepared query, its parameters bound
    /// to the argument values (computed once, as EXECUTE computes them).
    /// None: `sql` is not that form.
    pub(super) async fn create_table_as_execute(
        &mut self,
        sql: &str,
    ) -> Option<SqlResult<StatementOutput>> {
        let clause = execute_clause(sql)?;
        Some(Box::pin(self.run_create_table_as_execute(sql, &clause)).await)
    }

    async fn run_create_table_as_execute(
        &mut self,
        sql: &str,
        clause: &ExecuteClause,
    ) -> SqlResult<StatementOutput> {
        let chars: Vec<char> = sql.chars().collect();
        let execute: String = chars[clause.start..clause.end].iter().collect();
        let mut stmts = parse(&execute)?;
        let (
            Some(ast::Statement::Execute {
                name: Some(name),
                parameters,
                ..
            }),
            true,
        ) = (stmts.pop(), stmts.is_empty())
        else {
            return Err(SqlError::syntax("syntax error at or near \"EXECUTE\""));
        };
        let key = crate::binder::object_name(&name)?;
        let entry = self
            .sql_prepared
            .get(&key)
            .cloned()
            .ok_or_else(|| session_prepare::not_found(&key))?;
        let Some(ast::Statement::Query(query)) = entry.prepared.inner.stmt.clone() else {
            return Err(SqlError::new("42809", "prepared statement is not a SELECT"));
        };
        let values =
            Box::pin(self.sql_execute_arguments(&key, &entry, &parameters, &execute)).await?;
        let literals: Vec<ast::Expr> = values
            .iter()
            .zip(&entry.param_types)
            .map(|(v, ty)| {
                let value = match v {
                    Some(text) => format!("'{}'", text.replace('\'', "''")),
                    None => "NULL".to_string(),
                };
                let expr = format!("{value}::{ty}");
                Parser::new(&PostgreSqlDialect {})
                    .try_with_sql(&expr)
                    .and_then(|mut p| p.parse_expr())
                    .map_err(|e| SqlError::internal(format!("EXECUTE argument {expr}: {e}")))
            })
            .collect::<SqlResult<_>>()?;
        let mut query = *query;
        let _ = ast::VisitMut::visit(&mut query, &mut BindParameters(&literals));
        let head: String = chars[..clause.start].iter().collect();
        let tail: String = chars[clause.end..].iter().collect();
        let rewritten = format!("{head}{query}{tail}");
        let notices_before = self.notices.len();
        let mut results = Box::pin(self.execute_simple(&rewritten)).await;
        let result = match (results.pop(), results.is_empty()) {
            (Some(r), true) => r?,
            _ => {
                return Err(SqlError::internal(
                    "CREATE TABLE AS EXECUTE ran several statements",
                ))
            }
        };
        // PostgreSQL tags an EXECUTE that ran WITH NO DATA as the query
        // it ran (`SELECT 0`); an IF NOT EXISTS that skipped keeps its tag.
        let skipped = self
            .notices
            .get(notices_before..)
            .unwrap_or_default()
            .iter()
            .any(|n| n.sqlstate == "42P07");
        Ok(match result {
            StatementOutput::Command { tag } if tag == "CREATE TABLE AS" && !skipped => {
                StatementOutput::Command {
                    tag: "SELECT 0".to_string(),
                }
            }
            other => other,
        })
    }
}

/// The type name given to the bare column names of `CREATE TABLE name
/// (a, b) AS query` so sqlparser reads the list (it wants a type per
/// column); CREATE TABLE AS takes only the names, the types come from the
/// query. Quoted, with a space: no type can have this name.
const COLUMN_NAME_MARKER: &str = "ctas column name";

/// Marks the bare column names of each `CREATE ... TABLE name (a, b) AS`
/// (see `COLUMN_NAME_MARKER`).
pub(crate) fn mark_column_names(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    use crate::statement_tokens::keyword;
    use sqlparser::keywords::Keyword as K;
    use sqlparser::tokenizer::{Token, Word};
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let kw = |n: usize| keyword(significant.get(n).map(|&i| &tokens[i].token));
    let tok = |n: usize| significant.get(n).map(|&i| &tokens[i].token);
    let mut names_at: Vec<usize> = Vec::new();
    let mut n = 0;
    while n < significant.len() {
        let start = n;
        // The end of this statement.
        let mut end = n;
        while end < significant.len() && tok(end) != Some(&Token::SemiColon) {
            end += 1;
        }
        n = end + 1;
        if kw(start) != K::CREATE {
            continue;
        }
        let mut at = start + 1;
        while matches!(
            kw(at),
            K::TEMP | K::TEMPORARY | K::UNLOGGED | K::LOCAL | K::GLOBAL
        ) {
            at += 1;
        }
        if kw(at) != K::TABLE {
            continue;
        }
        at += 1;
        if kw(at) == K::IF && kw(at + 1) == K::NOT && kw(at + 2) == K::EXISTS {
            at += 3;
        }
        while matches!(tok(at), Some(Token::Word(_))) && tok(at + 1) == Some(&Token::Period) {
            at += 2;
        }
        if !matches!(tok(at), Some(Token::Word(_))) || tok(at + 1) != Some(&Token::LParen) {
            continue;
        }
        at += 2;
        let mut names = Vec::new();
        while let Some(Token::Word(_)) = tok(at) {
            names.push(significant[at]);
            match tok(at + 1) {
                Some(Token::Comma) => at += 2,
                _ => break,
            }
        }
        let closes = tok(at + 1) == Some(&Token::RParen);
        let has_query = (at + 2..end).any(|k| kw(k) == K::AS);
        if !names.is_empty() && closes && has_query {
            names_at.extend(names);
        }
    }
    if names_at.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 2 * names_at.len());
    for (i, t) in tokens.into_iter().enumerate() {
        let span = t.span;
        out.push(t);
        if names_at.contains(&i) {
            out.push(TokenWithSpan::new(
                Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                span,
            ));
            out.push(TokenWithSpan::new(
                Token::Word(Word {
                    value: COLUMN_NAME_MARKER.to_string(),
                    quote_style: Some('"'),
                    keyword: K::NoKeyword,
                }),
                span,
            ));
        }
    }
    out
}
