//! Partition pruning beyond a single-table SELECT: UPDATE and DELETE
//! pruned at plan time (and EXPLAIN of them), partitioned tables in joins
//! and under row-level security, and `$n` parameters (prepared statements,
//! PL/pgSQL variables) pruned at execution time. Every case checks that the
//! pruned statement acts on exactly the rows an unpruned read finds (a
//! derived table with OFFSET 0 is never pruned).

mod support;

use support::{exec, memory_engine, pruning_tables, rows, scanned_leaves, sorted_rows};

use borealis_sql::Session;

/// `support::pruning_tables` (list, range with a sub-partitioned level,
/// hash, multi-column range; one more row in `rp_3`) and boolean list,
/// bigint and date keys, each with rows in every leaf.
async fn tables(s: &mut Session) {
    pruning_tables(s).await;
    exec(
        s,
        "CREATE TABLE bp (a bool, b int) PARTITION BY LIST (a);
         CREATE TABLE bp_t PARTITION OF bp FOR VALUES IN (true);
         CREATE TABLE bp_f PARTITION OF bp FOR VALUES IN (false);
         CREATE TABLE bp_n PARTITION OF bp FOR VALUES IN (NULL);
         CREATE TABLE ip (a bigint, b int) PARTITION BY RANGE (a);
         CREATE TABLE ip_1 PARTITION OF ip FOR VALUES FROM (0) TO (100);
         CREATE TABLE ip_2 PARTITION OF ip FOR VALUES FROM (100) TO (5000000000);
         CREATE TABLE dp (a date, b int) PARTITION BY RANGE (a);
         CREATE TABLE dp_1 PARTITION OF dp FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
         CREATE TABLE dp_2 PARTITION OF dp FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
         CREATE TABLE dp_def PARTITION OF dp DEFAULT;
         INSERT INTO rp VALUES (21,3);
         INSERT INTO bp VALUES (true, 1), (false, 2), (NULL, 3), (true, 4);
         INSERT INTO ip VALUES (5, 1), (150, 2), (4000000000, 3);
         INSERT INTO dp VALUES ('2024-01-15', 1), ('2024-02-10', 2), ('2023-12-31', 3), (NULL, 4);",
    )
    .await;
}

/// (table, WHERE condition) pairs over every kind of key and condition.
const CASES: &[(&str, &str)] = &[
    ("lp", "a = 1"),
    ("lp", "a IN (2, 3)"),
    ("lp", "a IN (2, NULL)"),
    ("lp", "a IS NULL"),
    ("lp", "a = 7"),
    ("lp", "a > 2"),
    ("lp", "a = 1 AND a = 3"),
    ("lp", "a = 1 OR a = 3"),
    ("rp", "a = 15"),
    ("rp", "a = 15 AND b = 1"),
    ("rp", "a = 19 AND b IS NULL"),
    ("rp", "a BETWEEN 12 AND 22"),
    ("rp", "a < 10"),
    ("rp", "a >= 30"),
    ("rp", "a IS NULL"),
    ("rp", "a >= 0 AND a <= 30"),
    ("rp", "b = 1"),
    ("hp", "a = 5 AND b = '5'"),
    ("hp", "a = 5"),
    ("hp", "a IS NULL AND b = '1'"),
    ("hp", "a = 2 AND b IS NULL"),
    ("mp", "a = 10"),
    ("mp", "a = 10 AND b = 9"),
    ("mp", "a = 3 AND b IS NULL"),
    ("mp", "a >= 20"),
    ("bp", "a"),
    ("bp", "a = true"),
    ("bp", "a = false"),
    ("bp", "NOT a"),
    ("bp", "a IS NULL"),
    ("bp", "a IS TRUE"),
    ("bp", "a IS NOT FALSE"),
    ("bp", "a IS UNKNOWN"),
    ("bp", "a IS NOT TRUE"),
    ("bp", "a IS FALSE AND b = 2"),
    ("rp", "a = 5::bigint"),
    ("rp", "a = 5000000000"),
    ("rp", "a < 5000000000"),
    ("rp", "a > -5000000000 AND a <= -3"),
    ("rp", "a >= 5000000000"),
    ("rp", "a > 12::int8 AND a < 22::int8"),
    ("rp", "a >= 2::int2 AND a < 20"),
    ("mp", "a = 10::int8 AND b = 9::int8"),
    ("ip", "a = 5"),
    ("ip", "a = 4000000000"),
    ("ip", "a < 100"),
    ("ip", "a = 5::int2"),
    ("ip", "a::numeric = 5"),
    ("dp", "a = '2024-02-10'"),
    ("dp", "a < '2024-02-01'"),
    ("dp", "a = '2024-02-10'::timestamp"),
    ("dp", "a IS NULL"),
];

