//! Table inheritance through the SQL interface: CREATE TABLE ... INHERITS
//! (column merging, inherited constraints), scans of a parent with and
//! without ONLY, UPDATE/DELETE (plain, with FROM/USING, RETURNING) across
//! the tree, TRUNCATE and DROP of a parent, ALTER TABLE propagation,
//! NO INHERIT, the catalog as psql reads it, and persistence across a
//! restart.

mod support;

use std::sync::Arc;

use borealis_sql::{CopyStart, Engine, MemStore};
use support::{check, memory_engine, run};

const TREE: &str = "CREATE TABLE f (col1 int PRIMARY KEY); \
     INSERT INTO f VALUES (1), (2); \
     CREATE TABLE fa (col2a text) INHERITS (f); \
     INSERT INTO fa VALUES (3, 'three'); \
     CREATE TABLE fb (col2b int) INHERITS (f); \
     INSERT INTO fb VALUES (4, 444); \
     CREATE TABLE faa (col3 text) INHERITS (fa); \
     INSERT INTO faa VALUES (5, 'five', 'FIVE')";

#[tokio::test]
async fn scans_include_descendants_unless_only() {
    let mut s = memory_engine().await.session();
    run(&mut s, TREE).await;
    check(
        &mut s,
        &[
            ("SELECT * FROM f ORDER BY 1", "1\n2\n3\n4\n5"),
            ("SELECT * FROM ONLY f ORDER BY 1", "1\n2"),
            ("SELECT * FROM fa ORDER BY 1", "3|three\n5|five"),
            ("SELECT * FROM faa", "5|five|FIVE"),
            (
                "SELECT tableoid::regclass, col1 FROM f ORDER BY col1",
                "f|1\nf|2\nfa|3\nfb|4\nfaa|5",
            ),
            ("SELECT count(*) FROM f* WHERE col1 > 2", "3"),
        ],
    )
    .await;
    // COPY of a parent copies its own rows, as PostgreSQL's does.
    match s.copy("COPY f TO STDOUT").await {
        Some(Ok(CopyStart::Out { data, tag, .. })) => {
            assert_eq!(data, vec![b"1\n".to_vec(), b"2\n".to_vec()]);
            assert_eq!(tag, "COPY 2");
        }
        other => panic!("COPY f TO STDOUT: {other:?}"),
    }
}

