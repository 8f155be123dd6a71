// Stakeholder surveys on a tablet: a researcher builds a survey with skip logic and
// a Welsh translation, five respondents complete it in the locked participant mode
// (different paths, one in Welsh, one through a reload and a killed browser, one
// trying to escape), the researcher leaves with the PIN, corrects an answer, and
// downloads every export, which is parsed strictly and checked against what was
// entered. axe-core checks each participant screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { startServer, launch, mkProfile, rmProfile, killBrowser, screenshot, collectErrors, axeViolations } from './harness.mjs';


const DEMO = 'Co-operative care in rural and urban communities';
const CASE = 'Gofal Cwm Tŷ Gwyn';
const SURVEY = 'Community voices';
const PIN = '482913';
const HOSTILE = '=HYPERLINK("http://example.invalid","x")+1 and the valley roads';
const RTL = 'Funding 💷 and قواعد التمويل';

let server;
let profile;
let context;
let page;
let errors;
let surveyUrl;
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-surveys-'));

async function open() {
  context = await launch({ userDataDir: profile });
  // A refused full-screen request (headless has no screen) is not an app error.
  errors = collectErrors(context, { ignore: [/fullscreen/i] });
  page = context.pages()[0] || (await context.newPage());
}

const saved = () => page.locator('.save-state[data-state="saved"]').waitFor({ timeout: 10_000 });
const region = (n) => page.getByRole('region', { name: `Page ${n}`, exact: true });

/** axe-core on the current screen: no serious or critical violation. */
async function axe(name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
}

async function addQuestion(pageNo, kind, label, name) {
  const r = region(pageNo);
  await r.getByLabel('Kind of new question').selectOption({ label: kind });
  await r.getByLabel('New question (English)').fill(label);
  await r.getByRole('button', { name: 'Add question' }).click();
  const editor = r.locator('li.question-editor').filter({ has: page.locator('summary', { hasText: label }) });
  await editor.locator('summary').click();
  await editor.getByLabel('Machine name (export column)').fill(name);
  await editor.getByLabel('Machine name (export column)').blur();
  return editor;
}

async function addOption(editor, label) {
  await editor.getByLabel('New option (English)').fill(label);
  await editor.getByRole('button', { name: 'Add option' }).click();
  await editor.getByText(`Value: `).last().waitFor();
}

