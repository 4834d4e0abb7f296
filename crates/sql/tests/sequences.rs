//! CREATE SEQUENCE / DROP SEQUENCE end to end on a `MemStore`: PostgreSQL's
//! option validation errors, nextval on an explicit sequence, dependency
//! errors, transactional DDL and durability across a restart.

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore, Session, StatementOutput};
use support::run;

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

/// Values of `SELECT nextval(..)` run `n` times, one autocommit statement each.
async fn nextvals(s: &mut Session, seq: &str, n: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let v = run(s, &format!("SELECT nextval('{seq}')")).await;
        out.push(v.parse().unwrap_or_else(|_| panic!("nextval gave {v}")));
    }
    out
}

#[tokio::test]
async fn options_are_honoured_by_nextval() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    run(
        &mut s,
        "CREATE SEQUENCE up INCREMENT BY 4 MINVALUE 5 MAXVALUE 36 START 24 CYCLE",
    )
    .await;
    assert_eq!(nextvals(&mut s, "up", 5).await, vec![24, 28, 32, 36, 5]);
    run(
        &mut s,
        "CREATE SEQUENCE down AS smallint INCREMENT -3 MINVALUE -8 START -1",
    )
    .await;
    assert_eq!(nextvals(&mut s, "down", 3).await, vec![-1, -4, -7]);
    assert_eq!(
        run(&mut s, "SELECT nextval('down')").await,
        "ERROR 2200H: nextval: reached minimum value of sequence \"down\" (-8)"
    );
    run(&mut s, "CREATE SEQUENCE small AS smallint START 32766").await;
    assert_eq!(nextvals(&mut s, "small", 2).await, vec![32766, 32767]);
    assert_eq!(
        run(&mut s, "SELECT nextval('small')").await,
        "ERROR 2200H: nextval: reached maximum value of sequence \"small\" (32767)"
    );
    // SERIAL sequences take their column's type, as in PostgreSQL.
    run(&mut s, "CREATE TABLE ser (a smallserial, b text)").await;
    assert_eq!(
        run(&mut s, "SELECT setval('ser_a_seq', 32767)").await,
        "32767"
    );
    assert_eq!(
        run(&mut s, "INSERT INTO ser (b) VALUES ('x')").await,
        "ERROR 2200H: nextval: reached maximum value of sequence \"ser_a_seq\" (32767)"
    );
    assert_eq!(
        run(
            &mut s,
            "CREATE SEQUENCE c CACHE 10; SELECT nextval('c'), nextval('c')"
        )
        .await,
        "CREATE SEQUENCE\n1|2"
    );
}

#[tokio::test]
async fn setval_currval_lastval_and_the_sequence_relation() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    run(&mut s, "CREATE SEQUENCE Seq MINVALUE 5 MAXVALUE 36").await;
    assert_eq!(run(&mut s, "SELECT * FROM seq").await, "5|0|f");
    assert_eq!(
        run(&mut s, "SELECT currval('seq')").await,
        "ERROR 55000: currval of sequence \"seq\" is not yet defined in this session"
    );
    assert_eq!(
        run(&mut s, "SELECT lastval()").await,
        "ERROR 55000: lastval is not yet defined in this session"
    );
    assert_eq!(
        run(
            &mut s,
            "SELECT nextval('SEQ'::regclass), currval('seq'::text), lastval()"
        )
        .await,
        "5|5|5"
    );
    assert_eq!(
        run(&mut s, "SELECT setval('seq', 100)").await,
        "ERROR 22003: setval: value 100 is out of bounds for sequence \"seq\" (5..36)"
    );
    assert_eq!(
        run(&mut s, "SELECT setval('seq', 20), nextval('seq')").await,
        "20|21"
    );
    assert_eq!(
        run(
            &mut s,
            "SELECT setval('seq', 30, false), nextval('seq'), currval('seq')"
        )
        .await,
        "30|30|30"
    );
    assert_eq!(
        run(&mut s, "SELECT last_value, is_called FROM seq").await,
        "30|t"
    );
    // Another session has its own currval.
    let mut other = e.session();
    assert_eq!(
        run(&mut other, "SELECT currval('seq')").await,
        "ERROR 55000: currval of sequence \"seq\" is not yet defined in this session"
    );
    assert_eq!(run(&mut s, "DISCARD SEQUENCES").await, "DISCARD SEQUENCES");
    assert_eq!(
        run(&mut s, "SELECT lastval()").await,
        "ERROR 55000: lastval is not yet defined in this session"
    );
    assert_eq!(
        run(&mut s, "SELECT nextval('nope')").await,
        "ERROR 42P01: relation \"nope\" does not exist"
    );
}

