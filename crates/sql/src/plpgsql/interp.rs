//! The PL/pgSQL interpreter. Variables live in block scopes; every
//! expression and SQL statement is handed to the engine (`Ctx::run_sql`)
//! with the variables it mentions as typed parameters. EXCEPTION blocks run
//! their body under a transaction savepoint and roll back to it when a
//! handler catches the error, as PostgreSQL's subtransactions do.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use super::parser::{Block, Decl, QuerySource, RaiseStmt, Stmt, Target};
use crate::datum::{cast, CastContext, Datum};
use crate::error::{SqlError, SqlResult};
use crate::executor::{Ctx, Row};
use crate::plan::OutColumn;
use crate::routine::call::SqlOutcome;
use crate::routine::sql_text::{substitute, Variables};
use crate::routine::Returns;
use crate::types::{ColType, Elem, SqlType};

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = SqlResult<T>> + Send + 'a>>;

/// A row value: NEW, OLD, a `record` or `%ROWTYPE` variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub names: Vec<String>,
    pub types: Vec<ColType>,
    pub values: Vec<Datum>,
}

#[derive(Clone, Debug)]
enum Val {
    Scalar(Datum),
    /// None: a record variable not assigned yet.
    Record(Option<Record>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum VarType {
    Scalar(ColType),
    Record,
}

#[derive(Debug)]
struct Var {
    name: String,
    ty: VarType,
    value: Val,
    not_null: bool,
}

/// How a statement list ended.
#[derive(Debug, PartialEq)]
enum Flow {
    Normal,
    Exit(Option<String>),
    Continue(Option<String>),
    Return,
}

/// The trigger variables of a trigger function call.
pub struct TriggerVars {
    pub new: Option<Record>,
    pub old: Option<Record>,
    pub name: String,
    pub table: String,
    pub when: &'static str,
    pub level: &'static str,
    pub op: &'static str,
    pub argv: Vec<String>,
}

/// What a function is called with.
pub struct Invocation {
    /// Input arguments: name (if any), value, type.
    pub args: Vec<(Option<String>, Datum, ColType)>,
    /// OUT/INOUT parameters (named result columns).
    pub outs: Vec<(String, ColType)>,
    pub returns: Returns,
    pub trigger: Option<TriggerVars>,
    /// The function as error CONTEXT names it: `name(argtypes)`, or
    /// `inline_code_block` for DO.
    pub context_name: String,
}

/// What the function returned.
#[derive(Debug, Default)]
pub struct Returned {
    /// RETURN's value for scalar functions (its type with it).
    pub value: Option<(Datum, ColType)>,
    /// The row a trigger function returned (None: NULL).
    pub row: Option<Record>,
    /// RETURN NEXT / RETURN QUERY rows of a set-returning function, or the
    /// OUT parameters' row.
    pub rows: Vec<Row>,
}

struct Interp<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    scopes: Vec<Vec<Var>>,
    returns: Returns,
    outs: Vec<(String, ColType)>,
    out: Returned,
    row_count: u64,
    /// Errors being handled (innermost last), for a bare RAISE.
    handling: Vec<SqlError>,
    is_trigger: bool,
    /// The triggering table's columns: NEW/OLD fields read as NULL when
    /// the record itself is NULL (OLD in INSERT, NEW in DELETE).
    row_shape: Vec<(String, ColType)>,
    /// `Invocation::context_name`.
    context_name: String,
}

/// The savepoint name EXCEPTION blocks use (no SQL name can contain NUL).
const SAVEPOINT: &str = "\0plpgsql";

/// Runs a parsed body.
pub async fn run(ctx: &mut Ctx<'_>, block: &Block, inv: Invocation) -> SqlResult<Returned> {
    let mut globals = vec![Var {
        name: "found".into(),
        ty: VarType::Scalar(SqlType::Bool.plain()),
        value: Val::Scalar(Datum::Bool(false)),
        not_null: false,
    }];
    for (i, (name, value, ty)) in inv.args.into_iter().enumerate() {
        if let Some(n) = name {
            globals.push(Var {
                name: n,
                ty: VarType::Scalar(ty),
                value: Val::Scalar(value.clone()),
                not_null: false,
            });
        }
        globals.push(Var {
            name: format!("${}", i + 1),
            ty: VarType::Scalar(ty),
            value: Val::Scalar(value),
            not_null: false,
        });
    }
    for (name, ty) in &inv.outs {
        if !globals.iter().any(|v| &v.name == name) {
            globals.push(Var {
                name: name.clone(),
                ty: VarType::Scalar(*ty),
                value: Val::Scalar(Datum::Null),
                not_null: false,
            });
        }
    }
    let is_trigger = inv.trigger.is_some();
    let mut row_shape = Vec::new();
    if let Some(t) = inv.trigger {
        if let Some(r) = t.new.as_ref().or(t.old.as_ref()) {
            row_shape = r
                .names
                .iter()
                .cloned()
                .zip(r.types.iter().copied())
                .collect();
        }
        let text = |s: &str| Val::Scalar(Datum::Text(s.to_string()));
        let scalar = |name: &str, value: Val| Var {
            name: name.into(),
            ty: VarType::Scalar(SqlType::Text.plain()),
            value,
            not_null: false,
        };
        globals.push(Var {
            name: "new".into(),
            ty: VarType::Record,
            value: Val::Record(t.new),
            not_null: false,
        });
        globals.push(Var {
            name: "old".into(),
            ty: VarType::Record,
            value: Val::Record(t.old),
            not_null: false,
        });
        globals.push(scalar("tg_name", text(&t.name)));
        globals.push(scalar("tg_table_name", text(&t.table)));
        globals.push(scalar("tg_relname", text(&t.table)));
        globals.push(scalar("tg_table_schema", text("public")));
        globals.push(scalar("tg_when", text(t.when)));
        globals.push(scalar("tg_level", text(t.level)));
        globals.push(scalar("tg_op", text(t.op)));
        globals.push(Var {
            name: "tg_nargs".into(),
            ty: VarType::Scalar(SqlType::Int4.plain()),
            value: Val::Scalar(Datum::Int4(t.argv.len() as i32)),
            not_null: false,
        });
        globals.push(Var {
            name: "tg_argv".into(),
            ty: VarType::Scalar(SqlType::Array(Elem::Text).plain()),
            value: Val::Scalar(Datum::Array(t.argv.into_iter().map(Datum::Text).collect())),
            not_null: false,
        });
    }
    let mut it = Interp {
        ctx,
        scopes: vec![globals],
        returns: inv.returns,
        outs: inv.outs,
        out: Returned::default(),
        row_count: 0,
        handling: vec![],
        is_trigger,
        row_shape,
        context_name: inv.context_name,
    };
    let flow = it.exec_block(block).await?;
    if flow != Flow::Return {
        match &it.returns {
            Returns::Void => {}
            Returns::SetOf(_) | Returns::Table { set: true, .. } => {}
            Returns::Table { set: false, .. } => it.out_row()?,
            _ if it.outs.len() == 1 => it.out_row()?,
            Returns::Trigger => {
                return Err(SqlError::new(
                    "2F005",
                    "control reached end of trigger procedure without RETURN",
                ))
            }
            _ => {
                return Err(SqlError::new(
                    "2F005",
                    "control reached end of function without RETURN",
                ))
            }
        }
    }
    Ok(it.out)
}

impl Variables for Interp<'_, '_> {
    fn scalar(&self, name: &str) -> Option<(Datum, ColType)> {
        match self.find(name)? {
            Var {
                ty: VarType::Scalar(t),
                value: Val::Scalar(d),
                ..
            } => Some((d.clone(), *t)),
            _ => None,
        }
    }
    fn is_record(&self, name: &str) -> bool {
        self.find(name).is_some_and(|v| v.ty == VarType::Record)
    }
    fn field(&self, record: &str, field: &str) -> SqlResult<(Datum, ColType)> {
        let Some(Var {
            value: Val::Record(r),
            ..
        }) = self.find(record)
        else {
            return Err(SqlError::internal("not a record variable"));
        };
        let Some(r) = r.as_ref() else {
            if self.is_trigger && matches!(record, "new" | "old") {
                return match self.row_shape.iter().find(|(n, _)| n == field) {
                    Some((_, t)) => Ok((Datum::Null, *t)),
                    None => Err(no_field(record, field)),
                };
            }
            return Err(unassigned(record));
        };
        let i = r
            .names
            .iter()
            .position(|n| n == field)
            .ok_or_else(|| no_field(record, field))?;
        Ok((r.values[i].clone(), r.types[i]))
    }
    fn positional(&self, n: usize) -> Option<(Datum, ColType)> {
        self.scalar(&format!("${n}"))
    }
    fn record_value(&self, name: &str) -> Option<(Datum, ColType)> {
        match self.find(name)? {
            Var {
                value: Val::Record(r),
                ..
            } => Some((
                r.as_ref()
                    .map(|r| Datum::Text(crate::routine::call::record_text(&r.values)))
                    .unwrap_or(Datum::Null),
                SqlType::Text.plain(),
            )),
            _ => None,
        }
    }
    fn argv(&self, i: usize) -> Option<(Datum, ColType)> {
        match self.scalar("tg_argv")? {
            (Datum::Array(items), _) => Some((
                items.get(i).cloned().unwrap_or(Datum::Null),
                SqlType::Text.plain(),
            )),
            _ => None,
        }
    }
}

fn unassigned(name: &str) -> SqlError {
    SqlError::new("55000", format!("record \"{name}\" is not assigned yet"))
        .with_detail("The tuple structure of a not-yet-assigned record is indeterminate.")
}

fn no_field(record: &str, field: &str) -> SqlError {
    SqlError::new(
        "42703",
        format!("record \"{record}\" has no field \"{field}\""),
    )
}

fn is_select(sql: &str) -> bool {
    let w = sql
        .trim_start()
        .trim_start_matches('(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(w.as_str(), "select" | "with" | "values" | "table")
}

/// A value as RAISE prints it.
fn display(d: &Datum) -> String {
    d.to_text(1).unwrap_or_else(|| "<NULL>".to_string())
}

impl<'c, 'a> Interp<'c, 'a> {
    fn find(&self, name: &str) -> Option<&Var> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|v| v.name == name)
    }

