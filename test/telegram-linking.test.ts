// Linking a ServiceFlow user to Telegram (API.md, "Telegram"): a one-time deep link,
// /start <token>, /stop, and unlinking over HTTP — audited, with user.updated events.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createHub } from '../src/live/hub.ts';
import { createMetrics } from '../src/metrics.ts';
import { telegramLoops } from '../src/telegram/index.ts';
import { manualClock } from '../src/clock.ts';
import { problem, startApp, testConfig } from './helpers.ts';
import { type BotApp, type Person, startBot } from './telegram/harness.ts';

describe('linking Telegram', () => {
  let bot: BotApp;
  let admin: Person;
  before(async () => {
    bot = await startBot();
    admin = await bot.user('ADMIN', 'Ada Admin');
  });
  after(() => bot?.close());

  const tokenOf = (url: string) => new URL(url).searchParams.get('start')!;

  test('POST /users/me/telegram-link gives a one-time t.me deep link, valid 15 minutes, whose token is stored only hashed', async () => {
    const emp = await bot.user('EMPLOYEE');
    const before = bot.clock.now();
    const r = await bot.call('POST', '/users/me/telegram-link', { key: emp.key });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.url, /^https:\/\/t\.me\/serviceflow_test_bot\?start=[A-Za-z0-9_-]{32}$/, 'the username comes from getMe');
    const expires = Date.parse(r.body.expires_at);
    assert.ok(expires >= before + 15 * 60_000 && expires <= bot.clock.now() + 15 * 60_000);
    const token = tokenOf(r.body.url);
    const rows = await bot.db`select token_hash, user_id from telegram_link_tokens where user_id = ${emp.id}`;
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].token_hash, crypto.createHash('sha256').update(token).digest());
    assert.equal((await bot.db`select count(*)::int as n from telegram_link_tokens where token_hash::text like ${'%' + token + '%'}`)[0].n, 0);
  });

  test('/start with the token links that Telegram user and chat, answers with name and role, and shows on the user, audited', async () => {
    const agent = await bot.user('AGENT', 'Alan Agent');
    const tg = await bot.link(agent, 'alan_tg');
    const [hello] = await bot.said(tg, /^Linked: /);
    assert.match(hello.text, /you are Alan Agent \(AGENT\)/);
    assert.match(hello.text, /\/queue/, 'an agent is told of /queue');
    const me = await bot.call('GET', '/users/me', { key: agent.key });
    assert.equal(me.body.telegram.linked, true);
    assert.equal(me.body.telegram.username, 'alan_tg');
    assert.ok(Date.parse(me.body.telegram.linked_at) > 0);
    const [link] = await bot.db`select telegram_user_id::text, chat_id::text from telegram_links where user_id = ${agent.id}`;
    assert.deepEqual(link, { telegram_user_id: String(tg.id), chat_id: String(tg.id) });
    const [audit] = await bot.db`select actor_id, user_agent, changes from audit_logs where entity_id = ${agent.id} and action = 'user.telegram_linked'`;
    assert.equal(audit.actor_id, agent.id);
    assert.equal(audit.user_agent, 'telegram');
    assert.deepEqual(audit.changes.telegram[0], { linked: false, username: null, linked_at: null });
    assert.equal(audit.changes.telegram[1].username, 'alan_tg');
    const [event] = await bot.db`select data from events where type = 'user.updated' and data->'user'->>'id' = ${agent.id} order by seq desc limit 1`;
    assert.equal(event.data.user.telegram.linked, true, 'the event shows the user as linked');
    assert.deepEqual(event.data.changes, audit.changes);
    const shown = await bot.call('GET', `/users/${agent.id}`, { key: admin.key });
    assert.equal(shown.body.telegram.username, 'alan_tg');
  });

  test('a token works once: used again (from another Telegram account) it answers so and links nothing', async () => {
    const emp = await bot.user('EMPLOYEE');
    const r = await bot.call('POST', '/users/me/telegram-link', { key: emp.key });
    const token = tokenOf(r.body.url);
    const first = bot.fake.user(910_001, 'first');
    const second = bot.fake.user(910_002, 'second');
    bot.fake.message(first, `/start ${token}`);
    await bot.said(first, /^Linked: /);
    bot.fake.message(second, `/start ${token}`);
    const [refused] = await bot.said(second, /used already/);
    assert.match(refused.text, /Nothing was linked/);
    const links = await bot.db`select telegram_user_id::text from telegram_links where user_id = ${emp.id}`;
    assert.deepEqual(links.map((l) => l.telegram_user_id), [String(first.id)]);
    assert.equal((await bot.db`select count(*)::int as n from telegram_links where telegram_user_id = ${second.id}`)[0].n, 0);
  });

  test('an expired token (the clock moved past 15 minutes) answers so and links nothing', async () => {
    const emp = await bot.user('EMPLOYEE');
    const r = await bot.call('POST', '/users/me/telegram-link', { key: emp.key });
    bot.clock.advance(15 * 60_000 + 1000);
    try {
      const tg = bot.fake.user(910_010);
      bot.fake.message(tg, `/start ${tokenOf(r.body.url)}`);
      await bot.said(tg, /This link has expired/);
      assert.equal((await bot.call('GET', '/users/me', { key: emp.key })).body.telegram.linked, false);
    } finally {
      bot.clock.advance(-(15 * 60_000 + 1000));
    }
  });

  test('an unknown token answers so and links nothing', async () => {
    const tg = bot.fake.user(910_020);
    bot.fake.message(tg, `/start ${crypto.randomBytes(24).toString('base64url')}`);
    bot.fake.message(tg, '/start not-even-a-token');
    await bot.said(tg, /This link is not valid/, 2);
    assert.equal((await bot.db`select count(*)::int as n from telegram_links where telegram_user_id = ${tg.id}`)[0].n, 0);
  });

  test('a deactivated user\'s token links nothing, and a deactivated user\'s link is ignored', async () => {
    const emp = await bot.user('EMPLOYEE');
    const r = await bot.call('POST', '/users/me/telegram-link', { key: emp.key });
    assert.equal((await bot.call('PATCH', `/users/${emp.id}`, { key: admin.key, body: { is_active: false } })).status, 200);
    const tg = bot.fake.user(910_030);
    bot.fake.message(tg, `/start ${tokenOf(r.body.url)}`);
    await bot.said(tg, /account is deactivated\. Nothing was linked/);
    assert.equal((await bot.db`select count(*)::int as n from telegram_links where user_id = ${emp.id}`)[0].n, 0);

    const linked = await bot.user('EMPLOYEE');
    const chat = await bot.link(linked);
    await bot.call('PATCH', `/users/${linked.id}`, { key: admin.key, body: { is_active: false } });
    bot.fake.message(chat, '/new Filed by a deactivated user');
    await bot.said(chat, /deactivated, so this chat is not linked/);
    assert.equal((await bot.db`select count(*)::int as n from requests where title = 'Filed by a deactivated user'`)[0].n, 0);
  });

  test('/stop, DELETE /users/me/telegram and an ADMIN\'s DELETE /users/{id}/telegram unlink, each audited once', async () => {
    const emp = await bot.user('EMPLOYEE', 'Emmy Employee');
    const agent = await bot.user('AGENT');
    let tg = await bot.link(emp);
    bot.fake.message(tg, '/stop');
    await bot.said(tg, /^Unlinked: /);
    assert.equal((await bot.call('GET', '/users/me', { key: emp.key })).body.telegram.linked, false);

    tg = await bot.link(emp);
    assert.equal((await bot.call('DELETE', '/users/me/telegram', { key: emp.key })).status, 204);
    await bot.said(tg, 'This chat was unlinked from ServiceFlow.');
    assert.equal((await bot.call('DELETE', '/users/me/telegram', { key: emp.key })).status, 204, 'nothing to unlink is no error');

    tg = await bot.link(emp);
    problem(await bot.call('DELETE', `/users/${emp.id}/telegram`, { key: agent.key }), 404, 'not_found');
    assert.equal((await bot.call('DELETE', `/users/${emp.id}/telegram`, { key: admin.key })).status, 204);
    await bot.said(tg, 'An administrator unlinked this chat');
    assert.equal((await bot.call('GET', '/users/me', { key: emp.key })).body.telegram.linked, false);

    const audits = await bot.db`select actor_id, user_agent from audit_logs where entity_id = ${emp.id} and action = 'user.telegram_unlinked' order by seq`;
    assert.deepEqual(audits.map((a) => a.actor_id), [emp.id, emp.id, admin.id]);
    assert.equal(audits[0].user_agent, 'telegram');
    const events = await bot.db`select count(*)::int as n from events where type = 'user.updated' and data->'user'->>'id' = ${emp.id} and data->'changes' ? 'telegram'`;
    assert.equal(events[0].n, 6, 'three links and three unlinks');
  });

  test('linking a Telegram account to another user moves it: the first user is unlinked', async () => {
    const one = await bot.user('EMPLOYEE');
    const two = await bot.user('EMPLOYEE');
    const tg = await bot.link(one);
    const r = await bot.call('POST', '/users/me/telegram-link', { key: two.key });
    bot.fake.message(tg, `/start ${tokenOf(r.body.url)}`);
    await bot.said(tg, /^Linked: /, 2);
    assert.equal((await bot.call('GET', '/users/me', { key: one.key })).body.telegram.linked, false);
    assert.equal((await bot.call('GET', '/users/me', { key: two.key })).body.telegram.linked, true);
  });

  test('/help and /start without a token in an unlinked chat explain how to link', async () => {
    const tg = bot.fake.user(910_040);
    bot.fake.message(tg, '/start');
    bot.fake.message(tg, 'hello?');
    const answers = await bot.said(tg, /Profile → Link Telegram/, 2);
    assert.equal(answers.length, 2);
  });
});

