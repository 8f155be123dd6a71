// Two tablets, one study: tablet B starts from A's backup, both change the study
// description (a conflict) and B adds a code (new). A merges B's backup: the plan
// shows what is new and the conflict, the user keeps B's description, the summary
// counts it, and merging the same file again adds nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { startServer, openTablet, rmProfile, screenshot } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
let server;
const profiles = [];
const contexts = [];
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-merge-'));

const tablet = () => openTablet(profiles, contexts);

const saved = (page) => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });

async function exportBackup(page, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export backup' }).click()]);
  const target = path.join(tmp, name);
  await file.saveAs(target);
  return target;
}

before(async () => {
  server = await startServer();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await server?.close();
  for (const p of profiles) await rmProfile(p);
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('tablet B adds a code and changes the description; A merges it, resolving the conflict; a second merge adds nothing', async () => {
  const a = await tablet();
  await a.page.goto(server.url + '/');
  await a.page.getByRole('button', { name: 'Open the demo study' }).click();
  await a.page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  const start = await exportBackup(a.page, 'a-start.json');

  const b = await tablet();
  await b.page.goto(server.url + '/');
  await b.page.getByLabel('Import a backup (.json) or a REFI-QDA project (.qdpx, .qdc)').setInputFiles(start);
  await b.page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await b.page.getByLabel('Description').fill('Written on tablet B.');
  await b.page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Coding' }).click();
  await b.page.getByLabel('New code or theme').fill('Raised on tablet B');
  await b.page.getByRole('button', { name: 'Add code' }).click();
  await saved(b.page);
  await b.page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Overview' }).click();
  const fromB = await exportBackup(b.page, 'b.json');

  await a.page.getByLabel('Description').fill('Written on tablet A.');
  await saved(a.page);
  await a.page.getByLabel('Choose a backup to merge').setInputFiles(fromB);
  const plan = a.page.getByRole('region', { name: 'Merge plan' });
  await plan.waitFor();
  const code = plan.getByRole('row').filter({ has: a.page.getByRole('rowheader', { name: 'code', exact: true }) });
  assert.equal((await code.getByRole('cell').allInnerTexts())[0], '1', 'one new code');
  const conflict = plan.getByRole('group', { name: /^study: / });
  await conflict.getByLabel("Keep the other tablet's").check();
  await screenshot(a.page, 'merge-plan');
  await plan.getByRole('button', { name: 'Merge' }).click();
  const summary = a.page.getByRole('table', { name: 'Merge summary' });
  await summary.waitFor();
  const studyRow = summary.getByRole('row').filter({ has: a.page.getByRole('rowheader', { name: 'study', exact: true }) });
  assert.equal((await studyRow.getByRole('cell').allInnerTexts())[2], '1', 'one conflict resolved');
  await saved(a.page);
  await a.page.reload();
  await a.page.getByLabel('Description').waitFor();
  assert.equal(await a.page.getByLabel('Description').inputValue(), 'Written on tablet B.');
  await a.page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Coding' }).click();
  await a.page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Raised on tablet B' }).waitFor();

  // The same file again: nothing new, nothing in conflict.
  await a.page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Overview' }).click();
  await a.page.getByLabel('Choose a backup to merge').setInputFiles(fromB);
  await plan.waitFor();
  const news = await plan.getByRole('table', { name: 'What the merge does' }).getByRole('row').evaluateAll((rows) =>
    rows.slice(1).map((r) => Number(r.cells[1].textContent) + Number(r.cells[3].textContent)));
  assert.ok(news.every((n) => n === 0), `nothing new and no conflicts: ${news}`);
  await plan.getByText('No conflicts.').waitFor();
  a.errors.assertNone();
  b.errors.assertNone();
});
