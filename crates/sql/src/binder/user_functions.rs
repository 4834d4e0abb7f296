//! Calls of user-defined functions (`crate::routine`): overload resolution
//! by argument count and types (exact matches preferred, implicit casts
//! allowed, DEFAULTs fill missing trailing arguments, `name => value`
//! notation), binding to `Expr::UserCall`; in FROM, to a
//! `Plan::UserFunction` with the result columns (RETURNS TABLE / OUT
//! parameters) or one column named after the function.

use std::sync::Arc;

use sqlparser::ast::{self, Spanned};
use sqlparser::tokenizer::Span;

use super::{ident_name, parse_expr, Binder, Scope, ScopeCol};
use crate::datum::CastContext;
use crate::error::{SqlError, SqlResult};
use crate::plan::{Expr, Plan};
use crate::routine::{FunctionDef, Returns};

impl Binder<'_> {
    /// True if `name` is a user-defined function.
    pub(super) fn is_user_function(&self, name: &str) -> bool {
        self.catalog.functions.contains_key(name)
    }

    /// Binds the call's arguments and picks the overload.
    pub(super) fn resolve_user_call(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<(Arc<FunctionDef>, Vec<Expr>)> {
        let mut given: Vec<(Option<String>, Expr, Span)> = Vec::new();
        if let ast::FunctionArguments::List(l) = &f.args {
            for a in &l.args {
                let (n, e) = match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => (None, e),
                    ast::FunctionArg::Named {
                        name,
                        arg: ast::FunctionArgExpr::Expr(e),
                        ..
                    } => (Some(ident_name(name)), e),
                    ast::FunctionArg::ExprNamed {
                        name: ast::Expr::Identifier(name),
                        arg: ast::FunctionArgExpr::Expr(e),
                        ..
                    } => (Some(ident_name(name)), e),
                    _ => {
                        return self.err_at(SqlError::syntax("syntax error at or near \"*\""), span)
                    }
                };
                given.push((n, self.bind_expr(e, scope)?, e.span()));
            }
        }
        let candidates: Vec<Arc<FunctionDef>> = self
            .catalog
            .functions
            .get(name)
            .cloned()
            .unwrap_or_default();
        let mut best: Vec<(usize, Arc<FunctionDef>, Vec<Expr>)> = Vec::new();
        for cand in candidates {
            let Some((score, args)) = self.try_candidate(&cand, &given)? else {
                continue;
            };
            match best.first().map(|b| b.0) {
                Some(s) if s > score => {}
                Some(s) if s == score => best.push((score, cand, args)),
                _ => best = vec![(score, cand, args)],
            }
        }
        let sig = format!(
            "{name}({})",
            given
                .iter()
                .map(|(_, e, _)| e.ty().ty.display_name())
                .collect::<Vec<_>>()
                .join(", ")
        );
        match best.len() {
            0 => self.err_at(SqlError::undefined_function(&sig), span),
            1 => {
                let (_, def, args) = best.remove(0);
                if def.returns == Returns::Trigger {
                    // PostgreSQL reports this without a position.
                    return Err(SqlError::new(
                        "0A000",
                        "trigger functions can only be called as triggers",
                    ));
                }
                Ok((def, args))
            }
            _ => self.err_at(
                SqlError::new("42725", format!("function {sig} is not unique")).with_hint(
                    "Could not choose a best candidate function. You might need to add explicit type casts.",
                ),
                span,
            ),
        }
    }

    /// The call bound to `cand` (its number of exactly matching argument
    /// types, the coerced arguments), or None if `cand` does not fit.
    fn try_candidate(
        &mut self,
        cand: &FunctionDef,
        given: &[(Option<String>, Expr, Span)],
    ) -> SqlResult<Option<(usize, Vec<Expr>)>> {
        let params: Vec<_> = cand.input_args().collect();
        if given.len() > params.len() {
            return Ok(None);
        }
        let mut slots: Vec<Option<(Expr, Span)>> = vec![None; params.len()];
        for (i, (n, e, s)) in given.iter().enumerate() {
            let at = match n {
                None => i,
                Some(n) => match params.iter().position(|p| p.name.as_deref() == Some(n)) {
                    Some(p) => p,
                    None => return Ok(None),
                },
            };
            if slots[at].is_some() {
                return Ok(None);
            }
            slots[at] = Some((e.clone(), *s));
        }
        let mut score = 0;
        let mut out = Vec::with_capacity(params.len());
        for (p, slot) in params.iter().zip(slots) {
            let (e, span) = match slot {
                Some(x) => x,
                None => match &p.default {
                    Some(text) => {
                        let ast = parse_expr(text)?;
                        let span = ast.span();
                        (self.bind_expr(&ast, &Scope::default())?, span)
                    }
                    None => return Ok(None),
                },
            };
            if e.ty().ty == p.ty.ty {
                score += 1;
                out.push(e);
                continue;
            }
            match self.try_coerce(e, p.ty, CastContext::Implicit, span) {
                Ok(Some(x)) => out.push(x),
                _ => return Ok(None),
            }
        }
        Ok(Some((score, out)))
    }

    /// A user-defined function call in an expression.
    pub(super) fn bind_user_function(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        let (def, args) = self.resolve_user_call(name, f, scope, span)?;
        let id = self.next_id();
        let ty = def.result_type();
        Ok(Expr::UserCall {
            id,
            func: def,
            args,
            ty,
        })
    }

    /// A user-defined function in FROM.
    pub(super) fn bind_user_function_in_from(
        &mut self,
        name: &ast::ObjectName,
        fname: &str,
        args: &ast::TableFunctionArgs,
        alias: Option<&ast::TableAlias>,
    ) -> SqlResult<(Plan, Scope)> {
        let call = super::table_fn::call_in_from(name, args);
        let call = self.bind_user_function(fname, &call, &Scope::default(), name.span())?;
        let Expr::UserCall { func, .. } = &call else {
            return Err(SqlError::internal("user function call expected"));
        };
        let qual = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| fname.to_string());
        let mut cols: Vec<ScopeCol> = match &func.returns {
            Returns::Table { columns, .. } => columns
                .iter()
                .map(|(n, t)| ScopeCol {
                    qualifier: Some(qual.clone()),
                    name: n.clone(),
                    ty: *t,
                })
                .collect(),
            _ => vec![ScopeCol {
                qualifier: Some(qual.clone()),
                name: qual.clone(),
                ty: func.result_type(),
            }],
        };
        if let Some(a) = alias {
            for (c, n) in cols.iter_mut().zip(&a.columns) {
                c.name = ident_name(&n.name);
            }
        }
        let width = cols.len();
        Ok((Plan::UserFunction { call, width }, Scope { cols }))
    }
}