describe('with the bot off (TELEGRAM_BOT_TOKEN unset)', () => {
  test('POST /users/me/telegram-link is 409 telegram_not_configured, and no loop that could contact Telegram is registered', async () => {
    const app = await startApp();
    try {
      const emp = await app.user('EMPLOYEE');
      problem(await app.call('POST', '/users/me/telegram-link', { key: emp.key }), 409, 'telegram_not_configured');
      assert.equal((await app.call('DELETE', '/users/me/telegram', { key: emp.key })).status, 204);
      const me = await app.call('GET', '/users/me', { key: emp.key });
      assert.deepEqual(me.body.telegram, { linked: false, username: null, linked_at: null });
    } finally {
      await app.close();
    }
    const services = { db: undefined as never, config: testConfig({ TELEGRAM_API_BASE: 'http://127.0.0.1:9' }), metrics: createMetrics(() => ({ inUse: 0, waiting: 0, max: 0 })), clock: manualClock(), live: createHub(), forgetUser: () => {} };
    assert.deepEqual(telegramLoops(services), []);
  });

  test('the link endpoint reaches getMe itself when no poller has yet, and says 409 while Telegram cannot be reached', async () => {
    const bot = await startBot({ env: { TELEGRAM_API_BASE: 'http://127.0.0.1:9' } });
    try {
      const emp = await bot.user('EMPLOYEE');
      problem(await bot.call('POST', '/users/me/telegram-link', { key: emp.key }), 409, 'telegram_not_configured');
    } finally {
      await bot.close();
    }
  });
});
