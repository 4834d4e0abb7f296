//! Schemas end to end on a `MemStore`: CREATE/DROP/ALTER SCHEMA (schema
//! elements included), schema-qualified names, search_path resolution,
//! the catalogs (pg_namespace, pg_class, information_schema) and
//! durability across a restart.

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore};
use support::{check, memory_engine};

#[tokio::test]
async fn qualified_names_reach_every_statement_kind() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE SCHEMA s", "CREATE SCHEMA"),
            ("CREATE SCHEMA s", "ERROR 42P06: schema \"s\" already exists"),
            ("CREATE TABLE s.t (a serial PRIMARY KEY, b text)", "CREATE TABLE"),
            ("CREATE TABLE t (x int)", "CREATE TABLE"),
            ("CREATE TABLE s.t (a int)", "ERROR 42P07: relation \"t\" already exists"),
            ("INSERT INTO s.t (b) VALUES ('one'), ('two')", "INSERT 0 2"),
            ("INSERT INTO public.t VALUES (7)", "INSERT 0 1"),
            ("SELECT a, b FROM s.t ORDER BY a", "1|one\n2|two"),
            ("SELECT x FROM t", "7"),
            ("UPDATE s.t SET b = upper(b) WHERE a = 2", "UPDATE 1"),
            ("DELETE FROM s.t WHERE a = 1", "DELETE 1"),
            ("SELECT s.t.b FROM s.t", "TWO"),
            ("ALTER TABLE s.t ADD COLUMN c int DEFAULT 5", "ALTER TABLE"),
            ("CREATE INDEX t_b ON s.t (b)", "CREATE INDEX"),
            ("CREATE VIEW s.v AS SELECT b, c FROM s.t", "CREATE VIEW"),
            ("SELECT * FROM s.v", "TWO|5"),
            ("CREATE SEQUENCE s.q START 10", "CREATE SEQUENCE"),
            ("SELECT nextval('s.q'), nextval('s.t_a_seq')", "10|3"),
            ("CREATE TABLE s.child (id int REFERENCES s.t (a))", "CREATE TABLE"),
            ("INSERT INTO s.child VALUES (2)", "INSERT 0 1"),
            (
                "INSERT INTO s.child VALUES (9)",
                "ERROR 23503: insert or update on table \"child\" violates foreign key constraint \"child_id_fkey\"",
            ),
            ("SELECT 's.t'::regclass::oid = 's.t'::regclass::oid", "t"),
            ("TRUNCATE s.child", "TRUNCATE TABLE"),
            ("SELECT * FROM nope.t", "ERROR 42P01: relation \"nope.t\" does not exist"),
            ("DROP TABLE nope.t", "ERROR 3F000: schema \"nope\" does not exist"),
            ("SELECT * FROM s.nope", "ERROR 42P01: relation \"s.nope\" does not exist"),
            ("CREATE TABLE nope.t (a int)", "ERROR 3F000: schema \"nope\" does not exist"),
            ("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 't'", "2"),
            ("DROP TABLE s.child", "DROP TABLE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn search_path_resolves_and_creates_like_postgres() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE SCHEMA a", "CREATE SCHEMA"),
            ("CREATE TABLE t (v text)", "CREATE TABLE"),
            ("CREATE TABLE a.t (v text)", "CREATE TABLE"),
            ("INSERT INTO t VALUES ('public')", "INSERT 0 1"),
            ("INSERT INTO a.t VALUES ('a')", "INSERT 0 1"),
            ("SELECT current_schema(), current_schemas(true)", "public|{pg_catalog,public}"),
            ("SET search_path TO a, public", "SET"),
            ("SELECT v FROM t", "a"),
            ("SELECT current_schema(), current_schemas(false)", "a|{a,public}"),
            // Created in the first existing schema of the path.
            ("CREATE TABLE u (k int)", "CREATE TABLE"),
            ("INSERT INTO u VALUES (1)", "INSERT 0 1"),
            ("SELECT k FROM a.u", "1"),
            // A CTE shadows every relation.
            ("WITH t AS (SELECT 'cte' AS v) SELECT v FROM t", "cte"),
            ("SET search_path TO nosuch", "SET"),
            ("SELECT current_schema()", "NULL"),
            (
                "CREATE TABLE w (k int)",
                "ERROR 3F000: no schema has been selected to create in",
            ),
            ("SET search_path TO '$user', public", "SET"),
            ("SELECT v FROM t", "public"),
            ("SELECT k FROM u", "ERROR 42P01: relation \"u\" does not exist"),
            ("CREATE SCHEMA postgres", "CREATE SCHEMA"),
            ("SELECT current_schema()", "postgres"),
            ("RESET search_path", "RESET"),
            // psql's \dt: only what an unqualified name would find.
            (
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'r' AND n.nspname <> 'pg_catalog' AND pg_table_is_visible(c.oid) ORDER BY 1, 2",
                "public|t",
            ),
            ("SET search_path TO a, public", "SET"),
            (
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'r' AND n.nspname <> 'pg_catalog' AND pg_table_is_visible(c.oid) ORDER BY 1, 2",
                "a|t\na|u",
            ),
        ],
    )
    .await;
    // SET search_path is transactional like any SET.
    check(
        &mut s,
        &[
            ("SET search_path TO public", "SET"),
            ("BEGIN", "BEGIN"),
            ("SET search_path TO a", "SET"),
            ("SELECT v FROM t", "a"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT v FROM t", "public"),
        ],
    )
    .await;
}

