//! CREATE SEQUENCE / DROP SEQUENCE end to end on a `MemStore`: PostgreSQL's
//! option validation errors, nextval on an explicit sequence, dependency
//! errors, transactional DDL and durability across a restart.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session, StatementOutput};

/// One line per result: a tag, `v1|v2` per row, or `ERROR <state>: <msg>`.
async fn run(s: &mut Session, sql: &str) -> String {
    let mut out = Vec::new();
    for r in s.execute_simple(sql).await {
        match r {
            Ok(StatementOutput::Command { tag }) => out.push(tag),
            Ok(StatementOutput::Rows { rows, .. }) => {
                for row in rows {
                    out.push(
                        row.into_iter()
                            .map(|v| v.unwrap_or_else(|| "NULL".into()))
                            .collect::<Vec<_>>()
                            .join("|"),
                    );
                }
            }
            Err(e) => out.push(format!("ERROR {}: {}", e.sqlstate, e.message)),
        }
    }
    out.join("\n")
}

#[tokio::test]
async fn create_sequence_validates_options_like_postgres() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        (
            "CREATE SEQUENCE x INCREMENT BY 0",
            "ERROR 22023: INCREMENT must not be zero",
        ),
        (
            "CREATE SEQUENCE x INCREMENT BY -1 MINVALUE 20",
            "ERROR 22023: MINVALUE (20) must be less than MAXVALUE (-1)",
        ),
        (
            "CREATE SEQUENCE x INCREMENT BY -1 START 10",
            "ERROR 22023: START value (10) cannot be greater than MAXVALUE (-1)",
        ),
        (
            "CREATE SEQUENCE x AS text",
            "ERROR 22023: sequence type must be smallint, integer, or bigint",
        ),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
    assert_eq!(
        run(&mut s, "SELECT nextval('x')").await,
        "ERROR 42P01: relation \"x\" does not exist"
    );
}

#[tokio::test]
async fn explicit_sequence_hands_out_values_and_survives_restart() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        assert_eq!(
            run(
                &mut s,
                "CREATE SEQUENCE seq; SELECT nextval('seq'), nextval('seq')"
            )
            .await,
            "CREATE SEQUENCE\n1|2"
        );
        assert_eq!(
            run(&mut s, "CREATE SEQUENCE seq").await,
            "ERROR 42P07: relation \"seq\" already exists"
        );
        assert_eq!(
            run(&mut s, "CREATE SEQUENCE IF NOT EXISTS seq").await,
            "CREATE SEQUENCE"
        );
        drop(s);
        e.close().await.unwrap();
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    assert_eq!(run(&mut s, "SELECT nextval('seq')").await, "3");
}

#[tokio::test]
async fn sequence_ddl_is_transactional() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    assert_eq!(
        run(
            &mut s,
            "BEGIN; CREATE SEQUENCE t1; SELECT nextval('t1'); ROLLBACK"
        )
        .await,
        "BEGIN\nCREATE SEQUENCE\n1\nROLLBACK"
    );
    assert_eq!(
        run(&mut s, "SELECT nextval('t1')").await,
        "ERROR 42P01: relation \"t1\" does not exist"
    );
    assert_eq!(
        run(
            &mut s,
            "CREATE SEQUENCE t2; BEGIN; DROP SEQUENCE t2; ROLLBACK; SELECT nextval('t2')"
        )
        .await,
        "CREATE SEQUENCE\nBEGIN\nDROP SEQUENCE\nROLLBACK\n1"
    );
}

#[tokio::test]
async fn drop_sequence_respects_column_defaults() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    assert_eq!(
        run(&mut s, "CREATE TABLE t (a serial, b int)").await,
        "CREATE TABLE"
    );
    let err = s.execute_simple("DROP SEQUENCE t_a_seq").await;
    let Some(Err(err)) = err.into_iter().next() else {
        panic!("DROP SEQUENCE of a SERIAL sequence succeeded");
    };
    assert_eq!(
        (err.sqlstate, err.message.as_str()),
        (
            "2BP01",
            "cannot drop sequence t_a_seq because other objects depend on it"
        )
    );
    assert_eq!(
        run(
            &mut s,
            "DROP SEQUENCE t_a_seq CASCADE; INSERT INTO t VALUES (5, 1); SELECT a, b FROM t"
        )
        .await,
        "DROP SEQUENCE\nINSERT 0 1\n5|1"
    );
    assert_eq!(
        run(
            &mut s,
            "DROP SEQUENCE IF EXISTS nope, t_a_seq; DROP SEQUENCE t"
        )
        .await,
        "DROP SEQUENCE\nERROR 42809: \"t\" is not a sequence"
    );
    // The default went with the sequence; the SERIAL column stays NOT NULL.
    assert_eq!(
        run(&mut s, "INSERT INTO t (b) VALUES (2)").await,
        "ERROR 23502: null value in column \"a\" of relation \"t\" violates not-null constraint"
    );
}
