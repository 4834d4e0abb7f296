//! Server-side COPY: `COPY t FROM '/abs/file'` and `COPY ... TO '/abs/file'`
//! on the compute node. PostgreSQL allows them to superusers and to members
//! of pg_read_server_files (FROM) / pg_write_server_files (TO). A file is
//! read in fixed-size chunks with tokio's file API (no blocking on the
//! async threads) and fed through the same streaming COPY FROM path as
//! CopyData from a client, so memory stays bounded by one chunk plus one
//! partial record.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::copy;

/// Bytes read from a file per step of COPY FROM.
const READ_CHUNK: usize = 64 * 1024;

/// PostgreSQL's hint for COPY with a file.
const FILE_HINT_FROM: &str = "COPY FROM instructs the PostgreSQL server process to read a file. You may want a client-side facility such as psql's \\copy.";
const FILE_HINT_TO: &str = "COPY TO instructs the PostgreSQL server process to write a file. You may want a client-side facility such as psql's \\copy.";

/// An I/O error on `path` as PostgreSQL reports it (errcode_for_file_access).
fn file_error(e: &std::io::Error, path: &str, doing: &str, hint: &str) -> SqlError {
    use std::io::ErrorKind as K;
    let sqlstate = match e.kind() {
        K::NotFound => "58P01",
        K::PermissionDenied => "42501",
        K::AlreadyExists => "58P02",
        _ => "58030",
    };
    // The OS text without Rust's " (os error N)" suffix, as strerror prints it.
    let text = e.to_string();
    let text = text
        .split(" (os error")
        .next()
        .unwrap_or(text.as_str())
        .to_string();
    SqlError::new(
        sqlstate,
        format!("could not open file \"{path}\" for {doing}: {text}"),
    )
    .with_hint(hint)
}

impl Session {
    /// Runs a COPY whose source or target is a server-side file; the result
    /// is the `COPY n` tag.
    pub(super) async fn copy_with_file(
        &mut self,
        stmt: copy::CopyStmt,
        path: String,
        sql: &str,
    ) -> SqlResult<CopyStart> {
        let (role, direction) = if stmt.from {
            ("pg_read_server_files", "from")
        } else {
            ("pg_write_server_files", "to")
        };
        let user = self.settings.current_user();
        if !crate::roles::has_privileges_of(&self.catalog(), &user, role) {
            return Err(SqlError::new(
                "42501",
                format!(
                    "must be superuser or have privileges of the {role} role to COPY {direction} a file"
                ),
            )
            .with_hint(
                "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.",
            ));
        }
        // PostgreSQL resolves a relative COPY FROM path in its data
        // directory, which a compute node does not have: both directions
        // take absolute paths only.
        if !std::path::Path::new(&path).is_absolute() {
            return Err(SqlError::new(
                "42602",
                format!("relative path not allowed for COPY {direction} file"),
            ));
        }
        if stmt.from {
            self.copy_from_file(stmt, &path, sql).await
        } else {
            self.copy_to_file(stmt, &path).await
        }
    }

    async fn copy_from_file(
        &mut self,
        stmt: copy::CopyStmt,
        path: &str,
        sql: &str,
    ) -> SqlResult<CopyStart> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| file_error(&e, path, "reading", FILE_HINT_FROM))?;
        let meta = file
            .metadata()
            .await
            .map_err(|e| file_error(&e, path, "reading", FILE_HINT_FROM))?;
        if meta.is_dir() {
            return Err(SqlError::new("42809", format!("\"{path}\" is a directory")));
        }
        self.copy_in_start(stmt, sql)?;
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let n = match file.read(&mut chunk).await {
                Ok(n) => n,
                Err(e) => {
                    if let Some(st) = self.copy.take() {
                        self.copy_abort(st);
                    }
                    return Err(SqlError::new(
                        "58030",
                        format!("could not read from COPY file: {e}"),
                    ));
                }
            };
            if n == 0 {
                break;
            }
            // On error the COPY is already rolled back.
            self.copy_in_data(&chunk[..n]).await?;
        }
        match self.copy_in_done().await? {
            StatementOutput::Command { tag } => Ok(CopyStart::Finished { tag }),
            StatementOutput::Rows { .. } => Err(SqlError::internal("COPY FROM returned rows")),
        }
    }

    async fn copy_to_file(&mut self, stmt: copy::CopyStmt, path: &str) -> SqlResult<CopyStart> {
        let CopyStart::Out { data, tag, .. } = self.copy_out(stmt).await? else {
            return Err(SqlError::internal("COPY TO did not produce rows"));
        };
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|e| file_error(&e, path, "writing", FILE_HINT_TO))?;
        let mut out = tokio::io::BufWriter::new(file);
        for line in &data {
            out.write_all(line).await.map_err(|e| {
                SqlError::new("58030", format!("could not write to file \"{path}\": {e}"))
            })?;
        }
        out.flush().await.map_err(|e| {
            SqlError::new("58030", format!("could not write to file \"{path}\": {e}"))
        })?;
        Ok(CopyStart::Finished { tag })
    }
}

