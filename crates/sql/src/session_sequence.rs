//! The statements `crate::sequence_stmt` recognises, run on a session:
//! ALTER SEQUENCE (DDL, with the sequence's current value for PostgreSQL's
//! bounds check), DISCARD SEQUENCES, and session authorization (see
//! `crate::roles`).

use super::*;
use crate::sequence_stmt::{self, SequenceStatement};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

/// `Some` if `sql` is one of the statements this module runs (with its
/// syntax error, if any), for the extended protocol's Parse.
pub(super) fn check_special(sql: &str) -> Option<SqlResult<()>> {
    if let Some(r) = crate::reindex::recognize(sql) {
        return Some(r.map(|_| ()));
    }
    if super::session_ctas::is_create_table_as_execute(sql) {
        return Some(Ok(()));
    }
    if let Some(r) = crate::rules::recognise(sql) {
        return Some(r.map(|_| ()));
    }
    if let Some(r) = crate::routine::ddl::recognise(sql) {
        return Some(r.map(|_| ()));
    }
    if let Some(r) = crate::casts::recognise(sql) {
        return Some(r.map(|_| ()));
    }
    if let Some(r) = crate::roles::recognise(sql) {
        return Some(r.map(|_| ()));
    }
    if let Some(r) = crate::privileges::recognise_owner_change(sql) {
        return Some(r.map(|_| ()));
    }
    sequence_stmt::recognise(sql).map(|r| r.map(|_| ()))
}

/// Points an unknown-type error of `CREATE SEQUENCE ... AS name` at the
/// type name, as PostgreSQL does (the options carry no source spans).
pub(super) fn position_unknown_type(sql: &str, e: SqlError) -> SqlError {
    if e.sqlstate != "42704" || e.position.is_some() {
        return e;
    }
    let Some(name) = e.message.split('"').nth(1).map(str::to_string) else {
        return e;
    };
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return e;
    };
    let words = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect::<Vec<_>>();
    let at = words
        .windows(2)
        .find_map(|w| match (&w[0].token, &w[1].token) {
            (Token::Word(kw), Token::Word(ty))
                if kw.keyword == Keyword::AS && crate::statement_tokens::ident(ty) == name =>
            {
                crate::binder::span_position(sql, w[1].span)
            }
            _ => None,
        });
    e.at(at)
}

/// PostgreSQL's NOTICE for an IF [NOT] EXISTS that skipped.
pub(super) fn skipped_notice(sqlstate: &'static str, message: String) -> SqlError {
    let mut n = SqlError::new(sqlstate, message);
    n.severity = "NOTICE";
    n
}

/// A simple query's statements as text, if there are several and one of
/// them is one this module runs (sqlparser would reject the whole string).
fn split_if_special(sql: &str) -> Option<Vec<&str>> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    // Cheap checks first: most simple queries are one plain statement.
    if !sql.trim_end().trim_end_matches(';').contains(';') {
        return None;
    }
    let lower = sql.to_ascii_lowercase();
    if ![
        "sequence",
        "role",
        "user",
        "group",
        "authorization",
        "owner",
        "function",
        "trigger",
        "rule",
        "do",
        "reindex",
        "execute",
    ]
    .iter()
    .any(|k| lower.contains(k))
    {
        return None;
    }
    let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    // Byte offset of each line start (locations are 1-based line/char).
    let mut line_starts = vec![0usize];
    line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(
            sql[start..]
                .char_indices()
                .nth(column)
                .map_or(sql.len(), |(i, _)| start + i),
        )
    };
    let mut pieces = Vec::new();
    let mut from = 0;
    // Semicolons inside parentheses (a rule's action list) split nothing.
    let mut depth = 0i32;
    for t in &toks {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if t.token == Token::SemiColon && depth == 0 {
            let end = offset(t.span.start.line, t.span.start.column)?;
            pieces.push(sql.get(from..end)?);
            from = end + 1;
        }
    }
    pieces.push(sql.get(from..)?);
    let pieces: Vec<&str> = pieces
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect();
    (pieces.len() > 1 && pieces.iter().any(|p| check_special(p).is_some())).then_some(pieces)
}