    fn find_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|v| v.name == name)
    }

    fn declare_var(&mut self, name: String, ty: VarType, value: Val, not_null: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Var {
                name,
                ty,
                value,
                not_null,
            });
        }
    }

    fn set_found(&mut self, found: bool) {
        if let Some(v) = self.find_mut("found") {
            v.value = Val::Scalar(Datum::Bool(found));
        }
    }

    /// Runs SQL text with the variables it mentions as parameters.
    async fn run_sql(&mut self, text: &str) -> SqlResult<SqlOutcome> {
        let sub = substitute(text, &*self)?;
        self.ctx.run_sql(&sub.sql, sub.params, sub.types).await
    }

    /// An expression's value and type (`SELECT expr`, one row, one column).
    async fn eval(&mut self, expr: &str) -> SqlResult<(Datum, ColType)> {
        let name = expr.trim().to_lowercase();
        if let Some((d, t)) = self.scalar(&name) {
            return Ok((d, t));
        }
        let out = self.run_sql(&format!("SELECT {expr}")).await?;
        if out.columns.len() != 1 {
            return Err(SqlError::syntax(format!(
                "query \"SELECT {expr}\" returned {} columns",
                out.columns.len()
            )));
        }
        if out.rows.len() > 1 {
            return Err(SqlError::new(
                "21000",
                format!("query \"SELECT {expr}\" returned more than one row"),
            ));
        }
        let d = out
            .rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .unwrap_or(Datum::Null);
        Ok((d, out.columns[0].ty))
    }

    /// An expression that may be a whole record variable.
    async fn eval_val(&mut self, expr: &str) -> SqlResult<(Val, ColType)> {
        let name = expr.trim().to_lowercase();
        if let Some(Var {
            ty: VarType::Record,
            value,
            ..
        }) = self.find(&name)
        {
            return Ok((value.clone(), SqlType::Unknown.plain()));
        }
        let (d, t) = self.eval(expr).await?;
        Ok((Val::Scalar(d), t))
    }

    async fn eval_bool(&mut self, expr: &str) -> SqlResult<bool> {
        let (d, t) = self.eval(expr).await?;
        let d = if t.ty == SqlType::Bool || d.is_null() {
            d
        } else {
            cast(d, t.ty, SqlType::Bool.plain(), CastContext::Assignment)?
        };
        Ok(matches!(d, Datum::Bool(true)))
    }

    fn assign(&mut self, target: &Target, value: Val, from: ColType) -> SqlResult<()> {
        match target {
            Target::Var(name) => {
                let var = self.find_mut(name).ok_or_else(|| {
                    SqlError::syntax(format!("\"{name}\" is not a known variable"))
                })?;
                match (var.ty, value) {
                    (VarType::Record, Val::Record(r)) => var.value = Val::Record(r),
                    (VarType::Record, Val::Scalar(Datum::Null)) => var.value = Val::Record(None),
                    (VarType::Record, Val::Scalar(_)) => {
                        return Err(SqlError::new(
                            "42804",
                            "cannot assign non-composite value to a record variable",
                        ))
                    }
                    (VarType::Scalar(t), Val::Scalar(d)) => {
                        if d.is_null() && var.not_null {
                            return Err(SqlError::new(
                                "22004",
                                format!(
                                    "null value cannot be assigned to variable \"{name}\" declared NOT NULL"
                                ),
                            ));
                        }
                        var.value = Val::Scalar(convert(d, from, t)?);
                    }
                    (VarType::Scalar(_), Val::Record(_)) => {
                        return Err(SqlError::new(
                            "42804",
                            "cannot assign a record to a scalar variable",
                        ))
                    }
                }
                Ok(())
            }
            Target::Field(rec, field) => {
                let Val::Scalar(d) = value else {
                    return Err(SqlError::new("42804", "cannot assign a record to a field"));
                };
                let var = self.find_mut(rec).ok_or_else(|| {
                    SqlError::syntax(format!("\"{rec}\" is not a known variable"))
                })?;
                let Val::Record(r) = &mut var.value else {
                    return Err(SqlError::syntax(format!(
                        "\"{rec}.{field}\" is not a known variable"
                    )));
                };
                let r = r.as_mut().ok_or_else(|| unassigned(rec))?;
                let i = r
                    .names
                    .iter()
                    .position(|n| n == field)
                    .ok_or_else(|| no_field(rec, field))?;
                r.values[i] = convert(d, from, r.types[i])?;
                Ok(())
            }
        }
    }

    /// Assigns a result row to INTO / FOR targets (one record, or scalars in order).
    fn assign_row(
        &mut self,
        targets: &[Target],
        row: Option<&Row>,
        columns: &[OutColumn],
    ) -> SqlResult<()> {
        if let [Target::Var(name)] = targets {
            if self.is_record(name) {
                let value = row.map(|r| Record {
                    names: columns.iter().map(|c| c.name.clone()).collect(),
                    types: columns.iter().map(|c| c.ty).collect(),
                    values: r.clone(),
                });
                // A %ROWTYPE / NEW record keeps its shape: fields by position.
                let shaped = match (self.find(name), value) {
                    (
                        Some(Var {
                            value: Val::Record(Some(old)),
                            ..
                        }),
                        Some(new),
                    ) if old.names.len() == new.values.len() && old.names != new.names => {
                        let mut r = old.clone();
                        for (i, v) in new.values.into_iter().enumerate() {
                            r.values[i] = convert(v, new.types[i], r.types[i])?;
                        }
                        Some(r)
                    }
                    (_, v) => v,
                };
                return self.assign(&targets[0], Val::Record(shaped), SqlType::Unknown.plain());
            }
        }
        for (i, t) in targets.iter().enumerate() {
            let (d, ty) = match row {
                Some(r) => (
                    r.get(i).cloned().unwrap_or(Datum::Null),
                    columns
                        .get(i)
                        .map(|c| c.ty)
                        .unwrap_or(SqlType::Unknown.plain()),
                ),
                None => (Datum::Null, SqlType::Unknown.plain()),
            };
            self.assign(t, Val::Scalar(d), ty)?;
        }
        Ok(())
    }

    fn exec_block<'s>(&'s mut self, block: &'s Block) -> BoxFut<'s, Flow> {
        Box::pin(async move {
            self.scopes.push(Vec::new());
            let r = self.run_block(block).await;
            self.scopes.pop();
            match r? {
                Flow::Exit(Some(l)) if block.label.as_deref() == Some(l.as_str()) => {
                    Ok(Flow::Normal)
                }
                f => Ok(f),
            }
        })
    }

    async fn run_block(&mut self, block: &Block) -> SqlResult<Flow> {
        for d in &block.decls {
            self.declare(d).await?;
        }
        if block.handlers.is_empty() {
            return self.exec_stmts(&block.body).await;
        }
        let mark = self.ctx.txn.savepoints.len();
        let triggers_mark = self.ctx.txn.pending_triggers.len();
        self.ctx.txn.savepoint(SAVEPOINT.to_string());
        let err = match self.exec_stmts(&block.body).await {
            Ok(flow) => {
                self.ctx.txn.savepoints.truncate(mark);
                return Ok(flow);
            }
            Err(e) => e,
        };
        let Some(handler) = block
            .handlers
            .iter()
            .find(|h| h.conditions.iter().any(|c| condition_matches(c, &err)))
        else {
            self.ctx.txn.savepoints.truncate(mark);
            return Err(err);
        };
        let (locks, _created) = self.ctx.txn.rollback_to(mark);
        self.ctx.engine.locks.release(&locks, self.ctx.txn.id);
        self.ctx.txn.savepoints.truncate(mark);
        self.ctx.txn.pending_triggers.truncate(triggers_mark);
        self.scopes.push(vec![
            Var {
                name: "sqlstate".into(),
                ty: VarType::Scalar(SqlType::Text.plain()),
                value: Val::Scalar(Datum::Text(err.sqlstate.to_string())),
                not_null: false,
            },
            Var {
                name: "sqlerrm".into(),
                ty: VarType::Scalar(SqlType::Text.plain()),
                value: Val::Scalar(Datum::Text(err.message.clone())),
                not_null: false,
            },
        ]);
        self.handling.push(err);
        let r = self.exec_stmts(&handler.body).await;
        self.handling.pop();
        self.scopes.pop();
        r
    }

    async fn declare(&mut self, d: &Decl) -> SqlResult<()> {
        if let Some(of) = &d.alias_of {
            let v = self
                .find(of)
                .ok_or_else(|| SqlError::syntax(format!("\"{of}\" is not a known variable")))?;
            let (ty, value) = (v.ty, v.value.clone());
            self.declare_var(d.name.clone(), ty, value, false);
            return Ok(());
        }
        let lower = d.ty.to_lowercase();
        let ty = if lower == "record" {
            VarType::Record
        } else if let Some(table) = lower.strip_suffix("%rowtype") {
            let table = table.trim().rsplit('.').next().unwrap_or("").to_string();
            let record = self.ctx.row_record(&table)?;
            self.declare_var(
                d.name.clone(),
                VarType::Record,
                Val::Record(Some(record)),
                false,
            );
            if let Some(e) = &d.default {
                let (v, t) = self.eval_val(e).await?;
                self.assign(&Target::Var(d.name.clone()), v, t)?;
            }
            return Ok(());
        } else if let Some(of) = lower.strip_suffix("%type") {
            let of = of.trim();
            match of.split_once('.') {
                Some((table, column)) if !self.is_record(table) => {
                    let def = self.ctx.routine_catalog().table(table)?;
                    let i = def
                        .column_index(column)
                        .ok_or_else(|| SqlError::undefined_column(column))?;
                    VarType::Scalar(def.columns[i].ty)
                }
                Some((rec, field)) => VarType::Scalar(self.field(rec, field)?.1),
                None => match self.find(of) {
                    Some(v) => v.ty,
                    None => {
                        return Err(SqlError::new(
                            "42704",
                            format!("variable \"{of}\" does not exist"),
                        ))
                    }
                },
            }
        } else {
            match crate::routine::ddl::parse_type(&d.ty) {
                Ok(t) => VarType::Scalar(t),
                Err(e) => {
                    // A table name is its row type.
                    let name = lower.trim().rsplit('.').next().unwrap_or("").to_string();
                    match self.ctx.row_record(&name) {
                        Ok(r) => {
                            self.declare_var(
                                d.name.clone(),
                                VarType::Record,
                                Val::Record(Some(r)),
                                false,
                            );
                            return Ok(());
                        }
                        Err(_) => return Err(e),
                    }
                }
            }
        };
        let initial = match ty {
            VarType::Record => Val::Record(None),
            VarType::Scalar(_) => Val::Scalar(Datum::Null),
        };
        self.declare_var(d.name.clone(), ty, initial, false);
        match &d.default {
            Some(e) => {
                let (v, t) = self.eval_val(e).await?;
                self.assign(&Target::Var(d.name.clone()), v, t)?;
            }
            None if d.not_null => {
                return Err(SqlError::new(
                    "22004",
                    format!(
                        "variable \"{}\" must have a default value, since it's declared NOT NULL",
                        d.name
                    ),
                ))
            }
            None => {}
        }
        if let Some(v) = self.find_mut(&d.name) {
            v.not_null = d.not_null;
        }
        Ok(())
    }

    fn exec_stmts<'s>(&'s mut self, stmts: &'s [Stmt]) -> BoxFut<'s, Flow> {
        Box::pin(async move {
            for s in stmts {
                crate::executor::cooperate().await;
                let flow = self.exec_stmt(s).await?;
                if flow != Flow::Normal {
                    return Ok(flow);
                }
            }
            Ok(Flow::Normal)
        })
    }

    /// Runs a loop body once: Some(flow) ends the loop with that flow.
    fn loop_flow(flow: Flow, label: &Option<String>) -> Option<Flow> {
        match flow {
            Flow::Normal => None,
            Flow::Continue(None) => None,
            Flow::Continue(Some(l)) if label.as_deref() == Some(l.as_str()) => None,
            Flow::Exit(None) => Some(Flow::Normal),
            Flow::Exit(Some(l)) if label.as_deref() == Some(l.as_str()) => Some(Flow::Normal),
            other => Some(other),
        }
    }

    async fn exec_stmt(&mut self, s: &Stmt) -> SqlResult<Flow> {
        match s {
            Stmt::Null => {}
            Stmt::Block(b) => return self.exec_block(b).await,
            Stmt::Assign { target, expr } => {
                let (v, t) = self.eval_val(expr).await?;
                self.assign(target, v, t)?;
            }
            Stmt::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    if self.eval_bool(cond).await? {
                        return self.exec_stmts(body).await;
                    }
                }
                if let Some(body) = otherwise {
                    return self.exec_stmts(body).await;
                }
            }
            Stmt::Case {
                operand,
                whens,
                otherwise,
            } => {
                for (cond, body) in whens {
                    let test = match operand {
                        Some(op) => format!("({op}) IN ({cond})"),
                        None => cond.clone(),
                    };
                    if self.eval_bool(&test).await? {
                        return self.exec_stmts(body).await;
                    }
                }
                match otherwise {
                    Some(body) => return self.exec_stmts(body).await,
                    None => {
                        return Err(SqlError::new("20000", "case not found")
                            .with_hint("CASE statement is missing ELSE part."))
                    }
                }
            }
            Stmt::Loop { label, body } => loop {
                let flow = self.exec_stmts(body).await?;
                if let Some(f) = Self::loop_flow(flow, label) {
                    return Ok(f);
                }
            },
            Stmt::While { label, cond, body } => {
                while self.eval_bool(cond).await? {
                    let flow = self.exec_stmts(body).await?;
                    if let Some(f) = Self::loop_flow(flow, label) {
                        return Ok(f);
                    }
                }
            }
            Stmt::ForRange {
                label,
                var,
                reverse,
                low,
                high,
                step,
                body,
            } => {
                return self
                    .for_range(label, var, *reverse, low, high, step.as_deref(), body)
                    .await
            }
            Stmt::ForQuery {
                label,
                targets,
                source,
                body,
            } => {
                let out = self.query_source(source).await?;
                self.scopes.push(Vec::new());
                let targets: Vec<Target> = targets.iter().map(|t| Target::Var(t.clone())).collect();
                if let [Target::Var(name)] = targets.as_slice() {
                    if self.find(name).is_none() {
                        self.declare_var(name.clone(), VarType::Record, Val::Record(None), false);
                    }
                }
                let mut result = Flow::Normal;
                let any = !out.rows.is_empty();
                for row in &out.rows {
                    if let Err(e) = self.assign_row(&targets, Some(row), &out.columns) {
                        self.scopes.pop();
                        return Err(e);
                    }
                    let flow = match self.exec_stmts(body).await {
                        Ok(f) => f,
                        Err(e) => {
                            self.scopes.pop();
                            return Err(e);
                        }
                    };
                    if let Some(f) = Self::loop_flow(flow, label) {
                        result = f;
                        break;
                    }
                }
                self.scopes.pop();
                self.set_found(any);
                return Ok(result);
            }
            Stmt::Exit {
                is_continue,
                label,
                when,
            } => {
                if let Some(w) = when {
                    if !self.eval_bool(w).await? {
                        return Ok(Flow::Normal);
                    }
                }
                return Ok(if *is_continue {
                    Flow::Continue(label.clone())
                } else {
                    Flow::Exit(label.clone())
                });
            }
            Stmt::Return(expr) => {
                self.do_return(expr.as_deref()).await?;
                return Ok(Flow::Return);
            }
            Stmt::ReturnNext(expr) => self.return_next(expr.as_deref()).await?,
            Stmt::ReturnQuery(source) => {
                if !matches!(
                    self.returns,
                    Returns::SetOf(_) | Returns::Table { set: true, .. }
                ) {
                    return Err(SqlError::syntax(
                        "cannot use RETURN QUERY in a non-SETOF function",
                    ));
                }
                let out = self.query_source(source).await?;
                self.set_found(!out.rows.is_empty());
                self.row_count = out.rows.len() as u64;
                let types = self.result_types();
                for row in out.rows {
                    let mut r = Vec::with_capacity(types.len());
                    for (i, t) in types.iter().enumerate() {
                        let from = out.columns.get(i).map(|c| c.ty).unwrap_or(*t);
                        r.push(convert(
                            row.get(i).cloned().unwrap_or(Datum::Null),
                            from,
                            *t,
                        )?);
                    }
                    self.out.rows.push(r);
                }
            }
            Stmt::Raise(r) => self.raise(r).await?,
            Stmt::Perform(q) => {
                let out = self.run_sql(&format!("SELECT {q}")).await?;
                self.row_count = out.rows.len() as u64;
                self.set_found(!out.rows.is_empty());
            }
            Stmt::Sql { text, into } => {
                let out = self.run_sql(text).await?;
                self.row_count = out.count;
                match into {
                    Some(into) => {
                        if into.strict && out.rows.is_empty() {
                            return Err(SqlError::new("P0002", "query returned no rows"));
                        }
                        if into.strict && out.rows.len() > 1 {
                            return Err(SqlError::new("P0003", "query returned more than one row")
                                .with_hint(
                                    "Make sure the query returns a single row, or use LIMIT 1.",
                                ));
                        }
                        self.assign_row(&into.targets, out.rows.first(), &out.columns)?;
                        self.set_found(!out.rows.is_empty());
                    }
                    None if is_select(text) => {
                        return Err(SqlError::syntax("query has no destination for result data")
                            .with_hint(
                            "If you want to discard the results of a SELECT, use PERFORM instead.",
                        ));
                    }
                    None => self.set_found(out.count > 0),
                }
            }
            Stmt::Execute {
                expr,
                into,
                using,
                line,
            } => {
                let out = self.execute_dynamic(expr, using).await.map_err(|e| {
                    e.with_context(format!(
                        "PL/pgSQL function {} line {line} at EXECUTE",
                        self.context_name
                    ))
                })?;
                self.row_count = out.count;
                if let Some(into) = into {
                    if into.strict && out.rows.len() != 1 {
                        return Err(if out.rows.is_empty() {
                            SqlError::new("P0002", "query returned no rows")
                        } else {
                            SqlError::new("P0003", "query returned more than one row")
                        });
                    }
                    self.assign_row(&into.targets, out.rows.first(), &out.columns)?;
                }
                self.set_found(out.count > 0);
            }
            Stmt::GetDiagnostics(items) => {
                for (target, item) in items {
                    let (d, t) = match item.as_str() {
                        "row_count" => (Datum::Int8(self.row_count as i64), SqlType::Int8.plain()),
                        other => {
                            return Err(SqlError::unsupported(format!(
                                "GET DIAGNOSTICS item {other}"
                            )))
                        }
                    };
                    self.assign(target, Val::Scalar(d), t)?;
                }
            }
        }
        Ok(Flow::Normal)
    }

    #[allow(clippy::too_many_arguments)]
    async fn for_range(
        &mut self,
        label: &Option<String>,
        var: &str,
        reverse: bool,
        low: &str,
        high: &str,
        step: Option<&str>,
        body: &[Stmt],
    ) -> SqlResult<Flow> {
        let int = |d: Datum, t: ColType| -> SqlResult<Option<i64>> {
            Ok(
                match cast(d, t.ty, SqlType::Int8.plain(), CastContext::Assignment)? {
                    Datum::Int8(v) => Some(v),
                    _ => None,
                },
            )
        };
        let (l, lt) = self.eval(low).await?;
        let (h, ht) = self.eval(high).await?;
        let (Some(mut i), Some(end)) = (int(l, lt)?, int(h, ht)?) else {
            return Err(SqlError::new(
                "22004",
                "lower bound of FOR loop cannot be null",
            ));
        };
        let by = match step {
            Some(s) => {
                let (d, t) = self.eval(s).await?;
                int(d, t)?
                    .ok_or_else(|| SqlError::new("22004", "BY value of FOR loop cannot be null"))?
            }
            None => 1,
        };
        if by <= 0 {
            return Err(SqlError::new(
                "22023",
                "BY value of FOR loop must be greater than zero",
            ));
        }
        self.scopes.push(Vec::new());
        self.declare_var(
            var.to_string(),
            VarType::Scalar(SqlType::Int4.plain()),
            Val::Scalar(Datum::Null),
            false,
        );
        let mut result = Ok(Flow::Normal);
        let mut any = false;
        while if reverse { i >= end } else { i <= end } {
            any = true;
            if let Some(v) = self.find_mut(var) {
                v.value = Val::Scalar(i32::try_from(i).map(Datum::Int4).unwrap_or(Datum::Int8(i)));
            }
            match self.exec_stmts(body).await {
                Ok(flow) => {
                    if let Some(f) = Self::loop_flow(flow, label) {
                        result = Ok(f);
                        break;
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            let next = if reverse {
                i.checked_sub(by)
            } else {
                i.checked_add(by)
            };
            match next {
                Some(n) => i = n,
                None => break,
            }
        }
        self.scopes.pop();
        self.set_found(any);
        result
    }

    async fn query_source(&mut self, source: &QuerySource) -> SqlResult<SqlOutcome> {
        match source {
            QuerySource::Static(q) => self.run_sql(q).await,
            QuerySource::Execute { expr, using } => self.execute_dynamic(expr, using).await,
        }
    }

    /// EXECUTE: the string's value is the SQL; USING values are its $n.
    async fn execute_dynamic(&mut self, expr: &str, using: &[String]) -> SqlResult<SqlOutcome> {
        let (d, _) = self.eval(expr).await?;
        let Datum::Text(sql) = d else {
            return Err(SqlError::new(
                "22004",
                "query string argument of EXECUTE is null",
            ));
        };
        let mut params = Vec::new();
        let mut types = Vec::new();
        for u in using {
            let (d, t) = self.eval(u).await?;
            params.push(d);
            types.push(t);
        }
        self.ctx.run_sql(&sql, params, types).await.map_err(|e| {
            // An error pointing into the statement's text is reported
            // by PostgreSQL with the text as QUERY instead.
            if e.position.is_some() {
                e
            } else {
                e.with_context(format!("SQL statement \"{sql}\""))
            }
        })
    }

    fn result_types(&self) -> Vec<ColType> {
        match &self.returns {
            Returns::SetOf(t) | Returns::Scalar(t) => vec![*t],
            Returns::Table { columns, .. } => columns.iter().map(|(_, t)| *t).collect(),
            _ => vec![],
        }
    }

    /// The OUT parameters' current values as one result row.
    fn out_row(&mut self) -> SqlResult<()> {
        let mut row = Vec::with_capacity(self.outs.len());
        for (name, _) in &self.outs {
            row.push(match self.scalar(name) {
                Some((d, _)) => d,
                None => Datum::Null,
            });
        }
        if self.outs.len() == 1 && matches!(self.returns, Returns::Scalar(_)) {
            let t = self.outs[0].1;
            self.out.value = Some((row.pop().unwrap_or(Datum::Null), t));
            return Ok(());
        }
        self.out.rows.push(row);
        Ok(())
    }

    async fn do_return(&mut self, expr: Option<&str>) -> SqlResult<()> {
        if self.is_trigger {
            let Some(e) = expr else {
                return Err(SqlError::new(
                    "2F005",
                    "control reached end of trigger procedure without RETURN",
                ));
            };
            let (v, _) = self.eval_val(e).await?;
            self.out.row = match v {
                Val::Record(r) => r,
                Val::Scalar(Datum::Null) => None,
                Val::Scalar(_) => return Err(SqlError::new(
                    "42804",
                    "returned row structure does not match the structure of the triggering table",
                )),
            };
            return Ok(());
        }
        match (&self.returns, expr) {
            (Returns::SetOf(_) | Returns::Table { set: true, .. }, None) => Ok(()),
            (Returns::SetOf(_) | Returns::Table { set: true, .. }, Some(_)) => Err(
                SqlError::syntax("RETURN cannot have a parameter in function returning set")
                    .with_hint("Use RETURN NEXT or RETURN QUERY."),
            ),
            (Returns::Void, None) => Ok(()),
            (Returns::Void, Some(_)) => Err(SqlError::syntax(
                "RETURN cannot have a parameter in function returning void",
            )),
            (_, None) if !self.outs.is_empty() => self.out_row(),
            (_, None) => Err(SqlError::syntax("missing expression at or near \";\"")),
            (Returns::Table { set: false, .. }, Some(_)) => Err(SqlError::syntax(
                "RETURN cannot have a parameter in function with OUT parameters",
            )),
            (_, Some(e)) => {
                let (v, t) = self.eval_val(e).await?;
                match v {
                    Val::Scalar(d) => self.out.value = Some((d, t)),
                    Val::Record(_) => {
                        return Err(SqlError::unsupported(
                            "returning a record from a scalar function",
                        ))
                    }
                }
                Ok(())
            }
        }
    }

    async fn return_next(&mut self, expr: Option<&str>) -> SqlResult<()> {
        match (&self.returns, expr) {
            (Returns::Table { set: true, .. }, None) => self.out_row(),
            (Returns::SetOf(t), Some(e)) => {
                let t = *t;
                let (v, from) = self.eval_val(e).await?;
                match v {
                    Val::Scalar(d) => {
                        self.out.rows.push(vec![convert(d, from, t)?]);
                        Ok(())
                    }
                    Val::Record(_) => Err(SqlError::unsupported("RETURN NEXT of a record")),
                }
            }
            (Returns::Table { set: true, .. }, Some(e)) => {
                let (v, _) = self.eval_val(e).await?;
                match v {
                    Val::Record(Some(r)) => {
                        self.out.rows.push(r.values);
                        Ok(())
                    }
                    _ => Err(SqlError::syntax(
                        "RETURN NEXT cannot have a parameter in function with OUT parameters",
                    )),
                }
            }
            _ => Err(SqlError::syntax(
                "cannot use RETURN NEXT in a non-SETOF function",
            )),
        }
    }

    async fn raise(&mut self, r: &RaiseStmt) -> SqlResult<()> {
        if r.message.is_none() && r.condition.is_none() && r.options.is_empty() {
            return Err(self.handling.last().cloned().ok_or_else(|| {
                SqlError::new(
                    "0Z002",
                    "RAISE without parameters cannot be used outside an exception handler",
                )
            })?);
        }
        let mut message = String::new();
        if let Some(fmt) = &r.message {
            let mut args = r.args.iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '%' {
                    message.push(c);
                    continue;
                }
                if chars.peek() == Some(&'%') {
                    chars.next();
                    message.push('%');
                    continue;
                }
                let Some(a) = args.next() else {
                    return Err(SqlError::syntax("too few parameters specified for RAISE"));
                };
                let (v, _) = self.eval(a).await?;
                message.push_str(&display(&v));
            }
            if args.next().is_some() {
                return Err(SqlError::syntax("too many parameters specified for RAISE"));
            }
        }
        let mut code: Option<&'static str> = None;
        if let Some(c) = &r.condition {
            code = Some(condition_code(c).ok_or_else(|| {
                SqlError::new("42704", format!("unrecognized exception condition \"{c}\""))
            })?);
            if r.message.is_none() {
                message = c.strip_prefix("sqlstate:").unwrap_or(c).to_string();
            }
        }
        let mut detail = None;
        let mut hint = None;
        for (opt, expr) in &r.options {
            let (v, _) = self.eval(expr).await?;
            let text = display(&v);
            match opt.as_str() {
                "message" => message = text,
                "detail" => detail = Some(text),
                "hint" => hint = Some(text),
                "errcode" => {
                    let c = if text.len() == 5 && text.chars().all(|c| c.is_ascii_alphanumeric()) {
                        format!("sqlstate:{}", text.to_uppercase())
                    } else {
                        text.clone()
                    };
                    code = Some(condition_code(&c).ok_or_else(|| {
                        SqlError::new(
                            "42704",
                            format!("unrecognized exception condition \"{text}\""),
                        )
                    })?);
                }
                "column" | "constraint" | "datatype" | "table" | "schema" => {}
                other => {
                    return Err(SqlError::syntax(format!(
                        "unrecognized RAISE statement option \"{other}\""
                    )))
                }
            }
        }
        let (severity, default_code) = match r.level.as_str() {
            "exception" => ("ERROR", "P0001"),
            "warning" => ("WARNING", "01000"),
            "notice" => ("NOTICE", "00000"),
            "info" => ("INFO", "00000"),
            "log" => ("LOG", "00000"),
            _ => ("DEBUG", "00000"),
        };
        let mut e = SqlError::new(code.unwrap_or(default_code), message);
        e.detail = detail;
        e.hint = hint;
        if severity == "ERROR" {
            return Err(e);
        }
        // client_min_messages = notice: DEBUG and LOG stay in the server.
        if !matches!(severity, "DEBUG" | "LOG") {
            e.severity = severity;
            self.ctx.txn.notices.push(e);
        }
        Ok(())
    }
}

/// Converts an assigned value to the target's type (assignment cast, or
/// the text round trip PL/pgSQL falls back to).
fn convert(d: Datum, from: ColType, to: ColType) -> SqlResult<Datum> {
    if d.is_null() || from == to || to.ty == SqlType::Unknown {
        return Ok(d);
    }
    match cast(d.clone(), from.ty, to, CastContext::Assignment) {
        Ok(v) => Ok(v),
        Err(e) if e.sqlstate.starts_with("42") => cast(d, from.ty, to, CastContext::Explicit),
        Err(e) => Err(e),
    }
}

/// Condition names PL/pgSQL handlers and RAISE use, with their SQLSTATEs.
const CONDITIONS: &[(&str, &str)] = &[
    ("raise_exception", "P0001"),
    ("no_data_found", "P0002"),
    ("too_many_rows", "P0003"),
    ("assert_failure", "P0004"),
    ("division_by_zero", "22012"),
    ("numeric_value_out_of_range", "22003"),
    ("invalid_text_representation", "22P02"),
    ("string_data_right_truncation", "22001"),
    ("null_value_not_allowed", "22004"),
    ("data_exception", "22000"),
    ("invalid_parameter_value", "22023"),
    ("datetime_field_overflow", "22008"),
    ("integrity_constraint_violation", "23000"),
    ("restrict_violation", "23001"),
    ("not_null_violation", "23502"),
    ("foreign_key_violation", "23503"),
    ("unique_violation", "23505"),
    ("check_violation", "23514"),
    ("exclusion_violation", "23P01"),
    ("syntax_error", "42601"),
    ("undefined_column", "42703"),
    ("undefined_table", "42P01"),
    ("undefined_function", "42883"),
    ("undefined_object", "42704"),
    ("duplicate_table", "42P07"),
    ("duplicate_object", "42710"),
    ("duplicate_function", "42723"),
    ("invalid_column_reference", "42P10"),
    ("datatype_mismatch", "42804"),
    ("wrong_object_type", "42809"),
    ("insufficient_privilege", "42501"),
    ("feature_not_supported", "0A000"),
    ("invalid_transaction_state", "25000"),
    ("read_only_sql_transaction", "25006"),
    ("serialization_failure", "40001"),
    ("deadlock_detected", "40P01"),
    ("lock_not_available", "55P03"),
    ("object_not_in_prerequisite_state", "55000"),
    ("program_limit_exceeded", "54000"),
    ("statement_too_complex", "54001"),
    ("query_canceled", "57014"),
    ("case_not_found", "20000"),
    ("cardinality_violation", "21000"),
    ("internal_error", "XX000"),
    ("warning", "01000"),
    ("successful_completion", "00000"),
];

/// A condition's SQLSTATE (`sqlstate:XXXXX` or a name).
fn condition_code(c: &str) -> Option<&'static str> {
    if let Some(code) = c.strip_prefix("sqlstate:") {
        if code.len() != 5
            || !code
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return None;
        }
        return Some(intern_sqlstate(code));
    }
    CONDITIONS.iter().find(|(n, _)| *n == c).map(|(_, s)| *s)
}

