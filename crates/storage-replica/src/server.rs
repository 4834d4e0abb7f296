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
//!
//! Segments are created on demand: a `Write` or `Seal` for a PG the replica
//! does not host yet (one a split made) opens `DIR/pgN/` and its thread.
//! A segment whose chain starts with a genesis record fills itself from
//! its source PG's thread on this replica ([`Command::Snapshot`]); the
//! source always has a lower PG id, so these waits cannot form a cycle.

use crate::gossip;
use crate::log_file::FileLog;
use crate::read_path::{Read, ReadPath};
use crate::segment::{ScanPage, Segment, GENESIS_PAGE_ROWS};
use crate::versions::RedbVersions;
use borealis_common::limits::REPLICA_QUEUE_DEPTH;
use borealis_common::{Lsn, PgId};
use borealis_wire::frame::{encode_response, read_frame, FrameError};
use borealis_wire::{EpochHistory, LogRecord, Request, Response};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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
    /// A page of versions for a PG split off this one (its genesis fill):
    /// `None` while this segment is not caught up through `at`.
    Snapshot {
        from: Vec<u8>,
        end: Option<Vec<u8>>,
        at: Lsn,
        reply: std::sync::mpsc::SyncSender<Option<ScanPage>>,
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

/// PG ids a replica accepts (a bound on what a request can make it create).
pub const PG_ID_MAX: u32 = 1 << 16;

/// Handles to the running segments, by PG.
#[derive(Clone)]
pub struct Segments {
    data_dir: PathBuf,
    senders: Arc<Mutex<BTreeMap<PgId, mpsc::Sender<Command>>>>,
    /// Each segment's reads that may bypass its thread.
    read_paths: Arc<Mutex<BTreeMap<PgId, ReadPath>>>,
}

/// What a segment thread holds of its host: weak, so that the threads
/// end once the last outside handle is dropped (their command channels
/// close).
#[derive(Clone)]
struct HostHandle {
    data_dir: PathBuf,
    senders: std::sync::Weak<Mutex<BTreeMap<PgId, mpsc::Sender<Command>>>>,
    read_paths: std::sync::Weak<Mutex<BTreeMap<PgId, ReadPath>>>,
}

impl HostHandle {
    fn upgrade(&self) -> Option<Segments> {
        Some(Segments {
            data_dir: self.data_dir.clone(),
            senders: self.senders.upgrade()?,
            read_paths: self.read_paths.upgrade()?,
        })
    }
}

impl Segments {
    fn downgrade(&self) -> HostHandle {
        HostHandle {
            data_dir: self.data_dir.clone(),
            senders: Arc::downgrade(&self.senders),
            read_paths: Arc::downgrade(&self.read_paths),
        }
    }

    /// The reads of `pg` that may bypass its segment thread.
    pub fn read_path(&self, pg: PgId) -> Option<ReadPath> {
        self.read_paths
            .lock()
            .expect("read paths lock")
            .get(&pg)
            .cloned()
    }

    pub fn get(&self, pg: PgId) -> Option<mpsc::Sender<Command>> {
        self.senders
            .lock()
            .expect("segments lock")
            .get(&pg)
            .cloned()
    }

    /// Every PG hosted, ascending.
    pub fn hosted(&self) -> Vec<PgId> {
        self.senders
            .lock()
            .expect("segments lock")
            .keys()
            .copied()
            .collect()
    }

    /// The segment of `pg`, opened (and created on disk) if need be.
    /// Blocking: call from a thread that may do disk I/O.
    pub fn get_or_open(&self, pg: PgId) -> std::io::Result<mpsc::Sender<Command>> {
        if pg.0 >= PG_ID_MAX {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{pg} is above the PG id bound"),
            ));
        }
        let mut senders = self.senders.lock().expect("segments lock");
        if let Some(sender) = senders.get(&pg) {
            return Ok(sender.clone());
        }
        let dir = self.data_dir.join(format!("pg{}", pg.0));
        let log = FileLog::open(&dir)?;
        let versions = RedbVersions::open(&dir.join("versions.redb"))?;
        let reader = versions.reader();
        let segment = Segment::open(pg, log, versions)?;
        let read_path = ReadPath {
            state: segment.published(),
            reader,
        };
        tracing::info!(pg = pg.0, scl = %segment.scl(), epoch = %segment.epoch(), records = segment.record_count(), "segment opened");
        let (tx, rx) = mpsc::channel(REPLICA_QUEUE_DEPTH);
        let host = self.downgrade();
        std::thread::Builder::new()
            .name(format!("segment-pg{}", pg.0))
            .spawn(move || run_segment(segment, rx, host))?;
        senders.insert(pg, tx.clone());
        self.read_paths
            .lock()
            .expect("read paths lock")
            .insert(pg, read_path);
        Ok(tx)
    }
}

