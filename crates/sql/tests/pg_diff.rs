//! Differential test: the same statements against Borealis and a scratch
//! PostgreSQL (initdb + pg_ctl in a temp dir on a free loopback port), with
//! results compared in psql's unaligned text form (error positions included;
//! set PGDIFF_NO_POSITIONS to ignore them). Skipped, with a message,
//! when no PostgreSQL binaries are found.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use borealis_sql::{Engine, MemStore, StatementOutput};

/// Statements run in order on both systems; each runs in its own psql session.
const SCRIPT: &[&str] = &[
    "CREATE TABLE emp (id int PRIMARY KEY, name varchar(20) NOT NULL, dept int, salary numeric(8,2), bonus float8, active bool DEFAULT true)",
    "CREATE TABLE dept (id int PRIMARY KEY, dname text UNIQUE)",
    "INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'hr')",
    "INSERT INTO emp VALUES (1, 'ann', 1, 1000.5, 0.1, true), (2, 'bob', 1, 2000, NULL, false), (3, 'cy', 2, 1500.25, 1e-7, DEFAULT), (4, 'dee', NULL, NULL, 12345678.9, true), (5, 'Ed', 2, 999.999, -0.0, NULL)",
    "SELECT * FROM emp ORDER BY id",
    "SELECT id, salary * 2, salary / 3, bonus * 3, salary + bonus FROM emp ORDER BY id",
    "SELECT dept, count(*), sum(salary), avg(salary), min(bonus), max(name), sum(id), avg(id) FROM emp GROUP BY dept ORDER BY dept",
    "SELECT count(*), sum(id), avg(bonus), bool_and(active), bool_or(active) FROM emp",
    "SELECT e.name, d.dname FROM emp e JOIN dept d ON e.dept = d.id ORDER BY e.name",
    "SELECT e.name, d.dname FROM emp e LEFT JOIN dept d ON d.id = e.dept ORDER BY 1",
    "SELECT d.dname, count(e.id) FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.dname ORDER BY 2 DESC, 1",
    "SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY name",
    "SELECT name FROM emp e WHERE EXISTS (SELECT 1 FROM dept d WHERE d.id = e.dept AND d.dname LIKE 'o%') ORDER BY name",
    "SELECT name FROM emp WHERE dept NOT IN (SELECT id FROM dept WHERE id > 1) ORDER BY name",
    "SELECT name, CASE WHEN salary >= 1500 THEN 'high' WHEN salary IS NULL THEN 'n/a' ELSE 'low' END AS band FROM emp ORDER BY band, name",
    "SELECT upper(name), lower(name), length(name), substring(name, 2, 2), name || '-' || id, concat(name, dept, active) FROM emp ORDER BY id",
    "SELECT coalesce(dept, -1), nullif(dept, 2), greatest(id, dept), least(id, 3) FROM emp ORDER BY id",
    "SELECT round(salary), round(salary, 1), abs(bonus), ceil(salary), floor(salary), trunc(salary, 1) FROM emp ORDER BY id",
    "SELECT DISTINCT dept FROM emp ORDER BY dept NULLS FIRST",
    "SELECT name FROM emp ORDER BY salary DESC NULLS LAST, name LIMIT 3 OFFSET 1",
    "SELECT name FROM emp WHERE name ILIKE '%E%' AND id BETWEEN 2 AND 5 ORDER BY id",
    "SELECT id FROM emp WHERE dept IN (1, NULL) ORDER BY id",
    "SELECT 1 + 1, 5 / 2, 5 % 3, -5 / 2, 2.0 * 3, 1 / 3.0, 10::float8 / 4, 7::int2 + 1::int2, 2^10",
    "SELECT 1e15::float8, 1e14::float8, 1e-5::float8, 123456789.123::float4, 1/3::float8, 0.1::float4 + 0.2::float4",
    "SELECT 'NaN'::float8 > 1, '-Infinity'::float8, 'inf'::float4, 1.0e20::numeric, '  12  '::int8",
    "SELECT 12.3456::numeric(6,2), 999.995::numeric(5,2)",
    "SELECT 'abc'::varchar(2), 'ab'::char(4) || '|', length('ab  '::char(4)), 'x'::char(3) = 'x'",
    "SELECT true AND NULL, false OR NULL, NOT (NULL::bool), NULL IS NULL, 1 IS DISTINCT FROM 2, NULL IS NOT DISTINCT FROM NULL",
    "SELECT 2147483647 + 1",
    "SELECT 9223372036854775807::int8 * 2",
    "SELECT (-32768)::int2 * -1::int2",
    "SELECT 1 / 0",
    "SELECT 1.5 / 0",
    "SELECT 'abc'::int",
    "SELECT '3000000000'::int",
    "SELECT 'maybe'::bool",
    "SELECT '1.2.3'::numeric",
    "SELECT 'x'::float8",
    "SELECT 1e400::float8",
    "INSERT INTO emp VALUES (1, 'dup', 1, 1, 1, true)",
    "INSERT INTO emp (id, name) VALUES (9, NULL)",
    "INSERT INTO emp (id, name) VALUES (9, 'abcdefghijklmnopqrstuvwxyz')",
    "INSERT INTO emp (id, name, salary) VALUES (9, 'z', 1e7)",
    "INSERT INTO dept VALUES (4, 'eng')",
    "SELECT nosuch FROM emp",
    "SELECT * FROM nosuch",
    "SELECT name FROM emp GROUP BY dept",
    "SELECT id FROM emp, dept",
    "SELECT 'a'::text + 1",
    "SELECT sum(name) FROM emp",
    "INSERT INTO emp (id, name) VALUES (6, 'fay'), (7, 'gus') RETURNING id, name, active",
    "UPDATE emp SET salary = salary + 1 WHERE dept = 1 RETURNING id, salary",
    "UPDATE emp SET dept = 3 WHERE id = 6",
    "DELETE FROM emp WHERE id = 7 RETURNING *",
    "SELECT id, name, dept FROM emp WHERE id >= 5 ORDER BY id",
    "SELECT id FROM emp WHERE id = 3",
    "SELECT id FROM emp WHERE id > 2 AND id < 5 ORDER BY id",
    "SELECT count(*) FROM (SELECT dept FROM emp GROUP BY dept) s",
    "SELECT x, count(*) FROM (VALUES (1), (2), (1)) v(x) GROUP BY x ORDER BY x",
    "SELECT 1 UNION SELECT 2 UNION SELECT 1 ORDER BY 1",
    "SELECT 1 AS a UNION ALL SELECT 1 ORDER BY a",
    "SELECT string_agg(name, ', ') FROM (SELECT name FROM emp ORDER BY id) s",
    "SELECT count(DISTINCT dept), count(dept), sum(DISTINCT dept) FROM emp",
    "SELECT max(dname), min(dname) FROM dept",
    "SELECT id, (SELECT dname FROM dept WHERE dept.id = emp.dept) AS dn FROM emp ORDER BY id",
    "SELECT position('b' in 'abc'), strpos('hello', 'l'), replace('aXbX', 'X', '-'), trim('  hi  '), left('hello', 2), right('hello', -2), repeat('ab', 3), reverse('abc')",
    "SELECT mod(7, 3), mod(-7, 3), sqrt(16), power(2, 3), sign(-3.5), 7 % -3",
    "SELECT '1' + 1, 1 + '1', '2'::numeric / 3",
    "SELECT avg(x), sum(x) FROM (VALUES (1.5::float4), (2.25::float4)) v(x)",
    "SELECT name FROM emp ORDER BY name",
    "SELECT name, dept FROM emp ORDER BY dept DESC, name",
    "SELECT dept * 10 AS d10, count(*) FROM emp GROUP BY dept * 10 HAVING count(*) >= 1 ORDER BY d10",
    "SELECT name FROM emp WHERE name LIKE '_d%' OR name LIKE 'a__' ORDER BY id",
    "SELECT id FROM emp WHERE dept IN (SELECT dept FROM emp WHERE dept IS NULL) ORDER BY id",
    "SELECT id FROM emp WHERE dept NOT IN (SELECT dept FROM emp) ORDER BY id",
    "SELECT CASE dept WHEN 1 THEN 'one' WHEN 2 THEN 'two' END FROM emp ORDER BY id",
    "SELECT * FROM emp ORDER BY id LIMIT 0",
    "SELECT id FROM emp ORDER BY id OFFSET 10",
    "VALUES (1, 'a'), (2, 'b')",
    "SELECT s.a + s.b FROM (SELECT 1 AS a, 2.5 AS b) s",
    "SELECT * FROM (SELECT id, name FROM emp) AS x(i, n) WHERE i < 3 ORDER BY i",
    "SELECT 1 UNION SELECT 2.5 ORDER BY 1",
    "SELECT 0.0, -0.5, 100::numeric / 7, (2::numeric) / 3, 1::numeric / 3000000, 12345678901234567890 / 3",
    "SELECT 1.5e300::float8 * 1e10::float8",
    "SELECT 3.14159::float4, 1e-40::float8, 2.5e-10::float8, 0.000123::float8, 1234567.0::float4, 99999999::float4",
    "SELECT 32767::int2 + 1::int2",
    "SELECT -2147483648, (-2147483648)::int4, 2147483648, -9223372036854775808",
    "SELECT 5::int2 / 2::int2, 5 / 2.0::float4, 3 * 1.5::float4",
    "SELECT 'abc' < 'abd', 'Z' < 'a', 'a' < 'ab', '' < 'a'",
    "SELECT 1 = 1.0, 1::int8 = 1::int2, 1.5::float4 = 1.5::float8",
    "SELECT CAST('  true ' AS bool), 'yes'::bool, 'off'::bool, 1::bool, 0::bool, true::int",
    "SELECT '12.50'::numeric, '-0.000'::numeric, '1e3'::numeric, '.5'::numeric",
    "SELECT abs(-2147483648)",
    "SELECT sum(x) FROM (VALUES (9223372036854775807::int8), (1::int8)) v(x)",
    "SELECT max(x), min(x) FROM (VALUES (1.50), (1.5), (-3)) v(x)",
    "SELECT x FROM (VALUES ('b'), ('a'), (NULL)) v(x) ORDER BY x DESC",
    "SELECT x FROM (VALUES ('b'), ('a'), (NULL)) v(x) ORDER BY x NULLS FIRST",
    "SELECT coalesce(NULL, NULL, 'x'), coalesce(NULL::int, 2), nullif('a', 'a')",
    "SELECT 1 +",
    "SELECT (1, 2",
    "INSERT INTO emp VALUES (10, 'x', 1, 1, 1, true, 1)",
    "INSERT INTO emp (id, name, id) VALUES (10, 'x', 10)",
    "UPDATE emp SET nosuch = 1",
    "UPDATE emp SET dept = 'x' WHERE id = 1",
    "SELECT count(*) FROM emp WHERE salary > 'abc'",
    "SELECT name FROM emp WHERE id = 1 AND id",
    "CREATE TABLE emp (x int)",
    "CREATE TABLE t3 (a int, a text)",
    "SELECT e.nosuch FROM emp e",
    "SELECT x.id FROM emp e",
    "SELECT lower(1)",
    "SELECT substring('hello', -1, 3), substring('hello' from 3), substring('hello', 10)",
    "WITH d1 AS (SELECT id, dname FROM dept WHERE id < 3), e1 AS (SELECT name, dept FROM emp) SELECT e1.name, d1.dname FROM e1 JOIN d1 ON d1.id = e1.dept ORDER BY 1",
    "WITH x(a, b) AS (SELECT 1, 2), y AS (SELECT a + b AS s FROM x) SELECT b, a, (SELECT s FROM y) FROM x",
    "WITH x AS (SELECT 1 AS a), x AS (SELECT 2 AS a) SELECT * FROM x",
    "SELECT id FROM emp ORDER BY id FETCH FIRST 2 ROWS ONLY",
    "SELECT e.id, d.id FROM emp e JOIN dept d ON e.dept = d.id AND e.id > 1 ORDER BY 1",
    "SELECT e.id, d.id FROM emp e LEFT JOIN dept d ON e.dept = d.id AND d.dname <> 'eng' ORDER BY 1",
    "CREATE TABLE kv (k text PRIMARY KEY, v int, n int UNIQUE)",
    "INSERT INTO kv VALUES ('a', 1, 1), ('b', 2, 2)",
    "INSERT INTO kv VALUES ('a', 10, 3) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v RETURNING *",
    "INSERT INTO kv VALUES ('c', 3, 2) ON CONFLICT DO NOTHING",
    "INSERT INTO kv VALUES ('c', 3, 2) ON CONFLICT (n) DO UPDATE SET v = excluded.v WHERE kv.v > 100",
    "INSERT INTO kv VALUES ('c', 3, 2) ON CONFLICT ON CONSTRAINT kv_n_key DO UPDATE SET v = excluded.v, k = 'z' RETURNING k, v, n",
    "INSERT INTO kv VALUES ('d', 1, 9), ('d', 2, 8) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
    "INSERT INTO kv VALUES ('e', 1, 1) ON CONFLICT (v) DO NOTHING",
    "INSERT INTO kv VALUES ('f', 1, 1) ON CONFLICT DO UPDATE SET v = 1",
    "INSERT INTO kv VALUES ('g', 7, 7), ('g', 8, 8) ON CONFLICT DO NOTHING",
    "SELECT * FROM kv ORDER BY k",
    "TRUNCATE kv",
    "SELECT count(*) FROM kv",
    "INSERT INTO kv VALUES ('a', 1, 1)",
    "DROP TABLE kv",
    "SELECT dept, sum(salary) FILTER (WHERE active) FROM emp GROUP BY dept ORDER BY dept",
    "SELECT count(*) FILTER (WHERE true) FROM emp",
    "SELECT name FROM emp ORDER BY length(name) DESC, name",
    "SELECT DISTINCT dept % 2 AS parity FROM emp WHERE dept IS NOT NULL ORDER BY parity",
    "SELECT count(*) HAVING count(*) > 0",
    "SELECT 1 WHERE false",
    "SELECT sum(salary) / count(*), avg(salary)::numeric(10,3), max(salary) - min(salary) FROM emp",
    "SELECT e.name FROM emp e WHERE e.salary = (SELECT max(salary) FROM emp e2 WHERE e2.dept = e.dept) ORDER BY 1",
    "SELECT (SELECT count(*) FROM emp e2 WHERE e2.dept = d.id) AS n, dname FROM dept d ORDER BY n DESC, dname",
    "SELECT name, salary FROM emp WHERE salary IS NOT NULL ORDER BY salary DESC LIMIT 1",
    "SELECT id, name FROM emp WHERE NOT active OR active IS NULL ORDER BY id",
    "SELECT id FROM emp WHERE active IS TRUE ORDER BY id",
    "SELECT id FROM emp WHERE active IS NOT FALSE ORDER BY id",
    "SELECT upper(NULL), length(NULL::text), NULL || 'a', concat(NULL), coalesce(NULL), abs(NULL::int)",
    "SELECT 10 / 4.0, 10.0 / 4, 1.0 / 7, 100.0 / 3.0, 1 / 3::numeric(10,5), 2.50 * 2.50, -7.5 % 2",
    "SELECT 1.5::float4, 0.1::float4 * 3, 16777217::float4, 1e38::float4 * 10",
    "SELECT 100000::int2",
    "SELECT 3.7::int2, (-3.5)::int8, 2.5::int4, 0.5::int4, -0.5::int4",
    "SELECT true > false, true = 't', 'f'::bool < true",
    "SELECT CASE WHEN false THEN 1 END, CASE 1 WHEN 2 THEN 'x' END",
    "SELECT name FROM emp WHERE name BETWEEN 'b' AND 'd' ORDER BY name",
    "SELECT name FROM emp WHERE name NOT LIKE '%e%' ORDER BY name",
    "SELECT 'abc' LIKE 'a_c', 'abc' LIKE 'A%', 'abc' ILIKE 'A%', 'a%c' LIKE 'a\\%c', 'ab' NOT ILIKE 'AB'",
    "SELECT max(id) FROM emp WHERE false",
    "SELECT min(name), max(name), count(name) FROM emp WHERE dept = 1",
    "SELECT bool_and(x), bool_or(x) FROM (VALUES (true), (NULL::bool), (false)) v(x)",
    "SELECT sum(x), avg(x) FROM (VALUES (2147483647), (2147483647)) v(x)",
    "SELECT avg(x) FROM (VALUES (1::int2), (2::int2)) v(x)",
    "SELECT sum(x)::text, avg(x) FROM (VALUES (0.1::float8), (0.2::float8)) v(x)",
    "SELECT x, y FROM (VALUES (1, 'a'), (2, NULL)) v(x, y) WHERE y IS NULL",
    "SELECT * FROM (SELECT 1 AS a UNION ALL SELECT 2) s ORDER BY a DESC",
    "SELECT 1 INTERSECT SELECT 1",
    "SELECT 2 EXCEPT SELECT 1 ORDER BY 1",
    "SELECT e.name, d.dname FROM emp e, dept d WHERE e.dept = d.id AND d.dname = 'ops' ORDER BY 1",
    "SELECT e.name FROM emp e CROSS JOIN dept d WHERE d.id = 3 ORDER BY 1",
    "SELECT a.id, b.id FROM emp a JOIN emp b ON a.dept = b.dept AND a.id < b.id ORDER BY 1, 2",
    "SELECT d.dname, e.name FROM dept d LEFT JOIN emp e ON e.dept = d.id AND e.salary > 1200 ORDER BY 1, 2",
    "SELECT e.name FROM emp e JOIN dept d USING (id) ORDER BY 1",
    "SELECT count(*) FROM emp e LEFT JOIN dept d ON true",
    "SELECT id, name FROM emp WHERE id = ANY (SELECT id FROM dept)",
    "SELECT 'x' || NULL IS NULL, NULL::int + 1, NULL::text = NULL::text",
    "SELECT length('日本語'), substring('日本語', 2, 1), reverse('日本'), strpos('日本語', '語')",
    "SELECT 'It''s', E'tab\\there', $$dollar$$",
    "SELECT 9223372036854775807 + 1",
    "SELECT -9223372036854775808 - 1",
    "SELECT 2147483647::int4 * 2",
    "SELECT '1'::int + '2'",
    "SELECT '1' + '2'",
    "SELECT 1 + NULL",
    "SELECT NULL + NULL",
    "CREATE TABLE al (id int PRIMARY KEY, a text, CONSTRAINT pos CHECK (id > 0))",
    "INSERT INTO al VALUES (1, 'x'), (2, NULL)",
    "ALTER TABLE al ADD COLUMN b int DEFAULT 7",
    "ALTER TABLE al ADD COLUMN c numeric(5,1) NOT NULL DEFAULT 1.25",
    "ALTER TABLE al ADD COLUMN d text NOT NULL",
    "ALTER TABLE al ADD COLUMN b int",
    "ALTER TABLE al ADD COLUMN IF NOT EXISTS b int",
    "INSERT INTO al (id, a) VALUES (3, 'z')",
    "SELECT * FROM al ORDER BY id",
    "ALTER TABLE al ALTER COLUMN a SET NOT NULL",
    "UPDATE al SET a = 'y' WHERE id = 2",
    "ALTER TABLE al ALTER COLUMN a SET NOT NULL",
    "INSERT INTO al (id) VALUES (4)",
    "ALTER TABLE al ALTER COLUMN b SET DEFAULT 40 + 2",
    "INSERT INTO al (id, a) VALUES (4, 'w') RETURNING b, c",
    "ALTER TABLE al ALTER COLUMN b DROP DEFAULT",
    "ALTER TABLE al ALTER COLUMN id DROP NOT NULL",
    "ALTER TABLE al DROP CONSTRAINT pos",
    "ALTER TABLE al DROP CONSTRAINT pos",
    "ALTER TABLE al DROP CONSTRAINT IF EXISTS pos",
    "INSERT INTO al (id, a) VALUES (-1, 'neg')",
    "ALTER TABLE al RENAME COLUMN a TO aa",
    "ALTER TABLE al RENAME COLUMN nope TO x",
    "ALTER TABLE al RENAME TO al2",
    "SELECT * FROM al2 ORDER BY id",
    "SELECT * FROM al",
    "ALTER TABLE nosuch ADD COLUMN x int",
    "ALTER TABLE IF EXISTS nosuch ADD COLUMN x int",
    "DROP TABLE al2",
    "SELECT '2024-01-02 03:04:05.120'::timestamp, '2024-01-02 03:04:05.120'::timestamptz, '2024-01-02'::date, '2024-01-02 03:04:05+02'::timestamptz",
    "SELECT '2024-01-02 03:04:05.5678'::timestamp(2), '2024-01-02T03:04:05Z'::timestamp, '2024-01-02 03:04'::date, timestamp '1999-12-31 23:59:59.999999'",
    "SELECT date '2024-03-01' - date '2024-02-01', date '2024-01-31' + 1, 1 + date '2024-12-31', date '2024-03-01' - 1",
    "SELECT extract(year from date '2024-05-06'), extract(second from timestamp '2024-01-01 00:00:01.5'), extract(epoch from timestamp '2024-01-02 00:00:00'), extract(month from timestamptz '2024-05-06 07:08:09+00')",
    "SELECT date_trunc('month', timestamp '2024-05-06 07:08:09'), date_trunc('hour', timestamptz '2024-05-06 07:08:09+00'), date_trunc('year', timestamp '2024-05-06')",
    "SELECT date '2024-01-01' = timestamp '2024-01-01 00:00', date '2024-01-02' > timestamp '2024-01-01 23:59', timestamp '2024-01-01' < timestamptz '2024-01-01 00:00:01+00'",
    "SELECT '2024-13-01'::date",
    "SELECT '2024-02-30'::date",
    "SELECT 'x'::timestamp",
    "SELECT '2024-01-01 25:00'::timestamp",
    "SELECT date '2024-01-01' + date '2024-01-01'",
    "SELECT pg_typeof_unsupported(1)",
    "CREATE TABLE ev (id int PRIMARY KEY, at timestamptz NOT NULL, d date, t timestamp(0))",
    "INSERT INTO ev VALUES (1, '2024-05-06 07:08:09.123456+00', '2024-05-06', '2024-05-06 07:08:09.6'), (2, '2023-01-01 00:00:00Z', NULL, NULL)",
    "SELECT * FROM ev ORDER BY at DESC",
    "SELECT id FROM ev WHERE at > '2024-01-01' AND d = '2024-05-06'",
    "SELECT min(at), max(d), count(t) FROM ev",
    "SELECT d::text, at::date, t::timestamptz, '2024-05-06'::date::timestamp FROM ev WHERE id = 1",
    "DROP TABLE ev",
    "CREATE INDEX emp_dept_idx ON emp (dept)",
    "CREATE INDEX emp_dept_idx ON emp (dept)",
    "CREATE INDEX IF NOT EXISTS emp_dept_idx ON emp (dept)",
    "CREATE UNIQUE INDEX emp_name_key2 ON emp (name)",
    "CREATE UNIQUE INDEX ON emp (dept)",
    "CREATE INDEX ON emp (salary, bonus)",
    "SELECT id, name FROM emp WHERE dept = 2 ORDER BY id",
    "SELECT id FROM emp WHERE dept = 2 AND id > 3",
    "UPDATE emp SET dept = 1 WHERE dept = 2 AND name = 'cy'",
    "SELECT id, dept FROM emp WHERE dept IN (1, 2) ORDER BY id",
    "INSERT INTO emp (id, name, dept) VALUES (20, 'ann', 5)",
    "INSERT INTO emp (id, name, dept) VALUES (20, 'zed', 5)",
    "SELECT name FROM emp WHERE dept = 5",
    "DELETE FROM emp WHERE dept = 5 RETURNING id",
    "SELECT count(*) FROM emp WHERE dept = 5",
    "DROP INDEX emp_name_key2",
    "INSERT INTO emp (id, name, dept) VALUES (21, 'ann', 6)",
    "DROP INDEX emp_pkey",
    "DROP INDEX nosuch",
    "DROP INDEX IF EXISTS nosuch",
    "CREATE TABLE c3 (k char(3) PRIMARY KEY, v varchar(5), n numeric(6,2), f real, i smallint)",
    "INSERT INTO c3 VALUES ('a', 'x ', 1.005, 1.5, 1), ('bb', 'yy', -2.5, 2.25, -32768), ('ccc', NULL, 123.456, NULL, NULL)",
    "SELECT k, length(k), k || '|', v || '|', n, f, i FROM c3 ORDER BY k",
    "SELECT * FROM c3 WHERE k = 'a  '",
    "SELECT * FROM c3 WHERE k = 'a'::text",
    "SELECT count(*) FROM c3 WHERE v = 'x'",
    "SELECT sum(n), avg(n), sum(f), avg(f), sum(i), avg(i), max(k), min(v) FROM c3",
    "SELECT i * 2 FROM c3 WHERE i < 0",
    "SELECT -i FROM c3 WHERE i < 0",
    "SELECT abs(i) FROM c3 WHERE i < 0",
    "INSERT INTO c3 VALUES ('dddd', 'v', 0, 0, 0)",
    "INSERT INTO c3 VALUES ('d   ', 'v', 0, 0, 0)",
    "INSERT INTO c3 VALUES ('e', 'v', 0, 0, 32768)",
    "UPDATE c3 SET n = n * 1000 WHERE k = 'ccc'",
    "SELECT round(n, 1), round(f::numeric, 1), trunc(n), n::int, f::int, n::float8 FROM c3 ORDER BY k",
    "SELECT k FROM c3 ORDER BY v DESC",
    "SELECT k FROM c3 ORDER BY v ASC NULLS FIRST",
    "SELECT k, n FROM c3 ORDER BY n DESC LIMIT 1",
    "SELECT DISTINCT ON (k) k FROM c3 ORDER BY k",
    "SELECT DISTINCT ON (n > 0) n > 0 AS pos, k FROM c3 ORDER BY n > 0, k DESC",
    "SELECT 'abc' || 1 || 2.5 || true || NULL",
    "SELECT 'a' || 'b'::char(3) || 'c', 'x'::char(3)::varchar || '|'",
    "SELECT replace('hello', 'l', ''), btrim('xxhixx', 'x'), ltrim('  a'), rtrim('a  ') || '|', repeat('-', 0), left('abc', -1), right('abc', 5)",
    "SELECT substring('hello' from 2 for 3), substring('hello', 0), substring('hello', -3, 5), substr('hello', 2)",
    "SELECT position('' in 'abc'), strpos('abc', 'd'), length(''), octet_length('é')",
    "SELECT greatest('a', 'b', NULL), least(1, 2.5, -1), greatest(NULL::int, NULL)",
    "SELECT nullif(1, 1.0), nullif('a', 'b'), coalesce(NULL, 1, 2.5)",
    "SELECT 7 / 2, -7 / 2, 7 % -2, -7 % 2, 7.0 / 2, 7 / 2.0, 2 ^ 10, 10 % 3.5",
    "SELECT 1e-20::numeric * 1e-20, 0.1::numeric(20,10), 12345678901234567890123::numeric / 7",
    "SELECT 1.0 / 3 * 3, (1.0 / 3) * 3, 2.0 / 3.0 + 1",
    "SELECT CAST(' 42 ' AS int8), CAST('4.2e1' AS float8), CAST('-0' AS numeric), CAST('  t' AS bool)",
    "SELECT 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL), NULL IN (1)",
    "SELECT true IS DISTINCT FROM NULL, NULL IS DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 1.0",
    "SELECT count(*), count(1), count(NULL), count(DISTINCT 1) FROM (VALUES (1), (2)) v(x)",
    "SELECT x, count(*) FROM (VALUES (1.0), (1.00), (2)) v(x) GROUP BY x ORDER BY x",
    "SELECT DISTINCT x FROM (VALUES (1.0), (1.00), (2.0::float8), (0.0::float8)) v(x) ORDER BY 1",
    "SELECT string_agg(x, '-') FROM (VALUES ('a'), (NULL), ('c')) v(x)",
    "SELECT max(x) FROM (VALUES ('NaN'::float8), (1e308::float8)) v(x)",
    "DROP TABLE c3",
    "DROP TABLE emp",
    "DROP TABLE emp",
    "DROP TABLE IF EXISTS emp",
];

