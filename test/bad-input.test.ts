// Every bad input is the caller's 4xx, never our 500 (issue 12, point 3): cursors past
// int64, NUL characters, dates outside the years 0001..9999, bodies that are not UTF-8.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { problem, useApp, type Reply } from './helpers.ts';

/** Sends `bytes` as they are (helpers' `raw` takes a string and would re-encode it). */
function sendBytes(base: string, method: string, path: string, key: string, bytes: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), {
      method, agent: false,
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: res.statusCode!, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

const cursor = (s: string) => Buffer.from(s).toString('base64url');

function badQuery(r: Reply, path: string): void {
  problem(r, 400, 'invalid_query');
  assert.equal(r.body.errors?.[0]?.path, path, r.text);
}

describe('bad input is a 4xx', () => {
  const app = useApp();
  let admin: { id: string; key: string };
  let ref: string;
  before(async () => {
    admin = await app().user('ADMIN');
    const r = await app().call('POST', '/requests', { key: admin.key, body: { title: 'listed' } });
    ref = r.body.public_id;
    await app().call('POST', `/requests/${ref}/comments`, { key: admin.key, body: { body: 'a comment' } });
  });

  const lists = () => ['/requests', '/users', '/audit-logs', `/requests/${ref}/comments`, `/requests/${ref}/history`];

  test('every list refuses a cursor whose number is beyond int64 with 400 invalid_query, and takes int64\'s largest', async () => {
    for (const list of lists()) {
      for (const n of ['99999999999999999999', '9223372036854775808']) {
        badQuery(await app().call('GET', `${list}?cursor=${cursor(`s:${n}`)}`, { key: admin.key }), 'cursor');
      }
      const last = await app().call('GET', `${list}?cursor=${cursor('s:9223372036854775807')}`, { key: admin.key });
      assert.equal(last.status, 200, `${list}: ${last.text.slice(0, 200)}`);
    }
  });

  test('q=%00 is 400 invalid_query naming q', async () => {
    badQuery(await app().call('GET', '/requests?q=%00', { key: admin.key }), 'q');
    badQuery(await app().call('GET', '/users?q=a%00b', { key: admin.key }), 'q');
  });

  test('dates before the year 0001 or after 9999 are 400 invalid_query; the years\' ends are taken', async () => {
    badQuery(await app().call('GET', '/requests?created_after=0000-01-01', { key: admin.key }), 'created_after');
    badQuery(await app().call('GET', '/requests?created_before=10000-01-01', { key: admin.key }), 'created_before');
    badQuery(await app().call('GET', '/audit-logs?until=0000-01-01', { key: admin.key }), 'until');
    badQuery(await app().call('GET', '/audit-logs?since=0000-01-01', { key: admin.key }), 'since');
    const ends = await app().call('GET', '/requests?created_after=0001-01-01&created_before=9999-12-31', { key: admin.key });
    assert.equal(ends.status, 200, ends.text.slice(0, 200));
    assert.ok(ends.body.items.length >= 1);
    assert.equal((await app().call('GET', '/audit-logs?since=0001-01-01&until=9999-12-31T23:59:59Z', { key: admin.key })).status, 200);
  });

  test('a day past its month, hour 24 or an offset past 23:59 is 400 invalid_query; an offset PostgreSQL would refuse (past ±15:59) is taken as the instant it names', async () => {
    badQuery(await app().call('GET', '/requests?created_after=2026-02-30T00:00:00Z', { key: admin.key }), 'created_after');
    badQuery(await app().call('GET', '/requests?created_before=2025-02-29', { key: admin.key }), 'created_before');
    badQuery(await app().call('GET', '/audit-logs?since=2026-11-01T24:00:00Z', { key: admin.key }), 'since');
    badQuery(await app().call('GET', '/events?since=2026-11-01T00:00:00%2B24:00', { key: admin.key }), 'since');
    assert.equal((await app().call('GET', '/requests?created_before=2024-02-29', { key: admin.key })).status, 200);
    // A boundary a request sits on: the one created at `at` is in from `at` and out from a second later, however the instant is written.
    const emp = await app().user('EMPLOYEE');
    const made = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'On the boundary' } })).body;
    const [{ created_at: at }] = await app().db`select date_trunc('second', created_at) as created_at from requests where id = ${made.id}`;
    const written = (ms: number, offsetH: number) => `${new Date(ms + offsetH * 3_600_000).toISOString().slice(0, 19)}${offsetH < 0 ? '-' : '+'}${String(Math.abs(offsetH)).padStart(2, '0')}:00`;
    const mine = async (after: string) => (await app().call('GET', `/requests?created_by=${emp.id}&created_after=${encodeURIComponent(after)}`, { key: admin.key })).body.items.length;
    for (const offset of [-20, 0, 16, 23]) {
      assert.equal(await mine(written(at.getTime(), offset)), 1, `from the second it was made, written at ${offset} h`);
      assert.equal(await mine(written(at.getTime() + 1000, offset)), 0, `from the second after, written at ${offset} h`);
    }
  });

  test('a body that is not valid UTF-8 is 400 malformed_json and nothing is stored', async () => {
    const emp = await app().user('EMPLOYEE');
    const bytes = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    problem(await sendBytes(app().url, 'POST', '/requests', emp.key, bytes), 400, 'malformed_json');
    const [{ n }] = await app().db`select count(*)::int as n from requests where created_by = ${emp.id}`;
    assert.equal(n, 0, 'no request with U+FFFD in its title');
    const comment = Buffer.concat([Buffer.from('{"body":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    problem(await sendBytes(app().url, 'POST', `/requests/${ref}/comments`, admin.key, comment), 400, 'malformed_json');
    const [{ c }] = await app().db`select count(*)::int as c from comments where body like ${'%\uFFFD%'}`;
    assert.equal(c, 0);
  });

  test('a NUL character in a field is 422 validation_failed naming that field', async () => {
    const emp = await app().user('EMPLOYEE');
    const title = await app().call('POST', '/requests', { key: emp.key, raw: '{"title":"a\\u0000b"}' });
    problem(title, 422, 'validation_failed');
    assert.equal(title.body.errors[0].path, 'title');
    const description = await app().call('POST', '/requests', { key: emp.key, raw: '{"title":"fine","description":"line\\u0000two"}' });
    problem(description, 422, 'validation_failed');
    assert.equal(description.body.errors[0].path, 'description');
    const nested = await app().call('POST', '/requests', { key: emp.key, raw: '{"title":"fine","meta":{"note":"x\\u0000"}}' });
    problem(nested, 422, 'validation_failed');
    assert.equal(nested.body.errors[0].path, 'meta.note');
    const body = await app().call('POST', `/requests/${ref}/comments`, { key: admin.key, raw: '{"body":"\\u0000"}' });
    problem(body, 422, 'validation_failed');
    assert.equal(body.body.errors[0].path, 'body');
    const [{ n }] = await app().db`select count(*)::int as n from requests where created_by = ${emp.id}`;
    assert.equal(n, 0);
  });

  test('the largest body the contract allows (200 + 10 000 astral code points, each as a \\uD83D\\uDE00 pair) is 201 under the default BODY_LIMIT', async () => {
    const emp = await app().user('EMPLOYEE');
    const smiley = '\\uD83D\\uDE00';
    const raw = `{"title":"${smiley.repeat(200)}","description":"${smiley.repeat(10_000)}","priority":"URGENT"}`;
    assert.ok(raw.length > 120_000, `${raw.length} bytes`);
    const r = await app().call('POST', '/requests', { key: emp.key, raw });
    assert.equal(r.status, 201, r.text.slice(0, 300));
    const [row] = await app().db`select char_length(title) as t, char_length(description) as d from requests where id = ${r.body.id}`;
    assert.deepEqual([row.t, row.d], [200, 10_000]);
    assert.equal(r.body.title, '\u{1F600}'.repeat(200));
  });
});
