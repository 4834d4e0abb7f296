//! Binding of the bit-string operators and functions: `&`, `|`, `#` on
//! strings of one length, `<<` and `>>` by an integer count, prefix `~`
//! (all giving bit), `||` (giving bit varying), and length, get_bit and
//! set_bit. An untyped literal next to a bit string is read as one.

use super::*;
use crate::builtins::LibFn;

pub(super) fn is_bit_string(t: SqlType) -> bool {
    matches!(t, SqlType::Bit | SqlType::VarBit)
}

impl<'a> Binder<'a> {
    /// `l op r` for a bitwise operator or `||` when either side is a bit string.
    pub(super) fn bit_string_binary(
        &mut self,
        func: LibFn,
        l: Expr,
        r: Expr,
        (ls, rs): (Span, Span),
        op_pos: Option<u32>,
        sym: &str,
    ) -> SqlResult<Expr> {
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let fits = |t: SqlType| is_bit_string(t) || t == SqlType::Unknown;
        let call = |func: LibFn, args: Vec<Expr>, ty: SqlType| Expr::Func {
            func: Func::Lib(func),
            args,
            ty: ty.plain(),
        };
        match func {
            LibFn::ShiftLeft | LibFn::ShiftRight if fits(lt) => {
                let is_int = matches!(rt, SqlType::Int2 | SqlType::Int4 | SqlType::Unknown);
                if !is_int {
                    return Err(no_operator(sym, Some(lt), rt).at(op_pos));
                }
                let l = self.coerce_implicit(l, SqlType::Bit, ls)?;
                let r = self.coerce_implicit(r, SqlType::Int4, rs)?;
                let func = if func == LibFn::ShiftLeft {
                    LibFn::BitStringShiftLeft
                } else {
                    LibFn::BitStringShiftRight
                };
                Ok(call(func, vec![l, r], SqlType::Bit))
            }
            LibFn::BitAnd | LibFn::BitOr | LibFn::BitXor if fits(lt) && fits(rt) => {
                let l = self.coerce_implicit(l, SqlType::Bit, ls)?;
                let r = self.coerce_implicit(r, SqlType::Bit, rs)?;
                let func = match func {
                    LibFn::BitAnd => LibFn::BitStringAnd,
                    LibFn::BitOr => LibFn::BitStringOr,
                    _ => LibFn::BitStringXor,
                };
                Ok(call(func, vec![l, r], SqlType::Bit))
            }
            LibFn::BitStringConcat if fits(lt) && fits(rt) => {
                let l = self.coerce_implicit(l, SqlType::VarBit, ls)?;
                let r = self.coerce_implicit(r, SqlType::VarBit, rs)?;
                Ok(call(func, vec![l, r], SqlType::VarBit))
            }
            _ => Err(no_operator(sym, Some(lt), rt).at(op_pos)),
        }
    }

    /// `~ b`.
    pub(super) fn bit_string_not(&mut self, x: Expr) -> Expr {
        Expr::Func {
            func: Func::Lib(LibFn::BitStringNot),
            args: vec![x],
            ty: SqlType::Bit.plain(),
        }
    }
}
