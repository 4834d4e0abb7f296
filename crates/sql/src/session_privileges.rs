//! The session side of privileges (`crate::privileges`, `crate::roles`):
//! GRANT / REVOKE (objects and role membership) and OWNER TO run as DDL,
//! SET ROLE / RESET ROLE / SET ROLE NONE with PostgreSQL's membership rule,
//! the login role an endpoint authenticated, and the checks data statements
//! pass before they run.

use super::*;
use crate::privileges::{self, Access};

impl Session {
    /// What run-time checks of the next statement need.
    pub(super) fn access(&self) -> Access {
        Access {
            catalog: self.catalog(),
            current_user: self.settings.current_user(),
            session_user: self.settings.session_user(),
        }
    }

    /// The session's role as an endpoint authenticated it: it must exist
    /// and be allowed to log in (28000 otherwise, as PostgreSQL's FATAL).
    pub fn set_login_role(&mut self, name: &str) -> SqlResult<()> {
        let catalog = self.catalog();
        let Some(role) = crate::roles::role(&catalog, name) else {
            return Err(SqlError::new(
                "28000",
                format!("role \"{name}\" does not exist"),
            ));
        };
        if !role.login {
            return Err(SqlError::new(
                "28000",
                format!("role \"{name}\" is not permitted to log in"),
            ));
        }
        self.settings.set_login_role(name);
        Ok(())
    }

    /// SET SESSION AUTHORIZATION may switch to `role` (None: back to the
    /// login role): only a superuser login may become someone else.
    pub(super) fn authorize_session_user(&self, role: Option<&str>) -> SqlResult<()> {
        let login = self.settings.login_role();
        match role {
            Some(r) if r != login && !crate::roles::is_superuser(&self.catalog(), login) => Err(
                SqlError::new("42501", "permission denied to set session authorization"),
            ),
            _ => Ok(()),
        }
    }

    /// True if `name` is a role made by CREATE ROLE (not the bootstrap one).
    pub fn is_created_role(&self, name: &str) -> bool {
        name != crate::roles::BOOTSTRAP_ROLE && self.catalog().roles.contains_key(name)
    }

    /// The stored password verifier (PostgreSQL's `rolpassword` form) of a
    /// role that may log in, for the endpoint's password check; None: no
    /// such role, NOLOGIN, or no password.
    pub fn login_password(&self, name: &str) -> Option<String> {
        crate::roles::role(&self.catalog(), name)
            .filter(|r| r.login)
            .and_then(|r| r.password.clone())
    }

    /// Privileges of a bound data statement (`resolved`: the relations
    /// the binder resolved for it).
    pub(super) fn check_data_privileges(
        &self,
        catalog: &Catalog,
        stmt: &ast::Statement,
        resolved: &[String],
    ) -> SqlResult<()> {
        let user = self.settings.current_user();
        if crate::roles::is_superuser(catalog, &user) {
            return Ok(());
        }
        let stmt = match stmt {
            ast::Statement::Query(q) => crate::binder::dml_under_with(q).unwrap_or(stmt),
            s => s,
        };
        privileges::check_uses(catalog, &user, &privileges::statement_uses(stmt, resolved))
    }

    /// COPY table FROM STDIN needs INSERT on the table.
    pub(super) fn check_copy_from(&self, catalog: &Catalog, table: &str) -> SqlResult<()> {
        let uses = [privileges::RelationUse {
            name: table.to_string(),
            needs: crate::acl::INSERT,
        }];
        privileges::check_uses(catalog, &self.settings.current_user(), &uses)
    }

    /// GRANT / REVOKE on objects or of role membership.
    pub(super) async fn privilege_statement(
        &mut self,
        stmt: &ast::Statement,
    ) -> SqlResult<StatementOutput> {
        let user = self.settings.current_user();
        let session_user = self.settings.session_user();
        let mut notices = Vec::new();
        let tag = match stmt {
            ast::Statement::Grant(_) => "GRANT",
            ast::Statement::Revoke(_) => "REVOKE",
            ast::Statement::GrantRole(_) => "GRANT ROLE",
            _ => "REVOKE ROLE",
        };
        let out = self
            .run_ddl(tag, |c| {
                let outcome = match stmt {
                    ast::Statement::Grant(g) => privileges::grant(c, g, &user, &session_user)?,
                    ast::Statement::Revoke(r) => privileges::revoke(c, r, &user, &session_user)?,
                    ast::Statement::GrantRole(g) => {
                        privileges::grant_role(c, g, &user, &session_user)?
                    }
                    ast::Statement::RevokeRole(r) => {
                        privileges::revoke_role(c, r, &user, &session_user)?
                    }
                    _ => return Err(SqlError::internal("not a privilege statement")),
                };
                notices = outcome.notices;
                Ok(outcome.change)
            })
            .await;
        self.notices.append(&mut notices);
        out
    }

    /// ALTER TABLE | VIEW | SEQUENCE ... OWNER TO.
    pub(super) async fn owner_statement(
        &mut self,
        change: SqlResult<privileges::OwnerChange>,
    ) -> SqlResult<StatementOutput> {
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(SqlError::in_failed_transaction());
        }
        let user = self.settings.current_user();
        let session_user = self.settings.session_user();
        let r = match change {
            Err(e) => Err(e),
            Ok(c) => {
                let tag = format!("ALTER {}", c.noun.to_uppercase());
                self.run_ddl(&tag, |cat| {
                    privileges::change_owner(cat, &c, &user, &session_user)
                })
                .await
            }
        };
        if r.is_err() {
            self.fail_block();
        }
        r
    }

    /// SET [LOCAL] ROLE name | NONE (None), RESET ROLE: the session user
    /// must be a superuser or a member of the role.
    pub(super) fn set_role(
        &mut self,
        role: Option<String>,
        scope: Scope,
    ) -> SqlResult<StatementOutput> {
        let catalog = self.catalog();
        let role = role.filter(|r| !r.eq_ignore_ascii_case("none"));
        if let Some(r) = &role {
            if !crate::roles::exists(&catalog, r) {
                return Err(SqlError::new(
                    "42704",
                    format!("role \"{r}\" does not exist"),
                ));
            }
            let session_user = self.settings.session_user();
            if !crate::roles::is_superuser(&catalog, &session_user)
                && !crate::roles::is_member(&catalog, &session_user, r)
            {
                return Err(SqlError::new(
                    "42501",
                    format!("permission denied to set role \"{r}\""),
                ));
            }
        }
        if scope == Scope::Transaction && self.txn.is_none() {
            let mut warning =
                SqlError::new("25P01", "SET LOCAL can only be used in transaction blocks");
            warning.severity = "WARNING";
            self.notices.push(warning);
        }
        self.settings.set_scoped("role", role, scope)?;
        Ok(StatementOutput::Command { tag: "SET".into() })
    }
}

/// The relations a bound data statement reads and writes and the privileges
/// each needs (kept with a prepared statement's plan).
pub(super) fn data_statement_uses(
    stmt: &ast::Statement,
    binder: &Binder,
) -> Arc<Vec<privileges::RelationUse>> {
    let stmt = match stmt {
        ast::Statement::Query(q) => crate::binder::dml_under_with(q).unwrap_or(stmt),
        s => s,
    };
    Arc::new(privileges::statement_uses(
        stmt,
        &binder.resolved_relations(),
    ))
}
