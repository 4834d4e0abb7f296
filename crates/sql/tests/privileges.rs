//! Privileges end to end on a `MemStore`: a role without grants is refused
//! (42501), GRANT lets it in, REVOKE takes it away, a rolled-back GRANT
//! never happened, PUBLIC grants, membership inheritance, ownership of
//! created objects (DDL needs it, OWNER TO moves it), SET ROLE, sequence
//! privileges, the ACL text `relacl` shows, and durability across a restart.

mod support;

use borealis_sql::{Engine, Session};
use support::{check, check_across_restart, memory_engine, run};

async fn fresh() -> (Engine, Session) {
    let e = memory_engine().await;
    let s = e.session();
    (e, s)
}

#[tokio::test]
async fn grant_lets_in_and_revoke_takes_away() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1)", "INSERT 0 1"),
            ("CREATE ROLE alice", "CREATE ROLE"),
            ("SET ROLE alice", "SET"),
            ("SELECT current_user, session_user", "alice|postgres"),
            ("SHOW role", "alice"),
            ("SELECT * FROM t", "ERROR 42501: permission denied for table t"),
            ("INSERT INTO t VALUES (2)", "ERROR 42501: permission denied for table t"),
            ("RESET ROLE", "RESET"),
            ("SHOW role", "none"),
            ("GRANT SELECT ON t TO alice", "GRANT"),
            ("SET ROLE alice", "SET"),
            ("SELECT * FROM t", "1"),
            ("INSERT INTO t VALUES (2)", "ERROR 42501: permission denied for table t"),
            ("UPDATE t SET a = 3", "ERROR 42501: permission denied for table t"),
            ("DELETE FROM t", "ERROR 42501: permission denied for table t"),
            ("TRUNCATE t", "ERROR 42501: permission denied for table t"),
            ("SET ROLE NONE", "SET"),
            ("GRANT INSERT, UPDATE ON TABLE t TO alice", "GRANT"),
            ("SET ROLE alice", "SET"),
            ("INSERT INTO t VALUES (2)", "INSERT 0 1"),
            // UPDATE without WHERE reads no column: UPDATE alone suffices.
            ("UPDATE t SET a = a + 10 WHERE a = 2", "UPDATE 1"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 't'",
                "{postgres=arwdDxt/postgres,alice=arw/postgres}",
            ),
            ("REVOKE SELECT ON t FROM alice", "REVOKE"),
            ("SET ROLE alice", "SET"),
            ("SELECT * FROM t", "ERROR 42501: permission denied for table t"),
            ("INSERT INTO t VALUES (4)", "INSERT 0 1"),
            ("RESET ROLE", "RESET"),
            ("REVOKE ALL ON t FROM alice", "REVOKE"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 't'",
                "{postgres=arwdDxt/postgres}",
            ),
            (
                "SELECT has_table_privilege('alice', 't', 'SELECT'), has_table_privilege('t', 'select')",
                "f|t",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn grant_rolls_back_and_public_counts() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("CREATE USER bob", "CREATE ROLE"),
            ("BEGIN", "BEGIN"),
            ("GRANT SELECT ON t TO bob", "GRANT"),
            ("SELECT has_table_privilege('bob', 't', 'SELECT')", "t"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT has_table_privilege('bob', 't', 'SELECT')", "f"),
            (
                "SELECT relacl IS NULL FROM pg_class WHERE relname = 't'",
                "t",
            ),
            ("GRANT SELECT ON t TO PUBLIC", "GRANT"),
            ("SET ROLE bob", "SET"),
            ("SELECT count(*) FROM t", "0"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 't'",
                "{postgres=arwdDxt/postgres,=r/postgres}",
            ),
            (
                "GRANT SELECT ON t TO PUBLIC WITH GRANT OPTION",
                "ERROR 0LP01: grant options can only be granted to roles",
            ),
            (
                "GRANT USAGE ON t TO bob",
                "ERROR 0LP01: invalid privilege type USAGE for table",
            ),
            (
                "GRANT SELECT ON nope TO bob",
                "ERROR 42P01: relation \"nope\" does not exist",
            ),
            (
                "GRANT SELECT ON t TO nobody",
                "ERROR 42704: role \"nobody\" does not exist",
            ),
            // Renaming keeps the owner and the grants.
            ("ALTER TABLE t RENAME TO t_renamed", "ALTER TABLE"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 't_renamed'",
                "{postgres=arwdDxt/postgres,=r/postgres}",
            ),
            ("CREATE SEQUENCE sq", "CREATE SEQUENCE"),
            ("GRANT USAGE ON SEQUENCE sq TO bob", "GRANT"),
            ("ALTER SEQUENCE sq RENAME TO sq2", "ALTER SEQUENCE"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 'sq2'",
                "{postgres=rwU/postgres,bob=U/postgres}",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn membership_is_inherited_unless_noinherit() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("CREATE ROLE readers", "CREATE ROLE"),
            ("CREATE ROLE carol", "CREATE ROLE"),
            ("CREATE ROLE dave NOINHERIT", "CREATE ROLE"),
            ("GRANT SELECT ON t TO readers", "GRANT"),
            ("GRANT readers TO carol, dave", "GRANT ROLE"),
            (
                "SELECT pg_has_role('carol', 'readers', 'MEMBER'), pg_has_role('dave', 'readers', 'USAGE')",
                "t|f",
            ),
            ("SET ROLE carol", "SET"),
            ("SELECT count(*) FROM t", "0"),
            ("RESET ROLE", "RESET"),
            ("SET ROLE dave", "SET"),
            ("SELECT count(*) FROM t", "ERROR 42501: permission denied for table t"),
            ("RESET ROLE", "RESET"),
            ("REVOKE readers FROM carol", "REVOKE ROLE"),
            ("SET ROLE carol", "SET"),
            ("SELECT count(*) FROM t", "ERROR 42501: permission denied for table t"),
            ("RESET ROLE", "RESET"),
            // SET ROLE needs the session user to be a member (postgres, a
            // superuser, may take any role); carol is not one of dave.
            ("SET SESSION AUTHORIZATION carol", "SET"),
            ("SET ROLE dave", "ERROR 42501: permission denied to set role \"dave\""),
            ("RESET SESSION AUTHORIZATION", "RESET"),
            ("GRANT carol TO readers", "GRANT ROLE"),
            (
                "GRANT readers TO carol",
                "ERROR 0LP01: role \"readers\" is a member of role \"carol\"",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn owners_run_ddl_and_can_give_objects_away() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE ROLE erin", "CREATE ROLE"),
            ("CREATE ROLE frank", "CREATE ROLE"),
            ("GRANT CREATE ON SCHEMA public TO erin", "GRANT"),
            ("SET ROLE erin", "SET"),
            (
                "CREATE TABLE mine (id serial PRIMARY KEY, v text)",
                "CREATE TABLE",
            ),
            ("INSERT INTO mine (v) VALUES ('x')", "INSERT 0 1"),
            ("CREATE INDEX mine_v ON mine (v)", "CREATE INDEX"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT tableowner FROM pg_tables WHERE tablename = 'mine'",
                "erin",
            ),
            (
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'mine_id_seq'",
                "erin",
            ),
            ("SET ROLE frank", "SET"),
            (
                "ALTER TABLE mine ADD COLUMN w int",
                "ERROR 42501: must be owner of table mine",
            ),
            (
                "DROP TABLE mine",
                "ERROR 42501: must be owner of table mine",
            ),
            (
                "CREATE TABLE f (a int)",
                "ERROR 42501: permission denied for schema public",
            ),
            ("RESET ROLE", "RESET"),
            (
                "DROP ROLE erin",
                "ERROR 2BP01: role \"erin\" cannot be dropped because some objects depend on it",
            ),
            ("ALTER TABLE mine OWNER TO frank", "ALTER TABLE"),
            (
                "SELECT tableowner FROM pg_tables WHERE tablename = 'mine'",
                "frank",
            ),
            ("SET ROLE frank", "SET"),
            ("SELECT nextval('mine_id_seq')", "2"),
            ("DROP TABLE mine", "DROP TABLE"),
            ("RESET ROLE", "RESET"),
            ("REVOKE CREATE ON SCHEMA public FROM erin", "REVOKE"),
            ("DROP ROLE erin", "DROP ROLE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn sequence_privileges_follow_postgres() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE SEQUENCE sq", "CREATE SEQUENCE"),
            ("CREATE ROLE gina", "CREATE ROLE"),
            ("SET ROLE gina", "SET"),
            (
                "SELECT nextval('sq')",
                "ERROR 42501: permission denied for sequence sq",
            ),
            ("RESET ROLE", "RESET"),
            ("GRANT SELECT ON sq TO gina", "GRANT"),
            ("SET ROLE gina", "SET"),
            (
                "SELECT nextval('sq')",
                "ERROR 42501: permission denied for sequence sq",
            ),
            ("SELECT last_value FROM sq", "1"),
            ("RESET ROLE", "RESET"),
            ("GRANT USAGE ON SEQUENCE sq TO gina", "GRANT"),
            ("SET ROLE gina", "SET"),
            ("SELECT nextval('sq')", "1"),
            ("SELECT currval('sq')", "1"),
            (
                "SELECT setval('sq', 5)",
                "ERROR 42501: permission denied for sequence sq",
            ),
            ("RESET ROLE", "RESET"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 'sq'",
                "{postgres=rwU/postgres,gina=rU/postgres}",
            ),
            ("GRANT INSERT ON sq TO gina", "GRANT"),
            ("SELECT has_sequence_privilege('gina', 'sq', 'USAGE')", "t"),
        ],
    )
    .await;
}

#[tokio::test]
async fn grants_survive_a_restart_and_superusers_bypass() {
    check_across_restart(
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("CREATE ROLE hal", "CREATE ROLE"),
            ("CREATE ROLE root SUPERUSER", "CREATE ROLE"),
            ("GRANT SELECT ON t TO hal WITH GRANT OPTION", "GRANT"),
            ("GRANT ALL ON SCHEMA public TO public", "GRANT"),
        ],
        &[
            (
                "SELECT relacl FROM pg_class WHERE relname = 't'",
                "{postgres=arwdDxt/postgres,hal=r*/postgres}",
            ),
            (
                "SELECT nspacl FROM pg_namespace WHERE nspname = 'public'",
                "{pg_database_owner=UC/pg_database_owner,=UC/pg_database_owner}",
            ),
            ("SET ROLE root", "SET"),
            ("INSERT INTO t VALUES (1)", "INSERT 0 1"),
            ("RESET ROLE", "RESET"),
            ("SET ROLE hal", "SET"),
            (
                "INSERT INTO t VALUES (1)",
                "ERROR 42501: permission denied for table t",
            ),
            // hal may pass SELECT on; the grant is recorded as made by hal.
            ("GRANT SELECT ON t TO root", "GRANT"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 't'",
                "{postgres=arwdDxt/postgres,hal=r*/postgres,root=r/hal}",
            ),
            (
                "REVOKE SELECT ON t FROM hal",
                "ERROR 2BP01: dependent privileges exist",
            ),
            ("REVOKE SELECT ON t FROM hal CASCADE", "REVOKE"),
            (
                "SELECT relacl FROM pg_class WHERE relname = 't'",
                "{postgres=arwdDxt/postgres}",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn copy_from_needs_insert_and_copy_to_needs_select() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE c (a int)", "CREATE TABLE"),
            ("CREATE ROLE ivy", "CREATE ROLE"),
            ("SET ROLE ivy", "SET"),
        ],
    )
    .await;
    match s.copy("COPY c FROM STDIN").await {
        Some(Err(e)) => assert_eq!(
            (e.sqlstate, e.message.as_str()),
            ("42501", "permission denied for table c")
        ),
        _ => panic!("COPY FROM without INSERT was not refused"),
    }
    match s.copy("COPY c TO STDOUT").await {
        Some(Err(e)) => assert_eq!(e.sqlstate, "42501"),
        _ => panic!("COPY TO without SELECT was not refused"),
    }
    check(
        &mut s,
        &[
            ("RESET ROLE", "RESET"),
            ("GRANT INSERT ON c TO ivy", "GRANT"),
            ("SET ROLE ivy", "SET"),
        ],
    )
    .await;
    assert!(matches!(s.copy("COPY c FROM STDIN").await, Some(Ok(_))));
}

#[tokio::test]
async fn column_privileges_are_recorded_and_revoked_with_the_table() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE cp (a int, b int)", "CREATE TABLE"),
            ("CREATE ROLE jay", "CREATE ROLE"),
            ("GRANT SELECT (a), UPDATE (a, b) ON cp TO jay", "GRANT"),
            (
                "SELECT attname, attacl FROM pg_attribute WHERE attrelid = 'cp'::regclass AND attnum > 0 ORDER BY attnum",
                "a|{jay=rw/postgres}\nb|{jay=w/postgres}",
            ),
            ("SELECT relacl IS NULL FROM pg_class WHERE relname = 'cp'", "t"),
            (
                "GRANT SELECT (zz) ON cp TO jay",
                "ERROR 42703: column \"zz\" of relation \"cp\" does not exist",
            ),
            ("REVOKE ALL ON cp FROM jay", "REVOKE"),
            (
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'cp'::regclass AND attacl IS NOT NULL",
                "0",
            ),
            ("DROP ROLE jay", "DROP ROLE"),
        ],
    )
    .await;
}

