// The app in parts (issue 13): a first visit downloads only what the studies list
// and a study's overview need; each part comes when one of its screens is first
// opened, once; after the service worker's background copy every screen works
// with the server gone; a part that cannot be downloaded says so, offers Try
// again, and leaves the rest of the app working; a new build replaces all parts.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { startServer, launch, mkProfile, rmProfile, collectErrors, screenshot, DIST_DIR } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-parts-'));
after(() => fsp.rm(tmp, { recursive: true, force: true }));

/** The build's own files, read from dist/index.html as the browser would. */
async function buildOf(dist) {
  const index = await fsp.readFile(path.join(dist, 'index.html'), 'utf8');
  const dir = /\/(app-[0-9a-f]+)\/fieldkit-app\.js/.exec(index)[1];
  const parts = JSON.parse(/<script type="application\/json" id="fieldkit-parts">(.*?)<\/script>/s.exec(index)[1]);
  return { dir, parts, index };
}

const isPartFile = (p) => /\/app-[0-9a-f]+\/(split_|chunk_)\w+\.wasm$/.test(p);
const partsIn = (requests) => requests.filter((p) => /\/split_\w+\.wasm$/.test(p)).map((p) => /split_(\w+)\.wasm/.exec(p)[1]);

async function withBrowser(options, fn) {
  const profile = await mkProfile();
  const ctx = await launch({ userDataDir: profile, ...options });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    await fn(ctx, page);
  } finally {
    await ctx.close().catch(() => {});
    await rmProfile(profile);
  }
}

const SECTIONS = [
  ['Cases', 'Case studies'], ['Participants', 'Participants'], ['Protocols', 'Interview protocols'],
  ['Interviews', 'Interviews and focus groups'], ['Surveys', 'Stakeholder surveys'], ['Coding', 'Codebook'],
];

/** The paths in the service worker's offline copy. */
const cachedPaths = (page) => page.evaluate(() => caches.open('fieldkit-shell')
  .then((c) => c.keys()).then((k) => k.map((r) => new URL(r.url).pathname)));

/** Waits (up to 10 s) until the offline copy holds `parts` and, last of all, the page itself. */
async function waitForOfflineCopy(page, parts) {
  let have = [];
  for (let i = 0; i < 100 && !(have.includes('/') && parts.every((p) => have.includes(p))); i++) {
    await page.waitForTimeout(100);
    have = await cachedPaths(page).catch(() => []);
  }
  return have;
}

/** Opens `name` in the study's section tabs and waits for its heading. */
async function openSection(page, name, heading) {
  await tab(page, name).click();
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

const tab = (page, name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name, exact: true });

test('a first visit downloads only the first-visit files; each part comes once, when first opened', async () => {
  const server = await startServer();
  const { dir } = await buildOf(DIST_DIR);
  try {
    // No service worker, so every download shows in the server's log.
    await withBrowser({ serviceWorkers: 'block' }, async (ctx, page) => {
      const errors = collectErrors(ctx);
      await page.goto(server.url + '/');
      await page.getByRole('heading', { name: 'Your studies' }).waitFor();
      await page.getByLabel('Study title').fill('A first study');
      await page.getByRole('button', { name: 'Create study' }).click();
      await page.getByRole('heading', { name: 'Research questions' }).waitFor();
      await page.getByRole('heading', { name: 'Merge work from another tablet' }).waitFor();

      const first = [...server.requests];
      assert.deepEqual(first.filter(isPartFile), [], `no part is downloaded for the studies list and the overview: ${first}`);
      for (const f of ['/', `/${dir}/fieldkit-app.js`, `/${dir}/fieldkit-app.wasm`, `/${dir}/__wasm_split.js`]) {
        assert.equal(first.filter((p) => p === f).length, 1, `${f} downloaded once: ${first}`);
      }

      // The demo study is made by the tools part; each section's part comes with its first screen.
      let mark = server.requests.length;
      const newParts = () => partsIn(server.requests.slice(mark));
      await page.getByRole('link', { name: 'Studies' }).first().click();
      await page.getByRole('button', { name: 'Open the demo study' }).click();
      await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
      assert.deepEqual(newParts(), ['tools']);
      const parts = { Cases: ['fieldwork'], Surveys: ['surveys_part'], Coding: ['coding_part'] };
      for (const [name, heading] of SECTIONS) {
        mark = server.requests.length;
        await openSection(page, name, heading);
        assert.deepEqual(newParts(), parts[name] || [], `opening ${name} downloads ${parts[name] || 'nothing'}`);
      }
      // Back to each, and to the storage screen (tools, loaded already): nothing is downloaded again.
      mark = server.requests.length;
      for (const [name, heading] of SECTIONS) await openSection(page, name, heading);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
      await page.getByRole('heading', { name: 'Storage on this device' }).waitFor();
      assert.deepEqual(server.requests.slice(mark), [], 'a part is downloaded once');
      const partRequests = server.requests.filter(isPartFile);
      assert.equal(partRequests.length, new Set(partRequests).size, 'each part file downloaded once');
      errors.assertNone();
    });
  } finally {
    await server.close();
  }
});

