//! Binding of the JSON-building functions (`crate::json_build`): every
//! value argument becomes a `json` expression here, because a record's
//! field names exist only at bind time — a whole-row reference (`SELECT
//! row_to_json(t) FROM t`) takes them from the scope's columns, a composite
//! value from its type, an anonymous `ROW(...)` is `f1`, `f2`, ...

use super::*;
use crate::composite::RowFn;
use crate::json_build::{JsonAgg, JsonFn};
use crate::json_ops::JsonOp;
use crate::json_srf::JsonSrf;
use crate::pg_catalog::SysFn;

/// The JSON aggregates (`bind_aggregate` binds their arguments here).
pub(super) const JSON_AGGREGATES: &[&str] = &[
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
];

/// The JSON functions that take whole rows, which may be written `t.*`.
const ROW_TAKING: &[&str] = &[
    "to_json",
    "to_jsonb",
    "row_to_json",
    "json_agg",
    "jsonb_agg",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
];

/// `f(t.*)` for a JSON function is `f(t)`, the whole row: the call with
/// each `t.*` argument rewritten (None if there is none).
pub(super) fn row_star_call(name: &str, f: &ast::Function) -> Option<ast::Function> {
    if !ROW_TAKING.contains(&name) {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let mut rewritten = false;
    let args = list
        .args
        .iter()
        .map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::QualifiedWildcard(table)) => {
                match table.0.as_slice() {
                    [part] => part.as_ident().map_or_else(
                        || a.clone(),
                        |ident| {
                            rewritten = true;
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                                ast::Expr::Identifier(ident.clone()),
                            ))
                        },
                    ),
                    _ => a.clone(),
                }
            }
            other => other.clone(),
        })
        .collect();
    if !rewritten {
        return None;
    }
    let mut call = f.clone();
    let mut list = list.clone();
    list.args = args;
    call.args = ast::FunctionArguments::List(list);
    Some(call)
}

impl Binder<'_> {
    /// `FROM json[b]_each[_text](doc) [AS alias[(key, value)]]`: two
    /// set-returning calls in lockstep, one per column. None for other names.
    pub(super) fn bind_json_each_in_from(
        &mut self,
        fname: &str,
        args: &ast::TableFunctionArgs,
        alias: Option<&ast::TableAlias>,
    ) -> SqlResult<Option<(Plan, Scope)>> {
        let (jsonb, as_text) = match fname {
            "jsonb_each" => (true, false),
            "jsonb_each_text" => (true, true),
            "json_each" => (false, false),
            "json_each_text" => (false, true),
            _ => return Ok(None),
        };
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args.args.as_slice()
        else {
            return Err(SqlError::new(
                "42883",
                format!("function {fname} with these arguments does not exist"),
            ));
        };
        let doc_ty = if jsonb { SqlType::Jsonb } else { SqlType::Json };
        let value_ty = if as_text { SqlType::Text } else { doc_ty };
        let doc = self.bind_expr(e, &Scope::default())?;
        let doc = self.coerce_implicit(doc, doc_ty, sqlparser::ast::Spanned::span(e))?;
        let srf = |f: JsonSrf, ty: SqlType| SrfCall {
            func: SrfFunc::Json(f),
            args: vec![doc.clone()],
            ty: ty.plain(),
        };
        let calls = vec![
            srf(JsonSrf::EachKey { jsonb, as_text }, SqlType::Text),
            srf(JsonSrf::EachValue { jsonb, as_text }, value_ty),
        ];
        let plan = Plan::set_returning_calls(
            calls,
            vec![
                Expr::Column(0, SqlType::Text.plain()),
                Expr::Column(1, value_ty.plain()),
            ],
        );
        let qualifier = alias.map_or_else(|| fname.to_string(), |a| ident_name(&a.name));
        let column = |i: usize, default: &str| {
            alias
                .and_then(|a| a.columns.get(i))
                .map_or_else(|| default.to_string(), |c| ident_name(&c.name))
        };
        let scope = Scope {
            cols: vec![
                ScopeCol {
                    qualifier: Some(qualifier.clone()),
                    name: column(0, "key"),
                    ty: SqlType::Text.plain(),
                },
                ScopeCol {
                    qualifier: Some(qualifier),
                    name: column(1, "value"),
                    ty: value_ty.plain(),
                },
            ],
        };
        Ok(Some((plan, scope)))
    }
}

/// `f(a, b, ...)` as `f(a)`.
fn call_with_first_arg(f: &ast::Function) -> ast::Function {
    let mut call = f.clone();
    if let ast::FunctionArguments::List(list) = &mut call.args {
        list.args.truncate(1);
    }
    call
}

fn json_call(f: JsonFn, args: Vec<Expr>, ty: SqlType) -> Expr {
    Expr::Func {
        func: Func::Sys(SysFn::Json(f)),
        args,
        ty: ty.plain(),
    }
}

