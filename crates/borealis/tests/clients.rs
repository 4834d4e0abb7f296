//! Real clients against `borealis up`: psql's `\d` family (output compared
//! with what PostgreSQL 15 prints for the same schema) and Python drivers
//! (psycopg 3, asyncpg, SQLAlchemy) over TLS with SCRAM: DDL, parameterized
//! DML, a transaction, several types, an error with its SQLSTATE,
//! SQLAlchemy's create_all and reflection (columns, foreign keys, checks;
//! not yet primary keys, unique constraints and indexes, whose queries call
//! unnest() in the select list). A missing client fails the test with a
//! message (`.ci/run` installs them).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{free_address, TempDir, UpCluster, PASSWORD};

/// psql with its default aligned output (what a user sees).
fn psql_aligned(cluster: &UpCluster, cmd: &str) -> String {
    let out = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require connect_timeout=5",
            cluster.port
        ))
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-c", cmd])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Expected outputs: PostgreSQL 15's for the same schema, except the CHECK
/// expression (PostgreSQL prints its deparsed form `bal >= 0::numeric`).
const DT: &str = "        List of relations
 Schema | Name | Type  |  Owner   
--------+------+-------+----------
 public | acct | table | postgres
 public | t2   | table | postgres
(2 rows)

";

const D: &str = "             List of relations
 Schema |    Name     |   Type   |  Owner   
--------+-------------+----------+----------
 public | acct        | table    | postgres
 public | acct_id_seq | sequence | postgres
 public | t2          | table    | postgres
(3 rows)

";

const D_ACCT: &str = "                                   Table \"public.acct\"
 Column |         Type          | Collation | Nullable |             Default              
--------+-----------------------+-----------+----------+----------------------------------
 id     | integer               |           | not null | nextval('acct_id_seq'::regclass)
 name   | character varying(40) |           | not null | 
 bal    | numeric(10,2)         |           |          | 0
 note   | text                  |           |          | 
Indexes:
    \"acct_pkey\" PRIMARY KEY, btree (id)
    \"acct_name\" btree (name)
Check constraints:
    \"acct_bal_check\" CHECK (bal >= 0)

";

const D_T2: &str = "                 Table \"public.t2\"
 Column |  Type   | Collation | Nullable | Default 
--------+---------+-----------+----------+---------
 a      | integer |           |          | 
 b      | text    |           |          | 
Indexes:
    \"t2_b_key\" UNIQUE CONSTRAINT, btree (b)
Triggers:
    t2_touch BEFORE UPDATE ON t2 FOR EACH ROW EXECUTE FUNCTION t2_touch()

";

const DI: &str = "               List of relations
 Schema |   Name    | Type  |  Owner   | Table 
--------+-----------+-------+----------+-------
 public | acct_name | index | postgres | acct
 public | acct_pkey | index | postgres | acct
 public | t2_b_key  | index | postgres | t2
(3 rows)

";

const DN: &str = "      List of schemas
  Name  |       Owner       
--------+-------------------
 public | pg_database_owner
(1 row)

";

const DN_APP: &str = "      List of schemas
  Name  |       Owner       
--------+-------------------
 app    | postgres
 public | pg_database_owner
(2 rows)

";

const DT_APP: &str = "         List of relations
 Schema | Name  | Type  |  Owner   
--------+-------+-------+----------
 app    | items | table | postgres
(1 row)

";

const DU: &str = "                                   List of roles
 Role name |                         Attributes                         | Member of 
-----------+------------------------------------------------------------+-----------
 postgres  | Superuser, Create role, Create DB, Replication, Bypass RLS | {}

";

