//! Row-level security end to end on a `MemStore`, with an owner and a
//! non-owner role: ENABLE/FORCE, CREATE/ALTER/DROP POLICY, USING filtering
//! reads, UPDATE and DELETE, WITH CHECK rejecting written rows (PostgreSQL's
//! 42501 messages, restrictive policies named), default deny, the owner,
//! superuser and BYPASSRLS exemptions, `row_security = off`, prepared
//! statements and cursors re-checked per user, views checked as their
//! owner, the catalogs, and the policies following their table through a
//! rename, a rewrite, a restart and DROP TABLE.

mod support;

use borealis_sql::{Engine, Session, Streamed};
use support::{check, check_across_restart, memory_engine};

async fn fresh() -> (Engine, Session) {
    let e = memory_engine().await;
    let s = e.session();
    (e, s)
}

/// `docs` owned by `owner`, readable by `reader`, with rows for both.
const SETUP: &[(&str, &str)] = &[
    ("CREATE ROLE owner", "CREATE ROLE"),
    ("CREATE ROLE reader", "CREATE ROLE"),
    ("CREATE TABLE docs (id int, author text, body text)", "CREATE TABLE"),
    ("ALTER TABLE docs OWNER TO owner", "ALTER TABLE"),
    (
        "INSERT INTO docs VALUES (1, 'reader', 'mine'), (2, 'owner', 'secret'), (3, 'reader', 'also mine')",
        "INSERT 0 3",
    ),
    ("GRANT ALL ON docs TO reader", "GRANT"),
];

