// The SLA migration over a database that already holds requests, open and closed: they get
// no SLA, every trigger is back on afterwards, and new requests get their clocks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseBefore } from './helpers.ts';

test('the SLA migration leaves existing requests without SLA, keeps every trigger on, and files new ones with clocks', async () => {
  const { db, user, finish } = await databaseBefore('sla');
  try {
    const [open] = await db`insert into requests (title, created_by, priority) values ('open', ${user.id}, 'URGENT') returning id`;
    const [closed] = await db`insert into requests (title, created_by, priority) values ('closed', ${user.id}, 'URGENT') returning id`;
    await db`update requests set status = 'CANCELED' where id = ${closed.id}`;

    await finish();
    const rows = await db`select r.title, r.sla_policy_version, r.sla_next_due_at = 'infinity' as idle, d.doc::jsonb->'sla' as sla
      from requests r join request_details d using (id) order by r.title`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { title: 'closed', sla_policy_version: null, idle: true, sla: null },
      { title: 'open', sla_policy_version: null, idle: true, sla: null },
    ]);
    // Enabled: on ('O'), or always, replicas too ('A': the report's tallies, migration 0022).
    const disabled = await db`select tgname from pg_trigger where tgrelid = 'requests'::regclass and tgenabled not in ('O', 'A')`;
    assert.deepEqual(disabled.map((t) => t.tgname), [], 'every trigger on requests is enabled again');
    await assert.rejects(db`update requests set title = 'changed' where id = ${closed.id}`, { constraint_name: 'requests_status_terminal' });
    await db`update requests set priority = 'HIGH' where id = ${open.id}`;
    const [still] = await db`select doc::jsonb->'sla' as sla from request_details where id = ${open.id}`;
    assert.equal(still.sla, null, 'a request filed before SLA existed has no snapshot to re-compute under');

    await db`insert into sla_policies (policy) select jsonb_set(policy, '{targets,URGENT}', '{"first_response_minutes": 5, "resolution_minutes": 50}') from sla_policies`;
    const [fresh] = await db`insert into requests (title, created_by, priority) values ('new', ${user.id}, 'URGENT')
      returning extract(epoch from sla_first_response_due_at - created_at)::int as fr, extract(epoch from sla_resolution_due_at - created_at)::int as res`;
    assert.deepEqual({ ...fresh }, { fr: 300, res: 3000 });
  } finally {
    await db.end();
  }
});