/// SQLSTATEs are `&'static str`; user codes (RAISE ... ERRCODE) are interned
/// once each. At most 36^5 distinct codes exist, so this is bounded.
fn intern_sqlstate(code: &str) -> &'static str {
    if let Some((_, s)) = CONDITIONS.iter().find(|(_, s)| *s == code) {
        return s;
    }
    static INTERNED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut list = match INTERNED.lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    if let Some(s) = list.iter().find(|s| **s == code) {
        return s;
    }
    let s: &'static str = Box::leak(code.to_string().into_boxed_str());
    list.push(s);
    s
}

/// True if handler condition `c` catches `e`.
fn condition_matches(c: &str, e: &SqlError) -> bool {
    if c == "others" {
        return !matches!(e.sqlstate, "57014" | "P0004");
    }
    let Some(code) = condition_code(c) else {
        return false;
    };
    // A class condition (XX000) catches every code of its class.
    if code.ends_with("000") {
        return e.sqlstate.get(..2) == code.get(..2);
    }
    e.sqlstate == code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_match_codes_and_classes() {
        let e = SqlError::new("23505", "dup");
        assert!(condition_matches("unique_violation", &e));
        assert!(condition_matches("integrity_constraint_violation", &e));
        assert!(condition_matches("sqlstate:23505", &e));
        assert!(condition_matches("others", &e));
        assert!(!condition_matches("division_by_zero", &e));
        assert_eq!(intern_sqlstate("U0001"), intern_sqlstate("U0001"));
        assert!(condition_code("sqlstate:abc").is_none());
    }
}
