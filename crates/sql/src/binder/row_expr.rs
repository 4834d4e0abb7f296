//! Binding of row expressions (`crate::composite`): row constructors
//! `ROW(a, b)` and `(a, b)`, their coercion to a composite type (field by
//! field, as PostgreSQL's coerce_record_to_complex), field selection
//! `(expr).field`, row `IS [NOT] NULL`, whole-row references
//! (`SELECT t FROM t`), and the internal calls `crate::array_assign` writes
//! for field assignment targets (`SET c.f = v`, `INSERT INTO t (c.f)`).

use super::*;
use crate::composite::RowFn;

impl<'a> Binder<'a> {
    /// `ROW(...)` / `(a, b, ...)`: an anonymous record of the bound fields;
    /// the internal field-assignment calls. None for other expressions.
    pub(super) fn bind_row_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        let args: Vec<&ast::Expr> = match e {
            ast::Expr::BinaryOp { left, op, right } => {
                let (Some(l), Some(r)) = (row_items(left), row_items(right)) else {
                    return Ok(None);
                };
                let Some(expanded) = row_comparison(&l, op, &r) else {
                    return Ok(None);
                };
                if l.len() != r.len() {
                    return self.err_at(
                        SqlError::syntax("unequal number of entries in row expressions"),
                        start_span(e),
                    );
                }
                return self.bind_expr(&expanded, scope).map(Some);
            }
            ast::Expr::Function(f) => {
                let Some(name) = internal_or_row_name(f) else {
                    return Ok(None);
                };
                let args: Vec<&ast::Expr> = match &f.args {
                    ast::FunctionArguments::List(list) => list
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
                            _ => None,
                        })
                        .collect(),
                    _ => vec![],
                };
                match (name, args.as_slice()) {
                    (Internal::FieldAssign, [row, field, value]) => {
                        return self
                            .bind_field_assign(row, field, value, scope, start_span(e))
                            .map(Some)
                    }
                    (Internal::InsertColumn, [column]) => {
                        return self.bind_insert_column(column, start_span(e)).map(Some)
                    }
                    (Internal::Row, _) => args,
                    _ => return Err(SqlError::internal("internal row call arity")),
                }
            }
            ast::Expr::Tuple(items) => items.iter().collect(),
            _ => return Ok(None),
        };
        let mut fields = Vec::with_capacity(args.len());
        for a in args {
            fields.push(self.bind_expr(a, scope)?);
        }
        Ok(Some(Expr::Func {
            func: Func::Row(RowFn::Construct),
            args: fields,
            ty: SqlType::Record.plain(),
        }))
    }

    /// A row constructor coerced to the composite type `oid`: each field
    /// cast to the attribute's type under `ctx`. None when `e` is not a
    /// row constructor.
    pub(super) fn coerce_row_constructor(
        &mut self,
        e: &Expr,
        oid: u32,
        ctx: CastContext,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let Expr::Func {
            func: Func::Row(RowFn::Construct),
            args,
            ..
        } = e
        else {
            return Ok(None);
        };
        let fields = crate::user_types::composite_fields(oid)
            .ok_or_else(|| SqlError::internal("composite type not registered"))?;
        let target = SqlType::Composite(oid);
        if args.len() != fields.len() {
            let detail = if args.len() < fields.len() {
                "Input has too few columns."
            } else {
                "Input has too many columns."
            };
            return self.err_at(
                SqlError::new(
                    "42846",
                    format!("cannot cast type record to {}", target.display_name()),
                )
                .with_detail(detail),
                span,
            );
        }
        let mut out = Vec::with_capacity(args.len());
        for (i, (a, f)) in args.iter().zip(&fields).enumerate() {
            let from = a.ty();
            match self.try_coerce(a.clone(), f.ty, ctx, span)? {
                Some(x) => out.push(x),
                None => {
                    return self.err_at(
                        SqlError::new(
                            "42846",
                            format!("cannot cast type record to {}", target.display_name()),
                        )
                        .with_detail(format!(
                            "Cannot cast type {} to {} in column {}.",
                            from.ty.display_name(),
                            f.ty.display(),
                            i + 1
                        )),
                        span,
                    )
                }
            }
        }
        Ok(Some(Expr::Func {
            func: Func::Row(RowFn::Construct),
            args: out,
            ty: target.plain(),
        }))
    }

    /// `(expr).name` on a composite value.
    pub(super) fn select_field(&mut self, x: Expr, name: &str, span: Span) -> SqlResult<Expr> {
        let ty = x.ty().ty;
        let SqlType::Composite(oid) = ty else {
            return self.err_at(
                SqlError::new(
                    "42809",
                    format!(
                        "column notation .{name} applied to type {}, which is not a composite type",
                        ty.display_name()
                    ),
                ),
                span,
            );
        };
        let Some((index, fty)) = crate::composite::field_named(oid, name) else {
            return self.err_at(
                SqlError::new(
                    "42703",
                    format!(
                        "column \"{name}\" not found in data type {}",
                        ty.display_name()
                    ),
                ),
                span,
            );
        };
        Ok(Expr::Func {
            func: Func::Row(RowFn::Field { oid, index }),
            args: vec![x],
            ty: fty,
        })
    }

    /// `(expr).*` in a select list: each field of the composite value, named
    /// after the field.
    pub(super) fn expand_row(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
    ) -> SqlResult<Vec<(String, Expr)>> {
        let span = start_span(e);
        let x = self.bind_expr(e, scope)?;
        let ty = x.ty().ty;
        let fields = match ty {
            SqlType::Composite(oid) => crate::user_types::composite_fields(oid)
                .ok_or_else(|| SqlError::internal("composite type not registered"))?,
            // PostgreSQL reports this one without a position.
            _ => {
                return Err(SqlError::new(
                    "42809",
                    format!("type {} is not composite", ty.display_name()),
                ))
            }
        };
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            let field = self.select_field(x.clone(), &f.name, span)?;
            out.push((f.name, field));
        }
        Ok(out)
    }

    /// `x IS [NOT] NULL` where `x` is a row: PostgreSQL tests every field.
    pub(super) fn row_null_test(x: Expr, negated: bool) -> Expr {
        if matches!(x.ty().ty, SqlType::Composite(_) | SqlType::Record) {
            return Expr::Func {
                func: Func::Row(RowFn::IsNull { negated }),
                args: vec![x],
                ty: SqlType::Bool.plain(),
            };
        }
        Expr::IsNull {
            expr: Box::new(x),
            negated,
        }
    }

    /// A bare name that is no column but a FROM item's name (`SELECT t
    /// FROM t`): the whole row of that item as an anonymous record.
    /// When `name` is also a table's name and the item's columns are that
    /// table's (in any order: a partition or child read under its parent's
    /// name), the row has the table's row type, fields in its order, as
    /// PostgreSQL converts a child's whole row to the parent's row type.
    pub(super) fn whole_row_reference(&mut self, name: &str, scope: &Scope) -> Option<Expr> {
        let fields: Vec<(&str, Expr)> = scope
            .cols
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.qualifier.as_deref() == Some(name) && !system_columns::is_system_column(&c.name)
            })
            .map(|(i, c)| (c.name.as_str(), Expr::Column(i, c.ty)))
            .collect();
        if fields.is_empty() {
            return None;
        }
        if let Some((oid, order)) = crate::table_row_type::row_of_columns(
            self.catalog,
            name,
            fields.iter().map(|(n, x)| (*n, x.ty())),
        ) {
            // A partitioned table's rows are read from its partitions.
            let converted = self
                .catalog
                .tables
                .get(name)
                .is_some_and(|t| t.partitioning.key.is_some());
            return Some(Expr::Func {
                func: Func::Row(RowFn::WholeRow { converted }),
                args: order.into_iter().map(|i| fields[i].1.clone()).collect(),
                ty: SqlType::Composite(oid).plain(),
            });
        }
        Some(Expr::Func {
            func: Func::Row(RowFn::Construct),
            args: fields.into_iter().map(|(_, x)| x).collect(),
            ty: SqlType::Record.plain(),
        })
    }
}

