// No action loses work (issue 11): undo after a merge undoes the merge, undo and redo
// survive a reload, each framework-matrix cell keeps its own text when the view
// changes, a removed focus-group turn comes back from its Undo message, and every
// study section is reachable on a tablet in portrait and landscape.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { startServer, launch, mkProfile, rmProfile, screenshot, collectErrors, selectWords, applyCodesTo, axeViolations } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const WORDS = 'Met the committee';

let server;
let profile;
let context;
let page;
let errors;
let studyUrl;

const saved = () => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const tab = (name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name, exact: true });
const codebook = () => page.getByRole('list', { name: 'Codebook' });

before(async () => {
  server = await startServer();
  profile = await mkProfile();
  context = await launch({ userDataDir: profile, hasTouch: true });
  errors = collectErrors(context);
  page = context.pages()[0] || (await context.newPage());
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  studyUrl = page.url().replace(/\/$/, '');
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
});

test('every study section is reachable at 768×1024 and 1024×768', async () => {
  for (const [width, height] of [[768, 1024], [1024, 768]]) {
    await page.setViewportSize({ width, height });
    await page.goto(studyUrl);
    const links = page.getByRole('navigation', { name: 'Study sections' }).getByRole('link');
    await links.first().waitFor();
    const count = await links.count();
    assert.ok(count >= 7, `${count} tabs`);
    for (let i = 0; i < count; i++) {
      const box = await links.nth(i).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= width, `tab ${i} (${await links.nth(i).innerText()}) is inside ${width} px`);
    }
    await tab('Coding').click();
    await page.getByRole('heading', { level: 2, name: 'Coding' }).waitFor();
    await screenshot(page, `tabs-${width}x${height}`, { fullPage: false });
  }
  await page.setViewportSize({ width: 768, height: 1024 });
});

test('undo after merging codes puts the merged code back, across a reload; redo merges again', async () => {
  await page.goto(studyUrl + '/coding');
  const add = async (name, under) => {
    await page.getByLabel('Under', { exact: true }).selectOption({ label: under });
    await page.getByLabel('New code or theme').fill(name);
    await page.getByRole('button', { name: 'Add code' }).click();
    await codebook().getByRole('link', { name, exact: true }).waitFor();
  };
  await add('Trust checks', '(a new theme)');
  await add('Merged away', 'Trust checks');
  await add('Survivor', 'Trust checks');

  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Site-visit notes' });
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /Site visit, day 1/ }).click();
  await selectWords(page, WORDS);
  await applyCodesTo(page, 'Merged away');
  await page.locator('mark.hl', { hasText: WORDS }).waitFor();
  await saved();

  await page.goto(studyUrl + '/coding');
  await codebook().getByRole('link', { name: 'Merged away', exact: true }).click();
  await page.getByLabel('Merge into').selectOption({ label: '— Survivor' });
  await page.getByRole('button', { name: 'Merge…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Merge' }).click();
  await page.getByRole('heading', { level: 2, name: 'Coding' }).waitFor();
  await page.getByRole('button', { name: 'Undo: merge codes' }).waitFor();
  await saved();

  await page.reload();
  await page.getByRole('button', { name: 'Undo: merge codes' }).click();
  await codebook().getByRole('link', { name: 'Merged away', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Redo: merge codes' }).waitFor();
  await page.getByRole('button', { name: 'Undo: apply codes' }).waitFor();
  await codebook().getByRole('link', { name: 'Merged away', exact: true }).click();
  const segments = page.getByRole('list', { name: 'Segments of this code' }).getByRole('listitem');
  await segments.first().waitFor();
  assert.equal(await segments.count(), 1, 'the segment is coded with the merged code again');
  assert.match(await segments.first().innerText(), new RegExp(WORDS));
  await saved();

  await page.goto(studyUrl + '/coding');
  await page.getByRole('button', { name: 'Redo: merge codes' }).click();
  await page.getByRole('button', { name: 'Undo: merge codes' }).waitFor();
  assert.equal(await codebook().getByRole('link', { name: 'Merged away', exact: true }).count(), 0);

  // Moving a segment onto other words, and splitting a code, are undone in order after a reload.
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Site-visit notes' });
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /Site visit, day 1/ }).click();
  await selectWords(page, 'Rota board on the wall');
  await page.locator('li.segment').first().getByRole('button', { name: 'Set to the selected words' }).click();
  await page.locator('mark.hl', { hasText: 'Rota board on the wall' }).waitFor();
  await saved();
  await page.goto(studyUrl + '/coding');
  await codebook().getByRole('link', { name: 'Survivor', exact: true }).click();
  await page.getByLabel('“Rota board on the wall”').check();
  await page.getByLabel('Split the ticked segments into a new code called').fill('Split off');
  await page.getByRole('button', { name: 'Split', exact: true }).click();
  await page.goto(studyUrl + '/coding');
  await codebook().getByRole('link', { name: 'Split off', exact: true }).waitFor();
  await saved();
  await page.reload();
  await page.getByRole('button', { name: 'Undo: split a code' }).click();
  await page.getByRole('button', { name: 'Undo: move a segment' }).click();
  assert.equal(await codebook().getByRole('link', { name: 'Split off', exact: true }).count(), 0, 'the split is undone');
  await page.getByRole('button', { name: 'Redo: move a segment' }).waitFor();
  await saved();
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Site-visit notes' });
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /Site visit, day 1/ }).click();
  await page.locator('mark.hl', { hasText: WORDS }).waitFor();

  // Deleting a code is undone the same way, after a reload.
  await page.goto(studyUrl + '/coding');
  await codebook().getByRole('link', { name: 'Survivor', exact: true }).click();
  await page.getByRole('button', { name: 'Delete code…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete code' }).click();
  await page.getByRole('heading', { level: 2, name: 'Coding' }).waitFor();
  await saved();
  await page.reload();
  await page.getByRole('button', { name: 'Undo: delete a code' }).click();
  await codebook().getByRole('link', { name: 'Survivor', exact: true }).waitFor();
  await saved();
});

