// Browser timings of the release build in headless Chromium, on the reference study
// (`fieldkit demo --size reference`). A benchmark: it prints figures and asserts
// nothing, and is not part of `make test`. Run after `make build`:
//
//   node tests/e2e/bench/browser-bench.mjs [--json]
//
//   THROTTLE=N  CPU slowdown via CDP Emulation.setCPUThrottlingRate (default 1; 4 is
//               roughly a mid-range tablet). Applies to everything in the page except
//               the import itself (the page loads, every interaction, the exports'
//               main-thread part). Dedicated workers seemed unthrottled in a quick check.
//   RUNS=n      fresh profiles to run (default 3); each figure is the median.
//   REFERENCE_JSON=path  use this reference backup instead of generating one.
//   PROTECT=1   turn protection with a passphrase on after the import (at full speed,
//               timed as protect_on_ms); every later page load then unlocks (an init
//               script types the passphrase as soon as the unlock screen shows), so
//               open_study_ms includes deriving the key and decrypting every record.
//   CPU_PROFILE=dir  record a CPU profile of each timed interaction and page load
//               (dir/<key>.cpuprofile, readable in DevTools) and log the functions
//               with most self time. Build with FIELDKIT_KEEP_NAMES=1 make build to
//               see the wasm functions' names. Profiling slows the page: figures
//               from such a run are not the benchmark's.
//   TRACE=1     instead, trace each timed interaction and page load and log the main
//               thread's time per event (style, layout, paint, script).
//   --json      print, as the LAST line, one JSON object (see the keys below).
//
// Interactions are timed inside the page (tests/e2e/bench/page-instrument.js): from
// the click or input event, dispatched in the page, until the frame showing the
// result has painted. Page loads run from navigation start to the painted screen.
// The import and the downloads span a worker and are timed by the driver.
// A measurement whose screen or control is missing, or that times out, is null
// (the reason goes to `null_reasons`); it never stops the run.
//
// JSON keys (milliseconds unless named otherwise):
//   cold_load_ms            empty profile to the "Your studies" heading
//   cached_load_ms          reload, served by the service worker (cached_load_from_sw
//                           says whether it really was)
//   import_ms               import the reference backup until the study shows
//   import_longest_task_ms  longest main-thread task during the import
//   import_progress_seen    whether a progress bar showed during the import
//   open_study_ms           full page load of the study's address to its screen
//   open_transcript_ms      open the first transcript until its highlights show
//   highlights              how many highlighted stretches (marks) it has
//   apply_code_ms           "Apply codes" until the new segment is listed
//   remove_code_ms          a segment's chip ✕ until the code is gone
//   undo_ms                 "Undo: …" until the segment list is back
//   type_char_notes_ms      one keystroke in an interview's notes (median of 5)
//   type_char_memo_ms       … in a memo
//   type_char_synopsis_ms   … in a framework-matrix synopsis
//   type_char_ms            the largest of the three above
//   search_ms               "care" in the study text search until the first hit (soon
//                           after the coding screen opened: it may finish the index)
//   search_again_ms         then "rota", the index built
//   list_1000_ms            Participants tab until the first of 1,000 rows
//   list_responses_ms       the survey with most responses until its first response
//   list_sources_ms         Coding tab until the first row of "Sources"
//   list_code_segments_ms   the code with most segments until its first segment
//   segments_csv_ms         "Coded segments (CSV)" until the download starts
//   qdpx_ms                 the REFI-QDA project (.qdpx) until the download starts
//   xlsx_ms                 the framework matrix (XLSX) until the download starts
//   longest_task_coding_ms  longest task during apply/remove/undo/typing/search, from the
//                           input event until 300 ms after its frame (its autosave)
//   longest_task_by_kind    the same, per kind of interaction
//   heap_mb                 JS heap in use after a GC, coding screen (1e6 bytes)
//   backing_store_mb        ArrayBuffer memory outside that heap, if reported
//   wasm_memory_mb          the app's wasm linear memory (where the study lives)
//   throttle, runs, reference_mb, null_reasons

import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launch, mkProfile, rmProfile, REPO_ROOT } from '../harness.mjs';