/// The query psql 15 sends for `\\dp` (captured from PostgreSQL's log).
const PSQL_DP: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' END as "Type",
  pg_catalog.array_to_string(c.relacl, E'\n') AS "Access privileges",
  pg_catalog.array_to_string(ARRAY(
    SELECT attname || E':\n  ' || pg_catalog.array_to_string(attacl, E'\n  ')
    FROM pg_catalog.pg_attribute a
    WHERE attrelid = c.oid AND NOT attisdropped AND attacl IS NOT NULL
  ), E'\n') AS "Column privileges",
  pg_catalog.array_to_string(ARRAY(
    SELECT polname
    || CASE WHEN NOT polpermissive THEN
       E' (RESTRICTIVE)'
       ELSE '' END
    || CASE WHEN polcmd != '*' THEN
           E' (' || polcmd::pg_catalog.text || E'):'
       ELSE E':'
       END
    || CASE WHEN polqual IS NOT NULL THEN
           E'\n  (u): ' || pg_catalog.pg_get_expr(polqual, polrelid)
       ELSE E''
       END
    || CASE WHEN polwithcheck IS NOT NULL THEN
           E'\n  (c): ' || pg_catalog.pg_get_expr(polwithcheck, polrelid)
       ELSE E''
       END    || CASE WHEN polroles <> '{0}' THEN
           E'\n  to: ' || pg_catalog.array_to_string(
               ARRAY(
                   SELECT rolname
                   FROM pg_catalog.pg_roles
                   WHERE oid = ANY (polroles)
                   ORDER BY 1
               ), E', ')
       ELSE E''
       END
    FROM pg_catalog.pg_policy pol
    WHERE polrelid = c.oid), E'\n')
    AS "Policies"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','v','m','S','f','p')
  AND n.nspname !~ '^pg_' AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1, 2"#;

