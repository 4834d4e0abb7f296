//! Checks of a column's DEFAULT expression at CREATE TABLE, with
//! PostgreSQL's errors for what a default may not contain: column
//! references and subqueries (found walking the expression in PostgreSQL's
//! order), aggregate, window and set-returning calls (found binding it).

use super::srf::children;
use super::*;
use crate::catalog::ColumnDef;

impl<'a> Binder<'a> {
    /// Errors unless `e` is a valid DEFAULT for `col`.
    pub fn check_default_expr(&mut self, e: &ast::Expr, col: &ColumnDef) -> SqlResult<()> {
        self.forbidden_in_default(e)?;
        let saved = std::mem::replace(&mut self.win_clause, "DEFAULT expressions");
        let bound = self
            .bind_expr(e, &Scope::default())
            .and_then(|b| self.coerce_assign(b, col, start_span(e)));
        self.win_clause = saved;
        bound.map(|_| ())
    }

    fn forbidden_in_default(&mut self, e: &ast::Expr) -> SqlResult<()> {
        use ast::Expr as E;
        match e {
            E::Subquery(q) => {
                let at = self.opening_paren(q.span());
                return Err(
                    SqlError::new("0A000", "cannot use subquery in DEFAULT expression").at(at),
                );
            }
            E::Exists { .. } => {
                return self.err_at(
                    SqlError::new("0A000", "cannot use subquery in DEFAULT expression"),
                    start_span(e),
                );
            }
            // An unqualified name may still be a keyword-like value such as
            // CURRENT_DATE: only one that does not bind without columns is a
            // column reference.
            E::Identifier(_) if self.bind_expr(e, &Scope::default()).is_ok() => {}
            E::Identifier(_) | E::CompoundIdentifier(_) => {
                return self.err_at(
                    SqlError::new("0A000", "cannot use column reference in DEFAULT expression"),
                    start_span(e),
                );
            }
            _ => {}
        }
        for c in children(e) {
            self.forbidden_in_default(c)?;
        }
        Ok(())
    }

    /// The position of the `(` opening a parenthesized expression whose body
    /// starts at `body` (PostgreSQL reports a sublink or row there).
    pub(super) fn opening_paren(&self, body: Span) -> Option<u32> {
        let start = self.pos(body)?;
        let before: Vec<char> = self
            .sql
            .chars()
            .take(start.saturating_sub(1) as usize)
            .collect();
        let mut i = before.len();
        while i > 0 && before[i - 1].is_whitespace() {
            i -= 1;
        }
        if i > 0 && before[i - 1] == '(' {
            u32::try_from(i).ok()
        } else {
            Some(start)
        }
    }
}
