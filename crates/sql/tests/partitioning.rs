//! Declarative partitioning through the SQL interface: range, list and hash
//! partitions, multi-level trees, routing of INSERT/COPY rows, partition
//! constraints, row movement on UPDATE, scans, TRUNCATE and DROP of a
//! parent, and the bound checks of CREATE TABLE ... PARTITION OF.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session, SqlError, StatementOutput};

async fn session() -> Session {
    Engine::open(Arc::new(MemStore::new()))
        .await
        .expect("engine")
        .session()
}

async fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    let mut results = s.execute_simple(sql).await;
    assert_eq!(results.len(), 1, "one statement: {sql}");
    match results.pop() {
        Some(Ok(StatementOutput::Rows { rows, .. })) => rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| v.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect(),
        other => panic!("{sql}: {other:?}"),
    }
}

async fn exec(s: &mut Session, sql: &str) {
    for r in s.execute_simple(sql).await {
        if let Err(e) = r {
            panic!("{sql}: {e:?}");
        }
    }
}

async fn fails(s: &mut Session, sql: &str) -> SqlError {
    match s.execute_simple(sql).await.pop() {
        Some(Err(e)) => e,
        other => panic!("{sql} should fail: {other:?}"),
    }
}

async fn range_parted(s: &mut Session) {
    exec(
        s,
        "CREATE TABLE rp (a int, b text, PRIMARY KEY (a, b)) PARTITION BY RANGE (a)",
    )
    .await;
    exec(
        s,
        "CREATE TABLE rp_1 PARTITION OF rp FOR VALUES FROM (MINVALUE) TO (10)",
    )
    .await;
    exec(
        s,
        "CREATE TABLE rp_2 PARTITION OF rp FOR VALUES FROM (10) TO (20)",
    )
    .await;
}

#[tokio::test]
async fn range_rows_are_routed_scanned_and_counted_per_partition() {
    let mut s = session().await;
    range_parted(&mut s).await;
    exec(
        &mut s,
        "INSERT INTO rp VALUES (15, 'x'), (1, 'y'), (-5, 'z'), (10, 'w')",
    )
    .await;
    // The parent reads its partitions in bound order.
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM rp").await,
        ["-5|z", "1|y", "10|w", "15|x"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM rp_1 ORDER BY a").await,
        ["-5", "1"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM rp_2 ORDER BY a").await,
        ["10", "15"]
    );
    assert_eq!(rows(&mut s, "SELECT b FROM rp WHERE a = 15").await, ["x"]);
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM rp WHERE a >= 1").await,
        ["3"]
    );
    let e = fails(&mut s, "INSERT INTO rp VALUES (20, 'q')").await;
    assert_eq!(e.sqlstate, "23514");
    assert_eq!(e.message, "no partition of relation \"rp\" found for row");
    assert_eq!(
        e.detail.as_deref(),
        Some("Partition key of the failing row contains (a) = (20).")
    );
    let e = fails(&mut s, "INSERT INTO rp_1 VALUES (12, 'q')").await;
    assert_eq!(e.sqlstate, "23514");
    assert_eq!(
        e.message,
        "new row for relation \"rp_1\" violates partition constraint"
    );
    assert_eq!(e.detail.as_deref(), Some("Failing row contains (12, q)."));
    exec(&mut s, "INSERT INTO rp_2 VALUES (12, 'q')").await;
    // Uniqueness holds per partition through the copied primary key.
    let e = fails(&mut s, "INSERT INTO rp VALUES (12, 'q')").await;
    assert_eq!(e.sqlstate, "23505");
}

