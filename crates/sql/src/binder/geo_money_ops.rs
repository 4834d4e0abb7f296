//! Binding of the geometric and money operators. Geometric: the point
//! operators PostgreSQL defines (`~=`, `<->`, `<<`, `>>`, `<^`, `>^`, `?|`,
//! `?-`, `<>` and `+ - * /`); the btree comparisons (`=`, `<`, ...) do not
//! exist on point, as in PostgreSQL. Money: `money ± money`,
//! `money * int/float` either way round, `money / int/float`,
//! `money / money` (float8); comparisons go through the ordinary path. An
//! untyped literal next to a point or money reads as that type.

use super::expr::BinaryOperands;
use super::*;
use crate::builtins::geo_money::{GeoFn, MoneyFn};
use crate::builtins::LibFn;
use crate::geometry::{is_geometric, PointArith, PointTest};

/// A geometric test operator sqlparser parses, with its spelling.
fn point_test(op: &ast::BinaryOperator) -> Option<(Option<PointTest>, &'static str)> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::TildeEq => (Some(PointTest::Same), "~="),
        B::PGBitwiseShiftLeft => (Some(PointTest::Left), "<<"),
        B::PGBitwiseShiftRight => (Some(PointTest::Right), ">>"),
        B::LtCaret => (Some(PointTest::Below), "<^"),
        B::GtCaret => (Some(PointTest::Above), ">^"),
        B::QuestionPipe => (Some(PointTest::Vertical), "?|"),
        B::QuestionDash => (Some(PointTest::Horizontal), "?-"),
        // The distance operator.
        B::LtDashGt => (None, "<->"),
        _ => return None,
    })
}

fn call(f: LibFn, args: Vec<Expr>, ty: SqlType) -> Expr {
    Expr::Func {
        func: Func::Lib(f),
        args,
        ty: ty.plain(),
    }
}

impl<'a> Binder<'a> {
    /// A geometric operator whose left operand is geometric; `None` leaves
    /// the operator (and the bound left operand) to the other binders.
    pub(super) fn bind_geometry_operator(
        &mut self,
        op: &ast::BinaryOperator,
        bound_left: &mut Option<Expr>,
        (left, right): (&ast::Expr, &ast::Expr),
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        let Some((test, sym)) = point_test(op) else {
            return Ok(None);
        };
        let l = match bound_left.take() {
            Some(l) => l,
            None => self.bind_expr(left, scope)?,
        };
        let lt = l.ty().ty;
        if !is_geometric(lt) {
            *bound_left = Some(l);
            return Ok(None);
        }
        let r = self.bind_expr(right, scope)?;
        let spans = (start_span(left), start_span(right));
        let op_pos = self.op_pos(spans, sym);
        let r = if r.ty().ty == SqlType::Unknown {
            self.coerce_implicit(r, lt, spans.1)?
        } else {
            r
        };
        let rt = r.ty().ty;
        let same_shapes = matches!(
            (lt, rt),
            (SqlType::GeoBox, SqlType::GeoBox) | (SqlType::Circle, SqlType::Circle)
        );
        if test == Some(PointTest::Same) && same_shapes {
            return Ok(Some(call(
                LibFn::Geo(GeoFn::ShapeSame),
                vec![l, r],
                SqlType::Bool,
            )));
        }
        if (lt, rt) != (SqlType::Point, SqlType::Point) {
            return Err(no_operator(sym, Some(lt), rt).at(op_pos));
        }
        Ok(Some(match test {
            Some(t) => call(LibFn::Geo(GeoFn::PointTest(t)), vec![l, r], SqlType::Bool),
            None => call(
                LibFn::Geo(GeoFn::PointDistance),
                vec![l, r],
                SqlType::Float8,
            ),
        }))
    }

