// Thematic coding on a tablet: codes are added, a document is coded by selecting
// its words the way touch selection does (one segment starts after an emoji, one
// overlaps another), a coding is undone, two codes are merged, a synopsis is written
// in the framework matrix, and every export is downloaded and parsed; each exported
// segment's text must equal the source's text at its code-point offsets.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { startServer, launch, mkProfile, rmProfile, screenshot, collectErrors, selectWords, applyCodesTo, REPO_ROOT } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const CASE = 'Gofal Cwm Tŷ Gwyn';
const DOC = 'Transport notes';
const TEXT = 'Rural care 🌿🏴 needs drivers. Ŵyn and ŷd; café (e\u0301) and مرحبا بكم. The council helped.';

let server;
let profile;
let context;
let page;
let errors;
let studyUrl;
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-coding-'));

const saved = () => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const tab = (name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name });
/** Code points before `words` in TEXT: where the core says the segment starts. */
const cp = (words) => [...TEXT.slice(0, TEXT.indexOf(words))].length;

const select = (words) => selectWords(page, words);
const applyCodes = (...codes) => applyCodesTo(page, ...codes);

before(async () => {
  server = await startServer();
  profile = await mkProfile();
  context = await launch({ userDataDir: profile, hasTouch: true });
  errors = collectErrors(context);
  page = context.pages()[0] || (await context.newPage());
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('a document to code, and new codes in the codebook', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  studyUrl = page.url().replace(/\/$/, '');
  await tab('Cases').click();
  await page.getByRole('link', { name: CASE }).click();
  await page.getByLabel('New document title (report, minutes, web page…)').fill(DOC);
  await page.getByRole('button', { name: 'Add document' }).click();
  await page.getByRole('heading', { level: 2, name: DOC }).waitFor();
  await page.getByLabel('Text', { exact: true }).fill(TEXT);
  await saved();

  await tab('Coding').click();
  await page.getByLabel('Your name as coder').fill('Analyst A');
  const add = async (name, under) => {
    await page.getByLabel('Under', { exact: true }).selectOption({ label: under });
    await page.getByLabel('New code or theme').fill(name);
    await page.getByRole('button', { name: 'Add code' }).click();
    await page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name, exact: true }).waitFor();
  };
  await add('Getting about', '(a new theme)');
  await add('Drivers', 'Getting about');
  await add('Roads and distance', 'Getting about');
  await saved();
});

test('code the document by selection: after an emoji, overlapping, nested; undo', async () => {
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Document' });
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: new RegExp(DOC) }).click();
  await page.locator('.source-text').waitFor();
  assert.equal(await page.locator('.source-text').textContent(), TEXT);

  await select('needs drivers');
  await applyCodes('Drivers');
  await page.locator('mark.hl', { hasText: 'needs drivers' }).waitFor();
  await select('Ŵyn and ŷd');
  await applyCodes('Roads and distance');
  // Overlaps both segments above.
  await select('drivers. Ŵyn');
  await applyCodes('Roads and distance', 'Drivers');
  await page.locator('mark.hl-multi').first().waitFor();
  assert.match(await page.locator('mark.hl-multi').first().getAttribute('title'), /Drivers; Roads and distance|Roads and distance; Drivers/);
  // Nested inside the first.
  await select('drivers');
  await applyCodes('Drivers');
  await saved();
  await screenshot(page, 'coding-source');
  assert.equal(await page.locator('li.segment').count(), 4);

  await page.getByRole('button', { name: 'Undo: apply codes' }).click();
  await page.locator('li.segment').nth(3).waitFor({ state: 'detached' });
  assert.equal(await page.locator('li.segment').count(), 3);
  await saved();
  await page.reload();
  await page.locator('li.segment').first().waitFor();
  assert.equal(await page.locator('li.segment').count(), 3, 'the undone segment stays gone after a reload');
  const first = page.locator('li.segment').first();
  assert.match(await first.innerText(), new RegExp(`\\(${cp('needs drivers')}–${cp('needs drivers') + 'needs drivers'.length}\\)`));
});

