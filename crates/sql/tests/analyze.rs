//! ANALYZE: statistics are gathered, stored in the (persistent, versioned)
//! catalog, shown as pg_class.reltuples, and change the join order the
//! planner picks when its shape-based guesses are wrong, without changing
//! any result.

mod support;

use std::sync::Arc;
use support::{exec, rows};

use borealis_sql::{Engine, MemStore, Session};

/// orders (5000 rows, 99.5% of them 'shipped') reference customers (1000
/// rows), which reference regions (50 rows).
async fn fixture(s: &mut Session) {
    exec(s, "CREATE TABLE regions (id int PRIMARY KEY, name text)").await;
    exec(
        s,
        "CREATE TABLE customers (id int PRIMARY KEY, region int, name text)",
    )
    .await;
    exec(
        s,
        "CREATE TABLE orders (id int PRIMARY KEY, cust int, status text)",
    )
    .await;
    exec(
        s,
        "INSERT INTO regions SELECT i, 'region ' || i FROM generate_series(1, 50) i",
    )
    .await;
    exec(
        s,
        "INSERT INTO customers SELECT i, 1 + i % 50, 'customer ' || i FROM generate_series(1, 1000) i",
    )
    .await;
    exec(
        s,
        "INSERT INTO orders SELECT i, 1 + i % 1000, \
         CASE WHEN i % 200 = 0 THEN 'returned' ELSE 'shipped' END FROM generate_series(1, 5000) i",
    )
    .await;
}

/// The tables of a plan's scans, in EXPLAIN order (the join order).
async fn scan_order(s: &mut Session, query: &str) -> Vec<String> {
    rows(s, &format!("EXPLAIN {query}"))
        .await
        .iter()
        .filter_map(|l| {
            let at = l.find("Seq Scan on ")? + "Seq Scan on ".len();
            l[at..].split_whitespace().next().map(str::to_string)
        })
        .collect()
}

#[tokio::test]
async fn statistics_pick_the_join_order_and_keep_the_results() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = engine.session();
    fixture(&mut s).await;
    let query = "SELECT o.id, c.name, r.name FROM orders o, customers c, regions r \
                 WHERE o.cust = c.id AND c.region = r.id AND o.status = 'shipped'";
    // Without statistics a filtered table looks smallest: orders first.
    assert_eq!(
        scan_order(&mut s, query).await,
        ["orders", "customers", "regions"]
    );
    let mut before = rows(&mut s, query).await;
    assert_eq!(before.len(), 4975);
    exec(&mut s, "ANALYZE").await;
    // ANALYZE knows 'shipped' is nearly every order and regions has 50 rows.
    assert_eq!(
        scan_order(&mut s, query).await,
        ["regions", "customers", "orders"]
    );
    let mut after = rows(&mut s, query).await;
    before.sort();
    after.sort();
    assert_eq!(before, after);
    // A rare value (25 orders) makes orders the smallest again.
    let rare = "SELECT o.id, c.name, r.name FROM orders o, customers c, regions r \
                WHERE o.cust = c.id AND c.region = r.id AND o.status = 'returned'";
    assert_eq!(
        scan_order(&mut s, rare).await,
        ["orders", "customers", "regions"]
    );
    assert_eq!(rows(&mut s, rare).await.len(), 25);
}

#[tokio::test]
async fn statistics_are_persisted_versioned_and_transactional() {
    let store = Arc::new(MemStore::new());
    let engine = Engine::open(store.clone()).await.unwrap();
    let mut s = engine.session();
    fixture(&mut s).await;
    let reltuples = "SELECT relname, reltuples FROM pg_class \
                     WHERE relname IN ('orders', 'regions') ORDER BY relname";
    assert_eq!(rows(&mut s, reltuples).await, ["orders|-1", "regions|-1"]);
    // Inside a transaction block ANALYZE is part of it: ROLLBACK discards it.
    exec(&mut s, "BEGIN").await;
    exec(&mut s, "ANALYZE orders").await;
    assert_eq!(rows(&mut s, reltuples).await, ["orders|5000", "regions|-1"]);
    exec(&mut s, "ROLLBACK").await;
    assert_eq!(rows(&mut s, reltuples).await, ["orders|-1", "regions|-1"]);
    exec(&mut s, "VACUUM ANALYZE regions").await;
    exec(&mut s, "ANALYZE public.orders (status)").await;
    let mut other = engine.session();
    assert_eq!(
        rows(&mut other, reltuples).await,
        ["orders|5000", "regions|50"]
    );
    // Through the extended protocol too.
    let prepared = s.prepare("ANALYZE customers", &[]).await.unwrap();
    s.execute_prepared(&prepared, &[]).await.unwrap();
    assert_eq!(
        rows(
            &mut s,
            "SELECT reltuples FROM pg_class WHERE relname = 'customers'"
        )
        .await,
        ["1000"]
    );
    // A new engine over the same store loads them with the catalog.
    let reopened = Engine::open(store).await.unwrap();
    let mut s2 = reopened.session();
    assert_eq!(
        rows(&mut s2, reltuples).await,
        ["orders|5000", "regions|50"]
    );
    let err = s2
        .execute_simple("ANALYZE nope")
        .await
        .remove(0)
        .unwrap_err();
    assert_eq!(err.sqlstate, "42P01");
    // Writes after ANALYZE keep working (statistics are no constraint change).
    exec(&mut s2, "INSERT INTO regions VALUES (51, 'region 51')").await;
    assert_eq!(rows(&mut s2, "SELECT count(*) FROM regions").await, ["51"]);
}
