// Two coders code the same document on two tablets; their work is merged on one,
// and the agreement screen shows the kappa worked out by hand from the characters
// each coded; a passage where they differ opens at its place, and the agreement
// table downloads as a CSV that a CSV reader parses to the same figures.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { parse } from 'csv-parse/sync';
import { execFileSync } from 'node:child_process';
import { startServer, openTablet, rmProfile, screenshot, selectWords, applyCodesTo } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const DOC = 'Transport notes';
// Only characters of the Basic Multilingual Plane, so JavaScript's string length is
// the count of code points the core uses.
const TEXT = 'The minibus runs twice a week to the market in town. Carers share lifts when the roads flood in winter, ŵyr i gyd.';
const AL = 'minibus runs twice a week';
const BEA = 'runs twice a week to the market';
const CODE = 'Travel and distance';
let server;
const profiles = [];
const contexts = [];
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-agreement-'));
const tablet = () => openTablet(profiles, contexts);
const saved = (page) => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const section = (page, name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name }).click();

async function exportBackup(page, name) {
  await section(page, 'Overview');
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export backup' }).click()]);
  const target = path.join(tmp, name);
  await file.saveAs(target);
  return target;
}

/** A new tablet with the demo study open. */
async function demoTablet() {
  const t = await tablet();
  await t.page.goto(server.url + '/');
  await t.page.getByRole('button', { name: 'Open the demo study' }).click();
  await t.page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  return t;
}

/** Codes `words` of the transport notes as `coder`. */
async function codeAs(page, coder, words) {
  await section(page, 'Coding');
  await page.getByLabel('Your name as coder').fill(coder);
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Document' });
  await page.getByRole('table', { name: 'Sources' }).getByRole('link', { name: new RegExp(DOC) }).click();
  await selectWords(page, words);
  await applyCodesTo(page, CODE);
  await page.locator('mark.hl', { hasText: words.split(' ')[1] }).first().waitFor();
  await saved(page);
}