#[tokio::test]
async fn psql_dp_prints_what_postgres_prints() {
    let (_e, mut s) = fresh().await;
    for sql in [
        "CREATE TABLE t (a int, b int)",
        "CREATE SEQUENCE s",
        "CREATE VIEW v AS SELECT a FROM t",
        "CREATE ROLE alice",
        "GRANT SELECT, INSERT ON t TO alice",
        "GRANT SELECT ON v TO PUBLIC",
        "GRANT USAGE ON SEQUENCE s TO alice WITH GRANT OPTION",
        "GRANT UPDATE (b) ON t TO alice",
    ] {
        let out = run(&mut s, sql).await;
        assert!(!out.starts_with("ERROR"), "{sql}: {out}");
    }
    // PostgreSQL 15's rows for the same script (psql -A).
    assert_eq!(
        run(&mut s, PSQL_DP).await,
        "public|s|sequence|postgres=rwU/postgres\nalice=U*/postgres||\n\
         public|t|table|postgres=arwdDxt/postgres\nalice=ar/postgres|b:\n  alice=w/postgres|\n\
         public|v|view|postgres=arwdDxt/postgres\n=r/postgres||"
    );
    let expected = [
        "postgres|alice|postgres|public|t|INSERT|NO|NO",
        "postgres|alice|postgres|public|t|SELECT|NO|YES",
        "postgres|postgres|postgres|public|t|DELETE|YES|NO",
        "postgres|postgres|postgres|public|t|INSERT|YES|NO",
        "postgres|postgres|postgres|public|t|REFERENCES|YES|NO",
        "postgres|postgres|postgres|public|t|SELECT|YES|YES",
        "postgres|postgres|postgres|public|t|TRIGGER|YES|NO",
        "postgres|postgres|postgres|public|t|TRUNCATE|YES|NO",
        "postgres|postgres|postgres|public|t|UPDATE|YES|NO",
    ];
    assert_eq!(
        run(
            &mut s,
            "SELECT * FROM information_schema.table_privileges WHERE table_name = 't' \
             ORDER BY grantee, privilege_type"
        )
        .await,
        expected.join("\n")
    );
}

