// A researcher sets up a study on a tablet: cases with attributes, participants
// with consent; the data survives reload, a killed browser and a lost network;
// the JSON backup downloads, parses and imports into a fresh profile.
//
// Drives the release build in dist/ (make build) in Debian's headless chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import {
  startServer, launch, mkProfile, rmProfile, killBrowser, screenshot, collectErrors,
} from './harness.mjs';

const CASES = [
  { name: 'Hillside Community Care', setting: 'Rural', legal: 'Community interest company', country: 'England', stage: 'Trading' },
  { name: 'Riverside Home Support', setting: 'Urban', legal: 'Charitable company', country: 'England', stage: 'Trading' },
  { name: 'Glen Care Partnership', setting: 'Rural', legal: 'Converting to a co-operative', country: 'Scotland', stage: 'Converting' },
  { name: 'Gofal Cwm Tŷ Gwyn', setting: 'Very rural', legal: 'Secondary co-operative', country: 'Wales', stage: 'Trading' },
];
const PEOPLE = [
  { name: 'Rowan', role: 'Manager / founder', case: 0 },
  { name: 'Hazel', role: 'Service user', case: 0 },
  { name: 'Alder', role: 'Care worker', case: 1 },
  { name: 'Birch', role: 'Family carer', case: 1 },
  { name: 'Heather 🌿', role: 'Local authority officer', case: 2 },
  { name: 'Ceri', role: 'Care worker', case: 3 },
];
const TITLE = 'Owning care: four sites';

let server;
let profile;
let context;
let page;
let errors;
let backupPath;
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-e2e-'));

async function open(userDataDir) {
  context = await launch({ userDataDir });
  errors = collectErrors(context, { ignore: [/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION|Failed to load resource/] });
  page = context.pages()[0] || (await context.newPage());
  return page;
}

async function waitSaved(p = page) {
  await p.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
}

async function gotoStudy(p = page) {
  await p.goto(server.url + '/');
  await p.getByRole('link', { name: TITLE }).click();
  await p.getByRole('heading', { level: 1, name: TITLE }).waitFor();
}

async function casesTable(p = page) {
  await p.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Cases' }).click();
  const cards = p.getByRole('list', { name: 'Cases' }).getByRole('listitem');
  await cards.first().waitFor();
  return cards.allInnerTexts();
}

async function participantsTable(p = page) {
  await p.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Participants' }).click();
  await p.getByRole('table').waitFor();
  return p.locator('tbody tr').allInnerTexts();
}

async function assertStudyComplete(p = page) {
  const cases = await casesTable(p);
  assert.equal(cases.length, 4, cases.join('\n'));
  for (const c of CASES) {
    const card = cases.find((t) => t.includes(c.name));
    assert.ok(card, `case ${c.name} listed`);
    assert.ok(card.includes(`${c.setting} · ${c.legal} · ${c.country}`), card);
  }
  const rows = await participantsTable(p);
  assert.equal(rows.length, 6, rows.join('\n'));
  for (const person of PEOPLE) {
    const row = rows.find((r) => r.startsWith(person.name));
    assert.ok(row, `participant ${person.name} listed`);
    assert.ok(row.includes(person.role) && row.includes(CASES[person.case].name), row);
    assert.ok(row.includes('Consented to interview'), row);
  }
}

