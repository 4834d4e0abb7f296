//! A position in a lexed token list, shared by the PL/pgSQL body parser and
//! the routine-statement parser (CREATE FUNCTION, CREATE TRIGGER, DO, ...):
//! peeking, consuming expected keywords and tokens, cutting source text
//! between tokens, and PostgreSQL's "syntax error at or near" message.

use super::lexer::{Tok, Token};
use crate::error::{SqlError, SqlResult};

pub struct TokenCursor<'s> {
    pub src: &'s str,
    pub toks: Vec<Token>,
    /// Index of the next token.
    pub pos: usize,
}

/// PostgreSQL's syntax error at token `t` of `src` (None: the end).
pub fn syntax_near(t: Option<&Token>, src: &str) -> SqlError {
    match t {
        Some(t) => SqlError::syntax(format!(
            "syntax error at or near \"{}\"",
            &src[t.start..t.end]
        )),
        None => SqlError::syntax("syntax error at end of input"),
    }
}

impl<'s> TokenCursor<'s> {
    pub fn new(src: &'s str, toks: Vec<Token>, pos: usize) -> Self {
        TokenCursor { src, toks, pos }
    }
    pub fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    pub fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n)
    }
    pub fn at_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(kw))
    }
    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }
    pub fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.at_kw(kw);
        if hit {
            self.pos += 1;
        }
        hit
    }
    pub fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.peek().is_some_and(|t| &t.tok == tok);
        if hit {
            self.pos += 1;
        }
        hit
    }
    /// The syntax error at the next token.
    pub fn error(&self) -> SqlError {
        syntax_near(self.peek(), self.src)
    }
    pub fn expect_kw(&mut self, kw: &str) -> SqlResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    pub fn expect(&mut self, tok: &Tok) -> SqlResult<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    pub fn ident(&mut self) -> SqlResult<String> {
        match self.peek().and_then(|t| t.word().map(str::to_string)) {
            Some(w) => {
                self.pos += 1;
                Ok(w)
            }
            None => Err(self.error()),
        }
    }
    /// Tokens up to (not including) a `,` or `)` at depth 0, as the range
    /// [from, to) of token indexes; an error if the input ends first.
    pub fn list_item(&mut self) -> SqlResult<(usize, usize)> {
        let from = self.pos;
        let mut depth = 0;
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen if depth == 0 => break,
                Tok::RParen => depth -= 1,
                Tok::Comma if depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        if self.done() {
            return Err(self.error());
        }
        Ok((from, self.pos))
    }
    /// Source text of tokens [from, to).
    pub fn text(&self, from: usize, to: usize) -> String {
        if from >= to {
            return String::new();
        }
        self.src[self.toks[from].start..self.toks[to - 1].end].to_string()
    }
}
