//! Serverless capacity through the real binary: auto-pause after the idle
//! time and wake-on-connect (the client sees a slower handshake, never an
//! error), `borealis cluster modify` refusing bad settings and applying good
//! ones without a restart, a load step raising capacity within 2 s and its
//! end letting it fall back, and pgbench running across scaling events
//! without an error or a dropped connection.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::{borealis_exe, free_address, TempDir, UpCluster, PASSWORD};

fn borealis(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(borealis_exe())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run borealis")
}

fn status_parts(data_dir: &Path) -> Vec<serde_json::Value> {
    let out = borealis(data_dir, &["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    status["parts"].as_array().expect("parts").clone()
}

fn part(data_dir: &Path, role: &str) -> serde_json::Value {
    status_parts(data_dir)
        .into_iter()
        .find(|p| p["role"] == role)
        .unwrap_or_else(|| panic!("no {role} part"))
}

fn http_get(address: &str, path: &str) -> String {
    ureq::get(&format!("http://{address}{path}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .body_mut()
        .read_to_string()
        .expect("body")
}

/// The control plane's view: config, capacity, pauses, resumes.
fn control_status(data_dir: &Path) -> serde_json::Value {
    let control = part(data_dir, "control");
    serde_json::from_str(&http_get(
        control["address"].as_str().expect("address"),
        "/status",
    ))
    .expect("control status JSON")
}

/// The running compute's own view (its admin API).
fn compute_status(data_dir: &Path) -> Option<serde_json::Value> {
    let writer = part(data_dir, "writer");
    let admin = writer["address"].as_str().filter(|a| !a.is_empty())?;
    let text = ureq::get(&format!("http://{admin}/status"))
        .call()
        .ok()?
        .body_mut()
        .read_to_string()
        .ok()?;
    serde_json::from_str(&text).ok()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_compute_pauses_when_idle_and_the_next_connection_resumes_it() {
    let dir = TempDir::new("pause");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up_with(
        &data_dir,
        port,
        &["--min-acu", "0", "--max-acu", "2", "--auto-pause", "2"],
    );
    cluster.psql("create table t (id int primary key, v text)");
    cluster.psql("insert into t values (1, 'before the pause')");

    for round in 1..=2 {
        wait_for("the compute to pause", Duration::from_secs(30), || {
            part(&data_dir, "writer")["state"] == "paused"
        });
        assert!(
            part(&data_dir, "writer")["pid"].is_null(),
            "a paused compute has no process"
        );
        let status = control_status(&data_dir);
        assert_eq!(status["capacity"].as_f64(), Some(0.0), "{status}");

        // A client connecting now only waits: no error.
        let started = Instant::now();
        assert_eq!(
            cluster.psql("select v from t where id = 1"),
            "before the pause",
            "round {round}"
        );
        eprintln!(
            "round {round}: first query after the pause answered in {:.0} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        assert_eq!(part(&data_dir, "writer")["state"], "running");
        let status = control_status(&data_dir);
        assert!(status["pauses"].as_u64() >= Some(round), "{status}");
        assert!(status["resumes"].as_u64() >= Some(round), "{status}");
        assert!(status["resume_ms_p50"].as_f64().is_some(), "{status}");
    }

    let events = std::fs::read_to_string(data_dir.join("events.jsonl")).expect("events");
    assert!(
        events.lines().filter(|l| l.contains("\"pause\"")).count() >= 2,
        "{events}"
    );
    assert!(
        events.lines().filter(|l| l.contains("\"resume\"")).count() >= 2,
        "{events}"
    );
    let control = part(&data_dir, "control");
    let metrics = http_get(control["address"].as_str().expect("address"), "/metrics");
    assert!(metrics.contains("borealis_resumes_total"), "{metrics}");
    assert!(metrics.contains("ServerlessDatabaseCapacity"), "{metrics}");
    cluster.stop();
}

#[test]
fn cluster_modify_refuses_bad_settings_and_applies_good_ones_without_restart() {
    let dir = TempDir::new("modify");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up(&data_dir, port);
    let pid_before = part(&data_dir, "writer")["pid"].clone();

    for (flags, message) in [
        (
            &["--min-acu", "4", "--max-acu", "2"][..],
            "min must be at most max",
        ),
        (&["--min-acu", "0.3"][..], "steps of 0.5"),
        (&["--max-acu", "300"][..], "from 0 to 256"),
        (&["--auto-pause", "-5"][..], "auto-pause"),
    ] {
        let mut args = vec!["cluster", "modify"];
        args.extend_from_slice(flags);
        let out = borealis(&data_dir, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flags:?} was accepted");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
    }

    for (min, max) in [("2", "2"), ("0.5", "1"), ("1.5", "4")] {
        let out = borealis(
            &data_dir,
            &["cluster", "modify", "--min-acu", min, "--max-acu", max],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (min, max) = (min.parse::<f64>().unwrap(), max.parse::<f64>().unwrap());
        wait_for(
            "capacity inside the new range",
            Duration::from_secs(5),
            || {
                compute_status(&data_dir)
                    .and_then(|s| s["capacity"].as_f64())
                    .is_some_and(|c| (min..=max).contains(&c))
            },
        );
        assert_eq!(cluster.psql("select 1"), "1");
    }
    assert_eq!(
        part(&data_dir, "writer")["pid"],
        pid_before,
        "the compute restarted"
    );
    let saved = std::fs::read_to_string(data_dir.join("serverless.json")).expect("saved config");
    assert!(saved.contains("1.5"), "{saved}");
    cluster.stop();
}

fn pgbench_exe() -> PathBuf {
    let exe = std::env::var("BOREALIS_PGBENCH")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/usr/lib/postgresql/15/bin/pgbench"));
    assert!(
        exe.exists(),
        "pgbench not found at {} (install postgresql-15)",
        exe.display()
    );
    exe
}

fn pgbench(port: u16) -> Command {
    let mut command = Command::new(pgbench_exe());
    command
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .env("PGPASSWORD", PASSWORD)
        .env("PGSSLMODE", "disable");
    command
}

#[test]
fn a_load_step_raises_capacity_and_pgbench_runs_across_scaling_events() {
    let dir = TempDir::new("scaling");
    let data_dir = dir.0.join("data");
    let port = free_address().port();
    let cluster = UpCluster::up_with(&data_dir, port, &["--min-acu", "0.5", "--max-acu", "8"]);
    let init = pgbench(port)
        .args(["-i", "-s", "1", "postgres"])
        .output()
        .expect("pgbench -i");
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    wait_for(
        "capacity back at the minimum",
        Duration::from_secs(120),
        || compute_status(&data_dir).and_then(|s| s["capacity"].as_f64()) == Some(0.5),
    );

    // The load step: 8 clients, as fast as they go.
    let load_started = Instant::now();
    let mut load = pgbench(port)
        .args([
            "-c", "8", "-j", "2", "-T", "20", "-S", "-M", "prepared", "postgres",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pgbench");
    let mut rose_after = None;
    let mut peak: f64 = 0.0;
    while load.try_wait().expect("pgbench").is_none() {
        if let Some(status) = compute_status(&data_dir) {
            let capacity = status["capacity"].as_f64().unwrap_or(0.0);
            assert!(
                (0.5..=8.0).contains(&capacity),
                "capacity {capacity} outside [0.5, 8]"
            );
            peak = peak.max(capacity);
            if capacity > 0.5 && rose_after.is_none() {
                rose_after = Some(load_started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = load.wait_with_output().expect("pgbench output");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rose_after = rose_after.expect("capacity never rose under load");
    eprintln!(
        "capacity rose {:.2} s after the load started; peak {peak} ACU",
        rose_after.as_secs_f64()
    );
    assert!(
        rose_after < Duration::from_secs(2),
        "rose only after {rose_after:?}"
    );
    wait_for(
        "capacity to fall back after the load",
        Duration::from_secs(120),
        || compute_status(&data_dir).and_then(|s| s["capacity"].as_f64()) == Some(0.5),
    );

    // pgbench (writes too) across scaling events forced by range changes.
    let bench = pgbench(port)
        .args([
            "-c", "4", "-j", "2", "-T", "12", "-M", "prepared", "postgres",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pgbench");
    for (min, max) in [
        ("2", "4"),
        ("0.5", "1"),
        ("4", "8"),
        ("1", "2"),
        ("0.5", "8"),
    ] {
        std::thread::sleep(Duration::from_secs(2));
        let out = borealis(
            &data_dir,
            &["cluster", "modify", "--min-acu", min, "--max-acu", max],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = bench.wait_with_output().expect("pgbench output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "pgbench failed across scaling events:\n{text}"
    );
    assert!(!text.contains("error"), "pgbench reported errors:\n{text}");
    assert!(text.contains("number of failed transactions: 0"), "{text}");
    cluster.stop();
}
