//! Expression, partial and INCLUDE indexes through SQL: every write path
//! keeps their entries (a row has an entry only when the predicate is
//! true; an expression key is the expression's value), unique ones reject
//! duplicates with PostgreSQL's DETAIL, the planner reads them only when
//! the query implies what they hold, and their definitions survive a
//! restart of the engine on the same store.

mod support;

use std::sync::Arc;
use support::{exec, rows};

use borealis_sql::{Engine, MemStore, Session};

/// The error of a statement that must fail: (sqlstate, message, detail).
async fn error(s: &mut Session, sql: &str) -> (String, String, String) {
    let err = s
        .execute_simple(sql)
        .await
        .into_iter()
        .find_map(Result::err)
        .unwrap_or_else(|| panic!("{sql} succeeded"));
    (
        err.sqlstate.to_string(),
        err.message,
        err.detail.unwrap_or_default(),
    )
}

async fn plan(s: &mut Session, sql: &str) -> String {
    rows(s, &format!("EXPLAIN {sql}")).await.join("\n")
}

#[tokio::test]
async fn unique_expression_index_rejects_duplicates_on_every_write_path() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE u (a int, x text)").await;
    exec(&mut s, "CREATE UNIQUE INDEX u_lower ON u (lower(x))").await;
    exec(&mut s, "INSERT INTO u VALUES (1, 'abc'), (2, 'def')").await;
    let dup = (
        "23505".to_string(),
        "duplicate key value violates unique constraint \"u_lower\"".to_string(),
        "Key (lower(x))=(abc) already exists.".to_string(),
    );
    assert_eq!(error(&mut s, "INSERT INTO u VALUES (3, 'ABC')").await, dup);
    assert_eq!(
        error(&mut s, "UPDATE u SET x = 'Abc' WHERE a = 2").await,
        dup
    );
    // An UPDATE that keeps the key, and one that frees it for another row.
    exec(&mut s, "UPDATE u SET x = 'ABC' WHERE a = 1").await;
    exec(&mut s, "UPDATE u SET x = 'xyz' WHERE a = 1").await;
    exec(&mut s, "INSERT INTO u VALUES (3, 'abc')").await;
    exec(&mut s, "DELETE FROM u WHERE a = 3").await;
    exec(&mut s, "INSERT INTO u VALUES (4, 'Abc')").await;
    exec(&mut s, "TRUNCATE u").await;
    exec(&mut s, "INSERT INTO u VALUES (5, 'ABC')").await;
    assert_eq!(
        rows(&mut s, "SELECT a, x FROM u ORDER BY a").await,
        ["5|ABC"]
    );
    // Building the index over duplicates fails like PostgreSQL's.
    exec(&mut s, "INSERT INTO u VALUES (6, 'q'), (7, 'rst')").await;
    assert_eq!(
        error(&mut s, "CREATE UNIQUE INDEX u_len ON u (length(x))").await,
        (
            "23505".to_string(),
            "could not create unique index \"u_len\"".to_string(),
            "Key (length(x))=(3) is duplicated.".to_string(),
        )
    );
}

#[tokio::test]
async fn partial_unique_index_holds_only_rows_matching_its_predicate() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE p (a int, b int, note text)").await;
    exec(&mut s, "CREATE UNIQUE INDEX p_a7 ON p (a) WHERE b = 7").await;
    exec(
        &mut s,
        "INSERT INTO p VALUES (1, 7, 'x'), (1, 8, 'y'), (1, 9, 'z')",
    )
    .await;
    let (state, _, detail) = error(&mut s, "INSERT INTO p VALUES (1, 7, 'w')").await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("23505", "Key (a)=(1) already exists.")
    );
    // A row leaving the predicate frees its key; entering it claims one.
    exec(&mut s, "UPDATE p SET b = 6 WHERE note = 'x'").await;
    exec(&mut s, "UPDATE p SET b = 7 WHERE note = 'y'").await;
    let (state, ..) = error(&mut s, "UPDATE p SET b = 7 WHERE note = 'z'").await;
    assert_eq!(state, "23505");
    // ON CONFLICT infers the partial index only with its predicate.
    exec(
        &mut s,
        "INSERT INTO p VALUES (1, 7, 'new') ON CONFLICT (a) WHERE b = 7 DO UPDATE SET note = 'hit'",
    )
    .await;
    let (state, ..) = error(
        &mut s,
        "INSERT INTO p VALUES (1, 7, 'n') ON CONFLICT (a) DO NOTHING",
    )
    .await;
    assert_eq!(state, "42P10");
    assert_eq!(
        rows(&mut s, "SELECT a, b, note FROM p ORDER BY note").await,
        ["1|7|hit", "1|6|x", "1|9|z"]
    );
}

