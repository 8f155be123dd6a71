// Shared helpers for the end-to-end tests (node:test + playwright-core).
//
// Everything here runs against Debian's /usr/bin/chromium: playwright-core
// never downloads a browser, and the static server below only listens on
// 127.0.0.1, so the tests need no network at all.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Repo root and the trunk output folder, for tests that serve the real app. */
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const DIST_DIR = path.join(REPO_ROOT, 'dist');
export const ARTIFACTS_DIR = path.join(HERE, 'artifacts');

/** Debian's chromium; overridable for unusual machines. */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// ---------------------------------------------------------------------------
// Static server
// ---------------------------------------------------------------------------

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // required by WebAssembly.instantiateStreaming
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Serve `distDir` on 127.0.0.1 at a free port.
 *
 * - Unknown paths without a file extension fall back to index.html (SPA
 *   routes); unknown paths with an extension are a real 404.
 * - Every response says `Cache-Control: no-cache`, so anything the app gets
 *   while offline must come from its own service worker / storage, not from
 *   the HTTP cache.
 * - `setOffline(true)` makes the server refuse everything by destroying
 *   sockets (existing keep-alive ones too): a stronger "offline" than
 *   Playwright's context.setOffline, which a service worker may see through.
 *
 * Returns { url, port, close(), setOffline(bool), requests } where
 * `requests` lists the paths served (handy to assert what was fetched).
 */