/** From the survey's page: hand the tablet over for this respondent. */
async function handOver(respondent) {
  await page.goto(surveyUrl);
  await page.getByRole('heading', { level: 2, name: SURVEY }).waitFor();
  await page.getByLabel('Case', { exact: true }).selectOption({ label: CASE });
  await page.getByLabel('Respondent').selectOption({ label: respondent });
  const newPin = page.getByLabel('New PIN');
  if (await newPin.isVisible()) {
    await newPin.fill(PIN);
    await page.getByLabel('The same PIN again').fill(PIN);
  }
  await page.getByRole('button', { name: 'Start participant mode' }).click();
  await page.getByRole('heading', { level: 1, name: SURVEY }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no researcher navigation in participant mode');
}

async function exitWithPin() {
  await page.getByRole('button', { name: 'Researcher' }).click();
  await page.getByLabel('PIN', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { level: 2, name: SURVEY }).waitFor();
}

const next = (word = 'Next') => page.getByRole('button', { name: word, exact: true }).click();
const pageHeading = (name) => page.getByRole('heading', { level: 1, name }).waitFor();
const likert = (statement, point) =>
  page.getByRole('radiogroup', { name: statement }).getByLabel(point, { exact: true }).check();

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

test('build a survey with three pages, skip logic and a Welsh translation', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Open the demo study' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO }).waitFor();
  await page.getByRole('navigation', { name: 'Study sections' }).getByRole('link', { name: 'Surveys' }).click();
  await page.getByLabel('Or a blank survey called').fill(SURVEY);
  await page.getByRole('button', { name: 'Create survey' }).click();
  await page.getByRole('heading', { level: 2, name: 'Edit survey' }).waitFor();
  await page.getByLabel('Offer Welsh (Cymraeg) to participants').check();

  for (const n of [1, 2, 3]) {
    await page.getByRole('button', { name: 'Add a page' }).click();
    await region(n).waitFor();
  }
  await region(1).getByLabel('Page title', { exact: true }).fill('About you');
  await region(1).getByLabel('Page title (Welsh)').fill('Amdanoch chi');
  await region(2).getByLabel('Page title', { exact: true }).fill('Volunteering');
  await region(3).getByLabel('Page title', { exact: true }).fill('Your views');

  // `role` is a column every export has (the participant's role): the builder refuses it.
  const role = await addQuestion(1, 'Single choice', 'How are you connected with the service?', 'role');
  await role.getByText('“role” is used by a column every export has; choose another name.').waitFor();
  await role.getByLabel('Machine name (export column)').fill('connection');
  await role.getByLabel('Machine name (export column)').blur();
  await role.getByLabel('Question (Welsh)').fill("Sut ydych chi'n gysylltiedig â'r gwasanaeth?");
  await addOption(role, 'I receive care or support');
  await addOption(role, 'I work for the service');
  await role.getByLabel('Option (Welsh)').first().fill("Rwy'n derbyn gofal neu gymorth");
  await role.getByLabel('An answer is required').check();

  const volunteer = await addQuestion(1, 'Yes / no', 'Do you volunteer with the co-operative?', 'volunteer');
  await volunteer.getByLabel('Question (Welsh)').fill("Ydych chi'n gwirfoddoli gyda'r cwmni cydweithredol?");
  await volunteer.getByLabel('An answer is required').check();

  // Page 2 only for volunteers: the new condition starts on the latest earlier question.
  await region(2).getByRole('button', { name: 'Add a condition' }).first().click();
  await region(2).getByText('Shown when “Do you volunteer with the co-operative?” is Yes').waitFor();
  const hours = await addQuestion(2, 'Number', 'How many hours a month do you volunteer?', 'hours');
  await hours.getByLabel('Largest allowed (blank: none)').fill('200');
  await hours.getByLabel('Whole numbers only').check();
  await hours.getByLabel('An answer is required').check();

  const views = await addQuestion(3, 'Likert statements, 5-point scale', 'How far do you agree?', 'views');
  for (const [label, name] of [['Staff listen to what I say', 'listened'], ['I feel part of the co-operative', 'belong']]) {
    await views.getByLabel('New statement (English)').fill(label);
    await views.getByRole('button', { name: 'Add statement' }).click();
    await views.getByLabel('Machine name', { exact: true }).last().fill(name);
    await views.getByLabel('Machine name', { exact: true }).last().blur();
  }
  await views.getByLabel('An answer is required').check();

  // Only workers are asked what got in the way.
  const obstacles = await addQuestion(3, 'Long text', 'What has got in the way?', 'obstacles');
  await obstacles.getByRole('button', { name: 'Add a condition' }).click();
  await obstacles.getByLabel('Question', { exact: true }).last().selectOption({ label: 'How are you connected with the service?' });
  await obstacles.getByLabel('Answer', { exact: true }).selectOption({ label: 'I work for the service' });
  await obstacles.getByText('Shown when “How are you connected with the service?” is “I work for the service”').waitFor();

  const help = await addQuestion(3, 'Multiple choice', 'Which help other than money have you had?', 'help');
  await addOption(help, 'Training');
  await addOption(help, 'Advice from the council');
  await saved();
  await screenshot(page, 'survey-builder');

  // A condition may only look back: page 1 has no earlier question to use.
  await region(1).getByRole('button', { name: 'Add a condition' }).first().click();
  await region(1).getByText('Only questions asked before this one can be used').waitFor();

  await page.getByRole('link', { name: SURVEY }).click();
  surveyUrl = page.url();
});