#[tokio::test]
async fn partial_index_is_read_only_when_the_query_implies_its_predicate() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE v (a int, b int, x text)").await;
    exec(
        &mut s,
        "INSERT INTO v SELECT g, g % 3, 'X' || g FROM generate_series(1, 30) g",
    )
    .await;
    exec(&mut s, "CREATE INDEX v_part ON v (a) WHERE b = 1").await;
    exec(&mut s, "CREATE INDEX v_lower ON v (lower(x))").await;
    // a = 5 has b = 2: not in the partial index, and must still be found.
    assert!(!plan(&mut s, "SELECT * FROM v WHERE a = 5")
        .await
        .contains("v_part"));
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM v WHERE a = 5").await,
        ["5|2"]
    );
    assert!(plan(&mut s, "SELECT * FROM v WHERE a = 4 AND b = 1")
        .await
        .contains("v_part"));
    assert_eq!(
        rows(&mut s, "SELECT a, b FROM v WHERE a = 4 AND b = 1").await,
        ["4|1"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE a = 5 AND b = 1").await,
        Vec::<String>::new()
    );
    // The expression index answers `lower(x) = value`, and follows writes.
    assert!(plan(&mut s, "SELECT * FROM v WHERE lower(x) = 'x7'")
        .await
        .contains("v_lower"));
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE lower(x) = 'x7'").await,
        ["7"]
    );
    exec(&mut s, "UPDATE v SET x = 'Y7', b = 1 WHERE a = 7").await;
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE lower(x) = 'x7'").await,
        Vec::<String>::new()
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE lower(x) = 'y7'").await,
        ["7"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE a = 7 AND b = 1").await,
        ["7"]
    );
    exec(&mut s, "DELETE FROM v WHERE lower(x) = 'y7'").await;
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM v WHERE lower(x) = 'y7'").await,
        ["0"]
    );
    // COPY rows get entries too.
    s.copy("COPY v FROM STDIN")
        .await
        .expect("a COPY")
        .expect("COPY starts");
    s.copy_in_data(b"100\t1\tCopied\n101\t2\tOther\n")
        .await
        .unwrap();
    s.copy_in_done().await.unwrap();
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE lower(x) = 'copied'").await,
        ["100"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE a = 100 AND b = 1").await,
        ["100"]
    );
    assert_eq!(
        rows(&mut s, "SELECT a FROM v WHERE a = 101 AND b = 1").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn partitions_get_copies_named_as_postgres_names_them() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(
        &mut s,
        "CREATE TABLE pc (id int, b int, x text) PARTITION BY RANGE (id)",
    )
    .await;
    exec(
        &mut s,
        "CREATE TABLE pc1 PARTITION OF pc FOR VALUES FROM (1) TO (10)",
    )
    .await;
    exec(&mut s, "CREATE INDEX pc_b_pred ON pc (b) WHERE b = 1").await;
    exec(&mut s, "CREATE INDEX pc_b_expr ON pc ((b = 1))").await;
    exec(&mut s, "CREATE INDEX pc_d_expr ON pc ((b + 2))").await;
    exec(&mut s, "CREATE UNIQUE INDEX ON pc (id, lower(x))").await;
    exec(
        &mut s,
        "CREATE TABLE pc2 PARTITION OF pc FOR VALUES FROM (10) TO (20)",
    )
    .await;
    exec(&mut s, "CREATE TABLE pc3 (x text, b int, id int)").await;
    exec(&mut s, "INSERT INTO pc3 VALUES ('a', 1, 25), ('b', 2, 25)").await;
    exec(
        &mut s,
        "ALTER TABLE pc ATTACH PARTITION pc3 FOR VALUES FROM (20) TO (30)",
    )
    .await;
    let defs = "SELECT c.relname, pg_get_indexdef(i.indexrelid, 0, true) FROM pg_index i \
                JOIN pg_class c ON c.oid = i.indexrelid \
                WHERE i.indrelid IN ('pc2'::regclass, 'pc3'::regclass) ORDER BY 1";
    assert_eq!(
        rows(&mut s, defs).await,
        [
            "pc2_b_idx|CREATE INDEX pc2_b_idx ON pc2 USING btree (b) WHERE b = 1",
            "pc2_expr_idx|CREATE INDEX pc2_expr_idx ON pc2 USING btree ((b = 1))",
            "pc2_expr_idx1|CREATE INDEX pc2_expr_idx1 ON pc2 USING btree ((b + 2))",
            "pc2_id_lower_idx|CREATE UNIQUE INDEX pc2_id_lower_idx ON pc2 USING btree (id, lower(x))",
            "pc3_b_idx|CREATE INDEX pc3_b_idx ON pc3 USING btree (b) WHERE b = 1",
            "pc3_expr_idx|CREATE INDEX pc3_expr_idx ON pc3 USING btree ((b = 1))",
            "pc3_expr_idx1|CREATE INDEX pc3_expr_idx1 ON pc3 USING btree ((b + 2))",
            "pc3_id_lower_idx|CREATE UNIQUE INDEX pc3_id_lower_idx ON pc3 USING btree (id, lower(x))",
        ]
    );
    // Routed rows (and rows moved between partitions) are checked per leaf.
    exec(&mut s, "INSERT INTO pc VALUES (1, 1, 'a'), (11, 1, 'a')").await;
    let (state, _, detail) = error(&mut s, "INSERT INTO pc VALUES (25, 1, 'A')").await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("23505", "Key (id, lower(x))=(25, a) already exists.")
    );
    exec(&mut s, "UPDATE pc SET id = 12 WHERE id = 1").await;
    assert_eq!(
        rows(&mut s, "SELECT id, x FROM pc WHERE b = 1 AND id = 12").await,
        ["12|a"]
    );
}

