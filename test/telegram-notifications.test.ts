// Who hears what in Telegram (API.md, "Telegram"): the creator, the assignee, the agents who
// may work a new request; never an internal note to an employee, never a request to someone
// who may not see it. Teams are made through the API; every change through HTTP.
import assert from 'node:assert/strict';
import { before, after, describe, test } from 'node:test';
import type { FakeUser, Sent } from './telegram/fake-bot-api.ts';
import { type BotApp, type Person, startBot } from './telegram/harness.ts';

describe('Telegram notifications', () => {
  let bot: BotApp;
  let admin: Person; let emp: Person; let other: Person;
  let itAgent: Person; let hrAgent: Person; let poolAgent: Person;
  const chat: Record<string, FakeUser> = {};
  let hr: string; let it: string;

  before(async () => {
    bot = await startBot();
    admin = await bot.user('ADMIN', 'Ada Admin');
    emp = await bot.user('EMPLOYEE', 'Emmy Employee');
    other = await bot.user('EMPLOYEE', 'Otto Other');
    itAgent = await bot.user('AGENT', 'Ivan IT');
    hrAgent = await bot.user('AGENT', 'Hana HR');
    poolAgent = await bot.user('AGENT', 'Pia Pool');
    hr = await team('HR', [hrAgent]);
    it = await team('IT', [itAgent]);
    for (const p of [admin, emp, other, itAgent, hrAgent, poolAgent]) chat[p.id] = await bot.link(p);
  });
  after(() => bot?.close());

  async function team(name: string, members: Person[]) {
    const t = await bot.call('POST', '/teams', { key: admin.key, body: { name } });
    assert.equal(t.status, 201, t.text);
    for (const m of members) assert.equal((await bot.call('PUT', `/teams/${t.body.id}/members/${m.id}`, { key: admin.key })).status, 204);
    return t.body.id as string;
  }
  async function file(who: Person, body: Record<string, unknown>) {
    const r = await bot.call('POST', '/requests', { key: who.key, body });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; public_id: string };
  }
  /** Once everything is notified: what this person's chat got about this request. */
  async function heard(who: Person, publicId: string): Promise<Sent[]> {
    await bot.settled();
    return bot.fake.chat(chat[who.id].id).filter((s) => new RegExp(`\\b${publicId}\\b`).test(s.text));
  }
  const buttons = (s: Sent) => (s.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);

  test('every linked agent who may work a new pool request hears of it with a Take button; its creator does not', async () => {
    const r = await file(emp, { title: 'Printer on floor 2 is jammed', description: 'Paper tray 3.' });
    for (const agent of [itAgent, hrAgent, poolAgent]) {
      const [note, ...more] = await heard(agent, r.public_id);
      assert.equal(more.length, 0, 'once');
      assert.match(note.text, /^New request from Emmy Employee/);
      assert.match(note.text, /Printer on floor 2 is jammed/);
      assert.match(note.text, /Paper tray 3\./);
      assert.deepEqual(buttons(note), [`t:${r.public_id}`]);
    }
    assert.deepEqual(await heard(emp, r.public_id), []);
    assert.deepEqual(await heard(admin, r.public_id), [], 'admins are not agents of the queue');
  });

  test('a new HR request reaches HR\'s agents only: nothing about it ever reaches the IT agent or a pool agent', async () => {
    const r = await file(emp, { title: 'Question about my payslip', team_id: hr });
    assert.equal((await heard(hrAgent, r.public_id)).length, 1);
    const take = await bot.call('PATCH', `/requests/${r.id}/status`, { key: hrAgent.key, body: { status: 'IN_PROGRESS', comment: 'Looking into it.' } });
    assert.equal(take.status, 200, take.text);
    await bot.call('POST', `/requests/${r.id}/comments`, { key: emp.key, body: { body: 'Thanks!' } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: hrAgent.key, body: { body: 'Payroll error.', internal: true } });
    assert.deepEqual(await heard(itAgent, r.public_id), []);
    assert.deepEqual(await heard(poolAgent, r.public_id), []);
    assert.equal((await heard(emp, r.public_id)).length, 2, 'the creator: the status change and the public comment');
  });

  test('a request for IT reaches IT\'s agent, not HR\'s', async () => {
    const r = await file(other, { title: 'New laptop', team_id: it });
    assert.equal((await heard(itAgent, r.public_id)).length, 1);
    assert.deepEqual(await heard(hrAgent, r.public_id), []);
  });

  test('the creator hears of status changes and of public comments by others, never of their own doing', async () => {
    const r = await file(emp, { title: 'VPN drops' });
    await bot.call('PATCH', `/requests/${r.id}/status`, { key: poolAgent.key, body: { status: 'IN_PROGRESS' } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: poolAgent.key, body: { body: 'Which Wi-Fi?' } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: emp.key, body: { body: 'The office one.' } });
    await bot.call('PATCH', `/requests/${r.id}`, { key: poolAgent.key, body: { priority: 'HIGH' } });
    const got = await heard(emp, r.public_id);
    assert.deepEqual(got.map((s) => s.text.split('\n')[0]), [
      'Pia Pool moved it from NEW to IN PROGRESS',
      'Pia Pool commented:',
    ], 'not their own comment, and an edit is not a status change');
    assert.deepEqual(got.flatMap(buttons), [], 'an employee gets no buttons');
  });

  test('the assignee hears of comments (internal ones too) and changes by others, with Done while it is in progress', async () => {
    const r = await file(emp, { title: 'Monitor flickers' });
    await bot.call('PATCH', `/requests/${r.id}/status`, { key: poolAgent.key, body: { status: 'IN_PROGRESS' } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: emp.key, body: { body: 'Since this morning.' } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: admin.key, body: { body: 'Cable is loose.', internal: true } });
    await bot.call('PATCH', `/requests/${r.id}`, { key: admin.key, body: { priority: 'URGENT' } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: poolAgent.key, body: { body: 'My own note.', internal: true } });
    const got = await heard(poolAgent, r.public_id);
    assert.deepEqual(got.map((s) => s.text.split('\n')[0]), [
      'New request from Emmy Employee',
      'Emmy Employee commented:',
      'Ada Admin wrote an internal note:',
      'Ada Admin changed the priority',
    ]);
    assert.deepEqual(got.slice(1).map(buttons), [[`d:${r.public_id}`], [`d:${r.public_id}`], [`d:${r.public_id}`]]);
    assert.match(got[1].text, /Reply to this message to comment\./);
  });

  test('an employee never receives an internal note, not even as the creator', async () => {
    const r = await file(emp, { title: 'Keyboard missing keys' });
    await bot.call('PATCH', `/requests/${r.id}/status`, { key: admin.key, body: { status: 'IN_PROGRESS', assignee_id: poolAgent.id } });
    await bot.call('POST', `/requests/${r.id}/comments`, { key: poolAgent.key, body: { body: 'SECRET: order from the other vendor', internal: true } });
    const got = await heard(emp, r.public_id);
    assert.equal(got.length, 1, 'the status change only');
    assert.ok(got.every((s) => !s.text.includes('SECRET')));
    const [{ n }] = await bot.db`select count(*)::int as n from telegram_messages where chat_id = ${chat[emp.id].id} and params->>'text' like '%SECRET%'`;
    assert.equal(n, 0, 'not even queued');
  });

  test('a new assignee hears that it is theirs; the one who lost it hears too', async () => {
    const r = await file(other, { title: 'Docking station' });
    await bot.call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: poolAgent.id } });
    await bot.call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: itAgent.id } });
    assert.equal((await heard(itAgent, r.public_id)).at(-1)!.text.split('\n')[0], 'Ada Admin assigned it to you');
    assert.deepEqual((await heard(poolAgent, r.public_id)).map((s) => s.text.split('\n')[0]),
      ['New request from Otto Other', 'Ada Admin assigned it to you', 'Ada Admin assigned it to Ivan IT']);
  });

  test('a request moved into a team reaches that team\'s agents as new; who may not see it hears nothing more', async () => {
    const r = await file(emp, { title: 'Wrongly filed payslip question', team_id: it });
    assert.equal((await heard(itAgent, r.public_id)).length, 1);
    assert.equal((await bot.call('PATCH', `/requests/${r.id}/team`, { key: admin.key, body: { team_id: hr } })).status, 200);
    const [moved] = await heard(hrAgent, r.public_id);
    assert.match(moved.text, /^New for your team: Ada Admin moved it to HR/);
    assert.deepEqual(buttons(moved), [`t:${r.public_id}`]);
    assert.equal((await heard(itAgent, r.public_id)).length, 1, 'the IT agent may no longer see it');
  });

  test('sla.warning and sla.breached go to the team\'s agents while unassigned, then to the assignee only', async () => {
    const r = await file(emp, { title: 'Contract renewal', team_id: hr });
    const sla = (type: string) => bot.db`
      insert into events (type, request_id, data)
      values (${type}, ${r.id}, jsonb_build_object('request', request_event_json(${r.id}::uuid), 'metric', 'first_response', 'due_at', '2026-12-01T10:00:00.000Z'))`;
    await sla('sla.warning');
    const [, warning] = await heard(hrAgent, r.public_id);
    assert.match(warning.text, /^SLA warning: first response due 2026-12-01 10:00 UTC/);
    assert.deepEqual(buttons(warning), [`t:${r.public_id}`]);
    await bot.call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: admin.id } });
    await sla('sla.breached');
    assert.match((await heard(admin, r.public_id)).at(-1)!.text, /^SLA breached: first response/);
    assert.equal((await heard(hrAgent, r.public_id)).length, 2, 'assigned: not the team any more');
    assert.deepEqual(await heard(itAgent, r.public_id), []);
    assert.deepEqual(await heard(emp, r.public_id), [], 'not the creator');
  });

  test('a new public attachment reaches the creator; an internal one only the assignee', async () => {
    const r = await file(emp, { title: 'Screenshot of the error' });
    await bot.call('PATCH', `/requests/${r.id}/status`, { key: poolAgent.key, body: { status: 'IN_PROGRESS' } });
    const attach = (internal: boolean, filename: string) => bot.db`
      insert into events (type, actor_id, request_id, data)
      values ('attachment.created', ${admin.id}, ${r.id}, jsonb_build_object('request', request_event_json(${r.id}::uuid),
        'attachment', jsonb_build_object('id', gen_random_uuid(), 'filename', ${filename}::text, 'internal', ${internal}::boolean,
          'uploaded_by', jsonb_build_object('id', ${admin.id}::uuid, 'full_name', 'Ada Admin'))))`;
    await attach(false, 'error.png');
    await attach(true, 'admin-notes.txt');
    assert.deepEqual((await heard(emp, r.public_id)).map((s) => s.text.split('\n')[0]),
      ['Pia Pool moved it from NEW to IN PROGRESS', 'Ada Admin attached error.png']);
    assert.deepEqual((await heard(poolAgent, r.public_id)).slice(1).map((s) => s.text.split('\n')[0]),
      ['Ada Admin attached error.png', 'Ada Admin attached admin-notes.txt (internal)']);
  });

  test('an event the bot cannot read is skipped; the ones after it still arrive', async () => {
    await bot.db`insert into events (type, data) values ('sla.breached', '{"request": {"id": "not a request"}}')`;
    const r = await file(emp, { title: 'After a broken event' });
    assert.equal((await heard(poolAgent, r.public_id)).length, 1);
  });

  test('a deactivated user\'s link is ignored: they hear nothing', async () => {
    const gone = await bot.user('AGENT', 'Gone Agent');
    const tg = await bot.link(gone);
    await bot.call('PATCH', `/users/${gone.id}`, { key: admin.key, body: { is_active: false } });
    const r = await file(emp, { title: 'After the deactivation' });
    await bot.settled();
    assert.equal(bot.fake.chat(tg.id).filter((s) => s.text.includes(r.public_id)).length, 0);
    assert.equal((await heard(poolAgent, r.public_id)).length, 1);
  });
});