#[tokio::test]
async fn enabled_without_policies_denies_everything_but_the_owner() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("SET ROLE owner", "SET"),
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("SELECT count(*) FROM docs", "3"),
            ("SET ROLE reader", "SET"),
            ("SELECT count(*) FROM docs", "0"),
            ("UPDATE docs SET body = 'x'", "UPDATE 0"),
            ("DELETE FROM docs", "DELETE 0"),
            (
                "INSERT INTO docs VALUES (4, 'reader', 'new')",
                "ERROR 42501: new row violates row-level security policy for table \"docs\"",
            ),
            ("RESET ROLE", "RESET"),
            ("SELECT count(*) FROM docs", "3"),
            (
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'docs'",
                "t|f",
            ),
            (
                "SELECT rowsecurity FROM pg_tables WHERE tablename = 'docs'",
                "t",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn using_filters_reads_and_writes_and_with_check_guards_new_rows() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            (
                "CREATE POLICY own ON docs USING (author = current_user) WITH CHECK (author = current_user)",
                "CREATE POLICY",
            ),
            ("SET ROLE reader", "SET"),
            ("SELECT id FROM docs ORDER BY id", "1\n3"),
            ("SELECT id FROM docs WHERE id = 2", ""),
            ("SELECT count(*) FROM docs d JOIN docs e ON d.id = e.id", "2"),
            ("SELECT (SELECT count(*) FROM docs)", "2"),
            ("UPDATE docs SET body = 'edited' WHERE id IN (1, 2)", "UPDATE 1"),
            ("DELETE FROM docs WHERE id = 2", "DELETE 0"),
            (
                "UPDATE docs SET author = 'owner' WHERE id = 1",
                "ERROR 42501: new row violates row-level security policy for table \"docs\"",
            ),
            (
                "INSERT INTO docs VALUES (5, 'owner', 'forged')",
                "ERROR 42501: new row violates row-level security policy for table \"docs\"",
            ),
            ("INSERT INTO docs VALUES (6, 'reader', 'fine') RETURNING id", "6"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT id, author, body FROM docs ORDER BY id",
                "1|reader|edited\n2|owner|secret\n3|reader|also mine\n6|reader|fine",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn restrictive_policies_are_anded_and_named_in_errors() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("CREATE POLICY everyone ON docs USING (true)", "CREATE POLICY"),
            (
                "CREATE POLICY small_ids ON docs AS RESTRICTIVE FOR ALL USING (id < 3) WITH CHECK (id < 10)",
                "CREATE POLICY",
            ),
            ("SET ROLE reader", "SET"),
            ("SELECT id FROM docs ORDER BY id", "1\n2"),
            ("INSERT INTO docs VALUES (9, 'reader', 'ok')", "INSERT 0 1"),
            (
                "INSERT INTO docs VALUES (10, 'reader', 'too big')",
                "ERROR 42501: new row violates row-level security policy \"small_ids\" for table \"docs\"",
            ),
            // A NULL check result fails the check.
            (
                "INSERT INTO docs VALUES (NULL, 'reader', 'no id')",
                "ERROR 42501: new row violates row-level security policy \"small_ids\" for table \"docs\"",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn policies_choose_by_command_and_role() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("CREATE ROLE other", "CREATE ROLE"),
            ("GRANT ALL ON docs TO other", "GRANT"),
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("CREATE POLICY see_all ON docs FOR SELECT TO reader USING (true)", "CREATE POLICY"),
            (
                "CREATE POLICY del_own ON docs FOR DELETE TO reader USING (author = current_user)",
                "CREATE POLICY",
            ),
            ("SET ROLE reader", "SET"),
            ("SELECT count(*) FROM docs", "3"),
            ("DELETE FROM docs WHERE body = 'secret'", "DELETE 0"),
            ("DELETE FROM docs WHERE body = 'mine'", "DELETE 1"),
            ("UPDATE docs SET body = 'x'", "UPDATE 0"),
            ("SET ROLE other", "SET"),
            ("SELECT count(*) FROM docs", "0"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT policyname, permissive, roles, cmd, qual FROM pg_policies ORDER BY 1",
                "del_own|PERMISSIVE|{reader}|DELETE|(author = CURRENT_USER)\nsee_all|PERMISSIVE|{reader}|SELECT|true",
            ),
            (
                "SELECT polname, polcmd, polpermissive FROM pg_policy ORDER BY 1",
                "del_own|d|t\nsee_all|r|t",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn owner_superuser_and_bypassrls_are_exempt_unless_forced() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("CREATE ROLE bypasser BYPASSRLS", "CREATE ROLE"),
            ("GRANT SELECT ON docs TO bypasser", "GRANT"),
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("CREATE POLICY one ON docs USING (id = 1)", "CREATE POLICY"),
            ("SELECT count(*) FROM docs", "3"),
            ("SET ROLE bypasser", "SET"),
            ("SELECT count(*) FROM docs", "3"),
            ("SET ROLE owner", "SET"),
            ("SELECT count(*) FROM docs", "3"),
            ("ALTER TABLE docs FORCE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("SELECT count(*) FROM docs", "1"),
            ("ALTER TABLE docs NO FORCE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("SELECT count(*) FROM docs", "3"),
            ("SET ROLE reader", "SET"),
            (
                "ALTER TABLE docs DISABLE ROW LEVEL SECURITY",
                "ERROR 42501: must be owner of table docs",
            ),
            (
                "CREATE POLICY sneaky ON docs USING (true)",
                "ERROR 42501: must be owner of table docs",
            ),
            ("DROP POLICY one ON docs", "ERROR 42501: must be owner of table docs"),
            ("SET row_security = off", "SET"),
            (
                "SELECT count(*) FROM docs",
                "ERROR 42501: query would be affected by row-level security policy for table \"docs\"",
            ),
            ("RESET row_security", "RESET"),
            ("SELECT count(*) FROM docs", "1"),
            ("RESET ROLE", "RESET"),
            ("ALTER TABLE docs DISABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("SET ROLE reader", "SET"),
            ("SELECT count(*) FROM docs", "3"),
        ],
    )
    .await;
}

#[tokio::test]
async fn prepared_statements_and_cursors_follow_the_current_user() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            (
                "CREATE POLICY own ON docs USING (author = current_user)",
                "CREATE POLICY",
            ),
            ("PREPARE q AS SELECT count(*) FROM docs", "PREPARE"),
            ("EXECUTE q", "3"),
            ("SET ROLE reader", "SET"),
            ("EXECUTE q", "2"),
            ("SET ROLE owner", "SET"),
            ("EXECUTE q", "3"),
            ("SET ROLE reader", "SET"),
            ("SELECT id FROM (SELECT * FROM docs) s ORDER BY id", "1\n3"),
            ("WITH w AS (SELECT * FROM docs) SELECT count(*) FROM w", "2"),
        ],
    )
    .await;
    // The endpoint's path: a query streamed through a cursor.
    let mut r = s
        .execute_simple_streaming("SELECT id FROM docs ORDER BY id")
        .await;
    let Some(Ok(Streamed::Cursor(c))) = r.pop() else {
        panic!("not a cursor")
    };
    let fetched = s.fetch(c.id, 100).await.expect("rows");
    let ids: Vec<Option<String>> = fetched.rows.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, [Some("1".to_string()), Some("3".to_string())]);
}

