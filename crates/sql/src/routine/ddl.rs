//! The routine statements sqlparser does not parse for us: CREATE [OR
//! REPLACE] FUNCTION, DROP FUNCTION, CREATE [OR REPLACE] TRIGGER, DROP
//! TRIGGER, ALTER TABLE ... ENABLE/DISABLE TRIGGER and DO, recognised from
//! their tokens, and the catalog changes they make (PostgreSQL's errors and
//! notices for duplicates, missing objects and dependent triggers).

use std::sync::Arc;

use super::{
    ArgMode, FunctionArg, FunctionDef, Language, Returns, TriggerDef, TriggerEvent, TriggerTiming,
};
use crate::catalog::{function_key, trigger_key, Catalog};
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::plpgsql::cursor::TokenCursor;
use crate::plpgsql::lexer::{lex_one_statement, Tok};
use crate::store::Mutation;
use crate::types::{ColType, SqlType};

/// A parsed routine statement.
#[derive(Debug)]
pub enum RoutineStatement {
    CreateFunction {
        or_replace: bool,
        def: FunctionDef,
    },
    DropFunction {
        if_exists: bool,
        cascade: bool,
        /// Names with their input arguments, if given (user types resolved
        /// by `resolve_arg_type` when the statement runs).
        items: Vec<(String, Option<Vec<FunctionArg>>)>,
    },
    CreateTrigger {
        or_replace: bool,
        table: String,
        def: TriggerDef,
    },
    DropTrigger {
        if_exists: bool,
        name: String,
        table: String,
    },
    /// ALTER TABLE t ENABLE|DISABLE TRIGGER name|ALL|USER.
    EnableTrigger {
        table: String,
        name: Option<String>,
        enable: bool,
    },
    Do {
        body: String,
    },
}

/// A function's `name` or `schema.name` (public / pg_catalog are dropped:
/// functions live in one namespace).
fn object_name(c: &mut TokenCursor) -> SqlResult<String> {
    let mut name = c.ident()?;
    while c.eat(&Tok::Dot) {
        let part = c.ident()?;
        if !matches!(name.as_str(), "public" | "pg_catalog") {
            return Err(SqlError::unsupported(format!(
                "a function in schema \"{name}\""
            )));
        }
        name = part;
    }
    Ok(name)
}

/// A relation's name as written (`t`, `s.t`, `pg_temp.t`) in the catalog's
/// key form (`crate::schema`): the session resolves an unqualified one
/// through its search path when the statement runs.
fn relation_name(c: &mut TokenCursor) -> SqlResult<String> {
    let first = c.ident()?;
    if !c.eat(&Tok::Dot) {
        return Ok(first);
    }
    let name = c.ident()?;
    Ok(match first.as_str() {
        "public" | "pg_catalog" => name,
        schema => crate::schema::qualified(schema, &name),
    })
}

/// The statement in `sql`, if it is one of this module's (a single statement).
pub fn recognise(sql: &str) -> Option<SqlResult<RoutineStatement>> {
    let head: Vec<String> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(4)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let first = head.first()?.as_str();
    let relevant = match first {
        "do" => true,
        "create" | "drop" => head.iter().any(|w| w == "function" || w == "trigger"),
        "alter" => head.get(1).is_some_and(|w| w == "table"),
        _ => false,
    };
    if !relevant {
        return None;
    }
    let toks = match lex_one_statement(sql)? {
        Ok(t) => t,
        Err(e) => return Some(Err(e)),
    };
    let mut c = TokenCursor::new(sql, toks, 1);
    match first {
        "do" => Some(parse_do(&mut c)),
        "create" => {
            let or_replace = c.eat_kw("or") && c.eat_kw("replace");
            if c.eat_kw("function") {
                Some(parse_create_function(&mut c, or_replace))
            } else if c.at_kw("trigger") || c.at_kw("constraint") {
                if c.eat_kw("constraint") {
                    return Some(Err(SqlError::unsupported("CREATE CONSTRAINT TRIGGER")));
                }
                c.pos += 1;
                Some(parse_create_trigger(&mut c, or_replace, sql))
            } else {
                None
            }
        }
        "drop" => {
            if c.eat_kw("function") {
                Some(parse_drop_function(&mut c))
            } else if c.eat_kw("trigger") {
                Some(parse_drop_trigger(&mut c))
            } else {
                None
            }
        }
        _ => {
            // ALTER TABLE [ONLY] t ENABLE|DISABLE TRIGGER ...
            c.pos = 2;
            let _ = c.eat_kw("if") && c.eat_kw("exists");
            let _ = c.eat_kw("only");
            let table = relation_name(&mut c).ok()?;
            let enable = if c.eat_kw("enable") {
                let _ = c.eat_kw("always") || c.eat_kw("replica");
                true
            } else if c.eat_kw("disable") {
                false
            } else {
                return None;
            };
            if !c.eat_kw("trigger") {
                return None;
            }
            Some((|| {
                let name = c.ident()?;
                if !c.done() {
                    return Err(c.error());
                }
                let name = (!matches!(name.as_str(), "all" | "user")).then_some(name);
                Ok(RoutineStatement::EnableTrigger {
                    table,
                    name,
                    enable,
                })
            })())
        }
    }
}

fn parse_do(c: &mut TokenCursor) -> SqlResult<RoutineStatement> {
    let mut body = None;
    while !c.done() {
        if c.eat_kw("language") {
            let lang = c.ident()?;
            if lang != "plpgsql" {
                return Err(SqlError::new(
                    "42704",
                    format!("language \"{lang}\" does not exist"),
                ));
            }
            continue;
        }
        match c.peek().map(|t| t.tok.clone()) {
            Some(Tok::Str(s)) if body.is_none() => {
                c.pos += 1;
                body = Some(s);
            }
            _ => return Err(c.error()),
        }
    }
    let body = body.ok_or_else(|| SqlError::syntax("no inline code specified"))?;
    Ok(RoutineStatement::Do { body })
}

