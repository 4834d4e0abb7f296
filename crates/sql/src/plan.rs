//! Bound statements: typed expressions and query plans produced by the binder
//! and planner and run by the executor. Columns are resolved to row offsets.

use std::sync::Arc;

use crate::catalog::TableDef;
use crate::datum::{CastContext, Datum};
use crate::types::{ColType, SqlType};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    Concat,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Abs,
    Lower,
    Upper,
    Length,
    OctetLength,
    Coalesce,
    NullIf,
    Concat,
    Substring,
    Round,
    Trunc,
    Ceil,
    Floor,
    Greatest,
    Least,
    Mod,
    NextVal,
    /// currval, setval, lastval and the columns of `SELECT * FROM seq`.
    Sequence(crate::sequence::SeqFn),
    Replace,
    Btrim,
    Ltrim,
    Rtrim,
    Left,
    Right,
    Repeat,
    Reverse,
    Strpos,
    Sqrt,
    Power,
    Sign,
    Version,
    /// pg_current_xact_id() / txid_current(): the transaction's id.
    CurrentXactId,
    Now,
    LocalTimestamp,
    CurrentDate,
    DateTrunc,
    Extract,
    /// `value AT TIME ZONE zone` (args: zone, value).
    AtTimeZone,
    DateAddDays,
    DateDiff,
    /// interval + interval.
    IntervalAdd,
    /// interval * float8, interval / float8.
    IntervalMul,
    IntervalDiv,
    /// timestamp[tz] + interval (result type as the expression's).
    TsAddInterval,
    /// timestamp - timestamp (interval).
    TsDiff,
    /// time + interval.
    TimeAddInterval,
    /// time - time (interval).
    TimeDiff,
    /// date + time (timestamp).
    DateAddTime,
    /// json/jsonb `->` (text key or int4 index).
    JsonGet,
    /// json/jsonb `->>`.
    JsonGetText,
    /// ARRAY[...] (not strict: NULL elements stay).
    MakeArray,
    /// `lhs op ANY/ALL (array)`: args lhs, array, op code (Const int4, see `eval::any_op`).
    AnyArray,
    AllArray,
    /// array[i] (1-based).
    ArraySubscript,
    /// cardinality(array), array_length(array, dim).
    Cardinality,
    ArrayLength,
    /// System-catalog functions (`crate::pg_catalog`).
    Sys(crate::pg_catalog::SysFn),
    /// Library functions (`crate::builtins`).
    Lib(crate::builtins::LibFn),
    /// Array functions and operators (`crate::array_ops`); not strict.
    Array(crate::array_ops::ArrayFn),
    /// The argument checked against a domain's constraints (by type OID).
    Domain(u32),
    /// A binary-coercible user cast (`CREATE CAST ... WITHOUT FUNCTION`):
    /// the argument's bytes read as the other type (`crate::base_types`).
    BinaryCoerce {
        from: SqlType,
        to: SqlType,
    },
    /// Row constructors and composite field access (`crate::composite`);
    /// not strict.
    Row(crate::composite::RowFn),
    /// make_date / make_timestamp[tz], age, to_char on date/time values
    /// (`crate::datetime_fns`; strict).
    DateTime(crate::datetime_fns::DtFn),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubqueryKind {
    Scalar,
    Exists,
    /// `lhs IN (subquery)`: the left operand is the first argument of the node.
    In,
    /// Column `column` of the single row of a multiple-column SET item's
    /// sub-SELECT (`SET (a, b) = (SELECT ...)`, PostgreSQL's MULTIEXPR):
    /// the item's target columns share one subquery id, so the executor
    /// runs it once per row for all of them.
    MultiAssign {
        column: usize,
    },
}

