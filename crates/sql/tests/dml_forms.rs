//! UPDATE ... FROM, multiple-column SET items and TRUNCATE options through
//! the SQL interface, with PostgreSQL 15's results and error messages.

mod support;

use support::{check, memory_engine};

#[tokio::test]
async fn update_from_joins_each_target_row_once() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int, b int, c text)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z')", "INSERT 0 3"),
            (
                "UPDATE t SET a = v.i FROM (VALUES (100, 20)) AS v(i, j) WHERE t.b = v.j",
                "UPDATE 1",
            ),
            ("SELECT a, b FROM t ORDER BY b", "1|10\n100|20\n3|30"),
            // Several FROM rows match: the row is still updated once.
            (
                "UPDATE t SET c = v.s FROM (VALUES ('p'), ('q')) v(s) WHERE t.a = 1 RETURNING t.a, c",
                "1|p",
            ),
            (
                "CREATE TABLE names (id int, label text)",
                "CREATE TABLE",
            ),
            ("INSERT INTO names VALUES (3, 'three'), (100, 'hundred')", "INSERT 0 2"),
            (
                "UPDATE t AS o SET c = n.label FROM names n WHERE n.id = o.a AND o.a > 50 RETURNING *",
                "100|20|hundred|100|hundred",
            ),
            (
                "UPDATE t AS o SET c = n.label FROM names n WHERE n.id = o.a",
                "UPDATE 2",
            ),
            ("SELECT a, c FROM t ORDER BY a", "1|p\n3|three\n100|hundred"),
            // No FROM row matches: nothing changes.
            ("UPDATE t SET c = 'none' FROM names WHERE names.id = -1", "UPDATE 0"),
            (
                "UPDATE t SET a = 1 FROM t WHERE true",
                "ERROR 42712: table name \"t\" specified more than once",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn delete_using_joins_each_target_row_once() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE a (id int PRIMARY KEY, v int)", "CREATE TABLE"),
            ("CREATE TABLE b (id int, tag text)", "CREATE TABLE"),
            (
                "INSERT INTO a VALUES (1, 10), (2, 20), (3, 30)",
                "INSERT 0 3",
            ),
            (
                "INSERT INTO b VALUES (2, 'x'), (2, 'y'), (3, 'z')",
                "INSERT 0 3",
            ),
            // Two USING rows match id 2: it is deleted (and returned) once.
            (
                "DELETE FROM a USING b WHERE a.id = b.id AND a.id = 2 RETURNING a.v, b.tag",
                "20|x",
            ),
            ("DELETE FROM a AS t USING b WHERE t.id = b.id", "DELETE 1"),
            ("SELECT * FROM a", "1|10"),
            ("DELETE FROM a USING b WHERE b.id = -1", "DELETE 0"),
            (
                "DELETE FROM a USING a WHERE true",
                "ERROR 42712: table name \"a\" specified more than once",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn multiple_column_assignments() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE u (a int DEFAULT 10, b int, c text)", "CREATE TABLE"),
            ("INSERT INTO u VALUES (5, 1, 'foo'), (6, 2, 'bar')", "INSERT 0 2"),
            (
                "UPDATE u SET (c, b, a) = ('bugle', b + 11, DEFAULT) WHERE c = 'foo'",
                "UPDATE 1",
            ),
            ("SELECT a, b, c FROM u ORDER BY a", "6|2|bar\n10|12|bugle"),
            (
                "UPDATE u SET (c, b) = ('car', a + b), b = a + 1 WHERE a = 10",
                "ERROR 42601: multiple assignments to same column \"b\"",
            ),
            (
                "UPDATE u SET (b, a) = (SELECT a, b FROM u WHERE c = 'bar') WHERE c = 'bugle'",
                "UPDATE 1",
            ),
            ("SELECT a, b, c FROM u ORDER BY c", "6|2|bar\n2|6|bugle"),
            // Correlated sub-SELECT: each row sees its own values.
            (
                "UPDATE u o SET (a, b) = (SELECT i.b, i.a FROM u i WHERE i.c = o.c)",
                "UPDATE 2",
            ),
            ("SELECT a, b, c FROM u ORDER BY c", "2|6|bar\n6|2|bugle"),
            (
                "UPDATE u SET (a, b) = (SELECT a, b FROM u)",
                "ERROR 21000: more than one row returned by a subquery used as an expression",
            ),
            // No row from the sub-SELECT sets the columns to NULL.
            (
                "UPDATE u SET (a, b) = (SELECT a, b FROM u WHERE a = 1000) WHERE c = 'bar'",
                "UPDATE 1",
            ),
            ("SELECT a, b, c FROM u ORDER BY c", "NULL|NULL|bar\n6|2|bugle"),
            (
                "UPDATE u SET (a, b) = ROW(v.*) FROM (VALUES (7, 8)) v(i, j) WHERE u.c = 'bar'",
                "UPDATE 1",
            ),
            ("SELECT a, b FROM u WHERE c = 'bar'", "7|8"),
            (
                "UPDATE u SET (a, b) = (v.*) FROM (VALUES (7, 8)) v(i, j)",
                "ERROR 0A000: source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
            ),
            (
                "UPDATE u SET a = v.* FROM (VALUES (7, 8)) v(i, j)",
                "ERROR 42804: column \"a\" is of type integer but expression is of type record",
            ),
            (
                "UPDATE u SET (a, b) = (1, 2, 3)",
                "ERROR 42601: number of columns does not match number of values",
            ),
            (
                "UPDATE u SET (a, b) = (SELECT 1)",
                "ERROR 42601: number of columns does not match number of values",
            ),
        ],
    )
    .await;
}

