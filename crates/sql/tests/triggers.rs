//! Triggers through the SQL interface: the `updated_at` BEFORE UPDATE
//! pattern, an audit log written by an AFTER trigger, BEFORE triggers that
//! change or skip rows, statement triggers, WHEN and UPDATE OF, TG_*
//! variables and arguments, ENABLE/DISABLE, DROP rules, pg_trigger.

mod support;

use borealis_sql::Session;
use support::{check, memory_engine};

async fn session() -> Session {
    memory_engine().await.session()
}

#[tokio::test]
async fn updated_at_trigger() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE items (id int PRIMARY KEY, name text, updated_at timestamp)", "CREATE TABLE"),
            (
                "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
                 BEGIN
                   NEW.updated_at = '2030-01-02 03:04:05';
                   RETURN NEW;
                 END;
                 $$ LANGUAGE plpgsql",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER items_updated_at BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION set_updated_at()",
                "CREATE TRIGGER",
            ),
            ("INSERT INTO items VALUES (1, 'a', NULL), (2, 'b', NULL)", "INSERT 0 2"),
            ("UPDATE items SET name = 'c' WHERE id = 2 RETURNING id, updated_at", "2|2030-01-02 03:04:05"),
            ("SELECT id, name, updated_at FROM items ORDER BY id", "1|a|NULL\n2|c|2030-01-02 03:04:05"),
            ("SELECT tgname, tgtype, tgenabled FROM pg_trigger", "items_updated_at|19|O"),
            (
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger",
                "CREATE TRIGGER items_updated_at BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION set_updated_at()",
            ),
            ("CREATE TRIGGER items_updated_at BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION set_updated_at()", "ERROR 42710: trigger \"items_updated_at\" for relation \"items\" already exists"),
            ("DROP FUNCTION set_updated_at()", "ERROR 2BP01: cannot drop function set_updated_at() because other objects depend on it"),
            ("ALTER TABLE items DISABLE TRIGGER items_updated_at", "ALTER TABLE"),
            ("UPDATE items SET updated_at = NULL WHERE id = 2", "UPDATE 1"),
            ("SELECT updated_at FROM items WHERE id = 2", "NULL"),
            ("ALTER TABLE items ENABLE TRIGGER ALL", "ALTER TABLE"),
            ("DROP TRIGGER items_updated_at ON items", "DROP TRIGGER"),
            ("DROP TRIGGER items_updated_at ON items", "ERROR 42704: trigger \"items_updated_at\" for table \"items\" does not exist"),
            ("DROP TRIGGER IF EXISTS items_updated_at ON items", "DROP TRIGGER"),
            ("DROP FUNCTION set_updated_at()", "DROP FUNCTION"),
        ],
    )
    .await;
}

#[tokio::test]
async fn audit_log_trigger() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)", "CREATE TABLE"),
            ("CREATE TABLE audit (seq serial PRIMARY KEY, op text, tab text, old_balance int, new_balance int, note text)", "CREATE TABLE"),
            (
                "CREATE FUNCTION audit_fn() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF TG_OP = 'DELETE' THEN
                     INSERT INTO audit (op, tab, old_balance, note) VALUES (TG_OP, TG_TABLE_NAME, OLD.balance, TG_ARGV[0]);
                     RETURN OLD;
                   ELSIF TG_OP = 'UPDATE' THEN
                     INSERT INTO audit (op, tab, old_balance, new_balance, note) VALUES (TG_OP, TG_TABLE_NAME, OLD.balance, NEW.balance, TG_WHEN || ' ' || TG_LEVEL);
                   ELSE
                     INSERT INTO audit (op, tab, new_balance, note) VALUES (TG_OP, TG_TABLE_NAME, NEW.balance, TG_NARGS::text);
                   END IF;
                   RETURN NEW;
                 END $$",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER accounts_audit AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH ROW EXECUTE PROCEDURE audit_fn('gone')",
                "CREATE TRIGGER",
            ),
            ("INSERT INTO accounts VALUES (1, 100), (2, 50)", "INSERT 0 2"),
            ("UPDATE accounts SET balance = balance + 1", "UPDATE 2"),
            ("DELETE FROM accounts WHERE id = 2", "DELETE 1"),
            (
                "SELECT seq, op, tab, old_balance, new_balance, note FROM audit ORDER BY seq",
                "1|INSERT|accounts|NULL|100|1\n2|INSERT|accounts|NULL|50|1\n3|UPDATE|accounts|100|101|AFTER ROW\n4|UPDATE|accounts|50|51|AFTER ROW\n5|DELETE|accounts|51|NULL|gone",
            ),
            // A failing statement leaves no audit rows.
            ("UPDATE accounts SET balance = NULL", "ERROR 23502: null value in column \"balance\" of relation \"accounts\" violates not-null constraint"),
            ("SELECT count(*) FROM audit", "5"),
            // Rolled back with the transaction.
            ("BEGIN", "BEGIN"),
            ("INSERT INTO accounts VALUES (3, 1)", "INSERT 0 1"),
            ("SELECT count(*) FROM audit", "6"),
            ("ROLLBACK", "ROLLBACK"),
            ("SELECT count(*) FROM audit", "5"),
        ],
    )
    .await;
}

