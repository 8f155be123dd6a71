// Fieldwork on a tablet: a focus group with three participants over the four
// research questions, a killed page mid-sentence, completion and corrections, the
// printable member-check account with an amendment and its differences, the
// coverage grid, protocol versions, transcripts, and bad input.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { startServer, launch, mkProfile, rmProfile, killBrowser, screenshot, collectErrors } from './harness.mjs';

const DEMO = 'Co-operative care in rural and urban communities';
const WELSH_CASE = 'Gofal Cwm Tŷ Gwyn';
const GWEN = 'Gwen ap Rhys';
const SAID = [
  { who: 'Ceri', text: 'We chose this so the carers own the work 🌿 and the decisions.' },
  { who: GWEN, text: 'Mae’r gwasanaeth yn wych — ŵyr a wyresau; café (e\u0301) and مرحبا بكم all together.' },
];

let server;
let profile;
let context;
let page;
let errors;
let interviewUrl;
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-fieldwork-'));
// Word and OpenDocument files (written by make_documents.py in that folder).
const FIXTURES = new URL('../../crates/interop/tests/fixtures/', import.meta.url).pathname;

async function open() {
  context = await launch({ userDataDir: profile });
  // The printable account test injects a script on purpose to show that its policy
  // refuses it: the browser reports that one script by its hash.
  errors = collectErrors(context, { ignore: [/sha256-TzqRNhn3cMET3JybEF\+0ZY76dZlxqMrOYqp0xs1vMZI=/] });
  page = context.pages()[0] || (await context.newPage());
}

const tab = (name) => page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name });
const main = () => page.locator('.slot.main');
const saved = () => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });

async function coverageRow(caseName) {
  await tab('Interviews').click();
  const row = page.getByRole('table', { name: 'Coverage' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: caseName }) });
  await row.waitFor(); // the tab's part of the app may still be loading
  const cells = await row.getByRole('cell').allInnerTexts();
  return cells.slice(0, 4);
}

/** Taps a speaker in the current section's main question and types what they said. */
async function say(who, text) {
  await main().getByRole('button', { name: `+ ${who}` }).click();
  const field = main().getByLabel(`${who} said`).last();
  await field.waitFor();
  await field.fill(text);
}

