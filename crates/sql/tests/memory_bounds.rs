//! Operators beyond sort, hash aggregate and hash join that stay within
//! work_mem: the nested loop's inner side (outer joins and non-equality
//! joins), WITH RECURSIVE's working tables, window functions' input (held
//! a partition at a time) and INSERT ... SELECT's rows. Each query runs with
//! work_mem = 1GB (in memory, no spill file) and 64kB (the engine's
//! spill-file counter must grow) and both results must be equal — in order
//! where the operator keeps its in-memory order. Then, with a statement
//! memory limit far below the inputs' size, the same operators succeed,
//! which they could not while they held their whole input.

mod support;

use support::{exec, in_memory_and_spilled, rows, sorted, spilling_engine};

use borealis_sql::{Engine, Session};

const BIG_ROWS: usize = 20_000;

/// An engine spilling to a fresh directory, with `big` (20000 rows, some
/// NULL `k`, a padded text) and `small` (100 rows).
async fn setup() -> (Engine, Session, std::path::PathBuf) {
    let (engine, mut s, dir) = spilling_engine("memory-bounds").await;
    exec(
        &mut s,
        "CREATE TABLE big (id int PRIMARY KEY, k int, x int, pad text)",
    )
    .await;
    exec(
        &mut s,
        &format!(
            "INSERT INTO big SELECT i, CASE WHEN i % 9 = 0 THEN NULL ELSE i % 7001 END, \
             (i * 7919) % {BIG_ROWS}, repeat('p', 60) || i FROM generate_series(1, {BIG_ROWS}) i"
        ),
    )
    .await;
    exec(&mut s, "CREATE TABLE small (id int PRIMARY KEY, lo int)").await;
    exec(
        &mut s,
        "INSERT INTO small SELECT i, (i * 389) % 20000 FROM generate_series(1, 100) i",
    )
    .await;
    (engine, s, dir)
}

/// `sql`'s rows in memory and spilled (`support::in_memory_and_spilled`);
/// every query here returns more than 100 rows.
async fn both_ways(engine: &Engine, s: &mut Session, sql: &str) -> (Vec<String>, Vec<String>) {
    in_memory_and_spilled(engine, s, sql, 100).await
}

#[tokio::test]
async fn a_nested_loop_without_equalities_rereads_its_spilled_inner_side_in_order() {
    let (engine, mut s, dir) = setup().await;
    for sql in [
        // Left outer: small rows with no big row in range come out NULL-extended.
        "SELECT s.id, b.id, b.pad FROM small s LEFT JOIN big b ON b.x BETWEEN s.lo AND s.lo + 2",
        // Right outer: every big row no small row matched, after the matches.
        "SELECT s.id, b.id FROM small s RIGHT JOIN big b ON b.x = s.lo + 1 OR b.id = s.id * 3",
        // Inner, no equality: a theta join.
        "SELECT s.id, b.id FROM small s JOIN big b ON b.x > s.lo * 10 AND b.x < s.lo * 10 + 40",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        assert_eq!(a, b, "{sql}");
    }
    // The NULL-extended rows are exactly the big rows no small row matched.
    exec(&mut s, "SET work_mem = '64kB'").await;
    let unmatched = rows(
        &mut s,
        "SELECT count(*) - count(s.id) FROM small s RIGHT JOIN big b ON b.x = s.lo + 1 OR b.id = s.id * 3",
    )
    .await;
    let expected = rows(
        &mut s,
        "SELECT count(*) FROM big b WHERE b.x - 1 NOT IN (SELECT lo FROM small) \
         AND b.id NOT IN (SELECT id * 3 FROM small)",
    )
    .await;
    assert_eq!(unmatched, expected);
    assert!(expected[0].parse::<usize>().unwrap() > BIG_ROWS - 300);
    assert_eq!(
        std::fs::read_dir(&dir).map_or(0, |d| d.count()),
        0,
        "no file left"
    );
}

#[tokio::test]
async fn an_outer_join_with_equalities_partitions_both_sides() {
    let (engine, mut s, _dir) = setup().await;
    for sql in [
        "SELECT a.id, b.id, b.pad FROM big a LEFT JOIN big b ON a.id = b.x",
        // NULL keys on the left (a.k) never match; unmatched right rows follow.
        "SELECT a.id, b.id, b.k FROM big a FULL JOIN big b ON a.k = b.id AND b.x % 3 = 0",
        "SELECT a.id, b.id FROM small a RIGHT JOIN big b ON b.k = a.id * 50",
        "SELECT a.id, b.id FROM big a LEFT JOIN big b ON a.k = b.k AND a.id < b.id AND b.id < a.id + 3000",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        assert_eq!(sorted(a), sorted(b), "{sql}");
    }
    let full = rows(
        &mut s,
        "SELECT count(*), count(a.id), count(b.id) FROM big a FULL JOIN big b ON a.k = b.id AND b.x % 3 = 0",
    )
    .await;
    // Every a row once (matched or not) and every unmatched b row once.
    let matched_b = rows(
        &mut s,
        "SELECT count(*) FROM big b JOIN (SELECT DISTINCT k FROM big) d ON d.k = b.id WHERE b.x % 3 = 0",
    )
    .await;
    let n = BIG_ROWS - matched_b[0].parse::<usize>().unwrap();
    assert!(
        full[0].starts_with(&format!("{}|{BIG_ROWS}|", BIG_ROWS + n)),
        "{full:?}"
    );
}

