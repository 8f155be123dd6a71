// How long IndexedDB itself takes to read a study, apart from the app: a probe for
// issue 12's "open the study" target (where the time goes before any Rust runs).
//
//   REFERENCE_JSON=/tmp/ref.json node tests/e2e/bench/idb-read.mjs
//
// Imports the backup through the app (so the records are stored exactly as the app
// stores them), then, in the page, at 1x and 4x CPU throttle, times:
//   index_getAll        the app's read today: every record of the study by the "study" index
//   store_getAll        every record by primary key
//   index_getAllKeys    the keys alone
//   store_paged5000     primary-key pages of 5,000
//   str|buf<N>MB_n<k>   the same records packed in k chunks of about N MB (JSON text or
//                       UTF-8 ArrayBuffer) in a scratch database: what a snapshot cache costs
// Prints one JSON line per throttle rate. Nothing here is a test; it measures.
import { startServer, launch, mkProfile, rmProfile } from '../harness.mjs';

if (!process.env.REFERENCE_JSON) {
  console.error('set REFERENCE_JSON to a backup (fieldkit demo --size reference -o FILE)');
  process.exit(1);
}
const server = await startServer();
const profile = await mkProfile();
const context = await launch({ userDataDir: profile });
try {
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(600_000);
  await page.goto(server.url + '/');
  await page.getByLabel(/^Import a backup/).setInputFiles(process.env.REFERENCE_JSON);
  await page.locator('nav[aria-label="Study sections"]').first().waitFor({ timeout: 900_000 });
  const study = page.url().match(/study\/([^/]+)/)?.[1];
  await page.goto(server.url + '/');
  await page.waitForTimeout(3000); // let the app settle
  const cdp = await context.newCDPSession(page);
  for (const rate of [1, 4]) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const figures = await page.evaluate(measure, study);
    console.log(JSON.stringify({ rate, ...figures }));
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
} finally {
  await context.close();
  await server.close();
  await rmProfile(profile);
}

async function measure(study) {
  const request = (r) => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = reject)));
  // The app's database at whatever version it is; the scratch one created at 1.
  const open = (name, upgrade) => {
    const r = upgrade ? indexedDB.open(name, 1) : indexedDB.open(name);
    if (upgrade) r.onupgradeneeded = () => upgrade(r.result);
    return request(r);
  };
  const db = await open('fieldkit');
  const records = () => db.transaction('records').objectStore('records');
  const out = {};
  let t = performance.now();
  const all = await request(records().index('study').getAll(study));
  out.index_getAll = performance.now() - t;
  out.records = all.length;
  out.body_mb = all.reduce((n, r) => n + r.body.length, 0) / 1e6;
  t = performance.now();
  await request(records().getAll());
  out.store_getAll = performance.now() - t;
  t = performance.now();
  await request(records().index('study').getAllKeys(study));
  out.index_getAllKeys = performance.now() - t;
  t = performance.now();
  {
    const store = records();
    let last = null;
    for (;;) {
      const range = last === null ? null : IDBKeyRange.lowerBound(last, true);
      const page = await request(store.getAll(range, 5000));
      if (!page.length) break;
      last = page[page.length - 1].key;
    }
  }
  out.store_paged5000 = performance.now() - t;
  db.close();

  const scratch = await open('fieldkit-idb-read-probe', (d) => d.createObjectStore('s'));
  const encoder = new TextEncoder();
  for (const chunkMb of [1, 4]) {
    const chunks = [];
    let current = [];
    let size = 0;
    for (const r of all) {
      current.push(r);
      size += r.body.length;
      if (size > chunkMb * 1e6) chunks.push(current), (current = []), (size = 0);
    }
    if (current.length) chunks.push(current);
    const tx = scratch.transaction('s', 'readwrite');
    chunks.forEach((c, i) => tx.objectStore('s').put(JSON.stringify(c), `str${chunkMb}:${i}`));
    chunks.forEach((c, i) => tx.objectStore('s').put(encoder.encode(JSON.stringify(c)).buffer, `buf${chunkMb}:${i}`));
    await new Promise((resolve) => (tx.oncomplete = resolve));
    for (const kind of ['str', 'buf']) {
      t = performance.now();
      await request(scratch.transaction('s').objectStore('s').getAll(IDBKeyRange.bound(`${kind}${chunkMb}:`, `${kind}${chunkMb}:~`)));
      out[`${kind}${chunkMb}MB_n${chunks.length}`] = performance.now() - t;
    }
  }
  scratch.close();
  await request(indexedDB.deleteDatabase('fieldkit-idb-read-probe'));
  for (const k of Object.keys(out)) if (typeof out[k] === 'number') out[k] = Math.round(out[k] * 10) / 10;
  return out;
}
