//! TOAST on the in-memory store: large values go out of line in chunks
//! (so a value over the store's 16 MiB per-value limit is stored), read
//! back whole through every path, and the chunks actually in the store
//! follow each UPDATE, DELETE, TRUNCATE, rollback and savepoint.

use std::sync::Arc;

use borealis_sql::{Engine, MemStore, Session, Store};

mod support;

use support::{exec, rows, run};

async fn setup() -> (Arc<MemStore>, Session) {
    let store = Arc::new(MemStore::new());
    let engine = Engine::open(store.clone()).await.expect("engine opens");
    (store, engine.session())
}

/// Keys in table `name`'s toast range, as the store holds them now.
async fn chunk_keys(store: &MemStore, s: &mut Session, name: &str) -> Vec<Vec<u8>> {
    let oid: i64 = rows(s, &format!("select '{name}'::regclass::oid::int8"))
        .await
        .remove(0)
        .parse()
        .expect("an oid");
    // pg_catalog::table_oid: 16384 + 512 * table id.
    let id = ((oid - 16_384) / 512) as u32;
    let mut start = vec![0x01];
    start.extend_from_slice(&id.to_be_bytes());
    start.push(0xFF);
    let mut end = start.clone();
    end.pop();
    end.extend_from_slice(&[0xFF, 0xFF]);
    store
        .scan(&start, &end, store.read_point(), usize::MAX)
        .await
        .expect("scan")
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// 600 kB: three 256 kB chunks.
const VALUE: &str = "repeat('0123456789', 60000)";

#[tokio::test]
async fn chunks_follow_the_rows_that_point_to_them() {
    let (store, mut s) = setup().await;
    exec(&mut s, "create table t (id int primary key, v text, n int)").await;
    for id in 1..=3 {
        exec(&mut s, &format!("insert into t values ({id}, {VALUE}, 0)")).await;
    }
    let first = chunk_keys(&store, &mut s, "t").await;
    assert_eq!(first.len(), 9);
    assert_eq!(
        rows(&mut s, &format!("select count(*) from t where v = {VALUE}")).await,
        ["3"]
    );

    // Another column changes: the same chunks.
    exec(&mut s, "update t set n = n + 1").await;
    assert_eq!(chunk_keys(&store, &mut s, "t").await, first);

    // The value changes: new chunks for row 1 only.
    exec(&mut s, "update t set v = v || 'x' where id = 1").await;
    let second = chunk_keys(&store, &mut s, "t").await;
    assert_eq!(second.len(), 9);
    assert_eq!(second.iter().filter(|k| first.contains(k)).count(), 6);
    assert_eq!(
        rows(
            &mut s,
            "select id, length(v), right(v, 2) from t order by id"
        )
        .await,
        ["1|600001|9x", "2|600000|89", "3|600000|89"]
    );

    // Updated twice in one transaction: the middle version leaves nothing.
    exec(
        &mut s,
        "begin; update t set v = v || 'y' where id = 2; \
         update t set v = v || 'z' where id = 2; commit",
    )
    .await;
    assert_eq!(chunk_keys(&store, &mut s, "t").await.len(), 9);
    assert_eq!(
        rows(&mut s, "select right(v, 3) from t where id = 2").await,
        ["9yz"]
    );

    // Rolled back work leaves the chunks as they were.
    let before = chunk_keys(&store, &mut s, "t").await;
    exec(
        &mut s,
        &format!(
            "begin; insert into t values (4, {VALUE}, 0); delete from t where id = 1; rollback"
        ),
    )
    .await;
    exec(
        &mut s,
        &format!(
            "begin; savepoint a; insert into t values (5, {VALUE}, 0); \
             rollback to savepoint a; commit"
        ),
    )
    .await;
    assert_eq!(chunk_keys(&store, &mut s, "t").await, before);

    exec(&mut s, "delete from t where id = 3").await;
    assert_eq!(chunk_keys(&store, &mut s, "t").await.len(), 6);
    exec(&mut s, "truncate t").await;
    assert!(chunk_keys(&store, &mut s, "t").await.is_empty());
}

#[tokio::test]
async fn a_value_over_the_stores_value_limit_is_stored_in_chunks() {
    let (store, mut s) = setup().await;
    exec(&mut s, "create table big (id int, b bytea)").await;
    // 20 MB: over MemStore's (and the volume's) 16 MiB per value.
    exec(
        &mut s,
        "insert into big select 1, decode(repeat('61626364', 5000000), 'hex')",
    )
    .await;
    assert_eq!(
        rows(
            &mut s,
            "select length(encode(b, 'hex')) / 2, b = decode(repeat('61626364', 5000000), 'hex') from big"
        )
        .await,
        ["20000000|t"]
    );
    assert_eq!(chunk_keys(&store, &mut s, "big").await.len(), 77);
    assert_eq!(
        rows(
            &mut s,
            "select pg_database_size(current_database()) > 20000000"
        )
        .await,
        ["t"]
    );
    // INSERT ... SELECT, RETURNING and COPY-sized reads see the whole value.
    assert_eq!(
        rows(&mut s, "insert into big select 2, decode(encode(b, 'hex') || '00', 'hex') from big returning length(encode(b, 'hex')) / 2").await,
        ["20000001"]
    );
    assert_eq!(chunk_keys(&store, &mut s, "big").await.len(), 154);
    exec(&mut s, "delete from big").await;
    assert!(chunk_keys(&store, &mut s, "big").await.is_empty());
}

#[tokio::test]
async fn storage_strategies_and_the_tuple_target_decide_what_moves() {
    let (store, mut s) = setup().await;
    exec(&mut s, "create table st (a text, b text)").await;
    let three_kb = "repeat('1234567890', 300)";
    exec(&mut s, &format!("insert into st values ({three_kb}, 'x')")).await;
    assert_eq!(chunk_keys(&store, &mut s, "st").await.len(), 1);
    exec(
        &mut s,
        "truncate st; alter table st set (toast_tuple_target = 4080)",
    )
    .await;
    exec(&mut s, &format!("insert into st values ({three_kb}, 'x')")).await;
    assert!(chunk_keys(&store, &mut s, "st").await.is_empty());
    assert_eq!(
        rows(
            &mut s,
            "select reloptions from pg_class where relname = 'st'"
        )
        .await,
        ["{toast_tuple_target=4080}"]
    );
    exec(&mut s, "alter table st reset (toast_tuple_target)").await;
    exec(&mut s, "alter table st alter column a set storage plain").await;
    exec(&mut s, &format!("insert into st values ({three_kb}, 'x')")).await;
    assert!(chunk_keys(&store, &mut s, "st").await.is_empty());
    assert_eq!(
        rows(
            &mut s,
            "select attstorage from pg_attribute where attrelid = 'st'::regclass order by attnum"
        )
        .await,
        ["p", "x"]
    );
    // A PLAIN value too large for one row is refused, as PostgreSQL does.
    assert_eq!(
        run(&mut s, "insert into st values (repeat('x', 17000000), 'y')").await,
        "ERROR 54000: row is too big: size 17000020, maximum size 16777216"
    );
    assert_eq!(
        run(&mut s, "alter table st set (toast_tuple_target = 100)").await,
        "ERROR 22023: value 100 out of bounds for option \"toast_tuple_target\""
    );
    // The toast relation, as pg_class shows it.
    assert_eq!(
        rows(
            &mut s,
            "select c.reltoastrelid = t.oid, t.relkind, n.nspname, t.relname = 'pg_toast_' || c.oid \
             from pg_class c join pg_class t on t.oid = c.reltoastrelid \
             join pg_namespace n on n.oid = t.relnamespace where c.relname = 'st'"
        )
        .await,
        ["t|t|pg_toast|t"]
    );
    assert_eq!(
        rows(
            &mut s,
            "select reltoastrelid::regclass::text = 'pg_toast.pg_toast_' || oid, \
             pg_table_size(oid) >= pg_relation_size(reltoastrelid) \
             from pg_class where relname = 'st'"
        )
        .await,
        ["t|t"]
    );
    exec(&mut s, "create table ints (a int, b int8)").await;
    assert_eq!(
        rows(
            &mut s,
            "select reltoastrelid from pg_class where relname = 'ints'"
        )
        .await,
        ["0"]
    );
}

#[tokio::test]
async fn an_index_on_a_toasted_column_holds_the_whole_value() {
    let (_store, mut s) = setup().await;
    exec(&mut s, "create table ix (id int, v text)").await;
    exec(&mut s, "create index ix_v on ix (v)").await;
    exec(
        &mut s,
        "alter table ix alter column v set storage external; \
         insert into ix values (1, repeat('a', 3000)), (2, repeat('b', 3000))",
    )
    .await;
    assert_eq!(
        rows(&mut s, "select id from ix where v = repeat('b', 3000)").await,
        ["2"]
    );
    exec(&mut s, "update ix set v = repeat('c', 3000) where id = 2").await;
    assert_eq!(
        rows(
            &mut s,
            "select id, left(v, 2) from ix where v > repeat('a', 3000) order by v"
        )
        .await,
        ["2|cc"]
    );
}
