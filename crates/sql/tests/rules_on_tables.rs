//! Rules on tables end to end on a `MemStore` (outputs as PostgreSQL 15
//! gives them): DO ALSO with NEW/OLD and a WHERE condition, DO INSTEAD
//! NOTHING, DO INSTEAD with RETURNING, the statement's own RETURNING and
//! row count under DO ALSO, recursion and conditional-INSTEAD refusals,
//! DROP RULE, the catalogs, ownership, and rules surviving a restart.

mod support;

use support::{check, check_across_restart, memory_engine};

const SETUP: &[(&str, &str)] = &[
    ("CREATE TABLE t (a int, b text DEFAULT 'd')", "CREATE TABLE"),
    ("CREATE TABLE log (op text, a int, b text)", "CREATE TABLE"),
    (
        "CREATE RULE r_ins AS ON INSERT TO t DO ALSO INSERT INTO log VALUES ('ins', new.a, new.b)",
        "CREATE RULE",
    ),
    (
        "CREATE RULE r_upd AS ON UPDATE TO t WHERE old.a <> new.a DO ALSO INSERT INTO log VALUES ('upd', old.a, new.b)",
        "CREATE RULE",
    ),
    (
        "CREATE RULE r_del AS ON DELETE TO t DO INSTEAD NOTHING",
        "CREATE RULE",
    ),
];

#[tokio::test]
async fn also_rules_add_to_the_statement_and_instead_nothing_replaces_it() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("INSERT INTO t (a) VALUES (1), (2)", "INSERT 0 2"),
            ("INSERT INTO t VALUES (3, 'x') RETURNING a, b", "3|x"),
            ("UPDATE t SET a = a * 10 WHERE a > 1", "UPDATE 2"),
            ("UPDATE t SET b = 'same' WHERE a = 1", "UPDATE 1"),
            ("DELETE FROM t", "DELETE 0"),
            ("SELECT * FROM t ORDER BY a", "1|same\n20|d\n30|x"),
            (
                "SELECT * FROM log ORDER BY op, a",
                "ins|1|d\nins|2|d\nins|3|x\nupd|2|d\nupd|3|x",
            ),
            (
                "SELECT rulename, ev_type, is_instead FROM pg_rewrite WHERE ev_class = 't'::regclass ORDER BY 1",
                "r_del|4|t\nr_ins|3|f\nr_upd|2|f",
            ),
            (
                "SELECT relhasrules FROM pg_class WHERE relname = 't'",
                "t",
            ),
            ("DROP RULE r_del ON t", "DROP RULE"),
            ("DELETE FROM t WHERE a = 1", "DELETE 1"),
            ("SELECT count(*) FROM t", "2"),
            (
                "DROP RULE r_del ON t",
                "ERROR 42704: rule \"r_del\" for relation \"t\" does not exist",
            ),
            ("DROP RULE IF EXISTS r_del ON t", "DROP RULE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn instead_rules_supply_returning_and_recursion_is_refused() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE t2 (a int)", "CREATE TABLE"),
            ("CREATE TABLE log (op text, a int)", "CREATE TABLE"),
            (
                "CREATE RULE r2 AS ON INSERT TO t2 DO INSTEAD INSERT INTO log VALUES ('t2', new.a) RETURNING a, op",
                "ERROR 42P17: RETURNING list has too many entries",
            ),
            (
                "CREATE RULE r2 AS ON INSERT TO t2 DO INSTEAD INSERT INTO log VALUES ('t2', new.a) RETURNING a",
                "CREATE RULE",
            ),
            ("INSERT INTO t2 VALUES (7) RETURNING *", "7"),
            ("SELECT count(*) FROM t2", "0"),
            ("SELECT op, a FROM log", "t2|7"),
            (
                "CREATE RULE loop AS ON INSERT TO t2 DO ALSO INSERT INTO t2 VALUES (new.a)",
                "CREATE RULE",
            ),
            (
                "INSERT INTO t2 VALUES (8)",
                "ERROR 42P17: infinite recursion detected in rules for relation \"t2\"",
            ),
            ("DROP RULE loop ON t2", "DROP RULE"),
            (
                "CREATE RULE cond AS ON UPDATE TO t2 WHERE new.a > 5 DO INSTEAD NOTHING",
                "CREATE RULE",
            ),
            (
                "UPDATE t2 SET a = 1",
                "ERROR 0A000: UPDATE on a table with a conditional DO INSTEAD rule is not supported",
            ),
            ("CREATE ROLE stranger", "CREATE ROLE"),
            ("SET ROLE stranger", "SET"),
            (
                "CREATE RULE r3 AS ON DELETE TO t2 DO INSTEAD NOTHING",
                "ERROR 42501: must be owner of table t2",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn table_rules_survive_a_restart() {
    let mut before = SETUP.to_vec();
    before.push(("INSERT INTO t (a) VALUES (1)", "INSERT 0 1"));
    check_across_restart(
        &before,
        &[
            ("INSERT INTO t (a) VALUES (2)", "INSERT 0 1"),
            ("DELETE FROM t", "DELETE 0"),
            ("SELECT op, a FROM log ORDER BY a", "ins|1\nins|2"),
            (
                "SELECT rulename FROM pg_rules WHERE tablename = 't' ORDER BY 1",
                "r_del\nr_ins\nr_upd",
            ),
        ],
    )
    .await;
}
