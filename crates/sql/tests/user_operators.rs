//! CREATE OPERATOR / DROP OPERATOR end to end, with PostgreSQL 15's
//! results: operators computed by SQL and internal functions used in
//! expressions (untyped literals resolved to the operator's types),
//! pg_operator rows, the errors of CREATE and DROP, DROP FUNCTION and DROP
//! TYPE with dependent operators, and durability across a restart.

mod support;

use support::{check, check_across_restart, memory_engine, run};

const SETUP: &[(&str, &str)] = &[
    (
        "create function near(a float8, b float8) returns bool language sql immutable as 'select abs(a - b) < 0.5'",
        "CREATE FUNCTION",
    ),
    (
        "create operator ~== (leftarg = float8, rightarg = float8, function = near, commutator = ~==)",
        "CREATE OPERATOR",
    ),
];

#[tokio::test]
async fn operators_bind_to_their_functions() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, SETUP).await;
    check(
        &mut s,
        &[
            ("select 1.0::float8 ~== 1.2::float8, 1.0::float8 ~== 2.0::float8", "t|f"),
            ("select 3::float8 ~== '3.4'", "t"),
            ("create table m (id int primary key, x float8)", "CREATE TABLE"),
            ("insert into m values (1, 1.0), (2, 5.0), (3, 5.3)", "INSERT 0 3"),
            ("select id from m where x ~== 5.1::float8 order by id", "2\n3"),
            (
                "select oprname, oprkind, oprleft::regtype::text, oprright::regtype::text, oprresult::regtype::text, oprcode, oprcom <> 0 from pg_operator where oprname = '~=='",
                "~==|b|double precision|double precision|boolean|near|t",
            ),
            (
                "create operator ~== (leftarg = float8, rightarg = float8, function = near)",
                "ERROR 42723: operator ~== already exists",
            ),
            (
                "create operator ~== (leftarg = int, rightarg = int, function = near)",
                "ERROR 42883: function near(integer, integer) does not exist",
            ),
            (
                "create operator ~== (leftarg = float8, function = near)",
                "ERROR 42P13: operator right argument type must be specified",
            ),
            (
                "create operator ### (leftarg = float8, rightarg = float8, procedure = float8mi_user)",
                "ERROR 42883: function float8mi_user(double precision, double precision) does not exist",
            ),
            (
                "create function float8mi_user(float8, float8) returns float8 immutable strict language internal as 'float8mi'",
                "CREATE FUNCTION",
            ),
            (
                "create operator ### (leftarg = float8, rightarg = float8, procedure = float8mi_user)",
                "CREATE OPERATOR",
            ),
            ("select 10::float8 ### 2.5::float8, NULL::float8 ### 1::float8", "7.5|NULL"),
            (
                "drop function near(float8, float8)",
                "ERROR 2BP01: cannot drop function near(double precision,double precision) because other objects depend on it",
            ),
            ("drop operator ~== (float8, float8)", "DROP OPERATOR"),
            (
                "drop operator ~== (float8, float8)",
                "ERROR 42883: operator does not exist: double precision ~== double precision",
            ),
            ("drop operator if exists ~== (float8, float8)", "DROP OPERATOR"),
            ("drop function near(float8, float8)", "DROP FUNCTION"),
            ("drop function float8mi_user(float8, float8) cascade", "DROP FUNCTION"),
            ("select count(*) from pg_operator", "0"),
        ],
    )
    .await;
    let notices: Vec<String> = s.take_notices().into_iter().map(|n| n.message).collect();
    assert_eq!(
        notices,
        [
            "operator ~==(double precision,double precision) does not exist, skipping",
            "drop cascades to operator ###(double precision,double precision)",
        ]
    );
}

#[tokio::test]
async fn operators_over_user_types_go_with_the_type() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("create type mood as enum ('sad', 'ok', 'happy')", "CREATE TYPE"),
            (
                "create function mood_rank(mood, int) returns int language sql as $$ select array_position(enum_range(null::mood), $1) * $2 $$",
                "CREATE FUNCTION",
            ),
            (
                "create operator <*> (leftarg = mood, rightarg = int, function = mood_rank)",
                "CREATE OPERATOR",
            ),
            ("select 'happy'::mood <*> 10", "30"),
            ("drop type mood cascade", "DROP TYPE"),
        ],
    )
    .await;
    let notices: Vec<(String, Option<String>)> = s
        .take_notices()
        .into_iter()
        .map(|n| (n.message, n.detail))
        .collect();
    assert_eq!(
        notices,
        [(
            "drop cascades to 2 other objects".to_string(),
            Some(
                "drop cascades to function mood_rank(mood,integer)\n\
                 drop cascades to operator <*>(mood,integer)"
                    .to_string()
            )
        )]
    );
    assert_eq!(run(&mut s, "select count(*) from pg_operator").await, "0");
}

#[tokio::test]
async fn operators_survive_a_restart() {
    check_across_restart(
        SETUP,
        &[
            ("select 1.0::float8 ~== 1.2::float8", "t"),
            (
                "create operator ~== (leftarg = float8, rightarg = float8, function = near)",
                "ERROR 42723: operator ~== already exists",
            ),
            ("drop operator ~== (float8, float8)", "DROP OPERATOR"),
        ],
    )
    .await;
}
