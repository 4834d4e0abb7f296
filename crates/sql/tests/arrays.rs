//! Array operators and functions end to end, with PostgreSQL 15's results:
//! `||` in its three forms, slices, array_* functions, containment
//! operators, ordering and DISTINCT over arrays, element and slice
//! assignment in UPDATE and INSERT column lists (over a domain, as
//! pg-regress insert.sql does).

use std::sync::Arc;

mod support;

use borealis_sql::{Engine, MemStore};
use support::run;

async fn check(cases: &[(&str, &str)]) {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    for (sql, want) in cases {
        assert_eq!(run(&mut s, sql).await, *want, "{sql}");
    }
}

#[tokio::test]
async fn concatenation_follows_postgres() {
    check(&[
        (
            "SELECT ARRAY[1,2] || ARRAY[3], ARRAY[1,2] || 3, 0 || ARRAY[1,2], '{1}' || ARRAY[1,2], ARRAY['a'] || 'b'::text",
            "{1,2,3}|{1,2,3}|{0,1,2}|{1,1,2}|{a,b}",
        ),
        (
            "SELECT ARRAY[1,2] || 3::bigint, ARRAY[1,2] || ARRAY[3.5], NULL::int[] || ARRAY[1]",
            "{1,2,3}|{1,2,3.5}|{1}",
        ),
        (
            "SELECT ARRAY[1,2] || 'x'::text",
            "ERROR 42883: operator does not exist: integer[] || text",
        ),
        (
            "SELECT array_append(ARRAY[1,2], 3), array_prepend(0, ARRAY[1]), array_cat(ARRAY[1], ARRAY[2,3]), array_append(NULL, 1)",
            "{1,2,3}|{0,1}|{1,2,3}|{1}",
        ),
        (
            "SELECT array_length(ARRAY[1,2,3] || ARRAY[4], 1)",
            "4",
        ),
    ])
    .await;
}

#[tokio::test]
async fn slices_and_bounds() {
    check(&[
        (
            "SELECT (ARRAY[1,2,3,4])[2:3], (ARRAY[1,2,3,4])[:2], (ARRAY[1,2,3,4])[3:], (ARRAY[1,2,3,4])[3:2], (ARRAY[1,2,3,4])[0:1]",
            "{2,3}|{1,2}|{3,4}|{}|{1}",
        ),
        (
            "SELECT array_lower(ARRAY[5,6], 1), array_upper(ARRAY[5,6], 1), array_upper(ARRAY[5,6], 2), array_dims(ARRAY[5,6,7]), array_ndims(ARRAY[1]), array_lower('{}'::int[], 1)",
            "1|2|NULL|[1:3]|1|NULL",
        ),
    ])
    .await;
}

#[tokio::test]
async fn search_and_edit_functions() {
    check(&[
        (
            "SELECT array_position(ARRAY['a','b','a'], 'a'), array_position(ARRAY['a','b','a'], 'a', 2), array_positions(ARRAY[1,2,1,NULL], 1), array_position(ARRAY[1,NULL], NULL)",
            "1|3|{1,3}|2",
        ),
        (
            "SELECT array_remove(ARRAY[1,2,1,3], 1), array_replace(ARRAY[1,2,1], 1, 9), array_remove(ARRAY[1,NULL,2], NULL), trim_array(ARRAY[1,2,3], 2)",
            "{2,3}|{9,2,9}|{1,2}|{1}",
        ),
    ])
    .await;
}

#[tokio::test]
async fn containment_operators_and_ordering() {
    check(&[
        (
            "SELECT ARRAY[1,2,3] @> ARRAY[2,1], ARRAY[1,2] <@ ARRAY[1,2,3], ARRAY[1,2] && ARRAY[2,5], ARRAY[1,2] && ARRAY[7], ARRAY[1,NULL] @> ARRAY[NULL]::int[]",
            "t|t|t|f|f",
        ),
        (
            "SELECT 'foo' ~ ANY (ARRAY['^f', 'x']), 'foo' ~ ALL (ARRAY['^f', 'x']), 'FOO' ~* ANY ('{^f}'), 'foo' !~ ALL (ARRAY['z', NULL]), 'foo' ~ ANY (ARRAY['z', NULL])",
            "t|f|t|NULL|NULL",
        ),
        (
            "SELECT ARRAY[1] @> ARRAY['a']",
            "ERROR 42883: operator does not exist: integer[] @> text[]",
        ),
        (
            "SELECT x FROM (VALUES (ARRAY[2,1]), (ARRAY[1,2,3]), (ARRAY[1,2]), (NULL)) v(x) ORDER BY x",
            "{1,2}\n{1,2,3}\n{2,1}\nNULL",
        ),
        (
            "SELECT DISTINCT x FROM (VALUES (ARRAY[2,1]), (ARRAY[1,2]), (ARRAY[2,1])) v(x) ORDER BY x",
            "{1,2}\n{2,1}",
        ),
        ("CREATE TABLE t (id int PRIMARY KEY, tags text[])", "CREATE TABLE"),
        (
            "INSERT INTO t VALUES (1, '{a,b}'), (2, '{c}'), (3, NULL)",
            "INSERT 0 3",
        ),
        (
            "UPDATE t SET tags = tags || 'z'::text WHERE id < 3",
            "UPDATE 2",
        ),
        (
            "SELECT id, tags FROM t WHERE tags @> '{z}' ORDER BY tags",
            "1|{a,b,z}\n2|{c,z}",
        ),
        ("CREATE INDEX t_tags ON t (tags)", "CREATE INDEX"),
        (
            "SELECT id FROM t WHERE tags = '{c,z}'",
            "2",
        ),
    ])
    .await;
}