const THROTTLE = Math.max(1, Number(process.env.THROTTLE || 1));
const RUNS = Math.max(1, Number(process.env.RUNS || 3));
const PROTECT = process.env.PROTECT === '1';
const PASSPHRASE = 'benchmark passphrase on the hill';
// Unlocks as soon as the unlock screen shows, inside the page (no driver round trip).
const autoUnlock = `(() => {
  const unlock = () => {
    const input = document.getElementById('unlock-secret');
    const button = [...document.querySelectorAll('button[type=submit]')].find((b) => b.textContent.trim() === 'Unlock');
    if (!input || !button || input.dataset.fkBench) return;
    input.dataset.fkBench = '1';
    input.value = ${JSON.stringify(PASSPHRASE)};
    input.dispatchEvent(new Event('input', { bubbles: true }));
    button.click();
  };
  new MutationObserver(unlock).observe(document, { childList: true, subtree: true });
})();`;
const JSON_OUT = process.argv.includes('--json');
const STUDY_TITLE = 'Co-operative care in rural and urban communities';
// Generous: a throttled, 20,000-segment study is slow, and slow is a result, not an error.
const WAIT_MS = Math.min(600_000, 120_000 * THROTTLE);
const TYPED = 'bench'; // five keystrokes per text field

const log = (...args) => console.error('[bench]', ...args);
const CPU_PROFILE = process.env.CPU_PROFILE || '';
let cdpSession = null; // the current run's DevTools session, for CPU_PROFILE

const TRACE = process.env.TRACE === '1';

/** Runs `fn` under a DevTools trace and logs the main thread's time per kind of event
 * (style, layout, paint, script…): what a CPU profile shows only as "(program)". */