#[tokio::test]
async fn update_moves_rows_between_partitions_and_delete_reaches_all() {
    let mut s = session().await;
    range_parted(&mut s).await;
    exec(
        &mut s,
        "INSERT INTO rp VALUES (1, 'a'), (11, 'b'), (12, 'c')",
    )
    .await;
    exec(&mut s, "UPDATE rp SET a = a + 5 WHERE b IN ('a', 'b')").await;
    assert_eq!(rows(&mut s, "SELECT a, b FROM rp_1").await, ["6|a"]);
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM rp_2 ORDER BY a").await,
        ["12|c", "16|b"]
    );
    exec(&mut s, "UPDATE rp SET a = 3 WHERE b = 'c'").await;
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM rp_1 ORDER BY a").await,
        ["3|c", "6|a"]
    );
    let e = fails(&mut s, "UPDATE rp SET a = 30 WHERE b = 'c'").await;
    assert_eq!(e.message, "no partition of relation \"rp\" found for row");
    // A partition named directly keeps its rows inside its bound.
    let e = fails(&mut s, "UPDATE rp_1 SET a = 15").await;
    assert_eq!(
        e.message,
        "new row for relation \"rp_1\" violates partition constraint"
    );
    assert_eq!(
        rows(&mut s, "DELETE FROM rp WHERE a > 4 RETURNING b").await,
        ["a", "b"]
    );
    assert_eq!(rows(&mut s, "SELECT a, b FROM rp").await, ["3|c"]);
}

#[tokio::test]
async fn list_hash_default_and_multi_level_trees() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE lp (a text, b int) PARTITION BY LIST (a)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE lp_ab PARTITION OF lp FOR VALUES IN ('a', 'b')",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE lp_null PARTITION OF lp FOR VALUES IN (NULL)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE lp_cd PARTITION OF lp FOR VALUES IN ('c', 'd') PARTITION BY RANGE (b)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE lp_cd_low PARTITION OF lp_cd FOR VALUES FROM (0) TO (100)",
    )
    .await;
    exec(&mut s, "CREATE TABLE lp_def PARTITION OF lp DEFAULT").await;
    exec(
        &mut s,
        "INSERT INTO lp VALUES ('a', 1), (NULL, 2), ('c', 50), ('z', 3)",
    )
    .await;
    assert_eq!(rows(&mut s, "SELECT b FROM lp_ab").await, ["1"]);
    assert_eq!(rows(&mut s, "SELECT b FROM lp_null").await, ["2"]);
    assert_eq!(rows(&mut s, "SELECT b FROM lp_cd_low").await, ["50"]);
    assert_eq!(rows(&mut s, "SELECT b FROM lp_def").await, ["3"]);
    // A WHERE pinning every key column reads only the leaf it routes to.
    assert_eq!(
        rows(
            &mut s,
            "UPDATE lp SET b = b + 1 WHERE a = 'c' AND b = 50 RETURNING b"
        )
        .await,
        ["51"]
    );
    assert_eq!(
        rows(
            &mut s,
            "UPDATE lp SET b = 4 WHERE a = 'z' AND b = 3 RETURNING a, b"
        )
        .await,
        ["z|4"]
    );
    assert_eq!(
        rows(&mut s, "DELETE FROM lp WHERE a = 'q' AND b = 4 RETURNING a").await,
        Vec::<String>::new()
    );
    assert_eq!(
        rows(
            &mut s,
            "UPDATE lp SET b = 50 WHERE a = 'c' AND b = 51 RETURNING b"
        )
        .await,
        ["50"]
    );
    assert_eq!(rows(&mut s, "SELECT b FROM lp_def").await, ["4"]);
    let e = fails(&mut s, "INSERT INTO lp VALUES ('d', 500)").await;
    assert_eq!(
        e.message,
        "no partition of relation \"lp_cd\" found for row"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Partition key of the failing row contains (b) = (500).")
    );
    // The default partition takes only rows no other partition would.
    let e = fails(&mut s, "INSERT INTO lp_def VALUES ('a', 9)").await;
    assert_eq!(
        e.message,
        "new row for relation \"lp_def\" violates partition constraint"
    );
    let e = fails(&mut s, "INSERT INTO lp_cd_low VALUES ('a', 9)").await;
    assert_eq!(
        e.message,
        "new row for relation \"lp_cd_low\" violates partition constraint"
    );

    exec(&mut s, "CREATE TABLE hp (id int) PARTITION BY HASH (id)").await;
    for r in 0..3 {
        exec(
            &mut s,
            &format!(
                "CREATE TABLE hp_{r} PARTITION OF hp FOR VALUES WITH (MODULUS 3, REMAINDER {r})"
            ),
        )
        .await;
    }
    exec(
        &mut s,
        "INSERT INTO hp SELECT i FROM generate_series(1, 300) i",
    )
    .await;
    let mut total = 0;
    for r in 0..3 {
        let n: usize = rows(&mut s, &format!("SELECT count(*) FROM hp_{r}")).await[0]
            .parse()
            .expect("count");
        assert!(n > 50, "hash partition {r} got {n} of 300 rows");
        total += n;
    }
    assert_eq!(total, 300);
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM hp WHERE id = 77").await,
        ["1"]
    );
}

