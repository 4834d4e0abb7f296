//! Join planning: multi-table queries planned with pushed-down filters, hash
//! joins and a greedy join order must return exactly the rows of filtering
//! the cross product. The reference form of each query wraps its whole
//! condition in `(...) IS TRUE`, one conjunct over every relation, which the
//! planner can only check on the finished cross product (the general path).

mod support;

use std::sync::Arc;
use std::time::Duration;
use support::exec;

use borealis_sql::{Engine, MemStore, Session, StatementOutput};

async fn engine() -> Engine {
    Engine::open(Arc::new(MemStore::new())).await.unwrap()
}

/// Rows of a query, sorted (joins promise no order), or the error.
async fn rows(s: &mut Session, sql: &str) -> Result<Vec<String>, String> {
    let mut results = s.execute_simple(sql).await;
    assert_eq!(results.len(), 1, "one statement: {sql}");
    match results.pop() {
        Some(Ok(StatementOutput::Rows { rows, .. })) => {
            let mut out: Vec<String> = rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            out.sort();
            Ok(out)
        }
        Some(Ok(other)) => panic!("not a query result for {sql}: {other:?}"),
        Some(Err(e)) => Err(format!("{}: {}", e.sqlstate, e.message)),
        None => unreachable!(),
    }
}

/// Deterministic pseudo-random numbers (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Tables with NULLs, duplicates, equal numerics of different scales, -0/0
/// floats, mixed integer widths and a primary key and secondary index.
async fn fixture(s: &mut Session) {
    exec(s, "CREATE TABLE j1 (a int, b int, c text)").await;
    exec(s, "CREATE TABLE j2 (a int, b bigint, d numeric)").await;
    exec(s, "CREATE TABLE j3 (a int, e int, f text)").await;
    exec(s, "CREATE TABLE j4 (a int PRIMARY KEY, g int)").await;
    exec(s, "CREATE INDEX j4_g ON j4 (g)").await;
    exec(s, "CREATE TABLE j5 (x numeric, y float8, z smallint)").await;
    let mut rng = Rng(0x5eed);
    let small = |rng: &mut Rng| -> String {
        match rng.below(7) {
            0 => "NULL".into(),
            n => (n as i64 - 2).to_string(),
        }
    };
    for _ in 0..9 {
        let (a, b) = (small(&mut rng), small(&mut rng));
        let c = rng.pick(&["'x'", "'y'", "NULL", "'1'"]).to_string();
        exec(s, &format!("INSERT INTO j1 VALUES ({a}, {b}, {c})")).await;
        let (a, b) = (small(&mut rng), small(&mut rng));
        let d = rng
            .pick(&["1.0", "1.00", "2", "NULL", "-1", "0"])
            .to_string();
        exec(s, &format!("INSERT INTO j2 VALUES ({a}, {b}, {d})")).await;
        let (a, e) = (small(&mut rng), small(&mut rng));
        let f = rng.pick(&["'x'", "'1'", "NULL"]).to_string();
        exec(s, &format!("INSERT INTO j3 VALUES ({a}, {e}, {f})")).await;
        let x = rng.pick(&["0", "0.0", "1", "NULL", "2.50"]).to_string();
        let y = rng
            .pick(&["0", "-0", "1", "2.5", "NULL", "'NaN'"])
            .to_string();
        let z = small(&mut rng);
        exec(s, &format!("INSERT INTO j5 VALUES ({x}, {y}, {z})")).await;
    }
    for k in -2..5 {
        let g = small(&mut rng);
        exec(s, &format!("INSERT INTO j4 VALUES ({k}, {g})")).await;
    }
}

const TABLES: &[(&str, &[&str])] = &[
    ("j1", &["a", "b", "c"]),
    ("j2", &["a", "b", "d"]),
    ("j3", &["a", "e", "f"]),
    ("j4", &["a", "g"]),
    ("j5", &["x", "y", "z"]),
];

/// Columns comparable with `=` between any two (numbers); text columns apart.
fn numeric_columns(t: usize) -> Vec<&'static str> {
    TABLES[t]
        .1
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "c" | "f"))
        .collect()
}

/// A random condition atom over the aliases r0..rN of `tables`.
fn atom(rng: &mut Rng, tables: &[usize]) -> String {
    let col = |rng: &mut Rng| {
        let i = rng.below(tables.len());
        let c = *rng.pick(&numeric_columns(tables[i]));
        format!("r{i}.{c}")
    };
    match rng.below(14) {
        0..=4 => format!("{} = {}", col(rng), col(rng)),
        5 => format!("{} = {}", col(rng), rng.below(4) as i64 - 1),
        6 => format!("{} IN (0, 1, 2)", col(rng)),
        7 => format!("{} IS NULL", col(rng)),
        8 => format!("{} > {}", col(rng), col(rng)),
        9 => format!("{} IS NOT DISTINCT FROM {}", col(rng), col(rng)),
        10 => format!("({} = {} OR {} < 1)", col(rng), col(rng), col(rng)),
        11 => format!("{} + {} = {}", col(rng), col(rng), col(rng)),
        12 => format!(
            "{} = (SELECT max(j4.g) FROM j4 WHERE j4.a = {})",
            col(rng),
            col(rng)
        ),
        _ => format!("NOT ({} <> {})", col(rng), col(rng)),
    }
}

