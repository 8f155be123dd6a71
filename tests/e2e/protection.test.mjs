// Protection at rest, as a researcher uses it: turning it on, typing notes, a real
// name and participant-mode answers, then searching the browser profile's files for
// them; unlocking, locking when idle, the recovery key, a tampered record, a page
// killed while protection is turned on, encrypted backups through the app and the
// `fieldkit` command, the page's Content-Security-Policy, and two tabs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, launch, mkProfile, rmProfile, screenshot, collectErrors, killBrowser, withDb } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Runs the `fieldkit` command (built by cargo on first use, offline). */
function fieldkit(args, options = {}) {
  return execFileSync('cargo', ['run', '--quiet', '--release', '--offline', '-p', 'fieldkit-cli', '--', ...args], { cwd: ROOT, ...options });
}
const DEMO = 'Co-operative care in rural and urban communities';
const PASS = 'heather on the hill at dawn';
const PIN = '482913';
let server;
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-protection-'));

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** Opens a fresh profile with the demo study; returns { context, page, profile, studyUrl }. */
async function freshDemo() {
  const profile = await mkProfile();
  const context = await launch({ userDataDir: profile });
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  return { context, page, profile, studyUrl: page.url() };
}

/** Turns protection on from the storage screen; returns the recovery key shown. */
async function turnOn(page) {
  await page.goto(server.url + '/storage');
  await page.getByRole('heading', { name: 'Protection with a passphrase' }).waitFor();
  await page.getByLabel('Passphrase', { exact: true }).fill('too short');
  await page.getByLabel('The same passphrase again').fill('too short');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Use at least 10 characters').waitFor();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByLabel('The same passphrase again').fill(PASS);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Tick the box to confirm').waitFor();
  await page.getByLabel(/I understand: without the passphrase or the recovery key/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  const key = await page.getByTestId('recovery-key').innerText();
  assert.match(key, /^([0-9A-HJKMNP-TV-Z]{4}-){12}[0-9A-HJKMNP-TV-Z]{4}$/, key);
  await screenshot(page, 'protection-recovery-key');
  await page.getByRole('button', { name: 'I have written it down: turn protection on' }).click();
  await page.getByText('Protection is on').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Lock now' }).waitFor();
  return key;
}

/** Goes to `url` (a page load), unlocking with the passphrase when the lock screen shows. */
async function go(page, url) {
  await page.goto(url);
  const locked = page.getByRole('heading', { level: 1, name: 'fieldkit is locked' });
  const open = page.locator('main#main :is(h1, h2)').filter({ hasNotText: 'fieldkit is locked' }).first();
  await Promise.race([locked.waitFor(), open.waitFor()]);
  if (await locked.isVisible()) {
    await unlockWith(page, PASS);
    await locked.waitFor({ state: 'detached' });
  }
}

async function unlockWith(page, secret, { recovery = false } = {}) {
  await page.getByRole('heading', { level: 1, name: 'fieldkit is locked' }).waitFor();
  if (recovery) await page.getByRole('button', { name: 'Use the recovery key instead' }).click();
  await page.getByLabel(recovery ? 'Recovery key' : 'Passphrase').fill(secret);
  await page.getByRole('button', { name: 'Unlock' }).click();
}


const allRecords = (db) => new Promise((res) => {
  const live = db.transaction('records').objectStore('records').getAll();
  live.onsuccess = () => {
    const q = db.transaction('quarantine').objectStore('quarantine').getAll();
    q.onsuccess = () => res({ live: live.result, quarantine: q.result });
  };
});

/** Every file under `dir` that holds one of `needles` (as UTF-8 or UTF-16), as "needle in file". */
async function findOnDisk(dir, needles) {
  const found = [];
  const forms = needles.map((n) => [n, Buffer.from(n, 'utf8'), Buffer.from(n, 'utf16le')]);
  async function walk(d) {
    for (const entry of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) {
        const bytes = await fsp.readFile(p).catch(() => null);
        if (!bytes) continue;
        for (const [n, utf8, utf16] of forms) {
          if (bytes.includes(utf8) || bytes.includes(utf16)) found.push(`${n} in ${path.relative(dir, p)}`);
        }
      }
    }
  }
  await walk(dir);
  return found;
}