/// A type name from its source text (`integer`, `varchar(10)`, `text[]`).
pub fn parse_type(text: &str) -> SqlResult<ColType> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    let bad = || SqlError::new("42704", format!("type \"{}\" does not exist", text.trim()));
    // The reg* types are names of catalog objects: held as their text, as
    // `::regclass` produces it.
    let lower = text.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix("pg_catalog.").unwrap_or(&lower);
    if matches!(
        lower,
        "regclass" | "regtype" | "regproc" | "regprocedure" | "regnamespace" | "regrole"
    ) {
        return Ok(SqlType::Text.plain());
    }
    let mut p = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .map_err(|_| bad())?;
    let dt = p.parse_data_type().map_err(|_| bad())?;
    if p.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err(bad());
    }
    crate::types::from_ast(&dt)
}

fn parse_arg(c: &TokenCursor, from: usize, to: usize) -> SqlResult<FunctionArg> {
    let mut from = from;
    let mut mode = ArgMode::In;
    for (kw, m) in [
        ("in", ArgMode::In),
        ("out", ArgMode::Out),
        ("inout", ArgMode::InOut),
        ("variadic", ArgMode::Variadic),
    ] {
        if from < to && c.toks[from].is_kw(kw) {
            mode = m;
            from += 1;
            break;
        }
    }
    let mut end = to;
    let mut default = None;
    for i in from..to {
        let t = &c.toks[i];
        if t.is_kw("default") || t.tok == Tok::Op("=".into()) {
            end = i;
            default = Some(c.text(i + 1, to));
            break;
        }
    }
    if from >= end {
        return Err(c.error());
    }
    let whole = c.text(from, end);
    let words: Vec<&str> = c.toks[from..end].iter().filter_map(|t| t.word()).collect();
    let mut unresolved_type = None;
    let (name, ty) = match parse_type(&whole) {
        Ok(t) if end - from == 1 || !matches!(c.toks[from].tok, Tok::Word { .. }) => (None, t),
        first => {
            let named = c.toks[from].word().map(str::to_string);
            match (named, parse_type(&c.text(from + 1, end))) {
                (Some(n), Ok(t)) if end - from > 1 => (Some(n), t),
                // A user type's name, resolved against the catalog later.
                (named, Err(_)) if first.is_err() && words.len() == end - from => {
                    match words.as_slice() {
                        [ty] => unresolved_type = Some(ty.to_string()),
                        [_, ty] => unresolved_type = Some(ty.to_string()),
                        _ => return Err(first.err().unwrap_or_else(|| c.error())),
                    }
                    let name = named.filter(|_| words.len() == 2);
                    (name, SqlType::Unknown.plain())
                }
                _ => (None, first?),
            }
        }
    };
    if mode == ArgMode::Variadic {
        return Err(SqlError::unsupported("VARIADIC function arguments"));
    }
    Ok(FunctionArg {
        name,
        ty,
        mode,
        default,
        unresolved_type,
    })
}

fn parse_create_function(c: &mut TokenCursor, or_replace: bool) -> SqlResult<RoutineStatement> {
    let name = object_name(c)?;
    c.expect(&Tok::LParen)?;
    let mut args = Vec::new();
    if !c.eat(&Tok::RParen) {
        loop {
            let (from, to) = c.list_item()?;
            args.push(parse_arg(c, from, to)?);
            if c.eat(&Tok::RParen) {
                break;
            }
            c.expect(&Tok::Comma)?;
        }
    }
    let mut returns = None;
    let mut language = None;
    let mut body = None;
    let mut volatility = 'v';
    let mut strict = false;
    let mut security_definer = false;
    while !c.done() {
        if c.eat_kw("returns") {
            if c.eat_kw("null") {
                c.expect_kw("on")?;
                c.expect_kw("null")?;
                c.expect_kw("input")?;
                strict = true;
                continue;
            }
            returns = Some(parse_returns(c, &args)?);
        } else if c.eat_kw("language") {
            language = Some(match c.peek().map(|t| t.tok.clone()) {
                Some(Tok::Str(s)) => {
                    c.pos += 1;
                    s.to_lowercase()
                }
                _ => c.ident()?,
            });
        } else if c.eat_kw("as") {
            match c.peek().map(|t| t.tok.clone()) {
                Some(Tok::Str(s)) => {
                    c.pos += 1;
                    body = Some(s);
                }
                _ => return Err(c.error()),
            }
            if c.eat(&Tok::Comma) {
                return Err(SqlError::unsupported("functions in loadable modules"));
            }
        } else if c.eat_kw("return") {
            // SQL-standard body: RETURN expression.
            let from = c.pos;
            while !c.done() {
                c.pos += 1;
            }
            body = Some(format!("SELECT {}", c.text(from, c.pos)));
            language.get_or_insert_with(|| "sql".to_string());
        } else if c.eat_kw("immutable") {
            volatility = 'i';
        } else if c.eat_kw("stable") {
            volatility = 's';
        } else if c.eat_kw("volatile") {
            volatility = 'v';
        } else if c.eat_kw("strict") {
            strict = true;
        } else if c.eat_kw("called") {
            c.expect_kw("on")?;
            c.expect_kw("null")?;
            c.expect_kw("input")?;
            strict = false;
        } else if c.eat_kw("external") || c.at_kw("security") {
            c.expect_kw("security")?;
            security_definer = c.eat_kw("definer");
            if !security_definer {
                c.expect_kw("invoker")?;
            }
        } else if c.eat_kw("leakproof") || c.eat_kw("window") {
        } else if c.eat_kw("not") {
            c.expect_kw("leakproof")?;
        } else if c.eat_kw("parallel") {
            c.ident()?;
        } else if c.eat_kw("cost") || c.eat_kw("rows") {
            match c.peek().map(|t| &t.tok) {
                Some(Tok::Num(_)) => c.pos += 1,
                _ => return Err(c.error()),
            }
        } else if c.eat_kw("support") {
            object_name(c)?;
        } else if c.eat_kw("set") {
            // SET parameter TO value | = value | FROM CURRENT: accepted, not applied.
            c.ident()?;
            if c.eat_kw("from") {
                c.expect_kw("current")?;
            } else {
                if !c.eat_kw("to") && !c.eat(&Tok::Op("=".into())) {
                    return Err(c.error());
                }
                c.pos += 1;
                while c.eat(&Tok::Comma) {
                    c.pos += 1;
                }
            }
        } else {
            return Err(c.error());
        }
    }
    let outs: Vec<(String, ColType)> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| matches!(a.mode, ArgMode::Out | ArgMode::InOut))
        .map(|(i, a)| (a.name.clone().unwrap_or(format!("column{}", i + 1)), a.ty))
        .collect();
    let returns = match returns {
        Some(r) => r,
        None if outs.len() == 1 => Returns::Scalar(outs[0].1),
        None if !outs.is_empty() => Returns::Table {
            columns: outs,
            set: false,
            row_type: None,
        },
        None => {
            return Err(SqlError::new(
                "42P13",
                "function result type must be specified",
            ))
        }
    };
    let language = match language.as_deref() {
        Some("sql") => Language::Sql,
        Some("plpgsql") => Language::PlPgSql,
        Some("internal") => Language::Internal,
        Some(other) => {
            return Err(SqlError::new(
                "42704",
                format!("language \"{other}\" does not exist"),
            ))
        }
        None => return Err(SqlError::new("42P13", "no language specified")),
    };
    let body = body.ok_or_else(|| SqlError::new("42P13", "no function body specified"))?;
    match language {
        Language::PlPgSql => {
            crate::plpgsql::parser::parse_body(&body)?;
        }
        Language::Sql => {
            if returns == Returns::Trigger {
                return Err(SqlError::new(
                    "42P13",
                    "SQL functions cannot return type trigger",
                ));
            }
        }
        // Checked against the routine once the argument types are known.
        Language::Internal => {}
    }
    Ok(RoutineStatement::CreateFunction {
        or_replace,
        def: FunctionDef {
            oid: 0,
            name,
            args,
            returns,
            language,
            body,
            volatility,
            strict,
            security_definer,
        },
    })
}

