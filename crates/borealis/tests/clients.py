# Driven by tests/clients.rs: python3 clients.py PORT psycopg|asyncpg|sqlalchemy (PGPASSWORD set).
import asyncio, os, sys, decimal, datetime
port = int(sys.argv[1]); pw = os.environ["PGPASSWORD"]
dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres password={pw} sslmode=require"
which = sys.argv[2]
if which == "psycopg":
    import psycopg
    with psycopg.connect(dsn) as c:
        c.execute("create table py_items (id int primary key, name text not null, price numeric(8,2), at timestamptz, ok boolean)")
        with c.transaction():
            c.execute("insert into py_items values (%s, %s, %s, %s, %s)", (1, "apple", decimal.Decimal("1.50"), datetime.datetime(2024,1,2,3,4,5,tzinfo=datetime.timezone.utc), True))
            c.execute("insert into py_items values (%s, %s, %s, %s, %s)", (2, "pear", None, None, False))
        rows = c.execute("select id, name, price, at, ok from py_items where id >= %s order by id", (1,)).fetchall()
        print("psycopg rows", rows)
        assert rows[0][2] == decimal.Decimal("1.50") and rows[1][2] is None
        try:
            c.execute("insert into py_items values (%s, %s)", (1, "dup"))
            raise SystemExit("no error")
        except psycopg.errors.UniqueViolation as e:
            print("psycopg sqlstate", e.sqlstate)
        c.rollback()
elif which == "asyncpg":
    import asyncpg, ssl
    async def main():
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        c = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres", database="postgres", password=pw, ssl=ctx)
        await c.execute("create table apg_items (id int primary key, name text, qty bigint, d date)")
        async with c.transaction():
            await c.executemany("insert into apg_items values ($1, $2, $3, $4)", [(1, "a", 10, datetime.date(2024,1,1)), (2, "b", None, None)])
        rows = await c.fetch("select id, name, qty, d from apg_items where id > $1 order by id", 0)
        print("asyncpg rows", [tuple(r) for r in rows])
        try:
            await c.execute("select 1/0")
        except asyncpg.exceptions.DivisionByZeroError as e:
            print("asyncpg sqlstate", e.sqlstate)
        await c.close()
    asyncio.run(main())
elif which == "sqlalchemy":
    import sqlalchemy as sa
    eng = sa.create_engine(f"postgresql+psycopg://postgres:{pw}@127.0.0.1:{port}/postgres?sslmode=require")
    md = sa.MetaData()
    sa.Table("sa_users", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False), sa.Column("score", sa.Numeric(6, 2)))
    md.create_all(eng)
    with eng.begin() as conn:
        conn.execute(sa.text("insert into sa_users (name, score) values (:n, :s)"), [{"n": "x", "s": 1}, {"n": "y", "s": 2}])
    sa.Table("sa_orders", md, sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("user_id", sa.Integer, sa.ForeignKey("sa_users.id"), nullable=False), sa.Column("total", sa.Numeric(8, 2), sa.CheckConstraint("total >= 0", name="sa_orders_total_check")))
    md.create_all(eng)
    insp = sa.inspect(eng)
    print("sqlalchemy tables", insp.get_table_names())
    assert insp.has_table("sa_users")
    # Reflection (inspect): columns, foreign keys, checks, comments.
    columns = [(c["name"], str(c["type"]), c["nullable"], c["autoincrement"]) for c in insp.get_columns("sa_orders")]
    print("sqlalchemy columns", columns)
    assert columns == [("id", "BIGINT", False, True), ("user_id", "INTEGER", False, False), ("total", "NUMERIC(8, 2)", True, False)], columns
    fks = insp.get_foreign_keys("sa_orders")
    assert [(f["constrained_columns"], f["referred_table"], f["referred_columns"]) for f in fks] == [(["user_id"], "sa_users", ["id"])], fks
    checks = insp.get_check_constraints("sa_orders")
    assert [c["name"] for c in checks] == ["sa_orders_total_check"], checks
    assert insp.get_table_comment("sa_orders") == {"text": None}
    # Reflection of keys and indexes (unnest/generate_subscripts of pg_index.indkey).
    sa.Table("sa_pairs", md, sa.Column("a", sa.Integer, primary_key=True), sa.Column("b", sa.Text, primary_key=True), sa.Column("c", sa.Integer), sa.UniqueConstraint("c", name="sa_pairs_c_key"), sa.Index("sa_pairs_b_c", "b", "c"))
    md.create_all(eng)
    insp = sa.inspect(eng)
    pk = insp.get_pk_constraint("sa_pairs")
    assert (pk["name"], pk["constrained_columns"]) == ("sa_pairs_pkey", ["a", "b"]), pk
    uniques = insp.get_unique_constraints("sa_pairs")
    assert [(u["name"], u["column_names"]) for u in uniques] == [("sa_pairs_c_key", ["c"])], uniques
    indexes = sorted((i["name"], i["column_names"], i["unique"]) for i in insp.get_indexes("sa_pairs"))
    print("sqlalchemy indexes", indexes)
    assert indexes == [("sa_pairs_b_c", ["b", "c"], False), ("sa_pairs_c_key", ["c"], True)], indexes
    reflected = sa.MetaData()
    reflected.reflect(eng)
    assert {"sa_orders", "sa_pairs", "sa_users"} <= set(reflected.tables), sorted(reflected.tables)
    assert [c.name for c in reflected.tables["sa_pairs"].primary_key.columns] == ["a", "b"]
    assert [c.name for c in reflected.tables["sa_orders"].primary_key.columns] == ["id"]
    with eng.connect() as conn:
        print("sqlalchemy count", conn.execute(sa.text("select count(*) from sa_users")).scalar())
