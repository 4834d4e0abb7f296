//! JSON-building functions and aggregates (`to_json`, `row_to_json`,
//! `json_agg`, `json_object_agg`, `json[b]_build_*`) against PostgreSQL 15's
//! exact output text and errors.

mod support;

use support::{check, memory_engine};

const SETUP: &[(&str, &str)] = &[
    (
        "CREATE TABLE t (id int, name text, ok bool, n numeric, f float8, ts timestamp, tz timestamptz, d date, arr int[], j jsonb)",
        "CREATE TABLE",
    ),
    (
        "INSERT INTO t VALUES (1, E'a\"b\\\\c\\nx', true, 1.50, 1.5, '2020-01-02 03:04:05', '2020-01-02 03:04:05+00', '2020-01-02', '{1,2}', '{\"b\":1,\"a\":[1,2]}'), (2, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL)",
        "INSERT 0 2",
    ),
];

const ROW1: &str = r#"{"id":1,"name":"a\"b\\c\nx","ok":true,"n":1.50,"f":1.5,"ts":"2020-01-02T03:04:05","tz":"2020-01-02T03:04:05+00:00","d":"2020-01-02","arr":[1,2],"j":{"a": [1, 2], "b": 1}}"#;
const ROW2: &str = r#"{"id":2,"name":null,"ok":null,"n":null,"f":"NaN","ts":null,"tz":null,"d":null,"arr":null,"j":null}"#;
const ROW1_JSONB: &str = r#"{"d": "2020-01-02", "f": 1.5, "j": {"a": [1, 2], "b": 1}, "n": 1.50, "id": 1, "ok": true, "ts": "2020-01-02T03:04:05", "tz": "2020-01-02T03:04:05+00:00", "arr": [1, 2], "name": "a\"b\\c\nx"}"#;
const ROW2_JSONB: &str = r#"{"d": null, "f": "NaN", "j": null, "n": null, "id": 2, "ok": null, "ts": null, "tz": null, "arr": null, "name": null}"#;

#[tokio::test]
async fn whole_rows_become_objects_with_column_names() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(&mut s, SETUP).await;
    let rows = format!("{ROW1}\n{ROW2}");
    let agg = format!("[{ROW1}, \n {ROW2}]");
    let agg_jsonb = format!("[{ROW1_JSONB}, {ROW2_JSONB}]");
    let both = format!("{ROW1}|{ROW1_JSONB}\n{ROW2}|{ROW2_JSONB}");
    check(
        &mut s,
        &[
            ("SELECT row_to_json(t) FROM t ORDER BY id", rows.as_str()),
            ("SELECT json_agg(t) FROM t", agg.as_str()),
            ("SELECT jsonb_agg(t ORDER BY id) FROM t", agg_jsonb.as_str()),
            (
                "SELECT to_json(t), to_jsonb(t) FROM t ORDER BY id",
                both.as_str(),
            ),
            (
                "SELECT json_agg(x) FROM (SELECT 1 AS a, 'q' AS b) x",
                r#"[{"a":1,"b":"q"}]"#,
            ),
            (
                "SELECT json_agg(t) FROM (VALUES (1, 'a'), (2, 'b')) t",
                "[{\"column1\":1,\"column2\":\"a\"}, \n {\"column1\":2,\"column2\":\"b\"}]",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn scalars_arrays_and_anonymous_rows() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "SELECT to_json(1), to_json('x'::text), to_json(NULL::int), to_jsonb(1.50), to_json(ARRAY[1,2]), to_json(ARRAY['a','b']), to_json(ROW(1,'a'))",
                r#"1|"x"|NULL|1.50|[1,2]|["a","b"]|{"f1":1,"f2":"a"}"#,
            ),
            (
                "SELECT to_json(1.5::float4), to_json('Infinity'::float8), to_json(time '10:00'), to_json('\\x01'::bytea), to_json(interval '1 day')",
                r#"1.5|"Infinity"|"10:00:00"|"\\x01"|"1 day""#,
            ),
            (
                "SELECT to_json('x')",
                "ERROR 42804: could not determine polymorphic type because input has type unknown",
            ),
            ("SELECT json_agg(x) FROM (VALUES (1), (NULL)) v(x)", "[1, null]"),
            (
                "SELECT json_agg(ARRAY[x]) FROM (VALUES (1), (NULL)) v(x)",
                "[[1], \n [null]]",
            ),
            ("SELECT json_agg(x) FROM (VALUES (1)) v(x) WHERE false", "NULL"),
        ],
    )
    .await;
}