fn parse_returns(c: &mut TokenCursor, args: &[FunctionArg]) -> SqlResult<Returns> {
    if c.eat_kw("table") {
        c.expect(&Tok::LParen)?;
        let mut columns = Vec::new();
        loop {
            let (from, to) = c.list_item()?;
            let name = c.toks[from]
                .word()
                .map(str::to_string)
                .ok_or_else(|| c.error())?;
            columns.push((name, parse_type(&c.text(from + 1, to))?));
            if c.eat(&Tok::RParen) {
                break;
            }
            c.expect(&Tok::Comma)?;
        }
        return Ok(Returns::Table {
            columns,
            set: true,
            row_type: None,
        });
    }
    let set = c.eat_kw("setof");
    let from = c.pos;
    // The type runs to the next option keyword.
    const OPTIONS: &[&str] = &[
        "language",
        "as",
        "immutable",
        "stable",
        "volatile",
        "strict",
        "called",
        "returns",
        "security",
        "external",
        "leakproof",
        "not",
        "parallel",
        "cost",
        "rows",
        "support",
        "set",
        "window",
        "return",
        "begin",
    ];
    while c
        .peek()
        .is_some_and(|t| !OPTIONS.iter().any(|o| t.is_kw(o)))
    {
        c.pos += 1;
    }
    let text = c.text(from, c.pos);
    let outs: Vec<(String, ColType)> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| matches!(a.mode, ArgMode::Out | ArgMode::InOut))
        .map(|(i, a)| (a.name.clone().unwrap_or(format!("column{}", i + 1)), a.ty))
        .collect();
    Ok(match text.trim().to_lowercase().as_str() {
        "trigger" if !set => Returns::Trigger,
        "void" if !set => Returns::Void,
        "record" if !outs.is_empty() => Returns::Table {
            columns: outs,
            set,
            row_type: None,
        },
        "record" => return Err(SqlError::unsupported("functions returning record")),
        _ => {
            let ty = match parse_type(&text) {
                Ok(t) => t,
                // A table's row type, resolved by `create_function`.
                Err(_)
                    if c.toks[from..c.pos]
                        .iter()
                        .all(|t| matches!(t.tok, Tok::Word { .. } | Tok::Dot)) =>
                {
                    let name = text.trim().rsplit('.').next().unwrap_or("").to_lowercase();
                    return Ok(Returns::Table {
                        columns: vec![(format!("{ROWTYPE_MARK}{name}"), SqlType::Unknown.plain())],
                        set,
                        row_type: None,
                    });
                }
                Err(e) => return Err(e),
            };
            if set {
                Returns::SetOf(ty)
            } else {
                Returns::Scalar(ty)
            }
        }
    })
}

/// Marks a RETURNS [SETOF] table_name until the table's columns are known.
const ROWTYPE_MARK: &str = "\0rowtype:";

