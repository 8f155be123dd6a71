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
