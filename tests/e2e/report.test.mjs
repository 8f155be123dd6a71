// The study report: the analyst ticks what goes in and sees the outline change; the
// report opens in a tab that prints to PDF (Chromium's own PDF, read back with
// pypdf) and downloads as a .docx (read with python-docx); both hold the quotes
// ticked in the framework matrix, attributed by pseudonym, and no real name.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, openTablet, rmProfile, screenshot } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = process.env.FIELDKIT_PYTHON || path.join(ROOT, '.tools/readers/bin/python');
const REAL_NAME = 'Morwenna Trelawny-Pryce';
let server;
const profiles = [];
const contexts = [];
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-report-'));
const saved = (page) => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const section = (page, name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name }).click();

const PDF_TEXT = 'import sys, pypdf\nprint("\\n".join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))';
const DOCX_TEXT = [
  'import sys, docx',
  'd = docx.Document(sys.argv[1])',
  'print("\\n".join(p.text for p in d.paragraphs))',
  'print("\\n".join(c.text for t in d.tables for r in t.rows for c in r.cells))',
].join('\n');
const read = (script, file) => execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
// PDF text extraction breaks lines where the page did: compare words only.
const words = (text) => text.replace(/\s+/g, ' ').trim();

before(async () => {
  server = await startServer();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  for (const p of profiles) await rmProfile(p);
  await fsp.rm(tmp, { recursive: true, force: true });
  await server?.close();
});

test('the study report: chosen parts, printed to PDF and downloaded as .docx, with the ticked quotes by pseudonym and no real name', async () => {
  const { page, errors } = await openTablet(profiles, contexts);
  const context = page.context();
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();

  // Rowan's real name, as a researcher registers it on the tablet.
  await section(page, 'Participants');
  await page.getByRole('link', { name: /^Rowan/ }).first().click();
  await page.getByLabel('Real name').fill(REAL_NAME);
  await saved(page);

  // What the matrix ticked, read from the study's own backup.
  await section(page, 'Overview');
  const [backupFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export backup' }).click()]);
  const backup = JSON.parse(await fsp.readFile(await backupFile.path(), 'utf8'));
  const ticked = backup.matrix_cells.flatMap((c) => c.segments).map((id) => backup.segments.find((s) => s.id === id).text.trim());
  assert.ok(ticked.length >= 2, `ticked quotes: ${ticked.length}`);
  const synopses = backup.matrix_cells.map((c) => c.synopsis.trim());
  const themes = backup.codes.filter((c) => !c.parent).map((c) => c.name);

  await section(page, 'Coding');
  await page.getByRole('link', { name: 'Study report' }).click();
  await page.getByRole('heading', { level: 2, name: 'Study report' }).waitFor();
  const outline = page.locator('ul.report-outline');
  for (const name of ['The study', 'Method in figures', 'Themes', 'Framework matrix', ...themes]) {
    await outline.getByText(name, { exact: true }).waitFor();
  }
  await page.locator('.report-counts', { hasText: `${ticked.length} quotes` }).waitFor();
  // Leaving out the method and one theme changes the outline at once.
  const dropped = themes[themes.length - 1];
  await page.getByLabel('Method in figures: cases, participants by role, fieldwork, consent').uncheck();
  await page.getByLabel(dropped, { exact: true }).uncheck();
  await outline.getByText('Method in figures', { exact: true }).waitFor({ state: 'detached' });
  await outline.getByText(dropped, { exact: true }).waitFor({ state: 'detached' });
  await page.getByLabel(dropped, { exact: true }).check();
  await page.getByLabel('Method in figures: cases, participants by role, fieldwork, consent').check();
  await outline.getByText('Method in figures', { exact: true }).waitFor();
  for (const [width, height] of [[768, 1024], [1024, 768]]) {
    await page.setViewportSize({ width, height });
    await screenshot(page, `report-${width}x${height}`);
  }

  // Open to print: a tab with the report, which Chromium prints to PDF.
  const popup = context.waitForEvent('page');
  await page.getByRole('button', { name: 'Open to print or save as PDF' }).click();
  const printable = await popup;
  await printable.waitForLoadState();
  await printable.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  const shown = await printable.locator('body').innerText();
  const pdfPath = path.join(tmp, 'report.pdf');
  await printable.pdf({ path: pdfPath, format: 'A4' });
  const pdf = words(read(PDF_TEXT, pdfPath));
  assert.ok(pdf.includes(words(DEMO)), 'the title is in the PDF');
  for (const quote of ticked) {
    assert.ok(words(shown).includes(words(`“${quote}”`)), `the page quotes “${quote}”`);
    assert.ok(pdf.includes(words(quote)), `the PDF quotes “${quote}”`);
  }
  for (const s of synopses) assert.ok(pdf.includes(words(s)), `synopsis “${s}” in the PDF`);
  assert.ok(pdf.includes('— Rowan') || shown.includes('— Rowan'), 'quotes are attributed by pseudonym');
  assert.ok(!shown.includes(REAL_NAME) && !pdf.includes(REAL_NAME), 'no real name in the report');
  await printable.close();

  // The Word document says the same.
  const [docxFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as Word (.docx)' }).click()]);
  assert.match(docxFile.suggestedFilename(), /-report\.docx$/);
  const docxPath = path.join(tmp, 'report.docx');
  await docxFile.saveAs(docxPath);
  const docx = read(DOCX_TEXT, docxPath);
  for (const quote of ticked) assert.ok(docx.includes(`“${quote}”`), `the .docx quotes “${quote}”`);
  for (const s of synopses) assert.ok(docx.includes(s), `synopsis “${s}” in the .docx`);
  for (const name of themes) assert.ok(docx.includes(name), `theme ${name} in the .docx`);
  assert.ok(!docx.includes(REAL_NAME), 'no real name in the .docx');
  errors.assertNone();
});

test('charts: code frequencies by theme and codes by case draw, give their figures as tables, and download as SVG and PNG', async () => {
  const { page, errors } = await openTablet(profiles, contexts);
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await section(page, 'Coding');
  await page.getByRole('link', { name: 'Charts', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: 'Charts' }).waitFor();
  const bars = page.getByRole('region', { name: 'Code frequencies, by theme' });
  const grid = page.getByRole('region', { name: 'Codes by case' });
  await bars.locator('.chart svg rect').nth(1).waitFor();
  await grid.locator('.chart svg rect').nth(1).waitFor();

  // Each bar's count is the table's; the table of codes by case adds up to the same totals per theme.
  await bars.getByText('The figures as a table').click();
  const frequencies = await bars.getByRole('table').getByRole('row').evaluateAll((rows) =>
    rows.slice(1).map((r) => [r.querySelector('th').innerText, Number(r.querySelector('td').innerText)]));
  assert.ok(frequencies.length >= 4, JSON.stringify(frequencies));
  const written = await bars.locator('.chart svg text').allTextContents();
  for (const [, n] of frequencies) assert.ok(written.includes(String(n)), `bar count ${n}`);
  await grid.getByText('The figures as a table').click();
  const byCase = await grid.getByRole('table').getByRole('row').evaluateAll((rows) =>
    rows.slice(1).map((r) => [r.querySelector('th').innerText, [...r.querySelectorAll('td')].reduce((n, td) => n + Number(td.innerText), 0)]));
  assert.deepEqual(byCase.map(([, n]) => n), frequencies.map(([, n]) => n), 'every passage falls in one case');
  for (const [width, height] of [[768, 1024], [1024, 768]]) {
    await page.setViewportSize({ width, height });
    await screenshot(page, `charts-${width}x${height}`);
  }

  const [svgFile] = await Promise.all([page.waitForEvent('download'), bars.getByRole('button', { name: 'Code frequencies (SVG)' }).click()]);
  const svgPath = path.join(tmp, 'frequencies.svg');
  await svgFile.saveAs(svgPath);
  execFileSync('xmllint', ['--noout', svgPath]);
  const svg = await fsp.readFile(svgPath, 'utf8');
  assert.match(svg, /<title>Code frequencies/);
  const [pngFile] = await Promise.all([page.waitForEvent('download'), grid.getByRole('button', { name: 'Codes by case (PNG)' }).click()]);
  assert.match(pngFile.suggestedFilename(), /-codes-by-case\.png$/);
  const png = await fsp.readFile(await pngFile.path());
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  // Drawn at twice the SVG's size.
  const gridSvg = await grid.locator('.chart svg').evaluate((s) => [Number(s.getAttribute('width')), Number(s.getAttribute('height'))]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], gridSvg.map((n) => n * 2));
  // Read back by the browser's own PNG decoder: the shaded cells are there, not a blank page.
  const shaded = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.width, img.height];
    const c = canvas.getContext('2d');
    c.drawImage(img, 0, 0);
    const px = c.getImageData(0, 0, img.width, img.height).data;
    let dark = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 128 && px[i + 1] < 160) dark++;
    return dark;
  }, png.toString('base64'));
  assert.ok(shaded > 100, `dark pixels: ${shaded}`);
  errors.assertNone();
});