#[tokio::test]
async fn bounds_are_checked_against_siblings() {
    let mut s = session().await;
    range_parted(&mut s).await;
    let e = fails(
        &mut s,
        "CREATE TABLE fail_part PARTITION OF rp FOR VALUES FROM (5) TO (15)",
    )
    .await;
    assert_eq!(e.sqlstate, "42P17");
    assert_eq!(
        e.message,
        "partition \"fail_part\" would overlap partition \"rp_1\""
    );
    let e = fails(
        &mut s,
        "CREATE TABLE fail_part PARTITION OF rp FOR VALUES FROM (30) TO (20)",
    )
    .await;
    assert_eq!(
        e.message,
        "empty range bound specified for partition \"fail_part\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Specified lower bound (30) is greater than or equal to upper bound (20).")
    );
    let e = fails(
        &mut s,
        "CREATE TABLE fail_part PARTITION OF rp FOR VALUES IN (1)",
    )
    .await;
    assert_eq!(
        e.message,
        "invalid bound specification for a range partition"
    );
    exec(&mut s, "CREATE TABLE rp_def PARTITION OF rp DEFAULT").await;
    let e = fails(&mut s, "CREATE TABLE rp_def2 PARTITION OF rp DEFAULT").await;
    assert_eq!(
        e.message,
        "partition \"rp_def2\" conflicts with existing default partition \"rp_def\""
    );
    exec(&mut s, "CREATE TABLE plain (a int)").await;
    let e = fails(
        &mut s,
        "CREATE TABLE p2 PARTITION OF plain FOR VALUES FROM (1) TO (2)",
    )
    .await;
    assert_eq!(e.message, "\"plain\" is not partitioned");
    let e = fails(
        &mut s,
        "CREATE TABLE bad (a int, b int, PRIMARY KEY (a)) PARTITION BY RANGE (b)",
    )
    .await;
    assert_eq!(e.sqlstate, "0A000");
    assert_eq!(
        e.message,
        "unique constraint on partitioned table must include all partitioning columns"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("PRIMARY KEY constraint on table \"bad\" lacks column \"b\" which is part of the partition key.")
    );
    exec(&mut s, "CREATE TABLE hp (id int) PARTITION BY HASH (id)").await;
    exec(
        &mut s,
        "CREATE TABLE hp_0 PARTITION OF hp FOR VALUES WITH (MODULUS 4, REMAINDER 0)",
    )
    .await;
    let e = fails(
        &mut s,
        "CREATE TABLE hp_x PARTITION OF hp FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
    )
    .await;
    assert_eq!(
        e.message,
        "partition \"hp_x\" would overlap partition \"hp_0\""
    );
    let e = fails(
        &mut s,
        "CREATE TABLE hp_x PARTITION OF hp FOR VALUES WITH (MODULUS 6, REMAINDER 1)",
    )
    .await;
    assert_eq!(
        e.message,
        "every hash partition modulus must be a factor of the next larger modulus"
    );
}