before(async () => {
  server = await startServer();
  profile = await mkProfile();
  await open(profile);
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('create a study with 4 cases and 6 participants by tapping and typing', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Your studies' }).waitFor();
  await page.getByText('No studies yet').waitFor();
  await screenshot(page, 'studies-empty');

  await page.getByLabel('Study title').fill(TITLE);
  await page.getByRole('button', { name: 'Create study' }).click();
  await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  await page.getByLabel('Description').fill('Comparing community-owned care across the four nations.');
  for (const q of ['What is the experience of the people involved?', 'What barriers have they met?']) {
    await page.getByLabel('New research question').fill(q);
    await page.getByRole('button', { name: 'Add question' }).click();
  }
  await page.getByLabel('Question 2', { exact: true }).waitFor();

  for (const c of CASES) {
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Cases' }).click();
    await page.getByLabel('New case name').fill(c.name);
    await page.getByRole('button', { name: 'Add case' }).click();
    await page.getByRole('heading', { level: 2, name: c.name }).waitFor();
    await page.getByLabel('Setting').selectOption({ label: c.setting });
    await page.getByLabel('Legal form').fill(c.legal);
    await page.getByLabel('Country').fill(c.country);
    await page.getByLabel('New attribute name (e.g. Stage)').fill('Stage');
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await page.getByLabel('Value of Stage').fill(c.stage);
  }
  await screenshot(page, 'case-detail');

  for (const person of PEOPLE) {
    await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Participants' }).click();
    await page.getByLabel("New participant's pseudonym").fill(person.name);
    await page.getByRole('button', { name: 'Add participant' }).click();
    await page.getByRole('heading', { level: 2, name: person.name }).waitFor();
    await page.getByLabel('Stakeholder role').selectOption({ label: person.role });
    await page.getByLabel('Case', { exact: true }).selectOption({ label: CASES[person.case].name });
    await page.getByLabel('Date of consent').fill('2017-01-09');
    await page.getByLabel('Interview', { exact: true }).check();
    await page.getByLabel('Being quoted (anonymously)').check();
  }
  await page.getByLabel('Real name').fill('Ceri Jones');
  await page.getByLabel('Contact details').fill('ceri@example.org');
  await screenshot(page, 'participant-detail');
  await waitSaved();
  await assertStudyComplete();
  await screenshot(page, 'participants-list');
  errors.assertNone();
});

test('reload: everything is still there', async () => {
  await page.reload();
  await gotoStudy();
  await assertStudyComplete();
});

test('a pseudonym already in use is refused with a message next to the field, and not saved', async () => {
  await page.getByRole('link', { name: 'Hazel' }).click();
  const field = page.getByLabel('Pseudonym');
  await field.fill('rowan');
  await page.getByRole('alert').filter({ hasText: 'Another participant already has the pseudonym “rowan”.' }).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'validation-message');
  await page.getByLabel('Research notes').click(); // leaving the field puts the saved value back
  assert.equal(await field.inputValue(), 'Hazel');
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Hazel' }).waitFor();
});

test('the browser is killed mid-session: reopening the profile shows everything, including the last words typed', async () => {
  await page.getByLabel('Research notes').fill('Met at the village hall; prefers mornings.');
  // Autosave writes within 250 ms of typing; give it a little more, then pull the plug.
  await page.waitForTimeout(600);
  await killBrowser(context);
  await open(profile);
  await gotoStudy();
  await assertStudyComplete();
  await page.getByRole('link', { name: 'Hazel' }).click();
  assert.equal(await page.getByLabel('Research notes').inputValue(), 'Met at the village hall; prefers mornings.');
});

test('offline: with the network gone the app still loads and shows the data', async () => {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await context.setOffline(true);
  server.setOffline(true);
  try {
    await page.goto(server.url + '/');
    await page.getByRole('heading', { name: 'Your studies' }).waitFor();
    await gotoStudy();
    await assertStudyComplete();
    await screenshot(page, 'offline-participants');
    // Editing offline saves too.
    await page.getByRole('link', { name: 'Alder' }).click();
    await page.getByLabel('Research notes').fill('Typed with no network.');
    await waitSaved();
  } finally {
    await context.setOffline(false);
    server.setOffline(false);
  }
});

test('export the backup from the UI and check the downloaded file', async () => {
  await gotoStudy();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export backup' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^owning-care-four-sites-backup-\d{4}-\d{2}-\d{2}\.json$/);
  backupPath = path.join(tmp, 'backup.json');
  await file.saveAs(backupPath);
  const backup = JSON.parse(await fsp.readFile(backupPath, 'utf8'));
  assert.equal(backup.format, 'fieldkit-backup');
  assert.equal(backup.version, 4);
  assert.equal(backup.study.title, TITLE);
  assert.equal(backup.study.research_questions.length, 2);
  assert.equal(backup.cases.length, 4);
  assert.equal(backup.participants.length, 6);
  assert.equal(backup.includes_identifying_details, false);
  assert.equal(backup.identities, undefined, 'identifying details are not exported by default');
  assert.ok(!JSON.stringify(backup).includes('Ceri Jones'));
  const wales = backup.cases.find((c) => c.name === 'Gofal Cwm Tŷ Gwyn');
  assert.deepEqual(wales.attributes, {
    setting: 'very_rural', legal_form: 'Secondary co-operative', country: 'Wales',
    extra: [{ key: 'Stage', value: 'Trading' }],
  });
  const roles = Object.fromEntries(backup.study.roles.map((r) => [r.id, r.name]));
  const cases = Object.fromEntries(backup.cases.map((c) => [c.id, c.name]));
  for (const person of PEOPLE) {
    const p = backup.participants.find((x) => x.pseudonym === person.name);
    assert.ok(p, person.name);
    assert.equal(roles[p.role_id], person.role);
    assert.equal(cases[p.case_id], CASES[person.case].name);
    assert.deepEqual(p.consent, { date: '2017-01-09', interview: true, audio_recording: false, quotation: true, withdrawn: false });
  }
  assert.equal(backup.participants.find((x) => x.pseudonym === 'Alder').notes, 'Typed with no network.');

  // With the box ticked, identifying details come along.
  await page.getByLabel("Include participants' identifying details (names, contacts)").check();
  const second = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export backup' }).click();
  const withIds = JSON.parse(await fsp.readFile(await (await second).path(), 'utf8'));
  assert.equal(withIds.includes_identifying_details, true);
  assert.deepEqual(withIds.identities.map((i) => [i.real_name, i.contact]), [['Ceri Jones', 'ceri@example.org']]);
});

