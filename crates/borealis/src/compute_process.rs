//! How `borealis up` starts a `borealis compute` child: socket activation.
//!
//! The control plane owns the cluster endpoint's listening socket for the
//! cluster's whole life and hands it to each compute process it starts, as
//! inherited file descriptor [`LISTEN_FD`]. A compute that pauses simply
//! exits; connections that arrive meanwhile wait in the kernel's accept
//! queue, and the next compute accepts them. So a client never sees an
//! error across a pause: only a slower first handshake. (systemd's socket
//! activation works the same way.) Once ready, the compute writes one JSON
//! line ([`ComputeReady`]) to the inherited pipe [`READY_FD`].

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The inherited listening socket, in the compute process.
pub const LISTEN_FD: RawFd = 3;
/// The inherited write end of the readiness pipe, in the compute process.
pub const READY_FD: RawFd = 4;
/// A compute exits with this code when it pauses itself (auto-pause);
/// any other exit is a crash, and the supervisor restarts it.
pub const PAUSED_EXIT_CODE: i32 = 3;

/// What a compute reports once it serves clients.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ComputeReady {
    /// Its admin HTTP server (status, metrics, capacity configuration).
    pub admin: String,
    /// The volume epoch it recovered under.
    pub epoch: u64,
}

/// What one compute process needs to know.
pub struct ComputeProcess<'a> {
    pub data_dir: &'a Path,
    pub user: &'a str,
    pub password: &'a str,
    pub max_connections: Option<u32>,
    pub pg_split_bytes: u64,
    pub listener: &'a std::net::TcpListener,
    pub log: File,
}

/// A spawned compute and the read end of its readiness pipe.
pub struct SpawnedCompute {
    pub child: std::process::Child,
    pub ready: File,
}

/// A pipe whose both ends close on exec (the child gets a dup of one end).
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 fills the two-element array on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both fds were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Makes `from` available as exactly `to` in the child (without
/// close-on-exec). Runs between fork and exec: async-signal-safe calls only.
fn place_fd(from: RawFd, to: RawFd) -> std::io::Result<()> {
    // SAFETY: plain fd syscalls on fds this process owns.
    let result = unsafe {
        if from == to {
            let flags = libc::fcntl(from, libc::F_GETFD);
            libc::fcntl(from, libc::F_SETFD, flags & !libc::FD_CLOEXEC)
        } else {
            libc::dup2(from, to)
        }
    };
    if result < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

impl ComputeProcess<'_> {
    /// Starts the compute. It is killed (SIGKILL) when the thread that
    /// spawns it exits: spawn from a thread that lives as long as it should.
    pub fn spawn(self) -> std::io::Result<SpawnedCompute> {
        let exe = std::env::current_exe()?;
        let (ready_read, ready_write) = pipe()?;
        let listen_fd = self.listener.as_raw_fd();
        let ready_fd = ready_write.as_raw_fd();
        let mut command = Command::new(exe);
        command
            .arg("compute")
            .arg("--data-dir")
            .arg(self.data_dir)
            .arg("--listen-fd")
            .arg(LISTEN_FD.to_string())
            .arg("--ready-fd")
            .arg(READY_FD.to_string())
            .arg("--user")
            .arg(self.user)
            .arg("--pg-split-bytes")
            .arg(self.pg_split_bytes.to_string())
            // Not on the command line, where `ps` would show it.
            .env("BOREALIS_PASSWORD", self.password)
            .stdin(Stdio::null())
            .stdout(self.log.try_clone()?)
            .stderr(self.log);
        // SAFETY: only async-signal-safe calls between fork and exec: move
        // both inherited fds out of the way of 3 and 4, then into place,
        // and ask the kernel to kill the child with its parent thread.
        unsafe {
            command.pre_exec(move || {
                let listen_high = libc::fcntl(listen_fd, libc::F_DUPFD_CLOEXEC, 10);
                let ready_high = libc::fcntl(ready_fd, libc::F_DUPFD_CLOEXEC, 10);
                if listen_high < 0 || ready_high < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                place_fd(listen_high, LISTEN_FD)?;
                place_fd(ready_high, READY_FD)?;
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        if let Some(limit) = self.max_connections {
            command.arg("--max-connections").arg(limit.to_string());
        }
        let child = command.spawn()?;
        // Our copy of the write end must close, or reading the pipe would
        // never see the end of a compute that died before it was ready.
        drop(ready_write);
        Ok(SpawnedCompute {
            child,
            ready: File::from(ready_read),
        })
    }
}