    /// `+ - * /` and the comparisons with a geometric operand: point
    /// arithmetic and `point <> point`; everything else has no operator.
    pub(super) fn geometry_binary(&mut self, operands: BinaryOperands<'_>) -> SqlResult<Expr> {
        let (op, l, r) = (operands.op, operands.l, operands.r);
        let ((ls, rs), sym, op_pos) = (operands.spans, operands.sym, operands.op_pos);
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let supported = matches!(
            op,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::NotEq
        );
        if !supported {
            return Err(no_operator(sym, Some(lt), rt).at(op_pos));
        }
        let target = if is_geometric(lt) { lt } else { rt };
        let l = if lt == SqlType::Unknown {
            self.coerce_implicit(l, target, ls)?
        } else {
            l
        };
        let r = if rt == SqlType::Unknown {
            self.coerce_implicit(r, target, rs)?
        } else {
            r
        };
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        if (lt, rt) != (SqlType::Point, SqlType::Point) {
            return Err(no_operator(sym, Some(lt), rt).at(op_pos));
        }
        let arith = |a: PointArith| LibFn::Geo(GeoFn::PointArith(a));
        Ok(match op {
            BinOp::Add => call(arith(PointArith::Add), vec![l, r], SqlType::Point),
            BinOp::Sub => call(arith(PointArith::Sub), vec![l, r], SqlType::Point),
            BinOp::Mul => call(arith(PointArith::Mul), vec![l, r], SqlType::Point),
            BinOp::Div => call(arith(PointArith::Div), vec![l, r], SqlType::Point),
            BinOp::NotEq => call(
                LibFn::Geo(GeoFn::PointTest(PointTest::NotSame)),
                vec![l, r],
                SqlType::Bool,
            ),
            _ => return Err(no_operator(sym, Some(lt), rt).at(op_pos)),
        })
    }

    /// Money arithmetic (comparisons of money go through `unify`).
    pub(super) fn money_arith(&mut self, operands: BinaryOperands<'_>) -> SqlResult<Expr> {
        let (op, l, r) = (operands.op, operands.l, operands.r);
        let ((ls, rs), sym, op_pos) = (operands.spans, operands.sym, operands.op_pos);
        let money = SqlType::Money;
        let (lt, rt) = (l.ty().ty, r.ty().ty);
        let is_int = |t: SqlType| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8);
        // numeric casts implicitly to float8, and an untyped literal
        // multiplying money reads as float8 (the preferred numeric type).
        let is_float = |t: SqlType| {
            matches!(
                t,
                SqlType::Float4 | SqlType::Float8 | SqlType::Numeric | SqlType::Unknown
            )
        };
        let f = |m: MoneyFn| LibFn::Money(m);
        Ok(match op {
            BinOp::Add | BinOp::Sub
                if (lt == money || lt == SqlType::Unknown)
                    && (rt == money || rt == SqlType::Unknown) =>
            {
                let l = self.coerce_implicit(l, money, ls)?;
                let r = self.coerce_implicit(r, money, rs)?;
                let m = if op == BinOp::Add {
                    MoneyFn::Add
                } else {
                    MoneyFn::Sub
                };
                call(f(m), vec![l, r], money)
            }
            BinOp::Div if lt == money && (rt == money || rt == SqlType::Unknown) => {
                let r = self.coerce_implicit(r, money, rs)?;
                call(f(MoneyFn::DivMoney), vec![l, r], SqlType::Float8)
            }
            BinOp::Mul | BinOp::Div if lt == money && is_int(rt) => {
                let m = if op == BinOp::Mul {
                    MoneyFn::MulInt
                } else {
                    MoneyFn::DivInt
                };
                call(f(m), vec![l, r], money)
            }
            BinOp::Mul | BinOp::Div if lt == money && is_float(rt) => {
                let r = self.coerce_implicit(r, SqlType::Float8, rs)?;
                let m = if op == BinOp::Mul {
                    MoneyFn::MulFloat
                } else {
                    MoneyFn::DivFloat
                };
                call(f(m), vec![l, r], money)
            }
            BinOp::Mul if is_int(lt) && rt == money => call(f(MoneyFn::MulInt), vec![r, l], money),
            BinOp::Mul if is_float(lt) && rt == money => {
                let l = self.coerce_implicit(l, SqlType::Float8, ls)?;
                call(f(MoneyFn::MulFloat), vec![r, l], money)
            }
            _ => return Err(no_operator(sym, Some(lt), rt).at(op_pos)),
        })
    }
}

