// The console as an agent's workspace (issue 19) and the teams in it (issue 14): counts and
// queues per team, filters and sort in the URL, the request page (assign, edit, move, history
// in words), filing into a team, team admin, the 401 sign-out, shortcuts, dark mode, the
// 390-px layout and axe-core on every page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startApp, type TestApp } from '../helpers.ts';
import { axeClean, confirmGone, fitsWidth, launch, live, newPage, SHOTS, signIn } from './browser.ts';

type Who = { id: string; key: string };

describe('the console as a workspace', () => {
  let app: TestApp;
  let browser: Browser;
  let ada: Who; let alan: Who; let bea: Who; let hana: Who; let emmy: Who; let erik: Who;
  const team: Record<string, string> = {};
  const req: Record<string, { id: string; public_id: string }> = {};

  const call = (who: Who, method: string, path: string, body?: unknown) => app.call(method, path, { key: who.key, body });
  async function file(who: Who, title: string, extra: Record<string, unknown> = {}) {
    const r = await call(who, 'POST', '/requests', { title, ...extra });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }
  const open = (who: Who, hash = '', o: Parameters<typeof signIn>[3] = {}) => signIn(browser, app.url, who.key, { hash, ...o });
  const rows = async (page: Page) => page.locator('table.requests tbody tr a.row-link').allTextContents();
  /** Waits until the list shows exactly these titles (in this order when `ordered`). */
  async function listed(page: Page, titles: string[], ordered = false) {
    const norm = (xs: string[]) => (ordered ? xs : [...xs].sort());
    await page.waitForFunction(([want, ord]) => {
      const got = [...document.querySelectorAll('table.requests tbody a.row-link')].map((a) => a.textContent!.replace(/^REQ-\d+ · /, ''));
      const empty = document.querySelector('main .page')?.textContent?.includes('Nothing here.');
      const g = ord ? got : got.sort();
      return (want.length === 0 && empty) || JSON.stringify(g) === JSON.stringify(want);
    }, [norm(titles), ordered] as const, { timeout: 5000 }).catch(async () => {
      assert.deepEqual(norm((await rows(page)).map((t) => t.replace(/^REQ-\d+ · /, ''))), norm(titles));
    });
  }

  before(async () => {
    // Short heartbeats: a stream notices a rotated key within a second.
    app = await startApp({ STREAM_HEARTBEAT_MS: '300' });
    ada = await app.user('ADMIN', 'Ada Admin');
    alan = await app.user('AGENT', 'Alan Agent');
    bea = await app.user('AGENT', 'Bea Agent');
    hana = await app.user('AGENT', 'Hana HR');
    emmy = await app.user('EMPLOYEE', 'Emmy Employee');
    erik = await app.user('EMPLOYEE', 'Erik Employee');
    for (const [name, members] of [['IT', [alan, bea]], ['HR', [hana]], ['Facilities', [alan]]] as const) {
      team[name] = (await call(ada, 'POST', '/teams', { name, description: `${name} desk` })).body.id;
      for (const m of members) assert.equal((await call(ada, 'PUT', `/teams/${team[name]}/members/${m.id}`)).status, 204);
    }
    req.lamp = await file(emmy, 'Desk lamp flickers');
    req.vpn = await file(emmy, 'VPN is down', { team_id: team.IT, priority: 'URGENT' });
    req.mouse = await file(erik, 'New mouse, please', { team_id: team.IT, priority: 'LOW' });
    req.laptop = await file(emmy, 'Laptop is slow', { team_id: team.IT, priority: 'HIGH' });
    await call(alan, 'PATCH', `/requests/${req.laptop.id}/status`, { status: 'IN_PROGRESS' });
    req.payslip = await file(erik, 'Payslip is wrong', { team_id: team.HR, priority: 'HIGH' });
    req.door = await file(emmy, 'Door squeaks', { team_id: team.Facilities });
    req.old = await file(erik, 'Old printer ticket', { team_id: team.IT, priority: 'HIGH' });
    await call(bea, 'PATCH', `/requests/${req.old.id}/status`, { status: 'IN_PROGRESS' });
    await call(bea, 'PATCH', `/requests/${req.old.id}/status`, { status: 'DONE' });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test('the navigation counts each view, and an agent has a queue per team, all their teams and the general pool', async () => {
    const c = (await call(alan, 'GET', '/requests/counts')).body;
    const page = await open(alan, '#/queue');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: `Queue ${c.queue}` }).waitFor();
    await nav.getByRole('link', { name: `My work ${c.my_work}` }).waitFor();
    await nav.getByRole('link', { name: `All open ${c.open}` }).waitFor();
    assert.deepEqual([c.queue, c.my_work, c.open], [4, 1, 5], 'the pool, IT and Facilities; nothing of HR');

    const queues = page.getByRole('navigation', { name: 'Queues' });
    // The tabs are drawn at once and get their counts when /requests/counts answers: all in one paint.
    await queues.getByRole('link', { name: /^General pool\s*\d/ }).waitFor();
    assert.deepEqual(await queues.getByRole('link').allTextContents(), ['All4', 'All my teams3', 'Facilities1', 'IT2', 'General pool1']);
    await listed(page, ['Desk lamp flickers', 'VPN is down', 'New mouse, please', 'Door squeaks']);
    await queues.getByRole('link', { name: /^IT/ }).click();
    await page.getByRole('heading', { name: 'Queue: IT' }).waitFor();
    await listed(page, ['VPN is down', 'New mouse, please']);
    assert.match(page.url(), new RegExp(`#/queue\\?team_id=${team.IT}$`));
    await queues.getByRole('link', { name: /^All my teams/ }).click();
    await listed(page, ['VPN is down', 'New mouse, please', 'Door squeaks']);
    await queues.getByRole('link', { name: /^General pool/ }).click();
    await listed(page, ['Desk lamp flickers']);
    await page.screenshot({ path: `${SHOTS}/agent-team-queues.png`, fullPage: true });
    await page.close();
  });

  test('filters (several statuses, priority, team, assignee) and the sort order live in the URL: a bookmark survives a reload', async () => {
    const page = await open(alan, '#/requests');
    await page.getByRole('heading', { name: 'All requests' }).waitFor();
    await page.getByRole('checkbox', { name: 'NEW' }).check();
    await page.getByRole('checkbox', { name: 'IN PROGRESS' }).check();
    await page.getByLabel('Priority').selectOption('HIGH');
    await listed(page, ['Laptop is slow']);
    await page.getByLabel('Team').selectOption({ label: 'IT' });
    await page.getByLabel('Assignee').selectOption('me');
    await page.waitForFunction(() => location.hash.includes('assignee_id=me'));
    const hash = new URL(page.url()).hash;
    assert.match(hash, /^#\/requests\?status=NEW,IN_PROGRESS&priority=HIGH&assignee_id=me&team_id=[0-9a-f-]{36}$/);
    await listed(page, ['Laptop is slow']);

    await page.reload();
    await page.getByRole('heading', { name: 'All requests' }).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: 'NEW' }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: 'DONE' }).isChecked(), false);
    assert.equal(await page.getByLabel('Priority').inputValue(), 'HIGH');
    assert.equal(await page.getByLabel('Team').inputValue(), team.IT);
    await listed(page, ['Laptop is slow']);
    // The same view, bookmarked and opened in another browser, asks for a key and then shows it.
    const other = await open(alan, hash);
    await listed(other, ['Laptop is slow']);
    await other.close();

    // Sort: detected once per page load. Where the server knows `sort`, the order is kept in the
    // URL; where it answers 400, the control offers only what works and old links still load.
    const sortable = (await call(alan, 'GET', '/requests?sort=-priority&limit=1')).status === 200;
    await page.goto(`${app.url}/#/open?sort=-priority`);
    await page.getByRole('heading', { name: 'All open requests' }).waitFor();
    if (sortable) {
      await listed(page, ['VPN is down', 'Laptop is slow', 'Door squeaks', 'Desk lamp flickers', 'New mouse, please'], true);
      assert.equal(await page.getByLabel('Sort').inputValue(), '-priority');
      await page.getByLabel('Sort').selectOption('created');
      await listed(page, ['Desk lamp flickers', 'VPN is down', 'New mouse, please', 'Laptop is slow', 'Door squeaks'], true);
      await page.reload();
      await listed(page, ['Desk lamp flickers', 'VPN is down', 'New mouse, please', 'Laptop is slow', 'Door squeaks'], true);
      assert.equal(await page.getByLabel('Sort').inputValue(), 'created');
    } else {
      assert.equal(await page.getByLabel('Sort').count(), 0, 'no sort control where the server has no sort');
      await listed(page, ['Door squeaks', 'Laptop is slow', 'New mouse, please', 'VPN is down', 'Desk lamp flickers'], true);
      assert.equal(await page.getByRole('alert').count(), 0);
    }
    await page.screenshot({ path: `${SHOTS}/agent-filters.png`, fullPage: true });
    await page.close();
  });

  test('an employee picks a team when filing, gets a clear confirmation, keeps their line breaks, and the team\'s agent finds it in the team queue', async () => {
    const page = await open(emmy, '#/new');
    await page.getByLabel('Title').fill('Question about my contract');
    await page.getByLabel('Description').fill('Line one.\nLine two.\n\nAfter a blank line.');
    assert.deepEqual(await page.getByLabel('Team').locator('option').allTextContents(), ['Not sure: the general pool', 'Facilities', 'HR', 'IT']);
    await page.getByLabel('Team').selectOption({ label: 'HR' });
    await page.getByRole('button', { name: 'File request' }).click();
    const done = page.getByRole('status').getByText(/Thank you: REQ-\d+ is filed with HR\./);
    await done.waitFor();
    const publicId = /REQ-\d+/.exec((await done.textContent())!)![0];
    await page.getByText('team HR').waitFor();
    const description = page.locator('.card .prose').first();
    assert.equal(await description.evaluate((el) => (el as HTMLElement).innerText), 'Line one.\nLine two.\n\nAfter a blank line.');
    assert.equal(await description.evaluate((el) => getComputedStyle(el).whiteSpace), 'pre-wrap');
    await page.screenshot({ path: `${SHOTS}/employee-filed.png`, fullPage: true });
    await page.close();

    const hr = await open(hana, `#/queue?team_id=${team.HR}`);
    await hr.getByRole('heading', { name: 'Queue: HR' }).waitFor();
    await hr.getByRole('link', { name: new RegExp(`${publicId} · Question about my contract`) }).waitFor();
    await hr.close();
  });

  test('an admin assigns, reassigns, edits and moves a request; a refusal is the API\'s own words; the history says it all with names', async () => {
    const r = await file(emmy, 'Keyboard missing keys', { team_id: team.IT, priority: 'HIGH' });
    const page = await open(ada, `#/request/${r.public_id}`);
    await page.getByRole('heading', { name: `${r.public_id} · Keyboard missing keys` }).waitFor();
    // The card draws again once the team's members have come: wait for that (bounded).
    const assignees = () => page.getByLabel('Assign to').locator('option').allTextContents();
    const eligible = ['Nobody', 'Ada Admin', 'Alan Agent', 'Bea Agent'];
    for (let i = 0; i < 50 && JSON.stringify(await assignees()) !== JSON.stringify(eligible); i++) await page.waitForTimeout(100);
    assert.deepEqual(await assignees(), eligible, 'IT members and admins');
    await page.getByLabel('Assign to').selectOption({ label: 'Alan Agent' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('assignee Alan Agent').waitFor();
    await page.getByLabel('Assign to').selectOption({ label: 'Bea Agent' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('assignee Bea Agent').waitFor();

    await page.getByRole('button', { name: 'Edit title, description or priority' }).click();
    await page.getByLabel('Title').fill('Keyboard is missing keys');
    await page.getByLabel('Description').fill('F and J.\nBoth.');
    await page.getByLabel('Priority', { exact: true }).selectOption('URGENT');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: `${r.public_id} · Keyboard is missing keys` }).waitFor();
    await page.getByText('Priority URGENT').waitFor();

    await page.getByLabel('Move to team').selectOption({ label: 'HR' });
    await page.getByRole('button', { name: 'Move' }).click();
    await page.getByText('team HR').waitFor();
    await page.getByText('assignee nobody').waitFor();

    // In progress with an assignee outside the target team: the API refuses, and says why.
    await page.getByLabel('Assign to').selectOption({ label: 'Hana HR' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('assignee Hana HR').waitFor();
    await page.getByRole('button', { name: 'Take / start' }).click();
    await page.getByText(`${r.public_id} is now IN PROGRESS`).waitFor();
    await page.getByLabel('Move to team').selectOption({ label: 'IT' });
    await page.getByRole('button', { name: 'Move' }).click();
    await page.locator('.manage').getByRole('alert').getByText('the assignee is not a member of the new team; name a new assignee').waitFor();
    assert.equal((await call(ada, 'GET', `/requests/${r.id}`)).body.team.name, 'HR');

    const history = page.locator('ol.history li > span:first-child');
    await page.getByText('moved it from IT to HR').waitFor();
    assert.deepEqual(await history.allTextContents(), [
      'Emmy Employee filed it for IT with priority HIGH',
      'Ada Admin assigned it to Alan Agent',
      'Ada Admin assigned it to Bea Agent',
      'Ada Admin changed the title “Keyboard missing keys” → “Keyboard is missing keys”, priority HIGH → URGENT, the description',
      'Ada Admin moved it from IT to HR; Bea Agent is no longer assigned',
      'Ada Admin assigned it to Hana HR',
      'Ada Admin started work on it',
    ]);
    const stamp = page.locator('ol.history time').first();
    assert.match((await stamp.getAttribute('datetime'))!, /^\d{4}-\d\d-\d\dT/);
    assert.ok((await stamp.getAttribute('title'))!.length > 8, 'the exact time on hover');
    assert.equal(await stamp.textContent(), 'just now');
    await page.screenshot({ path: `${SHOTS}/admin-request.png`, fullPage: true });
    await page.close();
  });

  test('an agent takes a request and lets it go, may edit it only while it is theirs, and the history says so', async () => {
    const r = await file(erik, 'Chair is broken');
    const page = await open(alan, `#/request/${r.public_id}`);
    await page.getByText('assignee nobody').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Edit title, description or priority' }).count(), 0);
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('assignee Alan Agent').waitFor();
    await page.getByText('Alan Agent took it').waitFor();
    await page.getByRole('button', { name: 'Edit title, description or priority' }).click();
    await page.getByLabel('Priority', { exact: true }).selectOption('HIGH');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Alan Agent changed priority NORMAL → HIGH').waitFor();
    await page.getByRole('button', { name: 'Let go' }).click();
    await page.getByText('assignee nobody').waitFor();
    await page.getByText('Alan Agent let go of it').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Edit title, description or priority' }).count(), 0);
    // An agent routes a pool request to one of their teams.
    await page.getByLabel('Move to team').selectOption({ label: 'IT' });
    await page.getByRole('button', { name: 'Move' }).click();
    await page.getByText('team IT').waitFor();
    await page.getByText('Alan Agent moved it from the general pool to IT').waitFor();
    await page.close();
  });

  test('editing keeps the user\'s text when someone else saves first, and says so', async () => {
    const r = await file(emmy, 'Screen is dim');
    const page = await open(emmy, `#/request/${r.public_id}`);
    await live(page);
    await page.getByRole('button', { name: 'Edit title, description or priority' }).click();
    await page.getByLabel('Description').fill('Since the update.\nOnly on battery.');
    await call(ada, 'PATCH', `/requests/${r.id}`, { priority: 'HIGH' });
    await page.getByText('Priority HIGH').waitFor(); // the live update shows the admin's change...
    assert.equal(await page.getByLabel('Description').inputValue(), 'Since the update.\nOnly on battery.'); // ...and the form is untouched
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/Someone else changed REQ-\d+ while you were editing\. Your text is kept/).waitFor();
    assert.equal(await page.getByLabel('Description').inputValue(), 'Since the update.\nOnly on battery.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Since the update.').first().waitFor();
    const now = (await call(ada, 'GET', `/requests/${r.id}`)).body;
    assert.deepEqual([now.description, now.priority], ['Since the update.\nOnly on battery.', 'HIGH']);
    await page.close();
  });

  test('an admin creates a team, renames it, adds and removes an agent, and deactivates it after a confirmation', async () => {
    const page = await open(ada, '#/teams');
    await page.getByRole('heading', { name: 'Teams', exact: true }).waitFor();
    await page.getByLabel('Name').fill('Payroll');
    await page.getByLabel('Description').fill('Pay and pensions.');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Team Payroll created. Add its agents below.').waitFor();
    await page.getByRole('heading', { name: 'Payroll', exact: true }).waitFor();
    const id = new URL(page.url()).hash.split('/')[2];
    await page.getByLabel('Agent', { exact: true }).selectOption({ label: 'Hana HR (AGENT)' });
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('Hana HR is now in Payroll.').waitFor();
    await page.getByRole('cell', { name: /Hana HR/ }).first().waitFor();
    assert.deepEqual((await call(ada, 'GET', `/teams/${id}/members`)).body.items.map((u: any) => u.full_name), ['Hana HR']);

    await page.getByLabel('Team name').fill('Payroll and pensions');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Payroll and pensions', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Remove Hana HR' }).click();
    await page.getByRole('dialog', { name: 'Remove Hana HR from Payroll and pensions?' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No members yet.').waitFor();

    await page.getByRole('button', { name: 'Deactivate team' }).click();
    const ask = page.getByRole('dialog', { name: 'Deactivate Payroll and pensions?' });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await confirmGone(page); // the answer comes with its close event
    assert.equal((await call(ada, 'GET', `/teams/${id}`)).body.is_active, true, 'Cancel changes nothing');
    await page.getByRole('button', { name: 'Deactivate team' }).click();
    await ask.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('(deactivated)').waitFor();
    assert.ok(!(await call(emmy, 'GET', '/teams')).body.items.some((t: any) => t.id === id), 'employees no longer see it');
    await page.getByRole('link', { name: '← All teams' }).click();
    await page.getByRole('row', { name: /Payroll and pensions/ }).getByText('Deactivated').waitFor();
    await page.screenshot({ path: `${SHOTS}/admin-teams.png`, fullPage: true });
    await page.close();
  });

  test('any 401 signs the user out with a message: the live stream notices a key rotated in another browser, and so does any call', async () => {
    const rita = await app.user('EMPLOYEE', 'Rita Rotated');
    const page = await open(rita, '#/requests');
    await live(page);
    const admin = await open(ada, '#/users');
    await admin.getByRole('row', { name: /Rita Rotated/ }).getByRole('button', { name: 'Rotate key' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Rotate key' }).click();
    await admin.getByText('The API key of Rita Rotated, shown this once:').waitFor();
    // Rita does nothing: her open page signs out by itself.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 5000 });
    await page.getByText(/Your key is no longer valid/).waitFor();
    assert.equal(await page.getByText('Rita Rotated').count(), 0, 'the header no longer shows the old user');
    await page.screenshot({ path: `${SHOTS}/signed-out.png` });

    // Without a stream (cut), the next call of any kind finds out.
    const sam = await app.user('AGENT', 'Sam Stale');
    const stale = await newPage(browser, app.url);
    await stale.route('**/events/stream', (route) => route.abort());
    await stale.goto(`${app.url}/#/requests`);
    await stale.getByLabel('Your API key').fill(sam.key);
    await stale.getByRole('button', { name: 'Sign in' }).click();
    await stale.getByRole('heading', { name: 'All requests' }).waitFor();
    assert.equal((await call(ada, 'POST', `/users/${sam.id}/api-key/rotate`)).status, 200);
    await stale.getByRole('link', { name: /^My work/ }).click();
    await stale.getByRole('heading', { name: 'Sign in' }).waitFor();
    await stale.getByText(/Your key is no longer valid/).waitFor();
    await Promise.all([page.close(), admin.close(), stale.close()]);
  });

  test('keyboard: / searches, n files, j and k move, Enter opens, ? lists them; none fires while typing; every action is reachable', async () => {
    const r = await file(emmy, 'Keyboard-only take');
    const page = await open(alan, '#/requests');
    await page.getByRole('heading', { name: 'All requests' }).waitFor();
    // The heading is drawn before the list's rows arrive.
    await page.locator('table.requests tbody tr a.row-link').first().waitFor();
    const first = (await rows(page))[0];
    assert.match(first, new RegExp(`^${r.public_id} · `));
    const focusedRow = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    await page.keyboard.press('j');
    assert.equal(await focusedRow(), first);
    await page.keyboard.press('j');
    assert.equal(await focusedRow(), (await rows(page))[1]);
    await page.keyboard.press('k');
    assert.equal(await focusedRow(), first);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `${r.public_id} · Keyboard-only take` }).waitFor();

    // The keyboard reaches every control: Tab to "Take / start", Enter.
    for (let i = 0; i < 40 && (await focusedRow()) !== 'Take / start'; i++) await page.keyboard.press('Tab');
    assert.equal(await focusedRow(), 'Take / start');
    await page.keyboard.press('Enter');
    await page.getByText(`${r.public_id} is now IN PROGRESS`).waitFor();

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await page.screenshot({ path: `${SHOTS}/shortcuts.png` });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    // At once, as a quick user would: the dialog is closed (hidden) but still holds the
    // focus until the next frame, and `/` must work there too (src/web/keys.js).
    await page.keyboard.press('/');
    await page.getByRole('heading', { name: 'All requests' }).waitFor();
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement)?.type === 'search');
    await page.keyboard.type('nj?');
    assert.equal(await page.getByLabel('Search').inputValue(), 'nj?', 'typed, not obeyed');
    assert.equal(new URL(page.url()).hash.split('?')[0], '#/requests');
    await page.getByLabel('Search').press('Enter');
    await page.getByText('Nothing here.').waitFor();
    await page.locator('h1').click();
    await page.keyboard.press('n');
    await page.getByRole('heading', { name: 'New request' }).waitFor();
    await page.getByLabel('Title').type('j k / n');
    assert.equal(await page.getByLabel('Title').inputValue(), 'j k / n');
    assert.equal(await page.getByRole('dialog').count(), 0);
    await page.close();
  });

  test('dark mode follows prefers-color-scheme, as it changes, and stays readable', async () => {
    const page = await open(alan, '#/requests');
    await page.getByRole('heading', { name: 'All requests' }).waitFor();
    await page.locator('table.requests').waitFor();
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(await background(), 'rgb(246, 248, 250)');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await background(), 'rgb(13, 17, 23)');
    await axeClean(page, 'the list, dark');
    await page.screenshot({ path: `${SHOTS}/dark-list.png`, fullPage: true });
    await page.goto(`${app.url}/#/request/${req.laptop.public_id}`);
    await page.getByRole('heading', { name: /Laptop is slow/ }).waitFor();
    await page.locator('ol.history').waitFor();
    await axeClean(page, 'a request, dark');
    await page.screenshot({ path: `${SHOTS}/dark-request.png`, fullPage: true });
    await page.close();
  });

  test('every page fits a 390-px phone without horizontal scroll, and axe-core finds no serious or critical violation on any page, wide or narrow', async () => {
    // What each page draws last (a list comes after its heading and filters; an admin's
    // assignee card after the team's members; the team's agents after its members).
    const pages: Array<[string, string, ...string[]]> = [
      ['requests', '#/requests', 'table.requests'], ['queue', '#/queue', 'nav.tabs', 'table.requests'],
      ['my-work', '#/mine', ':is(table.requests, p.meta:text-is("Nothing here."))'],
      ['open', '#/open', 'table.requests'], ['request', `#/request/${req.laptop.public_id}`, 'ol.history', '.manage select'], ['new', '#/new', 'form'],
      ['teams', '#/teams', 'table'], ['team', `#/teams/${team.IT}`, 'table', 'form select:has(option)'], ['users', '#/users', 'table.users'], ['audit', '#/audit', 'ul.changes li'],
      ['dashboard', '#/reports', 'svg.chart'],
    ];
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
      const phone = viewport.width === 390;
      const front = await newPage(browser, app.url, { viewport });
      await front.goto(`${app.url}/`);
      await front.getByLabel('Your API key').waitFor();
      if (phone) await fitsWidth(front, 'sign-in');
      await axeClean(front, `sign-in at ${viewport.width}px`);
      await front.close();

      const page = await open(ada, '', { viewport });
      for (const [name, hash, ...ready] of pages) {
        await page.goto(`${app.url}/${hash}`);
        for (const r of ready) await page.locator(`main .page ${r}`).first().waitFor();
        if (phone) {
          await fitsWidth(page, name);
          await page.screenshot({ path: `${SHOTS}/phone-${name}.png`, fullPage: true });
        }
        await axeClean(page, `${name} at ${viewport.width}px`);
      }
      if (phone) {
        await page.goto(`${app.url}/#/users`);
        const role = page.getByLabel('Role of Alan Agent');
        await role.waitFor();
        assert.ok((await role.boundingBox())!.width >= 150, 'the role control is wide enough to read');
        await page.goto(`${app.url}/#/audit`);
        await page.locator('ul.changes li').first().waitFor({ state: 'visible' }); // the audit log shows its changes on a phone
      }
      await page.goto(`${app.url}/docs`);
      await page.getByRole('link', { name: 'PATCH /requests/{ref}/status' }).waitFor();
      if (phone) await fitsWidth(page, 'docs');
      await axeClean(page, `docs at ${viewport.width}px`);
      await page.close();
    }
    // An employee's pages are the same components with less on them: the request page as they see it.
    const employee = await open(emmy, `#/request/${req.vpn.public_id}`, { viewport: { width: 390, height: 844 } });
    await employee.locator('ol.history').waitFor();
    await fitsWidth(employee, 'an employee\'s request');
    await axeClean(employee, 'an employee\'s request');
    await employee.close();
  });
});