#[tokio::test]
async fn drop_and_rename_schema() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE SCHEMA s", "CREATE SCHEMA"),
            ("CREATE TABLE s.t (a serial, b int UNIQUE)", "CREATE TABLE"),
            ("CREATE VIEW s.v AS SELECT a FROM s.t", "CREATE VIEW"),
            (
                "DROP SCHEMA s",
                "ERROR 2BP01: cannot drop schema s because other objects depend on it",
            ),
            ("DROP SCHEMA nope", "ERROR 3F000: schema \"nope\" does not exist"),
            ("DROP SCHEMA IF EXISTS nope", "DROP SCHEMA"),
            ("DROP SCHEMA public", "ERROR 2BP01: cannot drop schema public because it is required by the database system"),
            ("INSERT INTO s.t (b) VALUES (10)", "INSERT 0 1"),
            ("ALTER SCHEMA s RENAME TO r", "ALTER SCHEMA"),
            ("SELECT * FROM s.t", "ERROR 42P01: relation \"s.t\" does not exist"),
            ("INSERT INTO r.t (b) VALUES (20)", "INSERT 0 1"),
            ("SELECT a, b FROM r.t ORDER BY a", "1|10\n2|20"),
            ("SELECT a FROM r.v ORDER BY a", "1\n2"),
            (
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = 'r' ORDER BY 1",
                "t\nt_a_seq\nt_b_key\nv",
            ),
            // Rolled back with its transaction.
            ("BEGIN", "BEGIN"),
            ("DROP SCHEMA r CASCADE", "DROP SCHEMA"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT count(*) FROM r.t", "2"),
            ("DROP SCHEMA r CASCADE", "DROP SCHEMA"),
            ("SELECT * FROM r.t", "ERROR 42P01: relation \"r.t\" does not exist"),
            ("SELECT count(*) FROM pg_class WHERE relname IN ('t', 't_a_seq', 'v')", "0"),
        ],
    )
    .await;
    let notices = s.take_notices();
    let texts: Vec<String> = notices
        .iter()
        .map(|n| match &n.detail {
            Some(d) => format!("{} / {d}", n.message),
            None => n.message.clone(),
        })
        .collect();
    assert!(
        texts.contains(&"schema \"nope\" does not exist, skipping".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(
            &"drop cascades to 2 other objects / drop cascades to table r.t\ndrop cascades to view r.v"
                .to_string()
        ),
        "{texts:?}"
    );
}

