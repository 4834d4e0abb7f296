//! Binding of the sequence functions `nextval`, `currval`, `setval` and
//! `lastval`. The sequence argument is PostgreSQL's `regclass`: a string
//! literal (optionally cast `::regclass` or `::text`) names the sequence,
//! folded to lower case unless double-quoted, and is checked here so a
//! missing or non-sequence relation fails at bind time as in PostgreSQL;
//! any other text expression is resolved when evaluated. Also `SELECT *
//! FROM seq`: one row of last_value, log_cnt, is_called read when the
//! query runs. And `current_user` / `session_user` / `current_role` /
//! `user`: SET ROLE's role, else the session user (SET SESSION
//! AUTHORIZATION's; see `crate::roles`). And the views
//! `pg_sequences` and `information_schema.sequences` (every sequence is in
//! schema public; the catalog is the database the session connected to).

use sqlparser::ast::{self, Spanned};
use sqlparser::tokenizer::Span;

use super::{ident_name, Binder, FnArg, Scope, ScopeCol};
use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::plan::{Expr, Func, Plan};
use crate::sequence::SeqFn;
use crate::types::SqlType;

/// The string literal naming a relation, if the argument is one.
fn literal_name(e: &ast::Expr) -> Option<&str> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        ast::Expr::Cast {
            expr,
            data_type: ast::DataType::Regclass | ast::DataType::Text,
            ..
        } => literal_name(expr),
        ast::Expr::Nested(inner) => literal_name(inner),
        _ => None,
    }
}