impl Binder<'_> {
    /// `to_json`, `to_jsonb`, `row_to_json`, `json[b]_build_object`,
    /// `json[b]_build_array`; None for other names.
    pub(super) fn bind_json_function(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        const NAMES: &[&str] = &[
            "to_json",
            "to_jsonb",
            "row_to_json",
            "json_build_object",
            "jsonb_build_object",
            "json_build_array",
            "jsonb_build_array",
            "json_extract_path",
            "jsonb_extract_path",
            "json_extract_path_text",
            "jsonb_extract_path_text",
            "array_to_json",
        ];
        if let Some(x) = self.bind_json_value_function(name, f, scope, span)? {
            return Ok(Some(x));
        }
        if !NAMES.contains(&name) {
            return Ok(None);
        }
        let mut raw = Vec::new();
        for a in function_args(f) {
            match a {
                FnArg::Expr(e) => raw.push(e),
                FnArg::Star => return Ok(None),
            }
        }
        let jsonb = name.starts_with("jsonb") || name == "to_jsonb";
        let result_ty = if jsonb { SqlType::Jsonb } else { SqlType::Json };
        Ok(Some(match name {
            _ if name.contains("extract_path") => {
                // Variadic: the document and at least one path element.
                if raw.len() < 2 {
                    let sig = vec!["unknown"; raw.len()].join(", ");
                    return self.err_at(
                        SqlError::undefined_function(&format!("{name}({sig})")),
                        span,
                    );
                }
                let doc_ty = if jsonb { SqlType::Jsonb } else { SqlType::Json };
                let doc = self.bind_expr(raw[0], scope)?;
                let doc = self.coerce_implicit(doc, doc_ty, span)?;
                let mut steps = Vec::with_capacity(raw.len() - 1);
                for step in &raw[1..] {
                    let bound = self.bind_expr(step, scope)?;
                    steps.push(self.coerce_implicit(bound, SqlType::Text, span)?);
                }
                let text_array = match types::Elem::of(SqlType::Text) {
                    Some(e) => SqlType::Array(e),
                    None => return Err(SqlError::internal("text has no array type")),
                };
                let path = Expr::Func {
                    func: Func::MakeArray,
                    args: steps,
                    ty: text_array.plain(),
                };
                let as_text = name.ends_with("_text");
                let ty = if as_text { SqlType::Text } else { doc_ty };
                json_call(JsonFn::Op(JsonOp::Path { as_text }), vec![doc, path], ty)
            }
            "array_to_json" if (1..=2).contains(&raw.len()) => {
                let array = self.bind_expr(raw[0], scope)?;
                if !matches!(array.ty().ty, SqlType::Array(_)) {
                    let sig = array.ty().ty.display_name();
                    return self.err_at(
                        SqlError::undefined_function(&format!("{name}({sig})")),
                        span,
                    );
                }
                let json = self.json_value(array, None, span)?;
                match raw.get(1) {
                    Some(pretty) => {
                        let pretty = self.bind_expr(pretty, scope)?;
                        let pretty = self.coerce_implicit(pretty, SqlType::Bool, span)?;
                        json_call(JsonFn::PrettyTopLevel, vec![json, pretty], SqlType::Json)
                    }
                    None => json,
                }
            }
            "row_to_json" if raw.len() == 2 => {
                let pretty = self.bind_expr(raw[1], scope)?;
                let pretty = self.coerce_implicit(pretty, SqlType::Bool, span)?;
                let record = ast::Expr::Function(call_with_first_arg(f));
                let record = self.bind_expr(&record, scope)?;
                json_call(JsonFn::PrettyTopLevel, vec![record, pretty], SqlType::Json)
            }
            "to_json" | "to_jsonb" | "row_to_json" => {
                let [arg] = raw.as_slice() else {
                    let sig = raw.iter().map(|_| "unknown").collect::<Vec<_>>().join(", ");
                    return self.err_at(
                        SqlError::undefined_function(&format!("{name}({sig})")),
                        span,
                    );
                };
                let bound = self.bind_expr(arg, scope)?;
                let ty = bound.ty().ty;
                if ty == SqlType::Unknown && name != "row_to_json" {
                    return self.err_at(
                        SqlError::new(
                            "42804",
                            "could not determine polymorphic type because input has type unknown",
                        ),
                        span,
                    );
                }
                if name == "row_to_json" && !matches!(ty, SqlType::Record | SqlType::Composite(_)) {
                    return self.err_at(
                        SqlError::undefined_function(&format!(
                            "row_to_json({})",
                            ty.display_name()
                        )),
                        span,
                    );
                }
                let names = whole_row_names(arg, &bound, scope);
                let json = self.json_value(bound, names, span)?;
                if jsonb {
                    json_call(JsonFn::ToJsonb, vec![json], SqlType::Jsonb)
                } else {
                    json
                }
            }
            _ => {
                let object = name.ends_with("object");
                let mut args = Vec::with_capacity(raw.len());
                for (i, a) in raw.iter().enumerate() {
                    let bound = self.bind_expr(a, scope)?;
                    if object && i % 2 == 0 {
                        // Keys: their text output (NULL is an error at run time).
                        args.push(bound);
                    } else {
                        args.push(self.bind_json_value_of(a, bound, scope, span)?);
                    }
                }
                let f = if object {
                    JsonFn::BuildObject { jsonb }
                } else {
                    JsonFn::BuildArray { jsonb }
                };
                json_call(f, args, result_ty)
            }
        }))
    }

    /// `json[b]_typeof`, `json[b]_array_length`, `jsonb_set`, `jsonb_insert`,
    /// `jsonb_strip_nulls`, `jsonb_pretty` (`crate::json_ops`).
    fn bind_json_value_function(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let (op, ty, arities): (JsonOp, SqlType, &[usize]) = match name {
            "json_typeof" | "jsonb_typeof" => (JsonOp::Typeof, SqlType::Text, &[1]),
            "json_array_length" | "jsonb_array_length" => {
                (JsonOp::ArrayLength, SqlType::Int4, &[1])
            }
            "jsonb_set" => (JsonOp::Set, SqlType::Jsonb, &[3, 4]),
            "jsonb_insert" => (JsonOp::Insert, SqlType::Jsonb, &[3, 4]),
            "jsonb_strip_nulls" => (JsonOp::StripNulls { jsonb: true }, SqlType::Jsonb, &[1]),
            "json_strip_nulls" => (JsonOp::StripNulls { jsonb: false }, SqlType::Json, &[1]),
            "jsonb_pretty" => (JsonOp::Pretty, SqlType::Text, &[1]),
            _ => return Ok(None),
        };
        let mut args = Vec::new();
        for a in function_args(f) {
            match a {
                FnArg::Expr(e) => args.push(self.bind_expr(e, scope)?),
                FnArg::Star => return Ok(None),
            }
        }
        if !arities.contains(&args.len()) {
            let sig = args
                .iter()
                .map(|a| a.ty().ty.display_name())
                .collect::<Vec<_>>()
                .join(", ");
            return self.err_at(
                SqlError::undefined_function(&format!("{name}({sig})")),
                span,
            );
        }
        let doc_ty = if name.starts_with("jsonb") {
            SqlType::Jsonb
        } else {
            SqlType::Json
        };
        let text_array = match types::Elem::of(SqlType::Text) {
            Some(e) => SqlType::Array(e),
            None => return Err(SqlError::internal("text has no array type")),
        };
        // Argument types by position: document, path, new value, create_missing.
        let wanted = [doc_ty, text_array, SqlType::Jsonb, SqlType::Bool];
        let mut bound = Vec::with_capacity(args.len());
        for (arg, want) in args.into_iter().zip(wanted) {
            bound.push(self.coerce_implicit(arg, want, span)?);
        }
        Ok(Some(json_call(JsonFn::Op(op), bound, ty)))
    }

    /// An aggregate argument of a JSON aggregate, as json (the key of
    /// `json_object_agg` stays as it is).
    pub(super) fn bind_json_agg_arg(
        &mut self,
        name: &str,
        position: usize,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        let bound = self.bind_expr(e, scope)?;
        if name.ends_with("object_agg") && position == 0 {
            return Ok(bound);
        }
        self.bind_json_value_of(e, bound, scope, span)
    }

    fn bind_json_value_of(
        &mut self,
        e: &ast::Expr,
        bound: Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Expr> {
        let names = whole_row_names(e, &bound, scope);
        self.json_value(bound, names, span)
    }

    /// `x` as a json expression; `names` are the field names of a
    /// whole-row reference.
    fn json_value(&mut self, x: Expr, names: Option<Vec<String>>, span: Span) -> SqlResult<Expr> {
        let ty = x.ty().ty;
        match ty {
            SqlType::Json => Ok(x),
            SqlType::Unknown => {
                let text = self.coerce_implicit(x, SqlType::Text, span)?;
                Ok(json_call(JsonFn::Value, vec![text], SqlType::Json))
            }
            SqlType::Record => match x {
                Expr::Func {
                    func: Func::Row(RowFn::Construct),
                    args,
                    ..
                } => {
                    // A whole-row reference is absent (NULL) where an outer
                    // join NULL-extended it, which shows as every column NULL;
                    // a row constructor is always there.
                    let absent = match &names {
                        Some(_) => Expr::Func {
                            func: Func::Row(RowFn::IsNull { negated: false }),
                            args: vec![Expr::Func {
                                func: Func::Row(RowFn::Construct),
                                args: args.clone(),
                                ty: SqlType::Record.plain(),
                            }],
                            ty: SqlType::Bool.plain(),
                        },
                        None => Expr::Const(Datum::Bool(false), SqlType::Bool.plain()),
                    };
                    let names = names
                        .unwrap_or_else(|| (1..=args.len()).map(|i| format!("f{i}")).collect());
                    let fields = names.into_iter().zip(args).collect();
                    self.json_record(absent, fields, span)
                }
                // A record whose fields are unknown here renders as its text.
                other => Ok(json_call(JsonFn::Value, vec![other], SqlType::Json)),
            },
            SqlType::Composite(oid) => {
                let Some(fields) = crate::user_types::composite_fields(oid) else {
                    return Ok(json_call(JsonFn::Value, vec![x], SqlType::Json));
                };
                let fields = fields
                    .into_iter()
                    .enumerate()
                    .map(|(index, field)| {
                        let value = Expr::Func {
                            func: Func::Row(RowFn::Field { oid, index }),
                            args: vec![x.clone()],
                            ty: field.ty,
                        };
                        (field.name, value)
                    })
                    .collect();
                self.json_record(x, fields, span)
            }
            _ => Ok(json_call(JsonFn::Value, vec![x], SqlType::Json)),
        }
    }

    /// `{"name":value,...}` over named fields; NULL when `absent` is NULL
    /// or true (a composite value passes itself: NULL or not).
    fn json_record(
        &mut self,
        absent: Expr,
        fields: Vec<(String, Expr)>,
        span: Span,
    ) -> SqlResult<Expr> {
        let mut args = Vec::with_capacity(1 + 2 * fields.len());
        args.push(absent);
        for (name, value) in fields {
            args.push(Expr::Const(Datum::Text(name), SqlType::Text.plain()));
            args.push(self.json_value(value, None, span)?);
        }
        Ok(json_call(JsonFn::Record, args, SqlType::Json))
    }

    /// The aggregate and result type of a JSON aggregate over bound
    /// arguments (`json_value` already applied).
    pub(super) fn resolve_json_aggregate(
        &mut self,
        name: &str,
        args: &mut [Expr],
        span: Span,
    ) -> SqlResult<Option<(JsonAgg, ColType)>> {
        let jsonb = name.starts_with("jsonb");
        let ty = if jsonb { SqlType::Jsonb } else { SqlType::Json }.plain();
        Ok(match (name, args.len()) {
            ("json_agg" | "jsonb_agg", 1) => {
                let line_breaks = agg_input_is_composite_or_array(&args[0]);
                if !matches!(args[0].ty().ty, SqlType::Json) {
                    let arg = std::mem::replace(&mut args[0], Expr::Const(Datum::Null, ty));
                    args[0] = self.json_value(arg, None, span)?;
                }
                Some((JsonAgg::Array { jsonb, line_breaks }, ty))
            }
            ("json_object_agg" | "jsonb_object_agg", 2) => {
                if !matches!(args[1].ty().ty, SqlType::Json) {
                    let arg = std::mem::replace(&mut args[1], Expr::Const(Datum::Null, ty));
                    args[1] = self.json_value(arg, None, span)?;
                }
                Some((JsonAgg::Object { jsonb }, ty))
            }
            _ => None,
        })
    }
}

