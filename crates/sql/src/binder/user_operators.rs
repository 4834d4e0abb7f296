//! Operators defined by CREATE OPERATOR (`crate::user_operators`) in
//! expressions: a binary operator whose name some user operator has is
//! looked up by its operand types (exact types first, then operands that
//! convert implicitly, untyped literals included) before the built-in
//! operators, and binds as a call of the operator's function.

use std::sync::Arc;

use sqlparser::ast::{self, Spanned};

use super::{can_cast, Binder, Scope};
use crate::datum::CastContext;
use crate::error::{SqlError, SqlResult};
use crate::plan::Expr;
use crate::types::SqlType;
use crate::user_operators::{self, OperatorDef};

impl Binder<'_> {
    /// `left op right` by a user-defined operator; None (with the bound
    /// left operand handed back) when no user operator fits.
    pub(super) fn bind_user_operator(
        &mut self,
        op: &ast::BinaryOperator,
        bound_left: &mut Option<Expr>,
        (left, right): (&ast::Expr, &ast::Expr),
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        use ast::BinaryOperator as B;
        let name = match op {
            B::Custom(s) => s.clone(),
            B::PGCustomBinaryOperator(parts)
                if parts.len() == 1 || parts.first().is_some_and(|s| s == "public") =>
            {
                parts.last().cloned().unwrap_or_default()
            }
            other => other.to_string(),
        };
        if !user_operators::has_name(self.catalog, &name) {
            return Ok(None);
        }
        let l = match bound_left.take() {
            Some(l) => l,
            None => self.bind_expr(left, scope)?,
        };
        let r = self.bind_expr(right, scope)?;
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let fits = |want: SqlType, have: SqlType| {
            want == have || have == SqlType::Unknown || can_cast(have, want, CastContext::Implicit)
        };
        let mut best: Vec<(usize, Arc<OperatorDef>)> = Vec::new();
        for o in user_operators::named(self.catalog, &name) {
            let Some(ol) = o.left else { continue };
            if !fits(ol, lt) || !fits(o.right, rt) {
                continue;
            }
            let score = usize::from(ol == lt) + usize::from(o.right == rt);
            match best.first().map(|b| b.0) {
                Some(s) if s > score => {}
                Some(s) if s == score => best.push((score, o.clone())),
                _ => best = vec![(score, o.clone())],
            }
        }
        let def = match best.as_slice() {
            [] => {
                *bound_left = Some(l);
                return Ok(None);
            }
            [(_, def)] => def.clone(),
            _ => {
                return Err(SqlError::new(
                    "42725",
                    format!(
                        "operator is not unique: {} {name} {}",
                        lt.display_name(),
                        rt.display_name()
                    ),
                )
                .with_hint(
                    "Could not choose a best candidate operator. You might need to add explicit type casts.",
                ))
            }
        };
        let args = def.argument_types();
        let func = self
            .catalog
            .functions
            .get(&def.function)
            .and_then(|list| {
                list.iter()
                    .find(|f| f.input_args().map(|a| a.ty.ty).collect::<Vec<_>>() == args)
            })
            .cloned()
            .ok_or_else(|| SqlError::internal(format!("function of operator {name} is missing")))?;
        let mut bound = Vec::with_capacity(2);
        for ((e, want), ast_e) in [l, r].into_iter().zip(&args).zip([left, right]) {
            let from = e.ty().ty;
            match self.try_coerce(e, want.plain(), CastContext::Implicit, ast_e.span())? {
                Some(x) => bound.push(x),
                None => {
                    return Err(SqlError::datatype_mismatch(format!(
                        "cannot cast type {} to {}",
                        from.display_name(),
                        want.display_name()
                    )))
                }
            }
        }
        let id = self.next_id();
        Ok(Some(Expr::UserCall {
            id,
            ty: func.result_type(),
            func,
            args: bound,
        }))
    }
}