#[tokio::test]
async fn element_and_slice_assignment_in_update() {
    check(&[
        (
            "CREATE TABLE at (id int PRIMARY KEY, a int[], t text[])",
            "CREATE TABLE",
        ),
        (
            "INSERT INTO at VALUES (1, '{1,2,3}', NULL), (2, NULL, '{x}')",
            "INSERT 0 2",
        ),
        ("UPDATE at SET a[2] = 20 WHERE id = 1", "UPDATE 1"),
        ("UPDATE at SET a[5] = 50 WHERE id = 1", "UPDATE 1"),
        ("UPDATE at SET a[1] = 7 WHERE id = 2", "UPDATE 1"),
        ("UPDATE at SET t[2:3] = '{y,z}' WHERE id = 2", "UPDATE 1"),
        (
            "UPDATE at SET a[1:2] = '{9}' WHERE id = 1",
            "ERROR 2202E: source array too small",
        ),
        (
            "SELECT id, a, t FROM at ORDER BY id",
            "1|{1,20,3,NULL,50}|NULL\n2|{7}|{x,y,z}",
        ),
        (
            "UPDATE at SET a[2:3] = '{8,8}', t[1] = 'q' WHERE id = 1 RETURNING a, t",
            "{1,8,8,NULL,50}|{q}",
        ),
        (
            "UPDATE at SET a[1] = 'x' WHERE id = 1",
            "ERROR 22P02: invalid input syntax for type integer: \"x\"",
        ),
        (
            "INSERT INTO at VALUES (2, '{}', NULL) ON CONFLICT (id) DO UPDATE SET a[2] = 5",
            "INSERT 0 1",
        ),
        ("SELECT a FROM at WHERE id = 2", "{7,5}"),
    ])
    .await;
}

#[tokio::test]
async fn element_assignment_in_insert_column_lists() {
    let violates = "ERROR 23514: value for domain insert_pos_ints violates check constraint \"insert_pos_ints_check\"";
    check(&[
        (
            "create domain insert_pos_ints as int[] check (value[1] > 0)",
            "CREATE DOMAIN",
        ),
        (
            "create table inserttesta (f1 int, f2 insert_pos_ints)",
            "CREATE TABLE",
        ),
        (
            "insert into inserttesta (f2[1], f2[2]) values (1,2)",
            "INSERT 0 1",
        ),
        (
            "insert into inserttesta (f2[1], f2[2]) values (3,4), (5,6)",
            "INSERT 0 2",
        ),
        (
            "insert into inserttesta (f2[1], f2[2]) select 7,8",
            "INSERT 0 1",
        ),
        (
            "insert into inserttesta (f2[1], f2[2]) values (0,2)",
            violates,
        ),
        (
            "insert into inserttesta (f2[1], f2[2]) values (3,4), (0,6)",
            violates,
        ),
        (
            "insert into inserttesta (f2[1], f2[2]) select 0,8",
            violates,
        ),
        (
            "insert into inserttesta (f1, f2[1:2]) values (9, '{x,y}')",
            "ERROR 22P02: invalid input syntax for type integer: \"x\"",
        ),
        (
            "insert into inserttesta (f1, f2[1:2]) values (9, '{10,11}') returning *",
            "9|{10,11}",
        ),
        (
            "select * from inserttesta order by f2",
            "NULL|{1,2}\nNULL|{3,4}\nNULL|{5,6}\nNULL|{7,8}\n9|{10,11}",
        ),
    ])
    .await;
}
