//! User-defined enum types end to end, with PostgreSQL 15's results:
//! CREATE TYPE ... AS ENUM, ordering by declaration, 22P02 on unknown
//! labels, ALTER TYPE ... ADD VALUE [BEFORE|AFTER], enum_range/first/last,
//! arrays of enums, pg_type/pg_enum rows, DROP TYPE with its dependency
//! error, rollback and durability across a restart; domains with NOT NULL,
//! DEFAULT and CHECK constraints enforced on INSERT, UPDATE, COPY and casts.

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore};
use support::run;

#[tokio::test]
async fn enums_behave_like_postgres() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        ("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')", "CREATE TYPE"),
        (
            "CREATE TABLE person (name text PRIMARY KEY, current_mood mood)",
            "CREATE TABLE",
        ),
        (
            "INSERT INTO person VALUES ('a', 'happy'), ('b', 'sad'), ('c', 'ok'), ('d', NULL)",
            "INSERT 0 4",
        ),
        (
            "SELECT name, current_mood FROM person ORDER BY current_mood, name",
            "b|sad\nc|ok\na|happy\nd|NULL",
        ),
        (
            "SELECT name FROM person WHERE current_mood > 'sad' ORDER BY name",
            "a\nc",
        ),
        (
            "SELECT 'happy'::mood > 'sad'::mood, 'ok'::mood::text, 'ok'::mood < 'happy'",
            "t|ok|t",
        ),
        (
            "INSERT INTO person VALUES ('e', 'angry')",
            "ERROR 22P02: invalid input value for enum mood: \"angry\"",
        ),
        (
            "SELECT 'x'::mood",
            "ERROR 22P02: invalid input value for enum mood: \"x\"",
        ),
        ("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'", "ALTER TYPE"),
        ("ALTER TYPE mood ADD VALUE 'ecstatic' AFTER 'happy'", "ALTER TYPE"),
        (
            "ALTER TYPE mood ADD VALUE 'ok'",
            "ERROR 42710: enum label \"ok\" already exists",
        ),
        ("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'", "ALTER TYPE"),
        (
            "INSERT INTO person VALUES ('f', 'meh'), ('g', 'ecstatic')",
            "INSERT 0 2",
        ),
        (
            "SELECT name, current_mood FROM person ORDER BY current_mood DESC NULLS LAST, name",
            "g|ecstatic\na|happy\nc|ok\nf|meh\nb|sad\nd|NULL",
        ),
        (
            "SELECT enum_range(NULL::mood), enum_first(NULL::mood), enum_last(NULL::mood)",
            "{sad,meh,ok,happy,ecstatic}|sad|ecstatic",
        ),
        (
            "SELECT enumlabel, enumsortorder FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'mood' ORDER BY enumsortorder",
            "sad|1\nmeh|1.5\nok|2\nhappy|3\necstatic|4",
        ),
        (
            "SELECT typtype, typcategory FROM pg_type WHERE typname = 'mood'",
            "e|E",
        ),
        (
            "SELECT ARRAY['sad', 'happy']::mood[], 'happy' = ANY (ARRAY['sad', 'happy']::mood[])",
            "{sad,happy}|t",
        ),
        (
            "SELECT max(current_mood), min(current_mood) FROM person",
            "ecstatic|sad",
        ),
        (
            "CREATE TYPE mood AS ENUM ('x')",
            "ERROR 42710: type \"mood\" already exists",
        ),
        (
            "DROP TYPE mood",
            "ERROR 2BP01: cannot drop type mood because other objects depend on it",
        ),
        ("DROP TABLE person", "DROP TABLE"),
        ("DROP TYPE mood", "DROP TYPE"),
        ("DROP TYPE mood", "ERROR 42704: type \"mood\" does not exist"),
        ("DROP TYPE IF EXISTS mood", "DROP TYPE"),
        ("SELECT 1::mood", "ERROR 42704: type \"mood\" does not exist"),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
    // What IF [NOT] EXISTS skipped is reported as a NOTICE.
    s.take_notices();
    run(&mut s, "DROP TYPE IF EXISTS mood").await;
    run(&mut s, "CREATE TYPE m2 AS ENUM ('a')").await;
    run(&mut s, "ALTER TYPE m2 ADD VALUE IF NOT EXISTS 'a'").await;
    let notices: Vec<(&str, String)> = s
        .take_notices()
        .into_iter()
        .map(|n| (n.severity, n.message))
        .collect();
    assert_eq!(
        notices,
        [
            (
                "NOTICE",
                "type \"mood\" does not exist, skipping".to_string()
            ),
            (
                "NOTICE",
                "enum label \"a\" already exists, skipping".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn enum_ddl_is_transactional_and_durable() {
    let store = Arc::new(MemStore::new());
    let e = Engine::open(store.clone()).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        ("BEGIN", "BEGIN"),
        ("CREATE TYPE color AS ENUM ('red', 'green')", "CREATE TYPE"),
        ("ROLLBACK", "ROLLBACK"),
        (
            "SELECT 'red'::color",
            "ERROR 42704: type \"color\" does not exist",
        ),
        (
            "CREATE TYPE color AS ENUM ('red', 'green', 'blue')",
            "CREATE TYPE",
        ),
        (
            "CREATE TABLE paint (id int PRIMARY KEY, c color NOT NULL)",
            "CREATE TABLE",
        ),
        ("CREATE INDEX paint_c ON paint (c)", "CREATE INDEX"),
        (
            "INSERT INTO paint VALUES (1, 'blue'), (2, 'red'), (3, 'green')",
            "INSERT 0 3",
        ),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
    drop(s);
    drop(e);
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        (
            "SELECT id, c FROM paint ORDER BY c",
            "2|red\n3|green\n1|blue",
        ),
        ("SELECT id FROM paint WHERE c = 'green'", "3"),
        (
            "SELECT c FROM paint WHERE c >= 'green' ORDER BY c",
            "green\nblue",
        ),
        (
            "SELECT 'purple'::color",
            "ERROR 22P02: invalid input value for enum color: \"purple\"",
        ),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
}

#[tokio::test]
async fn domains_enforce_their_constraints() {
    let store = Arc::new(MemStore::new());
    let e = Engine::open(store.clone()).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        ("CREATE DOMAIN posint AS int CHECK (VALUE > 0)", "CREATE DOMAIN"),
        (
            "CREATE DOMAIN nn AS text NOT NULL DEFAULT 'x' CONSTRAINT short CHECK (length(VALUE) < 5) CHECK (VALUE <> 'bad')",
            "CREATE DOMAIN",
        ),
        ("CREATE TABLE dt (a posint, b nn)", "CREATE TABLE"),
        ("INSERT INTO dt VALUES (1, 'ab')", "INSERT 0 1"),
        (
            "INSERT INTO dt VALUES (0, 'ab')",
            "ERROR 23514: value for domain posint violates check constraint \"posint_check\"",
        ),
        (
            "INSERT INTO dt VALUES (1, 'abcdef')",
            "ERROR 23514: value for domain nn violates check constraint \"short\"",
        ),
        (
            "INSERT INTO dt VALUES (1, 'bad')",
            "ERROR 23514: value for domain nn violates check constraint \"nn_check\"",
        ),
        (
            "INSERT INTO dt VALUES (1, NULL)",
            "ERROR 23502: domain nn does not allow null values",
        ),
        ("INSERT INTO dt (a) VALUES (5)", "INSERT 0 1"),
        ("SELECT * FROM dt ORDER BY a", "1|ab\n5|x"),
        ("SELECT -1::posint, 3::posint + 1", "-1|4"),
        (
            "SELECT (-1)::posint",
            "ERROR 23514: value for domain posint violates check constraint \"posint_check\"",
        ),
        (
            "UPDATE dt SET a = -5",
            "ERROR 23514: value for domain posint violates check constraint \"posint_check\"",
        ),
        ("UPDATE dt SET a = a + 10 WHERE a = 1", "UPDATE 1"),
        (
            "SELECT typtype, typnotnull FROM pg_type WHERE typname = 'nn'",
            "d|t",
        ),
        (
            "CREATE DOMAIN bad AS int CHECK (nocol > 0)",
            "ERROR 42703: column \"nocol\" does not exist",
        ),
        (
            "DROP DOMAIN posint",
            "ERROR 2BP01: cannot drop type posint because other objects depend on it",
        ),
        ("CREATE TYPE e1 AS ENUM ('a')", "CREATE TYPE"),
        ("DROP DOMAIN e1", "ERROR 42809: \"e1\" is not a domain"),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
    drop(s);
    drop(e);
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        (
            "INSERT INTO dt VALUES (-1, 'ok')",
            "ERROR 23514: value for domain posint violates check constraint \"posint_check\"",
        ),
        ("INSERT INTO dt (a) VALUES (2)", "INSERT 0 1"),
        ("SELECT a, b FROM dt ORDER BY a", "2|x\n5|x\n11|ab"),
        ("DROP TABLE dt", "DROP TABLE"),
        ("DROP DOMAIN posint", "DROP DOMAIN"),
        ("DROP DOMAIN IF EXISTS posint", "DROP DOMAIN"),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
}

#[tokio::test]
async fn copy_checks_domains() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    for (sql, want) in [
        (
            "CREATE DOMAIN pos AS int NOT NULL CHECK (VALUE > 0)",
            "CREATE DOMAIN",
        ),
        ("CREATE TABLE c (id int PRIMARY KEY, p pos)", "CREATE TABLE"),
    ] {
        assert_eq!(run(&mut s, sql).await, want, "{sql}");
    }
    assert!(s.copy("COPY c FROM STDIN").await.unwrap().is_ok());
    let err = s.copy_in_data(b"1\t5\n2\t0\n").await.unwrap_err();
    assert_eq!(err.sqlstate, "23514");
    assert_eq!(
        err.message,
        "value for domain pos violates check constraint \"pos_check\""
    );
    assert!(s.copy("COPY c FROM STDIN").await.unwrap().is_ok());
    let err = s.copy_in_data(b"3\t\\N\n").await.unwrap_err();
    assert_eq!(
        (err.sqlstate, err.message.as_str()),
        ("23502", "domain pos does not allow null values")
    );
    assert!(s.copy("COPY c FROM STDIN").await.unwrap().is_ok());
    s.copy_in_data(b"4\t4\n").await.unwrap();
    s.copy_in_done().await.unwrap();
    assert_eq!(run(&mut s, "SELECT id, p FROM c").await, "4|4");
}
