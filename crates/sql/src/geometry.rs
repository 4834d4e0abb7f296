//! PostgreSQL's geometric types — point, lseg, box, path, polygon, circle,
//! line — as one value type [`Geometry`]: text input exactly as geo_ops.c
//! reads it (`pair_decode`/`path_decode`, floats read like float8in with
//! their error messages), text output as PostgreSQL prints it (floats by
//! `float8out`, so `extra_float_digits` applies), a compact byte form for
//! rows and keys, and the point operators with PostgreSQL's fuzzy
//! comparisons (EPSILON = 1e-6, exact when a NaN is involved).

use crate::datum::format_float;
use crate::error::{SqlError, SqlResult};
use crate::types::SqlType;

/// PostgreSQL's EPSILON of the fuzzy geometric comparisons (geo_decls.h).
const EPSILON: f64 = 1.0e-06;

/// One point of the plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A value of one of the geometric types.
#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    Point(Point),
    /// A line segment between two points.
    Lseg([Point; 2]),
    /// A box by its upper-right then lower-left corner (normalized on input).
    Box([Point; 2]),
    /// An open (`[...]`) or closed (`(...)`) path of at least one point.
    Path {
        closed: bool,
        points: Vec<Point>,
    },
    Polygon(Vec<Point>),
    Circle {
        center: Point,
        radius: f64,
    },
    /// The line `a*x + b*y + c = 0`.
    Line {
        a: f64,
        b: f64,
        c: f64,
    },
}

/// Whether `ty` is one of the geometric types.
pub fn is_geometric(ty: SqlType) -> bool {
    matches!(
        ty,
        SqlType::Point
            | SqlType::Lseg
            | SqlType::GeoBox
            | SqlType::Path
            | SqlType::Polygon
            | SqlType::Circle
            | SqlType::Line
    )
}

impl Geometry {
    /// The SQL type of this value.
    pub fn sql_type(&self) -> SqlType {
        match self {
            Geometry::Point(_) => SqlType::Point,
            Geometry::Lseg(_) => SqlType::Lseg,
            Geometry::Box(_) => SqlType::GeoBox,
            Geometry::Path { .. } => SqlType::Path,
            Geometry::Polygon(_) => SqlType::Polygon,
            Geometry::Circle { .. } => SqlType::Circle,
            Geometry::Line { .. } => SqlType::Line,
        }
    }

    /// PostgreSQL's text output (`point_out`, `path_out`, ...).
    pub fn format(&self, extra_float_digits: i32) -> String {
        let f = |v: f64| format_float(v, false, extra_float_digits);
        let pt = |p: &Point| format!("({},{})", f(p.x), f(p.y));
        let list = |ps: &[Point]| ps.iter().map(pt).collect::<Vec<_>>().join(",");
        match self {
            Geometry::Point(p) => pt(p),
            Geometry::Lseg(ps) => format!("[{}]", list(ps)),
            Geometry::Box(ps) => list(ps),
            Geometry::Path { closed, points } => {
                let (open, close) = if *closed { ('(', ')') } else { ('[', ']') };
                format!("{open}{}{close}", list(points))
            }
            Geometry::Polygon(ps) => format!("({})", list(ps)),
            Geometry::Circle { center, radius } => format!("<{},{}>", pt(center), f(*radius)),
            Geometry::Line { a, b, c } => format!("{{{},{},{}}}", f(*a), f(*b), f(*c)),
        }
    }