#[test]
fn psql_describe_commands_print_what_postgres_prints() {
    let dir = TempDir::new("clients-psql");
    let cluster = UpCluster::up(&dir.0.join("data"), free_address().port());
    cluster.psql_script(
        "create table acct (id serial primary key, name varchar(40) not null, \
         bal numeric(10,2) default 0, note text, check (bal >= 0));\n\
         create index acct_name on acct(name);\n\
         create table t2 (a int, b text unique);\n\
         create function t2_touch() returns trigger language plpgsql as $$ begin return new; end $$;\n\
         create trigger t2_touch before update on t2 for each row execute function t2_touch();\n",
    );
    for (cmd, want) in [
        ("\\dt", DT),
        ("\\d", D),
        ("\\d acct", D_ACCT),
        ("\\d t2", D_T2),
        ("\\di", DI),
        ("\\dn", DN),
        ("\\du", DU),
    ] {
        assert_eq!(psql_aligned(&cluster, cmd), want, "psql {cmd}");
    }
    // \l: one database (no template databases), UTF8, C locale.
    let l = psql_aligned(&cluster, "\\l");
    assert!(
        l.contains(" postgres | postgres | UTF8     | C       | C     |"),
        "{l}"
    );
    // The catalog queries drivers use directly.
    assert_eq!(
        cluster.psql(
            "select table_name, column_name, data_type, is_nullable from information_schema.columns \
             where table_name = 't2' order by ordinal_position"
        ),
        "t2|a|integer|YES\nt2|b|text|YES"
    );
    assert_eq!(
        cluster.psql(
            "select 'acct'::regclass::oid = c.oid, format_type(a.atttypid, a.atttypmod) \
                      from pg_class c join pg_attribute a on a.attrelid = c.oid \
                      where c.relname = 'acct' and a.attname = 'bal'"
        ),
        "t|numeric(10,2)"
    );
    // Schemas: \dn, \dt schema.*, and unqualified names through search_path.
    cluster.psql_script(
        "create schema app;\n\
         create table app.items (id int primary key, label text);\n",
    );
    assert_eq!(psql_aligned(&cluster, "\\dn"), DN_APP, "psql \\dn");
    assert_eq!(
        psql_aligned(&cluster, "\\dt app.*"),
        DT_APP,
        "psql \\dt app.*"
    );
    assert_eq!(
        cluster.psql_script(
            "set search_path to app, public;\n\
             insert into items values (1, 'x');\n\
             select current_schema(), label from items;\n\
             create temp table items (label text);\n\
             select count(*) from items;\n"
        ),
        "app|x\n0"
    );
    // SET LOCAL outside a transaction block: PostgreSQL's WARNING, no effect.
    let out = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require connect_timeout=5",
            cluster.port
        ))
        .args(["-X", "-At", "-c", "set local work_mem = '1MB'", "-c", "show work_mem"])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("run psql");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "SET\n4MB\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "WARNING:  SET LOCAL can only be used in transaction blocks\n"
    );
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs tests/clients.py for one client with a time bound; its output.
fn run_python(port: u16, which: &str) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients.py");
    let mut child = Command::new("python3")
        .args([script, &port.to_string(), which])
        .env("PGPASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait python").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("python client {which} timed out");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("python output");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "python client {which} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn python_clients_connect_write_read_and_report_errors() {
    for module in ["psycopg", "asyncpg", "sqlalchemy"] {
        assert!(
            python_has(module),
            "python module {module} is not installed: pip install 'psycopg[binary]' asyncpg sqlalchemy (.ci/run does this)"
        );
    }
    let dir = TempDir::new("clients-py");
    let cluster = UpCluster::up(&dir.0.join("data"), free_address().port());
    for which in ["psycopg", "asyncpg", "sqlalchemy"] {
        let out = run_python(cluster.port, which);
        match which {
            "psycopg" => {
                assert!(out.contains("psycopg rows [(1, 'apple', Decimal('1.50'), datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), True), (2, 'pear', None, None, False)]"), "{out}");
                assert!(out.contains("psycopg sqlstate 23505"), "{out}");
            }
            "asyncpg" => {
                assert!(out.contains("asyncpg rows [(1, 'a', 10, datetime.date(2024, 1, 1)), (2, 'b', None, None)]"), "{out}");
                assert!(out.contains("asyncpg sqlstate 22012"), "{out}");
            }
            _ => {
                assert!(out.contains("'sa_users'"), "{out}");
                assert!(out.contains("sqlalchemy count 2"), "{out}");
                assert!(
                    out.contains("sqlalchemy columns [('id', 'BIGINT', False, True)"),
                    "{out}"
                );
            }
        }
    }
}