/// The row whose fields `(row).*` selects (`crate::row_star`), if `e` is
/// such a reference.
pub(super) fn all_fields_root(e: &ast::Expr) -> Option<ast::Expr> {
    let ast::Expr::CompoundFieldAccess { root, access_chain } = e else {
        return None;
    };
    let (last, before) = access_chain.split_last()?;
    let ast::AccessExpr::Dot(ast::Expr::Identifier(star)) = last else {
        return None;
    };
    if star.quote_style.is_none() || star.value != crate::row_star::ALL_FIELDS {
        return None;
    }
    Some(if before.is_empty() {
        root.as_ref().clone()
    } else {
        ast::Expr::CompoundFieldAccess {
            root: root.clone(),
            access_chain: before.to_vec(),
        }
    })
}

/// Whether `e` compares two row constructors (`(a, b) < (c, d)`).
pub(super) fn is_row_comparison(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::BinaryOp { left, op, right } => {
            use ast::BinaryOperator as B;
            matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
                && row_items(left).is_some()
                && row_items(right).is_some()
        }
        _ => false,
    }
}

/// The items of a row constructor (`(a, b)` or `ROW(...)`), if `e` is one.
fn row_items(e: &ast::Expr) -> Option<Vec<ast::Expr>> {
    let mut e = e;
    while let ast::Expr::Nested(inner) = e {
        e = inner;
    }
    match e {
        ast::Expr::Tuple(items) => Some(items.clone()),
        ast::Expr::Function(f) if matches!(internal_or_row_name(f), Some(Internal::Row)) => {
            let ast::FunctionArguments::List(list) = &f.args else {
                return Some(vec![]);
            };
            list.args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x.clone()),
                    _ => None,
                })
                .collect()
        }
        _ => None,
    }
}

