// Team sync through a CouchDB-compatible server (pouchdb-server on 127.0.0.1):
// tablet A publishes the demo study, tablet B joins it, and edits made on either
// tablet reach the other while both are open; the server holds one readable
// document per record, and none of the participants' identifying details.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startCouch, openTablet, rmProfile, screenshot } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const DB = 'coop-care';
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
const tablet = () => openTablet(profiles, contexts, { ignore: [expected] });

const saved = (page) => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
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
    databases: { [DB]: ['ann', 'bob'] },
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
  await b.page.locator('.sync-status').filter({ hasText: /^Synced|changes waiting/ }).waitFor({ timeout: 30_000 });
  await b.page.setViewportSize({ width: 1024, height: 768 });
  await screenshot(b.page, 'sync-joined-1024');
  a.errors.assertNone();
  b.errors.assertNone();
});

test('offline on both tablets, the same field edited on each: both sync when back, and both show the same conflict', async () => {
  const studyPath = new URL(b.page.url()).pathname.replace(/\/sync$/, '');
  for (const t of [a, b]) {
    await t.page.setViewportSize({ width: 768, height: 1024 });
    await t.page.goto(server.url + studyPath);
    await t.page.getByLabel('Description').waitFor();
  }
  // Both go offline (the browser's network is cut) and change the same description.
  for (const [t, text] of [[a, 'Changed on A while offline.'], [b, 'Changed on B while offline.']]) {
    await t.page.context().setOffline(true);
    await t.page.getByLabel('Description').fill(text);
    await saved(t.page);
  }
  for (const t of [a, b]) {
    await t.page.getByRole('link', { name: 'Team sync…' }).click();
    await t.page.locator('.sync-status').filter({ hasText: /Offline since|changes waiting|Synced/ }).waitFor({ timeout: 30_000 });
  }
  assert.equal(
    (await couch.admin('GET', `/${DB}/study:${studyPath.split('/').pop()}`)).body.body.description,
    'Written on tablet A, for the team.',
    'nothing reached the server while offline',
  );
  // Back online: each sends its version; the server keeps both, as a conflict.
  for (const t of [a, b]) {
    await t.page.context().setOffline(false);
    await t.page.getByRole('button', { name: 'Sync now' }).click();
  }
  for (const t of [a, b]) {
    await t.page.locator('.sync-status').filter({ hasText: /1 in conflict/ }).waitFor({ timeout: 45_000 });
    await t.page.getByText("the study's title, description or questions").waitFor();
  }
  await screenshot(a.page, 'sync-conflict');
  const doc = (await couch.admin('GET', `/${DB}/study:${studyPath.split('/').pop()}?conflicts=true`)).body;
  assert.equal(doc._conflicts?.length, 1, 'one losing version kept on the server');
  const losing = (await couch.admin('GET', `/${DB}/study:${studyPath.split('/').pop()}?rev=${doc._conflicts[0]}`)).body;
  assert.deepEqual([doc.body.description, losing.body.description].sort(), ['Changed on A while offline.', 'Changed on B while offline.']);
  // Both tablets show the same (winning) version.
  for (const t of [a, b]) {
    await section(t.page, 'Overview');
    await t.page.waitForFunction((text) => document.querySelector('textarea')?.value === text, doc.body.description, { timeout: 30_000 });
  }
  a.errors.assertNone();
  b.errors.assertNone();
});
