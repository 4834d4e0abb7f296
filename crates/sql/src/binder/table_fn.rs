//! Functions in FROM: `generate_series(start, stop [, step])` over int4 and
//! int8 as its own plan; any other function as a one-row SELECT of the call
//! (a set-returning call yields its rows, a scalar call one row). WITH
//! ORDINALITY is supported for functions that unnest one array.

use sqlparser::ast::{self, Spanned};

use super::{ident_name, Binder, Scope, ScopeCol};
use crate::error::{SqlError, SqlResult};
use crate::plan::Plan;
use crate::types::SqlType;

impl Binder<'_> {
    pub(super) fn bind_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &ast::TableFunctionArgs,
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> SqlResult<(Plan, Scope)> {
        let fname = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident_name)
            .unwrap_or_default();
        let schema_ok = match name.0.as_slice() {
            [_] => true,
            [s, _] => s.as_ident().map(ident_name).as_deref() == Some("pg_catalog"),
            _ => false,
        };
        if !schema_ok {
            return Err(
                SqlError::new("42883", format!("function {name}() does not exist"))
                    .at(self.pos(name.span())),
            );
        }
        let is_user = self.is_user_function(&fname) && fname != "generate_series";
        if with_ordinality && (is_user || fname == "generate_series") {
            return Err(SqlError::unsupported(format!("{fname}() WITH ORDINALITY")));
        }
        if is_user {
            return self.bind_user_function_in_from(name, &fname, args, alias);
        }
        if let Some(r) = self.bind_sequence_parameters(&fname, args, alias, name.span())? {
            return Ok(r);
        }
        if let Some(each) = self.bind_json_each_in_from(&fname, args, alias)? {
            return Ok(each);
        }
        if fname != "generate_series" {
            return self.bind_function_in_from(name, &fname, args, alias, with_ordinality);
        }
        let mut bound = Vec::new();
        for a in &args.args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Err(SqlError::unsupported("this generate_series argument"));
            };
            bound.push((self.bind_expr(e, &Scope::default())?, e.span()));
        }
        if !(2..=3).contains(&bound.len()) {
            return Err(SqlError::new(
                "42883",
                format!(
                    "function generate_series({}) does not exist",
                    bound
                        .iter()
                        .map(|(e, _)| e.ty().ty.display_name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .at(self.pos(name.span())));
        }
        let types: Vec<SqlType> = bound.iter().map(|(e, _)| e.ty().ty).collect();
        let Some((ty, arg_types)) = crate::series::signature(&types) else {
            return Err(SqlError::undefined_function(&format!(
                "generate_series({})",
                types
                    .iter()
                    .map(|t| t.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .at(self.pos(name.span())));
        };
        let mut exprs = Vec::new();
        for ((e, span), to) in bound.into_iter().zip(arg_types) {
            exprs.push(self.coerce_implicit(e, to, span)?);
        }
        let qual = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "generate_series".into());
        // A scalar function in FROM: its one column is named after the alias.
        let col = alias
            .and_then(|a| a.columns.first())
            .map(|c| ident_name(&c.name))
            .unwrap_or_else(|| qual.clone());
        Ok((
            Plan::Series { args: exprs, ty },
            Scope {
                cols: vec![ScopeCol {
                    qualifier: Some(qual),
                    name: col,
                    ty: ty.plain(),
                }],
            },
        ))
    }

    /// `FROM f(args) [AS alias[(column)]]` for a function other than
    /// generate_series: the call bound as in `SELECT f(args)`, its one
    /// column named after the column alias, else the alias, else `f`.
    fn bind_function_in_from(
        &mut self,
        name: &ast::ObjectName,
        fname: &str,
        args: &ast::TableFunctionArgs,
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> SqlResult<(Plan, Scope)> {
        let call = ast::Expr::Function(call_in_from(name, args));
        let saved_srf = self.srf.replace(vec![]);
        let bound = self.bind_expr(&call, &Scope::default());
        let mut calls = std::mem::replace(&mut self.srf, saved_srf).unwrap_or_default();
        let expr = bound?;
        let ty = expr.ty();
        let mut exprs = vec![expr];
        if with_ordinality {
            // Ordinality counts an unnest's elements; other set-returning
            // calls have no such count here.
            let [call] = calls.as_slice() else {
                return Err(SqlError::unsupported(format!("{fname}() WITH ORDINALITY")));
            };
            if call.func != crate::plan::SrfFunc::Unnest {
                return Err(SqlError::unsupported(format!("{fname}() WITH ORDINALITY")));
            }
            calls.push(crate::plan::SrfCall {
                func: crate::plan::SrfFunc::Ordinality,
                args: vec![call.args[0].clone()],
                ty: SqlType::Int8.plain(),
            });
            exprs.push(crate::plan::Expr::Column(
                super::srf::SRF_BASE + 1,
                SqlType::Int8.plain(),
            ));
        }
        let one_row = Plan::Values {
            rows: vec![vec![]],
            width: 0,
        };
        let input = if calls.is_empty() {
            one_row
        } else {
            for e in exprs.iter_mut() {
                e.map_columns(&|i| i - super::srf::SRF_BASE);
            }
            Plan::ProjectSet {
                input: Box::new(one_row),
                calls,
            }
        };
        let plan = Plan::Project {
            input: Box::new(input),
            exprs,
        };
        let qual = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| fname.to_string());
        let column_alias = |i: usize| {
            alias
                .and_then(|a| a.columns.get(i))
                .map(|c| ident_name(&c.name))
        };
        // pg_partition_ancestors' result column is its OUT parameter `relid`.
        let default_name = match fname {
            "pg_partition_ancestors" => "relid".to_string(),
            // The array-element functions' OUT parameter is `value`.
            f if f.contains("_array_elements") => "value".to_string(),
            _ => qual.clone(),
        };
        let mut cols = vec![ScopeCol {
            qualifier: Some(qual.clone()),
            name: column_alias(0).unwrap_or(default_name),
            ty,
        }];
        if with_ordinality {
            cols.push(ScopeCol {
                qualifier: Some(qual),
                name: column_alias(1).unwrap_or_else(|| "ordinality".into()),
                ty: SqlType::Int8.plain(),
            });
        }
        Ok((plan, Scope { cols }))
    }
}

/// `f(args)` in FROM as the plain function call `SELECT f(args)` would bind.
pub(super) fn call_in_from(name: &ast::ObjectName, args: &ast::TableFunctionArgs) -> ast::Function {
    ast::Function {
        name: name.clone(),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args.args.clone(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    }
}
