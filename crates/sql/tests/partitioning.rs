//! Declarative partitioning through the SQL interface: range, list and hash
//! partitions, multi-level trees, routing of INSERT/COPY rows, partition
//! constraints, row movement on UPDATE, scans, TRUNCATE and DROP of a
//! parent, and the bound checks of CREATE TABLE ... PARTITION OF.

mod support;

use std::sync::Arc;
use support::{exec, pruning_tables, rows, scanned_leaves, sorted_rows};

use borealis_sql::{Engine, MemStore, Session, SqlError};

async fn session() -> Session {
    Engine::open(Arc::new(MemStore::new()))
        .await
        .expect("engine")
        .session()
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

/// The hash partitions of `t` with modulus 4, remainders 0..3.
async fn four_hash_partitions(s: &mut Session, t: &str) {
    for r in 0..4 {
        exec(
            s,
            &format!(
                "CREATE TABLE {t}_{r} PARTITION OF {t} FOR VALUES WITH (MODULUS 4, REMAINDER {r})"
            ),
        )
        .await;
    }
}

#[tokio::test]
async fn hash_keys_route_through_a_user_operator_class() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE FUNCTION noop_hash(value int4, seed int8) RETURNS int8 AS $$ SELECT value + seed $$ LANGUAGE sql STRICT IMMUTABLE",
    )
    .await;
    exec(
        &mut s,
        "CREATE OPERATOR CLASS noop_ops FOR TYPE int4 USING hash AS OPERATOR 1 =, FUNCTION 2 noop_hash(int4, int8)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE hp (a int) PARTITION BY HASH (a noop_ops)",
    )
    .await;
    four_hash_partitions(&mut s, "hp").await;
    exec(
        &mut s,
        "INSERT INTO hp SELECT g FROM generate_series(1, 10) g",
    )
    .await;
    // value + seed: the remainder is the value's own (mod 4), as in PostgreSQL.
    assert_eq!(
        rows(
            &mut s,
            "SELECT tableoid::regclass, count(*) FROM hp GROUP BY 1 ORDER BY 1"
        )
        .await,
        vec!["hp_0|2", "hp_1|3", "hp_2|3", "hp_3|2"]
    );
    exec(&mut s, "INSERT INTO hp_0 VALUES (12)").await;
    let e = fails(&mut s, "INSERT INTO hp_0 VALUES (11)").await;
    assert_eq!(
        e.message,
        "new row for relation \"hp_0\" violates partition constraint"
    );
    assert_eq!(
        rows(&mut s, "SELECT pg_get_partkeydef('hp'::regclass)").await,
        vec!["HASH (a noop_ops)"]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT opcname FROM pg_opclass WHERE opcname = 'noop_ops'"
        )
        .await,
        vec!["noop_ops"]
    );
    let e = fails(&mut s, "DROP OPERATOR CLASS noop_ops USING hash").await;
    assert_eq!(e.sqlstate, "2BP01");
    exec(&mut s, "DROP TABLE hp").await;
    exec(&mut s, "DROP OPERATOR CLASS noop_ops USING hash").await;
    let e = fails(&mut s, "DROP OPERATOR CLASS noop_ops USING hash").await;
    assert_eq!(
        e.message,
        "operator class \"noop_ops\" does not exist for access method \"hash\""
    );
}

