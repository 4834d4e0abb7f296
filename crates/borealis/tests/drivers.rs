//! Real drivers from other ecosystems against `borealis up`, each with its
//! own cluster: node-postgres (`pg` from npm), pgjdbc (Debian's
//! libpostgresql-jdbc-java, with a Java program compiled at test time) and
//! Django (`migrate` of auth and contenttypes, then the ORM). The scripts
//! are in tests/drivers/; each connects over verified TLS with SCRAM and
//! exits non-zero on any failed check. `.ci/run` installs the tools; a
//! missing tool fails its test with a message saying how to install it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{free_address, TempDir, UpCluster, PASSWORD};

fn drivers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drivers")
}

/// Cargo's target directory: the borealis binary lives in `<target>/<profile>/`.
fn target_dir() -> PathBuf {
    let exe = support::borealis_exe();
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("borealis binary is inside the target directory")
}

fn require_tool(program: &str, install: &str) {
    let found = Command::new(program)
        .arg(if program == "java" || program == "javac" {
            "-version"
        } else {
            "--version"
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{program} is not installed: {install}");
}

/// Runs a client program with a time bound; its standard output. Fails the
/// test with both outputs if it exits non-zero.
fn run_client(what: &str, command: &mut Command) -> String {
    let mut child = command
        .env("PGPASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(180);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "{what} timed out:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn start_cluster(name: &str) -> (TempDir, UpCluster, PathBuf) {
    let dir = TempDir::new(name);
    let data_dir = dir.0.join("data");
    let cluster = UpCluster::up(&data_dir, free_address().port());
    let ca = data_dir.join("tls").join("ca.pem");
    (dir, cluster, ca)
}

#[test]
fn node_postgres_over_tls_and_scram_plus_with_every_type() {
    require_tool("node", "apt-get install nodejs npm");
    let modules = target_dir().join("node-clients").join("node_modules");
    assert!(
        modules.join("pg").join("package.json").exists(),
        "node-postgres is not installed in {}: npm install --prefix {} pg (.ci/run does this)",
        modules.display(),
        target_dir().join("node-clients").display()
    );
    let (_dir, cluster, ca) = start_cluster("node-pg");
    let out = run_client(
        "node-postgres",
        Command::new("node")
            .arg(drivers_dir().join("node_pg.js"))
            .arg(cluster.port.to_string())
            .arg(&ca)
            .env("NODE_PATH", &modules),
    );
    assert!(out.trim_end().ends_with("node ok"), "{out}");
    cluster.stop();
}

#[test]
fn pgjdbc_over_verified_tls_with_every_type_and_database_metadata() {
    let jar = PathBuf::from(
        std::env::var("BOREALIS_PGJDBC_JAR")
            .unwrap_or_else(|_| "/usr/share/java/postgresql.jar".to_string()),
    );
    require_tool("javac", "apt-get install openjdk-17-jdk-headless");
    assert!(
        jar.exists(),
        "pgjdbc not found at {}: apt-get install libpostgresql-jdbc-java (.ci/run does this) \
         or set BOREALIS_PGJDBC_JAR",
        jar.display()
    );
    let (dir, cluster, ca) = start_cluster("pgjdbc");
    let classes = dir.0.join("classes");
    std::fs::create_dir_all(&classes).expect("classes dir");
    run_client(
        "javac",
        Command::new("javac")
            .arg("-cp")
            .arg(&jar)
            .arg("-d")
            .arg(&classes)
            .arg(drivers_dir().join("JdbcSmoke.java")),
    );
    let out = run_client(
        "pgjdbc",
        Command::new("java")
            .arg("-cp")
            .arg(format!("{}:{}", jar.display(), classes.display()))
            .arg("JdbcSmoke")
            .arg(cluster.port.to_string())
            .arg(&ca),
    );
    assert!(out.trim_end().ends_with("jdbc ok"), "{out}");
    assert!(out.contains("7 n numeric 2 12 3 NO 0"), "{out}");
    cluster.stop();
}

#[test]
fn django_migrates_auth_and_contenttypes_and_uses_the_orm() {
    let django = Command::new("python3")
        .args(["-c", "import django, psycopg"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        django,
        "Django or psycopg 3 is missing: pip install django 'psycopg[binary]' (.ci/run does this)"
    );
    let (_dir, cluster, ca) = start_cluster("django");
    let out = run_client(
        "django",
        Command::new("python3")
            .arg(drivers_dir().join("django_migrate.py"))
            .arg(cluster.port.to_string())
            .arg(&ca),
    );
    assert!(out.contains("django migrations 14"), "{out}");
    assert!(out.contains("django sqlstate 23505"), "{out}");
    assert!(out.trim_end().ends_with("django ok"), "{out}");
    // The ORM's rows are there for any other client too.
    assert_eq!(
        cluster.psql("select username, first_name from auth_user"),
        "ann|Ann"
    );
    cluster.stop();
}