/// Opens every segment under `data_dir` (PGs `0..pg_count` and any a split
/// created) and starts its thread.
pub fn start_segments(data_dir: &Path, pg_count: u32) -> std::io::Result<Segments> {
    let segments = Segments {
        data_dir: data_dir.to_path_buf(),
        senders: Arc::new(Mutex::new(BTreeMap::new())),
        read_paths: Arc::new(Mutex::new(BTreeMap::new())),
    };
    let mut pgs: Vec<u32> = (0..pg_count).collect();
    if let Ok(entries) = std::fs::read_dir(data_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(pg) = name
                .to_str()
                .and_then(|n| n.strip_prefix("pg"))
                .and_then(|n| n.parse::<u32>().ok())
            {
                pgs.push(pg);
            }
        }
    }
    pgs.sort_unstable();
    pgs.dedup();
    for pg in pgs {
        segments.get_or_open(PgId(pg))?;
    }
    Ok(segments)
}

fn fail_stop(error: std::io::Error) -> ! {
    tracing::error!(%error, "disk error: stopping this replica");
    std::process::exit(70);
}

/// Opens the segments of the new PGs the segment's split records named,
/// before its thread answers anything else (see `Segment::take_named_pgs`).
fn host_named_pgs(segment: &mut Segment<FileLog, RedbVersions>, host: &HostHandle) {
    let named = segment.take_named_pgs();
    let Some(host) = host.upgrade().filter(|_| !named.is_empty()) else {
        return;
    };
    for pg in named {
        match host.get_or_open(pg) {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
                tracing::warn!(%error, "a split names a PG above the bound");
            }
            Err(error) => fail_stop(error),
        }
    }
}

/// How often a segment waiting for its genesis fill asks its source again.
const GENESIS_RETRY: Duration = Duration::from_millis(20);

/// One step of a genesis fill: asks the source PG's thread for a page.
/// Returns false when the source cannot give one yet.
fn genesis_step(segment: &mut Segment<FileLog, RedbVersions>, host: &HostHandle) -> bool {
    let Some(fill) = segment.genesis_wanted().cloned() else {
        return false;
    };
    assert!(
        fill.source < segment.pg(),
        "a genesis copies from an older PG"
    );
    // The source may not be open here yet (a split of a split this replica
    // has not heard of): it is, once the writer or gossip reaches it.
    let Some(source) = host.upgrade().and_then(|host| host.get(fill.source)) else {
        return false;
    };
    let (reply, answer) = std::sync::mpsc::sync_channel(1);
    let command = Command::Snapshot {
        from: fill.from,
        end: fill.end,
        at: fill.source_lsn,
        reply,
    };
    if source.blocking_send(command).is_err() {
        return false;
    }
    match answer.recv() {
        Ok(Some(page)) => {
            if let Err(error) = segment.fill_genesis(page) {
                fail_stop(error);
            }
            true
        }
        _ => false,
    }
}