#[tokio::test]
async fn dropping_a_used_column_drops_the_index() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE d (a int, b int, x text, y text)").await;
    exec(&mut s, "CREATE INDEX d_expr ON d (lower(x))").await;
    exec(&mut s, "CREATE INDEX d_pred ON d (a) WHERE y IS NOT NULL").await;
    exec(&mut s, "CREATE INDEX d_incl ON d (a) INCLUDE (b)").await;
    exec(&mut s, "CREATE INDEX d_keep ON d ((a + 1)) WHERE a > 0").await;
    exec(&mut s, "ALTER TABLE d DROP COLUMN x").await;
    exec(&mut s, "ALTER TABLE d DROP COLUMN y").await;
    exec(&mut s, "ALTER TABLE d DROP COLUMN b").await;
    assert_eq!(
        rows(
            &mut s,
            "SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index \
             WHERE indrelid = 'd'::regclass"
        )
        .await,
        ["d_keep|CREATE INDEX d_keep ON public.d USING btree (((a + 1))) WHERE (a > 0)"]
    );
    exec(&mut s, "INSERT INTO d VALUES (1), (-1)").await;
    assert_eq!(
        rows(&mut s, "SELECT a FROM d WHERE a + 1 = 2 AND a > 0").await,
        ["1"]
    );
}