/// RETURNS [SETOF] table_name: the table's columns (`catalog` is the
/// session's view, so temporary tables count).
pub fn resolve_row_type(catalog: &Catalog, returns: &mut Returns) -> SqlResult<()> {
    let Returns::Table {
        columns, row_type, ..
    } = returns
    else {
        return Ok(());
    };
    let Some(table) = columns
        .first()
        .and_then(|(n, _)| n.strip_prefix(ROWTYPE_MARK))
        .map(str::to_string)
    else {
        return Ok(());
    };
    if let Some(def) = catalog.types.get(&table) {
        if let Some(fields) = def.fields() {
            // A composite type's attributes (CREATE TYPE ... AS (...)).
            *columns = fields.iter().map(|f| (f.name.clone(), f.ty)).collect();
            *row_type = Some(def.oid);
            return Ok(());
        }
        // Any other user type is a scalar result.
        let ty = def.value_type();
        *returns = match returns {
            Returns::Table { set: true, .. } => Returns::SetOf(ty),
            _ => Returns::Scalar(ty),
        };
        return Ok(());
    }
    let t = catalog
        .tables
        .get(&catalog.resolve_key(&table))
        .ok_or_else(|| SqlError::new("42704", format!("type \"{table}\" does not exist")))?;
    *columns = t.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
    Ok(())
}

/// The type of an argument, a user type's name resolved against `catalog`.
pub fn resolve_arg_type(catalog: &Catalog, arg: &FunctionArg) -> SqlResult<ColType> {
    match &arg.unresolved_type {
        Some(name) => {
            let dt = sqlparser::ast::DataType::Custom(
                sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(name.clone())]),
                vec![],
            );
            crate::user_types::resolve_allowing_shell(catalog, &dt)
        }
        None => Ok(arg.ty),
    }
}

/// Resolves the user type names of a CREATE FUNCTION's arguments and
/// result against `catalog`, and checks what PostgreSQL checks about
/// shell types and `LANGUAGE internal`; returns the NOTICEs to send
/// (a shell type in the signature of an internal function).
pub fn resolve_user_types(catalog: &Catalog, def: &mut FunctionDef) -> SqlResult<Vec<SqlError>> {
    let mut notices = Vec::new();
    resolve_row_type(catalog, &mut def.returns)?;
    let is_shell = |ty: SqlType| {
        matches!(ty, SqlType::Base(oid) if catalog.types.values().any(|t| {
            t.oid == oid && t.kind == crate::user_types::UserTypeKind::Shell
        }))
    };
    let shell_use = |what: &str, ty: SqlType, notices: &mut Vec<SqlError>| -> SqlResult<()> {
        let name = ty.display_name();
        if def.language != Language::Internal {
            let verb = if what == "return" { "return" } else { "accept" };
            return Err(SqlError::new(
                "42P13",
                format!("SQL function cannot {verb} shell type {name}"),
            ));
        }
        let mut n = SqlError::new("00000", format!("{what} type {name} is only a shell"));
        n.severity = "NOTICE";
        notices.push(n);
        Ok(())
    };
    if let Returns::Scalar(t) | Returns::SetOf(t) = def.returns {
        if is_shell(t.ty) {
            shell_use("return", t.ty, &mut notices)?;
        }
    }
    for arg in &mut def.args {
        arg.ty = resolve_arg_type(catalog, arg)?;
        arg.unresolved_type = None;
        if is_shell(arg.ty.ty) {
            shell_use("argument", arg.ty.ty, &mut notices)?;
        }
    }
    if def.language == Language::Internal {
        let routine = crate::internal_functions::lookup(&def.body)
            .ok_or_else(|| crate::internal_functions::unknown(&def.body))?;
        let args: Vec<SqlType> = def.input_args().map(|a| a.ty.ty).collect();
        if !routine.accepts(&args) {
            return Err(SqlError::unsupported(format!(
                "binding {}({}) to the built-in function \"{}\"",
                def.name,
                args.iter()
                    .map(|t| t.display_name())
                    .collect::<Vec<_>>()
                    .join(", "),
                def.body
            )));
        }
    }
    Ok(notices)
}

/// `(type, ...)` of DROP FUNCTION, with optional argument names and modes.
fn parse_drop_function(c: &mut TokenCursor) -> SqlResult<RoutineStatement> {
    let if_exists = c.eat_kw("if") && {
        c.expect_kw("exists")?;
        true
    };
    let mut items = Vec::new();
    loop {
        let name = object_name(c)?;
        let mut types = None;
        if c.eat(&Tok::LParen) {
            let mut list = Vec::new();
            if !c.eat(&Tok::RParen) {
                loop {
                    let (from, to) = c.list_item()?;
                    let arg = parse_arg(c, from, to)?;
                    if arg.mode != ArgMode::Out {
                        list.push(arg);
                    }
                    if c.eat(&Tok::RParen) {
                        break;
                    }
                    c.expect(&Tok::Comma)?;
                }
            }
            types = Some(list);
        }
        items.push((name, types));
        if !c.eat(&Tok::Comma) {
            break;
        }
    }
    let cascade = c.eat_kw("cascade");
    let _ = !cascade && c.eat_kw("restrict");
    if !c.done() {
        return Err(c.error());
    }
    Ok(RoutineStatement::DropFunction {
        if_exists,
        cascade,
        items,
    })
}