#[tokio::test]
async fn operator_classes_survive_a_restart() {
    let store = Arc::new(MemStore::new());
    {
        let mut s = Engine::open(store.clone()).await.expect("engine").session();
        exec(
            &mut s,
            "CREATE FUNCTION len_hash(value text, seed int8) RETURNS int8 AS $$ SELECT length(value)::int8 $$ LANGUAGE sql STRICT IMMUTABLE",
        )
        .await;
        exec(
            &mut s,
            "CREATE OPERATOR CLASS len_ops FOR TYPE text USING hash AS OPERATOR 1 =, FUNCTION 2 len_hash(text, int8)",
        )
        .await;
        exec(
            &mut s,
            "CREATE TABLE ht (t text) PARTITION BY HASH (t len_ops)",
        )
        .await;
        four_hash_partitions(&mut s, "ht").await;
    }
    let mut s = Engine::open(store).await.expect("reopen").session();
    exec(&mut s, "INSERT INTO ht VALUES ('a'), ('bb'), ('cccc')").await;
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass, t FROM ht ORDER BY t").await,
        vec!["ht_0|a", "ht_1|bb", "ht_3|cccc"]
    );
    let e = fails(
        &mut s,
        "CREATE OPERATOR CLASS len_ops FOR TYPE text USING hash AS OPERATOR 1 =",
    )
    .await;
    assert_eq!(e.sqlstate, "42710");
}

#[tokio::test]
async fn partition_keys_name_built_in_classes_and_collations() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE kp (a int, c text, d text) PARTITION BY RANGE (a oid_ops, c collate \"default\", d collate \"C\")",
    )
    .await;
    assert_eq!(
        rows(&mut s, "SELECT pg_get_partkeydef('kp'::regclass)").await,
        vec!["RANGE (a oid_ops, c, d COLLATE \"C\")"]
    );
    exec(
        &mut s,
        "CREATE TABLE kq (a int) PARTITION BY LIST (a int4_ops)",
    )
    .await;
    assert_eq!(
        rows(&mut s, "SELECT pg_get_partkeydef('kq'::regclass)").await,
        vec!["LIST (a)"]
    );
    let e = fails(
        &mut s,
        "CREATE TABLE kr (a int) PARTITION BY LIST (a point_ops)",
    )
    .await;
    assert_eq!(
        e.message,
        "operator class \"point_ops\" does not exist for access method \"btree\""
    );
    let e = fails(
        &mut s,
        "CREATE TABLE kr (a int) PARTITION BY HASH (a text_ops)",
    )
    .await;
    assert_eq!(
        e.message,
        "operator class \"text_ops\" does not accept data type integer"
    );
}

#[tokio::test]
async fn overlap_errors_point_where_postgres_points() {
    let mut s = session().await;
    exec(&mut s, "CREATE TABLE r2 (a int) PARTITION BY RANGE (a)").await;
    exec(
        &mut s,
        "CREATE TABLE r2_1 PARTITION OF r2 FOR VALUES FROM (1) TO (10)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE r2_2 PARTITION OF r2 FOR VALUES FROM (20) TO (30)",
    )
    .await;
    // In the gap after 10: the upper bound runs into r2_2.
    let sql = "CREATE TABLE f PARTITION OF r2 FOR VALUES FROM (10) TO (30)";
    let e = fails(&mut s, sql).await;
    assert_eq!(
        e.message,
        "partition \"f\" would overlap partition \"r2_2\""
    );
    assert_eq!(e.position, Some(sql.find("30").map_or(0, |i| i as u32 + 1)));
    exec(
        &mut s,
        "CREATE TABLE r3 (a int, b int) PARTITION BY RANGE (a, b)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE r3_1 PARTITION OF r3 FOR VALUES FROM (1, 10) TO (1, MAXVALUE)",
    )
    .await;
    let sql = "CREATE TABLE f PARTITION OF r3 FOR VALUES FROM (1, 10) TO (1, 20)";
    let e = fails(&mut s, sql).await;
    assert_eq!(
        e.position,
        Some(sql.find("(1,").map_or(0, |i| i as u32 + 2))
    );
    exec(
        &mut s,
        "CREATE TABLE r3_0 PARTITION OF r3 FOR VALUES FROM (1, 1) TO (1, 10)",
    )
    .await;
    // The lower bound (1, 10) ends r3_0 and starts r3_1: PostgreSQL decides
    // on the second column and points at its value.
    let sql = "CREATE TABLE f PARTITION OF r3 FOR VALUES FROM (1, 10) TO (1, 20)";
    let e = fails(&mut s, sql).await;
    assert_eq!(
        e.message,
        "partition \"f\" would overlap partition \"r3_1\""
    );
    assert_eq!(
        e.position,
        Some(sql.find("10)").map_or(0, |i| i as u32 + 1))
    );
    exec(&mut s, "CREATE TABLE r3_d PARTITION OF r3 DEFAULT").await;
    let sql = "CREATE TABLE fail_default_part PARTITION OF r3 DEFAULT";
    let e = fails(&mut s, sql).await;
    assert_eq!(
        e.position,
        Some(sql.rfind("DEFAULT").map_or(0, |i| i as u32 + 1))
    );
}

