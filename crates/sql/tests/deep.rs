//! Deeply nested or very long expressions fail cleanly (54001, like
//! PostgreSQL past max_stack_depth) instead of overflowing the stack, and
//! chains up to the limit work.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore};

async fn scenario() {
    let e = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    let mut s = e.session();
    let chain = vec!["1"; 1000].join(" + ");
    let r = s.execute_simple(&format!("SELECT {chain}")).await;
    assert_eq!(r[0].as_ref().unwrap().tag(), "SELECT 1");
    let chain = vec!["a"; 1000].join(" + ");
    let r = s
        .execute_simple(&format!("SELECT {chain} FROM (SELECT 1 AS a) t"))
        .await;
    assert_eq!(r[0].as_ref().unwrap().tag(), "SELECT 1");
    let ors = vec!["a = 1"; 499].join(" OR ");
    let r = s
        .execute_simple(&format!("SELECT 1 FROM (SELECT 1 AS a) t WHERE {ors}"))
        .await;
    assert_eq!(r[0].as_ref().unwrap().tag(), "SELECT 1");
    // Parenthesized conditions nested 18 deep (sqllogictest's index tests
    // have such) go past sqlparser's default nesting limit of 50.
    let nested_condition = format!(
        "SELECT 1 FROM (SELECT 1 AS a, 2 AS b) t WHERE {}a > 0{}",
        "(b > 1 OR a = 4 AND ".repeat(18),
        ")".repeat(18)
    );
    let r = s.execute_simple(&nested_condition).await;
    assert_eq!(r[0].as_ref().unwrap().tag(), "SELECT 1");
    for n in [2_000usize, 200_000] {
        let chain = vec!["1"; n].join(" + ");
        let r = s.execute_simple(&format!("SELECT {chain}")).await;
        assert_eq!(r[0].as_ref().unwrap_err().sqlstate, "54001");
        let nested = format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n));
        let r = s.execute_simple(&nested).await;
        let st = r[0].as_ref().unwrap_err().sqlstate;
        assert!(st == "54001" || st == "42601", "{st}");
        let nots = format!("SELECT {}true", "NOT ".repeat(n));
        let r = s.execute_simple(&nots).await;
        assert!(r[0].is_err());
        let ors = vec!["a = 1"; n].join(" OR ");
        let r = s
            .execute_simple(&format!("SELECT 1 FROM (SELECT 1 AS a) t WHERE {ors}"))
            .await;
        assert_eq!(r[0].as_ref().unwrap_err().sqlstate, "54001");
    }
}

/// Runs on an 8 MiB stack, the size recommended for the server's runtime
/// threads: debug builds of sqlparser need more than tokio's default 2 MiB to
/// reach its own nesting limit of 50. Operator chains up to the limit are
/// bound and evaluated without recursing per operator.
#[test]
fn long_and_deep_expressions_do_not_crash() {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(scenario());
        })
        .unwrap()
        .join()
        .unwrap();
}