async function traced(key, fn) {
  const events = [];
  const onData = ({ value }) => events.push(...value);
  cdpSession.on('Tracing.dataCollected', onData);
  await cdpSession.send('Tracing.start', { categories: 'devtools.timeline', transferMode: 'ReportEvents' });
  try {
    return await fn();
  } finally {
    const done = new Promise((resolve) => cdpSession.once('Tracing.tracingComplete', resolve));
    await cdpSession.send('Tracing.end');
    await done;
    cdpSession.off('Tracing.dataCollected', onData);
    const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const per = new Map();
    for (const e of events) {
      if (e.ph !== 'X' || !e.dur || (main && (e.pid !== main.pid || e.tid !== main.tid))) continue;
      per.set(e.name, (per.get(e.name) || 0) + e.dur / 1000);
    }
    const top = [...per].sort((a, b) => b[1] - a[1]).slice(0, 10);
    log(`${key}: main-thread trace events (ms, nested events counted in each):`);
    for (const [name, ms] of top) log(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
  }
}

/** Runs `fn`, recording a CPU profile of it under `key` when CPU_PROFILE is set. */
async function profiled(key, fn) {
  if (TRACE && cdpSession) return traced(key, fn);
  if (!CPU_PROFILE || !cdpSession) return fn();
  await cdpSession.send('Profiler.enable');
  await cdpSession.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdpSession.send('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await cdpSession.send('Profiler.stop');
    await fsp.mkdir(CPU_PROFILE, { recursive: true });
    await fsp.writeFile(path.join(CPU_PROFILE, `${key}.cpuprofile`), JSON.stringify(profile));
    // Self time per function: samples landing on each node, times the mean interval.
    const total = profile.endTime - profile.startTime;
    const hits = new Map();
    for (const id of profile.samples) hits.set(id, (hits.get(id) || 0) + 1);
    const self = new Map();
    for (const node of profile.nodes) {
      const name = node.callFrame.functionName || `(${node.callFrame.url.split('/').pop() || 'anonymous'})`;
      self.set(name, (self.get(name) || 0) + (hits.get(node.id) || 0));
    }
    const perSample = total / 1000 / Math.max(1, profile.samples.length);
    const top = [...self].filter(([n]) => n !== '(idle)' && n !== '(program)').sort((a, b) => b[1] - a[1]).slice(0, 12);
    log(`${key}: profile ${Math.round(total / 1000)} ms; most self time:`);
    for (const [name, n] of top) log(`  ${(n * perSample).toFixed(1).padStart(8)} ms  ${name.slice(0, 110)}`);
  }
}
const instrument = await fsp.readFile(path.join(path.dirname(fileURLToPath(import.meta.url)), 'page-instrument.js'), 'utf8');

// --- samples ---------------------------------------------------------------

const samples = {}; // key -> numbers (one or more per run)
const reasons = {}; // key -> why it was null
const flags = { progress: [], sw: [] }; // per run: progress bar seen, reload under the service worker
const add = (key, value) => {
  samples[key] ??= [];
  if (typeof value === 'number' && Number.isFinite(value)) samples[key].push(value);
};
const fail = (key, why) => {
  add(key, null);
  reasons[key] = why;
  log(`${key}: null (${why})`);
};
const median = (xs) => {
  if (!xs?.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round1 = (x) => (x == null ? null : Math.round(x * 10) / 10);

// --- page helpers ----------------------------------------------------------

/** Runs `fn` (a page function returning window.__fkTime(...)) and records its time under `key`. */
async function timed(page, key, fn, arg = {}) {
  let r;
  try {
    r = await profiled(key, () => page.evaluate(fn, { ...arg, timeout: WAIT_MS }));
  } catch (e) {
    fail(key, firstLine(e));
    return null;
  }
  if (r?.ms == null) {
    fail(key, r?.timeout ? `not shown within ${WAIT_MS / 1000} s` : r?.error || 'no result');
    return null;
  }
  add(key, r.ms);
  return r;
}

// Long tasks count from an interaction's input event until this long after its frame,
// so the autosave it sets off (flushed 250 ms after an edit) is included.
const FOLLOW_MS = 300;

/** Collects timed interactions by kind; flush() adds the longest task of each kind in them. */
function longTasks(page, longest) {
  let pending = [];
  return {
    note: (kind, r) => r && pending.push([kind, r.t0, r.t1 + FOLLOW_MS]),
    // Before leaving the document (its long-task record goes with it), after FOLLOW_MS.
    async flush() {
      const windows = pending;
      pending = [];
      if (!windows.length) return;
      await page.waitForTimeout(FOLLOW_MS + 100);
      const found = await page.evaluate((ws) => ws.map(([, t0, t1]) => window.__fkLongest(t0, t1)), windows).catch(() => []);
      found.forEach((ms, i) => (longest[windows[i][0]] = Math.max(longest[windows[i][0]] ?? 0, ms)));
    },
  };
}

/** Full navigation (or reload) timed in the page until `screen` (see page-instrument.js) is painted. */
async function loadTimed(page, key, url, screen) {
  try {
    await profiled(key, async () => {
      if (url) await page.goto(url, { waitUntil: 'commit', timeout: WAIT_MS });
      else await page.reload({ waitUntil: 'commit', timeout: WAIT_MS });
      await page.waitForFunction((s) => window.__fkShown?.name === s, screen, { timeout: WAIT_MS, polling: 100 });
    });
    add(key, await page.evaluate(() => window.__fkShown.ms));
  } catch (e) {
    fail(key, firstLine(e));
  }
}

const firstLine = (e) => String(e?.message || e).split('\n')[0].slice(0, 200);

/** Runs a setup or measurement step; a failure is logged (and `keys` set null) and the run goes on. */
async function step(name, fn, keys = []) {
  try {
    return await fn();
  } catch (e) {
    log(`${name} failed: ${firstLine(e)}`);
    for (const key of keys) if (!samples[key]?.length) fail(key, `${name}: ${firstLine(e)}`);
    return null;
  }
}

// --- one run ---------------------------------------------------------------

async function run(server, reference, n) {
  const profile = await mkProfile();
  const context = await launch({ userDataDir: profile });
  try {
    await context.addInitScript({ content: instrument });
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(WAIT_MS);
    const cdp = await context.newCDPSession(page);
    cdpSession = cdp;
    const throttle = (rate) => cdp.send('Emulation.setCPUThrottlingRate', { rate });
    await throttle(THROTTLE);
    log(`run ${n + 1}/${RUNS}: loads`);

    await loadTimed(page, 'cold_load_ms', server.url + '/', 'studies');
    // Reload once the service worker is active, so the reload is served from its cache.
    await step('service worker', () =>
      page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 10_000))])),
    );
    await loadTimed(page, 'cached_load_ms', null, 'studies');
    flags.sw.push(await page.evaluate(() => Boolean(navigator.serviceWorker?.controller)).catch(() => false));

    // Import at full speed: it takes minutes throttled and is not what THROTTLE is about.
    log(`run ${n + 1}/${RUNS}: import`);
    await throttle(1);
    const studyUrl = await importReference(page, reference);
    await throttle(THROTTLE);
    if (!studyUrl) {
      log('the study did not open after the import: skipping the rest of this run');
      return;
    }
    const base = new URL(studyUrl).pathname.replace(/\/$/, '');
    if (PROTECT) {
      log(`run ${n + 1}/${RUNS}: turning protection on`);
      await throttle(1);
      await step('protect', async () => {
        await page.goto(server.url + '/storage');
        await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
        await page.getByLabel('The same passphrase again').fill(PASSPHRASE);
        await page.getByLabel(/I understand: without the passphrase/).check();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByTestId('recovery-key').waitFor();
        const start = performance.now();
        await page.getByRole('button', { name: 'I have written it down: turn protection on' }).click();
        await page.getByText('Protection is on').waitFor({ timeout: WAIT_MS });
        add('protect_on_ms', performance.now() - start);
        await context.addInitScript({ content: autoUnlock });
      }, ['protect_on_ms']);
      await throttle(THROTTLE);
    }

    await loadTimed(page, 'open_study_ms', studyUrl, 'study');
    const gotoTab = (name, sub, ready) => step(`go to ${name}`, () => showTab(page, name, server.url + base + sub, ready));

    log(`run ${n + 1}/${RUNS}: lists`);
    await timed(page, 'list_1000_ms', ({ timeout }) =>
      window.__fkTime(
        () => window.__fk.navLink('Participants').click(),
        () => location.pathname.endsWith('/participants') && document.querySelector('tbody tr a[href*="/participants/"]'),
        timeout,
      ),
    );

    await gotoTab('Surveys', '/surveys', '.card a[href*="/surveys/"], a[href*="/surveys/"]');
    await timed(page, 'list_responses_ms', ({ timeout }) => {
      // The survey with the most responses ("N complete, M in progress" on its card).
      const cards = [...document.querySelectorAll('li.card')].filter((c) => c.querySelector('a[href*="/surveys/"]'));
      const total = (c) => (window.__fk.text(c).match(/(\d+) complete, (\d+) in progress/) || [0, 0, 0]).slice(1).reduce((a, b) => a + Number(b), 0);
      cards.sort((a, b) => total(b) - total(a));
      const link = cards[0]?.querySelector('a[href*="/surveys/"]') || document.querySelector('main a[href*="/surveys/"]');
      return window.__fkTime(
        () => link.click(),
        () => /\/surveys\/[^/]+$/.test(location.pathname) && document.querySelector('a[href*="/responses/"]'),
        timeout,
      );
    });

    await timed(page, 'list_sources_ms', ({ timeout }) =>
      window.__fkTime(
        () => window.__fk.navLink('Coding').click(),
        () => location.pathname.endsWith('/coding') && document.querySelector('table[aria-label="Sources"] tbody tr'),
        timeout,
      ),
    );
    await gotoTab('Coding', '/coding', 'table[aria-label="Sources"] tbody tr');

    await step('heap', async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = await cdp.send('Runtime.getHeapUsage');
      add('heap_mb', heap.usedSize / 1e6);
      if (heap.backingStorageSize != null) add('backing_store_mb', heap.backingStorageSize / 1e6);
      // The study itself lives in wasm linear memory, outside the JS heap (it only grows).
      add('wasm_memory_mb', await page.evaluate(() => window.__fkWasm?.memory?.buffer.byteLength / 1e6));
    });

    log(`run ${n + 1}/${RUNS}: search`);
    const longest = {}; // kind -> longest task during its interactions, this run
    const tasks = longTasks(page, longest);
    await step('search', async () => {
      if (!(await page.evaluate(() => Boolean(window.__fk.searchBox())))) return fail('search_ms', 'no "Search the text…" box on the coding screen');
      // Types `word` into the search box (focusing it first) until the first hit shows.
      const searchFor = async (key, word) => {
        const r = await timed(page, key, ({ timeout, word }) => {
          const box = window.__fk.searchBox();
          return window.__fkTime(
            () => {
              box.focus();
              box.value = word;
              box.dispatchEvent(new InputEvent('input', { bubbles: true, data: word, inputType: 'insertText' }));
            },
            () => document.querySelector('li.search-hit'),
            timeout,
          );
        }, { word });
        tasks.note('search', r);
        await tasks.flush();
      };
      const clear = () =>
        page.evaluate(() => {
          const box = window.__fk.searchBox();
          box.value = '';
          box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'deleteContentBackward' }));
        });
      await searchFor('search_ms', 'care');
      // A second search, the index now built: what every search after the first costs.
      await clear();
      await searchFor('search_again_ms', 'rota');
      // Clear it again, so the coding screen is back to its usual state.
      await clear();
    }, ['search_ms', 'search_again_ms']);

    await timed(page, 'list_code_segments_ms', ({ timeout }) => {
      // The code with the most segments ("N segments" in its codebook row).
      const rows = [...document.querySelectorAll('.codebook li, ul[aria-label="Codebook"] li')].filter((li) => li.querySelector('a[href*="/coding/code/"]'));
      const count = (li) => Number((window.__fk.text(li).match(/([\d,]+) segments?/) || [0, '0'])[1].replace(/,/g, ''));
      rows.sort((a, b) => count(b) - count(a));
      const link = rows[0]?.querySelector('a[href*="/coding/code/"]') || document.querySelector('a[href*="/coding/code/"]');
      return window.__fkTime(
        () => link.click(),
        () => location.pathname.includes('/coding/code/') && document.querySelector('li.segment, ul[aria-label="Segments of this code"] li'),
        timeout,
      );
    });
    const codeUrl = page.url().includes('/coding/code/') ? page.url() : null;

    log(`run ${n + 1}/${RUNS}: coding`);
    await gotoTab('Coding', '/coding', 'table[aria-label="Sources"] tbody tr');
    await step('filter Kind = Transcript', async () => {
      const kind = page.getByLabel('Kind', { exact: true }).first();
      await kind.selectOption({ label: 'Transcript' }, { timeout: 10_000 });
      await page.waitForFunction(
        () => window.__fk.text(document.querySelector('table[aria-label="Sources"] tbody tr td:nth-child(2)')) === 'Transcript',
        null,
        { polling: 100 },
      );
    });
    const opened = await timed(page, 'open_transcript_ms', ({ timeout }) =>
      window.__fkTime(
        () => document.querySelector('table[aria-label="Sources"] tbody a').click(),
        () => location.pathname.includes('/coding/source/') && document.querySelector('.source-text mark'),
        timeout,
      ),
    );
    if (opened) add('highlights', await page.locator('.source-text mark').count());

    if (opened) await codeOneSegment(page, tasks);

    log(`run ${n + 1}/${RUNS}: typing`);
    // A memo on this source, else on the code opened above (a whole interview has no source memos).
    await step('memo', async () => {
      let memos = page.locator('section.panel > .memos').first();
      if (!(await memos.count()) && codeUrl) {
        log('no memos on this source: using the code page');
        await page.goto(codeUrl);
        memos = page.locator('section.panel > .memos').first();
      }
      await memos.waitFor({ timeout: 30_000 });
      if (!(await memos.locator('li.memo textarea').count())) {
        log('adding a memo to type in');
        await memos.locator('textarea').last().fill('Benchmark memo: ');
        await memos.getByRole('button', { name: 'Add memo' }).click();
        await memos.locator('li.memo textarea').first().waitFor({ timeout: 30_000 });
      }
      await typeInto(page, 'type_char_memo_ms', 'section.panel > .memos li.memo textarea', tasks);
    }, ['type_char_memo_ms']);

    await step('synopsis', async () => {
      await showTab(page, 'Coding', server.url + base + '/coding', 'a[href$="/coding/matrix"]');
      await page.locator('a[href$="/coding/matrix"]').first().click();
      await page.locator('table.matrix textarea').first().waitFor();
      const cell = (await page.locator('table.matrix td.cell textarea').count()) ? 'table.matrix td.cell textarea' : 'table.matrix textarea';
      await typeInto(page, 'type_char_synopsis_ms', cell, tasks);
    }, ['type_char_synopsis_ms']);

    await step('interview notes', async () => {
      await showTab(page, 'Interviews', server.url + base + '/interviews', 'table[aria-label="Interviews"] tbody a');
      await page.locator('table[aria-label="Interviews"] tbody a').first().click();
      await page.locator('.section-run textarea').first().waitFor();
      await typeInto(page, 'type_char_notes_ms', '.section-run textarea', tasks);
    }, ['type_char_notes_ms']);

    const kinds = Object.values(longest);
    if (kinds.length) add('longest_task_coding_ms', Math.max(...kinds));
    for (const [kind, ms] of Object.entries(longest)) add(`longest_task_${kind}_ms`, ms);

    log(`run ${n + 1}/${RUNS}: downloads`);
    await gotoTab('Coding', '/coding', 'table[aria-label="Sources"] tbody tr');
    await download(page, 'segments_csv_ms', { name: 'Coded segments (CSV)', exact: true });
    await download(page, 'qdpx_ms', { name: /\.qdpx|REFI-QDA project/i });
    await download(page, 'xlsx_ms', { name: /XLSX/ });
  } finally {
    await context.close().catch(() => {});
    await rmProfile(profile);
  }
}