/// The rows of `table` meeting `condition` as an unpruned read finds them,
/// each with its partition.
async fn unpruned(s: &mut Session, table: &str, condition: &str) -> Vec<String> {
    sorted_rows(
        s,
        &format!(
            "SELECT * FROM (SELECT tableoid::regclass, * FROM {table} OFFSET 0) t WHERE {condition}"
        ),
    )
    .await
}

/// The rows `sql` (a data-modifying statement ending in RETURNING) acts
/// on, rolled back.
async fn returned_then_rolled_back(s: &mut Session, sql: &str) -> Vec<String> {
    exec(s, "BEGIN").await;
    let mut r = rows(s, sql).await;
    exec(s, "ROLLBACK").await;
    r.sort();
    r
}

#[tokio::test]
async fn updates_and_deletes_act_on_the_rows_an_unpruned_read_finds() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    for (table, condition) in CASES {
        let want = unpruned(&mut s, table, condition).await;
        let deleted = returned_then_rolled_back(
            &mut s,
            &format!("DELETE FROM {table} WHERE {condition} RETURNING tableoid::regclass, *"),
        )
        .await;
        assert_eq!(deleted, want, "DELETE FROM {table} WHERE {condition}");
        let updated = returned_then_rolled_back(
            &mut s,
            &format!("UPDATE {table} SET b = b WHERE {condition} RETURNING tableoid::regclass, *"),
        )
        .await;
        assert_eq!(updated, want, "UPDATE {table} WHERE {condition}");
    }
}

async fn explain(s: &mut Session, sql: &str) -> Vec<String> {
    rows(s, &format!("EXPLAIN (COSTS OFF) {sql}")).await
}

#[tokio::test]
async fn explain_of_update_and_delete_shows_only_the_leaves_left() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    // PostgreSQL 15's output for the same statements.
    assert_eq!(
        explain(&mut s, "UPDATE rp SET b = 0 WHERE a = 5").await,
        [
            "Update on rp",
            "  Update on rp_1",
            "  ->  Seq Scan on rp_1",
            "        Filter: (a = 5)"
        ]
    );
    assert_eq!(
        explain(&mut s, "DELETE FROM rp WHERE a = 15").await,
        [
            "Delete on rp",
            "  Delete on rp_2x rp_1",
            "  Delete on rp_2d rp_2",
            "  ->  Append",
            "        ->  Seq Scan on rp_2x rp_1",
            "              Filter: (a = 15)",
            "        ->  Seq Scan on rp_2d rp_2",
            "              Filter: (a = 15)"
        ]
    );
    assert_eq!(
        explain(&mut s, "DELETE FROM lp WHERE a IS NULL").await,
        [
            "Delete on lp",
            "  Delete on lp_null lp_1",
            "  ->  Seq Scan on lp_null lp_1",
            "        Filter: (a IS NULL)"
        ]
    );
    assert_eq!(
        explain(&mut s, "UPDATE lp SET b = 'q' WHERE a = 1 AND a = 3").await,
        [
            "Update on lp",
            "  ->  Result",
            "        One-Time Filter: false"
        ]
    );
    assert_eq!(
        explain(&mut s, "SELECT * FROM lp WHERE a = 1 AND a = 3").await,
        ["Result", "  One-Time Filter: false"]
    );
    // Boolean keys by themselves; integer keys compared as a wider type.
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM bp WHERE a").await,
        ["bp_t"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "DELETE FROM bp WHERE NOT a").await,
        ["bp_f"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "UPDATE bp SET b = 0 WHERE a IS TRUE").await,
        ["bp_t"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM bp WHERE a IS UNKNOWN").await,
        ["bp_n"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM rp WHERE a = 5::bigint").await,
        ["rp_1"]
    );
    // Past int4's range: routed as PostgreSQL routes it (never equal).
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM rp WHERE a = 5000000000").await,
        ["rp_def"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM rp WHERE a > 5000000000").await,
        ["rp_def"]
    );
    // UPDATE ... FROM: the target's own conditions prune it.
    let plan = explain(
        &mut s,
        "UPDATE rp SET b = lp.a FROM lp WHERE rp.a = lp.a AND rp.a = 25",
    )
    .await;
    assert_eq!(
        plan[..2],
        ["Update on rp", "  Update on rp_3 rp_1"],
        "{plan:?}"
    );
    assert!(!plan.iter().any(|l| l.contains("rp_def")), "{plan:?}");
}

