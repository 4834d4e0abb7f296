//! Server-side COPY through the real binary: a superuser loads a file on the
//! compute node with `COPY t FROM '/abs/path'` (the pg-regress test_setup
//! way, with point and path columns), writes one with `COPY ... TO`, and a
//! role without pg_read_server_files / pg_write_server_files gets
//! PostgreSQL's 42501; relative paths and missing files are refused.

mod support;

use support::{free_address, psql_as, text, TempDir, UpCluster};

#[test]
fn copy_from_and_to_a_server_file_for_superusers_only() {
    let dir = TempDir::new("copy_server_file");
    let data_dir = dir.0.join("data");
    // More rows than one 64 KiB read, so records straddle chunk boundaries.
    let rows = 5000;
    let mut data = String::new();
    for i in 0..rows {
        data.push_str(&format!(
            "person {i}\t{}\t({i}.5,-{i})\t[({i},0),(0,{i}.25)]\n",
            i % 90
        ));
    }
    let source = dir.0.join("people.data");
    std::fs::write(&source, &data).expect("write data file");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    cluster.psql("create table person (name text, age int4, location point, route path)");

    let loaded = cluster.psql(&format!("copy person from '{}'", source.display()));
    assert_eq!(loaded, format!("COPY {rows}"));
    assert_eq!(
        cluster.psql("select count(*), sum(age), count(distinct name) from person"),
        format!("{rows}|{}|{rows}", (0..rows).map(|i| i % 90).sum::<i32>())
    );
    assert_eq!(
        cluster
            .psql("select location, route, npoints(route) from person where name = 'person 4999'"),
        "(4999.5,-4999)|[(4999,0),(0,4999.25)]|2"
    );
    assert_eq!(
        cluster.psql("select count(*) from person where location ~= '(12.5,-12)'"),
        "1"
    );

    // COPY TO a file writes the text format back, byte for byte.
    let target = dir.0.join("out.data");
    let written = cluster.psql(&format!("copy person to '{}'", target.display()));
    assert_eq!(written, format!("COPY {rows}"));
    assert_eq!(std::fs::read_to_string(&target).expect("read copy"), data);

    let relative = cluster.psql_raw("copy person from 'people.data'");
    assert!(!relative.status.success());
    assert!(
        text(&relative.stderr).contains("relative path not allowed for COPY from file"),
        "{}",
        text(&relative.stderr)
    );
    let missing = cluster.psql_raw(&format!(
        "copy person from '{}'",
        dir.0.join("nope.data").display()
    ));
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("for reading: No such file or directory"),
        "{}",
        text(&missing.stderr)
    );
    // A bad record rolls the whole COPY back, with its line in the context.
    let bad = dir.0.join("bad.data");
    std::fs::write(&bad, "ok\t1\t(1,1)\t[(1,1)]\nbad\t2\t(1,1\t[(1,1)]\n").expect("write");
    let failed = cluster.psql_raw(&format!("copy person from '{}'", bad.display()));
    assert!(!failed.status.success());
    assert!(
        text(&failed.stderr).contains("invalid input syntax for type point: \"(1,1\""),
        "{}",
        text(&failed.stderr)
    );
    assert_eq!(
        cluster.psql("select count(*) from person"),
        rows.to_string()
    );

    // Ordinary roles need pg_read_server_files / pg_write_server_files.
    cluster.psql("create role clerk login password 'clerk-pw'");
    cluster.psql("grant insert, select on person to clerk");
    let denied = psql_as(
        port,
        "clerk",
        "clerk-pw",
        &format!("copy person from '{}'", source.display()),
    );
    assert!(!denied.status.success());
    assert!(
        text(&denied.stderr).contains(
            "must be superuser or have privileges of the pg_read_server_files role to COPY from a file"
        ),
        "{}",
        text(&denied.stderr)
    );
    let denied = psql_as(
        port,
        "clerk",
        "clerk-pw",
        &format!("copy person to '{}'", target.display()),
    );
    assert!(text(&denied.stderr).contains(
        "must be superuser or have privileges of the pg_write_server_files role to COPY to a file"
    ));
    cluster.stop();
}