/// `SET (a, b) = (SELECT ...)` runs its sub-SELECT once per row for all
/// its columns (PostgreSQL's MULTIEXPR subplan): with nextval in it, a
/// second run would give b a later value than a and advance the sequence
/// twice per row.
#[tokio::test]
async fn multiple_column_sub_select_runs_once_per_row() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE SEQUENCE once_seq", "CREATE SEQUENCE"),
            ("CREATE TABLE once (id int, a bigint, b bigint)", "CREATE TABLE"),
            ("INSERT INTO once VALUES (1, 0, 0), (2, 0, 0), (3, 0, 0)", "INSERT 0 3"),
            (
                "UPDATE once o SET (a, b) = (SELECT nextval('once_seq') + 0 * o.id, currval('once_seq'))",
                "UPDATE 3",
            ),
            ("SELECT count(*) FROM once WHERE a = b", "3"),
            ("SELECT last_value FROM once_seq", "3"),
            // Uncorrelated: one run for the whole statement.
            (
                "UPDATE once SET (a, b) = (SELECT nextval('once_seq'), currval('once_seq'))",
                "UPDATE 3",
            ),
            ("SELECT DISTINCT a, b FROM once", "4|4"),
            // UPDATE ... FROM evaluates it once per joined row too.
            (
                "UPDATE once o SET (a, b) = (SELECT nextval('once_seq') + v.k, currval('once_seq') + v.k) \
                 FROM (VALUES (1, 100), (2, 200)) v(id, k) WHERE v.id = o.id RETURNING o.id, a - b",
                "1|0\n2|0",
            ),
            ("SELECT last_value FROM once_seq", "6"),
            (
                "CREATE TABLE once_p (id int, a bigint, b bigint) PARTITION BY RANGE (id)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE once_p1 PARTITION OF once_p FOR VALUES FROM (0) TO (10)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE once_p2 PARTITION OF once_p FOR VALUES FROM (10) TO (20)",
                "CREATE TABLE",
            ),
            ("INSERT INTO once_p VALUES (1, 0, 0), (8, 0, 0)", "INSERT 0 2"),
            // Moving a row to another partition keeps the one evaluation.
            (
                "UPDATE once_p p SET (id, a, b) = (SELECT p.id + 5, nextval('once_seq'), currval('once_seq'))",
                "UPDATE 2",
            ),
            ("SELECT tableoid::regclass, id, a = b FROM once_p ORDER BY id", "once_p1|6|t\nonce_p2|13|t"),
            ("SELECT last_value FROM once_seq", "8"),
        ],
    )
    .await;
}

