// Browser timings of the release build in headless Chromium (a benchmark: it prints
// figures and asserts nothing). Run after `make build`:
//   node tests/e2e/bench/browser-bench.mjs
// Uses the reference study from `fieldkit demo --size reference`.

import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, mkProfile, rmProfile, REPO_ROOT } from '../harness.mjs';

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-bench-'));
const reference = path.join(tmp, 'reference.json');
execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'fieldkit-cli', '--', 'demo', '--size', 'reference', '-o', reference], { cwd: REPO_ROOT, stdio: 'inherit' });

const server = await startServer();
const results = { cold: [], warm: [], importRef: [], openRef: [], participants: [] };
for (let run = 0; run < RUNS; run++) {
  const profile = await mkProfile();
  const context = await launch({ userDataDir: profile });
  const page = context.pages()[0] || (await context.newPage());
  let t = performance.now();
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Your studies' }).waitFor();
  results.cold.push(performance.now() - t);

  t = performance.now();
  await page.reload();
  await page.getByRole('heading', { name: 'Your studies' }).waitFor();
  results.warm.push(performance.now() - t);

  t = performance.now();
  await page.getByLabel('Import a backup (.json)').setInputFiles(reference);
  await page.getByRole('heading', { level: 1, name: 'Co-operative care in rural and urban communities' }).waitFor();
  results.importRef.push(performance.now() - t);
  const url = page.url();

  t = performance.now();
  await page.goto(url);
  await page.locator('.save-state').waitFor();
  results.openRef.push(performance.now() - t);

  t = performance.now();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Participants' }).click();
  await page.locator('tbody tr').nth(999).waitFor();
  results.participants.push(performance.now() - t);

  await context.close();
  await rmProfile(profile);
}
await server.close();
await fsp.rm(tmp, { recursive: true, force: true });

const label = {
  cold: 'first load, empty profile (to the studies screen)',
  warm: 'reload (cached build)',
  importRef: 'import the reference backup (576 KB) and open it',
  openRef: 'open the reference study from IndexedDB (full page load)',
  participants: 'show the 1,000-row participants list',
};
for (const [key, times] of Object.entries(results)) {
  console.log(`${label[key].padEnd(58)} ${median(times).toFixed(0).padStart(6)} ms  (median of ${times.length})`);
}