/** A minimal RFC 4180 reader, strict about quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      if (cell !== '') throw new Error(`stray quote at ${i}`);
      quoted = true;
    } else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (quoted) throw new Error('unterminated quote');
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((r) => {
    assert.equal(r.length, header.length, `row width: ${r}`);
    return Object.fromEntries(header.map((h, i) => [h, r[i]]));
  });
}

before(async () => {
  server = await startServer();
  profile = await mkProfile();
  await open();
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  await rmProfile(profile);
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('register a third participant by typing, spaces and all', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await tab('Participants').click();
  await page.getByLabel("New participant's pseudonym").pressSequentially(GWEN);
  await page.getByRole('button', { name: 'Add participant' }).click();
  await page.getByRole('heading', { level: 2, name: GWEN }).waitFor();
  // Typed key by key: the space the core would trim at the end must survive while typing.
  const pseudonym = page.getByLabel('Pseudonym');
  await pseudonym.click();
  await pseudonym.press('End');
  await pseudonym.pressSequentially(' Jones');
  assert.equal(await pseudonym.inputValue(), `${GWEN} Jones`);
  for (let i = 0; i < ' Jones'.length; i++) await pseudonym.press('Backspace');
  assert.equal(await pseudonym.inputValue(), GWEN);
  await page.getByLabel('Stakeholder role').selectOption({ label: 'Volunteer' });
  await page.getByLabel('Case', { exact: true }).selectOption({ label: WELSH_CASE });
  await page.getByLabel('Interview', { exact: true }).check();
  await page.getByLabel('Real name').fill('Gwenllian Realname');
  await saved();
});

test('start a focus group: only consenting participants of the case can be chosen', async () => {
  assert.deepEqual(await coverageRow(WELSH_CASE), ['1', '—', '—', '—']);
  await page.getByLabel('Focus group').check();
  await page.getByLabel('Case', { exact: true }).selectOption({ label: WELSH_CASE });
  await page.getByLabel('Interviewer').fill('Researcher B');
  const nia = page.getByLabel('Nia — Service user (no interview consent)');
  assert.equal(await nia.isDisabled(), true, 'Nia has not consented to interview');
  await page.getByLabel('Ceri — Care worker').check();
  await page.getByLabel('Dylan — Support organisation').check();
  await page.getByLabel(`${GWEN} — Volunteer`).check();
  await screenshot(page, 'start-focus-group');
  await page.getByRole('button', { name: 'Start now' }).click();
  await page.getByRole('heading', { level: 2, name: `Focus group with Ceri, Dylan, ${GWEN}` }).waitFor();
  interviewUrl = page.url();
  await page.getByRole('timer').filter({ hasText: 'since the start' }).waitFor();
});

test('speaker turns over the sections; the page is killed mid-sentence and reopens in the same place', async () => {
  for (const [section, lines] of [[1, SAID], [2, [{ who: 'Dylan', text: 'Finding carers who can drive the valley roads.' }]]]) {
    await page.getByRole('heading', { name: new RegExp(`^Section ${section} of 4`) }).waitFor();
    for (const { who, text } of lines) await say(who, text);
    await page.getByRole('button', { name: 'Next section →' }).click();
  }
  await page.getByRole('heading', { name: /^Section 3 of 4/ }).waitFor();
  await main().getByRole('button', { name: 'Good quote' }).click();
  await main().getByRole('button', { name: '+ Dylan' }).click();
  await main().getByLabel('Dylan said').pressSequentially('The council development officer came to every meeting and');
  await screenshot(page, 'focus-group-section-3');
  await page.waitForTimeout(1000); // at most the last second may be lost
  await killBrowser(context);

  await open();
  await page.goto(interviewUrl);
  await page.getByRole('heading', { name: /^Section 3 of 4/ }).waitFor();
  assert.equal(await main().getByLabel('Dylan said').inputValue(), 'The council development officer came to every meeting and');
  assert.equal(await main().getByRole('button', { name: 'Good quote' }).getAttribute('aria-pressed'), 'true');
  await main().getByLabel('Dylan said').pressSequentially(' helped with the rules.');
  await page.getByRole('button', { name: 'Next section →' }).click();
  await page.getByRole('heading', { name: /^Section 4 of 4/ }).waitFor();
  await say('Ceri', 'Someone local had to lead, or nobody would have trusted it.');
  await page.getByRole('button', { name: 'Mark interview complete' }).click();
  await page.getByText('This interview is complete.').waitFor();
  await saved();
});

test('a correction after completion is recorded', async () => {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button').first().click();
  await page.getByRole('heading', { name: /^Section 1 of 4/ }).waitFor();
  await main().getByLabel('Ceri said').first().fill(`${SAID[0].text} (corrected)`);
  const corrections = page.locator('section.panel', { hasText: 'Corrections after completion' });
  await corrections.getByText(/Section 1 \(.+\) turn edited/).waitFor();
  await saved();
});

test('the printable account shows pseudonyms only; an amendment is a new version with visible differences', async () => {
  await page.getByRole('button', { name: 'Create interview account' }).click();
  await page.getByRole('heading', { level: 2, name: 'Interview account' }).waitFor();
  assert.equal(await page.getByTestId('account-status').innerText(), 'Draft');
  await page.getByRole('button', { name: 'Rewrite the draft from the interview' }).click();
  await page.getByRole('status').filter({ hasText: 'The draft now matches the interview as corrected.' }).waitFor();
  const current = await page.locator('pre.account-text').innerText();
  assert.ok(current.includes(GWEN) && current.includes('🌿') && current.includes('مرحبا'), current);
  assert.ok(!current.includes('Gwenllian'), 'identifying details never appear in the account');

  const popup = context.waitForEvent('page');
  await page.getByRole('button', { name: 'Open printable account' }).click();
  const printable = await popup;
  await printable.waitForLoadState();
  const printed = await printable.locator('body').innerText();
  assert.ok(printed.includes(GWEN) && !printed.includes('Gwenllian'), printed);
  assert.equal(await printable.getByRole('heading', { level: 2 }).count() > 0, true, 'a document with headings');
  // The page carries no script (its policy refuses any): it says how to print, and that hint is not printed.
  const hint = printable.getByText("To print, use the browser's Print command");
  await hint.waitFor();
  const policy = await printable.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__ran = true';
    document.head.appendChild(s);
    return { ran: window.__ran === true, scripts: document.querySelectorAll('script').length };
  });
  assert.deepEqual(policy, { ran: false, scripts: 1 }, 'an injected script does not run in the printable page');
  await printable.emulateMedia({ media: 'print' });
  assert.equal(await hint.isVisible(), false, 'the hint is not printed');
  await screenshot(printable, 'account-printable');
  await printable.close();

  await page.getByRole('button', { name: 'Mark as sent to the participant' }).click();
  await page.getByTestId('account-status').filter({ hasText: 'Sent to participant' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Rewrite the draft from the interview' }).count(), 0, 'a sent account is never rewritten');
  await page.getByRole('button', { name: 'Amendments received' }).click();
  const amended = page.getByLabel('Amended account');
  const text = await amended.inputValue();
  await amended.fill(text.replace('came to every meeting and helped with the rules', 'came to most meetings and explained the rules'));
  await page.getByLabel('How the amendments came (e.g. by phone, marked on paper)').fill('By phone');
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByTestId('account-status').filter({ hasText: 'Amendments received' }).waitFor();
  const diff = page.getByTestId('diff');
  await diff.waitFor();
  // Word by word: "and" and "the rules" stayed.
  assert.deepEqual(await diff.locator('del').allInnerTexts(), ['every', 'meeting', 'helped with']);
  assert.deepEqual(await diff.locator('ins').allInnerTexts(), ['most', 'meetings', 'explained']);
  assert.ok((await page.locator('pre.account-text').innerText()).includes('came to most meetings and explained the rules'));
  await page.getByText(/Version 1 · /).waitFor();
  await page.getByText(/Version 2 · .* · By phone/).waitFor();
  await screenshot(page, 'account-versions');
  await page.getByRole('button', { name: 'Mark as agreed' }).click();
  await page.getByTestId('account-status').filter({ hasText: 'Agreed' }).waitFor();
  await saved();
});

test('the case × question grid reflects what was collected', async () => {
  await page.goto(interviewUrl.replace(/\/interviews\/.*/, ''));
  assert.deepEqual(await coverageRow(WELSH_CASE), ['2', '1', '1', '1']);
  await screenshot(page, 'coverage-grid');
  await page.getByRole('link', { name: `Ceri, Dylan, ${GWEN}` }).waitFor();
});

