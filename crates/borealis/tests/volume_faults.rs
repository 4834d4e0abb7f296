//! The volume under real faults: six `borealis storage` processes on
//! loopback, a writer committing continuously, and kill -9.
//!
//! The story: with both replicas of one AZ dead, commits keep succeeding
//! (4 of 6 remain); one more dead and commits wait, acknowledging nothing
//! that is not on 4 replicas, while reads still answer; the dead come back,
//! catch up by gossip and commits resume; then the writer itself dies, a new
//! one recovers the volume, and every acknowledged commit is there.

mod support;

use borealis_common::Lsn;
use borealis_volume_client::Volume;
use borealis_wire::Mutation;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::StorageCluster;

fn key(i: u64) -> Vec<u8> {
    // Spread keys over every PG (the first byte picks the PG).
    let mut key = vec![(i.wrapping_mul(37) % 256) as u8];
    key.extend_from_slice(format!("key-{i:08}").as_bytes());
    key
}

/// Commits key i = "value i" one after another; records each acknowledged i.
fn start_committer(
    volume: Volume,
    acked: Arc<Mutex<Vec<(u64, Lsn)>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut i = 0u64;
        loop {
            let mutation = Mutation {
                key: key(i),
                value: Some(format!("value {i}").into_bytes()),
            };
            match volume.commit(vec![mutation]).await {
                Ok(lsn) => acked.lock().unwrap().push((i, lsn)),
                Err(error) => panic!("commit {i} failed: {error}"),
            }
            i += 1;
        }
    })
}

async fn acked_count_after(acked: &Arc<Mutex<Vec<(u64, Lsn)>>>, wait: Duration) -> usize {
    tokio::time::sleep(wait).await;
    acked.lock().unwrap().len()
}

