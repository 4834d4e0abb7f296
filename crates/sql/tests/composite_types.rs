//! Composite (row) types end to end, with PostgreSQL 15's results:
//! CREATE TYPE ... AS (...), record text input and output, row
//! constructors and casts, field selection, row IS [NOT] NULL, comparisons
//! and ORDER BY, composite table columns (whole, by field in INSERT and
//! UPDATE, in keys), arrays of composites, whole-row references, SQL
//! functions returning a composite type, DROP TYPE with its dependency
//! rules, pg_type/pg_class/pg_attribute rows, rollback and durability
//! across a restart.

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore};
use support::{check, memory_engine, run};

#[tokio::test]
async fn composite_values_read_print_and_compare_like_postgres() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TYPE ct AS (a int, b text)", "CREATE TYPE"),
            (
                "CREATE TYPE nest AS (n int, c ct, tags text[])",
                "CREATE TYPE",
            ),
            (
                "SELECT row(1,'a b'), (1,'x')::ct, '(1,\"a b\")'::ct, '(,)'::ct, '(2,\"\")'::ct, '( 3 ,q)'::ct",
                "(1,\"a b\")|(1,x)|(1,\"a b\")|(,)|(2,\"\")|(3,q)",
            ),
            (
                r#"SELECT '(1,"x\\y""z")'::ct, ('(1,"x\\y""z")'::ct).b"#,
                r#"(1,"x\\y""z")|x\y"z"#,
            ),
            (
                "SELECT (1, row(2,'a,b'), array['x y','z'])::nest",
                r#"(1,"(2,""a,b"")","{""x y"",z}")"#,
            ),
            (
                "SELECT (((1, row(2,'a,b'), array['x y','z'])::nest).c).b",
                "a,b",
            ),
            (
                "SELECT row(1,null)::ct IS NULL, row(null,null)::ct IS NULL, row(1,null)::ct IS NOT NULL, row(1,'a')::ct IS NOT NULL",
                "f|t|f|t",
            ),
            (
                "SELECT (1,'a')::ct = (1,'a')::ct, (1,'a')::ct < (1,'b')::ct, (10,'a')::ct > (9,'z')::ct, (1,'a')::ct <> (2,'a')::ct",
                "t|t|t|t",
            ),
            (
                "SELECT '(1,2,3)'::ct",
                "ERROR 22P02: malformed record literal: \"(1,2,3)\"",
            ),
            (
                "SELECT '(1'::ct",
                "ERROR 22P02: malformed record literal: \"(1\"",
            ),
            (
                "SELECT '1,2'::ct",
                "ERROR 22P02: malformed record literal: \"1,2\"",
            ),
            (
                "SELECT '(x,2)'::ct",
                "ERROR 22P02: invalid input syntax for type integer: \"x\"",
            ),
            (
                "SELECT row(1,2,3)::ct",
                "ERROR 42846: cannot cast type record to ct",
            ),
            (
                "SELECT ((1,'a')::ct).zz",
                "ERROR 42703: column \"zz\" not found in data type ct",
            ),
            (
                "SELECT array[(1,'a')::ct, (2,'b b')::ct], ('{\"(1,a)\",\"(2,\\\"b b\\\")\"}'::ct[])[2]",
                r#"{"(1,a)","(2,\"b b\")"}|(2,"b b")"#,
            ),
            ("SELECT '(1,a)'::ct::text", "(1,a)"),
            ("SELECT ((1,'a')::ct).*, 'after'", "1|a|after"),
            (
                "SELECT (n).*, ((n).c).* FROM (SELECT (7, (8,'q'), '{}')::nest AS n) s",
                "7|(8,q)|{}|8|q",
            ),
            ("SELECT (1).*", "ERROR 42809: type integer is not composite"),
            (
                "SELECT (1, 2) = (1, 2), (1, 2) <> (1, 3), (1, 10) > (1, 9), ROW(1, 2) <= ROW(1, 2), (2, 0) < (1, 5), (1, NULL) = (1, 2), (1, NULL) < (2, 0)",
                "t|t|t|t|f|NULL|t",
            ),
            (
                "SELECT (1, 2) = (1, 2, 3)",
                "ERROR 42601: unequal number of entries in row expressions",
            ),
            ("CREATE TYPE dup AS (a int, a text)", "ERROR 42701: column \"a\" specified more than once"),
            ("CREATE TYPE ct AS (z int)", "ERROR 42710: type \"ct\" already exists"),
        ],
    )
    .await;
}