fn parse_create_trigger(
    c: &mut TokenCursor,
    or_replace: bool,
    sql: &str,
) -> SqlResult<RoutineStatement> {
    let name = c.ident()?;
    let timing = if c.eat_kw("before") {
        TriggerTiming::Before
    } else if c.eat_kw("after") {
        TriggerTiming::After
    } else if c.eat_kw("instead") {
        c.expect_kw("of")?;
        TriggerTiming::InsteadOf
    } else {
        return Err(c.error());
    };
    let mut events = Vec::new();
    let mut update_columns = Vec::new();
    loop {
        let event = match c.ident()?.as_str() {
            "insert" => TriggerEvent::Insert,
            "update" => {
                if c.eat_kw("of") {
                    update_columns.push(c.ident()?);
                    while c.eat(&Tok::Comma) {
                        update_columns.push(c.ident()?);
                    }
                }
                TriggerEvent::Update
            }
            "delete" => TriggerEvent::Delete,
            "truncate" => TriggerEvent::Truncate,
            _ => {
                c.pos -= 1;
                return Err(c.error());
            }
        };
        events.push(event);
        if !c.eat_kw("or") {
            break;
        }
    }
    c.expect_kw("on")?;
    let table = relation_name(c)?;
    let mut old_table = None;
    let mut new_table = None;
    if c.eat_kw("referencing") {
        loop {
            let is_old = if c.eat_kw("old") {
                true
            } else if c.eat_kw("new") {
                false
            } else {
                break;
            };
            if c.eat_kw("row") {
                return Err(SqlError::new(
                    "0A000",
                    "ROW variable naming in the REFERENCING clause is not supported",
                )
                .with_hint("Use OLD TABLE or NEW TABLE for naming transition tables."));
            }
            c.expect_kw("table")?;
            let _ = c.eat_kw("as");
            let name = c.ident()?;
            let slot = if is_old {
                &mut old_table
            } else {
                &mut new_table
            };
            if slot.is_some() {
                return Err(SqlError::new(
                    "42601",
                    format!(
                        "{} TABLE cannot be specified multiple times",
                        if is_old { "OLD" } else { "NEW" }
                    ),
                ));
            }
            *slot = Some(name);
        }
        if old_table.is_none() && new_table.is_none() {
            return Err(c.error());
        }
    }
    let mut for_each_row = false;
    if c.eat_kw("for") {
        let _ = c.eat_kw("each");
        if c.eat_kw("row") {
            for_each_row = true;
        } else {
            c.expect_kw("statement")?;
        }
    }
    let mut when = None;
    if c.eat_kw("when") {
        c.expect(&Tok::LParen)?;
        let from = c.pos;
        let mut depth = 0;
        while let Some(t) = c.peek() {
            match t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen if depth == 0 => break,
                Tok::RParen => depth -= 1,
                _ => {}
            }
            c.pos += 1;
        }
        when = Some(c.text(from, c.pos));
        c.expect(&Tok::RParen)?;
    }
    c.expect_kw("execute")?;
    if !c.eat_kw("function") {
        c.expect_kw("procedure")?;
    }
    let function = object_name(c)?;
    c.expect(&Tok::LParen)?;
    let mut args = Vec::new();
    if !c.eat(&Tok::RParen) {
        loop {
            let arg = match c.peek().map(|t| t.tok.clone()) {
                Some(Tok::Str(s)) => s,
                Some(Tok::Num(n)) => n,
                Some(Tok::Word { text, .. }) => text,
                _ => return Err(c.error()),
            };
            c.pos += 1;
            args.push(arg);
            if c.eat(&Tok::RParen) {
                break;
            }
            c.expect(&Tok::Comma)?;
        }
    }
    if !c.done() {
        return Err(c.error());
    }
    if events.contains(&TriggerEvent::Truncate) && for_each_row {
        return Err(SqlError::new(
            "0A000",
            "TRUNCATE FOR EACH ROW triggers are not supported",
        ));
    }
    if when.is_some() && !for_each_row {
        let w = when.as_deref().unwrap_or("").to_lowercase();
        if w.contains("new") || w.contains("old") {
            return Err(SqlError::new(
                "42P17",
                "statement trigger's WHEN condition cannot reference column values",
            ));
        }
    }
    Ok(RoutineStatement::CreateTrigger {
        or_replace,
        table,
        def: TriggerDef {
            oid: 0,
            name,
            table_id: 0,
            timing,
            events,
            update_columns,
            for_each_row,
            when,
            function,
            args,
            enabled: true,
            definition: sql.trim().trim_end_matches(';').trim().to_string(),
            old_table,
            new_table,
        },
    })
}

fn parse_drop_trigger(c: &mut TokenCursor) -> SqlResult<RoutineStatement> {
    let if_exists = c.eat_kw("if") && {
        c.expect_kw("exists")?;
        true
    };
    let name = c.ident()?;
    c.expect_kw("on")?;
    let table = relation_name(c)?;
    let _ = c.eat_kw("cascade") || c.eat_kw("restrict");
    if !c.done() {
        return Err(c.error());
    }
    Ok(RoutineStatement::DropTrigger {
        if_exists,
        name,
        table,
    })
}

// ------------------------------------------------------------ catalog changes

fn functions_mutation(catalog: &Catalog, name: &str) -> SqlResult<Mutation> {
    list_mutation(function_key(name), catalog.functions.get(name))
}

/// The stored form of the triggers kept under `table_id` (a table's id or
/// a view's trigger id); a delete when there are none.
pub(super) fn triggers_mutation(catalog: &Catalog, table_id: u32) -> SqlResult<Mutation> {
    list_mutation(trigger_key(table_id), catalog.triggers.get(&table_id))
}

/// A catalog entry holding a list of definitions as JSON; a delete when
/// the list is empty or gone.
fn list_mutation<T: serde::Serialize>(
    key: Vec<u8>,
    list: Option<&Vec<Arc<T>>>,
) -> SqlResult<Mutation> {
    let value = match list {
        Some(list) if !list.is_empty() => {
            let defs: Vec<&T> = list.iter().map(|d| d.as_ref()).collect();
            Some(serde_json::to_vec(&defs).map_err(|e| SqlError::internal(e.to_string()))?)
        }
        _ => None,
    };
    Ok(Mutation { key, value })
}

fn same_inputs(a: &FunctionDef, types: &[ColType]) -> bool {
    let ins: Vec<_> = a.input_args().map(|x| x.ty.ty).collect();
    ins.len() == types.len() && ins.iter().zip(types).all(|(x, y)| *x == y.ty)
}