/// Whether json_agg's input (already json) came from a record or an array:
/// PostgreSQL then separates elements with `, \n `.
fn agg_input_is_composite_or_array(arg: &Expr) -> bool {
    match arg {
        Expr::Func {
            func: Func::Sys(SysFn::Json(JsonFn::Record)),
            ..
        } => true,
        Expr::Func {
            func: Func::Sys(SysFn::Json(JsonFn::Value)),
            args,
            ..
        } => args.first().is_some_and(|a| {
            matches!(
                a.ty().ty,
                SqlType::Array(_) | SqlType::Record | SqlType::Composite(_)
            )
        }),
        other => matches!(
            other.ty().ty,
            SqlType::Array(_) | SqlType::Record | SqlType::Composite(_)
        ),
    }
}

/// The column names of a whole-row reference (`t` naming a FROM item),
/// which binds to a row constructor over the item's columns.
fn whole_row_names(e: &ast::Expr, bound: &Expr, scope: &Scope) -> Option<Vec<String>> {
    let ast::Expr::Identifier(_) = e else {
        return None;
    };
    let Expr::Func {
        func: Func::Row(RowFn::Construct),
        args,
        ..
    } = bound
    else {
        return None;
    };
    args.iter()
        .map(|a| match a {
            Expr::Column(i, _) => scope.cols.get(*i).map(|c| c.name.clone()),
            _ => None,
        })
        .collect()
}