test('participant 1 (anonymous, English): validation, then skip the volunteering page', async () => {
  await handOver('Anonymous respondent');
  await axe('welcome');
  await screenshot(page, 'participant-welcome');
  await page.getByRole('button', { name: 'English' }).click();
  await pageHeading('About you');
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-label'), 'Page 1 of 2', 'the volunteering page is not counted until someone says they volunteer');
  await next();
  await page.getByText('Please check the answers marked below.').waitFor();
  await page.getByRole('group', { name: /How are you connected/ }).getByText('This question needs an answer.').waitFor();
  await axe('page with validation messages');
  await screenshot(page, 'participant-validation');
  await page.getByLabel('I receive care or support').check();
  await page.getByRole('group', { name: /Do you volunteer/ }).getByLabel('No').check();
  await next();
  await pageHeading('Your views');
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-label'), 'Page 2 of 2', 'the volunteering page is skipped');
  assert.equal(await page.getByLabel('What has got in the way?').count(), 0, 'only workers see this');
  await likert('Staff listen to what I say', 'Agree');
  await likert('I feel part of the co-operative', 'Strongly agree');
  await page.getByLabel('Training').check();
  await axe('Likert page, narrow');
  await screenshot(page, 'participant-likert-portrait');
  await next('Finish');
  await pageHeading('Thank you for taking part.');
  await axe('thank you');
  await exitWithPin();
});

test('participant 2 (Ceri): number validation, the volunteering page, hostile text', async () => {
  await handOver('Ceri');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByLabel('I work for the service').check();
  await page.getByRole('group', { name: /Do you volunteer/ }).getByLabel('Yes').check();
  await next();
  await pageHeading('Volunteering');
  const hours = page.getByLabel(/How many hours a month/);
  await hours.fill('abc');
  await page.getByText('Enter a number.').waitFor();
  await hours.fill('300');
  await next();
  await page.getByText('Enter a number no larger than 200.').waitFor();
  await axe('number page with a message');
  await hours.fill('12');
  await next();
  await pageHeading('Your views');
  await likert('Staff listen to what I say', 'Disagree');
  await likert('I feel part of the co-operative', 'Strongly disagree');
  await page.getByLabel('What has got in the way?').fill(HOSTILE);
  await page.setViewportSize({ width: 1024, height: 768 });
  await axe('Likert page as a matrix');
  await screenshot(page, 'participant-likert-landscape');
  await page.setViewportSize({ width: 768, height: 1024 });
  await next('Finish');
  await pageHeading('Thank you for taking part.');
  await exitWithPin();
});