    /// Text input of the geometric type `ty`.
    pub fn parse(text: &str, ty: SqlType) -> SqlResult<Geometry> {
        let mut p = Reader::new(text, ty);
        let g = match ty {
            SqlType::Point => Geometry::Point(p.lone_pair()?),
            SqlType::Lseg => {
                let ps = p.whole_path(Some(2), true)?.1;
                Geometry::Lseg([ps[0], ps[1]])
            }
            SqlType::GeoBox => {
                let ps = p.whole_path(Some(2), false)?.1;
                Geometry::Box(normalized_box(ps[0], ps[1]))
            }
            SqlType::Path => {
                let (open, points) = p.path_with_outer_paren()?;
                Geometry::Path {
                    closed: !open,
                    points,
                }
            }
            SqlType::Polygon => Geometry::Polygon(p.whole_path(None, false)?.1),
            SqlType::Circle => p.circle()?,
            SqlType::Line => p.line()?,
            other => return Err(SqlError::internal(format!("{other:?} is not geometric"))),
        };
        Ok(g)
    }

    /// The byte form kept in rows and keys: the kind, a count or flag, the floats.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let floats = |out: &mut Vec<u8>, vs: &[f64]| {
            for v in vs {
                out.extend_from_slice(&v.to_bits().to_be_bytes());
            }
        };
        let points = |out: &mut Vec<u8>, ps: &[Point]| {
            out.extend_from_slice(&(ps.len() as u32).to_be_bytes());
            for p in ps {
                out.extend_from_slice(&p.x.to_bits().to_be_bytes());
                out.extend_from_slice(&p.y.to_bits().to_be_bytes());
            }
        };
        match self {
            Geometry::Point(p) => {
                out.push(0);
                floats(&mut out, &[p.x, p.y]);
            }
            Geometry::Lseg(ps) => {
                out.push(1);
                points(&mut out, ps);
            }
            Geometry::Box(ps) => {
                out.push(2);
                points(&mut out, ps);
            }
            Geometry::Path { closed, points: ps } => {
                out.push(3);
                out.push(*closed as u8);
                points(&mut out, ps);
            }
            Geometry::Polygon(ps) => {
                out.push(4);
                points(&mut out, ps);
            }
            Geometry::Circle { center, radius } => {
                out.push(5);
                floats(&mut out, &[center.x, center.y, *radius]);
            }
            Geometry::Line { a, b, c } => {
                out.push(6);
                floats(&mut out, &[*a, *b, *c]);
            }
        }
        out
    }

    /// Reads a value written by [`Geometry::to_bytes`], advancing `input`.
    pub fn from_bytes(input: &mut &[u8]) -> Option<Geometry> {
        fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            if input.len() < n {
                return None;
            }
            let (head, rest) = input.split_at(n);
            *input = rest;
            Some(head)
        }
        fn float(input: &mut &[u8]) -> Option<f64> {
            let b: [u8; 8] = take(input, 8)?.try_into().ok()?;
            Some(f64::from_bits(u64::from_be_bytes(b)))
        }
        fn points(input: &mut &[u8]) -> Option<Vec<Point>> {
            let n: [u8; 4] = take(input, 4)?.try_into().ok()?;
            let n = u32::from_be_bytes(n) as usize;
            // Every point needs 16 bytes: a corrupt count cannot over-allocate.
            if n > input.len() / 16 {
                return None;
            }
            (0..n)
                .map(|_| {
                    Some(Point {
                        x: float(input)?,
                        y: float(input)?,
                    })
                })
                .collect()
        }
        let two = |ps: Vec<Point>| -> Option<[Point; 2]> { ps.try_into().ok() };
        Some(match take(input, 1)?[0] {
            0 => Geometry::Point(Point {
                x: float(input)?,
                y: float(input)?,
            }),
            1 => Geometry::Lseg(two(points(input)?)?),
            2 => Geometry::Box(two(points(input)?)?),
            3 => {
                let closed = take(input, 1)?[0] != 0;
                Geometry::Path {
                    closed,
                    points: points(input)?,
                }
            }
            4 => Geometry::Polygon(points(input)?),
            5 => Geometry::Circle {
                center: Point {
                    x: float(input)?,
                    y: float(input)?,
                },
                radius: float(input)?,
            },
            6 => Geometry::Line {
                a: float(input)?,
                b: float(input)?,
                c: float(input)?,
            },
            _ => return None,
        })
    }
}

