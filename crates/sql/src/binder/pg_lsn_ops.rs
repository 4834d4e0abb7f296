//! Binding of pg_lsn arithmetic, PostgreSQL's operators on positions:
//! `pg_lsn - pg_lsn` (numeric distance), `pg_lsn + numeric`,
//! `numeric + pg_lsn` and `pg_lsn - numeric` (a moved position). An untyped
//! literal is read as a pg_lsn after `-` and as numeric after `+`, the
//! operator PostgreSQL picks for it.

use super::expr::BinaryOperands;
use super::*;
use crate::builtins::LibFn;

impl<'a> Binder<'a> {
    pub(super) fn pg_lsn_arith(&mut self, operands: BinaryOperands<'_>) -> SqlResult<Expr> {
        let (op, l, r) = (operands.op, operands.l, operands.r);
        let ((ls, rs), sym, op_pos) = (operands.spans, operands.sym, operands.op_pos);
        let lsn = SqlType::PgLsn;
        let numeric = SqlType::Numeric;
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let is_number = |t: SqlType| t.category() == Category::Numeric || t == SqlType::Unknown;
        let call = |func: LibFn, args: Vec<Expr>, ty: SqlType| Expr::Func {
            func: Func::Lib(func),
            args,
            ty: ty.plain(),
        };
        match op {
            BinOp::Sub if lt == lsn && (rt == lsn || rt == SqlType::Unknown) => {
                let r = self.coerce_implicit(r, lsn, rs)?;
                Ok(call(LibFn::PgLsnMinus, vec![l, r], numeric))
            }
            BinOp::Sub if lt == lsn && is_number(rt) => {
                let r = self.coerce_implicit(r, numeric, rs)?;
                Ok(call(LibFn::PgLsnSubtract, vec![l, r], lsn))
            }
            BinOp::Add if lt == lsn && is_number(rt) => {
                let r = self.coerce_implicit(r, numeric, rs)?;
                Ok(call(LibFn::PgLsnAdd, vec![l, r], lsn))
            }
            BinOp::Add if is_number(lt) && rt == lsn => {
                let l = self.coerce_implicit(l, numeric, ls)?;
                Ok(call(LibFn::PgLsnAdd, vec![r, l], lsn))
            }
            _ => Err(no_operator(sym, Some(lt), rt).at(op_pos)),
        }
    }
}