test('each matrix cell keeps its own synopsis when the view switches, and the view is remembered', async () => {
  await page.goto(studyUrl + '/coding/matrix');
  const firstCell = () => page.locator('table.matrix tbody tr').first().locator('textarea').first();
  await firstCell().waitFor();
  const themeText = 'Theme synopsis typed here';
  await firstCell().fill(themeText);
  const themeLabel = await firstCell().getAttribute('id');
  await saved();

  await page.getByLabel('Research questions').check();
  await page.locator('table.matrix thead th').nth(1).waitFor();
  await firstCell().waitFor();
  assert.notEqual(await firstCell().getAttribute('id'), themeLabel, 'a different cell');
  assert.notEqual(await firstCell().inputValue(), themeText, 'no text carried over from the themes view');
  const questionText = 'Question synopsis typed here';
  await firstCell().fill(questionText);
  await saved();

  await page.getByLabel('Themes').check();
  await firstCell().waitFor();
  assert.equal(await firstCell().inputValue(), themeText, 'the theme cell kept its own text');
  await page.getByLabel('Research questions').check();
  await page.reload();
  await firstCell().waitFor();
  assert.equal(await page.getByLabel('Research questions').isChecked(), true, 'the view is remembered');
  assert.equal(await firstCell().inputValue(), questionText);
  await screenshot(page, 'matrix-questions-768', { fullPage: false });
});

