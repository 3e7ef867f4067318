// GET /events/stream: live events as Server-Sent Events, each caller seeing only what they
// may see, resumable with Last-Event-ID, from any instance, ended when the key dies.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { request, spawnServer, startApp, useApp, type TestApp } from './helpers.ts';
import { sseReader } from './sse.ts';

interface Message { id?: string; event?: string; data?: any }

/** An open stream: collects messages; `until` waits (bounded) for a condition on them. */
function open(base: string, key: string, headers: Record<string, string> = {}, path = '/events/stream') {
  const messages: Message[] = [];
  let ended = false;
  let status = 0;
  let contentType = '';
  let onChange = () => {};
  const req = http.get(new URL(path, base), { headers: { 'X-API-Key': key, ...headers }, agent: false }, (res) => {
    status = res.statusCode!;
    contentType = String(res.headers['content-type']);
    res.setEncoding('utf8');
    const feed = sseReader((m) => { if (m.event) messages.push({ id: m.id, event: m.event, data: m.data && JSON.parse(m.data) }); });
    res.on('data', (chunk: string) => { feed(chunk); onChange(); });
    res.on('end', () => { ended = true; onChange(); });
  });
  req.on('error', () => { ended = true; onChange(); });
  return {
    messages,
    status: () => status,
    contentType: () => contentType,
    ended: () => ended,
    close: () => req.destroy(),
    async until(what: string, ok: () => boolean, ms = 5000) {
      const end = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages.map((x) => x.event))}`);
        await new Promise<void>((r) => { onChange = r; setTimeout(r, 50); });
      }
    },
  };
}

type Who = { id: string; key: string };

/** Every event in the outbox now, oldest first (GET /events, page by page). */
async function allEvents(app: TestApp, key: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await app.call('GET', `/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key });
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
    if (page.body.items.length < 100) return items;
  }
}

/** `got` (ids) is exactly a run of `all` (ids, in outbox order): nothing missed, repeated or reordered. */
function assertRunOf(got: string[], all: string[], what: string) {
  assert.equal(new Set(got).size, got.length, `${what}: no event twice`);
  const at = all.indexOf(got[0]);
  assert.notEqual(at, -1, `${what}: the first event is in the outbox`);
  assert.deepEqual(got, all.slice(at, at + got.length), `${what}: the outbox's events from there on, in its order`);
}

