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
    "CREATE TABLE rt (id int PRIMARY KEY, n text, q int, s varchar(10) DEFAULT 'x', CONSTRAINT q_pos CHECK (q > 0))",
    "CREATE UNIQUE INDEX rt_n ON rt (n)",
    "INSERT INTO rt VALUES (1, '10', 5, 'a'), (2, '20', 6, 'bb'), (3, NULL, 7, NULL)",
    "ALTER TABLE rt ALTER COLUMN n TYPE int",
    "ALTER TABLE rt ALTER COLUMN n TYPE int USING n::int",
    "SELECT id, n + 1, pg_typeof(n) FROM rt ORDER BY id",
    "ALTER TABLE rt ALTER COLUMN id TYPE bigint, ALTER COLUMN q SET DATA TYPE numeric(6,2)",
    "SELECT id, q, pg_typeof(id), pg_typeof(q) FROM rt WHERE id = 2",
    "ALTER TABLE rt ALTER COLUMN q TYPE int USING q - 6",
    "ALTER TABLE rt ALTER COLUMN n TYPE int USING n / 100",
    "ALTER TABLE rt ALTER COLUMN s TYPE int",
    "ALTER TABLE rt ALTER COLUMN s TYPE int USING length(s)",
    "ALTER TABLE rt ALTER COLUMN s DROP DEFAULT, ALTER COLUMN s TYPE int USING length(s)",
    "ALTER TABLE rt ALTER COLUMN n TYPE text USING 'n' || n, ALTER COLUMN q SET NOT NULL",
    "INSERT INTO rt VALUES (4, 'n10', 8, 1)",
    "SELECT * FROM rt ORDER BY id",
    "SELECT id FROM rt WHERE n = 'n20'",
    "ALTER TABLE rt ALTER COLUMN n TYPE int USING NULL, ALTER COLUMN n SET NOT NULL",
    "CREATE TABLE rt_rowid (a int, b numeric)",
    "INSERT INTO rt_rowid VALUES (1, 1.5), (2, 2.5), (2, 2.5)",
    "BEGIN; ALTER TABLE rt_rowid ALTER COLUMN b TYPE int; SELECT a, b FROM rt_rowid ORDER BY a, b; ROLLBACK",
    "SELECT a, b FROM rt_rowid ORDER BY a, b",
    "ALTER TABLE rt_rowid ALTER COLUMN b TYPE float8, ALTER COLUMN a TYPE text",
    "SELECT a || '!', b * 2 FROM rt_rowid ORDER BY a, b",
    "CREATE TABLE rt_parent (id int PRIMARY KEY, code varchar(5) UNIQUE)",
    "CREATE TABLE rt_child (id int PRIMARY KEY, pid int REFERENCES rt_parent, pcode varchar(5) REFERENCES rt_parent (code))",
    "INSERT INTO rt_parent VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO rt_child VALUES (10, 1, 'a'), (11, 2, NULL)",
    "ALTER TABLE rt_parent ALTER COLUMN id TYPE bigint",
    "ALTER TABLE rt_child ALTER COLUMN pid TYPE bigint, ALTER COLUMN pcode TYPE text",
    "ALTER TABLE rt_child ALTER COLUMN pid TYPE text",
    "ALTER TABLE rt_parent ALTER COLUMN code TYPE int USING length(code)",
    "INSERT INTO rt_child VALUES (12, 3, 'b')",
    "INSERT INTO rt_child VALUES (12, 2, 'b') RETURNING *",
    "DELETE FROM rt_parent WHERE id = 1",
    "DROP TABLE rt_child, rt_parent",
    "ALTER TABLE rt_rowid SET (parallel_workers = 4, toast.autovacuum_enabled = false)",
    "ALTER TABLE rt_rowid RESET (parallel_workers, fillfactor)",
    "ALTER TABLE rt_rowid SET (no_such_option = 1)",
    "ALTER TABLE rt_rowid SET (other.fillfactor = 1)",
    "DROP TABLE rt, rt_rowid",
    "SELECT * FROM generate_series(0.1, 4, 1.3)",
    "SELECT generate_series(1.5, -1, -0.75), generate_series(1, 2.0)",
    "SELECT * FROM generate_series(1::numeric, 3)",
    "SELECT * FROM generate_series('NaN'::numeric, 3)",
    "SELECT * FROM generate_series(1, 3, 0::numeric)",
    "SELECT * FROM generate_series('2024-01-31'::timestamp, '2024-05-01', '1 month')",
    "SELECT g FROM generate_series(timestamp '2024-03-01 12:00', '2024-02-28', interval '-1 day 6 hours') g",
    "SELECT count(*) FROM generate_series('2024-01-01'::timestamptz, '2024-01-02', '1 hour')",
    "SELECT generate_series('2024-01-01'::date, '2024-01-03'::date, '1 day')",
    "SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-02', '0 days')",
    "SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-02')",
    "SELECT * FROM generate_series(1, 3, 1.5::float8)",
    "SELECT 'first line'\n' - next line'\n\t' - third line' AS \"Three lines to one\"",
    "SELECT 'a' 'b'",
    "SELECT U&'d\\0061t\\+000061' AS U&\"d\\0061t\\+000061\", U&'d!0061t' UESCAPE '!', U&'\\D83D\\DE00' AS smile",
    "SELECT U&'wrong: \\db99xy'",
    "SELECT U&'x' UESCAPE 'a'",
    "SELECT E'd\\u0061t\\U00000061', E'\\uD83D\\uDE00', length(E'\\uD83D\\uDE00'), E'tab\\there\\101'",
    "SELECT E'wrong: \\udb99\\u0061'",
    "SELECT E'wrong: \\u061'",
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
    "SELECT array_agg(v ORDER BY v DESC) FROM (VALUES (1), (3), (2)) t(v)",
    "SELECT array_agg(v ORDER BY v NULLS FIRST), count(v) FROM (VALUES (2), (NULL), (1)) t(v)",
    "SELECT k, string_agg(v, ',' ORDER BY v), count(*) FROM (VALUES (1, 'b'), (2, 'c'), (1, 'a'), (2, NULL), (2, 'a')) t(k, v) GROUP BY k ORDER BY k",
    "SELECT string_agg(v, ',' ORDER BY k DESC, v) FROM (VALUES (1, 'b'), (2, 'c'), (1, 'a')) t(k, v)",
    "SELECT max(x) FROM (VALUES ('NaN'::float8), (1e308::float8)) v(x)",
    // Window functions.
    "CREATE TABLE w (k int PRIMARY KEY, g text, v int, n numeric, f float8)",
    "INSERT INTO w VALUES (1, 'a', 10, 1.5, 0.5), (2, 'a', 20, 2.5, NULL), (3, 'a', 20, NULL, 1.5), (4, 'b', 5, 1, 2), (5, 'b', NULL, 3, 3), (6, 'b', 7, 3, -1), (7, 'c', 1, 0, 0), (8, 'a', 30, 4, 4)",
    "SELECT k, g, v, row_number() OVER (PARTITION BY g ORDER BY v, k), rank() OVER (PARTITION BY g ORDER BY v), dense_rank() OVER (PARTITION BY g ORDER BY v) FROM w ORDER BY k",
    "SELECT k, v, percent_rank() OVER (ORDER BY v), cume_dist() OVER (ORDER BY v), ntile(3) OVER (ORDER BY k) FROM w ORDER BY k",
    "SELECT k, v, sum(v) OVER (ORDER BY v), count(*) OVER (ORDER BY v), count(v) OVER (), avg(v) OVER (PARTITION BY g) FROM w ORDER BY k",
    "SELECT k, v, sum(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), min(v) OVER (ORDER BY k ROWS 2 PRECEDING), max(v) OVER (ORDER BY k ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM w ORDER BY k",
    "SELECT k, v, sum(k) OVER (ORDER BY v RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING), count(*) OVER (ORDER BY v DESC RANGE BETWEEN CURRENT ROW AND 10 FOLLOWING) FROM w ORDER BY k",
    "SELECT k, v, sum(k) OVER (ORDER BY v NULLS FIRST RANGE BETWEEN 10 PRECEDING AND CURRENT ROW), sum(k) OVER (ORDER BY n RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING) FROM w ORDER BY k",
    "SELECT k, v, sum(k) OVER (ORDER BY v GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING), sum(k) OVER (ORDER BY v ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING), sum(k) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM w ORDER BY k",
    "SELECT k, lag(v) OVER (ORDER BY k), lead(v, 2) OVER (ORDER BY k), lag(v, 1, -1) OVER (PARTITION BY g ORDER BY k), lead(g, 1, 'none') OVER (ORDER BY k) FROM w ORDER BY k",
    "SELECT k, first_value(v) OVER (PARTITION BY g ORDER BY k), last_value(v) OVER (PARTITION BY g ORDER BY k), last_value(k) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), nth_value(k, 2) OVER (ORDER BY k) FROM w ORDER BY k",
    "SELECT g, sum(v), rank() OVER (ORDER BY sum(v) DESC), sum(sum(v)) OVER () FROM w GROUP BY g ORDER BY g",
    "SELECT k, sum(f) OVER w, avg(n) OVER w, string_agg(g, ',') OVER w, bool_and(v > 5) OVER w FROM w WINDOW w AS (ORDER BY k) ORDER BY k",
    "SELECT k, count(*) FILTER (WHERE v > 10) OVER (ORDER BY k), sum(v) OVER (w ROWS UNBOUNDED PRECEDING) FROM w WINDOW w AS (PARTITION BY g ORDER BY k) ORDER BY k",
    "SELECT k, row_number() OVER (ORDER BY k DESC) AS rn FROM w ORDER BY rn LIMIT 3",
    "SELECT * FROM (SELECT k, g, rank() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST) AS r FROM w) s WHERE r = 1 ORDER BY g",
    "SELECT k, sum(v) OVER (PARTITION BY g) - v AS others FROM w ORDER BY k",
    "SELECT row_number() OVER () FROM (VALUES (1)) v(x)",
    "SELECT k FROM w WHERE row_number() OVER () > 1",
    "SELECT row_number() FROM w",
    "SELECT sum(DISTINCT v) OVER () FROM w",
    "SELECT sum(v) OVER nosuch FROM w",
    "SELECT lower(g) OVER () FROM w",
    "SELECT sum(row_number() OVER ()) OVER () FROM w",
    "SELECT sum(row_number() OVER ()) FROM w",
    "SELECT ntile(0) OVER () FROM w",
    "SELECT nth_value(k, 0) OVER () FROM w",
    "SELECT row_number() FILTER (WHERE true) OVER () FROM w",
    "SELECT g FROM w GROUP BY g HAVING rank() OVER (ORDER BY g) > 1",
    "SELECT count(*) FROM w GROUP BY row_number() OVER ()",
    "SELECT sum(k) OVER (ORDER BY k ROWS -1 PRECEDING) FROM w",
    "SELECT sum(k) OVER (ORDER BY k RANGE BETWEEN -1 PRECEDING AND CURRENT ROW) FROM w",
    "SELECT sum(k) OVER (ORDER BY k ROWS k PRECEDING) FROM w",
    "SELECT sum(k) OVER (ORDER BY g RANGE 1 PRECEDING) FROM w",
    "SELECT sum(k) OVER (ORDER BY k ROWS NULL PRECEDING) FROM w",
    "SELECT g, k, v FROM w WHERE g = 'a' ORDER BY sum(v) OVER (ORDER BY k) DESC",
    "SELECT variance(x), var_pop(x), stddev(x), stddev_pop(x), stddev_samp(x::float8), var_samp(x::float8), var_pop(x::float4) FROM (VALUES (1), (2), (4)) v(x)",
    "SELECT variance(x), stddev(x), stddev(x::numeric(10,3)), variance(x * 1.5), stddev_pop(x * 0.01) FROM (VALUES (1), (2), (4), (10)) v(x)",
    "SELECT variance(x), stddev(x), var_pop(x), stddev_pop(x::float8) FROM (VALUES (1)) v(x)",
    "SELECT g, variance(v), stddev(n), stddev(f) FROM w GROUP BY g ORDER BY g",
    "SELECT k, stddev(v) OVER (ORDER BY k ROWS 2 PRECEDING), var_pop(f) OVER (PARTITION BY g) FROM w ORDER BY k",
    "SELECT variance(DISTINCT v), count(DISTINCT g), string_agg(DISTINCT g, ',') FROM w",
    // bytea, uuid, interval, time.
    "CREATE TABLE ty (id int PRIMARY KEY, b bytea, u uuid, i interval, t time)",
    "INSERT INTO ty VALUES (1, '\\x00ff10', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '1 day 02:03:04', '10:30'), (2, 'ab\\\\c\\001', '{a0eebc999c0b4ef8bb6d6bb9bd380a12}', '1 year 2 mons -3 days', '23:59:59.5'), (3, NULL, NULL, '-1 day +01:00', NULL), (4, '', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a10', '36 hours', '00:00')",
    "SELECT * FROM ty ORDER BY id",
    "SELECT id FROM ty ORDER BY b, id",
    "SELECT id FROM ty ORDER BY u DESC NULLS LAST",
    "SELECT id, i FROM ty ORDER BY i",
    "SELECT id FROM ty WHERE i > '1 day' ORDER BY id",
    "SELECT u FROM ty WHERE u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
    "SELECT b FROM ty WHERE b = '\\x00ff10'::bytea",
    "SELECT interval '1 day' = interval '24 hours', interval '1 mon' > interval '29 days', interval '1.5 months', interval '2 hours 30 minutes ago', interval '0', interval 'P1Y2M3DT4H5M6.5S', interval '1 week 3 ms'",
    "SELECT interval '1 day' + interval '2 hours', interval '1 day' - interval '1 mon', - interval '1 day 02:00', interval '1 day' * 1.5, interval '1 mon' / 3, 2 * interval '1 hour 20 minutes'",
    "SELECT date '2020-01-31' + interval '1 month', timestamp '2020-01-31 10:00' - interval '1 mon 1 day 1 second', timestamptz '2020-02-29 00:00+00' + interval '1 year', interval '36 hours' + date '2020-01-01'",
    "SELECT timestamp '2020-03-01' - timestamp '2020-01-01 12:00', date '2020-03-01' - timestamp '2020-03-02', timestamp '2020-01-01' - '2019-12-31'",
    "SELECT time '10:00' + interval '15 hours', time '10:00' - time '12:30', date '2020-01-01' + time '10:00', time '23:59:59.999999', '12:34:56.789'::time - interval '1 min'",
    "SELECT '2020-01-01 12:34:56'::timestamp::time, '36 hours'::interval::text, '1 day'::interval::time",
    "SELECT i, count(*) FROM (VALUES (interval '1 day'), (interval '24 hours'), (interval '1 mon')) v(i) GROUP BY i ORDER BY i",
    "SELECT sum(x) FROM (VALUES (1)) v(x) WHERE interval '1 day' < '2 days'",
    "SELECT 'xyz'::uuid",
    "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'::uuid",
    "SELECT '\\xzz'::bytea",
    "SELECT '\\x0'::bytea",
    "SELECT 'ab\\'::bytea",
    "SELECT '1 fortnight'::interval",
    "SELECT '25:00'::time",
    "SELECT 'noon'::time",
    "SELECT interval '1 day' + 1",
    "SELECT u + 1 FROM ty",
    "DROP TABLE ty",
    // json / jsonb.
    "CREATE TABLE js (id int PRIMARY KEY, j json, jb jsonb)",
    "INSERT INTO js VALUES (1, '{\"b\":1,  \"a\": [1.50, 2e2, \"x\"]}', '{\"b\":1,  \"a\": [1.50, 2e2, \"x\"], \"b\": {\"z\": null}}'), (2, '[1, \"two\", null]', '[1, \"two\", null, true]'), (3, NULL, '\"str\"')",
    "SELECT * FROM js ORDER BY id",
    "SELECT id, j -> 'a', jb -> 'a', j ->> 'b', jb ->> 'b', jb -> 'b' ->> 'z', jb -> 'a' -> 1, jb -> 'a' ->> -1 FROM js ORDER BY id",
    "SELECT id, j -> 1, j ->> 1, jb -> 3, jb ->> 2, jb -> 9, j -> 'x' FROM js ORDER BY id",
    "SELECT id FROM js WHERE jb ->> 'b' = '1' OR jb -> 1 = '\"two\"'::jsonb ORDER BY id",
    "SELECT '{\"a\":1}'::jsonb = '{ \"a\" : 1 }'::jsonb, '[1,2]'::json::jsonb, '{\"a\": 1}'::jsonb::json, '{\"k\": \"v\"}'::json ->> 'k', '  {\"x\" :1}  '::json",
    "SELECT '{\"a\":1'::json",
    "SELECT '[1,]'::jsonb",
    "SELECT 'nul'::jsonb",
    "SELECT 1 -> 'a'",
    "SELECT '{\"a\": 1}'::jsonb -> 1.5",
    "DROP TABLE js",
    // Arrays (one dimension).
    "CREATE TABLE ar (id int PRIMARY KEY, a int[], t text[])",
    "INSERT INTO ar VALUES (1, '{1,2,3}', '{a,\"b c\",NULL,\"\"}'), (2, ARRAY[4, NULL], ARRAY['x', 'null', 'q\"uote']), (3, '{}', NULL), (4, NULL, '{\" sp \", ab}')",
    "SELECT * FROM ar ORDER BY id",
    "SELECT id, a[1], a[3], t[2], cardinality(a), array_length(t, 1) FROM ar ORDER BY id",
    "SELECT id FROM ar ORDER BY a, id",
    "SELECT ARRAY[1, 2.5], ARRAY['a', 'b'], ARRAY[true, NULL], ARRAY[date '2020-01-01'], '{1, 2 ,3 }'::int[], '{}'::text[], ARRAY[1,2] = '{1,2}'",
    "SELECT 2 = ANY(ARRAY[1, 2]), 3 = ANY('{1,2}'), 3 = ANY('{1,NULL}'::int[]), 1 <> ALL(ARRAY[2, 3]), 2 > ALL(ARRAY[1, NULL]), 5 < ANY(ARRAY[]::int[]), NULL::int = ANY(ARRAY[1])",
    "SELECT id FROM ar WHERE 2 = ANY(a) OR 'ab' = ANY(t) ORDER BY id",
    "SELECT array_agg(id), array_agg(t[1]) FROM ar",
    "SELECT (id % 2) AS k, array_agg(id) FROM ar GROUP BY 1 ORDER BY 1",
    "SELECT array_agg(x) FROM (VALUES (1)) v(x) WHERE false",
    "SELECT '{1,2'::int[]",
    "SELECT '{1,a}'::int[]",
    "SELECT ARRAY[1, 'x']",
    "DROP TABLE ar",
    // Foreign keys.
    "CREATE TABLE fp (id int PRIMARY KEY, code text UNIQUE)",
    "CREATE TABLE fc (id int PRIMARY KEY, pid int REFERENCES fp ON DELETE CASCADE ON UPDATE CASCADE, pcode text, CONSTRAINT fc_code FOREIGN KEY (pcode) REFERENCES fp (code) ON DELETE SET NULL)",
    "CREATE TABLE fr (id int PRIMARY KEY, pid int REFERENCES fp (id) ON DELETE RESTRICT)",
    "CREATE TABLE fn (id int PRIMARY KEY, cid int REFERENCES fc)",
    "INSERT INTO fp VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    "INSERT INTO fc VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, NULL), (13, NULL, 'c')",
    "INSERT INTO fc VALUES (14, 9, NULL)",
    "INSERT INTO fc VALUES (14, 1, 'zz')",
    "INSERT INTO fr VALUES (1, 3)",
    "INSERT INTO fn VALUES (1, 12)",
    "UPDATE fc SET pid = 7 WHERE id = 10",
    "UPDATE fp SET id = 5 WHERE id = 1",
    "SELECT * FROM fc ORDER BY id",
    "DELETE FROM fp WHERE id = 3",
    "DELETE FROM fp WHERE code = 'b'",
    "SELECT * FROM fc ORDER BY id",
    "DELETE FROM fp WHERE id = 2",
    "DELETE FROM fn",
    "DELETE FROM fp WHERE id = 2",
    "SELECT * FROM fc ORDER BY id",
    "TRUNCATE fp",
    "DROP TABLE fp",
    "CREATE TABLE fbad (x text REFERENCES fp)",
    "CREATE TABLE fbad (x int REFERENCES fp (code))",
    "CREATE TABLE fbad (x int REFERENCES nosuch)",
    "CREATE TABLE fself (id int PRIMARY KEY, parent int REFERENCES fself)",
    "INSERT INTO fself VALUES (1, NULL), (2, 1), (3, 3), (4, 5), (5, 4)",
    "DELETE FROM fself WHERE id = 1",
    "DELETE FROM fself",
    "ALTER TABLE fc DROP CONSTRAINT fc_code",
    "INSERT INTO fc VALUES (20, NULL, 'nope')",
    "DROP TABLE fself, fn, fr, fc, fp",
    "CREATE TABLE fa (id int PRIMARY KEY)",
    "CREATE TABLE fb (id int PRIMARY KEY, a int)",
    "INSERT INTO fa VALUES (1)",
    "INSERT INTO fb VALUES (1, 1), (2, 2)",
    "ALTER TABLE fb ADD CONSTRAINT fb_a FOREIGN KEY (a) REFERENCES fa (id)",
    "DELETE FROM fb WHERE id = 2",
    "ALTER TABLE fb ADD CONSTRAINT fb_a FOREIGN KEY (a) REFERENCES fa (id) ON DELETE CASCADE",
    "ALTER TABLE fa RENAME TO fa2",
    "DELETE FROM fa2",
    "SELECT count(*) FROM fb",
    "INSERT INTO fb VALUES (3, 1)",
    "DROP TABLE fb, fa2",
    // ALTER TABLE DROP COLUMN.
    "CREATE TABLE dc (id int PRIMARY KEY, a text, b int UNIQUE, c numeric CHECK (c > 0), d text DEFAULT 'dd')",
    "CREATE INDEX dc_a ON dc (a)",
    "INSERT INTO dc VALUES (1, 'x', 10, 1.5, 'p'), (2, 'y', 20, 2.5, DEFAULT)",
    "ALTER TABLE dc DROP COLUMN b",
    "SELECT * FROM dc ORDER BY id",
    "INSERT INTO dc VALUES (3, 'z', 3.5)",
    "INSERT INTO dc (id, a, c) VALUES (4, 'w', -1)",
    "ALTER TABLE dc DROP COLUMN c, DROP COLUMN a",
    "INSERT INTO dc (id, d) VALUES (4, 'q')",
    "UPDATE dc SET d = d || '!' WHERE id > 1",
    "ALTER TABLE dc ADD COLUMN b text DEFAULT 'new'",
    "SELECT * FROM dc ORDER BY id",
    "SELECT * FROM dc WHERE b = 'new' AND d = 'z!' ",
    "ALTER TABLE dc DROP COLUMN nosuch",
    "ALTER TABLE dc DROP COLUMN IF EXISTS nosuch",
    "DROP TABLE dc",
    // ALTER TABLE ADD/DROP CONSTRAINT UNIQUE and CHECK.
    "CREATE TABLE ua (id int PRIMARY KEY, v int, w int)",
    "INSERT INTO ua VALUES (1, 1, 5), (2, 1, -1)",
    "ALTER TABLE ua ADD CONSTRAINT ua_v UNIQUE (v)",
    "ALTER TABLE ua ADD CHECK (w > 0)",
    "ALTER TABLE ua ADD CONSTRAINT ua_w UNIQUE (w)",
    "INSERT INTO ua VALUES (3, 3, 5)",
    "ALTER TABLE ua ADD CONSTRAINT w_small CHECK (w < 100)",
    "INSERT INTO ua VALUES (4, 4, 500)",
    "ALTER TABLE ua ADD CONSTRAINT w_small CHECK (w < 10)",
    "CREATE TABLE ub (id int PRIMARY KEY, w int REFERENCES ua (w))",
    "ALTER TABLE ua DROP CONSTRAINT ua_w",
    "DROP TABLE ub",
    "ALTER TABLE ua DROP CONSTRAINT ua_w",
    "INSERT INTO ua VALUES (3, 3, 5)",
    "ALTER TABLE ua DROP CONSTRAINT w_small",
    "INSERT INTO ua VALUES (4, 4, 500)",
    "SELECT * FROM ua ORDER BY id",
    "DROP TABLE ua",
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) a(x, s) FULL JOIN (VALUES (2, 'B'), (3, 'C')) b(x, t) USING (x) ORDER BY x",
    "SELECT x, a.x, b.x, s, t FROM (VALUES (1, 'a'), (2, 'b')) a(x, s) RIGHT JOIN (VALUES (2, 'B'), (3, 'C')) b(x, t) USING (x) ORDER BY 1",
    "SELECT * FROM (VALUES (1, 'a', 10)) a(x, s, y) NATURAL JOIN (VALUES (1, 'a', 20), (1, 'z', 30)) b(x, s, z)",
    "SELECT * FROM (VALUES (1)) a(x) JOIN (VALUES (1)) b(x) USING (x) JOIN (VALUES (1, 5)) c(x, w) USING (x)",
    "SELECT a.*, x FROM (VALUES (1, 2)) a(x, y) LEFT JOIN (VALUES (3)) b(x) USING (x)",
    "SELECT x, count(*) FROM (VALUES (1), (2), (2)) a(x) FULL JOIN (VALUES (2), (4)) b(x) USING (x) GROUP BY x ORDER BY x",
    "SELECT * FROM (VALUES (1)) a(x) JOIN (VALUES (1)) b(y) USING (x)",
    "SELECT x, sum(x) OVER (ORDER BY x RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY x DESC RANGE BETWEEN 2 PRECEDING AND 0 FOLLOWING) FROM (VALUES (2147483647), (2147483646), (-2147483648)) v(x) ORDER BY x",
    "CREATE TABLE vt (a int, b int)",
    "INSERT INTO vt VALUES (1, 2)",
    "CREATE VIEW vv AS SELECT * FROM vt",
    "ALTER TABLE vt ADD COLUMN c int DEFAULT 3",
    "SELECT * FROM vv JOIN vt USING (a)",
    "DROP VIEW vv",
    "DROP TABLE vt",
    // RIGHT / FULL joins, LATERAL, WITH RECURSIVE, views.
    "SELECT a.x, b.y FROM (VALUES (1), (2), (3)) a(x) RIGHT JOIN (VALUES (2), (3), (4)) b(y) ON a.x = b.y ORDER BY b.y",
    "SELECT a.x, b.y FROM (VALUES (1), (2), (NULL)) a(x) FULL JOIN (VALUES (2), (4), (NULL)) b(y) ON a.x = b.y ORDER BY 1, 2",
    "SELECT a.x, b.y FROM (VALUES (1), (2)) a(x) FULL OUTER JOIN (VALUES (2), (3)) b(y) USING (x) ORDER BY 1",
    "SELECT * FROM (SELECT 1 AS x WHERE false) a RIGHT JOIN (VALUES (5)) b(y) ON true",
    "SELECT g, k, v FROM (SELECT DISTINCT g FROM w) gs, LATERAL (SELECT k, v FROM w WHERE w.g = gs.g ORDER BY v DESC NULLS LAST LIMIT 1) top ORDER BY g",
    "SELECT x, s FROM (VALUES (1), (2), (3)) a(x) LEFT JOIN LATERAL (SELECT sum(k) AS s FROM w WHERE k <= a.x AND a.x > 1) t ON true ORDER BY x",
    "SELECT x, y FROM (VALUES (1), (2)) a(x) CROSS JOIN LATERAL (SELECT x * 10 AS y UNION ALL SELECT x * 100) t ORDER BY 1, 2",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT (n % 3) + 1 FROM t) SELECT * FROM t ORDER BY n",
    "WITH RECURSIVE fib(a, b) AS (SELECT 0::numeric, 1::numeric UNION ALL SELECT b, a + b FROM fib WHERE a < 100) SELECT a FROM fib",
    "WITH RECURSIVE r AS (SELECT k, v, 1 AS depth FROM w WHERE k = 1 UNION ALL SELECT w.k, w.v, r.depth + 1 FROM w JOIN r ON w.k = r.k + 1 WHERE r.depth < 4) SELECT * FROM r ORDER BY k",
    "WITH RECURSIVE t AS (SELECT 1 AS n) SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT n FROM t) SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t, t t2) SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT 1.5 FROM t) SELECT * FROM t",
    "CREATE VIEW wv AS SELECT k, g, v * 2 AS v2 FROM w WHERE v IS NOT NULL",
    "SELECT * FROM wv ORDER BY k",
    "SELECT g, sum(v2) FROM wv GROUP BY g ORDER BY g",
    "SELECT x.k, d.v2 FROM wv x JOIN wv d ON d.k = x.k + 1 ORDER BY 1",
    "CREATE VIEW wv AS SELECT 1",
    "CREATE VIEW w AS SELECT 1",
    "CREATE TABLE wv (a int)",
    "CREATE OR REPLACE VIEW wv AS SELECT k, g FROM w",
    "CREATE OR REPLACE VIEW wv AS SELECT k, g, v * 2 AS v2, n FROM w WHERE k < 4",
    "SELECT * FROM wv ORDER BY k",
    "CREATE VIEW wv2 (a, b) AS SELECT k, g FROM wv WHERE k > 1",
    "SELECT a, b FROM wv2 ORDER BY a",
    "SELECT * FROM wv2 v (c) ORDER BY c",
    "CREATE VIEW wv3 AS SELECT * FROM nosuch",
    "DROP VIEW w",
    "DROP TABLE wv",
    "DROP VIEW nosuch",
    "DROP VIEW IF EXISTS nosuch",
    "DROP VIEW wv2, wv",
    "SELECT * FROM wv",
    // Numeric NaN/Infinity, transcendental functions, to_char/to_number (builtins).
    "SELECT 'NaN'::numeric, 'inf'::numeric, '-Infinity'::numeric, ' nan '::numeric = 'NaN', 'NaN'::numeric > 'Infinity'::numeric",
    "SELECT x FROM (VALUES ('1'::numeric), ('NaN'), ('-inf'), ('inf'), ('-2.5')) v(x) ORDER BY x",
    "SELECT 'inf'::numeric - 'inf'::numeric, 'inf'::numeric * 0, 1 / 'inf'::numeric, 'nan'::numeric / 0, 5 % 'inf'::numeric, div('-inf'::numeric, 3)",
    "SELECT 'inf'::numeric / 0",
    "SELECT 'NaN'::numeric::int4",
    "SELECT '-Infinity'::numeric::int8",
    "SELECT 'inf'::numeric::float8, 'nan'::float8::numeric, 'Infinity'::numeric::numeric(10,2)",
    "SELECT sqrt(4.2::numeric), ln(4.2::numeric), log(4.2::numeric), log(2::numeric, 4.2), exp(1.0::numeric), power(4.2::numeric, 4.2), 3.789 ^ 21, (-2)::numeric ^ -1",
    "SELECT ln(0::numeric)",
    "SELECT power(-2::numeric, 3.3)",
    "SELECT ln(2.0::float8), log(100::float8), exp(1::float8), sinh(1), atanh(0.5)",
    "SELECT scale(12.340), min_scale(12.340), trim_scale(12.340), div(17::numeric, 5), gcd(12, -18), lcm(4::int8, 6), factorial(10)",
    "SELECT width_bucket(5.35, 0.024, 10.06, 5), width_bucket(5.35::float8, 10.06, 0.024, 5), width_bucket(11, 0, 10, 5)",
    "SELECT 1.5::numeric(3,-1), 0.000123::numeric(3,5)",
    "SELECT to_char(-34338492.654878::numeric, '9G999G999G999D999'), to_char(123::numeric, 'FM999.99'), to_char(0.1, '9.9'), to_char(-5::numeric, '999PR'), to_char(12345::numeric, '999')",
    "SELECT to_char(456, 'FM999th'), to_char(123::int8, '0999'), to_char(-12.5::float8, 'S99.99'), to_char(1234.5::numeric, '9.999EEEE'), to_char('nan'::numeric, '9.99')",
    "SELECT to_number('-34,338,492.654,878', '99G999G999D999G999'), to_number('<564646.654564>', '999999.999999PR'), to_number('5.01-', 'FM9.999999MI'), to_number('$1,234.56', 'L99,999.99')",
    // String functions, regular expressions, LIKE ... ESCAPE, SIMILAR TO.
    "SELECT split_part('a,b,c', ',', 2), split_part('a,b,c', ',', -1), chr(65), ascii('x'), lpad('hi', 5, 'xy'), rpad('hi', 4), translate('12345', '143', 'ax'), initcap('hi THOMAS'), to_hex(-1), starts_with('alphabet', 'alph')",
    "SELECT split_part('a', ',', 0)",
    "SELECT format('Hello %s, %I, %L, %L', 'World', 'Ab', 'o''k', NULL), format('|%-5s|%5s|%2$s|', 'ab', 'cd'), format('%*s', 4, 'x'), concat_ws(',', 1, NULL, 'z')",
    "SELECT format('%s %s', 'x')",
    "SELECT quote_ident('foo bar'), quote_ident('select'), quote_literal('it''s'), quote_literal(E'a\\\\b'), quote_nullable(NULL)",
    "SELECT unistr('d\\0061t\\+000061'), parse_ident('\"SchemaX\".tableY'), md5('abc'), sha256('abc')",
    "SELECT parse_ident(' aaa . ')",
    "SELECT regexp_replace('1112223333', E'(\\\\d{3})(\\\\d{3})(\\\\d{4})', E'(\\\\1) \\\\2-\\\\3'), regexp_replace('AAA', 'a', 'z', 'gi'), regexp_replace('A PostgreSQL function', 'a|e|i|o|u', 'X', 1, 2, 'i')",
    "SELECT regexp_count('123123123123', '123', 3), regexp_instr('abcdefghi', 'd.f', 1, 1, 1), regexp_substr('1234567890', '(123)(4(56)(78))', 1, 1, 'i', 4), regexp_like('Steven', '^Ste(v|ph)en$'), regexp_split_to_array('the quick  brown', E'\\\\s+'), regexp_split_to_array('abc', '')",
    "SELECT regexp_replace('abc', 'b', 'x', '1')",
    "SELECT 'h%' LIKE 'h#%' ESCAPE '#', 'h%wkeye' LIKE 'h#%' ESCAPE '#', 'indio' NOT LIKE 'ind_o' ESCAPE '$', 'abcd%' SIMILAR TO '_bcd#%' ESCAPE '#', 'abc' NOT SIMILAR TO '(a|x)%', substring('abcdefg' from 'b(.*)f'), substring('abcdefg' from 'a#\"(b_d)#\"%' for '#')",
    "SELECT 'x' SIMILAR TO '%' ESCAPE '##'",
    "SELECT encode('\\x1234567890abcdef00', 'hex'), encode('abcd'::bytea, 'base64'), decode('YWJjZA==', 'base64'), encode('\\x00ff5c41'::bytea, 'escape'), get_bit('\\x1234'::bytea, 11), set_byte('\\x1234'::bytea, 1, 11), bit_count('\\x1234'::bytea), btrim('\\x00616200'::bytea, '\\x00'::bytea), substring('1234567890'::bytea from 4 for 3)",
    "SELECT get_byte('\\x1234'::bytea, 99)",
    "SELECT overlay('Txxxxas' placing 'hom' from 2 for 4), overlay('abcdef' placing 'XY' from 5), overlay('abcdef' placing 'X' from 3 for -1), overlay('\\x1234'::bytea placing '\\xff'::bytea from 2), '\\x6162'::bytea LIKE 'a%', '\\x612562'::bytea LIKE 'a#%b' ESCAPE '#'::bytea, '\\x00'::bytea NOT LIKE '_'",
    "SELECT overlay('abc' placing 'x' from 0)",
    "SELECT 12 & 10, 12 | 3, 12 # 10, 1 << 4, -16 >> 2, ~5, 5::int2 & 3::int2, 1::int8 << 40, (-1)::int2 << 15",
    "SELECT 1.5 & 2",
    "SELECT int4(3.5::float8), int2(-2.5), float8(2::int8), float4(1.5), int8('12'), numeric_inc(4.2)",
    "SELECT int4(99999999999::int8)",
    "SELECT float4send('5e-20'::float4), float8send('2.2250738585072014E-308'::float8), |/ 16, ||/ 8::float8, @ -5, @ -2.5::numeric, cbrt(64)",
    // CREATE / DROP SEQUENCE: option validation, nextval, dependencies of column defaults.
    "CREATE SEQUENCE sq_bad INCREMENT BY 0",
    "CREATE SEQUENCE sq_bad INCREMENT BY -1 MINVALUE 20",
    "CREATE SEQUENCE sq_bad INCREMENT BY 1 MAXVALUE -20",
    "CREATE SEQUENCE sq_bad INCREMENT BY -1 START 10",
    "CREATE SEQUENCE sq_bad INCREMENT BY 1 START -10",
    "CREATE SEQUENCE sq_bad AS smallint MAXVALUE 100000",
    "CREATE SEQUENCE sq_bad CACHE 0",
    "CREATE SEQUENCE sq1",
    "SELECT nextval('sq1'), nextval('sq1')",
    "CREATE SEQUENCE sq1",
    "CREATE SEQUENCE IF NOT EXISTS sq1",
    "CREATE TABLE sqt (a serial, b int DEFAULT nextval('sq1'))",
    "INSERT INTO sqt (a) VALUES (DEFAULT) RETURNING a, b",
    "DROP SEQUENCE sq1",
    "DROP SEQUENCE sqt_a_seq",
    "DROP SEQUENCE sqt",
    "DROP SEQUENCE sq_none",
    "DROP SEQUENCE IF EXISTS sq_none, sq1, sqt_a_seq CASCADE",
    "INSERT INTO sqt VALUES (7) RETURNING a, b",
    "SELECT nextval('sq1')",
    "DROP TABLE sqt",
    // Sequence options, ALTER SEQUENCE, setval/currval/lastval, the sequence relation.
    "CREATE SEQUENCE sq2 INCREMENT BY 4 MAXVALUE 36 MINVALUE 5 START 24 CYCLE",
    "SELECT nextval('sq2'), nextval('sq2'), nextval('sq2'), nextval('sq2'), nextval('sq2'), currval('sq2'), lastval()",
    // (log_cnt counts values reserved ahead; PostgreSQL's differs after a wrap.)
    "SELECT last_value, is_called FROM sq2",
    "SELECT setval('sq2', 100)",
    "SELECT setval('sq2', 6, false), nextval('sq2'), nextval('Sq2'::regclass)",
    "SELECT currval('sq2')",
    "SELECT lastval()",
    "ALTER SEQUENCE sq2 RESTART WITH -24 START WITH -24 INCREMENT BY -4 MINVALUE -36 MAXVALUE -5 NO CYCLE",
    "SELECT nextval('sq2'), nextval('sq2'), nextval('sq2'), nextval('sq2')",
    "SELECT nextval('sq2')",
    "ALTER SEQUENCE sq2 RESTART WITH 0",
    "ALTER SEQUENCE sq2 AS smallint",
    "SELECT last_value, is_called FROM sq2",
    "ALTER SEQUENCE IF EXISTS sq_none RESTART",
    "ALTER SEQUENCE sq_none RESTART",
    "CREATE SEQUENCE sq3 AS integer MAXVALUE 100000",
    "SELECT * FROM sq3",
    "ALTER SEQUENCE sq3 AS smallint",
    "ALTER SEQUENCE sq3 AS smallint MAXVALUE 20000",
    "SELECT setval('sq3', 20001)",
    "ALTER SEQUENCE sq3 RENAME TO sq4",
    "SELECT nextval('sq4')",
    "CREATE TABLE sqo (a int)",
    "CREATE SEQUENCE sq5 OWNED BY sqo.b",
    "CREATE SEQUENCE sq5 OWNED BY sqo.a",
    "DROP TABLE sqo",
    "SELECT nextval('sq5')",
    "DROP SEQUENCE sq2, sq4",
    "CREATE TABLE sqs (a smallserial, b serial)",
    "SELECT setval('sqs_a_seq', 32766), setval('sqs_b_seq', 2147483646)",
    "INSERT INTO sqs DEFAULT VALUES RETURNING a, b",
    "INSERT INTO sqs DEFAULT VALUES RETURNING a, b",
    "SELECT last_value, is_called FROM sqs_b_seq",
    "SELECT schemaname, sequencename, data_type, start_value, min_value, max_value, increment_by, cycle, cache_size, last_value FROM pg_sequences WHERE sequencename LIKE 'sqs%' ORDER BY 2",
    "SELECT sequence_schema, sequence_name, data_type, numeric_precision, numeric_precision_radix, numeric_scale, start_value, minimum_value, maximum_value, increment, cycle_option FROM information_schema.sequences WHERE sequence_name LIKE 'sqs%' ORDER BY 2",
    "DROP TABLE sqs",
    "SELECT nextval('sqs_a_seq')",
    // Declarative partitioning: routing, bounds, row movement, tableoid.
    "CREATE TABLE pt (a int, b text, c int, PRIMARY KEY (a, b)) PARTITION BY RANGE (a)",
    "CREATE TABLE pt_lo PARTITION OF pt FOR VALUES FROM (MINVALUE) TO (10)",
    "CREATE TABLE pt_hi PARTITION OF pt FOR VALUES FROM (10) TO (100) PARTITION BY LIST (b)",
    "CREATE TABLE pt_hi_x PARTITION OF pt_hi FOR VALUES IN ('x', NULL)",
    "CREATE TABLE pt_hi_def PARTITION OF pt_hi DEFAULT",
    "CREATE TABLE pt_bad PARTITION OF pt FOR VALUES FROM (5) TO (20)",
    "CREATE TABLE pt_bad PARTITION OF pt FOR VALUES FROM (200) TO (150)",
    "CREATE TABLE pt_bad PARTITION OF pt FOR VALUES IN (1)",
    "CREATE TABLE pt_bad (a int, b int, PRIMARY KEY (b)) PARTITION BY RANGE (a)",
    "INSERT INTO pt VALUES (1, 'a', 1), (10, 'x', 2), (50, 'y', 3), (-4, 'b', 4)",
    "INSERT INTO pt VALUES (100, 'q', 0)",
    "INSERT INTO pt_lo VALUES (20, 'z', 0)",
    "INSERT INTO pt_hi_x VALUES (20, 'z', 0)",
    "INSERT INTO pt VALUES (1, 'a', 9)",
    "SELECT tableoid::regclass, * FROM pt ORDER BY a",
    "SELECT count(*), sum(c) FROM pt WHERE a >= 10",
    "UPDATE pt SET a = a + 40 WHERE b = 'a' RETURNING *",
    "UPDATE pt SET a = 500 WHERE b = 'x'",
    "UPDATE pt_lo SET a = 60",
    "SELECT tableoid::regclass, a, b FROM pt ORDER BY a",
    "DELETE FROM pt WHERE c > 2 RETURNING a, b",
    "TRUNCATE pt",
    "SELECT count(*) FROM pt",
    "DROP TABLE pt",
    "SELECT * FROM pt_lo",
    // oid and name types, operator functions, degree trigonometry, regexp SRFs.
    "CREATE TABLE oidt (o oid, n name)",
    "INSERT INTO oidt VALUES ('1234', 'abc'), ('-1040', repeat('x', 70)), ('  15 ', 'b')",
    "INSERT INTO oidt VALUES ('5 d', 'c')",
    "INSERT INTO oidt VALUES ('4294967296', 'c')",
    "SELECT o, n, length(n) FROM oidt WHERE o > 100 ORDER BY o",
    "SELECT o FROM oidt WHERE o = 1234 OR n = repeat('x', 80) ORDER BY o",
    "SELECT o::int4, o::int8, o::text FROM oidt ORDER BY o",
    "SELECT (-1)::int4::oid, (-1)::int8::oid",
    "SELECT 1::oid + 1",
    "SELECT 1::oid = 1.5",
    "SELECT n FROM oidt WHERE n ~ '^[ab]' ORDER BY n",
    "SELECT name 'ab' = name 'ab ', 'ab'::name || 'c', 'abc'::name::char(2)",
    "DROP TABLE oidt",
    "SELECT booleq(true, false), boolne(true, false), int4lt(1, 2), texteq('a', 'a'), text_lt('a', 'b')",
    "SELECT * FROM (VALUES (1)) AS f(a, b)",
    "SELECT * FROM (TABLE dept) AS d ORDER BY 1",
    "SELECT d.id FROM dept d WHERE dept.id = 1",
    "SELECT -('-9223372036854775808'::int8)",
    "SELECT 123abc",
    "SELECT 0.0e+a",
    "SELECT 'nan'::float8 / 0, float4send('7038531e-32'::float4), power(float8 '-1', float8 'NaN'), atanh(float8 'nan')",
    "SELECT power(float8 '-inf', float8 '3.5')",
    "SELECT sind(30), cosd(60), tand(45), cotd(45), asind(0.5), acosd(-1), atand(1), atan2d(1, -1), sind(250)",
    "SELECT SUBSTRING('abcdefg' SIMILAR 'a#\"(b_d)#\"%' ESCAPE '#')",
    "SELECT regexp_matches('foobarbequebazilbarfbonk', '(b[^b]+)(b[^b]+)', 'g')",
    "SELECT foo, length(foo) FROM regexp_split_to_table('the quick  brown', '\\s+') AS foo",
    "SELECT regexp_split_to_table('a,b', ',', 'g')",
    "SET bytea_output TO escape; SELECT '\\xDeAdBeEf'::bytea, 'a\\\\b'::bytea, trim('\\x00'::bytea FROM '\\x00546f6d00'::bytea), trim(LEADING '\\x00'::bytea FROM '\\x00546f6d00'::bytea), trim(TRAILING '\\x00'::bytea FROM '\\x00546f6d00'::bytea)",
    "SET bytea_output TO nope",
    "SELECT 'a'::\"char\", '\\101'::\"char\", '\\377'::\"char\"::text, ''::text::\"char\", 65::\"char\", '\\377'::\"char\"::int, 'a'::\"char\" < 'b'",
    "SELECT 200::\"char\"",
    "SELECT regexp_matches('foobarbequebaz', '(barbeque')",
    "SELECT regexp_matches('foobarbequebaz', '(bar)(beque){2,1}')",
    "SELECT SUBSTRING('abcdefg' SIMILAR 'a*#\"%#\"g*' ESCAPE '#')",
    "SELECT concat(variadic array[1,2,3]), concat_ws(',', variadic array[1,2,3]), concat_ws(',', variadic NULL::int[]) IS NULL, concat(variadic '{}'::int[]) = '', format('%2$s, %1$s', variadic array['a', 'b']), format('Hello', variadic NULL::int[])",
    "SELECT concat_ws(',', variadic 10)",
    "SELECT to_date('20100309', 'YYYYMMDD'), to_date('2010-3-9', 'YYYY-MM-DD'), to_date('99 12 31', 'YY MM DD')",
    "SELECT to_date('20101309', 'YYYYMMDD')",
    // DELETE ... USING: each target row joined to the first matching USING row.
    "CREATE TABLE du_a (id int PRIMARY KEY, v int)",
    "CREATE TABLE du_b (id int, tag text)",
    "INSERT INTO du_a VALUES (1, 10), (2, 20), (3, 30), (4, 40)",
    "INSERT INTO du_b VALUES (2, 'x'), (2, 'y'), (3, 'z')",
    "DELETE FROM du_a USING du_b WHERE du_a.id = du_b.id AND du_b.tag = 'z' RETURNING du_a.*, du_b.tag",
    "DELETE FROM du_a a USING du_b b WHERE a.id = b.id",
    "SELECT * FROM du_a ORDER BY id",
    "DELETE FROM du_a USING (VALUES (4)) v(k) WHERE du_a.id = v.k RETURNING *",
    "DELETE FROM du_a USING du_a WHERE true",
    "DELETE FROM du_a USING du_b WHERE count(*) > 0",
    "DROP TABLE du_a",
    "DROP TABLE du_b",
    // User-defined functions and triggers (routine/, plpgsql/).
    "CREATE TABLE pgd_f (id int PRIMARY KEY, v text, n int DEFAULT 0)",
    "CREATE FUNCTION pgd_add(a int, b int DEFAULT 10) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$",
    "SELECT pgd_add(1, 2) AS x, pgd_add(5) AS y, pgd_add(b => 1, a => 2) AS z",
    "SELECT pgd_add(1.5, 2)",
    "SELECT pgd_nosuch(1, 'a')",
    "CREATE FUNCTION pgd_add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT 0'",
    "CREATE OR REPLACE FUNCTION pgd_add(a int, b int) RETURNS text LANGUAGE sql AS 'SELECT 0'",
    "CREATE FUNCTION pgd_add(a text, b text) RETURNS text LANGUAGE sql AS 'SELECT $1 || $2'",
    "SELECT pgd_add('x'::text, 'y') AS s",
    "DROP FUNCTION pgd_add",
    "DROP FUNCTION pgd_add(int)",
    "DROP FUNCTION IF EXISTS pgd_add(int)",
    "DROP FUNCTION pgd_add(text, text)",
    "INSERT INTO pgd_f VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    "CREATE FUNCTION pgd_rows(lo int) RETURNS TABLE(id int, v text) LANGUAGE sql AS 'SELECT id, v FROM pgd_f WHERE id >= lo ORDER BY id'",
    "SELECT * FROM pgd_rows(2)",
    "CREATE FUNCTION pgd_setof(lo int) RETURNS SETOF pgd_f LANGUAGE sql AS 'SELECT * FROM pgd_f WHERE id >= lo ORDER BY id'",
    "SELECT v, id FROM pgd_setof(3)",
    "CREATE FUNCTION pgd_loop(n int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE s int := 1; BEGIN FOR i IN 1..n LOOP CONTINUE WHEN i % 2 = 0; s := s + i; END LOOP; WHILE s < 50 LOOP s := s * 3; END LOOP; RETURN s; END $$",
    "SELECT pgd_loop(5) AS a, pgd_loop(1) AS b",
    "CREATE FUNCTION pgd_div(a int, b int) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN (a / b)::text; EXCEPTION WHEN division_by_zero THEN RETURN 'div: ' || SQLERRM; END $$",
    "SELECT pgd_div(7, 2) AS a, pgd_div(1, 0) AS b",
    "CREATE FUNCTION pgd_strict(k int) RETURNS text LANGUAGE plpgsql AS $$ DECLARE r text; BEGIN SELECT v INTO STRICT r FROM pgd_f WHERE id > k; RETURN r; END $$",
    "SELECT pgd_strict(2) AS a",
    "SELECT pgd_strict(0)",
    "SELECT pgd_strict(5)",
    "DO $$ BEGIN RAISE EXCEPTION 'pgd % failed', 42 USING ERRCODE = '22012'; END $$",
    "DO $$ BEGIN UPDATE pgd_f SET n = n + 1; IF NOT FOUND THEN RAISE EXCEPTION 'none'; END IF; END $$",
    "SELECT id, n FROM pgd_f ORDER BY id",
    "CREATE FUNCTION pgd_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.v = 'skip' THEN RETURN NULL; END IF; NEW.v := upper(NEW.v) || TG_OP; NEW.n := coalesce(OLD.n, 100) + 1; RETURN NEW; END $$",
    "CREATE TRIGGER pgd_t BEFORE INSERT OR UPDATE ON pgd_f FOR EACH ROW EXECUTE FUNCTION pgd_trg()",
    "INSERT INTO pgd_f VALUES (4, 'd'), (5, 'skip') RETURNING *",
    "UPDATE pgd_f SET v = 'e' WHERE id = 1 RETURNING *",
    "SELECT * FROM pgd_f ORDER BY id",
    "CREATE TRIGGER pgd_t BEFORE INSERT ON pgd_f FOR EACH ROW EXECUTE FUNCTION pgd_trg()",
    "DROP FUNCTION pgd_trg()",
    "SELECT pgd_trg()",
    "DROP TRIGGER pgd_nosuch ON pgd_f",
    "DROP TRIGGER pgd_t ON pgd_f",
    "DROP FUNCTION pgd_trg(), pgd_rows(int), pgd_setof(int), pgd_loop(int), pgd_div(int, int), pgd_strict(int)",
    "DROP TABLE pgd_f",
    // Savepoints (one simple-query string per statement: the last result is compared).
    "CREATE TABLE sp (id int PRIMARY KEY, v text)",
    "BEGIN; INSERT INTO sp VALUES (1, 'a'); SAVEPOINT s1; INSERT INTO sp VALUES (2, 'b'); ROLLBACK TO SAVEPOINT s1; INSERT INTO sp VALUES (3, 'c'); SELECT * FROM sp ORDER BY id",
    "BEGIN; INSERT INTO sp VALUES (1, 'a'); SAVEPOINT s1; UPDATE sp SET v = 'z'; SAVEPOINT s2; DELETE FROM sp; ROLLBACK TO s1; SELECT * FROM sp ORDER BY id",
    "BEGIN; SAVEPOINT s1; INSERT INTO sp VALUES (7, 'x'); RELEASE SAVEPOINT s1; SELECT * FROM sp",
    "BEGIN; SAVEPOINT s1; RELEASE s1; ROLLBACK TO s1",
    "SAVEPOINT s1",
    "RELEASE SAVEPOINT s1",
    "DROP TABLE sp",
    "DROP TABLE w",
    "DROP TABLE c3",
    "DROP TABLE emp",
    "DROP TABLE emp",
    "DROP TABLE IF EXISTS emp",
    // User-defined enums and array operators (user_types.rs, array_ops.rs).
    "CREATE TYPE pgd_mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE TABLE pgd_p (id int PRIMARY KEY, m pgd_mood, tags text[])",
    "INSERT INTO pgd_p VALUES (1, 'happy', '{a,b}'), (2, 'sad', '{b}'), (3, 'ok', NULL), (4, NULL, '{}')",
    "INSERT INTO pgd_p VALUES (5, 'angry', NULL)",
    "SELECT id, m FROM pgd_p ORDER BY m, id",
    "SELECT id FROM pgd_p WHERE m >= 'ok' ORDER BY id",
    "ALTER TYPE pgd_mood ADD VALUE 'meh' BEFORE 'ok'",
    "ALTER TYPE pgd_mood ADD VALUE 'ok'",
    "SELECT enum_range(NULL::pgd_mood) AS r, enum_first(NULL::pgd_mood) AS f, enum_last(NULL::pgd_mood) AS l",
    "SELECT enumlabel, enumsortorder FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'pgd_mood' ORDER BY enumsortorder",
    "SELECT 'x'::pgd_mood",
    "DROP TYPE pgd_mood",
    "SELECT id, tags || 'z'::text AS t, tags[1:1] AS s, array_length(tags, 1) AS n FROM pgd_p ORDER BY id",
    "SELECT id FROM pgd_p WHERE tags @> '{b}' ORDER BY id",
    "SELECT id FROM pgd_p WHERE tags && ARRAY['a', 'q'] ORDER BY id",
    "SELECT tags FROM pgd_p ORDER BY tags NULLS FIRST",
    "SELECT ARRAY[1,2] || ARRAY[3] AS a, 0 || ARRAY[1] AS b, ARRAY[1,2] || 3::bigint AS c, array_cat(NULL, ARRAY[1]) AS d",
    "SELECT ARRAY[1,2] || 'x'::text",
    "SELECT array_position(ARRAY[1,2,1], 1, 2) AS p, array_positions(ARRAY[1,2,1], 1) AS ps, array_remove(ARRAY[1,2,1], 1) AS r, array_replace(ARRAY[1,2], 2, 5) AS rp",
    "SELECT array_dims(ARRAY[1,2,3]) AS d, array_lower(ARRAY[1], 1) AS l, array_upper(ARRAY[1,2], 1) AS u, trim_array(ARRAY[1,2,3], 1) AS t",
    "UPDATE pgd_p SET tags[2] = 'q' WHERE id = 1 RETURNING tags",
    "UPDATE pgd_p SET tags[1:2] = '{x}' WHERE id = 1",
    "DROP TABLE pgd_p",
    "DROP TYPE pgd_mood",
    "CREATE DOMAIN pgd_pos AS int NOT NULL CHECK (VALUE > 0)",
    "CREATE DOMAIN pgd_arr AS int[] CHECK (VALUE[1] > 0)",
    "CREATE TABLE pgd_d (a pgd_pos, b pgd_arr)",
    "INSERT INTO pgd_d VALUES (1, '{1}')",
    "INSERT INTO pgd_d VALUES (0, '{1}')",
    "INSERT INTO pgd_d VALUES (NULL, '{1}')",
    "INSERT INTO pgd_d (a, b[1], b[2]) VALUES (2, 0, 5)",
    "INSERT INTO pgd_d (a, b[1], b[2]) VALUES (2, 4, 5)",
    "INSERT INTO pgd_d (a, b[1], b[2]) VALUES (2, 4, default)",
    "UPDATE pgd_d SET a = a - 1",
    "SELECT (-3)::pgd_pos",
    "SELECT a, b FROM pgd_d ORDER BY a",
    "DROP DOMAIN pgd_pos",
    "DROP TABLE pgd_d",
    "DROP DOMAIN pgd_pos",
    "DROP DOMAIN pgd_arr",
    // Privileges (privileges.rs, acl.rs, roles.rs).
    "CREATE TABLE pgd_acl (a int)",
    "CREATE ROLE pgd_r1",
    "GRANT SELECT, INSERT ON pgd_acl TO pgd_r1; GRANT UPDATE ON pgd_acl TO PUBLIC; SELECT relacl FROM pg_class WHERE relname = 'pgd_acl'",
    "SET ROLE pgd_r1; SELECT * FROM pgd_acl; UPDATE pgd_acl SET a = 1 WHERE a = 2",
    "SET ROLE pgd_r1; DELETE FROM pgd_acl",
    "SET ROLE pgd_r1; SELECT current_setting('role') AS r, current_user, session_user",
    "SET ROLE pgd_r1; DROP TABLE pgd_acl",
    "SET ROLE pgd_r1; CREATE TABLE pgd_acl2 (a int)",
    "SELECT has_table_privilege('pgd_r1', 'pgd_acl', 'INSERT') AS i, has_table_privilege('pgd_r1', 'pgd_acl', 'DELETE') AS d, pg_has_role('pgd_r1', 'pgd_r1', 'MEMBER') AS m",
    "GRANT USAGE ON pgd_acl TO pgd_r1",
    "GRANT SELECT ON pgd_acl TO PUBLIC WITH GRANT OPTION",
    "REVOKE ALL ON pgd_acl FROM pgd_r1; SELECT relacl FROM pg_class WHERE relname = 'pgd_acl'",
    "SELECT nspacl FROM pg_namespace WHERE nspname = 'public'",
    "REVOKE UPDATE ON pgd_acl FROM PUBLIC; DROP TABLE pgd_acl; DROP ROLE pgd_r1",
    // Schemas, search_path and temporary tables.
    "CREATE SCHEMA pgd_s",
    "CREATE SCHEMA pgd_s",
    "CREATE SCHEMA pg_nope",
    "CREATE TABLE pgd_s.items (id serial PRIMARY KEY, label text UNIQUE)",
    "CREATE TABLE pgd_items (id int)",
    "INSERT INTO pgd_s.items (label) VALUES ('a'), ('b'); INSERT INTO pgd_items VALUES (42)",
    "SELECT id, label FROM pgd_s.items ORDER BY id",
    "SELECT pgd_s.items.label, items.id FROM pgd_s.items ORDER BY 2",
    "SELECT * FROM pgd_nosuch.items",
    "SELECT * FROM pgd_s.nosuch",
    "CREATE TABLE pgd_nosuch.t (a int)",
    "DROP TABLE pgd_nosuch.t",
    "INSERT INTO pgd_s.items (label) VALUES ('a')",
    "SET search_path TO pgd_s, public; SELECT label FROM items ORDER BY 1; SELECT id FROM pgd_items",
    "SET search_path TO pgd_s, public; SELECT current_schema(), current_schemas(false), current_schemas(true)",
    "SET search_path TO pgd_s; CREATE TABLE pgd_made (a int); SELECT table_schema FROM information_schema.tables WHERE table_name = 'pgd_made'",
    "SET search_path TO pgd_nosuch; SELECT current_schema(); CREATE TABLE pgd_x (a int)",
    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgd%'",
    "SELECT schema_name, schema_owner FROM information_schema.schemata WHERE schema_name LIKE 'pgd%'",
    "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pgd_s' ORDER BY 1",
    "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema = 'pgd_s' ORDER BY 2, 3",
    "SELECT 'pgd_s.items'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'items')",
    "SELECT nextval('pgd_s.items_id_seq')",
    "CREATE TEMP TABLE pgd_items (t text); INSERT INTO pgd_items VALUES ('temp'); SELECT * FROM pgd_items; SELECT * FROM public.pgd_items",
    "SELECT * FROM pgd_items",
    "CREATE TEMP TABLE pgd_d (a int) ON COMMIT DELETE ROWS; INSERT INTO pgd_d VALUES (1); SELECT count(*) FROM pgd_d",
    "CREATE TABLE pgd_p (a int) ON COMMIT DELETE ROWS",
    "DROP SCHEMA pgd_s",
    "DROP SCHEMA pgd_nosuch",
    "ALTER SCHEMA pgd_s RENAME TO pgd_s2",
    "SELECT label FROM pgd_s2.items ORDER BY 1",
    "DROP SCHEMA pgd_s2 CASCADE",
    "SELECT * FROM pgd_s2.items",
    "DROP TABLE pgd_items",
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
        let results = session.execute_simple(stmt).await;
        // psql 15 prints every result of a multi-statement string, or only the error.
        let got = if results.iter().any(|r| r.is_err()) {
            results.into_iter().last().map(render).unwrap_or_default()
        } else {
            results
                .into_iter()
                .map(render)
                .collect::<Vec<_>>()
                .join("\n")
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