#[tokio::test]
async fn alter_sequence_like_postgres() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    run(
        &mut s,
        "CREATE SEQUENCE s2 START WITH 32; CREATE TABLE tab (a int)",
    )
    .await;
    assert_eq!(nextvals(&mut s, "s2", 1).await, vec![32]);
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE s2 RESTART").await,
        "ALTER SEQUENCE"
    );
    assert_eq!(nextvals(&mut s, "s2", 1).await, vec![32]);
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE s2 RESTART WITH 0").await,
        "ERROR 22023: RESTART value (0) cannot be less than MINVALUE (1)"
    );
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE s2 RESTART WITH -24 START WITH -24 INCREMENT BY -4 MINVALUE -36 MAXVALUE -5 CYCLE").await,
        "ALTER SEQUENCE"
    );
    assert_eq!(
        nextvals(&mut s, "s2", 5).await,
        vec![-24, -28, -32, -36, -5]
    );
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE IF EXISTS nope RESTART").await,
        "ALTER SEQUENCE"
    );
    let notices: Vec<String> = s
        .take_notices()
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        notices,
        vec!["NOTICE: relation \"nope\" does not exist, skipping (42P01)"]
    );
    run(&mut s, "CREATE SEQUENCE IF NOT EXISTS s2").await;
    let notices: Vec<String> = s
        .take_notices()
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        notices,
        vec!["NOTICE: relation \"s2\" already exists, skipping (42P07)"]
    );
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE tab CYCLE").await,
        "ERROR 42809: \"tab\" is not a sequence"
    );
    // AS: bounds at the old type's limits follow; others must fit.
    run(
        &mut s,
        "CREATE SEQUENCE i AS integer; CREATE SEQUENCE j AS integer MAXVALUE 100000",
    )
    .await;
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE i AS smallint").await,
        "ALTER SEQUENCE"
    );
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE j AS smallint").await,
        "ERROR 22023: MAXVALUE (100000) is out of range for sequence data type smallint"
    );
    assert_eq!(run(&mut s, "SELECT setval('i', 32767)").await, "32767");
    assert_eq!(
        run(&mut s, "SELECT setval('i', 32768)").await,
        "ERROR 22003: setval: value 32768 is out of bounds for sequence \"i\" (1..32767)"
    );
    // ALTER is transactional: ROLLBACK keeps the old options and position.
    assert_eq!(
        run(
            &mut s,
            "BEGIN; ALTER SEQUENCE s2 INCREMENT BY 100 RESTART WITH -5; ROLLBACK"
        )
        .await,
        "BEGIN\nALTER SEQUENCE\nROLLBACK"
    );
    assert_eq!(nextvals(&mut s, "s2", 1).await, vec![-9]);
    // Created and altered in one transaction: the ALTER applies at once.
    assert_eq!(
        run(&mut s, "BEGIN; CREATE SEQUENCE fresh; SELECT nextval('fresh'); ALTER SEQUENCE fresh INCREMENT BY 10; SELECT nextval('fresh'); COMMIT").await,
        "BEGIN\nCREATE SEQUENCE\n1\nALTER SEQUENCE\n11\nCOMMIT"
    );
    assert_eq!(nextvals(&mut s, "fresh", 1).await, vec![21]);
    // Renaming (also through ALTER TABLE) keeps the position and the
    // column defaults that call the sequence.
    run(&mut s, "CREATE TABLE ser (a serial, b text)").await;
    run(&mut s, "INSERT INTO ser (b) VALUES ('x')").await;
    assert_eq!(
        run(&mut s, "ALTER TABLE ser_a_seq RENAME TO ser_a_foo").await,
        "ALTER TABLE"
    );
    assert_eq!(
        run(&mut s, "ALTER SEQUENCE s2 RENAME TO s3").await,
        "ALTER SEQUENCE"
    );
    assert_eq!(nextvals(&mut s, "s3", 1).await, vec![-13]);
    assert_eq!(
        run(
            &mut s,
            "INSERT INTO ser (b) VALUES ('y'); SELECT a, b FROM ser ORDER BY a"
        )
        .await,
        "INSERT 0 1\n1|x\n2|y"
    );
    assert_eq!(
        run(&mut s, "SELECT nextval('s2')").await,
        "ERROR 42P01: relation \"s2\" does not exist"
    );
    // OWNED BY: the sequence goes with its table.
    assert_eq!(
        run(&mut s, "CREATE SEQUENCE o OWNED BY tab.b").await,
        "ERROR 42703: column \"b\" of relation \"tab\" does not exist"
    );
    assert_eq!(
        run(&mut s, "CREATE SEQUENCE o OWNED BY nobody").await,
        "ERROR 42601: invalid OWNED BY option"
    );
    run(&mut s, "CREATE SEQUENCE o OWNED BY tab.a; DROP TABLE tab").await;
    assert_eq!(
        run(&mut s, "SELECT nextval('o')").await,
        "ERROR 42P01: relation \"o\" does not exist"
    );
}