/// A comparison of two row constructors as PostgreSQL expands it: `=` is
/// every pair equal, `<>` some pair different, and `<`, `<=`, `>`, `>=`
/// compare the first unequal pair (the last pair with the operator itself).
/// None for other operators; the caller reports unequal lengths.
fn row_comparison(l: &[ast::Expr], op: &ast::BinaryOperator, r: &[ast::Expr]) -> Option<ast::Expr> {
    use ast::BinaryOperator as B;
    let pair = |a: &ast::Expr, op: B, b: &ast::Expr| ast::Expr::BinaryOp {
        left: Box::new(a.clone()),
        op,
        right: Box::new(b.clone()),
    };
    let join = |items: Vec<ast::Expr>, op: B| {
        items
            .into_iter()
            .reduce(|acc, x| ast::Expr::Nested(Box::new(pair(&acc, op.clone(), &x))))
    };
    let n = l.len().min(r.len());
    match op {
        B::Eq | B::NotEq => {
            let joiner = if *op == B::Eq { B::And } else { B::Or };
            let items = l
                .iter()
                .zip(r)
                .map(|(a, b)| pair(a, op.clone(), b))
                .collect();
            Some(
                join(items, joiner)
                    .unwrap_or(ast::Expr::Value(ast::Value::Boolean(*op == B::Eq).into())),
            )
        }
        B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let strict = match op {
                B::Lt | B::LtEq => B::Lt,
                _ => B::Gt,
            };
            // Built from the last pair outwards: (a1 < b1) OR (a1 = b1 AND rest).
            let mut acc: Option<ast::Expr> = None;
            for i in (0..n).rev() {
                let here = if acc.is_none() {
                    op.clone()
                } else {
                    strict.clone()
                };
                let cmp = pair(&l[i], here, &r[i]);
                acc = Some(match acc {
                    None => cmp,
                    Some(rest) => ast::Expr::Nested(Box::new(pair(
                        &cmp,
                        B::Or,
                        &ast::Expr::Nested(Box::new(pair(
                            &pair(&l[i], B::Eq, &r[i]),
                            B::And,
                            &rest,
                        ))),
                    ))),
                });
            }
            acc
        }
        _ => None,
    }
}

/// Calls this module binds.
#[derive(Clone, Copy)]
enum Internal {
    /// `ROW(...)`.
    Row,
    FieldAssign,
    InsertColumn,
}