/** Types a note and a real name for Rowan, and answers the demo survey in participant mode. */
async function typeSecrets(page, studyUrl, secrets) {
  await go(page, studyUrl + '/participants');
  await page.getByRole('link', { name: 'Rowan' }).click();
  await page.getByLabel('Research notes').fill(secrets.note);
  await page.getByLabel('Real name').fill(secrets.name);
  await page.locator('.save-state[data-state="saved"]').waitFor();
  await go(page, studyUrl + '/surveys');
  await page.getByRole('link', { name: 'Stakeholder survey' }).first().click();
  await page.getByLabel('Case', { exact: true }).selectOption({ index: 1 });
  await page.getByLabel('Respondent').selectOption({ label: 'Anonymous respondent' });
  const newPin = page.getByLabel('New PIN');
  if (await newPin.isVisible()) {
    await newPin.fill(PIN);
    await page.getByLabel('The same PIN again').fill(PIN);
  }
  await page.getByRole('button', { name: 'Start participant mode' }).click();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'About you' }).waitFor();
  await page.getByLabel('I receive care or support').check();
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Your experience' }).waitFor();
  await page.getByLabel('What has made the most difference to you, good or bad?').fill(secrets.answer);
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Your experience' }).waitFor({ state: 'detached' });
}

test('nothing typed is readable in the browser profile with protection on; without it, it is', async () => {
  for (const protect of [false, true]) {
    const tag = protect ? 'on' : 'off';
    const secrets = {
      note: `Quillwort margin note ${tag} 4812`,
      name: `Eluned Pryse-Quixley ${tag}`,
      answer: `Zephyr lantern answer ${tag} 7731`,
    };
    const { context, page, profile, studyUrl } = await freshDemo();
    if (protect) await turnOn(page);
    await typeSecrets(page, studyUrl, secrets);
    if (protect) {
      // At rest, in IndexedDB itself: only sealed bodies outside the keyring and the probe.
      const { live, quarantine } = await withDb(page, allRecords);
      const clear = live.filter((r) => !r.body.startsWith('fieldkit-sealed/1:') && !['meta:keyring', 'meta:probe'].includes(r.key));
      assert.deepEqual(clear.map((r) => r.key), [], 'every record is sealed, the participant-mode lock included');
      assert.equal(quarantine.length, 0);
    }
    await context.close();
    const found = await findOnDisk(profile, Object.values(secrets));
    if (protect) {
      assert.deepEqual(found, [], 'none of the typed text is anywhere in the profile');
    } else {
      for (const s of Object.values(secrets)) {
        assert.ok(found.some((f) => f.startsWith(s)), `the search finds "${s}" when unprotected: ${found.join('; ')}`);
      }
    }
    await rmProfile(profile);
  }
});

