//! Rewrite rules on views: CREATE [OR REPLACE] RULE / DROP RULE, DO INSTEAD
//! actions with NEW/OLD, conditional rules, DO INSTEAD NOTHING, RETURNING
//! computed from the action's RETURNING, command tags, errors, and rules
//! being transactional and persisted. Expected outputs are PostgreSQL 15's.

mod support;

use support::{check, check_across_restart, memory_engine};

const SETUP: &[(&str, &str)] = &[
    ("CREATE TABLE log (op text, a int, b text)", "CREATE TABLE"),
    ("CREATE TABLE base (a int, b text)", "CREATE TABLE"),
    ("CREATE VIEW v AS SELECT a, b FROM base", "CREATE VIEW"),
    (
        "CREATE VIEW j AS SELECT a, b, a * 10 AS a10 FROM base WHERE a > 0 GROUP BY a, b",
        "CREATE VIEW",
    ),
];

#[tokio::test]
async fn instead_rules_carry_out_writes_on_a_view() {
    let mut s = memory_engine().await.session();
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            (
                "CREATE RULE j_ins AS ON INSERT TO j DO INSTEAD (INSERT INTO base VALUES (new.a, upper(new.b)); INSERT INTO log VALUES ('ins', new.a, new.b))",
                "CREATE RULE",
            ),
            ("INSERT INTO j VALUES (1, 'x'), (2, 'y')", "INSERT 0 2"),
            // Each action reads the source anew (the second sees the first's rows).
            ("INSERT INTO j SELECT a + 10, b FROM base", "INSERT 0 4"),
            ("SELECT * FROM base ORDER BY a", "1|X\n2|Y\n11|X\n12|Y"),
            (
                "SELECT * FROM log ORDER BY a",
                "ins|1|x\nins|2|y\nins|11|X\nins|12|Y\nins|21|X\nins|22|Y",
            ),
            (
                "CREATE RULE j_upd AS ON UPDATE TO j WHERE old.a > 10 DO INSTEAD UPDATE base SET b = new.b || '!' WHERE a = old.a",
                "CREATE RULE",
            ),
            ("CREATE RULE j_upd2 AS ON UPDATE TO j DO INSTEAD NOTHING", "CREATE RULE"),
            ("UPDATE j SET b = 'z'", "UPDATE 2"),
            ("SELECT * FROM base ORDER BY a", "1|X\n2|Y\n11|z!\n12|z!"),
            (
                "CREATE RULE j_del AS ON DELETE TO j DO INSTEAD DELETE FROM base WHERE a = old.a RETURNING a, b, a * 10",
                "CREATE RULE",
            ),
            (
                "DELETE FROM j WHERE a > 10 RETURNING *, a10 + 1",
                "11|z!|110|111\n12|z!|120|121",
            ),
            ("DELETE FROM j WHERE a > 10", "DELETE 0"),
            ("SELECT * FROM base ORDER BY a", "1|X\n2|Y"),
        ],
    )
    .await;
}

#[tokio::test]
async fn rule_errors_follow_postgres() {
    let mut s = memory_engine().await.session();
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            (
                "CREATE RULE j_ins AS ON INSERT TO j DO INSTEAD INSERT INTO base VALUES (new.a, new.b)",
                "CREATE RULE",
            ),
            (
                "INSERT INTO j VALUES (3, 'w') RETURNING *",
                "ERROR 0A000: cannot perform INSERT RETURNING on relation \"j\"",
            ),
            (
                "CREATE RULE j_ins AS ON INSERT TO j DO INSTEAD NOTHING",
                "ERROR 42710: rule \"j_ins\" for relation \"j\" already exists",
            ),
            (
                "CREATE RULE bad AS ON INSERT TO j DO INSTEAD INSERT INTO base VALUES (new.nope)",
                "ERROR 42703: column new.nope does not exist",
            ),
            (
                "CREATE RULE bad AS ON INSERT TO j DO INSTEAD INSERT INTO base VALUES (old.a)",
                "ERROR 42P17: ON INSERT rule cannot use OLD",
            ),
            (
                "CREATE OR REPLACE RULE j_ins AS ON INSERT TO j DO INSTEAD INSERT INTO base VALUES (new.a, new.b) RETURNING *",
                "ERROR 42P17: RETURNING list has too few entries",
            ),
            (
                "DROP RULE nope ON j",
                "ERROR 42704: rule \"nope\" for relation \"j\" does not exist",
            ),
            ("DROP RULE IF EXISTS nope ON j", "DROP RULE"),
            ("DROP RULE j_ins ON j", "DROP RULE"),
            ("DROP RULE j_ins ON j", "ERROR 42704: rule \"j_ins\" for relation \"j\" does not exist"),
        ],
    )
    .await;
}

