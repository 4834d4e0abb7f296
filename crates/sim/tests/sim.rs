//! The simulation's tests: many random seeds, determinism, replay of one
//! seed, and scripted scenarios.

use borealis_sim::{Config, Node, Sim};

/// Ticks of the faulty phase of a random seed.
const SEED_TICKS: u64 = 2_500;

fn seeds_from_env(default: u64) -> u64 {
    std::env::var("BOREALIS_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_seeds_keep_every_invariant() {
    let count = seeds_from_env(1_000);
    let base: u64 = std::env::var("BOREALIS_SIM_SEED_BASE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let mut acked = 0usize;
    let mut recoveries = 0usize;
    let mut reads = 0usize;
    let mut scans = 0usize;
    let mut splits = 0usize;
    for seed in base..base + count {
        match Sim::run_seed(Config::random(seed, SEED_TICKS)) {
            Ok(summary) => {
                acked += summary.acked;
                recoveries += summary.recoveries;
                reads += summary.reads;
                scans += summary.scans;
                splits += summary.splits;
            }
            Err(failure) => {
                eprintln!("FAILED {failure}");
                failures.push(failure);
            }
        }
    }
    eprintln!(
        "{count} seeds in {:.1}s: {acked} commits acknowledged, {recoveries} recoveries, {reads} reads checked ({scans} scans), {splits} PG splits committed, {} failures",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} seeds failed (replay one with BOREALIS_SIM_SEED=<seed> cargo test -p borealis-sim replay -- --nocapture):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The seeds must exercise splits (most turn them on, with tiny limits).
    assert!(
        count < 100 || splits > count as usize,
        "only {splits} splits in {count} seeds"
    );
}

#[test]
fn failover_storms_keep_every_invariant() {
    let count = seeds_from_env(150);
    let mut failures = Vec::new();
    let mut splits = 0usize;
    for seed in 0..count {
        match Sim::run_seed(Config::storm(seed, SEED_TICKS)) {
            Ok(summary) => splits += summary.splits,
            Err(failure) => {
                eprintln!("FAILED storm {failure}");
                failures.push(failure);
            }
        }
    }
    eprintln!("{count} storm seeds: {splits} PG splits committed");
    assert!(
        failures.is_empty(),
        "{} storm seeds failed (replay with BOREALIS_SIM_STORM=1 BOREALIS_SIM_SEED=<seed>):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn replay() {
    let Some(seed) = std::env::var("BOREALIS_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    else {
        return;
    };
    let mut cfg = if std::env::var("BOREALIS_SIM_STORM").is_ok() {
        Config::storm(seed, SEED_TICKS)
    } else {
        Config::random(seed, SEED_TICKS)
    };
    cfg.verbose = true;
    let result = Sim::run_seed(cfg);
    eprintln!("{result:?}");
    result.unwrap();
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = Sim::run_seed(Config::random(42, 1_500)).unwrap();
    let b = Sim::run_seed(Config::random(42, 1_500)).unwrap();
    assert_eq!(a, b);
    let c = Sim::run_seed(Config::random(43, 1_500)).unwrap();
    assert_ne!(a.event_hash, c.event_hash);
}

// ---------------------------------------------------------------- scenarios

/// A quiet world whose first writer has recovered and committed a while.
fn warmed_up(seed: u64, pg_count: u32, ticks: u64) -> Sim {
    let mut cfg = Config::quiet(seed, pg_count);
    cfg.verbose = std::env::var("BOREALIS_SIM_VERBOSE").is_ok();
    let mut sim = Sim::new(cfg);
    let active = sim
        .run_until(5_000, |s| {
            s.current_writer().is_some_and(|w| s.writer_is_active(w))
        })
        .unwrap();
    assert!(active, "the first writer recovers an empty volume");
    sim.run(ticks).unwrap();
    assert!(sim.acked_count() > 0);
    sim
}

fn current(sim: &Sim) -> u32 {
    sim.current_writer().expect("a current writer")
}

#[test]
fn az_loss_keeps_commits_going() {
    let mut sim = warmed_up(11, 2, 300);
    sim.cut_az(1, 1_000_000);
    sim.run(100).unwrap();
    let before = sim.acked_count();
    sim.run(1_000).unwrap();
    assert!(
        sim.acked_count() > before + 50,
        "only {} commits with az-b down",
        sim.acked_count() - before
    );
    sim.finish().unwrap();
}

#[test]
fn az_plus_one_stalls_commits_but_loses_nothing() {
    let mut sim = warmed_up(12, 2, 400);
    sim.cut_az(0, 1_000_000);
    sim.crash_replica(2, None, 1_000_000);
    sim.run(200).unwrap();
    let stalled = sim.acked_count();
    sim.run(1_000).unwrap();
    assert_eq!(sim.acked_count(), stalled, "a write quorum cannot exist");
    // A new writer still seals the read quorum left and plans its
    // recovery, but cannot make it durable: it waits.
    let plans = sim.plans_made();
    sim.replace_writer(false);
    sim.run(2_000).unwrap();
    let w = current(&sim);
    assert!(sim.plans_made() > plans, "a read quorum is enough to plan");
    assert_eq!(sim.writer_phase(w), "rewrite");
    // Healing (in finish) brings everything acknowledged back.
    sim.finish().unwrap();
}

#[test]
fn zombie_writer_is_fenced() {
    let mut sim = warmed_up(13, 3, 500);
    let old = current(&sim);
    // The old writer keeps running and committing while its successor
    // recovers: it must be refused, and nothing it sends after the seal
    // may be acknowledged or survive (checked in finish).
    sim.replace_writer(true);
    let new = current(&sim);
    assert!(sim.writer_is_active(old));
    let recovered = sim.run_until(5_000, |s| s.writer_is_active(new)).unwrap();
    assert!(recovered);
    sim.run(500).unwrap();
    assert!(sim.writer_fenced(old) && sim.writer_is_dead(old));
    assert!(sim.acked_by(new) > 0);
    sim.finish().unwrap();
}

#[test]
fn torn_tail_is_repaired_by_gossip() {
    let mut cfg = Config::quiet(14, 1);
    cfg.faults.slow_sync = 0.9;
    let mut sim = Sim::new(cfg);
    sim.run_until(5_000, |s| {
        s.current_writer().is_some_and(|w| s.writer_is_active(w))
    })
    .unwrap();
    sim.run(600).unwrap();
    sim.crash_replica(1, Some(37), 30);
    sim.set_workload(false);
    sim.run(200).unwrap();
    let caught_up = sim
        .run_until(3_000, |s| s.replica_scl(1, 0) == s.replica_scl(0, 0))
        .unwrap();
    assert!(
        caught_up,
        "r1 did not catch up: {:?} vs {:?}",
        sim.replica_scl(1, 0),
        sim.replica_scl(0, 0)
    );
    sim.finish().unwrap();
}

#[test]
fn corrupt_record_is_refetched_from_peers() {
    let mut sim = warmed_up(15, 1, 800);
    sim.set_workload(false);
    sim.run(300).unwrap();
    let before = sim.replica_scl(0, 0).unwrap();
    assert!(before > borealis_common::Lsn::ZERO);
    // Rot in the first record's length: the whole log after it is cut off
    // when the replica reloads.
    sim.corrupt_replica(0, 0, 0);
    sim.run(10).unwrap();
    assert!(sim.replica_scl(0, 0).unwrap() < before);
    let repaired = sim
        .run_until(3_000, |s| {
            s.replica_scl(0, 0).is_some_and(|scl| scl >= before)
        })
        .unwrap();
    assert!(repaired);
    sim.finish().unwrap();
}

#[test]
fn a_writer_that_dies_mid_rewrite_is_replaced_cleanly() {
    let mut sim = warmed_up(16, 3, 600);
    sim.replace_writer(false);
    let second = current(&sim);
    let rewriting = sim
        .run_until(5_000, |s| s.writer_phase(second) == "rewrite")
        .unwrap();
    assert!(rewriting);
    sim.replace_writer(false);
    let third = current(&sim);
    let recovered = sim.run_until(5_000, |s| s.writer_is_active(third)).unwrap();
    assert!(recovered);
    sim.run(300).unwrap();
    assert!(sim.acked_by(third) > 0);
    sim.finish().unwrap();
}

#[test]
fn a_writer_dying_mid_rewrite_does_not_wedge_recovery() {
    let mut sim = warmed_up(17, 2, 300);
    sim.set_workload(false);
    sim.run(300).unwrap();
    let w0 = current(&sim);
    // Only r0 hears the next transaction (one record in each PG), and it
    // cannot gossip it.
    for r in 1..6 {
        sim.cut_link(Node::Writer(w0), Node::Replica(r), 1_000_000);
        sim.cut_link(Node::Replica(0), Node::Replica(r), 1_000_000);
    }
    sim.commit(vec![
        sim.keys_of_pg(0)[0].clone(),
        sim.keys_of_pg(1)[0].clone(),
    ]);
    sim.run(50).unwrap();
    // w1 finds the transaction on r0 and plans to keep it...
    sim.replace_writer(false);
    let w1 = current(&sim);
    let reached = sim
        .run_until(5_000, |s| s.rewriting_pg(w1) == Some(1))
        .unwrap();
    assert!(reached);
    // ...rewrites pg0 (its replicas now carry w1's truncation), then dies
    // before pg1's rewrite lands, and r0, the only holder of pg1's record,
    // goes down.
    for r in 1..6 {
        sim.cut_link(Node::Writer(w1), Node::Replica(r), 1_000_000);
    }
    sim.crash_replica(0, None, 1_000_000);
    sim.replace_writer(false);
    // w2 can only recover below w1's planned VDL, and must.
    let w2 = current(&sim);
    let recovered = sim.run_until(5_000, |s| s.writer_is_active(w2)).unwrap();
    assert!(recovered, "w2 is stuck in {}", sim.writer_phase(w2));
    sim.run(300).unwrap();
    sim.finish().unwrap();
}

#[test]
fn a_new_writer_never_shares_its_epoch_with_a_zombie() {
    let mut sim = warmed_up(18, 1, 200);
    // w1 recovers at epoch 2 without ever reaching r4 and r5, which stay
    // at epoch 1 (no gossip reaches them either).
    sim.replace_writer(false);
    let w1 = current(&sim);
    for r in 4..6 {
        sim.cut_link(Node::Writer(w1), Node::Replica(r), 1_000_000);
        for other in 0..4 {
            sim.cut_link(Node::Replica(other), Node::Replica(r), 1_000_000);
        }
    }
    let recovered = sim.run_until(5_000, |s| s.writer_is_active(w1)).unwrap();
    assert!(recovered);
    sim.run(200).unwrap();
    // w1 lingers as a zombie. Its successor w2 asks for the highest epoch
    // while it only reaches r4 and r5: it hears epoch 1.
    sim.replace_writer(true);
    let w2 = current(&sim);
    for r in 0..4 {
        sim.cut_link(Node::Writer(w2), Node::Replica(r), 30);
    }
    // Its seals must still fence w1 out rather than share epoch 2 with it.
    let recovered = sim.run_until(5_000, |s| s.writer_is_active(w2)).unwrap();
    assert!(recovered);
    sim.run(500).unwrap();
    assert!(sim.writer_fenced(w1), "w1 still writes beside w2");
    sim.finish().unwrap();
}

// ---------------------------------------------------------------- splits

#[test]
fn a_split_during_an_az_loss_and_a_failover_keeps_every_commit() {
    let mut sim = warmed_up(21, 1, 300);
    let key = sim.keys_of_pg(0)[2].clone();
    // AZ b is cut off: the split needs 4 of the 4 replicas left.
    sim.cut_az(1, 1_500);
    let new_pg = sim.split_now(0, &key).expect("a split inside the range");
    sim.run(40).unwrap();
    // A replica crashes in the middle of things (its fill, if started, is
    // lost with its version store) and the writer is replaced, the old one
    // lingering as a zombie.
    sim.crash_replica(0, Some(20), 200);
    sim.replace_writer(true);
    let w = current(&sim);
    let recovered = sim.run_until(8_000, |s| s.writer_is_active(w)).unwrap();
    assert!(recovered, "w{w} is stuck in {}", sim.writer_phase(w));
    let map = sim.writer_map(w).unwrap();
    assert_eq!(map.pg_count(), 2, "the split was durable: {map:?}");
    assert_eq!(map.pg_of(&key).0, new_pg);
    sim.run(800).unwrap();
    assert!(sim.acked_by(w) > 0);
    // Every replica hosts the new PG, AZ b's too once it is back.
    sim.run(1_000).unwrap();
    for r in 0..6 {
        assert!(sim.replica_hosts(r).contains(&new_pg), "r{r}");
    }
    sim.finish().unwrap();
}

#[test]
fn a_split_only_a_lost_replica_heard_is_voided_even_if_its_pg_returns() {
    let mut sim = warmed_up(22, 1, 300);
    sim.set_workload(false);
    sim.run(200).unwrap();
    let w0 = current(&sim);
    // Only r0 hears the split, and cannot pass it on...
    for r in 1..6 {
        sim.cut_link(Node::Writer(w0), Node::Replica(r), 1_000_000);
        sim.cut_link(Node::Replica(0), Node::Replica(r), 1_000_000);
    }
    let key = sim.keys_of_pg(0)[1].clone();
    let lost_pg = sim.split_now(0, &key).expect("a split");
    sim.run(50).unwrap();
    assert!(sim.replica_hosts(0).contains(&lost_pg));
    // ...then goes down with it, so the next writer never hears of it.
    sim.crash_replica(0, None, 1_500);
    sim.replace_writer(false);
    let w1 = current(&sim);
    let recovered = sim.run_until(8_000, |s| s.writer_is_active(w1)).unwrap();
    assert!(recovered, "w1 is stuck in {}", sim.writer_phase(w1));
    assert_eq!(sim.writer_map(w1).unwrap().pg_count(), 1);
    // w1 splits too, and (knowing no better) gives the new PG the same id:
    // r0's old genesis of it is void under w1's history when r0 returns.
    sim.set_workload(true);
    sim.run(300).unwrap();
    let again = sim.split_now(0, &key).expect("a split");
    assert_eq!(again, lost_pg);
    sim.run(600).unwrap();
    assert_eq!(sim.writer_map(w1).unwrap().pg_count(), 2);
    sim.heal_network();
    sim.run(2_000).unwrap();
    assert!(sim.replica_is_up(0));
    sim.finish().unwrap();
}

#[test]
fn a_zombie_writers_split_never_takes_effect() {
    let mut sim = warmed_up(23, 2, 400);
    let old = current(&sim);
    sim.replace_writer(true);
    let new = current(&sim);
    let recovered = sim.run_until(5_000, |s| s.writer_is_active(new)).unwrap();
    assert!(recovered);
    // The zombie, not yet fenced (it has not written since), splits: its
    // records are refused by the sealed segments, so the split is never
    // durable, and finish() checks no zombie split became committed.
    let key = sim.keys_of_pg(1)[2].clone();
    sim.split_by(old, 1, &key);
    sim.run(600).unwrap();
    assert!(sim.writer_fenced(old));
    assert_eq!(sim.writer_map(new).unwrap().pg_count(), 2);
    sim.finish().unwrap();
}

#[test]
fn chains_of_splits_fill_from_filled_sources() {
    let mut cfg = Config::quiet(24, 1);
    cfg.keys_per_pg = 8;
    cfg.faults.background_apply = 0.0;
    let mut sim = Sim::new(cfg);
    sim.run_until(5_000, |s| {
        s.current_writer().is_some_and(|w| s.writer_is_active(w))
    })
    .unwrap();
    sim.run(600).unwrap();
    // Split, then split the new PG again before any replica filled it
    // (nothing applies in the background; only reads would).
    let keys = sim.keys_of_pg(0);
    let first = sim.split_now(0, &keys[2]).expect("first split");
    sim.run(30).unwrap();
    let second = sim.split_now(first, &keys[5]).expect("second split");
    assert!(second > first);
    sim.run(30).unwrap();
    sim.crash_replica(3, None, 50);
    sim.run(1_000).unwrap();
    let w = current(&sim);
    assert_eq!(sim.writer_map(w).unwrap().pg_count(), 3);
    sim.finish().unwrap();
}

#[test]
fn a_new_pg_whose_genesis_lags_its_old_pg_record_is_still_sealed() {
    // The race: the old PG's records of a split reach a write quorum, the
    // new PG's genesis is still on its way, and a new writer seals. The
    // replicas' seal reports must name the new PG anyway (they host it
    // from the moment they take the old PG's record), or the new writer
    // would leave it unsealed and the old one could make the split and
    // commits in the new PG durable behind its back.
    let mut sim = warmed_up(25, 1, 300);
    sim.set_workload(false);
    sim.run(200).unwrap();
    let w0 = current(&sim);
    for r in 4..6 {
        sim.cut_link(Node::Writer(w0), Node::Replica(r), 1_000_000);
    }
    let keys = sim.keys_of_pg(0);
    sim.hold(Node::Writer(w0), 1, 400);
    let new_pg = sim.split_now(0, &keys[2]).expect("a split");
    assert_eq!(new_pg, 1);
    sim.run(20).unwrap();
    // The old writer lingers; its successor recovers meanwhile.
    sim.replace_writer(true);
    let w1 = current(&sim);
    let recovered = sim.run_until(380, |s| s.writer_is_active(w1)).unwrap();
    assert!(recovered, "w1 is stuck in {}", sim.writer_phase(w1));
    // The held genesis lands; the zombie commits into the new PG.
    sim.commit_by(w0, vec![keys[3].clone()]);
    sim.run(1_000).unwrap();
    sim.finish().unwrap();
}
