//! Gossip: a replica fills the gaps in its segments from its peers, without
//! the writer.
//!
//! Every interval, for each segment, the replica asks one peer (in turn)
//! for the records of the PG's chain after its own SCL. The peer answers
//! from its chain with its epoch history; the records go through the same
//! checks as a write (epochs, voids, backlinks). A replica that was down, or
//! lost its unsynced tail in a crash, or cut a corrupt record, catches up
//! this way.

use crate::server::{Command, Reply, Segments};
use borealis_common::limits::GOSSIP_BYTES_MAX;
use borealis_common::PgId;
use borealis_wire::client::ReplicaClient;
use borealis_wire::{Request, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;

pub async fn run(segments: Segments, peers: Vec<SocketAddr>, interval: Duration) {
    if peers.is_empty() {
        return;
    }
    let mut clients: HashMap<SocketAddr, ReplicaClient> = HashMap::new();
    let mut turn = 0usize;
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        for pg in segments.hosted() {
            turn = turn.wrapping_add(1);
            let peer = peers[turn % peers.len()];
            if let Err(error) = pull(&segments, pg, peer, &mut clients).await {
                tracing::trace!(%peer, pg = pg.0, %error, "gossip pull failed");
                clients.remove(&peer);
            }
        }
    }
}

async fn pull(
    segments: &Segments,
    pg: PgId,
    peer: SocketAddr,
    clients: &mut HashMap<SocketAddr, ReplicaClient>,
) -> Result<(), String> {
    let Some(segment) = segments.get(pg) else {
        return Ok(());
    };
    let (reply, reply_rx) = oneshot::channel();
    segment
        .send(Command::Request {
            request: Request::Status { pg },
            reply: Reply::Local(reply),
        })
        .await
        .map_err(|_| "segment stopped".to_string())?;
    let Ok(Response::Status { scl, .. }) = reply_rx.await else {
        return Err("no status".into());
    };
    if clients.get(&peer).is_none_or(ReplicaClient::is_closed) {
        let client = tokio::time::timeout(Duration::from_secs(1), ReplicaClient::connect(peer))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| e.to_string())?;
        clients.insert(peer, client);
    }
    let client = clients.get(&peer).ok_or("no client")?;
    let request = Request::Fetch {
        pg,
        after: scl,
        bytes_max: GOSSIP_BYTES_MAX as u32,
    };
    let response = tokio::time::timeout(Duration::from_secs(5), client.call(&request))
        .await
        .map_err(|_| "fetch timed out".to_string())?
        .map_err(|e| e.to_string())?;
    match response {
        Response::Records {
            history, records, ..
        } => {
            if records.is_empty() {
                return Ok(());
            }
            tracing::debug!(%peer, pg = pg.0, count = records.len(), "gossip filled records");
            segment
                .send(Command::PeerRecords { history, records })
                .await
                .map_err(|_| "segment stopped".to_string())
        }
        // The peer does not host this PG yet (a new one): ask another next
        // round; the connection is fine.
        Response::Error { .. } => Ok(()),
        other => Err(format!("unexpected answer {other:?}")),
    }
}