fn run_segment(
    mut segment: Segment<FileLog, RedbVersions>,
    mut commands: mpsc::Receiver<Command>,
    host: HostHandle,
) {
    let mut batch = Vec::with_capacity(256);
    let mut acks: Vec<Reply> = Vec::new();
    let mut genesis_retry_at = Instant::now();
    loop {
        // A genesis fill goes a page at a time, the commands waiting are
        // served between pages (writes to the new PG are not held up by a
        // long fill); while the source cannot give a page, the segment
        // polls its commands until it may ask again.
        if segment.genesis_wanted().is_some()
            && Instant::now() >= genesis_retry_at
            && !genesis_step(&mut segment, &host)
        {
            genesis_retry_at = Instant::now() + GENESIS_RETRY;
        }
        // Idle time goes to applying the log and collecting old versions;
        // commands always come first.
        let first = if segment.genesis_wanted().is_some() {
            match commands.try_recv() {
                Ok(command) => command,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if Instant::now() < genesis_retry_at {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        } else if segment.has_background_work() {
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
                        host_named_pgs(&mut segment, &host);
                        acks.push(reply);
                    }
                    Ok(Err(error)) => fail_stop(error),
                    Err(refusal) => reply.send(refusal.into_response()),
                },
                Command::PeerRecords { history, records } => {
                    if let Err(error) = segment.receive_from_peer(&history, &records) {
                        fail_stop(error);
                    }
                    host_named_pgs(&mut segment, &host);
                }
                Command::Snapshot {
                    from,
                    end,
                    at,
                    reply,
                } => {
                    flush(&mut segment, &mut acks);
                    let page =
                        match segment.snapshot_page(&from, end.as_deref(), at, GENESIS_PAGE_ROWS) {
                            Ok(page) => page,
                            Err(error) => fail_stop(error),
                        };
                    let _ = reply.send(page);
                }
                Command::Request { request, reply } => {
                    flush(&mut segment, &mut acks);
                    let mut response = execute(&mut segment, request);
                    // A seal report lists every PG hosted: never a partial
                    // list (recovery relies on it to find split PGs).
                    if matches!(response, Response::Sealed { .. }) {
                        match host.upgrade() {
                            Some(segments) => {
                                if let Response::Sealed { hosted, .. } = &mut response {
                                    *hosted = segments.hosted();
                                }
                            }
                            None => {
                                response = Response::Error {
                                    message: "this replica is stopping".into(),
                                }
                            }
                        }
                    }
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
        Request::FetchExact { lsns, .. } => {
            segment.fetch_exact(&lsns, borealis_common::limits::GOSSIP_BYTES_MAX)
        }
        Request::Status { .. } => Ok(segment.status()),
        Request::SplitAdvice {
            start,
            end,
            at,
            need,
            ..
        } => segment.split_advice(&start, end.as_deref(), at, need),
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
        let pg = request.pg();
        // A read the version store is applied far enough for is answered
        // here, not queued behind the segment thread's writes and syncs.
        if let Some((read, need)) = Read::of(&request) {
            if let Some(path) = segments.read_path(pg).filter(|p| p.applied_through(need)) {
                tokio::task::spawn_blocking(move || match path.answer(&read) {
                    Ok(response) => reply.send(response),
                    Err(error) => fail_stop(error),
                });
                continue;
            }
        }
        let segment = match segments.get(pg) {
            Some(segment) => segment,
            // A writer's write or seal opens a segment of a new PG.
            None if matches!(request, Request::Write { .. } | Request::Seal { .. }) => {
                let host = segments.clone();
                match tokio::task::spawn_blocking(move || host.get_or_open(pg)).await {
                    Ok(Ok(segment)) => segment,
                    Ok(Err(error)) if error.kind() == std::io::ErrorKind::InvalidInput => {
                        reply.send(Response::Error {
                            message: error.to_string(),
                        });
                        continue;
                    }
                    Ok(Err(error)) => fail_stop(error),
                    Err(_) => break Ok(()),
                }
            }
            None => {
                reply.send(Response::Error {
                    message: format!("this replica hosts no {pg}"),
                });
                continue;
            }
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