async fn wait_for_progress(
    acked: &Arc<Mutex<Vec<(u64, Lsn)>>>,
    from: usize,
    by: usize,
    within: Duration,
) {
    let deadline = Instant::now() + within;
    while acked.lock().unwrap().len() < from + by {
        assert!(
            Instant::now() < deadline,
            "commits made no progress: {} acked, wanted {}",
            acked.lock().unwrap().len(),
            from + by
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commits_survive_az_loss_quorum_loss_and_writer_crash() {
    let mut cluster = StorageCluster::start(2);
    let volume = Volume::open(cluster.volume_config())
        .await
        .expect("open volume");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let committer = start_committer(volume.clone(), acked.clone());
    wait_for_progress(&acked, 0, 20, Duration::from_secs(20)).await;

    // AZ a (replicas 0 and 1) dies: commits keep succeeding on 4 of 6.
    cluster.kill_replica(0);
    cluster.kill_replica(1);
    let before = acked.lock().unwrap().len();
    wait_for_progress(&acked, before, 20, Duration::from_secs(20)).await;

    // One more: only 3 left, so nothing more may be acknowledged...
    cluster.kill_replica(2);
    // Acks already on their way may still land; give them time under load.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stalled_at = acked.lock().unwrap().len();
    let later = acked_count_after(&acked, Duration::from_secs(2)).await;
    assert_eq!(
        later, stalled_at,
        "a commit was acknowledged with only 3 replicas alive"
    );
    // ...while reads still answer from the survivors.
    let (last_i, _) = *acked.lock().unwrap().last().expect("some commits");
    let value = volume
        .get(&key(last_i), volume.read_point())
        .await
        .expect("read with 3 replicas");
    assert_eq!(value, Some(format!("value {last_i}").into_bytes()));

    // The dead return: they catch up by gossip and commits resume.
    for replica in 0..3 {
        cluster.start_replica(replica);
    }
    wait_for_progress(&acked, stalled_at, 20, Duration::from_secs(30)).await;

    // The writer dies (its tasks stop mid-commit); a new writer recovers.
    committer.abort();
    let _ = committer.await;
    let old_epoch = volume.epoch();
    drop(volume);
    let acknowledged: Vec<(u64, Lsn)> = acked.lock().unwrap().clone();
    let recovered = Volume::open(cluster.volume_config())
        .await
        .expect("recover volume");
    assert!(recovered.epoch() > old_epoch);
    let read_point = recovered.read_point();
    let (_, last_lsn) = *acknowledged.last().unwrap();
    assert!(
        read_point >= last_lsn,
        "recovered VDL {read_point} is below an acknowledged commit {last_lsn}"
    );
    for (i, _) in &acknowledged {
        let value = recovered
            .get(&key(*i), read_point)
            .await
            .expect("read after recovery");
        assert_eq!(
            value,
            Some(format!("value {i}").into_bytes()),
            "acknowledged commit {i} lost"
        );
    }
    // The new writer commits too.
    recovered
        .commit(vec![Mutation {
            key: key(1 << 40),
            value: Some(b"after".to_vec()),
        }])
        .await
        .expect("commit after recovery");
}

/// PG splits by size under load and faults: a tiny split limit makes the
/// volume split again and again while a committer runs, an AZ dies in the
/// middle of it (the splits go on with 4 of 6 replicas) and comes back,
/// then the writer dies and a new one recovers. Every acknowledged commit
/// must be read back, through the map the new writer reads from the volume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_volume_splits_under_load_and_faults_and_loses_nothing() {
    let mut cluster = StorageCluster::start(1);
    let mut config = cluster.volume_config();
    config.split_bytes = Some(6_000);
    let volume = Volume::open(config.clone()).await.expect("open volume");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let committer = start_committer(volume.clone(), acked.clone());
    let wait_for_pgs = |volume: Volume, pgs: u32, within: Duration| async move {
        let deadline = Instant::now() + within;
        while volume.pg_count() < pgs {
            assert!(
                Instant::now() < deadline,
                "the volume did not split to {pgs} PGs: {:?}",
                volume.partitioning()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    wait_for_pgs(volume.clone(), 2, Duration::from_secs(60)).await;

    // AZ b dies: commits and splits go on with 4 of 6.
    cluster.kill_replica(2);
    cluster.kill_replica(3);
    let split_before = volume.pg_count();
    wait_for_pgs(volume.clone(), split_before + 2, Duration::from_secs(60)).await;
    let before = acked.lock().unwrap().len();
    wait_for_progress(&acked, before, 50, Duration::from_secs(30)).await;

    // It comes back: its replicas host the new PGs (opened by the writer's
    // writes or heartbeats), fill them from their sources and catch up.
    cluster.start_replica(2);
    cluster.start_replica(3);
    let split_before = volume.pg_count();
    wait_for_pgs(volume.clone(), split_before + 1, Duration::from_secs(60)).await;

    // The writer dies mid-commit; a new one recovers the map and the data.
    committer.abort();
    let _ = committer.await;
    let map = volume.partitioning();
    drop(volume);
    let acknowledged: Vec<(u64, Lsn)> = acked.lock().unwrap().clone();
    let recovered = Volume::open(config).await.expect("recover volume");
    let recovered_map = recovered.partitioning();
    assert!(
        recovered_map.pg_count() >= map.pg_count() && recovered_map.pg_count() > 3,
        "recovered {recovered_map:?}, the writer had {map:?}"
    );
    let read_point = recovered.read_point();
    let (_, last_lsn) = *acknowledged.last().unwrap();
    assert!(
        read_point >= last_lsn,
        "recovered below an acknowledged commit"
    );
    for (i, _) in &acknowledged {
        let value = recovered
            .get(&key(*i), read_point)
            .await
            .expect("read after recovery");
        assert_eq!(
            value,
            Some(format!("value {i}").into_bytes()),
            "acknowledged commit {i} lost (in {})",
            recovered_map.pg_of(&key(*i))
        );
    }
    // A scan across every PG sees every acknowledged key exactly once.
    let rows = recovered
        .scan(&[0], None, read_point, usize::MAX)
        .await
        .expect("scan after recovery");
    let mut expected: Vec<Vec<u8>> = acknowledged.iter().map(|(i, _)| key(*i)).collect();
    expected.sort();
    let keys: Vec<Vec<u8>> = rows.into_iter().map(|(k, _)| k).collect();
    let missing = expected
        .iter()
        .filter(|k| keys.binary_search(k).is_err())
        .count();
    assert_eq!(missing, 0, "the scan misses {missing} acknowledged keys");
    // The new writer commits into the split PGs too.
    recovered
        .commit(vec![Mutation {
            key: key(1 << 40),
            value: Some(b"after".to_vec()),
        }])
        .await
        .expect("commit after recovery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_writer_cannot_commit() {
    let cluster = StorageCluster::start(1);
    let old = Volume::open(cluster.volume_config())
        .await
        .expect("open volume");
    old.commit(vec![Mutation {
        key: key(1),
        value: Some(b"one".to_vec()),
    }])
    .await
    .expect("first commit");
    let new = Volume::open(cluster.volume_config())
        .await
        .expect("second writer");
    assert!(new.epoch() > old.epoch());
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        old.commit(vec![Mutation {
            key: key(2),
            value: Some(b"zombie".to_vec()),
        }]),
    )
    .await
    .expect("a fenced commit must fail, not hang");
    assert!(
        result.is_err(),
        "the old writer committed after being fenced"
    );
    let at = new.read_point();
    assert_eq!(new.get(&key(1), at).await.unwrap(), Some(b"one".to_vec()));
    assert_eq!(new.get(&key(2), at).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_collect_versions_below_the_minimum_read_point() {
    use borealis_common::PgId;
    use borealis_wire::client::ReplicaClient;
    use borealis_wire::{Request, Response};

    let cluster = StorageCluster::start(1);
    let volume = Volume::open(cluster.volume_config())
        .await
        .expect("open volume");
    let mut lsns = Vec::new();
    for version in 0..5 {
        let lsn = volume
            .commit(vec![Mutation {
                key: key(7),
                value: Some(format!("v{version}").into_bytes()),
            }])
            .await
            .expect("commit");
        lsns.push(lsn);
    }
    // Before any minimum read point, every version stays readable.
    let first = lsns[0];
    assert_eq!(
        volume.get(&key(7), first).await.unwrap(),
        Some(b"v0".to_vec())
    );

    // The compute reports that nothing reads below the newest version.
    let newest = *lsns.last().unwrap();
    volume.set_min_read_lsn(newest);
    let client = ReplicaClient::connect(cluster.addresses[0])
        .await
        .expect("connect");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // The horizon travels with writes and heartbeats (once a second).
        match client
            .call(&Request::Status { pg: PgId(0) })
            .await
            .expect("status")
        {
            Response::Status { gc_horizon, .. } if gc_horizon >= newest => break,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "the replica never raised its horizon"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A read below the horizon is refused, not answered from a partial history...
    let old_read = Request::Get {
        pg: PgId(0),
        key: key(7),
        at: first,
        need: Lsn::ZERO,
    };
    match client.call(&old_read).await.expect("get") {
        Response::Error { message } => {
            assert!(message.contains("garbage-collection horizon"), "{message}")
        }
        other => panic!("a read below the horizon was answered: {other:?}"),
    }
    // ...and reads at or above it see exactly what they saw before.
    assert_eq!(
        volume.get(&key(7), newest).await.unwrap(),
        Some(b"v4".to_vec())
    );
}

/// The writer's read cache under concurrent commits and reads, with a cache
/// so small that keys are evicted all the time: every read must equal what
/// the last acknowledged commit wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_cache_stays_coherent_with_commits() {
    let cluster = StorageCluster::start(2);
    let mut config = cluster.volume_config();
    config.cache_bytes = 2_000;
    let volume = Volume::open(config).await.expect("open volume");
    let keys = 40u64;
    let mut tasks = Vec::new();
    for worker in 0..4u64 {
        let volume = volume.clone();
        tasks.push(tokio::spawn(async move {
            // Each worker owns keys worker, worker+4, ...: it knows their values.
            let mut mine = std::collections::HashMap::new();
            for round in 0..60u64 {
                let k = worker + 4 * (round % (keys / 4));
                let value = if round % 7 == 0 {
                    None
                } else {
                    Some(format!("{worker}-{round}").into_bytes())
                };
                volume
                    .commit(vec![Mutation {
                        key: key(k),
                        value: value.clone(),
                    }])
                    .await
                    .expect("commit");
                mine.insert(k, value);
                for (k, expected) in &mine {
                    let got = volume
                        .get(&key(*k), volume.read_point())
                        .await
                        .expect("read");
                    assert_eq!(&got, expected, "key {k} read a stale value");
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
    let stats = volume.cache_stats();
    assert!(stats.hits > 0 && stats.misses > 0, "{stats:?}");
    assert!(stats.bytes <= 2_000);
}

/// A new writer rewrites every record above the VDL the replicas persisted
/// (their hint may trail by up to a quarter of LAL), and that can be more
/// records than one request may name or one frame may carry: it pages.
/// Before it did, `borealis up` on a data dir that had seen a pgbench load
/// failed every restart ("pg0 has 0 sealed replicas").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_rewrites_more_records_than_one_request_holds() {
    const COMMITS: u64 = 3 * borealis_common::limits::BATCH_RECORDS_MAX as u64;
    const COMMITTERS: u64 = 48;
    let cluster = StorageCluster::start(1);
    let writer = Volume::open(cluster.volume_config())
        .await
        .expect("open volume");
    let mut tasks = Vec::new();
    for committer in 0..COMMITTERS {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = committer;
            while i < COMMITS {
                let mutation = Mutation {
                    key: key(i),
                    value: Some(format!("value {i}").into_bytes()),
                };
                writer.commit(vec![mutation]).await.expect("commit");
                i += COMMITTERS;
            }
        }));
    }
    for task in tasks {
        task.await.expect("committer");
    }
    drop(writer);
    // Restarted replicas know only the VDL they last persisted.
    let mut cluster = cluster;
    for replica in 0..6 {
        cluster.kill_replica(replica);
        cluster.start_replica(replica);
    }
    let recovered = Volume::open(cluster.volume_config())
        .await
        .expect("a new writer recovers the volume");
    let at = recovered.read_point();
    for i in (0..COMMITS).step_by(97).chain([COMMITS - 1]) {
        assert_eq!(
            recovered.get(&key(i), at).await.expect("read"),
            Some(format!("value {i}").into_bytes()),
            "key {i}"
        );
    }
}