#[tokio::test]
async fn failing_partition_keys_are_shown_only_to_who_may_read_them() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            (
                "CREATE TABLE kd (a int, b int) PARTITION BY LIST (b)",
                "CREATE TABLE",
            ),
            ("CREATE ROLE kim", "CREATE ROLE"),
            ("GRANT INSERT ON kd TO kim", "GRANT"),
            ("SET ROLE kim", "SET"),
        ],
    )
    .await;
    let detail = |r: Vec<Result<borealis_sql::StatementOutput, borealis_sql::SqlError>>| match r
        .into_iter()
        .next()
    {
        Some(Err(e)) => {
            assert_eq!(e.sqlstate, "23514", "{}", e.message);
            e.detail
        }
        _ => panic!("the row was routed"),
    };
    assert_eq!(
        detail(s.execute_simple("INSERT INTO kd VALUES (1, 1)").await),
        None
    );
    check(
        &mut s,
        &[
            ("RESET ROLE", "RESET"),
            ("GRANT SELECT (b) ON kd TO kim", "GRANT"),
            ("SET ROLE kim", "SET"),
        ],
    )
    .await;
    assert_eq!(
        detail(s.execute_simple("INSERT INTO kd VALUES (1, 1)").await).as_deref(),
        Some("Partition key of the failing row contains (b) = (1).")
    );
}

