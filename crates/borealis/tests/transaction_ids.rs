//! Transaction ids never repeat on a cluster: after the writer crashes (the
//! supervisor starts a new one, which opens a new volume epoch, as a
//! failover does) and after a clean restart of the whole cluster,
//! `txid_current()` and the `xmin` of new row versions keep growing, so an
//! update guarded by an `xmin` read before still finds the row changed.

mod support;

use std::process::Command;
use support::{borealis_exe, free_address, TempDir, UpCluster};

/// The writer compute's process id, from `borealis status --json`.
fn writer_pid(data_dir: &std::path::Path) -> i32 {
    let out = Command::new(borealis_exe())
        .args(["status", "--json", "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("run borealis status");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let writer = status["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["role"] == "writer")
        .expect("a writer part");
    let pid = writer["pid"].as_i64().expect("the writer runs");
    i32::try_from(pid).expect("a pid")
}

fn number(cluster: &UpCluster, sql: &str) -> u64 {
    let out = cluster.psql(sql);
    out.parse()
        .unwrap_or_else(|_| panic!("{sql}: no number in {out:?}"))
}

#[test]
fn xmin_and_txid_current_keep_growing_across_a_writer_crash_and_a_restart() {
    let dir = TempDir::new("txn-ids");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    cluster.psql("create table t (id int primary key, v text)");
    cluster.psql("insert into t values (1, 'a')");
    let first_xmin = number(&cluster, "select xmin from t where id = 1");
    let before_crash = number(&cluster, "select txid_current()");
    assert!(before_crash > first_xmin);

    // The writer dies without a clean shutdown; the supervisor starts another.
    let old_writer = writer_pid(&data_dir);
    // SAFETY: signalling a process of the cluster this test started.
    unsafe {
        libc::kill(old_writer, libc::SIGKILL);
    }
    cluster.wait_until_serving();
    assert_ne!(writer_pid(&data_dir), old_writer);
    let after_crash = number(&cluster, "select txid_current()");
    assert!(
        after_crash > before_crash,
        "{after_crash} after the crash, {before_crash} before"
    );

    // An update guarded by the xmin read before the crash still applies
    // once (the row is unchanged), and then no more.
    assert_eq!(
        cluster.psql(&format!(
            "update t set v = 'b' where id = 1 and xmin = {first_xmin} returning v"
        )),
        "b\nUPDATE 1"
    );
    let second_xmin = number(&cluster, "select xmin from t where id = 1");
    assert!(second_xmin > after_crash);
    assert_eq!(
        cluster.psql(&format!(
            "update t set v = 'stale' where id = 1 and xmin = {first_xmin} returning v"
        )),
        "UPDATE 0"
    );

    // A clean restart of the whole cluster. The writer the supervisor
    // started is shut down cleanly too (it gives back the ids it reserved,
    // so the ids go on without a gap of a reservation batch).
    cluster.stop();
    let cluster = UpCluster::up(&data_dir, port);
    let after_restart = number(&cluster, "select pg_current_xact_id()");
    assert!(
        after_restart < second_xmin + 100,
        "{after_restart} after a clean restart, {second_xmin} before: the writer was not stopped cleanly"
    );
    assert!(
        after_restart > second_xmin,
        "{after_restart} after the restart, {second_xmin} before"
    );
    assert_eq!(cluster.psql("select v from t where id = 1"), "b");
}
