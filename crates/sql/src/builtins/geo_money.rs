//! Evaluation of the geometric and money operators and functions the binder
//! picks (`binder/geo_money_ops.rs`): point tests, distance and arithmetic,
//! path functions, money arithmetic.

use crate::datum::Datum;
use crate::error::{SqlError, SqlResult};
use crate::geometry::{self, Geometry, Point, PointArith, PointTest};

/// A geometric operator or function with fixed argument types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoFn {
    /// point OP point -> bool (`~=`, `<<`, `>>`, `<^`, `>^`, `?|`, `?-`, `<>`).
    PointTest(PointTest),
    /// point OP point -> point (`+`, `-`, `*`, `/`).
    PointArith(PointArith),
    /// point <-> point -> float8.
    PointDistance,
    /// point(float8, float8).
    MakePoint,
    /// npoints(path) and `# path`.
    PathPoints,
    /// length(path) and `@-@ path`.
    PathLength,
    /// isopen(path), isclosed(path).
    PathIsOpen,
    PathIsClosed,
    /// popen(path), pclose(path).
    PathOpen,
    PathClose,
    /// box ~= box, circle ~= circle.
    ShapeSame,
    /// point[i] (a coordinate), lseg[i] and box[i] (a point); NULL out of 0..=1.
    Subscript,
}

/// A money operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyFn {
    Add,
    Sub,
    /// money * integer, integer * money (the money argument first).
    MulInt,
    /// money * float, float * money (the money argument first).
    MulFloat,
    DivInt,
    DivFloat,
    /// money / money -> float8.
    DivMoney,
}

fn point(d: &Datum) -> SqlResult<Point> {
    match d {
        Datum::Geo(g) => match g.as_ref() {
            Geometry::Point(p) => Ok(*p),
            _ => Err(SqlError::internal("point argument expected")),
        },
        _ => Err(SqlError::internal("point argument expected")),
    }
}

fn path(d: &Datum) -> SqlResult<(bool, &[Point])> {
    match d {
        Datum::Geo(g) => match g.as_ref() {
            Geometry::Path { closed, points } => Ok((*closed, points)),
            _ => Err(SqlError::internal("path argument expected")),
        },
        _ => Err(SqlError::internal("path argument expected")),
    }
}

fn float(d: &Datum) -> SqlResult<f64> {
    d.as_f64()
        .ok_or_else(|| SqlError::internal("float argument expected"))
}

fn cents(d: &Datum) -> SqlResult<i64> {
    match d {
        Datum::Money(c) => Ok(*c),
        _ => Err(SqlError::internal("money argument expected")),
    }
}

fn geo(g: Geometry) -> Datum {
    Datum::Geo(Box::new(g))
}

/// Evaluates a geometric function on non-null arguments.
pub fn call_geo(f: GeoFn, args: &[Datum]) -> SqlResult<Datum> {
    Ok(match f {
        GeoFn::PointTest(t) => Datum::Bool(t.holds(point(&args[0])?, point(&args[1])?)),
        GeoFn::PointArith(op) => geo(Geometry::Point(
            op.apply(point(&args[0])?, point(&args[1])?)?,
        )),
        GeoFn::PointDistance => {
            let (a, b) = (point(&args[0])?, point(&args[1])?);
            Datum::Float8(geometry::hypot(a.x - b.x, a.y - b.y))
        }
        GeoFn::MakePoint => geo(Geometry::Point(Point {
            x: float(&args[0])?,
            y: float(&args[1])?,
        })),
        GeoFn::PathPoints => Datum::Int4(path(&args[0])?.1.len() as i32),
        GeoFn::PathLength => {
            let (closed, points) = path(&args[0])?;
            Datum::Float8(geometry::path_length(closed, points))
        }
        GeoFn::PathIsOpen => Datum::Bool(!path(&args[0])?.0),
        GeoFn::PathIsClosed => Datum::Bool(path(&args[0])?.0),
        GeoFn::ShapeSame => match (&args[0], &args[1]) {
            (Datum::Geo(a), Datum::Geo(b)) => Datum::Bool(geometry::shapes_same(a, b)),
            _ => return Err(SqlError::internal("geometric arguments expected")),
        },
        GeoFn::Subscript => {
            let i = args[1].as_i64().unwrap_or(-1);
            let Ok(i) = usize::try_from(i) else {
                return Ok(Datum::Null);
            };
            match (&args[0], i) {
                (_, 2..) => Datum::Null,
                (Datum::Geo(g), _) => match g.as_ref() {
                    Geometry::Point(p) => Datum::Float8(if i == 0 { p.x } else { p.y }),
                    Geometry::Lseg(ps) | Geometry::Box(ps) => geo(Geometry::Point(ps[i])),
                    _ => return Err(SqlError::internal("subscript of a geometric value")),
                },
                _ => return Err(SqlError::internal("subscript of a geometric value")),
            }
        }
        GeoFn::PathOpen | GeoFn::PathClose => geo(Geometry::Path {
            closed: f == GeoFn::PathClose,
            points: path(&args[0])?.1.to_vec(),
        }),
    })
}

/// Evaluates a money operator on non-null arguments.
pub fn call_money(f: MoneyFn, args: &[Datum]) -> SqlResult<Datum> {
    let a = cents(&args[0])?;
    let int = |d: &Datum| {
        d.as_i64()
            .ok_or_else(|| SqlError::internal("integer argument expected"))
    };
    Ok(match f {
        MoneyFn::Add => Datum::Money(crate::money::add(a, cents(&args[1])?)?),
        MoneyFn::Sub => Datum::Money(crate::money::sub(a, cents(&args[1])?)?),
        MoneyFn::MulInt => Datum::Money(crate::money::mul_int(a, int(&args[1])?)?),
        MoneyFn::MulFloat => Datum::Money(crate::money::mul_float(a, float(&args[1])?)?),
        MoneyFn::DivInt => Datum::Money(crate::money::div_int(a, int(&args[1])?)?),
        MoneyFn::DivFloat => Datum::Money(crate::money::div_float(a, float(&args[1])?)?),
        MoneyFn::DivMoney => Datum::Float8(crate::money::div_money(a, cents(&args[1])?)?),
    })
}