/// The name as the evaluator reads it back (`relation_name` keeps a
/// double-quoted name as written).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Binder<'_> {
    /// Binds `name(raw)` if it is a sequence function.
    pub(super) fn bind_sequence_function(
        &mut self,
        name: &str,
        raw: &[FnArg],
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let (func, arity): (Func, &[usize]) = match name {
            "nextval" => (Func::NextVal, &[1]),
            "currval" => (Func::Sequence(SeqFn::CurrVal), &[1]),
            "setval" => (Func::Sequence(SeqFn::SetVal), &[2, 3]),
            "lastval" => (Func::Sequence(SeqFn::LastVal), &[0]),
            _ => return Ok(None),
        };
        let mut exprs = Vec::with_capacity(raw.len());
        for a in raw {
            match a {
                FnArg::Expr(e) => exprs.push(*e),
                FnArg::Star => {
                    return self.err_at(SqlError::syntax("syntax error at or near \"*\""), span)
                }
            }
        }
        if !arity.contains(&exprs.len()) {
            let mut tys = Vec::new();
            for e in &exprs {
                tys.push(self.bind_expr(e, scope)?.ty().ty.display_name());
            }
            return self.err_at(
                SqlError::undefined_function(&format!("{name}({})", tys.join(", "))),
                span,
            );
        }
        let text = SqlType::Text.plain();
        let mut args = Vec::with_capacity(exprs.len());
        if let Some(first) = exprs.first() {
            if let Some(literal) = literal_name(first) {
                // Names stored by SERIAL defaults are exact already.
                let seq = if self.catalog.sequences.contains_key(literal) {
                    literal.to_string()
                } else {
                    self.catalog.resolve_text_name(literal)
                };
                if !self.catalog.sequences.contains_key(&seq) {
                    let e = if self.catalog.tables.contains_key(&seq)
                        || self.catalog.views.contains_key(&seq)
                    {
                        SqlError::new("42809", format!("\"{seq}\" is not a sequence"))
                    } else {
                        SqlError::undefined_table(&seq)
                    };
                    // PostgreSQL points at the argument (its regclass cast).
                    return self.err_at(e, first.span());
                }
                args.push(Expr::Const(Datum::Text(quoted(&seq)), text));
            } else {
                let bound = self.bind_expr(first, scope)?;
                if bound.ty().ty != SqlType::Text && bound.ty().ty != SqlType::Unknown {
                    return self.err_at(
                        SqlError::unsupported(format!(
                            "{name}() on a {} sequence reference",
                            bound.ty().ty.display_name()
                        )),
                        span,
                    );
                }
                args.push(self.coerce_text(bound, span, name)?);
            }
        }
        if let Some(value) = exprs.get(1) {
            let v = self.bind_expr(value, scope)?;
            args.push(self.coerce_implicit(v, SqlType::Int8, span)?);
        }
        if let Some(flag) = exprs.get(2) {
            let v = self.bind_expr(flag, scope)?;
            args.push(self.coerce_implicit(v, SqlType::Bool, span)?);
        }
        Ok(Some(Expr::Func {
            func,
            args,
            ty: match func {
                Func::Sequence(SeqFn::IsCalled) => SqlType::Bool.plain(),
                _ => SqlType::Int8.plain(),
            },
        }))
    }

    /// `current_user` and its synonyms, if `name` is one.
    pub(super) fn bind_role_function(&mut self, name: &str, raw: &[FnArg]) -> Option<Expr> {
        if !raw.is_empty()
            || !matches!(
                name,
                "current_user" | "session_user" | "current_role" | "user"
            )
        {
            return None;
        }
        let func = if name == "session_user" {
            crate::pg_catalog::SysFn::CurrentSetting
        } else {
            crate::pg_catalog::SysFn::CurrentUser
        };
        Some(Expr::Func {
            func: Func::Sys(func),
            args: vec![Expr::Const(
                Datum::Text("session_authorization".into()),
                SqlType::Text.plain(),
            )],
            ty: SqlType::Text.plain(),
        })
    }

    /// `FROM seq`: the sequence's state as a one-row relation, if `name`
    /// is a sequence PostgreSQL would show.
    pub(super) fn bind_sequence_relation(&self, name: &str) -> Option<(Plan, Scope)> {
        if !self.catalog.sequences.contains_key(name) || name.starts_with("pg_rowid_") {
            return None;
        }
        let arg = || {
            vec![Expr::Const(
                Datum::Text(quoted(name)),
                SqlType::Text.plain(),
            )]
        };
        let column = |f: SeqFn, ty: SqlType| Expr::Func {
            func: Func::Sequence(f),
            args: arg(),
            ty: ty.plain(),
        };
        let exprs = vec![
            column(SeqFn::LastValue, SqlType::Int8),
            column(SeqFn::LogCnt, SqlType::Int8),
            column(SeqFn::IsCalled, SqlType::Bool),
        ];
        let cols = [
            ("last_value", SqlType::Int8),
            ("log_cnt", SqlType::Int8),
            ("is_called", SqlType::Bool),
        ]
        .into_iter()
        .map(|(n, ty)| ScopeCol {
            qualifier: Some(name.to_string()),
            name: n.to_string(),
            ty: ty.plain(),
        })
        .collect();
        Some((
            Plan::Values {
                rows: vec![exprs],
                width: 3,
            },
            Scope { cols },
        ))
    }

    /// `pg_sequences` / `information_schema.sequences`, if `parts` names one.
    pub(super) fn bind_sequence_view(&self, parts: &[String]) -> Option<(Plan, Scope)> {
        let strs: Vec<&str> = parts.iter().map(String::as_str).collect();
        let pg_sequences = match strs.as_slice() {
            ["pg_sequences"] | ["pg_catalog", "pg_sequences"] => true,
            ["information_schema", "sequences"] => false,
            _ => return None,
        };
        if !pg_sequences && self.catalog.tables.contains_key("sequences") {
            return None;
        }
        let text = |s: &str| Expr::Const(Datum::Text(s.to_string()), SqlType::Text.plain());
        let int8 = |v: i64| Expr::Const(Datum::Int8(v), SqlType::Int8.plain());
        let int4 = |v: i32| Expr::Const(Datum::Int4(v), SqlType::Int4.plain());
        let mut rows = Vec::new();
        for name in self.catalog.sequences.keys() {
            if name.starts_with("pg_rowid_") {
                continue;
            }
            let o = self.catalog.sequence_options(name);
            let type_name = o.data_type.pg_name();
            rows.push(if pg_sequences {
                vec![
                    text("public"),
                    text(name),
                    text(crate::roles::BOOTSTRAP_ROLE),
                    text(type_name),
                    int8(o.start),
                    int8(o.min_value),
                    int8(o.max_value),
                    int8(o.increment),
                    Expr::Const(Datum::Bool(o.cycle), SqlType::Bool.plain()),
                    int8(o.cache),
                    Expr::Func {
                        func: Func::Sequence(SeqFn::LastValueIfCalled),
                        args: vec![text(&quoted(name))],
                        ty: SqlType::Int8.plain(),
                    },
                ]
            } else {
                let bits = match o.data_type {
                    crate::sequence_options::SequenceType::Int2 => 16,
                    crate::sequence_options::SequenceType::Int4 => 32,
                    crate::sequence_options::SequenceType::Int8 => 64,
                };
                vec![
                    text(&self.catalog.search_path.database),
                    text("public"),
                    text(name),
                    text(type_name),
                    int4(bits),
                    int4(2),
                    int4(0),
                    text(&o.start.to_string()),
                    text(&o.min_value.to_string()),
                    text(&o.max_value.to_string()),
                    text(&o.increment.to_string()),
                    text(if o.cycle { "YES" } else { "NO" }),
                ]
            });
        }
        let columns: &[(&str, SqlType)] = if pg_sequences {
            &[
                ("schemaname", SqlType::Text),
                ("sequencename", SqlType::Text),
                ("sequenceowner", SqlType::Text),
                ("data_type", SqlType::Text),
                ("start_value", SqlType::Int8),
                ("min_value", SqlType::Int8),
                ("max_value", SqlType::Int8),
                ("increment_by", SqlType::Int8),
                ("cycle", SqlType::Bool),
                ("cache_size", SqlType::Int8),
                ("last_value", SqlType::Int8),
            ]
        } else {
            &[
                ("sequence_catalog", SqlType::Text),
                ("sequence_schema", SqlType::Text),
                ("sequence_name", SqlType::Text),
                ("data_type", SqlType::Text),
                ("numeric_precision", SqlType::Int4),
                ("numeric_precision_radix", SqlType::Int4),
                ("numeric_scale", SqlType::Int4),
                ("start_value", SqlType::Text),
                ("minimum_value", SqlType::Text),
                ("maximum_value", SqlType::Text),
                ("increment", SqlType::Text),
                ("cycle_option", SqlType::Text),
            ]
        };
        let qualifier = parts.last().cloned();
        let cols = columns
            .iter()
            .map(|(n, ty)| ScopeCol {
                qualifier: qualifier.clone(),
                name: n.to_string(),
                ty: ty.plain(),
            })
            .collect();
        Some((
            Plan::Values {
                rows,
                width: columns.len(),
            },
            Scope { cols },
        ))
    }

    /// `pg_sequence_parameters(regclass)` in FROM: one row of the named
    /// sequence's options (the name must be a literal, checked here).
    pub(super) fn bind_sequence_parameters(
        &self,
        fname: &str,
        args: &ast::TableFunctionArgs,
        alias: Option<&ast::TableAlias>,
        span: Span,
    ) -> SqlResult<Option<(Plan, Scope)>> {
        if fname != "pg_sequence_parameters" {
            return Ok(None);
        }
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))] = args.args.as_slice()
        else {
            return self.err_at(SqlError::undefined_function("pg_sequence_parameters"), span);
        };
        let Some(literal) = literal_name(arg) else {
            return self.err_at(
                SqlError::unsupported("pg_sequence_parameters() of a computed relation"),
                arg.span(),
            );
        };
        let seq = if self.catalog.sequences.contains_key(literal) {
            literal.to_string()
        } else {
            self.catalog.resolve_text_name(literal)
        };
        if !self.catalog.sequences.contains_key(&seq) {
            let e = if self.catalog.relation_exists(&seq) {
                SqlError::new("42809", format!("\"{seq}\" is not a sequence"))
            } else {
                SqlError::undefined_table(&seq)
            };
            return self.err_at(e, arg.span());
        }
        let o = self.catalog.sequence_options(&seq);
        let int8 = |v: i64| Expr::Const(Datum::Int8(v), SqlType::Int8.plain());
        let type_oid = match o.data_type {
            crate::sequence_options::SequenceType::Int2 => SqlType::Int2.oid(),
            crate::sequence_options::SequenceType::Int4 => SqlType::Int4.oid(),
            crate::sequence_options::SequenceType::Int8 => SqlType::Int8.oid(),
        };
        let row = vec![
            int8(o.start),
            int8(o.min_value),
            int8(o.max_value),
            int8(o.increment),
            Expr::Const(Datum::Bool(o.cycle), SqlType::Bool.plain()),
            int8(o.cache),
            Expr::Const(Datum::Int8(i64::from(type_oid)), SqlType::Oid.plain()),
        ];
        let columns = [
            ("start_value", SqlType::Int8),
            ("minimum_value", SqlType::Int8),
            ("maximum_value", SqlType::Int8),
            ("increment", SqlType::Int8),
            ("cycle_option", SqlType::Bool),
            ("cache_size", SqlType::Int8),
            ("data_type", SqlType::Oid),
        ];
        let qualifier = alias.map_or_else(|| fname.to_string(), |a| ident_name(&a.name));
        let mut cols: Vec<ScopeCol> = columns
            .iter()
            .map(|(n, ty)| ScopeCol {
                qualifier: Some(qualifier.clone()),
                name: n.to_string(),
                ty: ty.plain(),
            })
            .collect();
        if let Some(a) = alias {
            super::query::rename_columns(&mut cols, a)?;
        }
        Ok(Some((
            Plan::Values {
                rows: vec![row],
                width: columns.len(),
            },
            Scope { cols },
        )))
    }
}