#[tokio::test]
async fn builders_and_object_aggregates() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                "SELECT json_build_array(1, 'a', NULL, true), jsonb_build_array(1, 'a', NULL, true), jsonb_build_object('b', 1, 'a', 2)",
                r#"[1, "a", null, true]|[1, "a", null, true]|{"a": 2, "b": 1}"#,
            ),
            (
                "SELECT json_build_array(), jsonb_build_array(), jsonb_build_object(), json_build_object(1, 2, 'x', ARRAY[1])",
                r#"[]|[]|{}|{"1" : 2, "x" : [1]}"#,
            ),
            (
                "SELECT jsonb_build_object('a')",
                "ERROR 22023: argument list must have even number of elements",
            ),
            (
                "SELECT json_build_object(NULL, 1)",
                "ERROR 22023: argument 1 cannot be null",
            ),
            (
                "SELECT jsonb_build_object(NULL, 1)",
                "ERROR 22023: argument 1: key must not be null",
            ),
            (
                "SELECT json_object_agg(k, v), jsonb_object_agg(k, v) FROM (VALUES ('b', 1), ('a', 2), ('b', 3)) t(k, v)",
                r#"{ "b" : 1, "a" : 2, "b" : 3 }|{"a": 2, "b": 3}"#,
            ),
            (
                "SELECT json_object_agg(id, name) FROM (VALUES (1, 'x'), (2, NULL)) t(id, name)",
                r#"{ "1" : "x", "2" : null }"#,
            ),
            (
                "SELECT json_object_agg(k, v) FROM (VALUES (NULL::text, 1)) t(k, v)",
                "ERROR 22023: field name must not be null",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn composite_values_use_their_type_field_names() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            ("CREATE TYPE comp AS (a int, b text)", "CREATE TYPE"),
            ("CREATE TABLE ct (id int, c comp)", "CREATE TABLE"),
            (
                "INSERT INTO ct VALUES (1, ROW(2, 'x')), (2, NULL)",
                "INSERT 0 2",
            ),
            (
                "SELECT row_to_json(ct), to_json(c) FROM ct ORDER BY id",
                "{\"id\":1,\"c\":{\"a\":2,\"b\":\"x\"}}|{\"a\":2,\"b\":\"x\"}\n{\"id\":2,\"c\":null}|NULL",
            ),
            (
                "SELECT json_agg(c ORDER BY id) FROM ct",
                "[{\"a\":2,\"b\":\"x\"}, null]",
            ),
            (
                "SELECT json_agg(c ORDER BY id DESC) FROM ct",
                "[null, \n {\"a\":2,\"b\":\"x\"}]",
            ),
            (
                "SELECT to_jsonb(ct) FROM ct ORDER BY id",
                "{\"c\": {\"a\": 2, \"b\": \"x\"}, \"id\": 1}\n{\"c\": null, \"id\": 2}",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn jsonb_operators() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                r#"SELECT '{"a":{"b":[1,"x",null]}}'::jsonb #> '{a,b,1}', '{"a":{"b":[1,"x",null]}}'::jsonb #>> '{a,b,1}', '[1,2]'::jsonb #> '{-1}', '[1,2]'::jsonb #> '{x}'"#,
                r#""x"|x|2|NULL"#,
            ),
            (
                r#"SELECT '{"a":1}'::jsonb ? 'a', '["a"]'::jsonb ? 'b', '{"a":1,"b":2}'::jsonb ?| ARRAY['x','b'], '{"a":1}'::jsonb ?& ARRAY['a','c']"#,
                "t|f|t|f",
            ),
            (
                r#"SELECT '{"a":1,"b":{"c":[1,2,3]}}'::jsonb @> '{"b":{"c":[3]}}', '[1,2]'::jsonb @> '1', '{"a":[1,2]}'::jsonb @> '{"a":1}', '{"a":1}'::jsonb <@ '{"a":1,"b":2}'"#,
                "t|t|f|t",
            ),
            (
                r#"SELECT '{"a":1,"b":2}'::jsonb || '{"b":3}', '{"a":1}'::jsonb || '"x"', '{"a":1,"b":2}'::jsonb - 'a', '[1,2,3]'::jsonb - -1, '{"a":{"b":1,"c":2}}'::jsonb #- '{a,b}'"#,
                r#"{"a": 1, "b": 3}|[{"a": 1}, "x"]|{"b": 2}|[1, 2]|{"a": {"c": 2}}"#,
            ),
            (
                r#"SELECT '{"a":1}'::jsonb - 1"#,
                "ERROR 22023: cannot delete from object using integer index",
            ),
            (
                "SELECT '[1,2]'::jsonb #- '{x}'",
                r#"ERROR 22P02: path element at position 1 is not an integer: "x""#,
            ),
            (
                r#"SELECT '{"a":1}'::json ? 'a'"#,
                "ERROR 42883: operator does not exist: json ? unknown",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn value_functions_and_set_returning_functions() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                r#"SELECT json_typeof('{"a":1}'), jsonb_typeof('1.5'), jsonb_typeof('null'), json_array_length('[1,2,[3]]')"#,
                "object|number|null|3",
            ),
            (
                "SELECT jsonb_array_length('{}')",
                "ERROR 22023: cannot get array length of a non-array",
            ),
            (
                "SELECT json_array_length('1')",
                "ERROR 22023: cannot get array length of a scalar",
            ),
            (
                r#"SELECT jsonb_set('{"a":{"b":1}}', '{a,b}', '2'), jsonb_set('{"a":1}', '{c}', '3', false), jsonb_set('[1,2]', '{-5}', '9')"#,
                r#"{"a": {"b": 2}}|{"a": 1}|[9, 1, 2]"#,
            ),
            (
                "SELECT jsonb_set('1', '{a}', '2')",
                "ERROR 22023: cannot set path in scalar",
            ),
            (
                r#"SELECT jsonb_strip_nulls('{"a":null,"b":[null,{"c":null,"d":1}]}'), jsonb_pretty('{"a":[1],"c":{}}')"#,
                "{\"b\": [null, {\"d\": 1}]}|{\n    \"a\": [\n        1\n    ],\n    \"c\": {\n    }\n}",
            ),
            (
                r#"SELECT value FROM jsonb_array_elements('[1,"a",null,{"b":2}]')"#,
                "1\n\"a\"\nnull\n{\"b\": 2}",
            ),
            (
                r#"SELECT * FROM json_array_elements_text('[1,"a",null]')"#,
                "1\na\nNULL",
            ),
            (
                r#"SELECT jsonb_object_keys FROM jsonb_object_keys('{"b":1,"a":2}')"#,
                "a\nb",
            ),
            (
                "SELECT * FROM jsonb_array_elements('1')",
                "ERROR 22023: cannot extract elements from a scalar",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn each_in_from_and_row_star_arguments() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                r#"SELECT * FROM jsonb_each_text('{"b":1,"a":"x","c":null}')"#,
                "a|x\nb|1\nc|NULL",
            ),
            (
                r#"SELECT k.key, k.value FROM json_each('{"b":1,"b":[2]}') k"#,
                "b|1\nb|[2]",
            ),
            (
                "SELECT * FROM json_each('[1]')",
                "ERROR 22023: cannot deconstruct an array as an object",
            ),
            (
                "SELECT row_to_json(x, true), to_json(x.*) FROM (SELECT 1 a, 'q' b) x",
                "{\"a\":1,\n \"b\":\"q\"}|{\"a\":1,\"b\":\"q\"}",
            ),
            (
                "SELECT p.id, json_agg(c) FROM (VALUES (1), (2)) p(id) LEFT JOIN (VALUES (1, 'x')) c(pid, n) ON c.pid = p.id GROUP BY p.id ORDER BY 1",
                "1|[{\"pid\":1,\"n\":\"x\"}]\n2|[null]",
            ),
            (
                "SELECT json_agg(x.*) FROM (SELECT 1 a, 'q' b) x",
                "[{\"a\":1,\"b\":\"q\"}]",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn extract_path_array_to_json_and_json_strip_nulls() {
    let e = memory_engine().await;
    let mut s = e.session();
    check(
        &mut s,
        &[
            (
                r#"SELECT jsonb_extract_path('{"a":{"b":[1,2]}}', 'a', 'b'), json_extract_path_text('{"a":{"b":"x"}}', 'a', 'b'), json_extract_path('{"a":[5,6]}', 'a', '1'), jsonb_extract_path('{"a":1}', NULL)"#,
                "[1, 2]|x|6|NULL",
            ),
            (
                "SELECT array_to_json(ARRAY[1,2]), array_to_json('{a,b}'::text[], true)",
                "[1,2]|[\"a\",\n \"b\"]",
            ),
            (
                "SELECT array_to_json(1)",
                "ERROR 42883: function array_to_json(integer) does not exist",
            ),
            (
                r#"SELECT json_strip_nulls('[1, null, {"a":null,"b" : 2.50, "c": {"d": null}}]')"#,
                r#"[1,null,{"b":2.50,"c":{}}]"#,
            ),
        ],
    )
    .await;
}