/// A box keeps its upper-right corner first (`box_in`'s normalization).
fn normalized_box(a: Point, b: Point) -> [Point; 2] {
    [
        Point {
            x: a.x.max(b.x),
            y: a.y.max(b.y),
        },
        Point {
            x: a.x.min(b.x),
            y: a.y.min(b.y),
        },
    ]
}

/// C's isspace in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// A cursor over geometric text input; errors name the type and the whole input.
struct Reader<'a> {
    text: &'a str,
    s: &'a [u8],
    pos: usize,
    ty: SqlType,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, ty: SqlType) -> Self {
        Reader {
            text,
            s: text.as_bytes(),
            pos: 0,
            ty,
        }
    }

    fn invalid(&self) -> SqlError {
        SqlError::invalid_text(self.ty.display_name(), self.text)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> SqlResult<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.invalid())
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// float8in_internal with an end pointer: leading and trailing spaces,
    /// strtod's syntax (with inf/infinity/nan), out-of-range as PostgreSQL.
    fn float(&mut self) -> SqlResult<f64> {
        self.skip_spaces();
        let start = self.pos;
        let rest = &self.s[start..];
        let len = strtod_prefix_len(rest);
        if len == 0 {
            return Err(self.invalid());
        }
        let word = &self.text[start..start + len];
        self.pos += len;
        let lower = word.to_ascii_lowercase();
        let unsigned = lower.trim_start_matches(['+', '-']);
        let negative = lower.starts_with('-');
        let v = if unsigned.starts_with("inf") {
            if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else if unsigned.starts_with("nan") {
            f64::NAN
        } else {
            let v: f64 = word.parse().map_err(|_| self.invalid())?;
            let mantissa = lower.split('e').next().unwrap_or("");
            let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
            if v.is_infinite() || (v == 0.0 && nonzero) {
                return Err(SqlError::new(
                    "22003",
                    format!("\"{word}\" is out of range for type double precision"),
                ));
            }
            v
        };
        self.skip_spaces();
        Ok(v)
    }

    /// pair_decode: `x,y` or `(x,y)`, then spaces.
    fn pair(&mut self) -> SqlResult<Point> {
        self.skip_spaces();
        let parens = self.peek() == Some(b'(');
        if parens {
            self.pos += 1;
        }
        let x = self.float()?;
        self.expect(b',')?;
        let y = self.float()?;
        if parens {
            self.expect(b')')?;
        }
        self.skip_spaces();
        Ok(Point { x, y })
    }

    /// point_in: one pair and nothing after it.
    fn lone_pair(&mut self) -> SqlResult<Point> {
        let p = self.pair()?;
        if !self.at_end() {
            return Err(self.invalid());
        }
        Ok(p)
    }

    /// pair_count: an odd number of commas makes (commas + 1) / 2 pairs.
    fn pair_count(&self) -> Option<usize> {
        let commas = self.s[self.pos..].iter().filter(|b| **b == b',').count();
        (commas % 2 == 1).then_some(commas.div_ceil(2))
    }

    /// path_decode for `npts` pairs: returns whether the list was `[...]`.
    fn path_points(&mut self, npts: usize, open_allowed: bool) -> SqlResult<(bool, Vec<Point>)> {
        let mut depth = 0;
        self.skip_spaces();
        let open = self.peek() == Some(b'[');
        if open {
            if !open_allowed {
                return Err(self.invalid());
            }
            depth += 1;
            self.pos += 1;
        } else if self.peek() == Some(b'(') {
            let mut cp = self.pos + 1;
            while self.s.get(cp).copied().is_some_and(is_space) {
                cp += 1;
            }
            let last_paren = self.s.iter().rposition(|b| *b == b'(');
            if self.s.get(cp) == Some(&b'(') || last_paren == Some(self.pos) {
                depth += 1;
                self.pos = cp;
            }
        }
        let mut points = Vec::with_capacity(npts);
        for _ in 0..npts {
            points.push(self.pair()?);
            if self.peek() == Some(b',') {
                self.pos += 1;
            }
        }
        while depth > 0 {
            match self.peek() {
                Some(b')') => {}
                Some(b']') if open && depth == 1 => {}
                _ => return Err(self.invalid()),
            }
            depth -= 1;
            self.pos += 1;
            self.skip_spaces();
        }
        Ok((open, points))
    }

    /// A whole lseg, box or polygon: `n` pairs (or as many as the commas
    /// say) and nothing after them.
    fn whole_path(
        &mut self,
        n: Option<usize>,
        open_allowed: bool,
    ) -> SqlResult<(bool, Vec<Point>)> {
        let npts = match (n, self.pair_count()) {
            (Some(n), _) => n,
            (None, Some(c)) if c > 0 => c,
            _ => return Err(self.invalid()),
        };
        let r = self.path_points(npts, open_allowed)?;
        if !self.at_end() {
            return Err(self.invalid());
        }
        Ok(r)
    }

    /// path_in: a path may sit in one more pair of parentheses.
    fn path_with_outer_paren(&mut self) -> SqlResult<(bool, Vec<Point>)> {
        let npts = self
            .pair_count()
            .filter(|n| *n > 0)
            .ok_or_else(|| self.invalid())?;
        self.skip_spaces();
        let mut depth = 0;
        let last_paren = self.s.iter().rposition(|b| *b == b'(');
        if self.peek() == Some(b'(') && last_paren == Some(self.pos) {
            self.pos += 1;
            depth += 1;
        }
        let (open, points) = self.path_points(npts, true)?;
        if depth >= 1 {
            self.expect(b')')?;
            self.skip_spaces();
        }
        if !self.at_end() {
            return Err(self.invalid());
        }
        Ok((open, points))
    }

    /// circle_in: `<(x,y),r>`, `((x,y),r)`, `(x,y),r` or `x,y,r`.
    fn circle(&mut self) -> SqlResult<Geometry> {
        self.skip_spaces();
        let mut depth = 0;
        let mut outer = None;
        if matches!(self.peek(), Some(b'<' | b'(')) {
            let mut cp = self.pos + 1;
            while self.s.get(cp).copied().is_some_and(is_space) {
                cp += 1;
            }
            if self.s.get(cp) == Some(&b'(') || self.peek() == Some(b'<') {
                outer = self.peek();
                depth += 1;
                self.pos = cp;
            }
        }
        let center = self.pair()?;
        self.expect(b',')?;
        let radius = self.float()?;
        // Negative radii are rejected; NaN is allowed.
        if radius < 0.0 {
            return Err(self.invalid());
        }
        while depth > 0 {
            let close = if outer == Some(b'<') { b'>' } else { b')' };
            if self.peek() == Some(close) || (depth == 1 && self.peek() == Some(b')')) {
                depth -= 1;
                self.pos += 1;
                self.skip_spaces();
            } else {
                return Err(self.invalid());
            }
        }
        if !self.at_end() {
            return Err(self.invalid());
        }
        Ok(Geometry::Circle { center, radius })
    }

    /// line_in: `{A,B,C}` (A and B not both zero) or two distinct points.
    fn line(&mut self) -> SqlResult<Geometry> {
        self.skip_spaces();
        if self.peek() == Some(b'{') {
            self.pos += 1;
            let a = self.float()?;
            self.expect(b',')?;
            let b = self.float()?;
            self.expect(b',')?;
            let c = self.float()?;
            self.expect(b'}')?;
            self.skip_spaces();
            if !self.at_end() {
                return Err(self.invalid());
            }
            if a == 0.0 && b == 0.0 {
                return Err(SqlError::new(
                    "22P02",
                    "invalid line specification: A and B cannot both be zero",
                ));
            }
            return Ok(Geometry::Line { a, b, c });
        }
        let (_, ps) = self.whole_path(Some(2), true)?;
        let (p, q) = (ps[0], ps[1]);
        if p.x == q.x && p.y == q.y {
            return Err(SqlError::new(
                "22P02",
                "invalid line specification: must be two distinct points",
            ));
        }
        // line_construct through two points (geo_ops.c).
        Ok(if p.x == q.x {
            Geometry::Line {
                a: -1.0,
                b: 0.0,
                c: p.x,
            }
        } else if p.y == q.y {
            Geometry::Line {
                a: 0.0,
                b: -1.0,
                c: p.y,
            }
        } else {
            let m = (q.y - p.y) / (q.x - p.x);
            Geometry::Line {
                a: m,
                b: -1.0,
                c: p.y - m * p.x,
            }
        })
    }
}