#[tokio::test]
async fn create_merges_columns_and_inherits_constraints() {
    let mut s = memory_engine().await.session();
    run(
        &mut s,
        "CREATE TABLE p (a int NOT NULL, b text DEFAULT 'x', CHECK (a > 0))",
    )
    .await;
    let mut r = s
        .execute_simple("CREATE TABLE c (b text DEFAULT 'y', d int) INHERITS (p)")
        .await;
    assert!(r.pop().is_some_and(|r| r.is_ok()));
    let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
    assert_eq!(
        notices,
        vec!["merging column \"b\" with inherited definition".to_string()]
    );
    check(
        &mut s,
        &[
            ("INSERT INTO c (a) VALUES (1)", "INSERT 0 1"),
            ("SELECT * FROM c", "1|y|NULL"),
            (
                "INSERT INTO c (a) VALUES (0)",
                "ERROR 23514: new row for relation \"c\" violates check constraint \"p_a_check\"",
            ),
            (
                "INSERT INTO c (b) VALUES ('z')",
                "ERROR 23502: null value in column \"a\" of relation \"c\" violates not-null constraint",
            ),
            (
                "CREATE TABLE bad (b int) INHERITS (p)",
                "ERROR 42804: column \"b\" has a type conflict",
            ),
            (
                "CREATE TABLE q (a int)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE pq () INHERITS (p, q)",
                "CREATE TABLE",
            ),
            ("SELECT * FROM pq", ""),
            (
                "CREATE TABLE cc (CONSTRAINT p_a_check CHECK (a > 0)) INHERITS (p)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE cd (CONSTRAINT p_a_check CHECK (a > 1)) INHERITS (p)",
                "ERROR 42710: constraint \"p_a_check\" for relation \"cd\" already exists",
            ),
            (
                "SELECT c.relname, p.relname, i.inhseqno FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent \
                 ORDER BY 1, 3",
                "c|p|1\ncc|p|1\npq|p|1\npq|q|2",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn update_and_delete_reach_descendants() {
    let mut s = memory_engine().await.session();
    run(&mut s, TREE).await;
    check(
        &mut s,
        &[
            (
                "UPDATE f SET col1 = col1 * 10 WHERE col1 > 2 RETURNING *",
                "30\n40\n50",
            ),
            ("SELECT * FROM fa ORDER BY 1", "30|three\n50|five"),
            ("UPDATE ONLY f SET col1 = col1 + 100", "UPDATE 2"),
            ("SELECT * FROM f ORDER BY 1", "30\n40\n50\n101\n102"),
            (
                "DELETE FROM f WHERE col1 IN (101, 50) RETURNING tableoid::regclass, col1",
                "f|101\nfaa|50",
            ),
            ("DELETE FROM ONLY fa", "DELETE 1"),
            ("SELECT * FROM f ORDER BY 1", "40\n102"),
            ("CREATE TABLE k (v int)", "CREATE TABLE"),
            ("INSERT INTO k VALUES (40), (102)", "INSERT 0 2"),
            (
                "UPDATE f SET col1 = f.col1 + k.v FROM k WHERE f.col1 = k.v RETURNING f.*, k.v",
                "204|102\n80|40",
            ),
            ("SELECT * FROM fb", "80|444"),
            (
                "UPDATE f SET col1 = col1 FROM k WHERE f.tableoid = 'fb'::regclass \
                 AND k.v = 40 RETURNING f.tableoid::regclass, f.col1",
                "fb|80",
            ),
            (
                "DELETE FROM f USING k WHERE f.col1 = k.v * 2 RETURNING *",
                "204|102\n80|40",
            ),
            ("SELECT count(*) FROM f", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn truncate_and_drop_follow_the_tree() {
    let mut s = memory_engine().await.session();
    run(&mut s, TREE).await;
    check(
        &mut s,
        &[
            ("BEGIN", "BEGIN"),
            ("TRUNCATE f", "TRUNCATE TABLE"),
            ("SELECT count(*) FROM f", "0"),
            ("ROLLBACK", "ROLLBACK"),
            ("BEGIN", "BEGIN"),
            ("TRUNCATE ONLY fb, fa", "TRUNCATE TABLE"),
            ("SELECT * FROM f ORDER BY 1", "1\n2"),
            ("ROLLBACK", "ROLLBACK"),
            (
                "DROP TABLE fa",
                "ERROR 2BP01: cannot drop table fa because other objects depend on it",
            ),
            ("DROP TABLE faa, fa", "DROP TABLE"),
            ("DROP TABLE f CASCADE", "DROP TABLE"),
            ("SELECT count(*) FROM pg_class WHERE relname = 'fb'", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn alter_table_propagates_to_children() {
    let mut s = memory_engine().await.session();
    run(
        &mut s,
        "CREATE TABLE foo (f1 int, f2 text); \
         CREATE TABLE foochild (fc int) INHERITS (foo); \
         INSERT INTO foochild VALUES (1, 'child', 9)",
    )
    .await;
    check(
        &mut s,
        &[
            (
                "ALTER TABLE foo ADD COLUMN f4 int8 DEFAULT 99",
                "ALTER TABLE",
            ),
            ("SELECT * FROM foochild", "1|child|9|99"),
            ("SELECT * FROM foo", "1|child|99"),
            (
                "ALTER TABLE foochild DROP COLUMN f2",
                "ERROR 42P16: cannot drop inherited column \"f2\"",
            ),
            (
                "ALTER TABLE foochild RENAME COLUMN f2 TO x",
                "ERROR 42P16: cannot rename inherited column \"f2\"",
            ),
            ("ALTER TABLE foo RENAME COLUMN f2 TO name", "ALTER TABLE"),
            ("SELECT name FROM foochild", "child"),
            ("ALTER TABLE foo DROP COLUMN f4", "ALTER TABLE"),
            ("SELECT * FROM foochild", "1|child|9"),
            (
                "ALTER TABLE foo ADD COLUMN fc text",
                "ERROR 42804: child table \"foochild\" has different type for column \"fc\"",
            ),
            ("ALTER TABLE foo ADD COLUMN fc int", "ALTER TABLE"),
            ("SELECT fc FROM foo", "9"),
            ("ALTER TABLE foo DROP COLUMN fc", "ALTER TABLE"),
            ("SELECT fc FROM foochild", "9"),
            ("ALTER TABLE foochild NO INHERIT foo", "ALTER TABLE"),
            ("SELECT count(*) FROM foo", "0"),
            ("DROP TABLE foo", "DROP TABLE"),
        ],
    )
    .await;
    run(
        &mut s,
        "CREATE TABLE p2 (a int); CREATE TABLE c2 (b int) INHERITS (p2)",
    )
    .await;
    s.take_notices();
    check(
        &mut s,
        &[("ALTER TABLE p2 ADD COLUMN b int", "ALTER TABLE")],
    )
    .await;
    let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
    assert_eq!(
        notices,
        vec!["merging definition of column \"b\" for child \"c2\"".to_string()]
    );
}

#[tokio::test]
async fn inheritance_survives_a_restart() {
    let store = Arc::new(MemStore::new());
    {
        let engine = Engine::open(store.clone()).await.expect("engine");
        let mut s = engine.session();
        run(&mut s, TREE).await;
    }
    let engine = Engine::open(store).await.expect("engine reopens");
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("SELECT count(*) FROM f", "5"),
            ("SELECT count(*) FROM ONLY f", "2"),
        ],
    )
    .await;
}

#[tokio::test]
async fn temporary_children_and_links_made_later() {
    let mut s = memory_engine().await.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP TABLE foo (f1 int, f2 text)", "CREATE TABLE"),
            (
                "CREATE TEMP TABLE foochild (fc int) INHERITS (foo)",
                "CREATE TABLE",
            ),
            ("INSERT INTO foochild VALUES (1, 'c', 2)", "INSERT 0 1"),
            ("SELECT * FROM foo", "1|c"),
            (
                "CREATE TABLE perm () INHERITS (foo)",
                "ERROR 42809: cannot inherit from temporary relation \"foo\"",
            ),
            ("CREATE TABLE solo (f1 int, f2 text, x int)", "CREATE TABLE"),
            ("INSERT INTO solo VALUES (5, 's', 0)", "INSERT 0 1"),
            (
                "ALTER TABLE foo INHERIT solo",
                "ERROR 42804: child table is missing column \"x\"",
            ),
            ("CREATE TABLE base (f1 int)", "CREATE TABLE"),
            ("ALTER TABLE solo INHERIT base", "ALTER TABLE"),
            ("SELECT f1 FROM base", "5"),
            (
                "ALTER TABLE base INHERIT solo",
                "ERROR 42P07: circular inheritance not allowed",
            ),
            ("DROP TABLE foo CASCADE", "DROP TABLE"),
            (
                "SELECT count(*) FROM pg_class WHERE relname = 'foochild'",
                "0",
            ),
        ],
    )
    .await;
}
