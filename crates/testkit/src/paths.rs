//! Where the external material and the binaries are found by default.

use std::path::{Path, PathBuf};

/// The `shared/conformance` directory: `$BOREALIS_CONFORMANCE_DIR`, else the
/// first `shared/conformance` beside the current directory or one of its
/// ancestors (CI lays `shared/` beside the clone), else `/work/shared/conformance`.
pub fn conformance_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOREALIS_CONFORMANCE_DIR") {
        return PathBuf::from(dir);
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            let candidate = dir.join("shared").join("conformance");
            if candidate.is_dir() {
                return candidate;
            }
        }
    }
    PathBuf::from("/work/shared/conformance")
}

/// The `borealis` binary: beside this executable (both live in cargo's
/// target dir), else `$CARGO_TARGET_DIR/debug/borealis`, else `borealis` on PATH.
pub fn borealis_bin() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            let candidate = dir.join("borealis");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        let candidate = Path::new(&target).join("debug").join("borealis");
        if candidate.is_file() {
            return candidate;
        }
    }
    PathBuf::from("borealis")
}

/// Debian's PostgreSQL 15 server binaries.
pub const PG_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// psql: the one beside the PostgreSQL 15 server if present, else PATH's.
pub fn psql_bin(pg_bin_dir: &Path) -> PathBuf {
    let candidate = pg_bin_dir.join("psql");
    if candidate.is_file() {
        candidate
    } else {
        PathBuf::from("psql")
    }
}
