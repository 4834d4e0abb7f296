//! work_mem: sorts, hash aggregates and hash joins over their budget spill
//! to disk and must return exactly what they return in memory. Each query
//! runs with work_mem = 1GB (in memory) and with 64kB (spilled:
//! the engine's spill-file counter proves it), and the results are compared
//! (in order for ORDER BY, as sorted lists otherwise).

mod support;

use support::{exec, in_memory_and_spilled, rows, sorted, spilling_engine};

use borealis_sql::{Engine, Session};

/// An engine whose spill files go to a fresh directory, with two tables:
/// `t` (20000 rows: group keys with NULLs and ties, text, numeric) and
/// `u` (3000 rows keyed by `k`, some NULL, some duplicated).
async fn setup() -> (Engine, Session, std::path::PathBuf) {
    let (engine, mut s, dir) = spilling_engine("spill-test").await;
    exec(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, g int, s text, x numeric, f float8)",
    )
    .await;
    exec(
        &mut s,
        "INSERT INTO t SELECT i, CASE WHEN i % 13 = 0 THEN NULL ELSE i % 101 END, \
         CASE WHEN i % 17 = 0 THEN NULL ELSE 'v' || (i % 251) END, \
         (i % 1000) / 7.0, (i % 89) * 0.5 FROM generate_series(1, 20000) i",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE u (id int PRIMARY KEY, k int, label text)",
    )
    .await;
    exec(
        &mut s,
        "INSERT INTO u SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE i % 2500 END, \
         'label number ' || i FROM generate_series(1, 3000) i",
    )
    .await;
    (engine, s, dir)
}

/// `sql`'s rows in memory and spilled (`support::in_memory_and_spilled`).
async fn both_ways(engine: &Engine, s: &mut Session, sql: &str) -> (Vec<String>, Vec<String>) {
    in_memory_and_spilled(engine, s, sql, 0).await
}

#[tokio::test]
async fn spilled_sorts_keep_the_order_of_in_memory_sorts() {
    let (engine, mut s, dir) = setup().await;
    for sql in [
        // Ties on g (and NULLs) keep input order: the sort is stable either way.
        "SELECT id, g, s FROM t ORDER BY g NULLS FIRST",
        "SELECT id, g, s FROM t ORDER BY g DESC NULLS LAST, s",
        "SELECT s, x, id FROM t ORDER BY s NULLS FIRST, x DESC",
        "SELECT f, id FROM t ORDER BY f DESC, id LIMIT 500 OFFSET 100",
        "SELECT id, label FROM u ORDER BY k NULLS FIRST, label DESC",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        assert_eq!(a, b, "{sql}");
    }
    assert_eq!(std::fs::read_dir(&dir).map_or(0, |d| d.count()), 0);
}

#[tokio::test]
async fn spilled_hash_aggregates_match_in_memory_ones() {
    let (engine, mut s, _dir) = setup().await;
    for sql in [
        // NULL groups, DISTINCT aggregates, and aggregates over input order.
        "SELECT g, s, count(*), sum(x), min(f), max(id) FROM t GROUP BY g, s",
        "SELECT s, count(DISTINCT g), count(g), avg(x), string_agg(id::text, ',') FROM t GROUP BY s",
        "SELECT id % 3001, array_agg(g), bool_or(g IS NULL) FROM t GROUP BY id % 3001",
        // FILTER, and a second argument (the delimiter) beside the first.
        "SELECT id % 2999, count(*) FILTER (WHERE f > 10), sum(id) FILTER (WHERE s IS NULL), \
         string_agg(s, '-'), max(s) FROM t GROUP BY 1",
        "SELECT DISTINCT ON (g) g, s FROM (SELECT g, s, count(*) AS n FROM t GROUP BY g, s) q ORDER BY g, n DESC, s",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        assert_eq!(sorted(a), sorted(b), "{sql}");
    }
}