/// After a crash (no `Engine::close`), a sequence resumes beyond every
/// value handed out along its own path: below them when descending, and
/// after a CYCLE wrap from the mark that covered the wrap. Options,
/// RESTART, RENAME and setval survive too.
#[tokio::test]
async fn reservations_follow_the_increment_and_cycles_across_a_crash() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        run(&mut s, "CREATE SEQUENCE down INCREMENT BY -2 START -1").await;
        assert_eq!(nextvals(&mut s, "down", 3).await, vec![-1, -3, -5]);
        run(&mut s, "CREATE SEQUENCE c MAXVALUE 5 CYCLE").await;
        // 1..5, then wrapped 1, 2: the wrap happened after the first
        // reservation (32 steps ahead of value 1) was durable.
        assert_eq!(nextvals(&mut s, "c", 7).await, vec![1, 2, 3, 4, 5, 1, 2]);
        run(
            &mut s,
            "CREATE SEQUENCE r; SELECT nextval('r'), nextval('r')",
        )
        .await;
        run(&mut s, "ALTER SEQUENCE r RESTART WITH 500").await;
        run(&mut s, "CREATE SEQUENCE sv; SELECT setval('sv', 1000)").await;
        // One implicit transaction, statements sqlparser lacks included.
        assert_eq!(
            run(
                &mut s,
                "CREATE SEQUENCE old START 7; ALTER SEQUENCE old RENAME TO renamed;"
            )
            .await,
            "CREATE SEQUENCE\nALTER SEQUENCE"
        );
        assert_eq!(
            run(
                &mut s,
                "CREATE SEQUENCE gone; ALTER SEQUENCE gone RESTART WITH 0"
            )
            .await,
            "CREATE SEQUENCE\nERROR 22023: RESTART value (0) cannot be less than MINVALUE (1)"
        );
        assert_eq!(
            run(&mut s, "SELECT nextval('gone')").await,
            "ERROR 42P01: relation \"gone\" does not exist"
        );
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    let down = nextvals(&mut s, "down", 1).await[0];
    assert!(
        down < -5 && down % 2 != 0,
        "descending after the crash: {down}"
    );
    // The mark 32 steps past value 1 (position 33 of the 1..5 cycle is 3),
    // so the next value is position 34: 4; never one of the positions
    // 1..7 already handed out.
    assert_eq!(nextvals(&mut s, "c", 1).await, vec![4]);
    assert_eq!(nextvals(&mut s, "r", 1).await, vec![500]);
    let sv = nextvals(&mut s, "sv", 1).await[0];
    assert!(sv > 1000, "after setval(1000): {sv}");
    assert_eq!(nextvals(&mut s, "renamed", 1).await, vec![7]);
    assert_eq!(
        run(&mut s, "SELECT nextval('old')").await,
        "ERROR 42P01: relation \"old\" does not exist"
    );
}