#[tokio::test]
async fn key_functions_inlined_by_postgres_route_rows() {
    let mut s = session().await;
    // Not marked IMMUTABLE, but PostgreSQL inlines it to a + 1.
    exec(
        &mut s,
        "CREATE FUNCTION plus_one(a int) RETURNS int AS $$ SELECT a + 1 $$ LANGUAGE sql",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE fp (a int) PARTITION BY RANGE (plus_one(a))",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE fp_1 PARTITION OF fp FOR VALUES FROM (0) TO (10)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE fp_2 PARTITION OF fp FOR VALUES FROM (10) TO (20)",
    )
    .await;
    exec(&mut s, "INSERT INTO fp VALUES (3), (9), (15)").await;
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass, a FROM fp ORDER BY a").await,
        vec!["fp_1|3", "fp_2|9", "fp_2|15"]
    );
}

#[tokio::test]
async fn upsert_reaches_a_partition_with_its_own_column_order() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE ut (a int PRIMARY KEY, b text) PARTITION BY LIST (a)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE ut_1 PARTITION OF ut FOR VALUES IN (1)",
    )
    .await;
    exec(&mut s, "CREATE TABLE ut_2 (b text, a int PRIMARY KEY)").await;
    exec(
        &mut s,
        "ALTER TABLE ut ATTACH PARTITION ut_2 FOR VALUES IN (2)",
    )
    .await;
    exec(&mut s, "INSERT INTO ut VALUES (1, 'Boo'), (2, 'Zoo')").await;
    assert_eq!(
        rows(
            &mut s,
            "INSERT INTO ut VALUES (1, 'x'), (2, 'y') ON CONFLICT (a) DO UPDATE SET b = excluded.b || ut.b RETURNING *",
        )
        .await,
        vec!["1|xBoo", "2|yZoo"]
    );
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass, a, b FROM ut ORDER BY a").await,
        vec!["ut_1|1|xBoo", "ut_2|2|yZoo"]
    );
}

#[tokio::test]
async fn a_before_row_trigger_cannot_move_a_row_out_of_its_partition() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE bt (a int, b text) PARTITION BY LIST (a)",
    )
    .await;
    exec(&mut s, "CREATE TABLE bt1 PARTITION OF bt FOR VALUES IN (1)").await;
    exec(
        &mut s,
        "CREATE FUNCTION bump() RETURNS trigger AS $$ BEGIN new.a := 2; RETURN new; END $$ LANGUAGE plpgsql",
    )
    .await;
    exec(
        &mut s,
        "CREATE TRIGGER bump BEFORE INSERT ON bt1 FOR EACH ROW EXECUTE PROCEDURE bump()",
    )
    .await;
    for sql in [
        "INSERT INTO bt VALUES (1, 'hi')",
        "INSERT INTO bt1 VALUES (1, 'hi')",
    ] {
        let e = fails(&mut s, sql).await;
        assert_eq!(
            e.message,
            "new row for relation \"bt1\" violates partition constraint"
        );
        assert_eq!(e.detail.as_deref(), Some("Failing row contains (2, hi)."));
    }
}