/// EXPLAIN VERBOSE of a multiple-column SET shows the one subplan and the
/// parameters its outputs feed, as PostgreSQL 15's update test expects.
#[tokio::test]
async fn explain_verbose_shows_one_multiple_column_subplan() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE update_test (a int DEFAULT 10, b int, c text)",
                "CREATE TABLE",
            ),
            (
                "EXPLAIN (VERBOSE, COSTS OFF) UPDATE update_test t \
                 SET (a, b) = (SELECT b, a FROM update_test s WHERE s.a = t.a) \
                 WHERE CURRENT_USER = SESSION_USER",
                "Update on public.update_test t\n\
                 \x20 ->  Result\n\
                 \x20       Output: $1, $2, (SubPlan 1 (returns $1,$2)), t.ctid\n\
                 \x20       One-Time Filter: (CURRENT_USER = SESSION_USER)\n\
                 \x20       ->  Seq Scan on public.update_test t\n\
                 \x20             Output: t.a, t.ctid\n\
                 \x20       SubPlan 1 (returns $1,$2)\n\
                 \x20         ->  Seq Scan on public.update_test s\n\
                 \x20               Output: s.b, s.a\n\
                 \x20               Filter: (s.a = t.a)",
            ),
            (
                "EXPLAIN (COSTS OFF) UPDATE update_test SET (b, a) = (SELECT 1, 2)",
                "Update on update_test\n\
                 \x20 InitPlan 1 (returns $0,$1)\n\
                 \x20   ->  Result\n\
                 \x20 ->  Seq Scan on update_test",
            ),
            (
                "EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM update_test d WHERE b > 3 RETURNING a",
                "Delete on public.update_test d\n\
                 \x20 Output: a\n\
                 \x20 ->  Seq Scan on public.update_test d\n\
                 \x20       Output: ctid\n\
                 \x20       Filter: (d.b > 3)",
            ),
            (
                "EXPLAIN (FOO) SELECT 1",
                "ERROR 42601: unrecognized EXPLAIN option \"foo\"",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn on_conflict_do_update_with_multiple_column_assignment() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE up (a int PRIMARY KEY, b text)",
                "CREATE TABLE",
            ),
            ("INSERT INTO up VALUES (1, 'Boo'), (3, 'Zoo')", "INSERT 0 2"),
            (
                "INSERT INTO up VALUES (1, 'Baz'), (3, 'Zaz') ON CONFLICT (a) \
                 DO UPDATE SET (b, a) = (SELECT b || ', Correlated', a FROM up i WHERE i.a = up.a) \
                 RETURNING *",
                "1|Boo, Correlated\n3|Zoo, Correlated",
            ),
            (
                "INSERT INTO up VALUES (1, 'Bat') ON CONFLICT (a) \
                 DO UPDATE SET (b, a) = (excluded.b, excluded.a) RETURNING *",
                "1|Bat",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn with_queries_before_data_statements() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE w (a int PRIMARY KEY, b text)", "CREATE TABLE"),
            ("INSERT INTO w VALUES (1, 'Boo')", "INSERT 0 1"),
            (
                "WITH aaa AS (SELECT 1 AS a, 'Foo' AS b) INSERT INTO w VALUES (1, 'Bar') \
                 ON CONFLICT (a) DO UPDATE SET (b, a) = (SELECT b, a FROM aaa) RETURNING *",
                "1|Foo",
            ),
            (
                "WITH n AS (SELECT 2 AS a) INSERT INTO w SELECT a, 'two' FROM n",
                "INSERT 0 1",
            ),
            (
                "WITH n AS (SELECT 2 AS a) UPDATE w SET b = 'deux' WHERE a IN (SELECT a FROM n)",
                "UPDATE 1",
            ),
            (
                "WITH n AS (SELECT 1 AS a) DELETE FROM w WHERE a = (SELECT a FROM n) RETURNING b",
                "Foo",
            ),
            ("SELECT a, b FROM w", "2|deux"),
            (
                "BEGIN READ ONLY; WITH n AS (SELECT 3) INSERT INTO w VALUES (3, 'x')",
                "BEGIN\nERROR 25006: cannot execute INSERT in a read-only transaction",
            ),
            ("ROLLBACK", "ROLLBACK"),
        ],
    )
    .await;
}