/// Length of the longest prefix of `s` that C's strtod reads as a number:
/// `[+-]` then digits with an optional fraction and exponent, or
/// `inf`/`infinity`/`nan` in any case.
fn strtod_prefix_len(s: &[u8]) -> usize {
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let word =
        |w: &str| s.len() >= i + w.len() && s[i..i + w.len()].eq_ignore_ascii_case(w.as_bytes());
    if word("infinity") {
        return i + 8;
    }
    if word("inf") || word("nan") {
        return i + 3;
    }
    let digits_from = |mut j: usize| {
        while s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let int_end = digits_from(i);
    let mut end = int_end;
    let mut any_digits = int_end > i;
    if s.get(end) == Some(&b'.') {
        let frac_end = digits_from(end + 1);
        any_digits |= frac_end > end + 1;
        end = frac_end;
    }
    if !any_digits {
        return 0;
    }
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let mut j = end + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_end = digits_from(j);
        if exp_end > j {
            end = exp_end;
        }
    }
    end
}

/// FPeq: equal within EPSILON.
fn fp_eq(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= EPSILON
}

/// FPlt: less by more than EPSILON.
fn fp_lt(a: f64, b: f64) -> bool {
    a + EPSILON < b
}

/// float8_eq: NaN equals NaN.
fn float_eq(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// `point ~= point` (point_eq): fuzzy, but exact when a NaN is involved.
pub fn point_same(a: Point, b: Point) -> bool {
    if a.x.is_nan() || a.y.is_nan() || b.x.is_nan() || b.y.is_nan() {
        return float_eq(a.x, b.x) && float_eq(a.y, b.y);
    }
    fp_eq(a.x, b.x) && fp_eq(a.y, b.y)
}

/// `box ~= box` (both corners) and `circle ~= circle` (center and
/// radius, NaN radii alike); other pairs are not the same.
pub fn shapes_same(a: &Geometry, b: &Geometry) -> bool {
    match (a, b) {
        (Geometry::Box(p), Geometry::Box(q)) => point_same(p[0], q[0]) && point_same(p[1], q[1]),
        (
            Geometry::Circle {
                center: c1,
                radius: r1,
            },
            Geometry::Circle {
                center: c2,
                radius: r2,
            },
        ) => ((r1.is_nan() && r2.is_nan()) || fp_eq(*r1, *r2)) && point_same(*c1, *c2),
        _ => false,
    }
}

/// pg_hypot: the distance without needless overflow, Infinity before NaN.
pub fn hypot(x: f64, y: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    let (mut x, mut y) = (x.abs(), y.abs());
    if x < y {
        std::mem::swap(&mut x, &mut y);
    }
    if y == 0.0 {
        return x;
    }
    let yx = y / x;
    x * (1.0 + yx * yx).sqrt()
}

/// A boolean comparison of two points (the operators `<<`, `>>`, `<^`,
/// `>^`, `?|`, `?-`, `~=`, `<>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointTest {
    Left,
    Right,
    Below,
    Above,
    Vertical,
    Horizontal,
    Same,
    NotSame,
}

