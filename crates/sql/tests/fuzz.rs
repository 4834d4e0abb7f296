//! Robustness: random token soup and random well-formed queries must never
//! panic (a panic surfaces as an XX000 "internal error") or hang.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "t",
    "u",
    "a",
    "b",
    "c",
    "t.a",
    "u.c",
    "*",
    ",",
    "(",
    ")",
    "1",
    "0",
    "-1",
    "2.5",
    "'x'",
    "'1'",
    "NULL",
    "true",
    "=",
    "<>",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "||",
    "AND",
    "OR",
    "NOT",
    "IS",
    "IN",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "::int",
    "::text",
    "::numeric(4,1)",
    "::varchar(1)",
    "count(*)",
    "sum(a)",
    "avg(b)",
    "max(c)",
    "min(a)",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "DESC",
    "NULLS FIRST",
    "LIMIT",
    "OFFSET",
    "DISTINCT",
    "JOIN",
    "LEFT JOIN",
    "ON",
    "EXISTS",
    "(SELECT a FROM t)",
    "(SELECT 1)",
    "UNION",
    "coalesce(",
    "abs(",
    "substring(",
    "lower(",
    "round(",
    "nullif(",
    "greatest(",
    "$1",
    "9223372036854775807",
    "1e308",
    "INSERT INTO t VALUES",
    "UPDATE t SET a =",
    "DELETE FROM t",
    "RETURNING",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    ";",
];

fn session(rt: &tokio::runtime::Runtime) -> Session {
    rt.block_on(async {
        let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
        let mut s = e.session();
        let setup = "CREATE TABLE t (a int PRIMARY KEY, b numeric, c text); CREATE TABLE u (a int, c varchar(3) UNIQUE);
                     INSERT INTO t VALUES (1, 1.5, 'x'), (2, NULL, 'y'), (3, -2, NULL); INSERT INTO u VALUES (1, 'x'), (NULL, NULL)";
        for r in s.execute_simple(setup).await {
            r.unwrap();
        }
        s
    })
}

fn no_internal_errors(
    rt: &tokio::runtime::Runtime,
    s: &mut Session,
    sql: &str,
) -> Result<(), TestCaseError> {
    let results = rt.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(10), s.execute_simple(sql)).await
    });
    let results = results.map_err(|_| TestCaseError::fail(format!("timed out: {sql}")))?;
    for r in results {
        if let Err(e) = r {
            prop_assert!(
                e.sqlstate != "XX000",
                "internal error for {sql:?}: {}",
                e.message
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(0..TOKENS.len(), 1..14)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut s = session(&rt);
        let sql: Vec<&str> = tokens.iter().map(|i| TOKENS[*i]).collect();
        no_internal_errors(&rt, &mut s, &sql.join(" "))?;
    }

    #[test]
    fn generated_selects_never_panic(
        proj in proptest::sample::select(vec!["a", "b", "c", "a + 1", "b * 2", "count(*)", "sum(a)", "c || 'z'", "a::text", "max(b)", "*", "coalesce(b, 0)", "CASE WHEN a > 1 THEN c END"]),
        pred in proptest::sample::select(vec!["", "WHERE a = 1", "WHERE b > 0", "WHERE c LIKE 'x%'", "WHERE a IN (1, 2)", "WHERE a = (SELECT max(a) FROM u)", "WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)", "WHERE a BETWEEN 1 AND 2", "WHERE b IS NULL"]),
        tail in proptest::sample::select(vec!["", "GROUP BY a", "GROUP BY c", "ORDER BY 1", "ORDER BY a DESC LIMIT 1", "GROUP BY a HAVING count(*) > 0 ORDER BY a"]),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut s = session(&rt);
        no_internal_errors(&rt, &mut s, &format!("SELECT {proj} FROM t {pred} {tail}"))?;
    }
}
