// Live updates in the console: what one person does appears in another person's open page
// without a reload, what the viewer is typing survives it, and the stream comes back by
// itself after the server restarts, resuming after the last event it saw.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { freshDatabase, type Proc, spawnServer, startApp, type TestApp } from '../helpers.ts';
import { launch, live, SHOTS, signIn } from './browser.ts';

type Who = { id: string; key: string };

describe('live updates', () => {
  let app: TestApp;
  let browser: Browser;
  let agent: Who; let bea: Who; let emmy: Who;

  before(async () => {
    app = await startApp();
    agent = await app.user('AGENT', 'Alan Agent');
    bea = await app.user('AGENT', 'Bea Agent');
    emmy = await app.user('EMPLOYEE', 'Emmy Employee');
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a request filed in one browser appears in an agent\'s open queue in another within 2 s, without a reload, and the agent\'s typing stays', async () => {
    const queue = await signIn(browser, app.url, agent.key, { hash: '#/queue' });
    await queue.getByRole('heading', { name: 'Queue: new and unassigned' }).waitFor();
    await live(queue);
    // The nav is drawn first and gets its counts when /requests/counts answers: read it with them.
    await queue.locator('#nav a[href="#/queue"] .count').waitFor();
    const before = await queue.getByRole('link', { name: /^Queue/ }).textContent();
    // The agent is half-way through typing a search when the request arrives.
    await queue.getByLabel('Search').fill('print');
    const loads = await queue.evaluate(() => performance.getEntriesByType('navigation').length);

    const employee = await signIn(browser, app.url, emmy.key, { hash: '#/new' });
    await employee.getByLabel('Title').fill('Printer on floor 2 jams');
    await employee.getByRole('button', { name: 'File request' }).click();
    await employee.getByText(/Thank you: REQ-\d+ is filed/).waitFor();
    const filed = Date.now();

    await queue.getByRole('link', { name: /Printer on floor 2 jams/ }).waitFor({ timeout: 2000 });
    const took = Date.now() - filed;
    assert.ok(took < 2000, `appeared after ${took} ms`);
    assert.equal(await queue.evaluate(() => performance.getEntriesByType('navigation').length), loads, 'no reload');
    assert.equal(await queue.getByLabel('Search').inputValue(), 'print', 'the half-typed search is kept');
    assert.equal(await queue.evaluate(() => (document.activeElement as HTMLInputElement).type), 'search', 'and keeps the focus');
    await queue.waitForFunction((b) => document.querySelector('nav a[href="#/queue"]')!.textContent !== b, before);
    await queue.screenshot({ path: `${SHOTS}/live-queue.png`, fullPage: true });
    await Promise.all([queue.close(), employee.close()]);
  });

  test('the open request updates when another agent comments or changes it, and the comment being typed is kept', async () => {
    const r = (await app.call('POST', '/requests', { key: emmy.key, body: { title: 'Monitor flickers', description: 'Left screen.' } })).body;
    const alan = await signIn(browser, app.url, agent.key, { hash: `#/request/${r.public_id}` });
    await alan.getByRole('heading', { name: `${r.public_id} · Monitor flickers` }).waitFor();
    await live(alan);
    await alan.getByLabel('Add a comment').fill('Half-written: I think it is the');
    const other = await signIn(browser, app.url, bea.key, { hash: `#/request/${r.public_id}` });
    await other.getByLabel('Add a comment').fill('Swapped the cable,\nplease try again.');
    await other.getByRole('button', { name: 'Comment' }).click();
    await other.locator('.comment').getByText('Swapped the cable,').waitFor();
    const sent = Date.now();

    await alan.locator('.comment').getByText('Swapped the cable,').waitFor({ timeout: 2000 });
    assert.ok(Date.now() - sent < 2000);
    await alan.getByText(/Updated by Bea Agent/).waitFor();
    await alan.getByText('Bea Agent commented').waitFor();
    assert.equal(await alan.getByLabel('Add a comment').inputValue(), 'Half-written: I think it is the');
    // The same for a change of state: Bea takes it, Alan's page says so.
    await other.getByRole('button', { name: 'Take / start' }).click();
    await alan.getByText('assignee Bea Agent').waitFor({ timeout: 2000 });
    await alan.getByText('Bea Agent took it').waitFor();
    assert.equal(await alan.getByRole('button', { name: 'Take / start' }).count(), 0, 'the buttons follow the request');
    assert.equal(await alan.getByLabel('Add a comment').inputValue(), 'Half-written: I think it is the');
    await alan.screenshot({ path: `${SHOTS}/live-request.png`, fullPage: true });
    await Promise.all([alan.close(), other.close()]);
  });

  test('the page\'s own change is painted once: its event, come before the refetch answers, does not start another refresh', async () => {
    const r = (await app.call('POST', '/requests', { key: emmy.key, body: { title: 'Dock does not charge' } })).body;
    const alan = await signIn(browser, app.url, agent.key, { hash: `#/request/${r.public_id}` });
    await alan.getByRole('heading', { name: `${r.public_id} · Dock does not charge` }).waitFor();
    await live(alan);
    // The read after the change answers late, so the change's event reaches the page first.
    // A second refresh would repaint the page and wipe what it showed meanwhile (the refusal
    // of the next thing the user tried: test/ui/workspace.test.ts, "an admin assigns…").
    let reads = 0;
    await alan.route(`**/requests/${r.id}`, async (route) => {
      if (route.request().method() === 'GET') { reads++; await new Promise((done) => setTimeout(done, 600)); }
      await route.continue();
    });
    await alan.getByRole('button', { name: 'Take / start' }).click();
    await alan.getByText('assignee Alan Agent').waitFor();
    // Time for the event (the hub polls every 100 ms) and for a refresh it would start.
    await new Promise((done) => setTimeout(done, 1500));
    assert.equal(reads, 1, 'one read of the request: the refresh that follows the change');
    await alan.close();
  });
});

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)); });
  s.on('error', reject);
});

