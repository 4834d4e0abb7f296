//! Array functions and operators on one-dimensional arrays (lower bound 1):
//! `||` (array_cat/array_append/array_prepend), slices `a[l:u]`,
//! array_lower/upper/dims/ndims, array_position(s), array_remove,
//! array_replace, trim_array, and the containment operators `@>`, `<@`,
//! `&&`. The binder (`binder/array_ops.rs`) picks an `ArrayFn` and coerces
//! the arguments to one element type; `call` evaluates it.

use std::cmp::Ordering;

use crate::datum::{compare, Datum};
use crate::error::{SqlError, SqlResult};
use crate::types::SqlType;

/// One array function with its arguments already coerced by the binder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayFn {
    /// array || array, array_cat.
    Cat,
    /// array || element, array_append.
    Append,
    /// element || array, array_prepend(element, array).
    Prepend,
    /// array[lo:hi] (omitted bounds are bound as 1 and i32::MAX).
    Slice,
    /// array_lower(array, dim), array_upper(array, dim).
    Lower,
    Upper,
    Dims,
    Ndims,
    /// array_position(array, x [, start]).
    Position,
    Positions,
    Remove,
    Replace,
    TrimArray,
    /// `a[i] = v` in UPDATE SET (`crate::array_assign`): args array, i, v.
    AssignElement,
    /// `a[lo:hi] = v`: args array, lo, hi (NULL: omitted), source array.
    AssignSlice,
    /// `text ~ ANY/ALL (text[])` and the `~*`, `!~`, `!~*` forms.
    RegexAnyAll {
        ci: bool,
        negated: bool,
        all: bool,
    },
    /// array @> array, array <@ array, array && array.
    Contains,
    ContainedBy,
    Overlap,
}

fn items(d: &Datum) -> Option<&[Datum]> {
    match d {
        Datum::Array(v) => Some(v),
        _ => None,
    }
}

fn int(d: &Datum) -> Option<i64> {
    d.as_i64()
}

/// IS NOT DISTINCT FROM on elements (array_position/remove/replace search
/// for NULL too).
fn same(a: &Datum, b: &Datum, elem: SqlType) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => true,
        (false, false) => compare(a, b, elem) == Ordering::Equal,
        _ => false,
    }
}

/// `a @> b`: every element of b equals some element of a (NULLs match nothing).
fn contains(a: &[Datum], b: &[Datum], elem: SqlType) -> bool {
    b.iter().all(|x| {
        !x.is_null()
            && a.iter()
                .any(|y| !y.is_null() && compare(x, y, elem) == Ordering::Equal)
    })
}

/// The element type of the first array among a call's arguments (Unknown
/// if none is an array), which `call` compares elements as.
pub fn elem_type(args: &[crate::plan::Expr]) -> SqlType {
    args.iter()
        .find_map(|a| match a.ty().ty {
            SqlType::Array(e) => Some(e.ty()),
            _ => None,
        })
        .unwrap_or(SqlType::Unknown)
}

