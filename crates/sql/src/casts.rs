//! User-defined casts: `CREATE CAST (source AS target) WITHOUT FUNCTION |
//! WITH INOUT | WITH FUNCTION f(types) [AS ASSIGNMENT | AS IMPLICIT]` and
//! `DROP CAST [IF EXISTS] (source AS target)`, recognised from their
//! tokens (sqlparser 0.64 does not parse them), stored in the versioned
//! catalog (`0x00 'X' <source oid> <target oid>`, one entry per cast) and
//! consulted by the binder's coercion (`crate::binder::user_casts`) before
//! the built-in casts. A cast WITHOUT FUNCTION reinterprets the value's
//! bytes (`crate::base_types::reinterpret`), WITH INOUT goes through the
//! text form, WITH FUNCTION calls the function.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::datum::CastContext;
use crate::ddl::DdlChange;
use crate::error::{SqlError, SqlResult};
use crate::plpgsql::cursor::TokenCursor;
use crate::plpgsql::lexer::{lex_one_statement, Tok};
use crate::store::Mutation;
use crate::types::SqlType;

/// Catalog key tag of a user-defined cast.
pub const CAST_TAG: u8 = b'X';

/// How a cast converts (pg_cast.castmethod).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum CastMethod {
    /// WITHOUT FUNCTION: the types are binary coercible.
    Binary,
    /// WITH INOUT: the source's output text read by the target's input.
    InOut,
    /// WITH FUNCTION name(argument types).
    Function { name: String, args: Vec<SqlType> },
}

/// One user-defined cast (a pg_cast row).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CastDef {
    /// Drawn from the table-id counter: creation order.
    pub oid: u32,
    pub source: SqlType,
    pub target: SqlType,
    pub method: CastMethod,
    /// pg_cast.castcontext: 'e' (explicit only), 'a' (assignment), 'i' (implicit).
    pub context: char,
}

impl CastDef {
    /// Whether the cast applies where a conversion of kind `ctx` is needed.
    pub fn usable_in(&self, ctx: CastContext) -> bool {
        match ctx {
            CastContext::Explicit => true,
            CastContext::Assignment => matches!(self.context, 'a' | 'i'),
            CastContext::Implicit => self.context == 'i',
        }
    }

    /// `cast from real to xfloat4`, as DROP ... CASCADE lists it.
    pub fn describe(&self) -> String {
        format!(
            "cast from {} to {}",
            self.source.display_name(),
            self.target.display_name()
        )
    }
}

/// Catalog key of the cast from `source` to `target`.
pub fn cast_key(source: SqlType, target: SqlType) -> Vec<u8> {
    let mut k = vec![crate::encoding::CATALOG_PREFIX, CAST_TAG];
    k.extend_from_slice(&source.oid().to_be_bytes());
    k.extend_from_slice(&target.oid().to_be_bytes());
    k
}

/// Reads a stored cast.
pub fn decode_entry(value: &[u8]) -> SqlResult<CastDef> {
    serde_json::from_slice(value)
        .map_err(|e| SqlError::internal(format!("corrupt catalog entry cast: {e}")))
}

/// The user-defined cast from `source` to `target`, if any.
pub fn find(catalog: &Catalog, source: SqlType, target: SqlType) -> Option<&Arc<CastDef>> {
    catalog.casts.get(&(source.oid(), target.oid()))
}

/// The stored form of a cast (a delete when `def` is None).
pub fn mutation(source: SqlType, target: SqlType, def: Option<&CastDef>) -> SqlResult<Mutation> {
    let value = match def {
        Some(d) => Some(serde_json::to_vec(d).map_err(|e| SqlError::internal(e.to_string()))?),
        None => None,
    };
    Ok(Mutation {
        key: cast_key(source, target),
        value,
    })
}

// ---------------------------------------------------------------------------
// Statements

/// How a CREATE CAST converts, before its types are resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum MethodSpec {
    Binary,
    InOut,
    Function {
        name: String,
        /// The argument type texts, when given.
        args: Option<Vec<String>>,
    },
}