#[tokio::test]
async fn returning_qualified_star_is_one_relation() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE f (f1 int, f2 text)", "CREATE TABLE"),
            ("CREATE TABLE g (g1 int)", "CREATE TABLE"),
            ("INSERT INTO f VALUES (1, 'test')", "INSERT 0 1"),
            ("INSERT INTO g VALUES (123456)", "INSERT 0 1"),
            (
                "UPDATE f SET f1 = 2 FROM g i WHERE f.f1 + 123455 = i.g1 RETURNING f.*, i.g1 AS x",
                "2|test|123456",
            ),
            (
                "UPDATE f SET f1 = 3 RETURNING nosuch.*",
                "ERROR 42P01: missing FROM-clause entry for table \"nosuch\"",
            ),
            ("INSERT INTO f VALUES (4, 'x') RETURNING f.*", "4|x"),
            (
                "INSERT INTO f AS bar VALUES (5, 'y') RETURNING f.*",
                "ERROR 42P01: invalid reference to FROM-clause entry for table \"f\"",
            ),
            (
                "INSERT INTO f AS bar VALUES (5, 'y') RETURNING bar.*",
                "5|y",
            ),
            ("INSERT INTO f AS bar VALUES (6, 'z') RETURNING bar.f2", "z"),
            (
                "CREATE TABLE k (id int PRIMARY KEY, v text)",
                "CREATE TABLE",
            ),
            ("INSERT INTO k VALUES (1, 'a')", "INSERT 0 1"),
            (
                "INSERT INTO k AS o VALUES (1, 'b') ON CONFLICT (id) \
                 DO UPDATE SET v = o.v || excluded.v RETURNING o.v",
                "ab",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_table_checks_default_expressions() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE d (id int DEFAULT (id))",
                "ERROR 0A000: cannot use column reference in DEFAULT expression",
            ),
            (
                "CREATE TABLE d (id int DEFAULT (bar.id))",
                "ERROR 0A000: cannot use column reference in DEFAULT expression",
            ),
            (
                "CREATE TABLE d (id int DEFAULT (avg(id)))",
                "ERROR 0A000: cannot use column reference in DEFAULT expression",
            ),
            (
                "CREATE TABLE d (a int DEFAULT (avg(1)))",
                "ERROR 42803: aggregate functions are not allowed in DEFAULT expressions",
            ),
            (
                "CREATE TABLE d (a int DEFAULT (select 1))",
                "ERROR 0A000: cannot use subquery in DEFAULT expression",
            ),
            (
                "CREATE TABLE d (a int DEFAULT (generate_series(1,3)))",
                "ERROR 0A000: set-returning functions are not allowed in DEFAULT expressions",
            ),
            (
                "CREATE TABLE d (a date DEFAULT current_date, b text DEFAULT current_user, c int DEFAULT 1 + 2)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE e (a int) INHERITS (d)",
                "ERROR 42804: column \"a\" has a type conflict",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn truncate_cascade_and_foreign_key_checks() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE ta (col1 int PRIMARY KEY)", "CREATE TABLE"),
            ("CREATE TABLE tb (a int REFERENCES ta)", "CREATE TABLE"),
            ("CREATE TABLE tc (a int PRIMARY KEY)", "CREATE TABLE"),
            ("CREATE TABLE td (a int REFERENCES tc)", "CREATE TABLE"),
            (
                "CREATE TABLE te (a int REFERENCES ta, b int REFERENCES tc)",
                "CREATE TABLE",
            ),
            (
                "ALTER TABLE ta ADD FOREIGN KEY (col1) REFERENCES tc",
                "ALTER TABLE",
            ),
            // The oldest referencing table is named, not the first by name.
            (
                "TRUNCATE tc",
                "ERROR 0A000: cannot truncate a table referenced in a foreign key constraint",
            ),
            (
                "TRUNCATE ta RESTRICT",
                "ERROR 0A000: cannot truncate a table referenced in a foreign key constraint",
            ),
            ("INSERT INTO tc VALUES (1)", "INSERT 0 1"),
            ("INSERT INTO ta VALUES (1)", "INSERT 0 1"),
            ("INSERT INTO tb VALUES (1)", "INSERT 0 1"),
            ("INSERT INTO td VALUES (1)", "INSERT 0 1"),
            ("INSERT INTO te VALUES (1, 1)", "INSERT 0 1"),
            ("TRUNCATE TABLE tc CASCADE", "TRUNCATE TABLE"),
            (
                "SELECT (SELECT count(*) FROM ta) + (SELECT count(*) FROM tb) + \
                 (SELECT count(*) FROM tc) + (SELECT count(*) FROM td) + (SELECT count(*) FROM te)",
                "0",
            ),
        ],
    )
    .await;
    let detail = s.execute_simple("TRUNCATE tc").await;
    let err = detail.into_iter().next().unwrap().unwrap_err();
    assert_eq!(
        err.detail.as_deref(),
        Some("Table \"ta\" references \"tc\".")
    );
}