describe('the event stream', () => {
  const app = useApp({ STREAM_HEARTBEAT_MS: '200' });
  let admin: Who; let it: Who; let hr: Who; let emp: Who; let other: Who; let hrTeam: any;
  before(async () => {
    admin = await app().user('ADMIN');
    it = await app().user('AGENT', 'Ivan');
    hr = await app().user('AGENT', 'Hana');
    emp = await app().user('EMPLOYEE', 'Emmy');
    other = await app().user('EMPLOYEE', 'Olga');
    hrTeam = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'HR' } })).body;
    await app().call('PUT', `/teams/${hrTeam.id}/members/${hr.id}`, { key: admin.key });
  });

  test('each caller receives what they may see: no internal note to an employee, nothing of another team, nothing of another employee', async () => {
    const streams = { admin: open(app().url, admin.key), it: open(app().url, it.key), hr: open(app().url, hr.key), emp: open(app().url, emp.key), other: open(app().url, other.key) };
    try {
      await streams.admin.until('the stream is open', () => streams.admin.status() === 200);
      assert.match(streams.admin.contentType(), /^text\/event-stream/);
      await new Promise((r) => setTimeout(r, 300)); // every stream attached
      const hrCase = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'Payslip wrong', team_id: hrTeam.id } })).body;
      await app().call('POST', `/requests/${hrCase.id}/comments`, { key: hr.key, body: { body: 'internal: check payroll', internal: true } });
      await app().call('POST', `/requests/${hrCase.id}/comments`, { key: hr.key, body: { body: 'We are on it.' } });
      const pool = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'Printer' } })).body;
      await streams.admin.until('the admin got all four', () => streams.admin.messages.filter((m) => m.data?.data?.request?.id === pool.id).length >= 1);
      const about = (s: ReturnType<typeof open>) => s.messages.map((m) => `${m.event}:${m.data.data.request?.title ?? ''}:${m.data.data.comment?.internal ?? ''}`);
      assert.deepEqual(about(streams.admin).filter((x) => /Payslip|Printer/.test(x)),
        ['request.created:Payslip wrong:', 'comment.created:Payslip wrong:true', 'comment.created:Payslip wrong:false', 'request.created:Printer:']);
      await streams.emp.until('the employee got the public comment and the pool request', () => about(streams.emp).includes('request.created:Printer:'));
      assert.deepEqual(about(streams.emp), ['request.created:Payslip wrong:', 'comment.created:Payslip wrong:false', 'request.created:Printer:']);
      await streams.hr.until('the HR agent got all four', () => about(streams.hr).includes('request.created:Printer:'));
      assert.equal(about(streams.hr).length, 4);
      await streams.it.until('the IT agent got the pool request', () => about(streams.it).includes('request.created:Printer:'));
      assert.deepEqual(about(streams.it), ['request.created:Printer:'], 'nothing of the HR case');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(streams.other.messages, [], "another employee's requests are not theirs");
      // Each message: id is the event id, event its type, data the event JSON.
      const m = streams.admin.messages.at(-1)!;
      assert.equal(m.id, m.data.id);
      assert.equal(m.event, m.data.type);
    } finally {
      for (const s of Object.values(streams)) s.close();
    }
  });

  test('many events at once reach every stream in order and exactly once, each stream seeing only its own', async () => {
    const streams = { a: open(app().url, admin.key), b: open(app().url, admin.key), emp: open(app().url, emp.key) };
    try {
      for (const s of Object.values(streams)) await s.until('open', () => s.status() === 200);
      await new Promise((r) => setTimeout(r, 300)); // every stream attached
      // 120 requests from 24 callers at once: many commit between two polls of the hub.
      const mine: string[] = [];
      await Promise.all(Array.from({ length: 24 }, async (_, i) => {
        for (let j = 0; j < 5; j++) {
          const who = i % 2 ? emp : other;
          const r = await app().call('POST', '/requests', { key: who.key, body: { title: `burst ${i}.${j}` } });
          assert.equal(r.status, 201, r.text);
          if (who === emp) mine.push(r.body.id);
        }
      }));
      const burst = (s: ReturnType<typeof open>) => s.messages.filter((m) => /^burst /.test(m.data.data.request?.title ?? ''));
      for (const s of [streams.a, streams.b]) await s.until('all 120', () => burst(s).length >= 120);
      await streams.emp.until('the employee\'s 60', () => burst(streams.emp).length >= 60);
      await new Promise((r) => setTimeout(r, 300)); // anything extra would have arrived
      const all = await allEvents(app(), admin.key);
      const ids = all.map((e) => e.id);
      for (const [name, s] of Object.entries(streams)) {
        const got = s.messages.map((m) => m.id!);
        assert.deepEqual(got, s.messages.map((m) => m.data.id), `${name}: id: is the event's id`);
        if (name === 'emp') {
          // An employee's: the events of their own requests (none of these is an internal note).
          assertRunOf(got, all.filter((e) => e.data.request?.created_by?.id === emp.id).map((e) => e.id), name);
          assert.deepEqual(burst(s).map((m) => m.data.data.request.id).sort(), [...mine].sort(), 'exactly the employee\'s own');
        } else {
          assertRunOf(got, ids, name);
          assert.equal(burst(s).length, 120);
        }
      }
    } finally {
      for (const s of Object.values(streams)) s.close();
    }
  });

  test('Last-Event-ID resumes after that event with nothing missed (header or query parameter)', async () => {
    const first = open(app().url, admin.key);
    await first.until('open', () => first.status() === 200);
    await new Promise((r) => setTimeout(r, 300));
    await app().call('POST', '/requests', { key: emp.key, body: { title: 'one' } });
    await first.until('one', () => first.messages.length >= 1);
    const last = first.messages.at(-1)!.id!;
    first.close();
    for (const title of ['two', 'three']) await app().call('POST', '/requests', { key: emp.key, body: { title } });
    for (const how of ['header', 'query'] as const) {
      const again = how === 'header' ? open(app().url, admin.key, { 'Last-Event-ID': last }) : open(app().url, admin.key, {}, `/events/stream?last_event_id=${last}`);
      try {
        await again.until('two and three', () => again.messages.filter((m) => m.event === 'request.created').length >= 2);
        assert.deepEqual(again.messages.filter((m) => m.event === 'request.created').map((m) => m.data.data.request.title).slice(0, 2), ['two', 'three']);
      } finally { again.close(); }
    }
  });

  test('a new stream starts after the newest event, however many there are', async () => {
    for (let i = 0; i < 12; i++) await app().call('POST', '/requests', { key: emp.key, body: { title: `before ${i}` } });
    // An event shows once every older transaction of this database has ended: wait until
    // the last one is visible, then open.
    for (let i = 0; i < 100; i++) {
      const page = await app().call('GET', '/events?type=request.created&limit=100', { key: admin.key });
      let items = page.body.items; let cursor = page.body.next_cursor;
      while (items.length === 100) { const more = await app().call('GET', `/events?type=request.created&limit=100&cursor=${cursor}`, { key: admin.key }); items = more.body.items; cursor = more.body.next_cursor; }
      if (items.some((e: any) => e.data.request.title === 'before 11')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const s = open(app().url, admin.key);
    try {
      await s.until('open', () => s.status() === 200);
      await new Promise((r) => setTimeout(r, 300));
      await app().call('POST', '/requests', { key: emp.key, body: { title: 'after' } });
      await s.until('the new event', () => s.messages.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(s.messages.map((m) => m.data.data.request?.title), ['after'], 'nothing from before the stream opened');
    } finally { s.close(); }
  });

  test('the stream ends soon after the key is rotated, and after the user is deactivated', async () => {
    const who = await app().user('AGENT');
    const s = open(app().url, who.key);
    await s.until('open', () => s.status() === 200);
    await app().call('POST', '/users/me/api-key/rotate', { key: who.key });
    await s.until('the stream ended', () => s.ended());
    const gone = await app().user('AGENT');
    const t = open(app().url, gone.key);
    await t.until('open', () => t.status() === 200);
    await app().call('PATCH', `/users/${gone.id}`, { key: admin.key, body: { is_active: false } });
    await t.until('the stream ended', () => t.ended());
  });
});

describe('the event stream across instances', () => {
  test('a stream on one instance carries a change made through another', async () => {
    const app = await startApp();
    const [one, two] = await Promise.all([spawnServer({ DATABASE_URL: app.dbUrl }), spawnServer({ DATABASE_URL: app.dbUrl })]);
    try {
      const admin = await app.user('ADMIN');
      const s = open(one.base, admin.key);
      await s.until('open', () => s.status() === 200);
      await new Promise((r) => setTimeout(r, 300));
      const created = await request(two.base, 'POST', '/requests', { key: admin.key, body: { title: 'from the other instance' } });
      await s.until('the event', () => s.messages.some((m) => m.data.data.request?.id === created.body.id));
      s.close();
    } finally {
      one.child.kill('SIGTERM');
      two.child.kill('SIGTERM');
      await Promise.all([one.exited, two.exited]);
      await app.close();
    }
  });
});

export type { TestApp };
