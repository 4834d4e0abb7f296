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
    for seed in base..base + count {
        match Sim::run_seed(Config::random(seed, SEED_TICKS)) {
            Ok(summary) => {
                acked += summary.acked;
                recoveries += summary.recoveries;
                reads += summary.reads;
                scans += summary.scans;
            }
            Err(failure) => {
                eprintln!("FAILED {failure}");
                failures.push(failure);
            }
        }
    }
    eprintln!(
        "{count} seeds in {:.1}s: {acked} commits acknowledged, {recoveries} recoveries, {reads} reads checked ({scans} scans), {} failures",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} seeds failed (replay one with BOREALIS_SIM_SEED=<seed> cargo test -p borealis-sim replay -- --nocapture):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn failover_storms_keep_every_invariant() {
    let count = seeds_from_env(150);
    let mut failures = Vec::new();
    for seed in 0..count {
        if let Err(failure) = Sim::run_seed(Config::storm(seed, SEED_TICKS)) {
            eprintln!("FAILED storm {failure}");
            failures.push(failure);
        }
    }
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
