// The study report and the charts on the reference study, timed in the page:
// opening the report screen until its outline shows, ticking a box until the
// outline has changed and the next frame is painted, and opening the charts until
// both charts are drawn. Usage (after `make build`):
//   target/release/fieldkit demo --size reference -o /tmp/ref.json
//   REFERENCE_JSON=/tmp/ref.json [THROTTLE=4] node tests/e2e/bench/report-bench.mjs
import { startServer, launch, mkProfile, rmProfile } from '../harness.mjs';

const reference = process.env.REFERENCE_JSON;
if (!reference) throw new Error('REFERENCE_JSON=path of `fieldkit demo --size reference` output');
const throttle = Number(process.env.THROTTLE || 1);
const server = await startServer();
const profile = await mkProfile();
const context = await launch({ userDataDir: profile });
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(900_000);
await page.goto(server.url + '/');
await page.getByLabel(/^Import a backup/).setInputFiles(reference);
await page.locator('nav[aria-label="Study sections"]').waitFor();
const study = page.url().split('/study/')[1].split('/')[0];
const cdp = await context.newCDPSession(page);
await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const results = {};

async function until(key, url, selector) {
  const t0 = Date.now();
  await page.goto(url);
  await page.locator(selector).first().waitFor();
  results[key] = Date.now() - t0;
}
await until('report_screen_ms (page load to outline)', `${server.url}/study/${study}/coding/report`, 'ul.report-outline li');
// A tick until the outline changed and was painted, measured in the page.
results['report_tick_ms (in the page)'] = await page.evaluate(async () => {
  const outline = document.querySelector('ul.report-outline');
  const box = [...document.querySelectorAll('.report-choice input[type=checkbox]')].at(-1);
  const changed = new Promise((r) => new MutationObserver((_, o) => { o.disconnect(); r(); }).observe(outline, { childList: true, subtree: true, characterData: true }));
  const t0 = performance.now();
  box.click();
  await changed;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return Math.round(performance.now() - t0);
});
await until('charts_screen_ms (page load to both charts)', `${server.url}/study/${study}/coding/charts`, '[aria-labelledby="chart-by-case"] svg rect');
void frame;
console.log(JSON.stringify({ throttle, ...results }, null, 1));
await context.close();
await rmProfile(profile);
await server.close();
