// node-postgres (`pg`) against Borealis; driven by tests/drivers.rs:
//   NODE_PATH=.../node_modules node node_pg.js PORT CA_PEM   (PGPASSWORD set)
// Verified TLS with SCRAM-SHA-256-PLUS, DDL, parameterized DML, a
// transaction, every supported type (as text: pg's binary mode still decodes
// rows as strings), a named prepared statement, errors with their SQLSTATE.
// Any failed assertion exits non-zero; the last line is "node ok".
'use strict'
const assert = require('assert')
const fs = require('fs')
const { Client } = require('pg')

const [port, caPath] = process.argv.slice(2)

async function main () {
  const client = new Client({
    host: '127.0.0.1',
    port: Number(port),
    user: 'postgres',
    database: 'postgres',
    password: process.env.PGPASSWORD,
    ssl: { ca: fs.readFileSync(caPath), rejectUnauthorized: true },
    enableChannelBinding: true
  })
  let mechanism = null
  client.connection.on('authenticationSASLContinue', () => { mechanism = client.saslSession.mechanism })
  await client.connect()
  assert.strictEqual(mechanism, 'SCRAM-SHA-256-PLUS')

  await client.query(`create table every_type (id int4 primary key, b bool, i2 int2, i8 int8,
    f4 float4, f8 float8, n numeric(12,3), t text, vc varchar(10), c char(4), d date,
    ts timestamp, tstz timestamptz, by bytea, u uuid, iv interval, tm time, j json, jb jsonb,
    ia int4[], ta text[])`)

  const values = [1, true, -2, '9000000000', 1.5, 2.25, '-123.450', 'héllo', 'varchar', 'ab',
    '2024-02-29', '2024-02-29 13:14:15.25', new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 250)),
    Buffer.from([0, 255, 10]), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 year 2 mons 1 day 02:03:04',
    '13:14:15.25', JSON.stringify({ a: [1, 2.5, 'x'], b: null }), { a: [1, 2.5, 'x'], b: null },
    [1, null, -3], ['x', 'y z', '"q"']]
  const placeholders = values.map((_, i) => `$${i + 1}`).join(', ')

  await client.query('begin')
  await client.query(`insert into every_type values (${placeholders})`, values)
  await client.query('rollback')
  assert.strictEqual((await client.query('select count(*) from every_type')).rows[0].count, '0')
  await client.query('begin')
  await client.query(`insert into every_type values (${placeholders})`, values)
  await client.query('insert into every_type (id) values ($1)', [2])
  await client.query('commit')

  const text = await client.query('select * from every_type where id = $1', [1])
  const types = text.fields.map(f => f.dataTypeID)
  assert.deepStrictEqual(types, [23, 16, 21, 20, 700, 701, 1700, 25, 1043, 1042, 1082, 1114,
    1184, 17, 2950, 1186, 1083, 114, 3802, 1007, 1009])
  const r = text.rows[0]
  assert.strictEqual(r.b, true)
  assert.strictEqual(r.i2, -2)
  assert.strictEqual(r.i8, '9000000000')
  assert.strictEqual(r.f4, 1.5)
  assert.strictEqual(r.f8, 2.25)
  assert.strictEqual(r.n, '-123.450')
  assert.strictEqual(r.t, 'héllo')
  assert.strictEqual(r.vc, 'varchar')
  assert.strictEqual(r.c, 'ab  ')
  assert.strictEqual(r.tstz.toISOString(), '2024-02-29T13:14:15.250Z')
  assert.deepStrictEqual(r.by, Buffer.from([0, 255, 10]))
  assert.strictEqual(r.u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
  assert.deepStrictEqual({ ...r.iv }, { years: 1, months: 2, days: 1, hours: 2, minutes: 3, seconds: 4 })
  assert.strictEqual(r.tm, '13:14:15.25')
  assert.deepStrictEqual(r.j, { a: [1, 2.5, 'x'], b: null })
  assert.deepStrictEqual(r.jb, { a: [1, 2.5, 'x'], b: null })
  assert.deepStrictEqual(r.ia, [1, null, -3])
  assert.deepStrictEqual(r.ta, ['x', 'y z', '"q"'])
  const dates = await client.query({
    text: "select d::text, ts::text from every_type where id = 1", rowMode: 'array'
  })
  assert.deepStrictEqual(dates.rows[0], ['2024-02-29', '2024-02-29 13:14:15.25'])
  const nulls = await client.query({ text: 'select * from every_type where id = 2', rowMode: 'array' })
  assert.deepStrictEqual(nulls.rows[0].slice(1), new Array(20).fill(null))

  // A named prepared statement reused across executions.
  for (const id of [1, 2]) {
    const res = await client.query({ name: 'by-id', text: 'select id, t from every_type where id = $1', values: [id] })
    assert.strictEqual(res.rows[0].id, id)
  }

  // Errors carry their SQLSTATE; the connection stays usable.
  await assert.rejects(client.query('insert into every_type (id) values ($1)', [1]),
    e => e.code === '23505' && /every_type_pkey/.test(e.constraint || e.message))
  await assert.rejects(client.query('select 1 / $1::int', [0]), e => e.code === '22012')
  await assert.rejects(client.query('select * from no_such_table'), e => e.code === '42P01')
  assert.strictEqual((await client.query('select count(*)::int as n from every_type')).rows[0].n, 2)
  await client.end()
  console.log('node ok')
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