#[tokio::test]
async fn update_from_and_delete_using_move_and_reach_partitions() {
    let mut s = session().await;
    range_parted(&mut s).await;
    exec(
        &mut s,
        "INSERT INTO rp VALUES (1, 'a'), (11, 'b'); CREATE TABLE k (x int)",
    )
    .await;
    exec(&mut s, "INSERT INTO k VALUES (1), (11)").await;
    // Each row moves to the other partition; none is updated twice.
    assert_eq!(
        rows(
            &mut s,
            "UPDATE rp SET a = 12 - a FROM k WHERE a = k.x \
             RETURNING rp.*, k.x, rp.tableoid::regclass"
        )
        .await,
        ["11|a|1|rp_2", "1|b|11|rp_1"]
    );
    assert_eq!(rows(&mut s, "SELECT a, b FROM rp_1").await, ["1|b"]);
    let e = fails(&mut s, "UPDATE rp_1 SET a = 15 FROM k WHERE a = k.x").await;
    assert_eq!(
        e.message,
        "new row for relation \"rp_1\" violates partition constraint"
    );
    assert_eq!(
        rows(
            &mut s,
            "DELETE FROM rp USING k WHERE rp.a = k.x AND k.x < 5 RETURNING rp.b, rp.tableoid::regclass"
        )
        .await,
        ["b|rp_1"]
    );
    assert_eq!(rows(&mut s, "SELECT a, b FROM rp").await, ["11|a"]);
}

#[tokio::test]
async fn truncate_and_drop_of_the_parent_reach_its_partitions() {
    let mut s = session().await;
    range_parted(&mut s).await;
    exec(&mut s, "INSERT INTO rp VALUES (1, 'a'), (11, 'b')").await;
    exec(&mut s, "TRUNCATE rp").await;
    assert_eq!(rows(&mut s, "SELECT count(*) FROM rp").await, ["0"]);
    assert_eq!(rows(&mut s, "SELECT count(*) FROM rp_2").await, ["0"]);
    // Partitions are part of the transaction's DDL like any table.
    exec(&mut s, "BEGIN").await;
    exec(&mut s, "DROP TABLE rp").await;
    let e = fails(&mut s, "SELECT * FROM rp_1").await;
    assert_eq!(e.sqlstate, "42P01");
    exec(&mut s, "ROLLBACK").await;
    exec(&mut s, "INSERT INTO rp VALUES (2, 'c')").await;
    assert_eq!(rows(&mut s, "SELECT a FROM rp_1").await, ["2"]);
    exec(&mut s, "DROP TABLE rp").await;
    let e = fails(&mut s, "SELECT * FROM rp_2").await;
    assert_eq!(e.sqlstate, "42P01");
}

#[tokio::test]
async fn expression_keys_route_by_their_value() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE ep (a text, b int) PARTITION BY RANGE (a, (b + 0))",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE ep_1 PARTITION OF ep FOR VALUES FROM ('a', 1) TO ('a', 10)",
    )
    .await;
    exec(&mut s, "INSERT INTO ep VALUES ('a', 5)").await;
    let e = fails(&mut s, "INSERT INTO ep VALUES ('a', NULL)").await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Partition key of the failing row contains (a, (b + 0)) = (a, null).")
    );
    exec(
        &mut s,
        "CREATE TABLE el (a text) PARTITION BY LIST (lower(a))",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE el_x PARTITION OF el FOR VALUES IN ('x')",
    )
    .await;
    exec(&mut s, "INSERT INTO el VALUES ('X')").await;
    assert_eq!(rows(&mut s, "SELECT a FROM el_x").await, ["X"]);
    let e = fails(
        &mut s,
        "CREATE TABLE eu (a int PRIMARY KEY) PARTITION BY RANGE ((a + 1))",
    )
    .await;
    assert_eq!(
        e.message,
        "unsupported PRIMARY KEY constraint with partition key definition"
    );
}