#[tokio::test]
async fn updated_rows_move_into_pruned_partitions() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    exec(&mut s, "UPDATE rp SET a = 25 WHERE a = 5").await;
    exec(&mut s, "UPDATE lp SET a = NULL WHERE a = 3").await;
    assert_eq!(
        sorted_rows(&mut s, "SELECT tableoid::regclass, * FROM rp WHERE b = 2").await,
        ["rp_3|25|2"]
    );
    assert_eq!(
        sorted_rows(
            &mut s,
            "SELECT tableoid::regclass, * FROM lp WHERE a IS NULL"
        )
        .await,
        ["lp_null|NULL|n", "lp_null|NULL|z"]
    );
}

#[tokio::test]
async fn partitioned_tables_in_joins_are_pruned_where_their_rows_are_filtered() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    exec(
        &mut s,
        "CREATE TABLE o (x int, y text); INSERT INTO o VALUES (1, 'one'), (15, 'fifteen'), (25, 'x'), (NULL, 'null')",
    )
    .await;
    // `{rp}`, `{lp}`: the table, or (for the unpruned read) a derived one.
    let cases: &[(&str, &[&str])] = &[
        (
            "SELECT * FROM {rp} p JOIN o ON p.a = o.x WHERE p.a = 25",
            &["rp_3", "o"],
        ),
        (
            "SELECT * FROM o, {rp} p WHERE p.a = o.x AND p.a = 25",
            &["o", "rp_3"],
        ),
        (
            "SELECT * FROM {rp} p JOIN o ON p.a = o.x AND p.a < 10",
            &["rp_1", "o"],
        ),
        (
            "SELECT * FROM {rp} p JOIN {lp} l ON p.a = l.a WHERE p.a = 25 AND l.a = 3",
            &["rp_3", "lp_3"],
        ),
        // The preserved side of an outer join, by WHERE.
        (
            "SELECT * FROM {rp} p LEFT JOIN o ON p.a = o.x WHERE p.a = 25",
            &["rp_3", "o"],
        ),
        // The nullable side, by ON; never by WHERE (NULL rows may pass).
        (
            "SELECT * FROM o LEFT JOIN {rp} p ON p.a = o.x AND p.a = 25",
            &["o", "rp_3"],
        ),
        (
            "SELECT * FROM o LEFT JOIN {lp} p ON p.a = o.x WHERE p.a IS NULL",
            &["o", "lp_1", "lp_3", "lp_null", "lp_def"],
        ),
        (
            "SELECT * FROM o FULL JOIN {lp} p ON p.a = o.x AND p.a = 1",
            &["o", "lp_1", "lp_3", "lp_null", "lp_def"],
        ),
        // A self-join: each side by its own conditions.
        (
            "SELECT * FROM {lp} a1, {lp} a2 WHERE a1.a = 1 AND a2.a IS NULL",
            &["lp_1", "lp_null"],
        ),
    ];
    for (case, leaves) in cases {
        let sql = case.replace("{rp}", "rp").replace("{lp}", "lp");
        let mut got = scanned_leaves(&mut s, &sql).await;
        let mut want: Vec<String> = leaves.iter().map(|l| l.to_string()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{sql}");
        // The same rows as with nothing pruned.
        let whole = case
            .replace("{rp}", "(SELECT * FROM rp OFFSET 0)")
            .replace("{lp}", "(SELECT * FROM lp OFFSET 0)");
        let pruned = sorted_rows(&mut s, &sql).await;
        assert_eq!(pruned, sorted_rows(&mut s, &whole).await, "{sql}");
    }
}

#[tokio::test]
async fn row_security_policies_prune() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    exec(
        &mut s,
        "CREATE ROLE reader;
         GRANT SELECT, UPDATE, DELETE ON rp TO reader;
         ALTER TABLE rp ENABLE ROW LEVEL SECURITY;
         CREATE POLICY low ON rp USING (a < 10);
         SET ROLE reader",
    )
    .await;
    assert_eq!(scanned_leaves(&mut s, "SELECT * FROM rp").await, ["rp_1"]);
    assert_eq!(
        sorted_rows(&mut s, "SELECT * FROM rp").await,
        ["-5|1", "5|2"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM rp WHERE a = 25").await,
        Vec::<String>::new()
    );
    assert_eq!(
        scanned_leaves(&mut s, "DELETE FROM rp WHERE b = 2").await,
        ["rp_1"]
    );
    assert_eq!(
        returned_then_rolled_back(&mut s, "DELETE FROM rp RETURNING tableoid::regclass, *").await,
        ["rp_1|-5|1", "rp_1|5|2"]
    );
}