test('sibling codes reorder: a code moved up goes ahead in the codebook, survives a reload, and Undo puts it back', async () => {
  const { page, errors } = await openTablet(profiles, contexts);
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await section(page, 'Coding');
  const book = page.getByRole('list', { name: 'Codebook' });
  const order = async () => (await book.getByRole('link').allInnerTexts()).map((t) => t.trim().split('\n')[0]);
  await book.getByRole('link').nth(3).waitFor();
  const before = await order();
  // The theme Barriers' codes: the last one moves up one place.
  const barriers = before.indexOf('Barriers');
  const [first, second] = [before[barriers + 1], before[barriers + 2]];
  await book.getByRole('link', { name: second, exact: true }).click();
  await page.getByRole('heading', { level: 2, name: second }).waitFor();
  await page.getByText('2 of 3 in its place in the codebook').waitFor();
  await page.getByRole('button', { name: 'Move up' }).click();
  await page.getByText('1 of 3 in its place in the codebook').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Move up' }).isDisabled(), true);
  await saved(page);
  await page.reload();
  await page.getByText('1 of 3 in its place in the codebook').waitFor();
  await section(page, 'Coding');
  await book.getByRole('link').nth(3).waitFor();
  const after = await order();
  assert.deepEqual(after.slice(barriers + 1, barriers + 3), [second, first]);
  await page.getByRole('button', { name: /^Undo: move a code up/ }).click();
  await page.waitForFunction(([f, s]) => {
    const names = [...document.querySelectorAll('[aria-label="Codebook"] a')].map((a) => a.innerText.trim().split('\n')[0]);
    return names.indexOf(f) < names.indexOf(s);
  }, [first, second]);
  errors.assertNone();
});