/// A cast statement, with its type names as written.
#[derive(Clone, Debug, PartialEq)]
pub enum CastStatement {
    Create {
        source: String,
        target: String,
        method: MethodSpec,
        context: char,
    },
    Drop {
        if_exists: bool,
        source: String,
        target: String,
    },
}

/// The statement in `sql`, if it is CREATE CAST or DROP CAST.
pub fn recognise(sql: &str) -> Option<SqlResult<CastStatement>> {
    let mut words = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase());
    let first = words.next()?;
    if !matches!(first.as_str(), "create" | "drop") || words.next()? != "cast" {
        return None;
    }
    let toks = match lex_one_statement(sql)? {
        Ok(t) => t,
        Err(e) => return Some(Err(e)),
    };
    let mut c = TokenCursor::new(sql, toks, 2);
    Some(if first == "create" {
        parse_create(&mut c)
    } else {
        parse_drop(&mut c)
    })
}

/// `(source AS target)`: the two type texts.
fn parse_types(c: &mut TokenCursor) -> SqlResult<(String, String)> {
    c.expect(&Tok::LParen)?;
    let from = c.pos;
    let mut depth = 0;
    while let Some(t) = c.peek() {
        match t.tok {
            Tok::LParen => depth += 1,
            Tok::RParen => depth -= 1,
            _ if depth == 0 && t.is_kw("as") => break,
            _ => {}
        }
        c.pos += 1;
    }
    let source = c.text(from, c.pos);
    c.expect_kw("as")?;
    let (at, to) = c.list_item()?;
    let target = c.text(at, to);
    c.expect(&Tok::RParen)?;
    if source.is_empty() || target.is_empty() {
        return Err(c.error());
    }
    Ok((source, target))
}

fn parse_create(c: &mut TokenCursor) -> SqlResult<CastStatement> {
    let (source, target) = parse_types(c)?;
    let method = if c.eat_kw("without") {
        c.expect_kw("function")?;
        MethodSpec::Binary
    } else {
        c.expect_kw("with")?;
        if c.eat_kw("inout") {
            MethodSpec::InOut
        } else {
            c.expect_kw("function")?;
            let mut name = c.ident()?;
            while c.eat(&Tok::Dot) {
                name = c.ident()?;
            }
            let mut args = None;
            if c.eat(&Tok::LParen) {
                let mut list = Vec::new();
                if !c.eat(&Tok::RParen) {
                    loop {
                        let (from, to) = c.list_item()?;
                        list.push(c.text(from, to));
                        if c.eat(&Tok::RParen) {
                            break;
                        }
                        c.expect(&Tok::Comma)?;
                    }
                }
                args = Some(list);
            }
            MethodSpec::Function { name, args }
        }
    };
    let context = if c.eat_kw("as") {
        if c.eat_kw("assignment") {
            'a'
        } else {
            c.expect_kw("implicit")?;
            'i'
        }
    } else {
        'e'
    };
    if !c.done() {
        return Err(c.error());
    }
    Ok(CastStatement::Create {
        source,
        target,
        method,
        context,
    })
}

fn parse_drop(c: &mut TokenCursor) -> SqlResult<CastStatement> {
    let if_exists = c.eat_kw("if") && {
        c.expect_kw("exists")?;
        true
    };
    let (source, target) = parse_types(c)?;
    // Nothing depends on a cast, so CASCADE and RESTRICT do the same.
    let _ = c.eat_kw("cascade") || c.eat_kw("restrict");
    if !c.done() {
        return Err(c.error());
    }
    Ok(CastStatement::Drop {
        if_exists,
        source,
        target,
    })
}

/// A type named in a cast statement (user types, shells included).
pub fn resolve_type_text(catalog: &Catalog, text: &str) -> SqlResult<SqlType> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    let bad = || SqlError::new("42704", format!("type \"{}\" does not exist", text.trim()));
    let mut p = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .map_err(|_| bad())?;
    let dt = p.parse_data_type().map_err(|_| bad())?;
    if p.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err(bad());
    }
    Ok(crate::user_types::resolve_allowing_shell(catalog, &dt)?.ty)
}