test('a removed focus-group turn comes back from the Undo in its message', async () => {
  await page.goto(studyUrl + '/interviews');
  const row = page.getByRole('table', { name: 'Interviews' }).getByRole('row').filter({ hasText: 'Focus group' });
  await row.getByRole('link', { name: /Ceri, Dylan/ }).first().click();
  const turn = page.getByLabel('Dylan said').first();
  await turn.waitFor();
  const text = await turn.inputValue();
  assert.ok(text.length > 10);
  const turns = await page.getByRole('button', { name: 'Remove turn' }).count();
  await page.locator('li.turn', { has: turn }).getByRole('button', { name: 'Remove turn' }).click();
  await page.getByRole('status').filter({ hasText: "Dylan's turn removed." }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Remove turn' }).count(), turns - 1);
  await page.getByRole('status').filter({ hasText: "Dylan's turn removed." }).getByRole('button', { name: 'Undo' }).click();
  await page.getByLabel('Dylan said').first().waitFor();
  assert.equal(await page.getByLabel('Dylan said').first().inputValue(), text);
  await saved();
  await page.reload();
  await page.getByLabel('Dylan said').first().waitFor();
  assert.equal(await page.getByLabel('Dylan said').first().inputValue(), text, 'the restored turn was saved');
  assert.equal(await page.getByRole('button', { name: 'Remove turn' }).count(), turns);
});

test('a focus group is coded as one text: a selection over two turns becomes one segment per speaker', async () => {
  await page.goto(studyUrl + '/coding');
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /^Focus group with Ceri, Dylan/ }).click();
  const text = page.locator('.source-text');
  await text.waitFor();
  assert.match(await text.innerText(), /Ceri: Sharing the paperwork/);
  assert.equal(await page.locator('.source-text .composed-heading').first().isVisible(), true, 'section headings are shown');
  const before = await page.locator('li.segment').count();
  await selectWords(page, 'not forms.\nDylan: From the support side');
  await applyCodesTo(page, 'Shared back office');
  await page.getByRole('status').filter({ hasText: 'each part is coded as its own segment' }).waitFor();
  await page.locator('li.segment').nth(before + 1).waitFor();
  assert.equal(await page.locator('li.segment').count(), before + 2);
  await saved();

  const [file] = await Promise.all([page.waitForEvent('download'), page.goto(studyUrl + '/coding').then(() => page.getByRole('button', { name: 'Coded segments (CSV)' }).click())]);
  const csv = parse(await fsp.readFile(await file.path()), { columns: true, strict: true });
  const mine = csv.filter((r) => r.code === 'Shared back office' && r.source_kind === 'speaker_turn');
  const texts = mine.map((r) => r.text);
  assert.ok(texts.includes('not forms.'), `${texts}`);
  assert.ok(texts.includes('From the support side'), `${texts}`);
  assert.deepEqual(mine.filter((r) => ['not forms.', 'From the support side'].includes(r.text)).map((r) => r.participant).sort(), ['Ceri', 'Dylan']);
});

test('open survey answers to one question are listed and coded as one text, each under its respondent', async () => {
  await page.goto(studyUrl + '/coding');
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Survey answer' });
  const rows = page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /: answers to “/ });
  await rows.first().waitFor();
  const titles = await rows.allInnerTexts();
  assert.equal(new Set(titles).size, titles.length, `one line per question: ${titles}`);
  await rows.first().click();
  const text = page.locator('.source-text');
  await text.waitFor();
  assert.ok((await page.locator('.source-text .composed-speaker').count()) >= 1, 'each answer is under its respondent');
  await page.getByRole('navigation', { name: 'Other sources' }).getByRole('link').first().waitFor();
});

test('several participants are added from a case page at once; a refused line adds nobody; the draft survives a reload', async () => {
  await page.goto(studyUrl + '/cases');
  await page.getByRole('main').getByRole('link', { name: 'Gofal Cwm Tŷ Gwyn' }).click();
  const table = page.getByRole('table', { name: 'New participants' });
  await table.waitFor();
  await table.getByLabel('Pseudonym, line 1').fill('Eira');
  await table.getByLabel('Role, line 1').selectOption({ label: 'Volunteer' });
  await table.getByLabel('Interview consent, line 1').check();
  await table.getByLabel('Pseudonym, line 2').fill('ceri');
  await page.getByRole('button', { name: 'Add these participants' }).click();
  await page.getByRole('alert').filter({ hasText: 'Line 2:' }).waitFor();
  const people = page.locator('section', { has: page.getByRole('heading', { name: 'Participants at this case' }) });
  assert.equal(await people.getByRole('link', { name: 'Eira' }).count(), 0, 'nobody was added');
  await table.getByLabel('Pseudonym, line 2').fill('Ffion');
  await page.reload();
  await table.waitFor();
  assert.equal(await table.getByLabel('Pseudonym, line 1').inputValue(), 'Eira', 'the draft is kept');
  assert.equal(await table.getByLabel('Pseudonym, line 2').inputValue(), 'Ffion');
  await page.getByRole('button', { name: 'Add these participants' }).click();
  await page.getByRole('status').filter({ hasText: '2 participants added.' }).waitFor();
  await people.getByRole('link', { name: 'Eira' }).waitFor();
  await people.getByRole('link', { name: 'Ffion' }).waitFor();
  assert.equal(await table.getByLabel('Pseudonym, line 1').inputValue(), '', 'the table is empty again');
  await saved();
  await people.getByRole('link', { name: 'Eira' }).click();
  await page.getByRole('heading', { level: 2, name: 'Consent' }).waitFor();
  assert.equal(await page.getByLabel('Interview', { exact: true }).isChecked(), true);
});

