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

/// A trigger function that logs each firing (`seq` keeps the order).
const NOTE_FN: &str = "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF TG_LEVEL = 'ROW' THEN
        INSERT INTO log (msg) VALUES (TG_WHEN || ' ' || TG_OP || ' ' || TG_LEVEL || ' ' || coalesce(NEW.b, '-'));
      ELSE
        INSERT INTO log (msg) VALUES (TG_WHEN || ' ' || TG_OP || ' ' || TG_LEVEL);
      END IF;
      IF TG_WHEN = 'BEFORE' AND TG_LEVEL = 'ROW' THEN RETURN NEW; END IF;
      RETURN NULL;
    END $$";

/// Table `t` with BEFORE/AFTER INSERT/UPDATE row and statement triggers
/// that log to `log`.
async fn logged_table(s: &mut Session) {
    check(
        s,
        &[
            ("CREATE TABLE t (a int PRIMARY KEY, b text)", "CREATE TABLE"),
            ("CREATE TABLE log (seq serial, msg text)", "CREATE TABLE"),
            (NOTE_FN, "CREATE FUNCTION"),
            ("CREATE TRIGGER bi BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER ai AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER bu BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER au AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER s_b BEFORE INSERT OR UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION note()", "CREATE TRIGGER"),
            ("CREATE TRIGGER s_a AFTER INSERT OR UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION note()", "CREATE TRIGGER"),
        ],
    )
    .await;
}

#[tokio::test]
async fn updated_at_trigger_fires_on_upsert_update_path() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE items (id int PRIMARY KEY, name text, updated_at timestamp)", "CREATE TABLE"),
            (
                "CREATE FUNCTION set_updated_at() RETURNS trigger AS $$
                 BEGIN NEW.updated_at = '2030-01-02 03:04:05'; RETURN NEW; END;
                 $$ LANGUAGE plpgsql",
                "CREATE FUNCTION",
            ),
            ("CREATE TRIGGER items_updated_at BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION set_updated_at()", "CREATE TRIGGER"),
            // Inserted: no UPDATE trigger.
            ("INSERT INTO items VALUES (1, 'a', NULL) ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id, name, updated_at", "1|a|NULL"),
            // Conflict: the update path fires BEFORE UPDATE.
            ("INSERT INTO items VALUES (1, 'b', NULL) ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id, name, updated_at", "1|b|2030-01-02 03:04:05"),
            ("INSERT INTO items VALUES (1, 'c', NULL) ON CONFLICT (id) DO NOTHING", "INSERT 0 0"),
            ("SELECT id, name, updated_at FROM items", "1|b|2030-01-02 03:04:05"),
        ],
    )
    .await;
}

#[tokio::test]
async fn upsert_trigger_order_for_do_nothing_and_do_update() {
    let mut s = session().await;
    logged_table(&mut s).await;
    check(
        &mut s,
        &[
            ("INSERT INTO t VALUES (1, 'x')", "INSERT 0 1"),
            ("DELETE FROM log", "DELETE 4"),
            // DO NOTHING: BEFORE INSERT for every proposed row, nothing else
            // for the skipped one, no UPDATE statement triggers.
            ("INSERT INTO t VALUES (1, 'y'), (2, 'z') ON CONFLICT (a) DO NOTHING", "INSERT 0 1"),
            (
                "SELECT msg FROM log ORDER BY seq",
                "BEFORE INSERT STATEMENT\nBEFORE INSERT ROW y\nBEFORE INSERT ROW z\nAFTER INSERT ROW z\nAFTER INSERT STATEMENT",
            ),
            ("DELETE FROM log", "DELETE 5"),
            // DO UPDATE: INSERT and UPDATE statement triggers; the conflicting
            // row gets BEFORE INSERT, BEFORE UPDATE and AFTER UPDATE.
            ("INSERT INTO t VALUES (1, 'p'), (3, 'q') ON CONFLICT (a) DO UPDATE SET b = excluded.b || '+'", "INSERT 0 2"),
            (
                "SELECT msg FROM log ORDER BY seq",
                "BEFORE INSERT STATEMENT\nBEFORE UPDATE STATEMENT\nBEFORE INSERT ROW p\nBEFORE UPDATE ROW p+\nBEFORE INSERT ROW q\nAFTER UPDATE ROW p+\nAFTER INSERT ROW q\nAFTER UPDATE STATEMENT\nAFTER INSERT STATEMENT",
            ),
            ("SELECT a, b FROM t ORDER BY a", "1|p+\n2|z\n3|q"),
            // A BEFORE UPDATE trigger returning NULL skips the update.
            ("CREATE FUNCTION veto() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$", "CREATE FUNCTION"),
            ("CREATE TRIGGER bv BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION veto()", "CREATE TRIGGER"),
            ("INSERT INTO t VALUES (1, 'v') ON CONFLICT (a) DO UPDATE SET b = 'v' RETURNING a", ""),
            ("SELECT b FROM t WHERE a = 1", "p+"),
        ],
    )
    .await;
}

