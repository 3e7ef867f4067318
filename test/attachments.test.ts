// Attachments over real HTTP against a real database: byte-exact round trips, the size
// limit while streaming, visibility, the headers that keep a file a file, Range and
// If-None-Match, Idempotency-Key, and the audit row and event of every upload.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { describe, test } from 'node:test';
import { checkResponse } from './contract.ts';
import { problem, type Reply, useApp, type TestApp } from './helpers.ts';

interface Bytes extends Reply { bytes: Buffer }
interface Send { key?: string; headers?: Record<string, string>; body?: Buffer | string }

/** One request with a binary body and a binary answer (helpers.ts's client reads text). */
function send(app: TestApp, method: string, path: string, opts: Send = {}): Promise<Bytes> {
  const headers: Record<string, string> = { ...(opts.key ? { 'X-API-Key': opts.key } : {}), ...opts.headers };
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, app.url), { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(parts);
        const text = bytes.toString('utf8');
        let body: unknown;
        if (text && String(res.headers['content-type']).includes('json')) body = JSON.parse(text);
        try {
          if (method !== 'HEAD') checkResponse(method, path, res.statusCode!, res.headers['content-type'], body);
        } catch (err) {
          return reject(err);
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, text, bytes });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const upload = (app: TestApp, key: string, ref: string, body: Buffer | string, query: string, headers: Record<string, string> = {}) =>
  send(app, 'POST', `/requests/${ref}/attachments?${query}`, { key, body, headers: { 'Content-Type': 'application/octet-stream', ...headers } });

const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
const everyByte = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i % 256));

async function count(app: TestApp, requestId: string): Promise<{ files: number; chunks: number }> {
  const [row] = await app.db`
    select (select count(*)::int from attachments where request_id = ${requestId}) as files,
           (select count(*)::int from attachment_chunks c join attachments a on a.id = c.attachment_id where a.request_id = ${requestId}) as chunks,
           (select count(*)::int from attachment_chunks c where not exists (select from attachments a where a.id = c.attachment_id)) as orphans`;
  assert.equal(row.orphans, 0, 'no chunk without its file');
  return { files: row.files, chunks: row.chunks };
}