#[tokio::test]
async fn composite_columns_store_assign_and_order() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TYPE ct AS (a int, b text)", "CREATE TYPE"),
            ("CREATE TABLE tc (id int PRIMARY KEY, c ct)", "CREATE TABLE"),
            (
                "INSERT INTO tc VALUES (1, row(1,'x')), (2, '(2,\"y z\")'), (3, NULL), (4, '(,)')",
                "INSERT 0 4",
            ),
            ("INSERT INTO tc (id, c.a, c.b) VALUES (5, 5, 'five')", "INSERT 0 1"),
            ("UPDATE tc SET c.b = 'upd' WHERE id = 1", "UPDATE 1"),
            ("UPDATE tc SET c.a = 40 WHERE id = 4", "UPDATE 1"),
            (
                "SELECT id, c, (c).a, (c).b, c IS NULL FROM tc ORDER BY id",
                "1|(1,upd)|1|upd|f\n2|(2,\"y z\")|2|y z|f\n3|NULL|NULL|NULL|t\n4|(40,)|40|NULL|f\n5|(5,five)|5|five|f",
            ),
            (
                "SELECT tc FROM tc WHERE id < 3 ORDER BY id",
                "(1,\"(1,upd)\")\n(2,\"(2,\"\"y z\"\")\")",
            ),
            ("SELECT t FROM tc t WHERE id = 2", "(2,\"(2,\"\"y z\"\")\")"),
            (
                "SELECT id FROM tc ORDER BY c DESC NULLS LAST, id",
                "4\n5\n2\n1\n3",
            ),
            (
                "INSERT INTO tc (id, c.b) VALUES (6, DEFAULT)",
                "ERROR 0A000: cannot set a subfield to DEFAULT",
            ),
            (
                "UPDATE tc SET c.nosuch = 1",
                "ERROR 42703: cannot assign to field \"nosuch\" of column because there is no such column in data type ct",
            ),
            // A composite key orders by its fields (10 after 9), not its text.
            ("CREATE TABLE kc (k ct PRIMARY KEY)", "CREATE TABLE"),
            (
                "INSERT INTO kc VALUES ('(10,a)'), ('(9,z)'), ('(9,b)')",
                "INSERT 0 3",
            ),
            ("SELECT k FROM kc WHERE k > '(9,c)'::ct ORDER BY k", "(9,z)\n(10,a)"),
            ("SELECT k FROM kc WHERE k = '(9,b)'::ct", "(9,b)"),
            (
                "INSERT INTO kc VALUES ('(9,b)')",
                "ERROR 23505: duplicate key value violates unique constraint \"kc_pkey\"",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn field_paths_in_insert_targets_build_nested_values() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "CREATE TYPE insert_test_type AS (if1 int, if2 text[])",
                "CREATE TYPE",
            ),
            (
                "CREATE TABLE inserttest (f3 insert_test_type, f4 insert_test_type[])",
                "CREATE TABLE",
            ),
            (
                "INSERT INTO inserttest (f3.if1, f3.if2) VALUES (1, array['foo'])",
                "INSERT 0 1",
            ),
            (
                "INSERT INTO inserttest (f3.if1, f3.if2) SELECT 3, '{baz,quux}'",
                "INSERT 0 1",
            ),
            (
                "INSERT INTO inserttest (f3.if2[1], f3.if2[2]) VALUES ('foo', 'bar')",
                "INSERT 0 1",
            ),
            (
                "INSERT INTO inserttest (f4[1].if2[1], f4[1].if2[2]) VALUES ('foo', 'bar')",
                "INSERT 0 1",
            ),
            (
                "SELECT f3, f4 FROM inserttest",
                "(1,{foo})|NULL\n(3,\"{baz,quux}\")|NULL\n(,\"{foo,bar}\")|NULL\nNULL|{\"(,\\\"{foo,bar}\\\")\"}",
            ),
            (
                "CREATE DOMAIN insert_test_domain AS insert_test_type CHECK ((VALUE).if1 IS NOT NULL AND (VALUE).if2 IS NOT NULL)",
                "CREATE DOMAIN",
            ),
            ("CREATE TABLE inserttestb (f1 insert_test_domain)", "CREATE TABLE"),
            (
                "INSERT INTO inserttestb (f1.if1) VALUES (1)",
                "ERROR 23514: value for domain insert_test_domain violates check constraint \"insert_test_domain_check\"",
            ),
            (
                "INSERT INTO inserttestb (f1.if1, f1.if2) VALUES (1, '{foo}')",
                "INSERT 0 1",
            ),
            ("SELECT f1 FROM inserttestb", "(1,{foo})"),
        ],
    )
    .await;
}

