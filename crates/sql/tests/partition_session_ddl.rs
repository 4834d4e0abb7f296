//! Partition DDL that depends on the session running it, as in
//! PostgreSQL 15: bound expressions are evaluated once at CREATE, under
//! the session's TimeZone and with current_timestamp as the transaction's
//! start; CREATE TABLE ... PARTITION OF a table whose trigger is running
//! (from PL/pgSQL EXECUTE) fails with 55006 and PL/pgSQL's CONTEXT lines
//! (which every error of an EXECUTE carries).
//! Also the partition constraint text of whole-row keys and of a default
//! partition (siblings in bound order), and numeric's 'm' storage.

mod support;

use support::{check, memory_engine};

#[tokio::test]
async fn bound_expressions_use_the_session_time_zone_and_transaction_time() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("SET TimeZone = 'PST8PDT'", "SET"),
            (
                "CREATE TABLE vb (k timestamp) PARTITION BY RANGE (k)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE vb_old PARTITION OF vb FOR VALUES FROM (MINVALUE) TO ('2000-01-01 00:00:00+00'::timestamptz)",
                "CREATE TABLE",
            ),
            (
                "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'vb_old'",
                "FOR VALUES FROM (MINVALUE) TO ('1999-12-31 16:00:00')",
            ),
            // ATTACH PARTITION too.
            (
                "CREATE TABLE va (k timestamp) PARTITION BY RANGE (k); CREATE TABLE va1 (k timestamp)",
                "CREATE TABLE\nCREATE TABLE",
            ),
            (
                "ALTER TABLE va ATTACH PARTITION va1 FOR VALUES FROM (MINVALUE) TO ('2000-01-01 00:00:00+00'::timestamptz)",
                "ALTER TABLE",
            ),
            (
                "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'va1'",
                "FOR VALUES FROM (MINVALUE) TO ('1999-12-31 16:00:00')",
            ),
            (
                "CREATE TABLE vb1 PARTITION OF vb FOR VALUES FROM ('1999-12-31 16:00:00') TO (current_timestamp)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE vb2 PARTITION OF vb FOR VALUES FROM (current_timestamp) TO (MAXVALUE)",
                "CREATE TABLE",
            ),
            (
                "INSERT INTO vb VALUES (current_timestamp); SELECT tableoid::regclass FROM vb",
                "INSERT 0 1\nvb2",
            ),
            ("DROP TABLE vb", "DROP TABLE"),
            // One transaction: every current_timestamp is its start.
            (
                "BEGIN; CREATE TABLE vt (k timestamptz) PARTITION BY RANGE (k); \
                 CREATE TABLE vt1 PARTITION OF vt FOR VALUES FROM (MINVALUE) TO (current_timestamp); \
                 CREATE TABLE vt2 PARTITION OF vt FOR VALUES FROM (current_timestamp) TO (MAXVALUE); \
                 INSERT INTO vt VALUES (current_timestamp); SELECT tableoid::regclass FROM vt; COMMIT",
                "BEGIN\nCREATE TABLE\nCREATE TABLE\nCREATE TABLE\nINSERT 0 1\nvt2\nCOMMIT",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn partition_of_a_table_in_use_by_a_trigger_is_refused_with_context() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE tpc (a int) PARTITION BY LIST (a)",
                "CREATE TABLE",
            ),
            (
                "CREATE FUNCTION tpc_f() RETURNS trigger LANGUAGE plpgsql AS $$\n  begin\n    execute 'create table tpc_1 partition of tpc for values in (1)';\n    return null;\n  end $$",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER tpc_t BEFORE INSERT ON tpc FOR EACH STATEMENT EXECUTE PROCEDURE tpc_f()",
                "CREATE TRIGGER",
            ),
        ],
    )
    .await;
    let err = s
        .execute_simple("INSERT INTO tpc VALUES (1)")
        .await
        .pop()
        .and_then(Result::err)
        .expect("the INSERT fails");
    assert_eq!(err.sqlstate, "55006");
    assert_eq!(
        err.message,
        "cannot CREATE TABLE .. PARTITION OF \"tpc\" because it is being used by active queries in this session"
    );
    assert_eq!(
        err.context_text(),
        Some(
            "SQL statement \"create table tpc_1 partition of tpc for values in (1)\"\n\
             PL/pgSQL function tpc_f() line 3 at EXECUTE"
        )
    );
}