/// 1..=max random atoms joined by AND.
fn conjunction(rng: &mut Rng, tables: &[usize], max: usize) -> String {
    let n = 1 + rng.below(max);
    (0..n)
        .map(|_| atom(rng, tables))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[tokio::test]
async fn planned_joins_equal_the_filtered_cross_product() {
    let e = engine().await;
    let mut s = e.session();
    fixture(&mut s).await;
    let mut rng = Rng(0x0101_0001);
    let mut hash_joins = 0;
    for case in 0..200 {
        let n = 2 + rng.below(4);
        let tables: Vec<usize> = (0..n).map(|_| rng.below(TABLES.len())).collect();
        let select: Vec<String> = tables
            .iter()
            .enumerate()
            .flat_map(|(i, t)| TABLES[*t].1.iter().map(move |c| format!("r{i}.{c}")))
            .collect();
        let select = select.join(", ");
        let alias = |i: usize| format!("{} r{i}", TABLES[tables[i]].0);
        // Half the cases join the first two relations with explicit JOIN ... ON.
        let explicit = rng.below(2) == 0;
        let on = conjunction(&mut rng, &tables[..2], 2);
        let rest: Vec<String> = (2..n).map(alias).collect();
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(", {}", rest.join(", "))
        };
        let cond = conjunction(&mut rng, &tables, 5);
        let (query, reference) = if explicit {
            (
                format!(
                    "SELECT {select} FROM {} JOIN {} ON {on}{rest} WHERE {cond}",
                    alias(0),
                    alias(1)
                ),
                format!(
                    "SELECT {select} FROM {}, {}{rest} WHERE (({on}) AND {cond}) IS TRUE",
                    alias(0),
                    alias(1)
                ),
            )
        } else {
            (
                format!(
                    "SELECT {select} FROM {}, {}{rest} WHERE {cond}",
                    alias(0),
                    alias(1)
                ),
                format!(
                    "SELECT {select} FROM {}, {}{rest} WHERE ({cond}) IS TRUE",
                    alias(0),
                    alias(1)
                ),
            )
        };
        let planned = rows(&mut s, &query).await;
        let general = rows(&mut s, &reference).await;
        assert_eq!(
            planned, general,
            "case {case}\nplanned: {query}\ngeneral: {reference}"
        );
        let explain = rows(&mut s, &format!("EXPLAIN {query}")).await;
        if explain.is_ok_and(|lines| lines.iter().any(|l| l.contains("Hash Join"))) {
            hash_joins += 1;
        }
    }
    assert!(
        hash_joins > 40,
        "hash joins planned in {hash_joins} of 200 cases"
    );
}

#[tokio::test]
async fn outer_joins_keep_their_place_and_semantics() {
    let e = engine().await;
    let mut s = e.session();
    fixture(&mut s).await;
    let mut rng = Rng(0xfeed_beef);
    for case in 0..120 {
        let tables: Vec<usize> = (0..4).map(|_| rng.below(TABLES.len())).collect();
        let alias = |i: usize| format!("{} r{i}", TABLES[tables[i]].0);
        let kind = *rng.pick(&["LEFT", "RIGHT", "FULL"]);
        let on = conjunction(&mut rng, &tables[..2], 1);
        // The outer join's condition must only name its own two relations.
        let cond = conjunction(&mut rng, &tables, 4);
        let from = format!(
            "{} {kind} JOIN {} ON {on}, {}, {}",
            alias(0),
            alias(1),
            alias(2),
            alias(3)
        );
        let query = format!("SELECT * FROM {from} WHERE {cond}");
        let reference = format!("SELECT * FROM {from} WHERE ({cond}) IS TRUE");
        assert_eq!(
            rows(&mut s, &query).await,
            rows(&mut s, &reference).await,
            "case {case}\nplanned: {query}\ngeneral: {reference}"
        );
    }
}

