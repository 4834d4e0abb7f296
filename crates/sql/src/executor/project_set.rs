//! `Plan::ProjectSet`: set-returning functions of a SELECT list, run per
//! input row in lockstep (PostgreSQL 10+ semantics).

use super::*;

impl<'a> Ctx<'a> {
    pub(super) async fn project_set(
        &mut self,
        rows: Vec<Row>,
        calls: &[SrfCall],
        outer: &[Row],
    ) -> SqlResult<Vec<Row>> {
        let mut out = Vec::new();
        for row in rows {
            let mut sets = Vec::with_capacity(calls.len());
            for call in calls {
                let mut args = Vec::with_capacity(call.args.len());
                for a in &call.args {
                    args.push(self.eval_row(a, &row, outer).await?);
                }
                let datetime = self
                    .statement_settings()
                    .map_or(crate::timezone::DateTimeConfig::standard(), |s| {
                        s.datetime()
                    });
                sets.push(srf_values(call, args, datetime)?);
            }
            let n = sets.iter().map(Vec::len).max().unwrap_or(0);
            for i in 0..n {
                super::cooperate().await;
                let mut r = row.clone();
                r.extend(
                    sets.iter()
                        .map(|s| s.get(i).cloned().unwrap_or(Datum::Null)),
                );
                out.push(r);
            }
        }
        Ok(out)
    }
}

/// The rows of one call for one input row (no rows for a NULL argument).
fn srf_values(
    call: &SrfCall,
    args: Vec<Datum>,
    datetime: &crate::timezone::DateTimeConfig,
) -> SqlResult<Vec<Datum>> {
    if call.func == SrfFunc::Ordinality {
        let longest = args
            .iter()
            .map(|a| match a {
                Datum::Array(items) => items.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        return Ok((1..=longest as i64).map(Datum::Int8).collect());
    }
    if args.iter().any(|a| matches!(a, Datum::Null)) {
        return Ok(vec![]);
    }
    match call.func {
        SrfFunc::Ordinality => Err(SqlError::internal("ordinality with NULL handling")),
        SrfFunc::Unnest => match args.into_iter().next() {
            Some(Datum::Array(items)) => Ok(items),
            _ => Err(SqlError::internal("unnest of a non-array")),
        },
        SrfFunc::ExpandArray => {
            let (Some(Datum::Array(items)), Some(field)) =
                (args.first(), args.get(1).and_then(Datum::as_i64))
            else {
                return Err(SqlError::internal("_pg_expandarray of a non-array"));
            };
            items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let n = i as i32 + 1;
                    Ok(match field {
                        1 => x.clone(),
                        2 => Datum::Int4(n),
                        _ => Datum::Text(crate::pg_catalog::expanded_record(x, n)?),
                    })
                })
                .collect()
        }
        SrfFunc::Json(f) => crate::json_srf::rows(f, &args[0]),
        SrfFunc::RegexpMatches | SrfFunc::RegexpSplitToTable => {
            let text = |i: usize| args.get(i).and_then(Datum::as_str).unwrap_or("");
            let (s, pattern, flags) = (text(0), text(1), text(2));
            if call.func == SrfFunc::RegexpSplitToTable {
                let parts =
                    crate::builtins::regexp::split(s, pattern, flags, "regexp_split_to_table")?;
                return Ok(parts.into_iter().map(Datum::Text).collect());
            }
            let rows = crate::builtins::regexp::matches(s, pattern, flags)?;
            Ok(rows
                .into_iter()
                .map(|groups| {
                    Datum::Array(
                        groups
                            .into_iter()
                            .map(|g| g.map_or(Datum::Null, Datum::Text))
                            .collect(),
                    )
                })
                .collect())
        }
        SrfFunc::GenerateSubscripts => {
            let len = match args.first() {
                Some(Datum::Array(items)) => items.len() as i32,
                _ => return Err(SqlError::internal("generate_subscripts of a non-array")),
            };
            // Arrays are one-dimensional: any other dimension has no subscripts.
            if args.get(1).and_then(Datum::as_i64) != Some(1) {
                return Ok(vec![]);
            }
            let reverse = matches!(args.get(2), Some(Datum::Bool(true)));
            let first = i32::from(!matches!(args.get(3), Some(Datum::Bool(true))));
            let mut subs: Vec<Datum> = (first..len + first).map(Datum::Int4).collect();
            if reverse {
                subs.reverse();
            }
            Ok(subs)
        }
        SrfFunc::GenerateSeries => {
            let mut series = crate::series::Series::new(&args, call.ty.ty, datetime)?;
            let mut out = Vec::new();
            while let Some(v) = series.next_value()? {
                out.push(v);
            }
            Ok(out)
        }
    }
}
