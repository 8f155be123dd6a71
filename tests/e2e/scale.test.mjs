// The study's state split into parts (issue 12): coding, undo, search-and-code and a
// reload keep every segment on its words. After each step the backup is exported and
// every placed segment's text is checked against its source's text at its offsets.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, mkProfile, rmProfile, screenshot, collectErrors, selectWords, applyCodesTo } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';

let server;
let profile;
let context;
let page;
let errors;
let studyUrl;
let tmp;

const tab = (name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name, exact: true });
const saved = () => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const codePoints = (text, start, end) => Array.from(text).slice(start, end).join('');

/** The text a segment's source holds now, from a backup. */
function sourceText(backup, source) {
  const interview = backup.interviews.find((i) => i.id === source.interview);
  switch (source.kind) {
    case 'notes':
      return interview?.answers.find((a) => a.section_id === source.section && (a.prompt_id ?? null) === (source.prompt ?? null))?.text;
    case 'turn':
      return interview?.answers.flatMap((a) => a.turns).find((t) => t.id === source.turn)?.text;
    case 'transcript':
      return interview?.transcript?.text;
    case 'survey_answer': {
      const answer = backup.responses.find((r) => r.id === source.response)?.answers[source.question];
      return answer?.type === 'text' ? answer.value : undefined;
    }
    case 'document':
      return backup.documents.find((d) => d.id === source.document)?.text;
    default:
      return undefined;
  }
}

/** Exports the backup and checks every placed segment covers its words; returns the backup. */
async function checkedBackup(label) {
  await page.goto(studyUrl);
  await saved();
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export backup' }).click()]);
  const where = path.join(tmp, `${label}.json`);
  await file.saveAs(where);
  const backup = JSON.parse(await fsp.readFile(where, 'utf8'));
  let placed = 0;
  for (const s of backup.segments) {
    if (s.anchor !== 'placed') continue;
    const text = sourceText(backup, s.source);
    assert.ok(text !== undefined, `${label}: segment ${s.id} has a source`);
    assert.equal(codePoints(text, s.start, s.end), s.text, `${label}: segment ${s.id} covers its words`);
    placed += 1;
  }
  assert.ok(placed > 0, `${label}: some segments are placed`);
  return backup;
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-scale-'));
  server = await startServer();
  profile = await mkProfile();
  context = await launch({ userDataDir: profile, hasTouch: true, acceptDownloads: true });
  errors = collectErrors(context);
  page = context.pages()[0] || (await context.newPage());
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  studyUrl = page.url().replace(/\/$/, '');
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('search finds words ignoring capitals and accents, codes every hit in one step, and one undo takes them all back', async () => {
  const start = await checkedBackup('start');
  await tab('Coding').click();
  const box = page.getByLabel('Search the text of the study');
  await box.fill('CARE');
  const hits = page.locator('li.search-hit');
  await hits.first().waitFor();
  const summary = await page.locator('.text-search [role="status"]').innerText();
  const total = Number(summary.match(/^(\d[\d,]*) hits?/)?.[1].replace(/,/g, ''));
  assert.ok(total > 1, `hits for CARE: ${summary}`);
  // Each hit shows the found words in context and where they come from.
  const first = hits.first();
  assert.match((await first.locator('mark').innerText()).toLowerCase(), /^care$/);
  await page.locator('.text-search [role="status"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'search-hits-1024x768', { fullPage: false });

  const theme = await page.getByLabel('Code to apply').locator('option').nth(1).innerText();
  await page.getByLabel('Code to apply').selectOption({ index: 1 });
  await page.getByRole('button', { name: /^Code all \d/ }).click();
  await page.getByText(/^Coded \d+ hits?\. Undo puts them all back\./).waitFor();
  await page.getByRole('button', { name: 'Undo: code search hits' }).waitFor();
  await saved();
  const coded = await checkedBackup('coded');
  const code = coded.codes.find((c) => c.name === theme.replace(/^(— )+/, ''));
  assert.ok(code, `code ${theme}`);
  const withCode = (b) => b.segments.filter((s) => s.codings.some((c) => c.code === code.id)).length;
  assert.ok(withCode(coded) >= withCode(start) + 1, 'the hits were coded');
  assert.ok(withCode(coded) <= withCode(start) + total, 'no more segments than hits');

  // One undo puts back every segment as it was, across a reload.
  await page.reload();
  await tab('Coding').click();
  await page.getByRole('button', { name: 'Undo: code search hits' }).click();
  await page.getByText('Undone: code search hits.').waitFor();
  const undone = await checkedBackup('undone');
  assert.equal(undone.segments.length, start.segments.length);
  assert.equal(withCode(undone), withCode(start));
});

test('a hit opens its source with the words selected; coding them, removing the code and undoing keep every segment on its words after a reload', async () => {
  await page.goto(studyUrl + '/coding');
  await page.getByLabel('Search the text of the study').fill('committee');
  await page.locator('li.search-hit').first().waitFor();
  const found = await page.locator('li.search-hit mark').first().innerText();
  await page.locator('li.search-hit').first().getByRole('link', { name: 'Open' }).click();
  // The found words are selected, ready to code.
  await page.locator('.selection-preview', { hasText: `“${found}”` }).waitFor();
  const before = await page.locator('li.segment').count();
  const palette = page.getByRole('region', { name: 'Code the selection' });
  const firstCode = await palette.locator('.code-choices label').first().innerText();
  await applyCodesTo(page, firstCode);
  await page.locator('li.segment').nth(before).waitFor();
  await page.locator('.source-text mark').first().scrollIntoViewIfNeeded();
  await screenshot(page, 'search-hit-coded-1024x768', { fullPage: false });
  await saved();
  await checkedBackup('hit-coded');

  // Remove the code again from the new segment, then undo the removal.
  await page.goBack();
  await page.locator('li.segment').nth(before).waitFor();
  const segment = page.locator('li.segment', { hasText: found }).last();
  await segment.getByRole('button', { name: `Remove ${firstCode} from this segment` }).click();
  await page.getByRole('button', { name: 'Undo: remove a code' }).click();
  await page.getByText('Undone: remove a code.').waitFor();
  await page.locator('li.segment').nth(before).waitFor();
  await saved();
  await page.reload();
  await page.locator('li.segment').nth(before).waitFor();
  const after = await checkedBackup('after-undo');
  assert.equal(after.segments.filter((s) => s.text === found).length >= 1, true);
});

test('no errors in the browser console', () => {
  errors.assertNone();
});
