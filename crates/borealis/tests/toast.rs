//! Values larger than the volume's per-value limit (16 MiB), stored out of
//! line in chunks (TOAST), through the real binary: a 20 MB text value is
//! inserted, read back, kept by an UPDATE of another column, rewritten by
//! an UPDATE of itself, copied by INSERT ... SELECT, ON CONFLICT and COPY, read
//! again after a restart, and its chunks go with DELETE and TRUNCATE (the
//! toast relation's size shows them).

mod support;

use support::{free_address, TempDir, UpCluster};

/// 20,000,000 bytes: more than one volume value can hold.
const BIG: &str = "repeat('abcdefghij', 2000000)";

/// The rows of a statement with RETURNING (psql adds the command tag).
fn returned(cluster: &UpCluster, sql: &str) -> String {
    let out = cluster.psql(sql);
    let rows: Vec<&str> = out.lines().filter(|l| !l.contains(" ")).collect();
    rows.join("\n")
}

fn toast_size(cluster: &UpCluster) -> i64 {
    cluster
        .psql("select pg_relation_size(reltoastrelid) from pg_class where relname = 'big'")
        .parse()
        .expect("a size")
}

#[test]
fn a_20_mb_value_is_stored_read_updated_and_deleted() {
    let dir = TempDir::new("toast");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    cluster.psql("create table big (id int primary key, v text, n int)");
    assert_eq!(toast_size(&cluster), 0);
    cluster.psql(&format!("insert into big values (1, {BIG}, 0)"));
    let check = format!("select length(v), md5(v) = md5({BIG}) from big where id = 1");
    assert_eq!(cluster.psql(&check), "20000000|t");
    let stored = toast_size(&cluster);
    assert!(stored > 20_000_000 && stored < 20_500_000, "{stored}");

    // Another column changes: the value keeps its chunks.
    cluster.psql("update big set n = n + 1 where id = 1");
    assert_eq!(toast_size(&cluster), stored);
    assert_eq!(cluster.psql(&check), "20000000|t");

    // The value changes: new chunks, the old ones deleted.
    assert_eq!(
        returned(
            &cluster,
            "update big set v = v || 'z' where id = 1 returning length(v), right(v, 2)"
        ),
        "20000001|jz"
    );
    let rewritten = toast_size(&cluster);
    assert!(
        rewritten >= stored && rewritten < stored + 8192 * 2,
        "{rewritten}"
    );

    // INSERT ... SELECT and ON CONFLICT see the whole value.
    cluster.psql("insert into big select 2, v, n from big where id = 1");
    assert_eq!(
        returned(
            &cluster,
            "insert into big values (2, 'x', 0) on conflict (id) do update \
             set v = left(big.v, 3) || excluded.v returning length(v), v"
        ),
        "4|abcx"
    );
    assert_eq!(
        cluster.psql("select id, length(v) from big order by id"),
        "1|20000001\n2|4"
    );
    assert_eq!(toast_size(&cluster), rewritten);

    // COPY in and out carry the whole value.
    let line = "q".repeat(17_000_000);
    cluster.psql_script(&format!(
        "copy big (id, v, n) from stdin;\n4\t{line}\t0\n\\.\n"
    ));
    let out = cluster.psql("copy (select v from big where id = 4) to stdout");
    assert!(out == line, "COPY TO gave {} bytes", out.len());
    cluster.psql("delete from big where id = 4");
    assert_eq!(toast_size(&cluster), rewritten);
    cluster.stop();

    // Chunks are read back after a restart.
    let cluster = UpCluster::up(&data_dir, port);
    assert_eq!(
        cluster.psql(
            "select md5(v) = md5(repeat('abcdefghij', 2000000) || 'z') from big where id = 1"
        ),
        "t"
    );
    assert_eq!(
        returned(&cluster, "delete from big where id = 1 returning length(v)"),
        "20000001"
    );
    assert_eq!(toast_size(&cluster), 0);
    cluster.psql(&format!("insert into big values (3, {BIG}, 0)"));
    assert!(toast_size(&cluster) > 20_000_000);
    cluster.psql("truncate big");
    assert_eq!(toast_size(&cluster), 0);
    assert_eq!(cluster.psql("select count(*) from big"), "0");
    cluster.stop();
}