fn describe_pair(source: SqlType, target: SqlType) -> String {
    format!(
        "cast from type {} to type {}",
        source.display_name(),
        target.display_name()
    )
}

/// CREATE CAST; `id` comes from the table-id counter.
pub fn create_cast(
    catalog: &Catalog,
    source: &str,
    target: &str,
    method: &MethodSpec,
    context: char,
    id: u32,
) -> SqlResult<DdlChange> {
    let source = resolve_type_text(catalog, source)?;
    let target = resolve_type_text(catalog, target)?;
    if source == target {
        return Err(SqlError::new(
            "42P17",
            "source data type and target data type are the same",
        ));
    }
    if find(catalog, source, target).is_some()
        || (is_builtin(source)
            && is_builtin(target)
            && crate::binder::can_cast(source, target, CastContext::Explicit))
    {
        return Err(SqlError::new(
            "42710",
            format!("{} already exists", describe_pair(source, target)),
        ));
    }
    let method = match method {
        MethodSpec::Binary => {
            let (sl, sb, sa, _) = crate::base_types::storage_of(source);
            let (tl, tb, ta, _) = crate::base_types::storage_of(target);
            if (sl, sb, sa) != (tl, tb, ta) {
                return Err(SqlError::new(
                    "42P17",
                    "source and target data types are not physically compatible",
                ));
            }
            CastMethod::Binary
        }
        MethodSpec::InOut => CastMethod::InOut,
        MethodSpec::Function { name, args } => cast_function(catalog, name, args, source, target)?,
    };
    let mut next = catalog.clone();
    let def = CastDef {
        oid: 16384 + 512 * id,
        source,
        target,
        method,
        context,
    };
    next.next_table_id = next.next_table_id.max(id + 1);
    let mutations = vec![
        mutation(source, target, Some(&def))?,
        Catalog::next_id_mutation(next.next_table_id),
    ];
    next.casts
        .insert((source.oid(), target.oid()), Arc::new(def));
    Ok(DdlChange::catalog_only(next, mutations))
}

fn is_builtin(t: SqlType) -> bool {
    !matches!(
        t,
        SqlType::Base(_) | SqlType::Enum(_) | SqlType::Composite(_)
    )
}

/// WITH FUNCTION name[(types)]: the function, checked as PostgreSQL does.
fn cast_function(
    catalog: &Catalog,
    name: &str,
    args: &Option<Vec<String>>,
    source: SqlType,
    target: SqlType,
) -> SqlResult<CastMethod> {
    let overloads = catalog.functions.get(name).cloned().unwrap_or_default();
    let wanted: Option<Vec<SqlType>> = match args {
        Some(list) => Some(
            list.iter()
                .map(|t| resolve_type_text(catalog, t))
                .collect::<SqlResult<_>>()?,
        ),
        None => None,
    };
    let inputs = |f: &crate::routine::FunctionDef| -> Vec<SqlType> {
        f.input_args().map(|a| a.ty.ty).collect()
    };
    let found = match &wanted {
        Some(w) => overloads.iter().find(|f| &inputs(f) == w),
        None if overloads.len() > 1 => {
            return Err(SqlError::new(
                "42725",
                format!("function name \"{name}\" is not unique"),
            ))
        }
        None => overloads.first(),
    };
    let Some(f) = found else {
        let sig = wanted
            .unwrap_or_default()
            .iter()
            .map(|t| t.display_name())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(SqlError::new(
            "42883",
            format!("function {name}({sig}) does not exist"),
        ));
    };
    let ins = inputs(f);
    if ins.is_empty() || ins.len() > 3 {
        return Err(SqlError::new(
            "42P17",
            "cast function must take one to three arguments",
        ));
    }
    if ins[0] != source {
        return Err(SqlError::new(
            "42P17",
            "argument of cast function must match or be binary-coercible from source data type",
        ));
    }
    if ins.len() > 1 {
        return Err(SqlError::unsupported(
            "cast functions with more than one argument",
        ));
    }
    if f.result_type().ty != target {
        return Err(SqlError::new(
            "42P17",
            "return data type of cast function must match or be binary-coercible to target data type",
        ));
    }
    if f.returns_set() {
        return Err(SqlError::new(
            "42P17",
            "cast function must not return a set",
        ));
    }
    Ok(CastMethod::Function {
        name: name.to_string(),
        args: ins,
    })
}