test('editing a used protocol starts version 2; the old interview still shows its own questions', async () => {
  await page.goto(interviewUrl);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button').first().click();
  const original = await main().locator('.question-text').innerText();
  await tab('Protocols').click();
  await page.getByRole('list', { name: 'Protocols' }).getByRole('link').first().click();
  const section = page.getByRole('region', { name: 'Section 1' });
  await section.getByLabel('Main question').fill(`${original} (revised)`);
  await page.getByText(/^Version 2\./).waitFor();
  await saved();
  await screenshot(page, 'protocol-editor');
  await page.goto(interviewUrl);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button').first().click();
  assert.equal(await main().locator('.question-text').innerText(), original);
});

test('transcripts: bad files and huge pastes get clear messages; a good file becomes speaker turns', async () => {
  await page.goto(interviewUrl);
  const upload = page.getByLabel('Upload a transcript (.txt, .docx, .odt, .html)');
  const alert = (text) => page.getByRole('alert').filter({ hasText: text }).waitFor();
  const empty = path.join(tmp, 'empty.txt');
  await fsp.writeFile(empty, '');
  await upload.setInputFiles(empty);
  await alert('The file “empty.txt” is empty.');
  const binary = path.join(tmp, 'recording.txt');
  await fsp.writeFile(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)));
  await upload.setInputFiles(binary);
  await alert('does not look like a text file');
  await page.getByLabel('Paste a transcript (lines like “Name: what they said”)').fill('x'.repeat(5 * 1024 * 1024));
  await page.getByRole('button', { name: 'Use pasted text' }).click();
  await alert('The pasted text is 5.0 MB; the largest transcript fieldkit accepts is 2 MB.');
  await screenshot(page, 'transcript-errors', { fullPage: false });

  const good = path.join(tmp, 'transcript.txt');
  await fsp.writeFile(good, `\ufeffInterviewer: What brought you here?\r\nCeri: The chance to own it 🌿\r\n${GWEN}: Ie, wir — مرحبا\r\nand a second line.\r\n`);
  await upload.setInputFiles(good);
  await page.getByText('From transcript.txt: 3 speaker turns.').waitFor();
  await saved();

  // A Word transcript becomes turns too, read in the files worker; what it held
  // besides its text is said in the import note.
  await upload.setInputFiles(path.join(FIXTURES, 'interview.docx'));
  await page.getByText('From interview.docx: 4 speaker turns.').waitFor({ timeout: 20_000 });
  await page.getByText(/“interview\.docx”: The file has tracked changes: 1 insertion kept and 1 deletion left out/).waitFor();
  await page.getByText(/“interview\.docx”: 1 comment was left out of the text\./).waitFor();
  await page.getByText('Show the turns').click();
  await page.locator('ol.transcript li', { hasText: 'We started with' }).waitFor();
  assert.ok(!(await page.locator('ol.transcript').innerText()).includes('nobody else'), 'the deleted words are left out');
  await screenshot(page, 'transcript-from-word', { fullPage: false });
  // A protected or damaged file: a clear message, and the transcript stays as it was.
  await upload.setInputFiles(path.join(FIXTURES, 'protected.docx'));
  await alert('is protected with a password');
  await upload.setInputFiles(path.join(FIXTURES, 'damaged.docx'));
  await alert('It may be damaged');
  await page.getByText('From interview.docx: 4 speaker turns.').waitFor();
  // The text file's transcript again, for the interviews CSV below.
  await upload.setInputFiles(good);
  await page.getByText('From transcript.txt: 3 speaker turns.').waitFor();
  await saved();
});

