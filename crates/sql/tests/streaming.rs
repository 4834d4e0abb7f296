//! The streaming executor's memory bound. With a statement memory limit far
//! below the table's size and a 64kB work_mem, queries delivered through a
//! cursor (`execute_simple_streaming` + `fetch`, what the endpoint uses)
//! succeed — scans page, sorts, hash joins and DISTINCT spill — while the
//! same `SELECT *` gathered whole (the materializing path) and an operator
//! that cannot spill fail with 53200. LIMIT reads only the store pages it
//! needs, counted by a store wrapper.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use borealis_common::Lsn;
mod support;

use support::exec;

use borealis_sql::{
    Engine, MemStore, Mutation, Session, SqlError, StatementOutput, Store, StoreError, Streamed,
};

/// MemStore counting its range scans (one per page a query reads).
struct CountingStore {
    inner: MemStore,
    scans: AtomicUsize,
}

#[async_trait::async_trait]
impl Store for CountingStore {
    fn read_point(&self) -> Lsn {
        self.inner.read_point()
    }
    async fn get(&self, key: &[u8], at: Lsn) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key, at).await
    }
    async fn scan(
        &self,
        start: &[u8],
        end: &[u8],
        at: Lsn,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        self.scans.fetch_add(1, Ordering::Relaxed);
        self.inner.scan(start, end, at, limit).await
    }
    async fn commit(&self, mutations: Vec<Mutation>) -> Result<Lsn, StoreError> {
        self.inner.commit(mutations).await
    }
}

const ROWS: usize = 40_000;
/// Far below what the table's rows take in memory (~12 MB).
const STATEMENT_MEMORY: usize = 2 << 20;