/// DROP CAST; the change (None: nothing to drop) and the NOTICE of IF EXISTS.
pub fn drop_cast(
    catalog: &Catalog,
    if_exists: bool,
    source: &str,
    target: &str,
) -> SqlResult<(Option<DdlChange>, Option<SqlError>)> {
    let types = resolve_type_text(catalog, source)
        .and_then(|s| resolve_type_text(catalog, target).map(|t| (s, t)));
    let (source, target) = match types {
        Ok(pair) => pair,
        Err(e) if if_exists && e.sqlstate == "42704" => {
            let mut n = SqlError::new("00000", format!("{}, skipping", e.message));
            n.severity = "NOTICE";
            return Ok((None, Some(n)));
        }
        Err(e) => return Err(e),
    };
    if find(catalog, source, target).is_none() {
        let what = describe_pair(source, target);
        if if_exists {
            let mut n = SqlError::new("00000", format!("{what} does not exist, skipping"));
            n.severity = "NOTICE";
            return Ok((None, Some(n)));
        }
        return Err(SqlError::new("42704", format!("{what} does not exist")));
    }
    let mut next = catalog.clone();
    next.casts.remove(&(source.oid(), target.oid()));
    let mutations = vec![mutation(source, target, None)?];
    Ok((Some(DdlChange::catalog_only(next, mutations)), None))
}

/// The casts from or to a type (by OID), in creation order.
pub fn casts_of_type(catalog: &Catalog, oid: u32) -> Vec<Arc<CastDef>> {
    let mut out: Vec<Arc<CastDef>> = catalog
        .casts
        .values()
        .filter(|c| c.source.oid() == oid || c.target.oid() == oid)
        .cloned()
        .collect();
    out.sort_by_key(|c| c.oid);
    out
}

/// The casts that call the function `name(args)`, in creation order.
pub fn casts_calling(catalog: &Catalog, name: &str, args: &[SqlType]) -> Vec<Arc<CastDef>> {
    let mut out: Vec<Arc<CastDef>> = catalog
        .casts
        .values()
        .filter(|c| {
            matches!(&c.method, CastMethod::Function { name: n, args: a } if n == name && a == args)
        })
        .cloned()
        .collect();
    out.sort_by_key(|c| c.oid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> CastStatement {
        recognise(sql).expect("recognised").expect("parses")
    }

    #[test]
    fn statement_forms() {
        assert_eq!(
            parse("create cast (xfloat4 as float4) without function;"),
            CastStatement::Create {
                source: "xfloat4".into(),
                target: "float4".into(),
                method: MethodSpec::Binary,
                context: 'e',
            }
        );
        assert_eq!(
            parse("CREATE CAST (double precision AS text) WITH INOUT AS IMPLICIT"),
            CastStatement::Create {
                source: "double precision".into(),
                target: "text".into(),
                method: MethodSpec::InOut,
                context: 'i',
            }
        );
        assert_eq!(
            parse("create cast (int4 as mood) with function public.f(int4) as assignment"),
            CastStatement::Create {
                source: "int4".into(),
                target: "mood".into(),
                method: MethodSpec::Function {
                    name: "f".into(),
                    args: Some(vec!["int4".into()]),
                },
                context: 'a',
            }
        );
        assert_eq!(
            parse("DROP CAST IF EXISTS (numeric(10,2) AS xint) CASCADE"),
            CastStatement::Drop {
                if_exists: true,
                source: "numeric(10,2)".into(),
                target: "xint".into(),
            }
        );
        assert!(recognise("select cast(1 as text)").is_none());
        assert!(recognise("create cast (a as b) with nothing")
            .unwrap()
            .is_err());
        assert!(
            recognise("create cast (a as b) without function as sometimes")
                .unwrap()
                .is_err()
        );
    }
}