test('unlock, wrong passphrase, idle lock, the recovery key ends participant mode, a tampered record is set aside', async () => {
  const { context, page, profile, studyUrl } = await freshDemo();
  const errors = collectErrors(context);
  const recovery = await turnOn(page);
  await page.getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: DEMO }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();

  // A reload starts locked: nothing of the study is in the page until unlocked.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'fieldkit is locked' }).waitFor();
  assert.equal(await page.getByText(DEMO).count(), 0, 'the study title is not shown while locked');
  await screenshot(page, 'protection-locked');
  await unlockWith(page, 'heather on the hill at dusk');
  await page.getByText('That passphrase does not unlock this device\'s data.').waitFor();
  await page.getByLabel('Passphrase').fill(PASS);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();

  // Idle: the clock jumps past 15 minutes without a tap; the app locks itself.
  await page.clock.install();
  await page.clock.fastForward('16:00');
  await page.getByRole('heading', { level: 1, name: 'fieldkit is locked' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByText(DEMO).count(), 0, 'the screens are gone after the idle lock');

  // Participant mode, then a reload: the passphrase screen first, then the same survey;
  // the PIN is "forgotten" and the recovery key ends participant mode.
  await unlockWith(page, PASS);
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await go(page, studyUrl + '/surveys');
  await page.getByRole('link', { name: 'Stakeholder survey' }).first().click();
  await page.getByLabel('Case', { exact: true }).selectOption({ index: 1 });
  await page.getByLabel('Respondent').selectOption({ label: 'Anonymous respondent' });
  await page.getByLabel('New PIN').fill(PIN);
  await page.getByLabel('The same PIN again').fill(PIN);
  await page.getByRole('button', { name: 'Start participant mode' }).click();
  await page.getByRole('button', { name: 'English' }).waitFor();
  await page.reload();
  await unlockWith(page, recovery, { recovery: true });
  await page.getByRole('button', { name: 'English' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'still in participant mode');
  await page.getByRole('button', { name: 'Researcher' }).click();
  await page.getByText('Forgot the PIN?').click();
  await page.getByLabel('Passphrase or recovery key').fill('not the key at all');
  await page.getByRole('button', { name: 'Leave participant mode' }).click();
  await page.getByText('does not unlock this device').waitFor();
  await page.getByLabel('Passphrase or recovery key').fill(recovery.toLowerCase().replaceAll('-', ' '));
  await screenshot(page, 'protection-forgot-pin');
  await page.getByRole('button', { name: 'Leave participant mode' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();

  // Tamper with one sealed case record: it is quarantined as stored, the rest opens.
  const tampered = await withDb(page, async (db) => {
    const tx = db.transaction('records', 'readwrite');
    const store = tx.objectStore('records');
    const cases = await new Promise((res) => { const r = store.index('kind').getAll('case'); r.onsuccess = () => res(r.result); });
    const one = cases[0];
    const at = 40;
    const body = one.body.slice(0, at) + (one.body[at] === 'A' ? 'B' : 'A') + one.body.slice(at + 1);
    store.put({ ...one, body });
    await new Promise((res) => { tx.oncomplete = res; });
    return { key: one.key, body, count: cases.length };
  });
  await go(page, studyUrl + '/cases');
  await page.getByRole('alert').filter({ hasText: 'could not be read and was set aside in quarantine' }).waitFor();
  await page.getByRole('list', { name: 'Cases' }).getByRole('listitem').first().waitFor();
  assert.equal(await page.getByRole('list', { name: 'Cases' }).getByRole('listitem').count(), tampered.count - 1);
  const { quarantine } = await withDb(page, allRecords);
  assert.deepEqual(quarantine.map((q) => [q.key, q.body]), [[tampered.key, tampered.body]], 'kept exactly as stored');

  // A new passphrase: the old one stops working at once.
  const NEW = 'a new passphrase for the team';
  await page.getByRole('link', { name: 'Storage' }).click();
  await page.getByLabel('Current passphrase or the recovery key').fill(PASS);
  await page.getByLabel('New passphrase', { exact: true }).fill(NEW);
  await page.getByLabel('The new passphrase again').fill(NEW);
  await page.getByRole('button', { name: 'Change passphrase' }).click();
  await page.getByText('The passphrase is changed').waitFor();
  await page.reload();
  await unlockWith(page, PASS);
  await page.getByText('That passphrase does not unlock').waitFor();
  await page.getByLabel('Passphrase').fill(NEW);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { name: 'Protection with a passphrase' }).waitFor();
  await page.setViewportSize({ width: 1024, height: 768 });
  await screenshot(page, 'protection-on-1024x768');
  await page.setViewportSize({ width: 768, height: 1024 });

  // Turning it off: asked first, then every record is plain again and no passphrase is asked.
  await page.getByLabel('Passphrase or recovery key').fill(NEW);
  await page.getByRole('button', { name: 'Turn protection off…' }).click();
  await page.getByRole('alertdialog', { name: 'Turn protection off?' }).waitFor();
  await page.getByRole('button', { name: 'Turn protection off', exact: true }).click();
  await page.getByText('Protection is off').waitFor({ timeout: 60_000 });
  const plain = await withDb(page, allRecords);
  assert.equal(plain.live.filter((r) => r.body.startsWith('fieldkit-sealed/1:')).length, 0, 'nothing sealed left');
  assert.equal(plain.live.some((r) => r.key === 'meta:keyring'), false, 'the keyring is gone');
  await page.goto(studyUrl);
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  errors.assertNone();
  await context.close();
  await rmProfile(profile);
});

test('a page killed while protection is turned on finishes the job after a restart; every record readable and sealed', async () => {
  const reference = path.join(tmp, 'reference.json');
  fieldkit(['demo', '--size', 'reference', '-o', reference]);
  let profile = await mkProfile();
  let context = await launch({ userDataDir: profile });
  let page = context.pages()[0] || (await context.newPage());
  await page.goto(server.url + '/');
  await page.locator('input[type=file]').setInputFiles(reference);
  await page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Your studies' }).waitFor({ timeout: 120_000 });
  const studyUrl = page.url();
  const before = await withDb(page, (db) => new Promise((res) => {
    const r = db.transaction('records').objectStore('records').count();
    r.onsuccess = () => res(r.result);
  }));
  await page.goto(server.url + '/storage');
  await page.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await page.getByLabel('The same passphrase again').fill(PASS);
  await page.getByLabel(/I understand: without the passphrase or the recovery key/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByTestId('recovery-key').waitFor();
  await page.getByRole('button', { name: 'I have written it down: turn protection on' }).click();
  // Kill the browser once some batches, but not all, are written.
  await page.waitForFunction(() => {
    const m = document.body.innerText.match(/(\d+) of (\d+) records/);
    return m && Number(m[1]) >= 3000 && Number(m[1]) < Number(m[2]);
  }, null, { timeout: 60_000, polling: 20 });
  await screenshot(page, 'protection-rewriting', { fullPage: false });
  await killBrowser(context);

  context = await launch({ userDataDir: profile });
  page = context.pages()[0] || (await context.newPage());
  await page.goto(server.url + '/');
  const midway = await withDb(page, allRecords);
  const sealedMidway = midway.live.filter((r) => r.body.startsWith('fieldkit-sealed/1:')).length;
  assert.ok(sealedMidway > 0 && sealedMidway < midway.live.length - 2, `stopped midway: ${sealedMidway} of ${midway.live.length}`);
  await unlockWith(page, PASS);
  await page.getByRole('heading', { level: 1, name: 'Your studies' }).waitFor({ timeout: 120_000 });
  const after = await withDb(page, allRecords);
  assert.equal(after.live.length, before + 1, 'every record is still there, plus the keyring');
  const clear = after.live.filter((r) => !r.body.startsWith('fieldkit-sealed/1:') && !['meta:keyring', 'meta:probe'].includes(r.key));
  assert.deepEqual(clear.map((r) => r.key), [], 'every record sealed');
  assert.equal(JSON.parse(after.live.find((r) => r.key === 'meta:keyring').body).state, 'on');
  assert.equal(after.quarantine.length, 0, 'nothing lost to quarantine');
  await go(page, studyUrl + '/participants');
  await page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Your studies' }).waitFor();
  await page.locator('.save-state').waitFor();
  await context.close();
  await rmProfile(profile);
});

test('an encrypted backup goes out of the app and into `fieldkit`, and back in; plain exports warn first', async () => {
  const { context, page, profile, studyUrl } = await freshDemo();
  await turnOn(page);
  await go(page, studyUrl);
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  assert.equal(await page.getByLabel('Encrypt the file with a passphrase (AES-256-GCM)').isChecked(), true, 'on by default');
  await page.getByLabel('Passphrase for the file').fill('backup words for the team');
  await page.getByLabel('The same passphrase again').fill('backup words for the team');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export backup' }).click()]);
  assert.match(download.suggestedFilename(), /\.encrypted\.json$/);
  const file = path.join(tmp, download.suggestedFilename());
  await download.saveAs(file);
  const envelope = JSON.parse(await fsp.readFile(file, 'utf8'));
  assert.equal(envelope.format, 'fieldkit-encrypted-backup');
  assert.equal(envelope.kdf.iterations, 600000);
  assert.ok(!(await fsp.readFile(file, 'utf8')).includes('Rowan'), 'nothing readable in the file');
  const passFile = path.join(tmp, 'pass.txt');
  await fsp.writeFile(passFile, 'backup words for the team\n');
  const summary = JSON.parse(fieldkit(['summary', file, '--passphrase-file', passFile]).toString());
  assert.equal(summary.title, DEMO);
  assert.equal(summary.participants, 10);
  await fsp.writeFile(path.join(tmp, 'wrong.txt'), 'other words entirely\n');
  assert.throws(() => fieldkit(['summary', file, '--passphrase-file', path.join(tmp, 'wrong.txt')], { stdio: 'pipe' }),
    (e) => e.status === 1 && /passphrase is wrong/.test(e.stderr.toString()));

  // A plain export says it leaves the protection before anything is saved.
  await page.getByLabel('Encrypt the file with a passphrase (AES-256-GCM)').uncheck();
  await page.getByRole('button', { name: 'Export backup' }).click();
  await page.getByRole('alertdialog', { name: 'This file will not be protected' }).waitFor();
  await screenshot(page, 'protection-plain-export');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await context.close();
  await rmProfile(profile);

  // The CLI writes an encrypted backup; the app (on another tablet) imports it with its passphrase.
  const cliFile = path.join(tmp, 'from-cli.encrypted.json');
  const plain = path.join(tmp, 'plain.json');
  fieldkit(['demo', '-o', plain]);
  fieldkit(['export', 'backup-encrypted', plain, '-o', cliFile, '--passphrase-file', passFile]);
  const other = await mkProfile();
  const tablet = await launch({ userDataDir: other });
  const page2 = tablet.pages()[0] || (await tablet.newPage());
  await page2.goto(server.url + '/');
  await page2.locator('input[type=file]').setInputFiles(cliFile);
  await page2.getByLabel('Passphrase of the backup').fill('not it at all');
  await page2.getByRole('button', { name: 'Open the backup' }).click();
  await page2.getByText('The passphrase is wrong').waitFor();
  await page2.getByLabel('Passphrase of the backup').fill('backup words for the team');
  await page2.getByRole('button', { name: 'Open the backup' }).click();
  await page2.getByRole('heading', { level: 1, name: DEMO }).waitFor({ timeout: 30_000 });
  await tablet.close();
  await rmProfile(other);
});

test('the Content-Security-Policy stops an injected inline script, and the app works with it', async () => {
  const { context, page, profile } = await freshDemo();
  assert.equal(await page.locator('script:not([src]):not([type="application/json"])').count(), 0, 'no inline script in the page');
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  const ran = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve({ ran: window.__injected === true, blocked: e.violatedDirective }), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.head.appendChild(s);
    setTimeout(() => resolve({ ran: window.__injected === true, blocked: null }), 2000);
  }));
  assert.equal(ran.ran, false, 'the injected script did not run');
  assert.match(ran.blocked ?? '', /script-src/);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const part of ["script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "connect-src 'self'"]) {
    assert.ok(policy.includes(part), `${part} in ${policy}`);
  }
  await context.close();
  await rmProfile(profile);
});