#[tokio::test]
async fn with_recursive_working_tables_spill_and_keep_their_order() {
    let (engine, mut s, _dir) = setup().await;
    for sql in [
        // Each round has 3000 rows of ~100 bytes: far over 64kB.
        "WITH RECURSIVE r(n, i, pad) AS (SELECT 1, i, repeat('x', 50) FROM generate_series(1, 3000) i \
         UNION ALL SELECT n + 1, i, pad FROM r WHERE n < 4) SELECT n, i, length(pad) FROM r",
        // UNION: duplicates across and within rounds are dropped.
        "WITH RECURSIVE r(v) AS (SELECT i FROM generate_series(1, 3000) i \
         UNION SELECT (v * 7) % 5003 FROM r) SELECT v FROM r",
        // The working table read through a join inside the recursive term.
        "WITH RECURSIVE r(id, depth) AS (SELECT id, 0 FROM big WHERE id <= 2000 \
         UNION ALL SELECT b.id, r.depth + 1 FROM r JOIN big b ON b.id = r.id + 2000 WHERE r.depth < 3) \
         SELECT id, depth FROM r",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        if sql.contains("JOIN") {
            // A spilled hash join returns its rows partition by partition.
            assert_eq!(sorted(a), sorted(b), "{sql}");
        } else {
            assert_eq!(a, b, "{sql}");
        }
    }
}

#[tokio::test]
async fn window_functions_sort_externally_and_hold_one_partition() {
    let (engine, mut s, _dir) = setup().await;
    for sql in [
        // Two windows: the result is in the last one's order, ties in input order.
        "SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY x), \
         sum(x) OVER (PARTITION BY k % 10 ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM big",
        "SELECT id, rank() OVER (PARTITION BY x % 50 ORDER BY k NULLS FIRST), \
         lag(pad) OVER (PARTITION BY id % 7 ORDER BY x DESC), count(*) OVER (PARTITION BY x % 50) FROM big",
        // One partition (all rows): still exact.
        "SELECT id, row_number() OVER (ORDER BY x), avg(x) OVER (ORDER BY k RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING) FROM big",
    ] {
        let (a, b) = both_ways(&engine, &mut s, sql).await;
        assert_eq!(a, b, "{sql}");
    }
}

#[tokio::test]
async fn insert_select_keeps_its_source_rows_within_work_mem() {
    let (engine, mut s, _dir) = setup().await;
    exec(
        &mut s,
        "CREATE TABLE copy (id int PRIMARY KEY, k int, pad text)",
    )
    .await;
    exec(&mut s, "SET work_mem = '64kB'").await;
    let before = engine.spill_files_created();
    // The source reads the target: it must not see the rows being inserted.
    exec(&mut s, "INSERT INTO copy SELECT id, k, pad FROM big").await;
    exec(
        &mut s,
        "INSERT INTO copy SELECT id + 100000, k, pad FROM copy WHERE id <= 20000",
    )
    .await;
    assert!(engine.spill_files_created() > before, "the source spilled");
    assert_eq!(
        rows(&mut s, "SELECT count(*), sum(id), count(k) FROM copy").await,
        rows(
            &mut s,
            "SELECT 2 * count(*), 2 * sum(id) + 100000 * count(*), 2 * count(k) FROM big"
        )
        .await
    );
}

#[tokio::test]
async fn a_limit_stops_an_unbounded_recursion() {
    let (_engine, mut s, _dir) = setup().await;
    assert_eq!(
        rows(
            &mut s,
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t LIMIT 5"
        )
        .await,
        vec!["1", "2", "3", "4", "5"]
    );
    // The same query referenced twice runs as two independent recursions.
    assert_eq!(
        rows(
            &mut s,
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 300) \
             SELECT count(*), sum(a.n * b.n) FROM t a JOIN t b ON a.n = b.n + 1"
        )
        .await,
        vec!["299|8999900"]
    );
}

#[tokio::test]
async fn spilling_operators_run_under_a_statement_memory_limit_below_their_input() {
    let (engine, mut s, _dir) = setup().await;
    let queries = [
        "SELECT count(*), count(b.id), sum(b.x) FROM big a LEFT JOIN big b ON a.id = b.x",
        "SELECT count(*), sum(rn) FROM (SELECT row_number() OVER (PARTITION BY id % 100 ORDER BY x) rn FROM big) q",
        "SELECT count(*), count(s.id) FROM small s RIGHT JOIN big b ON b.x = s.lo + 1 OR b.id = s.id * 3",
        "WITH RECURSIVE r(n, id, pad) AS (SELECT 1, id, pad FROM big \
         UNION ALL SELECT n + 1, id, pad FROM r WHERE n < 3) SELECT count(*), sum(n) FROM r",
    ];
    let mut expected = Vec::new();
    for sql in queries {
        expected.push(rows(&mut s, sql).await);
    }
    let xs: usize = (0..BIG_ROWS).sum();
    assert_eq!(
        expected[0],
        vec![format!("{BIG_ROWS}|{}|{xs}", BIG_ROWS - 1)]
    );
    assert_eq!(expected[1], vec!["20000|2010000"]);
    assert_eq!(
        expected[3],
        vec![format!("{}|{}", BIG_ROWS * 3, BIG_ROWS * 6)]
    );
    // big takes ~4 MB in memory; a statement may now hold 1 MB beyond work_mem.
    engine.set_statement_memory_max(1 << 20);
    exec(&mut s, "SET work_mem = '64kB'").await;
    for (sql, want) in queries.iter().zip(&expected) {
        assert_eq!(&rows(&mut s, sql).await, want, "{sql}");
    }
    // The limit is below what holding big takes.
    let r = s
        .execute_simple(
            "SELECT count(*) FROM (SELECT id, row_number() OVER (ORDER BY x) FROM big) q",
        )
        .await;
    assert_eq!(r[0].as_ref().unwrap_err().sqlstate, "53200");
}