#[tokio::test]
async fn policy_ddl_errors_alter_and_drop() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("CREATE POLICY p ON docs USING (true)", "CREATE POLICY"),
            (
                "CREATE POLICY p ON docs USING (true)",
                "ERROR 42710: policy \"p\" for table \"docs\" already exists",
            ),
            (
                "CREATE POLICY s ON docs FOR SELECT USING (true) WITH CHECK (true)",
                "ERROR 42601: WITH CHECK cannot be applied to SELECT or DELETE",
            ),
            (
                "CREATE POLICY i ON docs FOR INSERT USING (true)",
                "ERROR 42601: only WITH CHECK expression allowed for INSERT",
            ),
            (
                "CREATE POLICY r ON docs TO nobody USING (true)",
                "ERROR 42704: role \"nobody\" does not exist",
            ),
            (
                "CREATE POLICY x ON docs USING (nope = 1)",
                "ERROR 42703: column \"nope\" does not exist",
            ),
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("ALTER POLICY p ON docs USING (id = 2)", "ALTER POLICY"),
            ("SET ROLE reader", "SET"),
            ("SELECT id FROM docs", "2"),
            ("RESET ROLE", "RESET"),
            ("ALTER POLICY p ON docs RENAME TO q", "ALTER POLICY"),
            ("SELECT polname, polqual FROM pg_policy", "q|(id = 2)"),
            (
                "DROP POLICY p ON docs",
                "ERROR 42704: policy \"p\" for table \"docs\" does not exist",
            ),
            ("DROP POLICY IF EXISTS p ON docs", "DROP POLICY"),
            ("DROP POLICY q ON docs", "DROP POLICY"),
            ("SELECT count(*) FROM pg_policy", "0"),
            ("SET ROLE reader", "SET"),
            ("SELECT count(*) FROM docs", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_rolled_back_policy_never_existed() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("BEGIN", "BEGIN"),
            ("CREATE POLICY p ON docs USING (true)", "CREATE POLICY"),
            ("SET LOCAL ROLE reader", "SET"),
            ("SELECT count(*) FROM docs", "3"),
            ("ROLLBACK", "ROLLBACK"),
            ("SET ROLE reader", "SET"),
            ("SELECT count(*) FROM docs", "0"),
        ],
    )
    .await;
}

#[tokio::test]
async fn policies_and_flags_survive_a_restart_and_a_table_rewrite() {
    let mut before = SETUP.to_vec();
    before.extend_from_slice(&[
        ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
        ("ALTER TABLE docs FORCE ROW LEVEL SECURITY", "ALTER TABLE"),
        (
            "CREATE POLICY own ON docs USING (author = current_user)",
            "CREATE POLICY",
        ),
        // A new primary key rewrites the table under a new id.
        ("ALTER TABLE docs ADD PRIMARY KEY (id)", "ALTER TABLE"),
        ("SET ROLE reader", "SET"),
        ("SELECT count(*) FROM docs", "2"),
    ]);
    check_across_restart(
        &before,
        &[
            ("SET ROLE reader", "SET"),
            ("SELECT id FROM docs ORDER BY id", "1\n3"),
            ("SET ROLE owner", "SET"),
            ("SELECT id FROM docs ORDER BY id", "2"),
            ("RESET ROLE", "RESET"),
            (
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'docs'",
                "t|t",
            ),
            ("SELECT polname FROM pg_policy", "own"),
        ],
    )
    .await;
}

#[tokio::test]
async fn views_apply_policies_as_their_owner_and_functions_as_the_caller() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("CREATE POLICY own ON docs USING (author = current_user)", "CREATE POLICY"),
            ("CREATE VIEW all_docs AS SELECT id FROM docs", "CREATE VIEW"),
            ("GRANT SELECT ON all_docs TO reader", "GRANT"),
            ("CREATE ROLE viewer", "CREATE ROLE"),
            ("GRANT SELECT ON docs TO viewer", "GRANT"),
            ("CREATE VIEW viewer_docs AS SELECT id FROM docs", "CREATE VIEW"),
            ("ALTER VIEW viewer_docs OWNER TO viewer", "ALTER VIEW"),
            ("GRANT SELECT ON viewer_docs TO reader", "GRANT"),
            ("CREATE POLICY for_viewer ON docs TO viewer USING (id = 2)", "CREATE POLICY"),
            (
                "CREATE FUNCTION doc_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM docs'",
                "CREATE FUNCTION",
            ),
            ("SET ROLE reader", "SET"),
            // The view's owner (a superuser) is exempt.
            ("SELECT count(*) FROM all_docs", "3"),
            // The view's owner is subject to the policies: its own one
            // applies too (current_user stays the caller, as in PostgreSQL).
            ("SELECT count(*) FROM viewer_docs", "3"),
            ("SELECT count(*) FROM docs", "2"),
            ("SELECT doc_count()", "2"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_dropped_table_takes_its_policies_along() {
    let (_e, mut s) = fresh().await;
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("ALTER TABLE docs ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("CREATE POLICY p ON docs USING (true)", "CREATE POLICY"),
            ("ALTER TABLE docs RENAME TO papers", "ALTER TABLE"),
            ("SELECT tablename, policyname FROM pg_policies", "papers|p"),
            ("DROP TABLE papers", "DROP TABLE"),
            ("SELECT count(*) FROM pg_policy", "0"),
            ("CREATE TABLE papers (id int)", "CREATE TABLE"),
            ("INSERT INTO papers VALUES (1)", "INSERT 0 1"),
            ("GRANT SELECT ON papers TO reader", "GRANT"),
            ("SET ROLE reader", "SET"),
            ("SELECT count(*) FROM papers", "1"),
        ],
    )
    .await;
}

