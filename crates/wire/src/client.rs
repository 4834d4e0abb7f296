//! A pipelined client for the replica protocol: many requests in flight on
//! one connection, answers matched by request id. Used by the volume client
//! (writer to replicas) and by replicas for gossip (replica to replica).
//!
//! A connection that fails fails every request in flight on it, and the
//! client reports itself closed; the owner reconnects. Requests in flight
//! are bounded by [`REPLICA_QUEUE_DEPTH`] (back-pressure: `call` waits).

use crate::frame::{encode_request, read_frame, FrameError};
use crate::message::{Request, Response};
use borealis_common::limits::REPLICA_QUEUE_DEPTH;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Semaphore};

#[derive(Debug, thiserror::Error, Clone)]
pub enum ClientError {
    #[error("connection to replica lost: {0}")]
    Disconnected(String),
    #[error("replica sent a bad frame: {0}")]
    BadFrame(String),
}

/// Who waits for an answer: a task (`call`), or a callback run on the
/// connection's reader task (`send`), which saves a task wake-up per
/// request on the commit path.
enum Waiter {
    Task(oneshot::Sender<Result<Response, ClientError>>),
    Callback(Box<dyn FnOnce(Result<Response, ClientError>) + Send>),
}

impl Waiter {
    fn answer(self, result: Result<Response, ClientError>) {
        match self {
            Waiter::Task(sender) => {
                let _ = sender.send(result);
            }
            Waiter::Callback(callback) => callback(result),
        }
    }
}

type Pending = Arc<Mutex<HashMap<u64, Waiter>>>;

pub struct ReplicaClient {
    address: SocketAddr,
    frames: mpsc::Sender<Vec<u8>>,
    pending: Pending,
    next_id: AtomicU64,
    closed: Arc<AtomicBool>,
    in_flight: Arc<Semaphore>,
}

impl ReplicaClient {
    pub async fn connect(address: SocketAddr) -> std::io::Result<ReplicaClient> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (mut read_half, mut write_half) = stream.into_split();
        let (frames, mut frame_rx) = mpsc::channel::<Vec<u8>>(REPLICA_QUEUE_DEPTH);
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let closed = Arc::new(AtomicBool::new(false));

        let writer_closed = closed.clone();
        let writer_pending = pending.clone();
        tokio::spawn(async move {
            while let Some(first) = frame_rx.recv().await {
                // Coalesce whatever else is queued into one write.
                let mut buffer = first;
                while buffer.len() < (1 << 20) {
                    match frame_rx.try_recv() {
                        Ok(more) => buffer.extend_from_slice(&more),
                        Err(_) => break,
                    }
                }
                if let Err(error) = write_half.write_all(&buffer).await {
                    fail_all(
                        &writer_pending,
                        &writer_closed,
                        ClientError::Disconnected(error.to_string()),
                    );
                    return;
                }
            }
        });

        let reader_closed = closed.clone();
        let reader_pending = pending.clone();
        tokio::spawn(async move {
            loop {
                let error = match read_frame(&mut read_half).await {
                    Ok(raw) => match Response::decode_body(raw.kind, &raw.body) {
                        Ok(response) => {
                            let waiter = reader_pending
                                .lock()
                                .expect("pending lock")
                                .remove(&raw.request_id);
                            if let Some(waiter) = waiter {
                                waiter.answer(Ok(response));
                            }
                            continue;
                        }
                        Err(error) => ClientError::BadFrame(error.to_string()),
                    },
                    Err(FrameError::Decode(error)) => ClientError::BadFrame(error.to_string()),
                    Err(error) => ClientError::Disconnected(error.to_string()),
                };
                fail_all(&reader_pending, &reader_closed, error);
                return;
            }
        });

        Ok(ReplicaClient {
            address,
            frames,
            pending,
            next_id: AtomicU64::new(1),
            closed,
            in_flight: Arc::new(Semaphore::new(REPLICA_QUEUE_DEPTH)),
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Closes the connection from this side: everything in flight fails.
    pub fn close(&self) {
        fail_all(
            &self.pending,
            &self.closed,
            ClientError::Disconnected("closed by its owner".into()),
        );
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Sends `request` and waits for its answer.
    pub async fn call(&self, request: &Request) -> Result<Response, ClientError> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| ClientError::Disconnected("client dropped".into()))?;
        let (tx, rx) = oneshot::channel();
        self.enqueue(request, Waiter::Task(tx)).await;
        rx.await
            .unwrap_or_else(|_| Err(ClientError::Disconnected("connection closed".into())))
    }

    /// Sends `request`; `on_answer` runs on the connection's reader task
    /// with the answer (or the connection's failure). It must be quick and
    /// must not block.
    pub async fn send(
        &self,
        request: &Request,
        on_answer: impl FnOnce(Result<Response, ClientError>) + Send + 'static,
    ) {
        let permit = match self.in_flight.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => {
                on_answer(Err(ClientError::Disconnected("client dropped".into())));
                return;
            }
        };
        let callback = move |result| {
            drop(permit);
            on_answer(result);
        };
        self.enqueue(request, Waiter::Callback(Box::new(callback)))
            .await;
    }

    async fn enqueue(&self, request: &Request, waiter: Waiter) {
        let closed = || Err(ClientError::Disconnected("connection closed".into()));
        if self.is_closed() {
            waiter.answer(closed());
            return;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.pending
            .lock()
            .expect("pending lock")
            .insert(id, waiter);
        // A failure between the check and the insert drained the map before
        // our waiter was in it: answer it ourselves.
        if self.is_closed() {
            if let Some(waiter) = self.pending.lock().expect("pending lock").remove(&id) {
                waiter.answer(closed());
            }
            return;
        }
        let frame = encode_request(id, request);
        if self.frames.send(frame).await.is_err() {
            if let Some(waiter) = self.pending.lock().expect("pending lock").remove(&id) {
                waiter.answer(closed());
            }
        }
    }
}

fn fail_all(pending: &Pending, closed: &AtomicBool, error: ClientError) {
    closed.store(true, Ordering::Release);
    let waiters: Vec<_> = pending
        .lock()
        .expect("pending lock")
        .drain()
        .map(|(_, w)| w)
        .collect();
    for waiter in waiters {
        waiter.answer(Err(error.clone()));
    }
}
