// One poller across server processes (API.md, "Telegram"): two real servers (tsx
// src/main.ts) on one database, one of them polls; killed, the other takes over within 30 s
// (here within a few seconds: a 2-second lease), and no update is handled twice or lost.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { connect, type Sql } from '../src/db/index.ts';
import { insertUser } from '../src/db/users.ts';
import { hashApiKey, newApiKey } from '../src/users/keys.ts';
import { freshDatabase, type Proc, request, spawnServer } from './helpers.ts';
import { type FakeBotApi, startFakeBotApi } from './telegram/fake-bot-api.ts';
import { eventually } from './telegram/harness.ts';

describe('one Telegram poller across server processes', () => {
  let fake: FakeBotApi;
  let db: Sql;
  let dbUrl: string;
  const procs: Proc[] = [];
  before(async () => {
    fake = await startFakeBotApi();
    dbUrl = await freshDatabase();
    db = connect(dbUrl, { max: 4 });
  });
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await db?.end({ timeout: 5 });
    await fake?.close();
  });

  test('the default lease lets another instance take over well within 30 s', () => {
    const { TELEGRAM_LEASE_MS: lease } = loadConfig({});
    assert.ok(lease + lease / 3 < 30_000, `${lease} ms, renewed and retried every third of it`);
    assert.throws(() => loadConfig({ TELEGRAM_LEASE_MS: '25000' }), /TELEGRAM_LEASE_MS must be at most 20000/);
  });

  test('two processes: one polls; killed mid-burst, the other takes over within seconds, handling every update once', async () => {
    const env = {
      DATABASE_URL: dbUrl, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_BASE: fake.base,
      TELEGRAM_LEASE_MS: '2000', TELEGRAM_POLL_TIMEOUT_S: '1', TELEGRAM_INTERVAL_MS: '100',
    };
    procs.push(await spawnServer(env), await spawnServer(env));
    const pids = procs.map((p) => p.child.pid!);
    const key = newApiKey();
    const user = await insertUser(db, { email: 'emmy@example.com', full_name: 'Emmy Employee', role: 'EMPLOYEE', keyHash: hashApiKey(key), last4: key.slice(-4) }, null, 'user.created', [null, null, null]);
    const link = await request(procs[1].base, 'POST', '/users/me/telegram-link', { key });
    assert.equal(link.status, 201, link.text);
    const chat = fake.user(424242, 'emmy');
    fake.message(chat, `/start ${new URL(link.body.url).searchParams.get('start')}`);
    await eventually('the link', () => fake.chat(chat.id).some((s) => s.text.startsWith('Linked:')));

    const holderPid = async () => Number((await db`select holder from telegram_bot`)[0].holder?.split(':')[1]);
    const first = await holderPid();
    assert.ok(pids.includes(first), `the holder ${first} is one of ${pids}`);
    // Both instances have been running their loops for a while: only one ever asked.
    assert.equal(fake.maxConcurrentPolls, 1);
    assert.equal(fake.conflicts, 0);

    const burst = Array.from({ length: 20 }, (_, i) => `Burst ${String(i).padStart(2, '0')}`);
    for (const title of burst) fake.message(chat, `/new ${title}`);
    await eventually('a first answer', () => fake.chat(chat.id).some((s) => s.text.startsWith('Filed')), 20_000);
    const holder = procs[pids.indexOf(first)];
    holder.child.kill('SIGKILL');
    const killed = Date.now();
    const answeredBefore = fake.chat(chat.id).filter((s) => s.text.startsWith('Filed')).length;
    await holder.exited;

    fake.message(chat, '/new After the failover');
    await eventually('the other instance answers', () => fake.chat(chat.id).some((s) => s.text.includes('After the failover')), 30_000);
    const tookOver = Date.now() - killed;
    assert.ok(tookOver < 30_000, `took over after ${tookOver} ms`);
    assert.equal(await holderPid(), pids.find((p) => p !== first));

    const titles = (await db`select title from requests where created_by = ${user!.id} order by title`).map((r) => r.title);
    assert.deepEqual(titles, ['After the failover', ...burst], `every update handled once, none lost, none repeated (${answeredBefore} of 20 answered when the poller died)`);
    const [{ n }] = await db`select count(*)::int as n from audit_logs where action = 'request.created' and user_agent = 'telegram'`;
    assert.equal(n, 21);

    // A graceful stop gives the lease up at once.
    const survivor = procs[pids.indexOf(pids.find((p) => p !== first)!)];
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0);
    assert.deepEqual((await db`select holder from telegram_bot`)[0], { holder: null });
  });
});