/// The geometric functions bound by name: point(x, y), npoints(path),
/// length(path), isopen(path), isclosed(path), popen(path), pclose(path).
pub(super) fn geometry_function(
    name: &str,
    args: &[SqlType],
) -> Option<(GeoFn, Vec<SqlType>, SqlType)> {
    let path = SqlType::Path;
    let numeric_like = |t: &SqlType| t.category() == Category::Numeric || *t == SqlType::Unknown;
    Some(match (name, args) {
        ("point", [x, y]) if numeric_like(x) && numeric_like(y) => (
            GeoFn::MakePoint,
            vec![SqlType::Float8, SqlType::Float8],
            SqlType::Point,
        ),
        ("npoints", [SqlType::Path | SqlType::Unknown]) => {
            (GeoFn::PathPoints, vec![path], SqlType::Int4)
        }
        ("isopen", [SqlType::Path | SqlType::Unknown]) => {
            (GeoFn::PathIsOpen, vec![path], SqlType::Bool)
        }
        ("isclosed", [SqlType::Path | SqlType::Unknown]) => {
            (GeoFn::PathIsClosed, vec![path], SqlType::Bool)
        }
        ("length", [SqlType::Path]) => (GeoFn::PathLength, vec![path], SqlType::Float8),
        ("popen", [SqlType::Path | SqlType::Unknown]) => (GeoFn::PathOpen, vec![path], path),
        ("pclose", [SqlType::Path | SqlType::Unknown]) => (GeoFn::PathClose, vec![path], path),
        _ => return None,
    })
}

/// The element type of a subscripted geometric value: a point's
/// coordinates, an lseg's or a box's points.
pub(super) fn subscript_type(ty: SqlType) -> Option<SqlType> {
    match ty {
        SqlType::Point => Some(SqlType::Float8),
        SqlType::Lseg | SqlType::GeoBox => Some(SqlType::Point),
        _ => None,
    }
}

/// Grouping, DISTINCT and UNION need a btree equality operator, which the
/// geometric types lack (PostgreSQL's error).
pub(super) fn check_equality_operator(ty: SqlType) -> SqlResult<()> {
    if is_geometric(ty) {
        return Err(SqlError::new(
            "42883",
            format!(
                "could not identify an equality operator for type {}",
                ty.display_name()
            ),
        ));
    }
    Ok(())
}

/// Where the `i`th output column of a set operation's leftmost SELECT is
/// written (PostgreSQL points set-operation type errors there).
pub(super) fn set_op_column_span(left: &ast::SetExpr, i: usize) -> Option<Span> {
    match left {
        ast::SetExpr::Select(s) => match s.projection.get(i)? {
            ast::SelectItem::UnnamedExpr(x) | ast::SelectItem::ExprWithAlias { expr: x, .. } => {
                Some(start_span(x))
            }
            _ => None,
        },
        ast::SetExpr::SetOperation { left, .. } => set_op_column_span(left, i),
        _ => None,
    }
}

/// ORDER BY needs a btree ordering operator, which the geometric types lack.
pub(super) fn check_ordering_operator(ty: SqlType) -> SqlResult<()> {
    if is_geometric(ty) {
        return Err(SqlError::new(
            "42883",
            format!(
                "could not identify an ordering operator for type {}",
                ty.display_name()
            ),
        )
        .with_hint("Use an explicit ordering operator or modify the query."));
    }
    Ok(())
}
