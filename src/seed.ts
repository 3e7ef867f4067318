// Demo data: an ADMIN, an AGENT and an EMPLOYEE, and a few requests in different states.
// Safe to run again: it creates nothing twice, and gives the demo users fresh keys to print
// (with API_KEY set, the admin's key is exactly that value).
import { insertRequest, listRequests, updateRequest, type RequestRow } from './db/requests.ts';
import { getUserByEmail, insertUser, rotateApiKey } from './db/users.ts';
import type { Sql } from './db/index.ts';
import { hashApiKey, newApiKey, type Role } from './users/keys.ts';

const DEMO: { email: string; full_name: string; role: Role }[] = [
  { email: 'admin@example.com', full_name: 'Ada Admin', role: 'ADMIN' },
  { email: 'agent@example.com', full_name: 'Alan Agent', role: 'AGENT' },
  { email: 'employee@example.com', full_name: 'Emmy Employee', role: 'EMPLOYEE' },
];

const SEED_AUDIT = ['seed', null, 'make seed'] as const;

export interface SeededUser { id: string; email: string; role: Role; api_key: string }

export async function seed(db: Sql, apiKey?: string): Promise<SeededUser[]> {
  return db.begin(async (tx) => {
    const users: SeededUser[] = [];
    for (const demo of DEMO) {
      const key = demo.role === 'ADMIN' && apiKey ? apiKey : newApiKey();
      const keyHash = hashApiKey(key);
      const existing = await getUserByEmail(tx, demo.email);
      // A fresh key is make seed's act, not the demo user's: no user actor in its audit row.
      const user = existing
        ? (await rotateApiKey(tx, existing.id, keyHash, key.slice(-4), null, SEED_AUDIT), existing)
        : (await insertUser(tx, { ...demo, keyHash, last4: key.slice(-4) }, null, 'user.created', SEED_AUDIT))!;
      users.push({ id: user.id, email: demo.email, role: demo.role, api_key: key });
    }
    const [, agent, employee] = users;
    const mine = await listRequests(tx, {
      statuses: null, priority: null, unassigned: false, assignee: null, creator: employee.id, q: null,
      createdAfter: null, createdBefore: null, after: null, limit: 1,
    });
    if (mine.length === 0) await sampleRequests(tx as unknown as Sql, employee.id, agent.id);
    return users;
  });
}

async function sampleRequests(tx: Sql, employee: string, agent: string): Promise<void> {
  const file = (title: string, description: string, priority: string) =>
    insertRequest(tx, { title, description, priority }, employee, SEED_AUDIT) as Promise<RequestRow>;
  /** A status change by `actor`, recorded as the API records one. */
  const move = async (r: RequestRow, status: RequestRow['status'], comment: string | null, actor = agent, assignee: string | null = agent) =>
    (await updateRequest(tx, r, { patch: { status, assignee_id: assignee }, action: 'request.status_changed', comment }, actor, SEED_AUDIT))!;
  await file('VPN drops every 5 minutes', 'Since Monday the VPN disconnects every five minutes when on Wi-Fi.', 'HIGH');
  await file('New monitor for desk 4.12', 'The left monitor flickers; a replacement would be great.', 'LOW');
  await move(await file('Cannot print to the 3rd floor printer', 'Jobs stay queued forever.', 'NORMAL'), 'IN_PROGRESS', 'Looking at the print server now.');
  const done = await move(await file('Reset my Jira password', 'I am locked out after too many attempts.', 'URGENT'), 'IN_PROGRESS', null);
  await move(done, 'DONE', 'Password reset; a link is in your inbox.');
  await move(await file('Order a standing desk', 'Facilities asked me to file this here.', 'NORMAL'), 'CANCELED', 'Filed with facilities instead.', employee, null);
}

export function printKeys(users: SeededUser[], print: (line: string) => void = console.log): void {
  print('Demo users (keys are shown once; `make seed` prints fresh ones):');
  for (const u of users) print(`  ${u.role.padEnd(8)} ${u.email.padEnd(22)} ${u.api_key}`);
}