/** Imports the reference backup from the studies screen; returns the study's address or null. */
async function importReference(page, reference) {
  try {
    // Watch for a progress bar only now: checking on every mutation would slow the
    // measured screens.
    const t0 = await page.evaluate(() => {
      window.__fkProgressSeen = false;
      const seen = () => document.querySelector('progress, [role="progressbar"]');
      const watch = new MutationObserver(() => {
        if (seen()) {
          window.__fkProgressSeen = true;
          watch.disconnect();
        }
      });
      watch.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['role'] });
      window.__fkStopProgressWatch = () => watch.disconnect();
      return performance.now();
    });
    const start = performance.now();
    await page.getByLabel(/^Import a backup/).setInputFiles(reference);
    await page
      .locator('h1', { hasText: STUDY_TITLE })
      .or(page.locator('nav[aria-label="Study sections"]'))
      .first()
      .waitFor({ timeout: 900_000 });
    add('import_ms', performance.now() - start);
    await page.waitForTimeout(100);
    const { longest, progress } = await page.evaluate((t0) => {
      window.__fkStopProgressWatch();
      return { longest: window.__fkLongest(t0, performance.now()), progress: window.__fkProgressSeen };
    }, t0);
    add('import_longest_task_ms', longest);
    flags.progress.push(progress);
    return page.url().includes('/study/') ? page.url() : null;
  } catch (e) {
    fail('import_ms', firstLine(e));
    return null;
  }
}

