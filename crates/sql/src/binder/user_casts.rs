//! Coercions by user-defined casts (`crate::casts`): the binder consults
//! them before the built-in casts, as PostgreSQL looks a cast up in
//! pg_cast. A binary-coercible cast becomes `Func::BinaryCoerce`, a cast
//! WITH INOUT a cast to text and back, a cast WITH FUNCTION a call of the
//! function.

use sqlparser::ast::{self, Spanned};
use sqlparser::tokenizer::Span;

use super::Binder;
use crate::casts::{CastDef, CastMethod};
use crate::datum::CastContext;
use crate::error::{SqlError, SqlResult};
use crate::plan::{Expr, Func};
use crate::types::{ColType, SqlType};

impl Binder<'_> {
    /// The 1-based position of the `::` that casts `operand` (where
    /// PostgreSQL reports a cast that does not exist). sqlparser's span of
    /// `x::a` covers `x` only, so in `x::a::b` the `::` of `b` is the
    /// second one after `x`.
    pub(super) fn double_colon_pos(&self, operand: &ast::Expr) -> Option<u32> {
        let mut nested = 0;
        let mut inner = operand;
        while let ast::Expr::Cast {
            kind: ast::CastKind::DoubleColon,
            expr,
            ..
        } = inner
        {
            nested += 1;
            inner = expr;
        }
        let end = inner.span().end;
        let from = super::span_position(self.sql, Span::new(end, end))?.saturating_sub(1) as usize;
        let rest: String = self.sql.chars().skip(from).collect();
        let (found, _) = rest.match_indices("::").nth(nested)?;
        Some((from + rest[..found].chars().count()) as u32 + 1)
    }

    /// The user-defined cast that converts `from` to `to`, if there is one.
    pub(super) fn user_cast(&self, from: SqlType, to: SqlType) -> Option<CastDef> {
        crate::casts::find(self.catalog, from, to).map(|c| (**c).clone())
    }

    /// `e` converted by `cast` (None when the cast does not apply in `ctx`).
    pub(super) fn apply_user_cast(
        &mut self,
        e: Expr,
        cast: &CastDef,
        to: ColType,
        ctx: CastContext,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        if !cast.usable_in(ctx) {
            return Ok(None);
        }
        let from = e.ty().ty;
        Ok(Some(match &cast.method {
            CastMethod::Binary => Expr::Func {
                func: Func::BinaryCoerce { from, to: to.ty },
                args: vec![e],
                ty: to,
            },
            CastMethod::InOut => {
                let text = Expr::Cast {
                    expr: Box::new(e),
                    from,
                    to: SqlType::Text.plain(),
                    ctx: CastContext::Explicit,
                };
                Expr::Cast {
                    expr: Box::new(text),
                    from: SqlType::Text,
                    to,
                    ctx: CastContext::Explicit,
                }
            }
            CastMethod::Function { name, args } => {
                let func = self
                    .catalog
                    .functions
                    .get(name)
                    .and_then(|list| {
                        list.iter()
                            .find(|f| f.input_args().map(|a| a.ty.ty).collect::<Vec<_>>() == *args)
                    })
                    .cloned()
                    .ok_or_else(|| {
                        SqlError::internal(format!("cast function {name} is missing"))
                            .at(self.pos(span))
                    })?;
                let id = self.next_id();
                Expr::UserCall {
                    id,
                    ty: func.result_type(),
                    func,
                    args: vec![e],
                }
            }
        }))
    }
}