/// A typed expression over an input row.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Const(Datum, ColType),
    Column(usize, ColType),
    /// A column of an enclosing query's row; depth 1 is the nearest.
    Outer {
        depth: usize,
        index: usize,
        ty: ColType,
    },
    Param(usize, ColType),
    Cast {
        expr: Box<Expr>,
        from: SqlType,
        to: ColType,
        ctx: CastContext,
    },
    Neg(Box<Expr>, ColType),
    Not(Box<Expr>),
    /// Operands of comparisons already have a common type (`operand`).
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
        operand: SqlType,
        ty: ColType,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// `IS [NOT] TRUE/FALSE/UNKNOWN`; value None = UNKNOWN.
    IsBool {
        expr: Box<Expr>,
        value: Option<bool>,
        negated: bool,
    },
    IsDistinct {
        left: Box<Expr>,
        right: Box<Expr>,
        operand: SqlType,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        operand: SqlType,
        negated: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        operand_ty: SqlType,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
        ty: ColType,
    },
    Func {
        func: Func,
        args: Vec<Expr>,
        ty: ColType,
    },
    Subquery {
        id: usize,
        kind: SubqueryKind,
        plan: Arc<QueryPlan>,
        lhs: Option<Box<Expr>>,
        operand: SqlType,
        negated: bool,
        correlated: bool,
        ty: ColType,
    },
    /// A call of a user-defined function (`crate::routine`): run by the
    /// executor before the expression is evaluated, like a subquery, and
    /// read back by `id`.
    UserCall {
        id: usize,
        func: Arc<crate::routine::FunctionDef>,
        args: Vec<Expr>,
        ty: ColType,
    },
    /// The bytes stored for the relation whose oid `oid` yields
    /// (pg_relation_size and friends, `crate::relation_size`): the key
    /// ranges of each oid were fixed when bound, the bytes are summed by
    /// the executor when the statement runs, like a subquery's value, and
    /// read back by `id` (int8; NULL for an unknown oid).
    StoredBytes {
        id: usize,
        oid: Box<Expr>,
        ranges: Arc<crate::relation_size::RangesByOid>,
    },
}

impl Expr {
    pub fn ty(&self) -> ColType {
        match self {
            Expr::Const(_, t) | Expr::Column(_, t) | Expr::Param(_, t) => *t,
            Expr::Outer { ty, .. } => *ty,
            Expr::Cast { to, .. } => *to,
            Expr::Neg(_, t) => *t,
            Expr::Binary { ty, .. } | Expr::Case { ty, .. } | Expr::Func { ty, .. } => *ty,
            Expr::Subquery { ty, .. } | Expr::UserCall { ty, .. } => *ty,
            Expr::StoredBytes { .. } => SqlType::Int8.plain(),
            Expr::Not(_)
            | Expr::IsNull { .. }
            | Expr::IsBool { .. }
            | Expr::IsDistinct { .. }
            | Expr::Like { .. }
            | Expr::InList { .. } => SqlType::Bool.plain(),
        }
    }