/** Goes to a study tab by its link (full load if the link is missing) and waits for `ready`. */
async function showTab(page, name, url, ready) {
  const clicked = await page.evaluate((name) => {
    const link = window.__fk?.navLink(name);
    link?.click();
    return Boolean(link);
  }, name);
  if (!clicked) await page.goto(url);
  await page.locator(ready).first().waitFor();
}

/** Apply a code to a fresh selection, remove it with the chip's ✕, then Undo. */
async function codeOneSegment(page, tasks) {
  const picked = await step('select words', async () => {
    // ~20 characters at the start of the first plain stretch of text long enough
    // (not a heading or speaker's name, which cannot be coded).
    const ok = await page.evaluate(() => {
      // Plain words are text nodes right inside a line (in builds before 2026-12-03,
      // spans of their own).
      const plain = [...document.querySelectorAll('.source-text .line')].flatMap((line) =>
        [...line.childNodes].map((n) => (n.nodeType === Node.TEXT_NODE ? n : n.matches?.('span:not(.composed-speaker)') ? n.firstChild : null)),
      );
      const node = plain.find((n) => n?.nodeType === Node.TEXT_NODE && n.data.trim().length > 25);
      if (!node) return false;
      const from = node.data.search(/\S/);
      const range = document.createRange();
      range.setStart(node, from);
      range.setEnd(node, Math.min(from + 20, node.data.length));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      return true;
    });
    if (!ok) throw new Error('no plain text to select');
    await page.locator('.selection-preview', { hasText: '“' }).waitFor({ timeout: 30_000 });
    await page.locator('.code-choices input').first().check();
    return true;
  }, ['apply_code_ms', 'remove_code_ms', 'undo_ms']);
  if (!picked) return;
  await page.evaluate(() => window.__fk.rememberSegments());
  const applied = await timed(page, 'apply_code_ms', ({ timeout }) => {
    const before = window.__fk.count('li.segment');
    return window.__fkTime(
      () => window.__fk.button('Apply codes').click(),
      () => window.__fk.count('li.segment') > before,
      timeout,
    );
  });
  tasks.note('apply', applied);
  if (!applied) {
    for (const key of ['remove_code_ms', 'undo_ms']) fail(key, 'no segment was added');
    return tasks.flush();
  }
  // Apart by more than FOLLOW_MS, so each one's long tasks (and autosave) are its own.
  await page.waitForTimeout(FOLLOW_MS + 100);
  const removed = await timed(page, 'remove_code_ms', ({ timeout }) => {
    const fk = window.__fk;
    const chip = fk.newSegment()?.querySelector('button[aria-label^="Remove "]');
    const label = chip?.getAttribute('aria-label');
    const chipShown = () => [...(fk.newSegment()?.querySelectorAll('button') || [])].some((b) => b.getAttribute('aria-label') === label);
    const after = fk.count('li.segment');
    window.__fkAfterApply = { after, label };
    return window.__fkTime(() => chip.click(), () => fk.count('li.segment') < after || !chipShown(), timeout);
  });
  tasks.note('remove', removed);
  if (!removed) {
    fail('undo_ms', 'nothing to undo: the remove did not happen');
    return tasks.flush();
  }
  await page.waitForTimeout(FOLLOW_MS + 100);
  const undone = await timed(page, 'undo_ms', ({ timeout }) => {
    const fk = window.__fk;
    const { after, label } = window.__fkAfterApply;
    const chipShown = () => [...(fk.newSegment()?.querySelectorAll('button') || [])].some((b) => b.getAttribute('aria-label') === label);
    return window.__fkTime(() => fk.button('Undo').click(), () => fk.count('li.segment') === after && chipShown(), timeout);
  });
  tasks.note('undo', undone);
  await tasks.flush();
}