describe('the live stream across a server restart', () => {
  let fixtures: TestApp; // a second instance on the same database: fixtures, and writes while the first is down
  let server: Proc | undefined;
  let browser: Browser;
  let port: number;
  let dbUrl: string;

  before(async () => {
    dbUrl = await freshDatabase();
    fixtures = await startApp({}, dbUrl);
    port = await freePort();
    server = await spawnServer({ DATABASE_URL: dbUrl, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '2000' });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) { server.child.kill('SIGTERM'); await server.exited; }
    await fixtures?.close();
  });

  test('the console reconnects with backoff after the server restarts and resumes after the last event it saw', async () => {
    const agent = await fixtures.user('AGENT', 'Alan Agent');
    const emmy = await fixtures.user('EMPLOYEE', 'Emmy Employee');
    const base = server!.base;
    const page = await signIn(browser, base, agent.key, { hash: '#/queue' });
    const streams: Array<string | undefined> = [];
    page.on('request', async (r) => { if (r.url().endsWith('/events/stream')) streams.push((await r.allHeaders())['last-event-id']); });
    await live(page);
    const first = (await fixtures.call('POST', '/requests', { key: emmy.key, body: { title: 'Filed before the restart' } })).body;
    await page.getByRole('link', { name: /Filed before the restart/ }).waitFor();
    const [{ id: lastSeen }] = await fixtures.db`select id from events where type = 'request.created' and request_id = ${first.id}`;

    server!.child.kill('SIGTERM');
    assert.equal(await server!.exited, 0);
    await page.locator('#live.is-reconnecting').waitFor();
    // Written through the other instance while this one is down: the console can only
    // learn of it by resuming after the last event it saw.
    await fixtures.call('POST', '/requests', { key: emmy.key, body: { title: 'Filed while the server was down' } });
    await page.screenshot({ path: `${SHOTS}/live-reconnecting.png` });

    server = await spawnServer({ DATABASE_URL: dbUrl, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '2000' });
    assert.equal(server.base, base, 'the same address again');
    await page.getByRole('link', { name: /Filed while the server was down/ }).waitFor({ timeout: 20_000 });
    await live(page);
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
    assert.equal(streams.at(-1), lastSeen, 'the reconnect sent Last-Event-ID: the last event seen');
    assert.ok(streams.length >= 2, `reconnected (${streams.length} stream requests)`);
    await page.close();
  });
});