#[tokio::test]
async fn create_table_as_copies_query_columns_and_rows() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE src (a int, b varchar(5), c numeric(6,2))",
                "CREATE TABLE",
            ),
            (
                "INSERT INTO src VALUES (1, 'x', 1.5), (2, 'y', NULL)",
                "INSERT 0 2",
            ),
            (
                "CREATE TABLE dst AS SELECT * FROM src WHERE a > 0",
                "SELECT 2",
            ),
            ("SELECT a, b, c FROM dst ORDER BY a", "1|x|1.50\n2|y|NULL"),
            (
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = 'dst'::regclass AND attnum > 0 ORDER BY attnum",
                "a|integer\nb|character varying(5)\nc|numeric(6,2)",
            ),
            (
                "CREATE TABLE dst AS SELECT 1",
                "ERROR 42P07: relation \"dst\" already exists",
            ),
            (
                "CREATE TABLE IF NOT EXISTS dst AS SELECT 1",
                "CREATE TABLE AS",
            ),
            (
                "CREATE TABLE lit AS SELECT 'v' AS t, 2 + 3 AS n",
                "SELECT 1",
            ),
            ("SELECT t, n FROM lit", "v|5"),
            ("BEGIN", "BEGIN"),
            ("CREATE TABLE gone AS SELECT a FROM src", "SELECT 2"),
            ("SELECT count(*) FROM gone", "2"),
            ("ROLLBACK", "ROLLBACK"),
            (
                "SELECT count(*) FROM gone",
                "ERROR 42P01: relation \"gone\" does not exist",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_table_storage_parameters() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE tas_case WITH (\"Fillfactor\" = 10) AS SELECT 1 a",
                "ERROR 22023: unrecognized parameter \"Fillfactor\"",
            ),
            (
                "CREATE TABLE withoid() WITH (oids)",
                "ERROR 0A000: tables declared WITH OIDS are not supported",
            ),
            (
                "CREATE TABLE withoid() WITH (oids = true)",
                "ERROR 0A000: tables declared WITH OIDS are not supported",
            ),
            ("CREATE TABLE withoutoid() WITH (oids = false)", "CREATE TABLE"),
            (
                "CREATE TABLE p1 (a int) WITH (fillfactor = 70, autovacuum_enabled = off, toast.autovacuum_enabled = off)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE p2 (a int) WITH (nosuch = 1)",
                "ERROR 22023: unrecognized parameter \"nosuch\"",
            ),
            (
                "CREATE TABLE p3 (a int) WITH (foo.fillfactor = 1)",
                "ERROR 22023: unrecognized parameter namespace \"foo\"",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_table_schema_and_persistence() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE UNLOGGED TABLE pg_temp.unlogged3 (a int primary key)",
                "ERROR 42P16: only temporary relations may be created in temporary schemas",
            ),
            (
                "CREATE TABLE pg_temp.implicitly_temp (a int primary key)",
                "CREATE TABLE",
            ),
            (
                "CREATE TEMP TABLE pg_temp.doubly_temp (a int primary key)",
                "CREATE TABLE",
            ),
            (
                "CREATE TEMP TABLE public.temp_to_perm (a int primary key)",
                "ERROR 42P16: cannot create temporary relation in non-temporary schema",
            ),
            ("INSERT INTO implicitly_temp VALUES (1)", "INSERT 0 1"),
            (
                "CREATE TABLE unknowntab (u unknown)",
                "ERROR 42P16: column \"u\" has pseudo-type unknown",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn returning_names_a_temporary_table_by_its_alias_only() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TEMP TABLE foo (f1 serial, f2 text, f3 int DEFAULT 42)",
                "CREATE TABLE",
            ),
            (
                "INSERT INTO foo AS bar DEFAULT VALUES RETURNING foo.*",
                "ERROR 42P01: invalid reference to FROM-clause entry for table \"foo\"",
            ),
            (
                "INSERT INTO foo AS bar DEFAULT VALUES RETURNING bar.f3",
                "42",
            ),
            (
                "UPDATE foo AS u SET f2 = 'x' RETURNING foo.f1",
                "ERROR 42P01: invalid reference to FROM-clause entry for table \"foo\"",
            ),
        ],
    )
    .await;
}
