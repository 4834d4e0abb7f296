//! `SqlError`: what a client sees when a statement fails (SQLSTATE, message,
//! detail, hint, position), and constructors for the codes the engine raises.

use std::fmt;

use crate::store::StoreError;

/// An error reported to the client as a PostgreSQL ErrorResponse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    /// Five-character SQLSTATE, e.g. "42P01".
    pub sqlstate: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character offset into the query string, like PostgreSQL's.
    pub position: Option<u32>,
    /// "ERROR" (FATAL/PANIC are never raised by the engine).
    pub severity: &'static str,
    /// Where the error arose, innermost first, one line each (PostgreSQL's
    /// CONTEXT, e.g. `SQL function "log" statement 1`). Boxed: it is rare,
    /// and a SqlError travels in the `Err` of nearly every function.
    pub context: Option<Box<ErrorContext>>,
}

/// The text of an error's CONTEXT (see `SqlError::context`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorContext(pub String);

impl SqlError {
    pub fn new(sqlstate: &'static str, message: impl Into<String>) -> SqlError {
        SqlError {
            sqlstate,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            severity: "ERROR",
            context: None,
        }
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> SqlError {
        self.detail = Some(detail.into());
        self
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> SqlError {
        self.hint = Some(hint.into());
        self
    }
    /// Adds a CONTEXT line after the ones already there (the innermost
    /// call site comes first, as PostgreSQL's error context stack prints).
    pub fn with_context(mut self, line: impl Into<String>) -> SqlError {
        let line = line.into();
        let text = match self.context.take() {
            Some(inner) => format!("{}\n{line}", inner.0),
            None => line,
        };
        self.context = Some(Box::new(ErrorContext(text)));
        self
    }
    /// The CONTEXT lines, if any.
    pub fn context_text(&self) -> Option<&str> {
        self.context.as_ref().map(|c| c.0.as_str())
    }
    /// Sets the position unless one is already known (the innermost wins).
    pub fn at(mut self, position: Option<u32>) -> SqlError {
        if self.position.is_none() {
            self.position = position;
        }
        self
    }

    pub fn syntax(message: impl Into<String>) -> SqlError {
        SqlError::new("42601", message)
    }
    pub fn unsupported(what: impl fmt::Display) -> SqlError {
        SqlError::new("0A000", format!("{what} is not supported"))
    }
    pub fn internal(message: impl Into<String>) -> SqlError {
        SqlError::new("XX000", message)
    }
    pub fn undefined_table(name: &str) -> SqlError {
        let shown = crate::schema::shown_name(name);
        SqlError::new("42P01", format!("relation \"{shown}\" does not exist"))
    }
    pub fn undefined_column(name: &str) -> SqlError {
        SqlError::new("42703", format!("column \"{name}\" does not exist"))
    }
    pub fn undefined_function(sig: &str) -> SqlError {
        SqlError::new("42883", format!("function {sig} does not exist"))
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
    }
    pub fn datatype_mismatch(message: impl Into<String>) -> SqlError {
        SqlError::new("42804", message)
    }
    pub fn out_of_range(type_name: &str) -> SqlError {
        SqlError::new("22003", format!("{type_name} out of range"))
    }
    pub fn division_by_zero() -> SqlError {
        SqlError::new("22012", "division by zero")
    }
    pub fn invalid_text(type_name: &str, input: &str) -> SqlError {
        SqlError::new(
            "22P02",
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    }
    pub fn in_failed_transaction() -> SqlError {
        SqlError::new(
            "25P02",
            "current transaction is aborted, commands ignored until end of transaction block",
        )
    }
    pub fn serialization_failure() -> SqlError {
        SqlError::new(
            "40001",
            "could not serialize access due to concurrent update",
        )
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.severity, self.message, self.sqlstate)?;
        if let Some(d) = &self.detail {
            write!(f, " DETAIL: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}

impl From<StoreError> for SqlError {
    fn from(e: StoreError) -> SqlError {
        match e {
            StoreError::Unavailable(_) => SqlError::new("58030", e.to_string()),
            StoreError::TooLarge(_) => SqlError::new("54000", e.to_string()),
            StoreError::Internal(_) => SqlError::new("XX000", e.to_string()),
        }
    }
}

pub type SqlResult<T> = Result<T, SqlError>;

#[cfg(test)]
mod context_tests {
    use super::SqlError;

    #[test]
    fn context_lines_stack_innermost_first() {
        let e = SqlError::new("2201E", "cannot take logarithm of zero")
            .with_context("SQL function \"log\" statement 1")
            .with_context("SQL function \"outer\" statement 1");
        assert_eq!(
            e.context_text(),
            Some("SQL function \"log\" statement 1\nSQL function \"outer\" statement 1")
        );
        assert_eq!(SqlError::syntax("x").context_text(), None);
    }
}
