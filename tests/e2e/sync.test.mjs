// Team sync through a CouchDB-compatible server (pouchdb-server on 127.0.0.1):
// tablet A publishes the demo study, tablet B joins it, and edits made on either
// tablet reach the other while both are open; the server holds one readable
// document per record, and none of the participants' identifying details.

import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startCouch, openTablet, rmProfile, screenshot, selectWords, applyCodesTo, withDb, killBrowser, launch, collectErrors } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const DB = 'coop-care';
const SEALED_DB = 'coop-care-protected';
const TEAM_PASSPHRASE = 'correct horse battery staple 7';
let server;
let couch;
let a;
let b;
const profiles = [];
const contexts = [];

// PouchDB asks for its checkpoint before there is one (a 404 it expects), the
// refused sign-ins answer 401 and 403, and offline requests fail: the browser
// logs each failed request.
const expected = /Failed to load resource: (the server responded with a status of (401|403|404)|net::ERR_INTERNET_DISCONNECTED)/;
// Each tablet traces its sync decisions (see `trace` in src/sync.rs); a failing test
// prints the end of every tablet's trace, so a failure on CI says what happened.
const traces = [];
async function traced(context, name) {
  const lines = [];
  traces.push({ name, lines });
  await context.addInitScript(() => localStorage.setItem('fieldkit.sync-trace', '1'));
  context.on('console', (m) => {
    if (m.text().startsWith('sync: ')) lines.push(`${new Date().toISOString().slice(11, 23)} ${m.text().slice(6)}`);
  });
}
const tablet = async () => {
  const t = await openTablet(profiles, contexts, { ignore: [expected] });
  await traced(t.page.context(), `tablet ${traces.length + 1}`);
  return t;
};
const test = (name, fn) =>
  nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      for (const { name: who, lines } of traces) {
        console.log(`--- sync trace of ${who} (last ${Math.min(lines.length, 60)} of ${lines.length}) ---\n${lines.slice(-60).join('\n')}`);
      }
      throw e;
    }
  });

const saved = (page) => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const byKind = (list) => list.reduce((m, d) => ({ ...m, [d.kind]: (m[d.kind] || 0) + 1 }), {});
const travelling = (records) => records.filter((r) => r.kind !== 'identity' && r.kind !== 'coding_history');
const records = (db) => new Promise((res) => {
  const all = db.transaction('records').objectStore('records').getAll();
  all.onsuccess = () => res(all.result.map((r) => ({ kind: r.kind, study: r.study, body: r.body })));
});
/** Waits for the sync status line to match `pattern`; a timeout says what it showed. */
async function statusShows(page, pattern, timeout = 30_000) {
  const line = page.locator('.sync-status');
  try {
    await line.filter({ hasText: pattern }).waitFor({ timeout });
  } catch (e) {
    const now = await line.innerText({ timeout: 1000 }).catch(() => '(no status line)');
    const problems = (await page.locator('.field-error').allInnerTexts().catch(() => [])).filter((t) => t.trim());
    throw new Error(`the sync status did not show ${pattern} within ${timeout} ms; it shows: ${now}${problems.length ? `; the page says: ${problems.join(' / ')}` : ''}`);
  }
}
const records_ = (db) => new Promise((res) => {
  const all = db.transaction('records').objectStore('records').getAll();
  all.onsuccess = () => res(all.result.map((r) => ({ key: r.key, body: r.body })));
});
/** A page load on a protected tablet: unlocks it with the team's passphrase. */
async function goUnlocked(page, url) {
  await page.goto(url);
  const locked = page.getByRole('heading', { level: 1, name: 'fieldkit is locked' });
  await locked.waitFor();
  await page.getByLabel('Passphrase').fill(TEAM_PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await locked.waitFor({ state: 'detached' });
}
const section = (page, name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name }).click();

async function signIn(page, { user = 'ann', password = 'ann-password-1' } = {}) {
  await page.getByLabel('Server address').fill(couch.url);
  await page.getByLabel("The study's database").fill(DB);
  await page.getByLabel('Your user name on the server').fill(user);
  await page.getByLabel(/^Your password/).fill(password);
}