#[tokio::test]
async fn index_definitions_survive_a_restart() {
    let store = Arc::new(MemStore::new());
    let engine = Engine::open(store.clone()).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE r (a int, b int, x text)").await;
    exec(
        &mut s,
        "CREATE UNIQUE INDEX r_lower ON r (lower(x)) WHERE b IS NOT NULL",
    )
    .await;
    exec(
        &mut s,
        "CREATE INDEX r_incl ON r (a) INCLUDE (x) WHERE a > 5",
    )
    .await;
    exec(
        &mut s,
        "INSERT INTO r VALUES (1, 1, 'abc'), (2, NULL, 'ABC')",
    )
    .await;
    let defs = "SELECT pg_get_indexdef(indexrelid) FROM pg_index \
                WHERE indrelid = 'r'::regclass ORDER BY 1";
    let before = rows(&mut s, defs).await;
    assert_eq!(
        before,
        [
            "CREATE INDEX r_incl ON public.r USING btree (a) INCLUDE (x) WHERE (a > 5)",
            "CREATE UNIQUE INDEX r_lower ON public.r USING btree (lower(x)) WHERE (b IS NOT NULL)",
        ]
    );
    drop(s);
    drop(engine);
    let reopened = Engine::open(store).await.unwrap();
    let mut s = reopened.session();
    assert_eq!(rows(&mut s, defs).await, before);
    let (state, _, detail) = error(&mut s, "INSERT INTO r VALUES (3, 3, 'Abc')").await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("23505", "Key (lower(x))=(abc) already exists.")
    );
    exec(&mut s, "INSERT INTO r VALUES (4, NULL, 'abc')").await;
}

#[tokio::test]
async fn renaming_a_column_keeps_expression_and_predicate_on_it() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE rn (a int, x text)").await;
    exec(
        &mut s,
        "CREATE UNIQUE INDEX rn_lower ON rn (lower(x)) WHERE a > 0",
    )
    .await;
    exec(&mut s, "ALTER TABLE rn RENAME COLUMN x TO \"Name\"").await;
    assert_eq!(
        rows(&mut s, "SELECT pg_get_indexdef('rn_lower'::regclass)").await,
        ["CREATE UNIQUE INDEX rn_lower ON public.rn USING btree (lower(\"Name\")) WHERE (a > 0)"]
    );
    exec(&mut s, "INSERT INTO rn VALUES (1, 'abc'), (-1, 'abc')").await;
    let (state, _, detail) = error(&mut s, "INSERT INTO rn VALUES (2, 'ABC')").await;
    assert_eq!(
        (state.as_str(), detail.as_str()),
        ("23505", "Key (lower(\"Name\"))=(abc) already exists.")
    );
}

#[tokio::test]
async fn on_conflict_infers_expression_indexes() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE oc (id int, x text, n int DEFAULT 0)").await;
    exec(&mut s, "CREATE UNIQUE INDEX oc_key ON oc (id, lower(x))").await;
    exec(&mut s, "INSERT INTO oc VALUES (1, 'abc')").await;
    exec(
        &mut s,
        "INSERT INTO oc VALUES (1, 'ABC') ON CONFLICT (lower(x), id) DO UPDATE SET n = oc.n + 1",
    )
    .await;
    exec(
        &mut s,
        "INSERT INTO oc VALUES (1, 'Abc') ON CONFLICT ((lower(x)), id) DO NOTHING",
    )
    .await;
    assert_eq!(rows(&mut s, "SELECT id, x, n FROM oc").await, ["1|abc|1"]);
    let (state, ..) = error(
        &mut s,
        "INSERT INTO oc VALUES (1, 'x') ON CONFLICT (upper(x), id) DO NOTHING",
    )
    .await;
    assert_eq!(state, "42P10");
    let (state, ..) = error(
        &mut s,
        "INSERT INTO oc VALUES (1, 'x') ON CONFLICT (id, x) DO NOTHING",
    )
    .await;
    assert_eq!(state, "42P10");
}

#[tokio::test]
async fn index_expressions_must_be_immutable_and_name_real_columns() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    exec(&mut s, "CREATE TABLE im (a int, t timestamptz)").await;
    for (sql, state, message) in [
        (
            "CREATE INDEX ON im ((a > random()))",
            "42P17",
            "functions in index expression must be marked IMMUTABLE",
        ),
        (
            "CREATE INDEX ON im (a) WHERE t < now()",
            "42P17",
            "functions in index predicate must be marked IMMUTABLE",
        ),
        (
            "CREATE INDEX ON im ((a + (SELECT 1)))",
            "0A000",
            "cannot use subquery in index expression",
        ),
        (
            "CREATE INDEX ON im (nope)",
            "42703",
            "column \"nope\" does not exist",
        ),
    ] {
        let (got_state, got_message, _) = error(&mut s, sql).await;
        assert_eq!(
            (got_state.as_str(), got_message.as_str()),
            (state, message),
            "{sql}"
        );
    }
}