#[tokio::test]
async fn session_authorization_switches_among_roles() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    assert_eq!(
        run(&mut s, "SELECT current_user, session_user").await,
        "postgres|postgres"
    );
    assert_eq!(
        run(&mut s, "SET SESSION AUTHORIZATION nobody").await,
        "ERROR 42704: role \"nobody\" does not exist"
    );
    assert_eq!(run(&mut s, "CREATE USER regress_u").await, "CREATE ROLE");
    assert_eq!(
        run(&mut s, "CREATE ROLE regress_u").await,
        "ERROR 42710: role \"regress_u\" already exists"
    );
    assert_eq!(
        run(&mut s, "CREATE ROLE r2 WITH SYSID 5").await,
        "ERROR 0A000: role option SYSID is not supported"
    );
    run(&mut s, "BEGIN").await;
    assert_eq!(
        run(&mut s, "SET LOCAL SESSION AUTHORIZATION regress_u").await,
        "SET"
    );
    assert_eq!(run(&mut s, "SELECT current_user").await, "regress_u");
    run(&mut s, "ROLLBACK").await;
    assert_eq!(run(&mut s, "SELECT current_user").await, "postgres");
    assert_eq!(
        run(&mut s, "SET SESSION AUTHORIZATION regress_u").await,
        "SET"
    );
    assert_eq!(run(&mut s, "SHOW session_authorization").await, "regress_u");
    assert_eq!(
        run(&mut s, "DROP USER regress_u").await,
        "ERROR 55006: current user cannot be dropped"
    );
    assert_eq!(run(&mut s, "RESET SESSION AUTHORIZATION").await, "RESET");
    assert_eq!(run(&mut s, "SELECT current_user").await, "postgres");
    // The extended protocol runs them too.
    let p = s.prepare("DROP USER regress_u", &[]).await.unwrap();
    match s.execute_prepared(&p, &[]).await {
        Ok(StatementOutput::Command { tag }) => assert_eq!(tag, "DROP ROLE"),
        Ok(_) => panic!("DROP USER returned rows"),
        Err(e) => panic!("DROP USER failed: {e}"),
    }
    let p = s.prepare("ALTER SEQUENCE s OWNER TO x", &[]).await.unwrap();
    assert!(s.execute_prepared(&p, &[]).await.is_err());
    assert_eq!(
        run(&mut s, "DROP ROLE regress_u").await,
        "ERROR 42704: role \"regress_u\" does not exist"
    );
}

/// TRUNCATE ... RESTART IDENTITY restarts SERIAL and identity sequences at
/// their START (an identity column's own START WITH), inside the
/// transaction (a rollback, or one to an earlier savepoint, puts them
/// back), and the restarted state is
/// what a restart of the engine resumes from.
#[tokio::test]
async fn truncate_restart_identity_is_transactional() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        support::check(
            &mut s,
            &[
                ("CREATE TABLE a (id serial, v int)", "CREATE TABLE"),
                (
                    "CREATE TABLE b (id int GENERATED ALWAYS AS IDENTITY (START WITH 44))",
                    "CREATE TABLE",
                ),
                ("INSERT INTO a (v) VALUES (1), (2)", "INSERT 0 2"),
                ("INSERT INTO b DEFAULT VALUES", "INSERT 0 1"),
                ("TRUNCATE a, b CONTINUE IDENTITY", "TRUNCATE TABLE"),
                ("INSERT INTO a (v) VALUES (3) RETURNING id", "3"),
                ("BEGIN", "BEGIN"),
                ("TRUNCATE a, b RESTART IDENTITY", "TRUNCATE TABLE"),
                ("INSERT INTO a (v) VALUES (4) RETURNING id", "1"),
                ("INSERT INTO b DEFAULT VALUES RETURNING id", "44"),
                ("ROLLBACK", "ROLLBACK"),
                ("INSERT INTO a (v) VALUES (5) RETURNING id", "4"),
                ("INSERT INTO b DEFAULT VALUES RETURNING id", "45"),
                ("TRUNCATE a RESTART IDENTITY", "TRUNCATE TABLE"),
                ("INSERT INTO a (v) VALUES (6) RETURNING id", "1"),
                ("BEGIN", "BEGIN"),
                ("INSERT INTO a (v) VALUES (7) RETURNING id", "2"),
                ("SAVEPOINT s", "SAVEPOINT"),
                ("TRUNCATE a RESTART IDENTITY", "TRUNCATE TABLE"),
                ("INSERT INTO a (v) VALUES (8) RETURNING id", "1"),
                ("ROLLBACK TO SAVEPOINT s", "ROLLBACK"),
                ("INSERT INTO a (v) VALUES (9) RETURNING id", "3"),
                ("COMMIT", "COMMIT"),
                ("SELECT id, v FROM a ORDER BY v", "1|6\n2|7\n3|9"),
            ],
        )
        .await;
        e.close().await.unwrap();
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    assert_eq!(
        run(&mut s, "INSERT INTO a (v) VALUES (10) RETURNING id").await,
        "4"
    );
}

