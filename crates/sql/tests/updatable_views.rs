//! Writes through views: automatically updatable views (INSERT, UPDATE,
//! DELETE rewritten onto the base table, the view's WHERE merged in,
//! RETURNING in view terms, view and base defaults), WITH CHECK OPTION,
//! and PostgreSQL's errors for views and columns that are not updatable.
//! Expected outputs are PostgreSQL 15's.

mod support;

use borealis_sql::Session;
use support::{check, memory_engine};

async fn session() -> Session {
    memory_engine().await.session()
}

#[tokio::test]
async fn insert_update_delete_through_a_view() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            (
                "CREATE TABLE base (a int PRIMARY KEY, b text DEFAULT 'bd', c int)",
                "CREATE TABLE",
            ),
            (
                "CREATE VIEW rw AS SELECT a AS id, b, c * 2 AS c2 FROM base WHERE a > 0",
                "CREATE VIEW",
            ),
            (
                "INSERT INTO rw (id, b) VALUES (1, 'x'), (2, DEFAULT) RETURNING *",
                "1|x|NULL\n2|bd|NULL",
            ),
            (
                "INSERT INTO rw VALUES (3, 'y') RETURNING id, c2, id + 1",
                "3|NULL|4",
            ),
            (
                "UPDATE rw SET b = 'u' WHERE id >= 2 RETURNING *",
                "2|u|NULL\n3|u|NULL",
            ),
            ("INSERT INTO base VALUES (-1, 'neg', 0)", "INSERT 0 1"),
            // The view's WHERE keeps row -1 out of reach.
            ("UPDATE rw SET b = 'all'", "UPDATE 3"),
            ("DELETE FROM rw WHERE id = 3 RETURNING rw.*", "3|all|NULL"),
            ("DELETE FROM rw WHERE id < 0", "DELETE 0"),
            (
                "UPDATE rw AS r SET b = r.b || '!' WHERE r.id = 1 RETURNING r.b",
                "all!",
            ),
            (
                "SELECT * FROM base ORDER BY a",
                "-1|neg|0\n1|all!|NULL\n2|all|NULL",
            ),
            // A view over a view.
            (
                "CREATE VIEW rw2 AS SELECT id AS k, b FROM rw WHERE b LIKE 'all%'",
                "CREATE VIEW",
            ),
            (
                "UPDATE rw2 SET b = 'deep' WHERE k = 2 RETURNING k, b",
                "2|deep",
            ),
            ("INSERT INTO rw2 VALUES (7, 'seven') RETURNING *", "7|seven"),
            (
                "SELECT a, b FROM base ORDER BY a",
                "-1|neg\n1|all!\n2|deep\n7|seven",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn views_and_columns_that_are_not_updatable() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            (
                "CREATE TABLE base (a int PRIMARY KEY, b text)",
                "CREATE TABLE",
            ),
            (
                "CREATE VIEW rw AS SELECT a, b, a * 2 AS a2 FROM base",
                "CREATE VIEW",
            ),
            (
                "INSERT INTO rw (a, a2) VALUES (4, 5)",
                "ERROR 0A000: cannot insert into column \"a2\" of view \"rw\"",
            ),
            (
                "UPDATE rw SET a2 = 1",
                "ERROR 0A000: cannot update column \"a2\" of view \"rw\"",
            ),
            (
                "INSERT INTO rw VALUES (1, 'x', DEFAULT)",
                "ERROR 0A000: cannot insert into column \"a2\" of view \"rw\"",
            ),
            ("INSERT INTO rw VALUES (1, 'x') RETURNING a2", "2"),
            (
                "UPDATE rw SET nope = 1",
                "ERROR 42703: column \"nope\" of relation \"rw\" does not exist",
            ),
            (
                "CREATE VIEW agg AS SELECT count(*) FROM base",
                "CREATE VIEW",
            ),
            (
                "INSERT INTO agg VALUES (1)",
                "ERROR 55000: cannot insert into view \"agg\"",
            ),
            (
                "UPDATE agg SET count = 1",
                "ERROR 55000: cannot update view \"agg\"",
            ),
            (
                "DELETE FROM agg",
                "ERROR 55000: cannot delete from view \"agg\"",
            ),
            (
                "CREATE VIEW ro AS SELECT a + 1 AS x FROM base",
                "CREATE VIEW",
            ),
            (
                "INSERT INTO ro VALUES (1)",
                "ERROR 55000: cannot insert into view \"ro\"",
            ),
            ("DELETE FROM ro WHERE x = 2 RETURNING *", "2"),
            (
                "CREATE VIEW uv AS SELECT a FROM base UNION SELECT a FROM base",
                "CREATE VIEW",
            ),
            (
                "DELETE FROM uv",
                "ERROR 55000: cannot delete from view \"uv\"",
            ),
            (
                "CREATE VIEW ckx AS SELECT DISTINCT a FROM base WITH CHECK OPTION",
                "ERROR 0A000: WITH CHECK OPTION is supported only on automatically updatable views",
            ),
        ],
    )
    .await;
    let r = s.execute_simple("DELETE FROM uv").await;
    let e = r[0].as_ref().expect_err("a UNION view is not updatable");
    assert_eq!(
        e.detail.as_deref(),
        Some("Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.")
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional ON DELETE DO INSTEAD rule.")
    );
}

