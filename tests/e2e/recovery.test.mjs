// When things go wrong: a damaged record is quarantined and shown, never blanked;
// deleting a study removes every record. (A new build replacing the offline copy: parts.test.mjs.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { startServer, launch, mkProfile, rmProfile, screenshot, collectErrors, withDb } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
let server;
let profile;
let context;
let page;
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-recovery-'));

before(async () => {
  server = await startServer();
  profile = await mkProfile();
  context = await launch({ userDataDir: profile });
  page = context.pages()[0] || (await context.newPage());
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
  await fsp.rm(tmp, { recursive: true, force: true });
});


test('a damaged record is quarantined and reported; the rest of the study opens', async () => {
  const errors = collectErrors(context);
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  const studyUrl = page.url();

  // Damage one case record the way a torn write or a buggy old version might.
  const damaged = '{"id": "truncated mid-wri';
  const key = await withDb(page, async (db, body) => {
    const tx = db.transaction('records', 'readwrite');
    const store = tx.objectStore('records');
    const cases = await new Promise((res) => { const r = store.index('kind').getAll('case'); r.onsuccess = () => res(r.result); });
    const hillside = cases.find((c) => c.body.includes('Hillside Community Care'));
    store.put({ ...hillside, body });
    await new Promise((res) => { tx.oncomplete = res; });
    return hillside.key;
  }, damaged);

  await page.goto(studyUrl + '/cases');
  await page.getByRole('alert').filter({ hasText: 'could not be read and was set aside in quarantine' }).waitFor();
  // The cases tab is a part of the app loaded on first use: wait for its list.
  await page.getByRole('list', { name: 'Cases' }).getByRole('listitem').first().waitFor();
  const cases = await page.getByRole('list', { name: 'Cases' }).getByRole('listitem').allInnerTexts();
  assert.equal(cases.length, 3, 'the other cases open');
  assert.ok(!cases.some((c) => c.includes('Hillside')), 'no blank stand-in for the damaged case');
  await screenshot(page, 'quarantine-notice');

  // Editing and saving the rest of the study never writes over the damaged record.
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Participants' }).click();
  await page.getByRole('link', { name: 'Rowan' }).click();
  await page.getByLabel('Research notes').fill('Edited after the damage.');
  await page.locator('.save-state[data-state="saved"]').waitFor();

  await page.goto(server.url + '/storage');
  const item = page.getByRole('listitem').filter({ hasText: key });
  await item.waitFor();
  assert.match(await item.innerText(), /not valid JSON/);
  await screenshot(page, 'storage-quarantine');
  const download = page.waitForEvent('download');
  await item.getByRole('button', { name: 'Download' }).click();
  assert.equal(await fsp.readFile(await (await download).path(), 'utf8'), damaged, 'kept byte for byte');

  await item.getByRole('button', { name: 'Discard…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Discard' }).click();
  await page.getByText('None. Every stored record could be read.').waitFor();
  errors.assertNone();
});

test('deleting a study asks first, then removes every one of its records', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('link', { name: DEMO }).click();
  await page.getByRole('button', { name: 'Delete study…' }).click();
  const dialog = page.getByRole('alertdialog');
  assert.match(await dialog.innerText(), /This also deletes 3 cases, 10 participants \(Rowan, /);
  await dialog.getByRole('button', { name: 'Delete study' }).click();
  await page.getByRole('status').filter({ hasText: 'was deleted' }).waitFor();
  await page.getByText('No studies yet').waitFor();
  const left = await withDb(page, (db) => new Promise((res) => {
    const r = db.transaction('records').objectStore('records').index('kind').getAll('participant');
    r.onsuccess = () => res(r.result.length);
  }));
  assert.equal(left, 0);
  await page.reload();
  await page.getByText('No studies yet').waitFor();
});
