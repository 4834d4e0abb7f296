//! COMMENT ON end to end on a `MemStore`: descriptions of tables, columns,
//! views, sequences, indexes, schemas, types, functions, roles and the
//! database through pg_description and the functions psql's `\d+` family
//! calls; transactional (rolled back with the transaction), following
//! renames, gone with dropped objects, private to the session for
//! temporary tables, and durable across a restart.

mod support;

use support::{check, check_across_restart, memory_engine};

#[tokio::test]
async fn comments_on_each_object_kind_read_back_through_the_catalog_functions() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY, b text)", "CREATE TABLE"),
            ("COMMENT ON TABLE t IS 'the table'", "COMMENT"),
            ("COMMENT ON COLUMN t.b IS 'column b'", "COMMENT"),
            (
                "SELECT obj_description('t'::regclass, 'pg_class'), col_description('t'::regclass, 2), col_description('t'::regclass, 1)",
                "the table|column b|NULL",
            ),
            ("CREATE VIEW v AS SELECT a FROM t", "CREATE VIEW"),
            ("COMMENT ON VIEW v IS 'a view'", "COMMENT"),
            ("COMMENT ON TABLE v IS 'x'", "ERROR 42809: \"v\" is not a table"),
            ("CREATE SEQUENCE q", "CREATE SEQUENCE"),
            ("COMMENT ON SEQUENCE q IS 'won''t stay'", "COMMENT"),
            ("COMMENT ON SEQUENCE asdf IS 'x'", "ERROR 42P01: relation \"asdf\" does not exist"),
            ("COMMENT ON INDEX t_pkey IS 'pk'", "COMMENT"),
            ("COMMENT ON COLUMN t.nope IS 'x'", "ERROR 42703: column \"nope\" of relation \"t\" does not exist"),
            ("CREATE SCHEMA s", "CREATE SCHEMA"),
            ("COMMENT ON SCHEMA s IS 'schema s'", "COMMENT"),
            ("COMMENT ON SCHEMA nope IS 'x'", "ERROR 3F000: schema \"nope\" does not exist"),
            ("CREATE TYPE mood AS ENUM ('sad', 'ok')", "CREATE TYPE"),
            ("COMMENT ON TYPE mood IS 'feelings'", "COMMENT"),
            ("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'SELECT x'", "CREATE FUNCTION"),
            ("COMMENT ON FUNCTION f IS 'identity'", "COMMENT"),
            ("COMMENT ON DATABASE postgres IS 'the db'", "COMMENT"),
            ("COMMENT ON DATABASE other IS 'x'", "ERROR 3D000: database \"other\" does not exist"),
            (
                "SELECT c.relname, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
                 WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 ORDER BY 1",
                "q|won't stay\nt|the table\nt_pkey|pk\nv|a view",
            ),
            (
                "SELECT n.nspname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE nspname = 's'",
                "s|schema s",
            ),
            ("SELECT obj_description(oid, 'pg_type') FROM pg_type WHERE typname = 'mood'", "feelings"),
            ("SELECT obj_description(oid, 'pg_proc') FROM pg_proc WHERE proname = 'f'", "identity"),
            (
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'postgres'",
                "the db",
            ),
            // NULL and '' remove a description.
            ("COMMENT ON SEQUENCE q IS NULL", "COMMENT"),
            ("COMMENT ON VIEW v IS ''", "COMMENT"),
            ("SELECT count(*) FROM pg_description WHERE classoid = 'pg_class'::regclass", "3"),
        ],
    )
    .await;
}

#[tokio::test]
async fn descriptions_are_transactional_and_follow_renames_and_drops() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int, b text)", "CREATE TABLE"),
            ("BEGIN", "BEGIN"),
            ("COMMENT ON TABLE t IS 'rolled back'", "COMMENT"),
            ("SELECT obj_description('t'::regclass, 'pg_class')", "rolled back"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT obj_description('t'::regclass, 'pg_class')", "NULL"),
            ("COMMENT ON TABLE t IS 'kept'", "COMMENT"),
            ("COMMENT ON COLUMN t.b IS 'bee'", "COMMENT"),
            ("ALTER TABLE t RENAME TO u", "ALTER TABLE"),
            ("ALTER TABLE u RENAME COLUMN b TO c", "ALTER TABLE"),
            (
                "SELECT obj_description('u'::regclass, 'pg_class'), col_description('u'::regclass, 2)",
                "kept|bee",
            ),
            ("ALTER TABLE u DROP COLUMN c", "ALTER TABLE"),
            ("ALTER TABLE u ADD COLUMN c text", "ALTER TABLE"),
            ("SELECT col_description('u'::regclass, 2)", "NULL"),
            ("DROP TABLE u", "DROP TABLE"),
            ("CREATE TABLE u (a int)", "CREATE TABLE"),
            ("SELECT obj_description('u'::regclass, 'pg_class')", "NULL"),
            ("SELECT count(*) FROM pg_description", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn temporary_table_descriptions_stay_in_their_session() {
    let e = memory_engine().await;
    let mut s = e.session();
    let mut other = e.session();
    check(
        &mut s,
        &[
            ("CREATE TEMP TABLE tt (a int)", "CREATE TABLE"),
            ("COMMENT ON TABLE tt IS 'mine'", "COMMENT"),
            ("COMMENT ON COLUMN tt.a IS 'my column'", "COMMENT"),
            (
                "SELECT obj_description('tt'::regclass, 'pg_class'), col_description('tt'::regclass, 1)",
                "mine|my column",
            ),
        ],
    )
    .await;
    check(&mut other, &[("SELECT count(*) FROM pg_description", "0")]).await;
    check(
        &mut s,
        &[
            ("DROP TABLE tt", "DROP TABLE"),
            ("SELECT count(*) FROM pg_description", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn descriptions_survive_a_restart() {
    check_across_restart(
        &[
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("COMMENT ON TABLE t IS 'durable'", "COMMENT"),
            ("COMMENT ON COLUMN t.a IS 'column a'", "COMMENT"),
        ],
        &[(
            "SELECT obj_description('t'::regclass, 'pg_class'), col_description('t'::regclass, 1)",
            "durable|column a",
        )],
    )
    .await;
}

#[tokio::test]
async fn function_comments_pick_the_overload_their_signature_names() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS 'SELECT x'", "CREATE FUNCTION"),
            ("CREATE FUNCTION f(x text) RETURNS text LANGUAGE sql AS 'SELECT x'", "CREATE FUNCTION"),
            (
                "COMMENT ON FUNCTION f IS 'which?'",
                "ERROR 42725: function name \"f\" is not unique",
            ),
            // pg_dump's form names the arguments.
            ("COMMENT ON FUNCTION public.f(x integer) IS 'on ints'", "COMMENT"),
            ("COMMENT ON FUNCTION f(text) IS 'on text'", "COMMENT"),
            (
                "COMMENT ON FUNCTION f(boolean) IS 'x'",
                "ERROR 42883: function f(boolean) does not exist",
            ),
            (
                "SELECT pg_get_function_arguments(oid), obj_description(oid, 'pg_proc') FROM pg_proc WHERE proname = 'f' ORDER BY 1",
                "x integer|on ints\nx text|on text",
            ),
            ("DROP FUNCTION f(text)", "DROP FUNCTION"),
            ("SELECT count(*) FROM pg_description", "1"),
        ],
    )
    .await;
}