test('a page opened straight on a section fetches that part at once, and only that part', async () => {
  const server = await startServer();
  try {
    await withBrowser({ serviceWorkers: 'block' }, async (ctx, page) => {
      await page.goto(server.url + '/');
      await page.getByLabel('Study title').fill('Straight to coding');
      await page.getByRole('button', { name: 'Create study' }).click();
      await page.getByRole('heading', { name: 'Research questions' }).waitFor();
      // A fresh page load straight onto the coding tab.
      const mark = server.requests.length;
      await page.goto(page.url() + '/coding');
      await page.getByRole('heading', { name: 'Codebook', exact: true }).waitFor();
      assert.deepEqual(partsIn(server.requests.slice(mark)), ['coding_part']);
    });
  } finally {
    await server.close();
  }
});

test('after the background copy, every screen opens with the server stopped', async () => {
  const server = await startServer();
  const { parts } = await buildOf(DIST_DIR);
  try {
    await withBrowser({}, async (ctx, page) => {
      await page.goto(server.url + '/');
      await page.getByRole('heading', { name: 'Your studies' }).waitFor();
      // The service worker copies every part once the first screen is up.
      // index.html goes into the copy last, once every file it names is there.
      const have = await waitForOfflineCopy(page, parts);
      assert.deepEqual(parts.filter((p) => !have.includes(p)), [], 'every part is in the offline copy');
      assert.ok(have.includes('/'), 'the page itself is in the offline copy');
      await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
      const fetchedBeforeOffline = server.requests.filter(isPartFile);
      assert.equal(new Set(fetchedBeforeOffline).size, fetchedBeforeOffline.length, 'each part file fetched once');

      server.setOffline(true);
      await ctx.setOffline(true);
      await page.reload();
      await page.getByRole('heading', { name: 'Your studies' }).waitFor();
      await page.getByRole('button', { name: 'Open the demo study' }).click();
      await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
      for (const [name, heading] of SECTIONS) await openSection(page, name, heading);
      // Deeper screens with their own parts: a source to code, a code, the matrix, a survey and its builder.
      await page.getByRole('table', { name: 'Sources' }).getByRole('link').first().click();
      await page.locator('.source-text').waitFor();
      await page.goBack();
      await page.getByRole('list', { name: 'Codebook' }).getByRole('link').first().click();
      await page.getByRole('heading', { name: 'Merge or delete' }).waitFor();
      await tab(page, 'Surveys').click();
      await page.getByRole('list', { name: 'Surveys' }).getByRole('link').first().click();
      await page.getByRole('link', { name: 'Edit questions' }).click();
      await page.getByRole('heading', { name: 'Edit survey' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
      await page.getByRole('heading', { name: 'Storage on this device' }).waitFor();
      assert.equal(await page.locator('.part-missing').count(), 0, 'no part is missing offline');
      await screenshot(page, 'offline-parts-storage');
    });
  } finally {
    await server.close();
  }
});

test('a part that fails to download says so, offers Try again, and the rest keeps working', async () => {
  const server = await startServer();
  try {
    await withBrowser({ serviceWorkers: 'block' }, async (ctx, page) => {
      // The coding part's download fails.
      const broken = (route) => route.abort('internetdisconnected');
      await page.route('**/split_coding_part.wasm', broken);
      await page.goto(server.url + '/');
      await page.getByRole('button', { name: 'Open the demo study' }).click();
      await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
      await tab(page, 'Coding').click();
      const missing = page.getByRole('alert').filter({ hasText: 'This part of fieldkit could not be loaded' });
      await missing.waitFor();
      await screenshot(page, 'part-missing');

      // The rest of the app still works: the studies list, another section.
      await page.getByRole('link', { name: 'Studies' }).first().click();
      await page.getByRole('heading', { name: 'Your studies' }).waitFor();
      await page.getByRole('link', { name: DEMO }).click();
      await tab(page, 'Cases').click();
      await page.getByRole('heading', { name: 'Case studies', exact: true }).waitFor();

      // Once the network is back, Try again loads it in place.
      await tab(page, 'Coding').click();
      await missing.waitFor();
      await page.unroute('**/split_coding_part.wasm', broken);
      await missing.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('heading', { name: 'Codebook', exact: true }).waitFor();
      assert.equal(await missing.count(), 0);
    });
  } finally {
    await server.close();
  }
});

test('a new build replaces every part together; an open page keeps using its own build', async () => {
  const site = path.join(tmp, 'site');
  await fsp.cp(DIST_DIR, site, { recursive: true });
  const deploy = await startServer(site);
  const old = await buildOf(site);
  try {
    await withBrowser({}, async (ctx, page) => {
      await page.goto(deploy.url + '/');
      await page.getByRole('heading', { name: 'Your studies' }).waitFor();
      let have = await waitForOfflineCopy(page, old.parts);
      assert.ok(old.parts.every((p) => have.includes(p)), 'the old build is cached whole');

      // Redeploy: the same app under a new build folder, as a rebuild produces.
      const fresh = 'app-feedbeef00feedbe';
      await fsp.rename(path.join(site, old.dir), path.join(site, fresh));
      await fsp.writeFile(path.join(site, 'index.html'), old.index.replaceAll(old.dir, fresh));

      // The open page opens a part it has not used yet: its own build's, from the offline copy.
      const mark = deploy.requests.length;
      await page.getByRole('button', { name: 'Open the demo study' }).click();
      await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
      await tab(page, 'Coding').click();
      await page.getByRole('heading', { name: 'Codebook', exact: true }).waitFor();
      assert.deepEqual(deploy.requests.slice(mark).filter((p) => p.includes(fresh)), [], 'no part of the new build mixed in');

      // A reload takes the new build, and the offline copy becomes the new build only.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
      const freshParts = old.parts.map((p) => p.replace(old.dir, fresh));
      for (let i = 0; i < 100; i++) {
        have = await cachedPaths(page);
        if (freshParts.every((p) => have.includes(p)) && !have.some((p) => p.includes(old.dir))) break;
        await page.waitForTimeout(100);
      }
      assert.deepEqual(freshParts.filter((p) => !have.includes(p)), [], 'every new part cached');
      assert.deepEqual(have.filter((p) => p.includes(old.dir)), [], 'no file of the old build left');
      const scripts = await page.evaluate(() => [...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.getAttribute('href')));
      assert.ok(scripts.every((s) => s.includes(fresh)), `the page runs the new build: ${scripts}`);

      // And the new copy is what opens offline, every part with it.
      deploy.setOffline(true);
      await ctx.setOffline(true);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
      await tab(page, 'Surveys').click();
      await page.getByRole('heading', { name: 'Stakeholder surveys', exact: true }).waitFor();
    });
  } finally {
    await deploy.close();
  }
});