async function newRequest(app: TestApp, key: string, title = 'Printer jams'): Promise<{ id: string; public_id: string }> {
  const r = await app.call('POST', '/requests', { key, body: { title } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

describe('attachments', () => {
  const app = useApp();

  test('a file of every byte value comes back byte for byte, its sha256 the ETag', async () => {
    const emp = await app().user('EMPLOYEE', 'Emmy');
    const req = await newRequest(app(), emp.key);
    const file = everyByte(600_000); // three chunks of 256 KiB, the last one shorter
    const up = await upload(app(), emp.key, req.public_id, file, 'filename=dump.bin');
    assert.equal(up.status, 201, up.text);
    assert.equal(up.headers.location, `/attachments/${up.body.id}`);
    assert.deepEqual({ ...up.body, id: undefined, created_at: undefined }, {
      id: undefined, request_id: req.id, filename: 'dump.bin', content_type: 'application/octet-stream', size: 600_000,
      sha256: sha256(file), internal: false, uploaded_by: { id: emp.id, full_name: 'Emmy' }, created_at: undefined,
    });
    assert.deepEqual(await count(app(), req.id), { files: 1, chunks: 3 });

    const down = await send(app(), 'GET', `/attachments/${up.body.id}`, { key: emp.key });
    assert.equal(down.status, 200);
    assert.ok(down.bytes.equals(file), 'the exact bytes');
    assert.equal(down.headers['content-length'], '600000');
    assert.equal(down.headers['content-type'], 'application/octet-stream');
    assert.equal(down.headers.etag, `"${sha256(file)}"`);
    assert.equal(down.headers['accept-ranges'], 'bytes');
    assert.equal(down.headers['x-content-type-options'], 'nosniff');
    assert.equal(down.headers['content-security-policy'], 'sandbox');
    assert.equal(down.headers['content-disposition'], `attachment; filename="dump.bin"; filename*=UTF-8''dump.bin`);
  });

  test('every request shows attachments_count, in lists too', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    assert.equal((await app().call('GET', `/requests/${req.id}`, { key: emp.key })).body.attachments_count, 0);
    await upload(app(), emp.key, req.id, 'one', 'filename=1.txt');
    await upload(app(), emp.key, req.id, 'two', 'filename=2.txt');
    assert.equal((await app().call('GET', `/requests/${req.id}`, { key: emp.key })).body.attachments_count, 2);
    const list = await app().call('GET', '/requests', { key: emp.key });
    assert.equal(list.body.items.find((r: any) => r.id === req.id).attachments_count, 2);
    assert.equal(list.body.items.find((r: any) => r.id !== req.id)?.attachments_count ?? 0, 0);
  });

  test('an empty file is 422 and nothing is stored, with or without Content-Length', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    problem(await upload(app(), emp.key, req.id, Buffer.alloc(0), 'filename=empty.txt'), 422, 'validation_failed');
    const chunked = await new Promise<Bytes>((resolve, reject) => {
      const r = http.request(new URL(`/requests/${req.id}/attachments?filename=empty.txt`, app().url), {
        method: 'POST', agent: false, headers: { 'X-API-Key': emp.key, 'Transfer-Encoding': 'chunked' },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text), text, bytes: Buffer.from(text) }));
      });
      r.on('error', reject);
      r.end();
    });
    problem(chunked, 422, 'validation_failed');
    assert.deepEqual(await count(app(), req.id), { files: 0, chunks: 0 });
  });

  test('a 9 MiB file goes up and comes back whole; HEAD gives its length and no body', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const file = crypto.randomBytes(9 * 1024 * 1024);
    const up = await upload(app(), emp.key, req.id, file, 'filename=big.iso');
    assert.equal(up.status, 201, up.text);
    assert.equal(up.body.sha256, sha256(file));
    const down = await send(app(), 'GET', `/attachments/${up.body.id}`, { key: emp.key });
    assert.equal(down.bytes.length, file.length);
    assert.ok(down.bytes.equals(file));
    const head = await send(app(), 'HEAD', `/attachments/${up.body.id}`, { key: emp.key });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(file.length));
    assert.equal(head.headers.etag, `"${sha256(file)}"`);
    assert.equal(head.bytes.length, 0);
  });

  test('an employee gets 404 for an internal attachment and for another employee’s', async () => {
    const emmy = await app().user('EMPLOYEE');
    const erin = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const req = await newRequest(app(), emmy.key);
    const pub = await upload(app(), emmy.key, req.id, 'screenshot', 'filename=error.png', { 'Content-Type': 'image/png' });
    const note = await upload(app(), agent.key, req.id, 'router config', 'filename=ap3.conf&internal=true');
    assert.equal(note.status, 201, note.text);
    assert.equal(note.body.internal, true);

    problem(await send(app(), 'GET', `/attachments/${note.body.id}`, { key: emmy.key }), 404, 'not_found');
    const head = await send(app(), 'HEAD', `/attachments/${note.body.id}`, { key: emmy.key });
    assert.equal(head.status, 404);
    assert.equal(head.bytes.length, 0);
    const mine = await app().call('GET', `/requests/${req.id}/attachments`, { key: emmy.key });
    assert.deepEqual(mine.body.items.map((a: any) => a.id), [pub.body.id]);
    const staff = await app().call('GET', `/requests/${req.id}/attachments`, { key: agent.key });
    assert.deepEqual(staff.body.items.map((a: any) => a.id), [note.body.id, pub.body.id], 'newest first, internal included');
    assert.equal((await app().call('GET', `/requests/${req.id}`, { key: emmy.key })).body.attachments_count, 2, 'the count is of all files');

    problem(await send(app(), 'GET', `/attachments/${pub.body.id}`, { key: erin.key }), 404, 'not_found');
    problem(await app().call('GET', `/requests/${req.id}/attachments`, { key: erin.key }), 404, 'not_found');
    problem(await upload(app(), erin.key, req.id, 'x', 'filename=x.txt'), 404, 'not_found');
    problem(await upload(app(), emmy.key, req.id, 'x', 'filename=x.txt&internal=true'), 403, 'forbidden');
    assert.equal((await count(app(), req.id)).files, 2);
    problem(await send(app(), 'GET', `/attachments/${crypto.randomUUID()}`, { key: agent.key }), 404, 'not_found');
    problem(await send(app(), 'GET', '/attachments/REQ-1', { key: agent.key }), 404, 'not_found');
  });

  test('an agent outside the request’s team gets 404 for its files', async () => {
    const admin = await app().user('ADMIN');
    const created = await app().call('POST', '/teams', { key: admin.key, body: { name: 'HR', description: 'People matters' } });
    assert.equal(created.status, 201, created.text);
    const hr = await app().user('AGENT');
    const it = await app().user('AGENT');
    assert.equal((await app().call('PUT', `/teams/${created.body.id}/members/${hr.id}`, { key: admin.key })).status, 204);
    const emp = await app().user('EMPLOYEE');
    const r = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Payslip question', team_id: created.body.id } });
    assert.equal(r.status, 201, r.text);
    const { body: a } = await upload(app(), emp.key, r.body.id, 'payslip', 'filename=payslip.pdf', { 'Content-Type': 'application/pdf' });
    assert.equal((await send(app(), 'GET', `/attachments/${a.id}`, { key: hr.key })).status, 200);
    problem(await send(app(), 'GET', `/attachments/${a.id}`, { key: it.key }), 404, 'not_found');
    problem(await app().call('GET', `/requests/${r.body.id}/attachments`, { key: it.key }), 404, 'not_found');
    problem(await upload(app(), it.key, r.body.id, 'x', 'filename=x.txt'), 404, 'not_found');
  });

  test('an HTML and an SVG upload are served as downloads under a sandbox CSP; the four raster types inline', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const cases: [string, string, string][] = [
      ['page.html', 'text/html; charset=utf-8', '<script>alert(document.cookie)</script>'],
      ['logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
      ['shot.png', 'image/png', 'png'], ['shot.jpg', 'image/jpeg', 'jpg'], ['shot.gif', 'image/gif', 'gif'], ['shot.webp', 'image/webp', 'webp'],
    ];
    for (const [name, type, body] of cases) {
      const up = await upload(app(), emp.key, req.id, body, `filename=${name}`, { 'Content-Type': type });
      const down = await send(app(), 'GET', `/attachments/${up.body.id}`, { key: emp.key });
      assert.equal(down.text, body);
      assert.equal(down.headers['content-type'], type);
      assert.equal(down.headers['content-security-policy'], 'sandbox', name);
      assert.equal(down.headers['x-content-type-options'], 'nosniff', name);
      const inline = type.startsWith('image/') && type !== 'image/svg+xml';
      assert.equal(down.headers['content-disposition'], `${inline ? 'inline' : 'attachment'}; filename="${name}"; filename*=UTF-8''${name}`);
    }
  });

  test('path-like, control-character and overlong filenames are 422; any other Unicode name is kept exactly', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const bad = ['../etc/passwd', 'a/b.txt', 'a\\b.txt', '..', '.', '', 'nul\u0000.txt', 'tab\t.txt', 'line\nbreak.txt', 'bell\u0007',
      'del\u007f', 'c1\u0085', '\u202egpj.exe', 'x'.repeat(256), '😀'.repeat(256)];
    for (const name of bad) {
      const r = await upload(app(), emp.key, req.id, 'x', `filename=${encodeURIComponent(name)}`);
      problem(r, 422, 'validation_failed');
      assert.equal(r.body.errors[0].path, 'filename', JSON.stringify(name));
    }
    problem(await upload(app(), emp.key, req.id, 'x', 'internal=false'), 422, 'validation_failed');
    problem(await upload(app(), emp.key, req.id, 'x', 'filename=a.txt&internal=yes'), 422, 'validation_failed');
    problem(await upload(app(), emp.key, req.id, 'x', 'filename=a.txt&folder=x'), 400, 'invalid_query');
    problem(await upload(app(), emp.key, req.id, 'x', 'filename=a.txt&filename=b.txt'), 400, 'invalid_query');
    assert.equal((await count(app(), req.id)).files, 0);

    for (const name of ['Zoë résumé (final).pdf', '😀'.repeat(255), "it's 100% \"quoted\".txt"]) {
      const up = await upload(app(), emp.key, req.id, 'x', `filename=${encodeURIComponent(name)}`);
      assert.equal(up.status, 201, up.text);
      assert.equal(up.body.filename, name);
      const down = await send(app(), 'GET', `/attachments/${up.body.id}`, { key: emp.key });
      const exact = /filename\*=UTF-8''(.*)$/.exec(String(down.headers['content-disposition']))![1];
      assert.equal(decodeURIComponent(exact), name);
      assert.match(String(down.headers['content-disposition']), /^attachment; filename="[\x20-\x21\x23-\x5b\x5d-\x7e]*";/);
    }
  });

  test('the Content-Type is stored as a media type; none is application/octet-stream; a form is 415', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const up = await upload(app(), emp.key, req.id, 'hello', 'filename=a.txt', { 'Content-Type': 'Text/Plain;charset="UTF-8"' });
    assert.equal(up.body.content_type, 'text/plain; charset="UTF-8"');
    const none = await send(app(), 'POST', `/requests/${req.id}/attachments?filename=b.bin`, { key: emp.key, body: 'x' });
    assert.equal(none.body.content_type, 'application/octet-stream');
    for (const type of ['not a type', 'text/', 'text/plain; charset', 'image/png\u00e9']) {
      problem(await upload(app(), emp.key, req.id, 'x', 'filename=c.txt', { 'Content-Type': type }), 422, 'validation_failed');
    }
    problem(await upload(app(), emp.key, req.id, 'x', 'filename=c.txt', { 'Content-Type': 'multipart/form-data; boundary=x' }), 415, 'unsupported_media_type');
    assert.equal((await count(app(), req.id)).files, 2);
  });

  test('Range: one range is 206 with Content-Range, across chunk boundaries too; past the end is 416', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const file = crypto.randomBytes(700_000);
    const { body: a } = await upload(app(), emp.key, req.id, file, 'filename=r.bin');
    const get = (range: string, extra: Record<string, string> = {}) =>
      send(app(), 'GET', `/attachments/${a.id}`, { key: emp.key, headers: { Range: range, ...extra } });
    const expect = async (range: string, first: number, last: number) => {
      const r = await get(range);
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${first}-${last}/700000`, range);
      assert.equal(r.headers['content-length'], String(last - first + 1));
      assert.ok(r.bytes.equals(file.subarray(first, last + 1)), range);
    };
    await expect('bytes=0-9', 0, 9);
    await expect('bytes=262140-262150', 262140, 262150);
    await expect('bytes=100000-', 100000, 699999);
    await expect('bytes=-5', 699995, 699999);
    await expect('bytes=-9999999', 0, 699999);
    await expect('bytes=699990-99999999', 699990, 699999);
    for (const range of ['bytes=700000-', 'bytes=800000-800001', 'bytes=-0', 'bytes=9-5']) {
      const r = await get(range);
      problem(r, 416, 'range_not_satisfiable');
      assert.equal(r.headers['content-range'], 'bytes */700000', range);
    }
    for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=x-y', 'bytes=-']) {
      const r = await get(range);
      assert.equal(r.status, 200, range);
      assert.equal(r.bytes.length, 700_000);
    }
    assert.equal((await get('bytes=0-9', { 'If-Range': `"${a.sha256}"` })).status, 206);
    assert.equal((await get('bytes=0-9', { 'If-Range': '"something else"' })).status, 200);
    const head = await send(app(), 'HEAD', `/attachments/${a.id}`, { key: emp.key, headers: { Range: 'bytes=10-19' } });
    assert.equal(head.status, 206);
    assert.equal(head.headers['content-length'], '10');
    assert.equal(head.bytes.length, 0);
  });

  test('If-None-Match with the ETag is 304 without a body; another tag gets the file', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const { body: a } = await upload(app(), emp.key, req.id, 'cached', 'filename=c.txt');
    for (const tag of [`"${a.sha256}"`, `W/"${a.sha256}"`, `"other", "${a.sha256}"`, '*']) {
      const r = await send(app(), 'GET', `/attachments/${a.id}`, { key: emp.key, headers: { 'If-None-Match': tag } });
      assert.equal(r.status, 304, tag);
      assert.equal(r.bytes.length, 0);
      assert.equal(r.headers.etag, `"${a.sha256}"`);
    }
    const other = await send(app(), 'GET', `/attachments/${a.id}`, { key: emp.key, headers: { 'If-None-Match': '"other"' } });
    assert.equal(other.status, 200);
    assert.equal(other.text, 'cached');
  });

  test('the same Idempotency-Key retried stores one file; another file under it is 409', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const file = crypto.randomBytes(300_000);
    const key = { 'Idempotency-Key': 'upload-1' };
    const first = await upload(app(), emp.key, req.id, file, 'filename=a.bin', key);
    assert.equal(first.status, 201);
    const again = await upload(app(), emp.key, req.public_id, file, 'filename=a.bin', key);
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.location, first.headers.location);
    problem(await upload(app(), emp.key, req.id, crypto.randomBytes(10), 'filename=a.bin', key), 409, 'idempotency_key_conflict');
    problem(await upload(app(), emp.key, req.id, file, 'filename=b.bin', key), 409, 'idempotency_key_conflict');
    assert.deepEqual(await count(app(), req.id), { files: 1, chunks: 2 });
  });

  test('an upload writes its audit row and an attachment.created event in its transaction', async () => {
    const emp = await app().user('EMPLOYEE', 'Emmy');
    const agent = await app().user('AGENT');
    const req = await newRequest(app(), emp.key);
    const { body: a } = await upload(app(), emp.key, req.id, 'log lines', 'filename=wifi.log', { 'Content-Type': 'text/plain', 'X-Request-ID': 'upload-trace-1' });
    const [audit] = await app().db`select * from audit_logs where entity_type = 'attachment' and entity_id = ${a.id}`;
    assert.equal(audit.action, 'attachment.added');
    assert.equal(audit.actor_id, emp.id);
    assert.equal(audit.request_id, 'upload-trace-1');
    assert.deepEqual(audit.changes, {
      request_id: [null, req.id], filename: [null, 'wifi.log'], content_type: [null, 'text/plain'], size: [null, 9],
      sha256: [null, sha256('log lines')], internal: [null, false],
    });
    const events = await app().db`select * from events where type = 'attachment.created' and request_id = ${req.id}`;
    assert.equal(events.length, 1);
    assert.equal(events[0].actor_id, emp.id);
    assert.deepEqual(events[0].data.attachment, { ...a, created_at: events[0].data.attachment.created_at });
    assert.equal(events[0].data.attachment.created_at, a.created_at);
    assert.equal(events[0].data.request.id, req.id);
    assert.equal(events[0].data.request.attachments_count, 1, 'the request as it is after the upload');

    // History: the employee sees their file; the agent's internal one only agents see.
    await upload(app(), agent.key, req.id, 'secret', 'filename=note.txt&internal=true');
    const mine = await app().call('GET', `/requests/${req.id}/history`, { key: emp.key });
    assert.deepEqual(mine.body.items.map((e: any) => e.action), ['request.created', 'attachment.added']);
    const staff = await app().call('GET', `/requests/${req.id}/history`, { key: agent.key });
    assert.deepEqual(staff.body.items.map((e: any) => e.action), ['request.created', 'attachment.added', 'attachment.added']);
  });

  test('the database refuses a file whose chunks do not make it, and any change to a stored file', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const insert = (tx: any, id: string, size: number) => tx`
      insert into attachments (id, request_id, uploaded_by, filename, content_type, size, sha256, chunk_size)
      values (${id}, ${req.id}, ${emp.id}, 'x.bin', 'application/octet-stream', ${size}, ${'0'.repeat(64)}, 4)`;
    await assert.rejects(app().db.begin(async (tx) => {
      const id = crypto.randomUUID();
      await tx`insert into attachment_chunks (attachment_id, n, data) values (${id}, 0, '\\x01020304'::bytea)`;
      await insert(tx, id, 6); // 6 bytes said, 4 stored
    }), { constraint_name: 'attachments_chunks_complete' });
    await assert.rejects(app().db.begin(async (tx) => {
      await tx`insert into attachment_chunks (attachment_id, n, data) values (${crypto.randomUUID()}, 0, '\\x01'::bytea)`;
    }), { code: '23503' }, 'a chunk without its file');
    const { body: a } = await upload(app(), emp.key, req.id, 'fixed', 'filename=f.txt');
    await assert.rejects(app().serverDb`update attachments set filename = 'g.txt' where id = ${a.id}`, { code: '42501' });
    await assert.rejects(app().db`update attachment_chunks set data = '\\x00'::bytea where attachment_id = ${a.id}`, { constraint_name: 'attachments_immutable' });
    assert.deepEqual(await count(app(), req.id), { files: 1, chunks: 1 });
  });
});

describe('the attachment size limit', () => {
  const LIMIT = 600_000; // three chunks, so a refused upload has written some before it is refused
  const app = useApp({ ATTACHMENT_LIMIT: String(LIMIT) });

  test('a file of exactly ATTACHMENT_LIMIT bytes is stored', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const file = everyByte(LIMIT);
    const up = await upload(app(), emp.key, req.id, file, 'filename=limit.bin');
    assert.equal(up.status, 201, up.text);
    assert.ok((await send(app(), 'GET', `/attachments/${up.body.id}`, { key: emp.key })).bytes.equals(file));
  });

  test('one byte more is 413 and nothing is stored', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    problem(await upload(app(), emp.key, req.id, everyByte(LIMIT + 1), 'filename=over.bin'), 413, 'payload_too_large');
    assert.deepEqual(await count(app(), req.id), { files: 0, chunks: 0 });
  });

  test('a Content-Length over the limit is 413 before a byte of the body is sent', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    const r = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const out = http.request(new URL(`/requests/${req.id}/attachments?filename=big.bin`, app().url), {
        method: 'POST', agent: false, headers: { 'X-API-Key': emp.key, 'Content-Length': String(LIMIT + 1) },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => { resolve({ status: res.statusCode!, body: JSON.parse(text) }); out.destroy(); });
      });
      out.on('error', reject);
      out.flushHeaders(); // the headers only: the body is never sent
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'payload_too_large');
  });

  test('a chunked upload is refused with 413 as it passes the limit, the connection closed and nothing stored', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await newRequest(app(), emp.key);
    let sent = 0;
    const answer = await new Promise<{ status: number; code: string; closed: Promise<void> }>((resolve, reject) => {
      const out = http.request(new URL(`/requests/${req.id}/attachments?filename=stream.bin`, app().url), {
        method: 'POST', agent: false, headers: { 'X-API-Key': emp.key, 'Transfer-Encoding': 'chunked' },
      }, (res) => {
        const closed = new Promise<void>((done) => out.socket!.once('close', () => done()));
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(text).code, closed }));
      });
      out.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err); });
      // The limit in 64 KiB writes, then one byte more, and the request never ends.
      const piece = everyByte(64 * 1024);
      while (sent + piece.length <= LIMIT) { out.write(piece); sent += piece.length; }
      out.write(piece.subarray(0, LIMIT - sent + 1));
      sent = LIMIT + 1;
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.code, 'payload_too_large');
    await answer.closed;
    assert.deepEqual(await count(app(), req.id), { files: 0, chunks: 0 });
  });
});
