// Configuration: read once, validated, and a bad value stops start-up with one clear line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';

describe('configuration', () => {
  test('defaults apply when the environment is empty', () => {
    const c = loadConfig({});
    assert.equal(c.HOST, '127.0.0.1');
    assert.equal(c.PORT, 8000);
    assert.equal(c.BODY_LIMIT, 256 * 1024);
    assert.deepEqual(c.TRUSTED_PROXIES, []);
    assert.equal(c.AUTH_FAILURE_LIMIT, 20);
    assert.deepEqual(c.CORS_ORIGINS, []);
    assert.equal(c.DATABASE_URL, undefined);
  });

  test('DATABASE_URL_POSTGRES is an alias of DATABASE_URL', () => {
    assert.equal(loadConfig({ DATABASE_URL_POSTGRES: 'postgres://x@h/db' }).DATABASE_URL, 'postgres://x@h/db');
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://a@h/one', DATABASE_URL_POSTGRES: 'postgres://b@h/two' }).DATABASE_URL, 'postgres://a@h/one');
  });

  test('numbers, lists and levels are parsed', () => {
    const c = loadConfig({ PORT: '9000', RATE_LIMIT_RPS: '0', CORS_ORIGINS: 'https://a.example, http://b.example:8080', LOG_LEVEL: 'warn' });
    assert.equal(c.PORT, 9000);
    assert.equal(c.RATE_LIMIT_RPS, 0);
    assert.deepEqual(c.CORS_ORIGINS, ['https://a.example', 'http://b.example:8080']);
    assert.equal(c.LOG_LEVEL, 'warn');
  });

  for (const [name, value, pattern] of [
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be at most 65535/],
    ['BODY_LIMIT', '0', /BODY_LIMIT must be at least 1/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres:\/\/ URL/],
    ['CORS_ORIGINS', '*', /CORS_ORIGINS.* must list origins/],
    ['ADMIN_BOOTSTRAP_KEY', 'short', /ADMIN_BOOTSTRAP_KEY must be 16\.\.256/],
  ] as const) {
    test(`${name}=${value} is refused with a line naming ${name}`, () => {
      assert.throws(() => loadConfig({ [name]: value }), { message: pattern });
    });
  }

  test('the server refuses to start on bad configuration: exit 1 and one line on stderr', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^invalid configuration: PORT must be a whole number/);
  });
});
