// Team sync benchmark: the first sync of a study onto a new tablet.
//
//   target/release/fieldkit demo --size reference -o /tmp/ref.json
//   REFERENCE_JSON=/tmp/ref.json [THROTTLE=4] node tests/e2e/bench/sync-bench.mjs
//
// Starts pouchdb-server on 127.0.0.1, publishes the study with `fieldkit push`,
// then joins it in a fresh browser profile through the app's *Join a team study*
// screen, and prints one JSON line: the time from the tap to the study's screen,
// the documents read, and the page's long tasks meanwhile (the app must stay
// responsive during a first sync).

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startServer, startCouch, launch, mkProfile, rmProfile, REPO_ROOT } from '../harness.mjs';

const file = process.env.REFERENCE_JSON;
if (!file) {
  console.error('set REFERENCE_JSON to a study backup (fieldkit demo --size reference -o FILE)');
  process.exit(2);
}
const throttle = Number(process.env.THROTTLE || 1);
const server = await startServer();
const couch = await startCouch({ origin: server.url, users: { ann: 'ann-password-1' }, databases: { study: ['ann'] } });
const profile = await mkProfile();
try {
  const pushStarted = Date.now();
  execFileSync(path.join(REPO_ROOT, 'target/release/fieldkit'), ['push', file, couch.url, 'study'], {
    env: { ...process.env, FIELDKIT_USER: 'ann', FIELDKIT_PASSWORD: 'ann-password-1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pushMs = Date.now() - pushStarted;
  const docs = (await couch.admin('GET', '/study')).body.doc_count;

  const context = await launch({ userDataDir: profile });
  const page = context.pages()[0] || (await context.newPage());
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  // VERBOSE=1: the page's console messages too.
  if (process.env.VERBOSE) page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(server.url + '/join');
  await page.getByLabel('Server address').fill(couch.url);
  await page.getByLabel("The study's database").fill('study');
  await page.getByLabel('Your user name on the server').fill('ann');
  await page.getByLabel(/^Your password/).fill('ann-password-1');
  if (throttle > 1) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  }
  await page.evaluate(() => { window.__longTasks.length = 0; });
  const started = Date.now();
  await page.getByRole('button', { name: 'Join the study' }).click();
  await page.locator('h1.study-title').waitFor({ timeout: 20 * 60_000 });
  const joinMs = Date.now() - started;
  const tasks = await page.evaluate(() => window.__longTasks);
  console.log(JSON.stringify({
    throttle,
    documents: docs,
    push_ms: pushMs,
    first_sync_ms: joinMs,
    long_tasks: tasks.length,
    tasks_over_200ms: tasks.filter((d) => d > 200).length,
    longest_task_ms: Math.round(Math.max(0, ...tasks)),
  }));
  await context.close();
} finally {
  await couch.close();
  await server.close();
  await rmProfile(profile);
}
