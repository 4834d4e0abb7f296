//! Variables into SQL text: a PL/pgSQL expression or statement, or a SQL
//! function body, with every variable reference (`x`, `rec.field`, `$n`)
//! replaced by a numbered parameter, so the engine's binder types it like a
//! prepared statement's parameter.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::plpgsql::lexer::{lex, Tok};
use crate::types::ColType;

/// What a name in the text can refer to.
pub trait Variables {
    /// A scalar variable's value and type.
    fn scalar(&self, name: &str) -> Option<(Datum, ColType)>;
    /// True if `name` is a record variable (NEW, OLD, a `record`).
    fn is_record(&self, name: &str) -> bool;
    /// A record variable's field (an error if the record has no such field).
    fn field(&self, record: &str, field: &str) -> SqlResult<(Datum, ColType)>;
    /// `$n`: the function's n-th argument.
    fn positional(&self, n: usize) -> Option<(Datum, ColType)>;
    /// A whole record used as a value: its text form `(1,abc)` (None if
    /// `name` is not a record).
    fn record_value(&self, _name: &str) -> Option<(Datum, ColType)> {
        None
    }
    /// `TG_ARGV[i]` (0-based, as in PostgreSQL), in trigger functions.
    fn argv(&self, _i: usize) -> Option<(Datum, ColType)> {
        None
    }
}

/// SQL text with parameters in place of variables.
#[derive(Debug, PartialEq)]
pub struct Substituted {
    pub sql: String,
    pub params: Vec<Datum>,
    pub types: Vec<ColType>,
}