impl PointTest {
    pub fn holds(self, a: Point, b: Point) -> bool {
        match self {
            PointTest::Left => fp_lt(a.x, b.x),
            PointTest::Right => fp_lt(b.x, a.x),
            PointTest::Below => fp_lt(a.y, b.y),
            PointTest::Above => fp_lt(b.y, a.y),
            PointTest::Vertical => fp_eq(a.x, b.x),
            PointTest::Horizontal => fp_eq(a.y, b.y),
            PointTest::Same => point_same(a, b),
            PointTest::NotSame => !point_same(a, b),
        }
    }
}

/// float8 arithmetic's overflow check: infinite only from infinite inputs.
fn checked(v: f64, inputs_infinite: bool) -> SqlResult<f64> {
    if v.is_infinite() && !inputs_infinite {
        return Err(SqlError::new("22003", "value out of range: overflow"));
    }
    Ok(v)
}

fn add(a: f64, b: f64) -> SqlResult<f64> {
    checked(a + b, a.is_infinite() || b.is_infinite())
}

fn sub(a: f64, b: f64) -> SqlResult<f64> {
    checked(a - b, a.is_infinite() || b.is_infinite())
}

fn mul(a: f64, b: f64) -> SqlResult<f64> {
    let v = checked(a * b, a.is_infinite() || b.is_infinite())?;
    if v == 0.0 && a != 0.0 && b != 0.0 {
        return Err(SqlError::new("22003", "value out of range: underflow"));
    }
    Ok(v)
}

