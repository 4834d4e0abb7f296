//! PL/pgSQL: `lexer` splits a body into tokens with byte ranges, `parser`
//! builds the statement tree (embedded SQL stays text, cut from the body),
//! `interp` runs it, handing every expression and SQL statement to the
//! engine's parser, binder and executor with the variables as parameters.

pub mod cursor;
pub mod interp;
pub mod lexer;
pub mod parser;