before(async () => {
  server = await startServer();
  couch = await startCouch({
    origin: server.url,
    users: { ann: 'ann-password-1', bob: 'bob-password-1', eve: 'eve-password-1' },
    databases: { [DB]: ['ann', 'bob'], [SEALED_DB]: ['ann', 'bob'] },
    // On disk, so the server can be stopped and started again with what it held.
    persist: true,
  });
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await server?.close();
  await couch?.close();
  for (const p of profiles) await rmProfile(p);
});

test('A publishes, B joins, and each tablet sees the other one\'s edits', async () => {
  a = await tablet();
  await a.page.goto(server.url + '/');
  await a.page.getByRole('button', { name: 'Open the demo study' }).click();
  await a.page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await a.page.getByRole('link', { name: 'Team sync…' }).click();

  // Someone who is not a member is refused, and nothing is published.
  await signIn(a.page, { user: 'eve', password: 'eve-password-1' });
  await a.page.getByRole('button', { name: 'Publish this study to the server' }).click();
  await a.page.getByText('Your account is not a member of the team').waitFor();
  await signIn(a.page, { user: 'ann', password: 'wrong password' });
  await a.page.getByRole('button', { name: 'Publish this study to the server' }).click();
  await a.page.getByText('The server refused this user name or password.').waitFor();
  assert.equal((await couch.admin('GET', `/${DB}`)).body.doc_count, 0);

  await signIn(a.page);
  await a.page.getByRole('button', { name: 'Publish this study to the server' }).click();
  const status = a.page.locator('.sync-status');
  await status.filter({ hasText: /^Synced/ }).waitFor({ timeout: 30_000 });
  await screenshot(a.page, 'sync-published');

  // The server holds a readable document per record, and no identifying details.
  const all = (await couch.admin('GET', `/${DB}/_all_docs?include_docs=true`)).body;
  const docs = all.rows.map((r) => r.doc);
  assert.ok(docs.length > 50, `documents on the server: ${docs.length}`);
  assert.ok(docs.every((d) => d.fieldkit === 1 && d.kind && d.study));
  assert.ok(!docs.some((d) => d.kind === 'identity' || d.kind === 'coding_history'));
  const study = docs.find((d) => d.kind === 'study');
  assert.equal(study.body.title, DEMO);

  // B joins on a fresh profile.
  b = await tablet();
  await b.page.goto(server.url + '/');
  await b.page.getByRole('link', { name: 'Join a team study…' }).click();
  await signIn(b.page, { user: 'bob', password: 'bob-password-1' });
  await b.page.getByRole('button', { name: 'Join the study' }).click();
  await b.page.getByRole('heading', { level: 1, name: DEMO }).waitFor({ timeout: 30_000 });
  await section(b.page, 'Cases');
  const casesOn = async (page) => {
    const list = page.getByRole('list', { name: 'Cases' });
    await list.waitFor();
    return (await list.locator('.card-title').allInnerTexts()).sort();
  };
  await section(a.page, 'Cases');
  const cases = await casesOn(a.page);
  assert.equal(cases.length, 4);
  assert.deepEqual(await casesOn(b.page), cases, 'the same cases on both tablets');

  // A changes the description; B, with the study open, sees it.
  await section(a.page, 'Overview');
  await section(b.page, 'Overview');
  await a.page.getByLabel('Description').fill('Written on tablet A, for the team.');
  await saved(a.page);
  await b.page.waitForFunction(
    () => [...document.querySelectorAll('textarea, input')].some((e) => e.value === 'Written on tablet A, for the team.'),
    null,
    { timeout: 30_000 },
  );

  // B adds a code; A sees it in its codebook.
  await section(b.page, 'Coding');
  await b.page.getByLabel('New code or theme').fill('Raised on tablet B');
  await b.page.getByRole('button', { name: 'Add code' }).click();
  await saved(b.page);
  await section(a.page, 'Coding');
  await a.page.getByText('Raised on tablet B').first().waitFor({ timeout: 30_000 });

  // The server has both edits.
  const after = (await couch.admin('GET', `/${DB}/_all_docs?include_docs=true`)).body.rows.map((r) => r.doc);
  assert.equal(after.find((d) => d.kind === 'study').body.description, 'Written on tablet A, for the team.');
  assert.ok(after.some((d) => d.kind === 'code' && d.body.name === 'Raised on tablet B'));

  await b.page.goto(`${server.url}${new URL(b.page.url()).pathname.replace(/\/coding$/, '')}/sync`);
  await statusShows(b.page, /^Synced|changes waiting/, 30_000);
  await b.page.setViewportSize({ width: 1024, height: 768 });
  await screenshot(b.page, 'sync-joined-1024');
  a.errors.assertNone();
  b.errors.assertNone();
});

