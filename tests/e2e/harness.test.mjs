// Proves the e2e harness itself works, independent of the app: static server,
// persistent chromium profile, screenshots, error collection, a SIGKILLed
// browser that comes back with its IndexedDB intact, and a server that can be
// taken offline.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, launch, killBrowser, mkProfile, rmProfile, screenshot, collectErrors, gotoExpectingFailure,
} from './harness.mjs';

let site, server, profile;
const open = new Set(); // contexts to close even when a test fails
async function browser() {
  const context = await launch({ userDataDir: profile });
  open.add(context);
  context.once('close', () => open.delete(context));
  return context;
}

before(async () => {
  // A tiny stand-in for dist/.
  site = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-site-'));
  await fsp.writeFile(path.join(site, 'index.html'),
    '<!doctype html><html><head><title>harness ok</title><link rel="icon" href="data:,">' +
    '<link rel="manifest" href="app.webmanifest"></head>' +
    '<body><h1>fieldkit harness</h1><script src="app.js"></script></body></html>');
  await fsp.writeFile(path.join(site, 'app.js'), 'document.body.dataset.ready = "yes";');
  await fsp.writeFile(path.join(site, 'app.webmanifest'), '{"name":"harness"}');
  await fsp.writeFile(path.join(site, 'app.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  server = await startServer(site);
  profile = await mkProfile();
});

after(async () => {
  for (const c of open) await c.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
  await fsp.rm(site, { recursive: true, force: true });
});

test('server: content types, SPA fallback, 404, no-cache', async () => {
  const get = (p) => fetch(server.url + p);
  let r = await get('/app.wasm');
  assert.equal(r.headers.get('content-type'), 'application/wasm');
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  // The wasm is the real bytes, so streaming instantiation would accept it.
  await WebAssembly.compile(await r.arrayBuffer());
  r = await get('/app.webmanifest');
  assert.match(r.headers.get('content-type'), /^application\/manifest\+json/);
  r = await get('/app.js');
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  r = await get('/some/deep/route');
  assert.equal(r.status, 200);
  assert.match(await r.text(), /<title>harness ok<\/title>/);
  r = await get('/missing.css');
  assert.equal(r.status, 404);
  // Raw request, so the client does not normalise the path away first.
  const body = await new Promise((resolve, reject) => {
    http.get(server.url + '/..%2f..%2f..%2f..%2fetc%2fpasswd', (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  assert.doesNotMatch(body, /root:/, 'no path traversal out of the served folder');
});

test('browser: load, screenshot, SIGKILL, relaunch keeps IndexedDB', async (t) => {
  let context = await browser();
  let page = context.pages()[0] ?? await context.newPage();
  const errs = collectErrors(page);

  await page.goto(server.url + '/');
  assert.equal(await page.title(), 'harness ok');
  await page.waitForFunction(() => document.body.dataset.ready === 'yes');
  assert.deepEqual(await page.evaluate(() => [innerWidth, innerHeight]), [768, 1024]);
  const png = await screenshot(page, 'harness-loaded');
  assert.ok((await fsp.stat(png)).size > 1000, 'screenshot written');

  // Write to IndexedDB and wait for the transaction to commit (strict
  // durability: flushed to disk before 'complete').
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('harness', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('kv');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('kv', 'readwrite', { durability: 'strict' });
      tx.objectStore('kv').put('survived', 'marker');
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  // localStorage too, only to report whether it survives a SIGKILL
  // (chromium commits it lazily, so the app must not rely on it).
  await page.evaluate(() => localStorage.setItem('marker', 'survived'));
  errs.assertNone();

  await killBrowser(context);

  context = await browser();
  page = context.pages()[0] ?? await context.newPage();
  await page.goto(server.url + '/');
  const value = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('harness', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('kv').objectStore('kv').get('marker');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    };
  }));
  assert.equal(value, 'survived', 'IndexedDB write committed before SIGKILL is kept');
  t.diagnostic(`localStorage after SIGKILL: ${await page.evaluate(() => localStorage.getItem('marker'))}`);
  await context.close();
});

test('server offline: navigation fails, back online: works', async () => {
  const context = await browser();
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const errs = collectErrors(context);
    server.setOffline(true);
    const err = await gotoExpectingFailure(page, server.url + '/');
    assert.match(err.message, /net::ERR_/); // RESET, SOCKET_NOT_CONNECTED, ... depending on timing
    server.setOffline(false);
    await page.goto(server.url + '/');
    assert.equal(await page.title(), 'harness ok');
    errs.assertNone();
  } finally {
    server.setOffline(false);
    await context.close();
  }
});

test('collectErrors sees console.error and uncaught errors', async () => {
  const context = await browser();
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const errs = collectErrors(page, { ignore: [/ignored noise/] });
    await page.goto(server.url + '/');
    await page.evaluate(() => {
      console.error('boom from console');
      console.error('ignored noise');
      setTimeout(() => { throw new Error('boom uncaught'); });
    });
    await page.waitForTimeout(200);
    assert.equal(errs.errors.length, 2, errs.errors.join('\n'));
    assert.throws(() => errs.assertNone(), /boom from console[\s\S]*boom uncaught/);
  } finally {
    await context.close();
  }
});
