//! User-defined base types end to end, with PostgreSQL 15's results: shell
//! types, `LANGUAGE internal` I/O functions (with the shell NOTICEs and
//! the error for unknown built-in names), CREATE TYPE (INPUT, OUTPUT,
//! LIKE), casts WITHOUT FUNCTION / WITH INOUT / WITH FUNCTION in their
//! contexts, DROP CAST, DROP TYPE ... CASCADE with its NOTICE, range type
//! definitions, and durability across a restart.

mod support;

use borealis_sql::Session;
use support::{check, check_across_restart, memory_engine, run};

/// The NOTICEs the session collected since the last call, as (message, detail).
fn notices(s: &mut Session) -> Vec<(String, Option<String>)> {
    s.take_notices()
        .into_iter()
        .map(|n| (n.message, n.detail))
        .collect()
}

/// float4.sql's construction: an int4-shaped type whose bits read as float4.
const XFLOAT4: &[(&str, &str)] = &[
    ("create type xfloat4", "CREATE TYPE"),
    (
        "create function xfloat4in(cstring) returns xfloat4 immutable strict language internal as 'int4in'",
        "CREATE FUNCTION",
    ),
    (
        "create function xfloat4out(xfloat4) returns cstring immutable strict language internal as 'int4out'",
        "CREATE FUNCTION",
    ),
    (
        "create type xfloat4 (input = xfloat4in, output = xfloat4out, like = float4)",
        "CREATE TYPE",
    ),
    ("create cast (xfloat4 as float4) without function", "CREATE CAST"),
    ("create cast (float4 as xfloat4) without function", "CREATE CAST"),
    ("create cast (xfloat4 as integer) without function", "CREATE CAST"),
    ("create cast (integer as xfloat4) without function", "CREATE CAST"),
];

#[tokio::test]
async fn base_type_from_internal_io_functions_reinterprets_bits() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, &XFLOAT4[..3]).await;
    assert_eq!(
        notices(&mut s),
        [
            ("return type xfloat4 is only a shell".to_string(), None),
            ("argument type xfloat4 is only a shell".to_string(), None),
        ]
    );
    check(&mut s, &XFLOAT4[3..]).await;
    check(
        &mut s,
        &[
            // The I/O functions are int4's; the casts reinterpret the bits.
            ("select '42'::xfloat4, '42'::xfloat4::integer", "42|42"),
            ("select 1065353216::xfloat4::float4", "1"),
            (
                "select x'00000001'::integer::xfloat4::float4, x'7f7fffff'::integer::xfloat4::float4",
                "1e-45|3.4028235e+38",
            ),
            ("select (-1.5)::float4::xfloat4::integer", "-1077936128"),
            (
                "select float4send(bits::integer::xfloat4::float4) from (values (x'3f800000')) t(bits)",
                "\\x3f800000",
            ),
            (
                "select 'x'::xfloat4",
                "ERROR 22P02: invalid input syntax for type integer: \"x\"",
            ),
            // No cast to double precision was created (only explicit I/O to text).
            (
                "select '1'::xfloat4::float8",
                "ERROR 42846: cannot cast type xfloat4 to double precision",
            ),
            ("select '7'::xfloat4::text", "7"),
            ("select xfloat4out(xfloat4in('12'))", "12"),
            (
                "select typname, typtype, typlen, typbyval, typinput, typoutput from pg_type where typname = 'xfloat4'",
                "xfloat4|b|4|t|xfloat4in|xfloat4out",
            ),
            (
                "select proname, prolang, prosrc from pg_proc where proname like 'xfloat4%' order by 1",
                "xfloat4in|12|int4in\nxfloat4out|12|int4out",
            ),
            (
                "create cast (xfloat4 as float4) without function",
                "ERROR 42710: cast from type xfloat4 to type real already exists",
            ),
            (
                "drop type xfloat4",
                "ERROR 2BP01: cannot drop type xfloat4 because other objects depend on it",
            ),
            ("drop type xfloat4 cascade", "DROP TYPE"),
        ],
    )
    .await;
    assert_eq!(
        notices(&mut s),
        [(
            "drop cascades to 6 other objects".to_string(),
            Some(
                "drop cascades to function xfloat4in(cstring)\n\
                 drop cascades to function xfloat4out(xfloat4)\n\
                 drop cascades to cast from xfloat4 to real\n\
                 drop cascades to cast from real to xfloat4\n\
                 drop cascades to cast from xfloat4 to integer\n\
                 drop cascades to cast from integer to xfloat4"
                    .to_string()
            )
        )]
    );
    check(
        &mut s,
        &[
            (
                "select 1::xfloat4",
                "ERROR 42704: type \"xfloat4\" does not exist",
            ),
            (
                "select count(*) from pg_proc where proname like 'xfloat4%'",
                "0",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn shell_types_and_internal_functions_are_checked_like_postgres() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("create type xint", "CREATE TYPE"),
            ("create type xint", "ERROR 42710: type \"xint\" already exists"),
            (
                "create function xintin(cstring) returns xint language internal as 'no_such_routine'",
                "ERROR 42883: there is no built-in function named \"no_such_routine\"",
            ),
            (
                "create function xint_sql(xint) returns int language sql as 'select 1'",
                "ERROR 42P13: SQL function cannot accept shell type xint",
            ),
            (
                "create table t (a xint)",
                "ERROR 42809: type \"xint\" is only a shell",
            ),
            (
                "create type xint (input = xintin, output = xintout)",
                "ERROR 42883: function xintin(cstring) does not exist",
            ),
            (
                "create function xintin(cstring) returns xint strict language internal as 'int8in'",
                "CREATE FUNCTION",
            ),
            (
                "create function xintout(xint) returns cstring strict language internal as 'int8out'",
                "CREATE FUNCTION",
            ),
            (
                "create type xint (input = xintin, output = xintout, like = int8)",
                "CREATE TYPE",
            ),
            // A column of the type keeps its values through storage.
            ("create table t (id int primary key, a xint)", "CREATE TABLE"),
            ("insert into t values (1, '9000000000'), (2, NULL)", "INSERT 0 2"),
            ("select id, a from t order by id", "1|9000000000\n2|NULL"),
            (
                "create cast (xint as int4) without function",
                "ERROR 42P17: source and target data types are not physically compatible",
            ),
            (
                "create cast (xint as xint) with inout",
                "ERROR 42P17: source data type and target data type are the same",
            ),
            ("create cast (xint as numeric) with inout as assignment", "CREATE CAST"),
            ("select '12'::xint::numeric + 0.5", "12.5"),
            ("create table n (v numeric)", "CREATE TABLE"),
            // AS ASSIGNMENT: applies to INSERT, not to an operator's operand.
            ("insert into n select a from t where id = 1", "INSERT 0 1"),
            ("select v from n", "9000000000"),
            (
                "select a + 1.0 from t",
                "ERROR 42883: operator does not exist: xint + numeric",
            ),
            ("drop cast (xint as numeric)", "DROP CAST"),
            (
                "drop cast (xint as numeric)",
                "ERROR 42704: cast from type xint to type numeric does not exist",
            ),
            ("drop cast if exists (xint as numeric)", "DROP CAST"),
            // The type needs its I/O functions; DROP FUNCTION resolves xint.
            (
                "drop function xintout(xint)",
                "ERROR 2BP01: cannot drop function xintout(xint) because other objects depend on it",
            ),
            ("drop function if exists nosuch(nosuchtype)", "DROP FUNCTION"),
        ],
    )
    .await;
    let got = notices(&mut s);
    assert_eq!(
        got[got.len() - 2..],
        [
            (
                "cast from type xint to type numeric does not exist, skipping".to_string(),
                None
            ),
            (
                "type \"nosuchtype\" does not exist, skipping".to_string(),
                None
            ),
        ]
    );
}