test('both tablets offline: the same field, a delete against an edit, different objects, the same words coded by two coders; back online every edit is present or a visible conflict, and settling on A reaches B', async () => {
  const studyPath = new URL(b.page.url()).pathname.replace(/\/sync$/, '');
  const studyId = studyPath.split('/').pop();
  const WORDS = 'the minibus only comes on a Tuesday';
  const TEXT = `Notes from the site visit: ${WORDS}, so most people book lifts with neighbours.`;
  for (const t of [a, b]) await t.page.setViewportSize({ width: 768, height: 1024 });

  // Online, A adds a document to code; B receives it, so both can code the same words offline.
  await a.page.goto(server.url + studyPath);
  await section(a.page, 'Cases');
  await a.page.getByRole('list', { name: 'Cases' }).getByRole('link').first().click();
  await a.page.getByLabel('New document title (report, minutes, web page…)').fill('Site visit notes');
  await a.page.getByRole('button', { name: 'Add document' }).click();
  await a.page.getByRole('heading', { level: 2, name: 'Site visit notes' }).waitFor();
  await a.page.getByLabel('Text', { exact: true }).fill(TEXT);
  await saved(a.page);
  const openDocument = async (t, coder) => {
    await t.page.goto(server.url + studyPath + '/coding');
    await t.page.getByLabel('Your name as coder').fill(coder);
    await t.page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Document' });
    await t.page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /Site visit notes/ }).click({ timeout: 30_000 });
    await t.page.locator('.source-text', { hasText: WORDS }).waitFor({ timeout: 30_000 });
  };
  await openDocument(b, 'Coder B');
  await openDocument(a, 'Coder A');

  // Both go offline (the browser's network is cut).
  for (const t of [a, b]) await t.page.context().setOffline(true);
  // The same words coded on each tablet, by its own coder.
  for (const t of [a, b]) {
    await selectWords(t.page, WORDS);
    await applyCodesTo(t.page, 'Relationships and trust');
    await t.page.locator('mark.hl', { hasText: WORDS }).first().waitFor();
    await saved(t.page);
  }
  // A new code on each (different objects).
  for (const [t, name] of [[a, 'Added on A offline'], [b, 'Added on B offline']]) {
    await t.page.goto(server.url + studyPath + '/coding');
    await t.page.getByLabel('New code or theme').fill(name);
    await t.page.getByRole('button', { name: 'Add code' }).click();
    await t.page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name, exact: true }).waitFor();
    await saved(t.page);
  }
  // A deletes the code B raised; B renames it.
  const openCode = async (t, name) => {
    await t.page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name, exact: true }).click();
    await t.page.getByRole('heading', { level: 2, name }).waitFor();
  };
  await openCode(a, 'Raised on tablet B');
  await a.page.getByRole('button', { name: 'Delete code…' }).click();
  await a.page.getByRole('alertdialog').getByRole('button', { name: 'Delete code' }).click();
  await a.page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Raised on tablet B', exact: true }).waitFor({ state: 'detached' });
  await saved(a.page);
  await openCode(b, 'Raised on tablet B');
  await b.page.getByLabel('Name', { exact: true }).fill('Raised on B, renamed');
  await saved(b.page);
  // The same description changed on each.
  for (const [t, text] of [[a, 'Changed on A while offline.'], [b, 'Changed on B while offline.']]) {
    await t.page.goto(server.url + studyPath);
    await t.page.getByLabel('Description').fill(text);
    await saved(t.page);
  }
  const studyDoc = async (query = '') => (await couch.admin('GET', `/${DB}/study:${studyId}${query}`)).body;
  assert.equal((await studyDoc()).body.description, 'Written on tablet A, for the team.', 'nothing reached the server while offline');

  // Back online: both sync.
  for (const t of [a, b]) {
    await t.page.context().setOffline(false);
    await t.page.getByRole('link', { name: 'Team sync…' }).click();
    await t.page.getByRole('button', { name: 'Sync now' }).click();
  }
  for (const t of [a, b]) {
    await statusShows(t.page, /2 in conflict/, 45_000);
    await t.page.getByText("the study's title, description or questions").waitFor();
  }
  await screenshot(a.page, 'sync-conflicts');

  // Every edit is on the server: both new codes, the renamed code (the deletion
  // kept beside it), both codings with their coders, both descriptions.
  const docs = async () => (await couch.admin('GET', `/${DB}/_all_docs?include_docs=true`)).body.rows.map((r) => r.doc);
  let onServer = await docs();
  const codeNamed = (name) => onServer.find((d) => d.kind === 'code' && d.body.name === name);
  assert.ok(codeNamed('Added on A offline') && codeNamed('Added on B offline'));
  const renamed = codeNamed('Raised on B, renamed');
  assert.ok(renamed, 'the edit won over the deletion, and is kept');
  const leaves = (await couch.admin('GET', `/${DB}/${encodeURIComponent(renamed._id)}?open_revs=all`)).body;
  assert.ok(leaves.some((l) => l.ok?._deleted), 'the deletion is kept too, as a conflicting version');
  const coded = onServer.filter((d) => d.kind === 'segment' && d.body.text === WORDS);
  assert.deepEqual(coded.flatMap((d) => d.body.codings.map((c) => c.coder)).sort(), ['Coder A', 'Coder B']);
  const doc = await studyDoc('?conflicts=true');
  assert.equal(doc._conflicts?.length, 1, 'one losing version kept on the server');
  const losing = await studyDoc(`?rev=${doc._conflicts[0]}`);
  assert.deepEqual([doc.body.description, losing.body.description].sort(), ['Changed on A while offline.', 'Changed on B while offline.']);

  // A settles: the other description, and the code kept as renamed.
  await a.page.getByRole('button', { name: 'Settle the conflicts…' }).click();
  const settle = a.page.getByRole('region', { name: 'Conflicts to settle' });
  const versions = settle.getByRole('table', { name: /The two versions of/ });
  await settle.waitFor();
  await versions.waitFor({ timeout: 5000 }).catch(async (e) => {
    throw new Error(`no versions table; the settle view shows: ${await settle.innerText()} / notices: ${await a.page.locator('.notices, [role=alert]').allInnerTexts()}`);
  });
  assert.match(await versions.innerText(), /description/);
  assert.match(await versions.innerText(), /Changed on A while offline\./);
  assert.match(await versions.innerText(), /Changed on B while offline\./);
  await settle.getByLabel('Keep the other version').check();
  await settle.getByText('Deleted on one device and changed on another.').waitFor();
  await settle.getByLabel('Keep it, as changed').check();
  await screenshot(a.page, 'sync-settle');
  await settle.getByRole('button', { name: 'Settle' }).click();
  await a.page.getByText(/Settled 2 conflicts/).waitFor();

  // Both tablets and the server agree, and no conflict is left anywhere.
  for (const t of [a, b]) {
    await statusShows(t.page, /^Synced((?!in conflict).)*$/, 45_000);
  }
  assert.equal((await studyDoc('?conflicts=true'))._conflicts, undefined);
  assert.equal((await studyDoc()).body.description, losing.body.description);
  for (const t of [a, b]) {
    await section(t.page, 'Overview');
    await t.page.waitForFunction((text) => document.querySelector('textarea')?.value === text, losing.body.description, { timeout: 30_000 });
  }
  onServer = await docs();
  const serverCounts = byKind(onServer);
  for (const t of [a, b]) {
    // The tablet's last saves may still be on their way to its store: wait for them.
    await saved(t.page);
    const mine = travelling((await withDb(t.page, records)).filter((r) => r.study === studyId));
    assert.deepEqual(byKind(mine), serverCounts, 'the same objects on the tablet and on the server');
  }
  assert.equal(onServer.filter((d) => d.kind === 'segment' && d.body.text === WORDS).length, 2, 'both codings, each with its coder');
  a.errors.assertNone();
  b.errors.assertNone();
});