#[cfg(test)]
mod tests {
    use crate::{CopyStart, Engine, MemStore, Session, StatementOutput};
    use std::sync::Arc;

    async fn session() -> Session {
        let engine = Engine::open(Arc::new(MemStore::new()))
            .await
            .expect("engine");
        engine.session()
    }

    async fn copy(s: &mut Session, sql: &str) -> Result<String, crate::SqlError> {
        match s.copy(sql).await.expect("a COPY")? {
            CopyStart::Finished { tag } => Ok(tag),
            other => panic!("{other:?}"),
        }
    }

    async fn rows(s: &mut Session, sql: &str) -> String {
        match s.execute_simple(sql).await.pop().expect("a result") {
            Ok(StatementOutput::Rows { rows, .. }) => rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| v.unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect::<Vec<_>>()
                .join("\n"),
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_file_streams_through_copy_from_in_chunks_and_back_out() {
        let dir = std::env::temp_dir().join(format!("borealis-copy-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let source = dir.join("in.data");
        // Records cross the 64 KiB read boundaries.
        let data: String = (0..20_000)
            .map(|i| {
                let cents = crate::money::format(i64::from(i) * 100 + 25);
                format!("{i}\t({i},-{i}.5)\t{cents}\n")
            })
            .collect();
        std::fs::write(&source, &data).expect("write");
        let mut s = session().await;
        s.execute_simple("create table t (a int, p point, m money)")
            .await;
        let tag = copy(&mut s, &format!("copy t from '{}'", source.display())).await;
        assert_eq!(tag.expect("copy from"), "COPY 20000");
        assert_eq!(
            rows(&mut s, "select count(*), sum(a), max(m) from t").await,
            "20000|199990000|$19,999.25"
        );
        assert_eq!(
            rows(&mut s, "select p from t where a = 7").await,
            "(7,-7.5)"
        );
        let target = dir.join("out.data");
        let tag = copy(&mut s, &format!("copy t to '{}'", target.display())).await;
        assert_eq!(tag.expect("copy to"), "COPY 20000");
        let mut back: Vec<String> = std::fs::read_to_string(&target)
            .expect("read")
            .lines()
            .map(str::to_string)
            .collect();
        back.sort();
        let mut want: Vec<String> = data.lines().map(str::to_string).collect();
        want.sort();
        assert_eq!(back, want);

        let relative = copy(&mut s, "copy t from 'in.data'").await.unwrap_err();
        assert_eq!(relative.sqlstate, "42602");
        let missing = copy(
            &mut s,
            &format!("copy t from '{}'", dir.join("none").display()),
        )
        .await
        .unwrap_err();
        assert_eq!(missing.sqlstate, "58P01");
        assert!(missing
            .message
            .ends_with("for reading: No such file or directory"));
        let directory = copy(&mut s, &format!("copy t from '{}'", dir.display()))
            .await
            .unwrap_err();
        assert_eq!(directory.sqlstate, "42809");
        // A failed load keeps nothing; the session goes on.
        std::fs::write(&source, "1\t(1,1)\t$1\n2\t(2,2\t$2\n").expect("write");
        let bad = copy(&mut s, &format!("copy t from '{}'", source.display()))
            .await
            .unwrap_err();
        assert_eq!(bad.message, "invalid input syntax for type point: \"(2,2\"");
        assert_eq!(rows(&mut s, "select count(*) from t").await, "20000");

        s.execute_simple("create role clerk; grant all on t to clerk; set role clerk")
            .await;
        let denied = copy(&mut s, &format!("copy t from '{}'", source.display()))
            .await
            .unwrap_err();
        assert_eq!(denied.sqlstate, "42501");
        assert_eq!(
            denied.message,
            "must be superuser or have privileges of the pg_read_server_files role to COPY from a file"
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
