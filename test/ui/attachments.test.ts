// Attachments in the web console, in a real headless Chromium (Debian's) against a real
// server: files picked or dropped when filing and commenting, image thumbnails and a
// preview fetched with the key, downloads, internal files marked and hidden from
// employees, and a phone-sized screen. Screenshots under test-output/ui/.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startApp, type TestApp } from '../helpers.ts';

const SHOTS = 'test-output/ui';

/** A real PNG of w×h pixels in one colour, so the thumbnail has something to decode. */
function png(w: number, h: number, [r, g, b]: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: h }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

describe('attachments in the web console', () => {
  let app: TestApp;
  let browser: Browser;
  let people: Record<'agent' | 'employee', { id: string; key: string }>;
  const screenshot = png(640, 360, [200, 30, 30]);
  const log = Buffer.from('ap3 10:05:01 reboot\nap3 10:10:02 reboot\n');
  let publicId = '';

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    app = await startApp();
    people = { agent: await app.user('AGENT', 'Alan Agent'), employee: await app.user('EMPLOYEE', 'Emmy Employee') };
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function signIn(who: keyof typeof people, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport, acceptDownloads: true });
    page.setDefaultTimeout(8000);
    const elsewhere: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith(app.url) && !r.url().startsWith('blob:')) elsewhere.push(r.url()); });
    page.on('pageerror', (e) => { throw e; });
    await page.goto(app.url + '/');
    await page.getByLabel('Your API key').fill(people[who].key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.deepEqual(elsewhere, [], 'the console loads nothing from elsewhere');
    return page;
  }

  const files = async (key: string) => (await app.call('GET', `/requests/${publicId}/attachments`, { key })).body.items;

  test('the page allows blob: images and nothing more', async () => {
    const csp = (await fetch(app.url + '/')).headers.get('content-security-policy')!;
    assert.match(csp, /img-src 'self' blob:;/);
    assert.match(csp, /default-src 'none'/);
  });

  test('an employee files a request with a screenshot and a log, sees the thumbnail, previews it and downloads the log', async () => {
    const page = await signIn('employee');
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Title').fill('Error dialog when printing');
    await page.getByLabel('Attach files').setInputFiles([
      { name: 'error dialog.png', mimeType: 'image/png', buffer: screenshot },
      { name: 'wifi.log', mimeType: 'text/plain', buffer: log },
    ]);
    await page.getByText('wifi.log (40 B)').waitFor();
    await page.getByRole('button', { name: 'File request' }).click();
    await page.getByRole('heading', { name: /REQ-\d+ · Error dialog when printing/ }).waitFor();
    publicId = /REQ-\d+/.exec((await page.getByRole('heading', { level: 1 }).textContent())!)![0];

    const stored = await files(people.employee.key);
    assert.deepEqual(stored.map((a: any) => [a.filename, a.content_type, a.sha256]).sort(), [
      ['error dialog.png', 'image/png', crypto.createHash('sha256').update(screenshot).digest('hex')],
      ['wifi.log', 'text/plain', crypto.createHash('sha256').update(log).digest('hex')],
    ]);

    // The thumbnail: the image fetched with the key, shown through a blob: URL.
    const thumb = page.getByRole('button', { name: 'Preview error dialog.png' });
    await thumb.locator('img').waitFor();
    const img = await thumb.locator('img').evaluate((el: HTMLImageElement) => el.decode().then(() => ({ src: el.src, width: el.naturalWidth })));
    assert.match(img.src, /^blob:/);
    assert.equal(img.width, 640);
    await page.screenshot({ path: `${SHOTS}/attachments-request.png`, fullPage: true });

    await thumb.click();
    const dialog = page.getByRole('dialog', { name: 'Preview of error dialog.png' });
    await dialog.getByRole('img', { name: 'error dialog.png' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/attachments-preview.png` });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download wifi.log' }).click()]);
    assert.equal(download.suggestedFilename(), 'wifi.log');
    assert.ok(fs.readFileSync((await download.path())!).equals(log), 'the downloaded bytes are the file');

    await page.close();
  });

  test('an agent drops a file on an internal note; it is marked internal, and the employee never sees it', async () => {
    const page = await signIn('agent');
    await page.goto(`${app.url}/#/request/${publicId}`);
    await page.getByLabel('Add a comment').fill('Driver config attached.');
    await page.getByLabel('Internal note (agents and admins only)').check();
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['driver=pcl6\n'], 'printer.conf', { type: 'text/plain' }));
      return dt;
    });
    await page.locator('form .drop').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByText('printer.conf (12 B)').waitFor();
    await page.getByRole('button', { name: 'Comment' }).click();
    const card = page.locator('.file.internal', { hasText: 'printer.conf' });
    await card.getByText('internal', { exact: false }).first().waitFor();
    assert.equal(await page.locator('.file').count(), 3);
    await page.screenshot({ path: `${SHOTS}/attachments-agent-internal.png`, fullPage: true });
    // Staff see how many files a request has in the lists (internal ones included).
    await page.getByRole('link', { name: 'All requests' }).click();
    await page.getByRole('row', { name: new RegExp(`${publicId} · Error dialog when printing\\s+·\\s+3 files`) }).waitFor();
    await page.close();

    const stored = await files(people.agent.key);
    assert.equal(stored.find((a: any) => a.filename === 'printer.conf').internal, true);

    const mine = await signIn('employee');
    await mine.goto(`${app.url}/#/request/${publicId}`);
    await mine.getByRole('button', { name: 'Download wifi.log' }).waitFor();
    // The files come first, then the comments, then the history: read the absences once all are in.
    await mine.locator('ol.history li').first().waitFor();
    assert.equal(await mine.locator('.file').count(), 2);
    assert.equal(await mine.getByText('printer.conf').count(), 0);
    assert.equal(await mine.getByText('Driver config attached.').count(), 0);
    await mine.close();
  });

  test('an employee attaches a file to a comment without writing one', async () => {
    const page = await signIn('employee');
    await page.goto(`${app.url}/#/request/${publicId}`);
    await page.getByLabel('Attach files').setInputFiles([{ name: 'second.txt', mimeType: 'text/plain', buffer: Buffer.from('again') }]);
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.getByRole('button', { name: 'Download second.txt' }).waitFor();
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.getByRole('alert').getByText('Write a comment or attach a file.').waitFor();
    await page.close();
  });

  test('on a phone-sized screen the files and the preview fit', async () => {
    const page = await signIn('employee', { width: 390, height: 844 });
    await page.goto(`${app.url}/#/request/${publicId}`);
    await page.getByRole('button', { name: 'Preview error dialog.png' }).locator('img').waitFor();
    await page.locator('ol.history li').first().waitFor(); // drawn after the files and comments
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 1, 'the request page (files, and a history with sha256s) fits 390 px');
    await page.screenshot({ path: `${SHOTS}/attachments-phone.png`, fullPage: true });
    await page.getByRole('button', { name: 'Preview error dialog.png' }).click();
    const box = (await page.getByRole('dialog').getByRole('img').boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the preview is ${box.width}px wide at x=${box.x}`);
    await page.screenshot({ path: `${SHOTS}/attachments-phone-preview.png` });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.close();
  });
});