#[tokio::test]
async fn copy_from_fires_insert_triggers() {
    let mut s = session().await;
    logged_table(&mut s).await;
    assert!(s.copy("COPY t FROM STDIN").await.expect("a COPY").is_ok());
    s.copy_in_data(b"10\tc1\n").await.expect("first row");
    s.copy_in_data(b"11\tc2\n").await.expect("second row");
    let done = s.copy_in_done().await.expect("COPY done");
    assert_eq!(done.tag(), "COPY 2");
    check(
        &mut s,
        &[
            (
                "SELECT msg FROM log ORDER BY seq",
                "BEFORE INSERT STATEMENT\nBEFORE INSERT ROW c1\nBEFORE INSERT ROW c2\nAFTER INSERT ROW c1\nAFTER INSERT ROW c2\nAFTER INSERT STATEMENT",
            ),
            ("SELECT a, b FROM t ORDER BY a", "10|c1\n11|c2"),
            ("DELETE FROM log", "DELETE 6"),
            // A BEFORE trigger that skips a row leaves it out of the count.
            (
                "CREATE FUNCTION skip_odd() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF NEW.a % 2 = 1 THEN RETURN NULL; END IF; NEW.b := upper(NEW.b); RETURN NEW; END $$",
                "CREATE FUNCTION",
            ),
            ("CREATE TRIGGER a_skip BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION skip_odd()", "CREATE TRIGGER"),
        ],
    )
    .await;
    assert!(s.copy("COPY t FROM STDIN").await.expect("a COPY").is_ok());
    s.copy_in_data(b"12\tm\n13\tn\n").await.expect("rows");
    let done = s.copy_in_done().await.expect("COPY done");
    assert_eq!(done.tag(), "COPY 1");
    check(
        &mut s,
        &[
            ("SELECT a, b FROM t WHERE a > 11 ORDER BY a", "12|M"),
            (
                "SELECT msg FROM log ORDER BY seq",
                "BEFORE INSERT STATEMENT\nBEFORE INSERT ROW M\nAFTER INSERT ROW M\nAFTER INSERT STATEMENT",
            ),
        ],
    )
    .await;
}

/// What psql's `\d` needs to list triggers: pg_class.relhastriggers and
/// pg_partition_ancestors (the relation, then its partition parents).
#[tokio::test]
async fn relhastriggers_and_partition_ancestors() {
    let mut s = session().await;
    check(
        &mut s,
        &[
            ("CREATE TABLE pt (a int, b text) PARTITION BY RANGE (a)", "CREATE TABLE"),
            ("CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (a)", "CREATE TABLE"),
            ("CREATE TABLE pt11 PARTITION OF pt1 FOR VALUES FROM (0) TO (10)", "CREATE TABLE"),
            ("CREATE TABLE plain (a int)", "CREATE TABLE"),
            ("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "CREATE FUNCTION"),
            ("CREATE TRIGGER touch BEFORE INSERT ON plain FOR EACH ROW EXECUTE FUNCTION touch()", "CREATE TRIGGER"),
            (
                "SELECT relname, relhastriggers FROM pg_class WHERE relname IN ('plain', 'pt', 'pt1') ORDER BY 1",
                "plain|t\npt|f\npt1|f",
            ),
            (
                "SELECT a.relid::regclass, a.depth FROM pg_partition_ancestors('pt11'::regclass) WITH ORDINALITY AS a(relid, depth)",
                "pt11|1\npt1|2\npt|3",
            ),
            ("SELECT relid::regclass FROM pg_partition_ancestors('pt')", "pt"),
            ("SELECT count(*) FROM pg_partition_ancestors('plain')", "0"),
            ("SELECT count(*) FROM pg_partition_ancestors(0)", "0"),
            (
                "SELECT (SELECT a.relid::regclass FROM pg_partition_ancestors(c.oid) WITH ORDINALITY AS a(relid, depth) ORDER BY a.depth DESC LIMIT 1) FROM pg_class c WHERE c.relname = 'pt11'",
                "pt",
            ),
        ],
    )
    .await;
}