test('a researcher removed from the team is told at the next sync and keeps a read-only copy; an anonymous request is refused', async () => {
  const studyPath = new URL(b.page.url()).pathname.replace(/\/$/, '');
  const studyId = studyPath.split('/')[2];
  // Without an account the server gives nothing.
  const anonymous = await fetch(`${couch.url}/${DB}/_all_docs`);
  assert.equal(anonymous.status, 401);

  await couch.admin('PUT', `/${DB}/_security`, { admins: { names: [], roles: [] }, members: { names: ['ann'], roles: [] } });
  await b.page.goto(`${server.url}/study/${studyId}/sync`);
  await b.page.getByRole('button', { name: 'Sync now' }).click();
  await statusShows(b.page, 'no longer a member', 30_000);
  await b.page.locator('.read-only').filter({ hasText: 'read-only' }).waitFor();
  await screenshot(b.page, 'sync-removed');

  // B's copy is whole, and refuses edits with the same message.
  await section(b.page, 'Overview');
  const description = await b.page.getByLabel('Description').inputValue();
  await b.page.getByLabel('Description').fill('Typed after being removed.');
  await b.page.getByText(/no longer a member/).first().waitFor();
  await b.page.reload();
  await b.page.locator('.read-only').waitFor({ timeout: 30_000 });
  assert.equal(await b.page.getByLabel('Description').inputValue(), description, 'the refused edit was not saved');
  // Exporting still works.
  const download = b.page.waitForEvent('download');
  await b.page.getByRole('button', { name: /Export backup/ }).first().click();
  const file = await download;
  assert.match(file.suggestedFilename(), /\.json$/);

  // Stopping sync makes the copy B's own again.
  await b.page.getByRole('link', { name: 'Team sync…' }).click();
  await b.page.getByRole('button', { name: 'Stop syncing on this tablet…' }).click();
  await b.page.getByRole('alertdialog').getByRole('button', { name: 'Stop syncing' }).click();
  await b.page.locator('.read-only').waitFor({ state: 'detached' });
  await couch.admin('PUT', `/${DB}/_security`, { admins: { names: [], roles: [] }, members: { names: ['ann', 'bob'], roles: [] } });
  b.errors.assertNone();
});

