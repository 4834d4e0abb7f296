// pgjdbc (Debian's libpostgresql-jdbc-java) against Borealis; compiled and
// run by tests/drivers.rs: java -cp postgresql.jar:. JdbcSmoke PORT CA_PEM
// (PGPASSWORD set). Verified TLS (sslmode=verify-full) with SCRAM, DDL,
// parameterized DML, a transaction rolled back and one committed, every
// supported type through setObject/getObject (text, then binary once the
// statement is server-prepared), an error's SQLSTATE, and DatabaseMetaData
// (getTables, getColumns, getImportedKeys, getExportedKeys, getFunctions,
// getSchemas, getTypeInfo; getPrimaryKeys and getIndexInfo need
// information_schema._pg_expandarray, not supported yet). A failed check
// throws; the last line is "jdbc ok".

import java.math.BigDecimal;
import java.sql.*;
import java.time.*;
import java.util.*;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

public class JdbcSmoke {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    static void checkEq(Object got, Object want, String what) {
        if (!Objects.equals(got, want)) throw new AssertionError(what + ": got " + got + ", want " + want);
    }

    static PGobject json(String type, String value) throws SQLException {
        PGobject o = new PGobject();
        o.setType(type);
        o.setValue(value);
        return o;
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?sslmode=verify-full&sslrootcert=" + args[1];
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", System.getenv("PGPASSWORD"));
        props.setProperty("prepareThreshold", "2");
        try (Connection c = DriverManager.getConnection(url, props)) {
            try (Statement s = c.createStatement()) {
                s.execute("create table every_type (id int4 primary key, b bool, i2 int2, i8 int8, f4 float4, f8 float8, "
                        + "n numeric(12,3) not null default 0, t text, vc varchar(10), c char(4), d date, ts timestamp, "
                        + "tstz timestamptz, by bytea, u uuid, iv interval, tm time, j json, jb jsonb, ia int4[], ta text[])");
                s.execute("create table child (id int primary key, parent int references every_type (id))");
                s.execute("create table pair (a int4, b text, c int8, primary key (b, a))");
                s.execute("create unique index pair_c_a on pair (c, a)");
            }
            LocalDate date = LocalDate.of(2024, 2, 29);
            LocalTime time = LocalTime.of(13, 14, 15, 250_000_000);
            LocalDateTime timestamp = LocalDateTime.of(date, time);
            OffsetDateTime timestamptz = OffsetDateTime.of(timestamp, ZoneOffset.UTC);
            UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
            String insertSql = "insert into every_type values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

            c.setAutoCommit(false);
            for (boolean commit : new boolean[] {false, true}) {
                try (PreparedStatement p = c.prepareStatement(insertSql)) {
                    p.setInt(1, 1);
                    p.setBoolean(2, true);
                    p.setShort(3, (short) -2);
                    p.setLong(4, 9_000_000_000L);
                    p.setFloat(5, 1.5f);
                    p.setDouble(6, 2.25);
                    p.setBigDecimal(7, new BigDecimal("-123.450"));
                    p.setString(8, "héllo");
                    p.setString(9, "varchar");
                    p.setString(10, "ab");
                    p.setObject(11, date);
                    p.setObject(12, timestamp);
                    p.setObject(13, timestamptz);
                    p.setBytes(14, new byte[] {0, (byte) 255, 10});
                    p.setObject(15, uuid);
                    p.setObject(16, new PGInterval(1, 2, 1, 2, 3, 4));
                    p.setObject(17, time);
                    p.setObject(18, json("json", "{\"a\": [1, 2.5, \"x\"], \"b\": null}"));
                    p.setObject(19, json("jsonb", "{\"a\": [1, 2.5, \"x\"], \"b\": null}"));
                    p.setArray(20, c.createArrayOf("int4", new Integer[] {1, null, -3}));
                    p.setArray(21, c.createArrayOf("text", new String[] {"x", "y z", "\"q\""}));
                    checkEq(p.executeUpdate(), 1, "insert count");
                }
                try (PreparedStatement p = c.prepareStatement("insert into every_type (id) values (?)")) {
                    p.setInt(1, 2);
                    p.executeUpdate();
                }
                if (commit) c.commit(); else c.rollback();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from every_type")) {
                    rs.next();
                    checkEq(rs.getLong(1), commit ? 2L : 0L, "rows after " + (commit ? "commit" : "rollback"));
                }
            }
            c.setAutoCommit(true);

            // Several executions: pgjdbc switches to a named server-side
            // statement and binary results after prepareThreshold uses.
            try (PreparedStatement p = c.prepareStatement("select * from every_type where id = ?")) {
                for (int round = 0; round < 4; round++) {
                    p.setInt(1, 1);
                    try (ResultSet rs = p.executeQuery()) {
                        check(rs.next(), "row 1");
                        String r = "round " + round + " ";
                        checkEq(rs.getBoolean("b"), true, r + "bool");
                        checkEq(rs.getShort("i2"), (short) -2, r + "int2");
                        checkEq(rs.getLong("i8"), 9_000_000_000L, r + "int8");
                        checkEq(rs.getFloat("f4"), 1.5f, r + "float4");
                        checkEq(rs.getDouble("f8"), 2.25, r + "float8");
                        checkEq(rs.getBigDecimal("n"), new BigDecimal("-123.450"), r + "numeric");
                        checkEq(rs.getString("t"), "héllo", r + "text");
                        checkEq(rs.getString("vc"), "varchar", r + "varchar");
                        checkEq(rs.getString("c"), "ab  ", r + "char");
                        checkEq(rs.getObject("d", LocalDate.class), date, r + "date");
                        checkEq(rs.getObject("ts", LocalDateTime.class), timestamp, r + "timestamp");
                        checkEq(rs.getObject("tstz", OffsetDateTime.class), timestamptz, r + "timestamptz");
                        check(Arrays.equals(rs.getBytes("by"), new byte[] {0, (byte) 255, 10}), r + "bytea");
                        checkEq(rs.getObject("u"), uuid, r + "uuid");
                        checkEq(rs.getObject("iv"), new PGInterval(1, 2, 1, 2, 3, 4), r + "interval");
                        checkEq(rs.getObject("tm", LocalTime.class), time, r + "time");
                        checkEq(rs.getString("j"), "{\"a\": [1, 2.5, \"x\"], \"b\": null}", r + "json");
                        checkEq(rs.getString("jb"), "{\"a\": [1, 2.5, \"x\"], \"b\": null}", r + "jsonb");
                        checkEq(Arrays.asList((Integer[]) rs.getArray("ia").getArray()), Arrays.asList(1, null, -3), r + "int4[]");
                        checkEq(Arrays.asList((String[]) rs.getArray("ta").getArray()), Arrays.asList("x", "y z", "\"q\""), r + "text[]");
                        check(!rs.next(), "one row");
                    }
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select * from every_type where id = 2")) {
                check(rs.next(), "row 2");
                ResultSetMetaData md = rs.getMetaData();
                checkEq(md.getColumnCount(), 21, "column count");
                checkEq(md.getColumnTypeName(7), "numeric", "numeric type name");
                checkEq(md.getPrecision(7), 12, "numeric precision");
                checkEq(md.getScale(7), 3, "numeric scale");
                checkEq(md.getColumnDisplaySize(9), 10, "varchar(10) size");
                for (int i = 2; i <= 21; i++) {
                    rs.getObject(i);
                    check(i == 7 ? !rs.wasNull() : rs.wasNull(), "column " + i + " null-ness");
                }
            }

            // An error carries its SQLSTATE; the connection stays usable.
            try (PreparedStatement p = c.prepareStatement("insert into every_type (id) values (?)")) {
                p.setInt(1, 1);
                p.executeUpdate();
                throw new AssertionError("duplicate key accepted");
            } catch (SQLException e) {
                checkEq(e.getSQLState(), "23505", "duplicate key SQLSTATE");
            }
            try (Statement s = c.createStatement()) {
                s.executeQuery("select 1 / 0");
                throw new AssertionError("division by zero accepted");
            } catch (SQLException e) {
                checkEq(e.getSQLState(), "22012", "division by zero SQLSTATE");
            }

            // DatabaseMetaData, as IDEs and ORMs use it.
            DatabaseMetaData meta = c.getMetaData();
            check(meta.getDatabaseProductVersion().startsWith("15."), "server version " + meta.getDatabaseProductVersion());
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = meta.getTables(null, "public", "%", new String[] {"TABLE"})) {
                while (rs.next()) tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
            }
            checkEq(tables, List.of("public.child:TABLE", "public.every_type:TABLE", "public.pair:TABLE"), "getTables");
            // Key and index metadata: pgjdbc expands pg_index.indkey with
            // information_schema._pg_expandarray and reads its (x, n) fields.
            List<String> primaryKey = new ArrayList<>();
            try (ResultSet rs = meta.getPrimaryKeys(null, "public", "pair")) {
                while (rs.next()) {
                    primaryKey.add(rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " "
                            + rs.getInt("KEY_SEQ") + " " + rs.getString("PK_NAME"));
                }
            }
            checkEq(primaryKey, List.of("pair.b 1 pair_pkey", "pair.a 2 pair_pkey"), "getPrimaryKeys");
            List<String> indexes = new ArrayList<>();
            try (ResultSet rs = meta.getIndexInfo(null, "public", "pair", false, false)) {
                while (rs.next()) {
                    indexes.add(rs.getString("INDEX_NAME") + " " + rs.getInt("ORDINAL_POSITION") + " "
                            + rs.getString("COLUMN_NAME") + " " + rs.getString("ASC_OR_DESC") + " "
                            + rs.getBoolean("NON_UNIQUE") + " " + rs.getInt("TYPE"));
                }
            }
            checkEq(indexes, List.of("pair_c_a 1 c A false 3", "pair_c_a 2 a A false 3",
                    "pair_pkey 1 b A false 3", "pair_pkey 2 a A false 3"), "getIndexInfo");
            List<String> bestRow = new ArrayList<>();
            try (ResultSet rs = meta.getBestRowIdentifier(null, "public", "pair", DatabaseMetaData.bestRowSession, false)) {
                while (rs.next()) {
                    bestRow.add(rs.getString("COLUMN_NAME") + " " + rs.getInt("DATA_TYPE") + " " + rs.getString("TYPE_NAME")
                            + " " + rs.getInt("SCOPE"));
                }
            }
            checkEq(bestRow, List.of("a 4 int4 2", "b 12 text 2"), "getBestRowIdentifier");
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = meta.getColumns(null, "public", "every_type", "%")) {
                while (rs.next()) {
                    columns.add(rs.getInt("ORDINAL_POSITION") + " " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")
                            + " " + rs.getInt("DATA_TYPE") + " " + rs.getInt("COLUMN_SIZE") + " " + rs.getInt("DECIMAL_DIGITS")
                            + " " + rs.getString("IS_NULLABLE") + " " + rs.getString("COLUMN_DEF"));
                }
            }
            System.out.println("jdbc columns " + columns);
            checkEq(columns.size(), 21, "getColumns count");
            checkEq(columns.get(0), "1 id int4 4 10 0 NO null", "getColumns id");
            checkEq(columns.get(3), "4 i8 int8 -5 19 0 YES null", "getColumns i8");
            checkEq(columns.get(6), "7 n numeric 2 12 3 NO 0", "getColumns numeric");
            checkEq(columns.get(8), "9 vc varchar 12 10 0 YES null", "getColumns varchar");
            checkEq(columns.get(19), "20 ia _int4 2003 10 0 YES null", "getColumns int4[]");
            for (boolean imported : new boolean[] {true, false}) {
                List<String> keys = new ArrayList<>();
                try (ResultSet rs = imported ? meta.getImportedKeys(null, "public", "child")
                        : meta.getExportedKeys(null, "public", "every_type")) {
                    while (rs.next()) {
                        keys.add(rs.getString("PKTABLE_NAME") + "." + rs.getString("PKCOLUMN_NAME") + " <- "
                                + rs.getString("FKTABLE_NAME") + "." + rs.getString("FKCOLUMN_NAME") + " "
                                + rs.getString("FK_NAME") + " " + rs.getString("PK_NAME") + " " + rs.getInt("KEY_SEQ"));
                    }
                }
                checkEq(keys, List.of("every_type.id <- child.parent child_parent_fkey every_type_pkey 1"),
                        imported ? "getImportedKeys" : "getExportedKeys");
            }
            try (ResultSet rs = meta.getFunctions(null, "public", "%")) {
                check(!rs.next(), "no user functions");
            }
            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = meta.getSchemas()) {
                while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM"));
            }
            checkEq(schemas, List.of("information_schema", "pg_catalog", "public"), "getSchemas");
            Map<String, Integer> typeInfo = new HashMap<>();
            try (ResultSet rs = meta.getTypeInfo()) {
                while (rs.next()) typeInfo.put(rs.getString("TYPE_NAME"), rs.getInt("DATA_TYPE"));
            }
            checkEq(typeInfo.get("int4"), Types.INTEGER, "getTypeInfo int4");
            checkEq(typeInfo.get("numeric"), Types.NUMERIC, "getTypeInfo numeric");
            checkEq(typeInfo.get("timestamptz"), Types.TIMESTAMP, "getTypeInfo timestamptz");
        }
        System.out.println("jdbc ok");
    }
}