/** Types TYPED into the first textarea matching `selector`, one in-page keystroke at a time. */
async function typeInto(page, key, selector, tasks) {
  const times = [];
  for (const ch of TYPED) {
    const r = await page.evaluate(
      ({ selector, ch, timeout }) => {
        const el = document.querySelector(selector);
        el.focus();
        return window.__fkTime(() => window.__fk.typeChar(el, ch), () => true, timeout);
      },
      { selector, ch, timeout: WAIT_MS },
    );
    if (r?.ms == null) throw new Error(`${key}: ${r?.error || 'no frame'}`);
    times.push(r.ms);
    tasks.note('type', r);
    await page.waitForTimeout(150); // a typist's pace, not a burst
  }
  add(key, median(times));
  await tasks.flush();
}

/** Clicks a download button; the time until the browser starts the download. */
async function download(page, key, { name, exact }) {
  try {
    const button = page.getByRole('button', { name, exact }).first();
    if (!(await button.count())) return fail(key, `no button ${name}`);
    const start = performance.now();
    if (PROTECT) {
      // A plain file asks first, once it is made: timed until that question shows.
      const downloaded = page.waitForEvent('download', { timeout: WAIT_MS });
      await button.click();
      await page.getByRole('alertdialog', { name: 'This file will not be protected' }).waitFor({ timeout: WAIT_MS });
      add(key, performance.now() - start);
      await page.getByRole('button', { name: 'Download anyway' }).click();
      await downloaded;
      return;
    }
    await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), button.click()]);
    add(key, performance.now() - start);
  } catch (e) {
    fail(key, firstLine(e));
  }
}

