//! The pg_catalog view of routines: pg_proc and pg_trigger rows and the
//! texts of pg_get_function_result / pg_get_function_arguments /
//! pg_get_triggerdef, so psql's \df and \d show them.

use super::{ArgMode, FunctionDef, Returns, TriggerDef, TriggerEvent, TriggerTiming};
use crate::catalog::Catalog;
use crate::datum::Datum;
use crate::types::ColType;

/// pg_language OIDs (PostgreSQL 15's internal and sql, a fixed plpgsql).
const LANG_INTERNAL: i64 = 12;
const LANG_SQL: i64 = 14;
const LANG_PLPGSQL: i64 = 13_576;
const NS_PUBLIC: i64 = 2200;
const ROLE_OID: i64 = 10;

fn functions(cat: &Catalog) -> impl Iterator<Item = &FunctionDef> {
    cat.functions
        .values()
        .flat_map(|l| l.iter().map(|f| f.as_ref()))
}

fn type_oid(t: &ColType) -> i64 {
    i64::from(t.ty.oid())
}

fn result_text(f: &FunctionDef) -> String {
    match &f.returns {
        Returns::Scalar(t) => t.display(),
        Returns::SetOf(t) => format!("SETOF {}", t.display()),
        Returns::Table {
            row_type: Some(oid),
            set,
            ..
        } => {
            let name = crate::types::SqlType::Composite(*oid).display_name();
            if *set {
                format!("SETOF {name}")
            } else {
                name.to_string()
            }
        }
        Returns::Table {
            columns, set: true, ..
        } if f.args.iter().all(|a| a.mode == ArgMode::In) => {
            format!(
                "TABLE({})",
                columns
                    .iter()
                    .map(|(n, t)| format!("{n} {}", t.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Returns::Table { set: true, .. } => "SETOF record".into(),
        Returns::Table { .. } => "record".into(),
        Returns::Trigger => "trigger".into(),
        Returns::Void => "void".into(),
    }
}

fn arguments_text(f: &FunctionDef) -> String {
    f.args
        .iter()
        .map(|a| {
            let mut s = String::new();
            match a.mode {
                ArgMode::In => {}
                ArgMode::Out => s.push_str("OUT "),
                ArgMode::InOut => s.push_str("INOUT "),
                ArgMode::Variadic => s.push_str("VARIADIC "),
            }
            if let Some(n) = &a.name {
                s.push_str(n);
                s.push(' ');
            }
            s.push_str(&a.ty.display());
            if let Some(d) = &a.default {
                s.push_str(" DEFAULT ");
                s.push_str(d.trim());
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// pg_proc's rows for the user-defined functions.
pub fn pg_proc_rows(cat: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    let text = |s: &str| Datum::Text(s.to_string());
    let oid = Datum::Int8;
    functions(cat)
        .map(|f| {
            let ins: Vec<i64> = f.input_args().map(|a| type_oid(&a.ty)).collect();
            let rettype = match &f.returns {
                Returns::Scalar(t) | Returns::SetOf(t) => type_oid(t),
                Returns::Table {
                    row_type: Some(t), ..
                } => *t as i64,
                Returns::Table { .. } => 2249,
                Returns::Trigger => 2279,
                Returns::Void => 2278,
            };
            let any_named = f.args.iter().any(|a| a.name.is_some());
            let any_mode = f.args.iter().any(|a| a.mode != ArgMode::In);
            let mut row = vec![
                ("oid", oid(i64::from(f.oid))),
                ("proname", text(&f.name)),
                ("pronamespace", oid(NS_PUBLIC)),
                ("proowner", oid(ROLE_OID)),
                (
                    "prolang",
                    oid(match f.language {
                        super::Language::Sql => LANG_SQL,
                        super::Language::PlPgSql => LANG_PLPGSQL,
                        super::Language::Internal => LANG_INTERNAL,
                    }),
                ),
                ("procost", Datum::Float4(100.0)),
                (
                    "prorows",
                    Datum::Float4(if f.returns_set() { 1000.0 } else { 0.0 }),
                ),
                ("prosupport", text("-")),
                ("prokind", text("f")),
                ("prosecdef", Datum::Bool(f.security_definer)),
                ("proisstrict", Datum::Bool(f.strict)),
                ("proretset", Datum::Bool(f.returns_set())),
                ("provolatile", text(&f.volatility.to_string())),
                ("proparallel", text("u")),
                ("pronargs", Datum::Int2(ins.len() as i16)),
                (
                    "pronargdefaults",
                    Datum::Int2(f.args.iter().filter(|a| a.default.is_some()).count() as i16),
                ),
                ("prorettype", oid(rettype)),
                (
                    "proargtypes",
                    text(
                        &ins.iter()
                            .map(|o| o.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                ),
                ("prosrc", text(&f.body)),
            ];
            if any_mode {
                row.push((
                    "proallargtypes",
                    Datum::Array(f.args.iter().map(|a| oid(type_oid(&a.ty))).collect()),
                ));
                row.push((
                    "proargmodes",
                    Datum::Array(
                        f.args
                            .iter()
                            .map(|a| {
                                text(match a.mode {
                                    ArgMode::In => "i",
                                    ArgMode::Out => "o",
                                    ArgMode::InOut => "b",
                                    ArgMode::Variadic => "v",
                                })
                            })
                            .collect(),
                    ),
                ));
            }
            if any_named {
                row.push((
                    "proargnames",
                    Datum::Array(
                        f.args
                            .iter()
                            .map(|a| text(a.name.as_deref().unwrap_or("")))
                            .collect(),
                    ),
                ));
            }
            row
        })
        .collect()
}

/// oid -> pg_get_function_result text.
pub fn function_results(cat: &Catalog) -> Vec<(i64, String)> {
    functions(cat)
        .map(|f| (i64::from(f.oid), result_text(f)))
        .collect()
}

/// oid -> pg_get_functiondef text: the CREATE OR REPLACE FUNCTION that
/// makes the function again, laid out as PostgreSQL 15 prints it.
pub fn function_definitions(cat: &Catalog) -> Vec<(i64, String)> {
    functions(cat)
        .map(|f| (i64::from(f.oid), definition_text(f)))
        .collect()
}

fn definition_text(f: &FunctionDef) -> String {
    let mut s = format!(
        "CREATE OR REPLACE FUNCTION public.{}({})\n RETURNS {}\n LANGUAGE {}\n",
        crate::pg_catalog::quote_ident(&f.name),
        arguments_text(f),
        result_text(f),
        match f.language {
            super::Language::Sql => "sql",
            super::Language::PlPgSql => "plpgsql",
            super::Language::Internal => "internal",
        }
    );
    match f.volatility {
        'i' => s.push_str(" IMMUTABLE"),
        's' => s.push_str(" STABLE"),
        _ => {}
    }
    if f.strict {
        s.push_str(" STRICT");
    }
    if f.security_definer {
        s.push_str(" SECURITY DEFINER");
    }
    if f.volatility != 'v' || f.strict || f.security_definer {
        s.push('\n');
    }
    // The dollar quote PostgreSQL uses, longer if the body contains it.
    let mut tag = "function".to_string();
    while f.body.contains(&format!("${tag}$")) {
        tag.push('_');
    }
    s.push_str(&format!("AS ${tag}${}${tag}$\n", f.body));
    s
}

/// The type oid of one argument as a signature spells it: `integer`,
/// `x integer`, `IN x integer`, `VARIADIC int[]`.
fn argument_type_oid(arg: &str) -> Option<i64> {
    let mut words: Vec<&str> = arg.split_whitespace().collect();
    if matches!(words.first(), Some(&("in" | "inout" | "variadic"))) {
        words.remove(0);
    }
    crate::pg_catalog::type_oid_by_name(&words.join(" "))
        .or_else(|| crate::pg_catalog::type_oid_by_name(&words.get(1..)?.join(" ")))
}

/// The oid of the function a regproc / regprocedure literal names:
/// `name` (the only function of that name) or `name(type, ...)`.
pub fn function_oid_by_text(cat: &Catalog, text: &str) -> Result<i64, String> {
    let (name, args) = match text.split_once('(') {
        Some((n, rest)) => (n.trim(), Some(rest.trim_end().trim_end_matches(')'))),
        None => (text.trim(), None),
    };
    let name = name
        .strip_prefix("public.")
        .unwrap_or(name)
        .trim_matches('"')
        .to_string();
    let overloads = cat.functions.get(&name).map(Vec::as_slice).unwrap_or(&[]);
    let found: Vec<&FunctionDef> = match args {
        None => overloads.iter().map(|f| f.as_ref()).collect(),
        Some(list) => {
            let wanted: Vec<String> = list
                .split(',')
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty() && !t.starts_with("out "))
                .map(|t| argument_type_oid(&t).map_or(t, |oid| oid.to_string()))
                .collect();
            overloads
                .iter()
                .map(|f| f.as_ref())
                .filter(|f| {
                    let have: Vec<String> = f
                        .input_args()
                        .map(|a| type_oid(&a.ty).to_string())
                        .collect();
                    have == wanted
                })
                .collect()
        }
    };
    match found.as_slice() {
        [f] => Ok(i64::from(f.oid)),
        [] if args.is_some() => Err(format!("function \"{text}\" does not exist")),
        [] => Err(format!("function \"{name}\" does not exist")),
        _ => Err(format!("more than one function named \"{name}\"")),
    }
}

/// oid -> pg_get_function_arguments text.
pub fn function_arguments(cat: &Catalog) -> Vec<(i64, String)> {
    functions(cat)
        .map(|f| (i64::from(f.oid), arguments_text(f)))
        .collect()
}

fn tgtype(t: &TriggerDef) -> i16 {
    let mut v = 0i16;
    if t.for_each_row {
        v |= 1;
    }
    match t.timing {
        TriggerTiming::Before => v |= 2,
        TriggerTiming::InsteadOf => v |= 64,
        TriggerTiming::After => {}
    }
    for e in &t.events {
        v |= match e {
            TriggerEvent::Insert => 4,
            TriggerEvent::Delete => 8,
            TriggerEvent::Update => 16,
            TriggerEvent::Truncate => 32,
        };
    }
    v
}

/// The canonical CREATE TRIGGER text (pg_get_triggerdef).
fn trigger_def(t: &TriggerDef, table: &str) -> String {
    let timing = match t.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => "INSTEAD OF",
    };
    let mut events = Vec::new();
    for e in [
        TriggerEvent::Insert,
        TriggerEvent::Delete,
        TriggerEvent::Update,
        TriggerEvent::Truncate,
    ] {
        if t.events.contains(&e) {
            let mut s = e.name().to_string();
            if e == TriggerEvent::Update && !t.update_columns.is_empty() {
                s.push_str(" OF ");
                s.push_str(&t.update_columns.join(", "));
            }
            events.push(s);
        }
    }
    let level = if t.for_each_row { "ROW" } else { "STATEMENT" };
    let when = t
        .when
        .as_ref()
        .map(|w| format!(" WHEN ({w})"))
        .unwrap_or_default();
    let args = t
        .args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "CREATE TRIGGER {} {timing} {} ON {table} FOR EACH {level}{when} EXECUTE FUNCTION {}({args})",
        t.name,
        events.join(" OR "),
        t.function
    )
}

fn triggers(cat: &Catalog) -> Vec<(&TriggerDef, &crate::catalog::TableDef)> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        if let Some(list) = cat.triggers.get(&t.id) {
            out.extend(list.iter().map(|trig| (trig.as_ref(), t.as_ref())));
        }
    }
    out
}

/// pg_trigger's rows.
pub fn pg_trigger_rows(cat: &Catalog) -> Vec<Vec<(&'static str, Datum)>> {
    triggers(cat)
        .into_iter()
        .map(|(trig, table)| {
            let foid = cat
                .functions
                .get(&trig.function)
                .and_then(|l| l.iter().find(|f| f.input_args().next().is_none()))
                .map(|f| i64::from(f.oid))
                .unwrap_or(0);
            vec![
                ("oid", Datum::Int8(i64::from(trig.oid))),
                ("tgrelid", Datum::Int8(crate::pg_catalog::table_oid(table))),
                ("tgname", Datum::Text(trig.name.clone())),
                ("tgfoid", Datum::Int8(foid)),
                ("tgtype", Datum::Int2(tgtype(trig))),
                (
                    "tgenabled",
                    Datum::Text(if trig.enabled { "O" } else { "D" }.into()),
                ),
                ("tgnargs", Datum::Int2(trig.args.len() as i16)),
            ]
        })
        .collect()
}

/// oid -> pg_get_triggerdef text.
pub fn trigger_defs(cat: &Catalog) -> Vec<(i64, String)> {
    triggers(cat)
        .into_iter()
        .map(|(trig, table)| (i64::from(trig.oid), trigger_def(trig, &table.name)))
        .collect()
}
