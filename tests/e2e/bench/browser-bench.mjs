// Browser timings of the release build in headless Chromium (a benchmark: it prints
// figures and asserts nothing). Run after `make build`:
//   node tests/e2e/bench/browser-bench.mjs [--json]      (RUNS=n, default 3)
// Uses the reference study from `fieldkit demo --size reference`.

import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, mkProfile, rmProfile, REPO_ROOT } from '../harness.mjs';

const RUNS = Number(process.env.RUNS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-bench-'));
const reference = path.join(tmp, 'reference.json');
execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'fieldkit-cli', '--', 'demo', '--size', 'reference', '-o', reference], { cwd: REPO_ROOT, stdio: 'inherit' });

const server = await startServer();
const results = { cold: [], warm: [], importRef: [], openRef: [], participants: [], transcript: [], applyCode: [], segmentsCsv: [] };
const refSize = (await fsp.stat(reference)).size;
let marks = 0;
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
  await page.getByLabel(/^Import a backup/).setInputFiles(reference);
  await page.getByRole('heading', { level: 1, name: 'Co-operative care in rural and urban communities' }).waitFor({ timeout: 600_000 });
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

  // Coding: open a transcript with its highlights, apply a code, export the segments.
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Coding' }).click();
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Transcript' });
  t = performance.now();
  await page.getByRole('table', { name: 'Sources' }).getByRole('link').first().click();
  await page.locator('.source-text mark').first().waitFor({ timeout: 120_000 });
  results.transcript.push(performance.now() - t);
  marks = await page.locator('.source-text mark').count();
  const before = await page.locator('li.segment').count();
  await page.evaluate(() => {
    const node = document.querySelector('.source-text span').firstChild;
    const range = document.createRange();
    range.setStart(node, 0);
    range.setEnd(node, Math.min(20, node.data.length));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  });
  await page.locator('.selection-preview', { hasText: '“' }).waitFor();
  await page.locator('.code-choices input').first().check();
  t = performance.now();
  await page.getByRole('button', { name: 'Apply codes' }).click();
  await page.locator('li.segment').nth(before).waitFor({ timeout: 120_000 });
  results.applyCode.push(performance.now() - t);
  await page.getByRole('link', { name: 'Coding', exact: true }).first().click();
  t = performance.now();
  await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByRole('button', { name: 'Coded segments (CSV)' }).click()]);
  results.segmentsCsv.push(performance.now() - t);

  await context.close();
  await rmProfile(profile);
}
// In-page timings on the small demo study (performance.now() from the tap to the next
// painted frame), at normal speed and with the CPU throttled 4x as on a tablet.
const inPage = { demoOpen1: [], demoOpen4: [], response1: [], response4: [] };
{
  const profile = await mkProfile();
  const context = await launch({ userDataDir: profile });
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('navigation', { name: 'Study sections' }).waitFor();
  const study = page.url().replace(/\/$/, '');
  await page.goto(study + '/surveys');
  await page.locator('a[href*="/surveys/"]').first().click();
  await page.locator('a[href*="/responses/"]').first().waitFor();
  const surveyUrl = page.url();
  const cdp = await context.newCDPSession(page);
  // Clicks the first link matching `selector` and waits for `ready` to hold, then a frame.
  const tap = (selector, ready) =>
    page.evaluate(
      ([selector, ready]) =>
        new Promise((resolve) => {
          const done = new Function(`return (${ready})`);
          const t0 = performance.now();
          document.querySelector(selector).click();
          const check = () => (done() ? requestAnimationFrame(() => resolve(performance.now() - t0)) : requestAnimationFrame(check));
          check();
        }),
      [selector, ready],
    );
  for (const rate of [1, 4]) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    for (let run = 0; run < Math.max(RUNS, 3); run++) {
      await page.goto(server.url + '/');
      await page.locator('a[href^="/study/"]').first().waitFor();
      inPage[`demoOpen${rate}`].push(await tap('a[href^="/study/"]', "document.querySelector('nav.tabs')"));
      await page.goto(surveyUrl);
      await page.locator('a[href*="/responses/"]').first().waitFor();
      inPage[`response${rate}`].push(
        await tap('a[href*="/responses/"]', "location.pathname.includes('/responses/') && [...document.querySelectorAll('dt')].some((d) => d.textContent === 'Language')"),
      );
    }
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await context.close();
  await rmProfile(profile);
}
Object.assign(results, inPage);
await server.close();
await fsp.rm(tmp, { recursive: true, force: true });

const label = {
  cold: 'first load, empty profile (to the studies screen)',
  warm: 'reload (cached build)',
  importRef: `import the reference backup (${(refSize / 1e6).toFixed(0)} MB) and open it`,
  openRef: 'open the reference study from IndexedDB (full page load)',
  participants: 'show the 1,000-row participants list',
  transcript: 'open a transcript with its highlights (coding screen)',
  applyCode: 'apply a code to a selection (until the segment shows)',
  segmentsCsv: 'export the coded segments CSV (20,000 segments)',
  demoOpen1: 'open the demo study from the list (in page)',
  demoOpen4: 'open the demo study from the list (in page, CPU 4x slower)',
  response1: 'open a survey response (in page)',
  response4: 'open a survey response (in page, CPU 4x slower)',
};
if (process.argv.includes('--json')) {
  // Machine-readable: one entry per measurement, medians in milliseconds.
  const out = { highlighted_stretches: marks, measurements: {} };
  for (const [key, times] of Object.entries(results)) {
    out.measurements[key] = { label: label[key], median_ms: Math.round(median(times)), runs: times.length };
  }
  console.log(JSON.stringify(out, null, 2));
} else {
  console.log(`(the transcript opened had ${marks} highlighted stretches)`);
  for (const [key, times] of Object.entries(results)) {
    console.log(`${label[key].padEnd(58)} ${median(times).toFixed(0).padStart(6)} ms  (median of ${times.length})`);
  }
}