#[tokio::test]
async fn key_functions_stay_and_bounds_print_as_postgres() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE FUNCTION p1(a int) RETURNS int AS $$ SELECT a + 1 $$ LANGUAGE sql",
    )
    .await;
    exec(&mut s, "CREATE TABLE kf (a int) PARTITION BY RANGE (p1(a))").await;
    let e = fails(&mut s, "DROP FUNCTION p1(int)").await;
    assert_eq!(
        e.message,
        "cannot drop function p1(integer) because other objects depend on it"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("table kf depends on function p1(integer)")
    );
    exec(&mut s, "CREATE TABLE bp (a bool) PARTITION BY LIST (a)").await;
    exec(
        &mut s,
        "CREATE TABLE bp_t PARTITION OF bp FOR VALUES IN (true)",
    )
    .await;
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'bp_t'"
        )
        .await,
        vec!["FOR VALUES IN (true)"]
    );
    exec(&mut s, "CREATE TABLE ap (a int[]) PARTITION BY LIST (a)").await;
    exec(
        &mut s,
        "CREATE TABLE ap12 PARTITION OF ap FOR VALUES IN ('{1}', '{2}')",
    )
    .await;
    assert_eq!(
        rows(
            &mut s,
            "SELECT pg_get_partition_constraintdef('ap12'::regclass)"
        )
        .await,
        vec!["((a IS NOT NULL) AND ((a = '{1}'::integer[]) OR (a = '{2}'::integer[])))"]
    );
    exec(&mut s, "INSERT INTO ap VALUES ('{2}')").await;
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass FROM ap").await,
        vec!["ap12"]
    );
}

#[tokio::test]
async fn bound_errors_point_at_the_offending_value() {
    let mut s = session().await;
    exec(&mut s, "CREATE TABLE lp (a int) PARTITION BY LIST (a)").await;
    let sql = "CREATE TABLE f PARTITION OF lp FOR VALUES IN ((select 1))";
    let e = fails(&mut s, sql).await;
    assert_eq!(e.message, "cannot use subquery in partition bound");
    assert_eq!(
        e.position,
        Some(sql.find("(select").map_or(0, |i| i as u32 + 1))
    );
    let sql = "CREATE TABLE f PARTITION OF lp FOR VALUES IN ((1+1) collate \"POSIX\")";
    let e = fails(&mut s, sql).await;
    assert_eq!(e.message, "collations are not supported by type integer");
    assert_eq!(
        e.position,
        Some(sql.find("collate").map_or(0, |i| i as u32 + 1))
    );
    exec(
        &mut s,
        "CREATE TABLE mp (a int, b int, c int) PARTITION BY RANGE (a, b, c)",
    )
    .await;
    let sql = "CREATE TABLE f PARTITION OF mp FOR VALUES FROM (10, 6, minvalue) TO (10, maxvalue, minvalue)";
    let e = fails(&mut s, sql).await;
    assert_eq!(
        e.message,
        "every bound following MAXVALUE must also be MAXVALUE"
    );
    assert_eq!(
        e.position,
        Some(sql.rfind("minvalue").map_or(0, |i| i as u32 + 1))
    );
}

#[tokio::test]
async fn a_values_row_calling_a_set_returning_function_inserts_its_rows() {
    let mut s = session().await;
    exec(&mut s, "CREATE TABLE sv (a int) PARTITION BY HASH (a)").await;
    four_hash_partitions(&mut s, "sv").await;
    exec(&mut s, "INSERT INTO sv VALUES (generate_series(1, 10))").await;
    assert_eq!(
        rows(&mut s, "SELECT count(*), sum(a) FROM sv").await,
        vec!["10|55"]
    );
    // Where PostgreSQL 15's hashint4extended puts 1..10 under modulus 4.
    assert_eq!(
        rows(
            &mut s,
            "SELECT tableoid::regclass, count(*) FROM sv GROUP BY 1 ORDER BY 1"
        )
        .await,
        vec!["sv_0|1", "sv_1|4", "sv_2|1", "sv_3|4"]
    );
}