    /// Calls `f` on every direct child expression (not into subquery plans).
    pub fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        match self {
            Expr::Const(..) | Expr::Column(..) | Expr::Outer { .. } | Expr::Param(..) => {}
            Expr::Cast { expr, .. } | Expr::Neg(expr, _) | Expr::Not(expr) => f(expr),
            Expr::IsNull { expr, .. } | Expr::IsBool { expr, .. } => f(expr),
            Expr::Binary { left, right, .. } | Expr::IsDistinct { left, right, .. } => {
                f(left);
                f(right)
            }
            Expr::Like { expr, pattern, .. } => {
                f(expr);
                f(pattern)
            }
            Expr::InList { expr, list, .. } => {
                f(expr);
                list.iter().for_each(&mut *f)
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                if let Some(o) = operand {
                    f(o)
                }
                for (w, t) in whens {
                    f(w);
                    f(t)
                }
                if let Some(o) = otherwise {
                    f(o)
                }
            }
            Expr::Func { args, .. } | Expr::UserCall { args, .. } => args.iter().for_each(f),
            Expr::StoredBytes { oid, .. } => f(oid),
            Expr::Subquery { lhs, .. } => {
                if let Some(l) = lhs {
                    f(l)
                }
            }
        }
    }

    /// Calls `f` on every direct child expression, mutably (not into subquery plans).
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match self {
            Expr::Const(..) | Expr::Column(..) | Expr::Outer { .. } | Expr::Param(..) => {}
            Expr::Cast { expr, .. } | Expr::Neg(expr, _) | Expr::Not(expr) => f(expr),
            Expr::IsNull { expr, .. } | Expr::IsBool { expr, .. } => f(expr),
            Expr::Binary { left, right, .. } | Expr::IsDistinct { left, right, .. } => {
                f(left);
                f(right)
            }
            Expr::Like { expr, pattern, .. } => {
                f(expr);
                f(pattern)
            }
            Expr::InList { expr, list, .. } => {
                f(expr);
                list.iter_mut().for_each(&mut *f)
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                if let Some(o) = operand {
                    f(o)
                }
                for (w, t) in whens {
                    f(w);
                    f(t)
                }
                if let Some(o) = otherwise {
                    f(o)
                }
            }
            Expr::Func { args, .. } | Expr::UserCall { args, .. } => args.iter_mut().for_each(f),
            Expr::StoredBytes { oid, .. } => f(oid),
            Expr::Subquery { lhs, .. } => {
                if let Some(l) = lhs {
                    f(l)
                }
            }
        }
    }

    /// Rewrites every `Column(i)` of this row (not inside subqueries) to `Column(m(i))`.
    pub fn map_columns(&mut self, m: &dyn Fn(usize) -> usize) {
        if let Expr::Column(i, _) = self {
            *i = m(*i);
            return;
        }
        self.for_each_child_mut(&mut |c| c.map_columns(m));
    }

    /// The operands of nested ANDs, leftmost first (`self` alone when it
    /// is no AND). A stack, not recursion: a long AND chain from a
    /// generated query cannot exhaust the thread's stack.
    pub fn conjuncts(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        let mut pending = vec![self];
        while let Some(e) = pending.pop() {
            match e {
                Expr::Binary {
                    op: BinOp::And,
                    left,
                    right,
                    ..
                } => {
                    pending.push(right);
                    pending.push(left);
                }
                other => out.push(other),
            }
        }
        out
    }

    /// The AND of `parts`, left-deep in their order (None for none): what
    /// `conjuncts` splits.
    pub fn conjunction(parts: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        parts.into_iter().reduce(|acc, part| Expr::Binary {
            op: BinOp::And,
            left: Box::new(acc),
            right: Box::new(part),
            operand: SqlType::Bool,
            ty: SqlType::Bool.plain(),
        })
    }

    pub fn has_subquery(&self) -> bool {
        if matches!(
            self,
            Expr::Subquery { .. } | Expr::UserCall { .. } | Expr::StoredBytes { .. }
        ) {
            return true;
        }
        let mut found = false;
        self.for_each_child(&mut |c| found = found || c.has_subquery());
        found
    }

    /// True if the expression reads no column of the current row (constants,
    /// parameters, outer references): usable as a key for an index lookup.
    pub fn is_row_independent(&self) -> bool {
        match self {
            Expr::Column(..)
            | Expr::Subquery { .. }
            | Expr::UserCall { .. }
            | Expr::StoredBytes { .. } => false,
            Expr::Func {
                func: Func::NextVal | Func::Sequence(_),
                ..
            } => false,
            _ => {
                let mut ok = true;
                self.for_each_child(&mut |c| ok = ok && c.is_row_independent());
                ok
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    BoolAnd,
    BoolOr,
    StringAgg,
    /// string_agg(bytea, bytea).
    ByteaStringAgg,
    VarSamp,
    VarPop,
    StddevSamp,
    StddevPop,
    ArrayAgg,
    /// json[b]_agg / json[b]_object_agg (`crate::json_build`).
    Json(crate::json_build::JsonAgg),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AggCall {
    pub func: AggFunc,
    pub args: Vec<Expr>,
    pub distinct: bool,
    pub ty: ColType,
    /// `FILTER (WHERE ...)`: only rows where this is true are aggregated.
    pub filter: Option<Expr>,
    /// `agg(x ORDER BY y)`: the order rows are fed in, over the input row.
    /// The binder sorts the aggregate's input by it (hash aggregation keeps
    /// each group's rows in input order).
    pub order_by: Vec<SortKey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

/// One equality of a hash join: `left` over the left row equals `right`
/// over the right row, compared as `ty` (whose key encoding is equal exactly
/// when the values are `=`).
#[derive(Clone, Debug, PartialEq)]
pub struct HashKey {
    pub left: Expr,
    pub right: Expr,
    pub ty: SqlType,
}

impl HashKey {
    /// True if values of type `side` compared as `operand` are `=` exactly
    /// when their key encodings (`encode_key_into` as `operand`) are equal.
    pub fn encodes_equality(operand: SqlType, side: SqlType) -> bool {
        use SqlType::*;
        let family = |t: SqlType| match t {
            Int2 | Int4 | Int8 => Some(Int8),
            Float4 | Float8 => Some(Float8),
            Text | Varchar | Name => Some(Text),
            Bool | Numeric | Bpchar | Date | Timestamp | TimestampTz | Bytea | Uuid | Interval
            | Time | Oid | InternalChar | Enum(_) | PgLsn | Money => Some(t),
            // bit(n) and bit varying(n) values compare alike.
            Bit | VarBit => Some(Bit),
            // Composite text keeps each field's text form (numeric scale).
            Unknown | Json | Jsonb | Array(_) | Int2Vector | Composite(_) | Record => None,
            // User base types: equality is whatever their operators say.
            Base(_) | Cstring => None,
            // Geometric equality (`~=`, box `=` by area) is fuzzy, not bytewise.
            Point | Lseg | GeoBox | Path | Polygon | Circle | Line => None,
        };
        match (family(operand), family(side)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub desc: bool,
    pub nulls_first: bool,
}

/// How a table scan reaches its rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    Full,
    /// Equality on every primary-key column: one `Store::get`.
    Point(Vec<Expr>),
    /// `key IN (...)` completing the primary key: one `Store::get` per distinct key, in key order.
    Points(Vec<Vec<Expr>>),
    /// Equality on a prefix of a secondary (unique or non-unique) index's columns.
    Index {
        index_id: u8,
        prefix: Vec<Expr>,
    },
    /// Equality on a primary-key prefix, optional bounds on the next column.
    Range {
        prefix: Vec<Expr>,
        lower: Option<(Expr, bool)>,
        upper: Option<(Expr, bool)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Literal rows; `SELECT` without FROM is one empty row.
    Values {
        rows: Vec<Vec<Expr>>,
        width: usize,
    },
    Scan {
        table: Arc<TableDef>,
        access: Access,
        filter: Option<Expr>,
        /// SELECT ... FOR UPDATE/SHARE: lock each returned row like a writer.
        lock: bool,
        /// Each row is followed by its version's `xmin` and `xmax`
        /// (`binder::system_columns`): the statement names one.
        row_versions: bool,
        /// The name the statement reads the rows by (its FROM alias; for a
        /// partition or inheritance child, its parent's) where that differs
        /// from the table's own: EXPLAIN shows it after the table.
        alias: Option<Arc<str>>,
    },
    Filter {
        input: Box<Plan>,
        predicate: Expr,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Expr>,
    },
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        on: Option<Expr>,
        left_width: usize,
        right_width: usize,
    },
    /// Inner equi-join planned from WHERE / ON conjuncts: a hash table over
    /// the right rows' key values, probed by each left row. NULL keys never
    /// match; a matching pair is kept if `residual` (over the joined row) is
    /// true. Rows come out left-major, like the nested loop.
    HashJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        keys: Vec<HashKey>,
        residual: Option<Expr>,
        left_width: usize,
        right_width: usize,
    },
    /// LATERAL: the right side runs once per left row, which it sees as its
    /// nearest outer row (`Expr::Outer { depth: 1 }`).
    LateralJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        left_outer: bool,
        on: Option<Expr>,
        right_width: usize,
    },
    /// Window functions: each output row is the input row followed by one
    /// value per call. Rows come out in the order of the last window.
    Window {
        input: Box<Plan>,
        calls: Vec<WindowCall>,
    },
    /// WITH RECURSIVE: the base rows, then the recursive term repeatedly over
    /// the rows of the previous round (`WorkTable { id }`) until none are new.
    RecursiveUnion {
        id: usize,
        all: bool,
        base: Box<Plan>,
        recursive: Box<Plan>,
    },
    /// The working table of the enclosing `RecursiveUnion` with this id.
    WorkTable {
        id: usize,
    },
    /// Set-returning functions of a SELECT list (PostgreSQL 10+ ProjectSet):
    /// per input row, every call's rows in lockstep, the shorter ones padded
    /// with NULL; each output row is the input row followed by one value per
    /// call. An input row for which every call returns no rows yields none.
    ProjectSet {
        input: Box<Plan>,
        calls: Vec<SrfCall>,
    },
    /// A user-defined function in FROM: `call` is its `Expr::UserCall`; its
    /// rows have `width` columns.
    UserFunction {
        call: Expr,
        width: usize,
    },
    /// `generate_series(start, stop [, step])` in FROM (int4 or int8): one column.
    Series {
        args: Vec<Expr>,
        ty: SqlType,
    },
    Aggregate {
        input: Box<Plan>,
        groups: Vec<Expr>,
        aggs: Vec<AggCall>,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    Distinct {
        input: Box<Plan>,
    },
    /// DISTINCT ON: keeps the first row (in input order) of each value of `columns`.
    DistinctOn {
        input: Box<Plan>,
        columns: Vec<usize>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// UNION / INTERSECT / EXCEPT; `all` keeps duplicates.
    SetOp {
        op: SetOpKind,
        all: bool,
        left: Box<Plan>,
        right: Box<Plan>,
        types: Vec<SqlType>,
    },
}

impl Plan {
    /// The row sources this node reads, left before right (none for a
    /// scan, VALUES or a function in FROM).
    pub fn inputs(&self) -> Vec<&Plan> {
        match self {
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Window { input, .. }
            | Plan::ProjectSet { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Distinct { input }
            | Plan::DistinctOn { input, .. }
            | Plan::Limit { input, .. } => vec![input],
            Plan::Join { left, right, .. }
            | Plan::HashJoin { left, right, .. }
            | Plan::LateralJoin { left, right, .. }
            | Plan::SetOp { left, right, .. } => vec![left, right],
            Plan::RecursiveUnion {
                base, recursive, ..
            } => vec![base, recursive],
            Plan::Values { .. }
            | Plan::Scan { .. }
            | Plan::WorkTable { .. }
            | Plan::UserFunction { .. }
            | Plan::Series { .. } => vec![],
        }
    }

    /// The inputs of a tree of UNION ALLs (a partitioned table's appended
    /// leaf scans), left to right; `self` alone when it is no UNION ALL. A
    /// stack, not recursion: thousands of partitions make a deep tree.
    pub fn union_all_inputs(&self) -> Vec<&Plan> {
        let mut out = Vec::new();
        let mut pending = vec![self];
        while let Some(p) = pending.pop() {
            match p {
                Plan::SetOp {
                    op: SetOpKind::Union,
                    all: true,
                    left,
                    right,
                    ..
                } => {
                    pending.push(right);
                    pending.push(left);
                }
                other => out.push(other),
            }
        }
        out
    }

    /// `inputs`, mutable.
    pub fn inputs_mut(&mut self) -> Vec<&mut Plan> {
        match self {
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Window { input, .. }
            | Plan::ProjectSet { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Distinct { input }
            | Plan::DistinctOn { input, .. }
            | Plan::Limit { input, .. } => vec![input],
            Plan::Join { left, right, .. }
            | Plan::HashJoin { left, right, .. }
            | Plan::LateralJoin { left, right, .. }
            | Plan::SetOp { left, right, .. } => vec![left, right],
            Plan::RecursiveUnion {
                base, recursive, ..
            } => vec![base, recursive],
            Plan::Values { .. }
            | Plan::Scan { .. }
            | Plan::WorkTable { .. }
            | Plan::UserFunction { .. }
            | Plan::Series { .. } => vec![],
        }
    }

    /// Set-returning `calls` over a single empty row (a function in FROM),
    /// projected through `exprs`.
    pub fn set_returning_calls(calls: Vec<SrfCall>, exprs: Vec<Expr>) -> Plan {
        Plan::Project {
            input: Box::new(Plan::ProjectSet {
                input: Box::new(Plan::Values {
                    rows: vec![vec![]],
                    width: 0,
                }),
                calls,
            }),
            exprs,
        }
    }
}

/// A set-returning function allowed in a SELECT list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SrfFunc {
    /// `unnest(array)`: the elements in order.
    Unnest,
    /// `generate_series(start, stop [, step])` over int4 or int8 (`SrfCall::ty`).
    GenerateSeries,
    /// `generate_subscripts(array, dim, reverse, from_zero)`: the valid
    /// subscripts (`from_zero` for an int2vector, bound from the type).
    GenerateSubscripts,
    /// WITH ORDINALITY of `unnest(a1, a2, ...)` in FROM: 1 up to the
    /// longest array's length (its arguments are the arrays).
    Ordinality,
    /// `information_schema._pg_expandarray(array, field)`: per element, the
    /// (x, n) record (field 0, see `pg_catalog::expanded_record`), the
    /// element (1) or its 1-based position (2).
    ExpandArray,
    /// `regexp_matches(string, pattern, flags)`: per match, a text[] of the
    /// capture groups (or of the whole match).
    RegexpMatches,
    /// `regexp_split_to_table(string, pattern, flags)`: the pieces.
    RegexpSplitToTable,
    /// `json[b]_array_elements[_text]`, `json[b]_object_keys` (`crate::json_srf`).
    Json(crate::json_srf::JsonSrf),
}

/// One set-returning call of a `Plan::ProjectSet`.
#[derive(Clone, Debug, PartialEq)]
pub struct SrfCall {
    pub func: SrfFunc,
    pub args: Vec<Expr>,
    pub ty: ColType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WinFunc {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// An aggregate over the frame (`args`/`filter` as in `AggCall`).
    Agg(AggFunc),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
    Groups,
}

/// A frame bound. For ROWS/GROUPS `Offset.offset` is the (int8) count; for
/// RANGE `Offset.bound` is the order key shifted by the offset, per row.
#[derive(Clone, Debug, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding { offset: Expr, bound: Option<Expr> },
    CurrentRow,
    Following { offset: Expr, bound: Option<Expr> },
    UnboundedFollowing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub units: FrameUnits,
    pub start: FrameBound,
    pub end: FrameBound,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WindowCall {
    pub func: WinFunc,
    pub args: Vec<Expr>,
    pub filter: Option<Expr>,
    pub partition: Vec<Expr>,
    pub order: Vec<SortKey>,
    pub frame: Frame,
    pub ty: ColType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutColumn {
    pub name: String,
    pub ty: ColType,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueryPlan {
    pub plan: Plan,
    pub columns: Vec<OutColumn>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(i: usize) -> Expr {
        Expr::Column(i, SqlType::Bool.plain())
    }

    fn and(left: Expr, right: Expr) -> Expr {
        Expr::conjunction([left, right]).expect("two parts")
    }

    #[test]
    fn conjuncts_flatten_nested_ands_leftmost_first() {
        let (a, b, c, d) = (flag(0), flag(1), flag(2), flag(3));
        let nested = and(and(a.clone(), and(b.clone(), c.clone())), d.clone());
        assert_eq!(nested.conjuncts(), [&a, &b, &c, &d]);
        assert_eq!(a.conjuncts(), [&a]);
    }

    fn union_all(left: Plan, right: Plan) -> Plan {
        Plan::SetOp {
            op: SetOpKind::Union,
            all: true,
            left: Box::new(left),
            right: Box::new(right),
            types: vec![],
        }
    }

    #[test]
    fn union_all_inputs_are_the_leaves_left_to_right() {
        let leaf = |id| Plan::WorkTable { id };
        let tree = union_all(union_all(leaf(0), union_all(leaf(1), leaf(2))), leaf(3));
        let ids: Vec<usize> = tree
            .union_all_inputs()
            .into_iter()
            .map(|p| match p {
                Plan::WorkTable { id } => *id,
                other => panic!("not a leaf: {other:?}"),
            })
            .collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        let distinct = Plan::Distinct {
            input: Box::new(tree),
        };
        assert_eq!(distinct.union_all_inputs(), [&distinct]);
        assert_eq!(distinct.inputs().len(), 1);
    }

    #[test]
    fn conjunction_is_left_deep_and_none_for_no_parts() {
        let (a, b, c) = (flag(0), flag(1), flag(2));
        let all = Expr::conjunction([a.clone(), b.clone(), c.clone()]);
        assert_eq!(all, Some(and(and(a.clone(), b.clone()), c.clone())));
        assert_eq!(all.as_ref().map(Expr::conjuncts), Some(vec![&a, &b, &c]));
        assert_eq!(Expr::conjunction(Vec::new()), None);
    }
}
