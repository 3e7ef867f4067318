// Demo data: an ADMIN; agents of the IT, HR and Facilities teams; an EMPLOYEE; and requests
// in different states, in the general pool and in each team, so a new user sees teams at
// work at once (an HR case is invisible to the IT agent), under SLA targets. Safe to run again: it creates
// nothing twice, and gives the demo users fresh keys to print (with API_KEY set, the
// admin's key is exactly that value).
import { insertRequest, listRequests, updateRequest, type RequestRow } from './db/requests.ts';
import { getSlaPolicy, putSlaPolicy } from './db/sla.ts';
import { addTeamMember, getTeamByName, insertTeam } from './db/teams.ts';
import { getUserByEmail, insertUser, rotateApiKey } from './db/users.ts';
import type { Sql } from './db/index.ts';
import type { SlaPolicy } from './sla/schemas.ts';
import { hashApiKey, newApiKey, type Role } from './users/keys.ts';

const DEMO: { email: string; full_name: string; role: Role; team?: string }[] = [
  { email: 'admin@example.com', full_name: 'Ada Admin', role: 'ADMIN' },
  { email: 'agent@example.com', full_name: 'Alan Agent', role: 'AGENT', team: 'IT' },
  { email: 'hr.agent@example.com', full_name: 'Hana Hughes', role: 'AGENT', team: 'HR' },
  { email: 'facilities.agent@example.com', full_name: 'Felix Ford', role: 'AGENT', team: 'Facilities' },
  { email: 'employee@example.com', full_name: 'Emmy Employee', role: 'EMPLOYEE' },
];

const TEAMS = [
  { name: 'IT', description: 'Laptops, accounts, VPN, printers.' },
  { name: 'HR', description: 'Pay, leave, contracts. Confidential: only HR agents see these requests.' },
  { name: 'Facilities', description: 'Desks, rooms, building access.' },
];

const SEED_AUDIT = ['seed', null, 'make seed'] as const;

/** Round-the-clock targets, so the demo requests show their SLA clocks (put only over a policy without targets). */
const ALWAYS = [['00:00', '24:00'] as const];
const DEMO_SLA: SlaPolicy = {
  timezone: 'UTC',
  business_hours: { mon: ALWAYS, tue: ALWAYS, wed: ALWAYS, thu: ALWAYS, fri: ALWAYS, sat: ALWAYS, sun: ALWAYS },
  holidays: [],
  targets: {
    URGENT: { first_response_minutes: 30, resolution_minutes: 240 }, HIGH: { first_response_minutes: 120, resolution_minutes: 1440 },
    NORMAL: { first_response_minutes: 480, resolution_minutes: 4320 }, LOW: null,
  },
  warning_percent: 80,
};

export interface SeededUser { id: string; email: string; role: Role; api_key: string }

export async function seed(db: Sql, apiKey?: string): Promise<SeededUser[]> {
  return db.begin(async (tx) => {
    const teams = new Map<string, string>();
    for (const t of TEAMS) {
      const team = (await getTeamByName(tx, t.name)) ?? (await insertTeam(tx, t, null, SEED_AUDIT));
      teams.set(t.name, team.id);
    }
    const users: SeededUser[] = [];
    for (const demo of DEMO) {
      const key = demo.role === 'ADMIN' && apiKey ? apiKey : newApiKey();
      const keyHash = hashApiKey(key);
      const existing = await getUserByEmail(tx, demo.email);
      // A fresh key is make seed's act, not the demo user's: no user actor in its audit row.
      const user = existing
        ? (await rotateApiKey(tx, existing.id, keyHash, key.slice(-4), null, SEED_AUDIT), existing)
        : (await insertUser(tx, { ...demo, keyHash, last4: key.slice(-4) }, null, 'user.created', SEED_AUDIT))!;
      if (demo.team) await addTeamMember(tx, teams.get(demo.team)!, user.id, null, SEED_AUDIT);
      users.push({ id: user.id, email: demo.email, role: demo.role, api_key: key });
    }
    const [, it, hr, facilities, employee] = users;
    const mine = await listRequests(tx, {
      statuses: null, priority: null, unassigned: false, assignee: null, creator: employee.id, q: null,
      createdAfter: null, createdBefore: null, teams: null, noTeam: false,
      visible: { all: true, teams: [], actor: employee.id }, after: null, limit: 1,
    });
    if (mine.length === 0) {
      const { policy } = await getSlaPolicy(tx);
      if (Object.values(policy.targets).every((t) => t === null)) await putSlaPolicy(tx, DEMO_SLA, null, SEED_AUDIT);
      await sampleRequests(tx as unknown as Sql, employee.id, { it: it.id, hr: hr.id, facilities: facilities.id }, teams);
    }
    return users;
  });
}

async function sampleRequests(tx: Sql, employee: string, agents: { it: string; hr: string; facilities: string }, teams: Map<string, string>): Promise<void> {
  const file = (title: string, description: string, priority: string, team: string | null = null) =>
    insertRequest(tx, { title, description, priority, team_id: team && teams.get(team)! }, employee, SEED_AUDIT) as Promise<RequestRow>;
  /** A status change by `actor`, recorded as the API records one. */
  const move = async (r: RequestRow, status: RequestRow['status'], comment: string | null, actor = agents.it, assignee: string | null = actor) =>
    (await updateRequest(tx, r, { patch: { status, assignee_id: assignee }, action: 'request.status_changed', comment }, actor, SEED_AUDIT))!;
  await file('VPN drops every 5 minutes', 'Since Monday the VPN disconnects every five minutes when on Wi-Fi.', 'HIGH', 'IT');
  await file('New monitor for desk 4.12', 'The left monitor flickers; a replacement would be great.', 'LOW');
  await move(await file('Cannot print to the 3rd floor printer', 'Jobs stay queued forever.', 'NORMAL', 'IT'), 'IN_PROGRESS', 'Looking at the print server now.');
  const done = await move(await file('Reset my Jira password', 'I am locked out after too many attempts.', 'URGENT', 'IT'), 'IN_PROGRESS', null);
  await move(done, 'DONE', 'Password reset; a link is in your inbox.');
  await move(await file('Order a standing desk', 'Facilities asked me to file this here.', 'NORMAL'), 'CANCELED', 'Filed with facilities instead.', employee, null);
  await file('My last payslip shows the wrong tax class', 'Class I instead of IV since October.', 'HIGH', 'HR');
  await move(await file('Parental leave from March', 'Please send me the forms for 12 months of leave.', 'NORMAL', 'HR'), 'IN_PROGRESS', 'Forms are on their way.', agents.hr);
  await file('Meeting room 2.03: the blinds are stuck', 'They will not go up; the room is dark all day.', 'LOW', 'Facilities');
}

export function printKeys(users: SeededUser[], print: (line: string) => void = console.log): void {
  print('Demo users (keys are shown once; `make seed` prints fresh ones):');
  for (const u of users) print(`  ${u.role.padEnd(8)} ${u.email.padEnd(22)} ${u.api_key}`);
}
