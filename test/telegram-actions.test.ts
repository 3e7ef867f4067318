// Working requests from Telegram (API.md, "Telegram"): Take and Done buttons, a reply as a
// comment, /new, /my, /queue, /help — each through the workflow HTTP uses, with audit rows
// whose user_agent is 'telegram' and the same events. Messages are HTML with every
// user-supplied text escaped (the fake Bot API refuses anything else, as Telegram does).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callbackData } from '../src/telegram/messages.ts';
import { cut, fitHtml, textLength } from '../src/telegram/html.ts';
import { type FakeUser, parseHtml, type Sent } from './telegram/fake-bot-api.ts';
import { type BotApp, eventually, type Person, startBot } from './telegram/harness.ts';

describe('working requests from Telegram', () => {
  let bot: BotApp;
  let admin: Person; let emp: Person; let alan: Person; let bea: Person; let hrAgent: Person;
  const tg: Record<string, FakeUser> = {};
  let hr: string;

  before(async () => {
    bot = await startBot({ env: { PUBLIC_URL: 'https://serviceflow.example.com/' } });
    admin = await bot.user('ADMIN', 'Ada Admin');
    emp = await bot.user('EMPLOYEE', 'Emmy Employee');
    alan = await bot.user('AGENT', 'Alan Agent');
    bea = await bot.user('AGENT', 'Bea Agent');
    hrAgent = await bot.user('AGENT', 'Hana HR');
    const t = await bot.call('POST', '/teams', { key: admin.key, body: { name: 'HR' } });
    hr = t.body.id;
    await bot.call('PUT', `/teams/${hr}/members/${hrAgent.id}`, { key: admin.key });
    for (const p of [emp, alan, bea, hrAgent]) tg[p.id] = await bot.link(p);
  });
  after(() => bot?.close());

  async function file(who: Person, body: Record<string, unknown>) {
    const r = await bot.call('POST', '/requests', { key: who.key, body });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; public_id: string };
  }
  const about = (who: Person, publicId: string) => bot.fake.chat(tg[who.id].id).filter((s) => s.text.includes(publicId));
  const note = (who: Person, publicId: string) =>
    eventually(`${who.name}'s notification of ${publicId}`, () => about(who, publicId)[0]);
  const buttons = (s: Sent) => (s.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
  const answered = (queryId: string) => eventually(`the answer to ${queryId}`, () => bot.fake.answers.get(queryId));

  test('Take on a new-request notification takes it for the pressing agent, audited as telegram, and redraws the message with Done', async () => {
    const r = await file(emp, { title: 'Broken chair' });
    const msg = await note(alan, r.public_id);
    assert.ok(msg.html.includes(`<a href="https://serviceflow.example.com/#/request/${r.public_id}">Open in ServiceFlow</a>`), 'a link with PUBLIC_URL');
    const { queryId, updateId } = bot.fake.press(tg[alan.id], msg, buttons(msg)[0]);
    assert.equal(await answered(queryId), `You took ${r.public_id}.`);
    const now = await bot.call('GET', `/requests/${r.id}`, { key: admin.key });
    assert.equal(now.body.status, 'IN_PROGRESS');
    assert.equal(now.body.assignee.id, alan.id);
    const [audit] = await bot.db`select actor_id, user_agent, ip, request_id, changes from audit_logs where entity_id = ${r.id} and action = 'request.status_changed'`;
    assert.deepEqual({ ...audit, changes: undefined }, { actor_id: alan.id, user_agent: 'telegram', ip: null, request_id: `telegram:${updateId}`, changes: undefined });
    assert.deepEqual(audit.changes.status, ['NEW', 'IN_PROGRESS']);
    await eventually('the message redrawn', () => msg.edits === 1);
    assert.match(msg.text, /^You took REQ-\d+\.\n\nREQ-\d+ · IN PROGRESS/);
    assert.match(msg.text, /assignee Alan Agent/);
    assert.deepEqual(buttons(msg), [`d:${r.public_id}`]);
    const [{ n }] = await bot.db`select count(*)::int as n from events where request_id = ${r.id} and type = 'request.status_changed'`;
    assert.equal(n, 1);

    // Done on it, as the assignee: closed, redrawn without buttons, and the creator hears.
    const done = bot.fake.press(tg[alan.id], msg, `d:${r.public_id}`);
    assert.equal(await answered(done.queryId), `${r.public_id} is done.`);
    await eventually('the message redrawn again', () => msg.edits === 2);
    assert.match(msg.text, / · DONE · /);
    assert.deepEqual(buttons(msg), []);
    assert.equal((await bot.call('GET', `/requests/${r.id}`, { key: admin.key })).body.status, 'DONE');
    await eventually('the creator hears it is done', () => about(emp, r.public_id).some((s) => /moved it from IN PROGRESS to DONE/.test(s.text)));
  });

  test('two agents press Take at once from two chats: one wins, the other\'s answer names the winner; one audit row', async () => {
    const r = await file(emp, { title: 'Coffee machine leaks' });
    const [a, b] = [await note(alan, r.public_id), await note(bea, r.public_id)];
    const pa = bot.fake.press(tg[alan.id], a, buttons(a)[0]);
    const pb = bot.fake.press(tg[bea.id], b, buttons(b)[0]);
    const answers = [await answered(pa.queryId), await answered(pb.queryId)];
    const winner = answers[0].startsWith('You took') ? alan : bea;
    const loser = winner === alan ? 'Bea' : 'Alan';
    assert.deepEqual(answers.sort(), [`Already taken by ${winner.name}.`, `You took ${r.public_id}.`].sort(), `${loser} lost to ${winner.name}`);
    const rows = await bot.db`select actor_id from audit_logs where entity_id = ${r.id} and action = 'request.status_changed'`;
    assert.deepEqual(rows.map((x) => x.actor_id), [winner.id]);
    const lost = winner === alan ? b : a;
    await eventually('the loser\'s message redrawn', () => lost.edits === 1);
    assert.match(lost.text, /^Already taken by /);
    assert.match(lost.text, new RegExp(`assignee ${winner.name}`));
    assert.deepEqual(buttons(lost), [], 'nothing left for the loser to press');
  });

  test('a Telegram reply to a notification adds a public comment to that request, audited as telegram', async () => {
    const r = await file(emp, { title: 'Badge does not open door 4' });
    await bot.call('PATCH', `/requests/${r.id}/status`, { key: bea.key, body: { status: 'IN_PROGRESS', comment: 'Since when?' } });
    const asked = await eventually('the comment notification', () => about(emp, r.public_id).find((s) => /Bea Agent commented:\nSince when\?/.test(s.text)));
    const ok = await bot.ask(tg[emp.id], 'Since Monday, <b>only</b> door 4 & 5', `Comment added to ${r.public_id}.`, { replyTo: asked.message_id });
    assert.ok(ok.reply_to, 'in reply to the comment');
    const comments = await bot.call('GET', `/requests/${r.id}/comments`, { key: admin.key });
    const c = comments.body.items[0];
    assert.deepEqual({ body: c.body, internal: c.internal, author: c.author.id }, { body: 'Since Monday, <b>only</b> door 4 & 5', internal: false, author: emp.id });
    const [audit] = await bot.db`select user_agent from audit_logs where entity_id = ${c.id} and action = 'comment.added'`;
    assert.equal(audit.user_agent, 'telegram');
    const heard = await eventually('the assignee hears the reply', () => about(bea, r.public_id).find((s) => s.text.includes('Since Monday')));
    assert.ok(heard.html.includes('&lt;b&gt;only&lt;/b&gt; door 4 &amp; 5'), 'escaped, and shown as written');
  });

  test('/new files a request from its title and the lines after it; a bad title files nothing', async () => {
    const filed = await bot.ask(tg[emp.id], '/new Printer on floor 3 is jammed\nTray 2 again.\nSince Monday.', /^Filed REQ-\d+\./);
    const publicId = /REQ-\d+/.exec(filed.text)![0];
    const r = await bot.call('GET', `/requests/${publicId}`, { key: emp.key });
    assert.deepEqual({ title: r.body.title, description: r.body.description, status: r.body.status, creator: r.body.created_by.id, team: r.body.team },
      { title: 'Printer on floor 3 is jammed', description: 'Tray 2 again.\nSince Monday.', status: 'NEW', creator: emp.id, team: null });
    const [audit] = await bot.db`select user_agent from audit_logs where entity_id = ${r.body.id} and action = 'request.created'`;
    assert.equal(audit.user_agent, 'telegram');
    await note(alan, publicId);

    // Replying to the bot's answer comments on the new request.
    await bot.ask(tg[emp.id], 'It is the big printer.', `Comment added to ${publicId}.`, { replyTo: filed.message_id });

    await bot.ask(tg[emp.id], '/new', /^Write the title after \/new/);
    await bot.ask(tg[emp.id], `/new ${'x'.repeat(201)}`, /^Not filed: .*title must be at most 200 characters/);
  });

  test('/my lists your open requests; /queue lists, for agents, the new ones you may take, and Take there redraws the queue', async () => {
    const mine = await file(emp, { title: 'My open one' });
    const secret = await file(emp, { title: 'HR only', team_id: hr });
    const my = await bot.ask(tg[emp.id], '/my', /^Your open requests/);
    assert.match(my.text, new RegExp(`${mine.public_id} · NEW`));
    assert.deepEqual(buttons(my), [], 'an employee has nothing to press');
    await bot.ask(tg[emp.id], '/queue', 'Only agents have a queue.');

    const queue = await bot.ask(tg[bea.id], '/queue', /^Queue: new requests you may take/);
    assert.ok(buttons(queue).includes(`t:${mine.public_id}:q`));
    assert.ok(!queue.text.includes(secret.public_id), 'not HR\'s request');
    const { queryId } = bot.fake.press(tg[bea.id], queue, `t:${mine.public_id}:q`);
    assert.equal(await answered(queryId), `You took ${mine.public_id}.`);
    await eventually('the queue redrawn', () => queue.edits === 1);
    assert.ok(!buttons(queue).includes(`t:${mine.public_id}:q`));

    const beas = await bot.ask(tg[bea.id], '/my', /^Your open requests/);
    assert.ok(buttons(beas).includes(`d:${mine.public_id}:m`), 'Done on her own work');
  });

  test('/help lists the commands; a button for a request the presser may not see answers so and changes nothing', async () => {
    const help = await bot.ask(tg[alan.id], '/help', /^ServiceFlow bot/);
    for (const c of ['/new', '/my', '/queue', '/stop', '/help']) assert.ok(help.text.includes(c), c);
    const secret = await file(emp, { title: 'Salary', team_id: hr });
    await note(hrAgent, secret.public_id);
    // A client that forges a button's data on one of its own messages gains nothing.
    const forged = bot.fake.press(tg[alan.id], help, `t:${secret.public_id}`);
    assert.equal(await answered(forged.queryId), `${secret.public_id}: you can no longer see this request.`);
    const junk = bot.fake.press(tg[alan.id], help, 'x'.repeat(60));
    assert.equal(await answered(junk.queryId), 'This button no longer works.');
    assert.equal((await bot.call('GET', `/requests/${secret.id}`, { key: admin.key })).body.status, 'NEW');
  });

  test('HTML in a title is escaped: the agent reads it as written, and Telegram (the fake) accepts the message', async () => {
    const title = '<b>Free</b> <a href="https://evil.example">prize</a> & <script>alert(1)</script> "now"';
    const filed = await bot.ask(tg[emp.id], `/new ${title}\n<i>not italic</i> &amp; not an entity`, /^Filed REQ-\d+\./);
    assert.ok(filed.text.includes(title));
    const publicId = /REQ-\d+/.exec(filed.text)![0];
    const heard = await note(alan, publicId);
    assert.ok(heard.text.includes(title), 'shown as written');
    assert.ok(heard.text.includes('<i>not italic</i> &amp; not an entity'));
    assert.ok(heard.html.includes('&lt;b&gt;Free&lt;/b&gt; &lt;a href=&quot;https://evil.example&quot;&gt;prize&lt;/a&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; &quot;now&quot;'), heard.html);
    assert.ok(heard.html.includes('&lt;i&gt;not italic&lt;/i&gt; &amp;amp; not an entity'));
    const refused = bot.fake.calls.filter((c) => /parse entities|too long/.test(c.error ?? ''));
    assert.deepEqual(refused.map((c) => c.error), [], 'Telegram refused no message of this file as malformed');
  });

  test('long texts are cut to Telegram\'s limits without breaking an escape or a tag', async () => {
    const r = await file(emp, { title: '&'.repeat(200), description: '<&>"'.repeat(2500) });
    const heard = await note(alan, r.public_id);
    assert.ok(heard.text.length <= 4096);
    assert.match(heard.text, /(<&>"){149}<&>…/, 'the description cut at 600 characters, between two of them');
    // fitHtml itself, at every cut: always parseable, within the limit, tags closed.
    const html = `<b>${'a&amp;b&lt;'.repeat(30)}</b> <i>x &quot;y&quot; ${'😀'.repeat(10)}</i> <a href="https://x.example/?a=1&amp;b=2">l&amp;nk</a>`;
    for (let limit = 1; limit <= textLength(html) + 1; limit++) {
      const fitted = fitHtml(html, limit);
      const parsed = parseHtml(fitted);
      assert.ok('text' in parsed, `limit ${limit}: ${fitted} → ${JSON.stringify(parsed)}`);
      assert.ok(parsed.text.length <= limit, `limit ${limit}: ${parsed.text.length}`);
    }
    assert.equal(cut('😀😀😀', 2), '😀…', 'a cut never splits a character');
    assert.ok(Buffer.byteLength(callbackData('take', 'REQ-999999999999999999', 'queue')) <= 64);
  });
});