#[tokio::test]
async fn attached_partitions_may_order_columns_differently() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE ap (a text, b int, c int) PARTITION BY RANGE (b)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE ap_1 PARTITION OF ap FOR VALUES FROM (0) TO (10)",
    )
    .await;
    exec(&mut s, "CREATE TABLE ap_2 (c int, b int, a text)").await;
    exec(&mut s, "INSERT INTO ap_2 VALUES (7, 15, 'pre')").await;
    exec(
        &mut s,
        "ALTER TABLE ap ATTACH PARTITION ap_2 FOR VALUES FROM (10) TO (20)",
    )
    .await;
    exec(
        &mut s,
        "INSERT INTO ap VALUES ('x', 1, 100), ('y', 12, 200)",
    )
    .await;
    assert_eq!(
        rows(&mut s, "SELECT a, b, c FROM ap ORDER BY b").await,
        ["x|1|100", "y|12|200", "pre|15|7"]
    );
    assert_eq!(
        rows(&mut s, "SELECT * FROM ap_2 ORDER BY b").await,
        ["200|12|y", "7|15|pre"]
    );
    // Constraint errors show the row in the statement target's order.
    exec(&mut s, "ALTER TABLE ap ADD CONSTRAINT c_pos CHECK (c >= 0)").await;
    let e = fails(&mut s, "INSERT INTO ap VALUES ('neg', 12, -1)").await;
    assert_eq!(
        e.message,
        "new row for relation \"ap_2\" violates check constraint \"c_pos\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Failing row contains (neg, 12, -1).")
    );
    exec(&mut s, "ALTER TABLE ap DROP CONSTRAINT c_pos").await;
    // Row movement between partitions of different column orders.
    assert_eq!(
        rows(
            &mut s,
            "UPDATE ap SET b = b + 10 WHERE a = 'x' RETURNING a, b, c"
        )
        .await,
        ["x|11|100"]
    );
    assert_eq!(
        rows(
            &mut s,
            "UPDATE ap SET b = 2, c = c + 1 WHERE a = 'pre' RETURNING *"
        )
        .await,
        ["pre|2|8"]
    );
    assert_eq!(rows(&mut s, "SELECT a FROM ap_1").await, ["pre"]);
    assert_eq!(
        rows(&mut s, "DELETE FROM ap WHERE c >= 200 RETURNING a").await,
        ["y"]
    );
    // Rows already in a table must fit the bound it is attached with.
    exec(&mut s, "CREATE TABLE ap_3 (a text, b int, c int)").await;
    exec(&mut s, "INSERT INTO ap_3 VALUES ('z', 99, 0)").await;
    let e = fails(
        &mut s,
        "ALTER TABLE ap ATTACH PARTITION ap_3 FOR VALUES FROM (20) TO (30)",
    )
    .await;
    assert_eq!(e.sqlstate, "23514");
    assert_eq!(
        e.message,
        "partition constraint of relation \"ap_3\" is violated by some row"
    );
    // CREATE TABLE ... (LIKE parent) makes a table ready to attach.
    exec(&mut s, "CREATE TABLE ap_like (LIKE ap)").await;
    exec(
        &mut s,
        "ALTER TABLE ap ATTACH PARTITION ap_like FOR VALUES FROM (30) TO (40)",
    )
    .await;
    exec(&mut s, "INSERT INTO ap VALUES ('l', 33, 1)").await;
    assert_eq!(rows(&mut s, "SELECT a FROM ap_like").await, ["l"]);
    exec(&mut s, "CREATE TABLE ap_bad (a text, b int)").await;
    let e = fails(
        &mut s,
        "ALTER TABLE ap ATTACH PARTITION ap_bad FOR VALUES FROM (20) TO (30)",
    )
    .await;
    assert_eq!(e.message, "child table is missing column \"c\"");
    // A default partition holding a row of a new partition's range blocks it.
    exec(&mut s, "CREATE TABLE ap_def PARTITION OF ap DEFAULT").await;
    exec(&mut s, "INSERT INTO ap VALUES ('d', 25, 0)").await;
    let e = fails(
        &mut s,
        "CREATE TABLE ap_4 PARTITION OF ap FOR VALUES FROM (20) TO (30)",
    )
    .await;
    assert_eq!(
        e.message,
        "updated partition constraint for default partition \"ap_def\" would be violated by some row"
    );
    exec(&mut s, "ALTER TABLE ap DETACH PARTITION ap_2").await;
    // ('x', 11) left with ap_2; ('pre', 2), ('d', 25) and ('l', 33) stay.
    assert_eq!(
        rows(&mut s, "SELECT a FROM ap ORDER BY a").await,
        ["d", "l", "pre"]
    );
    exec(&mut s, "INSERT INTO ap_2 VALUES (0, 500, 'free')").await;
    let e = fails(&mut s, "TRUNCATE ONLY ap").await;
    assert_eq!(e.message, "cannot truncate only a partitioned table");
}