/// The number of rows a filter starting with `nextval('probe') > 0` was
/// evaluated on (the rows of the partitions read) by `sql`.
async fn rows_read(s: &mut Session, sql: &str) -> i64 {
    exec(s, "SELECT setval('probe', 1, false)").await;
    exec(s, sql).await;
    let got = rows(s, "SELECT nextval('probe') - 1").await;
    got[0].parse().expect("a count")
}

#[tokio::test]
async fn parameters_prune_at_execution() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    exec(
        &mut s,
        "CREATE SEQUENCE probe;
         PREPARE sel(int) AS SELECT * FROM rp WHERE nextval('probe') > 0 AND a = $1;
         PREPARE upd(int) AS UPDATE rp SET b = b WHERE nextval('probe') > 0 AND a < $1;
         PREPARE del(int) AS DELETE FROM rp WHERE nextval('probe') > 0 AND a >= $1;
         PREPARE joined(int) AS SELECT * FROM rp p JOIN lp ON lp.a = p.b WHERE p.a = $1",
    )
    .await;
    // rp_3 holds 2 rows, rp_1 2, rp_2x/rp_2d 3, rp_def 2 (9 in all).
    assert_eq!(rows_read(&mut s, "EXECUTE sel(25)").await, 2);
    assert_eq!(rows_read(&mut s, "EXECUTE sel(15)").await, 3);
    // `a = NULL` is never true: PostgreSQL reads no partition either.
    assert_eq!(rows_read(&mut s, "EXECUTE sel(NULL)").await, 0);
    assert_eq!(rows_read(&mut s, "EXECUTE upd(10)").await, 2);
    exec(&mut s, "BEGIN").await;
    assert_eq!(rows_read(&mut s, "EXECUTE del(30)").await, 2);
    exec(&mut s, "ROLLBACK").await;
    // The rows are those of an unpruned read.
    for a in ["25", "15", "5", "30", "NULL", "100"] {
        assert_eq!(
            sorted_rows(&mut s, &format!("EXECUTE sel({a})")).await,
            sorted_rows(
                &mut s,
                &format!("SELECT * FROM (SELECT * FROM rp OFFSET 0) t WHERE a = {a}")
            )
            .await,
            "sel({a})"
        );
    }
    for a in ["5", "15", "NULL"] {
        assert_eq!(
            sorted_rows(&mut s, &format!("EXECUTE joined({a})")).await,
            sorted_rows(
                &mut s,
                &format!("SELECT * FROM (SELECT * FROM rp OFFSET 0) p JOIN lp ON lp.a = p.b WHERE p.a = {a}")
            )
            .await,
            "joined({a})"
        );
    }
    exec(
        &mut s,
        "PREPARE delr(int) AS DELETE FROM rp WHERE a >= $1 RETURNING tableoid::regclass, *",
    )
    .await;
    for a in ["25", "15", "30", "NULL", "-100"] {
        assert_eq!(
            returned_then_rolled_back(&mut s, &format!("EXECUTE delr({a})")).await,
            unpruned(&mut s, "rp", &format!("a >= {a}")).await,
            "delr({a})"
        );
    }
}

#[tokio::test]
async fn plpgsql_variables_prune_at_execution() {
    let mut s = memory_engine().await.session();
    tables(&mut s).await;
    exec(
        &mut s,
        "CREATE SEQUENCE probe;
         CREATE FUNCTION count_rp(k int) RETURNS bigint LANGUAGE plpgsql AS $$
         DECLARE n bigint;
         BEGIN
           SELECT count(*) INTO n FROM rp WHERE nextval('probe') > 0 AND a = k;
           RETURN n;
         END $$;
         CREATE FUNCTION clear_rp(k int) RETURNS void LANGUAGE plpgsql AS $$
         BEGIN
           DELETE FROM rp WHERE nextval('probe') > 0 AND a = k;
         END $$",
    )
    .await;
    assert_eq!(rows_read(&mut s, "SELECT count_rp(25)").await, 2);
    assert_eq!(rows(&mut s, "SELECT count_rp(25)").await, ["1"]);
    assert_eq!(rows_read(&mut s, "SELECT clear_rp(21)").await, 2);
    assert_eq!(
        sorted_rows(&mut s, "SELECT * FROM rp WHERE a > 20 AND a < 30").await,
        ["25|3"]
    );
}