test('merge two codes: every segment stays, under the surviving code', async () => {
  await page.goto(studyUrl + '/coding');
  await page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Roads and distance' }).click();
  await page.getByRole('heading', { level: 2, name: 'Roads and distance' }).waitFor();
  assert.equal(await page.getByRole('list', { name: 'Segments of this code' }).getByRole('listitem').count(), 2);
  // Filters: the Welsh case is very rural; nothing of this code is in an urban case.
  await page.getByLabel('Only cases with').selectOption({ label: 'Setting: Urban' });
  await page.getByRole('heading', { name: 'Segments (0)' }).waitFor();
  await page.getByLabel('Only cases with').selectOption({ label: 'Any case attribute' });
  await page.getByRole('heading', { name: 'Segments (2)' }).waitFor();
  await page.getByLabel('Merge into').selectOption({ label: '— Drivers' });
  await page.getByRole('button', { name: 'Merge…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Merge' }).click();
  await page.getByRole('heading', { level: 2, name: 'Coding' }).waitFor();
  assert.equal(await page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Roads and distance' }).count(), 0);
  await page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Drivers' }).click();
  await page.getByRole('list', { name: 'Segments of this code' }).getByRole('listitem').nth(2).waitFor();
  assert.equal(await page.getByRole('list', { name: 'Segments of this code' }).getByRole('listitem').count(), 3);
  await saved();
});

test('a synopsis in the framework matrix survives a reload; cells without data say so', async () => {
  await page.goto(studyUrl + '/coding/matrix');
  const cell = page.getByLabel(`Synopsis: ${CASE} × Getting about`);
  await cell.fill('Drivers are scarce; distance shapes every rota.');
  await saved();
  await page.reload();
  await page.getByLabel(`Synopsis: ${CASE} × Getting about`).waitFor();
  assert.equal(await page.getByLabel(`Synopsis: ${CASE} × Getting about`).inputValue(), 'Drivers are scarce; distance shapes every rota.');
  assert.ok(await page.locator('table.matrix td.gap').count() > 0, 'empty cells are marked');
  const cellBox = page.locator('td', { has: page.getByLabel(`Synopsis: ${CASE} × Getting about`) });
  await cellBox.locator('summary', { hasText: 'Supporting quotes' }).click();
  await cellBox.getByLabel('“needs drivers”').check();
  await cellBox.locator('summary', { hasText: 'Supporting quotes (1)' }).waitFor();
  await saved();
  await screenshot(page, 'framework-matrix', { fullPage: true });
});

async function download(button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const target = path.join(tmp, file.suggestedFilename());
  await file.saveAs(target);
  return target;
}

test('every export downloads and parses; each segment is the source text at its offsets', async () => {
  await page.goto(studyUrl + '/coding');
  const rows = parse(await fsp.readFile(await download('Coded segments (CSV)')), { columns: true, strict: true });
  const mine = rows.filter((r) => r.source_title.includes(DOC));
  assert.equal(mine.length, 3, 'three segments, each with one code after the merge');
  assert.ok(mine.every((r) => r.code === 'Drivers' && r.theme === 'Getting about' && r.coder === 'Analyst A'));
  const afterEmoji = mine.find((r) => r.text === 'needs drivers');
  assert.equal(Number(afterEmoji.start), cp('needs drivers'));
  // Every exported segment, in every source, is the source's words at its offsets.
  const texts = new Map();
  for (const id of new Set(rows.map((r) => r.source_id))) {
    await page.goto(`${studyUrl}/coding/source/${id}`);
    await page.locator('.source-text').waitFor();
    texts.set(id, await page.locator('.source-text').textContent());
  }
  for (const r of rows) {
    if (r.anchor !== 'placed') continue;
    const words = [...texts.get(r.source_id)].slice(Number(r.start), Number(r.end)).join('');
    assert.equal(words, r.text, `segment ${r.segment_id} in ${r.source_title}`);
  }
  await page.goto(studyUrl + '/coding');
  const codebook = parse(await fsp.readFile(await download('Codebook (CSV)')), { columns: true, strict: true });
  const drivers = codebook.find((c) => c.name === 'Drivers');
  assert.equal(drivers.path, 'Getting about > Drivers');
  assert.equal(drivers.segments, '3');
  const json = JSON.parse(await fsp.readFile(await download('Codebook (JSON)'), 'utf8'));
  assert.ok(json.codes.some((c) => c.name === 'Getting about'));
  const matrix = parse(await fsp.readFile(await download('Framework matrix (CSV)')), { columns: true, strict: true });
  assert.equal(matrix.find((r) => r.case === CASE).Getting_about, 'Drivers are scarce; distance shapes every rota.');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(await download('Framework matrix (XLSX)'));
  assert.deepEqual(workbook.worksheets.map((w) => w.name), ['Synopses', 'Supporting quotes', 'Columns']);
  const quotes = workbook.getWorksheet('Supporting quotes');
  const quoteRows = [];
  quotes.eachRow((row, n) => { if (n > 1) quoteRows.push(row.values.slice(1)); });
  assert.equal(quoteRows.filter((v) => v.includes('needs drivers')).length, 1, 'the quote linked in the matrix');
  errors.assertNone();
});

test('REFI-QDA: the .qdpx validates against Project.xsd, the .qdc against Codebook.xsd, and the project opens in a fresh profile', async () => {
  await page.goto(studyUrl + '/coding');
  const original = parse(await fsp.readFile(await download('Codebook (CSV)')), { columns: true, strict: true });
  const qdpx = await download('Whole project (.qdpx)');
  const qdc = await download('Codebook only (.qdc)');
  const schemas = path.join(REPO_ROOT, 'crates', 'interop', 'tests', 'schemas');
  const unpacked = path.join(tmp, 'unpacked');
  execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', qdpx, unpacked]);
  const sources = await fsp.readdir(path.join(unpacked, 'sources'));
  assert.ok(sources.length > 0 && sources.every((f) => f.endsWith('.txt')), `sources: ${sources}`);
  for (const [file, xsd] of [[path.join(unpacked, 'project.qde'), 'Project.xsd'], [qdc, 'Codebook.xsd']]) {
    const out = execFileSync('xmllint', ['--noout', '--schema', path.join(schemas, xsd), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out, '');
  }
  const qde = await fsp.readFile(path.join(unpacked, 'project.qde'), 'utf8');
  assert.ok(qde.includes('name="Drivers"'), 'the codebook travels');

  const otherProfile = await mkProfile();
  const other = await launch({ userDataDir: otherProfile });
  try {
    const p = other.pages()[0] || (await other.newPage());
    await p.goto(server.url + '/');
    await p.getByRole('heading', { name: 'Your studies' }).waitFor();
    await p.getByLabel('Import a backup (.json) or a REFI-QDA project (.qdpx, .qdc)').setInputFiles(qdpx);
    await p.getByText(/Import report for/).waitFor({ timeout: 20_000 });
    assert.match(await p.locator('.notice', { hasText: 'Import report for' }).innerText(), /Imported: .*codes/, 'the report counts what came in');
    await p.locator('.notice', { hasText: 'Import report for' }).getByRole('button', { name: 'Dismiss message' }).click();
    await p.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Coding' }).click();
    await p.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Drivers' }).waitFor();
    const [file] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Codebook (CSV)' }).click()]);
    const target = path.join(tmp, 'imported-codebook.csv');
    await file.saveAs(target);
    const imported = parse(await fsp.readFile(target), { columns: true, strict: true });
    const shape = (rows) => rows.map((r) => `${r.path} | ${r.colour} | ${r.segments}`).sort();
    assert.deepEqual(shape(imported), shape(original), 'same codes, colours and segment counts after the round trip');
    await screenshot(p, 'refi-qda-imported');
  } finally {
    await other.close();
    await rmProfile(otherProfile);
  }
});

test('memos, moving a segment onto other words, splitting a code, counts by case', async () => {
  await page.goto(studyUrl + '/coding');
  const journal = page.locator('.memos', { has: page.getByRole('heading', { name: 'Study journal' }) });
  await journal.getByLabel('New memo').fill('Day 3: transport keeps coming up.');
  await journal.getByRole('button', { name: 'Add memo' }).click();
  await journal.locator('li.memo textarea').last().waitFor();
  assert.equal(await journal.locator('li.memo textarea').last().inputValue(), 'Day 3: transport keeps coming up.');
  await page.getByRole('button', { name: 'Show segments and sources per code' }).click();
  const counts = page.getByRole('table', { name: 'Counts per code' });
  const drivers = counts.getByRole('row').filter({ has: page.getByRole('rowheader', { name: '— Drivers', exact: true }) });
  const cells = (await drivers.getByRole('cell').allInnerTexts()).map((c) => c.trim());
  assert.deepEqual(cells.slice(0, 2), ['3', '1'], 'three segments in one source');
  const caseColumn = (await counts.getByRole('columnheader').allInnerTexts()).indexOf(CASE) - 1;
  assert.equal(cells[caseColumn], '3', 'all three at the Welsh case');

  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Document' });
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: new RegExp(DOC) }).click();
  const memos = page.locator('.memos', { has: page.getByRole('heading', { name: 'Memos on this source' }) });
  await memos.getByLabel('New memo').fill('Written by the transport volunteer.');
  await memos.getByRole('button', { name: 'Add memo' }).click();
  await memos.locator('li.memo').first().waitFor();
  await select('The council helped');
  await page.locator('li.segment').first().getByRole('button', { name: 'Set to the selected words' }).click();
  await page.locator('mark.hl', { hasText: 'The council helped' }).waitFor();
  await saved();

  await page.goto(studyUrl + '/coding');
  await page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Drivers' }).click();
  await page.getByLabel('“The council helped”').check();
  await page.getByLabel('Split the ticked segments into a new code called').fill('Council help');
  await page.getByRole('button', { name: 'Split', exact: true }).click();
  await page.getByRole('list', { name: 'Segments of this code' }).getByRole('listitem').nth(1).waitFor();
  assert.equal(await page.getByRole('list', { name: 'Segments of this code' }).getByRole('listitem').count(), 2);
  await saved();

  await page.goto(studyUrl + '/coding');
  await page.getByRole('list', { name: 'Codebook' }).getByRole('link', { name: 'Council help' }).waitFor();
  assert.equal(await page.locator('.memos', { has: page.getByRole('heading', { name: 'Study journal' }) }).locator('li.memo textarea').last().inputValue(),
    'Day 3: transport keeps coming up.');
  const rows = parse(await fsp.readFile(await download('Coded segments (CSV)')), { columns: true, strict: true });
  const moved = rows.find((r) => r.text === 'The council helped');
  assert.equal(moved.code, 'Council help');
  assert.equal(Number(moved.start), cp('The council helped'));
  assert.equal([...TEXT].slice(Number(moved.start), Number(moved.end)).join(''), moved.text);
  errors.assertNone();
});