test('participant 3 (anonymous, Welsh): Welsh labels, visible English fallback', async () => {
  await handOver('Anonymous respondent');
  await page.getByRole('button', { name: 'Cymraeg' }).click();
  await pageHeading('Amdanoch chi');
  await page.getByRole('group', { name: /Sut ydych chi'n gysylltiedig/ }).waitFor();
  // The second option has no Welsh: it shows in English, marked as such.
  const fallback = page.locator('.choice', { hasText: 'I work for the service' });
  assert.match(await fallback.innerText(), /\(English\)/);
  assert.equal(await fallback.locator('span[lang="en"]').count(), 1);
  await axe('Welsh page');
  await screenshot(page, 'participant-welsh');
  await page.getByRole('button', { name: 'Nesaf' }).click();
  await page.getByText("Mae angen ateb i'r cwestiwn hwn.").first().waitFor();
  await page.getByLabel("Rwy'n derbyn gofal neu gymorth").check();
  await page.getByRole('group', { name: /gwirfoddoli/ }).getByLabel('Na').check();
  await page.getByRole('button', { name: 'Nesaf' }).click();
  await page.getByRole('progressbar', { name: 'Tudalen 2 o 2' }).waitFor();
  await likert('Staff listen to what I say', 'Cytuno');
  await likert('I feel part of the co-operative', 'Cytuno');
  await page.getByLabel('Advice from the council').check();
  await page.getByRole('button', { name: 'Gorffen' }).click();
  await pageHeading('Diolch am gymryd rhan.');
  await exitWithPin();
});

test('participant 4 (Dylan): a reload and a killed browser resume on the same page with the answer', async () => {
  await handOver('Dylan');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByLabel('I work for the service').check();
  await page.getByRole('group', { name: /Do you volunteer/ }).getByLabel('Yes').check();
  await next();
  await pageHeading('Volunteering');
  await page.getByLabel(/How many hours a month/).pressSequentially('7');
  await page.waitForTimeout(600);
  await page.reload();
  await pageHeading('Volunteering');
  assert.equal(await page.getByLabel(/How many hours a month/).inputValue(), '7');
  await page.getByLabel(/How many hours a month/).fill('8');
  await page.waitForTimeout(1000);
  await killBrowser(context);
  await open();
  await page.goto(server.url + '/');
  await pageHeading('Volunteering');
  assert.equal(await page.getByLabel(/How many hours a month/).inputValue(), '8');
  await next();
  await likert('Staff listen to what I say', 'Neither agree nor disagree');
  await likert('I feel part of the co-operative', 'Neither agree nor disagree');
  await page.getByLabel('What has got in the way?').fill(RTL);
  await next('Finish');
  await pageHeading('Thank you for taking part.');
  await exitWithPin();
});

test('participant 5: back button, an edited address, a reload and a new tab do not leave participant mode', async () => {
  await handOver('Anonymous respondent');
  const studyUrl = surveyUrl.replace(/\/surveys\/.*$/, '');
  await page.getByRole('button', { name: 'English' }).click();
  await pageHeading('About you');
  await page.goBack().catch(() => {});
  await pageHeading('About you');
  await page.goto(studyUrl + '/participants');
  await pageHeading('About you');
  assert.equal(await page.getByText('Ceri').count(), 0, 'no participant list');
  await page.goto(server.url + '/storage');
  await pageHeading('About you');
  // A second tab: fieldkit is used in one tab at a time, and taking it over there
  // lands on the same survey, never on the researcher's screens.
  const other = await context.newPage();
  await other.goto(server.url + '/');
  await other.getByRole('heading', { level: 1, name: 'fieldkit is open in another tab or window' }).waitFor();
  assert.equal(await other.getByRole('navigation', { name: 'Main' }).count(), 0);
  await other.getByRole('button', { name: 'Use fieldkit here' }).click();
  await other.getByRole('heading', { level: 1, name: 'About you' }).waitFor();
  assert.equal(await other.getByRole('navigation', { name: 'Main' }).count(), 0);
  await page.getByRole('heading', { level: 1, name: 'fieldkit is open in another tab or window' }).waitFor();
  await other.close();
  await page.getByRole('button', { name: 'Use fieldkit here' }).click();
  await pageHeading('About you');
  assert.equal(new URL(page.url()).pathname, '/respond');

  // Keyboard alone: Tab into the first question, Space to choose, Tab to the next
  // question, an arrow key to choose within it, Tab to Next, Enter.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.equal(await page.getByLabel('I receive care or support').isChecked(), true);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('group', { name: /Do you volunteer/ }).getByLabel('No').isChecked(), true);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Next', 'Back is disabled on the first page');
  await page.keyboard.press('Enter');
  await pageHeading('Your views');
  // Focus moves to the new page's title once it is drawn (on the next frame).
  await page.waitForFunction(() => document.activeElement?.id === 'page-title', null, { timeout: 5000 });
  await likert('Staff listen to what I say', 'Strongly agree');
  await likert('I feel part of the co-operative', 'Strongly agree');
  await next('Finish');
  await pageHeading('Thank you for taking part.');

  // The thank-you screen is not a way out either; a wrong PIN is refused.
  await page.goto(studyUrl);
  await pageHeading('Thank you for taking part.');
  await page.getByRole('button', { name: 'Researcher' }).click();
  await axe('PIN dialog');
  await page.getByLabel('PIN', { exact: true }).fill('000000');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText('That PIN is not right.').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await pageHeading('Thank you for taking part.');
  await exitWithPin();
  assert.equal(page.url(), surveyUrl);
  errors.assertNone();
});

test('the responses list, a correction recorded with who and when', async () => {
  const rows = page.getByRole('table', { name: 'Responses' }).getByRole('row');
  await rows.nth(5).waitFor();
  assert.equal(await rows.count(), 6);
  assert.equal(await page.getByRole('cell', { name: 'Complete', exact: true }).count(), 5);
  await page.getByRole('table', { name: 'Responses' }).getByRole('link', { name: 'Ceri' }).click();
  await page.getByRole('heading', { name: 'Response: Ceri' }).waitFor();
  const hours = page.locator('li.answer', { hasText: 'How many hours a month' });
  assert.match(await hours.innerText(), /\n12\n/);
  await page.getByLabel('Your name (recorded with each correction)').fill('Researcher A');
  await hours.getByRole('button', { name: 'Correct…' }).click();
  await hours.getByLabel(/How many hours a month/).fill('14');
  await hours.getByRole('button', { name: 'Save correction' }).click();
  await page.locator('.corrections li', { hasText: 'Researcher A' }).filter({ hasText: 'hours: 12 → 14' }).waitFor();
  await saved();
  await screenshot(page, 'response-corrected');
  await page.getByRole('link', { name: 'Survey', exact: true }).click();
});

async function download(button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const target = path.join(tmp, file.suggestedFilename());
  await file.saveAs(target);
  return target;
}

test('downloads: wide, long and codebook CSV parse strictly and match the answers; the XLSX opens', async () => {
  const wideFile = await fsp.readFile(await download('Wide CSV (one row per response)'));
  const wideHeader = parse(wideFile, { to_line: 1 })[0];
  assert.equal(new Set(wideHeader.map((h) => h.toLowerCase())).size, wideHeader.length, `unique column names: ${wideHeader}`);
  for (const h of wideHeader) assert.match(h, /^[A-Za-z][A-Za-z0-9_]{0,63}$/, `a name R, SPSS and Stata accept: ${h}`);
  const wide = parse(wideFile, { columns: true, bom: false, strict: true, relax_quotes: false });
  assert.equal(wide.length, 5);
  const ceri = wide.find((r) => r.participant === 'Ceri');
  assert.ok(ceri, `columns: ${Object.keys(wide[0])}`);
  assert.equal(ceri.hours, '14', 'the correction is exported');
  assert.equal(ceri.connection, 'i_work_for');
  assert.equal(ceri.listened, '2');
  assert.equal(ceri.belong, '1');
  assert.equal(ceri.obstacles, `'${HOSTILE}`, 'a formula-like answer is neutralised');
  const dylan = wide.find((r) => r.participant === 'Dylan');
  assert.equal(dylan.hours, '8');
  assert.equal(dylan.obstacles, RTL);
  const welsh = wide.filter((r) => r.language === 'cy');
  assert.equal(welsh.length, 1);
  assert.equal(welsh[0].help_advice_from_the, '1');
  assert.equal(welsh[0].help_training, '0');
  const skipped = wide.filter((r) => r.volunteer === '0' || r.volunteer === 'no');
  assert.equal(skipped.length, 3, `volunteer values: ${wide.map((r) => r.volunteer)}`);
  for (const r of skipped) assert.equal(r.hours, '', 'nobody who skipped the page has an hours answer');
  assert.ok(wide.every((r) => r.case === CASE && r.survey_version === '1'), 'case and version on every row');

  const long = parse(await fsp.readFile(await download('Long CSV (one row per answer)')), { columns: true, strict: true });
  assert.ok(long.some((r) => r.question === 'hours' && r.value === '14'));
  const codebook = parse(await fsp.readFile(await download('Codebook CSV')), { columns: true, strict: true });
  const columns = codebook.map((r) => r.column);
  for (const c of ['role', 'connection', 'volunteer', 'hours', 'listened', 'belong', 'obstacles', 'help_training', 'help_advice_from_the']) {
    assert.ok(columns.includes(c), `codebook has ${c}: ${columns}`);
  }

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(await download('Excel workbook (XLSX)'));
  assert.deepEqual(workbook.worksheets.map((w) => w.name), ['Data', 'Codebook', 'Value labels']);
  const data = workbook.getWorksheet('Data');
  assert.equal(data.actualRowCount, 6);
  const header = data.getRow(1).values.slice(1);
  const hoursCol = header.indexOf('hours') + 1;
  const pseudonymCol = header.indexOf('participant') + 1;
  const ceriRow = [2, 3, 4, 5, 6].map((n) => data.getRow(n)).find((r) => r.getCell(pseudonymCol).value === 'Ceri');
  assert.equal(ceriRow.getCell(hoursCol).value, 14, 'numbers are numbers in the workbook');
  errors.assertNone();
});