test('two tabs: one edits at a time, and handing over loses nothing', async () => {
  const { context, page, profile, studyUrl } = await freshDemo();
  await page.goto(studyUrl + '/participants');
  await page.getByRole('link', { name: 'Rowan' }).click();
  const rowan = page.url();
  await page.getByLabel('Research notes').fill('Typed in the first tab');
  // The second tab opens at once, before the first tab's autosave is due.
  const second = await context.newPage();
  await second.goto(rowan);
  await second.getByRole('heading', { level: 1, name: 'fieldkit is open in another tab or window' }).waitFor();
  await screenshot(second, 'two-tabs');
  await second.getByRole('button', { name: 'Use fieldkit here' }).click();
  await page.getByRole('heading', { level: 1, name: 'fieldkit is open in another tab or window' }).waitFor();
  const notes = second.getByLabel('Research notes');
  await notes.waitFor();
  assert.equal(await notes.inputValue(), 'Typed in the first tab', 'the first tab wrote out its edit before letting go');
  await notes.fill('Typed in the first tab, then the second');
  await second.locator('.save-state[data-state="saved"]').waitFor();
  // Another object in the first tab after taking it back.
  await page.getByRole('button', { name: 'Use fieldkit here' }).click();
  await second.getByRole('heading', { level: 1, name: 'fieldkit is open in another tab or window' }).waitFor();
  await page.goto(studyUrl);
  await page.getByLabel('Description').fill('Description from the first tab');
  await page.locator('.save-state[data-state="saved"]').waitFor();
  await second.close();
  await page.goto(rowan);
  assert.equal(await page.getByLabel('Research notes').inputValue(), 'Typed in the first tab, then the second');
  await page.goto(studyUrl);
  assert.equal(await page.getByLabel('Description').inputValue(), 'Description from the first tab');
  await context.close();
  await rmProfile(profile);
});
