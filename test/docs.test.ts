// docs/erd.md must describe the real schema: every table and column, nothing more.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { connect } from '../src/db/index.ts';
import { freshDatabase } from './helpers.ts';

// Mermaid's ERD takes a type without spaces.
const SHORT: Record<string, string> = { 'timestamp with time zone': 'timestamptz', 'double precision': 'float8' };

test('the ERD lists exactly the tables and columns (with types) of the migrated schema', async () => {
  const erd = fs.readFileSync('docs/erd.md', 'utf8');
  const documented = new Map<string, string[]>();
  for (const m of erd.matchAll(/^ {2}(\w+) \{\n([\s\S]*?)^ {2}\}/gm)) {
    documented.set(m[1], m[2].trim().split('\n').map((line) => line.trim().split(/\s+/).slice(0, 2).reverse().join(':')));
  }
  const db = connect(await freshDatabase(), { max: 1 });
  try {
    const rows = await db`
      select c.table_name, c.column_name, c.data_type
      from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.table_name <> 'schema_migrations'
      order by c.table_name, c.ordinal_position`;
    const actual = new Map<string, string[]>();
    for (const r of rows) actual.set(r.table_name, [...(actual.get(r.table_name) ?? []), `${r.column_name}:${SHORT[r.data_type] ?? r.data_type}`]);
    assert.deepEqual(Object.fromEntries(documented), Object.fromEntries(actual));
  } finally {
    await db.end();
  }
});