fn find_bin_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("BOREALIS_PG_BIN") {
        return Some(PathBuf::from(d));
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .collect();
        v.sort();
        v.reverse();
        candidates.extend(v);
    }
    candidates.push(PathBuf::from("/usr/local/pgsql/bin"));
    candidates.push(PathBuf::from("/usr/local/bin"));
    candidates.push(PathBuf::from("/usr/bin"));
    candidates
        .into_iter()
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
}

fn psql_path(bin: &Path) -> Option<PathBuf> {
    [
        bin.join("psql"),
        PathBuf::from("/usr/bin/psql"),
        PathBuf::from("/usr/local/bin/psql"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// Runs a shell command, as the `postgres` user when we are root (PostgreSQL refuses root).
fn sh(as_postgres: bool, cmd: &str) -> std::io::Result<std::process::Output> {
    if as_postgres {
        Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", cmd])
            .output()
    } else {
        Command::new("/bin/sh").args(["-c", cmd]).output()
    }
}

struct Server {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = sh(
            self.as_postgres,
            &format!(
                "{}/pg_ctl -D {}/data -m immediate stop",
                self.bin.display(),
                self.dir.display()
            ),
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_server() -> Result<(Server, u16), String> {
    let bin = find_bin_dir().ok_or("no PostgreSQL binaries (initdb, pg_ctl) found")?;
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| e.to_string())?;
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    if root
        && !Command::new("id")
            .arg("postgres")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    {
        return Err("running as root and there is no postgres user to run the server".into());
    }
    let dir = std::env::temp_dir().join(format!("borealis-pgdiff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Command::new("chmod")
        .args(["777", &dir.display().to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    let server = Server {
        bin: bin.clone(),
        dir: dir.clone(),
        as_postgres: root,
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| e.to_string())?
        .local_addr()
        .map_err(|e| e.to_string())?
        .port();
    let init = sh(
        root,
        &format!(
            "{}/initdb -D {}/data -A trust -U postgres -E UTF8 --locale=C --no-sync",
            bin.display(),
            dir.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    let start = sh(
        root,
        &format!(
            "{}/pg_ctl -D {d}/data -l {d}/log -w -o \"-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off\" start",
            bin.display(),
            d = dir.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    if !start.status.success() {
        return Err(format!(
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&start.stderr)
        ));
    }
    Ok((server, port))
}

fn strip_position(line: &str) -> String {
    match line.rfind(" at character ") {
        Some(i) if line[i + 14..].chars().all(|c| c.is_ascii_digit()) => line[..i].to_string(),
        _ => line.to_string(),
    }
}

fn pg_run(psql: &Path, port: u16, stmt: &str) -> String {
    let out = Command::new(psql)
        .args([
            "-X",
            "-A",
            "-F",
            "|",
            "-P",
            "null=NULL",
            "-v",
            "VERBOSITY=terse",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            stmt,
        ])
        .output();
    match out {
        Err(e) => format!("psql failed: {e}"),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if let Some(line) = err.lines().find(|l| l.starts_with("ERROR:")) {
                return if std::env::var("PGDIFF_NO_POSITIONS").is_err() {
                    line.to_string()
                } else {
                    strip_position(line)
                };
            }
            String::from_utf8_lossy(&o.stdout).trim_end().to_string()
        }
    }
}

fn render(r: Result<StatementOutput, borealis_sql::SqlError>) -> String {
    match r {
        Ok(StatementOutput::Command { tag }) => tag,
        Ok(StatementOutput::Rows { columns, rows, tag }) => {
            let mut out = vec![columns
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join("|")];
            let n = rows.len();
            for row in rows {
                out.push(
                    row.into_iter()
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                        .collect::<Vec<_>>()
                        .join("|"),
                );
            }
            out.push(if n == 1 {
                "(1 row)".to_string()
            } else {
                format!("({n} rows)")
            });
            if !tag.starts_with("SELECT") {
                out.push(tag);
            }
            out.join("\n")
        }
        Err(e) => match (e.position, std::env::var("PGDIFF_NO_POSITIONS").is_err()) {
            (Some(p), true) => format!("ERROR:  {} at character {p}", e.message),
            _ => format!("ERROR:  {}", e.message),
        },
    }
}

#[tokio::test]
async fn results_match_postgresql() {
    let (server, port) = match start_server() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("SKIPPED results_match_postgresql: {why}");
            return;
        }
    };
    let Some(psql) = psql_path(&server.bin) else {
        eprintln!("SKIPPED results_match_postgresql: psql not found");
        return;
    };
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut mismatches = Vec::new();
    for stmt in SCRIPT {
        let want = pg_run(&psql, port, stmt);
        let mut session = engine.session();
        let mut results = session.execute_simple(stmt).await;
        let got = match results.pop() {
            Some(r) => render(r),
            None => String::new(),
        };
        if got != want {
            mismatches.push(format!(
                "{stmt}\n--- postgres ---\n{want}\n--- borealis ---\n{got}\n"
            ));
        }
    }
    drop(server);
    assert!(
        mismatches.is_empty(),
        "{} of {} statements differ:\n\n{}",
        mismatches.len(),
        SCRIPT.len(),
        mismatches.join("\n")
    );
}