// --- main ------------------------------------------------------------------

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'fieldkit-bench-'));
let reference = process.env.REFERENCE_JSON;
if (!reference) {
  reference = path.join(tmp, 'reference.json');
  log('generating the reference study (cargo may wait for its lock)');
  try {
    execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'fieldkit-cli', '--', 'demo', '--size', 'reference', '-o', reference], {
      cwd: REPO_ROOT,
      stdio: ['ignore', process.stderr, process.stderr], // stdout is for the figures only
    });
  } catch {
    log('`fieldkit demo --size reference` failed (see above); set REFERENCE_JSON to use an existing file');
    await fsp.rm(tmp, { recursive: true, force: true });
    process.exit(1);
  }
}
const referenceMb = (await fsp.stat(reference)).size / 1e6;
const server = await startServer();
try {
  for (let n = 0; n < RUNS; n++) await run(server, reference, n);
} finally {
  await server.close();
  await fsp.rm(tmp, { recursive: true, force: true });
}

const KEYS = {
  cold_load_ms: 'first load, empty profile (to "Your studies")',
  cached_load_ms: 'reload (service worker cache)',
  import_ms: `import the reference backup (${referenceMb.toFixed(0)} MB) until it shows`,
  import_longest_task_ms: '  longest task during the import',
  open_study_ms: PROTECT ? 'open the study (full page load, with unlocking)' : 'open the study (full page load)',
  protect_on_ms: 'turn protection on (rewrite every record), at 1x',
  open_transcript_ms: 'open a transcript with its highlights',
  apply_code_ms: 'apply a code (until the segment is listed)',
  remove_code_ms: "remove a code with its chip's ✕",
  undo_ms: 'undo (until the segment list is back)',
  type_char_notes_ms: 'one keystroke: interview notes',
  type_char_memo_ms: 'one keystroke: memo',
  type_char_synopsis_ms: 'one keystroke: matrix synopsis',
  type_char_ms: 'one keystroke: slowest of the three',
  search_ms: 'search the text for "care" (first hit)',
  search_again_ms: 'a second search, "rota" (first hit)',
  list_1000_ms: 'participants list (first of 1,000 rows)',
  list_responses_ms: 'survey responses list (first row)',
  list_sources_ms: 'sources list on the coding tab (first row)',
  list_code_segments_ms: "the largest code's segments (first one)",
  segments_csv_ms: 'download the coded segments (CSV)',
  qdpx_ms: 'download the REFI-QDA project (.qdpx)',
  xlsx_ms: 'download the framework matrix (XLSX)',
  longest_task_coding_ms: 'longest task while coding, typing, searching',
  heap_mb: 'JS heap after GC, coding screen (MB)',
  backing_store_mb: 'array buffers outside the JS heap (MB)',
  wasm_memory_mb: 'wasm linear memory, high-water mark (MB)',
};
const out = {};
for (const key of Object.keys(KEYS)) out[key] = round1(median(samples[key]));
out.type_char_ms = [out.type_char_notes_ms, out.type_char_memo_ms, out.type_char_synopsis_ms].every((x) => x == null)
  ? null
  : Math.max(...[out.type_char_notes_ms, out.type_char_memo_ms, out.type_char_synopsis_ms].filter((x) => x != null));