/// `ledger` with a primary key, a secondary index and a numeric unique
/// key; row 4's owner is NULL (the policy is NULL for it, not false), and
/// `visible_only` raises on any body the reader may not see: a query that
/// ran it on a hidden row would fail.
const INDEXED: &[(&str, &str)] = &[
    ("CREATE ROLE reader", "CREATE ROLE"),
    (
        "CREATE TABLE ledger (id int PRIMARY KEY, owner text, body text, n numeric UNIQUE)",
        "CREATE TABLE",
    ),
    ("CREATE INDEX ledger_body ON ledger (body)", "CREATE INDEX"),
    (
        "INSERT INTO ledger VALUES (1, 'reader', 'a1', 1), (2, 'other', 'b2', 2), (3, 'reader', 'a3', 3), (4, NULL, 'n4', 4), (5, 'other', 'b5', 5)",
        "INSERT 0 5",
    ),
    ("ALTER TABLE ledger ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
    (
        "CREATE POLICY own ON ledger USING (owner = current_user)",
        "CREATE POLICY",
    ),
    ("GRANT SELECT, UPDATE ON ledger TO reader", "GRANT"),
    (
        "CREATE FUNCTION visible_only(text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN IF $1 NOT LIKE 'a%' THEN RAISE EXCEPTION 'leaked %', $1; END IF; RETURN true; END $$",
        "CREATE FUNCTION",
    ),
    ("SET ROLE reader", "SET"),
];

/// Outputs checked against PostgreSQL 15: its leakproof conditions choose
/// the index below the policy, numeric's (not leakproof) do not.
#[tokio::test]
async fn key_lookups_use_the_index_under_a_policy() {
    let (_e, mut s) = fresh().await;
    check(&mut s, INDEXED).await;
    check(
        &mut s,
        &[
            ("SELECT id, body FROM ledger WHERE id = 1", "1|a1"),
            ("SELECT id FROM ledger WHERE id = 2", ""),
            ("SELECT id FROM ledger WHERE id = 4", ""),
            (
                "EXPLAIN (COSTS OFF) SELECT * FROM ledger WHERE id = 1",
                "Index Scan using ledger_pkey on ledger\n  Index Cond: (id = 1)\n  Filter: (owner = CURRENT_USER)",
            ),
            ("SELECT id FROM ledger WHERE body = 'a3'", "3"),
            ("SELECT id FROM ledger WHERE body = 'b2'", ""),
            (
                "EXPLAIN (COSTS OFF) SELECT * FROM ledger WHERE n = 3",
                "Seq Scan on ledger\n  Filter: ((owner = CURRENT_USER) AND (n = '3'::numeric))",
            ),
            ("SELECT id FROM ledger WHERE n = 3", "3"),
            (
                "SELECT d.id, d.body FROM ledger d JOIN (VALUES (1), (2), (3)) v(k) ON d.id = v.k ORDER BY 1",
                "1|a1\n3|a3",
            ),
            ("SELECT id FROM ledger WHERE id = 1 FOR UPDATE", "1"),
            ("SELECT id FROM ledger WHERE id = 2 FOR UPDATE", ""),
        ],
    )
    .await;
}

/// The statement's own conditions run only on rows the policy passes
/// (PostgreSQL's security barrier), with or without an index lookup, also
/// where the policy is NULL rather than false.
#[tokio::test]
async fn leaky_conditions_never_see_rows_the_policy_hides() {
    let (_e, mut s) = fresh().await;
    check(&mut s, INDEXED).await;
    check(
        &mut s,
        &[
            (
                "EXPLAIN (COSTS OFF) SELECT id FROM ledger WHERE id = 2 AND visible_only(body)",
                "Index Scan using ledger_pkey on ledger\n  Index Cond: (id = 2)\n  Filter: ((owner = CURRENT_USER) AND visible_only(body))",
            ),
            ("SELECT id FROM ledger WHERE id = 2 AND visible_only(body)", ""),
            ("SELECT id FROM ledger WHERE id = 4 AND visible_only(body)", ""),
            ("SELECT id FROM ledger WHERE id = 3 AND visible_only(body)", "3"),
            (
                "SELECT id FROM ledger WHERE id >= 2 AND visible_only(body) ORDER BY id",
                "3",
            ),
            (
                "SELECT id FROM ledger WHERE visible_only(body) ORDER BY id",
                "1\n3",
            ),
            ("RESET ROLE", "RESET"),
            (
                "SELECT id FROM ledger WHERE visible_only(body)",
                "ERROR P0001: leaked b2",
            ),
        ],
    )
    .await;
}

/// INSERT ... ON CONFLICT DO UPDATE under policies, with PostgreSQL 15's
/// outcomes: the INSERT's WITH CHECK (and SELECT's, the conflict target
/// needing SELECT) on the proposed row first, then, after the DO UPDATE's
/// WHERE, the UPDATE policies' USING on the existing row ("(USING
/// expression)", restrictive ones named) and their WITH CHECK and SELECT's
/// USING on the updated row.
#[tokio::test]
async fn upserts_check_insert_update_and_select_policies() {
    let (_e, mut s) = fresh().await;
    check(
        &mut s,
        &[
            ("CREATE ROLE writer", "CREATE ROLE"),
            ("CREATE TABLE up (id int PRIMARY KEY, owner text, v int)", "CREATE TABLE"),
            (
                "INSERT INTO up VALUES (1, 'writer', 10), (2, 'other', 20), (5, 'writer', 40)",
                "INSERT 0 3",
            ),
            ("ALTER TABLE up ENABLE ROW LEVEL SECURITY", "ALTER TABLE"),
            ("CREATE POLICY up_sel ON up FOR SELECT USING (v < 50)", "CREATE POLICY"),
            (
                "CREATE POLICY up_ins ON up FOR INSERT WITH CHECK (owner = current_user)",
                "CREATE POLICY",
            ),
            (
                "CREATE POLICY up_upd ON up FOR UPDATE USING (owner = current_user) WITH CHECK (v < 100)",
                "CREATE POLICY",
            ),
            ("GRANT SELECT, INSERT, UPDATE ON up TO writer", "GRANT"),
            ("SET ROLE writer", "SET"),
            (
                "INSERT INTO up VALUES (1, 'writer', 11) ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING *",
                "1|writer|11",
            ),
            (
                "INSERT INTO up VALUES (2, 'writer', 21) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "ERROR 42501: new row violates row-level security policy (USING expression) for table \"up\"",
            ),
            (
                "INSERT INTO up VALUES (1, 'writer', 500) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "ERROR 42501: new row violates row-level security policy for table \"up\"",
            ),
            (
                "INSERT INTO up VALUES (1, 'writer', 60) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "ERROR 42501: new row violates row-level security policy for table \"up\"",
            ),
            (
                "INSERT INTO up VALUES (1, 'other', 12) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "ERROR 42501: new row violates row-level security policy for table \"up\"",
            ),
            (
                "INSERT INTO up VALUES (3, 'writer', 30) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "INSERT 0 1",
            ),
            (
                "INSERT INTO up VALUES (2, 'writer', 21) ON CONFLICT (id) DO UPDATE SET v = excluded.v WHERE false",
                "INSERT 0 0",
            ),
            (
                "INSERT INTO up VALUES (6, 'writer', 70) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "ERROR 42501: new row violates row-level security policy for table \"up\"",
            ),
            (
                "INSERT INTO up VALUES (2, 'writer', 22) ON CONFLICT (id) DO NOTHING",
                "INSERT 0 0",
            ),
            ("RESET ROLE", "RESET"),
            (
                "CREATE POLICY up_r ON up AS RESTRICTIVE FOR UPDATE USING (v <> 11)",
                "CREATE POLICY",
            ),
            ("SET ROLE writer", "SET"),
            (
                "INSERT INTO up VALUES (1, 'writer', 13) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                "ERROR 42501: new row violates row-level security policy \"up_r\" (USING expression) for table \"up\"",
            ),
            (
                "INSERT INTO up VALUES (3, 'writer', 14) ON CONFLICT ON CONSTRAINT up_pkey DO UPDATE SET v = 14",
                "INSERT 0 1",
            ),
            ("RESET ROLE", "RESET"),
            (
                "SELECT * FROM up ORDER BY id",
                "1|writer|11\n2|other|20\n3|writer|14\n5|writer|40",
            ),
        ],
    )
    .await;
}