#[tokio::test]
async fn spilled_hash_joins_match_in_memory_ones() {
    let (engine, mut s, _dir) = setup().await;
    for sql in [
        // NULL keys on both sides never match.
        "SELECT t.id, t.g, u.id, u.label FROM t JOIN u ON t.id = u.k",
        "SELECT t.id, u.id FROM t, u WHERE t.g = u.k AND t.s IS NOT NULL AND u.id < 2000",
        "SELECT t.id, u.label FROM t JOIN u ON t.id = u.k AND t.g + u.id > 100",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        assert_eq!(sorted(a), sorted(b), "{sql}");
    }
}

#[tokio::test]
async fn spilled_join_partitions_over_work_mem_are_split_again() {
    let (engine, mut s, _dir) = setup().await;
    // 200k rows a side: each of the first 64 partitions holds ~70kB of
    // records, over 64kB, so every pair is split again (more files than
    // the first level's 2 x 64) before it is joined in memory.
    let sql = "SELECT count(*), sum(a.i - b.i), sum(a.i), min(b.i), max(a.i) \
               FROM generate_series(1, 200000) a(i) \
               JOIN generate_series(1, 200000) b(i) ON a.i = b.i / 2";
    let plan = rows(&mut s, &format!("EXPLAIN {sql}")).await.join("\n");
    assert!(plan.contains("Hash Join"), "{plan}");
    exec(&mut s, "SET work_mem = '64kB'").await;
    let before = engine.spill_files_created();
    let spilled = rows(&mut s, sql).await;
    assert!(
        engine.spill_files_created() > before + 2 * 64,
        "partitions split again: {} files",
        engine.spill_files_created() - before
    );
    // b.i / 2 = a.i for b.i in {2a, 2a+1}: 2 matches for a in 1..=99999
    // and one (b = 200000) for a = 100000.
    let pairs: i64 = 2 * 99_999 + 1;
    let sum_a: i64 = 2 * (1..=99_999i64).sum::<i64>() + 100_000;
    let sum_b: i64 = (2..=200_000i64).sum();
    assert_eq!(
        spilled,
        vec![format!("{pairs}|{}|{sum_a}|2|100000", sum_a - sum_b)]
    );
}

#[tokio::test]
async fn work_mem_is_a_setting_with_postgresql_units() {
    let (_engine, mut s, _dir) = setup().await;
    assert_eq!(rows(&mut s, "SHOW work_mem").await, vec!["4MB"]);
    exec(&mut s, "SET work_mem = '64kB'").await;
    assert_eq!(rows(&mut s, "SHOW work_mem").await, vec!["64kB"]);
    exec(&mut s, "SET work_mem = 2048").await;
    assert_eq!(rows(&mut s, "SHOW work_mem").await, vec!["2MB"]);
    let r = s.execute_simple("SET work_mem = '1kB'").await;
    assert_eq!(r[0].as_ref().unwrap_err().sqlstate, "22023");
}

#[tokio::test]
async fn hashing_the_smaller_side_keeps_left_major_order() {
    let (_engine, mut s, _dir) = setup().await;
    // u (filtered to 19 rows) is the left input, t (20000 rows) the right:
    // the join hashes u, yet rows come out as probing with each u row would
    // give them, which is the order of the nested loop over the cross product.
    let hashed = "SELECT u.id, t.id, t.s FROM u, t WHERE t.g = u.k AND u.id < 20";
    let plan = rows(&mut s, &format!("EXPLAIN {hashed}")).await.join("\n");
    assert!(plan.contains("Hash Join"), "{plan}");
    let nested = "SELECT u.id, t.id, t.s FROM u, t WHERE u.id < 20 AND (t.g = u.k) IS TRUE";
    let plan = rows(&mut s, &format!("EXPLAIN {nested}")).await.join("\n");
    assert!(!plan.contains("Hash Join"), "{plan}");
    let expected = rows(&mut s, nested).await;
    assert!(expected.len() > 100);
    assert_eq!(rows(&mut s, hashed).await, expected);
}