#[tokio::test]
async fn alter_table_of_a_partitioned_table_reaches_its_partitions() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE at (a int, b int) PARTITION BY LIST (a)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE at_1 PARTITION OF at (b NOT NULL DEFAULT 5) FOR VALUES IN (1)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE at_2 PARTITION OF at FOR VALUES IN (2)",
    )
    .await;
    exec(&mut s, "INSERT INTO at_1 (a) VALUES (1)").await;
    exec(&mut s, "ALTER TABLE at ADD c text, DROP b").await;
    exec(&mut s, "INSERT INTO at VALUES (2, 'two')").await;
    assert_eq!(
        rows(&mut s, "SELECT a, c FROM at ORDER BY a").await,
        ["1|NULL", "2|two"]
    );
    assert_eq!(rows(&mut s, "SELECT * FROM at_2").await, ["2|two"]);
    exec(
        &mut s,
        "ALTER TABLE at ADD CONSTRAINT c_len CHECK (length(c) < 4)",
    )
    .await;
    let e = fails(&mut s, "INSERT INTO at VALUES (1, 'long')").await;
    assert_eq!(
        e.message,
        "new row for relation \"at_1\" violates check constraint \"c_len\""
    );
    // Indexes of a partitioned table are built on every partition.
    exec(&mut s, "CREATE INDEX at_c ON at (c)").await;
    assert_eq!(
        rows(&mut s, "SELECT a FROM at WHERE c = 'two'").await,
        ["2"]
    );
    let e = fails(&mut s, "CREATE UNIQUE INDEX ON at (c)").await;
    assert_eq!(
        e.message,
        "unique constraint on partitioned table must include all partitioning columns"
    );
    let e = fails(&mut s, "ALTER TABLE at_1 DROP CONSTRAINT c_len").await;
    assert_eq!(
        e.message,
        "cannot drop inherited constraint \"c_len\" of relation \"at_1\""
    );
    // A partition's own CHECK of the same name merges with the parent's.
    exec(
        &mut s,
        "CREATE TABLE at_3 PARTITION OF at (CONSTRAINT c_len CHECK (length(c) < 4)) FOR VALUES IN (3)",
    )
    .await;
    exec(&mut s, "ALTER TABLE at DROP CONSTRAINT c_len").await;
    exec(&mut s, "INSERT INTO at VALUES (3, 'longer')").await;
    let e = fails(&mut s, "ALTER TABLE at DROP COLUMN a").await;
    assert_eq!(
        e.message,
        "cannot drop column \"a\" because it is part of the partition key of relation \"at\""
    );
    let e = fails(&mut s, "ALTER TABLE at_1 ADD COLUMN z int").await;
    assert_eq!(e.message, "cannot add column to a partition");
    let e = fails(&mut s, "CREATE TABLE bad (a int) INHERITS (at)").await;
    assert_eq!(e.message, "cannot inherit from partitioned table \"at\"");
}