fn internal_or_row_name(f: &ast::Function) -> Option<Internal> {
    let [part] = f.name.0.as_slice() else {
        return None;
    };
    let ident = part.as_ident()?;
    match (ident.quote_style, ident.value.as_str()) {
        (None, v) if v.eq_ignore_ascii_case("row") => Some(Internal::Row),
        (Some(_), crate::array_assign::FIELD_FN) => Some(Internal::FieldAssign),
        (Some(_), crate::array_assign::INSERT_COLUMN_FN) => Some(Internal::InsertColumn),
        _ => None,
    }
}

/// The text of a string literal argument of an internal call.
fn literal_text(e: &ast::Expr) -> SqlResult<String> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Ok(s.clone()),
            _ => Err(SqlError::internal("internal call without a name")),
        },
        _ => Err(SqlError::internal("internal call without a name")),
    }
}

/// A column of the subquery `crate::array_assign` wraps an INSERT's query in.
fn is_rewritten_source(e: &ast::Expr) -> bool {
    let mut e = e;
    while let ast::Expr::Nested(inner) = e {
        e = inner;
    }
    matches!(e, ast::Expr::CompoundIdentifier(parts)
        if parts.first().is_some_and(|p| p.quote_style.is_some() && p.value.starts_with('\u{1}')))
}

fn is_default(e: &ast::Expr) -> bool {
    let mut e = e;
    while let ast::Expr::Nested(inner) = e {
        e = inner;
    }
    matches!(e, ast::Expr::Identifier(i)
        if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

impl<'a> Binder<'a> {
    /// `"\u{1}field_assign"(row, 'field', value)`: the row with one field set.
    fn bind_field_assign(
        &mut self,
        row: &ast::Expr,
        field: &ast::Expr,
        value: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        if is_default(value) {
            return self.err_at(
                SqlError::new("0A000", "cannot set a subfield to DEFAULT"),
                span,
            );
        }
        let name = literal_text(field)?;
        let base = self.bind_expr(row, scope)?;
        let ty = base.ty().ty;
        let SqlType::Composite(oid) = ty else {
            return self.err_at(
                SqlError::new(
                    "42809",
                    format!(
                        "cannot assign to field \"{name}\" of column because its type {} is not a composite type",
                        ty.display_name()
                    ),
                ),
                span,
            );
        };
        let Some((index, fty)) = crate::composite::field_named(oid, &name) else {
            return self.err_at(
                SqlError::new(
                    "42703",
                    format!(
                        "cannot assign to field \"{name}\" of column because there is no such column in data type {}",
                        ty.display_name()
                    ),
                ),
                span,
            );
        };
        let v = self.bind_expr(value, scope)?;
        let from = v.ty();
        // `INSERT ... SELECT 3, '{a}'` reaches here through the rewrite's
        // subquery, where the literal became text; PostgreSQL reads it as
        // an unknown literal of the field's type.
        let ctx = if from.ty == SqlType::Text && is_rewritten_source(value) {
            CastContext::Explicit
        } else {
            CastContext::Assignment
        };
        let Some(v) = self.try_coerce(v, fty, ctx, span)? else {
            return self.err_at(
                SqlError::datatype_mismatch(format!(
                    "subfield \"{name}\" is of type {} but expression is of type {}",
                    fty.display(),
                    from.display()
                ))
                .with_hint("You will need to rewrite or cast the expression."),
                span,
            );
        };
        Ok(Expr::Func {
            func: Func::Row(RowFn::SetField { oid, index }),
            args: vec![base, v],
            ty: ty.plain(),
        })
    }

    /// `"\u{1}insert_column"('c')`: a NULL of the INSERT target column's type.
    fn bind_insert_column(&mut self, column: &ast::Expr, span: Span) -> SqlResult<Expr> {
        let name = literal_text(column)?;
        let table = self
            .insert_target
            .clone()
            .ok_or_else(|| SqlError::internal("insert column outside INSERT"))?;
        let Some(col) = table.columns.iter().find(|c| c.name == name) else {
            return self.err_at(
                SqlError::new(
                    "42703",
                    format!(
                        "column \"{name}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                ),
                span,
            );
        };
        Ok(Expr::Const(Datum::Null, col.ty))
    }
}
