// Talking to Telegram when it pushes back (API.md, "Telegram"): 429 retry_after honoured, a
// 403 unlinks, 5xx and dropped connections retried; the update offset in PostgreSQL, so a
// restart neither repeats nor loses an update; and one message per event and chat with
// several instances at work.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakeBotApi, type FakeUser, startFakeBotApi } from './telegram/fake-bot-api.ts';
import { type BotApp, eventually, type Person, startBot } from './telegram/harness.ts';

describe('Telegram delivery', () => {
  let bot: BotApp;
  let emp: Person; let agent: Person;
  let agentChat: FakeUser;
  before(async () => {
    bot = await startBot();
    emp = await bot.user('EMPLOYEE', 'Emmy Employee');
    agent = await bot.user('AGENT', 'Alan Agent');
    agentChat = await bot.link(agent);
  });
  after(() => bot?.close());

  const file = async (title: string) => (await bot.call('POST', '/requests', { key: emp.key, body: { title } })).body as { id: string; public_id: string };
  const sendsTo = (chat: FakeUser) => bot.fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chat.id);

  test('Telegram\'s 429 is honoured: nothing more is sent until retry_after has passed, then the message goes out once', async () => {
    await bot.settled();
    bot.fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 2', retry_after: 2 });
    const r = await file('Flood-controlled printer');
    const [got] = await bot.said(agentChat, r.public_id);
    const attempts = sendsTo(agentChat).filter((c) => String(c.params.text).includes(r.public_id));
    assert.deepEqual(attempts.map((c) => c.outcome), [429, 'ok']);
    const waited = attempts[1].at - attempts[0].at;
    assert.ok(waited >= 2000, `sent again after ${waited} ms`);
    const between = bot.fake.calls.filter((c) => c.method !== 'getUpdates' && c.at > attempts[0].at && c.at < attempts[1].at);
    assert.deepEqual(between, [], 'no other call either while the flood wait ran');
    assert.equal(bot.fake.chat(agentChat.id).filter((s) => s.text.includes(r.public_id)).length, 1);
    assert.ok(got);
  });

  test('a 429 on getUpdates makes the poller wait retry_after before it polls again', async () => {
    bot.fake.failNext('getUpdates', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    const polls = () => bot.fake.calls.filter((c) => c.method === 'getUpdates');
    const [limited, next] = await eventually('a poll after the 429', () => {
      const i = polls().findIndex((c) => c.outcome === 429);
      return i >= 0 && polls()[i + 1] ? [polls()[i], polls()[i + 1]] : undefined;
    });
    assert.ok(next.at - limited.at >= 1000, `the next poll waited a second (${next.at - limited.at} ms)`);
    await bot.ask(agentChat, '/help', /^ServiceFlow bot/);
  });

  test('5xx answers and dropped connections are retried with backoff, and the message arrives once', async () => {
    await bot.settled();
    bot.fake.failNext('sendMessage', { error_code: 502, description: 'Bad Gateway' });
    bot.fake.failNext('sendMessage', 'drop');
    const r = await file('Flaky network');
    await bot.said(agentChat, r.public_id);
    const attempts = sendsTo(agentChat).filter((c) => String(c.params.text).includes(r.public_id));
    assert.deepEqual(attempts.map((c) => c.outcome), [502, 'dropped', 'ok']);
    assert.ok(attempts[1].at - attempts[0].at >= 800, 'about a second after the first failure');
    assert.ok(attempts[2].at - attempts[1].at >= 1600, 'about two after the second');
    assert.equal(bot.fake.chat(agentChat.id).filter((s) => s.text.includes(r.public_id)).length, 1);

    bot.fake.failNext('getUpdates', { error_code: 500, description: 'Internal Server Error' });
    bot.fake.failNext('getUpdates', 'drop');
    await bot.ask(agentChat, '/my', /^Your open requests/);
  });

  test('a 403 (the user blocked the bot) unlinks the user, audited, and drops what was queued for them', async () => {
    const blocker = await bot.user('EMPLOYEE', 'Bob Blocker');
    const chat = await bot.link(blocker);
    const r = (await bot.call('POST', '/requests', { key: blocker.key, body: { title: 'Before blocking' } })).body;
    bot.fake.block(chat);
    await bot.call('PATCH', `/requests/${r.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS', comment: 'On it' } });
    await eventually('the user unlinked', async () => !(await bot.call('GET', '/users/me', { key: blocker.key })).body.telegram.linked);
    const [audit] = await bot.db`select actor_id, user_agent from audit_logs where entity_id = ${blocker.id} and action = 'user.telegram_unlinked'`;
    assert.deepEqual(audit, { actor_id: null, user_agent: 'telegram' });
    await bot.settled();
    const left = await bot.db`select error from telegram_messages where chat_id = ${chat.id} and sent_at is null`;
    assert.ok(left.length >= 1 && left.every((m) => /blocked/.test(m.error)), JSON.stringify(left));
    assert.equal(sendsTo(chat).filter((c) => c.outcome === 403).length, 1, 'one 403, then nothing more is tried');

    // Telegram also says so in an update (my_chat_member: kicked): that unlinks too.
    const other = await bot.user('EMPLOYEE');
    const otherChat = await bot.link(other);
    bot.fake.block(otherChat, true);
    await eventually('the update unlinks', async () => !(await bot.call('GET', '/users/me', { key: other.key })).body.telegram.linked);
  });
});

describe('the update offset lives in PostgreSQL', () => {
  let fake: FakeBotApi;
  before(async () => { fake = await startFakeBotApi(); });
  after(() => fake?.close());

  test('a restart neither repeats nor loses updates', async () => {
    const first = await startBot({ fake });
    const dbUrl = first.dbUrl;
    let second: BotApp | undefined;
    try {
      const emp = await first.user('EMPLOYEE', 'Emmy Employee');
      const chat = await first.link(emp);
      // The poller handles /new First, but every getUpdates after it fails, so Telegram never
      // hears that the update was handled: it would hand it out again to a poller that asked
      // from its own first offset.
      let handled = Infinity;
      fake.failWhen('getUpdates', (p) => (Number(p.offset) > handled ? { error_code: 502, description: 'Bad Gateway' } : undefined));
      handled = fake.message(chat, '/new First');
      await first.said(chat, /^Filed REQ-\d+\.[\s\S]*\nFirst\n/);
      await eventually('a getUpdates that failed after it', () => fake.calls.filter((c) => c.method === 'getUpdates' && c.outcome === 502).length > 0);
      await first.stop();
      assert.ok(fake.pending() >= 1, 'Telegram still holds the handled update');
      fake.message(chat, '/new Second');
      fake.message(chat, '/new Third');
      fake.clearFailures();

      second = await startBot({ fake, dbUrl, db: first.db });
      await second.said(chat, /Filed REQ-\d+\.[\s\S]*Third/);
      await second.settled();
      const titles = await first.db`select title from requests order by number`;
      assert.deepEqual(titles.map((t) => t.title), ['First', 'Second', 'Third'], 'each once, none lost');
      assert.equal(fake.chat(chat.id).filter((s) => s.text.startsWith('Filed')).length, 3);
      const offset = await first.db`select update_offset::text from telegram_bot`;
      assert.ok(Number(offset[0].update_offset) > 0);
    } finally {
      fake.clearFailures();
      await second?.stop();
      await first.close();
    }
  });

  test('two instances: one polls, each event reaches each chat once', async () => {
    const one = await startBot({ fake });
    const two = await startBot({ fake, dbUrl: one.dbUrl, db: one.db });
    try {
      const emp = await one.user('EMPLOYEE');
      const agents = [await one.user('AGENT'), await one.user('AGENT')];
      const chats = [await one.link(agents[0]), await two.link(agents[1])];
      const polls = fake.calls.length;
      const filed = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? one : two).call('POST', '/requests', { key: emp.key, body: { title: `Burst ${i}` } })));
      await one.settled();
      for (const chat of chats) {
        for (const r of filed) {
          const got = fake.chat(chat.id).filter((s) => s.text.includes(`${r.body.public_id} ·`));
          assert.equal(got.length, 1, `${r.body.public_id} once to ${chat.id}`);
        }
      }
      const [{ dupes }] = await one.db`select count(*)::int as dupes from (select 1 from telegram_messages where event_id is not null group by event_id, chat_id having count(*) > 1) d`;
      assert.equal(dupes, 0);
      assert.equal(fake.maxConcurrentPolls, 1, 'never two getUpdates at once');
      assert.equal(fake.conflicts, 0);
      assert.ok(fake.calls.length > polls);
    } finally {
      await two.stop();
      await one.close();
    }
  });
});
