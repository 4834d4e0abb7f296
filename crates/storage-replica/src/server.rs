//! The storage replica server: one thread per segment, a framed TCP
//! protocol in front.
//!
//! Each segment runs on its own OS thread (it does blocking disk I/O) and
//! takes commands from a bounded channel. The thread drains every command
//! that is waiting, appends all writes, syncs once, then acknowledges them
//! all: group commit, so one `fdatasync` covers every committer that arrived
//! meanwhile. Other requests are answered in order after the writes before
//! them are durable.
//!
//! A disk error stops the process (fail-stop): a replica that restarts
//! rebuilds from its log and repairs from peers; one that carried on after a
//! failed fsync could acknowledge what it does not hold.

use crate::gossip;
use crate::log_file::FileLog;
use crate::segment::Segment;
use crate::versions::RedbVersions;
use borealis_common::limits::REPLICA_QUEUE_DEPTH;
use borealis_common::PgId;
use borealis_wire::frame::{encode_response, read_frame, FrameError};
use borealis_wire::{EpochHistory, LogRecord, Request, Response};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

/// Where a segment thread sends its answer.
pub enum Reply {
    /// To a task in this process (gossip).
    Local(oneshot::Sender<Response>),
    /// Straight into a connection's outgoing frames: no task hop per
    /// request. The permit bounds the connection's requests in flight, so
    /// the frame queue (as deep as the permits) always has room.
    Connection {
        request_id: u64,
        frames: mpsc::Sender<Vec<u8>>,
        permit: OwnedSemaphorePermit,
    },
}

impl Reply {
    pub fn send(self, response: Response) {
        match self {
            Reply::Local(sender) => {
                let _ = sender.send(response);
            }
            Reply::Connection {
                request_id,
                frames,
                permit,
            } => {
                if let Err(mpsc::error::TrySendError::Full(_)) =
                    frames.try_send(encode_response(request_id, &response))
                {
                    unreachable!("a connection's frame queue is as deep as its permits");
                }
                drop(permit);
            }
        }
    }
}

/// Commands a segment thread executes.
pub enum Command {
    Request {
        request: Request,
        reply: Reply,
    },
    /// Records fetched from a peer by gossip.
    PeerRecords {
        history: EpochHistory,
        records: Vec<LogRecord>,
    },
}

pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub pg_count: u32,
    /// Every replica's address, this one's included (gossip skips itself).
    pub peers: Vec<SocketAddr>,
    pub gossip_interval: Duration,
}

/// Handles to the running segments, by PG.
#[derive(Clone)]
pub struct Segments {
    senders: Arc<Vec<mpsc::Sender<Command>>>,
}

impl Segments {
    pub fn get(&self, pg: PgId) -> Option<&mpsc::Sender<Command>> {
        self.senders.get(pg.0 as usize)
    }
    pub fn pg_count(&self) -> u32 {
        self.senders.len() as u32
    }
}

/// Opens every segment under `data_dir` and starts its thread.
pub fn start_segments(data_dir: &Path, pg_count: u32) -> std::io::Result<Segments> {
    let mut senders = Vec::new();
    for pg in 0..pg_count {
        let dir = data_dir.join(format!("pg{pg}"));
        let log = FileLog::open(&dir)?;
        let versions = RedbVersions::open(&dir.join("versions.redb"))?;
        let segment = Segment::open(PgId(pg), log, versions)?;
        tracing::info!(pg, scl = %segment.scl(), epoch = %segment.epoch(), records = segment.record_count(), "segment opened");
        let (tx, rx) = mpsc::channel(REPLICA_QUEUE_DEPTH);
        std::thread::Builder::new()
            .name(format!("segment-pg{pg}"))
            .spawn(move || run_segment(segment, rx))?;
        senders.push(tx);
    }
    Ok(Segments {
        senders: Arc::new(senders),
    })
}

fn fail_stop(error: std::io::Error) -> ! {
    tracing::error!(%error, "disk error: stopping this replica");
    std::process::exit(70);
}

