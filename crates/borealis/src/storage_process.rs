//! How a parent starts a `borealis storage` child process: the one command
//! line, logging to a file, and tied to its parent's life.

use std::fs::File;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one storage replica process needs to know.
pub struct StorageProcess<'a> {
    pub data_dir: &'a Path,
    pub listen: SocketAddr,
    pub peers: &'a [SocketAddr],
    pub pg_count: u32,
    pub az: &'a str,
    pub log: File,
}

impl StorageProcess<'_> {
    /// The command to spawn. The child is killed (SIGKILL) when the thread
    /// that spawns it exits, so no replica outlives its parent: spawn from a
    /// thread that lives as long as the replica should.
    pub fn command(self) -> std::io::Result<Command> {
        let exe = std::env::current_exe()?;
        let peers: Vec<String> = self.peers.iter().map(SocketAddr::to_string).collect();
        let mut command = Command::new(exe);
        command
            .arg("storage")
            .arg("--data-dir")
            .arg(self.data_dir)
            .arg("--listen")
            .arg(self.listen.to_string())
            .arg("--peers")
            .arg(peers.join(","))
            .arg("--pg-count")
            .arg(self.pg_count.to_string())
            .arg("--az")
            .arg(self.az)
            .stdin(Stdio::null())
            .stdout(self.log.try_clone()?)
            .stderr(self.log);
        // SAFETY: prctl in the child before exec; it only asks the kernel to
        // kill the child when its parent thread exits.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        Ok(command)
    }
}