test('the server stops while a tablet has changes waiting, and the tablet is killed: after a restart it resumes, nothing lost or doubled', async () => {
  const studyId = new URL(b.page.url()).pathname.split('/')[2];
  const studyUrl = `${server.url}/study/${studyId}`;
  await a.page.goto(studyUrl + '/sync');
  await statusShows(a.page, /^Synced/, 30_000);
  await couch.stop();
  await section(a.page, 'Overview');
  await a.page.getByLabel('Description').fill('Typed while the server was down.');
  await saved(a.page);
  await a.page.getByRole('link', { name: 'Team sync…' }).click();
  await a.page.getByRole('button', { name: 'Sync now' }).click();
  await statusShows(a.page, /Offline since .* changes are kept/, 30_000);
  await screenshot(a.page, 'sync-server-down');

  // The tablet dies before the server is back.
  await killBrowser(a.page.context());
  const context = await launch({ userDataDir: profiles[0] });
  contexts.push(context);
  await traced(context, 'tablet 1, restarted');
  a = { page: context.pages()[0] || (await context.newPage()), errors: collectErrors(context, { ignore: [expected, /ERR_CONNECTION_REFUSED/] }) };
  await a.page.goto(studyUrl + '/sync');
  await statusShows(a.page, /Offline since|Starting|Syncing/, 30_000);

  await couch.start();
  await a.page.getByRole('button', { name: 'Sync now' }).click();
  // pouchdb-server signs its session cookies with a secret it makes anew at each
  // start, so the tablet is asked to sign in again (CouchDB keeps its secret).
  await statusShows(a.page, /^Synced|sign in again/, 45_000);
  if (/sign in again/.test(await a.page.locator('.sync-status').innerText())) {
    await a.page.getByLabel('Your password', { exact: true }).fill('ann-password-1');
    await a.page.getByRole('button', { name: 'Sign in again' }).click();
  }
  await statusShows(a.page, /^Synced/, 45_000);
  const onServer = (await couch.admin('GET', `/${DB}/_all_docs?include_docs=true`)).body.rows.map((r) => r.doc);
  assert.equal(onServer.find((d) => d.kind === 'study').body.description, 'Typed while the server was down.');
  const mine = travelling((await withDb(a.page, records)).filter((r) => r.study === studyId));
  assert.deepEqual(byKind(mine), byKind(onServer), 'the same objects on the tablet and on the server, none doubled');
  assert.equal(new Set(onServer.map((d) => d._id)).size, onServer.length);
  a.errors.assertNone();
});