fn type_list(types: &[ColType]) -> String {
    types
        .iter()
        .map(|t| t.ty.display_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// CREATE [OR REPLACE] FUNCTION; `id` comes from the table-id counter.
pub fn create_function(
    catalog: &Catalog,
    or_replace: bool,
    def: &FunctionDef,
    id: u32,
) -> SqlResult<DdlChange> {
    let mut next = catalog.clone();
    let inputs: Vec<ColType> = def.input_args().map(|a| a.ty).collect();
    let mut def = def.clone();
    resolve_row_type(catalog, &mut def.returns)?;
    let list = next.functions.entry(def.name.clone()).or_default();
    match list.iter().position(|f| same_inputs(f, &inputs)) {
        Some(i) => {
            if !or_replace {
                return Err(SqlError::new(
                    "42723",
                    format!(
                        "function \"{}\" already exists with same argument types",
                        def.name
                    ),
                ));
            }
            if list[i].returns != def.returns {
                return Err(SqlError::new(
                    "42P13",
                    "cannot change return type of existing function",
                )
                .with_hint(format!(
                    "Use DROP FUNCTION {}({}) first.",
                    def.name,
                    type_list(&inputs)
                )));
            }
            def.oid = list[i].oid;
            list[i] = Arc::new(def.clone());
        }
        None => {
            def.oid = 16384 + 512 * id;
            list.push(Arc::new(def.clone()));
        }
    }
    next.next_table_id = next.next_table_id.max(id + 1);
    let mutations = vec![
        functions_mutation(&next, &def.name)?,
        Catalog::next_id_mutation(next.next_table_id),
    ];
    Ok(DdlChange::catalog_only(next, mutations))
}

/// Removes the function `name` with pg_proc OID `oid` (DROP ... CASCADE of
/// a type it uses), and the casts and operators that call it; pushes the
/// catalog mutations and returns the descriptions of the casts and
/// operators removed.
pub fn remove_function(
    next: &mut Catalog,
    name: &str,
    oid: u32,
    mutations: &mut Vec<Mutation>,
) -> SqlResult<Vec<String>> {
    let Some(f) = next
        .functions
        .get(name)
        .and_then(|l| l.iter().find(|f| f.oid == oid))
        .cloned()
    else {
        return Ok(Vec::new());
    };
    let args: Vec<SqlType> = f.input_args().map(|a| a.ty.ty).collect();
    let mut removed = Vec::new();
    for c in crate::casts::casts_calling(next, name, &args) {
        next.casts.remove(&(c.source.oid(), c.target.oid()));
        mutations.push(crate::casts::mutation(c.source, c.target, None)?);
        removed.push(c.describe());
    }
    removed.extend(crate::user_operators::remove_calling(
        next, name, &args, mutations,
    ));
    if let Some(l) = next.functions.get_mut(name) {
        l.retain(|f| f.oid != oid);
        if l.is_empty() {
            next.functions.remove(name);
        }
    }
    mutations.push(functions_mutation(next, name)?);
    Ok(removed)
}

/// The triggers that call function `f` (for DROP FUNCTION's dependency check).
fn dependent_triggers(catalog: &Catalog, f: &FunctionDef) -> Vec<(u32, String, String)> {
    let mut out = Vec::new();
    if f.returns != Returns::Trigger || f.input_args().next().is_some() {
        return out;
    }
    for (table_id, list) in &catalog.triggers {
        let Some(table) = catalog.tables.values().find(|t| t.id == *table_id) else {
            continue;
        };
        for t in list.iter().filter(|t| t.function == f.name) {
            out.push((*table_id, t.name.clone(), table.name.clone()));
        }
    }
    out
}

/// DROP FUNCTION; returns the change and the notices to send.
pub fn drop_functions(
    catalog: &Catalog,
    if_exists: bool,
    cascade: bool,
    items: &[(String, Option<Vec<ColType>>)],
) -> SqlResult<(Option<DdlChange>, Vec<SqlError>)> {
    let mut next = catalog.clone();
    let mut notices = Vec::new();
    let mut mutations = Vec::new();
    for (name, types) in items {
        let list = next.functions.get(name).cloned().unwrap_or_default();
        let found = match types {
            Some(ts) => list.iter().position(|f| same_inputs(f, ts)),
            None if list.len() > 1 => {
                return Err(SqlError::new(
                    "42725",
                    format!("function name \"{name}\" is not unique"),
                )
                .with_hint("Specify the argument list to select the function unambiguously."))
            }
            None => (!list.is_empty()).then_some(0),
        };
        let Some(i) = found else {
            let what = match types {
                Some(ts) => format!("function {name}({}) does not exist", type_list(ts)),
                None => format!("could not find a function named \"{name}\""),
            };
            if if_exists {
                let what = match types {
                    Some(ts) => format!(
                        "function {name}({}) does not exist, skipping",
                        type_list(ts)
                    ),
                    None => format!("function {name}() does not exist, skipping"),
                };
                let mut n = SqlError::new("00000", what);
                n.severity = "NOTICE";
                notices.push(n);
                continue;
            }
            return Err(SqlError::new("42883", what));
        };
        let f = list[i].clone();
        // A partition key calling the function keeps it (no CASCADE here).
        if let Some(t) = next.tables.values().find(|t| {
            t.partitioning
                .key
                .as_ref()
                .is_some_and(|k| k.calls_function(&f.name))
        }) {
            let what = format!(
                "cannot drop function {} because other objects depend on it",
                f.signature()
            );
            if cascade {
                return Err(SqlError::unsupported(format!(
                    "{what}: DROP FUNCTION ... CASCADE of a partition key's function"
                )));
            }
            return Err(SqlError::new("2BP01", what)
                .with_detail(format!(
                    "table {} depends on function {}",
                    t.name,
                    f.signature()
                ))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let deps = dependent_triggers(&next, &f);
        if !deps.is_empty() {
            if !cascade {
                let detail = deps
                    .iter()
                    .map(|(_, t, tab)| {
                        format!(
                            "trigger {t} on table {tab} depends on function {}",
                            f.signature()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                return Err(SqlError::new(
                    "2BP01",
                    format!(
                        "cannot drop function {} because other objects depend on it",
                        f.signature()
                    ),
                )
                .with_detail(detail)
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            for (table_id, trig, tab) in &deps {
                if let Some(l) = next.triggers.get_mut(table_id) {
                    l.retain(|t| &t.name != trig);
                }
                mutations.push(triggers_mutation(&next, *table_id)?);
                let mut n = SqlError::new(
                    "00000",
                    format!("drop cascades to trigger {trig} on table {tab}"),
                );
                n.severity = "NOTICE";
                notices.push(n);
            }
        }
        // Base types whose I/O the function is, casts and operators it computes.
        let args: Vec<SqlType> = f.input_args().map(|a| a.ty.ty).collect();
        let io_of = crate::base_types::types_using_io_function(&next, name, &args);
        if !io_of.is_empty() && cascade {
            return Err(SqlError::unsupported(
                "DROP FUNCTION ... CASCADE of a type's input or output function",
            ));
        }
        let users: Vec<String> = io_of
            .into_iter()
            .map(|t| format!("type {t}"))
            .chain(
                crate::casts::casts_calling(&next, name, &args)
                    .iter()
                    .map(|c| c.describe()),
            )
            .chain(
                crate::user_operators::operators_calling(&next, name, &args)
                    .iter()
                    .map(|o| format!("operator {}", o.signature())),
            )
            .collect();
        if !users.is_empty() && !cascade {
            let detail = users
                .iter()
                .map(|u| format!("{u} depends on function {}", f.signature()))
                .collect::<Vec<_>>()
                .join("\n");
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop function {} because other objects depend on it",
                    f.signature()
                ),
            )
            .with_detail(detail)
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        for what in remove_function(&mut next, name, f.oid, &mut mutations)? {
            let mut n = SqlError::new("00000", format!("drop cascades to {what}"));
            n.severity = "NOTICE";
            notices.push(n);
        }
    }
    if mutations.is_empty() {
        return Ok((None, notices));
    }
    Ok((Some(DdlChange::catalog_only(next, mutations)), notices))
}

/// The trigger's function exists (zero arguments) and returns trigger.
pub(super) fn check_trigger_function(catalog: &Catalog, def: &TriggerDef) -> SqlResult<()> {
    let Some(f) = catalog
        .functions
        .get(&def.function)
        .and_then(|l| l.iter().find(|f| f.input_args().next().is_none()))
    else {
        return Err(SqlError::new(
            "42883",
            format!("function {}() does not exist", def.function),
        ));
    };
    if f.returns != Returns::Trigger {
        return Err(SqlError::new(
            "42P17",
            format!("function {} must return type trigger", def.function),
        ));
    }
    Ok(())
}

/// CREATE [OR REPLACE] TRIGGER on a table; `id` comes from the table-id counter.
pub fn create_trigger(
    catalog: &Catalog,
    or_replace: bool,
    table: &str,
    def: &TriggerDef,
    id: u32,
) -> SqlResult<DdlChange> {
    let t = match catalog.tables.get(table) {
        Some(t) => t.clone(),
        None if catalog.views.contains_key(table) => {
            return super::instead_of::create_view_trigger(catalog, or_replace, table, def, id)
        }
        None => return Err(SqlError::undefined_table(table)),
    };
    if def.timing == TriggerTiming::InsteadOf {
        return Err(SqlError::new("42809", format!("\"{table}\" is a table"))
            .with_detail("Tables cannot have INSTEAD OF triggers."));
    }
    check_trigger_function(catalog, def)?;
    super::transition::check_definition(def)?;
    for c in &def.update_columns {
        if t.column_index(c).is_none() {
            return Err(SqlError::undefined_column(c));
        }
    }
    let mut next = catalog.clone();
    install_trigger(&mut next, t.id, def, or_replace, table, id)?;
    let mutations = vec![
        triggers_mutation(&next, t.id)?,
        Catalog::next_id_mutation(next.next_table_id),
    ];
    Ok(DdlChange::catalog_only(next, mutations))
}

/// Adds `def` to the triggers stored under `key` in `next` (replacing the
/// one of its name under OR REPLACE, keeping its oid) and advances the
/// table-id counter past `id`; `relation` is the name errors show.
pub(super) fn install_trigger(
    next: &mut Catalog,
    key: u32,
    def: &TriggerDef,
    or_replace: bool,
    relation: &str,
    id: u32,
) -> SqlResult<()> {
    let list = next.triggers.entry(key).or_default();
    let mut def = def.clone();
    def.table_id = key;
    match list.iter().position(|x| x.name == def.name) {
        Some(i) if or_replace => {
            def.oid = list[i].oid;
            list[i] = Arc::new(def);
        }
        Some(_) => {
            return Err(SqlError::new(
                "42710",
                format!(
                    "trigger \"{}\" for relation \"{relation}\" already exists",
                    def.name
                ),
            ))
        }
        None => {
            def.oid = 16384 + 512 * id;
            list.push(Arc::new(def));
        }
    }
    next.next_table_id = next.next_table_id.max(id + 1);
    Ok(())
}

/// DROP TRIGGER of a trigger `table` does not have: the NOTICE under IF
/// EXISTS, the error otherwise.
fn missing_trigger(
    if_exists: bool,
    name: &str,
    table: &str,
) -> SqlResult<(Option<DdlChange>, Option<SqlError>)> {
    let shown = crate::schema::split(table).1;
    if if_exists {
        let mut n = SqlError::new(
            "00000",
            format!("trigger \"{name}\" for relation \"{shown}\" does not exist, skipping"),
        );
        n.severity = "NOTICE";
        return Ok((None, Some(n)));
    }
    Err(SqlError::new(
        "42704",
        format!("trigger \"{name}\" for table \"{shown}\" does not exist"),
    ))
}

/// DROP TRIGGER [IF EXISTS] name ON table; the notice if it skipped.
pub fn drop_trigger(
    catalog: &Catalog,
    if_exists: bool,
    name: &str,
    table: &str,
) -> SqlResult<(Option<DdlChange>, Option<SqlError>)> {
    if catalog.views.contains_key(table) {
        if let Some(change) = super::instead_of::drop_view_trigger(catalog, table, name)? {
            return Ok((Some(change), None));
        }
    }
    let Some(t) = catalog.tables.get(table) else {
        if catalog.views.contains_key(table) {
            return missing_trigger(if_exists, name, table);
        }
        if if_exists {
            let mut n = SqlError::new(
                "00000",
                format!("relation \"{table}\" does not exist, skipping"),
            );
            n.severity = "NOTICE";
            return Ok((None, Some(n)));
        }
        return Err(SqlError::undefined_table(table));
    };
    match remove_trigger(catalog, t.id, name)? {
        Some(change) => Ok((Some(change), None)),
        None => missing_trigger(if_exists, name, table),
    }
}

/// The change removing trigger `name` from those stored under `key`; None
/// when there is no such trigger.
pub(super) fn remove_trigger(
    catalog: &Catalog,
    key: u32,
    name: &str,
) -> SqlResult<Option<DdlChange>> {
    let present = catalog
        .triggers
        .get(&key)
        .is_some_and(|l| l.iter().any(|x| x.name == name));
    if !present {
        return Ok(None);
    }
    let mut next = catalog.clone();
    if let Some(l) = next.triggers.get_mut(&key) {
        l.retain(|x| x.name != name);
    }
    let m = triggers_mutation(&next, key)?;
    Ok(Some(DdlChange::catalog_only(next, vec![m])))
}

/// ALTER TABLE ... ENABLE/DISABLE TRIGGER name | ALL.
pub fn enable_trigger(
    catalog: &Catalog,
    table: &str,
    name: Option<&str>,
    enable: bool,
) -> SqlResult<DdlChange> {
    let t = catalog.table(table)?;
    let mut next = catalog.clone();
    let list = next.triggers.entry(t.id).or_default();
    let mut hit = false;
    for trig in list.iter_mut() {
        if name.is_none_or(|n| n == trig.name) {
            let mut d = trig.as_ref().clone();
            d.enabled = enable;
            *trig = Arc::new(d);
            hit = true;
        }
    }
    if let (Some(n), false) = (name, hit) {
        return Err(SqlError::new(
            "42704",
            format!(
                "trigger \"{n}\" for table \"{table}\" does not exist",
                table = crate::schema::split(table).1
            ),
        ));
    }
    let m = triggers_mutation(&next, t.id)?;
    Ok(DdlChange::catalog_only(next, vec![m]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> RoutineStatement {
        recognise(sql).expect("recognised").expect("parses")
    }

    #[test]
    fn create_function_forms() {
        let RoutineStatement::CreateFunction { or_replace, def } = parse(
            "CREATE OR REPLACE FUNCTION add(a integer, b int DEFAULT 1, OUT s int) \
             LANGUAGE sql IMMUTABLE STRICT COST 1 AS $$ SELECT a + b $$;",
        ) else {
            panic!()
        };
        assert!(or_replace && def.strict && def.volatility == 'i');
        assert_eq!(def.args.len(), 3);
        assert_eq!(def.args[0].name.as_deref(), Some("a"));
        assert_eq!(def.args[1].default.as_deref(), Some("1"));
        assert_eq!(def.returns, Returns::Scalar(SqlType::Int4.plain()));
        let RoutineStatement::CreateFunction { def, .. } = parse(
            "create function f(double precision) returns table(x int, y text) as 'select 1, ''a''' language sql",
        ) else {
            panic!()
        };
        assert_eq!(def.args[0].ty, SqlType::Float8.plain());
        assert!(def.returns_set());
        assert!(recognise(
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN x := ; END $$"
        )
        .expect("recognised")
        .is_err());
        assert!(recognise("CREATE TABLE function_t (a int)").is_none());
    }

    #[test]
    fn trigger_forms() {
        let RoutineStatement::CreateTrigger { table, def, .. } = parse(
            "CREATE TRIGGER t BEFORE INSERT OR UPDATE OF a, b ON public.tab \
             FOR EACH ROW WHEN (NEW.a > 0) EXECUTE FUNCTION f('x', 2)",
        ) else {
            panic!()
        };
        assert_eq!(table, "tab");
        assert_eq!(def.events, vec![TriggerEvent::Insert, TriggerEvent::Update]);
        assert_eq!(def.update_columns, vec!["a", "b"]);
        assert_eq!(def.when.as_deref(), Some("NEW.a > 0"));
        assert_eq!(def.args, vec!["x", "2"]);
        assert!(matches!(
            parse("DROP TRIGGER IF EXISTS t ON tab"),
            RoutineStatement::DropTrigger {
                if_exists: true,
                ..
            }
        ));
        assert!(matches!(
            parse("ALTER TABLE tab DISABLE TRIGGER ALL"),
            RoutineStatement::EnableTrigger {
                name: None,
                enable: false,
                ..
            }
        ));
        assert!(recognise("ALTER TABLE tab ADD COLUMN c int").is_none());
        assert!(matches!(
            parse("DO $$ BEGIN END $$"),
            RoutineStatement::Do { .. }
        ));
    }
}