#[tokio::test]
async fn create_schema_with_elements_runs_them_in_the_schema() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "CREATE SCHEMA e CREATE UNIQUE INDEX e_a_idx ON abc (a) \
                 CREATE VIEW abc_view AS SELECT a + 1 AS a FROM abc \
                 CREATE TABLE abc (a serial, b int UNIQUE)",
                "CREATE SCHEMA",
            ),
            ("INSERT INTO e.abc DEFAULT VALUES", "INSERT 0 1"),
            ("SELECT a FROM e.abc_view", "2"),
            (
                "SELECT count(*) FROM pg_class WHERE relnamespace = \
                 (SELECT oid FROM pg_namespace WHERE nspname = 'e')",
                "5",
            ),
            (
                "CREATE SCHEMA f CREATE VIEW v AS SELECT nope FROM e.abc",
                "ERROR 42703: column \"nope\" does not exist",
            ),
            // The failed statement left nothing behind.
            ("CREATE SCHEMA f", "CREATE SCHEMA"),
            (
                "CREATE SCHEMA IF NOT EXISTS g CREATE TABLE x (a int)",
                "ERROR 0A000: CREATE SCHEMA IF NOT EXISTS cannot include schema elements",
            ),
            (
                "CREATE SCHEMA h CREATE TABLE e.x (a int)",
                "ERROR 42P15: CREATE specifies a schema (e) different from the one being created (h)",
            ),
            ("CREATE SCHEMA IF NOT EXISTS f", "CREATE SCHEMA"),
            (
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('e', 'f', 'g', 'h') ORDER BY 1",
                "e\nf",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn schemas_survive_a_restart_and_old_tables_are_public() {
    let store = Arc::new(MemStore::new());
    {
        let e = Engine::open(store.clone()).await.unwrap();
        let mut s = e.session();
        check(
            &mut s,
            &[
                ("CREATE TABLE old (a int)", "CREATE TABLE"),
                ("INSERT INTO old VALUES (1)", "INSERT 0 1"),
                ("CREATE SCHEMA kept AUTHORIZATION postgres", "CREATE SCHEMA"),
                ("CREATE TABLE kept.t (a serial PRIMARY KEY)", "CREATE TABLE"),
                ("INSERT INTO kept.t DEFAULT VALUES", "INSERT 0 1"),
            ],
        )
        .await;
        e.close().await.unwrap();
    }
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("SELECT a FROM public.old", "1"),
            ("INSERT INTO kept.t DEFAULT VALUES", "INSERT 0 1"),
            ("SELECT a FROM kept.t ORDER BY a", "1\n2"),
            (
                "SELECT table_schema, table_name FROM information_schema.tables \
                 WHERE table_name IN ('old', 't') ORDER BY 1",
                "kept|t\npublic|old",
            ),
            (
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'kept'",
                "kept|postgres",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn copy_reaches_qualified_and_temporary_tables() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE SCHEMA c", "CREATE SCHEMA"),
            ("CREATE TABLE c.t (a int, b text)", "CREATE TABLE"),
            ("CREATE TEMP TABLE tt (a int)", "CREATE TABLE"),
        ],
    )
    .await;
    for (sql, data) in [
        ("COPY c.t FROM STDIN", "1\tx\n2\ty\n"),
        ("COPY tt FROM STDIN", "5\n"),
    ] {
        s.copy(sql).await.expect("a COPY").expect("COPY starts");
        s.copy_in_data(data.as_bytes()).await.unwrap();
        s.copy_in_done().await.unwrap();
    }
    check(
        &mut s,
        &[
            ("SELECT a, b FROM c.t ORDER BY a", "1|x\n2|y"),
            ("SELECT a FROM tt", "5"),
            ("SET search_path TO c", "SET"),
            ("SELECT count(*) FROM t", "2"),
        ],
    )
    .await;
}

/// CREATE/DROP TRIGGER and ALTER TABLE ... ENABLE TRIGGER find a table in a
/// schema, named qualified or through the search path.
#[tokio::test]
async fn triggers_on_tables_in_schemas() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE SCHEMA app", "CREATE SCHEMA"),
            (
                "CREATE TABLE app.items (id int PRIMARY KEY, name text, touched bool DEFAULT false)",
                "CREATE TABLE",
            ),
            (
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN new.touched := true; RETURN new; END $$",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER t_touch BEFORE UPDATE ON app.items FOR EACH ROW EXECUTE FUNCTION touch()",
                "CREATE TRIGGER",
            ),
            ("INSERT INTO app.items (id, name) VALUES (1, 'a'), (2, 'b')", "INSERT 0 2"),
            ("UPDATE app.items SET name = 'c' WHERE id = 2", "UPDATE 1"),
            ("SELECT id, touched FROM app.items ORDER BY id", "1|f\n2|t"),
            ("SET search_path TO app, public", "SET"),
            ("ALTER TABLE items DISABLE TRIGGER t_touch", "ALTER TABLE"),
            ("UPDATE items SET name = 'd' WHERE id = 1", "UPDATE 1"),
            ("SELECT id, touched FROM items ORDER BY id", "1|f\n2|t"),
            ("DROP TRIGGER t_touch ON items", "DROP TRIGGER"),
            (
                "DROP TRIGGER t_touch ON app.items",
                "ERROR 42704: trigger \"t_touch\" for table \"items\" does not exist",
            ),
        ],
    )
    .await;
}