test('a protected study travels encrypted: the server holds no name or word typed, and a new tablet opens it with the team passphrase', async () => {
  const c = await tablet();
  // C protects its data with the team's passphrase, then opens the demo study.
  await c.page.goto(server.url + '/storage');
  await c.page.getByRole('heading', { name: 'Protection with a passphrase' }).waitFor();
  await c.page.getByLabel('Passphrase', { exact: true }).fill(TEAM_PASSPHRASE);
  await c.page.getByLabel('The same passphrase again').fill(TEAM_PASSPHRASE);
  await c.page.getByLabel(/I understand: without the passphrase or the recovery key/).check();
  await c.page.getByRole('button', { name: 'Continue' }).click();
  await c.page.getByTestId('recovery-key').waitFor();
  await c.page.getByRole('button', { name: 'I have written it down: turn protection on' }).click();
  await c.page.getByText('Protection is on').waitFor({ timeout: 60_000 });
  await goUnlocked(c.page, server.url + '/');
  await c.page.getByRole('button', { name: 'Open the demo study' }).click();
  await c.page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  const studyUrl = c.page.url().replace(/\/$/, '');
  await c.page.getByLabel('Description').fill('Only the team may read this sentence.');
  await saved(c.page);
  await section(c.page, 'Cases');
  await c.page.getByRole('list', { name: 'Cases' }).locator('.card-title').nth(3).waitFor();
  const cases = await c.page.getByRole('list', { name: 'Cases' }).locator('.card-title').allInnerTexts();
  // Pseudonyms of the demo's participants.
  const pseudonyms = ['Rowan', 'Hazel', 'Juniper', 'Heather'];
  await goUnlocked(c.page, studyUrl + '/sync');
  await c.page.getByLabel('Server address').fill(couch.url);
  await c.page.getByLabel("The study's database").fill(SEALED_DB);
  await c.page.getByLabel('Your user name on the server').fill('ann');
  await c.page.getByLabel(/^Your password/).fill('ann-password-1');
  await c.page.getByRole('button', { name: 'Publish this study to the server' }).click();
  await statusShows(c.page, /^Synced/, 45_000);

  // Read with plain HTTP, the server has ids, kinds and sealed bodies only.
  const raw = await (await fetch(`${couch.url}/${SEALED_DB}/_all_docs?include_docs=true`, { headers: { Authorization: 'Basic ' + Buffer.from('admin:admin-secret-1').toString('base64') } })).text();
  const docs = JSON.parse(raw).rows.map((r) => r.doc);
  const records = docs.filter((d) => d._id !== 'fieldkit-keyring');
  assert.ok(records.length > 50, `documents: ${records.length}`);
  const clear = records.filter((d) => !(d.body === undefined && typeof d.sealed === 'string' && d.sealed.startsWith('fieldkit-sealed/1:')));
  assert.deepEqual(clear.map((d) => d._id), [], 'every document sealed');
  const typed = [DEMO, 'Only the team may read this sentence.', ...cases, ...pseudonyms];
  assert.equal(cases.length, 4, `cases: ${cases}`);
  for (const t of typed) assert.ok(!raw.includes(t), `the server holds “${t}” in clear`);
  const key = docs.find((d) => d._id === 'fieldkit-keyring');
  assert.ok(key?.keyring?.by_passphrase, 'the team key travels wrapped');

  // D, a new tablet, joins with the team passphrase and sees everything.
  const d = await tablet();
  await d.page.goto(server.url + '/join');
  await d.page.getByLabel('Server address').fill(couch.url);
  await d.page.getByLabel("The study's database").fill(SEALED_DB);
  await d.page.getByLabel('Your user name on the server').fill('bob');
  await d.page.getByLabel(/^Your password/).fill('bob-password-1');
  await d.page.getByRole('button', { name: 'Join the study' }).click();
  await d.page.getByText("The team's study is encrypted.").waitFor();
  await d.page.getByLabel("The team's passphrase or recovery key").fill('not the passphrase at all');
  await d.page.getByRole('button', { name: 'Join the study' }).click();
  await d.page.getByText("That is not the team's passphrase or recovery key.").waitFor({ timeout: 30_000 });
  await d.page.getByLabel("The team's passphrase or recovery key").fill(TEAM_PASSPHRASE);
  await d.page.getByRole('button', { name: 'Join the study' }).click();
  await d.page.getByRole('heading', { level: 1, name: DEMO }).waitFor({ timeout: 60_000 });
  await d.page.waitForFunction(() => document.querySelector('textarea')?.value === 'Only the team may read this sentence.', null, { timeout: 30_000 });
  await section(d.page, 'Cases');
  await d.page.getByRole('list', { name: 'Cases' }).locator('.card-title').nth(3).waitFor();
  assert.deepEqual((await d.page.getByRole('list', { name: 'Cases' }).locator('.card-title').allInnerTexts()).sort(), [...cases].sort());

  // An edit on D reaches C, and stays sealed on the server.
  await section(d.page, 'Overview');
  await d.page.getByLabel('Description').fill('Edited on the tablet that joined.');
  await saved(d.page);
  await section(c.page, 'Overview');
  await c.page.waitForFunction(() => document.querySelector('textarea')?.value === 'Edited on the tablet that joined.', null, { timeout: 45_000 });
  const after = await (await fetch(`${couch.url}/${SEALED_DB}/_all_docs?include_docs=true`, { headers: { Authorization: 'Basic ' + Buffer.from('admin:admin-secret-1').toString('base64') } })).text();
  assert.ok(!after.includes('Edited on the tablet that joined.'));
  // D's own storage is protected by the team's key too.
  const inClear = (await withDb(d.page, records_)).filter((r) => !(r.key === 'meta:keyring' || r.key.startsWith('meta:probe') || String(r.body).startsWith('fieldkit-sealed/1:')));
  assert.deepEqual(inClear.map((r) => r.key), [], "D's records are all sealed");
  c.errors.assertNone();
  d.errors.assertNone();
});

