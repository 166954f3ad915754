// node-postgres against pkgql serve: a catalog query as a table picker
// sends it, a parameterised query (extended protocol), and COPY-free reads.
const { Client } = require('pg');

async function main() {
  const client = new Client({ connectionString: process.argv[2] });
  await client.connect();
  const tables = await client.query(
    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", ['packages']);
  for (const r of tables.rows) console.log('table', r.table_schema + '.' + r.table_name);
  const cols = await client.query(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'packages' AND table_name = $1 ORDER BY ordinal_position", ['user_packages']);
  for (const r of cols.rows) console.log('column', r.column_name, r.data_type);
  const rows = await client.query(process.argv[3], process.argv.slice(4));
  for (const r of rows.rows) console.log('row', Object.values(r).map(v => typeof v + ':' + v).join('|'));
  await client.end();
}

main().catch(err => { console.error(err.message); process.exit(1); });