#[tokio::test]
async fn casts_with_functions_follow_their_context() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("create type mood as enum ('sad', 'ok', 'happy')", "CREATE TYPE"),
            (
                "create function mood_of(int) returns mood language sql immutable as $$ select (enum_range(null::mood))[$1] $$",
                "CREATE FUNCTION",
            ),
            (
                "create cast (int as mood) with function mood_of(int) as implicit",
                "CREATE CAST",
            ),
            ("select 3::mood, cast(1 as mood)", "happy|sad"),
            ("create table m (id int, v mood)", "CREATE TABLE"),
            ("insert into m values (1, 2)", "INSERT 0 1"),
            ("select v from m", "ok"),
            (
                "create cast (int as mood) with function mood_of(int)",
                "ERROR 42710: cast from type integer to type mood already exists",
            ),
            (
                "create cast (text as mood) with function mood_of(int)",
                "ERROR 42P17: argument of cast function must match or be binary-coercible from source data type",
            ),
            (
                "create cast (int as real) without function",
                "ERROR 42710: cast from type integer to type real already exists",
            ),
            (
                "drop type mood",
                "ERROR 2BP01: cannot drop type mood because other objects depend on it",
            ),
        ],
    )
    .await;
    assert_eq!(run(&mut s, "drop table m").await, "DROP TABLE");
    assert_eq!(run(&mut s, "drop type mood cascade").await, "DROP TYPE");
    assert_eq!(
        notices(&mut s),
        [(
            "drop cascades to 2 other objects".to_string(),
            Some(
                "drop cascades to function mood_of(integer)\n\
                 drop cascades to cast from integer to mood"
                    .to_string()
            )
        )]
    );
}

#[tokio::test]
async fn range_type_definitions_are_catalogued() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "create type float8range as range (subtype = float8, subtype_diff = float8mi)",
                "CREATE TYPE",
            ),
            (
                "create type textrange as range (subtype = text, collation = \"C\")",
                "CREATE TYPE",
            ),
            (
                "create type badrange as range (subtype = int4, collation = \"C\")",
                "ERROR 42809: range collation specified but subtype does not support collation",
            ),
            (
                "create type badrange as range (subtype = float8, subtype_diff = int4mi)",
                "ERROR 42883: function int4mi(double precision, double precision) does not exist",
            ),
            (
                "select typname, typtype from pg_type where typname like '%range' order by 1",
                "float8range|r\ntextrange|r",
            ),
            (
                "create table r (x float8range)",
                "ERROR 0A000: values of range types is not supported",
            ),
            ("drop type textrange", "DROP TYPE"),
        ],
    )
    .await;
}

#[tokio::test]
async fn base_types_and_casts_survive_a_restart() {
    let mut before: Vec<(&str, &str)> = XFLOAT4.to_vec();
    before.push(("select 1065353216::xfloat4::float4", "1"));
    check_across_restart(
        &before,
        &[
            ("select 1065353216::xfloat4::float4", "1"),
            ("select '5'::xfloat4", "5"),
            (
                "create cast (integer as xfloat4) without function",
                "ERROR 42710: cast from type integer to type xfloat4 already exists",
            ),
            ("drop cast (integer as xfloat4)", "DROP CAST"),
            (
                "select 5::xfloat4",
                "ERROR 42846: cannot cast type integer to xfloat4",
            ),
            ("drop type xfloat4 cascade", "DROP TYPE"),
        ],
    )
    .await;
}