async fn setup() -> (Engine, Arc<CountingStore>, Session) {
    let store = Arc::new(CountingStore {
        inner: MemStore::new(),
        scans: AtomicUsize::new(0),
    });
    let engine = Engine::open(store.clone()).await.unwrap();
    engine.set_spill_dir(std::env::temp_dir().join(format!(
        "borealis-streaming-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    )));
    let mut s = engine.session();
    exec(
        &mut s,
        "CREATE TABLE big (id int PRIMARY KEY, grp int, x int, pad text)",
    )
    .await;
    exec(
        &mut s,
        &format!(
            "INSERT INTO big SELECT i, i % 100, (i * 7919) % {ROWS}, repeat('p', 150) || i \
             FROM generate_series(1, {ROWS}) i"
        ),
    )
    .await;
    engine.set_statement_memory_max(STATEMENT_MEMORY);
    exec(&mut s, "SET work_mem = '64kB'").await;
    (engine, store, s)
}

/// Opens a cursor over `sql` and fetches it 1000 rows at a time.
async fn stream(s: &mut Session, sql: &str) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let mut results = s.execute_simple_streaming(sql).await;
    assert_eq!(results.len(), 1, "{sql}");
    let cursor = match results.pop() {
        Some(Ok(Streamed::Cursor(c))) => c,
        other => panic!("{sql}: not a cursor: {other:?}"),
    };
    let mut rows = Vec::new();
    loop {
        let fetched = s.fetch(cursor.id, 1000).await?;
        rows.extend(fetched.rows);
        if let Some(tag) = fetched.done {
            assert_eq!(tag, format!("SELECT {}", rows.len()), "{sql}");
            return Ok(rows);
        }
    }
}

fn int(v: &Option<String>) -> i64 {
    v.as_deref().unwrap_or("").parse().unwrap()
}

#[tokio::test]
async fn large_queries_stream_within_the_statement_memory_limit() {
    let (engine, _store, mut s) = setup().await;
    let spills = engine.spill_files_created();

    let all = stream(&mut s, "SELECT * FROM big").await.unwrap();
    assert_eq!(all.len(), ROWS);

    let count = stream(&mut s, "SELECT count(*), sum(x) FROM big")
        .await
        .unwrap();
    assert_eq!(count[0][0].as_deref(), Some("40000"));

    let sorted = stream(&mut s, "SELECT x, id, pad FROM big ORDER BY x DESC")
        .await
        .unwrap();
    assert_eq!(sorted.len(), ROWS);
    assert!(sorted.windows(2).all(|w| int(&w[0][0]) >= int(&w[1][0])));
    assert!(engine.spill_files_created() > spills, "the sort spilled");

    let joined = stream(
        &mut s,
        "SELECT a.id, b.pad FROM big a JOIN big b ON a.id = b.x + 1",
    )
    .await
    .unwrap();
    assert_eq!(joined.len(), ROWS);

    let distinct = stream(&mut s, "SELECT DISTINCT grp, pad FROM big")
        .await
        .unwrap();
    assert_eq!(distinct.len(), ROWS);
    let groups = stream(&mut s, "SELECT DISTINCT grp FROM big")
        .await
        .unwrap();
    assert_eq!(groups.len(), 100);

    let union = stream(
        &mut s,
        "SELECT pad FROM big UNION SELECT pad FROM big WHERE id < 100",
    )
    .await
    .unwrap();
    assert_eq!(union.len(), ROWS);
}

#[tokio::test]
async fn what_cannot_stream_or_spill_fails_with_53200() {
    let (_engine, _store, mut s) = setup().await;
    // The whole result gathered before delivery: the materializing path.
    let r = s.execute_simple("SELECT * FROM big").await;
    let e = r[0].as_ref().unwrap_err();
    assert_eq!((e.sqlstate, e.message.as_str()), ("53200", "out of memory"));
    assert!(e
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("kB a statement may hold"));

    // A window function holds one partition: here all of big.
    let e = stream(&mut s, "SELECT id, row_number() OVER (ORDER BY x) FROM big")
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "53200");
    assert!(e
        .detail
        .unwrap()
        .starts_with("a window function's partition"));

    // The session is usable afterwards, and small results still gather whole.
    let r = s.execute_simple("SELECT count(*) FROM big").await;
    match &r[0] {
        Ok(StatementOutput::Rows { rows, .. }) => assert_eq!(rows[0][0].as_deref(), Some("40000")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn limit_reads_only_the_pages_it_needs() {
    let (_engine, store, mut s) = setup().await;
    let before = store.scans.load(Ordering::Relaxed);
    let rows = stream(&mut s, "SELECT * FROM big LIMIT 5").await.unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(store.scans.load(Ordering::Relaxed) - before, 1, "one page");

    // A fetch pulls only what it returns: 3 rows of a full scan read one page.
    let before = store.scans.load(Ordering::Relaxed);
    let mut r = s.execute_simple_streaming("SELECT id FROM big").await;
    let Some(Ok(Streamed::Cursor(c))) = r.pop() else {
        panic!("not a cursor")
    };
    let first = s.fetch(c.id, 3).await.unwrap();
    assert_eq!(first.rows.len(), 3);
    assert_eq!(first.done, None);
    assert_eq!(store.scans.load(Ordering::Relaxed) - before, 1);
    s.close_cursor(c.id);
    assert_eq!(s.fetch(c.id, 3).await.unwrap_err().sqlstate, "34000");
}

#[tokio::test]
async fn cursors_see_their_transactions_own_writes_page_by_page() {
    let (_engine, _store, mut s) = setup().await;
    exec(&mut s, "BEGIN").await;
    // Writes spread over many store pages: updates, deletes and inserts.
    exec(&mut s, "UPDATE big SET x = -1 WHERE id % 5000 = 0").await;
    exec(&mut s, "DELETE FROM big WHERE id % 7000 = 1").await;
    exec(
        &mut s,
        "INSERT INTO big VALUES (40001, 0, -2, 'new'), (0, 0, -3, 'zero')",
    )
    .await;
    let rows = stream(&mut s, "SELECT id, x FROM big").await.unwrap();
    exec(&mut s, "COMMIT").await;
    let ids: Vec<i64> = rows.iter().map(|r| int(&r[0])).collect();
    assert_eq!(rows.len(), ROWS - 6 + 2);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "key order");
    assert_eq!(rows.iter().filter(|r| int(&r[1]) == -1).count(), 8);
    assert_eq!((ids[0], ids[ids.len() - 1]), (0, 40001));
    assert!(!ids.contains(&7001));
}

#[tokio::test]
async fn prepared_queries_stream_and_a_cursor_commits_at_its_end() {
    let (_engine, _store, mut s) = setup().await;
    let p = s
        .prepare("SELECT id FROM big WHERE grp = $1 ORDER BY id", &[])
        .await
        .unwrap();
    let Ok(Streamed::Cursor(c)) = s.execute_prepared_streaming(&p, &[Some("7".into())]).await
    else {
        panic!("not a cursor")
    };
    let mut n = 0;
    loop {
        let f = s.fetch(c.id, 150).await.unwrap();
        n += f.rows.len();
        if f.done.is_some() {
            break;
        }
        assert_eq!(f.rows.len(), 150);
    }
    assert_eq!(n, ROWS / 100);
    // Its own transaction ended: the session is idle and writes work.
    exec(&mut s, "UPDATE big SET x = 0 WHERE id = 1").await;
}

#[tokio::test]
async fn order_by_with_limit_keeps_only_the_first_rows() {
    let (engine, _store, mut s) = setup().await;
    let full = stream(
        &mut s,
        "SELECT grp, x, id FROM big ORDER BY grp, x % 7 DESC",
    )
    .await
    .unwrap();
    let spills = engine.spill_files_created();
    let top = stream(
        &mut s,
        "SELECT grp, x, id FROM big ORDER BY grp, x % 7 DESC LIMIT 50 OFFSET 10",
    )
    .await
    .unwrap();
    assert_eq!(top, full[10..60].to_vec(), "ties keep input order");
    // 60 rows fit in work_mem (64kB); the whole input would spill.
    assert_eq!(engine.spill_files_created(), spills, "top-N did not spill");
}

#[tokio::test]
async fn generate_series_in_from_streams() {
    let engine = Engine::open(Arc::new(MemStore::new())).await.unwrap();
    engine.set_statement_memory_max(1 << 20);
    let mut s = engine.session();
    // Two million values gathered whole would hold far more than 1 MiB.
    assert_eq!(
        support::run(
            &mut s,
            "SELECT count(*), sum(g) FROM generate_series(1, 2000000) g"
        )
        .await,
        "2000000|2000001000000"
    );
    assert_eq!(
        support::run(
            &mut s,
            "SELECT g FROM generate_series(1, 50000000) g LIMIT 3"
        )
        .await,
        "1\n2\n3"
    );
}