#[tokio::test]
async fn sql_functions_return_composite_types() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE foo (f1 int, f2 text, f3 int)", "CREATE TABLE"),
            ("INSERT INTO foo VALUES (1, 'a', 10), (2, 'b', 20)", "INSERT 0 2"),
            (
                "CREATE TYPE foo_t AS (f1 int, f2 text, f3 int, f4 int8)",
                "CREATE TYPE",
            ),
            (
                "CREATE FUNCTION foo_f() RETURNS SETOF foo_t AS $$ SELECT f1, f2, f3, f3::int8 FROM foo $$ LANGUAGE sql STABLE",
                "CREATE FUNCTION",
            ),
            (
                "SELECT * FROM foo_f() ORDER BY f1",
                "1|a|10|10\n2|b|20|20",
            ),
            (
                "UPDATE foo SET f2 = foo_f.f2 || 'x' FROM foo_f() WHERE foo_f.f1 = foo.f1 RETURNING foo_f",
                "(1,a,10,10)\n(2,b,20,20)",
            ),
            (
                "CREATE FUNCTION one_t() RETURNS foo_t AS $$ SELECT 1, 'x y', 2, 3::int8 $$ LANGUAGE sql",
                "CREATE FUNCTION",
            ),
            ("SELECT one_t()", "(1,\"x y\",2,3)"),
            ("SELECT (one_t()).f2, (one_t()).*", "x y|1|x y|2|3"),
            (
                "SELECT proname, prorettype::regtype, proretset FROM pg_proc WHERE proname IN ('one_t', 'foo_f') ORDER BY 1",
                "foo_f|foo_t|t\none_t|foo_t|f",
            ),
            (
                "DROP TYPE foo_t",
                "ERROR 2BP01: cannot drop type foo_t because other objects depend on it",
            ),
            ("DROP FUNCTION one_t()", "DROP FUNCTION"),
            ("DROP FUNCTION foo_f()", "DROP FUNCTION"),
            ("DROP TYPE foo_t", "DROP TYPE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn drop_type_follows_postgres_dependency_rules() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TYPE ct AS (a int, b text)", "CREATE TYPE"),
            ("CREATE TYPE holder AS (n int, c ct)", "CREATE TYPE"),
            ("CREATE DOMAIN ctd AS ct", "CREATE DOMAIN"),
            ("CREATE TABLE uses (c ct)", "CREATE TABLE"),
            (
                "DROP TYPE ct",
                "ERROR 2BP01: cannot drop type ct because other objects depend on it",
            ),
            // The table keeps its other columns (none here).
            ("DROP TYPE ct CASCADE", "DROP TYPE"),
            ("SELECT count(*) FROM uses", "0"),
            ("DROP TABLE uses", "DROP TABLE"),
            (
                "DROP TYPE ct CASCADE",
                "ERROR 42704: type \"ct\" does not exist",
            ),
            ("SELECT '(1)'::holder", "(1)"),
            (
                "SELECT typname FROM pg_type WHERE typname IN ('ct', 'ctd')",
                "",
            ),
            ("DROP TYPE IF EXISTS ct", "DROP TYPE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn catalogs_describe_composite_types() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TYPE ct2 AS (a int, b varchar(5))", "CREATE TYPE"),
            (
                "SELECT typtype, typcategory, typinput, typoutput, typlen FROM pg_type WHERE typname = 'ct2'",
                "c|C|record_in|record_out|-1",
            ),
            (
                "SELECT c.relkind, c.relnatts, c.relname FROM pg_class c JOIN pg_type t ON t.typrelid = c.oid WHERE t.typname = 'ct2'",
                "c|2|ct2",
            ),
            (
                "SELECT a.attname, a.attnum, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_type t ON a.attrelid = t.typrelid WHERE t.typname = 'ct2' ORDER BY attnum",
                "a|1|integer\nb|2|character varying(5)",
            ),
            (
                "SELECT t.typname FROM pg_type t JOIN pg_type e ON t.typelem = e.oid WHERE e.typname = 'ct2'",
                "_ct2",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn composite_types_roll_back_and_survive_a_restart() {
    let store = Arc::new(MemStore::new());
    let e = Engine::open(store.clone()).await.unwrap();
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("BEGIN", "BEGIN"),
            ("CREATE TYPE gone AS (a int)", "CREATE TYPE"),
            ("ROLLBACK", "ROLLBACK"),
            (
                "SELECT '(1)'::gone",
                "ERROR 42704: type \"gone\" does not exist",
            ),
            (
                "CREATE TYPE pt AS (x float8, y float8, label text)",
                "CREATE TYPE",
            ),
            (
                "CREATE TABLE pts (id int PRIMARY KEY, p pt, ps pt[])",
                "CREATE TABLE",
            ),
            (
                "INSERT INTO pts VALUES (1, (1.5, -2, 'a \"q\"'), array[(0,0,NULL)::pt])",
                "INSERT 0 1",
            ),
        ],
    )
    .await;
    drop(s);
    drop(e);
    let e = Engine::open(store).await.unwrap();
    let mut s = e.session();
    assert_eq!(
        run(&mut s, "SELECT p, (p).y, ps FROM pts").await,
        r#"(1.5,-2,"a ""q""")|-2|{"(0,0,)"}"#
    );
    assert_eq!(
        run(
            &mut s,
            "SELECT (p).label FROM pts WHERE p = '(1.5,-2,\"a \"\"q\"\"\")'::pt"
        )
        .await,
        "a \"q\""
    );
}