/// Evaluates `f`; `elem` is the element type the binder settled on.
pub fn call(f: ArrayFn, args: &[Datum], elem: SqlType) -> SqlResult<Datum> {
    let arg = |i: usize| args.get(i).unwrap_or(&Datum::Null);
    Ok(match f {
        // Not strict: a NULL array acts as an empty one.
        ArrayFn::Cat => match (items(arg(0)), items(arg(1))) {
            (None, None) => Datum::Null,
            (Some(a), None) => Datum::Array(a.to_vec()),
            (None, Some(b)) => Datum::Array(b.to_vec()),
            (Some(a), Some(b)) => Datum::Array(a.iter().chain(b).cloned().collect()),
        },
        ArrayFn::Append => {
            let mut v = items(arg(0)).map(<[Datum]>::to_vec).unwrap_or_default();
            v.push(arg(1).clone());
            Datum::Array(v)
        }
        ArrayFn::Prepend => {
            let mut v = vec![arg(0).clone()];
            v.extend(items(arg(1)).unwrap_or_default().iter().cloned());
            Datum::Array(v)
        }
        ArrayFn::Slice => {
            let (Some(a), Some(lo), Some(hi)) = (items(arg(0)), int(arg(1)), int(arg(2))) else {
                return Ok(Datum::Null);
            };
            let lo = lo.max(1);
            let hi = hi.min(a.len() as i64);
            if lo > hi {
                Datum::Array(vec![])
            } else {
                Datum::Array(a[(lo - 1) as usize..hi as usize].to_vec())
            }
        }
        ArrayFn::Lower | ArrayFn::Upper => match (items(arg(0)), int(arg(1))) {
            (Some(a), Some(1)) if !a.is_empty() => Datum::Int4(if f == ArrayFn::Lower {
                1
            } else {
                a.len() as i32
            }),
            _ => Datum::Null,
        },
        ArrayFn::Dims => match items(arg(0)) {
            Some(a) if !a.is_empty() => Datum::Text(format!("[1:{}]", a.len())),
            _ => Datum::Null,
        },
        ArrayFn::Ndims => match items(arg(0)) {
            Some(a) if !a.is_empty() => Datum::Int4(1),
            _ => Datum::Null,
        },
        ArrayFn::Position => {
            let Some(a) = items(arg(0)) else {
                return Ok(Datum::Null);
            };
            let start = match args.get(2) {
                None => 1,
                Some(d) => match int(d) {
                    Some(s) => s,
                    None => {
                        return Err(SqlError::new("22004", "initial position must not be null"))
                    }
                },
            };
            let from = (start.max(1) - 1) as usize;
            a.iter()
                .enumerate()
                .skip(from)
                .find(|(_, x)| same(x, arg(1), elem))
                .map_or(Datum::Null, |(i, _)| Datum::Int4(i as i32 + 1))
        }
        ArrayFn::Positions => {
            let Some(a) = items(arg(0)) else {
                return Ok(Datum::Null);
            };
            Datum::Array(
                a.iter()
                    .enumerate()
                    .filter(|(_, x)| same(x, arg(1), elem))
                    .map(|(i, _)| Datum::Int4(i as i32 + 1))
                    .collect(),
            )
        }
        ArrayFn::Remove => match items(arg(0)) {
            None => Datum::Null,
            Some(a) => Datum::Array(
                a.iter()
                    .filter(|x| !same(x, arg(1), elem))
                    .cloned()
                    .collect(),
            ),
        },
        ArrayFn::Replace => match items(arg(0)) {
            None => Datum::Null,
            Some(a) => Datum::Array(
                a.iter()
                    .map(|x| {
                        if same(x, arg(1), elem) {
                            arg(2).clone()
                        } else {
                            x.clone()
                        }
                    })
                    .collect(),
            ),
        },
        ArrayFn::TrimArray => {
            let (Some(a), Some(n)) = (items(arg(0)), int(arg(1))) else {
                return Ok(Datum::Null);
            };
            if n < 0 || n > a.len() as i64 {
                return Err(SqlError::new(
                    "2202E",
                    "number of elements to trim must be between 0 and ".to_string()
                        + &a.len().to_string(),
                ));
            }
            Datum::Array(a[..a.len() - n as usize].to_vec())
        }
        ArrayFn::RegexAnyAll { ci, negated, all } => {
            let Some(a) = items(arg(1)) else {
                return Ok(Datum::Null);
            };
            let op = crate::pg_catalog::SysFn::Regex { ci, negated };
            let mut saw_null = false;
            for x in a {
                match crate::pg_catalog::call(op, &[arg(0).clone(), x.clone()], None)? {
                    Datum::Bool(hit) if hit != all => return Ok(Datum::Bool(!all)),
                    Datum::Bool(_) => {}
                    _ => saw_null = true,
                }
            }
            if saw_null {
                Datum::Null
            } else {
                Datum::Bool(all)
            }
        }
        ArrayFn::AssignElement => assign_element(arg(0), arg(1), arg(2))?,
        ArrayFn::AssignSlice => assign_slice(arg(0), arg(1), arg(2), arg(3))?,
        ArrayFn::Contains | ArrayFn::ContainedBy | ArrayFn::Overlap => {
            let (Some(a), Some(b)) = (items(arg(0)), items(arg(1))) else {
                return Ok(Datum::Null);
            };
            Datum::Bool(match f {
                ArrayFn::Contains => contains(a, b, elem),
                ArrayFn::ContainedBy => contains(b, a, elem),
                _ => a.iter().any(|x| {
                    !x.is_null()
                        && b.iter()
                            .any(|y| !y.is_null() && compare(x, y, elem) == Ordering::Equal)
                }),
            })
        }
    })
}

/// Highest subscript an assignment may extend an array to (the NULL fill is
/// materialised; PostgreSQL's own limit is 134217727 elements).
const MAX_ASSIGNED_INDEX: i64 = 1 << 24;

fn lower_bound_unsupported() -> SqlError {
    SqlError::unsupported("arrays with a lower bound other than 1")
}

fn subscript_null() -> SqlError {
    SqlError::new("22004", "array subscript in assignment must not be null")
}

/// `a[i] = v`: a NULL array starts empty; positions past the end are
/// filled with NULLs, as PostgreSQL does.
fn assign_element(array: &Datum, index: &Datum, value: &Datum) -> SqlResult<Datum> {
    let i = int(index).ok_or_else(subscript_null)?;
    let mut v = items(array).map(<[Datum]>::to_vec).unwrap_or_default();
    if i < 1 || (v.is_empty() && i > 1) {
        return Err(lower_bound_unsupported());
    }
    if i > MAX_ASSIGNED_INDEX {
        return Err(SqlError::new(
            "54000",
            "array size exceeds the maximum allowed",
        ));
    }
    let i = i as usize;
    if v.len() < i {
        v.resize(i, Datum::Null);
    }
    v[i - 1] = value.clone();
    Ok(Datum::Array(v))
}