#[tokio::test]
async fn tableoid_names_the_partition_a_row_was_read_from() {
    let mut s = session().await;
    range_parted(&mut s).await;
    exec(&mut s, "INSERT INTO rp VALUES (1, 'a'), (11, 'b')").await;
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass, * FROM rp").await,
        ["rp_1|1|a", "rp_2|11|b"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT p.tableoid::regclass, p.* FROM rp p WHERE a > 5"
        )
        .await,
        ["rp_2|11|b"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT tableoid::regclass::text, count(*) FROM rp_1 GROUP BY 1"
        )
        .await,
        ["rp_1|1"]
    );
}

#[tokio::test]
async fn key_and_bound_expressions_are_refused_as_in_postgresql() {
    let mut s = session().await;
    for (sql, message) in [
        (
            "CREATE TABLE k (a int) PARTITION BY RANGE ((avg(a)))",
            "aggregate functions are not allowed in partition key expressions",
        ),
        (
            "CREATE TABLE k (a int) PARTITION BY RANGE ((42))",
            "cannot use constant expression as partition key",
        ),
        (
            "CREATE TABLE k (a int) PARTITION BY MAGIC (a)",
            "unrecognized partitioning strategy \"magic\"",
        ),
        (
            "CREATE TABLE k (a int) PARTITION BY RANGE (b)",
            "column \"b\" named in partition key does not exist",
        ),
        (
            "CREATE TABLE k (a int, b int) PARTITION BY LIST (a, b)",
            "cannot use \"list\" partition strategy with more than one column",
        ),
    ] {
        assert_eq!(fails(&mut s, sql).await.message, message, "{sql}");
    }
    exec(&mut s, "CREATE TABLE lb (a int) PARTITION BY LIST (a)").await;
    exec(&mut s, "CREATE TABLE lb_b (b bool) PARTITION BY LIST (b)").await;
    for (sql, message) in [
        (
            "CREATE TABLE f PARTITION OF lb FOR VALUES IN (sum(a))",
            "cannot use column reference in partition bound expression",
        ),
        (
            "CREATE TABLE f PARTITION OF lb FOR VALUES IN (sum(1))",
            "aggregate functions are not allowed in partition bound",
        ),
        (
            "CREATE TABLE f PARTITION OF lb FOR VALUES IN ((select 1))",
            "cannot use subquery in partition bound",
        ),
        (
            "CREATE TABLE f PARTITION OF lb FOR VALUES IN (generate_series(4, 6))",
            "set-returning functions are not allowed in partition bound",
        ),
        (
            "CREATE TABLE f PARTITION OF lb_b FOR VALUES IN (1)",
            "specified value cannot be cast to type boolean for column \"b\"",
        ),
    ] {
        assert_eq!(fails(&mut s, sql).await.message, message, "{sql}");
    }
    // A parenthesized column is the column itself.
    exec(&mut s, "CREATE TABLE pc (a int) PARTITION BY RANGE ((a))").await;
    let e = fails(&mut s, "INSERT INTO pc VALUES (1)").await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Partition key of the failing row contains (a) = (1).")
    );
}

#[tokio::test]
async fn foreign_keys_may_reference_a_partitioned_table() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE fa (a int PRIMARY KEY) PARTITION BY RANGE (a)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE fa1 PARTITION OF fa FOR VALUES FROM (0) TO (10)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE fa2 PARTITION OF fa FOR VALUES FROM (10) TO (20)",
    )
    .await;
    exec(&mut s, "INSERT INTO fa VALUES (0), (5), (15)").await;
    exec(
        &mut s,
        "CREATE TABLE fb (b int PRIMARY KEY, a int REFERENCES fa (a) ON DELETE CASCADE)",
    )
    .await;
    exec(&mut s, "INSERT INTO fb VALUES (1, 0), (2, 5), (3, 15)").await;
    let e = fails(&mut s, "INSERT INTO fb VALUES (4, 7)").await;
    assert_eq!(e.sqlstate, "23503");
    // Deleting through the parent or from a partition cascades.
    exec(&mut s, "DELETE FROM fa WHERE a = 5").await;
    exec(&mut s, "DELETE FROM fa2").await;
    assert_eq!(rows(&mut s, "SELECT b FROM fb").await, ["1"]);
}