pub fn substitute(text: &str, vars: &dyn Variables) -> SqlResult<Substituted> {
    let toks = lex(text)?;
    let mut out = ParamWriter::new(text);
    let mut skip_paren_list = false;
    let mut i = 0;
    // Column-name positions that look like expressions but are not: the
    // column list of INSERT INTO t (...), SET targets, AS aliases.
    let is_kw = |i: usize, kw: &str| toks.get(i).is_some_and(|t| t.is_kw(kw));
    while i < toks.len() {
        let t = &toks[i];
        if skip_paren_list {
            if t.tok == Tok::RParen {
                skip_paren_list = false;
            }
            i += 1;
            continue;
        }
        if t.is_kw("into") && i > 0 && is_kw(i - 1, "insert") {
            // INSERT INTO name [AS alias] (columns)
            let mut j = i + 1;
            while j < toks.len() && matches!(toks[j].tok, Tok::Word { .. } | Tok::Dot) {
                if toks[j].is_kw("values") || toks[j].is_kw("select") || toks[j].is_kw("default") {
                    break;
                }
                j += 1;
            }
            if toks.get(j).is_some_and(|t| t.tok == Tok::LParen) {
                skip_paren_list = true;
            }
            i = j;
            continue;
        }
        let (name, quoted) = match &t.tok {
            Tok::Word { text, quoted } => (text.as_str(), *quoted),
            Tok::Param(n) => {
                let n = *n;
                let (value, ty) = vars
                    .positional(n)
                    .ok_or_else(|| SqlError::new("42P02", format!("there is no parameter ${n}")))?;
                let key = format!("${n}");
                out.replace(t.start, t.end, key, value, ty);
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let prev_dot = i > 0 && toks[i - 1].tok == Tok::Dot;
        let next = toks.get(i + 1).map(|t| &t.tok);
        let after_as = i > 0 && is_kw(i - 1, "as");
        let set_target = i > 0
            && (is_kw(i - 1, "set") || toks[i - 1].tok == Tok::Comma)
            && matches!(next, Some(Tok::Op(o)) if o == "=")
            && toks[..i]
                .iter()
                .any(|t| t.is_kw("update") || t.is_kw("set"));
        if prev_dot || after_as || set_target || next == Some(&Tok::LParen) {
            i += 1;
            continue;
        }
        if name == "tg_argv" && !quoted && next == Some(&Tok::LBracket) {
            if let (Some(Tok::Num(n)), Some(Tok::RBracket)) = (
                toks.get(i + 2).map(|t| &t.tok),
                toks.get(i + 3).map(|t| &t.tok),
            ) {
                let (value, ty) = n
                    .parse()
                    .ok()
                    .and_then(|n| vars.argv(n))
                    .unwrap_or((Datum::Null, crate::types::SqlType::Text.plain()));
                let key = format!("tg_argv[{n}]");
                let end = toks[i + 3].end;
                out.replace(t.start, end, key, value, ty);
                i += 4;
                continue;
            }
        }
        if next == Some(&Tok::Dot) && vars.is_record(name) {
            if let Some(Tok::Word { text: field, .. }) = toks.get(i + 2).map(|t| &t.tok) {
                let (value, ty) = vars.field(name, field)?;
                let key = format!("{name}.{field}");
                let end = toks[i + 2].end;
                out.replace(t.start, end, key, value, ty);
                i += 3;
                continue;
            }
        }
        if next == Some(&Tok::Dot) {
            i += 1;
            continue;
        }
        if let Some((value, ty)) = vars.scalar(name) {
            out.replace(t.start, t.end, name.to_string(), value, ty);
        } else if vars.is_record(name) {
            let (value, ty) = vars.record_value(name).ok_or_else(|| {
                SqlError::unsupported(format!("record variable \"{name}\" used as a value"))
            })?;
            out.replace(t.start, t.end, name.to_string(), value, ty);
        }
        i += 1;
    }
    Ok(out.finish())
}

/// The output text being built: source text copied through, variable
/// references replaced by `$n`, one parameter per distinct reference.
struct ParamWriter<'a> {
    text: &'a str,
    out: Substituted,
    /// The reference each parameter stands for (`x`, `rec.f`, `$1`), in order.
    keys: Vec<String>,
    /// How far into `text` has been copied to the output.
    copied: usize,
}

impl<'a> ParamWriter<'a> {
    fn new(text: &'a str) -> Self {
        ParamWriter {
            text,
            out: Substituted {
                sql: String::with_capacity(text.len()),
                params: vec![],
                types: vec![],
            },
            keys: Vec::new(),
            copied: 0,
        }
    }

    /// Replaces `text[start..end]` by the parameter for `key`; the same
    /// reference used twice gets the same parameter.
    fn replace(&mut self, start: usize, end: usize, key: String, value: Datum, ty: ColType) {
        let n = match self.keys.iter().position(|k| *k == key) {
            Some(n) => n + 1,
            None => {
                self.keys.push(key);
                self.out.params.push(value);
                self.out.types.push(ty);
                self.keys.len()
            }
        };
        self.out.sql.push_str(&self.text[self.copied..start]);
        self.out.sql.push_str(&format!("${n}"));
        self.copied = end;
    }

    fn finish(mut self) -> Substituted {
        self.out.sql.push_str(&self.text[self.copied..]);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SqlType;

    struct Vars;
    impl Variables for Vars {
        fn scalar(&self, name: &str) -> Option<(Datum, ColType)> {
            (name == "n").then(|| (Datum::Int4(7), SqlType::Int4.plain()))
        }
        fn is_record(&self, name: &str) -> bool {
            name == "new"
        }
        fn field(&self, _: &str, field: &str) -> SqlResult<(Datum, ColType)> {
            Ok((Datum::Text(field.into()), SqlType::Text.plain()))
        }
        fn positional(&self, n: usize) -> Option<(Datum, ColType)> {
            (n == 1).then(|| (Datum::Int4(1), SqlType::Int4.plain()))
        }
    }

    #[test]
    fn replaces_variables_but_not_columns_or_calls() {
        let s = substitute(
            "INSERT INTO t (n, x) VALUES (n, NEW.a || $1, n(), t.n) ",
            &Vars,
        )
        .unwrap();
        assert_eq!(
            s.sql,
            "INSERT INTO t (n, x) VALUES ($1, $2 || $3, n(), t.n) "
        );
        assert_eq!(s.params.len(), 3);
        let s = substitute("UPDATE t SET n = n + 1 WHERE x AS n", &Vars).unwrap();
        assert_eq!(s.sql, "UPDATE t SET n = $1 + 1 WHERE x AS n");
        assert!(substitute("$2", &Vars).is_err());
    }
}