#[tokio::test]
async fn check_option_local_and_cascaded() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE base (a int PRIMARY KEY, b text, c int)", "CREATE TABLE"),
            ("CREATE VIEW ck AS SELECT * FROM base WHERE c > 10 WITH CHECK OPTION", "CREATE VIEW"),
            ("INSERT INTO ck VALUES (10, 'ok', 11)", "INSERT 0 1"),
            ("INSERT INTO ck VALUES (11, 'bad', 5)", "ERROR 44000: new row violates check option for view \"ck\""),
            ("UPDATE ck SET c = 1", "ERROR 44000: new row violates check option for view \"ck\""),
            ("CREATE VIEW ck2 AS SELECT * FROM ck WHERE c < 100 WITH LOCAL CHECK OPTION", "CREATE VIEW"),
            ("INSERT INTO ck2 VALUES (12, 'big', 200)", "ERROR 44000: new row violates check option for view \"ck2\""),
            ("INSERT INTO ck2 VALUES (13, 'small', 5)", "ERROR 44000: new row violates check option for view \"ck\""),
            // No option of its own: only the underlying view's applies.
            ("CREATE VIEW nock AS SELECT * FROM ck WHERE c < 100", "CREATE VIEW"),
            ("INSERT INTO nock VALUES (14, 'big', 500)", "INSERT 0 1"),
            ("CREATE VIEW plain AS SELECT * FROM base WHERE c < 50", "CREATE VIEW"),
            ("CREATE VIEW loc AS SELECT * FROM plain WHERE c > 0 WITH LOCAL CHECK OPTION", "CREATE VIEW"),
            ("CREATE VIEW cas AS SELECT * FROM plain WHERE c > 0 WITH CASCADED CHECK OPTION", "CREATE VIEW"),
            ("INSERT INTO loc VALUES (20, 'x', 60)", "INSERT 0 1"),
            ("INSERT INTO cas VALUES (21, 'x', 60)", "ERROR 44000: new row violates check option for view \"plain\""),
            ("CREATE VIEW sb WITH (security_barrier = true) AS SELECT a, b FROM base WHERE a < 5 WITH CASCADED CHECK OPTION", "CREATE VIEW"),
            ("INSERT INTO sb VALUES (30, 'x')", "ERROR 44000: new row violates check option for view \"sb\""),
            ("ALTER VIEW plain SET (check_option = local)", "ALTER VIEW"),
            ("UPDATE plain SET c = 70 WHERE a = 10", "ERROR 44000: new row violates check option for view \"plain\""),
            ("SELECT a, c FROM base ORDER BY a", "10|11\n14|500\n20|60"),
        ],
    )
    .await;
    let r = s
        .execute_simple("INSERT INTO ck VALUES (11, 'bad', 5)")
        .await;
    let e = r[0].as_ref().expect_err("the check option fails");
    assert_eq!(
        e.detail.as_deref(),
        Some("Failing row contains (11, bad, 5).")
    );
}

#[tokio::test]
async fn view_defaults_and_information_schema() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE base (a int PRIMARY KEY, b text DEFAULT 'bd', c int)", "CREATE TABLE"),
            ("CREATE VIEW rw AS SELECT a AS id, b, c FROM base WHERE a > 0", "CREATE VIEW"),
            ("ALTER VIEW rw ALTER COLUMN c SET DEFAULT 42", "ALTER VIEW"),
            ("ALTER VIEW rw ALTER COLUMN b SET DEFAULT 'vd'", "ALTER VIEW"),
            ("INSERT INTO rw (id) VALUES (1) RETURNING *", "1|vd|42"),
            ("INSERT INTO rw VALUES (2, DEFAULT, DEFAULT) RETURNING *", "2|vd|42"),
            ("INSERT INTO base (a) VALUES (3) RETURNING *", "3|bd|NULL"),
            ("ALTER VIEW rw ALTER COLUMN b DROP DEFAULT", "ALTER VIEW"),
            ("INSERT INTO rw (id) VALUES (4) RETURNING *", "4|bd|42"),
            ("INSERT INTO rw (id, b) SELECT a + 100, 'sel' FROM base WHERE a < 2 RETURNING *", "101|sel|42"),
            ("ALTER VIEW rw ALTER COLUMN nope SET DEFAULT 1", "ERROR 42703: column \"nope\" of relation \"rw\" does not exist"),
            ("CREATE VIEW ro AS SELECT a + 1 AS x FROM base", "CREATE VIEW"),
            (
                "SELECT table_name, is_insertable_into FROM information_schema.tables WHERE table_name IN ('rw', 'ro', 'base') ORDER BY 1",
                "base|YES\nro|NO\nrw|YES",
            ),
            (
                "SELECT table_name, column_name, is_updatable FROM information_schema.columns WHERE table_name IN ('rw', 'ro') ORDER BY 1, 2",
                "ro|x|NO\nrw|b|YES\nrw|c|YES\nrw|id|YES",
            ),
            ("ALTER VIEW rw RENAME TO rw_renamed", "ALTER VIEW"),
            ("SELECT count(*) FROM rw_renamed", "5"),
        ],
    )
    .await;
}