#[tokio::test]
async fn tables_have_a_row_type_of_their_name() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE pt (a int, b text, c int)", "CREATE TABLE"),
            ("ALTER TABLE pt DROP COLUMN c", "ALTER TABLE"),
            ("INSERT INTO pt VALUES (1,'x'), (2,'y z')", "INSERT 0 2"),
            // The current columns: the dropped one is no field.
            (
                "SELECT row(1,'a')::pt, '(2,\"b c\")'::pt, CAST(row(3,null) AS pt), pg_typeof(row(1,'a')::pt)",
                "(1,a)|(2,\"b c\")|(3,)|pt",
            ),
            (
                "SELECT (row(1,'a')::pt).b, row(1,'a')::pt = '(1,a)'::pt, row(1,'a')::pt < row(2,'a')::pt",
                "a|t|t",
            ),
            (
                "SELECT '(1,2,3)'::pt",
                "ERROR 22P02: malformed record literal: \"(1,2,3)\"",
            ),
            ("SELECT array[row(1,'a')::pt]::pt[]", "{\"(1,a)\"}"),
            ("SELECT pt FROM pt WHERE pt = row(2,'y z')::pt", "(2,\"y z\")"),
            // A whole-row reference has the table's row type.
            (
                "SELECT pg_typeof(pt), (pt).b FROM pt WHERE a = 2",
                "pt|y z",
            ),
            ("CREATE SCHEMA s", "CREATE SCHEMA"),
            ("CREATE TABLE s.q (x int)", "CREATE TABLE"),
            ("SELECT row(5)::s.q, '(6)'::s.q", "(5)|(6)"),
            (
                "CREATE TYPE pt AS (z int)",
                "ERROR 42710: type \"pt\" already exists",
            ),
            (
                "SELECT row(1)::nosuch",
                "ERROR 42704: type \"nosuch\" does not exist",
            ),
            ("CREATE TABLE holder (id int, p pt)", "CREATE TABLE"),
            ("INSERT INTO holder VALUES (1, row(7,'h'))", "INSERT 0 1"),
            ("SELECT p, (p).b FROM holder", "(7,h)|h"),
            // A partitioned table's row type in its partition key.
            (
                "CREATE TABLE rp (a int, b int) PARTITION BY LIST ((row(a, b)::rp))",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE rp1 PARTITION OF rp FOR VALUES IN ('(1,2)'::rp)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE rp2 PARTITION OF rp FOR VALUES IN ('(2,4)'::rp)",
                "CREATE TABLE",
            ),
            ("INSERT INTO rp VALUES (1,2), (2,4)", "INSERT 0 2"),
            (
                "SELECT tableoid::regclass, * FROM rp WHERE row(a,b)::rp = '(1,2)'::rp",
                "rp1|1|2",
            ),
            (
                "CREATE TABLE wp (a int, b int) PARTITION BY LIST ((wp))",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE wp1 PARTITION OF wp FOR VALUES IN ('(1,2)')",
                "CREATE TABLE",
            ),
            ("INSERT INTO wp VALUES (1,2)", "INSERT 0 1"),
            (
                "SELECT tableoid::regclass, * FROM wp WHERE wp = '(1,2)'::wp",
                "wp1|1|2",
            ),
        ],
    )
    .await;
}