#[tokio::test]
async fn execute_errors_name_the_statement_and_the_function_line() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[(
            "CREATE FUNCTION bad_exec() RETURNS void LANGUAGE plpgsql AS $$\nbegin\n  execute 'select 1/0';\nend $$",
            "CREATE FUNCTION",
        )],
    )
    .await;
    let err = s
        .execute_simple("SELECT bad_exec()")
        .await
        .pop()
        .and_then(Result::err)
        .expect("division by zero");
    assert_eq!(err.sqlstate, "22012");
    assert_eq!(
        err.context_text(),
        Some("SQL statement \"select 1/0\"\nPL/pgSQL function bad_exec() line 3 at EXECUTE")
    ); // An error pointing into the statement (PostgreSQL's QUERY) has no
       // "SQL statement" line.
    let err = s
        .execute_simple("DO $$ begin execute 'select * from nosuch'; end $$")
        .await
        .pop()
        .and_then(Result::err)
        .expect("undefined table");
    assert_eq!(err.sqlstate, "42P01");
    assert_eq!(
        err.context_text(),
        Some("PL/pgSQL function inline_code_block line 1 at EXECUTE")
    );
}

#[tokio::test]
async fn partition_constraints_of_whole_row_keys_and_default_partitions() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE wr (a int, b int) PARTITION BY LIST ((wr))",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE wr1 PARTITION OF wr FOR VALUES IN ('(1,2)')",
                "CREATE TABLE",
            ),
            (
                "SELECT pg_get_partition_constraintdef('wr1'::regclass)",
                "(((wr1.*)::wr IS DISTINCT FROM NULL) AND ((wr1.*)::wr = '(1,2)'::wr))",
            ),
            (
                "CREATE TABLE rp (a text, b bigint) PARTITION BY RANGE (a, b)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE rp_b PARTITION OF rp FOR VALUES FROM ('b', 1) TO ('b', 10)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE rp_a2 PARTITION OF rp FOR VALUES FROM ('a', 10) TO ('a', 20)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE rp_a1 PARTITION OF rp FOR VALUES FROM ('a', 1) TO ('a', 10)",
                "CREATE TABLE",
            ),
            ("CREATE TABLE rp_def PARTITION OF rp DEFAULT", "CREATE TABLE"),
            (
                "SELECT pg_get_partition_constraintdef('rp_def'::regclass)",
                "(NOT ((a IS NOT NULL) AND (b IS NOT NULL) AND (((a = 'a'::text) AND (b >= '1'::bigint) AND (b < '10'::bigint)) OR ((a = 'a'::text) AND (b >= '10'::bigint) AND (b < '20'::bigint)) OR ((a = 'b'::text) AND (b >= '1'::bigint) AND (b < '10'::bigint)))))",
            ),
            (
                "CREATE TABLE st (n numeric, t text, i int, ts timestamp)",
                "CREATE TABLE",
            ),
            (
                "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'st'::regclass AND attnum > 0 ORDER BY attnum",
                "n|m\nt|x\ni|p\nts|p",
            ),
            (
                "SELECT typname, typstorage FROM pg_type WHERE typname IN ('int2vector', 'numeric') ORDER BY 1",
                "int2vector|p\nnumeric|m",
            ),
            // A domain is stored as its base type.
            (
                "CREATE DOMAIN dn AS numeric; CREATE DOMAIN di AS int8; CREATE TABLE dt (n dn)",
                "CREATE DOMAIN\nCREATE DOMAIN\nCREATE TABLE",
            ),
            (
                "SELECT typname, typlen, typbyval, typalign, typstorage FROM pg_type WHERE typname IN ('dn', 'di') ORDER BY 1",
                "di|8|t|d|p\ndn|-1|f|i|m",
            ),
            (
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'dt'::regclass AND attname = 'n'",
                "m",
            ),
        ],
    )
    .await;
}