test('a 5 MB paste into notes is refused next to the field and the notes stay as they were', async () => {
  await page.goto(interviewUrl);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button').nth(1).click();
  const notes = main().getByLabel('Notes');
  await notes.fill('Short note about barriers.');
  await saved();
  await notes.fill('y'.repeat(5 * 1024 * 1024));
  await main().getByRole('alert').filter({ hasText: 'This text is too long (5.0 MB; the limit is 2 MB)' }).waitFor();
  await main().getByRole('button', { name: 'Asked', exact: true }).focus(); // leave the field
  assert.equal(await notes.inputValue(), 'Short note about barriers.');
  await page.reload();
  await page.getByRole('heading', { name: /^Section 2 of 4/ }).waitFor();
  assert.equal(await main().getByLabel('Notes').inputValue(), 'Short note about barriers.');
});

test('the interviews CSV downloads and holds every turn exactly', async () => {
  await page.goto(interviewUrl.replace(/\/interviews\/.*/, '/interviews'));
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download interviews (CSV)' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /-interviews\.csv$/);
  const rows = parseCsv(await fsp.readFile(await file.path(), 'utf8'));
  const ours = rows.filter((r) => r.participants === `Ceri; Dylan; ${GWEN}`);
  const gwen = ours.find((r) => r.speaker === GWEN && r.section_number === '1');
  assert.equal(gwen.text, SAID[1].text);
  assert.equal(gwen.kind, 'focus_group');
  assert.equal(gwen.case, WELSH_CASE);
  assert.equal(gwen.speaker_role, 'Volunteer');
  const transcript = ours.filter((r) => r.section === 'Transcript');
  assert.deepEqual(transcript.map((r) => r.speaker), ['Interviewer', 'Ceri', GWEN]);
  assert.equal(transcript[2].text, 'Ie, wir — مرحبا\nand a second line.');
  assert.ok(!JSON.stringify(rows).includes('Gwenllian'));
});