#[tokio::test]
async fn byte_order_collations_are_accepted_others_refused() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE cm (a text COLLATE \"C\", b text COLLATE \"C\") PARTITION BY RANGE (a)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE cm1 PARTITION OF cm (a COLLATE \"POSIX\") FOR VALUES FROM ('a') TO ('m')",
    )
    .await;
    exec(&mut s, "INSERT INTO cm VALUES ('b', 'x')").await;
    assert_eq!(
        rows(&mut s, "SELECT tableoid::regclass FROM cm").await,
        vec!["cm1"]
    );
    let e = fails(&mut s, "CREATE TABLE cx (a text COLLATE \"de_DE\")").await;
    assert_eq!(e.sqlstate, "0A000");
}

#[tokio::test]
async fn pruned_scans_return_the_rows_of_unpruned_ones() {
    let mut s = session().await;
    pruning_tables(&mut s).await;
    let cases = [
        ("lp", "a = 1"),
        ("lp", "a IN (2, 3)"),
        ("lp", "a IN (2, NULL)"),
        ("lp", "a IS NULL"),
        ("lp", "a = 7"),
        ("lp", "a > 2"),
        ("lp", "a <= 2 AND a >= 2"),
        ("lp", "a = 1 AND a = 3"),
        ("lp", "1 = a OR a = 3"),
        ("rp", "a = 15"),
        ("rp", "a = 15 AND b = 1"),
        ("rp", "a = 19 AND b IS NULL"),
        ("rp", "a BETWEEN 12 AND 22"),
        ("rp", "a < 10"),
        ("rp", "10 > a"),
        ("rp", "a >= 30"),
        ("rp", "a > 9 AND a < 10"),
        ("rp", "a IS NULL"),
        ("rp", "a >= 0 AND a < 30"),
        ("rp", "a >= 0 AND a <= 30"),
        ("rp", "a > 29 AND a < 31"),
        ("rp", "b = 1"),
        ("hp", "a = 5 AND b = '5'"),
        ("hp", "a = 5"),
        ("hp", "a IS NULL AND b = '1'"),
        ("hp", "a = 2 AND b IS NULL"),
        ("hp", "a IN (3, 4, 5) AND b IN ('3', '4', '5')"),
        ("mp", "a = 10"),
        ("mp", "a = 10 AND b = 4"),
        ("mp", "a = 10 AND b = 9"),
        ("mp", "a IS NULL"),
        ("mp", "a = 3 AND b IS NULL"),
        ("mp", "a >= 20"),
        ("mp", "a < 10"),
    ];
    for (table, condition) in cases {
        let pruned = sorted_rows(
            &mut s,
            &format!("SELECT tableoid::regclass, * FROM {table} WHERE {condition}"),
        )
        .await;
        // A derived table is never pruned: every leaf is read.
        let whole = sorted_rows(
            &mut s,
            &format!(
                "SELECT * FROM (SELECT tableoid::regclass, * FROM {table} OFFSET 0) t WHERE {condition}"
            ),
        )
        .await;
        assert_eq!(pruned, whole, "{table} WHERE {condition}");
    }
}