test('import the backup into a fresh profile: the same study', async () => {
  const first = { context, page };
  const freshProfile = await mkProfile();
  const fresh = await launch({ userDataDir: freshProfile });
  try {
    const p = fresh.pages()[0] || (await fresh.newPage());
    const freshErrors = collectErrors(fresh);
    await p.goto(server.url + '/');
    await p.getByText('No studies yet').waitFor();
    await p.getByLabel('Import a backup (.json)').setInputFiles(backupPath);
    await p.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    await assertStudyComplete(p);

    // The same file again: refused with a message, nothing duplicated.
    await p.goto(server.url + '/');
    await p.getByLabel('Import a backup (.json)').setInputFiles(backupPath);
    await p.getByRole('alert').filter({ hasText: 'already on this device' }).waitFor();
    assert.equal(await p.getByRole('list', { name: 'Studies' }).getByRole('listitem').count(), 1);

    // A damaged file: a clear message, nothing changes.
    const broken = path.join(tmp, 'broken.json');
    await fsp.writeFile(broken, (await fsp.readFile(backupPath, 'utf8')).slice(0, 500));
    await p.getByLabel('Import a backup (.json)').setInputFiles(broken);
    await p.getByRole('alert').filter({ hasText: '“broken.json” was not imported: The file is not valid JSON' }).waitFor();
    const newer = path.join(tmp, 'newer.json');
    await fsp.writeFile(newer, JSON.stringify({ format: 'fieldkit-backup', version: 99 }));
    await p.getByLabel('Import a backup (.json)').setInputFiles(newer);
    await p.getByRole('alert').filter({ hasText: 'made by a newer version of fieldkit' }).waitFor();
    await screenshot(p, 'import-errors');
    assert.equal(await p.getByRole('list', { name: 'Studies' }).getByRole('listitem').count(), 1);

    // Export from the fresh profile: the same content as the original backup.
    await gotoStudy(p);
    const download = p.waitForEvent('download');
    await p.getByRole('button', { name: 'Export backup' }).click();
    const again = JSON.parse(await fsp.readFile(await (await download).path(), 'utf8'));
    const original = JSON.parse(await fsp.readFile(backupPath, 'utf8'));
    delete again.exported_at;
    delete original.exported_at;
    assert.deepEqual(again, original);
    freshErrors.assertNone();
  } finally {
    await fresh.close();
    await rmProfile(freshProfile);
    ({ context, page } = first);
  }
});