out.longest_task_by_kind = {};
for (const kind of ['apply', 'remove', 'undo', 'type', 'search']) {
  const v = round1(median(samples[`longest_task_${kind}_ms`]));
  if (v != null) out.longest_task_by_kind[kind] = v;
}
out.import_progress_seen = flags.progress.some(Boolean);
out.cached_load_from_sw = flags.sw.length > 0 && flags.sw.every(Boolean);
out.highlights = median(samples.highlights);
out.throttle = THROTTLE;
out.protected = PROTECT;
out.runs = RUNS;
out.reference_mb = round1(referenceMb);
out.null_reasons = Object.fromEntries(Object.entries(reasons).filter(([key]) => out[key] == null));

if (JSON_OUT) {
  console.log(JSON.stringify(out));
} else {
  console.log(`${PROTECT ? 'protected, ' : ''}CPU throttle ${THROTTLE}x, median of ${RUNS} run(s); the transcript had ${out.highlights ?? '?'} highlights; progress bar during import: ${out.import_progress_seen ? 'yes' : 'no'}`);
  for (const [key, label] of Object.entries(KEYS)) {
    const v = out[key];
    const unit = key.endsWith('_mb') ? 'MB' : 'ms';
    const shown = v == null ? '—' : key.endsWith('_mb') ? v.toFixed(1) : v.toFixed(0);
    console.log(`${label.padEnd(52)} ${shown.padStart(8)} ${unit}${v == null && reasons[key] ? `  (${reasons[key]})` : ''}`);
  }
  const byKind = Object.entries(out.longest_task_by_kind).map(([kind, ms]) => `${kind} ${ms.toFixed(0)}`);
  if (byKind.length) console.log(`  longest task by kind (ms): ${byKind.join(', ')}`);
}