/// A prepared statement keeps its plan, and every run is checked against
/// the role running it then (the plan is not bound again for that).
#[tokio::test]
async fn prepared_statements_are_checked_on_every_run() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE pt (a int)", "CREATE TABLE"),
            ("INSERT INTO pt VALUES (1)", "INSERT 0 1"),
            ("CREATE ROLE bob", "CREATE ROLE"),
        ],
    )
    .await;
    let select = s
        .prepare("SELECT a FROM pt WHERE a = $1", &[])
        .await
        .unwrap();
    let insert = s.prepare("INSERT INTO pt VALUES ($1)", &[]).await.unwrap();
    let one = [Some("1".to_string())];
    let run_prepared =
        |r: Result<borealis_sql::StatementOutput, borealis_sql::SqlError>| support::render(vec![r]);
    assert_eq!(run_prepared(s.execute_prepared(&select, &one).await), "1");
    run(&mut s, "SET ROLE bob").await;
    assert_eq!(
        run_prepared(s.execute_prepared(&select, &one).await),
        "ERROR 42501: permission denied for table pt"
    );
    assert_eq!(
        run_prepared(s.execute_prepared(&insert, &one).await),
        "ERROR 42501: permission denied for table pt"
    );
    run(&mut s, "RESET ROLE").await;
    run(&mut s, "GRANT SELECT ON pt TO bob").await;
    run(&mut s, "SET ROLE bob").await;
    assert_eq!(run_prepared(s.execute_prepared(&select, &one).await), "1");
    assert_eq!(
        run_prepared(s.execute_prepared(&insert, &one).await),
        "ERROR 42501: permission denied for table pt"
    );
    run(&mut s, "RESET ROLE").await;
    run(&mut s, "REVOKE SELECT ON pt FROM bob").await;
    run(&mut s, "SET ROLE bob").await;
    assert_eq!(
        run_prepared(s.execute_prepared(&select, &one).await),
        "ERROR 42501: permission denied for table pt"
    );
}
