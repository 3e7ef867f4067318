// The console's Telegram section in a real headless Chromium (Debian's, driven by
// playwright-core), against a real server whose bot talks to the fake Bot API: link a chat
// from the profile (the link, a copy button), see it linked, unlink. Screenshots under
// test-output/ui/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startApp, type TestApp } from '../helpers.ts';
import { type BotApp, type Person, startBot } from '../telegram/harness.ts';

const SHOTS = 'test-output/ui';

describe('the console\'s Telegram link', () => {
  let bot: BotApp;
  let browser: Browser;
  let context: BrowserContext;
  let emp: Person;

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    bot = await startBot();
    emp = await bot.user('EMPLOYEE', 'Emmy Employee');
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await bot?.close();
  });

  async function signIn(base: string, key: string): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const elsewhere: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith(base)) elsewhere.push(r.url()); });
    page.on('pageerror', (e) => { throw e; });
    await page.goto(base + '/');
    await page.getByLabel('Your API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    page.on('close', () => assert.deepEqual(elsewhere, [], 'the console loads nothing from elsewhere'));
    return page;
  }

  test('an employee links Telegram from the profile (link and copy button), sees it linked, and unlinks', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bot.url });
    const page = await signIn(bot.url, emp.key);
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await page.getByText('emmy', { exact: false }).first().waitFor();
    await page.getByRole('button', { name: 'Link Telegram' }).click();
    const link = page.getByRole('link', { name: /^https:\/\/t\.me\/serviceflow_test_bot\?start=/ });
    await link.waitFor();
    const url = (await link.getAttribute('href'))!;
    assert.match(url, /^https:\/\/t\.me\/serviceflow_test_bot\?start=[A-Za-z0-9_-]{32}$/);
    await page.getByText(/It works once, until/).waitFor();
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
    await page.screenshot({ path: `${SHOTS}/telegram-link.png`, fullPage: true });

    // In Telegram, the link's Start button sends /start <token>; the profile notices by itself.
    const tg = bot.fake.user(777_001, 'emmy_tg', 'Emmy');
    bot.fake.message(tg, `/start ${new URL(url).searchParams.get('start')}`);
    await page.getByText(/^Linked to @emmy_tg since /).waitFor({ timeout: 10_000 });
    await page.getByText('Telegram linked.').waitFor();
    await page.screenshot({ path: `${SHOTS}/telegram-linked.png`, fullPage: true });

    await page.getByRole('button', { name: 'Unlink Telegram' }).click();
    await page.getByText('Telegram unlinked.').waitFor();
    await page.getByRole('button', { name: 'Link Telegram' }).waitFor();
    assert.equal((await bot.call('GET', '/users/me', { key: emp.key })).body.telegram.linked, false);
    await bot.said(tg, 'This chat was unlinked from ServiceFlow.');
    await page.close();
  });

  test('with the bot off, Link Telegram says so', async () => {
    const off: TestApp = await startApp();
    try {
      const who = await off.user('AGENT', 'Alan Agent');
      const page = await signIn(off.url, who.key);
      await page.goto(`${off.url}/#/profile`);
      await page.getByRole('button', { name: 'Link Telegram' }).click();
      await page.getByRole('alert').getByText('the Telegram bot is off on this server').waitFor();
      await page.screenshot({ path: `${SHOTS}/telegram-off.png`, fullPage: true });
      await page.close();
    } finally {
      await off.close();
    }
  });
});
