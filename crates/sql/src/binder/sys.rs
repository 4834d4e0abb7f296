//! Binding of the system catalogs (`crate::pg_catalog`): `pg_catalog.*` and
//! `information_schema.*` relations, catalog functions, `::regclass` /
//! `::regtype` / `::oid` casts, `pg_catalog.`-qualified type names, regex
//! operators (`~`, `OPERATOR(pg_catalog.~)`), `COLLATE` (ignored: only the
//! C collation exists), `ARRAY(subquery)` and `UNNEST(array, ...)` in FROM.

use super::*;
use crate::pg_catalog::{self as sys, Lookup, SysFn};

impl Binder<'_> {
    /// A generated catalog relation for `name`, if it names one (a user
    /// table of the same unqualified name wins).
    pub(super) fn bind_system_relation(
        &mut self,
        name: &ast::ObjectName,
        alias: Option<&ast::TableAlias>,
    ) -> SqlResult<Option<(Plan, Scope)>> {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(ident_name))
            .collect();
        let (schema, rel) = match parts.as_slice() {
            [s, r] => (Some(s.as_str()), r.as_str()),
            [r] if !self.catalog.tables.contains_key(r) && !self.catalog.views.contains_key(r) => {
                (None, r.as_str())
            }
            _ => return Ok(None),
        };
        if !sys::is_system_relation(schema, rel) {
            if matches!(schema, Some("pg_catalog" | "information_schema")) {
                return self.err_at(
                    SqlError::new(
                        "42P01",
                        format!("relation \"{}\" does not exist", parts.join(".")),
                    ),
                    name.span(),
                );
            }
            return Ok(None);
        }
        let r =
            sys::relation(self.catalog, schema, rel).map_err(|e| e.at(self.pos(name.span())))?;
        let qual = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| rel.to_string());
        let mut cols: Vec<ScopeCol> = r
            .columns
            .iter()
            .map(|(n, ty)| ScopeCol {
                qualifier: Some(qual.clone()),
                name: n.clone(),
                ty: *ty,
            })
            .collect();
        if let Some(a) = alias {
            for (i, c) in a.columns.iter().enumerate() {
                if let Some(sc) = cols.get_mut(i) {
                    sc.name = ident_name(&c.name);
                }
            }
        }
        let mut types: Vec<ColType> = r.columns.iter().map(|c| c.1).collect();
        let mut rows_in = r.rows;
        // The `tableoid` system column (psql's \dD and \dL join on it):
        // the catalog's own oid, hidden from `*` as on tables.
        if self.sql.to_ascii_lowercase().contains("tableoid") {
            let oid = if schema == Some("information_schema") {
                0
            } else {
                sys::relation_oid(self.catalog, rel).unwrap_or(0)
            };
            cols.push(ScopeCol {
                qualifier: Some(qual.clone()),
                name: "tableoid".into(),
                ty: SqlType::Int8.plain(),
            });
            self.using_hidden
                .push((Some(qual.clone()), "tableoid".into()));
            types.push(SqlType::Int8.plain());
            for row in &mut rows_in {
                row.push(Datum::Int8(oid));
            }
        }
        let rows = rows_in
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .zip(&types)
                    .map(|(d, t)| Expr::Const(d, *t))
                    .collect()
            })
            .collect();
        Ok(Some((
            Plan::Values {
                rows,
                width: types.len(),
            },
            Scope { cols },
        )))
    }

    /// An object identifier argument: an oid, or an integer as before the
    /// catalogs had the oid type.
    fn oid_arg(&mut self, arg: Expr, span: Span) -> SqlResult<Expr> {
        if arg.ty().ty == SqlType::Oid {
            return self.explicit_cast(arg, SqlType::Int8.plain(), span);
        }
        self.coerce_implicit(arg, SqlType::Int8, span)
    }

    pub(super) fn lookup_case(&mut self, arg: Expr, which: Lookup, span: Span) -> SqlResult<Expr> {
        let arg = self.oid_arg(arg, span)?;
        let pairs = sys::lookup(self.catalog, which).into_iter();
        Ok(int8_text_case(arg, pairs, None))
    }

    /// The bytes stored for the oid `oid` yields, summed when the
    /// statement runs (`crate::relation_size`).
    fn stored_bytes(&mut self, oid: Expr, ranges: crate::relation_size::RangesByOid) -> Expr {
        Expr::StoredBytes {
            id: self.next_id(),
            oid: Box::new(oid),
            ranges: std::sync::Arc::new(ranges),
        }
    }

    /// `pg_get_serial_sequence('table', 'column')` with a constant table
    /// name, read as SQL reads a name (folded unless double-quoted, search
    /// path applied); the column name is taken literally, as PostgreSQL does.
    fn serial_sequence_of(&mut self, table: &str, column: Option<&str>) -> SqlResult<Expr> {
        let text = SqlType::Text.plain();
        let key = self.catalog.resolve_text_name(table);
        let Some(t) = self.catalog.tables.get(&key) else {
            return Err(SqlError::undefined_table(&key));
        };
        let Some(column) = column else {
            return Ok(Expr::Const(Datum::Null, text));
        };
        let Some(c) = t.columns.iter().find(|c| c.name == column) else {
            // Raised while running, so without a position, as PostgreSQL.
            return Err(SqlError::new(
                "42703",
                format!(
                    "column \"{column}\" of relation \"{}\" does not exist",
                    crate::schema::shown_name(&key)
                ),
            ));
        };
        let sequence = c
            .default
            .as_deref()
            .and_then(|d| d.strip_prefix("nextval('"))
            .and_then(|d| d.split_once('\'').map(|(name, _)| name.to_string()))
            .map(|name| self.catalog.resolve_text_name(&name))
            .filter(|seq| {
                let owned_by = self
                    .catalog
                    .sequence_defs
                    .get(seq)
                    .and_then(|d| d.owned_by.as_ref());
                t.owned_sequences.iter().any(|o| o == seq)
                    || owned_by.is_some_and(|(tb, col)| *tb == key && col == column)
            });
        Ok(Expr::Const(
            match sequence {
                Some(seq) => {
                    let (schema, name) = crate::schema::split(&seq);
                    Datum::Text(format!(
                        "{}.{}",
                        sys::quote_ident(schema),
                        sys::quote_ident(name)
                    ))
                }
                None => Datum::Null,
            },
            text,
        ))
    }

    /// `obj_description(oid[, catalog])`, `col_description(oid, attnum)`
    /// and `shobj_description(oid, catalog)`: CASE over the described
    /// objects' oids (of the named catalog, when it is a constant), then
    /// over the column number for `col_description`.
    fn description_case(
        &mut self,
        oid: Expr,
        column: Option<Expr>,
        class: Option<&str>,
        shared: bool,
        span: Span,
    ) -> SqlResult<Expr> {
        let text = SqlType::Text.plain();
        let class = class.and_then(crate::descriptions::class_oid_of_catalog);
        let rows: Vec<(i64, i64, i32, String)> = if shared {
            crate::descriptions::pg_shdescription_rows(self.catalog)
                .into_iter()
                .map(|(o, c, d)| (o, c, 0, d))
                .collect()
        } else {
            crate::descriptions::pg_description_rows(self.catalog)
        };
        let wanted_sub = |sub: i32| column.is_some() == (sub != 0);
        let mut by_oid: std::collections::BTreeMap<i64, Vec<(i32, String)>> = Default::default();
        for (o, c, sub, d) in rows {
            if class.is_none_or(|k| k == c) && wanted_sub(sub) {
                by_oid.entry(o).or_default().push((sub, d));
            }
        }
        let oid = self.oid_arg(oid, span)?;
        let whens = match column {
            None => by_oid
                .into_iter()
                .filter_map(|(o, subs)| Some((o, subs.into_iter().next()?.1)))
                .map(|(o, d)| (o, Expr::Const(Datum::Text(d), text)))
                .collect(),
            Some(c) => {
                let c = self.coerce_implicit(c, SqlType::Int8, span)?;
                by_oid
                    .into_iter()
                    .map(|(o, subs)| {
                        let subs = subs.into_iter().map(|(k, d)| (i64::from(k), d));
                        (o, int8_text_case(c.clone(), subs, None))
                    })
                    .collect()
            }
        };
        Ok(int8_case(oid, whens, None, text))
    }

    /// `pg_get_indexdef(oid, column, pretty)`: CASE over the index oid, then
    /// over the column (0: the whole definition; past the last key column:
    /// empty, as in PostgreSQL).
    fn index_column_case(
        &mut self,
        oid: Expr,
        column: Expr,
        pretty: bool,
        span: Span,
    ) -> SqlResult<Expr> {
        let text = SqlType::Text.plain();
        let oid = self.oid_arg(oid, span)?;
        let column = self.coerce_implicit(column, SqlType::Int8, span)?;
        let whens = sys::index_column_defs(self.catalog)
            .into_iter()
            .map(|d| {
                let def = if pretty {
                    d.pretty_definition
                } else {
                    d.definition
                };
                let ix = d.oid;
                let by_column = std::iter::once(def)
                    .chain(d.keys)
                    .enumerate()
                    .map(|(k, v)| (k as i64, v));
                (
                    ix,
                    int8_text_case(column.clone(), by_column, Some(String::new())),
                )
            })
            .collect();
        Ok(int8_case(oid, whens, None, text))
    }

    /// `CASE operand WHEN 'key' THEN value ... END` over text keys.
    fn text_case(operand: Expr, pairs: Vec<(String, Expr)>, ty: ColType) -> Expr {
        let text = SqlType::Text.plain();
        Expr::Case {
            operand: Some(Box::new(operand)),
            operand_ty: SqlType::Text,
            whens: pairs
                .into_iter()
                .map(|(k, v)| (Expr::Const(Datum::Text(k), text), v))
                .collect(),
            otherwise: None,
            ty,
        }
    }

    /// A text expression's relation oid, as `text::regclass` (NULL for an
    /// unknown name rather than PostgreSQL's error: it is decided per row).
    pub(super) fn regclass_of_text(&mut self, name: Expr, span: Span) -> SqlResult<Expr> {
        let name = self.coerce_text(name, span, "regclass")?;
        let int8 = SqlType::Int8.plain();
        let pairs = sys::relation_names(self.catalog)
            .into_iter()
            .map(|(n, oid)| (n, Expr::Const(Datum::Int8(oid), int8)))
            .collect();
        Ok(Self::text_case(name, pairs, int8))
    }

    fn sys_fn(&self, f: SysFn, args: Vec<Expr>, ty: SqlType) -> Expr {
        Expr::Func {
            func: Func::Sys(f),
            args,
            ty: ty.plain(),
        }
    }

    /// Catalog functions; None if `name` is not one.
    pub(super) fn bind_sys_function(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        if let Some(x) = self.bind_srf_call(name, f, scope, span)? {
            return Ok(Some(x));
        }
        if let Some(x) = self.bind_json_function(name, f, scope, span)? {
            return Ok(Some(x));
        }
        const NAMES: &[&str] = &[
            "pg_table_is_visible",
            "pg_type_is_visible",
            "pg_function_is_visible",
            "pg_relation_is_publishable",
            "format_type",
            "pg_get_userbyid",
            "pg_encoding_to_char",
            "array_to_string",
            "pg_get_expr",
            "pg_get_partkeydef",
            "pg_get_indexdef",
            "pg_get_constraintdef",
            "obj_description",
            "col_description",
            "shobj_description",
            "pg_get_statisticsobjdef_columns",
            "current_schemas",
            "to_regtype",
            "to_regclass",
            "pg_typeof",
            "array_upper",
            "pg_backend_pid",
            "pg_has_role",
            "has_table_privilege",
            "has_sequence_privilege",
            "has_schema_privilege",
            "has_database_privilege",
            "pg_collation_is_visible",
            "pg_get_serial_sequence",
            "array_position",
            "current_setting",
            "set_config",
            "pg_get_function_result",
            "pg_get_function_arguments",
            "pg_get_function_identity_arguments",
            "pg_get_triggerdef",
            "pg_get_ruledef",
            "pg_get_functiondef",
            "pg_get_partition_constraintdef",
            "pg_get_viewdef",
            "getdatabaseencoding",
            "pg_char_to_encoding",
            "pg_tablespace_location",
            "pg_statistics_obj_is_visible",
            "pg_ts_config_is_visible",
            "pg_opclass_is_visible",
            "pg_relation_filenode",
            "pg_filenode_relation",
            "pg_relation_size",
            "pg_table_size",
            "pg_indexes_size",
            "pg_total_relation_size",
            "pg_database_size",
            "pg_tablespace_size",
            "pg_opfamily_is_visible",
            "pg_get_function_sqlbody",
        ];
        if !NAMES.contains(&name) {
            return Ok(None);
        }
        let mut args = Vec::new();
        for a in function_args(f) {
            match a {
                FnArg::Expr(e) => args.push(self.bind_expr(e, scope)?),
                FnArg::Star => return Ok(None),
            }
        }
        let n = args.len();
        let bad = |b: &Self| {
            let sig = args
                .iter()
                .map(|a| a.ty().ty.display_name())
                .collect::<Vec<_>>()
                .join(", ");
            b.err_at(
                SqlError::undefined_function(&format!("{name}({sig})")),
                span,
            )
        };
        let text = SqlType::Text.plain();
        let null_text = Expr::Const(Datum::Null, text);
        Ok(Some(match name {
            "pg_table_is_visible" if n == 1 => {
                let hidden = crate::pg_catalog::invisible_relation_oids(self.catalog);
                if hidden.is_empty() {
                    Expr::Const(Datum::Bool(true), SqlType::Bool.plain())
                } else {
                    let oid = self.coerce_implicit(args.remove(0), SqlType::Oid, span)?;
                    Expr::InList {
                        expr: Box::new(oid),
                        list: hidden
                            .into_iter()
                            .map(|o| Expr::Const(Datum::Int8(o), SqlType::Oid.plain()))
                            .collect(),
                        operand: SqlType::Oid,
                        negated: true,
                    }
                }
            }
            "pg_table_is_visible"
            | "pg_type_is_visible"
            | "pg_function_is_visible"
            | "pg_collation_is_visible" => Expr::Const(Datum::Bool(true), SqlType::Bool.plain()),
            "pg_has_role" if n == 2 || n == 3 => self.sys_fn(SysFn::HasRole, args, SqlType::Bool),
            "has_table_privilege"
            | "has_sequence_privilege"
            | "has_schema_privilege"
            | "has_database_privilege"
                if n == 2 || n == 3 =>
            {
                let kind = match name {
                    "has_table_privilege" => crate::acl::ObjectKind::Table,
                    "has_sequence_privilege" => crate::acl::ObjectKind::Sequence,
                    "has_schema_privilege" => crate::acl::ObjectKind::Schema,
                    _ => crate::acl::ObjectKind::Database,
                };
                self.sys_fn(SysFn::HasPrivilege(kind), args, SqlType::Bool)
            }
            "array_position" if n == 2 => {
                let SqlType::Array(elem) = args[0].ty().ty else {
                    return bad(self);
                };
                let wanted = self.coerce_implicit(args.remove(1), elem.ty(), span)?;
                self.sys_fn(
                    SysFn::ArrayPosition,
                    vec![args.remove(0), wanted],
                    SqlType::Int4,
                )
            }
            "current_setting" if n == 1 || n == 2 => {
                let mut bound = vec![self.coerce_text(args.remove(0), span, name)?];
                if let Some(missing_ok) = args.pop() {
                    bound.push(self.coerce_implicit(missing_ok, SqlType::Bool, span)?);
                }
                self.sys_fn(SysFn::CurrentSetting, bound, SqlType::Text)
            }
            "set_config" if n == 3 => {
                let is_local = self.coerce_implicit(args.remove(2), SqlType::Bool, span)?;
                let value = self.coerce_text(args.remove(1), span, name)?;
                let setting = self.coerce_text(args.remove(0), span, name)?;
                self.sys_fn(
                    SysFn::SetConfig,
                    vec![setting, value, is_local],
                    SqlType::Text,
                )
            }
            "pg_get_serial_sequence" if n == 2 && const_text(&args[0]).is_some() => {
                let table = const_text(&args[0]).unwrap_or_default();
                let column = const_text(&args[1]);
                self.serial_sequence_of(&table, column.as_deref())?
            }
            "pg_get_serial_sequence" if n == 2 => {
                let column = self.coerce_text(args.remove(1), span, name)?;
                let table = self.coerce_text(args.remove(0), span, name)?;
                let mut by_table: Vec<(String, Vec<(String, Expr)>)> = Vec::new();
                for (t, c, seq) in sys::serial_sequences(self.catalog) {
                    let value = (c, Expr::Const(Datum::Text(seq), text));
                    match by_table.last_mut() {
                        Some((last, cols)) if *last == t => cols.push(value),
                        _ => by_table.push((t, vec![value])),
                    }
                }
                let pairs = by_table
                    .into_iter()
                    .map(|(t, cols)| (t, Self::text_case(column.clone(), cols, text)))
                    .collect();
                Self::text_case(table, pairs, text)
            }
            "pg_relation_is_publishable" => Expr::Const(Datum::Bool(false), SqlType::Bool.plain()),
            "pg_backend_pid" => Expr::Const(Datum::Int4(1), SqlType::Int4.plain()),
            "format_type" if n == 2 => {
                let mut it = args.into_iter();
                let a = self.oid_arg(it.next().unwrap(), span)?;
                let m = self.coerce_implicit(it.next().unwrap(), SqlType::Int4, span)?;
                self.sys_fn(SysFn::FormatType, vec![a, m], SqlType::Text)
            }
            "pg_get_userbyid" | "pg_encoding_to_char" if n == 1 => {
                let a = self.oid_arg(args.remove(0), span)?;
                let f = if name == "pg_get_userbyid" {
                    SysFn::UserById
                } else {
                    SysFn::EncodingToChar
                };
                self.sys_fn(f, vec![a], SqlType::Text)
            }
            "array_to_string" if (2..=3).contains(&n) => {
                if !matches!(args[0].ty().ty, SqlType::Array(_)) {
                    return bad(self);
                }
                let mut out = vec![args.remove(0)];
                for a in args {
                    out.push(self.coerce_text(a, span, name)?);
                }
                self.sys_fn(SysFn::ArrayToString, out, SqlType::Text)
            }
            "pg_get_expr" if (2..=3).contains(&n) => {
                self.explicit_cast(args.remove(0), text, span)?
            }
            "pg_get_indexdef" if n == 3 => {
                let oid = args.remove(0);
                let column = args.remove(0);
                // Pretty unless the third argument is the constant false.
                let pretty = !matches!(args.first(), Some(Expr::Const(Datum::Bool(false), _)));
                self.index_column_case(oid, column, pretty, span)?
            }
            "pg_get_indexdef" if n == 1 => {
                self.lookup_case(args.remove(0), Lookup::IndexDef, span)?
            }
            "pg_get_constraintdef" if (1..=2).contains(&n) => {
                self.lookup_case(args.remove(0), Lookup::ConstraintDef, span)?
            }
            "obj_description" if (1..=2).contains(&n) => {
                let class = args.get(1).and_then(const_text);
                let oid = args.remove(0);
                self.description_case(oid, None, class.as_deref(), false, span)?
            }
            "col_description" if n == 2 => {
                let oid = args.remove(0);
                let column = args.remove(0);
                self.description_case(oid, Some(column), Some("pg_class"), false, span)?
            }
            "shobj_description" if n == 2 => {
                let class = const_text(&args[1]);
                let oid = args.remove(0);
                self.description_case(oid, None, class.as_deref(), true, span)?
            }
            "pg_get_statisticsobjdef_columns" => null_text,
            "pg_get_function_result" if n == 1 => {
                self.lookup_case(args.remove(0), Lookup::FunctionResult, span)?
            }
            "pg_get_function_arguments" | "pg_get_function_identity_arguments" if n == 1 => {
                self.lookup_case(args.remove(0), Lookup::FunctionArguments, span)?
            }
            "pg_get_partkeydef" if n == 1 => {
                self.lookup_case(args.remove(0), Lookup::PartitionKeyDef, span)?
            }
            "pg_get_partition_constraintdef" if n == 1 => {
                self.lookup_case(args.remove(0), Lookup::PartitionConstraintDef, span)?
            }
            "pg_get_functiondef" if n == 1 => {
                self.lookup_case(args.remove(0), Lookup::FunctionDef, span)?
            }
            // By oid or by (text) name; the pretty flag or wrap column is
            // accepted and changes nothing.
            "pg_get_viewdef" if (1..=2).contains(&n) => {
                let view = args.remove(0);
                let view = if matches!(
                    view.ty().ty,
                    SqlType::Text | SqlType::Varchar | SqlType::Unknown
                ) {
                    self.regclass_of_text(view, span)?
                } else {
                    view
                };
                self.lookup_case(view, Lookup::ViewDef, span)?
            }
            // The one database is UTF8.
            "getdatabaseencoding" if n == 0 => Expr::Const(Datum::Text("UTF8".into()), text),
            "pg_char_to_encoding" if n == 1 => {
                let name = self.coerce_text(args.remove(0), span, name)?;
                let int4 = SqlType::Int4.plain();
                let utf8 = Expr::Const(Datum::Int4(6), int4);
                let whens = ["UTF8", "utf8", "UTF-8", "utf-8", "unicode", "UNICODE"]
                    .iter()
                    .map(|n| (Expr::Const(Datum::Text(n.to_string()), text), utf8.clone()))
                    .collect();
                Expr::Case {
                    operand: Some(Box::new(name)),
                    operand_ty: SqlType::Text,
                    whens,
                    otherwise: Some(Box::new(Expr::Const(Datum::Int4(-1), int4))),
                    ty: int4,
                }
            }
            // NULL for relations without storage (views, partitioned tables).
            "pg_relation_filenode" if n == 1 => {
                let relation = args.remove(0);
                let oid = if is_text_like(&relation) {
                    self.regclass_of_text(relation, span)?
                } else {
                    self.oid_arg(relation, span)?
                };
                let nodes = sys::relation_filenodes(self.catalog)
                    .into_iter()
                    .map(|(oid, node, _)| {
                        (oid, Expr::Const(Datum::Int8(node), SqlType::Oid.plain()))
                    })
                    .collect();
                int8_case(oid, nodes, None, SqlType::Oid.plain())
            }
            // Temporary relations are not found by file node, as in PostgreSQL
            // (their files are the backend's own); every relation is in the
            // database's default tablespace (0 or pg_default).
            "pg_filenode_relation" if n == 2 => {
                let node = self.oid_arg(args.remove(1), span)?;
                let tablespace = self.oid_arg(args.remove(0), span)?;
                let relations = sys::relation_filenodes(self.catalog)
                    .into_iter()
                    .filter(|(_, _, temporary)| !temporary)
                    .map(|(oid, node, _)| {
                        (node, Expr::Const(Datum::Int8(oid), SqlType::Oid.plain()))
                    })
                    .collect();
                let found = int8_case(node, relations, None, SqlType::Oid.plain());
                let in_default = vec![(0, found.clone()), (1663, found)];
                int8_case(tablespace, in_default, None, SqlType::Oid.plain())
            }
            // pg_default and pg_global: in the data directory.
            "pg_tablespace_location" if n == 1 => Expr::Const(Datum::Text(String::new()), text),
            // Bodies are kept as source text (prosrc), never as a parsed
            // SQL-standard body (BEGIN ATOMIC).
            "pg_get_function_sqlbody" if n == 1 => null_text,
            // No extended statistics objects or text search configurations exist.
            "pg_relation_size" | "pg_table_size" | "pg_indexes_size" | "pg_total_relation_size"
                if n == 1
                    || (name == "pg_relation_size"
                        && n == 2
                        && const_text(&args[1]).as_deref() == Some("main")) =>
            {
                use crate::relation_size::Measure;
                let measure = match name {
                    "pg_relation_size" => Measure::Relation,
                    "pg_table_size" => Measure::Table,
                    "pg_indexes_size" => Measure::Indexes,
                    _ => Measure::Total,
                };
                let relation = args.remove(0);
                let oid = if is_text_like(&relation) {
                    self.regclass_of_text(relation, span)?
                } else {
                    self.oid_arg(relation, span)?
                };
                let ranges = crate::relation_size::ranges(self.catalog, measure);
                self.stored_bytes(oid, ranges)
            }
            // The one database, and the tablespace holding it (pg_global
            // holds nothing of its own here).
            "pg_database_size" | "pg_tablespace_size" if n == 1 => {
                let (own_oid, own_name) = if name == "pg_database_size" {
                    (sys::DB_OID, crate::privileges::DATABASE)
                } else {
                    (1663, "pg_default")
                };
                let arg = args.remove(0);
                let oid = if is_text_like(&arg) {
                    let arg = self.coerce_text(arg, span, name)?;
                    let own = Expr::Const(Datum::Int8(own_oid), SqlType::Int8.plain());
                    Self::text_case(
                        arg,
                        vec![(own_name.to_string(), own)],
                        SqlType::Int8.plain(),
                    )
                } else {
                    self.oid_arg(arg, span)?
                };
                let mut ranges = crate::relation_size::RangesByOid::new();
                ranges.insert(own_oid, crate::relation_size::database_ranges(self.catalog));
                if name == "pg_tablespace_size" {
                    ranges.insert(1664, Vec::new());
                }
                self.stored_bytes(oid, ranges)
            }
            // Every operator class and family is pg_catalog's, always visible.
            "pg_opclass_is_visible" | "pg_opfamily_is_visible" => {
                Expr::Const(Datum::Bool(true), SqlType::Bool.plain())
            }
            "pg_statistics_obj_is_visible" | "pg_ts_config_is_visible" if n == 1 => {
                Expr::Const(Datum::Bool(true), SqlType::Bool.plain())
            }
            "pg_get_triggerdef" if (1..=2).contains(&n) => {
                self.lookup_case(args.remove(0), Lookup::TriggerDef, span)?
            }
            "pg_get_ruledef" if (1..=2).contains(&n) => {
                let pretty = matches!(args.get(1), Some(Expr::Const(Datum::Bool(true), _)));
                let which = if pretty {
                    Lookup::RuleDefPretty
                } else {
                    Lookup::RuleDef
                };
                self.lookup_case(args.remove(0), which, span)?
            }
            "current_schemas" if n == 1 => {
                let all = matches!(args[0], Expr::Const(Datum::Bool(true), _));
                let v = self
                    .catalog
                    .current_schemas(all)
                    .into_iter()
                    .map(Datum::Text)
                    .collect();
                Expr::Const(
                    Datum::Array(v),
                    SqlType::Array(crate::types::Elem::Text).plain(),
                )
            }
            "to_regtype" | "to_regclass" if n == 1 => {
                let oid = match &args[0] {
                    Expr::Const(Datum::Text(s), _) => {
                        if name == "to_regtype" {
                            sys::type_oid_by_name(s)
                        } else {
                            sys::relation_oid(self.catalog, s)
                        }
                    }
                    _ => None,
                };
                Expr::Const(
                    oid.map(Datum::Int8).unwrap_or(Datum::Null),
                    SqlType::Int8.plain(),
                )
            }
            // The argument's type is known when binding: PostgreSQL's
            // regtype result, as its text.
            "pg_typeof" if n == 1 => Expr::Const(
                Datum::Text(args[0].ty().ty.display_name().to_string()),
                SqlType::Text.plain(),
            ),
            "array_upper" if n == 2 => {
                if !matches!(args[0].ty().ty, SqlType::Array(_)) {
                    return bad(self);
                }
                let a = args.remove(0);
                let d = self.coerce_implicit(args.remove(0), SqlType::Int4, span)?;
                Expr::Func {
                    func: Func::ArrayLength,
                    args: vec![a, d],
                    ty: SqlType::Int4.plain(),
                }
            }
            _ => return bad(self),
        }))
    }

    /// `UNNEST(a1, a2, ...) [WITH ORDINALITY]` in FROM (Django's bulk
    /// inserts send one): one row per position of the longest array, each
    /// column its array's element there (NULL past its end), bound as the
    /// `Plan::ProjectSet` of one `unnest` per array over one empty row; the
    /// arrays may refer to earlier FROM items (run as a lateral join).
    pub(super) fn bind_unnest(&mut self, tf: &ast::TableFactor) -> SqlResult<(Plan, Scope)> {
        let ast::TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset,
            with_ordinality,
            ..
        } = tf
        else {
            return Err(SqlError::internal("bind_unnest on another FROM item"));
        };
        if array_exprs.is_empty() || *with_offset {
            return Err(SqlError::unsupported(
                "UNNEST without arrays or WITH OFFSET",
            ));
        }
        // The arrays are set-returning calls of a one-row SELECT (so they may
        // refer to earlier FROM items, which FROM functions may in PostgreSQL).
        let saved_srf = self.srf.replace(vec![]);
        let mut bound = Vec::new();
        for e in array_exprs {
            let call = ast::Expr::Function(ast::Function {
                name: ast::ObjectName::from(vec![ast::Ident::new("unnest")]),
                uses_odbc_syntax: false,
                parameters: ast::FunctionArguments::None,
                args: ast::FunctionArguments::List(ast::FunctionArgumentList {
                    duplicate_treatment: None,
                    args: vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                        e.clone(),
                    ))],
                    clauses: vec![],
                }),
                filter: None,
                null_treatment: None,
                over: None,
                within_group: vec![],
            });
            match self.bind_expr(&call, &Scope::default()) {
                Ok(x) => bound.push(x),
                Err(err) => {
                    self.srf = saved_srf;
                    return Err(err);
                }
            }
        }
        let mut calls = std::mem::replace(&mut self.srf, saved_srf).unwrap_or_default();
        // Equal arrays bind to one call; each column still reads its own.
        let mut types: Vec<ColType> = bound.iter().map(|b| b.ty()).collect();
        let mut exprs: Vec<Expr> = bound;
        if *with_ordinality {
            calls.push(SrfCall {
                func: SrfFunc::Ordinality,
                args: calls.iter().map(|c| c.args[0].clone()).collect(),
                ty: SqlType::Int8.plain(),
            });
            exprs.push(Expr::Column(
                super::srf::SRF_BASE + calls.len() - 1,
                SqlType::Int8.plain(),
            ));
            types.push(SqlType::Int8.plain());
        }
        for e in exprs.iter_mut() {
            e.map_columns(&|i| i - super::srf::SRF_BASE);
        }
        let plan = Plan::set_returning_calls(calls, exprs);
        // A single unaliased-column UNNEST takes the table alias as its
        // column name, as in PostgreSQL.
        let qualifier = alias
            .as_ref()
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "unnest".to_string());
        let default_name = |i: usize| {
            if i == array_exprs.len() {
                "ordinality".to_string()
            } else if array_exprs.len() == 1 && alias.is_some() {
                qualifier.clone()
            } else {
                "unnest".to_string()
            }
        };
        let cols = types
            .into_iter()
            .enumerate()
            .map(|(i, ty)| ScopeCol {
                qualifier: Some(qualifier.clone()),
                name: alias
                    .as_ref()
                    .and_then(|a| a.columns.get(i))
                    .map(|c| ident_name(&c.name))
                    .unwrap_or_else(|| default_name(i)),
                ty,
            })
            .collect();
        Ok((plan, Scope { cols }))
    }

    /// Regex operators (`~`, `!~`, `~*`, `!~*`, `OPERATOR(pg_catalog.~)`) and
    /// `OPERATOR(pg_catalog.=)`-style comparisons; None for other operators.
    pub(super) fn bind_sys_operator(
        &mut self,
        op: &ast::BinaryOperator,
        bound_left: Option<Expr>,
        left: &ast::Expr,
        right: &ast::Expr,
        scope: &Scope,
    ) -> SqlResult<Option<Expr>> {
        use ast::BinaryOperator as B;
        // OPERATOR(pg_catalog.~) is `~`; its comparisons bind as themselves.
        let op = match op {
            B::PGCustomBinaryOperator(parts)
                if parts.len() <= 2 && (parts.len() == 1 || parts[0] == "pg_catalog") =>
            {
                match parts.last().map(String::as_str) {
                    Some("~") => B::PGRegexMatch,
                    Some("~*") => B::PGRegexIMatch,
                    Some("!~") => B::PGRegexNotMatch,
                    Some("!~*") => B::PGRegexNotIMatch,
                    Some(o) => {
                        let op = match o {
                            "=" => B::Eq,
                            "<>" => B::NotEq,
                            "<" => B::Lt,
                            "<=" => B::LtEq,
                            ">" => B::Gt,
                            ">=" => B::GtEq,
                            _ => return Ok(None),
                        };
                        let l = match bound_left {
                            Some(l) => l,
                            None => self.bind_expr(left, scope)?,
                        };
                        let e2 = ast::Expr::BinaryOp {
                            left: Box::new(left.clone()),
                            op,
                            right: Box::new(right.clone()),
                        };
                        return self
                            .bind_binary(&e2, Some(l), scope, start_span(left))
                            .map(Some);
                    }
                    None => return Ok(None),
                }
            }
            op => op.clone(),
        };
        let Some((ci, negated)) = super::array_ops::regex_operator(&op) else {
            return Ok(None);
        };
        let l = match bound_left {
            Some(l) => l,
            None => self.bind_expr(left, scope)?,
        };
        let r = self.bind_expr(right, scope)?;
        let l = self.coerce_text(l, start_span(left), "~")?;
        let r = self.coerce_text(r, start_span(right), "~")?;
        Ok(Some(self.sys_fn(
            SysFn::Regex { ci, negated },
            vec![l, r],
            SqlType::Bool,
        )))
    }

    /// Expressions with catalog meaning; None for everything else.
    pub(super) fn bind_sys_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        use ast::Expr as E;
        match e {
            E::Collate { expr, .. } => self.bind_expr(expr, scope).map(Some),
            // `con.confkey[pos.n]` (pgjdbc's key queries): sqlparser reads
            // the qualifier as the root and `.confkey` as a field access.
            E::CompoundFieldAccess { root, access_chain } => {
                let E::Identifier(qualifier) = root.as_ref() else {
                    return self.bind_record_field(root, access_chain, scope, span);
                };
                let dots = access_chain
                    .iter()
                    .take_while(|a| matches!(a, ast::AccessExpr::Dot(E::Identifier(_))))
                    .count();
                if dots == 0 {
                    return Ok(None);
                }
                let mut parts = vec![qualifier.clone()];
                for a in &access_chain[..dots] {
                    if let ast::AccessExpr::Dot(E::Identifier(i)) = a {
                        parts.push(i.clone());
                    }
                }
                let column = E::CompoundIdentifier(parts);
                let e2 = if dots == access_chain.len() {
                    column
                } else {
                    E::CompoundFieldAccess {
                        root: Box::new(column),
                        access_chain: access_chain[dots..].to_vec(),
                    }
                };
                self.bind_expr(&e2, scope).map(Some)
            }
            // schema.table.column (SQLAlchemy's pg_catalog.pg_class.relname).
            E::CompoundIdentifier(parts)
                if parts.len() == 3
                    && matches!(
                        ident_name(&parts[0]).as_str(),
                        "pg_catalog" | "information_schema" | "public"
                    ) =>
            {
                let e2 = E::CompoundIdentifier(parts[1..].to_vec());
                self.bind_expr(&e2, scope).map(Some)
            }
            E::Function(f) => {
                let is_array = matches!(f.name.0.as_slice(), [p] if p.as_ident().map(ident_name).as_deref() == Some("array"));
                let ast::FunctionArguments::Subquery(q) = &f.args else {
                    return Ok(None);
                };
                if !is_array {
                    return Ok(None);
                }
                // ARRAY(subquery) as an aggregate over the subquery's rows.
                let text = format!("(SELECT coalesce(array_agg(s.x), '{{}}') FROM ({q}) AS s(x))");
                let parsed = parse_expr(&text)?;
                self.bind_expr(&parsed, scope).map(Some)
            }
            E::Cast {
                kind: ast::CastKind::Cast | ast::CastKind::DoubleColon,
                expr,
                data_type,
                ..
            } => self.bind_sys_cast(expr, data_type, scope, span),
            _ => Ok(None),
        }
    }

    fn bind_sys_cast(
        &mut self,
        expr: &ast::Expr,
        data_type: &ast::DataType,
        scope: &Scope,
        span: Span,
    ) -> SqlResult<Option<Expr>> {
        let (inner, array) = match data_type {
            ast::DataType::Array(
                ast::ArrayElemTypeDef::SquareBracket(t, _) | ast::ArrayElemTypeDef::AngleBracket(t),
            ) => (t.as_ref(), true),
            t => (t, false),
        };
        let (parts, mods): (Vec<String>, &[ast::TypeModifier]) = match inner {
            ast::DataType::Custom(name, mods) => (
                name.0
                    .iter()
                    .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                    .collect(),
                mods,
            ),
            ast::DataType::Regclass => (vec!["regclass".to_string()], &[]),
            _ => return Ok(None),
        };
        let (qualified, tn) = match parts.as_slice() {
            [s, t] if s == "pg_catalog" => (true, t.clone()),
            [t] => (false, t.clone()),
            _ => return Ok(None),
        };
        let text = SqlType::Text.plain();
        let int8 = SqlType::Int8.plain();
        let literal = match expr {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        let lower = tn.to_lowercase();
        // `'f'::regproc::oid` / `'f(int)'::regprocedure::oid` (psql's \sf):
        // the function's oid.
        if lower == "oid" && !array {
            if let Some(text) = regproc_literal(expr) {
                return match crate::routine::catalog_rows::function_oid_by_text(self.catalog, &text)
                {
                    Ok(oid) => Ok(Some(Expr::Const(Datum::Int8(oid), int8))),
                    Err(message) => self.err_at(SqlError::new("42883", message), start_span(expr)),
                };
            }
        }
        if !array {
            match lower.as_str() {
                "regclass" => {
                    if let Some(s) = literal {
                        return match sys::relation_oid(self.catalog, &s) {
                            Some(oid) => Ok(Some(Expr::Const(Datum::Int8(oid), int8))),
                            None => self.err_at(
                                SqlError::new("42P01", format!("relation \"{s}\" does not exist")),
                                start_span(expr),
                            ),
                        };
                    }
                    let x = self.bind_expr(expr, scope)?;
                    if matches!(
                        x.ty().ty,
                        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown
                    ) {
                        return self.regclass_of_text(x, span).map(Some);
                    }
                    return self.lookup_case(x, Lookup::RelName, span).map(Some);
                }
                "regnamespace" => {
                    let x = self.bind_expr(expr, scope)?;
                    return self.lookup_case(x, Lookup::NamespaceName, span).map(Some);
                }
                "regtype" => {
                    if let Some(s) = literal {
                        return match sys::type_oid_by_name(&s) {
                            Some(oid) => Ok(Some(Expr::Const(Datum::Int8(oid), int8))),
                            None => self.err_at(
                                SqlError::new("42704", format!("type \"{s}\" does not exist")),
                                start_span(expr),
                            ),
                        };
                    }
                    let x = self.bind_expr(expr, scope)?;
                    let x = self.oid_arg(x, span)?;
                    return Ok(Some(self.sys_fn(SysFn::FormatType, vec![x], SqlType::Text)));
                }
                "regrole" | "regproc" | "regprocedure" | "xid" => {
                    let x = self.bind_expr(expr, scope)?;
                    let to = if lower.starts_with("regproc") {
                        text
                    } else {
                        int8
                    };
                    return self.explicit_cast(x, to, span).map(Some);
                }
                _ => {}
            }
        }
        // Types held as another type here (regclass as int8). pg_catalog.char
        // is "char", which must stay quoted (plain char is character(1)); a
        // quoted "char" is left to the ordinary cast.
        let stand_in = match lower.as_str() {
            "regclass" | "regtype" => Some("int8"),
            "char" if qualified => Some("\"char\""),
            _ => None,
        };
        if stand_in.is_none() && !qualified {
            return Ok(None);
        }
        // pg_catalog.<type>: the unqualified type, as the parser reads it.
        let plain = match stand_in {
            Some(t) => t.to_string(),
            None if mods.is_empty() => tn,
            None => format!(
                "{tn}({})",
                mods.iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let probe = parse_expr(&format!("NULL::{plain}{}", if array { "[]" } else { "" }))?;
        let ast::Expr::Cast { data_type: dt, .. } = probe else {
            return Ok(None);
        };
        let e2 = ast::Expr::Cast {
            kind: ast::CastKind::DoubleColon,
            expr: Box::new(expr.clone()),
            data_type: dt,
            format: None,
        };
        self.bind_expr(&e2, scope).map(Some)
    }
}

/// A text constant argument (`'pg_class'`, possibly cast to name/text).
fn const_text(e: &Expr) -> Option<String> {
    match e {
        Expr::Const(Datum::Text(s), _) => Some(s.clone()),
        Expr::Cast { expr, .. } => const_text(expr),
        _ => None,
    }
}

/// The text of a `'...'::regproc` or `'...'::regprocedure` literal.
fn regproc_literal(e: &ast::Expr) -> Option<String> {
    let ast::Expr::Cast {
        expr, data_type, ..
    } = e
    else {
        return None;
    };
    let ast::DataType::Custom(name, _) = data_type else {
        return None;
    };
    let last = name.0.last()?.as_ident()?.value.to_lowercase();
    if last != "regproc" && last != "regprocedure" {
        return None;
    }
    match expr.as_ref() {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `CASE key WHEN k THEN value ... [ELSE otherwise] END` over int8 keys.
fn int8_case(key: Expr, whens: Vec<(i64, Expr)>, otherwise: Option<Expr>, ty: ColType) -> Expr {
    let int8 = SqlType::Int8.plain();
    Expr::Case {
        operand: Some(Box::new(key)),
        operand_ty: SqlType::Int8,
        whens: whens
            .into_iter()
            .map(|(k, v)| (Expr::Const(Datum::Int8(k), int8), v))
            .collect(),
        otherwise: otherwise.map(Box::new),
        ty,
    }
}

/// `CASE key WHEN k THEN 'text' ... [ELSE 'otherwise'] END` over int8 keys.
fn int8_text_case(
    key: Expr,
    whens: impl Iterator<Item = (i64, String)>,
    otherwise: Option<String>,
) -> Expr {
    let text = SqlType::Text.plain();
    let constant = |v: String| Expr::Const(Datum::Text(v), text);
    let whens = whens.map(|(k, v)| (k, constant(v))).collect();
    int8_case(key, whens, otherwise.map(constant), text)
}

/// A text-typed argument (a name rather than an oid).
fn is_text_like(e: &Expr) -> bool {
    matches!(
        e.ty().ty,
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown
    )
}
