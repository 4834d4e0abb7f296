//! The PL/pgSQL statement parser: DECLARE sections, blocks with EXCEPTION
//! handlers, IF/CASE/LOOP/WHILE/FOR, EXIT/CONTINUE, RETURN [NEXT|QUERY],
//! RAISE, PERFORM, EXECUTE, GET DIAGNOSTICS, assignments and plain SQL with
//! INTO. Expressions and SQL are kept as text slices of the body.

use super::cursor::{syntax_near, TokenCursor};
use super::lexer::{lex, Tok};
use crate::error::{SqlError, SqlResult};

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub label: Option<String>,
    pub decls: Vec<Decl>,
    pub body: Vec<Stmt>,
    pub handlers: Vec<Handler>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub name: String,
    /// Type text (`integer`, `record`, `t%ROWTYPE`, `x%TYPE`); None for ALIAS.
    pub ty: String,
    pub constant: bool,
    pub not_null: bool,
    pub default: Option<String>,
    /// `name ALIAS FOR $n` / `ALIAS FOR other`.
    pub alias_of: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// Condition names or `sqlstate:XXXXX`, lower case.
    pub conditions: Vec<String>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Var(String),
    Field(String, String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct IntoClause {
    pub targets: Vec<Target>,
    pub strict: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum QuerySource {
    Static(String),
    Execute { expr: String, using: Vec<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct RaiseStmt {
    /// debug/log/info/notice/warning/exception.
    pub level: String,
    pub message: Option<String>,
    pub args: Vec<String>,
    /// Condition name or `sqlstate:XXXXX` given instead of a message.
    pub condition: Option<String>,
    /// USING option = expr.
    pub options: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Block(Block),
    Assign {
        target: Target,
        expr: String,
    },
    If {
        branches: Vec<(String, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    Case {
        operand: Option<String>,
        whens: Vec<(String, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    Loop {
        label: Option<String>,
        body: Vec<Stmt>,
    },
    While {
        label: Option<String>,
        cond: String,
        body: Vec<Stmt>,
    },
    ForRange {
        label: Option<String>,
        var: String,
        reverse: bool,
        low: String,
        high: String,
        step: Option<String>,
        body: Vec<Stmt>,
    },
    ForQuery {
        label: Option<String>,
        targets: Vec<String>,
        source: QuerySource,
        body: Vec<Stmt>,
    },
    /// EXIT (`is_continue` false) or CONTINUE.
    Exit {
        is_continue: bool,
        label: Option<String>,
        when: Option<String>,
    },
    Return(Option<String>),
    ReturnNext(Option<String>),
    ReturnQuery(QuerySource),
    Raise(RaiseStmt),
    Perform(String),
    Sql {
        text: String,
        into: Option<IntoClause>,
    },
    Execute {
        expr: String,
        into: Option<IntoClause>,
        using: Vec<String>,
        /// The body line the statement starts on (1 = the line `$$`
        /// opens), for the error CONTEXT PostgreSQL reports.
        line: usize,
    },
    GetDiagnostics(Vec<(Target, String)>),
    Null,
}

/// The body parser: a token cursor plus the PL/pgSQL grammar.
struct Parser<'s> {
    cursor: TokenCursor<'s>,
}

impl<'s> std::ops::Deref for Parser<'s> {
    type Target = TokenCursor<'s>;
    fn deref(&self) -> &TokenCursor<'s> {
        &self.cursor
    }
}

impl std::ops::DerefMut for Parser<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.cursor
    }
}

/// Parses a function body or DO block: `[DECLARE ...] BEGIN ... END [;]`.
pub fn parse_body(src: &str) -> SqlResult<Block> {
    let toks = lex(src)?;
    let mut p = Parser {
        cursor: TokenCursor::new(src, toks, 0),
    };
    let block = p.block(None)?;
    p.eat(&Tok::Semi);
    if let Some(t) = p.peek() {
        return Err(syntax_near(Some(t), src));
    }
    Ok(block)
}

impl Parser<'_> {
    /// Scans to the first of `stops` (unquoted words, or `;` as "semi", `..`
    /// as "..", `:=` as ":=") at parenthesis depth 0 outside CASE ... END,
    /// and returns the text before it (the stop is not consumed).
    fn until(&mut self, stops: &[&str]) -> SqlResult<String> {
        let from = self.pos;
        let mut depth = 0i32;
        let mut case_depth = 0i32;
        while let Some(t) = self.peek() {
            match &t.tok {
                Tok::LParen | Tok::LBracket => depth += 1,
                Tok::RParen | Tok::RBracket => depth -= 1,
                _ => {}
            }
            if depth == 0 && case_depth == 0 {
                let hit = match &t.tok {
                    Tok::Semi => stops.contains(&"semi"),
                    Tok::DotDot => stops.contains(&".."),
                    Tok::Comma => stops.contains(&","),
                    Tok::Assign => stops.contains(&":="),
                    Tok::Word {
                        text,
                        quoted: false,
                    } => stops.contains(&text.as_str()),
                    _ => false,
                };
                if hit {
                    break;
                }
            }
            if depth == 0 {
                if t.is_kw("case") {
                    case_depth += 1;
                } else if t.is_kw("end") && case_depth > 0 {
                    case_depth -= 1;
                }
            }
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Err(syntax_near(None, self.src));
        }
        let text = self.text(from, self.pos);
        if text.trim().is_empty() {
            return Err(self.error());
        }
        Ok(text)
    }

    fn label(&mut self) -> SqlResult<Option<String>> {
        if self.peek().is_some_and(|t| t.tok == Tok::Op("<<".into())) {
            self.pos += 1;
            let l = self.ident()?;
            if !self.eat(&Tok::Op(">>".into())) {
                return Err(self.error());
            }
            return Ok(Some(l));
        }
        Ok(None)
    }

    fn block(&mut self, label: Option<String>) -> SqlResult<Block> {
        let label = match label {
            Some(l) => Some(l),
            None => self.label()?,
        };
        let mut decls = Vec::new();
        while self.eat_kw("declare") {
            while !self.at_kw("begin") && !self.at_kw("declare") {
                if self.peek().is_none() {
                    return Err(self.error());
                }
                decls.push(self.decl()?);
            }
        }
        self.expect_kw("begin")?;
        let body = self.stmts(&["end", "exception"])?;
        let mut handlers = Vec::new();
        if self.eat_kw("exception") {
            while self.eat_kw("when") {
                let mut conditions = Vec::new();
                loop {
                    let c = self.ident()?;
                    if c == "sqlstate" {
                        match self.peek().map(|t| t.tok.clone()) {
                            Some(Tok::Str(code)) => {
                                self.pos += 1;
                                conditions.push(format!("sqlstate:{}", code.to_uppercase()));
                            }
                            _ => return Err(self.error()),
                        }
                    } else {
                        conditions.push(c);
                    }
                    if !self.eat_kw("or") {
                        break;
                    }
                }
                self.expect_kw("then")?;
                let body = self.stmts(&["when", "end"])?;
                handlers.push(Handler { conditions, body });
            }
        }
        self.expect_kw("end")?;
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::Word { .. }))
            && !self.at_kw("if")
            && !self.at_kw("loop")
        {
            self.pos += 1; // END label
        }
        Ok(Block {
            label,
            decls,
            body,
            handlers,
        })
    }

    fn decl(&mut self) -> SqlResult<Decl> {
        // Nested labels of DECLARE-less blocks are not declarations.
        let name = self.ident()?;
        if self.eat_kw("alias") {
            self.expect_kw("for")?;
            let of = match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Param(n)) => format!("${n}"),
                Some(Tok::Word { text, .. }) => text,
                _ => return Err(self.error()),
            };
            self.pos += 1;
            self.expect(&Tok::Semi)?;
            return Ok(Decl {
                name,
                ty: String::new(),
                constant: false,
                not_null: false,
                default: None,
                alias_of: Some(of),
            });
        }
        let constant = self.eat_kw("constant");
        let ty = self.until(&["semi", ":=", "default", "not", "collate"])?;
        let _ = self.eat_kw("collate") && self.ident().is_ok();
        let not_null = if self.eat_kw("not") {
            self.expect_kw("null")?;
            true
        } else {
            false
        };
        let mut default = None;
        let assign =
            self.eat(&Tok::Assign) || self.eat_kw("default") || self.eat(&Tok::Op("=".into()));
        if assign {
            default = Some(self.until(&["semi"])?);
        }
        self.expect(&Tok::Semi)?;
        Ok(Decl {
            name,
            ty: ty.trim().to_string(),
            constant,
            not_null,
            default,
            alias_of: None,
        })
    }

    fn stmts(&mut self, ends: &[&str]) -> SqlResult<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            let Some(t) = self.peek() else {
                return Err(syntax_near(None, self.src));
            };
            if ends.iter().any(|e| t.is_kw(e)) {
                // "END IF"/"END LOOP" close the enclosing construct; a bare
                // END closes a block. Callers check which.
                return Ok(out);
            }
            if t.tok == Tok::Semi {
                self.pos += 1;
                continue;
            }
            out.push(self.stmt()?);
        }
    }

    fn end_of(&mut self, what: &str) -> SqlResult<()> {
        self.expect_kw("end")?;
        self.expect_kw(what)?;
        if what == "loop" && matches!(self.peek().map(|t| &t.tok), Some(Tok::Word { .. })) {
            self.pos += 1; // END LOOP label
        }
        self.expect(&Tok::Semi)
    }

    fn stmt(&mut self) -> SqlResult<Stmt> {
        let label = self.label()?;
        let Some(first) = self.peek().cloned() else {
            return Err(self.error());
        };
        let kw = match &first.tok {
            Tok::Word {
                text,
                quoted: false,
            } => text.clone(),
            Tok::Word { .. } => String::new(),
            _ => return Err(self.error()),
        };
        // An assignment: target := expr (or target = expr).
        let assign_at = match (
            self.peek_at(1).map(|t| &t.tok),
            self.peek_at(3).map(|t| &t.tok),
        ) {
            (Some(Tok::Assign), _) => Some(1),
            (Some(Tok::Op(o)), _) if o == "=" => Some(1),
            (Some(Tok::Dot), Some(Tok::Assign)) => Some(3),
            (Some(Tok::Dot), Some(Tok::Op(o))) if o == "=" => Some(3),
            _ => None,
        };
        if let Some(n) = assign_at {
            let target = self.target()?;
            debug_assert!(n == 1 || n == 3);
            self.pos += 1;
            let expr = self.until(&["semi"])?;
            self.expect(&Tok::Semi)?;
            return Ok(Stmt::Assign { target, expr });
        }
        match kw.as_str() {
            "declare" | "begin" => {
                let b = self.block(label)?;
                self.expect(&Tok::Semi)?;
                Ok(Stmt::Block(b))
            }
            "if" => {
                self.pos += 1;
                let mut branches = Vec::new();
                let cond = self.until(&["then"])?;
                self.expect_kw("then")?;
                let body = self.stmts(&["elsif", "elseif", "else", "end"])?;
                branches.push((cond, body));
                let mut otherwise = None;
                loop {
                    if self.eat_kw("elsif") || self.eat_kw("elseif") {
                        let cond = self.until(&["then"])?;
                        self.expect_kw("then")?;
                        let body = self.stmts(&["elsif", "elseif", "else", "end"])?;
                        branches.push((cond, body));
                    } else if self.eat_kw("else") {
                        otherwise = Some(self.stmts(&["end"])?);
                    } else {
                        break;
                    }
                }
                self.end_of("if")?;
                Ok(Stmt::If {
                    branches,
                    otherwise,
                })
            }
            "case" => {
                self.pos += 1;
                let operand = if self.at_kw("when") {
                    None
                } else {
                    Some(self.until(&["when"])?)
                };
                let mut whens = Vec::new();
                while self.eat_kw("when") {
                    let cond = self.until(&["then"])?;
                    self.expect_kw("then")?;
                    let body = self.stmts(&["when", "else", "end"])?;
                    whens.push((cond, body));
                }
                let otherwise = if self.eat_kw("else") {
                    Some(self.stmts(&["end"])?)
                } else {
                    None
                };
                self.end_of("case")?;
                Ok(Stmt::Case {
                    operand,
                    whens,
                    otherwise,
                })
            }
            "loop" => {
                self.pos += 1;
                let body = self.stmts(&["end"])?;
                self.end_of("loop")?;
                Ok(Stmt::Loop { label, body })
            }
            "while" => {
                self.pos += 1;
                let cond = self.until(&["loop"])?;
                self.expect_kw("loop")?;
                let body = self.stmts(&["end"])?;
                self.end_of("loop")?;
                Ok(Stmt::While { label, cond, body })
            }
            "for" => {
                self.pos += 1;
                let mut targets = vec![self.ident()?];
                while self.eat(&Tok::Comma) {
                    targets.push(self.ident()?);
                }
                self.expect_kw("in")?;
                let reverse = self.eat_kw("reverse");
                if self.eat_kw("execute") {
                    let expr = self.until(&["loop", "using"])?;
                    let using = self.using_list(&["loop"])?;
                    self.expect_kw("loop")?;
                    let body = self.stmts(&["end"])?;
                    self.end_of("loop")?;
                    return Ok(Stmt::ForQuery {
                        label,
                        targets,
                        source: QuerySource::Execute { expr, using },
                        body,
                    });
                }
                let start = self.pos;
                let is_query = self.at_kw("select") || self.at_kw("with") || self.at_kw("values");
                if !is_query {
                    let low = self.until(&["..", "loop"])?;
                    if self.eat(&Tok::DotDot) {
                        if targets.len() != 1 {
                            return Err(self.error());
                        }
                        let high = self.until(&["by", "loop"])?;
                        let step = if self.eat_kw("by") {
                            Some(self.until(&["loop"])?)
                        } else {
                            None
                        };
                        self.expect_kw("loop")?;
                        let body = self.stmts(&["end"])?;
                        self.end_of("loop")?;
                        return Ok(Stmt::ForRange {
                            label,
                            var: targets.remove(0),
                            reverse,
                            low,
                            high,
                            step,
                            body,
                        });
                    }
                    let _ = low;
                    self.pos = start;
                }
                let query = self.until(&["loop"])?;
                self.expect_kw("loop")?;
                let body = self.stmts(&["end"])?;
                self.end_of("loop")?;
                Ok(Stmt::ForQuery {
                    label,
                    targets,
                    source: QuerySource::Static(query),
                    body,
                })
            }
            "exit" | "continue" => {
                self.pos += 1;
                let is_continue = kw == "continue";
                let mut label = None;
                if !self.at_kw("when") && self.peek().is_some_and(|t| t.tok != Tok::Semi) {
                    label = Some(self.ident()?);
                }
                let when = if self.eat_kw("when") {
                    Some(self.until(&["semi"])?)
                } else {
                    None
                };
                self.expect(&Tok::Semi)?;
                Ok(Stmt::Exit {
                    is_continue,
                    label,
                    when,
                })
            }
            "return" => {
                self.pos += 1;
                if self.eat_kw("next") {
                    let e = self.optional_expr()?;
                    return Ok(Stmt::ReturnNext(e));
                }
                if self.eat_kw("query") {
                    if self.eat_kw("execute") {
                        let expr = self.until(&["semi", "using"])?;
                        let using = self.using_list(&["semi"])?;
                        self.expect(&Tok::Semi)?;
                        return Ok(Stmt::ReturnQuery(QuerySource::Execute { expr, using }));
                    }
                    let q = self.until(&["semi"])?;
                    self.expect(&Tok::Semi)?;
                    return Ok(Stmt::ReturnQuery(QuerySource::Static(q)));
                }
                let e = self.optional_expr()?;
                Ok(Stmt::Return(e))
            }
            "raise" => {
                self.pos += 1;
                self.raise()
            }
            "perform" => {
                self.pos += 1;
                let q = self.until(&["semi"])?;
                self.expect(&Tok::Semi)?;
                Ok(Stmt::Perform(q))
            }
            "execute" => {
                let line = self
                    .peek()
                    .map_or(1, |t| 1 + self.src[..t.start].matches('\n').count());
                self.pos += 1;
                let expr = self.until(&["semi", "into", "using"])?;
                let mut into = None;
                let mut using = Vec::new();
                loop {
                    if self.eat_kw("into") {
                        into = Some(self.parse_into()?);
                    } else if self.at_kw("using") {
                        using = self.using_list(&["semi", "into"])?;
                    } else {
                        break;
                    }
                }
                self.expect(&Tok::Semi)?;
                Ok(Stmt::Execute {
                    expr,
                    into,
                    using,
                    line,
                })
            }
            "get" => {
                self.pos += 1;
                let _ = self.eat_kw("current");
                if self.at_kw("stacked") {
                    return Err(SqlError::unsupported("GET STACKED DIAGNOSTICS"));
                }
                self.expect_kw("diagnostics")?;
                let mut items = Vec::new();
                loop {
                    let target = self.target()?;
                    if !self.eat(&Tok::Assign) && !self.eat(&Tok::Op("=".into())) {
                        return Err(self.error());
                    }
                    items.push((target, self.ident()?));
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
                self.expect(&Tok::Semi)?;
                Ok(Stmt::GetDiagnostics(items))
            }
            "null" => {
                self.pos += 1;
                self.expect(&Tok::Semi)?;
                Ok(Stmt::Null)
            }
            _ => self.sql_statement(),
        }
    }

    fn optional_expr(&mut self) -> SqlResult<Option<String>> {
        if self.eat(&Tok::Semi) {
            return Ok(None);
        }
        let e = self.until(&["semi"])?;
        self.expect(&Tok::Semi)?;
        Ok(Some(e))
    }

    fn using_list(&mut self, stops: &[&str]) -> SqlResult<Vec<String>> {
        let mut out = Vec::new();
        if !self.eat_kw("using") {
            return Ok(out);
        }
        let mut all: Vec<&str> = stops.to_vec();
        all.push(",");
        loop {
            out.push(self.until(&all)?);
            if !self.eat(&Tok::Comma) {
                return Ok(out);
            }
        }
    }

    fn target(&mut self) -> SqlResult<Target> {
        let name = self.ident()?;
        if self.eat(&Tok::Dot) {
            return Ok(Target::Field(name, self.ident()?));
        }
        Ok(Target::Var(name))
    }

    fn parse_into(&mut self) -> SqlResult<IntoClause> {
        let strict = self.eat_kw("strict");
        let mut targets = vec![self.target()?];
        while self.eat(&Tok::Comma) {
            targets.push(self.target()?);
        }
        Ok(IntoClause { targets, strict })
    }

    fn raise(&mut self) -> SqlResult<Stmt> {
        let mut level = "exception".to_string();
        for l in ["debug", "log", "info", "notice", "warning", "exception"] {
            if self.eat_kw(l) {
                level = l.to_string();
                break;
            }
        }
        let mut stmt = RaiseStmt {
            level,
            message: None,
            args: vec![],
            condition: None,
            options: vec![],
        };
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Semi) => {
                self.pos += 1;
                return Ok(Stmt::Raise(stmt));
            }
            Some(Tok::Str(s)) => {
                self.pos += 1;
                stmt.message = Some(s);
                while self.eat(&Tok::Comma) {
                    stmt.args.push(self.until(&["semi", ",", "using"])?);
                }
            }
            Some(Tok::Word { text, .. }) if text == "sqlstate" => {
                self.pos += 1;
                match self.peek().map(|t| t.tok.clone()) {
                    Some(Tok::Str(code)) => {
                        self.pos += 1;
                        stmt.condition = Some(format!("sqlstate:{}", code.to_uppercase()));
                    }
                    _ => return Err(self.error()),
                }
            }
            Some(Tok::Word { text, .. }) if text != "using" => {
                self.pos += 1;
                stmt.condition = Some(text);
            }
            _ => {}
        }
        if self.eat_kw("using") {
            loop {
                let opt = self.ident()?;
                if !self.eat(&Tok::Op("=".into())) && !self.eat(&Tok::Assign) {
                    return Err(self.error());
                }
                stmt.options.push((opt, self.until(&["semi", ","])?));
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
        }
        self.expect(&Tok::Semi)?;
        Ok(Stmt::Raise(stmt))
    }

    /// A SQL statement up to `;`, with a PL/pgSQL INTO clause taken out.
    fn sql_statement(&mut self) -> SqlResult<Stmt> {
        let from = self.pos;
        let insert = self.at_kw("insert");
        let mut depth = 0i32;
        let mut into: Option<(usize, usize, IntoClause)> = None;
        while let Some(t) = self.peek() {
            match &t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen => depth -= 1,
                Tok::Semi if depth == 0 => break,
                _ => {}
            }
            let skip_insert_into = insert && self.pos == from + 1;
            if depth == 0 && t.is_kw("into") && into.is_none() && !skip_insert_into {
                let at = self.pos;
                self.pos += 1;
                let targets = self.parse_into()?;
                into = Some((at, self.pos, targets));
                continue;
            }
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Err(syntax_near(None, self.src));
        }
        let end = self.pos;
        self.pos += 1; // ;
        let (text, into) = match into {
            Some((a, b, into)) => {
                let before = self.text(from, a);
                let after = self.text(b, end);
                (format!("{before} {after}"), Some(into))
            }
            None => (self.text(from, end), None),
        };
        Ok(Stmt::Sql { text, into })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_shapes() {
        let b = parse_body(
            "DECLARE n int := 0; r record;
             BEGIN
               FOR i IN 1..3 LOOP n := n + i; END LOOP;
               IF n > 5 THEN RAISE NOTICE 'big %', n; ELSIF n < 0 THEN NULL; ELSE n := 1; END IF;
               SELECT count(*) INTO STRICT n FROM t WHERE a = n;
               INSERT INTO t VALUES (n) RETURNING a INTO n;
               NEW.updated_at := now();
               RETURN NEW;
             EXCEPTION WHEN unique_violation OR SQLSTATE '22012' THEN RETURN NULL;
             END",
        )
        .unwrap();
        assert_eq!(b.decls.len(), 2);
        assert_eq!(b.decls[0].default.as_deref(), Some("0"));
        assert_eq!(b.body.len(), 6);
        assert!(
            matches!(&b.body[0], Stmt::ForRange { low, high, .. } if low == "1" && high == "3")
        );
        match &b.body[2] {
            Stmt::Sql {
                text,
                into: Some(i),
            } => {
                assert!(i.strict);
                assert_eq!(text, "SELECT count(*) FROM t WHERE a = n");
            }
            other => panic!("{other:?}"),
        }
        match &b.body[3] {
            Stmt::Sql {
                text,
                into: Some(_),
            } => {
                assert_eq!(text, "INSERT INTO t VALUES (n) RETURNING a ")
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&b.body[4], Stmt::Assign { target: Target::Field(r, f), .. } if r == "new" && f == "updated_at")
        );
        assert_eq!(
            b.handlers[0].conditions,
            vec!["unique_violation".to_string(), "sqlstate:22012".to_string()]
        );
    }

    #[test]
    fn reports_syntax_errors() {
        assert!(parse_body("BEGIN IF x THEN END; END").is_err());
        assert!(parse_body("BEGIN x := ; END").is_err());
        assert!(parse_body("BEGIN").is_err());
    }
}
