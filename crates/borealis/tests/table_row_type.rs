//! A table's row type stored in another table's column, through the real
//! binary: the values keep their fields across a restart of the cluster (the
//! registry of row types is per process, so a fresh process must find them
//! again from the catalog it loads).

mod support;

use support::{free_address, TempDir, UpCluster};

#[test]
fn a_column_of_a_tables_row_type_reads_back_after_a_restart() {
    let dir = TempDir::new("table_row_type");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    cluster.psql("create table item (id int, label text)");
    cluster.psql("create table holder (k int, it item, its item[])");
    cluster
        .psql("insert into holder values (1, row(7, 'seven')::item, array[row(8, 'eight')::item])");
    let query = "select (it).label, (its[1]).id, pg_typeof(it) from holder";
    assert_eq!(cluster.psql(query).trim(), "seven|8|item");
    cluster.stop();

    let cluster = UpCluster::up(&data_dir, port);
    assert_eq!(cluster.psql(query).trim(), "seven|8|item");
    // The stored values pin the type's shape: PostgreSQL's errors.
    let err = |sql: &str| String::from_utf8_lossy(&cluster.psql_raw(sql).stderr).to_string();
    assert!(
        err("alter table item alter column id type bigint")
            .contains("cannot alter table \"item\" because column \"holder.it\" uses its row type"),
        "ALTER TYPE was not refused"
    );
    let drop = err("drop table item");
    assert!(
        drop.contains("cannot drop table item because other objects depend on it"),
        "{drop}"
    );
    assert_eq!(cluster.psql(query).trim(), "seven|8|item");
    cluster.psql("drop table holder, item");
    cluster.stop();
}
