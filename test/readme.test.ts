// The README's cookbook, run as written: every ```sh block of the "Cookbook" section, in
// order, in one bash, against a real server process on an empty database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import { freshDatabase, spawnServer } from './helpers.ts';

const BOOTSTRAP = 'cookbook-bootstrap-key-0123456789';

test('every curl command of the README cookbook works against a fresh server', { skip: spawnSync('curl', ['--version']).status !== 0 && 'curl is not installed' }, async () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Cookbook'), readme.indexOf('\n## ', readme.indexOf('## Cookbook') + 5));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 8, `found ${blocks.length} blocks`);
  const dbUrl = await freshDatabase();
  const server = await spawnServer({ DATABASE_URL: dbUrl, ADMIN_BOOTSTRAP_KEY: BOOTSTRAP });
  try {
    const base = server.base;
    const script = `set -euo pipefail\n${blocks.join('\n')}\necho "COOKBOOK OK $REQ"\n`;
    const run = spawnSync('bash', ['-c', script], { env: { ...process.env, BASE: base, ADMIN_BOOTSTRAP_KEY: BOOTSTRAP }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `the cookbook failed:\n${run.stderr}\n${run.stdout.slice(-2000)}`);
    assert.match(run.stdout, /COOKBOOK OK REQ-\d+/);
    assert.match(run.stdout, /"status":"DONE"/);
    assert.match(run.stdout, /"action":"user.api_key_rotated"/);
    assert.match(run.stdout, /^404$/m, "an agent outside the team gets 404 for its request");
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
