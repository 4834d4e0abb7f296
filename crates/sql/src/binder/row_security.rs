//! Row-level security applied while binding (`crate::row_security` has the
//! policies and who they govern). A table read in FROM is filtered by its
//! SELECT policies' USING; an UPDATE/DELETE only reaches rows its command's
//! USING (and, when it reads the target's columns, SELECT's) lets through;
//! rows an INSERT/UPDATE writes must pass WITH CHECK (else USING), run with
//! the table's CHECK constraints, after BEFORE triggers; an INSERT ... ON
//! CONFLICT DO UPDATE also checks the UPDATE policies' USING on the row it
//! would update. As in PostgreSQL, permissive policies are OR-ed (none:
//! nothing passes) and restrictive ones AND-ed on; a failed restrictive
//! check names its policy.

use super::*;
use crate::row_security::{governing, policies_for, PolicyCommand, PolicyDef, TableSecurity};

/// The name a write check carries: `crate::row_security::violation` turns
/// a failure into PostgreSQL's error.
const CHECK_MARK: &str = "\0rls:";

/// The name a check of an UPDATE policy's USING on the row an INSERT ...
/// ON CONFLICT DO UPDATE would update carries (PostgreSQL's
/// WCO_RLS_CONFLICT_CHECK, reported as a "(USING expression)").
const EXISTING_ROW_MARK: &str = "\0rls-using:";

/// The error for a row failing `check`, when it is a policy check.
pub fn violation(check: &str) -> Option<SqlError> {
    let (rest, clause) = match check.strip_prefix(CHECK_MARK) {
        Some(rest) => (rest, ""),
        None => (
            check.strip_prefix(EXISTING_ROW_MARK)?,
            " (USING expression)",
        ),
    };
    let (policy, table) = rest.split_once('\0').unwrap_or(("", rest));
    let message = if policy.is_empty() {
        format!("new row violates row-level security policy{clause} for table \"{table}\"")
    } else {
        format!(
            "new row violates row-level security policy \"{policy}\"{clause} for table \"{table}\""
        )
    };
    Some(SqlError::new("42501", message))
}

/// The policy checks of an INSERT ... ON CONFLICT DO UPDATE's update path
/// (rows of a table that is not partitioned).
#[derive(Clone, Debug)]
pub struct ConflictSecurity {
    /// On the existing row, after the DO UPDATE's WHERE: the UPDATE
    /// policies' USING, then (when the statement needs SELECT) the SELECT
    /// policies'.
    pub existing: Vec<(String, Expr)>,
    /// On the updated row, in place of the INSERT's policy checks: the
    /// UPDATE policies' WITH CHECK (else USING), then the SELECT ones'.
    pub updated: Vec<(String, Expr)>,
}

/// Which expression of a policy a combination uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Clause {
    Using,
    /// WITH CHECK, else USING.
    Check,
}

impl Clause {
    fn text(self, p: &PolicyDef) -> Option<&str> {
        match self {
            Clause::Using => p.using.as_deref(),
            Clause::Check => p.with_check.as_deref().or(p.using.as_deref()),
        }
    }
}

fn bool_const(v: bool) -> Expr {
    Expr::Const(Datum::Bool(v), SqlType::Bool.plain())
}

fn or(a: Expr, b: Expr) -> Expr {
    Expr::Binary {
        op: BinOp::Or,
        left: Box::new(a),
        right: Box::new(b),
        operand: SqlType::Bool,
        ty: SqlType::Bool.plain(),
    }
}

/// `e IS TRUE`: a check whose value is NULL fails, unlike a CHECK constraint.
fn is_true(e: Expr) -> Expr {
    Expr::IsBool {
        expr: Box::new(e),
        value: Some(true),
        negated: false,
    }
}

/// Does `e` read a column of its row (so the statement needs SELECT)?
fn reads_row(e: &Expr) -> bool {
    if matches!(e, Expr::Column(..)) {
        return true;
    }
    let mut found = false;
    e.for_each_child(&mut |c| found = found || reads_row(c));
    found
}

impl<'a> Binder<'a> {
    /// Whom policies are applied for: the owner of the view being expanded
    /// (PostgreSQL checks a view's tables as its owner), else the session's
    /// user.
    pub(crate) fn rls_user(&self) -> String {
        match self.rls_view_owners.last() {
            Some(owner) => owner.clone(),
            None => self.catalog.rls_subject.user.clone(),
        }
    }