test('site-visit notes and documents: typed, uploaded, kept after reload', async () => {
  const studyUrl = interviewUrl.replace(/\/interviews\/.*/, '');
  await page.goto(studyUrl + '/cases');
  await page.getByRole('link', { name: WELSH_CASE }).click();
  await page.getByRole('button', { name: 'Add site-visit notes' }).click();
  await page.getByRole('heading', { level: 2, name: /^Site visit \d{4}-\d{2}-\d{2}$/ }).waitFor();
  await page.getByLabel('Text', { exact: true }).fill('Valley hall, rain all day. Rota on the noticeboard — ŵ ŷ 🌧.');
  await page.getByLabel('Origin').fill('Visit by Researcher B');
  await saved();
  await page.getByRole('link', { name: '← Back to the case' }).click();
  await page.getByLabel('New document title (report, minutes, web page…)').fill('Board minutes, March');
  await page.getByRole('button', { name: 'Add document' }).click();
  await page.getByRole('heading', { level: 2, name: 'Board minutes, March' }).waitFor();
  await page.getByLabel('Type').selectOption({ label: 'Minutes' });
  const md = path.join(tmp, 'minutes.md');
  await fsp.writeFile(md, '# Board meeting\r\n\r\n- Agreed to recruit two carers\r\n- العربية test\r\n');
  await page.getByLabel('Upload text (.txt, .md, .docx, .odt, .html)').setInputFiles(md);
  await page.waitForFunction(() => document.querySelector('textarea')?.value.includes('Agreed to recruit'));
  await saved();
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Board minutes, March' }).waitFor();
  assert.equal(await page.getByLabel('Text', { exact: true }).inputValue(), '# Board meeting\n\n- Agreed to recruit two carers\n- العربية test\n');
  // An OpenDocument file replaces the text after a confirmation.
  await page.getByLabel('Upload text (.txt, .md, .docx, .odt, .html)').setInputFiles(path.join(FIXTURES, 'interview.odt'));
  await page.getByRole('alertdialog').getByRole('button', { name: 'Replace text' }).click();
  await page.waitForFunction(() => document.querySelector('textarea')?.value.startsWith('Interview at Cwm Tŷ, 3 March\nInterviewer:'));
  assert.ok((await page.getByLabel('Text', { exact: true }).inputValue()).includes('Hazel: قالت إن الدعم مهم'));
  await saved();
  await page.getByRole('link', { name: '← Back to the case' }).click();
  await page.getByRole('list', { name: 'Documents' }).getByRole('listitem').nth(1).waitFor(); // its part may still load
  const docs = await page.getByRole('list', { name: 'Documents' }).getByRole('listitem').allInnerTexts();
  assert.equal(docs.length, 2, docs.join('\n'));
  assert.ok(docs.some((d) => d.includes('Board minutes, March') && d.includes('Minutes')), docs.join('\n'));
  assert.ok(docs.some((d) => d.includes('Site-visit notes')), docs.join('\n'));
  await screenshot(page, 'case-with-fieldwork');
});

test('fieldwork screens work at tablet size with labelled fields and large targets', async () => {
  for (const url of [interviewUrl, interviewUrl + '/account', interviewUrl.replace(/\/interviews\/.*/, '/interviews'), interviewUrl.replace(/\/interviews\/.*/, '/protocols')]) {
    await page.goto(url);
    await page.locator('main .panel').first().waitFor();
    const problems = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('button, a, input, select, textarea, summary')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const target = ['checkbox', 'radio'].includes(el.type) ? el.closest('.check, .option') : el.type === 'file' ? el.closest('label') : el;
        if (target.getBoundingClientRect().height < 44) out.push(`${el.tagName} "${el.textContent.trim() || el.id}" ${Math.round(target.getBoundingClientRect().height)}px`);
        if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && el.type !== 'file') {
          if (!((el.id && document.querySelector(`label[for="${el.id}"]`)) || el.getAttribute('aria-label'))) out.push(`${el.tagName}#${el.id} unlabelled`);
        }
      }
      if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('scrolls sideways');
      return out;
    });
    assert.deepEqual(problems, [], url);
  }
  await page.goto(interviewUrl);
  await screenshot(page, 'interview-runner');
  errors.assertNone();
});