#[tokio::test]
async fn unlogged_sequences_are_recorded_and_switchable() {
    let e = support::memory_engine().await;
    let mut s = e.session();
    support::check(
        &mut s,
        &[
            ("CREATE UNLOGGED SEQUENCE u START 5", "CREATE SEQUENCE"),
            ("SELECT nextval('u')", "5"),
            (
                "SELECT relpersistence FROM pg_class WHERE relname = 'u'",
                "u",
            ),
            ("ALTER SEQUENCE u SET LOGGED", "ALTER SEQUENCE"),
            (
                "SELECT relpersistence FROM pg_class WHERE relname = 'u'",
                "p",
            ),
            ("ALTER SEQUENCE u SET UNLOGGED", "ALTER SEQUENCE"),
            (
                "SELECT relpersistence FROM pg_class WHERE relname = 'u'",
                "u",
            ),
            ("SELECT nextval('u')", "6"),
            (
                "CREATE UNLOGGED SEQUENCE u",
                "ERROR 42P07: relation \"u\" already exists",
            ),
            ("DROP SEQUENCE u", "DROP SEQUENCE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn sequence_catalog_functions_and_errors() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    let err = s
        .execute_simple("CREATE SEQUENCE sx AS nosuchtype")
        .await
        .pop()
        .expect("a result")
        .expect_err("an unknown type");
    assert_eq!(err.message, "type \"nosuchtype\" does not exist");
    assert_eq!(err.position, Some(23), "points at the type name");
    for (sql, want) in [
        (
            "CREATE SEQUENCE sx OWNED BY pg_class_oid_index.oid",
            "ERROR 42809: sequence cannot be owned by relation \"pg_class_oid_index\"",
        ),
        (
            "CREATE SEQUENCE s4 INCREMENT -1 AS smallint CACHE 5 CYCLE",
            "CREATE SEQUENCE",
        ),
        (
            "SELECT * FROM pg_sequence_parameters('s4'::regclass)",
            "-1|-32768|-1|-1|t|5|21",
        ),
        (
            "SELECT p.maximum_value, x.data_type FROM pg_sequence_parameters('s4') p, \
             pg_sequence_parameters('s4') AS x",
            "-1|21",
        ),
        ("CREATE TABLE t (a int)", "CREATE TABLE"),
        (
            "SELECT * FROM pg_sequence_parameters('t'::regclass)",
            "ERROR 42809: \"t\" is not a sequence",
        ),
        (
            "SELECT sequence_catalog, sequence_name FROM information_schema.sequences",
            "postgres|s4",
        ),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
    // A session that connected to another database name reports it.
    let mut named = e.session();
    named.set_database_name("regression");
    assert_eq!(
        run(
            &mut named,
            "SELECT current_database(), sequence_catalog FROM information_schema.sequences; \
             SELECT datname FROM pg_database; \
             SELECT DISTINCT table_catalog FROM information_schema.columns WHERE table_name = 't'"
        )
        .await,
        "regression|regression\nregression\nregression"
    );
}