    /// A policy expression bound over the rows of `table`, as written on
    /// `policy_table` (whose unqualified name qualifies its columns). It is
    /// bound apart from the statement: no outer query, CTE or aggregate is
    /// in reach, and a policy reaching its own table again is an error.
    fn bind_policy_expr(
        &mut self,
        table: &TableDef,
        policy_table: &TableDef,
        text: &str,
    ) -> SqlResult<Expr> {
        let ast = parse_expr(text)?;
        let scope = Scope::of_table(table, crate::schema::split(&policy_table.name).1);
        let outer = std::mem::take(&mut self.outer);
        let ctes = std::mem::take(&mut self.ctes);
        let agg = self.agg.take();
        self.rls_tables.push(policy_table.id);
        let r = self.bind_expr(&ast, &scope).and_then(|b| {
            if b.ty().ty == SqlType::Bool {
                Ok(b)
            } else {
                self.coerce_bool(b, "POLICY", Span::empty())
            }
        });
        self.rls_tables.pop();
        self.outer = outer;
        self.ctes = ctes;
        self.agg = agg;
        r
    }

    /// Permissive policies OR-ed (false without any), each restrictive one
    /// AND-ed on: the filter `command`'s policies put on rows of `table`.
    fn combined(
        &mut self,
        table: &TableDef,
        policy_table: &TableDef,
        sec: &TableSecurity,
        command: PolicyCommand,
        clause: Clause,
    ) -> SqlResult<Expr> {
        let user = self.rls_user();
        let (permissive, restrictive) = policies_for(self.catalog, sec, command, &user);
        let mut out: Option<Expr> = None;
        for p in permissive {
            let Some(text) = clause.text(p) else { continue };
            let e = self.bind_policy_expr(table, policy_table, text)?;
            out = Some(match out {
                None => e,
                Some(prev) => or(prev, e),
            });
        }
        let mut out = out.unwrap_or_else(|| bool_const(false));
        for p in restrictive {
            let Some(text) = clause.text(p) else { continue };
            let e = self.bind_policy_expr(table, policy_table, text)?;
            out = and(out, e);
        }
        Ok(out)
    }

    /// The security filter on a scan of `table` in FROM (None: not governed).
    pub(super) fn scan_policy_filter(&mut self, table: &TableDef) -> SqlResult<Option<Expr>> {
        let Some(sec) = governing(self.catalog, table, &self.rls_user())? else {
            return Ok(None);
        };
        if self.rls_tables.contains(&table.id) {
            return Err(SqlError::new(
                "42P17",
                format!(
                    "infinite recursion detected in policy for relation \"{}\"",
                    crate::schema::split(&table.name).1
                ),
            ));
        }
        let sec = sec.clone();
        self.combined(table, table, &sec, PolicyCommand::Select, Clause::Using)
            .map(Some)
    }

    /// The rows an UPDATE/DELETE of `table` may reach: `filter` (the
    /// statement's WHERE over the target row) behind the command's USING
    /// and, when `reads` (the statement reads the target's columns), the
    /// SELECT policies'. The security quals come first, as PostgreSQL
    /// evaluates them before the statement's own.
    pub(super) fn write_policy_filter(
        &mut self,
        table: &TableDef,
        command: PolicyCommand,
        reads: bool,
        filter: Option<Expr>,
    ) -> SqlResult<Option<Expr>> {
        let Some(sec) = governing(self.catalog, table, &self.rls_user())? else {
            return Ok(filter);
        };
        let sec = sec.clone();
        let mut quals = self.combined(table, table, &sec, command, Clause::Using)?;
        if reads {
            let select = self.combined(table, table, &sec, PolicyCommand::Select, Clause::Using)?;
            quals = and(quals, select);
        }
        Ok(Some(match filter {
            None => quals,
            Some(f) => and(quals, f),
        }))
    }

    /// Does an UPDATE with these parts read the target's columns?
    pub(super) fn update_reads(
        selection: bool,
        returning: bool,
        assignments: &[(usize, Expr)],
    ) -> bool {
        selection || returning || assignments.iter().any(|(_, e)| reads_row(e))
    }

    /// The checks rows of `table` written by `command` must pass, bound
    /// over the rows of `target` (the table itself or one of its leaves).
    fn write_checks_over(
        &mut self,
        target: &TableDef,
        table: &TableDef,
        sec: &TableSecurity,
        command: PolicyCommand,
        select_too: bool,
    ) -> SqlResult<Vec<(String, Expr)>> {
        let mut parts = vec![(command, Clause::Check)];
        if select_too {
            parts.push((PolicyCommand::Select, Clause::Using));
        }
        self.policy_checks(target, table, sec, &parts, CHECK_MARK)
    }

