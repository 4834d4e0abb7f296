//! Binding of the jsonb operators (`crate::json_ops`): `#>`, `#>>`, `?`,
//! `?|`, `?&` and `#-` are JSON-only; `@>`, `<@`, `||` and `-` are taken
//! here when their left operand is jsonb and left to the other operator
//! bindings otherwise.

use super::*;
use crate::json_build::JsonFn;
use crate::json_ops::JsonOp;
use crate::pg_catalog::SysFn;

impl Binder<'_> {
    /// A JSON operator; None (with the left operand, if bound, handed back
    /// in `bound_left`) when `op` on these operands is no JSON operator.
    pub(super) fn bind_json_operator(
        &mut self,
        op: &ast::BinaryOperator,
        bound_left: &mut Option<Expr>,
        left: &ast::Expr,
        right: &ast::Expr,
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        use ast::BinaryOperator as B;
        let json_only = matches!(
            op,
            B::HashArrow
                | B::HashLongArrow
                | B::Question
                | B::QuestionPipe
                | B::QuestionAnd
                | B::HashMinus
        );
        let shared = matches!(op, B::AtArrow | B::ArrowAt | B::StringConcat | B::Minus);
        if !json_only && !shared {
            return Ok(None);
        }
        let l = match bound_left.take() {
            Some(l) => l,
            None => self.bind_expr(left, scope)?,
        };
        let lt = l.ty().ty;
        if shared && lt != SqlType::Jsonb {
            *bound_left = Some(l);
            return Ok(None);
        }
        let r = self.bind_expr(right, scope)?;
        let rt = r.ty().ty;
        let spans = (start_span(left), start_span(right));
        let sym = op.to_string();
        let no_op = |b: &Self| no_operator(&sym, Some(lt), rt).at(b.op_pos(spans, &sym));
        let path_ops = matches!(op, B::HashArrow | B::HashLongArrow);
        if !(lt == SqlType::Jsonb || (lt == SqlType::Json && path_ops)) {
            return Err(no_op(self));
        }
        let text_array = match types::Elem::of(SqlType::Text) {
            Some(e) => SqlType::Array(e),
            None => return Err(SqlError::internal("text has no array type")),
        };
        let is_text = |t: SqlType| t == SqlType::Unknown || t.category() == Category::String;
        let (f, args, ty) = match op {
            B::HashArrow | B::HashLongArrow => {
                let as_text = matches!(op, B::HashLongArrow);
                let r = self.coerce_implicit(r, text_array, spans.1)?;
                let ty = if as_text { SqlType::Text } else { lt };
                (JsonOp::Path { as_text }, vec![l, r], ty)
            }
            B::Question if is_text(rt) => {
                let r = self.coerce_implicit(r, SqlType::Text, spans.1)?;
                (JsonOp::Exists, vec![l, r], SqlType::Bool)
            }
            B::QuestionPipe | B::QuestionAnd => {
                let r = self.coerce_implicit(r, text_array, spans.1)?;
                let all = matches!(op, B::QuestionAnd);
                (JsonOp::ExistsAny { all }, vec![l, r], SqlType::Bool)
            }
            B::HashMinus => {
                let r = self.coerce_implicit(r, text_array, spans.1)?;
                (JsonOp::DeletePath, vec![l, r], SqlType::Jsonb)
            }
            B::AtArrow | B::ArrowAt | B::StringConcat
                if matches!(rt, SqlType::Unknown | SqlType::Jsonb) =>
            {
                let r = self.coerce_implicit(r, SqlType::Jsonb, spans.1)?;
                match op {
                    B::AtArrow => (JsonOp::Contains, vec![l, r], SqlType::Bool),
                    // a <@ b is b @> a.
                    B::ArrowAt => (JsonOp::Contains, vec![r, l], SqlType::Bool),
                    _ => (JsonOp::Concat, vec![l, r], SqlType::Jsonb),
                }
            }
            B::Minus if is_text(rt) => {
                let r = self.coerce_implicit(r, SqlType::Text, spans.1)?;
                (JsonOp::DeleteKey, vec![l, r], SqlType::Jsonb)
            }
            B::Minus if matches!(rt, SqlType::Int2 | SqlType::Int4) => {
                let r = self.coerce_implicit(r, SqlType::Int4, spans.1)?;
                (JsonOp::DeleteIndex, vec![l, r], SqlType::Jsonb)
            }
            B::Minus if rt == text_array => (JsonOp::DeleteKeys, vec![l, r], SqlType::Jsonb),
            _ => return Err(no_op(self)),
        };
        Ok(Some(Expr::Func {
            func: Func::Sys(SysFn::Json(JsonFn::Op(f))),
            args,
            ty: ty.plain(),
        }))
    }
}