#[tokio::test]
async fn explain_shows_pushed_filters_and_hash_joins() {
    let e = engine().await;
    let mut s = e.session();
    fixture(&mut s).await;
    let plan = rows(
        &mut s,
        "EXPLAIN SELECT r1.c FROM j1 r1, j2 r2, j4 r4 WHERE r1.a = r2.a AND r4.a = 3 AND r2.b = r4.g AND r1.b > 0",
    )
    .await
    .unwrap();
    let text = plan.join("\n");
    // The point lookup (one row) starts; each next relation joins by a hash key.
    assert!(
        text.lines()
            .any(|l| l.ends_with("->  Index Scan using j4_pkey on j4 r4"))
            && text.contains("Index Cond: (a = 3)"),
        "{text}"
    );
    assert_eq!(text.matches("Hash Join").count(), 2, "{text}");
    assert_eq!(text.matches("Hash Cond: (").count(), 2, "{text}");
    assert!(
        text.contains("(r2.b = r4.g)") || text.contains("(r4.g = r2.b)"),
        "{text}"
    );
    assert!(!text.contains(" AND "), "one key per join: {text}");
    assert!(!text.contains("Nested Loop"), "{text}");
    assert!(text.contains("Seq Scan on j1 r1"), "{text}");
    assert!(text.contains("Filter: (b > 0)"), "{text}");
    // A condition over two relations that is no equality stays a join filter.
    let plan = rows(
        &mut s,
        "EXPLAIN SELECT 1 FROM j1, j3 WHERE j1.a = j3.a AND j1.b < j3.e",
    )
    .await
    .unwrap()
    .join("\n");
    assert!(plan.contains("Hash Cond: (j1.a = j3.a)"), "{plan}");
    assert!(plan.contains("Join Filter: (j1.b < j3.e)"), "{plan}");
    // Mixed types: the binder's casts make both sides numeric, a hashable key.
    let plan = rows(&mut s, "EXPLAIN SELECT 1 FROM j1, j2 WHERE j1.a = j2.d")
        .await
        .unwrap()
        .join("\n");
    assert!(plan.contains("Hash Join"), "{plan}");
    assert_eq!(plan.matches("Hash Cond:").count(), 1, "{plan}");
    // Unconnected relations are a cross product.
    let plan = rows(&mut s, "EXPLAIN SELECT 1 FROM j1, j3 WHERE j1.a = 1")
        .await
        .unwrap()
        .join("\n");
    assert!(plan.lines().any(|l| l == "Nested Loop"), "{plan}");
    assert!(
        !plan.contains("Join Filter") && !plan.contains("Hash"),
        "{plan}"
    );
}

#[tokio::test]
async fn null_keys_never_join_but_not_distinct_does() {
    let e = engine().await;
    let mut s = e.session();
    exec(&mut s, "CREATE TABLE n1 (k int, v text)").await;
    exec(&mut s, "CREATE TABLE n2 (k int, w text)").await;
    exec(&mut s, "INSERT INTO n1 VALUES (1, 'a'), (NULL, 'b')").await;
    exec(&mut s, "INSERT INTO n2 VALUES (1, 'c'), (NULL, 'd')").await;
    assert_eq!(
        rows(&mut s, "SELECT v, w FROM n1, n2 WHERE n1.k = n2.k").await,
        Ok(vec!["a|c".to_string()])
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT v, w FROM n1, n2 WHERE n1.k IS NOT DISTINCT FROM n2.k"
        )
        .await,
        Ok(vec!["a|c".to_string(), "b|d".to_string()])
    );
    // Numerics of different scales and -0/0 floats are equal keys.
    exec(&mut s, "CREATE TABLE m1 (n numeric, f float8)").await;
    exec(&mut s, "CREATE TABLE m2 (n numeric, f float8)").await;
    exec(&mut s, "INSERT INTO m1 VALUES (1.0, -0)").await;
    exec(&mut s, "INSERT INTO m2 VALUES (1.00, 0)").await;
    assert_eq!(
        rows(
            &mut s,
            "SELECT m1.n, m2.n FROM m1, m2 WHERE m1.n = m2.n AND m1.f = m2.f"
        )
        .await,
        Ok(vec!["1.0|1.00".to_string()])
    );
}

/// Seven ten-row tables joined in a chain: 10^7 rows as a cross product,
/// a few dozen with hash joins.
#[tokio::test]
async fn seven_way_join_is_fast() {
    let e = engine().await;
    let mut s = e.session();
    for t in 1..=7 {
        exec(&mut s, &format!("CREATE TABLE c{t} (a int, b int, x text)")).await;
        let values: Vec<String> = (0..10)
            .map(|i| format!("({i}, {}, 't{t}r{i}')", (i * 3 + t) % 10))
            .collect();
        exec(
            &mut s,
            &format!("INSERT INTO c{t} VALUES {}", values.join(", ")),
        )
        .await;
    }
    let query = "SELECT x1, x7 FROM c7, c3, c5, c1, c2, c6, c4 \
        WHERE c1.b = c2.a AND c2.b = c3.a AND c3.b = c4.a AND c4.b = c5.a \
        AND c5.b = c6.a AND c6.b = c7.a AND c1.a IN (1, 2, 3)"
        .replace("x1", "c1.x")
        .replace("x7", "c7.x");
    let result = tokio::time::timeout(Duration::from_secs(10), rows(&mut s, &query))
        .await
        .expect("a seven-way equi-join finishes within 10 s");
    assert_eq!(result.map(|r| r.len()), Ok(3));
}