    /// One check per part (command and clause): its permissive policies
    /// OR-ed, then one per restrictive policy, named with `mark`.
    fn policy_checks(
        &mut self,
        target: &TableDef,
        table: &TableDef,
        sec: &TableSecurity,
        parts: &[(PolicyCommand, Clause)],
        mark: &str,
    ) -> SqlResult<Vec<(String, Expr)>> {
        let shown = crate::schema::split(&table.name).1.to_string();
        let mut out = Vec::new();
        for &(cmd, clause) in parts {
            let user = self.rls_user();
            let (permissive, restrictive) = policies_for(self.catalog, sec, cmd, &user);
            let mut any: Option<Expr> = None;
            for p in &permissive {
                let Some(text) = clause.text(p) else { continue };
                let e = self.bind_policy_expr(target, table, text)?;
                any = Some(match any {
                    None => e,
                    Some(prev) => or(prev, e),
                });
            }
            let any = any.unwrap_or_else(|| bool_const(false));
            out.push((format!("{mark}\0{shown}"), is_true(any)));
            for p in &restrictive {
                let Some(text) = clause.text(p) else { continue };
                let e = self.bind_policy_expr(target, table, text)?;
                out.push((format!("{mark}{}\0{shown}", p.name), is_true(e)));
            }
        }
        Ok(out)
    }

    /// The checks of the update path of an INSERT ... ON CONFLICT DO
    /// UPDATE into `table` (None: no policy governs it); `select_too`: the
    /// statement needs SELECT on it (a conflict target or RETURNING).
    pub(super) fn conflict_update_checks(
        &mut self,
        table: &TableDef,
        select_too: bool,
    ) -> SqlResult<Option<ConflictSecurity>> {
        let Some(sec) = governing(self.catalog, table, &self.rls_user())? else {
            return Ok(None);
        };
        let sec = sec.clone();
        let select = [(PolicyCommand::Select, Clause::Using)];
        let select: &[(PolicyCommand, Clause)] = if select_too { &select } else { &[] };
        let mut parts = vec![(PolicyCommand::Update, Clause::Using)];
        parts.extend_from_slice(select);
        let existing = self.policy_checks(table, table, &sec, &parts, EXISTING_ROW_MARK)?;
        let mut parts = vec![(PolicyCommand::Update, Clause::Check)];
        parts.extend_from_slice(select);
        let updated = self.policy_checks(table, table, &sec, &parts, CHECK_MARK)?;
        Ok(Some(ConflictSecurity { existing, updated }))
    }

    /// Puts the policy checks for rows `command` writes into `table` ahead
    /// of `checks` and of each routed leaf's checks.
    pub(super) fn add_write_checks(
        &mut self,
        table: &TableDef,
        command: PolicyCommand,
        select_too: bool,
        checks: &mut Vec<(String, Expr)>,
        router: Option<&mut Arc<crate::partition::Router>>,
    ) -> SqlResult<()> {
        let Some(sec) = governing(self.catalog, table, &self.rls_user())? else {
            return Ok(());
        };
        let sec = sec.clone();
        let mine = self.write_checks_over(table, table, &sec, command, select_too)?;
        checks.splice(0..0, mine);
        if let Some(router) = router {
            let router = Arc::get_mut(router)
                .ok_or_else(|| SqlError::internal("shared partition router"))?;
            for leaf in &mut router.leaves {
                let leaf_table = leaf.table.clone();
                let mine = self.write_checks_over(&leaf_table, table, &sec, command, select_too)?;
                leaf.checks.splice(0..0, mine);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_name_restrictive_policies_only() {
        let e = violation("\0rls:\0t").expect("a policy check");
        assert_eq!(e.sqlstate, "42501");
        assert_eq!(
            e.message,
            "new row violates row-level security policy for table \"t\""
        );
        let e = violation("\0rls:p1\0t").expect("a policy check");
        assert_eq!(
            e.message,
            "new row violates row-level security policy \"p1\" for table \"t\""
        );
        assert!(violation("t_a_check").is_none());
        assert_eq!(
            violation("\0rls-using:\0t")
                .expect("a policy check")
                .message,
            "new row violates row-level security policy (USING expression) for table \"t\""
        );
        assert_eq!(
            violation("\0rls-using:p1\0t")
                .expect("a policy check")
                .message,
            "new row violates row-level security policy \"p1\" (USING expression) for table \"t\""
        );
    }
}