export async function startServer(distDir = DIST_DIR) {
  const root = path.resolve(distDir);
  const sockets = new Set();
  const requests = [];
  let offline = false;

  const server = http.createServer(async (req, res) => {
    if (offline) return req.socket.destroy();
    try {
      const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      requests.push(urlPath);
      let file = path.join(root, path.normalize(urlPath));
      if (file !== root && !file.startsWith(root + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      let stat = await fsp.stat(file).catch(() => null);
      if (stat?.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = await fsp.stat(file).catch(() => null);
      }
      if (!stat && path.extname(urlPath) === '') {
        file = path.join(root, 'index.html'); // SPA fallback
        stat = await fsp.stat(file).catch(() => null);
      }
      if (!stat?.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
        res.end('not found');
        return;
      }
      const type = CONTENT_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': stat.size,
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });

  server.on('connection', (socket) => {
    if (offline) return socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setOffline(value) {
      offline = Boolean(value);
      if (offline) for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------
// A CouchDB-compatible server (pouchdb-server, pinned in package-lock.json)
// ---------------------------------------------------------------------------

const POUCHDB_SERVER = path.join(HERE, 'node_modules', '.bin', 'pouchdb-server');

async function freePort() {
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts pouchdb-server in memory on 127.0.0.1 with an administrator, the given
 * accounts ({ name: password }) and databases ({ name: [member names] }), and
 * CORS with credentials for the app at `origin`. Returns { url, admin(method,
 * path, body) -> { status, body }, close() }.
 */
export async function startCouch({ origin, users = {}, databases = {}, persist = false }) {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-couch-'));
  // In memory unless the test stops and restarts the server (then on disk in `dir`).
  const args = [...(persist ? [] : ['--in-memory']), '--host', '127.0.0.1', '--port', String(port)];
  let child = null;
  const url = `http://127.0.0.1:${port}`;
  const auth = 'Basic ' + Buffer.from('admin:admin-secret-1').toString('base64');
  const call = async (method, p, body, headers = { Authorization: auth }) => {
    const request = () => fetch(url + p, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    // A kept-alive connection the server closed while idle fails once: ask again.
    const r = await request().catch(request);
    const text = await r.text();
    let parsed = null;
    try { parsed = JSON.parse(text); } catch { parsed = text; }
    return { status: r.status, body: parsed };
  };
  const run = async () => {
    child = spawn(POUCHDB_SERVER, args, { cwd: dir, stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try { await fetch(url); break; } catch { if (i > 150) throw new Error('pouchdb-server did not start'); }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const halt = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await run();
  // Leave the "admin party": from here on every request needs an account.
  await call('PUT', '/_config/admins/admin', 'admin-secret-1', {});
  for (const [key, value] of [['httpd', 'enable_cors', 'true'], ['cors', 'origins', origin], ['cors', 'credentials', 'true'],
    ['cors', 'methods', 'GET, PUT, POST, HEAD, DELETE'], ['cors', 'headers', 'accept, authorization, content-type, origin, referer']].map(([a, b, c]) => [`/_config/${a}/${b}`, c])) {
    await call('PUT', key, value);
  }
  for (const [name, password] of Object.entries(users)) {
    await call('PUT', `/_users/org.couchdb.user:${name}`, { name, password, roles: [], type: 'user' });
  }
  for (const [db, members] of Object.entries(databases)) {
    await call('PUT', `/${db}`);
    await call('PUT', `/${db}/_security`, { admins: { names: [], roles: [] }, members: { names: members, roles: [] } });
  }
  return {
    url,
    admin: call,
    /** The server goes away (killed), as a server or its network would. */
    stop: halt,
    /** Back on the same port, with what it held (only with `persist`). */
    start: run,
    async close() {
      await halt();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------

/** A fresh, empty chromium profile directory. */
export async function mkProfile() {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-profile-'));
}

/**
 * A tablet for tests with several: a fresh profile and browser, recorded in
 * `profiles` and `contexts` for the test's cleanup, with its browser errors
 * collected (`errorOptions` as for collectErrors).
 */
export async function openTablet(profiles, contexts, errorOptions = {}) {
  const profile = await mkProfile();
  const context = await launch({ userDataDir: profile });
  profiles.push(profile);
  contexts.push(context);
  const page = context.pages()[0] || (await context.newPage());
  return { page, errors: collectErrors(context, errorOptions) };
}

/** Delete a profile directory made by mkProfile(). */
export async function rmProfile(dir) {
  await fsp.rm(dir, { recursive: true, force: true });
}

const profileOf = new WeakMap(); // context -> userDataDir, for killBrowser()

/**
 * Launch chromium on a persistent profile, so a test can kill the browser
 * and reopen the same profile (IndexedDB, service workers, caches survive).
 * `extra` overrides any launchPersistentContext option.
 */
export async function launch({ userDataDir, ...extra } = {}) {
  if (!userDataDir) throw new Error('launch() needs { userDataDir } (see mkProfile())');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 768, height: 1024 },
    acceptDownloads: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    ...extra,
  });
  profileOf.set(context, path.resolve(userDataDir));
  return context;
}

// The browser's main process is the one whose command line carries our
// --user-data-dir and no --type= (renderers, gpu, utility processes have one).
// Playwright offers no pid for persistent contexts, so we read /proc (Linux).
function profilePids(userDataDir) {
  const flag = `--user-data-dir=${userDataDir}`;
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv;
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // process went away
    }
    if (argv.includes(flag)) found.push({ pid: Number(entry), main: !argv.some((a) => a.startsWith('--type=')) });
  }
  return found;
}

// Process group of a pid (5th field of /proc/<pid>/stat, after "(comm)").
function pgidOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Kill the browser behind `context` with SIGKILL, as a crash or power cut
 * would: no unload handlers, no orderly shutdown, nothing flushed on exit.
 * Resolves once every process of that profile is gone, so the same profile
 * can be relaunched at once.
 */
export async function killBrowser(context) {
  const dir = profileOf.get(context);
  if (!dir) throw new Error('killBrowser() only knows contexts made by launch()');
  const procs = profilePids(dir);
  const main = procs.find((p) => p.main);
  if (!main) throw new Error(`no chromium process found for profile ${dir}`);
  const closed = new Promise((resolve) => context.once('close', resolve));
  // Playwright starts chromium as a process-group leader: kill that whole
  // group (zygotes, renderers), then anything of the profile outside it.
  if (pgidOf(main.pid) === main.pid) process.kill(-main.pid, 'SIGKILL');
  else process.kill(main.pid, 'SIGKILL');
  for (const p of procs) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
  for (let i = 0; i < 100 && profilePids(dir).length > 0; i++) await sleep(50);
  if (profilePids(dir).length > 0) throw new Error(`chromium for ${dir} survived SIGKILL`);
  await Promise.race([closed, sleep(5000)]);
}

/**
 * Navigate where the load must fail (server offline, no service worker yet).
 * Resolves with the navigation error. Also waits for chromium's error page
 * to commit: it lands after page.goto() rejects and would otherwise
 * interrupt the test's next page.goto().
 */
export async function gotoExpectingFailure(page, url) {
  const errorPage = page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame() && f.url().startsWith('chrome-error://'),
    timeout: 5000,
  }).catch(() => null);
  const error = await page.goto(url).then(() => null, (e) => e);
  if (!error) throw new Error(`expected navigation to ${url} to fail, but it loaded`);
  await errorPage;
  return error;
}

// ---------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------

/** Save a PNG of the page under tests/e2e/artifacts/<name>.png; returns its path. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await fsp.mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * Collect console errors and uncaught page errors from a page or from a whole
 * context (every page it opens). `ignore` is a list of RegExps for expected
 * noise, e.g. /ERR_CONNECTION_RESET/ while offline.
 *
 * Returns { errors, assertNone(), stop() }; errors are strings.
 */
export function collectErrors(target, { ignore = [] } = {}) {
  const errors = [];
  const keep = (text) => {
    if (!ignore.some((re) => re.test(text))) errors.push(text);
  };
  const onConsole = (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      keep(`console.error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  };
  const onPageError = (err) => keep(`pageerror: ${err?.stack || err}`);
  const onWebError = (webError) => onPageError(webError.error());

  const isContext = typeof target.pages === 'function';
  target.on('console', onConsole);
  if (isContext) target.on('weberror', onWebError);
  else target.on('pageerror', onPageError);

  return {
    errors,
    assertNone(message = 'unexpected browser errors') {
      if (errors.length) throw new Error(`${message}:\n  ${errors.join('\n  ')}`);
    },
    stop() {
      target.off('console', onConsole);
      if (isContext) target.off('weberror', onWebError);
      else target.off('pageerror', onPageError);
    },
  };
}

// ---------------------------------------------------------------------------
// Coding
// ---------------------------------------------------------------------------

/** Selects `words` inside the open source's text as a finger's selection handles would. */
export async function selectWords(page, words) {
  // The source screen's part of the app may still be loading.
  await page.locator('.source-text').waitFor();
  await page.evaluate((words) => {
    const root = document.querySelector('.source-text');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let full = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, full.length]); full += n.data; }
    const from = full.indexOf(words);
    if (from < 0) throw new Error(`not in the text: ${words}`);
    const at = (offset) => {
      for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
      throw new Error('offset');
    };
    const range = document.createRange();
    range.setStart(...at(from));
    range.setEnd(...at(from + words.length));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }, words);
  await page.locator('.selection-preview', { hasText: `“${words}”` }).waitFor();
}

/** Ticks codes in the palette and applies them to the selection. */
export async function applyCodesTo(page, ...codes) {
  const palette = page.getByRole('region', { name: 'Code the selection' });
  for (const c of codes) await palette.getByLabel(c, { exact: true }).check();
  await palette.getByRole('button', { name: 'Apply codes' }).click();
}

/** axe-core on the page as it is now: the serious and critical violations, as text. */
export async function axeViolations(page) {
  // Evaluated by the driver rather than added as a <script>: the app's
  // Content-Security-Policy refuses inline scripts.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(await fsp.readFile(AXE_SCRIPT, 'utf8'));
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Runs `fn(db, arg)` in the page against fieldkit's IndexedDB database. The call is
 * one expression evaluated by the test driver, not `new Function` in the page: the
 * page's Content-Security-Policy refuses that.
 */
export function withDb(p, fn, arg) {
  return p.evaluate(`new Promise((resolve, reject) => {
    const req = indexedDB.open('fieldkit');
    req.onerror = () => reject(req.error);
    req.onsuccess = async () => {
      try { resolve(await (${fn.toString()})(req.result, ${JSON.stringify(arg ?? null)})); }
      catch (e) { reject(e); } finally { req.result.close(); }
    };
  })`);
}