/** Cohen's kappa from the four cells, as in any textbook. */
function kappa(total, both, firstOnly, secondOnly) {
  const neither = total - both - firstOnly - secondOnly;
  const po = (both + neither) / total;
  const p1 = (both + firstOnly) / total;
  const p2 = (both + secondOnly) / total;
  const pe = p1 * p2 + (1 - p1) * (1 - p2);
  return (po - pe) / (1 - pe);
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

test('two coders on two tablets, merged: the agreement screen shows the kappa worked out by hand, a disagreement opens at its place, and the table downloads', async () => {
  const a = await demoTablet();
  await section(a.page, 'Cases');
  await a.page.getByRole('list', { name: 'Cases' }).getByRole('link').first().click();
  await a.page.getByLabel('New document title (report, minutes, web page…)').fill(DOC);
  await a.page.getByRole('button', { name: 'Add document' }).click();
  await a.page.getByRole('heading', { level: 2, name: DOC }).waitFor();
  await a.page.getByLabel('Text', { exact: true }).fill(TEXT);
  await saved(a.page);
  await codeAs(a.page, 'Al', AL);
  const fromA = await exportBackup(a.page, 'a.json');

  // B starts from A's backup and codes the same notes as another coder.
  const b = await tablet();
  await b.page.goto(server.url + '/');
  await b.page.getByLabel('Import a backup (.json) or a REFI-QDA project (.qdpx, .qdc)').setInputFiles(fromA);
  await b.page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await codeAs(b.page, 'Bea', BEA);
  const fromB = await exportBackup(b.page, 'b.json');

  // A merges B's work.
  await section(a.page, 'Overview');
  await a.page.getByLabel('Choose a backup to merge').setInputFiles(fromB);
  const plan = a.page.getByRole('region', { name: 'Merge plan' });
  await plan.waitFor();
  for (const keep of await plan.getByLabel("Keep this tablet's").all()) await keep.check();
  await plan.getByRole('button', { name: 'Merge' }).click();
  await a.page.getByRole('table', { name: 'Merge summary' }).waitFor();
  await saved(a.page);

  await section(a.page, 'Coding');
  await a.page.getByRole('link', { name: 'Agreement between coders' }).click();
  await a.page.getByRole('heading', { level: 2, name: 'Agreement between coders' }).waitFor();
  const coders = a.page.getByRole('group', { name: 'Coders to compare' });
  // The demo's own coders are there too; the first two in name order are ticked.
  assert.equal(await coders.getByLabel('Al', { exact: true }).isChecked(), true);
  assert.equal(await coders.getByLabel('Bea', { exact: true }).isChecked(), true);
  assert.equal(await coders.getByLabel('Researcher A', { exact: true }).isChecked(), false);

  const start = (w) => TEXT.indexOf(w);
  const [al0, al1] = [start(AL), start(AL) + AL.length];
  const [bea0, bea1] = [start(BEA), start(BEA) + BEA.length];
  const both = Math.min(al1, bea1) - Math.max(al0, bea0);
  const expected = kappa(TEXT.length, both, AL.length - both, BEA.length - both);
  const table = a.page.getByRole('table', { name: 'Agreement per code' });
  const row = table.getByRole('row').filter({ has: a.page.getByRole('rowheader', { name: new RegExp(CODE) }) });
  await row.waitFor();
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.deepEqual(cells.slice(0, 3), [String(AL.length), String(BEA.length), String(both)], `cells: ${cells}`);
  assert.equal(cells[4], expected.toFixed(3), `kappa by hand ${expected}`);
  const agreementPct = (100 * (TEXT.length - (AL.length - both) - (BEA.length - both))) / TEXT.length;
  assert.equal(cells[3], `${agreementPct.toFixed(1)} %`);
  await a.page.getByText(/^1 source compared; 1 code coded by these coders/).waitFor();
  for (const [width, height] of [[768, 1024], [1024, 768]]) {
    await a.page.setViewportSize({ width, height });
    await screenshot(a.page, `agreement-${width}x${height}`);
  }

  // The download parses to the same figures.
  const [download] = await Promise.all([a.page.waitForEvent('download'), a.page.getByRole('button', { name: 'Agreement table (CSV)' }).click()]);
  const csv = parse(await fsp.readFile(await download.path(), 'utf8'), { columns: true });
  const overall = csv.find((r) => r.code_path.endsWith(CODE) && r.source_id === '' && r.coder_a === 'Al' && r.coder_b === 'Bea');
  assert.ok(overall, `rows: ${csv.length}`);
  assert.equal(Number(overall.chars_total), TEXT.length);
  assert.equal(Number(overall.chars_both), both);
  assert.ok(Math.abs(Number(overall.kappa) - expected) < 1e-4, `${overall.kappa} vs ${expected}`);

  // Where they differ, and one passage opened at its place.
  await row.getByRole('button', { name: new RegExp(CODE) }).click();
  await a.page.getByRole('heading', { name: 'Where they differ: 2 passages' }).waitFor();
  const beaOnly = a.page.locator('li.disagreement', { hasText: 'Coded by Bea only' });
  assert.equal((await beaOnly.locator('q').innerText()).trim(), TEXT.slice(al1, bea1).trim());
  await beaOnly.getByRole('link', { name: 'Open' }).click();
  await a.page.locator('.source-text').waitFor();
  await a.page.waitForFunction((words) => window.getSelection().toString() === words, TEXT.slice(al1, bea1), { timeout: 10_000 });
  a.errors.assertNone();
  b.errors.assertNone();
});

test('codes that go together: pairs by passages, a heat map that downloads as SVG, and the passages of a pair open at their place', async () => {
  const c = await demoTablet();
  await section(c.page, 'Coding');
  await c.page.getByRole('link', { name: 'Codes that go together' }).click();
  const table = c.page.getByRole('table', { name: 'Codes that go together' });
  // The demo codes one passage "Funding and margins" and "Travel and distance" at once.
  const pair = table.getByRole('row').filter({ hasText: 'Funding and margins with Barriers › Travel and distance' });
  await pair.waitFor();
  const [passages, sources] = (await pair.getByRole('cell').allInnerTexts()).map(Number);
  assert.ok(passages >= 1 && sources >= 1 && sources <= passages, `${passages} ${sources}`);
  await c.page.locator('.chart svg').waitFor();
  for (const [width, height] of [[768, 1024], [1024, 768]]) {
    await c.page.setViewportSize({ width, height });
    await screenshot(c.page, `cooccurrence-${width}x${height}`);
  }
  const [download] = await Promise.all([c.page.waitForEvent('download'), c.page.getByRole('button', { name: 'Heat map (SVG)' }).click()]);
  const svg = await fsp.readFile(await download.path(), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<title>Code co-occurrence/);
  assert.ok(svg.includes('Travel and distance'));
  // Well-formed XML, as an SVG viewer needs.
  execFileSync('xmllint', ['--noout', await download.path()]);

  await pair.getByRole('button').click();
  const where = c.page.getByRole('region', { name: 'Passages where the two codes meet' });
  await where.locator('li').first().waitFor();
  assert.equal(await where.locator('li').count(), passages);
  const words = (await where.locator('li q').first().innerText()).trim();
  await where.getByRole('link', { name: 'Open' }).first().click();
  await c.page.locator('.source-text').waitFor();
  await c.page.waitForFunction((w) => window.getSelection().toString().trim() === w, words, { timeout: 10_000 });
  c.errors.assertNone();
});

test('segments left behind by an edit are listed with the words as coded and now; accept, remove and undo', async () => {
  const d = await demoTablet();
  await section(d.page, 'Cases');
  await d.page.getByRole('list', { name: 'Cases' }).getByRole('link').first().click();
  await d.page.getByLabel('New document title (report, minutes, web page…)').fill(DOC);
  await d.page.getByRole('button', { name: 'Add document' }).click();
  await d.page.getByRole('heading', { level: 2, name: DOC }).waitFor();
  const documentUrl = d.page.url();
  await d.page.getByLabel('Text', { exact: true }).fill(TEXT);
  await saved(d.page);
  await codeAs(d.page, 'Al', 'minibus runs twice a week');
  await selectWords(d.page, 'Carers share lifts');
  await applyCodesTo(d.page, CODE);
  await d.page.locator('mark.hl', { hasText: 'share' }).first().waitFor();
  await saved(d.page);

  // One passage's words change, the other's are removed.
  await d.page.goto(documentUrl);
  await d.page.getByLabel('Text', { exact: true }).fill(TEXT.replace('runs twice', 'runs three times').replace('Carers share lifts ', ''));
  await saved(d.page);
  await section(d.page, 'Coding');
  await d.page.getByRole('link', { name: 'Segments to check (2)' }).click();
  const list = d.page.getByRole('list', { name: 'Segments to check' });
  const changed = list.getByRole('listitem').filter({ hasText: 'minibus runs twice a week' });
  const lost = list.getByRole('listitem').filter({ hasText: 'Carers share lifts' });
  await changed.waitFor();
  assert.match(await changed.innerText(), /Now there: .*minibus runs three times/s);
  assert.match(await lost.innerText(), /The words were removed from the source\./);
  await screenshot(d.page, 'segments-to-check');

  await changed.getByRole('button', { name: 'Accept the text now there' }).click();
  await changed.waitFor({ state: 'detached' });
  await lost.getByRole('button', { name: 'Remove' }).click();
  await d.page.getByText('Nothing to check: every segment sits on the words it was coded on.').waitFor();
  await saved(d.page);
  await d.page.getByRole('button', { name: 'Undo: remove a segment' }).click();
  await lost.waitFor();
  await saved(d.page);
  await d.page.reload();
  await lost.waitFor();
  assert.equal(await list.getByRole('listitem').count(), 1, 'the accepted one stays accepted, the removal is undone');
  d.errors.assertNone();
});

test('codes across cases: a code × setting table whose counts add up to the code\'s segments, and row percentages', async () => {
  const e = await demoTablet();
  await section(e.page, 'Coding');
  await e.page.getByRole('link', { name: 'Codes across cases' }).click();
  const table = e.page.getByRole('table', { name: 'Codes across cases' });
  const row = table.getByRole('row').filter({ has: e.page.getByRole('rowheader', { name: `Barriers › ${CODE}` }) });
  await row.waitFor();
  const heads = await table.getByRole('columnheader').allInnerTexts();
  assert.ok(heads.includes('Rural') || heads.includes('Very rural'), `columns: ${heads}`);
  // The demo codes five passages with it (the codebook CSV's count, checked in the core).
  const counts = (await row.getByRole('cell').allInnerTexts()).map(Number);
  assert.equal(counts.reduce((a, b) => a + b, 0), 5, `cells: ${counts}`);
  await e.page.getByLabel('Show', { exact: true }).selectOption({ label: 'Row percentages' });
  await row.getByRole('cell').filter({ hasText: '%' }).first().waitFor();
  const shares = (await row.getByRole('cell').allInnerTexts()).map((t) => (t.endsWith('%') ? Number(t.replace(' %', '')) : 0));
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) <= 2, `shares: ${shares}`);
  await e.page.getByLabel('Across', { exact: true }).selectOption({ label: 'Case' });
  await table.getByRole('columnheader', { name: 'Hillside Community Care' }).waitFor();
  await screenshot(e.page, 'codes-across-cases');
  e.errors.assertNone();
});