#[tokio::test]
async fn before_triggers_change_and_skip_rows() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY, b text)", "CREATE TABLE"),
            ("CREATE TABLE log (msg text)", "CREATE TABLE"),
            (
                "CREATE FUNCTION guard() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF NEW.a < 0 THEN RETURN NULL; END IF;
                   NEW.b := upper(NEW.b);
                   RETURN NEW;
                 END $$",
                "CREATE FUNCTION",
            ),
            ("CREATE TRIGGER b_guard BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION guard()", "CREATE TRIGGER"),
            (
                "CREATE FUNCTION suffix() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN NEW.b := NEW.b || '!'; RETURN NEW; END $$",
                "CREATE FUNCTION",
            ),
            // Fired in name order: b_guard, then c_suffix.
            ("CREATE TRIGGER c_suffix BEFORE INSERT ON t FOR EACH ROW WHEN (NEW.a > 1) EXECUTE FUNCTION suffix()", "CREATE TRIGGER"),
            ("INSERT INTO t VALUES (1, 'x'), (-1, 'skipped'), (2, 'y') RETURNING a, b", "1|X\n2|Y!"),
            ("SELECT a, b FROM t ORDER BY a", "1|X\n2|Y!"),
            (
                "CREATE FUNCTION no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF OLD.a = 1 THEN RETURN NULL; END IF; RETURN OLD; END $$",
                "CREATE FUNCTION",
            ),
            ("CREATE TRIGGER keep_one BEFORE DELETE ON t FOR EACH ROW EXECUTE FUNCTION no_delete()", "CREATE TRIGGER"),
            ("DELETE FROM t", "DELETE 1"),
            ("SELECT a FROM t", "1"),
            (
                "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN INSERT INTO log VALUES (TG_WHEN || ' ' || TG_OP || ' ' || TG_LEVEL); RETURN NULL; END $$",
                "CREATE FUNCTION",
            ),
            ("CREATE TRIGGER s1 BEFORE UPDATE OR TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER s2 AFTER UPDATE OF b ON t EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER r1 AFTER UPDATE OF b ON t FOR EACH ROW EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("UPDATE t SET a = a WHERE false", "UPDATE 0"),
            ("UPDATE t SET a = a", "UPDATE 1"),
            ("UPDATE t SET b = 'z'", "UPDATE 1"),
            ("TRUNCATE t", "TRUNCATE TABLE"),
            (
                "SELECT msg FROM log",
                "BEFORE UPDATE STATEMENT\nAFTER UPDATE STATEMENT\nBEFORE UPDATE STATEMENT\nAFTER UPDATE STATEMENT\nBEFORE UPDATE STATEMENT\nAFTER UPDATE ROW\nAFTER UPDATE STATEMENT\nBEFORE TRUNCATE STATEMENT",
            ),
            ("CREATE TRIGGER bad BEFORE TRUNCATE ON t FOR EACH ROW EXECUTE FUNCTION note()", "ERROR 0A000: TRUNCATE FOR EACH ROW triggers are not supported"),
            ("CREATE TRIGGER bad BEFORE INSERT ON nosuch FOR EACH ROW EXECUTE FUNCTION note()", "ERROR 42P01: relation \"nosuch\" does not exist"),
            ("CREATE TRIGGER bad BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION nosuch()", "ERROR 42883: function nosuch() does not exist"),
            ("CREATE FUNCTION not_trig() RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE FUNCTION"),
            ("CREATE TRIGGER bad BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION not_trig()", "ERROR 42P17: function not_trig must return type trigger"),
            ("SELECT note()", "ERROR 0A000: trigger functions can only be called as triggers"),
            ("DROP FUNCTION note() CASCADE", "DROP FUNCTION"),
            ("SELECT count(*) FROM pg_trigger", "3"),
        ],
    )
    .await;
}

#[tokio::test]
async fn triggers_on_partitions_fire_for_leaf_rows() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            (
                "CREATE TABLE m (k int, v text) PARTITION BY RANGE (k)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10)",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20)",
                "CREATE TABLE",
            ),
            (
                "CREATE FUNCTION tag() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN NEW.v := TG_TABLE_NAME; RETURN NEW; END $$",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER tag BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION tag()",
                "CREATE TRIGGER",
            ),
            ("INSERT INTO m VALUES (1, ''), (15, '')", "INSERT 0 2"),
            ("SELECT k, v FROM m ORDER BY k", "1|m1\n15|m2"),
        ],
    )
    .await;
}

#[tokio::test]
async fn joined_update_and_delete_fire_row_triggers() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY, b int)", "CREATE TABLE"),
            ("CREATE TABLE log (msg text)", "CREATE TABLE"),
            (
                "INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)",
                "INSERT 0 3",
            ),
            (
                "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF TG_OP = 'DELETE' THEN
                     INSERT INTO log VALUES (TG_OP || ' ' || OLD.a);
                     RETURN OLD;
                   END IF;
                   INSERT INTO log VALUES (TG_OP || ' ' || OLD.b || '->' || NEW.b);
                   RETURN NEW;
                 END $$",
                "CREATE FUNCTION",
            ),
            (
                "CREATE TRIGGER r AFTER UPDATE OR DELETE ON t FOR EACH ROW EXECUTE FUNCTION note()",
                "CREATE TRIGGER",
            ),
            (
                "UPDATE t SET b = t.b + v.d FROM (VALUES (1, 5), (3, 7)) v(k, d) WHERE t.a = v.k",
                "UPDATE 2",
            ),
            (
                "DELETE FROM t USING (VALUES (2)) v(k) WHERE t.a = v.k",
                "DELETE 1",
            ),
            (
                "SELECT msg FROM log ORDER BY msg",
                "DELETE 2\nUPDATE 10->15\nUPDATE 30->37",
            ),
        ],
    )
    .await;
}
