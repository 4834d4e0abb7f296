//! PostgreSQL's attribute numbers after ALTER TABLE ... DROP COLUMN: a
//! dropped column's number stays taken (an `attisdropped` row in
//! pg_attribute), columns added later take the next one, and every catalog
//! that names columns by number agrees (PostgreSQL 15's results).

mod support;

use support::{check, memory_engine};

#[tokio::test]
async fn dropped_columns_keep_their_numbers_in_every_catalog() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE an (b int, a int, c text DEFAULT 'd')",
                "CREATE TABLE",
            ),
            ("ALTER TABLE an DROP a", "ALTER TABLE"),
            ("ALTER TABLE an ADD a int NOT NULL DEFAULT 0", "ALTER TABLE"),
            ("ALTER TABLE an DROP a", "ALTER TABLE"),
            ("ALTER TABLE an ADD a int", "ALTER TABLE"),
            ("ALTER TABLE an ADD UNIQUE (a)", "ALTER TABLE"),
            (
                "SELECT attname, attnum, atttypid, attisdropped, attlen, attnotnull \
                 FROM pg_attribute WHERE attrelid = 'an'::regclass AND attnum > 0 ORDER BY attnum",
                "b|1|23|f|4|f\n\
                 ........pg.dropped.2........|2|0|t|4|f\n\
                 c|3|25|f|-1|f\n\
                 ........pg.dropped.4........|4|0|t|4|f\n\
                 a|5|23|f|4|f",
            ),
            (
                "SELECT adnum FROM pg_attrdef WHERE adrelid = 'an'::regclass",
                "3",
            ),
            (
                "SELECT conkey FROM pg_constraint WHERE conrelid = 'an'::regclass",
                "{5}",
            ),
            (
                "SELECT ordinal_position, column_name FROM information_schema.columns \
                 WHERE table_name = 'an' ORDER BY 1",
                "1|b\n3|c\n5|a",
            ),
            ("COMMENT ON COLUMN an.a IS 'the a'", "COMMENT"),
            ("SELECT col_description('an'::regclass, 5)", "the a"),
            ("INSERT INTO an (b, a) VALUES (1, 2)", "INSERT 0 1"),
            ("SELECT * FROM an", "1|d|2"),
        ],
    )
    .await;
}

#[tokio::test]
async fn partitions_number_their_own_columns() {
    // pg-regress insert.sql: the key column's number differs per level.
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            (
                "CREATE TABLE ml (a int, b int) PARTITION BY RANGE (a, (b + 0))",
                "CREATE TABLE",
            ),
            (
                "CREATE TABLE ml1 (b int NOT NULL, a int NOT NULL) PARTITION BY RANGE ((b + 0))",
                "CREATE TABLE",
            ),
            ("CREATE TABLE ml11 (LIKE ml1)", "CREATE TABLE"),
            ("ALTER TABLE ml11 DROP a", "ALTER TABLE"),
            ("ALTER TABLE ml11 ADD a int", "ALTER TABLE"),
            ("ALTER TABLE ml11 DROP a", "ALTER TABLE"),
            ("ALTER TABLE ml11 ADD a int NOT NULL", "ALTER TABLE"),
            (
                "ALTER TABLE ml1 ATTACH PARTITION ml11 FOR VALUES FROM (2) TO (5)",
                "ALTER TABLE",
            ),
            (
                "ALTER TABLE ml ATTACH PARTITION ml1 FOR VALUES FROM (1, 2) TO (1, 10)",
                "ALTER TABLE",
            ),
            (
                "SELECT attrelid::regclass, attnum FROM pg_attribute WHERE attname = 'a' \
                 AND attrelid IN ('ml'::regclass, 'ml1'::regclass, 'ml11'::regclass) \
                 ORDER BY attrelid::regclass::text",
                "ml|1\nml1|2\nml11|4",
            ),
            (
                "SELECT partattrs FROM pg_partitioned_table WHERE partrelid = 'ml1'::regclass",
                "0",
            ),
            ("INSERT INTO ml VALUES (1, 3)", "INSERT 0 1"),
            ("SELECT tableoid::regclass, a, b FROM ml", "ml11|1|3"),
        ],
    )
    .await;
}

#[tokio::test]
async fn relation_sizes_come_in_whole_pages() {
    let engine = memory_engine().await;
    let mut s = engine.session();
    check(
        &mut s,
        &[
            ("CREATE TABLE sz (a int, b text)", "CREATE TABLE"),
            ("SELECT pg_relation_size('sz')", "0"),
            ("INSERT INTO sz VALUES (1, repeat('a', 1000))", "INSERT 0 1"),
            (
                "SELECT pg_relation_size('sz'), pg_size_pretty(pg_relation_size('sz'))",
                "8192|8192 bytes",
            ),
            (
                "INSERT INTO sz SELECT i, repeat('b', 1000) FROM generate_series(1, 20) i",
                "INSERT 0 20",
            ),
            (
                "SELECT pg_relation_size('sz') % 8192, pg_relation_size('sz') > 8192",
                "0|t",
            ),
            ("TRUNCATE sz", "TRUNCATE TABLE"),
            ("SELECT pg_relation_size('sz')", "0"),
        ],
    )
    .await;
}