#[tokio::test]
async fn rules_are_transactional_and_persist() {
    let mut setup = SETUP.to_vec();
    setup.extend_from_slice(&[
        ("BEGIN", "BEGIN"),
        (
            "CREATE RULE v_ins AS ON INSERT TO v DO INSTEAD INSERT INTO log VALUES ('v', new.a, new.b)",
            "CREATE RULE",
        ),
        ("INSERT INTO v VALUES (7, 'r')", "INSERT 0 1"),
        ("ROLLBACK", "ROLLBACK"),
        // Rolled back: the auto-updatable path writes the base table.
        ("INSERT INTO v VALUES (8, 's')", "INSERT 0 1"),
        (
            "CREATE RULE v_ins AS ON INSERT TO v DO INSTEAD INSERT INTO log VALUES ('v', new.a, new.b)",
            "CREATE RULE",
        ),
    ]);
    check_across_restart(
        &setup,
        &[
            ("INSERT INTO v VALUES (9, 't')", "INSERT 0 1"),
            ("SELECT * FROM base", "8|s"),
            ("SELECT * FROM log", "v|9|t"),
            ("DROP VIEW v", "DROP VIEW"),
        ],
    )
    .await;
}

#[tokio::test]
async fn rules_show_in_pg_rewrite_and_pg_rules() {
    let mut s = memory_engine().await.session();
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            (
                "CREATE RULE v_i AS ON INSERT TO v DO INSTEAD INSERT INTO base VALUES (new.a, new.b)",
                "CREATE RULE",
            ),
            (
                "CREATE RULE v_d AS ON DELETE TO v WHERE old.a > 1 DO INSTEAD NOTHING",
                "CREATE RULE",
            ),
            (
                "SELECT rulename, ev_type, is_instead, ev_enabled FROM pg_rewrite r \
                 JOIN pg_class c ON c.oid = r.ev_class WHERE c.relname = 'v' ORDER BY 1",
                "v_d|4|t|O\nv_i|3|t|O",
            ),
            (
                "SELECT schemaname, tablename, rulename, definition FROM pg_rules ORDER BY rulename",
                "public|v|v_d|CREATE RULE v_d AS\n    ON DELETE TO public.v\n   WHERE (old.a > 1) DO INSTEAD NOTHING;\n\
                 public|v|v_i|CREATE RULE v_i AS\n    ON INSERT TO public.v DO INSTEAD  INSERT INTO base VALUES (new.a, new.b);",
            ),
            (
                "SELECT trim(trailing ';' from pg_get_ruledef(r.oid, true)) FROM pg_rewrite r \
                 WHERE r.rulename = 'v_d'",
                "CREATE RULE v_d AS\n    ON DELETE TO v\n   WHERE old.a > 1 DO INSTEAD NOTHING",
            ),
            ("DROP VIEW v", "DROP VIEW"),
            ("SELECT count(*) FROM pg_rules", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn also_and_conditional_rules_beside_an_instead_rule() {
    let mut s = memory_engine().await.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE b2 (a int, b text); CREATE TABLE log2 (op text, a int)",
                "CREATE TABLE\nCREATE TABLE",
            ),
            ("CREATE VIEW g2 AS SELECT a, b FROM b2 GROUP BY a, b", "CREATE VIEW"),
            (
                "CREATE RULE g2_c AS ON INSERT TO g2 WHERE new.a > 0 DO INSTEAD INSERT INTO b2 VALUES (new.a, new.b)",
                "CREATE RULE",
            ),
            (
                "INSERT INTO g2 VALUES (1, 'x')",
                "ERROR 55000: cannot insert into view \"g2\"",
            ),
            (
                "CREATE RULE g2_i AS ON INSERT TO g2 DO INSTEAD INSERT INTO b2 VALUES (-new.a, new.b)",
                "CREATE RULE",
            ),
            (
                "CREATE RULE g2_also AS ON INSERT TO g2 DO ALSO INSERT INTO log2 VALUES ('also', new.a)",
                "CREATE RULE",
            ),
            // The tag is the last INSTEAD action's; ALSO actions run too.
            ("INSERT INTO g2 VALUES (1, 'x'), (-2, 'y')", "INSERT 0 2"),
            ("SELECT * FROM b2 ORDER BY a", "-1|x\n1|x\n2|y"),
            ("SELECT * FROM log2 ORDER BY a", "also|-2\nalso|1"),
        ],
    )
    .await;
}