fn div(a: f64, b: f64) -> SqlResult<f64> {
    if b == 0.0 && !b.is_nan() {
        return Err(SqlError::division_by_zero());
    }
    let v = checked(a / b, a.is_infinite())?;
    if v == 0.0 && a != 0.0 && !b.is_infinite() {
        return Err(SqlError::new("22003", "value out of range: underflow"));
    }
    Ok(v)
}

/// Point arithmetic: `+` and `-` by coordinates, `*` and `/` as complex numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointArith {
    Add,
    Sub,
    Mul,
    Div,
}

impl PointArith {
    pub fn apply(self, a: Point, b: Point) -> SqlResult<Point> {
        Ok(match self {
            PointArith::Add => Point {
                x: add(a.x, b.x)?,
                y: add(a.y, b.y)?,
            },
            PointArith::Sub => Point {
                x: sub(a.x, b.x)?,
                y: sub(a.y, b.y)?,
            },
            PointArith::Mul => Point {
                x: sub(mul(a.x, b.x)?, mul(a.y, b.y)?)?,
                y: add(mul(a.x, b.y)?, mul(a.y, b.x)?)?,
            },
            PointArith::Div => {
                let d = add(mul(b.x, b.x)?, mul(b.y, b.y)?)?;
                Point {
                    x: div(add(mul(a.x, b.x)?, mul(a.y, b.y)?)?, d)?,
                    y: div(sub(mul(a.y, b.x)?, mul(a.x, b.y)?)?, d)?,
                }
            }
        })
    }
}