#[tokio::test]
async fn on_conflict_through_the_parent_uses_the_partition_keys() {
    let mut s = session().await;
    range_parted(&mut s).await;
    exec(&mut s, "INSERT INTO rp VALUES (1, 'a'), (12, 'b')").await;
    assert_eq!(
        rows(
            &mut s,
            "INSERT INTO rp VALUES (1, 'a'), (12, 'c') ON CONFLICT (a, b) DO NOTHING RETURNING a, b"
        )
        .await,
        ["12|c"]
    );
    assert_eq!(
        rows(
            &mut s,
            "INSERT INTO rp VALUES (12, 'b') ON CONFLICT (a, b) DO UPDATE SET b = 'bb' RETURNING *"
        )
        .await,
        ["12|bb"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM rp_2 ORDER BY b").await,
        ["12|bb", "12|c"]
    );
    let e = fails(
        &mut s,
        "INSERT INTO rp VALUES (12, 'c') ON CONFLICT (a, b) DO UPDATE SET a = 1",
    )
    .await;
    assert_eq!(e.message, "invalid ON UPDATE specification");
}

#[tokio::test]
async fn partitioning_survives_a_restart_and_rolls_back_with_its_transaction() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.expect("engine");
        let mut s = e.session();
        range_parted(&mut s).await;
        exec(&mut s, "INSERT INTO rp VALUES (1, 'a'), (15, 'b')").await;
        // A partition created in a rolled-back transaction leaves no trace.
        exec(&mut s, "BEGIN").await;
        exec(
            &mut s,
            "CREATE TABLE rp_3 PARTITION OF rp FOR VALUES FROM (20) TO (30)",
        )
        .await;
        exec(&mut s, "INSERT INTO rp VALUES (25, 'c')").await;
        exec(&mut s, "ROLLBACK").await;
        drop(s);
        e.close().await.expect("close");
    }
    let e = Engine::open(store).await.expect("reopen");
    let mut s = e.session();
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass, a FROM rp").await,
        ["rp_1|1", "rp_2|15"]
    );
    let e2 = fails(&mut s, "INSERT INTO rp VALUES (25, 'c')").await;
    assert_eq!(e2.message, "no partition of relation \"rp\" found for row");
    let e2 = fails(&mut s, "INSERT INTO rp_1 VALUES (15, 'x')").await;
    assert_eq!(
        e2.message,
        "new row for relation \"rp_1\" violates partition constraint"
    );
}

#[tokio::test]
async fn catalogs_describe_partitioned_tables_and_partitions() {
    let mut s = session().await;
    range_parted(&mut s).await;
    assert_eq!(
        rows(
            &mut s,
            "SELECT relname, relkind, relispartition FROM pg_class WHERE relname LIKE 'rp%' AND relkind <> 'i' ORDER BY 1"
        )
        .await,
        ["rp|p|f", "rp_1|r|t", "rp_2|r|t"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT partstrat, partnatts, partattrs FROM pg_partitioned_table WHERE partrelid = 'rp'::regclass"
        )
        .await,
        ["r|1|1"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'rp'::regclass ORDER BY 1"
        )
        .await,
        ["rp_1", "rp_2"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT attislocal, attinhcount FROM pg_attribute WHERE attrelid = 'rp_1'::regclass AND attnum > 0"
        )
        .await,
        ["f|1", "f|1"]
    );
}
