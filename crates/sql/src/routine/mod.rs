//! User-defined routines: functions (LANGUAGE sql and plpgsql), DO blocks and
//! triggers. This module holds their catalog form; `ddl` parses and applies
//! CREATE/DROP FUNCTION, CREATE/DROP TRIGGER and ALTER TABLE ENABLE/DISABLE
//! TRIGGER; `call` runs functions and fires triggers inside the executor.
//! Definitions are stored in the versioned catalog (`0x00 'P' <name>`: every
//! overload of a name; `0x00 'G' <table id>`: a table's triggers), so they
//! are transactional like other DDL.

pub mod call;
pub mod catalog_rows;
pub mod ddl;
pub mod instead_of;
pub mod sql_text;
pub mod transition;
pub mod trigger;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::types::{ColType, SqlType};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum ArgMode {
    In,
    Out,
    InOut,
    Variadic,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FunctionArg {
    pub name: Option<String>,
    pub ty: ColType,
    pub mode: ArgMode,
    /// DEFAULT expression as SQL text.
    pub default: Option<String>,
    /// A type name the parser could not resolve without the catalog (a
    /// user type): `ty` is set from it when the statement runs
    /// (`ddl::resolve_user_types`).
    #[serde(skip)]
    pub unresolved_type: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum Returns {
    Scalar(ColType),
    /// RETURNS SETOF type.
    SetOf(ColType),
    /// RETURNS TABLE (...) or OUT parameters: named columns (a set when `set`).
    Table {
        columns: Vec<(String, ColType)>,
        set: bool,
        /// RETURNS [SETOF] composite_type: the type's OID, which a scalar
        /// call's value has (absent in definitions stored before composite
        /// types existed).
        #[serde(default)]
        row_type: Option<u32>,
    },
    Trigger,
    Void,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum Language {
    Sql,
    PlPgSql,
    /// A built-in routine named by its PostgreSQL internal name (the
    /// body; `crate::internal_functions`).
    Internal,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FunctionDef {
    /// pg_proc OID (16384 + 512 * an id from the table-id counter).
    pub oid: u32,
    pub name: String,
    pub args: Vec<FunctionArg>,
    pub returns: Returns,
    pub language: Language,
    pub body: String,
    /// 'i', 's' or 'v' (pg_proc.provolatile).
    pub volatility: char,
    /// RETURNS NULL ON NULL INPUT.
    pub strict: bool,
    pub security_definer: bool,
}

impl FunctionDef {
    /// The arguments a caller passes (IN, INOUT, VARIADIC).
    pub fn input_args(&self) -> impl Iterator<Item = &FunctionArg> {
        self.args.iter().filter(|a| a.mode != ArgMode::Out)
    }

    /// `name(integer,text)` with PostgreSQL's type names, as messages
    /// describing the function as an object show it.
    pub fn signature(&self) -> String {
        format!(
            "{}({})",
            self.name,
            self.input_args()
                .map(|a| a.ty.ty.display_name())
                .collect::<Vec<_>>()
                .join(",")
        )
    }

    /// The type a scalar call yields.
    pub fn result_type(&self) -> ColType {
        match &self.returns {
            Returns::Scalar(t) | Returns::SetOf(t) => *t,
            Returns::Table {
                row_type: Some(oid),
                ..
            } => SqlType::Composite(*oid).plain(),
            Returns::Table { columns, .. } if columns.len() == 1 => columns[0].1,
            Returns::Table { .. } => SqlType::Text.plain(),
            Returns::Trigger => SqlType::Unknown.plain(),
            Returns::Void => SqlType::Unknown.plain(),
        }
    }

    pub fn returns_set(&self) -> bool {
        matches!(
            &self.returns,
            Returns::SetOf(_) | Returns::Table { set: true, .. }
        )
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

impl TriggerEvent {
    pub fn name(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TriggerDef {
    pub oid: u32,
    pub name: String,
    pub table_id: u32,
    pub timing: TriggerTiming,
    pub events: Vec<TriggerEvent>,
    /// UPDATE OF columns (empty: any UPDATE).
    pub update_columns: Vec<String>,
    pub for_each_row: bool,
    /// WHEN condition as SQL text over NEW/OLD.
    pub when: Option<String>,
    /// The trigger function's name (resolved to the zero-argument overload).
    pub function: String,
    pub args: Vec<String>,
    pub enabled: bool,
    /// The CREATE TRIGGER text, for pg_get_triggerdef.
    pub definition: String,
    /// `REFERENCING OLD TABLE AS name`: the statement's old rows, queryable
    /// by the function under this name (`crate::routine::transition`).
    #[serde(default)]
    pub old_table: Option<String>,
    /// `REFERENCING NEW TABLE AS name`: the statement's new rows.
    #[serde(default)]
    pub new_table: Option<String>,
}

/// The zero-argument trigger function `name`, if there is one.
pub fn trigger_function(catalog: &Catalog, name: &str) -> Option<std::sync::Arc<FunctionDef>> {
    catalog
        .functions
        .get(name)?
        .iter()
        .find(|f| f.input_args().next().is_none() && f.returns == Returns::Trigger)
        .cloned()
}