/// The total length of a path (closed paths include the closing segment).
pub fn path_length(closed: bool, points: &[Point]) -> f64 {
    let mut total = 0.0;
    for i in 0..points.len() {
        let j = if i + 1 < points.len() {
            i + 1
        } else if closed {
            0
        } else {
            break;
        };
        total += hypot(points[i].x - points[j].x, points[i].y - points[j].y);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn out(text: &str, ty: SqlType) -> String {
        Geometry::parse(text, ty).unwrap().format(1)
    }

    fn err(text: &str, ty: SqlType) -> String {
        Geometry::parse(text, ty).unwrap_err().message
    }

    #[test]
    fn points_read_and_print_as_postgres() {
        let p = SqlType::Point;
        assert_eq!(out("(0.0,0.0)", p), "(0,0)");
        assert_eq!(out("(5.1, 34.5)", p), "(5.1,34.5)");
        assert_eq!(out("(1e-300,-1e-300)", p), "(1e-300,-1e-300)");
        assert_eq!(out("(1e+300,Inf)", p), "(1e+300,Infinity)");
        assert_eq!(out(" ( Nan , NaN ) ", p), "(NaN,NaN)");
        assert_eq!(out("10.0,10.0", p), "(10,10)");
        assert_eq!(out("(1,-0)", p), "(1,-0)");
        assert_eq!(out("(0.1,1e20)", p), "(0.1,1e+20)");
        assert_eq!(
            err("(1,2", p),
            "invalid input syntax for type point: \"(1,2\""
        );
        assert_eq!(err("-0", p), "invalid input syntax for type point: \"-0\"");
        assert_eq!(
            err("(a,2)", p),
            "invalid input syntax for type point: \"(a,2)\""
        );
        assert_eq!(
            err("(1e400,2)", p),
            "\"1e400\" is out of range for type double precision"
        );
        assert_eq!(
            Geometry::parse("(0.1,1e20)", p).unwrap().format(0),
            "(0.1,1e+20)"
        );
    }

    #[test]
    fn paths_keep_open_and_closed_forms() {
        let t = SqlType::Path;
        assert_eq!(out("[(1,2),(3,4)]", t), "[(1,2),(3,4)]");
        assert_eq!(out("((1,2),(3,4))", t), "((1,2),(3,4))");
        assert_eq!(out("(1,2),(3,4)", t), "((1,2),(3,4))");
        assert_eq!(out("(1,2,3,4)", t), "((1,2),(3,4))");
        assert_eq!(out("1,2,3,4", t), "((1,2),(3,4))");
        assert_eq!(out("[1,2,3,4]", t), "[(1,2),(3,4)]");
        assert_eq!(out("[(1,2)]", t), "[(1,2)]");
        assert_eq!(
            err("[(1,2),(3,4)", t),
            "invalid input syntax for type path: \"[(1,2),(3,4)\""
        );
        assert_eq!(err("", t), "invalid input syntax for type path: \"\"");
    }

    #[test]
    fn other_shapes_read_and_print_as_postgres() {
        assert_eq!(out("(0,0),(1,1)", SqlType::GeoBox), "(1,1),(0,0)");
        assert_eq!(out("((3,4),(1,2))", SqlType::GeoBox), "(3,4),(1,2)");
        assert!(Geometry::parse("[(1,2),(3,4)]", SqlType::GeoBox).is_err());
        assert_eq!(out("[(1,2),(3,4)]", SqlType::Lseg), "[(1,2),(3,4)]");
        assert_eq!(out("(1,2),(3,4)", SqlType::Lseg), "[(1,2),(3,4)]");
        assert_eq!(
            out("((1,2),(3,4),(5,6))", SqlType::Polygon),
            "((1,2),(3,4),(5,6))"
        );
        assert_eq!(out("1,2,3,4", SqlType::Polygon), "((1,2),(3,4))");
        assert!(Geometry::parse("[(1,2),(3,4)]", SqlType::Polygon).is_err());
        for c in ["<(1,2),3>", "((1,2),3)", "1,2,3", "(1,2),3"] {
            assert_eq!(out(c, SqlType::Circle), "<(1,2),3>", "{c}");
        }
        assert!(Geometry::parse("<(1,2),-3>", SqlType::Circle).is_err());
        assert_eq!(out("{1,2,3}", SqlType::Line), "{1,2,3}");
        assert_eq!(out("[(0,0),(1,1)]", SqlType::Line), "{1,-1,0}");
    }

    #[test]
    fn point_operators_are_fuzzy_like_postgres() {
        let p = |x, y| Point { x, y };
        assert!(PointTest::Same.holds(p(1.0, 1.0), p(1.0 + 1e-7, 1.0)));
        assert!(!PointTest::Same.holds(p(1.0, 1.0), p(1.0 + 1e-5, 1.0)));
        assert!(PointTest::Same.holds(p(f64::NAN, 1.0), p(f64::NAN, 1.0)));
        assert!(PointTest::Left.holds(p(0.0, 0.0), p(1.0, 0.0)));
        assert!(!PointTest::Left.holds(p(0.0, 0.0), p(1e-7, 0.0)));
        assert!(PointTest::Above.holds(p(0.0, 2.0), p(0.0, 1.0)));
        assert_eq!(hypot(3.0, 4.0), 5.0);
        let shape = |t: &str, ty| Geometry::parse(t, ty).unwrap();
        let b = shape("(0,0),(1,1)", SqlType::GeoBox);
        assert!(shapes_same(
            &b,
            &shape("(1,1),(0,0.0000001)", SqlType::GeoBox)
        ));
        assert!(!shapes_same(&b, &shape("(1,1),(0,0.1)", SqlType::GeoBox)));
        let c = shape("<(1,2),3>", SqlType::Circle);
        assert!(shapes_same(
            &c,
            &shape("((1,2),3.0000001)", SqlType::Circle)
        ));
        assert!(!shapes_same(&c, &b));
        assert_eq!(hypot(f64::NAN, f64::INFINITY), f64::INFINITY);
        let prod = PointArith::Mul.apply(p(1.0, 2.0), p(3.0, 4.0)).unwrap();
        assert_eq!(prod, p(-5.0, 10.0));
        let q = PointArith::Div.apply(prod, p(3.0, 4.0)).unwrap();
        assert_eq!(q, p(1.0, 2.0));
        assert_eq!(
            PointArith::Div
                .apply(p(1.0, 1.0), p(0.0, 0.0))
                .unwrap_err()
                .sqlstate,
            "22012"
        );
        assert_eq!(
            PointArith::Add
                .apply(p(1e308, 0.0), p(1e308, 0.0))
                .unwrap_err()
                .sqlstate,
            "22003"
        );
        assert_eq!(path_length(false, &[p(0.0, 0.0), p(3.0, 4.0)]), 5.0);
        assert_eq!(path_length(true, &[p(0.0, 0.0), p(3.0, 4.0)]), 10.0);
    }

    fn finite() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("finite", |v| v.is_finite()),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
            (-1000i32..1000).prop_map(|v| v as f64 / 8.0),
        ]
    }

    fn points() -> impl Strategy<Value = Vec<Point>> {
        prop::collection::vec((finite(), finite()).prop_map(|(x, y)| Point { x, y }), 1..6)
    }

    fn same(a: &Geometry, b: &Geometry) -> bool {
        a.to_bytes() == b.to_bytes()
    }

    proptest! {
        #[test]
        fn point_text_round_trips(x in finite(), y in finite()) {
            let g = Geometry::Point(Point { x, y });
            let back = Geometry::parse(&g.format(1), SqlType::Point).unwrap();
            prop_assert!(same(&g, &back), "{g:?} -> {back:?}");
        }

        #[test]
        fn path_text_round_trips(closed: bool, points in points()) {
            let g = Geometry::Path { closed, points };
            let back = Geometry::parse(&g.format(1), SqlType::Path).unwrap();
            prop_assert!(same(&g, &back), "{g:?} -> {back:?}");
            let mut bytes = g.to_bytes();
            bytes.push(7);
            let mut input = bytes.as_slice();
            let decoded = Geometry::from_bytes(&mut input).unwrap();
            prop_assert!(same(&g, &decoded));
            prop_assert_eq!(input, &[7u8][..]);
        }

        #[test]
        fn shapes_text_round_trip(points in points(), r in 0.0f64..1e9) {
            let shapes = [
                (Geometry::Polygon(points.clone()), SqlType::Polygon),
                (Geometry::Lseg([points[0], points[points.len() - 1]]), SqlType::Lseg),
                (Geometry::Circle { center: points[0], radius: r }, SqlType::Circle),
            ];
            for (g, ty) in shapes {
                let back = Geometry::parse(&g.format(1), ty).unwrap();
                prop_assert!(same(&g, &back), "{g:?} -> {back:?}");
            }
        }
    }
}