/// One statement of a mixed simple query.
enum Piece<'a> {
    Special(&'a str),
    Parsed(&'a str, Vec<ast::Statement>),
}

impl Session {
    /// A simple query with several statements, one of them this module's:
    /// run like `execute_simple` runs several statements (one implicit
    /// transaction unless they control transactions themselves, stopping
    /// at the first error; a syntax error anywhere runs nothing).
    pub(super) async fn execute_mixed(
        &mut self,
        sql: &str,
    ) -> Option<Vec<Result<StatementOutput, SqlError>>> {
        let texts = split_if_special(sql)?;
        let mut pieces = Vec::with_capacity(texts.len());
        for text in texts {
            let piece = match check_special(text) {
                Some(Err(e)) => Err(e),
                Some(Ok(())) => Ok(Piece::Special(text)),
                None => parse(text).map(|stmts| Piece::Parsed(text, stmts)),
            };
            match piece {
                Ok(p) => pieces.push(p),
                Err(e) => {
                    self.fail_block();
                    return Some(vec![Err(e)]);
                }
            }
        }
        let controls = pieces.iter().any(|p| match p {
            Piece::Parsed(_, stmts) => stmts.iter().any(is_transaction_control),
            Piece::Special(_) => false,
        });
        let implicit = self.txn.is_none() && !controls;
        if implicit {
            let iso = self.settings.default_isolation();
            self.txn = Some(Txn::new(self.engine.new_txn_id(), iso, false));
        }
        let mut out = Vec::new();
        let mut failed = false;
        'pieces: for p in &pieces {
            match p {
                Piece::Special(text) => {
                    let r = match self.sequence_statement(text).await {
                        Some(r) => r,
                        None => Err(SqlError::internal("statement no longer recognised")),
                    };
                    failed = r.is_err();
                    out.push(r);
                    if failed {
                        break 'pieces;
                    }
                }
                Piece::Parsed(text, stmts) => {
                    for s in stmts {
                        let r = self.run_statement(s, text).await;
                        failed = r.is_err();
                        out.push(r);
                        if failed {
                            break 'pieces;
                        }
                    }
                }
            }
        }
        if implicit {
            if let Some(t) = self.txn.take() {
                if failed || t.failed {
                    self.engine.rollback(t);
                    self.settings.end_transaction(false);
                } else if let Err(e) = self.commit_txn(t).await {
                    out.push(Err(e));
                    self.settings.end_transaction(false);
                }
            }
            self.settings.end_transaction(true);
        }
        Some(out)
    }

    /// CREATE SEQUENCE, with PostgreSQL's NOTICE when IF NOT EXISTS skips.
    pub(super) async fn create_sequence(
        &mut self,
        name: &ast::ObjectName,
        if_not_exists: bool,
        temporary: bool,
        unlogged: bool,
        options: &[ast::SequenceOptions],
    ) -> SqlResult<StatementOutput> {
        let mut skipped = false;
        let out = self
            .run_ddl("CREATE SEQUENCE", |c| {
                let change = crate::sequence_ddl::create_sequence(
                    c,
                    name,
                    if_not_exists,
                    temporary,
                    unlogged,
                    options,
                )?;
                skipped = change.is_none();
                Ok(change)
            })
            .await?;
        if skipped {
            let name = crate::binder::object_name(name)?;
            self.notices.push(skipped_notice(
                "42P07",
                format!("relation \"{name}\" already exists, skipping"),
            ));
        }
        Ok(out)
    }

    /// Runs `sql` if it is one of `sequence_stmt`'s statements.
    pub(super) async fn sequence_statement(
        &mut self,
        sql: &str,
    ) -> Option<SqlResult<StatementOutput>> {
        // Each recogniser below tokenizes the whole text: a 1,000-row
        // INSERT would pay for that eight times over.
        if crate::statement_tokens::starts_plain_dml(sql) {
            return None;
        }
        let ours = match Box::pin(self.reindex(sql)).await {
            Some(r) => Some(r),
            None => Box::pin(self.create_table_as_execute(sql)).await,
        };
        if let Some(r) = ours {
            if r.is_err() {
                self.fail_block();
            }
            return Some(r);
        }
        if let Some(r) = crate::rules::recognise(sql) {
            return Some(self.rule_statement(r).await);
        }
        if let Some(r) = crate::roles::recognise(sql) {
            return Some(self.role_statement(r).await);
        }
        if let Some(r) = crate::routine::ddl::recognise(sql) {
            return Some(self.routine_statement(r).await);
        }
        if let Some(r) = crate::casts::recognise(sql) {
            return Some(self.cast_statement(r).await);
        }
        if let Some(c) = crate::privileges::recognise_owner_change(sql) {
            return Some(self.owner_statement(c).await);
        }
        let stmt = sequence_stmt::recognise(sql)?;
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Some(Err(SqlError::in_failed_transaction()));
        }
        let r = match stmt {
            Err(e) => Err(e),
            Ok(s) => self.run_sequence_statement(s).await,
        };
        if r.is_err() {
            self.fail_block();
        }
        Some(r)
    }

    async fn run_sequence_statement(
        &mut self,
        stmt: SequenceStatement,
    ) -> SqlResult<StatementOutput> {
        match stmt {
            SequenceStatement::Alter {
                name,
                if_exists,
                action,
            } => {
                let last = self
                    .engine
                    .sequences
                    .peek(&name)
                    .ok()
                    .map(|(state, _)| state.last);
                let mut missing = false;
                // What the ALTER made of a sequence this transaction created.
                let mut applied = None;
                let user = self.settings.current_user();
                let out = self
                    .run_ddl("ALTER SEQUENCE", |c| {
                        missing = if_exists && !c.sequences.contains_key(&name);
                        if c.sequences.contains_key(&name) {
                            crate::privileges::require_relation_owner(c, &user, &name)?;
                        }
                        let change = crate::sequence_ddl::alter_sequence(
                            c, &name, if_exists, &action, last,
                        )?;
                        if let Some(ch) = &change {
                            applied = Some(crate::sequence_ddl::alteration_of(ch, &name)?);
                        }
                        Ok(change)
                    })
                    .await?;
                // A sequence created by this transaction is invisible to
                // others: its new options apply at once (the commit's mark
                // is computed from them); a committed one's at COMMIT.
                let created_here = !self.engine.catalog().sequences.contains_key(&name);
                if let (Some(a), true) = (applied, created_here) {
                    if self.engine.sequences.peek(&a.name).is_ok() {
                        self.engine
                            .sequences
                            .reconfigure(&a.name, a.options, a.restart)?;
                    }
                }
                if missing {
                    self.notices.push(skipped_notice(
                        "42P01",
                        format!("relation \"{name}\" does not exist, skipping"),
                    ));
                }
                Ok(out)
            }
            SequenceStatement::CreateUnlogged {
                if_not_exists,
                name,
                options,
            } => {
                self.create_sequence(&name, if_not_exists, false, true, &options)
                    .await
            }
            SequenceStatement::DiscardSequences => {
                self.settings.sequences().discard()?;
                Ok(StatementOutput::Command {
                    tag: "DISCARD SEQUENCES".into(),
                })
            }
            SequenceStatement::SessionAuthorization { role, local, tag } => {
                if let Some(r) = &role {
                    if !crate::roles::exists(&self.catalog(), r) {
                        return Err(SqlError::new(
                            "42704",
                            format!("role \"{r}\" does not exist"),
                        ));
                    }
                }
                self.authorize_session_user(role.as_deref())?;
                let scope = if local {
                    crate::settings::Scope::Transaction
                } else {
                    crate::settings::Scope::Session
                };
                // SET LOCAL outside a transaction block lasts for nothing.
                if local && self.txn.is_none() {
                    let mut warning =
                        SqlError::new("25P01", "SET LOCAL can only be used in transaction blocks");
                    warning.severity = "WARNING";
                    self.notices.push(warning);
                } else {
                    // SET SESSION AUTHORIZATION resets SET ROLE, as in PostgreSQL.
                    self.settings
                        .set_scoped("session_authorization", role, scope)?;
                    self.settings.set_scoped("role", None, scope)?;
                }
                if self.txn.is_none() {
                    self.settings.end_transaction(true);
                }
                Ok(StatementOutput::Command { tag: tag.into() })
            }
        }
    }

    /// CREATE ROLE / DROP ROLE.
    async fn role_statement(
        &mut self,
        stmt: SqlResult<crate::roles::RoleStatement>,
    ) -> SqlResult<StatementOutput> {
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        let r = match stmt {
            Err(e) => Err(e),
            Ok(crate::roles::RoleStatement::Create { name, options }) => {
                let by = self.settings.current_user();
                self.run_ddl("CREATE ROLE", |c| {
                    crate::roles::create_role(c, &name, &options, &by)
                })
                .await
            }
            Ok(crate::roles::RoleStatement::Alter { name, options }) => {
                let by = self.settings.current_user();
                self.run_ddl("ALTER ROLE", |c| {
                    crate::roles::alter_role(c, &name, &options, &by)
                })
                .await
            }
            Ok(crate::roles::RoleStatement::Rename { name, to }) => {
                let by = self.settings.current_user();
                let session_user = self.settings.session_user();
                self.run_ddl("ALTER ROLE", |c| {
                    let mut next = crate::roles::rename_role(c, &name, &to, &by, &session_user)?;
                    let mut mutations = crate::roles::role_mutations(c, &next)?;
                    mutations.extend(crate::privileges::rename_role_in_entries(
                        &mut next, &name, &to,
                    )?);
                    Ok(Some(crate::ddl::DdlChange::catalog_only(next, mutations)))
                })
                .await
            }
            Ok(crate::roles::RoleStatement::Drop { names, if_exists }) => {
                let session_user = self.settings.session_user();
                let current_user = self.settings.current_user();
                self.run_ddl("DROP ROLE", |c| {
                    crate::roles::drop_roles(c, &names, if_exists, &session_user, &current_user)
                })
                .await
            }
        };
        if r.is_err() {
            self.fail_block();
        }
        r
    }

    /// ALTER TABLE seq RENAME TO: PostgreSQL accepts ALTER TABLE on
    /// sequences for renaming.
    pub(super) fn is_sequence_rename(&self, at: &ast::AlterTable) -> bool {
        matches!(
            at.operations.as_slice(),
            [ast::AlterTableOperation::RenameTable { .. }]
        ) && crate::binder::object_name(&at.name)
            .is_ok_and(|n| self.catalog().sequences.contains_key(&n))
    }

    pub(super) async fn rename_sequence_via_alter_table(
        &mut self,
        at: &ast::AlterTable,
    ) -> SqlResult<StatementOutput> {
        let name = crate::binder::object_name(&at.name)?;
        let [ast::AlterTableOperation::RenameTable { table_name }] = at.operations.as_slice()
        else {
            return Err(SqlError::internal("not a rename"));
        };
        let (ast::RenameTableNameKind::To(to) | ast::RenameTableNameKind::As(to)) = table_name;
        let to = crate::binder::object_name(to)?;
        let action = crate::sequence_ddl::AlterAction::RenameTo(to);
        self.run_ddl("ALTER TABLE", |c| {
            crate::sequence_ddl::alter_sequence(c, &name, at.if_exists, &action, None)
        })
        .await
    }
}