fn run_segment(mut segment: Segment<FileLog, RedbVersions>, mut commands: mpsc::Receiver<Command>) {
    let mut batch = Vec::with_capacity(256);
    let mut acks: Vec<Reply> = Vec::new();
    loop {
        // Idle time goes to applying the log and collecting old versions;
        // commands always come first.
        let first = if segment.has_background_work() {
            match commands.try_recv() {
                Ok(command) => command,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if let Err(error) = segment.background_step() {
                        fail_stop(error);
                    }
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        } else {
            match commands.blocking_recv() {
                Some(command) => command,
                None => break,
            }
        };
        batch.push(first);
        while batch.len() < 4096 {
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        for command in batch.drain(..) {
            match command {
                Command::Request {
                    request:
                        Request::Write {
                            epoch,
                            history,
                            vdl,
                            min_read_lsn,
                            records,
                            ..
                        },
                    reply,
                } => match segment.write(epoch, &history, vdl, &records) {
                    Ok(Ok(())) => {
                        segment.raise_gc_horizon(min_read_lsn);
                        acks.push(reply);
                    }
                    Ok(Err(error)) => fail_stop(error),
                    Err(refusal) => reply.send(refusal.into_response()),
                },
                Command::PeerRecords { history, records } => {
                    if let Err(error) = segment.receive_from_peer(&history, &records) {
                        fail_stop(error);
                    }
                }
                Command::Request { request, reply } => {
                    flush(&mut segment, &mut acks);
                    let response = execute(&mut segment, request);
                    reply.send(response);
                }
            }
        }
        flush(&mut segment, &mut acks);
    }
}

/// Syncs received records and acknowledges the writes waiting on them.
fn flush(segment: &mut Segment<FileLog, RedbVersions>, acks: &mut Vec<Reply>) {
    if let Err(error) = segment.sync() {
        fail_stop(error);
    }
    let scl = segment.scl();
    for ack in acks.drain(..) {
        ack.send(Response::WriteAck {
            pg: segment.pg(),
            scl,
        });
    }
}

fn execute(segment: &mut Segment<FileLog, RedbVersions>, request: Request) -> Response {
    let result = match request {
        Request::Write { .. } => unreachable!("writes are batched by the caller"),
        Request::Seal { epoch, .. } => match segment.seal(epoch) {
            Ok(result) => result,
            Err(refusal) => return refusal.into_response(),
        },
        Request::Get { key, at, need, .. } => segment.get(&key, at, need),
        Request::Scan {
            start,
            end,
            at,
            need,
            limit,
            ..
        } => {
            let limit = (limit as usize).clamp(1, borealis_common::limits::SCAN_ROWS_MAX);
            segment.scan(&start, end.as_deref(), at, need, limit)
        }
        Request::Fetch {
            after, bytes_max, ..
        } => {
            let bytes_max = (bytes_max as usize).min(borealis_common::limits::GOSSIP_BYTES_MAX);
            segment.fetch(after, bytes_max)
        }
        Request::FetchExact { lsns, .. } => segment.fetch_exact(&lsns),
        Request::Status { .. } => Ok(segment.status()),
    };
    match result {
        Ok(response) => response,
        Err(error) => fail_stop(error),
    }
}

/// Runs the replica: segments, the TCP listener, and gossip, until the
/// process is stopped.
pub async fn run(config: ServerConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(config.listen).await?;
    let segments = start_segments(&config.data_dir, config.pg_count)?;
    tracing::info!(address = %listener.local_addr()?, pgs = config.pg_count, "storage replica listening");
    let own = listener.local_addr()?;
    let peers: Vec<SocketAddr> = config.peers.iter().copied().filter(|p| *p != own).collect();
    tokio::spawn(gossip::run(segments.clone(), peers, config.gossip_interval));
    serve(listener, segments).await
}

/// Accepts connections and serves them.
pub async fn serve(listener: TcpListener, segments: Segments) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let segments = segments.clone();
        tokio::spawn(async move {
            if let Err(error) = serve_connection(stream, segments).await {
                tracing::debug!(%peer, %error, "replica connection ended");
            }
        });
    }
}

async fn serve_connection(stream: TcpStream, segments: Segments) -> Result<(), FrameError> {
    stream.set_nodelay(true)?;
    let (mut read_half, mut write_half) = stream.into_split();
    let (responses, mut response_rx) = mpsc::channel::<Vec<u8>>(REPLICA_QUEUE_DEPTH);
    let writer = tokio::spawn(async move {
        while let Some(first) = response_rx.recv().await {
            let mut buffer = first;
            while buffer.len() < (1 << 20) {
                match response_rx.try_recv() {
                    Ok(more) => buffer.extend_from_slice(&more),
                    Err(_) => break,
                }
            }
            if write_half.write_all(&buffer).await.is_err() {
                return;
            }
        }
    });
    // Bounds the requests of one connection in flight at once.
    let in_flight = Arc::new(Semaphore::new(REPLICA_QUEUE_DEPTH));
    let result = loop {
        let raw = match read_frame(&mut read_half).await {
            Ok(raw) => raw,
            Err(FrameError::Closed) => break Ok(()),
            Err(error) => break Err(error),
        };
        // Every request holds a permit until its answer is queued: bounds
        // the requests in flight and keeps the frame queue from filling.
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            break Ok(());
        };
        let reply = Reply::Connection {
            request_id: raw.request_id,
            frames: responses.clone(),
            permit,
        };
        let request = match Request::decode_body(raw.kind, &raw.body) {
            Ok(request) => request,
            Err(error) => {
                reply.send(Response::Error {
                    message: format!("bad request: {error}"),
                });
                continue;
            }
        };
        let Some(segment) = segments.get(request.pg()).cloned() else {
            reply.send(Response::Error {
                message: format!("this replica hosts no {}", request.pg()),
            });
            continue;
        };
        if segment
            .send(Command::Request { request, reply })
            .await
            .is_err()
        {
            break Ok(());
        }
    };
    drop(responses);
    let _ = writer.await;
    result
}
