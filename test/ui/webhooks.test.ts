// The console's webhooks page in a real headless Chromium (Debian's, driven by
// playwright-core) against a real server, its delivery worker and a real receiver: an
// admin creates an endpoint (the secret shown once), pings it, disables and enables it,
// rotates its secret, reads the delivery log and redelivers; at phone width, by keyboard.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startApp, type TestApp } from '../helpers.ts';
import { type Receiver, receiver, verified } from '../webhooks-receiver.ts';

const SHOTS = 'test-output/ui';

describe('the webhooks page of the console', () => {
  let app: TestApp;
  let browser: Browser;
  let rx: Receiver;
  let admin: { id: string; key: string };

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    app = await startApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_MS: '6000' });
    app.worker.start();
    rx = await receiver();
    admin = await app.user('ADMIN', 'Ada Admin');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await rx?.close();
  });

  async function signIn(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(8000);
    page.on('pageerror', (e) => { throw e; });
    await page.goto(app.url + '/');
    await page.getByLabel('Your API key').fill(admin.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

  /**
   * Does `act`, which draws the delivery log again after a fetch, and waits until the log
   * drawn before it has left the page: the next read sees the new log, and no draw is still
   * on its way to replace what the test reads or opens next.
   */
  async function redrawn(page: Page, act: () => Promise<unknown>) {
    const old = await page.locator('#main tbody').elementHandle();
    await act();
    await page.waitForFunction((el) => !el.isConnected, old);
    await old.dispose();
  }

  let secret = '';

  test('an admin creates an endpoint and sees its secret once, pings it, disables and enables it, and rotates its secret', async () => {
    const page = await signIn();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No endpoints yet.').waitFor();
    await page.getByLabel('URL').fill(rx.url);
    await page.getByLabel('Description').fill('Chat channel');
    // Only some types: "All events" off, then two of them.
    await page.getByLabel('All events').uncheck();
    await page.getByLabel('request.created').check();
    await page.getByLabel('comment.created').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    secret = (await page.locator('.key').textContent())!;
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByRole('button', { name: 'Copy secret' }).waitFor();
    const row = page.getByRole('row', { name: /Chat channel/ });
    await row.getByText('request.created, comment.created').waitFor();
    await page.screenshot({ path: `${SHOTS}/admin-webhooks.png`, fullPage: true });

    await row.getByRole('button', { name: 'Ping' }).click();
    await page.getByText(/A ping is on its way/).waitFor();
    const [ping] = await rx.waitFor(1);
    assert.equal(verified(secret, ping).type, 'webhook.ping', 'the secret the page showed signs the deliveries');

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText(/is disabled\./).waitFor();
    await row.getByText('Disabled', { exact: true }).waitFor();
    assert.equal((await app.call('GET', '/webhooks', { key: admin.key })).body.items[0].is_active, false);
    assert.ok(await row.getByRole('button', { name: 'Ping' }).isDisabled(), 'a disabled endpoint is not pinged (409 webhook_inactive)');
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Active', { exact: true }).waitFor();

    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(/The new secret of .*, shown this once/).waitFor();
    const rotated = (await page.locator('.key').textContent())!;
    assert.notEqual(rotated, secret);
    await row.getByRole('button', { name: 'Ping' }).click();
    const [, second] = await rx.waitFor(2);
    assert.ok(verified(secret, second) && verified(rotated, second), 'both secrets sign during the overlap');
    secret = rotated;
    await page.close();
  });

  test('the delivery log lists each delivery with its attempts, and Redeliver sends it again with the same webhook-id', async () => {
    const page = await signIn();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('link', { name: rx.url }).click();
    await page.getByRole('heading', { name: `Deliveries to ${rx.url}` }).waitFor();
    const rows = page.getByRole('row', { name: /webhook\.ping/ });
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
    // Recorded after the answer: reload the log until both show as succeeded, one load at a
    // time (a load still running when the loop ends would redraw the rows opened below).
    for (let i = 0; i < 40 && (await page.getByRole('cell', { name: 'succeeded' }).count()) < 2; i++) {
      await page.waitForTimeout(100);
      await redrawn(page, () => page.getByRole('button', { name: 'Apply' }).click());
    }
    assert.equal(await page.getByRole('cell', { name: 'succeeded' }).count(), 2);
    await rows.first().getByText('1 attempt').click();
    await rows.first().getByText(/· 200 · \d+ ms/).waitFor();
    await page.screenshot({ path: `${SHOTS}/admin-webhook-deliveries.png`, fullPage: true });
    const before = rx.got.length;
    // The notice comes before the log's reload: wait for that too, or it may land after the
    // "failed" filter's answer below and draw the unfiltered log over it.
    await redrawn(page, () => rows.first().getByRole('button', { name: 'Redeliver' }).click());
    await page.getByText('webhook.ping will be delivered again now.').waitFor();
    await rx.waitFor(before + 1);
    const again = rx.got[before];
    assert.equal(again.headers['webhook-id'], rx.got[1].headers['webhook-id'], 'the newest delivery, again, under its own id');
    assert.ok(verified(secret, again));
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No deliveries.').waitFor();
    await page.close();
  });

  test('on a phone-sized screen the webhooks pages fit, and an endpoint can be created by keyboard alone', async () => {
    const page = await signIn({ width: 390, height: 844 });
    await page.goto(`${app.url}/#/webhooks`);
    await page.getByLabel('URL').waitFor();
    await page.getByLabel('URL').focus();
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none', 'focus is visible');
    await page.keyboard.type(`${rx.url}?from=keyboard`);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed, not clicked');
    await page.keyboard.press('Enter');
    await page.locator('.key').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Copy secret', 'focus moves to the secret');
    await page.getByRole('row', { name: /Typed, not clicked/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the webhooks page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: `${SHOTS}/admin-webhooks-phone.png`, fullPage: true });
    await page.getByRole('link', { name: `${rx.url}?from=keyboard` }).click();
    await page.getByText('No deliveries.').waitFor();
    const overflowLog = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflowLog <= 1, `the delivery log is ${overflowLog}px wider than the phone`);
    await page.close();
  });
});