/// `a[lo:hi] = src`: the first hi-lo+1 elements of `src` replace the slice.
fn assign_slice(array: &Datum, lo: &Datum, hi: &Datum, src: &Datum) -> SqlResult<Datum> {
    let mut v = items(array).map(<[Datum]>::to_vec).unwrap_or_default();
    let Some(src) = items(src) else {
        // PostgreSQL leaves the array unchanged when the source is NULL.
        return Ok(array.clone());
    };
    let lo = if lo.is_null() {
        1
    } else {
        int(lo).ok_or_else(subscript_null)?
    };
    let hi = if hi.is_null() {
        v.len() as i64
    } else {
        int(hi).ok_or_else(subscript_null)?
    };
    if lo < 1 || (v.is_empty() && lo > 1) {
        return Err(lower_bound_unsupported());
    }
    if hi > MAX_ASSIGNED_INDEX {
        return Err(SqlError::new(
            "54000",
            "array size exceeds the maximum allowed",
        ));
    }
    if hi < lo {
        return Ok(Datum::Array(v));
    }
    let n = (hi - lo + 1) as usize;
    if src.len() < n {
        return Err(SqlError::new("2202E", "source array too small"));
    }
    if v.len() < hi as usize {
        v.resize(hi as usize, Datum::Null);
    }
    v[(lo - 1) as usize..hi as usize].clone_from_slice(&src[..n]);
    Ok(Datum::Array(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(v: &[i32]) -> Datum {
        Datum::Array(v.iter().map(|x| Datum::Int4(*x)).collect())
    }

    #[test]
    fn element_and_slice_assignment() {
        let a = arr(&[1, 2, 3]);
        assert_eq!(
            assign_element(&a, &Datum::Int4(5), &Datum::Int4(9)).unwrap(),
            Datum::Array(vec![
                Datum::Int4(1),
                Datum::Int4(2),
                Datum::Int4(3),
                Datum::Null,
                Datum::Int4(9)
            ])
        );
        assert_eq!(
            assign_element(&Datum::Null, &Datum::Int4(1), &Datum::Int4(7)).unwrap(),
            arr(&[7])
        );
        assert!(assign_element(&a, &Datum::Int4(0), &Datum::Int4(1)).is_err());
        assert_eq!(
            assign_slice(&a, &Datum::Int4(2), &Datum::Int4(3), &arr(&[8, 8, 8])).unwrap(),
            arr(&[1, 8, 8])
        );
        assert_eq!(
            assign_slice(&a, &Datum::Int4(1), &Datum::Int4(2), &arr(&[9]))
                .unwrap_err()
                .sqlstate,
            "2202E"
        );
    }

    #[test]
    fn concat_slice_and_search_follow_postgres() {
        let i4 = SqlType::Int4;
        assert_eq!(
            call(ArrayFn::Cat, &[arr(&[1, 2]), arr(&[3])], i4).unwrap(),
            arr(&[1, 2, 3])
        );
        assert_eq!(
            call(ArrayFn::Cat, &[Datum::Null, arr(&[3])], i4).unwrap(),
            arr(&[3])
        );
        assert_eq!(
            call(ArrayFn::Append, &[Datum::Null, Datum::Int4(1)], i4).unwrap(),
            arr(&[1])
        );
        let s = |lo, hi| call(ArrayFn::Slice, &[arr(&[1, 2, 3, 4]), lo, hi], i4).unwrap();
        assert_eq!(s(Datum::Int4(0), Datum::Int4(2)), arr(&[1, 2]));
        assert_eq!(s(Datum::Int4(3), Datum::Int4(i32::MAX)), arr(&[3, 4]));
        assert_eq!(s(Datum::Int4(3), Datum::Int4(2)), arr(&[]));
        let a = arr(&[1, 2, 1]);
        assert_eq!(
            call(ArrayFn::Positions, &[a.clone(), Datum::Int4(1)], i4).unwrap(),
            arr(&[1, 3])
        );
        assert_eq!(
            call(
                ArrayFn::Position,
                &[a.clone(), Datum::Int4(1), Datum::Int4(2)],
                i4
            )
            .unwrap(),
            Datum::Int4(3)
        );
        assert_eq!(
            call(ArrayFn::Remove, &[a.clone(), Datum::Int4(1)], i4).unwrap(),
            arr(&[2])
        );
        assert_eq!(
            call(ArrayFn::Dims, std::slice::from_ref(&a), i4).unwrap(),
            Datum::Text("[1:3]".into())
        );
        assert_eq!(
            call(ArrayFn::Contains, &[a.clone(), arr(&[2, 1])], i4).unwrap(),
            Datum::Bool(true)
        );
        assert_eq!(
            call(
                ArrayFn::Contains,
                &[
                    Datum::Array(vec![Datum::Int4(1), Datum::Null]),
                    Datum::Array(vec![Datum::Null])
                ],
                i4
            )
            .unwrap(),
            Datum::Bool(false)
        );
        assert_eq!(
            call(ArrayFn::Overlap, &[a, arr(&[5, 2])], i4).unwrap(),
            Datum::Bool(true)
        );
    }
}