test('deleting a case asks first and says which participants go with it', async () => {
  await gotoStudy();
  await casesTable();
  await page.getByRole('link', { name: 'Riverside Home Support' }).click();
  await page.getByRole('button', { name: 'Delete case…' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /This also deletes 2 participants \(Alder, Birch\)/);
  await screenshot(page, 'confirm-delete');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Delete case…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete case' }).click();
  await page.getByRole('list', { name: 'Cases' }).waitFor();
  await page.reload();
  const cases = await casesTable();
  assert.equal(cases.length, 3);
  assert.ok(!cases.some((c) => c.includes('Riverside')));
  const rows = await participantsTable();
  assert.deepEqual(rows.map((r) => r.split('\t')[0]).sort(), ['Ceri', 'Hazel', 'Heather 🌿', 'Rowan']);
});

test('a full disk is reported clearly, and what was saved before stays intact', async () => {
  // Chromium offers no reliable way to shrink the quota from a test (CDP's quota
  // override does not reach IndexedDB here), so the browser's own failure is
  // injected at the API edge: IDBObjectStore.put throws QuotaExceededError, as
  // Chromium does when the disk is full, while the switch is on.
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (globalThis.__diskFull && this.name === 'records') {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.apply(this, args);
    };
  });
  await page.reload();
  await gotoStudy();
  const before = await page.getByLabel('Description').inputValue();
  await page.evaluate(() => { globalThis.__diskFull = true; });
  await page.getByLabel('Description').fill('Written while the disk was full.');
  await page.getByRole('alert').filter({ hasText: 'storage is full' }).waitFor({ timeout: 10_000 });
  await page.locator('.save-state[data-state="failed"]').waitFor();
  await screenshot(page, 'disk-full', { fullPage: false });
  // Nothing was written: the stored study record still holds the last saved description.
  // (Another tab shows that fieldkit is open here, and this one does not hand over
  // while it holds changes it could not save.)
  const other = await context.newPage();
  await other.goto(page.url());
  await other.getByRole('heading', { level: 1, name: 'fieldkit is open in another tab or window' }).waitFor();
  const stored = await other.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('fieldkit');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const get = req.result.transaction('records').objectStore('records').index('kind').getAll('study');
      get.onsuccess = () => { resolve(get.result.map((r) => JSON.parse(r.body).description)); req.result.close(); };
    };
  }));
  assert.ok(stored.includes(before) && !stored.includes('Written while the disk was full.'), JSON.stringify(stored));
  await other.getByRole('button', { name: 'Use fieldkit here' }).click();
  await page.getByRole('alert').filter({ hasText: 'changes it could not save yet' }).waitFor({ timeout: 10_000 });
  await other.close();
  // Space is back: the pending change is retried by itself and saved.
  await page.evaluate(() => { globalThis.__diskFull = false; });
  await waitSaved();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  assert.equal(await page.getByLabel('Description').inputValue(), 'Written while the disk was full.');
  const rows = await participantsTable();
  assert.equal(rows.length, 4);
});

test('the storage screen says whether data is persistent, and how much is used and free', async () => {
  await page.goto(server.url + '/storage');
  await page.getByRole('heading', { name: 'Storage on this device' }).waitFor();
  const used = await page.getByTestId('used').innerText();
  const free = await page.getByTestId('available').innerText();
  assert.match(used, /^\d+(\.\d)? (bytes|KB|MB|GB)$/);
  assert.match(free, /^\d+(\.\d)? (bytes|KB|MB|GB|TB)$/);
  assert.match(await page.getByTestId('persistent').innerText(), /Yes|Not yet|Unknown/);
  await page.getByText('None. Every stored record could be read.').waitFor();
  await screenshot(page, 'storage');
});

test('tablet layout: portrait and landscape, every touch target at least 44 px, labelled fields', async () => {
  for (const [name, viewport] of [['portrait', { width: 768, height: 1024 }], ['landscape', { width: 1024, height: 768 }]]) {
    await page.setViewportSize(viewport);
    for (const [screen, go] of [
      ['studies', async () => { await page.goto(server.url + '/'); await page.getByRole('heading', { name: 'Your studies' }).waitFor(); }],
      ['overview', () => gotoStudy()],
      ['cases', async () => { await gotoStudy(); await casesTable(); }],
      ['case', async () => { await gotoStudy(); await casesTable(); await page.getByRole('link', { name: 'Hillside Community Care' }).click(); await page.getByLabel('Case name').waitFor(); }],
      ['participants', async () => { await gotoStudy(); await participantsTable(); }],
      ['participant', async () => { await gotoStudy(); await participantsTable(); await page.getByRole('link', { name: 'Rowan' }).click(); await page.getByLabel('Pseudonym').waitFor(); }],
    ]) {
      await go();
      await screenshot(page, `${screen}-${name}`);
      const problems = await page.evaluate(() => {
        const out = [];
        for (const el of document.querySelectorAll('button, a, input, select, textarea, summary')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue; // not shown
          // A checkbox is tapped through its row; a hidden file input through its label.
          const target = el.type === 'checkbox' ? el.closest('.check') : el.type === 'file' ? el.closest('label') : el;
          const box = target.getBoundingClientRect();
          if (box.height < 44) out.push(`${el.tagName} "${el.textContent.trim() || el.id}" is ${Math.round(box.height)}px high`);
          if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && el.type !== 'file') {
            const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.getAttribute('aria-label');
            if (!labelled) out.push(`${el.tagName}#${el.id} has no label`);
          }
        }
        if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('the page scrolls sideways');
        return out;
      });
      assert.deepEqual(problems, [], `${screen} ${name}`);
    }
  }
  await page.setViewportSize({ width: 768, height: 1024 });
  errors.assertNone();
});
