//! psql's describe commands against `borealis up`: every one a user types
//! to look around (`\d`, `\d+`, `\dt+`, `\df+`, `\sf`, `\dn+`, `\l+`, ...)
//! runs without error (the script stops at the first), and what COMMENT ON
//! recorded, relation sizes, a sequence's owner and a function's definition
//! show as PostgreSQL 15 shows them.

mod support;

use support::{free_address, TempDir, UpCluster};

#[test]
fn describe_commands_run_and_show_comments_sequences_and_functions() {
    let dir = TempDir::new("psql_describe");
    let port = free_address().port();
    let cluster = UpCluster::up(&dir.0.join("data"), port);
    let setup = "
        create table items (id serial primary key, name text);
        create index items_name on items (name);
        create view item_names as select name from items;
        create schema app;
        create type mood as enum ('ok', 'sad');
        create domain positive as int check (value > 0);
        create function twice(x int) returns int language sql immutable strict as 'select 2 * x';
        comment on table items is 'things we sell';
        comment on column items.name is 'what it is called';
        comment on schema app is 'the application';
    ";
    cluster.psql_script(setup);
    // Each must run: ON_ERROR_STOP fails the script on the first error.
    let every_command = [
        "\\d",
        "\\d+",
        "\\dt",
        "\\dt+",
        "\\di",
        "\\di+",
        "\\dv+",
        "\\ds+",
        "\\dn+",
        "\\df",
        "\\df+",
        "\\dT+",
        "\\dD",
        "\\du",
        "\\du+",
        "\\dg",
        "\\l",
        "\\l+",
        "\\dp",
        "\\z",
        "\\dd",
        "\\dx",
        "\\dy",
        "\\des",
        "\\drds",
        "\\dA",
        "\\dL",
        "\\db",
        "\\db+",
        "\\dconfig",
        "\\d+ items",
        "\\d+ item_names",
        "\\d items_id_seq",
        "\\sf twice",
    ];
    for command in every_command {
        cluster.psql_script(&format!("{command}\n"));
    }
    let table = cluster.psql_script("\\d+ items\n");
    assert!(
        table.contains("name|text||||extended|||what it is called"),
        "{table}"
    );
    // \dt+ shows the comment and the table's size.
    let tables = cluster.psql_script("\\dt+ items\n");
    assert!(tables.contains("things we sell"), "{tables}");
    cluster.psql("insert into items (name) select 'item ' || g from generate_series(1, 300) g");
    assert_eq!(
        cluster.psql(
            "select pg_relation_size('items') > 3000, pg_indexes_size('items') > 3000, \
             pg_total_relation_size('items') = pg_table_size('items') + pg_indexes_size('items'), \
             pg_size_pretty(pg_database_size('postgres')) like '% kB'"
        ),
        "t|t|t|t"
    );
    let schemas = cluster.psql_script("\\dn+ app\n");
    assert!(schemas.contains("the application"), "{schemas}");
    // Footers print only with tuples-only off.
    let sequence = cluster.psql_script("\\t off\n\\d items_id_seq\n");
    assert!(
        sequence.contains("integer|1|1|2147483647|1|no|1"),
        "{sequence}"
    );
    assert!(sequence.contains("Owned by: public.items.id"), "{sequence}");
    assert_eq!(
        cluster.psql_script("\\sf twice\n"),
        "CREATE OR REPLACE FUNCTION public.twice(x integer)\n RETURNS integer\n LANGUAGE sql\n IMMUTABLE STRICT\nAS $function$select 2 * x$function$"
    );
    let view = cluster.psql_script("\\t off\n\\d+ item_names\n");
    assert!(view.contains("View definition:"), "{view}");
    cluster.stop();
}