#[tokio::test]
async fn instead_of_triggers_on_a_view() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE main_table (id int PRIMARY KEY, val text)", "CREATE TABLE"),
            ("CREATE TABLE audit (op text, info text)", "CREATE TABLE"),
            (
                "CREATE VIEW mv AS SELECT m.id, upper(m.val) AS uval, count(*) OVER () AS n FROM main_table m",
                "CREATE VIEW",
            ),
            (
                "CREATE FUNCTION mv_trig() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF TG_OP = 'INSERT' THEN
                     INSERT INTO main_table VALUES (NEW.id, lower(NEW.uval));
                     INSERT INTO audit VALUES (TG_OP, TG_TABLE_NAME || ' ' || TG_WHEN || ' ' || TG_LEVEL || ' ' || NEW.id);
                     IF NEW.id = 99 THEN RETURN NULL; END IF;
                     NEW.n = 7;
                     RETURN NEW;
                   ELSIF TG_OP = 'UPDATE' THEN
                     UPDATE main_table SET id = NEW.id, val = lower(NEW.uval) WHERE id = OLD.id;
                     INSERT INTO audit VALUES (TG_OP, OLD.id || '->' || NEW.id);
                     RETURN NEW;
                   ELSE
                     DELETE FROM main_table WHERE id = OLD.id;
                     INSERT INTO audit VALUES (TG_OP, OLD.id::text);
                     IF OLD.id = 2 THEN RETURN NULL; END IF;
                     RETURN OLD;
                   END IF;
                 END $$",
                "CREATE FUNCTION",
            ),
            ("INSERT INTO mv VALUES (1, 'A')", "ERROR 55000: cannot insert into view \"mv\""),
            (
                "CREATE TRIGGER mv_io INSTEAD OF INSERT OR UPDATE OR DELETE ON mv FOR EACH ROW EXECUTE FUNCTION mv_trig()",
                "CREATE TRIGGER",
            ),
            // RETURNING sees the row the trigger returned; NULL skips the row.
            ("INSERT INTO mv VALUES (1, 'A'), (2, 'B') RETURNING *", "1|A|7\n2|B|7"),
            ("INSERT INTO mv (id) VALUES (99)", "INSERT 0 0"),
            ("INSERT INTO mv (uval, id) VALUES ('C', 3)", "INSERT 0 1"),
            ("UPDATE mv SET uval = 'ZZ' WHERE id >= 2 AND id < 50 RETURNING id, uval, n", "2|ZZ|4\n3|ZZ|4"),
            ("UPDATE mv SET id = id + 10 WHERE id = 1", "UPDATE 1"),
            ("DELETE FROM mv WHERE id IN (2, 3) RETURNING *", "3|ZZ|4"),
            ("SELECT * FROM main_table ORDER BY id", "11|a\n99|NULL"),
            (
                "SELECT * FROM audit",
                "INSERT|mv INSTEAD OF ROW 1\nINSERT|mv INSTEAD OF ROW 2\nINSERT|mv INSTEAD OF ROW 99\n\
                 INSERT|mv INSTEAD OF ROW 3\nUPDATE|2->2\nUPDATE|3->3\nUPDATE|1->11\nDELETE|2\nDELETE|3",
            ),
            (
                "CREATE TRIGGER bad BEFORE INSERT ON mv FOR EACH ROW EXECUTE FUNCTION mv_trig()",
                "ERROR 42809: \"mv\" is a view",
            ),
            (
                "CREATE TRIGGER bad INSTEAD OF INSERT ON mv EXECUTE FUNCTION mv_trig()",
                "ERROR 0A000: INSTEAD OF triggers must be FOR EACH ROW",
            ),
            (
                "CREATE TRIGGER bad INSTEAD OF INSERT ON main_table FOR EACH ROW EXECUTE FUNCTION mv_trig()",
                "ERROR 42809: \"main_table\" is a table",
            ),
            ("DROP TRIGGER mv_io ON mv", "DROP TRIGGER"),
            ("DELETE FROM mv", "ERROR 55000: cannot delete from view \"mv\""),
        ],
    )
    .await;
}