test('axe-core finds no serious or critical problem on any researcher screen, dialogs included', async () => {
  const problems = [];
  const check = async (name) => {
    for (const v of await axeViolations(page)) problems.push(`${name}: ${v}`);
  };
  const open = async (path, ready) => {
    await page.goto(studyUrl + path);
    await ready().waitFor();
  };
  const h2 = (name) => () => page.getByRole('heading', { level: 2, name }).first();
  await page.goto(server.url + '/');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await check('studies');
  await page.goto(server.url + '/storage');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await check('storage');
  await open('', () => page.getByRole('heading', { level: 1, name: DEMO }));
  await check('overview');
  await page.getByRole('button', { name: 'Delete study…' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  // Focus moves in on the next frame.
  await page.waitForFunction(() => document.activeElement?.textContent === 'Cancel', null, { timeout: 5000 });
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'focus stays inside the dialog');
  await check('confirm dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.textContent === 'Delete study…', null, { timeout: 5000 });
  for (const [path, name] of [['/cases', 'Case studies'], ['/participants', 'Participants'], ['/protocols', 'Interview protocols'], ['/interviews', 'Interviews and focus groups'], ['/surveys', 'Stakeholder surveys'], ['/coding', 'Coding'], ['/coding/matrix', 'Framework matrix']]) {
    await open(path, h2(name));
    await check(path);
  }
  const follow = async (from, link, ready, name) => {
    await page.goto(studyUrl + from);
    await link().first().click();
    await ready().waitFor();
    await check(name);
  };
  await follow('/cases', () => page.getByRole('main').getByRole('link', { name: 'Gofal Cwm Tŷ Gwyn' }), () => page.getByRole('heading', { level: 2, name: 'Attributes' }), 'a case');
  await follow('/participants', () => page.getByRole('main').getByRole('link', { name: 'Ceri' }), () => page.getByRole('heading', { level: 2, name: 'Consent' }), 'a participant');
  await follow('/protocols', () => page.getByRole('main').locator('a[href*="/protocols/"]'), () => page.getByRole('heading', { level: 2, name: 'Add a section' }), 'a protocol');
  await follow('/interviews', () => page.getByRole('table', { name: 'Interviews' }).getByRole('link'), () => page.getByRole('navigation', { name: 'Sections', exact: true }), 'an interview');
  await follow('/surveys', () => page.getByRole('main').locator('a[href*="/surveys/"]'), () => page.getByRole('link', { name: 'Edit questions' }), 'a survey');
  await page.getByRole('link', { name: 'Edit questions' }).click();
  await page.getByRole('heading', { level: 2 }).first().waitFor();
  await check('the survey builder');
  await follow('/coding', () => page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: /^Focus group/ }), () => page.locator('.source-text'), 'a whole focus group');
  await follow('/coding', () => page.getByRole('list', { name: 'Codebook' }).getByRole('link'), () => page.getByRole('list', { name: 'Segments of this code' }), 'a code');
  assert.deepEqual(problems, []);
});

test('a withdrawn participant: the researcher removes their data everywhere after a confirmation that says what goes', async () => {
  await page.goto(studyUrl + '/participants');
  await page.getByRole('main').getByRole('link', { name: 'Dylan' }).first().click();
  await page.getByRole('heading', { level: 2, name: 'Consent' }).waitFor();
  await page.getByLabel('Consent withdrawn').check();
  await page.getByLabel('Date consent was withdrawn').fill('2026-11-30');
  await page.getByRole('button', { name: 'Remove their data everywhere…' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  const body = await dialog.innerText();
  assert.match(body, /This removes .*turns? of theirs in focus groups/, body);
  assert.match(body, /Dylan stays listed as withdrawn/, body);
  await dialog.getByRole('button', { name: 'Remove their data' }).click();
  await page.getByRole('status').filter({ hasText: 'What Dylan gave the study was removed.' }).waitFor();
  await saved();
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Consent' }).waitFor();
  assert.equal(await page.getByLabel('Consent withdrawn').isChecked(), true);
  await page.goto(studyUrl + '/interviews');
  const row = page.getByRole('table', { name: 'Interviews' }).getByRole('row').filter({ hasText: 'Focus group' }).filter({ hasText: 'Ceri' });
  await row.getByRole('link').first().click();
  await page.getByLabel('Ceri said').first().waitFor();
  assert.equal(await page.getByLabel('Dylan said').count(), 0, 'none of their words are left');
});

test('no errors in the browser console', () => {
  errors.assertNone();
});