test('participant mode goes on syncing the answers, and shows nothing of the sync', async () => {
  const studyId = new URL(a.page.url()).pathname.split('/')[2];
  await a.page.goto(`${server.url}/study/${studyId}/surveys`);
  await a.page.getByLabel('Or a blank survey called').fill('Quick check');
  await a.page.getByRole('button', { name: 'Create survey' }).click();
  await a.page.getByRole('heading', { level: 2, name: 'Edit survey' }).waitFor();
  await a.page.getByRole('button', { name: 'Add a page' }).click();
  const first = a.page.getByRole('region', { name: 'Page 1', exact: true });
  await first.getByLabel('Kind of new question').selectOption({ label: 'Short text' });
  await first.getByLabel('New question (English)').fill('What is one thing that helps?');
  await first.getByRole('button', { name: 'Add question' }).click();
  await saved(a.page);
  await a.page.getByRole('link', { name: 'Quick check' }).click();
  await a.page.getByRole('heading', { level: 2, name: 'Quick check' }).waitFor();
  await a.page.getByLabel('Case', { exact: true }).selectOption({ index: 1 });
  await a.page.getByLabel('Respondent').selectOption({ label: 'Anonymous respondent' });
  const newPin = a.page.getByLabel('New PIN');
  if (await newPin.isVisible()) {
    await newPin.fill('482913');
    await a.page.getByLabel('The same PIN again').fill('482913');
  }
  await a.page.getByRole('button', { name: 'Start participant mode' }).click();
  await a.page.getByRole('button', { name: 'English' }).click();
  await a.page.getByLabel('What is one thing that helps?').fill('A neighbour who drives me to the clinic.');
  await a.page.getByRole('button', { name: 'Finish', exact: true }).click();
  await a.page.getByRole('heading', { level: 1, name: 'Thank you for taking part.' }).waitFor();
  assert.doesNotMatch(await a.page.locator('body').innerText(), /sync|server|conflict/i, 'nothing of the sync shows to the participant');

  // The answer reaches the team's server while the tablet stays in participant mode.
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    const docs = (await couch.admin('GET', `/${DB}/_all_docs?include_docs=true`)).body.rows.map((r) => r.doc);
    found = docs.some((d) => d.kind === 'response' && JSON.stringify(d.body).includes('A neighbour who drives me to the clinic.'));
    if (!found) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(found, 'the participant\'s answer is on the server');
  const thanks = a.page.getByRole('heading', { level: 1, name: 'Thank you for taking part.' });
  await thanks.waitFor({ timeout: 5_000 }).catch(async () => {
    throw new Error(`participant mode left its thank-you page; it shows: ${await a.page.locator('body').innerText()} at ${a.page.url()}`);
  });
  a.errors.assertNone();
});