#[tokio::test]
async fn explain_shows_only_the_leaves_left_after_pruning() {
    let mut s = session().await;
    pruning_tables(&mut s).await;
    let cases: [(&str, &[&str]); 18] = [
        ("SELECT * FROM lp WHERE a = 1", &["lp_1"]),
        ("SELECT * FROM lp WHERE a IN (2, 3)", &["lp_1", "lp_3"]),
        ("SELECT * FROM lp WHERE a IS NULL", &["lp_null"]),
        ("SELECT * FROM lp WHERE a = 7", &["lp_def"]),
        ("SELECT * FROM lp WHERE a > 2", &["lp_3", "lp_def"]),
        ("SELECT * FROM rp WHERE a = 15", &["rp_2x", "rp_2d"]),
        ("SELECT * FROM rp WHERE a = 15 AND b = 1", &["rp_2x"]),
        (
            "SELECT * FROM rp WHERE a BETWEEN 12 AND 22",
            &["rp_2x", "rp_2d", "rp_3"],
        ),
        ("SELECT * FROM rp WHERE a IS NULL", &["rp_def"]),
        ("SELECT * FROM rp WHERE a < 10", &["rp_1"]),
        ("SELECT * FROM rp WHERE a >= 30", &["rp_def"]),
        (
            "SELECT * FROM rp WHERE a >= 0 AND a < 30",
            &["rp_1", "rp_2x", "rp_2d", "rp_3"],
        ),
        (
            "SELECT * FROM rp WHERE a >= 0 AND a <= 30",
            &["rp_1", "rp_2x", "rp_2d", "rp_3", "rp_def"],
        ),
        ("SELECT * FROM hp WHERE a = 5 AND b = '5'", &["hp_1"]),
        ("SELECT * FROM hp WHERE a = 5", &["hp_0", "hp_1", "hp_2"]),
        ("SELECT * FROM mp WHERE a = 10 AND b = 9", &["mp_2"]),
        // Not understood: every leaf.
        (
            "SELECT * FROM lp WHERE a + 0 = 1",
            &["lp_1", "lp_3", "lp_null", "lp_def"],
        ),
        (
            "SELECT * FROM lp WHERE a = 1 OR a = 3",
            &["lp_1", "lp_3", "lp_null", "lp_def"],
        ),
    ];
    for (sql, leaves) in cases {
        assert_eq!(scanned_leaves(&mut s, sql).await, leaves, "{sql}");
    }
    let single = rows(&mut s, "EXPLAIN (COSTS OFF) SELECT * FROM lp WHERE a = 1").await;
    assert_eq!(single, ["Seq Scan on lp_1 lp", "  Filter: (a = 1)"]);
}

#[tokio::test]
async fn expression_and_whole_row_keys_prune() {
    let mut s = session().await;
    exec(
        &mut s,
        "CREATE TABLE wr (a int, b int) PARTITION BY LIST ((row(a, b)::wr));
         CREATE TABLE wr1 PARTITION OF wr FOR VALUES IN ('(1,2)'::wr);
         CREATE TABLE wr2 PARTITION OF wr FOR VALUES IN ('(2,4)'::wr);
         INSERT INTO wr VALUES (1, 2), (2, 4);
         CREATE TABLE ep (a int, b int) PARTITION BY RANGE ((a + b));
         CREATE TABLE ep1 PARTITION OF ep FOR VALUES FROM (0) TO (10);
         CREATE TABLE ep2 PARTITION OF ep FOR VALUES FROM (10) TO (20);
         INSERT INTO ep VALUES (1, 2), (5, 9);",
    )
    .await;
    let plan = rows(
        &mut s,
        "EXPLAIN (COSTS OFF) SELECT * FROM wr WHERE row(a,b)::wr = '(1,2)'::wr",
    )
    .await;
    assert_eq!(
        plan,
        [
            "Seq Scan on wr1 wr",
            "  Filter: (ROW(a, b)::wr = '(1,2)'::wr)"
        ]
    );
    assert_eq!(
        rows(&mut s, "SELECT * FROM wr WHERE row(a,b)::wr = '(1,2)'::wr").await,
        ["1|2"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM ep WHERE a + b = 14").await,
        ["ep2"]
    );
    assert_eq!(
        scanned_leaves(&mut s, "SELECT * FROM ep WHERE a + b < 10").await,
        ["ep1"]
    );
    assert_eq!(
        rows(&mut s, "SELECT * FROM ep WHERE a + b = 14").await,
        ["5|9"]
    );
}
